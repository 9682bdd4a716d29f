"""``push``/``pull``: move the cached objects that the workspace or some commits reference.

What ``dvc push``/``dvc pull`` move, in the same remote layout: every output of the ``.dvc``
files and ``dvc.lock`` stages, a directory as its ``.dir`` manifest and the files it lists.
Only the objects the other side lacks move: the remote is listed once per 2-hex prefix that a
wanted object falls in (in parallel), the local cache is looked at directly. Transfers run on
a pool of threads, each streamed; a directory's manifest is uploaded only after its files,
so a manifest on the remote means its files are there too. An interrupted push or pull leaves
only whole objects behind, so running it again finishes the job.

A pull of the workspace then restores, as ``dvc pull`` does, the ``.dvc`` outputs that are
missing from the working tree (an existing file is never overwritten).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TextIO

from live_nb.error import LiveNbError
from live_nb.formats.artifacts import MissingCacheObjectError, find_dvc_root, restore_artifact
from live_nb.git import Repository
from live_nb.remotes.config import Remote, load_config
from live_nb.remotes.errors import (
    MissingObjectsError,
    RemoteAccessDeniedError,
    RemoteUnreachableError,
    TransferFailedError,
)
from live_nb.remotes.progress import Progress, default_stream
from live_nb.remotes.storage import ObjectId, Storage, cache_folder, local_object, open_storage
from live_nb.remotes.used import Output, commit_outputs, workspace_outputs

__all__ = ["TransferResult", "fetch_missing", "pull", "push"]

Direction = Literal["push", "pull"]
_MD5_ENTRY = frozenset("0123456789abcdef")


@dataclass(frozen=True)
class TransferResult:
    """What a push or pull moved, and what the other side already had."""

    direction: Direction
    remote: str
    moved: int = 0
    size: int = 0
    present: int = 0
    restored: tuple[str, ...] = ()

    def describe(self) -> str:
        """One sentence saying what moved."""
        where = "to" if self.direction == "push" else "from"
        done = "Pushed" if self.direction == "push" else "Pulled"
        already = f" ({self.present} already there)" if self.present else ""
        restored = (
            f"; restored {len(self.restored)} output(s) in the workspace: "
            + ", ".join(self.restored[:5])
            + (" ..." if len(self.restored) > 5 else "")
            if self.restored
            else ""
        )
        if not self.moved:
            return f"Everything is up to date with DVC remote {self.remote!r}{already}{restored}."
        return (
            f"{done} {self.moved} object(s), {_size(self.size)}, {where} DVC remote "
            f"{self.remote!r}{already}{restored}."
        )


def push(
    path: str | os.PathLike[str] = ".",
    remote: str | Remote | None = None,
    commits: Sequence[tuple[str, str]] = (),
    jobs: int | None = None,
    stream: TextIO | None = None,
) -> TransferResult:
    """Send the objects the workspace (or each ``(label, commit)``) references to a remote.

    ``remote`` is a DVC remote's name (the default remote when None), or a :class:`Remote`.
    Raises ``MissingObjectsError`` naming what neither side has, after sending the rest.
    """
    root = find_dvc_root(Path(path))
    storage = _open(root, remote)
    outputs = _outputs(root, commits)
    wanted, _ = _expand(root, outputs)  # a manifest missing here is fine if the remote has it
    present = _remote_has(storage, wanted, jobs)
    send = [oid for oid in wanted if oid not in present and local_object(root, oid).is_file()]
    missing = [(wanted[oid], oid.md5) for oid in wanted if oid not in present and oid not in send]
    if send:
        storage.check(reading=False)
    total = sum(local_object(root, oid).stat().st_size for oid in send)
    progress = Progress(f"Pushing to {storage.remote.name!r}", len(send), total, _tty(stream))
    # Manifests last: one on the remote promises that the files it lists are there.
    files = [oid for oid in send if not oid.md5.endswith(".dir")]
    manifests = [oid for oid in send if oid.md5.endswith(".dir")]
    try:
        for batch in (files, manifests):
            _run_all(
                [_upload_task(storage, root, oid, progress) for oid in batch], jobs, "push", storage
            )
    finally:
        progress.close()
    if missing:
        raise MissingObjectsError("push", storage.remote.name, sorted(set(missing)))
    return TransferResult("push", storage.remote.name, len(send), total, len(wanted) - len(send))


def pull(
    path: str | os.PathLike[str] = ".",
    remote: str | Remote | None = None,
    commits: Sequence[tuple[str, str]] = (),
    jobs: int | None = None,
    stream: TextIO | None = None,
    checkout: bool = True,
) -> TransferResult:
    """Fetch the objects the workspace (or each ``(label, commit)``) references from a remote.

    Without ``commits`` and with ``checkout``, the ``.dvc`` outputs missing from the working
    tree are then restored. Raises ``MissingObjectsError`` naming what the remote lacks, after
    fetching the rest. ``remote`` is as for :func:`push`.
    """
    root = find_dvc_root(Path(path))
    storage = _open(root, remote)
    outputs = _outputs(root, commits)
    moved, size = 0, 0
    missing: list[tuple[str, str]] = []
    failed: TransferFailedError | None = None
    # First the manifests of directories, to learn their files, then everything else.
    manifests = {
        out.oid: out.source
        for out in outputs
        if out.oid.md5.endswith(".dir") and not local_object(root, out.oid).is_file()
    }
    for wanted in (manifests, None):
        if wanted is None:
            wanted, unknown = _expand(root, outputs)
            missing += unknown
        need = {
            oid: source for oid, source in wanted.items() if not local_object(root, oid).is_file()
        }
        try:
            count, nbytes, absent = _fetch(storage, root, need, jobs, stream)
        except TransferFailedError as error:  # the rest is restored before it is reported
            failed = failed or error
            continue
        moved, size = moved + count, size + nbytes
        missing += [(need[oid], oid.md5) for oid in absent]
    restored = _checkout(root, outputs) if checkout and not commits else []
    if failed is not None:
        raise failed
    if missing:
        raise MissingObjectsError("pull", storage.remote.name, sorted(set(missing)))
    present = len(_expand(root, outputs)[0]) - moved
    return TransferResult("pull", storage.remote.name, moved, size, present, tuple(restored))


def fetch_missing(
    path: str | os.PathLike[str], commits: Sequence[tuple[str, str]], remote: str | None = None
) -> TransferResult | None:
    """Pull into the cache what ``commits`` reference and the cache lacks (no checkout).

    None, without touching any remote, when the cache has everything already, or when no
    remote is named and the project has no default one.
    """
    root = find_dvc_root(Path(path))
    outputs = _outputs(root, commits)
    wanted, unknown = _expand(root, outputs)
    if not unknown and all(local_object(root, oid).is_file() for oid in wanted):
        return None
    if remote is None and load_config(root).default is None:
        return None
    return pull(root, remote=remote, commits=commits, checkout=False)


def _open(root: Path, remote: str | Remote | None) -> Storage:
    if isinstance(remote, Remote):
        return open_storage(remote)
    return open_storage(load_config(root).remote(remote))


def _fetch(
    storage: Storage,
    root: Path,
    need: dict[ObjectId, str],
    jobs: int | None,
    stream: TextIO | None,
) -> tuple[int, int, list[ObjectId]]:
    """Download ``need`` from the remote; (objects, bytes, those the remote lacks)."""
    if not need:
        return 0, 0, []
    storage.check(reading=True)
    sizes = _remote_sizes(storage, need, jobs)
    fetch = [oid for oid in need if oid in sizes]
    absent = [oid for oid in need if oid not in sizes]
    total = sum(sizes[oid] for oid in fetch)
    progress = Progress(f"Pulling from {storage.remote.name!r}", len(fetch), total, _tty(stream))
    try:
        _run_all(
            [_download_task(storage, root, oid, progress) for oid in fetch], jobs, "pull", storage
        )
    finally:
        progress.close()
    return len(fetch), total, absent


def _outputs(root: Path, commits: Sequence[tuple[str, str]]) -> list[Output]:
    if not commits:
        return workspace_outputs(root)
    with Repository.discover(root) as repo:
        return [out for label, sha in commits for out in commit_outputs(repo, sha, label)]


def _expand(
    root: Path, outputs: Iterable[Output]
) -> tuple[dict[ObjectId, str], list[tuple[str, str]]]:
    """Every object of ``outputs`` (a directory's files before its manifest) -> who names it.

    Returns also (source, md5) of manifests that are not in the local cache.
    """
    wanted: dict[ObjectId, str] = {}
    missing: list[tuple[str, str]] = []
    for out in outputs:
        if out.oid.md5.endswith(".dir"):
            entries = _manifest_entries(local_object(root, out.oid))
            if entries is None:
                missing.append((out.source, out.oid.md5))
                wanted.setdefault(out.oid, out.source)
                continue
            for relpath, md5 in entries:
                wanted.setdefault(ObjectId(md5, out.oid.legacy), f"{out.source}/{relpath}")
        wanted.setdefault(out.oid, out.source)
    return wanted, missing


def _manifest_entries(path: Path) -> list[tuple[str, str]] | None:
    """(relpath, md5) of a ``.dir`` manifest; None when it is not there (or unreadable)."""
    try:
        entries = json.loads(path.read_bytes())
    except (FileNotFoundError, ValueError):
        return None
    found = []
    for entry in entries if isinstance(entries, list) else ():
        md5 = entry.get("md5") if isinstance(entry, dict) else None
        if isinstance(md5, str) and len(md5) == 32 and set(md5) <= _MD5_ENTRY:
            found.append((str(entry.get("relpath", "")), md5))
    return found


def _groups(oids: Iterable[ObjectId]) -> list[tuple[bool, str]]:
    return sorted({(oid.legacy, oid.prefix) for oid in oids})


def _remote_sizes(
    storage: Storage, oids: Iterable[ObjectId], jobs: int | None
) -> dict[ObjectId, int]:
    """The size of each of ``oids`` the remote has (one listing per prefix)."""
    oids = list(oids)
    listings: dict[tuple[bool, str], dict[str, int]] = {}

    def lister(group: tuple[bool, str]) -> Callable[[], None]:
        return lambda: listings.__setitem__(group, storage.list_prefix(*group))

    _run_all([lister(group) for group in _groups(oids)], jobs, "list", storage)
    return {
        oid: listings[(oid.legacy, oid.prefix)][oid.md5]
        for oid in oids
        if oid.md5 in listings[(oid.legacy, oid.prefix)]
    }


def _remote_has(storage: Storage, oids: Iterable[ObjectId], jobs: int | None) -> set[ObjectId]:
    return set(_remote_sizes(storage, oids, jobs))


def _upload_task(
    storage: Storage, root: Path, oid: ObjectId, progress: Progress
) -> Callable[[], None]:
    def task() -> None:
        storage.upload(local_object(root, oid), oid, progress.add_bytes)
        progress.object_done()

    return task


def _download_task(
    storage: Storage, root: Path, oid: ObjectId, progress: Progress
) -> Callable[[], None]:
    def task() -> None:
        storage.download(oid, cache_folder(root, oid.legacy), progress.add_bytes)
        progress.object_done()

    return task


def _run_all(
    tasks: Sequence[Callable[[], None]], jobs: int | None, action: str, storage: Storage
) -> None:
    """Run ``tasks`` on threads; stop at once when the remote is out of reach or refuses."""
    if not tasks:
        return
    workers = max(1, min(jobs or 4 * (os.cpu_count() or 1), 64, len(tasks)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="live_nb-remote") as pool:
        futures = [pool.submit(task) for task in tasks]
        done, pending = wait(futures, return_when=FIRST_EXCEPTION)
        fatal = [
            f.exception()
            for f in done
            if isinstance(f.exception(), (RemoteAccessDeniedError, RemoteUnreachableError))
        ]
        if fatal:
            for future in pending:
                future.cancel()
            raise fatal[0]  # type: ignore[misc]
        wait(pending)
    errors = [f.exception() for f in futures if f.exception() is not None]
    for error in errors:
        if isinstance(error, (RemoteAccessDeniedError, RemoteUnreachableError)):
            raise error
    if errors:
        first = errors[0]
        if not isinstance(first, (LiveNbError, OSError)):
            raise first  # type: ignore[misc]
        raise TransferFailedError(
            action, storage.remote.name, len(errors), storage.shown(str(first))
        )


def _checkout(root: Path, outputs: Sequence[Output]) -> list[str]:
    """Restore the ``.dvc`` outputs absent from the working tree whose objects are cached."""
    restored = []
    by_file: dict[str, list[Output]] = {}
    for out in outputs:
        dvc_file = out.source.split(": ", 1)[0]
        if dvc_file.endswith(".dvc"):
            by_file.setdefault(dvc_file, []).append(out)
    for dvc_file, outs in sorted(by_file.items()):
        if any(os.path.lexists(root / out.path) for out in outs):
            continue
        try:
            restore_artifact(root / dvc_file)
        except MissingCacheObjectError:
            continue  # some content is still missing: reported by the caller
        restored += [out.path for out in outs]
    return restored


def _tty(stream: TextIO | None) -> TextIO:
    return stream if stream is not None else default_stream()


def _size(count: int) -> str:
    value = float(count)
    for unit in ("bytes", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{count} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"  # pragma: no cover
