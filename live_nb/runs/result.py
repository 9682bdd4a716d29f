"""How a run ended, phrased once for the CLI, the magic and the queue's status."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["CACHED", "RunResult"]

CACHED = "cached"


@dataclass
class RunResult:
    """A finished run: its status, the experiment it saved, and why it failed if it did.

    ``status`` is ``ok``, ``error``, ``killed`` or ``cached`` (restored from the run-cache,
    ``restored_from`` naming the experiment reused).
    """

    id: str
    name: str
    status: str
    experiment: str | None = None
    commit: str | None = None
    error: str | None = None
    duration: float = 0.0
    restored_from: str | None = None
    params: str = ""

    @property
    def ok(self) -> bool:
        """Whether the run succeeded (or was restored from a successful one)."""
        return self.status in ("ok", CACHED)

    def describe(self) -> str:
        """One sentence: what ran, how it ended, and where the experiment is."""
        saved = f"experiment {self.experiment} ({(self.commit or '')[:7]})"
        params = f" [{self.params}]" if self.params else ""
        if self.status == CACHED:
            source = self.restored_from
            return f"Restored {saved}{params} from the run-cache: same inputs as {source}"
        if self.status == "ok":
            return f"Ran {saved}{params} in {self.duration:.1f}s"
        verb = "was killed" if self.status == "killed" else "failed"
        where = f"; saved as {saved}" if self.experiment else "; nothing saved"
        return f"Run {self.name}{params} {verb}: {self.error or 'no reason given'}{where}"

    def to_dict(self) -> dict[str, Any]:
        """The result as plain data (for ``--json``)."""
        return asdict(self)

    def to_json(self) -> str:
        """The result as JSON text."""
        return json.dumps(self.to_dict(), indent=1, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunResult:
        """Read what :meth:`to_dict` wrote."""
        known = set(cls.__dataclass_fields__)
        return cls(**{key: value for key, value in data.items() if key in known})
