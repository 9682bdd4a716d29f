"""Where a run happens, as DVC sees it: a stage DVC runs, a DVC project, or neither.

Inside ``dvc repro`` and ``dvc exp run`` (DVC sets ``DVC_ROOT`` for the stage's command), DVC
saves the experiment and caches the stage's outputs, so ``Live`` saves no experiment of its
own and adds no ``.dvc`` file for a stage output, as DVCLive does. In a DVC project, DVC's
VS Code extension follows the run through the signal files of :mod:`live_nb.formats.vscode`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from live_nb import env
from live_nb.formats import dvcyaml
from live_nb.formats.files import folders_up


@dataclass(frozen=True)
class DvcRun:
    """Which DVC command runs this process, and in which DVC project.

    ``command``: "exp" (``dvc exp run``), "repro" (``dvc repro``), or None (not a stage);
    ``project``: the DVC project's root (``DVC_ROOT``, or the nearest folder up with a
    ``.dvc`` folder), None outside one.
    """

    command: str | None
    project: Path | None

    @classmethod
    def detect(cls, start: Path | None = None) -> DvcRun:
        """The DVC context of a run started in ``start`` (the current directory)."""
        root = os.environ.get(env.DVC_ROOT)
        if root:
            command = "exp" if os.environ.get(env.DVC_EXP_BASELINE_REV) else "repro"
            return cls(command, Path(root).absolute())
        return cls(None, _nearest_project(start or Path.cwd()))

    @property
    def in_stage(self) -> bool:
        """True when DVC runs this process as a stage's command (and saves the results)."""
        return self.command is not None

    def output_stage(self, path: Path) -> str | None:
        """The stage whose ``outs``/``metrics``/``plots`` declare ``path``, or None.

        DVC caches such a path when the stage runs; a ``.dvc`` file for it would make the
        next ``dvc repro`` fail ("output is specified in" two places).
        """
        if self.project is None:
            return None
        return dvcyaml.output_stage(path, _dvc_files_around(path.absolute(), self.project))


def _nearest_project(start: Path) -> Path | None:
    start = start.absolute()
    return next((folder for folder in folders_up(start) if (folder / ".dvc").is_dir()), None)


def _dvc_files_around(path: Path, project: Path) -> list[Path]:
    """The ``dvc.yaml`` files that may declare ``path``.

    Those in its folders up to the project's root, and in the current directory.
    """
    folders = [folder for folder in path.parents if folder == project or project in folder.parents]
    candidates = [Path.cwd() / "dvc.yaml", *(folder / "dvc.yaml" for folder in folders)]
    return [file for file in dict.fromkeys(candidates) if file.is_file()]
