"""LightGBM training with the focal objective, starting from the focal-optimal intercept.

LightGBM starts a custom objective at margin 0 and ignores ``boost_from_average``.  :func:`train`
sets ``init_score`` to :meth:`FocalLoss.init_margin` of the training labels on the training set and
on every validation set, trains, and then adds the intercept to every leaf of the first tree, so the
returned booster's ``predict(X, raw_score=True)`` and its saved model include it: nothing has to be
re-added at prediction.

Recipe without this module::

    m0 = fl.init_margin(y, w)
    train_set = lightgbm.Dataset(X, y, weight=w, init_score=np.full(len(y), m0))
    valid_set = lightgbm.Dataset(Xv, yv, init_score=np.full(len(yv), m0), reference=train_set)
    booster = lightgbm.train({"objective": fl.lgb_objective, "metric": "None"}, train_set,
                             valid_sets=[valid_set], feval=fl.lgb_metric)
    proba = fl.probability(booster.predict(X_test, raw_score=True) + m0)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from focalboost._engines import require
from focalboost.loss import FocalLoss

if TYPE_CHECKING:
    import lightgbm

_OBJECTIVE_ALIASES = ("objective", "objective_type", "app", "application", "loss")


def train(
    params: Mapping[str, Any],
    train_set: lightgbm.Dataset,
    num_boost_round: int = 100,
    *,
    loss: FocalLoss,
    valid_sets: Sequence[lightgbm.Dataset] | None = None,
    **kwargs: Any,
) -> lightgbm.Booster:
    """``lightgbm.train`` with the focal objective and the focal-optimal intercept.

    Parameters
    ----------
    params : mapping
        LightGBM parameters, without an objective (it is set to ``loss.lgb_objective``).  ``metric``
        defaults to ``"None"`` so only the focal metric is reported.
    train_set : lightgbm.Dataset
        Training data with labels (and optional weights).  If it already has an ``init_score``
        of your own the intercept is left to you: nothing is set or folded.  (One set by an
        earlier call of this function is replaced, so a Dataset can be trained on again.)
    num_boost_round : int
        Boosting rounds.
    loss : FocalLoss
        The loss to optimise.
    valid_sets : sequence of lightgbm.Dataset, optional
        Validation sets; each gets the same constant ``init_score``.  Scored with
        ``loss.lgb_metric`` (``"focal"``) unless ``feval`` is passed; usable for early stopping.
    **kwargs
        Passed to ``lightgbm.train`` (``valid_names``, ``feval``, ``callbacks``...).

    Returns
    -------
    lightgbm.Booster
        With the intercept folded into the first tree.  Do not continue training it
        (``init_model``) on the same Dataset objects: their ``init_score`` would count the
        intercept twice.
    """
    lgb = require("lightgbm")
    if not isinstance(loss, FocalLoss):
        raise TypeError(f"loss must be a FocalLoss, got {type(loss).__name__}")
    for key in _OBJECTIVE_ALIASES:
        if key in params:
            raise ValueError(f"params[{key!r}] is set; train() sets the focal objective itself")
    params = {**params, "objective": _SharedObjective(loss)}
    params.setdefault("metric", "None")
    labels = train_set.get_label()
    if labels is None:
        raise ValueError("train_set has no labels")
    labels = np.asarray(labels, dtype=np.float64)
    weight = _field(train_set, "weight")
    intercept: float | None = None
    # An init_score set by an earlier call of train() on the same Dataset is replaced, not taken
    # for the user's own (which would leave the new model without its intercept).
    if _field(train_set, "init_score") is None or _set_here(train_set):
        intercept = float(loss.init_margin(labels, None if weight is None else np.asarray(weight)))
        _set_constant_init_score(train_set, intercept)
        for valid in valid_sets or ():
            if valid is not train_set:
                if _field(valid, "init_score") is not None and not _set_here(valid):
                    raise ValueError(
                        "a validation set already has an init_score; the intercept would be wrong"
                    )
                _set_constant_init_score(valid, intercept)
    if "feval" not in kwargs:
        kwargs["feval"] = loss.lgb_metric
    booster: lightgbm.Booster = lgb.train(
        params, train_set, num_boost_round, valid_sets=valid_sets, **kwargs
    )
    if intercept is not None:
        fold_intercept(booster, intercept)
    return booster


class _SharedObjective:
    """``loss.lgb_objective`` that survives ``lightgbm.train``'s deep copy of ``params``.

    A bound method would be deep-copied together with its FocalLoss, so the attributes the
    objective sets (``alpha_``, ``negative_hessian_count_``...) would land on a copy the caller
    never sees.  This wrapper deep-copies to itself and pickles like the method.
    """

    def __init__(self, loss: FocalLoss) -> None:
        self.loss = loss

    def __call__(self, preds: Any, train_data: lightgbm.Dataset) -> Any:
        return self.loss.lgb_objective(preds, train_data)

    def __deepcopy__(self, memo: dict[int, Any]) -> _SharedObjective:
        return self


def fold_intercept(booster: lightgbm.Booster, intercept: float) -> None:
    """Add ``intercept`` to every leaf of the booster's first tree, in place.

    Every prediction passes through exactly one leaf of tree 0, so this shifts all raw scores by
    ``intercept`` and the saved model carries it.
    """
    if booster.num_trees() == 0:
        raise ValueError("the booster has no trees to hold the intercept")
    tree = booster.dump_model(num_iteration=1)["tree_info"][0]
    for leaf in range(int(tree["num_leaves"])):
        booster.set_leaf_output(0, leaf, booster.get_leaf_output(0, leaf) + intercept)


def _field(dataset: lightgbm.Dataset, name: str) -> Any:
    """A Dataset field, before or after construction (the getters refuse before it)."""
    if dataset._handle is None:
        return getattr(dataset, name)
    return getattr(dataset, f"get_{name}")()


#: Attribute marking a Dataset whose init_score :func:`train` set.
_MARK = "_focalboost_intercept"


def _set_here(dataset: lightgbm.Dataset) -> bool:
    return getattr(dataset, _MARK, None) is not None


def _set_constant_init_score(dataset: lightgbm.Dataset, value: float) -> None:
    n = dataset.num_data() if dataset._handle is not None else len(np.asarray(dataset.get_label()))
    dataset.set_init_score(np.full(n, value, dtype=np.float64))
    setattr(dataset, _MARK, value)
