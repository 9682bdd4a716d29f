"""The run's report file: ``Live(report="html")`` and ``Live(report="md")``.

``report.html`` is one self-contained page: the report bundle
(``live_nb/static/report.js``, built from ``js/src/report/``: the notebook
dashboard's view and Vega) inlined in a ``<script type="module">``, and the
run's data as JSON in a ``<script type="application/json">`` element. It loads
nothing (a Content-Security-Policy forbids it, and any script but the report's
own), so it opens offline in any browser; every user string reaches the page
as JSON text and is shown as text.

``report.md`` is laid out as DVCLive writes it: a params table, a metrics
table, one chart per metric as ``static/<name>.png`` (drawn with matplotlib,
without pyplot), the logged images, then the custom and sklearn plots as
``static/plots/<name>.png``. Images are linked (``plots/images/<name>``) where
DVCLive inlines them as ``data:`` URLs, which GitHub does not show; sklearn
plots are drawn, where DVCLive leaves them out. Table cells are escaped for
Markdown and HTML.

While the run goes on, :meth:`Report.update` is called from ``next_step`` no
more often than every :data:`REPORT_INTERVAL` seconds, and less often when a
rewrite is costly: writing the report takes at most :data:`REPORT_MAX_SHARE`
of the run's time. It is always written at ``end()`` and by ``make_report()``.
"""

from __future__ import annotations

import base64
import hashlib
import html as html_lib
import io
import json
import math
import os
import re
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from live_nb.error import LiveNbWarning
from live_nb.formats.files import atomic_write
from live_nb.widgets import static

if TYPE_CHECKING:
    from live_nb.live import Live
    from live_nb.widgets.stream import LiveReader

REPORT_INTERVAL = 2.0
"""Seconds between two rewrites of the report during a run, at the least."""

REPORT_MAX_SHARE = 0.02
"""Share of the run's time the rewrites may take: a rewrite costing 0.1 s waits 5 s for the next."""

REPORT_MAX_INTERVAL = 60.0
"""Seconds between two rewrites of the report during a run, at the most."""

REFRESH_SECONDS = 5
"""How often an open ``report.html`` reloads itself while the run goes on."""

MAX_REPORT_IMAGE_BYTES = 10 * 1024 * 1024
"""Image bytes embedded in ``report.html``: the latest image of each name first."""

MD_PLOT_MAX_POINTS = 4000
"""Points per line drawn in ``report.md``'s charts (min/max per bucket, as the dashboard)."""

BUNDLE = Path(__file__).resolve().parent / "static" / "report.js"
DATA_ID = "live-nb-report-data"
ROOT_ID = "live-nb-report"
FORMAT = "live_nb-report"
VERSION = 1

_MAX_COLLECTS = 64
_STEP_IMAGE = re.compile(r"^(.+)/(\d+)\.(png|jpe?g|gif)$", re.IGNORECASE)
_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".gif", ".png")  # DVCLive's order in report.md


def start_report(live: Live, mode: str, resume: bool) -> Report | None:
    """The report ``Live(report=mode)`` keeps up to date; None (with a warning) when it cannot."""
    if mode == "html":
        return HtmlReport(live)
    if mode == "md":
        if not matplotlib_installed():
            warnings.warn(
                "Live(report='md') draws its charts with matplotlib, which is not installed, "
                "so no report is written. Install it (pip install matplotlib) or use "
                "report='html', which needs nothing more.",
                LiveNbWarning,
                stacklevel=4,
            )
            return None
        return MarkdownReport(live, resume)
    raise ValueError(f"no file report for mode {mode!r}")


def matplotlib_installed() -> bool:
    if "matplotlib" in sys.modules:
        return sys.modules["matplotlib"] is not None
    from importlib.util import find_spec

    return find_spec("matplotlib") is not None


class Report:
    """A report file, rewritten when :attr:`due` (``time.monotonic()``) has passed."""

    suffix = ""

    def __init__(self, live: Live) -> None:
        self.path = Path(live._root) / f"report.{self.suffix}"
        self.due = 0.0
        self.interval = REPORT_INTERVAL
        self.writes = 0
        self.last_cost = 0.0
        self._warned = False

    def update(self) -> bool:
        """Rewrite the report now; a failure warns once and never stops the run."""
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
                    stacklevel=3,
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

    def finish(self, status: str) -> None:
        """The run is ending with ``status`` ("done", "error", "interrupted")."""

    def write(self) -> None:
        raise NotImplementedError


