"""The Experiments panel in Notebook 7's left sidebar (View > Left Sidebar > Show Experiments).

Notebook 7 runs JupyterLab's extensions: the same labextension and server extension give a
person working in the classic-looking notebook page the same panel.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from live_nb import Live
from live_nb.experiments.save import save
from tests.conftest import git
from tests.e2e.conftest import SHOTS
from tests.e2e.lab import BrowserWatch, LabServer
from tests.e2e.notebook7 import NotebookServer
from tests.e2e.sidebar import PANEL, git_project

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
SERVER = NotebookServer  # conftest's lab fixture serves Notebook 7


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with git_project(tmp_path_factory.mktemp("nb7") / "project") as root:
        for lr in (0.1, 0.3):
            with Live(save_dvc_exp=False) as live:
                live.log_param("lr", lr)
                live.log_metric("loss", lr)
                live.next_step()
            if lr == 0.1:
                git(root, "add", "-A")
                git(root, "commit", "-qm", "baseline")
        save(name="tuned")
        git(root, "checkout", "-q", "--", ".")
    yield root


def test_the_panel_shows_in_notebook_7s_left_sidebar(
    lab: LabServer, browser: tuple[object, BrowserWatch]
) -> None:
    page, watch = browser
    page.set_viewport_size({"width": 800, "height": 640})  # type: ignore[attr-defined]
    page.goto(lab.url("notebooks/train.ipynb"), wait_until="domcontentloaded")  # type: ignore[attr-defined]
    page.wait_for_function("() => window.jupyterapp?.restored !== undefined", timeout=90_000)  # type: ignore[attr-defined]
    page.evaluate("() => window.jupyterapp.restored")  # type: ignore[attr-defined]
    # what View > Left Sidebar > Show Experiments does
    page.evaluate("() => window.jupyterapp.shell.activateById('live-nb-experiments')")  # type: ignore[attr-defined]
    page.wait_for_selector(f'{PANEL} tr[data-experiment="tuned"]', timeout=30_000)  # type: ignore[attr-defined]
    page.screenshot(path=str(SHOTS / "notebook7-sidebar.png"))  # type: ignore[attr-defined]
    box = page.locator(PANEL).bounding_box()  # type: ignore[attr-defined]
    assert box is not None and box["x"] + box["width"] <= 800
    assert not watch.ours(), watch.ours()
