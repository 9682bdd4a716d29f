"""Metric histories: ``plots/metrics/<name>.tsv``, appended row by row.

Rows are buffered in memory by ``log_metric`` and handed to the operating
system in one ``write`` per file by :meth:`MetricWriter.flush`, which ``Live``
calls at every ``next_step``. A process killed after ``next_step`` returned
therefore loses no row of a completed step, and no file ever holds half a row.
"""

from __future__ import annotations

import csv
import io
import math
import os
import time
from pathlib import Path

from live_nb.error import InvalidNameError
from live_nb.formats.files import open_for_append, write_all

# Beyond this many metric files, files are opened per flush instead of kept open.
MAX_OPEN_FILES = 128

MAX_NAME_BYTES = 255
"""The longest file name most file systems allow (ext4, APFS, NTFS)."""


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
        """Buffer one row; the first row decides whether the file has a timestamp column."""
        if self.timestamped is None:
            self.timestamped = timestamp
        if timestamp:
            self.pending.append(f"{int(time.time() * 1000)}\t{step}\t{text}\n")
        else:
            self.pending.append(f"{step}\t{text}\n")

    def header(self) -> str:
        """The file's first line: ``step`` (after ``timestamp`` if timed), then the value column."""
        prefix = "timestamp\tstep" if self.timestamped else "step"
        return f"{prefix}\t{_quote_text(self.column)}\n"


class MetricWriter:
    """Owns every metric file of one output directory."""

    def __init__(self, metrics_dir: Path) -> None:
        self.metrics_dir = metrics_dir
        self.series: dict[str, MetricSeries] = {}
        self._groups: dict[str, str] = {}  # "train" -> the first metric under it, "train/loss"
        self._open_count = 0

    def add(self, name: str) -> MetricSeries:
        """A new metric's file; ``InvalidNameError`` when its name cannot sit beside the others.

        Checked in the time of the name's depth, however many metrics exist.
        """
        reason = self._clash(name)
        if reason:
            raise InvalidNameError("metric name", name, reason)
        series = MetricSeries(name, self.metrics_dir)
        self.series[name] = series
        parts = name.split("/")
        for depth in range(1, len(parts)):
            self._groups.setdefault("/".join(parts[:depth]), name)
        return series

    def _clash(self, name: str) -> str | None:
        parts = name.split("/")
        if len((parts[-1] + ".tsv").encode("utf-8")) > MAX_NAME_BYTES:
            return f"its last part is longer than the {MAX_NAME_BYTES} bytes a file name may have"
        both = "one metric cannot hold both a value and other metrics in metrics.json"
        if name in self._groups:
            return f"metric {self._groups[name]!r} already exists, and {both}"
        for depth in range(1, len(parts)):
            group = "/".join(parts[:depth])
            if group in self.series:
                return f"metric {group!r} already exists, and {both}"
            if group.endswith(".tsv") and group[: -len(".tsv")] in self.series:
                return f"metric {group[:-4]!r} is written to the file {group!r}, not a folder"
        if name + ".tsv" in self._groups:
            return f"{name + '.tsv'!r} is a folder of metric {self._groups[name + '.tsv']!r}"
        return None

    def flush(self) -> None:
        """Hand every buffered row to the operating system."""
        for series in self.series.values():
            if series.pending:
                self.flush_series(series)

    def flush_series(self, series: MetricSeries) -> None:
        """Append the buffered rows of ``series`` in one write (with the header first)."""
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


def parse_rows(data: bytes, timestamped: bool = False) -> tuple[list[float], list[float]]:
    """Steps and values of TSV rows (no header); rows without a finite number are left out."""
    width = 3 if timestamped else 2
    fields = data.replace(b"\n", b"\t").split(b"\t")
    if fields and fields[-1] == b"":
        fields.pop()
    if len(fields) % width == 0:  # the usual case: whole rows of numbers, parsed in bulk
        try:
            steps: list[float] = list(map(int, fields[width - 2 :: width]))
            values = list(map(float, fields[width - 1 :: width]))
        except ValueError:
            pass
        else:
            if _all_finite(values):
                return steps, values
    return _parse_rows_one_by_one(data, width - 2)


def _all_finite(values: list[float]) -> bool:
    try:
        return math.isfinite(sum(values))
    except OverflowError:
        return False


def _parse_rows_one_by_one(data: bytes, column: int) -> tuple[list[float], list[float]]:
    steps: list[float] = []
    values: list[float] = []
    isfinite = math.isfinite
    for line in data.split(b"\n"):
        fields = line.split(b"\t")
        if len(fields) < column + 2:
            continue
        try:
            x = float(fields[column])
            y = float(fields[-1])
        except ValueError:
            continue
        if isfinite(x) and isfinite(y):
            steps.append(int(x) if x.is_integer() else x)
            values.append(y)
    return steps, values
