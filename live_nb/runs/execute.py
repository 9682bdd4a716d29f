"""Executing a run in its folder: a notebook in a kernel of its own (nbclient), or a command.

Each run has its own kernel, started in its own folder, on Unix sockets in its private folder
when the path is short enough for one (no TCP ports, so parallel runs cannot clash on them),
with IPython's history off (parallel kernels lock its database). A run is stopped by
:meth:`RunControl.stop`: an interrupt (SIGINT, so the notebook's ``%%live`` cell or the
script saves what it logged), then, after a grace period, SIGKILL.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from live_nb.env import LIVE_NB_RUN_WORK_TREE

__all__ = ["FAILED", "KILLED", "OK", "Outcome", "RunControl", "run_command", "run_notebook"]

OK = "ok"
FAILED = "error"
KILLED = "killed"
GRACE_SECONDS = 5.0
_MAX_SOCKET_PATH = 90  # Unix socket paths are limited to about 104 bytes


@dataclass
class Outcome:
    """How a run ended: :data:`OK`, :data:`FAILED` or :data:`KILLED`, why, and how long."""

    status: str
    error: str | None = None
    duration: float = 0.0


class RunControl:
    """Stops a run: on request (``queue kill``, Ctrl-C) or at its timeout."""

    def __init__(self, timeout: float | None = None) -> None:
        """``timeout``: seconds the run may take, or None."""
        self.reason: str | None = None
        self._pid: Callable[[], int | None] = lambda: None
        self._group = False
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        if timeout is not None:
            self._timer = threading.Timer(timeout, self.stop, (f"timed out after {timeout:g}s",))
            self._timer.daemon = True

    def attach(self, pid: Callable[[], int | None], group: bool = False) -> None:
        """Signal the process ``pid()`` names (its whole group if ``group``) when stopping."""
        self._pid = pid
        self._group = group
        if self._timer is not None:
            self._timer.start()

    def stop(self, reason: str = "killed") -> None:
        """Interrupt the run now; kill it if it has not ended after the grace period."""
        with self._lock:
            first = self.reason is None
            if first:
                self.reason = reason
        if not first:
            return
        self._signal(signal.SIGINT)
        killer = threading.Timer(GRACE_SECONDS, self._signal, (signal.SIGKILL,))
        killer.daemon = True
        killer.start()

    def _signal(self, number: int) -> None:
        pid = self._pid()
        if pid is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, number) if self._group else os.kill(pid, number)

    def cancel(self) -> None:
        """The run ended: no timeout any more."""
        if self._timer is not None:
            self._timer.cancel()

    def outcome(self, status: str, error: str | None, started: float) -> Outcome:
        """The run's outcome; a stopped run is :data:`KILLED`, with the reason."""
        self.cancel()
        if self.reason is not None:
            return Outcome(KILLED, self.reason, time.monotonic() - started)
        return Outcome(status, error, time.monotonic() - started)


