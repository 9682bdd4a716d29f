from __future__ import annotations

import json
import sys
import threading
import time
import types
from collections.abc import Callable
from pathlib import Path

import pytest

from live_nb import Live
from live_nb.error import LiveNbWarning
from live_nb.monitor import Nvml, SystemMonitor

psutil = pytest.importorskip("psutil")

CPU = Path("dvclive/plots/metrics/system/cpu/usage (%).tsv")


def wait_for(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def rows(path: Path) -> list[list[str]]:
    return [line.split("\t") for line in path.read_text().splitlines()[1:]]


def test_system_metrics_are_logged_with_timestamps(tmp_dir: Path) -> None:
    live = Live(monitor_system=True)
    live.monitor_system(interval=0.01, num_samples=2)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        live.log_metric("loss", 1.0)
        live.next_step()
        if CPU.exists():
            break
        time.sleep(0.05)
    live.end()

    cpu = CPU.read_text().splitlines()
    assert cpu[0] == "timestamp\tstep\tusage (%)"
    assert 0 <= float(cpu[1].split("\t")[2]) <= 100
    assert Path("dvclive/plots/metrics/system/disk/usage (GB)/main.tsv").exists()
    assert Path("dvclive/plots/metrics/system/ram/usage (%).tsv").exists()
    assert Path("dvclive/plots/metrics/system/cpu/parallelization (%).tsv").exists()
    assert not Path("dvclive/plots/metrics/system/ram/total (GB).tsv").exists()
    assert not Path("dvclive/plots/metrics/system/cpu/count.tsv").exists()
    summary = json.loads(Path("dvclive/metrics.json").read_text())
    assert summary["system"]["ram"]["total (GB)"] > 0
    assert summary["system"]["cpu"]["count"] >= 1
    assert summary["system"]["disk"]["total (GB)"]["main"] > 0


def test_rows_are_written_by_the_thread_while_the_loop_never_steps(tmp_dir: Path) -> None:
    live = Live()
    live.monitor_system(interval=0.01, num_samples=3)
    # No next_step at all: the monitor thread itself writes its rows, at the current step.
    assert wait_for(lambda: CPU.exists() and len(rows(CPU)) >= 3)
    written = rows(CPU)
    assert {row[1] for row in written} == {"0"}
    stamps = [int(row[0]) for row in written]
    assert stamps == sorted(stamps)
    live.end()


def test_one_value_per_interval_times_num_samples(tmp_dir: Path) -> None:
    live = Live()
    live.monitor_system(interval=0.02, num_samples=5)  # one row every 0.1 s
    started = time.monotonic()
    time.sleep(1.0)
    live.end()
    elapsed = time.monotonic() - started
    count = len(rows(CPU))
    # Generous bounds for a loaded machine: never more rows than intervals, and not starved.
    assert 2 <= count <= elapsed / 0.1 + 2


def test_rows_take_the_step_of_the_moment_they_are_logged(tmp_dir: Path) -> None:
    live = Live()
    live.monitor_system(interval=0.005, num_samples=1)
    for _ in range(4):
        live.log_metric("loss", 0.5)
        assert wait_for(lambda: CPU.exists() and rows(CPU)[-1][1] == str(live.step))
        live.next_step()
    live.end()
    assert {"0", "1", "2", "3"} <= {row[1] for row in rows(CPU)}


def test_end_stops_the_thread_and_logs_the_unfinished_interval(tmp_dir: Path) -> None:
    live = Live()
    live.monitor_system(interval=0.01, num_samples=30)  # 0.3 s per value: none yet
    monitor = live._monitor
    assert monitor is not None
    time.sleep(0.05)
    assert not CPU.exists()
    live.end()
    assert not monitor.running
    assert len(rows(CPU)) == 1  # the samples taken before end() were averaged and logged
    size = CPU.stat().st_size
    time.sleep(0.1)
    assert CPU.stat().st_size == size


def test_a_busy_loop_and_the_thread_never_trip_each_other(tmp_dir: Path) -> None:
    live = Live(dir="out")
    live.monitor_system(interval=0.001, num_samples=1)
    for step in range(300):
        live.log_metric(f"group{step % 7}/metric{step % 11}", step * 0.5)  # new files too
        live.next_step()
    # On a loaded machine the loop can end before the thread's first sample: wait for it.
    assert wait_for(lambda: "system" in live.summary)
    live.end()
    for path in Path("out/plots/metrics").rglob("*.tsv"):
        lines = path.read_text().splitlines()
        width = len(lines[0].split("\t"))
        assert all(len(line.split("\t")) == width for line in lines), path
    summary = json.loads(Path("out/metrics.json").read_text())
    assert summary["step"] == 299
    assert "system" in summary


def test_psutil_errors_are_warned_once_and_the_run_goes_on(
    tmp_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> None:
        raise psutil.Error("no /proc here")

    monkeypatch.setattr(psutil, "virtual_memory", broken)
    with pytest.warns(LiveNbWarning, match="could not read CPU or memory use") as caught:
        live = Live()
        live.monitor_system(interval=0.005, num_samples=2)
        disk = Path("dvclive/plots/metrics/system/disk/usage (%)/main.tsv")
        assert wait_for(lambda: disk.exists() and len(rows(disk)) >= 3)
        live.log_metric("loss", 1.0)
        live.next_step()
        live.end()
    assert sum("could not read CPU" in str(w.message) for w in caught) == 1
    assert not CPU.exists()


def test_a_missing_directory_is_warned_once_and_left_out(tmp_dir: Path) -> None:
    with pytest.warns(LiveNbWarning, match="could not find directory") as caught:
        live = Live()
        live.monitor_system(
            interval=0.005, num_samples=1, directories_to_monitor={"gone": "/no/such/dir"}
        )
        assert wait_for(lambda: CPU.exists() and len(rows(CPU)) >= 3)
        live.end()
    assert sum("could not find directory" in str(w.message) for w in caught) == 1
    assert not Path("dvclive/plots/metrics/system/disk").exists()


def test_a_failing_writer_never_reaches_the_loop() -> None:
    calls: list[int] = []

    def log(record: object) -> None:
        calls.append(1)
        raise OSError("disk full")

    with pytest.warns(LiveNbWarning, match="could not log system metrics"):
        monitor = SystemMonitor.start(log, interval=0.005, num_samples=1)
        assert monitor is not None
        assert wait_for(lambda: len(calls) >= 3)
        assert monitor.running
        monitor.stop()
    assert not monitor.running


@pytest.mark.parametrize(
    ("arguments", "bounded"),
    [({"interval": 0.5}, ("_interval", 0.1)), ({"num_samples": 0}, ("_num_samples", 1))],
)
def test_settings_out_of_range_are_bounded_with_a_warning_as_in_dvclive(
    tmp_dir: Path, arguments: dict[str, float], bounded: tuple[str, float]
) -> None:
    live = Live()
    name = next(iter(arguments))
    with pytest.warns(LiveNbWarning, match=name):
        live.monitor_system(**arguments)  # type: ignore[arg-type]
    assert getattr(live._monitor, bounded[0]) == bounded[1]
    live.end()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"interval": 0}, "interval"),
        ({"directories_to_monitor": {"../up": "/"}}, "directories_to_monitor"),
    ],
)
def test_bad_monitor_settings_are_clear_errors(
    tmp_dir: Path, arguments: dict[str, object], message: str
) -> None:
    live = Live()
    with pytest.raises(ValueError, match=message):
        live.monitor_system(**arguments)  # type: ignore[arg-type]
    live.end()


