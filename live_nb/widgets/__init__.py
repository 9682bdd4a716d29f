"""live_nb's notebook views, drawn by the anywidget bundle in ``live_nb/static``.

``LiveDashboard`` follows a :class:`live_nb.Live` run: it streams the run's
metrics, images and plots to the browser while the run goes on, and leaves a
static copy of the final charts in the notebook. Importing this package is
cheap; the widget classes (and anywidget) load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from live_nb.widgets.dashboard import LiveDashboard, show_dashboard

__all__ = ["LiveDashboard", "show_dashboard"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from live_nb.widgets import dashboard

        return getattr(dashboard, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
