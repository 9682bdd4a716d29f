"""``live-nb repro``: run the changed stages in dependency order, as ``dvc repro`` does.

A stage runs when ``--force`` is given or ``status`` finds a change (checked just before
it runs, so a stage downstream of one that ran sees its new outputs). Its outputs, except
``persist: true`` ones, are removed first; each line of ``cmd`` runs as DVC runs it:
``$SHELL -c LINE`` (``/bin/sh`` without ``SHELL``; bash and zsh without their rc files), in
the stage's ``wdir``, with ``DVC_ROOT`` and ``DVC_STAGE`` set. Then the cached outputs
go to ``.dvc/cache/files/md5`` (linked back with the configured cache type, added to
``.gitignore``) and the stage's entry is written to ``dvc.lock`` and the run-cache. A stage
whose inputs match a run in the run-cache is checked out from it instead (not with
``--force``); a frozen stage is not run, only its outputs checked.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from live_nb.formats.artifacts import cache_output
from live_nb.pipelines import runcache
from live_nb.pipelines.errors import PipelineError, StageFailedError
from live_nb.pipelines.graph import Graph
from live_nb.pipelines.hashing import HashCache
from live_nb.pipelines.lock import read_lock, stage_entry, write_lock
from live_nb.pipelines.schedule import Schedule, run_in_order
from live_nb.pipelines.stage import Stage
from live_nb.pipelines.status import stage_status

__all__ = ["ReproResult", "reproduce", "shell_command"]

_SHELL_OPTIONS = {"bash": ["--noprofile", "--norc"], "zsh": ["--no-rcs"]}


@dataclass
class ReproResult:
    """The stages that ran (or would, with ``dry``), came from the run-cache, or were unchanged."""

    ran: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def shell_command(line: str) -> list[str]:
    """The argv DVC uses to run one line of ``cmd``: the user's shell with ``-c``."""
    shell = os.environ.get("SHELL") or "/bin/sh"
    return [shell, *_SHELL_OPTIONS.get(os.path.basename(shell).lower(), []), "-c", line]


def reproduce(
    root: Path,
    graph: Graph,
    targets: Sequence[str] = (),
    *,
    force: bool = False,
    dry: bool = False,
    single_item: bool = False,
    downstream: bool = False,
    jobs: int = 1,
    say: Callable[[str], None] = print,
    on_stage: Callable[[str, str], None] | None = None,
    echo: Callable[[str], None] | None = None,
) -> ReproResult:
    """Run the changed stages among ``targets`` (all by default) and update ``dvc.lock``.

    ``jobs`` > 1 runs independent stages at the same time (``schedule.py``); a failure then
    stops only what is downstream of it, and ``StageFailedError`` names all that failed.
    ``on_stage(name, state)`` follows each stage: ``running``, then ``ran``, ``restored``,
    ``skipped`` (unchanged), ``verified`` (frozen) or ``failed``. ``echo``: where the
    commands' output goes, line by line (default: this process's standard output and error).
    """
    names = graph.select(targets, single=single_item, downstream=downstream)
    run = _Repro(root, graph, force, dry, say, on_stage or (lambda _name, _state: None))
    run.echo = echo
    try:
        if jobs <= 1 or dry:
            for name in names:
                run.stage(name)
        else:
            _raise_failures(graph, run_in_order(names, graph.upstream, jobs, run.stage))
    finally:
        run.hashes.save()
    return run.result


def _raise_failures(graph: Graph, outcome: Schedule) -> None:
    if not outcome.failed:
        return
    details = [
        error.detail if isinstance(error, PipelineError) else f"stage '{name}': {error}"
        for name, error in outcome.failed.items()
    ]
    if outcome.blocked:
        details.append("not run because of it: " + ", ".join(outcome.blocked))
    first = graph.stages[next(iter(outcome.failed))]
    raise StageFailedError(graph.relpath, "; ".join(details), first.line)