# ---- GPU --------------------------------------------------------------------------------


def test_no_nvidia_driver_means_no_gpu_metrics_and_no_warning(tmp_dir: Path) -> None:
    # The real pynvml when installed (nvidia-ml-py, no driver on this machine), else none.
    assert Nvml.open() is None
    live = Live()
    live.monitor_system(interval=0.005, num_samples=1)
    assert wait_for(lambda: CPU.exists() and len(rows(CPU)) >= 2)
    live.end()
    summary = json.loads(Path("dvclive/metrics.json").read_text())
    assert "gpu" not in summary["system"]
    assert "vram" not in summary["system"]


class FakeNvml(types.ModuleType):
    """The few pynvml functions the monitor calls, for two GPUs (no GPU exists here)."""

    def __init__(self, fail_after: int | None = None) -> None:
        super().__init__("pynvml")
        self.calls: list[str] = []
        self.fail_after = fail_after
        self.samples = 0
        self.lock = threading.Lock()

    def nvmlInit(self) -> None:
        self.calls.append("init")

    def nvmlShutdown(self) -> None:
        self.calls.append("shutdown")

    def nvmlDeviceGetCount(self) -> int:
        with self.lock:
            self.samples += 1
            if self.fail_after is not None and self.samples > self.fail_after:
                raise RuntimeError("GPU fell off the bus")
        return 2

    def nvmlDeviceGetHandleByIndex(self, index: int) -> int:
        return index

    def nvmlDeviceGetMemoryInfo(self, handle: int) -> types.SimpleNamespace:
        total = 8 * 1024**3
        return types.SimpleNamespace(used=total // 4 * (handle + 1), total=total)

    def nvmlDeviceGetUtilizationRates(self, handle: int) -> types.SimpleNamespace:
        return types.SimpleNamespace(gpu=30 + 40 * handle, memory=10)


def test_gpu_metrics_under_dvclive_names(tmp_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeNvml()
    monkeypatch.setitem(sys.modules, "pynvml", fake)
    live = Live()
    live.monitor_system(interval=0.005, num_samples=2)
    gpu1 = Path("dvclive/plots/metrics/system/gpu/usage (%)/1.tsv")
    assert wait_for(lambda: gpu1.exists() and len(rows(gpu1)) >= 2)
    live.end()

    metrics = Path("dvclive/plots/metrics/system")
    assert float(rows(metrics / "gpu/usage (%)/0.tsv")[0][2]) == 30.0
    assert float(rows(gpu1)[0][2]) == 70.0
    assert float(rows(metrics / "vram/usage (%)/0.tsv")[0][2]) == 25.0
    assert float(rows(metrics / "vram/usage (%)/1.tsv")[0][2]) == 50.0
    assert float(rows(metrics / "vram/usage (GB)/1.tsv")[0][2]) == 4.0
    assert not (metrics / "vram/total (GB)").exists()
    assert not (metrics / "gpu/count.tsv").exists()
    summary = json.loads(Path("dvclive/metrics.json").read_text())["system"]
    assert summary["gpu"]["count"] == 2
    assert summary["vram"]["total (GB)"] == {"0": 8.0, "1": 8.0}
    assert fake.calls == ["init", "shutdown"]  # once per run, not once per sample


def test_an_nvml_error_turns_gpu_metrics_off_with_one_warning(
    tmp_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeNvml(fail_after=2)
    monkeypatch.setitem(sys.modules, "pynvml", fake)
    with pytest.warns(LiveNbWarning, match="GPU metrics are off") as caught:
        live = Live()
        live.monitor_system(interval=0.005, num_samples=1)
        assert wait_for(lambda: CPU.exists() and len(rows(CPU)) >= 5)
        live.end()
    assert sum("GPU" in str(w.message) for w in caught) == 1
    assert fake.samples == 3  # no more NVML calls after the failure
    assert fake.calls == ["init", "shutdown"]
    assert len(rows(Path("dvclive/plots/metrics/system/gpu/usage (%)/0.tsv"))) == 2
