"""``push`` and ``pull`` against a real bare repository and a second clone."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from live_nb.experiments import UnknownExperimentError, remote, save
from live_nb.experiments.refs import ExpRef
from live_nb.experiments.remote import (
    DivergedExperimentsError,
    RemoteError,
    RemoteNotFoundError,
    pull,
    push,
)
from tests.conftest import git, run_dvc


def remote_refs(remote: Path) -> dict[str, str]:
    output = git(remote, "ls-remote", str(remote))
    return {ref: sha for sha, ref in (line.split("\t") for line in output.splitlines())}


def local_refs(repo: Path) -> dict[str, str]:
    output = git(repo, "for-each-ref", "--format=%(refname) %(objectname)")
    return dict(line.split(" ") for line in output.splitlines())


def head(repo: Path) -> str:
    return git(repo, "rev-parse", "HEAD").strip()


def save_in(repo: Path, name: str, text: str, force: bool = False) -> str:
    """Save experiment ``name`` in ``repo`` with result.txt = ``text``; return its commit."""
    (repo / "result.txt").write_text(text)
    commit = save(repo, name=name, force=force).commit
    (repo / "result.txt").unlink()
    return commit


@pytest.fixture
def origin(tmp_path: Path) -> Path:
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    return remote


@pytest.fixture
def repo(git_repo: Path, origin: Path) -> Path:
    """The user's repository, its main branch pushed to ``origin``."""
    git(git_repo, "remote", "add", "origin", str(origin))
    git(git_repo, "push", "-q", "origin", "main")
    return git_repo


@pytest.fixture
def clone(repo: Path, origin: Path, tmp_path: Path) -> Path:
    """A colleague's clone of ``origin``."""
    other = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(origin), str(other))
    return other


# --------------------------------------------------------------------------- push


def test_push_moves_only_the_named_experiments(repo: Path, origin: Path) -> None:
    chosen = save_in(repo, "chosen", "1\n")
    save_in(repo, "not-chosen", "2\n")
    git(repo, "branch", "local-only")
    before = remote_refs(origin)

    result = push("origin", ["chosen"])

    baseline = head(repo)
    ref = f"refs/exps/{baseline[:2]}/{baseline[2:]}/chosen"
    assert remote_refs(origin) == {**before, ref: chosen}
    assert result.moved == (ExpRef(baseline, "chosen"),) and result.up_to_date == ()
    assert push("origin", ["chosen"]).up_to_date == (ExpRef(baseline, "chosen"),)


def test_push_without_names_sends_heads_baseline(repo: Path, origin: Path) -> None:
    save_in(repo, "old-baseline", "0\n")
    git(repo, "commit", "-q", "--allow-empty", "-m", "next")
    one, two = save_in(repo, "one", "1\n"), save_in(repo, "two", "2\n")

    result = push("origin")

    pushed = {ref: sha for ref, sha in remote_refs(origin).items() if ref.startswith("refs/exps/")}
    baseline = head(repo)
    prefix = f"refs/exps/{baseline[:2]}/{baseline[2:]}"
    assert pushed == {f"{prefix}/one": one, f"{prefix}/two": two}
    assert sorted(exp.name for exp in result.moved) == ["one", "two"]
    assert remote_refs(origin)["refs/heads/main"] != baseline  # no branch moved


def test_push_with_nothing_to_push(repo: Path, origin: Path) -> None:
    result = push("origin")
    assert result.moved == result.up_to_date == ()


def test_a_diverged_push_is_refused_unless_forced(repo: Path, clone: Path, origin: Path) -> None:
    theirs = save_in(clone, "same", "colleague's\n")
    push("origin", ["same"], path=clone)
    ours = save_in(repo, "same", "mine\n")
    save_in(repo, "other", "fine\n")
    ref = f"refs/exps/{head(repo)[:2]}/{head(repo)[2:]}/same"

    with pytest.raises(DivergedExperimentsError, match=r"same \(") as caught:
        push("origin")
    assert "--force" in str(caught.value)
    assert remote_refs(origin)[ref] == theirs
    assert not any(r.endswith("/other") for r in remote_refs(origin))  # nothing moved at all

    push("origin", ["same"], force=True)
    assert remote_refs(origin)[ref] == ours


def test_a_fast_forward_needs_no_force(repo: Path, origin: Path) -> None:
    first = save_in(repo, "exp", "1\n")
    push("origin", ["exp"])
    tree = git(repo, "rev-parse", f"{first}^{{tree}}").strip()
    child = git(repo, "commit-tree", tree, "-p", first, "-m", "continued").strip()
    ref = f"refs/exps/{head(repo)[:2]}/{head(repo)[2:]}/exp"
    git(repo, "update-ref", ref, child)

    assert [exp.name for exp in push("origin").moved] == ["exp"]
    assert remote_refs(origin)[ref] == child


