"""``FocalXGBClassifier``: ``xgboost.XGBClassifier`` trained with the focal loss."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.utils.validation import check_is_fitted
from xgboost import XGBClassifier

from focalboost.estimators import _base
from focalboost.loss import FocalLoss

#: Booster attribute with the focalboost metadata (classes, loss, intercept); kept by save_model.
META_ATTR = "focalboost_classifier"


class _FocalXGBMetric:
    """scikit-learn style metric for XGBoost: weighted mean focal loss of the raw margins."""

    __name__ = "focal"

    def __init__(self, loss: FocalLoss) -> None:
        self.loss = loss

    def __call__(
        self, y_true: NDArray[Any], y_score: NDArray[Any], sample_weight: Any = None
    ) -> float:
        return self.loss._engine_mean_loss(y_true, y_score, sample_weight)


def _logit(p: float) -> float:
    return math.log(p) - math.log1p(-p)


def _check_X(X: Any, name: str) -> None:
    """Clear errors for what XGBoost would reject with a raw XGBoostError.

    DataFrames and sparse matrices are left to XGBoost except for infinite values.
    """
    if hasattr(X, "dtypes") and hasattr(X, "columns"):  # pandas-like: categorical columns allowed
        if len(X.columns) == 0:
            raise ValueError(f"{name} has 0 features")
        numeric = X.select_dtypes(include="number") if hasattr(X, "select_dtypes") else None
        if numeric is not None and numeric.shape[1] and np.isinf(numeric.to_numpy(float)).any():
            raise ValueError(f"{name} contains infinite values (NaN is allowed and means missing)")
        return
    if hasattr(X, "tocsr"):  # scipy sparse
        if X.shape[1] == 0:
            raise ValueError(f"{name} has 0 features")
        data = getattr(X, "data", None)  # stored values of csr/csc/coo; other formats pass
        if isinstance(data, np.ndarray) and data.dtype.kind == "f" and np.isinf(data).any():
            raise ValueError(f"{name} contains infinite values (NaN is allowed and means missing)")
        return
    arr = np.asarray(X)
    if arr.dtype.kind not in "iubf":
        raise TypeError(f"{name} must be numeric, got dtype {arr.dtype}")
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 2-D (n_samples, n_features), got shape {arr.shape}")
    if arr.shape[1] == 0:
        raise ValueError(f"{name} has 0 features")
    if arr.dtype.kind == "f" and np.isinf(arr).any():
        raise ValueError(f"{name} contains infinite values (NaN is allowed and means missing)")


def _check_margin(margin: Any, n: int, name: str) -> None:
    if margin is None:
        return
    arr = np.asarray(margin)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be numeric, got dtype {arr.dtype}")
    if arr.shape[:1] != (n,):
        raise ValueError(f"{name} has shape {arr.shape}; expected ({n},), one margin per row")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or infinite values")


class FocalXGBClassifier(XGBClassifier):  # type: ignore[misc,unused-ignore]
    r"""Binary ``xgboost.XGBClassifier`` trained with the alpha-weighted focal loss.

    Accepts every ``XGBClassifier`` parameter except that ``gamma`` here is the focal focusing
    parameter; XGBoost's own ``gamma`` (minimum split loss) is available as ``min_split_loss``.
    ``objective`` is fixed (the focal loss) and ``scale_pos_weight`` is rejected (a custom
    objective ignores it; use ``alpha`` or ``sample_weight``).

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
        ``predict_proba`` returns calibrated probabilities (the focal-optimal margin inverted,
        :meth:`FocalLoss.probability`).  ``False`` returns the raw ``sigmoid(margin)``, which is
        biased for focal-trained models.
    **kwargs
        Any other ``XGBClassifier`` parameter (``n_estimators``, ``max_depth``,
        ``early_stopping_rounds``, ``eval_metric``, ...).

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
        The two labels; ``classes_[1]`` is the class whose probability is modelled.
    intercept_ : float
        The starting margin: :meth:`FocalLoss.init_margin` of the (weighted) encoded training
        labels.  Stored in the model as ``base_score`` (XGBoost keeps it as the probability
        ``sigmoid(intercept_)`` in float32; ``intercept_`` is the value read back, so
        margins, saved models and this attribute agree exactly).
    alpha_ : float or None
        The class weight used in training (``"balanced"`` resolved).
    loss_ : FocalLoss
        The resolved loss; ``loss_.probability(margin)`` maps margins to probabilities.

    Notes
    -----
    ``decision_function`` is the raw margin, intercept included.  ``predict`` returns
    ``classes_[1]`` where ``predict_proba(X)[:, 1] > 0.5`` (on the calibrated probability when
    ``calibrated=True``), so it can differ from ``decision_function(X) > 0``.
    Without ``eval_metric``, evaluation sets are scored with the focal loss (``"focal"``), and
    ``early_stopping_rounds`` stops on it; built-in XGBoost metrics see ``sigmoid(margin)``.
    ``save_model``/``load_model`` keep the intercept (as ``base_score``) and the classes, loss
    settings and intercept (as a booster attribute).
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

    # ------------------------------------------------------------------ parameters
    def get_xgb_params(self) -> dict[str, Any]:
        """XGBoost booster parameters: the focal ones removed, fit-time settings added."""
        params: dict[str, Any] = super().get_xgb_params()
        for key in (*_base.FOCAL_PARAMS, "objective"):
            params.pop(key, None)
        params.update(getattr(self, "_fit_overrides", {}))
        return params

    def _check_engine_params(self) -> None:
        if self.objective not in (None, "binary:logistic"):
            raise ValueError(
                f"objective={self.objective!r}: FocalXGBClassifier trains with the focal loss; "
                "leave objective unset"
            )
        spw = self.get_params().get("scale_pos_weight")
        if not _base.is_one_or_none(spw):
            raise ValueError(
                "scale_pos_weight is ignored by a custom objective; use alpha (class weight) "
                "or sample_weight instead"
            )

    # ------------------------------------------------------------------ fitted attributes
    @property
    def classes_(self) -> NDArray[Any]:
        classes = self.__dict__.get("_focal_classes")
        if classes is None:  # inside XGBClassifier.fit, which checks the encoded labels
            if "n_classes_" not in self.__dict__:
                raise AttributeError("classes_ is set by fit")
            return np.arange(self.n_classes_)
        out: NDArray[Any] = classes
        return out

    @property
    def intercept_(self) -> float:  # type: ignore[override,unused-ignore]
        if "_focal_intercept" not in self.__dict__:
            raise AttributeError("intercept_ is set by fit or load_model")
        value: float = self.__dict__["_focal_intercept"]
        return value

    # ------------------------------------------------------------------ fit
    def fit(  # type: ignore[override,unused-ignore]
        self,
        X: Any,
        y: Any,
        *,
        sample_weight: Any = None,
        base_margin: Any = None,
        eval_set: Sequence[tuple[Any, Any]] | None = None,
        verbose: bool | int | None = True,
        xgb_model: Any = None,
        sample_weight_eval_set: Sequence[Any] | None = None,
        base_margin_eval_set: Sequence[Any] | None = None,
        feature_weights: Any = None,
    ) -> FocalXGBClassifier:
        """Fit the booster on ``X``, ``y`` with the focal loss, from the focal-optimal intercept.

        ``y`` holds labels of exactly two classes: strings, booleans, integers, or floats that
        are whole numbers (e.g. 0.0/1.0 or -1.0/1.0; non-integral floats such as 0.5 read as a
        continuous target and are refused); they are sorted into ``classes_`` and
        ``classes_[1]`` is the positive class.  Both classes need positive total weight.  ``sample_weight`` weights the gradients, the
        intercept and ``alpha="balanced"``.  Each ``eval_set`` is scored from the same intercept
        (it lives in the model).  ``base_margin`` replaces the intercept for its rows, as in
        XGBoost.  Continued training (``xgb_model``) is not supported.
        """
        loss = _base.check_focal_params(self)
        self._check_engine_params()
        if xgb_model is not None:
            raise ValueError(
                "continued training (xgb_model) is not supported by FocalXGBClassifier"
            )
        classes, y01 = _base.encode_labels(y)
        _check_X(X, "X")
        n = _base.check_lengths(X, y01)
        weight = _base.check_weight(sample_weight, n)
        _base.check_class_weight_totals(weight, y01, classes, "sample_weight")
        pairs = _base.check_eval_set(eval_set)
        for i, (Xe, _) in enumerate(pairs):
            _check_X(Xe, f"eval_set[{i}] X")
        eval_weights = _base.check_eval_data(
            X, pairs, sample_weight_eval_set, "sample_weight_eval_set", "eval_set"
        )
        _check_margin(base_margin, n, "base_margin")
        if base_margin_eval_set is not None:
            for i, (bm, (Xe, _)) in enumerate(zip(base_margin_eval_set, pairs, strict=False)):
                _check_margin(bm, _base.n_rows(Xe), f"base_margin_eval_set[{i}]")
        loss_ = loss.resolved(y01, weight)
        intercept = float(loss_.init_margin(y01, weight))
        evals = None
        if eval_set is not None:
            evals = [
                (Xe, y01 if ye is y else _base.encode_with(classes, ye, f"eval_set[{i}] labels"))
                for i, (Xe, ye) in enumerate(pairs)
            ]
        if sample_weight_eval_set is not None:
            sample_weight_eval_set = eval_weights
        overrides: dict[str, Any] = {}
        if self.base_score is None:
            overrides["base_score"] = 1.0 / (1.0 + math.exp(-intercept))
        saved = (self.objective, self.eval_metric)
        if self.eval_metric is None:
            overrides["disable_default_eval_metric"] = True
        self.__dict__.pop("_focal_classes", None)
        self._fit_overrides = overrides
        try:
            self.objective = loss_.sklearn_objective
            if self.eval_metric is None:
                self.eval_metric = _FocalXGBMetric(loss_)
            super().fit(
                X,
                y01,
                sample_weight=weight,
                base_margin=base_margin,
                eval_set=evals,
                verbose=verbose,
                sample_weight_eval_set=sample_weight_eval_set,
                base_margin_eval_set=base_margin_eval_set,
                feature_weights=feature_weights,
            )
        finally:
            self.objective, self.eval_metric = saved
            del self._fit_overrides
        self._set_fitted(classes, loss_, self._stored_intercept())
        self.get_booster().set_attr(**{META_ATTR: self._meta(loss_)})
        return self

    def _stored_intercept(self) -> float:
        config = json.loads(self.get_booster().save_config())
        base = json.loads(config["learner"]["learner_model_param"]["base_score"])
        prob = float(np.ravel(base)[0])
        return _logit(prob)

    def _set_fitted(self, classes: NDArray[Any], loss_: FocalLoss, intercept: float) -> None:
        self._focal_classes = classes
        self._focal_intercept = intercept
        self.loss_ = loss_
        self.alpha_ = loss_.alpha_

    def _meta(self, loss_: FocalLoss) -> str:
        return json.dumps(
            {
                "classes": self.classes_.tolist(),
                "intercept": self.intercept_,
                "loss": _base.loss_settings(self, loss_),
            }
        )

    # ------------------------------------------------------------------ persistence
    def load_model(self, fname: Any) -> None:
        """Load a model saved by :meth:`save_model` (intercept, classes and loss included).

        The focal parameters (``alpha``, ``gamma``, ``hessian``) are set from the file; the other
        hyper-parameters keep their values (``base_score`` and ``objective`` are not taken from
        the file: for this class they are derived at fit time).
        """
        saved = (self.base_score, self.objective)
        super().load_model(fname)
        self.base_score, self.objective = saved
        raw = self.get_booster().attr(META_ATTR)
        if raw is None:
            raise ValueError(f"{fname!r} was not saved by a FocalXGBClassifier (no {META_ATTR})")
        meta = json.loads(raw)
        settings = meta["loss"]
        self.alpha, self.gamma, self.hessian = (
            settings["alpha"],
            settings["gamma"],
            settings["hessian"],
        )
        loss_ = FocalLoss(alpha=settings["alpha_"], gamma=self.gamma, hessian=self.hessian)
        loss_.alpha_ = settings["alpha_"]
        self._set_fitted(np.asarray(meta["classes"]), loss_, float(meta["intercept"]))

    def save_model(self, fname: str | os.PathLike[str]) -> None:
        """Save with XGBoost's format; :meth:`load_model` restores the classifier completely."""
        super().save_model(fname)

    # ------------------------------------------------------------------ prediction
    def decision_function(self, X: Any, **kwargs: Any) -> NDArray[np.float64]:
        """Raw margins (intercept included), shape (n,).  ``kwargs`` go to ``predict``."""
        check_is_fitted(self)
        _check_X(X, "X")
        if _base.n_rows(X) == 0:
            return np.empty(0, dtype=np.float64)
        margin = XGBClassifier.predict(self, X, output_margin=True, **kwargs)
        return np.asarray(margin, dtype=np.float64).reshape(-1)

    def predict_proba(self, X: Any, **kwargs: Any) -> NDArray[np.float64]:  # type: ignore[override,unused-ignore]
        """Class probabilities, shape (n, 2), columns in ``classes_`` order.

        Calibrated (``loss_.probability``) when ``calibrated=True``, ``sigmoid(margin)`` otherwise.
        """
        margin = self.decision_function(X, **kwargs)
        return _base.proba_from_margin(self.loss_, margin, self.calibrated)

    def predict(self, X: Any, **kwargs: Any) -> NDArray[Any]:  # type: ignore[override,unused-ignore]
        """Labels from ``classes_``: ``classes_[1]`` where ``predict_proba(X)[:, 1] > 0.5``."""
        if kwargs.pop("output_margin", False):
            return self.decision_function(X, **kwargs)
        proba = self.predict_proba(X, **kwargs)
        return _base.labels_from_proba(self.classes_, proba)
