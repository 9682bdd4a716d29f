"""A run's summary as HTML tables, with its charts as inline SVG (no script needed).

What ``report.html`` shows where scripts do not run. Every user string is escaped.
"""

from __future__ import annotations

from live_nb.render.state import DashboardState
from live_nb.render.svg import escape, svg
from live_nb.render.text import elapsed_text, short, steps_text
from live_nb.render.theme import status_color


def html(state: DashboardState, with_charts: bool = True) -> str:
    """The summary as HTML (tables), and the charts as inline SVG; everything escaped."""
    esc = escape
    colour = status_color(state.status)
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