def test_a_forced_push_still_refuses_a_remote_that_changed_meanwhile(
    repo: Path, clone: Path, origin: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = save_in(clone, "same", "colleague's first\n")
    push("origin", ["same"], path=clone)
    looked_at = {ExpRef(head(repo), "same"): first}  # what we saw before the colleague's push
    second = save_in(clone, "same", "colleague's second\n", force=True)
    push("origin", ["same"], path=clone, force=True)
    save_in(repo, "same", "mine\n")
    monkeypatch.setattr(remote, "list_remote_experiments", lambda *args: looked_at)

    with pytest.raises(RemoteError, match="stale info"):
        push("origin", ["same"], force=True)
    assert second in remote_refs(origin).values()


def test_push_to_a_path_or_url_that_is_not_a_configured_remote(repo: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.git"
    git(tmp_path, "init", "-q", "--bare", str(other))
    commit = save_in(repo, "exp", "1\n")
    push(str(other), ["exp"])
    push(f"file://{other}", ["exp"])
    assert commit in remote_refs(other).values()


def test_an_unknown_remote_is_a_clear_error(repo: Path) -> None:
    save_in(repo, "exp", "1\n")
    with pytest.raises(
        RemoteNotFoundError, match=r"No Git remote named 'orign'\. Known remotes: origin"
    ):
        push("orign", ["exp"])
    with pytest.raises(RemoteNotFoundError, match="git remote add"):
        pull("orign")


def test_an_unreachable_remote_is_a_clear_error(repo: Path, tmp_path: Path) -> None:
    save_in(repo, "exp", "1\n")
    with pytest.raises(RemoteError, match="Could not read 'file://"):
        push(f"file://{tmp_path}/missing.git", ["exp"])


# --------------------------------------------------------------------------- pull


def test_pull_brings_the_experiment_and_its_unknown_baseline(
    repo: Path, clone: Path, origin: Path
) -> None:
    git(repo, "commit", "-q", "--allow-empty", "-m", "a baseline the clone never saw")
    baseline = head(repo)
    commit = save_in(repo, "exp", "1\n")
    save_in(repo, "other", "2\n")
    push("origin")
    before = local_refs(clone)
    assert subprocess.run(["git", "cat-file", "-e", baseline], cwd=clone).returncode != 0

    result = pull("origin", ["exp"], path=clone)

    ref = f"refs/exps/{baseline[:2]}/{baseline[2:]}/exp"
    assert local_refs(clone) == {**before, ref: commit}
    assert git(clone, "cat-file", "-t", baseline).strip() == "commit"
    assert not (clone / ".git" / "FETCH_HEAD").exists()
    assert result.moved == (ExpRef(baseline, "exp"),)
    assert pull("origin", ["exp"], path=clone).up_to_date == (ExpRef(baseline, "exp"),)


def test_pull_without_names_takes_the_remotes_experiments_of_head(repo: Path, clone: Path) -> None:
    one, two = save_in(repo, "one", "1\n"), save_in(repo, "two", "2\n")
    push("origin")
    git(repo, "commit", "-q", "--allow-empty", "-m", "next")
    git(repo, "push", "-q", "origin", "main")
    save_in(repo, "elsewhere", "3\n")
    push("origin")

    result = pull("origin", path=clone)

    assert sorted(exp.name for exp in result.moved) == ["one", "two"]
    pulled = {r: s for r, s in local_refs(clone).items() if r.startswith("refs/exps/")}
    assert sorted(pulled.values()) == sorted([one, two])


def test_a_diverged_pull_is_refused_unless_forced(repo: Path, clone: Path) -> None:
    theirs = save_in(repo, "same", "from repo\n")
    push("origin")
    ours = save_in(clone, "same", "from clone\n")
    ref = f"refs/exps/{head(clone)[:2]}/{head(clone)[2:]}/same"

    with pytest.raises(DivergedExperimentsError, match="local commit would be lost"):
        pull("origin", ["same"], path=clone)
    assert local_refs(clone)[ref] == ours

    pull("origin", ["same"], path=clone, force=True)
    assert local_refs(clone)[ref] == theirs


def test_pull_an_unknown_name_suggests_the_remotes_names(repo: Path, clone: Path) -> None:
    save_in(repo, "lr-high", "1\n")
    push("origin")
    with pytest.raises(UnknownExperimentError, match="Did you mean 'lr-high'"):
        pull("origin", ["lr-hihg"], path=clone)


# --------------------------------------------------------------------------- oracle


@pytest.mark.oracle
def test_dvc_pulls_what_live_nb_pushed_and_the_reverse(
    git_repo: Path, origin: Path, tmp_path: Path, dvc: str
) -> None:
    run_dvc(dvc, git_repo, "init", "-q")
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "dvc init")
    git(git_repo, "remote", "add", "origin", str(origin))
    git(git_repo, "push", "-q", "origin", "main")
    other = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(origin), str(other))
    ours = save_in(git_repo, "from-live-nb", "1\n")
    push("origin", ["from-live-nb"])

    run_dvc(dvc, other, "exp", "pull", "origin", "from-live-nb")
    assert ours in local_refs(other).values()

    (other / "result.txt").write_text("2\n")
    run_dvc(dvc, other, "exp", "save", "-n", "from-dvc")
    run_dvc(dvc, other, "exp", "push", "origin", "from-dvc")
    result = pull("origin", ["from-dvc"])
    assert [exp.name for exp in result.moved] == ["from-dvc"]
    assert local_refs(git_repo)[result.moved[0].ref] == remote_refs(origin)[result.moved[0].ref]
