"""System metrics (``Live(monitor_system=True)``): CPU, memory and disk use, via psutil.

A daemon thread samples every ``interval`` seconds and averages every
``num_samples`` samples into one record. It never touches ``Live`` itself: the
logger drains the records on its own thread at ``next_step`` and ``end``, so
metric files are only ever written by one thread.
"""

from __future__ import annotations

import threading
import warnings
from collections import deque
from statistics import mean
from typing import Any

from live_nb._names import check_relative_name
from live_nb.error import LiveNbWarning

GIGABYTE = 1024.0**3
# Totals and counts do not change during a run: summary only, no plot (as in DVCLive).
_NOT_PLOTTED = ("system/cpu/count", "system/ram/total (GB)", "system/disk/total (GB)")
_MAX_RECORDS = 10_000
_BUSY_CPU_PERCENT = 20


class SystemMonitor:
    """Samples CPU, memory and disk use on a thread, for ``Live.monitor_system``."""

    def __init__(self, psutil: Any, interval: float, num_samples: int, disks: dict[str, str]):
        self._psutil = psutil
        self._interval = interval
        self._num_samples = num_samples
        self._disks = disks
        self._records: deque[dict[str, float]] = deque(maxlen=_MAX_RECORDS)
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="live_nb-monitor", daemon=True)

    @classmethod
    def start(
        cls, interval: float, num_samples: int, directories: dict[str, str] | None
    ) -> SystemMonitor | None:
        """Start sampling every ``interval`` seconds, logging the mean of ``num_samples``.

        Returns None (after one warning) without psutil.
        """
        try:
            import psutil
        except ImportError:
            warnings.warn(
                "monitor_system needs psutil: pip install psutil. System metrics are off.",
                LiveNbWarning,
                stacklevel=3,
            )
            return None
        if not 0 < interval <= 0.1:
            raise ValueError(f"interval must be in (0, 0.1] seconds, got {interval}")
        if not 1 <= num_samples <= 30:
            raise ValueError(f"num_samples must be between 1 and 30, got {num_samples}")
        disks = directories if directories is not None else {"main": "/"}
        for name in disks:
            check_relative_name("directories_to_monitor key", name)
        monitor = cls(psutil, interval, num_samples, disks)
        monitor._thread.start()
        return monitor

    def _run(self) -> None:
        samples: list[dict[str, float]] = []
        while not self._stopped.wait(self._interval):
            samples.append(self._sample())
            if len(samples) >= self._num_samples:
                self._records.append({key: mean(s[key] for s in samples) for key in samples[0]})
                samples.clear()

    def _sample(self) -> dict[str, float]:
        psutil = self._psutil
        memory = psutil.virtual_memory()
        per_cpu = psutil.cpu_percent(percpu=True) or [0.0]
        busy = sum(1 for percent in per_cpu if percent >= _BUSY_CPU_PERCENT)
        sample = {
            "system/cpu/count": float(len(per_cpu)),
            "system/cpu/usage (%)": mean(per_cpu),
            "system/cpu/parallelization (%)": busy * 100 / len(per_cpu),
            "system/ram/usage (%)": float(memory.percent),
            "system/ram/usage (GB)": memory.used / GIGABYTE,
            "system/ram/total (GB)": memory.total / GIGABYTE,
        }
        for name, path in self._disks.items():
            try:
                disk = psutil.disk_usage(path)
            except OSError:
                continue
            sample[f"system/disk/usage (%)/{name}"] = float(disk.percent)
            sample[f"system/disk/usage (GB)/{name}"] = disk.used / GIGABYTE
            sample[f"system/disk/total (GB)/{name}"] = disk.total / GIGABYTE
        return sample

    def drain(self) -> list[tuple[str, float, bool]]:
        """Every averaged record since the last drain, as (metric name, value, plot?)."""
        drained: list[tuple[str, float, bool]] = []
        while self._records:
            record = self._records.popleft()
            for name, value in record.items():
                drained.append((name, value, not name.startswith(_NOT_PLOTTED)))
        return drained

    def stop(self) -> None:
        """Stop sampling (the thread ends after its current sample)."""
        self._stopped.set()
        self._thread.join(timeout=1)
