"""Run from here: a notebook's parameters for the sidebar's form, its runs queued, the worker.

Everything goes through :mod:`live_nb.runs` as ``live-nb exp run`` does: what the user types
is a list of ``-S`` items, checked with DVC's grammar (:func:`live_nb.runs.params.parse_override`)
and placed by :mod:`live_nb.runs.resolve` (a value becomes a literal in the run's copy of the
notebook or in its params file); nothing typed is ever run as code, nor passed to a shell.

- :func:`notebook_params`: ``[{"key", "value", "where"}]``, the keys ``-S`` can set in a
  notebook, with their current values written in the ``-S`` grammar: the ``--param``
  defaults of its ``%%live`` lines, the assignments of its cell tagged ``parameters``, and
  the leaves of ``params.yaml``.
- :func:`launch`: the runs of the grid queued, and with ``now`` a worker started for them.
- :func:`queue_state`: the queue's runs (queued and running ones, then the last
  :data:`RECENT_FINISHED` finished) and its worker.
- :func:`start_worker`, :func:`stop_worker`: the queue's background worker.

All blocking (they read and write ``.git/live_nb/``): the handlers call them off the loop.
"""

from __future__ import annotations

import ast
import os
import re
import shlex
import signal
from pathlib import Path
from typing import Any

from live_nb.error import LiveNbError

__all__ = [
    "MAX_ITEMS",
    "MAX_JOBS",
    "MAX_RUNS",
    "LaunchError",
    "ParamsRefusedError",
    "check_items",
    "launch",
    "notebook_params",
    "queue_state",
    "start_worker",
    "stop_worker",
]

MAX_RUNS = 100  # points of a grid one click may queue
MAX_ITEMS = 50  # -S items of one request
MAX_ITEM_CHARS = 2000
MAX_JOBS = 16
RECENT_FINISHED = 10
_PARAM_FLAGS = ("--param", "-p")
_WORKER_PROGRAMS = ("live_nb.runs.serve", "queue start")  # a background worker, or --foreground


class LaunchError(LiveNbError, ValueError):
    """A run or worker request that cannot be done as asked."""


class ParamsRefusedError(LiveNbError, ValueError):
    """``-S`` items refused: bad grammar, an unknown or ambiguous key, a grid too large."""

    def __init__(self, message: str, item: str | None = None) -> None:
        """Keep the item refused (None: the request as a whole)."""
        self.item = item
        super().__init__(message)


# -- the form's parameters ---------------------------------------------------------------


def notebook_params(root: Path, notebook: Path) -> list[dict[str, str]]:
    """The keys ``-S`` can set in ``notebook`` (of the repository at ``root``), with values."""
    from live_nb.runs.params_files import DEFAULT_PARAMS_FILE, read_params
    from live_nb.runs.resolve import LIVE, PARAMETERS, cell_source, read_notebook

    document = read_notebook(notebook)
    found: list[dict[str, str]] = []
    tagged = False
    for cell in document["cells"]:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell_source(cell)
        for key, value in _live_params(source):
            found.append({"key": key, "value": value, "where": LIVE})
        tags = (cell.get("metadata") or {}).get("tags") or []
        if "parameters" in tags and not tagged:
            tagged = True
            for key, value in _assignments(source):
                found.append({"key": key, "value": value, "where": PARAMETERS})
    for key, value in _leaves(read_params(root / DEFAULT_PARAMS_FILE, DEFAULT_PARAMS_FILE)):
        found.append({"key": key, "value": value, "where": DEFAULT_PARAMS_FILE})
    return found


def _live_params(source: str) -> list[tuple[str, str]]:
    """``(key, value)`` of each ``--param KEY=VALUE`` on a ``%%live`` first line."""
    first = source.lstrip("\n").split("\n", 1)[0]
    if not re.match(r"%%live(\s|$)", first):
        return []
    try:
        tokens = shlex.split(first[len("%%live") :])
    except ValueError:
        return []
    pairs = []
    for index, token in enumerate(tokens):
        if token in _PARAM_FLAGS and index + 1 < len(tokens):
            text = tokens[index + 1]
        elif token.startswith("--param="):
            text = token[len("--param=") :]
        else:
            continue
        key, separator, value = text.partition("=")
        if separator and key.strip():
            pairs.append((key.strip(), value))
    return pairs


def _assignments(source: str) -> list[tuple[str, str]]:
    """``(name, value)`` of the cell's top-level ``NAME = VALUE`` lines, values as ``-S`` text."""
    from live_nb.runs.params import format_value

    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    pairs = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if not isinstance(target, ast.Name):
            continue
        try:
            text = format_value(ast.literal_eval(value))
        except (ValueError, TypeError, SyntaxError, RecursionError):
            text = ast.get_source_segment(source, value) or ""
        pairs.append((target.id, text))
    return pairs


