"""Logistic versus focal: splits, the grid search on an inner validation split, and metrics.

For every evaluation split (one hold-out, or K stratified folds), every target column and every
engine, :func:`run` fits the engine's logistic objective and the focal loss (the best grid point,
chosen on an inner validation split of the training rows, refit on all training rows), scores both
on the held-out rows with :func:`focalboost.metrics.summary`, and returns a JSON-ready result.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from focalboost import metrics
from focalboost.cli.data import Table
from focalboost.cli.engines import Fitted, FocalSpec, Settings, fit
from focalboost.cli.errors import DataError
from focalboost.cli.progress import Progress

#: Metrics reported and compared; the sign says which direction is better.
COMPARED = {"roc_auc": 1, "pr_auc": 1, "precision": 1, "recall": 1, "f1": 1, "log_loss": -1}
#: Metrics whose win or loss is judged (precision and recall trade off at the best-F1 threshold).
JUDGED = ("roc_auc", "pr_auc", "f1", "log_loss")
INNER_VALIDATION = 0.2
#: A difference counts as a win or a loss only beyond this many standard errors.
T_THRESHOLD = 2.0
#: Paired bootstrap resamples of the test rows behind the standard error of one hold-out split.
BOOTSTRAP_RESAMPLES = 200


@dataclass
class Plan:
    """What to compare and how."""

    engines: list[str]
    specs: list[FocalSpec]
    settings: Settings
    select: str = "pr_auc"
    cv: int | None = None
    test_size: float = 0.25


@dataclass
class Curves:
    """Pooled held-out labels and probabilities per (engine, model), for the plots."""

    y: dict[tuple[str, str], list[NDArray[np.float64]]] = field(default_factory=dict)
    p: dict[tuple[str, str], list[NDArray[np.float64]]] = field(default_factory=dict)

    def add(self, key: tuple[str, str], y: NDArray[np.float64], p: NDArray[np.float64]) -> None:
        self.y.setdefault(key, []).append(y)
        self.p.setdefault(key, []).append(p)

    def get(self, key: tuple[str, str]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        return np.concatenate(self.y[key]), np.concatenate(self.p[key])

    def keys(self) -> list[tuple[str, str]]:
        return list(self.y)


def stratified_split(
    y: NDArray[np.float64], test_size: float, rng: np.random.Generator
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Training and test row indices with the class ratio of ``y`` kept in both."""
    test: list[NDArray[np.intp]] = []
    for cls in (0.0, 1.0):
        rows = rng.permutation(np.flatnonzero(y == cls))
        take = round(test_size * rows.size)
        test.append(rows[:take])
    test_idx = np.sort(np.concatenate(test))
    train_idx = np.setdiff1d(np.arange(y.size), test_idx)
    return train_idx, test_idx


def stratified_folds(
    y: NDArray[np.float64], k: int, rng: np.random.Generator
) -> list[NDArray[np.intp]]:
    """Test indices of ``k`` folds, each class dealt round-robin after shuffling."""
    fold_of = np.empty(y.size, dtype=np.intp)
    for cls in (0.0, 1.0):
        rows = rng.permutation(np.flatnonzero(y == cls))
        fold_of[rows] = np.arange(rows.size) % k
    return [np.flatnonzero(fold_of == f) for f in range(k)]


def splits(table: Table, plan: Plan) -> list[tuple[NDArray[np.intp], NDArray[np.intp]]]:
    """(train, test) index pairs; stratified on the target (on the rarest label if several)."""
    rng = np.random.default_rng(plan.settings.seed)
    Y = table.Y
    strat = Y[:, int(np.argmin(np.minimum(Y.mean(axis=0), 1 - Y.mean(axis=0))))]
    if plan.cv is None:
        pairs = [stratified_split(strat, plan.test_size, rng)]
        where = f"the {plan.test_size:g} hold-out"
    else:
        if plan.cv > Y.shape[0]:
            raise DataError(f"--cv {plan.cv} asks for more folds than the {Y.shape[0]} rows")
        folds = stratified_folds(strat, plan.cv, rng)
        all_rows = np.arange(Y.shape[0])
        pairs = [(np.setdiff1d(all_rows, test), test) for test in folds]
        where = f"a fold of --cv {plan.cv}"
    for train_idx, test_idx in pairs:
        for j, name in enumerate(table.target_names):
            for part, idx in (("training", train_idx), ("test", test_idx)):
                labels = Y[idx, j]
                if labels.size == 0 or labels.min() == labels.max():
                    raise DataError(
                        f"the {part} rows of {where} have only one class of target {name!r} "
                        f"({int(Y[:, j].sum())} positives in {Y.shape[0]} rows); use more data, "
                        "a larger --test-size or fewer --cv folds"
                    )
    return pairs


