"""YAML 1.2's implicit scalar types, and the block-mapping files read without PyYAML.

``IMPLICIT_TYPES`` are the rules by which a plain scalar is a bool, a number, null, ...
(ruamel's YAML 1.2 rules, which :mod:`.yaml` gives PyYAML's loader). ``load_simple`` reads the
shape nearly every ``params.yaml`` has — nested ``key: value`` lines of plain words and
numbers — in a tenth of PyYAML's time and without importing it (``exp show`` reads one per
experiment); it returns None for anything else (lists, quotes, comments, flow style, tabs,
anchors, documents markers, duplicate keys, a timestamp...), and the caller asks PyYAML.
"""

from __future__ import annotations

import math
import re
from typing import Any

__all__ = ["IMPLICIT_TYPES", "implicit_type", "load_simple", "yaml_int"]

IMPLICIT_TYPES: list[tuple[str, re.Pattern[str], list[str]]] = [
    ("bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")),
    (
        "float",
        re.compile(
            r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
            |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
            |[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?
            |[-+]?\.(?:inf|Inf|INF)
            |\.(?:nan|NaN|NAN))$""",
            re.X,
        ),
        list("-+0123456789."),
    ),
    (
        "int",
        re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?0o?[0-7_]+|[-+]?[0-9_]+|[-+]?0x[0-9a-fA-F_]+)$"),
        list("-+0123456789"),
    ),
    ("merge", re.compile(r"^(?:<<)$"), ["<"]),
    ("null", re.compile(r"^(?:~|null|Null|NULL|)$"), [*"~nN", ""]),
    (
        "timestamp",
        re.compile(
            r"""^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
            |[0-9][0-9][0-9][0-9] -[0-9][0-9]? -[0-9][0-9]?
            (?:[Tt]|[ \t]+)[0-9][0-9]?
            :[0-9][0-9] :[0-9][0-9] (?:\.[0-9]*)?
            (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$""",
            re.X,
        ),
        list("0123456789"),
    ),
    ("value", re.compile(r"^(?:=)$"), ["="]),
]
"""``(type, pattern, first characters)``, in the order a resolver tries them."""

# `key: value` or `key:` — a key and a value of plain word characters only (no quotes, `#`,
# `:`, spaces, flow or block indicators), so that nothing else of YAML's grammar can apply.
_LINE = re.compile(r"( *)([A-Za-z0-9_][A-Za-z0-9_.\-]*):(?: ([A-Za-z0-9_.+\-/]+))?")
_NOT_SIMPLE = object()
_KNOWN: dict[str, Any] = {}  # scalar text -> its value (keys and values repeat across files)
_KNOWN_LIMIT = 100_000


def implicit_type(text: str) -> str | None:
    """The implicit type of a plain scalar (``"int"``, ``"null"``, ...); None: a string."""
    first = text[:1]
    for name, pattern, firsts in IMPLICIT_TYPES:
        if first in firsts and pattern.match(text):
            return name
    return None


def yaml_int(text: str) -> int:
    """A YAML 1.2 integer (``0x1F``, ``0o17``, ``0b101``, ``1_000``); ValueError otherwise."""
    text = text.replace("_", "")
    digits = text.lstrip("+-")
    base = {"0b": 2, "0o": 8, "0x": 16}.get(digits[:2], 10)
    number = int(digits[2:] if base != 10 else digits, base)
    return -number if text.startswith("-") else number


def load_simple(text: str) -> dict[str, Any] | None:
    """``text`` parsed as PyYAML with YAML 1.2 types would, when it is nested plain mappings.

    None when it is not (or is empty): then it must be read with :func:`.yaml.load_yaml`.
    """
    root: dict[str, Any] = {}
    stack: list[tuple[int, dict[str, Any]]] = [(0, root)]
    pending: tuple[int, dict[str, Any], str] | None = None  # a `key:` awaiting its value
    for line in text.split("\n"):
        if not line:
            continue
        found = _LINE.fullmatch(line)
        if found is None:
            return None
        indent = len(found.group(1))
        if pending is not None:
            parent_indent, parent, key = pending
            pending = None
            if indent > parent_indent:  # the key holds a mapping, at this indent
                child: dict[str, Any] = {}
                parent[key] = child
                stack.append((indent, child))
        while stack and stack[-1][0] > indent:
            stack.pop()
        if not stack or stack[-1][0] != indent:
            return None  # an indent no open mapping has
        mapping = stack[-1][1]
        key, raw = found.group(2), found.group(3)
        if key in mapping or _value(key) != key:
            return None  # a duplicate, or a key that is not a string
        if raw is None:
            mapping[key] = None
            pending = (indent, mapping, key)
            continue
        value = _value(raw)
        if value is _NOT_SIMPLE:
            return None
        mapping[key] = value
    return root or None


def _value(text: str) -> Any:
    """:func:`_scalar`, remembered (a float is immutable: sharing it is safe)."""
    value = _KNOWN.get(text, _NOT_SIMPLE)
    if value is _NOT_SIMPLE:
        value = _scalar(text)
        if len(_KNOWN) < _KNOWN_LIMIT:
            _KNOWN[text] = value
    return value


def _scalar(text: str) -> Any:
    """A plain scalar's value, as PyYAML's constructors build it with YAML 1.2's types."""
    kind = implicit_type(text)
    if kind is None:
        return text if text[0] not in "-.+" else _NOT_SIMPLE  # `-x`, `.x`: leave to PyYAML
    if kind == "bool":
        return text.lower() == "true"
    if kind == "null":
        return None
    if kind == "int":
        try:
            return yaml_int(text)
        except ValueError:
            return _NOT_SIMPLE  # PyYAML raises: let it say so
    if kind == "float":
        return _float(text)
    return _NOT_SIMPLE  # a timestamp, `<<` or `=`


def _float(text: str) -> float:
    """As PyYAML's ``construct_yaml_float``: underscores dropped, ``.inf`` and ``.nan`` read."""
    value = text.replace("_", "").lower()
    sign = -1.0 if value[0] == "-" else 1.0
    if value[0] in "+-":
        value = value[1:]
    if value == ".inf":
        return sign * math.inf
    if value == ".nan":
        return math.nan
    return sign * float(value)
