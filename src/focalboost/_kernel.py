"""Numerically stable focal-loss kernels: pure array functions with no input validation.

Notation: for a margin ``t``, ``p = sigmoid(t)``, ``q = 1 - p = sigmoid(-t)``, ``s = softplus(-t) = -log p``
and ``g`` is the focusing parameter gamma.  The *positive side* of the focal loss (the loss of a row
whose label is 1, before class weights) and its derivatives with respect to ``t`` are

    f(t)   = q**g * s                                    (= -(1-p)**g * log p)
    f'(t)  = -q**g * (q + g*p*s)
    f''(t) = p * q**g * (q*(1 + 2g) + g*s*(g*p - q))

and the *negative side* is the mirror image ``f(-t)``, i.e. the same expressions with ``p`` and ``q``
swapped and ``s`` replaced by ``softplus(t) = -log q``.  ``p``, ``q`` and both softplus values come
from a single ``exp(-|t|)`` and ``log1p``: nothing is formed as ``1 - p``, and nothing overflows for
any finite margin.  ``q**g`` is ``exp(-g * softplus(t))`` (an exact product for g in {0, 1, 2}).

The only negative contribution to ``f''`` is ``-g*s*p*q**(g+1)``.  Dropping it gives the ``"upper"``
curvature ``p*q**g*(q*(1+2g) + g**2*p*s)``, which is never below the exact second derivative, equals
it when g = 0, and is positive wherever ``p*q > 0``.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

HessianPolicy = Literal["upper", "exact", "clip", "abs"]
HESSIAN_POLICIES: tuple[str, ...] = ("upper", "exact", "clip", "abs")

#: Smallest curvature, per unit of class weight, returned by the positive Hessian policies.  It is
#: the floor XGBoost applies to its own logistic Hessian, so a row never contributes exactly zero.
HESSIAN_FLOOR = 1e-16

FloatArray = NDArray[np.floating]
Gamma = float | FloatArray


def array_namespace(*arrays: Any) -> ModuleType:
    """The array module of the inputs: ``cupy`` for CuPy arrays, the ``__array_namespace__`` of other
    array-API arrays, else ``numpy`` (numpy arrays, scalars, sequences and ``None`` are neutral).

    The kernels below call only functions of this namespace, so CuPy inputs are computed on the
    device and returned as CuPy arrays, with no copy to the host.
    """
    for a in arrays:
        if a is None or isinstance(a, (np.ndarray, np.generic, float, int, bool, list, tuple)):
            continue
        if type(a).__module__.split(".", 1)[0] == "cupy":
            return importlib.import_module("cupy")  # only reached with a CuPy array in hand
        get_ns = getattr(a, "__array_namespace__", None)
        if get_ns is not None:
            ns: ModuleType = get_ns()
            return ns
    return np


def sigmoid_parts(t: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Return ``(sigmoid(t), sigmoid(-t), softplus(-t), softplus(t))`` in the dtype of ``t``."""
    xp = array_namespace(t)
    e = xp.exp(-xp.abs(t))
    log1p_e = xp.log1p(e)
    inv = 1.0 / (1.0 + e)
    e_inv = e * inv
    nonneg = t >= 0
    p = xp.where(nonneg, inv, e_inv)
    q = xp.where(nonneg, e_inv, inv)
    softplus_neg = log1p_e + xp.maximum(-t, 0.0)
    softplus_pos = log1p_e + xp.maximum(t, 0.0)
    return p, q, softplus_neg, softplus_pos


def log_slopes(t: FloatArray, gamma: Gamma) -> tuple[FloatArray, FloatArray]:
    """``(log(q + g*p*s), log(p + g*q*s_mirror))`` at ``t``: the logs of ``-f'(t)/q**g`` and its mirror.

    Evaluated from ``e = exp(-|t|)`` without forming ``q`` or ``s`` alone, which underflow to zero for
    large margins (from |t| ~ 745 in float64, ~ 104 in float32) and would make the log infinite.  For
    ``u = |t|``: ``q + g*p*s = e*(1 + g*log1p(e)/e)/(1 + e)`` and, at ``-u``,
    ``(1 + g*e*(u + log1p(e)))/(1 + e)``; ``log1p(e)/e`` tends to 1 as ``e`` underflows.
    """
    xp = array_namespace(t)
    u = xp.abs(t)
    e = xp.exp(-u)
    log1p_e = xp.log1p(e)
    positive = e > 0
    ratio = xp.where(positive, log1p_e / xp.where(positive, e, 1.0), 1.0)
    at_plus_u = xp.log1p(gamma * ratio) - u - log1p_e
    at_minus_u = xp.log1p(gamma * e * (u + log1p_e)) - log1p_e
    nonneg = t >= 0
    return xp.where(nonneg, at_plus_u, at_minus_u), xp.where(nonneg, at_minus_u, at_plus_u)


