"""``experiments.show``: the table ``dvc exp show`` prints, from real Git repositories."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from live_nb import Live
from live_nb.error import LiveNbWarning
from live_nb.experiments import format_table, to_csv, to_json
from live_nb.experiments.cache import CommitCache
from live_nb.experiments.read import ExperimentReader
from live_nb.experiments.save import save
from live_nb.experiments.show import InvalidShowArgumentError, UnknownColumnError, show
from live_nb.git import Repository
from tests.conftest import git

T0 = 1_700_000_000
META = ["Experiment", "rev", "typ", "Created", "Message", "parent"]


def train(lr: float, depth: int, loss: float, acc: float, name: str = "cnn") -> None:
    """One DVCLive-style run: params, two metrics, one step; nothing saved."""
    with Live(save_dvc_exp=False) as live:
        live.log_params({"lr": lr, "model": {"depth": depth, "name": name}})
        live.log_metric("train/loss", loss)
        live.log_metric("acc", acc)
        live.next_step()


def save_at(monkeypatch: pytest.MonkeyPatch, when: int, **kwargs: Any) -> str:
    monkeypatch.setenv("GIT_COMMITTER_DATE", f"{when} +0000")
    return save(**kwargs).commit


def commit_all(repo: Path, message: str, monkeypatch: pytest.MonkeyPatch, when: int) -> str:
    monkeypatch.setenv("GIT_COMMITTER_DATE", f"{when} +0000")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", message)
    return git(repo, "rev-parse", "HEAD").strip()


@pytest.fixture
def exps(git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A baseline holding a first run's results, then three experiments saved one by one."""
    train(lr=0.1, depth=2, loss=0.9, acc=0.5)
    shas = {"main": commit_all(git_repo, "baseline run", monkeypatch, T0)}
    train(lr=0.3, depth=2, loss=0.4, acc=0.8)
    shas["fast-lr"] = save_at(monkeypatch, T0 + 10, name="fast-lr")
    train(lr=0.1, depth=8, loss=0.3, acc=0.85)
    shas["deep"] = save_at(monkeypatch, T0 + 20, name="deep", message="deeper\n\nmore layers")
    train(lr=0.01, depth=1, loss=0.95, acc=0.45)
    shas["tiny"] = save_at(monkeypatch, T0 + 30, name="tiny")
    return shas


def by_name(df: Any) -> dict[str, dict[str, Any]]:
    return {row["Experiment"]: row for row in df.to_dict("records")}


def test_rows_are_the_workspace_the_baseline_then_its_experiments_newest_first(
    exps: dict[str, str],
) -> None:
    df = show()

    head = exps["main"][:7]
    assert list(df["Experiment"]) == ["workspace", "main", "tiny", "deep", "fast-lr"]
    assert list(df["typ"]) == [
        "workspace",
        "baseline",
        "branch_commit",
        "branch_commit",
        "branch_base",
    ]
    assert list(df["rev"]) == ["workspace", head] + [
        exps[n][:7] for n in ("tiny", "deep", "fast-lr")
    ]
    assert list(df["parent"][2:]) == [head] * 3
    assert df["parent"][0] == head  # the workspace builds on HEAD
    assert _missing(df["parent"][1])
    assert df["Message"][1] == "baseline run" and df["Message"][3] == "deeper"
    created = [datetime.fromisoformat(value).timestamp() for value in df["Created"][1:]]
    assert created == [T0, T0 + 30, T0 + 20, T0 + 10]
    assert _missing(df["Created"][0])


def test_columns_are_metrics_then_params_named_as_dvc_names_them(exps: dict[str, str]) -> None:
    df = show()

    assert list(df.columns) == [
        *META,
        "train.loss",
        "acc",
        "step",
        "lr",
        "model.depth",
        "model.name",
    ]
    assert df.attrs["metrics"] == ["train.loss", "acc", "step"]
    assert df.attrs["params"] == ["lr", "model.depth", "model.name"]
    rows = by_name(df)
    assert rows["deep"]["model.depth"] == 8 and rows["deep"]["lr"] == 0.1
    assert rows["fast-lr"]["train.loss"] == 0.4 and rows["fast-lr"]["acc"] == 0.8
    assert rows["main"]["train.loss"] == 0.9  # the baseline's committed results
    assert rows["workspace"]["acc"] == 0.45  # the files on disk: the last run
    assert rows["tiny"]["model.name"] == "cnn"


