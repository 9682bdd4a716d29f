"""``list_experiments``, ``branch`` and ``remove``: checked with Git, and against DVC as oracle."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from live_nb.experiments import NoCommitsError, UnknownExperimentError, manage, save
from live_nb.experiments.baselines import baseline_labels
from live_nb.experiments.manage import (
    BranchExistsError,
    ExperimentChangedError,
    InvalidBranchNameError,
    UnknownRevisionError,
    branch,
    list_experiments,
    remove,
)
from live_nb.experiments.refs import AmbiguousExperimentError
from tests.conftest import git, run_dvc

DVC_INTERNAL_REFS = (
    "refs/exps/exec/EXEC_HEAD",
    "refs/exps/exec/EXEC_BASELINE",
    "refs/exps/stash",
    "refs/exps/apply/ORIG_HEAD",
    "refs/exps/celery/stash",
    "refs/exps/temp/abc",
)


def refs(repo: Path, prefix: str = "refs/") -> dict[str, str]:
    output = git(repo, "for-each-ref", "--format=%(refname) %(objectname)", prefix)
    return dict(line.split(" ") for line in output.splitlines())


def head(repo: Path) -> str:
    return git(repo, "rev-parse", "HEAD").strip()


def save_at(monkeypatch: pytest.MonkeyPatch, name: str, when: int, text: str = "") -> str:
    """Save experiment ``name`` committed at epoch second ``when``; return its commit."""
    Path("result.txt").write_text(text or f"{name}\n")
    monkeypatch.setenv("GIT_COMMITTER_DATE", f"{when} +0200")
    saved = save(name=name, message=f"{name}: a try\n\nbody line")
    monkeypatch.delenv("GIT_COMMITTER_DATE")
    Path("result.txt").unlink()
    return saved.commit


def new_baseline(repo: Path, text: str) -> str:
    Path("code.py").write_text(text)
    git(repo, "add", "code.py")
    git(repo, "commit", "-q", "-m", text)
    return head(repo)


def add_dvc_internal_refs(repo: Path) -> dict[str, str]:
    sha = head(repo)
    for ref in DVC_INTERNAL_REFS:
        git(repo, "update-ref", ref, sha)
    return dict.fromkeys(DVC_INTERNAL_REFS, sha)


# --------------------------------------------------------------------------- list


def test_list_shows_heads_baseline_newest_first(
    git_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first_baseline = head(git_repo)
    save_at(monkeypatch, "old-one", 1_700_000_000)
    second_baseline = new_baseline(git_repo, "v2")
    older = save_at(monkeypatch, "older", 1_700_000_100)
    newer = save_at(monkeypatch, "newer", 1_700_000_200)
    add_dvc_internal_refs(git_repo)

    found = list_experiments()

    assert [info.name for info in found] == ["newer", "older"]
    info = found[0]
    assert info.commit == newer and found[1].commit == older
    assert info.baseline == second_baseline
    assert info.ref == f"refs/exps/{second_baseline[:2]}/{second_baseline[2:]}/newer"
    assert info.created == datetime(2023, 11, 14, 22, 16, 40, tzinfo=timezone.utc)
    assert info.created.utcoffset() == timedelta(hours=2)
    assert info.message == "newer: a try\n\nbody line"
    assert info.subject == "newer: a try"

    everything = list_experiments(all_baselines=True)
    assert {(i.baseline, i.name) for i in everything} == {
        (first_baseline, "old-one"),
        (second_baseline, "older"),
        (second_baseline, "newer"),
    }
    assert baseline_labels([first_baseline, second_baseline]) == {
        first_baseline: first_baseline[:7],
        second_baseline: "main",
    }


def test_list_without_commits(tmp_dir: Path) -> None:
    git(tmp_dir, "init", "-q")
    with pytest.raises(NoCommitsError):
        list_experiments()
    assert list_experiments(all_baselines=True) == []


def test_list_from_a_subfolder_and_on_a_detached_head(git_repo: Path) -> None:
    save(name="exp")
    Path("sub").mkdir()
    assert [info.name for info in list_experiments("sub")] == ["exp"]
    git(git_repo, "checkout", "-q", "--detach")
    assert [info.name for info in list_experiments()] == ["exp"]


# --------------------------------------------------------------------------- branch


def test_branch_points_at_the_experiment_and_changes_nothing_else(git_repo: Path) -> None:
    Path("README.md").write_text("experiment\n")
    saved = save(name="exp")
    before_head = (git_repo / ".git" / "HEAD").read_text()
    status = git(git_repo, "status", "--porcelain")

    created = branch("exp", "try/exp")

    assert created == "try/exp"
    assert git(git_repo, "rev-parse", "refs/heads/try/exp").strip() == saved.commit
    assert (git_repo / ".git" / "HEAD").read_text() == before_head
    assert git(git_repo, "status", "--porcelain") == status
    assert refs(git_repo, "refs/exps") == {saved.ref: saved.commit}  # the experiment stays


def test_branch_refuses_an_existing_branch(git_repo: Path) -> None:
    save(name="exp")
    main = head(git_repo)
    with pytest.raises(BranchExistsError, match="'main' already exists"):
        branch("exp", "main")
    assert head(git_repo) == main


@pytest.mark.parametrize(
    "bad", ["a..b", "-x", "@{-1}", "HEAD", "@", "has space", "", "x.lock", "a/", "tilde~1"]
)
def test_branch_refuses_invalid_names(git_repo: Path, bad: str) -> None:
    git(git_repo, "checkout", "-q", "-b", "other")
    git(git_repo, "checkout", "-q", "main")  # so that @{-1} would expand to "other"
    save(name="exp")
    before = refs(git_repo, "refs/heads")
    with pytest.raises(InvalidBranchNameError, match="not a valid Git branch name"):
        branch("exp", bad)
    assert refs(git_repo, "refs/heads") == before


def test_branch_of_an_unknown_experiment_suggests_names(git_repo: Path) -> None:
    save(name="lr-high")
    with pytest.raises(UnknownExperimentError, match="Did you mean 'lr-high'"):
        branch("lr-hihg", "x")


# --------------------------------------------------------------------------- remove


def test_remove_by_name_sha_and_ref(git_repo: Path) -> None:
    save(name="a")
    b, c = save(name="b"), save(name="c")
    assert remove(["a", b.commit[:8], c.ref]) == ["a", "b", "c"]
    assert refs(git_repo, "refs/exps") == {}
    assert remove() == []  # nothing chosen, nothing removed (as dvc exp remove)


def test_remove_resolves_every_name_before_deleting_any(git_repo: Path) -> None:
    saved = save(name="keep-me")
    with pytest.raises(UnknownExperimentError, match="'keep-mee'"):
        remove(["keep-me", "keep-mee"])
    assert refs(git_repo, "refs/exps") == {saved.ref: saved.commit}


def test_remove_prefers_heads_baseline_and_reports_ambiguity(git_repo: Path) -> None:
    old = save(name="same")
    git(git_repo, "commit", "-q", "--allow-empty", "-m", "next")
    save(name="same")
    assert remove(["same"]) == ["same"]  # HEAD's own "same" is the one removed
    assert refs(git_repo, "refs/exps") == {old.ref: old.commit}
    git(git_repo, "checkout", "-q", "--detach", "HEAD~1")
    save(name="twice")
    git(git_repo, "checkout", "-q", "main")
    save(name="twice")
    git(git_repo, "checkout", "-q", "--detach", "HEAD~1")
    git(git_repo, "commit", "-q", "--allow-empty", "-m", "third baseline")
    with pytest.raises(AmbiguousExperimentError, match="full ref"):
        remove(["twice"])


def test_remove_a_baseline_with_rev(git_repo: Path) -> None:
    first = head(git_repo)
    save(name="one")
    save(name="two")
    new_baseline(git_repo, "v2")
    kept = save(name="three")
    internal = add_dvc_internal_refs(git_repo)

    assert sorted(remove(rev="HEAD~1")) == ["one", "two"]
    assert refs(git_repo, "refs/exps") == {kept.ref: kept.commit, **internal}
    assert remove(rev=first) == []
    with pytest.raises(UnknownRevisionError, match="'nope'"):
        remove(rev="nope")


def test_remove_all_leaves_dvcs_own_refs_and_backups(git_repo: Path) -> None:
    save(name="one")
    new_baseline(git_repo, "v2")
    save(name="two")
    internal = add_dvc_internal_refs(git_repo)
    git(git_repo, "update-ref", "refs/live_nb/backup/20240101T000000Z-one", head(git_repo))
    branches = refs(git_repo, "refs/heads")

    assert sorted(remove(all=True)) == ["one", "two"]

    assert refs(git_repo, "refs/exps") == internal
    assert "refs/live_nb/backup/20240101T000000Z-one" in refs(git_repo)
    assert refs(git_repo, "refs/heads") == branches


def test_remove_refuses_a_ref_that_moved_meanwhile(
    git_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = save(name="exp")
    second = save(name="exp", force=True, message="saved again")
    real_resolve = manage.resolve
    monkeypatch.setattr(
        manage, "resolve", lambda repo, name: (real_resolve(repo, name)[0], first.commit)
    )
    with pytest.raises(ExperimentChangedError, match="changed while"):
        remove(["exp"])
    assert refs(git_repo, "refs/exps") == {second.ref: second.commit}


# --------------------------------------------------------------------------- oracle


@pytest.fixture
def dvc_repo(git_repo: Path, dvc: str) -> Path:
    run_dvc(dvc, git_repo, "init", "-q")
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "dvc init")
    return git_repo


@pytest.mark.oracle
def test_dvc_lists_branches_and_removes_what_live_nb_saved(dvc_repo: Path, dvc: str) -> None:
    Path("params.yaml").write_text("lr: 0.1\n")
    one = save(name="one")
    Path("params.yaml").write_text("lr: 0.2\n")
    two = save(name="two")
    save(name="three")

    listed = run_dvc(dvc, dvc_repo, "exp", "list", "--name-only").split()
    assert sorted(listed) == sorted(info.name for info in list_experiments())

    run_dvc(dvc, dvc_repo, "exp", "branch", "one", "from-dvc")
    assert git(dvc_repo, "rev-parse", "from-dvc").strip() == one.commit
    run_dvc(dvc, dvc_repo, "exp", "remove", "two")
    assert two.ref not in refs(dvc_repo)
    assert sorted(info.name for info in list_experiments()) == ["one", "three"]


@pytest.mark.oracle
def test_live_nb_lists_branches_and_removes_what_dvc_saved(dvc_repo: Path, dvc: str) -> None:
    Path("params.yaml").write_text("lr: 0.1\n")
    git(dvc_repo, "add", "params.yaml")
    git(dvc_repo, "commit", "-q", "-m", "params")
    Path("params.yaml").write_text("lr: 0.3\n")
    run_dvc(dvc, dvc_repo, "exp", "save", "-n", "from-dvc")
    git(dvc_repo, "checkout", "--", "params.yaml")  # dvc exp save leaves the workspace dirty
    add_dvc_internal_refs(dvc_repo)

    [info] = list_experiments()
    assert info.name == "from-dvc" and info.baseline == head(dvc_repo)
    assert branch("from-dvc", "kept") == "kept"
    assert git(dvc_repo, "show", "kept:params.yaml") == "lr: 0.3\n"
    assert remove(all=True) == ["from-dvc"]
    assert run_dvc(dvc, dvc_repo, "exp", "list", "--name-only").split() == []


@pytest.mark.oracle
def test_the_cli_lists_as_dvc_exp_list_does(dvc_repo: Path, dvc: str, tmp_path: Path) -> None:
    import subprocess
    import sys

    def both(*args: str) -> tuple[str, str]:
        ours = subprocess.run(
            [sys.executable, "-m", "live_nb", "exp", "list", *args],
            cwd=dvc_repo, capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        return ours, run_dvc(dvc, dvc_repo, "exp", "list", *args)

    save(name="old-one")
    first = head(dvc_repo)
    git(dvc_repo, "commit", "-q", "--allow-empty", "-m", "second")
    save(name="new-one")
    for args in (
        ["--name-only"], ["--names-only"], ["--sha-only"], ["-A", "--name-only"],
        ["--rev", first, "--name-only"], ["-n", "2", "--name-only"], ["-n", "-1", "--sha-only"],
    ):  # fmt: skip
        ours, theirs = both(*args)
        assert sorted(ours.split()) == sorted(theirs.split()), args

    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(dvc_repo, "remote", "add", "origin", str(remote))
    run_dvc(dvc, dvc_repo, "exp", "push", "origin", "new-one")
    ours, theirs = both("origin", "--name-only")
    assert ours.split() == theirs.split() == ["new-one"]
