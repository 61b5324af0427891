"""scikit-learn estimators trained with the focal loss.

Each estimator lives in its own module and imports its engine there, so importing this package
imports no engine: ``from focalboost.estimators import FocalXGBClassifier`` needs only XGBoost.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "FocalXGBClassifier": "focalboost.estimators.xgb_classifier",
    "FocalLGBMClassifier": "focalboost.estimators.lgbm_classifier",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
