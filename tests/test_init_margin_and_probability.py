"""``init_margin`` (the focal-optimal constant margin) and ``probability`` (its inverse)."""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest

from focalboost import INIT_MARGIN_BOUND, FocalLoss

EPS = np.finfo(np.float64).eps
GAMMAS = [0.0, 0.5, 1.0, 2.0, 5.0]
ALPHAS = [None, 0.1, 0.25, 0.5, 0.9, "balanced"]
RATES = [0.001, 0.02, 0.3, 0.5, 0.8, 0.999]


@functools.cache
def _dataset(rate: float, weighted: bool, seed: int = 0):
    """Labels (and weights) whose weighted label mean is ``rate`` up to rounding.

    Unweighted: 50 hard labels (1000 where needed for the rate) with ``n * rate`` positives.  Weighted: 40 rows of hard
    positives, soft labels and hard negatives with random weights, the positives' weights scaled so
    the weighted mean is ``rate``.  Returns ``(y, w, weighted mean)``, read-only (cached).
    """
    if not weighted:
        n = 50 if (50 * rate).is_integer() else 1000
        y = np.zeros(n)
        y[: round(n * rate)] = 1.0
        y.flags.writeable = False
        return y, None, float(np.mean(y))
    rng = np.random.default_rng(seed)
    y = np.zeros(40)
    y[:6] = 1.0
    y[6:12] = np.minimum(1.0, rate * rng.uniform(0.5, 1.5, 6))
    w = rng.uniform(0.5, 2.0, 40)
    pos, rest = w[:6].sum(), w[6:].sum()
    soft_mass = float(np.dot(w[6:12], y[6:12]))
    scale = (rate * rest - soft_mass) / (pos * (1 - rate))
    assert scale > 0
    w[:6] *= scale
    mean = float(np.average(y, weights=w))
    assert mean == pytest.approx(rate, rel=1e-12)
    y.flags.writeable = False
    w.flags.writeable = False
    return y, w, mean


@functools.cache
def _fitted_margin(gamma: float, alpha, rate: float, weighted: bool) -> float:
    """``init_margin`` of ``_dataset(rate, weighted)``, shared by the tests that need it."""
    y, w, _ = _dataset(rate, weighted)
    return FocalLoss(alpha=alpha, gamma=gamma).init_margin(y, w)


def _mean_loss(fl: FocalLoss, y, w, c: float) -> float:
    """The weighted mean focal loss of the constant margin ``c``, from the package's own loss
    (which already multiplies each row's loss by its weight).  ``math.fsum`` sums exactly, so the
    result carries only the few-ulp rounding of the individual losses."""
    total = y.size if w is None else math.fsum(w)
    return math.fsum(fl.loss(y, np.full(y.shape, c), w)) / total


def _golden_section(fun, lo: float, hi: float, tol: float = 1e-9) -> float:
    """Minimise a unimodal ``fun`` on [lo, hi] by golden-section search on function values."""
    inv_phi = (math.sqrt(5.0) - 1.0) / 2.0
    a, b = lo, hi
    c, d = b - inv_phi * (b - a), a + inv_phi * (b - a)
    fc, fd = fun(c), fun(d)
    while b - a > tol:
        if fc <= fd:
            b, d, fd = d, c, fc
            c = b - inv_phi * (b - a)
            fc = fun(c)
        else:
            a, c, fc = c, d, fd
            d = a + inv_phi * (b - a)
            fd = fun(d)
    return 0.5 * (a + b)


def _grid_losses(fl: FocalLoss, y, w, grid, exact_sums: bool = True):
    """Weighted mean loss and mean gradient at every constant margin in ``grid``; the loss summed
    exactly as in ``_mean_loss`` unless ``exact_sums=False`` (plain sums, rounding error at most
    ``len(y) * eps`` relative, as for the gradient).

    Rows are the samples and columns the grid, so per-row weights apply and ``"balanced"`` resolves
    the same (per-column) class weight for every column.
    """
    y2 = np.broadcast_to(y[:, None], (y.size, grid.size))
    z2 = np.broadcast_to(grid[None, :], y2.shape)
    total = y.size if w is None else math.fsum(w)
    loss = fl.loss(y2, z2, w)
    grad, _ = fl.grad_hess(y2, z2, w)
    if not exact_sums:
        return loss.sum(axis=0) / total, grad.sum(axis=0) / total
    return np.array([math.fsum(col) for col in loss.T]) / total, grad.sum(axis=0) / total


