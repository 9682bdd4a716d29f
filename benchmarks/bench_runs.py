"""What running experiments headless costs: queueing, per-run overhead, -j 2, the run-cache.

    python benchmarks/bench_runs.py [--runs 4] [--no-peers]

Printed, each beside its peer measured in the same run where one does the same job:

- queueing a 100-point grid (``live_nb.runs.queue``: plan, snapshot, write the entries);
- a trivial notebook run end to end (snapshot, kernel start, execute, save), against
  papermill executing the same notebook (kernel start, execute, write);
- a trivial script run with ``live-nb exp run``, against ``dvc exp run --queue`` +
  ``dvc queue start`` of the same script as a DVC stage, per run;
- the throughput of ``-j 2`` against ``-j 1`` on a grid of notebook runs;
- a run restored from the run-cache, in the worker (lookup, commit, ref) and as a whole
  ``live-nb exp run`` process.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_experiments import ENV, dvc_executable

from live_nb import runs

BIN = Path(sys.executable).parent
# dvc's queue workers start `dvc` by name: this environment's bin comes first on PATH.
ENV = {**ENV, "PATH": os.pathsep.join([str(BIN), os.environ.get("PATH", "")])}
SCRIPT = (
    "import yaml\nfrom live_nb import Live\n"
    "params = yaml.safe_load(open('params.yaml'))\n"
    "with Live() as live:\n"
    "    live.log_metric('value', params['lr'] * 2)\n"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=4, help="runs per measured grid")
    parser.add_argument("--no-peers", action="store_true", help="skip papermill and dvc")
    args = parser.parse_args()
    os.environ.update({k: v for k, v in ENV.items() if k.startswith("GIT_")})
    with tempfile.TemporaryDirectory(prefix="bench-runs-") as folder:
        root = Path(folder)
        bench_queueing(_project(root / "queue"))
        bench_notebook(_project(root / "notebook"), args.runs, not args.no_peers)
        bench_script(_project(root / "script"), args.runs, not args.no_peers)
        bench_parallel(_project(root / "parallel"), args.runs)
        bench_cached(_project(root / "cached"))


def _project(root: Path) -> Path:
    root.mkdir(parents=True)
    (root / "params.yaml").write_text("lr: 1\n")  # the script's; the notebook's is `rate`
    (root / "train.py").write_text(SCRIPT)
    (root / "train.ipynb").write_text(json.dumps(_notebook()))
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "project")
    return root


def _notebook() -> dict[str, object]:
    def code(source: str, tags: list[str] | None = None) -> dict[str, object]:
        return {"cell_type": "code", "execution_count": None, "outputs": [],
                "metadata": {"tags": tags or []}, "source": source}  # fmt: skip

    return {
        "cells": [code("%load_ext live_nb"), code("rate = 1", ["parameters"]),
                  code("%%live\nlive.log_metric('value', rate * 2)\nlive.next_step()")],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                    "language": "python"}},
        "nbformat": 4, "nbformat_minor": 5,
    }  # fmt: skip


def bench_queueing(root: Path) -> None:
    started = time.perf_counter()
    queued = runs.queue(command=["python", "train.py"], params=["lr=range(0,100)"], path=root)
    elapsed = time.perf_counter() - started
    print(f"queue a 100-point grid: {elapsed * 1000:.0f} ms ({len(queued)} entries)")


def bench_notebook(root: Path, count: int, peers: bool) -> None:
    params = [f"rate={','.join(str(n) for n in range(2, 2 + count))}"]
    ours = _timed(lambda: runs.run("train.ipynb", params, path=root).wait()) / count
    print(f"notebook run, end to end: live_nb {ours:.2f} s per run")
    if not peers:
        return
    papermill = _papermill_per_run(root, count)
    if papermill is not None:
        print(
            f"  papermill, same notebook: {papermill:.2f} s per run; ratio {papermill / ours:.2f}x"
        )


def _papermill_per_run(root: Path, count: int) -> float | None:
    executable = BIN / "papermill"
    if not executable.exists():
        print("  papermill is not installed, skipped (pip install papermill)")
        return None

    def execute() -> None:
        for n in range(count):
            subprocess.run(
                [str(executable), "--no-progress-bar", "train.ipynb", f"out-{n}.ipynb",
                 "-p", "rate", str(n)],
                cwd=root, check=True, capture_output=True, env=ENV,
            )  # fmt: skip

    return _timed(execute) / count


def bench_script(root: Path, count: int, peers: bool) -> None:
    command = [str(BIN / "live-nb"), "exp", "run", "-S", f"lr={','.join(map(str, range(count)))}",
               "--no-run-cache", "--", sys.executable, "train.py"]  # fmt: skip
    ours = _timed(lambda: subprocess.run(command, cwd=root, check=True, capture_output=True))
    ours /= count
    print(f"script run, live-nb exp run: {ours:.2f} s per run (whole process / runs)")
    if peers:
        theirs = _dvc_queue_per_run(root, count)
        if theirs is not None:
            print(f"  dvc exp run --queue + dvc queue start: {theirs:.2f} s per run; "
                  f"ratio {theirs / ours:.1f}x")  # fmt: skip


def _dvc_queue_per_run(root: Path, count: int) -> float | None:
    dvc = dvc_executable()
    if dvc is None:
        print("  dvc is not installed, skipped")
        return None
    project = root.parent / "dvc-project"
    shutil.copytree(root, project, ignore=shutil.ignore_patterns(".git"))
    _git(project, "init", "-q")
    subprocess.run([dvc, "init", "-q"], cwd=project, check=True, env=ENV)
    (project / "dvc.yaml").write_text(
        f"stages:\n  train:\n    cmd: {sys.executable} train.py\n    deps: [train.py]\n"
        "    params: [lr]\n"
    )
    _git(project, "add", ".")
    _git(project, "commit", "-q", "-m", "dvc project")

    def queue_and_run() -> None:
        for n in range(count):
            subprocess.run([dvc, "exp", "run", "--queue", "-S", f"lr={n}"], cwd=project,
                           check=True, capture_output=True, env=ENV)  # fmt: skip
        subprocess.run([dvc, "queue", "start"], cwd=project, check=True, capture_output=True,
                       env=ENV)  # fmt: skip
        _wait_dvc_queue(dvc, project)

    try:
        return _timed(queue_and_run) / count
    finally:
        subprocess.run([dvc, "queue", "stop", "--kill"], cwd=project, capture_output=True, env=ENV)


def _wait_dvc_queue(dvc: str, project: Path, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = subprocess.run([dvc, "queue", "status"], cwd=project, capture_output=True,
                                text=True, env=ENV).stdout  # fmt: skip
        if "Queued" not in status and "Running" not in status:
            return
        time.sleep(0.5)
    raise TimeoutError("dvc's queue did not finish")


def bench_parallel(root: Path, count: int) -> None:
    count = max(count, 4)
    timings = {}
    for jobs in (1, 2):
        params = [f"rate={','.join(str(jobs * 100 + n) for n in range(count))}"]
        started = time.perf_counter()
        runs.run("train.ipynb", params, jobs=jobs, path=root).wait()
        timings[jobs] = time.perf_counter() - started
    ratio = timings[1] / timings[2]
    print(f"{count} notebook runs: -j 1 {timings[1]:.1f} s, -j 2 {timings[2]:.1f} s; "
          f"-j 2 throughput {ratio:.2f}x -j 1")  # fmt: skip


def bench_cached(root: Path) -> None:
    runs.run(command=[sys.executable, "train.py"], params=["lr=42"], path=root).wait()
    restored = []
    for _ in range(5):
        started = time.perf_counter()
        (result,) = runs.run(
            command=[sys.executable, "train.py"], params=["lr=42"], path=root
        ).wait()
        restored.append(time.perf_counter() - started)
        assert result.status == "cached", result
    command = [str(BIN / "live-nb"), "exp", "run", "-S", "lr=42", "--", sys.executable, "train.py"]
    whole = _timed(lambda: subprocess.run(command, cwd=root, check=True, capture_output=True))
    print(
        f"a run restored from the run-cache: {min(restored) * 1000:.0f} ms (queue + restore, "
        f"in process); {whole * 1000:.0f} ms as a whole live-nb process"
    )


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, env=ENV)


if __name__ == "__main__":
    main()
