"""Metric histories: the ``plots/metrics`` files DVCLive writes, of commits and of the workspace.

Where they are: the TSV (or CSV) files with a ``step`` column under the ``plots/metrics``
folder beside each metrics file that the root ``dvc.yaml`` lists (DVCLive's layout), under
every top-level ``plots:`` entry of it, and under ``dvclive/plots/metrics``. A series is the
``step`` column and the last column, as DVC plots it.

Their order is the order the run logged them in, as the live dashboard shows them: Git lists a
folder's files by name, so the metrics are put in the order of the keys of the ``metrics.json``
beside them (DVCLive adds a key when a metric is first logged, under its group's key, and a JSON
object keeps its keys' order; nested keys are joined by "/" as DVCLive's names are). A metric
that file does not name follows, in path order. The order is the same each time a commit is read.

Commits are read through the trees reader of :mod:`live_nb.experiments.trees`: one batch for
their ``dvc.yaml`` files, one for the folders, one per folder level below, one for the files;
trees and files shared between commits are read once.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import posixpath
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from live_nb.experiments.read import WORKSPACE
from live_nb.experiments.spec import PROJECT_FILE, Spec, parse_spec
from live_nb.experiments.trees import Trees
from live_nb.git import EXECUTABLE_MODE, REGULAR_MODE, ObjectReader, Repository

__all__ = [
    "DEFAULT_MAX_POINTS",
    "DEFAULT_PLOTS_DIR",
    "History",
    "Series",
    "envelope_indices",
    "read_histories",
]

DEFAULT_MAX_POINTS = 1000
DEFAULT_PLOTS_DIR = "dvclive/plots/metrics"
DEFAULT_METRICS_FILE = "dvclive/metrics.json"
_SERIES_SUFFIXES = (".tsv", ".csv")
_FILE_MODES = (REGULAR_MODE, EXECUTABLE_MODE)  # symlinks and submodules are no histories


@dataclass
class Series:
    """One metric's history: ``steps[i]`` and ``values[i]`` are one row of its TSV file."""

    steps: list[float] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    downsampled: bool = False


@dataclass
class History:
    """The metric histories of one revision, by DVCLive name (``train/loss``)."""

    metrics: dict[str, Series] = field(default_factory=dict)
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        """``{"metrics": {name: {"step", "value"}}, "downsampled", "error"}``, JSON types."""
        return {
            "metrics": {
                name: {"step": series.steps, "value": series.values}
                for name, series in self.metrics.items()
            },
            "downsampled": any(series.downsampled for series in self.metrics.values()),
            "error": self.error,
        }


def read_histories(
    revisions: Iterable[str],
    path: str | os.PathLike[str] = ".",
    max_points: int = DEFAULT_MAX_POINTS,
) -> dict[str, History]:
    """The metric histories of commits (full shas) and of the workspace (``"workspace"``).

    See the module's notes for where they are found. A series longer than ``max_points``
    is cut down by :func:`envelope_indices`.
    """
    wanted = list(dict.fromkeys(revisions))
    found: dict[str, History] = {}
    with Repository.discover(path) as repo:
        commits = [rev for rev in wanted if rev != WORKSPACE]
        if commits:
            found.update(_commit_histories(repo.objects(), commits, max_points))
        if WORKSPACE in wanted:
            found[WORKSPACE] = _workspace_history(repo.root, max_points)
    return {rev: found[rev] for rev in wanted}


