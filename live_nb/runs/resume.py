"""A headless run resumed from a checkpoint (``exp run --resume-from NAME[@STEP]``), or reset.

Planned once for the whole grid (:func:`resume_point`, before anything is queued: an unknown
target gets the closest names). In the run's own folder (:func:`restore_into`) the snapshot's
output folders are replaced by the checkpoint's, cut back to the step its files all hold,
and its declared files are copied there from DVC's cache; the workspace is never involved,
so nothing of the user's can be overwritten. The run's ``Live`` then resumes at the next
step (``DVCLIVE_RESUME``, with ``LIVE_NB_RESUMED`` naming the checkpoint). The final save
(:func:`save_resumed`) extends the experiment's chain when the run resumed from its last
commit with the same code and params, else starts a new experiment on the checkpoint (DVC
2's "modified checkpoint experiment"); a grid's runs each resume from the same checkpoint.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from live_nb import env
from live_nb.error import LiveNbError
from live_nb.git import RefChangedError, Repository

if TYPE_CHECKING:
    from live_nb.experiments.save import SavedExperiment

__all__ = [
    "ResetAndResumeError",
    "ResumeOnClusterError",
    "ResumePoint",
    "check_executor",
    "child_environment",
    "reset_into",
    "restore_into",
    "resume_point",
    "save_resumed",
]


class ResumeOnClusterError(LiveNbError, ValueError):
    """``--resume-from`` with a Dask executor: the checkpoint's files are only here."""

    def __init__(self) -> None:
        """Say how to run it."""
        super().__init__(
            "--resume-from runs on this machine: the checkpoint's files are in this "
            "repository's DVC cache. Run it without --executor."
        )


def check_executor(resume_from: str | None, executor: object | None) -> None:
    """Refuse a resumed run on a cluster, before anything is queued."""
    if resume_from is not None and executor not in (None, "local"):
        raise ResumeOnClusterError()


class ResetAndResumeError(LiveNbError, ValueError):
    """``--reset`` and ``--resume-from`` given together."""

    def __init__(self) -> None:
        """Say which to keep."""
        super().__init__("--reset starts over and --resume-from continues: give one of them.")


@dataclass(frozen=True)
class ResumePoint:
    """The checkpoint a run resumes from, as the queue keeps it (plain data)."""

    target: str  # as the user typed it
    name: str  # the experiment's name
    ref: str  # the experiment's ref
    commit: str  # the checkpoint
    extend: bool  # the checkpoint is the experiment's last commit: its chain may go on
    step: int  # the last step its results and files all hold
    files: tuple[str, ...]  # its declared files, relative to the root

    def to_dict(self) -> dict[str, object]:
        """The point as JSON-ready data."""
        return {**self.__dict__, "files": list(self.files)}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> ResumePoint:
        """Read back :meth:`to_dict`'s data."""
        files = data.get("files")
        return cls(
            str(data["target"]), str(data["name"]), str(data["ref"]), str(data["commit"]),
            bool(data["extend"]), int(str(data["step"])),
            tuple(str(f) for f in files) if isinstance(files, list) else (),
        )  # fmt: skip


def resume_point(repo: Repository, target: str) -> ResumePoint:
    """The checkpoint ``target`` names; ``UnknownExperimentError`` with the closest names."""
    from live_nb.experiments.chain import read_chain
    from live_nb.experiments.refs import list_refs, resolve

    exp, commit = resolve(repo, target)
    links = read_chain(repo, commit)
    tip = dict(list_refs(repo)).get(exp)
    step = links[0].resume_step if links else -1
    files = tuple(sorted(links[0].files)) if links else ()
    return ResumePoint(target, exp.name, exp.ref, commit, tip == commit, step, files)


def restore_into(
    repo: Repository, point: ResumePoint, work: Path, live_dirs: list[str]
) -> list[str]:
    """Put the checkpoint's output folders and declared files into the run's folder.

    Returns the declared files whose content the cache lacks (the run goes on without them).
    """
    from live_nb.checkpoints.resume import cut_after

    for live_dir in live_dirs:
        _remove(work / live_dir)
    dvc_files = [f"{path}.dvc" for path in point.files]
    _extract(repo, point.commit, [*live_dirs, *dvc_files], work)
    for live_dir in live_dirs:
        if point.step >= 0 and (work / live_dir).is_dir():
            cut_after(work / live_dir, point.step)
    return [path for path in point.files if not _copy_from_cache(repo.root, work, path)]


