"""DVC's ``cache.dir``: log_artifact, apply, push and pull use the cache DVC's config names."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from live_nb import Live
from live_nb.experiments import apply, save
from live_nb.formats.cachelink import cache_dir, md5_cache
from live_nb.remotes import add_remote, pull, push
from tests.conftest import git, run_dvc


@pytest.fixture(autouse=True)
def no_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DVC_GLOBAL_CONFIG_DIR", str(tmp_path / "global"))
    monkeypatch.setenv("DVC_SYSTEM_CONFIG_DIR", str(tmp_path / "system"))


def obj(cache: Path, md5: str) -> Path:
    return cache / "files" / "md5" / md5[:2] / md5[2:]


def test_a_relative_dir_is_relative_to_the_config_files_folder(tmp_path: Path) -> None:
    dvc_dir = tmp_path / "project" / ".dvc"
    dvc_dir.mkdir(parents=True)
    assert cache_dir(dvc_dir) == dvc_dir / "cache"
    (dvc_dir / "config").write_text("[core]\n    remote = x\n[cache]\n    dir = ../../shared\n")
    assert cache_dir(dvc_dir) == tmp_path / "shared"
    (dvc_dir / "config.local").write_text("[cache]\n    dir = '/abs/cache'\n")
    assert cache_dir(dvc_dir) == Path("/abs/cache")  # config.local overrides config
    (dvc_dir / "config.local").unlink()
    (tmp_path / "global").mkdir()
    (tmp_path / "global" / "config").write_text("[cache]\ndir = from-global\n")
    assert cache_dir(dvc_dir) == tmp_path / "shared"  # the project's file comes after
    (dvc_dir / "config").write_text("")
    assert cache_dir(dvc_dir) == tmp_path / "global" / "from-global"
    assert md5_cache(dvc_dir.parent) == tmp_path / "global" / "from-global" / "files" / "md5"


@pytest.mark.oracle
def test_artifacts_go_where_dvc_cache_dir_says_and_dvc_agrees(
    git_repo: Path, tmp_path: Path, dvc: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_dvc(dvc, git_repo, "init", "-q")
    run_dvc(dvc, git_repo, "cache", "dir", str(tmp_path / "shared-cache"))
    assert cache_dir(git_repo / ".dvc") == tmp_path / "shared-cache"
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-qm", "dvc with its cache elsewhere")
    (git_repo / "model.bin").write_bytes(os.urandom(50_000))
    with Live(save_dvc_exp=False) as live:
        live.log_artifact("model.bin", type="model")
    md5 = (git_repo / "model.bin.dvc").read_text().split("md5: ")[1].split()[0]
    assert obj(tmp_path / "shared-cache", md5).is_file()
    assert not (git_repo / ".dvc" / "cache").exists()
    assert "up to date" in run_dvc(dvc, git_repo, "status")  # dvc finds it in its cache

    content = (git_repo / "model.bin").read_bytes()
    save(name="with-model")
    (git_repo / "model.bin").unlink()
    (git_repo / "model.bin.dvc").unlink()
    apply("with-model")  # restored from the cache cache.dir names
    assert (git_repo / "model.bin").read_bytes() == content

    add_remote(git_repo, "store", str(tmp_path / "store"), default=True)
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-qm", "the model")
    assert push(git_repo).moved == 1
    assert obj(tmp_path / "store", md5).is_file()

    # A clone whose cache is elsewhere again: pull fills that cache, and dvc sees it there.
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(git_repo), str(clone))
    (clone / ".dvc" / "config.local").write_text("[cache]\n    dir = ../../clone-cache\n")
    monkeypatch.chdir(clone)
    assert pull(clone).restored == ("model.bin",)
    assert obj(tmp_path / "clone-cache", md5).is_file()
    assert (clone / "model.bin").read_bytes() == content
    assert "up to date" in run_dvc(dvc, clone, "status")
