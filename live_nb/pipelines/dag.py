"""``live-nb dag``: the pipeline's graph as text, DOT, Mermaid or SVG, as ``dvc dag`` draws it.

The text drawing follows ``dvc dag``'s: each connected pipeline apart, a stage a box, the
stages in layers from the first to the last, edges of ``*`` from box to box (DVC lays the
layers out with grandalf; here a layer is ordered by where its upstream stages are, so a
wide graph may be placed differently). ``--dot`` and ``--mermaid`` write what ``dvc dag
--dot``/``--mermaid`` write. The SVG (the notebook's picture) uses the same layout; every
name in it is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from live_nb.pipelines.graph import Graph

__all__ = ["Layout", "as_dot", "as_mermaid", "as_svg", "as_text", "layout", "pipelines"]

_GAP = 10  # columns between two boxes of a layer
_LAYER_ROWS = 6  # a box (3 rows) and the edges below it (3 rows)


def _edges(graph: Graph, names: Sequence[str]) -> list[tuple[str, str]]:
    """``(upstream, downstream)`` among ``names``, in DVC's graph order."""
    chosen = set(names)
    return [
        (up, name)
        for up in names
        for name in names
        if up in graph.upstream.get(name, ()) and up in chosen and name in chosen
    ]


def pipelines(graph: Graph, names: Sequence[str] | None = None) -> list[list[str]]:
    """The connected pipelines among ``names`` (default: all), each in ``dvc.yaml``'s order."""
    names = list(names if names is not None else graph.stages)
    chosen = set(names)
    neighbours: dict[str, set[str]] = {name: set() for name in names}
    for up, down in _edges(graph, names):
        neighbours[up].add(down)
        neighbours[down].add(up)
    seen: set[str] = set()
    found: list[list[str]] = []
    for start in names:
        if start in seen:
            continue
        group, todo = {start}, [start]
        while todo:
            for other in neighbours[todo.pop()] & chosen:
                if other not in group:
                    group.add(other)
                    todo.append(other)
        seen |= group
        found.append([name for name in names if name in group])
    return found


def as_dot(graph: Graph, names: Sequence[str] | None = None) -> str:
    """``dvc dag --dot``: a strict digraph of the stages, edges from upstream to downstream."""
    names = list(names if names is not None else graph.stages)
    lines = ["strict digraph {", *(f'"{name}";' for name in names)]
    lines += [f'"{up}" -> "{down}";' for up, down in _edges(graph, names)]
    return "\n".join([*lines, "}", ""])


def as_mermaid(graph: Graph, names: Sequence[str] | None = None, markdown: bool = False) -> str:
    """``dvc dag --mermaid`` (``--md``: in a Markdown code fence)."""
    lines = ["flowchart TD"]
    count = 0
    for group in pipelines(graph, names):
        ids: dict[str, str] = {}
        for name in sorted(group):
            count += 1
            ids[name] = f"node{count}"
            lines.append(f'\t{ids[name]}["{name}"]')
        for up, down in sorted(_edges(graph, group)):
            lines.append(f"\t{ids[up]}-->{ids[down]}")
    text = "\n".join(lines)
    return f"```mermaid\n{text}\n```" if markdown else text


@dataclass
class Layout:
    """Where each box of one pipeline goes: its column, row (top) and width."""

    boxes: dict[str, tuple[int, int, int]]
    edges: list[tuple[str, str]]
    width: int
    height: int

    def center(self, name: str) -> tuple[int, int]:
        """The middle of ``name``'s box (column, row)."""
        x, y, width = self.boxes[name]
        return x + width // 2, y + 1


