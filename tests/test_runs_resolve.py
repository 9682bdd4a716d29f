"""`-S` keys found in a notebook (`%%live --param`, the `parameters` cell, params.yaml).

Unknown and ambiguous keys are refused before anything runs; the run's copy of the notebook
and params files change as papermill and DVC change them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from live_nb.formats.yaml import load_yaml
from live_nb.runs.params import grid, parse_override
from live_nb.runs.resolve import (
    AmbiguousParamError,
    NotebookReadError,
    UnknownParamError,
    apply_point,
    read_notebook,
    resolve,
)


def _cell(source: str, tags: list[str] | None = None) -> dict[str, Any]:
    return {
        "cell_type": "code",
        "execution_count": None,
        "id": "c" + str(abs(hash(source)))[:6],
        "metadata": {"tags": tags} if tags else {},
        "outputs": [],
        "source": source,
    }


def notebook(*cells: dict[str, Any]) -> dict[str, Any]:
    return {"cells": list(cells), "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    document = notebook(
        _cell("%load_ext live_nb"),
        _cell("batch = 32\nseed: int = 0\n", tags=["parameters"]),
        _cell('%%live --param lr=0.01 -p "opt=adam" --param=epochs=2\nprint(lr)'),
    )
    (tmp_path / "train.ipynb").write_text(json.dumps(document))
    (tmp_path / "params.yaml").write_text("data:\n  split: 0.2\n")
    return tmp_path


def _resolve(project: Path, *items: str) -> Any:
    overrides = [parse_override(item) for item in items]
    document = read_notebook(project / "train.ipynb")
    return resolve(overrides, project, document, "train.ipynb")


def test_each_key_resolves_to_where_the_notebook_declares_it(project: Path) -> None:
    placements = _resolve(project, "lr=0.1", "batch=64", "data.split=0.3", "+extra=1")
    kinds = {key: placement.kind for (_, key), placement in placements.items()}
    assert kinds == {
        "lr": "%%live --param",
        "batch": "parameters cell",
        "data.split": "file",
        "extra": "parameters cell",
    }


def test_an_unknown_key_is_refused_naming_the_keys_that_exist(project: Path) -> None:
    with pytest.raises(UnknownParamError) as error:
        _resolve(project, "learning_rate=0.1")
    message = str(error.value)
    for word in ("'learning_rate'", "lr, opt, epochs", "batch, seed", "data.split"):
        assert word in message


def test_a_key_in_two_places_is_refused(project: Path) -> None:
    (project / "params.yaml").write_text("lr: 0.5\n")
    where = r"'lr' is in a `%%live --param` of .* and in params\.yaml;"
    with pytest.raises(AmbiguousParamError, match=where):
        _resolve(project, "lr=0.1")
    # naming the file settles it
    assert _resolve(project, "params.yaml:lr=0.1")[("params.yaml", "lr")].file == "params.yaml"


def test_adding_a_key_that_exists_and_removing_a_notebook_key_are_refused(project: Path) -> None:
    with pytest.raises(Exception, match="already"):
        _resolve(project, "+lr=0.1")
    with pytest.raises(Exception, match="only keys of params files"):
        _resolve(project, "~batch")


def test_a_missing_notebook_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(NotebookReadError, match="no such file"):
        read_notebook(tmp_path / "nope.ipynb")
    (tmp_path / "bad.ipynb").write_text("{not json")
    with pytest.raises(NotebookReadError, match="not a notebook"):
        read_notebook(tmp_path / "bad.ipynb")


def test_a_point_rewrites_the_live_line_injects_parameters_and_edits_params(
    project: Path,
) -> None:
    items = ["lr=0.1", "opt=sgd momentum", "batch=64", "+extra=[1,2]", "data.split=0.5"]
    placements = _resolve(project, *items)
    (point,) = grid(items)
    apply_point(point, placements, project, "train.ipynb")
    document = read_notebook(project / "train.ipynb")
    sources = ["".join(cell["source"]) for cell in document["cells"]]
    assert sources[2].startswith("# Parameters")
    assert "batch = 64\nextra = [1, 2]\n" in sources[2]
    assert document["cells"][2]["metadata"]["tags"] == ["injected-parameters"]
    first_line = sources[3].split("\n")[0]
    assert first_line == "%%live --param lr=0.1 -p 'opt=sgd momentum' --param=epochs=2"
    assert load_yaml((project / "params.yaml").read_text()) == {"data": {"split": 0.5}}
    # a second injection replaces the first
    apply_point(grid(["batch=1"])[0], _resolve(project, "batch=1"), project, "train.ipynb")
    document = read_notebook(project / "train.ipynb")
    injected = [c for c in document["cells"] if "injected-parameters" in str(c["metadata"])]
    assert len(injected) == 1 and "batch = 1" in injected[0]["source"]


def test_a_script_sets_params_yaml_as_dvc_does(tmp_path: Path) -> None:
    (tmp_path / "params.yaml").write_text("lr: 0.1\n")
    with pytest.raises(UnknownParamError, match="no key 'epochs'"):
        resolve([parse_override("epochs=3")], tmp_path, None)
    placements = resolve([parse_override("lr=0.5")], tmp_path, None)
    apply_point(grid(["lr=0.5"])[0], placements, tmp_path, None)
    assert load_yaml((tmp_path / "params.yaml").read_text()) == {"lr": 0.5}
