"""``show`` tables and diffs as JSON: strict JSON (infinities as text, NaN as null)."""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

from live_nb.experiments.cells import format_value, is_missing
from live_nb.experiments.diff import ExperimentDiff
from live_nb.experiments.table import Table, as_table

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["to_json"]


def to_json(obj: Table | pd.DataFrame | ExperimentDiff, indent: int | None = 2) -> str:
    """JSON of a :func:`show` table or of a diff.

    A table is a list of row objects (missing values ``null``); a diff is
    ``{"old", "new", "old_rev", "new_rev", "metrics": {path: {key: {old, new, diff}}},
    "params", "files"}``.
    """
    payload = _diff_payload(obj) if isinstance(obj, ExperimentDiff) else _table_payload(obj)
    return json.dumps(payload, indent=indent, ensure_ascii=False, allow_nan=False)


def _table_payload(obj: Table | pd.DataFrame) -> list[dict[str, Any]]:
    table = as_table(obj)
    int_columns = set(table.attrs.get("int_columns", ()))
    cells = [
        [_json_cell(value, name in int_columns) for value in values]
        for name, values in table.columns.items()
    ]
    names = table.names
    return [dict(zip(names, row)) for row in zip(*cells)]


def _json_cell(value: Any, as_int: bool) -> Any:
    """:func:`_json_value`, with a fast path for the cells most tables are made of."""
    kind = type(value)
    if value is None or kind is str or kind is int or kind is bool:
        return value
    if kind is float and math.isfinite(value):
        return int(value) if as_int and value.is_integer() else value
    return _json_value(value, as_int)


def _diff_payload(d: ExperimentDiff) -> dict[str, Any]:
    return {
        "old": d.old,
        "new": d.new,
        "old_rev": d.old_rev,
        "new_rev": d.new_rev,
        "metrics": _diff_json(d.metrics),
        "params": _diff_json(d.params),
        "files": [{"status": status, "path": file} for status, file in d.files],
    }


def _diff_json(frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = {}
    for record in frame.to_dict("records"):
        entry = {"old": _diff_value(record["old"]), "new": _diff_value(record["new"])}
        if not is_missing(record["change"]):
            entry["diff"] = _json_value(record["change"], False)
        result.setdefault(str(record["path"]), {})[str(record["key"])] = entry
    return result


def _diff_value(value: Any) -> Any:
    """A side of a diff: a list as its text (``"[1, 2]"``), as ``dvc exp diff --json`` has it."""
    if isinstance(value, (list, tuple)):
        return str(list(value))
    return _json_value(value, False)


def _json_value(value: Any, as_int: bool) -> Any:
    value = format_value(value, None, as_int)
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
