"""The dashboard's static copies: what a notebook keeps when no widget can run.

A displayed dashboard's mime bundle carries, besides the widget view:

- ``application/vnd.vegalite.v5+json``: the final charts with their data
  inlined (JupyterLab and VS Code draw it themselves, no network);
- ``image/svg+xml``: the same charts and the summary drawn as plain SVG, for
  tools without Vega (nbconvert, GitHub, nbviewer);
- ``text/plain``: the summary as text (terminals, ``jupyter console``).

No ``text/html``: JupyterLab ranks HTML above Vega-Lite and would show it
instead of the interactive charts. :func:`html` builds the summary as HTML for
other users (the report). Every user-supplied string is escaped.

Everything here is a pure function of a :class:`DashboardState`.
"""

from __future__ import annotations

import base64
import html as html_lib
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from live_nb.widgets.stream import LiveReader

VEGALITE_MIME = "application/vnd.vegalite.v5+json"
SVG_MIME = "image/svg+xml"
VEGALITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"

DISPLAY_MAX_POINTS = 2000
"""Points per series kept in the static charts and the snapshot (min/max per bucket, as live)."""

SVG_MAX_POINTS = 1000
MAX_PLOT_RECORDS = 5000

STATUS_COLORS = {
    "running": "#1f77b4",
    "done": "#2ca02c",
    "error": "#d62728",
    "interrupted": "#ff7f0e",
}
PALETTE = (  # Tableau 10, as js/src/common/colors.js
    "#4c78a8",
    "#f58518",
    "#e45756",
    "#72b7b2",
    "#54a24b",
    "#eeca3b",
    "#b279a2",
    "#ff9da6",
    "#9d755d",
    "#bab0ac",
)

STATIC_IMAGE_BYTES = 1024 * 1024
"""Image bytes (all images together) put in the final Vega-Lite chart; the rest are left out."""

STATIC_IMAGE_SIDE = 320
"""The longest side, in px, of an image in the final chart (as the live view draws it)."""

_STEP_IMAGE = re.compile(r"^(.+)/(\d+)\.(png|jpe?g|gif)$", re.IGNORECASE)


@dataclass
class Series:
    name: str
    steps: list[float]
    values: list[float]
    count: int  # points logged (before downsampling)


@dataclass
class Plot:
    name: str
    kind: str  # "custom" or "sklearn"
    sklearn: str | None
    config: dict[str, Any]
    records: list[dict[str, Any]]


@dataclass
class Picture:
    """The latest image logged under one name (``samples`` for ``samples/0.png``, ``1.png``...)."""

    name: str
    file: str  # the image's own name ("samples/3.png")
    step: int | None  # the step in the file's name, if any
    mime: str
    data: bytes


@dataclass
class DashboardState:
    title: str = ""
    status: str = "running"
    note: str = ""
    step: int = 0
    elapsed: float = 0.0
    running: bool = True
    params: list[list[Any]] = field(default_factory=list)
    latest: dict[str, Any] = field(default_factory=dict)
    series: list[Series] = field(default_factory=list)
    plots: list[Plot] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    pictures: list[Picture] = field(default_factory=list)  # the latest image of each name
    pictures_skipped: int = 0  # latest images left out of ``pictures`` (too large)
    seq: int = -1


# ---- building the state -------------------------------------------------------------------


def state_from_reader(reader: LiveReader, max_points: int = DISPLAY_MAX_POINTS) -> DashboardState:
    """The final state of a run, read back from its files (call with ``reader.lock`` held)."""
    from live_nb.widgets.stream import _live_step, _read_range, flatten_summary

    live = reader.live
    run = reader.run
    state = DashboardState(
        title=run.title,
        status=run.status,
        note=run.note,
        step=_live_step(live),
        elapsed=run.elapsed,
        running=run.running,
        params=[list(item) for item in reader._params],
        latest=dict(reader._latest),
        images=list(reader._image_paths),
        seq=reader.seq,
    )
    state.pictures, state.pictures_skipped = latest_pictures(reader._image_paths)
    if live is not None:
        state.latest.update(flatten_summary(live.summary))
    for name, cursor in reader._cursors.items():
        steps, values = parse_rows(
            _read_range(cursor.path, cursor.start, cursor.offset), bool(cursor.timestamped)
        )
        if not values:
            continue  # a text metric: its latest value is shown, not a chart
        kept = downsample_indices(values, max_points)
        state.series.append(
            Series(name, [steps[i] for i in kept], [values[i] for i in kept], len(values))
        )
    if live is not None:
        for name, (path, config) in list(live._plots.items()):
            records = _plot_records(Path(path))
            if records is None:
                continue
            kind = live._sklearn_kinds.get(name)
            state.plots.append(
                Plot(name, "sklearn" if kind else "custom", kind, dict(config), records)
            )
    return state


