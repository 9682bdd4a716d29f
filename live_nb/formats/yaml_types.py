"""YAML 1.2's implicit scalar types, and the block-mapping files read without PyYAML.

``IMPLICIT_TYPES`` are the rules by which a plain scalar is a bool, a number, null, ...
(ruamel's YAML 1.2 rules, which :mod:`.yaml` gives PyYAML's loader). ``load_simple`` reads the
shape of the files DVCLive writes, ``params.yaml`` and ``dvc.yaml`` — nested ``key: value``
and ``- item`` lines of plain words and numbers — a few times faster than PyYAML and without
importing it (``exp show`` reads one per experiment); it returns None for anything else
(quotes, comments, flow style, tabs, anchors, document markers, duplicate keys, a timestamp,
...), and the caller asks PyYAML.
"""

from __future__ import annotations

import math
import re

TYPE_CHECKING = False  # not typing's: importing typing costs `live-nb exp show` 4 ms
if TYPE_CHECKING:
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

_KEY = r"[A-Za-z0-9_][A-Za-z0-9_./\-]*"
_PLAIN = r"[A-Za-z0-9_.+\-/]+"
# `key: value`, `key:`, `- key: value`, `- key:` or `- value`: a key and values of plain word
# characters only (no quotes, `#`, `:`, spaces, flow indicators), so that nothing else of
# YAML's grammar can apply. Groups: indent, dash, key, its value, a list item's value.
_LINE = re.compile(rf"( *)(- )?(?:({_KEY}):(?: ({_PLAIN}))?|({_PLAIN}))")
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
    """``text`` parsed as PyYAML with YAML 1.2 types would, when it has the simple shape.

    That shape: nested ``key: value`` mappings and ``- item`` lists (of plain scalars or of
    mappings), as DVCLive writes ``params.yaml`` and ``dvc.yaml``. None for anything else (or
    an empty text): then it must be read with :func:`.yaml.load_yaml`.
    """
    root: dict[str, Any] = {}
    stack: list[tuple[int, Any]] = [(0, root)]  # open containers, by indent (a list's: its -)
    pending: tuple[int, dict[str, Any], str] | None = None  # a `key:` awaiting its value
    for line in text.split("\n"):
        if not line:
            continue
        found = _LINE.fullmatch(line)
        if found is None or (found[2] is None and found[3] is None):
            return None  # not a line of the shape, or a bare scalar
        indent, is_item = len(found[1]), found[2] is not None
        if pending is not None:
            _open_child(stack, pending, indent, is_item)
        while stack[-1][0] > indent or (
            not is_item and stack[-1][0] == indent and isinstance(stack[-1][1], list)
        ):
            stack.pop()  # a compact list (`- ` under its key, same indent) ends at a key
        if stack[-1][0] != indent or isinstance(stack[-1][1], list) != is_item:
            return None  # an indent, or a kind of line, no open container takes
        pending = _take(stack, indent, found[3], found[4] if found[3] else found[5])
        if pending is _NOT_SIMPLE:
            return None
    return root or None


def _take(stack: list[tuple[int, Any]], indent: int, key: str | None, raw: str | None) -> Any:
    """Put one line's key and value in the container on top of ``stack``.

    Returns the pending ``key:`` (its value on the lines below), None, or ``_NOT_SIMPLE``.
    """
    top = stack[-1][1]
    if key is None:  # `- value` (the caller checked it is an item)
        value = _value(raw or "")
        top.append(value)
        return _NOT_SIMPLE if value is _NOT_SIMPLE else None
    if isinstance(top, list):
        item: dict[str, Any] = {}  # `- key: value`: a mapping whose keys are at indent + 2
        top.append(item)
        indent += 2
        stack.append((indent, item))
        top = item
    if key in top or _value(key) != key:
        return _NOT_SIMPLE  # a duplicate, or a key that is not a string
    if raw is None:
        top[key] = None
        return (indent, top, key)
    value = _value(raw)
    top[key] = value
    return _NOT_SIMPLE if value is _NOT_SIMPLE else None


def _open_child(
    stack: list[tuple[int, Any]],
    pending: tuple[int, dict[str, Any], str],
    indent: int,
    is_item: bool,
) -> None:
    """After ``key:``, the line at ``indent`` may open its value: a mapping, or a list."""
    parent_indent, parent, key = pending
    child: Any
    if is_item and indent >= parent_indent:  # a list, indented or not under its key
        child = []
    elif not is_item and indent > parent_indent:
        child = {}
    else:
        return  # the key's value is null
    parent[key] = child
    stack.append((indent, child))


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
