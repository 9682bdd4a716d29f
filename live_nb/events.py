"""What ``Live`` tells its observers, so that it never has to know who they are."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from live_nb.error import LiveNbWarning

EventKind = Literal["param", "metric", "image", "plot", "artifact", "step", "end"]


@dataclass(frozen=True, slots=True)
class LiveEvent:
    """One thing that was logged.

    ``name`` is the metric, parameter, image, plot or artifact name (``None`` for
    ``step`` and ``end``); ``value`` is what was logged: the metric value, the
    parameter value, the path of the written image or plot file, the artifact's
    path, or for ``end`` the final summary.
    """

    kind: EventKind
    name: str | None
    value: Any
    step: int


Observer = Callable[[LiveEvent], None]


class EventHub:
    """Calls each subscribed observer with every event, in subscription order.

    An observer that raises is unsubscribed with one warning: a broken view must
    never stop the training it watches.
    """

    def __init__(self) -> None:
        self.observers: list[Observer] = []

    def subscribe(self, observer: Observer) -> Callable[[], None]:
        """Call ``observer`` with every event from now on; returns the way to stop."""
        self.observers.append(observer)

        def unsubscribe() -> None:
            if observer in self.observers:
                self.observers.remove(observer)

        return unsubscribe

    def emit(self, event: LiveEvent) -> None:
        """Give ``event`` to every observer; one that raises is unsubscribed with a warning."""
        for observer in tuple(self.observers):
            try:
                observer(event)
            except Exception as error:
                self.observers.remove(observer)
                warnings.warn(
                    f"live_nb: observer {observer!r} failed on a {event.kind!r} event and "
                    f"was unsubscribed: {type(error).__name__}: {error}",
                    LiveNbWarning,
                    stacklevel=3,
                )
