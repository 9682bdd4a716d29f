"""The base of live_nb's anywidgets: one bundled ES module, a ``view`` trait naming the view.

A widget's display bundle also carries its static copy (``text/html``) and
:data:`FALLBACK_MIME`, ``{"mime": "text/html"}``: JupyterLab and Notebook 7 prefer the widget
mime type and, once the kernel no longer has the model (a notebook reopened after a restart),
show "model not found"; live_nb's labextension (``js/lab/src/saved.js``) renders the marker
first: the static copy, and the live widget in its place while the kernel has it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anywidget
import traitlets

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
BUNDLE = STATIC_DIR / "widget.js"
FALLBACK_MIME = "application/vnd.live-nb.fallback+json"


def with_saved_copy(data: dict[str, Any], html: str) -> dict[str, Any]:
    """The display bundle ``data`` with ``html`` as its static copy, marked as live_nb's."""
    return {**data, "text/html": html, FALLBACK_MIME: {"mime": "text/html"}}


class LiveNbWidget(anywidget.AnyWidget):
    """A widget drawn by ``live_nb/static/widget.js``; subclasses name their ``view``."""

    _esm = BUNDLE
    view = traitlets.Unicode("").tag(sync=True)
