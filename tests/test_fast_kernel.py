"""The cache-blocked numpy kernel against the generic kernel and an mpmath reference.

Also: the per-dataset cache of the engine adapters, output-buffer reuse, threading and block
boundaries, and validation that must still fire on the fast path.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import focalboost.loss as loss_mod
from focalboost import FocalLoss, _fast

RNG = np.random.default_rng(20240611)
TINY = {np.float64: 1e-280, np.float32: 1e-30}
RTOL = {np.float64: 1e-12, np.float32: 2e-5}


@pytest.fixture
def generic(monkeypatch: pytest.MonkeyPatch):
    """Context switch to the generic whole-array kernels."""

    class Switch:
        def __enter__(self) -> None:
            monkeypatch.setattr(loss_mod, "_USE_FAST", False)

        def __exit__(self, *exc: object) -> None:
            monkeypatch.setattr(loss_mod, "_USE_FAST", True)

    return Switch()


def margins(shape: tuple[int, ...], dtype: type) -> np.ndarray:
    scale = RNG.choice([0.05, 1.0, 4.0, 30.0, 200.0, 3000.0], size=shape)
    z = RNG.standard_normal(shape) * scale
    return z.astype(dtype)


def side_scales(fl: FocalLoss, y, z, w):
    """Magnitudes of each label side ("upper" curvature), to bound rounding near cancellations."""
    up = FocalLoss(alpha=fl.resolve_alpha(y, w), gamma=fl.gamma, hessian="upper")
    g1, h1 = up.grad_hess(np.ones_like(z), z, w)
    g0, h0 = up.grad_hess(np.zeros_like(z), z, w)
    y = np.asarray(y, dtype=z.dtype)
    return y * np.abs(g1) + (1 - y) * np.abs(g0), y * h1 + (1 - y) * h0


CASES = [
    {"alpha": 0.25, "gamma": 2.0, "hessian": "upper"},
    {"alpha": None, "gamma": 0.0, "hessian": "upper"},
    {"alpha": 0.6, "gamma": 0.5, "hessian": "exact"},
    {"alpha": 0.25, "gamma": 1.0, "hessian": "abs"},
    {"alpha": "balanced", "gamma": 3.7, "hessian": "clip"},
    {"alpha": 0.1, "gamma": 10.0, "hessian": "upper"},
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("soft", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("params", CASES)
def test_fast_matches_generic_1d(dtype, soft, weighted, params, generic):
    n = 3000
    z = margins((n,), dtype)
    y = RNG.random(n) if soft else (RNG.random(n) < 0.2).astype(float)
    w = RNG.random(n) * 3 if weighted else None
    fl = FocalLoss(**params)
    g_fast, h_fast = fl.grad_hess(y, z, w)
    l_fast = fl.loss(y, z, w)
    with generic:
        g_ref, h_ref = fl.grad_hess(y, z, w)
        l_ref = fl.loss(y, z, w)
        sg, sh = side_scales(fl, y, z, w)
    for got in (g_fast, h_fast, l_fast):
        assert got.dtype == dtype
        assert got.shape == z.shape
        assert np.isfinite(got).all()
    rtol, tiny = RTOL[dtype], TINY[dtype]
    assert np.all(np.abs(g_fast - g_ref) <= rtol * sg + tiny)
    assert np.all(np.abs(h_fast - h_ref) <= rtol * sh + tiny)
    assert np.all(np.abs(l_fast - l_ref) <= rtol * np.abs(l_ref) + tiny)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("soft", [False, True])
def test_fast_matches_generic_multi_output(dtype, soft, generic):
    n, k = 700, 5
    z = margins((n, k), dtype)
    y = RNG.random((n, k)) if soft else (RNG.random((n, k)) < 0.3).astype(np.float32)
    w = RNG.random(n) + 0.5
    fl = FocalLoss(alpha=[0.1, 0.25, 0.5, 0.75, 0.9], gamma=[0.0, 0.5, 1.0, 2.0, 4.5])
    g_fast, h_fast = fl.grad_hess(y, z, w)
    l_fast = fl.loss(y, z, w)
    with generic:
        g_ref, h_ref = fl.grad_hess(y, z, w)
        l_ref = fl.loss(y, z, w)
        sg, sh = side_scales(fl, y, z, w)
    rtol, tiny = RTOL[dtype], TINY[dtype]
    assert g_fast.shape == (n, k)
    assert g_fast.dtype == dtype
    assert np.all(np.abs(g_fast - g_ref) <= rtol * sg + tiny)
    assert np.all(np.abs(h_fast - h_ref) <= rtol * sh + tiny)
    assert np.all(np.abs(l_fast - l_ref) <= rtol * np.abs(l_ref) + tiny)


def _reference(y: int, z: float, gamma: float, a: float):
    """mpmath loss, first and second derivative (exact and "upper") for a 0/1 label."""
    mpmath = pytest.importorskip("mpmath")
    mp = mpmath.mp
    mp.dps = 50
    zz = mpmath.mpf(z)
    t = zz if y == 1 else -zz
    sgn = 1 if y == 1 else -1
    p = 1 / (1 + mpmath.exp(-t))
    q = 1 - p
    s = -mpmath.log(p)
    w = a if y == 1 else 1 - a
    loss = w * q**gamma * s
    grad = -w * q**gamma * (q + gamma * p * s) * sgn
    upper = w * p * q**gamma * (q * (1 + 2 * gamma) + gamma**2 * p * s)
    exact = upper - w * gamma * s * p * q ** (gamma + 1)
    return float(loss), float(grad), float(exact), float(upper)


@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0, 3.7])
def test_fast_path_against_mpmath(gamma):
    z = np.linspace(-35.0, 35.0, 57)
    for label in (0, 1):
        y = np.full_like(z, label)
        fl_up = FocalLoss(alpha=0.3, gamma=gamma)
        fl_ex = FocalLoss(alpha=0.3, gamma=gamma, hessian="exact")
        g, h_up = fl_up.grad_hess(y, z)
        _, h_ex = fl_ex.grad_hess(y, z)
        loss = fl_up.loss(y, z)
        for i, zi in enumerate(z):
            ref_l, ref_g, ref_ex, ref_up = _reference(label, float(zi), gamma, 0.3)
            assert loss[i] == pytest.approx(ref_l, rel=1e-9, abs=0)
            assert g[i] == pytest.approx(ref_g, rel=1e-9, abs=0)
            if ref_up > 1e-16 * 0.7:  # above the floor of the positive policies
                assert h_up[i] == pytest.approx(ref_up, rel=1e-9, abs=0)
            # the exact curvature changes sign: bound its error by the size of its terms
            assert abs(h_ex[i] - ref_ex) <= 1e-9 * ref_up


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("hessian", ["upper", "exact", "clip", "abs"])
def test_extreme_margins_are_finite(dtype, hessian):
    z = np.array(
        [-1e4, -3000, -800, -710, -100, -88.8, 88.8, 100, 710, 800, 3000, 1e4], dtype=dtype
    )
    for gamma in (0.0, 0.5, 2.0, 10.0):
        fl = FocalLoss(gamma=gamma, hessian=hessian)
        for y in (np.zeros_like(z), np.ones_like(z), np.full_like(z, 0.3)):
            g, h = fl.grad_hess(y, z)
            assert np.isfinite(g).all()
            assert np.isfinite(h).all()
            assert np.isfinite(fl.loss(y, z)).all()
            if hessian != "exact":
                assert (h > 0).all()
    # the loss of a confidently wrong row grows linearly with the margin (no clipping)
    loss = FocalLoss(alpha=None, gamma=2.0).loss(np.ones(2), np.array([-1000.0, -5000.0]))
    np.testing.assert_allclose(loss, [1000.0, 5000.0], rtol=1e-12)


def test_threads_and_block_boundaries_do_not_change_results(monkeypatch):
    n, k = 1001, 3
    z = margins((n, k), np.float64)
    y = (RNG.random((n, k)) < 0.4).astype(float)
    y[::7] = 0.35  # some soft rows: both kernels
    fl = FocalLoss(gamma=2.5, hessian="exact")
    ref = fl.grad_hess(y, z), fl.loss(y, z)
    monkeypatch.setattr(_fast, "BLOCK", 13)  # 4 rows of 3 per block, ragged last block
    monkeypatch.setattr(_fast, "MIN_PER_THREAD", 100)
    monkeypatch.setattr(_fast, "_num_threads", 3)
    got = fl.grad_hess(y, z), fl.loss(y, z)
    np.testing.assert_allclose(got[0][0], ref[0][0], rtol=1e-15, atol=0)
    np.testing.assert_allclose(got[0][1], ref[0][1], rtol=1e-15, atol=0)
    np.testing.assert_allclose(got[1], ref[1], rtol=1e-15, atol=0)


def test_set_num_threads_validates():
    before = _fast.get_num_threads()
    try:
        _fast.set_num_threads(1)
        assert _fast.get_num_threads() == 1
        for bad in (0, -2, 1.5, True):
            with pytest.raises(ValueError, match="positive integer"):
                _fast.set_num_threads(bad)  # type: ignore[arg-type]
    finally:
        _fast.set_num_threads(before)


# ------------------------------------------------------------------ engine adapter cache
def test_cache_sees_labels_changed_in_place():
    fl = FocalLoss(alpha="balanced")
    z = margins((500,), np.float32)
    y = (RNG.random(500) < 0.2).astype(np.float32)
    g1, _ = fl.sklearn_objective(y, z)
    alpha1 = fl.alpha_
    y[:100] = 1.0  # same array object, new content
    g2, h2 = fl.sklearn_objective(y, z)
    fresh = FocalLoss(alpha="balanced")
    g_ref, h_ref = fresh.sklearn_objective(y.copy(), z)
    np.testing.assert_array_equal(g2, g_ref)
    np.testing.assert_array_equal(h2, h_ref)
    assert fl.alpha_ == pytest.approx(fresh.alpha_)
    assert fl.alpha_ != pytest.approx(alpha1)
    assert not np.array_equal(g1, g2)


def test_cache_sees_weights_and_shape_changes():
    fl = FocalLoss()
    z = margins((400,), np.float64)
    y = (RNG.random(400) < 0.3).astype(np.float64)
    w = RNG.random(400)
    g_w, _ = fl.sklearn_objective(y, z, w)
    np.testing.assert_allclose(g_w, FocalLoss().grad_hess(y, z, w)[0], rtol=1e-15)
    w2 = w.copy()
    w2[0] *= 2
    g_w2, _ = fl.sklearn_objective(y, z, w2)
    assert g_w2[0] == pytest.approx(2 * g_w[0], rel=1e-14)
    g_none, _ = fl.sklearn_objective(y, z)
    np.testing.assert_allclose(g_none, FocalLoss().grad_hess(y, z)[0], rtol=1e-15)
    g_short, _ = fl.sklearn_objective(y[:300], z[:300])
    assert g_short.shape == (300,)


def test_cached_path_still_rejects_bad_input():
    fl = FocalLoss()
    z = margins((50,), np.float64)
    y = (RNG.random(50) < 0.3).astype(np.float64)
    fl.sklearn_objective(y, z)
    bad = y.copy()
    bad[3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        fl.sklearn_objective(bad, z)
    bad[3] = 1.5
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        fl.sklearn_objective(bad, z)
    z_bad = z.copy()
    z_bad[0] = np.inf
    with pytest.raises(ValueError, match="NaN or infinite"):
        fl.sklearn_objective(y, z_bad)
    with pytest.raises(ValueError, match="non-negative"):
        fl.sklearn_objective(y, z, -np.ones(50))
    with pytest.raises(ValueError, match="labels for"):
        fl.sklearn_objective(y[:10], z)


def test_huge_finite_margins_are_accepted():
    # their sum overflows; the element-wise check must still accept them
    z = np.array([1.7e308, 1.7e308, -3.0])
    g, h = FocalLoss().grad_hess(np.array([0.0, 1.0, 0.0]), z)
    assert np.isfinite(g).all()
    assert np.isfinite(h).all()


def test_outputs_held_by_the_caller_are_never_overwritten():
    fl = FocalLoss()
    z = margins((300,), np.float64)
    y = (RNG.random(300) < 0.3).astype(np.float64)
    g1, h1 = fl.sklearn_objective(y, z)
    kept = g1.copy(), h1.copy()
    view = g1[10:20]
    g2, _ = fl.sklearn_objective(y, z + 1.0)
    np.testing.assert_array_equal(g1, kept[0])
    np.testing.assert_array_equal(h1, kept[1])
    assert not np.shares_memory(g1, g2)
    address = g2.__array_interface__["data"][0]
    del g1, h1, g2, _
    g3, _ = fl.sklearn_objective(y, z + 2.0)
    np.testing.assert_array_equal(view, kept[0][10:20])
    np.testing.assert_allclose(g3, FocalLoss().grad_hess(y, z + 2.0)[0], rtol=1e-15)
    # nothing held the second call's buffers: the third call wrote into them
    assert g3.__array_interface__["data"][0] == address


def test_pickle_drops_the_cache():
    fl = FocalLoss(alpha="balanced", gamma=1.5)
    z = margins((20_000,), np.float64)
    y = (RNG.random(20_000) < 0.3).astype(np.float64)
    fl.sklearn_objective(y, z)
    blob = pickle.dumps(fl)
    assert len(blob) < 5_000
    clone = pickle.loads(blob)
    assert clone == fl
    np.testing.assert_array_equal(clone.sklearn_objective(y, z)[0], fl.sklearn_objective(y, z)[0])


def test_metric_path_uses_training_alpha_and_matches_loss():
    fl = FocalLoss(alpha="balanced")
    z = margins((600,), np.float64)
    y = (RNG.random(600) < 0.25).astype(np.float64)
    fl.sklearn_objective(y, z)
    y_val = (RNG.random(600) < 0.5).astype(np.float64)
    value = fl._engine_mean_loss(y_val, z, None)
    expected = FocalLoss(alpha=fl.alpha_).loss(y_val, z).mean()
    assert value == pytest.approx(expected, rel=1e-13)


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs os.fork")
def test_threaded_kernel_works_in_a_forked_child(monkeypatch):
    import os

    monkeypatch.setattr(_fast, "MIN_PER_THREAD", 64)
    monkeypatch.setattr(_fast, "_num_threads", 2)
    z = margins((4096,), np.float64)
    y = (RNG.random(4096) < 0.3).astype(np.float64)
    expected = FocalLoss().grad_hess(y, z)[0]  # starts the parent's pool
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: the pool's threads did not survive the fork
        import signal

        signal.alarm(30)  # a deadlocked child dies and the parent reads nothing
        ok = np.array_equal(FocalLoss().grad_hess(y, z)[0], expected)
        os.write(write, b"1" if ok else b"0")
        os._exit(0)
    os.close(write)
    status = os.read(read, 1)
    os.waitpid(pid, 0)
    assert status == b"1"


def test_float32_labels_and_weights_with_float64_margins_compute_in_float64():
    """LightGBM hands float32 labels and weights with float64 scores: no float32 rounding."""
    fl = FocalLoss(alpha=0.3, gamma=1.5)
    z = margins((2000,), np.float64)
    y = (RNG.random(2000) < 0.3).astype(np.float32)
    w = RNG.uniform(0.1, 3.0, 2000).astype(np.float32)
    for labels in (y, RNG.random(2000).astype(np.float32)):
        g, h = fl.sklearn_objective(labels, z, w)
        g_ref, h_ref = FocalLoss(alpha=0.3, gamma=1.5).grad_hess(
            labels.astype(np.float64), z, w.astype(np.float64)
        )
        np.testing.assert_allclose(g, g_ref, rtol=1e-13, atol=1e-300)
        np.testing.assert_allclose(h, h_ref, rtol=1e-13, atol=1e-300)
