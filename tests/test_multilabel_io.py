"""FocalMultiLabelClassifier: clear errors for bad input, and persistence round trips."""

from __future__ import annotations

import io
import json
import pickle
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("sklearn")
pytest.importorskip("xgboost")
pytest.importorskip("lightgbm")
joblib = pytest.importorskip("joblib")

from sklearn.exceptions import NotFittedError  # noqa: E402

from focalboost.multilabel import (  # noqa: E402
    METADATA_FILE,
    ConstantLabelWarning,
    FocalMultiLabelClassifier,
)

RNG = np.random.default_rng(0)
X = RNG.normal(size=(200, 4))
Y = np.column_stack([X[:, 0] > 0.5, X[:, 1] - X[:, 2] > 0, RNG.random(200) < 0.2]).astype(int)


def model(**kw: object) -> FocalMultiLabelClassifier:
    kw.setdefault("n_estimators", 8)
    kw.setdefault("max_depth", 3)
    return FocalMultiLabelClassifier(**kw)  # type: ignore[arg-type]


# ---------------------------------------------------------------------- bad input
Y_NAN = Y.astype(float)
Y_NAN[3, 1] = np.nan
Y_TWO = Y.copy()
Y_TWO[0, 0] = 2

FIT_ERRORS = [
    pytest.param({}, X, Y[:, 0], ValueError, r"Y must be 2-D .* got shape \(200,\)", id="Y-1d"),
    pytest.param({}, X, Y[:, :, None], ValueError, "Y must be 2-D", id="Y-3d"),
    pytest.param({}, X, Y_TWO, ValueError, r"only 0 and 1; found \[2\]", id="Y-not-01"),
    pytest.param({}, X, Y * 0.5, ValueError, r"only 0 and 1; found \[0.5\]", id="Y-soft"),
    pytest.param({}, X, Y.astype(str), TypeError, "numeric 0/1 indicator", id="Y-strings"),
    pytest.param({}, X, Y_NAN, ValueError, "Y contains NaN", id="Y-nan"),
    pytest.param({}, X[:150], Y, ValueError, "X has 150 rows but Y has 200", id="length"),
    pytest.param({}, X, Y[:, :0], ValueError, r"no label columns \(k = 0\)", id="k0"),
    pytest.param({}, X[:, 0], Y, ValueError, "X must be 2-D", id="X-1d"),
    pytest.param({}, np.where(X > 2, np.inf, X), Y, ValueError, "infinite", id="X-inf"),
    pytest.param({"backend": "catboost"}, X, Y, ValueError, "backend must be one of", id="backend"),
    pytest.param({"strategy": "chain"}, X, Y, ValueError, "strategy must be one of", id="strategy"),
    pytest.param(
        {"backend": "lightgbm", "strategy": "native"},
        X,
        Y,
        ValueError,
        "strategy='native' needs backend='xgboost'",
        id="native-lightgbm",
    ),
    pytest.param(
        {"multi_strategy": "multi_output_tree"},
        X,
        Y,
        ValueError,
        "multi_strategy applies to strategy='native' only",
        id="multi-strategy-ovr",
    ),
    pytest.param(
        {"strategy": "native", "multi_strategy": "forest"},
        X,
        Y,
        ValueError,
        "multi_strategy must be None or one of",
        id="multi-strategy-unknown",
    ),
    pytest.param(
        {"alpha": [0.25, 0.5]},
        X,
        Y,
        ValueError,
        "alpha has 2 values but there are 3",
        id="alpha-len",
    ),
    pytest.param(
        {"gamma": [1, 2, 3, 4]},
        X,
        Y,
        ValueError,
        "gamma has 4 values but there are 3",
        id="gamma-len",
    ),
    pytest.param({"alpha": 1.5}, X, Y, ValueError, r"alpha must lie in \[0, 1\]", id="alpha-range"),
    pytest.param({"alpha": "auto"}, X, Y, ValueError, "alpha must be", id="alpha-string"),
    pytest.param(
        {"gamma": -1.0}, X, Y, ValueError, "gamma must be finite and >= 0", id="gamma-neg"
    ),
    pytest.param({"hessian": "newton"}, X, Y, ValueError, "hessian must be one of", id="hessian"),
    pytest.param({"n_estimators": 0}, X, Y, ValueError, "n_estimators must be >= 1", id="n-est"),
    pytest.param(
        {"n_estimators": 2.5}, X, Y, TypeError, "n_estimators must be an int", id="n-float"
    ),
    pytest.param({"learning_rate": 0.0}, X, Y, ValueError, "learning_rate must be", id="lr"),
    pytest.param({"n_jobs": 0}, X, Y, ValueError, "n_jobs must be a non-zero", id="n_jobs"),
    pytest.param({"calibrated": "yes"}, X, Y, TypeError, "calibrated must be a bool", id="calib"),
    pytest.param(
        {"engine_params": {"objective": "binary:logistic"}},
        X,
        Y,
        ValueError,
        r"engine_params\['objective'\] is not allowed",
        id="engine-objective",
    ),
    pytest.param(
        {"engine_params": {"eta": 0.3}},
        X,
        Y,
        ValueError,
        "use learning_rate",
        id="engine-eta",
    ),
    pytest.param(
        {"backend": "lightgbm", "engine_params": {"num_iterations": 5}},
        X,
        Y,
        ValueError,
        "use n_estimators",
        id="engine-lgb-rounds",
    ),
    pytest.param(
        {"categorical_features": [7]}, X, Y, ValueError, "index 7 is out of range", id="cat-range"
    ),
]


