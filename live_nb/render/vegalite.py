"""Every chart live_nb draws, as a Vega-Lite spec: the one place a spec is built.

Each builder takes names and configs and, optionally, the data: without data
the spec reads a named data source (:data:`METRIC_DATA`, :data:`PLOT_DATA`)
that the live dashboard fills through Vega changesets; with data it is inlined,
for the final output that a notebook keeps. The live dashboard, the final
output and ``report.html`` therefore draw a run from the same specs.

The specs stay within what Vega-Lite 5 (JupyterLab's renderer) and 6 (the
bundled one) both read. Every user string reaches a spec as a text value
(titles, labels) or through :func:`field_ref`, never as an expression.
"""

from __future__ import annotations

import base64
import itertools
import json
import math
from typing import Any

from live_nb.formats.images import image_size
from live_nb.render.state import DashboardState, Picture, Series
from live_nb.render.text import headline, pictures_note, short
from live_nb.render.theme import CHART_CONFIG, color_for

VEGALITE_MIME = "application/vnd.vegalite.v5+json"
VEGALITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"

METRIC_DATA = "points"
"""The data source a live metric chart reads: ``{step, value}`` tuples."""

PLOT_DATA = "table"
"""The data source a live plot reads: the plot file's records."""

MAX_PLOT_RECORDS = 5000
"""Records of a curve kept in a spec (evenly spaced); a confusion matrix keeps all of its."""

STATIC_IMAGE_SIDE = 320
"""The longest side, in px, of an image in the final chart (as the live view draws it)."""

CONFUSION_TEMPLATES = frozenset({"confusion", "confusion_normalized"})
_CURVE_TEMPLATES = frozenset(
    {"linear", "simple", "smooth", "scatter", "bar_horizontal", "bar_horizontal_sorted"}
)

# Each chart keeps its own colour scale and legend: shared (Vega-Lite's default for colour in a
# concatenation), the confusion matrix's legend would float at the top right of the whole output.
INDEPENDENT_COLORS = {"scale": {"color": "independent"}, "legend": {"color": "independent"}}


def field_ref(name: Any) -> str:
    """A field name as Vega-Lite reads it: a path, with its special characters escaped.

    Dots, brackets, quotes and backslashes: a bare quote would start a quoted path segment
    that never ends.
    """
    out = str(name)
    for char in "\\.[]\"'":
        out = out.replace(char, "\\" + char)
    return out


def _encodable(names: list[str]) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """A field for each name that an encoding can use, and the transforms that make them.

    Vega-Lite reads an encoding's field as a path, escapes included, except that a
    backslash never survives: such a name is copied by an expression (its name a JSON
    string literal) into an internal field.
    """
    transforms: list[dict[str, Any]] = []
    fields: dict[str, str] = {}
    for name in dict.fromkeys(names):
        if "\\" in name:
            alias = f"__field{len(transforms)}"
            transforms.append({"calculate": f"datum[{json.dumps(name)}]", "as": alias})
            fields[name] = alias
        else:
            fields[name] = field_ref(name)
    return transforms, fields


def axis_title(text: Any) -> str:
    """An axis title, with its backslashes replaced by a look-alike (U+29F5).

    Vega-Lite writes axis titles as keys into its tooltip expression without escaping them.
    """
    return str(text).replace("\\", "\u29f5")


def groups(names: list[str]) -> list[tuple[str, list[str]]]:
    """Names grouped by prefix (before the last "/"): the root group first, then first seen."""
    grouped: dict[str, list[str]] = {}
    for name in names:
        grouped.setdefault(name.rpartition("/")[0], []).append(name)
    return sorted(grouped.items(), key=lambda item: item[0] != "")


# ---- one chart each ---------------------------------------------------------------------


