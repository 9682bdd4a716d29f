"""Running experiments from Python: queue, run, follow, stop and forget runs.

``run()`` executes a notebook (or a command) once per point of its ``-S`` grid and returns a
:class:`Runs` to wait on; ``background=True`` hands them to a background worker and returns
at once. The queue is the repository's, shared with ``live-nb queue`` and ``%exp_run``.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from live_nb.error import LiveNbError
from live_nb.git import Repository
from live_nb.runs.queue import FINISHED, QUEUED, RUNNING, Entry, Queue, iter_active
from live_nb.runs.result import RunResult

if TYPE_CHECKING:
    from live_nb.experiments.show import PendingRun
    from live_nb.runs.worker import Executor

__all__ = [
    "Entry",
    "InvalidJobsError",
    "Run",
    "Runs",
    "kill",
    "logs",
    "queue",
    "remove",
    "run",
    "start",
    "status",
]

PathLike = str | os.PathLike[str]


class RunTimeoutError(LiveNbError, TimeoutError):
    """``wait(timeout=...)`` ran out before the runs ended."""

    def __init__(self, names: Sequence[str], timeout: float) -> None:
        """Name the runs still going."""
        super().__init__(
            f"Still running after {timeout:g}s: {', '.join(names)}. They go on; wait again, "
            "or stop them with kill()."
        )


@dataclass(frozen=True)
class Run:
    """A handle on one queued run: read its state, wait for it, stop it."""

    id: str
    name: str
    root: Path

    def entry(self) -> Entry:
        """The run's queue entry as it is now."""
        return _queue(self.root).get(self.id)

    @property
    def status(self) -> str:
        """``queued``, ``running``, ``done``, ``failed``, ``killed`` or ``cached``."""
        return self.entry().status

    @property
    def result(self) -> RunResult | None:
        """How it ended (None until it has)."""
        return self.entry().result

    def wait(self, timeout: float | None = None) -> RunResult:
        """Block until the run ends; its result."""
        return Runs([self]).wait(timeout)[0]

    def kill(self) -> None:
        """Stop the run (it saves what it logged as killed), or cancel it if still queued."""
        queue = _queue(self.root)
        queue.request_kill(queue.get(self.id))

    def log(self) -> str:
        """What the run has printed so far."""
        path = self.entry().log_path
        return path.read_text(errors="replace") if path.exists() else ""


class Runs(Sequence[Run]):
    """The runs of one ``run()`` call, in grid order."""

    def __init__(self, runs: Sequence[Run]) -> None:
        """Wrap ``runs``."""
        self._runs = list(runs)

    def __getitem__(self, index: int) -> Run:  # type: ignore[override]
        """The ``index``-th run."""
        return self._runs[index]

    def __len__(self) -> int:
        """How many runs."""
        return len(self._runs)

    def __iter__(self) -> Iterator[Run]:
        """The runs, in grid order."""
        return iter(self._runs)

    def wait(self, timeout: float | None = None, poll: float = 0.25) -> list[RunResult]:
        """Block until every run has ended; their results, in grid order."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            entries = _entries_by_id(self._runs)
            pending = [run.name for run in self._runs if entries[run.id].status not in FINISHED]
            if not pending:
                return [_result_of(entries[run.id]) for run in self._runs]
            if deadline is not None and time.monotonic() > deadline:
                raise RunTimeoutError(pending, timeout or 0.0)
            time.sleep(poll)

    def kill(self) -> None:
        """Stop every run still queued or running."""
        for run in self._runs:
            if run.status not in FINISHED:
                run.kill()

    def __repr__(self) -> str:
        """The runs' names and states."""
        entries = _entries_by_id(self._runs)
        return "Runs(" + ", ".join(f"{r.name}: {entries[r.id].status}" for r in self._runs) + ")"


def run(
    target: PathLike | None = None,
    params: Sequence[str] = (),
    *,
    command: Sequence[str] = (),
    jobs: int = 1,
    name: str | None = None,
    message: str | None = None,
    timeout: float | None = None,
    run_cache: bool = True,
    resume_from: str | None = None,
    reset: bool = False,
    background: bool = False,
    executor: object | None = None,
    path: PathLike = ".",
) -> Runs:
    """Run ``target`` (a notebook) or ``command`` once per point of ``params``' grid.

    ``params`` are DVC's ``-S`` items (``"lr=0.1,0.01"``; several make a grid). Without
    ``background`` this returns when every run has ended; with it, at once (a background
    worker process runs them, or with a ``Client`` a thread of this one). ``executor``: a
    ``distributed.Client``, a ``dask://`` URL, or None for processes on this machine.
    ``resume_from``: a checkpoint (``NAME[@STEP]``) each run continues from; ``reset``:
    start over (see ``live_nb.runs.resume``).
    """
    from live_nb.runs.resume import check_executor
    from live_nb.runs.worker import start_background, work

    _check_jobs(jobs)
    check_executor(resume_from, executor)
    runs = queue(target, params, command=command, name=name, message=message,
                 timeout=timeout, run_cache=run_cache, path=path,
                 resume_from=resume_from, reset=reset)  # fmt: skip
    root = runs[0].root if runs else Path(path)
    if background and (executor is None or isinstance(executor, str)):
        start_background(root, _queue(root), jobs, executor)  # a process: outlives a kernel
        return runs
    if background:  # a Client object cannot cross to another process: a thread works them
        only = {r.id for r in runs}
        threading.Thread(
            target=work, args=(root, _queue(root), jobs, only, _executor(executor, jobs)),
            name="live-nb-runs", daemon=True,
        ).start()  # fmt: skip
        return runs
    work(root, _queue(root), jobs, only={r.id for r in runs}, executor=_executor(executor, jobs))
    return runs


