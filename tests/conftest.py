from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.kernel import Kernel


@pytest.fixture
def tmp_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run the test inside an empty temporary directory, as a user runs a script in a project."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.com",
    }
    result = subprocess.run(
        ["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True
    )
    return result.stdout


@pytest.fixture
def kernel(git_repo: Path) -> Iterator[Kernel]:
    """A real IPython kernel in ``git_repo`` with live_nb loaded, as after ``%load_ext live_nb``."""
    identity = {"GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@e.x"}
    running = Kernel(
        git_repo, env={**identity, "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@e.x"}
    )
    running.run("%load_ext live_nb")
    yield running
    running.close()


@pytest.fixture
def git_repo(tmp_dir: Path) -> Path:
    """A Git repository with one commit, as the current directory."""
    git(tmp_dir, "init", "-q", "-b", "main")
    (tmp_dir / "README.md").write_text("project\n")
    git(tmp_dir, "add", "README.md")
    git(tmp_dir, "commit", "-q", "-m", "initial")
    return tmp_dir


def run_dvc(dvc: str, cwd: Path, *args: str) -> str:
    """Run the real dvc quietly, as a user would, and fail the test with its output if it fails."""
    env = {
        **os.environ,
        "DVC_NO_ANALYTICS": "1",
        "DVC_SITE_CACHE_DIR": str(cwd.parent / "dvc-site-cache"),
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.com",
    }
    done = subprocess.run([dvc, *args], cwd=cwd, env=env, capture_output=True, text=True)
    assert done.returncode == 0, f"dvc {args} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def dvc_executable() -> str | None:
    """The real dvc, used as the oracle; None when it is not installed."""
    beside_python = Path(sys.executable).with_name("dvc")
    if beside_python.exists():
        return str(beside_python)
    return shutil.which("dvc")


@pytest.fixture
def dvc() -> str:
    found = dvc_executable()
    if found is None:
        pytest.skip("dvc is not installed (pip install -e '.[oracle]')")
    return found
