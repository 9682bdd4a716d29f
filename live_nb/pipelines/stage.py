"""One expanded stage of ``dvc.yaml``, its fields normalised as DVC's stage loader reads them."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Output", "ParamsDep", "Stage", "build_stage"]

OUTPUT_KINDS = ("outs", "metrics", "plots")


@dataclass(frozen=True)
class Output:
    """A path a stage writes: ``outs``, ``metrics`` or ``plots``, with ``cache``/``persist``."""

    path: str
    kind: str = "outs"
    cache: bool = True
    persist: bool = False
    options: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class ParamsDep:
    """The params a stage reads from one file (``keys=None``: every key of the file)."""

    file: str
    keys: tuple[str, ...] | None


@dataclass
class Stage:
    """A stage after templating: paths as written, relative to ``wdir`` (itself root-relative)."""

    name: str
    cmd: list[str]
    wdir: str = "."
    deps: list[str] = field(default_factory=list)
    params: list[ParamsDep] = field(default_factory=list)
    outs: list[Output] = field(default_factory=list)
    frozen: bool = False
    always_changed: bool = False
    desc: str | None = None
    cmd_is_list: bool = False
    line: int | None = None
    dvcfile: str = "dvc.yaml"

    @property
    def address(self) -> str:
        """How DVC names the stage: ``train``, or ``sub/dvc.yaml:train`` for another file."""
        return self.name if self.dvcfile == "dvc.yaml" else f"{self.dvcfile}:{self.name}"

    @property
    def lockfile(self) -> str:
        """The ``dvc.lock`` beside the stage's ``dvc.yaml``."""
        return posixpath.join(posixpath.dirname(self.dvcfile), "dvc.lock")

    def path(self, relative: str) -> str:
        """``relative`` (a dep, out or params file of this stage) from the project root."""
        return posixpath.normpath(posixpath.join(self.wdir, relative))

    @property
    def command_text(self) -> str | list[str]:
        """``cmd`` as DVC records it in ``dvc.lock``: a string, or the list as written."""
        return self.cmd if self.cmd_is_list else self.cmd[0]


def build_stage(
    name: str, data: dict[str, Any], wdir: str, line: int | None, dvcfile: str = "dvc.yaml"
) -> Stage:
    """A ``Stage`` from one resolved entry; ``ValueError`` says which field is malformed."""
    cmd = data.get("cmd")
    if isinstance(cmd, str):
        commands, is_list = [cmd], False
    elif isinstance(cmd, list) and cmd and all(isinstance(c, str) for c in cmd):
        commands, is_list = list(cmd), True
    else:
        raise ValueError("'cmd' must be a string or a list of strings")
    outputs = [out for kind in OUTPUT_KINDS for out in _outputs(data.get(kind), kind)]
    return Stage(
        name=name,
        cmd=commands,
        wdir=posixpath.normpath(wdir or "."),
        deps=[_dep(item) for item in data.get("deps") or []],
        params=_params(data.get("params") or []),
        outs=outputs,
        frozen=bool(data.get("frozen", False)),
        always_changed=bool(data.get("always_changed", False)),
        desc=data.get("desc"),
        cmd_is_list=is_list,
        line=line,
        dvcfile=dvcfile,
    )


def _dep(item: object) -> str:
    if isinstance(item, str):
        return item
    if isinstance(item, dict) and len(item) == 1:
        return str(next(iter(item)))
    raise ValueError(f"a dependency must be a path, got {item!r}")


def _params(items: list[Any]) -> list[ParamsDep]:
    default: list[str] = []
    files: list[ParamsDep] = []
    for item in items:
        if isinstance(item, str):
            default.append(item)
        elif isinstance(item, dict):
            for file, keys in item.items():
                files.append(ParamsDep(str(file), tuple(keys) if keys else None))
        else:
            raise ValueError(f"a params entry must be a key or a {{file: [keys]}}, got {item!r}")
    return ([ParamsDep("params.yaml", tuple(default))] if default else []) + files


def _outputs(items: object, kind: str) -> list[Output]:
    if not items:
        return []
    if not isinstance(items, list):
        raise ValueError(f"'{kind}' must be a list")
    found: list[Output] = []
    for item in items:
        if isinstance(item, str):
            found.append(Output(item, kind))
        elif isinstance(item, dict) and len(item) == 1:
            path, options = next(iter(item.items()))
            options = dict(options or {})
            found.append(
                Output(
                    str(path),
                    kind,
                    cache=bool(options.pop("cache", True)),
                    persist=bool(options.pop("persist", False)),
                    options=tuple(sorted(options.items(), key=lambda kv: kv[0])),
                )
            )
        else:
            raise ValueError(f"an entry of '{kind}' must be a path or {{path: options}}")
    return found
