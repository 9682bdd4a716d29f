"""What a ``dvc.yaml`` lists: the metrics, params and plots files of a revision, as DVC reads it.

DVC reads every ``dvc.yaml`` in the tree (not under ``.git``, ``.hg`` or ``.dvc``): its
top-level ``metrics:``, ``params:`` and ``plots:`` lists, and its stages' ``metrics:`` outputs
and ``params:`` dependencies, paths relative to the ``dvc.yaml``'s folder (and the stage's
``wdir``); and ``params.yaml`` at the root when it exists (DVC's default params file). A stage
metric cached by DVC (not in Git) is found through the md5 that ``dvc.lock`` records for it.
Not supported: ``${...}`` interpolation and ``foreach``/``matrix`` stages.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterable
from pathlib import Path

from live_nb.experiments.read_errors import spec_invalid
from live_nb.experiments.values import ReadError, parse_file
from live_nb.formats.cachelink import cache_dir
from live_nb.records import field, record

TYPE_CHECKING = False  # not typing's: importing typing costs `live-nb exp show` 4 ms
if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "DEFAULT_PARAMS_FILE",
    "LOCK_FILE",
    "PROJECT_FILE",
    "SKIPPED_DIRS",
    "Plan",
    "Spec",
    "StageMetric",
    "dvc_cache_object",
    "lock_dep",
    "lock_md5",
    "parse_spec",
    "plan_revision",
    "spec_of",
]

DEFAULT_PARAMS_FILE = "params.yaml"
PROJECT_FILE = "dvc.yaml"
LOCK_FILE = "dvc.lock"
SKIPPED_DIRS = frozenset({".git", ".hg", ".dvc"})  # DVC's default ignores


@record(frozen=True)
class StageMetric:
    """Where to find a DVC-cached stage metric: ``dvc.lock`` beside ``dvc.yaml``, stage, out."""

    folder: str
    stage: str
    out: str


@record(frozen=True)
class Spec:
    """The parts of one ``dvc.yaml`` that name metrics, params and plots (repository paths)."""

    stage_metrics: tuple[tuple[str, StageMetric | None], ...] = ()
    stage_params: tuple[tuple[str, tuple[str, ...]], ...] = ()
    stage_deps: tuple[tuple[str, StageMetric], ...] = ()
    metrics: tuple[str, ...] = ()
    params: tuple[str, ...] = ()
    plots: tuple[str, ...] = ()
    error: str | None = None


@record
class Plan:
    """Every file one revision lists: metrics (with cache fallbacks) and params (with keys)."""

    metrics: dict[str, StageMetric | None] = field(default_factory=dict)
    params: dict[str, list[str]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    deps: dict[str, StageMetric] = field(default_factory=dict)  # where dvc.lock has their hash


def parse_spec(path: str, content: bytes) -> Spec:
    """What one ``dvc.yaml`` (at repository path ``path``) lists; errors kept, not raised."""
    try:
        data = parse_file(path, content)
    except ReadError:
        return Spec(error=spec_invalid(path, parses=False))
    return spec_of(path, data)


def spec_of(path: str, data: Any) -> Spec:
    """What the parsed content ``data`` of the ``dvc.yaml`` at ``path`` lists."""
    folder = posixpath.dirname(path)
    if not isinstance(data, dict):
        return Spec(error=spec_invalid(path, parses=True))
    stage_metrics: list[tuple[str, StageMetric | None]] = []
    stage_params: list[tuple[str, tuple[str, ...]]] = []
    stage_deps: list[tuple[str, StageMetric]] = []
    for name, stage, base in _stages(data.get("stages"), folder):
        stage_metrics.extend(_stage_metrics(stage.get("metrics"), folder, name, base))
        stage_params.extend(_stage_params(stage.get("params"), base))
        stage_deps.extend(_stage_deps(stage.get("deps"), folder, name, base))
    return Spec(
        stage_metrics=tuple(stage_metrics),
        stage_params=tuple(stage_params),
        stage_deps=tuple(stage_deps),
        metrics=tuple(_top_level_paths(data.get("metrics"), folder)),
        params=tuple(_top_level_paths(data.get("params"), folder)),
        plots=tuple(_top_level_paths(_plot_paths(data.get("plots")), folder)),
    )


def _stages(stages: Any, folder: str) -> Iterable[tuple[str, dict[str, Any], str]]:
    """``(name, stage, working folder)`` of the stages live_nb can read (no templates)."""
    for name, stage in stages.items() if isinstance(stages, dict) else ():
        if not isinstance(stage, dict) or "foreach" in stage or "matrix" in stage:
            continue
        wdir = stage.get("wdir", ".")
        if not isinstance(wdir, str) or "${" in wdir:
            continue
        base = _join(folder, wdir)
        if base is not None:
            yield str(name), stage, base


def _join(folder: str, relative: str) -> str | None:
    """``relative`` from ``folder`` as a normalised repository path; None if it leaves it."""
    if relative.startswith("/") or "${" in relative:
        return None
    joined = posixpath.normpath(posixpath.join(folder, relative.replace(os.sep, "/")))
    if joined == ".." or joined.startswith("../"):
        return None
    return "" if joined == "." else joined


def _top_level_paths(entries: Any, folder: str) -> list[str]:
    paths = []
    for entry in entries if isinstance(entries, list) else ():
        if isinstance(entry, str):
            joined = _join(folder, entry)
            if joined:
                paths.append(joined)
    return paths


def _plot_paths(entries: Any) -> list[str]:
    """The files or folders of top-level ``plots:`` entries: ``path`` or ``{path: options}``."""
    paths: list[str] = []
    for entry in entries if isinstance(entries, list) else ():
        if isinstance(entry, str):
            paths.append(entry)
        elif isinstance(entry, dict) and len(entry) == 1:
            paths.extend(str(key) for key in entry)
    return paths


def _stage_metrics(
    entries: Any, folder: str, stage: str, base: str
) -> list[tuple[str, StageMetric | None]]:
    found: list[tuple[str, StageMetric | None]] = []
    for entry in entries if isinstance(entries, list) else ():
        items = [(entry, None)] if isinstance(entry, str) else []
        if isinstance(entry, dict):
            items = list(entry.items())
        for out, options in items:
            if not isinstance(out, str):
                continue
            joined = _join(base, out)
            if not joined:
                continue
            cached = not (isinstance(options, dict) and options.get("cache") is False)
            found.append((joined, StageMetric(folder, stage, out) if cached else None))
    return found


def _stage_deps(entries: Any, folder: str, stage: str, base: str) -> list[tuple[str, StageMetric]]:
    """The stage's dependencies (not params): repository path, and where dvc.lock names it."""
    found = []
    for entry in entries if isinstance(entries, list) else ():
        if isinstance(entry, str) and "://" not in entry:
            joined = _join(base, entry)
            if joined:
                found.append((joined, StageMetric(folder, stage, entry)))
    return found


