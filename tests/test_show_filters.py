"""`live-nb exp show`'s DVC options: `-n 0`, `--hide-*`, `--drop`/`--keep`, `--sha`, `--rev`.

``dvc exp show`` is the oracle, byte for byte, on a pipeline with two experiments and a
queued task.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import dvc_executable, git, run_dvc

TRAIN = 'import json, yaml\np = yaml.safe_load(open("params.yaml"))\n'
TRAIN += 'json.dump({"train": {"loss": p["lr"] / 2}, "acc": 0.5}, open("metrics.json", "w"))\n'


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dvc = dvc_executable()
    if dvc is None:
        pytest.skip("dvc is not installed (pip install -e '.[oracle]')")
    repo = tmp_path_factory.mktemp("filters")
    git(repo, "init", "-q", "-b", "main")
    run_dvc(dvc, repo, "init", "-q")
    (repo / "train.py").write_text(TRAIN)
    (repo / "params.yaml").write_text("lr: 0.1\nepochs: 3\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "params")  # a second baseline, for --rev HEAD~1
    (repo / "dvc.yaml").write_text(
        textwrap.dedent(
            f"""
            stages:
              train:
                cmd: {sys.executable} train.py
                deps: [train.py]
                params: [lr, epochs]
                metrics:
                - metrics.json:
                    cache: false
            """
        )
    )
    run_dvc(dvc, repo, "repro", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "pipeline")
    run_dvc(dvc, repo, "exp", "run", "-q", "-n", "one", "-S", "lr=0.2")
    run_dvc(dvc, repo, "exp", "run", "-q", "-n", "two", "-S", "lr=0.4")
    run_dvc(dvc, repo, "exp", "run", "-q", "--queue", "-n", "later", "-S", "lr=0.8")
    return repo


def output(command: list[str], repo: Path) -> bytes:
    done = subprocess.run(command, cwd=repo, capture_output=True, check=False)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


@pytest.mark.oracle
@pytest.mark.parametrize(
    "options",
    [
        ["-n", "0"],
        ["-n", "0", "--only-changed"],
        ["--hide-workspace"],
        ["--hide-queued"],
        ["--hide-failed", "--hide-queued", "--hide-workspace"],
        ["--drop", "train.*", "--keep", "train.loss"],
        ["--drop", "trai"],
        ["--drop", "lr", "--drop", "acc"],
        ["--keep", "Created", "--drop", ".*"],
        ["--drop", "Created|parent", "--only-changed"],
        ["--sha"],
        ["--rev", "HEAD~1"],
        ["--rev", "HEAD~1", "--rev", "main"],
        ["--rev", "main", "-n", "2", "--sha"],
        ["--sha", "--hide-workspace", "--drop", "lr"],
    ],
)
def test_filters_match_dvc(project: Path, dvc: str, options: list[str]) -> None:
    for layout in ("--csv", "--json"):
        theirs = output([dvc, "exp", "show", layout, *options], project)
        ours = output([sys.executable, "-m", "live_nb", "exp", "show", layout, *options], project)
        assert ours == theirs, f"{layout} {options}:\nours   {ours!r}\ntheirs {theirs!r}"


def test_a_rev_that_names_no_commit_is_a_clear_error(project: Path) -> None:
    command = [sys.executable, "-m", "live_nb", "exp", "show", "--rev", "nope"]
    done = subprocess.run(command, cwd=project, capture_output=True, text=True, check=False)
    assert done.returncode != 0 and "Invalid rev 'nope'" in done.stderr


def test_the_table_honours_the_row_filters(project: Path) -> None:
    command = [sys.executable, "-m", "live_nb", "exp", "show"]
    text = output([*command, "-n", "0"], project).decode()
    assert "workspace" in text and "main" not in text
    text = output([*command, "--hide-workspace"], project).decode()
    assert "workspace" not in text and "main" in text
