"""A run continued from a checkpoint: its files restored, its chain extended or branched.

``Live(resume_from="NAME[@STEP]")`` (``%%live --resume-from``) finds the checkpoint (any name
``apply`` takes, ``NAME@STEP`` included), restores its output folder and its declared files
through ``apply``'s protections (what the working tree holds that is saved nowhere is first
backed up under ``refs/live_nb/backup/``, a declared file's content first put in DVC's
cache), and the run continues at the step after it. Its first checkpoint then decides where
the chain goes (:func:`same_code`): on the same experiment when the run resumed from that
experiment's last commit with the same code and params, else a new experiment whose first
checkpoint's parent is the one resumed (DVC 2's "modified checkpoint experiment").
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from live_nb.checkpoints.chain import ChainStart
from live_nb.experiments.chain import read_chain
from live_nb.experiments.refs import ExpRef, list_refs, resolve
from live_nb.experiments.restore import ApplyResult, apply
from live_nb.formats import artifacts
from live_nb.formats.metrics import drop_rows_from, inspect_metric_file
from live_nb.git import Repository

__all__ = ["Resumed", "reset", "restored_by_runner", "resume_from", "same_code"]

DERIVED_FILES = ("dvc.yaml", ".gitignore")
"""Files a run rewrites from what it logs: they differ without the code having changed."""


@dataclass(frozen=True)
class Resumed:
    """The checkpoint a run resumed from, what apply did, and where the chain goes."""

    exp: ExpRef
    commit: str
    applied: ApplyResult
    start: ChainStart
    files: tuple[Path, ...]  # the files declared at the checkpoint, absolute

    def describe(self) -> str:
        """Where the run resumed from, and the backup apply made, if any."""
        lines = [f"Resumed from experiment {self.exp.name!r} ({self.commit[:7]})."]
        if self.applied.restore_command:
            lines.append(self.applied.describe().split("\n", 1)[-1])
        return "\n".join(lines)


def resume_from(
    target: str,
    live_dir: Path,
    declared: Iterable[str | os.PathLike[str]] = (),
    name: str | None = None,
    keep: Sequence[str | os.PathLike[str]] = (),
) -> Resumed:
    """Restore checkpoint ``target``'s output folder and files; the chain's start.

    Raises ``UnknownExperimentError`` (with the closest names) when there is no such
    checkpoint, and what ``apply`` raises when something cannot be set aside.
    """
    with Repository.discover(".") as repo:
        exp, commit = resolve(repo, target)
        links = read_chain(repo, commit)
        files = links[0].files if links else []
        root = repo.root
        tip = dict(list_refs(repo)).get(exp)
    paths = [root / relative for relative in files] + [Path(os.path.abspath(p)) for p in declared]
    _cache_current(paths)
    only = [live_dir, *paths, *(path.with_name(path.name + ".dvc") for path in paths)]
    applied = apply(target, force=True, keep=keep, only=only)
    if links:
        cut_after(live_dir, links[0].resume_step)
    ignored = tuple(
        Path(os.path.relpath(path, root)).as_posix()
        for path in (live_dir.absolute(), *paths, *(p.with_name(p.name + ".dvc") for p in paths))
    )
    start = ChainStart(name, commit, exp if tip == commit else None, ignored)
    return Resumed(exp, commit, applied, start, tuple(paths))


def restored_by_runner(value: str, live_dir: Path) -> Resumed:
    """A headless run's resume: ``live-nb exp run`` restored its folder before it started.

    ``value`` is ``LIVE_NB_RESUMED``'s ``NAME@SHA``; the runner also saves the chain.
    """
    name, _, commit = value.rpartition("@")
    applied = ApplyResult(name, "", commit, str(live_dir.parent))
    return Resumed(ExpRef("", name), commit, applied, ChainStart(), ())


def cut_after(live_dir: Path, step: int) -> bool:
    """Drop the rows after ``step`` from the restored metric files; whether any were.

    A checkpoint's metric files may hold a few steps more than its files (they were read a
    moment later): the run goes on from the step they all hold. ``metrics.json`` is then
    rebuilt from the files by ``Live(resume=True)``.
    """
    cut = False
    folder = live_dir / "plots" / "metrics"
    for path in sorted(folder.rglob("*.tsv")) if folder.is_dir() else ():
        found = inspect_metric_file(path)
        if found is not None and found.last_step is not None and found.last_step > step:
            drop_rows_from(found, step + 1)
            cut = True
    if cut:
        (live_dir / "metrics.json").unlink(missing_ok=True)
    return cut


def _cache_current(paths: Iterable[Path]) -> None:
    """Put the files about to be restored in DVC's cache first: nothing is lost by resuming."""
    root = artifacts.find_dvc_root(Path.cwd())
    for path in paths:
        if path.is_file():
            artifacts.cache_artifact(path, root, link=False)


def same_code(repo: Repository, resumed: str, tree: str, ignored: Iterable[str]) -> bool:
    """Whether ``tree`` has the code and params of commit ``resumed``.

    Compared: every file but those under ``ignored`` (the output folder, the declared
    files and their ``.dvc`` files), notebooks (their outputs change with every run) and
    :data:`DERIVED_FILES`; the output folder's ``params.yaml`` is compared too.
    """
    ignored = [path.rstrip("/") for path in ignored]
    output = repo.run_bytes("diff-tree", "-r", "-z", "--name-only", f"{resumed}^{{tree}}", tree)
    for raw in filter(None, output.split(b"\0")):
        path = os.fsdecode(raw)
        if path.endswith("/params.yaml") and any(path == f"{p}/params.yaml" for p in ignored):
            return False
        if path.endswith(".ipynb") or path.rsplit("/", 1)[-1] in DERIVED_FILES:
            continue
        if any(path == p or path.startswith(p + "/") for p in ignored):
            continue
        return False
    return True


def reset(paths: Iterable[str | os.PathLike[str]]) -> list[str]:
    """Start over: remove the declared files, each first put in DVC's cache; those removed.

    The content stays in the cache, named by the file's ``.dvc`` file, and in every
    checkpoint that held it.
    """
    root = artifacts.find_dvc_root(Path.cwd())
    removed = []
    for path in paths:
        target = Path(path)
        if target.is_file() and not target.is_symlink():
            artifacts.cache_artifact(target, root, link=False)
            target.unlink()
            removed.append(os.fspath(path))
    return removed
