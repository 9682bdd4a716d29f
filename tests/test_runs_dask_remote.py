"""Dask runs return their artifacts through the default DVC remote when the project has one.

On a real ``distributed.LocalCluster`` (workers in their own processes, started outside the
user's repository) and a directory remote: the workers push, this side pulls.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from live_nb.formats.artifacts import ensure_dvc_dir
from live_nb.remotes import add_remote
from live_nb.runs import api
from live_nb.runs.bundle import pack_snapshot
from tests.conftest import git
from tests.test_runs_dask import SCRIPT

distributed = pytest.importorskip("distributed")


@pytest.fixture(autouse=True)
def no_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DVC_GLOBAL_CONFIG_DIR", str(tmp_path / "global"))
    monkeypatch.setenv("DVC_SYSTEM_CONFIG_DIR", str(tmp_path / "system"))


@pytest.fixture
def project(git_repo: Path, tmp_path: Path) -> Path:
    """The script of test_runs_dask, in a DVC project whose default remote is a folder."""
    (git_repo / "params.yaml").write_text("lr: 1\nsteps: 2\npause: 0.0\n")
    (git_repo / "train.py").write_text(SCRIPT)
    ensure_dvc_dir(git_repo)
    add_remote(git_repo, "store", "remote-store", default=True, cwd=git_repo)  # relative
    (git_repo / ".dvc" / "config.local").write_text(
        "['remote \"store\"']\n    password = hunter2-secret\n"
    )
    git(git_repo, "add", "-A")
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


def objects(cache: Path) -> set[str]:
    folder = cache / "files" / "md5"
    return {f"{p.parent.name}{p.name}" for p in folder.glob("*/*")} if folder.is_dir() else set()


def test_the_work_item_names_the_remote_without_its_secrets(project: Path) -> None:
    from live_nb.runs.spec import RunSpec

    spec = RunSpec(
        id="r1", name="r1", kind="command", tree=git(project, "rev-parse", "HEAD^{tree}").strip(),
        baseline=git(project, "rev-parse", "HEAD").strip(), command=["true"],
    )  # fmt: skip
    remote = pack_snapshot(project, spec)["remote"]
    assert remote == {"name": "store", "url": str(project / "remote-store"), "options": {}}


def test_workers_push_the_artifacts_and_this_side_pulls_them(
    project: Path, tmp_path: Path, cluster: Any
) -> None:
    with distributed.Client(cluster) as client:
        runs = api.run(
            command=[sys.executable, "train.py"], params=["lr=2,3"], jobs=2, executor=client,
            path=project,
        )  # fmt: skip
        results = runs.wait(timeout=180)
    assert [r.status for r in results] == ["ok", "ok"], [run.log() for run in runs]
    store = objects(project / "remote-store")
    assert len(store) == 2  # one model per run, pushed by the workers
    assert objects(project / ".dvc" / "cache") == store  # and pulled here
    for run, result, lr in zip(runs, results, (2, 3)):
        assert "artifacts returned through DVC remote 'store'" in run.log()
        assert "hunter2" not in run.log()
        md5 = git(project, "show", f"{result.commit}:model.bin.dvc").split("md5: ")[1].split()[0]
        cached = project / ".dvc" / "cache" / "files" / "md5" / md5[:2] / md5[2:]
        assert cached.read_text() == f"weights {lr}"


def test_a_remote_the_workers_cannot_write_falls_back_to_the_result(
    project: Path, tmp_path: Path, cluster: Any
) -> None:
    (project / "remote-store").write_text("a file where the remote's folder should be\n")
    with distributed.Client(cluster) as client:
        runs = api.run(
            command=[sys.executable, "train.py"], params=["lr=4"], executor=client, path=project
        )
        (result,) = runs.wait(timeout=180)
    (run,) = runs
    assert result.status == "ok", run.log()
    assert "could not push the artifacts to DVC remote 'store'" in run.log()
    md5 = git(project, "show", f"{result.commit}:model.bin.dvc").split("md5: ")[1].split()[0]
    cached = project / ".dvc" / "cache" / "files" / "md5" / md5[:2] / md5[2:]
    assert cached.read_text() == "weights 4"
