"""Saving survives what real workspaces and real processes do to it (issue 9).

Non-UTF-8 file names, dangling and looping symlinks, savers killed half way, savers and
writers running at once in one repository, and a repository Git refuses to trust. Every
test uses a real repository and real processes; nothing of Git is mocked.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest

from live_nb import Live
from live_nb.error import ExperimentNotSavedWarning, InvalidNameError
from live_nb.experiments import save
from live_nb.git import NotAGitRepositoryError, UnsafeRepositoryError
from tests.conftest import git

ROOT = Path(__file__).resolve().parents[1]


def _tree(repo: Path, commit: str) -> dict[bytes, tuple[str, bytes]]:
    """``path -> (mode, content)`` of every file and link in ``commit``, paths as bytes."""
    listing = subprocess.run(
        ["git", "ls-tree", "-r", "-z", commit], cwd=repo, capture_output=True, check=True
    ).stdout
    found = {}
    for record in filter(None, listing.split(b"\0")):
        info, _, path = record.partition(b"\t")
        mode, _, sha = info.decode().split(" ")
        content = subprocess.run(
            ["git", "cat-file", "blob", sha], cwd=repo, capture_output=True, check=True
        ).stdout
        found[path] = (mode, content)
    return found


def _state(repo: Path) -> tuple[str, bytes, bytes]:
    """HEAD, the index's bytes and the status: what a save must leave as it was."""
    status = subprocess.run(
        ["git", "status", "--porcelain=v1", "-z", "--untracked-files=all"],
        cwd=repo,
        capture_output=True,
        check=True,
    ).stdout
    return git(repo, "rev-parse", "HEAD"), (repo / ".git" / "index").read_bytes(), status


# --------------------------------------------------------------------------- 1. file names


def test_names_that_are_not_utf8_are_saved_byte_exact(git_repo: Path) -> None:
    root = os.fsencode(git_repo)
    tracked = os.path.join(root, b"tracked-\xff.txt")
    Path(os.fsdecode(tracked)).write_bytes(b"old")
    subprocess.run(["git", "add", "-A"], cwd=git_repo, check=True)
    git(git_repo, "commit", "-q", "-m", "a tracked file with a Latin-1 name")
    Path(os.fsdecode(tracked)).write_bytes(b"new")
    os.mkdir(os.path.join(root, b"d\xe9j\xe0"))
    with open(os.path.join(root, b"d\xe9j\xe0", b"caf\xe9.txt"), "wb") as file:
        file.write(b"untracked")
    (git_repo / ".gitignore").write_text("dvclive/\n")
    os.makedirs(os.path.join(root, b"dvclive"))
    with open(os.path.join(root, b"dvclive", b"r\xe9sultat.json"), "wb") as file:
        file.write(b"{}")
    with open(os.path.join(root, b"big-\xe9.bin"), "wb") as file:
        file.write(b"x" * 2000)
    before = _state(git_repo)

    with pytest.warns(UserWarning, match=r"big-\\xe9\.bin"):
        saved = save(git_repo, include=["dvclive"], max_untracked_size=1000)

    tree = _tree(git_repo, saved.commit)
    assert tree[b"tracked-\xff.txt"] == ("100644", b"new")
    assert tree[b"d\xe9j\xe0/caf\xe9.txt"] == ("100644", b"untracked")
    assert tree[b"dvclive/r\xe9sultat.json"] == ("100644", b"{}")
    assert b"big-\xe9.bin" not in tree
    assert [os.fsencode(name) for name in saved.skipped_files] == [b"big-\xe9.bin"]
    assert _state(git_repo) == before


# --------------------------------------------------------------------------- 2. symlinks


def _ignored_live_dir(repo: Path) -> None:
    (repo / ".gitignore").write_text("dvclive/\n")
    git(repo, "add", ".gitignore")
    git(repo, "commit", "-q", "-m", "ignore the live folder")


def test_dangling_and_looping_links_are_saved_as_links(git_repo: Path) -> None:
    _ignored_live_dir(git_repo)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ExperimentNotSavedWarning)
        with Live() as live:
            live.log_metric("loss", 0.5)
            (git_repo / "dvclive" / "dangling").symlink_to("no-such-file")
            (git_repo / "dvclive" / "loop").symlink_to("loop")
            (git_repo / "dvclive" / "a").symlink_to("b")
            (git_repo / "dvclive" / "b").symlink_to("a")
            (git_repo / "dvclive" / "to-plots").symlink_to("plots")
            (git_repo / "elsewhere").symlink_to("/nonexistent/path")
    assert live.experiment is not None
    tree = _tree(git_repo, live.experiment.commit)
    assert tree[b"dvclive/dangling"] == ("120000", b"no-such-file")
    assert tree[b"dvclive/loop"] == ("120000", b"loop")
    assert tree[b"dvclive/a"] == ("120000", b"b")
    assert tree[b"dvclive/to-plots"] == ("120000", b"plots")
    assert tree[b"elsewhere"] == ("120000", b"/nonexistent/path")
    assert b"dvclive/plots/metrics/loss.tsv" in tree


