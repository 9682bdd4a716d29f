"""What a dashboard sends to the browser while a run goes on, and when.

The dashboard does not subscribe to :class:`~live_nb.Live`'s events: any
subscriber makes ``Live`` build and dispatch an event for every
``log_metric`` (more than half the cost of a fast logging loop on its own).
Instead :class:`LiveReader` reads what ``Live`` has already written, the
append-only metric files (``plots/metrics/*.tsv``) and the image and plot files
(written atomically), named by :meth:`Live.snapshot`, and :class:`Pump` calls
it from a background thread at most ``1 / interval`` times a second. The
logging thread pays nothing per logged value; the pump's cost is the new bytes
it reads and sends.

Metric rows go to the browser as the TSV bytes they are on disk (without the
header): Python never parses them while the run goes on; the browser does.
Each chart's Vega-Lite spec comes with the first rows of its metric, and with
every plot, from :mod:`live_nb.render.vegalite`: the browser only embeds it.
:meth:`LiveReader.state` reads the whole run back, for the final output.
"""

from __future__ import annotations

import json
import math
import os
import threading
import time
import warnings
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from live_nb.error import LiveNbWarning
from live_nb.formats.images import STEP_IMAGE, image_key, mime_for
from live_nb.formats.metrics import parse_rows
from live_nb.formats.plots import plot_records
from live_nb.render import state as run_state
from live_nb.render import vegalite
from live_nb.render.downsample import downsample
from live_nb.render.state import DashboardState, Picture, Plot, Series
from live_nb.render.theme import DISPLAY_MAX_POINTS

if TYPE_CHECKING:
    from live_nb.live import Live
    from live_nb.snapshot import LiveSnapshot, LoggedPlot

INTERVAL = 0.1
"""Seconds between two messages to the browser (at most 10 a second)."""

MAX_READ_BYTES = 8 * 1024 * 1024
"""Bytes of one metric file read for one message; the rest follows in the next ones."""

MAX_IMAGE_BYTES = 10 * 1024 * 1024
"""Images larger than this are not sent to the browser (they stay on disk)."""

MAX_MESSAGE_IMAGE_BYTES = 24 * 1024 * 1024
"""Image bytes in one message; further images wait for the next message."""

MAX_PLOT_BYTES = 32 * 1024 * 1024

_RESTAT_ALL_IMAGES_UP_TO = 200

Message = tuple[dict[str, Any], list[bytes]]
Sender = Callable[[dict[str, Any], list[bytes]], None]


@dataclass
class _Cursor:
    """How far one metric file has been read: up to the end of its last complete row."""

    path: Path
    offset: int = 0
    start: int = 0  # offset of the first row, after the header
    timestamped: bool | None = None  # None until the header was read


@dataclass
class RunState:
    """The header of a run: who, how it is going, and how it ended."""

    title: str = ""
    status: str = "running"
    note: str = ""
    started: float = field(default_factory=time.monotonic)
    ended: float | None = None

    @property
    def running(self) -> bool:
        """Whether the run is still going on."""
        return self.ended is None

    @property
    def elapsed(self) -> float:
        """Seconds since the run started, or its duration once it ended."""
        return (self.ended if self.ended is not None else time.monotonic()) - self.started


