"""A report kept in a file of the output folder, rewritten during the run at a bounded cost.

While the run goes on, :meth:`FileReport.update` is called from ``next_step``
no more often than every :data:`REPORT_INTERVAL` seconds, and less often when a
rewrite is costly: writing the report takes at most :data:`REPORT_MAX_SHARE`
of the run's time. It is always written at ``end()`` and by ``make_report()``.
"""

from __future__ import annotations

import time
import warnings
from typing import TYPE_CHECKING

from live_nb.error import LiveNbWarning

if TYPE_CHECKING:
    from live_nb.live import Live

REPORT_INTERVAL = 2.0
"""Seconds between two rewrites of the report during a run, at the least."""

REPORT_MAX_SHARE = 0.02
"""Share of the run's time the rewrites may take: a rewrite costing 0.1 s waits 5 s for the next."""

REPORT_MAX_INTERVAL = 60.0
"""Seconds between two rewrites of the report during a run, at the most."""


class FileReport:
    """``report.<suffix>`` in the output folder, rewritten when :attr:`due` has passed.

    A :class:`~live_nb.reports.Report`; subclasses write the file in :meth:`write`.
    """

    suffix = ""

    def __init__(self, live: Live) -> None:
        """Write into ``live``'s output folder."""
        self.path = live.snapshot().dir / f"report.{self.suffix}"
        self.due = 0.0
        self.interval = REPORT_INTERVAL
        self.writes = 0
        self.last_cost = 0.0
        self._warned = False

    @classmethod
    def open(cls, live: Live) -> FileReport | None:
        """The report of ``live``."""
        return cls(live)

    def update(self) -> None:
        """Rewrite the report now; a failure warns once and never stops the run."""
        self.rewrite()

    def finish(self, status: str) -> None:
        """The run is over: the next :meth:`update` writes the final report."""

    def saved(self, note: str) -> None:
        """Nothing to add once saved: the file was part of what was saved."""

    def rewrite(self) -> bool:
        """Rewrite the report now; False (and one warning per run) when it failed."""
        start = time.perf_counter()
        try:
            self.write()
        except Exception as error:
            if not self._warned:
                self._warned = True
                warnings.warn(
                    f"live_nb could not write {self.path} ({type(error).__name__}: {error}); "
                    "logging goes on and the other result files are written as usual.",
                    LiveNbWarning,
                    stacklevel=4,
                )
            ok = False
        else:
            self.writes += 1
            ok = True
        self.last_cost = time.perf_counter() - start
        self.interval = min(
            REPORT_MAX_INTERVAL, max(REPORT_INTERVAL, self.last_cost / REPORT_MAX_SHARE)
        )
        self.due = time.monotonic() + self.interval
        return ok

    def write(self) -> None:
        """Write the whole file (atomically)."""
        raise NotImplementedError
