"""Finite-difference checks: ``grad`` is the derivative of ``loss`` and the exact Hessian is the
derivative of ``grad``, evaluated with the package's own float64 functions.

Step size.  Away from the saturated tail each side of the loss varies on the length scale
``1/(1+gamma)`` (it decays like ``exp(-(1+gamma)*t)``), so the step is ``h = 1e-4/(1+gamma)``.  The
truncation error of a central difference is ``h**2/6 * |F'''|``; with ``|F'''| <~ (1+gamma)**2 * S``
(``S`` the local scale below) that is about ``2e-9 * S`` (measured: at most 1.8e-9 * S), so the
relative part of the tolerance is ``RTOL = 2e-8``.

Local scale ``S``.  The tested derivative is a sum of a positive-label side and a negative-label side
(``a*y*f(z)`` and ``(1-a)*(1-y)*f(-z)``), and for soft labels or the exact Hessian it changes sign, so
relative error is meaningless there.  ``S`` is the sum of the magnitudes of the terms of the exact
expression, computed by the independent numpy formulas below (``|f'|`` for the gradient, the
bracket with every term made positive for the Hessian); for a hard label away from a sign change
``S`` equals the magnitude of the derivative itself, so the check is a pure relative one there.

Rounding.  ``(F(z+h) - F(z-h)) / 2h`` also carries the rounding error of the two evaluations, a few
ulps of ``|F(z+-h)|`` each, divided by ``2h``: ``NOISE = 8 * eps * (|F(z+h)| + |F(z-h)|) / 2h``.  In
the saturated tail of the gradient (e.g. ``y=1``, ``z < -20``) the gradient is ``-a + O(exp(z))``
and its variation over a step is below float64 resolution, so there the Hessian check is only as
strong as that noise (the mpmath reference test pins those values).  ``test_fd_checks_resolve``
asserts the checks are resolving (noise below 1e-3 of the scale) on all of ``|z| <= 15``.
"""

from __future__ import annotations

import numpy as np
import pytest

from focalboost import FocalLoss

EPS = np.finfo(np.float64).eps
RTOL = 2e-8
NOISE_ULPS = 8.0
H0 = 1e-4

GAMMAS = [0.0, 0.5, 1.0, 2.0, 5.0]
ALPHAS = [None, 0.1, 0.25, 0.5, 0.9, "balanced"]
LABELS = [0.0, 1.0, 0.3]

Z_GRID = np.linspace(-30.0, 30.0, 1201)  # step 0.05, includes 0 and +-30
# Rows appended to every label set so that alpha="balanced" is never resolved from one class only
# (a single-class batch gives that class zero weight and a loss that is identically zero).
BACKGROUND_LABELS = np.array([1.0, 0.0, 0.0, 0.0, 0.0])
BACKGROUND_MARGINS = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])


def _side_scales(t: np.ndarray, gamma: float) -> tuple[np.ndarray, np.ndarray]:
    """Independent float64 magnitudes of the positive side ``f(t) = -(1-p)**g log p``.

    Returns ``|f'(t)|`` and the sum of the magnitudes of the terms of ``f''(t)``:
    ``p q**g (q(1+2g) + g**2 p s + g s q)`` with ``s = -log p`` (the exact bracket has ``- g s q``).
    """
    softplus_pos = np.logaddexp(0.0, t)
    softplus_neg = np.logaddexp(0.0, -t)
    p = np.exp(-softplus_neg)
    q = np.exp(-softplus_pos)
    q_pow = np.exp(-gamma * softplus_pos)
    s = softplus_neg
    grad_mag = q_pow * (q + gamma * p * s)
    hess_terms = p * q_pow * (q * (1 + 2 * gamma) + gamma**2 * p * s + gamma * s * q)
    return grad_mag, hess_terms


