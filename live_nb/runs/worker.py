"""Working through the queue: ``-j N`` runs at a time, through an executor.

:func:`work` takes queued entries oldest first, hands each to an executor with
``concurrent.futures``' shape, and returns when nothing it may run is left (a worker never
idles forever). :class:`LocalExecutor`, the default, starts a process per run on this
machine (:mod:`live_nb.runs.child`), each in a session of its own, so a Ctrl-C reaches the
worker, which then stops its runs one by one and lets each save what it logged.

``queue start`` holds the queue's worker lock while it works: a second ``queue start``
is told which process already works the queue. ``exp run`` works only its own entries and
needs no lock: the claims keep two processes from running one entry.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import fcntl
import functools
import os
import subprocess
import sys
from collections.abc import Callable, Collection, Iterator
from concurrent.futures import FIRST_COMPLETED, Future
from pathlib import Path
from typing import IO, Protocol

from live_nb.error import LiveNbError
from live_nb.runs.child import TAKEN
from live_nb.runs.queue import QUEUED, RUNNING, Entry, Queue
from live_nb.runs.result import RunResult

__all__ = ["Executor", "LocalExecutor", "QueueBusyError", "work", "worker_lock", "worker_pid"]

_POLL_SECONDS = 0.25
Progress = Callable[[list[Entry]], None]


class Executor(Protocol):
    """What runs an entry: ``submit`` returns a future of its :class:`RunResult`."""

    def submit_entry(self, queue: Queue, root: Path, entry: Entry) -> Future[RunResult | None]:
        """Start ``entry``'s run; the future holds its result (None: another process took it)."""

    def shutdown(self) -> None:
        """Release what the executor holds, once every future is done."""


class LocalExecutor:
    """A process per run on this machine, at most ``max_workers`` at once."""

    def __init__(self, max_workers: int = 1) -> None:
        """``max_workers``: how many runs may execute at the same time."""
        self.max_workers = max_workers
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers, "live-nb-run")

    def submit_entry(self, queue: Queue, root: Path, entry: Entry) -> Future[RunResult | None]:
        """Start a child process for ``entry``; its future ends when the process does."""
        return self._pool.submit(_run_child, queue, root, entry)

    def shutdown(self) -> None:
        """Wait for the runs started and release the threads."""
        self._pool.shutdown(wait=True)


def _run_child(queue: Queue, root: Path, entry: Entry) -> RunResult | None:
    command = [sys.executable, "-m", "live_nb.runs.child", str(root), entry.id]
    with open(os.devnull, "wb") as devnull:
        status = subprocess.call(
            command, cwd=root, stdin=subprocess.DEVNULL, stdout=devnull, stderr=devnull,
            start_new_session=True,
        )  # fmt: skip
    if status == TAKEN:
        return None
    current = next((e for e in queue.entries() if e.id == entry.id), None)
    if current is not None and current.result is None:
        queue.repair()  # the child died without recording a result
        current = next((e for e in queue.entries() if e.id == entry.id), None)
    return current.result if current is not None else None


class QueueBusyError(LiveNbError, RuntimeError):
    """Another process already works the queue."""

    def __init__(self, pid: str) -> None:
        """Say who works it and how to follow it."""
        super().__init__(
            f"The queue already has a worker (process {pid}); it will run what is queued. "
            "Follow it with `live-nb queue status`."
        )


@contextlib.contextmanager
def worker_lock(queue: Queue) -> Iterator[None]:
    """Hold the queue's worker lock, or raise :class:`QueueBusyError` naming its holder."""
    queue.folder.mkdir(parents=True, exist_ok=True)
    path = queue.folder.parent / "queue.lock"
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            raise QueueBusyError(handle.read().strip() or "unknown") from None
        _write_pid(handle)
        try:
            yield
        finally:
            handle.truncate(0)
            fcntl.flock(handle, fcntl.LOCK_UN)


