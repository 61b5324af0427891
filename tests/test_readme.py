"""The Python code in README.md runs as written, top to bottom."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_blocks_run():
    for module in ("xgboost", "lightgbm", "sklearn"):
        pytest.importorskip(module)
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) >= 4
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, str(README), "exec"), namespace)
    proba = np.asarray(namespace["proba"])
    assert proba.shape == (int(namespace["test"].sum()),)
    assert np.all((proba > 0) & (proba < 1))


def test_readme_commands_are_exactly_two():
    text = README.read_text(encoding="utf-8")
    section = text.split("## Set-up: the two commands", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```bash\n(.*?)\n```", section, flags=re.S)
    assert len(commands) == 2
    assert all("\n" not in c and c.startswith("python3 -m venv .venv && ") for c in commands)
