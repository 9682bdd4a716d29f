"""How long does ``live-nb push`` take against ``dvc push`` of the same cache? Whole processes.

    python benchmarks/bench_remote.py [--small 1000] [--large-mb 200] [--no-dvc]

Two projects, each cached with live_nb's ``dvc add`` (``formats.artifacts``):

- a folder of ``--small`` small files (one object each, and the folder's ``.dir`` manifest);
- one file of ``--large-mb`` MB of random bytes.

For each, ``live-nb push`` and ``dvc push`` each send the whole cache to a fresh directory
remote (the same cache, a remote of its own), then push again with nothing to send. Each row
prints both wall times, ``dvc / live-nb`` as a ratio, and each process's peak memory (the
large file is streamed in chunks, so live-nb's peak should not grow with it).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from live_nb.formats.artifacts import cache_artifact, ensure_dvc_dir

BIN = Path(sys.executable).parent
ENV = {
    **os.environ,
    "DVC_NO_ANALYTICS": "1",
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
}


def run_measured(command: Sequence[str], cwd: Path) -> tuple[float, int]:
    """Wall time (s) and peak memory (KiB) of one whole process."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV
    )
    assert process.stderr is not None
    errors = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} failed: {errors.decode(errors='replace')}")
    return elapsed, usage.ru_maxrss


def build(root: Path, small: int, large_mb: int) -> None:
    root.mkdir(parents=True)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True, env=ENV)
    ensure_dvc_dir(root)
    if small:
        data = root / "data"
        data.mkdir()
        for index in range(small):
            (data / f"{index:05d}.txt").write_text(f"sample {index}\n" * 8)
        cache_artifact(data, root)
    if large_mb:
        with open(root / "big.bin", "wb") as big:
            for _ in range(large_mb):
                big.write(os.urandom(1024 * 1024))
        cache_artifact(root / "big.bin", root)
    for name in ("ours", "theirs"):
        config = root / ".dvc" / "config"
        with open(config, "a") as fobj:
            fobj.write(f"['remote \"{name}\"']\n    url = ../{name}-store\n")


def measure(root: Path, use_dvc: bool) -> list[tuple[str, float, int, float | None, int | None]]:
    rows = []
    for attempt in ("everything to send", "nothing to send"):
        ours = run_measured([str(BIN / "live-nb"), "push", "-r", "ours"], root)
        theirs = (
            run_measured([str(BIN / "dvc"), "push", "-q", "-r", "theirs"], root)
            if use_dvc
            else None
        )
        rows.append((attempt, *ours, *(theirs or (None, None))))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large-mb", type=int, default=200)
    parser.add_argument("--no-dvc", action="store_true")
    args = parser.parse_args()
    use_dvc = not args.no_dvc and (BIN / "dvc").exists()
    folder = Path(tempfile.mkdtemp(prefix="bench-remote-"))
    try:
        header = f"{'case':<40} {'live-nb':>9} {'dvc':>9} {'ratio':>7}"
        print(f"{header} {'live-nb peak':>13} {'dvc peak':>10}")
        for label, small, large in (
            (f"{args.small} small objects", args.small, 0),
            (f"one {args.large_mb} MB file", 0, args.large_mb),
        ):
            root = folder / label.replace(" ", "-")
            build(root, small, large)
            for attempt, ours, ours_kib, theirs, theirs_kib in measure(root, use_dvc):
                ratio = f"{theirs / ours:6.1f}x" if theirs else "      -"
                shown = f"{theirs:8.2f}s" if theirs else "        -"
                theirs_mem = f"{theirs_kib / 1024:8.0f}MB" if theirs_kib else "         -"
                print(
                    f"{label + ', ' + attempt:<40} {ours:8.2f}s {shown} {ratio} "
                    f"{ours_kib / 1024:11.0f}MB {theirs_mem}",
                    flush=True,
                )
            shutil.rmtree(root)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
