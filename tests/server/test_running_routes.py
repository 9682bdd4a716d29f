"""The sidebar's "Now running" routes, through a real Jupyter server, real kernels and real runs."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

import live_nb
from live_nb import runs
from tests.conftest import git
from tests.server.conftest import Fetch, get_json, post_json

SOURCE = str(Path(live_nb.__file__).parents[1])
SCRIPT = """
import pathlib, time
from live_nb import Live
with Live(save_dvc_exp=False, exp_name="scripted") as live:
    for step in range(5):
        live.log_metric("train/loss", 1.0 / (step + 1))
        live.next_step()
    while not pathlib.Path("go").exists():
        time.sleep(0.05)
"""


def environment() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([SOURCE, os.environ.get("PYTHONPATH", "")])}


async def until(
    check: Callable[[], Awaitable[Any]], timeout: float = 60, what: str = "the condition"
) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = await check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.2)


async def listed(fetch: Fetch) -> list[dict[str, Any]]:
    runs_now: list[dict[str, Any]] = (await get_json(fetch, "running", path="project"))["runs"]
    return runs_now


async def test_a_script_logging_with_live_is_listed_with_its_step_and_curve(
    jp_fetch: Fetch, project: Path
) -> None:
    process = subprocess.Popen([sys.executable, "-c", SCRIPT], cwd=project, env=environment())
    try:

        async def stepped() -> dict[str, Any] | None:
            rows = [row for row in await listed(jp_fetch) if row["step"] == 4]
            return rows[0] if rows else None

        row = await until(stepped, what="the script's last step")
        assert row["source"] == "live" and row["name"] == "scripted"
        assert row["status"] == "running" and row["pid"] == process.pid
        assert row["metrics"] == {"train/loss": pytest.approx(0.2)}
        assert row["sparklines"]["train/loss"] == pytest.approx([1, 0.5, 1 / 3, 0.25, 0.2])
        assert row["kernel"] is None  # not a kernel of this server
        code, answer = await post_json(
            jp_fetch, "running/stop", {"path": "project", "id": row["id"]}
        )
        assert code == 400
        assert "not in a kernel of this Jupyter server" in answer["message"]
        assert f"process {process.pid}" in answer["message"]
    finally:
        (project / "go").touch()
        process.wait(30)

    async def gone() -> bool:
        return await listed(jp_fetch) == []

    await until(gone, what="the ended script to leave the list")


async def test_the_list_answers_304_while_nothing_changes(jp_fetch: Fetch, project: Path) -> None:
    first = await jp_fetch("live-nb", "api", "running", params={"path": "project"})
    tag = first.headers["ETag"]
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch(
            "live-nb", "api", "running", params={"path": "project"},
            headers={"If-None-Match": tag},
        )  # fmt: skip
    assert caught.value.code == 304


async def test_a_queued_run_is_listed_and_cancelled_from_the_panel(
    jp_fetch: Fetch, project: Path
) -> None:
    (project / "train.py").write_text("print('hello')\n")
    git(project, "add", "train.py")
    git(project, "commit", "-qm", "script")
    [queued] = runs.queue(command=[sys.executable, "train.py"], name="later", path=project)
    [row] = await listed(jp_fetch)
    assert row["source"] == "queue" and row["status"] == "queued" and row["name"] == "later"
    assert row["id"] == f"queue:{queued.id}"
    code, answer = await post_json(jp_fetch, "running/stop", {"path": "project", "id": row["id"]})
    assert code == 200, answer
    assert answer["message"] == "later is taken off the queue."
    [row] = await listed(jp_fetch)
    assert row["status"] == "killed"  # seen to stop, for a while


async def test_a_live_cell_in_a_kernel_of_the_server_is_interrupted_and_saved(
    jp_fetch: Fetch, jp_serverapp: Any, project: Path
) -> None:
    (project / "train.ipynb").write_text(json.dumps(
        {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    ))  # fmt: skip
    git(project, "add", "train.ipynb")
    git(project, "commit", "-qm", "notebook")
    response = await jp_fetch(
        "api", "sessions", method="POST",
        body=json.dumps({"path": "project/train.ipynb", "type": "notebook",
                         "kernel": {"name": "python3"}}),
    )  # fmt: skip
    kernel_id = json.loads(response.body)["kernel"]["id"]
    manager = jp_serverapp.kernel_manager
    client = manager.get_kernel(kernel_id).client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=60)
        setup = f"import sys; sys.path.insert(0, {SOURCE!r}); import os; os.chdir({str(project)!r})"
        await client.execute_interactive(setup + "\n%load_ext live_nb", timeout=60)
        cell = (
            "%%live stopped\nimport time\nfor step in range(100000):\n"
            "    live.log_metric('loss', 1 / (step + 1))\n    live.next_step()\n"
            "    time.sleep(0.02)\n"
        )
        running = asyncio.ensure_future(client.execute_interactive(cell, timeout=120))

        async def in_kernel() -> dict[str, Any] | None:
            rows = [r for r in await listed(jp_fetch) if r["kernel"] == kernel_id and r["step"]]
            return rows[0] if rows else None

        row = await until(in_kernel, what="the cell's run")
        assert row["notebook"] == "project/train.ipynb" and row["name"] == "stopped"
        code, answer = await post_json(
            jp_fetch, "running/stop", {"path": "project", "id": row["id"]}
        )
        assert code == 200, answer
        assert "interrupted" in answer["message"]
        reply = await asyncio.wait_for(running, 60)
        assert reply["content"]["status"] == "error"
        assert reply["content"]["ename"] == "KeyboardInterrupt"
        alive = await client.execute_interactive("1 + 1", timeout=30)
        assert alive["content"]["status"] == "ok"  # the kernel stays
    finally:
        client.stop_channels()
    refs = git(project, "for-each-ref", "--format=%(refname)", "refs/exps/")
    [ref] = [line for line in refs.split() if line.endswith("/stopped")]
    assert "Live-Nb-Status: interrupted" in git(project, "log", "-1", "--format=%B", ref)
    assert await listed(jp_fetch) == []