@pytest.mark.parametrize(("params", "X_in", "Y_in", "error", "match"), FIT_ERRORS)
def test_fit_errors(
    params: dict[str, object], X_in: object, Y_in: object, error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        model(**params).fit(X_in, Y_in)


def test_sample_weight_errors() -> None:
    with pytest.raises(ValueError, match=r"sample_weight must have shape \(200,\)"):
        model().fit(X, Y, sample_weight=np.ones(10))
    with pytest.raises(ValueError, match="finite and non-negative"):
        model().fit(X, Y, sample_weight=-np.ones(200))
    with pytest.raises(ValueError, match="zero for every row"):
        model().fit(X, Y, sample_weight=np.zeros(200))


def test_predict_errors() -> None:
    with pytest.raises(NotFittedError):
        model().predict_proba(X)
    clf = model().fit(X, Y)
    with pytest.raises(ValueError, match="X has 3 features, but the model was fitted with 4"):
        clf.predict_proba(X[:, :3])


# ---------------------------------------------------------------------- persistence
CONFIGS = [
    pytest.param({"backend": "xgboost"}, id="xgb-ovr"),
    pytest.param({"backend": "lightgbm"}, id="lgb-ovr"),
    pytest.param({"strategy": "native"}, id="xgb-native-per-tree"),
    pytest.param(
        {"strategy": "native", "multi_strategy": "multi_output_tree"}, id="xgb-native-vec"
    ),
    pytest.param({"backend": "lightgbm", "categorical_features": [3]}, id="lgb-categorical"),
    pytest.param({"backend": "xgboost", "categorical_features": [3]}, id="xgb-categorical"),
]


def fitted(config: dict[str, object]) -> tuple[FocalMultiLabelClassifier, np.ndarray]:
    Xc = X.copy()
    Xc[:, 3] = np.floor(np.abs(Xc[:, 3]) * 2)  # integer codes 0..k for the categorical configs
    Yc = np.column_stack([Y, np.zeros(len(Y), int)])  # a constant label travels too
    with pytest.warns(ConstantLabelWarning):
        clf = model(alpha=[0.25, 0.5, 0.75, 0.3], gamma=[2, 1, 0, 2], **config).fit(Xc, Yc)
    return clf, Xc


@pytest.mark.parametrize("config", CONFIGS)
def test_pickle_and_joblib_round_trips(config: dict[str, object]) -> None:
    clf, Xc = fitted(config)
    expected = clf.predict_proba(Xc)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(Xc), expected)
    buffer = io.BytesIO()
    joblib.dump(clf, buffer)
    buffer.seek(0)
    np.testing.assert_array_equal(joblib.load(buffer).predict_proba(Xc), expected)


