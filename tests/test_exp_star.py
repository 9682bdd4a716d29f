"""A person stars the runs to keep in sight: a ref outside refs/exps, shown by exp show."""

from __future__ import annotations

from pathlib import Path

import pytest

from live_nb import Live
from live_nb.cli import main
from live_nb.experiments.manage import remove
from live_nb.experiments.show import show
from live_nb.experiments.stars import read_stars, set_star
from live_nb.git import Repository
from tests.conftest import git, run_dvc


def run(name: str, loss: float) -> None:
    with Live(exp_name=name) as live:
        live.log_metric("loss", loss)
        live.next_step()


@pytest.fixture
def runs(git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for key in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{key}_NAME", "T")
        monkeypatch.setenv(f"GIT_{key}_EMAIL", "t@e.x")
    run("fast", 0.2)
    run("slow", 0.9)
    return git_repo


def test_star_and_unstar_from_the_command_line(
    runs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["exp", "star", "slow"]) == 0
    assert "Starred slow" in capsys.readouterr().out
    assert main(["exp", "show"]) == 0
    table = capsys.readouterr().out
    assert "Star" in table.splitlines()[1]
    assert "★" in next(line for line in table.splitlines() if "slow" in line)
    assert "★" not in next(line for line in table.splitlines() if "fast" in line)
    assert main(["exp", "unstar", "slow"]) == 0
    assert "Unstarred slow." in capsys.readouterr().out
    assert main(["exp", "show"]) == 0
    assert "Star" not in capsys.readouterr().out


def test_a_star_survives_in_git_and_goes_with_its_experiment(runs: Path) -> None:
    set_star("fast", path=runs)
    with Repository.discover(runs) as repo:  # a new reader: the star is in Git, not in memory
        starred = read_stars(repo)
    assert [ref.rsplit("/", 1)[1] for ref in starred] == ["fast"]
    assert list(show(runs).loc[lambda df: df["Experiment"] == "fast", "Star"]) == ["★"]
    assert "refs/live_nb/stars/" in git(runs, "for-each-ref", "refs/live_nb/")
    remove(["fast"], path=runs)
    assert git(runs, "for-each-ref", "refs/live_nb/").strip() == ""


@pytest.mark.oracle
def test_dvc_does_not_list_a_star(runs: Path, dvc: str) -> None:
    (runs / ".dvc").mkdir()
    set_star("slow", path=runs)
    shown = run_dvc(dvc, runs, "exp", "show", "--no-pager", "--md")
    assert shown.count("slow") == 1 and "fast" in shown


def test_starring_an_unknown_experiment_is_one_error(
    runs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["exp", "star", "nosuch"]) != 0
    assert "live-nb: error:" in capsys.readouterr().err
    assert git(runs, "for-each-ref", "refs/live_nb/").strip() == ""
