"""Applying an experiment to the working tree, without ever losing uncommitted work.

``apply`` makes the working tree hold the experiment's files. It never moves HEAD,
never touches a branch and never changes what is staged (the index file is not
written at all), unlike ``dvc exp apply``, which checks the experiment out, resets
the index (unstaging the user's staged changes) and overwrites uncommitted edits.
The resulting files and ``git status`` are the same as DVC's on a clean workspace:

* every file of the experiment commit whose content, type or executable bit differs
  from the working tree is written, with Git's checkout filters applied (what
  ``git checkout`` would write), through a temporary file renamed over the old one;
* a file the experiment deleted (present in its baseline, absent from its commit) is
  removed when HEAD tracks it; untracked files are never removed for that reason, and
  files the experiment neither has nor deleted (added to HEAD after its baseline,
  untracked notes...) stay as they are. Folders left empty are removed, as Git does;
* a file or folder standing where the experiment needs a folder or a file is removed;
* the outputs of the experiment's ``.dvc`` files are restored from the DVC cache when
  apply changes the ``.dvc`` file or an output is missing (``restore_artifact``).

A path is *in the way* when apply would overwrite or remove it and its content is
not committed anywhere: it differs from HEAD (staged or not), is untracked or is
ignored, and no experiment commit holds that same content at that path. (The last
rule keeps switching between experiments saved from this workspace free: their
outputs are safe in their experiment commits.) An artifact output is in the way
when its content is in neither the experiment nor the DVC cache. Apply refuses
before changing anything while something is in the way, naming it. With
``force=True`` such files are first committed, with a temporary index and HEAD as
parent, under ``refs/live_nb/backup/<UTC time>-<experiment>`` (outside
``refs/exps``, so DVC neither lists nor clears it), and un-cached artifact content
is copied into the DVC cache; :attr:`ApplyResult.restore_command` says how to get
them back.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import secrets
import shlex
import shutil
import stat
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from live_nb.error import LiveNbError, LiveNbWarning
from live_nb.experiments.names import join_first
from live_nb.experiments.refs import BACKUP_NAMESPACE, list_refs, require_head, resolve
from live_nb.experiments.save import EDITOR_FOLDERS, commit_tree
from live_nb.formats.cachelink import cache_dir
from live_nb.git import (
    EXECUTABLE_MODE,
    GITLINK_MODE,
    REGULAR_MODE,
    SYMLINK_MODE,
    ZERO_SHA,
    RefChangedError,
    Repository,
)

__all__ = [
    "ApplyBlockedError",
    "ApplyResult",
    "UncommittedChangesError",
    "UnsafePathError",
    "apply",
]

_CHUNK = 1024 * 1024  # bytes read at a time to hash or copy an artifact
_MD5 = re.compile(r"[0-9a-f]{32}(\.dir)?")  # the name of an object in DVC's cache
_DRIVE = re.compile(r"[A-Za-z]:")  # C: in C:/x or C:x, a Windows drive
_OWN_FOLDERS = (".git", ".dvc")  # never written through a path from an experiment
_MAX_LINKS = 40  # symlinks followed in one path, as Linux allows


# --------------------------------------------------------------------------- errors


class UncommittedChangesError(LiveNbError, RuntimeError):
    """``apply`` would overwrite or remove work that is saved nowhere."""

    def __init__(self, name: str, paths: Sequence[str]) -> None:
        """List the files in the way, and the ways out."""
        self.name = name
        self.paths = tuple(paths)
        super().__init__(
            f"Applying experiment {name!r} would overwrite or delete uncommitted changes in "
            f"{len(paths)} file(s): {join_first(paths)}. Commit or stash them, or apply with "
            "--force (force=True) to first save them to a backup ref you can restore them from."
        )


class ApplyBlockedError(LiveNbError, RuntimeError):
    """Something apply cannot move aside safely, even with ``force``."""

    def __init__(self, name: str, path: str, reason: str) -> None:
        """Say what stands at ``path`` and why apply cannot set it aside."""
        self.name = name
        self.path = path
        super().__init__(
            f"Cannot apply experiment {name!r}: {path!r} {reason}. Move it elsewhere, then apply "
            "again."
        )


class UnsafePathError(ApplyBlockedError):
    """The experiment names a path outside the working tree: apply changes nothing.

    ``source`` says where the path comes from: the experiment's tree, a ``.dvc``
    file's ``outs``, or the ``.dir`` manifest of a folder in DVC's cache.
    """

    def __init__(self, name: str, path: str, source: str, reason: str) -> None:
        """Name the experiment, the path and where it comes from."""
        self.name = name
        self.path = path
        self.source = source
        super(ApplyBlockedError, self).__init__(
            f"Refusing to apply experiment {name!r}: {source} names {path!r}, which {reason}. "
            "Nothing was changed. (An experiment pulled from elsewhere can name any path: "
            "look at it with `git show` before applying it.)"
        )


@dataclass(frozen=True)
class ApplyResult:
    """What ``apply`` did; paths are relative to the repository root, with '/'."""

    name: str
    baseline: str
    commit: str
    root: str
    written: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    restored_artifacts: tuple[str, ...] = ()
    missing_artifacts: tuple[str, ...] = ()
    backup_ref: str | None = None
    backup_commit: str | None = None
    backed_up: tuple[str, ...] = ()
    # (artifact path, cache object) of artifact content that was in no cache before apply.
    cached_artifacts: tuple[tuple[str, str], ...] = ()
    # Files apply would have changed but left as they are, because they were asked to be kept.
    kept: tuple[str, ...] = ()

    @property
    def restore_command(self) -> str | None:
        """The shell command that puts the backed-up files back, or None without a backup."""
        if not self.backed_up or self.backup_ref is None:
            return None
        paths = " ".join(shlex.quote(path) for path in self.backed_up)
        return (
            f"git -C {shlex.quote(self.root)} restore --source={shlex.quote(self.backup_ref)} "
            f"--worktree -- {paths}"
        )

    def describe(self, kept_why: str = "it is open in an editor") -> str:
        """What apply did to the user's files, and how to get back the work it set aside.

        Lines of text in the user's terms: which files now hold the experiment's version, which
        were deleted, which were left alone and why (``kept_why``: why ``keep`` named them).
        """
        if not (self.written or self.removed or self.restored_artifacts):
            lines = [
                f"Your working tree already has the files of experiment {self.name!r}: "
                "nothing was changed."
            ]
        else:
            done = []
            if self.written:
                done.append(
                    f"{len(self.written)} file(s) now hold its version "
                    f"({join_first(list(self.written))})"
                )
            if self.removed:
                done.append(
                    f"{len(self.removed)} file(s) it does not have were deleted "
                    f"({join_first(list(self.removed))})"
                )
            if self.restored_artifacts:
                done.append(
                    f"{len(self.restored_artifacts)} artifact output(s) were restored from "
                    "the DVC cache"
                )
            lines = [
                f"Applied experiment {self.name!r} ({self.commit[:7]}) to your working tree: "
                + "; ".join(done)
                + ". HEAD, branches and staged changes are unchanged."
            ]
        if self.kept:
            lines.append(
                f"Not changed, so your version stays: {join_first(list(self.kept))} "
                f"({kept_why}; the experiment's version differs)."
            )
        if self.restore_command:
            lines.append(
                f"Before that, your uncommitted changes to {len(self.backed_up)} file(s) were "
                f"saved in {self.backup_ref} ({(self.backup_commit or '')[:7]}). Get them back "
                f"with:\n    {self.restore_command}"
            )
        if self.cached_artifacts:
            lines.append(
                "Artifact content that was in no cache was first copied into the DVC cache:"
            )
            lines.extend(
                f"    {artifact} -> {cached}" for artifact, cached in self.cached_artifacts
            )
        return "\n".join(lines)


@dataclass
class _Plan:
    """What apply will do, worked out before anything is changed."""

    writes: list[str] = field(default_factory=list)
    removals: set[str] = field(default_factory=set)
    folders: list[str] = field(default_factory=list)  # folders standing where a file goes
    conflicts: list[str] = field(default_factory=list)
    dvc_files: list[str] = field(default_factory=list)  # .dvc files whose outputs to restore
    # (output as in a .dvc file, path relative to the root, with '/') of dvc.lock outputs.
    lock_outputs: list[tuple[dict[str, str], str]] = field(default_factory=list)
    missing_artifacts: list[str] = field(default_factory=list)
    # (path relative to the root, md5, cache folder) of artifact content in no cache.
    artifact_conflicts: list[tuple[str, str, Path]] = field(default_factory=list)


def apply(
    name: str,
    path: str | os.PathLike[str] = ".",
    force: bool = False,
    keep: Iterable[str | os.PathLike[str]] = (),
    only: Iterable[str | os.PathLike[str]] | None = None,
) -> ApplyResult:
    """Put experiment ``name``'s files into the working tree (see the module's notes).

    Raises :class:`UncommittedChangesError`, changing nothing, when files with work
    saved nowhere are in the way; with ``force`` they are backed up first. Files in
    ``keep`` (paths relative to the current folder, or absolute), such as a notebook
    open in an editor, are neither written nor removed; the result lists those that
    would have changed. ``only`` (paths as ``keep``'s) limits apply to the files and
    folders listed, as resuming a checkpoint restores its output folder and model alone.
    HEAD, branches and the index are never changed.
    """
    with Repository.discover(path) as repo:
        head = require_head(repo)
        exp, commit = resolve(repo, name)
        fetch_problem = _fetch_artifacts(repo, exp.name, commit)
        limit = None if only is None else _relative_paths(only, repo.root)
        plan = _plan_apply(repo, head, commit, exp.name, limit)
        kept = _keep_out(plan, _relative_paths(keep, repo.root))
        in_the_way = sorted({*plan.conflicts, *(p for p, _, _ in plan.artifact_conflicts)})
        if in_the_way and not force:
            raise UncommittedChangesError(exp.name, in_the_way)
        backup_ref = backup_commit = None
        backed_up: list[str] = []  # what Git can hold: a link, not the files beyond it
        if plan.conflicts:
            backed_up = _not_beyond_links(repo.root, sorted(plan.conflicts))
            backup_ref, backup_commit = _back_up(repo, head, exp.name, backed_up)
        cached = tuple(
            (relative, str(_keep_in_cache(repo.root / relative, cache).relative_to(repo.root)))
            for relative, _, cache in plan.artifact_conflicts
        )
        _change_working_tree(repo, commit, plan)
        restored, missing = _restore_artifacts(repo, plan)
        if missing:
            warnings.warn(
                f"Experiment {exp.name!r} is applied, but the content of {len(missing)} "
                f"artifact(s) is not in the local DVC cache: {join_first(missing)}. "
                + (fetch_problem or _how_to_fetch(repo, exp.name)),
                LiveNbWarning,
                stacklevel=2,
            )
        return ApplyResult(
            name=exp.name,
            baseline=exp.baseline,
            commit=commit,
            root=str(repo.root),
            written=tuple(sorted(plan.writes)),
            removed=tuple(sorted(plan.removals)),
            restored_artifacts=tuple(restored),
            missing_artifacts=tuple(missing),
            backup_ref=backup_ref,
            backup_commit=backup_commit,
            backed_up=tuple(backed_up),
            cached_artifacts=cached,
            kept=kept,
        )


def _fetch_artifacts(repo: Repository, name: str, commit: str) -> str | None:
    """Fetch the experiment's artifacts the cache lacks from the default DVC remote.

    Returns why that failed (to tell the user), or None.
    """
    from live_nb import remotes
    from live_nb.formats.artifacts import find_dvc_root

    try:
        remotes.fetch_missing(find_dvc_root(repo.root), [(name, commit)])
    except LiveNbError as error:
        return f"Fetching them from the default DVC remote failed: {error}"
    return None


def _how_to_fetch(repo: Repository, name: str) -> str:
    """Which command fetches an experiment's artifacts, naming the configured remotes."""
    from live_nb import remotes
    from live_nb.formats.artifacts import find_dvc_root

    try:
        known = sorted(remotes.load_config(find_dvc_root(repo.root)).remotes)
    except LiveNbError:
        known = []
    if not known:
        return (
            "No DVC remote is configured: add the one it was pushed to with "
            f"`live-nb remote add -d NAME URL`, then run `live-nb pull {shlex.quote(name)}`."
        )
    return (
        f"No default DVC remote is set: fetch them with `live-nb pull -r NAME "
        f"{shlex.quote(name)}` (configured remotes: {', '.join(known)}), then apply again."
    )


def _editor_dropping(relative: str) -> bool:
    """Whether ``relative`` lies in a folder editors make (``.ipynb_checkpoints``...)."""
    return any(folder in EDITOR_FOLDERS for folder in relative.split("/")[:-1])


def _relative_paths(paths: Iterable[str | os.PathLike[str]], root: Path) -> set[str]:
    """``paths`` relative to ``root`` with '/', leaving out those outside it."""
    relative = set()
    resolved_root = root.resolve()
    for path in paths:
        absolute = Path(os.path.abspath(path))
        for base in (root, resolved_root):
            with contextlib.suppress(ValueError):
                relative.add(absolute.relative_to(base).as_posix())
    return relative


def _keep_out(plan: _Plan, keep: set[str]) -> tuple[str, ...]:
    """Take the files in ``keep`` out of ``plan``; those it would have changed, sorted."""
    kept = {*keep.intersection(plan.writes), *keep.intersection(plan.removals)}
    plan.writes = [relative for relative in plan.writes if relative not in keep]
    plan.removals -= keep
    plan.conflicts = [relative for relative in plan.conflicts if relative not in keep]
    plan.lock_outputs = [
        (out, lock) for out, lock in plan.lock_outputs if _join(lock, out["path"]) not in keep
    ]
    return tuple(sorted(kept))


def _plan_apply(
    repo: Repository, head: str, commit: str, name: str, only: set[str] | None = None
) -> _Plan:
    tree = _WorkingTree.read(repo, head, commit)
    if only is not None:
        tree.limit_to(only)
    check = _PathCheck(repo, tree.theirs, name)
    check.tree_paths()
    plan = _Plan()
    to_compare = _plan_writes(tree, plan)
    suspects = _compare_contents(repo, tree, to_compare, plan)
    plan.removals = _plan_removals(repo, tree, plan, name)
    for relative in plan.removals:
        check.removal(relative)
    unknown = [relative for relative in plan.removals if not tree.clean(relative)]
    suspects.update((relative, sha) for relative, (sha, _) in _current_blobs(repo, unknown).items())
    plan.conflicts = sorted(_saved_nowhere(repo, head, suspects))
    _plan_artifacts(repo, tree.theirs, plan, check)
    _plan_lock_outputs(repo, tree.theirs, plan, check)
    return plan


class _PathCheck:
    r"""Refuses, before apply changes anything, every path that would lead out of the tree.

    A path leaves the tree when it is absolute (``/x``, ``C:/x``, ``\\server\x``), climbs
    above the root with ``..`` (``\`` counts as ``/``, as DVC on Windows reads it), or passes
    through a symlink pointing outside: one the experiment writes, or one of the working
    tree that apply leaves in place.
    """

    def __init__(self, repo: Repository, theirs: dict[str, tuple[str, str]], name: str) -> None:
        self.root = repo.root
        self.name = name
        self._theirs = theirs
        self._folders = {parent for relative in theirs for parent in _parents(relative)}
        links = {relative: sha for relative, (mode, sha) in theirs.items() if mode == SYMLINK_MODE}
        contents = repo.objects().read_many(links.values()) if links else {}
        self._links = {
            relative: os.fsdecode(found[1])
            for relative, sha in links.items()
            if (found := contents.get(sha)) is not None
        }

    def tree_paths(self) -> None:
        """Refuse a tree entry Git itself would not check out (``..``, ``.git``...)."""
        for relative in self._theirs:
            parts = re.split(r"[/\\]", relative)
            if any(part == ".." or part.casefold() == ".git" for part in parts):
                raise UnsafePathError(
                    self.name, relative, "its Git tree", "is not a path inside the working tree"
                )

    def removal(self, relative: str) -> None:
        """Refuse removing a file reached through a symlink pointing outside the tree."""
        if _follow(relative, self._current_link, self.root) is None:
            raise UnsafePathError(
                self.name,
                relative,
                "its list of deleted files",
                "is reached through a symlink out of the working tree",
            )

    def path(self, path: str, source: str, base: str = "") -> Path:
        """The working-tree path ``path`` (relative to folder ``base``) names, once checked."""
        reason = None
        joined = f"{base}/{path}" if base else path
        followed = _follow(joined, self._future_link, self.root)
        if _is_absolute(path):
            reason = "is an absolute path, outside the working tree"
        elif _follow(joined, lambda _: None, self.root) is None:
            reason = "leaves the working tree"
        elif followed is None:
            reason = "leads out of the working tree through a symlink"
        elif not followed:
            reason = "is the working tree itself"
        elif any(part.casefold() in _OWN_FOLDERS for part in followed.split("/")):
            reason = "is inside Git's or DVC's own folder"
        if reason is not None:
            raise UnsafePathError(self.name, path, source, reason)
        return self.root / str(followed)

    def md5(self, md5: str, source: str) -> None:
        """Refuse a cache object name that is not an MD5 hash (it would be a path)."""
        if not _MD5.fullmatch(md5):
            raise UnsafePathError(
                self.name, md5, source, "is not the MD5 hash DVC names its cache objects by"
            )

    def _future_link(self, relative: str) -> str | None:
        """The target of the symlink at ``relative`` once the experiment's files are written."""
        if relative in self._theirs:
            return self._links.get(relative)
        if relative in self._folders:
            return None  # apply puts a folder there, in place of whatever stands there now
        return self._current_link(relative)

    def _current_link(self, relative: str) -> str | None:
        try:
            return os.readlink(self.root / relative)
        except OSError:
            return None


def _parents(relative: str) -> Iterator[str]:
    parts = relative.split("/")
    for end in range(1, len(parts)):
        yield "/".join(parts[:end])


def _is_absolute(path: str) -> bool:
    return path.startswith(("/", "\\")) or bool(_DRIVE.match(path))


def _follow(path: str, link: Callable[[str], str | None], root: Path) -> str | None:
    """``path`` followed from the root, through the symlinks ``link`` finds, as the OS will.

    Returns it relative to the root with '/' ('' for the root), or None when it leaves the
    tree. Its last part is not followed: a file written there replaces a symlink.
    """
    if _is_absolute(path):
        return None
    pending = re.split(r"[/\\]", path)
    done: list[str] = []
    links = 0
    while pending:
        part = pending.pop(0)
        if part in ("", "."):
            continue
        if part == "..":
            if not done:
                return None
            done.pop()
            continue
        done.append(part)
        target = link("/".join(done)) if any(p not in ("", ".") for p in pending) else None
        if target is None:
            continue
        links += 1
        done.pop()
        if links > _MAX_LINKS:
            return None
        if target.startswith("/"):
            inside = _under_root(target, root)
            if inside is None:
                return None
            done, target = [], inside
        pending = target.split("/") + pending
    return "/".join(done)


def _under_root(target: str, root: Path) -> str | None:
    """An absolute symlink target as a path relative to the root, or None when outside it."""
    for base in dict.fromkeys((str(root), str(root.resolve()))):
        if target == base or target.startswith(base.rstrip("/") + "/"):
            return target[len(base) :]
    return None


@dataclass
class _WorkingTree:
    """What apply compares: HEAD's files, the experiment's, and the working tree's state."""

    ours: dict[str, tuple[str, str]]  # HEAD's files: path -> (mode, object)
    theirs: dict[str, tuple[str, str]]  # the experiment's
    deleted: list[str]  # files the experiment deleted from its baseline
    dirty: set[str]  # paths that differ from HEAD, untracked ones included
    untracked: set[str]
    kinds: _Kinds

    @classmethod
    def read(cls, repo: Repository, head: str, commit: str) -> _WorkingTree:
        """The state of ``repo`` for applying experiment ``commit`` on top of ``head``."""
        dirty, untracked = _changed_paths(repo)
        baseline = repo.rev_parse(f"{commit}^1")
        deleted = _deleted_paths(repo, baseline, commit) if baseline else []
        ours, theirs = _tree_entries(repo, head), _tree_entries(repo, commit)
        return cls(ours, theirs, deleted, dirty, untracked, _Kinds(repo.root))

    def limit_to(self, only: set[str]) -> None:
        """Leave out of the experiment's files (and those it deleted) all but ``only``."""

        def wanted(relative: str) -> bool:
            return relative in only or any(parent in only for parent in _parents(relative))

        self.theirs = {path: entry for path, entry in self.theirs.items() if wanted(path)}
        self.deleted = [path for path in self.deleted if wanted(path)]

    def clean(self, relative: str) -> bool:
        """Whether ``relative`` is in HEAD, unchanged in the working tree."""
        return relative in self.ours and relative not in self.dirty


def _plan_writes(tree: _WorkingTree, plan: _Plan) -> dict[str, str]:
    """Plan the writes known without hashing; return the files to compare by content.

    The files to compare map their path to the experiment's mode.
    """
    to_compare: dict[str, str] = {}
    for relative, (mode, _) in tree.theirs.items():
        if mode == GITLINK_MODE:
            continue  # submodules are left to `git submodule update`
        if relative not in tree.ours and _editor_dropping(relative):
            continue  # saved by an older live_nb: the editor's copy is the one to keep
        if tree.clean(relative):
            if tree.ours[relative] != tree.theirs[relative]:
                plan.writes.append(relative)
            continue
        kind = tree.kinds.get(relative)
        if kind is None:
            plan.writes.append(relative)
        elif kind == "dir":
            plan.writes.append(relative)
            plan.folders.append(relative)
        else:
            to_compare[relative] = mode
    return to_compare


def _compare_contents(
    repo: Repository, tree: _WorkingTree, to_compare: dict[str, str], plan: _Plan
) -> dict[str, str | None]:
    """Plan the writes of the files that differ; return those whose content may be lost.

    Those map their path to their current blob (None when it cannot be read).
    """
    current = _current_blobs(repo, to_compare)
    suspects: dict[str, str | None] = {}
    for relative, mode in to_compare.items():
        sha, current_mode = current.get(relative, (None, None))
        if sha == tree.theirs[relative][1] and (current_mode == SYMLINK_MODE) == (
            mode == SYMLINK_MODE
        ):
            if current_mode != mode:
                plan.writes.append(relative)  # only the executable bit differs: nothing is lost
            continue
        plan.writes.append(relative)
        suspects[relative] = sha
    return suspects


def _plan_removals(repo: Repository, tree: _WorkingTree, plan: _Plan, name: str) -> set[str]:
    """The files to remove: deleted by the experiment, or in the way of what it writes.

    In the way: a file where the experiment needs a folder, or files in a folder where it
    has a file.
    """
    removals: set[str] = set()
    for relative in tree.deleted:
        if (
            relative in tree.ours
            and relative not in tree.untracked
            and tree.kinds.get(relative) in ("file", "link")
        ):
            removals.add(relative)  # tracked: committed, or modified and checked below
    for relative in plan.writes:
        obstacle = _file_above(relative, tree.kinds)
        if obstacle is not None:
            removals.add(obstacle)
    for folder in plan.folders:
        removals.update(_files_in_folder(repo.root, folder, name))
    return removals


class _Kinds:
    """Cached ``lstat`` of working-tree paths: None, "dir", "link" or "file"."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._seen: dict[str, str | None] = {}

    def get(self, relative: str) -> str | None:
        if relative not in self._seen:
            try:
                mode = os.lstat(self._root / relative).st_mode
            except (FileNotFoundError, NotADirectoryError):
                kind = None
            else:
                kind = "dir" if stat.S_ISDIR(mode) else "link" if stat.S_ISLNK(mode) else "file"
            self._seen[relative] = kind
        return self._seen[relative]


def _file_above(relative: str, kinds: _Kinds) -> str | None:
    """A file or symlink standing where ``relative`` needs a parent folder."""
    parts = relative.split("/")
    for end in range(1, len(parts)):
        parent = "/".join(parts[:end])
        kind = kinds.get(parent)
        if kind is None:
            return None
        if kind != "dir":
            return parent
    return None


def _files_in_folder(root: Path, folder: str, name: str) -> set[str]:
    """Every file and symlink under ``folder``, which stands where the experiment has a file."""
    found = set()
    for current, folders, files in os.walk(root / folder):
        if ".git" in folders or ".git" in files:
            raise ApplyBlockedError(
                name, folder, "holds a Git repository, where the experiment has a file"
            )
        here = Path(current)
        for entry in [*files, *(f for f in folders if (here / f).is_symlink())]:
            found.add((here / entry).relative_to(root).as_posix())
    return found


def _changed_paths(repo: Repository) -> tuple[set[str], set[str]]:
    """Paths that differ from HEAD (staged or not), are unmerged or untracked; the untracked."""
    output = repo.run(
        "status",
        "--porcelain=v2",
        "-z",
        "--untracked-files=all",
        "--no-renames",
        "--ignore-submodules=all",
        env={"GIT_OPTIONAL_LOCKS": "0"},  # don't refresh (write) the user's index
        strip=False,
    )
    found: set[str] = set()
    untracked: set[str] = set()
    records = iter(output.split("\0"))
    for record in records:
        if record.startswith("1 "):
            found.add(record.split(" ", 8)[8])
        elif record.startswith("2 "):
            found.add(record.split(" ", 9)[9])
            found.add(next(records, ""))
        elif record.startswith("u "):
            found.add(record.split(" ", 10)[10])
        elif record.startswith(("? ", "! ")):
            found.add(record[2:])
            untracked.add(record[2:])
    found.discard("")
    return found, untracked


def _tree_entries(repo: Repository, revision: str) -> dict[str, tuple[str, str]]:
    """Map each path to ``(mode, object)``: every file, symlink and submodule of a commit."""
    output = repo.run("ls-tree", "-r", "-z", "--full-tree", revision, strip=False)
    entries = {}
    for record in output.split("\0"):
        meta, tab, relative = record.partition("\t")
        if tab:
            mode, _, sha = meta.split(" ")
            entries[relative] = (mode, sha)
    return entries


def _deleted_paths(repo: Repository, baseline: str, commit: str) -> list[str]:
    output = repo.run(
        "diff-tree",
        "-r",
        "-z",
        "--no-renames",
        "--name-only",
        "--diff-filter=D",
        baseline,
        commit,
        strip=False,
    )
    return [relative for relative in output.split("\0") if relative]


def _current_blobs(
    repo: Repository, paths: Iterable[str]
) -> dict[str, tuple[str | None, str | None]]:
    """Map each path to (the blob id Git would give it now, its mode), or (None, None)."""
    result: dict[str, tuple[str | None, str | None]] = {}
    regular: list[tuple[str, str]] = []
    algorithm = "sha256" if len(repo.head() or "") == 64 else "sha1"
    for relative in paths:
        target = repo.root / relative
        try:
            info = os.lstat(target)
        except OSError:
            result[relative] = (None, None)
            continue
        if stat.S_ISLNK(info.st_mode):
            data = os.fsencode(os.readlink(target))
            digest = hashlib.new(algorithm, b"blob %d\0" % len(data) + data).hexdigest()
            result[relative] = (digest, SYMLINK_MODE)
        elif stat.S_ISREG(info.st_mode) and "\n" not in relative:
            mode = EXECUTABLE_MODE if info.st_mode & stat.S_IXUSR else REGULAR_MODE
            regular.append((relative, mode))
        else:
            result[relative] = (None, None)
    if regular:
        # --stdin-paths reads a line starting with '"' as a C-quoted path.
        lines = [
            _c_quote(relative) if relative.startswith('"') else relative for relative, _ in regular
        ]
        output = repo.run("hash-object", "--stdin-paths", input="\n".join(lines).encode("utf-8"))
        for (relative, mode), sha in zip(regular, output.splitlines()):
            result[relative] = (sha, mode)
    return result


def _c_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _saved_nowhere(repo: Repository, head: str, suspects: dict[str, str | None]) -> set[str]:
    """The paths whose current content is neither in HEAD nor in any experiment at that path."""
    if not suspects:
        return set()
    commits = [head, *dict.fromkeys(sha for _, sha in list_refs(repo))]
    asked = [
        (relative, commit) for relative in suspects if "\n" not in relative for commit in commits
    ]
    request = "".join(f"{commit}:{relative}\n" for relative, commit in asked).encode("utf-8")
    output = repo.run("cat-file", "--batch-check=%(objectname)", input=request) if asked else ""
    saved = {
        relative
        for (relative, _), answer in zip(asked, output.splitlines())
        if suspects[relative] is not None and answer == suspects[relative]
    }
    return set(suspects) - saved


def _plan_artifacts(
    repo: Repository, theirs: dict[str, tuple[str, str]], plan: _Plan, check: _PathCheck
) -> None:
    """Which ``.dvc`` outputs to restore, which lack cache content, which are in the way."""
    from live_nb.formats.artifacts import find_dvc_root

    written = set(plan.writes)
    dvc_files = {
        relative: sha
        for relative, (mode, sha) in theirs.items()
        if relative.endswith(".dvc")
        and mode in (REGULAR_MODE, EXECUTABLE_MODE)
        and ".dvc" not in relative.split("/")[:-1]
    }
    if not dvc_files:
        return
    contents = repo.objects().read_many(dvc_files.values())
    for relative, sha in sorted(dvc_files.items()):
        found = contents.get(sha)
        outs = _outs(found[1]) if found else []
        folder = (repo.root / relative).parent
        targets = _out_targets(check, relative, outs, changed=relative in written)
        if not targets:
            continue  # no outputs, or the user's own .dvc file names outputs outside: left alone
        if relative not in written and all(os.path.lexists(t) for _, t in targets):
            continue  # neither the .dvc file nor its outputs change
        dvc_root = find_dvc_root(folder)
        in_the_way = _artifacts_in_the_way(check, relative, dvc_root, targets)
        if in_the_way is None:
            plan.missing_artifacts.append(relative)
            continue
        plan.artifact_conflicts.extend(in_the_way)
        plan.dvc_files.append(relative)


def _plan_lock_outputs(
    repo: Repository, theirs: dict[str, tuple[str, str]], plan: _Plan, check: _PathCheck
) -> None:
    """Which outputs of the experiment's ``dvc.lock`` stages to check out of the DVC cache.

    As for ``.dvc`` files: an output is restored when apply writes its ``dvc.lock`` or the
    output is missing; one Git holds in the experiment (``cache: false``, or committed) is
    Git's to write; a path out of the tree is refused when the ``dvc.lock`` changes.
    """
    from live_nb.formats.artifacts import find_dvc_root
    from live_nb.remotes.used import outputs_in

    wanted = {
        relative: sha
        for relative, (mode, sha) in theirs.items()
        if relative.rpartition("/")[2] in ("dvc.lock", "dvc.yaml")
        and mode in (REGULAR_MODE, EXECUTABLE_MODE)
    }
    if not any(relative.endswith("dvc.lock") for relative in wanted):
        return
    contents = repo.objects().read_many(wanted.values())
    files = {rel: found[1] for rel, sha in wanted.items() if (found := contents.get(sha))}
    written = set(plan.writes)
    for output in outputs_in(files, ""):
        lock = output.source.partition(" (stage ")[0]
        if output.path in theirs or any(path.startswith(output.path + "/") for path in theirs):
            continue  # in the experiment's Git tree: written with its other files
        folder = lock.rpartition("/")[0]
        out = {"md5": output.oid.md5, "path": output.path.removeprefix(f"{folder}/" * bool(folder))}
        if not output.oid.legacy:
            out["hash"] = "md5"
        targets = _out_targets(check, lock, [out], changed=lock in written)
        if not targets or (lock not in written and os.path.lexists(targets[0][1])):
            continue
        dvc_root = find_dvc_root((repo.root / lock).parent)
        in_the_way = _artifacts_in_the_way(check, lock, dvc_root, targets)
        if in_the_way is None:
            plan.missing_artifacts.append(f"{output.path} ({lock})")
            continue
        plan.artifact_conflicts.extend(in_the_way)
        plan.lock_outputs.append((out, lock))


def _out_targets(
    check: _PathCheck, dvc_file: str, outs: list[dict[str, str]], changed: bool
) -> list[tuple[dict[str, str], Path]]:
    """(output, checked working-tree path) of each output of ``dvc_file`` (or ``dvc.lock``).

    A path out of the tree is refused when the experiment changes the file naming it; in
    one it leaves as it is (the user's own), it only means there is nothing to restore.
    """
    base = dvc_file.rpartition("/")[0]
    targets = []
    for out in outs:
        try:
            check.md5(out["md5"], f"{dvc_file} (outs: md5)")
            targets.append((out, check.path(out["path"], f"{dvc_file} (outs: path)", base)))
        except UnsafePathError:
            if changed:
                raise
            return []
    return targets


def _artifacts_in_the_way(
    check: _PathCheck, dvc_file: str, dvc_root: Path, targets: list[tuple[dict[str, str], Path]]
) -> list[tuple[str, str, Path]] | None:
    """(path, md5, cache folder) of the output files whose content is in no cache.

    None when the cache lacks some of the outputs' content, so they cannot be restored.
    """
    root, name = check.root, check.name
    cache_root = cache_dir(dvc_root / ".dvc")
    in_the_way: list[tuple[str, str, Path]] = []
    for out, target in targets:
        cache = cache_root / "files" / "md5" if out.get("hash") == "md5" else cache_root
        if out["md5"].endswith(".dir") and os.path.lexists(target) and not target.is_dir():
            shown = _relative(target, root)
            raise ApplyBlockedError(name, shown, "is a file where an artifact is a folder")
        source = f"the manifest {out['md5']} of {dvc_file}'s output {out['path']!r}"
        files = _cached_files(cache, out["md5"], target, _Member(check, target, source))
        if files is None:
            return None
        for wanted, workspace in files:
            kind = _kind_of(workspace)
            if kind == "dir":
                shown = _relative(workspace, root)
                raise ApplyBlockedError(name, shown, "is a folder where an artifact is a file")
            if kind is None:
                continue
            current = _md5(workspace)
            if current != wanted and not _object(cache, current).is_file():
                in_the_way.append((_relative(workspace, root), current, cache))
    return in_the_way


def _outs(content: bytes) -> list[dict[str, str]]:
    """The outputs of a ``.dvc`` file that have an md5 and a path; [] when it cannot be read."""
    from live_nb.formats.yaml import load_yaml

    try:
        data = load_yaml(content.decode("utf-8"))
    except Exception:  # an unreadable .dvc file is DVC's business, not a reason to stop
        return []
    outs = data.get("outs") if isinstance(data, dict) else None
    if not isinstance(outs, list):
        return []
    return [
        out
        for out in outs
        if isinstance(out, dict)
        and isinstance(out.get("md5"), str)
        and isinstance(out.get("path"), str)
    ]


@dataclass(frozen=True)
class _Member:
    """Checks the ``relpath`` of a file in a ``.dir`` manifest: the path it names, or refuses."""

    check: _PathCheck
    folder: Path
    source: str

    def __call__(self, relpath: str, md5: str) -> Path:
        self.check.md5(md5, self.source)
        return self.check.path(relpath, self.source, _relative(self.folder, self.check.root))


def _relative(target: Path, root: Path) -> str:
    return target.relative_to(root).as_posix()


def _kind_of(target: Path) -> str | None:
    try:
        mode = os.lstat(target).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return None
    return "dir" if stat.S_ISDIR(mode) else "link" if stat.S_ISLNK(mode) else "file"


def _object(cache: Path, md5: str) -> Path:
    return cache / md5[:2] / md5[2:]


def _cached_files(
    cache: Path, md5: str, target: Path, member: Callable[[str, str], Path]
) -> list[tuple[str, Path]] | None:
    """(md5, workspace path) of every file of an output; None when the cache lacks one.

    ``member`` checks each file of a folder's manifest before anything else is looked at.
    """
    manifest = _object(cache, md5)
    if not manifest.is_file():
        return None
    if not md5.endswith(".dir"):
        return [(md5, target)]
    try:
        items = json.loads(manifest.read_bytes())
    except ValueError:
        return None
    entries = [
        item
        for item in (items if isinstance(items, list) else [])
        if isinstance(item, dict)
        and isinstance(item.get("md5"), str)
        and isinstance(item.get("relpath"), str)
    ]
    if len(entries) != (len(items) if isinstance(items, list) else 0):
        return None
    files = [(item["md5"], member(item["relpath"], item["md5"])) for item in entries]
    if not all(_object(cache, wanted).is_file() for wanted, _ in files):
        return None
    return files


def _md5(target: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(target, "rb") as source:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _keep_in_cache(target: Path, cache: Path) -> Path:
    """Copy ``target`` into the DVC cache under its md5 (read-only, as DVC keeps objects)."""
    cache.mkdir(parents=True, exist_ok=True)
    temp = cache / f".live_nb-{secrets.token_hex(8)}.tmp"
    digest = hashlib.md5(usedforsecurity=False)
    try:
        with open(target, "rb") as source, open(temp, "xb") as copy:
            while chunk := source.read(_CHUNK):
                digest.update(chunk)
                copy.write(chunk)
        temp.chmod(0o444)
        destination = _object(cache, digest.hexdigest())
        destination.parent.mkdir(parents=True, exist_ok=True)
        if destination.is_file():
            temp.unlink()
        else:
            os.replace(temp, destination)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        raise
    return destination


@contextlib.contextmanager
def _temporary_index(repo: Repository, purpose: str) -> Iterator[dict[str, str]]:
    """The environment for Git commands on a fresh index file of our own, removed afterwards."""
    index = repo.git_dir / f"live_nb-{purpose}-index-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        yield {"GIT_INDEX_FILE": str(index), "GIT_LITERAL_PATHSPECS": "1"}
    finally:
        for leftover in (index, index.with_name(index.name + ".lock")):
            leftover.unlink(missing_ok=True)


def _not_beyond_links(root: Path, paths: Sequence[str]) -> list[str]:
    """``paths`` less those inside a folder that is a symbolic link: Git keeps the link."""
    kept = []
    for relative in paths:
        parents = Path(relative).parents
        if not any((root / parent).is_symlink() for parent in parents if parent != Path(".")):
            kept.append(relative)
    return kept


def _back_up(repo: Repository, head: str, name: str, paths: Sequence[str]) -> tuple[str, str]:
    """Commit the current content of ``paths`` on top of HEAD; return (ref, commit)."""
    with _temporary_index(repo, "backup") as env:
        repo.run("read-tree", head, env=env)
        repo.run(
            "add",
            "--force",
            "--pathspec-from-file=-",
            "--pathspec-file-nul",
            env=env,
            input="\0".join(paths).encode("utf-8"),
        )
        tree = repo.run("write-tree", env=env)
    listing = "\n".join(f"    {relative}" for relative in paths)
    message = (
        f"live_nb: work set aside before applying experiment {name}\n\n"
        f"Files changed in the working tree and replaced by the experiment:\n{listing}\n"
    )
    commit = commit_tree(repo, tree, head, message)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    for attempt in range(1, 1000):
        ref = f"{BACKUP_NAMESPACE}/{stamp}-{name}" + (f"-{attempt}" if attempt > 1 else "")
        try:
            repo.update_ref(ref, commit, ZERO_SHA, f"live_nb: back up before applying {name}")
        except RefChangedError:
            continue  # another backup took this name in the same second
        return ref, commit
    raise RuntimeError("no free backup ref name")  # pragma: no cover - 999 backups in a second


def _change_working_tree(repo: Repository, commit: str, plan: _Plan) -> None:
    """Write ``plan.writes`` from ``commit`` and remove ``plan.removals``; never the index."""
    root = repo.root
    stage = repo.git_dir / f"live_nb-apply-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        if plan.writes:
            # Git writes the files (filters, modes, symlinks) into a folder of ours first...
            with _temporary_index(repo, "apply") as env:
                repo.run("read-tree", commit, env=env)
                repo.run(
                    "checkout-index",
                    f"--prefix={stage}{os.sep}",
                    "-z",
                    "--stdin",
                    env=env,
                    input="\0".join(plan.writes).encode("utf-8"),
                )
        for relative in sorted(plan.removals, reverse=True):
            with contextlib.suppress(FileNotFoundError):
                (root / relative).unlink()
        for folder in plan.folders:
            _remove_empty_folders(root / folder)
        for relative in plan.removals:
            _remove_empty_parents(root / relative, root)
        # ...then each one is renamed over the old file: no one sees a half-written file.
        for relative in plan.writes:
            target = root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            _move_into_place(stage / relative, target)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _remove_empty_folders(folder: Path) -> None:
    for current, _, _ in sorted(os.walk(folder), key=lambda entry: -len(entry[0])):
        with contextlib.suppress(OSError):
            os.rmdir(current)


def _remove_empty_parents(removed: Path, root: Path) -> None:
    for parent in removed.parents:
        if parent == root or root not in parent.parents:
            return
        try:
            parent.rmdir()
        except OSError:
            return


def _move_into_place(source: Path, target: Path) -> None:
    try:
        os.replace(source, target)
    except OSError as error:
        if error.errno != errno.EXDEV:  # the Git folder is on another file system
            raise
        temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        if source.is_symlink():
            os.symlink(os.readlink(source), temp)
        else:
            shutil.copy2(source, temp)
        os.replace(temp, target)


def _restore_artifacts(repo: Repository, plan: _Plan) -> tuple[list[str], list[str]]:
    from live_nb.formats.artifacts import (
        InvalidDvcFileError,
        MissingCacheObjectError,
        restore_artifact,
        restore_outputs,
    )

    restored, missing = [], list(plan.missing_artifacts)
    for relative in plan.dvc_files:
        try:
            restore_artifact(repo.root / relative)
        except (MissingCacheObjectError, InvalidDvcFileError):
            missing.append(relative)
        else:
            restored.append(relative)
    for out, lock in plan.lock_outputs:
        try:
            lock_file = repo.root / lock
            restore_outputs([out], lock_file.parent, lock_file, ignore=True)
        except (MissingCacheObjectError, InvalidDvcFileError):
            missing.append(f"{_join(lock, out['path'])} ({lock})")
        else:
            restored.append(_join(lock, out["path"]))
    return restored, sorted(missing)


def _join(beside: str, path: str) -> str:
    """``path``, relative to the folder of file ``beside``, relative to the root."""
    folder = beside.rpartition("/")[0]
    return f"{folder}/{path}" if folder else path
