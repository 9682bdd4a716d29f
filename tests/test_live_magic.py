"""``%%live`` in a real kernel: every way a cell can end becomes an experiment commit."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import nbformat
import pytest

from live_nb.notebook.session import live_title
from tests.conftest import git
from tests.kernel import Kernel, text_of

pytestmark = pytest.mark.slow


def experiments(repo: Path) -> dict[str, str]:
    refs = git(repo, "for-each-ref", "--format=%(refname) %(objectname)", "refs/exps").splitlines()
    return {ref.split(" ")[0].rsplit("/", 1)[1]: ref.split(" ")[1] for ref in refs}


def trailers(repo: Path, commit: str) -> dict[str, str]:
    message = git(repo, "log", "-1", "--format=%B", commit)
    return dict(line.split(": ", 1) for line in message.splitlines() if line.startswith("Live-Nb-"))


def execution_record(repo: Path, commit: str) -> Any:
    document = nbformat.reads(git(repo, "show", f"{commit}:dvclive/execution.ipynb"), as_version=4)
    nbformat.validate(document)
    return document


TRAIN = """%%live first-try --param lr=0.5 --param epochs=3
for epoch in range(epochs):
    live.log_metric("train/loss", lr / (epoch + 1))
    live.next_step()
live.summary
"""


def test_a_live_cell_logs_and_saves_an_experiment(kernel: Kernel, git_repo: Path) -> None:
    kernel.run("data = [1, 2, 3]\nprint('prepared', len(data))")
    outputs = kernel.run(TRAIN)

    shown = text_of(outputs)
    assert "Saved experiment first-try" in shown
    # the dashboard names the cell as its prompt does, [3], and counts the steps done (0 to 2)
    assert "%%live [3] first-try · done · 3 steps · " in shown
    assert "{'train': {'loss': 0.16666666666666666}, 'step': 2}" in shown
    commit = experiments(git_repo)["first-try"]
    assert trailers(git_repo, commit)["Live-Nb-Status"] == "ok"
    assert trailers(git_repo, commit)["Live-Nb-Execution-Count"] == "3"
    assert git(git_repo, "show", f"{commit}:dvclive/params.yaml") == "lr: 0.5\nepochs: 3\n"
    record = execution_record(git_repo, commit)
    assert [cell.source.splitlines()[0] for cell in record.cells] == [
        "%load_ext live_nb",
        "data = [1, 2, 3]",
        "%%live first-try --param lr=0.5 --param epochs=3",
    ]
    assert record.cells[1].outputs[0]["text"] == "prepared 3\n"
    assert git(git_repo, "status", "--porcelain") == "?? dvc.yaml\n?? dvclive/\n"
    assert kernel.run("print(lr, epochs, type(live).__name__)")[0]["text"] == "0.5 3 Live\n"


def test_running_the_cell_again_makes_a_new_experiment(kernel: Kernel, git_repo: Path) -> None:
    kernel.run(TRAIN)
    outputs = kernel.run(TRAIN)

    assert "Saved experiment first-try-2" in text_of(outputs)
    assert sorted(experiments(git_repo)) == ["first-try", "first-try-2"]


def test_an_error_reaches_the_user_and_the_run_is_saved_as_failed(
    kernel: Kernel, git_repo: Path
) -> None:
    outputs = kernel.run("%%live\nlive.log_metric('loss', 1.0)\nlive.next_step()\n1 / 0")

    errors = [output for output in outputs if output["output_type"] == "error"]
    assert [error["ename"] for error in errors] == ["ZeroDivisionError"]
    (commit,) = experiments(git_repo).values()
    assert trailers(git_repo, commit)["Live-Nb-Status"] == "error"
    assert trailers(git_repo, commit)["Live-Nb-Error"] == "ZeroDivisionError: division by zero"
    last = execution_record(git_repo, commit).cells[-1]
    assert last.outputs[-1]["ename"] == "ZeroDivisionError"


def test_a_failing_cell_traceback_starts_at_the_users_code_under_the_cells_number(
    kernel: Kernel,
) -> None:
    kernel.run("x = 1")
    outputs = kernel.run(
        "%%live --no-save\ndef f():\n    return 1 / 0\nlive.log_metric('a', 1)\nf()"
    )
    count = kernel.run("print(get_ipython().execution_count - 1)")[0]["text"].strip()
    (error,) = [output for output in outputs if output["output_type"] == "error"]
    shown = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(error["traceback"]))
    frames = re.findall(r"^Cell In\[(\d+)\], line (\d+)", shown, flags=re.MULTILINE)
    prompt = str(int(count) - 1)  # the failing cell ran just before the probe
    # the user's two frames, numbered as the cell shows them (%%live is line 1), nothing before
    assert frames == [(prompt, "5"), (prompt, "3")], shown
    assert "run_cell_magic" not in shown and "skipping hidden" not in shown, shown
    assert "%%live --no-save" in shown and "----> 5 f()" in shown, shown
    assert error["ename"] == "ZeroDivisionError"


def test_an_interrupted_cell_is_saved_with_what_it_logged(kernel: Kernel, git_repo: Path) -> None:
    msg_id = kernel.submit(
        "%%live\nimport time\nfor step in range(10_000):\n"
        "    live.log_metric('loss', 1 / (step + 1))\n    live.next_step()\n    time.sleep(0.01)\n"
    )
    time.sleep(1.5)
    kernel.interrupt()
    outputs = kernel.collect(msg_id)

    assert any(output.get("ename") == "KeyboardInterrupt" for output in outputs)
    (commit,) = experiments(git_repo).values()
    assert trailers(git_repo, commit)["Live-Nb-Status"] == "interrupted"
    rows = git(git_repo, "show", f"{commit}:dvclive/plots/metrics/loss.tsv").splitlines()
    assert len(rows) > 10


def test_cells_run_out_of_order_are_flagged(git_repo: Path) -> None:
    cells = ["%load_ext live_nb", "a = 1", "b = a + 1", "%%live\nlive.log_metric('b', b)"]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nbformat.write(notebook, git_repo / "train.ipynb")
    running = Kernel(git_repo, env={"JPY_SESSION_NAME": str(git_repo / "train.ipynb")})
    try:
        for index in (0, 2, 1, 2, 3):  # "b = a + 1" first fails, then runs again after "a = 1"
            running.run(cells[index])
    finally:
        running.close()

    (commit,) = experiments(git_repo).values()
    record = execution_record(git_repo, commit)
    assert record.metadata["live_nb"]["notebook_path"] == str(git_repo / "train.ipynb")
    flags = [cell.metadata["live_nb"]["out_of_order"] for cell in record.cells]
    assert flags == [False, False, True, False, False]
    assert record.metadata["live_nb"]["out_of_order_cells"] == [3]
    assert "train.ipynb" in git(git_repo, "ls-tree", "--name-only", commit)
    assert trailers(git_repo, commit)["Live-Nb-Notebook"] == str(git_repo / "train.ipynb")


def test_outside_git_logging_works_and_saving_is_skipped_with_one_message(tmp_path: Path) -> None:
    running = Kernel(tmp_path)
    try:
        running.run("%load_ext live_nb")
        outputs = running.run("%%live\nlive.log_metric('m', 1)\nlive.next_step()")
    finally:
        running.close()

    shown = text_of(outputs)
    assert "Not saved as an experiment" in shown and "git init" in shown
    assert "Traceback" not in shown
    assert json.loads((tmp_path / "dvclive" / "metrics.json").read_text()) == {"m": 1, "step": 0}


def test_user_mistakes_get_one_readable_line(kernel: Kernel, git_repo: Path) -> None:
    cases = {
        "%%live --nope\n1": "unrecognized arguments: --nope",
        "%%live --param lr\n1": "expected KEY=VALUE",
        "%%live --param 1x=2\n1": "expected KEY=VALUE",
        "%%live --param lr=[1,\n1": "cannot read the value",
        '%%live --param s="a\n1': "No closing quotation",
        "%%live bad..name\n1": "Invalid experiment name",
        "%%live\nget_ipython().run_cell_magic('live', '', '1')": "cannot be nested",
        "%exp_apply no-such-experiment": "No experiment named 'no-such-experiment'",
    }
    for cell, message in cases.items():
        shown = text_of(kernel.run(cell))
        assert message in shown, (cell, shown)
        assert "Traceback" not in shown, cell


def test_a_param_value_with_spaces_is_quoted_as_in_a_shell(kernel: Kernel, git_repo: Path) -> None:
    cell = "%%live --param s=\"a b\" --param t='c d' --param n=3\nprint([s, t, n])"
    shown = text_of(kernel.run(cell))
    assert "['a b', 'c d', 3]" in shown, shown


PROBE = """import sys
shell = get_ipython()
hooks = (shell.display_pub.publish, shell.displayhook.write_format_data, shell._showtraceback,
         sys.stdout.write, sys.stderr.write)
