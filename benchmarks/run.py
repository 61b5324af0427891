"""Speed and memory of the focal objective next to the built-in logistic one.

Run from the repository root (../shared/data must hold nycflights13_late60.csv and
yeast_multilabel.csv for the end-to-end part)::

    python benchmarks/run.py                    # everything, writes benchmarks/results/
    python benchmarks/run.py --parts kernel     # only the kernel table
    python benchmarks/run.py --quick            # smaller sizes, for a smoke test

Every comparison is run side by side in one process: within each repetition the baseline and the
focal variant alternate, and the tables report medians and the ratio of medians.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import textbook  # noqa: E402

import focalboost  # noqa: E402
from focalboost import FocalLoss  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
THREADS = 2


# --------------------------------------------------------------------------- helpers
def timed(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    out = fn()
    elapsed = time.perf_counter() - t0
    del out
    return elapsed


def interleaved(
    fns: dict[str, Callable[[], Any]], reps: int, cpu: dict[str, list[float]] | None = None
) -> dict[str, list[float]]:
    """Run every function once per repetition, in turn, and return all wall-clock times.

    With ``cpu``, the process CPU time of each call (all threads) is recorded there as well.
    """
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(reps):
        for name, fn in fns.items():
            gc.collect()
            c0 = time.process_time()
            times[name].append(timed(fn))
            if cpu is not None:
                cpu.setdefault(name, []).append(time.process_time() - c0)
    return times


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {"python": platform.python_version(), "numpy": np.__version__}
    for mod in ("scipy", "xgboost", "lightgbm"):
        try:
            versions[mod] = __import__(mod).__version__
        except ImportError:
            versions[mod] = "absent"
    versions["focalboost"] = getattr(focalboost, "__version__", "dev")
    try:
        load = os.getloadavg()
    except OSError:
        load = (float("nan"),) * 3
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "platform": platform.platform(),
        "versions": versions,
        "loadavg_at_start": [round(x, 2) for x in load],
    }


# --------------------------------------------------------------------------- 1. kernel
def bench_kernel(sizes: list[int], budget: float) -> list[dict[str, Any]]:
    rng = np.random.default_rng(0)
    rows = []
    fl = FocalLoss(alpha=0.25, gamma=2.0)
    fl_exact = FocalLoss(alpha=0.25, gamma=2.0, hessian="exact")
    for dtype in (np.float64, np.float32):
        for n in sizes:
            z = (rng.standard_normal(n) * 3.0).astype(dtype)
            y = (rng.random(n) < 0.112).astype(dtype)
            fns = {
                "logistic": lambda y=y, z=z: textbook.logistic(y, z),
                "focal": lambda y=y, z=z: fl.grad_hess(y, z),
                "focal_exact": lambda y=y, z=z: fl_exact.grad_hess(y, z),
                "focal_objective": lambda y=y, z=z: fl.sklearn_objective(y, z),
                "textbook_chain": lambda y=y, z=z: textbook.textbook_chain(y, z),
                "textbook_where": lambda y=y, z=z: textbook.textbook_where(y, z),
            }
            for fn in fns.values():  # warm up (scratch buffers, thread pool, caches)
                fn()
            one = timed(fns["textbook_where"])
            reps = int(min(41, max(5, budget / max(one, 1e-6) / len(fns))))
            cpu: dict[str, list[float]] = {}
            with np.errstate(all="ignore"):
                times = interleaved(fns, reps, cpu)
            med = {k: float(np.median(v)) for k, v in times.items()}
            med_cpu = {k: float(np.median(v)) for k, v in cpu.items()}
            rows.append(
                {
                    "dtype": np.dtype(dtype).name,
                    "n": n,
                    "reps": reps,
                    "median_s": med,
                    "median_cpu_s": med_cpu,
                    "cpu_focal_over_logistic": med_cpu["focal"] / med_cpu["logistic"],
                    "cpu_objective_over_logistic": med_cpu["focal_objective"] / med_cpu["logistic"],
                    "cpu_textbook_chain_over_focal_exact": med_cpu["textbook_chain"]
                    / med_cpu["focal_exact"],
                    "cpu_textbook_where_over_focal_exact": med_cpu["textbook_where"]
                    / med_cpu["focal_exact"],
                    "rows_per_s": {k: n / v for k, v in med.items()},
                    "focal_over_logistic": med["focal"] / med["logistic"],
                    "objective_over_logistic": med["focal_objective"] / med["logistic"],
                    "textbook_chain_over_focal_exact": med["textbook_chain"] / med["focal_exact"],
                    "textbook_where_over_focal_exact": med["textbook_where"] / med["focal_exact"],
                    "textbook_chain_over_focal": med["textbook_chain"] / med["focal"],
                }
            )
            print(
                f"kernel {rows[-1]['dtype']} n={n:>9}: "
                + ", ".join(f"{k} {v * 1e3:.2f} ms" for k, v in med.items()),
                flush=True,
            )
    return rows


# --------------------------------------------------------------------------- 2. end to end
def load_flights(n_rows: int | None) -> tuple[np.ndarray, np.ndarray, list[int]]:
    path = DATA / "nycflights13_late60.csv"
    raw = np.genfromtxt(path, delimiter=",", names=True)
    names = list(raw.dtype.names)
    features = [c for c in names if c != "target"]
    X = np.column_stack([raw[c] for c in features]).astype(np.float32)
    y = raw["target"].astype(np.float32)
    cats = [features.index(c) for c in ("carrier", "origin", "dest")]
    if n_rows is not None and n_rows > len(y):
        reps = -(-n_rows // len(y))
        X = np.tile(X, (reps, 1))[:n_rows]
        y = np.tile(y, reps)[:n_rows]
    return X, y, cats


def load_yeast(tiles: int) -> tuple[np.ndarray, np.ndarray]:
    path = DATA / "yeast_multilabel.csv"
    raw = np.genfromtxt(path, delimiter=",", names=True)
    names = list(raw.dtype.names)
    labels = [c for c in names if c.startswith("label_")]
    features = [c for c in names if c not in labels]
    X = np.column_stack([raw[c] for c in features]).astype(np.float32)
    Y = np.column_stack([raw[c] for c in labels]).astype(np.float32)
    return np.tile(X, (tiles, 1)), np.tile(Y, (tiles, 1))


def bench_xgb(X: np.ndarray, y: np.ndarray, rounds: int, reps: int) -> dict[str, Any]:
    import xgboost as xgb

    from focalboost import xgb as fxgb

    dtrain = xgb.DMatrix(X, label=y, nthread=THREADS)
    base = {"tree_method": "hist", "nthread": THREADS, "max_bin": 256, "verbosity": 0}
    fl = FocalLoss(alpha=0.25, gamma=2.0)

    def builtin() -> Any:
        return xgb.train({**base, "objective": "binary:logistic"}, dtrain, rounds)

    def focal() -> Any:
        return fxgb.train(base, dtrain, rounds, loss=fl)

    def custom() -> Any:
        return xgb.train({**base, "base_score": _logit_mean(y)}, dtrain, rounds, obj=_xgb_logistic)

    builtin()  # warm up
    cpu: dict[str, list[float]] = {}
    fns = {"logistic": builtin, "custom_logistic": custom, "focal": focal}
    times = interleaved(fns, reps, cpu)
    return summarize(times, cpu)


def bench_lgb(
    X: np.ndarray, y: np.ndarray, cats: list[int], rounds: int, reps: int
) -> dict[str, Any]:
    import lightgbm as lgb

    from focalboost import lgb as flgb

    base = {"num_threads": THREADS, "verbose": -1, "max_bin": 255}
    fl = FocalLoss(alpha=0.25, gamma=2.0)

    def dataset() -> Any:
        ds = lgb.Dataset(X, label=y, categorical_feature=cats, params=base, free_raw_data=False)
        ds.construct()
        return ds

    names = ("logistic", "custom_logistic", "focal")
    times: dict[str, list[float]] = {k: [] for k in names}
    cpu: dict[str, list[float]] = {k: [] for k in names}
    lgb.train({**base, "objective": "binary"}, dataset(), 2)  # warm up
    for _ in range(reps):
        ds_a, ds_b = dataset(), dataset()  # fresh Datasets: the focal run sets an init_score
        for name, fn in (
            ("logistic", lambda ds=ds_a: lgb.train({**base, "objective": "binary"}, ds, rounds)),
            (
                "custom_logistic",
                lambda ds=ds_a: lgb.train({**base, "objective": _lgb_logistic}, ds, rounds),
            ),
            ("focal", lambda ds=ds_b: flgb.train(base, ds, rounds, loss=fl)),
        ):
            gc.collect()
            c0 = time.process_time()
            times[name].append(timed(fn))
            cpu[name].append(time.process_time() - c0)
        del ds_a, ds_b
    return summarize(times, cpu)


def bench_xgb_multilabel(X: np.ndarray, Y: np.ndarray, rounds: int, reps: int) -> dict[str, Any]:
    import xgboost as xgb

    from focalboost import xgb as fxgb

    dtrain = xgb.DMatrix(X, label=Y, nthread=THREADS)
    base = {"tree_method": "hist", "nthread": THREADS, "max_bin": 256, "verbosity": 0}
    fl = FocalLoss(alpha=0.25, gamma=2.0)

    def builtin() -> Any:
        return xgb.train({**base, "objective": "binary:logistic"}, dtrain, rounds)

    def focal() -> Any:
        return fxgb.train(base, dtrain, rounds, loss=fl)

    def custom() -> Any:
        return xgb.train({**base, "base_score": _logit_mean(Y)}, dtrain, rounds, obj=_xgb_logistic)

    builtin()
    cpu: dict[str, list[float]] = {}
    fns = {"logistic": builtin, "custom_logistic": custom, "focal": focal}
    times = interleaved(fns, reps, cpu)
    return summarize(times, cpu)


def _logit_mean(y: np.ndarray) -> Any:
    m = np.clip(np.mean(y, axis=0, dtype=np.float64), 1e-6, 1 - 1e-6)
    logit = np.log(m / (1 - m))
    return float(logit) if np.ndim(logit) == 0 else [float(v) for v in logit]


def _xgb_logistic(predt: np.ndarray, dtrain: Any) -> tuple[np.ndarray, np.ndarray]:
    """A numpy log-loss objective: the floor of any Python custom objective's cost."""
    y = dtrain.get_label().reshape(predt.shape)
    return textbook.logistic(y, predt)


