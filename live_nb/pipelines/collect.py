"""Every ``dvc.yaml`` of the project, as DVC collects them: the root's and those in sub-folders.

The walk leaves out ``.git`` and ``.dvc``, nested Git repositories, and what the root's
``.dvcignore`` names (each line a pattern: without ``/`` matched against a folder's name,
with one against its path from the root; ``#`` comments and ``!`` negations are not read).
The root's ``dvc.yaml`` comes first, then the others by path.
"""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path

__all__ = ["collect_dvcfiles"]

DVCFILE = "dvc.yaml"
_SKIPPED = frozenset({".git", ".dvc"})


def _ignored_patterns(root: Path) -> list[str]:
    try:
        lines = (root / ".dvcignore").read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []
    return [line.strip().strip("/") for line in lines if line.strip() and line[0] not in "#!"]


def _ignored(relpath: str, name: str, patterns: list[str]) -> bool:
    return any(
        fnmatch.fnmatch(relpath if "/" in pattern else name, pattern) for pattern in patterns
    )


def collect_dvcfiles(root: Path) -> list[str]:
    """The ``dvc.yaml`` files under ``root``, as root-relative POSIX paths."""
    patterns = _ignored_patterns(root)
    found: list[str] = []
    for folder, dirs, files in os.walk(root):
        relative = Path(folder).relative_to(root).as_posix()
        prefix = "" if relative == "." else f"{relative}/"
        dirs[:] = sorted(
            d
            for d in dirs
            if d not in _SKIPPED
            and not os.path.exists(os.path.join(folder, d, ".git"))
            and not _ignored(f"{prefix}{d}", d, patterns)
        )
        if DVCFILE in files:
            found.append(f"{prefix}{DVCFILE}")
    return sorted(found, key=lambda path: (path != DVCFILE, path))