def queue(
    target: PathLike | None = None,
    params: Sequence[str] = (),
    *,
    command: Sequence[str] = (),
    name: str | None = None,
    message: str | None = None,
    timeout: float | None = None,
    run_cache: bool = True,
    path: PathLike = ".",
    resume_from: str | None = None,
    reset: bool = False,
) -> Runs:
    """Queue the runs ``run()`` would make, without starting them (see :func:`start`)."""
    from live_nb.runs.plan import plan_runs

    with Repository.discover(path) as repo:
        root, the_queue = repo.root, Queue(repo.git_dir)
    taken = {entry.name for entry in iter_active(the_queue.entries())}
    specs = plan_runs(
        target, command, params, name, message, timeout, run_cache, root, taken,
        resume_from=resume_from, reset=reset,
    )  # fmt: skip
    entries = the_queue.add(specs)
    return Runs([Run(entry.id, entry.name, root) for entry in entries])


def start(jobs: int = 1, executor: str | None = None, path: PathLike = ".") -> int:
    """Start a background worker for the queue (if none works it yet); its process id."""
    from live_nb.runs.worker import start_background

    _check_jobs(jobs)
    with Repository.discover(path) as repo:
        return start_background(repo.root, Queue(repo.git_dir), jobs, executor)


def status(path: PathLike = ".") -> list[Entry]:
    """Every entry of the queue, oldest first; a run whose worker died is marked failed."""
    the_queue = _queue(path)
    the_queue.repair()
    return the_queue.entries()


def logs(name: str, path: PathLike = ".") -> str:
    """What the run ``name`` (a name or id) printed."""
    entry = _queue(path).get(name)
    return entry.log_path.read_text(errors="replace") if entry.log_path.exists() else ""


def kill(name: str, path: PathLike = ".") -> Entry:
    """Stop the run ``name``, or cancel it if it is still queued; the entry as it is now."""
    the_queue = _queue(path)
    return the_queue.request_kill(the_queue.get(name))


def remove(names: Sequence[str] = (), all: bool = False, path: PathLike = ".") -> list[str]:
    """Forget the named entries (or every finished and queued one); the names removed."""
    the_queue = _queue(path)
    targets = the_queue.entries() if all else [the_queue.get(name) for name in names]
    removed = []
    for entry in targets:
        if all and entry.status == "running":
            continue
        the_queue.remove(entry)
        removed.append(entry.name)
    return removed


class InvalidJobsError(LiveNbError, ValueError):
    """``jobs`` that is not a whole number of at least 1."""

    def __init__(self, jobs: object) -> None:
        """Name the value given."""
        super().__init__(f"jobs (-j) must be a whole number of at least 1, not {jobs!r}.")


def _check_jobs(jobs: object) -> None:
    if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
        raise InvalidJobsError(jobs)


def _queue(path: PathLike) -> Queue:
    with Repository.discover(path) as repo:
        return Queue(repo.git_dir)


def _entries_by_id(runs: Sequence[Run]) -> dict[str, Entry]:
    if not runs:
        return {}
    entries = {entry.id: entry for entry in _queue(runs[0].root).entries()}
    for run in runs:
        if run.id not in entries:
            raise LiveNbError(f"Run {run.name!r} was removed from the queue.")
    return entries


def _result_of(entry: Entry) -> RunResult:
    if entry.result is not None:
        return entry.result
    return RunResult(entry.id, entry.name, "error", error="the worker stopped")


def _executor(executor: object | None, jobs: int) -> Executor:
    from live_nb.runs.executors import executor_for

    if executor is None or isinstance(executor, str):
        return executor_for(executor, jobs)
    from live_nb.runs.dask import DaskExecutor

    return DaskExecutor(executor)


def pending(path: PathLike = ".") -> list[PendingRun]:
    """The queued and running runs of the queue, as rows for ``experiments.show(pending=)``.

    ``live-nb exp show`` and ``%exp_show`` list them, as DVC lists its queued experiments.
    """
    from live_nb.experiments.show import PendingRun

    rows = []
    for entry in status(path):
        if entry.status in (QUEUED, RUNNING):
            spec = entry.spec
            message = f"{spec.describe_target()} {spec.params_text()}".strip()
            created = int(spec.queued_at)
            state = entry.status
            rows.append(PendingRun(spec.name, spec.baseline, state, "live-nb", created, message))
    return rows
