"""``show`` tables and diffs as CSV, as ``dvc exp show --csv`` writes tables."""

from __future__ import annotations

import csv
import io
import json
from typing import TYPE_CHECKING, Any

from live_nb.experiments.cells import format_value
from live_nb.experiments.diff import ExperimentDiff
from live_nb.experiments.table import Table, as_table

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["to_csv"]


def to_csv(obj: Table | pd.DataFrame | ExperimentDiff) -> str:
    """CSV of a :func:`show` table (every column) or of a diff (``type`` column first)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if isinstance(obj, ExperimentDiff):
        _write_diff(writer, obj)
        return buffer.getvalue()
    table = as_table(obj)
    int_columns = set(table.attrs.get("int_columns", ()))
    columns = table.names
    writer.writerow(columns)
    for row in table.rows():
        writer.writerow(
            [_csv_cell(value, column in int_columns) for value, column in zip(row, columns)]
        )
    return buffer.getvalue()


def _write_diff(writer: Any, d: ExperimentDiff) -> None:
    writer.writerow(["type", "path", "key", "old", "new", "change"])
    for kind, frame in (("metrics", d.metrics), ("params", d.params)):
        for record in frame.to_dict("records"):
            cells = [record["path"], record["key"], record["old"], record["new"]]
            cells.append(record["change"])
            writer.writerow([kind, *(_csv_cell(cell, False) for cell in cells)])
    for status, file in d.files:
        writer.writerow(["file", file, status, "", "", ""])


def _csv_cell(value: Any, as_int: bool) -> str:
    value = format_value(value, None, as_int)
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=str)
    return str(value)
