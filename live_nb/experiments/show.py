"""``show``: the experiments as a table, the one ``dvc exp show --csv`` prints, as a DataFrame.

Rows: the workspace, then each baseline followed by its experiments (newest first). One column
per metric and per param: a column is named by its key (nested keys joined with ``.``, as
``model.depth``), or ``<file>:<key>`` when the key occurs in more than one file or clashes with
a fixed column, the rule DVC uses. :func:`collect` builds the table as plain columns (no
pandas: what the command line renders); :mod:`.as_text`, :mod:`.as_csv` and :mod:`.as_json`
render it for a terminal.
"""

from __future__ import annotations

import contextlib
import gc
import json
import math
import os
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path

from live_nb.error import LiveNbError
from live_nb.experiments.baselines import baseline_names
from live_nb.experiments.cache import READER_VERSION
from live_nb.experiments.cells import is_int, is_missing, is_number
from live_nb.experiments.chain import CHECKPOINT_SUBJECT, ChainLink, parse_trailers, read_chains
from live_nb.experiments.chain import run_state as checkpoint_state
from live_nb.experiments.dvc_queue import DvcTask, queue_tasks, success_tasks, task_process
from live_nb.experiments.notes import NOTES_REF, read_notes
from live_nb.experiments.read import WORKSPACE, ExperimentReader, RevisionData
from live_nb.experiments.read_errors import row_error
from live_nb.experiments.refs import EXPS_NAMESPACE, ExpRef, NoCommitsError, list_refs
from live_nb.experiments.stars import STAR_MARK, STARS_NAMESPACE, read_stars
from live_nb.experiments.table import Table
from live_nb.experiments.values import flatten
from live_nb.git import Repository
from live_nb.records import field, record, replace

TYPE_CHECKING = False  # not typing's: importing typing costs `live-nb exp show` 4 ms
if TYPE_CHECKING:
    from typing import Any

    import pandas as pd

    from live_nb.experiments.rendered_memo import RenderedMemo

__all__ = [
    "EXPERIMENT_TYPES",
    "META_COLUMNS",
    "InvalidShowArgumentError",
    "PendingRun",
    "UnknownColumnError",
    "collect",
    "show",
]

META_COLUMNS = (
    "Experiment",
    "rev",
    "typ",
    "Created",
    "Message",
    "parent",
    "State",
    "Executor",
    "Local",
    "Notes",
    "Star",
)
"""The fixed columns; ``State`` and ``Executor`` only when some row has one, ``Local`` only in a
table of a Git remote's experiments (``show(remote=...)``), ``Notes`` only when a row has a
note (:mod:`live_nb.experiments.notes`), ``Star`` (``★``) only when an experiment is starred
(:mod:`live_nb.experiments.stars`)."""
# The typ of an experiment's row, as DVC: "branch_base" for the last of its baseline's rows.
EXPERIMENT_TYPES = ("branch_commit", "branch_base")
# DVC's own fixed columns: a metric or param with one of these names gets its file prefix.
_RESERVED = frozenset({*META_COLUMNS, "State", "Executor"})
_SORT_ORDERS = ("asc", "desc")
# The refs a table reads (baselines' names, experiments, stars, notes): in one for-each-ref.
_LISTED_REFS = ("refs/heads", "refs/tags", EXPS_NAMESPACE, STARS_NAMESPACE, NOTES_REF)
UNREADABLE = "!"  # the cell of a file that could not be read, as DVC shows it
# The modules whose code the rendered rows of rendered_memo.py depend on.
_RENDERING_MODULES = (
    "show.py", "read.py", "read_errors.py", "values.py", "spec.py", "as_dvc.py", "notes.py",
)  # fmt: skip

Source = tuple[str, str, str]  # ("metrics" or "params", file path, flattened key)


class InvalidShowArgumentError(LiveNbError, ValueError):
    """An argument of :func:`show` outside what it accepts."""

    def __init__(self, argument: str, value: object, expected: str) -> None:
        """Name the argument, its value, and what is expected."""
        super().__init__(f"Invalid {argument} {value!r}: expected {expected}.")


