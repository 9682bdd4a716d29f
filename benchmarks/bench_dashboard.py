"""What does the live dashboard cost the training loop? Target: at most +10%.

    python benchmarks/bench_dashboard.py [--steps N] [--no-kernel]

Times a loop of ``log_metric`` + ``next_step`` (100,000 steps by default) as
fast as Python runs it:

1. in this process, with a plain ``Live`` and with a ``Live`` followed by a
   real ``LiveDashboard`` (anywidget) streaming through its pump thread, its
   comm not connected; then with every message serialised as ipykernel would
   (jupyter_client's Session: JSON, HMAC signature, buffers);
2. in a real IPython kernel (jupyter_client), a plain ``Live`` against a
   ``%%live`` cell (the dashboard displayed and streaming over a real comm).

Prints both timings and the ratio of each pair, best of three runs. For
reference it also times a ``Live`` with one do-nothing ``subscribe()`` observer:
the cost the dashboard avoids by reading ``Live``'s files instead of its events.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

from _support import fresh_directory

TARGET = 1.10


def loop(live: Any, steps: int) -> float:
    log, step = live.log_metric, live.next_step
    start = time.perf_counter()
    for index in range(steps):
        log("train/loss", 1.0 / (index + 1))
        step()
    return time.perf_counter() - start


def best_of(run: Callable[[], float], repeats: int = 3) -> float:
    return min(run() for _ in range(repeats))


def plain(steps: int) -> float:
    from live_nb import Live

    with fresh_directory():
        live = Live(save_dvc_exp=False)
        took = loop(live, steps)
        live.end()
    return took


def with_observer(steps: int) -> float:
    from live_nb import Live

    with fresh_directory():
        live = Live(save_dvc_exp=False)
        live.subscribe(lambda event: None)
        took = loop(live, steps)
        live.end()
    return took


def kernel_like_send() -> Callable[[dict[str, Any], list[bytes]], None]:
    """A send that does what ipykernel does to a comm message, short of the socket."""
    from jupyter_client.session import Session

    session = Session(key=b"benchmark-key")

    def send(content: dict[str, Any], buffers: list[bytes] | None = None) -> None:
        message = session.msg(
            "comm_msg", {"comm_id": "0" * 32, "data": {"method": "custom", "content": content}}
        )
        frames = session.serialize(message)
        frames.extend(bytes(buffer) for buffer in buffers or [])

    return send


def with_dashboard(steps: int, serialise: bool, stats: dict[str, Any]) -> float:
    from live_nb import Live
    from live_nb.widgets.dashboard import LiveDashboard

    with fresh_directory():
        live = Live(save_dvc_exp=False)
        dashboard = LiveDashboard(live, title="bench")
        if serialise:
            dashboard.send = kernel_like_send()  # type: ignore[method-assign]
        dashboard.pump.start()
        took = loop(live, steps)
        live.end()
        dashboard.finish("done")
        stats["messages"] = dashboard.pump.sent
    return took


KERNEL_PLAIN = """
import os, tempfile, time
from live_nb import Live
os.chdir(tempfile.mkdtemp())
best = None
for _ in range(3):
    live = Live(save_dvc_exp=False)
    log, step = live.log_metric, live.next_step
    start = time.perf_counter()
    for index in range({steps}):
        log("train/loss", 1.0 / (index + 1))
        step()
    took = time.perf_counter() - start
    live.end()
    best = took if best is None else min(best, took)
print("TOOK", best)
"""

KERNEL_LIVE = """%%live --no-save
import time
log, step = live.log_metric, live.next_step
start = time.perf_counter()
for index in range({steps}):
    log("train/loss", 1.0 / (index + 1))
    step()
print("TOOK", time.perf_counter() - start)
"""


def in_kernel(steps: int) -> tuple[float, float, int] | None:
    try:
        sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
        from tests.kernel import Kernel
    except ImportError:
        return None

    def took(outputs: list[dict[str, Any]]) -> float:
        text = "".join(o.get("text", "") for o in outputs if o["output_type"] == "stream")
        return float(text.split("TOOK", 1)[1].split()[0])

    with fresh_directory() as folder:
        kernel = Kernel(__import__("pathlib").Path(folder))
        try:
            kernel.run("%load_ext live_nb")
            plain_time = took(kernel.run(KERNEL_PLAIN.format(steps=steps), timeout=600))
            live_times = []
            messages = 0
            for _ in range(3):
                msg_id = kernel.submit(KERNEL_LIVE.format(steps=steps))
                outputs, count = collect_counting(kernel, msg_id)
                live_times.append(took(outputs))
                messages = count
            return plain_time, min(live_times), messages
        finally:
            kernel.close()


def collect_counting(kernel: Any, msg_id: str) -> tuple[list[dict[str, Any]], int]:
    outputs: list[dict[str, Any]] = []
    custom = 0
    while True:
        message = kernel.client.get_iopub_msg(timeout=600)
        if message["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = message["msg_type"], message["content"]
        if kind == "comm_msg" and content["data"].get("method") == "custom":
            custom += 1
        if kind == "status" and content["execution_state"] == "idle":
            return outputs, custom
        if kind in ("stream", "error"):
            outputs.append({"output_type": kind, **content})


def report(
    label: str, base: float, other: float, steps: int, extra: str = "", judged: bool = True
) -> bool:
    ratio = other / base
    ok = ratio <= TARGET
    verdict = ("ok" if ok else "OVER TARGET") if judged else "(not the dashboard's)"
    print(
        f"{label:<48} {base:7.3f} s -> {other:7.3f} s  ratio {ratio:5.3f} "
        f"({(other - base) / steps * 1e9:+6.0f} ns/step) {verdict}{extra}"
    )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--no-kernel", action="store_true", help="skip the real-kernel runs")
    args = parser.parse_args()
    steps = args.steps
    warnings.simplefilter("ignore")

    print(f"{steps:,} steps of log_metric + next_step, best of 3 (target: ratio <= {TARGET})")
    base = best_of(lambda: plain(steps))
    stats: dict[str, Any] = {}
    dashboard = best_of(lambda: with_dashboard(steps, False, stats))
    sent = stats["messages"]
    serialised = best_of(lambda: with_dashboard(steps, True, stats))
    observed = best_of(lambda: with_observer(steps))
    ok = report("dashboard, comm not connected", base, dashboard, steps, f"  {sent} messages")
    ok &= report(
        "dashboard, messages serialised as ipykernel",
        base,
        serialised,
        steps,
        f"  {stats['messages']} messages",
    )
    report("reference: one no-op Live.subscribe() observer", base, observed, steps, judged=False)
    if not args.no_kernel:
        measured = in_kernel(steps)
        if measured is None:
            print("real kernel: skipped (jupyter_client is not installed)")
        else:
            plain_time, live_time, messages = measured
            ok &= report(
                "real kernel: plain Live vs %%live (dashboard)",
                plain_time,
                live_time,
                steps,
                f"  {messages} messages",
            )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
