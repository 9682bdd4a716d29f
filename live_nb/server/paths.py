"""Folders named by the browser, resolved under the Jupyter server's root directory.

The browser names a folder (or a file, whose folder is meant) relative to the server's
``root_dir``, with ``/`` between parts, as JupyterLab's file browser does. A path that is
absolute, has a ``..`` part, or resolves (symlinks followed) outside the root is refused:
nothing the sidebar reads or changes lies outside the folder Jupyter serves.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from live_nb.error import LiveNbError

__all__ = [
    "FolderNotFoundError",
    "PathRefusedError",
    "inside",
    "resolve_folder",
    "resolve_inside",
]


class PathRefusedError(LiveNbError, PermissionError):
    """The path would leave the folder Jupyter serves."""

    def __init__(self, path: str, why: str) -> None:
        """Name the path and why it is refused."""
        self.path = path
        super().__init__(
            f"The path {path!r} is refused: {why}. Name a folder inside the one Jupyter serves, "
            "relative to it (as the file browser shows it)."
        )


class FolderNotFoundError(LiveNbError, FileNotFoundError):
    """The path names nothing."""

    def __init__(self, path: str) -> None:
        """Name the missing path."""
        self.path = path
        super().__init__(f"There is no folder or file {path!r} in the folder Jupyter serves.")


def inside(target: Path, root: Path) -> bool:
    """Whether ``target`` is ``root`` or lies under it (both already resolved)."""
    return target == root or root in target.parents


def resolve_inside(root_dir: str | os.PathLike[str], path: str) -> Path:
    """The real path that ``path`` (relative to ``root_dir``) names, which may not exist.

    Raises :class:`PathRefusedError` for an absolute path, a ``..`` part, a NUL byte, a
    backslash or a symlink out of the root.
    """
    if "\0" in path:
        raise PathRefusedError(path, "it holds a NUL character")
    if "\\" in path:
        raise PathRefusedError(path, "it holds a backslash; separate folders with /")
    relative = PurePosixPath(path)
    if relative.is_absolute() or (path[1:3] == ":/" and path[:1].isalpha()):
        raise PathRefusedError(path, "it is absolute")
    if ".." in relative.parts:
        raise PathRefusedError(path, "it goes up with '..'")
    root = Path(root_dir).resolve()
    target = root.joinpath(*relative.parts).resolve()
    if not inside(target, root):
        raise PathRefusedError(path, "it leads out of the served folder through a symlink")
    return target


def resolve_folder(root_dir: str | os.PathLike[str], path: str) -> Path:
    """The real folder that ``path`` (relative to ``root_dir``) names; a file names its folder.

    Raises as :func:`resolve_inside` does, and :class:`FolderNotFoundError` when nothing is
    there.
    """
    target = resolve_inside(root_dir, path)
    if not target.exists():
        raise FolderNotFoundError(path)
    return target if target.is_dir() else target.parent
