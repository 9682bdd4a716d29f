"""How long does a user wait for ``live-nb exp show``? Whole processes, beside ``dvc exp show``.

    python benchmarks/bench_cli.py [--sizes 1000,10000] [--no-dvc] [--dvc-cold-up-to N]

Each figure is a whole process as a user types it, started from a shell: interpreter start,
imports, reading, printing. For each repository (built as ``bench_experiments.py`` builds
them: a baseline of 100 tracked files and N experiments under ``refs/exps/``):

- ``live-nb exp show --json`` cold (live_nb's commit cache deleted before each run; Git's
  objects warm in the OS page cache) and warm (the cache filled by the previous run), the
  median of a few runs, and each run's peak memory;
- ``dvc exp show --json``, cold (its ``.dvc/tmp/exps/cache`` deleted first) and warm, once
  each: the ratios printed compare like with like, whole process against whole process;
- where live_nb's time goes, cold and warm: the interpreter alone, imports (``-X
  importtime``, with the largest packages named), and the command itself, timed part by
  part by ``_cli_breakdown.py`` in a process of its own: each ``git`` process by what asked
  for it (the refs, the branches and tags, the workspace's ``dvc.yaml`` files, the Git notes
  read), the ``cat-file --batch`` reads, DVC's queue (its stash reflogs and run files), the
  commit cache and the kept rendered rows read and written, the parsing of metrics and
  params files, the rendering, and the rest (building rows, printing).

Both tools run from compiled bytecode, as after ``pip install`` (a checkout run with
``PYTHONDONTWRITEBYTECODE=1`` would compile live_nb's modules at every start, ~0.1 s, while
DVC's come compiled): the bytecode goes to a temporary ``PYTHONPYCACHEPREFIX``, and each
command runs once before it is timed, DVC's before its cold run too.

Targets (issue 9): at least 100x faster than DVC cold and 10x faster warm. DVC's cold run
on 10,000 experiments takes minutes: ``--dvc-cold-up-to`` skips it above that size.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_experiments import ENV, build_repository, dvc_executable

BIN = Path(sys.executable).parent
# Bytecode compiled once, as an installed package has it, and kept out of the checkout.
PYCACHE = tempfile.mkdtemp(prefix="live_nb-bench-pycache-")
ENV = {key: value for key, value in ENV.items() if key != "PYTHONDONTWRITEBYTECODE"}
ENV["PYTHONPYCACHEPREFIX"] = PYCACHE
LIVE_NB = [str(BIN / "live-nb"), "exp", "show", "--json"]
RUNS = 5


def run_measured(command: Sequence[str], cwd: Path) -> tuple[float, int, bytes]:
    """Wall time (s), peak memory (KiB) and standard output of one whole process."""
    with tempfile.TemporaryFile() as output:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, stdout=output, stderr=subprocess.PIPE, env=ENV)
        assert process.stderr is not None
        errors = process.stderr.read()
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed: {errors.decode(errors='replace')}")
        output.seek(0)
        return elapsed, usage.ru_maxrss, output.read()


def median_run(command: Sequence[str], cwd: Path, before: Callable[[], None]) -> tuple[float, int]:
    """Median wall time and largest peak memory of RUNS runs, ``before`` called before each."""
    times, peaks = [], []
    for _ in range(RUNS):
        before()
        elapsed, peak, _ = run_measured(command, cwd)
        times.append(elapsed)
        peaks.append(peak)
    return statistics.median(times), max(peaks)


def clear_live_nb_cache(root: Path) -> None:
    shutil.rmtree(root / ".git" / "live_nb" / "cache", ignore_errors=True)


def clear_dvc_cache(root: Path) -> None:
    shutil.rmtree(root / ".dvc" / "tmp" / "exps" / "cache", ignore_errors=True)


def count_listed(output: bytes) -> int:
    """Experiments in ``exp show --json`` output, whichever of the two layouts it has."""
    rows = json.loads(output)
    nested = sum(len(row.get("experiments") or []) for row in rows if isinstance(row, dict))
    return nested or sum(1 for row in rows if row.get("typ") in {"branch_commit", "branch_base"})


def bench_live_nb(root: Path, count: int) -> tuple[float, float]:
    _, _, output = run_measured(LIVE_NB, root)
    listed = count_listed(output)
    assert listed == count, f"live-nb listed {listed:,} of {count:,} experiments"
    cold, cold_peak = median_run(LIVE_NB, root, lambda: clear_live_nb_cache(root))
    warm, warm_peak = median_run(LIVE_NB, root, lambda: None)
    print(
        f"  live-nb exp show --json   cold {cold:6.2f} s ({cold_peak / 1024:4.0f} MiB)   "
        f"warm {warm:6.2f} s ({warm_peak / 1024:4.0f} MiB)"
    )
    return cold, warm


def bench_dvc(root: Path, count: int, cold_too: bool) -> tuple[float | None, float]:
    dvc = dvc_executable()
    assert dvc is not None
    if not (root / ".dvc").exists():
        subprocess.run([dvc, "init", "-q"], cwd=root, check=True, env=ENV)
    command = [dvc, "exp", "show", "--json"]
    cold_text, cold = "cold  skipped", None
    if cold_too:
        run_measured(command, root)  # compiles DVC's bytecode: the cold run is not slowed by it
        clear_dvc_cache(root)
        cold, cold_peak, output = run_measured(command, root)
        listed = count_listed(output)
        assert listed == count, f"dvc listed {listed:,} of {count:,} experiments"
        cold_text = f"cold {cold:6.2f} s ({cold_peak / 1024:4.0f} MiB)"
    else:
        run_measured(command, root)  # fills DVC's cache for the warm run
    warm, warm_peak, _ = run_measured(command, root)
    warm_text = f"warm {warm:6.2f} s ({warm_peak / 1024:4.0f} MiB)"
    print(f"  dvc exp show --json       {cold_text}   {warm_text}")
    return cold, warm


def import_profile(root: Path) -> tuple[float, float, list[tuple[str, float]]]:
    """Seconds of imports in a warm run, the interpreter's bare start, the largest packages."""
    command = [sys.executable, "-X", "importtime", "-m", "live_nb", "exp", "show", "--json"]
    profiles = []
    for _ in range(RUNS):  # the quickest of a few: a busy machine slows single runs
        done = subprocess.run(command, cwd=root, capture_output=True, env=ENV, check=True)
        profile: dict[str, float] = defaultdict(float)
        for line in done.stderr.decode().splitlines():
            if not line.startswith("import time:") or "self [us]" in line:
                continue
            self_us, _, name = line.removeprefix("import time:").split("|")
            profile[name.strip().split(".")[0]] += int(self_us) / 1e6
        profiles.append(profile)
    per_package = min(profiles, key=lambda profile: sum(profile.values()))
    bare = statistics.median(
        run_measured([sys.executable, "-c", "pass"], root)[0] for _ in range(RUNS)
    )
    largest = sorted(per_package.items(), key=lambda item: -item[1])[:5]
    return sum(per_package.values()), bare, largest