# --------------------------------------------------------------------------- init_margin


@pytest.mark.parametrize("alpha", ALPHAS)
@pytest.mark.parametrize("gamma", GAMMAS)
def test_init_margin_minimises_mean_loss(gamma, alpha):
    fl = FocalLoss(alpha=alpha, gamma=gamma)
    grid = np.linspace(-INIT_MARGIN_BOUND, INIT_MARGIN_BOUND, 61)  # dense: see the unimodal test
    # Every other rate, alternating between neighbouring settings: each rate meets 15 of the 30
    # (gamma, alpha) pairs, weighted and unweighted (the probability test below covers all 30).
    for rate in RATES[(GAMMAS.index(gamma) + ALPHAS.index(alpha)) % 2 :: 2]:
        for weighted in (False, True):
            y, w, _ = _dataset(rate, weighted)
            c0 = _fitted_margin(gamma, alpha, rate, weighted)
            assert isinstance(c0, float)
            assert abs(c0) < INIT_MARGIN_BOUND  # an interior optimum for all these settings

            def mean_loss(c, y=y, w=w):
                return _mean_loss(fl, y, w, c)

            best = _golden_section(mean_loss, -INIT_MARGIN_BOUND, INIT_MARGIN_BOUND)
            f0 = mean_loss(c0)
            # A search on function values locates the minimiser only to about
            # sqrt(eps * |F| / F''), the width of the band where F is flat to rounding.
            h = 1e-3
            curvature = (mean_loss(c0 + h) - 2 * f0 + mean_loss(c0 - h)) / h**2
            assert curvature > 0
            tol = 8 * math.sqrt(EPS * f0 / curvature)
            assert abs(c0 - best) <= tol, (rate, weighted, c0, best, tol)
            # init_margin is at least as good as the search result and every grid point, up to
            # the rounding of the individual losses (a few ulps each; their sums are exact).
            losses, _ = _grid_losses(fl, y, w, grid)
            assert f0 <= mean_loss(best) * (1 + 16 * EPS)
            assert f0 <= losses.min() * (1 + 16 * EPS)


@pytest.mark.parametrize("alpha", ALPHAS)
@pytest.mark.parametrize("gamma", GAMMAS)
def test_mean_loss_is_unimodal_in_constant_margin(gamma, alpha):
    """Bisection on the derivative finds the global minimum: on a dense grid over the clipping
    interval the mean gradient changes sign once (- to +) and the mean loss falls then rises."""
    fl = FocalLoss(alpha=alpha, gamma=gamma)
    grid = np.linspace(-INIT_MARGIN_BOUND, INIT_MARGIN_BOUND, 601)  # step 0.05
    for i, rate in enumerate(RATES):
        y, w, _ = _dataset(rate, weighted=True, seed=i)
        y = y.copy()
        if i % 2:  # every other rate with a fifth of the labels made soft (moved towards the rate)
            y[::5] = 0.5 * (y[::5] + rate)
        losses, grads = _grid_losses(fl, y, w, grid, exact_sums=False)
        sign = np.sign(grads)
        assert sign[0] < 0 < sign[-1]
        assert np.all(np.diff(sign) >= 0), (rate, grid[np.flatnonzero(np.diff(sign) < 0)])
        k = int(np.argmin(losses))
        slack = (y.size + 16) * EPS * losses  # rounding: the losses and a plain sum of 40 of them
        assert np.all(np.diff(losses[: k + 1]) <= slack[:k])
        assert np.all(np.diff(losses[k:]) >= -slack[k:-1])
        c0 = fl.init_margin(y, w)
        assert abs(c0 - grid[k]) <= grid[1] - grid[0]


