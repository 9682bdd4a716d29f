"""Where each ``-S`` key lives, found before anything runs, and the run's files changed to match.

In a notebook a key without ``file:`` resolves to one of three places:

- the ``--param KEY=VALUE`` defaults of its ``%%live`` cells (the magic line is rewritten);
- a cell tagged ``parameters``, papermill's convention (a cell tagged ``injected-parameters``
  is inserted after it, replacing one a previous injection left);
- ``params.yaml`` at the repository's root (changed as ``dvc exp run -S`` changes it).

A key found nowhere, or in two of these places, is refused naming the keys that exist. For a
script, and for a ``file:`` key, the params file is the place, as in DVC.
"""

from __future__ import annotations

import ast
import copy
import json
import math
import re
import shlex
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from live_nb.error import LiveNbError
from live_nb.runs.params import Override, Setting
from live_nb.runs.params_files import (
    DEFAULT_PARAMS_FILE,
    AmbiguousParamError,
    ParamError,
    UnknownParamError,
    apply_settings,
    flat_keys,
    has_key,
    read_params,
    write_params,
)

__all__ = [
    "LIVE",
    "PARAMETERS",
    "AmbiguousParamError",
    "NotebookParams",
    "Placement",
    "UnknownParamError",
    "apply_point",
    "read_notebook",
    "resolve",
]

LIVE = "%%live --param"
PARAMETERS = "parameters cell"
_LISTED = 12
_PARAM_FLAGS = ("--param", "-p")


@dataclass(frozen=True)
class Placement:
    """Where one setting goes: ``%%live --param``, the parameters cell, or a params file."""

    kind: str
    file: str | None = None


@dataclass
class NotebookParams:
    """The parameters a notebook declares: in ``%%live`` lines and in its parameters cell."""

    live: dict[str, list[int]]
    parameters: list[str]
    parameters_cell: int | None

    @classmethod
    def of(cls, notebook: dict[str, Any]) -> NotebookParams:
        """Read them from a notebook document (nbformat 4 JSON)."""
        live: dict[str, list[int]] = {}
        parameters: list[str] = []
        parameters_cell = None
        for index, cell in enumerate(notebook.get("cells", [])):
            if cell.get("cell_type") != "code":
                continue
            source = cell_source(cell)
            for key in _live_keys(source):
                live.setdefault(key, []).append(index)
            if "parameters" in cell.get("metadata", {}).get("tags", []) and parameters_cell is None:
                parameters_cell = index
                parameters = _assigned_names(source)
        return cls(live, parameters, parameters_cell)


def read_notebook(path: Path) -> dict[str, Any]:
    """A notebook's JSON document; :class:`NotebookReadError` if it is not one."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise NotebookReadError(path, "no such file") from error
    except (OSError, ValueError) as error:
        raise NotebookReadError(path, f"not a notebook ({error})") from error
    if not isinstance(document, dict) or not isinstance(document.get("cells"), list):
        raise NotebookReadError(path, "not a notebook (no cells)")
    return document


class NotebookReadError(LiveNbError, ValueError):
    """A notebook file that cannot be read."""

    def __init__(self, path: Path, reason: str) -> None:
        """Name the file and why."""
        super().__init__(f"Cannot read the notebook {str(path)!r}: {reason}.")


def cell_source(cell: dict[str, Any]) -> str:
    """A cell's source as one string (nbformat allows a list of lines)."""
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _live_line(source: str) -> str | None:
    first = source.lstrip("\n").split("\n", 1)[0]
    return first if re.match(r"%%live(\s|$)", first) else None


def _live_tokens(line: str) -> list[str]:
    try:
        return shlex.split(line[len("%%live") :])
    except ValueError:
        return []


def _live_keys(source: str) -> list[str]:
    line = _live_line(source)
    if line is None:
        return []
    return [key for key, _, _ in _param_tokens(_live_tokens(line))]


def _param_tokens(tokens: Sequence[str]) -> list[tuple[str, int, str]]:
    """``(key, token index, flag)`` of each ``--param KEY=VALUE`` in the magic's tokens."""
    found = []
    for index, token in enumerate(tokens):
        if token in _PARAM_FLAGS and index + 1 < len(tokens):
            found.append((tokens[index + 1].partition("=")[0].strip(), index + 1, ""))
        elif token.startswith("--param="):
            found.append((token[len("--param=") :].partition("=")[0].strip(), index, "--param="))
    return found


