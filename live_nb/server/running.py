"""The sidebar's "Now running" list: every live run of a repository, as rows of plain data.

Three sources, none of which needs the cooperation of a kernel:

- ``Live`` objects running now (``%%live`` cells in any kernel, scripts): the marker files of
  :mod:`live_nb.running`, whose process is alive; their step and latest metrics are read
  from the ``metrics.json`` of their output folder;
- headless runs of :mod:`live_nb.runs` queued or running, and those that ended in the last
  :data:`RECENT` seconds (so a stopped run is seen to stop);
- checkpointed experiments whose last checkpoint says ``running`` and whose process is gone
  (``unfinished``: resume them), or runs on another host.

A row: ``{"id", "source" ("live"|"queue"|"checkpoint"), "name", "notebook", "status",
"params", "step", "metrics", "sparklines" ({metric: [values]}, the last
:data:`SPARK_POINTS` of up to :data:`SPARK_METRICS` metrics), "elapsed", "started",
"kernel", "pid", "experiment", "error"}``; ``id`` is what ``POST running/stop`` takes
(``live:<marker>``, ``queue:<run id>``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from live_nb.error import LiveNbError
from live_nb.git import Repository
from live_nb.running import Marker, read_markers

__all__ = [
    "RECENT",
    "SPARK_METRICS",
    "SPARK_POINTS",
    "NotStoppableError",
    "marker_of",
    "running_rows",
    "sparklines",
]

RECENT = 120.0  # s a finished headless run stays in the list
SPARK_POINTS = 60
SPARK_METRICS = 4
_TAIL_BYTES = 16384


class NotStoppableError(LiveNbError, ValueError):
    """A stop asked for a run this server cannot stop."""


def running_rows(repo: Repository, sessions: Mapping[str, str]) -> list[dict[str, Any]]:
    """The live runs of ``repo``; ``sessions`` maps this server's kernel ids to notebooks."""
    rows = [_marker_row(marker, sessions) for marker in read_markers(repo.git_dir)]
    rows.extend(_queue_rows(repo))
    _merge_checkpoints(repo, rows)
    return rows


def marker_of(repo: Repository, row_id: str) -> Marker:
    """The marker a ``live:`` row id names (raises :class:`NotStoppableError`)."""
    stem = row_id.removeprefix("live:")
    for marker in read_markers(repo.git_dir):
        if marker.path.stem == stem:
            return marker
    raise NotStoppableError("This run has ended (or was never seen here); the list is refreshed.")


def _marker_row(marker: Marker, sessions: Mapping[str, str]) -> dict[str, Any]:
    step, metrics = _latest(marker.dir / "metrics.json")
    notebook = sessions.get(marker.kernel or "") or marker.program
    return _row(
        id=f"live:{marker.path.stem}",
        source="live",
        name=marker.name or "",
        notebook=notebook,
        status="running",
        step=step,
        metrics=metrics,
        sparklines=sparklines(marker.dir, metrics),
        elapsed=max(0.0, time.time() - marker.started),
        started=marker.started,
        kernel=marker.kernel if marker.kernel in sessions else None,
        pid=marker.pid,
    )


def _queue_rows(repo: Repository) -> list[dict[str, Any]]:
    from live_nb import runs
    from live_nb.runs.progress import row_of
    from live_nb.runs.queue import FINISHED, QUEUED, RUNNING
    from live_nb.runs.snapshot import runs_folder

    if not (repo.git_dir / "live_nb" / "queue").is_dir():
        return []
    rows = []
    now = time.time()
    for entry in runs.status(repo.root):
        if entry.status in FINISHED and now - _ended(entry.folder) > RECENT:
            continue
        if entry.status not in FINISHED and entry.status not in (QUEUED, RUNNING):
            continue
        row = row_of(entry)
        work = runs_folder(repo.git_dir) / entry.id / "work"
        sparks: dict[str, list[float]] = {}
        if entry.status == RUNNING:
            for live_dir in entry.spec.live_dirs:
                row.step, row.metrics = _latest(work / live_dir / "metrics.json")
                sparks = sparklines(work / live_dir, row.metrics)
                if row.metrics:
                    break
        rows.append(
            _row(
                id=f"queue:{entry.id}",
                source="queue",
                name=row.name,
                notebook=row.target,
                status=row.status,
                params=row.params,
                step=row.step,
                metrics=row.metrics,
                sparklines=sparks,
                elapsed=row.elapsed,
                started=entry.claim.started if entry.claim else None,
                experiment=row.experiment,
                error=row.error,
            )
        )
    return rows


