"""metrics.json and dvc.yaml are current when the process ends, with or without ``end()``,
and soon after a step while the process goes on (DVCLive's LightGBM callback never ends)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import webbrowser
from collections.abc import Callable
from pathlib import Path

import pytest

from live_nb import Live, LiveNbWarning


def test_a_process_that_never_calls_end_leaves_its_last_step_on_disk(tmp_dir: Path) -> None:
    script = (
        "from live_nb import Live\n"
        "live = Live(save_dvc_exp=False)\n"
        "for step in range(5):\n"
        "    live.log_metric('loss', 1 / (step + 1))\n"
        "    live.next_step()\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, cwd=tmp_dir)
    summary = json.loads((tmp_dir / "dvclive" / "metrics.json").read_text())
    assert summary == {"loss": 0.2, "step": 4}
    assert "dvclive/metrics.json" in (tmp_dir / "dvc.yaml").read_text()


def _wait_for(predicate: Callable[[], bool], seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_steps_inside_the_sync_interval_are_written_once_it_is_over(tmp_dir: Path) -> None:
    live = Live(save_dvc_exp=False)
    for step in range(50):  # far faster than the interval: one inline write, then deferred
        live.log_metric("loss", float(step))
        live.next_step()
    metrics = Path("dvclive/metrics.json")

    def current() -> bool:
        return json.loads(metrics.read_text()).get("step") == 49

    assert _wait_for(current), metrics.read_text()
    live.end()
    assert json.loads(metrics.read_text()) == {"loss": 49.0, "step": 49}


def test_read_latest_and_read_step_read_metrics_json(tmp_dir: Path) -> None:
    live = Live(save_dvc_exp=False)
    assert (live.read_latest(), live.read_step()) == ({}, 0)
    for step in range(3):
        live.log_metric("acc", step / 10)
        live.next_step()
    live.end()
    assert live.read_latest() == {"acc": 0.2, "step": 2}
    assert live.read_step() == 2


def test_dvclive_test_writes_into_a_temporary_folder(
    tmp_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DVCLIVE_TEST", "true")
    with pytest.warns(LiveNbWarning, match="DVCLIVE_TEST"), Live() as live:
        live.log_metric("m", 1.0)
    assert list(tmp_dir.iterdir()) == []
    assert Path(live.dir, "metrics.json").is_file()
    assert live.experiment is None


def test_dvclive_open_opens_the_html_report_once(
    tmp_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    monkeypatch.setenv("DVCLIVE_OPEN", "1")
    monkeypatch.setattr(webbrowser, "open", opened.append)
    with Live(report="html", save_dvc_exp=False) as live:
        for _ in range(3):
            live.log_metric("m", 1.0)
            live.next_step()
            live.make_report()
    assert opened == [Path("dvclive/report.html").absolute().as_uri()]
