"""Queued and failed runs in ``%exp_show``'s table and the sidebar, in Notebook 7 at 800 px.

The project of ``test_queue_rows`` (DVC's failed and queued tasks, live_nb's queued run),
opened in Notebook 7: the notebook's table lists each with its badge, the Notes column in
sight, and the left sidebar's panel (View > Left Sidebar > Show Experiments) goes compact with
the first metric beside the names. Screenshots: build/e2e/nb7-queue-exp-show.png and
nb7-queue-sidebar.png.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import SHOTS
from tests.e2e.lab import BrowserWatch, LabServer
from tests.e2e.notebook7 import NotebookServer
from tests.e2e.sidebar import PANEL
from tests.e2e.test_notebook7 import open_notebook
from tests.e2e.test_queue_rows import OUTPUT, badges, project  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
SERVER = NotebookServer  # conftest's lab fixture serves Notebook 7

EXPECTED = {"workspace": "", "main": "", "good": "", "waits": "Queued", "breaks": "Failed"}


def test_notebook_7_shows_every_queue_row_in_the_table_and_the_sidebar(
    lab: LabServer, browser: tuple[Any, BrowserWatch]
) -> None:
    page, watch = browser
    page.set_viewport_size({"width": 800, "height": 900})
    open_notebook(page, lab, "train.ipynb", 2)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_selector(f'{OUTPUT} tr[data-experiment="later"]', timeout=90_000)
    assert badges(page, OUTPUT) == {**EXPECTED, "later": "Queued"}
    notes = page.locator(f'{OUTPUT} th[data-column="Notes"]').bounding_box()
    table = page.locator(OUTPUT).bounding_box()
    assert notes is not None and table is not None
    assert notes["x"] + notes["width"] <= table["x"] + table["width"] + 1, (notes, table)
    page.screenshot(path=str(SHOTS / "nb7-queue-exp-show.png"))

    page.evaluate("() => window.jupyterapp.shell.activateById('live-nb-experiments')")
    page.wait_for_selector(f'{PANEL} tr[data-experiment="later"]', timeout=60_000)
    assert badges(page, PANEL)["breaks"] == "Failed"
    panel = page.locator(PANEL).bounding_box()
    metric = page.locator(f'{PANEL} th[data-column="acc"]').bounding_box()
    assert panel is not None and metric is not None
    assert metric["x"] + 20 < panel["x"] + panel["width"], (panel, metric)  # beside the names
    page.screenshot(path=str(SHOTS / "nb7-queue-sidebar.png"))
    assert watch.ours() == [], watch.ours()
