"""``live-nb exp run`` and ``live-nb queue start|status|logs|kill|remove``: runs from a terminal.

``exp run`` queues one run per point of its ``-S`` grid and, unless ``--queue``, runs them
here with ``-j N`` at a time, showing their progress; a Ctrl-C stops them (each saves what
it logged as killed). ``queue start`` hands the queue to a background worker.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence

from live_nb.cli.common import Commands, RawDescriptionFormatter, write

TYPE_CHECKING = False  # not typing's: importing typing costs `live-nb exp show` 4 ms
if TYPE_CHECKING:
    from live_nb.runs.queue import Entry
    from live_nb.runs.result import RunResult
    from live_nb.runs.worker import Executor

_FOLLOW_POLL_SECONDS = 0.3


def register(commands: Commands, experiment_commands: Commands) -> None:
    """Add ``exp run`` to ``experiment_commands`` and ``queue ...`` to ``commands``."""
    _register_run(experiment_commands)
    queue = commands.add_parser(
        "queue",
        help="follow, start, stop and clear the queue of runs",
        description="The runs queued with `live-nb exp run --queue` or `%exp_run --queue`, "
        "kept in the repository's .git and shared by every terminal and notebook.",
    )
    queue.set_defaults(handler=lambda _: queue.error("give a queue command (see --help)"))
    sub = queue.add_subparsers(title="queue commands", metavar="COMMAND")
    _register_start(sub)
    status = sub.add_parser("status", help="every queued, running and finished run")
    status.add_argument("--json", action="store_true", help="print JSON")
    status.set_defaults(handler=_status)
    logs = sub.add_parser("logs", help="what a run printed")
    logs.add_argument("name", metavar="NAME", help="the run's name or id")
    logs.add_argument("-f", "--follow", action="store_true", help="keep printing until it ends")
    logs.set_defaults(handler=_logs)
    kill = sub.add_parser("kill", help="stop runs (or cancel queued ones)")
    kill.add_argument("names", nargs="+", metavar="NAME", help="the runs' names or ids")
    kill.set_defaults(handler=_kill)
    remove = sub.add_parser("remove", aliases=["rm"], help="forget queued or finished runs")
    remove.add_argument("names", nargs="*", metavar="NAME", help="the runs' names or ids")
    remove.add_argument("--all", action="store_true", help="every run that is not running")
    remove.set_defaults(handler=_remove, parser=remove)


def _register_run(experiment_commands: Commands) -> None:
    run = experiment_commands.add_parser(
        "run",
        help="run a notebook or a script as experiments, once per -S combination",
        description="Run NOTEBOOK (as saved, with the workspace as it is now), or the command\n"
        "after --, in a folder of its own, once per combination of the -S values, and save\n"
        "each run as an experiment of HEAD. Your working tree is not touched.",
        epilog="examples: live-nb exp run train.ipynb -S lr=0.1,0.01 -S epochs=10,20 -j 2\n"
        "          live-nb exp run -S train.lr=0.01 -- python train.py",
        formatter_class=RawDescriptionFormatter,
    )
    run.add_argument("target", nargs="?", metavar="NOTEBOOK", help="the notebook to run")
    run.add_argument(
        "-S", "--set-param", dest="params", action="append", default=[], metavar="[FILE:]KEY=VALUE",
        help="set a parameter (DVC's syntax: a=1,2,3 and range(1,10) make a grid; +key adds, "
        "~key removes); repeat for a grid of every combination",
    )  # fmt: skip
    run.add_argument("--queue", action="store_true", help="only queue the runs")
    _jobs_argument(run)
    run.add_argument("-n", "--name", help="the experiment's name (NAME-1, NAME-2... in a grid)")
    run.add_argument("-m", "--message", help="the experiment commit's message")
    run.add_argument("--timeout", type=float, metavar="SECONDS", help="stop a run after this")
    run.add_argument(
        "--no-run-cache", dest="run_cache", action="store_false",
        help="run even when an experiment with the same inputs exists",
    )  # fmt: skip
    run.add_argument("--executor", metavar="URL", help="local (default) or dask://HOST:PORT")
    resume = run.add_mutually_exclusive_group()
    resume.add_argument(
        "--resume-from", metavar="NAME[@STEP]",
        help="continue from this checkpoint: its results and files in each run's folder",
    )  # fmt: skip
    resume.add_argument(
        "--reset", action="store_true", help="start over (no results of an earlier run resumed)"
    )
    run.add_argument("--json", action="store_true", help="print the results as JSON")
    run.set_defaults(handler=_run, takes_command=True)


def _register_start(sub: Commands) -> None:
    start = sub.add_parser("start", help="start a background worker for the queue")
    _jobs_argument(start)
    start.add_argument("--executor", metavar="URL", help="local (default) or dask://HOST:PORT")
    start.add_argument(
        "--foreground", action="store_true", help="work the queue here, showing progress"
    )
    start.set_defaults(handler=_start)


def _jobs_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-j", "--jobs", type=_positive, default=1, metavar="N", help="runs at a time (default 1)"
    )


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1, got {value}")
    return value


# --------------------------------------------------------------------------- handlers


def _run(args: argparse.Namespace) -> int:
    from live_nb.runs import api
    from live_nb.runs.executors import executor_for

    common = {
        "command": args.command, "name": args.name, "message": args.message,
        "timeout": args.timeout, "run_cache": args.run_cache, "path": args.path,
        "resume_from": args.resume_from, "reset": args.reset,
    }  # fmt: skip
    if args.queue:
        runs = api.queue(args.target, args.params, **common)
        write(f"Queued {len(runs)} run(s): {', '.join(r.name for r in runs)}.")
        write("Start them with `live-nb queue start`.")
        return 0
    from live_nb.runs.resume import check_executor

    check_executor(args.resume_from, args.executor)
    executor = executor_for(args.executor, args.jobs)  # an unreachable cluster: nothing queued
    runs = api.queue(args.target, args.params, **common)
    results = _work(args, {run.id for run in runs}, executor)
    if args.json:
        write(json.dumps([result.to_dict() for result in results], sort_keys=True))
    else:
        for result in results:
            write(result.describe())
    return 0 if all(result.ok for result in results) else 1


def _work(args: argparse.Namespace, ids: set[str], executor: Executor) -> list[RunResult]:
    from live_nb.git import Repository
    from live_nb.runs.queue import Queue
    from live_nb.runs.worker import work

    with Repository.discover(args.path) as repo:
        root, queue = repo.root, Queue(repo.git_dir)
    display = _Display(ids, quiet=args.json)
    return work(root, queue, args.jobs, only=ids, executor=executor, progress=display.update)


class _Display:
    """Progress on standard error: redrawn in place on a terminal, a line per change if not."""

    def __init__(self, ids: set[str] | None, quiet: bool = False) -> None:
        self.ids = ids
        self.quiet = quiet
        self.tty = sys.stderr.isatty()
        self.drawn = 0
        self.seen: dict[str, str] = {}

    def update(self, entries: Sequence[Entry]) -> None:
        from live_nb.runs.progress import row_of, text_rows

        if self.quiet:
            return
        rows = [row_of(e) for e in entries if self.ids is None or e.id in self.ids]
        if self.tty:
            lines = text_rows(rows)
            up = f"\x1b[{self.drawn}F" if self.drawn else ""
            sys.stderr.write(up + "".join(f"\x1b[2K{line}\n" for line in lines))
            self.drawn = len(lines)
        else:
            for row, line in zip(rows, text_rows(rows)):
                if self.seen.get(row.id) != row.status:
                    self.seen[row.id] = row.status
                    sys.stderr.write(line + "\n")
        sys.stderr.flush()


def _start(args: argparse.Namespace) -> int:
    from live_nb.git import Repository
    from live_nb.runs.executors import executor_for
    from live_nb.runs.queue import QUEUED, Queue
    from live_nb.runs.worker import serve, start_background

    with Repository.discover(args.path) as repo:
        root, queue = repo.root, Queue(repo.git_dir)
    queued = sum(entry.status == QUEUED for entry in queue.entries())
    if args.foreground:
        display = _Display(None)
        executor = executor_for(args.executor, args.jobs)
        serve(root, queue, args.jobs, executor)
        display.update(queue.entries())
        return 0
    pid = start_background(root, queue, args.jobs, args.executor)
    write(
        f"Started a worker (process {pid}, {args.jobs} at a time) for {queued} queued run(s); "
        "it stops when the queue is empty. Follow it with `live-nb queue status`."
    )
    return 0


def _status(args: argparse.Namespace) -> int:
    from live_nb.runs import api
    from live_nb.runs.progress import row_of, text_rows

    rows = [row_of(entry) for entry in api.status(args.path)]
    if args.json:
        write(json.dumps([row.to_dict() for row in rows], sort_keys=True))
    else:
        write("\n".join(text_rows(rows)))
    return 0


def _logs(args: argparse.Namespace) -> int:
    from live_nb.runs import api
    from live_nb.runs.queue import FINISHED

    if not args.follow:
        sys.stdout.write(api.logs(args.name, args.path))
        return 0
    printed = 0
    while True:
        text = api.logs(args.name, args.path)
        sys.stdout.write(text[printed:])
        sys.stdout.flush()
        printed = len(text)
        if _entry_status(args) in FINISHED:
            sys.stdout.write(api.logs(args.name, args.path)[printed:])
            return 0
        time.sleep(_FOLLOW_POLL_SECONDS)


def _entry_status(args: argparse.Namespace) -> str:
    from live_nb.git import Repository
    from live_nb.runs.queue import Queue

    with Repository.discover(args.path) as repo:
        queue = Queue(repo.git_dir)
    queue.repair()
    return queue.get(args.name).status


def _kill(args: argparse.Namespace) -> int:
    from live_nb.runs import api

    for name in args.names:
        entry = api.kill(name, args.path)
        verb = "Cancelled" if entry.status == "killed" else "Asked to stop"
        write(f"{verb} {entry.name}.")
    return 0


def _remove(args: argparse.Namespace) -> int:
    from live_nb.runs import api

    if not (args.names or args.all):
        args.parser.error("name the runs to remove, or use --all")
    removed = api.remove(args.names, all=args.all, path=args.path)
    write(f"Removed {len(removed)} run(s) from the queue." if removed else "Nothing to remove.")
    return 0
