"""``dvc.yaml`` to expanded stages: ``vars``, ``${}``, ``foreach``/``do`` and ``matrix``.

Follows DVC 3's ``dvc/parsing``: a ``foreach`` over a dict makes ``name@key`` (with
``${key}`` and ``${item}``), over a list of scalars ``name@value``, over a list holding
lists or dicts ``name@0``, ``name@1``...; a ``matrix`` makes one stage per combination,
named by joining each value (``k0``, ``k1``... for a list or dict value) with ``-``.
Errors carry DVC's meaning, the file and, where the YAML gives it, the line.
"""

from __future__ import annotations

import configparser
import contextlib
import functools
import itertools
import posixpath
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import yaml

from live_nb.formats.yaml import load_yaml
from live_nb.pipelines.context import Context, VarsError
from live_nb.pipelines.errors import PipelineError, TemplateError
from live_nb.pipelines.interpolate import (
    InterpolationError,
    check_syntax,
    has_expression,
    resolve,
    to_str,
    walk_strings,
)
from live_nb.pipelines.notebook import expand_notebook_stage, params_checker
from live_nb.pipelines.stage import Stage, build_stage

__all__ = ["load_stages"]

_T = TypeVar("_T")


def load_stages(root: Path, dvcyaml: str = "dvc.yaml") -> list[Stage]:
    """Every stage of ``root/dvcyaml``, expanded, in the order ``dvc stage list`` shows."""
    path = root / dvcyaml
    try:
        text = path.read_text(encoding="utf-8")
        data = load_yaml(text) or {}
    except FileNotFoundError:
        raise PipelineError(
            dvcyaml, f"no such file in {root}: write the pipeline's stages there, as for dvc repro"
        ) from None
    except OSError as error:
        raise PipelineError(dvcyaml, f"cannot read it ({error.strerror})") from None
    except yaml.YAMLError as error:
        raise PipelineError(dvcyaml, f"not valid YAML ({error})") from None
    if not isinstance(data, dict):
        raise PipelineError(dvcyaml, "expected a mapping with 'stages'")
    return _Resolver(root, dvcyaml, data, _stage_lines(text)).stages()


def _stage_lines(text: str) -> dict[str, int]:
    """The line of each key under ``stages:`` (1-based), where the YAML parses."""
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    lines: dict[str, int] = {}
    if not isinstance(node, yaml.MappingNode):
        return lines
    for key, value in node.value:
        if key.value == "stages" and isinstance(value, yaml.MappingNode):
            for name, _ in value.value:
                lines[str(name.value)] = name.start_mark.line + 1
    return lines


def parsing_config(root: Path) -> dict[str, str]:
    """The ``[parsing]`` section of ``.dvc/config`` and ``.dvc/config.local`` (local wins)."""
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    with contextlib.suppress(configparser.Error, OSError, UnicodeDecodeError):
        parser.read([root / ".dvc" / "config", root / ".dvc" / "config.local"], encoding="utf-8")
    if not parser.has_section("parsing"):
        return {}
    return {key: value.strip().strip("'\"") for key, value in parser.items("parsing")}


