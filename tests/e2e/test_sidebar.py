"""The Experiments panel in JupyterLab 4's left sidebar, in Chromium, as a person opens it.

A person opens JupyterLab on a project with two experiments, clicks the flask in the left
sidebar and sees the table: the workspace, the baseline, ``fast`` and ``slow``, with their
metrics, and no kernel started for it. The window is 800 px wide, as on a small laptop
screen with the browser beside an editor; the screenshot (build/e2e/sidebar.png) is the one in
the README.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from live_nb.experiments.save import save
from tests.conftest import git
from tests.e2e.conftest import SHOTS
from tests.e2e.lab import BrowserWatch, LabServer
from tests.e2e.sidebar import (
    LOAD_TIMEOUT_MS,
    PANEL,
    TAB,
    git_project,
    inside,
    notebook_of,
    open_panel,
    panel_rows,
    train,
    widen_sidebar,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A Git repository: a baseline run committed, then experiments ``fast`` and ``slow``."""
    with git_project(tmp_path_factory.mktemp("sidebar") / "mnist-cnn") as root:
        train(lr=0.1, loss=0.9)
        git(root, "add", "-A")
        git(root, "commit", "-qm", "baseline run")
        train(lr=0.3, loss=0.4)
        save(name="fast")
        train(lr=0.01, loss=0.95)
        save(name="slow")
        git(root, "checkout", "-q", "--", ".")
    yield root


def test_the_panel_shows_the_two_experiments(
    lab: LabServer, browser: tuple[Any, BrowserWatch]
) -> None:
    page, watch = browser
    page.set_viewport_size({"width": 800, "height": 640})
    open_panel(page, lab)
    rows = panel_rows(page)
    assert sorted(row["name"] for row in rows if row["kind"] == "experiment") == ["fast", "slow"]
    assert {row["kind"] for row in rows} == {"workspace", "baseline", "experiment"}
    widen_sidebar(page, 470)  # as a person drags the sidebar's edge to see the metrics
    for name in ("fast", "slow"):  # tick both: their curves overlaid, through /histories
        page.check(f'{PANEL} tr[data-experiment="{name}"] input[type="checkbox"]')
    page.wait_for_function(
        """(selector) => document.querySelectorAll(
             `${selector} .live-nb-table-chart[data-metric] :is(svg, canvas)`).length >= 2""",
        arg=PANEL,
        timeout=30_000,
    )
    page.wait_for_timeout(500)  # the charts' last frame
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "sidebar.png"))
    # the panel fits: nothing of it hides past the window's right edge
    box = page.locator(PANEL).bounding_box()
    assert box is not None and box["x"] + box["width"] <= 800
    assert _kernels(lab) == [], "the panel must not start a kernel"
    assert not watch.ours(), watch.ours()
    assert not watch.external, watch.external


def test_a_new_experiment_appears_without_a_reload(
    lab: LabServer, project: Path, browser: tuple[Any, BrowserWatch]
) -> None:
    page, watch = browser
    answers: list[int] = []
    page.on(
        "response",
        lambda response: (
            "/live-nb/api/experiments" in response.url and answers.append(response.status)
        ),
    )
    open_panel(page, lab)
    page.wait_for_timeout(7_000)  # two polls at least, while nothing changes
    assert answers.count(304) >= 2 and answers[0] == 200, answers
    with inside(project):
        train(lr=0.5, loss=0.2)
        save(name="third")
        git(project, "checkout", "-q", "--", ".")
    page.wait_for_selector(f'{PANEL} tr[data-experiment="third"]', timeout=15_000)
    assert not watch.ours(), watch.ours()


def test_apply_asks_first_then_puts_the_files_in_place(
    lab: LabServer, project: Path, browser: tuple[Any, BrowserWatch]
) -> None:
    page, watch = browser
    open_panel(page, lab)
    params = project / "dvclive" / "params.yaml"
    assert params.read_text() == "lr: 0.1\n"
    page.check(f'{PANEL} tr[data-experiment="fast"] input[type="checkbox"]')
    page.click(f'{PANEL} button[data-action="apply"]')
    confirm = page.locator(f"{PANEL} .live-nb-table-confirm")
    confirm.wait_for(state="visible")
    assert 'Apply experiment "fast"?' in confirm.inner_text()
    assert params.read_text() == "lr: 0.1\n", "nothing may change before the confirmation"
    confirm.locator('button[data-action="confirm"]').click()
    message = page.locator(f'{PANEL} .live-nb-table-message[data-state="ok"]')
    message.wait_for(timeout=15_000)
    assert "Applied experiment 'fast'" in message.inner_text()
    assert params.read_text() == "lr: 0.3\n"
    assert not watch.ours(), watch.ours()


