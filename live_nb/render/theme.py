"""The colours and limits every live_nb view shares, from ``theme.json``.

The JavaScript bundle imports the same file (``js/src/common/theme.js``), so a
metric has the same colour in the live dashboard, the final output, the report
and the experiments table.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

_THEME: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parent / "theme.json").read_text(encoding="utf-8")
)

PALETTE: tuple[str, ...] = tuple(_THEME["palette"])
"""Tableau 10's hues, the light ones darkened so that every line keeps a contrast of 3:1 or more
on a white and on a near-black background (JupyterLab's light and dark themes)."""

STATUS_COLORS: dict[str, str] = dict(_THEME["status_colors"])
OTHER_STATUS_COLOR: str = _THEME["other_status_color"]

CHART_CONFIG: dict[str, Any] = _THEME["chart_config"]
"""Vega-Lite's ``config`` for every chart: font sizes, titles, no view border."""

DISPLAY_MAX_POINTS: int = _THEME["display_max_points"]
"""Points a chart draws per series at most (bucket min/max beyond, see ``downsample``)."""


def color_for(name: Any) -> str:
    """A stable colour for a name: the same in every view (``colorFor`` in JavaScript)."""
    value = 0
    for char in str(name):
        value = (value * 31 + ord(char)) & 0xFFFFFFFF  # JavaScript's `| 0`: 32-bit signed
    if value >= 2**31:
        value -= 2**32
    return PALETTE[abs(value) % len(PALETTE)]


def status_color(status: str) -> str:
    """The colour a run's status is written in."""
    return STATUS_COLORS.get(status, OTHER_STATUS_COLOR)
