"""``show`` and ``diff``: experiments as a table, and what changed between two of them.

``show`` returns the table ``dvc exp show --csv`` prints, as a pandas DataFrame: the workspace,
then each baseline followed by its experiments (newest first), one column per metric and per
param. A column is named by its key (nested keys joined with ``.``, as ``model.depth``), or
``<file>:<key>`` when the key occurs in more than one file or clashes with a fixed column, the
rule DVC uses. ``format_table``, ``to_csv`` and ``to_json`` render a table (or a diff) for a
terminal.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import io
import json
import math
import os
import unicodedata
import warnings
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from live_nb.error import LiveNbError
from live_nb.experiments.read import WORKSPACE, ExperimentReader, RevisionData
from live_nb.experiments.refs import ExpRef, UnknownExperimentError, list_refs, resolve
from live_nb.experiments.values import flatten
from live_nb.git import Repository

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "META_COLUMNS",
    "ExperimentDiff",
    "InvalidShowArgumentError",
    "MissingCommitError",
    "NoCommitsToDiffError",
    "UnknownColumnError",
    "diff",
    "format_diff",
    "format_table",
    "show",
    "to_csv",
    "to_json",
]

META_COLUMNS = ("Experiment", "rev", "typ", "Created", "Message", "parent")
# DVC's own fixed columns: a metric or param with one of these names gets its file prefix.
_RESERVED = frozenset({*META_COLUMNS, "State", "Executor"})
_SORT_ORDERS = ("asc", "desc")
_TREE_GLYPHS = {"branch_commit": "├──", "branch_base": "└──"}
DEFAULT_PRECISION = 5


class InvalidShowArgumentError(LiveNbError, ValueError):
    def __init__(self, argument: str, value: object, expected: str) -> None:
        super().__init__(f"Invalid {argument} {value!r}: expected {expected}.")


class UnknownColumnError(LiveNbError, ValueError):
    def __init__(self, name: str, available: Sequence[str], matches: Sequence[str] = ()) -> None:
        self.name = name
        self.available = list(available)
        if matches:
            detail = f"it matches {', '.join(map(repr, matches))}: name one of these"
        elif available:
            detail = f"the metric and param columns are: {', '.join(map(repr, available))}"
        else:
            detail = "no experiment has metrics or params"
        super().__init__(f"Cannot sort by {name!r}: {detail}.")


# ---------------------------------------------------------------------------------------------
# show


@dataclass
class _Row:
    experiment: str
    rev: str
    typ: str
    data: RevisionData | None
    parent: str | None = None


def show(
    path: str | os.PathLike[str] = ".",
    all_baselines: bool = False,
    sort_by: str | None = None,
    sort_order: str = "asc",
    only_changed: bool = False,
    num: int = 1,
    force: bool = False,
) -> pd.DataFrame:
    """Experiments of the repository containing ``path``, as ``dvc exp show`` lists them.

    Rows: the workspace, then each baseline followed by its experiments, newest first (or in
    ``sort_by`` order, ``sort_order`` ``"asc"`` or ``"desc"``; missing values last). Baselines
    are HEAD and its ``num - 1`` first-parent ancestors (``num < 0``: all of them); with
    ``all_baselines`` also every branch tip and every other commit that has experiments.
    ``only_changed`` drops metric and param columns that hold the same value in every row
    (a missing value counts as a value). ``force`` ignores the cache and reads every commit.
    Columns: ``Experiment`` (name; ``workspace``; a baseline's branch or tag, else short sha),
    ``rev`` (short sha), ``typ`` (``workspace``, ``baseline``, ``branch_commit``, or
    ``branch_base`` for a baseline's last row, as DVC), ``Created`` (ISO 8601 commit time),
    ``Message`` (first line), ``parent`` (short baseline sha), then metrics, then params.
    """
    if sort_order not in _SORT_ORDERS:
        raise InvalidShowArgumentError("sort_order", sort_order, "'asc' or 'desc'")
    if isinstance(num, bool) or not isinstance(num, int) or num == 0:
        raise InvalidShowArgumentError("num", num, "a positive number of commits, or -1 for all")
    with Repository.discover(path) as repo, _gc_paused():
        head = repo.head()
        reader = ExperimentReader(repo, use_cache=not force)
        workspace = reader.read_workspace(head)
        rows = [_Row(WORKSPACE, WORKSPACE, "workspace", workspace, head[:7] if head else None)]
        if head is not None:
            rows.extend(_commit_rows(repo, reader, head, num, all_baselines))
        frame = _frame(rows, sort_by, sort_order, only_changed)
        frame.attrs["read_stats"] = vars(reader.stats).copy()
        return frame


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
    repo: Repository, reader: ExperimentReader, head: str, num: int, all_baselines: bool
) -> list[_Row]:
    experiments = list_refs(repo)
    names, branch_tips = _describe(repo, head)
    history = [head]
    if num != 1:
        limit = [f"--max-count={num}"] if num > 0 else []
        history = repo.run("rev-list", "--first-parent", *limit, head).split()
    baselines = list(history)
    if all_baselines:
        baselines.extend(branch_tips)
        baselines.extend(exp.baseline for exp, _ in experiments)
    baselines = list(dict.fromkeys(baselines))
    shown = set(baselines)
    grouped: dict[str, list[tuple[ExpRef, str]]] = {}
    for exp, sha in experiments:
        if exp.baseline in shown:
            grouped.setdefault(exp.baseline, []).append((exp, sha))

    keep = {sha for _, sha in experiments} | {exp.baseline for exp, _ in experiments}
    keep |= set(baselines)
    wanted = baselines + [sha for group in grouped.values() for _, sha in group]
    data = reader.read_commits(wanted, keep=keep)

    if all_baselines:
        # HEAD's history, then branch tips, then other baselines, newest first.
        primary = set(history) | set(branch_tips)
        others = [sha for sha in baselines if sha not in primary]
        others.sort(key=lambda sha: (data[sha].created or 0, sha), reverse=True)
        baselines = [sha for sha in baselines if sha in primary] + others

    rows = []
    for baseline in baselines:
        label = names.get(baseline) or baseline[:7]
        rows.append(_Row(label, baseline[:7], "baseline", data[baseline]))
        group = grouped.get(baseline, [])
        group.sort(key=lambda item: (data[item[1]].created or 0, item[1]), reverse=True)
        rows.extend(
            _Row(exp.name, sha[:7], "branch_commit", data[sha], baseline[:7]) for exp, sha in group
        )
    return rows


def _describe(repo: Repository, head: str) -> tuple[dict[str, str], list[str]]:
    """Names for commits (HEAD's branch, else a tag, else a branch, as DVC) and branch tips."""
    output = repo.run(
        "for-each-ref",
        "--format=%(HEAD)%09%(objectname)%09%(*objectname)%09%(refname)",
        "refs/heads",
        "refs/tags",
    )
    tags: dict[str, str] = {}
    branches: dict[str, str] = {}
    current: str | None = None
    tips: list[str] = []
    for line in output.splitlines():
        marker, sha, peeled, ref = line.split("\t", 3)
        if ref.startswith("refs/heads/"):
            name = ref[len("refs/heads/") :]
            branches.setdefault(sha, name)
            tips.append(sha)
            if marker == "*":
                current = name
        elif ref.startswith("refs/tags/"):
            tags.setdefault(peeled or sha, ref[len("refs/tags/") :])
    names = {**branches, **tags}
    if current is not None:
        names[head] = current
    return names, tips


def _frame(
    rows: list[_Row], sort_by: str | None, sort_order: str, only_changed: bool
) -> pd.DataFrame:
    import pandas as pd

    flat = [_flat_values(row.data) for row in rows]
    sources: dict[tuple[str, str, str], None] = {}
    for kind in ("metrics", "params"):
        for found in flat:
            sources.update(dict.fromkeys(source for source in found if source[0] == kind))
    names = _column_names(list(sources))

    if sort_by is not None:
        column = _sort_column(sort_by, names)
        source = next(source for source, name in names.items() if name == column)
        rows, flat = _sorted_rows(rows, flat, source, sort_order == "desc")
    for index, row in enumerate(rows):
        following = rows[index + 1] if index + 1 < len(rows) else None
        if row.typ in _TREE_GLYPHS and (following is None or following.typ not in _TREE_GLYPHS):
            row.typ = "branch_base"

    columns: dict[str, list[Any]] = {
        "Experiment": [row.experiment for row in rows],
        "rev": [row.rev for row in rows],
        "typ": [row.typ for row in rows],
        "Created": [_iso_time(row.data.created if row.data else None) for row in rows],
        "Message": [row.data.message if row.data else None for row in rows],
        "parent": [row.parent for row in rows],
    }
    int_columns: list[str] = []
    metric_columns: list[str] = []
    param_columns: list[str] = []
    for source, name in names.items():
        values = [found.get(source) for found in flat]
        present = [value for value in values if value is not None]
        if only_changed and len({_identity(value) for value in values}) == 1:
            continue
        if present and all(_is_int(value) for value in present):
            int_columns.append(name)
        if present and all(_is_number(value) for value in present):
            values = [math.nan if value is None else value for value in values]
        columns[name] = values
        (metric_columns if source[0] == "metrics" else param_columns).append(name)

    frame = pd.DataFrame(columns, index=range(len(rows)))
    frame.attrs.update(
        {
            "metrics": metric_columns,
            "params": param_columns,
            "int_columns": int_columns,
            "sources": {
                name: list(source)
                for source, name in names.items()
                if name in metric_columns or name in param_columns
            },
        }
    )
    return frame


def _flat_values(data: RevisionData | None) -> dict[tuple[str, str, str], Any]:
    values: dict[tuple[str, str, str], Any] = {}
    if data is None:
        return values
    for kind, files in (("metrics", data.metrics), ("params", data.params)):
        for path, content in files.items():
            for key, value in flatten(content).items():
                values[(kind, path, key)] = value
    return values


def _column_names(sources: list[tuple[str, str, str]]) -> dict[tuple[str, str, str], str]:
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


def _sort_column(sort_by: str, names: Mapping[tuple[str, str, str], str]) -> str:
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
    flat: list[dict[tuple[str, str, str], Any]],
    source: tuple[str, str, str],
    descending: bool,
) -> tuple[list[_Row], list[dict[tuple[str, str, str], Any]]]:
    """Experiments sorted within each baseline; workspace and baselines stay in place."""
    paired = list(zip(rows, flat))
    result: list[tuple[_Row, dict[tuple[str, str, str], Any]]] = []
    index = 0
    while index < len(paired):
        if paired[index][0].typ not in _TREE_GLYPHS:
            result.append(paired[index])
            index += 1
            continue
        end = index
        while end < len(paired) and paired[end][0].typ in _TREE_GLYPHS:
            end += 1
        group = paired[index:end]
        present = [item for item in group if not _is_missing(item[1].get(source))]
        missing = [item for item in group if _is_missing(item[1].get(source))]
        present.sort(key=lambda item: _sort_key(item[1][source]), reverse=descending)
        result.extend(present + missing)
        index = end
    return [row for row, _ in result], [values for _, values in result]


def _sort_key(value: Any) -> tuple[int, Any]:
    if _is_number(value) or isinstance(value, bool):
        return (0, value)
    if isinstance(value, str):
        return (1, value)
    return (2, json.dumps(value, sort_keys=True, default=str))


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _identity(value: Any) -> str:
    """A comparable form of a cell for ``only_changed`` (1 and 1.0 alike, as DVC's str)."""
    if _is_missing(value):
        return "\0missing"
    if _is_number(value) and float(value).is_integer() and abs(value) < 2**53:
        return repr(float(value))
    return json.dumps(value, sort_keys=True, default=str)


def _iso_time(timestamp: int | None) -> str | None:
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp).astimezone().isoformat(timespec="seconds")


# ---------------------------------------------------------------------------------------------
# diff


@dataclass(frozen=True, eq=False)  # DataFrames have no single truth value to compare by
class ExperimentDiff:
    """What changed from ``old`` to ``new``: metrics, params, and files.

    ``metrics`` and ``params`` are DataFrames with columns ``path``, ``key``, ``old``, ``new``
    and ``change`` (new - old when both are numbers). ``files`` lists ``(status, path)`` with
    Git's letters ``A``, ``D``, ``M``, ``T``; for the workspace, untracked files count too.
    """

    old: str
    new: str
    old_rev: str | None
    new_rev: str | None
    metrics: pd.DataFrame
    params: pd.DataFrame
    files: list[tuple[str, str]] = field(default_factory=list)

    def to_text(self, precision: int | None = DEFAULT_PRECISION) -> str:
        return format_diff(self, precision)

    def to_json(self) -> str:
        return to_json(self)

    def to_csv(self) -> str:
        return to_csv(self)


def diff(
    a: str | None = None,
    b: str | None = None,
    path: str | os.PathLike[str] = ".",
    with_unchanged: bool = False,
) -> ExperimentDiff:
    """Compare two revisions' metrics, params and files.

    - no argument: HEAD (old) against the workspace (new), as ``dvc exp diff``;
    - ``a`` an experiment: its baseline (old) against it (new); ``a`` any other Git revision:
      it against the workspace, as DVC;
    - ``a`` and ``b``: ``a`` (old) against ``b`` (new).

    A name is an experiment (name, full ref or sha prefix, see ``refs.resolve``), a Git
    revision (``HEAD~1``, a branch, a tag, a sha), or ``"workspace"``. ``with_unchanged`` also
    lists metrics and params that did not change.
    """
    with Repository.discover(path) as repo:
        head = repo.head()
        reader = ExperimentReader(repo)
        # resolve() lists the refs once per name: say each skipped-refs warning once.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if a is None and b is None:
                old, new = _target(repo, "HEAD"), _target(repo, WORKSPACE)
            elif b is None:
                assert a is not None
                new = _target(repo, a)
                if new[2] is not None:  # an experiment: compare with its baseline
                    baseline = new[2]
                    old = (_baseline_label(repo, baseline, head), baseline, None)
                else:
                    old, new = new, _target(repo, WORKSPACE)
            else:
                old = _target(repo, a if a is not None else "HEAD")
                new = _target(repo, b)
        seen = {(item.category, str(item.message)): item.message for item in caught}
        for message in seen.values():
            warnings.warn(message, stacklevel=2)

        commits = [sha for _, sha, _ in (old, new) if sha is not None]
        data = reader.read_commits(commits)
        for label, sha, _ in (old, new):
            if sha is not None and "" in data[sha].errors:  # the commit object is absent
                raise MissingCommitError(label, sha)
        old_data = data[old[1]] if old[1] else reader.read_workspace(head)
        new_data = data[new[1]] if new[1] else reader.read_workspace(head)
        return ExperimentDiff(
            old=old[0],
            new=new[0],
            old_rev=old[1],
            new_rev=new[1],
            metrics=_diff_frame(old_data.metrics, new_data.metrics, with_unchanged),
            params=_diff_frame(old_data.params, new_data.params, with_unchanged),
            files=_changed_files(repo, old[1], new[1]),
        )


def _target(repo: Repository, name: str) -> tuple[str, str | None, str | None]:
    """``(label, commit or None for the workspace, baseline if an experiment)``."""
    if name == WORKSPACE:
        return WORKSPACE, None, None
    try:
        exp, sha = resolve(repo, name)
    except UnknownExperimentError:
        sha_or_none = None if name.startswith("-") else repo.rev_parse(name)
        if sha_or_none is None:
            if name == "HEAD":
                raise NoCommitsToDiffError() from None
            raise
        return name, sha_or_none, None
    return exp.name, sha, exp.baseline


class NoCommitsToDiffError(LiveNbError, RuntimeError):
    def __init__(self) -> None:
        super().__init__(
            "The repository has no commit yet, so there is nothing to compare the workspace "
            "with. Make a first commit, or save an experiment."
        )


class MissingCommitError(LiveNbError, LookupError):
    def __init__(self, label: str, sha: str) -> None:
        super().__init__(
            f"Commit {sha[:7]} ({label}) is not in this repository, so there is nothing to "
            "compare. Fetch it (git fetch, or live-nb exp pull for experiments) and try again."
        )


def _baseline_label(repo: Repository, baseline: str, head: str | None) -> str:
    if head is not None and baseline == head:
        names, _ = _describe(repo, head)
        return names.get(baseline, baseline[:7])
    return baseline[:7]


def _diff_frame(
    old: Mapping[str, Any], new: Mapping[str, Any], with_unchanged: bool
) -> pd.DataFrame:
    import pandas as pd

    columns: dict[str, list[Any]] = {name: [] for name in ("path", "key", "old", "new", "change")}
    for path in sorted(set(old) | set(new)):
        before, after = flatten(old.get(path)), flatten(new.get(path))
        for key in sorted(set(before) | set(after)):
            a, b = before.get(key), after.get(key)
            if a == b and type(a) is type(b) and not with_unchanged:
                continue
            change = b - a if _is_number(a) and _is_number(b) else None  # type: ignore[operator]
            for name, value in zip(columns, (path, key, a, b, change)):
                columns[name].append(value)
    # object columns keep each value as read: 3 stays 3 beside 0.1, None stays None
    return pd.DataFrame({name: pd.Series(values, dtype=object) for name, values in columns.items()})


def _changed_files(repo: Repository, old: str | None, new: str | None) -> list[tuple[str, str]]:
    """``(status, path)`` of the files that differ from ``old`` to ``new`` (None: workspace)."""
    if old is None and new is None:
        return []
    if old is not None and new is not None:
        return _name_status(repo, "diff", "--name-status", "-z", "--no-renames", old, new, "--")
    commit = old if old is not None else new
    assert commit is not None
    tracked = _name_status(repo, "diff", "--name-status", "-z", "--no-renames", commit, "--")
    changes = {file: status for status, file in tracked}
    # `git diff <commit>` sees tracked files only: compare the untracked ones by content.
    listed = repo.run("ls-files", "-z", "--others", "--exclude-standard", strip=False)
    untracked = [file for file in listed.split("\0") if file and "\n" not in file]
    in_commit = repo.objects().read_many(f"{commit}:{file}" for file in untracked)
    for file in untracked:
        stored = in_commit.get(f"{commit}:{file}")
        if stored is None or stored[0] != "blob":
            changes[file] = "A"
            continue
        try:
            same = (repo.root / file).read_bytes() == stored[1]
        except OSError:
            same = False
        if same:
            changes.pop(file, None)  # tracked nowhere but identical: `git diff` said "D"
        else:
            changes[file] = "M"
    if old is None:  # from the workspace to a commit: additions are deletions
        flip = {"A": "D", "D": "A"}
        changes = {file: flip.get(status, status) for file, status in changes.items()}
    return sorted(((status, file) for file, status in changes.items()), key=lambda c: c[1])


def _name_status(repo: Repository, *args: str) -> list[tuple[str, str]]:
    parts = repo.run(*args, strip=False).split("\0")
    return [(parts[i], parts[i + 1]) for i in range(0, len(parts) - 1, 2) if parts[i]]


# ---------------------------------------------------------------------------------------------
# Rendering


def format_table(df: pd.DataFrame, precision: int | None = DEFAULT_PRECISION) -> str:
    """``df`` (from :func:`show`) as ``dvc exp show`` prints it: plain text, aligned columns.

    The Experiment column draws each baseline's experiments as a tree; floats keep
    ``precision`` significant digits; a missing value shows as ``-``.
    """
    metric_columns, param_columns = _data_columns(df)
    int_columns = set(df.attrs.get("int_columns", ()))
    headers = ["Experiment", "Created", *metric_columns, *param_columns]
    right = {"Experiment": False, "Created": False}
    right.update(dict.fromkeys(metric_columns, True))
    right.update(dict.fromkeys(param_columns, False))
    today = date.today()
    body = []
    for record in df.to_dict("records"):
        cells = [_experiment_cell(record), _created_cell(record.get("Created"), today)]
        for column in (*metric_columns, *param_columns):
            value = record.get(column)
            cells.append(_text(_format_value(value, precision, column in int_columns), "-"))
        body.append(cells)
    return _render(headers, body, [right[header] for header in headers])


def _data_columns(df: pd.DataFrame) -> tuple[list[str], list[str]]:
    present = set(df.columns)
    metrics = [column for column in df.attrs.get("metrics", ()) if column in present]
    params = [column for column in df.attrs.get("params", ()) if column in present]
    if not metrics and not params:
        known = set(META_COLUMNS)
        metrics = [str(column) for column in df.columns if column not in known]
    return metrics, params


def _experiment_cell(record: Mapping[Any, Any]) -> str:
    typ = record.get("typ")
    name = _text(record.get("Experiment"), "")
    if typ in _TREE_GLYPHS:
        rev = _text(record.get("rev"), "")
        return f"{_TREE_GLYPHS[str(typ)]} {rev} [{name}]" if name else f"{_TREE_GLYPHS[typ]} {rev}"
    return name or _text(record.get("rev"), "")


def _created_cell(value: Any, today: date) -> str:
    if _is_missing(value) or not isinstance(value, str):
        return "-"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return _text(value, "-")
    if moment.date() == today:
        return moment.strftime("%I:%M %p")
    return moment.strftime("%b %d, %Y")


def _format_value(value: Any, precision: int | None, as_int: bool) -> Any:
    if _is_missing(value):
        return None
    if as_int and isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, float) and precision:
        return f"{value:.{precision}g}"
    return _plain(value)


