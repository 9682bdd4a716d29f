"""``live-nb exp show|diff|apply|branch|remove|prune|list|push|pull``: experiments from a terminal.

Each handler imports the experiment code (and pandas) it needs only when it runs, so that
``live-nb --help`` and a mistyped command answer at once.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys

from live_nb.cli.common import Commands, write
from live_nb.experiments.options import SHOW_ARGUMENTS, Argument, ShowOptions, commit_count_or_zero
from live_nb.records import replace

TYPE_CHECKING = False  # not typing's: importing typing costs `live-nb exp show` 4 ms
if TYPE_CHECKING:
    from typing import Any

    from live_nb.experiments.show import PendingRun


def register(commands: Commands, only_show: bool = False) -> Commands:
    """Add ``exp`` and its subcommands to ``commands``; return ``exp``'s, for others to extend.

    ``only_show``: ``exp show`` alone, for a command line that asks for it.
    """
    exp = commands.add_parser(
        "exp",
        help="show, compare, apply, branch, remove, prune, list, push and pull experiments",
        description="Work with experiments: Git commits under refs/exps/<baseline>/<name>.",
    )
    exp.set_defaults(
        handler=lambda _: exp.error(
            "give an experiment command: show, diff, apply, branch, remove, prune, list, push "
            "or pull"
        )
    )
    sub = exp.add_subparsers(title="experiment commands", metavar="COMMAND")

    show = sub.add_parser(
        "show",
        help="table of experiments with their parameters and metrics",
        description="Print the experiments of HEAD's baseline with their params and metrics, "
        "read from the experiment commits.",
    )
    for argument in SHOW_ARGUMENTS:
        if argument.flags[0] == "-n":  # -n 0: the workspace alone, as DVC
            argument = Argument(argument.flags, {**argument.options, "type": commit_count_or_zero})
        argument.add_to(show)
    _accept_old_all_baselines(show)
    _add_dvc_filters(show)
    show.add_argument(
        "--checkpoints",
        action="store_true",
        help="a row per checkpoint under each experiment (NAME@STEP), as DVC 2 showed them",
    )
    output = show.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print JSON instead of a table")
    output.add_argument("--csv", action="store_true", help="print CSV instead of a table")
    show.set_defaults(handler=_show)
    if only_show:
        return sub

    diff = sub.add_parser(
        "diff",
        help="params and metrics that differ between two experiments or commits",
        description="Compare params and metrics of A and B (experiment names, refs or commits). "
        "Without B, A is compared with its baseline; without both, the workspace with HEAD.",
    )
    diff.add_argument("a", nargs="?", metavar="A", help="experiment or commit")
    diff.add_argument("b", nargs="?", metavar="B", help="experiment or commit")
    diff.add_argument(
        "--baseline",
        action="store_true",
        help="with one experiment A: compare it with its baseline instead of the workspace",
    )
    diff.add_argument("--json", action="store_true", help="print JSON instead of a table")
    diff.set_defaults(handler=_diff)

    apply = sub.add_parser(
        "apply",
        help="put an experiment's files into the working tree",
        description="Write the experiment's files into the working tree and restore its DVC "
        "artifacts from the cache. HEAD, branches and staged changes stay as they are. If a "
        "file with uncommitted changes is in the way, nothing is changed unless --force.",
    )
    apply.add_argument("name", metavar="NAME", help="experiment name, full ref or commit sha")
    apply.add_argument(
        "-f",
        "--force",
        action="store_true",
        help="first save the uncommitted files in the way to a backup ref "
        "(refs/live_nb/backup/...), then apply",
    )
    apply.set_defaults(handler=_apply)

    branch = sub.add_parser(
        "branch",
        help="create a Git branch at an experiment's commit",
        description="Create Git branch BRANCH pointing at experiment NAME's commit. The current "
        "branch and the working tree are not changed.",
    )
    branch.add_argument("name", metavar="NAME", help="experiment name, full ref or commit sha")
    branch.add_argument("branch", metavar="BRANCH", help="name of the new branch")
    branch.set_defaults(handler=_branch)

    note = sub.add_parser(
        "note",
        help="write (or, with no text, remove) an experiment's note",
        description="Keep a note on experiment NAME, as a Git note under refs/notes/live-nb "
        "(the commit is not rewritten); exp show lists it in a Notes column.",
    )
    note.add_argument("name", metavar="NAME", help="experiment name, full ref or commit sha")
    note.add_argument("text", nargs="*", metavar="TEXT", help="the note (none: remove it)")
    note.set_defaults(handler=_note)

    for verb, starred in (("star", True), ("unstar", False)):
        star = sub.add_parser(
            verb,
            help=f"{verb} an experiment" + (" (pinned to the top of the table)" if starred else ""),
            description="Star experiment NAME (a ref under refs/live_nb/stars): the table pins "
            "it to its top and exp show marks it in a Star column; unstar removes the star.",
        )
        star.add_argument("name", metavar="NAME", help="experiment name, full ref or commit sha")
        star.set_defaults(handler=_star, starred=starred)

    remove = sub.add_parser(
        "remove",
        aliases=["rm"],
        help="delete experiments",
        description="Delete experiment refs. DVC's own refs under refs/exps are left alone.",
    )
    remove.add_argument(
        "names", nargs="*", metavar="NAME", help="experiment names, full refs or commit shas"
    )
    remove.add_argument(
        "--rev", metavar="REV", help="remove every experiment whose baseline is commit REV"
    )
    remove.add_argument(
        "-A", "--all", action="store_true", help="remove every experiment of every baseline"
    )
    remove.set_defaults(handler=_remove, parser=remove)

    prune = sub.add_parser(
        "prune",
        help="remove an experiment's checkpoints but its last (or one every N steps)",
        description="Shorten the checkpoint chain of experiment NAME to its last commit (with "
        "--keep-every N, also one checkpoint every N steps), written as new commits; the "
        "artifact objects only the removed checkpoints referenced leave DVC's cache. HEAD, "
        "branches, the index and the working tree are not changed. A running experiment is "
        "refused.",
    )
    prune.add_argument("name", metavar="NAME", help="experiment name, full ref or commit sha")
    prune.add_argument(
        "--keep-every",
        type=_positive,
        metavar="N",
        help="also keep one checkpoint every N steps",
    )
    prune.set_defaults(handler=_prune)

    listing = sub.add_parser(
        "list",
        aliases=["ls"],
        help="list experiments",
        description="List the experiments of HEAD's baseline, newest first.",
    )
    listing.add_argument(
        "-A", "--all-commits", action="store_true", help="list the experiments of every baseline"
    )
    _accept_old_all_baselines(listing)
    listing.add_argument(
        "git_remote", nargs="?", metavar="GIT_REMOTE", help="list this Git remote's experiments"
    )
    listing.add_argument("--rev", metavar="COMMIT", help="the baseline (HEAD by default)")
    listing.add_argument(
        "-n", "--num", type=int, default=1, metavar="NUM",
        help="the baselines of NUM first-parent commits from --rev (negative: all)",
    )  # fmt: skip
    only = listing.add_mutually_exclusive_group()
    only.add_argument(
        "--names-only", "--name-only", action="store_true", help="print only the names"
    )
    only.add_argument(
        "--sha-only", "--shas-only", action="store_true", help="print only the commit shas"
    )
    listing.set_defaults(handler=_list)

    for verb, preposition in (("push", "to"), ("pull", "from")):
        transfer = sub.add_parser(
            verb,
            help=f"{verb} experiments {preposition} a Git remote",
            description=f"{verb.capitalize()} experiment refs {preposition} REMOTE. With no "
            "NAME, every experiment of HEAD's baseline"
            + (" that the remote has." if verb == "pull" else ".")
            + " Only refs/exps refs move in Git; their DVC-cached artifacts move with the DVC "
            "remote when one is configured (--no-artifacts skips them).",
        )
        transfer.add_argument("remote", metavar="REMOTE", help="Git remote name, URL or path")
        transfer.add_argument(
            "names", nargs="*", metavar="NAME", help="experiment names, full refs or commit shas"
        )
        transfer.add_argument(
            "-f",
            "--force",
            action="store_true",
            help="replace the "
            + ("local" if verb == "pull" else "remote")
            + " experiment when the two sides have diverged",
        )
        transfer.add_argument(
            "--no-artifacts",
            "--no-cache",
            dest="artifacts",
            action="store_false",
            help="move only the refs, not the DVC-cached artifacts (DVC's --no-cache)",
        )
        transfer.add_argument(
            "-r",
            "--dvc-remote",
            metavar="NAME",
            help="DVC remote for the artifacts (default: DVC's core.remote; with none "
            "configured, only the refs move)",
        )
        transfer.set_defaults(handler=_push if verb == "push" else _pull)
    return sub


def _add_dvc_filters(parser: argparse.ArgumentParser) -> None:
    """``dvc exp show``'s row and column filters (:mod:`live_nb.experiments.show_filters`)."""
    for flag, what in (("--drop", "remove"), ("--keep", "keep, despite --drop,")):
        parser.add_argument(
            flag,
            action="append",
            default=[],
            metavar="COL",
            help=f"{what} the columns this regular expression matches (from the start of "
            "the name; repeatable; --csv and the table)",
        )
    for flag, what in (
        ("--hide-workspace", "the workspace row"),
        ("--hide-queued", "DVC's queued tasks"),
        ("--hide-failed", "DVC's failed tasks"),
    ):
        parser.add_argument(flag, action="store_true", help=f"leave out {what}")
    parser.add_argument(
        "--rev",
        action="append",
        default=[],
        metavar="REV",
        help="baselines from this branch, tag or commit instead of HEAD (repeatable)",
    )
    parser.add_argument(
        "--sha",
        action="store_true",
        help="baselines by short sha, not branch or tag (--csv, --json)",
    )


