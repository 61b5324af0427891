"""FocalMultiLabelClassifier end to end on the real multi-label datasets in ../shared/data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("sklearn")
pytest.importorskip("xgboost")
pytest.importorskip("lightgbm")

from sklearn.metrics import average_precision_score, log_loss
from sklearn.model_selection import train_test_split

from focalboost.datasets import Dataset, read_csv
from focalboost.multilabel import FocalMultiLabelClassifier

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def load(name: str) -> Dataset:
    path = DATA / name
    if not path.is_file():
        pytest.skip(f"{path} not found (the shared data folder sits beside the repository)")
    codebook = json.loads((DATA / "codebook.json").read_text())
    return read_csv(path, categorical=list(codebook.get(name, {})))


def macro_pr_auc(Y: np.ndarray, P: np.ndarray) -> float:
    return float(np.mean([average_precision_score(Y[:, j], P[:, j]) for j in range(Y.shape[1])]))


@pytest.fixture(scope="module")
def yeast() -> tuple[np.ndarray, ...]:
    data = load("yeast_multilabel.csv")
    assert data.y.shape == (2417, 14)
    parts = train_test_split(data.X, data.y, test_size=0.3, random_state=0)
    assert parts[3].sum(axis=0).min() > 0  # every label has test positives, so PR-AUC is defined
    return tuple(parts)


@pytest.mark.parametrize(
    "config",
    [
        pytest.param({"strategy": "one_vs_rest", "n_jobs": 2}, id="one-vs-rest"),
        # one booster: n_jobs=1 (two OpenMP threads per booster are slow on a busy 2-core host)
        pytest.param(
            {"strategy": "native", "multi_strategy": "multi_output_tree", "n_jobs": 1}, id="native"
        ),
    ],
)
def test_yeast_beats_constant_macro_pr_auc(
    yeast: tuple[np.ndarray, ...], config: dict[str, object]
) -> None:
    X_train, X_test, Y_train, Y_test = yeast
    clf = FocalMultiLabelClassifier(n_estimators=20, max_depth=3, **config)  # type: ignore[arg-type]
    proba = clf.fit(X_train, Y_train).predict_proba(X_test)
    constant = float(Y_test.mean(axis=0).mean())  # PR-AUC of a constant score = prevalence
    assert macro_pr_auc(Y_test, proba) > constant + 0.1


def test_doctor_categorical_lightgbm_calibrated() -> None:
    data = load("doctor_aus_utilisation_multilabel.csv")
    assert data.y.shape[1] == 6
    X_train, X_test, Y_train, Y_test = train_test_split(
        data.X, data.y, train_size=2500, test_size=1500, random_state=0
    )
    clf = FocalMultiLabelClassifier(
        "lightgbm",
        n_estimators=40,
        learning_rate=0.1,
        max_depth=4,
        categorical_features=data.categorical_indices,
        n_jobs=2,
    ).fit(X_train, Y_train)
    proba = clf.predict_proba(X_test)
    assert macro_pr_auc(Y_test, proba) > float(Y_test.mean(axis=0).mean()) + 0.05
    raw = clf.set_params(calibrated=False).predict_proba(X_test)
    # focal loss is not proper: the inverted (calibrated) probabilities must score better
    for j in range(6):
        assert log_loss(Y_test[:, j], proba[:, j]) < log_loss(Y_test[:, j], raw[:, j]), j
    pred = clf.predict(X_test, threshold=Y_train.mean(axis=0))
    assert pred.shape == Y_test.shape
