"""Readable names for baseline commits, the way ``dvc exp show`` names them.

A baseline is named by HEAD's branch when it is HEAD, else by a tag pointing at it, else by a
branch pointing at it; a commit with none of these goes by its short sha. ``show``, ``diff``
and ``live-nb exp list`` all name baselines this way.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from live_nb.git import Repository
from live_nb.records import record

__all__ = ["BaselineNames", "baseline_labels", "baseline_names"]

_BRANCHES = "refs/heads/"
_TAGS = "refs/tags/"


@record(frozen=True)
class BaselineNames:
    """The names of the commits that branches and tags point at, and the branch tips."""

    names: dict[str, str]
    branch_tips: tuple[str, ...]

    def label(self, sha: str) -> str:
        """The name of commit ``sha`` (see the module's notes), else its short sha."""
        return self.names.get(sha) or sha[:7]


def baseline_names(repo: Repository, head: str | None) -> BaselineNames:
    """The names of ``repo``'s branch and tag targets, HEAD (commit ``head``) named first."""
    listed = repo.listed_refs(_BRANCHES.rstrip("/"), _TAGS.rstrip("/"))
    peeled = _peeled_tags(repo) if any(ref.startswith(_TAGS) for ref, _, _ in listed) else {}
    tags: dict[str, str] = {}
    branches: dict[str, str] = {}
    current: str | None = None
    tips: list[str] = []
    for ref, sha, is_head in listed:
        if ref.startswith(_BRANCHES):
            name = ref.removeprefix(_BRANCHES)
            branches.setdefault(sha, name)
            tips.append(sha)
            if is_head:
                current = name
        elif ref.startswith(_TAGS):
            tags.setdefault(peeled.get(ref) or sha, ref.removeprefix(_TAGS))
    names = {**branches, **tags}
    if current is not None and head is not None:
        names[head] = current
    return BaselineNames(names, tuple(tips))


def _peeled_tags(repo: Repository) -> dict[str, str]:
    """What each annotated tag points at (``%(*objectname)``), asked only when there are tags.

    Peeling reads each ref's object, so the listing shared with the experiments' refs
    (thousands of them) leaves it out.
    """
    output = repo.run("for-each-ref", "--format=%(*objectname)%09%(refname)", _TAGS.rstrip("/"))
    pairs = (line.split("\t", 1) for line in output.splitlines())
    return {ref: peeled for peeled, ref in pairs if peeled}


def baseline_labels(baselines: Iterable[str], path: str | os.PathLike[str] = ".") -> dict[str, str]:
    """A readable label per baseline sha of the repository containing ``path``."""
    wanted = set(baselines)
    with Repository.discover(path) as repo:
        names = baseline_names(repo, repo.head())
    return {sha: names.label(sha) for sha in wanted}
