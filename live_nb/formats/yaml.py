"""YAML that DVC and DVCLive read and write, without depending on ruamel.yaml.

DVCLive writes ``params.yaml`` and ``dvc.yaml`` with ruamel.yaml's round-trip dumper (YAML 1.2,
block style, width 80). ``dump_yaml`` reproduces that output byte for byte for JSON-like data by
re-implementing the part of ruamel's emitter such data reaches, quirks included, so files written by
live_nb and by DVCLive never differ. ``load_yaml`` reads with PyYAML and YAML 1.2 implicit types,
as ruamel's safe loader does (``yes`` and ``on`` stay strings).

The one deliberate difference: ruamel breaks a long plain mapping key across lines once it passes
column 80, which makes the file unreadable; ``dump_yaml`` keeps such a key on one line.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

import yaml

from live_nb.formats.yaml_types import IMPLICIT_TYPES as _IMPLICIT_TYPES
from live_nb.formats.yaml_types import yaml_int

__all__ = ["dump_yaml", "load_yaml"]

_WIDTH = 80
_MAX_SIMPLE_KEY = 122
_BREAKS = "\n\x85\u2028\u2029"
_ESCAPES = {
    "\0": "0",
    "\x07": "a",
    "\x08": "b",
    "\t": "t",
    "\n": "n",
    "\x0b": "v",
    "\x0c": "f",
    "\r": "r",
    "\x1b": "e",
    '"': '"',
    "\\": "\\",
    "\x85": "N",
    "\u2028": "L",
    "\u2029": "P",
}
_INDICATOR = re.compile(
    r"^(?:---|\.\.\.|[#,\[\]{}&*!|>'\"%@`]|[-?](?:[\0 \t\r\n\x85\u2028\u2029]|\Z))"
    r"|:(?:[\0 \t\r\n\x85\u2028\u2029]|\Z)|[\0 \t\r\n\x85\u2028\u2029]#"
)


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """A safe loader (libyaml's C parser when present, ~7x faster) with YAML 1.2 types."""


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = str(loader.construct_scalar(node))
    try:
        return yaml_int(text)
    except ValueError as error:
        shown = text.replace("_", "")
        raise yaml.constructor.ConstructorError(
            None, None, f"invalid integer {shown!r}", node.start_mark
        ) from error


_Loader.yaml_implicit_resolvers = {}
for _name, _pattern, _first in _IMPLICIT_TYPES:
    _Loader.add_implicit_resolver(f"tag:yaml.org,2002:{_name}", _pattern, _first)
_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def load_yaml(text: str) -> object:
    """Parse ``text`` with YAML 1.2 implicit types; ``yaml.YAMLError`` on invalid YAML."""
    return yaml.load(text, Loader=_Loader)


def dump_yaml(data: object) -> str:
    """Return exactly what ``ruamel.yaml.YAML()`` with ``default_flow_style = False`` writes.

    ``data`` may hold dicts with str keys, lists, tuples, str, int, float, bool and None (exact
    types, so numpy scalars and subclasses are refused). ``TypeError`` names the path of any other
    value, e.g. ``model.layers[2]``. A container that occurs twice is written once with an anchor
    (``&id001``) and then as an alias, as ruamel does.
    """
    return _Emitter(data).text


def _is_unicode_printable(ch: str) -> bool:
    return (
        "\xa0" <= ch <= "\ud7ff"
        or ("\ue000" <= ch <= "\ufffd" and ch != "\ufeff")
        or (ch >= "\U00010000")
    )


def _is_special(ch: str) -> bool:
    return not (ch == "\n" or " " <= ch <= "~" or ch == "\x85" or _is_unicode_printable(ch))


def _escape(ch: str) -> str:
    if ch in _ESCAPES:
        return "\\" + _ESCAPES[ch]
    code = ord(ch)
    if code <= 0xFF:
        return f"\\x{code:02X}"
    return f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}"


def _has_implicit_type(text: str) -> bool:
    return any(text[:1] in first and pattern.match(text) for _, pattern, first in _IMPLICIT_TYPES)


