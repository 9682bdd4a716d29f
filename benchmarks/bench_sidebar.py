"""What the JupyterLab sidebar costs: its routes' answers, a poll that finds nothing, its load.

    python benchmarks/bench_sidebar.py [--experiments 1000] [--polls 200]

A real ``jupyter server`` (loopback, a token, live_nb's server extension enabled) serves a
folder holding a repository built as ``bench_experiments.py`` builds them (a baseline of 100
tracked files and N experiments). Printed:

- the table route's answer time, cold (live_nb's commit cache empty) and warm (median). The
  first request is made ``FIRST_READ_AFTER`` seconds after the server answers, as a panel
  asks once JupyterLab's page has loaded; by then the server has imported the table's code
  (pandas) in the background (``Panel.prepare``), which a request at once would wait for;
- a poll answered 304 (the panel's refresh while nothing changes): the server's CPU time per
  poll (its own and its Git children's, from psutil) and what that is as a share of one core
  at the panel's interval (``POLL_MS`` in js/lab/src/panel.js);
- the server extension's load: importing ``live_nb.server.routes`` once jupyter_server is
  imported (what the extension adds to the server's start-up);
- the labextension's size (what JupyterLab loads at start) and the widgets' bundle the panel
  loads when it first shows a table.
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
from bench_experiments import build_repository

ROOT = Path(__file__).resolve().parents[1]
POLL_S = 3.0  # js/lab/src/panel.js POLL_MS
FIRST_READ_AFTER = 3.0  # s: JupyterLab's page loads before its panel asks for the table


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(root: Path, home: Path) -> tuple[subprocess.Popen[bytes], str, str]:
    port, token = free_port(), secrets.token_hex(16)
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER")}
    env.update(
        JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTER_DATA_DIR=str(home / "data"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        PYTHONPATH=str(ROOT),
    )
    command = [
        sys.executable, "-m", "jupyter_server", "--no-browser", "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}", f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}", "--ServerApp.allow_root=True",
        '--ServerApp.jpserver_extensions={"live_nb": True}',
    ]  # fmt: skip
    home.mkdir(parents=True, exist_ok=True)
    log = (home / "server.log").open("wb")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            get(f"{base}/api/status", token)
            return process, base, token
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"the server did not start: {(home / 'server.log').read_text()}")


def get(url: str, token: str, etag: str | None = None) -> tuple[int, str | None]:
    headers = {"Authorization": f"token {token}"}
    if etag:
        headers["If-None-Match"] = etag
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as response:
            response.read()
            return response.status, response.headers.get("ETag")
    except urllib.error.HTTPError as error:
        if error.code == 304:
            return 304, etag
        raise


def cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system + times.children_user + times.children_system


def bench_routes(base: str, token: str, pid: int, polls: int) -> None:
    url = f"{base}/live-nb/api/experiments?path=big"
    time.sleep(FIRST_READ_AFTER)
    start = time.perf_counter()
    _, etag = get(url, token)
    print(
        f"table, cold (first read, {FIRST_READ_AFTER:g} s after the server started): "
        f"{time.perf_counter() - start:.3f} s"
    )
    warm = []
    for _ in range(5):
        start = time.perf_counter()
        _, etag = get(url, token)
        warm.append(time.perf_counter() - start)
    print(f"table, warm (median of 5): {statistics.median(warm):.3f} s")
    server = psutil.Process(pid)
    before, start = cpu_seconds(server), time.perf_counter()
    for _ in range(polls):
        status, _ = get(url, token, etag)
        assert status == 304, status
    wall = (time.perf_counter() - start) / polls
    per_poll = (cpu_seconds(server) - before) / polls
    before = cpu_seconds(server)
    for _ in range(polls):
        get(f"{base}/api/status", token)
    status = (cpu_seconds(server) - before) / polls
    print(f"for comparison, Jupyter's own /api/status: {status * 1000:.1f} ms of server CPU")
    print(
        f"poll answered 304: {wall * 1000:.1f} ms wall, {per_poll * 1000:.1f} ms of server CPU "
        f"(with its git processes) -> {per_poll / POLL_S:.2%} of a core at one poll "
        f"every {POLL_S:.0f} s per open panel"
    )


def bench_load() -> None:
    script = (
        "import time, jupyter_server.serverapp\n"
        "start = time.perf_counter()\n"
        "import live_nb.server.routes\n"
        "print(f'{time.perf_counter() - start:.3f}')\n"
    )
    runs = [
        float(subprocess.run([sys.executable, "-c", script], check=True, capture_output=True,
                             text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}).stdout)
        for _ in range(3)
    ]  # fmt: skip
    print(f"server extension load (import once jupyter_server is loaded): {min(runs):.3f} s")


def bench_sizes() -> None:
    static = ROOT / "live_nb" / "labextension" / "static"
    size = sum(path.stat().st_size for path in static.glob("*"))
    bundle = (ROOT / "live_nb" / "static" / "widget.js").stat().st_size
    print(f"labextension (loaded at JupyterLab's start): {size / 1024:.1f} KiB")
    print(f"widgets bundle (loaded when the panel first shows a table): {bundle / 1024:.0f} KiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--experiments", type=int, default=1000)
    parser.add_argument("--polls", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="live_nb-bench-sidebar-") as folder:
        root, home = Path(folder) / "root", Path(folder) / "home"
        build_repository(root / "big", args.experiments, 100)
        process, base, token = start_server(root, home)
        try:
            print(f"{args.experiments} experiments:")
            bench_routes(base, token, process.pid, args.polls)
        finally:
            process.terminate()
            process.wait(10)
    bench_load()
    bench_sizes()


if __name__ == "__main__":
    main()
