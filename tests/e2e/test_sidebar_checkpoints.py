"""Checkpoint chains in the Experiments panel (the table of %exp_show, in the sidebar).

A person whose run checkpointed every step opens the panel: ``night`` shows a toggle with
its checkpoint count, its chain collapsed; a click lists a row per checkpoint (step and
metrics) under it; ticking ``night@1`` and pressing Apply puts that checkpoint's results in
the working tree. At 800 px wide; the screenshot is build/e2e/sidebar-checkpoints.png.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from live_nb import Live
from tests.conftest import git
from tests.e2e.conftest import SHOTS
from tests.e2e.lab import BrowserWatch, LabServer
from tests.e2e.sidebar import PANEL, git_project, open_panel, panel_rows, widen_sidebar

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A baseline, then experiment ``night``: a checkpoint at steps 0 to 3, and ``day``."""
    with git_project(tmp_path_factory.mktemp("checkpoints") / "mnist-cnn") as root:
        (root / ".gitignore").write_text("dvclive/\n")
        git(root, "add", "-A")
        git(root, "commit", "-qm", "baseline")
        for name, steps in (("night", 4), ("day", 2)):
            with Live(checkpoint=True, exp_name=name) as live:
                live.log_param("lr", 0.1 if name == "night" else 0.3)
                for step in range(steps):
                    live.log_metric("train/loss", round(1 / (step + 1), 3))
                    live.next_step()
                    assert live._checkpoints is not None
                    live._checkpoints.wait()
    yield root


def test_a_chain_opens_under_its_experiment_and_a_checkpoint_is_applied(
    lab: LabServer, project: Path, browser: tuple[Any, BrowserWatch]
) -> None:
    page, watch = browser
    page.set_viewport_size({"width": 800, "height": 640})
    open_panel(page, lab)
    assert [row["kind"] for row in panel_rows(page)].count("checkpoint") == 0  # collapsed
    widen_sidebar(page, 520)
    toggle = page.locator(f'{PANEL} tr[data-experiment="night"] [data-role="chain"]')
    assert toggle.inner_text() == "▸ 4"
    toggle.click()
    page.wait_for_selector(f'{PANEL} tr[data-kind="checkpoint"]')
    names = [row["name"] for row in panel_rows(page)]
    at = names.index("night")
    assert names[at : at + 5] == ["night", "night@3", "night@2", "night@1", "night@0"]
    page.check(f'{PANEL} tr[data-experiment="night@1"] input[type="checkbox"]')
    assert page.locator(f'{PANEL} button[data-action="remove"]').is_disabled()
    page.wait_for_function(  # its curves overlaid, as an experiment's
        """(selector) => document.querySelectorAll(
             `${selector} .live-nb-table-chart[data-metric] :is(svg, canvas)`).length >= 1""",
        arg=PANEL,
        timeout=30_000,
    )
    page.wait_for_timeout(500)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "sidebar-checkpoints.png"))
    box = page.locator(PANEL).bounding_box()
    assert box is not None and box["x"] + box["width"] <= 800
    page.click(f'{PANEL} button[data-action="apply"]')
    confirm = page.locator(f"{PANEL} .live-nb-table-confirm")
    confirm.wait_for(state="visible")
    confirm.locator('button[data-action="confirm"]').click()
    page.locator(f'{PANEL} .live-nb-table-message[data-state="ok"]').wait_for(timeout=15_000)
    metrics = json.loads((project / "dvclive" / "metrics.json").read_text())
    assert metrics["step"] == 1 and metrics["train"]["loss"] == 0.5
    assert not watch.ours(), watch.ours()
