"""The queue of runs, kept in the repository's ``.git`` so every process of the project shares it.

Each entry is a folder ``.git/live_nb/queue/<id>/`` (ids sort by the time they were queued):

- ``spec.json``: the :class:`~live_nb.runs.spec.RunSpec`, written once;
- ``claim``: created with ``O_EXCL`` by the process that runs the entry, holding its pid,
  host and start time: two workers can never take the same entry;
- ``state.json``: the :class:`~live_nb.runs.result.RunResult` once the run has ended;
- ``log``: everything the run printed; ``kill``: a request to stop it.

An entry's status is read from these files, never from a worker's word: a claimed entry
without a result whose process is gone is ``failed`` ("the worker stopped"), never
"running" forever.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from live_nb.error import LiveNbError
from live_nb.formats.files import atomic_write
from live_nb.runs.result import CACHED, RunResult
from live_nb.runs.snapshot import remove_folder, runs_folder
from live_nb.runs.spec import RunSpec

__all__ = [
    "DONE",
    "FAILED",
    "KILLED",
    "QUEUED",
    "RUNNING",
    "Entry",
    "EntryNotFoundError",
    "Queue",
]

QUEUED, RUNNING, DONE, FAILED, KILLED = "queued", "running", "done", "failed", "killed"
FINISHED = frozenset({DONE, FAILED, KILLED, CACHED})
_RESULT_STATUS = {"ok": DONE, "error": FAILED, "killed": KILLED, CACHED: CACHED}


class EntryNotFoundError(LiveNbError, KeyError):
    """A queue entry named that does not exist."""

    def __init__(self, name: str, known: Iterable[str]) -> None:
        """Name what was asked for and what the queue holds."""
        names = sorted(set(known))
        hint = f" The queue holds: {', '.join(names[:10])}." if names else " The queue is empty."
        super().__init__(f"No queued or recent run is called {name!r}.{hint}")

    def __str__(self) -> str:
        """The message, without KeyError's quotes."""
        return str(self.args[0])


@dataclass(frozen=True)
class Claim:
    """Who runs an entry: a process on a host, since when."""

    pid: int
    host: str
    started: float
    ticket: str

    def alive(self) -> bool:
        """Whether the claiming process still runs (unknowable for another host: assume so)."""
        if self.host != socket.gethostname():
            return True
        return _process_start(self.pid) == self.ticket


@dataclass
class Entry:
    """One run of the queue, as its files say now."""

    spec: RunSpec
    status: str
    folder: Path
    claim: Claim | None = None
    result: RunResult | None = None

    @property
    def id(self) -> str:
        """The entry's id (the run's)."""
        return self.spec.id

    @property
    def name(self) -> str:
        """The run's name (its experiment's, unless that was taken when it was saved)."""
        return self.spec.name

    @property
    def log_path(self) -> Path:
        """The file the run's output goes to."""
        return self.folder / "log"

    def elapsed(self) -> float | None:
        """Seconds since the run started (its duration once finished), None while queued."""
        if self.result is not None:
            return self.result.duration
        return time.time() - self.claim.started if self.claim else None