# ---- report.html --------------------------------------------------------------------------


class HtmlReport(Report):
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
        from live_nb.widgets.stream import LiveReader

        super().__init__(live)
        self._dir = live.dir
        self._reader: LiveReader = LiveReader(live, title=f"live_nb report · {live.dir}")
        self._points: dict[str, StreamingPoints] = {}
        self._latest: dict[str, Any] = {}
        self._params: list[list[Any]] = []
        self._step = 0
        self._plots: dict[str, static.Plot] = {}
        self._images_dir = Path(live._root) / "plots" / "images"
        # name -> [mime, size, base64 or None]: base64 kept for the images embedded only
        self._images: dict[str, list[Any]] = {}
        self._bundle_warned = False

    def finish(self, status: str) -> None:
        with self._reader.lock:
            self._reader.finish(status, "")

    def write(self) -> None:
        atomic_write(self.path, self.page())

    def page(self) -> str:
        """The report as it is now (takes in what ``Live`` has written since the last call)."""
        state = self.state()
        bundle = self._bundle()
        refresh = max(REFRESH_SECONDS, math.ceil(self.interval)) if state.running else None
        return render_page(state, self.data(state, refresh), bundle, refresh)

    def state(self) -> static.DashboardState:
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
            state = static.DashboardState(
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
                state.series.append(static.Series(name, steps, values, points.count))
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
            points.extend(*static.parse_rows(buffers[entry["buffer"]], entry["ts"]))
        for entry in content.get("images", []):
            data = buffers[entry["buffer"]]
            self._images[entry["name"]] = [entry["mime"], len(data), _base64(data)]
        for entry in content.get("plots", []):
            try:
                records = static.plot_records(json.loads(buffers[entry["buffer"]]))
            except ValueError:
                continue
            name = entry["name"]
            kind = entry["kind"]
            self._plots[name] = static.Plot(name, kind, entry["sklearn"], entry["config"], records)

    def data(self, state: static.DashboardState, refresh: int | None) -> dict[str, Any]:
        """The JSON island (see ``js/src/report/data.js`` for its shape)."""
        message = static.snapshot(state, {})
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


class StreamingPoints:
    """A metric's points, downsampled as they arrive, as ``static.downsample_indices`` keeps them.

    Per bucket of ``size`` consecutive points (1, then powers of two as the
    series grows) it keeps the first minimum and the first maximum; two
    neighbouring buckets merge exactly when the size doubles. Memory stays
    within ``max_points``, and a point costs a few comparisons once.
    """

    def __init__(self, max_points: int = static.DISPLAY_MAX_POINTS) -> None:
        self.max_points = max_points
        self.size = 1
        self.count = 0
        # per bucket: index, step and value of its minimum, then of its maximum
        self.buckets: list[list[Any]] = []
        self._last: tuple[float, float] = (0, 0.0)
        self._limit = max_points  # the count above which the bucket size doubles

    def extend(self, steps: list[float], values: list[float]) -> None:
        if not values:
            return
        size, buckets, limit = self.size, self.buckets, self._limit
        index = self.count
        for x, y in zip(steps, values):
            if index % size == 0:
                buckets.append([index, x, y, index, x, y])
            else:
                bucket = buckets[-1]
                if y < bucket[2]:
                    bucket[0], bucket[1], bucket[2] = index, x, y
                if y > bucket[5]:
                    bucket[3], bucket[4], bucket[5] = index, x, y
            index += 1
            if index > limit:
                while index > limit:
                    self._double()
                    limit = self._limit
                size, buckets = self.size, self.buckets
        self.count = index
        self._last = (steps[-1], values[-1])

    def _double(self) -> None:
        merged: list[list[Any]] = []
        buckets = self.buckets
        for start in range(0, len(buckets), 2):
            left = buckets[start]
            if start + 1 == len(buckets):
                merged.append(left)
                continue
            right = buckets[start + 1]
            low = left[:3] if left[2] <= right[2] else right[:3]
            high = left[3:] if left[5] >= right[5] else right[3:]
            merged.append(low + high)
        self.buckets = merged
        self.size *= 2
        # downsample_indices: 2 * ceil(n / size) + 1 points must fit in max_points
        self._limit = (self.max_points - 1) // 2 * self.size

    def indices(self) -> list[int]:
        """The indices kept, as ``static.downsample_indices`` gives them for the whole series."""
        kept: list[int] = []
        for low, _, _, high, _, _ in self.buckets:
            kept.extend((low,) if low == high else sorted((low, high)))
        if kept and kept[-1] != self.count - 1:
            kept.append(self.count - 1)
        return kept

    def points(self) -> tuple[list[float], list[float]]:
        """The steps and values kept."""
        steps: list[float] = []
        values: list[float] = []
        for low, x_low, y_low, high, x_high, y_high in self.buckets:
            if low == high:
                steps.append(x_low)
                values.append(y_low)
            elif low < high:
                steps += (x_low, x_high)
                values += (y_low, y_high)
            else:
                steps += (x_high, x_low)
                values += (y_high, y_low)
        if self.count and self.size > 1:
            last_bucket = self.buckets[-1]
            if max(last_bucket[0], last_bucket[3]) != self.count - 1:
                steps.append(self._last[0])
                values.append(self._last[1])
        return steps, values


def _base64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _image_priority(names: list[str]) -> list[str]:
    """The latest image of each name (``samples/<step>.png`` counts as one name "samples"),
    then the others, newest step first."""
    groups: dict[str, list[tuple[int, str]]] = {}
    for name in names:
        match = _STEP_IMAGE.match(name)
        key, step = (match.group(1), int(match.group(2))) if match else (name, 0)
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
    """JavaScript that cannot end or unbalance the ``<script>`` element it is inlined in.

    ``</script`` and ``<!--`` can only appear inside a string, template or regular
    expression literal, where ``<\\/script`` and ``\\x3C!--`` mean the same.
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
    state: static.DashboardState, data: dict[str, Any], bundle: str | None, refresh: int | None
) -> str:
    """The whole ``report.html``: head, a no-script summary, the data island and the script."""
    esc = html_lib.escape
    if bundle is not None:
        script_src = script_hash(bundle)
        body = (
            f'<div id="{ROOT_ID}"><noscript>{static.html(state, with_charts=False)}'
            "<p>The charts of this report need JavaScript.</p></noscript></div>\n"
            f'<script type="application/json" id="{DATA_ID}">{json_island(data)}</script>\n'
            f'<script type="module">{bundle}</script>\n'
        )
    else:  # no script built: the static summary and SVG charts
        script_src = "'none'"
        body = (
            f'<div id="{ROOT_ID}" class="live-nb-report-static">{static.html(state)}</div>\n'
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


# ---- report.md ----------------------------------------------------------------------------


class MarkdownReport(Report):
    """``report.md``: DVCLive's layout, with the charts drawn by matplotlib into ``static/``."""

    suffix = "md"

    def __init__(self, live: Live, resume: bool) -> None:
        super().__init__(live)
        self._live_root = Path(live._root)
        self._live = live
        self.static_dir = self._live_root / "static"  # Live clears it when a new run starts
        # chart -> (stat of the data it shows, whether it could be drawn)
        self._drawn: dict[Path, tuple[tuple[int, int], bool]] = {}

    def write(self) -> None:
        atomic_write(self.path, self.text())

    def text(self) -> str:
        """The report as it is now; draws the charts whose data changed."""
        live = self._live
        elements: list[str] = []
        if live._params:
            elements.append(table_section("params.yaml", flatten(live._params)))
        if live.summary:
            elements.append(table_section("metrics.json", flatten(live.summary)))
        used: set[Path] = set()
        for name, path in metric_files(self._live_root / "plots" / "metrics"):
            chart = self._chart_path(name, used)
            if self._draw(chart, path, partial(_draw_metric, path, name, chart)):
                elements.append(image_link(f"static/{name}", chart, self._live_root))
        images = self._live_root / "plots" / "images"
        for name in image_files(images):
            elements.append(image_link(name, images / name, self._live_root))
        plots = list(live._plots.items())
        plots.sort(key=lambda item: item[0] not in live._sklearn_kinds)  # DVCLive: sklearn first
        for name, (path, config) in plots:
            chart = self._chart_path(f"plots/{name}", used)
            source = Path(path)
            if self._draw(chart, source, partial(_draw_plot, source, name, config, chart)):
                elements.append(image_link(name, chart, self._live_root))
        return "# DVC Report\n" + "\n".join(elements) + "\n"

    def _chart_path(self, name: str, used: set[Path]) -> Path:
        path = self.static_dir / f"{name}.png"
        while path in used:
            path = path.with_name(path.stem + "-2.png")
        used.add(path)
        return path

    def _draw(self, chart: Path, source: Path, draw: Callable[[], bool]) -> bool:
        """Draw ``chart`` from ``source`` unless it shows that data already; False: no chart."""
        try:
            stat = source.stat()
        except OSError:
            return False
        key = (stat.st_mtime_ns, stat.st_size)
        seen = self._drawn.get(chart)
        if seen is not None and seen[0] == key and (chart.exists() or not seen[1]):
            return seen[1]
        drawn = draw()
        self._drawn[chart] = (key, drawn)
        return drawn


def metric_files(folder: Path) -> Iterator[tuple[str, Path]]:
    """``(name, path)`` of every metric file, in DVCLive's order: a folder's files, then its
    sub-folders (sorted here; DVCLive takes the file system's order)."""
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError:
        return
    for entry in entries:
        if entry.is_file() and entry.name.endswith(".tsv"):
            yield entry.name[: -len(".tsv")], Path(entry.path)
    for entry in entries:
        if entry.is_dir():
            for name, path in metric_files(Path(entry.path)):
                yield f"{entry.name}/{name}", path


def image_files(folder: Path) -> list[str]:
    """The images' names (``a/b.png``), in DVCLive's order: by suffix, then by name."""
    if not folder.is_dir():
        return []
    found = [p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")]
    return [
        path.relative_to(folder).as_posix()
        for suffix in _IMAGE_SUFFIXES
        for path in sorted(p for p in found if p.suffix == suffix)
    ]


# ---- Markdown text -------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*|~])")
_MD_LINK = re.compile(r"\]\s*[(\[]")
_MD_LONE_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")


def md_escape(value: Any, brackets: bool = False) -> str:
    """Text shown as is by Markdown: HTML, pipes, emphasis and links escaped; newlines as <br>.

    Brackets are escaped only where they could make a link (``[a](b)``, ``[a][b]``),
    so that a list such as ``[64, 32]`` reads as it is (always with ``brackets``).
    """
    text = html_lib.escape(str(value), quote=False)
    text = _MD_SPECIAL.sub(r"\\\1", text)
    if brackets or _MD_LINK.search(text):
        text = text.replace("[", "\\[").replace("]", "\\]")
    text = _MD_LONE_UNDERSCORE.sub(r"\\_", text)
    return re.sub(r"\r\n|\r|\n", "<br>", text)


def image_link(alt: str, target: Path, base: Path) -> str:
    """``![alt](relative/path.png)``: the alt text escaped, the path percent-encoded."""
    relative = Path(os.path.relpath(target, base)).as_posix()
    return f"\n![{md_escape(alt, brackets=True)}]({quote(relative, safe='/')})"


def flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested dictionaries as one level, keys joined by "." (DVCLive's tables)."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, name + "."))
        else:
            flat[name] = value
    return flat


def table_section(title: str, row: dict[str, Any]) -> str:
    """A one-row table under its title, as DVCLive writes ``params.yaml`` and ``metrics.json``."""
    return f"\n{title}\n\n{md_table(row)}"


def md_table(row: dict[str, Any]) -> str:
    """A GitHub table of one row, laid out as ``tabulate(tablefmt="github")`` lays it out:
    numbers right-aligned, text left-aligned, every column at least its title plus two wide."""
    headers, cells, right = [], [], []
    for key, value in row.items():
        text, number = _cell(value)
        headers.append(md_escape(key))
        cells.append(text if number else md_escape(text))
        right.append(number)
    widths = [max(len(h) + 2, len(c)) for h, c in zip(headers, cells)]

    def line(values: list[str]) -> str:
        padded = [v.rjust(w) if r else v.ljust(w) for v, w, r in zip(values, widths, right)]
        return "| " + " | ".join(padded) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(headers), rule, line(cells)])


def _cell(value: Any) -> tuple[str, bool]:
    """A value's text in a table, and whether it is a number (right-aligned)."""
    if value is None:
        return "", False
    if isinstance(value, bool):
        return str(value), False
    if isinstance(value, int):
        return str(value), True
    if isinstance(value, float):
        return format(value, "g"), True
    if isinstance(value, str):
        text = value.strip()
        try:
            float(text.replace(",", ""))
        except ValueError:
            return text, False
        return text, True
    return str(value), False


# ---- matplotlib charts ---------------------------------------------------------------------


def _figure() -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(6.4, 4.8), dpi=100)


