"""`live-nb exp run -S ...` in a project with dvc.yaml: the pipeline reproduced in the run's
snapshot, saved as one experiment that `dvc exp show` lists with its param and metrics."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from live_nb.cli import main
from tests.conftest import git, run_dvc

pytestmark = pytest.mark.oracle

TRAIN = (
    "import json, yaml\n"
    "lr = yaml.safe_load(open('params.yaml'))['train']['lr']\n"
    "open('model.txt', 'w').write(str(lr))\n"
    "json.dump({'acc': lr * 10}, open('metrics.json', 'w'))\n"
)
PIPELINE = """\
stages:
  train:
    cmd: python train.py
    deps: [train.py]
    params: [train.lr]
    outs: [model.txt]
    metrics:
      - metrics.json:
          cache: false
"""


def test_exp_run_reproduces_the_pipeline_as_one_experiment(
    git_repo: Path, dvc: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run_dvc(dvc, git_repo, "init", "-q")
    (git_repo / "params.yaml").write_text("train:\n  lr: 0.1\n")
    (git_repo / "train.py").write_text(TRAIN)
    (git_repo / "dvc.yaml").write_text(PIPELINE)
    git(git_repo, "add", ".")
    git(git_repo, "commit", "-q", "-m", "pipeline")
    before = git(git_repo, "status", "--porcelain")
    assert main(["-C", str(git_repo), "exp", "run", "-S", "train.lr=0.01", "-n", "low"]) == 0
    assert "low" in capsys.readouterr().out
    assert git(git_repo, "status", "--porcelain") == before  # the workspace is untouched
    assert (git_repo / "params.yaml").read_text() == "train:\n  lr: 0.1\n"
    assert not (git_repo / "model.txt").exists()
    shown = json.loads(run_dvc(dvc, git_repo, "exp", "show", "--json"))
    data = {
        exp["name"]: exp["revs"][0]["data"]
        for baseline in shown
        for exp in baseline.get("experiments") or []
    }["low"]
    assert data["params"]["params.yaml"]["data"] == {"train": {"lr": 0.01}}
    assert data["metrics"]["metrics.json"]["data"] == {"acc": pytest.approx(0.1)}
    # The experiment's dvc.lock is the repro's; its model is in the repository's cache.
    lock = git(git_repo, "show", "refs/exps/" + _ref_tail(git_repo) + ":dvc.lock")
    assert "train.lr: 0.01" in lock
    md5 = lock.split("path: model.txt")[1].split("md5: ")[1].split()[0]
    assert (git_repo / ".dvc" / "cache" / "files" / "md5" / md5[:2] / md5[2:]).is_file()


def _ref_tail(root: Path) -> str:
    ref = git(root, "for-each-ref", "--format=%(refname)", "refs/exps/").split()[0]
    return ref.removeprefix("refs/exps/")


def _tree_files(root: Path, ref: str) -> set[str]:
    return set(git(root, "ls-tree", "-r", "--name-only", ref).split())


def _exp_ref(root: Path, name: str) -> str:
    refs = git(root, "for-each-ref", "--format=%(refname)", "refs/exps/").split()
    return next(ref for ref in refs if ref.endswith("/" + name))


def test_a_cached_output_is_ignored_not_committed_as_dvc_exp_run_does(
    git_repo: Path, dvc: str
) -> None:
    """First run of a pipeline, no .gitignore committed: the output stays out of Git (F8)."""
    run_dvc(dvc, git_repo, "init", "-q")
    (git_repo / "params.yaml").write_text("train:\n  lr: 0.1\n")
    (git_repo / "train.py").write_text(TRAIN)
    (git_repo / "dvc.yaml").write_text(PIPELINE)
    git(git_repo, "add", ".")
    git(git_repo, "commit", "-q", "-m", "pipeline")
    assert main(["-C", str(git_repo), "exp", "run", "-S", "train.lr=0.01", "-n", "ours"]) == 0
    run_dvc(dvc, git_repo, "exp", "run", "-S", "train.lr=0.02", "-n", "theirs")
    ours, theirs = _exp_ref(git_repo, "ours"), _exp_ref(git_repo, "theirs")
    # DVC's holds no .gitignore (its checkout writes one); ours keeps the one the run wrote.
    assert _tree_files(git_repo, ours) == {*_tree_files(git_repo, theirs), ".gitignore"}
    assert "model.txt" not in _tree_files(git_repo, ours)
    run_dvc(dvc, git_repo, "exp", "apply", "theirs")  # DVC leaves model.txt ignored
    assert (git_repo / ".gitignore").read_text() == git(git_repo, "show", f"{ours}:.gitignore")


SCRIPT = (
    "import sys\n"
    "from live_nb import Live\n"
    "with Live() as live:\n"
    "    live.log_metric('acc', float(sys.argv[1]))\n"
    "    live.next_step()\n"
    "    open('model.pt', 'w').write('model ' + sys.argv[1])\n"
    "    live.log_artifact('model.pt', type='model', name='mymodel')\n"
)


def test_a_logged_artifact_of_a_run_is_ignored_not_committed(git_repo: Path, dvc: str) -> None:
    """``exp run -- python train.py`` with log_artifact: the .dvc file and .gitignore, no blob."""
    run_dvc(dvc, git_repo, "init", "-q")
    (git_repo / "train.py").write_text(SCRIPT)
    git(git_repo, "add", ".")
    git(git_repo, "commit", "-q", "-m", "script")
    command = ["exp", "run", "-n", "art", "--", sys.executable, "train.py", "0.7"]
    assert main(["-C", str(git_repo), *command]) == 0
    ref = _exp_ref(git_repo, "art")
    files = _tree_files(git_repo, ref)
    assert "model.pt.dvc" in files and "model.pt" not in files
    assert git(git_repo, "show", f"{ref}:.gitignore").splitlines() == ["/model.pt"]
    assert main(["-C", str(git_repo), "exp", "apply", "art"]) == 0
    assert (git_repo / "model.pt").read_text() == "model 0.7"
    status = git(git_repo, "status", "--porcelain", "--ignored", "--", "model.pt")
    assert status.strip() == "!! model.pt"
    assert "up to date" in run_dvc(dvc, git_repo, "status")