def inner_split(y: NDArray[np.float64], seed: int) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """The stratified inner (fit, validation) split of training rows, checked to hold both classes."""
    inner_train, inner_valid = stratified_split(
        y, INNER_VALIDATION, np.random.default_rng(seed + 1)
    )
    for idx in (inner_train, inner_valid):
        if idx.size == 0 or y[idx].min() == y[idx].max():
            raise DataError(
                "too few positive rows for an inner validation split (early stopping and the "
                "grid search use one); give more data, --early-stopping 0 and a single --gamma "
                "and --alpha"
            )
    return inner_train, inner_valid


def select_spec(
    engine: str,
    specs: list[FocalSpec],
    X: NDArray[np.float64],
    y: NDArray[np.float64],
    table: Table,
    plan: Plan,
    progress: Progress,
) -> tuple[FocalSpec, list[dict[str, Any]], Fitted | None]:
    """The grid point with the best ``plan.select`` score on the inner validation split.

    With early stopping, every grid point is fitted on the inner fit rows and stopped on the
    validation rows, and the winner's booster is returned to be used as is; without it, the
    winner is refitted on all training rows by the caller (the returned booster is None).
    """
    stopping = plan.settings.early_stopping > 0
    if len(specs) == 1 and not stopping:
        return specs[0], [], None
    inner_train, inner_valid = inner_split(y, plan.settings.seed)
    yv = y[inner_valid]
    valid = (X[inner_valid], yv)
    scores = []
    sign = 1 if COMPARED.get(plan.select, 1) > 0 else -1
    best: tuple[float, int, Fitted] | None = None
    for i, spec in enumerate(specs):
        progress.show(f"{engine} focal {spec.describe()}")
        model = fit(
            engine,
            spec,
            X[inner_train],
            y[inner_train],
            table.feature_names,
            table.schema.categorical_indices,
            plan.settings,
            valid=valid,
        )
        value = metrics.summary(yv, model.probability(X[inner_valid]))[plan.select]
        scores.append(
            {"gamma": spec.gamma, "alpha": spec.alpha, plan.select: value, "trees": model.trees}
        )
        if best is None or sign * value > best[0]:
            best = (sign * value, i, model)
        progress.advance()
    assert best is not None
    return specs[best[1]], scores if len(specs) > 1 else [], best[2] if stopping else None


def steps(table: Table, plan: Plan) -> int:
    """How many boosters :func:`run` fits (for the progress bar)."""
    stopping = plan.settings.early_stopping > 0
    grid = len(plan.specs) if len(plan.specs) > 1 else 0
    per = 1 + len(plan.specs) if stopping else 2 + grid
    return (plan.cv or 1) * len(table.target_names) * len(plan.engines) * per


def run(table: Table, plan: Plan, progress: Progress) -> tuple[dict[str, Any], Curves]:
    """Fit and score everything; return the JSON-ready results and the pooled curves."""
    pairs = splits(table, plan)
    curves = Curves()
    stopping = plan.settings.early_stopping > 0
    # records[(engine, target, model)] -> list of per-split metric dicts
    records: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    # boot[(engine, target)] -> (resamples, judged metrics) focal - logistic, hold-out only
    boot: dict[tuple[str, str], NDArray[np.float64]] = {}
    for train_idx, test_idx in pairs:
        X_train, X_test = table.X[train_idx], table.X[test_idx]
        for j, target in enumerate(table.target_names):
            y_train, y_test = table.Y[train_idx, j], table.Y[test_idx, j]
            for engine in plan.engines:
                progress.show(f"{engine} logistic {target}")
                if stopping:
                    fit_rows, valid_rows = inner_split(y_train, plan.settings.seed)
                    base_X, base_y = X_train[fit_rows], y_train[fit_rows]
                    valid = (X_train[valid_rows], y_train[valid_rows])
                else:
                    base_X, base_y, valid = X_train, y_train, None
                base = fit(
                    engine,
                    None,
                    base_X,
                    base_y,
                    table.feature_names,
                    table.schema.categorical_indices,
                    plan.settings,
                    valid=valid,
                )
                p_base = base.probability(X_test)
                progress.advance()
                spec, grid, focal = select_spec(
                    engine, plan.specs, X_train, y_train, table, plan, progress
                )
                if focal is None:
                    progress.show(f"{engine} focal {spec.describe()} {target}")
                    focal = fit(
                        engine,
                        spec,
                        X_train,
                        y_train,
                        table.feature_names,
                        table.schema.categorical_indices,
                        plan.settings,
                    )
                    progress.advance()
                p_focal = focal.probability(X_test)
                p_sigmoid = focal.probability(X_test, calibrated=False)
                assert focal.loss is not None
                records.setdefault((engine, target, "logistic"), []).append(
                    {**_score(y_test, p_base), "trees": base.trees}
                )
                records.setdefault((engine, target, "focal"), []).append(
                    {
                        **_score(y_test, p_focal),
                        "trees": focal.trees,
                        "gamma": spec.gamma,
                        "alpha": spec.alpha,
                        "alpha_resolved": _json_alpha(focal.loss.alpha),
                        "log_loss_uncalibrated": metrics.log_loss(y_test, p_sigmoid),
                        "grid": grid,
                    }
                )
                if plan.cv is None:
                    boot[(engine, target)] = bootstrap_differences(
                        y_test, p_base, p_focal, plan.settings.seed
                    )
                curves.add((engine, "logistic"), y_test, p_base)
                curves.add((engine, "focal"), y_test, p_focal)
                curves.add((engine, "focal, sigmoid"), y_test, p_sigmoid)
    progress.close()
    return _results(table, plan, pairs, records, boot), curves


