"""Stars on experiments: the runs a person marked to keep in sight, pinned to the table's top.

A star is a Git ref beside the experiment's: experiment ``refs/exps/ab/cdef.../fast`` is starred
while ``refs/live_nb/stars/ab/cdef.../fast`` exists (pointing at the commit it was starred at).
Outside ``refs/exps``, DVC neither lists nor pushes it, and ``git for-each-ref`` reads every
star at once; being a ref, a star changes the repository's ``show-ref``, which the sidebar's
ETag already watches. A star whose experiment is gone is ignored, and
:func:`live_nb.experiments.manage.remove` deletes the stars of the experiments it removes.
``git push REMOTE 'refs/live_nb/stars/*'`` shares them.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from live_nb.git import Repository

__all__ = ["STARS_NAMESPACE", "STAR_MARK", "drop_stars", "read_stars", "set_star", "star_ref"]

STARS_NAMESPACE = "refs/live_nb/stars"
STAR_MARK = "★"
_EXPS = "refs/exps/"


def star_ref(experiment_ref: str) -> str:
    """The star ref of the experiment ref ``refs/exps/<ab>/<cdef...>/<name>``."""
    return f"{STARS_NAMESPACE}/{experiment_ref.removeprefix(_EXPS)}"


def set_star(name: str, starred: bool = True, path: str | os.PathLike[str] = ".") -> str:
    """Star (or unstar) experiment ``name`` (a name, full ref or sha prefix); what was done."""
    from live_nb.experiments.refs import resolve

    with Repository.discover(path) as repo:
        exp, commit = resolve(repo, name)
        ref = star_ref(exp.ref)
        if starred:
            repo.run("update-ref", "-m", "live_nb: star", ref, commit)
            return f"Starred {exp.name}: it is pinned to the top of the table."
        repo.run("update-ref", "-d", ref)
        return f"Unstarred {exp.name}."


def read_stars(repo: Repository) -> set[str]:
    """The experiment refs that are starred (their star ref exists)."""
    prefix = f"{STARS_NAMESPACE}/"
    return {_EXPS + ref.removeprefix(prefix) for ref, _ in repo.refs(prefix)}


def drop_stars(repo: Repository, experiment_refs: Iterable[str]) -> None:
    """Delete the stars of ``experiment_refs`` (those that have one)."""
    starred = read_stars(repo)
    lines = [f"delete {star_ref(ref)}\n" for ref in experiment_refs if ref in starred]
    if lines:
        repo.run("update-ref", "--stdin", input="".join(lines).encode())
