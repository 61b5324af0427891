"""Engine-independent parts of the focal-loss classifiers: labels, weights, probabilities."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from focalboost.loss import FocalLoss

#: Constructor parameters the classifiers add to their engine's; never forwarded to the engine.
FOCAL_PARAMS = ("alpha", "gamma", "hessian", "calibrated")


def check_focal_params(est: Any) -> FocalLoss:
    """Validate ``alpha``, ``gamma``, ``hessian`` and ``calibrated``; return the (unresolved) loss."""
    if not isinstance(est.calibrated, (bool, np.bool_)):
        raise TypeError(f"calibrated must be True or False, got {est.calibrated!r}")
    if isinstance(est.alpha, str) and est.alpha != "balanced":
        raise ValueError(f"alpha must be a float in [0, 1], None or 'balanced', got {est.alpha!r}")
    for name in ("alpha", "gamma"):
        value = getattr(est, name)
        if value is not None and not isinstance(value, str) and np.ndim(value) != 0:
            raise ValueError(f"{name} must be a scalar for a binary classifier, got {value!r}")
    return FocalLoss(alpha=est.alpha, gamma=est.gamma, hessian=est.hessian)


def binary_tags(tags: Any) -> Any:
    """scikit-learn tags of a binary, single-output classifier."""
    tags.classifier_tags.multi_class = False
    tags.classifier_tags.multi_label = False
    tags.target_tags.multi_output = False
    return tags


def encode_labels(y: Any) -> tuple[NDArray[Any], NDArray[np.float64]]:
    """``(classes, y01)``: the two sorted class labels and ``y`` mapped to 0.0/1.0 through them.

    Raises ValueError for NaN labels, 2-D targets, continuous targets, and anything other than
    exactly two distinct values.
    """
    from sklearn.utils.multiclass import type_of_target
    from sklearn.utils.validation import column_or_1d

    if y is None:
        raise ValueError("this estimator requires y to be passed, but the target y is None")
    y_arr = np.asarray(y)
    if y_arr.ndim == 2 and y_arr.shape[1] == 1:
        y_arr = column_or_1d(y_arr, warn=True)
    if y_arr.ndim != 1:
        raise ValueError(
            f"y must be 1-D (one label per row), got shape {y_arr.shape}; "
            "for an (n, k) indicator matrix use FocalMultiLabelClassifier"
        )
    if y_arr.size == 0:
        raise ValueError("y is empty")
    if y_arr.dtype.kind == "f" and np.isnan(y_arr).any():
        raise ValueError("y contains NaN; every row needs a label")
    if y_arr.dtype.kind == "O" and any(v is None or v != v for v in y_arr):
        raise ValueError("y contains missing values (None or NaN); every row needs a label")
    kind = type_of_target(y_arr, input_name="y")
    if kind not in ("binary", "multiclass"):
        raise ValueError(
            f"Unknown label type: y looks {kind!r}; a binary classifier needs labels of two classes"
        )
    classes, y_enc = np.unique(y_arr, return_inverse=True)
    if len(classes) == 1:
        raise ValueError(
            f"y has only one class ({classes[0]!r}); a binary classifier needs two classes"
        )
    if len(classes) > 2:
        raise ValueError(
            "Only binary classification is supported. "
            f"y has {len(classes)} classes {classes[:5].tolist()}{'...' if len(classes) > 5 else ''}; "
            "multi-class focal loss is not implemented"
        )
    return classes, y_enc.reshape(-1).astype(np.float64)


def encode_with(classes: NDArray[Any], y: Any, name: str) -> NDArray[np.float64]:
    """Map ``y`` (e.g. an evaluation set's labels) to 0/1 through fitted ``classes``."""
    y_arr = np.asarray(y)
    if y_arr.ndim == 2 and y_arr.shape[1] == 1:
        y_arr = y_arr[:, 0]
    if y_arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {y_arr.shape}")
    if y_arr.dtype.kind == "f" and np.isnan(y_arr).any():
        raise ValueError(f"{name} contains NaN")
    unknown = np.setdiff1d(np.unique(y_arr), classes)
    if unknown.size:
        raise ValueError(
            f"{name} has labels {unknown[:5].tolist()} not seen in training (classes_ = "
            f"{classes.tolist()})"
        )
    out: NDArray[np.float64] = (y_arr == classes[1]).astype(np.float64)
    return out


def check_weight(
    sample_weight: Any, n: int, name: str = "sample_weight"
) -> NDArray[np.float64] | None:
    """Per-row weights as float64 of shape (n,): finite, non-negative, not all zero."""
    if sample_weight is None:
        return None
    w = np.asarray(sample_weight)
    if w.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be numeric, got dtype {w.dtype}")
    if w.ndim != 1 or w.shape[0] != n:
        raise ValueError(f"{name} has shape {w.shape}; expected ({n},), one weight per row")
    w = w.astype(np.float64)
    if not np.isfinite(w).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    if (w < 0).any():
        raise ValueError(f"{name} must be non-negative")
    if not (w > 0).any():
        raise ValueError(f"{name} is zero for every row: the model is undefined")
    return w


def n_rows(X: Any) -> int:
    """Number of rows of a feature matrix (array, DataFrame, sparse matrix or list)."""
    from sklearn.utils.validation import _num_samples

    return int(_num_samples(X))


def check_lengths(X: Any, y: NDArray[Any]) -> int:
    """Raise ValueError unless ``X`` has one row per label; return the row count."""
    n = n_rows(X)
    if n != len(y):
        raise ValueError(f"X has {n} rows but y has {len(y)} labels; they must match")
    return n


def proba_from_margin(loss: FocalLoss, margin: Any, calibrated: bool) -> NDArray[np.float64]:
    """``(n, 2)`` class probabilities ``[1 - q, q]`` from raw margins."""
    z = np.asarray(margin, dtype=np.float64).reshape(-1)
    q = np.asarray(loss.probability(z, calibrated=bool(calibrated)), dtype=np.float64)
    return np.column_stack([1.0 - q, q])


def labels_from_proba(classes: NDArray[Any], proba: NDArray[np.float64]) -> NDArray[Any]:
    """``classes_[1]`` where the class-1 probability exceeds 0.5, else ``classes_[0]``."""
    out: NDArray[Any] = np.asarray(classes)[(proba[:, 1] > 0.5).astype(np.intp)]
    return out


def loss_settings(est: Any, loss: FocalLoss) -> dict[str, Any]:
    """JSON-able record of the loss a model was trained with (alpha as given and as resolved)."""
    alpha = est.alpha
    return {
        "alpha": alpha if alpha is None or isinstance(alpha, str) else float(alpha),
        "alpha_": None if loss.alpha_ is None else float(np.asarray(loss.alpha_)),
        "gamma": float(est.gamma),
        "hessian": est.hessian,
    }