def judged_metrics(y: NDArray[np.float64], p: NDArray[np.float64]) -> NDArray[np.float64]:
    """The :data:`JUDGED` metrics of one set of rows (NaN where a class is missing)."""
    try:
        return np.array(
            [
                metrics.roc_auc(y, p),
                metrics.average_precision(y, p),
                metrics.best_f1_threshold(y, p).f1,
                metrics.log_loss(y, p),
            ]
        )
    except ValueError:  # a resample with one class only
        return np.full(len(JUDGED), np.nan)


def bootstrap_differences(
    y: NDArray[np.float64],
    p_logistic: NDArray[np.float64],
    p_focal: NDArray[np.float64],
    seed: int,
    resamples: int = BOOTSTRAP_RESAMPLES,
) -> NDArray[np.float64]:
    """Paired bootstrap of the test rows: focal minus logistic per resample and judged metric.

    Both models are scored on the same resampled rows, so the spread of the differences is the
    sampling noise of the difference itself.  Shape ``(resamples, len(JUDGED))``.
    """
    rng = np.random.default_rng(seed + 2)
    out = np.empty((resamples, len(JUDGED)))
    for b in range(resamples):
        idx = rng.integers(0, y.size, y.size)
        out[b] = judged_metrics(y[idx], p_focal[idx]) - judged_metrics(y[idx], p_logistic[idx])
    return out


def judge(
    metric: str, differences: NDArray[np.float64], se_bootstrap: float | None = None
) -> dict[str, Any]:
    """The verdict on one metric from per-split differences (focal - logistic).

    Several splits (``--cv K``): the standard error is ``std(d, ddof=1) / sqrt(K)`` and
    ``t = mean(d) / se``; focal **won** if it was better in every split and ``t`` exceeds
    :data:`T_THRESHOLD` in its favour, **lost** if it was worse in every split and ``t`` exceeds it
    against, and otherwise it is a **tie**.  One split: ``se`` is the paired bootstrap standard error
    ``se_bootstrap``, and the difference must exceed ``T_THRESHOLD * se`` to count.
    """
    d = np.asarray(differences, dtype=np.float64)
    sign = COMPARED[metric]
    n = int(d.size)
    mean = float(d.mean())
    if n > 1:
        se = float(d.std(ddof=1) / np.sqrt(n))
    else:
        se = float("nan") if se_bootstrap is None else float(se_bootstrap)
    better_in = int(np.sum(sign * d > 0))
    if se > 0:
        t = mean / se
    elif se == 0 and mean != 0:
        t = float(np.copysign(np.inf, mean))
    else:
        t = float("nan")
    favour = sign * t
    if favour > T_THRESHOLD and better_in == n:
        verdict = "won"
    elif favour < -T_THRESHOLD and better_in == 0 and np.all(d != 0):
        verdict = "lost"
    else:
        verdict = "tie"
    return {
        "mean_diff": mean,
        "se": se,
        "t": t,
        "focal_better_in": better_in,
        "n_splits": n,
        "verdict": verdict,
    }


def _score(y: NDArray[np.float64], p: NDArray[np.float64]) -> dict[str, Any]:
    s = metrics.summary(y, p)
    return {k: s[k] for k in (*COMPARED, "brier", "threshold")}


def _json_alpha(alpha: Any) -> Any:
    return None if alpha is None else float(alpha)


def _mean(folds: list[dict[str, Any]]) -> tuple[dict[str, float], dict[str, float]]:
    keys = [k for k in (*COMPARED, "brier", "threshold", "log_loss_uncalibrated") if k in folds[0]]
    mean = {k: float(np.mean([f[k] for f in folds])) for k in keys}
    std = {k: float(np.std([f[k] for f in folds])) for k in keys}
    return mean, std


