"""``diff``: what changed in metrics, params and files between two revisions, as ``dvc exp diff``.

A revision is an experiment (name, full ref or sha prefix, see :func:`.refs.resolve`), a Git
revision (``HEAD~1``, a branch, a tag, a sha), or ``"workspace"``.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from live_nb.error import LiveNbError
from live_nb.experiments.as_text import DEFAULT_PRECISION, format_diff
from live_nb.experiments.baselines import baseline_names
from live_nb.experiments.read import WORKSPACE, ExperimentReader, RevisionData
from live_nb.experiments.refs import UnknownExperimentError, resolve
from live_nb.experiments.values import flatten
from live_nb.git import Repository

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ExperimentDiff", "MissingCommitError", "NoCommitsToDiffError", "diff"]


@dataclass(frozen=True, eq=False)  # DataFrames have no single truth value to compare by
class ExperimentDiff:
    """What changed from ``old`` to ``new``: metrics, params, and files.

    ``metrics`` and ``params`` are DataFrames with columns ``path``, ``key``, ``old``, ``new``
    and ``change`` (new - old when both are numbers). ``files`` lists ``(status, path)`` with
    Git's letters ``A``, ``D``, ``M``, ``T``; for the workspace, untracked files count too.
    """

    old: str
    new: str
    old_rev: str | None
    new_rev: str | None
    metrics: pd.DataFrame
    params: pd.DataFrame
    files: list[tuple[str, str]] = field(default_factory=list)

    def to_text(self, precision: int | None = DEFAULT_PRECISION) -> str:
        """The diff as ``dvc exp diff`` prints it (:func:`format_diff`)."""
        return format_diff(self, precision)

    def to_json(self) -> str:
        """The diff as JSON (:func:`live_nb.experiments.to_json`)."""
        from live_nb.experiments.as_json import to_json

        return to_json(self)

    def to_csv(self) -> str:
        """The diff as CSV (:func:`live_nb.experiments.to_csv`)."""
        from live_nb.experiments.as_csv import to_csv

        return to_csv(self)


class NoCommitsToDiffError(LiveNbError, RuntimeError):
    """The repository has no commit to compare the workspace with."""

    def __init__(self) -> None:
        """Say how to get something to compare with."""
        super().__init__(
            "The repository has no commit yet, so there is nothing to compare the workspace "
            "with. Make a first commit, or save an experiment."
        )


class MissingCommitError(LiveNbError, LookupError):
    """A revision names a commit whose object is not in the repository."""

    def __init__(self, label: str, sha: str) -> None:
        """Say which commit is missing and how to fetch it."""
        super().__init__(
            f"Commit {sha[:7]} ({label}) is not in this repository, so there is nothing to "
            "compare. Fetch it (git fetch, or live-nb exp pull for experiments) and try again."
        )


_Target = tuple[str, "str | None", "str | None"]  # (label, commit or None: workspace, baseline)


def diff(
    a: str | None = None,
    b: str | None = None,
    path: str | os.PathLike[str] = ".",
    with_unchanged: bool = False,
    baseline: bool = False,
) -> ExperimentDiff:
    """Compare two revisions' metrics, params and files.

    - no argument: HEAD (old) against the workspace (new), as ``dvc exp diff``;
    - ``a`` only: ``a`` (old) against the workspace (new), as ``dvc exp diff A``; with
      ``baseline``, an experiment ``a`` is compared with its baseline (old) instead;
    - ``a`` and ``b``: ``a`` (old) against ``b`` (new).

    A name is an experiment (name, full ref or sha prefix, see ``refs.resolve``), a Git
    revision (``HEAD~1``, a branch, a tag, a sha), or ``"workspace"``. ``with_unchanged`` also
    lists metrics and params that did not change.
    """
    with Repository.discover(path) as repo:
        head = repo.head()
        old, new = _targets_once_warned(repo, a, b, head, baseline)
        old_data, new_data = _read_both(ExperimentReader(repo), old, new, head)
        return ExperimentDiff(
            old=old[0],
            new=new[0],
            old_rev=old[1],
            new_rev=new[1],
            metrics=_diff_frame(old_data.metrics, new_data.metrics, with_unchanged),
            params=_diff_frame(old_data.params, new_data.params, with_unchanged),
            files=_changed_files(repo, old[1], new[1]),
        )


def _targets_once_warned(
    repo: Repository, a: str | None, b: str | None, head: str | None, baseline: bool
) -> tuple[_Target, _Target]:
    """The old and new revisions; resolve() lists the refs once per name: each warning once."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        old, new = _targets(repo, a, b, head, baseline)
    seen = {(item.category, str(item.message)): item.message for item in caught}
    for message in seen.values():
        warnings.warn(message, stacklevel=3)
    return old, new


