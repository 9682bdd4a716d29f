"""cache_artifact and restore_artifact, checked against real ``dvc init``, ``dvc add``,
``dvc status`` and ``dvc checkout`` (the oracle tests), plus error cases that need no dvc."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from live_nb.error import ArtifactNotFoundError, InvalidNameError, LiveNbError
from live_nb.formats import artifacts
from live_nb.formats.artifacts import (
    ArtifactChangedError,
    ArtifactEntry,
    InvalidDvcFileError,
    MissingCacheObjectError,
    cache_artifact,
    ensure_dvc_dir,
    find_dvc_root,
    render_dvc_file,
    restore_artifact,
)


def _find_dvc() -> str | None:
    beside_python = Path(sys.executable).with_name("dvc")
    return shutil.which("dvc") or (str(beside_python) if beside_python.is_file() else None)


DVC = _find_dvc()
oracle = pytest.mark.oracle


@pytest.fixture
def dvc_bin() -> str:
    if DVC is None:
        pytest.skip("dvc is not installed")
    return DVC


def _run(args: list[str], cwd: Path, site_cache: Path) -> str:
    env = {**os.environ, "DVC_NO_ANALYTICS": "1", "DVC_SITE_CACHE_DIR": str(site_cache)}
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"{args} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _git_repo(path: Path) -> Path:
    path.mkdir(parents=True)
    for args in (["init", "-q"], ["config", "user.name", "Test"], ["config", "user.email", "t@t"]):
        subprocess.run(["git", *args], cwd=path, check=True, capture_output=True)
    return path


def _fake_git_repo(path: Path) -> Path:
    """Enough of a Git work tree for live_nb, which only looks for `.git`."""
    (path / ".git").mkdir(parents=True)
    return path


def _write(path: Path, data: bytes, mode: int | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    if mode is not None:
        path.chmod(mode)


def _make_tree(path: Path) -> None:
    _write(path / "a" / "b", b"1\n")  # "a/b" sorts after "a-c/x" as a string
    _write(path / "a-c" / "x", b"2\n")
    _write(path / "sub" / "deeper" / "z.txt", b"3\n")
    _write(path / "é t.txt", "é\n".encode())
    _write(path / ".hidden", b"")
    (path / "link").symlink_to("a-c/x")  # DVC hashes the target's content
    (path / "empty_folder").mkdir()


def _make_kept(path: Path) -> None:
    _write(path.parent / ".gitignore", b"*.log")  # no final newline
    _write(path, b"model")


# name -> (path in the repository, how to create it there)
CASES: dict[str, tuple[str, Callable[[Path], None]]] = {
    "text": ("text/notes.txt", lambda p: _write(p, b"hello\n")),
    "empty": ("empty/empty.bin", lambda p: _write(p, b"")),
    # Over CHUNK_SIZE, so it is hashed and copied in several chunks.
    "binary": ("binary/weights.bin", lambda p: _write(p, random.Random(0).randbytes(3 << 20))),
    "executable": ("exec/run.sh", lambda p: _write(p, b"#!/bin/sh\n", 0o755)),
    "directory": ("tree/data", _make_tree),
    "empty_directory": ("hollow/nothing", lambda p: p.mkdir(parents=True)),
    "unicode_and_spaces": ("unicode/données d'été v2.csv", lambda p: _write(p, b"a,b\n")),
    "yaml_and_gitignore_specials": ("special/#run's [1]!*.txt", lambda p: _write(p, b"x")),
    "existing_gitignore": ("kept/model.pkl", _make_kept),
    "repository_root": ("top.txt", lambda p: _write(p, b"top\n")),
}


@dataclass
class Twins:
    ours: Path  # set up by live_nb
    theirs: Path  # set up by dvc
    expected: Path  # the artifacts as created, outside any repository
    entries: dict[str, ArtifactEntry]
    dvc: str
    site_cache: Path


@pytest.fixture(scope="module")
def twins(tmp_path_factory: pytest.TempPathFactory) -> Twins:
    if DVC is None:
        pytest.skip("dvc is not installed")
    base = tmp_path_factory.mktemp("twins")
    ours, theirs = _git_repo(base / "ours"), _git_repo(base / "theirs")
    expected, site_cache = base / "expected", base / "site_cache"
    for relpath, build in CASES.values():
        for folder in (ours, theirs, expected):
            build(folder / relpath)
    assert ensure_dvc_dir(ours) is True
    entries = {name: cache_artifact(ours / relpath, ours) for name, (relpath, _) in CASES.items()}
    _run([DVC, "init", "-q"], theirs, site_cache)
    _run([DVC, "add", "-q", *(relpath for relpath, _ in CASES.values())], theirs, site_cache)
    return Twins(ours, theirs, expected, entries, DVC, site_cache)


def _snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Content and permissions of every file under ``folder``, symlinks followed."""
    return {
        path.relative_to(folder).as_posix(): (path.read_bytes(), path.stat().st_mode & 0o777)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _contents(path: Path) -> dict[str, bytes]:
    if path.is_file():
        return {"": path.read_bytes()}
    return {name: data for name, (data, _) in _snapshot(path).items()}


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


@oracle
def test_ensure_dvc_dir_writes_what_dvc_init_writes(twins: Twins) -> None:
    for name in (".dvc/config", ".dvc/.gitignore", ".dvcignore"):
        assert (twins.ours / name).read_bytes() == (twins.theirs / name).read_bytes(), name
    assert ensure_dvc_dir(twins.ours) is False
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=twins.ours, capture_output=True, text=True, check=True
    ).stdout
    assert status and all(line.startswith("??") for line in status.splitlines())  # nothing staged


