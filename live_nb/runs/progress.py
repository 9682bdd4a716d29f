"""What a run is doing, as a row: the one description the CLI, ``%exp_run`` and the sidebar show.

A running run's step and latest metrics are read from the ``metrics.json`` its ``Live``
writes in the run's folder (a quarter second after each step), so following runs needs
nothing from them.
"""

from __future__ import annotations

import functools
import json
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from live_nb.experiments.values import flatten
from live_nb.runs.queue import RUNNING, Entry
from live_nb.runs.snapshot import runs_folder

__all__ = ["RunRow", "row_of", "text_rows"]

_MAX_METRICS = 3


@dataclass
class RunRow:
    """One run as a person reads it."""

    id: str
    name: str
    target: str
    params: str
    status: str
    step: int | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    elapsed: float | None = None
    experiment: str | None = None
    error: str | None = None
    restored_from: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The row as plain data (JSON, the widget)."""
        return asdict(self)


def row_of(entry: Entry) -> RunRow:
    """The row of ``entry`` as its files say now."""
    result = entry.result
    row = RunRow(
        id=entry.id,
        name=(result.experiment if result and result.experiment else entry.name),
        target=entry.spec.describe_target(),
        params=entry.spec.params_text(),
        status=entry.status,
        elapsed=entry.elapsed(),
        error=result.error if result else None,
        experiment=result.experiment if result else None,
        restored_from=result.restored_from if result else None,
    )
    if entry.status == RUNNING:
        row.step, row.metrics = _latest(entry)
    elif result is not None and result.commit:
        row.step, row.metrics = _saved(_git_dir(entry), result.commit, tuple(entry.spec.live_dirs))
    return row


def _git_dir(entry: Entry) -> Path:
    return entry.folder.parent.parent.parent  # <git dir>/live_nb/queue/<id>


def _latest(entry: Entry) -> tuple[int | None, dict[str, Any]]:
    """The step and latest metrics of a running entry's live folders."""
    work = runs_folder(_git_dir(entry)) / entry.id / "work"
    for live_dir in entry.spec.live_dirs:
        try:
            found = _step_and_metrics((work / live_dir / "metrics.json").read_text())
        except OSError:
            continue
        if found is not None:
            return found
    return None, {}


@functools.lru_cache(maxsize=1024)
def _saved(
    git_dir: Path, commit: str, live_dirs: tuple[str, ...]
) -> tuple[int | None, dict[str, Any]]:
    """The step and metrics a finished run saved (a commit never changes: cached)."""
    for live_dir in live_dirs:
        blob = f"{commit}:{live_dir}/metrics.json"
        shown = subprocess.run(
            ["git", "--git-dir", str(git_dir), "cat-file", "blob", blob],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        found = _step_and_metrics(shown.stdout) if shown.returncode == 0 else None
        if found is not None:
            return found
    return None, {}


def _step_and_metrics(text: str) -> tuple[int | None, dict[str, Any]] | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    step = data.pop("step", None)
    return (step if isinstance(step, int) else None), flatten(data)


def text_rows(rows: list[RunRow]) -> list[str]:
    """The rows as aligned text lines, for a terminal."""
    if not rows:
        return ["The queue is empty."]
    name_width = max(len(row.name) for row in rows)
    status_width = max(len(row.status) for row in rows)
    return [_text_row(row, name_width, status_width) for row in rows]


def _text_row(row: RunRow, name_width: int, status_width: int) -> str:
    parts = [f"{row.name:<{name_width}}", f"{row.status:<{status_width}}"]
    parts.append(_elapsed(row.elapsed))
    if row.params:
        parts.append(row.params)
    if row.step is not None:
        parts.append(f"step {row.step}")
    shown = list(row.metrics.items())[:_MAX_METRICS]
    parts.extend(f"{key}={_number(value)}" for key, value in shown)
    if row.restored_from:
        parts.append(f"(same inputs as {row.restored_from})")
    if row.error and row.status != "done":
        parts.append(f"- {row.error}")
    return "  ".join(parts).rstrip()


def _elapsed(seconds: float | None) -> str:
    if seconds is None:
        return "     -"
    if seconds < 60:
        return f"{seconds:5.1f}s"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes:3d}m{rest:02d}s"


def _number(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)
