"""Checkpoint chains: the commits a checkpointed run leaves, read back.

A run with checkpoints commits its progress as it goes: every checkpoint is a commit whose
first parent is the previous checkpoint (the first one's is the baseline, or the checkpoint a
run resumed from), and the experiment ref points at the newest. The final save of the run
extends the same chain. Each of these commits carries trailers (``Key: value`` lines at the
end of its message):

- ``Live-Nb-Step: <n>``: the step its metrics reached (every commit of a chain);
- ``Live-Nb-Status: running`` on a checkpoint, the run's outcome (``ok``, ``error``,
  ``interrupted``) on the final save;
- ``Live-Nb-Pid: <pid>`` and ``Live-Nb-Host: <host>``: the process that was running it, to
  tell a run still going from one whose kernel died (:func:`run_state`);
- ``Live-Nb-Checkpoint-Files: <json object>``: the files declared worth resuming, each with
  the step its content is of (a file rewritten while a checkpoint was built keeps the
  content of an earlier one).

This module knows only those messages and Git; writing checkpoints is ``live_nb.checkpoints``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Mapping, Sequence

from live_nb.git import Repository, parse_commit
from live_nb.records import field, record

__all__ = [
    "CHECKPOINT_SUBJECT",
    "ChainLink",
    "checkpoint_message",
    "host_name",
    "parse_trailers",
    "read_chain",
    "read_chains",
    "run_state",
]

STEP_TRAILER = "Live-Nb-Step"
STATUS_TRAILER = "Live-Nb-Status"
PID_TRAILER = "Live-Nb-Pid"
HOST_TRAILER = "Live-Nb-Host"
FILES_TRAILER = "Live-Nb-Checkpoint-Files"
RUNNING = "running"
UNFINISHED = "unfinished"
CHECKPOINT_SUBJECT = re.compile(r"live_nb checkpoint of (?P<name>\S+) at step (?P<step>\d+)")
"""The subject of a checkpoint commit: what ``show`` recognises without reading trailers."""
_TRAILER = re.compile(r"(?P<key>[A-Za-z][A-Za-z0-9-]*): (?P<value>.*)")
_MAX_CHAIN = 100_000  # commits walked at most: a guard against a cycle in a damaged repository


@record(frozen=True)
class ChainLink:
    """One commit of a checkpoint chain, newest first in :func:`read_chain`."""

    commit: str
    step: int
    status: str  # "running", "unfinished" (a checkpoint whose process is gone), or the outcome
    checkpoint: bool  # a checkpoint, not the final save
    trailers: dict[str, str] = field(default_factory=dict)

    @property
    def files(self) -> dict[str, int]:
        """The files declared worth resuming (relative to the root), with their content's step."""
        try:
            files = json.loads(self.trailers.get(FILES_TRAILER, "{}"))
        except ValueError:
            return {}
        if not isinstance(files, dict):
            return {}
        return {name: step for name, step in files.items() if type(step) is int}

    @property
    def resume_step(self) -> int:
        """The last step whose results and files this commit all holds: where to go on from."""
        return min([self.step, *self.files.values()])


def host_name() -> str:
    """This machine's name, as a checkpoint records it."""
    import socket  # only when writing a checkpoint: `exp show` reads chains without it

    return re.sub(r"[^A-Za-z0-9.-]", "", socket.gethostname())[:64] or "localhost"


def files_trailer(files: Mapping[str, int]) -> str:
    """The value of ``Live-Nb-Checkpoint-Files``: each file with its content's step."""
    return json.dumps(dict(sorted(files.items())))


def checkpoint_message(
    name: str, step: int, files: Mapping[str, int], pid: int | None = None
) -> str:
    """The message of a checkpoint commit of experiment ``name`` at ``step``."""
    trailers = {
        STEP_TRAILER: str(step),
        STATUS_TRAILER: RUNNING,
        PID_TRAILER: str(os.getpid() if pid is None else pid),
        HOST_TRAILER: host_name(),
        FILES_TRAILER: files_trailer(files),
    }
    lines = "\n".join(f"{key}: {value}" for key, value in trailers.items())
    return f"live_nb checkpoint of {name} at step {step}\n\n{lines}\n"


def parse_trailers(message: str) -> dict[str, str]:
    """The ``Key: value`` lines of a message's last paragraph."""
    paragraph = message.rstrip("\n").rsplit("\n\n", 1)[-1]
    found: dict[str, str] = {}
    for line in paragraph.splitlines():
        match = _TRAILER.fullmatch(line.strip())
        if match:
            found[match["key"]] = match["value"].strip()
    return found


def run_state(trailers: Mapping[str, str]) -> str | None:
    """``running`` while a checkpoint's process lives, ``unfinished`` once it is gone.

    None for a commit that is not a checkpoint (a final save records its own status). A
    checkpoint made on another host is taken as running: its process cannot be seen from here.
    """
    if trailers.get(STATUS_TRAILER) != RUNNING or STEP_TRAILER not in trailers:
        return None
    if trailers.get(HOST_TRAILER, "") != host_name():
        return RUNNING
    try:
        pid = int(trailers.get(PID_TRAILER, ""))
    except ValueError:
        return UNFINISHED
    return RUNNING if _process_exists(pid) else UNFINISHED


def read_chain(repo: Repository, tip: str) -> list[ChainLink]:
    """The chain ending at ``tip``, newest first: ``tip`` and its first parents with a step.

    Empty when ``tip`` is not part of a chain (an experiment saved without checkpoints).
    """
    return list(_walk(repo, tip))


def read_chains(repo: Repository, tips: Sequence[str]) -> dict[str, list[ChainLink]]:
    """:func:`read_chain` of each of ``tips``, the tips read in one batch.

    Most experiments have no chain: one pipelined read of their commits tells, where a walk
    per tip would wait for Git once per experiment.
    """
    found = repo.objects().read_many(tips)
    chains: dict[str, list[ChainLink]] = {}
    for tip in tips:
        link = _link(tip, found.get(tip))
        chains[tip] = [link[0], *_walk(repo, link[1])] if link is not None else []
    return chains


def _walk(repo: Repository, tip: str | None) -> Iterator[ChainLink]:
    reader = repo.objects()
    current = tip
    for _ in range(_MAX_CHAIN):
        if current is None:
            return
        link = _link(current, reader.read(current))
        if link is None:
            return
        yield link[0]
        current = link[1]


def _link(sha: str, found: tuple[str, bytes] | None) -> tuple[ChainLink, str | None] | None:
    """The link commit ``sha`` (read as ``found``) is, and its first parent.

    None when it is no link: not a commit, or a commit without a step.
    """
    if found is None or found[0] != "commit":
        return None
    commit = parse_commit(found[1])
    trailers = parse_trailers(commit.message)
    step = trailers.get(STEP_TRAILER, "")
    if not step.isdigit():
        return None
    state = run_state(trailers)
    status = state or trailers.get(STATUS_TRAILER, "")
    return ChainLink(sha, int(step), status, state is not None, trailers), commit.parent


def _process_exists(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError, ValueError):
        return False
    except OSError:  # PermissionError: another user's process
        return True
    return True
