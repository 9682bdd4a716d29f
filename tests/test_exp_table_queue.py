"""Queued, running and failed runs in ``%exp_show``'s table: every row ``show()`` lists.

The real ``dvc exp run --queue`` makes DVC's tasks and ``live-nb exp run --queue``
live_nb's; the widget's ``rows`` must hold each with its
State, and its actions take what ``dvc exp apply`` takes (a queued or failed task) and refuse
the rest with a sentence.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from live_nb import runs
from live_nb.experiments import show
from live_nb.widgets.table import ExperimentsTable
from tests.conftest import git, run_dvc
from tests.test_show_dvc_queue import live_nb, pipeline_with_an_experiment, wait_for_queue


@pytest.fixture
def project(git_repo: Path, dvc: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An experiment, DVC's failed ``breaks`` and queued ``waits``, live_nb's queued ``later``."""
    pipeline_with_an_experiment(git_repo, dvc, monkeypatch)
    run_dvc(dvc, git_repo, "exp", "run", "--queue", "-n", "breaks", "-S", "fail=true")
    run_dvc(dvc, git_repo, "queue", "start")
    wait_for_queue(dvc, git_repo)
    run_dvc(dvc, git_repo, "queue", "stop")
    run_dvc(dvc, git_repo, "exp", "run", "--queue", "-n", "waits", "-S", "lr=0.4")
    git(git_repo, "checkout", "-q", "--", ".")
    live_nb(git_repo, "exp", "run", "--queue", "-n", "later", "--", sys.executable, "train.py")
    return git_repo


def by_name(table: ExperimentsTable) -> dict[str, dict[str, object]]:
    column = [c["name"] for c in table.columns].index("Experiment")
    return {row["values"][column]: row for row in table.rows}


@pytest.mark.oracle
@pytest.mark.slow
def test_every_row_of_show_is_in_the_widget_with_its_state(project: Path) -> None:
    table = ExperimentsTable(project)
    listed = show(pending=runs.pending())
    rows = by_name(table)
    assert sorted(rows) == sorted(listed["Experiment"])  # live_nb's queued run too
    states = {name: (row.get("state"), row.get("queue")) for name, row in rows.items()}
    assert states["waits"] == ("queued", "dvc") and states["breaks"] == ("failed", "dvc")
    assert states["later"] == ("queued", "live-nb") and states["good"] == (None, None)
    assert rows["later"]["commit"] is None and str(rows["later"]["id"]) == "live-nb:later"
    assert str(rows["waits"]["id"]).startswith("dvc-task:")
    assert {rows[name]["baseline"] for name in ("waits", "breaks", "later", "good")} == {
        rows["main"]["id"]
    }  # each under its baseline, so sorting keeps them in its group


@pytest.mark.oracle
@pytest.mark.slow
def test_apply_takes_a_failed_task_as_dvc_does_and_the_rest_is_refused_saying_why(
    project: Path, dvc: str
) -> None:
    table = ExperimentsTable(project)
    rows = by_name(table)
    answer = table.handle({"type": "apply", "request": 1, "id": rows["breaks"]["id"]})
    assert answer["ok"], answer["message"]
    assert "Applied experiment 'breaks'" in answer["message"]
    ours = (project / "params.yaml").read_text()
    git(project, "checkout", "-q", "--", ".")
    run_dvc(dvc, project, "exp", "apply", "breaks")
    assert ours == (project / "params.yaml").read_text() and "fail: true" in ours
    git(project, "checkout", "-q", "--", ".")

    refusals = {
        ("branch", "breaks"): "a failed run of DVC's queue",
        ("remove", "waits"): "queued in DVC's queue",
        ("apply", "later"): "queued in live_nb's queue and has not run",
        ("star", "later"): "live-nb queue remove later",
    }
    for (action, name), words in refusals.items():
        row_id = rows[name]["id"]
        request = {"type": action, "request": 2, "id": row_id, "ids": [row_id], "branch_name": "b"}
        answer = table.handle(request)
        assert not answer["ok"] and words in answer["message"], answer["message"]
    assert git(project, "status", "--porcelain") == ""  # nothing changed by a refusal
    history = table.handle({"type": "history", "request": 3, "ids": [rows["later"]["id"]]})
    error = history["histories"]["live-nb:later"]["error"]
    assert error == "it has not started yet, so it has no metrics"
