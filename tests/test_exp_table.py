"""``%exp_show``'s interactive table: what its Python side sends, reads and does, in real repos."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from live_nb import Live
from live_nb.experiments import read_histories
from live_nb.experiments.options import ShowOptions
from live_nb.experiments.show import show
from live_nb.widgets import table as table_module
from live_nb.widgets.table import (
    ExperimentsFrame,
    ExperimentsTable,
    json_cell,
    static_html,
)
from tests.conftest import git
from tests.kernel import Kernel

XSS = "<img src=x onerror=alert(1)>"


def run(
    lr: float,
    losses: list[float],
    name: str | None = None,
    message: str | None = None,
    save: bool = True,
    dir: str = "dvclive",
) -> None:
    """One training run: a param, two metrics per step; saved as experiment ``name``."""
    with Live(dir=dir, save_dvc_exp=save, exp_name=name, exp_message=message) as live:
        live.log_param("lr", lr)
        for loss in losses:
            live.log_metric("train/loss", loss)
            live.log_metric("acc", 1 - loss)
            live.next_step()


def commit_all(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", message)
    return git(repo, "rev-parse", "HEAD").strip()


@pytest.fixture
def exps(git_repo: Path) -> dict[str, str]:
    """A baseline holding a first run, then experiments ``slow`` and ``fast``."""
    run(0.01, [1.0, 0.95], save=False)
    head = commit_all(git_repo, "baseline run")
    run(0.1, [0.9, 0.5, 0.3], name="slow", message=XSS)
    run(0.3, [0.8, 0.4, 0.2, 0.1], name="fast")
    refs = git(git_repo, "for-each-ref", "--format=%(refname) %(objectname)", "refs/exps")
    shas = {line.split()[0].rsplit("/", 1)[1]: line.split()[1] for line in refs.splitlines()}
    return {"head": head, **shas}


def ref_of(head: str, name: str) -> str:
    return f"refs/exps/{head[:2]}/{head[2:]}/{name}"


def by_name(table: ExperimentsTable) -> dict[str, dict[str, Any]]:
    return {row["values"][0]: row for row in table.rows}


# ---------------------------------------------------------------------------------------------
# What the browser gets


def test_the_rows_and_columns_sent_are_show_s(exps: dict[str, str]) -> None:
    table = ExperimentsTable()
    df = show()

    assert [column["name"] for column in table.columns] == list(df.columns)
    kinds = {column["name"]: column["kind"] for column in table.columns}
    assert kinds["Experiment"] == "meta"
    assert kinds["train.loss"] == "metric" and kinds["lr"] == "param"
    assert {column["name"]: column["type"] for column in table.columns}["step"] == "integer"
    assert len(table.rows) == len(df) == 4
    for row, record in zip(table.rows, df.to_dict("records")):
        for value, (column, expected) in zip(row["values"], record.items()):
            if isinstance(expected, float) and math.isnan(expected):
                assert value is None, column
            else:
                assert value == expected, column
    pd.testing.assert_frame_equal(table.df, df)
    assert table.dataframe is table.df
    json.dumps({"rows": table.rows, "columns": table.columns}, allow_nan=False)


def test_rows_know_their_commit_and_the_baseline_they_are_compared_with(
    exps: dict[str, str],
) -> None:
    head = exps["head"]
    rows = by_name(ExperimentsTable())

    assert rows["workspace"]["id"] == "workspace"
    assert rows["workspace"]["kind"] == "workspace"
    assert rows["workspace"]["commit"] is None
    assert rows["workspace"]["baseline"] == head
    assert rows["main"] | {"values": None} == {
        "id": head,
        "kind": "baseline",
        "baseline": None,
        "commit": head,
        "values": None,
    }
    for name in ("slow", "fast"):
        assert rows[name]["id"] == ref_of(head, name)
        assert rows[name]["kind"] == "experiment"
        assert rows[name]["commit"] == exps[name]
        assert rows[name]["baseline"] == head


def test_show_s_options_are_kept_and_marked_in_the_view(exps: dict[str, str]) -> None:
    options = ShowOptions(sort_by="acc", sort_order="desc", only_changed=True)
    table = ExperimentsTable(options=options)
    df = show(sort_by="acc", sort_order="desc", only_changed=True)

    assert [row["values"][0] for row in table.rows] == list(df["Experiment"])
    assert [column["name"] for column in table.columns] == list(df.columns)
    assert (table.sort_by, table.sort_order, table.hide_unchanged) == ("acc", "desc", True)
    assert ExperimentsTable(options=ShowOptions(sort_by="dvclive/metrics.json:acc")).sort_by == (
        "acc"
    )


def test_cells_are_json_infinity_included() -> None:
    assert json_cell(float("inf")) == {"float": "inf"}
    assert json_cell(float("-inf")) == {"float": "-inf"}
    assert json_cell(float("nan")) is None
    assert json_cell(3.0, as_int=True) == 3 and isinstance(json_cell(3.0, as_int=True), int)
    assert json_cell([1, float("nan")]) == [1, "nan"]
    assert json_cell(pd.NA) is None


# ---------------------------------------------------------------------------------------------
# Metric histories, on request


def test_history_requests_return_the_logged_points_of_the_selected_rows(
    exps: dict[str, str],
) -> None:
    head = exps["head"]
    table = ExperimentsTable()
    ids = [ref_of(head, "slow"), ref_of(head, "fast"), "workspace", head]

    reply = table.handle({"type": "history", "request": 7, "ids": ids})

    assert reply["type"] == "history" and reply["request"] == 7 and reply["error"] is None
    slow = reply["histories"][ref_of(head, "slow")]
    assert slow["commit"] == exps["slow"]
    assert slow["metrics"]["train/loss"] == {"step": [0, 1, 2], "value": [0.9, 0.5, 0.3]}
    assert slow["metrics"]["acc"]["value"] == pytest.approx([0.1, 0.5, 0.7])
    fast = reply["histories"][ref_of(head, "fast")]["metrics"]["train/loss"]
    assert fast == {"step": [0, 1, 2, 3], "value": [0.8, 0.4, 0.2, 0.1]}
    workspace = reply["histories"]["workspace"]
    assert workspace["commit"] is None
    assert workspace["metrics"]["train/loss"]["value"] == [0.8, 0.4, 0.2, 0.1]
    baseline = reply["histories"][head]["metrics"]["train/loss"]
    assert baseline == {"step": [0, 1], "value": [1.0, 0.95]}
    json.dumps(reply, allow_nan=False)


def test_history_of_a_row_without_plots_or_gone_is_a_readable_error(git_repo: Path) -> None:
    table = ExperimentsTable()
    head = git(git_repo, "rev-parse", "HEAD").strip()

    reply = table.handle({"type": "history", "request": 1, "ids": [head, "refs/exps/no/such"]})

    assert reply["histories"][head]["metrics"] == {}
    assert "no metric history" in reply["histories"][head]["error"]
    assert "refresh" in reply["histories"]["refs/exps/no/such"]["error"]


def test_histories_are_found_through_dvc_yaml_in_another_folder(git_repo: Path) -> None:
    run(0.1, [0.5, 0.25], name="elsewhere", dir="results")
    sha = git(git_repo, "for-each-ref", "--format=%(objectname)", "refs/exps").split()[0]
    assert "results/plots/metrics/train/loss.tsv" in git(git_repo, "ls-tree", "-r", sha)

    found = read_histories([sha, "workspace"])

    assert found[sha].metrics["train/loss"].values == [0.5, 0.25]
    assert found["workspace"].metrics["acc"].steps == [0, 1]


def test_histories_come_in_the_order_they_were_logged_in(git_repo: Path) -> None:
    # Git lists files by name; the dashboard shows metrics as logged: metrics.json's key order
    # (groups as first logged, each group's metrics as logged) decides, for commits and workspace.
    with Live(save_dvc_exp=True, exp_name="ordered") as live:
        for step in range(2):
            for name in ("zeta", "val/loss", "alpha", "train/loss", "val/acc"):
                live.log_metric(name, step / 10)
            live.next_step()
    sha = git(git_repo, "for-each-ref", "--format=%(objectname)", "refs/exps").split()[0]
    logged = ["zeta", "val/loss", "val/acc", "alpha", "train/loss"]
    assert list(json.loads((git_repo / "dvclive" / "metrics.json").read_text())) == [
        "zeta",
        "val",
        "alpha",
        "train",
        "step",
    ]

    found = read_histories([sha, "workspace"])

    assert list(found[sha].metrics) == logged
    assert list(found["workspace"].metrics) == logged


def test_a_metric_metrics_json_does_not_name_follows_in_path_order(git_repo: Path) -> None:
    run(0.1, [0.5, 0.25], save=False)
    plots = git_repo / "dvclive" / "plots" / "metrics"
    (plots / "extra.tsv").write_text("step\textra\n0\t1\n")
    (plots / "b_extra.tsv").write_text("step\tb_extra\n0\t1\n")
    (git_repo / "dvclive" / "metrics.json").write_text("not json {")

    assert list(read_histories(["workspace"])["workspace"].metrics) == [
        "acc",
        "b_extra",
        "extra",
        "train/loss",
    ]


def test_long_histories_keep_their_highs_and_lows(git_repo: Path) -> None:
    values = [math.sin(step / 50) + (3.0 if step == 1234 else 0.0) for step in range(5000)]
    run(0.1, values, name="long")
    sha = git(git_repo, "for-each-ref", "--format=%(objectname)", "refs/exps").split()[0]

    series = read_histories([sha], max_points=200)[sha].metrics["train/loss"]

    assert series.downsampled and len(series.steps) <= 202
    assert series.steps[0] == 0 and series.steps[-1] == 4999
    assert series.steps == sorted(series.steps)
    assert 1234 in series.steps  # the spike survives
    assert max(series.values) == pytest.approx(max(values))
    assert min(series.values) == pytest.approx(min(values))


def test_at_most_max_overlay_histories_are_read_per_request(
    exps: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(table_module, "MAX_OVERLAY", 2)
    table = ExperimentsTable()
    ids = [row["id"] for row in table.rows]
    reply = table.handle({"type": "history", "request": 1, "ids": ids})
    assert list(reply["histories"]) == ids[:2]


# ---------------------------------------------------------------------------------------------
# Apply, branch, remove, refresh


def test_apply_puts_the_experiment_in_the_working_tree_and_refreshes(
    exps: dict[str, str],
) -> None:
    table = ExperimentsTable()
    assert by_name(table)["workspace"]["values"][table.df.columns.get_loc("lr")] == 0.3
    slow = ref_of(exps["head"], "slow")

    reply = table.handle({"type": "apply", "request": 3, "id": slow, "force": False})

    assert reply == {
        "type": "result",
        "request": 3,
        "action": "apply",
        "ok": True,
        "message": reply["message"],
        "error_kind": None,
    }
    assert "Applied experiment 'slow'" in reply["message"]
    metrics = json.loads(Path("dvclive/metrics.json").read_text())
    assert metrics["train"]["loss"] == 0.3
    assert by_name(table)["workspace"]["values"][table.df.columns.get_loc("lr")] == 0.1
    assert table.df.loc[0, "lr"] == 0.1


def test_apply_refusing_names_the_files_and_force_backs_them_up(exps: dict[str, str]) -> None:
    run(0.5, [0.7], save=False)  # results saved nowhere: in the way
    table = ExperimentsTable()
    slow = ref_of(exps["head"], "slow")

    refused = table.handle({"type": "apply", "request": 1, "id": slow})

    assert refused["ok"] is False and refused["error_kind"] == "uncommitted"
    assert "dvclive/metrics.json" in refused["message"]
    # in the table's words: its button, not the command line's --force
    assert "--force" not in refused["message"] and "force=True" not in refused["message"]
    assert '"Back up my changes and apply"' in refused["message"]
    assert json.loads(Path("dvclive/metrics.json").read_text())["train"]["loss"] == 0.7

    forced = table.handle({"type": "apply", "request": 2, "id": slow, "force": True})

    assert forced["ok"] is True, forced["message"]
    assert "git " in forced["message"] and "restore" in forced["message"]
    assert json.loads(Path("dvclive/metrics.json").read_text())["train"]["loss"] == 0.3


def test_branch_makes_a_branch_and_reports_bad_names_as_text(
    exps: dict[str, str], git_repo: Path
) -> None:
    table = ExperimentsTable()
    fast = ref_of(exps["head"], "fast")

    made = table.handle({"type": "branch", "request": 1, "id": fast, "branch_name": "best"})
    assert made["ok"] is True and "'best'" in made["message"]
    assert git(git_repo, "rev-parse", "best").strip() == exps["fast"]

    again = table.handle({"type": "branch", "request": 2, "id": fast, "branch_name": "best"})
    assert again["ok"] is False and "already exists" in again["message"]
    bad = table.handle({"type": "branch", "request": 3, "id": fast, "branch_name": "a b"})
    assert bad["ok"] is False and "not a valid Git branch name" in bad["message"]
    # both about the name: the browser keeps the name box open with the message beside it
    assert again["error_kind"] == bad["error_kind"] == "branch_name"
    gone_branch = {"type": "branch", "request": 4, "id": "refs/exps/gone", "branch_name": "x"}
    gone = table.handle(gone_branch)
    assert gone["ok"] is False and gone["error_kind"] == "error"


def test_remove_deletes_the_chosen_experiments_and_refreshes(
    exps: dict[str, str], git_repo: Path
) -> None:
    table = ExperimentsTable()
    slow, fast = ref_of(exps["head"], "slow"), ref_of(exps["head"], "fast")
    table.selection = ["workspace", slow]

    reply = table.handle({"type": "remove", "request": 1, "ids": [slow]})

    assert reply["ok"] is True and "Removed 1 experiment(s): slow." in reply["message"]
    assert git(git_repo, "for-each-ref", "--format=%(refname)", "refs/exps").split() == [fast]
    assert [row["values"][0] for row in table.rows] == ["workspace", "main", "fast"]
    assert table.selection == ["workspace"]
    assert table.selected == ["workspace"]


def test_only_experiments_can_be_managed(exps: dict[str, str], git_repo: Path) -> None:
    table = ExperimentsTable()

    for content in (
        {"type": "remove", "ids": ["workspace"]},
        {"type": "remove", "ids": []},
        {"type": "apply", "id": exps["head"]},
        {"type": "branch", "id": "refs/exps/gone", "branch_name": "x"},
    ):
        reply = table.handle({**content, "request": 1})
        assert reply["ok"] is False and reply["message"].startswith("Cannot "), reply
    assert len(git(git_repo, "for-each-ref", "refs/exps").splitlines()) == 2


def test_refresh_sees_experiments_saved_since(exps: dict[str, str]) -> None:
    table = ExperimentsTable()
    run(0.7, [0.6], name="later")

    reply = table.handle({"type": "refresh", "request": 9})

    assert reply["ok"] is True and reply["message"].startswith("Read 5 row(s) again.")
    assert "later" in by_name(table)


def test_unexpected_failures_and_unknown_requests_come_back_as_text(
    exps: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from live_nb.experiments import restore

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(restore, "apply", broken)
    table = ExperimentsTable()
    reply = table.handle({"type": "apply", "request": 1, "id": ref_of(exps["head"], "slow")})
    assert reply["ok"] is False
    assert reply["message"].startswith("Unexpected error (RuntimeError): disk on fire.")
    assert table.handle({"type": "paint", "request": 2})["message"] == "Unknown request 'paint'."


def test_requests_from_the_browser_are_answered_by_message(
    exps: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    table = ExperimentsTable()
    sent: list[Any] = []
    monkeypatch.setattr(table, "send", lambda content, buffers=None: sent.append(content))

    table._on_message(table, {"type": "history", "request": "v1:1", "ids": ["workspace"]}, [])

    assert [message["request"] for message in sent] == ["v1:1"]
    assert "train/loss" in sent[0]["histories"]["workspace"]["metrics"]


# ---------------------------------------------------------------------------------------------
# Static display


def test_the_static_fallback_is_an_escaped_html_table(exps: dict[str, str]) -> None:
    with Live(save_dvc_exp=True, exp_name="evil") as live:
        live.log_param(XSS, XSS)
        live.log_metric("acc", 0.5)
    table = ExperimentsTable()

    data, _ = table._repr_mimebundle_()

    assert set(data) == {
        "text/plain",
        "text/html",
        "application/vnd.jupyter.widget-view+json",
        "application/vnd.live-nb.fallback+json",
    }
    # what live_nb's labextension shows instead of "model not found" once the kernel restarted
    assert data["application/vnd.live-nb.fallback+json"] == {"mime": "text/html"}
    page = data["text/html"]
    assert "<img" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert page.count("<tr>") == len(table.df) + 1
    assert "slow" in data["text/plain"]
    # kept in the notebook, read on other days: dated and 24-hour, as the table shows times
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", data["text/plain"])
    assert not re.search(r"\d [AP]M", data["text/plain"])
    assert static_html(table.df, limit=2).endswith("<p>... and 3 more rows.</p></div>")
    # as the widget shows it: readable headers, no detail columns, dates without seconds
    assert (
        "<th>Commit</th>" in page and "<th>typ</th>" not in page and "<th>parent</th>" not in page
    )
    assert re.search(r"<td>\d{4}-\d\d-\d\d \d\d:\d\d</td>", page), page


# ---------------------------------------------------------------------------------------------
# What %exp_show returns


def test_the_returned_frame_is_a_dataframe_whose_operations_are_plain(
    exps: dict[str, str],
) -> None:
    frame = ExperimentsFrame(show())
    assert isinstance(frame, pd.DataFrame)
    assert type(frame.head()) is pd.DataFrame
    assert type(frame[frame["typ"] == "baseline"]) is pd.DataFrame
    assert frame.table is None


def test_exp_show_without_a_kernel_returns_the_frame_whose_text_is_the_table(
    exps: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    from IPython.core.error import UsageError
    from IPython.testing import globalipapp

    globalipapp.start_ipython()
    shell = globalipapp.get_ipython()
    shell.run_line_magic("load_ext", "live_nb")
    try:
        frame = shell.run_line_magic("exp_show", "--sort-by acc --sort-order desc")
        pd.testing.assert_frame_equal(frame, show(sort_by="acc", sort_order="desc"))
        assert capsys.readouterr().out == ""  # shown once, as the cell's Out[n], not beside it
        shell.run_cell("%exp_show --sort-by acc --sort-order desc")
        out = capsys.readouterr().out
        assert "fast" in out and "├──" in out and "Out[" in out
        assert out.split("Out[")[1].split(":", 1)[1].strip().startswith("─")  # not empty
        with pytest.raises(UsageError, match="Cannot sort by 'nope'"):
            shell.run_line_magic("exp_show", "--sort-by nope")
    finally:
        shell.run_line_magic("unload_ext", "live_nb")


@pytest.fixture
def kernel(exps: dict[str, str], git_repo: Path) -> Iterator[Kernel]:
    running = Kernel(git_repo)
    running.run("%load_ext live_nb")
    yield running
    running.close()


def displays(outputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [o for o in outputs if o["output_type"] in ("display_data", "execute_result")]


@pytest.mark.slow
def test_exp_show_in_a_kernel_displays_the_widget_once_and_returns_the_dataframe(
    kernel: Kernel,
) -> None:
    outputs = kernel.run("%exp_show")
    shown = displays(outputs)
    assert len(shown) == 1, outputs
    data = shown[0]["data"]
    assert "application/vnd.jupyter.widget-view+json" in data
    assert "text/html" in data and "&lt;img src=x onerror=alert(1)&gt;" in data["text/html"]
    assert "<img" not in data["text/html"]

    check = (
        "import pandas as pd\n"
        "from live_nb.experiments.show import show\n"
        "print(isinstance(_, pd.DataFrame), _.equals(show()), type(_.table).__name__)"
    )
    assert kernel.run(check)[0]["text"].split() == ["True", "True", "ExperimentsTable"]

    assigned = kernel.run("df = %exp_show")
    assert len(displays(assigned)) == 1
    again = displays(kernel.run("df"))
    assert len(again) == 1
    assert "application/vnd.jupyter.widget-view+json" in again[0]["data"]
    rows = kernel.run("print(len(df), len(df.table.rows), df.table.rows[0]['id'])")
    assert rows[0]["text"].split() == ["4", "4", "workspace"]


@pytest.mark.slow
def test_saved_widget_state_holds_the_bundle_once_however_many_tables(git_repo: Path) -> None:
    """nbclient saves widget state (as JupyterLab's "save widget state"): one bundle, not three."""
    import nbformat
    from nbclient import NotebookClient

    from live_nb.widgets.base import BUNDLE

    notebook = nbformat.v4.new_notebook()
    cells = ["%load_ext live_nb", "%%live\nlive.log_metric('acc', 0.5)", *["%exp_show"] * 3]
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    client = NotebookClient(
        notebook, timeout=120, resources={"metadata": {"path": str(git_repo)}}
    )  # store_widget_state is nbclient's default
    client.execute()
    state = notebook.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    sizes = sorted(len(json.dumps(model)) for model in state.values())
    bundle = len(BUNDLE.read_text(encoding="utf-8"))
    assert sizes[-1] > bundle and sizes[-2] < 10_000, sizes  # the BundleModel, then the rest
    tables = [m for m in state.values() if m["state"].get("view") == "table"]
    assert len(tables) == 3 and all(m["state"]["_bundle"].startswith("IPY_MODEL_") for m in tables)


def test_a_star_from_the_table_is_kept_in_git_and_marks_the_row(
    exps: dict[str, str], git_repo: Path
) -> None:
    table = ExperimentsTable()
    slow = ref_of(exps["head"], "slow")
    reply = table.handle({"type": "star", "request": 1, "id": slow, "starred": True})
    assert reply["ok"] is True and reply["message"].startswith("Starred slow")
    star = [c["name"] for c in table.columns].index("Star")
    assert by_name(table)["slow"]["values"][star] == "★"
    assert by_name(table)["fast"]["values"][star] is None
    assert git(git_repo, "for-each-ref", "--format=%(refname)", "refs/live_nb/").split() == [
        "refs/live_nb/stars/" + slow.removeprefix("refs/exps/")
    ]
    reply = table.handle({"type": "star", "request": 2, "id": slow, "starred": False})
    assert reply["ok"] is True and "Star" not in [c["name"] for c in table.columns]
    refused = table.handle({"type": "star", "request": 3, "id": "workspace"})
    assert refused["ok"] is False and refused["request"] == 3
