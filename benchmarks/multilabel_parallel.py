"""How to run one-vs-rest labels in parallel: joblib threads, joblib processes (loky), or serially.

Usage (from the repository root)::

    python benchmarks/multilabel_parallel.py [--backend xgboost|lightgbm] [--repeats 4]

Fits ``FocalMultiLabelClassifier`` on the first 8 labels of ../shared/data/yeast_multilabel.csv
(60 rounds, depth 4) with ``n_jobs=2`` in joblib threads (the default), ``n_jobs=2`` under
``joblib.parallel_config(backend="loky")`` (worker pool warmed first), and ``n_jobs=1``; the three
are interleaved and the medians printed with their ratio to the serial run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import joblib

from focalboost.datasets import read_csv
from focalboost.multilabel import FocalMultiLabelClassifier

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="xgboost", choices=("xgboost", "lightgbm"))
    parser.add_argument("--repeats", type=int, default=4)
    args = parser.parse_args()
    data = read_csv(DATA / "yeast_multilabel.csv")
    X, Y = data.X, data.y[:, :8]

    def fit(n_jobs: int) -> None:
        FocalMultiLabelClassifier(args.backend, n_estimators=60, max_depth=4, n_jobs=n_jobs).fit(
            X, Y
        )

    with joblib.parallel_config(backend="loky"):
        fit(2)  # start the worker pool outside the timings
    times: dict[str, list[float]] = {"threads": [], "loky": [], "serial": []}
    for _ in range(args.repeats):
        for mode, values in times.items():
            start = time.perf_counter()
            if mode == "loky":
                with joblib.parallel_config(backend="loky"):
                    fit(2)
            else:
                fit(2 if mode == "threads" else 1)
            values.append(time.perf_counter() - start)
    serial = statistics.median(times["serial"])
    print(f"backend {args.backend}, load average {os.getloadavg()[0]:.1f}")
    for mode, values in times.items():
        med = statistics.median(values)
        print(f"{mode:8s} median {med:6.2f} s  ({med / serial:.2f} x serial)  runs {values}")


if __name__ == "__main__":
    main()
