"""From what a user typed to the runs to make: one :class:`RunSpec` per point of the grid.

Everything a run needs is checked here, before anything runs: the notebook exists, is inside
the repository and is a notebook; every ``-S`` parses and its key resolves to one place. The
workspace is snapshotted once for the whole grid.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Collection, Sequence
from pathlib import Path

from live_nb.error import LiveNbError
from live_nb.git import Repository
from live_nb.runs.params import grid as make_grid
from live_nb.runs.params import parse_override
from live_nb.runs.resolve import cell_source, read_notebook, resolve
from live_nb.runs.runcache import signatures
from live_nb.runs.spec import NOTEBOOK, SCRIPT, RunSpec, new_run_id, placement_key

__all__ = ["NotebookOutsideError", "NothingToRunError", "pipeline_command", "plan_runs"]


class NothingToRunError(LiveNbError, ValueError):
    """Neither a notebook nor a command was given."""

    def __init__(self) -> None:
        """Say what to give."""
        super().__init__(
            "Nothing to run: give a notebook (e.g. train.ipynb) or a command after -- "
            "(e.g. -- python train.py), or write the pipeline's stages in dvc.yaml."
        )


class NotebookOutsideError(LiveNbError, ValueError):
    """A notebook path that is not a notebook inside the repository."""

    def __init__(self, path: str, reason: str) -> None:
        """Name the path and what is wrong."""
        super().__init__(f"Cannot run {path!r}: {reason}.")


def plan_runs(
    target: str | os.PathLike[str] | None = None,
    command: Sequence[str] = (),
    params: Sequence[str] = (),
    name: str | None = None,
    message: str | None = None,
    timeout: float | None = None,
    run_cache: bool = True,
    path: str | os.PathLike[str] = ".",
    taken: Collection[str] = (),
    resume_from: str | None = None,
    reset: bool = False,
) -> list[RunSpec]:
    """The runs of ``target`` (a notebook) or ``command``, one per point of ``params``' grid.

    ``taken``: names already used (by queued runs) besides the baseline's experiments.
    ``resume_from``: a checkpoint (``NAME[@STEP]``) every run of the grid resumes from (see
    :mod:`.resume`); ``reset``: start over instead.
    """
    from live_nb.experiments.save import workspace_tree
    from live_nb.runs.resume import ResetAndResumeError, resume_point

    if reset and resume_from is not None:
        raise ResetAndResumeError()
    overrides = [parse_override(item) for item in params]
    with Repository.discover(path) as repo:
        resumed = resume_point(repo, resume_from) if resume_from is not None else None
        if target is None and not command:
            command = pipeline_command(repo.root)
        notebook, document = None, None
        if target is not None:
            notebook = _notebook_in(repo, Path(path) / target)  # relative to path, as git -C
            document = read_notebook(repo.root / notebook)
        placements = resolve(overrides, repo.root, document, notebook or "the command")
        baseline, tree = workspace_tree(repo.root)
        names = _names(repo, baseline, name, len(make_grid(overrides)), taken)
    kind = NOTEBOOK if notebook else SCRIPT
    live_dirs = _live_dirs(document) if document is not None else ["dvclive"]
    specs = []
    for point, run_name in zip(make_grid(overrides), names):
        placed = {placement_key(s): placements[(s.file, s.key)] for s in point}
        specs.append(
            RunSpec(
                id=new_run_id(),
                name=run_name,
                kind=kind,
                baseline=baseline,
                tree=tree,
                target=notebook,
                command=list(command),
                settings=list(point),
                placements=placed,
                message=message,
                timeout=timeout,
                run_cache=run_cache and resumed is None,  # a resumed run always trains on
                live_dirs=live_dirs,
                resume=resumed.to_dict() if resumed is not None else None,
                reset=reset,
            )
        )
    with Repository.discover(path) as repo:
        signatures(repo, specs)
    return specs


def pipeline_command(root: Path) -> list[str]:
    """With neither notebook nor command: ``live-nb repro`` of the project's ``dvc.yaml``.

    As ``dvc exp run`` does: ``-S`` edits the params files in the run's snapshot and the
    pipeline's changed stages run there; the result is one experiment.
    """
    if not (root / "dvc.yaml").is_file():
        raise NothingToRunError()
    return [sys.executable, "-m", "live_nb", "repro"]


def _notebook_in(repo: Repository, target: Path) -> str:
    absolute = Path(os.path.abspath(target))
    try:
        relative = absolute.resolve().relative_to(repo.root.resolve())
    except ValueError:
        raise NotebookOutsideError(
            str(target), f"it is outside the repository at {str(repo.root)!r}"
        ) from None
    if not absolute.is_file():
        raise NotebookOutsideError(str(target), "no such notebook")
    if absolute.suffix != ".ipynb":
        raise NotebookOutsideError(
            str(target), "not a notebook (.ipynb); run a script with -- python SCRIPT"
        )
    return relative.as_posix()


def _names(
    repo: Repository, baseline: str, name: str | None, count: int, taken: Collection[str]
) -> list[str]:
    from live_nb.experiments.names import check_experiment_name, random_name
    from live_nb.experiments.refs import baseline_refs

    if name is not None:
        check_experiment_name(name)
        return [name] if count == 1 else [f"{name}-{n}" for n in range(1, count + 1)]
    used = {exp.name for exp, _ in baseline_refs(repo, baseline)} | set(taken)
    names = []
    for _ in range(count):
        names.append(random_name(used))
        used.add(names[-1])
    return names


def _live_dirs(document: dict[str, object]) -> list[str]:
    """The ``--dir`` of each ``%%live`` cell (``dvclive`` by default)."""
    folders = {"dvclive"}
    cells = document.get("cells", [])
    for cell in cells if isinstance(cells, list) else []:
        first = cell_source(cell).lstrip("\n").split("\n", 1)[0]
        if not first.startswith("%%live"):
            continue
        try:
            tokens = shlex.split(first[len("%%live") :])
        except ValueError:
            continue
        for index, token in enumerate(tokens[:-1]):
            if token == "--dir":
                folders.add(tokens[index + 1])
        folders.update(t[len("--dir=") :] for t in tokens if t.startswith("--dir="))
    return sorted(folders)
