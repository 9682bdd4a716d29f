"""The quickstart notebook runs top to bottom in a real kernel (nbval); the demo command works."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import git

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"

pytestmark = pytest.mark.slow


def test_quickstart_passes_nbval_in_a_fresh_project(tmp_path: Path) -> None:
    shutil.copy(NOTEBOOKS / "quickstart.ipynb", tmp_path)
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "quickstart.ipynb")
    git(tmp_path, "commit", "-qm", "notebook")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbval-lax",
            "-p",
            "no:cacheprovider",
            "-q",
            "quickstart.ipynb",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads((tmp_path / "dvclive" / "metrics.json").read_text())
    assert summary["step"] == 29
    assert summary["eval"]["acc"] > 0.85
    assert len(git(tmp_path, "for-each-ref", "refs/exps").splitlines()) == 2
    assert git(tmp_path, "status", "--porcelain", "--untracked-files=no") == ""


def test_demo_command_runs_the_notebook_and_reports(tmp_path: Path) -> None:
    out = tmp_path / "project"
    result = subprocess.run(
        [sys.executable, str(NOTEBOOKS / "run_quickstart.py"), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"live_nb logged the last run to {out / 'dvclive'}" in result.stdout
    assert "dvclive/plots/metrics/train/loss.tsv" in result.stdout
    assert "experiments saved in" in result.stdout
    assert result.stdout.count("├──") + result.stdout.count("└──") == 2
    assert (out / "dvc.yaml").is_file()
    assert (out / "model.npy.dvc").is_file()
    executed = json.loads((out / "quickstart.ipynb").read_text())
    assert all(
        cell.get("outputs") is not None for cell in executed["cells"] if cell["cell_type"] == "code"
    )
