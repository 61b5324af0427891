"""``python -m focalboost``: the command line (see ``focalboost --help``)."""

from __future__ import annotations

from focalboost.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main())
