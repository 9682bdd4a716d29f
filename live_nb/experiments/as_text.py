"""``show`` tables and diffs as text, the way ``dvc exp show`` and ``dvc exp diff`` print them.

Everything is shown as one line of text per cell: control characters are escaped, never
interpreted, and wide (East Asian) characters count twice when columns are aligned.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from live_nb.experiments.cells import format_value, is_missing, plain
from live_nb.experiments.show import EXPERIMENT_TYPES, META_COLUMNS
from live_nb.experiments.table import Table, as_table

if TYPE_CHECKING:
    import pandas as pd

    from live_nb.experiments.diff import ExperimentDiff

__all__ = ["DEFAULT_PRECISION", "dated_time", "format_diff", "format_table"]

DEFAULT_PRECISION = 5
_TREE_GLYPHS = dict(zip(EXPERIMENT_TYPES, ("├──", "└──")))
_CONTROL = {code: f"\\x{code:02x}" for code in range(32)}
_CONTROL.update({9: "\\t", 10: "\\n", 13: "\\r", 127: "\\x7f"})


def format_table(
    df: Table | pd.DataFrame, precision: int | None = DEFAULT_PRECISION, dated: bool = False
) -> str:
    """``df`` (from :func:`show`) as ``dvc exp show`` prints it: plain text, aligned columns.

    The Experiment column draws each baseline's experiments as a tree; floats keep
    ``precision`` significant digits; a missing value shows as ``-``. Created is DVC's
    (``09:41 PM`` today, ``Dec 03, 2026`` before), or with ``dated`` live_nb's own
    ``2026-12-03 21:41``: 24-hour as the table and the sidebar show times, and dated as the
    table's HTML copy is, for a copy kept in a notebook and read on another day.
    """
    table = as_table(df)
    metric_columns, param_columns = _data_columns(table)
    int_columns = set(table.attrs.get("int_columns", ()))
    notes = [name for name in ("Star", "Notes") if name in table.names]
    local = ["Local"] if "Local" in table.names else []  # a remote's table: which are here
    headers = ["Experiment", "Created", *local, *metric_columns, *param_columns, *notes]
    right = {"Experiment": False, "Created": False, "Local": False, "Star": False, "Notes": False}
    right.update(dict.fromkeys(metric_columns, True))
    right.update(dict.fromkeys(param_columns, False))
    today = date.today()
    body = []
    records = list(table.records())
    for record, glyph in zip(records, _tree_glyphs(records)):
        created = record.get("Created")
        shown = dated_time(created) if dated else _created_cell(created, today)
        cells = [_experiment_cell(record, glyph), _text(shown, "-")]
        cells.extend(_text(record.get(name), "-") for name in local)
        for column in (*metric_columns, *param_columns):
            value = record.get(column)
            cells.append(_text(format_value(value, precision, column in int_columns), "-"))
        cells.extend(_text(record.get(name), "-" if name == "Notes" else "") for name in notes)
        body.append(cells)
    return _render(headers, body, [right[header] for header in headers])


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
                _text(format_value(record["old"], precision, False), "-"),
                _text(format_value(record["new"], precision, False), "-"),
                _text(format_value(record["change"], precision, False), "-"),
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


def _data_columns(table: Table) -> tuple[list[str], list[str]]:
    present = set(table.names)
    metrics = [column for column in table.attrs.get("metrics", ()) if column in present]
    params = [column for column in table.attrs.get("params", ()) if column in present]
    if not metrics and not params:
        known = set(META_COLUMNS)
        metrics = [column for column in table.names if column not in known]
    return metrics, params


def _tree_glyphs(records: Sequence[Mapping[Any, Any]]) -> list[str]:
    """Each row's branch of the tree, drawn as ``dvc ls --tree`` draws one.

    An experiment is ``├──``, or ``└──`` for its baseline's last; its checkpoints hang under
    it, ``├──`` each and ``└──`` the last, behind a ``│`` while experiments follow below.
    """
    glyphs = []
    last_experiment = False
    for index, record in enumerate(records):
        typ = record.get("typ")
        if typ in _TREE_GLYPHS:
            last_experiment = typ == EXPERIMENT_TYPES[-1]
            glyphs.append(_TREE_GLYPHS[str(typ)])
        elif typ == "checkpoint":
            following = records[index + 1].get("typ") if index + 1 < len(records) else None
            stem = "    " if last_experiment else "│   "
            glyphs.append(stem + ("├──" if following == "checkpoint" else "└──"))
        else:
            glyphs.append("")
    return glyphs


def _experiment_cell(record: Mapping[Any, Any], glyph: str) -> str:
    cell = _experiment_name(record, glyph)
    state = record.get("State")
    return f"{cell} ({_text(state, '')})" if isinstance(state, str) and state else cell


def _experiment_name(record: Mapping[Any, Any], glyph: str) -> str:
    name = _text(record.get("Experiment"), "")
    if glyph:
        rev = _text(record.get("rev"), "")
        return f"{glyph} {rev} [{name}]" if name else f"{glyph} {rev}"
    return name or _text(record.get("rev"), "")


def _created_cell(value: Any, today: date) -> str:
    if is_missing(value) or not isinstance(value, str):
        return "-"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return _text(value, "-")
    if moment.date() == today:
        return moment.strftime("%I:%M %p")
    return moment.strftime("%b %d, %Y")


def dated_time(value: Any) -> Any:
    """An ISO time (``2026-12-03T16:26:08+00:00``) as ``2026-12-03 16:26``; others as they are.

    live_nb's own outputs write times so, 24-hour as its table and sidebar do; only the
    tables that mirror ``dvc exp show`` keep DVC's 12-hour clock.
    """
    text = plain(value)
    if isinstance(text, str) and len(text) >= 16 and text[10:11] == "T":
        return f"{text[:10]} {text[11:16]}"
    return value


def _text(value: Any, missing: str) -> str:
    """A cell as one line of text: control characters escaped, never interpreted."""
    if is_missing(value):
        return missing
    return str(plain(value)).translate(_CONTROL)


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
