"""`live-nb exp run -S ...` in a project with dvc.yaml: the pipeline reproduced in the run's
snapshot, saved as one experiment that `dvc exp show` lists with its param and metrics."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from live_nb.cli import main
from live_nb.error import LiveNbWarning
from live_nb.experiments.restore import UncommittedChangesError, UnsafePathError
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


def commit_pipeline(repo: Path, dvc: str) -> None:
    """A DVC project whose committed pipeline trains with ``train.lr``; nothing run yet."""
    run_dvc(dvc, repo, "init", "-q")
    (repo / "params.yaml").write_text("train:\n  lr: 0.1\n")
    (repo / "train.py").write_text(TRAIN)
    (repo / "dvc.yaml").write_text(PIPELINE)
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "pipeline")


def test_exp_run_reproduces_the_pipeline_as_one_experiment(
    git_repo: Path, dvc: str, capsys: pytest.CaptureFixture[str]
) -> None:
    commit_pipeline(git_repo, dvc)
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
    commit_pipeline(git_repo, dvc)
    assert main(["-C", str(git_repo), "exp", "run", "-S", "train.lr=0.01", "-n", "ours"]) == 0
    run_dvc(dvc, git_repo, "exp", "run", "-S", "train.lr=0.02", "-n", "theirs")
    ours, theirs = _exp_ref(git_repo, "ours"), _exp_ref(git_repo, "theirs")
    # DVC's holds no .gitignore (its checkout writes one); ours keeps the one the run wrote.
    assert _tree_files(git_repo, ours) == {*_tree_files(git_repo, theirs), ".gitignore"}
    assert "model.txt" not in _tree_files(git_repo, ours)
    run_dvc(dvc, git_repo, "exp", "apply", "theirs")  # DVC leaves model.txt ignored
    assert (git_repo / ".gitignore").read_text() == git(git_repo, "show", f"{ours}:.gitignore")
    git(git_repo, "reset", "-q", "--hard")
    git(git_repo, "clean", "-qfdx", "-e", ".dvc")
    assert main(["-C", str(git_repo), "exp", "apply", "ours"]) == 0
    assert (git_repo / "model.txt").read_text() == "0.01"
    status = git(git_repo, "status", "--porcelain", "--ignored", "--", "model.txt")
    assert status.strip() == "!! model.txt"
    assert "up to date" in run_dvc(dvc, git_repo, "status")


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


def _dvc_experiments(root: Path, dvc: str) -> None:
    """Two experiments made by `dvc exp run`: "low" (model 0.01) then "high" (model 0.5)."""
    run_dvc(dvc, root, "init", "-q")
    (root / "params.yaml").write_text("train:\n  lr: 0.1\n")
    (root / "train.py").write_text(TRAIN)
    (root / "dvc.yaml").write_text(PIPELINE)
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "pipeline")
    run_dvc(dvc, root, "exp", "run", "-S", "train.lr=0.01", "-n", "low")
    run_dvc(dvc, root, "exp", "run", "-S", "train.lr=0.5", "-n", "high")


def test_apply_checks_a_dvc_experiments_lock_outputs_out_of_the_cache(
    git_repo: Path, dvc: str
) -> None:
    """F2: as `dvc exp apply`, the stage outputs dvc.lock records come back from .dvc/cache."""
    from live_nb.experiments import apply

    _dvc_experiments(git_repo, dvc)
    run_dvc(dvc, git_repo, "exp", "apply", "low")
    assert (git_repo / "model.txt").read_text() == "0.01"
    result = apply("high", git_repo)
    assert "model.txt" in result.restored_artifacts
    assert (git_repo / "model.txt").read_text() == "0.5"
    assert "up to date" in run_dvc(dvc, git_repo, "status")
    status = git(git_repo, "status", "--porcelain", "--ignored", "--", "model.txt")
    assert status.strip() == "!! model.txt"
    # An edit of the output saved nowhere is refused, then backed up with force.
    (git_repo / "model.txt").write_text("my own edit")
    with pytest.raises(UncommittedChangesError, match=r"model\.txt"):
        apply("low", git_repo)
    assert (git_repo / "model.txt").read_text() == "my own edit"
    forced = apply("low", git_repo, force=True)
    assert (git_repo / "model.txt").read_text() == "0.01"
    assert [path for path, _ in forced.cached_artifacts] == ["model.txt"]


def test_apply_of_a_lock_output_missing_from_the_cache_says_to_pull(
    git_repo: Path, dvc: str
) -> None:
    from live_nb.experiments import apply

    _dvc_experiments(git_repo, dvc)
    git(git_repo, "clean", "-qfdx", "-e", ".dvc/config")  # a fresh clone: no cache, no outputs
    git(git_repo, "checkout", "-q", ".")
    with pytest.warns(LiveNbWarning, match=r"model\.txt.*live-nb pull"):
        result = apply("high", git_repo)
    assert result.missing_artifacts == ("model.txt (dvc.lock)",)
    assert not (git_repo / "model.txt").exists()


def test_apply_refuses_a_lock_output_leaving_the_working_tree(git_repo: Path, dvc: str) -> None:
    from live_nb.experiments import apply

    _dvc_experiments(git_repo, dvc)
    ref = _exp_ref(git_repo, "high")
    lock = git(git_repo, "show", f"{ref}:dvc.lock").replace("path: model.txt", "path: ../x.txt")
    index = git_repo / ".git" / "evil-index"

    def raw(*args: str, data: str | None = None) -> str:
        env = {**os.environ, "GIT_INDEX_FILE": str(index)}
        done = subprocess.run(
            ["git", *args], cwd=git_repo, env=env, input=data, check=True,
            capture_output=True, text=True,
        )  # fmt: skip
        return done.stdout.strip()

    blob = raw("hash-object", "-w", "--stdin", data=lock)
    raw("read-tree", ref)
    raw("update-index", "--cacheinfo", f"100644,{blob},dvc.lock")
    tree = raw("write-tree")
    parent = raw("rev-parse", f"{ref}^1")
    commit = raw("commit-tree", tree, "-p", parent, "-m", "evil", data="")
    index.unlink()
    git(git_repo, "update-ref", ref, commit)
    before = sorted(p.name for p in git_repo.iterdir())
    with pytest.raises(UnsafePathError, match="leaves the working tree"):
        apply("high", git_repo)
    assert sorted(p.name for p in git_repo.iterdir()) == before
    assert not (git_repo.parent / "x.txt").exists()
