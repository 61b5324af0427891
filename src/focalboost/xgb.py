"""XGBoost training with the focal objective, starting from the focal-optimal intercept.

A custom objective gives XGBoost no way to estimate an intercept: it starts every row at its
``base_score``.  :func:`train` sets ``base_score`` to :meth:`FocalLoss.init_margin` of the training
labels, so the intercept lives inside the model: ``predict(output_margin=True)``, ``save_model`` and
``load_model`` all include it.  Multi-target models on XGBoost older than 3.1 (which cannot store one
intercept per target) get it as ``base_margin`` instead; :func:`predict_margin` re-adds it then.

Recipe without this module (1-D labels)::

    params = {"tree_method": "hist", "base_score": fl.init_margin(y, w),
              "disable_default_eval_metric": True}
    booster = xgboost.train(params, dtrain, obj=fl.xgb_objective, custom_metric=fl.xgb_metric)
    proba = fl.probability(booster.predict(dtest, output_margin=True))
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from focalboost._engines import require, version_tuple
from focalboost.loss import FocalLoss

if TYPE_CHECKING:
    import xgboost

#: Booster attribute holding the intercept :func:`train` started from (a JSON list, one per target).
INTERCEPT_ATTR = "focalboost_intercept"
#: Booster attribute: "1" when the intercept is stored as ``base_score`` inside the model.
IN_MODEL_ATTR = "focalboost_intercept_in_model"
#: Booster attribute with the loss settings (``alpha`` resolved on the training labels).
LOSS_ATTR = "focalboost_loss"


def _identity_link(params: Mapping[str, Any] | Sequence[tuple[str, Any]]) -> None:
    pairs = params.items() if isinstance(params, Mapping) else params
    for key, objective in pairs:
        if key == "objective" and objective != "reg:squarederror":
            raise ValueError(
                f"params['objective'] is {objective!r}; with the focal objective XGBoost must keep "
                "an identity link so that margins and base_score are raw margins. Remove "
                "'objective' (or set it to 'reg:squarederror')."
            )


def _param_pairs(params: Any) -> list[tuple[str, Any]]:
    """``params`` as (name, value) pairs: a mapping, or a list of pairs as ``xgboost.train`` takes."""
    if isinstance(params, Mapping):
        return list(params.items())
    if isinstance(params, (list, tuple)) and all(
        isinstance(p, (list, tuple)) and len(p) == 2 and isinstance(p[0], str) for p in params
    ):
        return [(str(k), v) for k, v in params]
    raise TypeError(
        "params must be a dict of XGBoost parameters or a list of (name, value) pairs, "
        f"got {params!r:.80}"
    )


def _check_base_margin(dmat: xgboost.DMatrix, name: str) -> None:
    margin = dmat.get_base_margin()
    if margin.size and not np.isfinite(margin).all():
        raise ValueError(f"{name} has a base_margin with NaN or infinite values")


def train(
    params: Mapping[str, Any],
    dtrain: xgboost.DMatrix,
    num_boost_round: int = 10,
    *,
    loss: FocalLoss,
    evals: Sequence[tuple[xgboost.DMatrix, str]] = (),
    **kwargs: Any,
) -> xgboost.Booster:
    """``xgboost.train`` with ``obj=loss.xgb_objective`` and the focal-optimal intercept.

    Parameters
    ----------
    params : mapping or list of (name, value) pairs
        XGBoost parameters (a list keeps repeated keys such as several ``eval_metric``).
        ``objective`` must be absent or ``"reg:squarederror"`` (the identity link a custom
        objective needs).  A ``base_score`` given here is used as is.
    dtrain : xgboost.DMatrix
        Training data with labels; its labels and weights define the intercept and
        ``alpha="balanced"``.  If it has a ``base_margin``, that margin is the starting point
        instead: ``base_score`` defaults to 0 and no intercept is added (as in XGBoost, data
        predicted without a base margin then starts from 0).
    num_boost_round : int
        Boosting rounds.
    loss : FocalLoss
        The loss to optimise.
    evals : sequence of (DMatrix, name)
        Evaluation sets, scored with ``loss.xgb_metric`` (``"focal"``) unless ``custom_metric`` is
        passed; usable for ``early_stopping_rounds``.
    **kwargs
        Passed to ``xgboost.train`` (``early_stopping_rounds``, ``callbacks``, ``custom_metric``...).

    Returns
    -------
    xgboost.Booster
        Its ``predict(..., output_margin=True)`` includes the intercept (see :func:`predict_margin`
        for the one case where it does not), and ``loss.probability`` turns margins into
        probabilities.
    """
    xgb = require("xgboost")
    if not isinstance(loss, FocalLoss):
        raise TypeError(f"loss must be a FocalLoss, got {type(loss).__name__}")
    if "obj" in kwargs:
        raise TypeError("train() sets obj=loss.xgb_objective itself; do not pass obj")
    pairs = _param_pairs(params)
    _identity_link(pairs)
    as_list = not isinstance(params, Mapping)  # keep repeated keys (several eval_metric)
    params = dict(pairs)
    if not isinstance(dtrain, xgb.DMatrix):
        raise TypeError(f"dtrain must be an xgboost.DMatrix, got {type(dtrain).__name__}")
    if dtrain.get_label().size == 0:
        raise ValueError("dtrain has no labels")
    _check_base_margin(dtrain, "dtrain")
    for i, ev in enumerate(evals):
        if not (isinstance(ev, (tuple, list)) and len(ev) == 2 and isinstance(ev[0], xgb.DMatrix)):
            raise TypeError(
                f"evals must be a list of (DMatrix, name) pairs; evals[{i}] is {ev!r:.60}"
            )
        _check_base_margin(ev[0], f"evals[{i}]")
    # XGBoost < 3 returns multi-target labels flattened; the row count recovers the targets.
    labels = np.asarray(dtrain.get_label()).reshape(dtrain.num_row(), -1)
    if labels.shape[1] == 1:
        labels = labels[:, 0]
    weight = dtrain.get_weight()
    weight = weight if weight.size else None
    intercept = np.atleast_1d(np.asarray(loss.init_margin(labels, weight), dtype=np.float64))
    in_model = True
    if "base_score" not in params and dtrain.get_base_margin().size == 0:
        if intercept.size == 1:
            params["base_score"] = float(intercept[0])
        elif version_tuple(xgb) >= (3, 1):
            params["base_score"] = [float(v) for v in intercept]
        else:  # one intercept per target needs XGBoost >= 3.1; feed it as a base margin instead
            in_model = False
            params["base_score"] = 0.0  # what predict() adds when no base margin is given
            for dmat in [dtrain, *(d for d, _ in evals)]:
                if dmat.get_base_margin().size == 0:
                    dmat.set_base_margin(np.tile(intercept, (dmat.num_row(), 1)))
    elif "base_score" in params:
        intercept = np.atleast_1d(np.asarray(params["base_score"], dtype=np.float64))
    else:  # the user supplied a base margin: it is the starting point; the model adds nothing
        intercept = np.zeros_like(intercept)
        params["base_score"] = 0.0
    if "custom_metric" not in kwargs and "feval" not in kwargs:
        kwargs["custom_metric"] = loss.xgb_metric
        params.setdefault("disable_default_eval_metric", True)
    engine_params: Any = params
    if as_list:
        added = [(k, v) for k, v in params.items() if all(k != key for key, _ in pairs)]
        engine_params = pairs + added
    booster: xgboost.Booster = xgb.train(
        engine_params, dtrain, num_boost_round, evals=list(evals), obj=loss.xgb_objective, **kwargs
    )
    alpha = getattr(loss, "alpha_", loss.resolve_alpha(labels, weight))
    booster.set_attr(
        **{
            INTERCEPT_ATTR: json.dumps([float(v) for v in intercept]),
            IN_MODEL_ATTR: "1" if in_model else "0",
            LOSS_ATTR: json.dumps(
                {"alpha": _jsonable(alpha), "gamma": _jsonable(loss.gamma), "hessian": loss.hessian}
            ),
        }
    )
    return booster


def predict_margin(booster: xgboost.Booster, data: xgboost.DMatrix, **kwargs: Any) -> NDArray[Any]:
    """Raw margins of a booster made by :func:`train`, intercept included.

    Equivalent to ``booster.predict(data, output_margin=True)`` except for multi-target models on
    XGBoost < 3.1, whose intercept is re-added here from the booster's attributes.
    """
    margin: NDArray[Any] = booster.predict(data, output_margin=True, **kwargs)
    if booster.attr(IN_MODEL_ATTR) == "0" and data.get_base_margin().size == 0:
        margin = margin + np.asarray(json.loads(booster.attr(INTERCEPT_ATTR) or "[0]"))
    return margin


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return [float(v) for v in value]
    return value
