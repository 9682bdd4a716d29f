"""The quickstart notebook in JupyterLab, in Chromium, run and looked at as a person would.

A person opens notebooks/quickstart.ipynb in JupyterLab, presses Shift+Enter down to the first
``%%live`` cell and watches its dashboard: the loss chart grows while the cell runs, and when
it ends the dashboard gives way to a static chart (Vega-Lite, drawn by live_nb's extension at
the notebook's width; JupyterLab's renderer elsewhere) with every
step and the "Saved experiment" note. They run the rest of the notebook, see ``%exp_show``'s
table list both runs, and tick them to overlay their histories. All along, live_nb's code logs
no error in the browser console and the page asks nothing of any host but 127.0.0.1.

Screenshots go to build/e2e/: the dashboard while it streams and at the end, and the table (in
the light theme, and in the dark one).
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import NOTEBOOK, SHOTS
from tests.e2e.lab import BrowserWatch, LabServer

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# Time limits, in seconds. The first one covers JupyterLab's first load and the kernel's start,
# which are legitimately slow on a busy machine; the others are generous bounds on fast steps.
KERNEL_READY = 90
FIRST_POINTS = 90  # from Shift+Enter to the first points on the live chart (imports included)
RUN_END = 60  # from the first points to the static chart that replaces the dashboard
REST_OF_NOTEBOOK = 120  # the second run, %exp_show and %exp_diff
TABLE_CHARTS = 30

STREAM_SHOT_POINTS = 15  # the "while streaming" screenshot is taken once this many are drawn
METRICS = {"train/loss", "train/acc", "eval/loss", "eval/acc"}


# ---- the notebook, as saved --------------------------------------------------------------------


def notebook_cells() -> list[dict[str, Any]]:
    cells: list[dict[str, Any]] = json.loads(NOTEBOOK.read_text())["cells"]
    return cells


def source(cell: dict[str, Any]) -> str:
    text = cell["source"]
    return text if isinstance(text, str) else "".join(text)


def live_cells(cells: list[dict[str, Any]]) -> list[int]:
    return [i for i, cell in enumerate(cells) if source(cell).startswith("%%live")]


def index_of(cells: list[dict[str, Any]], start: str) -> int:
    return next(i for i, cell in enumerate(cells) if source(cell).startswith(start))


def epochs_of(cell: dict[str, Any]) -> int:
    found = re.search(r"--param epochs=(\d+)", source(cell))
    assert found, "the %%live cell no longer says --param epochs=N"
    return int(found.group(1))


# ---- the page ----------------------------------------------------------------------------------


def cell_selector(index: int) -> str:
    return f'.jp-Notebook .jp-Cell[data-windowed-list-index="{index}"]'


def wait_js(page: Any, expression: str, arg: Any, timeout: float, what: str, context: Any) -> Any:
    """Wait for ``expression`` (a JS function of ``arg``) to be truthy, or fail saying what."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        return page.wait_for_function(expression, arg=arg, timeout=timeout * 1000, polling=100)
    except PlaywrightTimeout:
        details = context() if callable(context) else context
        pytest.fail(f"{what} within {timeout:.0f}s. {details}", pytrace=False)


def cell_text(page: Any, index: int) -> str:
    return str(page.locator(cell_selector(index)).inner_text(timeout=5000))


def outputs_text(page: Any, index: int) -> str:
    outputs = page.locator(f"{cell_selector(index)} .jp-OutputArea-output")
    return "\n".join(outputs.all_inner_texts())


KERNEL_STATUS = '.jp-StatusBar-TextItem[title^="Change kernel"]'  # "Python 3 (ipykernel) | Idle"


