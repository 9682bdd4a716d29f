"""A run as every view draws it: what the renderers (Vega-Lite, SVG, text) take.

The live dashboard's reader builds a :class:`DashboardState` from what a run
wrote (``live_nb.widgets.stream.LiveReader.state``); ``report.html`` builds one
from the messages it keeps. The renderers are pure functions of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

STATIC_IMAGE_BYTES = 1024 * 1024
"""Image bytes (all images together) kept in the final output; the rest are left out."""

STATIC_MAX_POINTS = 600
"""Points of a metric in the final output (bucket min/max, as live): over two per pixel of a
260-px chart, and drawn at once without a long task (the live chart adds its points a few at
a time, so it keeps up to ``theme.DISPLAY_MAX_POINTS``)."""


@dataclass
class Series:
    """A metric's points as drawn (downsampled), and how many were logged."""

    name: str
    steps: list[float]
    values: list[float]
    count: int  # points logged (before downsampling)


@dataclass
class Plot:
    """A custom or sklearn plot: its dvc.yaml config and its records."""

    name: str
    kind: str  # "custom" or "sklearn"
    sklearn: str | None
    config: dict[str, Any]
    records: list[dict[str, Any]]


STATIC_FRAME_BYTES = 256 * 1024
"""Image bytes of earlier frames (all names together) kept for the final output's step sliders,
within what the latest images leave of ``STATIC_IMAGE_BYTES``."""

STATIC_FRAMES = 24
"""Frames of an image logged per step (``samples/<step>.png``) that the final output's step
slider keeps, evenly spaced, the latest included."""


@dataclass
class Picture:
    """The latest image logged under one name (``samples`` for ``samples/0.png``, ``1.png``...).

    ``earlier`` holds some of the frames before it (oldest first) when the name has one image
    per step, for the final output's step slider.
    """

    name: str
    file: str  # the image's own name ("samples/3.png")
    step: int | None  # the step in the file's name, if any
    mime: str
    data: bytes
    earlier: list[Picture] = field(default_factory=list)


@dataclass
class DashboardState:
    """Everything a view shows of one run at one moment."""

    title: str = ""
    status: str = "running"
    note: str = ""
    step: int = 0  # steps done: the charts end at step - 1
    elapsed: float = 0.0
    running: bool = True
    params: list[list[Any]] = field(default_factory=list)
    latest: dict[str, Any] = field(default_factory=dict)
    series: list[Series] = field(default_factory=list)
    plots: list[Plot] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    pictures: list[Picture] = field(default_factory=list)  # the latest image of each name
    pictures_skipped: int = 0  # latest images left out of ``pictures`` (too large)
    seq: int = -1
