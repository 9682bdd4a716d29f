"""What the sidebar's Experiments panel reads and does, as plain data ready for JSON.

Every function here is blocking (it runs Git): the handlers call them off the event loop.
They take the server's root folder and a folder inside it (already resolved by
:mod:`live_nb.server.paths`) and work on the Git repository holding that folder, which must
itself lie inside the root (a repository that starts above the served folder is refused: its
files are not the server's to show or change).

The table is the one ``%exp_show`` shows: the same ``columns`` and ``rows``
(:func:`live_nb.widgets.table.synced_state`, documented in :mod:`live_nb.widgets.table`), so the
browser's table code is the same too. Row ids: ``"workspace"``, a baseline's full sha, or an
experiment's full ref. :meth:`Panel.fingerprint` is a cheap summary of what the table depends
on (the repository's refs and HEAD, the root ``dvc.yaml`` and the metrics and params files it
names, by size and mtime; a ``dvc.yaml`` in a sub-folder is not watched), used as the
table's ETag so a poll that finds nothing changed costs one ``git show-ref`` and a few
``stat`` calls.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import threading
import time
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from live_nb.error import LiveNbError
from live_nb.git import NotAGitRepositoryError, Repository
from live_nb.server.paths import inside, resolve_folder, resolve_inside

if TYPE_CHECKING:
    from live_nb.running import Marker

__all__ = [
    "MAX_HISTORIES",
    "NotAnExperimentError",
    "Panel",
    "RepositoryOutsideRootError",
]

MAX_HISTORIES = 24  # rows whose metric histories one request may ask for
MAX_POINTS = 1000  # points per series
DISCOVERY_TTL = 10.0  # s a folder's repository is remembered between polls
PREPARE_DELAY = 1.0  # s after the extension loads before the table's code is imported
_HEX = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_ALWAYS_WATCHED = ("dvc.yaml", "params.yaml")
DVC_RUNS = Path(".dvc", "tmp", "exps", "run")  # DVC's queue: a folder per task started


class RepositoryOutsideRootError(LiveNbError, PermissionError):
    """The folder's repository starts above the folder Jupyter serves."""

    def __init__(self, repository: Path) -> None:
        """Name the repository's folder and what to do."""
        super().__init__(
            f"This folder's Git repository starts at {str(repository)!r}, above the folder "
            "Jupyter serves, so the sidebar does not show or change it. Start Jupyter in the "
            "repository's folder (or above it) to see its experiments."
        )


class NotAnExperimentError(LiveNbError, ValueError):
    """A row id that names no experiment of the repository."""

    def __init__(self, action: str, row_id: object) -> None:
        """Name the action and the id."""
        super().__init__(
            f"Cannot {action}: {str(row_id)!r} is not an experiment of this repository. Tick "
            "an experiment's row (not the workspace or a baseline), or refresh the table."
        )


