"""What the integrations share: which ``Live`` they log into, and who ends it."""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Collection, Mapping
from typing import Any

from live_nb.error import LiveNbWarning
from live_nb.live import Live, active_live


class LiveHandle:
    """The ``Live`` an integration logs into, and whether the integration ends it.

    A ``Live`` passed by the user is ended when training ends, as DVCLive ends it.
    Without one, the ``live`` of the running ``%%live`` cell is used and left to the
    cell to end; outside a cell, a new ``Live(**live_kwargs)`` is made and ended.
    """

    def __init__(self, live: Live, ends: bool, made: bool = False) -> None:
        self.live = live
        self.ends = ends
        self.made = made
        """Whether the integration made ``live`` itself, from its ``**kwargs``."""

    @classmethod
    def choose(
        cls, live: Live | None, live_kwargs: Mapping[str, Any], integration: str
    ) -> LiveHandle:
        """Pick the ``Live`` for ``integration`` (a class name, for the warning)."""
        if live is not None:
            return cls(live, ends=True)
        cell_live = active_live()
        if cell_live is None:
            return cls(Live(**live_kwargs), ends=True, made=True)
        if live_kwargs:
            warnings.warn(
                f"live_nb: inside %%live, {integration} logs into the cell's `live`, so "
                f"{', '.join(sorted(live_kwargs))} {'is' if len(live_kwargs) == 1 else 'are'} "
                "ignored. Pass live=Live(...) to log somewhere else.",
                LiveNbWarning,
                stacklevel=3,
            )
        return cls(cell_live, ends=False)

    def end(self) -> None:
        """End the run, unless it belongs to the ``%%live`` cell."""
        if self.ends:
            self.live.end()


def called_from(functions: Collection[str]) -> bool:
    """Whether a function named in ``functions`` is among the callers of the caller."""
    frame = inspect.currentframe()
    while frame is not None:
        if frame.f_code.co_name in functions:
            return True
        frame = frame.f_back
    return False


def split_prefixes(name: str, replacements: Mapping[str, str]) -> str:
    """``name`` with each key of ``replacements`` replaced by its value, in order."""
    for old, new in replacements.items():
        name = name.replace(old, new)
    return name
