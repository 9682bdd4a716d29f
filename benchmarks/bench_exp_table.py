"""How fast is ``%exp_show``'s interactive table on the Python side?

    python benchmarks/bench_exp_table.py [--experiments 1000] [--steps 200] [--keep DIR]

Builds a repository with ``git fast-import``: a baseline and N experiments under ``refs/exps``,
each with DVCLive's ``metrics.json``, ``params.yaml`` (a dozen params) and three metric
histories of ``--steps`` rows under ``dvclive/plots/metrics``. Then times, median of 5:

- ``show()`` with its commit cache cold and warm (what the table is built from);
- building :class:`ExperimentsTable` from a DataFrame (ids, JSON rows and columns) and the
  whole constructor (``show()`` warm included), and the size of the state sent to the browser;
- the static ``text/html`` fallback;
- history requests for 1, 8 and 24 selected experiments (the most one request reads).

Targets: the table (show warm + build) <= 0.5 s for 1,000 experiments; a 24-experiment
history request <= 0.3 s.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
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
METRICS = ("train/loss", "train/acc", "eval/loss")


def git(cwd: Path, *args: str, input: bytes | None = None) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, env=ENV, input=input, capture_output=True)
    if done.returncode:
        raise RuntimeError(done.stderr.decode())
    return done.stdout.decode()


def curve(index: int, metric: str, step: int) -> float:
    base = 1.0 / (1 + step * (0.01 + (index % 37) / 1000))
    return 1 - base if metric.endswith("acc") else base * (1.1 if metric.startswith("eval") else 1)


def files_of(index: int, steps: int) -> dict[str, str]:
    last = steps - 1
    latest = {metric: curve(index, metric, last) for metric in METRICS}
    metrics = {
        "train": {"loss": latest["train/loss"], "acc": latest["train/acc"]},
        "eval": {"loss": latest["eval/loss"]},
        "step": last,
    }
    params = "".join(f"p{k}: {(index * (k + 3)) % 101 / 100}\n" for k in range(10))
    params += f"lr: {0.001 * (index % 97 + 1):.6g}\nmodel:\n  depth: {index % 12 + 1}\n"
    found = {
        "dvclive/metrics.json": json.dumps(metrics, indent=4) + "\n",
        "dvclive/params.yaml": params,
    }
    for metric in METRICS:
        name = metric.rsplit("/", 1)[1]
        rows = "".join(f"{step}\t{curve(index, metric, step)!r}\n" for step in range(steps))
        found[f"dvclive/plots/metrics/{metric}.tsv"] = f"step\t{name}\n{rows}"
    return found


def commit(ref: str, message: str, when: int, parent: str | None, files: dict[str, str]) -> bytes:
    parts = [f"commit {ref}\ncommitter Bench <bench@example.com> {when} +0000\n".encode()]
    parts.append(f"data {len(message)}\n{message}\n".encode())
    if parent:
        parts.append(f"from {parent}\n".encode())
    for path, text in files.items():
        data = text.encode()
        parts.append(f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n")
    return b"".join(parts) + b"\n"


def build(folder: Path, experiments: int, steps: int) -> str:
    git(folder, "init", "-q", "-b", "main")
    start = 1_700_000_000
    baseline_files = {"README.md": "bench\n", "dvc.yaml": DVC_YAML, **files_of(0, steps)}
    git(
        folder,
        "fast-import",
        "--quiet",
        input=commit("refs/heads/main", "base", start, None, baseline_files),
    )
    baseline = git(folder, "rev-parse", "HEAD").strip()
    prefix = f"refs/exps/{baseline[:2]}/{baseline[2:]}"
    stream = b"".join(
        commit(
            f"{prefix}/exp-{i:05d}", f"run {i}", start + 60 + i, baseline, files_of(i + 1, steps)
        )
        for i in range(experiments)
    )
    git(folder, "fast-import", "--quiet", input=stream)
    git(folder, "reset", "-q", "--hard", "main")
    return baseline


def median_ms(
    run: Callable[[], object], repeats: int = 5, before: Callable[[], None] | None = None
) -> float:
    times = []
    for _ in range(repeats):
        if before:
            before()
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


@contextlib.contextmanager
def scratch(keep: str | None) -> Iterator[Path]:
    if keep:
        path = Path(keep).absolute()
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="live_nb-table-") as folder:
        yield Path(folder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experiments", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--keep", help="build the repository in this folder and keep it")
    args = parser.parse_args()

    import pandas  # noqa: F401 - a notebook has it loaded already

    from live_nb.experiments.cache import CommitCache
    from live_nb.experiments.show import show
    from live_nb.git import Repository
    from live_nb.widgets.table import ExperimentsTable, static_html, synced_state

    with scratch(args.keep) as root:
        started = time.perf_counter()
        build(root, args.experiments, args.steps)
        print(
            f"built {args.experiments:,} experiments x {len(METRICS)} histories of "
            f"{args.steps} steps in {time.perf_counter() - started:.1f} s"
        )
        with Repository.discover(root) as repo:
            cache = CommitCache(repo.git_dir)
        cold = median_ms(lambda: show(root), before=cache.clear)
        df = show(root)
        warm = median_ms(lambda: show(root))

        def convert() -> None:
            with Repository.discover(root) as repo:
                synced_state(repo, df)

        build_ms = median_ms(convert)
        whole = median_ms(lambda: ExperimentsTable(root).close())
        table = ExperimentsTable(root)
        html_ms = median_ms(lambda: static_html(df))
        size = len(json.dumps({"columns": table.columns, "rows": table.rows}, allow_nan=False))
        print(
            f"show():            cold {cold:7.1f} ms   warm {warm:7.1f} ms   "
            f"({len(df)} rows x {len(df.columns)} columns)"
        )
        print(f"table from frame:  {build_ms:7.1f} ms   (ids, JSON rows and columns)")
        print(
            f"ExperimentsTable(): {whole:7.1f} ms  (show warm + build); state {size / 1e3:.0f} kB "
            f"JSON  {'OK' if whole <= 500 else 'SLOWER than the 500 ms target'}"
        )
        print(f"static text/html:  {html_ms:7.1f} ms   ({len(static_html(df)) / 1e3:.0f} kB)")
        experiments = [row["id"] for row in table.rows if row["kind"] == "experiment"]
        for count in (1, 8, 24):
            ids = experiments[:count]
            request = {"type": "history", "request": 1, "ids": ids}
            took = median_ms(lambda request=request: table.handle(request))
            reply = table.handle(request)
            points = sum(
                len(series["step"])
                for history in reply["histories"].values()
                for series in history["metrics"].values()
            )
            size = len(json.dumps(reply))
            verdict = "" if count != 24 else ("  OK" if took <= 300 else "  SLOWER than 300 ms")
            print(
                f"history, {count:>2} selected: {took:7.1f} ms   ({points:,} points, "
                f"{size / 1e3:.0f} kB){verdict}"
            )
        table.close()


if __name__ == "__main__":
    main()
