"""How fast are ``experiments.show`` and ``experiments.save``? And ``dvc exp show`` beside them.

    python benchmarks/bench_experiments.py [--quick] [--no-dvc] [--keep DIR]

Builds its repositories with ``git fast-import`` (a baseline holding ``dvc.yaml`` and DVCLive's
``dvclive/metrics.json`` and ``dvclive/params.yaml`` plus many tracked files, and N experiment
commits under ``refs/exps/`` each with its own metrics and params), then times:

- ``show()`` cold: live_nb's commit cache deleted before each run, Git's objects warm in the
  OS page cache, pandas already imported (a notebook has it loaded);
- ``show()`` warm: the cache filled by the previous run;
- ``save()`` in a repository of 1,000 tracked files, per call (median and 90th percentile);
- ``save()`` among 0 and 100,000 existing experiments (packed refs, nearly all of other
  baselines): its cost must not grow with them;
- ``dvc exp show --json`` on the smaller repository, when dvc is installed (its own
  experiment cache deleted first, so both tools start cold).

Targets: show of 1,000 experiments <= 0.5 s cold, 10,000 <= 3 s cold; save <= 150 ms.
The default sizes are 1,000 and 10,000 experiments (a few minutes, most of it dvc); --quick
uses 100 and 1,000 and finishes in well under a minute.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
}
DVC_YAML = """params:
- dvclive/params.yaml
metrics:
- dvclive/metrics.json
plots:
- dvclive/plots/metrics:
    x: step
