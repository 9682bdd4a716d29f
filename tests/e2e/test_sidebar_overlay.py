"""Twenty runs ticked in the Experiments panel: their overlay fits the sidebar and says what
it thinned.

The sidebar is as narrow as JupyterLab opens it, in an 800 px window: every chart stays inside
the panel (none is cut at its edge), twenty lines stay apart (six colours times four dash
patterns), and the note names the run whose long history is thinned to its highs and lows.
Screenshot: build/e2e/sidebar-overlay-20.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from live_nb import Live
from live_nb.experiments.save import save
from tests.conftest import git
from tests.e2e.conftest import SHOTS
from tests.e2e.lab import BrowserWatch, LabServer
from tests.e2e.sidebar import PANEL, git_project, open_panel

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

RUNS = 20
LONG = 3000  # steps of the one run whose history is thinned (the panel reads 1,000 points)


def train(index: int, steps: int) -> None:
    with Live(save_dvc_exp=False) as live:
        live.log_param("seed", index)
        for step in range(steps):
            live.log_metric("loss", 1 / (1 + step * (0.2 + index * 0.03)) + index * 0.01)
            live.next_step()


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with git_project(tmp_path_factory.mktemp("overlay") / "sweep") as root:
        train(0, 5)
        git(root, "add", "-A")
        git(root, "commit", "-qm", "baseline run")
        for index in range(RUNS):
            train(index, LONG if index == 0 else 8)
            save(name=f"seed-{index:02d}")
        git(root, "checkout", "-q", "--", ".")
    yield root


def test_twenty_ticked_runs_fit_the_panel_and_the_thinned_one_is_named(
    lab: LabServer, browser: tuple[Any, BrowserWatch]
) -> None:
    page, watch = browser
    page.set_viewport_size({"width": 800, "height": 900})
    open_panel(page, lab)
    page.check(f'{PANEL} thead input[data-role="select-all"]')
    page.wait_for_function(
        """(selector) => document.querySelectorAll(
             `${selector} .live-nb-table-chart[data-metric] svg`).length >= 1""",
        arg=PANEL,
        timeout=30_000,
    )
    page.wait_for_timeout(800)
    legend = page.locator(f"{PANEL} .live-nb-table-legend-item")
    assert legend.count() == RUNS + 2  # the workspace and the baseline are ticked too
    note = page.locator(f"{PANEL} .live-nb-table-charts-note").inner_text()
    assert "thinned to each stretch's highs and lows: seed-00" in note
    panel = page.locator(PANEL).bounding_box()
    assert panel is not None
    for chart in page.locator(f"{PANEL} .live-nb-table-chart svg").all():
        box = chart.bounding_box()
        assert box is not None and box["x"] + box["width"] <= panel["x"] + panel["width"] + 1
    page.locator(f"{PANEL} .live-nb-table-charts").scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    page.screenshot(path=str(SHOTS / "sidebar-overlay-20.png"))
    assert not watch.ours(), watch.ours()