@pytest.mark.parametrize("config", CONFIGS)
def test_save_load_round_trip(config: dict[str, object], tmp_path: Path) -> None:
    clf, Xc = fitted(config)
    clf.save(tmp_path / "model")
    files = sorted(p.name for p in (tmp_path / "model").iterdir())
    suffix = ".json" if clf.backend == "xgboost" else ".txt"
    assert METADATA_FILE in files
    assert [f for f in files if f != METADATA_FILE] == [
        f"booster_{i}{suffix}" for i in range(len(clf.boosters_))
    ]
    loaded = FocalMultiLabelClassifier.load(tmp_path / "model")
    np.testing.assert_array_equal(loaded.predict_proba(Xc), clf.predict_proba(Xc))
    np.testing.assert_array_equal(loaded.decision_function(Xc), clf.decision_function(Xc))
    np.testing.assert_array_equal(loaded.predict(Xc, threshold=0.3), clf.predict(Xc, threshold=0.3))
    assert loaded.get_params() == {
        **clf.get_params(),
        "alpha": [0.25, 0.5, 0.75, 0.3],
        "gamma": [2.0, 1.0, 0.0, 2.0],
    }
    np.testing.assert_array_equal(loaded.constant_labels_, clf.constant_labels_)
    np.testing.assert_array_equal(loaded.intercept_, clf.intercept_)


def test_save_load_keeps_feature_names_and_balanced_alpha(tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    clf = model(alpha="balanced").fit(frame, Y)
    clf.save(tmp_path)
    loaded = FocalMultiLabelClassifier.load(tmp_path)
    assert list(loaded.feature_names_in_) == ["a", "b", "c", "d"]
    assert loaded.alpha == "balanced"
    np.testing.assert_array_equal(loaded.alpha_, clf.alpha_)
    np.testing.assert_array_equal(loaded.predict_proba(frame), clf.predict_proba(frame))
    with pytest.raises(ValueError, match="different feature names"):
        loaded.predict_proba(frame.rename(columns={"a": "z"}))


def test_load_and_save_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="not a directory written by save"):
        FocalMultiLabelClassifier.load(tmp_path)
    (tmp_path / METADATA_FILE).write_text(json.dumps({"format": "other"}))
    with pytest.raises(ValueError, match=r"is not a focalboost\.FocalMultiLabelClassifier file"):
        FocalMultiLabelClassifier.load(tmp_path)
    with pytest.raises(NotFittedError):
        model().save(tmp_path / "unfitted")
    clf = model(engine_params={"max_bin": np.int64(64)})
    clf.fit(X, Y)
    with pytest.raises(TypeError, match="not JSON-serialisable"):
        clf.save(tmp_path / "numpy-param")


@pytest.mark.parametrize("backend", ["xgboost", "lightgbm"])
def test_saved_booster_files_load_in_the_engine_alone(backend: str, tmp_path: Path) -> None:
    # The documented contract: each booster file's raw margins include its label's intercept.
    clf = model(backend=backend).fit(X, Y)
    clf.save(tmp_path)
    meta = json.loads((tmp_path / METADATA_FILE).read_text())
    for entry in meta["boosters"]:
        (j,) = entry["labels"]
        if backend == "xgboost":
            xgb = pytest.importorskip("xgboost")
            booster = xgb.Booster(model_file=str(tmp_path / entry["file"]))
            margin = booster.predict(xgb.DMatrix(X), output_margin=True)
        else:
            lgb = pytest.importorskip("lightgbm")
            booster = lgb.Booster(model_file=str(tmp_path / entry["file"]))
            margin = booster.predict(X, raw_score=True)
        np.testing.assert_allclose(margin, clf.decision_function(X)[:, j], rtol=1e-6)


def test_native_with_a_single_trainable_label() -> None:
    Y1 = np.column_stack([Y[:, 0], np.ones(len(Y), int)])
    with pytest.warns(ConstantLabelWarning):
        clf = model(strategy="native").fit(X, Y1)
    reference = model().fit(X, Y[:, [0]])
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba[:, 0], reference.predict_proba(X)[:, 0], rtol=1e-6)
    np.testing.assert_array_equal(proba[:, 1], 1.0)
