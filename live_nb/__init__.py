"""live_nb: DVCLive-compatible logging and Git experiment versioning for Jupyter notebooks.

``from live_nb import Live`` is a drop-in replacement for ``from dvclive import Live``;
``%load_ext live_nb`` adds the ``%%live`` and ``%exp_*`` magics to IPython and Jupyter.
"""

from __future__ import annotations

from live_nb.error import LiveNbError, LiveNbWarning

TYPE_CHECKING = False  # not typing's: importing typing costs `live-nb exp show` 4 ms
if TYPE_CHECKING:
    from typing import Any

    from live_nb.events import LiveEvent
    from live_nb.live import Live

__version__ = "0.1.0"

__all__ = [
    "Live",
    "LiveEvent",
    "LiveNbError",
    "LiveNbWarning",
    "__version__",
    "load_ipython_extension",
    "unload_ipython_extension",
]


def __getattr__(name: str) -> Any:
    """``Live`` and ``LiveEvent``, imported on first use: ``live-nb`` never needs them."""
    if name == "Live":
        from live_nb.live import Live

        return Live
    if name == "LiveEvent":
        from live_nb.events import LiveEvent

        return LiveEvent
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def load_ipython_extension(ipython: object) -> None:
    """``%load_ext live_nb``: the ``%%live`` and ``%exp_*`` magics and the execution record."""
    from live_nb.notebook.extension import load

    load(ipython)


def unload_ipython_extension(ipython: object) -> None:
    """``%unload_ext live_nb``: removes the magics and every hook."""
    from live_nb.notebook.extension import unload

    unload(ipython)


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    """The Jupyter server extension of the sidebar (enabled by ``jupyter-config/``)."""
    return [{"module": "live_nb.server"}]


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """The prebuilt JupyterLab extension (for ``jupyter labextension develop``)."""
    return [{"src": "labextension", "dest": "live_nb"}]
