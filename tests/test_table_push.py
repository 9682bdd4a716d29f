"""The experiments table's Push: the ticked experiments to the default Git and DVC remotes."""

from __future__ import annotations

from pathlib import Path

import pytest

from live_nb import Live
from live_nb.remotes import add_remote
from live_nb.widgets.table import ExperimentsTable
from tests.conftest import git


@pytest.fixture(autouse=True)
def no_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DVC_GLOBAL_CONFIG_DIR", str(tmp_path / "global"))
    monkeypatch.setenv("DVC_SYSTEM_CONFIG_DIR", str(tmp_path / "system"))


def run(name: str, artifact: bool) -> None:
    with Live(exp_name=name) as live:
        live.log_metric("acc", 0.5)
        if artifact:
            Path("model.bin").write_bytes(name.encode() * 1000)
            live.log_artifact("model.bin", type="model")


def ids(table: ExperimentsTable, *names: str) -> list[str]:
    return [row["id"] for row in table.rows if row["values"][0] in names]


def remote_refs(origin: Path) -> list[str]:
    return [line.split("\t")[1] for line in git(origin, "ls-remote", str(origin)).splitlines()]


@pytest.fixture
def origin(git_repo: Path) -> Path:
    remote = git_repo / "origin.git"  # inside the test's folder (ignored below)
    git(git_repo, "init", "-q", "--bare", "-b", "main", str(remote))
    (git_repo / ".gitignore").write_text("/origin.git\n/store\n")
    git(git_repo, "add", ".gitignore")
    git(git_repo, "commit", "-qm", "ignore")
    return remote


def test_push_sends_the_ticked_experiments_and_their_artifacts(
    git_repo: Path, origin: Path
) -> None:
    git(git_repo, "remote", "add", "origin", str(origin))
    add_remote(git_repo, "store", str(git_repo / "store"), default=True)
    run("first", artifact=True)
    run("second", artifact=False)
    table = ExperimentsTable(git_repo)
    reply = table.handle({"type": "push", "request": 1, "ids": ids(table, "first")})
    assert reply["ok"], reply["message"]
    assert "Pushed 1 experiment to 'origin': first." in reply["message"]
    assert "DVC remote 'store'" in reply["message"]
    assert [ref.rsplit("/", 1)[1] for ref in remote_refs(origin) if "exps" in ref] == ["first"]
    assert list((git_repo / "store" / "files" / "md5").glob("*/*"))
    table.close()


def test_without_a_git_remote_nothing_moves_and_it_says_what_to_do(git_repo: Path) -> None:
    run("first", artifact=False)
    table = ExperimentsTable(git_repo)
    reply = table.handle({"type": "push", "request": 1, "ids": ids(table, "first")})
    assert not reply["ok"]
    assert "no default Git remote" in reply["message"]
    assert "git remote add origin URL" in reply["message"]
    table.close()


def test_artifacts_without_a_dvc_remote_are_refused_before_anything_moves(
    git_repo: Path, origin: Path
) -> None:
    git(git_repo, "remote", "add", "origin", str(origin))
    run("first", artifact=True)
    table = ExperimentsTable(git_repo)
    reply = table.handle({"type": "push", "request": 1, "ids": ids(table, "first")})
    assert not reply["ok"] and "no default DVC remote" in reply["message"]
    assert "Nothing was pushed" in reply["message"]
    assert not [ref for ref in remote_refs(origin) if "exps" in ref]
    nothing = table.handle({"type": "push", "request": 2, "ids": []})
    assert not nothing["ok"] and "no experiment is selected" in nothing["message"]
    table.close()


def test_several_remotes_and_none_the_default(git_repo: Path, origin: Path) -> None:
    git(git_repo, "remote", "add", "one", str(origin))
    git(git_repo, "remote", "add", "two", str(origin))
    run("first", artifact=False)
    table = ExperimentsTable(git_repo)
    reply = table.handle({"type": "push", "request": 1, "ids": ids(table, "first")})
    assert not reply["ok"] and "several (one, two)" in reply["message"]
    table.close()
