"""``apply`` of a hostile experiment: no path it names may lead out of the working tree.

The experiments are built by hand, as someone could push them: Git objects written with
``hash-object`` and ``mktree`` (which accept names Git would never check out), and DVC cache
entries whose ``.dir`` manifests list any ``relpath``.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path
from typing import Any, Union

import pytest

from live_nb import experiments
from live_nb.experiments.refs import ExpRef
from live_nb.experiments.restore import UnsafePathError
from tests.conftest import git
from tests.test_exp_apply import user_state

Tree = dict[str, Union[bytes, "Link", "Tree"]]


class Link(str):
    """A symlink in a hand-made tree, by its target."""


def write_object(repo: Path, content: bytes, kind: str = "blob") -> str:
    command = ["git", "hash-object", "-w", "--stdin", "-t", kind, "--literally"]
    result = subprocess.run(command, cwd=repo, input=content, capture_output=True, check=True)
    return result.stdout.decode().strip()


def make_tree(repo: Path, entries: Tree) -> str:
    """A tree object of ``entries`` (name -> content, Link or sub-tree), names taken as given."""
    lines = []
    for name, value in sorted(entries.items()):
        if isinstance(value, dict):
            lines.append(f"040000 tree {make_tree(repo, value)}\t{name}")
        elif isinstance(value, Link):
            lines.append(f"120000 blob {write_object(repo, value.encode())}\t{name}")
        else:
            lines.append(f"100644 blob {write_object(repo, value)}\t{name}")
    listing = "".join(f"{line}\n" for line in lines).encode()
    result = subprocess.run(
        ["git", "mktree"], cwd=repo, input=listing, capture_output=True, check=True
    )
    return result.stdout.decode().strip()


def save_experiment(repo: Path, name: str, entries: Tree) -> str:
    """Commit ``entries`` on top of HEAD's files as experiment ``name``, as a pull would."""
    head = git(repo, "rev-parse", "HEAD").strip()
    dvc = {"config": b"", ".gitignore": b"/cache\n"}
    tree = make_tree(repo, {"README.md": b"project\n", ".dvc": dvc, **entries})
    commit = git(repo, "commit-tree", tree, "-p", head, "-m", f"experiment {name}").strip()
    git(repo, "update-ref", ExpRef(head, name).ref, commit)
    return commit


def cache_object(repo: Path, content: bytes, suffix: str = "") -> str:
    """Put ``content`` in the DVC cache, as ``dvc pull`` leaves it; return its name."""
    md5 = hashlib.md5(content).hexdigest() + suffix
    path = repo / ".dvc" / "cache" / "files" / "md5" / md5[:2] / md5[2:]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return md5


def folder_out(repo: Path, relpaths: list[str], path: str = "data") -> bytes:
    """A ``.dvc`` file for folder ``path`` whose cached manifest lists ``relpaths``."""
    payload = cache_object(repo, b"payload\n")
    manifest = [{"md5": payload, "relpath": relpath} for relpath in relpaths]
    md5 = cache_object(repo, json.dumps(manifest).encode(), ".dir")
    return dvc_file(md5, path)


def dvc_file(md5: str, path: str) -> bytes:
    return f"outs:\n- md5: {md5}\n  hash: md5\n  path: '{path}'\n".encode()


