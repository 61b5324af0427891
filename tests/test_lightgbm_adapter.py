"""FocalLoss with LightGBM on real data: adapters, weights, early stopping, intercept, persistence."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from focalboost import FocalLoss

lgb = pytest.importorskip("lightgbm")
flgb = pytest.importorskip("focalboost.lgb")
metrics = pytest.importorskip("sklearn.metrics")

PARAMS = {
    "num_leaves": 15,
    "learning_rate": 0.1,
    "num_threads": 1,
    "verbose": -1,
    "seed": 0,
    "deterministic": True,
}


def _dataset(s, weight=None, **kw):
    return lgb.Dataset(s.X_train, s.y_train, weight=weight, categorical_feature=s.categorical, **kw)


def test_focal_model_beats_constant_predictor(hmda_split):
    s = hmda_split
    fl = FocalLoss()
    booster = flgb.train(PARAMS, _dataset(s), 100, loss=fl)
    margin = booster.predict(s.X_test, raw_score=True)
    ap = metrics.average_precision_score(s.y_test, margin)
    assert ap > 2 * s.y_test.mean()  # a constant score has AP = positive rate
    constant = np.full_like(margin, fl.init_margin(s.y_train))
    assert fl.loss(s.y_test, margin).mean() < fl.loss(s.y_test, constant).mean()


def test_objective_applies_dataset_weights(hmda_split):
    s = hmda_split
    rng = np.random.default_rng(0)
    w = rng.uniform(0.1, 3.0, s.y_train.size)
    preds = rng.normal(-1.0, 2.0, s.y_train.size)
    fl = FocalLoss(alpha=0.3, gamma=1.5)
    grad, hess = fl.lgb_objective(preds, _dataset(s, weight=w).construct())
    # LightGBM stores labels and weights as float32.
    grad_ref, hess_ref = fl.grad_hess(
        s.y_train.astype(np.float32).astype(np.float64), preds, w.astype(np.float32)
    )
    np.testing.assert_allclose(grad, grad_ref, rtol=1e-12)
    np.testing.assert_allclose(hess, hess_ref, rtol=1e-12)
    grad_unw, _ = fl.lgb_objective(preds, _dataset(s).construct())
    assert not np.allclose(grad, grad_unw)


def test_metric_is_weighted_mean_focal_loss(hmda_split):
    s = hmda_split
    rng = np.random.default_rng(1)
    w = rng.uniform(0.1, 3.0, s.y_test.size)
    preds = rng.normal(-1.0, 2.0, s.y_test.size)
    fl = FocalLoss(alpha=0.3, gamma=1.5)
    ds = lgb.Dataset(s.X_test, s.y_test, weight=w).construct()
    name, value, higher_better = fl.lgb_metric(preds, ds)
    per_row = fl.loss(s.y_test, preds)
    assert (name, higher_better) == ("focal", False)
    assert value == pytest.approx(np.sum(per_row * w) / np.sum(w), rel=1e-6)
    assert value != pytest.approx(per_row.mean(), rel=1e-3)


def test_recorded_metric_matches_final_raw_scores(hmda_split):
    """The validation set starts from the intercept too, and the folded model reproduces it."""
    s = hmda_split
    fl = FocalLoss()
    w = np.random.default_rng(2).uniform(0.5, 2.0, s.y_test.size)
    train = _dataset(s)
    valid = lgb.Dataset(s.X_test, s.y_test, weight=w, reference=train)
    history: dict = {}
    booster = flgb.train(
        PARAMS,
        train,
        20,
        loss=fl,
        valid_sets=[valid],
        valid_names=["valid"],
        callbacks=[lgb.record_evaluation(history)],
    )
    margin = booster.predict(s.X_test, raw_score=True)
    expected = np.average(fl.loss(s.y_test, margin), weights=w)
    assert history["valid"]["focal"][-1] == pytest.approx(expected, rel=1e-6)
    assert history["valid"]["focal"][-1] < history["valid"]["focal"][0]


def test_weights_change_the_model(hmda_split):
    s = hmda_split
    fl = FocalLoss()
    w = np.random.default_rng(3).uniform(0.1, 3.0, s.y_train.size)
    plain = flgb.train(PARAMS, _dataset(s), 10, loss=fl)
    weighted = flgb.train(PARAMS, _dataset(s, weight=w), 10, loss=fl)
    assert not np.allclose(
        plain.predict(s.X_test, raw_score=True),
        weighted.predict(s.X_test, raw_score=True),
        atol=1e-3,
    )


def test_weight_two_equals_duplicated_rows(hmda_split):
    # lambda_l2 = 1 makes leaf values depend on the Hessian scale, so a model that ignored the
    # weights would differ from the duplicated one.  Small trees: LightGBM estimates leaf row
    # counts from Hessian sums, and near small leaves those estimates (which weights halve and
    # duplication does not) can flip a split.
    s = hmda_split
    fl = FocalLoss()
    params = {**PARAMS, "num_leaves": 4, "lambda_l2": 1.0, "min_data_in_leaf": 1}
    twice = flgb.train(params, _dataset(s, weight=np.full(s.y_train.size, 2.0)), 10, loss=fl)
    X2, y2 = np.vstack([s.X_train, s.X_train]), np.concatenate([s.y_train, s.y_train])
    duplicated = flgb.train(
        params, lgb.Dataset(X2, y2, categorical_feature=s.categorical), 10, loss=fl
    )
    plain = flgb.train(params, _dataset(s), 10, loss=fl)
    m_twice = twice.predict(s.X_test, raw_score=True)
    np.testing.assert_allclose(
        m_twice, duplicated.predict(s.X_test, raw_score=True), rtol=1e-9, atol=1e-12
    )
    assert not np.allclose(m_twice, plain.predict(s.X_test, raw_score=True), atol=1e-3)


def test_early_stopping_on_focal_metric(hmda_split):
    s = hmda_split
    rounds, patience = 400, 10
    train = _dataset(s)
    history: dict = {}
    booster = flgb.train(
        {**PARAMS, "num_leaves": 63, "learning_rate": 0.3, "min_data_in_leaf": 5},
        train,
        rounds,
        loss=FocalLoss(),
        valid_sets=[lgb.Dataset(s.X_test, s.y_test, reference=train)],
        valid_names=["valid"],
        callbacks=[
            lgb.early_stopping(patience, verbose=False),
            lgb.record_evaluation(history),
        ],
    )
    assert 0 < booster.best_iteration < rounds - patience
    curve = history["valid"]["focal"]
    assert len(curve) == booster.best_iteration + patience
    assert min(curve) == curve[booster.best_iteration - 1]


def _tree_section(booster):
    text = booster.model_to_string()
    tree = text.split("Tree=0\n", 1)[1].split("\n\n", 1)[0]
    return dict(line.split("=", 1) for line in tree.splitlines() if "=" in line)


def test_gamma0_grows_the_same_first_tree_as_binary(hmda_split):
    s = hmda_split
    fl = FocalLoss(alpha=None, gamma=0.0)
    m0 = fl.init_margin(s.y_train)
    params = {**PARAMS, "learning_rate": 0.5}

    def dataset():
        return _dataset(s, init_score=np.full(s.y_train.size, m0))

    # With an init_score LightGBM's built-in objective does not boost from the average.
    binary = lgb.train({**params, "objective": "binary"}, dataset(), 1)
    focal = lgb.train({**params, "objective": fl.lgb_objective}, dataset(), 1)
    tree_b, tree_f = _tree_section(binary), _tree_section(focal)
    assert int(tree_b["num_leaves"]) > 2
    for key in (
        "split_feature",
        "threshold",
        "decision_type",
        "left_child",
        "right_child",
        "leaf_count",
        "cat_threshold",
        "cat_boundaries",
    ):
        assert tree_b.get(key) == tree_f.get(key), key
    np.testing.assert_allclose(
        np.array(tree_f["leaf_value"].split(), dtype=float),
        np.array(tree_b["leaf_value"].split(), dtype=float),
        rtol=1e-6,
    )
    np.testing.assert_allclose(
        focal.predict(s.X_test, raw_score=True), binary.predict(s.X_test, raw_score=True), rtol=1e-6
    )


def test_round_zero_margin_is_init_margin(hmda_split):
    """Trees that cannot split leave only the intercept folded into the first one."""
    s = hmda_split
    fl = FocalLoss(alpha=0.25)
    frozen = flgb.train({**PARAMS, "min_gain_to_split": 1e12}, _dataset(s), 3, loss=fl)
    expected = fl.init_margin(s.y_train)
    assert expected != pytest.approx(0.0)
    np.testing.assert_allclose(
        frozen.predict(s.X_test, raw_score=True), np.full(s.y_test.size, expected), rtol=1e-12
    )


def test_intercept_is_in_the_first_iteration(hmda_split):
    s = hmda_split
    fl = FocalLoss()
    m0 = fl.init_margin(s.y_train)
    folded = flgb.train(PARAMS, _dataset(s), 5, loss=fl)
    raw = lgb.train(
        {**PARAMS, "objective": fl.lgb_objective},
        _dataset(s, init_score=np.full(s.y_train.size, m0)),
        5,
    )
    for it in (1, 5):
        np.testing.assert_allclose(
            folded.predict(s.X_test, raw_score=True, num_iteration=it),
            raw.predict(s.X_test, raw_score=True, num_iteration=it) + m0,
            rtol=1e-12,
            atol=1e-12,
        )


def test_saved_model_round_trip(hmda_split, tmp_path: Path):
    s = hmda_split
    booster = flgb.train(PARAMS, _dataset(s), 15, loss=FocalLoss())
    before = booster.predict(s.X_test, raw_score=True)
    from_string = lgb.Booster(model_str=booster.model_to_string())
    np.testing.assert_array_equal(from_string.predict(s.X_test, raw_score=True), before)
    booster.save_model(tmp_path / "model.txt")
    from_file = lgb.Booster(model_file=tmp_path / "model.txt")
    np.testing.assert_array_equal(from_file.predict(s.X_test, raw_score=True), before)


def test_train_rejects_objective_and_preset_valid_init_score(hmda_split):
    s = hmda_split
    with pytest.raises(ValueError, match="objective"):
        flgb.train({"objective": "binary"}, _dataset(s), 1, loss=FocalLoss())
    with pytest.raises(TypeError, match="FocalLoss"):
        flgb.train(PARAMS, _dataset(s), 1, loss="focal")
    train = _dataset(s)
    valid = lgb.Dataset(s.X_test, s.y_test, init_score=np.zeros(s.y_test.size), reference=train)
    with pytest.raises(ValueError, match="init_score"):
        flgb.train(PARAMS, train, 1, loss=FocalLoss(), valid_sets=[valid])


def test_datasets_can_be_trained_on_again(hmda_split):
    """The init_score a first call set is replaced, not mistaken for the user's own."""
    s = hmda_split
    train = _dataset(s)
    valid = lgb.Dataset(s.X_test, s.y_test, reference=train)
    first = flgb.train(PARAMS, train, 5, loss=FocalLoss(), valid_sets=[valid])
    alpha = 0.5
    second = flgb.train(PARAMS, train, 5, loss=FocalLoss(alpha=alpha), valid_sets=[valid])
    fresh = flgb.train(PARAMS, _dataset(s), 5, loss=FocalLoss(alpha=alpha))
    assert FocalLoss(alpha=alpha).init_margin(s.y_train) != pytest.approx(
        FocalLoss().init_margin(s.y_train)
    )
    np.testing.assert_allclose(
        second.predict(s.X_test, raw_score=True),
        fresh.predict(s.X_test, raw_score=True),
        rtol=1e-12,
    )
    assert not np.allclose(
        first.predict(s.X_test, raw_score=True), second.predict(s.X_test, raw_score=True)
    )
