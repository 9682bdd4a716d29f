"""A run opened from the Experiments panel, and a run starred, in JupyterLab 4 in Chromium.

A person clicks an experiment's name in the panel: a tab opens in the main area with its
charts (the same Vega-Lite charts as a ``%%live`` cell's final output), its images, params,
metrics, its diff against its baseline and the notebook as it was run, read-only (its
outputs' scripts never run). Then they star ``slow``: its row moves to the top of the table,
and ``live-nb exp show`` marks it. Screenshots: build/e2e/sidebar-runview.png (1280 px) and
build/e2e/sidebar-runview-800.png, build/e2e/sidebar-star.png (800 px).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from live_nb.experiments.save import save
from tests.conftest import git
from tests.e2e.conftest import SHOTS
from tests.e2e.lab import BrowserWatch, LabServer
from tests.e2e.sidebar import PANEL, git_project, open_panel, panel_rows, train, widen_sidebar
from tests.server.test_run_routes import HOSTILE

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

VIEW = ".live-nb-runview"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A baseline run, then ``fast`` (with an image and its execution record) and ``slow``."""
    with git_project(tmp_path_factory.mktemp("runview") / "mnist-cnn") as root:
        train(lr=0.1, loss=0.9)
        git(root, "add", "-A")
        git(root, "commit", "-qm", "baseline run")
        train(lr=0.3, loss=0.4)
        images = root / "dvclive" / "plots" / "images"
        images.mkdir(parents=True)
        picture(images / "confusion.png")
        (root / "dvclive" / "execution.ipynb").write_text(json.dumps(HOSTILE))
        save(name="fast")
        git(root, "clean", "-qfd")
        train(lr=0.01, loss=0.95)
        save(name="slow")
        git(root, "checkout", "-q", "--", ".")
    yield root


def picture(path: Path) -> None:
    """A 96 px confusion-matrix-like picture (four shaded squares)."""
    from PIL import Image

    image = Image.new("RGB", (96, 96), "white")
    for index, shade in enumerate((30, 200, 180, 60)):
        x, y = 48 * (index % 2), 48 * (index // 2)
        image.paste((shade, shade, 255), (x, y, x + 48, y + 48))
    image.save(path)


# The run view's charts against the room they have: the right edge of the chart drawn and of
# its container, and how far the container scrolls sideways.
CHARTS_FIT = """(selector) => {
  const views = [...document.querySelectorAll(selector)].filter((v) => v.offsetParent);
  const charts = views.at(-1)?.querySelector('[data-role="charts"]');
  const svg = charts?.querySelector('svg.marks');
  if (!svg) return {right: Infinity, room: 0, scroll: Infinity};
  return {right: Math.round(svg.getBoundingClientRect().right),
          room: Math.round(charts.getBoundingClientRect().right),
          scroll: charts.scrollWidth - charts.clientWidth,
          columns: charts.querySelector('.live-nb-run-chart')?.dataset.columns};
}"""


def open_run(page: Any, name: str) -> Any:
    page.click(f'{PANEL} tr[data-experiment="{name}"] button[data-open]')
    view = page.locator(VIEW).filter(has=page.locator("h2", has_text=name))
    view.locator('[data-role="charts"] svg').first.wait_for(timeout=30_000)
    view.locator('[data-role="notebook"] iframe').wait_for(timeout=30_000)
    return view


def test_a_run_opens_with_its_charts_values_diff_and_read_only_notebook(
    lab: LabServer, browser: tuple[Any, BrowserWatch]
) -> None:
    page, watch = browser
    page.set_viewport_size({"width": 1280, "height": 900})
    open_panel(page, lab)
    view = open_run(page, "fast")
    current = page.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current")
    assert current.inner_text().strip() == "fast"
    charts = view.locator('[data-role="charts"]').inner_text()
    assert "train/loss" in charts and "confusion.png" in charts
    text = view.inner_text()
    assert "lr" in text and "0.3" in text
    diff = view.locator('[data-role="diff"]').inner_text()
    assert "0.1" in diff and "0.3" in diff and "dvclive/execution.ipynb" in diff
    frame = page.frame_locator(f'{VIEW} [data-role="notebook"] iframe')
    frame.get_by_text("trained").first.wait_for(timeout=15_000)
    assert frame.locator("b", has_text="bold").count() == 1
    sandbox = view.locator('[data-role="notebook"] iframe').get_attribute("sandbox")
    assert sandbox == ""  # no scripts: the notebook's outputs cannot run
    assert page.evaluate("() => window.hacked") is None
    page.wait_for_timeout(500)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "sidebar-runview.png"))
    view.locator('[data-role="notebook"] iframe').scroll_into_view_if_needed()
    page.wait_for_timeout(800)  # the iframe's first paint after the scroll
    page.screenshot(path=str(SHOTS / "sidebar-runview-notebook.png"))
    page.set_viewport_size({"width": 800, "height": 640})
    view = open_run(page, "fast")  # opened again: read and drawn for the narrower window
    page.wait_for_timeout(500)
    view.locator("h2").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "sidebar-runview-800.png"))
    fits = page.evaluate(CHARTS_FIT, f"{VIEW}:not(.lm-mod-hidden)")
    print(f"\nthe run view's charts at 800 px: {fits}")
    assert fits["right"] <= fits["room"] and fits["scroll"] <= 0, fits
    widen_sidebar(page, 440)  # less room still: the charts narrow, none is cut
    page.wait_for_function(
        f"(s) => {{ const f = ({CHARTS_FIT})(s); return f.right <= f.room && f.scroll <= 0; }}",
        arg=f"{VIEW}:not(.lm-mod-hidden)",
        timeout=15_000,
    )
    page.wait_for_timeout(500)
    page.screenshot(path=str(SHOTS / "sidebar-runview-800-narrow.png"))
    assert not watch.ours(), watch.ours()
    assert not watch.external, watch.external


def test_a_starred_run_is_pinned_to_the_top_and_marked_by_exp_show(
    lab: LabServer, project: Path, browser: tuple[Any, BrowserWatch]
) -> None:
    page, watch = browser
    page.set_viewport_size({"width": 800, "height": 640})
    open_panel(page, lab)
    before = [row["name"] for row in panel_rows(page)]
    assert before.index("slow") > before.index("main")
    page.click(f'{PANEL} tr[data-experiment="slow"] button[data-star]')
    page.wait_for_selector(
        f'{PANEL} tr[data-experiment="slow"] button[data-star][aria-pressed="true"]',
        timeout=15_000,
    )
    assert panel_rows(page)[0]["name"] == "slow"
    for name in ("fast", "slow"):  # the overlay in the panel's own width
        page.check(f'{PANEL} tr[data-experiment="{name}"] input[type="checkbox"]')
    page.wait_for_function(
        """(selector) => document.querySelectorAll(
             `${selector} .live-nb-table-chart[data-metric] svg`).length >= 2""",
        arg=PANEL,
        timeout=30_000,
    )
    page.wait_for_timeout(500)
    panel = page.locator(PANEL).bounding_box()
    assert panel is not None
    for chart in page.locator(f"{PANEL} .live-nb-table-chart svg").all():
        box = chart.bounding_box()
        assert box is not None and box["x"] + box["width"] <= panel["x"] + panel["width"] + 1
    page.screenshot(path=str(SHOTS / "sidebar-star.png"))
    shown = subprocess.run(
        [sys.executable, "-m", "live_nb", "exp", "show"],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Star" in shown and "★" in next(line for line in shown.splitlines() if "slow" in line)
    assert not watch.ours(), watch.ours()
