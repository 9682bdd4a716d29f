"""`live-nb dag` against `dvc dag`: the same DOT and Mermaid, the same boxes in the same layers."""

from __future__ import annotations

from pathlib import Path

import pytest

from live_nb.cli import main
from tests.conftest import git, run_dvc

pytestmark = pytest.mark.oracle

PIPELINE = """\
stages:
  prepare:
    cmd: echo > p
    outs: [p]
  build:
    foreach: [us, gb]
    do:
      cmd: cat p > f${item}
      deps: [p]
      outs: ["f${item}"]
  report:
    cmd: cat fus fgb > r
    deps: [fus, fgb]
    outs: [r]
  lone:
    cmd: echo
"""


@pytest.fixture
def project(tmp_path: Path, dvc: str) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    run_dvc(dvc, root, "init", "-q")
    (root / "dvc.yaml").write_text(PIPELINE)
    return root


def _ours(root: Path, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    capsys.readouterr()
    assert main(["-C", str(root), "dag", *args]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize(
    "args", [["--dot"], ["--mermaid"], ["--md"], ["--dot", "report"], ["--md", "--full", "prepare"]]
)
def test_dot_and_mermaid_equal_dvc_dag(
    project: Path, dvc: str, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    assert _ours(project, capsys, *args).strip() == run_dvc(dvc, project, "dag", *args).strip()


def _boxes(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip().startswith("|")]


def test_the_text_drawing_has_dvcs_boxes_and_layers(
    project: Path, dvc: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ours = _ours(project, capsys)
    theirs = run_dvc(dvc, project, "dag")
    assert _boxes(ours) == _boxes(theirs)
    assert len(ours.rstrip().splitlines()) == len(theirs.rstrip().splitlines())
    assert _boxes(_ours(project, capsys, "build@gb")) == ["| prepare |", "| build@gb |"]
