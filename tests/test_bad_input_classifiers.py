"""Bad input to FocalXGBClassifier / FocalLGBMClassifier: clear errors, never a silent wrong model."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("sklearn")
pytest.importorskip("xgboost")
lightgbm = pytest.importorskip("lightgbm")
pd = pytest.importorskip("pandas")

from sklearn.base import clone  # noqa: E402

from focalboost import FocalLGBMClassifier, FocalLoss, FocalXGBClassifier  # noqa: E402

RNG = np.random.default_rng(0)
X = RNG.normal(size=(200, 4))
Y = (X[:, 0] + RNG.normal(size=200) > 1).astype(int)
XGB = FocalXGBClassifier(n_estimators=3, n_jobs=1, max_depth=2)
LGB = FocalLGBMClassifier(n_estimators=3, n_jobs=1, verbose=-1, min_child_samples=5)
BOTH = pytest.mark.parametrize("proto", [XGB, LGB], ids=["xgb", "lgbm"])


@BOTH
@pytest.mark.parametrize("alpha", [0.0, 1.0, 0, 1])
def test_alpha_zero_or_one_is_refused_at_fit(proto, alpha):
    with pytest.raises(ValueError, match=r"alpha=.*zero weight"):
        clone(proto).set_params(alpha=alpha).fit(X, Y)


@BOTH
@pytest.mark.parametrize("value", [0, -1])
def test_n_estimators_below_one_is_refused(proto, value):
    with pytest.raises(ValueError, match="n_estimators must be >= 1"):
        clone(proto).set_params(n_estimators=value).fit(X, Y)


@BOTH
@pytest.mark.parametrize("value", [np.nan, np.inf, 0.0, -0.1])
def test_learning_rate_must_be_finite_positive(proto, value):
    with pytest.raises(ValueError, match="learning_rate must be finite and > 0"):
        clone(proto).set_params(learning_rate=value).fit(X, Y)


@BOTH
def test_a_class_with_zero_total_weight_is_refused(proto):
    with pytest.raises(ValueError, match="class 1 has zero total sample_weight"):
        clone(proto).fit(X, Y, sample_weight=1.0 - Y)


def test_lgbm_class_weight_zeroing_a_class_is_refused():
    with pytest.raises(ValueError, match="class 1 has zero total sample_weight \\* class_weight"):
        clone(LGB).set_params(class_weight={0: 1, 1: 0}).fit(X, Y)


@BOTH
def test_weights_that_underflow_or_overflow_float32_are_refused(proto):
    with pytest.raises(ValueError, match=r"sample_weight has positive values below .* float32"):
        clone(proto).fit(X, Y, sample_weight=np.full(len(Y), 1e-300))
    with pytest.raises(ValueError, match=r"sample_weight sums to .* float32"):
        clone(proto).fit(X, Y, sample_weight=np.full(len(Y), 1e300))


@BOTH
def test_calibrated_changed_after_fit_is_checked_at_predict(proto):
    clf = clone(proto).fit(X, Y)
    clf.set_params(calibrated="x")
    with pytest.raises(TypeError, match="calibrated must be True or False"):
        clf.predict_proba(X[:2])


@BOTH
def test_zero_rows_predict_empty(proto):
    clf = clone(proto).fit(X, Y)
    assert clf.predict_proba(X[:0]).shape == (0, 2)
    assert clf.predict(X[:0]).shape == (0,)
    assert clf.decision_function(X[:0]).shape == (0,)


@BOTH
def test_eval_set_with_other_columns_or_rows_is_refused(proto):
    with pytest.raises(ValueError, match=r"eval_set\[0\] X has 3 features, but X has 4"):
        clone(proto).fit(X, Y, eval_set=[(X[:, :3], Y)])
    with pytest.raises(ValueError, match=r"eval_set\[0\] X has 200 rows but its y has 195"):
        clone(proto).fit(X, Y, eval_set=[(X, Y[:-5])])


@pytest.mark.parametrize(
    ("proto", "key"),
    [(XGB, "sample_weight_eval_set"), (LGB, "eval_sample_weight")],
    ids=["xgb", "lgbm"],
)
@pytest.mark.parametrize(
    ("weights", "message"),
    [
        (np.r_[np.nan, np.ones(199)], "contains NaN"),
        (np.r_[-1.0, np.ones(199)], "must be non-negative"),
        (np.zeros(200), "is zero for every row"),
    ],
)
def test_eval_weights_are_validated(proto, key, weights, message):
    with pytest.raises(ValueError, match=rf"{key}\[0\] {message}"):
        clone(proto).fit(X, Y, eval_set=[(X, Y)], **{key: [weights]})


def test_xgb_eval_set_bare_tuple_is_a_type_error():
    with pytest.raises(TypeError, match=r"eval_set must be a list of \(X, y\) tuples"):
        clone(XGB).fit(X, Y, eval_set=(X, Y))


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        (np.where(np.eye(200, 4) > 0, np.inf, X), ValueError, "X contains infinite values"),
        (X[:, :0], ValueError, "X has 0 features"),
        (X.astype(str), TypeError, "X must be numeric"),
    ],
)
def test_xgb_bad_X_is_named(data, error, message):
    with pytest.raises(error, match=message):
        clone(XGB).fit(data, Y)


def test_xgb_non_finite_base_margin_is_named():
    with pytest.raises(ValueError, match="base_margin contains NaN"):
        clone(XGB).fit(X, Y, base_margin=np.r_[np.nan, np.zeros(199)])


def test_xgb_classes_before_fit_says_so():
    with pytest.raises(AttributeError, match="classes_ is set by fit"):
        _ = FocalXGBClassifier().classes_


@pytest.mark.parametrize("key", ["objective", "objective_type", "app", "application", "loss"])
def test_lgbm_every_objective_alias_is_refused(key):
    with pytest.raises(ValueError, match=f"{key}='binary'"):
        clone(LGB).set_params(**{key: "binary"}).fit(X, Y)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("is_unbalance", True),
        ("unbalance", True),
        ("unbalanced_sets", True),
        ("scale_pos_weight", 10),
        ("scale_pos_weight", True),
    ],
)
def test_lgbm_class_balancing_flags_are_refused(key, value):
    with pytest.raises(ValueError, match=f"{key}=True|{key}=10"):
        clone(LGB).set_params(**{key: value}).fit(X, Y)


@pytest.mark.parametrize("value", [True, 3])
def test_xgb_scale_pos_weight_true_is_refused(value):
    with pytest.raises(ValueError, match="scale_pos_weight is ignored"):
        clone(XGB).set_params(scale_pos_weight=value).fit(X, Y)


def test_lgbm_start_iteration_that_skips_the_intercept_is_refused():
    clf = clone(LGB).fit(X, Y)
    for method in (clf.predict_proba, clf.decision_function, clf.predict):
        with pytest.raises(ValueError, match="start_iteration=1: the intercept"):
            method(X[:5], start_iteration=1)
    np.testing.assert_array_equal(
        clf.decision_function(X[:5], start_iteration=0), clf.decision_function(X[:5])
    )


def test_lgbm_feature_names_must_match_fit():
    frame = pd.DataFrame(X, columns=list("abcd"))
    clf = clone(LGB).fit(frame, Y)
    with pytest.raises(ValueError, match="different feature names"):
        clf.predict_proba(frame[list("dcba")])
    with pytest.raises(ValueError, match="different feature names"):
        clf.predict_proba(frame.set_axis(list("wxyz"), axis=1))
    np.testing.assert_array_equal(clf.predict_proba(frame.copy()), clf.predict_proba(frame))


def test_lgbm_categorical_feature_out_of_range_is_refused():
    with pytest.raises(ValueError, match="categorical_feature index 10 is out of range"):
        clone(LGB).fit(X, Y, categorical_feature=[10])


def test_lgbm_eval_class_weight_unknown_key_is_refused():
    with pytest.raises(ValueError, match=r"eval_class_weight\[0\] has keys \[7\]"):
        clone(LGB).fit(X, Y, eval_set=[(X, Y)], eval_class_weight=[{0: 1, 7: 3}])


def test_float_labels_that_are_whole_numbers_are_accepted_and_fractional_refused():
    clf = clone(XGB).fit(X, np.where(Y == 1, 2.0, -1.0))
    assert clf.classes_.tolist() == [-1.0, 2.0]
    with pytest.raises(ValueError, match="continuous"):
        clone(XGB).fit(X, np.where(Y == 1, 2.0, 0.5))


def test_focal_loss_weights_underflowing_float32_are_refused():
    with pytest.raises(ValueError, match="sample_weight has positive values that underflow"):
        FocalLoss().grad_hess(
            np.array([0.0, 1.0], dtype=np.float32),
            np.zeros(2, dtype=np.float32),
            np.array([1e-300, 1.0]),
        )
    with pytest.raises(ValueError, match="sample_weight has values that overflow float32"):
        FocalLoss().grad_hess(
            np.array([0.0, 1.0], dtype=np.float32),
            np.zeros(2, dtype=np.float32),
            np.array([1e300, 1.0]),
        )