class UnknownColumnError(LiveNbError, ValueError):
    """``sort_by`` names no column, or several."""

    def __init__(self, name: str, available: Sequence[str], matches: Sequence[str] = ()) -> None:
        """List the columns ``name`` matches, or those there are."""
        self.name = name
        self.available = list(available)
        if matches:
            detail = f"it matches {', '.join(map(repr, matches))}: name one of these"
        elif available:
            detail = f"the metric and param columns are: {', '.join(map(repr, available))}"
        else:
            detail = "no experiment has metrics or params"
        super().__init__(f"Cannot sort by {name!r}: {detail}.")


@record(frozen=True)
class PendingRun:
    """A run that has no experiment commit yet (another tool's queue), shown as a row.

    ``state`` is ``queued`` or ``running``; ``executor`` names what runs it (``live-nb``);
    ``created`` is when it was queued (Unix seconds); ``message`` says what it runs.
    """

    name: str
    baseline: str
    state: str
    executor: str
    created: int | None = None
    message: str | None = None


@record
class _Row:
    experiment: str
    rev: str
    typ: str
    data: RevisionData | None
    parent: str | None = None
    state: str | None = None  # "running" or "unfinished": a checkpoint without a final save
    executor: str | None = None  # DVC's queue: "dvc-task"
    local_copy: str | None = None  # of a remote's experiment: "yes", "differs" or "no"
    note: str | None = None  # its note (experiments/notes.py)
    star: str | None = None  # STAR_MARK when starred (experiments/stars.py)
    children: list[_Row] = field(default_factory=list)  # the checkpoints under an experiment
    commit: str | None = None  # the full sha (None for the workspace)
    name: str | None = None  # DVC's name: the experiment's, or a baseline's branch or tag
    task: str | None = None  # DVC's queue task (its stash entry) behind the row
    local: dict[str, Any] | None = None  # DVC's local executor of that task (log, pid, ...)


def show(
    path: str | os.PathLike[str] = ".",
    all_baselines: bool = False,
    sort_by: str | None = None,
    sort_order: str = "asc",
    only_changed: bool = False,
    num: int = 1,
    force: bool = False,
    checkpoints: bool = False,
    remote: str | None = None,
    fetch: bool = True,
    pending: Sequence[PendingRun] = (),
) -> pd.DataFrame:
    """Experiments of the repository containing ``path``, as ``dvc exp show`` lists them.

    Rows: the workspace, then each baseline followed by its experiments, newest first (or in
    ``sort_by`` order, ``sort_order`` ``"asc"`` or ``"desc"``; missing values last). Baselines
    are HEAD and its ``num - 1`` first-parent ancestors (``num < 0``: all of them); with
    ``all_baselines`` (DVC's ``-A``/``--all-commits``) every commit reachable from HEAD, a
    branch, a tag or a remote, with or without experiments, then any other commit that has
    experiments.
    ``only_changed`` drops metric and param columns that hold the same value in every row
    (a missing value counts as a value). ``force`` ignores the cache and reads every commit.
    Columns: ``Experiment`` (name; ``workspace``; a baseline's branch or tag, else short sha),
    ``rev`` (short sha), ``typ`` (``workspace``, ``baseline``, ``branch_commit``, or
    ``branch_base`` for a baseline's last row, as DVC), ``Created`` (ISO 8601 commit time),
    ``Message`` (first line), ``parent`` (short baseline sha), then metrics, then params.
    A column of whole numbers with gaps is a nullable ``Int64`` column. A ``State`` column
    appears when a run with checkpoints has no final save: ``running`` while its process
    lives, ``unfinished`` once it is gone (a kernel killed). ``checkpoints`` adds a row per
    checkpoint under its experiment (``typ`` ``checkpoint``, named ``NAME@STEP``). The tasks
    of DVC's queue (queued, running, failed; and those that succeeded) are rows too, with
    DVC's ``State`` and ``Executor``, as are the runs in ``pending`` (``live_nb.runs.pending()``:
    live_nb's own queued and running runs). Each stage dependency is a column of its md5 in
    ``dvc.lock``, after the params, as DVC shows them.

    ``remote`` (a Git remote's name, URL or path) shows the experiments that remote has instead
    of the local ones, without pulling them (no workspace row; see :mod:`.remote_show`): the
    commits missing here are fetched without writing any ref (``fetch=False``: not at all,
    and those rows have no metrics or params), and a ``Local`` column says ``yes`` (here too,
    at the same commit), ``differs`` (here at another commit) or ``no``.
    """
    table = collect(
        path, all_baselines, sort_by, sort_order, only_changed, num, force, checkpoints,
        remote, fetch, pending=pending,
    )  # fmt: skip
    return table.to_frame()


