"""The on-disk cache of what commits hold: ``<git_dir>/live_nb/cache/commits-v1.json``.

What a commit holds never changes, so its metrics, params and metadata, once read, are kept
here and later reads touch no Git object at all.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Collection, Mapping
from pathlib import Path

TYPE_CHECKING = False  # not typing's: importing typing costs `live-nb exp show` 4 ms
if TYPE_CHECKING:
    from typing import Any

__all__ = ["CACHE_FORMAT", "READER_VERSION", "CommitCache"]

# Bump CACHE_FORMAT when the file layout changes, READER_VERSION when the reading rules change:
# either makes old cache files be ignored and rewritten.
CACHE_FORMAT = 1
READER_VERSION = 3  # 2: stage dependencies' hashes; 3: unreadable files as DVC reports them
_SLICE = 1 << 20


class CommitCache:
    """Per-commit metrics, params and metadata in ``<git_dir>/live_nb/cache/commits-v1.json``.

    A JSON object ``{"format": 1, "reader": READER_VERSION, "commits": {sha: entry}}``.
    Writes go to a temporary file renamed over the old one, so readers see the old or the new
    file, never half of one; a file that does not parse, or has another format or reader
    version, is ignored and replaced at the next write. Failing to write only costs speed.
    """

    def __init__(self, git_dir: Path) -> None:
        """The cache of the repository whose Git folder is ``git_dir``."""
        self.path = Path(git_dir) / "live_nb" / "cache" / f"commits-v{CACHE_FORMAT}.json"

    def load(self) -> dict[str, Any]:
        """Every entry (sha -> entry) on disk; empty when the file is absent or outdated."""
        try:
            raw = json.loads(self.path.read_bytes())
        except (OSError, ValueError):
            return {}
        if (
            not isinstance(raw, dict)
            or raw.get("format") != CACHE_FORMAT
            or raw.get("reader") != READER_VERSION
            or not isinstance(raw.get("commits"), dict)
        ):
            return {}
        commits: dict[str, Any] = raw["commits"]
        return commits

    def store(self, entries: Mapping[str, Any], keep: Collection[str] | None = None) -> None:
        """Add ``entries`` (merged with what is on disk now); with ``keep``, drop the rest."""
        commits = {**self.load(), **entries}
        if keep is not None:
            wanted = set(keep).union(entries)
            commits = {sha: entry for sha, entry in commits.items() if sha in wanted}
        payload = {"format": CACHE_FORMAT, "reader": READER_VERSION, "commits": commits}
        # Named by process and thread (the server reads on several): no tempfile to import.
        temporary = self.path.with_name(f".commits-{os.getpid()}-{threading.get_ident()}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                # dumps, not dump: only the one-shot encoder is the C one; its text (ASCII)
                # is written a slice at a time, never copied whole into bytes
                text = json.dumps(payload, separators=(",", ":"))
                with open(temporary, "w", encoding="ascii") as stream:
                    for start in range(0, len(text), _SLICE):
                        stream.write(text[start : start + _SLICE])
                os.replace(temporary, self.path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise
        except OSError:
            pass  # a read-only repository: run without the cache

    def clear(self) -> None:
        """Delete the cache file."""
        with contextlib.suppress(OSError):
            self.path.unlink()
