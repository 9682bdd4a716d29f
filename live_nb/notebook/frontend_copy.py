"""The notebook as its front end shows it, unsaved edits included, for the ``%%live`` cell's commit.

A ``%%live`` run commits the notebook it ran in. The file on disk is what was last saved;
what the user sees, and runs, may differ. live_nb's JupyterLab / Notebook 7 extension
(``js/lab/src/unsaved.js``) therefore sends the notebook's current JSON to the kernel just
before it sends a ``%%live`` cell's ``execute_request``, on a comm to :data:`TARGET`, which
``%load_ext live_nb`` registers. The kernel handles shell messages in order, so the copy is
here when the cell starts. Its ``data``::

    {"path": "<notebook path relative to the server's root>", "dirty": <unsaved edits?>,
     "notebook": <the nbformat 4 notebook as JSON>}
    {"path": ..., "refused": "<why the front end sent no notebook>"}   # too large, ...

The copy is only data: it is validated with nbformat, capped at :data:`MAX_BYTES`, never
executed, and used once, by the ``%%live`` cell whose source it holds (:meth:`FrontendCopies.take`).
Without the extension nothing arrives and the saved file is committed, as before; the commit's
``Live-Nb-Notebook-Copy`` trailer says which it holds (:data:`FRONT_END`, :data:`SAVED_FILE`).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "COPY_TRAILER",
    "FRONT_END",
    "MAX_BYTES",
    "REFUSED_TRAILER",
    "SAVED_FILE",
    "TARGET",
    "UNSAVED_TRAILER",
    "FrontendCopies",
    "FrontendCopy",
    "copies_of",
    "install",
    "notebook_trailers",
    "uninstall",
]

TARGET = "live_nb.notebook"
MAX_BYTES = 32 * 2**20  # a larger notebook is committed as saved: the message would be huge
MAX_AGE = 600.0  # s a copy waits for its cell; an older one is stale (its cell never ran)
COPY_TRAILER = "Live-Nb-Notebook-Copy"
UNSAVED_TRAILER = "Live-Nb-Notebook-Unsaved"
REFUSED_TRAILER = "Live-Nb-Notebook-Copy-Refused"
FRONT_END = "front-end"
SAVED_FILE = "saved-file"
_ATTRIBUTE = "_live_nb_frontend_copies"


@dataclass(frozen=True)
class FrontendCopy:
    """One notebook as the front end showed it: its path, its file's bytes, whether unsaved."""

    path: str
    text: bytes
    dirty: bool
    cells: tuple[str, ...]  # the sources of its code cells, to find the cell it was sent for
    received: float

    def holds_cell(self, header: str, body: str) -> bool:
        """Whether one of its code cells is the ``%%live`` cell ``header`` + ``body``."""
        for source in self.cells:
            first, _, rest = source.partition("\n")
            if first.strip() == header.strip() and rest.rstrip() == body.rstrip():
                return True
        return False

    def is_for(self, notebook: Path) -> bool:
        """Whether the front end's path names ``notebook`` (its path ends with it)."""
        parts = Path(self.path).parts
        return bool(parts) and notebook.parts[-len(parts) :] == parts


class FrontendCopies:
    """The comm target receiving the copies, and the one waiting for its ``%%live`` cell."""

    def __init__(self) -> None:
        self._pending: FrontendCopy | None = None
        self.refused: str | None = None  # why the last message was not kept
        self._lock = threading.Lock()
        self._manager: Any = None

    def install(self) -> None:
        """Register :data:`TARGET` with the kernel's comm manager (nothing outside a kernel)."""
        try:
            from comm import get_comm_manager
        except ImportError:
            return
        self._manager = get_comm_manager()
        self._manager.register_target(TARGET, self._opened)

    def uninstall(self) -> None:
        """Unregister :data:`TARGET`."""
        if self._manager is not None:
            self._manager.unregister_target(TARGET, self._opened)
            self._manager = None

    def _opened(self, comm: Any, message: dict[str, Any]) -> None:
        """A front end sent a notebook: keep it (or why not) for the next ``%%live`` cell."""
        data = (message.get("content") or {}).get("data") or {}
        try:
            copy = parse(data)
        except ValueError as error:
            with self._lock:
                self._pending, self.refused = None, str(error)
        else:
            with self._lock:
                self._pending, self.refused = copy, None
        finally:
            comm.close()

    def take(self, header: str, body: str) -> tuple[FrontendCopy | None, str | None]:
        """The copy sent for this ``%%live`` cell, and why there is none; used once."""
        with self._lock:
            copy, refused = self._pending, self.refused
            self._pending, self.refused = None, None
        if copy is None:
            return None, refused
        if time.monotonic() - copy.received > MAX_AGE:
            return None, "the front end's copy was sent long before this cell ran"
        if not copy.holds_cell(header, body):
            return None, "the front end's copy does not hold this cell"
        return copy, None


