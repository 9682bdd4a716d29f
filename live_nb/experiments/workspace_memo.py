"""What the workspace's files parsed to, kept while they do not change: ``exp show`` warm.

``<git_dir>/live_nb/cache/workspace-v1.json`` maps ``kind:path`` to the file's size,
modification time (ns) and inode, and the JSON value it parsed to; a file whose signature
still matches is not read or parsed again (nor is the YAML parser imported for it). A file
changed less than two seconds ago is not memoised, so a change within one tick of the
file system's clock is never missed, as Git treats "racy" index entries. Failing to read or
write the memo only costs speed.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from pathlib import Path

TYPE_CHECKING = False  # not typing's: importing typing costs `live-nb exp show` 4 ms
if TYPE_CHECKING:
    from typing import Any

__all__ = ["MISSING", "ParseMemo"]

MISSING: Any = object()
_FORMAT = 1
_RACY_NS = 2_000_000_000


class ParseMemo:
    """Parsed workspace files by ``(kind, path)``, valid while each file's signature holds."""

    def __init__(self, git_dir: Path) -> None:
        """The memo of the repository whose Git folder is ``git_dir``."""
        self.path = Path(git_dir) / "live_nb" / "cache" / f"workspace-v{_FORMAT}.json"
        self._entries: dict[str, Any] | None = None
        self._changed = False

    def get(self, kind: str, file: Path) -> tuple[Any, Any]:
        """The memoised value of ``file`` (or :data:`MISSING`), and its signature now.

        The signature is None when the file cannot be read (pass it to :meth:`put` all the
        same: nothing is kept then).
        """
        try:
            stat = os.stat(file)
        except OSError:
            return MISSING, None
        signature = [stat.st_size, stat.st_mtime_ns, stat.st_ino]
        entry = self._load().get(f"{kind}:{file}")
        if isinstance(entry, list) and len(entry) == 2 and entry[0] == signature:
            return entry[1], signature
        return MISSING, signature

    def put(self, kind: str, file: Path, signature: Any, value: Any) -> None:
        """Keep ``value`` for ``file`` as it was when its ``signature`` was taken."""
        if signature is None or time.time_ns() - signature[1] < _RACY_NS:
            return
        self._load()[f"{kind}:{file}"] = [signature, value]
        self._changed = True

    def save(self) -> None:
        """Write the memo if something was added (atomically; errors ignored)."""
        if not self._changed or self._entries is None:
            return
        # Named by process and thread, as the commit cache's: no tempfile to import.
        name = f".workspace-{os.getpid()}-{threading.get_ident()}.tmp"
        temporary = self.path.with_name(name)
        try:
            text = json.dumps({"format": _FORMAT, "files": self._entries}, separators=(",", ":"))
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                with open(temporary, "w", encoding="utf-8") as stream:
                    stream.write(text)
                os.replace(temporary, self.path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise
        except (OSError, TypeError, ValueError):
            pass
        self._changed = False

    def _load(self) -> dict[str, Any]:
        if self._entries is None:
            try:
                raw = json.loads(self.path.read_bytes())
                files = raw.get("files") if raw.get("format") == _FORMAT else None
            except (OSError, ValueError, AttributeError):
                files = None
            self._entries = files if isinstance(files, dict) else {}
        return self._entries
