"""One run from start to end: its folder, its params, its execution, its experiment.

:func:`run_one` writes the snapshot into the run's own folder, applies the point's settings
there, executes the notebook or command, reads the folder back into a tree and saves it as an
experiment of the baseline the run was queued on, with its status, duration and params as
commit trailers. Artifacts the run cached are copied into the repository's DVC cache. The
user's HEAD, index and working tree are never touched; the folder is removed at the end.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from live_nb.env import LIVE_NB_RUN_ID, LIVE_NB_RUN_NAME
from live_nb.git import Repository
from live_nb.runs.execute import (
    FAILED,
    Outcome,
    RunControl,
    run_command,
    run_environment,
    run_notebook,
)
from live_nb.runs.resolve import apply_point
from live_nb.runs.result import RunResult
from live_nb.runs.snapshot import materialise, remove_folder, result_tree, runs_folder
from live_nb.runs.spec import NOTEBOOK, RunSpec, placement_key

if TYPE_CHECKING:
    from live_nb.experiments.save import SavedExperiment

__all__ = ["import_cache", "run_one", "run_trailers", "save_outcome", "save_run"]

_MAX_NAME_SUFFIX = 1000


def run_one(
    spec: RunSpec,
    root: Path,
    log: TextIO,
    control: RunControl | None = None,
    keep_folder: bool = False,
) -> RunResult:
    """Execute ``spec`` in a folder of its own and save it as an experiment."""
    control = control or RunControl(spec.timeout)
    with Repository.discover(root) as repo:
        folder = runs_folder(repo.git_dir) / spec.id
        work = folder / "work"
        try:
            outcome = _prepare_and_execute(spec, repo, folder, work, log, control)
            return save_outcome(spec, repo, work, folder, outcome)
        finally:
            if not keep_folder and folder.exists():
                remove_folder(folder)


def _prepare_and_execute(
    spec: RunSpec, repo: Repository, folder: Path, work: Path, log: TextIO, control: RunControl
) -> Outcome:
    started = time.monotonic()
    try:
        if work.exists():
            remove_folder(work)
        materialise(repo, spec.tree, work)
        _forget_latest(spec, work)
        _resume_or_reset(spec, repo, work, log)
        apply_point(spec.settings, spec.placement_map(), work, spec.target)
    except Exception as error:
        log.write(f"live_nb: cannot prepare the run: {error}\n")
        return Outcome(FAILED, f"cannot prepare the run: {error}", time.monotonic() - started)
    log.write(f"live_nb: running {spec.describe_target()} {spec.params_text()}\n".rstrip() + "\n")
    log.flush()
    told = {LIVE_NB_RUN_ID: spec.id, LIVE_NB_RUN_NAME: spec.name, **_resume_environment(spec)}
    env = run_environment(work, told)
    if spec.kind == NOTEBOOK and spec.target:
        saved_environ = dict(os.environ)
        os.environ.update(env)  # nbclient's kernel inherits this process's environment
        try:
            return run_notebook(work / spec.target, work, folder / "private", log, control)
        finally:
            os.environ.clear()
            os.environ.update(saved_environ)
    return run_command(spec.command, work, log, control, env)


def _resume_or_reset(spec: RunSpec, repo: Repository, work: Path, log: TextIO) -> None:
    """``--resume-from``: the checkpoint's results and files in the run's folder (see resume)."""
    from live_nb.runs.resume import ResumePoint, reset_into, restore_into

    if spec.resume:
        point = ResumePoint.from_dict(spec.resume)
        missing = restore_into(repo, point, work, spec.live_dirs)
        log.write(f"live_nb: resuming from {point.target!r} ({point.commit[:7]}), ")
        log.write(f"at step {point.step + 1}\n")
        for path in missing:
            log.write(f"live_nb: {path} is not in DVC's cache: the run starts without it\n")
    elif spec.reset:
        reset_into(work, spec.live_dirs)


def _resume_environment(spec: RunSpec) -> dict[str, str]:
    from live_nb.runs.resume import ResumePoint, child_environment

    point = ResumePoint.from_dict(spec.resume) if spec.resume else None
    return child_environment(point, spec.reset)


def save_outcome(
    spec: RunSpec,
    repo: Repository,
    work: Path,
    folder: Path,
    outcome: Outcome,
    extra_trailers: Mapping[str, str] | None = None,
) -> RunResult:
    """Save the run's folder as an experiment (when there is one to save); the result."""
    result = RunResult(
        spec.id, spec.name, outcome.status, error=outcome.error, duration=outcome.duration
    )
    result.params = spec.params_text()
    if not work.exists():
        return result
    _log_cell_params(spec, work)
    force = [*spec.live_dirs, *([spec.target] if spec.target else [])]
    tree = result_tree(repo, work, spec.tree, folder / "index", force)
    import_cache(work, repo.root)
    trailers = run_trailers(spec, outcome, extra_trailers)
    message = spec.message or f"live-nb exp run {spec.describe_target()}: {outcome.status}"
    saved: SavedExperiment | None
    if spec.resume:
        from live_nb.runs.resume import ResumePoint, save_resumed

        point = ResumePoint.from_dict(spec.resume)
        saved = save_resumed(
            repo.root, point, spec.baseline, tree, spec.name, message, trailers,
            spec.live_dirs, work,
        )  # fmt: skip
    else:
        saved = save_run(repo.root, spec, tree, message, trailers)
    if saved is not None:
        result.experiment, result.commit = saved.name, saved.commit
    return result


