"""What does ``Live(report="html")`` cost the training loop?

    python benchmarks/bench_report.py [--steps N] [--metrics M] [--work-ms W] [--md]

Times a loop of ``log_metric`` x M + ``next_step`` (10,000 steps x 5 metrics by
default) as fast as Python runs it (or with W ms of busy "training" per step,
so that the run lasts long enough for several rewrites), with ``report=None`` and with
``report="html"`` (and ``report="md"`` with ``--md``), best of three runs, and
prints the ratio, the number of report rewrites during the loop, what one
rewrite costs, the time ``end()`` takes to write the final report, and the
size of ``report.html``.

The rewrite interval adapts: at least ``REPORT_INTERVAL`` seconds apart, and
further apart when one rewrite costs more than ``REPORT_MAX_SHARE`` of that.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from dataclasses import dataclass
from typing import Any

from _support import fresh_directory

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@dataclass
class Run:
    loop: float
    end: float
    writes: int
    cost: float
    size: int


def busy(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def run(report: str | None, steps: int, metrics: int, work: float = 0.0) -> Run:
    from live_nb import Live

    names = [f"train/metric_{index}" for index in range(metrics)]
    with fresh_directory(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        live: Any = Live(report=report, save_dvc_exp=False)  # type: ignore[arg-type]
        log, step = live.log_metric, live.next_step
        start = time.perf_counter()
        for index in range(steps):
            value = 1.0 / (index + 1)
            for name in names:
                log(name, value)
            if work:
                busy(work)
            step()
        took = time.perf_counter() - start
        writer = live._report
        writes = writer.writes if writer is not None else 0
        cost = writer.last_cost if writer is not None else 0.0
        start = time.perf_counter()
        live.end()
        ended = time.perf_counter() - start
        size = os.path.getsize(live.report_file) if live.report_file else 0
    return Run(took, ended, writes, cost, size)


def best_of(report: str | None, steps: int, metrics: int, work: float, repeats: int = 3) -> Run:
    runs = (run(report, steps, metrics, work) for _ in range(repeats))
    return min(runs, key=lambda r: r.loop)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--metrics", type=int, default=5)
    parser.add_argument("--work-ms", type=float, default=0.0, help="busy work per step")
    parser.add_argument("--md", action="store_true", help="also time report='md' (matplotlib)")
    args = parser.parse_args()

    from live_nb.reports import file as report_module

    print(
        f"{args.steps:,} steps x {args.metrics} metrics, {args.work_ms:g} ms of work per step;"
        " report rewrites at least "
        f"{report_module.REPORT_INTERVAL:g} s apart, at most "
        f"{report_module.REPORT_MAX_SHARE:.0%} of the run"
    )
    work = args.work_ms / 1000
    repeats = 3 if args.steps * work < 10 else 1
    plain = best_of(None, args.steps, args.metrics, work, repeats)
    print(f"  report=None    loop {plain.loop * 1000:8.1f} ms   end {plain.end * 1000:7.1f} ms")
    modes = ["html", "md"] if args.md else ["html"]
    for mode in modes:
        timed = best_of(mode, args.steps, args.metrics, work, repeats)
        print(
            f"  report={mode!r:6}  loop {timed.loop * 1000:8.1f} ms"
            f"   end {timed.end * 1000:7.1f} ms   x{timed.loop / plain.loop:.3f}"
            f"   {timed.writes} rewrites during the loop,"
            f" last {timed.cost * 1000:.1f} ms   file {timed.size / 1024:,.0f} KiB"
        )


if __name__ == "__main__":
    main()
