"""Errors the command line reports as one message and an exit code, and optional imports."""

from __future__ import annotations

import importlib
from types import ModuleType

#: Exit codes: 2 for a bad command line or parameter (as argparse uses), 3 when an optional
#: dependency is missing, 4 when the data cannot be used (missing file, unreadable, bad target).
EXIT_USAGE = 2
EXIT_MISSING_EXTRA = 3
EXIT_DATA = 4


class CliError(Exception):
    """A problem to report to the user without a traceback."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class DataError(CliError):
    """The data file is missing, unreadable or unusable for the request."""

    def __init__(self, message: str) -> None:
        super().__init__(message, EXIT_DATA)


def need(module: str, extra: str, purpose: str) -> ModuleType:
    """Import ``module``, or raise :class:`CliError` naming the focalboost extra that provides it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise CliError(
            f"{purpose} needs the Python package {module.split('.')[0]!r}, which is not installed; "
            f"install it with: pip install 'focalboost[{extra}]'",
            EXIT_MISSING_EXTRA,
        ) from exc
