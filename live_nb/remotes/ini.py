"""DVC's config file format (ConfigObj's INI dialect): read into sections, written back.

DVC reads ``.dvc/config`` with ConfigObj and writes it from a dict, so comments are not kept,
empty sections are dropped, and keys are indented four spaces. Section names and keys are
lower-cased on reading, as DVC's ``_lower_keys`` does. Unquoted values holding a comma are
lists (``type = reflink,copy``), quoted values may hold ``#`` and ``,``. Only one level of
sections is read (DVC's config has no deeper one).
"""

from __future__ import annotations

from live_nb.error import LiveNbError

__all__ = ["ConfigFileError", "Sections", "Value", "parse", "render"]

Value = str | list[str]
Sections = dict[str, dict[str, Value]]

_WHITESPACE_OR_QUOTE = " \r\n\v\t'\""


class ConfigFileError(LiveNbError, ValueError):
    """A DVC config file that ConfigObj would not read either."""

    def __init__(self, filename: str, line: int, detail: str) -> None:
        self.filename = filename
        super().__init__(
            f"Cannot read DVC's config file {filename!r}, line {line}: {detail}. Fix the file "
            "(`dvc config --list` shows what DVC makes of it)."
        )


def parse(text: str, filename: str = "config") -> Sections:
    """The sections of a config file: ``{"core": {"remote": "x"}, 'remote "x"': {...}}``."""
    sections: Sections = {}
    current: dict[str, Value] | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            name = _section_name(line, filename, number)
            if name in sections:
                raise ConfigFileError(filename, number, f"section {name!r} appears twice")
            current = sections[name] = {}
            continue
        key, equals, rest = line.partition("=")
        if not equals or current is None:
            raise ConfigFileError(filename, number, "expected `key = value` inside a [section]")
        key = _unquote_key(key.strip()).lower()
        if key in current:
            raise ConfigFileError(filename, number, f"key {key!r} appears twice")
        current[key] = _value(rest.strip(), filename, number)
    return sections


def render(sections: Sections) -> str:
    """The text ConfigObj writes for ``sections`` (empty sections left out)."""
    lines = []
    for name, values in sections.items():
        if not values:
            continue
        lines.append(f"[{_quote(name)}]")
        lines += [f"    {_quote(key)} = {_quote_value(value)}" for key, value in values.items()]
    return "".join(line + "\n" for line in lines)


def _section_name(line: str, filename: str, number: int) -> str:
    body = line
    if body.startswith("[["):
        raise ConfigFileError(filename, number, "nested sections are not part of DVC's config")
    end = body.rfind("]")
    if end < 0:
        raise ConfigFileError(filename, number, "a section name without its closing ']'")
    name = body[1:end].strip()
    if len(name) >= 2 and name[0] == name[-1] and name[0] in "'\"":
        name = name[1:-1]
    return name.lower()


def _unquote_key(key: str) -> str:
    if len(key) >= 2 and key[0] == key[-1] and key[0] in "'\"":
        return key[1:-1]
    return key


def _value(text: str, filename: str, number: int) -> Value:
    """One value: a string, or a list when unquoted items are separated by commas."""
    if text.startswith(("'''", '"""')):
        quote = text[:3]
        end = text.find(quote, 3)
        if end < 0:
            raise ConfigFileError(filename, number, "multi-line values are not supported")
        return text[3:end]
    items: list[str] = []
    position, is_list = 0, False
    while True:
        item, position = _item(text, position, filename, number)
        items.append(item)
        rest = text[position:].lstrip()
        if not rest or rest.startswith("#"):
            break
        if not rest.startswith(","):
            raise ConfigFileError(filename, number, f"unexpected text {rest!r} after a value")
        is_list = True
        position = len(text) - len(rest) + 1
        if not text[position:].strip() or text[position:].strip().startswith("#"):
            break  # "a," is a one-item list
    if not is_list:
        return items[0]
    return [item for item in items if item != ""] if items != [""] else []


def _item(text: str, position: int, filename: str, number: int) -> tuple[str, int]:
    while position < len(text) and text[position] in " \t":
        position += 1
    if position < len(text) and text[position] in "'\"":
        quote = text[position]
        end = text.find(quote, position + 1)
        if end < 0:
            raise ConfigFileError(filename, number, "a quoted value without its closing quote")
        return text[position + 1 : end], end + 1
    end = position
    while end < len(text) and text[end] not in ",#":
        end += 1
    return text[position:end].strip(), end


def _quote(value: str, in_list: bool = False) -> str:
    """ConfigObj's ``_quote`` for one string (``list_values=True``)."""
    if not value:
        return '""'
    plain = value[0] not in _WHITESPACE_OR_QUOTE and value[-1] not in _WHITESPACE_OR_QUOTE
    if "\n" in value or (not in_list and "'" in value and '"' in value):
        if "'''" in value:
            return f'"""{value}"""'
        return f"'''{value}'''"
    if plain and "," not in value and "#" not in value:
        return value
    return f"'{value}'" if '"' in value else f'"{value}"'


def _quote_value(value: Value) -> str:
    if isinstance(value, list):
        if not value:
            return ","
        if len(value) == 1:
            return _quote(value[0], in_list=True) + ","
        return ", ".join(_quote(item, in_list=True) for item in value)
    return _quote(value)
