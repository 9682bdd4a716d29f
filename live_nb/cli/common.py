"""What every ``live-nb`` command shares: the program name, output, and ``-C``'s folder."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TextIO

from live_nb.error import LiveNbError

PROG = "live-nb"

# What ``add_subparsers()`` returns; argparse gives the class no public name.
Commands = argparse._SubParsersAction  # noqa: SLF001


class DirectoryNotFoundError(LiveNbError, FileNotFoundError):
    """-C names a folder that does not exist."""

    def __init__(self, path: str) -> None:
        """Say which folder ``-C`` could not change to."""
        super().__init__(
            f"Cannot change to {path!r}: no such directory. Give -C a folder inside a Git "
            "repository."
        )


def working_directory(directories: Sequence[str]) -> str:
    """The folder the ``-C`` options lead to, each relative one built on the last."""
    path = ""
    for directory in directories:
        path = os.path.join(path, directory)
        if not os.path.isdir(path):
            raise DirectoryNotFoundError(path)
    return path or "."


def one_line(message: str) -> str:
    """``message`` with every run of whitespace (line breaks included) made one space."""
    return " ".join(message.split())


def show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    """Print a warning as one ``live-nb: warning: ...`` line, without source location."""
    print(f"{PROG}: warning: {one_line(str(message))}", file=sys.stderr)


def write(text: str) -> None:
    """Print ``text`` on standard output with one final line break, flushed."""
    sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")
    sys.stdout.flush()
