"""The short ``notebook:`` stage form, expanded to the ``live-nb run`` stage it stands for.

::

    train:
      notebook: train.ipynb                 # or a mapping:
      # notebook: {path: train.ipynb, parameters: {lr: ${train.lr}}, output: out/train.ipynb}
      outs: [model.pkl]

becomes ``cmd: live-nb run train.ipynb -p lr=${train.lr} -o out/train.ipynb`` with the
notebook added to ``deps``, the executed copy (default ``train.executed.ipynb``) to ``outs``
and every parameter written as exactly ``${key}`` of the stage's ``params.yaml`` to
``params``. The expansion happens before templating, so ``${}`` works in it as anywhere.
DVC refuses keys it does not know ("extra keys not allowed"), so for ``dvc repro``
``expand_document`` writes the file with each short stage in its long form.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from live_nb.formats.files import atomic_write
from live_nb.formats.yaml import dump_yaml, load_yaml
from live_nb.pipelines.context import VarsError, load_params_file
from live_nb.pipelines.interpolate import select

__all__ = [
    "NOTEBOOK_KEY",
    "default_output",
    "expand_document",
    "expand_notebook_stage",
    "params_checker",
    "write_expanded",
]

NOTEBOOK_KEY = "notebook"
_REFERENCE = re.compile(r"\$\{\s*([\w.\[\]-]+)\s*\}")
_SAFE = re.compile(r"[\w.,/@%+=:${}\[\]-]+")
_FIELDS = ("path", "parameters", "output")


def default_output(notebook: str) -> str:
    """The executed copy's path when none is named: ``train.executed.ipynb`` beside it."""
    path = PurePosixPath(notebook)
    return str(path.with_name(f"{path.stem}.executed{path.suffix or '.ipynb'}"))


def _word(text: str) -> str:
    return text if _SAFE.fullmatch(text) else shlex.quote(text)


def _value_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _spec(name: str, value: object) -> tuple[str, dict[str, Any], str]:
    if isinstance(value, str):
        return value, {}, default_output(value)
    if not isinstance(value, dict) or not isinstance(value.get("path"), str):
        raise ValueError(
            f"'{NOTEBOOK_KEY}' must be a notebook's path or a mapping with 'path' "
            "(and 'parameters', 'output')"
        )
    unknown = sorted(set(value) - set(_FIELDS))
    if unknown:
        raise ValueError(f"'{NOTEBOOK_KEY}' has unknown keys {unknown}; it takes {list(_FIELDS)}")
    parameters = value.get("parameters") or {}
    if not isinstance(parameters, dict):
        raise ValueError(f"'{NOTEBOOK_KEY}.parameters' must be a mapping of names to values")
    output = value.get("output") or default_output(value["path"])
    return value["path"], dict(parameters), str(output)


def expand_notebook_stage(
    name: str, definition: dict[str, Any], is_param: Callable[[str], bool] = lambda _: False
) -> dict[str, Any]:
    """The long form of a stage written with ``notebook:`` (others are returned as given).

    ``is_param(key)``: whether ``key`` is in the stage's ``params.yaml`` (tracked if used).
    ``ValueError`` for a malformed ``notebook:``, or one with a ``cmd`` of its own.
    """
    if NOTEBOOK_KEY not in definition:
        return definition
    if "cmd" in definition:
        raise ValueError(f"give either 'cmd' or '{NOTEBOOK_KEY}', not both")
    path, parameters, output = _spec(name, definition[NOTEBOOK_KEY])
    words = ["live-nb", "run", _word(path)]
    for key, value in parameters.items():
        words += ["-p", _word(f"{key}={_value_text(value)}")]
    words += ["-o", _word(output)]
    expanded = {k: v for k, v in definition.items() if k != NOTEBOOK_KEY}
    expanded = {"cmd": " ".join(words), **expanded}
    expanded["deps"] = _with(expanded.get("deps"), path, first=True)
    tracked = [
        match.group(1)
        for value in parameters.values()
        if isinstance(value, str) and (match := _REFERENCE.fullmatch(value.strip()))
    ]
    params = list(expanded.get("params") or [])
    params += [key for key in tracked if is_param(key) and key not in params]
    if params:
        expanded["params"] = params
    expanded["outs"] = _with(expanded.get("outs"), output)
    return expanded


def _with(items: object, path: str, first: bool = False) -> list[Any]:
    listed = list(items) if isinstance(items, list) else []
    present = any(item == path or (isinstance(item, dict) and path in item) for item in listed)
    if present:
        return listed
    return [path, *listed] if first else [*listed, path]


def params_checker(root: Path, wdir: str, definition: dict[str, Any]) -> Callable[[str], bool]:
    """Whether a key is in the ``params.yaml`` of the stage's (literal) ``wdir``."""
    folder = root / wdir / str(definition.get("wdir") or ".")

    def is_param(key: str) -> bool:
        try:
            select(load_params_file(folder / "params.yaml"), key)
        except (OSError, ValueError, KeyError, TypeError, yaml.YAMLError, VarsError):
            return False
        return True

    return is_param


def expand_document(root: Path, data: dict[str, Any], wdir: str = ".") -> dict[str, Any]:
    """A ``dvc.yaml`` document with every ``notebook:`` stage (and ``do:`` body) expanded."""
    stages = data.get("stages")
    if not isinstance(stages, dict):
        return data
    expanded: dict[str, Any] = {}
    for name, definition in stages.items():
        if isinstance(definition, dict) and isinstance(definition.get("do"), dict):
            body = definition["do"]
            checker = params_checker(root, wdir, body)
            definition = {**definition, "do": expand_notebook_stage(name, body, checker)}
        elif isinstance(definition, dict):
            checker = params_checker(root, wdir, definition)
            definition = expand_notebook_stage(name, definition, checker)
        expanded[name] = definition
    return {**data, "stages": expanded}


def write_expanded(root: Path, dvcyaml: str = "dvc.yaml", write: bool = False) -> str:
    """``dvcyaml``'s text with its ``notebook:`` stages expanded; written back if ``write``."""
    path = root / dvcyaml
    data = load_yaml(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        return path.read_text(encoding="utf-8")
    wdir = str(PurePosixPath(dvcyaml).parent)
    text = dump_yaml(expand_document(root, data, wdir))
    if write:
        atomic_write(path, text)
    return text
