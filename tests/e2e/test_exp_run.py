"""``%exp_run`` in JupyterLab, in Chromium: the runs' rows update by themselves, Stop stops one.

A grid of three runs of another notebook, two at a time; the longest run is stopped from
its row and ends "killed", the others "done". Screenshots (while running, and at the end, in
an 800-px window) go to build/e2e/.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import SHOTS
from tests.e2e.lab import BrowserWatch, LabServer
from tests.e2e.test_final_output import KERNEL_STATUS, write_notebook

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

TRAIN = (
    "%%live --param lr=1\nimport time\n"
    "for step in range(4 if lr < 3 else 1000):\n"
    "    live.log_metric('train/loss', 1 / (lr * (step + 1)))\n"
    "    live.log_metric('train/acc', 1 - 1 / (step + 2))\n"
    "    live.next_step()\n"
    "    time.sleep(0.3)\n"
)

STATUSES = (
    "() => [...document.querySelectorAll('.live-nb-runs tbody tr')].map(r => r.dataset.status)"
)


def test_the_runs_view_follows_a_grid_and_stops_a_run(
    lab: LabServer, browser: tuple[Any, BrowserWatch]
) -> None:
    page, watch = browser
    page.set_viewport_size({"width": 800, "height": 900})
    write_notebook(lab.root, "train_grid.ipynb", ["%load_ext live_nb", TRAIN])
    name = write_notebook(
        lab.root, "driver.ipynb",
        ["%load_ext live_nb", "%exp_run train_grid.ipynb -S lr=1,2,3 -j 2"],
    )  # fmt: skip
    page.goto(lab.url(f"lab/tree/{name}"), wait_until="domcontentloaded")
    page.wait_for_function(
        "(s) => /\\|\\s*Idle/.test(document.querySelector(s)?.textContent ?? '')",
        arg=KERNEL_STATUS, timeout=90_000,
    )  # fmt: skip
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    page.wait_for_function(f"({STATUSES})().length === 3", timeout=60_000)
    page.wait_for_function(f"({STATUSES})().includes('running')", timeout=120_000, polling=200)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.live-nb-runs tbody tr')]"
        ".some(r => r.dataset.status === 'running' && /step \\d/.test(r.children[2].textContent))",
        timeout=120_000, polling=200,
    )  # fmt: skip
    page.locator(".live-nb-runs").screenshot(path=str(SHOTS / "exp-run-running.png"))
    third = page.locator(".live-nb-runs tbody tr").nth(2)
    page.wait_for_function(f"({STATUSES})()[2] === 'running'", timeout=300_000, polling=200)
    third.locator("button").click()
    page.wait_for_function(
        f"({STATUSES})().every(s => s === 'done' || s === 'killed')", timeout=180_000, polling=300
    )
    assert page.evaluate(STATUSES) == ["done", "done", "killed"]
    note = page.locator(".live-nb-runs-note").inner_text()
    assert "All 3 run(s) ended" in note, note
    view = page.locator(".live-nb-runs")
    box = view.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 800, box
    view.screenshot(path=str(SHOTS / "exp-run-done.png"))
    assert watch.ours() == [], watch.ours()
