"""Run from here: a notebook queued with another parameter from the sidebar, a worker, the run.

A person has ``train.ipynb`` open in JupyterLab. In the Experiments panel they open "Run from
here", change ``lr`` to 0.5, click Queue (the run is listed, queued), then Start worker: the run
shows in Now running, then its experiment in the table, with ``lr`` 0.5. The window is 800 px
wide; the screenshot (build/e2e/sidebar-launch.png) is the one in the README.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import git
from tests.e2e.conftest import SHOTS
from tests.e2e.lab import BrowserWatch, LabServer
from tests.e2e.sidebar import PANEL, TAB, git_project, notebook_of, widen_sidebar

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

LAUNCH = f"{PANEL} details.live-nb-launch"
CELLS = [
    ("%load_ext live_nb", []),
    ("lr = 0.1\nepochs = 12", ["parameters"]),
    ("%%live\nimport time\nfor epoch in range(epochs):\n"
     "    live.log_metric('train/loss', lr / (epoch + 1))\n"
     "    live.log_metric('train/acc', 1 - lr / (epoch + 2))\n    live.next_step()\n"
     "    time.sleep(0.5)", []),
]  # fmt: skip


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A Git repository holding ``train.ipynb`` (a parameters cell and a %%live cell)."""
    with git_project(tmp_path_factory.mktemp("launch") / "mnist", notebook_of(CELLS)) as root:
        git(root, "add", "train.ipynb")
        git(root, "commit", "-qm", "notebook")
    yield root


def test_a_run_queued_from_the_form_runs_when_a_worker_starts(
    lab: LabServer, project: Path, browser: tuple[Any, BrowserWatch]
) -> None:
    page, watch = browser
    page.set_viewport_size({"width": 800, "height": 720})
    page.goto(lab.url("lab/tree/train.ipynb"), wait_until="domcontentloaded")
    page.wait_for_function("() => window.jupyterapp?.restored !== undefined")
    page.evaluate("() => window.jupyterapp.restored")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
    if not page.locator(PANEL).is_visible():
        page.click(TAB)
    page.click(f"{LAUNCH} > summary")
    lr = page.locator(f'{LAUNCH} input[data-key="lr"]')
    lr.wait_for(timeout=30_000)
    assert lr.input_value() == "0.1"
    assert page.locator(f'{LAUNCH} input[data-key="epochs"]').input_value() == "12"

    lr.fill("0.5,")  # a typo first: the grammar's sentence, the box marked, nothing queued
    page.click(f'{LAUNCH} button[data-action="queue"]')
    page.wait_for_selector(f'{LAUNCH} input[data-key="lr"][aria-invalid="true"]', timeout=10_000)
    assert "expected a value" in page.locator(f"{LAUNCH} .live-nb-launch-status").inner_text()
    assert page.locator(f"{LAUNCH} .live-nb-launch-runs li").count() == 0

    lr.fill("0.5")
    page.click(f'{LAUNCH} button[data-action="queue"]')
    queued = page.locator(f'{LAUNCH} .live-nb-launch-runs li[data-status="queued"]')
    queued.wait_for(timeout=15_000)
    name = queued.get_attribute("data-run")
    assert name and "lr=0.5" in queued.inner_text()
    assert "No worker (1 queued, 0 running)" in page.locator(f"{LAUNCH}").inner_text()
    page.screenshot(path=str(SHOTS / "sidebar-launch-queued.png"))

    page.click(f'{LAUNCH} button[data-action="start"]')
    running = page.locator(f'{PANEL} .live-nb-panel-running tr[data-status="running"]')
    running.wait_for(timeout=90_000)
    page.wait_for_selector(f'{LAUNCH} button[data-action="stop"]', timeout=15_000)
    page.wait_for_selector(f"{PANEL} .live-nb-panel-running .live-nb-runs-spark", timeout=30_000)
    box = page.locator(LAUNCH).bounding_box()
    assert box is not None and box["x"] + box["width"] <= 800
    widen_sidebar(page, 430)  # as a person drags the sidebar's edge
    page.wait_for_timeout(1500)  # the sparkline grows over a few reads
    page.screenshot(path=str(SHOTS / "sidebar-launch.png"))
    colours = page.evaluate(
        """(s) => [...document.querySelectorAll(`${s} .live-nb-panel-running .live-nb-runs-spark`)]
              .map((svg) => getComputedStyle(svg).color)""",
        PANEL,
    )
    assert len(colours) == 2 and colours[0] != colours[1], colours  # one colour per metric
    elapsed = page.locator(f"{PANEL} .live-nb-panel-running .live-nb-runs-elapsed").inner_text()
    listed = page.locator(f'{LAUNCH} .live-nb-launch-runs li[data-status="running"]').inner_text()
    clock = re.compile(r"\b\d+:\d\d\b")  # 0:07 in both places, not 7s in one
    assert clock.search(elapsed) and clock.search(listed), (elapsed, listed)

    page.wait_for_selector(f'{PANEL} tr[data-experiment="{name}"]', timeout=90_000)
    page.wait_for_selector(f'{LAUNCH} .live-nb-launch-runs li[data-status="done"]', timeout=15_000)
    ref = [r for r in git(project, "for-each-ref", "--format=%(refname)", "refs/exps/").split()
           if r.endswith(f"/{name}")]  # fmt: skip
    assert ref, "the run saved no experiment"
    assert "Live-Nb-Params: lr=0.5" in git(project, "log", "-1", "--format=%B", ref[0])
    refused = "status of 400 (Bad Request) (at http"  # the typo's answer, as the browser logs it
    errors = [text for text in watch.ours() if not (refused in text and "/api/launch?" in text)]
    assert not errors, errors
