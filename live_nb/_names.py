"""Checks that a user-given name is a safe relative path inside the output directory."""

from __future__ import annotations

import os

from live_nb.error import InvalidNameError


def check_relative_name(argument: str, name: object) -> str:
    """Return ``name`` if it is a non-empty relative POSIX path with no way out of its folder.

    ``argument`` names the parameter in the error message, e.g. ``"metric name"``.
    """
    if not isinstance(name, str):
        if isinstance(name, os.PathLike):
            name = os.fspath(name)
        if not isinstance(name, str):
            raise InvalidNameError(argument, name, f"expected a string, got {type(name).__name__}")
    reason = _unsafe_reason(name)
    if reason:
        raise InvalidNameError(argument, name, reason)
    return name


def _unsafe_reason(name: str) -> str | None:
    if not name:
        return "it is empty"
    if any(ord(char) < 32 or char == "\x7f" for char in name):
        return "it contains a control character (NUL, tab, newline...)"
    if "\\" in name:
        return "it contains a backslash"
    if name.startswith("/") or os.path.isabs(name):
        return "it is an absolute path"
    for part in name.split("/"):
        if part in ("", ".", ".."):
            return f"it contains the path segment {part!r}"
    return None