def collect(
    path: str | os.PathLike[str] = ".",
    all_baselines: bool = False,
    sort_by: str | None = None,
    sort_order: str = "asc",
    only_changed: bool = False,
    num: int = 1,
    force: bool = False,
    checkpoints: bool = False,
    remote: str | None = None,
    fetch: bool = True,
    columns: bool = True,
    pending: Sequence[PendingRun] = (),
    rendered: bool = False,
    revs: Sequence[str] = (),
) -> Table:
    """The table :func:`show` returns, as plain columns (see :class:`.table.Table`).

    ``columns=False`` reads the rows only (the table's ``details``: what DVC's JSON layout
    is made of), without building the columns, sorting or filtering them. ``rendered`` (with
    ``columns=False``) puts the repository's :class:`.rendered_memo.RenderedMemo` in
    ``attrs["rendered"]``: when it holds these commit rows, they are not read (``details``
    has the workspace row only and ``memo.hit`` the rest, rendered); else ``memo.key`` says
    under which key the rows, once rendered, may be kept (None: they may not). ``revs``
    (DVC's ``--rev``, repeatable): the baselines start at these revisions, in this order,
    instead of at HEAD.
    """
    if sort_order not in _SORT_ORDERS:
        raise InvalidShowArgumentError("sort_order", sort_order, "'asc' or 'desc'")
    if isinstance(num, bool) or not isinstance(num, int) or num == 0:
        raise InvalidShowArgumentError("num", num, "a positive number of commits, or -1 for all")
    repo, head = Repository.discover_with_head(path)  # one git process less than head()
    with repo, _gc_paused(), repo.listing_refs(_LISTED_REFS):
        reader = ExperimentReader(repo, use_cache=not force)
        rows = []
        if remote is None:
            workspace = reader.read_workspace(head)
            parent = head[:7] if head else None
            rows.append(_Row(WORKSPACE, WORKSPACE, "workspace", workspace, parent))
        elif head is None:
            raise NoCommitsError()
        source = _Source(remote, fetch)
        memo = None
        if rendered and not (force or pending or remote is not None or columns or revs):
            from live_nb.experiments.rendered_memo import RenderedMemo

            memo = RenderedMemo(repo.git_dir)
        if head is not None:
            found = _commit_rows(
                repo, reader, head, num, all_baselines, checkpoints, source, memo, revs
            )
            rows.extend(_with_pending(found, pending))
        if not columns:
            attrs = {"read_stats": vars(reader.stats).copy(), "rendered": memo}
            return Table({}, attrs, details=rows)
        table = _table(rows, sort_by, sort_order, only_changed, local_column=remote is not None)
        table.attrs["read_stats"] = vars(reader.stats).copy()
        if remote is not None:
            table.attrs["remote"] = remote
            table.attrs["remote_refs"] = [[exp.ref, sha] for exp, sha in source.listed]
        return table


