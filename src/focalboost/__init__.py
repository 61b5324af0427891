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
# The extras each lazily imported name needs, for the error raised when one is missing.
_EXTRAS = {
    "FocalXGBClassifier": "xgboost,sklearn",
    "FocalLGBMClassifier": "lightgbm,sklearn",
    "FocalMultiLabelClassifier": "xgboost,lightgbm,sklearn",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        try:
            module = importlib.import_module(_LAZY[name])
        except ImportError as exc:
            raise ImportError(
                f"focalboost.{name} needs {(exc.name or 'a package').split('.')[0]}, which is not installed; "
                f"install it with: pip install 'focalboost[{_EXTRAS[name]}]'"
            ) from exc
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
