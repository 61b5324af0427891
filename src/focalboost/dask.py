"""Distributed training on Dask with the focal objective, for XGBoost and LightGBM.

``xgboost.dask`` and ``lightgbm.dask`` run one training process per Dask worker.  A custom
objective is then called on every worker with that worker's rows only.  Gradients are per row, so
local gradients are exactly right; but everything the loss derives from *label statistics* would be
computed per worker:

- ``alpha="balanced"`` would resolve to a different class weight on every worker (the local
  negative rate), so workers would optimise different losses;
- the focal-optimal intercept (:meth:`FocalLoss.init_margin`) would be a per-partition value,
  while the model holds only one;
- a custom metric reports the local loss of one worker, and early stopping would stop each worker on
  its own data.

The helpers here compute the label statistics once, over **all** partitions, with Dask, before
training: :func:`label_stats` gives the global weighted label mean :math:`\\bar y = \\sum_i w_i y_i /
\\sum_i w_i`, from which :func:`global_resolved` fixes ``alpha`` (``1 - \\bar y`` for ``"balanced"``)
and :func:`global_init_margin` the intercept.  Every worker then receives the same resolved loss.
:class:`GlobalFocalMetric` sums the loss and the weights over all workers (XGBoost's collective
all-reduce) so that the reported metric is the global one.

- :func:`train_xgb`: ``xgboost.dask.train`` with the focal objective, the global intercept as
  ``base_score`` and the global metric.
- :func:`fit_xgb`: ``DaskXGBClassifier`` / ``DaskXGBRegressor`` ``fit`` with the focal objective and the
  global intercept.
- :func:`fit_lgb`: ``DaskLGBMClassifier`` / ``DaskLGBMRegressor`` ``fit`` with the focal objective, the
  global intercept as a partition-aligned ``init_score``, folded into the first tree afterwards.
- :func:`predict_margin` / :func:`predict_proba`: lazy raw margins and calibrated class-1
  probabilities (:meth:`FocalLoss.probability` applied block by block).

Needs ``pip install 'focalboost[dask]'`` (``dask[distributed]``) and the engine in use.
"""

from __future__ import annotations

import inspect
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from focalboost._engines import require
from focalboost._validation import as_labels, as_sample_weight
from focalboost.loss import FocalLoss

if TYPE_CHECKING:
    import xgboost

__all__ = [
    "GlobalFocalMetric",
    "LabelStats",
    "fit_lgb",
    "fit_xgb",
    "global_init_margin",
    "global_resolved",
    "label_stats",
    "predict_margin",
    "predict_proba",
    "train_xgb",
]


# ---------------------------------------------------------------------- global label statistics
@dataclass(frozen=True)
class LabelStats:
    """Weighted label statistics over all partitions of a (possibly distributed) label vector.

    Attributes
    ----------
    mean : float
        Global weighted label mean :math:`\\sum_i w_i y_i / \\sum_i w_i` (``w = 1`` without weights).
    total_weight : float
        :math:`\\sum_i w_i` (the row count without weights).
    n_rows : int
        Number of rows.
    partition_means : tuple of float
        The weighted label mean of each partition, in partition order (``nan`` for a partition of
        zero total weight).  Shown to make the per-partition pitfall visible; never used for training.
    partition_classes : tuple of (bool, bool)
        For each partition: whether it holds a row with label 0, and one with label 1.
    """

    mean: float
    total_weight: float
    n_rows: int
    partition_means: tuple[float, ...]
    partition_classes: tuple[tuple[bool, bool], ...]


def _block_moments(y: Any, w: Any) -> NDArray[np.float64]:
    """``[sum(w*y), sum(w), rows, has 0, has 1]`` of one partition, with the core's input checks."""
    y_arr = np.asarray(y)
    if y_arr.ndim == 2 and y_arr.shape[1] == 1:
        y_arr = y_arr[:, 0]
    if y_arr.ndim != 1:
        raise ValueError(f"y must be 1-D binary labels, got a partition of shape {y_arr.shape}")
    out = np.zeros(5, dtype=np.float64)
    if y_arr.size == 0:
        return out
    labels = as_labels(y_arr, y_arr.shape, np.dtype(np.float64))
    weight = None if w is None else np.asarray(w)
    if weight is not None and weight.ndim == 2 and weight.shape[1] == 1:
        weight = weight[:, 0]
    weights = as_sample_weight(weight, labels.shape, np.dtype(np.float64))
    if weights is None:
        out[0] = np.sum(labels)
        out[1] = labels.size
    else:
        out[0] = np.sum(np.multiply(labels, weights))
        out[1] = np.sum(weights)
    out[2] = labels.size
    out[3] = float(bool(np.any(labels == 0)))
    out[4] = float(bool(np.any(labels == 1)))
    return out


