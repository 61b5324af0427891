"""The generic kernel computes in the inputs' own array namespace.

``array_api_strict`` has only the standard's functions, so any numpy-only call in the path would
fail or hand back a numpy array; the results are compared with the numpy fast path.  CuPy tests run
only where CuPy and a GPU are present.
"""

from __future__ import annotations

import numpy as np
import pytest

from focalboost import FocalLoss
from focalboost._kernel import array_namespace

RNG = np.random.default_rng(7)


def _data(shape, soft=False):
    z = RNG.standard_normal(shape) * 4.0
    z.flat[:4] = [-800.0, 800.0, -30.0, 30.0]
    y = RNG.random(shape) if soft else (RNG.random(shape) < 0.3).astype(np.float64)
    w = RNG.random(shape[0]) + 0.25
    return z, y, w


def test_namespace_of_plain_inputs_is_numpy():
    assert array_namespace(np.ones(3), None, 1.0, [1, 2]) is np
    assert array_namespace() is np


@pytest.mark.parametrize("soft", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize(
    ("shape", "params"),
    [
        ((257,), {"alpha": 0.25, "gamma": 2.0}),
        ((257,), {"alpha": "balanced", "gamma": 0.7, "hessian": "exact"}),
        ((64, 3), {"alpha": [0.2, 0.5, 0.8], "gamma": [0.0, 1.0, 3.0], "hessian": "abs"}),
    ],
)
def test_array_api_strict_matches_numpy(soft, weighted, shape, params):
    xp = pytest.importorskip("array_api_strict")
    z, y, w = _data(shape, soft)
    w = w if weighted else None
    fl = FocalLoss(**params)
    g_np, h_np = fl.grad_hess(y, z, w)
    l_np = fl.loss(y, z, w)
    zx, yx = xp.asarray(z), xp.asarray(y)
    wx = None if w is None else xp.asarray(w)
    assert array_namespace(zx) is xp
    g, h = fl.grad_hess(yx, zx, wx)
    loss = fl.loss(yx, zx, wx)
    for got, ref in ((g, g_np), (h, h_np), (loss, l_np)):
        assert array_namespace(got) is xp, type(got)
        assert got.dtype == xp.float64
        np.testing.assert_allclose(np.asarray(got), ref, rtol=1e-12, atol=1e-300)


def test_array_api_strict_float32_and_probability():
    xp = pytest.importorskip("array_api_strict")
    z, y, _ = _data((300,))
    z32 = xp.asarray(z.astype(np.float32))
    fl = FocalLoss()
    g, h = fl.grad_hess(xp.asarray(y.astype(np.float32)), z32)
    assert g.dtype == xp.float32
    assert h.dtype == xp.float32
    g_np, _ = fl.grad_hess(y.astype(np.float32), z.astype(np.float32))
    np.testing.assert_allclose(np.asarray(g), g_np, rtol=2e-5, atol=1e-30)
    zm = np.clip(z, -30.0, 30.0)
    for calibrated in (True, False):
        p = fl.probability(xp.asarray(zm), calibrated=calibrated)
        assert array_namespace(p) is xp
        np.testing.assert_allclose(
            np.asarray(p), fl.probability(zm, calibrated=calibrated), rtol=1e-12
        )


def test_array_api_strict_validation_errors():
    xp = pytest.importorskip("array_api_strict")
    fl = FocalLoss()
    z = xp.asarray([0.0, 1.0, 2.0])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        fl.grad_hess(xp.asarray([0.0, 2.0, 1.0]), z)
    with pytest.raises(ValueError, match="NaN"):
        fl.grad_hess(xp.asarray([0.0, float("nan"), 1.0]), z)
    with pytest.raises(ValueError, match="NaN or infinite"):
        fl.grad_hess(xp.asarray([0.0, 1.0, 1.0]), xp.asarray([0.0, float("inf"), 1.0]))
    with pytest.raises(ValueError, match="non-negative"):
        fl.grad_hess(xp.asarray([0.0, 1.0, 1.0]), z, xp.asarray([1.0, -1.0, 1.0]))
    with pytest.raises(ValueError, match="shape"):
        fl.grad_hess(xp.asarray([0.0, 1.0]), z)


def _cupy():
    cp = pytest.importorskip("cupy")
    try:
        if cp.cuda.runtime.getDeviceCount() < 1:
            pytest.skip("no CUDA device")
    except Exception as exc:  # CUDA driver missing
        pytest.skip(f"no usable CUDA device: {exc}")
    return cp


@pytest.mark.parametrize("soft", [False, True])
def test_cupy_in_cupy_out(soft):
    cp = _cupy()
    z, y, w = _data((1000,), soft)
    fl = FocalLoss(alpha="balanced", gamma=2.0)
    g, h = fl.grad_hess(cp.asarray(y), cp.asarray(z), cp.asarray(w))
    assert isinstance(g, cp.ndarray)
    assert isinstance(h, cp.ndarray)
    g_np, h_np = FocalLoss(alpha="balanced", gamma=2.0).grad_hess(y, z, w)
    np.testing.assert_allclose(cp.asnumpy(g), g_np, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(cp.asnumpy(h), h_np, rtol=1e-12, atol=1e-300)
    loss = fl.loss(cp.asarray(y), cp.asarray(z))
    assert isinstance(loss, cp.ndarray)


def test_cupy_labels_with_host_predictions():
    """XGBoost on a GPU hands host predictions with labels that may live on the device."""
    cp = _cupy()
    z, y, _ = _data((500,))
    fl = FocalLoss()
    g, _h = fl.sklearn_objective(cp.asarray(y), z)
    assert isinstance(g, cp.ndarray)
    np.testing.assert_allclose(cp.asnumpy(g), FocalLoss().grad_hess(y, z)[0], rtol=1e-12)