"""


def git(cwd: Path, *args: str, input: bytes | None = None) -> str:
    result = subprocess.run(
        ["git", *args], cwd=cwd, env=ENV, input=input, capture_output=True, check=True
    )
    return result.stdout.decode()


def metrics_json(index: int) -> str:
    loss = 1.0 / (index + 2)
    data = {"train": {"loss": loss, "acc": 1 - loss}, "test": {"loss": loss * 1.1}, "step": 9}
    return json.dumps(data, indent=4) + "\n"


def params_yaml(index: int) -> str:
    return (
        f"lr: {0.001 * (index % 97 + 1):.6g}\nepochs: {10 + index % 7}\n"
        f"model:\n  depth: {index % 12 + 1}\n  name: resnet\n  dropout: {index % 5 / 10}\n"
        f"seed: {index}\n"
    )


def _blob(path: str, text: str) -> bytes:
    data = text.encode()
    return f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n"


def _commit(ref: str, message: str, when: int, parent: str | None, files: list[bytes]) -> bytes:
    text = message.encode()
    head = f"commit {ref}\ncommitter Bench <bench@example.com> {when} +0000\n"
    head += f"data {len(text)}\n"
    stream = head.encode() + text + b"\n"
    if parent:
        stream += f"from {parent}\n".encode()
    return stream + b"".join(files) + b"\n"


def build_repository(folder: Path, experiments: int, tracked_files: int) -> tuple[Path, str]:
    """A repository whose HEAD has ``experiments`` experiments; returns (root, baseline sha)."""
    folder.mkdir(parents=True)
    git(folder, "init", "-q", "-b", "main")
    git(folder, "config", "user.name", "Bench")
    git(folder, "config", "user.email", "bench@example.com")
    start = 1_700_000_000
    files = [_blob("README.md", "benchmark\n"), _blob("dvc.yaml", DVC_YAML)]
    files.append(_blob("dvclive/metrics.json", metrics_json(0)))
    files.append(_blob("dvclive/params.yaml", params_yaml(0)))
    files.extend(
        _blob(f"src/part{i // 50:03d}/file{i:05d}.py", f"x = {i}\n") for i in range(tracked_files)
    )
    git(
        folder,
        "fast-import",
        "--quiet",
        input=_commit("refs/heads/main", "baseline", start, None, files),
    )
    baseline = git(folder, "rev-parse", "HEAD").strip()
    prefix = f"refs/exps/{baseline[:2]}/{baseline[2:]}"
    stream = b"".join(
        _commit(
            f"{prefix}/exp-{index:05d}",
            f"experiment {index}",
            start + 60 + index,
            baseline,
            [
                _blob("dvclive/metrics.json", metrics_json(index + 1)),
                _blob("dvclive/params.yaml", params_yaml(index + 1)),
            ],
        )
        for index in range(experiments)
    )
    if stream:
        git(folder, "fast-import", "--quiet", input=stream)
    git(folder, "reset", "-q", "--hard", "main")
    return folder, baseline


@contextlib.contextmanager
def scratch(keep: str | None) -> Iterator[Path]:
    if keep:
        path = Path(keep).absolute()
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="live_nb-bench-") as folder:
        yield Path(folder)


def timed(run: Callable[[], object], repeats: int, before: Callable[[], None]) -> list[float]:
    timings = []
    for _ in range(repeats):
        before()
        start = time.perf_counter()
        run()
        timings.append(time.perf_counter() - start)
    return timings


def bench_show(root: Path, count: int, target: float | None) -> float:
    from live_nb.experiments.cache import CommitCache
    from live_nb.experiments.show import show
    from live_nb.git import Repository

    with Repository.discover(root) as repo:
        cache = CommitCache(repo.git_dir)
    frame = show(root)
    experiments = int((frame["typ"].isin(["branch_commit", "branch_base"])).sum())
    assert experiments == count, (experiments, count)
    assert frame["train.loss"].notna().sum() == count + 2, "metrics missing"
    cold = timed(lambda: show(root), 3, cache.clear)
    cache.clear()
    stats = show(root).attrs["read_stats"]
    warm = timed(lambda: show(root), 3, lambda: None)
    hits = show(root).attrs["read_stats"]["cache_hits"]
    cold_median = statistics.median(cold)
    verdict = ""
    if target is not None:
        verdict = "  OK" if cold_median <= target else f"  SLOWER than the {target:g} s target"
    print(
        f"show, {count:>6,} experiments: cold {cold_median * 1000:7.1f} ms "
        f"(best {min(cold) * 1000:.1f}; {stats['objects_read']:,} Git objects read)   "
        f"warm {statistics.median(warm) * 1000:7.1f} ms ({hits:,} cache hits){verdict}"
    )
    return cold_median


def bench_save(root: Path, saves: int) -> None:
    from live_nb.experiments.save import save

    timings = []
    for index in range(saves):
        (root / "dvclive" / "metrics.json").write_text(metrics_json(10_000 + index))
        (root / "dvclive" / "params.yaml").write_text(params_yaml(10_000 + index))
        start = time.perf_counter()
        save(root, name=f"bench-{index}")
        timings.append(time.perf_counter() - start)
    timings.sort()
    median = statistics.median(timings)
    p90 = timings[min(len(timings) - 1, int(len(timings) * 0.9))]
    verdict = "OK" if median <= 0.150 else "SLOWER than the 150 ms target"
    tracked = len(git(root, "ls-files").splitlines())
    print(
        f"save, {tracked:,} tracked files: median {median * 1000:.1f} ms, "
        f"p90 {p90 * 1000:.1f} ms over {saves} saves  {verdict}"
    )


def add_packed_experiments(root: Path, baseline: str, count: int) -> None:
    """``count`` experiment refs written straight into packed-refs, 100 of them on ``baseline``.

    The others belong to made-up baselines; every ref points at ``baseline``'s commit.
    """
    git(root, "pack-refs", "--all")
    packed = root / ".git" / "packed-refs"
    lines = [line for line in packed.read_text().splitlines() if line and line[0] != "#"]
    for index in range(count):
        owner = baseline if index < 100 else f"{index:040x}"
        lines.append(f"{baseline} refs/exps/{owner[:2]}/{owner[2:]}/exp-{index:06d}")
    lines.sort(key=lambda line: line.split(" ", 1)[1].encode())
    header = "# pack-refs with: peeled fully-peeled sorted \n"
    packed.write_text(header + "".join(f"{line}\n" for line in lines))


def bench_save_among(folder: Path, counts: tuple[int, ...], saves: int) -> None:
    from live_nb.experiments.save import save

    medians = []
    for count in counts:
        root, baseline = build_repository(folder / f"save-among-{count}", 0, 1_000)
        add_packed_experiments(root, baseline, count)
        listed = len(git(root, "for-each-ref", "refs/exps/").splitlines())
        assert listed == count, (listed, count)
        timings = []
        for index in range(saves):
            (root / "dvclive" / "metrics.json").write_text(metrics_json(20_000 + index))
            start = time.perf_counter()
            save(root)
            timings.append(time.perf_counter() - start)
        medians.append(statistics.median(timings))
    shown = ", ".join(f"{n:,}: {m * 1000:.1f} ms" for n, m in zip(counts, medians, strict=True))
    print(f"save among existing experiments (median of {saves}): {shown}")


def dvc_executable() -> str | None:
    beside_python = Path(sys.executable).with_name("dvc")
    return str(beside_python) if beside_python.exists() else shutil.which("dvc")


def bench_dvc(root: Path, count: int, ours: float) -> None:
    dvc = dvc_executable()
    if dvc is None:
        print("dvc exp show: dvc is not installed, skipped (pip install -e '.[oracle]')")
        return
    if not (root / ".dvc").exists():
        subprocess.run([dvc, "init", "-q"], cwd=root, check=True, env=ENV)
    shutil.rmtree(root / ".dvc" / "tmp" / "exps" / "cache", ignore_errors=True)
    start = time.perf_counter()
    result = subprocess.run(
        [dvc, "exp", "show", "--json"], cwd=root, capture_output=True, env=ENV, check=True
    )
    elapsed = time.perf_counter() - start
    listed = sum(len(row.get("experiments") or []) for row in json.loads(result.stdout))
    print(
        f"dvc exp show --json, {count:,} experiments (cold): {elapsed:.2f} s, "
        f"{listed:,} listed; live_nb cold is {elapsed / ours:.0f}x faster"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="100 and 1,000 experiments")
    parser.add_argument("--no-dvc", action="store_true", help="do not time dvc exp show")
    parser.add_argument("--keep", metavar="DIR", help="build the repositories in DIR, keep them")
    args = parser.parse_args()
    small, large = (100, 1_000) if args.quick else (1_000, 10_000)
    saves = 10 if args.quick else 30

    import pandas  # noqa: F401 - imported once, as in a notebook, outside the timings

    begin = time.perf_counter()
    with scratch(args.keep) as folder:
        start = time.perf_counter()
        small_repo, _ = build_repository(folder / f"exps-{small}", small, 1_000)
        large_repo, _ = build_repository(folder / f"exps-{large}", large, 1_000)
        save_repo, _ = build_repository(folder / "save", 0, 1_000)
        print(f"built the repositories in {time.perf_counter() - start:.1f} s")
        targets = {1_000: 0.5, 10_000: 3.0}
        small_time = bench_show(small_repo, small, targets.get(small))
        bench_show(large_repo, large, targets.get(large))
        bench_save(save_repo, saves)
        bench_save_among(folder, (0, 100_000), saves)
        if not args.no_dvc:
            bench_dvc(small_repo, small, small_time)
    print(f"total {time.perf_counter() - begin:.1f} s")


if __name__ == "__main__":
    main()
