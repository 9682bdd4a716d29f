"""Artifacts on DVC remotes: DVC's remote configuration, and ``push``/``pull`` of the cache.

``load_config(root)`` reads the remotes DVC would see; ``add_remote`` writes what
``dvc remote add`` writes; ``push``/``pull`` move the objects that the workspace or some
experiment commits reference, in DVC 3's remote layout, through fsspec.
"""

from __future__ import annotations

from live_nb.remotes.config import DvcConfig, Remote, add_remote, load_config
from live_nb.remotes.errors import (
    MissingObjectsError,
    NoDefaultRemoteError,
    RemoteAccessDeniedError,
    RemoteExistsError,
    RemoteUnreachableError,
    StorageNotInstalledError,
    TransferFailedError,
    UnknownRemoteError,
)
from live_nb.remotes.transfer import TransferResult, fetch_missing, pull, push

__all__ = [
    "DvcConfig",
    "MissingObjectsError",
    "NoDefaultRemoteError",
    "Remote",
    "RemoteAccessDeniedError",
    "RemoteExistsError",
    "RemoteUnreachableError",
    "StorageNotInstalledError",
    "TransferFailedError",
    "TransferResult",
    "UnknownRemoteError",
    "add_remote",
    "fetch_missing",
    "load_config",
    "pull",
    "push",
]
