"""The comparison example runs end to end and prints a sensible table."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "examples" / "compare_objectives.py"
COLUMNS = ["trees", "ROC-AUC", "PR-AUC", "precision", "recall", "log-loss", "log-loss(sigmoid)"]


def _run(*args: str, prelude: str = "") -> str:
    code = (
        f"import runpy, sys\n{prelude}\n"
        f"sys.argv = [{str(SCRIPT)!r}, *{list(args)!r}]\n"
        f"runpy.run_path({str(SCRIPT)!r}, run_name='__main__')\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), *sys.path])}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _table(out: str) -> dict[str, dict[str, float]]:
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("model "))
    assert lines[header].split()[1:] == COLUMNS
    rows = {}
    for line in lines[header + 1 :]:
        if not line.strip():
            break
        cells = line.split()
        label, numbers = " ".join(cells[:2]), [float(c) for c in cells[2:]]
        rows[label] = dict(zip(COLUMNS, numbers, strict=True))
    return rows


def _check(rows: dict[str, dict[str, float]], expected: set[str], positive_rate: float) -> None:
    assert set(rows) == expected
    for label, r in rows.items():
        assert r["ROC-AUC"] > 0.6, label
        assert positive_rate < r["PR-AUC"] < 1, label
        assert 0 < r["precision"] <= 1, label
        assert 0 < r["recall"] <= 1, label
        assert 0 < r["log-loss"] < math.log(2), label
        assert r["trees"] >= 1, label
        if label.endswith("logistic"):
            assert r["log-loss"] == r["log-loss(sigmoid)"], label
        else:  # the sigmoid of a focal margin is miscalibrated; the inverted optimum is not
            assert r["log-loss"] < r["log-loss(sigmoid)"], label


def test_example_on_the_embedded_data():
    engines = [e for e in ("xgboost", "lightgbm") if _importable(e)]
    if not engines:
        pytest.skip("no engine installed")
    out = _run("--rounds", "40", "--threads", "1", "--seed", "1")
    assert "20000 rows" in out
    expected = {f"{e} {o}" for e in engines for o in ("focal", "logistic")}
    _check(_table(out), expected, positive_rate=0.112)


def test_example_on_a_csv_without_lightgbm(data_dir: Path):
    pytest.importorskip("xgboost")
    out = _run(
        "--data",
        str(data_dir / "hmda_deny.csv"),
        "--rounds",
        "40",
        "--threads",
        "1",
        prelude="sys.modules['lightgbm'] = None",
    )
    assert "lightgbm is not installed: skipped" in out
    assert "(7 categorical)" in out
    _check(_table(out), {"xgboost focal", "xgboost logistic"}, positive_rate=0.12)


def _importable(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True
