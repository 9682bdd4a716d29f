"""Writing files so that a crash or a kill never leaves a half-written one.

Whole files are written to a temporary sibling and renamed over the target;
growing files (metric histories) are only ever appended to, one complete
buffer of whole lines per ``write`` call. :data:`TEMPORARY_PATTERNS` names every
temporary file live_nb makes beside a user's files, so that an experiment saved
meanwhile leaves them out.
"""

from __future__ import annotations

import contextlib
import fnmatch
import itertools
import os
from pathlib import Path

_temp_counter = itertools.count()
_HEX_8 = "[0-9a-f]" * 8

TEMPORARY_PATTERNS: tuple[str, ...] = (
    ".*.live_nb-*.tmp",  # atomic_write: .<name>.live_nb-<pid>-<n>.tmp
    ".live_nb-*.tmp",  # a cache object being copied in (experiments.restore)
    f".{_HEX_8 * 2}.tmp",  # a cache object being written (formats.artifacts)
    f".dvc.{_HEX_8 * 2}.tmp",  # the .dvc folder being built (formats.artifacts)
    f".*.{_HEX_8}.tmp",  # a file being put back by apply (experiments.restore)
)
"""Git wildmatch patterns (on file names, not paths) of live_nb's temporary files."""


def atomic_write(path: str | os.PathLike[str], data: str | bytes) -> None:
    """Replace ``path`` with ``data`` in one rename, creating parent folders."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    temp = target.with_name(f".{target.name}.live_nb-{os.getpid()}-{next(_temp_counter)}.tmp")
    # os.open with 0o666 lets the umask decide permissions, as a plain open() would.
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        try:
            write_all(fd, payload)
        finally:
            os.close(fd)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        raise


def is_temporary(name: str | bytes) -> bool:
    """Whether the file name ``name`` is one of :data:`TEMPORARY_PATTERNS`."""
    text = os.fsdecode(name)
    return any(fnmatch.fnmatchcase(text, pattern) for pattern in TEMPORARY_PATTERNS)


def write_all(fd: int, payload: bytes) -> None:
    """``os.write`` until every byte is written (a single write may be partial)."""
    view = memoryview(payload)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def open_for_append(path: str | os.PathLike[str]) -> int:
    """Open ``path`` for appending, creating it and its folders when missing."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    return os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)


def remove_quietly(path: str | os.PathLike[str]) -> None:
    """Remove ``path`` if it exists."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def folders_up(start: Path) -> list[Path]:
    """``start`` and its parents, up to (not into) a ``GIT_CEILING_DIRECTORIES`` folder.

    Where Git stops looking for a repository, live_nb stops looking for a project: a headless
    run's folder sits inside the user's ``.git`` and must not be taken for part of it.
    """
    ceilings = {
        Path(entry).resolve()
        for entry in os.environ.get("GIT_CEILING_DIRECTORIES", "").split(os.pathsep)
        if entry
    }
    folders = [start]
    for parent in start.parents:
        if parent in ceilings:
            break
        folders.append(parent)
    return folders


def git_dir_above(folder: Path) -> Path | None:
    """The Git directory of the repository holding ``folder`` (``.git`` or its ``gitdir:``).

    The search stops where Git's does (``GIT_CEILING_DIRECTORIES``).
    """
    for candidate in folders_up(folder):
        dot_git = candidate / ".git"
        if dot_git.is_dir():
            return dot_git
        if dot_git.is_file():
            with contextlib.suppress(OSError, ValueError):
                line = dot_git.read_text(encoding="utf-8").strip()
                if line.startswith("gitdir:"):
                    target = Path(line[len("gitdir:") :].strip())
                    return target if target.is_absolute() else (candidate / target).resolve()
            return None
    return None
