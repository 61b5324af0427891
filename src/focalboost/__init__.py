"""focalboost: the alpha-weighted focal loss as a first-class objective for gradient boosting.

The core (:class:`FocalLoss`) needs only numpy; XGBoost and LightGBM are optional extras.
"""

from __future__ import annotations

from typing import Any

from focalboost.loss import INIT_MARGIN_BOUND, FocalLoss

__all__ = [
    "INIT_MARGIN_BOUND",
    "FocalLGBMClassifier",
    "FocalLoss",
    "FocalMultiLabelClassifier",
    "FocalXGBClassifier",
    "__version__",
]
__version__ = "0.1.0"

# Estimators import their engine and scikit-learn: loaded on first access only, so that
# `import focalboost` stays light and works without any engine installed.
_LAZY = {
    "FocalXGBClassifier": "focalboost.estimators.xgb_classifier",
    "FocalLGBMClassifier": "focalboost.estimators.lgbm_classifier",
    "FocalMultiLabelClassifier": "focalboost.multilabel",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