def test_a_link_loop_above_an_included_path_is_skipped(git_repo: Path) -> None:
    (git_repo / "loop").symlink_to("loop")
    saved = save(git_repo, include=["loop/inside"])
    assert _tree(git_repo, saved.commit)[b"loop"] == ("120000", b"loop")


def test_end_warns_once_and_keeps_the_run_when_saving_fails(git_repo: Path) -> None:
    # A damaged repository: the index is a folder. Saving fails with an OSError, not a Git one.
    (git_repo / ".git" / "index").unlink()
    (git_repo / ".git" / "index").mkdir()
    with pytest.warns(ExperimentNotSavedWarning) as caught:
        live = Live()
        live.log_metric("loss", 0.25)
        live.next_step()
        live.end()
    not_saved = [w for w in caught if issubclass(w.category, ExperimentNotSavedWarning)]
    assert len(not_saved) == 1
    assert "IsADirectoryError" in str(not_saved[0].message)
    assert live.experiment is None
    assert json.loads((git_repo / "dvclive" / "metrics.json").read_text())["loss"] == 0.25
    assert (git_repo / "dvclive" / "plots" / "metrics" / "loss.tsv").exists()


# --------------------------------------------------------------------------- 3. killed savers

_SAVE_FOREVER = """
import sys
from live_nb.experiments import save
print("ready", flush=True)
while True:
    save(sys.argv[1])
"""


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9]", "", socket.gethostname())[:64]


def _leftovers(repo: Path) -> list[str]:
    return sorted(name for name in os.listdir(repo / ".git") if name.startswith("live_nb-index"))


def _dead_pid() -> int:
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(done.stdout)


def _many_files(repo: Path, count: int) -> None:
    for index in range(count):
        folder = repo / "src" / f"part{index // 100:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"file{index:04d}.py").write_text(f"x = {index}\n")
    git(repo, "add", "src")
    git(repo, "commit", "-q", "-m", "many files")