def _ended(folder: Path) -> float:
    """When a finished entry's result was written (0 when unknown)."""
    try:
        return (folder / "state.json").stat().st_mtime
    except OSError:
        return 0.0


def _merge_checkpoints(repo: Repository, rows: list[dict[str, Any]]) -> None:
    """Name marker rows after their checkpoint chain; add chains left unfinished."""
    from live_nb.experiments.chain import RUNNING, parse_trailers, run_state
    from live_nb.experiments.refs import ExpRef

    listing = repo.run(
        "for-each-ref", "--format=%(refname)%00%(contents)%00%(objectname)%01", "refs/exps/",
        check=False,
    )  # fmt: skip
    by_pid = {row["pid"]: row for row in rows if row["source"] == "live"}
    for record in listing.split("\x01"):
        parts = record.strip("\n").split("\x00")
        if len(parts) != 3 or (exp := ExpRef.parse(parts[0])) is None:
            continue
        trailers = parse_trailers(parts[1])
        state = run_state(trailers)
        if state is None:
            continue
        step = trailers.get("Live-Nb-Step", "")
        pid = trailers.get("Live-Nb-Pid", "")
        mine = by_pid.get(int(pid)) if pid.isdigit() else None
        if state == RUNNING and mine is not None:
            mine["name"] = mine["name"] or exp.name
            mine["experiment"] = exp.name
            continue
        rows.append(
            _row(
                id=f"checkpoint:{parts[0]}",
                source="checkpoint",
                name=exp.name,
                status=state,
                step=int(step) if step.isdigit() else None,
                experiment=exp.name,
                error=(
                    "its process is gone: resume it with %%live --resume-from " + exp.name
                    if state != RUNNING
                    else "running in another process"
                ),
            )
        )


def _row(**values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": "",
        "source": "",
        "name": "",
        "notebook": "",
        "status": "",
        "params": "",
        "step": None,
        "metrics": {},
        "sparklines": {},
        "elapsed": None,
        "started": None,
        "kernel": None,
        "pid": None,
        "experiment": None,
        "error": None,
    }
    row.update(values)
    return row


def _latest(path: Path) -> tuple[int | None, dict[str, Any]]:
    """The step and latest metrics of a ``metrics.json``, named as logged (``train/loss``)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, {}
    if not isinstance(data, dict):
        return None, {}
    step = data.pop("step", None)
    return (step if type(step) is int else None), _flatten(data)


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}/"))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def sparklines(live_dir: Path, metrics: Mapping[str, Any]) -> dict[str, list[float]]:
    """The last :data:`SPARK_POINTS` values of the first metrics of ``metrics``, from their TSVs."""
    found: dict[str, list[float]] = {}
    folder = live_dir / "plots" / "metrics"
    for name in list(metrics)[:SPARK_METRICS]:
        path = folder.joinpath(*name.split("/")).with_name(name.split("/")[-1] + ".tsv")
        values = _tail_values(path)
        if values:
            found[name] = values
    return found


def _tail_values(path: Path) -> list[float]:
    try:
        with path.open("rb") as file:
            size = file.seek(0, 2)
            file.seek(max(0, size - _TAIL_BYTES))
            text = file.read().decode("utf-8", "replace")
    except OSError:
        return []
    lines = text.splitlines()
    if size > _TAIL_BYTES:
        lines = lines[1:]  # the first line read may be cut
    values = []
    for line in lines[-SPARK_POINTS - 1 :]:
        cell = line.rsplit("\t", 1)[-1]
        try:
            values.append(float(cell))
        except ValueError:
            continue  # the header
    return values[-SPARK_POINTS:]