class _Resolver:
    def __init__(
        self, root: Path, relpath: str, data: dict[str, Any], lines: dict[str, int]
    ) -> None:
        self.relpath = posixpath.normpath(relpath)
        self.wdir = posixpath.dirname(self.relpath) or "."
        self.lines = lines
        self.data = data
        self.context = Context(root)
        self.parsing = parsing_config(root)
        top_vars = data.get("vars", [])
        self._no_interpolation(top_vars, "vars")
        self._guard(
            "'vars'", None, lambda: self.context.load_vars(top_vars, self.wdir, default=True)
        )

    def _guard(self, where: str, line: int | None, action: Callable[[], _T]) -> _T:
        try:
            return action()
        except (InterpolationError, VarsError) as error:
            raise TemplateError(self.relpath, f"failed to parse {where}: {error}", line) from None

    def _no_interpolation(self, value: object, where: str) -> None:
        def refuse(text: str) -> str:
            if has_expression(text):
                raise TemplateError(
                    self.relpath, f"failed to parse '{where}': interpolating is not allowed"
                )
            return text

        walk_strings(value, refuse)

    def stages(self) -> list[Stage]:
        stages_data = self.data.get("stages") or {}
        if not isinstance(stages_data, dict):
            raise PipelineError(self.relpath, "'stages' must be a mapping of stage names")
        found: list[Stage] = []
        for name, definition in stages_data.items():
            found += list(self._definition(str(name), definition))
        return found

    def _definition(self, name: str, definition: object) -> Iterator[Stage]:
        line = self.lines.get(name)
        if not isinstance(definition, dict):
            raise PipelineError(self.relpath, f"stage '{name}' must be a mapping", line)
        if "matrix" in definition:
            yield from self._matrix(name, definition, line)
        elif "foreach" in definition:
            if "do" not in definition:
                raise PipelineError(self.relpath, f"stage '{name}': 'foreach' needs 'do'", line)
            yield from self._foreach(name, definition, line)
        else:
            yield self._entry(name, definition, line, self.context)

    def _foreach(self, name: str, definition: dict[str, Any], line: int | None) -> Iterator[Stage]:
        where = f"'stages.{name}.foreach'"
        iterable = self._guard(
            where, line, lambda: resolve(definition["foreach"], self.context.data)
        )
        if isinstance(iterable, dict):
            members = {to_str(k): v for k, v in iterable.items()}
        elif isinstance(iterable, list):
            composite = any(isinstance(v, (dict, list)) for v in iterable)
            members = {to_str(i if composite else v): v for i, v in enumerate(iterable)}
        else:
            kind = type(iterable).__name__
            raise TemplateError(
                self.relpath,
                f"failed to resolve {where}: expected list/dictionary, got {kind}",
                line,
            )
        template = definition["do"]
        self._guard(f"'stages.{name}'", line, lambda: check_syntax(template))
        for key, value in members.items():
            values = {"item": value, "key": key} if isinstance(iterable, dict) else {"item": value}
            with self.context.temporarily(values):
                yield self._entry(f"{name}@{key}", template, line, self.context)

    def _matrix(self, name: str, definition: dict[str, Any], line: int | None) -> Iterator[Stage]:
        template = {k: v for k, v in definition.items() if k != "matrix"}
        where = f"'stages.{name}.matrix'"
        matrix = self._guard(where, line, lambda: resolve(definition["matrix"], self.context.data))
        if not isinstance(matrix, dict) or not all(isinstance(v, list) for v in matrix.values()):
            raise TemplateError(
                self.relpath, f"failed to resolve {where}: expected a dict of lists", line
            )
        self._guard(f"'stages.{name}'", line, lambda: check_syntax(template))
        for combination in itertools.product(*(list(enumerate(v)) for v in matrix.values())):
            item = {k: v for k, (_, v) in zip(matrix, combination)}
            fragments = [
                f"{k}{i}" if isinstance(v, (dict, list)) else to_str(v)
                for k, (i, v) in zip(matrix, combination)
            ]
            key = "-".join(fragments)
            with self.context.temporarily({"key": key, "item": item}):
                yield self._entry(f"{name}@{key}", template, line, self.context)

    def _entry(
        self, name: str, definition: dict[str, Any], line: int | None, context: Context
    ) -> Stage:
        if not isinstance(definition, dict):
            raise PipelineError(self.relpath, f"stage '{name}' must be a mapping", line)
        try:
            definition = expand_notebook_stage(
                name, definition, params_checker(self.context.root, self.wdir, definition)
            )
        except ValueError as error:
            raise PipelineError(self.relpath, f"stage '{name}': {error}", line) from None
        self._guard(f"'stages.{name}'", line, lambda: check_syntax(definition))
        wdir = self.wdir
        if definition.get("wdir"):
            raw = self._guard(
                f"'stages.{name}.wdir'",
                line,
                lambda: to_str(resolve(definition["wdir"], context.data)),
            )
            wdir = posixpath.normpath(posixpath.join(self.wdir, raw))
        stage_vars = definition.get("vars", [])
        self._no_interpolation(stage_vars, f"stages.{name}.vars")
        if stage_vars:
            context = context.clone()
            self._guard(
                f"'stages.{name}.vars'", line, lambda: context.load_vars(stage_vars, wdir, name)
            )
        resolved = {
            key: self._guard(
                f"'stages.{name}.{key}'",
                line,
                functools.partial(resolve, value, context.data, key, self.parsing),
            )
            for key, value in definition.items()
            if key != "vars"
        }
        try:
            return build_stage(name, resolved, wdir, line, self.relpath)
        except ValueError as error:
            raise PipelineError(self.relpath, f"stage '{name}': {error}", line) from None
