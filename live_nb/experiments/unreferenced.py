"""The artifact objects in DVC's cache that only dropped commits referenced, deleted.

After a ref moved off some commits (a pruned checkpoint chain), the ``.dvc`` and
``dvc.lock`` files that only those commits hold name the candidates; an object stays when
anything else still names it: a commit any ref reaches (experiments, branches, tags, apply's
backups), the index, or a ``.dvc``/``dvc.lock`` file of the working tree. A folder's
``.dir`` manifest takes its files with it, or keeps them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from live_nb.formats.artifacts import find_dvc_root, object_path
from live_nb.git import Repository
from live_nb.remotes.used import outputs_in, workspace_outputs

__all__ = ["DeletedObjects", "delete_unreferenced"]


@dataclass(frozen=True)
class DeletedObjects:
    """The objects deleted from DVC's cache, and their size."""

    count: int = 0
    size: int = 0

    def describe(self) -> str:
        """How many objects, how many bytes."""
        return f"Deleted {self.count} artifact object(s) ({_size(self.size)}) from DVC's cache."


def delete_unreferenced(repo: Repository, old_tip: str) -> DeletedObjects:
    """Delete what only the commits below ``old_tip`` that no ref reaches referenced."""
    candidates = _md5s(repo, _dvc_blobs(repo, old_tip, "--not", "--all"))
    if not candidates:
        return DeletedObjects()
    root = find_dvc_root(repo.root)
    cache = root / ".dvc" / "cache" / "files" / "md5"
    kept = _md5s(repo, {**_dvc_blobs(repo, "--all"), **_index_blobs(repo)})
    kept |= {out.oid.md5 for out in workspace_outputs(repo.root) if not out.oid.legacy}
    doomed = _with_members(cache, candidates) - _with_members(cache, kept)
    count = size = 0
    for md5 in sorted(doomed):
        target = object_path(cache, md5)
        try:
            size += target.stat().st_size
            target.unlink()
        except OSError:  # gone already, or not ours to remove
            continue
        count += 1
    return DeletedObjects(count, size)


def _dvc_blobs(repo: Repository, *revisions: str) -> dict[str, str]:
    """The ``.dvc`` and ``dvc.lock`` objects ``rev-list --objects`` reaches, with their names."""
    output = repo.run_bytes("rev-list", "--objects", *revisions)
    found = {}
    for line in output.split(b"\n"):
        sha, _, name = line.partition(b" ")
        base = os.fsdecode(name).rsplit("/", 1)[-1]
        if _is_dvc_file(base):
            found[sha.decode("ascii")] = base
    return found


def _index_blobs(repo: Repository) -> dict[str, str]:
    """The ``.dvc`` and ``dvc.lock`` objects the index holds (staged, maybe not committed)."""
    output = repo.run_bytes("ls-files", "-s", "-z")
    found = {}
    for entry in filter(None, output.split(b"\0")):
        meta, _, name = entry.partition(b"\t")
        base = os.fsdecode(name).rsplit("/", 1)[-1]
        parts = meta.split()
        if len(parts) == 3 and _is_dvc_file(base):
            found[parts[1].decode("ascii")] = base
    return found


def _is_dvc_file(base: str) -> bool:
    return (base.endswith(".dvc") and base != ".dvc") or base == "dvc.lock"


def _md5s(repo: Repository, blobs: Mapping[str, str]) -> set[str]:
    """The md5s (DVC 3's layout) that the ``.dvc``/``dvc.lock`` objects ``blobs`` name."""
    contents = repo.objects().read_many(blobs)
    files = {
        f"{index}/{blobs[sha]}": found[1]
        for index, (sha, found) in enumerate(contents.items())
        if found is not None and found[0] == "blob"
    }
    return {out.oid.md5 for out in outputs_in(files, "") if not out.oid.legacy}


def _with_members(cache: Path, md5s: set[str]) -> set[str]:
    """``md5s`` with the files of each folder manifest among them that the cache holds."""
    every = set(md5s)
    for md5 in md5s:
        if not md5.endswith(".dir"):
            continue
        try:
            manifest = json.loads(object_path(cache, md5).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for item in manifest if isinstance(manifest, list) else ():
            member = item.get("md5") if isinstance(item, dict) else None
            if isinstance(member, str) and len(member) == 32:
                every.add(member)
    return every


def _size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"
