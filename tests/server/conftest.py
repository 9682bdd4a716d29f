"""A real Jupyter server with live_nb's extension, on loopback, for the route tests.

pytest-jupyter's fixtures (``jp_fetch``, ``jp_root_dir``, ...) are imported here, so they and
their hooks apply to this folder only. The server serves ``jp_root_dir``; ``project`` is a Git
repository inside it with a baseline and two experiments saved by live_nb's own store.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from pytest_jupyter.jupyter_server import *  # noqa: F403
from traitlets.config import Config

from live_nb import Live
from live_nb.experiments.save import save
from tests.conftest import git

Fetch = Callable[..., Awaitable[Any]]
IDENTITY = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
}


@pytest.fixture
def jp_server_config() -> Config:
    return Config({"ServerApp": {"jpserver_extensions": {"live_nb": True}}})


def train(lr: float, loss: float) -> None:
    with Live(save_dvc_exp=False) as live:
        live.log_param("lr", lr)
        for step in range(3):
            live.log_metric("train/loss", loss + (2 - step) * 0.1)
            live.next_step()


@pytest.fixture
def project(jp_root_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``<root>/project``: a baseline run committed, then experiments ``fast`` and ``slow``."""
    for key, value in IDENTITY.items():
        monkeypatch.setenv(key, value)
    root = jp_root_dir / "project"
    root.mkdir()
    monkeypatch.chdir(root)
    git(root, "init", "-q", "-b", "main")
    train(lr=0.1, loss=0.9)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "baseline run")
    train(lr=0.3, loss=0.4)
    save(name="fast")
    train(lr=0.01, loss=0.95)
    save(name="slow")
    git(root, "checkout", "-q", "--", ".")
    return root


async def get_json(fetch: Fetch, route: str, **params: Any) -> Any:
    response = await fetch("live-nb", "api", route, params=params)
    return json.loads(response.body)


async def post_json(fetch: Fetch, route: str, body: Any) -> Any:
    response = await fetch(
        "live-nb", "api", route, method="POST", body=json.dumps(body), raise_error=False
    )
    return response.code, json.loads(response.body)