def test_the_workspace_row_reads_the_files_on_disk(exps: dict[str, str]) -> None:
    metrics = Path("dvclive/metrics.json")
    metrics.write_text(json.dumps({"train": {"loss": 0.01}, "acc": 0.99, "step": 41}))

    rows = by_name(show())
    assert rows["workspace"]["train.loss"] == 0.01 and rows["workspace"]["step"] == 41
    assert rows["tiny"]["train.loss"] == 0.95  # experiments keep their committed values


def test_a_key_in_two_files_or_named_like_a_fixed_column_gets_its_file_prefix(
    git_repo: Path,
) -> None:
    Path("dvc.yaml").write_text(
        "metrics:\n- dvclive/metrics.json\n- eval/scores.json\nparams:\n- dvclive/params.yaml\n"
    )
    Path("dvclive").mkdir()
    Path("eval").mkdir()
    Path("dvclive/metrics.json").write_text('{"acc": 0.5, "loss": 0.1}')
    Path("eval/scores.json").write_text('{"acc": 0.4, "rev": 3, "Message": "hi"}')
    Path("dvclive/params.yaml").write_text("lr: 0.2\nopt:\n  name: adam\n  betas: [0.9, 0.99]\n")
    Path("params.yaml").write_text("lr: 1\nseed: 7\n")  # DVC's default params file
    save(name="named")

    df = show()
    assert list(df.columns)[len(META) :] == [
        "dvclive/metrics.json:acc",
        "loss",
        "eval/scores.json:acc",
        "eval/scores.json:rev",
        "eval/scores.json:Message",
        "dvclive/params.yaml:lr",
        "opt.name",
        "opt.betas",
        "params.yaml:lr",
        "seed",
    ]
    row = by_name(df)["named"]
    assert row["eval/scores.json:rev"] == 3 and row["params.yaml:lr"] == 1
    assert row["opt.betas"] == [0.9, 0.99]
    assert df.attrs["sources"]["opt.name"] == ["params", "dvclive/params.yaml", "opt.name"]


def test_stage_params_keep_only_their_keys_and_dvc_yaml_in_folders_count(
    git_repo: Path,
) -> None:
    Path("sub").mkdir()
    Path("dvc.yaml").write_text(
        "stages:\n  train:\n    cmd: python train.py\n    wdir: sub\n"
        "    params:\n    - lr\n    - ../config.yaml:\n      - opt.name\n"
        "    metrics:\n    - scores.json:\n        cache: false\n"
    )
    Path("sub/params.yaml").write_text("lr: 0.3\nunused: 1\n")
    Path("config.yaml").write_text("opt:\n  name: sgd\n  momentum: 0.9\nother: 2\n")
    Path("sub/scores.json").write_text('{"f1": 0.7}')
    Path("sub/dvc.yaml").write_text("metrics:\n- eval\n")
    Path("sub/eval").mkdir()
    Path("sub/eval/a.json").write_text('{"e1": 1}')
    Path("sub/eval/b.yaml").write_text("e2: 2\n")
    save(name="staged")

    df = show()
    assert list(df.columns)[len(META) :] == ["f1", "e1", "e2", "lr", "opt.name"]
    assert df.attrs["sources"]["e2"] == ["metrics", "sub/eval/b.yaml", "e2"]
    assert by_name(df)["staged"]["opt.name"] == "sgd"


def test_a_listed_file_that_is_missing_or_broken_is_an_error_as_dvc_says_it(
    git_repo: Path,
) -> None:
    Path("dvc.yaml").write_text("metrics:\n- gone.json\n- broken.json\n- ok.json\n")
    Path("broken.json").write_text("{not json")
    Path("ok.json").write_text('{"fine": 1}')
    commit = save(name="partly").commit

    df = show()
    assert by_name(df)["partly"]["fine"] == 1
    assert list(df.columns)[len(META) :] == ["fine"]
    with Repository.discover(".") as repo:
        data = ExperimentReader(repo).read_commits([commit])[commit]
    assert set(data.errors) == {"gone.json", "broken.json"}
    assert data.errors["broken.json"].startswith("JSONFileCorruptedError\t")
    assert data.errors["gone.json"].startswith("FileNotFoundError\t")
    assert data.metrics == {"gone.json": None, "broken.json": None, "ok.json": {"fine": 1}}


