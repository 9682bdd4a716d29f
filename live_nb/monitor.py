"""System metrics (``Live(monitor_system=True)``): CPU, memory, disk and NVIDIA GPU use.

A daemon thread takes a sample every ``interval`` seconds and, every ``num_samples``
samples, logs their mean as DVCLive does: ``system/cpu/usage (%)``, ``system/ram/...``,
``system/disk/.../<name>`` and, when NVML answers (the ``gpu`` extra, ``nvidia-ml-py``,
and an NVIDIA driver), ``system/gpu/usage (%)/<i>`` and ``system/vram/.../<i>``. The
thread logs through a callback of ``Live`` (``Live._log_system``), which takes the lock
``next_step`` writes metric files under, so rows are written whether or not the loop
reaches its next step. Nothing the thread meets (a psutil or NVML error, a full disk)
reaches the training loop: each kind of problem is warned about once and sampling goes
on. ``stop`` logs the samples of an unfinished interval, then ends the thread.

GPU usage is NVML's utilization rate (DVCLive divides memory by GPU utilization there).
"""

from __future__ import annotations

import importlib
import threading
import warnings
from collections.abc import Callable, Sequence
from statistics import mean
from typing import Any

from live_nb._names import check_relative_name
from live_nb.error import LiveNbWarning

GIGABYTE = 1024.0**3
MAX_INTERVAL = 0.1
"""The longest sampling interval, in seconds (DVCLive's limit)."""
NUM_SAMPLES_RANGE = (1, 30)
"""The fewest and most samples averaged into one logged value (DVCLive's limits)."""

# Totals and counts do not change during a run: summary only, no plot (as in DVCLive).
_NOT_PLOTTED = (
    "system/cpu/count",
    "system/ram/total (GB)",
    "system/disk/total (GB)",
    "system/gpu/count",
    "system/vram/total (GB)",
)
_BUSY_CPU_PERCENT = 20
_JOIN_SECONDS = 2.0

Record = list[tuple[str, float, bool]]
"""One logged record: (metric name, mean value, whether it gets a plot row)."""


class SystemMonitor:
    """Samples system use on a daemon thread and logs the means through ``log``."""

    def __init__(
        self,
        log: Callable[[Record], None],
        psutil: Any,
        interval: float,
        num_samples: int,
        disks: dict[str, str],
    ) -> None:
        self._log = log
        self._psutil = psutil
        self._interval = interval
        self._num_samples = num_samples
        self._disks = disks
        self._warned: set[str] = set()
        self._gate = threading.Lock()  # held while logging; stop() closes it behind the thread
        self._closed = False
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="live_nb-monitor", daemon=True)

    @classmethod
    def start(
        cls,
        log: Callable[[Record], None],
        interval: float = 0.05,
        num_samples: int = 20,
        directories_to_monitor: dict[str, str] | None = None,
    ) -> SystemMonitor | None:
        """Sample every ``interval`` seconds and ``log`` the mean of every ``num_samples``.

        An ``interval`` over 0.1 s or a ``num_samples`` outside 1-30 is brought within
        bounds with a warning, as DVCLive does. Returns None (after one warning) without
        psutil.

        Raises:
            ValueError: a ``directories_to_monitor`` key is not a plain relative name, or
                ``interval`` is not positive.
        """
        disks = {"main": "/"} if directories_to_monitor is None else dict(directories_to_monitor)
        for name in disks:
            check_relative_name("directories_to_monitor key", name)
        try:
            import psutil
        except ImportError:
            _warn("monitor_system needs psutil: pip install psutil. System metrics are off.")
            return None
        monitor = cls(
            log, psutil, _bounded_interval(interval), _bounded_samples(num_samples), disks
        )
        monitor._thread.start()
        return monitor

    # ---- the thread ---------------------------------------------------------------------

    def _run(self) -> None:
        gpu = Nvml.open()
        try:
            self._psutil.cpu_percent(percpu=True)  # the first call only starts the measure
            samples: list[dict[str, float]] = []
            while not self._stopped.wait(self._interval):
                samples.append(self._sample(gpu))
                if gpu is not None and gpu.failed:
                    gpu = None
                if len(samples) >= self._num_samples:
                    self._publish(samples)
                    samples = []
            self._publish(samples)  # what the last, unfinished interval measured
        except Exception as error:  # never seen by the loop; sampling just ends
            self._warn_once("thread", f"system monitoring stopped: {error!r}")
        finally:
            if gpu is not None:
                gpu.close()

    def _sample(self, gpu: Nvml | None) -> dict[str, float]:
        sample: dict[str, float] = {}
        try:
            sample.update(self._cpu_and_ram())
        except Exception as error:
            self._warn_once("cpu", f"could not read CPU or memory use: {error!r}")
        sample.update(self._disk_use())
        if gpu is not None:
            sample.update(gpu.sample(self._warn_once))
        return sample

    def _cpu_and_ram(self) -> dict[str, float]:
        psutil = self._psutil
        memory = psutil.virtual_memory()
        per_cpu = psutil.cpu_percent(percpu=True) or [0.0]
        busy = sum(1 for percent in per_cpu if percent >= _BUSY_CPU_PERCENT)
        return {
            "system/cpu/count": float(len(per_cpu)),
            "system/cpu/usage (%)": float(mean(per_cpu)),
            "system/cpu/parallelization (%)": busy * 100 / len(per_cpu),
            "system/ram/usage (%)": float(memory.percent),
            "system/ram/usage (GB)": memory.used / GIGABYTE,
            "system/ram/total (GB)": memory.total / GIGABYTE,
        }

    def _disk_use(self) -> dict[str, float]:
        sample: dict[str, float] = {}
        for name, path in self._disks.items():
            try:
                disk = self._psutil.disk_usage(path)
            except Exception:
                self._warn_once(f"disk:{name}", f"could not find directory {path!r}, ignoring it")
                continue
            sample[f"system/disk/usage (%)/{name}"] = float(disk.percent)
            sample[f"system/disk/usage (GB)/{name}"] = disk.used / GIGABYTE
            sample[f"system/disk/total (GB)/{name}"] = disk.total / GIGABYTE
        return sample

    def _publish(self, samples: Sequence[dict[str, float]]) -> None:
        """Log the mean of each metric over the samples that measured it."""
        record = averaged(samples)
        if not record:
            return
        with self._gate:
            if self._closed:
                return
            try:
                self._log(record)
            except Exception as error:  # a full disk, say: the loop's own writes will say so
                self._warn_once("log", f"could not log system metrics: {error!r}")

    def _warn_once(self, kind: str, message: str) -> None:
        if kind in self._warned:
            return
        self._warned.add(kind)
        try:
            _warn(f"monitor_system: {message}")
        except Exception:  # warnings turned into errors: this thread must not die of it
            return

    # ---- control ------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Whether the sampling thread is alive."""
        return self._thread.is_alive()

    def stop(self) -> None:
        """Log the unfinished interval's samples, end the thread; nothing is logged after."""
        self._stopped.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=_JOIN_SECONDS)
        with self._gate:
            self._closed = True


