"""``LiveDashboard``: the inline dashboard of a ``%%live`` cell or a ``Live(report="notebook")``.

While the run goes on, a :class:`~live_nb.widgets.stream.Pump` thread sends
the browser what was logged since its last message, at most ten times a
second, as anywidget custom messages (see ``js/src/dashboard/store.js`` for
their shape). When the run ends, :meth:`LiveDashboard.finish` sends the last
rows, sets the ``snapshot`` trait to the final state (for views created later)
and updates the display once: its mime bundle then carries the final charts as
Vega-Lite and SVG and the summary as text, besides the widget view, so the
notebook shows them where no widget can run.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import traitlets

from live_nb.widgets import static
from live_nb.widgets.base import LiveNbWidget
from live_nb.widgets.stream import INTERVAL, LiveReader, Pump

if TYPE_CHECKING:
    from live_nb.live import Live

SNAPSHOT_IMAGE_BYTES = 4 * 1024 * 1024
"""Image bytes kept in the final ``snapshot`` trait (the newest images first)."""


class LiveDashboard(LiveNbWidget):
    """Charts, latest values, parameters, images and plots of one run, live.

    ``LiveDashboard(live, title)`` follows ``live``; :meth:`show` displays it
    and starts streaming, :meth:`finish` ends it with a status ("done",
    "error", "interrupted") and a note.
    """

    view = traitlets.Unicode("dashboard").tag(sync=True)
    uid = traitlets.Unicode("").tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)
    snapshot = traitlets.Dict().tag(sync=True)

    def __init__(self, live: Live, title: str = "", interval: float = INTERVAL) -> None:
        super().__init__(uid=uuid.uuid4().hex, title=title)
        self._reader = LiveReader(live, title)
        self._pump = Pump(self._reader, self._send_message, interval)
        self._handle: Any = None
        self._final: static.DashboardState | None = None
        self.on_msg(self._on_frontend_message)

    # ---- state ----------------------------------------------------------------------------

    @property
    def status(self) -> str:
        return self._reader.run.status

    @property
    def note(self) -> str:
        return self._reader.run.note

    @property
    def pump(self) -> Pump:
        return self._pump

    def state(self) -> static.DashboardState:
        """The run as shown now (read back from its files), or its final state once finished."""
        if self._final is not None:
            return self._final
        with self._reader.lock:
            return static.state_from_reader(self._reader)

    def text(self) -> str:
        return static.text(self.state())

    def html(self) -> str:
        return static.html(self.state())

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
            state = static.state_from_reader(self._reader)
            images = self._snapshot_images()
        self._final = state
        self.snapshot = static.snapshot(state, images)
        if self._handle is not None:
            # The final output is static on purpose: a notebook reopened later (where this
            # widget's model no longer exists) would show "model not found" instead of charts.
            self._handle.update(self.static_bundle(), raw=True)

    def static_bundle(self) -> dict[str, Any]:
        """The final charts and summary as plain mime types: Vega-Lite, SVG and text."""
        state = self.state()
        return {
            "text/plain": static.text(state),
            static.VEGALITE_MIME: static.vegalite(state),
            static.SVG_MIME: static.svg(state),
        }

    def _snapshot_images(self) -> dict[str, tuple[str, bytes]]:
        from live_nb.widgets.stream import _mime, _read_bytes

        kept: dict[str, tuple[str, bytes]] = {}
        budget = SNAPSHOT_IMAGE_BYTES
        for name, path in reversed(list(self._reader._image_paths.items())):
            data = _read_bytes(path)
            if data is None or len(data) > budget:
                continue
            budget -= len(data)
            kept[name] = (_mime(name), data)
        return dict(reversed(list(kept.items())))

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
        return {**data, **self.static_bundle()}, metadata


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
