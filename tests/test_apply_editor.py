"""Apply beside an editor: the open notebook is left alone, editors' folders are never saved."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from IPython.testing import globalipapp

from live_nb.experiments import save
from live_nb.experiments.restore import UncommittedChangesError, apply
from tests.conftest import git

NOTEBOOK = "train.ipynb"


def notebook_text(source: str) -> str:
    cell = {"cell_type": "code", "metadata": {}, "source": source, "outputs": []}
    cell["execution_count"] = None
    return json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


@pytest.fixture
def project(git_repo: Path) -> Path:
    Path(NOTEBOOK).write_text(notebook_text("lr = 0.1"))
    Path("params.yaml").write_text("lr: 0.1\n")
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "project")
    return git_repo


@pytest.fixture
def shell(project: Path) -> Iterator[Any]:
    globalipapp.start_ipython()
    ip = globalipapp.get_ipython()
    ip.run_line_magic("load_ext", "live_nb")
    # How VS Code tells a kernel its notebook; JupyterLab answers through its sessions API.
    ip.user_ns["__vsc_ipynb_file__"] = str(project / NOTEBOOK)
    yield ip
    ip.user_ns.pop("__vsc_ipynb_file__", None)
    ip.run_line_magic("unload_ext", "live_nb")


def saved_experiment(name: str) -> None:
    """An experiment changing both the notebook and params.yaml, then the workspace reset."""
    Path(NOTEBOOK).write_text(notebook_text("lr = 0.01"))
    Path("params.yaml").write_text("lr: 0.01\n")
    save(name=name)
    git(Path.cwd(), "checkout", "-q", "--", ".")


def test_apply_keeps_the_files_it_is_asked_to_keep(project: Path) -> None:
    saved_experiment("small-lr")
    Path(NOTEBOOK).write_text(notebook_text("lr = 0.5  # being edited"))  # unsaved anywhere

    result = apply("small-lr", keep=[NOTEBOOK])

    assert result.kept == (NOTEBOOK,)
    assert result.written == ("params.yaml",)
    assert "lr = 0.5" in Path(NOTEBOOK).read_text()
    assert Path("params.yaml").read_text() == "lr: 0.01\n"
    assert "Not changed, so your version stays: train.ipynb (it is open" in result.describe()


def test_a_kept_file_in_the_way_does_not_block_apply(project: Path) -> None:
    saved_experiment("small-lr")
    Path(NOTEBOOK).write_text(notebook_text("lr = 0.5"))
    with pytest.raises(UncommittedChangesError, match=NOTEBOOK):
        apply("small-lr")

    result = apply("small-lr", keep=[project / NOTEBOOK])  # an absolute path works too

    assert result.backup_ref is None and result.kept == (NOTEBOOK,)


def test_the_magic_leaves_the_open_notebook_alone_unless_asked(
    shell: Any, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    saved_experiment("small-lr")

    shell.run_line_magic("exp_apply", "small-lr")

    out = capsys.readouterr().out
    assert "lr = 0.1" in Path(NOTEBOOK).read_text()
    assert Path("params.yaml").read_text() == "lr: 0.01\n"
    assert "%exp_apply small-lr --notebook" in out
    shell.run_line_magic("exp_apply", "small-lr --notebook")
    assert "lr = 0.01" in Path(NOTEBOOK).read_text()
    assert "--notebook" not in capsys.readouterr().out


def test_the_tables_apply_leaves_the_open_notebook_alone(shell: Any, project: Path) -> None:
    from live_nb.widgets.table import ExperimentsTable

    saved_experiment("small-lr")
    table = ExperimentsTable(project, keep=[project / NOTEBOOK])
    ref = git(project, "for-each-ref", "--format=%(refname)", "refs/exps/").strip()

    reply = table.handle({"type": "apply", "id": ref, "request": 1})

    assert "lr = 0.1" in Path(NOTEBOOK).read_text(), reply
    assert "%exp_apply small-lr --notebook" in json.dumps(reply)


@pytest.mark.parametrize("folder", [".ipynb_checkpoints", ".virtual_documents", "__pycache__"])
def test_editor_folders_are_never_saved(project: Path, folder: str) -> None:
    (project / folder).mkdir()
    (project / folder / "train-checkpoint.ipynb").write_text("{}")
    (project / "src" / folder).mkdir(parents=True)
    (project / "src" / folder / "x.cpython-311.pyc").write_bytes(b"\0")
    Path("result.txt").write_text("0.9\n")

    commit = save(name="run").commit

    files = git(project, "ls-tree", "-r", "--name-only", commit).split()
    assert "result.txt" in files
    assert not [name for name in files if folder in name]


def test_a_tracked_editor_folder_is_saved_as_any_tracked_file(project: Path) -> None:
    Path("__pycache__").mkdir()
    Path("__pycache__/kept.txt").write_text("tracked on purpose\n")
    git(project, "add", "-f", "__pycache__/kept.txt")
    git(project, "commit", "-q", "-m", "track it")
    Path("__pycache__/kept.txt").write_text("changed\n")

    commit = save(name="run").commit

    assert git(project, "show", f"{commit}:__pycache__/kept.txt") == "changed\n"


def test_apply_of_an_old_experiment_holding_checkpoints_leaves_them(project: Path) -> None:
    checkpoint = Path(".ipynb_checkpoints/train-checkpoint.ipynb")
    checkpoint.parent.mkdir()
    checkpoint.write_text("saved by an older live_nb")
    git(project, "add", "-f", str(checkpoint))  # as saved before such folders were left out
    saved = save(name="old")
    git(project, "rm", "-q", "--cached", str(checkpoint))
    assert ".ipynb_checkpoints" in git(project, "ls-tree", "-r", "--name-only", saved.commit)
    checkpoint.write_text("the editor's current checkpoint")

    result = apply("old")

    assert checkpoint.read_text() == "the editor's current checkpoint"
    assert str(checkpoint) not in result.written
