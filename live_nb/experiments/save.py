"""Saving the workspace as an experiment commit, without touching the user's work.

DVC's ``exp save`` stashes, detaches HEAD and resets the working tree to build
its commit. Here the commit is built in a temporary index file: a copy of the
user's index (for its stat cache), updated from the working tree, written as a
tree and committed with HEAD as first parent. Only the new ref is written, with
a compare-and-swap, so HEAD, branches, the user's index, the working tree, the
stash and HEAD's reflog stay exactly as they were.

Paths pass through as bytes, as Git keeps them. Left out: live_nb's own temporary
files, a file that vanishes while the commit is built or becomes ignored meanwhile (another
run's ``log_artifact`` listed it in a ``.gitignore``), and the untracked folders
editors and Python leave beside a notebook (:data:`EDITOR_FOLDERS`). The temporary
index is named after its process, so the next save removes the one a killed saver
left.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from live_nb.error import LiveNbError, LiveNbWarning
from live_nb.experiments.names import check_experiment_name, random_name
from live_nb.experiments.refs import ExpRef, baseline_refs, require_head
from live_nb.formats.files import TEMPORARY_PATTERNS, is_temporary, remove_quietly
from live_nb.git import ZERO_SHA, GitCommandError, GitLockedError, RefChangedError, Repository

__all__ = [
    "ExperimentExistsError",
    "OperationInProgressError",
    "OutsideRepositoryError",
    "SavedExperiment",
    "commit_tree",
    "include_in_tree",
    "included_files",
    "save",
    "save_tree",
    "temporary_index",
    "workspace_tree",
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
# The temporary index: live_nb-index-<pid>-<random>-<host>, and Git's <index>.lock beside it.
_INDEX_NAME = re.compile(r"live_nb-index-(\d+)-[0-9a-f]+(?:-([A-Za-z0-9]*))?(?:\.lock)?")
# Never split: a split index would leave a sharedindex.* file in .git after every save.
_INDEX_CONFIG = ("-c", "core.splitIndex=false")
_ATTEMPTS = 5  # tries of a `git add` while files vanish under it, or of a generated name
_VANISHED = ("did not match any files", "unable to index file", "No such file or directory")
# `git add` of a path ignored meanwhile: Git adds the others, writes the index and exits 1.
_IGNORED_MEANWHILE = "are ignored by one of your .gitignore files"


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
        if not self.commit:  # inside a headless run: saved when the run ends
            return f"Experiment {self.name}: saved when the run ends"
        return f"Saved experiment {self.name} ({self.commit[:7]})"


def save(
    path: str | os.PathLike[str] = ".",
    name: str | None = None,
    message: str | None = None,
    include: Iterable[str | os.PathLike[str]] = (),
    force: bool = False,
    max_untracked_size: int = DEFAULT_MAX_UNTRACKED_SIZE,
    trailers: Mapping[str, str] | None = None,
    contents: Mapping[Path, bytes] | None = None,
) -> SavedExperiment:
    """Save the working tree of the repository containing ``path`` as a new experiment.

    The commit holds HEAD's tree with every tracked change (staged or not), untracked
    files Git does not ignore (those over ``max_untracked_size`` bytes are left out
    with one warning), and the paths in ``include`` even if Git ignores them (but not
    the outputs DVC tracks with ``.dvc`` files). ``trailers`` become ``Key: value``
    lines at the end of the commit message. ``contents`` commits the given bytes at
    those paths (absolute, inside the repository) instead of the files there, which are
    left as they are: a notebook as its editor shows it, unsaved edits included.
    """
    with Repository.discover(path) as repo:
        baseline = require_head(repo)
        _refuse_operations_in_progress(repo)
        taken = {exp.name for exp, _ in baseline_refs(repo, baseline)}
        exp = _experiment_ref(baseline, name, force, taken)
        old = repo.rev_parse(exp.ref) if force else None
        tree, skipped = _write_workspace_tree(
            repo, include, max_untracked_size, contents=contents or {}
        )

        def text_for(exp: ExpRef) -> str:
            return _commit_message(message or f"live_nb experiment {exp.name}", trailers)

        exp, commit = _commit(repo, exp, tree, text_for, old, generated=name is None)
        return SavedExperiment(exp.name, baseline, commit, exp.ref, skipped)


def workspace_tree(
    path: str | os.PathLike[str] = ".",
    max_untracked_size: int = DEFAULT_MAX_UNTRACKED_SIZE,
    include: Iterable[str | os.PathLike[str]] = (),
    index: Path | None = None,
    contents: Mapping[Path, bytes] | None = None,
) -> tuple[str, str]:
    """HEAD and the tree ``save`` would commit now (with ``include``), committing nothing.

    For runs that execute elsewhere: the snapshot of the workspace they start from; for
    checkpoints: the tree of the first one. ``index`` (in the Git folder, named as
    :func:`temporary_index` names it) keeps the temporary index, for
    :func:`include_in_tree`; its owner removes it.
    """
    with Repository.discover(path) as repo:
        baseline = require_head(repo)
        _refuse_operations_in_progress(repo)
        tree, _ = _write_workspace_tree(repo, include, max_untracked_size, index, contents)
        return baseline, tree


def temporary_index(git_dir: Path) -> Path:
    """A name for a temporary index of this process: the next save removes it once it is dead."""
    return git_dir / f"live_nb-index-{os.getpid()}-{secrets.token_hex(4)}-{_host()}"


def include_in_tree(
    repo: Repository,
    index: Path,
    include: Iterable[str | os.PathLike[str]],
    max_untracked_size: int = DEFAULT_MAX_UNTRACKED_SIZE,
) -> str:
    """The tree of the kept ``index`` with the files under ``include`` as they are now.

    For checkpoints after the first: only the results changed, so only they are read again
    (two Git commands, where a whole workspace takes five and reads every file's stat).
    """
    env = {"GIT_INDEX_FILE": str(index), "GIT_LITERAL_PATHSPECS": "1"}
    try:
        _add_paths(repo, _included_files(repo, include, max_untracked_size), env, force=True)
        return repo.run(*_INDEX_CONFIG, "write-tree", env=env)
    finally:
        remove_quietly(index.with_name(index.name + ".lock"))


def save_tree(
    path: str | os.PathLike[str],
    tree: str,
    baseline: str,
    name: str | None = None,
    message: str | None = None,
    trailers: Mapping[str, str] | None = None,
) -> SavedExperiment:
    """Save ``tree`` (already in the repository's objects) as an experiment of ``baseline``.

    For a run made outside the working tree; the ref is created with compare-and-swap, and a
    generated name taken meanwhile is drawn again, as in :func:`save`.
    """
    with Repository.discover(path) as repo:
        taken = {exp.name for exp, _ in baseline_refs(repo, baseline)}
        exp = _experiment_ref(baseline, name, False, taken)

        def text_for(exp: ExpRef) -> str:
            return _commit_message(message or f"live_nb experiment {exp.name}", trailers)

        exp, commit = _commit(repo, exp, tree, text_for, None, generated=name is None)
        return SavedExperiment(exp.name, baseline, commit, exp.ref)


def _commit(
    repo: Repository,
    exp: ExpRef,
    tree: str,
    text_for: Callable[[ExpRef], str],
    old: str | None,
    generated: bool,
) -> tuple[ExpRef, str]:
    """Commit ``tree`` and create ``exp``'s ref at it; return the ref and the commit.

    A generated name taken meanwhile, or whose ref another process keeps locked, is drawn again.
    """
    taken = {exp.name}
    attempts = _ATTEMPTS if generated else 1
    for attempt in range(1, attempts + 1):
        commit = commit_tree(repo, tree, exp.baseline, text_for(exp))
        try:
            repo.update_ref(
                exp.ref, commit, old or ZERO_SHA, f"live_nb: save experiment {exp.name}"
            )
            return exp, commit
        except RefChangedError as error:
            if attempt == attempts:
                raise ExperimentExistsError(exp) from error  # another saver took the name first
        except GitLockedError:
            if attempt == attempts:
                raise
        exp = ExpRef(exp.baseline, random_name(taken))
        taken.add(exp.name)
    raise ExperimentExistsError(exp)  # not reached: the last attempt returns or raises


def _refuse_operations_in_progress(repo: Repository) -> None:
    for marker, operation in _OPERATIONS_IN_PROGRESS.items():
        if (repo.git_dir / marker).exists():
            raise OperationInProgressError(operation)


def _experiment_ref(baseline: str, name: str | None, force: bool, taken: set[str]) -> ExpRef:
    if name is None:
        return ExpRef(baseline, random_name(taken))
    exp = ExpRef(baseline, check_experiment_name(name))
    if exp.name in taken and not force:
        raise ExperimentExistsError(exp)
    return exp


def _write_workspace_tree(
    repo: Repository,
    include: Iterable[str | os.PathLike[str]],
    max_size: int,
    kept: Path | None = None,
    contents: Mapping[Path, bytes] | None = None,
) -> tuple[str, tuple[str, ...]]:
    remove_stale_indexes(repo.git_dir)
    index = kept or temporary_index(repo.git_dir)
    user_index = repo.git_dir / "index"
    if user_index.exists():
        # copy2 keeps the mtime: Git then re-hashes files changed in the same second ("racy").
        shutil.copy2(user_index, index)  # its stat cache spares re-hashing unchanged files
    env = {"GIT_INDEX_FILE": str(index), "GIT_LITERAL_PATHSPECS": "1"}
    try:
        if not user_index.exists():
            repo.run(*_INDEX_CONFIG, "read-tree", "HEAD", env=env)
        _add_tracked(repo, env)
        untracked, skipped = _untracked_files(repo, max_size)
        _add_paths(repo, untracked, env, force=False)
        _add_paths(repo, _included_files(repo, include, max_size), env, force=True)
        _add_contents(repo, contents or {}, env)
        tree = repo.run(*_INDEX_CONFIG, "write-tree", env=env)
    finally:
        for leftover in (index, index.with_name(index.name + ".lock")):
            if leftover != kept:
                remove_quietly(leftover)
    if skipped:
        _warn_skipped(skipped, max_size)
    return tree, tuple(os.fsdecode(name) for name in skipped)


def remove_stale_indexes(git_dir: Path) -> list[str]:
    """Remove the temporary indexes (and locks) left by savers of this host that died.

    Each is named after its process, so one whose process is gone is nobody's. Returns the
    names removed.
    """
    try:
        names = os.listdir(git_dir)
    except OSError:
        return []
    host = _host()
    removed = []
    for name in names:
        found = _INDEX_NAME.fullmatch(name)
        if found and found.group(2) in (None, host) and not _process_exists(int(found.group(1))):
            remove_quietly(git_dir / name)
            removed.append(name)
    return removed


def _host() -> str:
    """This machine's name, in letters and digits: two hosts may share one repository."""
    return re.sub(r"[^A-Za-z0-9]", "", socket.gethostname())[:64]


def _process_exists(pid: int) -> bool:
    if pid == os.getpid() or os.name == "nt":  # Windows: os.kill(pid, 0) would signal it
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OverflowError:  # not a process id at all
        return False
    except OSError:  # PermissionError: another user's process
        return True
    return True


def _warn_skipped(skipped: Sequence[bytes], max_size: int) -> None:
    shown = [name.decode("utf-8", "backslashreplace") for name in skipped[:5]]
    warnings.warn(
        f"Left {len(skipped)} untracked file(s) over {max_size / 2**20:g} MB out of the "
        f"experiment: {', '.join(shown)}{' ...' if len(skipped) > 5 else ''}. "
        "Track large files with live.log_artifact(path) (stored in the DVC cache) instead.",
        LiveNbWarning,
        stacklevel=4,
    )


EDITOR_FOLDERS = (".ipynb_checkpoints", ".virtual_documents", "__pycache__")
"""Untracked folders of these names are never part of an experiment: an editor's droppings."""


def _untracked_files(repo: Repository, max_size: int) -> tuple[list[bytes], list[bytes]]:
    """Untracked, not ignored files: those to add, and those too large to add."""
    excludes = [f"--exclude={pattern}" for pattern in TEMPORARY_PATTERNS]
    excludes += [f"--exclude={folder}/" for folder in EDITOR_FOLDERS]
    output = repo.run_bytes("ls-files", "-z", "--others", "--exclude-standard", *excludes)
    root = os.fsencode(repo.root)
    wanted: list[bytes] = []
    too_large: list[bytes] = []
    for relative in filter(None, output.split(b"\0")):
        if relative.endswith(b"/"):
            continue  # a nested repository: not part of this repository's tree
        try:
            size = os.lstat(os.path.join(root, relative)).st_size
        except OSError:
            continue  # deleted since it was listed
        (too_large if size > max_size else wanted).append(relative)
    return wanted, too_large


def included_files(
    repo: Repository,
    include: Iterable[str | os.PathLike[str]],
    max_size: int = DEFAULT_MAX_UNTRACKED_SIZE,
) -> list[bytes]:
    """The files ``include_in_tree`` adds for ``include`` (relative to the root, as bytes)."""
    return _included_files(repo, include, max_size)


def _included_files(
    repo: Repository, include: Iterable[str | os.PathLike[str]], max_size: int
) -> list[bytes]:
    """Files and links under the ``include`` paths, minus outputs tracked by a ``.dvc`` file."""
    root = repo.root.resolve()
    files: list[bytes] = []
    tracked: dict[Path, bool] = {}  # folders looked at: each is stat'ed once per call
    for entry in include:
        target = _without_resolving_last(entry)
        if target is None or not os.path.lexists(target):
            continue
        try:
            target.relative_to(root)
        except ValueError as error:
            raise OutsideRepositoryError(target, repo.root) from error
        real_folder = target.is_dir() and not target.is_symlink()
        for file in sorted(_walk_files(target)) if real_folder else [target]:
            if _small_enough(file, max_size) and not _tracked_by_dvc(file, root, tracked):
                files.append(os.fsencode(file.relative_to(root).as_posix()))
    return files


def _without_resolving_last(entry: str | os.PathLike[str]) -> Path | None:
    """``entry`` with its folders resolved: a link is kept as a link. None under a link loop."""
    absolute = Path(os.path.abspath(entry))
    try:
        return absolute.parent.resolve() / absolute.name
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop, before Python 3.13
        return None


def _small_enough(file: Path, max_size: int) -> bool:
    try:
        return file.lstat().st_size <= max_size
    except OSError:
        return False  # vanished since it was listed


def _walk_files(folder: Path) -> Iterator[Path]:
    """Files and symlinks under ``folder`` (a link to a folder is a link: not followed)."""
    for current, folders, names in os.walk(folder):
        here = Path(current)
        links = [name for name in folders if (here / name).is_symlink()]
        skipped = (".git", ".dvc", *EDITOR_FOLDERS, *links)
        folders[:] = [name for name in folders if name not in skipped]
        for name in (*names, *links):
            if not is_temporary(name):
                yield here / name


def _tracked_by_dvc(file: Path, root: Path, memo: dict[Path, bool]) -> bool:
    """Whether ``file`` or a folder above it (below ``root``) has a ``.dvc`` file beside it."""
    if file == root or file == file.parent:
        return False
    if file.with_name(file.name + ".dvc").is_file():
        return True
    parent = file.parent
    if parent not in memo:
        memo[parent] = _tracked_by_dvc(parent, root, memo)
    return memo[parent]


def _add_tracked(repo: Repository, env: dict[str, str]) -> None:
    """``git add --update``, again when a tracked file vanished while Git read it."""
    for attempt in range(_ATTEMPTS):
        try:
            repo.run(*_INDEX_CONFIG, "add", "--update", env=env)
            return
        except GitCommandError as error:
            if attempt == _ATTEMPTS - 1 or not _vanished(error):
                raise


def _add_paths(repo: Repository, paths: Sequence[bytes], env: dict[str, str], force: bool) -> None:
    """``git add`` of ``paths``; those that vanish meanwhile are left out, as if never listed."""
    arguments = [*_INDEX_CONFIG, "add", "--pathspec-from-file=-", "--pathspec-file-nul"]
    if force:
        arguments.append("--force")
    root = os.fsencode(repo.root)
    for attempt in range(_ATTEMPTS):
        present = [path for path in paths if os.path.lexists(os.path.join(root, path))]
        if not present:
            return
        try:
            repo.run(*arguments, env=env, input=b"\0".join(present))
            return
        except GitCommandError as error:
            if _ignored_meanwhile(error):
                return  # another run's log_artifact ignored it since: left out, as Git ignores it
            # A file gone (maybe back already) between listing it and Git reading it: again.
            if attempt == _ATTEMPTS - 1 or not _vanished(error):
                raise
        paths = present


def _add_contents(repo: Repository, contents: Mapping[Path, bytes], env: dict[str, str]) -> None:
    """Each of ``contents``' bytes as a blob at its path in the index (the file is not read)."""
    root = repo.root.resolve()
    for path, data in contents.items():
        target = _without_resolving_last(path)
        try:
            relative = (target or path).relative_to(root).as_posix()
        except ValueError as error:
            raise OutsideRepositoryError(Path(path), repo.root) from error
        blob = repo.run("hash-object", "-w", "--stdin", f"--path={relative}", input=data)
        cacheinfo = f"100644,{blob},{relative}"
        repo.run(*_INDEX_CONFIG, "update-index", "--add", "--cacheinfo", cacheinfo, env=env)


def _ignored_meanwhile(error: GitCommandError) -> bool:
    """Git skipped only files ignored since they were listed, and added the rest (exit 1)."""
    return error.status == 1 and _IGNORED_MEANWHILE in error.stderr


def _vanished(error: GitCommandError) -> bool:
    return any(text in error.stderr for text in _VANISHED)


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