class LiveReader:
    """Reads what a :class:`Live` has logged since the last :meth:`collect`.

    Not thread-safe by itself: callers hold :attr:`lock` (``Pump`` does).
    """

    def __init__(self, live: Live, title: str = "") -> None:
        self._live_ref = weakref.ref(live)
        self.run = RunState(title=title)
        self.lock = threading.RLock()
        self.seq = -1
        self._cursors: dict[str, _Cursor] = {}
        self._latest: dict[str, Any] = {}
        self._params_seen: object = None
        self.params: list[list[Any]] = []  # as sent: [name, JSON-safe value]
        self._images: dict[str, tuple[int, int]] = {}  # name -> (mtime_ns, size) sent
        self.image_paths: dict[str, Path] = {}  # the images sent
        self._plots: dict[str, tuple[int, int, str | None]] = {}
        self._header: tuple[Any, ...] = ()
        self._step = -1
        self._plot_config: dict[str, LoggedPlot] = {}  # the plots sent

    @property
    def live(self) -> Live | None:
        """The run followed, or None once it is gone."""
        return self._live_ref()

    # ---- incremental messages ------------------------------------------------------------

    def collect(self) -> Message | None:
        """One message with everything new since the last call, or None when nothing is."""
        run = self._snapshot()
        content: dict[str, Any] = {"type": "update"}
        buffers: list[bytes] = []
        if run is not None:
            self._collect_series(run, content, buffers)
            self._collect_latest(run, content)
            self._collect_params(run, content)
            self._collect_images(run, content, buffers)
            self._collect_plots(run, content, buffers)
        header = self._header_fields()
        if header != self._header:
            self._header = header
            content.update(self._header_content(run))
        step = _steps_done(run)
        if step != self._step:
            self._step = content["step"] = step
        if len(content) == 1:
            return None
        self.seq += 1
        content["seq"] = self.seq
        content["elapsed"] = round(self.run.elapsed, 3)
        content["step"] = step
        return content, buffers

    def _snapshot(self) -> LiveSnapshot | None:
        live = self._live_ref()
        return None if live is None else live.snapshot()

    def _collect_series(
        self, run: LiveSnapshot, content: dict[str, Any], buffers: list[bytes]
    ) -> None:
        entries: list[dict[str, Any]] = []
        for name, path in run.metrics.items():
            cursor = self._cursors.get(name)
            if cursor is None:
                cursor = self._cursors[name] = _Cursor(Path(path))
            first = cursor.offset == cursor.start  # no row sent: the spec goes with the first
            rows = _read_rows(cursor)
            if rows:
                if first:
                    _add_spec(content, "metrics", name, metric_chart_spec(name))
                entries.append(
                    {"name": name, "ts": bool(cursor.timestamped), "buffer": len(buffers)}
                )
                buffers.append(rows)
        if entries:
            content["series"] = entries

    def _collect_latest(self, run: LiveSnapshot, content: dict[str, Any]) -> None:
        changed = {}
        for name, value in flatten_summary(dict(run.summary)).items():
            if name not in self._latest or self._latest[name] != value:
                self._latest[name] = value
                changed[name] = value
        if changed:
            content["latest"] = changed

    def _collect_params(self, run: LiveSnapshot, content: dict[str, Any]) -> None:
        if run.params != self._params_seen:
            self._params_seen = run.params
            self.params = [[str(key), json_safe(value)] for key, value in run.params.items()]
            content["params"] = self.params

    def _collect_images(
        self, run: LiveSnapshot, content: dict[str, Any], buffers: list[bytes]
    ) -> None:
        images = list(run.images.items())
        restat_all = len(images) <= _RESTAT_ALL_IMAGES_UP_TO
        budget = MAX_MESSAGE_IMAGE_BYTES
        entries: list[dict[str, Any]] = []
        for name, path in images:
            sent = self._images.get(name)
            if sent is not None and not restat_all and STEP_IMAGE.match(name):
                continue  # one image per step: written once
            try:
                stat = os.stat(path)
            except OSError:
                continue
            key = (stat.st_mtime_ns, stat.st_size)
            if key == sent:
                continue
            if stat.st_size > MAX_IMAGE_BYTES:
                self._images[name] = key
                continue
            if stat.st_size > budget and entries:
                break  # the rest goes with the next message
            data = read_bytes(Path(path))
            if data is None:
                continue
            budget -= len(data)
            self._images[name] = key
            self.image_paths[name] = Path(path)
            entries.append({"name": name, "mime": mime_for(name), "buffer": len(buffers)})
            buffers.append(data)
        if entries:
            content["images"] = entries

    def _collect_plots(
        self, run: LiveSnapshot, content: dict[str, Any], buffers: list[bytes]
    ) -> None:
        entries: list[dict[str, Any]] = []
        for name, plot in run.plots.items():
            try:
                stat = os.stat(plot.path)
            except OSError:
                continue
            key = (stat.st_mtime_ns, stat.st_size, plot.sklearn)
            if self._plots.get(name) == key or stat.st_size > MAX_PLOT_BYTES:
                continue
            data = read_bytes(plot.path)
            if data is None:
                continue
            self._plots[name] = key
            self._plot_config[name] = plot
            entries.append(_plot_entry(name, plot, {"buffer": len(buffers)}))
            _add_spec(content, "plots", name, _live_plot_spec(name, entries[-1]["config"], data))
            buffers.append(data)
        if entries:
            content["plots"] = entries

    def _header_fields(self) -> tuple[Any, ...]:
        run = self.run
        return (run.title, run.status, run.note, run.running)

    def _header_content(self, snapshot: LiveSnapshot | None) -> dict[str, Any]:
        run = self.run
        return {
            "title": run.title,
            "status": run.status,
            "note": run.note,
            "running": run.running,
            "step": _steps_done(snapshot),
        }

    # ---- everything at once ---------------------------------------------------------------

    def replay(self) -> Message:
        """Everything sent so far, as one message that replaces what a browser holds.

        Its ``seq`` is that of the last message sent, so a browser that has them
        all ignores it.
        """
        content: dict[str, Any] = {"type": "update", "reset": True, "seq": self.seq}
        content.update(self._header_content(self._snapshot()))
        content["elapsed"] = round(self.run.elapsed, 3)
        buffers: list[bytes] = []
        series = []
        for name, cursor in self._cursors.items():
            rows = read_range(cursor.path, cursor.start, cursor.offset)
            if rows:
                series.append(
                    {"name": name, "ts": bool(cursor.timestamped), "buffer": len(buffers)}
                )
                _add_spec(content, "metrics", name, metric_chart_spec(name))
                buffers.append(rows)
        content["series"] = series
        content["latest"] = dict(self._latest)
        content["params"] = self.params
        images = []
        for name, path in self.image_paths.items():
            data = read_bytes(path)
            if data is not None:
                images.append({"name": name, "mime": mime_for(name), "buffer": len(buffers)})
                buffers.append(data)
        content["images"] = images
        plots = []
        for name, plot in self._plot_config.items():
            data = read_bytes(plot.path)
            if data is not None:
                plots.append(_plot_entry(name, plot, {"buffer": len(buffers)}))
                _add_spec(content, "plots", name, _live_plot_spec(name, plots[-1]["config"], data))
                buffers.append(data)
        content["plots"] = plots
        return content, buffers

    def state(self, max_points: int = DISPLAY_MAX_POINTS) -> DashboardState:
        """The whole run read back from its files, as the renderers take it (hold :attr:`lock`)."""
        snapshot = self._snapshot()
        run = self.run
        state = DashboardState(
            title=run.title,
            status=run.status,
            note=run.note,
            step=_steps_done(snapshot),
            elapsed=run.elapsed,
            running=run.running,
            params=[list(item) for item in self.params],
            latest=dict(self._latest),
            images=list(self.image_paths),
            seq=self.seq,
        )
        state.pictures, state.pictures_skipped = latest_pictures(self.image_paths)
        if snapshot is not None:
            state.latest.update(flatten_summary(dict(snapshot.summary)))
        for name, cursor in self._cursors.items():
            rows = read_range(cursor.path, cursor.start, cursor.offset)
            steps, values = parse_rows(rows, bool(cursor.timestamped))
            if values:  # a text metric has its latest value shown, not a chart
                kept_steps, kept_values = downsample(steps, values, max_points)
                state.series.append(Series(name, kept_steps, kept_values, len(values)))
        for name, plot in (snapshot.plots if snapshot is not None else {}).items():
            records = _plot_records(plot.path)
            if records is not None:
                state.plots.append(Plot(name, plot.kind, plot.sklearn, dict(plot.config), records))
        return state

    def finish(self, status: str, note: str) -> None:
        """The run is over: fix its status, note and elapsed time."""
        self.run.status = status
        self.run.note = note
        if self.run.ended is None:
            self.run.ended = time.monotonic()


