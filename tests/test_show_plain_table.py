"""The table without pandas: what the command line renders, and the same table as a DataFrame."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from live_nb import Live
from live_nb.experiments import format_table, to_csv, to_json
from live_nb.experiments.save import save
from live_nb.experiments.show import collect, show
from tests.conftest import git


def run(epochs: int | None, loss: float) -> None:
    with Live(save_dvc_exp=False) as live:
        if epochs is not None:
            live.log_param("epochs", epochs)
        live.log_metric("loss", loss)
        live.next_step()


@pytest.fixture
def repo(git_repo: Path) -> Path:
    run(10, 0.5)
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-qm", "baseline")
    run(None, 0.4)  # a run without the param: a gap in an integer column
    save(name="no-epochs")
    run(20, 0.3)
    save(name="twenty")
    return git_repo


def test_the_plain_table_renders_as_the_dataframe_does(repo: Path) -> None:
    table, frame = collect(), show()

    assert table.names == [str(name) for name in frame.columns]
    assert to_json(table) == to_json(frame)
    assert to_csv(table) == to_csv(frame)
    assert format_table(table) == format_table(frame)


def test_an_integer_column_with_gaps_stays_integer(repo: Path) -> None:
    frame = show()

    assert str(frame["epochs"].dtype) == "Int64"
    assert frame["epochs"].isna().sum() == 1
    assert frame.loc[frame["Experiment"] == "twenty", "epochs"].item() == 20
    rows = {row["Experiment"]: row for row in json.loads(to_json(frame))}
    assert rows["twenty"]["epochs"] == 20 and rows["no-epochs"]["epochs"] is None
    assert isinstance(frame, pd.DataFrame)


def test_the_table_widget_takes_a_nullable_integer_column(repo: Path) -> None:
    from live_nb.widgets.table import ExperimentsTable

    table = ExperimentsTable()

    column = [c["name"] for c in table.columns].index("epochs")
    values = {row["values"][0]: row["values"][column] for row in table.rows}
    assert values["twenty"] == 20 and values["no-epochs"] is None
    json.dumps(table.rows)  # what the widget sends must be JSON


@pytest.mark.parametrize("output", ["--json", "--csv", None])
def test_exp_show_on_the_command_line_imports_no_pandas(repo: Path, output: str | None) -> None:
    script = (
        "import sys, runpy\n"
        f"sys.argv = ['live-nb', 'exp', 'show'{', ' + repr(output) if output else ''}]\n"
        "try:\n"
        "    runpy.run_module('live_nb', run_name='__main__')\n"
        "except SystemExit as done:\n"
        "    assert not done.code, done.code\n"
        "print(sorted({'pandas', 'numpy'} & {name.split('.')[0] for name in sys.modules}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=repo, check=False
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert "twenty" in done.stdout
