"""DVC's queue as ``dvc exp show`` lists it: queued, running, failed and successful tasks.

DVC keeps a queued experiment as an entry of the stash ``refs/exps/celery/stash`` and a failed
one in ``refs/exps/celery/failed``, each a commit whose message is
``dvc-exp:<rev>:<baseline>:<name>``; a task's progress is its executor's info file,
``.dvc/tmp/exps/run/<entry>/<entry>.run`` (``status``: 0 pending, 1 preparing, 2 running,
3 success, 4 failed, 5 canceled, 6 finished; ``result_ref`` once it saved its experiment).
Everything here is read from those files, without starting Git: the stash entries are the
lines of the refs' reflogs, as ``git stash list`` reads them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from live_nb.records import record

__all__ = [
    "FAILED_STASH",
    "QUEUE_STASH",
    "DvcTask",
    "queue_tasks",
    "success_tasks",
    "task_process",
]

QUEUE_STASH = "refs/exps/celery/stash"
FAILED_STASH = "refs/exps/celery/failed"
_MESSAGE_PREFIX = "dvc-exp:"
_PREPARING, _RUNNING, _SUCCESS, _FINISHED = 1, 2, 3, 6
_CELERY_LOCATION = "dvc-task"


@record(frozen=True)
class DvcTask:
    """One experiment of DVC's queue that has no experiment ref (yet): queued, running, failed.

    ``state`` and ``executor`` are DVC's words (``queued``, ``running``, ``failed``;
    ``dvc-task``, or None for a failed task, as DVC shows them); ``commit`` is the stash entry.
    """

    name: str
    commit: str
    baseline: str
    state: str
    executor: str | None


def queue_tasks(git_dir: Path, dvc_dir: Path | None) -> list[DvcTask]:
    """DVC's queued and running tasks (in its stash) and its failed ones, newest first."""
    tasks = []
    for commit, baseline, name in _stash_entries(git_dir, QUEUE_STASH):
        info = _info(dvc_dir, commit)
        running = info is not None and info.get("status") in (_PREPARING, _RUNNING)
        state = "running" if running else "queued"
        tasks.append(DvcTask(name, commit, baseline, state, _CELERY_LOCATION))
    for commit, baseline, name in _stash_entries(git_dir, FAILED_STASH):
        tasks.append(DvcTask(name, commit, baseline, "failed", None))
    return tasks


def success_tasks(dvc_dir: Path | None) -> dict[str, str]:
    """The experiment refs that a task of DVC's queue saved, each with its task (stash entry)."""
    if dvc_dir is None:
        return {}
    found = {}
    try:
        entries = list(os.scandir(dvc_dir / "tmp" / "exps" / "run"))
    except OSError:
        return {}
    for entry in entries:
        info = _info(dvc_dir, entry.name)
        if info is None or info.get("location") != _CELERY_LOCATION:
            continue
        ref = info.get("result_ref")
        if info.get("status") in (_SUCCESS, _FINISHED) and isinstance(ref, str):
            found[ref] = entry.name
    return found


def task_process(dvc_dir: Path | None, task: str) -> dict[str, object] | None:
    """DVC's ``local`` executor of ``task``: its log, process id and exit status, if known.

    ``{"root", "log", "pid", "returncode", "task_id"}`` as ``dvc exp show --json`` has it,
    from the task's process file; None when there is none (DVC's own answer then).
    """
    if dvc_dir is None:
        return None
    path = dvc_dir / "tmp" / "exps" / "run" / task / f"{task}.json"
    try:
        process = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(process, dict):
        return None
    return {
        "root": None,
        "log": process.get("stdout"),
        "pid": process.get("pid"),
        "returncode": process.get("returncode"),
        "task_id": task,
    }


def _stash_entries(git_dir: Path, ref: str) -> list[tuple[str, str, str]]:
    """``(commit, baseline, name)`` of each entry of the stash ``ref``, newest first."""
    try:
        lines = (git_dir / "logs" / ref).read_text("utf-8", "replace").splitlines()
    except OSError:
        return []
    entries = []
    for line in reversed(lines):
        fields, _, message = line.partition("\t")
        parts = fields.split(" ")
        _, _, text = message.partition(_MESSAGE_PREFIX)
        if len(parts) < 2 or not text:
            continue
        pieces = text.split(":", 2)
        if len(pieces) == 3 and pieces[2]:
            entries.append((parts[1], pieces[1], pieces[2]))
    return entries


def _info(dvc_dir: Path | None, entry: str) -> dict[str, object] | None:
    """The executor info file of the stash entry ``entry``, parsed; None if absent or broken."""
    if dvc_dir is None:
        return None
    path = dvc_dir / "tmp" / "exps" / "run" / entry / f"{entry}.run"
    try:
        info = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    return info if isinstance(info, dict) else None
