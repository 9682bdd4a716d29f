r"""``${}`` in ``dvc.yaml``: finding expressions, selecting nested keys, and DVC's string forms.

The rules follow DVC 3's ``dvc/parsing``: ``${a.b[0]}`` selects nested keys and list
indexes (``[i]`` is the same as ``.i``); a value that is the whole string keeps its type
(``${flag}`` stays a bool), one inside a longer string is written as text (``true``/``false``
for bools); a dict inside ``cmd`` becomes ``--key value`` flags (nested keys joined with
``.``, lists as ``--key a b``, strings shell-quoted); ``\${`` escapes a literal ``${``.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = [
    "InterpolationError",
    "check_syntax",
    "has_expression",
    "resolve",
    "select",
    "to_str",
    "walk_strings",
]

_EXPRESSION = re.compile(r"(?<!\\)\$\{(?P<inner>.*?)\}")
_WORD = r"[^.\[\]]+"
_VALID = re.compile(rf"{_WORD}(?:\.{_WORD}|\[{_WORD}\])*")
_PRIMITIVES = (int, float, str, bytes, bool)


class InterpolationError(Exception):
    """What went wrong in one expression; the resolver adds the file and the stage."""


def has_expression(value: object) -> bool:
    """Whether ``value`` is a string holding at least one ``${...}``."""
    return isinstance(value, str) and _EXPRESSION.search(value) is not None


def check_syntax(value: object) -> None:
    """Raise ``InterpolationError`` for any malformed ``${...}`` anywhere inside ``value``."""
    walk_strings(value, _check_string)


def _check_string(text: str) -> str:
    for match in _EXPRESSION.finditer(text):
        _parse(match["inner"])
    return text


def _parse(inner: str) -> list[str]:
    if not _VALID.fullmatch(inner):
        raise InterpolationError(f"invalid expression '${{{inner}}}'")
    return inner.replace("[", ".").replace("]", "").split(".")


def select(data: Mapping[str, Any], expression: str) -> Any:
    """The value ``expression`` (``a.b[0].c``) names in ``data``; ``KeyError`` if none."""
    node: Any = data
    for word in _parse(expression):
        part = word.strip()
        try:
            if isinstance(node, Mapping):
                node = node[part]
            elif isinstance(node, list):
                node = node[int(part)]
            else:
                raise KeyError(expression)
        except (KeyError, IndexError, ValueError) as error:
            raise KeyError(expression) from error
    return node


def to_str(value: object, bool_style: str = "store_true", list_style: str = "nargs") -> str:
    """``value`` as DVC writes it inside a string (dicts as command-line flags)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return _flags(value, bool_style, list_style)
    return str(value)


def _flatten(data: Mapping[str, Any], prefix: str = "") -> Iterable[tuple[str, Any]]:
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            yield from _flatten(value, f"{name}.")
        else:
            yield name, value


def _flags(data: Mapping[str, Any], bool_style: str, list_style: str) -> str:
    words: list[str] = []
    for key, value in _flatten(data):
        if isinstance(value, bool):
            if value:
                words.append(f"--{key}")
            elif bool_style == "boolean_optional":
                words.append(f"--no-{key}")
        elif isinstance(value, str):
            words.append(f"--{key} {shlex.quote(value)}")
        elif isinstance(value, (list, tuple)):
            words.extend(_list_flags(key, value, list_style))
        else:
            words.append(f"--{key} {value}")
    return " ".join(words)


def _list_flags(key: str, values: Iterable[Any], list_style: str) -> list[str]:
    words: list[str] = []
    for index, item in enumerate(values):
        if isinstance(item, (list, tuple, dict)):
            raise InterpolationError(f"Cannot interpolate nested iterable in '{key}'")
        text = shlex.quote(item) if isinstance(item, str) else str(item)
        first = index == 0 or list_style == "append"
        words.append(f"--{key} {text}" if first else text)
    return words


def resolve(
    value: Any,
    context: Mapping[str, Any],
    key: str | None = None,
    config: Mapping[str, str] | None = None,
) -> Any:
    """``value`` with every ``${}`` replaced from ``context``; ``key`` is its stage field.

    ``config`` is ``.dvc/config``'s ``[parsing]`` section: ``bool`` (``store_true`` or
    ``boolean_optional``) and ``list`` (``nargs`` or ``append``) for dicts in ``cmd``.
    """
    styles = dict(config or {})
    return walk_strings(value, lambda text: _resolve_string(text, context, key, styles))


def walk_strings(value: Any, on_string: Callable[[str], Any]) -> Any:
    """``value`` rebuilt with ``on_string`` applied to every string in it (keys too)."""
    if isinstance(value, Mapping):
        return {walk_strings(k, on_string): walk_strings(v, on_string) for k, v in value.items()}
    if isinstance(value, list):
        return [walk_strings(item, on_string) for item in value]
    if isinstance(value, str):
        return on_string(value)
    return value


def _lookup(context: Mapping[str, Any], inner: str, key: str | None) -> Any:
    try:
        value = select(context, inner)
    except KeyError:
        raise InterpolationError(f"Could not find '{inner}'") from None
    allowed = value is None or isinstance(value, _PRIMITIVES)
    cmd_flags = isinstance(value, dict) and key == "cmd"
    if not allowed and key is not None and "foreach" not in key and not cmd_flags:
        raise InterpolationError(f"Cannot interpolate data of type '{type(value).__name__}'")
    return value


def _resolve_string(
    text: str, context: Mapping[str, Any], key: str | None, styles: dict[str, str]
) -> Any:
    matches = list(_EXPRESSION.finditer(text))
    if len(matches) == 1 and matches[0].group(0) == text:
        return _lookup(context, matches[0]["inner"], key)
    pieces: list[str] = []
    index = 0
    for match in matches:
        value = _lookup(context, match["inner"], key)
        written = to_str(value, styles.get("bool", "store_true"), styles.get("list", "nargs"))
        pieces += [text[index : match.start()], written]
        index = match.end()
    pieces.append(text[index:])
    return "".join(pieces).replace("\\${", "${")
