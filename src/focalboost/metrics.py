"""Metrics for imbalanced binary classification, numpy only, with sample weights.

They agree with scikit-learn's ``average_precision_score``, ``roc_auc_score``, ``log_loss`` and
``brier_score_loss`` (tested), so the core needs no scikit-learn.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray


class ThresholdMetrics(NamedTuple):
    """Precision, recall and F1 of the positive class at one threshold (predict 1 if score >= it)."""

    threshold: float
    precision: float
    recall: float
    f1: float


def _inputs(
    y_true: ArrayLike, y_score: ArrayLike, sample_weight: ArrayLike | None
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    y = np.asarray(y_true)
    s_raw = np.asarray(y_score)
    if s_raw.dtype.kind not in "iubf":
        raise TypeError(f"y_score must be numeric, got dtype {s_raw.dtype}")
    s = s_raw.astype(np.float64)
    if y.ndim != 1 or s.shape != y.shape:
        raise ValueError(
            f"y_true and y_score must be 1-D of equal length, got {y.shape} and {s.shape}"
        )
    if y.size == 0:
        raise ValueError("y_true is empty")
    if y.dtype.kind not in "iubf" or not np.isin(y, (0, 1)).all():
        raise ValueError("y_true must hold only 0 and 1")
    if not np.isfinite(s).all():
        raise ValueError("y_score contains NaN or infinite values")
    if sample_weight is None:
        w = np.ones_like(s)
    else:
        w_raw = np.asarray(sample_weight)
        if w_raw.dtype.kind not in "iubf":
            raise TypeError(f"sample_weight must be numeric, got dtype {w_raw.dtype}")
        w = w_raw.astype(np.float64)
    if w.shape != y.shape or not np.isfinite(w).all() or (w < 0).any():
        raise ValueError("sample_weight must be finite, non-negative and shaped like y_true")
    if not w.sum() > 0:
        raise ValueError("sample_weight sums to zero: every row has zero weight")
    return y.astype(np.float64), s, w


def _curve(
    y: NDArray[np.float64], s: NDArray[np.float64], w: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Cumulative weighted true and false positives at each distinct score, descending."""
    order = np.argsort(-s, kind="mergesort")
    s, y, w = s[order], y[order], w[order]
    last_of_tie = np.r_[np.flatnonzero(np.diff(s)), s.size - 1]
    tp = np.cumsum(y * w)[last_of_tie]
    fp = np.cumsum((1.0 - y) * w)[last_of_tie]
    return tp, fp, s[last_of_tie]


def _need_both_classes(tp: NDArray[np.float64], fp: NDArray[np.float64], name: str) -> None:
    if tp[-1] <= 0 or fp[-1] <= 0:
        raise ValueError(f"{name} needs both classes (with positive weight) in y_true")


def average_precision(
    y_true: ArrayLike, y_score: ArrayLike, sample_weight: ArrayLike | None = None
) -> float:
    """Area under the precision-recall curve as the step sum ``sum_k (R_k - R_{k-1}) P_k`` (PR-AUC)."""
    tp, fp, _ = _curve(*_inputs(y_true, y_score, sample_weight))
    if tp[-1] <= 0:
        raise ValueError("average_precision needs at least one positive in y_true")
    precision = tp / (tp + fp)
    recall = tp / tp[-1]
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def roc_auc(y_true: ArrayLike, y_score: ArrayLike, sample_weight: ArrayLike | None = None) -> float:
    """Area under the ROC curve (ties count one half)."""
    tp, fp, _ = _curve(*_inputs(y_true, y_score, sample_weight))
    _need_both_classes(tp, fp, "roc_auc")
    tpr = np.r_[0.0, tp / tp[-1]]
    fpr = np.r_[0.0, fp / fp[-1]]
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1])) / 2.0)  # trapezoids between points


def best_f1_threshold(
    y_true: ArrayLike, y_score: ArrayLike, sample_weight: ArrayLike | None = None
) -> ThresholdMetrics:
    """The score threshold with the highest F1 of the positive class, and its precision and recall."""
    tp, fp, thresholds = _curve(*_inputs(y_true, y_score, sample_weight))
    if tp[-1] <= 0:
        raise ValueError("best_f1_threshold needs at least one positive in y_true")
    precision = tp / (tp + fp)
    recall = tp / tp[-1]
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(tp > 0, 2 * precision * recall / (precision + recall), 0.0)
    k = int(np.argmax(f1))
    return ThresholdMetrics(
        float(thresholds[k]), float(precision[k]), float(recall[k]), float(f1[k])
    )


def log_loss(y_true: ArrayLike, y_prob: ArrayLike, sample_weight: ArrayLike | None = None) -> float:
    """Weighted mean of ``-y log p - (1-y) log(1-p)``; probabilities are clipped to [eps, 1-eps]."""
    y, p, w = _inputs(y_true, y_prob, sample_weight)
    _check_probability(p)
    eps = np.finfo(np.float64).eps
    p = np.clip(p, eps, 1 - eps)
    return float(np.average(-(y * np.log(p) + (1 - y) * np.log1p(-p)), weights=w))


def brier(y_true: ArrayLike, y_prob: ArrayLike, sample_weight: ArrayLike | None = None) -> float:
    """Weighted mean squared difference between probability and label."""
    y, p, w = _inputs(y_true, y_prob, sample_weight)
    _check_probability(p)
    return float(np.average((p - y) ** 2, weights=w))


def _check_probability(p: NDArray[Any]) -> None:
    if (p < 0).any() or (p > 1).any():
        raise ValueError("probabilities must lie in [0, 1]")


def summary(
    y_true: ArrayLike, y_prob: ArrayLike, sample_weight: ArrayLike | None = None
) -> dict[str, float]:
    """ROC-AUC, PR-AUC, precision/recall/F1 at the best-F1 threshold, log-loss and Brier score."""
    best = best_f1_threshold(y_true, y_prob, sample_weight)
    return {
        "roc_auc": roc_auc(y_true, y_prob, sample_weight),
        "pr_auc": average_precision(y_true, y_prob, sample_weight),
        "precision": best.precision,
        "recall": best.recall,
        "f1": best.f1,
        "threshold": best.threshold,
        "log_loss": log_loss(y_true, y_prob, sample_weight),
        "brier": brier(y_true, y_prob, sample_weight),
    }
