"""A running ``Live`` announces itself, so the sidebar can list it without asking its kernel.

While a run goes on, one small JSON file ``<git dir>/live_nb/live/<pid>-<n>.json`` says who
runs it: ``{"pid", "host", "kernel", "program", "name", "dir", "started"}``; ``kernel`` is the
Jupyter kernel's id (from the ``kernel-<id>.json`` connection file the kernel was started
with; None outside a kernel), ``program`` the notebook's path as Jupyter named the session
(``JPY_SESSION_NAME``) or the script, ``dir`` the absolute output folder, whose
``metrics.json`` and metric files say the step and the latest values: nothing is rewritten
while the run goes on. The file is written once when the run starts and removed when it
ends; a file whose process is gone is ignored by readers (and removed by
:func:`read_markers`). Runs of ``live-nb exp run`` write none (the queue lists them), nor do
runs outside a Git repository. Writing is best effort: a failure never stops the run.
"""

from __future__ import annotations

import itertools
import json
import os
import socket
import sys
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from live_nb import env
from live_nb.formats.files import atomic_write, git_dir_above, remove_quietly

__all__ = ["Marker", "announce", "markers_folder", "read_markers"]

_counter = itertools.count()


def markers_folder(git_dir: Path) -> Path:
    """``<git dir>/live_nb/live``: one file per running ``Live``."""
    return git_dir / "live_nb" / "live"


@dataclass(frozen=True)
class Marker:
    """A running ``Live`` as its file describes it."""

    path: Path
    pid: int
    host: str
    kernel: str | None
    program: str
    name: str | None
    dir: Path
    started: float


def announce(live_dir: str | os.PathLike[str], name: str | None) -> Callable[[], None]:
    """Write the marker of a run logging into ``live_dir``; returns what removes it.

    Returns a no-op in a headless run, outside a Git repository, or when the file cannot be
    written. The marker is also removed when the process exits.
    """
    if env.in_headless_run():
        return _nothing
    folder = Path(os.path.abspath(live_dir))
    git_dir = git_dir_above(folder)
    if git_dir is None:
        return _nothing
    path = markers_folder(git_dir) / f"{os.getpid()}-{next(_counter)}.json"
    content = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "kernel": _kernel_id(sys.argv),
        "program": os.environ.get("JPY_SESSION_NAME") or (sys.argv[0] if sys.argv else ""),
        "name": name,
        "dir": str(folder),
        "started": time.time(),
    }
    try:
        atomic_write(path, json.dumps(content, ensure_ascii=False))
    except OSError:
        return _nothing
    return _Announcement(path)


class _Announcement:
    """Removes the marker when called, when dropped, or when the process exits."""

    def __init__(self, path: Path) -> None:
        self._finalizer = weakref.finalize(self, remove_quietly, str(path))

    def __call__(self) -> None:
        self._finalizer()


def _nothing() -> None:
    return None


def _kernel_id(argv: list[str]) -> str | None:
    """The kernel id of ``-f .../kernel-<id>.json`` (how Jupyter starts a kernel), or None."""
    for index, arg in enumerate(argv):
        value = None
        if arg == "-f" and index + 1 < len(argv):
            value = argv[index + 1]
        elif arg.startswith(("--f=", "-f=")):
            value = arg.split("=", 1)[1]
        if value is not None:
            stem = Path(value).name.removesuffix(".json")
            if stem.startswith("kernel-") and len(stem) > len("kernel-"):
                return stem[len("kernel-") :]
    return None


def read_markers(git_dir: Path) -> list[Marker]:
    """The runs of this host whose process is alive, oldest first; stale files are removed."""
    folder = markers_folder(git_dir)
    try:
        paths = sorted(folder.glob("*.json"))
    except OSError:
        return []
    host = socket.gethostname()
    found = []
    for path in paths:
        marker = _read(path)
        if marker is None:
            continue
        if marker.host == host and not _alive(marker.pid):
            remove_quietly(path)
            continue
        found.append(marker)
    return sorted(found, key=lambda marker: marker.started)


def _read(path: Path) -> Marker | None:
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
        return Marker(
            path=path,
            pid=int(data["pid"]),
            host=str(data["host"]),
            kernel=None if data.get("kernel") is None else str(data["kernel"]),
            program=str(data.get("program") or ""),
            name=None if data.get("name") is None else str(data["name"]),
            dir=Path(str(data["dir"])),
            started=float(data["started"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