def test_the_next_save_removes_what_killed_savers_left(git_repo: Path) -> None:
    _many_files(git_repo, 3000)  # an index of about 250 KB, copied at every save
    rng = random.Random(9)
    left = set()
    for _ in range(8):
        saver = subprocess.Popen(
            [sys.executable, "-c", _SAVE_FOREVER, str(git_repo)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert saver.stdout is not None
        assert saver.stdout.readline() == "ready\n"
        time.sleep(rng.uniform(0.02, 0.2))
        saver.send_signal(signal.SIGKILL)
        saver.wait()
        saver.stdout.close()
        left.update(_leftovers(git_repo))
    assert left, "no saver was killed while it held a temporary index"
    before = _state(git_repo)
    save(git_repo, name="after-the-kills")
    assert _leftovers(git_repo) == []
    assert _state(git_repo) == before
    assert git(git_repo, "fsck", "--no-dangling").strip() == ""


def test_only_the_temporary_files_of_dead_processes_are_removed(git_repo: Path) -> None:
    dead = _dead_pid()
    planted = {
        f"live_nb-index-{dead}-0badf00d-{_host()}": False,
        f"live_nb-index-{dead}-0badf00d-{_host()}.lock": False,
        f"live_nb-index-{dead}-1badf00d": False,  # the name before hosts were recorded
        f"live_nb-index-{dead}-1badf00d.lock": False,
        f"live_nb-index-{os.getppid()}-2badf00d-{_host()}": True,  # a running process's
        f"live_nb-index-{dead}-3badf00d-someotherhost": True,  # maybe alive on another host
        "live_nb-index-of-something-else": True,
    }
    for name in planted:
        (git_repo / ".git" / name).write_bytes(b"\0" * 1000)
    save(git_repo)
    assert _leftovers(git_repo) == sorted(name for name, kept in planted.items() if kept)


# --------------------------------------------------------------------------- 4. at once

_SAVER = """
import json, sys, time
from pathlib import Path
from live_nb.experiments import save
from live_nb.formats.files import atomic_write
root, worker, until = Path(sys.argv[1]), sys.argv[2], float(sys.argv[3])
saved, failed, step = [], [], 0
while time.time() < until or not saved:
    step += 1
    atomic_write(root / "dvc.yaml", f"metrics:\\n- dvclive/metrics.json\\n# {worker} {step}\\n")
    atomic_write(root / "dvclive" / "metrics.json", json.dumps({"step": step}))
    try:
        saved.append(save(root, include=[root / "dvclive"]).commit)
    except Exception as error:
        failed.append(f"{type(error).__name__}: {error}")
print(json.dumps({"saved": saved, "failed": failed}))
"""

_CHURN = """
import os, sys, time
root, until = sys.argv[1], float(sys.argv[2])
count = 0
while time.time() < until:
    count += 1
    name = os.path.join(root, f"scratch-{count % 7}.txt")
    with open(name, "w") as file:
        file.write("x" * count)
    os.unlink(name)
"""


def test_live_nb_temporary_files_are_never_saved(git_repo: Path) -> None:
    _ignored_live_dir(git_repo)
    temporary = [
        ".dvc.yaml.live_nb-4242-7.tmp",  # atomic_write
        ".0123456789abcdef.tmp",  # a cache object being written
        ".dvc.0123456789abcdef.tmp/config",  # the .dvc folder being built
        ".model.pkl.89abcdef.tmp",  # a file apply is putting back
        ".live_nb-0123456789abcdef.tmp",  # a cache object being copied in
        "dvclive/.metrics.json.live_nb-4242-8.tmp",  # in the included live folder
    ]
    users = ["notes.tmp", ".hidden.tmp", "dvclive/kept.tmp"]
    for name in temporary + users:
        (git_repo / name).parent.mkdir(parents=True, exist_ok=True)
        (git_repo / name).write_text(name)
    tree = _tree(git_repo, save(git_repo, include=["dvclive"]).commit)
    assert sorted(name.decode() for name in tree) == sorted([".gitignore", "README.md", *users])


def test_savers_at_once_never_fail_on_each_others_files(git_repo: Path) -> None:
    _ignored_live_dir(git_repo)
    (git_repo / "dvclive").mkdir()
    until = str(time.time() + 3)
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", _SAVER, str(git_repo), str(index), until],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for index in range(3)
    ]
    churn = subprocess.Popen([sys.executable, "-c", _CHURN, str(git_repo), until])
    results = [json.loads(worker.communicate(timeout=60)[0]) for worker in workers]
    churn.wait(timeout=60)
    assert [result["failed"] for result in results] == [[], [], []]
    commits = [commit for result in results for commit in result["saved"]]
    assert len(commits) >= 6
    for commit in commits[:: max(1, len(commits) // 10)]:
        names = _tree(git_repo, commit)
        assert not [name for name in names if b".live_nb-" in name or name.endswith(b".tmp")]
        assert b"dvc.yaml" in names and b"dvclive/metrics.json" in names
    assert _leftovers(git_repo) == []


# --------------------------------------------------------------------------- 6. repositories


def test_split_index_leaves_no_shared_index_behind(git_repo: Path) -> None:
    git(git_repo, "config", "core.splitIndex", "true")
    git(git_repo, "update-index", "--split-index")
    (git_repo / "README.md").write_text("changed\n")
    (git_repo / "new.txt").write_text("new\n")
    shared = sorted(path.name for path in (git_repo / ".git").glob("sharedindex.*"))
    before = _state(git_repo)
    saved = [save(git_repo) for _ in range(3)]
    assert sorted(path.name for path in (git_repo / ".git").glob("sharedindex.*")) == shared
    assert _state(git_repo) == before
    tree = _tree(git_repo, saved[-1].commit)
    assert tree[b"README.md"] == ("100644", b"changed\n")
    assert tree[b"new.txt"] == ("100644", b"new\n")


def _repository_git_refuses(git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = git_repo.parent / "empty.gitconfig"
    empty.write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))  # no safe.directory of the machine's
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


def _check_refused(error: UnsafeRepositoryError, repo: Path) -> None:
    assert isinstance(error, NotAGitRepositoryError)
    message = str(error)
    assert "dubious ownership" in message
    assert f"git config --global --add safe.directory {repo}" in message
    assert "not inside a Git repository" not in message


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root")
def test_a_repository_of_another_user_says_how_to_trust_it(
    git_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _repository_git_refuses(git_repo, monkeypatch)
    monkeypatch.delenv("SUDO_UID", raising=False)  # else Git trusts what the sudo user owns
    os.chown(git_repo, 12345, 12345)
    with pytest.raises(UnsafeRepositoryError) as caught:
        save(git_repo)
    _check_refused(caught.value, git_repo)


def test_git_refusing_ownership_is_reported(
    git_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _repository_git_refuses(git_repo, monkeypatch)
    monkeypatch.setenv("GIT_TEST_ASSUME_DIFFERENT_OWNER", "1")
    with pytest.raises(UnsafeRepositoryError) as caught:
        save(git_repo)
    _check_refused(caught.value, git_repo)


# --------------------------------------------------------------------------- 7. artifacts


def test_an_artifact_outside_the_repository_creates_nothing(
    git_repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("elsewhere") / "model.pkl"
    outside.write_bytes(b"weights")
    live = Live(save_dvc_exp=False)
    before = sorted(path.name for path in git_repo.iterdir())
    for path in (outside, Path(os.path.relpath(outside, git_repo))):
        with pytest.raises(InvalidNameError, match="outside the repository"):
            live.log_artifact(path, type="model")
    assert sorted(path.name for path in git_repo.iterdir()) == before
    assert not (git_repo / ".dvc").exists() and not (git_repo / ".dvcignore").exists()
