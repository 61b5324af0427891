"""Input checks shared by the public API: clear errors, no silent coercion."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def as_margin(margin: Any, name: str = "margin") -> NDArray[np.floating]:
    """Return ``margin`` as a float32/float64 array (integers become float64); reject the rest."""
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
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


def as_labels(
    y: Any, shape: tuple[int, ...], dtype: np.dtype[Any], name: str = "y"
) -> NDArray[np.floating]:
    """Return labels in [0, 1] with the margin's shape and dtype; reject NaN, out of range, strings."""
    arr = np.asarray(y)
    if arr.dtype.kind not in "iubf":
        raise TypeError(f"{name} must hold numeric labels in [0, 1], got dtype {arr.dtype}")
    if arr.shape != shape:
        raise ValueError(f"{name} has shape {arr.shape} but the margins have shape {shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty")
    if arr.dtype.kind == "f" and np.isnan(arr).any():
        raise ValueError(f"{name} contains NaN")
    if arr.dtype.kind != "b" and ((arr < 0).any() or (arr > 1).any()):
        raise ValueError(f"{name} must lie in [0, 1]; found values from {arr.min()} to {arr.max()}")
    return arr.astype(dtype, copy=False)


def as_sample_weight(
    sample_weight: Any, shape: tuple[int, ...], dtype: np.dtype[Any], name: str = "sample_weight"
) -> NDArray[np.floating] | None:
    """Return per-element weights broadcastable to ``shape`` (per-row weights for N-D labels)."""
    if sample_weight is None:
        return None
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
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    if (arr < 0).any():
        raise ValueError(f"{name} must be non-negative")
    with np.errstate(over="ignore"):
        out = arr.astype(dtype, copy=False)
    if out.dtype.itemsize < arr.dtype.itemsize:  # only a narrowing cast can underflow/overflow
        if ((arr > 0) & (out == 0)).any():
            raise ValueError(f"{name} has positive values that underflow to 0 in {out.dtype}")
        if not np.isfinite(out).all():
            raise ValueError(f"{name} has values that overflow {out.dtype}")
    return out


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
