"""Unsaved edits in Notebook 7 are in the %%live cell's experiment too (the same labextension)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import git
from tests.e2e.conftest import SHOTS
from tests.e2e.lab import BrowserWatch, LabServer
from tests.e2e.notebook7 import NotebookServer
from tests.e2e.test_unsaved import EDIT, _experiment, project

__all__ = ["project"]  # the fixture: the same project as in JupyterLab

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
SERVER = NotebookServer  # conftest's lab fixture serves Notebook 7

CURRENT = "window.jupyterapp.shell.currentWidget"


def test_an_unsaved_edit_in_notebook_7_is_in_the_experiment(
    lab: LabServer, project: Path, browser: tuple[Any, BrowserWatch]
) -> None:
    page, watch = browser
    page.set_viewport_size({"width": 800, "height": 640})
    page.goto(lab.url("notebooks/train.ipynb"), wait_until="domcontentloaded")
    page.wait_for_function("() => window.jupyterapp?.restored !== undefined", timeout=90_000)
    page.evaluate("() => window.jupyterapp.restored")
    idle = f"() => {CURRENT}?.sessionContext?.session?.kernel?.status === 'idle'"
    page.wait_for_function(idle, timeout=90_000)
    editor = page.locator(".jp-Notebook .jp-Cell").nth(1).locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.type(EDIT)
    assert page.evaluate(f"() => {CURRENT}.context.model.dirty")
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")

    ref = _experiment(project, "unsaved-run")
    page.wait_for_function(idle, timeout=30_000)
    page.screenshot(path=str(SHOTS / "notebook7-unsaved-edits.png"))
    message = git(project, "log", "-1", "--format=%B", ref)
    committed = json.loads(git(project, "show", f"{ref}:train.ipynb"))
    assert "".join(committed["cells"][1]["source"]) == EDIT, message
    assert "Live-Nb-Notebook-Copy: front-end" in message
    assert not watch.ours(), watch.ours()