def worker_pid(queue: Queue) -> int | None:
    """The process id of the worker holding the queue's lock, if one is alive.

    Read from the lock file, which its holder writes and empties when it lets go (a worker
    killed outright leaves its pid: a dead process is no worker). The lock itself is not
    tried, so a worker starting meanwhile never finds it taken by this look.
    """
    try:
        text = (queue.folder.parent / "queue.lock").read_text().strip()
    except OSError:
        return None
    if not text.isdigit():
        return None
    pid = int(text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except OSError:  # another user's process: it holds the lock all the same
        return pid
    return pid


def _write_pid(handle: IO[str]) -> None:
    handle.seek(0)
    handle.truncate(0)
    handle.write(str(os.getpid()))
    handle.flush()


def work(
    root: Path,
    queue: Queue,
    jobs: int = 1,
    only: Collection[str] | None = None,
    executor: Executor | None = None,
    progress: Progress | None = None,
) -> list[RunResult]:
    """Run queued entries (those in ``only``, or all) until none is left; their results.

    A Ctrl-C stops the runs started (each saves what it logged as killed) and is raised
    again once they have ended.
    """
    executor = executor or LocalExecutor(jobs)
    running: dict[Future[RunResult | None], str] = {}
    results: list[RunResult] = []
    started: set[str] = set()
    finished = functools.partial(_record, root, queue)
    try:
        while True:
            entries = queue.entries()
            if progress is not None:
                progress(entries)
            _collect(running, results, wait=False, finished=finished)
            ready = _ready(entries, only, started)
            for entry in ready[: max(jobs - len(running), 0)]:
                started.add(entry.id)
                restored = _restore_if_cached(queue, root, entry)
                if restored is not None:
                    results.append(restored)  # took no slot: the next one may start at once
                    continue
                running[executor.submit_entry(queue, root, entry)] = entry.id
            if not running and not _ready(queue.entries(), only, started):
                break
            _collect(running, results, wait=True, finished=finished)
    except KeyboardInterrupt:
        _stop_all(queue, running)
        raise
    finally:
        executor.shutdown()
        if progress is not None:
            progress(queue.entries())
    return results


def _ready(entries: list[Entry], only: Collection[str] | None, started: set[str]) -> list[Entry]:
    return [
        entry
        for entry in entries
        if entry.status == QUEUED and entry.id not in started and (only is None or entry.id in only)
    ]


def _collect(
    running: dict[Future[RunResult | None], str],
    results: list[RunResult],
    wait: bool,
    finished: Callable[[RunResult], None],
) -> None:
    if wait:
        concurrent.futures.wait(running, timeout=_POLL_SECONDS, return_when=FIRST_COMPLETED)
    for future in [f for f in running if f.done()]:
        del running[future]
        result = future.result()
        if result is not None:
            results.append(result)
            finished(result)


def _stop_all(queue: Queue, running: dict[Future[RunResult | None], str]) -> None:
    """Ask every started run to stop, then wait for each to save what it logged."""
    for entry in queue.entries():
        if entry.id in running.values() and entry.status in (QUEUED, RUNNING):
            queue.request_kill(entry)
    with contextlib.suppress(KeyboardInterrupt):
        concurrent.futures.wait(running)


def serve(root: Path, queue: Queue, jobs: int = 1, executor: Executor | None = None) -> int:
    """``queue start``: work the whole queue under its lock until it is empty; runs made.

    After letting the lock go, the queue is looked at once more: an entry added while this
    worker was finishing (by someone who saw the lock held) is not left waiting.
    """
    count = 0
    while True:
        with worker_lock(queue):
            count += len(work(root, queue, jobs, executor=executor))
        if not any(entry.status == QUEUED for entry in queue.entries()):
            return count


def start_background(
    root: Path, queue: Queue, jobs: int = 1, executor_url: str | None = None
) -> int:
    """Start a worker for the queue in a process of its own; its pid.

    The new process exits at once when another worker holds the lock: that one takes what
    is queued.
    """
    queue.folder.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "live_nb.runs.serve", str(root), "--jobs", str(jobs)]
    if executor_url:
        command += ["--executor", executor_url]
    with open(queue.folder.parent / "worker.log", "ab") as log:
        process = subprocess.Popen(
            command, cwd=root, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
            start_new_session=True,
        )  # fmt: skip
    return process.pid


def _restore_if_cached(queue: Queue, root: Path, entry: Entry) -> RunResult | None:
    """Restore ``entry`` from the run-cache when a run with its inputs succeeded; else None."""
    from live_nb.git import Repository
    from live_nb.runs.runcache import lookup, restore

    with Repository.discover(root) as repo:
        found = lookup(repo, entry.spec)
    if found is None or not queue.claim(entry.id):
        return None
    result = restore(root, entry.spec, found)
    entry.log_path.write_text(f"live_nb: {result.describe()}\n")
    queue.finish(entry.id, result)
    return result


def _record(root: Path, queue: Queue, result: RunResult) -> None:
    """Put a successful run into the run-cache."""
    from live_nb.git import Repository
    from live_nb.runs.runcache import record

    if result.status != "ok" or not result.commit:
        return
    spec = next((entry.spec for entry in queue.entries() if entry.id == result.id), None)
    if spec is not None:
        with Repository.discover(root) as repo:
            record(repo, spec, result)