def metric_spec(
    name: str,
    series: Series | None = None,
    *,
    latest: Any = None,
    titled: bool = True,
    zoom: str = "zoom",
    width: int = 260,
    height: int = 150,
) -> dict[str, Any]:
    """One metric's line chart: x = step, y = value, a tooltip per point.

    With ``series`` its points are inlined (as two arrays, flattened by
    Vega-Lite); without, the chart reads :data:`METRIC_DATA`. The title is the
    name, with `` = latest`` when given; ``titled=False`` leaves it to the page.
    ``zoom`` names its pan-and-zoom parameter (unique within one spec): drag to pan,
    Shift + wheel to zoom (a plain wheel scrolls the notebook), double-click to reset.
    """
    label = name.rpartition("/")[2]
    spec: dict[str, Any] = {"width": width, "height": height, "params": [_zoom(zoom)]}
    if titled:
        text = name if latest is None else f"{name} = {short(latest)}"
        spec["title"] = {"text": text, "limit": width + 40}
    if series is None:
        spec["data"] = {"name": METRIC_DATA}
    else:
        spec["data"] = {"values": [{"step": series.steps, "value": series.values}]}
        spec["transform"] = [{"flatten": ["step", "value"]}]
    spec["mark"] = {
        "type": "line",
        "clip": True,
        "strokeWidth": 1.5,
        "color": color_for(name),
        # invisible points, one per step, carry the tooltip (a line's own shows one datum)
        "point": {"filled": True, "size": 36, "opacity": 0},
    }
    spec["encoding"] = {
        "x": {
            "field": "step",
            "type": "quantitative",
            "title": "step",
            "scale": {"nice": False},
            "axis": {"tickMinStep": 1},  # steps are whole: no 0.5 early in a run
        },
        "y": {
            "field": "value",
            "type": "quantitative",
            "title": axis_title(label),
            "scale": {"zero": False},
        },
        "tooltip": [
            {"field": "step", "type": "quantitative", "title": "step"},
            # "value", not the name: Vega-Lite writes tooltip titles into an expression
            {"field": "value", "type": "quantitative", "title": "value", "format": ".6~g"},
        ],
    }
    return spec


def roc_auc(config: dict[str, Any], records: list[dict[str, Any]] | None) -> float | None:
    """The area under a ROC curve's points (trapezoids), None when the plot is not a ROC curve."""
    if not records or (config.get("x"), config.get("y")) != ("fpr", "tpr"):
        return None
    points = sorted(
        (float(r["fpr"]), float(r["tpr"]))
        for r in records
        if _finite(r.get("fpr")) and _finite(r.get("tpr"))
    )
    if len(points) < 2:
        return None
    return sum((x1 - x0) * (y0 + y1) / 2 for (x0, y0), (x1, y1) in itertools.pairwise(points))


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def plot_title(name: str, config: dict[str, Any], records: list[dict[str, Any]] | None) -> str:
    """A plot's title: its config's, or its name; a ROC curve's says its AUC."""
    title = str(config.get("title") or name)
    auc = roc_auc(config, records)
    return title if auc is None else f"{title}, AUC = {auc:.3f}"


def _zoom(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "select": {
            "type": "interval",
            "zoom": "wheel![event.shiftKey]",
            "translate": "[pointerdown, window:pointerup] > window:pointermove!",
        },
        "bind": "scales",
    }


def plot_spec(
    name: str,
    config: dict[str, Any],
    records: list[dict[str, Any]] | None = None,
    *,
    title_records: list[dict[str, Any]] | None = None,
    width: int = 260,
    height: int = 200,
) -> dict[str, Any]:
    """A custom or sklearn plot from its dvc.yaml ``config`` (template, x, y, titles).

    ``title_records``: the records a live plot's title is computed from (a ROC's AUC)
    when the data itself is not inlined.

    Lines for linear/simple/smooth, points for scatter, bars for
    bar_horizontal(_sorted) (DVC's axes: x the length, y the label), a heat map
    for confusion(_normalized). With ``records`` the data is inlined, else the
    plot reads :data:`PLOT_DATA`.
    """
    template = config.get("template") or "linear"
    title = {"text": plot_title(name, config, title_records or records), "limit": width + 40}
    data: dict[str, Any] = {"name": PLOT_DATA}
    if records is not None:
        keep_all = template in CONFUSION_TEMPLATES  # a confusion matrix counts its records
        data = {"values": records if keep_all else thin(records)}
    if template in CONFUSION_TEMPLATES:
        return _confusion_spec(config, title, data, width, height)
    return _curve_spec(config, title, data, width, height)


