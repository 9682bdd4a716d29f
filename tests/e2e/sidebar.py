"""What the sidebar's browser tests share: their projects, and the panel as a person opens it.

Each test module builds the repository its story needs inside :func:`git_project`, which
gives it a Git identity, a ``main`` branch and an empty ``train.ipynb`` to open, and drives
the panel through :func:`open_panel` and :func:`panel_rows`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from live_nb import Live
from tests.conftest import git
from tests.e2e.lab import LabServer

IDENTITY = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
}
PANEL = "#live-nb-experiments"
TAB = '.jp-SideBar li[data-id="live-nb-experiments"]'
LOAD_TIMEOUT_MS = 90_000


def notebook_of(cells: Sequence[str | tuple[str, list[str]]] = ()) -> dict[str, Any]:
    """An nbformat 4 notebook of code ``cells`` (a source, or a source and its tags)."""
    code = []
    for index, cell in enumerate(cells):
        source, tags = (cell, []) if isinstance(cell, str) else cell
        code.append(
            {
                "cell_type": "code",
                "source": source,
                "metadata": {"tags": tags} if tags else {},
                "outputs": [],
                "execution_count": None,
                "id": f"c{index}",
            }
        )
    return {
        "cells": code,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


@contextmanager
def inside(root: Path) -> Iterator[Path]:
    """``root`` as the current folder, with a Git identity in the environment."""
    with pytest.MonkeyPatch.context() as patch:
        for key, value in IDENTITY.items():
            patch.setenv(key, value)
        patch.chdir(root)
        yield root


@contextmanager
def git_project(root: Path, notebook: dict[str, Any] | None = None) -> Iterator[Path]:
    """``root`` made a new Git repository holding ``train.ipynb``, and entered (:func:`inside`)."""
    root.mkdir(parents=True, exist_ok=True)
    with inside(root):
        git(root, "init", "-q", "-b", "main")
        (root / "train.ipynb").write_text(json.dumps(notebook or notebook_of(), indent=1))
        yield root


def train(lr: float, loss: float) -> None:
    """Five steps of a run whose loss ends at ``loss``, logged in ``dvclive/``."""
    with Live(save_dvc_exp=False) as live:
        live.log_param("lr", lr)
        for step in range(5):
            live.log_metric("train/loss", loss + (4 - step) * 0.1)
            live.log_metric("train/acc", 0.55 + (0.9 - loss) * 0.5 - (4 - step) * 0.04)
            live.next_step()


def panel_rows(page: Any) -> list[dict[str, str]]:
    """The panel table's rows: each one's experiment name and kind."""
    rows: list[dict[str, str]] = page.evaluate(
        """(selector) => [...document.querySelectorAll(`${selector} tr[data-experiment]`)]
              .map((row) => ({ name: row.dataset.experiment, kind: row.dataset.kind }))""",
        PANEL,
    )
    return rows


def open_panel(page: Any, lab: LabServer) -> None:
    """JupyterLab opened, and the flask's panel shown with its experiments."""
    page.goto(lab.url("lab"), wait_until="domcontentloaded")
    page.wait_for_selector(TAB, timeout=LOAD_TIMEOUT_MS)
    page.wait_for_function("() => window.jupyterapp?.restored !== undefined")
    page.evaluate("() => window.jupyterapp.restored")
    if not page.locator(PANEL).is_visible():  # the layout restored may have it open already
        page.click(TAB)
    page.wait_for_selector(f"{PANEL} tr[data-kind='experiment']", timeout=30_000)


def widen_sidebar(page: Any, x: float) -> None:
    """The left sidebar dragged wider, its edge to ``x`` px."""
    handle = page.locator("#jp-main-split-panel > .lm-SplitPanel-handle").first
    box = handle.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(x, box["y"] + box["height"] / 2, steps=5)
    page.mouse.up()
