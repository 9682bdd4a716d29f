"""``%load_ext live_nb`` and ``%unload_ext live_nb``."""

from __future__ import annotations

from typing import Any

from live_nb.notebook import frontend_copy
from live_nb.notebook.magics import LiveMagics
from live_nb.notebook.pipeline_magics import PipelineMagics
from live_nb.notebook.record import Recorder

_STATE_ATTRIBUTE = "_live_nb_extension"


def load(shell: Any) -> None:
    """Register the magics and start the execution record on ``shell``."""
    if getattr(shell, _STATE_ATTRIBUTE, None) is not None:
        return
    recorder = Recorder(shell)
    recorder.install()
    magics = LiveMagics(shell, recorder)
    shell.register_magics(magics)
    shell.register_magics(PipelineMagics(shell))
    frontend_copy.install(shell)  # the notebook as displayed, sent by the labextension
    setattr(shell, _STATE_ATTRIBUTE, magics)


def unload(shell: Any) -> None:
    """Remove the magics and every hook ``load`` installed."""
    magics = getattr(shell, _STATE_ATTRIBUTE, None)
    if magics is None:
        return
    magics.recorder.uninstall()
    frontend_copy.uninstall(shell)
    manager = shell.magics_manager
    for kind, names in [*magics.magics.items(), *PipelineMagics.magics.items()]:
        for name in names:
            manager.magics[kind].pop(name, None)
    manager.registry.pop(type(magics).__name__, None)
    manager.registry.pop(PipelineMagics.__name__, None)
    setattr(shell, _STATE_ATTRIBUTE, None)


def recorder_of(shell: Any) -> Recorder | None:
    """The execution record of ``shell``, or None when live_nb is not loaded."""
    magics = getattr(shell, _STATE_ATTRIBUTE, None)
    return magics.recorder if magics is not None else None
