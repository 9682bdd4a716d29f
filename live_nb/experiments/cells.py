"""The values in ``show`` and ``diff`` tables: what counts as missing, as a number, as an int.

The renderings (:mod:`.as_text`, :mod:`.as_csv`, :mod:`.as_json`) and the sorting of ``show``
agree through these. A missing value is None or NaN (what pandas puts in empty number cells).
"""

from __future__ import annotations

import math

TYPE_CHECKING = False  # not typing's: importing typing costs `live-nb exp show` 4 ms
if TYPE_CHECKING:
    from typing import Any

__all__ = ["format_value", "is_int", "is_missing", "is_number", "plain"]


def is_missing(value: Any) -> bool:
    """Whether a cell is empty: None, a float NaN, or pandas' NA (in a nullable column)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return True
    return type(value).__name__ == "NAType"


def is_number(value: Any) -> bool:
    """Whether ``value`` is an int or a float (not a bool)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_int(value: Any) -> bool:
    """Whether ``value`` is an int (not a bool)."""
    return isinstance(value, int) and not isinstance(value, bool)


def plain(value: Any) -> Any:
    """Turn numpy scalars (what pandas hands back) into Python values; leave the rest as is."""
    item = getattr(value, "item", None)
    if callable(item) and type(value).__module__ == "numpy":
        return item()
    return value


def format_value(value: Any, precision: int | None, as_int: bool) -> Any:
    """A cell as it is rendered: None when missing, floats rounded, ints of int columns.

    A whole float of an int column becomes an int; other floats become text with
    ``precision`` significant digits (unless ``precision`` is None).
    """
    if is_missing(value):
        return None
    if as_int and isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, float) and precision:
        return f"{value:.{precision}g}"
    return plain(value)
