"""Queued, running and failed runs in ``%exp_show``'s table and the sidebar, at 800 px.

A project where the real ``dvc exp run --queue`` left a failed and a queued task and
``live_nb.runs.queue`` (``live-nb exp run --queue``) a queued run without a commit. In an
800-px JupyterLab window ``%exp_show`` lists every row with its badge, the Notes column in
sight without scrolling; the sidebar, as narrow as 250 px, shows each name with its first
metric. Screenshots: build/e2e/queue-exp-show-800.png (and -files.png beside the file
browser, compact; queue-exp-show-dark.png in the dark theme), queue-sidebar-250.png,
queue-sidebar-wide.png (Apply's message).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from live_nb import runs
from live_nb.experiments.notes import set_note
from tests.conftest import dvc_executable, git, run_dvc
from tests.e2e.conftest import SHOTS
from tests.e2e.lab import BrowserWatch, LabServer
from tests.e2e.sidebar import PANEL, TAB, git_project, notebook_of, widen_sidebar
from tests.e2e.test_final_output import KERNEL_STATUS
from tests.e2e.test_jupyterlab import CHANGE_THEME
from tests.test_show_dvc_queue import pipeline_with_an_experiment, wait_for_queue

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

NOTE = "lr 0.2 looks best so far; try a longer schedule with warmup before the next sweep"
OUTPUT = ".jp-OutputArea-output .live-nb-table"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    dvc = dvc_executable()
    if dvc is None:
        pytest.skip("dvc is not installed (pip install -e '.[oracle]')")
    notebook = notebook_of(["%load_ext live_nb", "%exp_show"])
    with git_project(tmp_path_factory.mktemp("queue") / "project", notebook) as root:
        with pytest.MonkeyPatch.context() as patch:
            pipeline_with_an_experiment(root, dvc, patch)
            set_note("good", NOTE)
            run_dvc(dvc, root, "exp", "run", "--queue", "-n", "breaks", "-S", "fail=true")
            run_dvc(dvc, root, "queue", "start")
            wait_for_queue(dvc, root)
            run_dvc(dvc, root, "queue", "stop")
            run_dvc(dvc, root, "exp", "run", "--queue", "-n", "waits", "-S", "lr=0.4")
            git(root, "checkout", "-q", "--", ".")
            runs.queue(command=[sys.executable, "train.py"], name="later", path=root)
        yield root


def badges(page: Any, scope: str) -> dict[str, str]:
    found: dict[str, str] = page.evaluate(
        """(scope) => Object.fromEntries([...document.querySelectorAll(
              `${scope} tr[data-experiment]`)].map((row) => [row.dataset.experiment,
              row.querySelector('.live-nb-table-state')?.textContent ?? '']))""",
        scope,
    )
    return found


def test_exp_show_lists_every_queue_row_and_fits_800_px(
    lab: LabServer, browser: tuple[Any, BrowserWatch]
) -> None:
    page, watch = browser
    page.set_viewport_size({"width": 800, "height": 900})
    page.goto(lab.url("lab/tree/train.ipynb"), wait_until="domcontentloaded")
    page.wait_for_function(
        "(s) => /\\|\\s*Idle/.test(document.querySelector(s)?.textContent ?? '')",
        arg=KERNEL_STATUS, timeout=90_000,
    )  # fmt: skip
    page.evaluate("() => window.jupyterapp.shell.collapseLeft()")  # the notebook 800 px wide
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_selector(f'{OUTPUT} tr[data-experiment="later"]', timeout=90_000)
    assert badges(page, OUTPUT) == {
        "workspace": "", "main": "", "good": "", "waits": "Queued", "breaks": "Failed",
        "later": "Queued",
    }  # fmt: skip
    page.locator(f'{OUTPUT} tr[data-experiment="later"] input[type=checkbox]').check()
    apply = page.locator(f'{OUTPUT} button[data-action="apply"]')
    assert apply.is_disabled() and "has not run" in (apply.get_attribute("title") or "")
    notes = page.locator(f'{OUTPUT} th[data-column="Notes"]').bounding_box()
    table = page.locator(OUTPUT).bounding_box()
    assert notes is not None and table is not None
    assert notes["x"] + notes["width"] <= table["x"] + table["width"] + 1, (notes, table)
    page.screenshot(path=str(SHOTS / "queue-exp-show-800.png"))
    page.evaluate("() => window.jupyterapp.shell.expandLeft()")  # the file browser beside it
    page.wait_for_selector(f"{OUTPUT}[data-compact]")
    page.screenshot(path=str(SHOTS / "queue-exp-show-800-files.png"))
    page.evaluate(CHANGE_THEME, "JupyterLab Dark")  # the badges in the theme's own colours
    page.wait_for_function("() => document.body.dataset.jpThemeLight === 'false'", timeout=30_000)
    page.wait_for_timeout(500)  # the theme's style sheet applied
    assert page.locator(f'{OUTPUT} tr[data-experiment="breaks"] .live-nb-table-state').is_visible()
    page.locator(OUTPUT).screenshot(path=str(SHOTS / "queue-exp-show-dark.png"))
    page.evaluate(CHANGE_THEME, "JupyterLab Light")
    assert watch.ours() == [], watch.ours()


def test_the_sidebar_lists_them_and_a_narrow_one_shows_the_first_metric(
    lab: LabServer, browser: tuple[Any, BrowserWatch]
) -> None:
    page, watch = browser
    page.set_viewport_size({"width": 800, "height": 900})
    page.goto(lab.url("lab/tree/train.ipynb"), wait_until="domcontentloaded")
    page.wait_for_selector(TAB, timeout=90_000)
    page.wait_for_function("() => window.jupyterapp?.restored !== undefined")
    page.evaluate("() => window.jupyterapp.restored")
    if not page.locator(PANEL).is_visible():
        page.click(TAB)
    page.wait_for_selector(f'{PANEL} tr[data-experiment="later"]', timeout=60_000)
    assert badges(page, PANEL)["later"] == "Queued"
    widen_sidebar(page, 290)  # the panel about 250 px wide
    page.wait_for_selector(f"{PANEL} .live-nb-table[data-compact]")
    panel = page.locator(PANEL).bounding_box()
    metric = page.locator(f'{PANEL} th[data-column="acc"]').bounding_box()
    assert panel is not None and metric is not None
    assert panel["width"] < 300 and metric["x"] + 20 < panel["x"] + panel["width"], (panel, metric)
    page.locator(PANEL).screenshot(path=str(SHOTS / "queue-sidebar-250.png"))
    widen_sidebar(page, 560)
    page.wait_for_timeout(300)
    page.locator(f'{PANEL} tr[data-experiment="breaks"] input[type=checkbox]').check()
    page.click(f'{PANEL} button[data-action="apply"]')
    page.click(f'{PANEL} .live-nb-table-confirm button[data-action="confirm"]')
    message = page.locator(f"{PANEL} .live-nb-table-message")
    page.wait_for_function(
        "(s) => /Applied experiment 'breaks'/.test(document.querySelector(s)?.textContent ?? '')",
        arg=f"{PANEL} .live-nb-table-message", timeout=30_000,
    )  # fmt: skip
    applied = message.inner_text()
    assert "now hold its version" in applied and "HEAD, branches and staged" in applied, applied
    assert "Left as they are" not in applied
    page.locator(PANEL).screenshot(path=str(SHOTS / "queue-sidebar-wide.png"))
    page.click(f'{PANEL} button[data-action="refresh"]')  # the next message replaces it
    page.wait_for_function(
        "(s) => /^Read \\d+ row\\(s\\) again\\.$/.test(document.querySelector(s)?.innerText ?? '')",
        arg=f"{PANEL} .live-nb-table-message", timeout=30_000,
    )  # fmt: skip
    message.wait_for(state="hidden", timeout=20_000)  # and a success fades by itself
    assert watch.ours() == [], watch.ours()
