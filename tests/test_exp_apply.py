"""``apply``: the experiment's files in the working tree, without ever losing the user's work."""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import stat
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from live_nb import LiveNbWarning
from live_nb.experiments import NoCommitsError, UnknownExperimentError, save
from live_nb.experiments.restore import (
    ApplyBlockedError,
    UncommittedChangesError,
    apply,
)
from live_nb.formats.artifacts import cache_artifact, restore_artifact
from tests.conftest import git, run_dvc


def files_on_disk(repo: Path) -> dict[str, tuple[bytes, int]]:
    """Every file and symlink outside .git: content (a symlink's target) and permission bits."""
    found = {}
    for current, folders, names in os.walk(repo):
        folders[:] = [name for name in folders if name != ".git"]
        here = Path(current)
        for name in [*names, *(f for f in folders if (here / f).is_symlink())]:
            path = here / name
            content = os.fsencode(os.readlink(path)) if path.is_symlink() else path.read_bytes()
            found[path.relative_to(repo).as_posix()] = (content, stat.S_IMODE(path.lstat().st_mode))
    return found


def user_state(repo: Path) -> dict[str, object]:
    """What apply may change (files) and what it must never change (everything else)."""
    return {
        "files": files_on_disk(repo),
        "status": git(repo, "status", "--porcelain=v2", "-z", "--untracked-files=all"),
        **git_state(repo),
    }


def git_state(repo: Path) -> dict[str, object]:
    """HEAD, branches, the staged content and the stash: never changed by apply."""
    return {
        "head": (repo / ".git" / "HEAD").read_text(),
        "head_sha": git(repo, "rev-parse", "HEAD"),
        "refs": [
            line
            for line in git(repo, "for-each-ref", "--format=%(refname) %(objectname)").splitlines()
            if not line.startswith(("refs/exps/", "refs/live_nb/"))
        ],
        "staged": git(repo, "ls-files", "--stage", "-z"),
        "stash": git(repo, "stash", "list"),
    }


def tree(repo: Path, rev: str) -> dict[str, bytes]:
    names = git(repo, "ls-tree", "-r", "-z", "--name-only", rev).split("\0")[:-1]
    return {
        name: subprocess.run(
            ["git", "cat-file", "blob", f"{rev}:{name}"], cwd=repo, capture_output=True, check=True
        ).stdout
        for name in names
    }


