"""Evidence study: which Hessian policy to default to, and when focal loss helps.

Regenerates ``docs/results.md`` and the figures in ``docs/img/``::

    python benchmarks/study.py            # full study (CPU, about 25 minutes on 2 cores)
    python benchmarks/study.py --quick    # small settings, a few minutes: checks the pipeline

Parts
-----
1. Hessian policies (``exact``, ``clip``, ``abs``, ``upper`` and two positive surrogates defined
   here, ``expected`` and ``logistic``) on both engines: rows with negative or tiny curvature per
   round, training loss per round, rounds to the early-stopping optimum, held-out PR-AUC.
2. Logistic, weighted logistic and 12 focal settings on every binary dataset in ``../shared/data``,
   stratified 5-fold CV, both engines, with the same learning-rate search and early stopping for all.
3. A two-feature 90:10 toy problem with decision regions.

The datasets are read from ``../shared/data`` beside the repository root (``--data`` overrides).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from focalboost import FocalLoss  # noqa: E402
from focalboost import metrics as fm  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
DATASETS = (
    "nass_cds_dead",
    "caravan_purchase",
    "email_spam",
    "hmda_deny",
    "fars_incapacitating",
    "nycflights13_late60",
)
THREADS = 1


# ====================================================================== candidate curvatures
class StudyLoss(FocalLoss):
    """FocalLoss with two extra curvature policies and per-round bookkeeping.

    ``expected``: the curvature of the expected loss under the label probability at which the
    current margin is optimal, :math:`\\hat q(z)\\,h_1(z) + (1-\\hat q(z))\\,h_0(z)` with
    :math:`h_y` the exact class-weighted second derivatives and :math:`\\hat q` the calibrated
    probability (:meth:`FocalLoss.probability`).  It does not depend on the row's label, is
    positive because each margin is the minimiser of that expected loss, and equals the logistic
    Hessian :math:`p(1-p)` for ``gamma=0, alpha=None`` (a Fisher-information analogue).

    ``logistic``: the class-weighted logistic Hessian :math:`a_y\\,p(1-p)`, the curvature of
    weighted log-loss, used as a fixed positive envelope.
    """

    EXTRA = ("expected", "logistic")

    def __init__(
        self, alpha: Any = 0.25, gamma: float = 2.0, policy: str = "upper", track: bool = True
    ) -> None:
        super().__init__(alpha, gamma, "exact" if policy in self.EXTRA else policy)
        self.policy = policy
        self.track = track
        self.rounds: list[tuple[float, float, float]] = []  # (negative, tiny, train loss)

    def _grad_hess(self, y, z, w, class_weights):  # type: ignore[no-untyped-def]
        grad, hess = super()._grad_hess(y, z, w, class_weights)
        if self.policy not in self.EXTRA:
            return grad, hess
        w_pos, w_neg = class_weights
        if self.policy == "expected":
            ones = np.ones_like(z)
            _, h1 = super()._grad_hess(ones, z, None, class_weights)
            _, h0 = super()._grad_hess(np.zeros_like(z), z, None, class_weights)
            alpha = None if (w_pos == 1.0 and w_neg == 1.0) else float(w_pos)
            qhat = FocalLoss(alpha, self.gamma).probability(z)
            hess = qhat * h1 + (1.0 - qhat) * h0
        else:
            from scipy.special import expit

            p = expit(z)
            hess = np.where(y == 1, w_pos, w_neg) * p * (1.0 - p)
        hess = np.maximum(hess, 1e-16).astype(z.dtype)
        return grad, hess if w is None else hess * w

    def _engine_grad_hess(self, y, predt, weight):  # type: ignore[no-untyped-def]
        grad, hess = super()._engine_grad_hess(y, predt, weight)
        if not self.track:
            return grad, hess
        z = np.asarray(predt, dtype=np.float64).reshape(-1)
        yy = np.asarray(y, dtype=np.float64).reshape(-1)
        cw = np.where(yy == 1, *(np.float64(v) for v in self._weights()))
        tiny = float(np.mean(np.asarray(hess).reshape(-1) < 1e-6 * cw))
        train_loss = float(np.mean(self.loss(yy, z)))
        self.rounds.append((self.negative_hessian_fraction_, tiny, train_loss))
        return grad, hess

    def _weights(self) -> tuple[float, float]:
        a = self.alpha_ if hasattr(self, "alpha_") else self.alpha
        return (1.0, 1.0) if a is None else (float(a), 1.0 - float(a))


# ====================================================================== data
@dataclass
class Data:
    name: str
    X: np.ndarray
    y: np.ndarray
    cat: list[int]
    n_full: int


def load(name: str, data_dir: Path, max_rows: int | None, seed: int = 0) -> Data:
    import pandas as pd

    frame = pd.read_csv(data_dir / f"{name}.csv")
    codebook = json.loads((data_dir / "codebook.json").read_text())
    y = frame.pop("target").to_numpy(np.float64)
    cat_names = list(codebook.get(f"{name}.csv", {}))
    cat = [frame.columns.get_loc(c) for c in cat_names]
    X = frame.to_numpy(np.float64)
    n_full = len(y)
    if max_rows is not None and n_full > max_rows:
        idx = stratified_subsample(y, max_rows, seed)
        X, y = X[idx], y[idx]
    return Data(name, X, y, cat, n_full)


def stratified_subsample(y: np.ndarray, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    keep = []
    for cls in (0.0, 1.0):
        idx = np.flatnonzero(y == cls)
        k = round(n * idx.size / y.size)
        keep.append(rng.choice(idx, k, replace=False))
    return np.sort(np.concatenate(keep))


def stratified_folds(y: np.ndarray, k: int, seed: int) -> list[np.ndarray]:
    from sklearn.model_selection import StratifiedKFold

    skf = StratifiedKFold(k, shuffle=True, random_state=seed)
    return [test for _, test in skf.split(np.zeros_like(y), y)]


def split_validation(y: np.ndarray, frac: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.model_selection import train_test_split

    idx = np.arange(y.size)
    tr, va = train_test_split(idx, test_size=frac, stratify=y, random_state=seed)
    return np.sort(tr), np.sort(va)


# ====================================================================== fitting
@dataclass
class Spec:
    """One model: ``kind`` in {"logistic", "weighted", "focal"}; ``loss`` for focal."""

    label: str
    kind: str
    gamma: float = 0.0
    alpha: Any = None
    policy: str = "upper"
    track: bool = False

    def make_loss(self) -> StudyLoss:
        return StudyLoss(self.alpha, self.gamma, self.policy, self.track)


@dataclass
class Fit:
    spec: Spec
    margin: Callable[[np.ndarray], np.ndarray]
    spw: float
    best_round: int
    val_curve: list[float] = field(default_factory=list)
    loss: StudyLoss | None = None

    def proba(self, X: np.ndarray) -> np.ndarray:
        return to_probability(self.spec, self.loss, self.margin(X), self.spw)


def xgb_params(lr: float) -> dict[str, Any]:
    # Hessian-scale regularisation near zero: focal curvatures are 10-100x smaller than logistic
    # ones, so reg_lambda=1 / min_child_weight=1 would regularise the two losses differently.
    return {
        "tree_method": "hist",
        "max_depth": 4,
        "eta": lr,
        "min_child_weight": 1e-3,
        "reg_lambda": 1e-3,
        "nthread": THREADS,
        "seed": 0,
    }


def lgb_params(lr: float) -> dict[str, Any]:
    return {
        "learning_rate": lr,
        "num_leaves": 15,
        "min_data_in_leaf": 20,
        "min_sum_hessian_in_leaf": 1e-6,
        "lambda_l2": 0.0,
        "num_threads": THREADS,
        "verbose": -1,
        "seed": 0,
        "deterministic": True,
        "force_row_wise": True,
    }


def fit(
    engine: str,
    spec: Spec,
    Xtr: np.ndarray,
    ytr: np.ndarray,
    Xva: np.ndarray,
    yva: np.ndarray,
    cat: list[int],
    lr: float,
    rounds: int,
    patience: int | None,
) -> Fit:
    """Train on (Xtr, ytr), early-stop on (Xva, yva) with the model's own loss."""
    pos = max(float(ytr.sum()), 1.0)
    spw = (ytr.size - pos) / pos
    # The weighted model early-stops on the weighted log-loss it optimises.
    wva = np.where(yva == 1, spw, 1.0) if spec.kind == "weighted" else None
    if engine == "xgboost":
        import xgboost as xgb

        from focalboost import xgb as fxgb

        dtr, dva = xgb.DMatrix(Xtr, ytr), xgb.DMatrix(Xva, yva, weight=wva)
        params = xgb_params(lr)
        curve: dict[str, Any] = {}
        es = {} if patience is None else {"early_stopping_rounds": patience}
        if spec.kind == "focal":
            loss = spec.make_loss()
            booster = fxgb.train(
                params,
                dtr,
                rounds,
                loss=loss,
                evals=[(dva, "val")],
                evals_result=curve,
                verbose_eval=False,
                **es,
            )
            values = curve["val"]["focal"]
        else:
            loss = None
            params = {**params, "objective": "binary:logistic", "eval_metric": "logloss"}
            if spec.kind == "weighted":
                params["scale_pos_weight"] = spw
            booster = xgb.train(
                params,
                dtr,
                rounds,
                evals=[(dva, "val")],
                evals_result=curve,
                verbose_eval=False,
                **es,
            )
            values = curve["val"]["logloss"]
        best = int(np.argmin(values)) + 1 if patience is None else booster.best_iteration + 1

        def margin(X: np.ndarray) -> np.ndarray:
            out = booster.predict(xgb.DMatrix(X), output_margin=True, iteration_range=(0, best))
            return np.asarray(out, dtype=np.float64)

        return Fit(spec, margin, spw, best, list(values), loss)

    import lightgbm as lgb

    from focalboost import lgb as flgb

    params = lgb_params(lr)
    record: dict[str, Any] = {}
    callbacks = [lgb.record_evaluation(record)]
    if patience is not None:
        callbacks.append(lgb.early_stopping(patience, verbose=False))
    dtr = lgb.Dataset(Xtr, ytr, categorical_feature=cat or "auto", free_raw_data=False)
    dva = lgb.Dataset(Xva, yva, weight=wva, reference=dtr, categorical_feature=cat or "auto")
    if spec.kind == "focal":
        loss = spec.make_loss()
        booster = flgb.train(
            params,
            dtr,
            rounds,
            loss=loss,
            valid_sets=[dva],
            valid_names=["val"],
            callbacks=callbacks,
        )
        values = record["val"]["focal"]
    else:
        loss = None
        params = {**params, "objective": "binary", "metric": "binary_logloss"}
        if spec.kind == "weighted":
            params["is_unbalance"] = True
        booster = lgb.train(
            params, dtr, rounds, valid_sets=[dva], valid_names=["val"], callbacks=callbacks
        )
        values = record["val"]["binary_logloss"]
    best = int(np.argmin(values)) + 1 if patience is None else max(booster.best_iteration, 1)

    def margin_lgb(X: np.ndarray) -> np.ndarray:
        return np.asarray(booster.predict(X, raw_score=True, num_iteration=best), dtype=np.float64)

    return Fit(spec, margin_lgb, spw, best, list(values), loss)