class Panel:
    """The panel's data for the folders under ``root`` (the server's ``root_dir``)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()
        self._watched_cache: dict[Path, tuple[Any, tuple[str, ...]]] = {}
        self._discovered: dict[Path, tuple[float, tuple[Path, Path] | None]] = {}
        self._lock = threading.Lock()

    def prepare(self, delay: float = PREPARE_DELAY) -> None:
        """Import what the table's first read needs (pandas, the table's code), ``delay`` on.

        Run on the server's thread pool once the extension is loaded, so the panel's first
        table does not wait half a second for pandas; the delay leaves the server's own start
        alone. A failure is left for the table's read to report.
        """
        time.sleep(delay)
        with contextlib.suppress(Exception):
            import live_nb.experiments.show
            import live_nb.widgets.table  # noqa: F401

    # -- where ---------------------------------------------------------------------------

    def folder(self, path: str) -> Path:
        """The folder ``path`` names (see :func:`live_nb.server.paths.resolve_folder`)."""
        return resolve_folder(self.root, path)

    def relative(self, target: Path) -> str:
        """``target`` relative to the root, with ``/`` ("" for the root itself)."""
        relative = target.resolve().relative_to(self.root).as_posix()
        return "" if relative == "." else relative

    def repository(self, folder: Path) -> Repository | None:
        """The repository holding ``folder`` (None when there is none); refused above the root."""
        try:
            repo = Repository.discover(folder)
        except NotAGitRepositoryError:
            return None
        if not inside(repo.root.resolve(), self.root):
            repo.close()
            raise RepositoryOutsideRootError(repo.root)
        return repo

    # -- reading -------------------------------------------------------------------------

    def fingerprint(self, folder: Path) -> str:
        """A short hash of what the table of ``folder`` depends on (its ETag)."""
        digest = hashlib.sha1(str(folder).encode(), usedforsecurity=False)
        repo = self._known_repository(folder)
        if repo is None:
            return "none-" + digest.hexdigest()[:16]
        digest.update(str(repo.root).encode())
        with repo:
            digest.update(repo.run("show-ref", "--head", check=False).encode())
            for relative in self._watched(repo.root):
                digest.update(_stat_line(repo.root, relative))
            for folder_of_runs in (repo.git_dir / "live_nb" / "queue", repo.root / DVC_RUNS):
                digest.update(_entries_line(folder_of_runs))
        return digest.hexdigest()[:24]

    def _known_repository(self, folder: Path) -> Repository | None:
        """:meth:`repository`, remembered for :data:`DISCOVERY_TTL` seconds (for polls).

        Polls then run one Git process instead of two; a folder that becomes a repository
        (``git init``) is seen within that delay.
        """
        now = time.monotonic()
        with self._lock:
            known = self._discovered.get(folder)
        if known is not None and now - known[0] < DISCOVERY_TTL:
            return None if known[1] is None else Repository(*known[1])
        repo = self.repository(folder)
        with self._lock:
            self._discovered[folder] = (now, None if repo is None else (repo.root, repo.git_dir))
        return repo

    def _watched(self, root: Path) -> tuple[str, ...]:
        """The workspace files the table's workspace row reads, as the root ``dvc.yaml`` says.

        The ``dvc.yaml`` itself is among them, so a change to it changes the fingerprint
        before its new list is used. Its parse is kept while its size and mtime stay.
        """
        from live_nb.experiments.spec import parse_spec, plan_revision

        project = root / _ALWAYS_WATCHED[0]
        try:
            stat = project.stat()
            key = (root, stat.st_mtime_ns, stat.st_size)
        except OSError:
            return _ALWAYS_WATCHED
        with self._lock:
            found = self._watched_cache.get(root)
        if found is not None and found[0] == key:
            return found[1]
        try:
            spec = parse_spec(_ALWAYS_WATCHED[0], project.read_bytes())
        except OSError:
            return _ALWAYS_WATCHED
        plan = plan_revision([(_ALWAYS_WATCHED[0], spec)], (root / _ALWAYS_WATCHED[1]).is_file())
        watched = tuple(dict.fromkeys([*_ALWAYS_WATCHED, *plan.metrics, *plan.params]))
        with self._lock:
            self._watched_cache[root] = (key, watched)
        return watched

    def table(self, folder: Path) -> dict[str, Any]:
        """The experiments table of ``folder``'s repository, or why there is none."""
        repo = self.repository(folder)
        if repo is None:
            return {
                "state": "no-repository",
                "folder": self.relative(folder),
                "message": (
                    f"The folder {self.relative(folder) or '/'!r} is not in a Git repository. "
                    "Run `git init` and make a first commit there, then run a %%live cell to "
                    "save experiments."
                ),
            }
        with repo:
            head = repo.head()
            if head is None:
                return {
                    "state": "no-commit",
                    "folder": self.relative(folder),
                    "repository": self.relative(repo.root),
                    "name": repo.root.name,
                    "message": (
                        "The Git repository has no commit yet, so experiments have no "
                        "baseline. Make a first commit (git add . && git commit -m 'Initial "
                        "commit'), then run a %%live cell."
                    ),
                }
            return self._ready(repo, folder, head)

    def _ready(self, repo: Repository, folder: Path, head: str) -> dict[str, Any]:
        from live_nb.experiments.show import show
        from live_nb.widgets.table import queued_runs, synced_state

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            df = show(repo.root, checkpoints=True, pending=queued_runs(repo))
            columns, rows = synced_state(repo, df)
        return {
            "state": "ready",
            "folder": self.relative(folder),
            "repository": self.relative(repo.root),
            "name": repo.root.name,
            "head": head,
            "columns": columns,
            "rows": rows,
            "experiments": sum(row["kind"] == "experiment" for row in rows),
            "checkpoints": sum(row["kind"] == "checkpoint" for row in rows),
            "warnings": list(dict.fromkeys(str(item.message) for item in caught)),
        }

    def histories(self, folder: Path, ids: Sequence[str]) -> dict[str, Any]:
        """Metric histories of the rows ``ids`` (at most :data:`MAX_HISTORIES`)."""
        from live_nb.experiments.history import read_histories
        from live_nb.experiments.read import WORKSPACE

        repo = self._require(folder)
        histories: dict[str, Any] = {}
        commits: dict[str, str] = {}
        with repo:
            for row_id in list(dict.fromkeys(ids))[:MAX_HISTORIES]:
                commit = WORKSPACE if row_id == WORKSPACE else _commit_of(repo, row_id)
                if commit is None:
                    histories[row_id] = _missing_history(row_id)
                else:
                    commits[row_id] = commit
            read = read_histories(commits.values(), repo.root, MAX_POINTS) if commits else {}
        for row_id, commit in commits.items():
            entry = read[commit].to_json()
            entry["commit"] = None if commit == WORKSPACE else commit
            histories[row_id] = entry
        return {"histories": histories}

    # -- acting --------------------------------------------------------------------------

    def apply(
        self, folder: Path, row_id: str, force: bool = False, keep: Iterable[str] = ()
    ) -> str:
        """Apply the experiment ``row_id``; ``keep`` (paths under the root) stay as they are."""
        from live_nb.experiments import restore

        repo = self._require(folder)
        with repo:
            ref = _experiment_ref(repo, row_id, "apply", checkpoint=True)
        kept = [str(resolve_inside(self.root, path)) for path in keep]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = restore.apply(ref, path=repo.root, force=force, keep=kept)
        lines = [result.describe("it is open in JupyterLab"), *(str(m.message) for m in caught)]
        if result.kept:
            lines.append(
                "To take the experiment's version too, close it and run "
                f"`live-nb exp apply {result.name}` in a terminal, then open it again."
            )
        return "\n".join(lines)

    def remove(self, folder: Path, row_ids: Sequence[str]) -> str:
        """Remove the experiments ``row_ids``."""
        from live_nb.experiments import manage

        repo = self._require(folder)
        with repo:
            refs = [_experiment_ref(repo, row_id, "remove") for row_id in row_ids]
        if not refs:
            raise NotAnExperimentError("remove", "")
        return f"{manage.remove(refs, path=repo.root).describe()}."

    def push(self, folder: Path, row_ids: Sequence[str]) -> str:
        """Push the experiments ``row_ids`` (and their artifacts) to the default remotes."""
        from live_nb.experiments import default_push

        repo = self._require(folder)
        with repo:
            refs = [_experiment_ref(repo, row_id, "push") for row_id in row_ids]
        if not refs:
            raise NotAnExperimentError("push", "")
        return default_push.push(repo.root, refs)

    def branch(self, folder: Path, row_id: str, branch_name: str) -> str:
        """Make a Git branch ``branch_name`` at the experiment ``row_id``."""
        from live_nb.experiments import manage

        repo = self._require(folder)
        with repo:
            ref = _experiment_ref(repo, row_id, "branch", checkpoint=True)
        return manage.branch(ref, branch_name, path=repo.root).describe()

    def note(self, folder: Path, row_id: str, text: str) -> str:
        """Write ``text`` as the note of the experiment ``row_id`` (empty: remove it)."""
        from live_nb.experiments.notes import set_note

        repo = self._require(folder)
        with repo:
            ref = _experiment_ref(repo, row_id, "note")
        return set_note(ref, text, path=repo.root)

    # -- running runs --------------------------------------------------------------------

    def running(self, folder: Path, sessions: Mapping[str, str]) -> dict[str, Any]:
        """``{"runs": [...]}``: the live runs of ``folder``'s repository (none without one)."""
        from live_nb.server.running import running_rows

        repo = self._known_repository(folder)
        if repo is None:
            return {"runs": []}
        with repo:
            if repo.head() is None:
                return {"runs": []}
            return {"runs": running_rows(repo, sessions)}

    def marker(self, folder: Path, row_id: str) -> Marker:
        """The running ``Live`` a ``live:`` row id names."""
        from live_nb.server.running import marker_of

        with self._require(folder) as repo:
            return marker_of(repo, row_id)

    def stop_run(self, folder: Path, row_id: str) -> str:
        """Kill (or cancel) the headless run a ``queue:`` row id names."""
        from live_nb import runs
        from live_nb.server.running import NotStoppableError

        if not row_id.startswith("queue:"):
            raise NotStoppableError(
                "Only a headless run or a %%live cell running in a kernel of this server can "
                "be stopped from here; an unfinished checkpointed run has no process left."
            )
        with self._require(folder) as repo:
            root = repo.root
        entry = runs.kill(row_id.removeprefix("queue:"), path=root)
        if entry.result is not None and "cancelled" in (entry.result.error or ""):
            return f"{entry.name} is taken off the queue."
        return f"{entry.name} is being stopped; what it logged is saved as killed."

    def _require(self, folder: Path) -> Repository:
        repo = self.repository(folder)
        if repo is None:
            raise NotAGitRepositoryError(folder)
        return repo


