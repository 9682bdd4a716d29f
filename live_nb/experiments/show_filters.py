"""``dvc exp show``'s row and column filters, applied to a built :class:`.table.Table`.

Rows: ``-n 0`` (the workspace alone), ``--hide-workspace``, ``--hide-queued`` and
``--hide-failed``; a metric, param or dependency column no row left has a value in goes, as
DVC builds its columns from the rows it shows. Columns: ``--drop`` and ``--keep`` are regular
expressions matched at the start of a column's name (Python's ``re.match``, as DVC), ``--keep``
winning; the fixed columns may be dropped too. DVC's JSON is filtered by rows only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from live_nb.experiments.cells import is_missing
from live_nb.experiments.table import Table
from live_nb.records import record

TYPE_CHECKING = False  # not typing's: importing typing costs `live-nb exp show` 4 ms
if TYPE_CHECKING:
    from typing import Any

__all__ = ["RowFilter", "kept_columns"]

_OPTIONAL = ("State", "Executor", "Notes", "Star")


@record(frozen=True)
class RowFilter:
    """Which rows to leave out; :meth:`active` says whether any is."""

    workspace_only: bool = False
    hide_workspace: bool = False
    hide_queued: bool = False
    hide_failed: bool = False

    def active(self) -> bool:
        """Whether this filter leaves any row out."""
        return any(vars(self).values())

    def keeps(self, row: Any) -> bool:
        """Whether ``row`` (one of ``show``'s rows) stays."""
        if row.typ == "workspace":
            return not self.hide_workspace
        if self.workspace_only:
            return False
        state = row.state if row.task else None
        return not (
            (self.hide_queued and state == "queued") or (self.hide_failed and state == "failed")
        )

    def apply(self, table: Table) -> Table:
        """``table`` with only the rows kept (its ``details`` too, when it has them)."""
        details = table.details or []
        if not self.active() or not details:
            return table
        if len(details) != len(table):  # rows only (DVC's JSON): the details alone
            kept = _kept_details(details, self)
            return Table(table.columns, table.attrs, details=kept)
        indexes = [index for index, row in enumerate(details) if self.keeps(row)]
        columns = {name: [values[i] for i in indexes] for name, values in table.columns.items()}
        data = {*table.attrs.get("metrics", ()), *table.attrs.get("params", ())}
        data |= set(table.attrs.get("deps", ()))
        for name in [name for name in columns if name in data]:
            if all(is_missing(value) for value in columns[name]):
                del columns[name]
        for name in _OPTIONAL:  # shown when a row left has one, as show() builds them
            if name in columns and not any(columns[name]):
                del columns[name]
        if "typ" in columns:
            columns["typ"] = _types(columns["typ"])
        attrs = dict(table.attrs)
        for kind in ("metrics", "params", "deps", "int_columns"):
            attrs[kind] = [name for name in attrs.get(kind, ()) if name in columns]
        return Table(columns, attrs, details=[details[i] for i in indexes])


def _types(types: list[Any]) -> list[Any]:
    """DVC's ``branch_base`` for the last experiment row of each baseline that is left."""
    experiments = ("branch_commit", "branch_base")
    result = ["branch_commit" if typ in experiments else typ for typ in types]
    following = None  # the next row's type, past an experiment's checkpoint rows
    for index in range(len(result) - 1, -1, -1):
        typ = result[index]
        if typ == "branch_commit" and following not in experiments:
            result[index] = "branch_base"
        if typ != "checkpoint":
            following = typ
    return result


def _kept_details(rows: list[Any], kept: RowFilter) -> list[Any]:
    """The rows kept, each experiment's checkpoints (children) with it."""
    return [row for row in rows if kept.keeps(row)]


def kept_columns(names: Sequence[str], drop: Sequence[str], keep: Sequence[str]) -> list[int]:
    """The indexes of the columns ``--drop``/``--keep`` leave (see the module's notes)."""
    if not drop and not keep:
        return list(range(len(names)))
    dropped = [re.compile(pattern) for pattern in drop]
    keeping = [re.compile(pattern) for pattern in keep]
    return [
        index
        for index, name in enumerate(names)
        if any(p.match(name) for p in keeping) or not any(p.match(name) for p in dropped)
    ]