def reset_into(work: Path, live_dirs: list[str]) -> None:
    """Start over: the snapshot's output folders go, so nothing of an earlier run is resumed."""
    for live_dir in live_dirs:
        _remove(work / live_dir)


def child_environment(point: ResumePoint | None, reset: bool) -> dict[str, str]:
    """What the run's process is told: resume (and from which checkpoint), or start over."""
    if point is not None:
        return {env.DVCLIVE_RESUME: "1", env.LIVE_NB_RESUMED: f"{point.name}@{point.commit}"}
    return {env.DVCLIVE_RESUME: "0"} if reset else {}


def save_resumed(
    root: Path,
    point: ResumePoint,
    baseline: str,
    tree: str,
    name: str,
    message: str,
    trailers: Mapping[str, str],
    live_dirs: list[str],
    work: Path,
) -> SavedExperiment:
    """The run's final save on the checkpoint's chain (see the module's docstring)."""
    from live_nb.checkpoints.chain import ChainStart, ChainWriter
    from live_nb.experiments.refs import ExpRef

    step = _last_step(work, live_dirs)
    files = {path: step for path in point.files if (work / path).is_file()}
    ignored = (*live_dirs, *point.files, *(f"{path}.dvc" for path in point.files))
    extend = ExpRef.parse(point.ref) if point.extend else None
    start = ChainStart(name, point.commit, extend, ignored)
    try:
        return ChainWriter(root, start).save_tree(baseline, tree, message, trailers, step, files)
    except RefChangedError:  # another run of the grid extended the chain first
        start = ChainStart(name, point.commit, None, ignored)
        return ChainWriter(root, start).save_tree(baseline, tree, message, trailers, step, files)


def _last_step(work: Path, live_dirs: list[str]) -> int:
    steps = [0]
    for live_dir in live_dirs:
        try:
            step = json.loads((work / live_dir / "metrics.json").read_text()).get("step")
        except (OSError, ValueError, AttributeError):
            continue
        if type(step) is int:
            steps.append(step)
    return max(steps)


def _extract(repo: Repository, commit: str, paths: list[str], work: Path) -> None:
    """``commit``'s files under ``paths`` into ``work`` (the ones it has; links kept inside)."""
    from live_nb.runs.snapshot import materialise

    literal = {"GIT_LITERAL_PATHSPECS": "1"}
    listed = repo.run_bytes("ls-tree", "-z", "--name-only", commit, "--", *paths, env=literal)
    present = [os.fsdecode(name) for name in listed.split(b"\0") if name]
    if present:
        materialise(repo, commit, work, present)


def _copy_from_cache(root: Path, work: Path, relative: str) -> bool:
    """Copy a declared file's content, named by its ``.dvc`` file, from the project's cache."""
    from live_nb.formats.cachelink import md5_cache

    md5 = _file_md5(work / f"{relative}.dvc")
    if md5 is None:
        return False
    source = md5_cache(root) / md5[:2] / md5[2:]
    target = work / relative
    if not source.is_file() or not _inside(target, work):
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove(target)
    shutil.copyfile(source, target)  # a copy: the run may rewrite it, the cache stays whole
    return True


def _file_md5(dvc_file: Path) -> str | None:
    """The md5 of the one file a ``.dvc`` file names (None for a folder, or none)."""
    from live_nb.formats.yaml import load_yaml

    try:
        data = load_yaml(dvc_file.read_text(encoding="utf-8"))
        outs = data.get("outs") if isinstance(data, dict) else None
        md5 = outs[0]["md5"] if isinstance(outs, list) and len(outs) == 1 else None
    except (OSError, ValueError, AttributeError, KeyError, TypeError):
        return None
    return md5 if isinstance(md5, str) and re.fullmatch(r"[0-9a-f]{32}", md5) else None


def _inside(path: Path, folder: Path) -> bool:
    try:
        Path(os.path.realpath(path.parent)).relative_to(os.path.realpath(folder))
    except ValueError:
        return False
    return True


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        from live_nb.runs.snapshot import remove_folder

        remove_folder(path)
