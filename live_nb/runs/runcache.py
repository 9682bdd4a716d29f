"""The run-cache: a run whose inputs match a finished successful run is restored, not executed.

A run's signature hashes what decides its results: the snapshot's files (without its live
folders, which the run rewrites), the notebook's code (cell sources, not its outputs or the
cell a previous injection left), the params set, the command, and the Python version. A
successful run records its commit under ``.git/live_nb/run-cache/<signature>``; a later run
with the same signature becomes at once an experiment holding that commit's results, marked
as restored and naming the one it reused.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from live_nb.formats.files import atomic_write
from live_nb.git import Repository
from live_nb.runs.result import CACHED, RunResult
from live_nb.runs.spec import NOTEBOOK, RunSpec

__all__ = ["RESTORED_FROM", "lookup", "record", "restore", "signatures"]

RESTORED_FROM = "Live-Nb-Restored-From"
SIGNATURE = "Live-Nb-Run-Signature"
_FORMAT = "1"


def signatures(repo: Repository, specs: list[RunSpec]) -> None:
    """Set each spec's ``signature`` (they share one snapshot, listed once)."""
    if not specs:
        return
    listing = _tree_listing(repo, specs[0])
    for spec in specs:
        digest = hashlib.sha256()
        for part in (_FORMAT, listing, _code_of(repo, spec), json.dumps(_inputs(spec))):
            digest.update(part.encode("utf-8"))
            digest.update(b"\0")
        spec.signature = digest.hexdigest()


def lookup(repo: Repository, spec: RunSpec) -> tuple[str, str] | None:
    """The commit and name of a finished run with ``spec``'s signature, if its commit exists."""
    if not spec.run_cache or not spec.signature:
        return None
    try:
        data = json.loads(_entry_path(repo, spec.signature).read_text())
    except (OSError, ValueError):
        return None
    commit, name = str(data.get("commit", "")), str(data.get("name", ""))
    if not commit or repo.rev_parse(commit) != commit:
        return None
    return commit, name


def record(repo: Repository, spec: RunSpec, result: RunResult) -> None:
    """Remember a successful run's commit under its signature."""
    if result.status != "ok" or not result.commit or not spec.signature:
        return
    data = {"commit": result.commit, "name": result.experiment, "run": spec.id}
    atomic_write(_entry_path(repo, spec.signature), json.dumps(data))


def restore(root: Path, spec: RunSpec, found: tuple[str, str]) -> RunResult:
    """Save ``found``'s results as ``spec``'s experiment, without running anything."""
    from live_nb.runs.job import save_run

    commit, name = found
    with Repository.discover(root) as repo:
        tree = repo.run("rev-parse", f"{commit}^{{tree}}")
    trailers = {
        "Live-Nb-Status": "ok",
        RESTORED_FROM: f"{name} {commit}",
        "Live-Nb-Run": spec.id,
        SIGNATURE: spec.signature or "",
    }
    if spec.settings:
        trailers["Live-Nb-Params"] = spec.params_text()
    message = spec.message or f"live-nb exp run {spec.describe_target()}: restored from {name}"
    result = RunResult(spec.id, spec.name, CACHED, restored_from=name, params=spec.params_text())
    saved = save_run(root, spec, tree, message, trailers)
    if saved is not None:
        result.experiment, result.commit = saved.name, saved.commit
    return result


def _entry_path(repo: Repository, signature: str) -> Path:
    return repo.git_dir / "live_nb" / "run-cache" / signature[:2] / signature[2:]


def _tree_listing(repo: Repository, spec: RunSpec) -> str:
    """``path mode sha`` of every file, without the live folders and the notebook's blob."""
    listing = repo.run("ls-tree", "-r", "-z", "--full-tree", spec.tree)
    skipped = tuple(f"{folder.rstrip('/')}/" for folder in spec.live_dirs)
    kept = []
    for line in listing.split("\0"):
        if not line:
            continue
        info, path = line.split("\t", 1)
        if path.startswith(skipped) or path == spec.target:
            continue
        kept.append(f"{path}\t{info}")
    return "\n".join(kept)


def _code_of(repo: Repository, spec: RunSpec) -> str:
    """A notebook's code cells and markdown, without outputs or an injected-parameters cell."""
    if spec.kind != NOTEBOOK or not spec.target:
        return ""
    document = json.loads(repo.run("cat-file", "blob", f"{spec.tree}:{spec.target}"))
    cells = []
    for cell in document.get("cells", []):
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            continue
        source = cell.get("source", "")
        cells.append(
            [cell.get("cell_type"), "".join(source) if isinstance(source, list) else source]
        )
    return json.dumps(cells)


def _inputs(spec: RunSpec) -> dict[str, object]:
    inputs: dict[str, object] = {
        "kind": spec.kind,
        "target": spec.target,
        "command": spec.command,
        "settings": sorted(setting.text() for setting in spec.settings),
        "python": ".".join(map(str, sys.version_info[:2])),
    }
    if spec.resume:  # the checkpoint's files are inputs too (absent before: same signatures)
        inputs["resume"] = spec.resume.get("commit")
    return inputs
