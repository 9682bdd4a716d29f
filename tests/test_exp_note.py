"""A person notes why a run matters; the note is kept in Git and listed by exp show."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from live_nb import Live
from live_nb.cli import main
from live_nb.experiments.notes import InvalidNoteError, set_note
from live_nb.experiments.show import show
from tests.conftest import git, run_dvc


def run(name: str, loss: float) -> None:
    with Live(exp_name=name) as live:
        live.log_param("lr", loss / 10)
        live.log_metric("loss", loss)
        live.next_step()


@pytest.fixture
def noted(git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for key in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{key}_NAME", "T")
        monkeypatch.setenv(f"GIT_{key}_EMAIL", "t@e.x")
    run("fast", 0.2)
    run("slow", 0.9)
    return git_repo


def tip(repo: Path, name: str) -> str:
    refs = git(repo, "for-each-ref", "--format=%(refname) %(objectname)", "refs/exps/")
    return next(line.split()[1] for line in refs.splitlines() if line.split()[0].endswith(name))


def test_a_note_is_listed_by_show_and_the_commit_stays(noted: Path) -> None:
    before = tip(noted, "/fast")
    assert "Notes" not in show().columns  # no column until a row has a note
    assert set_note("fast", "best so far:\n  lr=0.02") == "Noted on fast: best so far: lr=0.02"
    assert tip(noted, "/fast") == before  # not rewritten: DVC and pushes keep working
    df = show()
    notes = dict(zip(df["Experiment"], df["Notes"]))
    assert notes["fast"] == "best so far: lr=0.02" and pd.isna(notes["slow"])
    assert "best so far" in git(noted, "log", "-1", "--notes=live-nb", before)


def test_the_command_line_writes_and_shows_notes(
    noted: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["exp", "note", "slow", "diverged", "at", "step", "3"]) == 0
    assert "Noted on slow: diverged at step 3" in capsys.readouterr().out
    assert main(["exp", "show"]) == 0
    table = capsys.readouterr().out
    assert "Notes" in table and "diverged at step 3" in table
    assert main(["exp", "note", "slow"]) == 0  # no text: removed
    assert "Removed the note of slow." in capsys.readouterr().out
    assert "Notes" not in show().columns


def test_a_bad_note_gets_one_message(noted: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(InvalidNoteError, match="at most 2000"):
        set_note("fast", "x" * 2001)
    with pytest.raises(InvalidNoteError, match="control characters"):
        set_note("fast", "bell\x07")
    assert main(["exp", "note", "nosuch", "hi"]) != 0
    assert "live-nb: error:" in capsys.readouterr().err


@pytest.mark.oracle
def test_dvc_still_lists_a_noted_experiment(noted: Path, dvc: str) -> None:
    (noted / ".dvc").mkdir()
    set_note("fast", "kept")
    shown = run_dvc(dvc, noted, "exp", "show", "--no-pager", "--md")
    assert "fast" in shown and "slow" in shown
