"""Reading the metrics and params of commits and of the workspace, the way ``dvc exp show`` does.

What DVC reads for a revision:

- every ``dvc.yaml`` in the tree (not under ``.git``, ``.hg`` or ``.dvc``): its top-level
  ``metrics:`` and ``params:`` lists, and its stages' ``metrics:`` outputs and ``params:``
  dependencies, paths relative to the ``dvc.yaml``'s folder (and the stage's ``wdir``);
- ``params.yaml`` at the root when it exists (DVC's default params file);
- a listed directory stands for every file under it.

Files are parsed by extension as DVC does: ``.json`` as JSON, ``.toml`` as TOML, anything else
(``.yaml``, ``.yml``, even ``.tsv``) as YAML 1.2. Metrics keep only numbers, strings and nested
mappings of them; params keep everything (dates become ISO strings). A stage param naming keys
(``params: [lr, model.depth]``) keeps only those keys, unless another entry asks for the whole
file. A stage metric cached by DVC (not in Git) is read from the local DVC cache through the
md5 in ``dvc.lock``. Not supported: ``${...}`` interpolation and ``foreach``/``matrix`` stages,
``.dvcignore`` and Python params files.

Commits are read through one ``git cat-file --batch`` process: commit objects, then the trees
level by level, then the blobs, each step one pipelined batch. Trees are memoised by sha (the
experiments of a baseline share nearly all of them), parsed files by blob sha. What a commit
holds never changes, so its result is kept in ``<git_dir>/live_nb/cache/`` and later reads
touch no Git object at all.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fnmatch
import importlib
import json
import os
import posixpath
import re
import tempfile
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from live_nb.formats.yaml import load_yaml
from live_nb.git import Repository

__all__ = [
    "CACHE_FORMAT",
    "CommitCache",
    "ExperimentReader",
    "ReadStats",
    "RevisionData",
    "flatten",
]

# Bump CACHE_FORMAT when the file layout changes, READER_VERSION when the reading rules change:
# either makes old cache files be ignored and rewritten.
CACHE_FORMAT = 1
READER_VERSION = 1
DEFAULT_PARAMS_FILE = "params.yaml"
PROJECT_FILE = "dvc.yaml"
LOCK_FILE = "dvc.lock"
WORKSPACE = "workspace"

_SKIPPED_DIRS = frozenset({".git", ".hg", ".dvc"})  # DVC's default ignores
_TREE_ENTRY = re.compile(rb"([0-7]+) ([^\x00]*)\x00(.{20})", re.S)
_TREE_MODE = b"40000"
_GITLINK_MODE = b"160000"
_GLOB_CHARS = re.compile(r"[*?\[]")


@dataclass(frozen=True)
class RevisionData:
    """Metrics and params of one revision (a commit, or the workspace), as DVC reads them.

    ``metrics`` and ``params`` map a repository-relative file path to its parsed content;
    ``errors`` maps a path that was listed but could not be read to the reason. Treat the
    nested values as read-only: they may be shared between revisions.
    """

    rev: str
    metrics: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    created: int | None = None  # committer time, Unix seconds
    message: str | None = None  # first line
    parent: str | None = None  # first parent (for the workspace: HEAD)


@dataclass
class ReadStats:
    """What one reader did: commits answered by the cache, and Git objects it asked for."""

    cache_hits: int = 0
    commits_read: int = 0
    objects_read: int = 0
    blobs_read: int = 0


class _ReadError(Exception):
    """A listed file that cannot be read; ``transient`` when it may be readable later."""

    def __init__(self, message: str, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


@dataclass(frozen=True)
class _StageMetric:
    """Where to find a DVC-cached stage metric: ``dvc.lock`` beside ``dvc.yaml``, stage, out."""

    folder: str
    stage: str
    out: str


@dataclass(frozen=True)
class _Spec:
    """The parts of one ``dvc.yaml`` that name metrics and params files (repository paths)."""

    stage_metrics: tuple[tuple[str, _StageMetric | None], ...] = ()
    stage_params: tuple[tuple[str, tuple[str, ...]], ...] = ()
    metrics: tuple[str, ...] = ()
    params: tuple[str, ...] = ()
    error: str | None = None


@dataclass
class _Plan:
    """Every file one revision lists: metrics (with cache fallbacks) and params (with keys)."""

    metrics: dict[str, _StageMetric | None] = field(default_factory=dict)
    params: dict[str, list[str]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


@dataclass
class _Commit:
    tree: str
    parent: str | None
    created: int | None
    message: str


# ---------------------------------------------------------------------------------------------
# Parsing files


def _parse_file(path: str, content: bytes) -> Any:
    """The content of a metrics or params file, parsed by extension as DVC's ``load_path``."""
    suffix = posixpath.splitext(path)[1].lower()
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _ReadError(f"{path} is not UTF-8 text: {error}") from error
    if suffix == ".py":
        raise _ReadError(f"{path}: Python params files are not supported")
    try:
        if suffix == ".json":
            return json.loads(text) or {}
        if suffix == ".toml":
            try:
                tomllib: Any = importlib.import_module("tomllib")
            except ImportError as error:  # pragma: no cover - Python 3.10
                raise _ReadError(f"{path}: reading TOML needs Python 3.11 or later") from error
            return tomllib.loads(text) or {}
        return load_yaml(text) or {}
    except _ReadError:
        raise
    except Exception as error:  # JSON, YAML and TOML errors have no common base class
        detail = " ".join(str(error).split())
        raise _ReadError(f"{path} is not valid {suffix.lstrip('.') or 'YAML'}: {detail}") from error


