from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import tracemalloc
from pathlib import Path

from live_nb import Live


def _rows(path: Path) -> list[str]:
    return path.read_text().splitlines()[1:]


def test_rows_of_a_step_are_on_disk_when_next_step_returns(tmp_dir: Path) -> None:
    live = Live()
    live.log_metric("a", 1)
    live.log_metric("b/c", 2)
    live.next_step()

    assert _rows(tmp_dir / "dvclive/plots/metrics/a.tsv") == ["0\t1"]
    assert _rows(tmp_dir / "dvclive/plots/metrics/b/c.tsv") == ["0\t2"]
    assert json.loads((tmp_dir / "dvclive/metrics.json").read_text())["step"] == 0


def test_a_killed_process_loses_no_completed_step(tmp_dir: Path) -> None:
    script = textwrap.dedent(
        """
        import os, signal
        from live_nb import Live
        live = Live()
        live.log_param("lr", 0.1)
        for step in range(500):
            live.log_metric("train/loss", 1 / (step + 1))
            live.log_metric("acc", step)
            live.next_step()
        live.log_metric("acc", -1)  # logged, but its step never completes
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_dir, check=False)
    assert result.returncode == -signal.SIGKILL

    acc = _rows(tmp_dir / "dvclive/plots/metrics/acc.tsv")
    assert acc == [f"{step}\t{step}" for step in range(500)]
    assert len(_rows(tmp_dir / "dvclive/plots/metrics/train/loss.tsv")) == 500
    summary = json.loads((tmp_dir / "dvclive/metrics.json").read_text())
    assert 0 <= summary["step"] <= 499
    assert (tmp_dir / "dvclive/params.yaml").read_text() == "lr: 0.1\n"
    assert not list((tmp_dir / "dvclive").rglob("*.tmp"))


def test_resume_after_a_kill_continues_after_the_last_written_step(tmp_dir: Path) -> None:
    metrics = tmp_dir / "dvclive" / "plots" / "metrics"
    metrics.mkdir(parents=True)
    (metrics / "loss.tsv").write_text("step\tloss\n0\t0.9\n1\t0.8\n2\t0.7\n")
    (tmp_dir / "dvclive" / "metrics.json").write_text('{"loss": 0.8, "step": 1}')

    live = Live(resume=True)

    assert live.step == 3
    assert live.summary == {"loss": 0.7, "step": 2}
    live.log_metric("loss", 0.6)
    live.end()
    assert _rows(metrics / "loss.tsv") == ["0\t0.9", "1\t0.8", "2\t0.7", "3\t0.6"]


def test_resume_continues_the_step_count_and_keeps_params(tmp_dir: Path) -> None:
    with Live() as live:
        live.log_param("first", 1)
        for _ in range(3):
            live.log_metric("m", 1)
            live.next_step()

    with Live(resume=True) as live:
        assert live.step == 3
        live.log_param("second", 2)
        live.log_metric("m", 2)
        live.next_step()

    assert _rows(tmp_dir / "dvclive/plots/metrics/m.tsv") == ["0\t1", "1\t1", "2\t1", "3\t2"]
    assert (tmp_dir / "dvclive/params.yaml").read_text() == "first: 1\nsecond: 2\n"


def test_resume_from_the_environment(tmp_dir: Path, monkeypatch: object) -> None:
    import pytest

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    with Live() as live:
        live.log_metric("m", 1)
        live.next_step()
    monkeypatch.setenv("DVCLIVE_RESUME", "true")
    assert Live().step == 1


def test_rows_logged_without_end_reach_disk_at_exit(tmp_dir: Path) -> None:
    script = "from live_nb import Live\nlive = Live()\nlive.log_metric('m', 5)\n"
    subprocess.run([sys.executable, "-c", script], cwd=tmp_dir, check=True)
    assert _rows(tmp_dir / "dvclive/plots/metrics/m.tsv") == ["0\t5"]


def test_a_long_run_uses_bounded_memory(tmp_dir: Path) -> None:
    live = Live()

    def run(steps: int) -> None:
        for _ in range(steps):
            for index in range(10):
                live.log_metric(f"m{index}", 0.5)
            live.next_step()

    run(2_000)
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    run(20_000)
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    growth = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    assert growth < 256 * 1024, f"memory grew by {growth} bytes over 20,000 steps"
    live.end()
    assert len(_rows(tmp_dir / "dvclive/plots/metrics/m9.tsv")) == 22_000