def open_notebook(page: Any, lab: LabServer, cell_count: int) -> None:
    """Open the notebook as a person does, and wait for its kernel to be idle."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    loaded = f"document.querySelectorAll('.jp-Notebook .jp-Cell').length === {cell_count}"
    for attempt in (1, 2):  # JupyterLab's first load can be slow; one reload is allowed
        page.goto(lab.url(f"lab/tree/{NOTEBOOK.name}"), wait_until="domcontentloaded")
        try:
            page.wait_for_function(loaded, timeout=45_000)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                pytest.fail(
                    f"JupyterLab did not show the notebook's {cell_count} cells within 45s "
                    f"(twice).\nServer log:\n{lab.log_tail()}",
                    pytrace=False,
                )
    wait_js(
        page,
        "(s) => /\\|\\s*Idle/.test(document.querySelector(s)?.textContent ?? '')",
        KERNEL_STATUS,
        KERNEL_READY,
        "the kernel was not idle",
        lambda: (
            f"The status bar says {page.locator(KERNEL_STATUS).all_inner_texts()}.\n"
            f"Server log:\n{lab.log_tail()}"
        ),
    )
    # More room for the outputs: close the file browser, as one clicks its tab on the left.
    tab = page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current")
    if tab.count():
        tab.first.click()


def press_shift_enter(page: Any, times: int) -> None:
    for _ in range(times):
        page.keyboard.press("Shift+Enter")


def select_cell(page: Any, index: int) -> None:
    """Click a cell's prompt area (command mode, the cell selected)."""
    cell = page.locator(cell_selector(index))
    cell.scroll_into_view_if_needed()
    cell.locator(".jp-InputPrompt").first.click()
    page.keyboard.press("Escape")
    wait_js(
        page,
        "(s) => document.querySelector(s)?.classList.contains('jp-mod-active')",
        cell_selector(index),
        5,
        f"cell {index} did not become the active cell after a click",
        "",
    )


def shoot(page: Any, index: int, name: str) -> Path:
    """A screenshot of a cell's outputs, cropped to them, in build/e2e/."""
    path = SHOTS / name
    area = page.locator(f"{cell_selector(index)} .jp-Cell-outputArea")
    area.scroll_into_view_if_needed()
    area.screenshot(path=str(path), animations="disabled")
    return path


# Records, in the page, every change of the live cell's train/loss chart: the points received
# and the dashboard's status at that moment (a MutationObserver: no change is missed by polling).
TRACE_START = """(selector) => {
  const cell = document.querySelector(selector);
  const trace = (window.__liveNbTrace = []);
  const started = performance.now();
  const sample = () => {
    const board = cell.querySelector('.live-nb-dashboard');
    const chart = cell.querySelector('.live-nb-chart[data-metric="train/loss"]');
    if (!board || !chart) return;
    const entry = {
      t: Math.round(performance.now() - started),
      status: board.dataset.status,
      step: Number(board.dataset.step),
      points: Number(chart.dataset.points),
      shown: Number(chart.dataset.shown),
    };
    const last = trace[trace.length - 1];
    if (!last || last.points !== entry.points || last.status !== entry.status) trace.push(entry);
  };
  const observer = new MutationObserver(sample);
  observer.observe(cell, {
    subtree: true, childList: true, attributes: true,
    attributeFilter: ['data-points', 'data-shown', 'data-status', 'data-step'],
  });
  window.__liveNbTraceStop = () => observer.disconnect();
}"""

STREAMING = """([selector, points]) => {
  const cell = document.querySelector(selector);
  const board = cell?.querySelector('.live-nb-dashboard[data-status="running"]');
  const chart = board?.querySelector('.live-nb-chart[data-metric="train/loss"]');
  return Boolean(chart) && Number(chart.dataset.points) >= points;
}"""

DASHBOARD_NOW = """(selector) => {
  const cell = document.querySelector(selector);
  const board = cell.querySelector('.live-nb-dashboard');
  if (!board) return null;
  const names = (query, key) => [...board.querySelectorAll(query)].map((el) => el.dataset[key]);
  return {
    status: board.dataset.status,
    step: Number(board.dataset.step),
    header: board.querySelector('.live-nb-header')?.textContent ?? '',
    charts: names('.live-nb-chart[data-metric]', 'metric'),
    latest: names('.live-nb-latest-table tr[data-metric]', 'metric'),
    params: names('.live-nb-params-table tr[data-param]', 'param'),
    errors: names('.live-nb-chart[data-error]', 'error'),
  };
}"""

