"""Pruning a checkpoint chain: its last commit kept (or every Nth step), the rest dropped.

The kept commits are written again as new commits (same tree, message, author and dates;
only the parent changes) on the chain's base, and the experiment ref moves to the new tip
with a compare-and-swap: the old commits are left for ``git gc``, and HEAD, branches, the
index and the working tree are never touched. The artifact objects in DVC's cache that only
the dropped commits referenced are then deleted (:mod:`.unreferenced`).

A chain's own commits stop at the first one another ref reaches (the checkpoint another
experiment resumed from, a branch made at a checkpoint): those and their ancestors are kept
as they are. A run still going is refused: its next checkpoint would find its ref moved.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from live_nb.error import LiveNbError
from live_nb.experiments.chain import RUNNING, ChainLink, read_chain
from live_nb.experiments.refs import ExpRef, list_refs, resolve
from live_nb.experiments.unreferenced import DeletedObjects, delete_unreferenced
from live_nb.git import RefChangedError, Repository

__all__ = ["ExperimentRunningError", "InvalidKeepEveryError", "PruneResult", "prune"]


class ExperimentRunningError(LiveNbError, RuntimeError):
    """The experiment's run is still making checkpoints: its chain cannot be rewritten."""

    def __init__(self, name: str) -> None:
        """Name the experiment, and when to prune it."""
        self.name = name
        super().__init__(
            f"Experiment {name!r} is still running (its last checkpoint's process is alive). "
            "Prune it once the run has ended, or stop it first."
        )


class InvalidKeepEveryError(LiveNbError, ValueError):
    """``keep_every`` that is not a positive number of steps."""

    def __init__(self, value: object) -> None:
        """Name the value, and what is accepted."""
        super().__init__(
            f"keep_every must be a positive number of steps, not {value!r} "
            "(10: keep a checkpoint every 10 steps)."
        )


@dataclass(frozen=True)
class PruneResult:
    """What ``prune`` did to one experiment's chain."""

    name: str
    commit: str  # the experiment's commit after pruning
    kept: tuple[int, ...]  # the steps of the commits kept, oldest first
    removed: int  # commits dropped from the chain
    objects: DeletedObjects

    def describe(self) -> str:
        """How many checkpoints went, which steps stayed, what the cache gave back."""
        if not self.removed:
            return f"Experiment {self.name!r} has no checkpoints to prune."
        steps = ", ".join(map(str, self.kept[:10])) + (" ..." if len(self.kept) > 10 else "")
        lines = [
            f"Pruned experiment {self.name!r}: removed {self.removed} checkpoint(s), kept "
            f"{len(self.kept)} commit(s) (step {steps}).",
        ]
        if self.objects.count:
            lines.append(self.objects.describe())
        lines.append("The old commits stay in Git until `git gc` removes them.")
        return "\n".join(lines)


def prune(
    name: str, path: str | os.PathLike[str] = ".", keep_every: int | None = None
) -> PruneResult:
    """Remove the checkpoints of experiment ``name`` but its last commit.

    ``keep_every=N`` also keeps one checkpoint every N steps (those a run checkpointing every
    N steps would have made: the first to reach each multiple of N). ``name`` is any name
    ``apply`` takes; ``NAME@STEP`` names its experiment. Raises
    :class:`ExperimentRunningError` while the run goes on.
    """
    if keep_every is not None and (type(keep_every) is not int or keep_every < 1):
        raise InvalidKeepEveryError(keep_every)
    with Repository.discover(path) as repo:
        exp, _ = resolve(repo, name)
        tip = dict(list_refs(repo))[exp]
        links = _own_links(repo, exp, tip)
        if links and links[0].status == RUNNING and links[0].checkpoint:
            raise ExperimentRunningError(exp.name)
        oldest_first = links[::-1]
        kept = choose(oldest_first, keep_every)
        if len(kept) == len(links):
            return PruneResult(exp.name, tip, tuple(k.step for k in kept), 0, DeletedObjects())
        new_tip = _rewrite(repo, oldest_first, kept)
        try:
            repo.update_ref(exp.ref, new_tip, tip, f"live_nb: prune {exp.name}")
        except RefChangedError:
            from live_nb.experiments.manage import ExperimentChangedError

            raise ExperimentChangedError(exp) from None
        deleted = delete_unreferenced(repo, tip)
    removed = len(links) - len(kept)
    return PruneResult(exp.name, new_tip, tuple(link.step for link in kept), removed, deleted)


def choose(links: Sequence[ChainLink], keep_every: int | None) -> list[ChainLink]:
    """The links kept of a chain given oldest first: the last, and one every N steps."""
    if not links:
        return []
    kept: list[ChainLink] = []
    if keep_every is not None:
        reached = 0
        for link in links[:-1]:
            mark = (link.step + 1) // keep_every
            if mark > reached and link.step != links[-1].step:
                kept.append(link)
                reached = mark
    return [*kept, links[-1]]


def _own_links(repo: Repository, exp: ExpRef, tip: str) -> list[ChainLink]:
    """The chain's links, newest first, up to the first commit another ref reaches."""
    alone = repo.run(
        "rev-list", "--first-parent", tip, "--not", f"--exclude={exp.ref}", "--all"
    ).split()
    own = set(alone)
    links = []
    for link in read_chain(repo, tip):
        if link.commit not in own:
            break
        links.append(link)
    return links


def _rewrite(repo: Repository, links: Sequence[ChainLink], kept: Sequence[ChainLink]) -> str:
    """Commit ``kept`` again on the chain's base, oldest first; the new tip."""
    reader = repo.objects()
    found = reader.read(links[0].commit)
    assert found is not None
    parent = _first_parent(found[1])
    for link in kept:
        raw = reader.read(link.commit)
        assert raw is not None
        if _first_parent(raw[1]) == parent:
            parent = link.commit  # unchanged below: the commit itself is kept
            continue
        content = with_parent(raw[1], parent)
        parent = repo.run("hash-object", "-t", "commit", "-w", "--stdin", input=content)
    assert parent is not None
    return parent


def _first_parent(content: bytes) -> str | None:
    header = content.partition(b"\n\n")[0]
    for line in header.split(b"\n"):
        if line.startswith(b"parent "):
            return line[7:].decode("ascii")
    return None


def with_parent(content: bytes, parent: str | None) -> bytes:
    """A raw commit object with its first parent replaced (a signature, now wrong, dropped)."""
    header, _, message = content.partition(b"\n\n")
    lines: list[bytes] = []
    replaced = False
    in_signature = False
    for line in header.split(b"\n"):
        if in_signature and line.startswith(b" "):
            continue
        in_signature = line.startswith((b"gpgsig ", b"gpgsig-sha256 "))
        if in_signature:
            continue
        if line.startswith(b"parent ") and not replaced:
            replaced = True
            if parent is not None:
                lines.append(b"parent " + parent.encode("ascii"))
            continue
        if line.startswith(b"author ") and not replaced and parent is not None:
            lines.append(b"parent " + parent.encode("ascii"))  # a root commit gets a parent
            replaced = True
        lines.append(line)
    return b"\n".join(lines) + b"\n\n" + message
