"""In a run of ``live-nb exp run``, a notebook's ``%%live`` cells make one run, saved once.

Interactively each ``%%live`` cell is its own experiment, so each starts its folder afresh.
Headless, the runner saves the run's folder as a single experiment when the whole notebook
has run: a later cell starting the folder afresh would silently throw the earlier cells'
results away. So a later cell writing to a folder an earlier cell of the same run wrote to
continues that run, as ``Live(resume=True)`` does (the steps go on; metrics, params, plots,
images and artifacts are kept, ``metrics.json`` holds them all), and a cell with a folder of
its own starts it as usual. Every folder of the run gets the execution record of every cell.

The kernel of a headless run runs one notebook for one run, so the loggers are kept in this
module for the kernel's life, under the run's id.
"""

from __future__ import annotations

import os
from pathlib import Path

from live_nb import env
from live_nb.live import Live

__all__ = ["continued_line", "earlier_logger", "remember", "run_folders"]

_LOGGERS: dict[tuple[str, Path], Live] = {}


def _run_id() -> str | None:
    return os.environ.get(env.LIVE_NB_RUN_ID) or None


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
        f"live_nb: this headless run's earlier %%live cell wrote to {live.dir}/: "
        f"this cell continues its run at step {live.step} (one experiment for the notebook)"
    )