def to_probability(
    spec: Spec, loss: FocalLoss | None, margin: np.ndarray, spw: float
) -> np.ndarray:
    """Calibrated class-1 probability: the inverse of each loss's optimal margin.

    Focal: :meth:`FocalLoss.probability`.  Weighted logistic (positives weighted ``spw``) is
    optimal at odds ``spw * p / (1 - p)``, so its odds are divided by ``spw``.
    """
    margin = np.asarray(margin, dtype=np.float64)
    if loss is not None:
        return np.asarray(loss.probability(margin), dtype=np.float64)
    if spec.kind == "weighted":
        margin = margin - np.log(spw)
    return 1.0 / (1.0 + np.exp(-margin))


# ====================================================================== part 1: Hessian policies
POLICIES = ("exact", "clip", "abs", "upper", "expected", "logistic")


def part1(cfg: Config, log: Callable[[str], None]) -> dict[str, Any]:
    rows = []
    curves: dict[str, Any] = {}
    for name in cfg.policy_datasets:
        data = load(name, cfg.data, cfg.max_rows)
        for rep in range(cfg.policy_repeats):
            tr_all, te = split_validation(data.y, 0.25, 100 + rep)
            tr_idx, va_idx = split_validation(data.y[tr_all], 0.2, 200 + rep)
            tr, va = tr_all[tr_idx], tr_all[va_idx]
            settings = [
                (g, lr, noise)
                for noise in cfg.policy_noise
                for g in cfg.policy_gammas
                for lr in cfg.policy_lrs
            ]
            for engine, (gamma, lr, noise) in [(e, s) for e in cfg.engines for s in settings]:
                # Label noise: flip a share of the training labels (validation and test stay
                # clean), which puts rows deep in the region where the exact Hessian is negative.
                rng = np.random.default_rng(300 + rep)
                ytr = data.y[tr].copy()
                flip = rng.random(ytr.size) < noise
                ytr[flip] = 1.0 - ytr[flip]
                for policy in POLICIES:
                    t0 = time.perf_counter()
                    spec = Spec(policy, "focal", gamma, 0.25, policy, track=True)
                    try:
                        f = fit(
                            engine,
                            spec,
                            data.X[tr],
                            ytr,
                            data.X[va],
                            data.y[va],
                            data.cat,
                            lr,
                            cfg.policy_rounds,
                            None,
                        )
                    except ValueError as exc:  # non-finite margins: the run diverged
                        rows.append(
                            {
                                "dataset": name,
                                "engine": engine,
                                "gamma": gamma,
                                "lr": lr,
                                "noise": noise,
                                "policy": policy,
                                "rep": rep,
                                "failed": str(exc),
                            }
                        )
                        log(f"part1 {name} {engine} {policy} rep{rep} FAILED: {exc}")
                        continue
                    assert f.loss is not None
                    stats = np.array(f.loss.rounds)
                    p = f.proba(data.X[te])
                    pr = fm.average_precision(data.y[te], p) if np.isfinite(p).all() else np.nan
                    loss0 = stats[0, 2]
                    rows.append(
                        {
                            "dataset": name,
                            "engine": engine,
                            "gamma": gamma,
                            "lr": lr,
                            "noise": noise,
                            "policy": policy,
                            "rep": rep,
                            "neg_mean": float(stats[:, 0].mean()),
                            "neg_max": float(stats[:, 0].max()),
                            "tiny_mean": float(stats[:, 1].mean()),
                            "train_drop_10": float(1 - stats[min(10, len(stats) - 1), 2] / loss0),
                            "train_drop_end": float(1 - stats[-1, 2] / loss0),
                            "best_round": f.best_round,
                            "best_val": float(np.min(f.val_curve)),
                            "pr_auc": pr,
                        }
                    )
                    if rep == 0:
                        curves[f"{name}|{engine}|{gamma}|{lr}|{noise}|{policy}"] = {
                            "train": (stats[:, 2] / loss0).tolist(),
                            "neg": stats[:, 0].tolist(),
                        }
                    log(
                        f"part1 {name} {engine} g={gamma} lr={lr} noise={noise} {policy} rep{rep} "
                        f"best={f.best_round} pr={pr:.4f} ({time.perf_counter() - t0:.1f}s)"
                    )
    return {"rows": rows, "curves": curves}


