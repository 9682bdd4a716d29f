"""Reading the metrics and params of commits and of the workspace, the way ``dvc exp show`` does.

What a revision lists is read from its ``dvc.yaml`` files (:mod:`.spec`), and each listed
file is parsed as DVC parses it (:mod:`.values`); a listed directory stands for every file
under it.

Commits are read through one ``git cat-file --batch`` process: commit objects, then the trees
level by level (:mod:`.trees`), then the blobs, each step one pipelined batch. Trees are
memoised by sha (the experiments of a baseline share nearly all of them), parsed files by blob
sha. What a commit holds never changes, so its result is kept in the on-disk cache
(:mod:`.cache`) and later reads touch no Git object at all.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path

from live_nb.experiments.cache import CommitCache
from live_nb.experiments.read_errors import corrupted, not_found
from live_nb.experiments.spec import (
    DEFAULT_PARAMS_FILE,
    LOCK_FILE,
    PROJECT_FILE,
    SKIPPED_DIRS,
    Plan,
    Spec,
    StageMetric,
    dvc_cache_object,
    lock_dep,
    lock_md5,
    parse_spec,
    plan_revision,
    spec_of,
)
from live_nb.experiments.trees import Trees
from live_nb.experiments.values import (
    ReadError,
    extract_metrics,
    jsonable,
    parse_file,
    select_keys,
)
from live_nb.experiments.workspace_memo import MISSING, ParseMemo
from live_nb.git import TREE_MODE, Commit, Repository, parse_commit
from live_nb.records import field, record

TYPE_CHECKING = False  # not typing's: importing typing costs `live-nb exp show` 4 ms
if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "WORKSPACE",
    "ExperimentReader",
    "ReadStats",
    "RevisionData",
]

WORKSPACE = "workspace"
_MISSING: Any = object()
# Commits read from Git at once: each batch's trees and files are dropped before the next.
_BATCH = 5_000


@record(frozen=True)
class RevisionData:
    """Metrics and params of one revision (a commit, or the workspace), as DVC reads them.

    ``metrics`` and ``params`` map a repository-relative file path to its parsed content
    (None: listed but unreadable); ``errors`` maps such a path, or a ``dvc.yaml`` that could
    not be loaded, to the reason (:mod:`.read_errors`'s form). Treat the nested values as
    read-only: they may be shared between revisions.
    """

    rev: str
    metrics: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    created: int | None = None  # committer time, Unix seconds
    message: str | None = None  # first line
    parent: str | None = None  # first parent (for the workspace: HEAD)
    # stage dependency -> {"hash", "size", "nfiles"} from dvc.lock, as ``dvc exp show`` has them
    deps: dict[str, dict[str, Any]] = field(default_factory=dict)


@record
class ReadStats:
    """What one reader did: commits answered by the cache, and Git objects it asked for."""

    cache_hits: int = 0
    commits_read: int = 0
    objects_read: int = 0
    blobs_read: int = 0
    transient: int = 0  # commits read that may read otherwise later (so are not cached)


@record(frozen=True)
class _Located:
    """A file a revision lists, found in its tree: ``kind``, path, blob, and the listed path."""

    kind: str
    file: str
    blob: str
    listed: str


@record
class _Found:
    """Where the files of one commit are: in Git, or (stage metrics) in the DVC cache."""

    in_git: list[_Located] = field(default_factory=list)
    in_dvc_cache: list[tuple[str, StageMetric]] = field(default_factory=list)


class ExperimentReader:
    """Reads :class:`RevisionData` of commits (cached on disk) and of the workspace.

    One reader shares its memo of trees and parsed files across calls; make one per task.
    """

    def __init__(self, repo: Repository, use_cache: bool = True) -> None:
        """Read ``repo``; ``use_cache=False`` ignores the on-disk cache (and does not write it)."""
        self.repo = repo
        self.stats = ReadStats()
        self._use_cache = use_cache
        self._cache = CommitCache(repo.git_dir)
        self._cached: dict[str, Any] | None = None
        self._trees = Trees(self._read, skipped=SKIPPED_DIRS)
        self._dvcfiles: dict[str, tuple[tuple[str, str], ...]] = {}
        self._specs: dict[tuple[str, str], Spec] = {}
        self._values: dict[tuple[str, str], Any] = {}  # (blob sha, path) -> parsed or error
        self._locks: dict[str, Any] = {}  # dvc.lock blob sha -> parsed or error
        self._memo = ParseMemo(repo.git_dir)

    # -- public ---------------------------------------------------------------------------

    def read_commits(
        self, shas: Iterable[str], keep: Collection[str] | None = None
    ) -> dict[str, RevisionData]:
        """Data of each commit (full shas), from the cache or from Git.

        Newly read commits are added to the cache. ``keep``, when given, lists the commits
        whose cache entries are still wanted; the others are dropped when the cache is written.
        """
        wanted = list(dict.fromkeys(shas))
        found = self._from_cache(wanted)
        missing = [sha for sha in wanted if sha not in found]
        entries: dict[str, Any] = {}
        for start in range(0, len(missing), _BATCH):
            fresh, cacheable = self._read_fresh(missing[start : start + _BATCH])
            self.stats.transient += len(fresh) - len(cacheable)
            found.update(fresh)
            entries.update((sha, _to_entry(fresh[sha])) for sha in cacheable)
            self._forget_objects()
        if missing and self._use_cache:
            self._remember(entries, keep)
        return {sha: found[sha] for sha in wanted}

    def _forget_objects(self) -> None:
        """Drop the trees and parsed files of the last batch: memory stays one batch's worth.

        What batches share (a baseline's unchanged folders, its ``dvc.yaml``) is read again
        once per batch, a few objects; parsed ``dvc.yaml`` specs and locks are kept.
        """
        self._trees = Trees(self._read, skipped=SKIPPED_DIRS)
        self._dvcfiles.clear()
        self._values.clear()

    def read_workspace(self, parent: str | None = None) -> RevisionData:
        """The workspace's data, read from the files on disk (never cached).

        ``parent`` is recorded as the workspace's parent: pass HEAD's sha when it is known.
        """
        root = self.repo.root
        plan = plan_revision(self._workspace_specs(), (root / DEFAULT_PARAMS_FILE).is_file())
        data = RevisionData(WORKSPACE, errors=dict(plan.errors), parent=parent)
        for kind, files in (("metrics", plan.metrics), ("params", plan.params)):
            for path in files:
                for file in _workspace_files(root, path):
                    keys = plan.params.get(path, [])
                    value, signature = self._memo.get(kind, root / file)
                    if value is not MISSING:
                        _store_memoised(data, kind, file, value, keys)
                        continue
                    content: bytes | None
                    try:
                        content = (root / file).read_bytes()
                    except OSError as error:
                        stage = plan.metrics.get(path) if kind == "metrics" else None
                        content, signature = self._workspace_cached(stage), None
                        if content is None:
                            _unreadable(data, kind, file, not_found(file, error.errno or 2))
                            continue
                    self._store_workspace(kind, file, content, keys, signature, data)
        for dep, where in plan.deps.items():
            data.deps[dep] = lock_dep(self._workspace_lock(where.folder), where.stage, where.out)
        self._memo.save()
        return data

    def _store_workspace(
        self, kind: str, file: str, content: bytes, keys: list[str], signature: Any, data: Any
    ) -> None:
        """Parse a workspace file into ``data``; memoise it (params before keys are selected)."""
        parsed = _parse_or_error(file, content)
        if isinstance(parsed, ReadError):
            _unreadable(data, kind, file, corrupted(file))
            return
        value = jsonable(extract_metrics(parsed) or {}) if kind == "metrics" else jsonable(parsed)
        self._memo.put(kind, self.repo.root / file, signature, value)
        _store_memoised(data, kind, file, value, keys)

    def _workspace_lock(self, folder: str) -> Any:
        """The workspace's parsed ``dvc.lock`` in ``folder``; None when absent or broken."""
        path = self.repo.root / folder / LOCK_FILE
        key = f"workspace:{path}"
        if key not in self._locks:
            value, signature = self._memo.get("lock", path)
            if value is MISSING:
                from live_nb.formats.yaml import load_yaml

                try:
                    value = jsonable(load_yaml(path.read_text("utf-8")))
                    self._memo.put("lock", path, signature, value)
                except Exception:
                    value = None
            self._locks[key] = value
        return self._locks[key]

    def _workspace_cached(self, stage: StageMetric | None) -> bytes | None:
        """A stage metric missing from the workspace, from the DVC cache through dvc.lock."""
        if stage is None:
            return None
        md5 = lock_md5(self._workspace_lock(stage.folder), stage.stage, stage.out)
        cached = dvc_cache_object(self.repo.root, md5) if md5 else None
        try:
            return cached.read_bytes() if cached else None
        except OSError:
            return None

    # -- the cache ------------------------------------------------------------------------

    def _from_cache(self, wanted: Sequence[str]) -> dict[str, RevisionData]:
        if self._use_cache and self._cached is None:
            self._cached = self._cache.load()
        found = {}
        for sha in wanted:
            entry = self._cached.get(sha) if self._cached is not None else None
            data = _from_entry(sha, entry) if entry is not None else None
            if data is not None:
                found[sha] = data
                self.stats.cache_hits += 1
        return found

    def _remember(self, entries: dict[str, Any], keep: Collection[str] | None) -> None:
        if entries:
            self._cache.store(entries, keep)
        if self._cached is not None:
            self._cached.update(entries)

    # -- the workspace --------------------------------------------------------------------

    def _workspace_specs(self) -> list[tuple[str, Spec]]:
        """``(path, spec)`` of every ``dvc.yaml`` in the workspace that Git does not ignore."""
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
            if SKIPPED_DIRS.intersection(path.split("/")[:-1]):
                continue
            value, signature = self._memo.get("spec", root / path)
            if value is not MISSING:
                specs.append((path, spec_of(path, value)))
                continue
            try:
                content = (root / path).read_bytes()
            except OSError:
                continue  # tracked but deleted
            try:
                value = jsonable(parse_file(path, content))
            except ReadError:
                specs.append((path, parse_spec(path, content)))  # the error, as a spec
                continue
            self._memo.put("spec", root / path, signature, value)
            specs.append((path, spec_of(path, value)))
        return specs

    # -- commits --------------------------------------------------------------------------

    def _read(self, names: list[str]) -> dict[str, tuple[str, bytes] | None]:
        self.stats.objects_read += len(names)
        return self.repo.objects().read_many(names)

    def _read_fresh(self, shas: list[str]) -> tuple[dict[str, RevisionData], list[str]]:
        """Data of commits read from Git, and which of them may be cached."""
        self.stats.commits_read += len(shas)
        commits, results = self._commit_objects(shas)
        self._trees.load(commit.tree for commit in commits.values())
        dvcfiles = {sha: self._find(commit.tree) for sha, commit in commits.items()}
        self._load_specs(file for files in dvcfiles.values() for file in files)
        plans = {sha: self._plan(commits[sha].tree, files) for sha, files in dvcfiles.items()}
        found = {sha: self._locate(commits[sha].tree, plan) for sha, plan in plans.items()}
        contents = self._read_blobs(found.values())
        cacheable = []
        for sha, commit in commits.items():
            results[sha], transient = self._revision(sha, commit, plans[sha], found[sha], contents)
            if not transient:
                cacheable.append(sha)
        return {sha: results[sha] for sha in shas}, cacheable

    def _commit_objects(self, shas: list[str]) -> tuple[dict[str, Commit], dict[str, RevisionData]]:
        """The commits among ``shas``, and the data (an error) of those that are not here."""
        commits: dict[str, Commit] = {}
        absent: dict[str, RevisionData] = {}
        for sha, obj in self._read(shas).items():
            if obj is None or obj[0] != "commit":
                absent[sha] = RevisionData(sha, errors={"": f"commit {sha} is not in Git"})
            else:
                commits[sha] = parse_commit(obj[1])
        return commits, absent

    def _plan(self, tree: str, dvcfiles: Iterable[tuple[str, str]]) -> Plan:
        """What the ``dvc.yaml`` files (``(path, blob)``, parsed already) of ``tree`` list."""
        root_params = self._trees.get(tree).get(DEFAULT_PARAMS_FILE)
        specs = [(path, self._specs[(blob, path)]) for path, blob in dvcfiles]
        return plan_revision(specs, root_params is not None and root_params[0] != TREE_MODE)

    def _locate(self, tree: str, plan: Plan) -> _Found:
        """Every listed path resolved to blobs (a directory to all blobs under it)."""
        found = _Found()
        for kind, paths in (("metrics", plan.metrics), ("params", plan.params)):
            for path in paths:
                blobs = self._blobs_at(tree, path)
                stage = plan.metrics.get(path) if kind == "metrics" else None
                if blobs is not None:
                    found.in_git.extend(_Located(kind, file, blob, path) for file, blob in blobs)
                elif stage is not None:
                    found.in_dvc_cache.append((path, stage))
                else:  # no blob: read as a missing file, in its place among the others
                    found.in_git.append(_Located(kind, path, "", path))
        return found

    def _read_blobs(self, found: Iterable[_Found]) -> dict[str, tuple[str, bytes] | None]:
        """The contents of the listed blobs whose parsed value is not memoised yet."""
        wanted = {
            located.blob: None
            for files in found
            for located in files.in_git
            if located.blob and (located.blob, located.file) not in self._values
        }
        if not wanted:
            return {}
        self.stats.blobs_read += len(wanted)
        return self._read(list(wanted))

    def _revision(
        self,
        sha: str,
        commit: Commit,
        plan: Plan,
        found: _Found,
        contents: dict[str, tuple[str, bytes] | None],
    ) -> tuple[RevisionData, bool]:
        """The data of one commit, and whether it is transient (not to be cached)."""
        data = RevisionData(
            sha,
            errors=dict(plan.errors),
            created=commit.committed,
            message=commit.subject,
            parent=commit.parent,
        )
        for located in found.in_git:
            key = (located.blob, located.file)
            if key not in self._values:
                obj = contents.get(located.blob)
                self._values[key] = _parse_or_error(located.file, obj[1] if obj else None)
            keys = plan.params.get(located.listed, []) if located.kind == "params" else []
            _store_parsed(data, located.kind, located.file, self._values[key], keys)
        transient = False
        for path, stage in found.in_dvc_cache:
            try:
                content = self._from_dvc_cache(commit.tree, path, stage)
            except ReadError as error:
                _unreadable(data, "metrics", path, not_found(path))
                transient = transient or error.transient
                continue
            _store_value(data, "metrics", path, content, [])
        self._store_deps(commit.tree, plan, data)
        return data, transient

    def _store_deps(self, tree: str, plan: Plan, data: RevisionData) -> None:
        """Each stage dependency's hash, size and file count, as the commit's dvc.lock has them."""
        for dep, where in plan.deps.items():
            lock_path = posixpath.join(where.folder, LOCK_FILE)
            entry = self._trees.entry(tree, lock_path)
            lock = None
            if entry is not None and entry[0] != TREE_MODE:
                try:
                    lock = self._lock(entry[1], lock_path)
                except ReadError:
                    lock = None
            data.deps[dep] = lock_dep(lock, where.stage, where.out)

    def _find(self, tree: str) -> tuple[tuple[str, str], ...]:
        """``(path, blob)`` of every ``dvc.yaml`` under ``tree``, memoised by tree sha."""
        known = self._dvcfiles.get(tree)
        if known is not None:
            return known
        found: list[tuple[str, str]] = []
        entries = self._trees.get(tree)
        own = entries.get(PROJECT_FILE)
        if own is not None and own[0] != TREE_MODE:
            found.append((PROJECT_FILE, own[1]))
        for name, (mode, sub) in entries.items():
            if mode == TREE_MODE and name not in SKIPPED_DIRS:
                found.extend((f"{name}/{path}", blob) for path, blob in self._find(sub))
        result = tuple(found)
        self._dvcfiles[tree] = result
        return result

    def _load_specs(self, dvcfiles: Iterable[tuple[str, str]]) -> None:
        """Parse the ``dvc.yaml`` files (``(path, blob)``) not parsed yet, in one batch."""
        needed = list(
            dict.fromkeys(
                (blob, path) for path, blob in dvcfiles if (blob, path) not in self._specs
            )
        )
        if not needed:
            return
        contents = self._read(list(dict.fromkeys(blob for blob, _ in needed)))
        for blob, path in needed:
            obj = contents.get(blob)
            if obj is None:
                self._specs[(blob, path)] = Spec(error=f"{path} is missing from Git")
            else:
                self._specs[(blob, path)] = parse_spec(path, obj[1])

    def _blobs_at(self, tree: str, path: str) -> list[tuple[str, str]] | None:
        """``(path, blob)`` of the file at ``path``, or of every file under it; None if absent."""
        entry = self._trees.entry(tree, path)
        if entry is None:
            return None
        if entry[0] != TREE_MODE:
            return [(path, entry[1])]
        return sorted((file, blob) for file, _, blob in self._trees.files(entry[1], f"{path}/"))

    def _from_dvc_cache(self, tree: str, path: str, stage: StageMetric) -> bytes:
        """The content of a stage metric that DVC keeps in its cache, found through dvc.lock."""
        lock_path = posixpath.join(stage.folder, LOCK_FILE)
        lock_entry = self._trees.entry(tree, lock_path)
        if lock_entry is None or lock_entry[0] == TREE_MODE:
            raise ReadError(f"{path} is not in Git and {lock_path} does not exist")
        lock = self._lock(lock_entry[1], lock_path)
        md5 = lock_md5(lock, stage.stage, stage.out)
        if md5 is None:
            raise ReadError(f"{path} is not in Git and {lock_path} records no md5 for it")
        cached = dvc_cache_object(self.repo.root, md5)
        if cached is None:
            raise ReadError(
                f"{path} is in DVC's remote storage, not in the local DVC cache: run `dvc pull`",
                transient=True,
            )
        return cached.read_bytes()

    def _lock(self, blob: str, lock_path: str) -> Any:
        """The parsed ``dvc.lock`` in ``blob``, memoised; raises when it is not valid YAML."""
        lock = self._locks.get(blob, _MISSING)
        if lock is _MISSING:
            obj = self._read([blob]).get(blob)
            from live_nb.formats.yaml import load_yaml

            try:
                lock = load_yaml(obj[1].decode("utf-8")) if obj else None
            except Exception as error:
                lock = ReadError(f"{lock_path} is not valid YAML: {error}")
            self._locks[blob] = lock
        if isinstance(lock, ReadError):
            raise lock
        return lock


def _workspace_files(root: Path, path: str) -> list[str]:
    """``path``, or every file under it when it is a folder (repository paths)."""
    target = root / path
    if not target.is_dir():
        return [path]
    return sorted(
        Path(folder, name).relative_to(root).as_posix()
        for folder, _, names in os.walk(target)
        for name in names
    )


class _MissingError(ReadError):
    """A listed file a commit does not hold."""


def _unreadable(data: RevisionData, kind: str, path: str, reason: str) -> None:
    """``path`` kept in its place among ``kind``'s files as None, and why in ``errors``."""
    getattr(data, kind)[path] = None
    data.errors[path] = reason


def _parse_or_error(path: str, content: bytes | None) -> Any:
    if content is None:
        return _MissingError(f"{path} is missing from Git")
    try:
        return parse_file(path, content)
    except ReadError as error:
        return error


def _store_value(data: RevisionData, kind: str, path: str, content: bytes, keys: list[str]) -> None:
    _store_parsed(data, kind, path, _parse_or_error(path, content), keys)


def _store_memoised(data: RevisionData, kind: str, path: str, value: Any, keys: list[str]) -> None:
    """A workspace file's memoised value (JSON types already) into ``data``."""
    if kind == "metrics":
        data.metrics[path] = value
    else:
        data.params[path] = select_keys(value, keys) if keys else value


def _store_parsed(data: RevisionData, kind: str, path: str, parsed: Any, keys: list[str]) -> None:
    if isinstance(parsed, ReadError):
        missing = isinstance(parsed, _MissingError)
        _unreadable(data, kind, path, not_found(path) if missing else corrupted(path))
    elif kind == "metrics":  # extract_metrics builds new containers of JSON types already
        data.metrics[path] = extract_metrics(parsed) or {}
    else:
        # jsonable copies: the parsed value is memoised and shared between commits
        data.params[path] = select_keys(jsonable(parsed), keys) if keys else jsonable(parsed)


# ---------------------------------------------------------------------------------------------
# Cache entries


_ENTRY_FIELDS = {"metrics", "params", "errors", "created", "message", "parent", "deps"}


def _to_entry(data: RevisionData) -> dict[str, Any]:
    return {
        "metrics": data.metrics,
        "params": data.params,
        "errors": data.errors,
        "created": data.created,
        "message": data.message,
        "parent": data.parent,
        "deps": data.deps,
    }


def _from_entry(sha: str, entry: Any) -> RevisionData | None:
    """The cached data of ``sha``; None when the entry is malformed."""
    if not isinstance(entry, dict) or set(entry) != _ENTRY_FIELDS:
        return None
    metrics, params, errors = entry["metrics"], entry["params"], entry["errors"]
    created, message, parent = entry["created"], entry["message"], entry["parent"]
    deps = entry["deps"]
    if not all(isinstance(part, dict) for part in (metrics, params, errors, deps)):
        return None
    if not (created is None or (isinstance(created, int) and not isinstance(created, bool))):
        return None
    if not (message is None or isinstance(message, str)):
        return None
    if not (parent is None or isinstance(parent, str)):
        return None
    return RevisionData(sha, metrics, params, errors, created, message, parent, deps)
