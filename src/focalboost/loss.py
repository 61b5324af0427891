"""The alpha-weighted focal loss with exact derivatives and its gradient-boosting adapters."""

from __future__ import annotations

import math
import sys
import threading
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from focalboost import _fast, _kernel
from focalboost._validation import (
    FLOAT_DTYPES,
    as_labels,
    as_margin,
    as_sample_weight,
    astype,
    check_alpha,
    check_gamma,
    check_labels,
)

if TYPE_CHECKING:  # engine types only for annotations: the core never imports an engine
    import lightgbm
    import xgboost

FloatArray = NDArray[np.floating]

#: ``init_margin`` never returns a margin outside ``[-INIT_MARGIN_BOUND, INIT_MARGIN_BOUND]``.  The
#: unconstrained optimum is infinite when every (weighted) label is one class; sigmoid(15) is
#: 1 - 3.1e-7, beyond any rate a training set can estimate.
INIT_MARGIN_BOUND = 15.0

#: Route numpy inputs of up to two dimensions through the cache-blocked kernel of
#: :mod:`focalboost._fast`; ``False`` uses the generic whole-array kernels of :mod:`focalboost._kernel`
#: (the ones CuPy and other array-API inputs always take).  Both compute the same formulas.
_USE_FAST = True

#: Label/weight sets whose per-row factors an instance keeps (training set plus a few eval sets).
_ROW_CACHE_SIZE = 4