@oracle
@pytest.mark.parametrize("case", list(CASES))
def test_dvc_file_and_gitignore_match_dvc_add(twins: Twins, case: str) -> None:
    relpath = CASES[case][0]
    entry = twins.entries[case]
    dvc_file = twins.ours / f"{relpath}.dvc"
    assert entry.dvc_file == dvc_file
    assert entry.path == Path(relpath).name
    assert dvc_file.read_bytes() == (twins.theirs / f"{relpath}.dvc").read_bytes()
    assert dvc_file.read_text(encoding="utf-8") == render_dvc_file(entry)
    gitignore = Path(relpath).parent / ".gitignore"
    assert (twins.ours / gitignore).read_bytes() == (twins.theirs / gitignore).read_bytes()


@oracle
def test_cache_matches_dvc_add(twins: Twins) -> None:
    ours = _snapshot(twins.ours / ".dvc" / "cache")
    assert ours == _snapshot(twins.theirs / ".dvc" / "cache")
    assert {mode for _, mode in ours.values()} == {0o444}


@oracle
def test_dvc_sees_the_artifacts_and_restores_them(twins: Twins) -> None:
    def assert_restored() -> None:
        for relpath, _ in CASES.values():
            assert (twins.ours / relpath).exists(), relpath
            assert _contents(twins.ours / relpath) == _contents(twins.expected / relpath), relpath

    assert json.loads(_run([twins.dvc, "status", "--json"], twins.ours, twins.site_cache)) == {}
    for relpath, _ in CASES.values():
        _remove(twins.ours / relpath)
    _run([twins.dvc, "checkout", "-q"], twins.ours, twins.site_cache)
    assert_restored()

    for relpath, _ in CASES.values():
        _remove(twins.ours / relpath)
    for entry in twins.entries.values():
        restore_artifact(entry.dvc_file)
    assert_restored()
    assert (twins.ours / CASES["executable"][0]).stat().st_mode & 0o100
    assert json.loads(_run([twins.dvc, "status", "--json"], twins.ours, twins.site_cache)) == {}


@oracle
def test_outside_git_matches_dvc_init_no_scm(tmp_path: Path, dvc_bin: str) -> None:
    if any((folder / ".git").exists() for folder in (tmp_path, *tmp_path.parents)):
        pytest.skip("the temporary folder is inside a Git work tree")
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    ours.mkdir()
    theirs.mkdir()
    assert ensure_dvc_dir(ours) is True
    _run([dvc_bin, "init", "-q", "--no-scm"], theirs, tmp_path / "site_cache")
    for name in (".dvc/config", ".dvcignore"):
        assert (ours / name).read_bytes() == (theirs / name).read_bytes(), name
    assert not (ours / ".dvc" / ".gitignore").exists()

    _write(ours / "model.pkl", b"weights")
    cache_artifact(ours / "model.pkl", ours)
    assert not (ours / ".gitignore").exists()  # dvc add leaves .gitignore alone without Git
    assert json.loads(_run([dvc_bin, "status", "--json"], ours, tmp_path / "site_cache")) == {}


