"""What a dashboard sends to the browser while a run goes on, and when.

The dashboard does not subscribe to :class:`~live_nb.Live`'s events: any
subscriber makes ``Live`` build and dispatch an event for every
``log_metric`` (more than half the cost of a fast logging loop on its own).
Instead :class:`LiveReader` reads what ``Live`` has already written, the
append-only metric files (``plots/metrics/*.tsv``), the image and plot files
(written atomically) and a few of ``Live``'s dictionaries, and :class:`Pump`
calls it from a background thread at most ``1 / interval`` times a second.
The logging thread pays nothing per logged value; the pump's cost is the new
bytes it reads and sends.

Metric rows go to the browser as the TSV bytes they are on disk (without the
header): Python never parses them while the run goes on; the browser does.
"""

from __future__ import annotations

import json
import math
import os
import re
import threading
import time
import warnings
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from live_nb.error import LiveNbWarning

if TYPE_CHECKING:
    from live_nb.live import Live

INTERVAL = 0.1
"""Seconds between two messages to the browser (at most 10 a second)."""

MAX_READ_BYTES = 8 * 1024 * 1024
"""Bytes of one metric file read for one message; the rest follows in the next ones."""

MAX_IMAGE_BYTES = 10 * 1024 * 1024
"""Images larger than this are not sent to the browser (they stay on disk)."""

MAX_MESSAGE_IMAGE_BYTES = 24 * 1024 * 1024
"""Image bytes in one message; further images wait for the next message."""

MAX_PLOT_BYTES = 32 * 1024 * 1024

