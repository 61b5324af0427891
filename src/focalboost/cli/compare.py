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
from focalboost.cli.engines import FocalSpec, Settings, fit
from focalboost.cli.errors import DataError
from focalboost.cli.progress import Progress

#: Metrics reported and compared; the sign says which direction is better.
COMPARED = {"roc_auc": 1, "pr_auc": 1, "precision": 1, "recall": 1, "f1": 1, "log_loss": -1}
#: Metrics whose win or loss is judged (precision and recall trade off at the best-F1 threshold).
JUDGED = ("roc_auc", "pr_auc", "f1", "log_loss")
INNER_VALIDATION = 0.2


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


def select_spec(
    engine: str,
    specs: list[FocalSpec],
    X: NDArray[np.float64],
    y: NDArray[np.float64],
    table: Table,
    plan: Plan,
    progress: Progress,
) -> tuple[FocalSpec, list[dict[str, Any]]]:
    """The grid point with the best ``plan.select`` score on an inner validation split."""
    if len(specs) == 1:
        return specs[0], []
    rng = np.random.default_rng(plan.settings.seed + 1)
    inner_train, inner_valid = stratified_split(y, INNER_VALIDATION, rng)
    yv = y[inner_valid]
    if y[inner_train].min() == y[inner_train].max() or yv.min() == yv.max():
        raise DataError(
            "too few positive rows to search a grid on an inner validation split; "
            "give a single --gamma and --alpha"
        )
    scores = []
    sign = 1 if COMPARED.get(plan.select, 1) > 0 else -1
    best: tuple[float, int] | None = None
    for i, spec in enumerate(specs):
        progress.show(f"{engine} search {spec.describe()}")
        model = fit(
            engine,
            spec,
            X[inner_train],
            y[inner_train],
            table.feature_names,
            table.schema.categorical_indices,
            plan.settings,
        )
        value = metrics.summary(yv, model.probability(X[inner_valid]))[plan.select]
        scores.append({"gamma": spec.gamma, "alpha": spec.alpha, plan.select: value})
        if best is None or sign * value > best[0]:
            best = (sign * value, i)
        progress.advance()
    assert best is not None
    return specs[best[1]], scores


def steps(table: Table, plan: Plan) -> int:
    """How many boosters :func:`run` fits (for the progress bar)."""
    per = 2 + (len(plan.specs) if len(plan.specs) > 1 else 0)
    return (plan.cv or 1) * len(table.target_names) * len(plan.engines) * per


def run(table: Table, plan: Plan, progress: Progress) -> tuple[dict[str, Any], Curves]:
    """Fit and score everything; return the JSON-ready results and the pooled curves."""
    pairs = splits(table, plan)
    curves = Curves()
    # records[(engine, target, model)] -> list of per-split metric dicts
    records: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for train_idx, test_idx in pairs:
        X_train, X_test = table.X[train_idx], table.X[test_idx]
        for j, target in enumerate(table.target_names):
            y_train, y_test = table.Y[train_idx, j], table.Y[test_idx, j]
            for engine in plan.engines:
                progress.show(f"{engine} logistic {target}")
                base = fit(
                    engine,
                    None,
                    X_train,
                    y_train,
                    table.feature_names,
                    table.schema.categorical_indices,
                    plan.settings,
                )
                p_base = base.probability(X_test)
                progress.advance()
                spec, grid = select_spec(
                    engine, plan.specs, X_train, y_train, table, plan, progress
                )
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
                p_focal = focal.probability(X_test)
                p_sigmoid = focal.probability(X_test, calibrated=False)
                progress.advance()
                assert focal.loss is not None
                records.setdefault((engine, target, "logistic"), []).append(_score(y_test, p_base))
                records.setdefault((engine, target, "focal"), []).append(
                    {
                        **_score(y_test, p_focal),
                        "gamma": spec.gamma,
                        "alpha": spec.alpha,
                        "alpha_resolved": _json_alpha(focal.loss.alpha),
                        "log_loss_uncalibrated": metrics.log_loss(y_test, p_sigmoid),
                        "grid": grid,
                    }
                )
                curves.add((engine, "logistic"), y_test, p_base)
                curves.add((engine, "focal"), y_test, p_focal)
                curves.add((engine, "focal, sigmoid"), y_test, p_sigmoid)
    progress.close()
    return _results(table, plan, pairs, records), curves


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
    engine: str, target: str, logistic: dict[str, float], focal: dict[str, float]
) -> list[dict[str, Any]]:
    out = []
    for metric in JUDGED:
        diff = focal[metric] - logistic[metric]
        signed = COMPARED[metric] * diff
        better = "focal" if signed > 0 else "logistic" if signed < 0 else "tie"
        out.append(
            {
                "engine": engine,
                "target": target,
                "metric": metric,
                "logistic": logistic[metric],
                "focal": focal[metric],
                "difference": diff,
                "better": better,
            }
        )
    return out


def _results(
    table: Table,
    plan: Plan,
    pairs: list[tuple[NDArray[np.intp], NDArray[np.intp]]],
    records: dict[tuple[str, str, str], list[dict[str, Any]]],
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
            logistic = records[(engine, target, "logistic")]
            focal = records[(engine, target, "focal")]
            rows = _verdict(engine, target, _mean(logistic)[0], _mean(focal)[0])
            for row in rows:
                sign = COMPARED[row["metric"]]
                won = sum(
                    sign * (f[row["metric"]] - lg[row["metric"]]) > 0
                    for f, lg in zip(focal, logistic, strict=True)
                )
                row["splits_won"] = int(won)
                row["splits"] = len(focal)
            comparison.extend(rows)
    macro = []
    if len(table.target_names) > 1:
        for engine in plan.engines:
            per_model: dict[str, dict[str, float]] = {}
            for model in ("logistic", "focal"):
                means = [
                    e["metrics"] for e in models if e["engine"] == engine and e["model"] == model
                ]
                per_model[model] = {k: float(np.mean([m[k] for m in means])) for k in COMPARED}
                macro.append({"engine": engine, "model": model, "metrics": per_model[model]})
            comparison.extend(_verdict(engine, "macro", per_model["logistic"], per_model["focal"]))
    test_rows = [int(t.size) for _, t in pairs]
    return {
        "data": {
            "source": table.source,
            "rows": int(table.X.shape[0]),
            "features": len(table.feature_names),
            "categorical": [f.name for f in table.schema.features if f.categorical],
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
            "learning_rate": plan.settings.learning_rate,
            "seed": plan.settings.seed,
            "hessian": plan.settings.hessian,
            "grid": [{"gamma": s.gamma, "alpha": s.alpha} for s in plan.specs],
            "select": plan.select,
            "inner_validation": INNER_VALIDATION if len(plan.specs) > 1 else None,
        },
        "models": models,
        "macro": macro,
        "comparison": comparison,
    }
