"""A checkpoint overlaid with its experiment, colours kept per row, and the theme switched.

In an 800 px window a person ticks ``night`` and its checkpoint ``night@1`` in the Experiments
panel: the checkpoint's curve (the first two steps of night's) is dashed, drawn over night's
solid line, with a diamond at its last step, so it does not hide under it. They tick ``day``
too, then untick ``night``: ``day`` and ``night@1`` keep their colours. They switch JupyterLab
to its dark theme: the open overlay is drawn again with light text on dark. Screenshots:
build/e2e/overlay-checkpoint.png, overlay-checkpoint-dark.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from live_nb import Live
from tests.conftest import git
from tests.e2e.conftest import SHOTS
from tests.e2e.lab import BrowserWatch, LabServer
from tests.e2e.sidebar import PANEL, git_project, open_panel, widen_sidebar

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CHANGE_THEME = "(theme) => window.jupyterapp.commands.execute('apputils:change-theme', {theme})"

# The overlay's first chart as drawn: each line's colour and dash, in drawing order, the
# diamonds, and the colour of its axis labels; the legend's swatches by label.
DRAWN = """(selector) => {
  const chart = document.querySelector(`${selector} .live-nb-table-chart[data-metric] svg`);
  if (!chart) return null;
  const lines = [...chart.querySelectorAll('g.mark-line path')].map((path) => ({
    stroke: path.getAttribute('stroke'), dash: path.getAttribute('stroke-dasharray')}));
  const diamonds = chart.querySelectorAll('g.mark-symbol path[d*="L"]').length;
  const label = chart.querySelector('g.mark-text text');
  const legend = Object.fromEntries([...document.querySelectorAll(
      `${selector} .live-nb-table-legend-item`)].map((item) => [item.lastElementChild.textContent,
        {color: item.querySelector('.live-nb-table-swatch').style.background,
         checkpoint: item.dataset.checkpoint === 'true'}]));
  return {lines, diamonds, label: label?.getAttribute('fill'), legend};
}"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A baseline, then ``night`` (a checkpoint at steps 0 to 3) and ``day``."""
    with git_project(tmp_path_factory.mktemp("overlay-styles") / "mnist-cnn") as root:
        (root / ".gitignore").write_text("dvclive/\n")
        git(root, "add", "-A")
        git(root, "commit", "-qm", "baseline")
        for name, steps, rate in (("night", 4, 1.0), ("day", 3, 2.0)):
            with Live(checkpoint=True, exp_name=name) as live:
                for step in range(steps):
                    live.log_metric("train/loss", round(1 / (1 + rate * step), 3))
                    live.next_step()
                    assert live._checkpoints is not None
                    live._checkpoints.wait()
    yield root


def drawn(page: Any, count: int) -> dict[str, Any]:
    return page.wait_for_function(
        f"() => {{ const d = ({DRAWN})({PANEL!r}); "
        f"return d && d.lines.length === {count} ? d : null; }}",
        timeout=30_000,
    ).json_value()


def test_a_checkpoint_is_dashed_above_its_experiment_colours_stay_and_dark_redraws(
    lab: LabServer, browser: tuple[Any, BrowserWatch]
) -> None:
    page, watch = browser
    page.set_viewport_size({"width": 800, "height": 900})
    open_panel(page, lab)
    page.evaluate(CHANGE_THEME, "JupyterLab Light")
    page.wait_for_function("() => document.body.dataset.jpThemeLight === 'true'")
    widen_sidebar(page, 520)
    page.locator(f'{PANEL} tr[data-experiment="night"] [data-role="chain"]').click()
    page.wait_for_selector(f'{PANEL} tr[data-experiment="night@1"]')
    for name in ("night@1", "night"):  # the checkpoint ticked first: it is not drawn first
        page.check(f'{PANEL} tr[data-experiment="{name}"] input[type="checkbox"]')
    first = drawn(page, 2)
    print(f"\nnight@1 and night: {first}")
    solid, dashed = first["lines"]
    assert solid["dash"] is None and dashed["dash"] == "4,3", first  # the checkpoint on top
    assert solid["stroke"] != dashed["stroke"], first
    assert first["diamonds"] == 1, first
    assert first["legend"]["night@1"]["checkpoint"] and not first["legend"]["night"]["checkpoint"]
    page.check(f'{PANEL} tr[data-experiment="day"] input[type="checkbox"]')
    three = drawn(page, 3)
    page.uncheck(f'{PANEL} tr[data-experiment="night"] input[type="checkbox"]')
    two = drawn(page, 2)
    for name in ("day", "night@1"):
        assert two["legend"][name]["color"] == three["legend"][name]["color"], (three, two)
    page.check(f'{PANEL} tr[data-experiment="night"] input[type="checkbox"]')
    drawn(page, 3)
    page.locator(f"{PANEL} .live-nb-table-charts").scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "overlay-checkpoint.png"))
    light = drawn(page, 3)["label"]

    page.evaluate(CHANGE_THEME, "JupyterLab Dark")
    page.wait_for_function("() => document.body.dataset.jpThemeLight === 'false'")
    dark = page.wait_for_function(
        f"(before) => {{ const d = ({DRAWN})({PANEL!r}); "
        "return d && d.lines.length === 3 && d.label !== before ? d : null; }",
        arg=light,
        timeout=30_000,
    ).json_value()
    print(f"axis labels: {light} in the light theme, {dark['label']} in the dark one")
    assert dark["label"] == "#d4d4d4", dark
    page.wait_for_timeout(500)
    page.screenshot(path=str(SHOTS / "overlay-checkpoint-dark.png"))
    page.evaluate(CHANGE_THEME, "JupyterLab Light")
    page.wait_for_function("() => document.body.dataset.jpThemeLight === 'true'")
    assert not watch.ours(), watch.ours()
