"""Reports: what ``Live(report=...)`` keeps up to date, chosen by name.

``Live`` holds one :class:`Report` and knows nothing else of it. Each mode
names the module and class that implement it, imported when first used, so
``report="html"`` and ``"md"`` never load IPython or widgets:

- ``"html"``: :class:`live_nb.reports.html.HtmlReport`, ``report.html``, one offline page;
- ``"md"``: :class:`live_nb.reports.markdown.MarkdownReport`, ``report.md`` as DVCLive lays it out;
- ``"notebook"``: :class:`live_nb.widgets.dashboard.NotebookReport`, the live dashboard.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Literal, Protocol, get_args

from live_nb.error import InvalidReportModeError

if TYPE_CHECKING:
    from live_nb.live import Live

ReportMode = Literal["html", "md", "notebook"]

REPORTS: dict[str, tuple[str, str]] = {
    "html": ("live_nb.reports.html", "HtmlReport"),
    "md": ("live_nb.reports.markdown", "MarkdownReport"),
    "notebook": ("live_nb.widgets.dashboard", "NotebookReport"),
}


class Report(Protocol):
    """A report of one run.

    ``Live`` calls, in order:

    - :meth:`update` from ``next_step`` once ``time.monotonic()`` passes :attr:`due`,
      and from ``make_report()``;
    - :meth:`finish` when the run ends, before its results are saved;
    - :meth:`saved` with what became of the run (the experiment saved, or why not).

    A report class also has ``open(live)``, a class method returning the report of
    ``live``, or None (after one warning) when it cannot be made here.
    """

    due: float
    """When ``next_step`` should next call :meth:`update` (``math.inf``: never)."""

    def update(self) -> None:
        """Bring the report up to date with what was logged."""

    def finish(self, status: str) -> None:
        """The run is over, with ``status`` ("done", "error", "interrupted")."""

    def saved(self, note: str) -> None:
        """The run's results were saved, or not: ``note`` says which."""


def check_report_mode(mode: object) -> None:
    """Refuse a ``report`` that names no report (before anything is written)."""
    if mode is not None and mode not in get_args(ReportMode):
        raise InvalidReportModeError(mode)


def open_report(mode: object, live: Live) -> Report | None:
    """The report ``Live(report=mode)`` keeps; None (and one warning) when not available here."""
    check_report_mode(mode)
    module, name = REPORTS[str(mode)]
    report: Report | None = getattr(import_module(module), name).open(live)
    return report