@record(frozen=True)
class _Source:
    """Where the experiments come from: this repository (``remote`` None) or a Git remote."""

    remote: str | None = None
    fetch: bool = True
    listed: list[tuple[ExpRef, str]] = field(default_factory=list)  # what a remote listed

    def experiments(
        self, repo: Repository, baselines: list[str] | None
    ) -> tuple[list[tuple[ExpRef, str]], Mapping[ExpRef, str]]:
        """The experiments (of ``baselines``; None: all) and, from a remote, their status."""
        if self.remote is None:
            return list_refs(repo), {}
        from live_nb.experiments.remote_show import read_remote  # git remote code, when asked

        found = read_remote(repo, self.remote, baselines, self.fetch)
        self.listed[:] = found.experiments
        return found.experiments, found.status


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while building many small objects (~20% of the time).

    Reference counting still frees everything; the collector's previous state is restored.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _commit_rows(
    repo: Repository,
    reader: ExperimentReader,
    head: str,
    num: int,
    all_baselines: bool,
    checkpoints: bool = False,
    source: _Source | None = None,
    memo: RenderedMemo | None = None,
    revs: Sequence[str] = (),
) -> list[_Row]:
    names = baseline_names(repo, head)
    history = _history(repo, [_revision(repo, rev) for rev in revs] or [head], num)
    source = source or _Source()
    experiments, local = source.experiments(repo, None if all_baselines else history)
    baselines = _all_commits(repo, head) if all_baselines else history
    unreached = [] if not all_baselines else [exp.baseline for exp, _ in experiments]
    reached = set(baselines)
    unreached = [sha for sha in dict.fromkeys(unreached) if sha not in reached]
    grouped = _by_baseline(experiments, set(baselines) | set(unreached))

    keep = {sha for _, sha in experiments} | {exp.baseline for exp, _ in experiments}
    keep |= set(baselines)
    wanted = baselines + unreached + [sha for group in grouped.values() for _, sha in group]
    # DVC's queue is this repository's; a remote's table has none
    tasks = _tasks_of(repo, set(baselines) | set(unreached)) if source.remote is None else {}
    queued = [task.commit for group in tasks.values() for task in group]
    dvc_dir = _dvc_dir(repo)
    executors = success_tasks(dvc_dir)
    notes = read_notes(repo)
    key = None
    if memo is not None and not (tasks or executors):
        # A chain is the history of its experiment's commit, which the key holds.
        key = _memo_key(head, names.names, baselines, unreached, grouped, notes, checkpoints)
        if memo.lookup(key) is not None:
            return []
    # A remote's table drops nothing from the cache: the local experiments' entries stay.
    kept = keep | set(queued) if source.remote is None else None
    transient = reader.stats.transient
    data = reader.read_commits(wanted + queued, keep=kept)
    chains: dict[str, list[ChainLink]] = {}
    if checkpoints:  # after the experiments' own commits: their parents tell which have one
        chains = _chains(repo, grouped, data)
        links = [link.commit for chain in chains.values() for link in chain[1:]]
        data.update(reader.read_commits(links, keep=None if kept is None else kept | set(links)))
    states = _states(repo, [sha for group in grouped.values() for _, sha in group], data)
    if memo is not None and key is not None and not states:
        memo.key = key if reader.stats.transient == transient else None
    # Baselines of experiments that no branch, tag or remote reaches come last, newest first.
    unreached.sort(key=lambda sha: (data[sha].created or 0, sha), reverse=True)
    baselines = baselines + unreached

    stars = read_stars(repo)
    rows = []
    for baseline in baselines:
        label = names.label(baseline)
        rows.append(_Row(label, baseline[:7], "baseline", data[baseline]))
        rows[-1].commit = baseline
        rows[-1].name = label if label != baseline[:7] else None
        rows[-1].note = notes.get(baseline)
        group = grouped.get(baseline, [])
        group.sort(key=lambda item: (data[item[1]].created or 0, item[1]), reverse=True)
        rows.extend(_task_rows(tasks.get(baseline, []), data, baseline, ("running",), dvc_dir))
        for exp, sha in group:
            row = _Row(exp.name, sha[:7], "branch_commit", data[sha], baseline[:7], states.get(sha))
            row.local_copy = local.get(exp)
            row.note = notes.get(sha)
            row.star = STAR_MARK if exp.ref in stars else None
            row.commit, row.name = sha, exp.name
            if exp.ref in executors:
                row.state, row.executor, row.task = "success", "dvc-task", executors[exp.ref]
                row.local = task_process(dvc_dir, executors[exp.ref])
            row.children = [
                _Row(
                    f"{exp.name}@{link.step}",
                    link.commit[:7],
                    "checkpoint",
                    data[link.commit],
                    baseline[:7],
                    commit=link.commit,
                )
                for link in chains.get(sha, [])[1:]
            ]
            rows.append(row)
        rows.extend(
            _task_rows(tasks.get(baseline, []), data, baseline, ("queued", "failed"), dvc_dir)
        )
    return rows


