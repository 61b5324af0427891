"""``FocalLGBMClassifier``: ``lightgbm.LGBMClassifier`` trained with the focal loss."""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

import numpy as np
from lightgbm import LGBMClassifier
from numpy.typing import NDArray
from sklearn.utils.validation import check_is_fitted

from focalboost.estimators import _base
from focalboost.lgb import fold_intercept
from focalboost.loss import FocalLoss

#: Built-in LightGBM metrics that rank rows, so they are valid on raw margins.
RANK_METRICS = frozenset({"auc", "average_precision", "None", "none", "null", "na"})
#: LightGBM parameters that a custom objective ignores; setting them is an error.
_IGNORED_BY_CUSTOM_OBJECTIVE = ("scale_pos_weight", "is_unbalance", "unbalance", "unbalanced_sets")
#: LightGBM aliases of ``objective``; the focal loss is the objective.
_OBJECTIVE_ALIASES = ("objective", "objective_type", "app", "application", "loss")
#: LightGBM aliases of ``metric``.
_METRIC_ALIASES = ("metric", "metrics", "metric_types")


class _FocalLGBMMetric:
    """scikit-learn style LightGBM metric: ("focal", weighted mean focal loss, lower is better)."""

    def __init__(self, loss: FocalLoss) -> None:
        self.loss = loss

    def __call__(
        self, y_true: NDArray[Any], y_pred: NDArray[Any], weight: Any
    ) -> tuple[str, float, bool]:
        return "focal", self.loss._engine_mean_loss(y_true, y_pred, weight), False


