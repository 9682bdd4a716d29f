"""Metric histories: ``plots/metrics/<name>.tsv``, appended row by row.

Rows are buffered in memory by ``log_metric`` and handed to the operating
system in one ``write`` per file by :meth:`MetricWriter.flush`, which ``Live``
calls at every ``next_step``. A process killed after ``next_step`` returned
therefore loses no row of a completed step, and no file ever holds half a row.
"""

from __future__ import annotations

import csv
import io
import os
import time
from pathlib import Path

from live_nb.formats.files import open_for_append, write_all

# Beyond this many metric files, files are opened per flush instead of kept open.
MAX_OPEN_FILES = 128


def format_value(value: int | float | str) -> str:
    """A value as DVCLive's ``csv.DictWriter`` writes it (repr for floats, quoting for text)."""
    if isinstance(value, float):
        return float.__repr__(value)
    if isinstance(value, str):
        return _quote_text(value)
    return str(value)


def _quote_text(value: str) -> str:
    if not any(char in value for char in '\t"\n\r'):
        return value
    buffer = io.StringIO()
    csv.writer(buffer, delimiter="\t", lineterminator="").writerow([value])
    return buffer.getvalue()


class MetricSeries:
    """One metric's TSV file and the rows not yet written to it."""

    __slots__ = ("column", "fd", "path", "pending", "summary_keys", "timestamped")

    def __init__(self, name: str, metrics_dir: Path) -> None:
        self.path = metrics_dir / f"{name}.tsv"
        self.column = name.rsplit("/", 1)[-1]
        self.summary_keys = tuple(name.split("/"))
        self.pending: list[str] = []
        self.fd: int | None = None
        self.timestamped: bool | None = None  # decided by the first row, as DVCLive does

    def add_row(self, step: int, text: str, timestamp: bool) -> None:
        if self.timestamped is None:
            self.timestamped = timestamp
        if timestamp:
            self.pending.append(f"{int(time.time() * 1000)}\t{step}\t{text}\n")
        else:
            self.pending.append(f"{step}\t{text}\n")

    def header(self) -> str:
        prefix = "timestamp\tstep" if self.timestamped else "step"
        return f"{prefix}\t{_quote_text(self.column)}\n"


class MetricWriter:
    """Owns every metric file of one output directory."""

    def __init__(self, metrics_dir: Path) -> None:
        self.metrics_dir = metrics_dir
        self.series: dict[str, MetricSeries] = {}
        self._open_count = 0

    def add(self, name: str) -> MetricSeries:
        series = MetricSeries(name, self.metrics_dir)
        self.series[name] = series
        return series

    def flush(self) -> None:
        """Hand every buffered row to the operating system."""
        for series in self.series.values():
            if series.pending:
                self.flush_series(series)

    def flush_series(self, series: MetricSeries) -> None:
        chunk = "".join(series.pending)
        series.pending.clear()
        fd = series.fd
        if fd is None:
            fd = open_for_append(series.path)
            if os.fstat(fd).st_size == 0:
                chunk = series.header() + chunk
        try:
            write_all(fd, chunk.encode("utf-8"))
        finally:
            if series.fd is None:
                if self._open_count < MAX_OPEN_FILES:
                    series.fd = fd
                    self._open_count += 1
                else:
                    os.close(fd)

    def close(self) -> None:
        """Flush, then close every file (they are reopened if logging goes on)."""
        try:
            self.flush()
        finally:
            for series in self.series.values():
                if series.fd is not None:
                    os.close(series.fd)
                    series.fd = None
            self._open_count = 0

    def forget(self) -> None:
        """Close every file and forget every series (a new run starts)."""
        self.close()
        self.series.clear()


def read_last_row(path: Path) -> tuple[int, str] | None:
    """The step and the raw value text of the last row of a metric file, if it has one."""
    try:
        with open(path, "rb") as file:
            size = file.seek(0, os.SEEK_END)
            file.seek(max(0, size - 4096))
            tail = file.read().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return None
    lines = [line for line in tail.splitlines() if line]
    if len(lines) < 2 and size <= 4096:
        return None  # only the header
    fields = lines[-1].split("\t") if lines else []
    try:
        return int(fields[-2]), fields[-1]
    except (IndexError, ValueError):
        return None
