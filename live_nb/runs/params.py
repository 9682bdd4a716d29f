"""DVC's ``-S``/``--set-param`` grammar: overrides, sweeps, and the grid they make.

``dvc exp run -S`` reads Hydra's override grammar, grouped by params file:

- ``[file:]key=value`` changes a key (which must exist), ``+key=value`` adds one (which must
  not), ``++key=value`` adds or changes, ``~key`` (or ``~key=value``) removes one;
- a value is a number, ``true``/``false``, ``null``, a quoted or plain string, a list
  ``[1,2]`` or a dict ``{a:1}``;
- a sweep: choices ``a=1,2,3`` or ``choice(1,2,3)``, ``range(start,stop[,step])`` (``stop``
  left out), ``sort(...)`` and ``shuffle(...)`` of choices;
- several ``-S`` make a grid: the product of their sweeps, the first ``-S`` varying slowest,
  overrides of one file together, files in the order first named (as DVC orders them).

Everything is parsed here, without Hydra; ``tests/test_runs_params.py`` checks the values,
types and grids against Hydra's parser as DVC calls it.
"""

from __future__ import annotations

import itertools
import math
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from live_nb.error import LiveNbError

__all__ = [
    "Override",
    "ParamSyntaxError",
    "Setting",
    "format_value",
    "grid",
    "parse_override",
]

_KEY = re.compile(r"[A-Za-z_$][\w\-$]*(?:[./][A-Za-z_$0-9][\w\-$]*)*")
_INT = re.compile(r"[+-]?(?:0|[1-9](?:_?\d)*)")
_FLOAT = re.compile(
    r"[+-]?(?:(?:\d(?:_?\d)*)?\.\d(?:_?\d)*(?:[eE][+-]?\d+)?|\d(?:_?\d)*\.(?:[eE][+-]?\d+)?"
    r"|\d(?:_?\d)*[eE][+-]?\d+|inf|nan)",
    re.IGNORECASE,
)
MAX_RANGE = 1_000_000  # values of one range(): a typo must not fill the memory
_SPECIAL = set(",[]{}()=:'\"")
_FUNCTIONS = ("choice", "range", "sort", "shuffle", "interval", "glob", "tag")
_UNSUPPORTED = {
    "interval": "interval() sweeps pick random values; DVC's sweeper refuses them too",
    "glob": "glob() sweeps are not supported (DVC refuses them too)",
    "tag": "tag() is not supported",
}


class ParamSyntaxError(LiveNbError, ValueError):
    """A ``-S`` item that is not in DVC's grammar."""

    def __init__(self, item: str, reason: str) -> None:
        """Name the item, what is wrong, and what it should look like."""
        self.item = item
        super().__init__(
            f"-S {item!r}: {reason}. Write [FILE:]KEY=VALUE, +KEY=VALUE to add, ~KEY to remove, "
            "KEY=1,2,3 or KEY=range(1,10,2) to sweep, e.g. -S lr=0.1,0.01 -S epochs=10"
        )


@dataclass(frozen=True)
class Override:
    """One ``-S`` item: where, which key, what to do, and the value (or values of a sweep).

    ``op`` is ``set``, ``add`` (``+``), ``force_add`` (``++``) or ``remove`` (``~``). ``file``
    is None when no ``file:`` was written (DVC's default, ``params.yaml``, or in a notebook its
    parameters). ``values`` holds one value unless ``sweep``; a ``~key`` without a value has
    ``values == ()``.
    """

    text: str
    file: str | None
    key: str
    op: str
    values: tuple[Any, ...]
    sweep: bool = False

    def settings(self) -> list[Setting]:
        """The settings this override makes, one per value of a sweep."""
        if not self.values:
            return [Setting(self.file, self.key, self.op, None, has_value=False)]
        return [Setting(self.file, self.key, self.op, value) for value in self.values]


@dataclass(frozen=True)
class Setting:
    """One key's change in one run of a grid."""

    file: str | None
    key: str
    op: str
    value: Any
    has_value: bool = True

    def text(self) -> str:
        """The setting as a ``-S`` item, e.g. ``params.yaml:lr=0.1``, ``+seed=1``, ``~x``."""
        prefix = f"{self.file}:" if self.file else ""
        mark = {"add": "+", "force_add": "++", "remove": "~"}.get(self.op, "")
        value = f"={format_value(self.value)}" if self.has_value else ""
        return f"{prefix}{mark}{self.key}{value}"


