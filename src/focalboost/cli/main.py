"""Entry point of the ``focalboost`` console script and ``python -m focalboost``."""

from __future__ import annotations

import sys
from collections.abc import Callable

from focalboost.cli.args import parse
from focalboost.cli.errors import CliError


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status (0 success, 2 usage, 3 extra, 4 data)."""
    ns = parse(argv)
    from focalboost.cli import commands

    handlers: dict[str, Callable[..., int]] = {
        "demo": commands.demo,
        "compare": commands.compare,
        "train": commands.train,
        "predict": commands.predict,
        "plot": commands.plot,
    }
    try:
        return handlers[ns.command](ns)
    except CliError as exc:
        sys.stdout.flush()
        print(f"focalboost {ns.command}: error: {exc.message}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print(f"focalboost {ns.command}: interrupted", file=sys.stderr)
        return 130
