"""The "Run from here" routes, through a real Jupyter server, real queues and real headless runs."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from live_nb import runs
from tests.conftest import git
from tests.server.conftest import Fetch, get_json, post_json


def _cell(source: str, tags: tuple[str, ...] = ()) -> dict[str, Any]:
    metadata = {"tags": list(tags)} if tags else {}
    return {"cell_type": "code", "source": source, "metadata": metadata, "outputs": [],
            "execution_count": None}  # fmt: skip


def _notebook(*cells: dict[str, Any]) -> str:
    return json.dumps({
        "cells": list(cells),
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "nbformat": 4, "nbformat_minor": 4,
    })  # fmt: skip


@pytest.fixture
def notebook(project: Path) -> Path:
    """``project/train.ipynb``: a parameters cell, a ``%%live --param`` line, a params.yaml."""
    path = project / "train.ipynb"
    path.write_text(_notebook(
        _cell("%load_ext live_nb"),
        _cell("lr = 0.1\nepochs = 2\noptimizer = 'adam'", ("parameters",)),
        _cell("%%live --param seed=1\nlive.log_metric('lr', lr)\nlive.next_step()"),
    ))  # fmt: skip
    (project / "params.yaml").write_text("batch: 32\nmodel:\n  layers: [64, 32]\n")
    git(project, "add", "train.ipynb", "params.yaml")
    git(project, "commit", "-qm", "notebook")
    return path


async def test_the_form_gets_the_notebooks_parameters_with_their_values(
    jp_fetch: Fetch, notebook: Path
) -> None:
    answer = await get_json(jp_fetch, "launch/params", path="project/train.ipynb")
    assert answer["notebook"] == "project/train.ipynb"
    found = {(p["key"], p["value"], p["where"]) for p in answer["params"]}
    assert found == {
        ("lr", "0.1", "parameters cell"),
        ("epochs", "2", "parameters cell"),
        ("optimizer", "adam", "parameters cell"),
        ("seed", "1", "%%live --param"),
        ("batch", "32", "params.yaml"),
        ("model.layers", "[64,32]", "params.yaml"),
    }


async def test_a_grid_is_queued_without_a_worker_and_listed(
    jp_fetch: Fetch, notebook: Path
) -> None:
    code, answer = await post_json(
        jp_fetch, "launch",
        {"path": "project/train.ipynb", "params": ["lr=0.5,0.05", "batch=8"], "now": False},
    )  # fmt: skip
    assert code == 200, answer
    assert len(answer["runs"]) == 2 and answer["message"].startswith("Queued 2 run(s): ")
    state = await get_json(jp_fetch, "launch/queue", path="project")
    assert state["worker"] == {"pid": None}
    assert state["queued"] == 2 and state["running"] == 0
    assert [row["params"] for row in state["runs"]] == ["lr=0.5 batch=8", "lr=0.05 batch=8"]
    assert {row["status"] for row in state["runs"]} == {"queued"}
    assert {row["notebook"] for row in state["runs"]} == {"train.ipynb"}
    assert [entry.name for entry in runs.status(notebook.parent)] == answer["runs"]


@pytest.mark.parametrize(
    ("items", "item", "says"),
    [
        (["lr=[1,"], "lr=[1,", "expected a value"),
        (["lr=__import__('os').system('touch pwned')"], None, "unexpected '('"),
        (["nope=1"], None, "has no parameter 'nope'"),
        (["lr=range(0,1000)"], None, "over 100 runs"),
        (["lr=range(0,100000000000)"], None, "over 1,000,000 values"),
        (["lr=0.1,0.2", "epochs=range(1,60)"], None, "over 100 runs"),
        (["+lr=3"], None, "already"),
    ],
)
async def test_bad_params_are_refused_with_the_grammars_error_and_nothing_queued(
    jp_fetch: Fetch, notebook: Path, items: list[str], item: str | None, says: str
) -> None:
    code, answer = await post_json(
        jp_fetch, "launch", {"path": "project/train.ipynb", "params": items, "now": True}
    )
    assert code == 400, answer
    assert answer["kind"] == "params" and says in answer["message"], answer
    if item is not None:
        assert answer["item"] == item
    assert not (notebook.parent / ".git/live_nb/queue").exists() or not runs.status(notebook.parent)
    assert not (notebook.parent / "pwned").exists()
    assert (await get_json(jp_fetch, "launch/queue", path="project"))["runs"] == []


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"path": "project/train.ipynb", "params": "lr=1"}, "'params' must be a list of strings"),
        ({"path": "project/train.ipynb", "params": [1]}, "'params' must be a list of strings"),
        ({"path": "project/train.ipynb", "jobs": "two"}, "'jobs' must be a int"),
        ({"path": "project/train.ipynb", "jobs": 0}, "from 1 to 16"),
        ({"path": "project/train.ipynb", "now": "yes"}, "'now' must be a bool"),
        ({"path": "project/params.yaml"}, "is not a notebook"),
        ({}, "lacks 'path'"),
    ],
)
async def test_a_malformed_launch_is_400_with_a_sentence(
    jp_fetch: Fetch, notebook: Path, body: dict[str, Any], says: str
) -> None:
    code, answer = await post_json(jp_fetch, "launch", body)
    assert code == 400 and says in answer["message"], answer


async def test_a_missing_notebook_is_404(jp_fetch: Fetch, notebook: Path) -> None:
    code, answer = await post_json(jp_fetch, "launch", {"path": "project/nowhere.ipynb"})
    assert code == 404 and answer["kind"] == "not-found"
    with pytest.raises(HTTPClientError) as caught:
        await get_json(jp_fetch, "launch/params", path="project/nowhere.ipynb")
    assert caught.value.code == 404


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("../train.ipynb", "'..'"),
        ("project/../../train.ipynb", "'..'"),
        ("/etc/train.ipynb", "absolute"),
        ("out/train.ipynb", "symlink"),
    ],
)
async def test_paths_leaving_the_served_folder_are_refused(
    jp_fetch: Fetch, jp_root_dir: Path, notebook: Path, tmp_path: Path, path: str, why: str
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    git(outside, "init", "-q")
    (outside / "train.ipynb").write_text(notebook.read_text())
    (jp_root_dir / "out").symlink_to(outside)
    with pytest.raises(HTTPClientError) as caught:
        await get_json(jp_fetch, "launch/params", path=path)
    assert caught.value.code == 403
    code, answer = await post_json(jp_fetch, "launch", {"path": path, "params": ["lr=1"]})
    assert code == 403 and answer["kind"] == "refused" and why in answer["message"]
    folder = path.rsplit("/", 1)[0]
    code, answer = await post_json(jp_fetch, "launch/worker", {"path": folder, "action": "start"})
    assert code == 403 and answer["kind"] == "refused"
    assert not (outside / ".git" / "live_nb").exists()


async def test_a_folder_outside_any_repository_says_so(jp_fetch: Fetch, jp_root_dir: Path) -> None:
    (jp_root_dir / "loose").mkdir()
    with pytest.raises(HTTPClientError) as caught:
        await get_json(jp_fetch, "launch/queue", path="loose")
    assert caught.value.code == 404
    assert "git init" in json.loads(caught.value.response.body)["message"]  # type: ignore[union-attr]


ROUTES = [
    ("GET", "launch/params", None),
    ("GET", "launch/queue", None),
    ("POST", "launch", "{}"),
    ("POST", "launch/worker", '{"action": "start"}'),
]


@pytest.mark.parametrize(("method", "route", "body"), ROUTES)
async def test_every_launch_route_refuses_an_unauthenticated_request(
    jp_fetch: Fetch, notebook: Path, method: str, route: str, body: str | None
) -> None:
    for header in ("", "token not-the-token"):
        response = await jp_fetch(
            "live-nb", "api", *route.split("/"), method=method, body=body,
            params={"path": "project/train.ipynb"}, headers={"Authorization": header},
            raise_error=False,
        )  # fmt: skip
        assert response.code == 403, (route, header)
    assert not (notebook.parent / ".git" / "live_nb" / "queue").exists()


async def until(check: Callable[[], Awaitable[Any]], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = await check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.3)


async def test_run_now_starts_a_worker_that_saves_the_experiment(
    jp_fetch: Fetch, notebook: Path
) -> None:
    code, answer = await post_json(
        jp_fetch, "launch", {"path": "project/train.ipynb", "params": ["lr=0.25"], "now": True}
    )
    assert code == 200, answer
    assert "Started a worker (process " in answer["message"]
    [name] = answer["runs"]

    async def done() -> Any:
        state = await get_json(jp_fetch, "launch/queue", path="project")
        return state if state["runs"][0]["status"] in ("done", "failed") else None

    state = await until(done, 120, "the run to end")
    assert state["runs"][0]["status"] == "done", state["runs"][0]["error"]
    assert state["runs"][0]["experiment"] == name
    ref = git(notebook.parent, "for-each-ref", "--format=%(refname)", "refs/exps/")
    saved = [line for line in ref.split() if line.endswith(f"/{name}")]
    assert saved, ref
    assert (
        json.loads(git(notebook.parent, "show", f"{saved[0]}:dvclive/metrics.json"))["lr"] == 0.25
    )


async def test_the_worker_is_started_and_stopped_from_the_panel(
    jp_fetch: Fetch, notebook: Path
) -> None:
    slow = notebook.parent / "slow.ipynb"
    slow.write_text(_notebook(
        _cell("%load_ext live_nb"),
        _cell("pause = 0.01", ("parameters",)),
        _cell("%%live\nimport time\nfor step in range(100000):\n"
              "    live.log_metric('x', step)\n    live.next_step()\n    time.sleep(pause)"),
    ))  # fmt: skip
    git(notebook.parent, "add", "slow.ipynb")
    git(notebook.parent, "commit", "-qm", "slow")
    code, answer = await post_json(
        jp_fetch, "launch/worker", {"path": "project", "action": "start"}
    )
    assert code == 200 and answer["message"].startswith("Nothing is queued"), answer
    code, answer = await post_json(
        jp_fetch, "launch", {"path": "project/slow.ipynb", "params": ["pause=0.05"], "now": False}
    )
    assert code == 200, answer
    code, answer = await post_json(
        jp_fetch, "launch/worker", {"path": "project", "action": "start", "jobs": 1}
    )
    assert code == 200 and answer["message"].startswith("Started a worker"), answer

    async def running() -> Any:
        state = await get_json(jp_fetch, "launch/queue", path="project")
        return state if state["running"] == 1 and state["worker"]["pid"] else None

    state = await until(running, 120, "the run to start")
    code, again = await post_json(jp_fetch, "launch/worker", {"path": "project", "action": "start"})
    assert code == 200 and f"process {state['worker']['pid']}" in again["message"]
    code, answer = await post_json(jp_fetch, "launch/worker", {"path": "project", "action": "stop"})
    assert code == 200 and answer["message"].startswith("Stopping the worker"), answer

    async def stopped() -> Any:
        state = await get_json(jp_fetch, "launch/queue", path="project")
        return state if state["worker"]["pid"] is None and state["running"] == 0 else None

    state = await until(stopped, 60, "the worker to stop")
    assert state["runs"][0]["status"] == "killed", state
    code, answer = await post_json(jp_fetch, "launch/worker", {"path": "project", "action": "stop"})
    assert code == 200 and answer["message"] == "No worker is running for this queue."
    code, answer = await post_json(jp_fetch, "launch/worker", {"path": "project", "action": "go"})
    assert code == 400 and "'start' or 'stop'" in answer["message"]