def _style(text: str, simple_key: bool) -> str:
    """Pick ruamel's style for a str: '' (plain), "'" or '"'."""
    multiline = any(ch in _BREAKS for ch in text)
    special = any(_is_special(ch) for ch in text)
    plain = bool(text) and not (
        text[0] == " " or text[-1] == " " or multiline or special or _INDICATOR.search(text)
    )
    if plain and not _has_implicit_type(text):
        return ""
    if "'" in text or "\n" in text:
        return '"'
    space_around_break = re.search(f"[{_BREAKS}] | [{_BREAKS}]", text)
    single = not (special or space_around_break or (simple_key and multiline))
    return "'" if single else '"'


def _needs_backslash(text: str, start: int, end: int) -> bool:
    """Whether a folded double-quoted line ends with a backslash, by ruamel's rule."""
    space = text.find(" ", end)
    if space < 0:
        return True
    newline = text.find("\n", end, space)
    if newline >= 0:
        space = newline
    if space + 1 >= len(text) or (text[space] == "\n" and text[space + 1] != " "):
        return True
    return not (
        '"' not in text[end:space]
        and "'" not in text[end:space]
        and text[space + 1] not in " \n"
        and text[end - 1 : end + 1] != "  "
        and start != end
    )


def _shared_containers(data: object) -> dict[int, str]:
    """Anchor names ruamel gives to containers that occur more than once, in its order."""
    seen: set[int] = set()
    anchors: dict[int, str] = {}

    def visit(node: object) -> None:
        if type(node) is dict:
            children: Iterable[object] = node.values()
        elif type(node) is list or (type(node) is tuple and node):
            children = node
        else:
            return
        if id(node) in seen:
            anchors.setdefault(id(node), f"id{len(anchors) + 1:03d}")
            return
        seen.add(id(node))
        for child in children:
            visit(child)

    visit(data)
    return anchors