def _curve_spec(
    config: dict[str, Any], title: dict[str, Any], data: dict[str, Any], width: int, height: int
) -> dict[str, Any]:
    template = config.get("template") or "linear"
    kind = template if template in _CURVE_TEMPLATES else "linear"
    x = str(config.get("x", "x"))
    y = config.get("y", "y")
    ys = [str(v) for v in y] if isinstance(y, list) else [str(y)]
    x_title = axis_title(config.get("x_label") or x)
    y_title = axis_title(config.get("y_label") or (ys[0] if len(ys) == 1 else "value"))
    spec: dict[str, Any] = {"width": width, "height": height, "title": title, "data": data}
    copies, fields = _encodable([x, *ys])
    if kind in ("bar_horizontal", "bar_horizontal_sorted"):
        if copies:
            spec["transform"] = copies
        spec["mark"] = {"type": "bar", "tooltip": True}
        spec["encoding"] = {
            "x": {"field": fields[x], "type": "quantitative", "title": x_title},
            "y": {
                "field": fields[ys[0]],
                "type": "nominal",
                "title": y_title,
                "sort": "-x" if kind == "bar_horizontal_sorted" else None,
            },
        }
        return spec
    fold = {"fold": [field_ref(v) for v in ys], "as": ["__series", "__value"]}
    spec["transform"] = [*copies, fold]
    spec["mark"] = {"type": "point" if kind == "scatter" else "line", "clip": True, "tooltip": True}
    spec["encoding"] = {
        "x": {
            "field": fields[x],
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
    }
    if len(ys) > 1:
        spec["encoding"]["color"] = {"field": "__series", "type": "nominal", "title": None}
    return spec


def _confusion_spec(
    config: dict[str, Any], title: dict[str, Any], data: dict[str, Any], width: int, height: int
) -> dict[str, Any]:
    """A heat map of the (actual, predicted) pairs of the records, counted by Vega."""
    x = str(config.get("x", "actual"))
    y = str(config.get("y", "predicted"))
    normalized = config.get("template") == "confusion_normalized"
    value = "__rate" if normalized else "__count"
    copies, fields = _encodable([x, y])
    transform: list[dict[str, Any]] = [
        *copies,
        {"aggregate": [{"op": "count", "as": "__count"}], "groupby": [fields[x], fields[y]]},
        # pairs never seen are cells too, counted 0
        {"impute": "__count", "key": fields[x], "groupby": [fields[y]], "value": 0},
    ]
    if normalized:
        transform += [
            {
                "joinaggregate": [{"op": "sum", "field": "__count", "as": "__total"}],
                "groupby": [fields[x]],
            },
            {"calculate": "datum.__count / datum.__total", "as": "__rate"},
        ]
    transform.append({"joinaggregate": [{"op": "max", "field": value, "as": "__max"}]})
    return {
        "width": min(width, height + 60),
        "height": height,
        "title": title,
        "data": data,
        "transform": transform,
        "encoding": {
            "x": {
                "field": fields[x],
                "type": "nominal",
                "title": axis_title(config.get("x_label") or x),
                "axis": {"labelAngle": 0, "grid": False},
            },
            "y": {
                "field": fields[y],
                "type": "nominal",
                "title": axis_title(config.get("y_label") or y),
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
                        "title": "rate" if normalized else "count",
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
                    # the darkest cells get white text
                    "color": {
                        "condition": {"test": f"datum.{value} > datum.__max / 2", "value": "white"},
                        "value": "#222",
                    },
                },
            },
        ],
    }


