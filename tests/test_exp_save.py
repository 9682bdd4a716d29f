from __future__ import annotations

import multiprocessing
import os
import random
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from live_nb import LiveNbWarning
from live_nb.experiments import (
    ExperimentExistsError,
    InvalidExperimentNameError,
    NoCommitsError,
    OperationInProgressError,
    list_experiments,
    save,
)
from live_nb.git import BareRepositoryError, GitLockedError, NotAGitRepositoryError
from tests.conftest import git


def user_state(repo: Path) -> dict[str, object]:
    """Everything of the user's that saving must leave byte-identical."""
    files = {}
    for path in sorted(repo.rglob("*")):
        relative = path.relative_to(repo)
        if relative.parts[0] == ".git" or (path.is_dir() and not path.is_symlink()):
            continue
        info = path.lstat()
        content = os.readlink(path) if path.is_symlink() else path.read_bytes()
        files[relative.as_posix()] = (content, stat.S_IMODE(info.st_mode))
    git_dir = repo / ".git"
    return {
        "files": files,
        "index": (git_dir / "index").read_bytes() if (git_dir / "index").exists() else None,
        "head": (git_dir / "HEAD").read_text(),
        "refs": [
            line
            for line in git(repo, "for-each-ref", "--format=%(refname) %(objectname)").splitlines()
            if not line.startswith("refs/exps/")
        ],
        "status": git(repo, "status", "--porcelain=v2", "-z", "--untracked-files=all"),
        "stash": git(repo, "stash", "list"),
        "reflog": git(repo, "reflog", "--format=%H %gs")
        if (git_dir / "logs/HEAD").exists()
        else "",
    }


def tree_files(repo: Path, rev: str) -> list[str]:
    return git(repo, "ls-tree", "-r", "-z", "--name-only", rev).split("\0")[:-1]


def test_saves_the_workspace_as_an_experiment_commit(git_repo: Path) -> None:
    Path("README.md").write_text("changed\n")
    Path("staged.txt").write_text("staged\n")
    git(git_repo, "add", "staged.txt")
    Path("new.txt").write_text("untracked\n")
    before = user_state(git_repo)
    head = git(git_repo, "rev-parse", "HEAD").strip()

    saved = save(message="try lr 0.1")

    assert user_state(git_repo) == before
    assert saved.ref == f"refs/exps/{head[:2]}/{head[2:]}/{saved.name}"
    assert git(git_repo, "rev-parse", saved.ref).strip() == saved.commit
    assert git(git_repo, "rev-parse", f"{saved.commit}^").strip() == head
    assert git(git_repo, "log", "-1", "--format=%B", saved.commit).strip() == "try lr 0.1"
    assert sorted(tree_files(git_repo, saved.commit)) == ["README.md", "new.txt", "staged.txt"]
    assert git(git_repo, "show", f"{saved.commit}:README.md") == "changed\n"


def test_ignored_files_stay_out_and_included_paths_go_in(git_repo: Path) -> None:
    Path(".gitignore").write_text("dvclive/\n*.log\n")
    Path("dvclive/plots").mkdir(parents=True)
    Path("dvclive/metrics.json").write_text("{}")
    Path("dvclive/plots/a.tsv").write_text("step\ta\n")
    Path("dvclive/artifacts").mkdir()
    Path("dvclive/artifacts/model.pkl").write_bytes(b"big")
    Path("dvclive/artifacts/model.pkl.dvc").write_text("outs: []\n")
    Path("train.log").write_text("noise")

    saved = save(include=["dvclive"])

    assert sorted(tree_files(git_repo, saved.commit)) == [
        ".gitignore",
        "README.md",
        "dvclive/artifacts/model.pkl.dvc",
        "dvclive/metrics.json",
        "dvclive/plots/a.tsv",
    ]


def test_large_untracked_files_are_left_out_with_one_warning(git_repo: Path) -> None:
    Path("data.bin").write_bytes(b"x" * 2048)
    Path("small.txt").write_text("ok")

    with pytest.warns(LiveNbWarning, match=r"data\.bin.*log_artifact"):
        saved = save(max_untracked_size=1024)

    assert saved.skipped_files == ("data.bin",)
    assert "data.bin" not in tree_files(git_repo, saved.commit)
    assert "small.txt" in tree_files(git_repo, saved.commit)


