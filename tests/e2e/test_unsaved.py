"""Unsaved edits in JupyterLab are in the %%live cell's experiment, in Chromium, as a person works.

A person opens a notebook, changes a cell without saving, and runs the notebook down to its
``%%live`` cell. The experiment's commit holds the notebook as the browser showed it, with the
edit, and says so in its ``Live-Nb-Notebook-Copy`` trailer; the file on disk is left as it was.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import git
from tests.e2e.conftest import SHOTS
from tests.e2e.lab import BrowserWatch, LabServer
from tests.e2e.sidebar import git_project, notebook_of

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CELLS = [
    "%load_ext live_nb",
    "x = 1",
    "%%live unsaved-run\nlive.log_metric('x', x)\nlive.next_step()",
]
EDIT = "x = 42  # typed in the browser, not saved"
KERNEL_STATUS = '.jp-StatusBar-TextItem[title^="Change kernel"]'


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A Git repository holding ``train.ipynb``, committed."""
    with git_project(tmp_path_factory.mktemp("unsaved") / "project", notebook_of(CELLS)) as root:
        git(root, "add", "train.ipynb")
        git(root, "commit", "-qm", "notebook")
    yield root


def _experiment(project: Path, name: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        refs = git(project, "for-each-ref", "--format=%(refname)", "refs/exps/").split()
        found = [ref for ref in refs if ref.endswith(f"/{name}")]
        if found:
            return found[0]
        time.sleep(0.3)
    raise AssertionError(f"no experiment {name!r} within {timeout}s")


def test_an_unsaved_edit_is_in_the_experiments_notebook(
    lab: LabServer, project: Path, browser: tuple[Any, BrowserWatch]
) -> None:
    page, watch = browser
    page.set_viewport_size({"width": 800, "height": 640})
    page.goto(lab.url("lab/tree/train.ipynb"), wait_until="domcontentloaded")
    page.wait_for_function("() => window.jupyterapp?.restored !== undefined")
    page.evaluate("() => window.jupyterapp.restored")
    page.wait_for_selector(f'{KERNEL_STATUS}:has-text("Idle")', timeout=90_000)
    saved = (project / "train.ipynb").read_bytes()

    # Edit the second cell as a person does: click into it, select its text, type over it.
    editor = page.locator(".jp-Notebook .jp-Cell").nth(1).locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.type(EDIT)
    page.wait_for_selector(".jp-mod-dirty", timeout=5000)  # the tab shows unsaved changes
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")

    ref = _experiment(project, "unsaved-run")
    prompt = page.locator(".jp-Notebook .jp-Cell").nth(2).locator(".jp-InputPrompt")
    prompt.filter(has_text="[3]").wait_for(timeout=30_000)  # the cell is done
    page.wait_for_timeout(1000)  # its final chart drawn
    page.screenshot(path=str(SHOTS / "unsaved-edits.png"))
    committed = json.loads(git(project, "show", f"{ref}:train.ipynb"))
    message = git(project, "log", "-1", "--format=%B", ref)
    assert "".join(committed["cells"][1]["source"]) == EDIT, message
    assert "Live-Nb-Notebook-Copy: front-end" in message
    assert "Live-Nb-Notebook-Unsaved: yes" in message
    assert (project / "train.ipynb").read_bytes() == saved  # nothing was saved for the user
    metrics = json.loads(git(project, "show", f"{ref}:dvclive/metrics.json"))
    assert metrics["x"] == 42  # the edited cell is what ran
    assert not watch.ours(), watch.ours()
