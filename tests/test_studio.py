"""Studio live updates, against a real HTTP server on 127.0.0.1 (and real DVCLive's requests)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from live_nb import Live, studio
from live_nb.error import LiveNbWarning
from tests.conftest import git

REPO_URL = "git@example.com:team/project.git"
TOKEN = "isat_test_token"


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class FakeStudio:
    """A real HTTP server in a thread, recording every POST; stopped by the fixture."""

    delay: float = 0.0
    status: int = 200
    requests: list[Request] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_port}"

    def bodies(self, kind: str | None = None) -> list[dict[str, Any]]:
        return [r.body for r in self.requests if kind is None or r.body["type"] == kind]


def _handler(studio_server: FakeStudio) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            body = json.loads(self.rfile.read(length))
            headers = {k.lower(): v for k, v in self.headers.items()}
            studio_server.requests.append(Request(self.path, headers, body))
            if studio_server.delay:
                time.sleep(studio_server.delay)
            self.send_response(studio_server.status)
            self.end_headers()
            self.wfile.write(b'{"ok": true}')

        def log_message(self, *args: object) -> None:
            return

    return Handler


@pytest.fixture
def studio_server() -> Iterator[FakeStudio]:
    fake = FakeStudio()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    server.block_on_close = False
    fake.server = server
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No Studio setting of this machine leaks in: empty global and system DVC configs."""
    for name in (
        "DVC_STUDIO_TOKEN",
        "STUDIO_TOKEN",
        "DVC_STUDIO_URL",
        "DVC_STUDIO_REPO_URL",
        "STUDIO_REPO_URL",
        "DVC_STUDIO_OFFLINE",
        "STUDIO_ENDPOINT",
        "DVC_ROOT",
        "DVC_EXP_BASELINE_REV",
        "DVC_EXP_NAME",
        "DVCLIVE_TEST",
    ):
        monkeypatch.delenv(name, raising=False)
    configs = tmp_path.parent / f"{tmp_path.name}-dvc-config"
    (configs / "global").mkdir(parents=True)
    (configs / "system").mkdir()
    monkeypatch.setenv("DVC_GLOBAL_CONFIG_DIR", str(configs / "global"))
    monkeypatch.setenv("DVC_SYSTEM_CONFIG_DIR", str(configs / "system"))
    return configs