def _extract_metrics(value: Any) -> Any:
    """Numbers, strings and non-empty mappings of them, as DVC keeps metrics; else None."""
    if isinstance(value, (int, float, str)):
        return value
    if not isinstance(value, dict):
        return None
    kept = {}
    for key, item in value.items():
        extracted = _extract_metrics(item)
        if extracted not in (None, {}):
            kept[str(key)] = extracted
    return kept


def _jsonable(value: Any) -> Any:
    """``value`` with only JSON types (str keys; dates as ISO text), as the cache stores it."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return sorted((_jsonable(item) for item in value), key=repr)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _select_keys(config: Any, keys: Iterable[str]) -> dict[str, Any]:
    """The parts of ``config`` that dotted key paths (glob segments allowed) name, nested."""
    selected: dict[str, Any] = {}
    for key in keys:
        _merge(selected, _search(config, key.split(".")))
    return selected


def _search(node: Any, parts: list[str]) -> Any:
    if not parts:
        return node
    head, rest = parts[0], parts[1:]
    if isinstance(node, dict):
        names = [name for name in node if _segment_matches(str(name), head)]
        found = {}
        for name in names:
            below = _search(node[name], rest)
            if below is not _MISSING:
                found[str(name)] = below
        return found or _MISSING
    if isinstance(node, list) and head.isdigit() and int(head) < len(node):
        below = _search(node[int(head)], rest)
        return _MISSING if below is _MISSING else {head: below}
    return _MISSING


def _segment_matches(name: str, pattern: str) -> bool:
    if _GLOB_CHARS.search(pattern):
        return fnmatch.fnmatchcase(name, pattern)
    return name == pattern


def _merge(target: dict[str, Any], found: Any) -> None:
    if not isinstance(found, dict):
        return
    for key, value in found.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = value


_MISSING: Any = object()


def flatten(data: Any) -> dict[str, Any]:
    """Nested mappings as ``{"a.b": value}``, as DVC names nested metrics and params.

    Empty mappings vanish and lists stay values, as with DVC's ``flatten_dict`` reducer.
    """
    flat: dict[str, Any] = {}
    if isinstance(data, dict):
        _flatten_into(flat, "", data)
    return flat


def _flatten_into(flat: dict[str, Any], prefix: str, data: dict[Any, Any]) -> None:
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            _flatten_into(flat, name + ".", value)
        else:
            flat[name] = value


# ---------------------------------------------------------------------------------------------
# dvc.yaml


def _parse_spec(path: str, content: bytes) -> _Spec:
    """What one ``dvc.yaml`` (at repository path ``path``) lists; errors kept, not raised."""
    folder = posixpath.dirname(path)
    try:
        data = _parse_file(path, content)
    except _ReadError as error:
        return _Spec(error=str(error))
    if not isinstance(data, dict):
        return _Spec(error=f"{path} is not a mapping")
    stage_metrics: list[tuple[str, _StageMetric | None]] = []
    stage_params: list[tuple[str, tuple[str, ...]]] = []
    stages = data.get("stages")
    if isinstance(stages, dict):
        for name, stage in stages.items():
            if not isinstance(stage, dict) or "foreach" in stage or "matrix" in stage:
                continue
            wdir = stage.get("wdir", ".")
            if not isinstance(wdir, str) or "${" in wdir:
                continue
            base = _join(folder, wdir)
            if base is None:
                continue
            stage_metrics.extend(_stage_metrics(stage.get("metrics"), folder, str(name), base))
            stage_params.extend(_stage_params(stage.get("params"), base))
    return _Spec(
        stage_metrics=tuple(stage_metrics),
        stage_params=tuple(stage_params),
        metrics=tuple(_top_level_paths(data.get("metrics"), folder)),
        params=tuple(_top_level_paths(data.get("params"), folder)),
    )


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


def _stage_metrics(
    entries: Any, folder: str, stage: str, base: str
) -> list[tuple[str, _StageMetric | None]]:
    found: list[tuple[str, _StageMetric | None]] = []
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
            found.append((joined, _StageMetric(folder, stage, out) if cached else None))
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


def _plan(specs: Iterable[tuple[str, _Spec]], default_params: bool) -> _Plan:
    """Merge the ``dvc.yaml`` files of one revision in DVC's order: stages, then top level."""
    plan = _Plan()
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
    whole = {param for param, keys in entries if not keys}
    for param, keys in entries:
        selected = plan.params.setdefault(param, [])
        if param not in whole:
            selected.extend(key for key in keys if key not in selected)
    return plan


