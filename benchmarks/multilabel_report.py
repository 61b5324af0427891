"""Multi-label comparison on the real data in ../shared/data: focal boosters vs OneVsRest(XGBClassifier).

Usage (from the repository root)::

    python benchmarks/multilabel_report.py [--out benchmarks/results/multilabel.md]
        [--n-estimators 100] [--learning-rate 0.1] [--max-depth 4] [--seed 0]

For each dataset (yeast: 14 labels, doctor_aus_utilisation: 6 labels) it makes one 70/30 split and
fits, with the same n_estimators / learning_rate / max_depth:

- ``baseline``: ``OneVsRestClassifier(XGBClassifier(objective="binary:logistic", n_jobs=1), n_jobs=2)``
- ``focal xgb ovr`` / ``focal lgb ovr``: ``FocalMultiLabelClassifier(strategy="one_vs_rest", n_jobs=2)``
- ``focal native per-tree`` / ``focal native vector``: ``strategy="native"`` with
  ``multi_strategy="one_output_per_tree"`` / ``"multi_output_tree"`` (one booster, ``n_jobs=1``:
  see docs/multilabel.md for why)
- on data with categorical columns, also ``focal lgb ovr cat`` (codebook columns declared categorical;
  every other method sees the integer codes as numbers)

and writes per-label and macro PR-AUC (average precision on the test part) and fit wall time as
markdown tables.  Focal models use the defaults alpha=0.25, gamma=2, calibrated probabilities.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
import warnings
from pathlib import Path

import numpy as np
import sklearn
import xgboost
from sklearn.metrics import average_precision_score
from sklearn.model_selection import train_test_split
from sklearn.multiclass import OneVsRestClassifier

import focalboost
from focalboost.datasets import read_csv
from focalboost.multilabel import FocalMultiLabelClassifier

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
DATASETS = ("yeast_multilabel.csv", "doctor_aus_utilisation_multilabel.csv")


def methods(args: argparse.Namespace, cats: list[int]) -> dict[str, object]:
    common = {
        "n_estimators": args.n_estimators,
        "learning_rate": args.learning_rate,
        "max_depth": args.max_depth,
    }
    out: dict[str, object] = {
        "baseline": OneVsRestClassifier(
            xgboost.XGBClassifier(
                objective="binary:logistic", tree_method="hist", n_jobs=1, **common
            ),
            n_jobs=2,
        ),
        "focal xgb ovr": FocalMultiLabelClassifier("xgboost", n_jobs=2, **common),
        "focal lgb ovr": FocalMultiLabelClassifier("lightgbm", n_jobs=2, **common),
        "focal native per-tree": FocalMultiLabelClassifier(
            strategy="native", multi_strategy="one_output_per_tree", n_jobs=1, **common
        ),
        "focal native vector": FocalMultiLabelClassifier(
            strategy="native", multi_strategy="multi_output_tree", n_jobs=1, **common
        ),
    }
    if cats:
        out["focal lgb ovr cat"] = FocalMultiLabelClassifier(
            "lightgbm", n_jobs=2, categorical_features=cats, **common
        )
    return out


def run_dataset(name: str, args: argparse.Namespace) -> str:
    codebook = json.loads((DATA / "codebook.json").read_text())
    data = read_csv(DATA / name, categorical=list(codebook.get(name, {})))
    X_train, X_test, Y_train, Y_test = train_test_split(
        data.X, data.y, test_size=0.3, random_state=args.seed
    )
    scores: dict[str, list[float]] = {}
    times: dict[str, float] = {}
    for label, est in methods(args, data.categorical_indices).items():
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            est.fit(X_train, Y_train.astype(int))  # type: ignore[attr-defined]
        times[label] = time.perf_counter() - start
        proba = est.predict_proba(X_test)  # type: ignore[attr-defined]
        scores[label] = [
            float(average_precision_score(Y_test[:, j], proba[:, j]))
            for j in range(Y_test.shape[1])
        ]
        print(f"{name}: {label}: macro PR-AUC {np.mean(scores[label]):.4f}, {times[label]:.1f} s")
    names = list(scores)
    lines = [
        f"### {name} ({len(data.y)} rows, {data.X.shape[1]} features, {data.y.shape[1]} labels; "
        f"train {len(Y_train)} / test {len(Y_test)})",
        "",
        "| label | test rate | " + " | ".join(names) + " |",
        "|---|---|" + "---|" * len(names),
    ]
    for j, target in enumerate(data.target_names):
        best = max(scores[m][j] for m in names)
        cells = [
            f"**{scores[m][j]:.3f}**" if scores[m][j] == best else f"{scores[m][j]:.3f}"
            for m in names
        ]
        lines.append(f"| {target} | {Y_test[:, j].mean():.3f} | " + " | ".join(cells) + " |")
    macro = {m: float(np.mean(scores[m])) for m in names}
    top = max(macro.values())
    lines.append(
        f"| **macro** | {Y_test.mean(axis=0).mean():.3f} | "
        + " | ".join(f"**{macro[m]:.4f}**" if macro[m] == top else f"{macro[m]:.4f}" for m in names)
        + " |"
    )
    lines.append("| fit wall time (s) | | " + " | ".join(f"{times[m]:.1f}" for m in names) + " |")
    lines.append(
        "| time / baseline | | "
        + " | ".join(f"{times[m] / times['baseline']:.2f}" for m in names)
        + " |"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=ROOT / "benchmarks" / "results" / "multilabel.md"
    )
    parser.add_argument("--n-estimators", type=int, default=100)
    parser.add_argument("--learning-rate", type=float, default=0.1)
    parser.add_argument("--max-depth", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if not DATA.is_dir():
        raise SystemExit(f"{DATA} not found: the shared data folder must sit beside the repository")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    sections = [run_dataset(name, args) for name in DATASETS]
    header = (
        f"n_estimators={args.n_estimators}, learning_rate={args.learning_rate}, "
        f"max_depth={args.max_depth}, split seed {args.seed}; focalboost {focalboost.__version__}, "
        f"xgboost {xgboost.__version__}, scikit-learn {sklearn.__version__}, "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs, load average {load:.1f} at start. "
        "PR-AUC = average precision on the test part; bold = best in the row."
    )
    text = header + "\n\n" + "\n\n".join(sections) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