def layout(graph: Graph, group: Sequence[str]) -> Layout:
    """Layers by the longest path from a first stage; each ordered by its upstream's places."""
    edges = _edges(graph, group)
    depth: dict[str, int] = {}
    for name in [n for n in graph.order if n in group]:
        ups = [up for up, down in edges if down == name]
        depth[name] = 1 + max((depth[up] for up in ups), default=-1)
    layers: list[list[str]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for name in group:
        layers[depth[name]].append(name)
    place: dict[str, float] = {}
    for layer in layers:
        layer.sort(key=lambda n: _barycenter(n, edges, place, group))
        place.update({name: float(index) for index, name in enumerate(layer)})
    widths = [sum(len(n) + 4 for n in layer) + _GAP * (len(layer) - 1) for layer in layers]
    width = max(widths, default=0)
    boxes: dict[str, tuple[int, int, int]] = {}
    for row, (layer, used) in enumerate(zip(layers, widths)):
        x = (width + 1 - used) // 2
        for name in layer:
            boxes[name] = (x, row * _LAYER_ROWS, len(name) + 4)
            x += len(name) + 4 + _GAP
    return Layout(boxes, edges, width, max(len(layers) * _LAYER_ROWS - 3, 0))


def _barycenter(
    name: str, edges: list[tuple[str, str]], place: dict[str, float], group: Sequence[str]
) -> tuple[float, int]:
    ups = [place[up] for up, down in edges if down == name and up in place]
    return (sum(ups) / len(ups) if ups else 0.0), list(group).index(name)


def as_text(graph: Graph, names: Sequence[str] | None = None) -> str:
    """The graph drawn as ``dvc dag`` draws it: boxes and ``*`` edges, a pipeline at a time."""
    drawn = [_draw(layout(graph, group)) for group in pipelines(graph, names)]
    return "\n".join(drawn)


def _draw(plan: Layout) -> str:
    canvas = [[" "] * plan.width for _ in range(plan.height)]
    for up, down in plan.edges:
        _line(canvas, *plan.center(up), *plan.center(down))
    for name, (x, y, width) in plan.boxes.items():
        border = "+" + "-" * (width - 2) + "+"
        for row, text in enumerate([border, f"| {name} |", border]):
            canvas[y + row][x : x + width] = list(text)
    return "\n".join("".join(row).rstrip() for row in canvas)


def _line(canvas: list[list[str]], x0: int, y0: int, x1: int, y1: int) -> None:
    """``*`` from one point to another, one per column (or row, when steeper), as DVC's."""
    if x0 > x1:
        x0, y0, x1, y1 = x1, y1, x0, y0
    dx, dy = x1 - x0, y1 - y0
    if abs(dx) >= abs(dy):
        for x in range(x0, x1 + 1):
            canvas[y0 + (round((x - x0) * dy / dx) if dx else 0)][x] = "*"
        return
    if y0 < y1:
        for y in range(y0, y1 + 1):
            canvas[y][x0 + round((y - y0) * dx / dy)] = "*"
    else:
        for y in range(y1, y0 + 1):
            canvas[y][x1 + round((y - y1) * dx / dy)] = "*"


def as_svg(graph: Graph, names: Sequence[str] | None = None) -> str:
    """The same layout as an SVG picture, for the notebook (names escaped)."""
    cell_w, cell_h, top = 8, 9, 0
    parts: list[str] = []
    for group in pipelines(graph, names):
        plan = layout(graph, group)
        for up, down in plan.edges:
            (x0, y0), (x1, y1) = plan.center(up), plan.center(down)
            parts.append(
                f'<line x1="{x0 * cell_w}" y1="{(top + y0) * cell_h + 9}" x2="{x1 * cell_w}" '
                f'y2="{(top + y1) * cell_h - 9}" stroke="#888" marker-end="url(#a)"/>'
            )
        for name, (x, y, width) in plan.boxes.items():
            parts.append(
                f'<rect x="{x * cell_w}" y="{(top + y) * cell_h}" width="{width * cell_w}" '
                f'height="{3 * cell_h}" rx="4" fill="#f4f6fb" stroke="#4a6fa5"/>'
                f'<text x="{(x + width / 2) * cell_w}" y="{(top + y + 1.5) * cell_h}" '
                f'text-anchor="middle" dominant-baseline="central">{escape(name)}</text>'
            )
        top += plan.height + 3
    width = max((layout(graph, g).width for g in pipelines(graph, names)), default=0) * cell_w
    height = max(top - 3, 0) * cell_h
    marker = (
        '<defs><marker id="a" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" '
        'markerHeight="6" orient="auto"><path d="M0,0L10,5L0,10z" fill="#888"/></marker></defs>'
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width + 2}" height="{height + 2}" '
        f'font-family="monospace" font-size="12">{marker}{"".join(parts)}</svg>'
    )
