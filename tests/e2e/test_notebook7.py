"""live_nb's outputs in Notebook 7, in Chromium, as a person sees them.

Notebook 7 renders outputs with JupyterLab's components, so the same extensions have to work
there: a ``%%live`` cell streams its dashboard and ends with its final charts, ``%exp_show``
draws its table, and the notebook saved, its kernel shut down and the page reloaded shows the
charts and the table's saved copy, never "Error displaying widget". Screenshots go to
build/e2e/ (``nb7-*.png``).
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from tests.e2e.conftest import SHOTS
from tests.e2e.lab import BrowserWatch, LabServer
from tests.e2e.notebook7 import NotebookServer
from tests.e2e.test_final_output import (
    FINAL as FINAL_FITS,
)
from tests.e2e.test_final_output import (
    LIVE_FITS,
    REOPENED,
    SLOW_LIVE,
    TABLE_READY,
    write_notebook,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
SERVER = NotebookServer  # conftest's lab fixture serves Notebook 7

pytest.importorskip("notebook", reason="Notebook 7 is not installed (pip install -e '.[test]')")

RUN_TIMEOUT = 180  # s from Run All to the final chart (kernel start and imports included)
# Notebook 7 has no status bar: the notebook's own session says when its kernel is idle
IDLE = """() => {
  const session = window.jupyterapp?.shell?.currentWidget?.sessionContext?.session;
  return session?.kernel?.status === 'idle';
}"""

SLOW_CELL = (
    "%%live --param lr=0.1\nimport time\nfor step in range(100):\n"
    "    live.log_metric('train/loss', 1 / (step + 1))\n"
    "    live.log_metric('train/acc', step / 100)\n"
    "    live.next_step()\n    time.sleep(0.03)\n"
)

STREAMING = """() => {
  const chart = document.querySelector('.live-nb-dashboard .live-nb-chart');
  return chart && Number(chart.dataset.points) >= 1;
}"""

FINAL = """() => !!document.querySelector('.live-nb-final-charts canvas')
  && !document.querySelector('.live-nb-dashboard')"""


def open_notebook(page: Any, lab: LabServer, name: str, cells: int) -> None:
    page.goto(lab.url(f"notebooks/{name}"), wait_until="domcontentloaded")
    page.wait_for_function(
        f"document.querySelectorAll('.jp-Notebook .jp-Cell').length === {cells}", timeout=90_000
    )
    page.wait_for_function(IDLE, timeout=90_000, polling=250)


def test_in_notebook_7_the_live_view_the_final_charts_and_the_table_survive_a_restart(
    lab: LabServer, browser: tuple[Any, BrowserWatch]
) -> None:
    page, watch = browser
    cells = ["%load_ext live_nb", SLOW_CELL, "%exp_show"]
    name = write_notebook(lab.root, "nb7.ipynb", cells)
    open_notebook(page, lab, name, 3)
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    page.wait_for_function(STREAMING, timeout=RUN_TIMEOUT * 1000, polling=100)
    page.locator(".live-nb-dashboard").first.screenshot(path=str(SHOTS / "nb7-streaming.png"))
    page.wait_for_function(FINAL, timeout=RUN_TIMEOUT * 1000, polling=250)
    page.wait_for_function(TABLE_READY, timeout=60_000)
    page.locator(".live-nb-final-charts").first.screenshot(path=str(SHOTS / "nb7-final.png"))
    page.locator(".jp-Notebook .live-nb-table").screenshot(path=str(SHOTS / "nb7-table.png"))

    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    deadline = time.monotonic() + 30
    while "application/vnd.vegalite.v5+json" not in (lab.root / name).read_text():
        assert time.monotonic() < deadline, "Notebook 7 did not save the outputs"
        time.sleep(0.5)
    saved = json.loads((lab.root / name).read_text())
    assert len(json.dumps(saved["metadata"].get("widgets", {}))) < 10_000
    page.evaluate("async () => { await window.jupyterapp.serviceManager.sessions.shutdownAll(); }")
    page.reload(wait_until="domcontentloaded")
    page.wait_for_function(
        "document.querySelectorAll('.jp-Notebook .jp-Cell').length === 3", timeout=90_000
    )
    page.wait_for_function(IDLE, timeout=90_000, polling=250)
    page.wait_for_timeout(3000)  # the new kernel's widget manager has restored (no models)
    reopened = page.wait_for_function(REOPENED, timeout=60_000).json_value()
    assert "error" not in reopened, reopened["error"]
    assert reopened["rows"] >= 2 and not reopened["live"], reopened
    page.locator(".live-nb-saved-output").first.screenshot(path=str(SHOTS / "nb7-reopened.png"))
    assert watch.ours() == [], watch.ours()


def test_in_notebook_7_at_800px_the_live_and_final_charts_fit(
    lab: LabServer, browser: tuple[Any, BrowserWatch]
) -> None:
    page, watch = browser
    page.set_viewport_size({"width": 800, "height": 900})
    name = write_notebook(lab.root, "nb7-narrow.ipynb", ["%load_ext live_nb", SLOW_LIVE])
    open_notebook(page, lab, name, 2)
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    live = page.wait_for_function(LIVE_FITS, timeout=RUN_TIMEOUT * 1000, polling=250).json_value()
    print(f"\nNotebook 7's live dashboard at 800 px: {live}")
    assert live["right"] <= live["room"] and live["scroll"] <= 0, live
    page.screenshot(path=str(SHOTS / "nb7-live-800px.png"))
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:interrupt-kernel')")
    final = page.wait_for_function(FINAL_FITS, timeout=60_000, polling=250).json_value()
    print(f"its final charts: {final}")
    assert final["canvas"] <= final["area"] and final["overflow"] <= 0, final
    page.wait_for_timeout(500)
    page.screenshot(path=str(SHOTS / "nb7-final-800px.png"))
    assert watch.ours() == [], watch.ours()
