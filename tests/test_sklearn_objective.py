"""FocalLoss.sklearn_objective inside XGBClassifier and LGBMClassifier."""

from __future__ import annotations

import numpy as np
import pytest

from focalboost import FocalLoss

metrics = pytest.importorskip("sklearn.metrics")


class RecordingFocalLoss(FocalLoss):
    """Remembers the sample weights the wrappers hand to the objective.

    The record is a class attribute: LightGBM's wrapper deep-copies its parameters, objective
    included, so an instance attribute would be written on a copy.
    """

    seen: list = []  # noqa: RUF012

    def sklearn_objective(self, y_true, y_pred, sample_weight=None):
        self.seen.append(None if sample_weight is None else np.array(sample_weight))
        return super().sklearn_objective(y_true, y_pred, sample_weight)


def _recording():
    RecordingFocalLoss.seen = []
    return RecordingFocalLoss()


def _xgb_classifier(fl, **kw):
    xgb = pytest.importorskip("xgboost")
    params = {"n_estimators": 60, "max_depth": 3, "learning_rate": 0.1, "n_jobs": 1}
    return xgb.XGBClassifier(objective=fl.sklearn_objective, **{**params, **kw})


def _lgb_classifier(fl, **kw):
    lgb = pytest.importorskip("lightgbm")
    params = {
        "n_estimators": 60,
        "num_leaves": 15,
        "learning_rate": 0.1,
        "n_jobs": 1,
        "verbose": -1,
        "deterministic": True,
    }
    return lgb.LGBMClassifier(objective=fl.sklearn_objective, **{**params, **kw})


def _xgb_margin(model, X):
    return model.predict(X, output_margin=True)


def _lgb_margin(model, X):
    return model.predict(X, raw_score=True)


ENGINES = [
    pytest.param(_xgb_classifier, _xgb_margin, id="xgboost"),
    pytest.param(_lgb_classifier, _lgb_margin, id="lightgbm"),
]


@pytest.mark.parametrize(("make", "margin"), ENGINES)
def test_classifier_trains_and_ranks(hmda_split, make, margin):
    s = hmda_split
    model = make(FocalLoss()).fit(s.X_train, s.y_train)
    ap = metrics.average_precision_score(s.y_test, margin(model, s.X_test))
    assert ap > 2 * s.y_test.mean()  # a constant score has AP = positive rate


@pytest.mark.parametrize(("make", "margin"), ENGINES)
def test_sample_weight_reaches_the_objective(hmda_split, make, margin):
    s = hmda_split
    w = np.random.default_rng(0).uniform(0.1, 3.0, s.y_train.size)
    weighted = make(_recording(), n_estimators=5).fit(s.X_train, s.y_train, sample_weight=w)
    assert len(RecordingFocalLoss.seen) == 5
    for seen in RecordingFocalLoss.seen:
        np.testing.assert_allclose(seen, w, rtol=1e-6)  # the engines hold weights as float32
    plain = make(_recording(), n_estimators=5).fit(s.X_train, s.y_train)
    assert len(RecordingFocalLoss.seen) == 5
    assert all(seen is None for seen in RecordingFocalLoss.seen)
    assert not np.allclose(margin(weighted, s.X_test), margin(plain, s.X_test), atol=1e-3)


@pytest.mark.parametrize(("make", "margin"), ENGINES)
def test_weight_two_equals_duplicated_rows(hmda_split, make, margin):
    # A regularised leaf value, G / (H + lambda), tells doubled weights from no weights; small trees
    # keep LightGBM's leaf row-count estimates (from Hessian sums) out of the way.
    s = hmda_split
    kw = {"n_estimators": 10, "reg_lambda": 1.0}
    if make is _lgb_classifier:
        kw.update(num_leaves=4, min_child_samples=1)
    twice = make(FocalLoss(), **kw).fit(
        s.X_train, s.y_train, sample_weight=np.full(s.y_train.size, 2.0)
    )
    X2, y2 = np.vstack([s.X_train, s.X_train]), np.concatenate([s.y_train, s.y_train])
    duplicated = make(FocalLoss(), **kw).fit(X2, y2)
    plain = make(FocalLoss(), **kw).fit(s.X_train, s.y_train)
    m_twice = margin(twice, s.X_test)
    np.testing.assert_allclose(m_twice, margin(duplicated, s.X_test), rtol=1e-6, atol=1e-6)
    assert not np.allclose(m_twice, margin(plain, s.X_test), atol=1e-3)


def test_xgb_classifier_base_score_recipe_starts_at_init_margin(hmda_split):
    """XGBClassifier runs a custom objective under a logistic link: base_score = sigmoid(m0)."""
    xgb = pytest.importorskip("xgboost")
    s = hmda_split
    fl = FocalLoss()
    m0 = fl.init_margin(s.y_train)
    base = float(fl.probability(np.array(m0), calibrated=False))
    frozen = xgb.XGBClassifier(
        objective=fl.sklearn_objective, n_estimators=2, learning_rate=0.0, base_score=base, n_jobs=1
    ).fit(s.X_train, s.y_train)
    np.testing.assert_allclose(frozen.predict(s.X_test, output_margin=True), m0, rtol=1e-6)
