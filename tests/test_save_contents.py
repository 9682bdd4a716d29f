"""``experiments.save(contents=...)``: given bytes committed at a path, the file there untouched."""

from __future__ import annotations

from pathlib import Path

import pytest

from live_nb.experiments.save import OutsideRepositoryError, save
from tests.conftest import git


def test_the_bytes_given_are_committed_and_the_file_is_left_as_it_is(git_repo: Path) -> None:
    (git_repo / "train.ipynb").write_text('{"saved": true}\n')
    git(git_repo, "add", "train.ipynb")
    git(git_repo, "commit", "-qm", "notebook")
    shown = b'{"shown": true}\n'
    saved = save(git_repo, name="shown", contents={git_repo / "train.ipynb": shown})

    assert git(git_repo, "show", f"{saved.commit}:train.ipynb") == shown.decode()
    assert (git_repo / "train.ipynb").read_text() == '{"saved": true}\n'
    assert git(git_repo, "status", "--porcelain") == ""


def test_an_untracked_or_ignored_path_is_committed_too(git_repo: Path) -> None:
    (git_repo / ".gitignore").write_text("*.ipynb\n")
    saved = save(git_repo, name="ignored", contents={git_repo / "new.ipynb": b"{}\n"})
    assert git(git_repo, "show", f"{saved.commit}:new.ipynb") == "{}\n"
    assert not (git_repo / "new.ipynb").exists()


def test_a_path_outside_the_repository_is_refused(git_repo: Path, tmp_path: Path) -> None:
    with pytest.raises(OutsideRepositoryError):
        save(git_repo, name="outside", contents={tmp_path.parent / "elsewhere.ipynb": b"{}"})
    assert git(git_repo, "for-each-ref", "refs/exps/") == ""