def parse_override(item: str) -> Override:
    """Parse one ``-S`` item; raises :class:`ParamSyntaxError` naming what is wrong."""
    if not isinstance(item, str) or not item.strip():
        raise ParamSyntaxError(str(item), "empty")
    file, body = _split_file(item)
    op, body = _operation(body)
    key, separator, raw = body.partition("=")
    key = key.strip()
    if not key:
        raise ParamSyntaxError(item, "no key before '='")
    if "@" in key:
        raise ParamSyntaxError(item, "Hydra packages (KEY@PACKAGE) are not supported")
    if not _KEY.fullmatch(key):
        raise ParamSyntaxError(
            item, f"{key!r} is not a key (letters, digits, _ and -, parts joined by '.')"
        )
    if not separator:
        if op != "remove":
            raise ParamSyntaxError(item, f"no value: write {key}=VALUE")
        return Override(item, file, key, op, ())
    values, sweep = _Parser(item, raw).value()
    if sweep and op == "remove":
        raise ParamSyntaxError(item, "~KEY cannot sweep")
    return Override(item, file, key, op, values, sweep)


def grid(items: Iterable[str | Override]) -> list[tuple[Setting, ...]]:
    """Every point of the grid the ``-S`` items make, in DVC's order.

    Items without sweeps appear in every point. No item gives one point with no settings.
    """
    overrides = [item if isinstance(item, Override) else parse_override(item) for item in items]
    files: dict[str | None, list[Override]] = {}
    for override in overrides:
        files.setdefault(override.file, []).append(override)
    ordered = [override for group in files.values() for override in group]
    choices = [override.settings() for override in ordered]
    return [tuple(point) for point in itertools.product(*choices)]


def format_value(value: Any) -> str:
    """``value`` written back in the grammar, so that parsing it gives ``value`` again."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ",".join(format_value(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{k}:{format_value(v)}" for k, v in value.items()) + "}"
    text = str(value)
    if _typed(text.strip()) is not _STRING or text != text.strip() or _needs_quotes(text):
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
    return text


def _float_text(value: float) -> str:
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return repr(value)


def _needs_quotes(text: str) -> bool:
    return not text or any(char in _SPECIAL or char == "\\" for char in text)


def _split_file(item: str) -> tuple[str | None, str]:
    """DVC's rule: a ``:`` before the first ``=`` separates the params file."""
    before_value = item.partition("=")[0]
    if ":" not in before_value:
        return None, item
    file, _, body = item.partition(":")
    if not file.strip():
        raise ParamSyntaxError(item, "no file name before ':'")
    return file.strip(), body


def _operation(body: str) -> tuple[str, str]:
    stripped = body.lstrip()
    for mark, op in (("++", "force_add"), ("+", "add"), ("~", "remove")):
        if stripped.startswith(mark):
            return op, stripped[len(mark) :]
    return "set", stripped


class _Str(str):
    """A marker: the text is a string, not a number, bool or null."""


_STRING = _Str()


def _typed(text: str) -> Any:
    """A primitive's value, typed as Hydra types it; :data:`_STRING` when it is text."""
    lower = text.lower()
    if lower in ("true", "false"):
        return lower == "true"
    if lower == "null":
        return None
    if _INT.fullmatch(text):
        return int(text.replace("_", ""))
    if _FLOAT.fullmatch(text):
        return float(text.replace("_", ""))
    return _STRING


