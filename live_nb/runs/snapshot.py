"""A run's files: the workspace's snapshot written out in a private folder, and read back.

The snapshot is the tree ``save`` would commit (tracked changes, untracked files Git does not
ignore), built in a temporary index: the user's HEAD, index and working tree stay as they are.
A run's folder lives under ``.git/live_nb/runs/<id>/work``: inside the repository, outside
its working tree, where Git never looks for the user's files. After the run, its folder is
read back into a tree in another temporary index.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from live_nb.error import LiveNbError
from live_nb.git import Repository

__all__ = ["ArchiveError", "materialise", "result_tree", "runs_folder", "safe_member"]


def runs_folder(git_dir: Path) -> Path:
    """``.git/live_nb/runs``: where each run gets a folder of its own."""
    return git_dir / "live_nb" / "runs"


def materialise(repo: Repository, tree: str, destination: Path, paths: Sequence[str] = ()) -> None:
    """Write ``tree``'s files (those under ``paths``, when given) into ``destination``.

    Through ``git archive``; links are kept as links, and members leaving ``destination``
    are left out (:func:`safe_member`).
    """
    destination.mkdir(parents=True, exist_ok=True)
    limited = ["--", *paths] if paths else []
    archive = subprocess.Popen(
        ["git", "archive", "--format=tar", tree, *limited],
        cwd=repo.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert archive.stdout is not None
    with tarfile.open(fileobj=archive.stdout, mode="r|") as tar:
        for member in tar:
            safe = safe_member(member, destination)
            if safe is not None:
                tar.extract(safe, destination, filter="fully_trusted")
    _, error = archive.communicate()
    if archive.wait() != 0:
        raise ArchiveError(tree, error.decode("utf-8", "replace"))


class ArchiveError(LiveNbError, RuntimeError):
    """``git archive`` could not write a tree's files."""

    def __init__(self, tree: str, detail: str) -> None:
        super().__init__(f"Cannot read {tree[:12]}'s files from Git: {detail.strip()}")


def safe_member(member: tarfile.TarInfo, destination: Path) -> tarfile.TarInfo | None:
    """The member if it stays inside ``destination`` (links included); else None, left out."""
    try:
        return tarfile.data_filter(member, str(destination))
    except tarfile.FilterError:
        if member.issym():
            return None  # a link leaving the snapshot: not followed into the user's files
        raise


def result_tree(
    repo: Repository, work: Path, base_tree: str, index: Path, force: Iterable[str] = ()
) -> str:
    """The tree of ``work`` after the run: ``base_tree`` updated with every change in it.

    Files ``work``'s ``.gitignore`` ignores are left out, except under the ``force`` paths
    (the run's output folders, which Live writes whether or not they are ignored).
    """
    env = {"GIT_INDEX_FILE": str(index), "GIT_LITERAL_PATHSPECS": "1"}
    tree_args = ("-c", "core.splitIndex=false", "--work-tree", str(work))
    try:
        repo.run(*tree_args, "read-tree", base_tree, env=env)
        repo.run(*tree_args, "add", "--all", env=env)
        present = [path for path in force if os.path.lexists(work / path)]
        if present:
            repo.run(*tree_args, "add", "--force", "--", *present, env=env)
        return repo.run(*tree_args, "write-tree", env=env)
    finally:
        for leftover in (index, index.with_name(index.name + ".lock")):
            if leftover.exists():
                leftover.unlink()


def remove_folder(folder: Path) -> None:
    """Remove a run's folder, whatever it holds (read-only files included)."""

    def make_writable(function: object, path: str, _: object) -> None:
        os.chmod(path, 0o700)
        os.remove(path) if not os.path.isdir(path) else shutil.rmtree(path)

    shutil.rmtree(folder, onerror=make_writable)
