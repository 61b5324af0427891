"""Engine-independent parts of the focal-loss classifiers: labels, weights, probabilities."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from focalboost._validation import check_float32_weight
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
    loss = FocalLoss(alpha=est.alpha, gamma=est.gamma, hessian=est.hessian)
    check_alpha_not_degenerate(est.alpha)
    check_n_estimators(est.n_estimators)
    check_learning_rate(getattr(est, "learning_rate", None))
    return loss


def check_alpha_not_degenerate(alpha: Any, name: str = "alpha") -> None:
    """Reject an alpha of exactly 0 or 1 (per output too): one class would get zero weight."""
    if alpha is None or isinstance(alpha, str):
        return
    arr = np.asarray(alpha, dtype=np.float64)
    if np.any((arr == 0.0) | (arr == 1.0)):
        raise ValueError(
            f"{name}={alpha!r} gives one class zero weight: the model ignores that class and "
            "its calibrated probabilities are undefined; use a value strictly between 0 and 1"
        )


def check_n_estimators(value: Any) -> None:
    """``n_estimators`` must be None (the engine default) or an int >= 1."""
    if value is None:
        return
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"n_estimators must be an int >= 1, got {value!r}")
    if value < 1:
        raise ValueError(f"n_estimators must be >= 1, got {value}")


def check_learning_rate(value: Any) -> None:
    """``learning_rate`` must be None (the engine default) or a finite float > 0."""
    if value is None:
        return
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"learning_rate must be a positive float, got {value!r}")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"learning_rate must be finite and > 0, got {value!r}")


def is_false_or_none(value: Any) -> bool:
    """True for None and False: the only values of a boolean engine flag that change nothing."""
    return value is None or (isinstance(value, (bool, np.bool_)) and not value)


def is_one_or_none(value: Any) -> bool:
    """True for None and the number 1 (not ``True``): a neutral ``scale_pos_weight``."""
    return value is None or (
        not isinstance(value, (bool, np.bool_)) and isinstance(value, numbers.Real) and value == 1
    )


def binary_tags(tags: Any) -> Any:
    """scikit-learn tags of a binary, single-output classifier."""
    tags.classifier_tags.multi_class = False
    tags.classifier_tags.multi_label = False
    tags.target_tags.multi_output = False
    return tags


def binary_more_tags(parent: Any) -> dict[str, Any]:
    """:func:`binary_tags` as the ``_more_tags`` dict of scikit-learn < 1.6, over the engine's own.

    ``parent`` is ``super()`` in the estimator; engines that build their new-style tags from
    ``_more_tags`` (LightGBM) need their own keys kept.
    """
    more = getattr(parent, "_more_tags", None)
    tags: dict[str, Any] = dict(more()) if more is not None else {}
    tags.update(binary_only=True, multilabel=False, multioutput=False)
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
    check_float32_weight(w, name)
    return w


def check_class_weight_totals(
    weight: NDArray[np.float64] | None, y01: NDArray[np.float64], classes: NDArray[Any], name: str
) -> None:
    """Both classes need positive total weight, or the focal-optimal intercept is infinite."""
    if weight is None:
        return
    for k in (0, 1):
        if not weight[y01 == k].sum() > 0:
            label = classes[k].item() if isinstance(classes[k], np.generic) else classes[k]
            raise ValueError(
                f"class {label!r} has zero total {name}: a binary classifier needs weight "
                "on both classes"
            )


def check_eval_set(eval_set: Any, name: str = "eval_set") -> list[tuple[Any, Any]]:
    """``eval_set`` as a list of (X, y) pairs; TypeError for anything else (e.g. a bare tuple)."""
    if eval_set is None:
        return []
    if isinstance(eval_set, tuple) or not isinstance(eval_set, (list, Sequence)):
        raise TypeError(f"{name} must be a list of (X, y) tuples, got {type(eval_set).__name__}")
    for i, pair in enumerate(eval_set):
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise TypeError(f"{name} must be a list of (X, y) tuples; {name}[{i}] is not a pair")
    return [(Xe, ye) for Xe, ye in eval_set]


def n_features(X: Any) -> int | None:
    """Number of columns of a 2-D feature matrix, or None when it has no 2-D shape."""
    shape = getattr(X, "shape", None)
    if shape is None:
        shape = np.asarray(X).shape
    return int(shape[1]) if len(shape) == 2 else None


def check_eval_data(
    X: Any, eval_pairs: list[tuple[Any, Any]], weights: Any, weights_name: str, name: str
) -> list[Any]:
    """Each evaluation set has X's columns and one label per row; validate its weights."""
    d = n_features(X) if eval_pairs else None
    for i, (Xe, ye) in enumerate(eval_pairs):
        de = n_features(Xe)
        if d is not None and de is not None and de != d:
            raise ValueError(f"{name}[{i}] X has {de} features, but X has {d}")
        ne, ny = n_rows(Xe), (np.shape(ye)[0] if np.ndim(ye) else 1)
        if ny != ne:
            raise ValueError(f"{name}[{i}] X has {ne} rows but its y has {ny} labels")
        cols_e, cols = getattr(Xe, "columns", None), getattr(X, "columns", None)
        if cols is not None and cols_e is not None and list(cols_e) != list(cols):
            raise ValueError(f"{name}[{i}] X has different feature names from X")
    if weights is None:
        return [None] * len(eval_pairs)
    if not isinstance(weights, (list, tuple)) or len(weights) != len(eval_pairs):
        raise ValueError(
            f"{weights_name} must be a list with one entry (array or None) per evaluation set "
            f"({len(eval_pairs)})"
        )
    return [
        None if w is None else check_weight(w, n_rows(Xe), f"{weights_name}[{i}]")
        for i, (w, (Xe, _)) in enumerate(zip(weights, eval_pairs, strict=True))
    ]


def check_feature_names(est: Any, X: Any) -> None:
    """Raise ValueError when a DataFrame's columns differ from those seen in fit."""
    fitted = est.__dict__.get("_focal_feature_names")
    columns = getattr(X, "columns", None)
    if fitted is None or columns is None:
        return
    if [str(c) for c in columns] != fitted:
        raise ValueError(
            "X has different feature names (or order) from those seen in fit: "
            f"got {[str(c) for c in columns][:10]}, expected {fitted[:10]}"
        )


def feature_names_of(X: Any) -> list[str] | None:
    columns = getattr(X, "columns", None)
    return None if columns is None else [str(c) for c in columns]


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
    if not isinstance(calibrated, (bool, np.bool_)):  # set_params after fit is possible
        raise TypeError(f"calibrated must be True or False, got {calibrated!r}")
    if z.size == 0:
        return np.empty((0, 2), dtype=np.float64)
    q = np.asarray(loss.probability(z, calibrated=calibrated), dtype=np.float64)
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
