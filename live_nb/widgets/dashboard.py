"""``LiveDashboard``: the inline dashboard of a ``%%live`` cell or a ``Live(report="notebook")``.

While the run goes on, a :class:`~live_nb.widgets.stream.Pump` thread sends
the browser what was logged since its last message, at most ten times a
second, as anywidget custom messages (see ``js/src/dashboard/store.js`` for
their shape). When the run ends, :meth:`LiveDashboard.finish` sends the last
rows and updates the display once: the final charts as Vega-Lite and SVG and the
summary as text replace the widget view, so that a reopened or exported notebook
shows them where no widget model exists.

Then the model's ES module is replaced by a stub (:data:`ENDED_ESM`): widget state saved
with the notebook (nbclient's default, JupyterLab's "save widget state") keeps each model's
last ``_esm``, and would otherwise hold the whole ~1 MB bundle once per ``%%live`` cell,
for a model no output shows any more. A view created while the run goes on asks for
everything sent so far (``{"type": "hello"}``).

:class:`NotebookReport` is ``Live(report="notebook")``: the same dashboard,
behind the :class:`~live_nb.reports.Report` interface.
"""

from __future__ import annotations

import math
import uuid
import warnings
from html import escape
from typing import TYPE_CHECKING, Any

import traitlets

from live_nb.error import LiveNbWarning
from live_nb.render import html, svg, text, vegalite
from live_nb.render.state import STATIC_MAX_POINTS, DashboardState
from live_nb.widgets.base import LiveNbWidget, with_saved_copy
from live_nb.widgets.stream import INTERVAL, LiveReader, Pump

if TYPE_CHECKING:
    from live_nb.live import Live

ENDED_ESM = (
    "export default { render({ el }) { el.textContent = "
    "'This run has ended: its final charts are in the cell output.'; } };"
)
"""The model's ES module once the run ended and the output shows the final charts."""


CHARTS_MIME = "application/vnd.live-nb.charts+json"
"""The final output's marker: ``{"spec": <its Vega-Lite mime type>}`` (js/lab/src/final.js)."""


class LiveDashboard(LiveNbWidget):
    """Charts, latest values, parameters, images and plots of one run, live.

    ``LiveDashboard(live, title)`` follows ``live``; :meth:`show` displays it
    and starts streaming, :meth:`finish` ends it with a status ("done",
    "error", "interrupted") and a note.
    """

    view = traitlets.Unicode("dashboard").tag(sync=True)
    uid = traitlets.Unicode("").tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)

    def __init__(self, live: Live, title: str = "", interval: float = INTERVAL) -> None:
        super().__init__(uid=uuid.uuid4().hex, title=title)
        self._reader = LiveReader(live, title)
        self._pump = Pump(self._reader, self._send_message, interval)
        self._handle: Any = None
        self._final: DashboardState | None = None
        self.on_msg(self._on_frontend_message)

    # ---- state ----------------------------------------------------------------------------

    @property
    def status(self) -> str:
        """The run's status: running, done, error or interrupted."""
        return self._reader.run.status

    @property
    def note(self) -> str:
        """What became of the run (the experiment saved, or why not)."""
        return self._reader.run.note

    @property
    def pump(self) -> Pump:
        """The thread that sends the browser what is new."""
        return self._pump

    def state(self) -> DashboardState:
        """The run as shown now (read back from its files), or its final state once finished."""
        if self._final is not None:
            return self._final
        with self._reader.lock:
            return self._reader.state(STATIC_MAX_POINTS)

    def text(self) -> str:
        """The run as plain text (headline, latest values, params)."""
        return text.text(self.state())

    def html(self) -> str:
        """The run as HTML tables and SVG charts."""
        return html.html(self.state())

    # ---- life cycle -----------------------------------------------------------------------

    def show(self) -> None:
        """Display the dashboard (with a display id, for the final update) and start streaming."""
        from IPython.display import display

        self._handle = display(self, display_id=True)
        self._pump.start()

    def flush(self) -> bool:
        """Send what was logged since the last message now (from any thread)."""
        return self._pump.flush()

    def finish(self, status: str = "done", note: str = "") -> None:
        """The run is over: send the rest, keep the final state, update the display once."""
        self._pump.stop()
        with self._reader.lock:
            self._reader.finish(status, note)
        self._pump.flush()
        with self._reader.lock:
            self._final = self._reader.state(STATIC_MAX_POINTS)
        if self._handle is not None:
            # The final output is static on purpose: a notebook reopened later (where this
            # widget's model no longer exists) would show "model not found" instead of charts.
            self._handle.update(self.static_bundle(), raw=True)
            # after the update: the view it replaced must not reload the stub first
            self.set_trait("_esm", ENDED_ESM)

    def static_bundle(self) -> dict[str, Any]:
        """The final charts and summary as plain mime types: Vega-Lite, SVG and text.

        With :data:`CHARTS_MIME`'s marker: live_nb's JupyterLab extension draws the
        Vega-Lite spec as wide as the notebook is (JupyterLab's renderer, at a fixed width).
        """
        state = self.state()
        return {
            "text/plain": text.text(state),
            CHARTS_MIME: {"spec": vegalite.VEGALITE_MIME},
            vegalite.VEGALITE_MIME: vegalite.vegalite(state),
            svg.SVG_MIME: svg.svg(state),
        }

    # ---- messages -------------------------------------------------------------------------

    def _send_message(self, content: dict[str, Any], buffers: list[bytes]) -> None:
        self.send(content, buffers)

    def _on_frontend_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "hello":
            self._pump.send_replay()

    # ---- display --------------------------------------------------------------------------

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        bundle = super()._repr_mimebundle_(**kwargs)
        data, metadata = bundle if bundle is not None else ({}, {})
        if self._final is not None:
            return {**data, **self.static_bundle()}, metadata
        # Shown while the run goes on: what a notebook saved before the end keeps. Reopened
        # once the kernel is gone, the labextension shows this note instead of "model not found".
        return with_saved_copy({**data, **self.static_bundle()}, self._unfinished_html()), metadata

    def _unfinished_html(self) -> str:
        live = self._reader.live
        folder = escape(str(live.dir) if live is not None else "its output folder")
        return (
            f'<div class="live-nb-unfinished"><b>{escape(self._reader.run.title)}</b>: the live '
            "view of a run that had not ended when this notebook was saved. What it logged is in "
            f"<code>{folder}</code>; <code>%exp_show</code> lists its experiment once saved.</div>"
        )


