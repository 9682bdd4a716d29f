"""What a run of ``Live`` wrote in its folder, so that the next run removes that and no more.

DVCLive clears its layout (``plots/{metrics,images,custom,sklearn}``, ``metrics.json``, the
reports) whenever a run starts, whoever made the files; in ``Live(dir=".")`` that is a
project's own ``plots/`` or ``report.html``. live_nb removes only what a previous run wrote:

- When a run ends (or its interpreter exits), the files it left in that layout, less those
  that were there before it started, are recorded in ``<git dir>/live_nb/written/<key>.json``
  (``key``: a digest of the folder's absolute path). The next run in that folder removes the
  recorded files that are still there, then the folders they leave empty.
- Without a record (outside Git, a folder a DVCLive run or a killed run wrote, a folder
  restored by ``apply``), the folder's files are taken for a previous run's only when it
  evidently was one: a metric history with DVCLive's header (``step``, or ``timestamp``
  and ``step``, then its name), or a ``dvc.yaml`` holding nothing but what ``Live``
  writes. Then the layout is cleared as DVCLive clears it, and ``static/`` loses only the
  charts the old ``report.md`` links to. Without that evidence nothing is removed.

Nothing here follows a symbolic link, and a recorded path that leaves the folder is ignored.
The record lives in the Git directory, never in the output folder, so the folder holds
exactly DVCLive's files. A record that cannot be written costs only that: the next run
falls back to the evidence.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from live_nb.formats.files import atomic_write, git_dir_above, remove_quietly

__all__ = ["files_in_layout", "previous_run_files", "remove_files", "save_record"]

LAYOUT_FOLDERS = ("plots/metrics", "plots/images", "plots/custom", "plots/sklearn", "static")
"""The folders ``Live`` writes into (``static/``: ``report.md``'s charts)."""

LAYOUT_FILES = ("metrics.json", "params.yaml", "report.html", "report.md")
"""The files at the top of the folder that a new run replaces."""

_STATIC_LINK = re.compile(r"\]\((static/[^)\s]+)\)")


def files_in_layout(root: Path) -> set[str]:
    """The files (as ``/``-separated paths under ``root``) in the layout ``Live`` writes."""
    found = {name for name in LAYOUT_FILES if (root / name).is_file()}
    for folder in LAYOUT_FOLDERS:
        found.update(_files_under(root, folder))
    return found


def save_record(root: Path, written: Iterable[str]) -> None:
    """Record ``written`` as the files this run left in ``root``; best effort."""
    path = _record_path(root)
    if path is None:
        return
    content = {"dir": str(root), "files": sorted(written)}
    with contextlib.suppress(OSError):  # ASCII: a name that is not UTF-8 is kept escaped
        atomic_write(path, json.dumps(content))


def previous_run_files(root: Path, evidence_of_live: bool) -> set[str]:
    """What the previous run in ``root`` wrote (see the module's text), as relative paths.

    ``evidence_of_live``: the caller found a ``dvc.yaml`` that shows a run was here (one of
    ``Live``'s own, or the one it writes listing this folder's files).
    """
    recorded = _read_record(root)
    return recorded if recorded is not None else _evidently_written(root, evidence_of_live)


def remove_files(root: Path, files: Iterable[str]) -> None:
    """Remove ``files`` (relative to ``root``), then the layout's folders they leave empty."""
    for relative in files:
        _remove_inside(root, relative)
    for folder in LAYOUT_FOLDERS:
        _prune_empty(root / folder)
    with contextlib.suppress(OSError):
        (root / "plots").rmdir()  # only if the run's folders were all it held


def _record_path(root: Path) -> Path | None:
    git_dir = git_dir_above(root)
    if git_dir is None:
        return None
    key = hashlib.sha1(str(root).encode("utf-8", "surrogateescape")).hexdigest()[:20]
    return git_dir / "live_nb" / "written" / f"{key}.json"


def _read_record(root: Path) -> set[str] | None:
    path = _record_path(root)
    if path is None:
        return None
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(content, dict) or content.get("dir") != str(root):
        return None
    files = content.get("files")
    if not isinstance(files, list) or not all(isinstance(name, str) for name in files):
        return None
    return set(files)


def _evidently_written(root: Path, evidence_of_live: bool) -> set[str]:
    """Without a record: the layout's files, if the folder evidently held a run; else none."""
    histories = {name for name in _files_under(root, "plots/metrics") if _is_history(root, name)}
    if not histories and not evidence_of_live:
        return set()
    doomed = {name for name in LAYOUT_FILES if (root / name).is_file()}
    for folder in ("plots/images", "plots/custom", "plots/sklearn"):
        doomed.update(_files_under(root, folder))
    doomed.update(histories)
    doomed.update(_report_charts(root))
    return doomed


def _is_history(root: Path, relative: str) -> bool:
    """Whether a ``.tsv`` file starts with DVCLive's header for a metric of its name."""
    if not relative.endswith(".tsv"):
        return False
    try:
        with open(root / relative, "rb") as handle:
            first = handle.readline(4096)
    except OSError:
        return False
    stem = relative.rsplit("/", 1)[-1].removesuffix(".tsv").encode("utf-8", "surrogateescape")
    return first.rstrip(b"\r\n") in (b"step\t" + stem, b"timestamp\tstep\t" + stem)


def _report_charts(root: Path) -> set[str]:
    """The ``static/`` files the old ``report.md`` links to."""
    try:
        text = (root / "report.md").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return set()
    return {match.group(1) for match in _STATIC_LINK.finditer(text)}


def _files_under(root: Path, folder: str) -> Iterator[str]:
    """Files and links below ``root/folder``, without following links to folders."""
    top = root / folder
    if top.is_symlink() or not top.is_dir():
        return
    for current, dirs, files in os.walk(top, onerror=None, followlinks=False):
        base = Path(current).relative_to(root).as_posix()
        for name in files:
            yield f"{base}/{name}"
        for name in dirs:
            if (Path(current) / name).is_symlink():
                yield f"{base}/{name}"


def _remove_inside(root: Path, relative: str) -> None:
    """Remove ``root/relative`` when it lies inside ``root`` through no link; else leave it."""
    parts = relative.split("/")
    if not relative or relative.startswith("/") or any(p in ("", ".", "..") for p in parts):
        return
    parent = root
    for part in parts[:-1]:
        parent = parent / part
        if parent.is_symlink() or not parent.is_dir():
            return
    target = parent / parts[-1]
    if target.is_symlink() or target.is_file():
        remove_quietly(target)


def _prune_empty(folder: Path) -> None:
    """Remove ``folder``'s empty sub-folders, then ``folder`` itself if it is left empty."""
    if folder.is_symlink() or not folder.is_dir():
        return
    for current, dirs, _files in os.walk(folder, topdown=False, followlinks=False):
        for name in dirs:
            with contextlib.suppress(OSError):
                os.rmdir(Path(current) / name)  # fails, as wanted, unless empty
    with contextlib.suppress(OSError):
        folder.rmdir()
