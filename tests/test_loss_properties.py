"""Finiteness, dtype, sign and curvature properties (deterministic grids and hypothesis), the
logistic special case, pickling, and per-output parameters."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from focalboost import FocalLoss
from focalboost._kernel import HESSIAN_FLOOR, HESSIAN_POLICIES

POSITIVE_POLICIES = ("upper", "clip", "abs")
DTYPES = (np.float32, np.float64)

# --------------------------------------------------------------------------- deterministic grids

EXTREME_MARGINS = np.concatenate(
    [
        [-1e4, -5e3, -1e3, -800.0, -745.0, -710.0, -120.0, -104.0, -88.0, -40.0, -17.0],
        np.linspace(-10.0, 10.0, 41),
        [17.0, 40.0, 88.0, 104.0, 120.0, 710.0, 745.0, 800.0, 1e3, 5e3, 1e4],
    ]
)
FINITE_GAMMAS = [0.0, 0.05, 0.3, 0.5, 0.99, 1.0, 1.5, 2.0, 3.7, 5.0, 10.0]
FINITE_ALPHAS = [None, 0.0, 0.25, 1.0, "balanced"]


def _labels_for(kind: str, n: int) -> np.ndarray:
    rng = np.random.default_rng(7)
    if kind == "hard":
        return (rng.random(n) < 0.4).astype(np.float64)
    out = rng.random(n)
    out[::5] = 0.0
    out[1::5] = 1.0
    return out


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("labels", ["hard", "soft"])
@pytest.mark.parametrize("alpha", FINITE_ALPHAS)
@pytest.mark.parametrize("gamma", FINITE_GAMMAS)
def test_finite_and_dtype_at_extreme_margins(gamma, alpha, labels, dtype):
    z = EXTREME_MARGINS.astype(dtype)
    y = _labels_for(labels, z.size)
    w = np.linspace(0.0, 3.0, z.size)
    for weights in (None, w):
        for policy in HESSIAN_POLICIES:
            fl = FocalLoss(alpha=alpha, gamma=gamma, hessian=policy)
            loss = fl.loss(y, z, weights)
            grad, hess = fl.grad_hess(y, z, weights)
            for name, arr in (("loss", loss), ("grad", grad), ("hess", hess)):
                assert arr.dtype == dtype, name
                assert arr.shape == z.shape, name
                assert np.isfinite(arr).all(), (name, z[~np.isfinite(arr)])
            assert (loss >= 0).all()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("gamma", [0.5, 2.0, [0.0, 10.0]])
def test_dtype_preserved_with_per_output_and_balanced(dtype, gamma):
    z = np.linspace(-50, 50, 20, dtype=dtype).reshape(10, 2)
    y = _labels_for("hard", 20).reshape(10, 2)
    for alpha in ([0.2, 0.7], "balanced"):
        fl = FocalLoss(alpha=alpha, gamma=gamma)
        assert fl.loss(y, z).dtype == dtype
        grad, hess = fl.grad_hess(y, z, np.ones(10, dtype=dtype))
        assert grad.dtype == dtype
        assert hess.dtype == dtype
        fl_res = fl.resolved(y)
        assert fl_res.probability(z).dtype == dtype
        assert fl_res.probability(z, calibrated=False).dtype == dtype


def _sigmoid_parts(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sigmoid(z), sigmoid(-z)) in float64 without overflow."""
    z = z.astype(np.float64)
    e = np.exp(-np.abs(z))
    big = 1.0 / (1.0 + e)
    small = e / (1.0 + e)
    return np.where(z >= 0, big, small), np.where(z >= 0, small, big)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("labels", ["hard", "soft"])
def test_gamma_zero_alpha_none_is_logistic(labels, dtype):
    z = EXTREME_MARGINS.astype(dtype)
    # The loss computes in the margins' dtype, labels included: use the labels it sees.
    y = _labels_for(labels, z.size).astype(dtype).astype(np.float64)
    p, q = _sigmoid_parts(z)
    eps = np.finfo(dtype).eps
    # p - y, written (1-y)p - yq so that it does not cancel to zero where p rounds to 1; its
    # rounding error is a few ulps of |(1-y)p| + |yq| (= |p - y| for hard labels).
    grad_ref = (1 - y) * p - y * q
    grad_scale = (1 - y) * p + y * q
    hess_ref = p * q
    # Values below float32's normal range (|z| > ~87) are subnormal there, with an absolute
    # resolution of the smallest subnormal instead of a relative one.
    tiny = np.finfo(dtype).smallest_subnormal
    for policy in HESSIAN_POLICIES:
        fl = FocalLoss(alpha=None, gamma=0.0, hessian=policy)
        grad, hess = fl.grad_hess(y, z)
        assert np.all(np.abs(grad - grad_ref) <= 4 * eps * grad_scale + tiny)
        # The positive policies floor the curvature at HESSIAN_FLOOR (p*q < 1e-16 for |z| > 37).
        expected = hess_ref if policy == "exact" else np.maximum(hess_ref, HESSIAN_FLOOR)
        assert np.all(np.abs(hess - expected) <= 4 * eps * expected + tiny)
    # ...and the loss is log-loss, -y log p - (1-y) log q.
    loss = FocalLoss(alpha=None, gamma=0.0).loss(y, z)
    log_p, log_q = -np.logaddexp(0.0, -z.astype(np.float64)), -np.logaddexp(0.0, z.astype(float))
    loss_ref = -y * log_p - (1 - y) * log_q
    assert np.all(np.abs(loss - loss_ref) <= 4 * eps * loss_ref + np.finfo(dtype).tiny)


