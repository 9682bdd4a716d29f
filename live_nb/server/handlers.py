"""The routes of the sidebar's Experiments panel, under ``<base_url>/live-nb/api/``.

- ``GET experiments?path=P``: the table of the repository holding folder ``P`` (relative to
  the server's root; a file's path names its folder): ``{"state": "ready", "folder",
  "repository", "head", "columns", "rows", "experiments", "warnings"}``, or ``{"state":
  "no-repository"|"no-commit", "message", ...}``. Answered with an ``ETag``; a request whose
  ``If-None-Match`` holds it gets ``304`` when nothing the table depends on changed.
- ``GET histories?path=P&id=ID&id=...``: ``{"histories": {id: {"commit", "metrics": {name:
  {"step", "value"}}, "downsampled", "error"}}}`` for at most 24 rows.
- ``POST apply`` ``{"path", "id", "force": false, "keep": [paths]}``, ``POST remove``
  ``{"path", "ids"}``, ``POST push`` ``{"path", "ids"}`` (to the default Git and DVC
  remotes), ``POST branch`` ``{"path", "id", "branch_name"}``: ``{"ok": true, "message"}``;
  apply refused because of uncommitted work answers 409 with ``"kind": "uncommitted"``.
- ``POST note`` ``{"path", "id", "text"}``: the experiment's note (a Git note under
  ``refs/notes/live-nb``; an empty text removes it), shown in the table's ``Notes`` column.
- ``GET running?path=P``: ``{"runs": [row, ...]}``, the live runs of the repository (rows
  documented in :mod:`live_nb.server.running`), with an ``ETag`` as ``experiments`` has.
- ``POST running/stop`` ``{"path", "id"}``: a headless run killed (or cancelled when still
  queued); a ``%%live`` run in a kernel of this server interrupted (the cell saves it as
  ``interrupted``, the kernel stays); ``{"ok": true, "message"}``.
- ``GET /live-nb/static/table.js``: the widgets' bundle (``live_nb/static/widget.js``), whose
  table view the panel renders.

Row ids are those of the table's ``rows`` (see :mod:`live_nb.server.panel`). A run's view
(``run``, ``run/notebook``) and stars (``star``) are documented in
:mod:`live_nb.server.run_handlers`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import tornado.web
from jupyter_server.auth.decorator import authorized

from live_nb.server.base import LiveNbHandler, done, field

__all__ = [
    "ApplyHandler",
    "BranchHandler",
    "BundleHandler",
    "ExperimentsHandler",
    "HistoriesHandler",
    "NoteHandler",
    "PushHandler",
    "RemoveHandler",
    "RunningHandler",
    "StopHandler",
]

BUNDLE = Path(__file__).resolve().parents[1] / "static" / "widget.js"


class ExperimentsHandler(LiveNbHandler):
    """``GET experiments?path=P``: the experiments table, with an ETag."""

    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        """The table of the folder's repository, or 304 when it has not changed."""
        try:
            folder = self.panel.folder(self.get_query_argument("path", ""))
            tag = f'"{await self.blocking(self.panel.fingerprint, folder)}"'
            if tag in _etags(self.request.headers.get("If-None-Match", "")):
                self.set_status(304)
                self.set_header("ETag", tag)
                self.finish()
                return
            table = await self.blocking(self.panel.table, folder)
        except Exception as error:
            self.fail_with(error)
            return
        self.set_header("ETag", tag)
        self.set_header("Cache-Control", "no-cache")
        self.finish(json.dumps(table))


class HistoriesHandler(LiveNbHandler):
    """``GET histories?path=P&id=...``: metric histories of some rows."""

    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        """The metric histories of the rows named by the ``id`` arguments."""
        try:
            folder = self.panel.folder(self.get_query_argument("path", ""))
            ids = self.get_query_arguments("id")
            answer = await self.blocking(self.panel.histories, folder, ids)
        except Exception as error:
            self.fail_with(error)
            return
        self.finish(json.dumps(answer))


class _ActionHandler(LiveNbHandler):
    """A POST that changes the repository and answers ``{"ok": true, "message"}``."""

    def act(self, data: dict[str, Any]) -> str:
        raise NotImplementedError

    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        """Do the action the body describes."""
        await self.post_json(self._act)

    async def _act(self, data: dict[str, Any]) -> dict[str, Any]:
        return done(await self.blocking(self.act, data))

    def folder_of(self, data: dict[str, Any]) -> Path:
        """The folder the body's ``path`` names."""
        return self.panel.folder(field(data, "path", str, ""))


class ApplyHandler(_ActionHandler):
    """``POST apply``: an experiment's files into the working tree."""

    def act(self, data: dict[str, Any]) -> str:
        """Apply ``data["id"]``."""
        return self.panel.apply(
            self.folder_of(data),
            field(data, "id", str),
            force=field(data, "force", bool, False),
            keep=field(data, "keep", list, []),
        )


