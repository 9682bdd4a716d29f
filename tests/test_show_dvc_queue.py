"""DVC's queued, running, failed and successful experiments in ``exp show``, and their layout.

The real ``dvc exp run --queue`` and ``dvc queue start`` make them; ``live-nb exp show --csv``
and ``--json`` must then print what ``dvc exp show --csv``/``--json`` print, byte for byte
(State and Executor columns, dependency md5s, DVC's row types and times), and ``apply``
must restore a failed experiment as ``dvc exp apply`` does.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from live_nb.experiments import apply, show
from tests.conftest import git, run_dvc

TRAIN = textwrap.dedent(
    """
    import json, sys, yaml
    params = yaml.safe_load(open("params.yaml"))
    if params["fail"]:
        sys.exit(3)
    result = {"acc": params["lr"] * 2, "ok": True, "seen": [1, 2]}
    json.dump(result, open("metrics.json", "w"))
    """
)
STAGE = textwrap.dedent(
    f"""
    stages:
      train:
        cmd: {sys.executable} train.py
        deps:
        - train.py
        - data
        params:
        - lr
        - fail
        - opt.name
        metrics:
        - metrics.json:
            cache: false
    """
)


@pytest.fixture
def project(git_repo: Path, dvc: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    return pipeline_with_an_experiment(git_repo, dvc, monkeypatch)


def pipeline_with_an_experiment(git_repo: Path, dvc: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A committed pipeline, reproduced, and DVC's experiment ``good`` of it."""
    # DVC's queue workers start `dvc` by name: the one under test must come first.
    monkeypatch.setenv("PATH", f"{Path(dvc).parent}{os.pathsep}{os.environ['PATH']}")
    run_dvc(dvc, git_repo, "init", "-q")
    (git_repo / "train.py").write_text(TRAIN)
    (git_repo / "params.yaml").write_text("lr: 0.1\nfail: false\nopt:\n  name: adam\n")
    (git_repo / "data").mkdir()
    (git_repo / "data" / "a.txt").write_text("a\n")
    (git_repo / "dvc.yaml").write_text(STAGE)
    run_dvc(dvc, git_repo, "repro", "-q")
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "pipeline")
    run_dvc(dvc, git_repo, "exp", "run", "-q", "-n", "good", "-S", "lr=0.2")
    return git_repo


def live_nb(repo: Path, *args: str) -> bytes:
    done = subprocess.run(
        [sys.executable, "-m", "live_nb", *args], cwd=repo, capture_output=True, check=False
    )
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


def dvc_out(dvc: str, repo: Path, *args: str) -> bytes:
    done = subprocess.run([dvc, *args], cwd=repo, capture_output=True, check=False)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


def same_output(dvc: str, repo: Path) -> None:
    for output in ("--csv", "--json"):
        theirs = dvc_out(dvc, repo, "exp", "show", output)
        ours = live_nb(repo, "exp", "show", output)
        assert ours == theirs, f"exp show {output}:\nours   {ours!r}\ntheirs {theirs!r}"


def wait_for_queue(dvc: str, repo: Path) -> None:
    for _ in range(240):
        status = run_dvc(dvc, repo, "queue", "status")
        if "Queued" not in status and "Running" not in status:
            return
        time.sleep(0.5)
    pytest.fail(f"DVC's queue did not finish:\n{status}")


@pytest.mark.oracle
@pytest.mark.slow
def test_dvc_queue_states_and_layout_match_dvc_byte_for_byte(project: Path, dvc: str) -> None:
    run_dvc(dvc, project, "exp", "run", "--queue", "-n", "later", "-S", "lr=0.3")
    run_dvc(dvc, project, "exp", "run", "--queue", "-n", "breaks", "-S", "fail=true")

    frame = show()
    states = dict(zip(frame["Experiment"], frame["State"]))
    assert states["later"] == "queued" and states["breaks"] == "queued"
    assert "data" in frame.columns and "train.py" in frame.columns  # dependency md5s
    same_output(dvc, project)

    run_dvc(dvc, project, "queue", "start")
    wait_for_queue(dvc, project)
    frame = show()
    rows = {row["Experiment"]: row for row in frame.to_dict("records")}
    assert rows["later"]["State"] == "success" and rows["later"]["Executor"] == "dvc-task"
    assert rows["breaks"]["State"] == "failed" and rows["later"]["acc"] == 0.6
    same_output(dvc, project)


