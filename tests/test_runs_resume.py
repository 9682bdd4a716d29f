"""``exp run --resume-from``: a headless run continues a checkpoint chain, or branches from it.

Real runs: a script checkpoints in the workspace and dies; ``live-nb exp run --resume-from``
then runs it again in a folder of its own, from the checkpoint's results and model, and its
final save extends the chain (same code and params) or starts a new experiment on the
checkpoint (a -S grid). The user's files are never touched; ``dvc exp show`` lists the result.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from live_nb.experiments.refs import UnknownExperimentError
from live_nb.runs import api
from live_nb.runs.resume import ResetAndResumeError, ResumeOnClusterError
from tests.conftest import git, run_dvc
from tests.test_checkpoints import exp_refs, first_parents, fsck_clean, message

TRAIN = """
import os, yaml
from live_nb import Live
params = yaml.safe_load(open("params.yaml"))
live = Live(checkpoint=True, exp_name="night")
live.log_params(params)
live.log_artifact("model.pt", checkpoint=True)
start = live.step
if live.resumed is not None:
    print("resumed", live.resumed.exp.name, "model", open("model.pt").read().strip())
for step in range(start, start + 3):
    open("model.pt", "w").write(f"weights {step}\\n")
    live.log_metric("loss", params["lr"] / (step + 1))
    live.next_step()
    if os.environ.get("DIE_AT"):  # the first run: a checkpoint at every step, then killed
        live._checkpoints.wait()
    if os.environ.get("DIE_AT") == str(step):
        os._exit(0)