# ---------------------------------------------------------------------------------------------
# Commits and trees


def _parse_commit(content: bytes) -> _Commit:
    header, _, message = content.partition(b"\n\n")
    tree = ""
    parent: str | None = None
    created: int | None = None
    for line in header.split(b"\n"):
        if line.startswith(b"tree "):
            tree = line[5:].decode("ascii")
        elif line.startswith(b"parent ") and parent is None:
            parent = line[7:].decode("ascii")
        elif line.startswith(b"committer "):
            parts = line.rsplit(b" ", 2)
            with contextlib.suppress(ValueError, IndexError):
                created = int(parts[1])
    first_line = message.split(b"\n", 1)[0].decode("utf-8", "replace").strip()
    return _Commit(tree, parent, created, first_line)


def _parse_tree(content: bytes) -> dict[str, tuple[bool, str]]:
    """``name -> (is_tree, sha)`` of a tree object's blobs and subtrees (no submodules)."""
    entries = {}
    for mode, name, sha in _TREE_ENTRY.findall(content):
        if mode == _GITLINK_MODE:
            continue
        entries[name.decode("utf-8", "surrogateescape")] = (mode == _TREE_MODE, sha.hex())
    return entries


def _dvc_cache_object(root: Path, md5: str) -> Path | None:
    for cache in (root / ".dvc" / "cache" / "files" / "md5", root / ".dvc" / "cache"):
        candidate = cache / md5[:2] / md5[2:]
        if candidate.is_file():
            return candidate
    return None


