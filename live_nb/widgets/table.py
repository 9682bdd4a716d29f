"""The experiments table: ``%exp_show``'s interactive view of :func:`experiments.show.show`.

:class:`ExperimentsTable` is an anywidget whose browser side (``js/src/table/``, bundled into
``live_nb/static/widget.js`` and chosen by the ``view`` trait) shows the rows and columns of
``show()``: sorting, filtering, hiding unchanged columns, cells that differ from their baseline
highlighted, experiments ticked to overlay their metric histories (one Vega-Lite chart per
metric, like ``dvc plots diff``), and apply / branch / remove buttons calling
:mod:`live_nb.experiments.restore` and :mod:`live_nb.experiments.manage`, whose results
phrase the messages (``describe()``). :func:`show_table` (what ``%exp_show`` runs) displays one
and returns the table as an :class:`ExperimentsFrame`, a DataFrame that displays as the widget.

Protocol between Python and the browser
---------------------------------------
Synced traits (Python -> browser, unless noted):

- ``view``: ``"table"`` (``widget.js`` picks this view by it);
- ``columns``: ``[{"name", "kind": "meta"|"metric"|"param"|"dep", "type": "text"|"number"|
  "integer"}]`` in the DataFrame's order (``dep``: a stage dependency's md5 from ``dvc.lock``);
- ``rows``: ``[{"id", "kind": "workspace"|"baseline"|"experiment"|"checkpoint", "baseline":
  id or null, "commit": full sha or null, "values": [...]}]`` in the DataFrame's order, one
  value per column. ``id`` is ``"workspace"``, a baseline's full sha, an experiment's full ref
  (``refs/exps/...``), or a checkpoint's ``<experiment's ref>@<full sha>``; ``baseline`` is
  the id of the row a row is compared with (the experiment's baseline; HEAD for the
  workspace). A checkpoint row (``show(checkpoints=True)``: each commit of an experiment's
  chain but its last, newest first, right after the experiment's row) also has ``"parent"``:
  its experiment's row id. The browser shows them under it, collapsed until toggled; apply,
  branch and the overlay take a checkpoint row, remove and push only whole experiments.
  A row whose ``State`` is set also has ``"state"`` (``queued``, ``running``, ``failed``,
  ``success``, ``unfinished``); a queue's run without an experiment ref has ``"queue"``:
  ``"dvc"`` (DVC's queued, running or failed task, id ``dvc-task:<stash commit>``, which
  Apply takes as ``dvc exp apply`` does) or ``"live-nb"`` (live_nb's queued or running run,
  ``live_nb.runs.pending()``, id ``live-nb:<name>``, no commit: nothing acts on it). The
  browser shows the state as a badge in the name cell and disables what cannot act on it;
  Python refuses the same (:func:`refuse_queued`) with a sentence saying what does.
  Values are JSON: a missing value is ``null``, an infinite float is ``{"float": "inf"}``
  or ``{"float": "-inf"}``;
- ``sort_by`` (a column name or ``""``), ``sort_order`` (``"asc"``/``"desc"``), ``filter_text``,
  ``hide_unchanged``: the view's state, set by either side. ``hide_unchanged`` hides the metric
  and param columns with one value in every shown row, empty cells ignored (``show(only_changed=
  True)`` counts a missing value as a difference, as DVC does);
- ``selection`` (browser -> Python): the ids of the ticked rows, in the order they were ticked.

Custom messages (``model.send`` in the browser, :meth:`ExperimentsTable.handle` here; every
request carries a ``request`` number that its reply repeats):

- ``{"type": "history", "request", "ids": [...]}`` -> ``{"type": "history", "request",
  "histories": {id: {"commit", "metrics": {name: {"step": [...], "value": [...]}},
  "downsampled": bool, "error": text or null}}}``: metric histories (the ``plots/metrics``
  TSV files of each row's commit, or of the workspace, from
  :func:`live_nb.experiments.read_histories`), read only when the browser asks, for at most
  :data:`MAX_OVERLAY` rows, each series cut to about :data:`MAX_POINTS` points;
- ``{"type": "apply", "request", "id", "force": bool}``, ``{"type": "branch", "request", "id",
  "branch_name"}``, ``{"type": "remove", "request", "ids": [...]}``, ``{"type": "push",
  "request", "ids": [...]}`` (to the default remotes: ``experiments.default_push``),
  ``{"type": "star", "request", "id", "starred": bool}`` (:mod:`live_nb.experiments.stars`:
  a starred experiment is pinned to the table's top, its ``Star`` column holding ``★``),
  ``{"type": "refresh", "request"}`` -> ``{"type": "result", "request", "action", "ok": bool,
  "message": text, "error_kind": null | "uncommitted" | "error"}``. A successful action
  re-reads ``show()`` (the ``rows``/``columns`` traits change) before the reply is sent.
  Errors from the Python API come back as the message text, in the table's words
  (``"uncommitted"``: apply refused because of uncommitted changes; the browser then offers to
  apply with a backup, ``force``; ``"branch_name"``: the branch name is refused or taken, and the
  browser keeps the name box open with the message beside it).

The browser shows the columns in its own order: Experiment, Created (in short, in full as a
tooltip), the metrics, the params, Message, and rev, typ and parent behind a "Details" toggle;
the ``columns`` trait and the DataFrame keep every column in DVC's order.

Every table displayed in this kernel is kept (weakly) in :data:`OPEN_TABLES`: when a ``%%live``
run of this kernel saves its experiment, :func:`refresh_open_tables` re-reads the tables of
that repository, so the new run shows up without asking.

Everything a user typed (names, messages, metric and param names and values) travels as data
and is shown as text; the static HTML fallback escapes it.
"""

