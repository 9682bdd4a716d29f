"""The background thread that makes checkpoints: at most one in flight, the next coalesced.

The training loop only asks (:meth:`Worker.request`, a few microseconds); the thread runs
the job. A request made while a job runs is kept as one pending request, however many are
made meanwhile: the next job takes the state of the run as it is when it starts. After a
job the thread rests as long as the job took (``rest`` times as long), so that checkpoints
asked for at every step take at most half of a core from the training they run beside.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["Worker"]


class Worker:
    """Runs ``job`` on its own thread whenever asked, one at a time, coalescing requests."""

    def __init__(self, job: Callable[[float], None], rest: float = 1.0) -> None:
        """``job(due)`` gets the monotonic time of the oldest request it serves."""
        self._job = job
        self._rest = rest
        self._condition = threading.Condition()
        self._due: float | None = None
        self._busy = False
        self._closed = False
        self.coalesced = 0
        self.last_error: Exception | None = None
        self._thread = threading.Thread(target=self._run, name="live_nb-checkpoint", daemon=True)
        self._thread.start()

    def request(self) -> None:
        """Ask for a job; one already pending absorbs this request."""
        with self._condition:
            if self._closed:
                return
            if self._due is None:
                self._due = time.monotonic()
                self._condition.notify_all()
            else:
                self.coalesced += 1

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until no job runs or is pending; False when ``timeout`` ran out first."""
        with self._condition:
            return self._condition.wait_for(
                lambda: self._due is None and not self._busy, timeout=timeout
            )

    def close(self, timeout: float | None = None) -> None:
        """Drop a pending request, let a running job finish, and stop the thread."""
        with self._condition:
            self._closed = True
            self._due = None
            self._condition.notify_all()
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._condition:
                self._condition.wait_for(lambda: self._due is not None or self._closed)
                if self._due is None:  # closed with nothing pending
                    return
                due, self._due, self._busy = self._due, None, True
            started = time.monotonic()
            try:
                self._job(due)
            except Exception as error:
                # The job says what went wrong itself; even when saying so fails (a warning
                # turned into an error), the next checkpoints must still be made.
                self.last_error = error
            finally:
                with self._condition:
                    self._busy = False
                    self._condition.notify_all()
                    pause = (time.monotonic() - started) * self._rest
                    self._condition.wait_for(lambda: self._closed, timeout=pause)