def _row_filter(args: argparse.Namespace) -> Any:
    from live_nb.experiments.show_filters import RowFilter

    return RowFilter(args.num == 0, args.hide_workspace, args.hide_queued, args.hide_failed)


def _accept_old_all_baselines(parser: argparse.ArgumentParser) -> None:
    """``--all-baselines``, the spelling of ``-A`` before DVC's ``--all-commits``, still works."""
    parser.add_argument(
        "--all-baselines", dest="all_commits", action="store_true", help=argparse.SUPPRESS
    )


# --------------------------------------------------------------------------- commands


def _show(args: argparse.Namespace) -> int:
    # Tens of thousands of small dicts and no cycles: the cyclic collector only costs time
    # (a third of the rendering at 10,000 experiments). The process ends right after.
    gc.disable()
    try:
        return _print_table(args)
    finally:
        gc.enable()


def _print_table(args: argparse.Namespace) -> int:
    from live_nb.experiments.show import collect

    shown = ShowOptions.from_arguments(args)
    if shown.remote is not None:
        return _show_remote(args, replace(shown, remote=_remote(args)))
    options = shown.kwargs()
    rows = _row_filter(args)
    if args.num == 0:
        options["num"] = 1  # then the workspace's row alone
    if args.json:  # DVC's JSON is neither sorted nor filtered: only its table is
        options.update(sort_by=None, only_changed=False)
    only_changed = args.csv and options["only_changed"]
    if only_changed:  # DVC drops any column the same in every row: the fixed ones too
        options["only_changed"] = False
    indent = 2 if args.json and sys.stdout.isatty() else None
    table = collect(
        path=args.path,
        **options,
        checkpoints=args.checkpoints or args.json,  # DVC's JSON holds each chain in `revs`
        columns=not args.json,
        pending=_pending_runs(args.path),
        rendered=args.json and indent is None and not (rows.active() or args.sha),
        revs=args.rev,
    )
    table = rows.apply(table)
    memo = table.attrs.get("rendered")
    if memo is not None:  # one line for a program, its commit rows kept for the next show
        from live_nb.experiments.as_dvc import dvc_json_records

        records = dvc_json_records(table)
        if memo.hit is not None:
            records.append(memo.hit)
        else:
            memo.store(", ".join(records[1:]))
        write(f"[{', '.join(records)}]")
    elif args.json:  # DVC's layout, indented for a person
        from live_nb.experiments.as_dvc import dvc_json

        write(dvc_json(table, indent=indent, sha=args.sha))
    elif args.csv:
        from live_nb.experiments.as_dvc import dvc_csv

        # CRLF lines, as DVC prints them
        sys.stdout.write(dvc_csv(table, only_changed, args.drop, args.keep, args.sha))
        sys.stdout.flush()
    else:
        from live_nb.experiments.as_text import format_table

        write(format_table(table))
    return 0


