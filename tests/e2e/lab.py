"""A JupyterLab server in a subprocess and a headless Chromium, for the end-to-end tests.

The server runs on 127.0.0.1 with a random port and a token, with every Jupyter and IPython
folder in a temporary directory (no user settings, workspaces or startup files leak in), and
without the features that reach the network (news, update checks, the PyPI extension manager).
It is always stopped, with its kernels: by the fixture's finalizer, and by a watchdog when a
test runs past a hard time limit.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psutil

LOCAL_HOST = "127.0.0.1"
CHECKOUT = Path(__file__).resolve().parents[2]

# Debian's Chromium, headless, with everything that phones home switched off; the profile
# (user-data dir) is a new empty folder each time.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

SERVER_READY_TIMEOUT = 60.0  # s for /api/status to answer
SERVER_HARD_TIMEOUT = 300.0  # s after which the watchdog kills the server, whatever the test does
STOP_GRACE = 10.0  # s between SIGTERM and SIGKILL


def chromium_executable() -> str | None:
    """Debian's Chromium (the apt package `chromium`), or None when it is not installed."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOCAL_HOST, 0))
        return int(sock.getsockname()[1])


class LabServer:
    """``jupyter lab`` serving ``root``; its folders, settings and log live in ``home``."""

    def __init__(self, root: Path, home: Path) -> None:
        self.root = root
        self.home = home
        self.token = secrets.token_hex(16)
        self.port = 0
        self.log_path = home / "jupyterlab.log"
        self.process: subprocess.Popen[bytes] | None = None
        self._watchdog: threading.Timer | None = None
        self._stop_lock = threading.Lock()
        self.killed_by_watchdog = False

    @property
    def base_url(self) -> str:
        return f"http://{LOCAL_HOST}:{self.port}"

    def url(self, path: str) -> str:
        """A URL of the server with the token, as `jupyter lab` prints it."""
        return f"{self.base_url}/{path.lstrip('/')}?token={self.token}"

    # ---- start ----------------------------------------------------------------------------

    def _settings(self) -> Path:
        """User settings: no "official Jupyter news?" toast over the screenshots."""
        settings = self.home / "settings"
        path = settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
        return settings

    def _command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            f"--ServerApp.ip={LOCAL_HOST}",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root}",
            "--ServerApp.allow_root=True",  # CI runs as root
            "--LabApp.expose_app_in_browser=True",  # window.jupyterapp, to read rendered charts
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.extension_manager=readonly",
            f"--LabApp.user_settings_dir={self._settings()}",
            f"--LabApp.workspaces_dir={self.home / 'workspaces'}",
            # first: in a virtualenv, Jupyter prefers the environment's installed copy of
            # live_nb's labextension to the data folder's link to this checkout's build
            f"--LabApp.extra_labextensions_path={self.home / 'data' / 'labextensions'}",
        ]

    def _environment(self) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("JUPYTER", "IPYTHON", "JPY_"))
        }
        for name in ("config", "data", "runtime", "ipython"):
            (self.home / name).mkdir(parents=True, exist_ok=True)
        self._install_sidebar()
        env.update(
            JUPYTER_CONFIG_DIR=str(self.home / "config"),
            JUPYTER_DATA_DIR=str(self.home / "data"),
            JUPYTER_RUNTIME_DIR=str(self.home / "runtime"),
            IPYTHONDIR=str(self.home / "ipython"),
            PYTHONUNBUFFERED="1",
            # the data folder first: in a virtualenv Jupyter prefers the environment's own
            # folders, where an installed live_nb's labextension would shadow this checkout's
            JUPYTER_PREFER_ENV_PATH="0",
        )
        return env

    def _install_sidebar(self) -> None:
        """This checkout's sidebar, installed as pip installs it, in the server's own folders.

        The labextension built in ``live_nb/labextension`` is linked into the data folder (as
        ``jupyter labextension develop`` does) and the server extension is enabled by the same
        ``jupyter-config/`` file the wheel installs, so the tests drive this checkout's build,
        whatever is installed in the environment.
        """
        built = CHECKOUT / "live_nb" / "labextension"
        if (built / "package.json").is_file():
            target = self.home / "data" / "labextensions" / "live_nb"
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists():
                target.symlink_to(built, target_is_directory=True)
        config = self.home / "config" / "jupyter_server_config.d"
        config.mkdir(parents=True, exist_ok=True)
        shutil.copy(CHECKOUT / "jupyter-config" / "server-config" / "live_nb.json", config)

    def start(self, attempts: int = 3) -> None:
        """Start the server and wait until it answers; a port taken meanwhile is retried."""
        self._watchdog = threading.Timer(SERVER_HARD_TIMEOUT, self._on_watchdog)
        self._watchdog.daemon = True
        self._watchdog.start()
        for attempt in range(1, attempts + 1):
            self.port = free_port()
            with self.log_path.open("ab") as log:
                self.process = subprocess.Popen(
                    self._command(),
                    cwd=self.root,
                    env=self._environment(),
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            try:
                self._wait_ready()
                return
            except _PortTaken:
                self.stop()
                if attempt == attempts:
                    raise
        raise AssertionError("unreachable")

    def _wait_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + SERVER_READY_TIMEOUT
        while True:
            code = self.process.poll()
            if code is not None:
                log = self.log_tail()
                if "already in use" in log:
                    raise _PortTaken(log)
                raise AssertionError(f"JupyterLab exited with code {code} before answering:\n{log}")
            try:
                request = urllib.request.Request(
                    f"{self.base_url}/api/status",
                    headers={"Authorization": f"token {self.token}"},
                )
                with urllib.request.urlopen(request, timeout=2) as response:
                    json.loads(response.read())
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError, ValueError):
                pass
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"JupyterLab did not answer /api/status within {SERVER_READY_TIMEOUT:.0f}s:\n"
                    + self.log_tail()
                )
            time.sleep(0.25)

    # ---- stop -----------------------------------------------------------------------------

    def _on_watchdog(self) -> None:
        self.killed_by_watchdog = True
        self.stop()

    def stop(self) -> None:
        """Stop the server and every process it started (kernels included); idempotent."""
        with self._stop_lock:
            process, self.process = self.process, None
            if process is None or process.poll() is not None:
                return
            try:
                family = psutil.Process(process.pid).children(recursive=True)
            except psutil.NoSuchProcess:
                family = []
            # SIGTERM: the server shuts its kernels down itself, then exits.
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(STOP_GRACE)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(STOP_GRACE)
            _, alive = psutil.wait_procs(family, timeout=STOP_GRACE / 2)
            for child in alive:
                with contextlib.suppress(psutil.NoSuchProcess):
                    child.kill()
            psutil.wait_procs(alive, timeout=STOP_GRACE / 2)

    def close(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
        self.stop()

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])


