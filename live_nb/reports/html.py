"""``Live(report="html")``: ``report.html``, the run's charts, tables and images in one page.

The page is self-contained: the report bundle (``live_nb/static/report.js``,
built from ``js/src/report/``: the notebook dashboard's view and Vega) inlined
in a ``<script type="module">``, and the run's data as JSON in a
``<script type="application/json">`` element, charts specs included. It loads
nothing (a Content-Security-Policy forbids it, and any script but the
report's own), so it opens offline in any browser; every user string reaches
the page as JSON text and is shown as text.
"""

from __future__ import annotations

import base64
import hashlib
import html as html_lib
import json
import math
import re
import warnings
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from live_nb.error import LiveNbWarning
from live_nb.formats.files import atomic_write
from live_nb.formats.images import image_key
from live_nb.formats.metrics import parse_rows
from live_nb.formats.plots import plot_records
from live_nb.render.downsample import StreamingPoints
from live_nb.render.html import html as summary_html
from live_nb.render.state import DashboardState, Plot, Series
from live_nb.reports.file import FileReport
from live_nb.widgets.stream import LiveReader, snapshot_message

if TYPE_CHECKING:
    from live_nb.live import Live

REFRESH_SECONDS = 5
"""How often an open ``report.html`` reloads itself while the run goes on."""

MAX_REPORT_IMAGE_BYTES = 10 * 1024 * 1024
"""Image bytes embedded in ``report.html``: the latest image of each name first."""

BUNDLE = Path(__file__).resolve().parent.parent / "static" / "report.js"
DATA_ID = "live-nb-report-data"
ROOT_ID = "live-nb-report"
FORMAT = "live_nb-report"
VERSION = 1

_MAX_COLLECTS = 64


# ---- report.html --------------------------------------------------------------------------


class HtmlReport(FileReport):
    """``report.html``: the dashboard's charts, tables and images in one offline page.

    It follows the run as the notebook dashboard does: a
    :class:`~live_nb.widgets.stream.LiveReader` hands it what ``Live`` wrote
    since the last rewrite (new metric rows, changed images and plots), which it
    keeps: metric points downsampled as they come (:class:`StreamingPoints`),
    plots parsed, images base64-encoded. A rewrite reads, parses and encodes
    only what is new, however long the run.
    """

    suffix = "html"

    def __init__(self, live: Live) -> None:
        """Follow ``live``, from a reader of its files (as the dashboard does)."""
        super().__init__(live)
        self._dir = live.dir
        self._reader: LiveReader = LiveReader(live, title=f"live_nb report · {live.dir}")
        self._points: dict[str, StreamingPoints] = {}
        self._latest: dict[str, Any] = {}
        self._params: list[list[Any]] = []
        self._step = 0
        self._plots: dict[str, Plot] = {}
        self._images_dir = self.path.parent / "plots" / "images"
        # name -> [mime, size, base64 or None]: base64 kept for the images embedded only
        self._images: dict[str, list[Any]] = {}
        self._bundle_warned = False

    def finish(self, status: str) -> None:
        """The run ended with ``status``: the next write is the final page."""
        with self._reader.lock:
            self._reader.finish(status, "")

    def write(self) -> None:
        """Write ``report.html`` (atomically)."""
        atomic_write(self.path, self.page())

    def page(self) -> str:
        """The report as it is now (takes in what ``Live`` has written since the last call)."""
        state = self.state()
        bundle = self._bundle()
        refresh = max(REFRESH_SECONDS, math.ceil(self.interval)) if state.running else None
        return render_page(state, self.data(state, refresh), bundle, refresh)

    def state(self) -> DashboardState:
        """The run now, as the dashboard's static copies describe it."""
        reader = self._reader
        with reader.lock:
            for _ in range(_MAX_COLLECTS):  # one collect reads a bounded amount per file
                message = reader.collect()
                if message is None:
                    break
                self._take(*message)
                if not ("series" in message[0] or "images" in message[0]):
                    break
            run = reader.run
            state = DashboardState(
                title=run.title,
                status=run.status,
                note=run.note,
                step=self._step,
                elapsed=run.elapsed,
                running=run.running,
                params=[list(item) for item in self._params],
                latest=dict(self._latest),
                images=list(self._images),
                seq=reader.seq,
            )
        for name, points in self._points.items():
            if points.count:
                steps, values = points.points()
                state.series.append(Series(name, steps, values, points.count))
        state.plots = list(self._plots.values())
        return state

    def _take(self, content: dict[str, Any], buffers: list[bytes]) -> None:
        """Keep what one message of the reader brings (see ``js/src/dashboard/store.js``)."""
        if "step" in content:
            self._step = content["step"]
        if "params" in content:
            self._params = content["params"]
        self._latest.update(content.get("latest", {}))
        for entry in content.get("series", []):
            points = self._points.get(entry["name"])
            if points is None:
                points = self._points[entry["name"]] = StreamingPoints()
            points.extend(*parse_rows(buffers[entry["buffer"]], entry["ts"]))
        for entry in content.get("images", []):
            data = buffers[entry["buffer"]]
            self._images[entry["name"]] = [entry["mime"], len(data), _base64(data)]
        for entry in content.get("plots", []):
            try:
                records = plot_records(json.loads(buffers[entry["buffer"]]))
            except ValueError:
                continue
            name = entry["name"]
            kind = entry["kind"]
            self._plots[name] = Plot(name, kind, entry["sklearn"], entry["config"], records)

    def data(self, state: DashboardState, refresh: int | None) -> dict[str, Any]:
        """The JSON island (see ``js/src/report/data.js`` for its shape)."""
        message = snapshot_message(state, {})
        images, omitted, omitted_bytes = self._embedded_images()
        message["images"] = images
        return {
            "format": FORMAT,
            "version": VERSION,
            "generated": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "refresh": refresh,
            "dir": self._dir,
            "message": message,
            "counts": {series.name: series.count for series in state.series},
            "omitted": {"images": omitted, "bytes": omitted_bytes},
        }

    def _embedded_images(self) -> tuple[list[dict[str, Any]], int, int]:
        """The images, the latest of each name first, within MAX_REPORT_IMAGE_BYTES.

        Only the embedded images stay in memory (as base64); one that comes
        back into the budget is read again from its file.
        """
        budget = MAX_REPORT_IMAGE_BYTES
        kept: set[str] = set()
        omitted = omitted_bytes = 0
        for name in _image_priority(list(self._images)):
            image = self._images[name]
            if image[1] > budget:
                omitted += 1
                omitted_bytes += image[1]
                image[2] = None
                continue
            if image[2] is None:
                try:
                    image[2] = _base64((self._images_dir / name).read_bytes())
                except OSError:
                    continue
            budget -= image[1]
            kept.add(name)
        images = [
            {"name": name, "mime": image[0], "bytes": image[2]}
            for name, image in self._images.items()
            if name in kept
        ]
        return images, omitted, omitted_bytes

    def _bundle(self) -> str | None:
        bundle = report_bundle()
        if bundle is None and not self._bundle_warned:
            self._bundle_warned = True
            warnings.warn(
                f"live_nb's report script {BUNDLE} is missing (a source checkout where "
                "`cd js && npm install && npm run build` was not run), so report.html shows "
                "static charts only.",
                LiveNbWarning,
                stacklevel=6,
            )
        return bundle