def _stage_params(entries: Any, base: str) -> list[tuple[str, tuple[str, ...]]]:
    found: list[tuple[str, tuple[str, ...]]] = []
    default = _join(base, DEFAULT_PARAMS_FILE)
    for entry in entries if isinstance(entries, list) else ():
        if isinstance(entry, str) and default and "${" not in entry:
            found.append((default, (entry,)))
        elif isinstance(entry, dict):
            for file, keys in entry.items():
                joined = _join(base, str(file))
                if not joined:
                    continue
                wanted = tuple(str(key) for key in keys) if isinstance(keys, list) else ()
                found.append((joined, wanted))
    return found


def plan_revision(specs: Iterable[tuple[str, Spec]], default_params: bool) -> Plan:
    """Merge the ``dvc.yaml`` files of one revision in DVC's order: stages, then top level.

    ``specs`` are ``(path, spec)`` pairs; ``default_params`` says whether the revision has
    ``params.yaml`` at its root.
    """
    plan = Plan()
    spec_list = list(specs)
    for path, spec in spec_list:
        if spec.error:
            plan.errors[path] = spec.error
    for _, spec in spec_list:
        for metric, stage in spec.stage_metrics:
            plan.metrics.setdefault(metric, stage)
    for _, spec in spec_list:
        for metric in spec.metrics:
            plan.metrics.setdefault(metric, None)
    entries: list[tuple[str, tuple[str, ...]]] = []
    for _, spec in spec_list:
        entries.extend(spec.stage_params)
    for _, spec in spec_list:
        entries.extend((param, ()) for param in spec.params)
    if default_params:
        entries.append((DEFAULT_PARAMS_FILE, ()))
    plan.deps = _deps(spec_list)
    whole = {param for param, keys in entries if not keys}
    for param, keys in entries:
        selected = plan.params.setdefault(param, [])
        if param not in whole:
            selected.extend(key for key in keys if key not in selected)
    return plan


def lock_md5(lock: Any, stage: str, out: str) -> str | None:
    """The md5 that a parsed ``dvc.lock`` records for output ``out`` of ``stage``."""
    stages = lock.get("stages") if isinstance(lock, dict) else None
    entry = stages.get(stage) if isinstance(stages, dict) else None
    outs = entry.get("outs") if isinstance(entry, dict) else None
    for item in outs if isinstance(outs, list) else ():
        if isinstance(item, dict) and item.get("path") == out:
            md5 = item.get("md5")
            return md5 if isinstance(md5, str) and len(md5) == 32 else None
    return None


def _deps(specs: Iterable[tuple[str, Spec]]) -> dict[str, StageMetric]:
    """Every stage dependency of the revision, the first stage naming it telling its lock."""
    deps: dict[str, StageMetric] = {}
    for _, spec in specs:
        for dep, where in spec.stage_deps:
            deps.setdefault(dep, where)
    return deps


def lock_dep(lock: Any, stage: str, dep: str) -> dict[str, Any]:
    """``{"hash", "size", "nfiles"}`` that a parsed ``dvc.lock`` records for a stage's ``dep``.

    As ``dvc exp show --json`` gives them; every value None when the lock does not know it.
    """
    stages = lock.get("stages") if isinstance(lock, dict) else None
    entry = stages.get(stage) if isinstance(stages, dict) else None
    deps = entry.get("deps") if isinstance(entry, dict) else None
    for item in deps if isinstance(deps, list) else ():
        if isinstance(item, dict) and item.get("path") == dep:
            md5 = item.get("md5")
            return {
                "hash": md5 if isinstance(md5, str) else None,
                "size": item.get("size") if isinstance(item.get("size"), int) else None,
                "nfiles": item.get("nfiles") if isinstance(item.get("nfiles"), int) else None,
            }
    return {"hash": None, "size": None, "nfiles": None}


def dvc_cache_object(root: Path, md5: str) -> Path | None:
    """The file of the local DVC cache (DVC 3's layout, then DVC 2's) holding ``md5``."""
    cache_root = cache_dir(root / ".dvc")
    for cache in (cache_root / "files" / "md5", cache_root):
        candidate = cache / md5[:2] / md5[2:]
        if candidate.is_file():
            return candidate
    return None