def _is_dask(obj: Any) -> bool:
    return hasattr(obj, "__dask_graph__") and callable(obj.__dask_graph__)


def _partitions(obj: Any) -> list[Any]:
    """The delayed partitions of a 1-D dask collection (an (n, 1) dask array counts as 1-D)."""
    parts = obj.to_delayed()
    if isinstance(parts, np.ndarray):
        if parts.ndim == 2 and parts.shape[1] != 1:
            raise ValueError("labels and weights must be chunked along rows only")
        return list(parts.ravel())
    return list(parts)


def label_stats(y: Any, sample_weight: Any = None) -> LabelStats:
    """Global weighted label statistics of ``y``, computed with Dask over all partitions.

    Parameters
    ----------
    y : dask Array, Series or single-column DataFrame, or array-like
        Binary (or soft) labels in [0, 1], 1-D.
    sample_weight : same kind as ``y``, optional
        Non-negative weights, partitioned exactly like ``y``.

    Returns
    -------
    LabelStats
        The mean is the weighted mean of all rows, not a mean of partition means.
    """
    if _is_dask(y):
        dask = require("dask")
        y_parts = _partitions(y)
        if sample_weight is None:
            w_parts: list[Any] = [None] * len(y_parts)
        else:
            if not _is_dask(sample_weight):
                raise TypeError("sample_weight must be a dask collection when y is one")
            w_parts = _partitions(sample_weight)
            if len(w_parts) != len(y_parts):
                raise ValueError(
                    f"sample_weight has {len(w_parts)} partitions but y has {len(y_parts)}; "
                    "partition them identically"
                )
        moments = dask.delayed(np.stack)(
            [dask.delayed(_block_moments)(yp, wp) for yp, wp in zip(y_parts, w_parts, strict=True)]
        )
        table = np.asarray(dask.compute(moments)[0], dtype=np.float64).reshape(-1, 5)
    else:
        if _is_dask(sample_weight):
            raise TypeError("sample_weight is a dask collection but y is not")
        table = _block_moments(y, sample_weight).reshape(1, 5)
    return _stats_from_table(table)


def _stats_from_table(table: NDArray[np.float64]) -> LabelStats:
    total_weight = float(np.sum(table[:, 1]))
    n_rows = int(np.sum(table[:, 2]))
    if n_rows == 0:
        raise ValueError("y is empty")
    if total_weight <= 0:
        raise ValueError("sample_weight sums to zero: the intercept is undefined")
    mean = float(np.sum(table[:, 0]) / total_weight)
    with np.errstate(divide="ignore", invalid="ignore"):
        part_means = np.where(table[:, 1] > 0, table[:, 0] / table[:, 1], np.nan)
    return LabelStats(
        mean=mean,
        total_weight=total_weight,
        n_rows=n_rows,
        partition_means=tuple(float(v) for v in part_means),
        partition_classes=tuple((bool(r[3]), bool(r[4])) for r in table if r[2] > 0),
    )


def _summary_labels(stats: LabelStats) -> NDArray[np.float64]:
    # The loss's label statistics depend only on the weighted mean, so one soft label equal to it
    # reproduces them exactly (alpha="balanced" -> 1 - mean, init_margin -> the same optimum).
    return np.array([stats.mean], dtype=np.float64)


def global_resolved(loss: FocalLoss, y: Any, sample_weight: Any = None) -> FocalLoss:
    """``loss.resolved`` with the label statistics of all partitions.

    ``alpha="balanced"`` becomes :math:`1 - \\bar y` with the global weighted mean :math:`\\bar y`,
    the same value on every worker.  Other losses come back as an equal copy with ``alpha_`` set.
    """
    _check_loss(loss)
    return _resolved_from_stats(loss, label_stats(y, sample_weight))


def global_init_margin(loss: FocalLoss, y: Any, sample_weight: Any = None) -> float:
    """The focal-optimal constant margin (:meth:`FocalLoss.init_margin`) of all partitions together.

    Equal to ``loss.init_margin(y, sample_weight)`` on the concatenated data (up to the rounding of
    partition-wise sums of non-integer weights), never a per-partition value.
    """
    _check_loss(loss)
    return _init_margin_from_stats(loss, label_stats(y, sample_weight))


