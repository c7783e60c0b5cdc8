"""A progress line on standard error, for runs long enough to wonder about.

Shown only when standard error is a terminal, not in CI and not under --quiet, and only
once a run has taken more than two seconds.
"""

from __future__ import annotations

import sys
import time

DELAY = 2.0


class ProgressBar:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.total = 0
        self.done = 0
        self.started = time.monotonic()
        self.shown = False

    def start(self, total: int) -> None:
        self.total = total
        self.started = time.monotonic()

    def advance(self, count: int) -> None:
        self.done += count
        if not self.enabled:
            return
        elapsed = time.monotonic() - self.started
        if elapsed < DELAY:
            return
        rate = self.done / elapsed if elapsed else 0.0
        sys.stderr.write(f"\rmlsmells: {self.done}/{self.total} files ({rate:.0f} files/s)")
        sys.stderr.flush()
        self.shown = True

    def finish(self) -> None:
        if self.shown:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()
