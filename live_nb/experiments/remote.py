"""Sharing experiments with a Git remote: push and pull only their ``refs/exps/...`` refs.

``push(remote)`` with no names sends every experiment of HEAD's baseline, and
``pull(remote)`` fetches every experiment the remote has for HEAD's baseline, as
``dvc exp push/pull`` do without ``--rev``/``--all-commits``. Only the chosen
``refs/exps/...`` refs move. A ref whose two sides differ and whose target does not
contain the other side's commit has *diverged*: that is an error naming it unless
``force=True``. A forced push uses ``--force-with-lease`` with the remote commit
just inspected (a ``+`` refspec would override a lease), so a ref someone else
updates in the meantime is still refused; a pull fetches the objects first, then
moves each local ref with compare-and-swap.

When the project has a DVC remote (``dvc_remote``, or DVC's default ``core.remote``), the
artifacts the experiments' ``.dvc`` files and ``dvc.lock`` reference move too, as with
``dvc exp push/pull``; ``artifacts=False`` moves only the refs. A push sends the artifacts
first, so an experiment on the Git remote never points at objects missing from the DVC remote;
a pull fetches them into the cache after the refs.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from live_nb.error import LiveNbError
from live_nb.experiments.manage import ExperimentChangedError
from live_nb.experiments.names import join_first
from live_nb.experiments.refs import (
    ExpRef,
    NoCommitsError,
    list_refs,
    require_head,
    resolve,
    resolve_among,
)
from live_nb.git import ZERO_SHA, GitCommandError, RefChangedError, Repository

if TYPE_CHECKING:
    from live_nb.remotes import TransferResult as ArtifactResult

__all__ = [
    "ArtifactsIncompleteError",
    "DivergedExperimentsError",
    "RemoteError",
    "RemoteNotFoundError",
    "TransferResult",
    "fetch_objects",
    "list_remote_experiments",
    "pull",
    "push",
    "remote_location",
]


# --------------------------------------------------------------------------- errors


class RemoteNotFoundError(LiveNbError, LookupError):
    """A remote that is neither configured, nor a URL, nor an existing path."""

    def __init__(self, remote: str, known: Sequence[str]) -> None:
        """List the configured remotes, and how to add one."""
        self.remote = remote
        listed = f"Known remotes: {', '.join(known)}. " if known else "This repository has none. "
        super().__init__(
            f"No Git remote named {remote!r}. {listed}Add it with "
            f"`git remote add {shlex.quote(remote)} <url>`, or give a URL or a path."
        )


class RemoteError(LiveNbError, RuntimeError):
    """The remote could not be read or refused an update."""

    def __init__(self, remote: str, action: str, detail: str) -> None:
        """Say what failed with ``remote`` (Git's ``detail`` on one line)."""
        self.remote = remote
        self.detail = detail
        detail = " ".join(detail.split())
        super().__init__(
            f"Could not {action} {remote!r}: {detail}. Check the remote's URL, your network and "
            "your access rights, then try again."
        )


class DivergedExperimentsError(LiveNbError, RuntimeError):
    """Experiments whose commit the push or pull would lose on the other side."""

    def __init__(self, remote: str, direction: str, exps: Sequence[ExpRef]) -> None:
        """List the diverged experiments, and the ways out."""
        self.remote = remote
        self.exps = tuple(exps)
        names = [f"{exp.name} ({exp.baseline[:7]})" for exp in exps]
        side = "local" if direction == "pull" else "remote"
        super().__init__(
            f"{len(exps)} experiment(s) differ between this repository and {remote!r} and the "
            f"{side} commit would be lost by the {direction}: {join_first(names)}. Rename one "
            f"side, or {direction} with --force (force=True) to replace the {side} commit."
        )


@dataclass(frozen=True)
class TransferResult:
    """The experiments a push or pull moved, and those already the same on both sides."""

    remote: str
    direction: Literal["push", "pull"]
    moved: tuple[ExpRef, ...] = ()
    up_to_date: tuple[ExpRef, ...] = ()
    artifacts: ArtifactResult | None = None  # None: no DVC remote, or artifacts=False

    def describe(self) -> str:
        """What moved, what was already there, or what to give instead; then the artifacts."""
        refs = self._describe_refs()
        return f"{refs} {self.artifacts.describe()}" if self.artifacts is not None else refs

    def _describe_refs(self) -> str:
        done = "Pushed" if self.direction == "push" else "Pulled"
        where = "to" if self.direction == "push" else "from"
        moved = ", ".join(exp.name for exp in self.moved)
        same = ", ".join(exp.name for exp in self.up_to_date)
        if self.moved and self.up_to_date:
            return (
                f"{done} {_count(self.moved)} {where} {self.remote!r}: {moved}; "
                f"already the same on both sides: {same}."
            )
        if self.moved:
            return f"{done} {_count(self.moved)} {where} {self.remote!r}: {moved}."
        if self.up_to_date:
            return f"Nothing to {self.direction}: already the same on {self.remote!r}: {same}."
        return (
            f"No experiments to {self.direction}: HEAD's baseline has none. "
            f"Name the experiments to {self.direction}."
        )


def _count(exps: Sequence[ExpRef]) -> str:
    return f"{len(exps)} experiment{'s' if len(exps) != 1 else ''}"


def push(
    remote: str,
    names: Iterable[str] = (),
    path: str | os.PathLike[str] = ".",
    force: bool = False,
    artifacts: bool = True,
    dvc_remote: str | None = None,
) -> TransferResult:
    """Send experiments to Git remote ``remote`` (a remote name, URL or path).

    With no ``names``, every experiment of HEAD's baseline. Nothing moves when one
    of them has diverged on the remote, unless ``force``. Their artifacts go to DVC remote
    ``dvc_remote`` (or the default one) first, unless ``artifacts`` is False.
    """
    names = [names] if isinstance(names, str) else list(names)
    with Repository.discover(path) as repo:
        location = remote_location(repo, remote)
        if names:
            local = dict(resolve(repo, name) for name in names)
        else:
            head = require_head(repo)
            local = {exp: sha for exp, sha in list_refs(repo) if exp.baseline == head}
        if not local:
            return TransferResult(remote, "push")
        remote_refs = list_remote_experiments(repo, location, remote)
        moved: dict[ExpRef, str | None] = {}
        up_to_date, diverged = [], []
        for exp, sha in sorted(local.items()):
            theirs = remote_refs.get(exp)
            if theirs == sha:
                up_to_date.append(exp)
            elif force or theirs is None or _is_ancestor(repo, theirs, sha):
                moved[exp] = theirs
            else:
                diverged.append(exp)
        if diverged:
            raise DivergedExperimentsError(remote, "push", diverged)
        sent = None
        if artifacts:
            chosen = {exp: local[exp] for exp in [*moved, *up_to_date]}
            sent = _move_artifacts("push", repo, chosen, dvc_remote)
        if moved:
            _push_refs(repo, location, remote, moved, force)
        return TransferResult(remote, "push", tuple(moved), tuple(up_to_date), sent)


def pull(
    remote: str,
    names: Iterable[str] = (),
    path: str | os.PathLike[str] = ".",
    force: bool = False,
    artifacts: bool = True,
    dvc_remote: str | None = None,
) -> TransferResult:
    """Fetch experiments from Git remote ``remote`` (a remote name, URL or path).

    ``names`` are looked up among the remote's experiments (HEAD's baseline first);
    with none, every remote experiment of HEAD's baseline. Their baseline commits
    need not exist here: each experiment commit brings its history along. Nothing
    moves when one of them has diverged from a local experiment, unless ``force``. Their
    artifacts are then fetched from DVC remote ``dvc_remote`` (or the default one) into the
    cache, unless ``artifacts`` is False.
    """
    names = [names] if isinstance(names, str) else list(names)
    with Repository.discover(path) as repo:
        location = remote_location(repo, remote)
        head = repo.head()
        if not names and head is None:
            raise NoCommitsError()
        remote_refs = list_remote_experiments(repo, location, remote)
        if names:
            wanted = dict(resolve_among(remote_refs, name, head) for name in names)
        else:
            wanted = {exp: sha for exp, sha in remote_refs.items() if exp.baseline == head}
        if not wanted:
            return TransferResult(remote, "pull")
        local = dict(list_refs(repo))
        to_fetch = {exp: sha for exp, sha in wanted.items() if local.get(exp) != sha}
        if to_fetch:
            fetch_objects(repo, location, remote, [exp.ref for exp in to_fetch])
        up_to_date = [exp for exp in sorted(wanted) if exp not in to_fetch]
        diverged = []
        for exp, sha in sorted(to_fetch.items()):
            if repo.run("cat-file", "-t", sha, check=False) != "commit":
                raise RemoteError(remote, "fetch from", "the remote changed during the pull")
            ours = local.get(exp)
            if ours is not None and not force and not _is_ancestor(repo, ours, sha):
                diverged.append(exp)
        if diverged:
            raise DivergedExperimentsError(remote, "pull", diverged)
        moved = []
        for exp, sha in sorted(to_fetch.items()):
            try:
                repo.update_ref(
                    exp.ref, sha, local.get(exp) or ZERO_SHA, f"live_nb: pull from {remote}"
                )
            except RefChangedError:
                raise ExperimentChangedError(exp) from None
            moved.append(exp)
        fetched = _move_artifacts("pull", repo, wanted, dvc_remote) if artifacts else None
        return TransferResult(remote, "pull", tuple(moved), tuple(up_to_date), fetched)


def _move_artifacts(
    direction: Literal["push", "pull"],
    repo: Repository,
    exps: dict[ExpRef, str],
    dvc_remote: str | None,
) -> ArtifactResult | None:
    """Push or pull the artifacts of ``exps``; None when the project has no DVC remote."""
    from live_nb import remotes
    from live_nb.formats.artifacts import find_dvc_root

    root = find_dvc_root(repo.root)
    config = remotes.load_config(root)
    if not exps or (dvc_remote is None and config.default is None):
        return None
    commits = [(exp.name, sha) for exp, sha in sorted(exps.items())]
    move = remotes.push if direction == "push" else remotes.pull
    try:
        return move(root, remote=dvc_remote, commits=commits)
    except remotes.MissingObjectsError as error:
        raise ArtifactsIncompleteError(direction, str(error)) from None


class ArtifactsIncompleteError(LiveNbError, FileNotFoundError):
    """Some artifacts of the experiments could not be moved with their refs."""

    def __init__(self, direction: str, detail: str) -> None:
        """Say what became of the refs, and how to move them without the artifacts."""
        if direction == "push":
            refs = (
                "The experiments were not pushed to Git, so that none points at missing "
                "artifacts; push with --no-artifacts (artifacts=False) to send the refs anyway."
            )
        else:
            refs = "The experiments' refs were pulled."
        super().__init__(f"{detail} {refs}")


def remote_location(repo: Repository, remote: str) -> str:
    """What to hand to git for ``remote``: a configured remote's name, a URL, or a path."""
    known = repo.run("remote").splitlines()
    if remote in known:
        return remote
    if "://" in remote or _looks_like_scp(remote):
        return remote
    if remote and not remote.startswith("-") and Path(remote).exists():
        return str(Path(remote).absolute())
    raise RemoteNotFoundError(remote, known)


def _looks_like_scp(remote: str) -> bool:
    """``user@host:path`` or ``host:path``, as Git reads it (a ':' before any '/')."""
    colon, slash = remote.find(":"), remote.find("/")
    return colon > 0 and (slash == -1 or colon < slash)


def list_remote_experiments(repo: Repository, location: str, remote: str) -> dict[ExpRef, str]:
    """The experiments (ref -> commit) that Git remote ``location`` has.

    ``remote`` is how errors name it.
    """
    try:
        output = repo.run("ls-remote", "--refs", location, "refs/exps/*")
    except GitCommandError as error:
        raise RemoteError(remote, "read", error.stderr or str(error)) from None
    found = {}
    for line in output.splitlines():
        sha, _, ref = line.partition("\t")
        exp = ExpRef.parse(ref.strip())
        if exp is not None:
            found[exp] = sha.strip()
    return found


def _is_ancestor(repo: Repository, ancestor: str, descendant: str) -> bool:
    """Whether ``descendant`` contains ``ancestor`` (False when ``ancestor`` is not here)."""
    if repo.run("cat-file", "-t", ancestor, check=False) != "commit":
        return False
    try:
        repo.run("merge-base", "--is-ancestor", ancestor, descendant)
    except GitCommandError as error:
        if error.status == 1:
            return False
        raise
    return True


def _push_refs(
    repo: Repository, location: str, remote: str, refs: dict[ExpRef, str | None], force: bool
) -> None:
    arguments = ["push", "--quiet", "--no-follow-tags"]
    if force:
        arguments += [f"--force-with-lease={exp.ref}:{sha or ''}" for exp, sha in refs.items()]
    arguments += [location, *(f"{exp.ref}:{exp.ref}" for exp in refs)]
    try:
        repo.run(*arguments)
    except GitCommandError as error:
        lines = [line.strip() for line in error.stderr.splitlines() if line.strip()]
        rejected = [line.removeprefix("! ") for line in lines if line.startswith("! [")]
        if rejected:
            detail = (
                f"the remote refused {'; '.join(rejected)}. It changed since it was read "
                "(someone pushed meanwhile): run the command again to compare anew"
            )
        else:
            detail = " ".join(line for line in lines if not line.startswith("hint:"))
        raise RemoteError(remote, "push to", detail or str(error)) from None


def fetch_objects(repo: Repository, location: str, remote: str, refs: Sequence[str]) -> None:
    """Fetch what ``refs`` need without updating any ref (not even FETCH_HEAD)."""
    try:
        repo.run("fetch", "--quiet", "--no-tags", "--no-write-fetch-head", location, *refs)
    except GitCommandError as error:
        raise RemoteError(remote, "fetch from", error.stderr or str(error)) from None
