"""The run-cache, for real: identical inputs restore at once, anything changed runs again."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from live_nb.runs import api
from live_nb.runs.result import RunResult
from tests.conftest import git
from tests.test_runs_execute import _code, write_notebook
from tests.test_runs_queue import _cli

pytest.importorskip("nbclient")

SCRIPT = (
    "import yaml\nfrom live_nb import Live\n"
    "params = yaml.safe_load(open('params.yaml'))\n"
    "with Live() as live:\n"
    "    live.log_metric('value', params['lr'] * 2)\n"
    "    if params['lr'] < 0: raise SystemExit(3)\n"
)


@pytest.fixture
def project(git_repo: Path) -> Path:
    (git_repo / "params.yaml").write_text("lr: 1\n")
    (git_repo / "train.py").write_text(SCRIPT)
    git(git_repo, "add", ".")
    git(git_repo, "commit", "-q", "-m", "script")
    return git_repo


def _run(project: Path, *params: str, run_cache: bool = True) -> RunResult:
    (result,) = api.run(
        command=[sys.executable, "train.py"], params=params, run_cache=run_cache, path=project
    ).wait(timeout=120)
    return result


def test_the_same_inputs_are_restored_from_the_first_run(project: Path) -> None:
    first = _run(project, "lr=3")
    second = _run(project, "lr=3")
    assert first.status == "ok" and second.status == "cached"
    assert second.restored_from == first.experiment
    assert second.experiment != first.experiment
    tree = git(project, "rev-parse", f"{first.commit}^{{tree}}")
    assert git(project, "rev-parse", f"{second.commit}^{{tree}}") == tree
    message = git(project, "log", "-1", "--format=%B", second.commit)
    assert f"Live-Nb-Restored-From: {first.experiment} {first.commit}" in message
    head = git(project, "rev-parse", "HEAD")
    assert git(project, "rev-parse", f"{second.commit}^") == head


@pytest.mark.parametrize("change", ["params", "no-run-cache", "code", "untracked file"])
def test_anything_changed_runs_again(project: Path, change: str) -> None:
    _run(project, "lr=3")
    if change == "code":
        (project / "train.py").write_text(SCRIPT + "# tuned\n")
    if change == "untracked file":
        (project / "data.csv").write_text("1,2\n")
    params = ["lr=4"] if change == "params" else ["lr=3"]
    again = _run(project, *params, run_cache=change != "no-run-cache")
    assert again.status == "ok"


def test_a_failed_run_is_never_reused(project: Path) -> None:
    assert _run(project, "lr=-1").status == "error"
    assert _run(project, "lr=-1").status == "error"


def test_a_notebook_is_cached_by_its_code_not_its_outputs(git_repo: Path) -> None:
    cells = [_code("%load_ext live_nb"), _code("%%live --param lr=1\nlive.log_metric('m', lr)")]
    write_notebook(git_repo / "nb.ipynb", *cells)
    git(git_repo, "add", "nb.ipynb")
    git(git_repo, "commit", "-q", "-m", "nb")
    (first,) = api.run("nb.ipynb", ["lr=2"], path=git_repo).wait(timeout=120)
    document = json.loads((git_repo / "nb.ipynb").read_text())
    document["cells"][1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "x"}]
    document["cells"][1]["execution_count"] = 7
    (git_repo / "nb.ipynb").write_text(json.dumps(document))  # saved with outputs, same code
    (second,) = api.run("nb.ipynb", ["lr=2"], path=git_repo).wait(timeout=120)
    assert (first.status, second.status) == ("ok", "cached")
    document["cells"][1]["source"] += "\nprint('changed')"
    (git_repo / "nb.ipynb").write_text(json.dumps(document))
    (third,) = api.run("nb.ipynb", ["lr=2"], path=git_repo).wait(timeout=120)
    assert third.status == "ok"


def test_the_cli_says_where_a_cached_run_came_from(project: Path) -> None:
    first = _cli(project, "exp", "run", "-S", "lr=8", "--", sys.executable, "train.py")
    second = _cli(project, "exp", "run", "-S", "lr=8", "--", sys.executable, "train.py")
    assert first.returncode == 0 and second.returncode == 0, second.stderr
    name = first.stdout.split("experiment ")[1].split()[0]
    assert "from the run-cache: same inputs as " + name in second.stdout


def test_a_grid_of_cached_runs_is_restored_whole_one_job_at_a_time(project: Path) -> None:
    first = api.run(command=[sys.executable, "train.py"], params=["lr=1,2,3"], path=project)
    assert [r.status for r in first.wait(timeout=120)] == ["ok"] * 3
    again = api.run(command=[sys.executable, "train.py"], params=["lr=1,2,3,4"], path=project)
    assert [r.status for r in again.wait(timeout=120)] == ["cached"] * 3 + ["ok"]
