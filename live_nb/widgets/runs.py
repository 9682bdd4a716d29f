"""The live view of ``%exp_run``: a row per run, refreshed from the queue, with a stop button.

Traits (read by ``js/src/runs/index.js``): ``rows``, a list of
:meth:`~live_nb.runs.progress.RunRow.to_dict`; ``note``, one line under the table. The
browser sends ``{"kind": "kill", "id": ...}`` to stop a run. A daemon thread re-reads the
queue twice a second while any of the view's runs is queued or running, then writes a last
note and stops; the kernel is never busy with it. Its saved copy (``text/html``, what a reopened
notebook shows) is the table of the runs as they were when shown, and as they ended once
they all have: the display is updated then (:meth:`RunsWidget.show`).
"""

from __future__ import annotations

import html
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import traitlets

from live_nb.runs.progress import row_of
from live_nb.runs.queue import FINISHED, Queue
from live_nb.widgets.base import SharedBundleWidget, with_saved_copy

__all__ = ["RunsWidget"]

_REFRESH_SECONDS = 0.5


class RunsWidget(SharedBundleWidget):
    """The runs ``ids`` of the queue in ``git_dir``, followed until they have all ended."""

    view = traitlets.Unicode("runs").tag(sync=True)
    rows = traitlets.List(traitlets.Dict()).tag(sync=True)
    note = traitlets.Unicode("").tag(sync=True)

    def __init__(self, git_dir: Path, ids: list[str], **kwargs: Any) -> None:
        """Follow the runs ``ids`` of the queue in ``git_dir``."""
        super().__init__(**kwargs)
        self._queue = Queue(git_dir)
        self._ids = list(ids)
        self._stopped = threading.Event()
        self._handle: Any = None
        self.on_msg(self._on_message)
        self.refresh()
        self._thread = threading.Thread(target=self._follow, name="live-nb-runs-view", daemon=True)
        self._thread.start()

    def refresh(self) -> bool:
        """Re-read the queue; whether every run has ended."""
        entries = {entry.id: entry for entry in self._queue.entries()}
        mine = [entries[i] for i in self._ids if i in entries]
        self.rows = [row_of(entry).to_dict() for entry in mine]
        finished = all(entry.status in FINISHED for entry in mine)
        self.note = _summary(Counter(entry.status for entry in mine), finished)
        return finished

    def show(self) -> None:
        """Display the view, with a display id so that its saved copy is renewed at the end."""
        from IPython.display import display

        self._handle = display(self, display_id=True)

    def close(self) -> None:
        """Stop following, then close the widget."""
        self._stopped.set()
        super().close()

    def _follow(self) -> None:
        while not self._stopped.wait(_REFRESH_SECONDS):
            try:
                if self.refresh():
                    break
            except Exception:  # a queue being removed under us: stop quietly
                return
        if self._handle is not None and not self._stopped.is_set():
            self._handle.update(self)  # the saved copy: the runs as they ended

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is None:
            return None
        data, metadata = bundle if isinstance(bundle, tuple) else (bundle, {})
        return with_saved_copy(data, static_html(self.rows, self.note)), metadata

    def _on_message(self, _: Any, content: Any, buffers: Any) -> None:
        if not isinstance(content, dict) or content.get("kind") != "kill":
            return
        wanted = content.get("id")
        entry = next((e for e in self._queue.entries() if e.id == wanted), None)
        if entry is not None and entry.id in self._ids:
            self._queue.request_kill(entry)
            self.refresh()


def _summary(counts: Counter[str], finished: bool) -> str:
    parts = ", ".join(f"{count} {status}" for status, count in sorted(counts.items()))
    if finished:
        return f"All {sum(counts.values())} run(s) ended: {parts}. Compare them with %exp_show."
    return f"{parts}. The kernel is free meanwhile; `live-nb queue status` follows them too."


def _cell(row: dict[str, Any]) -> list[str]:
    metrics = ", ".join(f"{key}={value}" for key, value in (row.get("metrics") or {}).items())
    step = "" if row.get("step") is None else f"step {row['step']}"
    progress = " ".join(part for part in (step, metrics) if part)
    fields = (row.get("name"), row.get("params"), row.get("status"), progress, row.get("error"))
    return [str(value or "") for value in fields]


def static_html(rows: list[dict[str, Any]], note: str) -> str:
    """The runs ``rows`` and ``note`` as plain HTML (every cell escaped), the view's saved copy."""
    head = "".join(f"<th>{name}</th>" for name in ("run", "params", "status", "progress", "error"))
    ended = all(row.get("status") in FINISHED for row in rows)
    when = "as they ended" if ended else "when the view was shown"
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(text)}</td>" for text in _cell(row)) + "</tr>"
        for row in rows
    )
    return (
        f'<div class="live-nb-runs-static"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table><p>{html.escape(note)}</p>"
        f"<p>Saved {when}; <code>live-nb queue status</code> says where these runs are now.</p>"
        "</div>"
    )
