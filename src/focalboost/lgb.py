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

import inspect
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
        defaults to ``"None"`` so only the focal metric is reported, and ``feature_pre_filter`` to
        False (LightGBM's custom-objective path fails when pre-filtering leaves no feature).
    train_set : lightgbm.Dataset
        Training data with labels (and optional weights).  If it already has an ``init_score``
        of your own the intercept is left to you: nothing is set or folded.  The init_score this
        function sets is removed again afterwards, so a Dataset can be trained on again.
    num_boost_round : int
        Boosting rounds.
    loss : FocalLoss
        The loss to optimise.
    valid_sets : sequence of lightgbm.Dataset, optional
        Validation sets, each with labels; each gets the same constant ``init_score`` while
        training (removed again afterwards: the Datasets are left as they were given).  Scored with
        ``loss.lgb_metric`` (``"focal"``) unless ``feval`` is passed; usable for early stopping.
    **kwargs
        Passed to ``lightgbm.train`` (``valid_names``, ``feval``, ``callbacks``...).

    Returns
    -------
    lightgbm.Booster
        With the intercept folded into the first tree, so ``predict(X, start_iteration=k)`` with
        ``k > 0`` skips the intercept as well as the first ``k`` trees.
    """
    lgb = require("lightgbm")
    if not isinstance(loss, FocalLoss):
        raise TypeError(f"loss must be a FocalLoss, got {type(loss).__name__}")
    if not isinstance(params, Mapping):
        raise TypeError(
            f"params must be a dict of LightGBM parameters, got {type(params).__name__}"
        )
    for key in _OBJECTIVE_ALIASES:
        if key in params:
            raise ValueError(f"params[{key!r}] is set; train() sets the focal objective itself")
    params = dict(params)
    params["objective"] = _SharedObjective(loss)
    params.setdefault("metric", "None")
    if train_set._handle is None and "feature_pre_filter" not in (train_set.params or {}):
        # LightGBM's custom-objective path crashes when pre-filtering leaves no feature (tiny or
        # constant data); features it would drop can never be split, so no tree changes.
        params.setdefault("feature_pre_filter", False)
    labels = _field(train_set, "label")
    if labels is None:
        raise ValueError("train_set has no labels")
    for i, valid in enumerate(valid_sets or ()):
        if valid is not train_set and _field(valid, "label") is None:
            raise ValueError(f"valid_sets[{i}] has no labels")
    labels = np.asarray(labels)
    if labels.dtype.kind not in "iubf":
        raise TypeError(f"train_set labels must be numeric 0/1 values, got dtype {labels.dtype}")
    labels = labels.astype(np.float64)
    weight = _field(train_set, "weight")
    intercept: float | None = None
    ours: list[lightgbm.Dataset] = []  # datasets whose init_score we set: cleared afterwards
    try:
        if _field(train_set, "init_score") is None:
            intercept = float(
                loss.init_margin(labels, None if weight is None else np.asarray(weight))
            )
            for i, valid in enumerate(valid_sets or ()):
                if valid is not train_set and _field(valid, "init_score") is not None:
                    raise ValueError(
                        f"valid_sets[{i}] already has an init_score but train_set has none; the "
                        "intercept would be wrong"
                    )
            for dataset in [train_set, *(v for v in valid_sets or () if v is not train_set)]:
                if all(dataset is not d for d in ours):
                    _set_constant_init_score(dataset, intercept)
                    ours.append(dataset)
        if "feval" not in kwargs:
            kwargs["feval"] = loss.lgb_metric
        if (
            train_set._handle is not None
            and "categorical_feature" not in kwargs
            and "categorical_feature" in inspect.signature(lgb.train).parameters
        ):
            # LightGBM releases whose train() takes categorical_feature (4.0) re-apply it ("auto")
            # to the Dataset and refuse once its raw data is freed; repeating the Dataset's own
            # makes that a no-op, so a Dataset that was trained on before can be trained again.
            kwargs["categorical_feature"] = train_set.categorical_feature
        booster: lightgbm.Booster = lgb.train(
            params, train_set, num_boost_round, valid_sets=valid_sets, **kwargs
        )
    finally:
        # Leave the caller's Datasets as they were: an init_score left behind would be taken as
        # the caller's own offset by the next train() and the intercept would be dropped.
        for dataset in ours:
            _clear_init_score(dataset)
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
    ``intercept`` and the saved model carries it (predictions that skip tree 0, with
    ``start_iteration > 0``, do not include it).  ``intercept`` must be a finite number.
    """
    if isinstance(intercept, (bool, np.bool_)) or not isinstance(
        intercept, (int, float, np.number)
    ):
        raise TypeError(f"intercept must be a finite float, got {intercept!r}")
    if not np.isfinite(intercept):
        raise ValueError(f"intercept must be finite, got {intercept!r}")
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


def _set_constant_init_score(dataset: lightgbm.Dataset, value: float) -> None:
    n = dataset.num_data() if dataset._handle is not None else len(np.asarray(dataset.get_label()))
    dataset.set_init_score(np.full(n, value, dtype=np.float64))


def _clear_init_score(dataset: lightgbm.Dataset) -> None:
    dataset.init_score = None
    if dataset._handle is not None:
        dataset.set_field("init_score", None)
