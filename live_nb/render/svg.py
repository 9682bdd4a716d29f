"""A run's charts as one self-contained SVG, for renderers without JavaScript.

nbconvert, GitHub and nbviewer show the final output's ``image/svg+xml``;
``report.html`` shows it where scripts do not run. Every text is escaped.
"""

from __future__ import annotations

import html as html_lib
import math
from typing import Any

from live_nb.render.downsample import downsample_indices
from live_nb.render.state import DashboardState, Plot, Series
from live_nb.render.text import elapsed_text, short, steps_text
from live_nb.render.theme import PALETTE, color_for, status_color
from live_nb.render.vegalite import CONFUSION_TEMPLATES, groups

SVG_MIME = "image/svg+xml"
SVG_MAX_POINTS = 1000


def escape(value: Any) -> str:
    """``value`` as text safe in HTML and SVG, quotes included."""
    return html_lib.escape(str(value), quote=True)


_CHART_W, _CHART_H, _GAP = 290, 180, 10
_SVG_W = 3 * _CHART_W + 4 * _GAP
_GREY = "#666"


def _attr(value: Any) -> str:
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def _tag(name: str, content: str | None = None, **attrs: Any) -> str:
    """One SVG element; attribute names use ``_`` for ``-``; every value is escaped."""
    attributes = "".join(
        f' {key.replace("_", "-")}="{escape(_attr(value))}"'
        for key, value in attrs.items()
        if value is not None
    )
    if content is None:
        return f"<{name}{attributes}/>"
    return f"<{name}{attributes}>{content}</{name}>"


def _text(x: float, y: float, content: str, size: int = 11, **attrs: Any) -> str:
    """A text element holding ``content`` as text (escaped)."""
    return _tag(
        "text", escape(content), x=x, y=y, font_size=size, font_family="sans-serif", **attrs
    )


def svg(state: DashboardState, with_summary: bool = True) -> str:
    """The charts (and the summary) as one self-contained SVG; every text is escaped."""
    out: list[str] = []
    y = 8
    if with_summary:
        y += 14
        colour = status_color(state.status)
        spans = [
            _tag("tspan", escape(state.title), font_weight="bold"),
            " · ",
            _tag("tspan", escape(state.status), fill=colour, font_weight="bold"),
            escape(
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
    return plot.config.get("template") in CONFUSION_TEMPLATES


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _natural(value: str) -> tuple[int, float, str]:
    try:
        return (0, float(value), value)
    except ValueError:
        return (1, 0.0, value)


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
