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


# ---------------------------------------------------------------------- XGBoost
XGB_PARAMS = {"tree_method": "hist", "nthread": 1, "max_depth": 2}


def test_xgb_train_with_user_base_margin_adds_no_hidden_base_score():
    offset = np.linspace(-1.0, 1.0, len(Y))
    booster = fxgb.train(
        XGB_PARAMS, xgboost.DMatrix(X, label=Y, base_margin=offset), 3, loss=FocalLoss()
    )
    with_offset = booster.predict(xgboost.DMatrix(X, base_margin=offset), output_margin=True)
    without = booster.predict(xgboost.DMatrix(X), output_margin=True)
    # The trees are all the model holds: the offset adds exactly, and no 0.5 default sneaks in.
    np.testing.assert_allclose(with_offset - without, offset, rtol=0, atol=1e-6)
    leaf_sum = booster.predict(xgboost.DMatrix(X), pred_contribs=True).sum(axis=1)
    np.testing.assert_allclose(without, leaf_sum, rtol=0, atol=1e-5)


def test_xgb_train_without_labels_names_dtrain():
    with pytest.raises(ValueError, match="dtrain has no labels"):
        fxgb.train(XGB_PARAMS, xgboost.DMatrix(X), 2, loss=FocalLoss())


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_xgb_train_non_finite_base_margin_is_named(bad):
    offset = np.r_[bad, np.zeros(len(Y) - 1)]
    with pytest.raises(ValueError, match="dtrain has a base_margin with NaN or infinite"):
        fxgb.train(XGB_PARAMS, xgboost.DMatrix(X, label=Y, base_margin=offset), 2, loss=FocalLoss())
    dvalid = xgboost.DMatrix(X, label=Y, base_margin=offset)
    with pytest.raises(ValueError, match=r"evals\[0\] has a base_margin"):
        fxgb.train(
            XGB_PARAMS,
            xgboost.DMatrix(X, label=Y),
            2,
            loss=FocalLoss(),
            evals=[(dvalid, "valid")],
        )


def test_xgb_train_accepts_a_list_of_pairs_with_repeated_keys():
    pairs = [*XGB_PARAMS.items(), ("eval_metric", "auc"), ("eval_metric", "logloss")]
    result: dict = {}
    dtrain = xgboost.DMatrix(X, label=Y)
    booster = fxgb.train(
        pairs,
        dtrain,
        3,
        loss=FocalLoss(),
        evals=[(dtrain, "train")],
        evals_result=result,
        custom_metric=None,
    )
    reference = fxgb.train(XGB_PARAMS, dtrain, 3, loss=FocalLoss())
    np.testing.assert_array_equal(
        booster.predict(dtrain, output_margin=True), reference.predict(dtrain, output_margin=True)
    )
    assert set(result["train"]) == {"auc", "logloss"}


@pytest.mark.parametrize("bad", [[("max_depth",)], "max_depth=2", [1, 2]])
def test_xgb_train_bad_params_type(bad):
    with pytest.raises(TypeError, match="params must be a dict"):
        fxgb.train(bad, xgboost.DMatrix(X, label=Y), 2, loss=FocalLoss())


def test_xgb_train_list_params_objective_still_checked():
    with pytest.raises(ValueError, match="identity link"):
        fxgb.train(
            [("objective", "binary:logistic")], xgboost.DMatrix(X, label=Y), 2, loss=FocalLoss()
        )
