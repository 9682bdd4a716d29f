"""How long does ``live-nb status`` (and a no-op ``live-nb repro``) take beside ``dvc``'s?

    python benchmarks/bench_pipelines.py [--stages 50] [--files 10000] [--runs 3]

Builds a project of ``--stages`` stages (a ``foreach`` in ``dvc.yaml``), each depending on
a folder of ``--files / --stages`` files and writing one output, runs ``dvc repro`` once,
then times whole processes as a user types them, warm (each tool's hash cache filled by a
first run): ``live-nb status`` against ``dvc status``, and ``live-nb repro`` against
``dvc repro`` when nothing changed. Prints the medians and the ratios (goal, issue 15: 10x
for the no-op).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
ENV = {**os.environ, "DVC_NO_ANALYTICS": "1", "PYTHONPATH": str(Path(__file__).parents[1])}
# Bytecode as an installed package has it (pip compiles on install, as it did dvc's): written
# once by the warm-up run into a folder of the benchmark's, never into the checkout.
ENV.pop("PYTHONDONTWRITEBYTECODE", None)
DVCYAML = """\
stages:
  count:
    foreach: ${parts}
    do:
      cmd: ls data/${item} > out/${item}.txt
      deps: ["data/${item}"]
      outs: ["out/${item}.txt"]
"""


def build(root: Path, stages: int, files: int) -> None:
    """The project: ``stages`` folders of files, the pipeline, one ``dvc repro``."""
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    run([str(BIN / "dvc"), "init", "-q"], root)
    parts = [f"p{index:03d}" for index in range(stages)]
    for part in parts:
        folder = root / "data" / part
        folder.mkdir(parents=True)
        for index in range(max(1, files // stages)):
            (folder / f"{index}.txt").write_text(f"{part} {index}\n")
    (root / "out").mkdir()
    (root / "params.yaml").write_text("parts: [" + ", ".join(parts) + "]\n")
    (root / "dvc.yaml").write_text(DVCYAML)
    run([str(BIN / "dvc"), "repro", "-q"], root)


def run(command: list[str], cwd: Path) -> float:
    """Wall time of one whole process (which must succeed)."""
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=ENV, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed: {done.stderr}{done.stdout}")
    return elapsed


def median(command: list[str], cwd: Path, runs: int) -> float:
    """The median of ``runs`` warm runs (after one untimed run)."""
    run(command, cwd)
    return statistics.median(run(command, cwd) for _ in range(runs))


def main() -> None:
    """Build the project and print the four medians and two ratios."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stages", type=int, default=50)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    live_nb = [sys.executable, "-m", "live_nb"]
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "project"
        root.mkdir()
        ENV["PYTHONPYCACHEPREFIX"] = str(Path(folder) / "pycache")
        start = time.perf_counter()
        build(root, args.stages, args.files)
        built = time.perf_counter() - start
        print(f"{args.stages} stages, {args.files} tracked files (built in {built:.1f} s)")
        for what in ("status", "repro"):
            ours = median([*live_nb, what], root, args.runs)
            theirs = median([str(BIN / "dvc"), what], root, args.runs)
            times = f"live-nb {ours:6.2f} s   dvc {theirs:6.2f} s"
            print(f"{what:>7}: {times}   ratio {theirs / ours:5.1f}x")


if __name__ == "__main__":
    main()
