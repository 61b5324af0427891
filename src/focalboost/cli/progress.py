"""A small progress bar on stderr, shown only on a terminal and only for work that lasts."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Count finished steps of ``total`` and draw ``label [#####-----] 5/10 note 0:03``.

    Nothing is drawn unless ``enabled``, nor before ``delay`` seconds have passed, so quick runs
    stay silent.  :meth:`close` erases the line.
    """

    def __init__(
        self,
        total: int,
        label: str,
        *,
        enabled: bool,
        stream: TextIO | None = None,
        delay: float = 1.0,
        width: int = 24,
    ) -> None:
        self.total = max(int(total), 1)
        self.label = label
        self.enabled = enabled
        self.stream = sys.stderr if stream is None else stream
        self.delay = delay
        self.width = width
        self.done = 0
        self._start = time.monotonic()
        self._drawn = 0

    def advance(self, note: str = "") -> None:
        """Mark one step done; ``note`` says what comes next."""
        self.done = min(self.done + 1, self.total)
        self.show(note)

    def show(self, note: str = "") -> None:
        """Redraw the bar (if enabled and past the delay)."""
        elapsed = time.monotonic() - self._start
        if not self.enabled or elapsed < self.delay:
            return
        filled = self.width * self.done // self.total
        bar = "#" * filled + "-" * (self.width - filled)
        minutes, seconds = divmod(int(elapsed), 60)
        line = f"{self.label} [{bar}] {self.done}/{self.total} {note} {minutes}:{seconds:02d}"
        self.stream.write("\r" + line.ljust(self._drawn))
        self.stream.flush()
        self._drawn = len(line)

    def close(self) -> None:
        """Erase the bar."""
        if self._drawn:
            self.stream.write("\r" + " " * self._drawn + "\r")
            self.stream.flush()
            self._drawn = 0


def progress(total: int, label: str, *, quiet: bool, stream: TextIO | None = None) -> Progress:
    """A :class:`Progress` enabled unless ``quiet`` or the stream is not a terminal."""
    out = sys.stderr if stream is None else stream
    enabled = not quiet and hasattr(out, "isatty") and out.isatty()
    return Progress(total, label, enabled=enabled, stream=out)