def _resolved_from_stats(loss: FocalLoss, stats: LabelStats) -> FocalLoss:
    return loss.resolved(_summary_labels(stats))


def _init_margin_from_stats(loss: FocalLoss, stats: LabelStats) -> float:
    return float(loss.init_margin(_summary_labels(stats)))


def _check_loss(loss: object) -> None:
    if not isinstance(loss, FocalLoss):
        raise TypeError(f"loss must be a FocalLoss, got {type(loss).__name__}")


# ---------------------------------------------------------------------- XGBoost
class GlobalFocalMetric:
    """XGBoost custom metric: the weighted mean focal loss over **all** workers.

    ``loss.xgb_metric`` sees only the rows of the worker it runs on, so in distributed training
    each worker would report (and early-stop on) its local value.  This metric sums
    :math:`\\sum_i w_i L_i` and :math:`\\sum_i w_i` locally and all-reduces both through
    ``xgboost.collective`` when training is distributed, so every worker gets the global value.
    Outside distributed training it equals ``loss.xgb_metric``.  Picklable.

    Parameters
    ----------
    loss : FocalLoss
        A loss with a numeric ``alpha`` (resolve ``"balanced"`` first: :func:`global_resolved`).
    name : str, default="focal"
        Metric name in the evaluation log.
    """

    def __init__(self, loss: FocalLoss, name: str = "focal") -> None:
        _check_loss(loss)
        if isinstance(loss.alpha, str):
            raise ValueError(
                "loss has alpha='balanced'; resolve it on all partitions first (global_resolved)"
            )
        self.loss = loss
        self.name = name

    def __call__(self, predt: NDArray[np.floating], dmat: xgboost.DMatrix) -> tuple[str, float]:
        collective = require("xgboost.collective")
        sums = np.zeros(2, dtype=np.float64)
        if predt.size:
            y = np.asarray(dmat.get_label()).reshape(predt.shape)
            weight = np.asarray(dmat.get_weight())
            w = weight if weight.size else None
            values = self.loss.loss(y, predt, w)
            sums[0] = np.sum(values, dtype=np.float64)
            if w is None:
                sums[1] = float(predt.size)
            else:
                per_row = w.reshape((-1,) + (1,) * (predt.ndim - 1))
                sums[1] = float(np.sum(np.broadcast_to(per_row, predt.shape), dtype=np.float64))
        if collective.is_distributed():
            sums = np.asarray(collective.allreduce(sums, collective.Op.SUM), dtype=np.float64)
        return self.name, float(sums[0] / sums[1]) if sums[1] > 0 else math.nan


def _dmatrix_part_moments(part: Mapping[str, Any]) -> NDArray[np.float64]:
    if part.get("label") is None:  # a DaskDMatrix without labels: reported as such by the caller
        return np.zeros(6, dtype=np.float64)
    out = _block_moments(part["label"], part.get("weight"))
    return np.append(out, float(part.get("base_margin") is not None))


def _dask_dmatrix_stats(client: Any, dtrain: Any) -> tuple[LabelStats, bool]:
    worker_map = getattr(dtrain, "worker_map", None)
    if not isinstance(worker_map, Mapping):
        raise TypeError(f"dtrain must be an xgboost.dask.DaskDMatrix, got {type(dtrain).__name__}")
    parts = [part for futures in worker_map.values() for part in futures]
    if not parts:
        raise ValueError("dtrain holds no partitions")
    rows = client.gather([client.submit(_dmatrix_part_moments, part, pure=False) for part in parts])
    table = np.asarray(rows, dtype=np.float64).reshape(-1, 6)
    if not np.any(table[:, 2]):
        raise ValueError("dtrain has no labels")
    return _stats_from_table(table[:, :5]), bool(np.any(table[:, 5]))


