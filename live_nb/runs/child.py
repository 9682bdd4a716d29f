"""The process that runs one queue entry: ``python -m live_nb.runs.child ROOT ID``.

It claims the entry (exiting with :data:`TAKEN` when another process was first), runs it with
its output in the entry's log, stops it when a kill is requested or on SIGTERM, and records
the result. A process per run keeps runs apart: each has its own kernel, environment and
working directory, and one that crashes takes no other run with it.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import TextIO

from live_nb.git import Repository
from live_nb.runs.execute import RunControl
from live_nb.runs.job import run_one
from live_nb.runs.queue import Queue
from live_nb.runs.result import RunResult
from live_nb.runs.spec import RunSpec

__all__ = ["TAKEN", "main", "run_entry"]

TAKEN = 3
_KILL_POLL_SECONDS = 0.2


def main(argv: Sequence[str] | None = None) -> int:
    """Run the entry ``argv`` names: ``[ROOT, ID]``."""
    root, entry_id = argv if argv is not None else sys.argv[1:]
    with Repository.discover(root) as repo:
        queue = Queue(repo.git_dir)
        top = repo.root
    if not queue.claim(entry_id):
        return TAKEN
    run_entry(queue, top, entry_id)
    return 0


def run_entry(queue: Queue, root: Path, entry_id: str) -> RunResult:
    """Run the claimed entry ``entry_id`` and record its result."""
    entry = next(e for e in queue.entries() if e.id == entry_id)
    control = RunControl(entry.spec.timeout)
    done = threading.Event()
    watcher = threading.Thread(target=_watch_kill, args=(queue, entry_id, control, done))
    watcher.daemon = True
    watcher.start()
    _stop_on_sigterm(control)
    try:
        with open(entry.log_path, "a", encoding="utf-8", errors="replace") as log:
            result = _run_or_fail(entry.spec, root, log, control)
    finally:
        done.set()
    queue.finish(entry_id, result)
    return result


def _run_or_fail(spec: RunSpec, root: Path, log: TextIO, control: RunControl) -> RunResult:
    try:
        return run_one(spec, root, log, control)
    except Exception as error:  # recorded as the run's failure, never a stuck entry
        log.write(f"live_nb: the run could not be saved: {type(error).__name__}: {error}\n")
        return RunResult(spec.id, spec.name, "error", error=f"{type(error).__name__}: {error}")


def _watch_kill(queue: Queue, entry_id: str, control: RunControl, done: threading.Event) -> None:
    while not done.wait(_KILL_POLL_SECONDS):
        if queue.kill_requested(entry_id):
            control.stop("killed (live-nb queue kill)")
            return


def _stop_on_sigterm(control: RunControl) -> None:
    def stop(number: int, frame: FrameType | None) -> None:
        control.stop("terminated (SIGTERM)")

    signal.signal(signal.SIGTERM, stop)


if __name__ == "__main__":
    sys.exit(main())