class _PortTaken(AssertionError):
    pass


# ---- what the browser did ---------------------------------------------------------------------

# Messages that come from live_nb's widget or the charts it hands to JupyterLab. The widget's
# ES module is loaded by anywidget from a blob: URL, so errors located there are ours too.
OURS = re.compile(r"live[_-]nb|anywidget|jupyter-widgets|vega|widget model|blob:", re.IGNORECASE)
NETWORK_SCHEMES = {"http", "https", "ws", "wss", "ftp"}


def is_local(url: str) -> bool:
    """Whether a request for ``url`` stays on 127.0.0.1 (data:, about: and such never leave)."""
    scheme = url.partition(":")[0].lower()
    if scheme == "blob":
        return is_local(url[len("blob:") :])
    if scheme not in NETWORK_SCHEMES:
        return True
    return urlsplit(url).hostname == LOCAL_HOST


@dataclass
class BrowserWatch:
    """Console errors, uncaught exceptions and requests to other hosts, as the page runs."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)
    requests: int = 0

    def attach(self, context: Any, page: Any) -> None:
        # Every request goes through this route: one for another host is recorded and refused,
        # so that nothing leaves the machine even when a check below would fail.
        context.route("**/*", self._route)
        context.on("request", self._request)
        page.on("websocket", lambda socket_: self._check(socket_.url))
        page.on("console", self._console)
        page.on("pageerror", self._page_error)

    def _check(self, url: str) -> bool:
        if is_local(url):
            return True
        if url not in self.external:
            self.external.append(url)
        return False

    def _route(self, route: Any) -> None:
        if self._check(route.request.url):
            route.continue_()
        else:
            route.abort("blockedbyclient")

    def _request(self, request: Any) -> None:
        self.requests += 1
        self._check(request.url)

    def _console(self, message: Any) -> None:
        if message.type != "error":
            return
        location = message.location or {}
        where = location.get("url", "")
        self.console_errors.append(f"{message.text} (at {where}:{location.get('lineNumber', '')})")

    def _page_error(self, error: Any) -> None:
        self.page_errors.append(f"{error.name}: {error.message}\n{error.stack or ''}".strip())

    def ours(self) -> list[str]:
        """The errors that come from live_nb's code (the rest is Jupyter's own noise)."""
        return [text for text in self.console_errors + self.page_errors if OURS.search(text)]

    def others(self) -> list[str]:
        return [text for text in self.console_errors + self.page_errors if not OURS.search(text)]
