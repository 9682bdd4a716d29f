"""Unreadable metrics/params files, an invalid ``dvc.yaml`` and an unborn HEAD in ``exp show``.

``dvc exp show`` is the oracle: ``--csv`` and ``--json`` must be its bytes (run from the
repository's root). DVC names a corrupted file in its message by a path relative to somewhere
that depends on the folders above the repository (``../`` or ``../../`` before the path): those
leading ``../`` are not compared.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from live_nb.experiments import show
from tests.conftest import git, run_dvc

METRICS = '{"train": {"loss": 0.5}, "acc": 0.2}\n'


@pytest.fixture
def project(git_repo: Path, dvc: str) -> Path:
    run_dvc(dvc, git_repo, "init", "-q")
    (git_repo / "params.yaml").write_text("lr: 0.1\nepochs: 3\n")
    (git_repo / "dvclive").mkdir()
    (git_repo / "dvclive" / "metrics.json").write_text(METRICS)
    (git_repo / "dvclive" / "params.yaml").write_text("lr: 0.1\n")
    (git_repo / "dvc.yaml").write_text(
        "metrics:\n- dvclive/metrics.json\nparams:\n- dvclive/params.yaml\n"
    )
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "results")
    return git_repo


def output(command: list[str], repo: Path) -> bytes:
    done = subprocess.run(command, cwd=repo, capture_output=True, check=False)
    assert done.returncode == 0, done.stderr.decode()
    return re.sub(rb"unable to read: '(\.\./)*", b"unable to read: '", done.stdout)


def same_as_dvc(dvc: str, repo: Path, *options: str) -> None:
    for layout in ("--csv", "--json"):
        theirs = output([dvc, "exp", "show", layout, *options], repo)
        for run in ("cold", "warm"):  # the second reads the caches
            ours = output([sys.executable, "-m", "live_nb", "exp", "show", layout, *options], repo)
            assert ours == theirs, f"{layout} ({run}):\nours   {ours!r}\ntheirs {theirs!r}"


def break_files(repo: Path) -> None:
    (repo / "dvclive" / "metrics.json").write_text('{"train": {"loss": 0.1')
    (repo / "dvclive" / "params.yaml").write_text("lr: [unclosed\n")


@pytest.mark.oracle
@pytest.mark.parametrize("case", ["truncated", "broken-yaml", "removed", "all"])
def test_unreadable_workspace_files_are_reported_as_dvc_does(
    project: Path, dvc: str, case: str
) -> None:
    metrics, params = project / "dvclive" / "metrics.json", project / "dvclive" / "params.yaml"
    if case in ("truncated", "all"):
        metrics.write_text('{"train": {"loss": 0.1')
    if case in ("broken-yaml", "all"):
        params.write_text("lr: [unclosed\n")
    if case == "removed":
        metrics.unlink()
    same_as_dvc(dvc, project)
    same_as_dvc(dvc, project, "--only-changed")


@pytest.mark.oracle
def test_unreadable_files_of_a_commit_are_reported_as_dvc_does(project: Path, dvc: str) -> None:
    break_files(project)
    git(project, "commit", "-q", "-am", "broken")
    (project / "dvclive" / "metrics.json").unlink()
    same_as_dvc(dvc, project, "-n", "2")


@pytest.mark.oracle
def test_a_listed_file_absent_from_a_commit_is_reported_as_dvc_does(
    project: Path, dvc: str
) -> None:
    (project / "dvc.yaml").write_text("metrics:\n- dvclive/metrics.json\n- other.json\n")
    git(project, "commit", "-q", "-am", "lists a file it lacks")
    (project / "other.json").write_text('{"x": 1}\n')
    same_as_dvc(dvc, project, "-n", "2")


@pytest.mark.oracle
@pytest.mark.parametrize("content", ['stages:\n  prep:\n    cmd: echo "prep: x"\n', "[1]\n"])
def test_an_invalid_dvc_yaml_makes_the_row_an_error_as_in_dvc(
    project: Path, dvc: str, content: str
) -> None:
    (project / "dvc.yaml").write_text(content)
    same_as_dvc(dvc, project)
    git(project, "commit", "-q", "-am", "invalid dvc.yaml")
    same_as_dvc(dvc, project, "-n", "2")


@pytest.mark.oracle
def test_an_orphan_head_lists_nothing_as_in_dvc(project: Path, dvc: str) -> None:
    git(project, "checkout", "-q", "--orphan", "newroot")
    same_as_dvc(dvc, project)
    same_as_dvc(dvc, project, "-A")


def test_the_table_and_the_data_frame_show_unreadable_files(project: Path) -> None:
    break_files(project)
    frame = show(project)
    workspace = frame[frame["Experiment"] == "workspace"].iloc[0]
    assert workspace["train.loss"] == "!" and workspace["dvclive/params.yaml:lr"] == "!"
    baseline = frame[frame["typ"] == "baseline"].iloc[0]
    assert baseline["train.loss"] == 0.5
    text = output([sys.executable, "-m", "live_nb", "exp", "show"], project).decode()
    assert "!" in text.splitlines()[3]
