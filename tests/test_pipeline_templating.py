"""dvc.yaml templating: the stages live_nb expands are the ones the real dvc lists and runs."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from live_nb.pipelines import GraphError, PipelineError, TemplateError, load_pipeline
from tests.conftest import git, run_dvc


def _project(root: Path, files: dict[str, str], dvc: str) -> Path:
    git(root, "init", "-q", "-b", "main")
    run_dvc(dvc, root, "init", "-q")
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def _dvc_stages(dvc: str, root: Path) -> list[str]:
    return run_dvc(dvc, root, "stage", "list", "--all", "--name-only").split()


def _dvc_commands(dvc: str, root: Path) -> dict[str, list[str]]:
    """Each stage's commands as `dvc repro --dry --force` prints them."""
    text = run_dvc(dvc, root, "repro", "--dry", "--force")
    found: dict[str, list[str]] = {}
    current = ""
    for line in text.splitlines():
        started = re.match(r"Running stage '(.+)':$", line)
        if started:
            current = started.group(1)
            found[current] = []
        elif line.startswith("> ") and current:
            found[current].append(line[2:])
    return found


def _ours(root: Path) -> tuple[list[str], dict[str, list[str]]]:
    graph = load_pipeline(root)
    return list(graph.stages), {name: graph.stages[name].cmd for name in graph.order}


SEED_PARAMS = """\
train_matrix: [1, 2]
seed: 42
models:
  us:
    thresh: 10
    filename: us.csv
  gb:
    thresh: 15
    filename: gb.csv
train:
  lr: 0.01
  epochs: 5
  layers: [8, 16]
  flag: true
"""

SEED_DVCYAML = """\
vars:
  - params.yaml
  - config: {name: demo, size: 3}
stages:
  prepare:
    cmd: python prepare.py --seed ${seed} --name ${config.name}
    deps: [prepare.py]
    outs: [data/prepared.csv]
  build:
    foreach: ${models}
    do:
      cmd: python build.py --thresh ${item.thresh} --out ${key} ${item.filename}
      deps: [data/prepared.csv, build.py]
      outs: ["models/${key}.pkl"]
  score:
    foreach: [gb, us]
    do:
      cmd: python score.py models/${item}.pkl --thresh ${models[${item}].thresh}
      deps: ["models/${item}.pkl"]
      metrics:
        - scores/${item}.json:
            cache: false
  train:
    cmd: python train.py ${train}
    params: [train.lr, seed]
    deps: [data/prepared.csv]
    outs:
      - model.pkl:
          persist: true
  fit:
    foreach:
      - {size: 1, name: a}
      - {size: 2, name: b}
    do:
      cmd: echo ${item.size} ${item.name}
  sweep:
    matrix:
      lr: [0.1, 0.01]
      layers: ${train_matrix}
      opt: [{name: adam}, {name: sgd}]
      on: [true, false]
    cmd: echo ${item.lr} ${item.layers} ${item.opt.name} ${item.on} ${key}
"""


def test_seed_examples_expand_as_dvc_lists_and_runs(tmp_path: Path, dvc: str) -> None:
    files = {"params.yaml": SEED_PARAMS, "dvc.yaml": SEED_DVCYAML.replace(
        " --thresh ${models[${item}].thresh}", " --seed ${seed}"
    )}  # fmt: skip
    root = _project(tmp_path, files, dvc)
    names, commands = _ours(root)
    assert names == _dvc_stages(dvc, root)
    assert commands == _dvc_commands(dvc, root)
    assert "build@us" in names and "fit@0" in names
    assert "sweep@0.1-1-opt0-true" in names


def test_params_file_keys_stage_vars_and_wdir(tmp_path: Path, dvc: str) -> None:
    files = {
        "params.yaml": "models:\n  us:\n    thresh: 10\n",
        "conf/extra.yaml": "a: 1\nb: {c: two words}\nunused: 3\n",
        "conf/other.json": json.dumps({"x": [1, 2, 3]}),
        "sub/local.yaml": "here: sub-value\n",
        "dvc.yaml": """\
vars:
  - conf/extra.yaml:a,b
  - conf/other.json
stages:
  one:
    cmd: echo ${models.us.thresh} ${a} '${b.c}' ${x[1]} \\${literal}
  two:
    wdir: sub
    vars: [local.yaml, {n: 5}]
    cmd: echo ${here} ${n} ${b}
    deps: [../conf/extra.yaml]
    outs: ["out-${n}.txt"]
""",
    }
    root = _project(tmp_path, files, dvc)
    names, commands = _ours(root)
    assert names == _dvc_stages(dvc, root)
    assert commands == _dvc_commands(dvc, root)
    graph = load_pipeline(root)
    assert graph.stages["two"].wdir == "sub"
    assert graph.stages["two"].path("out-5.txt") == "sub/out-5.txt"