class FocalLGBMClassifier(LGBMClassifier):  # type: ignore[misc,unused-ignore]
    r"""Binary ``lightgbm.LGBMClassifier`` trained with the alpha-weighted focal loss.

    Accepts every ``LGBMClassifier`` parameter; ``objective`` is fixed (the focal loss), and
    ``scale_pos_weight``/``is_unbalance`` are rejected (a custom objective ignores them; use
    ``alpha``, ``class_weight`` or ``sample_weight``).

    Parameters
    ----------
    alpha : float in [0, 1], None or "balanced", default=0.25
        Weight of the positive class (``classes_[1]``); negatives get ``1 - alpha``.
        ``"balanced"`` uses the (weighted) fraction of negatives in the training labels, stored
        in ``alpha_``.
    gamma : float >= 0, default=2.0
        Focal focusing parameter (``0`` gives weighted log-loss).
    hessian : {"upper", "exact", "clip", "abs"}, default="upper"
        Curvature policy, see :class:`focalboost.FocalLoss`.
    calibrated : bool, default=True
        ``predict_proba`` returns calibrated probabilities (:meth:`FocalLoss.probability`);
        ``False`` returns the raw, biased ``sigmoid(margin)``.
    **kwargs
        Any other ``LGBMClassifier`` parameter.

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
        The two labels; ``classes_[1]`` is the class whose probability is modelled.
    intercept_ : float
        :meth:`FocalLoss.init_margin` of the (weighted) training labels.  Training starts from it
        (``init_score`` on the training and every evaluation set) and it is then added to every
        leaf of the first tree, so ``booster_.predict(X, raw_score=True)`` and a saved model
        include it.
    alpha_ : float or None
        The class weight used in training (``"balanced"`` resolved).
    loss_ : FocalLoss
        The resolved loss; ``loss_.probability(margin)`` maps margins to probabilities.

    Notes
    -----
    ``decision_function`` is the raw margin (intercept included); ``predict_proba`` is a proper
    ``(n, 2)`` probability matrix (plain ``LGBMClassifier`` returns raw scores with a custom
    objective); ``predict`` returns ``classes_[1]`` where ``predict_proba(X)[:, 1] > 0.5``.
    Evaluation sets are scored with the focal loss (``"focal"``), plus any rank metric given in
    ``eval_metric`` (``"auc"``, ``"average_precision"``) or callable; LightGBM's
    probability metrics (``binary_logloss``...) would be computed on raw margins and are refused.
    """

    def __init__(
        self,
        *,
        alpha: float | str | None = 0.25,
        gamma: float = 2.0,
        hessian: str = "upper",
        calibrated: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.alpha = alpha
        self.gamma = gamma
        self.hessian = hessian
        self.calibrated = calibrated

    def __sklearn_tags__(self) -> Any:
        return _base.binary_tags(super().__sklearn_tags__())

    def _more_tags(self) -> dict[str, Any]:  # scikit-learn < 1.6 reads these
        return _base.binary_more_tags(super())

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Parameters of this estimator: the focal ones and every ``LGBMClassifier`` one.

        Older LightGBM releases (4.0) read constructor parameters from the subclass's
        signature only, which would drop ``LGBMClassifier``'s own (``random_state``,
        ``num_leaves``...) from ``get_params``, ``clone`` and LightGBM's parameter processing.
        """
        params: dict[str, Any] = super().get_params(deep=deep)
        for name in _lgbm_init_params():
            if name not in params:
                params[name] = getattr(self, name, None)
        return params

    # ------------------------------------------------------------------ parameters
    def _process_params(self, stage: str) -> dict[str, Any]:
        fit_objective = self.__dict__.get("_focal_fit_objective")
        if stage == "fit" and fit_objective is not None:
            self._objective = fit_objective
        params: dict[str, Any] = super()._process_params(stage)
        for key in _base.FOCAL_PARAMS:
            params.pop(key, None)
        if stage == "fit" and "feature_pre_filter" not in params:
            # LightGBM's custom-objective path crashes when pre-filtering leaves no feature;
            # features it would drop can never be split, so keeping them changes no tree.
            params["feature_pre_filter"] = False
        if stage == "fit" and not any(
            self.get_params().get(alias) is not None for alias in _METRIC_ALIASES
        ):
            for alias in _METRIC_ALIASES:
                params.pop(alias, None)
            params["metric"] = "None"  # built-in metrics would see raw margins
        return params

    def _check_engine_params(self) -> None:
        params = self.get_params()
        for key in _OBJECTIVE_ALIASES:
            if params.get(key) is not None:
                raise ValueError(
                    f"{key}={params[key]!r}: FocalLGBMClassifier trains with the focal loss; "
                    f"leave {key} unset"
                )
        for key in _IGNORED_BY_CUSTOM_OBJECTIVE:
            value = params.get(key)
            neutral = (
                _base.is_one_or_none(value)
                if key == "scale_pos_weight"
                else _base.is_false_or_none(value)
            )
            if not neutral:
                raise ValueError(
                    f"{key}={value!r}: {key} is ignored by a custom objective; use alpha (class weight), "
                    "class_weight or sample_weight instead"
                )
        for alias in _METRIC_ALIASES:
            value = params.get(alias)
            if value is not None:
                _check_metrics(value, alias)

    # ------------------------------------------------------------------ fitted attributes
    @property
    def classes_(self) -> NDArray[Any]:
        classes = self.__dict__.get("_focal_classes")
        if classes is None:
            out: NDArray[Any] = super().classes_
            return out
        return np.asarray(classes)

    # ------------------------------------------------------------------ fit
    def fit(  # type: ignore[override,unused-ignore]
        self,
        X: Any,
        y: Any,
        sample_weight: Any = None,
        init_score: Any = None,
        eval_set: Sequence[tuple[Any, Any]] | tuple[Any, Any] | None = None,
        eval_names: list[str] | None = None,
        eval_sample_weight: list[Any] | None = None,
        eval_class_weight: list[Any] | None = None,
        eval_init_score: list[Any] | None = None,
        eval_metric: Any = None,
        feature_name: Any = "auto",
        categorical_feature: Any = "auto",
        callbacks: list[Any] | None = None,
        init_model: Any = None,
        *,
        eval_X: Any = None,
        eval_y: Any = None,
    ) -> FocalLGBMClassifier:
        """Fit with the focal loss from the focal-optimal intercept.

        ``y`` holds labels of exactly two classes: strings, booleans, integers, or floats that
        are whole numbers (non-integral floats such as 0.5 read as a continuous target and are
        refused); ``classes_[1]`` is the positive class.  Both classes need positive total
        weight.  ``predict*(..., start_iteration=k)`` with ``k > 0`` is refused: the intercept
        is folded into the first tree.
        ``sample_weight`` (times ``class_weight``) weights the gradients, the intercept and
        ``alpha="balanced"``.  Every evaluation set (``eval_set`` or ``eval_X``/``eval_y``) starts
        from the intercept, so its focal metric, early stopping and ``evals_result_`` are right.
        A given ``init_score``/``eval_init_score`` is an offset added to the intercept (and, as
        in LightGBM, not stored in the model).  Continued training (``init_model``) is not
        supported.
        """
        loss = _base.check_focal_params(self)
        self._check_engine_params()
        if init_model is not None:
            raise ValueError(
                "continued training (init_model) is not supported by FocalLGBMClassifier"
            )
        classes, y01 = _base.encode_labels(y)
        n = _base.check_lengths(X, y01)
        weight = _base.check_weight(sample_weight, n)
        weight_name = "sample_weight"
        if self.class_weight is not None:
            from sklearn.utils.class_weight import compute_sample_weight

            class_w = compute_sample_weight(self.class_weight, np.asarray(y).reshape(-1))
            weight = class_w if weight is None else weight * class_w
            weight_name = "sample_weight * class_weight"
            weight = _base.check_weight(weight, n, weight_name)
        _base.check_class_weight_totals(weight, y01, classes, weight_name)
        _check_categorical_feature(categorical_feature, X)
        loss_ = loss.resolved(y01, weight)
        intercept = float(loss_.init_margin(y01, weight))

        sets = _eval_pairs(eval_set, eval_X, eval_y)
        checked_eval_weights = _base.check_eval_data(
            X, sets, eval_sample_weight, "eval_sample_weight", "eval_set"
        )
        if eval_sample_weight is not None:
            eval_sample_weight = checked_eval_weights
        eval_data: list[tuple[Any, Any]] = []
        eval_scores: list[NDArray[np.float64]] = []
        for i, (Xe, ye) in enumerate(sets):
            if Xe is X and ye is y:
                eval_data.append((X, y01))
            else:
                eval_data.append((Xe, _base.encode_with(classes, ye, f"eval_set[{i}] labels")))
            offset = None if eval_init_score is None else eval_init_score[i]
            eval_scores.append(
                _offset_score(intercept, offset, _base.n_rows(Xe), "eval_init_score")
            )
        if eval_class_weight is not None:
            eval_class_weight = [
                _encode_class_weight(cw, classes, f"eval_class_weight[{i}]")
                for i, cw in enumerate(eval_class_weight)
            ]

        metrics = (
            []
            if eval_metric is None
            else list(eval_metric)
            if isinstance(eval_metric, list)
            else [eval_metric]
        )
        for m in metrics:
            if not callable(m):
                _check_metrics(m, "eval_metric")
        metrics.append(_FocalLGBMMetric(loss_))

        fit_kwargs: dict[str, Any] = {}
        if eval_data and eval_names is None:
            # LightGBM 4.0 names an evaluation set that is the training data "training" unless
            # names are given; later releases call it "valid_<i>" like every other set.
            eval_names = [f"valid_{i}" for i in range(len(eval_data))]
        if eval_data:
            if _supports_eval_xy():
                fit_kwargs["eval_X"] = tuple(d[0] for d in eval_data)
                fit_kwargs["eval_y"] = tuple(d[1] for d in eval_data)
            else:  # LightGBM < 4.7
                fit_kwargs["eval_set"] = eval_data
            fit_kwargs["eval_init_score"] = eval_scores
        saved_cw = self.class_weight
        self.__dict__.pop("_focal_classes", None)
        self._focal_fit_objective = loss_.sklearn_objective
        try:
            self.class_weight = None  # already folded into the weights
            self._class_weight = None
            super().fit(
                X,
                y01,
                sample_weight=weight,
                init_score=_offset_score(intercept, init_score, n, "init_score"),
                eval_names=eval_names,
                eval_sample_weight=eval_sample_weight,
                eval_class_weight=eval_class_weight,
                eval_metric=metrics,
                feature_name=feature_name,
                categorical_feature=categorical_feature,
                callbacks=callbacks,
                **fit_kwargs,
            )
        finally:
            self.class_weight = saved_cw
            self._class_weight = None
            del self._focal_fit_objective
        fold_intercept(self.booster_, intercept)
        self._focal_feature_names = _base.feature_names_of(X)
        self._focal_classes = classes
        self.intercept_ = intercept
        self.loss_ = loss_
        self.alpha_ = loss_.alpha_
        return self

    # ------------------------------------------------------------------ prediction
    def decision_function(self, X: Any, **kwargs: Any) -> NDArray[np.float64]:  # type: ignore[override,unused-ignore]
        """Raw margins (intercept included), shape (n,).  ``kwargs`` go to ``predict``."""
        check_is_fitted(self)
        _check_start_iteration(kwargs.get("start_iteration"))
        _base.check_feature_names(self, X)
        if _base.n_rows(X) == 0:
            return np.empty(0, dtype=np.float64)
        kwargs["raw_score"] = True
        margin = LGBMClassifier.predict_proba(self, X, **kwargs)
        return np.asarray(margin, dtype=np.float64).reshape(-1)

    def predict_proba(self, X: Any, **kwargs: Any) -> NDArray[np.float64]:  # type: ignore[override,unused-ignore]
        """Class probabilities, shape (n, 2), columns in ``classes_`` order.

        Calibrated (``loss_.probability``) when ``calibrated=True``, ``sigmoid(margin)`` otherwise.
        ``raw_score``, ``pred_leaf`` and ``pred_contrib`` are passed through to LightGBM.
        """
        if any(kwargs.get(k) for k in ("raw_score", "pred_leaf", "pred_contrib")):
            _check_start_iteration(kwargs.get("start_iteration"))
            _base.check_feature_names(self, X)
            out: NDArray[np.float64] = np.asarray(LGBMClassifier.predict_proba(self, X, **kwargs))
            return out
        margin = self.decision_function(X, **kwargs)
        return _base.proba_from_margin(self.loss_, margin, self.calibrated)

    def predict(self, X: Any, **kwargs: Any) -> NDArray[Any]:  # type: ignore[override,unused-ignore]
        """Labels from ``classes_``: ``classes_[1]`` where ``predict_proba(X)[:, 1] > 0.5``."""
        if any(kwargs.get(k) for k in ("raw_score", "pred_leaf", "pred_contrib")):
            return self.predict_proba(X, **kwargs)
        proba = self.predict_proba(X, **kwargs)
        return _base.labels_from_proba(self.classes_, proba)


# ---------------------------------------------------------------------- helpers
def _lgbm_init_params() -> list[str]:
    """Names of ``LGBMClassifier``'s own constructor parameters."""
    sig = inspect.signature(LGBMClassifier.__init__)
    return [
        p.name
        for p in sig.parameters.values()
        if p.name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
    ]


