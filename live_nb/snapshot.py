"""What a :class:`~live_nb.Live` has logged so far, as a read-only copy (``Live.snapshot()``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class LoggedPlot:
    """A custom or sklearn plot: its JSON file and its dvc.yaml config."""

    path: Path
    config: Mapping[str, Any]
    sklearn: str | None  # the sklearn kind ("roc", "confusion_matrix"...), None for log_plot

    @property
    def kind(self) -> str:
        """``"sklearn"`` or ``"custom"``, the folder under ``plots/`` it is written to."""
        return "sklearn" if self.sklearn else "custom"


@dataclass(frozen=True)
class LiveSnapshot:
    """A run's logged names and files at one moment; copies, so safe to keep and to read.

    ``steps_done`` counts the completed steps (``summary["step"] + 1`` once a step
    ended): the charts end at ``steps_done - 1``.
    """

    dir: Path
    step: int
    steps_done: int
    params: Mapping[str, Any]
    summary: Mapping[str, Any]
    metrics: Mapping[str, Path]
    images: Mapping[str, Path]
    plots: Mapping[str, LoggedPlot]


def copy_nested(data: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of nested dictionaries, safe while another thread assigns values.

    Each level is copied in one step (one C call while the GIL is held).
    """
    copied = dict(data)  # one C-level copy: atomic while the GIL is held
    for key, value in copied.items():
        if isinstance(value, dict):
            copied[key] = copy_nested(value)
    return copied