def _case(y: float, weighted: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    labels = np.concatenate([np.full(Z_GRID.size, y), BACKGROUND_LABELS])
    margins = np.concatenate([Z_GRID, BACKGROUND_MARGINS])
    weights = None
    if weighted:
        weights = np.random.default_rng(12345).uniform(0.1, 10.0, size=labels.size)
    return labels, margins, weights


def _class_weights(alpha: float | str | None, y: np.ndarray, w: np.ndarray | None):
    if alpha is None:
        return 1.0, 1.0
    if alpha == "balanced":
        a = 1.0 - float(np.average(y, weights=w))
        return a, 1.0 - a
    return alpha, 1.0 - alpha


def _scales(alpha, gamma, y, z, w):
    w_pos, w_neg = _class_weights(alpha, y, w)
    sw = 1.0 if w is None else w
    g_pos, h_pos = _side_scales(z, gamma)
    g_neg, h_neg = _side_scales(-z, gamma)
    grad_scale = sw * (w_pos * y * g_pos + w_neg * (1 - y) * g_neg)
    hess_scale = sw * (w_pos * y * h_pos + w_neg * (1 - y) * h_neg)
    return grad_scale, hess_scale


def _central(fun, z: np.ndarray, h: float):
    z_plus, z_minus = z + h, z - h
    step = z_plus - z_minus  # the step actually taken, after rounding z +- h
    f_plus, f_minus = fun(z_plus), fun(z_minus)
    diff = (f_plus - f_minus) / step
    noise = NOISE_ULPS * EPS * (np.abs(f_plus) + np.abs(f_minus)) / step
    return diff, noise


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("y", LABELS)
@pytest.mark.parametrize("alpha", ALPHAS)
@pytest.mark.parametrize("gamma", GAMMAS)
def test_grad_is_derivative_of_loss(gamma, alpha, y, weighted):
    labels, margins, weights = _case(y, weighted)
    fl = FocalLoss(alpha=alpha, gamma=gamma, hessian="exact")
    h = H0 / (1 + gamma)
    fd, noise = _central(lambda z: fl.loss(labels, z, weights), margins, h)
    grad, _ = fl.grad_hess(labels, margins, weights)
    grad_scale, _ = _scales(alpha, gamma, labels, margins, weights)
    err = np.abs(fd - grad)
    tol = RTOL * grad_scale + noise
    bad = err > tol
    assert not bad.any(), (
        f"{bad.sum()} points; worst at z={margins[np.argmax(err / tol)]}: "
        f"fd={fd[bad][:3]}, grad={grad[bad][:3]}"
    )


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("y", LABELS)
@pytest.mark.parametrize("alpha", ALPHAS)
@pytest.mark.parametrize("gamma", GAMMAS)
def test_exact_hessian_is_derivative_of_grad(gamma, alpha, y, weighted):
    labels, margins, weights = _case(y, weighted)
    fl = FocalLoss(alpha=alpha, gamma=gamma, hessian="exact")
    h = H0 / (1 + gamma)
    fd, noise = _central(lambda z: fl.grad_hess(labels, z, weights)[0], margins, h)
    _, hess = fl.grad_hess(labels, margins, weights)
    _, hess_scale = _scales(alpha, gamma, labels, margins, weights)
    err = np.abs(fd - hess)
    tol = RTOL * hess_scale + noise
    bad = err > tol
    assert not bad.any(), (
        f"{bad.sum()} points; worst at z={margins[np.argmax(err / tol)]}: "
        f"fd={fd[bad][:3]}, hess={hess[bad][:3]}"
    )


@pytest.mark.parametrize("y", LABELS)
@pytest.mark.parametrize("gamma", GAMMAS)
def test_fd_checks_resolve(gamma, y):
    """The checks above are not vacuous: on |z| <= 15 the rounding noise of both central differences
    is below 1e-3 of the local scale, so an error of 0.1% in grad or hess would be caught."""
    labels, margins, weights = _case(y, weighted=True)
    fl = FocalLoss(alpha=0.25, gamma=gamma, hessian="exact")
    h = H0 / (1 + gamma)
    _, noise_grad = _central(lambda z: fl.loss(labels, z, weights), margins, h)
    _, noise_hess = _central(lambda z: fl.grad_hess(labels, z, weights)[0], margins, h)
    grad_scale, hess_scale = _scales(0.25, gamma, labels, margins, weights)
    inner = np.abs(margins) <= 15
    assert np.all(noise_grad[inner] < 1e-3 * grad_scale[inner])
    assert np.all(noise_hess[inner] < 1e-3 * hess_scale[inner])


@pytest.mark.parametrize("gamma", [0.5, 2.0, 5.0])
def test_fd_detects_wrong_curvature(gamma):
    """Control: the "upper" curvature (exact minus a negative term) fails the exact-Hessian check,
    so the tolerance is tight enough to tell a wrong second derivative from the right one."""
    labels, margins, weights = _case(1.0, weighted=False)
    exact = FocalLoss(alpha=0.25, gamma=gamma, hessian="exact")
    upper = FocalLoss(alpha=0.25, gamma=gamma, hessian="upper")
    h = H0 / (1 + gamma)
    fd, noise = _central(lambda z: exact.grad_hess(labels, z, weights)[0], margins, h)
    _, hess_upper = upper.grad_hess(labels, margins, weights)
    _, hess_scale = _scales(0.25, gamma, labels, margins, weights)
    inner = np.abs(margins) <= 15
    assert np.mean(np.abs(fd - hess_upper)[inner] > (RTOL * hess_scale + noise)[inner]) > 0.5
