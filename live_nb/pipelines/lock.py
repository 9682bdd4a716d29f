"""``dvc.lock`` (schema 2.0) read and written as DVC 3 writes it, and the params it records.

A stage's entry: ``cmd`` (a string, or the list as written), ``deps`` and ``outs`` sorted
by path (each ``path``, ``hash: md5``, ``md5``, ``size``, and ``nfiles`` for a folder; the
outs include metrics and plots), and ``params`` per file: the named keys flat
(``train.lr: 0.1``), or every top-level key when the whole file is tracked.
"""

from __future__ import annotations

import contextlib
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

import yaml

from live_nb.formats.files import atomic_write
from live_nb.formats.yaml import dump_yaml, load_yaml
from live_nb.pipelines.context import load_params_file
from live_nb.pipelines.errors import PipelineError
from live_nb.pipelines.hashing import HashCache
from live_nb.pipelines.interpolate import select
from live_nb.pipelines.stage import Stage

__all__ = ["MISSING", "read_lock", "read_params", "stage_entry", "write_lock"]

LOCK_FILE = "dvc.lock"
MISSING = object()


def read_lock(root: Path, lockfile: str = LOCK_FILE) -> dict[str, dict[str, Any]]:
    """The ``stages`` of ``root/lockfile`` (empty when there is none)."""
    path = root / lockfile
    try:
        data = load_yaml(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        return {}
    except (OSError, yaml.YAMLError) as error:
        raise PipelineError(lockfile, f"cannot read it ({error})") from None
    stages = data.get("stages") if isinstance(data, dict) else None
    return dict(stages) if isinstance(stages, dict) else {}


def write_lock(
    root: Path,
    entries: Mapping[str, dict[str, Any]],
    names: list[str],
    kept: Collection[str] | None = None,
    lockfile: str = LOCK_FILE,
) -> None:
    """Write ``dvc.lock`` with ``entries`` updated, dropping stages no longer in ``names``.

    A new stage goes after the others, as DVC appends it; with ``kept`` (the stages the lock
    held before this repro), the ones added since are in ``names``' order, so a parallel
    repro writes what a sequential one (and ``dvc repro``) writes.
    """
    stages = {k: v for k, v in read_lock(root, lockfile).items() if k in names}
    stages.update(entries)
    if kept is not None:
        position = {name: index for index, name in enumerate(names)}
        added = sorted((k for k in stages if k not in kept), key=lambda k: position[k])
        stages = {k: stages[k] for k in [*(k for k in stages if k in kept), *added]}
    atomic_write(root / lockfile, dump_yaml({"schema": "2.0", "stages": stages}))


def read_params(root: Path, stage: Stage) -> dict[str, Any]:
    """``{file: {key: value}}`` of the stage's params now (``MISSING`` for absent keys/files)."""
    found: dict[str, Any] = {}
    for dep in stage.params:
        path = root / stage.path(dep.file)
        data: Any = MISSING
        with contextlib.suppress(OSError, ValueError, yaml.YAMLError):
            data = load_params_file(path)
        if data is MISSING or not isinstance(data, dict):
            found[dep.file] = MISSING
            continue
        if dep.keys is None:
            found[dep.file] = dict(sorted(data.items()))
            continue
        values: dict[str, Any] = {}
        for key in sorted(dep.keys):
            try:
                values[key] = select(data, key)
            except (KeyError, ValueError):
                values[key] = MISSING
        found[dep.file] = values
    return found


def stage_entry(root: Path, stage: Stage, hashes: HashCache) -> dict[str, Any]:
    """The ``dvc.lock`` entry of ``stage`` as its files are now (after running it)."""
    entry: dict[str, Any] = {"cmd": stage.command_text}
    deps = [_path_entry(stage, path, hashes) for path in sorted(set(stage.deps))]
    if deps:
        entry["deps"] = deps
    params = {
        file: {k: v for k, v in values.items() if v is not MISSING}
        for file, values in sorted(read_params(root, stage).items())
        if values is not MISSING
    }
    if params:
        entry["params"] = params
    outs = [_path_entry(stage, path, hashes) for path in sorted({o.path for o in stage.outs})]
    if outs:
        entry["outs"] = outs
    return entry


def _path_entry(stage: Stage, path: str, hashes: HashCache) -> dict[str, Any]:
    info = hashes.hash(stage.path(path))
    if info is None:
        raise PipelineError(
            LOCK_FILE, f"stage '{stage.name}': '{stage.path(path)}' does not exist", stage.line
        )
    return {"path": path, **info.lock_fields()}
