"""A one-line progress display for transfers, redrawn in place on a terminal only.

Updated from the worker threads (thread-safe), redrawn at most ten times a second, and
cleared at the end so the result sentence stands alone. Silent when the stream is not a TTY.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

__all__ = ["Progress"]

_INTERVAL = 0.1


class Progress:
    """Counts objects and bytes moved and shows ``Pushing 'x': 12/40 objects, 3.1 MB``."""

    def __init__(self, label: str, objects: int, total_bytes: int, stream: TextIO | None) -> None:
        self.label = label
        self.objects = objects
        self.total_bytes = total_bytes
        self.done = 0
        self.moved = 0
        self.stream = stream if stream is not None and _is_tty(stream) else None
        self._lock = threading.Lock()
        self._last = 0.0
        self._width = 0

    def add_bytes(self, count: int) -> None:
        """Count ``count`` more bytes moved."""
        with self._lock:
            self.moved += count
            self._draw()

    def object_done(self) -> None:
        """Count one more object finished."""
        with self._lock:
            self.done += 1
            self._draw(force=self.done == self.objects)

    def close(self) -> None:
        """Clear the line."""
        with self._lock:
            if self.stream is not None and self._width:
                self.stream.write("\r" + " " * self._width + "\r")
                self.stream.flush()

    def _draw(self, force: bool = False) -> None:
        if self.stream is None:
            return
        now = time.monotonic()
        if not force and now - self._last < _INTERVAL:
            return
        self._last = now
        text = (
            f"{self.label}: {self.done}/{self.objects} objects, "
            f"{_size(self.moved)} of {_size(self.total_bytes)}"
        )
        padding = " " * max(0, self._width - len(text))
        self._width = len(text)
        self.stream.write("\r" + text + padding)
        self.stream.flush()


def _size(count: int) -> str:
    value = float(count)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"  # pragma: no cover


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def default_stream() -> TextIO:
    """Standard error, where the progress line goes."""
    return sys.stderr