class _Repro:
    """One repro's shared state; ``stage(name)`` checks, runs and records one stage."""

    def __init__(
        self,
        root: Path,
        graph: Graph,
        force: bool,
        dry: bool,
        say: Callable[[str], None],
        on_stage: Callable[[str, str], None],
    ) -> None:
        self.root, self.graph, self.force, self.dry = root, graph, force, dry
        self.result = ReproResult()
        self.hashes = HashCache(root)
        self.locks = {
            file: read_lock(root, file) for file in {s.lockfile for s in graph.stages.values()}
        }
        self.kept = {file: set(lock) for file, lock in self.locks.items()}
        self._guard = threading.Lock()
        self._say, self._on_stage = say, on_stage
        self.echo: Callable[[str], None] | None = None

    def _in_order(self) -> list[Stage]:
        return [self.graph.stages[name] for name in self.graph.order]

    def say(self, text: str) -> None:
        with self._guard:
            self._say(text)

    def stage(self, name: str) -> None:
        stage = self.graph.stages[name]
        lock = self.locks[stage.lockfile]
        if not (self.force or stage_status(self.root, stage, lock.get(stage.name), self.hashes)):
            self.say(f"Stage '{name}' didn't change, skipping")
            self.result.skipped.append(name)
            self._on_stage(name, "skipped")
            return
        self._on_stage(name, "running")
        try:
            how = _reproduce_one(
                self.root, stage, self.force, self.dry, self.hashes, self.say, self.echo
            )
            (self.result.restored if how == "restored" else self.result.ran).append(name)
            if not self.dry:
                with self._guard:
                    names = [s.name for s in self._in_order() if s.lockfile == stage.lockfile]
                    kept = self.kept[stage.lockfile]
                    lock[stage.name] = _record(self.root, stage, self.hashes, names, kept)
        except BaseException:
            self._on_stage(name, "failed")
            raise
        self._on_stage(name, how)


def _reproduce_one(
    root: Path,
    stage: Stage,
    force: bool,
    dry: bool,
    hashes: HashCache,
    say: Callable[[str], None],
    echo: Callable[[str], None] | None = None,
) -> str:
    """Run, restore or (frozen) verify one stage, as DVC's ``Stage.run`` does; say which."""
    if stage.frozen:
        say(f"Verifying outputs in frozen stage: '{stage.address}'")
        missing = [o.path for o in stage.outs if not (root / stage.path(o.path)).exists()]
        if missing and not dry:
            raise StageFailedError(
                stage.dvcfile,
                f"frozen stage '{stage.address}' is missing its output '{missing[0]}'",
            )
        return "verified"
    if not dry:
        for out in stage.outs:
            if not out.persist:
                _remove(root / stage.path(out.path))
    if not force and runcache.restore(root, stage, hashes, checkout=not dry) is not None:
        say(f"Stage '{stage.address}' is cached - skipping run, checking out outputs")
        if not dry:
            return "restored"
    _run(root, stage, dry, say, echo)
    return "ran"


def _run(
    root: Path,
    stage: Stage,
    dry: bool,
    say: Callable[[str], None],
    echo: Callable[[str], None] | None,
) -> None:
    say(f"Running stage '{stage.address}':")
    env = {**os.environ, "DVC_ROOT": str(root.resolve()), "DVC_STAGE": stage.address}
    for line in stage.cmd:
        say(f"> {line}")
        if dry:
            continue
        status = _execute(shell_command(line), root / stage.wdir, env, echo)
        if status != 0:
            raise StageFailedError(
                stage.dvcfile,
                f"stage '{stage.address}': failed to reproduce: '{line}' exited with status "
                f"{status}",
                stage.line,
            )


def _execute(
    argv: list[str], cwd: Path, env: dict[str, str], echo: Callable[[str], None] | None
) -> int:
    if echo is None:
        return subprocess.run(argv, cwd=cwd, env=env, check=False).returncode
    with subprocess.Popen(
        argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    ) as process:  # fmt: skip
        assert process.stdout is not None
        for raw in iter(process.stdout.readline, b""):
            echo(raw.decode("utf-8", "replace"))
        return process.wait()


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def _record(
    root: Path, stage: Stage, hashes: HashCache, names: list[str], kept: set[str]
) -> dict[str, Any]:
    for out in stage.outs:
        target = root / stage.path(out.path)
        if out.cache and target.exists():
            cache_output(target, root.resolve())
    entry = stage_entry(root, stage, hashes)
    write_lock(root, {stage.name: entry}, names, kept, stage.lockfile)
    runcache.save(root, stage, entry)
    return entry
