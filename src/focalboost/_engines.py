"""Import the optional engines on demand, with an error that names the extra to install."""

from __future__ import annotations

import importlib
from types import ModuleType

_EXTRAS = {
    "xgboost": "xgboost",
    "lightgbm": "lightgbm",
    "sklearn": "sklearn",
    "dask": "dask",
    "distributed": "dask",
}


def require(module: str) -> ModuleType:
    """Import ``module`` or raise ImportError telling which focalboost extra provides it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        extra = _EXTRAS.get(module.split(".")[0], module)
        raise ImportError(
            f"this feature needs {module!r}, which is not installed; "
            f"install it with: pip install 'focalboost[{extra}]'"
        ) from exc


def version_tuple(module: ModuleType) -> tuple[int, ...]:
    """The leading numeric components of ``module.__version__`` (``"3.1.0rc1"`` → ``(3, 1, 0)``)."""
    parts: list[int] = []
    for piece in str(module.__version__).split(".")[:3]:
        digits = ""
        for ch in piece:
            if not ch.isdigit():
                break
            digits += ch
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)