class Queue:
    """The runs queued in one repository: add, claim, finish, kill, remove, list."""

    def __init__(self, git_dir: Path) -> None:
        """The queue of the repository whose Git folder is ``git_dir``."""
        self.folder = git_dir / "live_nb" / "queue"

    def add(self, specs: Iterable[RunSpec]) -> list[Entry]:
        """Queue ``specs``; each entry appears whole or not at all."""
        entries = []
        for spec in specs:
            folder = self.folder / spec.id
            folder.mkdir(parents=True)
            atomic_write(folder / "spec.json", spec.to_json())
            entries.append(Entry(spec, QUEUED, folder))
        return entries

    def entries(self) -> list[Entry]:
        """Every entry, oldest first (one that cannot be read is left out)."""
        if not self.folder.is_dir():
            return []
        found = (self._read(folder) for folder in sorted(self.folder.iterdir()))
        return [entry for entry in found if entry is not None]

    def get(self, name: str) -> Entry:
        """The entry named ``name`` (its run's name or id; the newest of that name)."""
        entries = self.entries()
        for entry in reversed(entries):
            saved_as = entry.result.experiment if entry.result else None
            if name in (entry.id, entry.name, saved_as):
                return entry
        raise EntryNotFoundError(name, (entry.name for entry in entries))

    def claim(self, entry_id: str) -> bool:
        """Take the entry for this process; False when another process took it first."""
        path = self.folder / entry_id / "claim"
        data = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": time.time(),
            "ticket": _process_start(os.getpid()),
        }
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except (FileExistsError, FileNotFoundError):
            return False
        with os.fdopen(fd, "w") as file:
            json.dump(data, file)
        return True

    def finish(self, entry_id: str, result: RunResult) -> None:
        """Record how the entry's run ended."""
        atomic_write(self.folder / entry_id / "state.json", result.to_json())

    def request_kill(self, entry: Entry) -> Entry:
        """Stop a running entry, or cancel a queued one; the entry as it is now."""
        if entry.status == QUEUED and self.claim(entry.id):
            cancelled = RunResult(entry.id, entry.name, "killed", error="cancelled before it ran")
            self.finish(entry.id, cancelled)
        elif entry.status == RUNNING or not self._finished(entry.folder):
            (entry.folder / "kill").touch()
        return self._read(entry.folder) or entry

    def kill_requested(self, entry_id: str) -> bool:
        """Whether someone asked for this entry's run to stop."""
        return (self.folder / entry_id / "kill").exists()

    def remove(self, entry: Entry) -> None:
        """Forget a finished or queued entry (a running one must be killed first)."""
        if entry.status == RUNNING:
            raise EntryRunningError(entry.name)
        if entry.status == QUEUED and not self.claim(entry.id):
            raise EntryRunningError(entry.name)
        remove_folder(entry.folder)

    def repair(self) -> list[Entry]:
        """Record as failed every claimed entry whose process died without a result.

        The folder its run was working in (``.git/live_nb/runs/<id>``) goes too: nothing
        will read it again, and a killed notebook's folder holds a whole workspace copy.
        """
        repaired = []
        for entry in self.entries():
            if entry.status == FAILED and entry.result is None:
                work = runs_folder(self.folder.parent.parent) / entry.id
                if work.exists():
                    remove_folder(work)
                log_hint = (
                    f" (its output is in {entry.log_path})" if entry.log_path.exists() else ""
                )
                result = RunResult(
                    entry.id, entry.name, "error", error=f"the worker stopped{log_hint}"
                )
                self.finish(entry.id, result)
                repaired.append(self._read(entry.folder) or entry)
        return repaired

    def _finished(self, folder: Path) -> bool:
        return (folder / "state.json").exists()

    def _read(self, folder: Path) -> Entry | None:
        try:
            spec = RunSpec.from_json((folder / "spec.json").read_text())
        except (OSError, ValueError, TypeError):
            return None
        result = _read_result(folder / "state.json")
        claim = _read_claim(folder / "claim")
        if result is not None:
            status = _RESULT_STATUS.get(result.status, FAILED)
        elif claim is None:
            status = QUEUED
        else:
            status = RUNNING if claim.alive() else FAILED
        return Entry(spec, status, folder, claim, result)


class EntryRunningError(LiveNbError, RuntimeError):
    """Removing a run that is running."""

    def __init__(self, name: str) -> None:
        """Say what to do first."""
        super().__init__(
            f"Run {name!r} is running: stop it first with `live-nb queue kill {name}`."
        )


def _read_result(path: Path) -> RunResult | None:
    with contextlib.suppress(OSError, ValueError, TypeError):
        return RunResult.from_dict(json.loads(path.read_text()))
    return None


def _read_claim(path: Path) -> Claim | None:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError):  # being written this instant: taken, by a live process
        return Claim(os.getpid(), socket.gethostname(), time.time(), _process_start(os.getpid()))
    return Claim(int(data["pid"]), str(data["host"]), float(data["started"]), str(data["ticket"]))


def _process_start(pid: int) -> str:
    """A process's start time as the kernel counts it: tells a pid from a reused one."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return _exists_marker(pid)
    return stat.rsplit(")", 1)[1].split()[19]


def _exists_marker(pid: int) -> str:
    """Without /proc: "alive" if a process ``pid`` exists (pid reuse cannot be told)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return "gone"
    except PermissionError:
        return "alive"
    return "alive"


def iter_active(entries: Iterable[Entry]) -> Iterator[Entry]:
    """The entries still queued or running."""
    return (entry for entry in entries if entry.status in (QUEUED, RUNNING))