# ====================================================================== part 2: CV comparison
def specs() -> list[Spec]:
    out = [Spec("logistic", "logistic"), Spec("weighted logistic", "weighted")]
    for gamma in (0.5, 1.0, 2.0, 3.0):
        for alpha in (None, 0.25, "balanced"):
            out.append(Spec(f"focal g={gamma:g} a={alpha}", "focal", gamma, alpha))
    return out


METRICS = ("pr_auc", "roc_auc", "f1", "recall", "log_loss", "brier")


def evaluate(y: np.ndarray, p: np.ndarray, threshold: float) -> dict[str, float]:
    pred = p >= threshold
    tp = float(np.sum(pred & (y == 1)))
    recall = tp / max(float(np.sum(y == 1)), 1.0)
    precision = tp / max(float(np.sum(pred)), 1.0)
    f1 = 0.0 if tp == 0 else 2 * precision * recall / (precision + recall)
    return {
        "pr_auc": fm.average_precision(y, p),
        "roc_auc": fm.roc_auc(y, p),
        "f1": f1,
        "recall": recall,
        "log_loss": fm.log_loss(y, p),
        "brier": fm.brier(y, p),
    }


def part2(cfg: Config, log: Callable[[str], None]) -> dict[str, Any]:
    rows = []
    info = {}
    for name in cfg.datasets:
        data = load(name, cfg.data, cfg.max_rows if name in cfg.large else cfg.small_rows)
        info[name] = {
            "rows": int(data.y.size),
            "n_full": data.n_full,
            "pos_rate": float(data.y.mean()),
            "features": int(data.X.shape[1]),
            "categorical": len(data.cat),
        }
        folds = stratified_folds(data.y, cfg.folds, 0)
        t_data = time.perf_counter()
        for k, te in enumerate(folds):
            tr_all = np.setdiff1d(np.arange(data.y.size), te)
            tr_idx, va_idx = split_validation(data.y[tr_all], 0.2, k)
            tr, va = tr_all[tr_idx], tr_all[va_idx]
            for engine in cfg.engines:
                for spec in specs():
                    best: tuple[float, Fit, float] | None = None
                    for lr in cfg.lrs:
                        f = fit(
                            engine,
                            spec,
                            data.X[tr],
                            data.y[tr],
                            data.X[va],
                            data.y[va],
                            data.cat,
                            lr,
                            cfg.rounds,
                            cfg.patience,
                        )
                        pva = f.proba(data.X[va])
                        score = fm.average_precision(data.y[va], pva)
                        if best is None or score > best[0]:
                            best = (score, f, lr)
                    assert best is not None
                    score, f, lr = best
                    pva = f.proba(data.X[va])
                    threshold = fm.best_f1_threshold(data.y[va], pva).threshold
                    m = evaluate(data.y[te], f.proba(data.X[te]), threshold)
                    rows.append(
                        {
                            "dataset": name,
                            "engine": engine,
                            "fold": k,
                            "model": spec.label,
                            "kind": spec.kind,
                            "gamma": spec.gamma,
                            "alpha": str(spec.alpha),
                            "lr": lr,
                            "rounds": f.best_round,
                            "val_pr_auc": score,
                            **m,
                        }
                    )
        log(f"part2 {name}: {data.y.size} rows, {time.perf_counter() - t_data:.0f}s")
    return {"rows": rows, "info": info}


