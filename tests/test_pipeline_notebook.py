"""Notebooks as pipeline stages: `live-nb run`, the short `notebook:` form, and dvc repro of it."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from live_nb.cli import main
from live_nb.pipelines import PipelineError, load_pipeline
from tests.conftest import git, run_dvc

pytest.importorskip("nbclient")

NOTEBOOK = {
    "cells": [
        {
            "cell_type": "code",
            "execution_count": None,
            "metadata": {"tags": ["parameters"]},
            "outputs": [],
            "source": "lr = 0.01\nname = 'x'",
        },
        {
            "cell_type": "code",
            "execution_count": None,
            "metadata": {},
            "outputs": [],
            "source": "open('model.txt', 'w').write(f'{lr} {name}')\nprint('trained', lr)",
        },
    ],
    "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
    "nbformat": 4,
    "nbformat_minor": 4,
}

SHORT = """\
stages:
  train:
    notebook:
      path: train.ipynb
      parameters: {lr: '${train.lr}', name: a b}
      output: executed/train.ipynb
    outs: [model.txt]
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "train.ipynb").write_text(json.dumps(NOTEBOOK))
    (root / "params.yaml").write_text("train:\n  lr: 0.1\n")
    # The stage's command is `live-nb run ...`, found on PATH as after `pip install live_nb`.
    bin_dir = str(Path(sys.executable).parent)
    monkeypatch.setenv("PATH", os.pathsep.join([bin_dir, os.environ.get("PATH", "")]))
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parents[1]))
    return root


def _outputs(path: Path) -> list[str]:
    document: dict[str, Any] = json.loads(path.read_text())
    return ["".join(o.get("text", "")) for c in document["cells"] for o in c.get("outputs", [])]


def test_run_executes_a_copy_with_params_injected(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = (project / "train.ipynb").read_text()
    args = ["-C", str(project), "run", "train.ipynb", "-p", "lr=0.5", "-o", "out/run.ipynb"]
    assert main(args) == 0
    assert (project / "model.txt").read_text() == "0.5 x"
    assert "trained 0.5\n" in _outputs(project / "out" / "run.ipynb")
    assert (project / "train.ipynb").read_text() == before
    assert main(["-C", str(project), "run", "train.ipynb"]) == 0  # default output
    assert (project / "train.executed.ipynb").is_file()


def test_run_refuses_what_it_cannot_do(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-C", str(project), "run", "train.ipynb", "-p", "lr=1,2"]) == 1
    assert "live-nb exp run" in capsys.readouterr().err
    assert main(["-C", str(project), "run", "train.ipynb", "-o", "train.ipynb"]) == 1
    assert "replace the notebook" in capsys.readouterr().err
    assert main(["-C", str(project), "run", "missing.ipynb"]) == 1
    assert "no such file" in capsys.readouterr().err
    (project / "fail.ipynb").write_text(
        json.dumps({**NOTEBOOK, "cells": [{**NOTEBOOK["cells"][1], "source": "1/0"}]})
    )
    assert main(["-C", str(project), "run", "fail.ipynb"]) == 1
    assert "ZeroDivisionError" in capsys.readouterr().out


def test_the_short_form_expands_to_the_run_command(project: Path) -> None:
    (project / "dvc.yaml").write_text(SHORT)
    stage = load_pipeline(project).stages["train"]
    assert stage.cmd == ["live-nb run train.ipynb -p lr=0.1 -p 'name=a b' -o executed/train.ipynb"]
    assert stage.deps == ["train.ipynb"]
    assert [(p.file, p.keys) for p in stage.params] == [("params.yaml", ("train.lr",))]
    assert [o.path for o in stage.outs] == ["model.txt", "executed/train.ipynb"]
    (project / "dvc.yaml").write_text("stages:\n  t:\n    cmd: echo\n    notebook: train.ipynb\n")
    with pytest.raises(PipelineError, match="either 'cmd' or 'notebook'"):
        load_pipeline(project)


def test_foreach_of_notebook_stages(project: Path) -> None:
    (project / "dvc.yaml").write_text(
        "stages:\n  fit:\n    foreach: [1, 2]\n    do:\n      notebook:\n"
        "        path: train.ipynb\n        parameters: {lr: '${item}'}\n"
        "        output: 'out/fit-${item}.ipynb'\n"
    )
    stages = load_pipeline(project).stages
    assert stages["fit@2"].cmd == ["live-nb run train.ipynb -p lr=2 -o out/fit-2.ipynb"]
    assert stages["fit@2"].params == []  # `item` is no param of params.yaml


@pytest.mark.oracle
def test_repro_and_dvc_repro_of_a_notebook_stage(
    project: Path, dvc: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run_dvc(dvc, project, "init", "-q")
    (project / "dvc.yaml").write_text(SHORT)
    assert main(["-C", str(project), "repro"]) == 0
    assert (project / "model.txt").read_text() == "0.1 a b"
    assert "trained 0.1\n" in _outputs(project / "executed" / "train.ipynb")
    ours = (project / "dvc.lock").read_text()
    # DVC refuses the short form ("extra keys not allowed"): expanded, it reads the same stage.
    assert main(["-C", str(project), "stage", "expand", "--write"]) == 0
    assert "notebook:" not in (project / "dvc.yaml").read_text()
    assert json.loads(run_dvc(dvc, project, "status", "--json")) == {}
    (project / "params.yaml").write_text("train:\n  lr: 0.2\n")
    run_dvc(dvc, project, "repro", "-q")
    assert (project / "model.txt").read_text() == "0.2 a b"
    assert (project / "dvc.lock").read_text() != ours
    capsys.readouterr()
    assert main(["-C", str(project), "status"]) == 0
    assert "up to date" in capsys.readouterr().out
