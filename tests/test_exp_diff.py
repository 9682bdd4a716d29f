"""``experiments.diff``: what changed in metrics, params and files between two revisions."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from live_nb.experiments import UnknownExperimentError, format_diff, to_csv, to_json
from live_nb.experiments.diff import (
    ExperimentDiff,
    MissingCommitError,
    NoCommitsToDiffError,
    diff,
)
from live_nb.experiments.save import save
from tests.conftest import git
from tests.test_exp_show import T0, commit_all, save_at, train


@pytest.fixture
def exps(git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A baseline with committed results, then two experiments; the workspace holds the last."""
    train(lr=0.1, depth=2, loss=0.9, acc=0.5)
    shas = {"main": commit_all(git_repo, "baseline run", monkeypatch, T0)}
    train(lr=0.3, depth=2, loss=0.4, acc=0.8)
    shas["fast-lr"] = save_at(monkeypatch, T0 + 10, name="fast-lr")
    train(lr=0.1, depth=8, loss=0.3, acc=0.85, name="resnet")
    shas["deep"] = save_at(monkeypatch, T0 + 20, name="deep")
    return shas


def rows(frame: Any) -> dict[tuple[str, str], dict[str, Any]]:
    return {(row["path"], row["key"]): row for row in frame.to_dict("records")}


METRICS = "dvclive/metrics.json"
PARAMS = "dvclive/params.yaml"


def test_no_argument_compares_head_with_the_workspace(exps: dict[str, str]) -> None:
    d = diff()

    assert (d.old, d.new) == ("HEAD", "workspace")
    assert d.old_rev == exps["main"] and d.new_rev is None
    metrics = rows(d.metrics)
    assert set(metrics) == {(METRICS, "acc"), (METRICS, "train.loss")}  # step is unchanged
    assert metrics[(METRICS, "acc")]["old"] == 0.5 and metrics[(METRICS, "acc")]["new"] == 0.85
    assert metrics[(METRICS, "train.loss")]["change"] == pytest.approx(-0.6)
    params = rows(d.params)
    assert set(params) == {(PARAMS, "model.depth"), (PARAMS, "model.name")}
    assert params[(PARAMS, "model.depth")]["change"] == 6
    assert params[(PARAMS, "model.name")]["change"] is None  # not numbers
    assert ("M", METRICS) in d.files and ("M", PARAMS) in d.files
    assert list(d.metrics.columns) == ["path", "key", "old", "new", "change"]


def test_one_experiment_is_compared_with_the_workspace_as_dvc(exps: dict[str, str]) -> None:
    d = diff("fast-lr")  # dvc exp diff A: A (old) against the workspace (new)

    assert (d.old, d.new) == ("fast-lr", "workspace")
    assert (d.old_rev, d.new_rev) == (exps["fast-lr"], None)
    assert rows(d.params)[(PARAMS, "lr")]["old"] == 0.3


def test_baseline_compares_one_experiment_with_its_baseline(exps: dict[str, str]) -> None:
    d = diff("fast-lr", baseline=True)

    assert (d.old, d.new) == ("main", "fast-lr")
    assert (d.old_rev, d.new_rev) == (exps["main"], exps["fast-lr"])
    params = rows(d.params)
    assert set(params) == {(PARAMS, "lr")}
    assert params[(PARAMS, "lr")]["old"] == 0.1 and params[(PARAMS, "lr")]["new"] == 0.3
    assert rows(d.metrics)[(METRICS, "acc")]["change"] == pytest.approx(0.3)
    assert {file for _, file in d.files} >= {METRICS, PARAMS}
    assert all(status == "M" for status, _ in d.files)


def test_two_experiments_old_then_new(exps: dict[str, str]) -> None:
    d = diff("fast-lr", "deep")

    params = rows(d.params)
    assert params[(PARAMS, "lr")]["change"] == pytest.approx(-0.2)
    depth = params[(PARAMS, "model.depth")]
    assert (depth["old"], depth["new"], depth["change"]) == (2, 8, 6)
    assert type(depth["old"]) is int  # read as written, not widened to float

    everything = diff("fast-lr", "deep", with_unchanged=True)
    step = rows(everything.metrics)[(METRICS, "step")]
    assert (step["old"], step["new"], step["change"]) == (0, 0, 0)
    assert len(everything.params) == 3


