"""`live-nb repro -j N`: independent stages at once, in dependency order; a failure stops its
downstream only, and the lock it leaves is the one dvc agrees with."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from live_nb.cli import main
from live_nb.pipelines import StageFailedError, load_pipeline
from live_nb.pipelines.repro import reproduce
from tests.conftest import git, run_dvc

# Each stage notes when it started and ended, so the test sees what overlapped.
PIPELINE = """\
stages:
  a:
    cmd: date +%s.%N > a.start && sleep 1 && echo a > a.txt && date +%s.%N > a.end
    deps: [in.txt]
    outs: [a.txt]
  b:
    cmd: date +%s.%N > b.start && sleep 1 && echo b > b.txt && date +%s.%N > b.end
    deps: [in.txt]
    outs: [b.txt]
  c:
    cmd: date +%s.%N > c.start && cat a.txt b.txt > c.txt
    deps: [a.txt, b.txt]
    outs: [c.txt]
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / ".dvc").mkdir()
    (root / "in.txt").write_text("x\n")
    (root / "dvc.yaml").write_text(PIPELINE)
    return root


def _stamp(root: Path, name: str) -> float:
    return float((root / name).read_text())


def test_independent_stages_run_together_and_downstream_after_them(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    started = time.monotonic()
    assert main(["-C", str(project), "repro", "-j", "2"]) == 0
    took = time.monotonic() - started
    assert (project / "c.txt").read_text() == "a\nb\n"
    # a and b overlapped; c started after both ended.
    assert _stamp(project, "b.start") < _stamp(project, "a.end")
    assert _stamp(project, "a.start") < _stamp(project, "b.end")
    assert _stamp(project, "c.start") >= max(_stamp(project, "a.end"), _stamp(project, "b.end"))
    assert took < 1.9
    lock = (project / "dvc.lock").read_text()
    assert lock.index("  a:") < lock.index("  b:") < lock.index("  c:")  # dvc.yaml's order
    capsys.readouterr()
    assert main(["-C", str(project), "status"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_a_failure_stops_its_downstream_and_says_so(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "dvc.yaml").write_text(PIPELINE.replace("sleep 1 && echo a", "exit 4 && echo a"))
    states: list[tuple[str, str]] = []
    with pytest.raises(StageFailedError) as raised:
        reproduce(
            project,
            load_pipeline(project),
            jobs=2,
            say=lambda _: None,
            on_stage=lambda name, state: states.append((name, state)),
        )
    message = str(raised.value)
    assert "stage 'a'" in message and "status 4" in message
    assert "not run because of it: c" in message
    assert ("b", "ran") in states and ("a", "failed") in states
    assert not any(name == "c" for name, _ in states)
    assert "  b:" in (project / "dvc.lock").read_text()  # the independent stage is recorded
    assert not (project / "c.txt").exists()
    assert main(["-C", str(project), "repro", "-j", "0"]) == 1
    assert "-j must be at least 1" in capsys.readouterr().err


@pytest.mark.oracle
def test_dvc_agrees_with_the_parallel_repro(project: Path, dvc: str) -> None:
    run_dvc(dvc, project, "init", "-q", "--force")
    assert main(["-C", str(project), "repro", "-j", "3"]) == 0
    assert json.loads(run_dvc(dvc, project, "status", "--json")) == {}
