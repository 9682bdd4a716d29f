"""The handler every live_nb route derives from: authorized, JSON in and out, Git off the loop.

Each route's method is decorated with ``@tornado.web.authenticated`` and jupyter_server's
``@authorized`` (the resource is ``live_nb``; GET is ``read``, POST ``write``), so a request
without a valid token or cookie gets 403 and an authorizer can refuse any of them. Blocking
work (everything that runs Git) goes to the extension's own small thread pool through
:meth:`LiveNbHandler.blocking`, so a slow repository never holds the server's event loop.
Failures answer ``{"message": <one readable sentence>, "kind": <what went wrong>}`` with a
status code: 400 bad input, 403 refused path, 404 nothing there, 409 uncommitted work, a
ref moved meanwhile or a branch name taken, 500 a bug (logged with its traceback). A branch
name refused or taken is of kind ``branch_name``: the panel keeps its name box open.
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from jupyter_server.base.handlers import APIHandler

from live_nb.error import LiveNbError
from live_nb.server.panel import Panel

__all__ = ["AUTH_RESOURCE", "BadRequestError", "LiveNbHandler", "done", "field", "status_of"]

AUTH_RESOURCE = "live_nb"
PANEL_SETTING = "live_nb_panel"
EXECUTOR_SETTING = "live_nb_executor"
T = TypeVar("T")


class BadRequestError(LiveNbError, ValueError):
    """A request whose arguments are missing or of the wrong type."""


def status_of(error: LiveNbError) -> tuple[int, str]:
    """The HTTP status and ``kind`` that answer ``error``."""
    from live_nb.experiments.manage import (
        BranchExistsError,
        ExperimentChangedError,
        InvalidBranchNameError,
    )
    from live_nb.experiments.restore import UncommittedChangesError
    from live_nb.git import GitLockedError, NotAGitRepositoryError, RefChangedError
    from live_nb.server.notebook_view import NoNotebookError
    from live_nb.server.paths import FolderNotFoundError, PathRefusedError
    from live_nb.server.runview import UnknownRunError

    table: list[tuple[type[BaseException], int, str]] = [
        (UncommittedChangesError, 409, "uncommitted"),
        (RefChangedError, 409, "changed"),
        (ExperimentChangedError, 409, "changed"),
        (GitLockedError, 409, "locked"),
        (PathRefusedError, 403, "refused"),
        (PermissionError, 403, "refused"),
        (FolderNotFoundError, 404, "not-found"),
        (NotAGitRepositoryError, 404, "no-repository"),
        (UnknownRunError, 404, "unknown-run"),
        (NoNotebookError, 404, "no-notebook"),
        (BadRequestError, 400, "bad-request"),
        (InvalidBranchNameError, 400, "branch_name"),  # the panel keeps its name box open
        (BranchExistsError, 409, "branch_name"),
    ]
    for kind, status, name in table:
        if isinstance(error, kind):
            return status, name
    return 400, "error"


class LiveNbHandler(APIHandler):
    """Shared plumbing of the live_nb routes (see the module's notes)."""

    auth_resource = AUTH_RESOURCE

    @property
    def panel(self) -> Panel:
        """The extension's :class:`Panel`, over the server's root folder."""
        panel: Panel = self.settings[PANEL_SETTING]
        return panel

    async def blocking(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``function(*args, **kwargs)`` run on the extension's thread pool."""
        executor: ThreadPoolExecutor = self.settings[EXECUTOR_SETTING]
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(executor, functools.partial(function, *args, **kwargs))

    def fail(self, status: int, kind: str, message: str) -> None:
        """Answer ``{"message", "kind"}`` with ``status``."""
        self.set_status(status)
        self.finish(json.dumps({"message": message, "kind": kind}))

    def fail_with(self, error: Exception) -> None:
        """Answer an exception: a LiveNbError as its message, anything else as a bug."""
        if isinstance(error, LiveNbError):
            status, kind = status_of(error)
            self.fail(status, kind, str(error))
            return
        self.log.error(
            "live_nb: %s %s failed", self.request.method, self.request.path, exc_info=error
        )
        self.fail(
            500,
            "bug",
            f"Unexpected error ({type(error).__name__}): {error}. Refresh the panel; if it "
            "persists, please report it with the Jupyter server's log.",
        )

    async def post_json(self, respond: Callable[[dict[str, Any]], Awaitable[Any]]) -> None:
        """Answer a POST: ``respond(body)`` awaited with the body's JSON object, its result as JSON.

        The one shape of every POST route: a body that is not a JSON object, and anything
        ``respond`` raises, answer as :meth:`fail_with` does (400 ``bad-request`` for the body).
        """
        try:
            result = await respond(self.body())
        except Exception as error:
            self.fail_with(error)
            return
        self.set_header("Cache-Control", "no-cache")
        self.finish(json.dumps(result, default=str))

    def body(self) -> dict[str, Any]:
        """The request's JSON object (raises :class:`BadRequestError` when it is not one)."""
        try:
            data = json.loads(self.request.body or b"{}")
        except ValueError as error:
            raise BadRequestError(f"The request's body is not valid JSON: {error}.") from None
        if not isinstance(data, dict):
            raise BadRequestError("The request's body must be a JSON object.")
        return data


def done(message: str) -> dict[str, Any]:
    """What a POST that did what it was asked answers: ``{"ok": true, "message"}``."""
    return {"ok": True, "message": message}


def field(data: dict[str, Any], name: str, kind: type, default: Any = None) -> Any:
    """``data[name]``, checked to be a ``kind`` (``default`` when absent and not None)."""
    if name not in data:
        if default is None:
            raise BadRequestError(f"The request lacks {name!r}.")
        return default
    value = data[name]
    if kind is list:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise BadRequestError(f"{name!r} must be a list of strings.")
    elif not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise BadRequestError(f"{name!r} must be a {kind.__name__}, not {value!r}.")
    return value
