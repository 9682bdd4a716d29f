"""A run carried to another machine and back as Git bundles: nothing there reads the user's repo.

:func:`pack_snapshot` makes a bundle of the run's snapshot (one parentless commit of its
tree). :func:`run_packed`, on the worker, unpacks it into a scratch repository, runs the spec
there and packs what came out: the new objects of the experiment commit, the DVC cache files
the run added (or, when the project has a default DVC remote, pushes the artifacts there:
:mod:`live_nb.runs.via_remote`), and its log. :func:`unpack_result` brings those into the
user's repository (pulling the artifacts from the remote) and saves the experiment on the
real baseline with compare-and-swap.
"""

from __future__ import annotations

import io
import os
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from live_nb.formats.cachelink import cache_dir
from live_nb.git import Repository
from live_nb.runs.result import RunResult
from live_nb.runs.spec import RunSpec
from live_nb.runs.via_remote import pull_on_client, push_from_worker, remote_for_workers

__all__ = ["pack_snapshot", "run_packed", "unpack_result"]

_SNAPSHOT_REF = "refs/live_nb/snapshot"
_RESULT_REF = "refs/live_nb/result"


def pack_snapshot(root: Path, spec: RunSpec) -> dict[str, Any]:
    """The work item of ``spec``: its snapshot as a bundle, the spec, the user's identity."""
    with Repository.discover(root) as repo:
        commit = repo.run("commit-tree", spec.tree, "-m", f"live_nb snapshot {spec.id}")
        ref = f"{_SNAPSHOT_REF}/{spec.id}"
        repo.run("update-ref", ref, commit)
        try:
            bundle = _bundle(repo.root, ref)
        finally:
            repo.run("update-ref", "-d", ref)
        item: dict[str, Any] = {"bundle": bundle, "spec": spec.to_json()}
        item["identity"] = _identity(repo)
    item["remote"] = remote_for_workers(root)
    return item


def run_packed(item: dict[str, Any]) -> dict[str, Any]:
    """On a worker: run the work item in a scratch repository; what came out, packed."""
    from live_nb.runs.job import run_one

    spec = RunSpec.from_json(item["spec"])
    with tempfile.TemporaryDirectory(prefix="live-nb-run-") as scratch:
        repo_dir = Path(scratch) / "repo"
        snapshot = _unbundle_snapshot(repo_dir, item["bundle"], item.get("identity", {}))
        spec.baseline = snapshot
        log = io.StringIO()
        result = run_one(spec, repo_dir, log)
        packed: dict[str, Any] = {"result": result.to_dict(), "log": log.getvalue()}
        packed["host"] = socket.gethostname()
        if result.commit:
            packed["objects"] = _result_bundle(repo_dir, result.commit, snapshot)
            packed["message"] = _git(repo_dir, "log", "-1", "--format=%B", result.commit)
            packed["tree"] = _git(repo_dir, "rev-parse", f"{result.commit}^{{tree}}").strip()
        remote = item.get("remote")
        if remote and result.commit:
            failed = push_from_worker(repo_dir, remote, spec.name, result.commit)
            if failed is None:
                packed["pushed"] = remote["name"]
                return packed
            packed["log"] += failed
        packed["cache"] = _cache_files(repo_dir)
        return packed


def unpack_result(root: Path, spec: RunSpec, packed: dict[str, Any]) -> RunResult:
    """Bring a worker's result into the user's repository and save its experiment."""
    from live_nb.runs.job import save_run

    result = RunResult.from_dict(packed["result"])
    result.experiment = result.commit = None
    _write_cache(root, packed.get("cache", {}))
    if "objects" not in packed:
        return result
    with Repository.discover(root) as repo:
        _fetch_objects(repo, packed["objects"], spec.id)
        subject, trailers = _split_message(packed["message"])
    if packed.get("pushed"):  # before the save: the experiment comes with its artifacts here
        packed["log"] += pull_on_client(root, packed["pushed"], spec.name, packed["tree"])
    saved = save_run(root, spec, packed["tree"], subject, trailers)
    if saved is not None:
        result.experiment, result.commit = saved.name, saved.commit
    return result


