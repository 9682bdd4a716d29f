"""The checkpoint thread: one job at a time, requests coalesced, alive whatever a job raises."""

from __future__ import annotations

import threading

from live_nb.checkpoints.worker import Worker


def test_a_job_that_raises_does_not_stop_the_next_checkpoints() -> None:
    calls: list[float] = []

    def job(due: float) -> None:
        calls.append(due)
        if len(calls) == 1:
            raise RuntimeError("a warning turned into an error, say")

    worker = Worker(job, rest=0.0)
    try:
        worker.request()
        assert worker.wait(timeout=10)
        worker.request()
        assert worker.wait(timeout=10)
    finally:
        worker.close(timeout=10)
    assert len(calls) == 2
    assert isinstance(worker.last_error, RuntimeError)


def test_requests_made_while_a_job_runs_are_coalesced_into_one() -> None:
    started, release = threading.Event(), threading.Event()
    calls: list[float] = []

    def job(due: float) -> None:
        calls.append(due)
        started.set()
        release.wait(10)

    worker = Worker(job, rest=0.0)
    try:
        worker.request()
        assert started.wait(10)
        for _ in range(5):
            worker.request()
        release.set()
        assert worker.wait(timeout=10)
    finally:
        worker.close(timeout=10)
    assert len(calls) == 2 and worker.coalesced == 4
