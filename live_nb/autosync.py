"""Results written soon after a step, and when the process ends, without slowing the loop.

``next_step`` rewrites ``metrics.json`` and ``dvc.yaml`` at most every ``SYNC_INTERVAL``
seconds. A step that falls inside that interval asks this module to write them once it is
over: one background thread serves every run of the process, so results are never more than
about a quarter second behind a step, even when the loop then waits (an evaluation, a
debugger, a framework that never calls ``end()``). Runs still open when the interpreter
exits are written one last time then.
"""

from __future__ import annotations

import atexit
import threading
import time
import weakref
from collections.abc import Callable

Writer = Callable[[], None]


class _Scheduler:
    """Calls each requested writer once its time has come, from one daemon thread."""

    def __init__(self) -> None:
        self._due: dict[int, tuple[float, weakref.WeakMethod[Writer]]] = {}
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def request(self, writer: Writer, at: float) -> None:
        """Call ``writer`` (a bound method, held weakly) at ``time.monotonic() >= at``."""
        with self._wake:
            owner = writer.__self__  # type: ignore[attr-defined]
            self._due.setdefault(id(owner), (at, weakref.WeakMethod(writer)))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._serve, name="live_nb-sync", daemon=True
                )
                self._thread.start()
            self._wake.notify()

    def cancel(self, owner: object) -> None:
        """Forget the request of ``owner`` (its run ended and wrote everything)."""
        with self._wake:
            self._due.pop(id(owner), None)

    def _serve(self) -> None:
        while True:
            with self._wake:
                while not self._due:
                    self._wake.wait()
                key, (at, method) = min(self._due.items(), key=lambda item: item[1][0])
                wait = at - time.monotonic()
                if wait > 0:
                    self._wake.wait(wait)
                    continue
                del self._due[key]
            writer = method()
            if writer is not None:
                try:
                    writer()
                except Exception:  # a run's writer reports its own problems; keep serving the rest
                    continue


_SCHEDULER = _Scheduler()
_OPEN_RUNS: dict[int, weakref.WeakMethod[Writer]] = {}


def write_later(writer: Writer, at: float) -> None:
    """Have ``writer`` (a run's bound method) called at monotonic time ``at``, once."""
    _SCHEDULER.request(writer, at)


def write_at_exit(writer: Writer) -> None:
    """Call ``writer`` when the interpreter exits, unless its run ended first.

    ``writer`` is a run's bound method, held weakly: a collected run is forgotten.
    """
    key = id(writer.__self__)  # type: ignore[attr-defined]
    _OPEN_RUNS[key] = weakref.WeakMethod(writer, lambda _: _OPEN_RUNS.pop(key, None))


def ended(owner: object) -> None:
    """``owner`` wrote its final results: nothing more to write for it, now or at exit."""
    _OPEN_RUNS.pop(id(owner), None)
    _SCHEDULER.cancel(owner)


@atexit.register
def _write_open_runs() -> None:
    for method in list(_OPEN_RUNS.values()):
        writer = method()
        if writer is None:
            continue
        try:
            writer()
        except Exception:  # the interpreter is going away: one failed run must not stop the rest
            continue
