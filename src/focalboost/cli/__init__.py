"""The ``focalboost`` command line: ``demo``, ``compare``, ``train``, ``predict`` and ``plot``.

Each module has one job: :mod:`~focalboost.cli.args` parses arguments, :mod:`~focalboost.cli.data`
reads and encodes tables, :mod:`~focalboost.cli.engines` fits and scores boosters,
:mod:`~focalboost.cli.model` saves and loads model files, :mod:`~focalboost.cli.compare` runs the
logistic-versus-focal evaluation, :mod:`~focalboost.cli.report` prints it,
:mod:`~focalboost.cli.plot` draws figures and :mod:`~focalboost.cli.progress` shows progress.
Heavy dependencies (engines, pandas, matplotlib) are imported only by the commands that need them.
"""

from __future__ import annotations

from focalboost.cli.main import main

__all__ = ["main"]
