"""``live-nb run NOTEBOOK -p KEY=VALUE -o OUTPUT``: one notebook executed here, headless.

The notebook as a pipeline stage: its copy at ``OUTPUT`` gets the params (a ``%%live
--param`` default rewritten, or papermill's ``injected-parameters`` cell after the cell
tagged ``parameters``), then runs in a kernel of its own started in the current folder (as
papermill does, and as DVC runs a stage in its ``wdir``), through the same executor as
``exp run``'s notebooks, and is saved executed, outputs included. The notebook itself is
never changed, and no experiment is saved here (a pipeline's experiment is the repro's).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from live_nb.error import LiveNbError
from live_nb.pipelines.notebook import default_output
from live_nb.runs.execute import Outcome, RunControl, run_notebook
from live_nb.runs.params import Setting, parse_override
from live_nb.runs.resolve import LIVE, PARAMETERS, NotebookParams, Placement, apply_point
from live_nb.runs.resolve import read_notebook as read_document

__all__ = ["HeadlessRunError", "default_output", "execute_notebook", "parse_params"]


class HeadlessRunError(LiveNbError, ValueError):
    """A notebook, a ``-p`` or an output that ``live-nb run`` cannot use."""


def parse_params(items: Sequence[str]) -> list[Setting]:
    """``-p KEY=VALUE`` items as settings (values read as YAML, as ``%%live --param``)."""
    settings: list[Setting] = []
    for item in items:
        override = parse_override(item)
        if override.file is not None or override.op != "set" or len(override.values) != 1:
            raise HeadlessRunError(
                f"-p {item}: give one KEY=VALUE (no file:, +, ~ or sweeps: "
                "`live-nb exp run` runs grids)"
            )
        settings.append(override.settings()[0])
    return settings


def _placements(
    settings: Sequence[Setting], params: NotebookParams, name: str
) -> dict[tuple[str | None, str], Placement]:
    placements: dict[tuple[str | None, str], Placement] = {}
    for setting in settings:
        if setting.key in params.live:
            placements[(None, setting.key)] = Placement(LIVE)
        elif params.parameters_cell is not None:
            placements[(None, setting.key)] = Placement(PARAMETERS)
        else:
            raise HeadlessRunError(
                f"-p {setting.text()}: {name} has no `%%live --param {setting.key}=...` and no "
                "cell tagged 'parameters' to inject it after; tag the cell that sets defaults"
            )
    return placements


def _scratch(work: Path) -> Path | None:
    """Where the kernel's connection files go: the project's ``.dvc/tmp`` if it has one.

    (DVC's scratch folder, ignored by Git); else the system's temporary folder.
    """
    from live_nb.formats.artifacts import find_dvc_root

    scratch = find_dvc_root(work) / ".dvc" / "tmp"
    if scratch.parent.is_dir():
        scratch.mkdir(exist_ok=True)
        return scratch
    return None


def execute_notebook(
    notebook: Path,
    settings: Sequence[Setting] = (),
    output: Path | None = None,
    cwd: Path | None = None,
    log: TextIO | None = None,
) -> Outcome:
    """Execute ``notebook`` with ``settings`` injected; the executed copy is ``output``."""
    output = output or Path(default_output(str(notebook)))
    if output.resolve() == notebook.resolve():
        raise HeadlessRunError(
            f"-o {output}: the executed copy would replace the notebook; give another path"
        )
    document = read_document(notebook)  # one readable error for a missing or broken file
    placements = _placements(settings, NotebookParams.of(document), str(notebook))
    output.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(notebook, output)
    apply_point(settings, placements, output.parent, output.name)
    work = (cwd or Path.cwd()).resolve()
    with tempfile.TemporaryDirectory(prefix="live-nb-kernel-", dir=_scratch(work)) as private:
        return run_notebook(output, work, Path(private), log or sys.stdout, RunControl())