def image_spec(picture: Picture, side: int = STATIC_IMAGE_SIDE, slider: str = "") -> dict[str, Any]:
    """An image as an ``image`` mark, its bytes inlined as a data URL (no file, no network).

    With ``slider`` (a parameter's name, see :func:`image_slider`) and earlier frames, the mark
    shows the frame of the slider's step: the latest frame logged at or before it.
    """
    width, height = image_size(picture.data) or (side, side)
    scale = min(1.0, side / max(width, height, 1))
    width, height = max(1, round(width * scale)), max(1, round(height * scale))
    title: dict[str, Any] = {"text": picture.name, "limit": max(width, 160) + 40}
    frames = [*picture.earlier, picture] if slider else [picture]
    if len(frames) > 1:
        title["subtitle"] = f"steps {frames[0].step} to {picture.step}: the slider below"
    elif picture.step is not None:
        title["subtitle"] = f"step {picture.step}"
    spec: dict[str, Any] = {
        "width": width,
        "height": height,
        "title": title,
        "data": {"values": [{"url": _data_url(f), "step": f.step} for f in frames]},
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
    if len(frames) > 1:
        spec["transform"] = [
            {"calculate": f"{slider} - datum.step", "as": "behind"},
            {"filter": "datum.behind >= 0"},
            {"joinaggregate": [{"op": "min", "field": "behind", "as": "nearest"}]},
            {"filter": "datum.behind == datum.nearest"},
        ]
    return spec


def image_slider(picture: Picture, name: str) -> dict[str, Any] | None:
    """The step slider of ``picture``'s frames, as a parameter called ``name``; None for one frame.

    It moves by the steps' common spacing, from the first frame kept to the latest.
    """
    steps = [f.step for f in [*picture.earlier, picture] if f.step is not None]
    if len(steps) < 2:
        return None
    spacing = math.gcd(*(b - a for a, b in itertools.pairwise(steps))) or 1
    return {
        "name": name,
        "value": steps[-1],
        "bind": {
            "input": "range",
            "min": steps[0],
            "max": steps[-1],
            "step": spacing,
            "name": f"{picture.name}: step ",
        },
    }


def _data_url(picture: Picture) -> str:
    return f"data:{picture.mime};base64,{base64.b64encode(picture.data).decode('ascii')}"


def thin(records: list[dict[str, Any]], limit: int = MAX_PLOT_RECORDS) -> list[dict[str, Any]]:
    """At most ``limit`` records, evenly spaced, the last one kept."""
    if len(records) <= limit:
        return records
    step = len(records) / (limit - 1)
    picked = [records[int(i * step)] for i in range(limit - 1)]
    return [*picked, records[-1]]


# ---- the final output -------------------------------------------------------------------


COLUMNS_PARAM = "live_nb_columns"
"""The final output's charts per row: as many as its width holds (1 to 3), as the live view."""

CHART_BOX = 320  # px a chart takes in a row, axes and padding included


def _columns_param() -> dict[str, Any]:
    # The window's width less what JupyterLab takes beside an output with its file browser open
    # (about 440 px). Not the container's: vega-embed's is an inline-block as wide as the chart.
    width = "(windowSize()[0] - 440)"
    return {"name": COLUMNS_PARAM, "expr": f"clamp(floor({width} / {CHART_BOX}), 1, 3)"}


def _section(title: str, charts: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "title": {"text": title, "anchor": "start"},
        "concat": charts,
        "columns": {
            "signal": COLUMNS_PARAM
        },  # Vega's layout reads a signal; Vega-Lite passes it on
        "resolve": INDEPENDENT_COLORS,
    }


def vegalite(state: DashboardState) -> dict[str, Any]:
    """The final charts as one Vega-Lite spec: charts by metric group, the images, the plots.

    As the live view: the same specs, the same colour per metric, the latest image of each name.
    """
    rows: list[dict[str, Any]] = []
    by_name = {series.name: series for series in state.series}
    zooms = iter(range(len(by_name)))
    for group, names in groups(list(by_name)):
        charts = [
            metric_spec(
                name, by_name[name], latest=state.latest.get(name), zoom=f"zoom{next(zooms)}"
            )
            for name in names
        ]
        rows.append(_section(group or "metrics", charts))
    sliders = [image_slider(p, f"image_step_{i}") for i, p in enumerate(state.pictures)]
    if state.pictures:
        images = [
            image_spec(picture, slider=slider["name"] if slider else "")
            for picture, slider in zip(state.pictures, sliders, strict=True)
        ]
        rows.append(_section("images", images))
    if state.plots:
        rows.append(
            _section("plots", [plot_spec(p.name, p.config, p.records) for p in state.plots])
        )
    spec: dict[str, Any] = {
        "$schema": VEGALITE_SCHEMA,
        "title": {
            "text": headline(state),
            "anchor": "start",
            "fontSize": 13,
            # long lines end with "..." where the charts end: the output never gets wider
            "limit": {"expr": f"{COLUMNS_PARAM} * {CHART_BOX} - 40"},
        },
        "config": CHART_CONFIG,
    }
    subtitle = _subtitle(state)
    if subtitle:
        spec["title"]["subtitle"] = subtitle
    if rows:
        spec["params"] = [_columns_param(), *(slider for slider in sliders if slider)]
        spec["vconcat"] = rows
        spec["resolve"] = INDEPENDENT_COLORS
    else:
        # Vega-Lite needs a mark: an empty chart with the title only.
        spec.update({"data": {"values": []}, "mark": "point", "width": 10, "height": 10})
    return spec


def _subtitle(state: DashboardState) -> list[str]:
    lines = [state.note] if state.note else []
    if state.params:
        lines.append("params: " + ", ".join(f"{k}={short(v, 40)}" for k, v in state.params)[:300])
    charted = {series.name for series in state.series}
    others = [f"{k} = {short(v, 40)}" for k, v in state.latest.items() if k not in charted]
    if others:  # text metrics: their latest value, as the live view's table shows it
        lines.append(", ".join(others)[:300])
    if state.series:
        lines.append("drag a chart to pan, Shift + scroll to zoom, double-click to reset")
    if state.pictures_skipped:
        lines.append(pictures_note(state))
    return lines
