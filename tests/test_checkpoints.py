"""Checkpoints: ``Live(checkpoint=...)`` commits the run as it goes, the final save extends it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from live_nb import Live, experiments
from live_nb.checkpoints import InvalidCheckpointScheduleError, Schedule
from live_nb.error import LiveNbWarning
from live_nb.experiments.chain import parse_trailers, read_chain
from live_nb.experiments.refs import UnknownExperimentError
from live_nb.experiments.show import collect
from live_nb.git import Repository
from tests.conftest import git, run_dvc


def exp_refs(repo: Path) -> dict[str, str]:
    lines = git(repo, "for-each-ref", "--format=%(refname) %(objectname)", "refs/exps")
    return {
        ref.rsplit("/", 1)[1]: sha for ref, sha in (line.split() for line in lines.splitlines())
    }


def message(repo: Path, commit: str) -> dict[str, str]:
    return parse_trailers(git(repo, "log", "-1", "--format=%B", commit))


def first_parents(repo: Path, commit: str) -> list[str]:
    return git(repo, "rev-list", "--first-parent", commit).split()


def fsck_clean(repo: Path) -> None:
    done = subprocess.run(
        ["git", "fsck", "--no-dangling", "--strict"], cwd=repo, capture_output=True, text=True
    )
    assert done.returncode == 0 and not done.stdout.strip(), done.stdout + done.stderr


def test_schedules_are_steps_or_intervals() -> None:
    assert Schedule.parse(True) == Schedule(steps=1)
    assert Schedule.parse("") == Schedule(steps=1)
    assert Schedule.parse(5) == Schedule(steps=5)
    assert Schedule.parse("5") == Schedule(steps=5)
    assert Schedule.parse("60s") == Schedule(seconds=60.0)
    assert Schedule.parse("2m") == Schedule(seconds=120.0)
    assert Schedule.parse(None) is None and Schedule.parse(False) is None
    for wrong in (0, -3, "often", "5x", 1.5):
        with pytest.raises(InvalidCheckpointScheduleError, match="every 5 steps"):
            Schedule.parse(wrong)
    every_3 = Schedule(steps=3)
    assert [n for n in range(1, 10) if every_3.due(n, 0.0, None)] == [3, 6, 9]
    minute = Schedule(seconds=60.0)
    assert minute.due(1, 100.0, None) and not minute.due(2, 130.0, 100.0)
    assert minute.due(3, 160.0, 100.0)


def test_the_experiment_exists_from_the_first_checkpoint(git_repo: Path) -> None:
    head = git(git_repo, "rev-parse", "HEAD").strip()
    with Live(checkpoint=True, exp_name="night") as live:
        for step in range(3):
            live.log_metric("loss", 1 / (step + 1))
            live.next_step()
            assert live._checkpoints is not None
            live._checkpoints.wait()
            tip = exp_refs(git_repo)["night"]
            trailers = message(git_repo, tip)
            assert trailers["Live-Nb-Status"] == "running"
            assert int(trailers["Live-Nb-Step"]) == step  # metrics.json of the commit agrees
            shown = json.loads(git(git_repo, "show", f"{tip}:dvclive/metrics.json"))
            assert shown["step"] == step
        checkpoints = exp_refs(git_repo)["night"]
    final = exp_refs(git_repo)["night"]
    assert message(git_repo, final)["Live-Nb-Status"] == "ok"
    assert message(git_repo, final)["Live-Nb-Step"] == "2"
    chain = first_parents(git_repo, final)
    assert chain[1] == checkpoints and chain[-1] == head and len(chain) == 5  # 3 + final + HEAD
    # HEAD, the index and the working tree are the user's: nothing moved or staged
    assert git(git_repo, "rev-parse", "HEAD").strip() == head
    assert git(git_repo, "diff", "--cached", "--name-only") == ""
    with Repository.discover(git_repo) as repo:
        links = read_chain(repo, final)
    assert [link.step for link in links] == [2, 2, 1, 0]
    assert [link.checkpoint for link in links] == [False, True, True, True]
    assert links[1].status == "running"  # this process, alive
    assert not list((git_repo / ".git").glob("live_nb-index-*"))  # the kept index is gone
    fsck_clean(git_repo)


def _wait_for(condition: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_checkpoints_never_wait_for_git_and_are_coalesced(git_repo: Path) -> None:
    with Live(checkpoint=True, exp_name="fast") as live:
        for step in range(200):
            live.log_metric("loss", float(step))
            live.next_step()
            if step == 0:  # on a loaded machine the 200 steps can end before any commit does
                _wait_for(lambda: "fast" in exp_refs(git_repo))
    assert live._checkpoints is not None
    made = len(live._checkpoints.latencies)  # the one in flight at end() is finished first
    # a commit takes tens of milliseconds: most of the 200 requests were absorbed
    assert 1 <= made < 200
    chain = first_parents(git_repo, exp_refs(git_repo)["fast"])
    assert len(chain) == made + 2
    assert message(git_repo, chain[0])["Live-Nb-Step"] == "199"
    fsck_clean(git_repo)


def test_every_n_steps_and_an_explicit_checkpoint(git_repo: Path) -> None:
    with Live(checkpoint=4, exp_name="sparse") as live:
        for _ in range(9):
            live.next_step()
            assert live._checkpoints is not None
            live._checkpoints.wait()
        live.checkpoint(wait=True)
        steps = [
            message(git_repo, c)["Live-Nb-Step"]
            for c in first_parents(git_repo, exp_refs(git_repo)["sparse"])[:-1]
        ]
    assert steps == ["8", "7", "3"]  # after 4 and 8 steps, then live.checkpoint()


def test_declared_files_are_cached_at_each_checkpoint(git_repo: Path) -> None:
    model = git_repo / "model.pt"
    with Live(exp_name="model", checkpoint=True) as live:
        with pytest.warns(LiveNbWarning, match="checkpoint file 'model.pt' does not exist yet"):
            live.log_artifact("model.pt", checkpoint=True)
            live.next_step()  # due: warned once
        assert live._checkpoints is not None
        live._checkpoints.wait()
        for step in range(1, 3):
            model.write_text(f"weights {step}\n")
            live.next_step()
            live._checkpoints.wait()
    chain = first_parents(git_repo, exp_refs(git_repo)["model"])
    first = chain[-2]
    assert "model.pt.dvc" not in git(git_repo, "ls-tree", "--name-only", first)
    md5s = set()
    steps = []
    for commit in chain[:-2]:
        dvc_file = git(git_repo, "show", f"{commit}:model.pt.dvc")
        md5s.add(dvc_file.split("md5: ")[1].split()[0])
        steps.append(json.loads(message(git_repo, commit)["Live-Nb-Checkpoint-Files"]))
    assert steps == [{"model.pt": 2}, {"model.pt": 2}, {"model.pt": 1}]  # final, step 2, 1
    assert len(md5s) == 2  # weights 1 and weights 2, each in the DVC cache
    for md5 in md5s:
        assert (git_repo / ".dvc" / "cache" / "files" / "md5" / md5[:2] / md5[2:]).is_file()
    assert not model.is_symlink() and model.read_text() == "weights 2\n"


def test_a_file_rewritten_before_its_checkpoint_keeps_the_earlier_content(
    git_repo: Path,
) -> None:
    model = git_repo / "model.pt"
    model.write_text("weights 0\n")
    with Live(exp_name="racy", checkpoint=True) as live:
        live.log_artifact("model.pt", checkpoint=True)
        live.next_step()
        assert live._checkpoints is not None
        live._checkpoints.wait()
        model.write_text("weights 1\n")
        with live._checkpoints._lock:  # the checkpoint thread is held back...
            live.next_step()  # due at the end of step 1, with weights 1
            model.write_text("weights 2, half writ")  # ...while the loop rewrites the file
        live._checkpoints.wait()
        tip = exp_refs(git_repo)["racy"]
        trailers = message(git_repo, tip)
        assert trailers["Live-Nb-Step"] == "1"
        assert json.loads(trailers["Live-Nb-Checkpoint-Files"]) == {"model.pt": 0}
        with Repository.discover(git_repo) as repo:
            assert read_chain(repo, tip)[0].resume_step == 0  # results and model agree there
        model.write_text("weights 2\n")


def test_outside_a_repository_logging_goes_on(tmp_dir: Path) -> None:
    with pytest.warns(LiveNbWarning, match="checkpoints are off: .*not inside a Git repository"):
        live = Live(checkpoint=True, save_dvc_exp=False)
    for step in range(3):
        live.log_metric("loss", step)
        live.next_step()
    live.checkpoint(wait=True)  # no second message
    live.end()
    assert (tmp_dir / "dvclive" / "plots" / "metrics" / "loss.tsv").read_text().count("\n") == 4


def test_without_a_commit_logging_goes_on(tmp_dir: Path) -> None:
    git(tmp_dir, "init", "-q")
    with pytest.warns(LiveNbWarning, match="checkpoints are off: .*no commit yet"):
        live = Live(checkpoint="60s", save_dvc_exp=False)
    live.log_metric("loss", 1)
    live.next_step()
    live.end()
    assert json.loads((tmp_dir / "dvclive" / "metrics.json").read_text())["loss"] == 1


KILLED_RUN = """
import os
from live_nb import Live
live = Live(checkpoint=True, exp_name="night")
live.log_param("lr", 0.1)
for step in range(4):
    live.log_metric("loss", 1 / (step + 1))
    live.next_step()
    live._checkpoints.wait()
