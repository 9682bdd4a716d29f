"""The options of ``show``, declared once for ``live-nb exp show`` and ``%exp_show``.

:data:`SHOW_ARGUMENTS` are argparse argument specs: the CLI adds them to its subparser, the
magic to its ``@magic_arguments`` parser (IPython's ``@argument`` takes ``add_argument``'s
arguments). :meth:`ShowOptions.from_arguments` turns either parse into ``show``'s keyword
arguments. ``-A`` is ``--all-commits``, DVC's spelling. Nothing heavy is imported here: the
CLI builds its parser from this module.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping

from live_nb.records import field, record

TYPE_CHECKING = False  # not typing's: importing typing costs `live-nb exp show` 4 ms
if TYPE_CHECKING:
    from typing import Any

__all__ = ["SHOW_ARGUMENTS", "Argument", "ShowOptions", "commit_count", "commit_count_or_zero"]


def commit_count(text: str) -> int:
    """``-n``'s value: a whole number of commits other than 0 (-1: every commit)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value == 0:
        raise argparse.ArgumentTypeError("0 commits would show nothing; give 1 or more, or -1")
    return value


def commit_count_or_zero(text: str) -> int:
    """``live-nb exp show -n``'s value: :func:`commit_count`, or 0 (the workspace alone, as DVC)."""
    return 0 if text.strip() == "0" else commit_count(text)


@record(frozen=True)
class Argument:
    """One command-line option: ``add_argument(*flags, **options)``."""

    flags: tuple[str, ...]
    options: Mapping[str, Any] = field(default_factory=dict)

    def add_to(self, parser: argparse.ArgumentParser) -> None:
        """Add this option to ``parser``."""
        parser.add_argument(*self.flags, **self.options)


SHOW_ARGUMENTS = (
    Argument(
        ("-A", "--all-commits"),
        {
            "action": "store_true",
            "help": "every commit (reachable from HEAD, branches, tags, remotes), with or "
            "without experiments, as DVC's --all-commits",
        },
    ),
    Argument(
        ("--sort-by",), {"metavar": "COL", "help": "sort experiments by this param or metric"}
    ),
    Argument(
        ("--sort-order",),
        {
            "choices": ("asc", "desc"),
            "default": "asc",
            "help": "order for --sort-by (default: asc)",
        },
    ),
    Argument(
        ("--only-changed",),
        {"action": "store_true", "help": "only columns whose values differ between the rows"},
    ),
    Argument(
        ("-n", "--num"),
        {
            "type": commit_count,
            "default": 1,
            "metavar": "N",
            "help": "use the last N commits of HEAD's history as baselines (default: 1; -1: all)",
        },
    ),
    Argument(
        ("--remote",),
        {
            "metavar": "GIT_REMOTE",
            "help": "show the experiments a Git remote (name, URL or path) has, without pulling "
            "them; a Local column says which are here",
        },
    ),
    Argument(
        ("--no-fetch",),
        {
            "dest": "fetch",
            "action": "store_false",
            "help": "with --remote: fetch no commit (experiments not here show no metrics)",
        },
    ),
)


@record(frozen=True)
class ShowOptions:
    """The arguments of :func:`live_nb.experiments.show` besides ``path``."""

    all_baselines: bool = False
    sort_by: str | None = None
    sort_order: str = "asc"
    only_changed: bool = False
    num: int = 1
    remote: str | None = None
    fetch: bool = True

    @classmethod
    def from_arguments(cls, args: argparse.Namespace) -> ShowOptions:
        """The options parsed from :data:`SHOW_ARGUMENTS`."""
        return cls(
            args.all_commits,
            args.sort_by,
            args.sort_order,
            args.only_changed,
            args.num,
            getattr(args, "remote", None),
            getattr(args, "fetch", True),
        )

    def kwargs(self) -> dict[str, Any]:
        """The options as keyword arguments of ``show``."""
        return {
            "all_baselines": self.all_baselines,
            "sort_by": self.sort_by,
            "sort_order": self.sort_order,
            "only_changed": self.only_changed,
            "num": self.num,
            "remote": self.remote,
            "fetch": self.fetch,
        }