class _Emitter:
    """The state ruamel's emitter keeps for block-style output, and its writers."""

    def __init__(self, data: object) -> None:
        self.parts: list[str] = []
        self.column = 0
        self.whitespace = True
        self.indention = True
        self.indent: int | None = None
        self.open_ended = False
        self.anchors = _shared_containers(data)
        self.anchored: set[int] = set()
        self.node(data, "", root=True)
        self.write_indent()
        if self.open_ended:
            self.indicator("...", True)
            self.write_indent()
        self.text = "".join(self.parts)

    def write(self, data: str) -> None:
        self.parts.append(data)
        self.column += len(data)

    def indicator(
        self, text: str, need_whitespace: bool, whitespace: bool = False, indention: bool = False
    ) -> None:
        self.write(text if self.whitespace or not need_whitespace else " " + text)
        self.whitespace = whitespace
        self.indention = self.indention and indention
        self.open_ended = False

    def line_break(self, data: str = "\n") -> None:
        self.parts.append(data)
        self.whitespace = self.indention = True
        self.column = 0

    def write_indent(self) -> None:
        indent = self.indent or 0
        if (
            not self.indention
            or self.column > indent
            or (self.column == indent and not self.whitespace)
        ):
            self.line_break()
        if self.column < indent:
            self.write(" " * (indent - self.column))
            self.whitespace = True

    def node(
        self,
        value: object,
        path: str,
        *,
        root: bool = False,
        in_seq: bool = False,
        in_map: bool = False,
    ) -> None:
        if type(value) is dict or type(value) is list or type(value) is tuple:
            self.collection(value, path, in_map)
        elif type(value) is str:
            self.scalar(value, _style(value, simple_key=False), root=root, in_seq=in_seq)
        elif value is None:
            self.scalar("null" if root else "", "", root=root, in_seq=in_seq)
        elif type(value) is bool:
            self.scalar("true" if value else "false", "", root=root, in_seq=in_seq)
        elif type(value) is int:
            self.scalar(str(value), "", root=root, in_seq=in_seq)
        elif type(value) is float:
            self.scalar(_float_text(value), "", root=root, in_seq=in_seq)
        else:
            where = f" at {path!r}" if path else ""
            raise TypeError(
                f"Cannot write a value of type {type(value).__name__}{where} as YAML; use str, "
                "int, float, bool, None, or lists and dicts (with str keys) of these."
            )

    def collection(
        self, value: dict[Any, Any] | list[Any] | tuple[Any, ...], path: str, in_map: bool
    ) -> None:
        anchor = self.anchors.get(id(value))
        if anchor is not None:
            if id(value) in self.anchored:
                self.indicator("*" + anchor, True)
                return
            self.anchored.add(id(value))
            self.indicator("&" + anchor, True)
        is_dict = isinstance(value, dict)
        if not value:
            self.indicator("{" if is_dict else "[", True, whitespace=True)
            self.indicator("}" if is_dict else "]", False)
            self.line_break()
            return
        saved = self.indent
        indentless = in_map and not self.indention and not is_dict
        self.indent = 0 if saved is None else saved if indentless else saved + 2
        if isinstance(value, dict):
            for key, item in value.items():
                if type(key) is not str:
                    where = f"at {path!r}" if path else "at the top level"
                    raise TypeError(
                        f"Cannot write the key {key!r} of type {type(key).__name__} {where} "
                        "as YAML; mapping keys must be str."
                    )
                self.write_indent()
                self.key(key)
                self.node(item, f"{path}.{key}" if path else key, in_map=True)
        else:
            for index, item in enumerate(value):
                self.write_indent()
                self.indicator("-", True, indention=True)
                self.node(item, f"{path}[{index}]", in_seq=True)
        self.indent = saved

    def key(self, key: str) -> None:
        if len(key) <= _MAX_SIMPLE_KEY and not any(ch in _BREAKS for ch in key):
            self.scalar(key, _style(key, simple_key=True), simple_key=True)
            self.indicator(":", False)
        else:
            self.indicator("?", True, indention=True)
            self.scalar(key, _style(key, simple_key=False))
            self.write_indent()
            self.indicator(":", True, indention=True)

    def scalar(
        self,
        text: str,
        style: str,
        *,
        root: bool = False,
        in_seq: bool = False,
        simple_key: bool = False,
    ) -> None:
        saved = self.indent
        self.indent = None if saved is None else saved + 2
        if in_seq:
            self.write_indent()
        if style == '"':
            self.double_quoted(text, split=not simple_key)
        elif style == "'":
            self.single_quoted(text, split=not simple_key)
        else:
            self.open_ended = self.open_ended or root
            self.plain(text, split=not simple_key)
        self.indent = saved

    def plain(self, text: str, split: bool) -> None:
        if not text:
            return
        if not self.whitespace:
            self.write(" ")
        self.whitespace = self.indention = False
        for token in re.findall(r" +|[^ ]+", text):
            if token == " " and self.column >= _WIDTH and split:
                self.write_indent()
                self.whitespace = self.indention = False
                continue
            if (
                token[0] != " "
                and split
                and self.indent is not None
                and self.column > self.indent
                and self.column + len(token) > _WIDTH
            ):
                self.write_indent()
            self.write(token)

    def single_quoted(self, text: str, split: bool) -> None:
        """Write ``text``, which holds neither a quote nor a newline, in single quotes."""
        self.indicator("'", True)
        start = 0
        for token in re.findall(f" +|[{_BREAKS}]+|[^ {_BREAKS}]+", text):
            end = start + len(token)
            if token[0] in _BREAKS:
                for ch in token:
                    self.line_break(ch)
                self.write_indent()
            elif token == " " and self.column > _WIDTH and split and start > 0 and end < len(text):
                self.write_indent()
            else:
                self.write(token)
            start = end
        self.indicator("'", False)

    def double_quoted(self, text: str, split: bool) -> None:
        self.indicator('"', True)
        start = end = 0
        while end <= len(text):
            ch = text[end] if end < len(text) else None
            if (
                ch is None
                or ch in '"\\\x85\u2028\u2029\ufeff'
                or not (" " <= ch <= "~" or _is_unicode_printable(ch))
            ):
                if start < end:
                    self.write(text[start:end])
                    start = end
                if ch is not None:
                    self.write(_escape(ch))
                    start = end + 1
            if (
                split
                and 0 < end < len(text) - 1
                and (ch == " " or start >= end)
                and self.column + (end - start) > _WIDTH
            ):
                backslash = "\\" if _needs_backslash(text, start, end) else ""
                self.write(text[start:end] + backslash)
                start = max(start, end)
                self.write_indent()
                self.whitespace = self.indention = False
                if text[start] == " ":
                    start += 0 if backslash else 1
                    self.write(backslash)
            end += 1
        self.indicator('"', False)


def _float_text(value: float) -> str:
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    return repr(value).lower()
