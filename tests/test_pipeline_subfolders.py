"""dvc.yaml files in sub-folders, collected as DVC collects them: status, repro, targets, dag."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from live_nb.cli import main
from tests.conftest import git, run_dvc

pytestmark = pytest.mark.oracle

ROOT = """\
stages:
  prepare:
    cmd: cp in.txt prepared.txt
    deps: [in.txt]
    outs: [prepared.txt]
"""
SUB = """\
stages:
  train:
    cmd: cat ../prepared.txt > model.txt
    deps: [../prepared.txt]
    outs: [model.txt]
"""


@pytest.fixture
def project(tmp_path: Path, dvc: str) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    run_dvc(dvc, root, "init", "-q")
    (root / "in.txt").write_text("a\n")
    (root / "dvc.yaml").write_text(ROOT)
    (root / "sub").mkdir()
    (root / "sub" / "dvc.yaml").write_text(SUB)
    (root / "ignored").mkdir()
    (root / "ignored" / "dvc.yaml").write_text("stages:\n  x:\n    cmd: exit 1\n")
    (root / ".dvcignore").write_text("ignored\n")
    return root


def _ours(root: Path, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    capsys.readouterr()
    assert main(["-C", str(root), *args]) == 0
    return capsys.readouterr().out


def _ran(text: str) -> list[str]:
    return re.findall(r"^Running stage '(.+)':$", text, flags=re.M)


def test_every_dvcyaml_is_one_pipeline_as_in_dvc(
    project: Path, dvc: str, capsys: pytest.CaptureFixture[str]
) -> None:
    theirs = json.loads(run_dvc(dvc, project, "status", "--json"))
    assert json.loads(_ours(project, capsys, "status", "--json")) == theirs
    assert "sub/dvc.yaml:train" in theirs
    # (dvc repro --dry fails here: it hashes prepared.txt, which a dry run never made.)
    dry = _ran(_ours(project, capsys, "repro", "--dry", "sub/dvc.yaml:train"))
    assert dry == ["prepare", "sub/dvc.yaml:train"]
    # As dvc repro: without targets, the stages of the dvc.yaml where it runs (-P: all).
    assert _ran(_ours(project, capsys, "repro")) == ["prepare"]
    assert _ran(_ours(project, capsys, "repro", "-P")) == ["sub/dvc.yaml:train"]
    assert json.loads(run_dvc(dvc, project, "status", "--json")) == {}
    ours = (project / "sub" / "dvc.lock").read_text()
    (project / "sub" / "dvc.lock").unlink()
    (project / "dvc.lock").unlink()
    run_dvc(dvc, project, "repro", "-q", "-P")
    assert (project / "sub" / "dvc.lock").read_text() == ours
    (project / "in.txt").write_text("b\n")
    assert json.loads(_ours(project, capsys, "status", "--json")) == json.loads(
        run_dvc(dvc, project, "status", "--json")
    )
    assert _ran(_ours(project, capsys, "repro", "sub/dvc.yaml")) == [
        "prepare",
        "sub/dvc.yaml:train",
    ]
    assert "| sub/dvc.yaml:train |" in _ours(project, capsys, "dag")
    assert (
        _ours(project, capsys, "dag", "--dot").strip()
        == run_dvc(dvc, project, "dag", "--dot").strip()
    )
