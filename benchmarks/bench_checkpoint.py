"""What do checkpoints cost a training loop, and the repository?

    python benchmarks/bench_checkpoint.py [--steps 1000] [--work-ms 5] [--model-kb 256] [--rounds 2]

In a fresh Git project with a few source files, runs the same loop three times: without
checkpoints, with ``Live(checkpoint=True)`` (every step) and with ``checkpoint=10``, ``--rounds``
times interleaved, keeping each one's fastest loop (the machine is shared). Each step
does ``--work-ms`` of busy work (the training), logs 4 metrics, rewrites a ``--model-kb``
model file declared with ``log_artifact(..., checkpoint=True)`` (a small part of it changes
each step) and calls ``next_step``. Prints, per run:

- the loop's wall time and its slowdown against the run without checkpoints (goal: < 10%);
- the CPU the run's other threads (the checkpoint thread) and its Git processes took, per
  checkpoint and as a share of the loop's time: what checkpoints take from the training on a
  machine with no core to spare, and a figure the machine's other load hardly moves;
- how many checkpoints were made (the others were coalesced into them);
- the time from a checkpoint being due to its ref moving (median, 90th percentile, max);
- the growth of ``.git/objects`` and of the DVC cache per checkpoint, and the whole
  ``.git/objects`` per checkpoint once ``git gc`` has packed it (Git stores a whole blob
  per changed file, and deltas only when it packs).

Needs nothing but Git; the live_nb measured is the one Python imports (``PYTHONPATH``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import statistics
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

GOAL = 0.10


def _git(folder: Path, *args: str) -> None:
    identity = ["-c", "user.name=bench", "-c", "user.email=bench@example.com"]
    subprocess.run(["git", *identity, *args], cwd=folder, check=True, capture_output=True)


def _project(folder: Path) -> None:
    _git(folder, "init", "-q", "-b", "main")
    for index in range(50):
        (folder / f"module_{index}.py").write_text(f"VALUE = {index}\n" * 40)
    (folder / ".gitignore").write_text("dvclive/\n")
    _git(folder, "add", ".")
    _git(folder, "commit", "-q", "-m", "project")


def _size(folder: Path) -> int:
    total = 0
    for current, _, names in os.walk(folder):
        for name in names:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(current, name)).st_size
    return total


def _busy(milliseconds: float) -> None:
    end = time.perf_counter() + milliseconds / 1000
    value = 0
    while time.perf_counter() < end:
        value += 1


def _run(folder: Path, steps: int, work_ms: float, model_kb: int, checkpoint: object) -> dict:
    from live_nb import Live

    os.chdir(folder)
    model = folder / "model.bin"
    body = bytearray(os.urandom(model_kb * 1024))
    git_before, cache_before = _size(folder / ".git" / "objects"), _size(folder / ".dvc")
    live = Live(checkpoint=checkpoint, exp_name=f"bench-{checkpoint}", save_dvc_exp=False)
    if checkpoint is not None:
        model.write_bytes(body)
        live.log_artifact("model.bin", checkpoint=True)
    cpu_before = _cpu()
    started = time.perf_counter()
    thread_started = time.thread_time()
    for step in range(steps):
        _busy(work_ms)
        body[step % len(body)] = step % 256  # the weights move a little
        model.write_bytes(body)
        for index in range(4):
            live.log_metric(f"train/m{index}", 1 / (step + 1) + index)
        live.next_step()
    loop = time.perf_counter() - started
    loop_cpu = time.thread_time() - thread_started
    ended = time.perf_counter()
    live.end()
    end_time = time.perf_counter() - ended
    process, children = (after - before for after, before in zip(_cpu(), cpu_before))
    checkpointer = live._checkpoints
    latencies = checkpointer.latencies if checkpointer is not None else []
    made = len(latencies)
    loose = _size(folder / ".git" / "objects") - git_before
    cached = _size(folder / ".dvc") - cache_before
    _git(folder, "gc", "-q")  # what a repository's own upkeep makes of it: deltas in a pack
    packed = _size(folder / ".git" / "objects")
    return {
        "packed": packed / max(made, 1),
        "loop": loop,
        "end": end_time,
        "made": made,
        "latencies": latencies,
        "git": loose / max(made, 1),
        "cache": cached / max(made, 1),
        "threads_cpu": process - loop_cpu,  # every thread but the loop's (end() included)
        "git_cpu": children,
    }


def _cpu() -> tuple[float, float]:
    """CPU seconds of this process (every thread) and of its ended child processes."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    """Run the three loops and print what they cost."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--work-ms", type=float, default=5.0)
    parser.add_argument("--model-kb", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    results: dict[object, dict] = {}
    configurations: list[object] = [None, True, 10]
    for round_ in range(args.rounds):  # interleaved, the fastest kept: a shared machine is noisy
        shift = round_ % len(configurations)  # and each first in turn
        for checkpoint in configurations[shift:] + configurations[:shift]:
            with tempfile.TemporaryDirectory(prefix="live_nb-bench-ckpt-") as folder:
                _project(Path(folder))
                result = _run(Path(folder), args.steps, args.work_ms, args.model_kb, checkpoint)
                os.chdir(tempfile.gettempdir())
            if checkpoint not in results or result["loop"] < results[checkpoint]["loop"]:
                results[checkpoint] = result
    base = results[None]["loop"]
    print(
        f"{args.steps} steps of {args.work_ms:g} ms work, 4 metrics and a {args.model_kb} KB "
        "model file each"
    )
    for checkpoint, result in results.items():
        label = {None: "no checkpoints", True: "checkpoint every step"}.get(
            checkpoint, f"checkpoint every {checkpoint} steps"
        )
        slowdown = result["loop"] / base - 1
        line = f"{label:>26}: loop {result['loop']:.2f} s ({slowdown:+.1%})"
        extra = result["threads_cpu"] - results[None]["threads_cpu"]  # beyond autosync's
        background = extra + result["git_cpu"]
        line += f"; CPU beside the loop {background / result['loop']:.1%} of its time"
        if checkpoint is not None:
            lat = result["latencies"]
            made = max(result["made"], 1)
            line += (
                f" ({background / made * 1000:.1f} ms per checkpoint: its thread "
                f"{extra / made * 1000:.1f} ms, Git {result['git_cpu'] / made * 1000:.1f} ms)"
            )
            line += (
                f", end() {result['end'] * 1000:.0f} ms, {result['made']} checkpoints made; "
                f"due -> ref moved median {statistics.median(lat) * 1000:.0f} ms, "
                f"p90 {_percentile(lat, 0.9) * 1000:.0f} ms, max {max(lat) * 1000:.0f} ms; "
                f"per checkpoint .git/objects +{result['git'] / 1024:.1f} KB "
                f"(whole repository after git gc: {result['packed'] / 1024:.1f} KB), "
                f"DVC cache +{result['cache'] / 1024:.1f} KB"
            )
        print(line)
    every_step = results[True]["loop"] / base - 1
    verdict = "within" if every_step < GOAL else "OVER"
    print(f"every-step slowdown {every_step:+.1%}: {verdict} the {GOAL:.0%} goal")


if __name__ == "__main__":
    main()