def _lgb_logistic(preds: np.ndarray, data: Any) -> tuple[np.ndarray, np.ndarray]:
    return textbook.logistic(data.get_label(), preds)


def summarize(times: dict[str, list[float]], cpu: dict[str, list[float]]) -> dict[str, Any]:
    med = {k: float(np.median(v)) for k, v in times.items()}
    med_cpu = {k: float(np.median(v)) for k, v in cpu.items()}
    extra = {}
    if "custom_logistic" in med:
        extra = {
            "custom_ratio": med["custom_logistic"] / med["logistic"],
            "focal_over_custom": med["focal"] / med["custom_logistic"],
            "cpu_custom_ratio": med_cpu["custom_logistic"] / med_cpu["logistic"],
            "cpu_focal_over_custom": med_cpu["focal"] / med_cpu["custom_logistic"],
        }
    return {
        **extra,
        "times_s": times,
        "cpu_s": cpu,
        "median_s": med,
        "median_cpu_s": med_cpu,
        "ratio": med["focal"] / med["logistic"],
        "cpu_ratio": med_cpu["focal"] / med_cpu["logistic"],
        "per_rep_ratios": [f / b for f, b in zip(times["focal"], times["logistic"], strict=False)],
    }


def bench_end_to_end(
    quick: bool,
    reps: int,
    save: Callable[[list[dict[str, Any]]], None],
    sizes: list[int | None],
    multilabel: bool,
    ml: tuple[int, int] = (2, 20),
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    rounds = 20 if quick else 100
    for n in sizes:
        X, y, cats = load_flights(n)
        for engine in ("xgboost", "lightgbm"):
            if engine == "xgboost":
                res = bench_xgb(X, y, rounds, reps)
            else:
                res = bench_lgb(X, y, cats, rounds, reps)
            res.update({"engine": engine, "data": "nycflights13_late60", "rows": len(y), "k": 1})
            res["rounds"] = rounds
            rows.append(res)
            save(rows)
            print(
                f"e2e {engine} rows={len(y)}: logistic {res['median_s']['logistic']:.2f} s, "
                f"focal {res['median_s']['focal']:.2f} s, ratio {res['ratio']:.3f}",
                flush=True,
            )
    if not multilabel:
        return rows
    tiles, ml_rounds = ml
    X, Y = load_yeast(tiles)
    res = bench_xgb_multilabel(X, Y, ml_rounds, reps)
    res.update(
        {
            "engine": "xgboost (multi-label)",
            "data": f"yeast x{tiles}",
            "rows": len(Y),
            "k": Y.shape[1],
        }
    )
    res["rounds"] = ml_rounds
    rows.append(res)
    save(rows)
    print(f"e2e multi-label rows={len(Y)} k={Y.shape[1]}: ratio {res['ratio']:.3f}", flush=True)
    return rows


# --------------------------------------------------------------------------- 3. memory
def peak_bytes(fn: Callable[[], Any]) -> int:
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    base, _ = tracemalloc.get_traced_memory()
    out = fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del out
    return peak - base


def bench_memory(n: int) -> list[dict[str, Any]]:
    rng = np.random.default_rng(1)
    rows = []
    for dtype in (np.float64, np.float32):
        z = (rng.standard_normal(n) * 3.0).astype(dtype)
        y = (rng.random(n) < 0.112).astype(dtype)
        fl = FocalLoss()
        engine_fl = FocalLoss()
        cases: dict[str, Callable[[], Any]] = {
            "logistic (expit, p - y, p*(1-p))": lambda y=y, z=z: textbook.logistic(y, z),
            "FocalLoss.grad_hess": lambda y=y, z=z, fl=fl: fl.grad_hess(y, z),
            "objective adapter, first round": (
                lambda y=y, z=z, fl=engine_fl: fl.sklearn_objective(y, z)
            ),
            "textbook_where": lambda y=y, z=z: textbook.textbook_where(y, z),
        }
        for name, fn in cases.items():
            with np.errstate(all="ignore"):
                peak = peak_bytes(fn)
            rows.append({"dtype": np.dtype(dtype).name, "case": name, "bytes_per_row": peak / n})

        def later_round(y: np.ndarray = y, z: np.ndarray = z, fl: FocalLoss = engine_fl) -> Any:
            return fl.sklearn_objective(y, z)

        later_round()  # previous round's outputs are dropped by now, as an engine does
        rows.append(
            {
                "dtype": np.dtype(dtype).name,
                "case": "objective adapter, later rounds",
                "bytes_per_row": peak_bytes(later_round) / n,
            }
        )
    for r in rows:
        print(f"memory {r['dtype']} {r['case']}: {r['bytes_per_row']:.1f} B/row", flush=True)
    return rows


# --------------------------------------------------------------------------- report
def markdown(results: dict[str, Any]) -> str:
    out = ["# Benchmark results", ""]
    m = results["machine"]
    out.append(
        f"Machine: {m['nproc']} CPUs, {m['cpu']}, {m['platform']}; load average at start "
        f"{m['loadavg_at_start']}."
    )
    out.append("Versions: " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()) + ".")
    out.append(f"Command: `{results['command']}`")
    out.append("")
    if "kernel" in results:
        out += [
            "## 1. Kernel: gradient and Hessian (alpha=0.25, gamma=2, 11 % positives)",
            "",
            "Median milliseconds per call (rows/s in millions in parentheses). `focal` is "
            '`FocalLoss.grad_hess` (validated public call, `hessian="upper"`), `focal_exact` '
            'the same with `hessian="exact"`, `objective` the engine adapter called again on the '
            "same labels. Ratios: focal / logistic (target <= 2 in float64) and textbook / "
            "focal_exact (target >= 5).",
            "",
            "| dtype | n | logistic | focal | focal_exact | objective | textbook_chain | "
            "textbook_where | focal/logistic | objective/logistic | chain/focal_exact | "
            "where/focal_exact |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in results["kernel"]:
            med = r["median_s"]

            def cell(k: str, r: dict[str, Any] = r, med: dict[str, float] = med) -> str:
                return f"{med[k] * 1e3:.2f} ({r['n'] / med[k] / 1e6:.0f})"

            out.append(
                f"| {r['dtype']} | {r['n']:.0e} | {cell('logistic')} | {cell('focal')} | "
                f"{cell('focal_exact')} | {cell('focal_objective')} | {cell('textbook_chain')} | "
                f"{cell('textbook_where')} | {r['focal_over_logistic']:.2f} | "
                f"{r['objective_over_logistic']:.2f} | {r['textbook_chain_over_focal_exact']:.1f} | "
                f"{r['textbook_where_over_focal_exact']:.1f} |"
            )
        out += [
            "",
            "The same calls measured in process CPU time (all threads added up; the focal kernel "
            "uses two threads from 262,144 elements on, the others one), which the other "
            "processes on a shared machine disturb less than wall-clock time:",
            "",
            "| dtype | n | focal/logistic | objective/logistic | chain/focal_exact | "
            "where/focal_exact |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for r in results["kernel"]:
            out.append(
                f"| {r['dtype']} | {r['n']:.0e} | {r['cpu_focal_over_logistic']:.2f} | "
                f"{r['cpu_objective_over_logistic']:.2f} | "
                f"{r['cpu_textbook_chain_over_focal_exact']:.1f} | "
                f"{r['cpu_textbook_where_over_focal_exact']:.1f} |"
            )
        out.append("")
    if "end_to_end" in results:
        out += [
            f"## 2. End to end: training time, {THREADS} threads, built-in logistic vs focal",
            "",
            "| engine | data | rows | outputs | rounds | reps | logistic median s | focal median s "
            "| focal / logistic (wall) | per-repetition ratios | focal / logistic (CPU) "
            "| numpy logistic objective / logistic (wall) | focal / numpy logistic objective "
            "(wall) |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|",
        ]
        for r in results["end_to_end"]:
            reps = len(r["times_s"]["focal"])
            per = ", ".join(f"{x:.3f}" for x in r["per_rep_ratios"])
            cpu = f"{r['cpu_ratio']:.3f}" if "cpu_ratio" in r else "n/a"
            out.append(
                f"| {r['engine']} | {r['data']} | {r['rows']:,} | {r['k']} | {r['rounds']} | "
                f"{reps} | {r['median_s']['logistic']:.2f} | {r['median_s']['focal']:.2f} | "
                f"**{r['ratio']:.3f}** | {per} | {cpu} | "
                f"{r.get('custom_ratio', float('nan')):.3f} | "
                f"{r.get('focal_over_custom', float('nan')):.3f} |"
            )
        out.append("")
    if "memory" in results:
        out += [
            f"## 3. Peak extra memory of one call (tracemalloc), n = {results['memory_n']:,}",
            "",
            "| dtype | call | bytes per row |",
            "|---|---|---:|",
        ]
        for r in results["memory"]:
            out.append(f"| {r['dtype']} | {r['case']} | {r['bytes_per_row']:.1f} |")
        out.append("")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--parts", default="kernel,end_to_end,memory")
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    parser.add_argument("--reps", type=int, default=5, help="end-to-end repetitions (>= 3)")
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent / "results"))
    parser.add_argument("--name", default="", help="file name stem (default: results)")
    parser.add_argument(
        "--sizes",
        default="1000000,full",
        help="end-to-end row counts: 'full' is the 336,776-row file, larger ones tile it",
    )
    parser.add_argument("--no-multilabel", action="store_true", help="skip the k=14 run")
    parser.add_argument("--ml-tiles", type=int, default=2, help="copies of the yeast rows")
    parser.add_argument("--ml-rounds", type=int, default=20, help="rounds of the k=14 run")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    results: dict[str, Any] = {
        "machine": machine(),
        "command": "python benchmarks/run.py " + " ".join(sys.argv[1:]),
    }
    if "kernel" in parts:
        sizes = [10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000, 10_000_000]
        results["kernel"] = bench_kernel(sizes, budget=0.5 if args.quick else 3.0)
    if "memory" in parts:
        results["memory_n"] = 100_000 if args.quick else 1_000_000
        results["memory"] = bench_memory(results["memory_n"])
    if "end_to_end" in parts:
        if not (DATA / "nycflights13_late60.csv").exists():
            print(f"skipping end_to_end: {DATA} has no nycflights13_late60.csv", flush=True)
        else:

            def save(rows: list[dict[str, Any]]) -> None:
                results["end_to_end"] = rows
                write(results, args)

            sizes: list[int | None] = [
                None if v == "full" else int(v) for v in args.sizes.split(",")
            ]
            if args.quick:
                sizes = [None]
            results["end_to_end"] = bench_end_to_end(
                args.quick,
                max(1, args.reps),
                save,
                sizes,
                not args.no_multilabel,
                (args.ml_tiles, args.ml_rounds),
            )
    write(results, args)


def write(results: dict[str, Any], args: argparse.Namespace) -> None:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    name = args.name or ("results_quick" if args.quick else "results")
    (out / f"{name}.json").write_text(json.dumps(results, indent=1))
    (out / f"{name}.md").write_text(markdown(results))
    print(f"wrote {out / name}.md and .json", flush=True)


if __name__ == "__main__":
    main()
