"""Plots are valid PNG files of the documented pixel size; without matplotlib, a clear message."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_helpers import FAST, HMDA, need_data, png_size, run_cli

pytest.importorskip("matplotlib")

DPI = 40  # PANEL is 5 x 4.5 inches: 200 x 180 pixels per panel at 40 dpi


def test_plot_loss_and_hessian(tmp_path: Path) -> None:
    loss = run_cli(
        "plot", "loss", "--gamma", "0", "1", "2", "5", "--output", tmp_path, "--dpi", DPI
    )
    assert loss.returncode == 0, loss.stderr
    assert png_size(tmp_path / "loss.png") == (400, 180)
    hessian = run_cli("plot", "hessian", "--output", tmp_path, "--dpi", DPI)
    assert hessian.returncode == 0, hessian.stderr
    assert png_size(tmp_path / "hessian.png") == (400, 180)
    assert str(tmp_path / "hessian.png") in hessian.stdout


def test_compare_writes_pr_and_calibration_plots_per_engine(tmp_path: Path) -> None:
    data = need_data(HMDA)
    result = run_cli(
        "compare", data, "--target", "target", "--engine", "all", "--output", tmp_path,
        "--dpi", DPI, "--quiet", *FAST,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    engines = [e for e in ("xgboost", "lightgbm") if e in result.stdout]
    for name in ("pr_curves.png", "calibration.png"):
        assert png_size(tmp_path / name) == (200 * len(engines), 180)
    assert (tmp_path / "results.json").is_file()


def test_demo_runs_on_the_built_in_data(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = run_cli(
        "demo", "--engine", "lightgbm", "--rounds", "5", "--threads", "1", "--output", out,
        "--dpi", DPI,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "nycflights13" in result.stdout
    assert "20000 rows" in result.stdout
    assert "focal g=" in result.stdout
    assert "logistic" in result.stdout
    assert png_size(out / "pr_curves.png") == (200, 180)
    assert png_size(out / "calibration.png") == (200, 180)


def test_without_matplotlib_plot_commands_name_the_extra(tmp_path: Path) -> None:
    hide = "sys.modules['matplotlib'] = None"
    result = run_cli("plot", "loss", "--output", tmp_path, prelude=hide)
    assert result.returncode == 3
    assert "pip install 'focalboost[plot]'" in result.stderr
    demo = run_cli("demo", "--output", tmp_path / "d", prelude=hide)
    assert demo.returncode == 3  # refused before any training
    assert "focalboost[plot]" in demo.stderr
    assert not (tmp_path / "d").exists()