def _forget_latest(spec: RunSpec, work: Path) -> None:
    """Drop the snapshot's ``metrics.json`` (an earlier run's) from the run's live folders.

    Until the run's own ``Live`` writes it, the progress views would show that earlier run's
    step and metrics as this one's. ``Live`` rewrites it (a resumed run rebuilds it from the
    metric files), so nothing is lost.
    """
    for live_dir in spec.live_dirs:
        (work / live_dir / "metrics.json").unlink(missing_ok=True)


def _log_cell_params(spec: RunSpec, work: Path) -> None:
    """Add the values set in the notebook's parameters cell to each live folder's params.

    ``%%live --param`` values are logged by the cell itself; a parameters cell's are not,
    and a run's params must show in ``exp show`` (and DVC's) whichever place they went to.
    """
    from live_nb.formats.files import atomic_write
    from live_nb.formats.yaml import dump_yaml, load_yaml
    from live_nb.runs.resolve import PARAMETERS

    injected = {
        s.key: s.value
        for s in spec.settings
        if s.has_value and spec.placements[placement_key(s)].kind == PARAMETERS
    }
    for live_dir in spec.live_dirs if injected else []:
        path = work / live_dir / "params.yaml"
        if not path.is_file():
            continue
        logged = load_yaml(path.read_text(encoding="utf-8"))
        if isinstance(logged, dict):
            atomic_write(path, dump_yaml({**injected, **logged}))


def save_run(
    root: Path, spec: RunSpec, tree: str, message: str, trailers: Mapping[str, str]
) -> SavedExperiment | None:
    """Save ``tree`` as the run's experiment, under its name or ``NAME-2``, ``NAME-3``..."""
    from live_nb.experiments.save import ExperimentExistsError, save_tree

    for name in [spec.name, *(f"{spec.name}-{n}" for n in range(2, _MAX_NAME_SUFFIX))]:
        try:
            return save_tree(root, tree, spec.baseline, name, message, trailers)
        except ExperimentExistsError:
            continue
    return None


def run_trailers(
    spec: RunSpec, outcome: Outcome, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The commit trailers of a run: status, duration, id, notebook or command, params."""
    trailers = {
        "Live-Nb-Status": outcome.status,
        "Live-Nb-Duration": f"{outcome.duration:.3f}s",
        "Live-Nb-Run": spec.id,
    }
    if spec.kind == NOTEBOOK and spec.target:
        trailers["Live-Nb-Notebook"] = spec.target
    else:
        trailers["Live-Nb-Command"] = " ".join(spec.command)
    if spec.settings:
        trailers["Live-Nb-Params"] = spec.params_text()
    if outcome.error:
        trailers["Live-Nb-Error"] = outcome.error[:500]
    trailers["Live-Nb-Python"] = sys.version.split()[0]
    if spec.signature:
        trailers["Live-Nb-Run-Signature"] = spec.signature
    trailers.update(extra or {})
    return trailers


def import_cache(work: Path, root: Path) -> int:
    """Copy the DVC cache objects the run added into the repository's cache; how many."""
    from live_nb.formats.artifacts import ensure_dvc_dir
    from live_nb.formats.cachelink import cache_dir

    source = cache_dir(work / ".dvc")
    if not source.is_dir():
        return 0
    ensure_dvc_dir(root)  # as log_artifact would: DVC's layout, its .gitignore hiding the cache
    cache = cache_dir(root / ".dvc")  # DVC's cache.dir, else .dvc/cache
    if cache.resolve() == source.resolve():
        return 0  # the run's config names the same cache: it wrote there itself
    copied = 0
    for current, _, names in os.walk(source):
        for name in names:
            origin = Path(current) / name
            target = cache / origin.relative_to(source)
            if target.exists():
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_name(f".{name}.live_nb-{os.getpid()}.tmp")
            shutil.copy2(origin, temporary)
            os.replace(temporary, target)
            copied += 1
    return copied
