"""Reading CSV and Parquet tables and turning them into numeric features and 0/1 targets.

Nominal columns (named with ``--categorical``, or holding strings) are encoded as integer codes of
their sorted training levels; the levels are kept in a :class:`Schema` so that prediction encodes
new rows the same way (unseen levels and missing values become NaN, which both engines treat as
missing).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from focalboost.cli.errors import CliError, DataError, need

if TYPE_CHECKING:
    import pandas as pd

PARQUET_SUFFIXES = (".parquet", ".pq")
Level = str | float


@dataclass
class Feature:
    """One feature column: its name and, for a nominal column, its levels (code = position)."""

    name: str
    levels: list[Level] | None = None

    @property
    def categorical(self) -> bool:
        return self.levels is not None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "kind": "numeric"}
        if self.levels is not None:
            out = {"name": self.name, "kind": "categorical", "levels": self.levels}
        return out

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Feature:
        return cls(
            str(obj["name"]), obj.get("levels") if obj.get("kind") == "categorical" else None
        )


@dataclass
class Schema:
    """How the feature matrix is built from a table."""

    features: list[Feature]

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.features]

    @property
    def categorical_indices(self) -> list[int]:
        return [i for i, f in enumerate(self.features) if f.categorical]


@dataclass
class Table:
    """Encoded features ``X`` (n, d), targets ``Y`` (n, k) in {0, 1} and how they were made."""

    X: NDArray[np.float64]
    Y: NDArray[np.float64]
    schema: Schema
    target_names: list[str]
    positive: str | None = None
    source: str = ""
    notes: list[str] = field(default_factory=list)
    #: ``{"file", "columns"}``: the columns made nominal by a codebook.json, if any.
    codebook: dict[str, Any] | None = None

    @property
    def feature_names(self) -> list[str]:
        return self.schema.names


@dataclass(frozen=True)
class Codebook:
    """The nominal columns a ``codebook.json`` lists for one data file."""

    path: Path
    columns: list[str]


def codebook_columns(data_path: str) -> Codebook | None:
    """The columns listed for ``data_path``'s file name in a ``codebook.json`` beside it.

    The file maps data file names to ``{column: [level names]}``; None when there is no such
    file or it does not mention this data file.  An unreadable codebook is an error.
    """
    file = Path(data_path)
    path = file.parent / "codebook.json"
    if not path.is_file():
        return None
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise DataError(f"could not read {path}: {exc}") from exc
    if not isinstance(document, dict):
        raise DataError(f"{path} should map data file names to their categorical columns")
    entry = document.get(file.name)
    if entry is None:
        return None
    if not isinstance(entry, dict | list):
        raise DataError(f"{path}: the entry for {file.name!r} should list column names")
    return Codebook(path, [str(c) for c in entry])


def read_frame(path: str) -> pd.DataFrame:
    """Read a CSV (any compression pandas knows) or Parquet file into a DataFrame."""
    pd = need("pandas", "cli", "reading data files")
    file = Path(path)
    if not file.exists():
        raise DataError(f"no such file: {path}")
    if file.is_dir():
        raise DataError(f"{path} is a folder, not a data file")
    parquet = file.suffix.lower() in PARQUET_SUFFIXES
    if parquet:
        need("pyarrow", "cli", "reading Parquet files")
    try:
        frame = pd.read_parquet(file) if parquet else pd.read_csv(file)
    except (ValueError, OSError, UnicodeDecodeError) as exc:  # pandas' ParserError is a ValueError
        kind = "Parquet" if parquet else "CSV"
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"could not read {path} as {kind}: {first}") from exc
    except Exception as exc:  # pyarrow raises its own error types for corrupt files
        raise DataError(f"could not read {path}: {type(exc).__name__}: {exc}") from exc
    if frame.shape[0] == 0 or frame.shape[1] == 0:
        raise DataError(f"{path} has no data rows" if frame.shape[1] else f"{path} has no columns")
    frame.columns = [str(c) for c in frame.columns]
    return frame


def target_columns(frame: pd.DataFrame, targets: list[str] | None, prefix: str | None) -> list[str]:
    """The target column names from ``--target`` and ``--targets-prefix``, checked to exist."""
    names = list(targets or [])
    if prefix is not None:
        matched = [c for c in frame.columns if c.startswith(prefix)]
        if not matched:
            raise DataError(f"no column name starts with --targets-prefix {prefix!r}")
        names += [c for c in matched if c not in names]
    if not names:
        raise CliError("say which column to predict with --target COLUMN")
    if len(set(names)) != len(names):
        raise CliError(f"a target column is named twice: {names}")
    missing = [c for c in names if c not in frame.columns]
    if missing:
        raise DataError(f"target column {_quote(missing)} not found; {_columns(frame)}")
    return names


def binary_target(column: pd.Series, positive: str | None) -> NDArray[np.float64]:
    """A target column as 0/1 floats, 1 meaning the ``positive`` label (or 1 / True)."""
    pd = need("pandas", "cli", "reading data files")
    name = str(column.name)
    n_missing = int(column.isna().sum())
    if n_missing:
        raise DataError(f"target column {name!r} has {n_missing} missing values; drop those rows")
    values = column.unique()
    shown = ", ".join(repr(_plain(v)) for v in sorted(values[:10], key=str))
    if positive is not None:
        if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
            try:
                is_pos = column.to_numpy(dtype=np.float64) == float(positive)
            except ValueError:
                is_pos = np.zeros(len(column), dtype=bool)
        else:
            is_pos = column.astype(str).to_numpy() == positive
        if not is_pos.any():
            raise DataError(
                f"--positive {positive!r} is not a value of target column {name!r} "
                f"(values: {shown})"
            )
        y = is_pos.astype(np.float64)
    elif pd.api.types.is_bool_dtype(column) or (
        pd.api.types.is_numeric_dtype(column) and set(np.unique(column.to_numpy())) <= {0, 1}
    ):
        y = column.to_numpy(dtype=np.float64)
    else:
        raise DataError(
            f"target column {name!r} holds {len(values)} distinct values ({shown}), not 0/1; "
            "say which one is the rare class with --positive LABEL"
        )
    if y.min() == y.max():
        raise DataError(
            f"target column {name!r} is constant (every row is "
            f"{'positive' if y[0] else 'negative'}): there is nothing to learn"
        )
    out: NDArray[np.float64] = np.asarray(y, dtype=np.float64)
    return out


def build_table(
    frame: pd.DataFrame,
    *,
    targets: list[str] | None,
    prefix: str | None = None,
    positive: str | None = None,
    categorical: list[str] | None = None,
    drop: list[str] | None = None,
    source: str = "",
    codebook: Codebook | None = None,
) -> Table:
    """Targets and encoded features of ``frame``, learning the categorical levels from it.

    Columns listed in ``codebook`` (a ``codebook.json`` beside the data file) are nominal too,
    unless they are targets, dropped or absent; ``categorical`` adds to them.
    """
    names = target_columns(frame, targets, prefix)
    Y = np.column_stack([binary_target(frame[c], positive) for c in names])
    drop = list(drop or [])
    categorical = list(categorical or [])
    unknown = [c for c in [*drop, *categorical] if c not in frame.columns]
    if unknown:
        raise DataError(f"column {_quote(unknown)} not found; {_columns(frame)}")
    clash = [c for c in categorical if c in names or c in drop]
    if clash:
        raise CliError(f"--categorical names a target or dropped column: {_quote(clash)}")
    feature_cols = [c for c in frame.columns if c not in names and c not in drop]
    if not feature_cols:
        raise DataError("no feature columns are left besides the target(s)")
    notes = []
    from_codebook: list[str] = []
    if codebook is not None:
        from_codebook = [c for c in codebook.columns if c in feature_cols and c not in categorical]
        categorical += from_codebook
    features = []
    for col in feature_cols:
        series = frame[col]
        if col in categorical or _is_text(series):
            levels = _levels(series)
            if col not in categorical:
                notes.append(f"{col} (text, {len(levels)} levels)")
            features.append(Feature(col, levels))
        else:
            _check_numeric(series)
            features.append(Feature(col))
    schema = Schema(features)
    X = encode(frame, schema)
    table = Table(X, Y, schema, names, positive, source, notes)
    table.codebook = (
        {"file": str(codebook.path), "columns": from_codebook}
        if codebook is not None and from_codebook
        else None
    )
    return table


def encode(frame: pd.DataFrame, schema: Schema) -> NDArray[np.float64]:
    """The feature matrix of ``frame`` in ``schema`` order (nominal columns as level codes)."""
    pd = need("pandas", "cli", "reading data files")
    missing = [f.name for f in schema.features if f.name not in frame.columns]
    if missing:
        raise DataError(f"the data lacks feature column {_quote(missing)} that the model needs")
    X = np.empty((len(frame), len(schema.features)), dtype=np.float64)
    for j, feature in enumerate(schema.features):
        series = frame[feature.name]
        if feature.levels is None:
            _check_numeric(series)
            X[:, j] = series.to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            keys = _level_keys(series, textual=any(isinstance(v, str) for v in feature.levels))
            codes = pd.Categorical(keys, categories=feature.levels).codes.astype(np.float64)
            codes[codes < 0] = np.nan  # missing or unseen level
            X[:, j] = codes
    if np.isinf(X).any():
        bad = [schema.names[j] for j in np.flatnonzero(np.isinf(X).any(axis=0))]
        raise DataError(f"feature column {_quote(bad)} holds infinite values")
    return X


def _is_text(series: pd.Series) -> bool:
    pd = need("pandas", "cli", "reading data files")
    return bool(
        pd.api.types.is_object_dtype(series)
        or pd.api.types.is_string_dtype(series)
        or isinstance(series.dtype, pd.CategoricalDtype)
    )


def _check_numeric(series: pd.Series) -> None:
    pd = need("pandas", "cli", "reading data files")
    if not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)):
        raise DataError(
            f"feature column {series.name!r} has type {series.dtype}; only numbers and text are "
            "understood (drop it with --drop, or convert it)"
        )


def _level_keys(series: pd.Series, *, textual: bool) -> list[Level | None]:
    """Values as category keys: text for text columns, floats for numeric ones, None if missing."""
    pd = need("pandas", "cli", "reading data files")
    keys: list[Level | None] = []
    for v in series.tolist():
        if v is None or (isinstance(v, float) and math.isnan(v)) or pd.isna(v):
            keys.append(None)
        elif textual or isinstance(v, str):
            keys.append(str(v))
        else:
            keys.append(float(v))
    return keys


def _levels(series: pd.Series) -> list[Level]:
    textual = _is_text(series)
    keys = {k for k in _level_keys(series.dropna(), textual=textual) if k is not None}
    if not keys:
        raise DataError(f"categorical column {series.name!r} has no values")
    if textual:
        return sorted(str(k) for k in keys)
    return sorted(float(k) for k in keys)


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _quote(names: list[str]) -> str:
    return ", ".join(repr(n) for n in names)


def _columns(frame: pd.DataFrame) -> str:
    cols = list(frame.columns)
    shown = ", ".join(cols[:20]) + (f", ... ({len(cols)} in all)" if len(cols) > 20 else "")
    return f"the columns are: {shown}"