def train_xgb(
    client: Any,
    params: Mapping[str, Any],
    dtrain: Any,
    num_boost_round: int = 10,
    *,
    loss: FocalLoss,
    evals: Sequence[tuple[Any, str]] = (),
    **kwargs: Any,
) -> dict[str, Any]:
    """``xgboost.dask.train`` with the focal objective and globally computed label statistics.

    Reads the labels and weights of every partition of ``dtrain`` (where they already live on the
    workers), resolves ``alpha`` and the intercept from their global weighted mean, and trains with
    ``obj=resolved.xgb_objective``, ``base_score`` = the intercept, and a
    :class:`GlobalFocalMetric` (unless ``custom_metric`` is passed).

    Parameters
    ----------
    client : distributed.Client
        The client of the cluster holding ``dtrain``.
    params : mapping
        XGBoost parameters.  ``objective`` must be absent or ``"reg:squarederror"`` (identity link).
        A ``base_score`` given here is used as is.
    dtrain : xgboost.dask.DaskDMatrix
        Training data with labels (and optional weights).
    num_boost_round : int
        Boosting rounds.
    loss : FocalLoss
        The loss to optimise; ``alpha="balanced"`` is resolved on all partitions.
    evals : sequence of (DaskDMatrix, name)
        Evaluation sets, scored by the global focal metric.
    **kwargs
        Passed to ``xgboost.dask.train`` (``early_stopping_rounds``, ``callbacks``...).

    Returns
    -------
    dict
        ``{"booster": Booster, "history": dict, "loss": FocalLoss}``, as ``xgboost.dask.train``
        plus the resolved loss (use it with :func:`predict_proba`).  The booster carries the same
        attributes as :func:`focalboost.xgb.train` (intercept, loss settings).
    """
    require("xgboost.dask")
    from focalboost import xgb as fxgb

    _check_loss(loss)
    if "obj" in kwargs:
        raise TypeError("train_xgb() sets obj to the focal objective itself; do not pass obj")
    fxgb._identity_link(params)
    stats, has_base_margin = _dask_dmatrix_stats(client, dtrain)
    resolved = _resolved_from_stats(loss, stats)
    params = dict(params)
    if "base_score" in params:
        intercept = float(params["base_score"])
    elif has_base_margin:  # a user base margin is the start, as in focalboost.xgb.train
        intercept = 0.0
        params["base_score"] = 0.0  # not XGBoost's default, which data without a margin would get
    else:
        intercept = _init_margin_from_stats(resolved, stats)
        params["base_score"] = intercept
    if "custom_metric" not in kwargs and "feval" not in kwargs:
        kwargs["custom_metric"] = GlobalFocalMetric(resolved)
        params.setdefault("disable_default_eval_metric", True)
    xgb_dask = require("xgboost.dask")
    output: dict[str, Any] = dict(
        xgb_dask.train(
            client,
            params,
            dtrain,
            num_boost_round,
            evals=list(evals),
            obj=resolved.xgb_objective,
            **kwargs,
        )
    )
    booster = output["booster"]
    booster.set_attr(
        **{
            fxgb.INTERCEPT_ATTR: json.dumps([intercept]),
            fxgb.IN_MODEL_ATTR: "1",
            fxgb.LOSS_ATTR: json.dumps(
                {
                    "alpha": fxgb._jsonable(resolved.alpha),
                    "gamma": fxgb._jsonable(resolved.gamma),
                    "hessian": resolved.hessian,
                }
            ),
        }
    )
    output["loss"] = resolved
    return output


def _is_focal_objective(objective: Any) -> bool:
    """True for the ``sklearn_objective`` of a FocalLoss, as set by :func:`fit_xgb`/:func:`fit_lgb`."""
    return isinstance(getattr(objective, "__self__", None), FocalLoss)


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def fit_xgb(
    model: Any, X: Any, y: Any, *, loss: FocalLoss, sample_weight: Any = None, **fit_kwargs: Any
) -> Any:
    """Fit a ``DaskXGBClassifier`` or ``DaskXGBRegressor`` with the focal objective.

    Sets ``objective`` to the globally resolved loss's ``sklearn_objective`` (sample weights reach
    it) and ``base_score`` to the global intercept, then calls ``model.fit``.  The classifier trains
    XGBoost's ``binary:logistic`` with a custom objective, whose ``base_score`` is a probability: it
    gets :math:`\\sigma(m_0)`, so the model's raw margin starts at the intercept :math:`m_0`.

    ``predict_proba`` of the fitted classifier is :math:`\\sigma(\\text{margin})`, which is biased for
    a focal-trained model; use :func:`predict_proba` of this module for calibrated probabilities.

    Returns
    -------
    model
        The fitted estimator (``model.objective.__self__`` is the resolved loss).
    """
    xgb_dask = require("xgboost.dask")
    _check_loss(loss)
    if not isinstance(model, xgb_dask.DaskScikitLearnBase):
        raise TypeError(f"model must be an xgboost.dask estimator, got {type(model).__name__}")
    objective = model.get_params().get("objective")
    if _is_focal_objective(objective):  # set by an earlier fit_xgb(), with base_score
        pass
    elif isinstance(model, xgb_dask.DaskXGBClassifier):
        if objective not in (None, "binary:logistic"):
            raise ValueError("model sets an objective; fit_xgb() sets the focal objective itself")
    elif objective not in (None, "reg:squarederror"):
        raise ValueError("model sets an objective; fit_xgb() sets the focal objective itself")
    if model.get_params().get("base_score") is not None and not _is_focal_objective(objective):
        raise ValueError("model sets base_score; fit_xgb() sets it to the focal intercept itself")
    stats = label_stats(y, sample_weight)
    resolved = _resolved_from_stats(loss, stats)
    intercept = _init_margin_from_stats(resolved, stats)
    base_score = _sigmoid(intercept) if isinstance(model, xgb_dask.DaskXGBClassifier) else intercept
    model.set_params(objective=resolved.sklearn_objective, base_score=base_score)
    return model.fit(X, y, sample_weight=sample_weight, **fit_kwargs)


