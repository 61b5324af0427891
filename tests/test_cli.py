"""The command line end to end: help, compare (hold-out, CV, multi-label, JSON) and error paths."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest

from cli_helpers import DOCTOR, FAST, HMDA, ROOT, need_data, run_cli
from focalboost.cli.progress import Progress, progress
from focalboost.cli.report import NAMES

pd = pytest.importorskip("pandas")

COMMANDS = [
    ["--help"],
    ["demo", "--help"],
    ["compare", "--help"],
    ["train", "--help"],
    ["predict", "--help"],
    ["plot", "--help"],
    ["plot", "loss", "--help"],
    ["plot", "hessian", "--help"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a))
def test_every_command_has_help_with_an_example(args: list[str]) -> None:
    result = run_cli(*args)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: focalboost")
    assert "example" in result.stdout
    assert "focalboost " in result.stdout.split("example", 1)[1]


def test_compare_holdout_json_has_both_models_and_a_verdict() -> None:
    data = need_data(HMDA)
    result = run_cli(
        "compare", data, "--target", "target", "--engine", "all", "--json", *FAST, "--quiet"
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["data"]["rows"] == 2380
    assert out["data"]["positive_rate"]["target"] == pytest.approx(285 / 2380)
    assert out["evaluation"] == {"kind": "holdout", "test_size": 0.25, "test_rows": 595}
    engines = sorted({m["engine"] for m in out["models"]})
    assert engines == ["lightgbm", "xgboost"]
    for entry in out["models"]:
        m = entry["metrics"]
        assert 0.5 < m["roc_auc"] <= 1.0  # a real signal on this data
        assert 0.0 < m["precision"] <= 1.0
        assert 0.0 < m["recall"] <= 1.0
        assert m["log_loss"] > 0
        if entry["model"] == "focal":
            assert entry["settings"] == {"gamma": 2.0, "alpha": 0.25}
    verdicts = {(r["engine"], r["metric"]): r for r in out["comparison"]}
    assert set(verdicts) == {
        (e, k) for e in engines for k in ("roc_auc", "pr_auc", "f1", "log_loss")
    }
    for row in verdicts.values():
        assert row["difference"] == pytest.approx(row["focal"] - row["logistic"])
        assert row["mean_diff"] == row["difference"]
        assert row["n_splits"] == 1
        assert row["se"] > 0  # paired bootstrap over the 595 test rows
        sign = -1 if row["metric"] == "log_loss" else 1
        beyond = sign * row["difference"] / row["se"]
        expected = "won" if beyond > 2 else "lost" if beyond < -2 else "tie"
        assert row["verdict"] == expected
        assert row["focal_better_in"] == int(sign * row["difference"] > 0)
    assert out["settings"]["early_stopping"] == 50
    for entry in out["models"]:
        assert 1 <= entry["trees"][0] <= 8  # FAST caps --rounds at 8


def test_compare_text_report_names_metrics_and_best_setting(tmp_path: Path) -> None:
    data = need_data(HMDA)
    result = run_cli(
        "compare",
        data,
        "--target",
        "target",
        "--engine",
        "lightgbm",
        "--gamma",
        "1",
        "3",
        "--alpha",
        "0.25",
        "balanced",
        "--cv",
        "3",
        "--output",
        tmp_path / "out",
        "--no-plots",
        *FAST,
    )
    assert result.returncode == 0, result.stderr
    for word in (
        "ROC-AUC",
        "PR-AUC",
        "precision",
        "recall",
        "log-loss",
        "3-fold",
        "grid: 4 settings",
    ):
        assert word in result.stdout
    saved = json.loads((tmp_path / "out" / "results.json").read_text())
    focal = next(m for m in saved["models"] if m["model"] == "focal")
    assert len(focal["folds"]) == 3
    assert all(len(grid) == 4 for grid in focal["grid"])
    for fold, grid in zip(focal["folds"], focal["grid"], strict=True):
        best = max(grid, key=lambda g: g["pr_auc"])  # picked by the inner-split PR-AUC
        assert (fold["gamma"], fold["alpha"]) == (best["gamma"], best["alpha"])
    assert f"focal g={focal['settings']['gamma']:g}" in result.stdout
    roc = [f["roc_auc"] for f in focal["folds"]]
    assert focal["metrics"]["roc_auc"] == pytest.approx(np.mean(roc))
    assert sorted(saved["evaluation"]["test_rows"]) == [793, 793, 794]
    for row in saved["comparison"]:
        assert row["n_splits"] == 3
        sign = -1 if row["metric"] == "log_loss" else 1
        diffs = [
            f[row["metric"]] - lg[row["metric"]]
            for f, lg in zip(
                focal["folds"],
                next(m for m in saved["models"] if m["model"] == "logistic")["folds"],
                strict=True,
            )
        ]
        assert row["focal_better_in"] == sum(sign * d > 0 for d in diffs)
        assert row["mean_diff"] == pytest.approx(np.mean(diffs))
        assert row["se"] == pytest.approx(np.std(diffs, ddof=1) / np.sqrt(3))
        line = next(
            ln for ln in result.stdout.splitlines() if ln.strip().startswith(NAMES[row["metric"]])
        )
        assert f"focal better in {row['focal_better_in']}/3 folds" in line
        assert line.endswith(row["verdict"])


def test_compare_multilabel_reports_each_label_and_the_macro_average() -> None:
    data = need_data(DOCTOR)
    result = run_cli(
        "compare", data, "--targets-prefix", "label_", "--engine", "xgboost", "--json", *FAST
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    labels = out["data"]["targets"]
    assert len(labels) == 6
    assert all(name.startswith("label_") for name in labels)
    per_label = [m for m in out["models"] if m["model"] == "focal"]
    assert [m["target"] for m in per_label] == labels
    macro = {m["model"]: m["metrics"] for m in out["macro"]}
    expected = np.mean([m["metrics"]["pr_auc"] for m in per_label])
    assert macro["focal"]["pr_auc"] == pytest.approx(expected)
    assert {r["target"] for r in out["comparison"]} == {*labels, "macro"}


def test_repeated_target_options_mean_multilabel() -> None:
    data = need_data(DOCTOR)
    result = run_cli(
        "compare",
        data,
        "--target",
        "label_hospadmi",
        "--target",
        "label_nondocco",
        "--categorical",
        "insurance,chcond",
        "--engine",
        "lightgbm",
        *FAST,
    )
    assert result.returncode == 0, result.stderr
    assert "label_hospadmi" in result.stdout
    assert "macro" in result.stdout
    assert "2 categorical" in result.stdout


def test_compare_reads_parquet_and_text_targets(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    frame = pd.read_csv(need_data(HMDA))
    frame["target"] = np.where(frame["target"] == 1, "denied", "approved")
    frame["afam"] = np.where(frame["afam"] == 1, "yes", "no")  # a text column: categorical
    path = tmp_path / "loans.parquet"
    frame.to_parquet(path)
    result = run_cli("compare", path, "--target", "target", "--positive", "denied", "--json", *FAST)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["data"]["positive_label"] == "denied"
    assert out["data"]["positive_rate"]["target"] == pytest.approx(285 / 2380)
    assert out["data"]["categorical"] == ["afam"]


# ---------------------------------------------------------------------------- error paths
def _table(tmp_path: Path, **columns: object) -> Path:
    path = tmp_path / "t.csv"
    pd.DataFrame(columns).to_csv(path, index=False)
    return path


def test_missing_file_exits_4(tmp_path: Path) -> None:
    result = run_cli("compare", tmp_path / "absent.csv", "--target", "y")
    assert result.returncode == 4
    assert "no such file" in result.stderr
    assert "absent.csv" in result.stderr


def test_missing_target_column_exits_4_and_lists_columns() -> None:
    result = run_cli("compare", need_data(HMDA), "--target", "denied")
    assert result.returncode == 4
    assert "target column 'denied' not found" in result.stderr
    assert "pirat" in result.stderr


def test_no_target_given_exits_2() -> None:
    result = run_cli("compare", need_data(HMDA))
    assert result.returncode == 2
    assert "--target" in result.stderr


def test_constant_target_exits_4(tmp_path: Path) -> None:
    path = _table(tmp_path, x=[1.0, 2.0, 3.0, 4.0], y=[0, 0, 0, 0])
    result = run_cli("compare", path, "--target", "y")
    assert result.returncode == 4
    assert "constant" in result.stderr


def test_target_with_missing_values_exits_4(tmp_path: Path) -> None:
    path = _table(tmp_path, x=[1.0, 2.0, 3.0, 4.0], y=[0, 1, None, 1])
    result = run_cli("compare", path, "--target", "y")
    assert result.returncode == 4
    assert "1 missing values" in result.stderr


def test_multivalued_target_asks_for_positive() -> None:
    result = run_cli("compare", need_data(HMDA), "--target", "chist")
    assert result.returncode == 4
    assert "--positive" in result.stderr


def test_unknown_positive_label_exits_4() -> None:
    result = run_cli("compare", need_data(HMDA), "--target", "target", "--positive", "yes")
    assert result.returncode == 4
    assert "'yes' is not a value" in result.stderr


def test_unreadable_data_exits_4(tmp_path: Path) -> None:
    path = tmp_path / "broken.csv"
    path.write_bytes(b"a,b\n1,2\n3,4,5,6\n")
    result = run_cli("compare", path, "--target", "a")
    assert result.returncode == 4
    assert "could not read" in result.stderr


def test_corrupt_parquet_exits_4(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"not parquet at all")
    result = run_cli("compare", path, "--target", "a")
    assert result.returncode == 4
    assert "could not read" in result.stderr


def test_date_feature_is_refused_with_advice(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    frame = pd.DataFrame({"when": pd.date_range("2024-01-01", periods=6), "y": [0, 1, 0, 1, 0, 1]})
    frame.to_parquet(tmp_path / "d.parquet")
    result = run_cli("compare", tmp_path / "d.parquet", "--target", "y")
    assert result.returncode == 4
    assert "'when'" in result.stderr
    assert "--drop" in result.stderr


def test_too_few_positives_for_the_split_exits_4(tmp_path: Path) -> None:
    path = _table(tmp_path, x=np.arange(10.0), y=[1] + [0] * 9)
    result = run_cli("compare", path, "--target", "y", "--cv", "3")
    assert result.returncode == 4
    assert "only one class" in result.stderr


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--gamma", "-1"], "gamma must be a finite number >= 0"),
        (["--gamma", "two"], "gamma must be a number"),
        (["--alpha", "1.5"], "alpha must lie strictly between 0 and 1"),
        (["--alpha", "high"], "alpha must be a number in (0, 1)"),
        (["--engine", "catboost"], "invalid choice: 'catboost'"),
        (["--rounds", "0"], "expected a whole number >= 1"),
        (["--cv", "1"], "at least 2 folds"),
        (["--test-size", "1.5"], "strictly between 0 and 1"),
        (["--cv", "3", "--test-size", "0.2"], "not allowed with argument"),
        (["--learning-rate", "-0.1"], "expected a finite number > 0"),
    ],
)
def test_bad_parameters_exit_2_with_the_reason(option: list[str], message: str) -> None:
    result = run_cli("compare", "whatever.csv", "--target", "y", *option)
    assert result.returncode == 2
    assert message in result.stderr


def test_missing_pandas_names_the_cli_extra() -> None:
    result = run_cli(
        "compare", need_data(HMDA), "--target", "target", prelude="sys.modules['pandas'] = None"
    )
    assert result.returncode == 3
    assert "pip install 'focalboost[cli]'" in result.stderr


def test_missing_pyarrow_names_the_cli_extra(tmp_path: Path) -> None:
    path = tmp_path / "x.parquet"
    path.write_bytes(b"PAR1")
    result = run_cli("compare", path, "--target", "y", prelude="sys.modules['pyarrow'] = None")
    assert result.returncode == 3
    assert "Parquet" in result.stderr
    assert "focalboost[cli]" in result.stderr


def test_missing_engine_names_its_extra() -> None:
    result = run_cli(
        "compare",
        need_data(HMDA),
        "--target",
        "target",
        "--engine",
        "lightgbm",
        prelude="sys.modules['lightgbm'] = None",
    )
    assert result.returncode == 3
    assert "pip install 'focalboost[lightgbm]'" in result.stderr


# ---------------------------------------------------------------------------- progress
class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_draws_on_a_terminal_and_erases_itself() -> None:
    stream = _Tty()
    bar = Progress(4, "training", enabled=True, stream=stream, delay=0.0, width=8)
    bar.advance("xgboost")
    bar.advance()
    assert "training [####----] 2/4" in stream.getvalue()
    bar.close()
    assert stream.getvalue().endswith("\r")


def test_progress_is_silent_when_quiet_or_not_a_terminal() -> None:
    for stream, quiet in ((_Tty(), True), (io.StringIO(), False)):
        bar = progress(3, "training", quiet=quiet, stream=stream)
        bar.delay = 0.0
        bar.advance()
        bar.close()
        assert stream.getvalue() == ""
    assert progress(3, "training", quiet=False, stream=_Tty()).enabled


def test_console_script_entry_point_is_main() -> None:
    tomllib = pytest.importorskip("tomllib")
    from focalboost.cli.main import main

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    module, _, name = project["scripts"]["focalboost"].partition(":")
    assert getattr(__import__(module, fromlist=[name]), name) is main
    extras = project["optional-dependencies"]
    for extra in ("cli", "plot"):  # what `focalboost demo` and `compare` need is in [all]
        assert {r.split(">")[0] for r in extras[extra]} <= {r.split(">")[0] for r in extras["all"]}
