from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from live_nb import Live, LiveEvent, LiveNbWarning


def test_observers_see_everything_logged_in_order(tmp_dir: Path) -> None:
    events: list[LiveEvent] = []
    live = Live()
    live.subscribe(events.append)

    live.log_param("lr", 0.1)
    live.log_metric("loss", 0.5)
    live.next_step()
    live.log_image("img.png", np.zeros((2, 2), dtype=np.uint8))
    live.log_plot("p", [{"x": 1, "y": 2}], x="x", y="y")
    live.end()

    assert [(e.kind, e.name, e.step) for e in events] == [
        ("param", "lr", 0),
        ("metric", "loss", 0),
        ("step", None, 0),
        ("image", "img.png", 1),
        ("plot", "p", 1),
        ("end", None, 0),
    ]
    assert events[1].value == 0.5
    assert events[3].value == tmp_dir / "dvclive/plots/images/img.png"
    assert events[-1].value == {"loss": 0.5, "step": 0}


def test_unsubscribe_stops_the_events(tmp_dir: Path) -> None:
    events: list[LiveEvent] = []
    live = Live()
    unsubscribe = live.subscribe(events.append)
    live.log_metric("a", 1)
    unsubscribe()
    live.log_metric("a", 2)
    unsubscribe()

    assert [e.value for e in events] == [1]


def test_a_failing_observer_is_dropped_and_logging_goes_on(tmp_dir: Path) -> None:
    def broken(event: LiveEvent) -> None:
        raise RuntimeError("view crashed")

    seen: list[LiveEvent] = []
    live = Live()
    live.subscribe(broken)
    live.subscribe(seen.append)

    with pytest.warns(LiveNbWarning, match="view crashed"):
        live.log_metric("a", 1)
    live.log_metric("a", 2)
    live.end()

    assert [e.value for e in seen if e.kind == "metric"] == [1, 2]
    assert (tmp_dir / "dvclive/plots/metrics/a.tsv").read_text() == "step\ta\n0\t1\n0\t2\n"
