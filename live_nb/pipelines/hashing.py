"""DVC 3's md5 of files and folders, remembered by inode, size and mtime.

A file's hash is the md5 of its bytes; a folder's is the md5 of its ``.dir`` manifest
(``[{"md5", "relpath"}]`` sorted by path, JSON with sorted keys) plus ``.dir``, with
``size`` the sum of its files and ``nfiles`` their count, as in ``dvc.lock``. Hashes
are kept in ``.dvc/tmp/live-nb-hashes.json`` (live_nb's own, beside DVC's state database)
keyed by path with the file's inode, size and mtime in nanoseconds, so an unchanged file
is never read twice.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from live_nb.formats.files import atomic_write

__all__ = ["HashCache", "HashInfo", "dir_manifest_bytes", "list_files"]

_CHUNK = 1024 * 1024
_SKIPPED_DIRS = frozenset({".git", ".hg", ".dvc"})
_CACHE_FILE = Path(".dvc") / "tmp" / "live-nb-hashes.json"


@dataclass(frozen=True)
class HashInfo:
    """A path's hash as ``dvc.lock`` records it (``nfiles`` for folders, ``isexec`` if run)."""

    md5: str
    size: int
    nfiles: int | None = None
    manifest: tuple[tuple[str, str], ...] = ()
    isexec: bool = False

    def lock_fields(self) -> dict[str, Any]:
        """``hash``, ``md5``, ``size`` (and ``nfiles``) in ``dvc.lock``'s order."""
        fields: dict[str, Any] = {"hash": "md5", "md5": self.md5, "size": self.size}
        if self.nfiles is not None:
            fields["nfiles"] = self.nfiles
        if self.isexec:
            fields["isexec"] = True
        return fields


def dir_manifest_bytes(manifest: tuple[tuple[str, str], ...]) -> bytes:
    """The ``.dir`` object's bytes for ``(relpath, md5)`` pairs."""
    entries = [{"md5": md5, "relpath": relpath} for relpath, md5 in sorted(manifest)]
    return json.dumps(entries, sort_keys=True).encode("utf-8")


class HashCache:
    """Hashes of the project's files, reused while inode, size and mtime stay the same."""

    def __init__(self, root: Path) -> None:
        """Read the remembered hashes of the project at ``root`` (none if unreadable)."""
        self.root = root
        self._file = root / _CACHE_FILE
        self._entries: dict[str, list[Any]] = {}
        self._dirty = False
        with contextlib.suppress(OSError, ValueError):
            loaded = json.loads(self._file.read_text(encoding="utf-8"))
            if isinstance(loaded, dict):
                self._entries = loaded

    def save(self) -> None:
        """Write the remembered hashes back when any was added."""
        if self._dirty and (self.root / ".dvc").is_dir():
            atomic_write(self._file, json.dumps(self._entries, separators=(",", ":")))
            self._dirty = False

    def hash(self, relpath: str) -> HashInfo | None:
        """The hash of the file or folder at ``relpath`` (root-relative), None if missing."""
        path = self.root / relpath
        if path.is_dir():
            return self._hash_dir(path)
        if not path.is_file():
            return None
        md5, size = self._hash_file(path)
        executable = bool(path.stat().st_mode & (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH))
        return HashInfo(md5, size, isexec=executable)

    def _hash_file(self, path: Path | str, key: str | None = None) -> tuple[str, int]:
        info = os.stat(path)
        if key is None:
            key = os.path.relpath(path, self.root)
        stamp = [info.st_ino, info.st_size, info.st_mtime_ns]
        known = self._entries.get(key)
        if known is not None and known[:3] == stamp:
            return str(known[3]), info.st_size
        digest = hashlib.md5(usedforsecurity=False)
        with open(path, "rb") as source:
            while chunk := source.read(_CHUNK):
                digest.update(chunk)
        md5 = digest.hexdigest()
        self._entries[key] = [*stamp, md5]
        self._dirty = True
        return md5, info.st_size

    def _hash_dir(self, folder: Path) -> HashInfo:
        manifest: list[tuple[str, str]] = []
        total = 0
        base = os.path.relpath(folder, self.root).replace(os.sep, "/")
        for relpath, path in _walk(str(folder)):
            md5, size = self._hash_file(path, f"{base}/{relpath}")
            manifest.append((relpath, md5))
            total += size
        pairs = tuple(manifest)
        md5 = hashlib.md5(dir_manifest_bytes(pairs), usedforsecurity=False).hexdigest()
        return HashInfo(md5 + ".dir", total, len(pairs), pairs)


def _walk(folder: str) -> list[tuple[str, str]]:
    """``(posix relpath, path)`` of the files DVC tracks under ``folder``, sorted by relpath."""
    found: list[tuple[str, str]] = []
    pending = [(folder, "")]
    while pending:
        here, prefix = pending.pop()
        with os.scandir(here) as entries:
            for entry in entries:
                if entry.is_dir():
                    skipped = entry.name in _SKIPPED_DIRS or os.path.exists(
                        os.path.join(entry.path, ".dvc")
                    )
                    if not skipped and not entry.is_symlink():
                        pending.append((entry.path, f"{prefix}{entry.name}/"))
                elif entry.is_file():
                    found.append((f"{prefix}{entry.name}", entry.path))
    return sorted(found)


def list_files(folder: Path) -> list[tuple[str, Path]]:
    """``(posix relpath, path)`` of the files DVC tracks in ``folder``, sorted."""
    return [(relpath, Path(path)) for relpath, path in _walk(str(folder))]