live.end()
"""
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def died(git_repo: Path) -> Path:
    """A project whose run checkpointed steps 0, 1 and 2, then died."""
    (git_repo / ".gitignore").write_text("dvclive/\n")
    (git_repo / "train.py").write_text(TRAIN)
    (git_repo / "params.yaml").write_text("lr: 0.5\n")
    git(git_repo, "add", ".")
    git(git_repo, "commit", "-q", "-m", "training script")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DIE_AT": "2"}
    subprocess.run([sys.executable, "train.py"], cwd=git_repo, env=env, check=True)
    tip = exp_refs(git_repo)["night"]
    assert message(git_repo, tip)["Live-Nb-Step"] == "2"
    for commit in first_parents(git_repo, tip)[:3]:  # the model: in DVC's cache, not in Git
        assert "model.pt" not in git(git_repo, "ls-tree", "-r", "--name-only", commit).split()
    return git_repo


def cli(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "live_nb", *args]
    return subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True)


def tsv_steps(repo: Path, commit: str) -> list[str]:
    text = git(repo, "show", f"{commit}:dvclive/plots/metrics/loss.tsv")
    return [row.split("\t")[0] for row in text.splitlines()[1:]]


def workspace(repo: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(repo)): p.read_bytes()
        for p in sorted(repo.rglob("*"))
        if p.is_file() and not {".git", "cache"} & set(p.relative_to(repo).parts)
    }


def test_resuming_the_last_checkpoint_extends_its_chain(died: Path) -> None:
    before, files = exp_refs(died)["night"], workspace(died)
    done = cli(died, "exp", "run", "--resume-from", "night", "--", sys.executable, "train.py")
    assert done.returncode == 0, done.stdout + done.stderr
    tip = exp_refs(died)["night"]
    assert first_parents(died, tip)[1] == before  # one more commit of the same chain
    trailers = message(died, tip)
    assert trailers["Live-Nb-Status"] == "ok" and trailers["Live-Nb-Step"] == "5"
    assert tsv_steps(died, tip) == ["0", "1", "2", "3", "4", "5"]
    assert json.loads(trailers["Live-Nb-Checkpoint-Files"]) == {"model.pt": 5}
    md5 = git(died, "show", f"{tip}:model.pt.dvc").split("md5: ")[1].split()[0]
    cache = died / ".dvc" / "cache" / "files" / "md5" / md5[:2] / md5[2:]
    assert cache.read_text() == "weights 5\n"  # the model as the run ended, in the cache
    log = api.status(died)[-1].log_path.read_text()
    assert "resumed night model weights 2" in log  # the checkpoint's model, restored
    assert workspace(died) == files  # the user's files are as they were
    fsck_clean(died)


def test_an_earlier_checkpoint_grid_makes_new_experiments_on_it(died: Path) -> None:
    night = exp_refs(died)["night"]
    at_1 = first_parents(died, night)[1]
    assert message(died, at_1)["Live-Nb-Checkpoint-Files"] == '{"model.pt": 1}'
    runs = api.run(
        command=[sys.executable, "train.py"], params=["lr=0.1,0.2"], name="branch",
        resume_from="night@1", path=died,
    )  # fmt: skip
    results = runs.wait(timeout=120)
    assert [r.status for r in results] == ["ok", "ok"], [r.error for r in results]
    refs = exp_refs(died)
    assert refs["night"] == night  # the chain resumed from is left as it was
    for result in results:
        commit = refs[result.experiment]
        assert first_parents(died, commit)[1] == at_1  # its first commit's parent
        assert tsv_steps(died, commit) == ["0", "1", "2", "3", "4"]  # steps 2..4 are new
        assert "model.pt" not in git(died, "ls-tree", "-r", "--name-only", commit).split()
    assert {r.experiment for r in results} == {"branch-1", "branch-2"}


def test_an_unknown_target_suggests_names_and_runs_nothing(died: Path) -> None:
    with pytest.raises(UnknownExperimentError, match="Did you mean 'night'"):
        api.run(command=[sys.executable, "train.py"], resume_from="nihgt", path=died)
    assert api.status(died) == []
    done = cli(died, "exp", "run", "--resume-from", "night@9", "--", sys.executable, "train.py")
    assert done.returncode != 0 and "no checkpoint at step 9" in done.stderr
    assert "Traceback" not in done.stderr and api.status(died) == []


def test_a_resumed_run_on_a_cluster_is_refused_before_anything_is_queued(died: Path) -> None:
    with pytest.raises(ResumeOnClusterError):
        api.run(command=["true"], resume_from="night", executor="dask://127.0.0.1:1", path=died)
    cluster = ("--executor", "dask://x:1")
    done = cli(died, "exp", "run", "--resume-from", "night", *cluster, "--", "true")
    assert done.returncode != 0 and "without --executor" in done.stderr
    assert api.status(died) == []


def test_reset_and_resume_together_are_refused(died: Path) -> None:
    with pytest.raises(ResetAndResumeError):
        api.queue(command=["true"], resume_from="night", reset=True, path=died)
    done = cli(died, "exp", "run", "--reset", "--resume-from", "night", "--", "true")
    assert done.returncode != 0 and "not allowed with" in done.stderr


def test_reset_starts_over(died: Path) -> None:
    (died / ".gitignore").write_text("")  # the workspace's results are in the snapshot now
    (result,) = api.run(command=[sys.executable, "train.py"], reset=True, path=died).wait(120)
    assert result.status == "ok", result.error
    commit = exp_refs(died)[result.experiment]
    assert tsv_steps(died, commit) == ["0", "1", "2"]


NOTEBOOK_CELL = (
    "%%live night --checkpoint-file model.pt\n"
    "print('resumed', live.resumed is not None, 'at', live.step)\n"
    "for step in range(live.step, live.step + 2):\n"
    "    open('model.pt', 'w').write(f'weights {step}\\n')\n"
    "    live.log_metric('loss', 1 / (step + 1))\n"
    "    live.next_step()\n"
)


@pytest.mark.oracle
def test_a_notebook_resumes_and_dvc_lists_the_chain(died: Path, dvc: str) -> None:
    pytest.importorskip("nbclient")
    from tests.test_runs_execute import _code, write_notebook

    write_notebook(died / "train.ipynb", _code("%load_ext live_nb"), _code(NOTEBOOK_CELL))
    before = exp_refs(died)["night"]
    (result,) = api.run("train.ipynb", resume_from="night", path=died).wait(timeout=180)
    assert result.status == "ok", result.error
    tip = exp_refs(died)[result.experiment]
    assert before in first_parents(died, tip)
    executed = git(died, "show", f"{tip}:train.ipynb")
    assert "resumed True at 3" in executed
    assert message(died, tip)["Live-Nb-Step"] == "4"
    shown = json.loads(run_dvc(dvc, died, "exp", "show", "--json"))
    names = {
        exp["name"]: exp["revs"][0]["data"]
        for baseline in shown
        for exp in baseline.get("experiments") or []
    }
    assert result.experiment in names
    metrics = names[result.experiment]["metrics"]["dvclive/metrics.json"]["data"]
    assert metrics["step"] == 4 and metrics["loss"] == pytest.approx(1 / 5)