# --------------------------------------------------------------------------- hypothesis

MARGIN_BOUND = 1e4


@st.composite
def problems(draw):
    """(y, z, w, alpha, gamma) with z in [-1e4, 1e4], hard or soft labels, optional weights.

    Labels, class weights and sample weights are kept away from underflow (soft labels in
    [1e-6, 1 - 1e-6], alpha in {0, 1} or [1e-6, 1 - 1e-6], weights 0 or in [1e-3, 1e3]) so that
    "positive weight" means a weight whose product with HESSIAN_FLOOR is representable in float32.
    """
    dtype = draw(st.sampled_from(DTYPES))
    n = draw(st.integers(1, 12))
    width = 32 if dtype == np.float32 else 64
    z = draw(
        hnp.arrays(
            dtype,
            n,
            elements=st.floats(-MARGIN_BOUND, MARGIN_BOUND, width=width, allow_subnormal=False),
        )
    )
    hard = st.sampled_from([0.0, 1.0])
    soft = st.floats(1e-6, 1 - 1e-6)
    y = np.array(draw(st.lists(st.one_of(hard, soft), min_size=n, max_size=n)))
    w = None
    if draw(st.booleans()):
        w = np.array(
            draw(st.lists(st.one_of(st.just(0.0), st.floats(1e-3, 1e3)), min_size=n, max_size=n)),
            dtype=dtype,
        )
    alpha = draw(
        st.one_of(
            st.none(), st.just("balanced"), st.sampled_from([0.0, 1.0]), st.floats(1e-6, 1 - 1e-6)
        )
    )
    if alpha == "balanced" and w is not None and not w.any():
        w[0] = 1.0  # balanced needs some weight to resolve the class frequency
    gamma = draw(st.one_of(st.sampled_from([0.0, 0.5, 1.0, 2.0]), st.floats(0.0, 10.0)))
    return y, z, w, alpha, gamma


def _effective_class_weight(y, w, alpha):
    """a*y + (1-a)*(1-y) with ``a`` resolved independently (balanced: 1 - weighted mean)."""
    if alpha is None:
        return np.ones_like(y)
    a = 1.0 - np.average(y, weights=w) if alpha == "balanced" else alpha
    return a * y + (1 - a) * (1 - y)


HYPOTHESIS = settings(max_examples=100, deadline=None)


@HYPOTHESIS
@given(problems())
def test_property_finite_shape_dtype(problem):
    y, z, w, alpha, gamma = problem
    for policy in HESSIAN_POLICIES:
        fl = FocalLoss(alpha=alpha, gamma=gamma, hessian=policy)
        outputs = (fl.loss(y, z, w), *fl.grad_hess(y, z, w))
        for arr in outputs:
            assert arr.dtype == z.dtype
            assert arr.shape == z.shape
            assert np.isfinite(arr).all()
        assert (outputs[0] >= 0).all()


@HYPOTHESIS
@given(problems())
def test_property_gradient_sign(problem):
    y, z, w, alpha, gamma = problem
    grad, _ = FocalLoss(alpha=alpha, gamma=gamma).grad_hess(y, z, w)
    assert (grad[y == 0] >= 0).all()
    assert (grad[y == 1] <= 0).all()


@HYPOTHESIS
@given(problems())
def test_property_positive_policies(problem):
    y, z, w, alpha, gamma = problem
    positive = _effective_class_weight(y, w, alpha) > 0
    if w is not None:
        positive &= w > 0
    _, exact = FocalLoss(alpha=alpha, gamma=gamma, hessian="exact").grad_hess(y, z, w)
    for policy in POSITIVE_POLICIES:
        _, hess = FocalLoss(alpha=alpha, gamma=gamma, hessian=policy).grad_hess(y, z, w)
        assert (hess[positive] > 0).all(), policy
        assert (hess >= 0).all(), policy
        # The floor is HESSIAN_FLOOR * class weight * sample weight <= 1e-13 here, so above 1e-10
        # "clip" and "abs" are the exact curvature (resp. its magnitude), bit for bit.
        above_floor = np.abs(exact) > 1e-10
        if policy == "upper":
            assert (hess >= exact).all()
        elif policy == "clip":
            assert (hess >= exact).all()
            big = above_floor & (exact > 0)
            assert (hess[big] == exact[big]).all()
        else:
            assert (hess >= np.abs(exact)).all()
            assert (hess[above_floor] == np.abs(exact[above_floor])).all()


