"""Distributed focal-loss training on Dask: 336,776 NYC flights, partitioned across workers.

Reads ``nycflights13_late60.csv`` with ``dask.dataframe.read_csv`` (target: arrived 60+ minutes
late, cancelled or diverted; 11.2 % positive), trains on January-September and tests on
October-December with XGBoost (``focalboost.dask.train_xgb``) and LightGBM
(``focalboost.dask.fit_lgb``), then trains the same models on one machine and prints both.

Run from the repository root::

    python examples/dask_flights.py                      # a local 2-worker cluster
    python examples/dask_flights.py --scheduler tcp://10.0.0.5:8786   # an existing cluster

With ``--scheduler`` the workers read the CSV themselves, so ``--data`` must be a path (or URL)
every worker can open.  The single-machine comparison runs in this process; skip it with
``--no-local`` on data that does not fit here.  Needs ``pip install 'focalboost[dask,all]'``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np

DEFAULT_DATA = (
    Path(__file__).resolve().parents[1].parent / "shared" / "data" / "nycflights13_late60.csv"
)


def metrics(loss: Any, y: np.ndarray, margin: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

    proba = loss.probability(margin)
    return {
        "focal": float(np.mean(loss.loss(y, margin))),
        "roc_auc": float(roc_auc_score(y, proba)),
        "pr_auc": float(average_precision_score(y, proba)),
        "brier": float(brier_score_loss(y, proba)),
        "mean_p": float(np.mean(proba)),
    }


def show(title: str, rows: dict[str, dict[str, float]], seconds: dict[str, float]) -> None:
    print(f"\n{title}")
    names = list(next(iter(rows.values())))
    print(f"  {'':<22}" + "".join(f"{n:>10}" for n in names) + f"{'seconds':>10}")
    for label, row in rows.items():
        print(
            f"  {label:<22}"
            + "".join(f"{row[n]:>10.5f}" for n in names)
            + f"{seconds[label]:>10.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scheduler", help="address of an existing Dask scheduler (default: start a local cluster)"
    )
    parser.add_argument("--data", default=str(DEFAULT_DATA), help="the nycflights13_late60 CSV")
    parser.add_argument("--workers", type=int, default=2, help="local cluster workers (default 2)")
    parser.add_argument(
        "--partitions", type=int, default=8, help="partitions of the table (default 8)"
    )
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--alpha", default="balanced", help='class weight: a float or "balanced"')
    parser.add_argument("--gamma", type=float, default=2.0)
    parser.add_argument("--engine", choices=["xgboost", "lightgbm", "both"], default="both")
    parser.add_argument(
        "--no-local", action="store_true", help="skip the single-machine comparison"
    )
    args = parser.parse_args()

    import dask.dataframe as dd
    from distributed import Client, LocalCluster

    import focalboost.dask as fdask
    from focalboost import FocalLoss

    alpha: float | str = args.alpha if args.alpha == "balanced" else float(args.alpha)
    loss = FocalLoss(alpha=alpha, gamma=args.gamma)

    cluster = None
    if args.scheduler:
        client = Client(args.scheduler)
    else:
        cluster = LocalCluster(
            n_workers=args.workers, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
        )
        client = Client(cluster)
    print(f"cluster: {client.scheduler.address}, {len(client.scheduler_info()['workers'])} workers")

    try:
        table = dd.read_csv(args.data, dtype="float64").repartition(npartitions=args.partitions)
        table = table.persist()
        features = [c for c in table.columns if c != "target"]
        train, test = table[table["month"] <= 9], table[table["month"] > 9]
        X_train, y_train = train[features], train["target"]
        X_test, y_test = test[features], test["target"]
        stats = fdask.label_stats(y_train)
        rates = ", ".join(f"{m:.3f}" for m in stats.partition_means)
        print(
            f"training rows: {stats.n_rows}, positive rate {stats.mean:.4f} (partitions: {rates})"
        )
        resolved = fdask.global_resolved(loss, y_train)
        print(f"{loss!r}: alpha resolved on all partitions = {resolved.alpha}")
        y_test_np = y_test.compute().to_numpy()

        rows: dict[str, dict[str, float]] = {}
        seconds: dict[str, float] = {}
        margins: dict[str, np.ndarray] = {}
        if not args.no_local:
            X_train_np, y_train_np = X_train.compute(), y_train.compute().to_numpy()
            X_test_np = X_test.compute()

        if args.engine in ("xgboost", "both"):
            import xgboost as xgb
            from xgboost import dask as xgb_dask

            from focalboost import xgb as fxgb

            params = {"tree_method": "hist", "max_depth": 6, "eta": 0.1}
            start = time.perf_counter()
            dtrain = xgb_dask.DaskDMatrix(client, X_train, y_train)
            out = fdask.train_xgb(client, params, dtrain, args.rounds, loss=loss)
            margin = fdask.predict_margin(out["booster"], X_test).compute().to_numpy()
            seconds["xgboost distributed"] = time.perf_counter() - start
            margins["xgboost distributed"] = margin
            rows["xgboost distributed"] = metrics(out["loss"], y_test_np, margin)
            if not args.no_local:
                start = time.perf_counter()
                booster = fxgb.train(
                    {**params, "nthread": args.workers},
                    xgb.DMatrix(X_train_np, y_train_np),
                    args.rounds,
                    loss=loss,
                )
                local = booster.predict(xgb.DMatrix(X_test_np), output_margin=True)
                seconds["xgboost one machine"] = time.perf_counter() - start
                margins["xgboost one machine"] = local
                rows["xgboost one machine"] = metrics(out["loss"], y_test_np, local)

        if args.engine in ("lightgbm", "both"):
            import lightgbm as lgb
            from lightgbm import dask as lgb_dask

            from focalboost import lgb as flgb

            start = time.perf_counter()
            model = lgb_dask.DaskLGBMClassifier(
                n_estimators=args.rounds,
                num_leaves=63,
                learning_rate=0.1,
                verbose=-1,
                client=client,
            )
            fdask.fit_lgb(model, X_train, y_train, loss=loss)
            margin = np.asarray(fdask.predict_margin(model, X_test).compute())
            seconds["lightgbm distributed"] = time.perf_counter() - start
            margins["lightgbm distributed"] = margin
            rows["lightgbm distributed"] = metrics(model.objective.__self__, y_test_np, margin)
            if not args.no_local:
                start = time.perf_counter()
                booster = flgb.train(
                    {
                        "num_leaves": 63,
                        "learning_rate": 0.1,
                        "verbose": -1,
                        "num_threads": args.workers,
                    },
                    lgb.Dataset(X_train_np, y_train_np),
                    args.rounds,
                    loss=loss,
                )
                local = booster.predict(X_test_np, raw_score=True)
                seconds["lightgbm one machine"] = time.perf_counter() - start
                margins["lightgbm one machine"] = local
                rows["lightgbm one machine"] = metrics(model.objective.__self__, y_test_np, local)

        print(
            f"\ntest rows (October-December): {y_test_np.size}, positive rate {y_test_np.mean():.4f}"
        )
        show("test metrics (probabilities calibrated with FocalLoss.probability)", rows, seconds)
        if not args.no_local:
            print("\ndistributed vs one machine, same data and settings:")
            for engine in ("xgboost", "lightgbm"):
                if f"{engine} distributed" in margins:
                    d, o = margins[f"{engine} distributed"], margins[f"{engine} one machine"]
                    dp = resolved.probability(d) - resolved.probability(o)
                    print(
                        f"  {engine:<9} max |margin diff| {np.max(np.abs(d - o)):.2e}, "
                        f"max |probability diff| {np.max(np.abs(dp)):.2e}, "
                        f"mean |probability diff| {np.mean(np.abs(dp)):.2e}"
                    )
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


if __name__ == "__main__":  # required: local cluster workers are separate processes
    main()