def _entries_line(folder: Path) -> bytes:
    """The entries of a queue's folder with their mtimes: a run queued, started or ended.

    live_nb's queue (``.git/live_nb/queue/<run>/``) and DVC's runs (``.dvc/tmp/exps/run/
    <task>/``) write a file into a run's folder when its state changes, moving its mtime.
    """
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError:
        return b"-\n"
    lines = []
    for entry in entries:
        with contextlib.suppress(OSError):
            lines.append(f"{entry.name}:{entry.stat().st_mtime_ns}")
    return ("\n".join(lines) + "\n").encode()


def _stat_line(root: Path, relative: str) -> bytes:
    try:
        stat = (root / relative).stat()
    except OSError:
        return f"{relative}:-\n".encode()
    return f"{relative}:{stat.st_mtime_ns}:{stat.st_size}\n".encode()


def _commit_of(repo: Repository, row_id: str) -> str | None:
    """The commit a baseline or experiment row id stands for (None when it names none)."""
    from live_nb.experiments.refs import ExpRef

    if _HEX.fullmatch(row_id):
        return row_id if repo.rev_parse(row_id) == row_id else None
    if row_id.startswith(_queue_prefixes()):
        return _dvc_task(repo, row_id)[0]  # None for live_nb's queued runs: no commit yet
    if "@" in row_id.rsplit("/", 1)[-1]:
        return _checkpoint_of(repo, row_id)
    if ExpRef.parse(row_id) is not None:
        return repo.rev_parse(row_id)
    return None


