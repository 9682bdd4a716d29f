"""Why a listed file, or a revision's ``dvc.yaml``, could not be read, as ``dvc exp show`` says it.

DVC reports an unreadable metrics or params file as ``{"error": {"type", "msg"}}`` in place of
its data (``!`` in every column of that file in ``--csv``), and a ``dvc.yaml`` it cannot load
as the row's own error, with no data at all. The reader keeps each reason in
:attr:`.read.RevisionData.errors` as one line of text, ``"<type>", a tab, "<msg>"`` (what the commit
cache stores), and an unreadable file's place in ``metrics``/``params`` as None, so the files
keep DVC's order. Messages are the ones DVC prints when run from the repository's root.
"""

from __future__ import annotations

import errno as errno_codes
import os
import posixpath

TYPE_CHECKING = False  # not typing's: importing typing costs `live-nb exp show` 4 ms
if TYPE_CHECKING:
    from typing import Any

__all__ = ["ROW_ERROR_TYPES", "corrupted", "decode", "not_found", "row_error", "spec_invalid"]

# The types of a dvc.yaml that cannot be loaded: the whole revision is an error.
ROW_ERROR_TYPES = frozenset({"YAMLSyntaxError", "YAMLValidationError"})
_CORRUPTED = {".json": "JSON", ".toml": "TOML"}  # anything else is read as YAML


def _encode(kind: str, message: str) -> str:
    return f"{kind}\t{' '.join(message.split())}"


def not_found(path: str, code: int = errno_codes.ENOENT) -> str:
    """A listed file that is absent (``FileNotFoundError``, or the OS error ``code`` names)."""
    kind = "FileNotFoundError" if code == errno_codes.ENOENT else "OSError"
    return _encode(kind, f"[Errno {code}] {os.strerror(code)}: '{path}'")


def corrupted(path: str) -> str:
    """A listed file that does not parse: ``JSONFileCorruptedError`` and the like, by suffix."""
    form = _CORRUPTED.get(posixpath.splitext(path)[1].lower(), "YAML")
    shown = f"../{path}"  # DVC's message names the file so, from the repository's root
    return _encode(
        f"{form}FileCorruptedError",
        f"unable to read: '{shown}', {form} file structure is corrupted', "
        f"{form} file structure is corrupted",
    )


def spec_invalid(path: str, parses: bool) -> str:
    """A ``dvc.yaml`` that is not YAML (``parses`` False) or not a mapping of stages."""
    if not parses:
        message = f"unable to read: '{path}', YAML file structure is corrupted"
        return _encode("YAMLSyntaxError", message)
    shown = path if "/" in path else f"./{path}"
    return _encode("YAMLValidationError", f"'{shown}' validation failed")


def decode(text: str) -> dict[str, str]:
    """DVC's ``{"type", "msg"}`` of a kept reason (one without a type: ``type`` empty)."""
    kind, tab, message = text.partition("\t")
    if not tab or " " in kind:
        return {"type": "", "msg": text}
    return {"type": kind, "msg": message}


def row_error(data: Any) -> dict[str, str] | None:
    """DVC's error of the whole revision ``data`` (a ``dvc.yaml`` it cannot load), or None.

    Its key order is DVC's for a revision's error: ``msg``, then ``type``.
    """
    if data is None:
        return None
    for text in data.errors.values():
        found = decode(text)
        if found["type"] in ROW_ERROR_TYPES:
            message = found["msg"]
            if found["type"] == "YAMLValidationError" and data.rev != "workspace":
                message += f" in revision '{data.rev[:7]}'"  # as DVC says it of a commit
            return {"msg": message, "type": found["type"]}
    return None