class Pump:
    """Sends what a :class:`LiveReader` collects, from a daemon thread, every ``interval`` seconds.

    ipykernel publishes messages from any thread (its IOPub thread does the
    sending), so messages reach the browser while the kernel's main thread is
    busy running the cell. :meth:`flush` may also be called from any thread.
    """

    def __init__(self, reader: LiveReader, send: Sender, interval: float = INTERVAL) -> None:
        self.reader = reader
        self._send = send
        self.interval = interval
        self.sent = 0
        self.failures = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        """Whether the thread is sending."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start sending from the background thread."""
        if self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="live_nb-dashboard", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread (it finishes the message it is sending, if any)."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=10)
        self._thread = None

    def flush(self) -> bool:
        """Send what is new now; False when there was nothing, or the send failed."""
        with self.reader.lock:
            try:
                message = self.reader.collect()
                if message is None:
                    return False
                self._send(*message)
            except Exception as error:
                self._failed(error)
                return False
        self.sent += 1
        return True

    def send_replay(self) -> None:
        """Send everything sent so far again, in one message (a view asked for it)."""
        with self.reader.lock:
            try:
                self.flush()
                self._send(*self.reader.replay())
            except Exception as error:
                self._failed(error)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            if self.reader.live is None:
                return  # the Live object is gone: nothing more will be logged
            self.flush()
            if self.failures >= 3:
                return

    def _failed(self, error: Exception) -> None:
        self.failures += 1
        if self.failures == 1:
            warnings.warn(
                f"live_nb: the dashboard could not update ({type(error).__name__}: {error}); "
                "your run goes on and its results are saved as usual.",
                LiveNbWarning,
                stacklevel=2,
            )


