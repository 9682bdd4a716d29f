"""Metric histories: ``plots/metrics/<name>.tsv``, appended row by row.

Rows are buffered in memory by ``log_metric`` and handed to the operating
system in one ``write`` per file by :meth:`MetricWriter.flush`, which ``Live``
calls at every ``next_step``. A process killed after ``next_step`` returned
therefore loses no row of a completed step. A flush writes the header of every new
file before any row, so a process killed inside it leaves a header-only file as the
sign that its step is torn; :func:`inspect_metric_file` and :func:`drop_rows_from` are
what a resumed run repairs such files with (see ``live_nb.resume``).
"""

from __future__ import annotations

import csv
import io
import math
import os
import time
from dataclasses import dataclass
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
        self._unheaded: list[MetricSeries] = []  # new series whose header flush writes first

    def add(self, name: str) -> MetricSeries:
        """A new metric's file; ``InvalidNameError`` when its name cannot sit beside the others.

        Checked in the time of the name's depth, however many metrics exist.
        """
        reason = self._clash(name)
        if reason:
            raise InvalidNameError("metric name", name, reason)
        series = MetricSeries(name, self.metrics_dir)
        self.series[name] = series
        self._unheaded.append(series)
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
        """Hand every buffered row to the operating system, new files' headers first."""
        if self._unheaded:
            self._write_headers()
        for series in self.series.values():
            if series.pending:
                self.flush_series(series)

    def _write_headers(self) -> None:
        """Give every new file with rows to write its header, before any row is written."""
        waiting = []
        for series in self._unheaded:
            if not series.pending:
                waiting.append(series)  # nothing to plot yet (or never: plot=False)
                continue
            fd = open_for_append(series.path)
            try:
                if os.fstat(fd).st_size == 0:
                    write_all(fd, series.header().encode("utf-8"))
            finally:
                self._keep_or_close(series, fd)
        self._unheaded = waiting

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
                self._keep_or_close(series, fd)

    def _keep_or_close(self, series: MetricSeries, fd: int) -> None:
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
        self._unheaded.clear()


_TAIL = 4096  # bytes read from the end of a file at first; doubled while not enough
_TAIL_REACH = 1 << 20  # how far back the step before the last one is looked for


@dataclass(frozen=True)
class MetricFile:
    """The ends of one metric file: what a resumed run needs to know of it.

    ``first_step`` and ``last_step`` are ``None`` for a file that holds only its
    header (its first rows never reached it), or whose rows cannot be read;
    ``previous_step`` is the step of the last row before ``last_step``'s; ``was_cut``
    says a partial last line was cut off it.
    """

    path: Path
    step_field: int  # the step's column: 0, or 1 after a timestamp
    header_only: bool
    first_step: int | None = None
    last_step: int | None = None
    last_text: str | None = None
    previous_step: int | None = None
    was_cut: bool = False


def inspect_metric_file(path: Path) -> MetricFile | None:
    """The ends of the metric file ``path``, after cutting a partial last line off it.

    A line without its newline is what a process killed inside a write leaves: it is
    removed. A file without one whole line (not even its header) is removed and ``None``
    returned.
    """
    with open(path, "r+b") as file:
        size = file.seek(0, os.SEEK_END)
        if not _cut_partial_line(file):
            file.close()
            path.unlink()
            return None
        cut = file.seek(0, os.SEEK_END) != size
        file.seek(0)
        header = file.readline()
        first = file.readline()
        step_field = 1 if header.startswith(b"timestamp\t") else 0
        if not first:
            return MetricFile(path, step_field, header_only=True, was_cut=cut)
        try:
            first_step = _row_step(first, step_field)
            last, previous_step = _tail(file, step_field)
        except (IndexError, ValueError):
            return MetricFile(path, step_field, header_only=False, was_cut=cut)
    text = last.split(b"\t", step_field + 1)[-1].decode("utf-8", "replace")
    last_step = _row_step(last, step_field)
    return MetricFile(path, step_field, False, first_step, last_step, text, previous_step, cut)


def _cut_partial_line(file: io.BufferedRandom) -> bool:
    """Truncate ``file`` after its last newline; ``False`` when it has none."""
    size = file.seek(0, os.SEEK_END)
    if size == 0:
        return False
    file.seek(size - 1)
    if file.read(1) == b"\n":
        return True
    end = size
    while end > 0:
        start = max(0, end - _TAIL)
        file.seek(start)
        newline = file.read(end - start).rfind(b"\n")
        if newline >= 0:
            file.truncate(start + newline + 1)
            return True
        end = start
    return False


def _tail(file: io.BufferedRandom, step_field: int) -> tuple[bytes, int | None]:
    """The last line of ``file`` and the step of the last row before it at another step.

    ``file`` holds whole lines, at least two; the step is ``None`` when none is within reach.
    """
    size = file.seek(0, os.SEEK_END)
    window = _TAIL
    while True:
        start = max(0, size - window)
        file.seek(start)
        lines = file.read(size - start).split(b"\n")[:-1]
        whole = lines if start == 0 else lines[1:]  # the first may have begun earlier
        if whole and (start == 0 or len(whole) > 1):
            last_step = _row_step(whole[-1], step_field)
            for line in reversed(whole[1 if start == 0 else 0 : -1]):  # not the header
                step = _row_step(line, step_field)
                if step != last_step:
                    return whole[-1], step
            if start == 0 or window >= _TAIL_REACH:
                return whole[-1], None
        window *= 2


def _row_step(line: bytes, step_field: int) -> int:
    return int(line.split(b"\t", step_field + 1)[step_field])


def drop_rows_from(metric_file: MetricFile, step: int) -> None:
    """Remove the rows at ``step`` and after from the end of a metric file (its header stays)."""
    with open(metric_file.path, "r+b") as file:
        size = file.seek(0, os.SEEK_END)
        window = _TAIL
        while True:
            start = max(0, size - window)
            file.seek(start)
            cut = _first_row_from(file.read(size - start), step, metric_file.step_field, start)
            if cut is not None:
                file.truncate(start + cut)
                return
            window *= 2


def _first_row_from(data: bytes, step: int, step_field: int, start: int) -> int | None:
    """Where in ``data``, a file's tail from offset ``start``, the rows at ``step`` begin.

    ``None`` when the tail is too short to tell.
    """
    end = len(data)  # data ends with a newline; each pass looks at the line before `end`
    while end > 0:
        begin = data.rfind(b"\n", 0, end - 1) + 1
        if begin == 0 and start > 0:
            return None  # the line may begin before the tail
        if begin == 0:  # the header
            return end
        try:
            if _row_step(data[begin:end], step_field) < step:
                return end
        except (IndexError, ValueError):
            return end  # not a row of ours: leave it and what precedes it
        end = begin
    return 0


def parse_metric_text(text: str) -> int | float | str:
    """The value a TSV field holds, as ``metrics.json`` holds it (``"nan"`` stays text)."""
    if text.startswith('"'):
        return next(csv.reader([text], delimiter="\t"))[0]
    for parse in (int, float):
        try:
            number: int | float = parse(text)
        except ValueError:
            continue
        return str(number) if isinstance(number, float) and not math.isfinite(number) else number
    return text


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