def _plain(value: Any) -> Any:
    """numpy scalars (what pandas hands back) as Python values."""
    item = getattr(value, "item", None)
    if callable(item) and type(value).__module__ == "numpy":
        return item()
    return value


_CONTROL = {code: f"\\x{code:02x}" for code in range(32)}
_CONTROL.update({9: "\\t", 10: "\\n", 13: "\\r", 127: "\\x7f"})


def _text(value: Any, missing: str) -> str:
    """A cell as one line of text: control characters escaped, never interpreted."""
    if _is_missing(value):
        return missing
    return str(_plain(value)).translate(_CONTROL)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _render(headers: list[str], rows: list[list[str]], right: list[bool]) -> str:
    headers = [_text(header, "") for header in headers]
    widths = [_width(header) for header in headers]
    for row in rows:
        widths = [max(width, _width(cell)) for width, cell in zip(widths, row)]

    def line(cells: Iterable[str]) -> str:
        padded = []
        for cell, width, align_right in zip(cells, widths, right):
            space = " " * (width - _width(cell))
            padded.append(space + cell if align_right else cell + space)
        return "  ".join(padded).rstrip()

    rule = "─" * (sum(widths) + 2 * (len(widths) - 1))
    return "\n".join([rule, line(headers), rule, *map(line, rows), rule]) + "\n"


