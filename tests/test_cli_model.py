"""``focalboost train`` then ``predict``: the model file round trip, for both engines."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from cli_helpers import FAST, HMDA, need_data, run_cli
from focalboost import FocalLoss

pd = pytest.importorskip("pandas")
ENGINES = ["xgboost", "lightgbm"]


def _probabilities(text: str) -> np.ndarray:
    lines = text.strip().splitlines()
    assert lines[0] == "probability"
    return np.array([float(v) for v in lines[1:]])


def _native_margin(document: dict, X: np.ndarray) -> np.ndarray:
    """Margins straight from the engine's own model text in the file, without the CLI code."""
    names = document["engine_feature_names"]
    if document["engine"] == "xgboost":
        xgb = pytest.importorskip("xgboost")
        booster = xgb.Booster()
        booster.load_model(bytearray(document["model"].encode()))
        kinds = ["c" if f["kind"] == "categorical" else "q" for f in document["features"]]
        dmat = xgb.DMatrix(X, feature_names=names, feature_types=kinds, enable_categorical=True)
        return np.asarray(booster.predict(dmat, output_margin=True), dtype=np.float64)
    lgb = pytest.importorskip("lightgbm")
    booster = lgb.Booster(model_str=document["model"])
    return np.asarray(booster.predict(X, raw_score=True), dtype=np.float64)


@pytest.mark.parametrize("engine", ENGINES)
def test_round_trip_matches_the_engine_model_and_the_stored_loss(
    engine: str, tmp_path: Path
) -> None:
    pytest.importorskip(engine)
    data = need_data(HMDA)
    model = tmp_path / "model.json"
    train = run_cli(
        "train", data, "--target", "target", "--engine", engine, "--gamma", "1.5",
        "--alpha", "balanced", "--model", model, *FAST,
    )  # fmt: skip
    assert train.returncode == 0, train.stderr
    assert "wrote" in train.stdout
    document = json.loads(model.read_text())
    assert document["format"] == "focalboost-model"
    assert document["engine"] == engine
    frame = pd.read_csv(data)
    y = frame["target"].to_numpy(dtype=float)
    # "balanced" is stored resolved: the fraction of negatives in the training labels.
    assert document["loss"] == {
        "alpha": 1 - y.mean(), "alpha_given": "balanced", "gamma": 1.5, "hessian": "upper"
    }  # fmt: skip
    assert [f["name"] for f in document["features"]] == [c for c in frame if c != "target"]

    out = tmp_path / "p.csv"
    pred = run_cli("predict", "--model", model, data, "--output", out)
    assert pred.returncode == 0, pred.stderr
    proba = _probabilities(out.read_text())
    assert proba.shape == (2380,)
    assert np.all((proba >= 0) & (proba <= 1))

    X = frame.drop(columns="target").to_numpy(dtype=np.float64)
    margin = _native_margin(document, X)
    expected = FocalLoss(alpha=1 - y.mean(), gamma=1.5).probability(margin)
    np.testing.assert_array_equal(proba, expected)  # full precision written, same arithmetic
    # calibrated, not a plain sigmoid of a focal margin
    assert not np.allclose(proba, 1 / (1 + np.exp(-margin)))


def test_xgboost_cli_model_equals_one_trained_in_process(tmp_path: Path) -> None:
    xgb = pytest.importorskip("xgboost")
    from focalboost import xgb as fxgb

    data = need_data(HMDA)
    model = tmp_path / "m.json"
    trained = run_cli(
        "train", data, "--target", "target", "--model", model, "--early-stopping", "0", *FAST
    )
    assert trained.returncode == 0, trained.stderr
    pred = run_cli("predict", "--model", model, data)
    assert pred.returncode == 0, pred.stderr
    frame = pd.read_csv(data)
    X = frame.drop(columns="target").to_numpy(dtype=np.float64)
    y = frame["target"].to_numpy(dtype=np.float64)
    loss = FocalLoss(alpha=0.25, gamma=2.0)
    params = {"tree_method": "hist", "eta": 0.1, "max_depth": 6, "seed": 0, "nthread": 1}
    booster = fxgb.train(params, xgb.DMatrix(X, y), 8, loss=loss)
    expected = loss.probability(fxgb.predict_margin(booster, xgb.DMatrix(X)).astype(np.float64))
    np.testing.assert_allclose(_probabilities(pred.stdout), expected, rtol=1e-6)


