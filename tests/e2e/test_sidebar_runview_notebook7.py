"""A run opened from the Experiments panel in Notebook 7, whose main area holds one document.

On a notebook's page the run's view opens over the page (Close or Escape shut it), with the
same charts and read-only notebook as in JupyterLab. Screenshot: build/e2e/notebook7-runview.png
(800 px).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import SHOTS
from tests.e2e.lab import BrowserWatch, LabServer
from tests.e2e.notebook7 import NotebookServer
from tests.e2e.sidebar import PANEL
from tests.e2e.test_sidebar_runview import VIEW, open_run
from tests.e2e.test_sidebar_runview import project as project  # the same project

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
SERVER = NotebookServer  # conftest's lab fixture serves Notebook 7


def test_a_run_opens_over_notebook_7s_page(
    lab: LabServer, browser: tuple[Any, BrowserWatch]
) -> None:
    page, watch = browser
    page.set_viewport_size({"width": 800, "height": 640})
    page.goto(lab.url("notebooks/train.ipynb"), wait_until="domcontentloaded")
    page.wait_for_function("() => window.jupyterapp?.restored !== undefined", timeout=90_000)
    page.evaluate("() => window.jupyterapp.restored")
    page.evaluate("() => window.jupyterapp.shell.activateById('live-nb-experiments')")
    page.wait_for_selector(f'{PANEL} tr[data-experiment="fast"]', timeout=30_000)
    view = open_run(page, "fast")
    assert "live-nb-runview-overlay" in (view.get_attribute("class") or "")
    frame = page.frame_locator(f'{VIEW} [data-role="notebook"] iframe')
    frame.get_by_text("trained").first.wait_for(timeout=15_000)
    page.wait_for_timeout(500)
    page.screenshot(path=str(SHOTS / "notebook7-runview.png"))
    page.keyboard.press("Escape")
    page.wait_for_selector(VIEW, state="detached", timeout=5_000)
    assert page.locator(".jp-Notebook").first.is_visible()  # the notebook's page is still there
    assert not watch.ours(), watch.ours()
