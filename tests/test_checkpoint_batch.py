"""Checkpoints after the first, through long-lived Git processes: the trees ``git add`` makes.

Each case builds the same change twice in a real repository, through the batch processes
(``checkpoints/batch.py``) and through a temporary index as ``include_in_tree`` does, and
compares the trees; the ref moves with a compare-and-swap; what the batch cannot build is
said (the caller then takes the index path), and ``git fsck`` stays clean.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from live_nb import Live
from live_nb.checkpoints.batch import BatchCommitter, Unsupported
from live_nb.experiments.save import include_in_tree, included_files, temporary_index
from live_nb.git import RefChangedError, Repository
from tests.conftest import git
from tests.test_checkpoints import exp_refs, first_parents, fsck_clean, message


@pytest.fixture
def repo(git_repo: Path) -> Repository:
    (git_repo / "dvclive" / "plots").mkdir(parents=True)
    (git_repo / "dvclive" / "plots" / "loss.tsv").write_text("step\tloss\n0\t1\n")
    (git_repo / "dvclive" / "metrics.json").write_text("{}\n")
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-qm", "results")
    return Repository.discover(git_repo)


def by_index(repo: Repository, tree: str, include: list[Path]) -> str:
    index = temporary_index(repo.git_dir)
    repo.run("read-tree", tree, env={"GIT_INDEX_FILE": str(index)})
    return include_in_tree(repo, index, include)


def same_trees(repo: Repository, batch: BatchCommitter, tree: str, include: list[Path]) -> str:
    built = batch.tree(included_files(repo, include))
    assert built == by_index(repo, tree, include)
    return built


def test_changed_new_nested_and_executable_files_make_git_add_s_tree(repo: Repository) -> None:
    root, tree = repo.root, repo.run("rev-parse", "HEAD^{tree}")
    batch = BatchCommitter(repo, tree, "test")
    try:
        include = [root / "dvclive"]
        (root / "dvclive" / "plots" / "loss.tsv").write_text("step\tloss\n0\t1\n1\t0.5\n")
        (root / "dvclive" / "plots" / "images" / "0").mkdir(parents=True)
        (root / "dvclive" / "plots" / "images" / "0" / "a.png").write_bytes(b"\x89PNG")
        (root / "dvclive" / "run.sh").write_text("#!/bin/sh\n")
        os.chmod(root / "dvclive" / "run.sh", 0o755)
        tree = same_trees(repo, batch, tree, include)
        assert same_trees(repo, batch, tree, include) == tree  # nothing changed: the same
        (root / "dvclive" / "metrics.json").write_text('{"step": 1}\n')
        same_trees(repo, batch, tree, include)
    finally:
        batch.close()
    fsck_clean(root)


def test_a_link_or_a_file_where_a_folder_was_is_left_to_the_index(repo: Repository) -> None:
    root, tree = repo.root, repo.run("rev-parse", "HEAD^{tree}")
    batch = BatchCommitter(repo, tree, "test")
    try:
        (root / "dvclive" / "latest").symlink_to("metrics.json")
        with pytest.raises(Unsupported):
            batch.tree(included_files(repo, [root / "dvclive"]))
    finally:
        batch.close()
    batch = BatchCommitter(repo, tree, "test")
    try:
        (root / "dvclive" / "latest").unlink()
        (root / "dvclive" / "plots" / "loss.tsv").unlink()
        (root / "dvclive" / "plots" / "loss.tsv").mkdir()
        (root / "dvclive" / "plots" / "loss.tsv" / "x").write_text("x")
        with pytest.raises(Unsupported):
            batch.tree(included_files(repo, [root / "dvclive"]))
    finally:
        batch.close()


def test_the_ref_moves_only_from_where_it_was(repo: Repository) -> None:
    root, head = repo.root, repo.run("rev-parse", "HEAD")
    tree = repo.run("rev-parse", "HEAD^{tree}")
    git(root, "update-ref", "refs/exps/test", head)
    batch = BatchCommitter(repo, tree, "live_nb: checkpoint test")
    try:
        first = batch.commit(tree, head, "one\n\nLive-Nb-Step: 0\n")
        batch.move("refs/exps/test", first, head)
        assert repo.run("rev-parse", "refs/exps/test") == first
        second = batch.commit(tree, first, "two\n")
        with pytest.raises(RefChangedError):
            batch.move("refs/exps/test", second, head)  # not where it was: left alone
        assert repo.run("rev-parse", "refs/exps/test") == first
        batch.move("refs/exps/test", second, first)  # the next request still works
        assert repo.run("rev-parse", "refs/exps/test") == second
        ident = repo.run("var", "GIT_AUTHOR_IDENT").rsplit(" ", 2)[0]
        assert repo.run("log", "-1", "--format=%an <%ae> %s", second) == f"{ident} two"
    finally:
        batch.close()
    assert not list((repo.git_dir / "live_nb").glob("checkpoint-*.commit"))
    fsck_clean(root)


def test_a_run_s_chain_holds_every_step_s_results(git_repo: Path) -> None:
    (git_repo / ".gitignore").write_text("dvclive/\n")
    git(git_repo, "add", ".gitignore")
    git(git_repo, "commit", "-qm", "ignore results")
    with Live(checkpoint=True, exp_name="night") as live:
        for step in range(5):
            live.log_metric("loss", 1 / (step + 1))
            live.next_step()
            assert live._checkpoints is not None
            live._checkpoints.wait()
    chain = first_parents(git_repo, exp_refs(git_repo)["night"])
    for commit in chain[1:6]:  # the checkpoints, newest first
        step = int(message(git_repo, commit)["Live-Nb-Step"])
        rows = git(git_repo, "show", f"{commit}:dvclive/plots/metrics/loss.tsv").splitlines()
        assert rows[-1].split("\t")[0] == str(step)
    fsck_clean(git_repo)
