"""The last ``exp show --json`` rows of the commits, kept with what they were made of.

``<git_dir>/live_nb/cache/dvc-json-v1.txt`` holds one line, the key, then the rendered JSON
of every row but the workspace's. The key (built by :mod:`.show`) is everything those rows
are made of: HEAD, the branch and tag names, the baselines, each experiment ref with its
commit, the notes, the time zone the times are shown in, and the reader's version (what a
commit holds never changes). When the key is the same, a warm ``exp show --json`` prints
the kept text and reads neither the commit cache nor a Git object, and builds no row: the
workspace row alone is read and rendered afresh. Rows that can change while their refs do
not (DVC's queue, checkpoint runs, pending runs, a read to retry) are never kept. Failing to
read or write the file only costs speed.
"""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path

__all__ = ["RenderedMemo"]

_FORMAT = 1


class RenderedMemo:
    """The kept rows of one repository; :meth:`lookup` by key, :meth:`store` after a miss."""

    def __init__(self, git_dir: Path) -> None:
        """The memo of the repository whose Git folder is ``git_dir``."""
        self.path = Path(git_dir) / "live_nb" / "cache" / f"dvc-json-v{_FORMAT}.txt"
        self.key: str | None = None  # set by show when the rows it read may be kept
        self.hit: str | None = None  # the kept text, when lookup found it

    def lookup(self, key: str) -> str | None:
        """The text kept under ``key`` (a line of text), or None."""
        try:
            with open(self.path, "rb") as stream:
                kept = stream.readline()
                if kept[:-1] != key.encode("utf-8", "surrogateescape"):
                    return None
                self.hit = stream.read().decode("utf-8", "surrogateescape")
        except (OSError, ValueError):
            return None
        return self.hit

    def store(self, text: str) -> None:
        """Keep ``text`` under the key show set (nothing when it set none), atomically."""
        if self.key is None:
            return
        name = f".{self.path.name}.{os.getpid()}-{threading.get_ident()}.tmp"
        temporary = self.path.with_name(name)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(temporary, "wb") as stream:
                stream.write(self.key.encode("utf-8", "surrogateescape") + b"\n")
                stream.write(text.encode("utf-8", "surrogateescape"))
            os.replace(temporary, self.path)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
