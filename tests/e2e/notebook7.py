"""A Notebook 7 server for the end-to-end tests: :class:`~tests.e2e.lab.LabServer`'s sandbox.

Notebook 7 is built from JupyterLab's components and loads the same labextensions; only its
command, its options' class and its pages differ (``/tree``, ``/notebooks/<path>``).
"""

from __future__ import annotations

from tests.e2e.lab import LabServer

# JupyterLab options Notebook 7 does not have (it shows no news and checks for no updates)
_LAB_ONLY = ("--LabApp.news_url", "--LabApp.check_for_updates", "--LabApp.extension_manager")


class NotebookServer(LabServer):
    """``jupyter notebook`` (Notebook 7) serving ``root``; its folders live in ``home``."""

    def _command(self) -> list[str]:
        command = [
            part.replace("--LabApp.", "--JupyterNotebookApp.")
            for part in super()._command()
            if not part.startswith(_LAB_ONLY)
        ]
        command[command.index("jupyterlab")] = "notebook"
        return command
