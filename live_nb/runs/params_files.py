"""Params files (``params.yaml``, ``.json``) changed as ``dvc exp run -S`` changes them.

DVC applies Hydra overrides in struct mode: ``key=value`` changes a key that exists, ``+key``
adds one that does not, ``++key`` adds or changes, ``~key`` removes one that exists (and with
``~key=value`` only if it holds that value). Dotted keys reach into nested mappings and lists.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from live_nb.error import LiveNbError
from live_nb.formats.files import atomic_write
from live_nb.runs.params import Setting, format_value

__all__ = [
    "DEFAULT_PARAMS_FILE",
    "AmbiguousParamError",
    "ParamError",
    "ParamsFileError",
    "UnknownParamError",
    "apply_settings",
    "flat_keys",
    "has_key",
    "read_params",
    "write_params",
]

DEFAULT_PARAMS_FILE = "params.yaml"
_LISTED = 12


class ParamError(LiveNbError, KeyError):
    """A setting that cannot apply: an unknown key, a key added twice, a value that differs."""

    def __init__(self, message: str) -> None:
        """Keep the message whole (``KeyError`` would quote it)."""
        super().__init__(message)

    def __str__(self) -> str:
        """The message, unquoted."""
        return str(self.args[0])


class UnknownParamError(ParamError):
    """A ``-S`` key that is nowhere to be found."""


class AmbiguousParamError(ParamError):
    """A ``-S`` key found in two places of a notebook."""


class ParamsFileError(LiveNbError, ValueError):
    """A params file that cannot be read or written."""

    def __init__(self, path: str, reason: str) -> None:
        """Name the file and what is wrong."""
        super().__init__(f"Cannot use the params file {path!r}: {reason}.")


def read_params(path: Path, shown: str) -> dict[str, Any]:
    """The params file's data (an empty mapping when the file does not exist)."""
    if not path.exists():
        return {}
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ParamsFileError(shown, str(error)) from error
    data = _parse(text, path.suffix.lower(), shown)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ParamsFileError(shown, "it does not hold a mapping of keys to values")
    return data


def _parse(text: str, suffix: str, shown: str) -> Any:
    if suffix == ".json":
        try:
            return json.loads(text) if text.strip() else None
        except ValueError as error:
            raise ParamsFileError(shown, f"invalid JSON ({error})") from error
    if suffix in (".yaml", ".yml"):
        from live_nb.formats.yaml import load_yaml

        try:
            return load_yaml(text)
        except Exception as error:
            raise ParamsFileError(shown, f"invalid YAML ({error})") from error
    raise ParamsFileError(shown, "only .yaml, .yml and .json params files can be changed")


def write_params(path: Path, data: Mapping[str, Any]) -> None:
    """Write ``data`` back in the file's format, atomically."""
    if path.suffix.lower() == ".json":
        atomic_write(path, json.dumps(data, indent=4) + "\n")
        return
    from live_nb.formats.yaml import dump_yaml

    atomic_write(path, dump_yaml(dict(data)))


def flat_keys(data: Any, prefix: str = "") -> Iterator[str]:
    """Every leaf key of ``data``, dotted: ``train.lr``, ``layers.0``."""
    items: Iterable[tuple[Any, Any]]
    if isinstance(data, Mapping):
        items = data.items()
    elif isinstance(data, list):
        items = enumerate(data)
    else:
        yield prefix
        return
    empty = True
    for key, value in items:
        empty = False
        yield from flat_keys(value, f"{prefix}.{key}" if prefix else str(key))
    if empty and prefix:
        yield prefix


def has_key(data: Any, key: str) -> bool:
    """Whether the dotted ``key`` names something in ``data``."""
    found, _ = _lookup(data, key.split("."))
    return found


def _lookup(data: Any, parts: Sequence[str]) -> tuple[bool, Any]:
    node = data
    for part in parts:
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False, None
    return True, node


def apply_settings(data: dict[str, Any], settings: Iterable[Setting], shown: str) -> None:
    """Apply ``settings`` to ``data`` in place, with DVC's rules; :class:`ParamError` if not."""
    for setting in settings:
        _apply_one(data, setting, shown)


def _apply_one(data: dict[str, Any], setting: Setting, shown: str) -> None:
    parts = setting.key.split(".")
    exists, current = _lookup(data, parts)
    if setting.op == "set" and not exists:
        raise UnknownParamError(_unknown_message(setting, data, shown))
    if setting.op == "add" and exists:
        raise ParamError(
            f"-S {setting.text()}: {shown} already has {setting.key!r} "
            f"(= {format_value(current)}); change it with {setting.key}=VALUE"
        )
    if setting.op == "remove":
        if not exists:
            raise UnknownParamError(_unknown_message(setting, data, shown))
        if setting.has_value and current != setting.value:
            raise ParamError(
                f"-S {setting.text()}: {shown}'s {setting.key!r} is {format_value(current)}, "
                f"not {format_value(setting.value)}; nothing removed"
            )
        parent = _container(data, parts[:-1], create=False, setting=setting)
        del parent[int(parts[-1]) if isinstance(parent, list) else parts[-1]]
        return
    parent = _container(data, parts[:-1], create=True, setting=setting)
    if isinstance(parent, list):
        parent[int(parts[-1])] = setting.value
    else:
        parent[parts[-1]] = setting.value


def _container(data: Any, parts: Sequence[str], create: bool, setting: Setting) -> Any:
    node = data
    for part in parts:
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
            continue
        if not isinstance(node, dict):
            raise ParamError(f"-S {setting.text()}: {part!r} is inside a value that is no mapping")
        if part not in node and create:
            node[part] = {}
        node = node[part]
    return node


def _unknown_message(setting: Setting, data: dict[str, Any], shown: str) -> str:
    keys = list(flat_keys(data))
    listed = ", ".join(keys[:_LISTED]) + (" ..." if len(keys) > _LISTED else "")
    has = f"its keys: {listed}" if keys else "it has no keys" if data else "it does not exist"
    hint = f"; add it with +{setting.key}=VALUE" if setting.op == "set" else ""
    return f"-S {setting.text()}: {shown} has no key {setting.key!r} ({has}){hint}"