def _lock_md5(lock: Any, stage: str, out: str) -> str | None:
    """The md5 that ``dvc.lock`` records for output ``out`` of ``stage``."""
    stages = lock.get("stages") if isinstance(lock, dict) else None
    entry = stages.get(stage) if isinstance(stages, dict) else None
    outs = entry.get("outs") if isinstance(entry, dict) else None
    for item in outs if isinstance(outs, list) else ():
        if isinstance(item, dict) and item.get("path") == out:
            md5 = item.get("md5")
            return md5 if isinstance(md5, str) and len(md5) == 32 else None
    return None


class ExperimentReader:
    """Reads :class:`RevisionData` of commits (cached on disk) and of the workspace.

    One reader shares its memo of trees and parsed files across calls; make one per task.
    """

    def __init__(self, repo: Repository, use_cache: bool = True) -> None:
        self.repo = repo
        self.stats = ReadStats()
        self._use_cache = use_cache
        self._cache = CommitCache(repo.git_dir)
        self._cached: dict[str, Any] | None = None
        self._trees: dict[str, dict[str, tuple[bool, str]]] = {}
        self._dvcfiles: dict[str, tuple[tuple[str, str], ...]] = {}
        self._specs: dict[tuple[str, str], _Spec] = {}
        self._values: dict[tuple[str, str], Any] = {}  # (blob sha, path) -> parsed or error
        self._locks: dict[str, Any] = {}  # dvc.lock blob sha -> parsed or error

    # -- public ---------------------------------------------------------------------------

    def read_commits(
        self, shas: Iterable[str], keep: Collection[str] | None = None
    ) -> dict[str, RevisionData]:
        """Data of each commit (full shas), from the cache or from Git.

        Newly read commits are added to the cache. ``keep``, when given, lists the commits
        whose cache entries are still wanted; the others are dropped when the cache is written.
        """
        wanted = list(dict.fromkeys(shas))
        found: dict[str, RevisionData] = {}
        missing = []
        if self._use_cache and self._cached is None:
            self._cached = self._cache.load()
        for sha in wanted:
            entry = self._cached.get(sha) if self._cached is not None else None
            data = _from_entry(sha, entry) if entry is not None else None
            if data is None:
                missing.append(sha)
            else:
                found[sha] = data
                self.stats.cache_hits += 1
        if missing:
            fresh, cacheable = self._read_fresh(missing)
            found.update(fresh)
            if self._use_cache:
                entries = {sha: _to_entry(fresh[sha]) for sha in cacheable}
                if entries:
                    self._cache.store(entries, keep)
                if self._cached is not None:
                    self._cached.update(entries)
        return {sha: found[sha] for sha in wanted}

    def read_workspace(self, parent: str | None = None) -> RevisionData:
        """The workspace's data, read from the files on disk (never cached).

        ``parent`` is recorded as the workspace's parent: pass HEAD's sha when it is known.
        """
        root = self.repo.root
        listed = self.repo.run(
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
            "--",
            f":(glob)**/{PROJECT_FILE}",
            strip=False,
        )
        specs = []
        for path in dict.fromkeys(filter(None, listed.split("\0"))):
            if _SKIPPED_DIRS.intersection(path.split("/")[:-1]):
                continue
            try:
                content = (root / path).read_bytes()
            except OSError:
                continue  # tracked but deleted
            specs.append((path, _parse_spec(path, content)))
        plan = _plan(specs, (root / DEFAULT_PARAMS_FILE).is_file())
        data = RevisionData(WORKSPACE, errors=dict(plan.errors), parent=parent)
        for kind, files in (("metrics", plan.metrics), ("params", plan.params)):
            for path in files:
                target = root / path
                if target.is_dir():
                    expanded = sorted(
                        Path(folder, name).relative_to(root).as_posix()
                        for folder, _, names in os.walk(target)
                        for name in names
                    )
                else:
                    expanded = [path]
                for file in expanded:
                    try:
                        content = (root / file).read_bytes()
                    except OSError as error:
                        data.errors[file] = f"{file}: {error.strerror or error}"
                        continue
                    _store_value(data, kind, file, content, plan.params.get(path, []))
        return data

    # -- commits --------------------------------------------------------------------------

    def _read(self, names: list[str]) -> dict[str, tuple[str, bytes] | None]:
        self.stats.objects_read += len(names)
        return self.repo.objects().read_many(names)

    def _read_fresh(self, shas: list[str]) -> tuple[dict[str, RevisionData], list[str]]:
        self.stats.commits_read += len(shas)
        commits: dict[str, _Commit] = {}
        results: dict[str, RevisionData] = {}
        for sha, obj in self._read(shas).items():
            if obj is None or obj[0] != "commit":
                results[sha] = RevisionData(sha, errors={"": f"commit {sha} is not in Git"})
            else:
                commits[sha] = _parse_commit(obj[1])
        self._load_trees(commit.tree for commit in commits.values())

        specs = self._load_specs(commits.values())
        plans = {}
        for sha, commit in commits.items():
            files = [(path, specs[(blob, path)]) for path, blob in self._find(commit.tree)]
            root_params = self._trees.get(commit.tree, {}).get(DEFAULT_PARAMS_FILE)
            plans[sha] = _plan(files, root_params is not None and not root_params[0])

        # Resolve every listed path to blobs (a directory to all blobs under it).
        located: dict[str, list[tuple[str, str, str, str]]] = {}
        lock_needed: dict[str, list[tuple[str, str, _StageMetric]]] = {}
        wanted_blobs: dict[str, None] = {}
        for sha, plan in plans.items():
            tree = commits[sha].tree
            found = located.setdefault(sha, [])
            for kind, paths in (("metrics", plan.metrics), ("params", plan.params)):
                for path in paths:
                    blobs = self._blobs_at(tree, path)
                    if blobs is None:
                        stage = plan.metrics.get(path) if kind == "metrics" else None
                        if stage is not None:
                            lock_needed.setdefault(sha, []).append((kind, path, stage))
                        else:
                            plan.errors.setdefault(path, f"{path} does not exist")
                        continue
                    for file, blob in blobs:
                        found.append((kind, file, blob, path))
                        if (blob, file) not in self._values:
                            wanted_blobs[blob] = None
        if wanted_blobs:
            self.stats.blobs_read += len(wanted_blobs)
            contents = self._read(list(wanted_blobs))
        else:
            contents = {}

        cacheable = []
        for sha, commit in commits.items():
            plan = plans[sha]
            data = RevisionData(
                sha,
                errors=dict(plan.errors),
                created=commit.created,
                message=commit.message,
                parent=commit.parent,
            )
            transient = False
            for kind, file, blob, listed in located[sha]:
                key = (blob, file)
                if key not in self._values:
                    obj = contents.get(blob)
                    self._values[key] = _parse_or_error(file, obj[1] if obj else None)
                keys = plan.params.get(listed, []) if kind == "params" else []
                _store_parsed(data, kind, file, self._values[key], keys)
            for kind, path, stage in lock_needed.get(sha, []):
                try:
                    content = self._from_dvc_cache(commit.tree, path, stage)
                except _ReadError as error:
                    data.errors[path] = str(error)
                    transient = transient or error.transient
                    continue
                _store_value(data, kind, path, content, [])
            results[sha] = data
            if not transient:
                cacheable.append(sha)
        return {sha: results[sha] for sha in shas}, cacheable

    def _load_trees(self, roots: Iterable[str]) -> None:
        """Read every tree under ``roots`` not read yet, one batch per directory level."""
        pending = [sha for sha in dict.fromkeys(roots) if sha not in self._trees]
        while pending:
            objects = self._read(pending)
            below: dict[str, None] = {}
            for sha in pending:
                obj = objects.get(sha)
                entries = _parse_tree(obj[1]) if obj and obj[0] == "tree" else {}
                self._trees[sha] = entries
                for name, (is_tree, sub) in entries.items():
                    if is_tree and name not in _SKIPPED_DIRS and sub not in self._trees:
                        below[sub] = None
            pending = list(below)

    def _find(self, tree: str) -> tuple[tuple[str, str], ...]:
        """``(path, blob)`` of every ``dvc.yaml`` under ``tree``, memoised by tree sha."""
        known = self._dvcfiles.get(tree)
        if known is not None:
            return known
        found: list[tuple[str, str]] = []
        entries = self._trees.get(tree, {})
        own = entries.get(PROJECT_FILE)
        if own is not None and not own[0]:
            found.append((PROJECT_FILE, own[1]))
        for name, (is_tree, sub) in entries.items():
            if is_tree and name not in _SKIPPED_DIRS:
                found.extend((f"{name}/{path}", blob) for path, blob in self._find(sub))
        result = tuple(found)
        self._dvcfiles[tree] = result
        return result

    def _load_specs(self, commits: Iterable[_Commit]) -> dict[tuple[str, str], _Spec]:
        needed = {
            (blob, path): None
            for commit in commits
            for path, blob in self._find(commit.tree)
            if (blob, path) not in self._specs
        }
        if needed:
            contents = self._read(list(dict.fromkeys(blob for blob, _ in needed)))
            for blob, path in needed:
                obj = contents.get(blob)
                if obj is None:
                    self._specs[(blob, path)] = _Spec(error=f"{path} is missing from Git")
                else:
                    self._specs[(blob, path)] = _parse_spec(path, obj[1])
        return self._specs

    def _entry(self, tree: str, path: str) -> tuple[bool, str] | None:
        """The tree entry at ``path`` (repository-relative) under ``tree``."""
        entry: tuple[bool, str] | None = (True, tree)
        for part in path.split("/"):
            if entry is None or not entry[0]:
                return None
            if entry[1] not in self._trees:
                self._load_trees([entry[1]])  # a skipped folder such as .dvc/, read on demand
            entry = self._trees[entry[1]].get(part)
        return entry

    def _blobs_at(self, tree: str, path: str) -> list[tuple[str, str]] | None:
        entry = self._entry(tree, path)
        if entry is None:
            return None
        if not entry[0]:
            return [(path, entry[1])]
        return sorted(self._blobs_under(entry[1], path))

    def _blobs_under(self, tree: str, prefix: str) -> Iterable[tuple[str, str]]:
        if tree not in self._trees:
            self._load_trees([tree])
        for name, (is_tree, sha) in self._trees[tree].items():
            if is_tree:
                yield from self._blobs_under(sha, f"{prefix}/{name}")
            else:
                yield f"{prefix}/{name}", sha

    def _from_dvc_cache(self, tree: str, path: str, stage: _StageMetric) -> bytes:
        lock_path = posixpath.join(stage.folder, LOCK_FILE)
        lock_entry = self._entry(tree, lock_path)
        if lock_entry is None or lock_entry[0]:
            raise _ReadError(f"{path} is not in Git and {lock_path} does not exist")
        lock = self._locks.get(lock_entry[1], _MISSING)
        if lock is _MISSING:
            obj = self._read([lock_entry[1]]).get(lock_entry[1])
            try:
                lock = load_yaml(obj[1].decode("utf-8")) if obj else None
            except Exception as error:
                lock = _ReadError(f"{lock_path} is not valid YAML: {error}")
            self._locks[lock_entry[1]] = lock
        if isinstance(lock, _ReadError):
            raise lock
        md5 = _lock_md5(lock, stage.stage, stage.out)
        if md5 is None:
            raise _ReadError(f"{path} is not in Git and {lock_path} records no md5 for it")
        cached = _dvc_cache_object(self.repo.root, md5)
        if cached is None:
            raise _ReadError(
                f"{path} is in DVC's remote storage, not in the local DVC cache: run `dvc pull`",
                transient=True,
            )
        return cached.read_bytes()