def _assigned_names(source: str) -> list[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:  # magics in the cell: the plain assignments still count
        return re.findall(r"^([A-Za-z_]\w*)\s*(?::[^=]*)?=(?!=)", source, re.MULTILINE)
    names: list[str] = []
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AnnAssign) and node.value is not None:
            targets = [node.target]
        names += [target.id for target in targets if isinstance(target, ast.Name)]
    return names


def resolve(
    overrides: Sequence[Override],
    root: Path,
    notebook: dict[str, Any] | None,
    notebook_name: str = "the notebook",
) -> dict[tuple[str | None, str], Placement]:
    """Where each override's key goes; refuses unknown and ambiguous keys before any run.

    ``notebook`` is None for a script. Every override is checked with its first value.
    """
    params = NotebookParams.of(notebook) if notebook is not None else None
    placements: dict[tuple[str | None, str], Placement] = {}
    files: dict[str, dict[str, Any]] = {}
    for override in overrides:
        setting = override.settings()[0]
        placement = _place(setting, root, params, notebook_name)
        if placement.file is not None:
            data = files.setdefault(
                placement.file, read_params(root / placement.file, placement.file)
            )
            apply_settings(data, [setting], placement.file)
        placements[(override.file, override.key)] = placement
    return placements


def _where(place: Placement, notebook_name: str) -> str:
    """``the parameters cell of train.ipynb``, ``params.yaml``: a placement as a person says it."""
    if place.file is not None:
        return place.file
    if place.kind == LIVE:
        return f"a `{LIVE}` of {notebook_name}"
    return f"the {place.kind} of {notebook_name}"


def _place(
    setting: Setting, root: Path, params: NotebookParams | None, notebook_name: str
) -> Placement:
    if setting.file is not None:
        return Placement("file", _relative_file(setting.file))
    if params is None:
        return Placement("file", DEFAULT_PARAMS_FILE)
    default = read_params(root / DEFAULT_PARAMS_FILE, DEFAULT_PARAMS_FILE)
    found = _places_of(setting.key, params, default)
    if setting.op in ("add", "force_add") and not found:
        if params.parameters_cell is None:
            raise UnknownParamError(
                f"-S {setting.text()}: {notebook_name} has no cell tagged 'parameters' to add "
                f"{setting.key!r} to; tag one, or write {DEFAULT_PARAMS_FILE}:+{setting.key}=VALUE"
            )
        return Placement(PARAMETERS)
    if len(found) > 1:
        places = " and in ".join(_where(place, notebook_name) for place in found)
        raise AmbiguousParamError(
            f"-S {setting.text()}: {setting.key!r} is in {places}; keep it in one place (or "
            f"write {DEFAULT_PARAMS_FILE}:{setting.key}=... for the file)"
        )
    if not found:
        raise UnknownParamError(_unknown(setting, params, default, notebook_name))
    if setting.op == "add":
        raise ParamError(
            f"-S {setting.text()}: {notebook_name} has {setting.key!r} already ({found[0].kind}); "
            f"change it with {setting.key}=VALUE"
        )
    if setting.op == "remove" and found[0].file is None:
        raise ParamError(
            f"-S {setting.text()}: only keys of params files can be removed; "
            f"{setting.key!r} is in the {found[0].kind}"
        )
    return found[0]


def _places_of(key: str, params: NotebookParams, default: dict[str, Any]) -> list[Placement]:
    found = []
    if key in params.live:
        found.append(Placement(LIVE))
    if key in params.parameters:
        found.append(Placement(PARAMETERS))
    if has_key(default, key):
        found.append(Placement("file", DEFAULT_PARAMS_FILE))
    return found


