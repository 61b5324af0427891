"""Bad input to the engine adapters (focalboost.lgb, focalboost.xgb): clear errors, no silent changes."""

from __future__ import annotations

import numpy as np
import pytest

from focalboost import FocalLoss

lightgbm = pytest.importorskip("lightgbm")
xgboost = pytest.importorskip("xgboost")
flgb = pytest.importorskip("focalboost.lgb")
fxgb = pytest.importorskip("focalboost.xgb")

RNG = np.random.default_rng(0)
X = RNG.normal(size=(300, 4))
Y = (X[:, 0] + RNG.normal(size=300) > 1.0).astype(float)
LGB_PARAMS = {"verbose": -1, "num_threads": 1, "seed": 0, "deterministic": True}


def _ds(**kw):
    return lightgbm.Dataset(X, label=Y, params={"verbose": -1}, **kw)


# ---------------------------------------------------------------------- LightGBM
def test_lgb_train_twice_on_same_dataset_gives_same_model():
    train_set, valid = _ds(), lightgbm.Dataset(X[:100], label=Y[:100])
    first = flgb.train(LGB_PARAMS, train_set, 5, loss=FocalLoss(), valid_sets=[valid])
    assert train_set.get_init_score() is None
    assert valid.get_init_score() is None
    second = flgb.train(LGB_PARAMS, train_set, 5, loss=FocalLoss(), valid_sets=[valid])
    fresh = flgb.train(LGB_PARAMS, _ds(), 5, loss=FocalLoss())
    np.testing.assert_array_equal(
        first.predict(X, raw_score=True), second.predict(X, raw_score=True)
    )
    np.testing.assert_array_equal(
        first.predict(X, raw_score=True), fresh.predict(X, raw_score=True)
    )


def test_lgb_train_keeps_a_user_init_score():
    offset = np.full(len(Y), 0.5)
    train_set = _ds(init_score=offset)
    flgb.train(LGB_PARAMS, train_set, 2, loss=FocalLoss())
    np.testing.assert_array_equal(train_set.get_init_score(), offset)


def test_lgb_train_without_labels_names_the_dataset():
    with pytest.raises(ValueError, match="train_set has no labels"):
        flgb.train(LGB_PARAMS, lightgbm.Dataset(X), 2, loss=FocalLoss())
    train_set = _ds()
    with pytest.raises(ValueError, match=r"valid_sets\[1\] has no labels"):
        flgb.train(
            LGB_PARAMS,
            train_set,
            2,
            loss=FocalLoss(),
            valid_sets=[train_set, lightgbm.Dataset(X, reference=train_set)],
        )


def test_lgb_train_string_labels_are_a_type_error():
    with pytest.raises(TypeError, match="train_set labels must be numeric"):
        flgb.train(
            LGB_PARAMS,
            lightgbm.Dataset(X, label=np.where(Y == 1, "a", "b")),
            2,
            loss=FocalLoss(),
        )


@pytest.mark.parametrize(
    "data",
    [
        (X[:20], Y[:20]),  # fewer rows than min_data_in_leaf * 2: pre-filtering drops every feature
        (np.ones((300, 2)), Y),  # constant features
    ],
)
def test_lgb_train_tiny_or_constant_data_trains(data):
    Xs, ys = data
    booster = flgb.train(
        LGB_PARAMS, lightgbm.Dataset(Xs, label=ys), 3, loss=FocalLoss(alpha=0.5, gamma=0.0)
    )
    # No split is possible, so the model is the intercept: the weighted log-odds of the labels.
    rate = ys.mean()
    np.testing.assert_allclose(
        booster.predict(Xs, raw_score=True), np.log(rate / (1 - rate)), rtol=1e-9
    )


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_lgb_fold_intercept_rejects_non_finite(bad):
    booster = flgb.train(LGB_PARAMS, _ds(), 2, loss=FocalLoss())
    before = booster.predict(X[:5], raw_score=True)
    with pytest.raises(ValueError, match="intercept must be finite"):
        flgb.fold_intercept(booster, bad)
    np.testing.assert_array_equal(booster.predict(X[:5], raw_score=True), before)
