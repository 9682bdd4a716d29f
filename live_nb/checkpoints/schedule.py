"""When a checkpoint is due: every step, every N steps, or at most once per interval."""

from __future__ import annotations

import re
from dataclasses import dataclass

from live_nb.error import LiveNbError

__all__ = ["InvalidCheckpointScheduleError", "Schedule"]

_INTERVAL = re.compile(r"(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>s|m|min|h)")
_SECONDS = {"s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}


class InvalidCheckpointScheduleError(LiveNbError, ValueError):
    """A ``checkpoint=`` value that is no step count and no interval."""

    def __init__(self, value: object) -> None:
        """Name the value, and the forms accepted."""
        super().__init__(
            f"Invalid checkpoint schedule {value!r}: use True (every step), a number of steps "
            "(5: every 5 steps) or an interval ('60s', '10m', '1h': at most that often)."
        )


@dataclass(frozen=True)
class Schedule:
    """Every ``steps`` steps, or (``seconds`` set) at the first step and then at most that often."""

    steps: int = 1
    seconds: float | None = None

    @classmethod
    def parse(cls, value: object) -> Schedule | None:
        """``True``/``""`` every step, ``5``/``"5"`` every 5 steps, ``"60s"`` a minute apart.

        ``None`` and ``False`` mean no schedule (``live.checkpoint()`` still makes one).
        """
        if value is None or value is False:
            return None
        if value is True or value == "":
            return cls()
        if isinstance(value, int) and value > 0:
            return cls(steps=value)
        if isinstance(value, str):
            text = value.strip().lower()
            if text.isdigit() and int(text) > 0:
                return cls(steps=int(text))
            found = _INTERVAL.fullmatch(text)
            if found:
                return cls(seconds=float(found["number"]) * _SECONDS[found["unit"]])
        raise InvalidCheckpointScheduleError(value)

    def due(self, steps_done: int, now: float, last: float | None) -> bool:
        """Whether one is due after ``steps_done`` steps (``last``: the previous one's time)."""
        if self.seconds is not None:
            return last is None or now - last >= self.seconds
        return steps_done % self.steps == 0
