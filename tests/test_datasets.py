"""The embedded default dataset and the CSV reader."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from focalboost.datasets import load_default, read_csv


def test_load_default():
    data = load_default()
    assert data.X.shape == (20_000, len(data.feature_names))
    assert data.y.shape == (20_000,)
    assert set(np.unique(data.y)) == {0.0, 1.0}
    assert data.y.mean() == pytest.approx(0.112, abs=0.001)
    assert data.categorical_features == ["carrier", "origin", "dest"]
    for i in data.categorical_indices:
        codes = data.X[:, i]
        codes = codes[~np.isnan(codes)]
        np.testing.assert_array_equal(codes, np.round(codes))
    assert "CC0" in data.description


def test_read_csv_single_and_multi_label(tmp_path: Path):
    path = tmp_path / "d.csv"
    path.write_text("a,b,target\n1,,0\n2,3,1\n")
    data = read_csv(path, categorical=["a"])
    np.testing.assert_array_equal(data.y, [0.0, 1.0])
    assert np.isnan(data.X[0, 1])
    assert data.feature_names == ["a", "b"]
    assert data.categorical_indices == [0]
    path.write_text("a,label_x,label_y\n1,0,1\n2,1,1\n")
    multi = read_csv(path)
    assert multi.y.shape == (2, 2)
    assert multi.target_names == ["label_x", "label_y"]


@pytest.mark.parametrize(
    ("text", "kwargs", "match"),
    [
        ("a,target\n1,2\n", {}, "only 0 and 1"),
        ("a,target\n1,\n", {}, "only 0 and 1"),
        ("a,b\n1,0\n", {}, "no target column"),
        ("a,target\n1,0\n", {"categorical": ["z"]}, "not found"),
        ("a,target\n1,0\n", {"categorical": ["target"]}, "target columns"),
        ("a,b,target\n1,0\n", {}, "columns"),
    ],
)
def test_read_csv_rejects(tmp_path: Path, text, kwargs, match):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(ValueError, match=match):
        read_csv(path, **kwargs)