def _parse_or_error(path: str, content: bytes | None) -> Any:
    if content is None:
        return _ReadError(f"{path} is missing from Git")
    try:
        return _parse_file(path, content)
    except _ReadError as error:
        return error


def _store_value(data: RevisionData, kind: str, path: str, content: bytes, keys: list[str]) -> None:
    _store_parsed(data, kind, path, _parse_or_error(path, content), keys)


def _store_parsed(data: RevisionData, kind: str, path: str, parsed: Any, keys: list[str]) -> None:
    if isinstance(parsed, _ReadError):
        data.errors[path] = str(parsed)
    elif kind == "metrics":
        data.metrics[path] = _jsonable(_extract_metrics(parsed) or {})
    else:
        # _jsonable copies: the parsed value is memoised and shared between commits
        data.params[path] = _select_keys(_jsonable(parsed), keys) if keys else _jsonable(parsed)


# ---------------------------------------------------------------------------------------------
# The on-disk cache


_ENTRY_FIELDS = {"metrics", "params", "errors", "created", "message", "parent"}


def _to_entry(data: RevisionData) -> dict[str, Any]:
    return {
        "metrics": data.metrics,
        "params": data.params,
        "errors": data.errors,
        "created": data.created,
        "message": data.message,
        "parent": data.parent,
    }