def _revision(repo: Repository, rev: str) -> str:
    """The commit ``rev`` (DVC's ``--rev``) names; a clear error when it names none."""
    sha = repo.rev_parse(rev)
    if sha is None:
        raise InvalidShowArgumentError("rev", rev, "a branch, tag or commit of this repository")
    return sha


def _history(repo: Repository, tips: list[str], num: int) -> list[str]:
    """The baselines: each tip and its ``num - 1`` first-parent ancestors (-1: all), in order."""
    if num == 1:
        return list(dict.fromkeys(tips))
    limit = [f"--max-count={num}"] if num > 0 else []
    found = (repo.run("rev-list", "--first-parent", *limit, tip).split() for tip in tips)
    return list(dict.fromkeys(sha for shas in found for sha in shas))


def _memo_key(
    head: str,
    names: Mapping[str, str],
    baselines: Sequence[str],
    unreached: Sequence[str],
    grouped: Mapping[str, list[tuple[ExpRef, str]]],
    notes: Mapping[str, str],
    checkpoints: bool,
) -> str:
    """What the commit rows are made of, as one line (see :mod:`.rendered_memo`)."""
    refs = [[exp.ref, sha] for group in grouped.values() for exp, sha in group]
    parts = [READER_VERSION, _code_stamp(), _time_zone(), head, names, baselines, unreached]
    return json.dumps([*parts, refs, notes, checkpoints], separators=(",", ":"))


def _code_stamp() -> list[int]:
    """When the code that reads and renders the rows was installed: another one renders anew."""
    folder = os.path.dirname(__file__)
    stamps = []
    for name in _RENDERING_MODULES:
        with contextlib.suppress(OSError):
            stamps.append(os.stat(os.path.join(folder, name)).st_mtime_ns)
    return stamps


def _time_zone() -> list[Any]:
    """What the local times shown depend on: the zone's names and offsets, and its file."""
    try:
        zone_file = os.stat("/etc/localtime")
        file_stamp = [zone_file.st_mtime_ns, zone_file.st_ino, zone_file.st_size]
    except OSError:
        file_stamp = []
    rules = [time.timezone, time.altzone, time.daylight, list(time.tzname)]
    return [os.environ.get("TZ"), rules, file_stamp]


def _with_pending(rows: list[_Row], pending: Sequence[PendingRun]) -> list[_Row]:
    """``rows`` with each pending run under its baseline: running first, queued last."""
    if not pending:
        return rows
    newest = sorted(pending, key=lambda run: run.created or 0, reverse=True)
    result: list[_Row] = []
    queued: list[_Row] = []
    for row in rows:
        if row.typ == "baseline":
            result.extend(queued)
            result.append(row)
            mine = [run for run in newest if run.baseline == row.commit]
            result.extend(_pending_row(run) for run in mine if run.state == "running")
            queued = [_pending_row(run) for run in mine if run.state != "running"]
        else:
            result.append(row)
    return result + queued


def _pending_row(run: PendingRun) -> _Row:
    data = RevisionData(run.name, created=run.created, message=run.message)
    row = _Row(run.name, "", "branch_commit", data, run.baseline[:7], run.state)
    row.executor, row.name = run.executor, run.name
    return row


def _dvc_dir(repo: Repository) -> Path | None:
    folder = repo.root / ".dvc"
    return folder if folder.is_dir() else None


def _tasks_of(repo: Repository, baselines: set[str]) -> dict[str, list[DvcTask]]:
    """DVC's queued, running and failed tasks of the baselines shown, by baseline."""
    grouped: dict[str, list[DvcTask]] = {}
    for task in queue_tasks(repo.git_dir, _dvc_dir(repo)):
        if task.baseline in baselines:
            grouped.setdefault(task.baseline, []).append(task)
    return grouped


