"""A headless run of a notebook with several ``%%live`` cells, in real kernels (nbclient).

The run is one experiment: a later cell writing to the same folder continues the run (as
``resume=True`` does: its steps follow the earlier cell's, whose metrics, plots, images,
params and artifacts are all kept, in ``metrics.json``, ``params.yaml`` and ``dvc.yaml``);
a cell with a folder of its own keeps its results there. Nothing one cell logged is lost,
whichever way the run is started (one run, a grid on parallel workers, the run-cache, a
Dask cluster).
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from live_nb.formats.yaml import load_yaml
from live_nb.runs import api
from live_nb.runs.job import run_one
from live_nb.runs.plan import plan_runs
from tests import test_runs_dask
from tests.conftest import git
from tests.test_runs_execute import _code, show, write_notebook

pytest.importorskip("nbclient")

FIRST = (
    "%%live --param lr=0.1\n"
    "import numpy as np\n"
    "for epoch in range(2):\n"
    "    live.log_metric('loss', 1.0 / (epoch + 1))\n"
    "    live.next_step()\n"
    "live.log_image('sample.png', np.zeros((4, 4, 3), dtype='uint8'))\n"
    "live.log_sklearn_plot('roc', [0, 1, 1, 0], [0.1, 0.9, 0.8, 0.3])\n"
    "open('model.bin', 'w').write('weights')\n"
    "live.log_artifact('model.bin', type='model')"
)
SECOND = (
    "%%live --param epochs=2\n"
    "for epoch in range(epochs):\n"
    "    live.log_metric('loss', 0.1 / (epoch + 1))\n"
    "    live.log_metric('val/acc', 0.5 + epoch / 10)\n"
    "    live.next_step()"
)


def _notebook(repo: Path, *cells: str) -> None:
    write_notebook(repo / "train.ipynb", _code("%load_ext live_nb"), *map(_code, cells))
    git(repo, "add", "train.ipynb")
    git(repo, "commit", "-q", "-m", "notebook")


def _run(repo: Path) -> str:
    (spec,) = plan_runs("train.ipynb", path=repo)
    log = io.StringIO()
    result = run_one(spec, repo, log)
    assert result.status == "ok", log.getvalue()
    assert result.commit
    return result.commit


def _rows(repo: Path, commit: str, path: str) -> list[list[str]]:
    return [line.split("\t") for line in show(repo, commit, path).splitlines()[1:]]


def test_a_second_live_cell_continues_the_first_cells_run(git_repo: Path) -> None:
    _notebook(git_repo, FIRST, SECOND)
    commit = _run(git_repo)
    loss = _rows(git_repo, commit, "dvclive/plots/metrics/loss.tsv")
    assert [row[0] for row in loss] == ["0", "1", "2", "3"]  # the steps go on
    assert [float(row[1]) for row in loss] == [1.0, 0.5, 0.1, 0.05]
    assert [row[0] for row in _rows(git_repo, commit, "dvclive/plots/metrics/val/acc.tsv")] == [
        "2",
        "3",
    ]
    metrics = json.loads(show(git_repo, commit, "dvclive/metrics.json"))
    assert metrics == {"loss": 0.05, "val": {"acc": 0.6}, "step": 3}
    params = load_yaml(show(git_repo, commit, "dvclive/params.yaml"))
    assert params == {"lr": 0.1, "epochs": 2}
    dvcyaml = load_yaml(show(git_repo, commit, "dvc.yaml"))
    plots = [next(iter(p)) if isinstance(p, dict) else p for p in dvcyaml["plots"]]
    assert "dvclive/plots/images" in plots
    assert "dvclive/plots/sklearn/roc.json" in plots
    assert dvcyaml["artifacts"]["model"]["path"] == "model.bin"
    files = git(git_repo, "ls-tree", "-r", "--name-only", commit).split()
    assert "dvclive/plots/images/sample.png" in files and "model.bin.dvc" in files
    record = json.loads(show(git_repo, commit, "dvclive/execution.ipynb"))
    sources = ["".join(cell["source"]) for cell in record["cells"]]
    assert sources[-2:] == [FIRST, SECOND]


def test_cells_with_folders_of_their_own_each_keep_their_results(git_repo: Path) -> None:
    _notebook(git_repo, FIRST, "%%live --dir eval\nlive.log_metric('acc', 0.9)", SECOND)
    commit = _run(git_repo)
    assert json.loads(show(git_repo, commit, "eval/metrics.json")) == {"acc": 0.9}
    metrics = json.loads(show(git_repo, commit, "dvclive/metrics.json"))
    assert metrics == {"loss": 0.05, "val": {"acc": 0.6}, "step": 3}
    dvcyaml = load_yaml(show(git_repo, commit, "dvc.yaml"))
    assert set(dvcyaml["metrics"]) == {"dvclive/metrics.json", "eval/metrics.json"}
    for folder in ("dvclive", "eval"):  # each folder's record holds every live cell run
        record = json.loads(show(git_repo, commit, f"{folder}/execution.ipynb"))
        assert "".join(record["cells"][-1]["source"]) == SECOND


TINY_FIRST = "%%live --param lr=0.1\nlive.log_metric('first', lr)"


def _check_grid(repo: Path, runs: Any) -> None:
    """Both runs of the grid ``lr=0.2,0.3`` are saved with both cells' metrics."""
    results = runs.wait(timeout=300)
    assert [r.status for r in results] == ["ok", "ok"], [run.log() for run in runs]
    for result, lr in zip(results, (0.2, 0.3)):
        metrics = json.loads(show(repo, result.commit or "", "dvclive/metrics.json"))
        assert metrics == {"first": lr, "loss": 0.05, "val": {"acc": 0.6}, "step": 1}