def breakdown(root: Path, cold: bool) -> tuple[float, dict[str, float], dict[str, int]]:
    """The command's own seconds by part (see ``_cli_breakdown.py``), the fastest of RUNS."""
    script = Path(__file__).with_name("_cli_breakdown.py")
    best: tuple[float, dict[str, float], dict[str, int]] | None = None
    with tempfile.TemporaryDirectory() as folder:
        result = Path(folder) / "breakdown.json"
        for _ in range(RUNS):
            if cold:
                clear_live_nb_cache(root)
            subprocess.run(
                [sys.executable, str(script), str(result)], cwd=root, env=ENV, check=True
            )
            found = json.loads(result.read_text())
            if best is None or found["command"] < best[0]:
                best = (found["command"], found["seconds"], found["calls"])
    assert best is not None
    return best


def print_breakdown(label: str, root: Path, cold: bool) -> None:
    total, seconds, calls = breakdown(root, cold)
    git_parts = {name: spent for name, spent in seconds.items() if name.startswith("git ")}
    spawned = sum(
        count for name, count in calls.items() if name.startswith("git ") and "(reads)" not in name
    )
    shown = ", ".join(
        f"{name.removeprefix('git ')} {spent * 1000:.1f}"
        for name, spent in sorted(git_parts.items(), key=lambda item: -item[1])
    )
    print(
        f"  {label} command itself {total:.3f} s; git {sum(git_parts.values()) * 1000:.0f} ms "
        f"in {spawned} processes (ms: {shown})"
    )
    rest = {name: spent for name, spent in seconds.items() if name not in git_parts}
    others = ", ".join(
        f"{name} {spent * 1000:.1f}"
        for name, spent in sorted(rest.items(), key=lambda item: -item[1])
        if spent >= 0.0001
    )
    print(f"    the rest (ms): {others}")


def ratio(theirs: float | None, ours: float, target: int) -> str:
    if theirs is None:
        return "      -"
    verdict = "OK" if theirs / ours >= target else f"below the {target}x target"
    return f"{theirs / ours:6.0f}x ({verdict})"


def bench_size(folder: Path, count: int, dvc_cold: bool, with_dvc: bool) -> None:
    root, _ = build_repository(folder / f"exps-{count}", count, 100)
    print(f"{count:,} experiments:")
    cold, warm = bench_live_nb(root, count)
    imports, bare, largest = import_profile(root)
    named = ", ".join(f"{name} {seconds * 1000:.0f}" for name, seconds in largest)
    print(
        f"  where live-nb's warm {warm:.3f} s goes: interpreter start {bare:.3f} s, "
        f"imports {imports:.3f} s (ms: {named}), the command {max(warm - bare - imports, 0):.3f} s"
    )
    print_breakdown("cold:", root, cold=True)
    print_breakdown("warm:", root, cold=False)
    if not with_dvc:
        return
    dvc_cold_time, dvc_warm = bench_dvc(root, count, dvc_cold)
    faster_cold, faster_warm = ratio(dvc_cold_time, cold, 100), ratio(dvc_warm, warm, 10)
    print(f"  live-nb is faster: cold {faster_cold}, warm {faster_warm}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="experiment counts, comma-separated")
    parser.add_argument("--no-dvc", action="store_true", help="do not time dvc exp show")
    parser.add_argument(
        "--dvc-cold-up-to",
        type=int,
        default=10_000,
        metavar="N",
        help="time DVC's cold run only up to N experiments (it takes minutes at 10,000)",
    )
    args = parser.parse_args()
    with_dvc = not args.no_dvc and dvc_executable() is not None
    if not args.no_dvc and not with_dvc:
        print("dvc is not installed: timing live-nb alone (pip install -e '.[oracle]')")
    begin = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="live_nb-bench-cli-") as folder:
        for count in (int(size) for size in args.sizes.split(",")):
            bench_size(Path(folder), count, count <= args.dvc_cold_up_to, with_dvc)
    shutil.rmtree(PYCACHE, ignore_errors=True)
    print(f"total {time.perf_counter() - begin:.0f} s")


if __name__ == "__main__":
    main()
