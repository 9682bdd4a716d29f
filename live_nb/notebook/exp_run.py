"""``%exp_run``: a notebook (this one by default) or a command, run once per grid point, headless.

The notebook runs as saved, with the workspace as it is now, in folders of its own; a
background worker process runs the queue (it outlives a kernel restart), and the cell's
output follows the runs (:class:`~live_nb.widgets.runs.RunsWidget`) while the kernel stays
free. Inside a headless run ``%exp_run`` does nothing: a notebook that queues itself must
not queue itself again from each of its runs.
"""

from __future__ import annotations

import argparse
import shlex
from typing import Any

from IPython.core.error import UsageError

from live_nb import env
from live_nb.error import LiveNbError
from live_nb.notebook.locate import notebook_path

__all__ = ["exp_run"]


def exp_run(shell: Any, args: argparse.Namespace, command: list[str]) -> Any:
    """Queue the runs ``args`` describe, start a worker unless ``--queue``, show them."""
    if env.in_headless_run():
        print("%exp_run skipped: this notebook is itself running under live-nb exp run.")
        return None
    from live_nb.git import Repository
    from live_nb.runs import api
    from live_nb.runs.api import InvalidJobsError

    target = args.target if (args.target or command) else _this_notebook(shell)
    try:
        if args.jobs < 1:  # before anything is queued
            raise InvalidJobsError(args.jobs)
        from live_nb.runs.resume import check_executor

        check_executor(args.resume_from, args.executor)
        runs = api.queue(
            target, args.params, command=command, name=args.name, message=args.message,
            timeout=args.timeout, run_cache=args.run_cache,
            resume_from=args.resume_from, reset=args.reset,
        )  # fmt: skip
        if not args.queue:
            api.start(args.jobs, args.executor)
        with Repository.discover(".") as repo:
            git_dir = repo.git_dir
    except LiveNbError as error:
        raise UsageError(str(error)) from None
    return _show(shell, git_dir, [run.id for run in runs], args.queue)


def split_command(line: str) -> tuple[str, list[str]]:
    """The magic's options, and the command after `` -- `` (``%exp_run -S a=1 -- python x.py``)."""
    words = shlex.split(line)
    if "--" not in words:
        return line, []
    cut = words.index("--")
    return shlex.join(words[:cut]), words[cut + 1 :]


def _this_notebook(shell: Any) -> str:
    found = notebook_path(shell)
    if found is None:
        raise UsageError(
            "Cannot tell which notebook this kernel runs; name it: %exp_run train.ipynb -S lr=0.1"
        )
    return str(found)


def _show(shell: Any, git_dir: Any, ids: list[str], queued_only: bool) -> Any:
    if getattr(shell, "kernel", None) is None:  # a terminal: no widget to follow them
        verb = "Queued" if queued_only else "Started"
        print(f"{verb} {len(ids)} run(s); follow them with `live-nb queue status`.")
        return None
    from live_nb.widgets.runs import RunsWidget

    widget = RunsWidget(git_dir, ids)
    if queued_only:
        widget.note = "Queued; start them with `live-nb queue start` (or %exp_run without --queue)."
    widget.show()
    return None