@pytest.mark.parametrize("alpha", [None, 0.1, 0.9, "balanced", 0.0, 1.0])
@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0, 10.0])
def test_init_margin_depends_only_on_weighted_mean(gamma, alpha):
    fl = FocalLoss(alpha=alpha, gamma=gamma)
    rng = np.random.default_rng(5)
    hard = np.array([1.0] * 3 + [0.0] * 7)
    datasets = [
        (hard, None),  # 3 of 10
        (np.full(25, 0.3), None),  # soft labels at the rate
        (np.array([1.0, 0.0]), np.array([0.3, 0.7])),
        (np.array([1.0] * 2 + [0.0] * 8), np.array([3.0] * 2 + [1.75] * 8)),  # 6 / 20
        (np.array([0.6, 0.0, 0.3]), np.array([1.0, 1.0, 2.0])),  # 1.2 / 4 (soft and hard)
        (rng.permutation(np.tile(hard, 7)), None),
    ]
    margins = []
    for y, w in datasets:
        assert np.average(y, weights=w) == pytest.approx(0.3, rel=1e-15)
        margins.append(fl.init_margin(y, w))
    np.testing.assert_allclose(margins, margins[0], rtol=1e-12, atol=1e-12)
    # ...and a different mean gives a different margin (unless "balanced" makes it 0 for any mean).
    other = fl.init_margin(np.array([1.0, 0.0]), np.array([0.4, 0.6]))
    if alpha == "balanced":
        assert abs(other) < 1e-12
        assert abs(margins[0]) < 1e-12
    elif alpha not in (0.0, 1.0):
        assert other > margins[0] + 0.01


@pytest.mark.parametrize("alpha", [None, 0.1, 0.9, "balanced", 0.0, 1.0])
@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0, 10.0])
def test_init_margin_single_class_is_clipped(gamma, alpha):
    fl = FocalLoss(alpha=alpha, gamma=gamma)
    cases = [
        (np.ones(7), None, INIT_MARGIN_BOUND),
        (np.zeros(7), None, -INIT_MARGIN_BOUND),
        (np.ones(3), np.array([0.5, 1.0, 2.0]), INIT_MARGIN_BOUND),
        (np.zeros(3), np.array([0.5, 1.0, 2.0]), -INIT_MARGIN_BOUND),
        # one class carries all the weight
        (np.array([1.0, 0.0, 1.0]), np.array([1.0, 0.0, 3.0]), INIT_MARGIN_BOUND),
        (np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 3.0]), -INIT_MARGIN_BOUND),
        (np.array([[1, 0], [1, 0], [1, 0]]), None, np.array([1, -1]) * INIT_MARGIN_BOUND),
    ]
    for y, w, expected in cases:
        c0 = fl.init_margin(y, w)
        assert np.all(np.isfinite(c0))
        np.testing.assert_array_equal(c0, expected)


@pytest.mark.parametrize("gamma", [0.0, 2.0])
def test_init_margin_clipped_when_optimum_is_beyond_bound(gamma):
    # A weighted rate of 1e-40 has its optimum near log(1e-40)/(1+gamma) <= -30.7: the gradient
    # of the negative side at -c vanishes like exp(-(1+gamma)c).
    fl = FocalLoss(alpha=None, gamma=gamma)
    for y, w, sign in (
        (np.array([1.0, 0.0]), np.array([1e-40, 1.0]), -1),
        (np.array([0.0, 1.0]), np.array([1e-40, 1.0]), 1),
    ):
        assert fl.init_margin(y, w) == sign * INIT_MARGIN_BOUND
        # The derivative keeps its sign on the whole interval, so the bound is the constrained minimum.
        _, grads = _grid_losses(fl, y, w, np.linspace(-INIT_MARGIN_BOUND, INIT_MARGIN_BOUND, 301))
        assert np.all(np.sign(grads) == -sign)


