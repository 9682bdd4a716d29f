"""The routes of the panel's "Run from here" form and its queue, under ``<base_url>/live-nb/api/``.

- ``GET launch/params?path=NOTEBOOK``: ``{"notebook", "params": [{"key", "value",
  "where"}]}``, the keys ``-S`` can set in the notebook (``path`` relative to the server's
  root, a ``.ipynb`` file), with their values in the ``-S`` grammar.
- ``POST launch`` ``{"path": NOTEBOOK, "params": ["lr=0.1,0.01", ...], "now": true,
  "jobs": 1}``: the grid's runs queued, and with ``now`` a worker started;
  ``{"ok": true, "message", "runs": [names]}``. Items refused (grammar, unknown or
  ambiguous keys, a grid over :data:`~live_nb.server.launch.MAX_RUNS` runs) answer 400
  ``{"kind": "params", "message", "item"}`` and queue nothing.
- ``GET launch/queue?path=P``: ``{"runs": [{"id", "name", "notebook", "params",
  "status", "elapsed", "experiment", "error"}], "worker": {"pid"}, "queued", "running"}`` of
  the repository holding ``P``.
- ``POST launch/worker`` ``{"path", "action": "start"|"stop", "jobs": 1}``: the queue's
  background worker started (when runs are queued and none works them) or interrupted
  (its running runs save what they logged as killed); ``{"ok": true, "message"}``.

Authenticated and authorized as every route (:mod:`live_nb.server.base`); paths are kept
inside the server's root (:mod:`live_nb.server.paths`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import tornado.web
from jupyter_server.auth.decorator import authorized

from live_nb.git import NotAGitRepositoryError
from live_nb.server.base import BadRequestError, LiveNbHandler, done, field
from live_nb.server.paths import FolderNotFoundError, resolve_inside

__all__ = ["LaunchHandler", "LaunchParamsHandler", "QueueHandler", "WorkerHandler"]


class _LaunchHandler(LiveNbHandler):
    """Shared by the launch routes: the notebook and repository a request names."""

    def fail_with(self, error: Exception) -> None:
        """Refused ``-S`` items answer 400 of kind ``params``, naming the item."""
        from live_nb.server.launch import ParamsRefusedError

        if isinstance(error, ParamsRefusedError):
            self.set_status(400)
            self.finish(json.dumps({"kind": "params", "message": str(error), "item": error.item}))
            return
        super().fail_with(error)

    def notebook(self, path: str) -> tuple[Path, Path]:
        """The repository's root and the notebook ``path`` names (a ``.ipynb`` file in it)."""
        if not path.endswith(".ipynb"):
            raise BadRequestError(f"{path!r} is not a notebook: name a .ipynb file.")
        target = resolve_inside(self.panel.root, path)
        if not target.is_file():
            raise FolderNotFoundError(path)
        return self.root_of(target.parent), target

    def root_of(self, folder: Path) -> Path:
        """The root of the repository holding ``folder`` (refused above the server's root)."""
        repo = self.panel.repository(folder)
        if repo is None:
            raise NotAGitRepositoryError(folder)
        with repo:
            return repo.root

    async def answer(self, function: Any, *args: Any) -> None:
        """``function(*args)`` off the loop, its result as JSON (or the error)."""
        try:
            result = await self.blocking(function, *args)
        except Exception as error:
            self.fail_with(error)
            return
        self.set_header("Cache-Control", "no-cache")
        self.finish(json.dumps(result, default=str))


class LaunchParamsHandler(_LaunchHandler):
    """``GET launch/params?path=NOTEBOOK``: the notebook's parameters for the form."""

    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        """The keys ``-S`` can set, with their values."""
        await self.answer(self._params, self.get_query_argument("path", ""))

    def _params(self, path: str) -> dict[str, Any]:
        from live_nb.server.launch import notebook_params

        root, notebook = self.notebook(path)
        return {"notebook": path, "params": notebook_params(root, notebook)}


class LaunchHandler(_LaunchHandler):
    """``POST launch``: queue (and with ``now`` run) a notebook with edited parameters."""

    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        """Queue the grid's runs; start a worker when ``now``."""
        await self.post_json(lambda data: self.blocking(self._launch, data))

    def _launch(self, data: dict[str, Any]) -> dict[str, Any]:
        from live_nb.server.launch import launch

        root, notebook = self.notebook(field(data, "path", str))
        items = field(data, "params", list, [])
        now = field(data, "now", bool, True)
        return launch(root, notebook, items, now, field(data, "jobs", int, 1))


class QueueHandler(_LaunchHandler):
    """``GET launch/queue?path=P``: the queue's runs and its worker."""

    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        """The queue of the repository holding ``path``."""
        await self.answer(self._queue, self.get_query_argument("path", ""))

    def _queue(self, path: str) -> dict[str, Any]:
        from live_nb.server.launch import queue_state

        return queue_state(self.root_of(self.panel.folder(path)))


class WorkerHandler(_LaunchHandler):
    """``POST launch/worker``: start or stop the queue's background worker."""

    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        """Do ``action`` (``start`` or ``stop``)."""
        await self.post_json(lambda data: self.blocking(self._act, data))

    def _act(self, data: dict[str, Any]) -> dict[str, Any]:
        from live_nb.server.launch import start_worker, stop_worker

        root = self.root_of(self.panel.folder(field(data, "path", str, "")))
        action = field(data, "action", str)
        if action == "start":
            message = start_worker(root, field(data, "jobs", int, 1))
        elif action == "stop":
            message = stop_worker(root)
        else:
            raise BadRequestError(f"'action' must be 'start' or 'stop', not {action!r}.")
        return done(message)