from __future__ import annotations

import contextlib
import html
import logging
import math
import os
import warnings
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import traitlets

from live_nb.error import LiveNbError
from live_nb.experiments.as_text import dated_time, format_table
from live_nb.experiments.cells import is_missing, plain
from live_nb.experiments.history import read_histories
from live_nb.experiments.options import ShowOptions
from live_nb.experiments.read import WORKSPACE
from live_nb.experiments.refs import ExpRef, list_refs
from live_nb.experiments.show import EXPERIMENT_TYPES, META_COLUMNS, PendingRun, show
from live_nb.git import Repository
from live_nb.widgets.base import SharedBundleWidget, with_saved_copy

__all__ = [
    "MAX_OVERLAY",
    "MAX_POINTS",
    "ExperimentsFrame",
    "ExperimentsTable",
    "QueuedRunError",
    "queued_runs",
    "refuse_queued",
    "show_table",
    "static_html",
    "synced_state",
    "without_checkpoints",
]

MAX_OVERLAY = 24  # rows whose histories one request may ask for
MAX_POINTS = 1000  # points per series sent to the browser
STATIC_ROW_LIMIT = 2000  # rows in the text/html fallback
_log = logging.getLogger(__name__)


# ---------------------------------------------------------------------------------------------
# The DataFrame as the browser gets it


@dataclass(frozen=True)
class _Target:
    """What a row stands for: its commit (None: the workspace) and, for experiments, its ref."""

    name: str
    kind: str
    commit: str | None
    exp: ExpRef | None = None
    local: bool = True  # False: a Git remote's experiment that is not here (--remote)
    parent: str | None = None  # a checkpoint's: the id of its experiment's row
    queue: str | None = None  # a queue's run that has no experiment ref: "dvc" or "live-nb"
    state: str | None = None  # its State (queued, running, failed), as show() writes it


def _is_missing(value: Any) -> bool:
    """None, NaN, or pandas' NA (in frames a user built)."""
    return value is pd.NA or is_missing(value)


