"""Several ``Live`` runs at once in one Git and DVC repository (findings F3 and F4).

Each run is its own Python process, as when a user starts ten scripts in one shell. Each logs
a metric and ``log_artifact``s its own model, so every run edits the shared ``dvc.yaml`` and
``.gitignore`` while the others save their experiments. Every run must be saved, and no run's
entries may be lost from the shared files or from its own experiment.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from live_nb.formats.dvcyaml import write_entries
from live_nb.formats.sharedlock import lock_file
from live_nb.formats.yaml import load_yaml
from tests.conftest import git, run_dvc

ROOT = Path(__file__).resolve().parents[1]
RUNS = 10
ROUNDS = 3

_RUN = """
import sys, warnings
from live_nb import Live
warnings.simplefilter("error")  # an experiment not saved fails the process
i = sys.argv[1]
with Live(f"out{i}", exp_name=f"w{i}") as live:
    for step in range(5):
        live.log_metric("m", step)
        live.next_step()
    with open(f"model{i}.bin", "w") as model:
        model.write(i * 1000)
    live.log_artifact(f"model{i}.bin", type="model", name=f"model{i}")
"""


def _run_all(repo: Path, tag: str) -> None:
    """Start ``RUNS`` runs at once and wait for all; each must exit cleanly."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.update(dict.fromkeys(("GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME"), "Test"))
    env.update(dict.fromkeys(("GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL"), "t@e.x"))
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", _RUN, f"{tag}{index}"],
            cwd=repo,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for index in range(RUNS)
    ]
    outputs = [process.communicate(timeout=120)[0] for process in processes]
    failed = [out for process, out in zip(processes, outputs) if process.returncode != 0]
    assert failed == [], "\n---\n".join(failed)


def _own_entries(document: dict[str, Any], run: str) -> bool:
    """Whether a dvc.yaml mapping holds run ``run``'s metrics, plots and artifact."""
    plots = [next(iter(entry)) for entry in document.get("plots", [])]
    artifact = document.get("artifacts", {}).get(f"model{run}", {})
    return (
        f"out{run}/metrics.json" in document.get("metrics", [])
        and f"out{run}/plots/metrics" in plots
        and artifact.get("path") == f"model{run}.bin"
    )


def test_concurrent_runs_are_all_saved_with_all_their_entries(git_repo: Path, dvc: str) -> None:
    run_dvc(dvc, git_repo, "init", "-q")
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-qm", "dvc init")
    runs = [f"{tag}{index}" for tag in "abc"[:ROUNDS] for index in range(RUNS)]
    for tag in "abc"[:ROUNDS]:
        _run_all(git_repo, tag)
    refs = git(git_repo, "for-each-ref", "--format=%(refname)", "refs/exps").split()
    assert sorted(ref.rsplit("/", 1)[1] for ref in refs) == sorted(f"w{run}" for run in runs)
    workspace = load_yaml((git_repo / "dvc.yaml").read_text())
    assert [run for run in runs if not _own_entries(workspace, run)] == []
    ignored = (git_repo / ".gitignore").read_text().splitlines()
    assert sorted(ignored) == sorted(f"/model{run}.bin" for run in runs)
    for ref in refs:
        run = ref.rsplit("/w", 1)[1]
        committed = load_yaml(git(git_repo, "show", f"{ref}:dvc.yaml"))
        assert _own_entries(committed, run), ref
        files = git(git_repo, "ls-tree", "-r", "--name-only", ref).split()
        assert f"model{run}.bin.dvc" in files and f"out{run}/metrics.json" in files
        assert not [name for name in files if name.endswith(".tmp")]
    assert not [p.name for p in git_repo.rglob("*.tmp")], "temporary files left behind"
    assert list((git_repo / ".git").glob("live_nb-index-*")) == []


_HOLDER = """
import sys, time
from pathlib import Path
from live_nb.formats.sharedlock import exclusive
with exclusive(Path(sys.argv[1])):
    print("held", flush=True)
    time.sleep(60)
"""


def test_a_killed_writers_lock_never_blocks_the_next(git_repo: Path) -> None:
    target = git_repo / "dvc.yaml"
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(target)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    holder.kill()
    holder.wait(timeout=10)
    write_entries(target, {"metrics": ["out/metrics.json"]}, "out")
    assert load_yaml(target.read_text()) == {"metrics": ["out/metrics.json"]}
    assert lock_file(git_repo) == git_repo / ".git" / "live_nb" / "workspace.lock"
    untracked = git(git_repo, "status", "--porcelain", "--untracked-files=all").split()
    assert untracked == ["??", "dvc.yaml"]  # the lock file is in .git, not the working tree
