"""Input checks shared by the public API: clear errors, no silent coercion."""

from __future__ import annotations

import math
from types import ModuleType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from focalboost._kernel import array_namespace

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def all_finite(arr: NDArray[np.floating]) -> bool:
    """``True`` when every element of a numpy float array is finite.

    A sum is finite only if every term is, so one fast reduction settles the common case; a
    non-finite sum (possibly an overflow of finite terms) falls back to the element-wise test.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        total = float(np.sum(arr))
    return math.isfinite(total) or bool(np.isfinite(arr).all())


def astype(xp: ModuleType, arr: Any, dtype: Any) -> Any:
    """``arr`` cast to ``dtype`` in its own namespace, without a copy when it already has it."""
    if xp is np:
        return np.asarray(arr).astype(dtype, copy=False)
    if hasattr(xp, "astype"):
        return xp.astype(arr, dtype, copy=False)
    return arr.astype(dtype, copy=False)


def _xp_margin(margin: Any, xp: ModuleType, name: str) -> Any:
    """``as_margin`` for arrays of another namespace (CuPy, array-API libraries)."""
    arr = margin
    if arr.dtype not in (xp.float32, xp.float64):
        if xp.isdtype(arr.dtype, "integral"):
            arr = astype(xp, arr, xp.float64)
        else:
            raise TypeError(
                f"{name} must be a float32 or float64 array (integers are accepted as float64), "
                f"got dtype {arr.dtype}"
            )
    if math.prod(arr.shape) == 0:
        raise ValueError(f"{name} is empty")
    if not bool(xp.all(xp.isfinite(arr))):
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


def as_margin(margin: Any, name: str = "margin") -> NDArray[np.floating]:
    """Return ``margin`` as a float32/float64 array (integers become float64); reject the rest.

    Arrays of another namespace (CuPy, array-API libraries) are checked with that namespace's own
    functions and returned in it.
    """
    xp = array_namespace(margin)
    if xp is not np:
        out: NDArray[np.floating] = _xp_margin(margin, xp, name)
        return out
    arr = np.asarray(margin)
    if arr.dtype in FLOAT_DTYPES:
        pass
    elif arr.dtype.kind in "iu":
        arr = arr.astype(np.float64)
    else:
        raise TypeError(
            f"{name} must be a float32 or float64 array (integers are accepted as float64), "
            f"got dtype {arr.dtype}"
        )
    if arr.size == 0:
        raise ValueError(f"{name} is empty")
    if not all_finite(arr):
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


def check_labels(y: Any, shape: tuple[int, ...], name: str = "y") -> NDArray[Any]:
    """Return numpy labels of ``shape`` in [0, 1], in their own dtype; reject NaN, out of range, strings."""
    arr = np.asarray(y)
    if arr.dtype.kind not in "iubf":
        raise TypeError(f"{name} must hold numeric labels in [0, 1], got dtype {arr.dtype}")
    if arr.shape != shape:
        raise ValueError(f"{name} has shape {arr.shape} but the margins have shape {shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty")
    if arr.dtype.kind == "b":
        return arr
    lo, hi = arr.min(), arr.max()  # NaN propagates through both reductions
    if not (lo >= 0 and hi <= 1):
        if arr.dtype.kind == "f" and np.isnan(arr).any():
            raise ValueError(f"{name} contains NaN")
        raise ValueError(f"{name} must lie in [0, 1]; found values from {lo} to {hi}")
    return arr


def _xp_labels(y: Any, xp: ModuleType, shape: tuple[int, ...], dtype: Any, name: str) -> Any:
    """``as_labels`` in the margin's namespace (labels from the host are moved there once)."""
    arr = y if array_namespace(y) is xp else xp.asarray(y)
    if not (xp.isdtype(arr.dtype, ("integral", "bool", "real floating"))):
        raise TypeError(f"{name} must hold numeric labels in [0, 1], got dtype {arr.dtype}")
    if tuple(arr.shape) != tuple(shape):
        raise ValueError(f"{name} has shape {tuple(arr.shape)} but the margins have shape {shape}")
    if math.prod(arr.shape) == 0:
        raise ValueError(f"{name} is empty")
    if arr.dtype != xp.bool:
        arr = astype(xp, arr, dtype)
        if bool(xp.any(xp.isnan(arr))):
            raise ValueError(f"{name} contains NaN")
        if bool(xp.any(arr < 0)) or bool(xp.any(arr > 1)):
            raise ValueError(
                f"{name} must lie in [0, 1]; found values from {float(xp.min(arr))} to {float(xp.max(arr))}"
            )
    return astype(xp, arr, dtype)


def as_labels(
    y: Any,
    shape: tuple[int, ...],
    dtype: np.dtype[Any],
    name: str = "y",
    xp: ModuleType | None = None,
) -> NDArray[np.floating]:
    """Return labels in [0, 1] with the margin's shape and dtype; reject NaN, out of range, strings.

    With ``xp`` (the margin's namespace, when it is not numpy) the labels are checked and returned
    in that namespace; host labels are moved there.
    """
    if xp is not None and xp is not np:
        out: NDArray[np.floating] = _xp_labels(y, xp, shape, dtype, name)
        return out
    return check_labels(y, shape, name).astype(dtype, copy=False)


