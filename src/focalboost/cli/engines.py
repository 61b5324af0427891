"""Fitting and scoring one booster: the engine's logistic objective or the focal loss.

The logistic baseline is each engine's own objective (XGBoost ``binary:logistic``, LightGBM
``binary``).  Focal boosters are trained with :func:`focalboost.xgb.train` or
:func:`focalboost.lgb.train`, which start from the focal-optimal intercept and keep it in the model,
and their margins become probabilities with the calibrated inverse link
:meth:`focalboost.FocalLoss.probability`.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from focalboost.cli.args import ENGINES, Alpha
from focalboost.cli.errors import EXIT_MISSING_EXTRA, CliError, need
from focalboost.loss import FocalLoss


class _StderrLog:
    """LightGBM logger: native log lines on stderr, Python-side warnings as warnings."""

    def info(self, msg: str) -> None:
        print(msg, file=sys.stderr)

    def warning(self, msg: str) -> None:
        warnings.warn(msg, stacklevel=3)


@dataclass(frozen=True)
class Settings:
    """Engine settings shared by every booster of a run."""

    rounds: int = 1000
    learning_rate: float = 0.1
    early_stopping: int = 50
    seed: int = 0
    threads: int | None = None
    hessian: str = "upper"


@dataclass(frozen=True)
class FocalSpec:
    """One focal-loss setting (alpha as given: a float, None or "balanced")."""

    alpha: Alpha
    gamma: float

    def describe(self) -> str:
        alpha = "none" if self.alpha is None else self.alpha
        alpha = f"{alpha:g}" if isinstance(alpha, float) else alpha
        return f"gamma={self.gamma:g}, alpha={alpha}"

    def loss(self, y: NDArray[np.float64], hessian: str) -> FocalLoss:
        """The loss, with ``alpha="balanced"`` resolved on the labels ``y``."""
        return FocalLoss(alpha=self.alpha, gamma=self.gamma, hessian=hessian).resolved(y)


def installed(engine: str) -> bool:
    """Whether the engine's Python package can be imported."""
    return importlib.util.find_spec(engine) is not None


def engines_for(choice: str | None) -> list[str]:
    """Engines to run for ``--engine`` (``all``: every installed one), checked to be installed."""
    if choice in (None, "all"):
        found = [e for e in ENGINES if installed(e)]
        if not found:
            raise CliError(
                "no boosting engine is installed; install one with: "
                "pip install 'focalboost[xgboost]' (or [lightgbm], or [all])",
                EXIT_MISSING_EXTRA,
            )
        return found if choice == "all" else found[:1]
    assert choice is not None
    need(choice, choice, f"--engine {choice}")
    return [choice]


def engine_names(names: list[str]) -> list[str]:
    """Feature names both engines accept: unsafe characters become ``_``, duplicates get ``_<i>``."""
    out: list[str] = []
    for i, name in enumerate(names):
        safe = re.sub(r"[^0-9A-Za-z_.\-]", "_", name) or f"f{i}"
        if safe in out:
            safe = f"{safe}_{i}"
        out.append(safe)
    return out


@dataclass
class Fitted:
    """A trained booster and how to turn its output into probabilities."""

    engine: str
    booster: Any
    loss: FocalLoss | None  # None: the engine's logistic objective
    names: list[str]
    categorical: list[int]
    trees: int = 0  # boosting rounds kept (after early stopping)
    valid_score: float | None = None  # the stopping loss on the validation rows, if any

    def margin(self, X: NDArray[np.float64]) -> NDArray[np.float64]:
        """Raw margins, intercept included."""
        if self.engine == "xgboost":
            from focalboost import xgb as fxgb

            dmat = _dmatrix(X, None, self.names, self.categorical, None)
            if self.loss is None:
                return np.asarray(self.booster.predict(dmat, output_margin=True), dtype=np.float64)
            return np.asarray(fxgb.predict_margin(self.booster, dmat), dtype=np.float64)
        return np.asarray(self.booster.predict(X, raw_score=True), dtype=np.float64)

    def probability(
        self, X: NDArray[np.float64], *, calibrated: bool = True
    ) -> NDArray[np.float64]:
        """Class-1 probabilities: sigmoid for logistic, the calibrated inverse link for focal."""
        z = self.margin(X)
        if self.loss is None:
            return np.asarray(FocalLoss(alpha=None, gamma=0.0).probability(z, calibrated=False))
        return np.asarray(self.loss.probability(z, calibrated=calibrated), dtype=np.float64)


