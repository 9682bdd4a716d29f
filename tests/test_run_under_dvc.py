"""A stage that logs with live_nb.Live, run by the real dvc: DVC saves the experiment, not Live.

Inside ``dvc exp run`` and ``dvc repro`` (``DVC_ROOT`` set for the stage), ``Live`` saves no
experiment of its own, adds no ``.dvc`` file for a stage output, and keeps the files DVC's
VS Code extension watches as DVCLive does.
"""

from __future__ import annotations

import json
import os
import sys
import textwrap
import time
from pathlib import Path

import pytest
import yaml

from live_nb import Live, LiveNbWarning
from live_nb.formats import vscode
from tests.conftest import git, run_dvc

TRAIN = textwrap.dedent(
    """
    from live_nb import Live

    with Live() as live:
        for step in range(3):
            live.log_metric("loss", 1 / (step + 1))
            live.next_step()
        with open("model.pt", "w") as model:
            model.write("weights")
        live.log_artifact("model.pt", type="model")
    """
)


@pytest.fixture
def pipeline(git_repo: Path, dvc: str) -> Path:
    run_dvc(dvc, git_repo, "init", "-q")
    (git_repo / "train.py").write_text(TRAIN)
    stage = {"cmd": f"{sys.executable} train.py", "deps": ["train.py"], "outs": ["model.pt"]}
    (git_repo / "dvc.yaml").write_text(json.dumps({"stages": {"train": stage}}))
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "pipeline")
    return git_repo


def _experiments(repo: Path) -> list[str]:
    return [
        line for line in git(repo, "for-each-ref", "refs/exps").splitlines() if "/exec/" not in line
    ]


@pytest.mark.oracle
@pytest.mark.slow
def test_dvc_exp_run_saves_one_experiment_and_live_none(pipeline: Path, dvc: str) -> None:
    run_dvc(dvc, pipeline, "exp", "run")
    assert len(_experiments(pipeline)) == 1
    assert not (pipeline / "model.pt.dvc").exists()  # the stage's output: DVC caches it
    config = yaml.safe_load((pipeline / "dvc.yaml").read_text())
    assert config["artifacts"]["model"]["path"] == "model.pt"
    assert "train" in config["stages"]


@pytest.mark.oracle
@pytest.mark.slow
def test_a_queued_run_saves_one_experiment(pipeline: Path, dvc: str) -> None:
    run_dvc(dvc, pipeline, "exp", "run", "--queue")
    run_dvc(dvc, pipeline, "queue", "start")
    run_dvc(dvc, pipeline, "queue", "status")
    for _ in range(600):
        if "Running" not in run_dvc(dvc, pipeline, "queue", "status") and _experiments(pipeline):
            break
        time.sleep(0.5)
    assert len(_experiments(pipeline)) == 1


@pytest.mark.oracle
@pytest.mark.slow
def test_dvc_repro_twice_saves_nothing_and_succeeds(pipeline: Path, dvc: str) -> None:
    run_dvc(dvc, pipeline, "repro")
    (pipeline / "train.py").write_text(TRAIN + "\n# changed\n")
    run_dvc(dvc, pipeline, "repro")
    assert _experiments(pipeline) == []
    assert not (pipeline / "model.pt.dvc").exists()


def test_under_dvc_repro_live_says_once_it_does_not_save(
    git_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (git_repo / ".dvc").mkdir()
    monkeypatch.setenv("DVC_ROOT", str(git_repo))
    with pytest.warns(UserWarning, match="dvc repro") as caught, Live() as live:
        live.log_metric("loss", 1.0)
        live.next_step()
    assert len(caught) == 1
    assert live.experiment is None
    assert git(git_repo, "for-each-ref", "refs/exps") == ""


def test_under_dvc_exp_run_live_is_silent_and_marks_each_step(
    git_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (git_repo / ".dvc").mkdir()
    monkeypatch.setenv("DVC_ROOT", str(git_repo))
    monkeypatch.setenv("DVC_EXP_BASELINE_REV", git(git_repo, "rev-parse", "HEAD").strip())
    signal = git_repo / ".dvc" / "tmp" / "exps" / "run" / vscode.STEP_COMPLETED
    live = Live()
    live.log_metric("loss", 1.0)
    live.next_step()
    assert json.loads(signal.read_text()) == {"pid": os.getpid(), "step": 0}
    live.end()
    assert not signal.exists()  # removed when the run ends, as DVCLive does
    assert live.experiment is None


def test_a_run_in_a_dvc_project_says_so_to_vs_code_while_it_goes_on(git_repo: Path) -> None:
    (git_repo / ".dvc").mkdir()
    signal = git_repo / ".dvc" / "tmp" / "exps" / "run" / vscode.RUN_ONLY
    step_signal = signal.with_name(vscode.STEP_COMPLETED)
    with Live() as live:
        started = json.loads(signal.read_text())
        live.log_metric("loss", 1.0)
        live.next_step()
        # DVCLive marks each step wherever it finds a DVC project, not only under `dvc exp run`.
        assert json.loads(step_signal.read_text()) == {"pid": os.getpid(), "step": 0}
    assert not step_signal.exists()
    assert started["pid"] == os.getpid()
    assert live.experiment is not None and started["exp_name"] == live.experiment.name
    assert not signal.exists()


def test_log_artifact_of_a_stage_output_adds_no_dvc_file_and_keeps_the_entry(
    git_repo: Path,
) -> None:
    (git_repo / ".dvc").mkdir()
    (git_repo / "dvc.yaml").write_text(
        "stages:\n  train:\n    cmd: python t.py\n    outs:\n    - model.pt\n"
    )
    (git_repo / "model.pt").write_text("w")
    with (
        pytest.warns(LiveNbWarning, match="output of the dvc.yaml stage 'train'"),
        Live(save_dvc_exp=False) as live,
    ):
        live.log_artifact("model.pt", type="model")
    assert not (git_repo / "model.pt.dvc").exists()
    assert "model:" in (git_repo / "dvc.yaml").read_text()
    assert "stages:" in (git_repo / "dvc.yaml").read_text()


def test_log_artifact_of_a_missing_path_in_a_dvc_project_warns_and_keeps_the_entry(
    git_repo: Path,
) -> None:
    (git_repo / ".dvc").mkdir()
    with pytest.warns(LiveNbWarning, match=r"later\.pt"), Live(save_dvc_exp=False) as live:
        live.log_artifact("later.pt", type="model")
    assert "path: later.pt" in (git_repo / "dvc.yaml").read_text()


def test_under_dvc_a_logged_artifact_no_stage_declares_gets_dvclives_hint(
    git_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (git_repo / ".dvc").mkdir()
    monkeypatch.setenv("DVC_ROOT", str(git_repo))
    (git_repo / "model.pt").write_text("w")
    with (
        pytest.warns(LiveNbWarning, match="add it as an output of the pipeline stage"),
        Live() as live,
    ):
        live.log_artifact("model.pt", type="model")
    assert (git_repo / "model.pt.dvc").is_file()  # tracked meanwhile, as DVCLive does
