"""A run as text: the headline, values, durations and step counts every view writes alike.

Plain text only: :mod:`live_nb.render.html` escapes it for HTML.
"""

from __future__ import annotations

from typing import Any

from live_nb.render import state as run_state
from live_nb.render.state import DashboardState


def short(value: Any, limit: int = 80) -> str:
    """A value as the dashboard shows it: floats to 6 significant digits, long text cut."""
    if isinstance(value, float):
        return f"{value:.6g}"
    text = str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def elapsed_text(seconds: float) -> str:
    """Seconds as ``m:ss``, or ``h:mm:ss`` past an hour."""
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
    limit = run_state.STATIC_IMAGE_BYTES
    size = f"{limit / 2**20:.3g} MB" if limit >= 2**20 else f"{limit / 1024:.3g} kB"
    what = "1 image" if count == 1 else f"{count} images"
    return f"{what} not shown: the output keeps at most {size} of images"


def headline(state: DashboardState) -> str:
    """The run's first line: title, status, steps done and elapsed time."""
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