def _task_rows(
    tasks: Sequence[DvcTask],
    data: Mapping[str, RevisionData],
    baseline: str,
    states: Sequence[str],
    dvc_dir: Path | None,
) -> list[_Row]:
    """Rows of DVC's tasks in ``states``, in that order, each newest first, as DVC lists them.

    A queued task has no metrics yet (DVC shows none, though its commit holds the workspace's).
    """
    rows = []
    for state in states:
        chosen = [task for task in tasks if task.state == state]
        chosen.sort(key=lambda task: (data[task.commit].created or 0, task.commit), reverse=True)
        for task in chosen:
            found = data[task.commit]
            shown = replace(found, metrics={}) if state == "queued" else found
            rows.append(
                _Row(task.name, task.commit[:7], "branch_commit", shown, baseline[:7], state)
            )
            rows[-1].executor, rows[-1].task = task.executor, task.commit
            rows[-1].local = (
                {"root": None, "log": None, "pid": None, "returncode": None, "task_id": task.commit}
                if state == "queued"
                else task_process(dvc_dir, task.commit)
            )
            rows[-1].commit, rows[-1].name = task.commit, task.name
    return rows


def _chains(
    repo: Repository,
    grouped: Mapping[str, list[tuple[ExpRef, str]]],
    data: Mapping[str, RevisionData],
) -> dict[str, list[ChainLink]]:
    """The checkpoint chain of each experiment shown, newest first (its own commit first).

    Only an experiment whose commit's parent is not its baseline can have one: the others
    (most) cost nothing more.
    """
    tips = [
        sha for group in grouped.values() for exp, sha in group if data[sha].parent != exp.baseline
    ]
    return read_chains(repo, tips) if tips else {}


def _states(
    repo: Repository, shas: Sequence[str], data: Mapping[str, RevisionData]
) -> dict[str, str]:
    """``running`` or ``unfinished`` for experiments whose last commit is a checkpoint."""
    candidates = [sha for sha in shas if CHECKPOINT_SUBJECT.fullmatch(data[sha].message or "")]
    if not candidates:
        return {}  # and no `git cat-file` started: a warm show reads no object
    states = {}
    for sha, found in repo.objects().read_many(candidates).items():
        if found is not None:
            state = checkpoint_state(parse_trailers(found[1].decode("utf-8", "replace")))
            if state is not None:
                states[sha] = state
    return states


def _all_commits(repo: Repository, head: str) -> list[str]:
    """DVC's ``--all-commits``: every commit reachable from HEAD, a branch, a tag or a remote.

    In ``git rev-list``'s order (newest first), as DVC lists them.
    """
    return repo.run("rev-list", head, "--branches", "--tags", "--remotes").split()


def _by_baseline(
    experiments: list[tuple[ExpRef, str]], shown: set[str]
) -> dict[str, list[tuple[ExpRef, str]]]:
    """The experiments of the baselines ``shown``, grouped by baseline."""
    grouped: dict[str, list[tuple[ExpRef, str]]] = {}
    for exp, sha in experiments:
        if exp.baseline in shown:
            grouped.setdefault(exp.baseline, []).append((exp, sha))
    return grouped


def _optional_columns(rows: list[_Row], local_column: bool) -> dict[str, list[Any]]:
    """The fixed columns shown only when a row has a value (``Local``: a remote's table)."""
    found: dict[str, list[Any]] = {
        "State": [row.state for row in rows],
        "Executor": [row.executor for row in rows],
        "Local": [row.local_copy for row in rows],
        "Notes": [row.note for row in rows],
        "Star": [row.star for row in rows],
    }
    if not local_column:
        del found["Local"]
    return {name: values for name, values in found.items() if name == "Local" or any(values)}


