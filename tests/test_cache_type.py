"""DVC's ``cache.type`` is honoured by ``log_artifact`` and by restoring artifacts."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from live_nb import Live
from live_nb.formats.artifacts import restore_artifact
from live_nb.formats.cachelink import cache_types, link_to_cache
from tests.conftest import run_dvc

CONTENT = b"weights " * 1000


@pytest.fixture(autouse=True)
def own_dvc_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No system or user DVC config of the machine's leaks into a test (nor into dvc's)."""
    monkeypatch.setenv("DVC_SYSTEM_CONFIG_DIR", str(tmp_path / "system-config"))
    monkeypatch.setenv("DVC_GLOBAL_CONFIG_DIR", str(tmp_path / "global-config"))
    monkeypatch.setenv("DVC_NO_ANALYTICS", "1")


def _object(md5_of: bytes) -> Path:
    import hashlib

    md5 = hashlib.md5(md5_of, usedforsecurity=False).hexdigest()
    return Path(".dvc/cache/files/md5") / md5[:2] / md5[2:]


def test_unset_is_dvcs_default(tmp_path: Path) -> None:
    (tmp_path / ".dvc").mkdir()
    assert cache_types(tmp_path / ".dvc") == ("reflink", "copy")


def test_config_local_overrides_config_which_overrides_the_global_one(tmp_path: Path) -> None:
    dvc_dir = tmp_path / ".dvc"
    dvc_dir.mkdir()
    (tmp_path / "global-config").mkdir()
    (tmp_path / "global-config" / "config").write_text("[cache]\n    type = symlink\n")
    assert cache_types(dvc_dir) == ("symlink",)
    (dvc_dir / "config").write_text("[core]\n    remote = x\n[cache]\n    type = hardlink, copy\n")
    assert cache_types(dvc_dir) == ("hardlink", "copy")
    (dvc_dir / "config.local").write_text('[cache]\ntype = "symlink,hardlink"\n')
    assert cache_types(dvc_dir) == ("symlink", "hardlink")


def _log_model(copy: bool) -> Path:
    Path("model.bin").write_bytes(CONTENT)
    with Live(save_dvc_exp=False) as live:
        live.log_artifact("model.bin", type="model", copy=copy)
    return Path("dvclive/artifacts/model.bin") if copy else Path("model.bin")


@pytest.mark.oracle
@pytest.mark.parametrize("copy", [False, True], ids=["in-place", "copy"])
@pytest.mark.parametrize("kind", ["hardlink", "symlink", "copy", None])
def test_log_artifact_links_as_dvc_add_does(
    git_repo: Path, dvc: str, kind: str | None, copy: bool
) -> None:
    run_dvc(dvc, git_repo, "init", "-q")
    if kind is not None:
        run_dvc(dvc, git_repo, "config", "cache.type", kind)  # DVC writes its own config
    tracked = _log_model(copy)
    cache_object = _object(CONTENT)
    assert cache_object.read_bytes() == CONTENT
    _check_link(tracked, cache_object, kind)
    # The real dvc agrees the workspace matches the .dvc file, and has nothing to check out.
    assert json.loads(run_dvc(dvc, git_repo, "status", "--json")) == {}
    run_dvc(dvc, git_repo, "checkout")
    _check_link(tracked, cache_object, kind)
    # Restored by live_nb after it is gone, with the same link; dvc still agrees.
    tracked.unlink()
    restore_artifact(tracked.with_name(tracked.name + ".dvc"))
    _check_link(tracked, cache_object, kind)
    assert json.loads(run_dvc(dvc, git_repo, "status", "--json")) == {}


def _check_link(tracked: Path, cache_object: Path, kind: str | None) -> None:
    assert tracked.read_bytes() == CONTENT
    if kind == "symlink":
        assert tracked.is_symlink()
        assert tracked.resolve() == cache_object.resolve()
        return
    assert not tracked.is_symlink()
    same_inode = os.stat(tracked).st_ino == os.stat(cache_object).st_ino
    assert same_inode == (kind == "hardlink")


@pytest.mark.oracle
def test_a_folder_is_linked_file_by_file(git_repo: Path, dvc: str) -> None:
    run_dvc(dvc, git_repo, "init", "-q")
    run_dvc(dvc, git_repo, "config", "cache.type", "symlink")
    (git_repo / "data" / "sub").mkdir(parents=True)
    (git_repo / "data" / "a.txt").write_bytes(b"a\n")
    (git_repo / "data" / "sub" / "b.txt").write_bytes(b"b\n")
    with Live(save_dvc_exp=False) as live:
        live.log_artifact("data")
    assert Path("data/a.txt").resolve() == _object(b"a\n").resolve()
    assert Path("data/sub/b.txt").resolve() == _object(b"b\n").resolve()
    assert json.loads(run_dvc(dvc, git_repo, "status", "--json")) == {}


def test_an_unusable_type_falls_back_to_the_next(tmp_dir: Path) -> None:
    (tmp_dir / ".git").mkdir()  # a Git repository for DVC's sake; not needed to log
    (tmp_dir / ".dvc").mkdir()
    (tmp_dir / ".dvc" / "config").write_text("[cache]\n    type = reflink,hardlink\n")
    tracked = _log_model(copy=False)
    cache_object = _object(CONTENT)
    # Most file systems cannot reflink (ext4, tmpfs): a hard link is made there instead.
    here = link_to_cache(cache_object, tmp_dir / "probe", ("reflink", "hardlink"))
    assert tracked.read_bytes() == CONTENT
    hardlinked = os.stat(tracked).st_ino == os.stat(cache_object).st_ino
    assert hardlinked == (here == "hardlink")
