"""What every ``live-nb`` command shares: the program name, output, and ``-C``'s folder."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from live_nb.error import LiveNbError

TYPE_CHECKING = False  # not typing's: importing typing costs `live-nb exp show` 4 ms
if TYPE_CHECKING:
    from typing import Any, TextIO

PROG = "live-nb"

# What ``add_subparsers()`` returns; argparse gives the class no public name.
Commands = argparse._SubParsersAction  # noqa: SLF001


class _TerminalWidth(argparse.HelpFormatter):
    """The terminal's width, read without ``shutil``.

    argparse makes a formatter for each ``add_argument`` (a hundred at every start), and
    its formatter imports ``shutil`` (2 ms, with bz2 and lzma) for the width. This reads it
    as ``shutil.get_terminal_size`` does: ``COLUMNS``, else the terminal, else 80.
    """

    def __init__(
        self,
        prog: str,
        indent_increment: int = 2,
        max_help_position: int = 24,
        width: int | None = None,
    ) -> None:
        if width is None:
            width = _terminal_width() - 2  # argparse's margin
        super().__init__(prog, indent_increment, max_help_position, width)


class HelpFormatter(_TerminalWidth, argparse.HelpFormatter):
    """argparse's default formatter, without ``shutil`` (see :class:`Parser`)."""


class RawDescriptionFormatter(_TerminalWidth, argparse.RawDescriptionHelpFormatter):
    """argparse's ``RawDescriptionHelpFormatter``, without ``shutil``."""


class Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` formatting with :class:`HelpFormatter` (its subcommands too)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(**kwargs)


def _terminal_width() -> int:
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns > 0:
        return columns
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or 80  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):  # no terminal, or stdout closed or replaced
        return 80


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
