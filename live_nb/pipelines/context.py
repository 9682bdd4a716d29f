"""``vars``: the values ``${}`` reads, merged from params files and inline dicts as DVC does.

The root ``params.yaml`` (when it exists) is loaded first, then each ``vars`` entry in
order: ``file`` (every top-level key), ``file:key1,key2`` (only those), or an inline dict.
Paths are relative to the ``dvc.yaml``'s folder (a stage's own ``vars``: to its ``wdir``).
Merging is recursive; one leaf defined by two sources is an error, as is loading a file
fully after part of it (or the same key twice), and a stage may not redefine ``item``/``key``
inside ``foreach``/``matrix``.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from live_nb.formats.yaml import load_yaml

__all__ = ["Context", "VarsError", "load_params_file"]

DEFAULT_PARAMS = "params.yaml"


class VarsError(Exception):
    """A ``vars`` entry DVC refuses; the resolver adds the file."""


def load_params_file(path: Path) -> Any:
    """The data of a YAML, JSON, TOML or Python-less params file (by extension)."""
    text = path.read_text(encoding="utf-8")
    suffix = path.suffix.lower()
    if suffix == ".json":
        return json.loads(text)
    if suffix == ".toml":
        try:
            import tomllib  # type: ignore[import-not-found,unused-ignore]
        except ImportError:  # Python 3.10
            raise VarsError(f"reading '{path.name}' (TOML) needs Python 3.11 or later") from None
        return tomllib.loads(text)
    return load_yaml(text)


class Context:
    """The merged variables, where each came from, and the files loaded (with keys)."""

    def __init__(self, root: Path) -> None:
        """An empty context of the project at ``root`` (where relative paths start)."""
        self.root = root
        self.data: dict[str, Any] = {}
        self.sources: dict[str, str] = {}
        self.imports: dict[str, list[str] | None] = {}
        self.reserved: set[str] = set()

    def clone(self) -> Context:
        """An independent copy (a stage's own ``vars`` must not leak to other stages)."""
        other = Context(self.root)
        other.data = copy.deepcopy(self.data)
        other.sources = dict(self.sources)
        other.imports = {k: (list(v) if v is not None else None) for k, v in self.imports.items()}
        other.reserved = set(self.reserved)
        return other

    def load_vars(self, entries: object, wdir: str, stage: str = "", default: bool = False) -> None:
        """Merge ``params.yaml`` (with ``default``) and every entry of a ``vars`` list."""
        if default and (self.root / wdir / DEFAULT_PARAMS).is_file():
            self.merge_file(DEFAULT_PARAMS, wdir)
        if not isinstance(entries, list):
            entries = [entries] if entries else []
        joiner = "." if stage else ""
        for index, item in enumerate(entries):
            if isinstance(item, str):
                self.merge_file(item, wdir)
            elif isinstance(item, dict):
                self.merge(item, f"{stage}{joiner}vars[{index}]")
            else:
                raise VarsError(f"expected a file name or a dict in vars, got {item!r}")

    def merge_file(self, item: str, wdir: str) -> None:
        """Merge ``file`` or ``file:key1,key2``, relative to ``wdir``."""
        name, _, keys_text = item.partition(":")
        path = os.path.normpath(os.path.join(wdir, name))
        keys = [key for key in keys_text.split(",") if key] or None
        if path in self.imports:
            if keys is None and self.imports[path] is None:
                return
            self._check_loaded(path, item, keys)
        data = self._read(path)
        if keys is not None:
            missing = [key for key in keys if key not in data]
            if missing:
                raise VarsError(f"could not find '{missing[0]}' in '{path}'")
            data = {key: data[key] for key in keys}
        self.merge(data, path)
        previous = self.imports.get(path)
        if path not in self.imports:
            self.imports[path] = list(keys) if keys is not None else None
        elif previous is not None and keys:
            previous.extend(keys)

    def _read(self, path: str) -> dict[str, Any]:
        full = self.root / path
        if not full.exists():
            raise VarsError(f"'{path}' does not exist")
        if full.is_dir():
            raise VarsError(f"'{path}' is a directory")
        try:
            data = load_params_file(full)
        except (OSError, ValueError, yaml.YAMLError) as error:
            detail = " ".join(str(error).split())
            raise VarsError(f"unable to read parameters from '{path}' ({detail})") from None
        if not isinstance(data, Mapping):
            raise VarsError(f"expected a dictionary, got '{type(data).__name__}' in file '{path}'")
        return dict(data)

    def _check_loaded(self, path: str, item: str, keys: list[str] | None) -> None:
        imported = self.imports[path]
        if keys is None and imported is not None:
            raise VarsError(f"cannot load '{item}' as it's partially loaded already")
        if keys is not None and imported is None:
            raise VarsError(f"cannot partially load '{item}' as it's already loaded.")
        if imported is not None and keys is not None and set(keys) & set(imported):
            raise VarsError(f"cannot load '{item}' as it's partially loaded already")

    def merge(self, data: Mapping[str, Any], source: str) -> None:
        """Merge ``data`` (from ``source``) into the context; a redefined leaf is an error."""
        clash = sorted(self.reserved & set(data))
        if clash:
            keys = " and ".join(f"'{key}'" for key in clash)
            raise VarsError(f"attempted to modify reserved key{'s' * (len(clash) > 1)} {keys}")
        self._merge_into(self.data, data, source, "")

    def _merge_into(
        self, into: dict[str, Any], data: Mapping[str, Any], source: str, at: str
    ) -> None:
        for key, value in data.items():
            path = f"{at}{key}"
            if isinstance(into.get(key), dict) and isinstance(value, Mapping):
                self._merge_into(into[key], value, source, f"{path}.")
                continue
            if key in into:
                before = self.sources.get(path) or self._source_of(path)
                raise VarsError(
                    f"cannot redefine '{path}' from '{source}' as it already exists in '{before}'"
                )
            into[key] = copy.deepcopy(value)
            self.sources[path] = source

    def _source_of(self, path: str) -> str:
        for known, source in self.sources.items():
            if path.startswith(f"{known}.") or known.startswith(f"{path}."):
                return source
        return "?"

    @contextmanager
    def temporarily(self, values: Mapping[str, Any]) -> Iterator[None]:
        """``item``/``key`` of one ``foreach``/``matrix`` iteration, reserved while set."""
        saved = {key: self.data[key] for key in values if key in self.data}
        self.data.update(values)
        added = set(values) - self.reserved
        self.reserved |= added
        try:
            yield
        finally:
            self.reserved -= added
            for key in values:
                self.data.pop(key, None)
            self.data.update(saved)