def test_a_stage_metric_cached_by_dvc_is_read_from_the_dvc_cache(git_repo: Path) -> None:
    content = b'{"auc": 0.8}'
    md5 = hashlib.md5(content).hexdigest()
    cached = git_repo / ".dvc" / "cache" / "files" / "md5" / md5[:2] / md5[2:]
    cached.parent.mkdir(parents=True)
    cached.write_bytes(content)
    Path("cached.json").write_bytes(content)
    Path(".gitignore").write_text("/cached.json\n")  # as DVC does for its outputs
    Path("dvc.yaml").write_text(
        "stages:\n  train:\n    cmd: python train.py\n    metrics:\n    - cached.json\n"
    )
    Path("dvc.lock").write_text(
        "schema: '2.0'\nstages:\n  train:\n    cmd: python train.py\n    outs:\n"
        f"    - path: cached.json\n      hash: md5\n      md5: {md5}\n      size: 12\n"
    )
    commit = save(name="cached").commit
    assert "cached.json" not in git(git_repo, "ls-tree", "-r", "--name-only", commit)

    assert by_name(show())["cached"]["auc"] == 0.8

    # Not pulled: the cell is DVC's "!" (a missing file), and nothing stale is cached.
    cached.unlink()
    CommitCache(git_repo / ".git").clear()
    with Repository.discover(".") as repo:
        data = ExperimentReader(repo).read_commits([commit])[commit]
    assert data.errors["cached.json"].startswith("FileNotFoundError\t")
    df = show()
    assert by_name(df)["cached"]["auc"] == "!" and by_name(df)["workspace"]["auc"] == 0.8
    assert show().attrs["read_stats"]["commits_read"] == 1  # read again: it may be pulled
    cached.write_bytes(content)
    assert by_name(show())["cached"]["auc"] == 0.8


