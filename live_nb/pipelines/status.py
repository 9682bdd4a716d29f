"""Which stages changed and why, in ``dvc status --json``'s words, against ``dvc.lock``.

Paths are named from the project root, as ``dvc status`` names them (``dvc.lock`` keeps
them relative to the stage's ``wdir``).

For each stage: ``changed deps`` (a path ``modified``/``deleted``, a params file
``deleted``/``new`` or its keys ``modified``/``new``/``deleted``; skipped for a frozen
stage), ``changed outs`` (``not in cache``, ``deleted``, ``modified``), ``always changed``
(``always_changed: true``, or a command with no deps and no outs) and ``changed command``
(only for a stage ``dvc.lock`` knows, as DVC does).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from live_nb.formats.cachelink import md5_cache
from live_nb.pipelines.graph import Graph
from live_nb.pipelines.hashing import HashCache, HashInfo
from live_nb.pipelines.lock import MISSING, read_lock, read_params
from live_nb.pipelines.stage import Stage

__all__ = ["StageStatus", "describe", "pipeline_status", "stage_status"]

StageStatus = list[Any]


def pipeline_status(root: Path, graph: Graph, names: list[str] | None = None) -> dict[str, Any]:
    """``{stage: [changes]}`` for every changed stage among ``names`` (default: all)."""
    locks: dict[str, dict[str, Any]] = {}
    hashes = HashCache(root)
    found: dict[str, Any] = {}
    for name in names if names is not None else graph.order:
        stage = graph.stages[name]
        if stage.lockfile not in locks:
            locks[stage.lockfile] = read_lock(root, stage.lockfile)
        changes = stage_status(root, stage, locks[stage.lockfile].get(stage.name), hashes)
        if changes:
            found[name] = changes
    hashes.save()
    return found


def stage_status(
    root: Path, stage: Stage, entry: dict[str, Any] | None, hashes: HashCache
) -> StageStatus:
    """What changed in one stage since its ``dvc.lock`` ``entry`` (None: never run)."""
    locked = entry is not None
    entry = entry or {}
    changes: StageStatus = []
    if not stage.frozen:
        deps = _deps_status(root, stage, entry, hashes)
        if deps:
            changes.append({"changed deps": deps})
    outs = _outs_status(root, stage, entry, hashes)
    if outs:
        changes.append({"changed outs": outs})
    if stage.always_changed or not (stage.deps or stage.params or stage.outs):
        changes.append("always changed")
    if locked and entry.get("cmd") != stage.command_text:
        changes.append("changed command")
    return changes


def _recorded(entry: dict[str, Any], field: str) -> dict[str, dict[str, Any]]:
    items = entry.get(field) or []
    return {str(item.get("path")): item for item in items if isinstance(item, dict)}


def _deps_status(
    root: Path, stage: Stage, entry: dict[str, Any], hashes: HashCache
) -> dict[str, Any]:
    found: dict[str, Any] = {}
    recorded = _recorded(entry, "deps")
    for dep in stage.deps:
        state = _path_state(hashes.hash(stage.path(dep)), recorded.get(dep))
        if state:
            found[stage.path(dep)] = state
    locked_params = entry.get("params") or {}
    for file, values in read_params(root, stage).items():
        state = _params_state(values, locked_params.get(file))
        if state:
            found[stage.path(file)] = state
    return found


def _path_state(now: HashInfo | None, recorded: dict[str, Any] | None) -> str | None:
    if now is None:
        return "deleted"
    if recorded is None or recorded.get("md5") != now.md5:
        return "modified"
    return None


def _params_state(values: Any, recorded: dict[str, Any] | None) -> Any:
    if values is MISSING:
        return "deleted"
    if recorded is None:
        return "new"
    keys = list(dict.fromkeys([*values, *recorded]))
    found: dict[str, str] = {}
    for key in keys:
        now = values.get(key, MISSING)
        if now is MISSING:
            found[key] = "deleted"
        elif key not in recorded:
            found[key] = "new"
        elif now != recorded[key]:
            found[key] = "modified"
    return found or None


def _outs_status(
    root: Path, stage: Stage, entry: dict[str, Any], hashes: HashCache
) -> dict[str, str]:
    found: dict[str, str] = {}
    recorded = _recorded(entry, "outs")
    for out in stage.outs:
        locked = recorded.get(out.path)
        if locked and out.cache and not in_cache(root, str(locked.get("md5", ""))):
            found[stage.path(out.path)] = "not in cache"
            continue
        state = _path_state(hashes.hash(stage.path(out.path)), locked)
        if state:
            found[stage.path(out.path)] = state
    return found


def in_cache(root: Path, md5: str) -> bool:
    """Whether DVC 3's cache holds the object ``md5`` (for a ``.dir``, every file in it)."""
    if not md5:
        return False
    cache = md5_cache(root)
    obj = cache / md5[:2] / md5[2:]
    if not obj.is_file():
        return False
    if not md5.endswith(".dir"):
        return True
    try:
        entries = json.loads(obj.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return all((cache / e["md5"][:2] / e["md5"][2:]).is_file() for e in entries)


def describe(status: dict[str, Any]) -> str:
    """``status`` as ``dvc status`` prints it (``Data and pipelines are up to date.``)."""
    if not status:
        return "Data and pipelines are up to date."
    lines: list[str] = []
    for name, changes in status.items():
        lines.append(f"{name}:")
        for change in changes:
            if isinstance(change, str):
                lines.append(f"\t{change}")
                continue
            for title, items in change.items():
                lines.append(f"\t{title}:")
                lines += _describe_items(items)
    return "\n".join(lines)


def _describe_items(items: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    for path, state in items.items():
        if isinstance(state, dict):
            lines.append(f"\t\t{path}:")
            lines += [f"\t\t\t{value + ':':<20}{key}" for key, value in state.items()]
        else:
            lines.append(f"\t\t{state + ':':<20}{path}")
    return lines