class RemoveHandler(_ActionHandler):
    """``POST remove``: delete experiments."""

    def act(self, data: dict[str, Any]) -> str:
        """Remove ``data["ids"]``."""
        return self.panel.remove(self.folder_of(data), field(data, "ids", list))


class PushHandler(_ActionHandler):
    """``POST push``: experiments to the default Git remote, artifacts to the DVC one."""

    def act(self, data: dict[str, Any]) -> str:
        """Push ``data["ids"]``."""
        return self.panel.push(self.folder_of(data), field(data, "ids", list))


class BranchHandler(_ActionHandler):
    """``POST branch``: a Git branch at an experiment."""

    def act(self, data: dict[str, Any]) -> str:
        """Branch ``data["id"]`` as ``data["branch_name"]``."""
        return self.panel.branch(
            self.folder_of(data), field(data, "id", str), field(data, "branch_name", str)
        )


class RunningHandler(LiveNbHandler):
    """``GET running?path=P``: the live runs, with an ETag."""

    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        """The live runs of the folder's repository, or 304 when nothing changed."""
        try:
            folder = self.panel.folder(self.get_query_argument("path", ""))
            sessions = await self.sessions()
            answer = await self.blocking(self.panel.running, folder, sessions)
        except Exception as error:
            self.fail_with(error)
            return
        tag = f'"{_digest_without_elapsed(answer)}"'
        self.set_header("ETag", tag)
        self.set_header("Cache-Control", "no-cache")
        if tag in _etags(self.request.headers.get("If-None-Match", "")):
            self.set_status(304)
            self.finish()
            return
        self.finish(json.dumps(answer))

    async def sessions(self) -> dict[str, str]:
        """This server's kernel ids, each with its notebook's path ("" for none)."""
        kernels = self.settings.get("kernel_manager")
        found: dict[str, str] = {}
        if kernels is None:
            return found
        found = dict.fromkeys(kernels.list_kernel_ids(), "")
        manager = self.settings.get("session_manager")
        if manager is not None:
            for session in await manager.list_sessions():
                kernel = (session.get("kernel") or {}).get("id")
                if kernel in found:
                    found[kernel] = str(session.get("path") or "")
        return found


class StopHandler(LiveNbHandler):
    """``POST running/stop``: stop a live run."""

    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        """Kill the headless run, or interrupt the kernel of the ``%%live`` run, ``id`` names."""
        await self.post_json(self.stop)

    async def stop(self, data: dict[str, Any]) -> dict[str, Any]:
        """Stop the run ``data["id"]`` names."""
        folder = self.panel.folder(field(data, "path", str, ""))
        row_id = field(data, "id", str)
        if row_id.startswith("live:"):
            return done(await self.interrupt(folder, row_id))
        return done(await self.blocking(self.panel.stop_run, folder, row_id))

    async def interrupt(self, folder: Path, row_id: str) -> str:
        """Interrupt the kernel running the marker's ``Live``."""
        from jupyter_core.utils import ensure_async

        from live_nb.server.running import NotStoppableError

        marker = await self.blocking(self.panel.marker, folder, row_id)
        kernels = self.settings.get("kernel_manager")
        if marker.kernel is None or kernels is None or marker.kernel not in kernels:
            raise NotStoppableError(
                f"This run is not in a kernel of this Jupyter server (process {marker.pid}, "
                f"{marker.program or 'a script'}): stop it where it runs."
            )
        await ensure_async(kernels.interrupt_kernel(marker.kernel))
        return (
            "Interrupted the kernel: the cell saves what it logged as interrupted, and the "
            "kernel stays."
        )


class NoteHandler(_ActionHandler):
    """``POST note``: write (or with an empty text remove) an experiment's note."""

    def act(self, data: dict[str, Any]) -> str:
        """Note ``data["text"]`` on ``data["id"]``."""
        return self.panel.note(
            self.folder_of(data), field(data, "id", str), field(data, "text", str, "")
        )


class BundleHandler(LiveNbHandler):
    """``GET /live-nb/static/table.js``: the widgets' JavaScript bundle."""

    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        """The bundle, as a JavaScript module."""
        try:
            content = await self.blocking(BUNDLE.read_bytes)
        except OSError:
            self.fail(
                404,
                "not-found",
                "live_nb's JavaScript bundle is missing: reinstall live_nb (pip install "
                "--force-reinstall live_nb), or build it with `cd js && npm run build`.",
            )
            return
        self.set_header("Cache-Control", "no-cache")
        self.finish(content, set_content_type="text/javascript; charset=utf-8")


def _etags(header: str) -> set[str]:
    return {part.strip().removeprefix("W/") for part in header.split(",") if part.strip()}


def _digest_without_elapsed(answer: dict[str, Any]) -> str:
    """A hash of ``answer`` leaving out the elapsed times, which the panel counts itself."""
    import hashlib

    rows = [{**row, "elapsed": None} for row in answer.get("runs", [])]
    text = json.dumps({**answer, "runs": rows}, sort_keys=True, default=str)
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:24]
