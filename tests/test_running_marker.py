"""A running Live announces itself under .git/live_nb/live/, for the sidebar's "Now running"."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import live_nb
from live_nb import Live, env
from live_nb.running import announce, markers_folder, read_markers
from tests.conftest import git


def markers(repo: Path) -> list[Path]:
    return sorted(markers_folder(repo / ".git").glob("*.json"))


def test_a_run_is_announced_while_it_goes_on_and_forgotten_at_its_end(git_repo: Path) -> None:
    with Live("out", save_dvc_exp=False, exp_name="fast-run") as live:
        live.log_metric("loss", 0.5)
        live.next_step()
        [path] = markers(git_repo)
        data = json.loads(path.read_text())
        assert data["pid"] == os.getpid() and data["name"] == "fast-run"
        assert data["dir"] == str(git_repo / "out")
        [marker] = read_markers(git_repo / ".git")
        assert marker.dir == git_repo / "out" and marker.name == "fast-run"
    assert markers(git_repo) == []


def test_no_marker_outside_a_repository_or_in_a_headless_run(
    tmp_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert announce(tmp_dir / "dvclive", None)() is None  # a no-op, nothing written
    assert not (tmp_dir / ".git").exists()
    git(tmp_dir, "init", "-q")
    monkeypatch.setenv(env.LIVE_NB_RUN_ID, "abc")
    announce(tmp_dir / "dvclive", None)
    assert markers(tmp_dir) == []


def test_a_worktree_announces_in_its_own_git_dir(git_repo: Path, tmp_path: Path) -> None:
    worktree = tmp_path / "wt"
    git(git_repo, "worktree", "add", "-q", str(worktree))
    stop = announce(worktree / "dvclive", "x")
    found = list((git_repo / ".git" / "worktrees").glob("*/live_nb/live/*.json"))
    assert len(found) == 1
    stop()
    assert not found[0].exists()


def test_the_marker_of_a_dead_process_is_ignored_and_removed(git_repo: Path) -> None:
    script = (
        "import os, sys\n"
        "from live_nb import Live\n"
        "live = Live('out', save_dvc_exp=False)\n"
        "os._exit(0)\n"  # no end(), no atexit: as a killed kernel leaves it
    )
    source = str(Path(live_nb.__file__).parents[1])
    path = os.pathsep.join([source, os.environ.get("PYTHONPATH", "")])
    subprocess.run(
        [sys.executable, "-c", script],
        cwd=git_repo,
        check=True,
        env={**os.environ, "PYTHONPATH": path},
    )
    [left] = markers(git_repo)
    assert read_markers(git_repo / ".git") == []
    assert not left.exists()


def test_a_kernel_is_named_by_its_connection_file(
    git_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        sys, "argv", ["ipykernel_launcher.py", "-f", "/run/user/1/jupyter/kernel-1234-ab.json"]
    )
    monkeypatch.setenv("JPY_SESSION_NAME", str(git_repo / "train.ipynb"))
    stop = announce(git_repo / "dvclive", None)
    [marker] = read_markers(git_repo / ".git")
    assert marker.kernel == "1234-ab"
    assert marker.program == str(git_repo / "train.ipynb")
    stop()


def test_no_marker_above_a_git_ceiling(git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where Git stops looking for a repository (a headless run's folder), so does the marker."""
    inner = git_repo / "sub" / "work"
    inner.mkdir(parents=True)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(git_repo / "sub"))
    remove = announce(inner, "ceiling")
    assert list(markers_folder(git_repo / ".git").glob("*.json")) == []
    remove()