# ---------------------------------------------------------------------- LightGBM
def _constant_like(y: Any, value: float) -> Any:
    """A float64 dask collection partitioned like ``y`` holding ``value`` everywhere."""
    if hasattr(y, "ndim") and y.ndim == 2:  # (n, 1) array or single-column frame
        y = y[:, 0] if not hasattr(y, "columns") else y[y.columns[0]]
    return y.astype("float64") * 0.0 + value


def fit_lgb(
    model: Any,
    X: Any,
    y: Any,
    *,
    loss: FocalLoss,
    sample_weight: Any = None,
    eval_set: Sequence[tuple[Any, Any]] | None = None,
    **fit_kwargs: Any,
) -> Any:
    """Fit a ``DaskLGBMClassifier`` or ``DaskLGBMRegressor`` with the focal objective.

    Sets ``objective`` to the globally resolved loss's ``sklearn_objective`` (LightGBM passes the
    partition's weights to it; they are honoured), passes the global intercept :math:`m_0` as an
    ``init_score`` partitioned like ``y`` (and on every ``eval_set``), trains, and then folds
    :math:`m_0` into the first tree (:func:`focalboost.lgb.fold_intercept`), so
    ``model.predict(X, raw_score=True)`` includes it.

    Validation data (``eval_set=[(X, y), ...]``, or ``eval_X``/``eval_y`` on LightGBM >= 4.6) gets
    the same intercept as ``eval_init_score``.  LightGBM logs the evaluation of one worker's rows.

    ``DaskLGBMClassifier`` label-encodes each worker's labels separately: a worker whose rows are
    all of one class would silently see them as class 0.  A ``ValueError`` is raised when any
    partition lacks a class; ``DaskLGBMRegressor`` (no label encoding, same objective) has no such
    restriction.

    Returns
    -------
    model
        The fitted estimator (``model.objective.__self__`` is the resolved loss).
    """
    lgb_dask = require("lightgbm.dask")
    from focalboost.lgb import fold_intercept

    _check_loss(loss)
    if not isinstance(model, (lgb_dask.DaskLGBMClassifier, lgb_dask.DaskLGBMRegressor)):
        raise TypeError(f"model must be a lightgbm.dask estimator, got {type(model).__name__}")
    objective = model.get_params().get("objective")
    if objective is not None and not _is_focal_objective(objective):  # ours: a refit
        raise ValueError("model sets an objective; fit_lgb() sets the focal objective itself")
    for key in ("init_score", "eval_init_score"):
        if key in fit_kwargs:
            raise ValueError(f"{key} is set by fit_lgb() (the global intercept); do not pass it")
    stats = label_stats(y, sample_weight)
    if isinstance(model, lgb_dask.DaskLGBMClassifier):
        lacking = [
            i for i, (has0, has1) in enumerate(stats.partition_classes) if not (has0 and has1)
        ]
        if lacking:
            raise ValueError(
                f"partitions {lacking} of y hold a single class; DaskLGBMClassifier label-encodes "
                "each worker's labels separately and would mislabel them. Repartition y or use "
                "DaskLGBMRegressor, which trains the same focal objective without label encoding."
            )
    resolved = _resolved_from_stats(loss, stats)
    intercept = _init_margin_from_stats(resolved, stats)
    model.set_params(objective=resolved.sklearn_objective)
    evals = list(eval_set or ())
    if "eval_X" in fit_kwargs or "eval_y" in fit_kwargs:  # LightGBM >= 4.6 spelling
        eval_X, eval_y = fit_kwargs.pop("eval_X", None), fit_kwargs.pop("eval_y", None)
        if not isinstance(eval_X, (list, tuple)):
            eval_X, eval_y = (eval_X,), (eval_y,)
        evals += list(zip(eval_X, eval_y, strict=True))
    if evals:
        if "eval_X" in inspect.signature(model.fit).parameters:
            fit_kwargs["eval_X"] = tuple(ex for ex, _ in evals)
            fit_kwargs["eval_y"] = tuple(ey for _, ey in evals)
        else:
            fit_kwargs["eval_set"] = evals
        fit_kwargs["eval_init_score"] = [_constant_like(ey, intercept) for _, ey in evals]
    model.fit(
        X, y, sample_weight=sample_weight, init_score=_constant_like(y, intercept), **fit_kwargs
    )
    fold_intercept(model.booster_, intercept)
    return model


