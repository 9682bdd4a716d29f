"""A run's charts as one self-contained SVG, for renderers without JavaScript.

nbconvert, GitHub and nbviewer show the final output's ``image/svg+xml``;
``report.html`` shows it where scripts do not run. Every text is escaped.
"""

from __future__ import annotations

import base64
import html as html_lib
import math
from typing import Any

from live_nb.formats.images import image_size
from live_nb.render.downsample import downsample_indices
from live_nb.render.state import DashboardState, Picture, Plot, Series
from live_nb.render.text import elapsed_text, short, steps_text
from live_nb.render.theme import PALETTE, color_for, status_color
from live_nb.render.vegalite import CONFUSION_TEMPLATES, groups, plot_title

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
    if state.pictures:
        sections.append(("images", [_picture_svg(picture) for picture in state.pictures]))
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
        style="max-width: 100%; height: auto",  # narrower outputs scale it down
        class_="live-nb-static-svg",
    ).replace(' class-="', ' class="')


def _metric_svg(series: Series, latest: dict[str, Any]) -> str:
    title = (
        f"{series.name} = {short(latest[series.name])}" if series.name in latest else series.name
    )
    return _line_chart_svg(
        title,
        [(series.steps, series.values)],
        "step",
        series.name.rpartition("/")[2],
        colours=[color_for(series.name)],
        integer_x=True,
    )


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def nice_ticks(low: float, high: float, count: int = 5, integer: bool = False) -> list[float]:
    """About ``count`` round values from ``low`` to ``high`` (1, 2 or 5 times a power of ten).

    ``integer``: steps of at least 1 (a step axis has no 0.5).
    """
    if not (math.isfinite(low) and math.isfinite(high)):
        return []
    if high < low:
        low, high = high, low
    if high == low:
        return [low]
    raw = (high - low) / max(1, count)
    power = 10 ** math.floor(math.log10(raw))
    error = raw / power  # d3's rule: the multiple of a power of ten nearest to the raw step
    factor = 10 if error >= 50**0.5 else 5 if error >= 10**0.5 else 2 if error >= 2**0.5 else 1
    step = factor * power
    if integer:
        step = max(1.0, round(step))
    first = math.ceil(low / step - 1e-9)
    ticks = []
    index = first
    while index * step <= high + step * 1e-9:
        ticks.append(round(index * step, 12))
        index += 1
    return ticks


def _tick_text(value: float, step: float) -> str:
    if abs(value) < step * 1e-9:
        return "0"
    if step >= 1 and float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    digits = max(0, -math.floor(math.log10(step))) if step > 0 else 3
    text = f"{value:.{min(digits, 10)}f}"
    return text if abs(value) < 1e6 else f"{value:.3g}"


_PLOT_LEFT, _PLOT_TOP, _PLOT_RIGHT, _PLOT_BOTTOM = 52, 22, 10, 32


def _axes(
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    x_title: str,
    y_title: str,
    integer_x: bool = False,
) -> list[str]:
    """Grid lines and tick labels of both axes, and their titles (the y one turned upright)."""
    left, top = _PLOT_LEFT, _PLOT_TOP
    width = _CHART_W - _PLOT_LEFT - _PLOT_RIGHT
    height = _CHART_H - _PLOT_TOP - _PLOT_BOTTOM
    (x_min, x_max), (y_min, y_max) = x_range, y_range
    x_span, y_span = (x_max - x_min) or 1.0, (y_max - y_min) or 1.0
    grey: dict[str, Any] = {"size": 9, "fill": _GREY}
    out = [_tag("rect", x=left, y=top, width=width, height=height, fill="none", stroke="#ddd")]
    xs = nice_ticks(x_min, x_max, 5, integer=integer_x)
    x_step = xs[1] - xs[0] if len(xs) > 1 else 1.0
    for value in xs:
        px = left + (value - x_min) / x_span * width
        out.append(_tag("line", x1=px, x2=px, y1=top, y2=top + height, stroke="#eee"))
        out.append(
            _text(px, top + height + 11, _tick_text(value, x_step), text_anchor="middle", **grey)
        )
    ys = nice_ticks(y_min, y_max, 4)
    y_step = ys[1] - ys[0] if len(ys) > 1 else 1.0
    for value in ys:
        py = top + height - (value - y_min) / y_span * height
        out.append(_tag("line", x1=left, x2=left + width, y1=py, y2=py, stroke="#eee"))
        out.append(_text(left - 3, py + 3, _tick_text(value, y_step), text_anchor="end", **grey))
    out.append(
        _text(left + width / 2, top + height + 24, short(x_title, 50), text_anchor="middle", **grey)
    )
    if y_title:
        cy = top + height / 2
        out.append(
            _text(
                10,
                cy,
                short(y_title, 26),
                text_anchor="middle",
                transform=f"rotate(-90 10 {cy})",
                **grey,
            )
        )
    return out


_TITLE_CHARS = 48


