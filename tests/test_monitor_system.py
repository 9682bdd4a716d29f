from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from live_nb import Live

pytest.importorskip("psutil")


def test_system_metrics_are_logged_with_timestamps(tmp_dir: Path) -> None:
    live = Live(monitor_system=True)
    live.monitor_system(interval=0.01, num_samples=2)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        live.log_metric("loss", 1.0)
        live.next_step()
        if Path("dvclive/plots/metrics/system/cpu/usage (%).tsv").exists():
            break
        time.sleep(0.05)
    live.end()

    cpu = Path("dvclive/plots/metrics/system/cpu/usage (%).tsv").read_text().splitlines()
    assert cpu[0] == "timestamp\tstep\tusage (%)"
    assert 0 <= float(cpu[1].split("\t")[2]) <= 100
    assert Path("dvclive/plots/metrics/system/disk/usage (GB)/main.tsv").exists()
    assert not Path("dvclive/plots/metrics/system/ram/total (GB).tsv").exists()
    summary = json.loads(Path("dvclive/metrics.json").read_text())
    assert summary["system"]["ram"]["total (GB)"] > 0
    assert summary["system"]["cpu"]["count"] >= 1


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"interval": 0.5}, "interval"),
        ({"num_samples": 0}, "num_samples"),
        ({"directories_to_monitor": {"../up": "/"}}, "directories_to_monitor"),
    ],
)
def test_bad_monitor_settings_are_clear_errors(
    tmp_dir: Path, arguments: dict[str, object], message: str
) -> None:
    live = Live()
    with pytest.raises(ValueError, match=message):
        live.monitor_system(**arguments)  # type: ignore[arg-type]