@pytest.mark.parametrize(("engine", "alpha"), [("xgboost", "0.25"), ("lightgbm", "none")])
def test_saved_model_carries_the_intercept(engine: str, alpha: str, tmp_path: Path) -> None:
    """With trees that barely move, calibrated probabilities equal the training positive rate."""
    pytest.importorskip(engine)
    data = need_data(HMDA)
    model = tmp_path / "m.json"
    train = run_cli(
        "train", data, "--target", "target", "--engine", engine, "--model", model,
        "--alpha", alpha, "--rounds", "1", "--learning-rate", "1e-9", "--threads", "1",
    )  # fmt: skip
    assert train.returncode == 0, train.stderr
    stored = json.loads(model.read_text())["loss"]["alpha"]
    assert stored == (None if alpha == "none" else float(alpha))
    pred = run_cli("predict", "--model", model, data)
    proba = _probabilities(pred.stdout)
    np.testing.assert_allclose(proba, 285 / 2380, atol=1e-6)


def test_text_categories_and_positive_label_survive_the_round_trip(tmp_path: Path) -> None:
    pytest.importorskip("lightgbm")
    frame = pd.read_csv(need_data(HMDA))
    frame["outcome"] = np.where(frame.pop("target") == 1, "denied", "approved")
    frame["history"] = np.array(["none", "some", "bad"])[frame["chist"].clip(1, 3) - 1]
    train_csv = tmp_path / "train.csv"
    frame.to_csv(train_csv, index=False)
    model = tmp_path / "m.json"
    train = run_cli(
        "train", train_csv, "--target", "outcome", "--positive", "denied", "--engine",
        "lightgbm", "--drop", "chist", "--model", model, *FAST,
    )  # fmt: skip
    assert train.returncode == 0, train.stderr
    document = json.loads(model.read_text())
    assert document["positive_label"] == "denied"
    history = next(f for f in document["features"] if f["name"] == "history")
    assert history == {"name": "history", "kind": "categorical", "levels": ["bad", "none", "some"]}
    assert "chist" not in [f["name"] for f in document["features"]]

    # New rows: columns reordered, target absent, one unseen level (scored as missing).
    new = frame.drop(columns="outcome").iloc[:50, ::-1].copy()
    new.loc[new.index[0], "history"] = "unheard-of"
    new_csv = tmp_path / "new.csv"
    new.to_csv(new_csv, index=False)
    pred = run_cli("predict", "--model", model, new_csv)
    assert pred.returncode == 0, pred.stderr
    proba = _probabilities(pred.stdout)
    assert proba.shape == (50,)
    assert np.all((proba > 0) & (proba < 1))
    same = run_cli("predict", "--model", model, train_csv)
    full = _probabilities(same.stdout)
    np.testing.assert_array_equal(proba[1:], full[1:50])  # column order does not matter


def test_predict_errors(tmp_path: Path) -> None:
    data = need_data(HMDA)
    missing = run_cli("predict", "--model", tmp_path / "none.json", data)
    assert missing.returncode == 4
    assert "no such model file" in missing.stderr
    not_a_model = run_cli("predict", "--model", data, data)
    assert not_a_model.returncode == 4
    assert "not a focalboost model file" in not_a_model.stderr
    model = tmp_path / "m.json"
    trained = run_cli(
        "train", data, "--target", "target", "--model", model, "--early-stopping", "0", *FAST
    )
    assert trained.returncode == 0, trained.stderr
    short = tmp_path / "short.csv"
    pd.read_csv(data).drop(columns=["pirat", "target"]).to_csv(short, index=False)
    lacking = run_cli("predict", "--model", model, short)
    assert lacking.returncode == 4
    assert "'pirat'" in lacking.stderr


def test_train_refuses_two_targets() -> None:
    result = run_cli(
        "train", need_data(HMDA), "--target", "target", "--target", "afam", "--model", "m.json"
    )
    assert result.returncode == 2
    assert "one target" in result.stderr
