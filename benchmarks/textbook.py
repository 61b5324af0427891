"""Baselines for the kernel benchmark, written from the published formulas.

* ``logistic`` is the numpy kernel of the built-in binary log-loss objective.
* ``textbook_chain`` and ``textbook_where`` are focal-loss derivatives the way they are usually
  transcribed from Lin et al. (2017), appendix: ``p = 1/(1+exp(-z))`` clipped away from 0 and 1,
  ``p_t`` the probability of the true class, and, with ``y_s = 2y - 1`` and ``a_t`` the class weight,

      dFL/dz   = a_t * y_s * (1-p_t)**g * (g*p_t*log(p_t) + p_t - 1)
      d2FL/dz2 = d/dz of the same product, using dp_t/dz = y_s*p_t*(1-p_t)

  (the exact second derivative, negative for confidently wrong rows).  ``textbook_chain`` forms
  ``p_t`` and ``a_t`` arithmetically from the labels, ``textbook_where`` with ``np.where``; both use
  ``np.power``.  They are only baselines: they overflow warnings aside, lose all accuracy where
  ``p`` is clipped (|z| beyond about 20 in float64), which the focalboost kernel does not.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

EPS = 1e-9


def logistic(y: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gradient and Hessian of log-loss: ``p - y`` and ``p*(1-p)`` with ``p = expit(z)``."""
    p = expit(z)
    return p - y, p * (1.0 - p)


def textbook_chain(
    y: np.ndarray, z: np.ndarray, alpha: float = 0.25, gamma: float = 2.0
) -> tuple[np.ndarray, np.ndarray]:
    with np.errstate(over="ignore"):
        p = 1.0 / (1.0 + np.exp(-z))
    p = np.clip(p, EPS, 1.0 - EPS)
    ys = 2.0 * y - 1.0
    pt = y * p + (1.0 - y) * (1.0 - p)
    at = y * alpha + (1.0 - y) * (1.0 - alpha)
    dpt = ys * pt * (1.0 - pt)
    u = at * ys * np.power(1.0 - pt, gamma)
    v = gamma * pt * np.log(pt) + pt - 1.0
    du = -at * ys * gamma * np.power(1.0 - pt, gamma - 1.0) * dpt
    dv = (gamma * np.log(pt) + gamma + 1.0) * dpt
    return u * v, du * v + u * dv


def textbook_where(
    y: np.ndarray, z: np.ndarray, alpha: float = 0.25, gamma: float = 2.0
) -> tuple[np.ndarray, np.ndarray]:
    with np.errstate(over="ignore"):
        p = 1.0 / (1.0 + np.exp(-z))
    p = np.clip(p, EPS, 1.0 - EPS)
    pos = y == 1
    ys = np.where(pos, 1.0, -1.0)
    pt = np.where(pos, p, 1.0 - p)
    at = np.where(pos, alpha, 1.0 - alpha)
    one_m = 1.0 - pt
    log_pt = np.log(pt)
    dpt = ys * pt * one_m
    u = at * ys * np.power(one_m, gamma)
    v = gamma * pt * log_pt + pt - 1.0
    du = -at * ys * gamma * np.power(one_m, gamma - 1.0) * dpt
    dv = (gamma * log_pt + gamma + 1.0) * dpt
    return u * v, du * v + u * dv