@pytest.fixture
def studio_env(clean_env: Path, studio_server: FakeStudio, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DVC_STUDIO_TOKEN", TOKEN)
    monkeypatch.setenv("DVC_STUDIO_URL", studio_server.url)
    monkeypatch.setenv("DVC_STUDIO_REPO_URL", REPO_URL)


def tiny_run(live: Live, steps: int = 2) -> None:
    live.log_param("lr", 0.1)
    for step in range(steps):
        live.log_metric("train/loss", 1.0 / (step + 1))
        live.log_metric("acc", float("nan") if step else 0.5)
        live.log_image("img.png", np.zeros((2, 2, 3), dtype=np.uint8))
        live.next_step()


def head(folder: Path) -> str:
    return git(folder, "rev-parse", "HEAD").strip()


def merged_plots(bodies: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Every data event's rows, per file, in the order they were sent (timestamps dropped)."""
    rows: dict[str, list[dict[str, Any]]] = {}
    for body in bodies:
        for name, plot in body.get("plots", {}).items():
            if "data" in plot:
                rows.setdefault(name, []).extend(
                    {k: v for k, v in row.items() if k != "timestamp"} for row in plot["data"]
                )
    return rows


# ---- off unless configured ---------------------------------------------------------------


def test_studio_is_off_without_a_token(clean_env: Path, git_repo: Path) -> None:
    before = {t.name for t in threading.enumerate()}
    live = Live(save_dvc_exp=False)
    assert live._studio is None
    tiny_run(live)
    live.end()
    assert "live_nb-studio" not in {t.name for t in threading.enumerate()} - before


def test_offline_turns_a_configured_token_off(
    studio_env: None, git_repo: Path, monkeypatch: pytest.MonkeyPatch, studio_server: FakeStudio
) -> None:
    monkeypatch.setenv("DVC_STUDIO_OFFLINE", "true")
    live = Live(save_dvc_exp=False)
    assert live._studio is None
    live.end()
    assert studio_server.requests == []


def test_settings_come_from_dvc_config_files_the_most_local_winning(
    clean_env: Path, git_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (clean_env / "global" / "config").write_text(
        "[core]\n    autostage = true\n[studio]\n    token = global-token\n"
        "    url = https://global.example\n    repo_url = git@global:r.git\n"
    )
    (git_repo / ".dvc").mkdir()
    (git_repo / ".dvc" / "config").write_text(
        "[studio]\n    url = https://repo.example  # a comment\n"
        "['remote \"storage\"']\n    url = s3://bucket\n"
    )
    (git_repo / ".dvc" / "config.local").write_text("[studio]\n    token = 'local-token'\n")
    assert studio.studio_config(git_repo) == studio.StudioConfig(
        token="local-token", url="https://repo.example", repo_url="git@global:r.git"
    )
    monkeypatch.setenv("DVC_STUDIO_TOKEN", "env-token")
    monkeypatch.setenv("DVC_STUDIO_URL", "http://env.example")
    config = studio.studio_config(git_repo)
    assert config is not None
    assert (config.token, config.url) == ("env-token", "http://env.example")
    assert config.endpoint == "http://env.example/api/live"
    (git_repo / ".dvc" / "config.local").write_text("[studio]\n    offline = true\n")
    assert studio.studio_config(git_repo) is None
    assert studio.studio_config(None) is not None  # outside a DVC project: only global files


def test_a_token_in_dvc_config_turns_studio_on(
    clean_env: Path, git_repo: Path, studio_server: FakeStudio
) -> None:
    (git_repo / ".dvc").mkdir()
    (git_repo / ".dvc" / "config.local").write_text(
        f"[studio]\n    token = {TOKEN}\n    url = {studio_server.url}\n    repo_url = {REPO_URL}\n"
    )
    live = Live(save_dvc_exp=False, exp_name="from-config")
    tiny_run(live, steps=1)
    live.end()
    assert studio_server.bodies()[0]["type"] == "start"
    assert studio_server.bodies()[-1]["type"] == "done"
    assert studio_server.requests[0].headers["authorization"] == f"token {TOKEN}"


# ---- what is sent ---------------------------------------------------------------------------


def test_a_tiny_run_sends_dvclives_events(
    studio_env: None, git_repo: Path, studio_server: FakeStudio
) -> None:
    live = Live(save_dvc_exp=False, exp_name="tiny", exp_message="x" * 100)
    tiny_run(live)
    live.end()

    requests = studio_server.requests
    assert {r.path for r in requests} == {"/api/live"}
    assert all(r.headers["authorization"] == f"token {TOKEN}" for r in requests)
    assert all(r.headers["content-type"] == "application/json" for r in requests)
    identity = {
        "repo_url": REPO_URL,
        "baseline_sha": head(git_repo),
        "name": "tiny",
        "client": "dvclive",
    }
    assert requests[0].body == {"type": "start", **identity, "message": "x" * 72}
    assert requests[-1].body == {"type": "done", **identity}
    data = studio_server.bodies("data")
    assert len(requests) == len(data) + 2
    with_metrics = [b for b in data if "metrics" in b]
    assert all(set(b) == {*identity, "type", "params", "metrics", "step"} for b in with_metrics)
    with_plots = [b for b in data if "plots" in b]
    assert all(set(b) == {*identity, "type", "plots", "step"} for b in with_plots)
    last = with_metrics[-1]
    assert last["step"] == 1
    assert last["params"] == {"dvclive/params.yaml": {"lr": 0.1}}
    assert last["metrics"] == {
        "dvclive/metrics.json": {"data": {"train": {"loss": 0.5}, "acc": "nan", "step": 1}}
    }
    # Every row reaches Studio exactly once, in order, with DVCLive's types.
    assert merged_plots(data) == {
        "dvclive/plots/metrics/train/loss.tsv": [
            {"step": 0, "loss": 1.0},
            {"step": 1, "loss": 0.5},
        ],
        "dvclive/plots/metrics/acc.tsv": [{"step": 0, "acc": 0.5}, {"step": 1, "acc": "nan"}],
    }
    images = [
        b["plots"]["dvclive/plots/images/img.png"]["image"]
        for b in with_plots
        if "dvclive/plots/images/img.png" in b["plots"]
    ]
    assert images  # base64 of the PNG on disk
    import base64

    assert base64.b64decode(images[-1]) == Path("dvclive/plots/images/img.png").read_bytes()


def test_done_names_the_saved_experiments_commit(
    studio_env: None, git_repo: Path, studio_server: FakeStudio
) -> None:
    live = Live(exp_name="saved-run")
    tiny_run(live, steps=1)
    live.end()
    assert live.experiment is not None
    done = studio_server.bodies("done")
    assert done == [
        {
            "type": "done",
            "repo_url": REPO_URL,
            "baseline_sha": head(git_repo),
            "name": "saved-run",
            "client": "dvclive",
            "experiment_rev": live.experiment.commit,
        }
    ]


def test_a_run_without_a_name_is_sent_and_saved_under_one_name(
    studio_env: None, git_repo: Path, studio_server: FakeStudio
) -> None:
    live = Live()
    tiny_run(live, steps=1)
    live.end()
    assert live.experiment is not None
    assert {b["name"] for b in studio_server.bodies()} == {live.experiment.name}


def test_the_repo_url_defaults_to_the_git_remote(
    studio_env: None, git_repo: Path, studio_server: FakeStudio, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DVC_STUDIO_REPO_URL")
    git(git_repo, "remote", "add", "origin", "https://example.com/team/remote.git")
    live = Live(save_dvc_exp=False)
    tiny_run(live, steps=1)
    live.end()
    assert {b["repo_url"] for b in studio_server.bodies()} == {
        "https://example.com/team/remote.git"
    }


def test_without_any_repo_url_nothing_is_sent_and_one_warning_says_why(
    studio_env: None, git_repo: Path, studio_server: FakeStudio, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DVC_STUDIO_REPO_URL")
    with pytest.warns(LiveNbWarning, match="DVC_STUDIO_REPO_URL") as caught:
        live = Live(save_dvc_exp=False)
        tiny_run(live)
        live.end()
    assert len([w for w in caught if "Studio" in str(w.message)]) == 1
    assert studio_server.requests == []


def test_under_dvc_exp_run_only_data_is_sent(
    studio_env: None, git_repo: Path, studio_server: FakeStudio, monkeypatch: pytest.MonkeyPatch
) -> None:
    (git_repo / ".dvc").mkdir()
    monkeypatch.setenv("DVC_ROOT", str(git_repo))
    monkeypatch.setenv("DVC_EXP_BASELINE_REV", "a" * 40)
    monkeypatch.setenv("DVC_EXP_NAME", "queued-run")
    live = Live()
    tiny_run(live, steps=1)
    live.end()
    bodies = studio_server.bodies()
    assert bodies
    assert {b["type"] for b in bodies} == {"data"}  # DVC posts start and done itself
    assert {(b["baseline_sha"], b["name"]) for b in bodies} == {("a" * 40, "queued-run")}


# ---- a server that is down, failing or slow never hurts the run ----------------------------


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_server_that_is_down_is_warned_about_once(
    studio_env: None, git_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DVC_STUDIO_URL", f"http://127.0.0.1:{closed_port()}")
    started = time.monotonic()
    with pytest.warns(LiveNbWarning, match="could not reach Studio") as caught:
        live = Live(save_dvc_exp=False)
        tiny_run(live, steps=20)
        live.end()
    assert time.monotonic() - started < 5
    assert len([w for w in caught if "Studio" in str(w.message)]) == 1
    assert json.loads(Path("dvclive/metrics.json").read_text())["step"] == 19


def test_a_server_answering_errors_is_warned_about_once_and_a_refused_start_ends_it(
    studio_env: None, git_repo: Path, studio_server: FakeStudio
) -> None:
    studio_server.status = 500
    with pytest.warns(LiveNbWarning, match="Studio answered 500") as caught:
        live = Live(save_dvc_exp=False)
        tiny_run(live, steps=5)
        live.end()
    assert len([w for w in caught if "Studio" in str(w.message)]) == 1
    assert [b["type"] for b in studio_server.bodies()] == ["start"]  # as DVCLive: no more


def test_refused_data_is_sent_again_with_the_next_step(
    studio_env: None, git_repo: Path, studio_server: FakeStudio
) -> None:
    live = Live(save_dvc_exp=False)
    assert live._studio is not None
    deadline = time.monotonic() + 5
    while not studio_server.requests and time.monotonic() < deadline:
        time.sleep(0.01)  # the start event went through
    studio_server.status = 503
    with pytest.warns(LiveNbWarning, match="Studio answered 503"):
        live.log_metric("loss", 1.0)
        live.next_step()
        while len(studio_server.requests) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.1)
    studio_server.status = 200
    live.log_metric("loss", 2.0)
    live.next_step()
    live.end()
    assert merged_plots(studio_server.bodies("data")[1:])["dvclive/plots/metrics/loss.tsv"] == [
        {"step": 0, "loss": 1.0},
        {"step": 1, "loss": 2.0},
    ]


def test_a_slow_server_never_slows_the_loop(
    studio_env: None, git_repo: Path, studio_server: FakeStudio, monkeypatch: pytest.MonkeyPatch
) -> None:
    studio_server.delay = 1.0
    monkeypatch.setattr(studio, "END_WAIT", 1.0)
    steps = 40
    slowest = 0.0
    started = time.monotonic()
    live = Live(save_dvc_exp=False)
    for step in range(steps):
        live.log_metric("loss", float(step))
        before = time.monotonic()
        live.next_step()
        slowest = max(slowest, time.monotonic() - before)
        time.sleep(0.01)
    live.end()
    elapsed = time.monotonic() - started
    # Posting every step would take the server 40 s or more; the run never waits for it.
    assert slowest < 0.1
    assert elapsed < 8
    assert len(studio_server.requests) < steps


def test_next_step_with_studio_on_only_enqueues(
    studio_env: None, git_repo: Path, studio_server: FakeStudio
) -> None:
    studio_server.delay = 0.5
    live = Live(save_dvc_exp=False)
    link = live._studio
    assert link is not None
    started = time.perf_counter()
    for _ in range(2000):
        link.step_done(1)
    assert (time.perf_counter() - started) / 2000 < 50e-6
    live.end()


# ---- the oracle: real DVCLive against the same server --------------------------------------

DVCLIVE_RUN = """
import numpy as np
from dvclive import Live

with Live(save_dvc_exp=False, exp_name="tiny") as live:
    live.log_param("lr", 0.1)
    for step in range(2):
        live.log_metric("train/loss", 1.0 / (step + 1))
        live.log_metric("acc", float("nan") if step else 0.5)
        live.log_image("img.png", np.zeros((2, 2, 3), dtype=np.uint8))
        live.next_step()
"""


def shape(body: dict[str, Any]) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """An event's kind, its keys, and the files it names."""
    files = sorted({*body.get("plots", {}), *body.get("metrics", {}), *body.get("params", {})})
    return body["type"], tuple(sorted(body)), tuple(files)


@pytest.mark.oracle
def test_the_same_run_sends_what_real_dvclive_sends(
    studio_env: None, tmp_path: Path, studio_server: FakeStudio
) -> None:
    pytest.importorskip("dvclive")
    theirs_dir, ours_dir = tmp_path / "theirs", tmp_path / "ours"
    for folder in (theirs_dir, ours_dir):
        folder.mkdir()
        git(folder, "init", "-q", "-b", "main")
        git(folder, "commit", "-q", "--allow-empty", "-m", "initial")
    subprocess.run(
        [sys.executable, "-c", DVCLIVE_RUN],
        cwd=theirs_dir,
        env={**os.environ, "DVC_NO_ANALYTICS": "1"},
        check=True,
        capture_output=True,
    )
    theirs = [r.body for r in studio_server.requests]
    studio_server.requests.clear()
    os.chdir(ours_dir)
    with Live(save_dvc_exp=False, exp_name="tiny") as live:
        tiny_run(live)
    ours = [r.body for r in studio_server.requests]

    assert theirs[0]["type"] == ours[0]["type"] == "start"
    assert theirs[-1]["type"] == ours[-1]["type"] == "done"
    for index in (0, -1):
        assert {**theirs[index], "baseline_sha": None} == {**ours[index], "baseline_sha": None}
    assert {shape(b) for b in ours} <= {shape(b) for b in theirs}
    assert merged_plots(ours) == merged_plots(
        [b for b in theirs if b["type"] == "data"]
    ) or _same_new_rows(ours, theirs)
    last = ([b for b in theirs if "metrics" in b][-1], [b for b in ours if "metrics" in b][-1])
    assert last[0]["metrics"] == last[1]["metrics"]
    assert last[0]["params"] == last[1]["params"]
    assert last[0]["step"] == last[1]["step"]


def _same_new_rows(ours: list[dict[str, Any]], theirs: list[dict[str, Any]]) -> bool:
    return merged_plots(ours) == merged_plots(theirs)