def json_cell(value: Any, as_int: bool = False) -> Any:
    """A DataFrame cell as JSON: missing -> None, +-inf -> ``{"float": "inf"}``."""
    value = plain(value)
    if _is_missing(value):
        return None
    if isinstance(value, float):
        if math.isinf(value):
            return {"float": "inf" if value > 0 else "-inf"}
        if as_int and value.is_integer():
            return int(value)
        return value
    if value is None or isinstance(value, (str, int, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return [_nested(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _nested(item) for key, item in value.items()}
    return str(value)


def _nested(value: Any) -> Any:
    value = plain(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if value is None or isinstance(value, (str, int, bool, float)):
        return value
    if isinstance(value, (list, tuple)):
        return [_nested(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _nested(item) for key, item in value.items()}
    return str(value)


def _column_specs(df: pd.DataFrame) -> list[dict[str, str]]:
    metrics = set(df.attrs.get("metrics", ()))
    params = set(df.attrs.get("params", ()))
    ints = set(df.attrs.get("int_columns", ()))
    deps = set(df.attrs.get("deps", ()))
    specs = []
    for column in df.columns:
        name = str(column)
        if name in META_COLUMNS:
            kind = "meta"
        elif name in deps:
            kind = "dep"
        elif name in params:
            kind = "param"
        else:
            kind = "metric" if name in metrics or not params else "param"
        if name in ints:
            typ = "integer"
        elif kind != "meta" and pd.api.types.is_numeric_dtype(df[column].dtype):
            typ = "number" if not pd.api.types.is_bool_dtype(df[column].dtype) else "text"
        else:
            typ = "text"
        specs.append({"name": name, "kind": kind, "type": typ})
    return specs


def _targets(repo: Repository, df: pd.DataFrame) -> list[tuple[str, _Target | None]]:
    """Each row's id and target, matched through (name, short sha, short baseline)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # show() has already warned about odd refs
        experiments = list_refs(repo)
    here = set(experiments)
    listed = [
        (parsed, str(sha))
        for ref, sha in df.attrs.get("remote_refs", ())
        if (parsed := ExpRef.parse(str(ref)))
    ]
    experiments = [*experiments, *listed]
    by_key = {(exp.name, sha[:7], exp.baseline[:7]): (exp, sha) for exp, sha in experiments}
    head = repo.head()
    known = {exp.baseline[:7]: exp.baseline for exp, _ in experiments}
    if head is not None:
        known[head[:7]] = head
    records = df[["Experiment", "rev", "typ", "parent"]].to_dict("records")
    queued = _QueueRows(repo, df, known)
    unknown = [
        str(r["rev"]) for r in records if r["typ"] == "baseline" and str(r["rev"]) not in known
    ]
    for short in dict.fromkeys(unknown):
        full = repo.rev_parse(short)
        if full is not None:
            known[short] = full
    result: list[tuple[str, _Target | None]] = []
    chain = _Chain(repo)
    for index, record in enumerate(records):
        name, typ = str(record["Experiment"]), record["typ"]
        rev, parent = record["rev"], record["parent"]
        if typ == "checkpoint":
            result.append(chain.link(index, name, str(rev)))
        elif typ == "workspace":
            result.append((WORKSPACE, _Target(name, "workspace", None)))
        elif typ == "baseline" and str(rev) in known:
            result.append((known[str(rev)], _Target(name, "baseline", known[str(rev)])))
        elif typ in EXPERIMENT_TYPES and (name, rev, parent) in by_key:
            exp, sha = by_key[(name, rev, parent)]
            result.append((exp.ref, _Target(name, "experiment", sha, exp, (exp, sha) in here)))
            chain.experiment = result[-1][1]
        elif (found := queued.target(index, name, str(rev), str(parent))) is not None:
            result.append(found)
        else:  # changed between show() and now: shown, but neither plotted nor managed
            result.append((f"row:{index}", None))
    return result


DVC_TASK_PREFIX = "dvc-task:"
"""The id of a row of DVC's queue without an experiment ref: this prefix, its stash commit."""

LIVE_NB_QUEUE_PREFIX = "live-nb:"
"""The id of a run of live_nb's queue that has not saved its experiment: this prefix, its name."""


class _QueueRows:
    """Targets for the rows of a queue that have no experiment ref yet (``show()``'s State).

    DVC's queued, running and failed tasks are commits of its stash (apply takes them, as
    ``dvc exp apply`` does); live_nb's queued and running runs have no commit at all.
    """

    def __init__(self, repo: Repository, df: pd.DataFrame, known: Mapping[str, str]) -> None:
        self._states = _column(df, "State")
        self._executors = _column(df, "Executor")
        self._known = known
        self._tasks: dict[tuple[str, str], str] | None = None
        self._repo = repo
        self._ids: set[str] = set()

    def target(self, index: int, name: str, rev: str, parent: str) -> tuple[str, _Target] | None:
        """Row ``index``'s id and target when it is a queue's run (None otherwise)."""
        state = self._states[index]
        if state is None:
            return None
        baseline = (self._known.get(parent) or self._repo.rev_parse(parent)) if parent else None
        if baseline is None:
            return None
        exp = ExpRef(baseline, name)
        if self._executors[index] == "live-nb" and not rev:
            row_id = self._unique(f"{LIVE_NB_QUEUE_PREFIX}{name}")
            return row_id, _Target(name, "experiment", None, exp, queue="live-nb", state=state)
        commit = self._dvc_tasks().get((name, rev))
        if commit is None:
            return None
        row_id = f"{DVC_TASK_PREFIX}{commit}"
        return row_id, _Target(name, "experiment", commit, exp, queue="dvc", state=state)

    def _dvc_tasks(self) -> dict[tuple[str, str], str]:
        """(name, short sha) -> full sha of DVC's queued, running and failed tasks."""
        if self._tasks is None:
            from live_nb.experiments.dvc_queue import queue_tasks

            dvc_dir = self._repo.root / ".dvc"
            tasks = queue_tasks(self._repo.git_dir, dvc_dir if dvc_dir.is_dir() else None)
            self._tasks = {(task.name, task.commit[:7]): task.commit for task in tasks}
        return self._tasks

    def _unique(self, row_id: str) -> str:
        """``row_id``, or ``row_id#N`` when the queue holds two runs of one name."""
        candidate, count = row_id, 1
        while candidate in self._ids:
            count += 1
            candidate = f"{row_id}#{count}"
        self._ids.add(candidate)
        return candidate


def _column(df: pd.DataFrame, name: str) -> list[str | None]:
    """Column ``name`` of ``df`` as text (None where missing, or everywhere without it)."""
    if name not in df.columns:
        return [None] * len(df)
    return [None if _is_missing(value) else str(value) for value in df[name]]


CHECKPOINT_ID_SEPARATOR = "@"
"""A checkpoint row's id: its experiment's ref, ``@``, its commit's full sha."""


class _Chain:
    """The checkpoint rows under the experiment row read last, matched to their commits."""

    def __init__(self, repo: Repository) -> None:
        self._repo = repo
        self.experiment: _Target | None = None
        self._commits: dict[str, str] = {}  # short sha -> full, of the experiment's chain
        self._of: str | None = None

    def link(self, index: int, name: str, rev: str) -> tuple[str, _Target | None]:
        """A checkpoint row's id and target (``row:N`` when it matches no commit any more)."""
        exp = self.experiment
        if exp is None or exp.exp is None or exp.commit is None:
            return f"row:{index}", None
        if self._of != exp.commit:
            listed = self._repo.run("rev-list", "--first-parent", exp.commit).split()
            self._commits = {sha[:7]: sha for sha in listed}
            self._of = exp.commit
        full = self._commits.get(rev)
        if full is None or not name.startswith(exp.exp.name + "@"):
            return f"row:{index}", None
        row_id = f"{exp.exp.ref}{CHECKPOINT_ID_SEPARATOR}{full}"
        return row_id, _Target(name, "checkpoint", full, exp.exp, exp.local, exp.exp.ref)


def without_checkpoints(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` without its checkpoint rows: what ``df = %exp_show`` and a saved copy hold."""
    if "typ" not in df.columns or not (df["typ"] == "checkpoint").any():
        return df
    kept = df[df["typ"] != "checkpoint"].reset_index(drop=True)
    kept.attrs = dict(df.attrs)
    return kept


def _remote_refs(df: pd.DataFrame) -> list[tuple[ExpRef, str]]:
    """The experiments a Git remote listed for this table (``show(remote=...)``), if any."""
    found = []
    for ref, sha in df.attrs.get("remote_refs", ()):
        parsed = ExpRef.parse(str(ref))
        if parsed is not None:
            found.append((parsed, str(sha)))
    return found


def synced_state(
    repo: Repository, df: pd.DataFrame
) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
    """The ``columns`` and ``rows`` traits that show ``df`` (a :func:`show` table of ``repo``)."""
    return _payload(df, _targets(repo, df), repo.head())


def _payload(
    df: pd.DataFrame, targets: list[tuple[str, _Target | None]], head: str | None
) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
    columns = _column_specs(df)
    as_int = [column["type"] == "integer" for column in columns]
    baseline_ids = {target.commit for _, target in targets if target and target.kind == "baseline"}
    states = _column(df, "State")
    rows: list[dict[str, Any]] = []
    for (row_id, target), values in zip(targets, df.itertuples(index=False, name=None)):
        kind = target.kind if target else "experiment"
        baseline: str | None = None
        if target is not None and target.exp is not None:
            baseline = target.exp.baseline
        elif target is not None and target.kind == "workspace":
            baseline = head
        row = {
            "id": row_id,
            "kind": kind,
            "baseline": baseline if baseline in baseline_ids else None,
            "commit": target.commit if target else None,
            "values": [json_cell(value, flag) for value, flag in zip(values, as_int)],
        }
        if target is not None and target.parent is not None:
            row["parent"] = target.parent
        if target is not None and target.queue is not None:
            row["queue"] = target.queue
        if (state := states[len(rows)]) is not None:
            row["state"] = state
        rows.append(row)
    return columns, rows


def _cell_text(value: Any, as_int: bool) -> str:
    value = plain(value)
    if _is_missing(value):
        return "-"
    if isinstance(value, float):
        if as_int and value.is_integer():
            return str(int(value))
        return f"{value:.5g}"
    return str(value)


STATIC_HEADERS = {"rev": "Commit"}
"""Headers of the saved copy that read better than DVC's column names (as the widget's)."""

STATIC_DETAILS = ("typ", "parent")
"""Columns the widget hides until "Details" is ticked: the saved copy leaves them out."""


def static_html(df: pd.DataFrame, limit: int = STATIC_ROW_LIMIT) -> str:
    """The table as plain HTML (every cell escaped), for viewers without widgets."""
    df = df.drop(columns=[c for c in STATIC_DETAILS if c in df.columns])
    if "Created" in df.columns:
        df = df.assign(Created=df["Created"].map(dated_time))  # read on other days
    ints = set(df.attrs.get("int_columns", ()))
    columns = [str(column) for column in df.columns]
    flags = [column in ints for column in columns]
    numeric = [
        column not in META_COLUMNS and pd.api.types.is_numeric_dtype(df[column].dtype)
        for column in columns
    ]
    parts = [
        '<div class="live-nb-exp-static">',
        '<table class="dataframe" style="font-size:12px">',
        "<thead><tr>",
        *(f"<th>{html.escape(STATIC_HEADERS.get(c, c))}</th>" for c in columns),
        "</tr></thead><tbody>",
    ]
    for values in df.head(limit).itertuples(index=False, name=None):
        parts.append("<tr>")
        for value, as_int, right in zip(values, flags, numeric):
            style = ' style="text-align:right"' if right else ""
            parts.append(f"<td{style}>{html.escape(_cell_text(value, as_int))}</td>")
        parts.append("</tr>")
    parts.append("</tbody></table>")
    if len(df) > limit:
        parts.append(f"<p>... and {len(df) - limit} more rows.</p>")
    parts.append("</div>")
    return "".join(parts)


def _sorted_column(df: pd.DataFrame, sort_by: str | None) -> str:
    """The column ``show(sort_by=...)`` sorted by, to mark it in the header."""
    if not sort_by:
        return ""
    if sort_by in df.columns:
        return sort_by
    sources: Mapping[str, Sequence[str]] = df.attrs.get("sources", {})
    for name, (_, path, key) in sources.items():
        if sort_by == f"{path}:{key}":
            return name
    matches = [name for name, (_, _, key) in sources.items() if key == sort_by]
    return matches[0] if len(matches) == 1 else ""


# ---------------------------------------------------------------------------------------------
# The widget


class ExperimentsTable(SharedBundleWidget):
    """The interactive experiments table (see the module's notes for the protocol).

    ``df`` (also ``dataframe``) is the DataFrame shown, replaced by :meth:`refresh`;
    ``selected`` names the experiments ticked in the browser.
    """

    view = traitlets.Unicode("table").tag(sync=True)
    columns = traitlets.List(traitlets.Dict()).tag(sync=True)
    rows = traitlets.List(traitlets.Dict()).tag(sync=True)
    sort_by = traitlets.Unicode("").tag(sync=True)
    sort_order = traitlets.Unicode("asc").tag(sync=True)
    filter_text = traitlets.Unicode("").tag(sync=True)
    hide_unchanged = traitlets.Bool(False).tag(sync=True)
    selection = traitlets.List(traitlets.Unicode()).tag(sync=True)

    def __init__(
        self,
        path: str | os.PathLike[str] = ".",
        options: ShowOptions | None = None,
        frame: pd.DataFrame | None = None,
        keep: Sequence[str | os.PathLike[str]] = (),
        **kwargs: Any,
    ) -> None:
        """The table of the repository containing ``path``: ``frame``, or ``show(**options)``.

        Its Apply leaves the files in ``keep`` (the notebook open beside it) as they are.
        """
        super().__init__(**kwargs)
        self.options = options or ShowOptions()
        self.keep = tuple(keep)
        with Repository.discover(path) as repo:
            self.path = str(repo.root)
        self._targets: dict[str, _Target] = {}
        self.df: pd.DataFrame = pd.DataFrame()
        self._load(frame if frame is not None else self._read())
        self.sort_by = _sorted_column(self.df, self.options.sort_by)
        self.sort_order = self.options.sort_order
        self.hide_unchanged = self.options.only_changed
        self.on_msg(self._on_message)
        OPEN_TABLES.add(self)

    @property
    def dataframe(self) -> pd.DataFrame:
        """The DataFrame shown, without the checkpoint rows (``df`` has them)."""
        return without_checkpoints(self.df)

    @property
    def selected(self) -> list[str]:
        """The names of the rows ticked in the browser."""
        return [self._targets[i].name for i in self.selection if i in self._targets]

    def refresh(self) -> None:
        """Read ``show()`` again and send the new rows to the browser."""
        self._load(self._read())

    def _read(self) -> pd.DataFrame:
        """``show()`` with each experiment's checkpoints (the browser shows them collapsed)."""
        with Repository.discover(self.path) as repo:
            pending = queued_runs(repo) if self.options.remote is None else []
        return show(self.path, **self.options.kwargs(), checkpoints=True, pending=pending)

    def _load(self, df: pd.DataFrame) -> None:
        with Repository.discover(self.path) as repo:
            targets = _targets(repo, df)
            head = repo.head()
        columns, rows = _payload(df, targets, head)
        self.df = df
        self._targets = {row_id: target for row_id, target in targets if target is not None}
        with self.hold_sync():
            self.columns = columns
            self.rows = rows
            self.selection = [i for i in self.selection if i in self._targets]

    # -- display ------------------------------------------------------------------------------

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is None:
            return None
        data, metadata = bundle if isinstance(bundle, tuple) else (bundle, {})
        df = self.dataframe
        text = format_table(df, dated=True)  # kept in the notebook, read on other days
        data = with_saved_copy({**data, "text/plain": text}, static_html(df))
        return data, metadata

    # -- messages -----------------------------------------------------------------------------

    def _on_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, dict):
            self.send(self.handle(content))

    def handle(self, content: Mapping[str, Any]) -> dict[str, Any]:
        """The reply to one request from the browser (see the module's notes)."""
        kind = str(content.get("type"))
        handlers = {
            "history": self._history,
            "apply": self._apply,
            "branch": self._branch,
            "remove": self._remove,
            "push": self._push,
            "star": self._star,
            "refresh": self._refresh,
        }
        handler = handlers.get(kind)
        reply: dict[str, Any]
        if handler is None:
            reply = _failure(kind, f"Unknown request {kind!r}.")
        else:
            try:
                reply = handler(content)
            except LiveNbError as error:
                reply = _failure(kind, widget_message(error), _error_kind(error))
            except Exception as error:  # a bug must not break the kernel: say it as text
                _log.exception("live_nb experiments table: %s request failed", kind)
                reply = _failure(
                    kind,
                    f"Unexpected error ({type(error).__name__}): {error}. Try %exp_show again; "
                    "if it persists, please report it.",
                )
            if kind == "history" and reply.get("type") != "history":
                reply = {"type": "history", "histories": {}, "error": reply["message"]}
        reply["request"] = content.get("request")
        return reply

    def _history(self, content: Mapping[str, Any]) -> dict[str, Any]:
        ids = [str(i) for i in _list(content.get("ids"))][:MAX_OVERLAY]
        histories: dict[str, Any] = {}
        commits: dict[str, str] = {}
        for row_id in ids:
            target = self._targets.get(row_id)
            if target is None:
                histories[row_id] = {
                    "commit": None,
                    "metrics": {},
                    "downsampled": False,
                    "error": "this row is no longer in the table: refresh it",
                }
            elif target.queue == "live-nb":
                histories[row_id] = {
                    "commit": None,
                    "metrics": {},
                    "downsampled": False,
                    "error": "it has not started yet, so it has no metrics",
                }
            else:
                commits[row_id] = target.commit or WORKSPACE
        read = read_histories(commits.values(), self.path, MAX_POINTS) if commits else {}
        for row_id, rev in commits.items():
            entry = read[rev].to_json()
            entry["commit"] = None if rev == WORKSPACE else rev
            histories[row_id] = entry
        return {"type": "history", "histories": histories, "error": None}

    def _experiment(self, row_id: object, action: str, checkpoint: bool = False) -> _Target:
        """The experiment (or, when ``checkpoint``, the checkpoint too) a row id stands for."""
        target = self._targets.get(str(row_id))
        if target is None or target.exp is None:
            raise NotAnExperimentError(action, target.name if target else None)
        if target.kind == "checkpoint" and not checkpoint:
            raise CheckpointRowError(action, target.name)
        if not target.local:
            raise NotHereError(action, target.name, str(self.df.attrs.get("remote", "")))
        if target.queue is not None:
            refuse_queued(action, target.name, target.queue, target.state)
        return target

    def _apply(self, content: Mapping[str, Any]) -> dict[str, Any]:
        from live_nb.experiments import restore

        target = self._experiment(content.get("id"), "apply", checkpoint=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = restore.apply(
                _name_of(target), path=self.path, force=bool(content.get("force")), keep=self.keep
            )
        lines = [result.describe("it is open here"), *(str(item.message) for item in caught)]
        if result.kept:
            lines.append(
                "To take the experiment's version too, run "
                f"%exp_apply {target.name} --notebook, then reload the notebook from disk."
            )
        return self._done("apply", lines)

    def _branch(self, content: Mapping[str, Any]) -> dict[str, Any]:
        from live_nb.experiments import manage

        target = self._experiment(content.get("id"), "branch", checkpoint=True)
        branch_name = content.get("branch_name")
        created = manage.branch(_name_of(target), branch_name, path=self.path)  # type: ignore[arg-type]
        return self._done("branch", [created.describe()])

    def _star(self, content: Mapping[str, Any]) -> dict[str, Any]:
        from live_nb.experiments.stars import set_star

        target = self._experiment(content.get("id"), "star")
        assert target.exp is not None
        starred = content.get("starred", True) is not False
        return self._done("star", [set_star(target.exp.ref, starred, path=self.path)])

    def _remove(self, content: Mapping[str, Any]) -> dict[str, Any]:
        from live_nb.experiments import manage

        targets = [self._experiment(row_id, "remove") for row_id in _list(content.get("ids"))]
        if not targets:
            raise NotAnExperimentError("remove", None)
        refs = [target.exp.ref for target in targets if target.exp is not None]
        removed = manage.remove(refs, path=self.path)
        return self._done("remove", [f"{removed.describe()}."])  # the table speaks in sentences

    def _push(self, content: Mapping[str, Any]) -> dict[str, Any]:
        from live_nb.experiments.default_push import push

        targets = [self._experiment(row_id, "push") for row_id in _list(content.get("ids"))]
        if not targets:
            raise NotAnExperimentError("push", None)
        refs = [target.exp.ref for target in targets if target.exp is not None]
        return self._done("push", [push(self.path, refs)])

    def _refresh(self, _content: Mapping[str, Any]) -> dict[str, Any]:
        return self._done("refresh", [])

    def _done(self, action: str, lines: list[str]) -> dict[str, Any]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            self.refresh()
        lines.extend(dict.fromkeys(str(item.message) for item in caught))
        if action == "refresh":
            lines.insert(0, f"Read {len(self.dataframe)} row(s) again.")
        return {
            "type": "result",
            "action": action,
            "ok": True,
            "message": "\n".join(lines),
            "error_kind": None,
        }


OPEN_TABLES: weakref.WeakSet[ExperimentsTable] = weakref.WeakSet()


def refresh_open_tables(path: str | os.PathLike[str]) -> int:
    """Re-read every open table of the repository containing ``path``; how many were.

    A table that cannot be read again (its repository moved, say) stays as it was, with a log
    line: the run that landed must never fail because of a table.
    """
    with Repository.discover(path) as repo:
        root = str(repo.root)
    refreshed = 0
    for table in list(OPEN_TABLES):
        if table.path != root or getattr(table, "comm", None) is None:  # closed
            continue
        try:
            table.refresh()
        except Exception as error:
            _log.warning("live_nb: the experiments table was not refreshed: %s", error)
            continue
        refreshed += 1
    return refreshed


class NotAnExperimentError(LiveNbError, ValueError):
    def __init__(self, action: str, name: str | None) -> None:
        what = f"{name!r} is not an experiment" if name else "no experiment is selected"
        super().__init__(
            f"Cannot {action}: {what}. Tick an experiment's row (not the workspace or a "
            "baseline), or refresh the table if it changed."
        )


class CheckpointRowError(LiveNbError, ValueError):
    def __init__(self, action: str, name: str) -> None:
        super().__init__(
            f"Cannot {action} {name!r}: it is a checkpoint of an experiment. Tick the "
            f"experiment's own row to {action} it (a checkpoint can be applied or branched)."
        )


def _name_of(target: _Target) -> str:
    """What apply and branch are given: a checkpoint's commit, or the experiment's ref."""
    assert target.exp is not None
    if (target.kind == "checkpoint" or target.queue == "dvc") and target.commit:
        return target.commit  # a DVC task: its stash commit, which apply finds as DVC does
    return target.exp.ref


class QueuedRunError(LiveNbError, ValueError):
    """An action the row of a queue's run (no experiment ref yet) cannot take."""


def refuse_queued(action: str, name: str, queue: str, state: str | None) -> None:
    """Raise :class:`QueuedRunError` unless ``action`` can act on that queue's run.

    DVC applies its queued and failed tasks (``dvc exp apply``): so does the table. Nothing
    else acts on a run that has saved no experiment; the error says what does.
    """
    if queue == "dvc" and action == "apply" and state in ("queued", "failed"):
        return
    if state == "running":
        raise QueuedRunError(
            f"Cannot {action} {name!r} yet: it is still running. Once it has saved its "
            f"experiment, it can be {_past(action)}."
        )
    if queue == "live-nb":
        raise QueuedRunError(
            f"Cannot {action} {name!r}: it is queued in live_nb's queue and has not run, so it "
            f"has no experiment yet. Take it off the queue with `live-nb queue remove {name}`."
        )
    where = "queued in DVC's queue" if state == "queued" else "a failed run of DVC's queue"
    raise QueuedRunError(
        f"Cannot {action} {name!r}: it is {where}, not a saved experiment (only Apply takes "
        f"it, as `dvc exp apply` does). `dvc queue remove {name}` removes it."
    )


def _past(action: str) -> str:
    return {"apply": "applied", "branch": "branched", "star": "starred", "push": "pushed"}.get(
        action, f"{action}d"
    )


def queued_runs(repo: Repository) -> list[PendingRun]:
    """live_nb's queued and running runs of ``repo`` (``show(pending=...)``), as the CLI lists.

    A repository without live_nb's queue folder imports nothing of ``live_nb.runs``.
    """
    if not (repo.git_dir / "live_nb" / "queue").is_dir():
        return []
    from live_nb.runs.api import pending

    return list(pending(repo.root))


class NotHereError(LiveNbError, LookupError):
    def __init__(self, action: str, name: str, remote: str) -> None:
        super().__init__(
            f"Cannot {action} {name!r}: it is on Git remote {remote!r}, not in this repository "
            f"(Local: no). Pull it first (%exp_pull {remote} {name}), then refresh the table."
        )


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else []


def _failure(action: str, message: str, error_kind: str = "error") -> dict[str, Any]:
    return {
        "type": "result",
        "action": action,
        "ok": False,
        "message": message,
        "error_kind": error_kind,
    }


def _error_kind(error: LiveNbError) -> str:
    from live_nb.experiments.manage import BranchExistsError, InvalidBranchNameError
    from live_nb.experiments.restore import UncommittedChangesError

    if isinstance(error, UncommittedChangesError):
        return "uncommitted"
    if isinstance(error, InvalidBranchNameError | BranchExistsError):
        return "branch_name"  # the browser keeps the name box open, the error beside it
    return "error"


def widget_message(error: LiveNbError) -> str:
    """``error`` in the table's words: its buttons, not the command line's options."""
    from live_nb.experiments.names import join_first
    from live_nb.experiments.restore import UncommittedChangesError

    if isinstance(error, UncommittedChangesError):
        return (
            f"Applying {error.name!r} would overwrite or delete uncommitted changes in "
            f"{len(error.paths)} file(s): {join_first(error.paths)}. Commit or stash them, or "
            'press "Back up my changes and apply" below to save them to a backup ref first.'
        )
    return str(error)


# ---------------------------------------------------------------------------------------------
# What %exp_show returns


class ExperimentsFrame(pd.DataFrame):
    """The DataFrame ``%exp_show`` returns: a plain DataFrame that displays as the table.

    Operations on it return plain DataFrames. ``table`` is the widget it was shown with.
    Displaying it again shows an interactive table of its rows (the static table without a
    Jupyter kernel); the display that IPython makes of the value a cell ends with is skipped
    when ``%exp_show`` has already shown the table in that cell.
    """

    _live_nb_table: ExperimentsTable | None = None
    _live_nb_shown_in: Any = None  # a weak reference to the cell that showed it

    @property
    def _constructor(self) -> Any:
        return pd.DataFrame

    @classmethod
    def shown_with(
        cls, df: pd.DataFrame, table: ExperimentsTable | None, cell: Any
    ) -> ExperimentsFrame:
        """``df`` as the frame of ``table`` (None: shown as text), displayed in ``cell``."""
        frame = cls(df)
        frame.attrs = dict(df.attrs)
        frame._live_nb_table = table
        if cell is not None:
            with contextlib.suppress(TypeError):  # a result object without weak references
                frame._live_nb_shown_in = weakref.ref(cell)
        return frame

    @property
    def table(self) -> ExperimentsTable | None:
        """The widget this frame was shown with (None when it was shown as text)."""
        return self._live_nb_table

    def _ipython_display_(self) -> None:
        from IPython.display import display

        shown_in = self._live_nb_shown_in
        self._live_nb_shown_in = None
        current = _current_cell()
        if shown_in is not None and current is not None and shown_in() is current:
            return
        origin = self._live_nb_table
        plain = pd.DataFrame(self)
        plain.attrs = dict(self.attrs)
        if _has_kernel() and origin is not None:
            display(ExperimentsTable(origin.path, origin.options, frame=plain, keep=origin.keep))
        else:
            display({"text/plain": format_table(plain), "text/html": static_html(plain)}, raw=True)


class TextExperimentsFrame(pd.DataFrame):
    """What ``%exp_show`` returns in a terminal: a DataFrame shown as ``dvc exp show`` prints.

    IPython writes ``Out[n]:`` before it formats a value, so the table is the value's text
    rather than printed beside it (which left an empty ``Out[n]:`` under the table).
    """

    @property
    def _constructor(self) -> Any:
        return pd.DataFrame

    @classmethod
    def of(cls, df: pd.DataFrame) -> TextExperimentsFrame:
        """``df``, with its ``attrs``."""
        frame = cls(df)
        frame.attrs = dict(df.attrs)
        return frame

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(format_table(pd.DataFrame(self)).rstrip("\n"))


def _current_cell() -> Any:
    """The result object of the cell running now (None outside a cell)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency
        return None
    shell = get_ipython()
    hook = getattr(shell, "displayhook", None)
    return getattr(hook, "exec_result", None)


def _has_kernel() -> bool:
    from IPython import get_ipython

    return getattr(get_ipython(), "kernel", None) is not None


def show_table(
    path: str | os.PathLike[str] = ".",
    all_baselines: bool = False,
    sort_by: str | None = None,
    sort_order: str = "asc",
    only_changed: bool = False,
    num: int = 1,
    keep: Sequence[str | os.PathLike[str]] = (),
    remote: str | None = None,
    fetch: bool = True,
) -> pd.DataFrame:
    """Display the experiments table (a widget in Jupyter, text elsewhere); return its frame.

    The arguments are those of :func:`live_nb.experiments.show.show`; the table's Apply
    leaves the files in ``keep`` as they are.
    """
    from IPython.display import display

    options = ShowOptions(all_baselines, sort_by, sort_order, only_changed, num, remote, fetch)
    if not _has_kernel():  # a terminal: the table is the value's text, shown as Out[n]
        return TextExperimentsFrame.of(show(path, **options.kwargs()))
    table = ExperimentsTable(path, options, keep=keep)
    df = table.df
    display(table)
    return ExperimentsFrame.shown_with(without_checkpoints(df), table, _current_cell())