@pytest.mark.oracle
@pytest.mark.slow
def test_apply_restores_a_failed_experiment_as_dvc_does(project: Path, dvc: str) -> None:
    run_dvc(dvc, project, "exp", "run", "--queue", "-n", "breaks", "-S", "fail=true")
    run_dvc(dvc, project, "queue", "start")
    wait_for_queue(dvc, project)
    git(project, "checkout", "-q", "--", ".")

    run_dvc(dvc, project, "exp", "apply", "breaks")
    theirs = {name: (project / name).read_text() for name in ("params.yaml", "dvc.lock")}
    git(project, "checkout", "-q", "--", ".")

    result = apply("breaks")
    assert result.name == "breaks"
    ours = {name: (project / name).read_text() for name in ("params.yaml", "dvc.lock")}
    assert ours == theirs and "fail: true" in ours["params.yaml"]


@pytest.mark.oracle
def test_a_cached_stage_metric_missing_from_the_workspace_is_read_from_the_dvc_cache(
    git_repo: Path, dvc: str
) -> None:
    run_dvc(dvc, git_repo, "init", "-q")
    (git_repo / "dvc.yaml").write_text(
        "stages:\n  score:\n    cmd: echo\n    metrics:\n    - score.json\n"
    )
    (git_repo / "score.json").write_text('{"auc": 0.75}')
    run_dvc(dvc, git_repo, "commit", "-f", "-q")
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "scored")
    (git_repo / "score.json").unlink()

    assert show().loc[0, "auc"] == 0.75  # the workspace row
    same_output(dvc, git_repo)


@pytest.mark.oracle
def test_the_layout_of_live_nb_experiments_matches_dvc_with_every_option(
    git_repo: Path, dvc: str
) -> None:
    from live_nb import Live
    from live_nb.experiments import save

    def train(lr: float, depth: int, loss: float, flag: bool, tags: list[str]) -> None:
        with Live(save_dvc_exp=False) as live:
            live.log_params({"lr": lr, "model": {"depth": depth}, "flag": flag, "tags": tags})
            live.log_metric("train/loss", loss)
            live.log_metric("acc", loss / 2)
            live.next_step()

    run_dvc(dvc, git_repo, "init", "-q")
    train(0.1, 2, 0.9, True, ["a"])
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "baseline")
    for index, (lr, depth) in enumerate([(0.3, 2), (0.1, 8), (0.01, 1)]):
        train(lr, depth, 1 / (index + 2), index % 2 == 0, ["a", "b'c"])
        save(name=f"run-{index}")
    # Clashing keys, a file met late, big and negative-zero floats.
    (git_repo / "params.yaml").write_text("seed: 1\nlr: 5\n")
    (git_repo / "dvc.yaml").write_text(
        "params:\n- dvclive/params.yaml\nmetrics:\n- dvclive/metrics.json\n- extra.json\n"
    )
    (git_repo / "extra.json").write_text('{"acc": 1, "rev": 2, "big": 1e300, "neg": -0.0}')
    save(name="run-clash")

    for options in ([], ["--only-changed"], ["--sort-by", "train.loss"], ["-A"], ["-n", "2"]):
        for output in ("--csv", "--json"):
            theirs = dvc_out(dvc, git_repo, "exp", "show", output, *options)
            assert live_nb(git_repo, "exp", "show", output, *options) == theirs, options


def test_live_nb_queued_runs_are_rows_with_their_state(git_repo: Path) -> None:
    from live_nb import runs

    (git_repo / "params.yaml").write_text("lr: 1\n")
    (git_repo / "train.py").write_text("print('never started here')\n")
    git(git_repo, "add", ".")
    git(git_repo, "commit", "-q", "-m", "script")
    (queued,) = runs.queue(command=[sys.executable, "train.py"], name="waiting", path=git_repo)

    frame = show(pending=runs.pending())
    row = frame[frame["Experiment"] == "waiting"].iloc[0]
    assert (row["State"], row["Executor"], row["typ"]) == ("queued", "live-nb", "branch_base")
    assert "train.py" in row["Message"]

    text = live_nb(git_repo, "exp", "show", "--csv").decode()
    header, *lines = text.splitlines()
    assert header.startswith("Experiment,rev,typ,Created,parent,State,Executor,")
    (line,) = [line for line in lines if line.startswith("waiting,,branch_base,")]
    assert ",Queued,Live-nb," in line
    assert "waiting" in live_nb(git_repo, "exp", "show").decode()
    runs.remove([queued.name], path=git_repo)
    assert "waiting" not in live_nb(git_repo, "exp", "show").decode()
