"""``resume=True``: the previous run read back, and repaired where a killed process tore it.

``Live.next_step`` hands each metric file its rows one file after the other, so a process
killed (SIGKILL, a dead kernel, a power cut) inside it leaves the step's rows in some files
and not in others, maybe half a line at the end of one, and a ``metrics.json`` that may be
a quarter second behind. Before the resumed run logs anything:

- a partial last line is cut off every metric file;
- when no line was cut and ``metrics.json`` agrees with every file's last row, the
  previous run wrote it after its last row (it ended, or its process exited): it is
  trusted, as DVCLive trusts it;
- otherwise the last step on disk is *torn* when a metric written at each of the two
  steps before it (or first at the one before) lacks it, or when it is the first step
  and a metric file holds only its header (a flush writes new files' headers before
  any row). A torn step is dropped from every file; a
  step that is not torn is kept, completed from what was written (a metric that was not
  written at it starts after it). ``metrics.json`` is then rebuilt from the files' last rows.

Every metric file then has each step once, with no hole the resumed run would leave, and
the run continues at the step after the last one kept.
"""

from __future__ import annotations

import json
import math
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from live_nb.error import LiveNbWarning
from live_nb.formats.files import atomic_write
from live_nb.formats.jsonfmt import json_text
from live_nb.formats.metrics import MetricFile, drop_rows_from, inspect_metric_file
from live_nb.formats.metrics import parse_metric_text as parse_text
from live_nb.formats.yaml import load_yaml

Keys = tuple[str, ...]


@dataclass
class PreviousRun:
    """What ``Live(resume=True)`` continues from."""

    params: dict[str, Any]
    summary: dict[str, Any]
    next_step: int


def load_previous_run(root: Path) -> PreviousRun:
    """Read the run in the output folder ``root``, repairing its metric files first."""
    summary = _previous_summary(root / "metrics.json")
    files = _metric_files(root / "plots" / "metrics")
    if not _is_current(summary, files):
        _repair(summary, files)
        atomic_write(root / "metrics.json", json_text(summary))
    step = summary.get("step")
    return PreviousRun(_params_in(root / "params.yaml"), summary, _next_step(step))


def _next_step(step: object) -> int:
    # DVCLive restarts at 0 when only step 0 had completed; the next step is right.
    return step + 1 if type(step) is int else 0


def _params_in(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    loaded = load_yaml(path.read_text(encoding="utf-8"))
    return loaded if isinstance(loaded, dict) else {}


def _previous_summary(metrics_file: Path) -> dict[str, Any]:
    """The previous run's metrics.json, or an empty one to rebuild from the metric files.

    Empty when the file is missing, empty, or not a JSON object (with one warning).
    """
    try:
        summary = json.loads(metrics_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        summary = None
        reason = f"it cannot be read ({error})"
    else:
        reason = "it is not a JSON object"
    if isinstance(summary, dict):
        return summary
    warnings.warn(
        f"live_nb: {metrics_file} is ignored: {reason}; resuming from the metric files.",
        LiveNbWarning,
        stacklevel=5,
    )
    return {}


def _metric_files(metrics_dir: Path) -> dict[Keys, MetricFile]:
    """Every metric file under ``metrics_dir`` by its keys in metrics.json, partial lines cut."""
    found: dict[Keys, MetricFile] = {}
    for path in sorted(metrics_dir.rglob("*.tsv")) if metrics_dir.is_dir() else ():
        if not path.is_file():
            continue
        inspected = inspect_metric_file(path)
        if inspected is not None:
            found[tuple(path.relative_to(metrics_dir).with_suffix("").as_posix().split("/"))] = (
                inspected
            )
    return found


def _is_current(summary: dict[str, Any], files: dict[Keys, MetricFile]) -> bool:
    """Whether metrics.json was written after the last row of every metric file."""
    for keys, metric_file in files.items():
        if metric_file.header_only or metric_file.was_cut:
            return False
        if metric_file.last_text is not None and not _same(
            get_nested(summary, keys), parse_text(metric_file.last_text)
        ):
            return False
    return True


def _same(old: Any, new: Any) -> bool:
    """Whether a metrics.json value is the row's value (a float32's row text is shorter)."""
    if isinstance(old, float) and isinstance(new, float):
        return math.isclose(old, new, rel_tol=1e-6) or (math.isnan(old) and math.isnan(new))
    return bool(old == new) and type(old) is type(new)


def _repair(summary: dict[str, Any], files: dict[Keys, MetricFile]) -> None:
    """Drop a torn last step from every file, then take metrics.json from the files."""
    done = summary.get("step")
    summarised = done if type(done) is int else None
    last = max((f.last_step for f in files.values() if f.last_step is not None), default=None)
    torn = last is not None and (summarised is None or summarised < last) and _is_torn(files, last)
    kept_last: int | None = None
    for keys, metric_file in files.items():
        current = metric_file
        if torn and current.last_step == last:
            drop_rows_from(current, last)  # type: ignore[arg-type]  # last is an int here
            current = inspect_metric_file(current.path) or current
        if current.header_only:
            current.path.unlink()
            pop_nested(summary, keys)
            continue
        if current.last_text is None or current.last_step is None:
            continue
        if torn or summarised is None or current.last_step > summarised:
            set_nested(summary, keys, parse_text(current.last_text))
        kept_last = current.last_step if kept_last is None else max(kept_last, current.last_step)
    step = kept_last
    if summarised is not None:
        step = summarised if kept_last is None else max(summarised, kept_last)
    if step is None:
        summary.pop("step", None)
    else:
        summary["step"] = step


def _is_torn(files: dict[Keys, MetricFile], last: int) -> bool:
    """Whether the step ``last`` lost rows.

    It did when a metric written at the steps before lacks it, or when it is every file's
    first step and another file never got its first row.
    """
    rows = [f for f in files.values() if f.last_step is not None]
    if any(_expected_at(f, last) for f in rows):
        return True
    headers_only = any(f.header_only for f in files.values())
    return headers_only and all(f.first_step == last for f in rows)


def _expected_at(metric_file: MetricFile, step: int) -> bool:
    """Whether a metric written at each step up to the one before ``step`` lacks ``step``.

    One written every other step, or only now and then, is not expected at it.
    """
    previous = metric_file.previous_step
    return metric_file.last_step == step - 1 and (previous is None or previous == step - 2)


def get_nested(summary: dict[str, Any], keys: Keys) -> Any:
    """``summary["a"]["b"]`` for ``("a", "b")``; ``None`` when a key is missing."""
    node: Any = summary
    for key in keys:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def set_nested(summary: dict[str, Any], keys: Keys, value: Any) -> None:
    """Set ``summary["a"]["b"] = value`` for ``("a", "b")``, making the groups needed."""
    node = summary
    for key in keys[:-1]:
        child = node.get(key)
        if not isinstance(child, dict):
            child = node[key] = {}
        node = child
    node[keys[-1]] = value


def pop_nested(summary: dict[str, Any], keys: Keys) -> None:
    """Remove ``summary["a"]["b"]`` for ``("a", "b")``, and the groups it leaves empty."""
    node = get_nested(summary, keys[:-1]) if len(keys) > 1 else summary
    if isinstance(node, dict):
        node.pop(keys[-1], None)
        if not node and len(keys) > 1:
            pop_nested(summary, keys[:-1])
