"""How fast is logging? live_nb's Live beside DVCLive's, in one run.

    python benchmarks/bench_logging.py [--quick]

Prints the time per ``log_metric`` and per step (two metrics + ``next_step``)
for each logger, the ratio, and the time and memory of 100,000 steps of 10
metrics with live_nb. DVCLive is measured when it is installed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable
from typing import Any

from _support import fresh_directory


def per_call(run: Callable[[int], None], calls: int, repeats: int = 3) -> float:
    """The best of ``repeats`` runs of ``run(calls)``, in seconds per call."""
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        run(calls)
        timings.append((time.perf_counter() - start) / calls)
    return min(timings)


def log_metric_loop(live_class: Any) -> Callable[[int], None]:
    def run(calls: int) -> None:
        with fresh_directory():
            live = live_class(save_dvc_exp=False)
            log = live.log_metric
            for index in range(calls):
                log("train/loss", 1.0 / (index + 1))
            live.end()

    return run


def step_loop(live_class: Any) -> Callable[[int], None]:
    def run(calls: int) -> None:
        with fresh_directory():
            live = live_class(save_dvc_exp=False)
            for index in range(calls):
                live.log_metric("train/loss", 1.0 / (index + 1))
                live.log_metric("train/acc", index / calls)
                live.next_step()
            live.end()

    return run


def long_run(steps: int, metrics: int) -> tuple[float, float]:
    """Seconds and peak traced MiB for ``steps`` steps of ``metrics`` metrics with live_nb."""
    from live_nb import Live

    names = [f"group/metric_{index}" for index in range(metrics)]
    with fresh_directory():
        tracemalloc.start()
        start = time.perf_counter()
        live = Live(save_dvc_exp=False)
        for step in range(steps):
            for name in names:
                live.log_metric(name, step * 0.001)
            live.next_step()
        live.end()
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return elapsed, peak


def fmt(seconds: float) -> str:
    return f"{seconds * 1e6:10.2f} us" if seconds < 1e-3 else f"{seconds * 1e3:10.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer iterations (a smoke run)")
    args = parser.parse_args()
    scale = 10 if args.quick else 1

    from live_nb import Live

    loggers: dict[str, Any] = {"live_nb": Live}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from dvclive import Live as DvcLive
        loggers["dvclive"] = DvcLive
    except ImportError:
        print("dvclive is not installed: measuring live_nb alone (pip install dvclive)")

    calls = {
        "live_nb": (200_000 // scale, 50_000 // scale),
        "dvclive": (2_000 // scale, 300 // scale),
    }
    results: dict[str, tuple[float, float]] = {}
    for name, live_class in loggers.items():
        metric_calls, step_calls = calls[name]
        results[name] = (
            per_call(log_metric_loop(live_class), metric_calls),
            per_call(step_loop(live_class), step_calls),
        )

    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    print(f"{'logger':10} {'per log_metric':>16} {'per step (2 metrics + next_step)':>34}")
    for name, (metric, step) in results.items():
        print(f"{name:10} {fmt(metric):>16} {fmt(step):>34}")
    if "dvclive" in results:
        ours, theirs = results["live_nb"], results["dvclive"]
        print(
            f"{'speed-up':10} {theirs[0] / ours[0]:15.0f}x {theirs[1] / ours[1]:33.0f}x"
            "   (target: at least 50x on both)"
        )

    steps = 100_000 // scale
    runs = [long_run(steps, 10) for _ in range(1 if args.quick else 3)]
    seconds = statistics.median(run[0] for run in runs)
    peak = max(run[1] for run in runs)
    print(
        f"live_nb, {steps:,} steps x 10 metrics: {seconds:.2f} s "
        f"({seconds / steps * 1e6:.1f} us per step), peak traced memory {peak:.2f} MiB"
    )


if __name__ == "__main__":
    main()
