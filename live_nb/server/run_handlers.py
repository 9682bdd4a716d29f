"""The routes of a run's view and of stars, under ``<base_url>/live-nb/api/``.

- ``GET run?path=P&id=ID``: what the run's view shows (:func:`live_nb.server.runview.run_view`:
  ``{"name", "id", "commit", "baseline", "message", "spec", "downsampled", "images",
  "images_skipped", "params", "metrics", "diff", "notebook"}``); 404 ``unknown-run`` for an
  id that names no experiment.
- ``GET run/notebook?path=P&id=ID``: ``{"name", "path", "kind", "html"}``, the notebook the
  run ran, sanitized and rendered read-only (:mod:`live_nb.server.notebook_view`); 404
  ``no-notebook`` when the commit holds none.
- ``POST star`` ``{"path", "id", "starred": true|false}``: star (pin to the top of the table) or
  unstar the experiment (:mod:`live_nb.experiments.stars`); ``{"ok": true, "message"}``.

Authorized, path-checked and answered as every live_nb route (:mod:`live_nb.server.base`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import tornado.web
from jupyter_server.auth.decorator import authorized

from live_nb.git import NotAGitRepositoryError, Repository
from live_nb.server.base import LiveNbHandler, done, field

__all__ = ["RunHandler", "RunNotebookHandler", "StarHandler"]


class _RunReader(LiveNbHandler):
    """A GET that reads one run of the folder's repository."""

    def read(self, repo: Repository, row_id: str) -> dict[str, Any]:
        raise NotImplementedError

    def answer(self, folder: Path, row_id: str) -> dict[str, Any]:
        repo = self.panel.repository(folder)
        if repo is None:
            raise NotAGitRepositoryError(folder)
        with repo:
            return self.read(repo, row_id)

    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        """The run ``id`` of the repository of folder ``path``."""
        try:
            folder = self.panel.folder(self.get_query_argument("path", ""))
            row_id = self.get_query_argument("id", "")
            answer = await self.blocking(self.answer, folder, row_id)
        except Exception as error:
            self.fail_with(error)
            return
        self.set_header("Cache-Control", "no-cache")
        self.finish(json.dumps(answer))


class RunHandler(_RunReader):
    """``GET run?path=P&id=ID``: a run's view."""

    def read(self, repo: Repository, row_id: str) -> dict[str, Any]:
        """The run's charts, images, params, metrics, diff and notebook's place."""
        from live_nb.server.runview import run_view

        return run_view(repo, row_id)


class RunNotebookHandler(_RunReader):
    """``GET run/notebook?path=P&id=ID``: a run's notebook, read-only."""

    def read(self, repo: Repository, row_id: str) -> dict[str, Any]:
        """The run's notebook as sanitized HTML."""
        from live_nb.server.notebook_view import notebook_page

        return notebook_page(repo, row_id)


class StarHandler(LiveNbHandler):
    """``POST star``: star or unstar an experiment."""

    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        """Star ``id`` (``starred`` true, the default) or unstar it."""
        await self.post_json(self.star)

    async def star(self, data: dict[str, Any]) -> dict[str, Any]:
        """Set the star of the experiment ``data["id"]`` names."""
        folder = self.panel.folder(field(data, "path", str, ""))
        row_id = field(data, "id", str)
        starred = field(data, "starred", bool, True)
        repo = self.panel.repository(folder)
        return done(await self.blocking(_star, repo, folder, row_id, starred))


def _star(repo: Repository | None, folder: Path, row_id: str, starred: bool) -> str:
    from live_nb.experiments.stars import set_star
    from live_nb.server.runview import run_commit

    if repo is None:
        raise NotAGitRepositoryError(folder)
    with repo:
        run_commit(repo, row_id)  # an experiment's ref, or UnknownRunError
    return set_star(row_id, starred, path=repo.root)