def _table(
    rows: list[_Row],
    sort_by: str | None,
    sort_order: str,
    only_changed: bool,
    local_column: bool = False,
) -> Table:
    interned: dict[Source, Source] = {}
    flat = [_flat_values(row.data, interned) for row in rows]
    below = [_flat_values(child.data, interned) for row in rows for child in row.children]
    every = [row.data for row in rows] + [child.data for row in rows for child in row.children]
    names = _column_names(_sources(flat + below, _file_order(every)))
    if sort_by is not None:
        column = _sort_column(sort_by, names)
        source = next(source for source, name in names.items() if name == column)
        rows, flat = _sorted_rows(rows, flat, source, sort_order == "desc")
    _mark_last_experiments(rows)
    rows = [shown for row in rows for shown in (row, *row.children)]
    flat = [_flat_values(row.data, interned) for row in rows] if below else flat
    _mark_unreadable(rows, flat, names)

    columns: dict[str, list[Any]] = {
        "Experiment": [row.experiment for row in rows],
        "rev": [row.rev for row in rows],
        "typ": [row.typ for row in rows],
        "Created": [_created(row.data) for row in rows],
        "Message": [row.data.message if row.data else None for row in rows],
        "parent": [row.parent for row in rows],
    }
    columns.update(_optional_columns(rows, local_column))
    kinds: dict[str, list[str]] = {"metrics": [], "params": [], "deps": [], "int_columns": []}
    for source, name in names.items():
        values = [found.get(source) for found in flat]
        if only_changed and len({_identity(value) for value in values}) == 1:
            continue
        present = [value for value in values if value is not None and value is not UNREADABLE]
        if present and all(is_int(value) for value in present):
            kinds["int_columns"].append(name)
        if present and all(is_number(value) for value in present):
            values = [math.nan if value is None else value for value in values]
        columns[name] = values
        kinds[source[0]].append(name)

    deps = sorted({dep for row in rows if row.data for dep in row.data.deps})
    taken = set(columns)
    for dep in deps:
        values = [_dep_hash(row.data, dep) for row in rows]
        if only_changed and len(set(values)) == 1:
            continue
        name = dep if dep not in taken else f"deps:{dep}"
        columns[name] = values
        kinds["deps"].append(name)
        names[("deps", dep, "")] = name

    shown = {*kinds["metrics"], *kinds["params"], *kinds["deps"]}
    attrs: dict[str, Any] = dict(kinds)
    attrs["sources"] = {name: list(source) for source, name in names.items() if name in shown}
    return Table(columns, attrs, details=rows)


def _file_order(datas: list[RevisionData | None]) -> list[tuple[str, str]]:
    """Every ``(kind, file)`` of the rows in the order first met, unreadable ones included."""
    order: dict[tuple[str, str], None] = {}
    for kind in ("metrics", "params"):
        for data in datas:
            if data is not None and not (data.errors and row_error(data) is not None):
                order.update(((kind, path), None) for path in getattr(data, kind))
    return list(order)


def _sources(flat: list[dict[Source, Any]], files: Sequence[tuple[str, str]] = ()) -> list[Source]:
    """Every (kind, file, key) of the rows, metrics first, grouped by file, as DVC orders them.

    Files in the order they are first met (``files``: that order, known beforehand, with the
    files a row could not read), and each file's keys in the order they are met.
    """
    by_file: dict[tuple[str, str], dict[Source, None]] = {file: {} for file in files}
    for kind in ("metrics", "params"):
        for found in flat:
            for source in found:
                if source[0] == kind:
                    by_file.setdefault((kind, source[1]), {})[source] = None
    return [source for keys in by_file.values() for source in keys]


def _mark_unreadable(
    rows: list[_Row], flat: list[dict[Source, Any]], names: Mapping[Source, str]
) -> None:
    """``!`` in every column of a file a row could not read, as DVC shows it.

    (A row whose ``dvc.yaml`` could not be loaded has no values at all: :func:`_flat_values`.)
    """
    by_file: dict[tuple[str, str], list[Source]] = {}
    for source in names:
        by_file.setdefault((source[0], source[1]), []).append(source)
    for row, found in zip(rows, flat):
        data = row.data
        if data is None or not data.errors or row_error(data) is not None:
            continue
        for kind, files in (("metrics", data.metrics), ("params", data.params)):
            for path in (path for path, content in files.items() if content is None):
                found.update((source, UNREADABLE) for source in by_file.get((kind, path), ()))


def _created(data: RevisionData | None) -> str | None:
    """The row's ``Created``: none when its ``dvc.yaml`` could not be loaded, as in DVC."""
    if data is None or row_error(data) is not None:
        return None
    return _iso_time(data.created)