def parse(data: Any) -> FrontendCopy:
    """The copy ``data`` describes; :class:`ValueError` saying what is wrong with it."""
    if not isinstance(data, dict):
        raise ValueError("the front end's message is not a JSON object")
    path = data.get("path")
    if not isinstance(path, str) or not path.endswith(".ipynb") or "\0" in path:
        raise ValueError("the front end's message names no notebook path")
    if isinstance(data.get("refused"), str):
        raise ValueError(f"the front end sent no copy: {data['refused'][:200]}")
    notebook = data.get("notebook")
    if not isinstance(notebook, dict):
        raise ValueError("the front end's message holds no notebook")
    text = _validated_text(notebook)
    if len(text) > MAX_BYTES:
        raise ValueError(f"the notebook is over {MAX_BYTES // 2**20} MB")
    cells = tuple(
        _source(cell)
        for cell in notebook.get("cells", [])
        if isinstance(cell, dict) and cell.get("cell_type") == "code"
    )
    return FrontendCopy(path, text, bool(data.get("dirty")), cells, time.monotonic())


def _validated_text(notebook: dict[str, Any]) -> bytes:
    """The notebook as Jupyter's contents manager would write it, once nbformat accepts it."""
    import nbformat

    try:
        node = nbformat.from_dict(json.loads(json.dumps(notebook)))
        if node.get("nbformat") != 4:
            raise ValueError(f"nbformat {node.get('nbformat')!r}, not 4")
        nbformat.validate(node)
    except (ValueError, TypeError, nbformat.ValidationError) as error:
        raise ValueError(f"the front end's notebook is not a valid notebook: {error}") from None
    return str(nbformat.writes(node, version=nbformat.NO_CONVERT)).encode()


def _source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def install(shell: Any) -> FrontendCopies | None:
    """The copies' receiver, registered when ``shell`` runs in a kernel (None otherwise)."""
    if getattr(shell, "kernel", None) is None:
        return None
    copies = FrontendCopies()
    copies.install()
    setattr(shell, _ATTRIBUTE, copies)
    return copies


def uninstall(shell: Any) -> None:
    """Unregister what :func:`install` registered on ``shell``."""
    copies = getattr(shell, _ATTRIBUTE, None)
    if copies is not None:
        copies.uninstall()
        setattr(shell, _ATTRIBUTE, None)


def copies_of(shell: Any) -> FrontendCopies | None:
    """The receiver :func:`install` set up on ``shell``, if any."""
    return getattr(shell, _ATTRIBUTE, None)


def notebook_trailers(
    copy: FrontendCopy | None, refused: str | None, notebook: Path
) -> tuple[dict[str, str], dict[Path, bytes]]:
    """The trailers saying which notebook copy a commit holds, and the bytes to commit for it."""
    if copy is not None and copy.is_for(notebook):
        trailers = {COPY_TRAILER: FRONT_END, UNSAVED_TRAILER: "yes" if copy.dirty else "no"}
        return trailers, {notebook: copy.text}
    trailers = {COPY_TRAILER: SAVED_FILE}
    if copy is not None:
        refused = f"the front end's copy is of {copy.path!r}, not this notebook"
    if refused:
        trailers[REFUSED_TRAILER] = refused[:300].replace("\n", " ")
    return trailers, {}