def test_init_margin_gamma0_alpha_none_is_logit_of_mean():
    fl = FocalLoss(alpha=None, gamma=0.0)
    cases = [_dataset(rate, weighted) for rate in RATES for weighted in (False, True)]
    for rate in (1e-6, 0.25, 0.75, 1 - 1e-6):
        y, w = np.array([1.0, 0.0]), np.array([rate, 1 - rate])
        cases.append((y, w, float(np.average(y, weights=w))))
    for y, w, mean in cases:
        logit = math.log(mean) - math.log1p(-mean)
        # Bisection stops at float64 resolution; the root of p - m is then off by a few ulps
        # of the margin's scale (the derivative's rounding error divided by its slope p(1-p)).
        assert fl.init_margin(y, w) == pytest.approx(logit, rel=64 * EPS, abs=64 * EPS)


def test_init_margin_per_column():
    rng = np.random.default_rng(9)
    n = 200
    y = (rng.random((n, 4)) < np.array([0.03, 0.2, 0.5, 0.9])).astype(float)
    y[::7, 1] = 0.4
    w_rows = rng.uniform(0.2, 3.0, n)
    w_elem = rng.uniform(0.2, 3.0, (n, 4))
    for alpha, gamma in ((None, 0.0), (0.25, 2.0), ("balanced", 0.5)):
        fl = FocalLoss(alpha=alpha, gamma=gamma)
        for w in (None, w_rows, w_elem):
            margins = fl.init_margin(y, w)
            assert isinstance(margins, np.ndarray)
            assert margins.shape == (4,)
            for j in range(4):
                w_j = None if w is None else (w if w.ndim == 1 else w[:, j])
                assert margins[j] == pytest.approx(fl.init_margin(y[:, j], w_j), abs=1e-12)
    # 3-D labels: one value per trailing position
    y3 = y.reshape(n, 2, 2)
    fl = FocalLoss(alpha=0.25, gamma=2.0)
    np.testing.assert_allclose(fl.init_margin(y3, w_rows), fl.init_margin(y, w_rows).reshape(2, 2))
    # per-output parameter vectors: column j uses alpha[j], gamma[j]
    alphas, gammas = [0.1, 0.25, 0.5, 0.9], [0.0, 0.5, 2.0, 5.0]
    margins = FocalLoss(alpha=alphas, gamma=gammas).init_margin(y, w_rows)
    for j in range(4):
        ref = FocalLoss(alpha=alphas[j], gamma=gammas[j]).init_margin(y[:, j], w_rows)
        assert margins[j] == pytest.approx(ref, rel=1e-12, abs=1e-12)


# --------------------------------------------------------------------------- probability


@pytest.mark.parametrize("alpha", ALPHAS)
@pytest.mark.parametrize("gamma", GAMMAS)
def test_calibrated_probability_recovers_rate_of_constant_model(gamma, alpha):
    fl = FocalLoss(alpha=alpha, gamma=gamma)
    for rate in RATES:
        for weighted in (False, True):
            y, w, mean = _dataset(rate, weighted)
            c0 = _fitted_margin(gamma, alpha, rate, weighted)
            assert abs(c0) < INIT_MARGIN_BOUND
            trained = fl.resolved(y, w)  # resolves "balanced"; other alphas pass through
            prob = trained.probability(np.full(y.shape, c0))
            np.testing.assert_allclose(prob, mean, rtol=0, atol=1e-6)
            # The uncalibrated sigmoid does not recover it once the loss is focal or weighted.
            if gamma > 0 and alpha not in (None, "balanced") and rate in (0.02, 0.3, 0.8):
                assert abs(trained.probability(np.array([c0]), calibrated=False)[0] - mean) > 1e-3


def _sigmoid(z: np.ndarray) -> np.ndarray:
    z = z.astype(np.float64)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