def fit(
    engine: str,
    spec: FocalSpec | None,
    X: NDArray[np.float64],
    y: NDArray[np.float64],
    feature_names: list[str],
    categorical: list[int],
    settings: Settings,
    valid: tuple[NDArray[np.float64], NDArray[np.float64]] | None = None,
) -> Fitted:
    """Train one booster; ``spec=None`` means the engine's logistic objective.

    With ``valid=(X_valid, y_valid)`` and ``settings.early_stopping > 0``, training stops once the
    model's own loss on the validation rows (logistic: log-loss; focal: the focal loss) has not
    improved for ``early_stopping`` rounds, and the booster keeps the best round's trees
    (at most ``settings.rounds``).
    """
    names = engine_names(feature_names)
    loss = None if spec is None else spec.loss(y, settings.hessian)
    stop = valid if settings.early_stopping > 0 else None
    if engine == "xgboost":
        booster, trees = _fit_xgboost(loss, X, y, names, categorical, settings, stop)
    elif engine == "lightgbm":
        booster, trees = _fit_lightgbm(loss, X, y, names, categorical, settings, stop)
    else:
        raise CliError(f"unknown engine {engine!r}; choose from {', '.join(ENGINES)}")
    return Fitted(engine, booster, loss, names, categorical, trees)


def _dmatrix(
    X: NDArray[np.float64],
    y: NDArray[np.float64] | None,
    names: list[str],
    categorical: list[int],
    threads: int | None,
) -> Any:
    xgb = need("xgboost", "xgboost", "--engine xgboost")
    types = ["c" if j in categorical else "q" for j in range(X.shape[1])]
    return xgb.DMatrix(
        X,
        label=y,
        feature_names=names,
        feature_types=types,
        enable_categorical=bool(categorical),
        nthread=threads or -1,
    )


def _fit_xgboost(
    loss: FocalLoss | None,
    X: NDArray[np.float64],
    y: NDArray[np.float64],
    names: list[str],
    categorical: list[int],
    settings: Settings,
    valid: tuple[NDArray[np.float64], NDArray[np.float64]] | None,
) -> tuple[Any, int]:
    xgb = need("xgboost", "xgboost", "--engine xgboost")
    from focalboost import xgb as fxgb

    dtrain = _dmatrix(X, y, names, categorical, settings.threads)
    kw: dict[str, Any] = {}
    if valid is not None:
        dvalid = _dmatrix(valid[0], valid[1], names, categorical, settings.threads)
        kw = {
            "evals": [(dvalid, "valid")],
            "early_stopping_rounds": settings.early_stopping,
            "verbose_eval": False,
        }
    params: dict[str, Any] = {
        "tree_method": "hist",
        "eta": settings.learning_rate,
        "max_depth": 6,
        "seed": settings.seed,
        "verbosity": 0,
    }
    if settings.threads:
        params["nthread"] = settings.threads
    if loss is None:
        params["objective"] = "binary:logistic"
        params["eval_metric"] = "logloss"
        booster = xgb.train(params, dtrain, settings.rounds, **kw)
    else:
        params["disable_default_eval_metric"] = 1
        booster = fxgb.train(params, dtrain, settings.rounds, loss=loss, **kw)
    if valid is not None:
        # keep the best round only, so prediction and the saved model need no iteration range
        booster = booster[: booster.best_iteration + 1]
    return booster, int(booster.num_boosted_rounds())


def _fit_lightgbm(
    loss: FocalLoss | None,
    X: NDArray[np.float64],
    y: NDArray[np.float64],
    names: list[str],
    categorical: list[int],
    settings: Settings,
    valid: tuple[NDArray[np.float64], NDArray[np.float64]] | None,
) -> tuple[Any, int]:
    lgb = need("lightgbm", "lightgbm", "--engine lightgbm")
    from focalboost import lgb as flgb

    # LightGBM 4.0 forgets verbose=-1 once a custom objective is set and prints its log lines to
    # stdout, which must carry only the report (--json); its log goes to stderr instead.
    lgb.register_logger(_StderrLog())

    params: dict[str, Any] = {
        "learning_rate": settings.learning_rate,
        "num_leaves": 31,
        "seed": settings.seed,
        "deterministic": True,
        "verbose": -1,
    }
    if settings.threads:
        params["num_threads"] = settings.threads
    train_set = lgb.Dataset(
        X,
        y,
        feature_name=names,
        categorical_feature=categorical or "auto",
        params={"verbose": -1},
    )
    kw: dict[str, Any] = {}
    if valid is not None:
        valid_set = lgb.Dataset(valid[0], valid[1], reference=train_set, params={"verbose": -1})
        kw = {
            "valid_sets": [valid_set],
            "callbacks": [lgb.early_stopping(settings.early_stopping, verbose=False)],
        }
    if loss is None:
        params = {**params, "objective": "binary", "metric": "binary_logloss"}
        booster = lgb.train(params, train_set, settings.rounds, **kw)
    else:
        booster = flgb.train(
            {**params, "metric": "None"}, train_set, settings.rounds, loss=loss, **kw
        )
    if valid is not None and booster.best_iteration > 0:
        # keep the best round only: the saved model text and predict then agree
        booster = lgb.Booster(
            model_str=booster.model_to_string(num_iteration=booster.best_iteration)
        )
    return booster, int(booster.num_trees())