# ====================================================================== part 3: toy problem
def toy_data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """90:10 classes; the minority sits inside the majority's spread, so P(y=1|x) < 1/2 almost
    everywhere: a calibrated model predicts the majority class at the 0.5 threshold."""
    rng = np.random.default_rng(seed)
    n_pos = n // 10
    neg = rng.normal(0.0, 1.0, (n - n_pos, 2)) * [1.6, 1.6]
    pos = rng.normal([1.2, 1.2], 0.7, (n_pos, 2))
    X = np.vstack([neg, pos])
    y = np.r_[np.zeros(n - n_pos), np.ones(n_pos)]
    return X, y


def part3(cfg: Config, log: Callable[[str], None]) -> dict[str, Any]:
    X, y = toy_data(cfg.toy_rows, 0)
    Xte, yte = toy_data(cfg.toy_rows, 1)
    tr, va = split_validation(y, 0.25, 0)
    models = [
        Spec("logistic", "logistic"),
        Spec("focal g=2 a=0.25", "focal", 2.0, 0.25),
        Spec("focal g=2 a=balanced", "focal", 2.0, "balanced"),
    ]
    show = np.sort(np.random.default_rng(2).choice(yte.size, min(yte.size, 1500), replace=False))
    grid = np.linspace(-5, 5, 81)
    gx, gy = np.meshgrid(grid, grid)
    G = np.c_[gx.ravel(), gy.ravel()]
    out: dict[str, Any] = {
        "grid": grid.tolist(),
        "models": {},
        "X": Xte[show].tolist(),
        "y": yte[show].tolist(),
    }
    for spec in models:
        f = fit("xgboost", spec, X[tr], y[tr], X[va], y[va], [], 0.1, cfg.toy_rounds, 30)
        p_cal = f.proba(G)
        p_raw = _sigmoid(f.margin(G))  # what a focal snippet without calibration would report
        thr = fm.best_f1_threshold(y[va], f.proba(X[va])).threshold
        pte = f.proba(Xte)
        raw_te = _sigmoid(f.margin(Xte))
        res = {
            "p_cal": np.round(p_cal, 3).tolist(),  # grid values only feed the figure
            "p_raw": np.round(p_raw, 3).tolist(),
            "best_f1_threshold": thr,
            "pred_pos_raw05": float(np.mean(raw_te >= 0.5)),
            "pred_pos_cal05": float(np.mean(pte >= 0.5)),
            "pred_pos_bestf1": float(np.mean(pte >= thr)),
            "recall_raw05": float(np.mean(raw_te[yte == 1] >= 0.5)),
            "recall_cal05": float(np.mean(pte[yte == 1] >= 0.5)),
            "recall_bestf1": float(np.mean(pte[yte == 1] >= thr)),
            "f1_raw05": evaluate(yte, raw_te, 0.5)["f1"],
            "f1_cal05": evaluate(yte, pte, 0.5)["f1"],
            "f1_bestf1": evaluate(yte, pte, thr)["f1"],
            "pr_auc": fm.average_precision(yte, pte),
            "rounds": f.best_round,
        }
        out["models"][spec.label] = res
        log(f"part3 {spec.label}: {json.dumps({k: v for k, v in res.items() if 'p_' not in k})}")
    return out