def _verdict(
    engine: str,
    target: str,
    logistic: list[dict[str, float]],
    focal: list[dict[str, float]],
    boot: NDArray[np.float64] | None,
) -> list[dict[str, Any]]:
    """One row per judged metric: the means, the per-split differences and :func:`judge`'s verdict."""
    out = []
    for i, metric in enumerate(JUDGED):
        d = np.array([f[metric] - lg[metric] for f, lg in zip(focal, logistic, strict=True)])
        se_boot = None
        if boot is not None:
            valid = boot[:, i][np.isfinite(boot[:, i])]
            se_boot = float(valid.std(ddof=1)) if valid.size > 1 else float("nan")
        row = {
            "engine": engine,
            "target": target,
            "metric": metric,
            "logistic": float(np.mean([lg[metric] for lg in logistic])),
            "focal": float(np.mean([f[metric] for f in focal])),
            "difference": float(d.mean()),
            **judge(metric, d, se_boot),
        }
        out.append(row)
    return out


def _results(
    table: Table,
    plan: Plan,
    pairs: list[tuple[NDArray[np.intp], NDArray[np.intp]]],
    records: dict[tuple[str, str, str], list[dict[str, Any]]],
    boot: dict[tuple[str, str], NDArray[np.float64]],
) -> dict[str, Any]:
    models = []
    comparison = []
    for (engine, target, model), folds in records.items():
        mean, std = _mean(folds)
        entry: dict[str, Any] = {
            "engine": engine,
            "target": target,
            "model": model,
            "metrics": mean,
            "trees": [int(f["trees"]) for f in folds],
        }
        if plan.cv is not None:
            entry["std"] = std
            entry["folds"] = folds
        if model == "focal":
            chosen = Counter((f["gamma"], f["alpha"]) for f in folds)
            (gamma, alpha), _ = chosen.most_common(1)[0]
            entry["settings"] = {"gamma": gamma, "alpha": alpha}
            entry["selected"] = [{"gamma": f["gamma"], "alpha": f["alpha"]} for f in folds]
            entry["alpha_resolved"] = [f["alpha_resolved"] for f in folds]
            entry["grid"] = [f["grid"] for f in folds]
        models.append(entry)
    for engine in plan.engines:
        for target in table.target_names:
            comparison.extend(
                _verdict(
                    engine,
                    target,
                    records[(engine, target, "logistic")],
                    records[(engine, target, "focal")],
                    boot.get((engine, target)),
                )
            )
    macro = []
    if len(table.target_names) > 1:
        for engine in plan.engines:
            per_split: dict[str, list[dict[str, float]]] = {}
            for model in ("logistic", "focal"):
                per_target = [records[(engine, t, model)] for t in table.target_names]
                per_split[model] = [
                    {k: float(np.mean([f[s][k] for f in per_target])) for k in COMPARED}
                    for s in range(len(pairs))
                ]
                mean = {k: float(np.mean([m[k] for m in per_split[model]])) for k in COMPARED}
                macro.append({"engine": engine, "model": model, "metrics": mean})
            macro_boot = None
            if plan.cv is None:
                # the same resampled rows for every label: average the label differences
                macro_boot = np.mean([boot[(engine, t)] for t in table.target_names], axis=0)
            comparison.extend(
                _verdict(engine, "macro", per_split["logistic"], per_split["focal"], macro_boot)
            )
    test_rows = [int(t.size) for _, t in pairs]
    return {
        "data": {
            "source": table.source,
            "rows": int(table.X.shape[0]),
            "features": len(table.feature_names),
            "categorical": [f.name for f in table.schema.features if f.categorical],
            "categorical_from_codebook": table.codebook,
            "targets": table.target_names,
            "positive_label": table.positive,
            "positive_rate": {
                name: float(table.Y[:, j].mean()) for j, name in enumerate(table.target_names)
            },
        },
        "evaluation": (
            {"kind": "holdout", "test_size": plan.test_size, "test_rows": test_rows[0]}
            if plan.cv is None
            else {"kind": "cv", "folds": plan.cv, "test_rows": test_rows}
        ),
        "settings": {
            "engines": plan.engines,
            "rounds": plan.settings.rounds,
            "early_stopping": plan.settings.early_stopping,
            "learning_rate": plan.settings.learning_rate,
            "seed": plan.settings.seed,
            "hessian": plan.settings.hessian,
            "grid": [{"gamma": s.gamma, "alpha": s.alpha} for s in plan.specs],
            "select": plan.select,
            "inner_validation": INNER_VALIDATION
            if len(plan.specs) > 1 or plan.settings.early_stopping > 0
            else None,
            "won_lost_beyond_se": T_THRESHOLD,
            "bootstrap_resamples": BOOTSTRAP_RESAMPLES if plan.cv is None else None,
        },
        "models": models,
        "macro": macro,
        "comparison": comparison,
    }