def _from_entry(sha: str, entry: Any) -> RevisionData | None:
    """The cached data of ``sha``; None when the entry is malformed."""
    if not isinstance(entry, dict) or set(entry) != _ENTRY_FIELDS:
        return None
    metrics, params, errors = entry["metrics"], entry["params"], entry["errors"]
    created, message, parent = entry["created"], entry["message"], entry["parent"]
    if not (isinstance(metrics, dict) and isinstance(params, dict) and isinstance(errors, dict)):
        return None
    if not (created is None or (isinstance(created, int) and not isinstance(created, bool))):
        return None
    if not (message is None or isinstance(message, str)):
        return None
    if not (parent is None or isinstance(parent, str)):
        return None
    return RevisionData(sha, metrics, params, errors, created, message, parent)


class CommitCache:
    """Per-commit metrics, params and metadata in ``<git_dir>/live_nb/cache/commits-v1.json``.

    A JSON object ``{"format": 1, "reader": READER_VERSION, "commits": {sha: entry}}``.
    Writes go to a temporary file renamed over the old one, so readers see the old or the new
    file, never half of one; a file that does not parse, or has another format or reader
    version, is ignored and replaced at the next write. Failing to write only costs speed.
    """

    def __init__(self, git_dir: Path) -> None:
        self.path = Path(git_dir) / "live_nb" / "cache" / f"commits-v{CACHE_FORMAT}.json"

    def load(self) -> dict[str, Any]:
        try:
            raw = json.loads(self.path.read_bytes())
        except (OSError, ValueError):
            return {}
        if (
            not isinstance(raw, dict)
            or raw.get("format") != CACHE_FORMAT
            or raw.get("reader") != READER_VERSION
            or not isinstance(raw.get("commits"), dict)
        ):
            return {}
        commits: dict[str, Any] = raw["commits"]
        return commits

    def store(self, entries: Mapping[str, Any], keep: Collection[str] | None = None) -> None:
        """Add ``entries`` (merged with what is on disk now); with ``keep``, drop the rest."""
        commits = {**self.load(), **entries}
        if keep is not None:
            wanted = set(keep).union(entries)
            commits = {sha: entry for sha, entry in commits.items() if sha in wanted}
        payload = {"format": CACHE_FORMAT, "reader": READER_VERSION, "commits": commits}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(
                dir=self.path.parent, prefix=".commits-", suffix=".tmp"
            )
            try:
                with os.fdopen(handle, "wb") as stream:
                    # dumps, not dump: only the one-shot encoder is the C one
                    stream.write(json.dumps(payload, separators=(",", ":")).encode("utf-8"))
                os.replace(temporary, self.path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise
        except OSError:
            pass  # a read-only repository: run without the cache

    def clear(self) -> None:
        with contextlib.suppress(OSError):
            self.path.unlink()