LONG = "a long model name with spaces " * 3
TRICKY_NAMES = [
    "yes", "on", "null", "123", "1e5", "0o17", "2024-01-01", "~", "-x", "- x", "a: b", "x #y",
    "#x", "it's", "'quoted'", ' lead', 'tail ', "tab\tname", "new\nline", "\x7f", "é.txt",
    "emoji 😀.png", "a" * 73, LONG, LONG + "'s", LONG.replace(" ", "\t"), "12345678901234567890",
]  # fmt: skip


@oracle
def test_render_dvc_file_matches_dvc_yaml_for_tricky_names() -> None:
    serialize = pytest.importorskip("dvc.utils.serialize")
    for name in TRICKY_NAMES:
        for nfiles, isexec in ((None, False), (None, True), (3, False)):
            entry = ArtifactEntry("0123456789" * 3 + "ab", 7, nfiles, name, Path("x.dvc"), isexec)
            expected = {"md5": entry.md5, "size": 7}
            expected |= {"nfiles": nfiles} if nfiles is not None else {}
            expected |= {"isexec": True} if isexec else {}
            expected |= {"hash": "md5", "path": name}
            assert render_dvc_file(entry) == serialize.dumps_yaml({"outs": [expected]}), name


# ---- without dvc ------------------------------------------------------------------------------


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return _fake_git_repo(tmp_path / "repo")


def _cache_files(repo: Path) -> list[Path]:
    cache = repo / ".dvc" / "cache"
    return sorted(path for path in cache.rglob("*") if path.is_file()) if cache.exists() else []


def test_missing_path(repo: Path) -> None:
    with pytest.raises(ArtifactNotFoundError) as caught:
        cache_artifact(repo / "nope.pkl", repo)
    assert isinstance(caught.value, FileNotFoundError)
    assert not (repo / ".dvc").exists()


def test_path_outside_the_repository(repo: Path, tmp_path: Path) -> None:
    _write(tmp_path / "elsewhere.pkl", b"x")
    with pytest.raises(InvalidNameError, match="outside the repository"):
        cache_artifact(tmp_path / "elsewhere.pkl", repo)
    with pytest.raises(ValueError, match="Git's own folder"):
        cache_artifact(repo / ".git", repo)
    assert not (repo / ".dvc").exists()


def test_unreadable_file_in_a_folder_leaves_nothing(repo: Path) -> None:
    _write(repo / "data" / "a.txt", b"fine")
    (repo / "data" / "b.txt").symlink_to("missing")
    with pytest.raises(FileNotFoundError) as caught:
        cache_artifact(repo / "data", repo)
    assert caught.value.filename == str(repo / "data" / "b.txt")
    assert _cache_files(repo) == []
    assert not (repo / "data.dvc").exists()
    assert not (repo / ".gitignore").exists()


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads anything")
def test_unreadable_file_raises_permission_error(repo: Path) -> None:
    _write(repo / "secret.bin", b"x", 0o000)
    with pytest.raises(PermissionError):
        cache_artifact(repo / "secret.bin", repo)
    assert not (repo / "secret.bin.dvc").exists()


