"""Saving the workspace as an experiment commit, without touching the user's work.

DVC's ``exp save`` stashes, detaches HEAD and resets the working tree to build
its commit. Here the commit is built in a temporary index file: a copy of the
user's index (for its stat cache), updated from the working tree, written as a
tree and committed with HEAD as first parent. Only the new ref is written, with
a compare-and-swap, so HEAD, branches, the user's index, the working tree, the
stash and HEAD's reflog stay exactly as they were.
"""

from __future__ import annotations

import os
import secrets
import shutil
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from live_nb.error import LiveNbError, LiveNbWarning
from live_nb.experiments.names import check_experiment_name, random_name
from live_nb.experiments.refs import ExpRef, list_refs, require_head
from live_nb.git import ZERO_SHA, GitCommandError, RefChangedError, Repository

__all__ = [
    "ExperimentExistsError",
    "OperationInProgressError",
    "OutsideRepositoryError",
    "SavedExperiment",
    "commit_tree",
    "save",
]

DEFAULT_MAX_UNTRACKED_SIZE = 10 * 1024 * 1024
_FALLBACK_IDENTITY = {
    "GIT_AUTHOR_NAME": "live_nb",
    "GIT_AUTHOR_EMAIL": "live_nb@localhost",
    "GIT_COMMITTER_NAME": "live_nb",
    "GIT_COMMITTER_EMAIL": "live_nb@localhost",
}
_OPERATIONS_IN_PROGRESS = {
    "MERGE_HEAD": "a merge",
    "CHERRY_PICK_HEAD": "a cherry-pick",
    "REVERT_HEAD": "a revert",
    "rebase-merge": "a rebase",
    "rebase-apply": "a rebase or `git am`",
}


class ExperimentExistsError(LiveNbError, ValueError):
    """The baseline has an experiment of that name already."""

    def __init__(self, exp: ExpRef) -> None:
        """Name the experiment, and the ways out."""
        self.exp = exp
        super().__init__(
            f"An experiment named {exp.name!r} already exists for baseline {exp.baseline[:7]}. "
            "Choose another name, or pass force=True to replace it."
        )


class OperationInProgressError(LiveNbError, RuntimeError):
    """A merge, rebase, cherry-pick or revert is half done in the working tree."""

    def __init__(self, operation: str) -> None:
        """Name the operation, and what to do first."""
        super().__init__(
            f"Cannot save an experiment while {operation} is in progress: the working tree holds "
            "its half-finished state. Finish or abort it first."
        )


class OutsideRepositoryError(LiveNbError, ValueError):
    """A path to include that is outside the repository."""

    def __init__(self, path: Path, root: Path) -> None:
        """Name the path and the repository."""
        super().__init__(
            f"{str(path)!r} is outside the Git repository at {str(root)!r}, so it cannot be part "
            "of an experiment. Write results inside the repository."
        )


@dataclass(frozen=True)
class SavedExperiment:
    """An experiment ``save`` made, and the untracked files it left out for their size."""

    name: str
    baseline: str
    commit: str
    ref: str
    skipped_files: tuple[str, ...] = ()

    def describe(self) -> str:
        """What was saved: ``Saved experiment <name> (<short sha>)``."""
        return f"Saved experiment {self.name} ({self.commit[:7]})"


def save(
    path: str | os.PathLike[str] = ".",
    name: str | None = None,
    message: str | None = None,
    include: Iterable[str | os.PathLike[str]] = (),
    force: bool = False,
    max_untracked_size: int = DEFAULT_MAX_UNTRACKED_SIZE,
    trailers: Mapping[str, str] | None = None,
) -> SavedExperiment:
    """Save the working tree of the repository containing ``path`` as a new experiment.

    The commit holds HEAD's tree with every tracked change (staged or not), untracked
    files Git does not ignore (those over ``max_untracked_size`` bytes are left out
    with one warning), and the paths in ``include`` even if Git ignores them (but not
    the outputs DVC tracks with ``.dvc`` files). ``trailers`` become ``Key: value``
    lines at the end of the commit message.
    """
    with Repository.discover(path) as repo:
        baseline = require_head(repo)
        _refuse_operations_in_progress(repo)
        exp = _experiment_ref(repo, baseline, name, force)
        old = repo.rev_parse(exp.ref) if force else None
        tree, skipped = _write_workspace_tree(repo, include, max_untracked_size)
        text = _commit_message(message or f"live_nb experiment {exp.name}", trailers)
        commit = commit_tree(repo, tree, baseline, text)
        try:
            repo.update_ref(
                exp.ref, commit, old or ZERO_SHA, f"live_nb: save experiment {exp.name}"
            )
        except RefChangedError as error:
            raise ExperimentExistsError(exp) from error  # another saver took the name first
        return SavedExperiment(exp.name, baseline, commit, exp.ref, skipped)


def _refuse_operations_in_progress(repo: Repository) -> None:
    for marker, operation in _OPERATIONS_IN_PROGRESS.items():
        if (repo.git_dir / marker).exists():
            raise OperationInProgressError(operation)