def _bundle(cwd: Path, *revisions: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="live-nb-bundle-") as folder:
        path = Path(folder) / "b.bundle"
        _git(cwd, "bundle", "create", "-q", str(path), *revisions)
        return path.read_bytes()


def _unbundle_snapshot(repo_dir: Path, bundle: bytes, identity: dict[str, str]) -> str:
    repo_dir.mkdir(parents=True)
    _git(repo_dir, "init", "-q")
    for key, value in identity.items():
        _git(repo_dir, "config", key, value)
    path = repo_dir.parent / "snapshot.bundle"
    path.write_bytes(bundle)
    _git(repo_dir, "fetch", "-q", str(path), f"{_SNAPSHOT_REF}/*:{_SNAPSHOT_REF}/*")
    refs = _git(repo_dir, "for-each-ref", "--format=%(objectname)", _SNAPSHOT_REF).split()
    return refs[0]


def _result_bundle(repo_dir: Path, commit: str, snapshot: str) -> bytes:
    _git(repo_dir, "update-ref", _RESULT_REF, commit)
    return _bundle(repo_dir, _RESULT_REF, f"^{snapshot}")


def _fetch_objects(repo: Repository, objects: bytes, run_id: str) -> None:
    folder = repo.git_dir / "live_nb" / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{run_id}.bundle"
    path.write_bytes(objects)
    temporary = f"refs/live_nb/import/{run_id}"
    try:
        repo.run("fetch", "-q", str(path), f"{_RESULT_REF}:{temporary}")
        repo.run("update-ref", "-d", temporary)
    finally:
        path.unlink(missing_ok=True)


def _split_message(message: str) -> tuple[str, dict[str, str]]:
    """The subject and body of a run's commit message, and its ``Key: value`` trailers."""
    paragraphs = message.strip().split("\n\n")
    trailers: dict[str, str] = {}
    if len(paragraphs) > 1:
        for line in paragraphs[-1].splitlines():
            key, sep, value = line.partition(": ")
            if sep and key.startswith("Live-Nb-"):
                trailers[key] = value
        if trailers:
            paragraphs = paragraphs[:-1]
    return "\n\n".join(paragraphs), trailers


def _cache_files(repo_dir: Path) -> dict[str, bytes]:
    cache = cache_dir(repo_dir / ".dvc")
    files: dict[str, bytes] = {}
    for current, _, names in os.walk(cache):
        for name in names:
            path = Path(current) / name
            files[path.relative_to(cache).as_posix()] = path.read_bytes()
    return files


def _write_cache(root: Path, files: dict[str, bytes]) -> None:
    from live_nb.formats.artifacts import ensure_dvc_dir

    if not files:
        return
    ensure_dvc_dir(root)  # as log_artifact would: DVC's layout, its .gitignore hiding the cache
    cache = cache_dir(root / ".dvc")
    for relative, data in files.items():
        target = (cache / relative).resolve()
        if cache.resolve() not in target.parents or target.exists():
            continue  # never outside the cache; an object present is already this content
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.live_nb-{os.getpid()}.tmp")
        temporary.write_bytes(data)
        os.replace(temporary, target)


def _identity(repo: Repository) -> dict[str, str]:
    """``user.name``/``user.email`` as this repository resolves them (for the worker's commit)."""
    identity = {}
    for key in ("user.name", "user.email"):
        value = subprocess.run(
            ["git", "config", key], cwd=repo.root, capture_output=True, text=True
        ).stdout.strip()
        if value:
            identity[key] = value
    return identity


def _git(cwd: Path, *args: str) -> str:
    env = {key: value for key, value in os.environ.items() if key not in ("GIT_DIR",)}
    completed = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, env=env, check=False
    )
    if completed.returncode != 0:
        raise RuntimeError(f"git {args[0]} failed: {completed.stderr.strip()}")
    return completed.stdout
