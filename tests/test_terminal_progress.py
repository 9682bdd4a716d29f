"""``%%live`` in the terminal IPython: one progress line, rewritten in place while the cell runs.

IPython runs in a real pseudo-terminal, as a person's terminal is; what it writes there is read
back as the terminal received it.
"""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from live_nb.notebook.summary import short_line

pytestmark = pytest.mark.slow

SCRIPT = (
    "%load_ext live_nb\n"
    "%%live term-progress\n"
    "import time\n"
    "for i in range(8):\n"
    "    live.log_metric('loss', 1 / (i + 1))\n"
    "    live.next_step()\n"
    "    time.sleep(0.15)\n"
    "\n\n"
    "print('after')\n"
    "exit\n"
)


def run_in_a_terminal(cwd: Path, script: str, timeout: float = 120) -> str:
    """What IPython, reading ``script`` in a pseudo-terminal, wrote to that terminal."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "IPython", "--simple-prompt", "--no-banner", "--colors=NoColor"],
        stdin=subprocess.PIPE,
        stdout=follower,
        stderr=follower,
        cwd=cwd,
        env={**os.environ, "COLUMNS": "100", "LINES": "40"},
    )
    os.close(follower)
    assert process.stdin is not None
    process.stdin.write(script.encode())
    process.stdin.close()
    received = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closed: IPython exited
                break
            if not chunk:
                break
            received += chunk
        elif process.poll() is not None:
            break
    process.wait(timeout=30)
    os.close(leader)
    return received.decode(errors="replace")


def test_a_live_cell_shows_its_progress_on_one_line_while_it_runs(git_repo: Path) -> None:
    screen = run_in_a_terminal(git_repo, SCRIPT)

    line = re.compile(r"\r%%live \[2\] term-progress · step (\d+) · loss=[\d.]+ · [\d:]+\x1b\[K")
    steps = [int(step) for step in line.findall(screen)]
    assert len(steps) >= 2, screen  # rewritten in place (a carriage return each), not appended
    assert steps == sorted(steps) and steps[-1] >= 5, steps
    # the line cleared, then the summary in its place
    assert "\r\x1b[K%%live [2] term-progress · done · 8 steps" in screen
    assert "Saved experiment term-progress" in screen and "after" in screen
    assert "Traceback" not in screen


def test_the_line_fits_the_terminal_and_never_carries_control_characters() -> None:
    assert short_line("%%live [1] · step 3 · loss=0.5", 80) == "%%live [1] · step 3 · loss=0.5"
    assert short_line("x" * 30, 10) == "x" * 9 + "…"
    assert short_line("evil\x1b]0;title\x07=1", 80) == "evil?]0;title?=1"
