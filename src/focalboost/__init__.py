"""focalboost: the alpha-weighted focal loss as a first-class objective for gradient boosting.

The core (:class:`FocalLoss`) needs only numpy; XGBoost and LightGBM are optional extras.
"""

from __future__ import annotations

from typing import Any

from focalboost.loss import INIT_MARGIN_BOUND, FocalLoss

__all__ = ["INIT_MARGIN_BOUND", "FocalLoss", "FocalMultiLabelClassifier", "__version__"]
__version__ = "0.1.0"

# Engine- and scikit-learn-dependent names, imported on first access so `import focalboost` stays light.
_LAZY = {"FocalMultiLabelClassifier": "focalboost.multilabel"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'focalboost' has no attribute {name!r}")