def test_a_given_name_is_used_and_protected(git_repo: Path) -> None:
    first = save(name="lr-0.1")
    assert first.name == "lr-0.1"
    with pytest.raises(ExperimentExistsError, match="force=True"):
        save(name="lr-0.1")
    Path("new.txt").write_text("new")
    replaced = save(name="lr-0.1", force=True)
    assert replaced.commit != first.commit
    assert git(git_repo, "rev-parse", first.ref).strip() == replaced.commit


@pytest.mark.parametrize(
    "name",
    [
        "with space",
        "a/b",
        "..",
        "a..b",
        "tab\there",
        "x~1",
        "x^",
        "a:b",
        "q?",
        "s*",
        "[x",
        "back\\slash",
        ".hidden",
        "end.",
        "end.lock",
        "@",
        "at@{x",
        "",
        "x" * 201,
        "é" * 101,
    ],
)
def test_invalid_names_are_refused_before_anything_is_written(git_repo: Path, name: str) -> None:
    before = user_state(git_repo)
    with pytest.raises(InvalidExperimentNameError, match="Invalid experiment name"):
        save(name=name)
    assert user_state(git_repo) == before
    assert git(git_repo, "for-each-ref", "refs/exps") == ""


def test_random_names_are_unique_per_baseline(git_repo: Path) -> None:
    names = {save().name for _ in range(20)}
    assert len(names) == 20
    assert all("-" in name for name in names)


def test_detached_head_is_a_baseline_like_any_commit(git_repo: Path) -> None:
    head = git(git_repo, "rev-parse", "HEAD").strip()
    git(git_repo, "checkout", "-q", "--detach")
    before = user_state(git_repo)
    saved = save()
    assert saved.baseline == head
    assert user_state(git_repo) == before


def test_outside_a_repository_is_a_clear_error(tmp_dir: Path) -> None:
    with pytest.raises(NotAGitRepositoryError, match="git init"):
        save()


def test_a_repository_without_commits_is_a_clear_error(tmp_dir: Path) -> None:
    git(tmp_dir, "init", "-q")
    with pytest.raises(NoCommitsError, match="first commit"):
        save()


def test_a_bare_repository_is_a_clear_error(tmp_dir: Path) -> None:
    git(tmp_dir, "init", "-q", "--bare")
    with pytest.raises(BareRepositoryError, match="bare"):
        save()


def test_a_merge_in_progress_is_refused(git_repo: Path) -> None:
    git(git_repo, "checkout", "-q", "-b", "other")
    Path("README.md").write_text("other\n")
    git(git_repo, "commit", "-qam", "other")
    git(git_repo, "checkout", "-q", "main")
    Path("README.md").write_text("main\n")
    git(git_repo, "commit", "-qam", "main")
    with pytest.raises(subprocess.CalledProcessError):
        git(git_repo, "merge", "-q", "other")
    before = user_state(git_repo)

    with pytest.raises(OperationInProgressError, match="merge"):
        save()
    assert user_state(git_repo) == before


def test_a_held_ref_lock_is_waited_on_then_reported(git_repo: Path) -> None:
    head = git(git_repo, "rev-parse", "HEAD").strip()
    lock = git_repo / ".git" / "refs" / "exps" / head[:2] / head[2:] / "locked.lock"
    lock.parent.mkdir(parents=True)
    lock.write_text("")
    with pytest.raises(GitLockedError, match="lock"):
        save(name="locked")
    lock.unlink()
    assert save(name="locked").name == "locked"


def test_other_refs_under_refs_exps_are_skipped_with_a_warning(git_repo: Path) -> None:
    head = git(git_repo, "rev-parse", "HEAD").strip()
    git(git_repo, "update-ref", "refs/exps/exec/EXEC_HEAD", head)
    git(git_repo, "update-ref", "refs/exps/odd-shape", head)
    saved = save()  # reads only its baseline's refs, so it neither sees nor minds them
    with pytest.warns(LiveNbWarning, match="refs/exps/odd-shape"):
        assert [info.name for info in list_experiments()] == [saved.name]


