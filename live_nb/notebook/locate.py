"""Finding the file of the notebook this kernel runs, where the front end tells us."""

from __future__ import annotations

import json
import os
import urllib.request
from pathlib import Path
from typing import Any


def notebook_path(shell: Any) -> Path | None:
    """The notebook file, from VS Code, the Jupyter server's environment, or its sessions API."""
    user_ns = getattr(shell, "user_ns", {})
    for candidate in (user_ns.get("__vsc_ipynb_file__"), os.environ.get("JPY_SESSION_NAME")):
        found = _existing_notebook(candidate)
        if found is not None:
            return found
    if getattr(shell, "kernel", None) is None:
        return None  # a terminal IPython: there is no notebook
    return _from_server_sessions()


def open_notebook(shell: Any) -> tuple[Path, ...]:
    """The notebook this kernel runs, as a tuple of none or one path (for ``apply(keep=)``)."""
    found = notebook_path(shell)
    return () if found is None else (found,)


def _existing_notebook(candidate: object) -> Path | None:
    if not isinstance(candidate, str) or not candidate.endswith(".ipynb"):
        return None
    path = Path(candidate)
    for option in (path, Path.cwd() / path, Path.cwd() / path.name):
        if option.is_file():
            return option.resolve()
    return None


def _from_server_sessions() -> Path | None:
    """Ask the local Jupyter servers which notebook holds this kernel (best effort, fast)."""
    kernel_id = _kernel_id()
    if kernel_id is None:
        return None
    try:
        from jupyter_server.serverapp import list_running_servers
    except ImportError:
        return None
    for server in list_running_servers():
        url = str(server.get("url", ""))
        if not url.startswith(("http://127.", "http://localhost", "http://[::1]")):
            continue
        request = urllib.request.Request(
            url.rstrip("/") + "/api/sessions",
            headers={"Authorization": f"token {server.get('token', '')}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=0.5) as response:
                sessions = json.load(response)
        except (OSError, ValueError):
            continue
        for session in sessions:
            if session.get("kernel", {}).get("id") == kernel_id:
                root = Path(server.get("root_dir") or server.get("notebook_dir") or ".")
                found = _existing_notebook(str(root / session.get("path", "")))
                if found is not None:
                    return found
    return None


def _kernel_id() -> str | None:
    try:
        from ipykernel.connect import get_connection_file
    except ImportError:
        return None
    try:
        name = Path(get_connection_file()).stem
    except Exception:
        return None
    return name.removeprefix("kernel-") if name.startswith("kernel-") else None
