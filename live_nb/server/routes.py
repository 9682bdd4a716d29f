"""The URL table of the server extension, and what it sets up when Jupyter loads it."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from jupyter_server.utils import url_path_join

from live_nb.server.base import EXECUTOR_SETTING, PANEL_SETTING
from live_nb.server.handlers import (
    ApplyHandler,
    BranchHandler,
    BundleHandler,
    ExperimentsHandler,
    HistoriesHandler,
    NoteHandler,
    PushHandler,
    RemoveHandler,
    RunningHandler,
    StopHandler,
)
from live_nb.server.launch_handlers import (
    LaunchHandler,
    LaunchParamsHandler,
    QueueHandler,
    WorkerHandler,
)
from live_nb.server.panel import Panel
from live_nb.server.run_handlers import RunHandler, RunNotebookHandler, StarHandler

__all__ = ["API", "ROUTES", "setup"]

API = "live-nb/api"
ROUTES: list[tuple[str, type]] = [
    (f"{API}/experiments", ExperimentsHandler),
    (f"{API}/histories", HistoriesHandler),
    (f"{API}/apply", ApplyHandler),
    (f"{API}/remove", RemoveHandler),
    (f"{API}/push", PushHandler),
    (f"{API}/branch", BranchHandler),
    (f"{API}/note", NoteHandler),
    (f"{API}/running", RunningHandler),
    (f"{API}/running/stop", StopHandler),
    (f"{API}/launch", LaunchHandler),
    (f"{API}/launch/params", LaunchParamsHandler),
    (f"{API}/launch/queue", QueueHandler),
    (f"{API}/launch/worker", WorkerHandler),
    (f"{API}/run", RunHandler),
    (f"{API}/run/notebook", RunNotebookHandler),
    (f"{API}/star", StarHandler),
    ("live-nb/static/table.js", BundleHandler),
]
WORKERS = 2  # Git work at once; more requests wait their turn without holding the loop


def setup(server_app: Any) -> None:
    """Add the routes to ``server_app``'s web application, over its ``root_dir``."""
    web_app = server_app.web_app
    panel = Panel(server_app.root_dir)
    web_app.settings[PANEL_SETTING] = panel
    executor = ThreadPoolExecutor(WORKERS, thread_name_prefix="live-nb-server")
    web_app.settings[EXECUTOR_SETTING] = executor
    # the first table's imports, on a thread of their own: the Git workers stay free meanwhile
    threading.Thread(target=panel.prepare, name="live-nb-prepare", daemon=True).start()
    base_url = web_app.settings["base_url"]
    handlers = [(url_path_join(base_url, path), handler) for path, handler in ROUTES]
    web_app.add_handlers(".*$", handlers)
    server_app.log.info("live_nb: the sidebar's routes are at %s", url_path_join(base_url, API))