@HYPOTHESIS
@given(problems())
def test_property_upper_equals_exact_for_gamma_zero(problem):
    y, z, w, alpha, _ = problem
    _, exact = FocalLoss(alpha=alpha, gamma=0.0, hessian="exact").grad_hess(y, z, w)
    _, upper = FocalLoss(alpha=alpha, gamma=0.0, hessian="upper").grad_hess(y, z, w)
    big = exact > 1e-10  # far above the floor (at most 1e-13 here), where "upper" is unfloored
    assert (upper[big] == exact[big]).all()


# --------------------------------------------------------------------------- pickle, per-output


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"alpha": None, "gamma": 0.0, "hessian": "exact"},
        {"alpha": "balanced", "gamma": 0.5, "hessian": "abs"},
        {"alpha": [0.1, 0.5, 0.9], "gamma": [0.0, 2.0, 5.0], "hessian": "clip"},
    ],
)
def test_pickle_round_trip(kwargs):
    fl = FocalLoss(**kwargs)
    clone = pickle.loads(pickle.dumps(fl))
    assert clone == fl
    assert hash(clone) == hash(fl)
    assert repr(clone) == repr(fl)
    rng = np.random.default_rng(3)
    z = rng.normal(0, 5, size=(40, 3))
    y = (rng.random((40, 3)) < 0.3).astype(float)
    y[::4] = 0.35
    w = rng.uniform(0, 2, size=40)
    np.testing.assert_array_equal(clone.loss(y, z, w), fl.loss(y, z, w))
    for a, b in zip(clone.grad_hess(y, z, w), fl.grad_hess(y, z, w), strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(clone.init_margin(y, w), fl.init_margin(y, w))
    res, res_clone = fl.resolved(y, w), clone.resolved(y, w)
    np.testing.assert_array_equal(res_clone.probability(z), res.probability(z))
    assert pickle.loads(pickle.dumps(res)) == res


def test_equality_distinguishes_parameters():
    assert FocalLoss(alpha=0.25) != FocalLoss(alpha=0.3)
    assert FocalLoss(gamma=2.0) != FocalLoss(gamma=2.5)
    assert FocalLoss(hessian="upper") != FocalLoss(hessian="exact")
    assert FocalLoss(alpha=[0.1, 0.2]) != FocalLoss(alpha=[0.1, 0.3])
    assert FocalLoss(alpha=[0.1, 0.2]) == FocalLoss(alpha=np.array([0.1, 0.2]))


PER_OUTPUT = [
    ([0.1, 0.25, 0.5, 0.9], [0.0, 0.5, 2.0, 5.0]),
    ([0.1, 0.25, 0.5, 0.9], 2.0),
    (0.25, [0.0, 1.0, 3.0, 10.0]),
    ("balanced", [0.5, 1.0, 2.0, 4.0]),
    (None, [0.0, 0.3, 2.0, 7.0]),
]


@pytest.mark.parametrize("soft", [False, True], ids=["hard", "soft"])
@pytest.mark.parametrize("policy", HESSIAN_POLICIES)
@pytest.mark.parametrize(("alpha", "gamma"), PER_OUTPUT)
def test_per_output_matches_columns(alpha, gamma, policy, soft):
    rng = np.random.default_rng(11)
    n, k = 60, 4
    z = rng.normal(0, 6, size=(n, k))
    z[0] = [-40.0, 40.0, -700.0, 700.0]
    y = (rng.random((n, k)) < np.array([0.05, 0.3, 0.5, 0.8])).astype(float)
    if soft:
        y[::3] = rng.random((len(y[::3]), k))
    w = rng.uniform(0, 3, size=n)
    fl = FocalLoss(alpha=alpha, gamma=gamma, hessian=policy)
    loss = fl.loss(y, z, w)
    grad, hess = fl.grad_hess(y, z, w)
    margin0 = fl.init_margin(y, w)
    prob = fl.resolved(y, w).probability(z)
    for j in range(k):
        a_j = alpha[j] if isinstance(alpha, list) else alpha
        g_j = gamma[j] if isinstance(gamma, list) else gamma
        col = FocalLoss(alpha=a_j, gamma=g_j, hessian=policy)
        # The paths differ only where a scalar gamma in {1, 2} uses an exact product and the
        # vector path exp(g*log q): within ~|g log q| <= 1400 ulps (3e-13) for |z| <= 700 here.
        rtol = 1e-12
        np.testing.assert_allclose(loss[:, j], col.loss(y[:, j], z[:, j], w), rtol=rtol)
        g_col, h_col = col.grad_hess(y[:, j], z[:, j], w)
        np.testing.assert_allclose(grad[:, j], g_col, rtol=rtol)
        np.testing.assert_allclose(hess[:, j], h_col, rtol=rtol)
        assert margin0[j] == pytest.approx(col.init_margin(y[:, j], w), rel=1e-12, abs=1e-12)
        prob_col = col.resolved(y[:, j], w).probability(z[:, j])
        np.testing.assert_allclose(prob[:, j], prob_col, rtol=rtol, atol=1e-300)