def test_a_note_written_in_the_panel_is_in_exp_show(
    lab: LabServer, project: Path, browser: tuple[Any, BrowserWatch]
) -> None:
    page, watch = browser
    page.set_viewport_size({"width": 800, "height": 640})
    open_panel(page, lab)
    page.check(f'{PANEL} tr[data-experiment="slow"] input[type="checkbox"]')
    box = page.locator(f"{PANEL} .live-nb-panel-notebox")
    box.wait_for(state="visible")
    assert box.locator("label").inner_text() == "Note on slow"
    box.locator("input").fill("lr too small: <i>slow</i> to converge")
    box.locator("button").click()
    box.locator('.live-nb-panel-notestatus[data-state="ok"]').wait_for(timeout=15_000)
    page.wait_for_function(
        """(selector) => [...document.querySelectorAll(`${selector} tr[data-experiment="slow"] td`)]
             .some((cell) => cell.textContent === "lr too small: <i>slow</i> to converge")""",
        arg=PANEL,
        timeout=15_000,
    )
    page.screenshot(path=str(SHOTS / "sidebar-note.png"))
    shown = subprocess.run(
        [sys.executable, "-m", "live_nb", "exp", "show"],
        cwd=project, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "lr too small: <i>slow</i> to converge" in shown
    assert not watch.ours(), watch.ours()


RUNNING_CELLS = [
    "%load_ext live_nb",
    "%%live sidebar-run\nimport math, time\nfor step in range(100000):\n"
    "    live.log_metric('train/loss', 1 / (step + 1) + 0.05 * math.sin(step))\n"
    "    live.log_metric('train/acc', 1 - 1 / (step + 2))\n"
    "    live.next_step()\n    time.sleep(0.05)\n",
]


def test_a_running_cell_is_listed_and_stopped_from_the_panel(
    lab: LabServer, project: Path, browser: tuple[Any, BrowserWatch]
) -> None:
    page, watch = browser
    page.set_viewport_size({"width": 800, "height": 640})
    (project / "running.ipynb").write_text(json.dumps(notebook_of(RUNNING_CELLS)))
    page.goto(lab.url("lab/tree/running.ipynb"), wait_until="domcontentloaded")
    page.wait_for_function("() => window.jupyterapp?.restored !== undefined")
    page.evaluate("() => window.jupyterapp.restored")
    page.wait_for_selector(
        '.jp-StatusBar-TextItem[title^="Change kernel"]:has-text("Idle")', timeout=LOAD_TIMEOUT_MS
    )
    # not awaited: the command's promise ends with the cell, which runs until it is stopped
    page.evaluate("() => { void window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    if not page.locator(PANEL).is_visible():
        page.click(TAB)
    row = page.locator(f'{PANEL} .live-nb-panel-running tr[data-status="running"]')
    row.wait_for(timeout=60_000)
    page.wait_for_selector(f"{PANEL} .live-nb-runs-spark", timeout=15_000)
    assert "sidebar-run" in row.inner_text() and "running.ipynb" in row.inner_text()
    page.wait_for_timeout(1500)  # the sparkline grows over a few reads
    page.screenshot(path=str(SHOTS / "sidebar-running.png"))
    box = page.locator(f"{PANEL} .live-nb-panel-running").bounding_box()
    assert box is not None and box["x"] + box["width"] <= 800
    row.locator("button").click()
    page.wait_for_selector(f"{PANEL} .live-nb-panel-running", state="hidden", timeout=30_000)
    page.wait_for_selector(f'{PANEL} tr[data-experiment="sidebar-run"]', timeout=30_000)
    ref = git(project, "for-each-ref", "--format=%(refname)", "refs/exps/").split()
    [saved] = [name for name in ref if name.endswith("/sidebar-run")]
    assert "Live-Nb-Status: interrupted" in git(project, "log", "-1", "--format=%B", saved)
    [kernel] = _kernels(lab)
    assert kernel["execution_state"] in ("idle", "busy")  # left alive
    assert not watch.ours(), watch.ours()


def _kernels(lab: LabServer) -> list[Any]:
    request = urllib.request.Request(
        f"{lab.base_url}/api/kernels", headers={"Authorization": f"token {lab.token}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        kernels: list[Any] = json.loads(response.read())
    return kernels


def browse_to(page: Any, path: str) -> None:
    """Go to ``path`` in the file browser (which it shows), then back to the panel."""
    page.evaluate(
        "(path) => window.jupyterapp.commands.execute('filebrowser:go-to-path', {path})", path
    )
    page.wait_for_timeout(300)
    if not page.locator(PANEL).is_visible():
        page.click(TAB)


def test_the_panel_follows_the_file_browser_and_says_when_there_is_no_commit(
    lab: LabServer, project: Path, browser: tuple[Any, BrowserWatch]
) -> None:
    """Run last: it leaves a nested repository in the project."""
    page, watch = browser
    fresh = project / "fresh"
    fresh.mkdir()
    git(fresh, "init", "-q")
    open_panel(page, lab)
    browse_to(page, "/fresh/")
    note = page.locator(f"{PANEL} .live-nb-panel-note")
    note.get_by_text("no commit yet", exact=False).wait_for(timeout=15_000)
    assert "Make a first commit" in note.inner_text()
    assert page.locator(f"{PANEL} .live-nb-panel-where").inner_text() == "fresh"
    assert page.locator(f"{PANEL} .live-nb-panel-table").is_hidden()
    browse_to(page, "/")
    page.wait_for_selector(f"{PANEL} tr[data-experiment='fast']", timeout=15_000)
    assert not watch.ours(), watch.ours()
