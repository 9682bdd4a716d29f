"""The files that make a checkpoint worth resuming (a model, an optimizer's state).

Declared once (``log_artifact(path, checkpoint=True)``, ``--checkpoint-file``), they are put
in DVC's cache at every checkpoint, as ``log_artifact`` puts them, and their ``.dvc`` files go
into the checkpoint's commit. A declared file that does not exist yet is waited for: it is
warned about once, and cached from the first checkpoint that finds it.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

from live_nb.error import LiveNbWarning
from live_nb.formats import artifacts

__all__ = ["DeclaredFiles"]


class DeclaredFiles:
    """The declared checkpoint files of one run, and the ``.dvc`` files caching them."""

    def __init__(self) -> None:
        """No file declared yet."""
        self._paths: dict[Path, Path] = {}  # absolute path -> its DVC project's root
        self._shown: dict[Path, str] = {}  # absolute path -> as the user wrote it
        self._warned: set[Path] = set()
        self.dvc_files: set[Path] = set()
        self.steps: dict[Path, int] = {}  # the step of each file's cached content

    def declare(self, path: str | os.PathLike[str]) -> None:
        """Cache ``path`` at every checkpoint from now on."""
        absolute = Path(os.path.abspath(path))
        root = self._paths.setdefault(absolute, artifacts.find_dvc_root(Path.cwd()))
        self._shown.setdefault(absolute, os.fspath(path))
        artifacts.ignore_output(absolute, root)  # never a Git blob, even before it exists

    @property
    def paths(self) -> list[Path]:
        """The declared paths, absolute, in the order declared."""
        return list(self._paths)

    def warn_missing(self) -> None:
        """Warn once about each declared file that does not exist (yet)."""
        for path in self._paths:
            if path not in self._warned and not path.exists():
                self._warned.add(path)
                warnings.warn(
                    f"live_nb: the checkpoint file {self._shown[path]!r} does not exist yet; "
                    "checkpoints leave it out until it does. Write it before live.next_step() "
                    "so that each checkpoint holds the file of its step.",
                    LiveNbWarning,
                    stacklevel=4,
                )

    def signatures(self) -> dict[Path, artifacts.Signature | None]:
        """Each declared file's signature now (a ``stat`` each): the content a checkpoint wants."""
        return {path: artifacts.signature(path) for path in self._paths}

    def cache(
        self, expected: dict[Path, artifacts.Signature | None] | None = None, step: int = 0
    ) -> list[Path]:
        """Cache the declared files as ``expected``; the ``.dvc`` files of all cached so far.

        ``expected`` holds each file's signature at ``step`` (the end of a step: files
        written before ``next_step`` are whole then). A file changed since is left out,
        keeping the ``.dvc`` file of an earlier step (:attr:`steps` says which); a file is
        read once and never replaced in the working tree.
        """
        for path, root in self._paths.items():
            wanted = None if expected is None else expected.get(path)
            if wanted is None and (expected is not None or not path.exists()):
                continue
            try:
                entry = artifacts.snapshot_artifact(path, root, wanted)
            except (artifacts.ArtifactChangedError, FileNotFoundError):
                continue
            self.steps[path] = step
            self.dvc_files.update({entry.dvc_file, entry.dvc_file.parent / ".gitignore"})
        return sorted(self.dvc_files)