def image_key(name: str) -> tuple[str, int | None]:
    """``"samples/3.png"`` -> ``("samples", 3)``, ``"cm.png"`` -> ``("cm.png", None)``."""
    match = _STEP_IMAGE.match(name)
    return (match.group(1), int(match.group(2))) if match else (name, None)


def latest_pictures(paths: dict[str, Path], budget: int | None = None) -> tuple[list[Picture], int]:
    """The latest image of each name (the highest step), read while they fit in ``budget`` bytes.

    Returns the pictures, in the order their names were first logged, and how many were left out
    (larger than what is left of ``budget``, :data:`STATIC_IMAGE_BYTES` by default).
    """
    from live_nb.widgets.stream import _mime

    if budget is None:
        budget = STATIC_IMAGE_BYTES
    latest: dict[str, tuple[int, str, Path]] = {}
    for name, path in paths.items():
        key, step = image_key(str(name))
        found = latest.get(key)
        if found is None or (step or 0) >= found[0]:
            latest[key] = (step or 0, str(name), Path(path))
    pictures: list[Picture] = []
    skipped = 0
    for key, (_, name, path) in latest.items():
        mime = _mime(name)
        try:
            size = path.stat().st_size
            data = path.read_bytes() if size <= budget and mime.startswith("image/") else None
        except OSError:
            continue  # gone: not an image to show any more
        if data is None or len(data) > budget:
            skipped += 1
            continue
        budget -= len(data)
        pictures.append(Picture(key, name, image_key(name)[1], mime, data))
    return pictures, skipped


