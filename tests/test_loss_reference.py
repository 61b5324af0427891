"""Loss, gradient and exact Hessian against an independent 50-digit mpmath reference.

The reference evaluates the two sides of the definition ``-y a (1-p)^g log p - (1-y)(1-a) p^g
log(1-p)`` directly in mpmath (50 significant digits, where ``1 - p`` is harmless), differentiates
them numerically with ``mpmath.diffs`` at that precision and combines them with the label and class
weights, so it shares no formula with the package's kernels (the term-magnitude scales below are
the only hand-derived expressions, and they only size the tolerance near sign changes).

Error measure.  Loss values are sums of non-negative terms, so their error is purely relative.  The
gradient of a soft label and the exact Hessian of any label are sums of terms of both signs and
cross zero (for ``gamma=2``, ``y=1`` the Hessian changes sign near ``z = -2.79``); close to such a
zero the relative error of *any* floating-point evaluation grows like ``S/|value|``, where ``S`` is
the sum of the magnitudes of the terms.  So: where the cancellation ``S/|value|`` exceeds
``CANCELLATION_BAND`` (a zero is that close), the error is bounded by ``1e-9 * S``; everywhere else
the bound is the pure relative ``1e-9 * |value|``.  For the Hessian ``S`` is the bracket with every
term made positive, ``p q^g (q(1+2g) + g^2 p s + g s q)`` per side; for the gradient it is
``|a y f'(z)| + |(1-a)(1-y) f'(-z)|``.
"""

from __future__ import annotations

import functools

import mpmath as mp
import numpy as np
import pytest

from focalboost import FocalLoss

DPS = 50
RTOL = 1e-9
CANCELLATION_BAND = 1e3  # S/|value| above this: bounded by RTOL * S instead of RTOL * |value|

GAMMAS = [0.0, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 7.5, 10.0]
ALPHAS = [None, 0.25, 0.9]
LABELS = [0.0, 1.0, 0.3, 0.85]
MARGINS = [-35.0, -30.0, -25.0, -20.0, -15.0, -10.0, -6.0, -4.0, -2.79, -2.0, -1.0, -0.5, -0.1, 0.0]
MARGINS += [1e-3, 0.1, 0.5, 1.0, 2.0, 2.79, 4.0, 6.0, 10.0, 15.0, 20.0, 25.0, 30.0, 35.0]


def _weights(alpha):
    if alpha is None:
        return mp.mpf(1), mp.mpf(1)
    return mp.mpf(alpha), 1 - mp.mpf(alpha)


def _mp_sides(gamma):
    """The two sides of the definition, unweighted: ``-(1-p)^g log p`` and ``-p^g log(1-p)``."""

    def positive(z):
        p = 1 / (1 + mp.exp(-z))
        return -((1 - p) ** gamma) * mp.log(p)

    def negative(z):
        p = 1 / (1 + mp.exp(-z))
        return -(p**gamma) * mp.log(1 - p)

    return positive, negative


def _mp_loss(y, a_pos, a_neg, gamma):
    positive, negative = _mp_sides(gamma)
    return lambda z: y * a_pos * positive(z) + (1 - y) * a_neg * negative(z)


def _mp_side_scales(t, gamma):
    """|f'(t)| and the term-magnitude sum of f''(t) for the positive side, in mpmath."""
    p = 1 / (1 + mp.exp(-t))
    q = 1 - p
    s = -mp.log(p)
    grad = q**gamma * (q + gamma * p * s)
    hess = p * q**gamma * (q * (1 + 2 * gamma) + gamma**2 * p * s + gamma * s * q)
    return grad, hess


@functools.cache
def _side_reference(gamma: float):
    """Per margin: (value, first, second derivative) of each side, plus the term scales of each."""
    rows = []
    with mp.workdps(DPS):
        g = mp.mpf(gamma)
        positive, negative = _mp_sides(g)
        for z in MARGINS:
            zm = mp.mpf(z)
            rows.append(
                (
                    list(mp.diffs(positive, zm, 2)),
                    list(mp.diffs(negative, zm, 2)),
                    _mp_side_scales(zm, g),
                    _mp_side_scales(-zm, g),
                )
            )
    return rows


def _reference(gamma: float, alpha, y: float):
    """float64 arrays (loss, grad, hess, grad_scale, hess_scale) over MARGINS.

    The loss is linear in the label and the class weights, so each case is combined from the two
    sides in 50-digit arithmetic and rounded to float64 only at the end (a relative change of at
    most 1.1e-16, immaterial against the 1e-9 bounds).
    """
    out = []
    with mp.workdps(DPS):
        a_pos, a_neg = _weights(alpha)
        ym = mp.mpf(y)
        c_pos, c_neg = a_pos * ym, a_neg * (1 - ym)
        for pos, neg, (gp, hp), (gn, hn) in _side_reference(gamma):
            row = [c_pos * pos[k] + c_neg * neg[k] for k in range(3)]
            row += [c_pos * gp + c_neg * gn, c_pos * hp + c_neg * hn]
            out.append([float(v) for v in row])
    return tuple(np.array(col) for col in zip(*out, strict=True))