def power_from_log(base: FloatArray, gamma: Gamma, log_base: FloatArray) -> FloatArray:
    """``base**gamma`` given ``log_base = log(base)``; exact products for gamma in {0, 1, 2}."""
    xp = array_namespace(base)
    if isinstance(gamma, (float, int)):
        g = float(gamma)
        if g == 0.0:
            return xp.ones_like(base)  # type: ignore[no-any-return]
        if g == 1.0:
            return base
        if g == 2.0:
            return base * base
        out: FloatArray = xp.exp(g * log_base)
        return out
    out = xp.exp(gamma * log_base)
    return out


def side_derivatives(
    p: FloatArray,
    q: FloatArray,
    s: FloatArray,
    q_pow: FloatArray,
    gamma: Gamma,
    policy: str,
) -> tuple[FloatArray, FloatArray]:
    """First and second derivative of the positive side ``f`` at a margin with parts ``p, q, s``.

    ``q_pow`` is ``q**gamma``.  ``policy`` selects the curvature: ``"upper"`` drops the negative term,
    every other policy returns the exact ``f''`` (the callers apply ``clip``/``abs``).
    """
    gps = gamma * p * s
    grad = -q_pow * (q + gps)
    bracket = q * (1.0 + 2.0 * gamma)
    # "upper" drops the only negative term, -gamma*s*q, of the exact bracket.
    bracket = bracket + gamma * gps if policy == "upper" else bracket + gamma * (gps - s * q)
    hess = p * q_pow * bracket
    return grad, hess


def apply_policy(hess: FloatArray, policy: str, floor: FloatArray | float) -> FloatArray:
    """Make the exact (or upper) curvature follow ``policy``; ``floor`` is in the same units."""
    if policy == "exact":
        return hess
    xp = array_namespace(hess)
    if policy == "abs":
        hess = xp.abs(hess)
    return xp.maximum(hess, floor)  # type: ignore[no-any-return]


def hard_label_terms(
    z: FloatArray,
    positive: NDArray[np.bool_],
    gamma: Gamma,
    policy: str,
    want_loss: bool,
) -> tuple[FloatArray | None, FloatArray, FloatArray]:
    """Loss, gradient and curvature for labels that are exactly 0 or 1, before any weights.

    A label-0 row at margin z is the positive side evaluated at ``-z``; the chain rule flips the sign
    of the gradient and leaves the second derivative unchanged.  One set of transcendental calls per
    row instead of two.
    """
    xp = array_namespace(z)
    t = xp.where(positive, z, -z)
    p, q, s, s_mirror = sigmoid_parts(t)
    q_pow = power_from_log(q, gamma, -s_mirror)
    grad, hess = side_derivatives(p, q, s, q_pow, gamma, policy)
    grad = xp.where(positive, grad, -grad)
    loss = q_pow * s if want_loss else None
    return loss, grad, hess


def soft_label_terms(
    y: FloatArray,
    z: FloatArray,
    w_pos: FloatArray | float,
    w_neg: FloatArray | float,
    gamma: Gamma,
    policy: str,
    want_loss: bool,
) -> tuple[FloatArray | None, FloatArray, FloatArray]:
    """Class-weighted loss, gradient and curvature for labels anywhere in [0, 1].

    Both sides are evaluated: ``w_pos*y*f(z) + w_neg*(1-y)*f(-z)``.  For ``"upper"`` the negative
    term is dropped from each side separately, so the result still bounds the exact curvature.
    """
    p, q, s_neg, s_pos = sigmoid_parts(z)
    q_pow = power_from_log(q, gamma, -s_pos)
    p_pow = power_from_log(p, gamma, -s_neg)
    c_pos = w_pos * y
    c_neg = w_neg * (1.0 - y)
    g_pos, h_pos = side_derivatives(p, q, s_neg, q_pow, gamma, policy)
    g_neg, h_neg = side_derivatives(q, p, s_pos, p_pow, gamma, policy)
    grad = c_pos * g_pos - c_neg * g_neg
    hess = c_pos * h_pos + c_neg * h_neg
    loss = c_pos * q_pow * s_neg + c_neg * p_pow * s_pos if want_loss else None
    return loss, grad, hess


def hard_label_loss(z: FloatArray, positive: NDArray[np.bool_], gamma: Gamma) -> FloatArray:
    """Unweighted loss for 0/1 labels (no derivatives computed)."""
    xp = array_namespace(z)
    t = xp.where(positive, z, -z)
    e = xp.exp(-xp.abs(t))
    log1p_e = xp.log1p(e)
    s = log1p_e + xp.maximum(-t, 0.0)
    s_mirror = log1p_e + xp.maximum(t, 0.0)
    q = xp.exp(-s_mirror)
    out: FloatArray = power_from_log(q, gamma, -s_mirror) * s
    return out