class Nvml:
    """NVIDIA GPU use through NVML (``pynvml``, from the ``nvidia-ml-py`` package)."""

    def __init__(self, nvml: Any) -> None:
        self._nvml = nvml
        self.failed = False

    @classmethod
    def open(cls) -> Nvml | None:
        """NVML, initialised; None without ``pynvml``, a driver or a GPU (silently)."""
        try:
            pynvml = importlib.import_module("pynvml")  # optional: the gpu extra
            pynvml.nvmlInit()
        except Exception:  # ImportError, or NVMLError: no library, no driver
            return None
        return cls(pynvml)

    def sample(self, warn_once: Callable[[str, str], None]) -> dict[str, float]:
        """Each GPU's utilization and memory; an NVML error turns GPU sampling off (warned)."""
        try:
            return self._sample()
        except Exception as error:
            self.failed = True
            self.close()
            warn_once("gpu", f"could not read GPU use, GPU metrics are off: {error!r}")
            return {}

    def _sample(self) -> dict[str, float]:
        nvml = self._nvml
        count = int(nvml.nvmlDeviceGetCount())
        sample = {"system/gpu/count": float(count)}
        for index in range(count):
            handle = nvml.nvmlDeviceGetHandleByIndex(index)
            memory = nvml.nvmlDeviceGetMemoryInfo(handle)
            usage = nvml.nvmlDeviceGetUtilizationRates(handle)
            total = float(memory.total)
            sample[f"system/gpu/usage (%)/{index}"] = float(usage.gpu)
            sample[f"system/vram/usage (%)/{index}"] = 100 * memory.used / total if total else 0.0
            sample[f"system/vram/usage (GB)/{index}"] = memory.used / GIGABYTE
            sample[f"system/vram/total (GB)/{index}"] = total / GIGABYTE
        return sample

    def close(self) -> None:
        """Shut NVML down (once)."""
        nvml, self._nvml = self._nvml, None
        if nvml is None:
            return
        try:
            nvml.nvmlShutdown()
        except Exception:  # shutting down is best effort
            return


def averaged(samples: Sequence[dict[str, float]]) -> Record:
    """The mean of each metric over the samples that have it, with whether it is plotted."""
    values: dict[str, list[float]] = {}
    for sample in samples:
        for name, value in sample.items():
            values.setdefault(name, []).append(value)
    return [
        (name, sum(measured) / len(measured), not name.startswith(_NOT_PLOTTED))
        for name, measured in values.items()
    ]


def _bounded_interval(interval: float) -> float:
    if interval > MAX_INTERVAL:
        _warn(
            f"monitor_system: interval should be at most {MAX_INTERVAL} seconds, got "
            f"{interval}; sampling every {MAX_INTERVAL} seconds."
        )
        return MAX_INTERVAL
    if interval <= 0:
        raise ValueError(f"monitor_system: interval must be positive, got {interval}")
    return float(interval)


def _bounded_samples(num_samples: int) -> int:
    low, high = NUM_SAMPLES_RANGE
    if low <= num_samples <= high:
        return int(num_samples)
    bounded = max(low, min(int(num_samples), high))
    _warn(
        f"monitor_system: num_samples should be between {low} and {high}, got "
        f"{num_samples}; averaging {bounded} samples."
    )
    return bounded


def _warn(message: str) -> None:
    warnings.warn(message, LiveNbWarning, stacklevel=4)
