"""A %%live cell's final output in JupyterLab, in Chromium, as a person sees it once the run ends.

In an 800-px window (the file browser open: the output area is about 360 px wide) the final
charts reflow into one column and fit, and still fit, narrower, with the Experiments sidebar
open instead, dragged wider (live_nb's renderer measures the output, js/lab/src/final.js);
a 5,000-step, 5-metric run ends without freezing the tab (the longest main-thread task,
measured with a PerformanceObserver, stays well under a second or two); saved and reopened
after a kernel restart, the notebook shows the charts and the %exp_show table's saved copy,
not "Error displaying widget"; saved mid-run and reopened once the kernel died, a note says
the run had not ended. The image step slider of the final output shows earlier frames, and
Apply from the table leaves the open notebook's file alone (saving it asks nothing).
Screenshots go to build/e2e/.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import nbformat
import pytest

from tests.e2e.conftest import SHOTS
from tests.e2e.lab import BrowserWatch, LabServer
from tests.e2e.sidebar import PANEL, TAB, widen_sidebar

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

RUN_TIMEOUT = 180  # s from Run All to the final chart (kernel start and imports included)
LONGEST_TASK_MS = 1500  # measured 0.7 s on the 2-core test machine; "multi-second" is the bug

CHANGE_THEME = "(theme) => window.jupyterapp.commands.execute('apputils:change-theme', {theme})"
KERNEL_STATUS = '.jp-StatusBar-TextItem[title^="Change kernel"]'

FINAL = """() => {
  const out = document.querySelector('.live-nb-final-charts canvas');
  const area = out?.closest('.jp-OutputArea-output');
  if (!out || document.querySelector('.live-nb-dashboard')) return null;
  const box = document.querySelector('.live-nb-final-charts .live-nb-run-chart');
  return {canvas: out.clientWidth, area: area.clientWidth,
          overflow: area.scrollWidth - area.clientWidth,
          columns: Number(box?.dataset.columns), width: Number(box?.dataset.width)};
}"""

# The live dashboard's charts against their output area: the rightmost chart's right edge, the
# area's, how far the area scrolls sideways, and how many charts share the first row.
LIVE_FITS = """() => {
  const board = document.querySelector('.live-nb-dashboard');
  const drawn = '.live-nb-chart canvas, .live-nb-chart svg.marks';
  const charts = [...(board?.querySelectorAll(drawn) ?? [])];
  const area = board?.closest('.jp-OutputArea-output');
  if (!area || charts.length < 4 || board.dataset.status !== 'running') return null;
  const boxes = charts.map((c) => c.getBoundingClientRect());
  return {right: Math.round(Math.max(...boxes.map((b) => b.right))),
          room: Math.round(area.getBoundingClientRect().right),
          scroll: area.scrollWidth - area.clientWidth,
          perRow: boxes.filter((b) => Math.abs(b.top - boxes[0].top) < 2).length,
          width: Number(board.querySelector('.live-nb-chart').dataset.width)};
}"""

WATCH_TASKS = """() => {
  window.__liveNbTasks = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) window.__liveNbTasks.push(Math.round(entry.duration));
  }).observe({type: 'longtask', buffered: false});
}"""


def write_notebook(folder: Path, name: str, cells: list[str]) -> str:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    nbformat.write(notebook, folder / name)
    return name


def open_and_run(page: Any, lab: LabServer, name: str, cells: int) -> None:
    # reset: only this notebook open (the workspace would reopen the earlier tests' too)
    page.goto(lab.url(f"lab/tree/{name}") + "&reset", wait_until="domcontentloaded")
    page.wait_for_function(
        f"document.querySelectorAll('.jp-Notebook .jp-Cell').length === {cells}", timeout=90_000
    )
    page.wait_for_function(
        "(s) => /\\|\\s*Idle/.test(document.querySelector(s)?.textContent ?? '')",
        arg=KERNEL_STATUS,
        timeout=90_000,
    )
    page.evaluate(WATCH_TASKS)
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    page.wait_for_function(FINAL, timeout=RUN_TIMEOUT * 1000, polling=250)
    page.wait_for_timeout(1500)  # JupyterLab draws the chart again with its PNG copy


def wait_saved(path: Path, timeout: float = 30) -> Any:
    """The notebook file once JupyterLab saved it with the final output."""
    deadline = time.monotonic() + timeout
    while True:
        document = json.loads(path.read_text())
        outputs = [o for cell in document["cells"] for o in cell.get("outputs", [])]
        if any("application/vnd.vegalite.v5+json" in o.get("data", {}) for o in outputs):
            return document
        assert time.monotonic() < deadline, f"{path.name} was not saved with its outputs"
        time.sleep(0.5)


def live_cell(steps: int, metrics: int) -> str:
    names = ["train/loss", "train/acc", "eval/loss", "eval/acc", "lr"][:metrics]
    return (
        "%%live --param lr=0.1\nimport math\n"
        f"for step in range({steps}):\n"
        f"    for index, name in enumerate({names!r}):\n"
        f"        value = math.exp(-step / {steps / 4}) + index + 0.01 * math.sin(step)\n"
        "        live.log_metric(name, value)\n"
        "    live.next_step()\n"
        "live.log_sklearn_plot('confusion_matrix', [0, 1, 1, 2], [0, 1, 0, 1])\n"
    )


def test_in_an_800px_window_the_final_charts_reflow_and_fit(
    lab: LabServer, browser: tuple[Any, BrowserWatch]
) -> None:
    page, watch = browser
    page.set_viewport_size({"width": 800, "height": 1000})
    name = write_notebook(lab.root, "narrow.ipynb", ["%load_ext live_nb", live_cell(30, 4)])
    open_and_run(page, lab, name, 2)
    final = page.evaluate(FINAL)
    print(f"\nat 800 px: chart {final['canvas']} px in an output area of {final['area']} px")
    assert final["canvas"] <= final["area"], final
    assert final["overflow"] <= 0, final
    assert final["columns"] == 1, final
    page.locator(".live-nb-final-charts").first.screenshot(path=str(SHOTS / "final-800px.png"))

    # the Experiments sidebar instead, then dragged wider: the charts narrow to what is left
    page.click(TAB)
    page.wait_for_selector(PANEL, state="visible", timeout=30_000)
    page.wait_for_timeout(1000)
    beside = page.evaluate(FINAL)
    print(f"with the sidebar open: {beside}")
    assert beside["canvas"] <= beside["area"] and beside["overflow"] <= 0, beside
    page.screenshot(path=str(SHOTS / "final-800px-sidebar.png"))
    widen_sidebar(page, 440)
    narrower = page.wait_for_function(
        f"() => {{ const f = ({FINAL})(); return f && f.width < {beside['width']} ? f : null; }}",
        timeout=30_000,
    ).json_value()
    print(f"with the sidebar wider: {narrower}")
    assert narrower["canvas"] <= narrower["area"] and narrower["overflow"] <= 0, narrower
    page.screenshot(path=str(SHOTS / "final-800px-sidebar-wide.png"))
    # the theme switched: the charts are drawn again in its colours, as wide
    page.evaluate(CHANGE_THEME, "JupyterLab Dark")
    page.wait_for_selector(".live-nb-final-charts .live-nb-run-chart[data-theme='dark']")
    page.wait_for_timeout(500)
    dark = page.evaluate(FINAL)
    assert dark["canvas"] <= dark["area"] and dark["overflow"] <= 0, dark
    page.screenshot(path=str(SHOTS / "final-800px-dark.png"))
    page.evaluate(CHANGE_THEME, "JupyterLab Light")
    page.wait_for_selector(".live-nb-final-charts .live-nb-run-chart[data-theme='light']")
    assert watch.ours() == [], watch.ours()


SLOW_LIVE = (
    "%%live\nimport time\nfor step in range(400):\n"
    "    for name in ['train/loss', 'train/acc', 'eval/loss', 'eval/acc']:\n"
    "        live.log_metric(name, 1 / (step + 1))\n"
    "    live.next_step()\n    time.sleep(0.05)\n"
)


def test_the_live_dashboard_fits_an_800px_window_and_narrows_with_the_sidebar(
    lab: LabServer, browser: tuple[Any, BrowserWatch]
) -> None:
    page, watch = browser
    page.set_viewport_size({"width": 800, "height": 900})
    name = write_notebook(lab.root, "live-narrow.ipynb", ["%load_ext live_nb", SLOW_LIVE])
    page.goto(lab.url(f"lab/tree/{name}") + "&reset", wait_until="domcontentloaded")
    page.wait_for_function(
        "(s) => /\\|\\s*Idle/.test(document.querySelector(s)?.textContent ?? '')",
        arg=KERNEL_STATUS,
        timeout=90_000,
    )
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    live = page.wait_for_function(LIVE_FITS, timeout=RUN_TIMEOUT * 1000, polling=250).json_value()
    print(f"\nthe live dashboard at 800 px: {live}")
    assert live["right"] <= live["room"] and live["scroll"] <= 0, live
    page.screenshot(path=str(SHOTS / "live-800px.png"))
    page.click(TAB)
    page.wait_for_selector(PANEL, state="visible", timeout=30_000)
    widen_sidebar(page, 440)
    narrow = page.wait_for_function(
        f"() => {{ const f = ({LIVE_FITS})(); return f && f.width < {live['width']} ? f : null; }}",
        timeout=30_000,
    ).json_value()
    print(f"with the sidebar dragged wider: {narrow}")
    assert narrow["right"] <= narrow["room"] and narrow["scroll"] <= 0, narrow
    assert narrow["perRow"] == 1, narrow
    page.screenshot(path=str(SHOTS / "live-800px-sidebar.png"))
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:interrupt-kernel')")
    final = page.wait_for_function(FINAL, timeout=60_000, polling=250).json_value()
    assert final["canvas"] <= final["area"] and final["overflow"] <= 0, final
    assert watch.ours() == [], watch.ours()


def test_a_5000_step_run_ends_without_freezing_the_tab(
    lab: LabServer, browser: tuple[Any, BrowserWatch]
) -> None:
    page, watch = browser
    name = write_notebook(lab.root, "long.ipynb", ["%load_ext live_nb", live_cell(5000, 5)])
    started = time.monotonic()
    open_and_run(page, lab, name, 2)
    tasks = page.evaluate("window.__liveNbTasks")
    took = time.monotonic() - started
    print(f"\n5,000 steps x 5 metrics in {took:.0f}s; long tasks (ms): {tasks}")
    assert max(tasks, default=0) < LONGEST_TASK_MS, tasks
    assert watch.ours() == [], watch.ours()


TABLE_READY = """() => {
  const table = document.querySelector('.jp-Notebook .live-nb-table');
  return !!table && table.querySelectorAll('tbody tr').length >= 2;
}"""

REOPENED = """() => {
  const text = document.querySelector('.jp-Notebook')?.innerText ?? '';
  if (/Error displaying widget|model not found/.test(text)) return {error: text};
  const chart = document.querySelector('.live-nb-final-charts canvas');
  const saved = document.querySelector('.live-nb-saved-output .live-nb-exp-static table');
  if (!chart || !saved) return null;
  const live = !!document.querySelector('.jp-Notebook .live-nb-table');
  return {rows: saved.querySelectorAll('tbody tr').length, live};
}"""


def test_reopened_after_a_restart_the_charts_and_the_table_are_there(
    lab: LabServer, browser: tuple[Any, BrowserWatch]
) -> None:
    """JupyterLab's default saves no widget state: the table's saved copy shows, not an error."""
    page, watch = browser
    cells = ["%load_ext live_nb", live_cell(20, 2), "%exp_show"]
    name = write_notebook(lab.root, "reopen.ipynb", cells)
    open_and_run(page, lab, name, 3)
    page.wait_for_function(TABLE_READY, timeout=60_000)
    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    saved = wait_saved(lab.root / name)
    widgets = json.dumps(saved["metadata"].get("widgets", {}))
    assert len(widgets) < 10_000, f"{len(widgets)} bytes of widget state saved"
    page.evaluate("async () => { await window.jupyterapp.serviceManager.sessions.shutdownAll(); }")
    page.reload(wait_until="domcontentloaded")
    page.wait_for_function(
        "document.querySelectorAll('.jp-Notebook .jp-Cell').length === 3", timeout=90_000
    )
    page.wait_for_function(
        "(s) => /\\|\\s*Idle/.test(document.querySelector(s)?.textContent ?? '')",
        arg=KERNEL_STATUS,
        timeout=90_000,
    )
    page.wait_for_timeout(3000)  # the new kernel's widget manager has restored (no models)
    reopened = page.wait_for_function(REOPENED, timeout=60_000).json_value()
    assert "error" not in reopened, reopened["error"]
    assert reopened["rows"] >= 2 and not reopened["live"], reopened
    page.locator(".live-nb-final-charts").first.screenshot(path=str(SHOTS / "final-reopened.png"))
    page.locator(".live-nb-saved-output").first.screenshot(path=str(SHOTS / "table-reopened.png"))
    assert watch.ours() == [], watch.ours()


def test_a_refused_branch_name_keeps_the_box_open_with_the_error_beside_it(
    lab: LabServer, browser: tuple[Any, BrowserWatch]
) -> None:
    page, watch = browser
    cells = ["%load_ext live_nb", "%%live branchy\nlive.log_metric('acc', 0.5)", "%exp_show"]
    name = write_notebook(lab.root, "branch.ipynb", cells)
    open_and_run(page, lab, name, 3)
    table = ".jp-Notebook .live-nb-table"
    page.check(f'{table} tr[data-experiment="branchy"] input[type="checkbox"]')
    page.click(f'{table} button[data-action="branch"]')
    box = page.locator(f"{table} .live-nb-table-confirm")
    box.locator('input[data-role="branch-name"]').fill("bad..name")
    box.locator('button[data-action="confirm"]').click()
    error = box.locator('[data-role="confirm-error"]')
    error.wait_for(state="visible", timeout=30_000)
    assert "'bad..name' is not a valid Git branch name" in error.inner_text()
    assert box.is_visible()
    page.locator(table).screenshot(path=str(SHOTS / "table-branch-refused.png"))
    box.locator('input[data-role="branch-name"]').fill("exp/branchy")
    box.locator('button[data-action="confirm"]').click()
    box.wait_for(state="hidden", timeout=30_000)
    message = page.locator(f"{table} .live-nb-table-message").inner_text()
    assert "exp/branchy" in message, message
    assert watch.ours() == [], watch.ours()


SLIDER = ".live-nb-final-charts .vega-bindings input[type=range]"
CANVAS_PICTURE = "() => document.querySelector('.live-nb-final-charts canvas').toDataURL()"


def test_the_final_image_slider_shows_earlier_steps(
    lab: LabServer, browser: tuple[Any, BrowserWatch]
) -> None:
    page, watch = browser
    cell = (
        "%%live\nimport numpy as np\nfor step in range(6):\n"
        "    live.log_metric('loss', 1 / (step + 1))\n"
        "    live.log_image(f'samples/{step}.png', np.full((48, 48, 3), step * 40, 'uint8'))\n"
        "    live.next_step()\n"
    )
    name = write_notebook(lab.root, "slider.ipynb", ["%load_ext live_nb", cell])
    open_and_run(page, lab, name, 2)
    slider = page.locator(SLIDER)
    assert slider.count() == 1
    assert (slider.get_attribute("min"), slider.get_attribute("max")) == ("0", "5")
    assert slider.input_value() == "5"  # the latest step, as the live view ended
    latest = page.evaluate(CANVAS_PICTURE)
    slider.fill("0")  # sets the value and fires "input", as a drag does
    page.wait_for_function(f"(before) => ({CANVAS_PICTURE})() !== before", arg=latest)
    page.locator(".live-nb-final-charts").first.screenshot(path=str(SHOTS / "final-slider.png"))
    assert watch.ours() == [], watch.ours()


LIVE_POINTS = """() => {
  const chart = document.querySelector('.live-nb-dashboard .live-nb-chart');
  return chart && Number(chart.dataset.points) >= 5;
}"""

UNFINISHED = """() => {
  const text = document.querySelector('.jp-Notebook')?.innerText ?? '';
  if (/Error displaying widget|model not found/.test(text)) return {error: text};
  return /had not ended when this notebook was saved/.test(text) ? {text} : null;
}"""


def test_saved_mid_run_and_reopened_after_the_kernel_died_it_says_so(
    lab: LabServer, browser: tuple[Any, BrowserWatch]
) -> None:
    page, watch = browser
    cell = (
        "%%live\nimport time\nfor step in range(100000):\n"
        "    live.log_metric('loss', 1 / (step + 1))\n    live.next_step()\n    time.sleep(0.05)\n"
    )
    name = write_notebook(lab.root, "unfinished.ipynb", ["%load_ext live_nb", cell])
    page.goto(lab.url(f"lab/tree/{name}") + "&reset", wait_until="domcontentloaded")
    page.wait_for_function(
        "(s) => /\\|\\s*Idle/.test(document.querySelector(s)?.textContent ?? '')",
        arg=KERNEL_STATUS,
        timeout=90_000,
    )
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    page.wait_for_function(LIVE_POINTS, timeout=RUN_TIMEOUT * 1000, polling=250)
    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    deadline = time.monotonic() + 30
    while "had not ended" not in (lab.root / name).read_text():
        assert time.monotonic() < deadline, "the notebook was not saved with its live output"
        time.sleep(0.5)
    page.evaluate("async () => { await window.jupyterapp.serviceManager.sessions.shutdownAll(); }")
    page.reload(wait_until="domcontentloaded")
    reopened = page.wait_for_function(UNFINISHED, timeout=90_000).json_value()
    assert "error" not in reopened, reopened["error"]
    page.locator(".live-nb-saved-output").first.screenshot(path=str(SHOTS / "unfinished.png"))
    assert watch.ours() == [], watch.ours()


def test_apply_from_the_table_then_save_asks_nothing_and_keeps_the_notebook(
    lab: LabServer, browser: tuple[Any, BrowserWatch]
) -> None:
    """Apply leaves the open notebook's file alone: no "File Changed" dialog when saving."""
    page, watch = browser
    cells = [
        "%load_ext live_nb",
        "%%live first\nopen('result.txt', 'w').write('first')\nlive.log_metric('acc', 0.1)",
        "%%live second\nopen('result.txt', 'w').write('second')\nlive.log_metric('acc', 0.2)",
        "%exp_show",
    ]
    name = write_notebook(lab.root, "applied.ipynb", cells)
    open_and_run(page, lab, name, 4)
    page.wait_for_function(TABLE_READY, timeout=60_000)
    table = ".jp-Notebook .live-nb-table"
    page.check(f'{table} tr[data-experiment="first"] input[type="checkbox"]')
    page.click(f'{table} button[data-action="apply"]')
    confirm = page.locator(f"{table} .live-nb-table-confirm")
    confirm.locator('button[data-action="confirm"]').click()
    confirm.wait_for(state="hidden", timeout=30_000)
    page.wait_for_function(
        "(s) => /^Applied/.test(document.querySelector(s)?.innerText ?? '')",
        arg=f"{table} .live-nb-table-message",
        timeout=60_000,
    )
    message = page.locator(f"{table} .live-nb-table-message").inner_text()
    print(f"\nthe table says: {message}")
    assert (lab.root / "result.txt").read_text() == "first", message
    before = (lab.root / name).stat().st_mtime_ns
    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    deadline = time.monotonic() + 30
    while (lab.root / name).stat().st_mtime_ns == before:
        assert time.monotonic() < deadline, "the notebook was not saved"
        time.sleep(0.3)
    page.wait_for_timeout(1000)
    assert page.locator(".jp-Dialog").count() == 0, page.locator(".jp-Dialog").inner_text()
    saved = json.loads((lab.root / name).read_text())
    assert len(saved["cells"]) == 4 and "%exp_show" in "".join(saved["cells"][3]["source"])
    page.locator(table).screenshot(path=str(SHOTS / "table-applied.png"))
    assert watch.ours() == [], watch.ours()
