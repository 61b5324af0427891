"""FocalMultiLabelClassifier: shapes, thresholds, per-label parameters, constant labels, parallelism."""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")
pytest.importorskip("xgboost")
pytest.importorskip("lightgbm")

from sklearn.base import clone

from focalboost import FocalLoss
from focalboost.multilabel import ConstantLabelWarning, FocalMultiLabelClassifier

CONFIGS = [
    pytest.param({"backend": "xgboost"}, id="xgb-ovr"),
    pytest.param({"backend": "lightgbm"}, id="lgb-ovr"),
    pytest.param({"strategy": "native"}, id="xgb-native-per-tree"),
    pytest.param(
        {"strategy": "native", "multi_strategy": "multi_output_tree"}, id="xgb-native-vec"
    ),
]


def make_data(n: int = 300, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5))
    logits = np.column_stack([X[:, 0] * 2 - 2, X[:, 1] + X[:, 2], X[:, 3] - X[:, 4] - 1])
    Y = (rng.random((n, 3)) < 1 / (1 + np.exp(-logits))).astype(np.int64)
    return X, Y


def model(**kw: object) -> FocalMultiLabelClassifier:
    kw.setdefault("n_estimators", 10)
    kw.setdefault("max_depth", 3)
    kw.setdefault("n_jobs", 1)
    return FocalMultiLabelClassifier(**kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("config", CONFIGS)
def test_shapes_and_ranges(config: dict[str, object]) -> None:
    X, Y = make_data()
    clf = model(**config).fit(X, Y)
    assert clf.n_labels_ == 3
    assert clf.n_features_in_ == 5
    proba = clf.predict_proba(X[:50])
    assert proba.shape == (50, 3)
    assert np.isfinite(proba).all()
    assert ((proba > 0) & (proba < 1)).all()
    margin = clf.decision_function(X[:50])
    assert margin.shape == (50, 3)
    pred = clf.predict(X[:50])
    assert pred.shape == (50, 3)
    assert set(np.unique(pred)) <= {0, 1}
    # the model learned something: every label ranks its positives above its negatives
    full = clf.predict_proba(X)
    for j in range(3):
        assert full[Y[:, j] == 1, j].mean() > full[Y[:, j] == 0, j].mean()


def test_native_one_output_per_tree_equals_one_vs_rest() -> None:
    # Per-target trees with a (n, k) objective are k independent boosters: the same model.
    X, Y = make_data()
    kw = {"alpha": [0.25, 0.5, 0.75], "gamma": [2.0, 0.0, 1.0]}
    ovr = model(**kw).fit(X, Y)
    native = model(strategy="native", **kw).fit(X, Y)
    assert len(native.boosters_) == 1
    assert len(ovr.boosters_) == 3
    np.testing.assert_allclose(native.decision_function(X), ovr.decision_function(X), rtol=1e-5)
    vector_leaf = model(strategy="native", multi_strategy="multi_output_tree", **kw).fit(X, Y)
    assert not np.allclose(vector_leaf.decision_function(X), ovr.decision_function(X))


def test_threshold_scalar_and_per_label() -> None:
    X, Y = make_data()
    clf = model().fit(X, Y)
    proba = clf.predict_proba(X)
    np.testing.assert_array_equal(clf.predict(X), (proba >= 0.5).astype(int))
    np.testing.assert_array_equal(clf.predict(X, threshold=0.2), (proba >= 0.2).astype(int))
    thr = [0.1, 0.5, 0.9]
    pred = clf.predict(X, threshold=thr)
    for j, t in enumerate(thr):
        np.testing.assert_array_equal(pred[:, j], (proba[:, j] >= t).astype(int))
    assert clf.predict(X, threshold=0.0).all()
    assert pred.dtype.kind == "i"
    with pytest.raises(ValueError, match="threshold has 2 values but there are 3 labels"):
        clf.predict(X, threshold=[0.5, 0.5])
    with pytest.raises(ValueError, match=r"threshold must lie in \[0, 1\]"):
        clf.predict(X, threshold=1.5)
    with pytest.raises(TypeError, match="threshold"):
        clf.predict(X, threshold="high")


@pytest.mark.parametrize("config", CONFIGS[:3])
def test_calibrated_switch(config: dict[str, object]) -> None:
    X, Y = make_data()
    kw = {"alpha": [0.25, 0.5, 0.9], "gamma": [2.0, 1.0, 3.0], **config}
    clf = model(**kw).fit(X, Y)
    margin = clf.decision_function(X)
    proba = clf.predict_proba(X)
    for j in range(3):
        loss = FocalLoss(alpha=clf.alpha_[j], gamma=clf.gamma_[j])
        np.testing.assert_allclose(proba[:, j], loss.probability(margin[:, j]), rtol=1e-12)
    raw = clf.set_params(calibrated=False).predict_proba(X)
    np.testing.assert_allclose(raw, 1 / (1 + np.exp(-margin)), rtol=1e-12)
    # alpha = 0.25, gamma = 2: the raw sigmoid overstates the rare label (Lin et al.'s prior shift)
    assert raw[:, 0].mean() > proba[:, 0].mean()


def test_per_label_parameters_and_intercepts() -> None:
    X, Y = make_data()
    clf = model(alpha=[0.2, 0.5, 0.8], gamma=[0.0, 2.0, 4.0]).fit(X, Y)
    np.testing.assert_array_equal(clf.alpha_, [0.2, 0.5, 0.8])
    np.testing.assert_array_equal(clf.gamma_, [0.0, 2.0, 4.0])
    expected = [
        FocalLoss(alpha=a, gamma=g).init_margin(Y[:, j])
        for j, (a, g) in enumerate(zip([0.2, 0.5, 0.8], [0.0, 2.0, 4.0], strict=True))
    ]
    np.testing.assert_allclose(clf.intercept_, expected, rtol=1e-12)
    # each label is trained with its own settings: column 1 equals a one-label model with (0.5, 2)
    single = model(alpha=0.5, gamma=2.0).fit(X, Y[:, [1]])
    np.testing.assert_allclose(
        clf.decision_function(X)[:, 1], single.decision_function(X)[:, 0], rtol=1e-6
    )
    scalar = model(alpha=0.3, gamma=1.5).fit(X, Y)
    np.testing.assert_array_equal(scalar.alpha_, [0.3] * 3)
    np.testing.assert_array_equal(scalar.gamma_, [1.5] * 3)
    no_alpha = model(alpha=None).fit(X, Y)
    assert no_alpha.alpha_ is None


def test_balanced_alpha_per_column_with_weights() -> None:
    X, Y = make_data()
    clf = model(alpha="balanced").fit(X, Y)
    np.testing.assert_allclose(clf.alpha_, 1 - Y.mean(axis=0), rtol=1e-12)
    w = np.random.default_rng(1).uniform(0.5, 2.0, size=len(Y))
    weighted = model(alpha="balanced").fit(X, Y, sample_weight=w)
    np.testing.assert_allclose(weighted.alpha_, 1 - np.average(Y, axis=0, weights=w), rtol=1e-12)
    np.testing.assert_allclose(weighted.label_rate_, np.average(Y, axis=0, weights=w), rtol=1e-12)
    for j in range(3):
        loss = FocalLoss(alpha=weighted.alpha_[j], gamma=2.0)
        assert weighted.intercept_[j] == pytest.approx(loss.init_margin(Y[:, j], w), rel=1e-12)


@pytest.mark.parametrize("config", CONFIGS)
def test_constant_label_columns(config: dict[str, object]) -> None:
    X, Y = make_data()
    Yc = np.column_stack([Y[:, 0], np.zeros(len(Y), int), Y[:, 1], np.ones(len(Y), int)])
    with pytest.warns(ConstantLabelWarning, match=r"1 \(all 0\), 3 \(all 1\)"):
        clf = model(alpha="balanced", **config).fit(X, Yc)
    np.testing.assert_array_equal(clf.constant_labels_, [False, True, False, True])
    proba = clf.predict_proba(X)
    assert np.isfinite(proba).all()
    np.testing.assert_array_equal(proba[:, 1], 0.0)
    np.testing.assert_array_equal(proba[:, 3], 1.0)
    np.testing.assert_array_equal(clf.predict(X)[:, [1, 3]], np.tile([0, 1], (len(X), 1)))
    margin = clf.decision_function(X)
    assert (margin[:, 1] < 0).all()
    assert (margin[:, 3] > 0).all()
    # the other labels are exactly what a model without the constant columns gives
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConstantLabelWarning)
        reference = model(alpha="balanced", **config).fit(X, Y[:, :2])
    np.testing.assert_allclose(proba[:, [0, 2]], reference.predict_proba(X), rtol=1e-6)