def file_out(repo: Path, path: str) -> bytes:
    return dvc_file(cache_object(repo, b"payload\n"), path)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository in ``tmp_path/repo``, with ``tmp_path/outside`` beside it."""
    root = tmp_path / "repo"
    root.mkdir()
    (tmp_path / "outside").mkdir()
    monkeypatch.chdir(root)
    git(root, "init", "-q", "-b", "main")
    (root / "README.md").write_text("project\n")
    (root / ".dvc").mkdir()
    (root / ".dvc" / "config").write_text("")
    (root / ".dvc" / ".gitignore").write_text("/cache\n")
    git(root, "add", "README.md", ".dvc")
    git(root, "commit", "-q", "-m", "initial")
    return root


def outside_state(repo: Path) -> dict[str, Any]:
    """Every path beside the repository, and what it holds."""
    found: dict[str, Any] = {}
    for current, folders, names in os.walk(repo.parent):
        folders[:] = [name for name in folders if Path(current, name) != repo]
        for name in [*names, *folders]:
            path = Path(current, name)
            found[str(path)] = path.read_bytes() if path.is_file() else None
    return found


def refused(repo: Path, name: str) -> UnsafePathError:
    """Apply ``name``; check it was refused with nothing changed in or out of the repository."""
    before, around = user_state(repo), outside_state(repo)
    with pytest.raises(UnsafePathError) as caught:
        experiments.apply(name)
    assert user_state(repo) == before
    assert outside_state(repo) == around
    assert "Nothing was changed" in str(caught.value)
    return caught.value


ESCAPES = {
    "parent": "../../escaped.txt",
    "climbing from inside": "inner/../../../escaped.txt",
    "windows parent": "..\\..\\escaped.txt",
    "windows drive": "C:/escaped.txt",
    "windows drive, backslash": "C:\\escaped.txt",
    "unc": "\\\\server\\share\\escaped.txt",
}


@pytest.mark.parametrize("relpath", ESCAPES.values(), ids=ESCAPES.keys())
def test_a_manifest_relpath_out_of_the_tree_is_refused(repo: Path, relpath: str) -> None:
    entries: Tree = {"new.txt": b"new\n", "data.dvc": folder_out(repo, ["fine.txt", relpath])}
    save_experiment(repo, "hostile", entries)
    error = refused(repo, "hostile")
    assert error.path == relpath
    assert "data.dvc's output 'data'" in error.source
    assert repr(relpath) in str(error)


def test_an_absolute_manifest_relpath_is_refused(repo: Path) -> None:
    target = str(repo.parent / "outside" / "escaped.txt")
    save_experiment(repo, "hostile", {"data.dvc": folder_out(repo, [target])})
    assert "is an absolute path" in str(refused(repo, "hostile"))


@pytest.mark.parametrize("target", ["../outside", "../../repo/../outside", "ABSOLUTE"])
def test_a_manifest_relpath_through_a_symlink_of_the_experiment_is_refused(
    repo: Path, target: str
) -> None:
    target = str(repo.parent / "outside") if target == "ABSOLUTE" else target
    entries: Tree = {
        "link": Link(target),
        "data.dvc": folder_out(repo, ["../link/escaped.txt"]),
    }
    save_experiment(repo, "hostile", entries)
    error = refused(repo, "hostile")
    assert error.path == "../link/escaped.txt"
    assert "through a symlink" in str(error)


def test_a_folder_out_through_a_symlink_of_the_working_tree_is_refused(repo: Path) -> None:
    (repo / "mine").symlink_to(repo.parent / "outside")  # untracked, left alone by apply
    save_experiment(repo, "hostile", {"data.dvc": folder_out(repo, ["x.txt"], "mine/data")})
    error = refused(repo, "hostile")
    assert (error.path, error.source) == ("mine/data", "data.dvc (outs: path)")
    assert "through a symlink" in str(error)


OUT_PATHS = {
    "parent": "../escaped.txt",
    "windows parent": "..\\escaped.txt",
    "windows drive": "C:/escaped.txt",
    "git folder": ".git/hooks/pre-commit",
    "dvc folder": ".dvc/config",
    "git folder, other case": ".GIT/config",
    "repository": ".",
}


@pytest.mark.parametrize("path", OUT_PATHS.values(), ids=OUT_PATHS.keys())
def test_a_dvc_file_output_out_of_the_tree_is_refused(repo: Path, path: str) -> None:
    save_experiment(repo, "hostile", {"new.txt": b"new\n", "model.dvc": file_out(repo, path)})
    error = refused(repo, "hostile")
    assert error.path == path
    assert error.source == "model.dvc (outs: path)"


def test_an_absolute_dvc_file_output_is_refused(repo: Path) -> None:
    path = str(repo.parent / "outside" / "model.pkl")
    save_experiment(repo, "hostile", {"sub": {"model.dvc": file_out(repo, path)}})
    error = refused(repo, "hostile")
    assert error.source == "sub/model.dvc (outs: path)"
    assert "is an absolute path" in str(error)


def test_a_dvc_file_output_through_a_symlink_is_refused(repo: Path) -> None:
    entries: Tree = {"models": Link("../outside"), "model.dvc": file_out(repo, "models/m.pkl")}
    save_experiment(repo, "hostile", entries)
    assert refused(repo, "hostile").path == "models/m.pkl"


def test_a_cache_object_name_that_is_a_path_is_refused(repo: Path) -> None:
    secret = repo.parent / "outside" / "secret"
    secret.write_text("do not copy me\n")
    md5 = "00/../../../../../outside/secret"  # would read the file beside the repository
    save_experiment(repo, "hostile", {"model.dvc": dvc_file(md5, "model.pkl")})
    error = refused(repo, "hostile")
    assert error.path == md5
    assert not (repo / "model.pkl").exists()


@pytest.mark.parametrize("name", ["..", ".git", ".Git", "..\\x"])
def test_a_tree_entry_out_of_the_tree_is_refused(repo: Path, name: str) -> None:
    save_experiment(repo, "hostile", {"new.txt": b"new\n", name: {"escaped.txt": b"x\n"}})
    error = refused(repo, "hostile")
    assert error.source == "its Git tree"
    assert error.path == f"{name}/escaped.txt"


def test_symlinks_that_stay_inside_still_restore(repo: Path) -> None:
    entries: Tree = {
        "store": {"keep.txt": b"kept\n"},
        "inner": Link("store"),
        "absolute": Link(str(repo / "store")),
        "data.dvc": folder_out(repo, ["a.txt", "deep/b.txt"]),
        "model.dvc": file_out(repo, "inner/model.pkl"),
        "other.dvc": file_out(repo, "absolute/other.pkl"),
        "climb.dvc": file_out(repo, "store/../data-copy.txt"),
    }
    save_experiment(repo, "friendly", entries)
    result = experiments.apply("friendly")

    assert sorted(result.restored_artifacts) == ["climb.dvc", "data.dvc", "model.dvc", "other.dvc"]
    assert (repo / "data" / "deep" / "b.txt").read_bytes() == b"payload\n"
    assert (repo / "store" / "model.pkl").read_bytes() == b"payload\n"
    assert (repo / "store" / "other.pkl").read_bytes() == b"payload\n"
    assert (repo / "data-copy.txt").read_bytes() == b"payload\n"


def test_the_users_own_dvc_file_with_an_external_output_is_left_alone(repo: Path) -> None:
    """A .dvc file HEAD has, unchanged by the experiment, is not the experiment's doing."""
    (repo / "external.dvc").write_bytes(file_out(repo, "../outside/big.bin"))
    git(repo, "add", "external.dvc")
    git(repo, "commit", "-q", "-m", "an external output")
    entries: Tree = {"external.dvc": (repo / "external.dvc").read_bytes(), "new.txt": b"new\n"}
    save_experiment(repo, "plain", entries)

    result = experiments.apply("plain")
    assert result.written == ("new.txt",)
    assert not (repo.parent / "outside" / "big.bin").exists()