def _check(values, ref, scale, what):
    err = np.abs(values - ref)
    near_zero = np.abs(ref) * CANCELLATION_BAND < scale
    # Near a sign change the error is bounded by the terms' magnitudes, elsewhere it is relative.
    bound = np.where(near_zero, RTOL * scale, RTOL * np.abs(ref))
    bad = ~(err <= bound)
    z = np.array(MARGINS)
    assert not bad.any(), (
        f"{what}: z={z[bad]}, value={values[bad]}, reference={ref[bad]}, "
        f"err/bound={err[bad] / bound[bad]}"
    )


@pytest.mark.parametrize("y", LABELS)
@pytest.mark.parametrize("alpha", ALPHAS)
@pytest.mark.parametrize("gamma", GAMMAS)
def test_against_mpmath(gamma, alpha, y):
    ref_loss, ref_grad, ref_hess, grad_scale, hess_scale = _reference(gamma, alpha, y)
    z = np.array(MARGINS)
    labels = np.full_like(z, y)
    fl = FocalLoss(alpha=alpha, gamma=gamma, hessian="exact")
    loss = fl.loss(labels, z)
    grad, hess = fl.grad_hess(labels, z)
    _check(loss, ref_loss, ref_loss, "loss")  # every term of the loss is >= 0: scale = value
    _check(grad, ref_grad, grad_scale, "grad")
    _check(hess, ref_hess, hess_scale, "hess")


def test_direct_definition_matches_side_combination():
    """The combined reference equals mpmath.diff of the full definition for a soft label."""
    gamma, alpha, y = 2.0, 0.25, 0.3
    ref = _reference(gamma, alpha, y)
    with mp.workdps(DPS):
        loss = _mp_loss(mp.mpf(y), *_weights(alpha), mp.mpf(gamma))
        direct = [[float(v) for v in mp.diffs(loss, mp.mpf(z), 2)] for z in MARGINS]
    # Same quantities at 50 digits, so they agree to float64 rounding of the term magnitudes.
    for k, scale in enumerate((ref[0], ref[3], ref[4])):
        np.testing.assert_array_less(np.abs(np.array(direct)[:, k] - ref[k]), 1e-15 * scale)


def test_reference_scales_are_consistent():
    """The term-magnitude scales bound the mpmath derivatives, and equal them where no term is
    negative (hard-label gradients; Hessians for gamma=0)."""
    for gamma in (0.0, 2.0):
        for y in (0.0, 1.0, 0.3):
            _, grad, hess, grad_scale, hess_scale = _reference(gamma, 0.25, y)
            assert np.all(np.abs(grad) <= grad_scale * (1 + 1e-15))
            assert np.all(np.abs(hess) <= hess_scale * (1 + 1e-15))
            if y in (0.0, 1.0):
                np.testing.assert_allclose(np.abs(grad), grad_scale, rtol=1e-15)
            if gamma == 0.0:
                np.testing.assert_allclose(hess, hess_scale, rtol=1e-15)


def _mp_exact_hessian(gamma: float, y: float):
    a_pos, a_neg = _weights(None)
    loss = _mp_loss(mp.mpf(y), a_pos, a_neg, mp.mpf(gamma))
    return lambda z: mp.diff(loss, z, 2)


def _package_root(fl: FocalLoss, y: float, lo: float, hi: float) -> float:
    """Bisection, in float64, on the sign of the package's exact Hessian."""

    def hess(z: float) -> float:
        return float(fl.grad_hess(np.array([y]), np.array([z]))[1][0])

    h_lo, h_hi = hess(lo), hess(hi)
    assert h_lo * h_hi < 0
    while True:
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            return mid
        if (hess(mid) < 0) == (h_lo < 0):
            lo = mid
        else:
            hi = mid


@pytest.mark.parametrize(
    ("gamma", "y", "guess"),
    [(2.0, 1.0, -2.79), (2.0, 0.0, 2.79), (0.5, 1.0, -5.0), (1.0, 1.0, -3.5), (5.0, 0.0, 2.5)],
)
def test_exact_hessian_sign_change(gamma, y, guess):
    with mp.workdps(DPS):
        root = mp.findroot(_mp_exact_hessian(gamma, y), mp.mpf(guess))
        root_f = float(root)
    if gamma == 2.0:
        assert abs(abs(root_f) - 2.79) < 5e-3  # the documented location
    fl = FocalLoss(alpha=None, gamma=gamma, hessian="exact")
    # The package's exact Hessian changes sign where mpmath's does (to float64 resolution)...
    found = _package_root(fl, y, root_f - 0.5, root_f + 0.5)
    assert abs(found - root_f) <= 1e-12 * abs(root_f)
    # ...is negative on the confidently-wrong side and positive on the other...
    wrong_side = -1.0 if y == 1.0 else 1.0
    z = np.array([root_f + wrong_side * 1e-6, root_f - wrong_side * 1e-6])
    _, hess = fl.grad_hess(np.full(2, y), z)
    assert hess[0] < 0 < hess[1]
    # ...and right at the root its error is within 1e-9 of the bracket's term magnitudes.
    zs = np.array([np.nextafter(root_f, -np.inf), root_f, np.nextafter(root_f, np.inf)])
    _, hess = fl.grad_hess(np.full(3, y), zs)
    with mp.workdps(DPS):
        exact = _mp_exact_hessian(gamma, y)
        t = mp.mpf(root_f) if y == 1.0 else -mp.mpf(root_f)
        _, scale = _mp_side_scales(t, mp.mpf(gamma))
        for zi, hi in zip(zs, hess, strict=True):
            assert abs(mp.mpf(float(hi)) - exact(mp.mpf(zi))) <= RTOL * scale