def test_file_changing_while_cached_leaves_no_object(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(repo / "model.pkl", b"new")
    monkeypatch.setattr(artifacts, "_hash_file", lambda path: ("0" * 32, 3))
    with pytest.raises(ArtifactChangedError):
        cache_artifact(repo / "model.pkl", repo)
    assert _cache_files(repo) == []  # neither the object nor its temporary file
    assert not (repo / "model.pkl.dvc").exists()


def test_caching_twice_changes_nothing(repo: Path) -> None:
    _write(repo / "models" / "model.pkl", b"weights")
    _write(repo / "models" / ".gitignore", b"/other\n/model.pkl")
    first = cache_artifact(repo / "models" / "model.pkl", repo)
    files = {path: path.read_bytes() for path in _cache_files(repo)}
    dvc_text = first.dvc_file.read_bytes()
    assert cache_artifact(repo / "models" / "model.pkl", repo) == first
    assert {path: path.read_bytes() for path in _cache_files(repo)} == files
    assert first.dvc_file.read_bytes() == dvc_text
    assert (repo / "models" / ".gitignore").read_bytes() == b"/other\n/model.pkl"
    assert (first.md5, first.size, first.nfiles) == ("63f4f1e9b725370f459720575cd5f953", 7, None)


def test_relative_path_and_symlinked_file(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(repo / "real.bin", b"abc")
    (repo / "alias.bin").symlink_to("real.bin")
    monkeypatch.chdir(repo)
    entry = cache_artifact(Path("alias.bin"), Path())
    assert (entry.path, entry.md5) == ("alias.bin", "900150983cd24fb0d6963f7d28e17f72")
    assert entry.dvc_file == repo.resolve() / "alias.bin.dvc"
    assert (repo / ".gitignore").read_text() == "/alias.bin\n"


def test_directory_skips_what_dvc_skips(repo: Path, tmp_path: Path) -> None:
    _write(repo / "d" / "kept.txt", b"k")
    _write(repo / "d" / ".git" / "HEAD", b"x")
    _write(repo / "d" / ".hg" / "x", b"x")
    _write(repo / "d" / "nested" / ".dvc" / "config", b"")  # a DVC repository of its own
    _write(repo / "d" / "nested" / "inner.txt", b"x")
    _write(tmp_path / "outside" / "o.txt", b"x")
    (repo / "d" / "linked_folder").symlink_to(tmp_path / "outside")
    entry = cache_artifact(repo / "d", repo)
    assert (entry.size, entry.nfiles) == (1, 1)
    manifest = artifacts._object_path(repo / ".dvc" / "cache" / "files" / "md5", entry.md5)
    assert manifest.read_bytes() == (
        b'[{"md5": "8ce4b16b22b58894aa86c421e8759df3", "relpath": "kept.txt"}]'
    )


def test_restore_missing_object_leaves_workspace(repo: Path) -> None:
    _write(repo / "model.pkl", b"weights")
    entry = cache_artifact(repo / "model.pkl", repo)
    for path in _cache_files(repo):
        path.unlink()
    _write(repo / "model.pkl", b"edited")
    with pytest.raises(MissingCacheObjectError, match="dvc pull") as caught:
        restore_artifact(entry.dvc_file)
    assert isinstance(caught.value, LiveNbError)
    assert isinstance(caught.value, FileNotFoundError)
    assert (repo / "model.pkl").read_bytes() == b"edited"


def test_restore_folder_keeps_extra_files(repo: Path) -> None:
    _write(repo / "d" / "a" / "b.txt", b"b")
    entry = cache_artifact(repo / "d", repo)
    _write(repo / "d" / "a" / "b.txt", b"changed")
    _write(repo / "d" / "extra.txt", b"extra")
    restore_artifact(entry.dvc_file)
    assert (repo / "d" / "a" / "b.txt").read_bytes() == b"b"
    assert (repo / "d" / "extra.txt").read_bytes() == b"extra"
    assert not list((repo / "d").rglob("*.tmp"))


def test_restore_rejects_a_file_without_outs(repo: Path) -> None:
    (repo / "bad.dvc").write_text("outs: nope\n")
    with pytest.raises(InvalidDvcFileError, match="outs"):
        restore_artifact(repo / "bad.dvc")


def test_find_dvc_root(tmp_path: Path) -> None:
    top = _fake_git_repo(tmp_path / "top")
    (top / "project" / "deep").mkdir(parents=True)
    assert find_dvc_root(top / "project" / "deep") == top.resolve()
    (top / "project" / ".dvc").mkdir()
    assert find_dvc_root(top / "project" / "deep") == (top / "project").resolve()
    assert find_dvc_root(tmp_path) == tmp_path.resolve()
