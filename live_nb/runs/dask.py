"""Runs on a Dask distributed cluster: ``--executor dask://HOST:PORT`` or a ``distributed.Client``.

Each run is one Dask task keyed by its run id, carrying its snapshot as a Git bundle
(:mod:`live_nb.runs.bundle`); the worker runs it in a scratch folder of its own and returns
the experiment's objects (its artifacts through the default DVC remote, when there is one).
The experiment is created here, once per run, when its task's
result arrives: a task Dask re-executed after losing a worker still yields one result, so
one experiment.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from live_nb.error import LiveNbError
from live_nb.runs.bundle import pack_snapshot, run_packed, unpack_result
from live_nb.runs.queue import Entry, Queue
from live_nb.runs.result import RunResult

__all__ = ["DaskExecutor", "DaskMissingError", "SchedulerUnreachableError"]

_KILL_POLL_SECONDS = 0.25
_CONNECT_TIMEOUT = "5s"


class DaskMissingError(LiveNbError, ImportError):
    """``--executor dask://`` without the ``distributed`` package."""

    def __init__(self) -> None:
        """Say what to install."""
        super().__init__(
            "Running on Dask needs the distributed package: pip install 'live_nb[dask]'."
        )


class SchedulerUnreachableError(LiveNbError, ConnectionError):
    """No Dask scheduler answers at the URL given."""

    def __init__(self, url: str, error: BaseException) -> None:
        """Name the URL and what went wrong."""
        super().__init__(
            f"Cannot reach the Dask scheduler at {url!r} ({type(error).__name__}: {error}). "
            "Check the address and that the scheduler runs; nothing was run."
        )


class DaskExecutor:
    """Runs entries as tasks of a Dask cluster, through ``client``."""

    def __init__(self, client: Any, owns_client: bool = False) -> None:
        """``client``: a connected ``distributed.Client``; closed at shutdown if ``owns_client``."""
        self.client = client
        self._owns_client = owns_client
        self._pool = concurrent.futures.ThreadPoolExecutor(64, "live-nb-dask")

    @classmethod
    def connect(cls, url: str) -> DaskExecutor:
        """Connect to the scheduler at ``dask://HOST:PORT`` (or ``tcp://...``)."""
        try:
            from distributed import Client
        except ImportError:
            raise DaskMissingError() from None
        address = "tcp://" + url.split("://", 1)[1]
        try:
            client = Client(address, timeout=_CONNECT_TIMEOUT, set_as_default=False)
        except (OSError, TimeoutError) as error:
            raise SchedulerUnreachableError(url, error) from None
        return cls(client, owns_client=True)

    def submit_entry(self, queue: Queue, root: Path, entry: Entry) -> Future[RunResult | None]:
        """Claim ``entry`` and run it on the cluster; the future ends once it is saved here."""
        return self._pool.submit(self._run, queue, root, entry)

    def shutdown(self) -> None:
        """Wait for the runs started; close the client if this executor opened it."""
        self._pool.shutdown(wait=True)
        if self._owns_client:
            with contextlib.suppress(Exception):
                self.client.close()

    def _run(self, queue: Queue, root: Path, entry: Entry) -> RunResult | None:
        if not queue.claim(entry.id):
            return None
        try:
            result = self._execute(queue, root, entry)
        except Exception as error:
            message = f"the cluster could not run it: {type(error).__name__}: {error}"
            result = RunResult(entry.id, entry.name, "error", error=message)
        queue.finish(entry.id, result)
        return result

    def _execute(self, queue: Queue, root: Path, entry: Entry) -> RunResult:
        item = pack_snapshot(root, entry.spec)
        future = self.client.submit(
            run_packed, item, key=f"live-nb-run-{entry.id}", pure=False, retries=2
        )
        while not future.done():
            if queue.kill_requested(entry.id):
                future.cancel()
                return RunResult(entry.id, entry.name, "killed", error="killed before it ended")
            with contextlib.suppress(Exception):
                future.result(timeout=_KILL_POLL_SECONDS)
        packed: dict[str, Any] = future.result()
        try:
            return unpack_result(root, entry.spec, packed)  # adds to the log what it did
        finally:
            entry.log_path.write_text(f"live_nb: ran on {packed.get('host')}\n{packed['log']}")