FINAL_SHOWN = """(selector) => {
  const cell = document.querySelector(selector);
  return !cell.querySelector('.live-nb-dashboard')
    && Boolean(cell.querySelector('.live-nb-final-charts .vega-embed canvas, '
                                  + '.live-nb-final-charts .vega-embed svg.marks'));
}"""

# What the final charts' renderer (js/lab/src/final.js) drew for a cell's output: the texts
# and, for every line mark, its number of points, read from the Vega view's scene graph (the
# chart is a canvas).
# window.jupyterapp exists because the server runs with --LabApp.expose_app_in_browser.
FINAL_DRAWN = """([path, index]) => {
  const app = window.jupyterapp;
  if (!app) return {problem: 'window.jupyterapp is missing (expose_app_in_browser)'};
  const panel = [...app.shell.widgets('main')].find((w) => w.context?.path === path);
  const cell = panel?.content.widgets[index];
  if (!cell) return {problem: `no cell ${index} in ${path}`};
  const views = [];
  for (const child of cell.outputArea.widgets) {
    for (const widget of child.widgets ?? []) {
      if (widget.view?.scenegraph) views.push(widget.view); // live_nb's final charts (final.js)
    }
  }
  if (views.length !== 1) {
    return {problem: `${views.length} Vega views in the output (live_nb's final charts `
      + 'renderer gives its view as `view`: has that changed?)'};
  }
  const texts = [];
  const lines = [];
  const strokes = [];
  const images = [];
  const legends = [];
  const walk = (mark, depth) => {
    if (mark.role === 'legend') legends.push(depth);
    if (mark.marktype === 'text') {
      for (const item of mark.items) texts.push([].concat(item.text ?? '').join('\\n'));
    } else if (mark.marktype === 'line') {
      lines.push(mark.items.length);
      strokes.push([mark.items.length, mark.items[0]?.stroke ?? null]);
    } else if (mark.marktype === 'image') {
      for (const item of mark.items) {
        images.push({width: item.width, height: item.height,
                     loaded: Boolean(item.image?.complete && item.image.naturalWidth > 0)});
      }
    }
    const inner = depth + (mark.marktype === 'group' ? 1 : 0);
    for (const item of mark.items ?? []) for (const child of item.items ?? []) walk(child, inner);
  };
  walk(views[0].scenegraph().root, 0);
  const canvas = cell.node.querySelector('.live-nb-final-charts canvas');
  let ink = null;
  if (canvas) {
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    ink = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] > 0 && (data[i] < 160 || data[i + 1] < 160 || data[i + 2] < 160)) ink += 1;
    }
  }
  return {texts, lines, strokes, images, legends, ink,
          width: canvas?.width ?? 0, height: canvas?.height ?? 0};
}"""

