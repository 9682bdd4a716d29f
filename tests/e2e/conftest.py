"""Fixtures of the end-to-end tests: a Git project, a JupyterLab server on it, a browser page.

They skip, saying why, where the browser or Playwright is missing; `make test` installs
Chromium first when it runs as root (as CI does).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import git
from tests.e2e.lab import CHROMIUM_ARGS, BrowserWatch, LabServer, chromium_executable

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "quickstart.ipynb"
SHOTS = ROOT / "build" / "e2e"  # screenshots, kept after the run

VIEWPORT = {"width": 1280, "height": 1400}  # tall enough for the final charts in one piece
DEFAULT_TIMEOUT_MS = 30_000


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def chromium() -> str:
    pytest.importorskip(
        "playwright.sync_api", reason="Playwright is not installed (pip install -e '.[test]')"
    )
    found = chromium_executable()
    if found is None:
        pytest.skip(
            "Chromium is not installed: `make test` installs Debian's `chromium` package when "
            "it runs as root; otherwise run `sudo apt-get install chromium`"
        )
    return found


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh Git repository holding the quickstart notebook, committed."""
    root = tmp_path_factory.mktemp("project")
    shutil.copy(NOTEBOOK, root / NOTEBOOK.name)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", NOTEBOOK.name)
    git(root, "commit", "-q", "-m", "Add the quickstart notebook")
    return root


@pytest.fixture(scope="module")
def lab(
    project: Path,
    chromium: str,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> Iterator[LabServer]:
    """JupyterLab serving ``project``, or the module's ``SERVER`` class (Notebook 7's)."""
    kind: type[LabServer] = getattr(request.module, "SERVER", LabServer)
    server = kind(project, tmp_path_factory.mktemp("jupyter"))
    try:
        server.start()
        yield server
    finally:
        server.close()
    assert not server.killed_by_watchdog, f"the {kind.__name__} was killed by the watchdog"


@pytest.fixture
def browser(
    lab: LabServer, chromium: str, request: pytest.FixtureRequest
) -> Iterator[tuple[Any, BrowserWatch]]:
    """A page in a new Chromium profile, watched for console errors and outside requests."""
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    for stale in SHOTS.glob(f"failure-{request.node.name}.png"):
        stale.unlink()
    watch = BrowserWatch()
    with (
        tempfile.TemporaryDirectory(prefix="live-nb-chromium-") as profile,
        sync_playwright() as playwright,
    ):
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=chromium,
            args=CHROMIUM_ARGS,
            headless=True,
            viewport=VIEWPORT,
            device_scale_factor=1,
            timeout=60_000,
        )
        try:
            context.set_default_timeout(DEFAULT_TIMEOUT_MS)
            page = context.pages[0] if context.pages else context.new_page()
            watch.attach(context, page)
            yield page, watch
            report = getattr(request.node, "report_call", None)
            if report is not None and report.failed:
                failure = SHOTS / f"failure-{request.node.name}.png"
                page.screenshot(path=str(failure), full_page=True)
                print(f"\nscreenshot of the failure: {failure}")
                print(f"JupyterLab's log (last lines):\n{lab.log_tail()}")
        finally:
            context.close()
