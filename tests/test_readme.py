"""The Python code in README.md runs as written, top to bottom."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pytest

from focalboost import datasets

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_blocks_run(monkeypatch: pytest.MonkeyPatch):
    for module in ("xgboost", "lightgbm", "sklearn"):
        pytest.importorskip(module)
    # The code is what is under test, not the model: a quarter of the embedded rows keeps it light.
    full = datasets.load_default()
    rows = np.random.default_rng(0).permutation(full.y.size)[: full.y.size // 4]
    small = dataclasses.replace(full, X=full.X[rows], y=full.y[rows])
    monkeypatch.setattr(datasets, "load_default", lambda: small)
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) >= 4
    namespace: dict = {}
    for block in blocks:
        # One thread: two OpenMP threads crawl on a machine whose cores are busy with other work.
        block = re.sub(r'("nthread": |"num_threads": |n_jobs=)2\b', r"\g<1>1", block)
        exec(compile(block, str(README), "exec"), namespace)
    proba = np.asarray(namespace["proba"])
    assert proba.shape == (int(namespace["te"].sum()),)
    assert np.all((proba > 0) & (proba < 1))


def test_readme_commands_are_exactly_two():
    text = README.read_text(encoding="utf-8")
    section = text.split("## Set-up: the two commands", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```bash\n(.*?)\n```", section, flags=re.S)
    assert len(commands) == 2
    assert all("\n" not in c and c.startswith("python3 -m venv .venv && ") for c in commands)