def test_git_revisions_and_the_workspace_can_be_named(exps: dict[str, str], git_repo: Path) -> None:
    by_sha = diff(exps["fast-lr"][:8], "deep")
    assert by_sha.old == "fast-lr"  # an experiment found by its sha prefix

    head_vs_exp = diff("HEAD", "deep")
    assert (head_vs_exp.old_rev, head_vs_exp.new_rev) == (exps["main"], exps["deep"])

    branch = diff("main")  # not an experiment: it against the workspace, as DVC does
    assert (branch.old, branch.new) == ("main", "workspace")
    assert rows(branch.params)[(PARAMS, "model.depth")]["new"] == 8

    git(git_repo, "tag", "v1")
    reverse = diff("workspace", "v1")
    assert rows(reverse.params)[(PARAMS, "model.depth")]["old"] == 8


def test_an_unknown_name_lists_the_closest_experiments(exps: dict[str, str]) -> None:
    with pytest.raises(UnknownExperimentError) as caught:
        diff("deap")
    assert caught.value.suggestions == ["deep"]
    assert "'deep'" in str(caught.value)
    assert isinstance(caught.value, LookupError)

    with pytest.raises(UnknownExperimentError):
        diff("fast-lr", "no-such-thing")
    with pytest.raises(UnknownExperimentError):
        diff("--output=x")  # never handed to Git as an option


def test_without_commits_there_is_nothing_to_compare(tmp_dir: Path) -> None:
    git(tmp_dir, "init", "-q")
    with pytest.raises(NoCommitsToDiffError, match="first commit"):
        diff()


def test_an_experiment_whose_baseline_is_not_here_says_to_fetch_it(git_repo: Path) -> None:
    absent = "ab" * 20
    exp = save(name="orphan").commit
    git(git_repo, "update-ref", f"refs/exps/ab/{absent[2:]}/pulled", exp)

    with pytest.raises(MissingCommitError, match="git fetch"):
        diff("pulled", baseline=True)
    assert diff("orphan", baseline=True).new == "orphan"  # its own baseline is here: fine


def test_files_compare_untracked_workspace_files_by_content(git_repo: Path) -> None:
    Path("tracked.txt").write_text("v1\n")
    git(git_repo, "add", "tracked.txt")
    git(git_repo, "commit", "-qm", "tracked")
    train(lr=0.1, depth=2, loss=0.9, acc=0.5)  # dvclive/ and dvc.yaml: untracked
    exp = save(name="snapshot")

    assert diff("snapshot", "workspace").files == []  # identical, though Git tracks none of it

    Path("dvclive/metrics.json").write_text('{"acc": 0.7}')
    Path("new.txt").write_text("new\n")
    Path("tracked.txt").unlink()
    d = diff("snapshot", "workspace")
    assert d.files == [("M", METRICS), ("A", "new.txt"), ("D", "tracked.txt")]
    assert rows(d.metrics)[(METRICS, "acc")]["new"] == 0.7

    back = diff("workspace", exp.name)
    assert back.files == [("M", METRICS), ("D", "new.txt"), ("A", "tracked.txt")]

    from_baseline = diff("snapshot", baseline=True)
    assert ("A", "dvc.yaml") in from_baseline.files and ("A", METRICS) in from_baseline.files


def test_a_file_on_one_side_only_and_values_that_are_not_numbers(
    git_repo: Path,
) -> None:
    Path("dvc.yaml").write_text("params:\n- p.yaml\nmetrics:\n- m.json\n")
    Path("p.yaml").write_text("flag: true\nname: a\nlayers: [1, 2]\n")
    save(name="first")
    Path("p.yaml").write_text("flag: false\nname: b\nlayers: [1, 2, 3]\n")
    Path("m.json").write_text('{"score": 3}')
    save(name="second")

    d = diff("first", "second")
    params = rows(d.params)
    assert params[("p.yaml", "flag")]["change"] == -1  # True to False, as DVC computes it
    assert params[("p.yaml", "layers")]["new"] == [1, 2, 3]
    score = rows(d.metrics)[("m.json", "score")]
    assert (score["old"], score["new"], score["change"]) == (None, 3, None)