_IMAGE_MIME = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
}
_STEP_IMAGE = re.compile(r".+/\d+\.(png|jpe?g|gif)$", re.IGNORECASE)
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
        return self.ended is None

    @property
    def elapsed(self) -> float:
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
        self._params: list[list[Any]] = []
        self._images: dict[str, tuple[int, int]] = {}  # name -> (mtime_ns, size) sent
        self._image_paths: dict[str, Path] = {}
        self._plots: dict[str, tuple[int, int, str | None]] = {}
        self._header: tuple[Any, ...] = ()
        self._step = -1

    @property
    def live(self) -> Live | None:
        return self._live_ref()

    # ---- incremental messages ------------------------------------------------------------

    def collect(self) -> Message | None:
        """One message with everything new since the last call, or None when nothing is."""
        live = self._live_ref()
        content: dict[str, Any] = {"type": "update"}
        buffers: list[bytes] = []
        if live is not None:
            self._collect_series(live, content, buffers)
            self._collect_latest(live, content)
            self._collect_params(live, content)
            self._collect_images(live, content, buffers)
            self._collect_plots(live, content, buffers)
        header = self._header_fields()
        if header != self._header:
            self._header = header
            content.update(self._header_content(live))
        step = _live_step(live)
        if step != self._step:
            self._step = content["step"] = step
        if len(content) == 1:
            return None
        self.seq += 1
        content["seq"] = self.seq
        content["elapsed"] = round(self.run.elapsed, 3)
        content["step"] = step
        return content, buffers

    def _collect_series(self, live: Live, content: dict[str, Any], buffers: list[bytes]) -> None:
        entries: list[dict[str, Any]] = []
        for name, series in _items(live._series):
            cursor = self._cursors.get(name)
            if cursor is None:
                cursor = self._cursors[name] = _Cursor(Path(series.path))
            rows = _read_rows(cursor)
            if rows:
                entries.append(
                    {"name": name, "ts": bool(cursor.timestamped), "buffer": len(buffers)}
                )
                buffers.append(rows)
        if entries:
            content["series"] = entries

    def _collect_latest(self, live: Live, content: dict[str, Any]) -> None:
        changed = {}
        for name, value in flatten_summary(live.summary).items():
            if name not in self._latest or self._latest[name] != value:
                self._latest[name] = value
                changed[name] = value
        if changed:
            content["latest"] = changed

    def _collect_params(self, live: Live, content: dict[str, Any]) -> None:
        params = live._params
        if params is not self._params_seen:
            self._params_seen = params
            self._params = [[str(key), json_safe(value)] for key, value in _items(params)]
            content["params"] = self._params

    def _collect_images(self, live: Live, content: dict[str, Any], buffers: list[bytes]) -> None:
        images = _items(live._images)
        restat_all = len(images) <= _RESTAT_ALL_IMAGES_UP_TO
        budget = MAX_MESSAGE_IMAGE_BYTES
        entries: list[dict[str, Any]] = []
        for name, path in images:
            sent = self._images.get(name)
            if sent is not None and not restat_all and _STEP_IMAGE.match(name):
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
            data = _read_bytes(Path(path))
            if data is None:
                continue
            budget -= len(data)
            self._images[name] = key
            self._image_paths[name] = Path(path)
            entries.append({"name": name, "mime": _mime(name), "buffer": len(buffers)})
            buffers.append(data)
        if entries:
            content["images"] = entries

    def _collect_plots(self, live: Live, content: dict[str, Any], buffers: list[bytes]) -> None:
        entries: list[dict[str, Any]] = []
        for name, (path, config) in _items(live._plots):
            kind = live._sklearn_kinds.get(name)
            try:
                stat = os.stat(path)
            except OSError:
                continue
            key = (stat.st_mtime_ns, stat.st_size, kind)
            if self._plots.get(name) == key or stat.st_size > MAX_PLOT_BYTES:
                continue
            data = _read_bytes(Path(path))
            if data is None:
                continue
            self._plots[name] = key
            entries.append(_plot_entry(name, config, kind, {"buffer": len(buffers)}))
            buffers.append(data)
        if entries:
            content["plots"] = entries

    def _header_fields(self) -> tuple[Any, ...]:
        run = self.run
        return (run.title, run.status, run.note, run.running)

    def _header_content(self, live: Live | None) -> dict[str, Any]:
        run = self.run
        return {
            "title": run.title,
            "status": run.status,
            "note": run.note,
            "running": run.running,
            "step": _live_step(live),
        }

    # ---- everything at once ---------------------------------------------------------------

    def replay(self) -> Message:
        """Everything sent so far, as one message that replaces what a browser holds.

        Its ``seq`` is that of the last message sent, so a browser that has them
        all ignores it.
        """
        live = self._live_ref()
        content: dict[str, Any] = {"type": "update", "reset": True, "seq": self.seq}
        content.update(self._header_content(live))
        content["elapsed"] = round(self.run.elapsed, 3)
        buffers: list[bytes] = []
        series = []
        for name, cursor in self._cursors.items():
            rows = _read_range(cursor.path, cursor.start, cursor.offset)
            if rows:
                series.append(
                    {"name": name, "ts": bool(cursor.timestamped), "buffer": len(buffers)}
                )
                buffers.append(rows)
        content["series"] = series
        content["latest"] = dict(self._latest)
        content["params"] = self._params
        images = []
        for name, path in self._image_paths.items():
            data = _read_bytes(path)
            if data is not None:
                images.append({"name": name, "mime": _mime(name), "buffer": len(buffers)})
                buffers.append(data)
        content["images"] = images
        plots = []
        if live is not None:
            for name, (path, config) in _items(live._plots):
                data = _read_bytes(Path(path)) if name in self._plots else None
                if data is not None:
                    kind = live._sklearn_kinds.get(name)
                    plots.append(_plot_entry(name, config, kind, {"buffer": len(buffers)}))
                    buffers.append(data)
        content["plots"] = plots
        return content, buffers

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
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
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
        for key, value in _items(node):
            name = f"{prefix}{key}"
            if isinstance(value, dict):
                walk(name + "/", value)
            else:
                flat[name] = json_safe(value)

    for key, value in _items(summary):
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


def _items(mapping: dict[Any, Any]) -> list[tuple[Any, Any]]:
    """A dictionary's items, copied while another thread may be adding to it."""
    for _ in range(5):
        try:
            return list(mapping.items())
        except RuntimeError:  # changed size during iteration
            continue
    return list(dict(mapping).items())


def _live_step(live: Live | None) -> int:
    """Steps done: ``summary["step"] + 1`` once a step ended (also after ``end()``), or ``step``."""
    if live is None:
        return 0
    done = live.summary.get("step")
    return done + 1 if isinstance(done, int) and not isinstance(done, bool) else live.step


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


def _read_range(path: Path, start: int, end: int) -> bytes:
    try:
        with open(path, "rb") as file:
            file.seek(start)
            return file.read(max(0, end - start))
    except OSError:
        return b""


def _read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _mime(name: str) -> str:
    return _IMAGE_MIME.get(os.path.splitext(name)[1].lower(), "application/octet-stream")


def _plot_entry(
    name: str, config: dict[str, Any], sklearn_kind: str | None, data: dict[str, Any]
) -> dict[str, Any]:
    return {
        "name": name,
        "kind": "sklearn" if sklearn_kind else "custom",
        "sklearn": sklearn_kind,
        "config": {
            key: [json_safe(v) for v in value] if isinstance(value, list) else json_safe(value)
            for key, value in config.items()
        },
        **data,
    }
