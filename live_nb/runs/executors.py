"""Choosing where runs execute: this machine (the default) or a cluster named by URL."""

from __future__ import annotations

from live_nb.error import LiveNbError
from live_nb.runs.worker import Executor, LocalExecutor

__all__ = ["UnknownExecutorError", "executor_for"]


class UnknownExecutorError(LiveNbError, ValueError):
    """An ``--executor`` this version cannot use."""

    def __init__(self, url: str) -> None:
        """Name the URL and the forms accepted."""
        super().__init__(
            f"Unknown executor {url!r}: use `local` (the default) or `dask://HOST:PORT` "
            "(a Dask distributed scheduler)."
        )


def executor_for(url: str | None, jobs: int) -> Executor:
    """The executor ``url`` names: None or ``local`` for this machine, ``dask://`` for Dask."""
    if url in (None, "", "local"):
        return LocalExecutor(jobs)
    if url.startswith(("dask://", "tcp://")):
        from live_nb.runs.dask import DaskExecutor

        return DaskExecutor.connect(url)
    raise UnknownExecutorError(url)
