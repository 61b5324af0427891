"""Cache-blocked, multithreaded numpy kernel for the focal-loss derivatives (the fast path).

The generic kernels in :mod:`focalboost._kernel` evaluate each formula over whole arrays and work on
any array namespace.  For numpy inputs this module computes the same quantities block by block
(``BLOCK_BYTES`` per buffer at a time) into small scratch buffers that stay in cache and are reused across
calls, writes straight into the output arrays with ``out=``, and never branches over labels with
``where``: every side is evaluated at the *reflected margin* ``u`` through

    E = exp(min(u, U_MAX)),  s = log1p(E) = softplus(u),  p = 1/(1 + E),  q = E*p

where ``p = sigmoid(-u)``, ``q = sigmoid(u)`` and ``s = -log p``, all accurate to a few ulp for every
``u`` below the clip ``U_MAX`` (709.78 in float64, 88.72 in float32, just below ``log`` of the largest
float).  A label-1 row is the positive side at ``t = z``, i.e. ``u = -z``; a label-0 row is the
positive side at ``t = -z``, i.e. ``u = z``.  With ``g`` = gamma and ``q**g = exp(-g*(s - u))``
(exact products for g in {0, 1, 2}) each side gives

    G(u) = q**g * (q + g*p*s)                      (= -f'(t) >= 0)
    H(u) = p*q**g * (q*(1 + 2g) + g**2*p*s)        ("upper")
    H(u) = p*q**g * (q*(1 + 2g) + g*s*(g*p - q))   (exact f''(t))

and the per-row factors (label sign, class weight, sample weight) are applied by one multiply each.
Large arrays are split across a small thread pool: numpy releases the GIL inside each ufunc loop.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.floating]

#: Bytes per scratch buffer of a block (32,768 float64 or 65,536 float32 elements): large enough
#: to amortise the per-call cost of a numpy operation, small enough for a block's buffers to stay
#: in cache.
BLOCK_BYTES = 262144
#: Elements per block; ``None`` derives it from :data:`BLOCK_BYTES` and the dtype.
BLOCK: int | None = None
#: Arrays with fewer elements than this per thread are computed on the calling thread only.
MIN_PER_THREAD = 131072
#: Reflected margins are clipped here before ``exp`` so that it never overflows.
U_MAX = {np.dtype(np.float64): 709.78, np.dtype(np.float32): 88.72}

POLICY_CODES = {"upper": 0, "exact": 1, "clip": 2, "abs": 3}

_local = threading.local()
_pool_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pool_size = 0


def _default_threads() -> int:
    env = os.environ.get("FOCALBOOST_NUM_THREADS", "").strip()
    if env:
        try:
            return max(1, int(env))
        except ValueError:
            raise ValueError(
                f"FOCALBOOST_NUM_THREADS must be a positive integer, got {env!r}"
            ) from None
    return max(1, min(4, os.cpu_count() or 1))


_num_threads = _default_threads()


def get_num_threads() -> int:
    """Threads the numpy fast path uses for large arrays."""
    return _num_threads


def set_num_threads(n: int) -> None:
    """Set the threads the numpy fast path uses for large arrays (1 disables threading)."""
    global _num_threads
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    _num_threads = int(n)


def _executor(workers: int) -> ThreadPoolExecutor:
    global _pool, _pool_size
    with _pool_lock:
        if _pool is None or _pool_size < workers:
            if _pool is not None:
                _pool.shutdown(wait=False)
            _pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="focalboost")
            _pool_size = workers
        return _pool


def _forget_pool_after_fork() -> None:
    """A forked child has none of the parent's threads: start a fresh pool when needed."""
    global _pool, _pool_size, _pool_lock
    _pool, _pool_size, _pool_lock = None, 0, threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool_after_fork)