def envelope_indices(values: Sequence[float], max_points: int) -> list[int]:
    """The indexes of ``values`` to keep to draw it with about ``max_points`` points.

    The series is cut into ``max_points // 2`` equal runs; the lowest and the highest value
    of each run are kept, with the first and the last point: at most ``max_points + 2``
    indexes, in order, so spikes and dips survive.
    """
    buckets = max(1, max_points // 2)
    size = len(values) / buckets
    keep = {0, len(values) - 1}
    for bucket in range(buckets):
        start, end = int(bucket * size), max(int((bucket + 1) * size), int(bucket * size) + 1)
        indexes = range(start, min(end, len(values)))
        keep.add(min(indexes, key=values.__getitem__))
        keep.add(max(indexes, key=values.__getitem__))
    return sorted(keep)


# ---------------------------------------------------------------------------------------------
# Where histories are


def _history_sources(spec: Spec) -> list[str]:
    """Folders or files that may hold metric histories, from the root ``dvc.yaml``'s spec."""
    sources = [
        posixpath.join(posixpath.dirname(metric), "plots", "metrics") for metric in spec.metrics
    ]
    sources.extend(spec.plots)
    sources.append(DEFAULT_PLOTS_DIR)
    # a control character would break `cat-file --batch`'s lines
    return list(dict.fromkeys(s for s in sources if not any(ord(char) < 32 for char in s)))


def _summary_files(spec: Spec) -> list[str]:
    """The metrics files whose keys give the metrics' order: the root ``dvc.yaml``'s, DVCLive's."""
    files = [*spec.metrics, DEFAULT_METRICS_FILE]
    return list(dict.fromkeys(f for f in files if not any(ord(char) < 32 for char in f)))


def summary_order(contents: Iterable[bytes | None]) -> list[str]:
    """Metric names in the order metrics files list them: nested keys joined by "/".

    A file that is not a JSON object (YAML, TOML, unreadable) gives no names.
    """
    names: list[str] = []
    for content in contents:
        if content is None:
            continue
        try:
            summary = json.loads(content)
        except (ValueError, UnicodeDecodeError):
            continue
        if isinstance(summary, dict):
            names.extend(_flattened(summary, ""))
    return list(dict.fromkeys(names))


def _flattened(summary: dict[str, Any], prefix: str) -> Iterator[str]:
    for key, value in summary.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from _flattened(value, f"{name}/")
        else:
            yield name


def in_logged_order(metrics: dict[str, Series], order: list[str]) -> dict[str, Series]:
    """``metrics`` with the names of ``order`` first, in that order, then the others as found."""
    first = [name for name in order if name in metrics]
    placed = set(first)
    rest = [name for name in metrics if name not in placed]
    return {name: metrics[name] for name in [*first, *rest]}


def _root_spec(content: bytes | None) -> Spec:
    return Spec() if content is None else parse_spec(PROJECT_FILE, content)


def _series_name(source: str, relative: str | None) -> str:
    name = relative if relative is not None else posixpath.basename(source)
    return posixpath.splitext(name)[0]


class _Files:
    """The history files of one revision: path -> (metric name, where its content is)."""

    def __init__(self) -> None:
        self.found: dict[str, tuple[str, str | bytes]] = {}
        self._names: set[str] = set()

    def add(self, path: str, name: str, where: str | bytes) -> None:
        """Add a ``.tsv``/``.csv`` file not added yet; two folders with one name: by path."""
        if not path.endswith(_SERIES_SUFFIXES) or path in self.found:
            return
        if name in self._names:
            name = posixpath.splitext(path)[0]
        self._names.add(name)
        self.found[path] = (name, where)


# ---------------------------------------------------------------------------------------------
# Commits


def _commit_histories(
    objects: ObjectReader, commits: list[str], max_points: int
) -> dict[str, History]:
    specs = objects.read_many(f"{sha}:{PROJECT_FILE}" for sha in commits)
    parsed = {sha: _root_spec(_blob(specs.get(f"{sha}:{PROJECT_FILE}"))) for sha in commits}
    sources = {sha: _history_sources(spec) for sha, spec in parsed.items()}
    summaries = {sha: _summary_files(spec) for sha, spec in parsed.items()}
    tops = objects.read_many(
        [f"{sha}:{source}" for sha in commits for source in sources[sha]]
        + [f"{sha}:{path}" for sha in commits for path in summaries[sha]]
    )
    trees = Trees(objects.read_many)
    trees.add(tops)  # the trees below the folders, one batch per level
    located = {sha: _commit_files(trees, tops, sha, sources[sha]) for sha in commits}
    blobs = [where for files in located.values() for _, where in files.found.values()]
    wanted = list(dict.fromkeys(where for where in blobs if isinstance(where, str)))
    contents = objects.read_many(wanted) if wanted else {}
    series = _SeriesOfBlobs(contents, max_points)
    result = {}
    for sha in commits:
        history = History()
        for path, (name, where) in located[sha].found.items():
            found = series.parse(path, where)
            if found is not None:
                history.metrics[name] = found
        order = summary_order(_blob(tops.get(f"{sha}:{path}")) for path in summaries[sha])
        history.metrics = in_logged_order(history.metrics, order)
        if not history.metrics:
            history.error = "no metric history (plots/metrics/*.tsv) in its commit"
        result[sha] = history
    return result


class _SeriesOfBlobs:
    """Series parsed from blobs, each (blob, TSV or CSV) once: experiments share them."""

    def __init__(self, contents: dict[str, tuple[str, bytes] | None], max_points: int) -> None:
        self._contents = contents
        self._max_points = max_points
        self._parsed: dict[tuple[str, bool], Series | None] = {}

    def parse(self, path: str, where: str | bytes) -> Series | None:
        """The series in file ``path``: its content, or the sha of its blob."""
        if isinstance(where, bytes):
            return _parse_series(path, where, self._max_points)
        key = (where, path.endswith(".tsv"))
        if key not in self._parsed:
            content = _blob(self._contents.get(where))
            self._parsed[key] = (
                None if content is None else _parse_series(path, content, self._max_points)
            )
        return self._parsed[key]


def _commit_files(
    trees: Trees, tops: dict[str, tuple[str, bytes] | None], sha: str, sources: list[str]
) -> _Files:
    """The history files of commit ``sha``: a listed file's content, else a blob sha."""
    files = _Files()
    for source in sources:
        top = f"{sha}:{source}"
        obj = tops.get(top)
        if obj is not None and obj[0] == "blob":
            files.add(source, _series_name(source, None), obj[1])
        elif obj is not None and obj[0] == "tree":
            for relative, mode, blob in trees.files(top):
                if mode in _FILE_MODES:
                    files.add(f"{source}/{relative}", _series_name(source, relative), blob)
    return files


def _blob(obj: tuple[str, bytes] | None) -> bytes | None:
    return obj[1] if obj is not None and obj[0] == "blob" else None


# ---------------------------------------------------------------------------------------------
# The workspace


def _workspace_history(root: Path, max_points: int) -> History:
    try:
        spec = _root_spec((root / PROJECT_FILE).read_bytes())
    except OSError:
        spec = Spec()
    files = _Files()
    for source in _history_sources(spec):
        for file, inside in _workspace_files(root, source):
            files.add(file, _series_name(source, inside), file)
    history = History()
    for file, (name, _) in files.found.items():
        try:
            content = (root / file).read_bytes()
        except OSError:
            continue
        series = _parse_series(file, content, max_points)
        if series is not None:
            history.metrics[name] = series
    order = summary_order(_read_or_none(root / path) for path in _summary_files(spec))
    history.metrics = in_logged_order(history.metrics, order)
    if not history.metrics:
        history.error = "no metric history (plots/metrics/*.tsv) in the workspace"
    return history


def _read_or_none(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _workspace_files(root: Path, source: str) -> Iterator[tuple[str, str | None]]:
    """``(path, path inside source)`` of ``source`` (a history file) or of the files under it."""
    target = root / source
    if target.is_file() and source.endswith(_SERIES_SUFFIXES):
        yield source, None
    elif target.is_dir():
        for folder, subfolders, filenames in os.walk(target):
            subfolders.sort()
            for filename in sorted(filenames):
                relative = Path(folder, filename).relative_to(target).as_posix()
                yield f"{source}/{relative}", relative


# ---------------------------------------------------------------------------------------------
# Series


def _parse_series(path: str, content: bytes, max_points: int) -> Series | None:
    """A TSV/CSV file with a ``step`` column: step and last column; None for other files."""
    delimiter = "\t" if path.endswith(".tsv") else ","
    rows = csv.reader(io.StringIO(content.decode("utf-8", "replace")), delimiter=delimiter)
    steps: list[float] = []
    values: list[float] = []
    try:
        header = next(rows, None)
        columns = _columns(header)
        if columns is None:
            return None
        for step, value in _points(rows, *columns):
            steps.append(int(step) if step.is_integer() else step)
            values.append(value)
    except csv.Error:  # not a table after all (a field over csv's size limit...)
        if not steps:
            return None
    if len(steps) <= max_points:
        return Series(steps, values)
    keep = envelope_indices(values, max_points)
    return Series([steps[i] for i in keep], [values[i] for i in keep], downsampled=True)


def _columns(header: list[str] | None) -> tuple[int, int] | None:
    """Where the step and the value are in a header row; None when it is no history."""
    if not header or "step" not in header or len(header) < 2:
        return None
    step_at, value_at = header.index("step"), len(header) - 1
    return None if step_at == value_at else (step_at, value_at)


def _points(
    rows: Iterable[list[str]], step_at: int, value_at: int
) -> Iterator[tuple[float, float]]:
    """The finite ``(step, value)`` of each row; rows too short or not numbers are skipped."""
    for row in rows:
        if len(row) <= value_at:
            continue
        try:
            step, value = float(row[step_at]), float(row[value_at])
        except ValueError:
            continue
        if math.isfinite(step) and math.isfinite(value):
            yield step, value
