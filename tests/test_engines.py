"""Optional engines: a light import, and a clear ImportError naming the extra when one is missing."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from focalboost import FocalLoss, _engines


def test_require_names_the_extra_for_an_unknown_module():
    with pytest.raises(ImportError, match=r"pip install 'focalboost\[no_such_module_xyz\]'"):
        _engines.require("no_such_module_xyz")


@pytest.mark.parametrize(
    ("module", "extra"),
    [("xgboost", "xgboost"), ("lightgbm", "lightgbm"), ("sklearn.metrics", "sklearn")],
)
def test_require_names_the_extra_of_a_missing_engine(monkeypatch, module, extra):
    monkeypatch.setitem(sys.modules, module, None)  # makes ``import module`` raise ImportError
    with pytest.raises(ImportError, match=rf"pip install 'focalboost\[{extra}\]'") as info:
        _engines.require(module)
    assert isinstance(info.value.__cause__, ImportError)


def test_train_helpers_without_their_engine(monkeypatch):
    import focalboost.lgb as flgb
    import focalboost.xgb as fxgb

    monkeypatch.setitem(sys.modules, "xgboost", None)
    monkeypatch.setitem(sys.modules, "lightgbm", None)
    with pytest.raises(ImportError, match=r"focalboost\[xgboost\]"):
        fxgb.train({}, object(), 1, loss=FocalLoss())
    with pytest.raises(ImportError, match=r"focalboost\[lightgbm\]"):
        flgb.train({}, object(), 1, loss=FocalLoss())


def test_import_focalboost_loads_no_engine():
    code = (
        "import sys, focalboost, focalboost.xgb, focalboost.lgb, focalboost.datasets\n"
        "loaded = [m for m in ('xgboost', 'lightgbm', 'sklearn') if m in sys.modules]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_version_tuple():
    class Fake:
        __version__ = "3.1.0rc1"

    assert _engines.version_tuple(Fake) == (3, 1, 0)
    Fake.__version__ = "2.1"
    assert _engines.version_tuple(Fake) == (2, 1)
    assert _engines.version_tuple(np) >= (1,)


@pytest.mark.parametrize(
    ("name", "blocked", "extras"),
    [
        ("FocalXGBClassifier", "sklearn", "xgboost,sklearn"),
        ("FocalLGBMClassifier", "lightgbm", "lightgbm,sklearn"),
        ("FocalMultiLabelClassifier", "sklearn", "xgboost,lightgbm,sklearn"),
    ],
)
def test_estimators_without_their_packages_name_the_extras(name, blocked, extras):
    # A fresh interpreter, so that no estimator module is already imported.
    code = (
        "import sys\n"
        f"sys.modules[{blocked!r}] = None\n"
        "import focalboost\n"
        "try:\n"
        f"    focalboost.{name}\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
        "else:\n"
        "    raise SystemExit('no ImportError')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert f"needs {blocked}," in out.stdout
    assert f"pip install 'focalboost[{extras}]'" in out.stdout


def test_dir_lists_the_public_names():
    import focalboost

    assert dir(focalboost) == sorted(focalboost.__all__)
