"""Metrics and params files parsed as DVC parses them, and their values as DVC keeps them.

Files are parsed by extension as DVC's ``load_path`` does: ``.json`` as JSON, ``.toml`` as
TOML, anything else (``.yaml``, ``.yml``, even ``.tsv``) as YAML 1.2. Metrics keep only
numbers, strings and nested mappings of them; params keep everything (dates become ISO
strings). A stage param naming keys keeps only those keys (:func:`select_keys`).
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import importlib
import json
import posixpath
import re
from collections.abc import Iterable

from live_nb.formats.yaml_types import load_simple

TYPE_CHECKING = False  # not typing's: importing typing costs `live-nb exp show` 4 ms
if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "ReadError",
    "extract_metrics",
    "flatten",
    "jsonable",
    "parse_file",
    "select_keys",
]

_GLOB_CHARS = re.compile(r"[*?\[]")
_MISSING: Any = object()


class ReadError(Exception):
    """A listed file that cannot be read; ``transient`` when it may be readable later."""

    def __init__(self, message: str, transient: bool = False) -> None:
        """Keep the reason, and whether reading again later may succeed."""
        super().__init__(message)
        self.transient = transient


def parse_file(path: str, content: bytes) -> Any:
    """The content of a metrics or params file, parsed by extension as DVC's ``load_path``."""
    suffix = posixpath.splitext(path)[1].lower()
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ReadError(f"{path} is not UTF-8 text: {error}") from error
    if suffix == ".py":
        raise ReadError(f"{path}: Python params files are not supported")
    try:
        if suffix == ".json":
            return json.loads(text) or {}
        if suffix == ".toml":
            return _toml(path).loads(text) or {}
        simple = load_simple(text)  # most params files: no PyYAML (nor its import) needed
        if simple is not None:
            return simple
        from live_nb.formats.yaml import load_yaml  # here: a warm `exp show` may need none

        return load_yaml(text) or {}
    except ReadError:
        raise
    except Exception as error:  # JSON, YAML and TOML errors have no common base class
        detail = " ".join(str(error).split())
        raise ReadError(f"{path} is not valid {suffix.lstrip('.') or 'YAML'}: {detail}") from error


def _toml(path: str) -> Any:
    try:
        return importlib.import_module("tomllib")
    except ImportError as error:  # pragma: no cover - Python 3.10
        raise ReadError(f"{path}: reading TOML needs Python 3.11 or later") from error


def extract_metrics(value: Any) -> Any:
    """Numbers, strings and non-empty mappings of them, as DVC keeps metrics; else None."""
    if isinstance(value, (int, float, str)):
        return value
    if not isinstance(value, dict):
        return None
    kept = {}
    for key, item in value.items():
        extracted = extract_metrics(item)
        if extracted not in (None, {}):
            kept[str(key)] = extracted
    return kept


def jsonable(value: Any) -> Any:
    """``value`` with only JSON types (str keys; dates as ISO text), as the cache stores it."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(item) for item in value]
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return sorted((jsonable(item) for item in value), key=repr)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def select_keys(config: Any, keys: Iterable[str]) -> dict[str, Any]:
    """The parts of ``config`` that dotted key paths (glob segments allowed) name, nested."""
    selected: dict[str, Any] = {}
    for key in keys:
        _merge(selected, _search(config, key.split(".")))
    return selected


def _search(node: Any, parts: list[str]) -> Any:
    if not parts:
        return node
    head, rest = parts[0], parts[1:]
    if isinstance(node, dict):
        names = [name for name in node if _segment_matches(str(name), head)]
        found = {}
        for name in names:
            below = _search(node[name], rest)
            if below is not _MISSING:
                found[str(name)] = below
        return found or _MISSING
    if isinstance(node, list) and head.isdigit() and int(head) < len(node):
        below = _search(node[int(head)], rest)
        return _MISSING if below is _MISSING else {head: below}
    return _MISSING


def _segment_matches(name: str, pattern: str) -> bool:
    if _GLOB_CHARS.search(pattern):
        return fnmatch.fnmatchcase(name, pattern)
    return name == pattern


def _merge(target: dict[str, Any], found: Any) -> None:
    if not isinstance(found, dict):
        return
    for key, value in found.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = value


def flatten(data: Any) -> dict[str, Any]:
    """Nested mappings as ``{"a.b": value}``, as DVC names nested metrics and params.

    Empty mappings vanish and lists stay values, as with DVC's ``flatten_dict`` reducer.
    """
    flat: dict[str, Any] = {}
    if isinstance(data, dict):
        _flatten_into(flat, "", data)
    return flat


def _flatten_into(flat: dict[str, Any], prefix: str, data: dict[Any, Any]) -> None:
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            _flatten_into(flat, name + ".", value)
        else:
            flat[name] = value