def _leaves(data: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Every leaf of a params file, dotted, with its value as ``-S`` text."""
    from live_nb.runs.params import format_value

    if isinstance(data, dict):
        items = [(f"{prefix}{key}", value) for key, value in data.items()]
    elif isinstance(data, list) and prefix and any(isinstance(v, (dict, list)) for v in data):
        items = [(f"{prefix}{index}", value) for index, value in enumerate(data)]
    else:
        return [(prefix.rstrip("."), format_value(data))] if prefix else []
    leaves: list[tuple[str, str]] = []
    for key, value in items:
        leaves += _leaves(value, f"{key}.")
    return leaves


# -- queueing and running ----------------------------------------------------------------


def check_items(items: list[str]) -> None:
    """Refuse ``-S`` items that break the grammar, or a grid over :data:`MAX_RUNS` runs."""
    from live_nb.runs.params import ParamSyntaxError, parse_override

    if len(items) > MAX_ITEMS:
        raise ParamsRefusedError(f"At most {MAX_ITEMS} -S items at once, not {len(items)}.")
    overrides = []
    for item in items:
        if len(item) > MAX_ITEM_CHARS:
            raise ParamsRefusedError(f"-S {item[:40]}...: over {MAX_ITEM_CHARS} characters.", item)
        try:
            overrides.append(parse_override(item))
        except ParamSyntaxError as error:
            raise ParamsRefusedError(str(error), item) from None
    count = 1
    for override in overrides:
        count *= len(override.settings())
        if count > MAX_RUNS:
            raise ParamsRefusedError(
                f"These values make a grid of over {MAX_RUNS} runs; the panel queues at most "
                f"{MAX_RUNS} at once (queue larger grids with `live-nb exp run --queue`)."
            )


def launch(root: Path, notebook: Path, items: list[str], now: bool, jobs: int) -> dict[str, Any]:
    """Queue ``notebook``'s runs for the ``-S`` ``items``; with ``now``, start a worker too."""
    from live_nb import runs
    from live_nb.runs.params_files import ParamError

    _check_jobs(jobs)
    check_items(items)
    try:
        queued = runs.queue(notebook, items, path=root)
    except ParamError as error:
        raise ParamsRefusedError(str(error)) from None
    names = [run.name for run in queued]
    listed = ", ".join(names[:6]) + (" ..." if len(names) > 6 else "")
    message = f"Queued {len(names)} run(s): {listed}."
    if now:
        message += " " + start_worker(root, jobs)
    return {"ok": True, "message": message, "runs": names}


def _check_jobs(jobs: int) -> None:
    if not 1 <= jobs <= MAX_JOBS:
        raise LaunchError(f"Runs at a time must be from 1 to {MAX_JOBS}, not {jobs}.")


# -- the queue and its worker ------------------------------------------------------------


def queue_state(root: Path) -> dict[str, Any]:
    """``{"runs": [row...], "worker": {"pid": int|None}, "queued": n, "running": n}``."""
    from live_nb import runs
    from live_nb.runs.progress import row_of
    from live_nb.runs.queue import QUEUED, RUNNING

    entries = runs.status(root) if _has_queue(root) else []
    active = [entry for entry in entries if entry.status in (QUEUED, RUNNING)]
    finished = [entry for entry in entries if entry.status not in (QUEUED, RUNNING)]
    shown = active + finished[::-1][:RECENT_FINISHED]
    rows = []
    for entry in shown:
        row = row_of(entry)
        rows.append(
            {
                "id": entry.id,
                "name": row.name,
                "notebook": row.target,
                "params": row.params,
                "status": row.status,
                "elapsed": row.elapsed,
                "experiment": row.experiment,
                "error": row.error,
            }
        )
    return {
        "runs": rows,
        "worker": {"pid": _worker(root)},
        "queued": sum(entry.status == QUEUED for entry in entries),
        "running": sum(entry.status == RUNNING for entry in entries),
    }


def start_worker(root: Path, jobs: int = 1) -> str:
    """Start the queue's background worker, unless one works it already; what happened."""
    from live_nb import runs
    from live_nb.runs.queue import QUEUED

    _check_jobs(jobs)
    current = _worker(root)
    if current is not None:
        return f"The queue's worker (process {current}) runs what is queued."
    queued = sum(entry.status == QUEUED for entry in runs.status(root)) if _has_queue(root) else 0
    if not queued:
        return "Nothing is queued: queue runs first, then start a worker."
    pid = runs.start(jobs, path=root)
    return (
        f"Started a worker (process {pid}, {jobs} at a time) for {queued} queued run(s); it "
        "stops when the queue is empty."
    )


def stop_worker(root: Path) -> str:
    """Interrupt the queue's worker: its runs save what they logged as killed; the rest waits."""
    pid = _worker(root)
    if pid is None:
        return "No worker is running for this queue."
    if not _is_worker_program(pid):
        raise LaunchError(
            f"The queue's worker (process {pid}) is not a live_nb worker this server can stop; "
            "stop it where it runs."
        )
    try:
        os.kill(pid, signal.SIGINT)  # as Ctrl-C: each run it started saves what it logged
    except ProcessLookupError:
        return "The worker had already ended."
    except PermissionError as error:
        raise LaunchError(f"Cannot stop the worker (process {pid}): {error}.") from None
    return (
        f"Stopping the worker (process {pid}): its running runs save what they logged as "
        "killed; queued runs stay queued until a worker is started."
    )


def _has_queue(root: Path) -> bool:
    from live_nb.git import Repository

    with Repository.discover(root) as repo:
        return (repo.git_dir / "live_nb" / "queue").is_dir()


def _worker(root: Path) -> int | None:
    from live_nb.git import Repository
    from live_nb.runs.queue import Queue
    from live_nb.runs.worker import worker_pid

    with Repository.discover(root) as repo:
        return worker_pid(Queue(repo.git_dir))


def _is_worker_program(pid: int) -> bool:
    """Whether process ``pid`` runs a live_nb worker (so a signal reaches nothing else)."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        try:
            import psutil
        except ImportError:
            return False
        try:
            command = " ".join(psutil.Process(pid).cmdline())
        except psutil.Error:
            return False
    return any(program in command for program in _WORKER_PROGRAMS)