TABLE_NOW = """(selector) => {
  const table = document.querySelector(selector)?.querySelector('.live-nb-table');
  if (!table) return null;
  const rows = [...table.querySelectorAll('tr[data-experiment]')].map((row) => ({
    name: row.dataset.experiment, kind: row.dataset.kind,
  }));
  const buttons = Object.fromEntries([...table.querySelectorAll('button[data-action]')]
    .map((button) => [button.dataset.action, !button.disabled]));
  const charts = [...table.querySelectorAll('.live-nb-table-chart[data-metric]')]
    .filter((box) => box.querySelector('svg.marks path, svg path'))
    .map((box) => box.dataset.metric);
  const message = table.querySelector('.live-nb-table-message')?.textContent ?? '';
  const headers = [...table.querySelectorAll('thead th[data-column]')]
    .map((th) => th.dataset.column);
  // cells whose text does not fit (cut with an ellipsis), and how far the table scrolls sideways
  const clipped = [...table.querySelectorAll('tbody tr[data-id] td')]
    .filter((td) => td.scrollWidth > td.clientWidth + 1)
    .map((td) => `${td.closest('tr').dataset.experiment}: ${td.textContent}`)
    .concat([...table.querySelectorAll('thead .live-nb-table-sort')]
      .filter((button) => button.scrollWidth > button.clientWidth + 1)
      .map((button) => `header: ${button.textContent}`));
  const scroll = table.querySelector('.live-nb-table-scroll');
  const created = [...table.querySelectorAll('tbody tr[data-kind="experiment"]')].map((tr) => {
    const td = tr.children[1 + headers.indexOf('Created')];
    return {text: td?.textContent ?? '', title: td?.title ?? ''};
  });
  const legend = [...table.querySelectorAll('.live-nb-table-legend [role="listitem"]')]
    .map((item) => item.textContent);
  const chartLegends = table.querySelectorAll('.live-nb-table-chart .role-legend').length;
  // the metric and param columns out of sight (right of the scroll box's visible part)
  const right = scroll.getBoundingClientRect().left + scroll.clientWidth;
  const hidden = [...table.querySelectorAll(
    'thead th.live-nb-table-metric, thead th.live-nb-table-param')]
    .filter((th) => th.getBoundingClientRect().right > right + 1)
    .map((th) => th.dataset.column);
  return {rows, buttons, charts, message, headers, clipped, created, legend, chartLegends,
          hidden, overflow: scroll.scrollWidth - scroll.clientWidth};
}"""

# The contrast (WCAG) between the text and the background of the highlighted (changed) cells
# of a row, as the browser computed their colours: backgrounds composited up the tree.
CELL_CONTRAST = """([selector, cells]) => {
  const parse = (text) => {
    let m = /^rgba?\\(([^)]*)\\)$/.exec(text);
    if (m) {
      const [r, g, b, a = 1] = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
      return [r, g, b, a];
    }
    m = /^color\\(srgb ([^)]*)\\)$/.exec(text);
    if (m) {
      const [r, g, b, a = 1] = m[1].split(/[\\s\\/]+/).filter(Boolean).map(Number);
      return [r * 255, g * 255, b * 255, a];
    }
    return null;
  };
  const over = (top, bottom) => {
    const a = top[3] + bottom[3] * (1 - top[3]);
    const c = (i) => (top[i] * top[3] + bottom[i] * bottom[3] * (1 - top[3])) / (a || 1);
    return [c(0), c(1), c(2), a];
  };
  const luminance = ([r, g, b]) => {
    const f = (c) => (c / 255 <= 0.03928 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4);
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  return [...document.querySelectorAll(`${selector} ${cells}`)].map((td) => {
    const layers = [];
    for (let node = td; node && node.nodeType === 1; node = node.parentElement) {
      const colour = parse(getComputedStyle(node).backgroundColor);
      if (colour && colour[3] > 0) layers.push(colour);
      if (colour && colour[3] >= 1) break;
    }
    const fill = layers.reverse().reduce((below, layer) => over(layer, below), [255, 255, 255, 1]);
    const text = over(parse(getComputedStyle(td).color), fill);
    const [hi, lo] = [luminance(text), luminance(fill)].sort((x, y) => y - x);
    return {text: td.textContent, background: getComputedStyle(td).backgroundColor,
            contrast: (hi + 0.05) / (lo + 0.05)};
  });
}"""

CHANGE_THEME = """(theme) => window.jupyterapp.commands.execute('apputils:change-theme', {theme})"""


def python_string(text: str) -> str:
    """The value of an output like 'sandy-dove' (a str's repr)."""
    return text.strip().strip("'\"")


# ---- the test ----------------------------------------------------------------------------------