MARGINS = np.concatenate(
    [
        [-1e4, -800.0, -745.0, -700.0, -120.0, -104.0, -87.0, -50.0],
        np.linspace(-40.0, 40.0, 8001),
        [50.0, 87.0, 104.0, 120.0, 700.0, 745.0, 800.0, 1e4],
    ]
)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_uncalibrated_probability_is_sigmoid(dtype):
    z = MARGINS.astype(dtype)
    for fl in (FocalLoss(), FocalLoss(alpha=0.9, gamma=5.0), FocalLoss(alpha="balanced")):
        prob = fl.probability(z, calibrated=False)
        assert prob.dtype == dtype
        ref = _sigmoid(z)
        tiny = np.finfo(dtype).smallest_subnormal
        assert np.all(np.abs(prob - ref) <= 2 * np.finfo(dtype).eps * ref + tiny)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("alpha", [None, 0.01, 0.25, 0.5, 0.9, 0.99])
@pytest.mark.parametrize("gamma", [0.0, 0.3, 1.0, 2.0, 5.0, 10.0])
def test_calibrated_probability_finite_bounded_monotone(gamma, alpha, dtype):
    z = MARGINS.astype(dtype)
    prob = FocalLoss(alpha=alpha, gamma=gamma).probability(z)
    assert prob.dtype == dtype
    assert np.isfinite(prob).all()
    assert ((prob >= 0) & (prob <= 1)).all()
    assert (np.diff(prob) >= 0).all(), z[:-1][np.diff(prob) < 0]
    assert prob[0] <= 1e-30
    assert prob[-1] == 1.0
    # Strictly increasing where it is not saturated (the grid step there is 0.01).
    inner = (prob > 1e-3) & (prob < 1 - 1e-3)
    assert inner.sum() > 100
    assert (np.diff(prob[inner]) > 0).all()


@pytest.mark.parametrize("alpha", [0.0, 1.0, 0, 1, [0.3, 1.0], [0.0, 0.5]])
@pytest.mark.parametrize("gamma", [0.0, 2.0])
def test_calibrated_probability_weightless_class_is_refused(gamma, alpha):
    """alpha in {0, 1} gives one class no weight: every margin would map to the same constant
    probability, so the calibrated probability refuses; the sigmoid still works."""
    fl = FocalLoss(alpha=alpha, gamma=gamma)
    z = MARGINS[: MARGINS.size // 2 * 2].reshape(-1, 2) if np.ndim(alpha) else MARGINS
    with pytest.raises(ValueError, match=r"alpha=.*zero weight.*calibrated"):
        fl.probability(z)
    np.testing.assert_allclose(fl.probability(z, calibrated=False), _sigmoid(z), rtol=4e-16)


def test_balanced_alpha_resolving_to_zero_weight_is_refused():
    fl = FocalLoss(alpha="balanced").resolved(np.ones(5))  # alpha_ = 0: negatives get weight 1
    with pytest.raises(ValueError, match="zero weight"):
        fl.probability(MARGINS)


@pytest.mark.parametrize("calibrated", ["no", "", 1, 0, None, np.float64(1.0)])
def test_probability_calibrated_must_be_bool(calibrated):
    with pytest.raises(TypeError, match="calibrated must be True or False"):
        FocalLoss().probability(MARGINS, calibrated=calibrated)


def test_probability_calibrated_accepts_numpy_bool():
    fl = FocalLoss()
    assert np.array_equal(fl.probability(MARGINS, calibrated=np.True_), fl.probability(MARGINS))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_calibrated_probability_gamma0_alpha_none_is_sigmoid(dtype):
    z = MARGINS.astype(dtype)
    prob = FocalLoss(alpha=None, gamma=0.0).probability(z)
    ref = _sigmoid(z)
    eps = np.finfo(dtype).eps
    # The calibrated logit is assembled from softplus values, (|z| + log1p(e^-|z|)) - log1p(...),
    # which rounds z by a few ulps of |z| + 1; sigmoid's relative sensitivity to its argument is
    # at most 1.  So the relative error is at most ~(2(|z| + 1) + 4) eps.
    tol = (2 * (np.abs(z.astype(np.float64)) + 1) + 4) * eps * ref + np.finfo(
        dtype
    ).smallest_subnormal
    assert np.all(np.abs(prob - ref) <= tol)
