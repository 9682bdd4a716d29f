"""``live-nb remote add|list``, ``live-nb push`` and ``live-nb pull``: artifacts on DVC remotes.

The remotes are DVC's own (``.dvc/config``, ``.dvc/config.local``); ``push``/``pull`` move the
cached objects of the workspace, or of the experiments named, as ``dvc push``/``dvc pull`` do.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from live_nb.cli.common import Commands, write


def register(commands: Commands) -> None:
    """Add ``remote``, ``push`` and ``pull`` to ``commands``."""
    remote = commands.add_parser(
        "remote",
        help="add and list DVC remotes (DVC's own configuration)",
        description="DVC remotes, read from and written to .dvc/config as `dvc remote` does.",
    )
    remote.set_defaults(handler=lambda _: remote.error("give a remote command: add or list"))
    sub = remote.add_subparsers(title="remote commands", metavar="COMMAND")
    add = sub.add_parser(
        "add",
        help="add a DVC remote",
        description="Add remote NAME at URL to .dvc/config, as `dvc remote add` does (creating "
        ".dvc/ first when the project has none). A relative path is relative to this folder.",
    )
    add.add_argument("name", metavar="NAME", help="remote name (DVC lower-cases it)")
    add.add_argument("url", metavar="URL", help="a folder, or s3://bucket/path, ...")
    add.add_argument("-d", "--default", action="store_true", help="make it the default remote")
    add.add_argument(
        "--local", action="store_true", help="write .dvc/config.local (not committed) instead"
    )
    add.add_argument("-f", "--force", action="store_true", help="replace a remote of that name")
    add.set_defaults(handler=_add)
    listing = sub.add_parser(
        "list", help="list DVC remotes", description="Print NAME<TAB>URL per remote, as DVC does."
    )
    listing.set_defaults(handler=_list)

    for verb, preposition in (("push", "to"), ("pull", "from")):
        transfer = commands.add_parser(
            verb,
            help=f"{verb} artifacts {preposition} a DVC remote",
            description=f"{verb.capitalize()} the DVC-cached artifacts of the workspace (or of "
            f"the experiments named) {preposition} a DVC remote, as `dvc {verb}` does: only "
            "the objects the other side lacks."
            + (" Outputs missing from the workspace are then restored." if verb == "pull" else ""),
        )
        transfer.add_argument(
            "experiments",
            nargs="*",
            metavar="EXPERIMENT",
            help="experiment names, full refs or commit shas (default: the workspace)",
        )
        transfer.add_argument("-r", "--remote", help="DVC remote name (default: core.remote)")
        transfer.add_argument(
            "-j", "--jobs", type=int, metavar="N", help="parallel transfers (default: 4 x CPUs)"
        )
        transfer.set_defaults(handler=_transfer, verb=verb)


def _root(args: argparse.Namespace) -> Path:
    from live_nb.formats.artifacts import find_dvc_root

    return find_dvc_root(Path(args.path))


def _add(args: argparse.Namespace) -> int:
    from live_nb.formats.artifacts import ensure_dvc_dir
    from live_nb.remotes import add_remote

    root = _root(args)
    ensure_dvc_dir(root)
    add_remote(
        root,
        args.name,
        args.url,
        default=args.default,
        local=args.local,
        force=args.force,
        cwd=Path(os.path.abspath(args.path)),
    )
    if args.default:
        write(f"Setting '{args.name.lower()}' as a default remote.")
    return 0


def _list(args: argparse.Namespace) -> int:
    from live_nb.remotes import load_config

    text = load_config(_root(args)).listing()
    if text:
        write(text)
    return 0


def _transfer(args: argparse.Namespace) -> int:
    from live_nb import remotes

    commits = _commits(args) if args.experiments else []
    move = remotes.push if args.verb == "push" else remotes.pull
    result = move(args.path, remote=args.remote, commits=commits, jobs=args.jobs)
    write(result.describe())
    return 0


def _commits(args: argparse.Namespace) -> list[tuple[str, str]]:
    from live_nb.experiments.refs import resolve
    from live_nb.git import Repository

    with Repository.discover(args.path) as repo:
        found = [resolve(repo, name) for name in args.experiments]
    return [(exp.name, sha) for exp, sha in found]
