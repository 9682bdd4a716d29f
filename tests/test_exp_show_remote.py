"""``show(remote=...)`` / ``exp show --remote``: a teammate's pushed experiments, not pulled."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from live_nb import Live
from live_nb.experiments import save, show
from live_nb.experiments.remote import RemoteNotFoundError, pull, push
from live_nb.formats.artifacts import ensure_dvc_dir
from tests.conftest import git, run_dvc


def refs(repo: Path) -> dict[str, str]:
    output = git(repo, "for-each-ref", "--format=%(refname) %(objectname)")
    return dict(line.split(" ") for line in output.splitlines())


def train(repo: Path, name: str, lr: float, acc: float, monkeypatch: pytest.MonkeyPatch) -> str:
    """A run in ``repo`` logged with Live and saved as experiment ``name``; its commit."""
    monkeypatch.chdir(repo)
    with Live(save_dvc_exp=False) as live:
        live.log_param("lr", lr)
        live.log_metric("acc", acc)
        live.next_step()
    return save(repo, name=name).commit


@pytest.fixture
def origin(tmp_path: Path) -> Path:
    remote = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    return remote


@pytest.fixture
def mine(git_repo: Path, origin: Path) -> Path:
    """The user's repository, with a DVC project, its main branch pushed to ``origin``."""
    ensure_dvc_dir(git_repo)  # what `dvc init` makes
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-qm", "dvc project")
    git(git_repo, "remote", "add", "origin", str(origin))
    git(git_repo, "push", "-q", "origin", "main")
    return git_repo