def _show_remote(args: argparse.Namespace, shown: ShowOptions) -> int:
    """A Git remote's experiments, in live_nb's layouts (DVC has no such table).

    ``--json`` keeps live_nb's rows, with their ``Local`` column; ``--csv`` is the table's.
    """
    from live_nb.experiments.as_json import to_json
    from live_nb.experiments.show import collect

    table = collect(path=args.path, **shown.kwargs(), checkpoints=args.checkpoints)
    if args.json:
        write(to_json(table, indent=2 if sys.stdout.isatty() else None))
    elif args.csv:
        from live_nb.experiments.as_csv import to_csv

        sys.stdout.write(to_csv(table))
    else:
        from live_nb.experiments.as_text import format_table

        write(format_table(table))
    return 0


def _pending_runs(path: str) -> list[PendingRun]:
    """live_nb's queued and running runs, listed as DVC lists its queued experiments.

    Without a queue folder nothing of ``live_nb.runs`` is imported (a tenth of a warm show).
    """
    if not _may_have_queue(os.path.abspath(path)):
        return []
    from live_nb.runs.api import pending

    return pending(path)


def _may_have_queue(folder: str) -> bool:
    """False only when the Git folder above ``folder`` is found and holds no live_nb queue."""
    while True:
        dot_git = os.path.join(folder, ".git")
        if os.path.isdir(dot_git):
            return os.path.isdir(os.path.join(dot_git, "live_nb", "queue"))
        if os.path.exists(dot_git):
            return True  # a worktree or submodule: its Git folder is elsewhere, ask Git
        parent = os.path.dirname(folder)
        if parent == folder:
            return True
        folder = parent


