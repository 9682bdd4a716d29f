"""A compact summary of a live session, shown in the cell's output and updated in place.

It stands in for the streaming dashboard: one display, refreshed a few times a
second, as HTML for notebooks and plain text for terminals. Everything from the
user is escaped. In a terminal (IPython without a kernel) the run's progress is one line,
rewritten in place a few times a second (:meth:`SessionSummary.follow_terminal`): the step,
the latest metrics and the time elapsed; the full summary is printed when the run ends.
"""

from __future__ import annotations

import html
import shutil
import time
from typing import Any, TextIO

from live_nb.events import LiveEvent
from live_nb.render.text import elapsed_text, short, steps_text
from live_nb.render.theme import status_color

REFRESH_SECONDS = 0.25


class SessionSummary:
    """The run's headline, latest values and params, shown where no dashboard runs."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.status = "running"
        self.step = 0  # steps done: the charts end at step - 1
        self.metrics: dict[str, Any] = {}
        self.params: dict[str, Any] = {}
        self.note = ""
        self.started = time.monotonic()
        self._handle: Any = None
        self._terminal: TextIO | None = None
        self._last_shown = 0.0

    def follow_terminal(self, stream: TextIO) -> None:
        """Show the progress line on ``stream`` while the run goes, if it is a terminal."""
        isatty = getattr(stream, "isatty", None)
        if callable(isatty) and isatty():
            self._terminal = stream

    def show(self) -> None:
        """Display the summary, with a display id to update it in place."""
        from IPython.display import display

        self._handle = display(self.bundle(), raw=True, display_id=True)

    def observe(self, event: LiveEvent) -> None:
        """Take in one event of the run (an observer of ``Live.subscribe``)."""
        if event.kind == "metric" and event.name is not None:
            self.metrics[event.name] = event.value
        elif event.kind == "param" and event.name is not None:
            self.params[event.name] = event.value
        elif event.kind == "step":
            self.step = event.step + 1
            if time.monotonic() - self._last_shown >= REFRESH_SECONDS:
                self.refresh()

    def refresh(self) -> None:
        """Update the displayed summary now."""
        self._last_shown = time.monotonic()
        if self._handle is not None:
            self._handle.update(self.bundle(), raw=True)
        if self._terminal is not None:
            width = shutil.get_terminal_size().columns - 1
            self._terminal.write(f"\r{short_line(self.progress_line(), width)}\x1b[K")
            self._terminal.flush()

    def end_line(self) -> None:
        """Take the progress line away (the full summary is printed in its place)."""
        if self._terminal is not None:
            self._terminal.write("\r\x1b[K")
            self._terminal.flush()
            self._terminal = None

    def progress_line(self) -> str:
        """The run in one line: title, step, latest metrics, elapsed time."""
        step = f"step {self.step - 1}" if self.step else "starting"
        metrics = " ".join(f"{name}={short(value)}" for name, value in self.metrics.items())
        return " · ".join(part for part in (self.title, step, metrics, self._elapsed()) if part)

    def bundle(self) -> dict[str, str]:
        """The summary as a mime bundle: plain text and HTML."""
        return {"text/plain": self.text(), "text/html": self.html()}

    def _elapsed(self) -> str:
        return elapsed_text(time.monotonic() - self.started)

    def text(self) -> str:
        """The summary as plain text."""
        parts = [self.title, self.status, steps_text(self.step), self._elapsed()]
        head = " · ".join(part for part in parts if part)
        lines = [head]
        lines += [f"  {name} = {short(value)}" for name, value in self.metrics.items()]
        if self.params:
            lines.append(
                "  params: " + ", ".join(f"{k}={short(v)}" for k, v in self.params.items())
            )
        if self.note:
            lines.append(self.note)
        return "\n".join(lines)

    def html(self) -> str:
        """The summary as HTML tables, every user string escaped."""

        def cells(items: dict[str, Any]) -> str:
            return "".join(
                f"<tr><td>{html.escape(str(name))}</td><td>{html.escape(short(value))}</td></tr>"
                for name, value in items.items()
            )

        colour = status_color(self.status)
        parts = [
            '<div class="live-nb-summary" style="font-family:var(--jp-code-font-family,monospace);'
            'font-size:12px">',
            f"<b>{html.escape(self.title)}</b> · "
            f'<span style="color:{colour}">{html.escape(self.status)}</span> · '
            + "".join(f"{part} · " for part in [steps_text(self.step)] if part)
            + self._elapsed(),
        ]
        if self.metrics:
            parts.append(
                f"<table><tr><th>metric</th><th>latest</th></tr>{cells(self.metrics)}</table>"
            )
        if self.params:
            parts.append(
                f"<table><tr><th>param</th><th>value</th></tr>{cells(self.params)}</table>"
            )
        if self.note:
            parts.append(f"<div>{html.escape(self.note)}</div>")
        parts.append("</div>")
        return "".join(parts)


def short_line(line: str, width: int) -> str:
    """``line`` cut to ``width`` characters, with an ellipsis when cut (a line never wraps).

    Characters a terminal would act on (escape sequences in a metric's name) are shown as ``?``.
    """
    line = "".join(char if char.isprintable() else "?" for char in line)
    if width <= 1 or len(line) <= width:
        return line
    return line[: width - 1] + "…"