# ---- helpers ----------------------------------------------------------------------------


def flatten_summary(summary: dict[str, Any]) -> dict[str, Any]:
    """``{"train": {"loss": 0.1}, "step": 3}`` -> ``{"train/loss": 0.1}``, JSON-safe values."""
    flat: dict[str, Any] = {}

    def walk(prefix: str, node: dict[str, Any]) -> None:
        for key, value in node.items():
            name = f"{prefix}{key}"
            if isinstance(value, dict):
                walk(name + "/", value)
            else:
                flat[name] = json_safe(value)

    for key, value in summary.items():
        if key == "step" and not isinstance(value, dict):
            continue
        if isinstance(value, dict):
            walk(f"{key}/", value)
        else:
            flat[str(key)] = json_safe(value)
    return flat


def json_safe(value: Any) -> Any:
    """``value`` as JSON without NaN: numbers, text, booleans and None as are, the rest as text."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    try:
        return json.dumps(value, default=str, allow_nan=False, ensure_ascii=False)
    except ValueError:
        return str(value)


def _steps_done(run: LiveSnapshot | None) -> int:
    return 0 if run is None else run.steps_done


def metric_chart_spec(name: str) -> dict[str, Any]:
    """The live chart of a metric: the page writes its name above it, so no title."""
    return vegalite.metric_spec(name, titled=False)


def latest_pictures(paths: dict[str, Path], budget: int | None = None) -> tuple[list[Picture], int]:
    """The latest image of each name (the highest step), read while they fit in ``budget`` bytes.

    Returns the pictures, in the order their names were first logged, and how many were left out
    (larger than what is left of ``budget``, ``STATIC_IMAGE_BYTES`` by default). What the latest
    images leave of the budget goes to earlier frames of names with one image per step (up to
    ``STATIC_FRAMES`` each, evenly spaced, within ``STATIC_FRAME_BYTES``), for the final
    output's step slider.
    """
    if budget is None:
        budget = run_state.STATIC_IMAGE_BYTES
    frames: dict[str, list[tuple[int, str, Path]]] = {}
    for name, path in paths.items():
        key, step = image_key(str(name))
        frames.setdefault(key, []).append((step or 0, str(name), Path(path)))
    for found in frames.values():
        found.sort(key=lambda frame: frame[0])
    pictures: list[Picture] = []
    skipped = 0
    for key, found in frames.items():
        _, name, path = found[-1]
        picture = _read_picture(key, name, path, budget)
        if picture is None:
            skipped += 1
            continue
        budget -= len(picture.data)
        pictures.append(picture)
    budget = min(budget, run_state.STATIC_FRAME_BYTES)
    for picture in pictures:
        budget = _add_earlier_frames(picture, frames[picture.name][:-1], budget)
    return pictures, skipped


def _read_picture(key: str, name: str, path: Path, budget: int) -> Picture | None:
    """The image ``name`` at ``path`` if it is one and fits in ``budget`` bytes."""
    mime = mime_for(name)
    try:
        if path.stat().st_size > budget or not mime.startswith("image/"):
            return None
        data = path.read_bytes()
    except OSError:
        return None  # gone: not an image to show any more
    return Picture(key, name, image_key(name)[1], mime, data) if len(data) <= budget else None


def _add_earlier_frames(picture: Picture, earlier: list[tuple[int, str, Path]], budget: int) -> int:
    if picture.step is None:
        return budget
    for _, name, path in evenly_spaced(earlier, run_state.STATIC_FRAMES - 1):
        frame = _read_picture(picture.name, name, path, budget)
        if frame is not None and frame.step is not None:
            budget -= len(frame.data)
            picture.earlier.append(frame)
    return budget


def evenly_spaced(items: list[Any], count: int) -> list[Any]:
    """At most ``count`` of ``items``, evenly spaced, the first and the last kept."""
    if len(items) <= count:
        return items
    if count <= 1:
        return items[-1:] if count == 1 else []
    last = len(items) - 1
    return [items[round(i * last / (count - 1))] for i in range(count)]


def _plot_records(path: Path) -> list[dict[str, Any]] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return plot_records(data)


def snapshot_message(state: DashboardState, images: dict[str, tuple[str, bytes]]) -> dict[str, Any]:
    """The final state as one message of the stream (the ``snapshot`` trait, report.html's data).

    Its shape is documented in ``js/src/dashboard/store.js``; ``images`` maps a name to
    ``(mime, bytes)``.
    """
    return {
        "type": "update",
        "seq": state.seq,
        "title": state.title,
        "status": state.status,
        "note": state.note,
        "running": state.running,
        "step": state.step,
        "elapsed": round(state.elapsed, 3),
        "params": state.params,
        "latest": state.latest,
        "series": [{"name": s.name, "steps": s.steps, "values": s.values} for s in state.series],
        "plots": [
            {
                "name": p.name,
                "kind": p.kind,
                "sklearn": p.sklearn,
                "config": p.config,
                # a confusion matrix counts its records: all of them are kept
                "data": p.records
                if p.config.get("template") in vegalite.CONFUSION_TEMPLATES
                else vegalite.thin(p.records),
            }
            for p in state.plots
        ],
        "images": [
            {"name": name, "mime": mime, "bytes": data} for name, (mime, data) in images.items()
        ],
        "specs": {
            "metrics": {s.name: metric_chart_spec(s.name) for s in state.series},
            "plots": {
                p.name: vegalite.plot_spec(p.name, p.config, title_records=p.records)
                for p in state.plots
            },
        },
    }


def _live_plot_spec(name: str, config: dict[str, Any], data: bytes) -> dict[str, Any]:
    """A live plot's spec (reading the named data source); a ROC curve's title has its AUC."""
    records = None
    if (config.get("x"), config.get("y")) == ("fpr", "tpr"):
        try:
            records = plot_records(json.loads(data))
        except ValueError:
            records = None
    return vegalite.plot_spec(name, config, title_records=records)


def _add_spec(content: dict[str, Any], kind: str, name: str, spec: dict[str, Any]) -> None:
    """Send ``spec`` with this message: ``content["specs"][kind][name]`` (kind: metrics, plots)."""
    content.setdefault("specs", {}).setdefault(kind, {})[name] = spec


def _read_rows(cursor: _Cursor) -> bytes:
    """The complete rows appended to a metric file since the cursor; moves the cursor."""
    try:
        with open(cursor.path, "rb") as file:
            file.seek(cursor.offset)
            data = file.read(MAX_READ_BYTES)
    except OSError:
        return b""
    if cursor.timestamped is None:
        newline = data.find(b"\n")
        if newline < 0:
            return b""
        columns = data[:newline].rstrip(b"\r").split(b"\t")
        cursor.timestamped = len(columns) >= 3 and columns[0] == b"timestamp"
        cursor.offset += newline + 1
        cursor.start = cursor.offset
        data = data[newline + 1 :]
    end = data.rfind(b"\n")
    if end < 0:
        return b""
    cursor.offset += end + 1
    return data[: end + 1]


def read_range(path: Path, start: int, end: int) -> bytes:
    """The bytes of ``path`` from ``start`` to ``end`` (empty when it cannot be read)."""
    try:
        with open(path, "rb") as file:
            file.seek(start)
            return file.read(max(0, end - start))
    except OSError:
        return b""


def read_bytes(path: Path) -> bytes | None:
    """The bytes of ``path``, or None when it cannot be read (gone, or being replaced)."""
    try:
        return path.read_bytes()
    except OSError:
        return None


def _plot_entry(name: str, plot: LoggedPlot, data: dict[str, Any]) -> dict[str, Any]:
    config = {
        key: [json_safe(v) for v in value] if isinstance(value, list) else json_safe(value)
        for key, value in plot.config.items()
    }
    return {
        "name": name,
        "kind": plot.kind,
        "sklearn": plot.sklearn,
        "config": config,
        **data,
    }
