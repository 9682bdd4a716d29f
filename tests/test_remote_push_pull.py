"""``live-nb push``/``pull`` with a directory remote, checked against the real ``dvc``."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from live_nb.cli import main
from live_nb.experiments import save
from live_nb.formats.artifacts import cache_artifact
from live_nb.remotes import (
    MissingObjectsError,
    RemoteUnreachableError,
    TransferFailedError,
    add_remote,
    pull,
    push,
)
from tests.conftest import git, run_dvc


@pytest.fixture(autouse=True)
def no_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DVC_GLOBAL_CONFIG_DIR", str(tmp_path / "global"))
    monkeypatch.setenv("DVC_SYSTEM_CONFIG_DIR", str(tmp_path / "system"))


@pytest.fixture
def origin(tmp_path: Path) -> Path:
    remote = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    return remote


@pytest.fixture
def project(origin: Path, tmp_path: Path) -> Path:
    """A project with a file and a folder artifact, cached as `dvc add` caches them, pushed to
    Git, with a directory remote `store` as its default."""
    git_repo = tmp_path / "project"
    git_repo.mkdir()
    git(git_repo, "init", "-q", "-b", "main")
    (git_repo / "model.bin").write_bytes(os.urandom(300_000))
    data = git_repo / "data"
    (data / "sub").mkdir(parents=True)
    for index in range(5):
        (data / f"f{index}.txt").write_text(f"row {index}\n")
    (data / "sub" / "deep.txt").write_text("deep\n")
    cache_artifact(git_repo / "model.bin", git_repo)
    cache_artifact(data, git_repo)
    add_remote(git_repo, "store", str(tmp_path / "store"), default=True)
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "artifacts")
    git(git_repo, "remote", "add", "origin", str(origin))
    git(git_repo, "push", "-q", "origin", "main")
    return git_repo


def clone_of(origin: Path, where: Path) -> Path:
    git(where.parent, "clone", "-q", str(origin), str(where))
    return where


def files_under(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def store_objects(store: Path) -> set[str]:
    return {p.relative_to(store).as_posix() for p in store.rglob("*") if p.is_file()}


def test_push_sends_only_what_the_remote_lacks(project: Path, tmp_path: Path) -> None:
    first = push(project)
    assert (first.moved, first.present) == (8, 0)  # a file, 6 files of a folder and its manifest
    objects = store_objects(tmp_path / "store")
    assert all(name.startswith("files/md5/") for name in objects)
    assert not [name for name in objects if name.endswith(".tmp")]
    again = push(project)
    assert (again.moved, again.present) == (0, 8)
    assert "up to date" in again.describe()
    one = sorted(objects)[0]
    (tmp_path / "store" / one).unlink()
    assert push(project).moved == 1


def test_pull_restores_the_workspace_byte_for_byte(
    project: Path, origin: Path, tmp_path: Path
) -> None:
    push(project)
    other = clone_of(origin, tmp_path / "other")
    result = pull(other)
    assert result.moved == 8
    assert sorted(result.restored) == ["data", "model.bin"]
    assert (other / "model.bin").read_bytes() == (project / "model.bin").read_bytes()
    assert files_under(other / "data") == files_under(project / "data")
    cached = other / ".dvc" / "cache" / "files" / "md5"
    assert all(not p.stat().st_mode & stat.S_IWUSR for p in cached.rglob("*") if p.is_file())
    assert pull(other).moved == 0


def test_pull_never_overwrites_a_workspace_file(
    project: Path, origin: Path, tmp_path: Path
) -> None:
    push(project)
    other = clone_of(origin, tmp_path / "other")
    (other / "model.bin").write_text("my own edits\n")
    result = pull(other)
    assert result.restored == ("data",)
    assert (other / "model.bin").read_text() == "my own edits\n"


def test_a_damaged_remote_object_is_refused_and_named(
    project: Path, origin: Path, tmp_path: Path
) -> None:
    push(project)
    model_md5 = (project / "model.bin.dvc").read_text().split("md5: ")[1].split()[0]
    remote_object = tmp_path / "store" / "files" / "md5" / model_md5[:2] / model_md5[2:]
    remote_object.chmod(0o644)
    remote_object.write_bytes(b"tampered")
    other = clone_of(origin, tmp_path / "other")
    with pytest.raises(TransferFailedError, match=model_md5):
        pull(other)
    cached = other / ".dvc" / "cache" / "files" / "md5" / model_md5[:2]
    assert not cached.exists() or list(cached.iterdir()) == []
    assert not (other / "model.bin").exists()
    assert files_under(other / "data") == files_under(project / "data")  # the rest came


def test_a_damaged_local_object_is_not_pushed(project: Path, tmp_path: Path) -> None:
    model_md5 = (project / "model.bin.dvc").read_text().split("md5: ")[1].split()[0]
    cached = project / ".dvc" / "cache" / "files" / "md5" / model_md5[:2] / model_md5[2:]
    cached.chmod(0o644)
    cached.write_bytes(b"bit rot")
    with pytest.raises(TransferFailedError, match=model_md5):
        push(project)
    assert not [name for name in store_objects(tmp_path / "store") if model_md5[2:] in name]


def test_an_object_no_remote_has_names_its_dvc_file(
    project: Path, origin: Path, tmp_path: Path
) -> None:
    other = clone_of(origin, tmp_path / "other")
    with pytest.raises(RemoteUnreachableError, match=r"folder .* does not exist"):
        pull(other)
    (tmp_path / "store").mkdir()
    with pytest.raises(MissingObjectsError, match=r"model\.bin\.dvc: model\.bin") as caught:
        pull(other)
    assert "data.dvc: data" in str(caught.value)
    assert not (other / "model.bin").exists()


def test_push_and_pull_named_experiments(project: Path, origin: Path, tmp_path: Path) -> None:
    (project / "model.bin").chmod(0o644)
    (project / "model.bin").write_bytes(b"a better model\n")
    cache_artifact(project / "model.bin", project)
    save(project, name="better")
    git(project, "checkout", "-q", "--", "model.bin.dvc")
    assert main(["-C", str(project), "push", "better"]) == 0
    assert main(["-C", str(project), "exp", "push", "origin", "better"]) == 0
    other = clone_of(origin, tmp_path / "other")
    assert main(["-C", str(other), "exp", "pull", "origin", "better"]) == 0
    assert main(["-C", str(other), "pull", "better"]) == 0
    assert main(["-C", str(other), "exp", "apply", "better"]) == 0
    assert (other / "model.bin").read_bytes() == b"a better model\n"


@pytest.mark.oracle
def test_dvc_pulls_what_live_nb_pushed(
    project: Path, origin: Path, tmp_path: Path, dvc: str
) -> None:
    assert main(["-C", str(project), "push"]) == 0
    other = clone_of(origin, tmp_path / "other")
    run_dvc(dvc, other, "pull")
    assert (other / "model.bin").read_bytes() == (project / "model.bin").read_bytes()
    assert files_under(other / "data") == files_under(project / "data")
    status = run_dvc(dvc, project, "status", "-c", "--json")
    assert status.strip() in ("{}", "")


@pytest.mark.oracle
def test_live_nb_pulls_what_dvc_pushed(tmp_path: Path, origin: Path, dvc: str) -> None:
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    git(theirs, "init", "-q", "-b", "main")
    run_dvc(dvc, theirs, "init", "-q")
    (theirs / "weights.bin").write_bytes(os.urandom(200_000))
    (theirs / "images").mkdir()
    for index in range(4):
        (theirs / "images" / f"{index}.png").write_bytes(os.urandom(1000))
    run_dvc(dvc, theirs, "add", "-q", "weights.bin", "images")
    run_dvc(dvc, theirs, "remote", "add", "-d", "shared", str(tmp_path / "shared"))
    run_dvc(dvc, theirs, "push", "-q")
    git(theirs, "add", "-A")
    git(theirs, "commit", "-q", "-m", "data")
    git(theirs, "remote", "add", "origin", str(origin))
    git(theirs, "push", "-q", "origin", "main")
    ours = clone_of(origin, tmp_path / "ours")
    assert main(["-C", str(ours), "pull"]) == 0
    assert (ours / "weights.bin").read_bytes() == (theirs / "weights.bin").read_bytes()
    assert files_under(ours / "images") == files_under(theirs / "images")
    assert run_dvc(dvc, ours, "status", "--json").strip() in ("{}", "")


# --------------------------------------------------------------------------- with experiments


@pytest.fixture
def experiment(project: Path) -> Path:
    """Experiment `better` in `project`, whose model.bin differs from the workspace's."""
    (project / "model.bin").chmod(0o644)
    (project / "model.bin").write_bytes(b"a better model\n")
    cache_artifact(project / "model.bin", project)
    save(project, name="better")
    git(project, "checkout", "-q", "--", "model.bin.dvc")
    return project


