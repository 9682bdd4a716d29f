"""The base of live_nb's anywidgets: one bundled ES module, a ``view`` trait naming the view.

Widgets that stay in the notebook (the table, the runs view) are :class:`SharedBundleWidget`:
the bundle (``static/widget.js``, about 1 MB) is held once per kernel by a
:class:`BundleModel`, and each widget's own ES module is ``loader.js``, which imports the
bundle from it. Widget state saved with a notebook thus holds the bundle once, however many
tables it shows. The dashboard carries the bundle itself and drops it when its run ends
(``widgets/dashboard.py``), so a notebook of ``%%live`` cells alone saves no bundle at all.

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
import ipywidgets
import traitlets

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
BUNDLE = STATIC_DIR / "widget.js"
FALLBACK_MIME = "application/vnd.live-nb.fallback+json"


def with_saved_copy(data: dict[str, Any], html: str) -> dict[str, Any]:
    """The display bundle ``data`` with ``html`` as its static copy, marked as live_nb's."""
    return {**data, "text/html": html, FALLBACK_MIME: {"mime": "text/html"}}


LOADER = Path(__file__).resolve().parent / "loader.js"


class BundleModel(ipywidgets.Widget):
    """The widget bundle's source, synced once for every live_nb widget of the kernel."""

    source = traitlets.Unicode("").tag(sync=True)


_bundle: BundleModel | None = None


def bundle_model() -> BundleModel:
    """The kernel's :class:`BundleModel`, made (and sent to the front end) on first use."""
    global _bundle
    if _bundle is None or _bundle.comm is None:  # none yet, or closed
        _bundle = BundleModel(source=BUNDLE.read_text(encoding="utf-8"))
    return _bundle


class LiveNbWidget(anywidget.AnyWidget):
    """A widget drawn by ``live_nb/static/widget.js``; subclasses name their ``view``."""

    _esm: Any = BUNDLE
    view = traitlets.Unicode("").tag(sync=True)


class SharedBundleWidget(LiveNbWidget):
    """A live_nb widget whose ES module imports the bundle from the kernel's BundleModel."""

    _esm = traitlets.Unicode(LOADER.read_text(encoding="utf-8")).tag(sync=True)
    _bundle = traitlets.Instance(BundleModel).tag(sync=True, **ipywidgets.widget_serialization)

    @traitlets.default("_bundle")
    def _default_bundle(self) -> BundleModel:
        return bundle_model()