def _base64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _image_priority(names: list[str]) -> list[str]:
    """The images in the order they are kept: the latest of each name, then the others.

    ``samples/<step>.png`` counts as one name, "samples"; the others go newest step first.
    """
    groups: dict[str, list[tuple[int, str]]] = {}
    for name in names:
        key, step = image_key(name)
        step = step or 0
        groups.setdefault(key, []).append((step, name))
    frames = [sorted(group) for group in groups.values()]
    latest = [group[-1][1] for group in frames]
    rest = sorted((frame for group in frames for frame in group[:-1]), reverse=True)
    return latest + [name for _, name in rest]


_BUNDLE_CACHE: dict[str, Any] = {}


def report_bundle() -> str | None:
    """The built report script, ready to inline (None when it was not built)."""
    try:
        stat = BUNDLE.stat()
    except OSError:
        return None
    key = (stat.st_mtime_ns, stat.st_size)
    if _BUNDLE_CACHE.get("key") != key:
        _BUNDLE_CACHE.clear()
        _BUNDLE_CACHE["key"] = key
        _BUNDLE_CACHE["text"] = inline_script_text(BUNDLE.read_text(encoding="utf-8"))
    text: str = _BUNDLE_CACHE["text"]
    return text


def inline_script_text(code: str) -> str:
    r"""JavaScript that cannot end or unbalance the ``<script>`` element it is inlined in.

    ``</script`` and ``<!--`` can only appear inside a string, template or regular
    expression literal, where ``<\/script`` and ``\x3C!--`` mean the same.
    """
    code = re.sub(r"</(script)", r"<\\/\1", code, flags=re.IGNORECASE)
    return code.replace("<!--", "\\x3C!--")


def json_island(data: Any) -> str:
    """``data`` as JSON text that is safe inside ``<script type="application/json">``.

    ``<``, ``>`` and ``&`` become JSON escapes, so no user string can close the
    element, open a comment or start markup; ``JSON.parse`` reads the same values.
    """
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    for char, escape in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escape)
    return text


def script_hash(code: str) -> str:
    """The CSP source allowing exactly this inline script."""
    if _BUNDLE_CACHE.get("text") is not code:
        return _sha256_source(code)
    if "hash" not in _BUNDLE_CACHE:
        _BUNDLE_CACHE["hash"] = _sha256_source(code)
    cached: str = _BUNDLE_CACHE["hash"]
    return cached


def _sha256_source(code: str) -> str:
    digest = hashlib.sha256(code.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def render_page(
    state: DashboardState, data: dict[str, Any], bundle: str | None, refresh: int | None
) -> str:
    """The whole ``report.html``: head, a no-script summary, the data island and the script."""
    esc = html_lib.escape
    if bundle is not None:
        script_src = script_hash(bundle)
        body = (
            f'<div id="{ROOT_ID}"><noscript>{summary_html(state, with_charts=False)}'
            "<p>The charts of this report need JavaScript.</p></noscript></div>\n"
            f'<script type="application/json" id="{DATA_ID}">{json_island(data)}</script>\n'
            f'<script type="module">{bundle}</script>\n'
        )
    else:  # no script built: the static summary and SVG charts
        script_src = "'none'"
        body = (
            f'<div id="{ROOT_ID}" class="live-nb-report-static">{summary_html(state)}</div>\n'
            f'<script type="application/json" id="{DATA_ID}">{json_island(data)}</script>\n'
        )
    policy = (
        f"default-src 'none'; script-src {script_src}; style-src 'unsafe-inline'; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )
    head = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="live_nb">',
    ]
    if refresh is not None:
        head.append(f'<meta http-equiv="refresh" content="{int(refresh)}">')
    head += [
        f"<title>{esc(state.title)} · {esc(state.status)}</title>",
        "<style>body{margin:0;font-family:system-ui,sans-serif;font-size:12px}</style>",
        "</head>",
        "<body>",
    ]
    return "\n".join(head) + "\n" + body + "</body>\n</html>\n"