def test_exp_push_and_pull_move_the_artifacts(
    experiment: Path, origin: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["-C", str(experiment), "exp", "push", "origin", "better"]) == 0
    assert "to DVC remote 'store'" in capsys.readouterr().out
    other = clone_of(origin, tmp_path / "other")
    assert main(["-C", str(other), "exp", "pull", "origin", "better"]) == 0
    assert "from DVC remote 'store'" in capsys.readouterr().out
    assert main(["-C", str(other), "exp", "apply", "better"]) == 0
    assert (other / "model.bin").read_bytes() == b"a better model\n"


def test_exp_push_no_artifacts_moves_only_refs(experiment: Path, tmp_path: Path) -> None:
    assert main(["-C", str(experiment), "exp", "push", "origin", "better", "--no-artifacts"]) == 0
    assert not (tmp_path / "store").exists()


def test_apply_fetches_missing_artifacts_from_the_default_remote(
    experiment: Path, origin: Path, tmp_path: Path
) -> None:
    assert main(["-C", str(experiment), "exp", "push", "origin", "better"]) == 0
    other = clone_of(origin, tmp_path / "other")
    assert main(["-C", str(other), "exp", "pull", "origin", "better", "--no-cache"]) == 0
    assert not (other / ".dvc" / "cache").exists()
    assert main(["-C", str(other), "exp", "apply", "better"]) == 0
    assert (other / "model.bin").read_bytes() == b"a better model\n"