def run_environment(work: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The run's environment: Git cannot find the user's repository from the run's folder.

    The folder is still named as the top of a Git work tree (``LIVE_NB_RUN_WORK_TREE``):
    caching an output there adds its ``.gitignore`` entry, which the experiment keeps.
    """
    env = dict(os.environ)
    env["GIT_CEILING_DIRECTORIES"] = str(work.parent)
    env[LIVE_NB_RUN_WORK_TREE] = str(work)  # still a Git project, for the .gitignore entries
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.pop("GIT_DIR", None)
    env.pop("GIT_WORK_TREE", None)
    env.pop("GIT_INDEX_FILE", None)
    env.update(extra or {})
    return env


def run_command(
    command: list[str], work: Path, log: TextIO, control: RunControl, env: Mapping[str, str]
) -> Outcome:
    """Run ``command`` in ``work`` (no shell), its output into ``log``."""
    started = time.monotonic()
    try:
        process = subprocess.Popen(
            command,
            cwd=work,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=dict(env),
            start_new_session=True,
        )
    except OSError as error:
        return control.outcome(FAILED, f"cannot start {command[0]!r}: {error}", started)
    control.attach(lambda: process.pid if process.poll() is None else None, group=True)
    copier = threading.Thread(target=_copy_output, args=(process, log), daemon=True)
    copier.start()
    try:
        status = process.wait()
    except KeyboardInterrupt:
        control.stop("interrupted (Ctrl-C)")
        status = process.wait()
    copier.join(timeout=GRACE_SECONDS)
    if status == 0:
        return control.outcome(OK, None, started)
    how = f"killed by signal {-status}" if status < 0 else f"exited with status {status}"
    return control.outcome(FAILED, f"{command[0]} {how}", started)


def _copy_output(process: subprocess.Popen[bytes], log: TextIO) -> None:
    """The command's output, line by line into the run's log as it comes."""
    assert process.stdout is not None
    for line in iter(process.stdout.readline, b""):
        log.write(line.decode("utf-8", "replace"))
        log.flush()


def run_notebook(
    path: Path, work: Path, private: Path, log: TextIO, control: RunControl
) -> Outcome:
    """Execute the notebook at ``path`` in a new kernel started in ``work``; save it executed.

    The executed notebook (outputs included, up to the cell that failed) replaces ``path``.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, DeadKernelError

    started = time.monotonic()
    notebook = nbformat.read(path, as_version=4)
    manager = _kernel_manager(private)
    client = NotebookClient(
        notebook,
        km=manager,
        timeout=None,
        kernel_name="python3",
        resources={"metadata": {"path": str(work)}},
        extra_arguments=["--HistoryManager.enabled=False"],
        on_cell_executed=_cell_logger(log, len(notebook.cells)),
    )
    control.attach(lambda: _kernel_pid(manager))
    status, error = OK, None
    try:
        client.execute()
    except CellExecutionError as failure:
        status, error = FAILED, _cell_error(failure)
    except DeadKernelError:
        status, error = FAILED, "the kernel died (the process ended without a Python error)"
    except KeyboardInterrupt:
        control.stop("interrupted (Ctrl-C)")
        status = FAILED
    except Exception as failure:  # the kernel did not start, or nbclient failed
        status, error = FAILED, f"{type(failure).__name__}: {failure}"
    finally:
        nbformat.write(notebook, path)
    return control.outcome(status, error, started)


def _kernel_manager(private: Path) -> Any:
    from jupyter_client.manager import AsyncKernelManager

    private.mkdir(parents=True, exist_ok=True)
    socket_base = private / "k"
    manager = AsyncKernelManager(kernel_name="python3")
    manager.connection_file = str(private / "kernel.json")
    if len(str(socket_base)) + 7 <= _MAX_SOCKET_PATH:
        manager.transport = "ipc"
        manager.ip = str(socket_base)
    return manager


def _kernel_pid(manager: Any) -> int | None:
    provisioner = getattr(manager, "provisioner", None)
    pid = getattr(provisioner, "pid", None)
    return pid if isinstance(pid, int) else None


def _cell_logger(log: TextIO, count: int) -> Callable[..., None]:
    def logged(cell: Any, cell_index: int, execute_reply: Any = None) -> None:
        if cell.get("cell_type") != "code":
            return
        log.write(f"[cell {cell_index + 1}/{count}]\n")
        for output in cell.get("outputs", []):
            text = output.get("text") or output.get("data", {}).get("text/plain", "")
            if output.get("output_type") == "error":
                text = f"{output.get('ename')}: {output.get('evalue')}\n"
            if text:
                log.write(text if text.endswith("\n") else text + "\n")
        log.flush()

    return logged


def _cell_error(failure: Exception) -> str:
    name = getattr(failure, "ename", None) or type(failure).__name__
    value = getattr(failure, "evalue", None)
    return f"{name}: {value}" if value else str(name)
