"""The signal files DVC's VS Code extension watches to follow a run, as DVCLive writes them.

``<dvc root>/.dvc/tmp/exps/run/DVCLIVE_ONLY`` (``{"exp_name", "pid"}``) exists while a
run that saves its own experiment goes on in a DVC project; ``DVCLIVE_STEP_COMPLETED``
(``{"pid", "step"}``) names the last completed step of a run in a DVC project (``DVC_ROOT``
under ``dvc exp run`` and ``dvc repro``, else the nearest ``.dvc`` folder up).
Both are JSON with sorted keys; both are removed when the run ends.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from live_nb.formats.files import atomic_write, remove_quietly

RUN_ONLY = "DVCLIVE_ONLY"
STEP_COMPLETED = "DVCLIVE_STEP_COMPLETED"


def _signal_file(root: Path, name: str) -> Path:
    return root / ".dvc" / "tmp" / "exps" / "run" / name


def _write(path: Path, content: dict[str, object]) -> None:
    atomic_write(path, json.dumps(content, sort_keys=True, ensure_ascii=False))


def mark_run_started(root: Path, exp_name: str) -> None:
    """A run that saves its own experiment started in the DVC project at ``root``."""
    _write(_signal_file(root, RUN_ONLY), {"exp_name": exp_name, "pid": os.getpid()})


def mark_step_completed(root: Path, step: int) -> None:
    """``step`` of a run in the DVC project at ``root`` is complete."""
    _write(_signal_file(root, STEP_COMPLETED), {"pid": os.getpid(), "step": step})


def clear(root: Path) -> None:
    """The run ended: remove both signal files (when they are this process's)."""
    for name in (RUN_ONLY, STEP_COMPLETED):
        path = _signal_file(root, name)
        try:
            owner = json.loads(path.read_text(encoding="utf-8")).get("pid")
        except (OSError, ValueError, AttributeError):
            continue
        if owner == os.getpid():
            remove_quietly(path)