def _save_named(repo: str, name: str | None) -> str:
    os.chdir(repo)
    try:
        return save(name=name).ref
    except ExperimentExistsError:
        return "exists"


def test_concurrent_savers_never_overwrite_each_other(git_repo: Path) -> None:
    context = multiprocessing.get_context("spawn")
    with context.Pool(4) as pool:
        same_name = pool.starmap(_save_named, [(str(git_repo), "shared")] * 6)
        random_names = pool.starmap(_save_named, [(str(git_repo), None)] * 6)

    assert sorted(same_name).count("exists") == 5
    assert len(set(random_names)) == 6
    assert len(git(git_repo, "for-each-ref", "refs/exps").splitlines()) == 7


# ---- random workspace states ------------------------------------------------------------

NAMES = ["a.txt", "dir/b.txt", "sp ace/ü ñ.txt", "deep/er/c.py", "[x]*.md", "run.sh", "-dash"]


def _random_workspace(repo: Path, rng: random.Random) -> None:
    for name in rng.sample(NAMES, 5):
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{name} v1\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "files")
    tracked = [name for name in NAMES if (repo / name).exists()]
    (repo / ".gitignore").write_text("*.ignored\nbuild/\n")
    for _ in range(rng.randint(3, 9)):
        action = rng.choice(
            [
                "modify",
                "stage",
                "delete",
                "rename",
                "untracked",
                "ignored",
                "nested",
                "symlink",
                "exec",
                "stage_then_modify",
                "delete_staged",
            ]
        )
        target = repo / rng.choice(tracked)
        if action == "modify" and target.exists():
            target.write_text(f"modified {rng.random()}\n")
        elif action == "stage" and target.exists():
            target.write_text(f"staged {rng.random()}\n")
            git(repo, "--literal-pathspecs", "add", "--", target.relative_to(repo).as_posix())
        elif action == "stage_then_modify" and target.exists():
            target.write_text("staged version\n")
            git(repo, "--literal-pathspecs", "add", "--", target.relative_to(repo).as_posix())
            target.write_text("working version\n")
        elif action == "delete" and target.exists():
            target.unlink()
        elif action == "delete_staged" and target.exists():
            git(repo, "--literal-pathspecs", "rm", "-qf", "--", target.relative_to(repo).as_posix())
        elif action == "rename" and target.exists():
            target.rename(target.with_name("renamed-" + target.name))
        elif action == "untracked":
            (repo / f"new {rng.randint(0, 99)} é.txt").write_text("new\n")
        elif action == "ignored":
            (repo / "build").mkdir(exist_ok=True)
            (repo / "build" / "out.bin").write_bytes(b"\x00" * 10)
            (repo / "x.ignored").write_text("ignored\n")
        elif action == "nested":
            nested = repo / "nested"
            nested.mkdir(exist_ok=True)
            git(nested, "init", "-q")
            (nested / "inner.txt").write_text("inner\n")
        elif action == "symlink":
            link = repo / "link-to-a"
            if not link.is_symlink():
                link.symlink_to("a.txt")
        elif action == "exec" and target.exists():
            target.chmod(0o755)


def _expected_tree(repo: Path, scratch: Path) -> str:
    """The workspace tree by another route: `git add -A` in a full copy of the repository."""
    copy = scratch / "copy"
    shutil.copytree(repo, copy, symlinks=True)
    excluded = [":(exclude)nested"] if (copy / "nested").exists() else []
    git(copy, "add", "-A", "--", ".", *excluded)
    return git(copy, "write-tree").strip()


@pytest.mark.parametrize("seed", range(25))
def test_random_workspace_states_are_saved_exactly_and_left_untouched(
    git_repo: Path, tmp_path_factory: pytest.TempPathFactory, seed: int
) -> None:
    _random_workspace(git_repo, random.Random(seed))
    expected = _expected_tree(git_repo, tmp_path_factory.mktemp("expected"))
    before = user_state(git_repo)

    saved = save()

    assert user_state(git_repo) == before
    assert git(git_repo, "rev-parse", f"{saved.commit}^{{tree}}").strip() == expected
