"""One run executed for real: a notebook in its own kernel (nbclient), a script, in a snapshot.

Checked: the experiment holds the run's results, the executed notebook and its params; a run
that raises, a kernel that dies and a run past its timeout are saved as failed or killed with
a clear message; nothing of the user's changes.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from live_nb.runs.job import run_one
from live_nb.runs.plan import NotebookOutsideError, plan_runs
from tests.conftest import git

pytest.importorskip("nbclient")


def _code(source: str, tags: list[str] | None = None) -> dict[str, Any]:
    return {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {"tags": tags or []},
        "outputs": [],
        "source": source,
    }


def write_notebook(path: Path, *cells: dict[str, Any]) -> None:
    document = {
        "cells": list(cells),
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 4,
    }
    path.write_text(json.dumps(document))


TRAIN = (
    "%%live --param lr=0.01 --param epochs=2\n"
    "for epoch in range(epochs):\n"
    "    live.log_metric('loss', lr * (epoch + 1) * scale)\n"
    "    live.next_step()\n"
    "print('trained', lr)"
)


@pytest.fixture
def project(git_repo: Path) -> Path:
    write_notebook(
        git_repo / "train.ipynb",
        _code("%load_ext live_nb"),
        _code("scale = 1.0", tags=["parameters"]),
        _code(TRAIN),
    )
    git(git_repo, "add", "train.ipynb")
    git(git_repo, "commit", "-q", "-m", "notebook")
    (git_repo / "notes.txt").write_text("untracked, not ignored: in the snapshot\n")
    return git_repo


def user_state(repo: Path) -> tuple[str, str, str, dict[str, bytes]]:
    files = {
        str(p.relative_to(repo)): p.read_bytes()
        for p in repo.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(repo).parts
    }
    index = (repo / ".git" / "index").read_bytes().hex()
    return git(repo, "rev-parse", "HEAD"), git(repo, "status", "--porcelain"), index, files


def show(repo: Path, commit: str, path: str) -> str:
    return git(repo, "show", f"{commit}:{path}")


def test_a_notebook_runs_in_its_own_kernel_and_is_saved_with_its_params(project: Path) -> None:
    before = user_state(project)
    (spec,) = plan_runs("train.ipynb", params=["lr=0.5", "scale=2"], path=project)
    log = io.StringIO()
    result = run_one(spec, project, log)
    assert result.status == "ok", log.getvalue()
    assert result.experiment == spec.name
    metrics = json.loads(show(project, result.commit or "", "dvclive/metrics.json"))
    assert metrics == {"loss": 2.0, "step": 1}  # 0.5 * 2 * 2.0
    params = show(project, result.commit or "", "dvclive/params.yaml")
    assert "lr: 0.5" in params
    assert "scale: 2" in params  # set in the parameters cell, logged for exp show all the same
    executed = json.loads(show(project, result.commit or "", "train.ipynb"))
    outputs = [o for c in executed["cells"] for o in c.get("outputs", [])]
    assert any("trained 0.5" in "".join(o.get("text", "")) for o in outputs)
    assert "injected-parameters" in json.dumps(executed)
    assert show(project, result.commit or "", "notes.txt").startswith("untracked")
    message = git(project, "log", "-1", "--format=%B", result.commit or "")
    assert "Live-Nb-Status: ok" in message and "Live-Nb-Params: lr=0.5 scale=2" in message
    parent = git(project, "rev-parse", f"{result.commit}^").strip()
    assert parent == before[0].strip()
    assert user_state(project) == before
    assert not list((project / ".git" / "live_nb" / "runs").iterdir())


def test_a_script_runs_with_params_yaml_changed_as_dvc_changes_it(git_repo: Path) -> None:
    (git_repo / "params.yaml").write_text("lr: 0.1\n")
    (git_repo / "train.py").write_text(
        "import yaml\nfrom live_nb import Live\n"
        "params = yaml.safe_load(open('params.yaml'))\n"
        "with Live(save_dvc_exp=False) as live:\n"
        "    live.log_params(params)\n"
        "    live.log_metric('acc', params['lr'] * 10)\n"
    )
    before = user_state(git_repo)
    (spec,) = plan_runs(command=[sys.executable, "train.py"], params=["lr=0.3"], path=git_repo)
    log = io.StringIO()
    result = run_one(spec, git_repo, log)
    assert result.status == "ok", log.getvalue()
    assert show(git_repo, result.commit or "", "params.yaml") == "lr: 0.3\n"
    metrics = json.loads(show(git_repo, result.commit or "", "dvclive/metrics.json"))
    assert metrics["acc"] == pytest.approx(3.0)
    assert user_state(git_repo) == before


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ("raise ValueError('bad lr')", "error", ["ValueError: bad lr"]),
        pytest.param(
            "import os\nos._exit(3)",
            "error",
            ["the kernel died"],
        ),
        pytest.param(
            "import time\ntime.sleep(60)",
            "killed",
            ["timed out after 2s"],
        ),
    ],
)
def test_a_run_that_fails_is_saved_as_failed_with_a_clear_message(
    git_repo: Path, body: str, status: str, words: list[str]
) -> None:
    write_notebook(
        git_repo / "nb.ipynb",
        _code("%load_ext live_nb"),
        _code(f"%%live\nlive.log_metric('m', 1)\nlive.next_step()\n{body}"),
    )
    before = user_state(git_repo)
    (spec,) = plan_runs("nb.ipynb", path=git_repo, timeout=2)
    result = run_one(spec, git_repo, io.StringIO())
    assert result.status == status
    for word in words:
        assert word in (result.error or "")
    assert result.experiment is not None
    message = git(git_repo, "log", "-1", "--format=%B", result.commit or "")
    assert f"Live-Nb-Status: {status}" in message
    assert user_state(git_repo) == before


def test_a_notebook_outside_the_repository_or_missing_is_refused(
    git_repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("elsewhere") / "x.ipynb"
    write_notebook(outside, _code("1"))
    with pytest.raises(NotebookOutsideError, match="outside the repository"):
        plan_runs(str(outside), path=git_repo)
    with pytest.raises(NotebookOutsideError, match="no such notebook"):
        plan_runs("missing.ipynb", path=git_repo)
    assert subprocess.run(["git", "status", "--porcelain"], cwd=git_repo).returncode == 0


def test_a_notebook_made_for_a_person_runs_headless_too(git_repo: Path) -> None:
    """The quickstart's shape: live.experiment after the cell, then %exp_show and %exp_diff."""
    write_notebook(
        git_repo / "explore.ipynb",
        _code("%load_ext live_nb"),
        _code("%%live --param lr=0.1\nlive.log_metric('m', lr)\nlive.next_step()"),
        _code("name = live.experiment.name\nprint('will be saved as', name)"),
        _code("%exp_show"),
        _code("%exp_diff {name} {name}"),
    )
    (spec,) = plan_runs("explore.ipynb", params=["lr=0.3"], path=git_repo)
    result = run_one(spec, git_repo, io.StringIO())
    assert result.status == "ok", result.error
    executed = show(git_repo, result.commit or "", "explore.ipynb")
    assert f"will be saved as {spec.name}" in executed
    assert "%exp_show skipped" in executed and "%exp_diff skipped" in executed
    assert "Not saved as an experiment" not in executed
    assert '"m": 0.3' in show(git_repo, result.commit or "", "dvclive/metrics.json")