def _save(figure: Any, path: Path) -> None:
    import matplotlib

    buffer = io.BytesIO()
    with matplotlib.rc_context({"text.usetex": False}):
        figure.tight_layout()
        figure.savefig(buffer, format="png")
    atomic_write(path, buffer.getvalue())


def _labels(axes: Any, title: str, x_label: str, y_label: str) -> None:
    """Titles as plain text (a "$" in a name is not the start of a formula)."""
    axes.set_title(title, parse_math=False)
    axes.set_xlabel(x_label, parse_math=False)
    axes.set_ylabel(y_label, parse_math=False)


def _draw_metric(source: Path, name: str, chart: Path) -> bool:
    """One metric's chart (x = step) as DVCLive draws it; False for a text metric."""
    try:
        data = source.read_bytes()
    except OSError:
        return False
    header, _, rows = data.partition(b"\n")
    steps, values = static.parse_rows(rows, header.startswith(b"timestamp\t"))
    if not values:
        return False
    from matplotlib.ticker import MaxNLocator

    kept = static.downsample_indices(values, MD_PLOT_MAX_POINTS)
    figure = _figure()
    axes = figure.add_subplot()
    axes.plot([steps[i] for i in kept], [values[i] for i in kept])
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    _labels(axes, name, "step", name.rpartition("/")[2])
    _save(figure, chart)
    return True


