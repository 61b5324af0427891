"""The command line's honesty checks: verdict rules, early stopping, codebook columns, help text."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from cli_helpers import FAST, HMDA, need_data, run_cli
from focalboost.cli.compare import T_THRESHOLD, bootstrap_differences, judge

pd = pytest.importorskip("pandas")


# --- judge: the won / lost / tie rule ---------------------------------------------------------


def test_cv_win_needs_every_fold_and_a_clear_t() -> None:
    out = judge("pr_auc", np.array([0.010, 0.012, 0.011]))
    assert out["verdict"] == "won"
    assert out["focal_better_in"] == 3
    assert out["n_splits"] == 3
    assert out["se"] == pytest.approx(np.std([0.010, 0.012, 0.011], ddof=1) / np.sqrt(3))
    assert out["t"] == pytest.approx(0.011 / out["se"])


def test_cv_one_fold_of_three_is_a_tie_not_a_loss() -> None:
    # the reported case: focal better in 1 of 3 folds, mean difference negative
    out = judge("roc_auc", np.array([0.004, -0.02, -0.0143]))
    assert out["focal_better_in"] == 1
    assert out["mean_diff"] == pytest.approx(-0.0101)
    assert out["verdict"] == "tie"


def test_cv_consistent_but_noisy_difference_is_a_tie() -> None:
    d = np.array([0.001, 0.03, 0.002])  # better in every fold, but t is below the threshold
    out = judge("pr_auc", d)
    assert out["focal_better_in"] == 3
    assert abs(out["t"]) < T_THRESHOLD
    assert out["verdict"] == "tie"


def test_log_loss_lower_is_better_for_the_verdict() -> None:
    assert judge("log_loss", np.array([-0.01, -0.011, -0.012]))["verdict"] == "won"
    assert judge("log_loss", np.array([0.01, 0.011, 0.012]))["verdict"] == "lost"
    assert judge("log_loss", np.array([0.01, 0.011, 0.012]))["focal_better_in"] == 0


def test_single_split_uses_the_bootstrap_standard_error() -> None:
    assert judge("pr_auc", np.array([0.0005]), se_bootstrap=0.004)["verdict"] == "tie"
    assert judge("pr_auc", np.array([0.05]), se_bootstrap=0.004)["verdict"] == "won"
    assert judge("pr_auc", np.array([-0.05]), se_bootstrap=0.004)["verdict"] == "lost"
    assert judge("pr_auc", np.array([0.05]), se_bootstrap=float("nan"))["verdict"] == "tie"


def test_no_difference_is_a_tie() -> None:
    assert judge("roc_auc", np.zeros(3))["verdict"] == "tie"
    assert judge("roc_auc", np.zeros(1), se_bootstrap=0.0)["verdict"] == "tie"


def test_paired_bootstrap_of_identical_models_has_zero_spread() -> None:
    rng = np.random.default_rng(1)
    y = (rng.random(400) < 0.2).astype(np.float64)
    p = rng.random(400)
    boot = bootstrap_differences(y, p, p.copy(), seed=0, resamples=30)
    assert boot.shape == (30, 4)
    assert np.all(boot == 0)


def test_paired_bootstrap_se_matches_a_resample_by_hand_and_is_seeded() -> None:
    rng = np.random.default_rng(2)
    y = (rng.random(300) < 0.3).astype(np.float64)
    p_log = np.clip(0.3 + 0.2 * (y - 0.3) + 0.2 * rng.standard_normal(300), 0.01, 0.99)
    p_foc = np.clip(p_log + 0.05 * rng.standard_normal(300), 0.01, 0.99)
    a = bootstrap_differences(y, p_log, p_foc, seed=5, resamples=20)
    b = bootstrap_differences(y, p_log, p_foc, seed=5, resamples=20)
    np.testing.assert_array_equal(a, b)
    from focalboost import metrics

    idx = np.random.default_rng(5 + 2).integers(0, 300, 300)  # the first resample
    roc = metrics.roc_auc(y[idx], p_foc[idx]) - metrics.roc_auc(y[idx], p_log[idx])
    assert a[0, 0] == pytest.approx(roc)
    assert a[:, 0].std() > 0


# --- early stopping ---------------------------------------------------------------------------


def test_early_stopping_keeps_fewer_trees_than_the_maximum_and_reports_them() -> None:
    data = need_data(HMDA)
    result = run_cli(
        "compare", data, "--target", "target", "--json", "--quiet", "--threads", "1",
        "--rounds", "400", "--early-stopping", "10", "--learning-rate", "0.3",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["settings"]["early_stopping"] == 10
    for entry in out["models"]:
        (trees,) = entry["trees"]
        assert 1 <= trees < 400, entry  # stopped well before the cap at this learning rate


def test_early_stopping_zero_trains_every_round() -> None:
    data = need_data(HMDA)
    result = run_cli(
        "compare", data, "--target", "target", "--json", "--quiet", "--engine", "all",
        "--early-stopping", "0", *FAST,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["settings"]["inner_validation"] is None
    assert all(entry["trees"] == [8] for entry in out["models"])


def test_train_reports_and_saves_the_trees_kept(tmp_path: Path) -> None:
    data = need_data(HMDA)
    model = tmp_path / "m.json"
    result = run_cli(
        "train", data, "--target", "target", "--model", model, "--threads", "1",
        "--rounds", "300", "--early-stopping", "5", "--learning-rate", "0.5",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    doc = json.loads(model.read_text())
    trees = doc["training"]["trees"]
    assert 1 <= trees < 300
    assert f"{trees} trees (early stopping" in result.stdout
    scores = run_cli("predict", "--model", model, data)
    assert scores.returncode == 0, scores.stderr


# --- codebook.json ----------------------------------------------------------------------------


def _hmda_copy(folder: Path, codebook: object) -> Path:
    path = folder / "hmda_deny.csv"
    shutil.copy(need_data(HMDA), path)
    if codebook is not None:
        (folder / "codebook.json").write_text(json.dumps(codebook))
    return path


def test_codebook_beside_the_data_declares_categorical_columns(tmp_path: Path) -> None:
    data = _hmda_copy(
        tmp_path, {"hmda_deny.csv": {"phist": ["no", "yes"], "target": ["0", "1"]}, "x.csv": {}}
    )
    result = run_cli(
        "compare", data, "--target", "target", "--categorical", "chist", "--engine", "lightgbm",
        "--output", tmp_path / "out", "--no-plots", *FAST,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    saved = json.loads((tmp_path / "out" / "results.json").read_text())
    assert sorted(saved["data"]["categorical"]) == ["chist", "phist"]  # target is not a feature
    assert saved["data"]["categorical_from_codebook"]["columns"] == ["phist"]
    assert "categorical from" in result.stdout
    assert "codebook.json: phist" in result.stdout


def test_shared_codebook_is_picked_up_for_the_real_file() -> None:
    data = need_data(HMDA)
    result = run_cli("compare", data, "--target", "target", "--engine", "xgboost", "--json", *FAST)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    listed = json.loads((data.parent / "codebook.json").read_text())["hmda_deny.csv"]
    assert sorted(out["data"]["categorical"]) == sorted(listed)


def test_no_codebook_entry_means_no_categorical_columns(tmp_path: Path) -> None:
    data = _hmda_copy(tmp_path, {"other.csv": {"phist": ["no", "yes"]}})
    result = run_cli("compare", data, "--target", "target", "--engine", "xgboost", "--json", *FAST)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["data"]["categorical"] == []
    assert out["data"]["categorical_from_codebook"] is None


def test_unreadable_codebook_is_a_data_error(tmp_path: Path) -> None:
    data = _hmda_copy(tmp_path, None)
    (tmp_path / "codebook.json").write_text("{not json")
    result = run_cli("compare", data, "--target", "target", *FAST)
    assert result.returncode == 4
    assert "codebook.json" in result.stderr


# --- help text --------------------------------------------------------------------------------


def test_demo_help_has_no_doubled_percent_and_shows_defaults() -> None:
    result = run_cli("demo", "--help")
    assert result.returncode == 0
    assert "%%" not in result.stdout
    assert "11.2 % late" in result.stdout
    text = " ".join(result.stdout.split("options:", 1)[1].split())
    for option, default in (("--rounds", "1000"), ("--early-stopping", "50"), ("--seed", "0")):
        block = text.split(option + " ", 1)[1].split(" --", 1)[0]
        assert f"(default: {default})" in block, (option, block)
    assert "(default: all)" in text.split("--threads", 1)[1]


@pytest.mark.parametrize("command", [["compare"], ["train"], ["demo"], ["plot", "hessian"]])
def test_every_option_with_a_default_says_it(command: list[str]) -> None:
    from focalboost.cli.args import build_parser

    parser = build_parser()
    sub = parser._subparsers._group_actions[0].choices[command[0]]  # type: ignore[union-attr]
    if len(command) > 1:
        sub = sub._subparsers._group_actions[0].choices[command[1]]
    help_text = sub.format_help()
    for action in sub._actions:
        if action.default not in (None, False, "==SUPPRESS==") and action.option_strings:
            assert action.help, action.option_strings
            assert "default" in action.help or "default" in sub._get_formatter()._get_help_string(
                action
            ), action.option_strings
    assert "%%" not in help_text


def test_plot_loss_help_explains_gamma_and_output() -> None:
    result = run_cli("plot", "loss", "--help")
    text = " ".join(result.stdout.split())
    assert "--gamma G [G ...] focusing parameter" in text
    assert "results" not in text.split("--output DIR", 1)[1].split("--dpi")[0]


@pytest.mark.parametrize(
    ("args", "usage"),
    [
        (["demo", "--targt", "x"], "usage: focalboost demo"),
        (["compare", "data.csv", "--targt", "y"], "usage: focalboost compare"),
        (["plot", "loss", "--gama", "1"], "usage: focalboost plot loss"),
    ],
)
def test_misspelt_option_shows_the_subcommand_usage(args: list[str], usage: str) -> None:
    result = run_cli(*args)
    assert result.returncode == 2
    assert result.stderr.startswith(usage)
    assert "unrecognized arguments" in result.stderr


# --- plot legend ------------------------------------------------------------------------------


def test_pr_legend_names_the_chosen_focal_setting() -> None:
    from focalboost.cli.report import curve_labels

    def focal(engine: str, selected: list[tuple[float, object]]) -> dict[str, object]:
        return {
            "engine": engine,
            "model": "focal",
            "selected": [{"gamma": g, "alpha": a} for g, a in selected],
        }

    results = {
        "settings": {"engines": ["xgboost", "lightgbm"]},
        "models": [
            {"engine": "xgboost", "model": "logistic"},
            focal("xgboost", [(1.0, 0.25)]),
            focal("lightgbm", [(1.0, 0.25), (2.0, "balanced")]),
        ],
    }
    labels = curve_labels(results)
    gamma, alpha = "\N{GREEK SMALL LETTER GAMMA}", "\N{GREEK SMALL LETTER ALPHA}"
    assert labels[("xgboost", "focal")] == f"focal ({gamma}=1, {alpha}=0.25)"
    assert "varies" in labels[("lightgbm", "focal")]