def _sigmoid(z: np.ndarray) -> np.ndarray:
    from scipy.special import expit

    return np.asarray(expit(z), dtype=np.float64)


def _compact(obj: Any) -> Any:
    """Floats rounded to 5 significant digits, so the committed JSON stays small."""
    if isinstance(obj, float):
        return float(f"{obj:.5g}")
    if isinstance(obj, dict):
        return {k: _compact(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_compact(v) for v in obj]
    return obj


# ====================================================================== configuration
@dataclass
class Config:
    out: Path
    data: Path
    quick: bool
    datasets: Sequence[str] = DATASETS
    engines: Sequence[str] = ("xgboost", "lightgbm")
    large: Sequence[str] = ("nass_cds_dead", "fars_incapacitating", "nycflights13_late60")
    max_rows: int | None = 12000
    small_rows: int | None = None
    folds: int = 5
    lrs: Sequence[float] = (0.1, 0.3)
    rounds: int = 400
    patience: int = 20
    policy_datasets: Sequence[str] = ("nass_cds_dead", "nycflights13_late60")
    policy_gammas: Sequence[float] = (0.5, 2.0)
    policy_repeats: int = 2
    policy_lrs: Sequence[float] = (0.1, 0.5)
    policy_noise: Sequence[float] = (0.0,)
    policy_rounds: int = 100
    toy_rows: int = 4000
    toy_rounds: int = 300


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small settings (pipeline check)")
    ap.add_argument("--out", type=Path, default=ROOT / "docs", help="folder for results.md, img/")
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--datasets", nargs="+", default=None)
    ap.add_argument("--max-rows", type=int, default=None, help="cap on rows of every dataset")
    ap.add_argument("--folds", type=int, default=None)
    ap.add_argument("--parts", default="123")
    ap.add_argument(
        "--report-only",
        action="store_true",
        help="rewrite results.md and figures from OUT/study_results.json without training",
    )
    args = ap.parse_args(argv)
    cfg = Config(out=args.out, data=args.data, quick=args.quick)
    if args.quick:
        cfg.max_rows = cfg.small_rows = 1500
        cfg.folds, cfg.lrs, cfg.rounds, cfg.patience = 2, (0.3,), 40, 10
        cfg.policy_datasets, cfg.policy_gammas, cfg.policy_repeats = ("hmda_deny",), (0.5, 2.0), 1
        cfg.policy_lrs = (0.5,)
        cfg.policy_rounds, cfg.toy_rows, cfg.toy_rounds = 30, 1000, 40
    if args.datasets:
        cfg.datasets = args.datasets
        cfg.policy_datasets = args.datasets[:1]
    if args.max_rows:
        cfg.max_rows = cfg.small_rows = args.max_rows
    if args.folds:
        cfg.folds = args.folds
    if not cfg.data.is_dir():
        print(f"data folder {cfg.data} not found", file=sys.stderr)
        return 2
    cfg.out.mkdir(parents=True, exist_ok=True)
    (cfg.out / "img").mkdir(exist_ok=True)
    start = time.perf_counter()

    def log(msg: str) -> None:
        print(f"[{time.perf_counter() - start:7.1f}s] {msg}", flush=True)

    results: dict[str, Any] = {"config": {k: str(v) for k, v in vars(cfg).items()}}
    raw_path = cfg.out / "study_results.json"
    if args.parts != "123" and raw_path.is_file():  # rerun some parts, keep the others
        kept = json.loads(raw_path.read_text())
        results.update({k: v for k, v in kept.items() if k.startswith("part") or k == "timing"})
    if args.report_only:
        from report import write_report

        write_report(json.loads(raw_path.read_text()), cfg)
        log(f"wrote {cfg.out / 'results.md'} from {raw_path}")
        return 0
    timing = dict(results.get("timing", {}))
    for part, run in (("1", part1), ("2", part2), ("3", part3)):
        if part in args.parts:
            t0 = time.perf_counter()
            results[f"part{part}"] = run(cfg, log)
            timing[f"part{part}"] = time.perf_counter() - t0
    results["timing"] = timing
    results["seconds"] = sum(timing.values())
    raw_path.write_text(json.dumps(_compact(results), separators=(",", ":")))
    from report import write_report  # benchmarks/report.py

    write_report(results, cfg)
    log(f"wrote {cfg.out / 'results.md'}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    raise SystemExit(main())
