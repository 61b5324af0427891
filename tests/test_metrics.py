"""The numpy metrics agree with scikit-learn's, with ties and weights."""

from __future__ import annotations

import numpy as np
import pytest

from focalboost import metrics

skm = pytest.importorskip("sklearn.metrics")


@pytest.fixture(params=[0, 1, 2])
def case(request: pytest.FixtureRequest) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(request.param)
    y = (rng.random(400) < 0.1).astype(int)
    y[:2] = [0, 1]
    score = np.round(rng.normal(size=400) + y, 1)  # rounding creates many ties
    weight = rng.uniform(0.1, 3.0, size=400)
    return y, score, weight


@pytest.mark.parametrize("weighted", [False, True])
def test_ranking_metrics_match_sklearn(case, weighted: bool) -> None:
    y, score, weight = case
    w = weight if weighted else None
    assert metrics.roc_auc(y, score, w) == pytest.approx(
        skm.roc_auc_score(y, score, sample_weight=w), rel=1e-12
    )
    assert metrics.average_precision(y, score, w) == pytest.approx(
        skm.average_precision_score(y, score, sample_weight=w), rel=1e-12
    )


@pytest.mark.parametrize("weighted", [False, True])
def test_probability_metrics_match_sklearn(case, weighted: bool) -> None:
    y, score, weight = case
    w = weight if weighted else None
    prob = 1 / (1 + np.exp(-score))
    assert metrics.log_loss(y, prob, w) == pytest.approx(
        skm.log_loss(y, prob, sample_weight=w), rel=1e-12
    )
    assert metrics.brier(y, prob, w) == pytest.approx(
        skm.brier_score_loss(y, prob, sample_weight=w), rel=1e-12
    )


def test_best_f1_threshold_is_the_best_over_all_thresholds(case) -> None:
    y, score, weight = case
    best = metrics.best_f1_threshold(y, score, weight)
    f1s = [skm.f1_score(y, score >= t, sample_weight=weight) for t in np.unique(score)]
    assert best.f1 == pytest.approx(max(f1s), rel=1e-12)
    pred = score >= best.threshold
    assert best.precision == pytest.approx(
        skm.precision_score(y, pred, sample_weight=weight), rel=1e-12
    )
    assert best.recall == pytest.approx(skm.recall_score(y, pred, sample_weight=weight), rel=1e-12)


def test_bad_input_is_rejected() -> None:
    with pytest.raises(ValueError, match="only 0 and 1"):
        metrics.roc_auc([0, 2, 1], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="both classes"):
        metrics.roc_auc([1, 1], [0.1, 0.2])
    with pytest.raises(ValueError, match="NaN"):
        metrics.average_precision([0, 1], [np.nan, 0.2])
    with pytest.raises(ValueError, match="equal length"):
        metrics.log_loss([0, 1], [0.5])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        metrics.brier([0, 1], [0.5, 1.5])


@pytest.mark.parametrize(
    "fn",
    [
        metrics.average_precision,
        metrics.roc_auc,
        metrics.best_f1_threshold,
        metrics.log_loss,
        metrics.brier,
        metrics.summary,
    ],
)
def test_string_scores_and_zero_total_weight_are_rejected(fn) -> None:
    y = np.array([0, 1, 0, 1, 1, 0])
    s = np.array([0.1, 0.9, 0.3, 0.6, 0.2, 0.2])
    with pytest.raises(TypeError, match="y_score must be numeric"):
        fn(y, np.array(["0.1"] * 6))
    with pytest.raises(TypeError, match="sample_weight must be numeric"):
        fn(y, s, np.array(["1"] * 6))
    with pytest.raises(ValueError, match="sample_weight sums to zero"):
        fn(y, s, np.zeros(6))
