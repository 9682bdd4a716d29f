"""``python -m live_nb.runs.serve ROOT [--jobs N] [--executor URL]``: a background worker.

Started by ``queue start`` and by ``%exp_run``; it works the queue until it is empty, then
exits. When another worker already holds the queue, it exits at once, quietly.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from live_nb.git import Repository
from live_nb.runs.executors import executor_for
from live_nb.runs.queue import Queue
from live_nb.runs.worker import QueueBusyError, serve


def main(argv: Sequence[str] | None = None) -> int:
    """Work the queue of the repository at ROOT."""
    parser = argparse.ArgumentParser(prog="python -m live_nb.runs.serve")
    parser.add_argument("root")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--executor", default=None)
    args = parser.parse_args(argv)
    with Repository.discover(args.root) as repo:
        queue, root = Queue(repo.git_dir), repo.root
    try:
        serve(Path(root), queue, args.jobs, executor_for(args.executor, args.jobs))
    except QueueBusyError:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