class FocalLoss:
    r"""The alpha-weighted binary focal loss of Lin et al. (2017), for gradient boosting.

    For a label :math:`y \in [0, 1]` (soft labels allowed), a raw margin :math:`z`,
    :math:`p = \sigma(z)` and class weight :math:`a`:

    .. math::

        L(y, z) = -y\,a\,(1-p)^\gamma \log p \;-\; (1-y)\,(1-a)\,p^\gamma \log(1-p)

    ``gamma = 0`` gives weighted log-loss; ``gamma = 0`` with ``alpha=None`` is exactly log-loss.
    Gradients and Hessians are exact derivatives with respect to ``z``, evaluated from
    :math:`\log p = -\mathrm{softplus}(-z)` and :math:`\log(1-p) = -\mathrm{softplus}(z)`, so they are
    finite for every finite margin in float32 and float64.

    Parameters
    ----------
    alpha : float in [0, 1], None, "balanced" or sequence of floats, default=0.25
        Class weight: positives are weighted ``a`` and negatives ``1 - a``.  ``None`` weights both
        classes 1.  ``"balanced"`` sets ``a`` to the (weighted) fraction of negatives in the labels
        the loss is given, i.e. inverse class frequency; the value used is exposed as ``alpha_``.
        A sequence gives one value per output column (multi-target margins of shape ``(n, k)``).
        The default 0.25, with ``gamma=2``, is the setting Lin et al. found best: the focusing term
        already removes most of the weight of easy negatives, so the rare class needs less up-weighting
        than inverse frequency would give.
    gamma : float >= 0 or sequence of floats, default=2.0
        Focusing parameter: how strongly well-classified rows are down-weighted.
    hessian : {"upper", "exact", "clip", "abs"}, default="upper"
        Curvature handed to the booster.  The exact second derivative is negative for confidently
        wrong rows (for ``gamma=2``: ``y=1`` and ``z`` below about -2.79, and the mirror for ``y=0``),
        and boosting divides by summed Hessians.

        - ``"upper"``: the exact Hessian with its only negative term,
          :math:`-\gamma\,s\,p\,(1-p)^{\gamma+1}` (:math:`s = -\log p`), dropped:
          :math:`p(1-p)^\gamma\,[(1-p)(1+2\gamma) + \gamma^2 p s]` for the positive side (mirrored for
          the negative side).  Never below the exact value, equal to it for ``gamma=0``, and always
          positive.
        - ``"exact"``: the true second derivative, possibly negative or zero.
        - ``"clip"``: the exact value raised to a tiny floor where it is below it.
        - ``"abs"``: the absolute value of the exact Hessian, with the same floor.

        All policies except ``"exact"`` are at least :data:`focalboost._kernel.HESSIAN_FLOOR`
        per unit of class weight, before sample weights.

    Attributes
    ----------
    alpha_ : float, ndarray or None
        The class weight resolved by the last engine objective call (``"balanced"`` resolved from
        the training labels; otherwise ``alpha`` itself).  Set by ``xgb_objective``,
        ``lgb_objective`` and ``sklearn_objective``.
    negative_hessian_fraction_ : float
        Fraction of the elements (rows, or rows x outputs) of the last engine objective call whose
        *exact* second derivative was negative, whatever the ``hessian`` policy: the rows that
        ``"upper"``, ``"clip"`` and ``"abs"`` changed the sign of or floored, and that ``"exact"``
        handed to the booster as negative curvature.  Set with ``negative_hessian_count_`` by the
        same adapters as ``alpha_``.  For 0/1 labels a row is counted when its signed margin
        (``z`` for label 1, ``-z`` for label 0) is below the root of the exact curvature, about
        -2.79 for ``gamma=2`` (-3.10 for 1, -4.02 for 0.5; none for ``gamma=0``).
    negative_hessian_count_ : int
        The number of such elements in the last engine objective call.

    Examples
    --------
    >>> import numpy as np
    >>> fl = FocalLoss(alpha=0.25, gamma=2.0)
    >>> grad, hess = fl.grad_hess(np.array([1.0, 0.0]), np.array([0.5, 0.5]))
    >>> bool(grad[0] < 0 < grad[1])
    True
    """

    def __init__(
        self,
        alpha: float | str | ArrayLike | None = 0.25,
        gamma: float | ArrayLike = 2.0,
        hessian: str = "upper",
    ) -> None:
        self.alpha = alpha
        self.gamma = gamma
        self.hessian = hessian
        self._alpha = check_alpha(alpha)
        self._gamma = check_gamma(gamma)
        if hessian not in _kernel.HESSIAN_POLICIES:
            raise ValueError(
                f"hessian must be one of {', '.join(map(repr, _kernel.HESSIAN_POLICIES))}, got {hessian!r}"
            )

    # ------------------------------------------------------------------ dunder helpers
    def __repr__(self) -> str:
        return f"FocalLoss(alpha={self.alpha!r}, gamma={self.gamma!r}, hessian={self.hessian!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FocalLoss):
            return NotImplemented
        return (
            _same(self._alpha, other._alpha)
            and _same(self._gamma, other._gamma)
            and self.hessian == other.hessian
        )

    def __hash__(self) -> int:
        return hash((repr(self._alpha), repr(self._gamma), self.hessian))

    # ------------------------------------------------------------------ class weights
    def resolve_alpha(
        self, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> float | NDArray[np.float64] | None:
        """The numeric class weight for these labels.

        ``"balanced"`` becomes the weighted fraction of negatives, ``1 - average(y)``, computed per
        output column (along axis 0) for N-D labels; other values are returned unchanged.
        """
        if not (isinstance(self._alpha, str)):
            return self._alpha
        y_arr = as_labels(y, np.shape(y), np.dtype(np.float64))
        w = as_sample_weight(sample_weight, y_arr.shape, np.dtype(np.float64))
        return _balanced_alpha(y_arr, w)

    def resolved(self, y: ArrayLike, sample_weight: ArrayLike | None = None) -> FocalLoss:
        """A copy with ``alpha="balanced"`` replaced by its value for these labels."""
        alpha = self.resolve_alpha(y, sample_weight)
        out = FocalLoss(alpha=alpha, gamma=self.gamma, hessian=self.hessian)
        out.alpha_ = alpha
        return out

    # ------------------------------------------------------------------ math API
    def loss(
        self, y: ArrayLike, margin: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> FloatArray:
        """Per-element focal loss ``L(y, margin)``, multiplied by ``sample_weight``.

        Returns an array of the margin's shape and dtype (float32 in, float32 out).
        """
        z, y_arr, w = self._inputs(y, margin, sample_weight)
        return self._loss(y_arr, z, w, self._class_weights(y_arr, w, z))

    def grad_hess(
        self, y: ArrayLike, margin: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> tuple[FloatArray, FloatArray]:
        r"""First and second derivatives of :meth:`loss` with respect to the margin.

        With :math:`q = 1-p`, :math:`s = -\log p`, the positive-side terms (label 1) are

        .. math::

            \partial_z L = -a\,q^\gamma (q + \gamma p s), \qquad
            \partial_z^2 L = a\,p\,q^\gamma\,[q(1+2\gamma) + \gamma s(\gamma p - q)]

        and the negative side is their mirror image.  The curvature follows the ``hessian`` policy.
        Both arrays are multiplied by ``sample_weight`` and have the margin's shape and dtype.
        """
        z, y_arr, w = self._inputs(y, margin, sample_weight)
        return self._grad_hess(y_arr, z, w, self._class_weights(y_arr, w, z))

    def init_margin(
        self, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> float | NDArray[np.float64]:
        """The constant margin that minimises the weighted mean focal loss.

        The loss is linear in the label, so the optimum depends only on the weighted label mean; it
        is found by bisection on the derivative and clipped to ``[-15, 15]``
        (:data:`INIT_MARGIN_BOUND`), which is where it lands when every label is one class.
        Returns a float for 1-D labels and one value per column (along axis 0) otherwise.
        """
        y_arr = as_labels(y, np.shape(y), np.dtype(np.float64))
        w = as_sample_weight(sample_weight, y_arr.shape, np.dtype(np.float64))
        self._check_per_output(y_arr.shape)
        if w is not None:
            total = np.sum(np.broadcast_to(w, y_arr.shape), axis=0)
            if np.any(total <= 0):
                raise ValueError("sample_weight sums to zero: the intercept is undefined")
        mean = np.average(
            y_arr, axis=0, weights=None if w is None else np.broadcast_to(w, y_arr.shape)
        )
        alpha = self._alpha if not isinstance(self._alpha, str) else _balanced_alpha(y_arr, w)
        w_pos, w_neg = _alpha_to_weights(alpha, np.dtype(np.float64))
        margin = _solve_init_margin(np.atleast_1d(mean), w_pos, w_neg, self._gamma)
        if y_arr.ndim <= 1:
            return float(margin[0])
        return margin.reshape(y_arr.shape[1:])

    def probability(self, margin: ArrayLike, *, calibrated: bool = True) -> FloatArray:
        r"""Class-1 probability for margins of a model trained with this loss.

        ``calibrated=False`` returns :math:`\sigma(z)`, which is biased for focal-trained models
        (focal loss is not a proper scoring rule).  ``calibrated=True`` (default) inverts the
        focal-optimal margin (Charoenphakdee et al., 2021): with :math:`g_y(z) = \partial L(y, z)/\partial z`,

        .. math::  \hat q(z) = \frac{g_0(z)}{g_0(z) - g_1(z)}

        the label probability at which ``z`` is the minimiser of the expected loss, evaluated as a
        sigmoid of a difference of logarithms so it is exact at extreme margins.  ``alpha="balanced"``
        needs a resolved loss (:meth:`resolved`).  ``alpha`` of 0 or 1 (for any output) gives one
        class zero weight, so the calibrated probability is undefined: ValueError (``calibrated=False``
        still works).  ``calibrated`` must be a bool.
        """
        if not isinstance(calibrated, (bool, np.bool_)):
            raise TypeError(f"calibrated must be True or False, got {calibrated!r}")
        z = as_margin(margin)
        if not calibrated:
            p, _, _, _ = _kernel.sigmoid_parts(z)
            return p
        self._check_per_output(z.shape)
        alpha = self._alpha
        if isinstance(alpha, str):
            alpha = getattr(self, "alpha_", None)
            if alpha is None or isinstance(alpha, str):
                raise ValueError(
                    "alpha='balanced' has no value yet: call resolved(y) or train with this loss first"
                )
        if alpha is not None and np.any((np.asarray(alpha) == 0) | (np.asarray(alpha) == 1)):
            raise ValueError(
                f"alpha={_alpha_repr(alpha)} gives one class zero weight, so every margin is "
                "focal-optimal only at probability 0 or 1: calibrated probabilities are undefined; "
                "use an alpha strictly between 0 and 1, or calibrated=False"
            )
        xp = _kernel.array_namespace(z)
        w_pos, w_neg = _alpha_to_weights(alpha, z.dtype, z)
        _, _, s_neg, s_pos = _kernel.sigmoid_parts(z)
        gamma = _as_dtype(self._gamma, z.dtype, z)
        # log(-g1) = log w_pos - g*softplus(z) + log(q + g*p*s_neg), and the mirror for g0; the last
        # logs come from log_slopes, which stays finite where q (or p) underflows to zero.
        log_slope_pos, log_slope_neg = _kernel.log_slopes(z, gamma)
        log_g1 = -gamma * s_pos + log_slope_pos
        log_g0 = -gamma * s_neg + log_slope_neg
        with np.errstate(divide="ignore"):
            log_ratio = _log_weight(w_neg, xp, z) - _log_weight(w_pos, xp, z)
        logit = log_ratio + (log_g0 - log_g1)
        if xp is np:
            logit = np.asarray(logit, dtype=z.dtype)
        out: FloatArray = _kernel.sigmoid_parts(logit)[0]
        return out

    # ------------------------------------------------------------------ XGBoost adapters
    def xgb_objective(
        self, predt: NDArray[np.floating], dtrain: xgboost.DMatrix
    ) -> tuple[FloatArray, FloatArray]:
        """Custom objective for ``xgboost.train(..., obj=fl.xgb_objective)``.

        Uses the DMatrix labels (reshaped to ``predt`` for multi-target models) and weights.
        """
        y = dtrain.get_label()
        weight = dtrain.get_weight()
        return self._engine_grad_hess(y, predt, weight if weight.size else None)

    def xgb_metric(self, predt: NDArray[np.floating], dmat: xgboost.DMatrix) -> tuple[str, float]:
        """Custom metric for ``xgboost.train(..., custom_metric=fl.xgb_metric)``.

        Returns ``("focal", weighted mean focal loss of the raw margins)``; lower is better.
        """
        weight = dmat.get_weight()
        return "focal", self._engine_mean_loss(
            dmat.get_label(), predt, weight if weight.size else None
        )

    # ------------------------------------------------------------------ LightGBM adapters
    def lgb_objective(
        self, preds: NDArray[np.floating], train_data: lightgbm.Dataset
    ) -> tuple[FloatArray, FloatArray]:
        """Custom objective for ``lightgbm.train({"objective": fl.lgb_objective, ...}, ...)``.

        Applies the Dataset's weights (LightGBM does not weight custom-objective gradients itself).
        """
        weight = train_data.get_weight()
        labels = np.asarray(train_data.get_label())
        return self._engine_grad_hess(labels, preds, None if weight is None else np.asarray(weight))

    def lgb_metric(
        self, preds: NDArray[np.floating], eval_data: lightgbm.Dataset
    ) -> tuple[str, float, bool]:
        """Custom metric for ``lightgbm.train(..., feval=fl.lgb_metric)``: ``("focal", value, False)``."""
        weight = eval_data.get_weight()
        labels = np.asarray(eval_data.get_label())
        value = self._engine_mean_loss(
            labels, preds, None if weight is None else np.asarray(weight)
        )
        return "focal", value, False

    # ------------------------------------------------------------------ scikit-learn wrappers
    def sklearn_objective(
        self,
        y_true: NDArray[Any],
        y_pred: NDArray[np.floating],
        sample_weight: NDArray[np.floating] | None = None,
    ) -> tuple[FloatArray, FloatArray]:
        """Objective for ``XGBClassifier(objective=...)`` and ``LGBMClassifier(objective=...)``.

        Both wrappers pass the fit's ``sample_weight`` through this signature (XGBoost by keyword,
        LightGBM as the third positional argument), and both are honoured.
        """
        return self._engine_grad_hess(y_true, y_pred, sample_weight)

    # ------------------------------------------------------------------ internals
    def __getstate__(self) -> dict[str, Any]:
        # The per-dataset cache is rebuilt on demand; never ship training labels in a pickle.
        state = self.__dict__.copy()
        state.pop("_row_cache", None)
        return state

    def _inputs(
        self, y: ArrayLike, margin: ArrayLike, sample_weight: ArrayLike | None
    ) -> tuple[FloatArray, FloatArray, FloatArray | None]:
        xp = _kernel.array_namespace(margin, y, sample_weight)
        z = as_margin(margin)
        if xp is not np and _kernel.array_namespace(z) is np:
            z = xp.asarray(z)  # host margins with device labels: move the margins once
        y_arr = as_labels(y, tuple(z.shape), z.dtype, xp=xp)
        w = as_sample_weight(sample_weight, tuple(z.shape), z.dtype, xp=xp)
        self._check_per_output(tuple(z.shape))
        return z, y_arr, w

    def _check_per_output(self, shape: tuple[int, ...]) -> None:
        for name, value in (("alpha", self._alpha), ("gamma", self._gamma)):
            if isinstance(value, np.ndarray) and (len(shape) < 2 or shape[-1] != value.size):
                raise ValueError(
                    f"{name} has {value.size} per-output values but the margins have shape {shape}; "
                    f"per-output values need margins of shape (n, {value.size})"
                )

    def _engine_inputs(
        self, y: ArrayLike, predt: NDArray[np.floating], weight: ArrayLike | None
    ) -> tuple[FloatArray, FloatArray, FloatArray | None]:
        xp = _kernel.array_namespace(predt, y)
        z = as_margin(predt, "predictions")
        y_arr: Any = xp.asarray(y) if _kernel.array_namespace(y) is not xp else y
        n_labels = math.prod(y_arr.shape)
        n_pred = math.prod(z.shape)
        if n_labels != n_pred:
            raise ValueError(f"{n_labels} labels for {n_pred} predictions")
        return self._inputs(xp.reshape(y_arr, z.shape), z, weight)

    def _engine_grad_hess(
        self,
        y: ArrayLike,
        predt: NDArray[np.floating],
        weight: ArrayLike | None,
        out_dtype: type[np.floating] | None = None,
    ) -> tuple[FloatArray, FloatArray]:
        if _fast_eligible(predt, y, weight):
            z = as_margin(predt, "predictions")
            rows = self._rows(y, z, weight, None)
            self.alpha_ = rows.alpha
            dtype = None if out_dtype is None else np.dtype(out_dtype)
            counts: list[int] = []
            grad, hess = _fast_grad_hess(
                z, rows, self._gamma, self.hessian, dtype, reuse=True, counts=counts
            )
            if rows.factors.hard:
                count = sum(counts)
            else:  # soft labels: the exact curvature itself, by a second pass
                _, exact = _fast_grad_hess(z, rows, self._gamma, "exact")
                count = int(np.count_nonzero(exact < 0))
            self.negative_hessian_count_ = count
            self.negative_hessian_fraction_ = count / z.size
            return grad, hess
        z, y_arr, w = self._engine_inputs(y, predt, weight)
        alpha = self._resolve(y_arr, w)
        self.alpha_ = alpha
        class_weights = _alpha_to_weights(alpha, z.dtype, z)
        grad, hess = self._grad_hess(y_arr, z, w, class_weights)
        count = self._count_negative_exact(y_arr, z, class_weights)
        self.negative_hessian_count_ = count
        self.negative_hessian_fraction_ = count / math.prod(z.shape)
        return grad, hess

    def _count_negative_exact(
        self,
        y: FloatArray,
        z: FloatArray,
        class_weights: tuple[FloatArray | float, FloatArray | float],
    ) -> int:
        """Elements whose exact second derivative is negative (one comparison for 0/1 labels)."""
        xp = _kernel.array_namespace(z)
        hard = _hard_labels(y)
        if hard is not None:
            root = _negative_hessian_root(_gamma_key(self._gamma))
            if not isinstance(root, float):
                root = xp.asarray(root, dtype=z.dtype)
            signed = xp.where(hard, z, -z)
            return int(xp.sum(astype(xp, signed < root, xp.int64)))
        w_pos, w_neg = class_weights
        gamma = _as_dtype(self._gamma, z.dtype, z)
        _, _, exact = _kernel.soft_label_terms(y, z, w_pos, w_neg, gamma, "exact", False)
        return int(xp.sum(astype(xp, exact < 0, xp.int64)))

    def _engine_mean_loss(
        self, y: ArrayLike, predt: NDArray[np.floating], weight: ArrayLike | None
    ) -> float:
        # Validation data is scored with the alpha resolved on the training data when there is one.
        alpha = getattr(self, "alpha_", None) if isinstance(self._alpha, str) else self._alpha
        if _fast_eligible(predt, y, weight):
            z = as_margin(predt, "predictions")
            rows = self._rows(y, z, weight, ("metric", alpha))
            loss = _fast_loss(z, rows, self._gamma)
            w = rows.weight
        else:
            z, y_arr, w = self._engine_inputs(y, predt, weight)
            if isinstance(self._alpha, str) and alpha is None:
                alpha = self._resolve(y_arr, w)
            loss = self._loss(y_arr, z, w, _alpha_to_weights(alpha, z.dtype, z))
        xp = _kernel.array_namespace(loss)
        if xp is np:
            if w is None:
                return float(np.mean(loss, dtype=np.float64))
            total_weight = np.sum(np.broadcast_to(w, z.shape), dtype=np.float64)
            return float(np.sum(loss, dtype=np.float64) / total_weight)
        loss64 = astype(xp, loss, xp.float64)
        if w is None:
            return float(xp.mean(loss64))
        total = xp.sum(astype(xp, xp.broadcast_to(w, z.shape), xp.float64))
        return float(xp.sum(loss64) / total)

    def _rows(self, y: ArrayLike, z: FloatArray, weight: ArrayLike | None, tag: Any) -> _Rows:
        """Validated per-row factors for an engine's labels and weights, cached across rounds.

        An engine calls the objective with the same labels every round.  The factors are
        recomputed only when the labels, weights, margin shape/dtype or ``tag`` differ from a
        cached entry; labels and weights are compared by value (one fast pass), never by identity,
        so a changed or reused array can never pick up stale factors.
        """
        y_arr = np.asarray(y)
        w_arr = None if weight is None else np.asarray(weight)
        cache: list[_Rows] = self.__dict__.get("_row_cache", [])
        for entry in cache:
            if entry.matches(y_arr, w_arr, z, tag, self._alpha, self._gamma):
                return entry
        if y_arr.size != z.size:
            raise ValueError(f"{y_arr.size} labels for {z.size} predictions")
        labels = check_labels(y_arr.reshape(z.shape), z.shape)
        w = as_sample_weight(w_arr, z.shape, z.dtype)
        self._check_per_output(z.shape)
        if tag is None:  # objective: "balanced" is resolved on these labels
            alpha = self._resolve(labels, w)
        else:
            alpha = tag[1]
            if isinstance(self._alpha, str) and alpha is None:
                alpha = self._resolve(labels, w)
        entry = _Rows.build(labels, w, z, alpha, tag, self._alpha, self._gamma)
        entry.key_labels = y_arr.copy()
        entry.key_weight = None if w_arr is None else w_arr.copy()
        self._row_cache = [entry, *cache[: _ROW_CACHE_SIZE - 1]]
        return entry

    def _resolve(self, y: FloatArray, w: FloatArray | None) -> float | NDArray[np.float64] | None:
        return _balanced_alpha(y, w) if isinstance(self._alpha, str) else self._alpha

    def _class_weights(
        self, y: FloatArray, w: FloatArray | None, z: FloatArray
    ) -> tuple[FloatArray | float, FloatArray | float]:
        return _alpha_to_weights(self._resolve(y, w), z.dtype, z)

    def _loss(
        self,
        y: FloatArray,
        z: FloatArray,
        w: FloatArray | None,
        class_weights: tuple[FloatArray | float, FloatArray | float],
    ) -> FloatArray:
        if _fast_eligible(z, y, w):
            rows = _Rows.from_weights(y, w, z, class_weights)
            return _fast_loss(z, rows, self._gamma)
        xp = _kernel.array_namespace(z)
        w_pos, w_neg = class_weights
        gamma = _as_dtype(self._gamma, z.dtype, z)
        hard = _hard_labels(y)
        if hard is not None:
            out = _kernel.hard_label_loss(z, hard, gamma) * _select(hard, w_pos, w_neg, z)
        else:
            loss, _, _ = _kernel.soft_label_terms(y, z, w_pos, w_neg, gamma, "exact", True)
            assert loss is not None
            out = loss
        result: FloatArray = astype(xp, out, z.dtype)
        return result if w is None else result * w

    def _grad_hess(
        self,
        y: FloatArray,
        z: FloatArray,
        w: FloatArray | None,
        class_weights: tuple[FloatArray | float, FloatArray | float],
    ) -> tuple[FloatArray, FloatArray]:
        if _fast_eligible(z, y, w):
            rows = _Rows.from_weights(y, w, z, class_weights)
            return _fast_grad_hess(z, rows, self._gamma, self.hessian)
        xp = _kernel.array_namespace(z)
        w_pos, w_neg = class_weights
        gamma = _as_dtype(self._gamma, z.dtype, z)
        policy = self.hessian
        hard = _hard_labels(y)
        if hard is not None:
            _, grad, hess = _kernel.hard_label_terms(z, hard, gamma, policy, False)
            cw = _select(hard, w_pos, w_neg, z)
            grad = grad * cw
            hess = _kernel.apply_policy(hess * cw, policy, _kernel.HESSIAN_FLOOR * cw)
        else:
            _, grad, hess = _kernel.soft_label_terms(y, z, w_pos, w_neg, gamma, policy, False)
            floor = _kernel.HESSIAN_FLOOR * (w_pos * y + w_neg * (1.0 - y))
            hess = _kernel.apply_policy(hess, policy, floor)
        if w is not None:
            grad = grad * w
            hess = hess * w
        return astype(xp, grad, z.dtype), astype(xp, hess, z.dtype)


# ---------------------------------------------------------------------- module helpers
def _alpha_repr(alpha: float | NDArray[np.float64]) -> str:
    return repr(alpha) if isinstance(alpha, float) else repr([float(a) for a in np.ravel(alpha)])


def _same(a: object, b: object) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and np.array_equal(a, b)
    return a == b


def _as_dtype(
    value: float | NDArray[np.float64], dtype: np.dtype[Any], like: Any = None
) -> float | FloatArray:
    """Python floats stay weak scalars (keep float32 math float32); arrays are cast to ``dtype``
    in the namespace of ``like`` (numpy when it is None)."""
    if isinstance(value, float):
        return value
    xp = _kernel.array_namespace(like)
    if xp is np:
        return value.astype(dtype)
    return xp.asarray(value, dtype=dtype)  # type: ignore[no-any-return]


def _log_weight(w: Any, xp: Any, like: Any) -> Any:
    """``log(w)`` of a class weight (a float, or a vector in ``like``'s namespace)."""
    if isinstance(w, float):
        return math.log(w) if w > 0 else -math.inf
    return xp.log(w)


def _select(hard: Any, w_pos: Any, w_neg: Any, z: Any) -> Any:
    """``w_pos`` where ``hard`` else ``w_neg``, in ``z``'s namespace and dtype."""
    xp = _kernel.array_namespace(z)
    if xp is np:
        return np.where(hard, w_pos, w_neg).astype(z.dtype, copy=False)
    return xp.where(hard, xp.asarray(w_pos, dtype=z.dtype), xp.asarray(w_neg, dtype=z.dtype))


def _hard_labels(y: FloatArray) -> NDArray[np.bool_] | None:
    """``y == 1`` as a mask when every label is exactly 0 or 1, else None (soft labels)."""
    xp = _kernel.array_namespace(y)
    positive: NDArray[np.bool_] = y == 1
    if bool(xp.all(positive | (y == 0))):
        return positive
    return None


def _is_hard(y: NDArray[Any]) -> bool:
    """Whether numpy labels already known to lie in [0, 1] are all exactly 0 or 1."""
    if y.dtype.kind == "b":
        return True
    return bool(np.count_nonzero(y) == np.count_nonzero(y == 1))


def _fast_eligible(z: Any, y: Any, w: Any) -> bool:
    """Whether the cache-blocked numpy kernel handles these inputs (numpy, float, 1-D or 2-D)."""
    if not _USE_FAST or not isinstance(z, np.ndarray) or z.ndim not in (1, 2):
        return False
    if z.dtype not in FLOAT_DTYPES:
        return False
    return _kernel.array_namespace(y, w) is np


class _Rows:
    """Labels and weights prepared for the fast kernel, with what identifies them in the cache."""

    key_labels: NDArray[Any] | None = None
    key_weight: NDArray[Any] | None = None
    outputs: tuple[FloatArray, ...] | None = None

    def __init__(
        self,
        factors: _fast.Factors,
        weight: FloatArray | None,
        alpha: Any,
        shape: tuple[int, ...],
        dtype: np.dtype[Any],
        tag: Any = None,
        params: tuple[Any, Any] = (None, None),
    ) -> None:
        self.factors, self.weight, self.alpha = factors, weight, alpha
        self.shape, self.dtype, self.tag, self.params = shape, dtype, tag, params

    @classmethod
    def from_weights(
        cls,
        y: NDArray[Any],
        w: FloatArray | None,
        z: FloatArray,
        class_weights: tuple[FloatArray | float, FloatArray | float],
        alpha: Any = None,
        tag: Any = None,
        params: tuple[Any, Any] = (None, None),
    ) -> _Rows:
        """``y`` (validated, in [0, 1]) and ``w`` (validated, broadcastable) for margins ``z``."""
        w_pos, w_neg = class_weights
        n = z.shape[0]
        y2 = y.reshape(n, -1)
        w2 = None if w is None else w.reshape(n, -1)
        factors = _fast.Factors(_is_hard(y2), y2, w2, w_pos, w_neg, z.dtype)
        return cls(factors, w, alpha, tuple(z.shape), z.dtype, tag, params)

    @classmethod
    def build(
        cls,
        y: NDArray[Any],
        w: FloatArray | None,
        z: FloatArray,
        alpha: Any,
        tag: Any,
        own_alpha: Any,
        own_gamma: Any,
    ) -> _Rows:
        rows = cls.from_weights(
            y, w, z, _alpha_to_weights(alpha, z.dtype), alpha, tag, (own_alpha, own_gamma)
        )
        rows.factors.materialize()
        return rows

    def take_outputs(self, count: int, dtype: np.dtype[Any]) -> tuple[FloatArray, ...] | None:
        """The previous round's output arrays when nothing outside this cache still refers to
        them (the engines copy gradients during the round and drop them), else None."""
        with _OUTPUT_LOCK:
            outs = self.outputs
            if outs is None or len(outs) != count or outs[0].dtype != dtype:
                return None
            if not _unreferenced_all(outs):
                return None
            self.outputs = None  # claimed by this call until it stores them again
            return outs

    def matches(
        self,
        y: NDArray[Any],
        w: NDArray[Any] | None,
        z: FloatArray,
        tag: Any,
        own_alpha: Any,
        own_gamma: Any,
    ) -> bool:
        if self.shape != tuple(z.shape) or self.dtype != z.dtype or self.key_labels is None:
            return False
        if not (_same_tag(self.tag, tag) and _same(self.params[0], own_alpha)):
            return False
        if not _same(self.params[1], own_gamma):
            return False
        if (w is None) != (self.key_weight is None):
            return False
        if not _same_array(self.key_labels, y):
            return False
        return w is None or _same_array(self.key_weight, w)


_OUTPUT_LOCK = threading.Lock()


def _refcounts(arrays: tuple[NDArray[Any], ...]) -> list[int]:
    getrefcount = getattr(sys, "getrefcount", None)
    if getrefcount is None:  # not CPython: reference counts are unknown, never reuse
        return [sys.maxsize for _ in arrays]
    return [getrefcount(a) for a in arrays]


def _probe_refcount() -> int:
    """References an array held only by a cache tuple shows through :func:`_refcounts`."""
    holder = (np.empty(1),)
    return _refcounts(holder)[0]


_BASE_REFS = _probe_refcount()


def _unreferenced_all(arrays: tuple[NDArray[Any], ...]) -> bool:
    """Whether nothing but the cache's tuple refers to these arrays (no views, no outside names)."""
    return all(c <= _BASE_REFS for c in _refcounts(arrays))


def _same_array(cached: Any, new: NDArray[Any]) -> bool:
    return bool(
        cached.shape == new.shape and cached.dtype == new.dtype and np.array_equal(cached, new)
    )


def _same_tag(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return bool(a[0] == b[0] and _same(a[1], b[1]))


def _fast_grad_hess(
    z: FloatArray,
    rows: _Rows,
    gamma: float | NDArray[np.float64],
    policy: str,
    out_dtype: np.dtype[Any] | None = None,
    reuse: bool = False,
    counts: list[int] | None = None,
) -> tuple[FloatArray, FloatArray]:
    """The fast kernel on ``z``; ``reuse`` recycles the outputs of the previous call on ``rows``.

    With ``counts`` (0/1 labels), the number of elements whose exact curvature is negative is
    appended to it, block by block: those whose signed margin is below the curvature's root.
    """
    z2 = np.ascontiguousarray(z).reshape(z.shape[0], -1)
    g = _as_dtype(gamma, z.dtype)
    dtype = z.dtype if out_dtype is None else out_dtype
    out = rows.take_outputs(2, dtype) if reuse else None
    if out is None:
        out = (np.empty(z2.shape, dtype=dtype), np.empty(z2.shape, dtype=dtype))
    above = None
    if counts is not None and rows.factors.hard:
        root = _negative_hessian_root(_gamma_key(gamma))
        above = -root if isinstance(root, float) else (-root).astype(z.dtype)
    grad, hess = _fast.grad_hess(
        z2, rows.factors, g, policy, _kernel.HESSIAN_FLOOR, out, above, counts
    )
    if reuse:
        rows.outputs = (grad, hess)
    return grad.reshape(z.shape), hess.reshape(z.shape)


def _fast_loss(z: FloatArray, rows: _Rows, gamma: float | NDArray[np.float64]) -> FloatArray:
    z2 = np.ascontiguousarray(z).reshape(z.shape[0], -1)
    return _fast.loss(z2, rows.factors, _as_dtype(gamma, z.dtype)).reshape(z.shape)


def _balanced_alpha(y: FloatArray, w: FloatArray | None) -> float | NDArray[np.float64]:
    xp = _kernel.array_namespace(y)
    if xp is not np:
        y64 = astype(xp, y, xp.float64)
        if w is None:
            mean_x = xp.mean(y64, axis=0)
        else:
            wb = astype(xp, xp.broadcast_to(w, y.shape), xp.float64)
            total = xp.sum(wb, axis=0)
            if bool(xp.any(total <= 0)):
                raise ValueError("sample_weight sums to zero: alpha='balanced' is undefined")
            mean_x = xp.sum(y64 * wb, axis=0) / total
        host = np.asarray([float(v) for v in xp.reshape(1.0 - mean_x, (-1,))])
        return float(host[0]) if y.ndim <= 1 else host
    weights = None if w is None else np.broadcast_to(w, y.shape)
    if weights is not None and np.any(np.sum(weights, axis=0) <= 0):
        raise ValueError("sample_weight sums to zero: alpha='balanced' is undefined")
    mean = np.average(y.astype(np.float64), axis=0, weights=weights)
    alpha = 1.0 - mean
    return float(alpha) if np.ndim(alpha) == 0 else np.asarray(alpha, dtype=np.float64)


def _alpha_to_weights(
    alpha: float | NDArray[np.float64] | None, dtype: np.dtype[Any], like: Any = None
) -> tuple[FloatArray | float, FloatArray | float]:
    """Class weights ``(a, 1 - a)``: floats stay floats, vectors go to ``like``'s namespace."""
    if alpha is None:
        return 1.0, 1.0
    if isinstance(alpha, float):
        return alpha, 1.0 - alpha
    xp = _kernel.array_namespace(like)
    if xp is np:
        a = np.asarray(alpha, dtype=dtype)
        return a, (1.0 - a).astype(dtype)
    a_x = xp.asarray(np.asarray(alpha, dtype=np.float64), dtype=dtype)
    return a_x, 1.0 - a_x


def _gamma_key(gamma: float | NDArray[np.float64]) -> float | tuple[float, ...]:
    return gamma if isinstance(gamma, float) else tuple(float(g) for g in gamma)


@lru_cache(maxsize=64)
def _negative_hessian_root(gamma: float | tuple[float, ...]) -> float | NDArray[np.float64]:
    r"""The signed margin below which the exact focal curvature is negative (``-inf`` for gamma 0).

    The exact positive-side curvature is :math:`p\,q^\gamma B(t)` with
    :math:`B(t) = q(1+2\gamma) + \gamma s(\gamma p - q)`, which has one root in t for
    ``gamma > 0``: it tends to :math:`-\infty` as t does and is positive for large t.  The root lies
    above :math:`-(2 + 4\gamma)/\gamma - 10`, where :math:`s > (1+2\gamma)/\gamma` makes B negative.
    Found by bisection in float64, per value for a per-output gamma.
    """
    g = np.atleast_1d(np.asarray(gamma, dtype=np.float64))
    positive = g > 0
    g_safe = np.where(positive, g, 1.0)

    def bracket(t: NDArray[np.float64]) -> NDArray[np.float64]:
        p, q, s, _ = _kernel.sigmoid_parts(t)
        out: NDArray[np.float64] = q * (1.0 + 2.0 * g_safe) + g_safe * s * (g_safe * p - q)
        return out

    lo = -(2.0 + 4.0 * g_safe) / g_safe - 10.0
    hi = np.full_like(g_safe, 50.0)
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        below = bracket(mid) < 0
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    root = np.where(positive, 0.5 * (lo + hi), -np.inf)
    if isinstance(gamma, float):
        return float(root[0])
    out: NDArray[np.float64] = root
    return out


def _solve_init_margin(
    mean: NDArray[np.float64],
    w_pos: FloatArray | float,
    w_neg: FloatArray | float,
    gamma: float | NDArray[np.float64],
) -> NDArray[np.float64]:
    """Root of ``d/dc [w_pos*m*f(c) + w_neg*(1-m)*f(-c)]`` in [-B, B] by vectorised bisection.

    The derivative is negative at -B and positive at B unless the optimum lies outside, in which case
    the nearer bound is the constrained minimiser (the derivative keeps one sign on the interval).
    """
    bound = INIT_MARGIN_BOUND
    shape = mean.shape

    def derivative(c: NDArray[np.float64]) -> FloatArray:
        _, grad, _ = _kernel.soft_label_terms(mean, c, w_pos, w_neg, gamma, "exact", False)
        return grad

    lo = np.full(shape, -bound)
    hi = np.full(shape, bound)
    d_lo = derivative(lo)
    d_hi = derivative(hi)
    for _ in range(80):  # 30 / 2**80 is far below float64 spacing
        mid = 0.5 * (lo + hi)
        d_mid = derivative(mid)
        go_right = d_mid < 0
        lo = np.where(go_right, mid, lo)
        hi = np.where(go_right, hi, mid)
    root = 0.5 * (lo + hi)
    root = np.where(d_lo >= 0, -bound, root)
    root = np.where(d_hi <= 0, bound, root)
    # A derivative that is zero at both ends is zero everywhere: every label is of a class whose
    # weight is zero (e.g. alpha="balanced" on one class).  Any margin minimises the (zero) loss; take
    # the bound on the side of that class, as for every other single-class input.
    flat = (d_lo >= 0) & (d_hi <= 0)
    root = np.where(flat, np.where(mean > 0.5, bound, -bound), root)
    out: NDArray[np.float64] = np.asarray(root, dtype=np.float64)
    return out