def _supports_eval_xy() -> bool:
    return "eval_X" in inspect.signature(LGBMClassifier.fit).parameters


def _eval_pairs(eval_set: Any, eval_X: Any, eval_y: Any) -> list[tuple[Any, Any]]:
    if eval_set is not None and (eval_X is not None or eval_y is not None):
        raise ValueError("give evaluation data as eval_set or as eval_X/eval_y, not both")
    if eval_set is not None:
        return [eval_set] if isinstance(eval_set, tuple) else list(eval_set)
    if eval_X is None and eval_y is None:
        return []
    if eval_X is None or eval_y is None:
        raise ValueError("eval_X and eval_y must be given together")
    if isinstance(eval_X, tuple) != isinstance(eval_y, tuple):
        raise ValueError("eval_X and eval_y must both be tuples or both single sets")
    if isinstance(eval_X, tuple):
        if len(eval_X) != len(eval_y):
            raise ValueError(f"{len(eval_X)} eval_X sets but {len(eval_y)} eval_y sets")
        return list(zip(eval_X, eval_y, strict=True))
    return [(eval_X, eval_y)]


def _offset_score(intercept: float, offset: Any, n: int, name: str) -> NDArray[np.float64]:
    score = np.full(n, intercept, dtype=np.float64)
    if offset is None:
        return score
    arr = np.asarray(offset, dtype=np.float64).reshape(-1)
    if arr.shape != (n,):
        raise ValueError(f"{name} has {arr.size} values for {n} rows")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return score + arr