def _dep_hash(data: RevisionData | None, dep: str) -> str | None:
    found = data.deps.get(dep) if data is not None else None
    return found.get("hash") if found else None


def _mark_last_experiments(rows: list[_Row]) -> None:
    """The last experiment row of each baseline is ``branch_base``, as DVC types it."""
    for index, row in enumerate(rows):
        following = rows[index + 1] if index + 1 < len(rows) else None
        if row.typ in EXPERIMENT_TYPES and (
            following is None or following.typ not in EXPERIMENT_TYPES
        ):
            row.typ = "branch_base"


def _flat_values(data: RevisionData | None, interned: dict[Source, Source]) -> dict[Source, Any]:
    """Each ``(kind, file, key)`` of a row with its value.

    The keys are ``interned``: one tuple per column, not one per cell (100,000 rows of ten
    columns would otherwise hold a million tuples and their key strings).
    """
    values: dict[Source, Any] = {}
    if data is None or (data.errors and row_error(data) is not None):
        return values  # no data, or a dvc.yaml DVC cannot load: no values, as in DVC
    for kind, files in (("metrics", data.metrics), ("params", data.params)):
        for path, content in files.items():
            for key, value in flatten(content).items():
                source = (kind, path, key)
                values[interned.setdefault(source, source)] = value
    return values


def _column_names(sources: list[Source]) -> dict[Source, str]:
    """DVC's rule: the bare key if no other file has it and no fixed column is so named."""
    count = Counter(key for _, _, key in sources)
    count.update(_RESERVED)
    names = {}
    for kind, path, key in sources:
        names[(kind, path, key)] = key if count[key] == 1 else f"{path}:{key}"
    taken = Counter(names.values())
    for source, name in names.items():
        if taken[name] > 1:  # the same file listed as metrics and params
            names[source] = f"{source[0]}:{name}"
    return names


def _sort_column(sort_by: str, names: Mapping[Source, str]) -> str:
    """The column ``sort_by`` names: a column, ``file:key``, or a key found in one file only."""
    columns = list(dict.fromkeys(names.values()))
    if sort_by in columns:
        return sort_by
    by_path = [name for (_, path, key), name in names.items() if f"{path}:{key}" == sort_by]
    if len(set(by_path)) == 1:
        return by_path[0]
    by_key = list(dict.fromkeys(name for (_, _, key), name in names.items() if key == sort_by))
    if len(by_key) == 1:
        return by_key[0]
    raise UnknownColumnError(sort_by, columns, by_key)


def _sorted_rows(
    rows: list[_Row],
    flat: list[dict[Source, Any]],
    source: Source,
    descending: bool,
) -> tuple[list[_Row], list[dict[Source, Any]]]:
    """Experiments sorted within each baseline; workspace and baselines stay in place."""
    paired = list(zip(rows, flat))
    result: list[tuple[_Row, dict[Source, Any]]] = []
    index = 0
    while index < len(paired):
        if paired[index][0].typ not in EXPERIMENT_TYPES:
            result.append(paired[index])
            index += 1
            continue
        end = index
        while end < len(paired) and paired[end][0].typ in EXPERIMENT_TYPES:
            end += 1
        group = paired[index:end]
        present = [item for item in group if not is_missing(item[1].get(source))]
        missing = [item for item in group if is_missing(item[1].get(source))]
        present.sort(key=lambda item: _sort_key(item[1][source]), reverse=descending)
        result.extend(present + missing)
        index = end
    return [row for row, _ in result], [values for _, values in result]


def _sort_key(value: Any) -> tuple[int, Any]:
    if is_number(value) or isinstance(value, bool):
        return (0, value)
    if isinstance(value, str):
        return (1, value)
    return (2, json.dumps(value, sort_keys=True, default=str))


def _identity(value: Any) -> str:
    """A comparable form of a cell for ``only_changed`` (1 and 1.0 alike, as DVC's str)."""
    if is_missing(value):
        return "\0missing"
    if is_number(value) and float(value).is_integer() and abs(value) < 2**53:
        return repr(float(value))
    return json.dumps(value, sort_keys=True, default=str)


def _iso_time(timestamp: int | None) -> str | None:
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp).astimezone().isoformat(timespec="seconds")