def as_sample_weight(
    sample_weight: Any,
    shape: tuple[int, ...],
    dtype: np.dtype[Any],
    name: str = "sample_weight",
    xp: ModuleType | None = None,
) -> NDArray[np.floating] | None:
    """Return per-element weights broadcastable to ``shape`` (per-row weights for N-D labels)."""
    if sample_weight is None:
        return None
    if xp is not None and xp is not np:
        out: NDArray[np.floating] = _xp_sample_weight(sample_weight, xp, shape, dtype, name)
        return out
    arr = np.asarray(sample_weight)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be numeric, got dtype {arr.dtype}")
    if arr.shape == shape:
        pass
    elif arr.ndim == 1 and len(shape) > 1 and arr.shape[0] == shape[0]:
        arr = arr.reshape((shape[0],) + (1,) * (len(shape) - 1))
    else:
        raise ValueError(
            f"{name} has shape {arr.shape}; expected {shape}"
            + (f" or ({shape[0]},)" if len(shape) > 1 else "")
        )
    if arr.dtype.kind == "f" and not all_finite(arr):
        raise ValueError(f"{name} contains NaN or infinite values")
    if arr.min() < 0:
        raise ValueError(f"{name} must be non-negative")
    with np.errstate(over="ignore"):
        out = arr.astype(dtype, copy=False)
    if out.dtype.itemsize < arr.dtype.itemsize:  # only a narrowing cast can underflow/overflow
        if ((arr > 0) & (out == 0)).any():
            raise ValueError(f"{name} has positive values that underflow to 0 in {out.dtype}")
        if not np.isfinite(out).all():
            raise ValueError(f"{name} has values that overflow {out.dtype}")
    return out


def _xp_sample_weight(
    sample_weight: Any, xp: ModuleType, shape: tuple[int, ...], dtype: Any, name: str
) -> Any:
    """``as_sample_weight`` in the margin's namespace (host weights are moved there once)."""
    arr = sample_weight if array_namespace(sample_weight) is xp else xp.asarray(sample_weight)
    if not xp.isdtype(arr.dtype, ("integral", "real floating")):
        raise TypeError(f"{name} must be numeric, got dtype {arr.dtype}")
    arr_shape = tuple(arr.shape)
    if arr_shape == tuple(shape):
        pass
    elif len(arr_shape) == 1 and len(shape) > 1 and arr_shape[0] == shape[0]:
        arr = xp.reshape(arr, (shape[0],) + (1,) * (len(shape) - 1))
    else:
        raise ValueError(
            f"{name} has shape {arr_shape}; expected {shape}"
            + (f" or ({shape[0]},)" if len(shape) > 1 else "")
        )
    arr = astype(xp, arr, dtype)
    if not bool(xp.all(xp.isfinite(arr))):
        raise ValueError(f"{name} contains NaN or infinite values")
    if bool(xp.any(arr < 0)):
        raise ValueError(f"{name} must be non-negative")
    return arr


def check_alpha(alpha: Any) -> float | str | NDArray[np.float64] | None:
    """Validate ``alpha``: None, 'balanced', a float in [0, 1] or a 1-D sequence of them."""
    if alpha is None:
        return None
    if isinstance(alpha, str):
        if alpha != "balanced":
            raise ValueError(f"alpha must be a float in [0, 1], None or 'balanced', got {alpha!r}")
        return alpha
    if isinstance(alpha, (bool, np.bool_)):
        raise TypeError("alpha must be a float in [0, 1], None or 'balanced', got a bool")
    arr = np.asarray(alpha)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"alpha must be a float in [0, 1], None or 'balanced', got {alpha!r}")
    if arr.ndim > 1 or arr.size == 0:
        raise ValueError(
            "alpha must be a scalar or a non-empty 1-D sequence (one value per output)"
        )
    if np.isnan(arr).any() or (arr < 0).any() or (arr > 1).any():
        raise ValueError(f"alpha must lie in [0, 1], got {alpha!r}")
    return float(arr) if arr.ndim == 0 else arr.astype(np.float64)


def check_gamma(gamma: Any) -> float | NDArray[np.float64]:
    """Validate ``gamma``: a finite float >= 0 or a 1-D sequence of them."""
    if isinstance(gamma, (bool, np.bool_)) or gamma is None or isinstance(gamma, str):
        raise TypeError(f"gamma must be a non-negative float, got {gamma!r}")
    arr = np.asarray(gamma)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"gamma must be a non-negative float, got {gamma!r}")
    if arr.ndim > 1 or arr.size == 0:
        raise ValueError(
            "gamma must be a scalar or a non-empty 1-D sequence (one value per output)"
        )
    if not np.isfinite(arr).all() or (arr < 0).any():
        raise ValueError(f"gamma must be finite and >= 0, got {gamma!r}")
    return float(arr) if arr.ndim == 0 else arr.astype(np.float64)


def check_float32_weight(w: NDArray[np.floating], name: str) -> None:
    """The engines keep weights in float32: refuse weights that underflow to 0 or overflow there."""
    f32 = np.finfo(np.float32)
    with np.errstate(over="ignore"):  # overflow is checked on the sum below
        w32 = w.astype(np.float32)
    if ((w > 0) & (w32 == 0)).any():
        raise ValueError(
            f"{name} has positive values below {float(f32.smallest_subnormal):.1e}, which become 0 "
            "in the engine's float32; rescale the weights (only their ratios matter)"
        )
    total = float(np.sum(w, dtype=np.float64))
    if total > float(f32.max):
        raise ValueError(
            f"{name} sums to {total:.3g}, beyond float32's {float(f32.max):.3g} used by the "
            "engine; rescale the weights (only their ratios matter)"
        )
