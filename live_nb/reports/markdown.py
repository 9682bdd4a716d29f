"""``Live(report="md")``: ``report.md``, laid out as DVCLive writes it.

A params table, a metrics table, one chart per metric as ``static/<name>.png``
(drawn with matplotlib, without pyplot, as DVCLive draws them), the logged
images, then the custom and sklearn plots as ``static/plots/<name>.png``.
Images are linked (``plots/images/<name>``) where DVCLive inlines them as
``data:`` URLs, which GitHub does not show; sklearn plots are drawn, where
DVCLive leaves them out. Table cells are escaped for Markdown and HTML.
"""

from __future__ import annotations

import html as html_lib
import io
import json
import math
import os
import re
import sys
import warnings
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from live_nb.error import LiveNbWarning
from live_nb.formats.files import atomic_write
from live_nb.formats.images import IMAGE_SUFFIXES
from live_nb.formats.metrics import parse_rows
from live_nb.formats.plots import plot_records
from live_nb.render.downsample import downsample_indices
from live_nb.render.state import Plot
from live_nb.render.svg import confusion_counts
from live_nb.reports.file import FileReport

if TYPE_CHECKING:
    from live_nb.live import Live

MD_PLOT_MAX_POINTS = 4000
"""Points per line drawn in ``report.md``'s charts (min/max per bucket, as the dashboard)."""


def matplotlib_installed() -> bool:
    """Whether matplotlib can be imported (without importing it)."""
    if "matplotlib" in sys.modules:
        return sys.modules["matplotlib"] is not None
    from importlib.util import find_spec

    return find_spec("matplotlib") is not None


class MarkdownReport(FileReport):
    """``report.md``: DVCLive's layout, with the charts drawn by matplotlib into ``static/``."""

    suffix = "md"

    @classmethod
    def open(cls, live: Live) -> MarkdownReport | None:
        """The report, or None (with a warning) without matplotlib, as DVCLive goes on."""
        if not matplotlib_installed():
            warnings.warn(
                "Live(report='md') draws its charts with matplotlib, which is not installed, "
                "so no report is written. Install it (pip install matplotlib) or use "
                "report='html', which needs nothing more.",
                LiveNbWarning,
                stacklevel=5,
            )
            return None
        return cls(live)

    def __init__(self, live: Live) -> None:
        """Follow ``live``; charts go to ``static/`` in its output folder."""
        super().__init__(live)
        self._live_root = self.path.parent
        self._live = live
        self.static_dir = self._live_root / "static"  # Live clears it when a new run starts
        # chart -> (stat of the data it shows, whether it could be drawn)
        self._drawn: dict[Path, tuple[tuple[int, int], bool]] = {}

    def write(self) -> None:
        """Write ``report.md`` (atomically), drawing the charts whose data changed."""
        atomic_write(self.path, self.text())

    def text(self) -> str:
        """The report as it is now; draws the charts whose data changed."""
        run = self._live.snapshot()
        elements: list[str] = []
        if run.params:
            elements.append(table_section("params.yaml", flatten(dict(run.params))))
        if run.summary:
            elements.append(table_section("metrics.json", flatten(dict(run.summary))))
        used: set[Path] = set()
        for name, path in metric_files(self._live_root / "plots" / "metrics"):
            chart = self._chart_path(name, used)
            if self._draw(chart, path, partial(draw_metric, path, name, chart)):
                elements.append(image_link(f"static/{name}", chart, self._live_root))
        images = self._live_root / "plots" / "images"
        for name in image_files(images):
            elements.append(image_link(name, images / name, self._live_root))
        plots = sorted(run.plots.items(), key=lambda item: item[1].sklearn is None)  # as DVCLive
        for name, plot in plots:
            chart = self._chart_path(f"plots/{name}", used)
            source, config = plot.path, dict(plot.config)
            if self._draw(chart, source, partial(draw_plot, source, name, config, chart)):
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
    """``(name, path)`` of every metric file, in DVCLive's order.

    A folder's files, then its sub-folders (sorted here; DVCLive takes the file system's order).
    """
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
        for suffix in IMAGE_SUFFIXES
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
    """A GitHub table of one row, laid out as ``tabulate(tablefmt="github")`` lays it out.

    Numbers right-aligned, text left-aligned, every column at least its title plus two wide.
    """
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


def draw_metric(source: Path, name: str, chart: Path) -> bool:
    """One metric's chart (x = step) as DVCLive draws it; False for a text metric."""
    try:
        data = source.read_bytes()
    except OSError:
        return False
    header, _, rows = data.partition(b"\n")
    steps, values = parse_rows(rows, header.startswith(b"timestamp\t"))
    if not values:
        return False
    from matplotlib.ticker import MaxNLocator

    kept = downsample_indices(values, MD_PLOT_MAX_POINTS)
    figure = _figure()
    axes = figure.add_subplot()
    axes.plot([steps[i] for i in kept], [values[i] for i in kept])
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    _labels(axes, name, "step", name.rpartition("/")[2])
    _save(figure, chart)
    return True


def draw_plot(source: Path, name: str, config: dict[str, Any], chart: Path) -> bool:
    """A custom or sklearn plot by its template: lines, points, bars or a confusion heat map."""
    try:
        records = plot_records(json.loads(source.read_text(encoding="utf-8")))
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
        plot = Plot(name, "sklearn", None, config, records)
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


def _confusion(axes: Any, plot: Plot, normalized: bool) -> None:
    actual, predicted, counts = confusion_counts(plot)
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
