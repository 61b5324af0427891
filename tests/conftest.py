"""Shared fixtures: the real datasets in ``../shared/data`` beside the repository."""

from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pytest

from focalboost.datasets import Dataset, read_csv

DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data"


class Split(NamedTuple):
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    categorical: list[int]


def stratified_split(
    y: np.ndarray, test_fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Train and test row indices with the same class balance in both (1-D 0/1 labels)."""
    rng = np.random.default_rng(seed)
    train, test = [], []
    for cls in (0.0, 1.0):
        rows = rng.permutation(np.flatnonzero(y == cls))
        n_test = round(test_fraction * rows.size)
        test.append(rows[:n_test])
        train.append(rows[n_test:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


@pytest.fixture(scope="session")
def data_dir() -> Path:
    if not DATA_DIR.is_dir():
        pytest.skip(f"real datasets not found at {DATA_DIR}")
    return DATA_DIR


def _load(data_dir: Path, name: str) -> Dataset:
    path = data_dir / name
    if not path.is_file():
        pytest.skip(f"{path} not found")
    codebook = json.loads((data_dir / "codebook.json").read_text())
    return read_csv(path, categorical=list(codebook.get(name, {})))


@pytest.fixture(scope="session")
def hmda(data_dir: Path) -> Dataset:
    """Boston mortgage applications (2,380 rows, 12 % denied)."""
    return _load(data_dir, "hmda_deny.csv")


@pytest.fixture(scope="session")
def hmda_split(hmda: Dataset) -> Split:
    """A stratified 70/30 split of :func:`hmda` with a fixed seed."""
    train, test = stratified_split(hmda.y, 0.3, seed=20131)
    return Split(hmda.X[train], hmda.y[train], hmda.X[test], hmda.y[test], hmda.categorical_indices)


@pytest.fixture(scope="session")
def yeast(data_dir: Path) -> Dataset:
    """The yeast multi-label benchmark (2,417 rows, 14 labels)."""
    return _load(data_dir, "yeast_multilabel.csv")