def test_sort_by_orders_each_baselines_experiments_missing_values_last(
    exps: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    Path("dvclive/metrics.json").write_text('{"acc": 0.1}')  # this one has no train.loss
    save_at(monkeypatch, T0 + 40, name="no-loss")

    ascending = show(sort_by="train.loss")
    assert list(ascending["Experiment"]) == [
        "workspace",
        "main",
        "deep",
        "fast-lr",
        "tiny",
        "no-loss",
    ]
    assert list(ascending["typ"])[-1] == "branch_base"
    descending = show(sort_by="train.loss", sort_order="desc")
    assert list(descending["Experiment"])[2:] == ["tiny", "fast-lr", "deep", "no-loss"]
    by_path = show(sort_by="dvclive/params.yaml:model.depth", sort_order="desc")
    assert list(by_path["Experiment"])[2] == "deep"


def test_an_unknown_sort_column_lists_the_available_ones(exps: dict[str, str]) -> None:
    with pytest.raises(UnknownColumnError) as caught:
        show(sort_by="accuracy")
    message = str(caught.value)
    assert "'accuracy'" in message and "'train.loss'" in message and "'model.depth'" in message
    assert isinstance(caught.value, ValueError)

    with pytest.raises(InvalidShowArgumentError, match="sort_order"):
        show(sort_by="acc", sort_order="up")
    with pytest.raises(InvalidShowArgumentError, match="num"):
        show(num=0)


def test_a_key_shared_by_two_files_sorts_only_by_its_full_name(git_repo: Path) -> None:
    Path("dvc.yaml").write_text("params:\n- a.yaml\n- b.yaml\n")
    Path("a.yaml").write_text("lr: 1\n")
    Path("b.yaml").write_text("lr: 2\n")
    save(name="two")

    with pytest.raises(UnknownColumnError, match=r"a\.yaml:lr"):
        show(sort_by="lr")
    assert list(show(sort_by="b.yaml:lr")["Experiment"]) == ["workspace", "main", "two"]


def test_only_changed_drops_columns_equal_in_every_row(exps: dict[str, str]) -> None:
    df = show(only_changed=True)

    assert "model.name" not in df.columns and "step" not in df.columns
    assert {"train.loss", "acc", "lr", "model.depth"} <= set(df.columns)
    assert df.attrs["params"] == ["lr", "model.depth"]
    assert list(df.columns)[: len(META)] == META


def test_num_shows_the_last_commits_of_heads_history(
    exps: dict[str, str], git_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Path("notes.txt").write_text("second baseline\n")
    second = commit_all(git_repo, "second", monkeypatch, T0 + 100)
    train(lr=0.5, depth=3, loss=0.2, acc=0.9)
    save_at(monkeypatch, T0 + 110, name="on-second")

    assert list(show()["Experiment"]) == ["workspace", "main", "on-second"]
    two = show(num=2)
    assert list(two["Experiment"]) == [
        "workspace",
        "main",
        "on-second",
        exps["main"][:7],
        "tiny",
        "deep",
        "fast-lr",
    ]
    assert two["rev"][1] == second[:7]
    assert list(show(num=-1)["Experiment"]) == list(show(num=10)["Experiment"])


def test_all_baselines_after_switching_branches(
    exps: dict[str, str], git_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    git(git_repo, "switch", "-q", "-c", "feature")
    Path("feature.txt").write_text("feature\n")
    feature = commit_all(git_repo, "feature work", monkeypatch, T0 + 200)
    train(lr=0.2, depth=4, loss=0.5, acc=0.7)
    save_at(monkeypatch, T0 + 210, name="on-feature")
    git(git_repo, "switch", "-q", "-c", "empty-branch")  # a branch tip at the same commit
    git(git_repo, "switch", "-q", "feature")

    assert list(show()["Experiment"]) == ["workspace", "feature", "on-feature"]
    everything = show(all_baselines=True)
    assert list(everything["Experiment"]) == [
        "workspace",
        "feature",
        "on-feature",
        "main",
        "tiny",
        "deep",
        "fast-lr",
        _root_commit(git_repo)[:7],  # -A is every commit, with or without experiments (DVC's)
    ]
    assert everything["rev"][1] == feature[:7]


def _root_commit(repo: Path) -> str:
    return git(repo, "rev-list", "--max-parents=0", "HEAD").split()[0]


def test_all_baselines_includes_an_old_commit_that_has_experiments(
    exps: dict[str, str], git_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Path("notes.txt").write_text("more\n")
    commit_all(git_repo, "moved on", monkeypatch, T0 + 300)  # main moves past the baseline

    assert list(show()["Experiment"]) == ["workspace", "main"]
    rows = list(show(all_baselines=True)["Experiment"])
    root = _root_commit(git_repo)[:7]
    assert rows == ["workspace", "main", exps["main"][:7], "tiny", "deep", "fast-lr", root]


def test_a_tag_names_a_baseline_that_is_not_head(
    exps: dict[str, str], git_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    git(git_repo, "tag", "-a", "v1", "-m", "first release")
    commit_all(git_repo, "after the tag", monkeypatch, T0 + 300)

    assert list(show(num=2)["Experiment"])[:4] == ["workspace", "main", "v1", "tiny"]


def test_the_second_show_reads_no_git_object(exps: dict[str, str], git_repo: Path) -> None:
    first = show()
    assert first.attrs["read_stats"]["objects_read"] > 0

    second = show()
    assert second.attrs["read_stats"]["objects_read"] == 0
    assert second.attrs["read_stats"]["cache_hits"] == 4
    assert _same(first, second)

    # Honest check: remove the experiments' metrics blobs from Git; the cache still answers.
    for name in ("tiny", "deep", "fast-lr"):
        blob = git(git_repo, "rev-parse", f"{exps[name]}:dvclive/metrics.json").strip()
        (git_repo / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    assert _same(show(), first)
    forced = by_name(show(force=True))
    assert forced["tiny"]["train.loss"] == "!" and forced["tiny"]["lr"] == 0.01  # unreadable


def test_a_corrupt_cache_file_is_ignored_and_rebuilt(exps: dict[str, str], git_repo: Path) -> None:
    expected = show()
    cache = CommitCache(git_repo / ".git")
    assert cache.path.is_file()

    for garbage in (b"{not json", b'{"format": 1, "reader": 999, "commits": {}}', b"[]", b""):
        cache.path.write_bytes(garbage)
        again = show()
        assert again.attrs["read_stats"]["cache_hits"] == 0
        assert _same(again, expected)
        assert show().attrs["read_stats"]["cache_hits"] == 4  # rewritten

    # One malformed entry: only that commit is read again.
    content = json.loads(cache.path.read_bytes())
    content["commits"][exps["deep"]]["metrics"] = "oops"
    cache.path.write_text(json.dumps(content))
    partly = show()
    assert partly.attrs["read_stats"]["cache_hits"] == 3
    assert partly.attrs["read_stats"]["commits_read"] == 1
    assert _same(partly, expected)


def test_dvc_internal_refs_are_skipped_and_malformed_ones_warned_about(
    exps: dict[str, str], git_repo: Path
) -> None:
    tip = exps["tiny"]
    for ref in ("refs/exps/exec/EXEC_HEAD", "refs/exps/stash", "refs/exps/celery/abc"):
        git(git_repo, "update-ref", ref, tip)
    assert list(show()["Experiment"]) == ["workspace", "main", "tiny", "deep", "fast-lr"]

    git(git_repo, "update-ref", "refs/exps/zz/not-a-sha/odd", tip)
    git(git_repo, "update-ref", f"refs/exps/{exps['main'][:2]}/{exps['main'][2:10]}/short", tip)
    with pytest.warns(LiveNbWarning, match="2 ref"):
        df = show()
    assert list(df["Experiment"]) == ["workspace", "main", "tiny", "deep", "fast-lr"]


def test_a_repository_without_commits_shows_the_workspace(tmp_dir: Path) -> None:
    git(tmp_dir, "init", "-q")
    train(lr=0.1, depth=2, loss=0.5, acc=0.5)

    df = show()
    assert list(df["Experiment"]) == ["workspace"]
    assert df["train.loss"][0] == 0.5 and _missing(df["parent"][0])


def test_format_table_draws_the_tree_and_aligns_columns(exps: dict[str, str]) -> None:
    text = format_table(show())
    lines = text.splitlines()

    assert lines[0].startswith("─") and lines[2].startswith("─") and lines[-1].startswith("─")
    header = lines[1]
    assert header.split() == [
        "Experiment",
        "Created",
        "train.loss",
        "acc",
        "step",
        "lr",
        "model.depth",
        "model.name",
    ]
    body = lines[3:-1]
    assert body[0].startswith("workspace") and body[1].startswith("main")
    assert body[2].startswith(f"├── {exps['tiny'][:7]} [tiny]")
    assert body[4].startswith(f"└── {exps['fast-lr'][:7]} [fast-lr]")
    # Metrics are right-aligned under their header; params left-aligned.
    loss_end = header.index("train.loss") + len("train.loss")
    assert all(line[loss_end - 1] != " " for line in body)
    depth_start = header.index("model.depth")
    assert [line[depth_start] for line in body] == ["1", "2", "1", "8", "2"]
    # Created, as DVC prints a date that is not today
    assert datetime.fromtimestamp(T0).strftime("%b %d, %Y") in body[1]


def test_format_table_shows_text_as_text(git_repo: Path) -> None:
    Path("dvc.yaml").write_text("params:\n- p.yaml\n")
    Path("p.yaml").write_text('"odd\\nkey": "a\\tb"\nnum: 0.123456789\n')
    save(name="odd", message="line one\nline two")

    text = format_table(show())
    assert "odd\\nkey" in text and "a\\tb" in text and "0.12346" in text
    assert len(text.splitlines()) == 7


def test_csv_and_json_hold_every_column_and_exact_values(exps: dict[str, str]) -> None:
    df = show()

    rows = list(csv.DictReader(io.StringIO(to_csv(df))))
    assert list(rows[0]) == list(df.columns)
    assert rows[0]["Experiment"] == "workspace" and rows[0]["Created"] == ""
    deep = next(row for row in rows if row["Experiment"] == "deep")
    assert deep["model.depth"] == "8" and deep["lr"] == "0.1" and deep["Message"] == "deeper"
    assert deep["typ"] == "branch_commit"

    records = json.loads(to_json(df))
    assert [record["Experiment"] for record in records] == list(df["Experiment"])
    assert records[0]["Created"] is None and records[1]["parent"] is None
    assert records[3]["model.depth"] == 8 and isinstance(records[3]["model.depth"], int)


# ---------------------------------------------------------------------------------------------
# DVC as the oracle


@pytest.mark.oracle
def test_dvc_exp_show_lists_every_saved_experiment_with_our_values(
    git_repo: Path, dvc: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    subprocess.run([dvc, "init", "-q"], check=True)
    train(lr=0.1, depth=2, loss=0.9, acc=0.5)
    commit_all(git_repo, "dvc init and a first run", monkeypatch, T0)
    for index, (lr, depth) in enumerate([(0.3, 2), (0.1, 8), (0.01, 1)]):
        train(lr=lr, depth=depth, loss=1 / (index + 2), acc=index / 4)
        save_at(monkeypatch, T0 + 10 * (index + 1), name=f"run-{index}")
    # Clashes: lr in two params files, acc in two metrics files, a metric named "rev".
    Path("params.yaml").write_text("seed: 1\nlr: 5\n")
    Path("dvc.yaml").write_text(
        "params:\n- dvclive/params.yaml\nmetrics:\n- dvclive/metrics.json\n- extra.json\n"
    )
    Path("extra.json").write_text('{"acc": 1, "rev": 2}')
    save_at(monkeypatch, T0 + 40, name="run-clash")

    ours = show()
    shown = json.loads(_dvc(dvc, "exp", "show", "--json"))
    theirs = {
        exp["name"]: exp["revs"][0]["data"] for row in shown for exp in row["experiments"] or []
    }
    assert sorted(theirs) == ["run-0", "run-1", "run-2", "run-clash"]
    rows = by_name(ours)
    for name, data in theirs.items():
        expected = {
            (kind, path, key): value
            for kind in ("metrics", "params")
            for path, result in data[kind].items()
            for key, value in _flat(result.get("data", {})).items()
        }
        found = {
            tuple(source): rows[name][column]
            for column, source in ours.attrs["sources"].items()
            if not _missing(rows[name][column])
        }
        assert found == expected, name

    # Same column names, same order, same cells as `dvc exp show --csv`.
    dvc_csv = list(csv.reader(io.StringIO(_dvc(dvc, "exp", "show", "--csv"))))
    assert dvc_csv[0] == [column for column in ours.columns if column != "Message"]
    our_csv = {row["Experiment"]: row for row in csv.DictReader(io.StringIO(to_csv(ours)))}
    data_columns = ours.attrs["metrics"] + ours.attrs["params"]
    for line in dvc_csv[1:]:
        theirs_row = dict(zip(dvc_csv[0], line))
        if theirs_row["typ"].startswith("branch"):
            mine = our_csv[theirs_row["Experiment"]]
            assert [mine[c] for c in data_columns] == [theirs_row[c] for c in data_columns]


@pytest.mark.oracle
def test_all_commits_lists_the_commits_dvc_lists_in_its_order(
    git_repo: Path, dvc: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    subprocess.run([dvc, "init", "-q"], check=True)
    train(lr=0.1, depth=2, loss=0.9, acc=0.5)
    commit_all(git_repo, "dvc init and a first run", monkeypatch, T0)
    save_at(monkeypatch, T0 + 10, name="on-first")
    Path("notes.txt").write_text("no experiment here\n")
    commit_all(git_repo, "a commit without experiments", monkeypatch, T0 + 20)
    git(git_repo, "switch", "-q", "-c", "side")
    Path("side.txt").write_text("side\n")
    commit_all(git_repo, "on a side branch", monkeypatch, T0 + 30)
    git(git_repo, "switch", "-q", "-")

    ours = show(all_baselines=True)
    baselines = [rev for rev, typ in zip(ours["rev"], ours["typ"]) if typ == "baseline"]
    theirs = json.loads(_dvc(dvc, "exp", "show", "-A", "--json"))
    assert baselines == [row["rev"][:7] for row in theirs if row["rev"] != "workspace"]
    assert set(ours["Experiment"]) >= {"on-first"}


@pytest.mark.oracle
def test_an_experiment_made_by_dvclive_and_dvc_exp_save_shows_with_its_values(
    git_repo: Path, dvc: str
) -> None:
    pytest.importorskip("dvclive")
    subprocess.run([dvc, "init", "-q"], check=True)
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-qm", "dvc init")
    script = (
        "from dvclive import Live\n"
        "with Live(save_dvc_exp=False) as live:\n"
        "    live.log_params({'lr': 0.05, 'model': {'depth': 7}})\n"
        "    live.log_metric('train/loss', 0.25)\n"
        "    live.next_step()\n"
        "    live.log_metric('train/loss', 0.125)\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, capture_output=True)
    _dvc(dvc, "exp", "save", "--include-untracked", "dvclive", "--include-untracked", "dvc.yaml")
    _dvc(
        dvc,
        *("exp", "save", "--include-untracked", "dvclive", "--include-untracked", "dvc.yaml"),
        *("-n", "made-by-dvc"),
    )

    df = show()
    rows = by_name(df)
    assert "made-by-dvc" in rows and len(df) == 4  # workspace, main, and both dvc experiments
    row = rows["made-by-dvc"]
    assert row["train.loss"] == 0.125 and row["lr"] == 0.05 and row["model.depth"] == 7
    shown = json.loads(_dvc(dvc, "exp", "show", "--json"))
    (data,) = [
        exp["revs"][0]["data"]
        for baseline in shown
        for exp in baseline["experiments"] or []
        if exp["name"] == "made-by-dvc"
    ]
    assert row["step"] == data["metrics"]["dvclive/metrics.json"]["data"]["step"]
    assert row["typ"].startswith("branch_")


@pytest.mark.oracle
def test_pipeline_metrics_and_params_match_dvc_including_the_dvc_cache(
    git_repo: Path, dvc: str
) -> None:
    subprocess.run([dvc, "init", "-q"], check=True)
    Path("sub").mkdir()
    Path("eval").mkdir()
    Path("dvc.yaml").write_text(
        "stages:\n  train:\n    cmd: python train.py\n"
        "    params:\n    - lr\n    - model.depth\n    - config.yaml:\n      - opt.name\n"
        "    metrics:\n    - scores.json:\n        cache: false\n    - cached.json\n"
        "metrics:\n- eval\n"
    )
    Path("params.yaml").write_text("lr: 0.1\nmodel:\n  depth: 3\n  width: 9\nunused: 1\n")
    Path("config.yaml").write_text("opt:\n  name: adam\n  beta: 0.9\nother: 2\n")
    Path("scores.json").write_text('{"f1": 0.7}')
    Path("cached.json").write_text('{"auc": 0.8, "nested": {"x": [1, 2], "y": "s"}}')
    Path("eval/a.json").write_text('{"e": 1}')
    Path("eval/b.yaml").write_text("e: 2\nz: true\n")
    Path("sub/dvc.yaml").write_text("metrics:\n- m.json\nparams:\n- p.yaml\n")
    Path("sub/m.json").write_text('{"sub_m": 5}')
    Path("sub/p.yaml").write_text("k: v\n")
    _dvc(dvc, "commit", "-f", "-q")  # caches cached.json, writes dvc.lock, gitignores it
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-qm", "pipeline")
    Path("cached.json").write_text('{"auc": 0.9, "nested": {"y": "t"}}')
    _dvc(dvc, "commit", "-f", "-q")
    save(name="rich")

    ours = show()
    dvc_csv = list(csv.reader(io.StringIO(_dvc(dvc, "exp", "show", "--csv"))))
    assert dvc_csv[0] == [column for column in ours.columns if column != "Message"]
    assert "auc" in dvc_csv[0]
    ours_csv = list(csv.reader(io.StringIO(to_csv(ours))))
    data = slice(len(META), None)
    assert [line[len(META) - 1 :] for line in dvc_csv[1:]] == [line[data] for line in ours_csv[1:]]
    assert by_name(ours)["rich"]["auc"] == 0.9 and by_name(ours)["main"]["auc"] == 0.8


# ---------------------------------------------------------------------------------------------


def _dvc(dvc: str, *args: str) -> str:
    result = subprocess.run([dvc, *args], check=True, capture_output=True, text=True)
    return result.stdout


def _flat(data: Any, prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            flat.update(_flat(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _same(a: Any, b: Any) -> bool:
    return bool(a.equals(b)) and list(a.columns) == list(b.columns)


def test_an_int_column_with_gaps_stays_int_in_the_dataframe(
    git_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    train(lr=0.1, depth=2, loss=0.9, acc=0.5)
    commit_all(git_repo, "first run", monkeypatch, T0)
    with Live(save_dvc_exp=False, resume=True) as live:
        live.log_param("batch", 32)  # only in the experiment: the baseline's cell is empty
    save_at(monkeypatch, T0 + 10, name="batched")

    frame = show()
    assert str(frame["batch"].dtype) == "Int64"
    assert by_name(frame)["batched"]["batch"] == 32
    assert frame["batch"].isna().sum() >= 1
    assert json.loads(to_json(frame))[-1]["batch"] == 32


def test_the_workspace_row_follows_every_change_though_its_files_are_memoised(
    exps: dict[str, str],
) -> None:
    import os

    params = Path("dvclive/params.yaml")
    old = os.stat(params).st_mtime_ns - 10_000_000_000
    os.utime(params, ns=(old, old))  # old enough to be memoised
    assert show().loc[0, "lr"] == 0.01
    assert show().loc[0, "lr"] == 0.01  # from the memo
    text = params.read_text()
    params.write_text(text.replace("lr: 0.01", "lr: 0.02"))  # same size, new content
    os.utime(params, ns=(old + 1, old + 1))  # even a one-nanosecond change is seen
    assert show().loc[0, "lr"] == 0.02
    params.unlink()
    assert "lr" not in show().columns or show().loc[0, "lr"] != 0.02


def test_a_show_on_the_command_line_imports_no_yaml_parser_nor_typing(exps: dict[str, str]) -> None:
    import os

    for path in Path().rglob("*.y*ml"):
        old = os.stat(path).st_mtime_ns - 10_000_000_000
        os.utime(path, ns=(old, old))
    script = (
        "import io, sys, contextlib\n"
        "from live_nb.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert main(['exp', 'show', '--json']) == 0\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'yaml', 'pandas', 'numpy',\n"
        "    'dataclasses', 'typing', 'shutil'}))\n"  # records.py, and the cli's formatter
    )
    first = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    # the first show parsed the YAML files: DVCLive's shapes without PyYAML (yaml_types.py)
    assert first.stdout.strip() == "[]"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


_CREATED = re.compile(r"\d\d:\d\d [AP]M|[A-Z][a-z]{2} \d\d, \d{4}|\d{4}-\d\d-\d\d \d\d:\d\d")


def test_created_is_dvcs_in_the_dvc_table_and_24_hour_dated_in_live_nbs_own(
    git_repo: Path, dvc: str
) -> None:
    """``exp show`` prints Created as ``dvc exp show`` does (12-hour today, DVC the oracle);
    the copy a notebook keeps writes it as live_nb's table and sidebar do, 24-hour and dated."""
    subprocess.run([dvc, "init", "-q"], check=True)
    train(lr=0.1, depth=2, loss=0.9, acc=0.5)
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-qm", "dvc init and a first run")
    train(lr=0.3, depth=2, loss=0.5, acc=0.7)
    save(name="today")
    theirs = _CREATED.findall(_dvc(dvc, "exp", "show", "--no-pager"))
    ours = _CREATED.findall(format_table(show()))
    assert len(theirs) == 2 and ours == theirs  # the baseline and the run, both made today
    kept = _CREATED.findall(format_table(show(), dated=True))
    baseline = git(git_repo, "log", "-1", "--format=%cd", "--date=format-local:%Y-%m-%d %H:%M")
    assert len(kept) == 2 and kept[0] == baseline.strip()
    assert not any(time.endswith(("AM", "PM")) for time in kept)


def _git_commands(git_repo: Path, trace: Path) -> list[str]:
    """The Git subcommands one ``live-nb exp show --json`` ran (GIT_TRACE's top-level lines)."""
    env = {**os.environ, "GIT_TRACE": str(trace)}
    done = subprocess.run(
        [sys.executable, "-m", "live_nb", "exp", "show", "--json"],
        cwd=git_repo, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    json.loads(done.stdout)
    lines = trace.read_text().splitlines()
    trace.unlink()
    marker = "trace: built-in: git "
    return [line.split(marker, 1)[1].split()[0] for line in lines if marker in line]


def test_a_show_reads_every_family_of_refs_in_one_for_each_ref(
    exps: dict[str, str], git_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Experiments, stars, notes, branches and tags: one ``for-each-ref``, each still seen."""
    from live_nb.experiments.notes import set_note
    from live_nb.experiments.stars import set_star

    trace = tmp_path / "trace.txt"
    assert _git_commands(git_repo, trace).count("for-each-ref") == 1
    set_star("deep")
    set_note("tiny", "the small one")
    git(git_repo, "branch", "side")
    commands = _git_commands(git_repo, trace)
    assert commands.count("for-each-ref") == 1 and "rev-parse" in commands
    table = by_name(show())
    assert table["deep"]["Star"] == "★" and table["tiny"]["Notes"] == "the small one"
    # Tags need their targets (an annotated tag's own sha is not the commit's): one more
    git(git_repo, "tag", "-a", "v1", "-m", "first release")
    commit_all(git_repo, "after the tag", monkeypatch, T0 + 300)
    assert _git_commands(git_repo, trace).count("for-each-ref") == 2
    assert list(show(num=2)["Experiment"])[:4] == ["workspace", "main", "v1", "tiny"]


def test_discovering_the_repository_with_head_agrees_with_head(
    git_repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """``discover_with_head`` (one Git process) finds what ``discover`` then ``head`` find."""
    from live_nb.git import BareRepositoryError, NotAGitRepositoryError

    repo, head = Repository.discover_with_head(git_repo / "README.md")
    assert (repo.root, repo.git_dir, head) == (git_repo, git_repo / ".git", repo.head())
    first = git(git_repo, "rev-parse", "HEAD").strip()
    git(git_repo, "commit", "-q", "--allow-empty", "-m", "second")
    git(git_repo, "checkout", "-q", "--detach", first)
    assert Repository.discover_with_head(git_repo)[1] == first  # a detached HEAD
    outside = tmp_path_factory.mktemp("outside")  # not inside git_repo
    unborn = outside / "unborn"
    git(outside, "init", "-q", str(unborn))
    assert Repository.discover_with_head(unborn)[1] is None  # no commit yet: no error
    with pytest.raises(NotAGitRepositoryError):
        Repository.discover_with_head(unborn / ".git")  # inside the Git folder
    git(outside, "init", "-q", "--bare", str(outside / "bare.git"))
    with pytest.raises(BareRepositoryError):
        Repository.discover_with_head(outside / "bare.git")