def test_a_deletion_reached_through_a_symlink_of_the_working_tree_is_refused(repo: Path) -> None:
    (repo / "data").mkdir()
    (repo / "data" / "x.txt").write_text("tracked\n")
    git(repo, "add", "data/x.txt")
    git(repo, "commit", "-q", "-m", "data")
    save_experiment(repo, "deletes", {})  # the experiment deletes data/x.txt
    outside = repo.parent / "outside"
    (outside / "x.txt").write_text("someone else's\n")
    (repo / "data" / "x.txt").unlink()
    (repo / "data").rmdir()
    (repo / "data").symlink_to(outside)

    before, around = user_state(repo), outside_state(repo)
    with pytest.raises(UnsafePathError) as caught:
        experiments.apply("deletes", force=True)
    assert caught.value.path == "data/x.txt"
    assert user_state(repo) == before
    assert outside_state(repo) == around


def test_force_over_an_output_folder_made_a_link_out_backs_up_the_link_and_writes_inside(
    git_repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from live_nb import Live

    with Live(exp_name="one") as live:
        live.log_metric("m", 1)
        live.next_step()
    outside = tmp_path_factory.mktemp("outside")
    (outside / "metrics.json").write_text("theirs\n")
    (git_repo / "dvclive").rename(git_repo / "moved")
    (git_repo / "dvclive").symlink_to(outside, target_is_directory=True)

    result = experiments.apply("one", force=True)

    assert (outside / "metrics.json").read_text() == "theirs\n"
    assert sorted(p.name for p in outside.iterdir()) == ["metrics.json"]
    assert not (git_repo / "dvclive").is_symlink()
    assert json.loads((git_repo / "dvclive" / "metrics.json").read_text())["m"] == 1
    assert result.backed_up == ("dvclive",)
    kept = git(git_repo, "cat-file", "-p", f"{result.backup_ref}:dvclive")
    assert kept == str(outside)  # the link itself, restorable with the command it prints
