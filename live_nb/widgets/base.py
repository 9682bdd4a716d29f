"""The base of live_nb's anywidgets: one bundled ES module, a ``view`` trait naming the view."""

from __future__ import annotations

from pathlib import Path

import anywidget
import traitlets

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
BUNDLE = STATIC_DIR / "widget.js"


class LiveNbWidget(anywidget.AnyWidget):
    """A widget drawn by ``live_nb/static/widget.js``; subclasses name their ``view``."""

    _esm = BUNDLE
    view = traitlets.Unicode("").tag(sync=True)