# ---------------------------------------------------------------------- prediction
def _loss_of(model: Any) -> FocalLoss | None:
    """The resolved loss a model was trained with, when it can be read back from the model."""
    objective = getattr(model, "objective", None)
    owner = getattr(objective, "__self__", None)
    if isinstance(owner, FocalLoss):
        return owner
    attr = getattr(model, "attr", None)
    if callable(attr):
        from focalboost.xgb import LOSS_ATTR

        text = attr(LOSS_ATTR)
        if text:
            settings = json.loads(text)
            return FocalLoss(settings["alpha"], settings["gamma"], settings["hessian"])
    return None


def predict_margin(model: Any, X: Any, *, client: Any = None) -> Any:
    """Lazy raw margins (intercept included) of a model trained by this module.

    Parameters
    ----------
    model : xgboost.Booster, xgboost.dask estimator or lightgbm.dask estimator
    X : dask Array or DataFrame (or an ``xgboost.dask.DaskDMatrix`` for a Booster)
    client : distributed.Client, optional
        For a Booster; default: the current client.

    Returns
    -------
    dask Array or Series
        One margin per row, partitioned like ``X``.
    """
    if type(model).__module__.startswith("lightgbm"):
        return model.predict(X, raw_score=True)
    xgb_dask = require("xgboost.dask")
    if isinstance(model, xgb_dask.DaskScikitLearnBase):
        return model.predict(X, output_margin=True)
    xgb = require("xgboost")
    if isinstance(model, xgb.Booster):
        if client is None:
            client = require("distributed").get_client()
        return xgb_dask.predict(client, model, X, output_margin=True)
    raise TypeError(f"cannot predict margins with a {type(model).__name__}")


def _block_probability(block: Any, loss: FocalLoss) -> Any:
    """``loss.probability`` of one block of margins; an empty block gives an empty result."""
    arr = np.asarray(block)
    if arr.size == 0:
        return np.empty(arr.shape, dtype=arr.dtype if arr.dtype.kind == "f" else np.float64)
    return loss.probability(arr)


def _series_probability(part: Any, loss: FocalLoss) -> Any:
    pd = require("pandas")
    values = _block_probability(np.asarray(part, dtype=np.float64), loss)
    return pd.Series(values, index=part.index, dtype=np.float64)


def predict_proba(model: Any, X: Any, *, loss: FocalLoss | None = None, client: Any = None) -> Any:
    """Lazy calibrated class-1 probabilities: :meth:`FocalLoss.probability` of the raw margins.

    Parameters
    ----------
    model, X, client
        As for :func:`predict_margin`.
    loss : FocalLoss, optional
        The (resolved) loss the model was trained with.  Default: read from the model (the
        estimators of :func:`fit_xgb` / :func:`fit_lgb` keep it as their objective; boosters of
        :func:`train_xgb` store it in their attributes).

    Returns
    -------
    dask Array or Series
        Shape ``(n,)``: the probability of class 1, applied partition by partition
        (``map_blocks`` / ``map_partitions``), nothing computed yet.
    """
    if loss is None:
        loss = _loss_of(model)
        if loss is None:
            raise ValueError("the model does not record its focal loss; pass loss=")
    _check_loss(loss)
    if isinstance(loss.alpha, str) and getattr(loss, "alpha_", None) is None:
        raise ValueError("loss has alpha='balanced' unresolved; pass the loss returned by training")
    margin = predict_margin(model, X, client=client)
    if hasattr(margin, "map_blocks"):
        return margin.map_blocks(_block_probability, loss=loss, dtype=margin.dtype)
    if hasattr(margin, "map_partitions"):
        meta = require("pandas").Series([], dtype=np.float64)
        return margin.map_partitions(_series_probability, loss, meta=meta)
    return loss.probability(margin)