def _block_rows(dtype: np.dtype[Any], k: int) -> int:
    """Rows of ``k`` elements per block."""
    elements = BLOCK if BLOCK is not None else BLOCK_BYTES // dtype.itemsize
    return max(1, elements // k)


def _scratch(
    shape: tuple[int, ...], dtype: np.dtype[Any], count: int, role: str = ""
) -> list[FloatArray]:
    """Per-thread scratch buffers of at least ``shape``, reused across calls."""
    key = (shape[1:], dtype, role)
    store: dict[Any, list[FloatArray]] | None = getattr(_local, "store", None)
    if store is None:
        store = {}
        _local.store = store
    bufs = store.get(key)
    if bufs is None or len(bufs) < count or bufs[0].shape[0] < shape[0]:
        bufs = [np.empty(shape, dtype=dtype) for _ in range(count)]
        store[key] = bufs
    return [b[: shape[0]] for b in bufs]


def _run_rows(n_rows: int, k: int, fn: Callable[[int, int], None]) -> None:
    """Call ``fn(start, stop)`` over row ranges, on several threads when the array is large."""
    threads = min(_num_threads, max(1, (n_rows * k) // MIN_PER_THREAD))
    if threads <= 1:
        fn(0, n_rows)
        return
    bounds = np.linspace(0, n_rows, threads + 1).astype(int)
    pool = _executor(threads - 1)
    futures = [pool.submit(fn, int(bounds[i]), int(bounds[i + 1])) for i in range(1, threads)]
    fn(int(bounds[0]), int(bounds[1]))
    for f in futures:
        f.result()


def _side(
    u: FloatArray,
    gamma: float | FloatArray,
    policy: int,
    want: str,
    buf: list[FloatArray],
    out_g: FloatArray | None,
    out_h: FloatArray | None,
) -> None:
    """Positive-side ``G(u)`` into ``out_g`` and ``H(u)`` into ``out_h`` (or the loss into ``out_g``).

    ``want`` is ``"gh"`` (derivatives) or ``"loss"`` (``q**g * s`` into ``out_g``).  ``buf`` holds five
    scratch arrays of ``u``'s shape; ``u`` itself is not modified.
    """
    a, e, s, p, q = buf[:5]
    dtype = u.dtype
    u_max = U_MAX[dtype]
    clipped = bool(u.max() > u_max)
    np.minimum(u, u_max, out=a)
    np.exp(a, out=e)
    np.log1p(e, out=s)  # s = softplus(min(u, U_MAX)) = -log p
    np.add(e, 1.0, out=p)
    np.divide(1.0, p, out=p)  # p = 1/(1+E)
    np.multiply(e, p, out=q)  # q = E/(1+E)
    if clipped:  # beyond the clip sigmoid(-u) = exp(-u) to working precision (subnormal or zero)
        far = u > u_max
        p[far] = np.exp(-u[far])
    # e now holds q**gamma
    scalar = np.ndim(gamma) == 0
    g = float(gamma) if scalar else gamma
    if not (scalar and g in (0.0, 1.0, 2.0)):
        q_tmp = _scratch(u.shape, dtype, 1, "gamma")[0]
        mask = _scratch(u.shape, np.dtype(np.bool_), 1, "mask")[0]
    if scalar and g == 0.0:
        e.fill(1.0)
    elif scalar and g == 1.0:
        e[...] = q
    elif scalar and g == 2.0:
        np.multiply(q, q, out=e)
    else:
        # -log q = softplus(-u): s - u is exact enough for u < 0 but cancels for large u > 0,
        # where -log1p(-p) is accurate instead; blend the two with a 0/1 mask (no where()).
        np.subtract(s, a, out=e)
        np.minimum(p, 0.5, out=q_tmp)
        np.negative(q_tmp, out=q_tmp)
        np.log1p(q_tmp, out=q_tmp)
        np.negative(q_tmp, out=q_tmp)  # -log1p(-p), used where u >= 0 (p <= 1/2)
        np.subtract(q_tmp, e, out=q_tmp)
        np.greater_equal(u, 0.0, out=mask)
        np.multiply(q_tmp, mask, out=q_tmp)
        np.add(e, q_tmp, out=e)
        np.multiply(e, -g, out=e)
        np.exp(e, out=e)
    if clipped:  # softplus(u) = softplus(U_MAX) + (u - U_MAX) to working precision beyond the clip
        np.subtract(u, a, out=a)
        np.add(s, a, out=s)
    if want == "loss":
        assert out_g is not None
        np.multiply(e, s, out=out_g)
        return
    assert out_g is not None
    assert out_h is not None
    # a := g*p*s
    np.multiply(p, s, out=a)
    if not (scalar and g == 1.0):
        np.multiply(a, g, out=a)
    # G = q**g * (q + g p s)
    np.add(q, a, out=out_g)
    np.multiply(out_g, e, out=out_g)
    # H: bracket into out_h
    np.multiply(q, 1.0 + 2.0 * g, out=out_h)
    if policy == 0:  # upper: + g * (g p s)
        np.multiply(a, g, out=a)
        np.add(out_h, a, out=out_h)
    else:  # exact: + g*(g p s) - g*s*q
        np.multiply(a, g, out=a)
        np.add(out_h, a, out=out_h)
        np.multiply(s, q, out=s)
        np.multiply(s, g, out=s)
        np.subtract(out_h, s, out=out_h)
    np.multiply(p, e, out=p)
    np.multiply(out_h, p, out=out_h)


def _finish_hess(h: FloatArray, policy: int, floor: float | FloatArray) -> None:
    """Apply the Hessian policy in place to the raw per-unit-weight curvature ``h``."""
    if policy == 1:
        return
    if policy == 3:
        np.abs(h, out=h)
    np.maximum(h, floor, out=h)


class Factors:
    """Per-element factors of a set of labels for the kernels, block by block.

    For 0/1 labels (``hard``): ``a = 1 - 2y`` (the reflection ``u = a*z``) and
    ``b = (y*w_pos + (1-y)*w_neg) * w`` (class weight, selected exactly, times sample weight).
    For labels in [0, 1]: ``a = c_pos = w_pos*y*w`` and ``b = c_neg = w_neg*(1-y)*w``.

    ``y`` and ``w`` are 2-D row-blocks of the margins' shape (``w`` may have one column).  The
    factors are computed per block into scratch space, or once for all rows by
    :meth:`materialize` when the same labels come back every boosting round.
    """

    def __init__(
        self,
        hard: bool,
        y: NDArray[Any],
        w: FloatArray | None,
        w_pos: float | FloatArray,
        w_neg: float | FloatArray,
        dtype: np.dtype[Any],
    ) -> None:
        self.hard, self.y, self.w = hard, y, w
        self.w_pos, self.w_neg, self.dtype = w_pos, w_neg, dtype
        self.a_full: FloatArray | None = None
        self.b_full: FloatArray | None = None

    def block(
        self, lo: int, hi: int, sa: FloatArray, sb: FloatArray, tmp: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        if self.a_full is not None and self.b_full is not None:
            return self.a_full[lo:hi], self.b_full[lo:hi]
        # Labels and weights may come in another dtype (LightGBM's float32): everything is
        # computed in the margins' dtype, never in theirs.
        dt = self.dtype
        y = self.y[lo:hi]
        if self.hard:
            np.multiply(y, -2.0, out=sa, dtype=dt)
            np.add(sa, 1.0, out=sa)
            np.multiply(y, self.w_pos, out=sb, dtype=dt)
            np.multiply(y, self.w_neg, out=tmp, dtype=dt)
            np.subtract(self.w_neg, tmp, out=tmp)  # (1 - y)*w_neg, exact for y in {0, 1}
            np.add(sb, tmp, out=sb)
        else:
            np.multiply(y, self.w_pos, out=sa, dtype=dt)
            np.subtract(1.0, y, out=sb, dtype=dt)
            np.multiply(sb, self.w_neg, out=sb)
        if self.w is not None:
            w = self.w[lo:hi]
            if not self.hard:
                np.multiply(sa, w, out=sa, dtype=dt)
            np.multiply(sb, w, out=sb, dtype=dt)
        return sa, sb

    def materialize(self) -> None:
        """Compute the factors for all rows once (two arrays of the margins' shape)."""
        n = self.y.shape[0]
        k = self.y.shape[1]
        a = np.empty((n, k), dtype=self.dtype)
        b = np.empty((n, k), dtype=self.dtype)
        tmp = np.empty((n, k), dtype=self.dtype)
        self.block(0, n, a, b, tmp)
        self.a_full, self.b_full = a, b


def _outputs(
    shape: tuple[int, int], dtype: np.dtype[Any], out: tuple[FloatArray, ...] | None, count: int
) -> tuple[FloatArray, ...]:
    if out is not None:
        return out
    return tuple(np.empty(shape, dtype=dtype) for _ in range(count))


def grad_hess(
    z: FloatArray,
    factors: Factors,
    gamma: float | FloatArray,
    policy: str,
    floor: float,
    out: tuple[FloatArray, ...] | None = None,
    count_above: float | FloatArray | None = None,
    counts: list[int] | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Gradient and curvature of the weighted focal loss for margins ``z`` of shape ``(n, k)``.

    0/1 labels: ``grad = a*b*G(a*z)``, ``hess = b*policy(H(a*z))``.  Labels in [0, 1]:
    ``grad = c_neg*G(z) - c_pos*G(-z)``, ``hess = policy(c_pos*H(-z) + c_neg*H(z))`` with the floor
    ``floor*(c_pos + c_neg)``.  ``out`` (two arrays of ``z``'s shape, any float dtype) receives the
    results; the arithmetic is done in ``z``'s dtype either way.  For 0/1 labels, ``count_above``
    (a scalar or one value per output) makes each block append to ``counts`` how many reflected
    margins ``u`` exceed it.
    """
    code = POLICY_CODES[policy]
    n, k = z.shape
    grad, hess = _outputs((n, k), z.dtype, out, 2)
    rows = _block_rows(z.dtype, k)
    hard = factors.hard

    def work(start: int, stop: int) -> None:
        for lo in range(start, stop, rows):
            hi = min(lo + rows, stop)
            buf = _scratch((hi - lo, k), z.dtype, 12)
            u, sa, sb, g1, h1, g2, h2 = buf[5:12]
            a, b = factors.block(lo, hi, sa, sb, u)
            zb, gb, hb = z[lo:hi], grad[lo:hi], hess[lo:hi]
            if hard:
                np.multiply(zb, a, out=u)
                if count_above is not None and counts is not None:
                    counts.append(int(np.count_nonzero(u > count_above)))
                _side(u, gamma, code, "gh", buf[:5], g1, h1)
                np.multiply(g1, a, out=g1)
                np.multiply(g1, b, out=gb)
                _finish_hess(h1, code, floor)
                np.multiply(h1, b, out=hb)
                continue
            np.negative(zb, out=u)  # positive side at t = z
            _side(u, gamma, code, "gh", buf[:5], g1, h1)
            _side(zb, gamma, code, "gh", buf[:5], g2, h2)  # negative side at t = -z
            np.multiply(g1, a, out=g1)
            np.multiply(g2, b, out=g2)
            np.subtract(g2, g1, out=gb)
            np.multiply(h1, a, out=h1)
            np.multiply(h2, b, out=h2)
            np.add(h1, h2, out=hb)
            if code != 1:
                np.add(a, b, out=u)
                np.multiply(u, floor, out=u)
                _finish_hess(hb, code, u)

    _run_rows(n, k, work)
    return grad, hess


def loss(z: FloatArray, factors: Factors, gamma: float | FloatArray) -> FloatArray:
    """Weighted focal loss: ``b*f(a*z)`` for 0/1 labels, ``c_pos*f(z) + c_neg*f(-z)`` otherwise."""
    n, k = z.shape
    (out,) = _outputs((n, k), z.dtype, None, 1)
    rows = _block_rows(z.dtype, k)
    hard = factors.hard

    def work(start: int, stop: int) -> None:
        for lo in range(start, stop, rows):
            hi = min(lo + rows, stop)
            buf = _scratch((hi - lo, k), z.dtype, 10)
            u, sa, sb, l1, l2 = buf[5:10]
            a, b = factors.block(lo, hi, sa, sb, u)
            zb, ob = z[lo:hi], out[lo:hi]
            if hard:
                np.multiply(zb, a, out=u)
                _side(u, gamma, 0, "loss", buf[:5], l1, None)
                np.multiply(l1, b, out=ob)
                continue
            np.negative(zb, out=u)
            _side(u, gamma, 0, "loss", buf[:5], l1, None)
            _side(zb, gamma, 0, "loss", buf[:5], l2, None)
            np.multiply(l1, a, out=l1)
            np.multiply(l2, b, out=l2)
            np.add(l1, l2, out=ob)

    _run_rows(n, k, work)
    return out