def _unknown(
    setting: Setting, params: NotebookParams, default: dict[str, Any], notebook_name: str
) -> str:
    places = [
        (f"its {LIVE} keys", list(params.live)),
        (f"its {PARAMETERS}", params.parameters),
        (DEFAULT_PARAMS_FILE, list(flat_keys(default))),
    ]
    known = [f"{place}: {_listing(keys)}" for place, keys in places if keys]
    where = "; ".join(known) if known else "it declares none"
    return (
        f"-S {setting.text()}: {notebook_name} has no parameter {setting.key!r} ({where}). "
        "Declare it with %%live --param KEY=VALUE, in a cell tagged 'parameters', or in "
        f"{DEFAULT_PARAMS_FILE}"
    )


def _listing(keys: Sequence[str]) -> str:
    return ", ".join(keys[:_LISTED]) + (" ..." if len(keys) > _LISTED else "")


def _relative_file(file: str) -> str:
    path = Path(file)
    if path.is_absolute() or ".." in path.parts:
        raise ParamError(f"-S {file}:...: the params file must be a path inside the repository")
    return path.as_posix()


# --------------------------------------------------------------------------- applying a point


def apply_point(
    point: Iterable[Setting],
    placements: dict[tuple[str | None, str], Placement],
    run_dir: Path,
    notebook: str | None,
) -> None:
    """Change the run's copy of the notebook and params files for one point of the grid."""
    by_file: dict[str, list[Setting]] = {}
    live: list[Setting] = []
    injected: list[Setting] = []
    for setting in point:
        placement = placements[(setting.file, setting.key)]
        if placement.file is not None:
            by_file.setdefault(placement.file, []).append(setting)
        else:
            (live if placement.kind == LIVE else injected).append(setting)
    for file, settings in by_file.items():
        data = read_params(run_dir / file, file)
        apply_settings(data, settings, file)
        (run_dir / file).parent.mkdir(parents=True, exist_ok=True)
        write_params(run_dir / file, data)
    if notebook is not None and (live or injected):
        path = run_dir / notebook
        document = read_notebook(path)
        _rewrite_live_lines(document, {s.key: s.value for s in live})
        _inject(document, {s.key: s.value for s in injected})
        path.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", "utf-8")


def _rewrite_live_lines(document: dict[str, Any], values: dict[str, Any]) -> None:
    if not values:
        return
    for cell in document["cells"]:
        source = cell_source(cell)
        line = _live_line(source) if cell.get("cell_type") == "code" else None
        if line is None:
            continue
        tokens = _live_tokens(line)
        for key, index, flag in _param_tokens(tokens):
            if key in values:
                tokens[index] = f"{flag}{key}={_yaml_text(values[key])}"
        new_line = ("%%live " + shlex.join(tokens)).rstrip()
        cell["source"] = source.replace(line, new_line, 1)


def _yaml_text(value: Any) -> str:
    """``value`` as ``%%live --param`` reads it (YAML)."""
    from live_nb.formats.yaml import load_yaml

    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return ".nan" if math.isnan(value) else ".inf" if value > 0 else "-.inf"
    if isinstance(value, str):
        try:
            plain = load_yaml(value) == value
        except Exception:
            plain = False
        return value if plain and value.strip() == value and value else json.dumps(value)
    return json.dumps(value)


def _inject(document: dict[str, Any], values: dict[str, Any]) -> None:
    if not values:
        return
    cells = document["cells"]
    cells[:] = [c for c in cells if "injected-parameters" not in _tags(c)]
    position = next(i for i, c in enumerate(cells) if "parameters" in _tags(c)) + 1
    lines = ["# Parameters (injected by live_nb)"]
    lines += [f"{key} = {_python_literal(value)}" for key, value in values.items()]
    cell: dict[str, Any] = {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {"tags": ["injected-parameters"]},
        "outputs": [],
        "source": "\n".join(lines) + "\n",
    }
    if document.get("nbformat_minor", 0) >= 5 or any("id" in c for c in cells):
        cell["id"] = uuid.uuid4().hex[:8]
    cells.insert(position, copy.deepcopy(cell))


def _tags(cell: dict[str, Any]) -> list[str]:
    tags = cell.get("metadata", {}).get("tags", [])
    return tags if isinstance(tags, list) else []


def _python_literal(value: Any) -> str:
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return f"float({str(value)!r})"
    if isinstance(value, list):
        return "[" + ", ".join(_python_literal(item) for item in value) + "]"
    if isinstance(value, dict):
        items = (f"{k!r}: {_python_literal(v)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    return repr(value)
