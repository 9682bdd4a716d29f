"""``%exp_show``'s table keeps up: a ``%%live`` run of the same kernel lands in it by itself."""

from __future__ import annotations

import queue
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import git
from tests.kernel import Kernel

pytestmark = pytest.mark.slow

WIDGET = "application/vnd.jupyter.widget-view+json"

RUN = """%%live landed
live.log_metric("acc", 0.75)
live.next_step()
"""


def table_model_id(outputs: list[dict[str, Any]]) -> str:
    shown = [o for o in outputs if o["output_type"] == "display_data" and WIDGET in o["data"]]
    assert len(shown) == 1, outputs
    return str(shown[0]["data"][WIDGET]["model_id"])


def state_updates(kernel: Kernel, msg_id: str, comm_id: str, timeout: float = 60) -> list[Any]:
    """The state updates the browser gets for ``comm_id`` while the cell ``msg_id`` runs."""
    updates: list[Any] = []
    deadline = time.monotonic() + timeout
    while True:
        try:
            message = kernel.client.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty as error:
            raise TimeoutError(f"the cell did not end within {timeout}s") from error
        content = message["content"]
        comm = message["msg_type"] == "comm_msg" and content["comm_id"] == comm_id
        if comm and content["data"].get("method") == "update":
            updates.append(content["data"]["state"])
        ours = message["parent_header"].get("msg_id") == msg_id
        if ours and message["msg_type"] == "status" and content["execution_state"] == "idle":
            return updates


def test_a_run_of_this_kernel_lands_in_the_open_table(kernel: Kernel, git_repo: Path) -> None:
    model_id = table_model_id(kernel.run("frame = %exp_show"))
    assert kernel.run("print(len(frame.table.rows))")[0]["text"] == "2\n"  # workspace, main

    updates = state_updates(kernel, kernel.submit(RUN), model_id)

    ref = git(git_repo, "for-each-ref", "--format=%(refname)", "refs/exps").strip()
    assert ref.endswith("/landed")
    rows = [state["rows"] for state in updates if "rows" in state]
    assert rows, updates  # the browser was sent the new rows, without asking
    assert ref in [row["id"] for row in rows[-1]]
    assert kernel.run("print(len(frame.table.rows))")[0]["text"] == "3\n"