@pytest.mark.parametrize("config", CONFIGS[:3])
def test_all_labels_constant(config: dict[str, object]) -> None:
    X, _ = make_data(50)
    Y = np.column_stack([np.zeros(50), np.ones(50)])
    with pytest.warns(ConstantLabelWarning):
        clf = model(**config).fit(X, Y)
    assert clf.boosters_ == []
    np.testing.assert_array_equal(clf.predict_proba(X), np.tile([0.0, 1.0], (50, 1)))


def test_zero_weight_rows_do_not_count_for_constant_labels() -> None:
    X, Y = make_data()
    Y = Y.copy()
    Y[:, 2] = 0
    Y[0, 2] = 1
    w = np.ones(len(Y))
    w[0] = 0.0
    with pytest.warns(ConstantLabelWarning, match=r"2 \(all 0\)"):
        clf = model(alpha="balanced").fit(X, Y, sample_weight=w)
    np.testing.assert_array_equal(clf.predict_proba(X)[:, 2], 0.0)


@pytest.mark.parametrize("backend", ["xgboost", "lightgbm"])
def test_n_jobs_gives_the_same_model(backend: str) -> None:
    X, Y = make_data()
    serial = model(backend=backend, n_jobs=1).fit(X, Y).predict_proba(X)
    threads = model(backend=backend, n_jobs=2).fit(X, Y).predict_proba(X)
    np.testing.assert_array_equal(serial, threads)


