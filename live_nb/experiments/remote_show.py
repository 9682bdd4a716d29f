"""The experiments a Git remote has, for ``show(remote=...)``: listed without pulling them.

``git ls-remote`` lists the remote's ``refs/exps/...`` refs in one request (as ``dvc exp list
REMOTE`` does). Of the experiments to be shown, only the commits this repository lacks are
then fetched, objects only: no ref is written (not even ``FETCH_HEAD``), so the user's refs,
``exp list`` and ``exp show`` stay as they were; the commits stay in the object store until
Git's garbage collection drops them, so a second look fetches nothing again (and their
metrics and params are kept in live_nb's commit cache meanwhile). ``fetch=False`` fetches nothing:
an experiment whose commit is not here shows its name and commit, without metrics or params.

Each experiment is marked :data:`LOCAL` (this repository has it at the same commit),
:data:`DIFFERS` (it has an experiment of that name and baseline at another commit) or
:data:`REMOTE_ONLY`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from live_nb.experiments.refs import ExpRef, list_refs
from live_nb.experiments.remote import fetch_objects, list_remote_experiments, remote_location
from live_nb.git import Repository

__all__ = ["DIFFERS", "LOCAL", "REMOTE_ONLY", "RemoteExperiments", "read_remote"]

LOCAL = "yes"
DIFFERS = "differs"
REMOTE_ONLY = "no"


@dataclass(frozen=True)
class RemoteExperiments:
    """The experiments Git remote ``remote`` has (of the baselines asked for), with their status.

    ``fetched`` counts the experiments whose commits were fetched for this listing;
    ``missing`` holds the commits still not here (``fetch=False``).
    """

    remote: str
    experiments: list[tuple[ExpRef, str]]
    status: Mapping[ExpRef, str] = field(default_factory=dict)
    fetched: int = 0
    missing: frozenset[str] = frozenset()


def read_remote(
    repo: Repository, remote: str, baselines: Collection[str] | None, fetch: bool = True
) -> RemoteExperiments:
    """The experiments of ``baselines`` (None: of every baseline) on Git remote ``remote``.

    ``remote`` is a remote's name, a URL or a path. With ``fetch``, the commits of those
    experiments that are not here are fetched (objects only, no ref written).
    """
    location = remote_location(repo, remote)
    found = list_remote_experiments(repo, location, remote)
    chosen = sorted(
        (exp, sha) for exp, sha in found.items() if baselines is None or exp.baseline in baselines
    )
    local = dict(list_refs(repo))
    status = {exp: _status(local.get(exp), sha) for exp, sha in chosen}
    present = repo.objects().read_many(sha for _, sha in chosen)
    absent = [(exp, sha) for exp, sha in chosen if _not_a_commit(present.get(sha))]
    fetched = 0
    if fetch and absent:
        fetch_objects(repo, location, remote, [exp.ref for exp, _ in absent])
        fetched = len(absent)
        absent = []
    missing = frozenset(sha for _, sha in absent)
    return RemoteExperiments(remote, chosen, status, fetched, missing)


def _status(ours: str | None, theirs: str) -> str:
    if ours == theirs:
        return LOCAL
    return REMOTE_ONLY if ours is None else DIFFERS


def _not_a_commit(found: tuple[str, bytes] | None) -> bool:
    return found is None or found[0] != "commit"
