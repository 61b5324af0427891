"""The evidence study (benchmarks/study.py) runs end to end on tiny settings."""
# ruff: noqa: RUF001 (Greek letters in report text)

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"

PNGS = (
    "loss_curves.png",
    "hessian_sign.png",
    "policy_rounds.png",
    "pr_auc_bars.png",
    "f1_bars.png",
    "decision_regions.png",
)


def _table_rows(md: str, header_start: str) -> list[str]:
    lines = md.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header_start))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append(line)
    return rows


def test_quick_study_writes_report_and_figures(tmp_path: Path) -> None:
    for module in ("xgboost", "lightgbm", "sklearn", "pandas", "matplotlib", "scipy"):
        pytest.importorskip(module)
    if not (DATA / "hmda_deny.csv").is_file():
        pytest.skip(f"{DATA} is not available")
    cmd = [
        sys.executable,
        str(ROOT / "benchmarks" / "study.py"),
        "--quick",
        "--datasets",
        "hmda_deny",
        "--max-rows",
        "600",
        "--folds",
        "2",
        "--out",
        str(tmp_path),
    ]
    subprocess.run(cmd, check=True, capture_output=True, timeout=300)
    for name in PNGS:
        assert (tmp_path / "img" / name).stat().st_size > 1000, name
    md = (tmp_path / "results.md").read_text()
    raw = json.loads((tmp_path / "study_results.json").read_text())

    # Part 1: 2 engines x 6 policies x 2 gammas x 1 learning rate.
    policy_rows = _table_rows(md, "| dataset | engine | γ | lr | label noise | policy |")
    assert len(policy_rows) == 24
    assert {r.split("|")[6].strip() for r in policy_rows} == {
        "`exact`", "`clip`", "`abs`", "`upper`", "`expected`", "`logistic`"
    }  # fmt: skip
    # Part 2: 2 folds x 2 engines x 14 models, all metrics finite.
    rows = raw["part2"]["rows"]
    assert len(rows) == 2 * 2 * 14
    assert all(0.0 <= r["pr_auc"] <= 1.0 and r["log_loss"] > 0 for r in rows)
    # 13 models against logistic plus the two tuned families.
    assert len(_table_rows(md, "| model vs logistic |")) == 15
    appendix = _table_rows(md, "| model | PR-AUC |")
    assert len(appendix) == 16
    # Part 3: three models on the toy problem.
    assert len(_table_rows(md, "| model | % predicted positive")) == 3