def commit_all(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def reset_workspace(repo: Path) -> None:
    """Back to a clean checkout of HEAD (what a user has before trying an experiment)."""
    git(repo, "reset", "-q", "--hard")
    git(repo, "clean", "-q", "-fdx", "-e", ".dvc/cache")


@pytest.fixture
def project(git_repo: Path) -> Path:
    """A repository with a few tracked files in folders, committed as HEAD."""
    Path("src").mkdir()
    Path("src/train.py").write_text("lr = 0.1\n")
    Path("src/util.py").write_text("def f():\n    return 1\n")
    Path("data").mkdir()
    Path("data/labels.csv").write_text("a,b\n1,2\n")
    Path("notes.md").write_text("notes\n")
    commit_all(git_repo, "project")
    return git_repo


def make_experiment(repo: Path, name: str, changes: dict[str, str | None]) -> str:
    """Save ``changes`` (path -> text, None deletes) as experiment ``name``; reset the workspace."""
    for relative, text in changes.items():
        path = repo / relative
        if text is None:
            path.unlink()
            with contextlib.suppress(OSError):
                path.parent.rmdir()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    saved = save(name=name)
    reset_workspace(repo)
    return saved.commit


def test_a_clean_workspace_gets_exactly_the_experiments_files(project: Path) -> None:
    commit = make_experiment(
        project,
        "lr-0.01",
        {
            "src/train.py": "lr = 0.01\n",
            "dvclive/metrics.json": '{"loss": 0.1}\n',
            "data/labels.csv": None,
        },
    )
    before = git_state(project)
    index = (project / ".git" / "index").read_bytes()

    result = apply("lr-0.01")

    assert (project / ".git" / "index").read_bytes() == index  # not even rewritten
    assert git_state(project) == before
    on_disk = {name: content for name, (content, _) in files_on_disk(project).items()}
    assert on_disk == tree(project, commit)
    assert not (project / "data").exists()  # emptied by the deletion, removed as Git does
    assert result.written == ("dvclive/metrics.json", "src/train.py")
    assert result.removed == ("data/labels.csv",)
    assert result.commit == commit and result.name == "lr-0.01"
    assert result.backup_ref is None and result.restore_command is None
    status = git(project, "status", "--porcelain", "--untracked-files=all").splitlines()
    assert sorted(status) == [" D data/labels.csv", " M src/train.py", "?? dvclive/metrics.json"]


def test_applying_twice_or_switching_between_saved_experiments_needs_no_force(
    project: Path,
) -> None:
    first = make_experiment(project, "first", {"src/train.py": "lr = 1\n", "out.txt": "1\n"})
    second = make_experiment(project, "second", {"src/train.py": "lr = 2\n", "out.txt": "2\n"})

    apply("first")
    again = apply("first")
    assert again.written == again.removed == ()
    # The workspace now differs from HEAD, but only with content saved in experiment "first".
    apply("second")
    assert {k: v for k, (v, _) in files_on_disk(project).items()} == tree(project, second)
    apply(first[:10])  # by commit sha prefix
    assert {k: v for k, (v, _) in files_on_disk(project).items()} == tree(project, first)


@pytest.mark.parametrize(
    "make_dirty",
    [
        pytest.param(lambda: Path("src/train.py").write_text("my edit\n"), id="modified"),
        pytest.param(
            lambda: (Path("src/train.py").write_text("staged\n"), git(Path(), "add", "-A")),
            id="staged",
        ),
        pytest.param(lambda: Path("out.txt").write_text("my notes\n"), id="untracked"),
        pytest.param(
            lambda: (
                Path(".git/info/exclude").write_text("out.txt\n"),
                Path("out.txt").write_text("x"),
            ),
            id="ignored",
        ),
        pytest.param(lambda: Path("data/labels.csv").write_text("mine\n"), id="deleted-by-exp"),
    ],
)
def test_a_file_with_uncommitted_work_in_the_way_stops_apply_and_changes_nothing(
    project: Path, make_dirty: object
) -> None:
    make_experiment(
        project,
        "exp",
        {"src/train.py": "lr = 0.01\n", "out.txt": "result\n", "data/labels.csv": None},
    )
    Path("scratch.txt").write_text("untracked, and not in the experiment\n")
    make_dirty()  # type: ignore[operator]
    before = user_state(project)

    with pytest.raises(UncommittedChangesError) as caught:
        apply("exp")

    assert user_state(project) == before
    assert len(caught.value.paths) == 1
    assert caught.value.paths[0] in ("src/train.py", "out.txt", "data/labels.csv")
    assert caught.value.paths[0] in str(caught.value)
    assert "--force" in str(caught.value)


def test_force_backs_the_work_up_first_and_says_how_to_get_it_back(project: Path) -> None:
    head = git(project, "rev-parse", "HEAD").strip()
    commit = make_experiment(
        project, "exp", {"src/train.py": "lr = 0.01\n", "out.txt": "result\n", "notes.md": None}
    )
    Path("src/train.py").write_text("my precious edit\n")
    Path("out.txt").write_text("my untracked notes\n")
    Path("notes.md").write_text("edited notes\n")
    Path("scratch.txt").write_text("not in the experiment\n")
    before = git_state(project)

    result = apply("exp", force=True)

    assert git_state(project) == before
    assert Path("src/train.py").read_text() == "lr = 0.01\n"
    assert Path("out.txt").read_text() == "result\n"
    assert not Path("notes.md").exists()
    assert Path("scratch.txt").read_text() == "not in the experiment\n"  # not in the way
    assert result.backed_up == ("notes.md", "out.txt", "src/train.py")
    assert result.backup_ref is not None and result.backup_ref.startswith("refs/live_nb/backup/")
    assert git(project, "rev-parse", result.backup_ref).strip() == result.backup_commit
    assert git(project, "rev-parse", f"{result.backup_commit}^").strip() == head
    # DVC never lists or clears it: it is outside refs/exps.
    assert git(project, "for-each-ref", "refs/exps").count("\n") == 1
    assert result.restore_command is not None

    subprocess.run(result.restore_command, shell=True, check=True, capture_output=True)

    assert Path("src/train.py").read_text() == "my precious edit\n"
    assert Path("out.txt").read_text() == "my untracked notes\n"
    assert Path("notes.md").read_text() == "edited notes\n"
    assert git_state(project) == before  # restoring touches the working tree only
    assert tree(project, commit)["src/train.py"] == b"lr = 0.01\n"


def test_two_forced_applies_in_the_same_second_keep_both_backups(project: Path) -> None:
    make_experiment(project, "exp", {"src/train.py": "lr = 0.01\n"})
    Path("src/train.py").write_text("edit 1\n")
    first = apply("exp", force=True)
    Path("src/train.py").write_text("edit 2\n")
    second = apply("exp", force=True)
    assert first.backup_ref != second.backup_ref
    for result, text in ((first, b"edit 1\n"), (second, b"edit 2\n")):
        assert tree(project, str(result.backup_ref))["src/train.py"] == text


def test_deletions_touch_only_tracked_unmodified_files(project: Path) -> None:
    make_experiment(project, "exp", {"notes.md": None, "data/labels.csv": None})
    git(project, "rm", "-q", "--cached", "notes.md")  # now untracked (staged deletion)
    Path("data/extra.txt").write_text("mine\n")  # keeps data/ from being emptied
    staged = git(project, "diff", "--cached", "--name-status")

    result = apply("exp")

    assert result.removed == ("data/labels.csv",)
    assert Path("notes.md").read_text() == "notes\n"  # untracked now: never removed
    assert Path("data/extra.txt").read_text() == "mine\n"
    assert git(project, "diff", "--cached", "--name-status") == staged


def test_files_added_to_head_after_the_baseline_stay(project: Path) -> None:
    commit = make_experiment(project, "exp", {"src/train.py": "lr = 0.01\n"})
    Path("later.txt").write_text("added after the experiment's baseline\n")
    Path("notes.md").write_text("notes, revised\n")
    commit_all(project, "later")

    apply("exp")

    assert Path("later.txt").exists()  # the experiment never had it, and did not delete it
    assert Path("notes.md").read_text() == "notes\n"  # the experiment's version, as DVC
    assert Path("src/train.py").read_bytes() == tree(project, commit)["src/train.py"]


def test_staged_changes_stay_staged(project: Path) -> None:
    Path("src/util.py").write_text("staged edit\n")
    Path("added.txt").write_text("new and staged\n")
    git(project, "add", "src/util.py", "added.txt")
    Path("src/train.py").write_text("lr = 0.01\n")
    save(name="exp")  # holds the staged files too: applying it leaves them as they are
    git(project, "checkout", "--", "src/train.py")
    Path("later.txt").write_text("staged after the experiment, which does not have it\n")
    git(project, "add", "later.txt")
    staged = git(project, "diff", "--cached")
    index = (project / ".git" / "index").read_bytes()

    apply("exp")

    assert (project / ".git" / "index").read_bytes() == index
    assert git(project, "diff", "--cached") == staged
    assert Path("src/util.py").read_text() == "staged edit\n"
    assert Path("later.txt").exists()
    assert Path("src/train.py").read_text() == "lr = 0.01\n"


def test_works_on_a_detached_head(project: Path) -> None:
    commit = make_experiment(project, "exp", {"src/train.py": "lr = 0.01\n"})
    git(project, "checkout", "-q", "--detach")
    apply("exp")
    assert Path("src/train.py").read_bytes() == tree(project, commit)["src/train.py"]
    assert (project / ".git" / "HEAD").read_text().strip() == git(
        project, "rev-parse", "HEAD"
    ).strip()


@pytest.mark.skipif(os.name == "nt", reason="symlinks and executable bits")
def test_symlinks_and_executable_bits_are_applied(project: Path) -> None:
    os.symlink("src/train.py", "link.py")
    Path("run.sh").write_text("#!/bin/sh\n")
    Path("run.sh").chmod(0o755)
    save(name="exp")
    reset_workspace(project)

    apply("exp")

    assert os.readlink("link.py") == "src/train.py"
    assert os.stat("run.sh").st_mode & stat.S_IXUSR
    Path("run.sh").chmod(0o644)  # same content, only the bit differs: nothing is lost
    assert apply("exp").written == ("run.sh",)
    assert os.stat("run.sh").st_mode & stat.S_IXUSR


def test_a_file_standing_where_the_experiment_has_a_folder(project: Path) -> None:
    commit = make_experiment(project, "exp", {"notes.md": None, "notes.md/part1.md": "one\n"})
    apply("exp")  # notes.md is tracked and unchanged: replaced by the folder
    assert Path("notes.md/part1.md").read_bytes() == tree(project, commit)["notes.md/part1.md"]

    reset_workspace(project)
    Path("notes.md").write_text("edited\n")
    with pytest.raises(UncommittedChangesError, match=r"notes\.md"):
        apply("exp")


def test_a_folder_standing_where_the_experiment_has_a_file(project: Path) -> None:
    make_experiment(project, "exp", {"data/labels.csv": None, "data": "now a file\n"})
    Path("data/mine.txt").write_text("untracked\n")
    with pytest.raises(UncommittedChangesError, match=r"data/mine\.txt"):
        apply("exp")
    assert Path("data/mine.txt").read_text() == "untracked\n"

    result = apply("exp", force=True)
    assert Path("data").read_text() == "now a file\n"
    assert result.backed_up == ("data/mine.txt",)
    assert tree(project, str(result.backup_ref))["data/mine.txt"] == b"untracked\n"


def test_a_nested_repository_in_the_way_is_never_removed(project: Path) -> None:
    make_experiment(project, "exp", {"vendor": "a file\n"})
    Path("vendor").mkdir()
    git(project / "vendor", "init", "-q")
    with pytest.raises(ApplyBlockedError, match="vendor"):
        apply("exp", force=True)
    assert Path("vendor/.git").is_dir()


def test_unknown_names_suggest_close_ones(project: Path) -> None:
    make_experiment(project, "lr-0.01", {"src/train.py": "lr = 0.01\n"})
    with pytest.raises(UnknownExperimentError, match=r"Did you mean 'lr-0\.01'"):
        apply("lr-0.1")


def test_a_repository_without_commits_is_a_clear_error(tmp_dir: Path) -> None:
    git(tmp_dir, "init", "-q")
    with pytest.raises(NoCommitsError, match="first commit"):
        apply("anything")


# --------------------------------------------------------------------------- artifacts


@pytest.fixture
def with_artifact(project: Path) -> Path:
    """HEAD tracks model.pt (v1) through model.pt.dvc; experiment "v2" has model.pt v2."""
    Path("model.pt").write_bytes(b"weights v1")
    cache_artifact(Path("model.pt"), project)
    commit_all(project, "model v1")
    Path("model.pt").write_bytes(b"weights v2")
    cache_artifact(Path("model.pt"), project)
    Path("src/train.py").write_text("epochs = 2\n")
    save(name="v2")
    reset_workspace(project)  # .dvc/cache is kept: it is the DVC cache
    restore_artifact(Path("model.pt.dvc"))
    assert Path("model.pt").read_bytes() == b"weights v1"
    return project


def test_artifacts_are_restored_from_the_dvc_cache(with_artifact: Path) -> None:
    result = apply("v2")
    assert Path("model.pt").read_bytes() == b"weights v2"
    assert result.restored_artifacts == ("model.pt.dvc",)
    assert "model.pt" not in result.written  # Git does not track it; the cache has it


def test_a_missing_artifact_output_is_restored_even_if_its_dvc_file_is_unchanged(
    with_artifact: Path,
) -> None:
    apply("v2")
    Path("model.pt").unlink()
    result = apply("v2")
    assert result.written == ()
    assert Path("model.pt").read_bytes() == b"weights v2"


def test_an_edited_artifact_in_no_cache_is_in_the_way(with_artifact: Path) -> None:
    Path("model.pt").write_bytes(b"weights I trained by hand")
    with pytest.raises(UncommittedChangesError, match=r"model\.pt"):
        apply("v2")
    assert Path("model.pt").read_bytes() == b"weights I trained by hand"

    result = apply("v2", force=True)

    assert Path("model.pt").read_bytes() == b"weights v2"
    [(artifact, cache_object)] = result.cached_artifacts
    assert artifact == "model.pt"
    assert (with_artifact / cache_object).read_bytes() == b"weights I trained by hand"


def test_artifact_content_missing_from_the_cache_is_a_warning(with_artifact: Path) -> None:
    shutil.rmtree(".dvc/cache/files/md5")
    Path(".dvc/cache/files/md5").mkdir()
    with pytest.warns(LiveNbWarning, match=r"live-nb pull v2"):
        result = apply("v2")
    assert result.missing_artifacts == ("model.pt.dvc",)
    assert Path("src/train.py").read_text() == "epochs = 2\n"  # the Git files are applied


# --------------------------------------------------------------------------- never loses work


def test_random_workspaces_never_lose_work(git_repo: Path) -> None:
    """Random HEAD, experiment and edits: apply either refuses and changes nothing, or leaves
    every file of the experiment in place and every piece of unsaved work somewhere."""
    rng = random.Random(20240601)
    paths = ["a.txt", "b.txt", "d/c.txt", "d/e/f.txt", "g.txt", "h/i.txt"]
    outcomes: Counter[str] = Counter()
    for round_ in range(16):
        reset_workspace(git_repo)
        for path in paths:
            if rng.random() < 0.6:
                (git_repo / path).parent.mkdir(parents=True, exist_ok=True)
                (git_repo / path).write_text(f"head {round_} {path}\n")
        commit_all(git_repo, f"round {round_}")
        changes: dict[str, str | None] = {}
        for path in paths:
            if (git_repo / path).exists() and rng.random() < 0.3:
                changes[path] = None
            elif rng.random() < 0.5:
                changes[path] = f"exp {round_} {path}\n"
        commit = make_experiment(git_repo, f"exp-{round_}", changes)
        for path in paths:
            target = git_repo / path
            if rng.random() < 0.15 and not any(p.is_file() for p in target.parents):
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(f"user {round_} {path}\n")
        unsaved = {
            name: content
            for name, (content, _) in files_on_disk(git_repo).items()
            if content.startswith(b"user")
        }
        before = user_state(git_repo)
        force = rng.random() < 0.5
        try:
            result = apply(f"exp-{round_}", force=force)
        except UncommittedChangesError as error:
            assert not force
            assert user_state(git_repo) == before
            assert set(error.paths) <= set(unsaved)
            outcomes["refused"] += 1
            continue
        wanted = tree(git_repo, commit)
        after = {name: content for name, (content, _) in files_on_disk(git_repo).items()}
        for name, content in wanted.items():
            assert after[name] == content, name
        backup = tree(git_repo, result.backup_ref) if result.backup_ref else {}
        for name, content in unsaved.items():
            assert after.get(name) == content or backup.get(name) == content, name
        outcomes["backed up" if backup else "applied"] += 1
    assert min(outcomes.values()) >= 2 and len(outcomes) == 3, outcomes


# --------------------------------------------------------------------------- oracle


@pytest.mark.oracle
def test_same_working_tree_as_dvc_exp_apply_on_a_clean_workspace(
    project: Path, dvc: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_dvc(dvc, project, "init", "-q")
    Path("model.pt").write_bytes(b"weights v1")
    cache_artifact(Path("model.pt"), project)
    commit_all(project, "dvc init, model v1")
    Path("model.pt").write_bytes(b"weights v2")
    cache_artifact(Path("model.pt"), project)
    Path("src/train.py").write_text("lr = 0.01\n")
    Path("notes.md").unlink()
    Path("dvclive").mkdir()
    Path("dvclive/metrics.json").write_text('{"loss": 0.25}\n')
    save(name="lr-0.01")
    reset_workspace(project)
    restore_artifact(Path("model.pt.dvc"))
    ours, theirs = project.parent / "ours", project.parent / "theirs"
    shutil.copytree(project, ours, symlinks=True)
    shutil.copytree(project, theirs, symlinks=True)

    monkeypatch.chdir(ours)
    apply("lr-0.01")
    run_dvc(dvc, theirs, "exp", "apply", "lr-0.01")

    def observed(repo: Path) -> tuple[dict[str, bytes], str, str]:
        files = {
            name: content
            for name, (content, _) in files_on_disk(repo).items()
            if not name.startswith((".dvc/tmp/", ".dvc/cache/"))
        }
        status = git(repo, "status", "--porcelain", "--untracked-files=all")
        return files, status, git(repo, "rev-parse", "HEAD", "--symbolic-full-name", "HEAD")

    assert observed(ours) == observed(theirs)
    assert Path("model.pt").read_bytes() == b"weights v2"
    assert not Path("notes.md").exists()