@pytest.mark.parametrize("backend", ["xgboost", "lightgbm"])
def test_random_state_seeds_the_engine(backend: str) -> None:
    X, Y = make_data()
    sub = (
        {"subsample": 0.5} if backend == "xgboost" else {"bagging_fraction": 0.5, "bagging_freq": 1}
    )
    a = model(backend=backend, random_state=1, engine_params=sub).fit(X, Y).predict_proba(X)
    b = model(backend=backend, random_state=1, engine_params=sub).fit(X, Y).predict_proba(X)
    c = model(backend=backend, random_state=2, engine_params=sub).fit(X, Y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_engine_params_reach_the_engine() -> None:
    X, Y = make_data()
    stumps = model(engine_params={"max_leaves": 2, "grow_policy": "lossguide"}).fit(X, Y)
    dump = stumps.boosters_[0].get_dump()
    assert all(tree.count("leaf=") <= 2 for tree in dump)
    lgb = model(backend="lightgbm", engine_params={"num_leaves": 2}).fit(X, Y)
    assert all(t["num_leaves"] <= 2 for t in lgb.boosters_[0].dump_model()["tree_info"])


@pytest.mark.parametrize("backend", ["xgboost", "lightgbm"])
def test_categorical_features(backend: str) -> None:
    rng = np.random.default_rng(3)
    code = rng.integers(0, 4, size=400).astype(float)
    X = np.column_stack([code, rng.normal(size=400)])
    # only code 2 is positive-prone: a categorical split isolates it in one step
    Y = np.column_stack([(code == 2) & (rng.random(400) < 0.9), rng.random(400) < 0.3]).astype(int)
    clf = model(backend=backend, categorical_features=[0], n_estimators=20).fit(X, Y)
    proba = clf.predict_proba(X)[:, 0]
    assert proba[code == 2].min() > proba[code != 2].max()
    with pytest.raises(ValueError, match="non-negative integer codes"):
        model(backend=backend, categorical_features=[1]).fit(X, Y)


def test_lazy_export_keeps_import_light() -> None:
    code = (
        "import sys, focalboost; "
        "assert not {'xgboost', 'lightgbm', 'sklearn'} & set(sys.modules), sorted(sys.modules); "
        "cls = focalboost.FocalMultiLabelClassifier; "
        "assert cls.__module__ == 'focalboost.multilabel'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    import focalboost

    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        focalboost.Nope  # noqa: B018


def test_get_params_clone_set_params() -> None:
    alpha = [0.1, 0.2, 0.3]
    engine = {"subsample": 0.9}
    est = FocalMultiLabelClassifier(
        "lightgbm", alpha=alpha, gamma=1.0, n_estimators=7, engine_params=engine
    )
    params = est.get_params()
    assert params["alpha"] is alpha
    assert params["engine_params"] is engine
    assert params["backend"] == "lightgbm"
    assert params["n_estimators"] == 7
    cloned = clone(est)
    assert cloned.get_params()["alpha"] == alpha
    assert cloned.get_params()["n_estimators"] == 7
    X, Y = make_data()
    est.fit(X, Y)
    assert est.alpha is alpha  # fit does not touch the parameters
    assert est.engine_params == {"subsample": 0.9}
    fresh = clone(est)
    assert not hasattr(fresh, "boosters_")
    assert fresh.set_params(gamma=3.0, backend="xgboost") is fresh
    assert fresh.gamma == 3.0
    assert fresh.backend == "xgboost"
    # an invalid value is only rejected at fit, as scikit-learn expects
    bad = FocalMultiLabelClassifier(backend="catboost")
    assert bad.backend == "catboost"


# ---------------------------------------------------------------------- bad input
def _small_problem():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(120, 3))
    Y = np.column_stack([X[:, 0] > 0.5, X[:, 1] + X[:, 2] > 0]).astype(int)
    return X, Y


@pytest.mark.parametrize("alpha", [0.0, 1.0, [0.3, 1.0], [0, 0.5]])
def test_alpha_zero_or_one_is_refused_at_fit(alpha):
    X, Y = _small_problem()
    with pytest.raises(ValueError, match=r"alpha=.*zero weight"):
        FocalMultiLabelClassifier(n_estimators=2, alpha=alpha).fit(X, Y)


@pytest.mark.parametrize(
    ("backend", "params"),
    [
        ("xgboost", {"scale_pos_weight": 10}),
        ("xgboost", {"num_class": 3}),
        ("lightgbm", {"scale_pos_weight": 10}),
        ("lightgbm", {"is_unbalance": True}),
        ("lightgbm", {"unbalance": True}),
        ("lightgbm", {"num_class": 3}),
        ("lightgbm", {"application": "binary"}),
    ],
)
def test_engine_params_that_cannot_work_are_refused(backend, params):
    X, Y = _small_problem()
    key = next(iter(params))
    with pytest.raises(ValueError, match=rf"engine_params\['{key}'\] is not allowed"):
        FocalMultiLabelClassifier(backend, n_estimators=2, engine_params=params).fit(X, Y)


@pytest.mark.parametrize("key", ["boosting", "boosting_type", "boost"])
def test_lightgbm_random_forest_mode_is_refused(key):
    X, Y = _small_problem()
    with pytest.raises(ValueError, match="random forest mode does not take a custom objective"):
        FocalMultiLabelClassifier(
            "lightgbm", n_estimators=2, engine_params={key: "rf", "bagging_fraction": 0.5}
        ).fit(X, Y)


def test_weights_that_underflow_or_overflow_float32_are_refused():
    X, Y = _small_problem()
    clf = FocalMultiLabelClassifier(n_estimators=2)
    with pytest.raises(ValueError, match=r"sample_weight has positive values below .* float32"):
        clf.fit(X, Y, sample_weight=np.full(len(Y), 1e-300))
    with pytest.raises(ValueError, match=r"sample_weight sums to .* float32"):
        clf.fit(X, Y, sample_weight=np.full(len(Y), 1e300))


def test_pandas_category_column_is_refused_with_encoding_advice():
    pd = pytest.importorskip("pandas")
    X, Y = _small_problem()
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    frame["c"] = pd.Categorical(np.where(X[:, 2] > 0, 10, 30))
    with pytest.raises(
        TypeError, match=r"\['c'\] have pandas 'category' dtype.*categorical_features"
    ):
        FocalMultiLabelClassifier(n_estimators=2).fit(frame, Y)


def test_lightgbm_backend_trains_on_tiny_data():
    X, Y = _small_problem()
    clf = FocalMultiLabelClassifier("lightgbm", n_estimators=2, alpha=0.5, gamma=0.0)
    clf.fit(X[:12], Y[:12])  # too few rows for LightGBM's default feature pre-filtering
    rate = Y[:12].mean(axis=0)
    np.testing.assert_allclose(clf.predict_proba(X[:12]), np.tile(rate, (12, 1)), rtol=1e-9)
