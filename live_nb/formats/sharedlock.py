"""One writer at a time for the files every run of a workspace edits: ``dvc.yaml``, ``.gitignore``.

Runs started at once in one repository each merge their entries into the same ``dvc.yaml``
and list their artifacts in the same ``.gitignore``: a read-modify-write without a lock loses
the entries of whoever wrote in between. :func:`exclusive` holds an OS lock (``flock``, which
also keeps two threads of one process apart) on ``<git dir>/live_nb/workspace.lock``, or
``.dvc/tmp/live_nb-workspace.lock`` in a DVC project without Git: never a file in the working
tree, where savers would list it. The lock dies with its process, so a killed writer never
blocks the next; the empty file stays. A lock held longer than :data:`PATIENCE` (a stopped
process) is given up on with a warning rather than hanging the run. Where no lock file can be
made (no project, read-only folders, Windows), the write goes ahead unlocked, as before.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

from live_nb.error import LiveNbWarning
from live_nb.formats.files import folders_up, git_dir_above

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["PATIENCE", "exclusive", "lock_file"]

PATIENCE = 30.0
"""Seconds to wait for another writer before writing anyway."""

_held = threading.local()  # the lock files this thread holds: a nested call does not wait on itself


def lock_file(folder: Path) -> Path | None:
    """The lock file of the workspace holding ``folder``, or None outside a project."""
    folder = Path(os.path.abspath(folder))
    git_dir = git_dir_above(folder)
    if git_dir is not None:
        return git_dir / "live_nb" / "workspace.lock"
    for candidate in folders_up(folder):
        if (candidate / ".dvc").is_dir():
            return candidate / ".dvc" / "tmp" / "live_nb-workspace.lock"
    return None


@contextlib.contextmanager
def exclusive(target: Path) -> Iterator[None]:
    """Hold the workspace's lock while ``target`` (a shared file) is read and rewritten."""
    path = lock_file(target.parent)
    held: set[Path] = _held.__dict__.setdefault("paths", set())
    if fcntl is None or path is None or path in held:
        yield
        return
    fd = _open(path)
    if fd is None:
        yield
        return
    try:
        locked = _acquire(fd, path)
        held.add(path)
        try:
            yield
        finally:
            held.discard(path)
            if locked:
                fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _open(path: Path) -> int | None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError:
        return None  # a read-only Git folder: write unlocked rather than not at all


def _acquire(fd: int, path: Path) -> bool:
    """Take the lock, polling (a blocking flock could not give up); False if given up on."""
    deadline = time.monotonic() + PATIENCE
    pause = 0.001
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() > deadline:
                break
            time.sleep(pause)
            pause = min(pause * 2, 0.02)
        except OSError:
            return False  # a file system without locks: write unlocked
    warnings.warn(
        f"live_nb: {path} stayed locked for {PATIENCE:g} s (a stopped process?); "
        "writing without it.",
        LiveNbWarning,
        stacklevel=4,
    )
    return False
