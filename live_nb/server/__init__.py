"""The Jupyter server extension behind the JupyterLab sidebar (routes under ``/live-nb/``).

Enabled by ``jupyter-config/server-config/live_nb.json`` (installed into
``etc/jupyter/jupyter_server_config.d/``), which names the ``live_nb`` package; its
``_jupyter_server_extension_points`` points here. ``routes.py`` lists the URLs,
``handlers.py`` answers them through ``base.py``'s authorized handler, ``panel.py`` reads and
changes experiments through :mod:`live_nb.experiments`, and ``paths.py`` keeps every path
inside the server's root folder. Importing this package imports no pandas and runs no Git.
"""

from __future__ import annotations

from typing import Any

__all__: list[str] = []


def _load_jupyter_server_extension(server_app: Any) -> None:
    """Called by jupyter_server when it loads the extension: add the routes."""
    from live_nb.server.routes import setup

    setup(server_app)