os._exit(0)  # gone without end(), as a killed kernel
"""


@pytest.mark.oracle
def test_dvc_exp_show_lists_the_chain_of_a_dead_run(git_repo: Path, dvc: str) -> None:
    subprocess.run([dvc, "init", "-q"], cwd=git_repo, check=True)
    git(git_repo, "commit", "-q", "-m", "dvc init")
    killed_run(git_repo)
    shown = json.loads(run_dvc(dvc, git_repo, "exp", "show", "--json"))
    (experiment,) = shown[1]["experiments"]
    assert experiment["name"] == "night"
    revs = experiment["revs"]
    assert revs[0]["name"] == "night" and revs[0]["rev"] == exp_refs(git_repo)["night"]
    metrics = [rev["data"]["metrics"]["dvclive/metrics.json"]["data"] for rev in revs]
    assert [m["step"] for m in metrics] == [3, 2, 1, 0]  # a row per checkpoint, newest first
    assert revs[0]["data"]["params"]["dvclive/params.yaml"]["data"] == {"lr": 0.1}

    # live-nb prints the same bytes, the chain in `revs` and no State column in the CSV
    for layout in ("--json", "--csv"):
        ours = subprocess.run(
            [sys.executable, "-m", "live_nb", "exp", "show", layout],
            cwd=git_repo, capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        theirs = run_dvc(dvc, git_repo, "exp", "show", layout)
        assert ours.rstrip("\r\n") == theirs.rstrip("\r\n"), layout


def killed_run(repo: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    subprocess.run([sys.executable, "-c", KILLED_RUN], cwd=repo, env=env, check=True)


def test_show_marks_a_run_that_never_ended(git_repo: Path) -> None:
    killed_run(git_repo)
    df = experiments.show(git_repo)
    assert list(df["Experiment"]) == ["workspace", "main", "night"]
    assert list(df["State"].fillna("-")) == ["-", "-", "unfinished"]
    assert df["step"][2] == 3
    table = collect(git_repo, checkpoints=True)
    rows = list(table.records())
    assert [row["Experiment"] for row in rows[2:]] == ["night", "night@2", "night@1", "night@0"]
    assert [row["typ"] for row in rows[2:]] == ["branch_base", *["checkpoint"] * 3]
    assert [row["loss"] for row in rows[3:]] == [1 / 3, 0.5, 1.0]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    done = subprocess.run(
        [sys.executable, "-m", "live_nb", "exp", "show", "--checkpoints"],
        cwd=git_repo,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "[night] (unfinished)" in done.stdout and "[night@1]" in done.stdout
    plain = subprocess.run(
        [sys.executable, "-m", "live_nb", "exp", "show"],
        cwd=git_repo,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "night@1" not in plain


def test_show_says_running_while_the_run_goes_on(git_repo: Path) -> None:
    with Live(checkpoint=True, exp_name="going") as live:
        live.log_metric("loss", 1.0)
        live.next_step()
        live.checkpoint(wait=True)
        assert list(experiments.show(git_repo)["State"].fillna("-"))[-1] == "running"
    assert "State" not in experiments.show(git_repo).columns  # ended: "ok" in its message


def test_name_at_step_names_a_checkpoint(git_repo: Path) -> None:
    killed_run(git_repo)
    chain = first_parents(git_repo, exp_refs(git_repo)["night"])
    at_1 = chain[2]
    result = experiments.branch("night@1", "from-step-1", git_repo)
    assert result.commit == at_1
    assert git(git_repo, "rev-parse", "from-step-1").strip() == at_1
    assert experiments.branch("night@3", "newest", git_repo).commit == chain[0]
    assert experiments.branch(at_1[:8], "by-sha", git_repo).commit == at_1
    d = experiments.diff("night@0", "night@2", git_repo)
    assert d.metrics.set_index("key")["new"]["loss"] == 1 / 3
    applied = experiments.apply("night@1", git_repo)
    assert json.loads((git_repo / "dvclive" / "metrics.json").read_text())["step"] == 1
    assert applied.commit == at_1
    with pytest.raises(UnknownExperimentError, match=r"no checkpoint at step 7; .* steps 0, 1"):
        experiments.branch("night@7", "nope", git_repo)
    with pytest.raises(UnknownExperimentError, match="Did you mean 'night'"):
        experiments.branch("nigth@1", "nope", git_repo)
