"""Where one ``live-nb exp show --json`` process spends its time (run by ``bench_cli.py``).

    python benchmarks/_cli_breakdown.py OUTPUT.json   # in the repository, like live-nb

Runs the command in this process with timers around the parts to name: each ``git`` process
(by subcommand, and by who asked: the notes read, the refs, the workspace), the
``cat-file --batch`` reads, DVC's queue (its stash reflogs and run files, read without Git),
the commit cache's load and write, the parsing of metric and params files, and the
rendering. Each timer counts only its own time, not that of the timers inside it. Imports
are measured apart (``-X importtime``): here they count as "imports, lazy" when they happen
during the command. The figures go to OUTPUT.json; the command's output is discarded.
"""

from __future__ import annotations

import functools
import io
import json
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from contextlib import redirect_stdout
from typing import Any

STARTED = time.perf_counter()

import live_nb.cli  # noqa: E402 - timed from the interpreter's start
import live_nb.experiments.as_dvc as as_dvc  # noqa: E402
import live_nb.experiments.cache as cache  # noqa: E402
import live_nb.experiments.read as read  # noqa: E402
import live_nb.experiments.rendered_memo as rendered_memo  # noqa: E402
import live_nb.experiments.show  # noqa: E402
import live_nb.git as git  # noqa: E402

IMPORTED = time.perf_counter()
show = sys.modules["live_nb.experiments.show"]  # the package's `show` is the function
seconds: dict[str, float] = defaultdict(float)
calls: dict[str, int] = defaultdict(int)
_stack: list[list[Any]] = []  # [label, start, time of the timers inside]


def _enter(label: str) -> None:
    _stack.append([label, time.perf_counter(), 0.0])


def _leave() -> None:
    label, start, inner = _stack.pop()
    spent = time.perf_counter() - start
    seconds[label] += spent - inner
    calls[label] += 1
    if _stack:
        _stack[-1][2] += spent


def timed(label: str | Callable[..., str], function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` with its own time added to ``label`` (a name, or one made of the args)."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        name = label(*args, **kwargs) if callable(label) else label
        _enter(name)
        try:
            return function(*args, **kwargs)
        finally:
            _leave()

    return wrapper


def _git_label(folder: Any, args: Any, *rest: Any) -> str:
    asker = next((entry[0] for entry in reversed(_stack) if not entry[0].startswith("git")), "")
    where = f" ({asker.split(': ', 1)[-1]})" if asker else ""
    return f"git {next(iter(args))}{where}"


def install() -> None:
    git._git = timed(_git_label, git._git)
    git.ObjectReader.__init__ = timed("git cat-file --batch (start)", git.ObjectReader.__init__)
    git.ObjectReader.read_many = timed("git cat-file --batch (reads)", git.ObjectReader.read_many)
    for name, label in (
        ("read_notes", "notes"),
        ("queue_tasks", "DVC queue: stash reflogs"),
        ("success_tasks", "DVC queue: run files"),
        ("list_refs", "refs"),
        ("baseline_names", "branches and tags"),
    ):
        setattr(show, name, timed(label, getattr(show, name)))
    reader = read.ExperimentReader
    reader.read_workspace = timed("workspace", reader.read_workspace)
    reader._read_fresh = timed("reading commits", reader._read_fresh)
    cache.CommitCache.load = timed("cache load", cache.CommitCache.load)
    cache.CommitCache.store = timed("cache write", cache.CommitCache.store)
    read.parse_file = timed("parsing files", read.parse_file)
    as_dvc.dvc_json_records = timed("rendering JSON", as_dvc.dvc_json_records)
    memo = rendered_memo.RenderedMemo
    memo.lookup = timed("kept rendered rows: read", memo.lookup)
    memo.store = timed("kept rendered rows: write", memo.store)


def main() -> None:
    install()
    begin = time.perf_counter()
    modules = set(sys.modules)
    with redirect_stdout(io.StringIO()):
        status = live_nb.cli.main(["exp", "show", "--json"])
    total = time.perf_counter() - begin
    assert status == 0, status
    named = sum(seconds.values())
    seconds["other (rows, printing, imports on the way)"] = total - named
    lazy = sorted(set(sys.modules) - modules)
    result = {
        "startup_imports": IMPORTED - STARTED,
        "command": total,
        "seconds": dict(seconds),
        "calls": dict(calls),
        "lazy_imports": [name for name in lazy if "." not in name],
    }
    with open(sys.argv[1], "w") as stream:
        json.dump(result, stream)


if __name__ == "__main__":
    main()
