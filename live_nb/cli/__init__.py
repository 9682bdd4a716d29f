"""The ``live-nb`` command: experiments, runs and pipelines from a terminal.

``main`` parses the command line, changes to ``-C``'s folder and calls the handler of the
command given. Each command family lives in a module of its own with a ``register``
function; ``exp.py`` owns ``live-nb exp ...`` and lets the others add ``exp`` subcommands.
A user mistake prints one line, ``live-nb: error: <message>``, and exits 1 (2 for a command
line argparse cannot read); anything unexpected shows its traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Callable, Sequence

from live_nb.cli import exp
from live_nb.cli.common import (
    PROG,
    DirectoryNotFoundError,
    Parser,
    one_line,
    show_warning,
    working_directory,
)
from live_nb.error import LiveNbError, LiveNbWarning

__all__ = ["PROG", "DirectoryNotFoundError", "build_parser", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``live-nb`` with ``argv`` (default: the command line); return the exit status."""
    words = list(sys.argv[1:] if argv is None else argv)
    words, command = _split_command(words)
    parser = build_parser(only_exp_show=_asks_for_exp_show(words))
    try:
        args = parser.parse_args(words)
        if command and not getattr(args, "takes_command", False):
            parser.error("only `live-nb exp run` takes a command after --")
        args.command = command
        handler: Callable[[argparse.Namespace], int] | None = getattr(args, "handler", None)
        if handler is None:
            parser.error("give a command, e.g. `live-nb exp list` (see live-nb --help)")
        return _run(handler, args)
    except SystemExit as exit_:  # --help, --version, or a usage error (status 2)
        return exit_.code if isinstance(exit_.code, int) else 1 if exit_.code else 0


def build_parser(only_exp_show: bool = False) -> argparse.ArgumentParser:
    """The ``live-nb`` command line: every command family's subcommands, each with its handler.

    ``only_exp_show`` builds ``live-nb exp show`` alone: the command a user waits for most
    parses its line without importing and building the other commands' parsers.
    """
    from live_nb import __version__

    parser = Parser(
        prog=PROG,
        description=(
            "Compare and manage the experiments live_nb (and DVC) keep as Git commits under "
            "refs/exps/. Run `live-nb exp --help` for the commands."
        ),
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument(
        "-C",
        dest="directories",
        metavar="PATH",
        action="append",
        default=[],
        help="run as if started in PATH (repeatable; each relative PATH builds on the last, "
        "as with git -C)",
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    if only_exp_show:
        exp.register(commands, only_show=True)
        return parser
    from live_nb.cli import pipelines, remote, runs

    runs.register(commands, exp.register(commands))
    remote.register(commands)
    pipelines.register(commands)
    return parser


def _asks_for_exp_show(words: Sequence[str]) -> bool:
    """Whether ``words`` name ``exp show`` first (after any ``-C PATH``)."""
    position = 0
    while position < len(words) and words[position] == "-C":
        position += 2
    return list(words[position : position + 2]) == ["exp", "show"]


def _split_command(words: list[str]) -> tuple[list[str], list[str]]:
    """The words before the first ``--`` and the command after it (``exp run -- python x.py``)."""
    if "--" not in words:
        return words, []
    cut = words.index("--")
    return words[:cut], words[cut + 1 :]


def _run(handler: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    with warnings.catch_warnings():
        warnings.simplefilter("always", LiveNbWarning)
        warnings.showwarning = show_warning
        try:
            args.path = working_directory(args.directories)
            return handler(args)
        except LiveNbError as error:
            print(f"{PROG}: error: {one_line(str(error))}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print(f"{PROG}: interrupted", file=sys.stderr)
            return 130
        except BrokenPipeError:
            # The reader (e.g. `| head`) went away: stop quietly, as other tools do.
            with open(os.devnull, "w") as devnull:
                os.dup2(devnull.fileno(), sys.stdout.fileno())
            return 0
