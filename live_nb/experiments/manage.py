"""Managing experiments: list, branch and remove.

Every function takes ``path`` (any folder inside the repository) and reaches Git only
through :class:`live_nb.git.Repository`. Refs are deleted with compare-and-swap, so a
concurrent ``save`` is never overwritten silently. ``apply`` lives in
:mod:`live_nb.experiments.restore`, ``push`` and ``pull`` in :mod:`live_nb.experiments.remote`.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

from live_nb.error import LiveNbError
from live_nb.experiments.refs import ExpRef, NoCommitsError, list_refs, resolve
from live_nb.experiments.stars import drop_stars
from live_nb.git import ZERO_SHA, GitCommandError, RefChangedError, Repository, parse_commit

__all__ = [
    "BranchExistsError",
    "BranchResult",
    "ExperimentChangedError",
    "ExperimentInfo",
    "InvalidBranchNameError",
    "RemoveResult",
    "UnknownRevisionError",
    "branch",
    "list_experiments",
    "remove",
]


# --------------------------------------------------------------------------- errors


class InvalidBranchNameError(LiveNbError, ValueError):
    """A name Git does not accept for a new branch."""

    def __init__(self, branch_name: object, detail: str = "") -> None:
        """Say why ``branch_name`` is refused and what a good one looks like."""
        self.branch_name = branch_name
        reason = f" ({detail})" if detail else ""
        super().__init__(
            f"{branch_name!r} is not a valid Git branch name{reason}. Use letters, digits, '-', "
            "'_', '.' and '/', e.g. 'exp/lr-0.01'."
        )


class BranchExistsError(LiveNbError, ValueError):
    """A branch of that name exists already: ``branch`` never moves one."""

    def __init__(self, branch_name: str) -> None:
        """Name the branch, and how to delete it if it is not wanted."""
        self.branch_name = branch_name
        super().__init__(
            f"A Git branch named {branch_name!r} already exists. Choose another branch name, or "
            f"delete it first (git branch -D {shlex.quote(branch_name)})."
        )


class UnknownRevisionError(LiveNbError, ValueError):
    """``--rev`` names no commit."""

    def __init__(self, revision: str) -> None:
        """Name the revision, and what to give instead."""
        self.revision = revision
        super().__init__(
            f"{revision!r} does not name a commit. Give a branch, a tag or a commit sha "
            "(see `git log --oneline`)."
        )


class ExperimentChangedError(LiveNbError, RuntimeError):
    """An experiment ref moved while it was being removed or pulled."""

    def __init__(self, exp: ExpRef) -> None:
        """Name the experiment, and how to check it."""
        self.exp = exp
        super().__init__(
            f"Experiment {exp.name!r} (baseline {exp.baseline[:7]}) changed while it was being "
            "removed, probably saved again by another process. Check it with `live-nb exp list`, "
            "then run the command again."
        )


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class ExperimentInfo:
    """One experiment as ``list_experiments`` lists it; ``message`` is its whole message."""

    name: str
    baseline: str
    commit: str
    ref: str
    created: datetime
    message: str

    @property
    def subject(self) -> str:
        """The first line of the commit message."""
        return self.message.split("\n", 1)[0]


class BranchResult(str):
    """The name of the branch ``branch`` made (a ``str``), and the experiment it is at."""

    experiment: str
    commit: str

    def __new__(cls, branch_name: str, experiment: str, commit: str) -> BranchResult:
        """The branch ``branch_name``, made at ``commit`` of experiment ``experiment``."""
        made = super().__new__(cls, branch_name)
        made.experiment = experiment
        made.commit = commit
        return made

    def __getnewargs__(self) -> tuple[str, str, str]:  # type: ignore[override]
        """Pickle with the experiment and commit too."""
        return (str(self), self.experiment, self.commit)

    def describe(self) -> str:
        """Which branch was made where, and how to switch to it."""
        return (
            f"Created branch {str(self)!r} from experiment {self.experiment!r} "
            f"({self.commit[:7]}). Switch to it with:\n    git switch {shlex.quote(self)}"
        )


class RemoveResult(list[str]):
    """The names of the experiments ``remove`` deleted (a ``list``)."""

    def describe(self) -> str:
        """Which experiments were removed, or that there were none."""
        if not self:
            return "No experiments to remove."
        return f"Removed {len(self)} experiment(s): {', '.join(self)}"


# --------------------------------------------------------------------------- list


def list_experiments(
    path: str | os.PathLike[str] = ".",
    all_baselines: bool = False,
    rev: str | None = None,
    num: int = 1,
    remote: str | None = None,
) -> list[ExperimentInfo]:
    """The experiments of HEAD's baseline (of every baseline with ``all_baselines``).

    As ``dvc exp list``: ``rev`` names the baseline instead of HEAD, ``num`` counts the
    first-parent commits from it whose experiments are listed (a negative ``num``: all), and
    ``remote`` (a Git remote's name or URL) lists that remote's experiments instead, read
    with one ``git ls-remote`` (one not fetched has no date or message here).
    Newest first (by commit time, then by name), grouped by baseline: the baseline with
    the newest experiment first.
    """
    with Repository.discover(path) as repo:
        wanted = None if all_baselines else _baselines_from(repo, rev, num)
        experiments = [
            (exp, sha)
            for exp, sha in _refs_of(repo, remote)
            if wanted is None or exp.baseline in wanted
        ]
        return _describe(repo, experiments)


def _refs_of(repo: Repository, remote: str | None) -> list[tuple[ExpRef, str]]:
    if remote is None:
        return list_refs(repo)
    from live_nb.experiments.remote import list_remote_experiments, remote_location

    found = list_remote_experiments(repo, remote_location(repo, remote), remote)
    return sorted(found.items(), key=lambda item: item[0].ref)


def _baselines_from(repo: Repository, rev: str | None, num: int) -> set[str]:
    """``num`` first-parent commits from ``rev`` (HEAD), as ``git log -n`` counts them."""
    start = repo.rev_parse(rev) if rev is not None else repo.head()
    if start is None:
        if rev is None:
            raise NoCommitsError()
        raise UnknownRevisionError(rev)
    if num == 1:
        return {start}
    count = [] if num < 0 else [f"--max-count={num}"]
    return set(repo.run("rev-list", "--first-parent", *count, start).split())


def _describe(repo: Repository, experiments: Sequence[tuple[ExpRef, str]]) -> list[ExperimentInfo]:
    objects = repo.objects().read_many(sha for _, sha in experiments)
    infos = []
    for exp, sha in experiments:
        found = objects.get(sha)
        commit = parse_commit(found[1]) if found and found[0] == "commit" else None
        created = commit.committed_at() if commit else None
        message = commit.message.strip("\n") if commit else ""
        infos.append(
            ExperimentInfo(
                name=exp.name,
                baseline=exp.baseline,
                commit=sha,
                ref=exp.ref,
                created=created or datetime.fromtimestamp(0, timezone.utc),
                message=message,
            )
        )
    newest: dict[str, float] = {}
    for info in infos:
        newest[info.baseline] = max(newest.get(info.baseline, 0.0), info.created.timestamp())
    infos.sort(
        key=lambda info: (
            -newest[info.baseline],
            info.baseline,
            -info.created.timestamp(),
            info.name,
        )
    )
    return infos


# --------------------------------------------------------------------------- branch


def branch(name: str, branch_name: str, path: str | os.PathLike[str] = ".") -> BranchResult:
    """Create branch ``branch_name`` at experiment ``name``'s commit; return the branch name."""
    with Repository.discover(path) as repo:
        exp, commit = resolve(repo, name)
        checked = _check_branch_name(repo, branch_name)
        ref = f"refs/heads/{checked}"
        if repo.rev_parse(ref) is not None:
            raise BranchExistsError(checked)
        try:
            repo.update_ref(ref, commit, ZERO_SHA, f"live_nb: branch from experiment {exp.name}")
        except (RefChangedError, GitCommandError):
            if repo.rev_parse(ref) is not None:
                raise BranchExistsError(checked) from None
            raise
        return BranchResult(checked, exp.name, commit)


def _check_branch_name(repo: Repository, branch_name: object) -> str:
    if not isinstance(branch_name, str) or not branch_name:
        raise InvalidBranchNameError(branch_name, "it is empty or not a string")
    # `@{-1}` would be expanded to the previous branch, `-x` read as an option, `HEAD` confuses.
    if branch_name.startswith("-") or "@{" in branch_name or branch_name in ("@", "HEAD"):
        raise InvalidBranchNameError(branch_name)
    output = repo.run("check-ref-format", "--branch", branch_name, check=False)
    if output != branch_name:
        raise InvalidBranchNameError(branch_name)
    return branch_name


# --------------------------------------------------------------------------- remove


def remove(
    names: Iterable[str] = (),
    path: str | os.PathLike[str] = ".",
    rev: str | None = None,
    all: bool = False,
) -> RemoveResult:
    """Delete experiments; return the names of those deleted.

    ``names`` are experiment names (HEAD's baseline first), full refs or commit sha
    prefixes; ``rev`` deletes every experiment whose baseline is that commit (like
    ``dvc exp remove --rev``); ``all`` deletes every experiment of every baseline.
    DVC's own refs under ``refs/exps`` (``exec``, ``stash``, ``apply``...) are never
    touched. Every name is resolved before anything is deleted.
    """
    names = [names] if isinstance(names, str) else list(names)
    with Repository.discover(path) as repo:
        chosen: dict[str, tuple[ExpRef, str]] = {}
        for name in names:
            exp, sha = resolve(repo, name)
            chosen[exp.ref] = (exp, sha)
        if rev is not None or all:
            baseline = _resolve_revision(repo, rev) if rev is not None else None
            for exp, sha in list_refs(repo):
                if all or exp.baseline == baseline:
                    chosen.setdefault(exp.ref, (exp, sha))
        removed = RemoveResult()
        for exp, sha in chosen.values():
            try:
                repo.delete_ref(exp.ref, sha)
            except RefChangedError:
                raise ExperimentChangedError(exp) from None
            removed.append(exp.name)
        drop_stars(repo, chosen)  # a star goes with its experiment
        return removed


def _resolve_revision(repo: Repository, revision: str) -> str:
    sha = None if revision.startswith("-") else repo.rev_parse(revision)
    if sha is None:
        if revision == "HEAD" and repo.head() is None:
            raise NoCommitsError()
        raise UnknownRevisionError(revision)
    return sha
