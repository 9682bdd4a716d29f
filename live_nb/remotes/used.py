"""Which cached outputs a workspace or a commit references, as ``dvc push``/``pull`` find them.

Outputs come from every ``.dvc`` file and every ``dvc.lock`` (its stages' ``outs``), read from
the working tree or from a commit's tree. An output marked ``cache: false`` (in the ``.dvc``
file, or in the stage's ``outs``/``metrics``/``plots`` of the ``dvc.yaml`` beside the lock) is
not in any cache and is skipped. md5s that are not 32 hex digits (with an optional ``.dir``)
are ignored, so a hand-edited file can never name a path outside the cache.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from live_nb.error import LiveNbError
from live_nb.formats.yaml import load_yaml
from live_nb.git import Repository
from live_nb.remotes.storage import ObjectId

__all__ = ["Output", "commit_outputs", "workspace_outputs"]

_MD5 = re.compile(r"^[0-9a-f]{32}(\.dir)?$")
_SKIPPED_DIRS = frozenset({".git", ".dvc", ".hg"})


@dataclass(frozen=True)
class Output:
    """One cached output: its object, its path (relative to the root) and who names it."""

    oid: ObjectId
    path: str
    source: str


def workspace_outputs(root: Path) -> list[Output]:
    """The outputs the working tree's ``.dvc`` and ``dvc.lock`` files reference."""
    root = Path(root)
    files = {}
    for relative in _workspace_dvc_files(root):
        try:
            files[relative] = (root / relative).read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            continue
    return outputs_in(files, "")


def commit_outputs(repo: Repository, commit: str, label: str) -> list[Output]:
    """The outputs the ``.dvc`` and ``dvc.lock`` files of ``commit``'s tree reference.

    ``label`` (an experiment's name) is added to each output's ``source``.
    """
    listing = repo.run_bytes("ls-tree", "-r", "-z", "--full-tree", commit)
    blobs: dict[str, str] = {}
    for entry in listing.split(b"\0"):
        meta, _, name = entry.partition(b"\t")
        parts = meta.split()
        if len(parts) == 3 and parts[1] == b"blob" and _is_dvc_file(os.fsdecode(name)):
            blobs[os.fsdecode(name)] = parts[2].decode("ascii")
    contents = repo.objects().read_many(blobs.values())
    files = {}
    for relative, sha in blobs.items():
        found = contents.get(sha)
        if found is not None:
            files[relative] = found[1]
    return outputs_in(files, label)


def outputs_in(files: Mapping[str, bytes], label: str) -> list[Output]:
    """The outputs of ``files`` (repo-relative posix path -> content)."""
    suffix = f" in {label}" if label else ""
    found: list[Output] = []
    for relative, content in sorted(files.items()):
        folder = relative.rpartition("/")[0]
        name = relative.rpartition("/")[2]
        data = _yaml(content)
        if name.endswith(".dvc"):
            outs = data.get("outs") if isinstance(data, dict) else None
            found += _outputs(outs, folder, f"{relative}{suffix}", frozenset())
        elif name == "dvc.lock":
            uncached = _uncached(_yaml(files.get(_join(folder, "dvc.yaml"), b"")))
            stages = data.get("stages") if isinstance(data, dict) else None
            for stage, lock in (stages or {}).items() if isinstance(stages, dict) else ():
                outs = lock.get("outs") if isinstance(lock, dict) else None
                source = f"{relative} (stage {stage}){suffix}"
                found += _outputs(outs, folder, source, uncached.get(str(stage), frozenset()))
    return found


def _outputs(outs: Any, folder: str, source: str, uncached: frozenset[str]) -> Iterator[Output]:
    for out in outs if isinstance(outs, list) else ():
        if not isinstance(out, dict) or out.get("cache") is False:
            continue
        md5, path = out.get("md5"), out.get("path")
        if not (isinstance(md5, str) and _MD5.match(md5) and isinstance(path, str)):
            continue
        if path in uncached:
            continue
        legacy = out.get("hash") != "md5"
        yield Output(ObjectId(md5, legacy), _join(folder, path), f"{source}: {path}")


def _uncached(dvcyaml: Any) -> dict[str, frozenset[str]]:
    """Stage name -> the paths its ``dvc.yaml`` entry marks ``cache: false``."""
    stages = dvcyaml.get("stages") if isinstance(dvcyaml, dict) else None
    result: dict[str, frozenset[str]] = {}
    for stage, body in stages.items() if isinstance(stages, dict) else ():
        if not isinstance(body, dict):
            continue
        paths = set()
        for key in ("outs", "metrics", "plots"):
            for entry in body.get(key) or () if isinstance(body.get(key), list) else ():
                if isinstance(entry, dict):
                    paths |= {
                        str(path)
                        for path, flags in entry.items()
                        if isinstance(flags, dict) and flags.get("cache") is False
                    }
        result[str(stage)] = frozenset(paths)
    return result


def _yaml(content: bytes) -> Any:
    try:
        return load_yaml(content.decode("utf-8"))
    except Exception:  # an unreadable file is DVC's to report; it names nothing to move
        return None


def _join(folder: str, path: str) -> str:
    return f"{folder}/{path}" if folder else path


def _is_dvc_file(relative: str) -> bool:
    parts = relative.split("/")
    if any(part in _SKIPPED_DIRS for part in parts[:-1]):
        return False
    return parts[-1].endswith(".dvc") or parts[-1] in ("dvc.lock", "dvc.yaml")


def _workspace_dvc_files(root: Path) -> Iterable[str]:
    """The ``.dvc``/``dvc.lock``/``dvc.yaml`` files of the working tree (Git's view when a repo)."""
    try:
        repo = Repository.discover(root)
    except LiveNbError:
        repo = None
    if repo is not None:
        with repo:
            inside = Path(os.path.relpath(root.resolve(), repo.root.resolve())).as_posix()
            output = repo.run_bytes(
                "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", inside
            )
        lead = "" if inside == "." else inside + "/"
        names = (os.fsdecode(name) for name in output.split(b"\0") if name)
        return sorted(
            {name[len(lead) :] for name in names if name.startswith(lead) and _is_dvc_file(name)}
        )
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [name for name in dirnames if name not in _SKIPPED_DIRS]
        here = Path(dirpath).relative_to(root).as_posix()
        found += [_join("" if here == "." else here, name) for name in filenames]
    return sorted(name for name in found if _is_dvc_file(name))
