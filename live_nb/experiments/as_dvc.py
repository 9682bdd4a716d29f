"""``show`` tables laid out as ``dvc exp show --csv`` and ``dvc exp show --json`` print them.

So a script written against DVC's output reads live_nb's unchanged:

- CSV: DVC's columns (``Experiment, rev, typ, Created, parent``, then ``State`` and
  ``Executor`` when a row has one, then metrics and params grouped by file, then the stage
  dependencies' md5s, sorted); baselines and the workspace are typed ``baseline`` with their
  name in ``rev``; times are local and without a zone; cells are Python's ``str`` of the
  value (``True``, ``[1, 2]``), missing ones empty; lines end in CRLF, as Python's ``csv``
  writes them for DVC.
- JSON: DVC's nested records, ``[{"rev", "name", "data": {"rev", "timestamp", "params",
  "metrics", "deps", "outs", "meta"}, "error", "experiments": [{"revs": [...], "executor",
  "name"}]}]``, on one line (two-space indented on a terminal), ASCII only.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import datetime

from live_nb.experiments.cells import format_value
from live_nb.experiments.read_errors import decode, row_error
from live_nb.experiments.table import Table

TYPE_CHECKING = False  # not typing's: importing typing costs `live-nb exp show` 4 ms
if TYPE_CHECKING:
    from typing import Any

__all__ = ["dvc_csv", "dvc_json", "dvc_json_records"]

_DVC_META = ("Experiment", "rev", "typ", "Created", "parent")
_BASELINE_TYPES = ("workspace", "baseline")
_FAILED = {"msg": "Experiment run failed", "type": ""}


def dvc_csv(
    table: Table,
    only_changed: bool = False,
    drop: Sequence[str] = (),
    keep: Sequence[str] = (),
    sha: bool = False,
) -> str:
    """The table as ``dvc exp show --csv`` prints it (see the module's notes).

    ``only_changed`` drops every column whose cells are the same text in every row, the
    fixed ones included, as DVC's ``--only-changed`` does; then ``drop`` and ``keep``
    (DVC's ``--drop``/``--keep`` regular expressions, :func:`.show_filters.kept_columns`).
    ``sha``: a baseline's ``rev`` is its short sha, not its branch or tag (DVC's ``--sha``).
    """
    names = table.names
    born = _has_commits(table)
    extra = [name for name in ("State", "Executor") if born and _queue_column(table, name)]
    data = [*table.attrs.get("metrics", ()), *table.attrs.get("params", ())] if born else []
    data += list(table.attrs.get("deps", ())) if born else []
    columns = [*_DVC_META, *extra, *(name for name in data if name in table.columns)]
    int_columns = set(table.attrs.get("int_columns", ()))
    index = {name: names.index(name) for name in names}
    lines = []
    for row in table.rows() if born else ():
        cells = _meta_cells(row, index, sha)
        cells += [_state_cell(row[index[name]]) for name in extra]
        cells += [
            _csv_value(row[index[name]], name in int_columns) for name in columns[len(cells) :]
        ]
        lines.append(cells)
    if only_changed:
        kept = [n for n in range(len(columns)) if len({line[n] for line in lines}) != 1]
        columns = [columns[n] for n in kept]
        lines = [[line[n] for n in kept] for line in lines]
    if drop or keep:
        from live_nb.experiments.show_filters import kept_columns

        kept = kept_columns(columns, drop, keep)
        columns = [columns[n] for n in kept]
        lines = [[line[n] for n in kept] for line in lines]
    if not columns:
        return "\r\n"  # every column dropped: DVC prints one empty line
    import csv  # only for --csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    writer.writerows(lines)
    return buffer.getvalue()


def _meta_cells(row: tuple[Any, ...], index: dict[str, int], sha: bool = False) -> list[str]:
    typ = row[index["typ"]]
    created = _naive_time(row[index["Created"]])
    if typ in _BASELINE_TYPES:
        shown = "workspace" if typ == "workspace" else row[index["rev" if sha else "Experiment"]]
        return ["", str(shown), "baseline", created, ""]
    return [str(row[index["Experiment"]]), str(row[index["rev"]]), str(typ), created, ""]


def _queue_column(table: Table, name: str) -> bool:
    """Whether DVC prints ``name``: some row is a queue's (has an Executor).

    A checkpoint chain's own states (``running``, ``unfinished``) are live_nb's: DVC 3 has
    no column for them.
    """
    if name not in table.columns or "Executor" not in table.columns:
        return False
    return any(value for value in table.columns["Executor"])


def _state_cell(value: Any) -> str:
    return str(value).capitalize() if isinstance(value, str) and value else ""


def _csv_value(value: Any, as_int: bool) -> str:
    value = format_value(value, None, as_int)
    return "" if value is None else str(value)


def _naive_time(value: Any) -> str:
    """An ISO time as DVC writes it: local, with no zone."""
    if not isinstance(value, str) or not value:
        return ""
    return datetime.fromisoformat(value).replace(tzinfo=None).isoformat()


def dvc_json(table: Table, indent: int | None = None, sha: bool = False) -> str:
    """The table as ``dvc exp show --json`` prints it: DVC's nested records (see above).

    ``sha`` (DVC's ``--sha``): baselines have no name.
    """
    if indent is None:
        return f"[{', '.join(dvc_json_records(table, sha))}]"
    payload = list(_baselines(table.details or [], sha))
    return json.dumps(payload, indent=indent, default=str)


def dvc_json_records(table: Table, sha: bool = False) -> list[str]:
    """Each top-level record of :func:`dvc_json`'s one-line layout, rendered apart.

    Joined with ``", "`` inside brackets they are that layout, byte for byte (it is what
    ``json.dumps`` of the list writes), so rendered records can be kept and reused.
    """
    records = _baselines(table.details or [], sha)
    return [json.dumps(record, default=str) for record in records]


def _has_commits(table: Table) -> bool:
    """Whether HEAD is born: on an unborn or orphan HEAD DVC lists no row."""
    if table.details is not None:
        return any(row.typ != "workspace" or row.parent for row in table.details)
    return any(typ != "workspace" for typ in table.columns.get("typ", ())) or any(
        table.columns.get("parent", ())
    )


def _baselines(rows: list[Any], sha: bool = False) -> Iterator[dict[str, Any]]:
    if not any(row.typ != "workspace" or row.parent for row in rows):
        return  # an unborn or orphan HEAD: DVC lists nothing
    current: dict[str, Any] | None = None
    for row in rows:
        if row.typ in _BASELINE_TYPES:
            if current is not None:
                yield current
            named = row.typ == "baseline" and not sha
            current = _state(row, row.name if named else None)
        elif row.typ != "checkpoint" and current is not None:
            revs = [_state(row, row.name), *(_state(child, None) for child in row.children)]
            executor = None
            if row.executor or row.task:
                executor = {"state": row.state, "name": row.executor, "local": row.local}
            if current["experiments"] is None:
                current["experiments"] = []
            current["experiments"].append({"revs": revs, "executor": executor, "name": row.name})
    if current is not None:
        yield current


def _state(row: Any, name: str | None) -> dict[str, Any]:
    # A run of live_nb's queue has no commit yet: its name stands for it.
    rev = row.commit or ("workspace" if row.typ == "workspace" else row.experiment)
    error = _FAILED if row.state == "failed" and row.task else None
    unloadable = row_error(row.data)  # a dvc.yaml DVC cannot load: no data, as DVC
    return {
        "rev": rev,
        "name": name,
        "data": None if unloadable else _data(rev, row.data),
        "error": unloadable or error,
        "experiments": None,
    }


def _data(rev: str, data: Any) -> dict[str, Any] | None:
    if data is None:
        return None
    created = data.created
    return {
        "rev": rev,
        "timestamp": None if created is None else datetime.fromtimestamp(created).isoformat(),
        "params": _files(data.params, data.errors),
        "metrics": _files(data.metrics, data.errors),
        "deps": {path: dict(dep) for path, dep in data.deps.items()},
        "outs": {},
        "meta": {},
    }


def _files(files: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    """Each file's ``{"data": ...}``, or DVC's ``{"error": ...}`` for one it could not read."""
    return {
        path: {"data": content} if content is not None else {"error": decode(errors.get(path, ""))}
        for path, content in files.items()
    }
