"""What can go wrong with a DVC remote, each error saying what to do next.

No message holds a secret: :func:`redact` takes the configured credentials (and any
``user:password@`` of a URL) out of the text of a library's error before it is shown.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Sequence

from live_nb.error import LiveNbError

__all__ = [
    "MissingObjectsError",
    "NoDefaultRemoteError",
    "RemoteAccessDeniedError",
    "RemoteExistsError",
    "RemoteUnreachableError",
    "StorageNotInstalledError",
    "TransferFailedError",
    "UnknownRemoteError",
    "redact",
]

_URL_PASSWORD = re.compile(r"(\w+://[^/@:\s]*:)[^/@\s]*@")


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with each of ``secrets`` and every URL password replaced by ``***``."""
    for secret in sorted((s for s in secrets if len(s) >= 4), key=len, reverse=True):
        text = text.replace(secret, "***")
    return _URL_PASSWORD.sub(r"\1***@", text)


class NoDefaultRemoteError(LiveNbError, LookupError):
    """No remote named and no ``core.remote`` default."""

    def __init__(self, known: Sequence[str]) -> None:
        self.known = tuple(known)
        if known:
            todo = (
                f"Configured remotes: {', '.join(known)}. Name one with -r NAME, or set a "
                "default with `dvc remote default NAME` (or `live-nb remote add -d -f NAME URL`)."
            )
        else:
            todo = "This project has no DVC remote: add one with `live-nb remote add -d NAME URL`."
        super().__init__(f"No DVC remote given and no default set. {todo}")


class UnknownRemoteError(LiveNbError, LookupError):
    """A remote name that no DVC config file defines."""

    def __init__(self, name: str, known: Sequence[str]) -> None:
        self.name = name
        listed = f"Configured remotes: {', '.join(known)}." if known else "None is configured."
        super().__init__(
            f"No DVC remote named {name!r}. {listed} Add it with "
            f"`live-nb remote add {shlex.quote(name)} URL`."
        )


class RemoteExistsError(LiveNbError, FileExistsError):
    """``remote add`` of a name that is already configured at that level."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(
            f"DVC remote {name!r} already exists. Use --force to replace it, or choose another "
            "name."
        )


class StorageNotInstalledError(LiveNbError, ImportError):
    """A remote whose URL scheme needs an fsspec package that is not installed."""

    def __init__(self, name: str, scheme: str, detail: str) -> None:
        self.name = name
        package = {"s3": "live_nb[s3]` (s3fs"}.get(scheme)
        hint = f"`pip install '{package})`" if package else f"the fsspec package for {scheme}://"
        super().__init__(
            f"Cannot open DVC remote {name!r}: {scheme}:// needs {hint}, which is not "
            f"installed ({detail})."
        )


class RemoteUnreachableError(LiveNbError, ConnectionError):
    """The remote's storage could not be reached or read."""

    def __init__(self, name: str, url: str, detail: str) -> None:
        self.name = name
        super().__init__(
            f"Cannot reach DVC remote {name!r} ({url}): {detail}. Check its URL "
            "(`live-nb remote list`), the endpoint and your network, then run the command "
            "again; what was already transferred is kept."
        )


class RemoteAccessDeniedError(LiveNbError, PermissionError):
    """The storage refused the credentials, or they lack a permission."""

    def __init__(self, name: str, url: str, detail: str) -> None:
        self.name = name
        super().__init__(
            f"DVC remote {name!r} ({url}) refused access: {detail}. Check the credentials DVC "
            "would use (the remote's options in .dvc/config.local, the AWS_* environment "
            "variables or ~/.aws for S3) and that they may read and write there."
        )


class MissingObjectsError(LiveNbError, FileNotFoundError):
    """Objects the workspace or an experiment needs that neither side has."""

    def __init__(self, action: str, remote: str, missing: Sequence[tuple[str, str]]) -> None:
        """``missing`` holds (what references it, md5) pairs."""
        self.missing = tuple(missing)
        shown = "; ".join(f"{source} ({md5})" for source, md5 in self.missing[:5])
        more = f" and {len(self.missing) - 5} more" if len(self.missing) > 5 else ""
        if action == "push":
            problem = f"neither in the local cache nor on remote {remote!r}"
            todo = "Log or `dvc add` them again, or push them from a clone that has them"
        else:
            problem = f"not on remote {remote!r}"
            todo = "Push them from a clone that has them, or pull from another remote with -r"
        super().__init__(
            f"{len(self.missing)} object(s) are {problem}: {shown}{more}. Everything else was "
            f"{action}ed. {todo}."
        )


class TransferFailedError(LiveNbError, OSError):
    """Some objects could not be transferred; the others were."""

    def __init__(self, action: str, remote: str, failed: int, first: str) -> None:
        self.failed = failed
        super().__init__(
            f"{failed} object(s) could not be {action}ed with remote {remote!r}; the rest were. "
            f"First error: {first}. Run the command again to finish: completed objects are "
            "not sent again."
        )