def test_text_json_and_csv_renderings(exps: dict[str, str]) -> None:
    d = diff("fast-lr", "deep")

    text = d.to_text()
    assert text == format_diff(d)
    lines = text.splitlines()
    assert lines[1].split() == ["Path", "Metric", "fast-lr", "deep", "Change"]
    assert any(line.split() == [METRICS, "acc", "0.8", "0.85", "0.05"] for line in lines)
    assert any(line.split() == [PARAMS, "model.depth", "2", "8", "6"] for line in lines)
    assert "Files changed from fast-lr to deep:" in text

    payload = json.loads(to_json(d))
    assert payload["params"][PARAMS]["model.depth"] == {"old": 2, "new": 8, "diff": 6}
    assert payload["params"][PARAMS]["model.name"] == {"old": "cnn", "new": "resnet"}
    assert {"status": "M", "path": METRICS} in payload["files"]
    assert json.loads(d.to_json()) == payload

    table = list(csv.DictReader(io.StringIO(to_csv(d))))
    assert {"type": "params", "path": PARAMS, "key": "model.depth"}.items() <= next(
        row for row in table if row["key"] == "model.depth"
    ).items()
    assert any(row["type"] == "file" and row["path"] == METRICS for row in table)

    same = diff("deep", "deep")
    assert same.to_text() == "No changes between deep and deep.\n"
    assert isinstance(same, ExperimentDiff) and same.metrics.empty and same.files == []


@pytest.mark.oracle
def test_dvc_exp_diff_agrees(git_repo: Path, dvc: str, monkeypatch: pytest.MonkeyPatch) -> None:
    subprocess.run([dvc, "init", "-q"], check=True)
    train(lr=0.1, depth=2, loss=0.9, acc=0.5)
    commit_all(git_repo, "baseline", monkeypatch, T0)
    train(lr=0.3, depth=2, loss=0.4, acc=0.8)
    save_at(monkeypatch, T0 + 10, name="fast-lr")
    train(lr=0.1, depth=8, loss=0.3, acc=0.85, name="resnet")
    save_at(monkeypatch, T0 + 20, name="deep")

    for args in (["fast-lr", "deep"], []):
        theirs = json.loads(
            subprocess.run(
                [dvc, "exp", "diff", *args, "--json"], check=True, capture_output=True, text=True
            ).stdout
        )
        ours = json.loads(to_json(diff(args[0], args[1]) if args else diff()))
        for kind in ("metrics", "params"):
            assert _approx(ours[kind]) == _approx(theirs.get(kind, {})), (args, kind)


def _approx(tree: Any) -> Any:
    if isinstance(tree, dict):
        return {key: _approx(value) for key, value in tree.items()}
    if isinstance(tree, float):
        return round(tree, 9)
    return tree


@pytest.mark.oracle
def test_a_boolean_change_has_dvcs_difference(
    git_repo: Path, dvc: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    subprocess.run([dvc, "init", "-q"], check=True)
    Path("params.yaml").write_text("flag: true\nwhich: [0.5]\nsame: 1\n")
    commit_all(git_repo, "baseline", monkeypatch, T0)
    Path("params.yaml").write_text("flag: false\nwhich: [0.75]\nsame: 1\n")
    save_at(monkeypatch, T0 + 10, name="flipped")

    theirs = json.loads(
        subprocess.run(
            [dvc, "exp", "diff", "main", "flipped", "--json"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    ours = json.loads(to_json(diff("main", "flipped")))
    assert ours["params"]["params.yaml"]["flag"] == theirs["params"]["params.yaml"]["flag"]
    assert ours["params"]["params.yaml"]["flag"]["diff"] == -1
    assert "diff" not in ours["params"]["params.yaml"]["which"]  # DVC: no difference of lists
    assert ours["params"]["params.yaml"]["which"] == theirs["params"]["params.yaml"]["which"]
