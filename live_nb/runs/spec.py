"""What one run is: the snapshot, the notebook or command, its settings, its name.

A :class:`RunSpec` is plain data, written as JSON into the queue and read back by the process
that executes it, on this machine or another.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from live_nb.runs.params import Setting
from live_nb.runs.resolve import Placement

__all__ = ["NOTEBOOK", "SCRIPT", "RunSpec", "new_run_id"]

NOTEBOOK = "notebook"
SCRIPT = "script"


def new_run_id() -> str:
    """A queue entry's id: sortable by the time it was made, unique without coordination."""
    return f"{time.time_ns():019d}-{secrets.token_hex(3)}"


@dataclass
class RunSpec:
    """One run of a notebook (``target``) or a command, at one point of a grid."""

    id: str
    name: str
    kind: str
    baseline: str
    tree: str
    target: str | None = None
    command: list[str] = field(default_factory=list)
    settings: list[Setting] = field(default_factory=list)
    placements: dict[str, Placement] = field(default_factory=dict)
    message: str | None = None
    timeout: float | None = None
    run_cache: bool = True
    live_dirs: list[str] = field(default_factory=lambda: ["dvclive"])
    signature: str | None = None
    resume: dict[str, Any] | None = None  # a ResumePoint's data (``--resume-from``)
    reset: bool = False  # ``--reset``: start over, whatever the snapshot holds
    queued_at: float = field(default_factory=time.time)

    def describe_target(self) -> str:
        """The notebook's path, or the command as typed."""
        return self.target if self.kind == NOTEBOOK and self.target else " ".join(self.command)

    def params_text(self) -> str:
        """The settings as ``-S`` items, space separated."""
        return " ".join(setting.text() for setting in self.settings)

    def placement_map(self) -> dict[tuple[str | None, str], Placement]:
        """The placements keyed as :func:`~live_nb.runs.resolve.apply_point` wants them."""
        mapping: dict[tuple[str | None, str], Placement] = {}
        for setting in self.settings:
            mapping[(setting.file, setting.key)] = self.placements[_key(setting)]
        return mapping

    def to_json(self) -> str:
        """The spec as JSON text."""
        data = asdict(self)
        data["placements"] = {key: asdict(value) for key, value in self.placements.items()}
        return json.dumps(data, indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> RunSpec:
        """Read a spec written by :meth:`to_json`."""
        data: dict[str, Any] = json.loads(text)
        data["settings"] = [Setting(**item) for item in data.get("settings", [])]
        data["placements"] = {k: Placement(**v) for k, v in data.get("placements", {}).items()}
        known = set(cls.__dataclass_fields__)
        return cls(**{key: value for key, value in data.items() if key in known})


def placement_key(setting: Setting) -> str:
    """The text key of a setting's placement in :attr:`RunSpec.placements`."""
    return _key(setting)


def _key(setting: Setting) -> str:
    return f"{setting.file or ''}:{setting.key}"