def _frame(title: str) -> list[str]:
    return [
        _tag("rect", width=_CHART_W, height=_CHART_H, fill="none", stroke="#ddd"),
        _text(4, 14, _fit_title(title)),
    ]


def _fit_title(title: str) -> str:
    """A title cut to fit its chart; what follows its last ", " (a ROC's AUC) is always kept."""
    if len(title) <= _TITLE_CHARS:
        return title
    base, separator, tail = title.rpartition(", ")
    if separator and len(tail) < _TITLE_CHARS - 8:
        return short(base, _TITLE_CHARS - len(tail) - 2) + separator + tail
    return short(title, _TITLE_CHARS)


def _line_chart_svg(
    title: str,
    lines: list[tuple[list[float], list[float]]],
    x_title: str,
    y_title: str = "",
    colours: list[str] | None = None,
    integer_x: bool = False,
) -> str:
    """A small line chart, ``(steps, values)`` per line, with ticks on both axes."""
    left, top = _PLOT_LEFT, _PLOT_TOP
    width = _CHART_W - _PLOT_LEFT - _PLOT_RIGHT
    height = _CHART_H - _PLOT_TOP - _PLOT_BOTTOM
    out = _frame(title)
    xs = [x for steps, _ in lines for x in steps]
    ys = [y for _, values in lines for y in values]
    if not xs:
        return "".join(out)
    x_min, x_max, y_min, y_max = min(xs), max(xs), min(ys), max(ys)
    x_span, y_span = (x_max - x_min) or 1.0, (y_max - y_min) or 1.0
    out += _axes((x_min, x_max), (y_min, y_max), x_title, y_title, integer_x)
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
    return "".join(out)


def _picture_svg(picture: Picture) -> str:
    """A logged image, inlined as a data URL, scaled to fit the chart's box."""
    out = _frame(picture.name + (f" (step {picture.step})" if picture.step is not None else ""))
    size = image_size(picture.data)
    box_w, box_h = _CHART_W - 8, _CHART_H - 24
    width, height = size if size else (box_w, box_h)
    scale = min(box_w / max(width, 1), box_h / max(height, 1), 4.0)
    width, height = max(1, round(width * scale)), max(1, round(height * scale))
    url = f"data:{picture.mime};base64,{base64.b64encode(picture.data).decode('ascii')}"
    out.append(
        _tag(
            "image",
            x=4,
            y=20,
            width=width,
            height=height,
            href=url,
            preserveAspectRatio="xMinYMin meet",
        )
    )
    return "".join(out)


def _plot_svg(plot: Plot) -> str:
    config = plot.config
    title = plot_title(plot.name, config, plot.records)
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
    fields = [str(v) for v in y] if isinstance(y, list) else [str(y)]
    y_title = str(config.get("y_label") or (fields[0] if len(fields) == 1 else "value"))
    return _line_chart_svg(title, lines, x_title, y_title)


def _confusion_svg(title: str, plot: Plot) -> str:
    """A confusion matrix: every class on both axes, each cell shaded and counted (zeros too)."""
    normalized = plot.config.get("template") == "confusion_normalized"
    xs, ys, counts = confusion_counts(plot)
    out = _frame(title)
    if not counts:
        return "".join(out)
    left, top, bottom = 64, 22, 34
    cell_w = (_CHART_W - left - 8) / len(xs)
    cell_h = (_CHART_H - top - bottom) / len(ys)
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
                ink = "white" if shade > 0.5 else "#222"
                out.append(
                    _text(
                        cx + cell_w / 2,
                        cy + cell_h / 2 + 3,
                        label,
                        size=9,
                        text_anchor="middle",
                        fill=ink,
                    )
                )
    grey: dict[str, Any] = {"size": 9, "fill": _GREY}
    if small:
        for i, a in enumerate(xs):
            x = left + (i + 0.5) * cell_w
            out.append(_text(x, _CHART_H - bottom + 11, short(a, 8), text_anchor="middle", **grey))
        for j, b in enumerate(ys):
            y = top + (j + 0.5) * cell_h + 3
            out.append(_text(left - 3, y, short(b, 8), text_anchor="end", **grey))
    x_title = str(plot.config.get("x_label") or plot.config.get("x", "actual"))
    y_title = str(plot.config.get("y_label") or plot.config.get("y", "predicted"))
    middle_x, middle_y = left + (_CHART_W - left - 8) / 2, top + (_CHART_H - top - bottom) / 2
    out.append(_text(middle_x, _CHART_H - 8, short(x_title, 40), text_anchor="middle", **grey))
    out.append(
        _text(
            10,
            middle_y,
            short(y_title, 24),
            text_anchor="middle",
            transform=f"rotate(-90 10 {middle_y})",
            **grey,
        )
    )
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
    # the same classes on both axes: a class never predicted (or never true) has its zeros
    classes = sorted({k[0] for k in counts} | {k[1] for k in counts}, key=_natural)
    return classes, classes, counts
