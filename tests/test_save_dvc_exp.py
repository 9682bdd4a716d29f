"""``Live(save_dvc_exp=True)`` (DVCLive's default) saves each run as a Git experiment at end."""

from __future__ import annotations

import json
import subprocess
import warnings
from pathlib import Path

import pytest

from live_nb import Live, LiveNbWarning
from live_nb.error import ExperimentNotSavedWarning
from tests.conftest import git
from tests.test_exp_save import tree_files, user_state


def _train(live: Live, steps: int = 2) -> None:
    live.log_param("lr", 0.1)
    for step in range(steps):
        live.log_metric("loss", 1 / (step + 1))
        live.next_step()


def test_a_run_becomes_an_experiment_and_the_workspace_is_untouched(git_repo: Path) -> None:
    Path("train.py").write_text("print('training')\n")
    with Live(exp_name="first-run", exp_message="baseline model") as live:
        _train(live)
        before = user_state(git_repo)
    after = user_state(git_repo)

    saved = live.experiment
    assert saved is not None and saved.name == "first-run"
    assert git(git_repo, "log", "-1", "--format=%B", saved.commit).strip() == "baseline model"
    assert sorted(tree_files(git_repo, saved.commit)) == [
        "README.md",
        "dvc.yaml",
        "dvclive/metrics.json",
        "dvclive/params.yaml",
        "dvclive/plots/metrics/loss.tsv",
        "train.py",
    ]
    committed = git(git_repo, "show", f"{saved.commit}:dvclive/metrics.json")
    assert json.loads(committed) == {"loss": 0.5, "step": 1}
    assert before["index"] == after["index"] and before["head"] == after["head"]
    assert before["refs"] == after["refs"]


def test_results_are_saved_even_when_git_ignores_them(git_repo: Path) -> None:
    Path(".gitignore").write_text("dvclive/\ndvc.yaml\n")
    with Live() as live:
        _train(live)

    assert live.experiment is not None
    files = tree_files(git_repo, live.experiment.commit)
    assert "dvclive/metrics.json" in files and "dvc.yaml" in files


def test_artifacts_go_in_as_dvc_files_not_as_content(git_repo: Path) -> None:
    Path("model.pkl").write_bytes(b"weights")
    with Live() as live:
        live.log_artifact("model.pkl", type="model")

    assert live.experiment is not None
    files = tree_files(git_repo, live.experiment.commit)
    assert "model.pkl.dvc" in files and ".gitignore" in files
    assert "model.pkl" not in files


def test_an_invalid_exp_name_warns_and_the_run_is_saved_under_a_generated_name(
    git_repo: Path,
) -> None:
    with pytest.warns(LiveNbWarning, match="contains a space.*generated name"):
        live = Live(exp_name="my run")
    _train(live)
    live.end()
    assert live.experiment is not None and " " not in live.experiment.name


def test_a_taken_exp_name_says_once_which_name_the_run_was_saved_under(git_repo: Path) -> None:
    with Live(exp_name="taken") as live:
        _train(live)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with Live(exp_name="taken") as live:
            _train(live)

    assert live.experiment is not None and live.experiment.name != "taken"
    assert [str(w.message) for w in caught] == [
        f"live_nb: an experiment named 'taken' exists, so this run was saved as "
        f"{live.experiment.name!r}."
    ]


def test_outside_git_logging_goes_on_and_one_warning_says_how_to_fix(tmp_dir: Path) -> None:
    with pytest.warns(ExperimentNotSavedWarning, match="git init") as caught, Live() as live:
        _train(live)

    assert len(caught) == 1
    assert live.experiment is None
    assert json.loads(Path("dvclive/metrics.json").read_text())["step"] == 1


def test_without_commits_the_warning_asks_for_a_first_commit(tmp_dir: Path) -> None:
    git(tmp_dir, "init", "-q")
    with pytest.warns(ExperimentNotSavedWarning, match="first commit"), Live() as live:
        _train(live)
    assert git(tmp_dir, "rev-parse", "--all") == ""


def test_save_dvc_exp_false_saves_nothing(git_repo: Path) -> None:
    with Live(save_dvc_exp=False) as live:
        _train(live)
    assert live.experiment is None
    assert git(git_repo, "for-each-ref", "refs/exps") == ""


@pytest.mark.oracle
def test_dvc_exp_show_lists_the_run(git_repo: Path, dvc: str) -> None:
    subprocess.run([dvc, "init", "-q"], check=True)
    git(git_repo, "commit", "-qm", "dvc init")
    with Live(exp_name="seen-by-dvc") as live:
        _train(live, steps=3)

    shown = json.loads(
        subprocess.run([dvc, "exp", "show", "--json"], check=True, capture_output=True).stdout
    )
    experiments = [exp for row in shown for exp in (row.get("experiments") or [])]
    assert [exp["name"] for exp in experiments] == ["seen-by-dvc"]
    data = experiments[0]["revs"][0]["data"]
    assert data["metrics"]["dvclive/metrics.json"]["data"] == {"loss": 1 / 3, "step": 2}
    assert data["params"]["dvclive/params.yaml"]["data"] == {"lr": 0.1}