def _dvc_error(dvc: str, root: Path) -> str:
    done = subprocess.run(
        [dvc, "repro", "--dry"], cwd=root, capture_output=True, text=True, check=False
    )
    assert done.returncode != 0
    return done.stderr


@pytest.mark.parametrize(
    ("dvcyaml", "error", "meaning"),
    [
        ("stages:\n  a:\n    cmd: echo ${nope}\n", TemplateError, "Could not find 'nope'"),
        (
            "vars: [{n: 3}]\nstages:\n  a:\n    foreach: ${n}\n    do:\n      cmd: echo\n",
            TemplateError,
            "expected list/dictionary, got int",
        ),
        (
            "stages:\n  a:\n    cmd: echo a\n    outs: [x]\n  b:\n    cmd: echo b\n    outs: [x]\n",
            GraphError,
            "output 'x' is specified in",
        ),
        (
            "stages:\n  a:\n    cmd: echo a\n    deps: [y]\n    outs: [x]\n"
            "  b:\n    cmd: echo b\n    deps: [x]\n    outs: [y]\n",
            GraphError,
            "defined as both a dependency and an output",
        ),
        (
            "vars: [{d: {k: 1}}]\nstages:\n  a:\n    cmd: echo\n    outs: ['${d}']\n",
            TemplateError,
            "Cannot interpolate data of type 'dict'",
        ),
    ],
)
def test_errors_say_what_dvc_means_with_file_and_line(
    tmp_path: Path, dvc: str, dvcyaml: str, error: type[PipelineError], meaning: str
) -> None:
    root = _project(tmp_path, {"dvc.yaml": dvcyaml}, dvc)
    with pytest.raises(error) as raised:
        load_pipeline(root)
    message = str(raised.value)
    assert message.startswith("dvc.yaml")
    assert meaning in message
    assert "\n" not in message
    dvc_says = " ".join(_dvc_error(dvc, root).split()).lower()
    assert meaning.split("'")[0].strip().lower() in dvc_says


def test_dicts_in_cmd_follow_the_parsing_config(tmp_path: Path, dvc: str) -> None:
    files = {
        "params.yaml": "opts:\n  fast: true\n  slow: false\n  n: [1, 2]\n  name: a b\n",
        "dvc.yaml": "stages:\n  go:\n    cmd: python go.py ${opts}\n",
    }
    root = _project(tmp_path, files, dvc)
    assert _ours(root)[1] == _dvc_commands(dvc, root)
    run_dvc(dvc, root, "config", "parsing.bool", "boolean_optional")
    run_dvc(dvc, root, "config", "--local", "parsing.list", "append")
    commands = _ours(root)[1]
    assert commands == _dvc_commands(dvc, root)
    assert commands["go"] == ["python go.py --fast --no-slow --n 1 --n 2 --name 'a b'"]


@pytest.mark.parametrize("out", ["../outside.txt", "/tmp/x.txt", ".git/hooks/x", "."])
def test_an_output_outside_the_repository_is_refused(tmp_path: Path, out: str) -> None:
    (tmp_path / "dvc.yaml").write_text(f"stages:\n  a:\n    cmd: echo\n    outs: ['{out}']\n")
    with pytest.raises(GraphError, match="outside the repository"):
        load_pipeline(tmp_path)


def test_a_broken_params_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "params.yaml").write_text("a: [1\n")
    (tmp_path / "dvc.yaml").write_text("stages:\n  a:\n    cmd: echo ${a}\n")
    with pytest.raises(
        TemplateError, match=r"unable to read parameters from 'params\.yaml'"
    ) as raised:
        load_pipeline(tmp_path)
    assert "\n" not in str(raised.value)