def in_notebook() -> bool:
    """True inside a Jupyter kernel (where a widget can be displayed)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def show_dashboard(live: Live, title: str = "") -> LiveDashboard | None:
    """Display a dashboard following ``live`` when inside a notebook; None elsewhere."""
    if not in_notebook():
        return None
    dashboard = LiveDashboard(live, title=title or f"live_nb · {live.dir}")
    dashboard.show()
    return dashboard


class NotebookReport:
    """``Live(report="notebook")``: the live dashboard below the cell, as DVCLive's report.

    A :class:`~live_nb.reports.Report`: ``next_step`` never waits for it (``due`` is
    never reached); its pump streams on its own thread.
    """

    due = math.inf

    @classmethod
    def open(cls, live: Live) -> NotebookReport | None:
        """Show the dashboard; None (with one warning) outside notebooks or when it fails."""
        try:
            dashboard = show_dashboard(live)
        except Exception as error:  # a broken front-end setup must not stop the training
            _warn(
                f"live_nb: the notebook dashboard is not available ({type(error).__name__}: "
                f"{error}); logging goes on without it."
            )
            return None
        if dashboard is None:
            _warn(
                "Live(report='notebook') shows its dashboard only inside a Jupyter notebook; "
                "no report is made here. Use report=None (or 'html') outside notebooks."
            )
            return None
        return cls(live, dashboard)

    def __init__(self, live: Live, dashboard: LiveDashboard | None = None) -> None:
        """Report ``live`` in ``dashboard`` (a new one, displayed, by default)."""
        self.dashboard = dashboard if dashboard is not None else LiveDashboard(live)
        self._status = "done"

    def update(self) -> None:
        """Send what was logged since the last message now."""
        self.dashboard.flush()

    def finish(self, status: str) -> None:
        """Keep the status: the dashboard shows it with the outcome, once saved."""
        self._status = status

    def saved(self, note: str) -> None:
        """Show the end of the run; a display problem only warns (the results are written)."""
        try:
            self.dashboard.finish(self._status, note)
        except Exception as error:
            _warn(
                f"live_nb: the notebook dashboard could not show the end of the run "
                f"({type(error).__name__}: {error}); the results are written as usual."
            )


def _warn(message: str) -> None:
    warnings.warn(message, LiveNbWarning, stacklevel=5)
