"""Runs on a real ``distributed.LocalCluster`` on loopback, whose workers start elsewhere.

The work item carries the snapshot as a Git bundle: the workers run each run in a scratch
folder of their own, never in the user's repository, and the experiment (with the artifacts
it cached) is created here, once per run, even when Dask re-runs a task after losing a worker.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from live_nb.runs import api
from tests.conftest import git
from tests.test_runs_execute import user_state

distributed = pytest.importorskip("distributed")

SCRIPT = (
    "import os, time, yaml\nfrom live_nb import Live\n"
    "params = yaml.safe_load(open('params.yaml'))\n"
    "with Live() as live:\n"
    "    live.log_param('cwd', os.getcwd())\n"
    "    for step in range(params['steps']):\n"
    "        live.log_metric('value', params['lr'] * (step + 1))\n"
    "        live.next_step()\n"
    "        time.sleep(params['pause'])\n"
    "    open('model.bin', 'w').write(f\"weights {params['lr']}\")\n"
    "    live.log_artifact('model.bin', type='model')\n"
)


@pytest.fixture
def project(git_repo: Path) -> Path:
    (git_repo / "params.yaml").write_text("lr: 1\nsteps: 2\npause: 0.0\n")
    (git_repo / "train.py").write_text(SCRIPT)
    git(git_repo, "add", ".")
    git(git_repo, "commit", "-q", "-m", "script")
    return git_repo


@pytest.fixture
def cluster(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Any]:
    elsewhere = tmp_path_factory.mktemp("dask-workers")
    monkeypatch.chdir(elsewhere)  # the workers start here, outside the user's repository
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=None, local_directory=str(elsewhere),
    ) as local:  # fmt: skip
        yield local


def test_a_grid_runs_on_the_cluster_and_comes_back_with_its_artifacts(
    project: Path, cluster: Any
) -> None:
    before = user_state(project)
    with distributed.Client(cluster) as client:
        runs = api.run(
            command=[sys.executable, "train.py"], params=["lr=2,3"], jobs=2, executor=client,
            path=project,
        )  # fmt: skip
        results = runs.wait(timeout=120)
    assert [r.status for r in results] == ["ok", "ok"], [run.log() for run in runs]
    for result, lr in zip(results, (2, 3)):
        metrics = json.loads(git(project, "show", f"{result.commit}:dvclive/metrics.json"))
        assert metrics["value"] == lr * 2
        params = git(project, "show", f"{result.commit}:dvclive/params.yaml")
        assert str(project) not in params  # it ran in a scratch folder on the worker
        parent = git(project, "rev-parse", f"{result.commit}^").strip()
        assert parent == before[0].strip()
        dvc_file = git(project, "show", f"{result.commit}:model.bin.dvc")
        md5 = dvc_file.split("md5: ")[1].split()[0]
        cached = project / ".dvc" / "cache" / "files" / "md5" / md5[:2] / md5[2:]
        assert cached.read_text() == f"weights {lr}"
    after = user_state(project)
    assert after[0] == before[0] and after[2] == before[2]  # HEAD and index
    # the artifacts' cache, set up as log_artifact sets it up (`dvc init`'s files, untracked)
    assert after[1] == "?? .dvc/\n?? .dvcignore\n"
    assert {k: v for k, v in after[3].items() if not k.startswith(".dvc")} == before[3]


def test_the_cli_takes_a_dask_url(project: Path, cluster: Any) -> None:
    url = cluster.scheduler_address.replace("tcp://", "dask://")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    completed = subprocess.run(
        [sys.executable, "-m", "live_nb", "exp", "run", "--executor", url, "-S", "lr=7",
         "--json", "--", sys.executable, "train.py"],
        cwd=project, capture_output=True, text=True, timeout=180, env=env,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    (result,) = json.loads(completed.stdout)
    metrics = json.loads(git(project, "show", f"{result['commit']}:dvclive/metrics.json"))
    assert metrics["value"] == 14


def test_a_run_retried_after_a_lost_worker_makes_one_experiment(
    project: Path, cluster: Any
) -> None:
    with distributed.Client(cluster) as client:
        pids = client.run(os.getpid)
        (run,) = api.run(
            command=[sys.executable, "train.py"], params=["steps=20", "pause=0.1"],
            executor=client, background=True, path=project,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        busy: list[str] = []
        while not busy:
            assert time.monotonic() < deadline
            busy = [w for w, tasks in client.processing().items() if tasks]
            time.sleep(0.05)
        time.sleep(0.5)  # well inside the run
        os.kill(pids[busy[0]], signal.SIGKILL)
        result = run.wait(timeout=120)
    assert result.status == "ok", result.error
    experiments = git(project, "for-each-ref", "--format=%(refname)", "refs/exps").split()
    assert len(experiments) == 1