def _diff(args: argparse.Namespace) -> int:
    from live_nb.experiments.diff import diff

    result = diff(args.a, args.b, path=args.path, baseline=args.baseline)
    write(result.to_json() if args.json else result.to_text())
    return 0


def _apply(args: argparse.Namespace) -> int:
    from live_nb.experiments.restore import apply

    write(apply(args.name, path=args.path, force=args.force).describe())
    return 0


def _branch(args: argparse.Namespace) -> int:
    from live_nb.experiments.manage import branch

    write(branch(args.name, args.branch, path=args.path).describe())
    return 0


def _note(args: argparse.Namespace) -> int:
    from live_nb.experiments.notes import set_note

    write(set_note(args.name, " ".join(args.text), path=args.path))
    return 0


def _star(args: argparse.Namespace) -> int:
    from live_nb.experiments.stars import set_star

    write(set_star(args.name, args.starred, path=args.path))
    return 0


def _remove(args: argparse.Namespace) -> int:
    from live_nb.experiments.manage import remove

    if not (args.names or args.rev or args.all):
        args.parser.error("name the experiments to remove, or use --rev REV or --all")
    write(remove(args.names, path=args.path, rev=args.rev, all=args.all).describe())
    return 0


def _prune(args: argparse.Namespace) -> int:
    from live_nb.experiments.pruning import prune

    write(prune(args.name, path=args.path, keep_every=args.keep_every).describe())
    return 0


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive number of steps, not {text!r}")
    return int(text)


def _list(args: argparse.Namespace) -> int:
    from live_nb.experiments.baselines import baseline_labels
    from live_nb.experiments.manage import list_experiments

    experiments = list_experiments(
        args.path, all_baselines=args.all_commits, rev=args.rev, num=args.num,
        remote=args.git_remote,
    )  # fmt: skip
    if args.names_only or args.sha_only:
        for info in experiments:
            write(info.name if args.names_only else info.commit)
        return 0
    if not experiments:
        where = "any baseline" if args.all_commits else "HEAD's baseline"
        write(f"No experiments for {where}.")
        return 0
    labels = baseline_labels({info.baseline for info in experiments}, path=args.path)
    width = max(len(info.name) for info in experiments)
    baseline = None
    for info in experiments:
        if info.baseline != baseline:
            baseline = info.baseline
            label = labels[baseline]
            shown = label if label == baseline[:7] else f"{label} ({baseline[:7]})"
            write(f"{shown}:")
        created = info.created.strftime("%Y-%m-%d %H:%M") if info.created.timestamp() else ""
        write(f"    {info.name:<{width}}  {info.commit[:7]}  {created:16}  {info.subject}".rstrip())
    return 0


def _push(args: argparse.Namespace) -> int:
    return _transfer(args, "push")


def _pull(args: argparse.Namespace) -> int:
    return _transfer(args, "pull")


def _transfer(args: argparse.Namespace, verb: str) -> int:
    import dataclasses  # TransferResult is a dataclass, not a record

    from live_nb.experiments import remote

    move = remote.push if verb == "push" else remote.pull
    result = move(
        _remote(args), args.names, path=args.path, force=args.force,
        artifacts=args.artifacts, dvc_remote=args.dvc_remote,
    )  # fmt: skip
    shown = dataclasses.replace(result, remote=args.remote)  # the remote as the user typed it
    write(shown.describe())
    return 0


def _remote(args: argparse.Namespace) -> str:
    """A remote given as a path is relative to -C's folder, as it is for git -C."""
    remote = str(args.remote)
    candidate = os.path.join(args.path, remote)
    if args.path != "." and not os.path.isabs(remote) and os.path.exists(candidate):
        return os.path.abspath(candidate)
    return remote
