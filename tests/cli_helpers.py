"""Running the command line of this source tree in a subprocess, on the shared real datasets."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
DATA = ROOT.parent / "shared" / "data"
HMDA = DATA / "hmda_deny.csv"
DOCTOR = DATA / "doctor_aus_utilisation_multilabel.csv"
#: Small and single-threaded so the suite stays quick on a shared 2-core machine.
FAST = ["--rounds", "8", "--threads", "1"]


def need_data(path: Path) -> Path:
    if not path.is_file():
        pytest.skip(f"{path} is not available (the shared data folder sits beside the repository)")
    return path


def run_cli(
    *args: str | Path, cwd: Path | None = None, prelude: str = ""
) -> subprocess.CompletedProcess[str]:
    """``python -m focalboost ARGS`` with this tree's ``src`` first on the path.

    ``prelude`` runs first in the child (e.g. to hide an optional package) and then ``main``.
    """
    env = {**os.environ, "PYTHONPATH": str(SRC), "OMP_NUM_THREADS": "1"}
    if prelude:
        code = (
            f"import sys\n{prelude}\nfrom focalboost.cli.main import main\n"
            "raise SystemExit(main(sys.argv[1:]))"
        )
        cmd = [sys.executable, "-c", code, *map(str, args)]
    else:
        cmd = [sys.executable, "-m", "focalboost", *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd, timeout=300)


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG header, after checking the signature and IHDR chunk."""
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG file"
    assert head[12:16] == b"IHDR", f"{path} has no IHDR chunk first"
    width, height = struct.unpack(">II", head[16:24])
    return width, height