def _targets(
    repo: Repository, a: str | None, b: str | None, head: str | None, baseline: bool
) -> tuple[_Target, _Target]:
    if a is None and b is None:
        return _target(repo, "HEAD"), _target(repo, WORKSPACE)
    if b is None:
        assert a is not None
        new = _target(repo, a)
        if not baseline or new[2] is None:  # as DVC: compared with the workspace
            return new, _target(repo, WORKSPACE)
        base = new[2]  # an experiment with --baseline: compared with its baseline
        return (_baseline_label(repo, base, head), base, None), new
    return _target(repo, a if a is not None else "HEAD"), _target(repo, b)


def _target(repo: Repository, name: str) -> _Target:
    """``(label, commit or None for the workspace, baseline if an experiment)``."""
    if name == WORKSPACE:
        return WORKSPACE, None, None
    try:
        exp, sha = resolve(repo, name)
    except UnknownExperimentError:
        sha_or_none = None if name.startswith("-") else repo.rev_parse(name)
        if sha_or_none is None:
            if name == "HEAD":
                raise NoCommitsToDiffError() from None
            raise
        return name, sha_or_none, None
    return exp.name, sha, exp.baseline


def _baseline_label(repo: Repository, baseline: str, head: str | None) -> str:
    """HEAD is named as ``show`` names it; another baseline by its short sha."""
    if head is not None and baseline == head:
        return baseline_names(repo, head).label(baseline)
    return baseline[:7]


def _read_both(
    reader: ExperimentReader, old: _Target, new: _Target, head: str | None
) -> tuple[RevisionData, RevisionData]:
    commits = [sha for _, sha, _ in (old, new) if sha is not None]
    data = reader.read_commits(commits)
    for label, sha, _ in (old, new):
        if sha is not None and "" in data[sha].errors:  # the commit object is absent
            raise MissingCommitError(label, sha)
    old_data = data[old[1]] if old[1] else reader.read_workspace(head)
    new_data = data[new[1]] if new[1] else reader.read_workspace(head)
    return old_data, new_data


def _diff_frame(
    old: Mapping[str, Any], new: Mapping[str, Any], with_unchanged: bool
) -> pd.DataFrame:
    import pandas as pd

    columns: dict[str, list[Any]] = {name: [] for name in ("path", "key", "old", "new", "change")}
    for path in sorted(set(old) | set(new)):
        before, after = flatten(old.get(path)), flatten(new.get(path))
        for key in sorted(set(before) | set(after)):
            a, b = before.get(key), after.get(key)
            if a == b and type(a) is type(b) and not with_unchanged:
                continue
            change = _change(a, b)
            for name, value in zip(columns, (path, key, a, b, change)):
                columns[name].append(value)
    # object columns keep each value as read: 3 stays 3 beside 0.1, None stays None
    return pd.DataFrame({name: pd.Series(values, dtype=object) for name, values in columns.items()})


def _change(old: Any, new: Any) -> Any:
    """``new - old`` as DVC computes it, None where DVC gives no difference.

    Of numbers and booleans: ``True`` to ``False`` is -1.
    """
    if isinstance(old, (int, float)) and isinstance(new, (int, float)):
        return new - old
    return None


def _changed_files(repo: Repository, old: str | None, new: str | None) -> list[tuple[str, str]]:
    """``(status, path)`` of the files that differ from ``old`` to ``new`` (None: workspace)."""
    if old is None and new is None:
        return []
    if old is not None and new is not None:
        return _name_status(repo, "diff", "--name-status", "-z", "--no-renames", old, new, "--")
    commit = old if old is not None else new
    assert commit is not None
    tracked = _name_status(repo, "diff", "--name-status", "-z", "--no-renames", commit, "--")
    changes = {file: status for status, file in tracked}
    # `git diff <commit>` sees tracked files only: compare the untracked ones by content.
    listed = repo.run("ls-files", "-z", "--others", "--exclude-standard", strip=False)
    untracked = [file for file in listed.split("\0") if file and "\n" not in file]
    in_commit = repo.objects().read_many(f"{commit}:{file}" for file in untracked)
    for file in untracked:
        stored = in_commit.get(f"{commit}:{file}")
        if stored is None or stored[0] != "blob":
            changes[file] = "A"
            continue
        try:
            same = (repo.root / file).read_bytes() == stored[1]
        except OSError:
            same = False
        if same:
            changes.pop(file, None)  # tracked nowhere but identical: `git diff` said "D"
        else:
            changes[file] = "M"
    if old is None:  # from the workspace to a commit: additions are deletions
        flip = {"A": "D", "D": "A"}
        changes = {file: flip.get(status, status) for file, status in changes.items()}
    return sorted(((status, file) for file, status in changes.items()), key=lambda c: c[1])


def _name_status(repo: Repository, *args: str) -> list[tuple[str, str]]:
    parts = repo.run(*args, strip=False).split("\0")
    return [(parts[i], parts[i + 1]) for i in range(0, len(parts) - 1, 2) if parts[i]]
