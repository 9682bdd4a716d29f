"""JSON as DVCLive writes it: 4-space indent, ASCII-escaped, a final newline."""

from __future__ import annotations

import json
from typing import Any


def _plain(value: Any) -> Any:
    """Turn numpy (and other array-library) scalars and arrays into plain Python values."""
    if hasattr(value, "tolist") and type(value).__module__.startswith("numpy"):
        return value.tolist()
    item = getattr(value, "item", None)
    if callable(item):
        return item()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def json_text(content: Any, indent: int = 4) -> str:
    """``content`` as DVCLive's JSON files hold it (indented, with a final newline)."""
    return json.dumps(content, indent=indent, default=_plain) + "\n"
