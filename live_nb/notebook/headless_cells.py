"""A notebook run that is saved once: its ``%%live`` cells make one run, not one each.

Interactively each ``%%live`` cell is its own experiment, so each starts its folder afresh.
Run headless by ``live-nb exp run``, the runner saves the run's folder as a single
experiment when the whole notebook has run; run as a pipeline stage's command (``DVC_ROOT``
set: ``live-nb run`` under ``dvc repro``, ``dvc exp run`` or ``live-nb repro``), the stage's
outputs are the folder and DVC saves the experiment, if any. There a later cell starting
the folder afresh would silently throw the earlier cells' results away, and a cell saving
an experiment of its own would split the run. So a cell saves none, and a later cell
writing to a folder an earlier cell of the same run wrote to continues that run, as
``Live(resume=True)`` does (the steps go on; metrics, params, plots, images and artifacts
are kept, ``metrics.json`` holds them all); a cell with a folder of its own starts it as
usual. Every folder of the run gets the execution record of every cell.

The kernel of such a run runs one notebook for one run, so the loggers are kept in this
module for the kernel's life, under the run's id.
"""

from __future__ import annotations

import os
from pathlib import Path

from live_nb import env
from live_nb.live import Live

__all__ = ["continued_line", "earlier_logger", "remember", "run_folders", "saved_elsewhere"]

_LOGGERS: dict[tuple[str, Path], Live] = {}


def _run_id() -> str | None:
    """The run this kernel's notebook is, when it is saved once; None interactively."""
    if os.environ.get(env.LIVE_NB_RUN_ID):
        return os.environ[env.LIVE_NB_RUN_ID]
    return "stage" if os.environ.get(env.DVC_ROOT) else None


def saved_elsewhere() -> str | None:
    """Why a ``%%live`` cell saves no experiment itself here, or None when it saves one."""
    if env.in_headless_run():
        return "live-nb exp run saves this run when the notebook ends"
    if not os.environ.get(env.DVC_ROOT):
        return None
    if os.environ.get(env.DVC_EXP_BASELINE_REV):
        return "dvc exp run saves this run when the stage ends"
    return "a pipeline stage's run: its outputs keep it (`dvc exp run` saves it as an experiment)"


def earlier_logger(folder: str) -> Live | None:
    """The logger of this headless run's last ``%%live`` cell that wrote to ``folder``."""
    run = _run_id()
    return _LOGGERS.get((run, Path(folder).absolute())) if run else None


def remember(live: Live) -> None:
    """Keep ``live`` as the logger a later cell of this headless run writing there continues."""
    run = _run_id()
    if run:
        _LOGGERS[(run, Path(live.dir).absolute())] = live


def run_folders() -> list[Path]:
    """Every output folder this headless run's ``%%live`` cells wrote to, in first-use order."""
    run = _run_id()
    return [folder for (owner, folder) in _LOGGERS if owner == run]


def continued_line(live: Live) -> str:
    """The line a continuing cell prints first, so no one takes its folder for a fresh one."""
    return (
        f"live_nb: an earlier %%live cell of this run wrote to {live.dir}/: this cell "
        f"continues its run at step {live.step} (the notebook is saved as one run)"
    )
