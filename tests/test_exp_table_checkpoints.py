"""The experiments table's checkpoint rows: sent under their experiment, applied and branched.

Real checkpoint chains (``Live(checkpoint=True)``) in a real repository; the widget's Python
side sends each chain's commits as ``checkpoint`` rows (see ``live_nb.widgets.table``), takes
one for apply and branch, and refuses it for remove and push. The sidebar's routes do the same.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from live_nb import Live
from live_nb.experiments.refs import ExpRef, checkpoint_row
from live_nb.git import Repository
from live_nb.server.panel import NotAnExperimentError, _experiment_ref
from live_nb.widgets.table import ExperimentsTable
from tests.conftest import git


def night(repo: Path) -> str:
    """Experiment ``night``: a checkpoint at each of steps 0, 1, 2, then its final save."""
    (repo / ".gitignore").write_text("dvclive/\n")
    git(repo, "add", ".gitignore")
    git(repo, "commit", "-qm", "ignore results")
    with Live(checkpoint=True, exp_name="night") as live:
        for step in range(3):
            live.log_metric("loss", 1 / (step + 1))
            live.next_step()
            assert live._checkpoints is not None
            live._checkpoints.wait()
    return git(repo, "rev-parse", "HEAD").strip()


def test_checkpoint_rows_follow_their_experiment(git_repo: Path) -> None:
    head = night(git_repo)
    table = ExperimentsTable()
    ref = f"refs/exps/{head[:2]}/{head[2:]}/night"
    kinds = [(row["kind"], row["values"][0]) for row in table.rows]
    at = kinds.index(("experiment", "night"))
    assert kinds[at + 1 :] == [("checkpoint", f"night@{s}") for s in (2, 1, 0)]
    links = table.rows[at + 1 :]
    assert all(row["parent"] == ref and row["id"] == f"{ref}@{row['commit']}" for row in links)
    step = table.df.columns.get_loc("step")
    assert [row["values"][step] for row in links] == [2, 1, 0]
    # what `df = %exp_show` and the saved copy hold: the experiments, no chain
    assert "checkpoint" not in set(table.dataframe["typ"])


def test_a_checkpoint_row_is_applied_and_branched_not_removed(git_repo: Path) -> None:
    night(git_repo)
    table = ExperimentsTable()
    link = next(row for row in table.rows if row["values"][0] == "night@1")
    reply = table.handle({"type": "apply", "request": 1, "id": link["id"]})
    assert reply["ok"], reply["message"]
    assert json.loads(Path("dvclive/metrics.json").read_text())["step"] == 1
    branched = table.handle(
        {"type": "branch", "request": 2, "id": link["id"], "branch_name": "from-1"}
    )
    assert branched["ok"], branched["message"]
    assert git(git_repo, "rev-parse", "from-1").strip() == link["commit"]
    refused = table.handle({"type": "remove", "request": 3, "ids": [link["id"]]})
    assert not refused["ok"] and "is a checkpoint" in refused["message"]
    assert any(row["values"][0] == "night" for row in table.rows)


def test_the_sidebar_takes_a_checkpoint_row_for_apply_only_when_in_the_chain(
    git_repo: Path,
) -> None:
    head = night(git_repo)
    table = ExperimentsTable()
    link = next(row for row in table.rows if row["values"][0] == "night@0")
    with Repository.discover(git_repo) as repo:
        assert _experiment_ref(repo, link["id"], "apply", checkpoint=True) == link["commit"]
        ref = link["id"].split("@")[0]
        assert checkpoint_row(repo, link["id"]) == (ExpRef.parse(ref), link["commit"])
        assert checkpoint_row(repo, f"{ref}@{head}") is None  # a commit, not in the chain
        assert checkpoint_row(repo, f"{ref}@{link['commit'][:7]}") is None  # the full sha only
        with pytest.raises(NotAnExperimentError):
            _experiment_ref(repo, link["id"], "remove")
