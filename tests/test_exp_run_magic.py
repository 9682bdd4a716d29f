"""``%exp_run`` in a real kernel: the runs go on in the background and the kernel stays free."""

from __future__ import annotations

import json
import queue
import time
from pathlib import Path
from typing import Any

import pytest

from live_nb.runs import api
from tests.conftest import git
from tests.kernel import Kernel, text_of
from tests.test_runs_execute import _code, write_notebook

pytestmark = pytest.mark.slow

WIDGET = "application/vnd.jupyter.widget-view+json"


@pytest.fixture
def notebook(git_repo: Path) -> Path:
    write_notebook(
        git_repo / "train.ipynb",
        _code("%load_ext live_nb"),
        _code("scale = 1", tags=["parameters"]),
        _code("%%live --param lr=0.01\nimport time\nfor step in range(3):\n"
              "    live.log_metric('loss', lr * scale * (step + 1))\n"
              "    live.next_step()\n    time.sleep(0.2)"),
        _code("%exp_run -S lr=5,6"),  # a notebook that queues itself must not recurse
    )  # fmt: skip
    git(git_repo, "add", "train.ipynb")
    git(git_repo, "commit", "-q", "-m", "notebook")
    return git_repo


def _wait_finished(root: Path, count: int, timeout: float = 180) -> list[api.Entry]:
    deadline = time.monotonic() + timeout
    while True:
        entries = api.status(root)
        if len(entries) >= count and all(e.result is not None for e in entries):
            return entries
        assert time.monotonic() < deadline, [(e.name, e.status) for e in entries]
        time.sleep(0.3)


def test_a_grid_runs_in_the_background_while_the_kernel_is_free(
    kernel: Kernel, notebook: Path
) -> None:
    outputs = kernel.run("%exp_run train.ipynb -S lr=0.1,0.2 -S scale=1,3 -j 2")
    assert any(WIDGET in o.get("data", {}) for o in outputs), outputs
    started = time.monotonic()
    assert text_of(kernel.run("print(6 * 7)")) == "42\n"
    assert time.monotonic() - started < 5  # answered while the runs go on
    entries = _wait_finished(notebook, 4)
    assert len(entries) == 4  # the %exp_run cell inside each run queued nothing more
    assert sorted(e.status for e in entries) == ["done"] * 4, [e.result for e in entries]
    losses = set()
    for entry in entries:
        assert entry.result is not None and entry.result.commit
        metrics = git(notebook, "show", f"{entry.result.commit}:dvclive/metrics.json")
        losses.add(json.loads(metrics)["loss"])
        executed = git(notebook, "show", f"{entry.result.commit}:train.ipynb")
        assert "%exp_run skipped" in executed
    assert losses == {0.1 * 3, 0.1 * 3 * 3, 0.2 * 3, 0.2 * 3 * 3}
    assert git(notebook, "status", "--porcelain") == ""
    (shown,) = [o for o in outputs if WIDGET in o.get("data", {})]
    ended = _display_update(kernel, shown["transient"]["display_id"])
    # what a notebook saved now keeps: the runs as they ended, not as they were when shown
    assert "Saved as they ended" in ended["text/html"]
    assert ended["text/html"].count("<td>done</td>") == 4


def _display_update(kernel: Kernel, display_id: str, timeout: float = 30) -> dict[str, Any]:
    """The data of the next update of the display ``display_id``, from whichever thread."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            message = kernel.client.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            break
        content = message["content"]
        shown = content.get("transient", {}).get("display_id")
        if message["msg_type"] == "update_display_data" and shown == display_id:
            data: dict[str, Any] = content["data"]
            return data
    raise AssertionError(f"the display {display_id} was not updated within {timeout}s")


def test_an_unknown_key_is_refused_naming_the_keys_there_are(
    kernel: Kernel, notebook: Path
) -> None:
    outputs = kernel.run("%exp_run train.ipynb -S learning_rate=0.1")
    text = text_of(outputs) + json.dumps(outputs)
    assert "learning_rate" in text and "lr" in text and "scale" in text
    assert api.status(notebook) == []


def test_without_a_notebook_it_asks_which_one(kernel: Kernel, notebook: Path) -> None:
    outputs = kernel.run("%exp_run -S lr=1")
    assert "Cannot tell which notebook this kernel runs" in json.dumps(outputs)
    assert api.status(notebook) == []


def test_queue_only_leaves_the_runs_queued(kernel: Kernel, notebook: Path) -> None:
    kernel.run("%exp_run train.ipynb --queue -S lr=1,2")
    time.sleep(1.0)
    assert [e.status for e in api.status(notebook)] == ["queued", "queued"]


def test_resume_from_names_a_checkpoint_or_suggests_one(kernel: Kernel, notebook: Path) -> None:
    from live_nb import Live

    with Live(checkpoint=True, exp_name="night") as live:  # a chain to resume from
        live.log_metric("loss", 1.0)
        live.next_step()
    wrong = kernel.run("%exp_run train.ipynb --queue --resume-from nihgt")
    assert "Did you mean 'night'" in str(wrong) and api.status(notebook) == []
    both = kernel.run("%exp_run train.ipynb --queue --resume-from night --reset")
    assert "give one of them" in str(both) and api.status(notebook) == []
    kernel.run("%exp_run train.ipynb --queue --resume-from night")
    (entry,) = api.status(notebook)
    assert entry.spec.resume is not None and entry.spec.resume["name"] == "night"
