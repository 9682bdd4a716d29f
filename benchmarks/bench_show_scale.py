"""Does ``experiments.show()`` scale linearly, in time and memory? 1,000 to 100,000 experiments.

    python benchmarks/bench_show_scale.py [--sizes 1000,10000,100000] [--keep DIR]

In-process figures, as a notebook calls ``show()`` (pandas imported before the clock starts):
each measurement runs in a fresh process so its peak memory is its own. For each repository
(built with ``git fast-import`` as ``bench_experiments.py`` builds them: a baseline of 100
tracked files and N experiments under ``refs/exps/``):

- cold (live_nb's commit cache deleted first) and warm (the cache the cold run wrote): wall
  time, the growth of the process's peak resident memory during ``show()`` (ru_maxrss after,
  less the resident memory before), and the peak of Python allocations (tracemalloc, in a run
  of its own since tracing slows it);
- per experiment, so that linear scaling reads as a flat column.

Target (issue 9): time and memory per experiment flat from 10,000 to 100,000 (it was 14 s
cold, 4.7 s warm and 506 MB at 100,000).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_experiments import ENV, build_repository, scratch


def resident_kib() -> int:
    """The process's resident memory now, from /proc (KiB); 0 where there is no /proc."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def child(root: str, trace: bool) -> None:
    """One ``show()`` of ``root``, reporting seconds and memory on standard output as JSON."""
    import pandas  # noqa: F401 - a notebook has it loaded

    from live_nb.experiments.show import show

    before = resident_kib()
    if trace:
        tracemalloc.start()
    start = time.perf_counter()
    frame = show(root)
    elapsed = time.perf_counter() - start
    traced = tracemalloc.get_traced_memory()[1] if trace else 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": elapsed, "rows": len(frame), "grown": peak - before,
                      "traced": traced}))  # fmt: skip


def measure(root: Path, cold: bool, trace: bool = False) -> dict[str, float]:
    if cold:
        shutil.rmtree(root / ".git" / "live_nb" / "cache", ignore_errors=True)
    command = [sys.executable, __file__, "--child", str(root)] + (["--trace"] if trace else [])
    done = subprocess.run(command, capture_output=True, env=ENV, check=True, text=True)
    result: dict[str, float] = json.loads(done.stdout)
    return result


def bench_size(folder: Path, count: int) -> None:
    start = time.perf_counter()
    root, _ = build_repository(folder / f"exps-{count}", count, 100)
    built = time.perf_counter() - start
    cold = measure(root, cold=True)
    assert cold["rows"] == count + 2, cold
    warm = measure(root, cold=False)
    cold_traced = measure(root, cold=True, trace=True)["traced"]
    measure(root, cold=False)  # the cache again, as the traced cold run wrote it
    warm_traced = measure(root, cold=False, trace=True)["traced"]
    for label, run, traced in (("cold", cold, cold_traced), ("warm", warm, warm_traced)):
        per = 1e6 / count
        print(
            f"  {count:>7,} experiments, {label}: {run['seconds']:6.2f} s "
            f"({run['seconds'] * per:5.0f} us each)   peak RSS +{run['grown'] / 1024:5.0f} MiB "
            f"({run['grown'] * 1024 / count:6.0f} B each)   tracemalloc peak "
            f"{traced / 2**20:5.0f} MiB ({traced / count:6.0f} B each)"
        )
    print(f"  (built in {built:.0f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--keep", metavar="DIR", help="build the repositories in DIR, keep them")
    parser.add_argument("--child", metavar="ROOT", help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.trace)
        return
    print("show() in a process with pandas loaded; each figure a process of its own")
    with scratch(args.keep) as folder:
        for count in (int(size) for size in args.sizes.split(",")):
            bench_size(folder, count)


if __name__ == "__main__":
    main()
