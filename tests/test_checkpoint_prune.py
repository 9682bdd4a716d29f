"""Pruning a checkpoint chain: the last commit kept (or every Nth step), the cache given back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from IPython.core.error import UsageError

from live_nb import Live, experiments
from live_nb.experiments.pruning import ExperimentRunningError, InvalidKeepEveryError
from tests.conftest import git, run_dvc
from tests.test_checkpoint_resume import cached
from tests.test_checkpoints import exp_refs, first_parents, fsck_clean, message

DEAD_RUN = """
import os, sys
from live_nb import Live
live = Live(checkpoint=True, exp_name="night")
live.log_param("lr", 0.1)
live.log_artifact("model.pt", checkpoint=True)
for step in range(int(sys.argv[1])):
    open("model.pt", "w").write(f"weights {step}\\n")
    live.log_metric("loss", 1 / (step + 1))
    live.next_step()
    live._checkpoints.wait()
os._exit(0)  # gone without end(), as a killed kernel
"""

ENV = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}


def dead_run(repo: Path, steps: int) -> str:
    subprocess.run([sys.executable, "-c", DEAD_RUN, str(steps)], cwd=repo, env=ENV, check=True)
    return exp_refs(repo)["night"]


def tree(repo: Path, commit: str) -> str:
    return git(repo, "rev-parse", f"{commit}^{{tree}}")


def steps_of(repo: Path, tip: str) -> list[int]:
    return [int(message(repo, c)["Live-Nb-Step"]) for c in first_parents(repo, tip)[:-1]]


def test_prune_keeps_the_last_checkpoint_and_frees_the_cache(git_repo: Path) -> None:
    head = git(git_repo, "rev-parse", "HEAD").strip()
    old = dead_run(git_repo, 6)
    assert steps_of(git_repo, old) == [5, 4, 3, 2, 1, 0]
    assert all(cached(git_repo, f"weights {step}\n") for step in range(6))
    status = git(git_repo, "status", "--porcelain")

    result = experiments.prune("night", git_repo)

    new = exp_refs(git_repo)["night"]
    assert result.commit == new != old and result.removed == 5 and result.kept == (5,)
    assert first_parents(git_repo, new) == [new, head]  # one commit on the baseline
    assert tree(git_repo, new) == tree(git_repo, old)
    same = "--format=%an %ae %ad %cn %ce %cd%n%B"
    assert git(git_repo, "log", "-1", same, new) == git(git_repo, "log", "-1", same, old)
    # the models only the dropped checkpoints held are gone; the kept one's stays
    assert [cached(git_repo, f"weights {step}\n") for step in range(6)] == [False] * 5 + [True]
    assert result.objects.count == 5
    assert "removed 5 checkpoint(s), kept 1 commit(s) (step 5)" in result.describe()
    assert "Deleted 5 artifact object(s)" in result.describe()
    # HEAD, the index and the working tree are the user's
    assert git(git_repo, "rev-parse", "HEAD").strip() == head
    assert git(git_repo, "status", "--porcelain") == status
    assert (git_repo / "model.pt").read_text() == "weights 5\n"
    fsck_clean(git_repo)
    again = experiments.prune("night", git_repo)
    assert (
        again.removed == 0 and again.describe() == "Experiment 'night' has no checkpoints to prune."
    )


def test_keep_every_n_steps(git_repo: Path) -> None:
    old = dead_run(git_repo, 10)
    result = experiments.prune("night", git_repo, keep_every=3)
    new = exp_refs(git_repo)["night"]
    assert result.kept == (2, 5, 8, 9) and result.removed == 6
    assert steps_of(git_repo, new) == [9, 8, 5, 2]
    for kept in first_parents(git_repo, new)[:-1]:  # each the tree of the checkpoint it was
        step = message(git_repo, kept)["Live-Nb-Step"]
        was = next(
            c for c in first_parents(git_repo, old) if message(git_repo, c)["Live-Nb-Step"] == step
        )
        assert tree(git_repo, kept) == tree(git_repo, was)
    assert [cached(git_repo, f"weights {s}\n") for s in range(10)] == [
        s in (2, 5, 8, 9) for s in range(10)
    ]
    applied = experiments.apply("night@5", git_repo, force=True)  # NAME@STEP still works
    assert applied.commit in first_parents(git_repo, new)
    assert json.loads((git_repo / "dvclive" / "metrics.json").read_text())["step"] == 5
    assert (git_repo / "model.pt").read_text() == "weights 5\n"
    with pytest.raises(InvalidKeepEveryError, match="positive number of steps"):
        experiments.prune("night", git_repo, keep_every=0)
    fsck_clean(git_repo)


def test_what_another_ref_reaches_is_kept(git_repo: Path) -> None:
    old = dead_run(git_repo, 5)
    at_1 = first_parents(git_repo, old)[3]
    experiments.branch("night@1", "from-step-1", git_repo)
    result = experiments.prune("night", git_repo)
    new = exp_refs(git_repo)["night"]
    assert result.removed == 2  # steps 3 and 2; not 1 nor 0: the branch holds them
    assert first_parents(git_repo, new)[1] == at_1
    assert steps_of(git_repo, new) == [4, 1, 0]
    assert [cached(git_repo, f"weights {s}\n") for s in range(5)] == [
        True,
        True,
        False,
        False,
        True,
    ]
    fsck_clean(git_repo)


def test_a_running_experiment_is_refused(git_repo: Path) -> None:
    with Live(checkpoint=True, exp_name="going") as live:
        for _ in range(3):
            live.log_metric("loss", 1.0)
            live.next_step()
            live.checkpoint(wait=True)
        tip = exp_refs(git_repo)["going"]
        with pytest.raises(ExperimentRunningError, match="'going' is still running"):
            experiments.prune("going", git_repo)
        assert exp_refs(git_repo)["going"] == tip
    ended = experiments.prune("going", git_repo)  # ended: its final save is the last commit
    assert ended.removed >= 3
    assert message(git_repo, exp_refs(git_repo)["going"])["Live-Nb-Status"] == "ok"


@pytest.mark.oracle
def test_dvc_exp_show_lists_the_pruned_chain(git_repo: Path, dvc: str) -> None:
    subprocess.run([dvc, "init", "-q"], cwd=git_repo, check=True)
    git(git_repo, "commit", "-q", "-m", "dvc init")
    dead_run(git_repo, 6)
    experiments.prune("night", git_repo, keep_every=2)
    shown = json.loads(run_dvc(dvc, git_repo, "exp", "show", "--json"))
    (experiment,) = shown[1]["experiments"]
    revs = experiment["revs"]
    assert revs[0]["rev"] == exp_refs(git_repo)["night"]
    metrics = [rev["data"]["metrics"]["dvclive/metrics.json"]["data"] for rev in revs]
    assert [m["step"] for m in metrics] == [5, 3, 1]


def test_the_command_line_and_the_magic(git_repo: Path, shell: Any, capsys: Any) -> None:
    dead_run(git_repo, 4)
    command = [sys.executable, "-m", "live_nb", "exp", "prune", "night", "--keep-every", "2"]
    done = subprocess.run(command, cwd=git_repo, env=ENV, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "Pruned experiment 'night': removed 2 checkpoint(s)" in done.stdout
    assert steps_of(git_repo, exp_refs(git_repo)["night"]) == [3, 1]
    wrong = subprocess.run(
        [*command[:-1], "0"], cwd=git_repo, env=ENV, capture_output=True, text=True
    )
    assert wrong.returncode == 2 and "positive number of steps" in wrong.stderr
    assert shell.run_line_magic("exp_prune", "night") is None
    assert "removed 1 checkpoint(s), kept 1 commit(s) (step 3)" in capsys.readouterr().out
    with pytest.raises(UsageError, match="No experiment named 'nigth'"):
        shell.run_line_magic("exp_prune", "nigth")


@pytest.fixture
def shell() -> Any:
    from IPython.testing import globalipapp

    ip = globalipapp.get_ipython()
    ip.run_line_magic("load_ext", "live_nb")
    yield ip
    ip.run_line_magic("unload_ext", "live_nb")


def test_a_resumed_experiment_keeps_the_checkpoint_it_grew_from(git_repo: Path) -> None:
    night = dead_run(git_repo, 4)
    at_1 = first_parents(git_repo, night)[2]
    with Live(resume_from="night@1", checkpoint=True, exp_name="retry") as live:
        for _ in range(3):
            live.log_metric("loss", 0.3)
            live.next_step()
            live.checkpoint(wait=True)
    experiments.prune("retry", git_repo)
    retry = exp_refs(git_repo)["retry"]
    assert first_parents(git_repo, retry)[1] == at_1  # its one commit, on night@1
    assert exp_refs(git_repo)["night"] == night  # the other chain untouched
    result = experiments.prune("night", git_repo)
    assert result.removed == 1  # night@2 only: night@1 is retry's parent, night@3 the last
    assert first_parents(git_repo, exp_refs(git_repo)["night"])[1] == at_1
    assert [cached(git_repo, f"weights {s}\n") for s in range(4)] == [True, True, False, True]
    fsck_clean(git_repo)