@pytest.fixture
def theirs(mine: Path, origin: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A teammate's clone, who pushed two experiments of main."""
    clone = tmp_path / "teammate"
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    train(clone, "wide-lr", 0.5, 0.7, monkeypatch)
    train(clone, "slow-lr", 0.01, 0.9, monkeypatch)
    push("origin", path=clone)
    monkeypatch.chdir(mine)
    return clone


def test_lists_the_remotes_experiments_with_metrics_without_pulling_them(
    mine: Path, theirs: Path
) -> None:
    before = refs(mine)
    df = show(remote="origin")
    assert list(df["typ"]) == ["baseline", "branch_commit", "branch_base"]
    rows = df.set_index("Experiment")
    assert rows.loc["slow-lr", "acc"] == 0.9 and rows.loc["wide-lr", "lr"] == 0.5
    assert rows.loc["slow-lr", "Local"] == "no" and rows.loc["wide-lr", "Local"] == "no"
    assert math.isnan(rows.loc["main", "acc"]) and pd.isna(rows.loc["main", "Local"])
    assert "workspace" not in set(df["typ"])
    assert df.attrs["remote"] == "origin"
    assert refs(mine) == before, "no ref may be written by a look at a remote"
    assert not (mine / ".git" / "FETCH_HEAD").exists()
    assert show()["Experiment"].tolist() == ["workspace", "main"]  # the local table is the same


def test_marks_what_is_here_and_what_differs(
    mine: Path, theirs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pull("origin", ["slow-lr"])
    train(mine, "wide-lr", 0.6, 0.1, monkeypatch)  # the same name, another commit
    rows = show(remote="origin").set_index("Experiment")
    assert rows.loc["slow-lr", "Local"] == "yes"
    assert rows.loc["wide-lr", "Local"] == "differs"
    assert rows.loc["wide-lr", "acc"] == 0.7  # the remote's values, not the local ones


def theirs_sha(repo: Path, name: str) -> str:
    for ref, sha in refs(repo).items():
        if ref.startswith("refs/exps/") and ref.endswith("/" + name):
            return sha
    raise AssertionError(name)


def test_without_fetching_shows_names_and_commits_only(mine: Path, theirs: Path) -> None:
    df = show(remote="origin", fetch=False)
    rows = df.set_index("Experiment")
    assert set(rows.index) == {"main", "slow-lr", "wide-lr"}
    assert rows.loc["slow-lr", "rev"] == theirs_sha(theirs, "slow-lr")[:7]
    assert "acc" not in df.columns
    missing = subprocess.run(
        ["git", "cat-file", "-e", theirs_sha(theirs, "slow-lr")], cwd=mine, check=False
    )
    assert missing.returncode != 0, "nothing was fetched"


def test_other_baselines_only_with_all_commits(
    mine: Path, theirs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (mine / "more.txt").write_text("x\n")
    git(mine, "add", "more.txt")
    git(mine, "commit", "-qm", "more")
    assert show(remote="origin")["Experiment"].tolist() == ["main"]
    names = show(remote="origin", all_baselines=True)["Experiment"].tolist()
    assert {"slow-lr", "wide-lr"} <= set(names)


def test_an_unknown_remote_is_one_clear_error(mine: Path) -> None:
    with pytest.raises(RemoteNotFoundError, match="No Git remote named 'nowhere'"):
        show(remote="nowhere")


def test_the_command_line(mine: Path, theirs: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "live_nb", "exp", "show", "--remote", "origin", "--json"],
        capture_output=True,
        text=True,
        cwd=mine,
    )
    assert done.returncode == 0, done.stderr
    shown = {row["Experiment"]: row for row in json.loads(done.stdout)}
    assert shown["slow-lr"]["Local"] == "no"
    table = subprocess.run(
        [sys.executable, "-m", "live_nb", "exp", "show", "--remote", "origin"],
        capture_output=True, text=True, cwd=mine, check=True,
    ).stdout  # fmt: skip
    assert table.splitlines()[1].split()[:3] == ["Experiment", "Created", "Local"]
    assert any("slow-lr" in line and " no " in line for line in table.splitlines())
    text = subprocess.run(
        [sys.executable, "-m", "live_nb", "exp", "show", "--remote", "nowhere"],
        capture_output=True,
        text=True,
        cwd=mine,
    )
    assert text.returncode != 0 and "No Git remote named 'nowhere'" in text.stderr
    assert "Traceback" not in text.stderr


@pytest.mark.oracle
def test_agrees_with_dvc_exp_list_and_show(
    mine: Path, theirs: Path, origin: Path, tmp_path: Path, dvc: str
) -> None:
    listed = run_dvc(dvc, mine, "exp", "list", "origin", "--name-only").split()
    df = show(remote="origin")
    ours = df[df["typ"] != "baseline"]
    assert sorted(ours["Experiment"]) == sorted(listed)
    # What dvc shows once it has pulled them, in a third clone.
    third = tmp_path / "third"
    git(tmp_path, "clone", "-q", str(origin), str(third))
    run_dvc(dvc, third, "exp", "pull", "origin", *listed)
    shown = json.loads(run_dvc(dvc, third, "exp", "show", "--json"))
    dvc_values = {}
    for entry in shown:
        for exp in entry.get("experiments") or ():
            data = exp["revs"][0]["data"]
            metrics = data["metrics"]["dvclive/metrics.json"]["data"]
            params = data["params"]["dvclive/params.yaml"]["data"]
            dvc_values[exp["name"]] = (metrics["acc"], params["lr"])
    assert dvc_values == {row.Experiment: (row.acc, row.lr) for row in ours.itertuples()}


def test_the_table_widget_shows_them_and_refuses_to_act_on_one_not_here(
    mine: Path, theirs: Path
) -> None:
    from live_nb.experiments.options import ShowOptions
    from live_nb.widgets.table import ExperimentsTable

    pull("origin", ["slow-lr"])
    table = ExperimentsTable(mine, ShowOptions(remote="origin"))
    by_name = {row["values"][0]: row for row in table.rows}
    wide, slow = by_name["wide-lr"], by_name["slow-lr"]
    assert wide["id"].endswith("/wide-lr") and wide["commit"] == theirs_sha(theirs, "wide-lr")
    local = [column["name"] for column in table.columns].index("Local")
    assert (wide["values"][local], slow["values"][local]) == ("no", "yes")
    history = table.handle({"type": "history", "request": 1, "ids": [wide["id"]]})
    assert history["histories"][wide["id"]]["error"] is None  # the fetched commit is read
    refused = table.handle({"type": "apply", "request": 2, "id": wide["id"]})
    assert not refused["ok"] and "Pull it first (%exp_pull origin wide-lr)" in refused["message"]
    applied = table.handle({"type": "apply", "request": 3, "id": slow["id"]})
    assert applied["ok"], applied["message"]
    table.close()


def test_the_magic(mine: Path, theirs: Path) -> None:
    from IPython.testing.globalipapp import get_ipython

    shell = get_ipython()
    shell.run_line_magic("load_ext", "live_nb")
    try:
        df = shell.run_line_magic("exp_show", "--remote origin")
    finally:
        shell.run_line_magic("unload_ext", "live_nb")
    assert set(df["Experiment"]) == {"main", "slow-lr", "wide-lr"}
    assert set(df["Local"].dropna()) == {"no"}