def _draw_plot(source: Path, name: str, config: dict[str, Any], chart: Path) -> bool:
    """A custom or sklearn plot by its template: lines, points, bars or a confusion heat map."""
    try:
        records = static.plot_records(json.loads(source.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return False
    if not records:
        return False
    template = str(config.get("template") or "linear")
    x = str(config.get("x", "x"))
    y = config.get("y", "y")
    ys = [str(v) for v in y] if isinstance(y, list) else [str(y)]
    title = str(config.get("title") or name)
    x_label = str(config.get("x_label") or x)
    y_label = str(config.get("y_label") or (ys[0] if len(ys) == 1 else "value"))
    figure = _figure()
    axes = figure.add_subplot()
    if template in ("confusion", "confusion_normalized"):
        plot = static.Plot(name, "sklearn", None, config, records)
        _confusion(axes, plot, template == "confusion_normalized")
    elif template in ("bar_horizontal", "bar_horizontal_sorted"):
        # DVC's bar templates: x is the length of a bar, y its (nominal) label
        labels = [str(record.get(ys[0])) for record in records]
        lengths = [_number(record.get(x)) for record in records]
        pairs = list(zip(labels, lengths))
        if template == "bar_horizontal_sorted":
            pairs.sort(key=lambda pair: pair[1])
        axes.barh(range(len(pairs)), [p[1] for p in pairs])
        axes.set_yticks(range(len(pairs)), [p[0] for p in pairs], parse_math=False)
    else:
        drawn = False
        for field in ys:
            points = [
                (_number(r.get(x)), _number(r.get(field)))
                for r in records
                if _is_number(r.get(x)) and _is_number(r.get(field))
            ]
            if not points:
                continue
            drawn = True
            xs, values = [p[0] for p in points], [p[1] for p in points]
            if template == "scatter":
                axes.scatter(xs, values, s=8, label=field)
            else:
                axes.plot(xs, values, label=field, marker="o" if len(xs) == 1 else None)
        if not drawn:
            return False
        if len(ys) > 1:
            for text in axes.legend().get_texts():
                text.set_parse_math(False)
    _labels(axes, title, x_label, y_label)
    _save(figure, chart)
    return True


def _confusion(axes: Any, plot: static.Plot, normalized: bool) -> None:
    actual, predicted, counts = static.confusion_counts(plot)
    totals = {a: sum(c for (k, _), c in counts.items() if k == a) for a in actual}
    grid: list[list[float]] = []
    for p in predicted:
        row = [float(counts.get((a, p), 0)) for a in actual]
        if normalized:
            row = [value / totals[a] if totals[a] else 0.0 for value, a in zip(row, actual)]
        grid.append(row)
    axes.imshow(grid, cmap="Blues", aspect="auto")
    axes.set_xticks(range(len(actual)), actual, parse_math=False)
    axes.set_yticks(range(len(predicted)), predicted, parse_math=False)
    if len(actual) <= 20 and len(predicted) <= 20:
        peak = max((v for row in grid for v in row), default=0) or 1
        for j, row in enumerate(grid):
            for i, value in enumerate(row):
                label = f"{value:.2f}" if normalized else str(int(value))
                colour = "white" if value > peak / 2 else "#222"
                axes.text(i, j, label, ha="center", va="center", color=colour, parse_math=False)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _number(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    return number if math.isfinite(number) else 0.0