def format_diff(d: ExperimentDiff, precision: int | None = DEFAULT_PRECISION) -> str:
    """A diff as ``dvc exp diff`` prints it: a metrics table, a params table, changed files."""
    parts = []
    for title, frame in (("Metric", d.metrics), ("Param", d.params)):
        if frame.empty:
            continue
        headers = ["Path", title, d.old, d.new, "Change"]
        rows = [
            [
                _text(record["path"], "-"),
                _text(record["key"], "-"),
                _text(_format_value(record["old"], precision, False), "-"),
                _text(_format_value(record["new"], precision, False), "-"),
                _text(_format_value(record["change"], precision, False), "-"),
            ]
            for record in frame.to_dict("records")
        ]
        parts.append(_render(headers, rows, [False, False, False, False, False]))
    if d.files:
        lines = [f"{status}  {_text(file, '')}" for status, file in d.files]
        parts.append(f"Files changed from {d.old} to {d.new}:\n" + "\n".join(lines) + "\n")
    if not parts:
        return f"No changes between {d.old} and {d.new}.\n"
    return "\n".join(parts)


def to_csv(obj: pd.DataFrame | ExperimentDiff) -> str:
    """CSV of a :func:`show` table (every column) or of a diff (``type`` column first)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if isinstance(obj, ExperimentDiff):
        writer.writerow(["type", "path", "key", "old", "new", "change"])
        for kind, frame in (("metrics", obj.metrics), ("params", obj.params)):
            for record in frame.to_dict("records"):
                cells = [record["path"], record["key"], record["old"], record["new"]]
                cells.append(record["change"])
                writer.writerow([kind, *(_csv_cell(cell, False) for cell in cells)])
        for status, file in obj.files:
            writer.writerow(["file", file, status, "", "", ""])
        return buffer.getvalue()
    int_columns = set(obj.attrs.get("int_columns", ()))
    columns = [str(column) for column in obj.columns]
    writer.writerow(columns)
    for row in obj.itertuples(index=False, name=None):
        writer.writerow(
            [_csv_cell(value, column in int_columns) for value, column in zip(row, columns)]
        )
    return buffer.getvalue()


def _csv_cell(value: Any, as_int: bool) -> str:
    value = _format_value(value, None, as_int)
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=str)
    return str(value)


def to_json(obj: pd.DataFrame | ExperimentDiff, indent: int | None = 2) -> str:
    """JSON: a :func:`show` table as a list of row objects (missing values ``null``), or a
    diff as ``{"old", "new", "metrics": {path: {key: {old, new, diff}}}, "params", "files"}``.
    """
    if isinstance(obj, ExperimentDiff):
        payload: Any = {
            "old": obj.old,
            "new": obj.new,
            "old_rev": obj.old_rev,
            "new_rev": obj.new_rev,
            "metrics": _diff_json(obj.metrics),
            "params": _diff_json(obj.params),
            "files": [{"status": status, "path": file} for status, file in obj.files],
        }
    else:
        int_columns = set(obj.attrs.get("int_columns", ()))
        columns = [str(column) for column in obj.columns]
        payload = [
            {
                column: _json_value(value, column in int_columns)
                for column, value in zip(columns, row)
            }
            for row in obj.itertuples(index=False, name=None)
        ]
    return json.dumps(payload, indent=indent, ensure_ascii=False, allow_nan=False)


def _diff_json(frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = {}
    for record in frame.to_dict("records"):
        entry = {"old": _json_value(record["old"], False), "new": _json_value(record["new"], False)}
        if not _is_missing(record["change"]):
            entry["diff"] = _json_value(record["change"], False)
        result.setdefault(str(record["path"]), {})[str(record["key"])] = entry
    return result


def _json_value(value: Any, as_int: bool) -> Any:
    value = _format_value(value, None, as_int)
    if isinstance(value, float) and math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {str(key): _json_value(item, False) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_value(item, False) for item in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