class _Parser:
    """A recursive-descent reader of one value (Hydra's ``value`` rule)."""

    def __init__(self, item: str, text: str) -> None:
        self.item = item
        self.text = text
        self.at = 0

    def fail(self, reason: str) -> ParamSyntaxError:
        return ParamSyntaxError(self.item, f"{reason} at position {self.at + 1} of the value")

    def peek(self) -> str:
        return self.text[self.at] if self.at < len(self.text) else ""

    def skip_spaces(self) -> None:
        while self.peek() in (" ", "\t"):
            self.at += 1

    def expect(self, char: str) -> None:
        self.skip_spaces()
        if self.peek() != char:
            found = repr(self.peek()) if self.peek() else "the end"
            raise self.fail(f"expected {char!r}, found {found}")
        self.at += 1

    def value(self) -> tuple[tuple[Any, ...], bool]:
        """The whole value: one element, or the values of a sweep."""
        if not self.text.strip():
            return ("",), False
        first, sweep = self.element_or_sweep()
        self.skip_spaces()
        if self.peek() == ",":
            if sweep is not None:
                raise self.fail("a sweep cannot be one of several choices")
            items = [first]
            while self.peek() == ",":
                self.at += 1
                items.append(self.element())
                self.skip_spaces()
            first, sweep = None, tuple(items)
        if self.at != len(self.text):
            raise self.fail(f"unexpected {self.peek()!r}")
        return (sweep, True) if sweep is not None else ((first,), False)

    def element_or_sweep(self) -> tuple[Any, tuple[Any, ...] | None]:
        self.skip_spaces()
        found = re.match(r"([a-z]+)\s*\(", self.text[self.at :])
        if found and found.group(1) in _FUNCTIONS:
            self.at += found.end()
            return None, self.function(found.group(1))
        return self.element(), None

    def function(self, name: str) -> tuple[Any, ...]:
        if name in _UNSUPPORTED:
            raise ParamSyntaxError(self.item, _UNSUPPORTED[name])
        arguments = self.arguments()
        if name == "range":
            return _range(self.item, arguments)
        if not arguments:
            raise ParamSyntaxError(self.item, f"{name}() needs at least one value")
        if name == "sort":
            return tuple(sorted(arguments))
        if name == "shuffle":
            shuffled = list(arguments)
            random.shuffle(shuffled)
            return tuple(shuffled)
        return tuple(arguments)

    def arguments(self) -> list[Any]:
        return self.items_until(")")

    def items_until(self, close: str) -> list[Any]:
        """Comma-separated elements up to ``close`` (consumed), the opening already read."""
        items: list[Any] = []
        self.skip_spaces()
        if self.peek() == close:
            self.at += 1
            return items
        while True:
            items.append(self.element())
            self.skip_spaces()
            if self.peek() == close:
                self.at += 1
                return items
            self.expect(",")

    def element(self) -> Any:
        self.skip_spaces()
        char = self.peek()
        if char == "[":
            return self.sequence()
        if char == "{":
            return self.mapping()
        if char in ("'", '"'):
            return self.quoted(char)
        return self.primitive()

    def sequence(self) -> list[Any]:
        self.at += 1
        return self.items_until("]")

    def mapping(self) -> dict[str, Any]:
        self.at += 1
        items: dict[str, Any] = {}
        self.skip_spaces()
        if self.peek() == "}":
            self.at += 1
            return items
        while True:
            self.skip_spaces()
            found = re.match(r"[\w\-$]+", self.text[self.at :])
            if not found:
                raise self.fail("expected a key in {...}")
            self.at += found.end()
            self.expect(":")
            items[found.group()] = self.element()
            self.skip_spaces()
            if self.peek() == "}":
                self.at += 1
                return items
            self.expect(",")

    def quoted(self, quote: str) -> str:
        self.at += 1
        characters: list[str] = []
        while self.at < len(self.text):
            char = self.text[self.at]
            if char == "\\" and self.at + 1 < len(self.text):
                characters.append(self.text[self.at + 1])
                self.at += 2
                continue
            self.at += 1
            if char == quote:
                return "".join(characters)
            characters.append(char)
        raise self.fail(f"the quote {quote} is never closed")

    def primitive(self) -> Any:
        start = self.at
        characters: list[str] = []
        while self.at < len(self.text):
            char = self.text[self.at]
            if char == "\\" and self.at + 1 < len(self.text):
                characters.append(self.text[self.at + 1])
                self.at += 2
                continue
            if char == "$" and self.text.startswith("${", self.at):
                end = self.text.find("}", self.at)
                if end < 0:
                    raise self.fail("the interpolation ${ is never closed")
                characters.append(self.text[self.at : end + 1])
                self.at = end + 1
                continue
            if char in ",[]{}()='\"":
                break
            characters.append(char)
            self.at += 1
        raw = "".join(characters)
        if not raw.strip():
            self.at = start
            raise self.fail("expected a value")
        text = raw.strip()
        escaped = "\\" in self.text[start : self.at]
        value = _STRING if escaped else _typed(text)
        return text if value is _STRING else value


def _range(item: str, arguments: Sequence[Any]) -> tuple[Any, ...]:
    """``range(stop)``, ``range(start, stop)``, ``range(start, stop, step)``, floats allowed."""
    numbers = [a for a in arguments if isinstance(a, (int, float)) and not isinstance(a, bool)]
    if len(numbers) != len(arguments) or not 1 <= len(arguments) <= 3:
        raise ParamSyntaxError(item, "range() takes 1 to 3 numbers: range(start, stop[, step])")
    start, stop, step = (0, *numbers, 1)[-3:] if len(numbers) == 1 else (*numbers, 1)[:3]
    if step == 0:
        raise ParamSyntaxError(item, "range() step must not be zero")
    count = max(0, math.ceil((stop - start) / step)) if math.isfinite(stop - start) else -1
    if not 0 <= count <= MAX_RANGE:
        raise ParamSyntaxError(item, f"range() makes over {MAX_RANGE:,} values")
    if isinstance(start, int) and isinstance(stop, int) and isinstance(step, int):
        return tuple(range(start, stop, step))
    return tuple(float(start + index * step) for index in range(count))