def test_apply_without_a_default_remote_says_which_to_pull_from(
    experiment: Path, origin: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["-C", str(experiment), "exp", "push", "origin", "better"]) == 0
    other = clone_of(origin, tmp_path / "other")
    config = other / ".dvc" / "config"
    config.write_text(config.read_text().replace("remote = store", "something = else"))
    git(other, "commit", "-q", "-am", "no default remote")
    assert main(["-C", str(other), "exp", "pull", "origin", "better"]) == 0
    capsys.readouterr()
    assert main(["-C", str(other), "exp", "apply", "better"]) == 0
    assert "`live-nb pull -r NAME better` (configured remotes: store)" in capsys.readouterr().err
    assert main(["-C", str(other), "pull", "-r", "store", "better"]) == 0


@pytest.mark.oracle
def test_dvc_restores_an_experiment_pushed_by_live_nb(
    experiment: Path, origin: Path, tmp_path: Path, dvc: str
) -> None:
    assert main(["-C", str(experiment), "exp", "push", "origin", "better"]) == 0
    other = clone_of(origin, tmp_path / "other")
    run_dvc(dvc, other, "exp", "pull", "origin", "better")  # refs, then the cache
    run_dvc(dvc, other, "exp", "apply", "better")
    assert (other / "model.bin").read_bytes() == b"a better model\n"


# --------------------------------------------------------------------------- interruptions


def test_a_push_killed_midway_leaves_no_partial_object_and_a_retry_finishes(
    tmp_path: Path,
) -> None:
    import signal
    import subprocess
    import sys
    import time

    root = tmp_path / "big"
    root.mkdir()
    git(root, "init", "-q")
    with open(root / "big.bin", "wb") as big:
        for _ in range(150):
            big.write(os.urandom(1024 * 1024))
    cache_artifact(root / "big.bin", root)
    store = tmp_path / "bigstore"
    add_remote(root, "store", str(store), default=True)
    process = subprocess.Popen(
        [sys.executable, "-m", "live_nb", "-C", str(root), "push"],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if any(path.name.endswith(".tmp") for path in store.rglob("*")):
            break
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait()
    md5 = (root / "big.bin.dvc").read_text().split("md5: ")[1].split()[0]
    final = store / "files" / "md5" / md5[:2] / md5[2:]
    if final.exists():  # the kill came after the move: then it is whole
        assert final.stat().st_size == (root / "big.bin").stat().st_size
    result = push(root)
    assert final.read_bytes() == (root / "big.bin").read_bytes()
    assert result.moved in (0, 1)


def test_the_progress_line_is_drawn_on_a_terminal_only() -> None:
    import io

    from live_nb.remotes.progress import Progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal, pipe = Terminal(), io.StringIO()
    for stream in (terminal, pipe):
        progress = Progress("Pushing to 'store'", 2, 2000, stream)
        progress.add_bytes(1000)
        progress.object_done()
        progress.add_bytes(1000)
        progress.object_done()
        progress.close()
    assert "Pushing to 'store': 2/2 objects, 2.0 kB of 2.0 kB" in terminal.getvalue()
    assert terminal.getvalue().endswith("\r")
    assert pipe.getvalue() == ""


def test_exp_push_with_artifacts_missing_keeps_the_refs_back(
    experiment: Path, origin: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    shutil.rmtree(experiment / ".dvc" / "cache")
    assert main(["-C", str(experiment), "exp", "push", "origin", "better"]) == 1
    assert "push with --no-artifacts" in capsys.readouterr().err
    assert "refs/exps" not in git(experiment, "ls-remote", str(origin))
    assert main(["-C", str(experiment), "exp", "push", "origin", "better", "--no-artifacts"]) == 0
    assert "refs/exps" in git(experiment, "ls-remote", str(origin))


def test_a_hostile_manifest_on_the_remote_writes_nothing_outside(tmp_path: Path) -> None:
    import hashlib
    import json

    from live_nb.error import LiveNbError

    def put(store: Path, content: bytes, suffix: str = "") -> str:
        md5 = hashlib.md5(content).hexdigest() + suffix
        target = store / "files" / "md5" / md5[:2] / md5[2:]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        return md5

    store = tmp_path / "shared"
    payload = put(store, b"owned\n")
    manifest = json.dumps([{"md5": payload, "relpath": "../../escaped.txt"}]).encode()
    dir_md5 = put(store, manifest, ".dir")
    root = tmp_path / "victim"
    root.mkdir()
    git(root, "init", "-q")
    (root / ".dvc").mkdir()
    add_remote(root, "shared", str(store), default=True)
    (root / "data.dvc").write_text(
        f"outs:\n- md5: {dir_md5}\n  size: 6\n  nfiles: 1\n  hash: md5\n  path: data\n"
    )
    with pytest.raises(LiveNbError, match="outside"):
        pull(root)
    assert not (tmp_path / "escaped.txt").exists()
    assert not list(tmp_path.glob("**/escaped.txt"))