def image_size(data: bytes) -> tuple[int, int] | None:
    """``(width, height)`` of a PNG, GIF or JPEG, from its header; None when not found."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR" and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return int.from_bytes(data[6:8], "little"), int.from_bytes(data[8:10], "little")
    if data[:2] == b"\xff\xd8":
        index = 2
        while index + 9 <= len(data):
            if data[index] != 0xFF:
                return None
            marker = data[index + 1]
            if marker == 0xFF:
                index += 1  # fill byte
                continue
            if marker in (0x01, 0xD8) or 0xD0 <= marker <= 0xD7:
                index += 2  # markers without a length
                continue
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):  # start of frame
                height = int.from_bytes(data[index + 5 : index + 7], "big")
                width = int.from_bytes(data[index + 7 : index + 9], "big")
                return width, height
            index += 2 + int.from_bytes(data[index + 2 : index + 4], "big")
    return None


def parse_rows(data: bytes, timestamped: bool = False) -> tuple[list[float], list[float]]:
    """Steps and values of TSV rows (no header); rows without a finite number are left out."""
    width = 3 if timestamped else 2
    fields = data.replace(b"\n", b"\t").split(b"\t")
    if fields and fields[-1] == b"":
        fields.pop()
    if len(fields) % width == 0:  # the usual case: whole rows of numbers, parsed in bulk
        try:
            steps: list[float] = list(map(int, fields[width - 2 :: width]))
            values = list(map(float, fields[width - 1 :: width]))
        except ValueError:
            pass
        else:
            if _all_finite(values):
                return steps, values
    return _parse_rows_one_by_one(data, width - 2)


def _all_finite(values: list[float]) -> bool:
    try:
        return math.isfinite(sum(values))
    except OverflowError:
        return False


def _parse_rows_one_by_one(data: bytes, column: int) -> tuple[list[float], list[float]]:
    steps: list[float] = []
    values: list[float] = []
    isfinite = math.isfinite
    for line in data.split(b"\n"):
        fields = line.split(b"\t")
        if len(fields) < column + 2:
            continue
        try:
            x = float(fields[column])
            y = float(fields[-1])
        except ValueError:
            continue
        if isfinite(x) and isfinite(y):
            steps.append(int(x) if x.is_integer() else x)
            values.append(y)
    return steps, values


def _plot_records(path: Path) -> list[dict[str, Any]] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return plot_records(data)


def plot_records(data: Any) -> list[dict[str, Any]]:
    """The records of a plot file: a list, or the first list of ``{"roc": [...]}``-like payloads.

    Non-finite numbers (a ROC curve's first threshold is ``Infinity``) become None: JSON has none.
    """
    if isinstance(data, dict):
        data = next((value for value in data.values() if isinstance(value, list)), [])
    if not isinstance(data, list):
        return []
    return [
        {str(key): _finite(value) for key, value in record.items()}
        for record in data
        if isinstance(record, dict)
    ]


def _finite(value: Any) -> Any:
    return None if isinstance(value, float) and not math.isfinite(value) else value


# ---- downsampling (the algorithm of js/src/dashboard/downsample.js) ------------------------


def bucket_size_for(n: int, max_points: int = DISPLAY_MAX_POINTS) -> int:
    if n <= max_points:
        return 1
    bucket = 2
    while 2 * math.ceil(n / bucket) + 1 > max_points:
        bucket *= 2
    return bucket


def downsample_indices(values: list[float], max_points: int = DISPLAY_MAX_POINTS) -> list[int]:
    """Indices kept to draw ``values`` with at most ``max_points`` points.

    All of them when they fit; else, per bucket of consecutive points, the
    minimum and the maximum, and always the last point.
    """
    n = len(values)
    bucket = bucket_size_for(n, max_points)
    if bucket == 1:
        return list(range(n))
    kept: list[int] = []
    for start in range(0, n, bucket):
        end = min(n, start + bucket)
        chunk = values[start:end]
        low = start + chunk.index(min(chunk))
        high = start + chunk.index(max(chunk))
        pair = sorted({low, high})
        kept.extend(pair)
        if end == n and pair[-1] != n - 1:
            kept.append(n - 1)
    return kept


# ---- text ---------------------------------------------------------------------------------


def short(value: Any, limit: int = 80) -> str:
    """A value as the dashboard shows it: floats to 6 significant digits, long text cut."""
    if isinstance(value, float):
        return f"{value:.6g}"
    text = str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def elapsed_text(seconds: float) -> str:
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def steps_text(steps: int) -> str:
    """The steps done, as the dashboards write them: "30 steps" (steps 0 to 29), "" for none.

    ``DashboardState.step`` counts the steps done (``Live.step`` after ``next_step()``, the next
    step); the charts end at the last of them, one less.
    """
    count = int(steps)
    if count <= 0:
        return ""
    return "1 step" if count == 1 else f"{count} steps"


def pictures_note(state: DashboardState) -> str:
    """What the final chart says about the images it leaves out ("" when none is)."""
    count = state.pictures_skipped
    if not count:
        return ""
    limit = STATIC_IMAGE_BYTES
    size = f"{limit / 2**20:.3g} MB" if limit >= 2**20 else f"{limit / 1024:.3g} kB"
    what = "1 image" if count == 1 else f"{count} images"
    return f"{what} not shown: the output keeps at most {size} of images"


def headline(state: DashboardState) -> str:
    parts = [state.title, state.status, steps_text(state.step), elapsed_text(state.elapsed)]
    return " · ".join(part for part in parts if part)


def text(state: DashboardState) -> str:
    """The summary as plain text: headline, latest values, params, note."""
    lines = [headline(state)]
    lines += [f"  {name} = {short(value)}" for name, value in state.latest.items()]
    if state.params:
        lines.append("  params: " + ", ".join(f"{k}={short(v)}" for k, v in state.params))
    if state.images:
        note = pictures_note(state)
        lines.append(f"  images: {len(state.images)}" + (f" ({note})" if note else ""))
    if state.plots:
        lines.append("  plots: " + ", ".join(plot.name for plot in state.plots))
    if state.note:
        lines.append(state.note)
    return "\n".join(lines)


def html(state: DashboardState, with_charts: bool = True) -> str:
    """The summary as HTML (tables), and the charts as inline SVG; everything escaped."""
    esc = _esc
    colour = STATUS_COLORS.get(state.status, "#7f7f7f")
    steps = steps_text(state.step)
    parts = [
        '<div class="live-nb-static">',
        f'<div class="live-nb-header"><b>{esc(state.title)}</b> · '
        f'<span class="live-nb-status" style="color:{colour}">{esc(state.status)}</span> · '
        + (f"{esc(steps)} · " if steps else "")
        + f"{esc(elapsed_text(state.elapsed))}</div>",
    ]
    if state.note:
        parts.append(f'<div class="live-nb-note">{esc(state.note)}</div>')
    for title, rows in (("metric", state.latest.items()), ("param", state.params)):
        cells = "".join(f"<tr><td>{esc(k)}</td><td>{esc(short(v))}</td></tr>" for k, v in rows)
        if cells:
            parts.append(f"<table><tr><th>{title}</th><th>value</th></tr>{cells}</table>")
    if with_charts and (state.series or state.plots):
        parts.append(svg(state, with_summary=False))
    parts.append("</div>")
    return "".join(parts)


def _esc(value: Any) -> str:
    return html_lib.escape(str(value), quote=True)


# ---- Vega-Lite ----------------------------------------------------------------------------


def groups(names: list[str]) -> list[tuple[str, list[str]]]:
    """Names grouped by prefix (before the last "/"): the root group first, then first seen."""
    grouped: dict[str, list[str]] = {}
    for name in names:
        grouped.setdefault(name.rpartition("/")[0], []).append(name)
    return sorted(grouped.items(), key=lambda item: item[0] != "")


def field_ref(name: Any) -> str:
    """A field name as Vega-Lite reads it (dots and brackets escaped)."""
    out = str(name)
    for char in "\\.[]":
        out = out.replace(char, "\\" + char)
    return out


def color_for(name: Any) -> str:
    """A metric's colour, as the live view gives it (``colorFor`` in js/src/common/colors.js)."""
    value = 0
    for char in str(name):
        value = (value * 31 + ord(char)) & 0xFFFFFFFF  # JavaScript's `| 0`: 32-bit signed
    if value >= 2**31:
        value -= 2**32
    return PALETTE[abs(value) % len(PALETTE)]


def metric_spec(
    series: Series, latest: Any = None, width: int = 260, height: int = 150
) -> dict[str, Any]:
    """One metric's chart with its points inlined (as two arrays, flattened by Vega-Lite)."""
    label = series.name.rpartition("/")[2]
    title = series.name if latest is None else f"{series.name} = {short(latest)}"
    return {
        "width": width,
        "height": height,
        "title": {"text": title, "limit": width + 40},
        "data": {"values": [{"step": series.steps, "value": series.values}]},
        "transform": [{"flatten": ["step", "value"]}],
        "mark": {
            "type": "line",
            "clip": True,
            "tooltip": True,
            "strokeWidth": 1.5,
            "color": color_for(series.name),
        },
        "encoding": {
            "x": {
                "field": "step",
                "type": "quantitative",
                "title": "step",
                "scale": {"nice": False},
            },
            "y": {
                "field": "value",
                "type": "quantitative",
                "title": label,
                "scale": {"zero": False},
            },
        },
    }


def plot_spec(plot: Plot, width: int = 300, height: int = 220) -> dict[str, Any]:
    """A custom or sklearn plot as js/src/dashboard/specs.js draws it, data inlined."""
    config = plot.config
    template = config.get("template") or "linear"
    title = {"text": str(config.get("title") or plot.name), "limit": width + 40}
    if template in ("confusion", "confusion_normalized"):
        return _confusion_spec(plot, title, width, height)
    x = str(config.get("x", "x"))
    y = config.get("y", "y")
    ys = [str(v) for v in y] if isinstance(y, list) else [str(y)]
    records = _thin(plot.records)
    x_title = str(config.get("x_label") or x)
    y_title = str(config.get("y_label") or (ys[0] if len(ys) == 1 else "value"))
    spec: dict[str, Any] = {
        "width": width,
        "height": height,
        "title": title,
        "data": {"values": records},
        "transform": [{"fold": [field_ref(v) for v in ys], "as": ["__series", "__value"]}],
        "mark": {
            "type": "point" if template == "scatter" else "line",
            "clip": True,
            "tooltip": True,
        },
        "encoding": {
            "x": {
                "field": field_ref(x),
                "type": "quantitative",
                "title": x_title,
                "scale": {"zero": False},
            },
            "y": {
                "field": "__value",
                "type": "quantitative",
                "title": y_title,
                "scale": {"zero": False},
            },
        },
    }
    if template in ("bar_horizontal", "bar_horizontal_sorted"):
        # As DVC's templates: x is the bar's length, y its label.
        spec.pop("transform", None)
        spec["mark"] = {"type": "bar", "tooltip": True}
        spec["encoding"] = {
            "x": {"field": field_ref(x), "type": "quantitative", "title": x_title},
            "y": {
                "field": field_ref(ys[0]),
                "type": "nominal",
                "title": y_title,
                "sort": "-x" if template == "bar_horizontal_sorted" else None,
            },
        }
        return spec
    if len(ys) > 1:
        spec["encoding"]["color"] = {"field": "__series", "type": "nominal", "title": None}
    return spec


def confusion_counts(plot: Plot) -> tuple[list[str], list[str], dict[tuple[str, str], int]]:
    """The classes on each axis and the count of each (x, y) pair of a confusion plot."""
    x = str(plot.config.get("x", "actual"))
    y = str(plot.config.get("y", "predicted"))
    counts: dict[tuple[str, str], int] = {}
    for record in plot.records:
        key = (str(record.get(x)), str(record.get(y)))
        counts[key] = counts.get(key, 0) + 1
    xs = sorted({k[0] for k in counts}, key=_natural)
    ys = sorted({k[1] for k in counts}, key=_natural)
    return xs, ys, counts


def _confusion_spec(plot: Plot, title: dict[str, Any], width: int, height: int) -> dict[str, Any]:
    normalized = plot.config.get("template") == "confusion_normalized"
    x = str(plot.config.get("x", "actual"))
    y = str(plot.config.get("y", "predicted"))
    xs, _, counts = confusion_counts(plot)
    totals = {cls: sum(c for (a, _), c in counts.items() if a == cls) for cls in xs}
    values = [
        {"x": a, "y": b, "count": c, "rate": c / totals[a] if totals[a] else 0.0}
        for (a, b), c in counts.items()
    ]
    value = "rate" if normalized else "count"
    return {
        "width": min(width, height + 60),
        "height": height,
        "title": title,
        "data": {"values": values},
        "transform": [{"joinaggregate": [{"op": "max", "field": value, "as": "__max"}]}],
        "encoding": {
            "x": {
                "field": "x",
                "type": "nominal",
                "title": str(plot.config.get("x_label") or x),
                "axis": {"labelAngle": 0, "grid": False},
            },
            "y": {
                "field": "y",
                "type": "nominal",
                "title": str(plot.config.get("y_label") or y),
                "axis": {"grid": False},
            },
        },
        "layer": [
            {
                "mark": {"type": "rect", "tooltip": True},
                "encoding": {
                    "color": {
                        "field": value,
                        "type": "quantitative",
                        "scale": {"scheme": "blues", "zero": True},
                    }
                },
            },
            {
                "mark": {"type": "text", "fontSize": 11},
                "encoding": {
                    "text": {
                        "field": value,
                        "type": "quantitative",
                        "format": ".2f" if normalized else "d",
                    },
                    "color": {
                        "condition": {"test": f"datum.{value} > datum.__max / 2", "value": "white"},
                        "value": "#222",
                    },
                },
            },
        ],
    }


def image_spec(picture: Picture, side: int = STATIC_IMAGE_SIDE) -> dict[str, Any]:
    """An image as an ``image`` mark, its bytes inlined as a data URL (no file, no network)."""
    width, height = image_size(picture.data) or (side, side)
    scale = min(1.0, side / max(width, height, 1))
    width, height = max(1, round(width * scale)), max(1, round(height * scale))
    url = f"data:{picture.mime};base64,{base64.b64encode(picture.data).decode('ascii')}"
    title: dict[str, Any] = {"text": picture.name, "limit": max(width, 160) + 40}
    if picture.step is not None:
        title["subtitle"] = f"step {picture.step}"
    return {
        "width": width,
        "height": height,
        "title": title,
        "data": {"values": [{"url": url}]},
        "mark": {
            "type": "image",
            "width": width,
            "height": height,
            "align": "left",
            "baseline": "top",
        },
        "encoding": {
            "url": {"field": "url", "type": "nominal"},
            "x": {"value": 0},
            "y": {"value": 0},
        },
    }


# Each chart keeps its own colour scale and legend: shared (Vega-Lite's default for colour in a
# concatenation), the confusion matrix's legend would float at the top right of the whole output.
INDEPENDENT_COLORS = {"scale": {"color": "independent"}, "legend": {"color": "independent"}}


def _section(title: str, charts: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "title": {"text": title, "anchor": "start"},
        "concat": charts,
        "columns": 3,
        "resolve": INDEPENDENT_COLORS,
    }


def vegalite(state: DashboardState) -> dict[str, Any]:
    """The final charts as one Vega-Lite spec: charts by metric group, the images, the plots.

    As the live view: the same colour per metric, the latest image of each name.
    """
    rows: list[dict[str, Any]] = []
    by_name = {series.name: series for series in state.series}
    for group, names in groups([series.name for series in state.series]):
        charts = [metric_spec(by_name[name], state.latest.get(name)) for name in names]
        rows.append(_section(group or "metrics", charts))
    if state.pictures:
        rows.append(_section("images", [image_spec(picture) for picture in state.pictures]))
    if state.plots:
        rows.append(_section("plots", [plot_spec(p) for p in state.plots]))
    subtitle = [state.note] if state.note else []
    if state.params:
        subtitle.append(
            "params: " + ", ".join(f"{k}={short(v, 40)}" for k, v in state.params)[:300]
        )
    if state.pictures_skipped:
        subtitle.append(pictures_note(state))
    spec: dict[str, Any] = {
        "$schema": VEGALITE_SCHEMA,
        "title": {"text": headline(state), "anchor": "start", "fontSize": 13},
        "config": {
            "view": {"stroke": None},
            "axis": {"labelFontSize": 10, "titleFontSize": 10},
            "title": {"fontSize": 12, "anchor": "start", "fontWeight": "normal"},
        },
    }
    if subtitle:
        spec["title"]["subtitle"] = subtitle
    if rows:
        spec["vconcat"] = rows
        spec["resolve"] = INDEPENDENT_COLORS
    else:
        # Vega-Lite needs a mark: an empty chart with the title only.
        spec.update({"data": {"values": []}, "mark": "point", "width": 10, "height": 10})
    return spec


# ---- SVG ----------------------------------------------------------------------------------

_CHART_W, _CHART_H, _GAP = 290, 180, 10
_SVG_W = 3 * _CHART_W + 4 * _GAP
_GREY = "#666"


def _attr(value: Any) -> str:
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def _tag(name: str, content: str | None = None, **attrs: Any) -> str:
    """One SVG element; attribute names use ``_`` for ``-``; every value is escaped."""
    attributes = "".join(
        f' {key.replace("_", "-")}="{_esc(_attr(value))}"'
        for key, value in attrs.items()
        if value is not None
    )
    if content is None:
        return f"<{name}{attributes}/>"
    return f"<{name}{attributes}>{content}</{name}>"


def _text(x: float, y: float, content: str, size: int = 11, **attrs: Any) -> str:
    """A text element holding ``content`` as text (escaped)."""
    return _tag("text", _esc(content), x=x, y=y, font_size=size, font_family="sans-serif", **attrs)


def svg(state: DashboardState, with_summary: bool = True) -> str:
    """The charts (and the summary) as one self-contained SVG; every text is escaped."""
    out: list[str] = []
    y = 8
    if with_summary:
        y += 14
        colour = STATUS_COLORS.get(state.status, "#7f7f7f")
        spans = [
            _tag("tspan", _esc(state.title), font_weight="bold"),
            " · ",
            _tag("tspan", _esc(state.status), fill=colour, font_weight="bold"),
            _esc(
                "".join(
                    f" · {part}"
                    for part in (steps_text(state.step), elapsed_text(state.elapsed))
                    if part
                )
            ),
        ]
        out.append(
            _tag("text", "".join(spans), x=_GAP, y=y, font_size=13, font_family="sans-serif")
        )
        lines = [state.note] if state.note else []
        if state.params:
            lines.append("params: " + ", ".join(f"{k}={short(v, 40)}" for k, v in state.params))
        charted = {series.name for series in state.series}
        others = [f"{k} = {short(v)}" for k, v in state.latest.items() if k not in charted]
        if others:
            lines.append("  ".join(others))
        for line in lines:
            y += 16
            out.append(_text(_GAP, y, short(line, 150), fill="#444"))
    by_name = {series.name: series for series in state.series}
    sections: list[tuple[str, list[str]]] = [
        (group or "metrics", [_metric_svg(by_name[name], state.latest) for name in names])
        for group, names in groups(list(by_name))
    ]
    if state.plots:
        sections.append(("plots", [_plot_svg(plot) for plot in state.plots]))
    for title, charts in sections:
        y += 20
        out.append(_text(_GAP, y, title, size=12, font_weight="bold", fill="#555"))
        y += 6
        for index, chart in enumerate(charts):
            if index and index % 3 == 0:
                y += _CHART_H + _GAP
            x0 = _GAP + (index % 3) * (_CHART_W + _GAP)
            out.append(_tag("g", chart, transform=f"translate({x0},{y})"))
        y += _CHART_H
    height = y + _GAP
    body = _tag("rect", width=_SVG_W, height=height, fill="white") + "".join(out)
    return _tag(
        "svg",
        body,
        xmlns="http://www.w3.org/2000/svg",
        width=_SVG_W,
        height=height,
        viewBox=f"0 0 {_SVG_W} {height}",
        class_="live-nb-static-svg",
    ).replace(' class-="', ' class="')


def _metric_svg(series: Series, latest: dict[str, Any]) -> str:
    title = (
        f"{series.name} = {short(latest[series.name])}" if series.name in latest else series.name
    )
    return _line_chart_svg(
        title, [(series.steps, series.values)], "step", colours=[color_for(series.name)]
    )


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def _frame(title: str) -> list[str]:
    return [
        _tag("rect", width=_CHART_W, height=_CHART_H, fill="none", stroke="#ddd"),
        _text(4, 14, short(title, 48)),
    ]


def _line_chart_svg(
    title: str,
    lines: list[tuple[list[float], list[float]]],
    x_title: str,
    y_title: str = "",
    colours: list[str] | None = None,
) -> str:
    """A small line chart, ``(steps, values)`` per line, with its ranges written at the axes."""
    left, top, right, bottom = 46, 20, 8, 26
    width, height = _CHART_W - left - right, _CHART_H - top - bottom
    out = _frame(title)
    xs = [x for steps, _ in lines for x in steps]
    ys = [y for _, values in lines for y in values]
    if not xs:
        return "".join(out)
    x_min, x_max, y_min, y_max = min(xs), max(xs), min(ys), max(ys)
    x_span, y_span = (x_max - x_min) or 1.0, (y_max - y_min) or 1.0
    out.append(_tag("rect", x=left, y=top, width=width, height=height, fill="none", stroke="#eee"))
    for index, (steps, values) in enumerate(lines):
        kept = downsample_indices(values, SVG_MAX_POINTS)
        points = [
            (
                left + (steps[i] - x_min) / x_span * width,
                top + height - (values[i] - y_min) / y_span * height,
            )
            for i in kept
        ]
        colour = (
            colours[index] if colours and index < len(colours) else PALETTE[index % len(PALETTE)]
        )
        if len(points) == 1:
            out.append(_tag("circle", cx=points[0][0], cy=points[0][1], r=2, fill=colour))
        elif points:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            out.append(_tag("polyline", points=path, fill="none", stroke=colour, stroke_width=1.3))
    grey: dict[str, Any] = {"size": 9, "fill": _GREY}
    out += [
        _text(left - 3, top + 8, _fmt(y_max), text_anchor="end", **grey),
        _text(left - 3, top + height, _fmt(y_min), text_anchor="end", **grey),
        _text(left, top + height + 11, _fmt(x_min), **grey),
        _text(left + width, top + height + 11, _fmt(x_max), text_anchor="end", **grey),
        _text(
            left + width / 2, top + height + 22, short(x_title, 40), text_anchor="middle", **grey
        ),
    ]
    if y_title:
        out.append(_text(4, top + height / 2, short(y_title, 10), **grey))
    return "".join(out)


def _plot_svg(plot: Plot) -> str:
    config = plot.config
    title = str(config.get("title") or plot.name)
    if _is_confusion(plot):
        return _confusion_svg(title, plot)
    x = str(config.get("x", "x"))
    y = config.get("y", "y")
    lines = []
    for field_name in [str(v) for v in y] if isinstance(y, list) else [str(y)]:
        pairs = [
            (float(r[x]), float(r[field_name]))
            for r in plot.records
            if _is_number(r.get(x)) and _is_number(r.get(field_name))
        ]
        lines.append(([p[0] for p in pairs], [p[1] for p in pairs]))
    x_title = str(config.get("x_label") or x)
    return _line_chart_svg(title, lines, x_title, str(config.get("y_label") or ""))


def _confusion_svg(title: str, plot: Plot) -> str:
    """A confusion matrix as a grid of shaded cells, with counts (or rates) when it is small."""
    normalized = plot.config.get("template") == "confusion_normalized"
    xs, ys, counts = confusion_counts(plot)
    out = _frame(title)
    if not counts:
        return "".join(out)
    left, top = 60, 24
    cell_w = (_CHART_W - left - 8) / len(xs)
    cell_h = (_CHART_H - top - 24) / len(ys)
    totals = {a: sum(c for (k, _), c in counts.items() if k == a) for a in xs}
    peak = max(counts.values())
    small = len(xs) <= 12 and len(ys) <= 12
    for i, a in enumerate(xs):
        for j, b in enumerate(ys):
            count = counts.get((a, b), 0)
            value = count / totals[a] if normalized and totals[a] else count
            shade = value if normalized else count / peak
            red, green, blue = int(247 - 190 * shade), int(251 - 140 * shade), int(255 - 80 * shade)
            cx, cy = left + i * cell_w, top + j * cell_h
            fill = f"rgb({red},{green},{blue})"
            out.append(
                _tag("rect", x=cx, y=cy, width=cell_w, height=cell_h, fill=fill, stroke="white")
            )
            if small:
                label = f"{value:.2f}" if normalized else str(count)
                out.append(
                    _text(cx + cell_w / 2, cy + cell_h / 2 + 3, label, size=9, text_anchor="middle")
                )
    if small:
        grey: dict[str, Any] = {"size": 9, "fill": _GREY}
        for i, a in enumerate(xs):
            x = left + (i + 0.5) * cell_w
            out.append(_text(x, _CHART_H - 12, short(a, 8), text_anchor="middle", **grey))
        for j, b in enumerate(ys):
            y = top + (j + 0.5) * cell_h + 3
            out.append(_text(left - 3, y, short(b, 8), text_anchor="end", **grey))
    return "".join(out)


def _is_confusion(plot: Plot) -> bool:
    return plot.config.get("template") in ("confusion", "confusion_normalized")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _natural(value: str) -> tuple[int, float, str]:
    try:
        return (0, float(value), value)
    except ValueError:
        return (1, 0.0, value)


def _thin(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """At most MAX_PLOT_RECORDS records, evenly spaced, the last one kept."""
    if len(records) <= MAX_PLOT_RECORDS:
        return records
    step = len(records) / (MAX_PLOT_RECORDS - 1)
    picked = [records[int(i * step)] for i in range(MAX_PLOT_RECORDS - 1)]
    return [*picked, records[-1]]


# ---- the widget's snapshot trait ----------------------------------------------------------


def snapshot(state: DashboardState, images: dict[str, tuple[str, bytes]]) -> dict[str, Any]:
    """The final state as the ``snapshot`` trait holds it (see js/src/dashboard/store.js)."""
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
                "data": p.records if _is_confusion(p) else _thin(p.records),
            }
            for p in state.plots
        ],
        "images": [
            {"name": name, "mime": mime, "bytes": data} for name, (mime, data) in images.items()
        ],
    }
