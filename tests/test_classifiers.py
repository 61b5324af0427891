"""Behaviour of FocalXGBClassifier and FocalLGBMClassifier: labels, intercept, weights, calibration."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import numpy as np
import pytest

pytest.importorskip("sklearn")
xgboost = pytest.importorskip("xgboost")
lightgbm = pytest.importorskip("lightgbm")

from focalboost import FocalLGBMClassifier, FocalLoss, FocalXGBClassifier  # noqa: E402

ENGINES = {
    "xgboost": lambda **kw: FocalXGBClassifier(n_jobs=1, **kw),
    "lightgbm": lambda **kw: FocalLGBMClassifier(n_jobs=1, verbose=-1, **kw),
}


@pytest.fixture(params=sorted(ENGINES))
def make(request: pytest.FixtureRequest) -> Any:
    return ENGINES[request.param]


def _data(n: int = 400, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = (X[:, 0] + 0.5 * X[:, 1] + rng.normal(size=n) > 1.2).astype(int)
    return X, y


# ---------------------------------------------------------------------- import and labels
def test_import_focalboost_is_light() -> None:
    code = (
        "import sys, focalboost\n"
        "heavy = [m for m in ('xgboost', 'lightgbm', 'sklearn') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "assert 'FocalXGBClassifier' in focalboost.__all__\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(
    "labels",
    [
        (0, 1),
        (-1, 1),
        ("no", "yes"),
        (False, True),
        (1.0, 2.0),
    ],
)
def test_any_two_labels_map_through_classes(make: Any, labels: tuple[Any, Any]) -> None:
    X, y01 = _data()
    y = np.where(y01 == 1, labels[1], labels[0])
    reference = make(n_estimators=5).fit(X, y01)
    est = make(n_estimators=5).fit(X, y)
    assert est.classes_.tolist() == list(labels)
    pred = est.predict(X)
    assert set(np.unique(pred).tolist()) <= set(labels)
    assert np.asarray(pred).dtype == np.asarray(y).dtype
    np.testing.assert_array_equal(est.predict_proba(X), reference.predict_proba(X))
    np.testing.assert_array_equal(pred == labels[1], reference.predict(X) == 1)


def test_proba_shape_and_range(make: Any) -> None:
    X, y = _data()
    proba = make(n_estimators=10).fit(X, y).predict_proba(X)
    assert proba.shape == (len(X), 2)
    assert np.all((proba >= 0) & (proba <= 1))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=1e-12)


def test_predict_thresholds_calibrated_probability(make: Any) -> None:
    X, y = _data()
    est = make(n_estimators=10).fit(X, y)
    proba = est.predict_proba(X)[:, 1]
    np.testing.assert_array_equal(est.predict(X), (proba > 0.5).astype(int))
    margin = est.decision_function(X)
    assert margin.shape == (len(X),)
    np.testing.assert_allclose(proba, est.loss_.probability(margin), rtol=1e-12)
    # calibrated probabilities are increasing in the margin
    order = np.argsort(margin)
    assert np.all(np.diff(proba[order]) >= 0)
    # with calibrated=False they are the sigmoid of the margin
    raw = make(n_estimators=10, calibrated=False).fit(X, y)
    np.testing.assert_allclose(raw.predict_proba(X)[:, 1], 1 / (1 + np.exp(-margin)), rtol=1e-12)
    np.testing.assert_array_equal(raw.predict(X), (margin > 0).astype(int))


# ---------------------------------------------------------------------- intercept and calibration
@pytest.mark.parametrize(("rate", "alpha", "gamma"), [(0.01, 0.25, 2.0), (0.3, None, 1.0)])
def test_constant_model_recovers_the_rate(make: Any, rate: float, alpha: Any, gamma: float) -> None:
    n = 10_000
    y = np.zeros(n, dtype=int)
    y[: round(rate * n)] = 1
    # one feature without signal and leaves that cannot split: the model is the intercept
    X = np.tile(np.arange(2.0), n // 2)[:, None]
    est = make(n_estimators=2, alpha=alpha, gamma=gamma, min_child_weight=1e9)
    est.fit(X, y)
    loss = FocalLoss(alpha=alpha, gamma=gamma)
    assert est.intercept_ == pytest.approx(loss.init_margin(y), abs=1e-6)
    np.testing.assert_allclose(est.decision_function(X), est.intercept_, rtol=0, atol=1e-6)
    np.testing.assert_allclose(est.predict_proba(X)[:, 1], rate, rtol=0, atol=1e-6)
    raw = est.set_params(calibrated=False).predict_proba(X)[:, 1]
    np.testing.assert_allclose(raw, 1 / (1 + np.exp(-est.decision_function(X))), rtol=1e-12)
    if alpha == 0.25:  # the biased sigmoid the issue quotes: about 10.8 % for a 1 % rate
        assert raw[0] == pytest.approx(0.108, abs=0.001)


def test_weighted_rate_and_balanced_alpha(make: Any) -> None:
    X, y = _data()
    w = np.where(y == 1, 3.0, 1.0)
    est = make(n_estimators=3, alpha="balanced").fit(X, y, sample_weight=w)
    expected_alpha = 1 - np.average(y, weights=w)
    assert est.alpha_ == pytest.approx(expected_alpha, rel=1e-12)
    assert est.alpha == "balanced"  # the parameter is untouched
    loss = FocalLoss(alpha=expected_alpha)
    assert est.intercept_ == pytest.approx(loss.init_margin(y, w), abs=1e-6)


def test_calibrated_beats_raw_log_loss_on_real_data(make: Any) -> None:
    from sklearn.metrics import log_loss
    from sklearn.model_selection import train_test_split

    from focalboost.datasets import read_csv

    data_dir = _shared_data()
    for name in ("hmda_deny.csv", "email_spam.csv"):
        data = read_csv(data_dir / name)
        X_tr, X_te, y_tr, y_te = train_test_split(
            data.X, data.y, test_size=0.3, stratify=data.y, random_state=0
        )
        est = make(n_estimators=60, learning_rate=0.1, max_depth=3).fit(X_tr, y_tr)
        calibrated = log_loss(y_te, est.predict_proba(X_te))
        raw = log_loss(y_te, est.set_params(calibrated=False).predict_proba(X_te))
        assert calibrated < raw, (name, calibrated, raw)


def _shared_data() -> Any:
    from pathlib import Path

    path = Path(__file__).resolve().parents[1].parent / "shared" / "data"
    if not path.is_dir():
        pytest.skip(f"real datasets not found at {path}")
    return path


# ---------------------------------------------------------------------- sample weights
def test_weights_change_the_model_and_reach_the_objective(make: Any) -> None:
    X, y = _data()
    w = np.random.default_rng(1).integers(0, 4, size=len(y)).astype(float)
    unweighted = make(n_estimators=5).fit(X, y)
    weighted = make(n_estimators=5).fit(X, y, sample_weight=w)
    assert not np.allclose(unweighted.predict_proba(X), weighted.predict_proba(X))
    # the intercept uses the weights
    assert weighted.intercept_ == pytest.approx(FocalLoss().init_margin(y, w), abs=1e-6)


def test_weights_equal_repetition(make: Any) -> None:
    """Integer weights train the same trees as repeated rows (weights reach the gradients)."""
    X, y = _data(200)
    w = np.random.default_rng(2).integers(0, 4, size=len(y))
    # leaf-size limits that count rows rather than weights are switched off for LightGBM
    extra = {} if make is ENGINES["xgboost"] else {"min_child_samples": 1, "min_data_in_bin": 1}
    weighted = make(n_estimators=5, min_child_weight=1e-3, **extra)
    weighted.fit(X, y, sample_weight=w)
    repeated = make(n_estimators=5, min_child_weight=1e-3, **extra)
    repeated.fit(np.repeat(X, w, axis=0), np.repeat(y, w))
    kept = w > 0  # split thresholds may fall differently around zero-weight rows
    # XGBoost gets float32 gradients: grad*w and repeated sums differ by float32 rounding
    np.testing.assert_allclose(
        weighted.decision_function(X[kept]),
        repeated.decision_function(X[kept]),
        rtol=0,
        atol=1e-5,
    )


def test_lightgbm_class_weight_keys_are_original_labels() -> None:
    X, y = _data()
    labels = np.where(y == 1, "yes", "no")
    by_class = FocalLGBMClassifier(n_estimators=5, class_weight={"yes": 3.0}, verbose=-1)
    by_row = FocalLGBMClassifier(n_estimators=5, verbose=-1)
    by_class.fit(X, labels)
    by_row.fit(X, labels, sample_weight=np.where(y == 1, 3.0, 1.0))
    np.testing.assert_array_equal(by_class.predict_proba(X), by_row.predict_proba(X))
    assert by_class.intercept_ == by_row.intercept_
    assert by_class.class_weight == {"yes": 3.0}  # parameter untouched


def test_xgboost_builtin_metrics_see_the_sigmoid_of_the_margin() -> None:
    from sklearn.metrics import log_loss

    X, y = _data()
    est = FocalXGBClassifier(n_estimators=5, eval_metric="logloss", n_jobs=1)
    est.fit(X, y, eval_set=[(X, y)], verbose=False)
    logged = est.evals_result()["validation_0"]["logloss"][-1]
    margin = est.decision_function(X)
    assert logged == pytest.approx(log_loss(y, 1 / (1 + np.exp(-margin))), rel=1e-6)


# ---------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("y", "match"),
    [
        (np.array([0.0, 1.0, np.nan, 1.0]), "NaN"),
        (np.array([0, 1, 2, 1]), "Only binary classification is supported"),
        (np.array([1, 1, 1, 1]), "only one class"),
        (np.array([0, 1, 0]), "X has 4 rows but y has 3"),
        (np.array([[0, 1], [1, 0], [0, 1], [1, 0]]), "1-D"),
        (np.array([0.1, 0.5, 0.9, 0.3]), "label type"),
    ],
)
def test_bad_labels(make: Any, y: np.ndarray, match: str) -> None:
    X = np.arange(8.0).reshape(4, 2)
    with pytest.raises(ValueError, match=match):
        make(n_estimators=2).fit(X, y)


@pytest.mark.parametrize(
    ("params", "error", "match"),
    [
        ({"alpha": 1.5}, ValueError, "alpha must lie in"),
        ({"alpha": "auto"}, ValueError, "alpha must be"),
        ({"alpha": [0.2, 0.3]}, ValueError, "alpha must be a scalar"),
        ({"gamma": -1.0}, ValueError, "gamma must be finite and >= 0"),
        ({"gamma": "two"}, TypeError, "gamma must be"),
        ({"hessian": "newton"}, ValueError, "hessian must be one of"),
        ({"calibrated": "yes"}, TypeError, "calibrated must be True or False"),
        ({"objective": "binary:logitraw"}, ValueError, "leave objective unset"),
        ({"scale_pos_weight": 10.0}, ValueError, "scale_pos_weight is ignored"),
    ],
)
def test_bad_parameters_fail_at_fit(
    make: Any, params: dict[str, Any], error: type, match: str
) -> None:
    X, y = _data(50)
    est = make(n_estimators=2, **params)  # construction never validates (sklearn contract)
    with pytest.raises(error, match=match):
        est.fit(X, y)


def test_bad_weights_and_eval_labels(make: Any) -> None:
    X, y = _data(50)
    with pytest.raises(ValueError, match="sample_weight has shape"):
        make(n_estimators=2).fit(X, y, sample_weight=np.ones(3))
    with pytest.raises(ValueError, match="sample_weight must be non-negative"):
        make(n_estimators=2).fit(X, y, sample_weight=-np.ones(50))
    with pytest.raises(ValueError, match="zero"):
        make(n_estimators=2).fit(X, y, sample_weight=np.zeros(50))
    with pytest.raises(ValueError, match="not seen in training"):
        make(n_estimators=2).fit(X, y, eval_set=[(X, np.where(y == 1, 5, 0))])


def test_lightgbm_refuses_probability_metrics_on_margins() -> None:
    X, y = _data(100)
    with pytest.raises(ValueError, match="only rank metrics"):
        FocalLGBMClassifier(n_estimators=2, verbose=-1).fit(
            X, y, eval_set=[(X, y)], eval_metric="binary_logloss"
        )
    est = FocalLGBMClassifier(n_estimators=2, verbose=-1).fit(
        X, y, eval_set=[(X, y)], eval_metric="auc"
    )
    assert set(est.evals_result_["valid_0"]) == {"auc", "focal"}


# ---------------------------------------------------------------------- eval sets
def test_eval_set_early_stopping_on_focal_metric_includes_intercept(make: Any) -> None:
    X, y = _data(600)
    X_tr, y_tr, X_va, y_va = X[:300], y[:300], X[300:], y[300:]
    labels = np.array(["neg", "pos"])
    if make is ENGINES["xgboost"]:
        est = make(n_estimators=200, learning_rate=0.5, max_depth=6, early_stopping_rounds=5)
        est.fit(X_tr, labels[y_tr], eval_set=[(X_va, labels[y_va])], verbose=False)
        history = est.evals_result()["validation_0"]
        best = est.best_iteration
    else:
        est = make(n_estimators=200, learning_rate=0.5, num_leaves=63, min_child_samples=2)
        est.fit(
            X_tr,
            labels[y_tr],
            eval_set=[(X_va, labels[y_va])],
            callbacks=[lightgbm.early_stopping(5, verbose=False)],
        )
        history = est.evals_result_["valid_0"]
        best = est.best_iteration_ - 1
    assert list(history) == ["focal"]
    assert best < 150  # stopped early
    assert len(history["focal"]) == best + 6
    assert min(history["focal"]) == history["focal"][best]
    # the logged value is the focal loss of the margins the model predicts (intercept included)
    margin = est.decision_function(X_va)
    expected = float(np.mean(est.loss_.loss(y_va, margin)))
    assert history["focal"][best] == pytest.approx(expected, rel=1e-5)


# ---------------------------------------------------------------------- persistence
@pytest.mark.parametrize("how", ["pickle", "joblib"])
def test_pickle_and_joblib_round_trip(make: Any, how: str, tmp_path: Any) -> None:
    import pickle

    import joblib

    X, y = _data()
    est = make(n_estimators=5, alpha="balanced").fit(X, np.where(y == 1, "yes", "no"))
    if how == "pickle":
        clone = pickle.loads(pickle.dumps(est))
    else:
        joblib.dump(est, tmp_path / "m.joblib")
        clone = joblib.load(tmp_path / "m.joblib")
    np.testing.assert_array_equal(clone.predict_proba(X), est.predict_proba(X))
    np.testing.assert_array_equal(clone.predict(X), est.predict(X))
    assert clone.intercept_ == est.intercept_
    assert clone.alpha_ == est.alpha_


@pytest.mark.parametrize("suffix", ["json", "ubj"])
def test_xgboost_save_load_model(suffix: str, tmp_path: Any) -> None:
    X, y = _data()
    labels = np.array(["no", "yes"])
    est = FocalXGBClassifier(n_estimators=5, alpha="balanced", gamma=1.5, n_jobs=1)
    est.fit(X, labels[y])
    path = tmp_path / f"model.{suffix}"
    est.save_model(path)
    loaded = FocalXGBClassifier()
    loaded.load_model(path)
    np.testing.assert_array_equal(loaded.predict_proba(X), est.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
    assert loaded.classes_.tolist() == ["no", "yes"]
    assert loaded.intercept_ == est.intercept_
    assert (loaded.alpha, loaded.gamma, loaded.alpha_) == ("balanced", 1.5, est.alpha_)
    assert loaded.base_score is None  # derived at fit time, not a loaded hyper-parameter
    # the intercept is inside the plain booster too
    booster = xgboost.Booster(model_file=str(path))
    margin = booster.predict(xgboost.DMatrix(X), output_margin=True)
    np.testing.assert_array_equal(margin, est.decision_function(X).astype(np.float32))


def test_xgboost_load_model_refuses_a_plain_xgboost_file(tmp_path: Any) -> None:
    X, y = _data(100)
    path = tmp_path / "plain.json"
    xgboost.XGBClassifier(n_estimators=2, n_jobs=1).fit(X, y).save_model(path)
    with pytest.raises(ValueError, match="not saved by a FocalXGBClassifier"):
        FocalXGBClassifier().load_model(path)


def test_lightgbm_booster_file_holds_the_intercept(tmp_path: Any) -> None:
    X, y = _data()
    est = FocalLGBMClassifier(n_estimators=5, gamma=1.0, verbose=-1, n_jobs=1).fit(X, y)
    path = tmp_path / "model.txt"
    est.booster_.save_model(path)
    booster = lightgbm.Booster(model_file=path)
    margin = booster.predict(X, raw_score=True)
    np.testing.assert_allclose(margin, est.decision_function(X), rtol=0, atol=1e-12)
    proba = FocalLoss(alpha=est.alpha_, gamma=1.0).probability(margin)
    np.testing.assert_allclose(proba, est.predict_proba(X)[:, 1], rtol=1e-12)
    # a single-leaf model predicts exactly the intercept
    flat = FocalLGBMClassifier(n_estimators=1, min_child_samples=10_000, verbose=-1).fit(X, y)
    np.testing.assert_allclose(flat.booster_.predict(X, raw_score=True), flat.intercept_)


# ---------------------------------------------------------------------- scikit-learn tools
def test_pipeline_grid_search_cross_val_score(make: Any) -> None:
    from sklearn.base import clone
    from sklearn.model_selection import GridSearchCV, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = _data(300)
    est = make(n_estimators=5)
    copy = clone(est)
    assert copy.get_params() == est.get_params()
    pipe = make_pipeline(StandardScaler(), est).fit(X, y)
    assert pipe.predict_proba(X).shape == (300, 2)
    scores = cross_val_score(make(n_estimators=5), X, y, cv=3, scoring="average_precision")
    assert scores.shape == (3,)
    assert np.all(scores > y.mean())  # better than a constant ranking
    grid = GridSearchCV(
        make(n_estimators=5),
        {"gamma": [0.0, 2.0], "alpha": [0.25, "balanced"]},
        cv=2,
        scoring="average_precision",
    ).fit(X, y)
    assert len(grid.cv_results_["params"]) == 4
    assert grid.best_estimator_.gamma in (0.0, 2.0)


def test_focal_params_do_not_reach_the_engine() -> None:
    est = FocalXGBClassifier(alpha=0.4, gamma=3.0, min_split_loss=0.5, n_estimators=2)
    params = est.get_xgb_params()
    assert not {"alpha", "gamma", "hessian", "calibrated"} & set(params)
    assert params["min_split_loss"] == 0.5  # XGBoost's own gamma stays available
    X, y = _data(100)
    est.fit(X, y)
    config = est.get_booster().save_config()
    assert '"alpha":"0"' in config  # XGBoost's L1 penalty was not set to the focal alpha
