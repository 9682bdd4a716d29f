"""A Notebook 7 server for the end-to-end tests: :class:`~tests.e2e.lab.LabServer`'s sandbox.

Notebook 7 is built from JupyterLab's components and loads the same labextensions; only its
command line, its options' class and its pages differ (``/tree``, ``/notebooks/<path>``).
"""

from __future__ import annotations

import sys

from tests.e2e.lab import LOCAL_HOST, LabServer


class NotebookServer(LabServer):
    """``jupyter notebook`` (Notebook 7) serving ``root``; its folders live in ``home``."""

    def _command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "notebook",
            "--no-browser",
            f"--ServerApp.ip={LOCAL_HOST}",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root}",
            "--ServerApp.allow_root=True",  # CI runs as root
            "--JupyterNotebookApp.expose_app_in_browser=True",  # window.jupyterapp
            f"--JupyterNotebookApp.user_settings_dir={self._settings()}",
            f"--JupyterNotebookApp.workspaces_dir={self.home / 'workspaces'}",
        ]