magics = shell.magics_manager.magics
print([getattr(hook, "__qualname__", "") for hook in hooks],
      {event: len(shell.events.callbacks[event]) for event in ("pre_run_cell", "post_run_cell")},
      "live" in magics["cell"], "exp_show" in magics["line"])
"""


def test_unload_removes_the_magics_and_every_hook(tmp_path: Path) -> None:
    running = Kernel(tmp_path)
    try:
        before = text_of(running.run(PROBE))
        running.run("%load_ext live_nb")
        loaded = text_of(running.run(PROBE))
        running.run("%unload_ext live_nb")
        after = text_of(running.run(PROBE))
        shown = text_of(running.run("%%live\n1"))
    finally:
        running.close()

    assert loaded != before
    assert after == before
    assert "Cell magic `%%live` not found" in shown


def test_the_terminal_ipython_gets_a_text_summary(git_repo: Path) -> None:
    script = (
        "%load_ext live_nb\n"
        "%%live term-run --param lr=0.1\n"
        "for i in range(3):\n"
        "    live.log_metric('loss', 1 / (i + 1))\n"
        "    live.next_step()\n\n\n"
        "print('after')\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "IPython", "--simple-prompt", "--no-banner", "--colors=NoColor"],
        input=script,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )

    # [2]: the cell's execution count (%load_ext was [1]); 3 steps, numbered 0 to 2
    assert "%%live [2] term-run · done · 3 steps" in result.stdout
    assert "Saved experiment term-run" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert list(experiments(git_repo)) == ["term-run"]


def test_a_dashboard_title_names_the_cell_by_its_execution_count_and_the_experiment() -> None:
    assert live_title(5, None) == "%%live [5]"
    assert live_title(5, "first-try") == "%%live [5] first-try"
    assert live_title(None, "first-try") == "%%live first-try"
    assert live_title(None, None) == "%%live"


def test_loaded_from_configuration_every_output_is_recorded_once(git_repo: Path) -> None:
    running = Kernel(git_repo, arguments=["--InteractiveShellApp.extensions=live_nb"])
    try:
        running.run("print('first')")
        running.run("print('second')")
        running.run("%%live\nlive.log_metric('m', 1)")
    finally:
        running.close()

    (commit,) = experiments(git_repo).values()
    cells = execution_record(git_repo, commit).cells
    assert [cell.outputs[0]["text"] for cell in cells[:2]] == ["first\n", "second\n"]
