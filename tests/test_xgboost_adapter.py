"""FocalLoss with XGBoost on real data: adapters, weights, early stopping, intercept, persistence."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from focalboost import FocalLoss

xgb = pytest.importorskip("xgboost")
fxgb = pytest.importorskip("focalboost.xgb")
metrics = pytest.importorskip("sklearn.metrics")

PARAMS = {"tree_method": "hist", "max_depth": 3, "learning_rate": 0.1, "nthread": 1, "seed": 0}


def _margin(booster, X):
    return fxgb.predict_margin(booster, xgb.DMatrix(X))


def test_focal_model_beats_constant_predictor(hmda_split):
    s = hmda_split
    fl = FocalLoss()
    booster = fxgb.train(PARAMS, xgb.DMatrix(s.X_train, s.y_train), 150, loss=fl)
    margin = _margin(booster, s.X_test)
    ap = metrics.average_precision_score(s.y_test, margin)
    # A constant score has average precision equal to the positive rate.
    assert ap > 2 * s.y_test.mean()
    constant = np.full_like(margin, fl.init_margin(s.y_train))
    assert fl.loss(s.y_test, margin).mean() < fl.loss(s.y_test, constant).mean()


def test_objective_applies_dmatrix_weights(hmda_split):
    s = hmda_split
    rng = np.random.default_rng(0)
    w = rng.uniform(0.1, 3.0, s.y_train.size)
    predt = rng.normal(-1.0, 2.0, s.y_train.size).astype(np.float32)
    fl = FocalLoss(alpha=0.3, gamma=1.5)
    grad, hess = fl.xgb_objective(predt, xgb.DMatrix(s.X_train, s.y_train, weight=w))
    grad_ref, hess_ref = fl.grad_hess(s.y_train.astype(np.float32), predt, w.astype(np.float32))
    np.testing.assert_array_equal(grad, grad_ref)
    np.testing.assert_array_equal(hess, hess_ref)
    grad_unw, _ = fl.xgb_objective(predt, xgb.DMatrix(s.X_train, s.y_train))
    assert not np.allclose(grad, grad_unw)


def test_metric_is_weighted_mean_focal_loss(hmda_split):
    s = hmda_split
    rng = np.random.default_rng(1)
    w = rng.uniform(0.1, 3.0, s.y_test.size)
    predt = rng.normal(-1.0, 2.0, s.y_test.size).astype(np.float32)
    fl = FocalLoss(alpha=0.3, gamma=1.5)
    name, value = fl.xgb_metric(predt, xgb.DMatrix(s.X_test, s.y_test, weight=w))
    per_row = fl.loss(s.y_test, predt.astype(np.float64))
    assert name == "focal"
    assert value == pytest.approx(np.sum(per_row * w) / np.sum(w), rel=1e-6)
    assert value != pytest.approx(per_row.mean(), rel=1e-3)


def test_recorded_metric_matches_final_margins(hmda_split):
    s = hmda_split
    fl = FocalLoss()
    w = np.random.default_rng(2).uniform(0.5, 2.0, s.y_test.size)
    dvalid = xgb.DMatrix(s.X_test, s.y_test, weight=w)
    history: dict = {}
    booster = fxgb.train(
        PARAMS,
        xgb.DMatrix(s.X_train, s.y_train),
        20,
        loss=fl,
        evals=[(dvalid, "valid")],
        evals_result=history,
        verbose_eval=False,
    )
    margin = booster.predict(dvalid, output_margin=True).astype(np.float64)
    expected = np.average(fl.loss(s.y_test, margin), weights=w)
    # XGBoost reports custom metrics through "%f" text: 6 decimals.
    assert history["valid"]["focal"][-1] == pytest.approx(expected, abs=5e-7)
    assert history["valid"]["focal"][-1] < history["valid"]["focal"][0]


def test_weights_change_the_model(hmda_split):
    s = hmda_split
    fl = FocalLoss()
    w = np.random.default_rng(3).uniform(0.1, 3.0, s.y_train.size)
    plain = fxgb.train(PARAMS, xgb.DMatrix(s.X_train, s.y_train), 10, loss=fl)
    weighted = fxgb.train(PARAMS, xgb.DMatrix(s.X_train, s.y_train, weight=w), 10, loss=fl)
    assert not np.allclose(_margin(plain, s.X_test), _margin(weighted, s.X_test), atol=1e-3)


def test_weight_two_equals_duplicated_rows(hmda_split):
    # With lambda = 1 a model that ignored the weights would differ from the duplicated one.
    s = hmda_split
    fl = FocalLoss()
    params = {**PARAMS, "max_depth": 4, "reg_lambda": 1.0}
    twice = fxgb.train(
        params,
        xgb.DMatrix(s.X_train, s.y_train, weight=np.full(s.y_train.size, 2.0)),
        5,
        loss=fl,
    )
    X2, y2 = np.vstack([s.X_train, s.X_train]), np.concatenate([s.y_train, s.y_train])
    duplicated = fxgb.train(params, xgb.DMatrix(X2, y2), 5, loss=fl)
    plain = fxgb.train(params, xgb.DMatrix(s.X_train, s.y_train), 5, loss=fl)
    m_twice = _margin(twice, s.X_test)
    np.testing.assert_allclose(m_twice, _margin(duplicated, s.X_test), rtol=1e-6, atol=1e-6)
    assert not np.allclose(m_twice, _margin(plain, s.X_test), atol=1e-3)


def test_early_stopping_on_focal_metric(hmda_split):
    s = hmda_split
    rounds, patience = 400, 10
    booster = fxgb.train(
        {**PARAMS, "max_depth": 6, "learning_rate": 0.3},
        xgb.DMatrix(s.X_train, s.y_train),
        rounds,
        loss=FocalLoss(),
        evals=[(xgb.DMatrix(s.X_test, s.y_test), "valid")],
        early_stopping_rounds=patience,
        verbose_eval=False,
    )
    assert booster.best_iteration < rounds - patience
    assert booster.num_boosted_rounds() == booster.best_iteration + 1 + patience


def _json_trees(booster):
    return [json.loads(t) for t in booster.get_dump(dump_format="json")]


def _assert_same_tree(a, b):
    """Same splits (feature, threshold, children); leaf values equal up to float32 rounding."""
    assert ("leaf" in a) == ("leaf" in b)
    if "leaf" in a:
        assert a["leaf"] == pytest.approx(b["leaf"], rel=1e-5, abs=1e-7)
        return
    assert (a["split"], a["split_condition"], a["yes"], a["no"], a["missing"]) == (
        b["split"],
        b["split_condition"],
        b["yes"],
        b["no"],
        b["missing"],
    )
    for ca, cb in zip(a["children"], b["children"], strict=True):
        _assert_same_tree(ca, cb)


def test_gamma0_grows_the_same_first_tree_as_logistic(hmda_split):
    s = hmda_split
    fl = FocalLoss(alpha=None, gamma=0.0)
    m0 = fl.init_margin(s.y_train)
    assert m0 == pytest.approx(np.log(s.y_train.mean() / (1 - s.y_train.mean())), rel=1e-12)
    dtrain = xgb.DMatrix(s.X_train, s.y_train)
    params = {**PARAMS, "max_depth": 4, "learning_rate": 0.5}
    logistic = xgb.train(
        {**params, "objective": "binary:logistic", "base_score": 1 / (1 + np.exp(-m0))}, dtrain, 1
    )
    focal = xgb.train({**params, "base_score": m0}, dtrain, 1, obj=fl.xgb_objective)
    (tree_l,), (tree_f,) = _json_trees(logistic), _json_trees(focal)
    assert "children" in tree_l  # the comparison is about splits, so there must be some
    _assert_same_tree(tree_l, tree_f)
    dtest = xgb.DMatrix(s.X_test)
    np.testing.assert_allclose(
        focal.predict(dtest, output_margin=True),
        logistic.predict(dtest, output_margin=True),
        rtol=1e-6,
        atol=1e-6,
    )
    # The helper reaches the same intercept by itself.
    helper = fxgb.train(params, dtrain, 1, loss=fl)
    _assert_same_tree(tree_l, _json_trees(helper)[0])


def test_round_zero_margin_is_init_margin(hmda_split):
    s = hmda_split
    fl = FocalLoss(alpha=0.25)
    dtrain = xgb.DMatrix(s.X_train, s.y_train)
    frozen = fxgb.train({**PARAMS, "learning_rate": 0.0}, dtrain, 3, loss=fl)
    expected = np.float32(fl.init_margin(s.y_train))
    assert expected != pytest.approx(0.0)
    np.testing.assert_array_equal(_margin(frozen, s.X_test), np.full(s.y_test.size, expected))
    assert json.loads(frozen.attr(fxgb.INTERCEPT_ATTR)) == [pytest.approx(float(expected))]


def test_balanced_alpha_is_recorded(hmda_split):
    s = hmda_split
    booster = fxgb.train(
        PARAMS, xgb.DMatrix(s.X_train, s.y_train), 2, loss=FocalLoss(alpha="balanced")
    )
    recorded = json.loads(booster.attr(fxgb.LOSS_ATTR))
    assert recorded["alpha"] == pytest.approx(1 - s.y_train.mean())
    assert recorded["gamma"] == 2.0


def test_saved_model_round_trip(hmda_split, tmp_path: Path):
    s = hmda_split
    booster = fxgb.train(PARAMS, xgb.DMatrix(s.X_train, s.y_train), 15, loss=FocalLoss())
    dtest = xgb.DMatrix(s.X_test)
    before = fxgb.predict_margin(booster, dtest)
    for name in ("model.json", "model.ubj"):
        booster.save_model(tmp_path / name)
        loaded = xgb.Booster(model_file=tmp_path / name)
        np.testing.assert_array_equal(fxgb.predict_margin(loaded, dtest), before)
        np.testing.assert_array_equal(loaded.predict(dtest, output_margin=True), before)
        assert loaded.attr(fxgb.INTERCEPT_ATTR) == booster.attr(fxgb.INTERCEPT_ATTR)
    raw = xgb.Booster()
    raw.load_model(bytearray(booster.save_raw("json")))
    np.testing.assert_array_equal(raw.predict(dtest, output_margin=True), before)


def _multi_target(yeast, k=3):
    return yeast.X, np.ascontiguousarray(yeast.y[:, :k])


def test_multi_target_per_column_intercept(yeast):
    X, Y = _multi_target(yeast)
    fl = FocalLoss()
    frozen = fxgb.train({**PARAMS, "learning_rate": 0.0}, xgb.DMatrix(X, Y), 2, loss=fl)
    margin = fxgb.predict_margin(frozen, xgb.DMatrix(X))
    expected = np.asarray(fl.init_margin(Y), dtype=np.float32)
    assert margin.shape == Y.shape
    assert np.unique(expected).size == Y.shape[1]  # the columns have different rates
    np.testing.assert_allclose(margin, np.broadcast_to(expected, Y.shape), rtol=1e-6)

    trained = fxgb.train(PARAMS, xgb.DMatrix(X, Y), 8, loss=fl)
    fitted = fxgb.predict_margin(trained, xgb.DMatrix(X))
    start = fl.loss(Y, np.broadcast_to(expected, Y.shape).astype(np.float64)).mean(axis=0)
    assert np.all(fl.loss(Y, fitted.astype(np.float64)).mean(axis=0) < start)


def test_multi_target_base_margin_fallback(yeast, monkeypatch: pytest.MonkeyPatch):
    """XGBoost < 3.1 cannot store a per-target intercept: it goes in as base_margin instead."""
    X, Y = _multi_target(yeast)
    fl = FocalLoss()
    in_model = fxgb.train(PARAMS, xgb.DMatrix(X, Y), 5, loss=fl)
    monkeypatch.setattr(fxgb, "version_tuple", lambda module: (3, 0, 0))
    dtrain = xgb.DMatrix(X, Y)
    fallback = fxgb.train(PARAMS, dtrain, 5, loss=fl)
    assert fallback.attr(fxgb.IN_MODEL_ATTR) == "0"
    assert dtrain.get_base_margin().size == Y.size
    dtest = xgb.DMatrix(X)
    np.testing.assert_allclose(
        fxgb.predict_margin(fallback, dtest),
        fxgb.predict_margin(in_model, dtest),
        rtol=1e-5,
        atol=1e-6,
    )


def test_user_base_margin_replaces_the_intercept(hmda_split):
    s = hmda_split
    fl = FocalLoss()
    m0 = fl.init_margin(s.y_train)
    dtrain = xgb.DMatrix(s.X_train, s.y_train, base_margin=np.full(s.y_train.size, m0))
    user = fxgb.train(PARAMS, dtrain, 5, loss=fl)
    helper = fxgb.train(PARAMS, xgb.DMatrix(s.X_train, s.y_train), 5, loss=fl)
    assert json.loads(user.attr(fxgb.INTERCEPT_ATTR)) == [0.0]
    trees_only = user.predict(xgb.DMatrix(s.X_test), output_margin=True)
    np.testing.assert_allclose(trees_only + m0, _margin(helper, s.X_test), rtol=1e-5, atol=1e-6)


def test_train_rejects_a_link_and_obj(hmda_split):
    s = hmda_split
    dtrain = xgb.DMatrix(s.X_train, s.y_train)
    with pytest.raises(ValueError, match="objective"):
        fxgb.train({"objective": "binary:logistic"}, dtrain, 1, loss=FocalLoss())
    with pytest.raises(TypeError, match="obj"):
        fxgb.train({}, dtrain, 1, loss=FocalLoss(), obj=lambda p, d: (p, p))
    with pytest.raises(TypeError, match="FocalLoss"):
        fxgb.train({}, dtrain, 1, loss="focal")
