"""focalboost: the alpha-weighted focal loss as a first-class objective for gradient boosting.

The core (:class:`FocalLoss`) needs only numpy; XGBoost and LightGBM are optional extras.
"""

from __future__ import annotations

from focalboost.loss import INIT_MARGIN_BOUND, FocalLoss

__all__ = ["INIT_MARGIN_BOUND", "FocalLoss", "__version__"]
__version__ = "0.1.0"