def test_a_grid_on_parallel_workers_and_the_run_cache_keep_every_cell(git_repo: Path) -> None:
    _notebook(git_repo, TINY_FIRST, SECOND)
    _check_grid(
        git_repo,
        api.run("train.ipynb", params=["lr=0.2,0.3"], jobs=2, run_cache=True, path=git_repo),
    )
    (cached,) = api.run("train.ipynb", params=["lr=0.2"], run_cache=True, path=git_repo).wait(
        timeout=300
    )
    assert cached.status == "cached"
    metrics = json.loads(show(git_repo, cached.commit or "", "dvclive/metrics.json"))
    assert metrics["first"] == 0.2 and metrics["val"] == {"acc": 0.6}


cluster = test_runs_dask.cluster  # a real LocalCluster on loopback


def test_a_grid_on_a_dask_cluster_keeps_every_cell(git_repo: Path, cluster: Any) -> None:
    distributed = pytest.importorskip("distributed")
    _notebook(git_repo, TINY_FIRST, SECOND)
    with distributed.Client(cluster) as client:
        runs = api.run("train.ipynb", params=["lr=0.2,0.3"], jobs=2, executor=client, path=git_repo)
        _check_grid(git_repo, runs)


def test_a_pipeline_stage_of_two_live_cells_is_one_run_no_cell_saves(
    git_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``live-nb run`` as a stage's command (``DVC_ROOT`` set): the outputs hold both cells."""
    from live_nb.runs.headless import execute_notebook

    _notebook(git_repo, TINY_FIRST, SECOND)
    monkeypatch.setenv("DVC_ROOT", str(git_repo))
    monkeypatch.setenv("DVC_STAGE", "train")
    log = io.StringIO()
    outcome = execute_notebook(git_repo / "train.ipynb", output=git_repo / "out.ipynb", log=log)
    assert outcome.status == "ok", log.getvalue()
    assert git(git_repo, "for-each-ref", "refs/exps") == ""  # dvc saves a stage, not a cell
    metrics = json.loads((git_repo / "dvclive" / "metrics.json").read_text())
    assert metrics == {"first": 0.1, "loss": 0.05, "val": {"acc": 0.6}, "step": 1}
    executed = (git_repo / "out.ipynb").read_text()
    assert "continues its run" in executed and "its outputs keep it" in executed
