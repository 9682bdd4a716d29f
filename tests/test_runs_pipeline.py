"""`live-nb exp run -S ...` in a project with dvc.yaml: the pipeline reproduced in the run's
snapshot, saved as one experiment that `dvc exp show` lists with its param and metrics."""

from __future__ import annotations

import json
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
