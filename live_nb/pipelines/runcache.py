"""DVC's stage run-cache under ``.dvc/cache/runs/``, shared with ``dvc repro``.

An entry is ``runs/<key[:2]>/<key>/<value>``, holding the stage's ``dvc.lock`` entry as
YAML: ``key`` is the sha256 of that entry with the outputs reduced to their paths, and
``value`` the sha256 of the full entry (both JSON with sorted keys, without ``size`` and
``nfiles``). Only a stage with a command, deps (or params) and outputs, none of them
``persist``, and not always changed, has one. A stage whose key is known, with every
output in the cache, is restored from it instead of running.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import yaml

from live_nb.formats.cachelink import cache_dir, cache_types, link_to_cache, md5_cache
from live_nb.formats.files import atomic_write
from live_nb.formats.yaml import dump_yaml, load_yaml
from live_nb.pipelines.hashing import HashCache
from live_nb.pipelines.lock import MISSING, read_params
from live_nb.pipelines.stage import Stage
from live_nb.pipelines.status import in_cache

__all__ = ["can_cache", "restore", "run_key", "save"]


def can_cache(stage: Stage) -> bool:
    """Whether DVC keeps run-cache entries for ``stage``."""
    has_inputs = bool(stage.deps or stage.params)
    return (
        bool(stage.cmd and has_inputs and stage.outs)
        and not stage.always_changed
        and not any(out.persist for out in stage.outs)
    )


def _sha256(data: Any) -> str:
    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k not in ("size", "nfiles")}
        if isinstance(node, list):
            return [strip(item) for item in node]
        return node

    text = json.dumps(strip(data), sort_keys=True).encode("utf-8")
    return hashlib.sha256(text).hexdigest()


def run_key(entry: dict[str, Any]) -> str:
    """The run-cache key of a ``dvc.lock`` entry (its outputs by path only)."""
    keyed = copy.deepcopy(entry)
    keyed["outs"] = [out["path"] for out in keyed.get("outs", [])]
    return _sha256(keyed)


def save(root: Path, stage: Stage, entry: dict[str, Any]) -> None:
    """Record a finished run of ``stage`` (its new ``dvc.lock`` ``entry``)."""
    if not can_cache(stage) or any(not out.cache for out in stage.outs):
        return
    path = _runs(root) / run_key(entry)[:2] / run_key(entry) / _sha256(entry)
    if not path.exists():
        atomic_write(path, dump_yaml(entry))


def _input_entry(root: Path, stage: Stage, hashes: HashCache) -> dict[str, Any] | None:
    entry: dict[str, Any] = {"cmd": stage.command_text}
    deps = []
    for dep in sorted(set(stage.deps)):
        info = hashes.hash(stage.path(dep))
        if info is None:
            return None
        deps.append({"path": dep, **info.lock_fields()})
    if deps:
        entry["deps"] = deps
    params = read_params(root, stage)
    if any(v is MISSING or MISSING in v.values() for v in params.values()):
        return None
    if params:
        entry["params"] = dict(sorted(params.items()))
    entry["outs"] = [{"path": p} for p in sorted({o.path for o in stage.outs})]
    return entry


def restore(
    root: Path, stage: Stage, hashes: HashCache, checkout: bool = True
) -> dict[str, Any] | None:
    """Check out ``stage``'s outputs from a matching run; its lock entry, or None."""
    if not can_cache(stage):
        return None
    inputs = _input_entry(root, stage, hashes)
    if inputs is None:
        return None
    folder = _runs(root) / run_key(inputs)[:2] / run_key(inputs)
    with contextlib.suppress(OSError):
        values = sorted(folder.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True)
        for value in values:
            entry = _load(value)
            outs = entry.get("outs", []) if entry else []
            if entry and outs and all(in_cache(root, str(o.get("md5", ""))) for o in outs):
                for out in outs if checkout else []:
                    path = stage.path(str(out["path"]))
                    _checkout(root, path, str(out["md5"]), bool(out.get("isexec")))
                return entry
    return None


def _load(path: Path) -> dict[str, Any] | None:
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None
    return data if isinstance(data, dict) else None


def _checkout(root: Path, relpath: str, md5: str, isexec: bool = False) -> None:
    objects = md5_cache(root)
    types = cache_types(root / ".dvc")
    target = root / relpath
    if not md5.endswith(".dir"):
        kind = link_to_cache(objects / md5[:2] / md5[2:], target, types)
        if isexec and kind in ("copy", "reflink"):  # a link shares the object's own mode
            target.chmod(target.stat().st_mode | 0o111)
        return
    manifest = json.loads((objects / md5[:2] / md5[2:]).read_text(encoding="utf-8"))
    target.mkdir(parents=True, exist_ok=True)
    for item in manifest:
        relative = os.path.normpath(str(item["relpath"]))
        if relative.startswith("..") or os.path.isabs(relative):
            continue  # a manifest never writes outside its folder
        obj = objects / item["md5"][:2] / item["md5"][2:]
        link_to_cache(obj, target / relative, types)


def _runs(root: Path) -> Path:
    """``runs/`` of the cache (DVC's ``cache.dir``, else ``.dvc/cache``)."""
    return cache_dir(root / ".dvc") / "runs"