def _checkpoint_of(repo: Repository, row_id: str) -> str | None:
    """The commit of a checkpoint row id (``<ref>@<sha>``): one of that experiment's chain."""
    from live_nb.experiments.refs import checkpoint_row

    found = checkpoint_row(repo, row_id)
    return found[1] if found is not None else None


def _dvc_task(repo: Repository, row_id: str) -> tuple[str | None, str | None, str]:
    """A ``dvc-task:<sha>`` row's (commit, state, name): (None, None, sha) when it is gone."""
    from live_nb.experiments.dvc_queue import queue_tasks
    from live_nb.widgets.table import DVC_TASK_PREFIX

    sha = row_id.removeprefix(DVC_TASK_PREFIX)
    dvc_dir = repo.root / ".dvc"
    for task in queue_tasks(repo.git_dir, dvc_dir if dvc_dir.is_dir() else None):
        if task.commit == sha:
            return task.commit, task.state, task.name
    return None, None, sha


def _queue_row(repo: Repository, row_id: str, action: str) -> str:
    """The stash commit of a DVC task's row, for Apply.

    Any other action, or a live_nb queued run's row, is refused saying what does act on it
    (``refuse_queued``).
    """
    from live_nb.widgets.table import LIVE_NB_QUEUE_PREFIX, queued_runs, refuse_queued

    if row_id.startswith(LIVE_NB_QUEUE_PREFIX):
        name = row_id.removeprefix(LIVE_NB_QUEUE_PREFIX).split("#")[0]
        run_state = next((run.state for run in queued_runs(repo) if run.name == name), "queued")
        refuse_queued(action, name, "live-nb", run_state)
    commit, state, name = _dvc_task(repo, row_id)
    if commit is None:
        raise NotAnExperimentError(action, row_id)
    refuse_queued(action, name, "dvc", state)
    return commit


def _experiment_ref(repo: Repository, row_id: object, action: str, checkpoint: bool = False) -> str:
    """The ref of the experiment row ``row_id`` (a checkpoint's commit, when ``checkpoint``)."""
    from live_nb.experiments.refs import ExpRef

    if isinstance(row_id, str) and row_id.startswith(_queue_prefixes()):
        return _queue_row(repo, row_id, action)
    if checkpoint and isinstance(row_id, str) and "@" in row_id:
        found = _checkpoint_of(repo, row_id)
        if found is None:
            raise NotAnExperimentError(action, row_id)
        return found
    if not isinstance(row_id, str) or ExpRef.parse(row_id) is None:
        raise NotAnExperimentError(action, row_id)
    if repo.rev_parse(row_id) is None:
        raise NotAnExperimentError(action, row_id)
    return row_id


def _queue_prefixes() -> tuple[str, str]:
    """The starts of the row ids of a queue's runs (``live_nb.widgets.table`` names them)."""
    from live_nb.widgets.table import DVC_TASK_PREFIX, LIVE_NB_QUEUE_PREFIX

    return DVC_TASK_PREFIX, LIVE_NB_QUEUE_PREFIX


def _missing_history(row_id: str) -> dict[str, Any]:
    error = f"{row_id!r} is no longer in the table: refresh it"
    if row_id.startswith(_queue_prefixes()[1]):
        error = "it has not started yet, so it has no metrics"
    return {"commit": None, "metrics": {}, "downsampled": False, "error": error}
