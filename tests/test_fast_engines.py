"""Training through the engines' callbacks gives the same models on the fast and generic kernels.

This covers what only a real engine exercises: the per-dataset cache across rounds, the reuse
of the previous round's output buffers and LightGBM's float32 gradients.
"""

from __future__ import annotations

import numpy as np
import pytest

import focalboost.loss as loss_mod
from focalboost import FocalLoss

RNG = np.random.default_rng(11)


def _data(n: int = 3000, k: int | None = None):
    X = RNG.standard_normal((n, 6)).astype(np.float32)
    logits = X[:, 0] * 1.5 - X[:, 1] + 0.5 * X[:, 2] * X[:, 3] - 2.0
    if k is None:
        y = (RNG.random(n) < 1 / (1 + np.exp(-logits))).astype(np.float32)
    else:
        shifts = np.linspace(-1.0, 1.0, k)
        p = 1 / (1 + np.exp(-(logits[:, None] + shifts)))
        y = (RNG.random((n, k)) < p).astype(np.float32)
    w = (RNG.random(n) + 0.5).astype(np.float32)
    return X, y, w


def _both(train, monkeypatch):
    fast = train()
    monkeypatch.setattr(loss_mod, "_USE_FAST", False)
    generic = train()
    monkeypatch.setattr(loss_mod, "_USE_FAST", True)
    return fast, generic


@pytest.mark.parametrize("multi", [False, True])
def test_xgboost_models_agree(multi, monkeypatch):
    xgb = pytest.importorskip("xgboost")
    from focalboost import xgb as fxgb

    X, y, w = _data(k=3 if multi else None)
    params = {"tree_method": "hist", "nthread": 2, "max_depth": 3, "eta": 0.3}

    def train():
        fl = FocalLoss(alpha="balanced", gamma=2.0)
        dtrain = xgb.DMatrix(X, label=y, weight=w)
        booster = fxgb.train(params, dtrain, 8, loss=fl, evals=[(dtrain, "train")])
        return fxgb.predict_margin(booster, xgb.DMatrix(X)), fl.alpha_

    (m_fast, a_fast), (m_gen, a_gen) = _both(train, monkeypatch)
    np.testing.assert_allclose(a_fast, a_gen, rtol=1e-12)
    # identical gradients up to rounding: the same trees, margins equal to float32 precision
    np.testing.assert_allclose(m_fast, m_gen, rtol=1e-4, atol=1e-4)


def test_lightgbm_models_agree(monkeypatch):
    lgb = pytest.importorskip("lightgbm")
    from focalboost import lgb as flgb

    X, y, w = _data()
    params = {"num_threads": 2, "verbose": -1, "num_leaves": 7, "learning_rate": 0.3}

    def train():
        fl = FocalLoss(alpha=0.3, gamma=1.5)
        ds = lgb.Dataset(X, label=y, weight=w)
        booster = flgb.train(params, ds, 8, loss=fl, valid_sets=[ds])
        return booster.predict(X, raw_score=True)

    m_fast, m_gen = _both(train, monkeypatch)
    np.testing.assert_allclose(m_fast, m_gen, rtol=1e-4, atol=1e-4)