def _encode_class_weight(cw: Any, classes: NDArray[Any], name: str) -> Any:
    if isinstance(cw, dict):
        unknown = [k for k in cw if k not in classes]
        if unknown:
            raise ValueError(
                f"{name} has keys {unknown!r} that are not classes (classes_ = {classes.tolist()})"
            )
        return {int(np.searchsorted(classes, k)): v for k, v in cw.items()}
    return cw


def _check_start_iteration(value: Any) -> None:
    if value is not None and value != 0:
        raise ValueError(
            f"start_iteration={value!r}: the intercept lives in the first tree, so predictions "
            "that skip it would lose the intercept; use start_iteration=0 (num_iteration limits "
            "the trees from the end)"
        )


def _check_categorical_feature(categorical_feature: Any, X: Any) -> None:
    """Integer column indices in ``categorical_feature`` must exist in ``X``."""
    if isinstance(categorical_feature, str) or categorical_feature is None:
        return
    d = _base.n_features(X)
    for c in categorical_feature:
        is_index = isinstance(c, (int, np.integer)) and not isinstance(c, (bool, np.bool_))
        if is_index and d is not None and not 0 <= int(c) < d:
            raise ValueError(
                f"categorical_feature index {c} is out of range for X with {d} features"
            )


def _check_metrics(value: Any, name: str) -> None:
    names = [value] if isinstance(value, str) else list(value)
    bad = [m for m in names if isinstance(m, str) and m not in RANK_METRICS]
    if bad:
        raise ValueError(
            f"{name}={bad!r}: with the focal objective LightGBM computes built-in metrics on raw "
            "margins, so only rank metrics ('auc', 'average_precision') are meaningful; for "
            "others pass a callable metric(y_true, y_pred_margin, weight)"
        )