def test_quickstart_in_jupyterlab_as_a_person_sees_it(
    lab: LabServer, browser: tuple[Any, BrowserWatch]
) -> None:
    page, watch = browser
    started = time.monotonic()
    cells = notebook_cells()
    first_live, second_live = live_cells(cells)[:2]
    epochs = epochs_of(cells[first_live])
    first_name_cell, second_name_cell = first_live + 1, second_live + 1
    table_cell = index_of(cells, "%exp_show")
    diff_cell = index_of(cells, "%exp_diff")
    live = cell_selector(first_live)

    open_notebook(page, lab, len(cells))
    print(f"\n[{time.monotonic() - started:5.1f}s] notebook open, kernel idle")

    # -- Shift+Enter from the top down to the first %%live cell, included ---------------------
    page.evaluate(TRACE_START, live)
    select_cell(page, 0)
    press_shift_enter(page, first_live + 1)
    wait_js(
        page,
        f"(a) => ({STREAMING})(a) || ({FINAL_SHOWN})(a[0])",
        [live, 2],
        FIRST_POINTS,
        "the %%live cell showed neither a streaming dashboard nor its final chart",
        lambda: f"The cell shows: {cell_text(page, first_live)!r}",
    )
    assert page.evaluate(STREAMING, [live, 2]), (
        "the run ended before its live train/loss chart showed two points; points seen: "
        f"{page.evaluate('window.__liveNbTrace')}"
    )
    print(f"[{time.monotonic() - started:5.1f}s] the dashboard streams")

    # -- while it runs: every metric has a chart and a latest value; a screenshot ------------
    during = page.evaluate(DASHBOARD_NOW, live)
    assert during is not None, "the dashboard was gone before it could be looked at"
    assert during["status"] == "running", during
    assert "running" in during["header"], during["header"]
    # the cell's prompt number names the run; steps are counted as done, never "step N" (the
    # next step, one past the charts' last x)
    assert re.match(r"%%live \[\d+\]", during["header"]), during["header"]
    assert not re.search(r"step \d", during["header"]), during["header"]
    assert during["errors"] == [], f"charts that could not be drawn: {during['errors']}"
    assert set(during["charts"]) == METRICS, f"charts while running: {during['charts']}"
    assert set(during["latest"]) == METRICS, f"latest values while running: {during['latest']}"
    assert set(during["params"]) == {"lr", "epochs", "l2"}, during["params"]

    wait_js(
        page,
        f"(a) => ({STREAMING})(a) || ({FINAL_SHOWN})(a[0])",
        [live, STREAM_SHOT_POINTS],
        RUN_END,
        "the dashboard neither streamed on nor ended",
        lambda: f"Points seen: {page.evaluate('window.__liveNbTrace')}",
    )
    shots: list[Path] = []
    if page.evaluate(STREAMING, [live, STREAM_SHOT_POINTS]):
        shots.append(shoot(page, first_live, "dashboard-streaming.png"))
        print(f"[{time.monotonic() - started:5.1f}s] {shots[-1].name} taken")
        after = page.evaluate(DASHBOARD_NOW, live)
        if not after or after["status"] != "running":
            print("note: the run ended while dashboard-streaming.png was taken (may show the end)")
    else:
        print(f"note: the run ended before {STREAM_SHOT_POINTS} points: no streaming screenshot")

    # -- at the end: the static Vega-Lite chart with every step, and the note ----------------
    wait_js(
        page,
        FINAL_SHOWN,
        live,
        RUN_END,
        "the dashboard was not replaced by the final Vega-Lite chart",
        lambda: f"The cell shows: {cell_text(page, first_live)!r}",
    )
    page.evaluate("window.__liveNbTraceStop()")
    trace = page.evaluate("window.__liveNbTrace")
    running = [entry["points"] for entry in trace if entry["status"] == "running"]
    print(
        f"[{time.monotonic() - started:5.1f}s] run over; train/loss points on the live chart, "
        f"as they came: {running}"
    )
    growth = [points for points in running if points > 0]
    assert len(set(growth)) >= 2, f"the live chart did not gain points while running: {trace}"
    assert growth == sorted(growth), f"the live chart lost points while running: {trace}"
    assert growth[0] < epochs, f"the chart got all its points at once, not as they came: {trace}"
    assert all(entry["shown"] == entry["points"] for entry in trace), trace

    shots.append(shoot(page, first_live, "dashboard-final.png"))
    drawn = page.evaluate(FINAL_DRAWN, [NOTEBOOK.name, first_live])
    assert "problem" not in drawn, drawn.get("problem")
    assert drawn["ink"] and drawn["ink"] > 2000, f"the final chart's canvas looks empty: {drawn}"
    assert drawn["lines"].count(epochs) >= len(METRICS), (
        f"the final chart should draw {len(METRICS)} metric lines of {epochs} points each; "
        f"its lines have {drawn['lines']} points"
    )
    texts = "\n".join(drawn["texts"])
    for metric in METRICS:
        assert f"{metric} = " in texts, f"no {metric!r} chart title in the final chart: {texts}"
    prompt = sum(1 for cell in cells[: first_live + 1] if cell["cell_type"] == "code")
    assert f"%%live [{prompt}] · done · {epochs} steps · " in texts, texts
    metric_colours = {stroke for points, stroke in drawn["strokes"] if points == epochs}
    assert len(metric_colours) == len(METRICS), (
        f"the final metric charts should each have their colour, as live: {drawn['strokes']}"
    )
    assert drawn["images"] and all(image["loaded"] for image in drawn["images"]), (
        f"the logged image is not drawn in the final chart: {drawn['images']}"
    )
    assert "decision_surface.png" in texts, texts
    assert drawn["legends"] and min(drawn["legends"]) > 1, (
        f"a legend sits at the top level of the final chart, far from its chart: "
        f"depths {drawn['legends']}"
    )
    saved = re.search(r"Saved experiment (\S+) \(([0-9a-f]{7})\)", texts)
    assert saved, f"the final chart does not say 'Saved experiment': {texts}"
    assert "done" in texts, texts

    # -- the rest of the notebook: the second run, %exp_show, %exp_diff -----------------------
    press_shift_enter(page, len(cells) - first_live - 1)
    wait_js(
        page,
        "([s, n]) => document.querySelector(s)?.querySelectorAll("
        "'.live-nb-table tr[data-kind=\"experiment\"]').length >= n",
        [cell_selector(table_cell), 2],
        REST_OF_NOTEBOOK,
        "%exp_show's table did not list two experiments",
        lambda: f"The cell shows: {cell_text(page, table_cell)!r}",
    )
    wait_js(
        page,
        "(s) => (document.querySelector(s)?.innerText ?? '').trim().length > 0",
        f"{cell_selector(diff_cell)} .jp-OutputArea-output",
        REST_OF_NOTEBOOK,
        "%exp_diff printed nothing",
        lambda: f"The cell shows: {cell_text(page, diff_cell)!r}",
    )
    print(f"[{time.monotonic() - started:5.1f}s] whole notebook run")

    first_run = python_string(outputs_text(page, first_name_cell))
    second_run = python_string(outputs_text(page, second_name_cell))
    assert saved.group(1) == first_run, (saved.group(0), first_run)
    assert first_run != second_run, first_run
    errors = page.locator(
        '.jp-Notebook .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
    )
    assert errors.count() == 0, f"outputs on stderr: {errors.all_inner_texts()}"

    table = page.evaluate(TABLE_NOW, cell_selector(table_cell))
    experiments = {row["name"] for row in table["rows"] if row["kind"] == "experiment"}
    assert experiments == {first_run, second_run}, table["rows"]
    assert set(table["buttons"]) == {"apply", "branch", "remove", "push", "refresh"}, table[
        "buttons"
    ]
    assert not table["buttons"]["apply"], "Apply is enabled with nothing ticked"

    # Tick both runs: their histories are overlaid, one chart per metric; Apply wants one.
    for name in (first_run, second_run):
        box = page.locator(
            f'{cell_selector(table_cell)} tr[data-experiment="{name}"] input[type="checkbox"]'
        )
        box.check()
    wait_js(
        page,
        f"(s) => ({TABLE_NOW})(s)?.charts.length >= {len(METRICS)}",
        cell_selector(table_cell),
        TABLE_CHARTS,
        "ticking two experiments did not draw their overlaid metric charts",
        lambda: f"The table: {page.evaluate(TABLE_NOW, cell_selector(table_cell))}",
    )
    table = page.evaluate(TABLE_NOW, cell_selector(table_cell))
    assert set(table["charts"]) >= METRICS, table["charts"]
    assert not table["buttons"]["apply"], "Apply is enabled with two experiments ticked"
    assert table["buttons"]["remove"], "Remove is disabled with two experiments ticked"
    assert table["legend"] == [first_run, second_run] or table["legend"] == [
        second_run,
        first_run,
    ], table["legend"]
    assert table["chartLegends"] == 0, "each overlay chart repeats the legend"
    # the columns that matter first, in sight in a 1280-px window; no cell cut short (bold ones
    # included)
    assert table["headers"][:2] == ["Experiment", "Created"], table["headers"]
    assert not {"rev", "typ", "parent"} & set(table["headers"]), table["headers"]
    assert table["headers"].index("Message") > max(
        table["headers"].index(metric.replace("/", ".")) for metric in METRICS
    ), table["headers"]
    assert table["hidden"] == [], f"metrics and params out of sight (scroll): {table['hidden']}"
    print(f"the table is {table['overflow']}px wider than its box (the message column)")
    assert table["clipped"] == [], f"cells cut short: {table['clipped']}"
    for created in table["created"]:
        assert re.fullmatch(r"\d\d:\d\d|[A-Z][a-z]{2} \d\d", created["text"]), created
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:]+[+-]\d\d:\d\d", created["title"]), created
    shots.append(shoot(page, table_cell, "table.png"))

    # "Hide unchanged columns": epochs and l2 are the same in every run (the baseline has none)
    table_node = cell_selector(table_cell)
    page.locator(f'{table_node} input[data-role="hide-unchanged"]').check()
    headers = page.evaluate(TABLE_NOW, table_node)["headers"]
    assert "lr" in headers and not {"epochs", "l2"} & set(headers), headers
    page.locator(f'{table_node} input[data-role="hide-unchanged"]').uncheck()
    page.locator(f'{table_node} input[data-role="details"]').check()
    headers = page.evaluate(TABLE_NOW, table_node)["headers"]
    assert headers[-3:] == ["rev", "typ", "parent"], headers
    page.locator(f'{table_node} input[data-role="details"]').uncheck()

    # the dark theme: the highlighted cells stay readable
    page.evaluate(CHANGE_THEME, "JupyterLab Dark")
    wait_js(
        page,
        "() => document.body.dataset.jpThemeLight === 'false'",
        None,
        30,
        "JupyterLab did not switch to its dark theme",
        "",
    )
    page.wait_for_timeout(500)  # the theme's style sheet applied
    # The baseline has no metrics, so no cell is lit: the plain cells and the header must read.
    contrasts = page.evaluate(CELL_CONTRAST, [table_node, "td.live-nb-table-num, th"])
    assert contrasts, "no cell found in the table"
    low = [cell for cell in contrasts if cell["contrast"] < 4.5]
    assert not low, f"cells hard to read in the dark theme: {low}"
    assert page.evaluate(CELL_CONTRAST, [table_node, "td.live-nb-table-changed"]) == []
    shots.append(shoot(page, table_cell, "table-dark.png"))
    page.evaluate(CHANGE_THEME, "JupyterLab Light")
    wait_js(
        page,
        "() => document.body.dataset.jpThemeLight === 'true'",
        None,
        30,
        "JupyterLab did not switch back to its light theme",
        "",
    )

    # -- what the browser saw all along ------------------------------------------------------
    print(f"[{time.monotonic() - started:5.1f}s] {watch.requests} requests")
    for text in watch.others():
        print(f"  (not live_nb's) {text[:300]}")
    assert watch.ours() == [], "errors from live_nb's code in the browser:\n" + "\n".join(
        watch.ours()
    )
    assert watch.external == [], f"requests to hosts other than 127.0.0.1: {watch.external}"
    for shot in shots:
        assert shot.stat().st_size > 10_000, f"{shot} looks empty"
    print("screenshots:", ", ".join(str(shot) for shot in shots))
