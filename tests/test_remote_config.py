"""DVC's remote configuration, read and written as DVC does, checked against the real dvc."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from live_nb.cli import main
from live_nb.remotes import (
    NoDefaultRemoteError,
    RemoteExistsError,
    UnknownRemoteError,
    add_remote,
    load_config,
)
from live_nb.remotes.ini import ConfigFileError, parse, render
from tests.conftest import dvc_executable, git, run_dvc

DVC = dvc_executable()
needs_dvc = pytest.mark.skipif(DVC is None, reason="the real dvc is not installed")


@pytest.fixture(autouse=True)
def no_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep this machine's global and system DVC config out of the tests (and of dvc's)."""
    monkeypatch.setenv("DVC_GLOBAL_CONFIG_DIR", str(tmp_path / "global"))
    monkeypatch.setenv("DVC_SYSTEM_CONFIG_DIR", str(tmp_path / "system"))


def test_ini_reads_configobj_values() -> None:
    text = (
        "# a comment\n"
        "[core]\n"
        "    remote = Origin  # trailing comment\n"
        "['remote \"Origin\"']\n"
        '    url = "s3://b/with # hash"\n'
        "    Endpointurl = http://127.0.0.1:9000\n"
        "[cache]\n"
        "    type = reflink,copy\n"
        "    one = a,\n"
        "    none = ,\n"
    )
    sections = parse(text)
    assert sections == {
        "core": {"remote": "Origin"},
        'remote "origin"': {"url": "s3://b/with # hash", "endpointurl": "http://127.0.0.1:9000"},
        "cache": {"type": ["reflink", "copy"], "one": ["a"], "none": []},
    }
    assert parse(render(sections)) == sections


def test_ini_refuses_what_configobj_refuses() -> None:
    with pytest.raises(ConfigFileError, match="line 2"):
        parse("[core]\nremote\n")
    with pytest.raises(ConfigFileError, match="twice"):
        parse("[core]\nremote = a\nremote = b\n")


def test_relative_urls_are_relative_to_the_config_file(tmp_path: Path) -> None:
    dvc_dir = tmp_path / "project" / ".dvc"
    dvc_dir.mkdir(parents=True)
    (dvc_dir / "config").write_text(
        "[core]\n    remote = Store\n['remote \"store\"']\n    url = ../../store\n"
        "['remote \"home\"']\n    url = ~/somewhere\n"
    )
    (dvc_dir / "config.local").write_text(
        "['remote \"store\"']\n    secret_access_key = hunter2-secret\n"
    )
    config = load_config(tmp_path / "project")
    store = config.remote()
    assert store.name == "store"
    assert store.url == str(tmp_path / "store")
    assert store.options == {"secret_access_key": "hunter2-secret"}
    assert config.remote("home").url == os.path.expanduser("~/somewhere")
    with pytest.raises(UnknownRemoteError, match="home, store"):
        config.remote("nope")


def test_no_default_remote_says_how_to_set_one(tmp_path: Path) -> None:
    (tmp_path / ".dvc").mkdir()
    with pytest.raises(NoDefaultRemoteError, match="remote add -d"):
        load_config(tmp_path).remote()


def test_add_refuses_an_existing_remote_unless_forced(tmp_path: Path) -> None:
    (tmp_path / ".dvc").mkdir()
    add_remote(tmp_path, "a", "s3://x/y", cwd=tmp_path)
    with pytest.raises(RemoteExistsError):
        add_remote(tmp_path, "A", "s3://x/z", cwd=tmp_path)
    add_remote(tmp_path, "A", "s3://x/z", cwd=tmp_path, force=True)
    assert load_config(tmp_path).remote("a").url == "s3://x/z"


@needs_dvc
@pytest.mark.oracle
def test_remote_add_writes_what_dvc_remote_add_writes(tmp_path: Path) -> None:
    assert DVC is not None
    git_repo, theirs = tmp_path / "ours", tmp_path / "theirs"
    for repo in (git_repo, theirs):
        repo.mkdir()
        git(repo, "init", "-q")
    run_dvc(DVC, theirs, "init", "-q")
    (git_repo / "sub").mkdir()
    (theirs / "sub").mkdir()
    commands = [
        ("sub", ["MyStore", "../../store", "-d"]),
        (".", ["s3remote", "s3://bucket/path"]),
        (".", ["abs", str(tmp_path / "abs")]),
        (".", ["home", "~/x"]),
    ]
    for folder, arguments in commands:
        assert main(["-C", str(git_repo / folder), "remote", "add", *arguments]) == 0
        run_dvc(DVC, theirs / folder, "remote", "add", *arguments)
    assert main(["-C", str(git_repo), "remote", "add", "--local", "private", "s3://p/q"]) == 0
    run_dvc(DVC, theirs, "remote", "add", "--local", "private", "s3://p/q")
    assert (git_repo / ".dvc" / "config").read_text() == (theirs / ".dvc" / "config").read_text()
    assert (git_repo / ".dvc" / "config.local").read_text() == (
        theirs / ".dvc" / "config.local"
    ).read_text()
    # Created by `dvc init` in a Git repository: what live-nb made first.
    assert (git_repo / ".dvc" / ".gitignore").is_file()
    # dvc reads ours as its own, and we read its as ours.
    for repo in (git_repo, theirs):
        listed = run_dvc(DVC, repo, "remote", "list")
        assert load_config(repo).listing().split() == listed.split()
    listing = load_config(theirs).listing()
    assert [line.split("\t")[0] for line in listing.splitlines()] == [
        "mystore",
        "s3remote",
        "abs",
        "home",
        "private",
    ]
    assert run_dvc(DVC, git_repo, "config", "core.remote").strip() == "mystore"
    assert load_config(git_repo).remote().url == str(tmp_path / "store")


@needs_dvc
@pytest.mark.oracle
def test_remote_list_prints_what_dvc_remote_list_prints(
    git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert DVC is not None
    run_dvc(DVC, git_repo, "init", "-q")
    run_dvc(DVC, git_repo, "remote", "add", "-d", "origin", "../store")
    run_dvc(DVC, git_repo, "remote", "add", "other", "s3://b/p")
    run_dvc(DVC, git_repo, "remote", "modify", "other", "endpointurl", "http://127.0.0.1:1")
    capsys.readouterr()
    assert main(["remote", "list"]) == 0
    ours = capsys.readouterr().out
    theirs = run_dvc(DVC, git_repo, "remote", "list")
    assert [line.split() for line in ours.splitlines()] == [
        line.split() for line in theirs.splitlines()
    ]