def _experiment_ref(repo: Repository, baseline: str, name: str | None, force: bool) -> ExpRef:
    taken = {exp.name for exp, _ in list_refs(repo) if exp.baseline == baseline}
    if name is None:
        return ExpRef(baseline, random_name(taken))
    exp = ExpRef(baseline, check_experiment_name(name))
    if exp.name in taken and not force:
        raise ExperimentExistsError(exp)
    return exp


def _write_workspace_tree(
    repo: Repository, include: Iterable[str | os.PathLike[str]], max_size: int
) -> tuple[str, tuple[str, ...]]:
    index = repo.git_dir / f"live_nb-index-{os.getpid()}-{secrets.token_hex(4)}"
    user_index = repo.git_dir / "index"
    if user_index.exists():
        # copy2 keeps the mtime: Git then re-hashes files changed in the same second ("racy").
        shutil.copy2(user_index, index)  # its stat cache spares re-hashing unchanged files
    env = {"GIT_INDEX_FILE": str(index), "GIT_LITERAL_PATHSPECS": "1"}
    try:
        if not user_index.exists():
            repo.run("read-tree", "HEAD", env=env)
        repo.run("add", "--update", env=env)
        untracked, skipped = _untracked_files(repo, max_size)
        _add_paths(repo, untracked, env, force=False)
        _add_paths(repo, _included_files(repo, include, max_size), env, force=True)
        tree = repo.run("write-tree", env=env)
    finally:
        for leftover in (index, index.with_name(index.name + ".lock")):
            leftover.unlink(missing_ok=True)
    if skipped:
        warnings.warn(
            f"Left {len(skipped)} untracked file(s) over {max_size / 2**20:g} MB out of the "
            f"experiment: {', '.join(skipped[:5])}{' ...' if len(skipped) > 5 else ''}. "
            "Track large files with live.log_artifact(path) (stored in the DVC cache) instead.",
            LiveNbWarning,
            stacklevel=3,
        )
    return tree, tuple(skipped)


def _untracked_files(repo: Repository, max_size: int) -> tuple[list[str], list[str]]:
    """Untracked, not ignored files: those to add, and those too large to add."""
    output = repo.run("ls-files", "-z", "--others", "--exclude-standard", strip=False)
    wanted: list[str] = []
    too_large: list[str] = []
    for relative in filter(None, output.split("\0")):
        if relative.endswith("/"):
            continue  # a nested repository: not part of this repository's tree
        try:
            size = (repo.root / relative).lstat().st_size
        except FileNotFoundError:
            continue  # deleted since it was listed
        (too_large if size > max_size else wanted).append(relative)
    return wanted, too_large


def _included_files(
    repo: Repository, include: Iterable[str | os.PathLike[str]], max_size: int
) -> list[str]:
    """Files under the ``include`` paths, minus outputs tracked by a ``.dvc`` file."""
    files: list[str] = []
    for entry in include:
        target = Path(entry).resolve()
        if not target.exists():
            continue
        try:
            target.relative_to(repo.root.resolve())
        except ValueError as error:
            raise OutsideRepositoryError(target, repo.root) from error
        candidates = [target] if target.is_file() else sorted(_walk_files(target))
        for file in candidates:
            if _tracked_by_dvc(file, repo.root) or file.stat().st_size > max_size:
                continue
            files.append(file.relative_to(repo.root.resolve()).as_posix())
    return files


def _walk_files(folder: Path) -> Iterable[Path]:
    for current, folders, names in os.walk(folder):
        folders[:] = [name for name in folders if name not in (".git", ".dvc")]
        for name in names:
            yield Path(current) / name


def _tracked_by_dvc(file: Path, root: Path) -> bool:
    for candidate in (file, *file.parents):
        if candidate == root:
            return False
        if candidate.with_name(candidate.name + ".dvc").is_file():
            return True
    return False


def _add_paths(repo: Repository, paths: Sequence[str], env: dict[str, str], force: bool) -> None:
    if not paths:
        return
    arguments = ["add", "--pathspec-from-file=-", "--pathspec-file-nul"]
    if force:
        arguments.insert(1, "--force")
    repo.run(*arguments, env=env, input="\0".join(paths).encode("utf-8"))


def _commit_message(message: str, trailers: Mapping[str, str] | None) -> str:
    if not trailers:
        return message
    lines = [f"{key}: {' '.join(str(value).split())}" for key, value in trailers.items()]
    return message.rstrip("\n") + "\n\n" + "\n".join(lines)


def commit_tree(repo: Repository, tree: str, parent: str, message: str) -> str:
    """Commit ``tree`` with ``parent``; without a configured identity, as "live_nb"."""
    arguments = ("commit-tree", tree, "-p", parent, "-F", "-")
    try:
        return repo.run(*arguments, input=message.encode("utf-8"))
    except GitCommandError as error:
        if "identity" not in error.stderr and "empty ident" not in error.stderr:
            raise
        # No user.name/user.email configured: save anyway, under a neutral identity.
        return repo.run(*arguments, input=message.encode("utf-8"), env=_FALLBACK_IDENTITY)
