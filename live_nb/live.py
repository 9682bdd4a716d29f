"""``Live``: a drop-in replacement for DVCLive's logger, writing DVCLive's files.

Metric rows are buffered by ``log_metric`` and written, one ``write`` per file,
at every ``next_step``; ``metrics.json`` and ``dvc.yaml`` are rewritten
atomically at most a few times a second and always at ``end``. ``Live`` knows
nothing of notebooks: observers follow it through :meth:`Live.subscribe`, and
readers on other threads through :meth:`Live.snapshot`. ``report=`` picks a
:class:`~live_nb.reports.Report` by name.
"""

from __future__ import annotations

import math
import os
import shutil
import threading
import time
import warnings
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from live_nb import autosync, env, running
from live_nb._names import check_relative_name
from live_nb.dvc_run import DvcRun
from live_nb.error import (
    ArtifactNotFoundError,
    DvcyamlConflictError,
    ExperimentNotSavedWarning,
    InvalidDataTypeError,
    InvalidDvcyamlError,
    InvalidMetricValueError,
    InvalidParameterTypeError,
    LiveNbError,
    LiveNbWarning,
)
from live_nb.events import EventHub, EventKind, LiveEvent, Observer
from live_nb.formats import dvcyaml as dvcyaml_format
from live_nb.formats import vscode, written
from live_nb.formats.files import atomic_write, remove_quietly
from live_nb.formats.jsonfmt import json_text
from live_nb.formats.metrics import MetricSeries, MetricWriter, format_value
from live_nb.formats.yaml import dump_yaml, load_yaml
from live_nb.reports import Report, ReportMode, check_report_mode, open_report
from live_nb.resume import load_previous_run, set_nested
from live_nb.snapshot import LiveSnapshot, LoggedPlot, copy_nested

if TYPE_CHECKING:
    from live_nb.checkpoints import Checkpointer
    from live_nb.checkpoints.resume import Resumed
    from live_nb.experiments import SavedExperiment
    from live_nb.monitor import SystemMonitor
    from live_nb.studio import RunDetails

ParamLike = Any

MAX_PENDING_ROWS = 4096
"""Rows a metric buffers before they are written even without ``next_step`` (bounds memory)."""

SYNC_INTERVAL = 0.25
"""Seconds between two coalesced rewrites of metrics.json and dvc.yaml during a run."""

_METRIC_TYPES = "an int, a float, a str, or a scalar with .item() (numpy, torch, jax...)"


class Live:
    """Log parameters, metrics, images, plots and artifacts in DVCLive's formats.

    ``Live()`` takes DVCLive's arguments with the same meaning. Without
    ``resume=True`` it removes the previous run's results from ``dir``. Use it as
    a context manager, or call :meth:`end` when training is over.
    """

    def __init__(
        self,
        dir: str | os.PathLike[str] = "dvclive",
        resume: bool = False,
        report: ReportMode | None = None,
        save_dvc_exp: bool = True,
        dvcyaml: str | os.PathLike[str] | bool | None = "dvc.yaml",
        cache_images: bool = False,
        exp_name: str | None = None,
        exp_message: str | None = None,
        monitor_system: bool = False,
        checkpoint: bool | int | str | None = None,
        resume_from: str | None = None,
    ) -> None:
        check_report_mode(report)
        self.summary: dict[str, Any] = {}
        self._dir = os.fspath(dir)
        self._dvc_file = _dvc_file_path(dvcyaml)
        if env.env_flag(os.environ.get(env.DVCLIVE_TEST)):
            self._dir, self._dvc_file = _test_mode_paths(self._dir, self._dvc_file)
            save_dvc_exp = False
        self._root = Path(self._dir).absolute()
        self._report_mode: ReportMode | None = report
        self._resume = resume or env.env_flag(os.environ.get(env.DVCLIVE_RESUME))
        self._dvc_run = DvcRun.detect()
        self._save_dvc_exp = save_dvc_exp and not (self._dvc_run.in_stage or env.in_headless_run())
        if save_dvc_exp and self._dvc_run.command == "repro":
            _warn_not_saved(
                "`dvc repro` is running this stage, so save_dvc_exp is ignored; run it with "
                "`dvc exp run` to save an experiment."
            )
        self._cache_images = cache_images
        self._exp_name = _usable_exp_name(exp_name or os.environ.get(env.DVC_EXP_NAME))
        self._exp_message = exp_message
        self._generated_name = False
        self._report_opened = False

        self._step: int | None = None
        self._row_step = 0  # self.step, kept as a plain int for log_metric's sake
        self._params: dict[str, Any] = {}
        self._images: dict[str, Path] = {}
        self._plots: dict[str, tuple[Path, dict[str, Any]]] = {}
        self._sklearn_kinds: dict[str, str] = {}
        self._structure = threading.Lock()  # held while a name is added; see snapshot()
        self._sync_lock = threading.RLock()  # one writer of metrics.json and dvc.yaml at a time
        self._sync_requested = False
        self._marked_step: int | None = None
        self._artifacts: dict[str, dict[str, Any]] = {}
        self._events = EventHub()
        self._observers = self._events.observers  # a plain list: the cheapest test on hot paths
        self._inside_with = False
        self._next_sync = 0.0
        self._written_dvcyaml: dict[str, Any] | None = None
        self._dvcyaml_warned = False
        self._monitor: SystemMonitor | None = None
        self._dvc_outputs: set[Path] = set()
        self._experiment: SavedExperiment | None = None
        self._report: Report | None = None
        self._end_status = "done"
        self._not_saved: str | None = None
        self._checkpoints: Checkpointer | None = None
        self._found_here: set[str] | None = None  # the layout's files before this run wrote

        self._signal_run_started()
        self._writer = MetricWriter(self._root / "plots" / "metrics")
        self._series: dict[str, MetricSeries] = self._writer.series
        # Rows logged but never flushed still reach the disk when the interpreter exits, and so
        # do metrics.json and dvc.yaml when end() is never called (DVCLive's LightGBM callback).
        weakref.finalize(self, self._writer.close)
        autosync.write_at_exit(self._write_at_exit)

        self.resumed: Resumed | None = None
        """The checkpoint ``resume_from`` continued (what was restored), or None."""
        if resume_from is not None:
            self.resumed = self._resume_checkpoint(resume_from)
            self._resume = True
        elif env.in_headless_run() and os.environ.get(env.LIVE_NB_RESUMED):
            from live_nb.checkpoints.resume import restored_by_runner

            self.resumed = restored_by_runner(os.environ[env.LIVE_NB_RESUMED], self._root)
        self._root.mkdir(parents=True, exist_ok=True)
        if self._resume:
            self._load_previous_run()
        else:
            self._remove_previous_run()
        self._found_here = set() if self._resume else written.files_in_layout(self._root)
        if monitor_system:
            self.monitor_system()
        if checkpoint not in (None, False) or resume_from is not None:
            self._checkpoints = self._new_checkpointer(checkpoint)
        from live_nb.studio import StudioLink

        # Studio live updates, only when a token is configured (None: no cost in next_step).
        self._studio: StudioLink | None = StudioLink.connect(
            self, self._dvc_run.project, self._studio_details
        )
        if report is not None:
            self._report = open_report(report, self)
            if self._report is None:  # not available here: logging goes on without one
                self._report_mode = None
        self._unannounce = running.announce(self._root, self._exp_name)  # the sidebar's list

    # ---- paths -------------------------------------------------------------------------

    @property
    def dir(self) -> str:
        """The output directory, as given."""
        return self._dir

    @property
    def params_file(self) -> str:
        """Where the params are written: ``<dir>/params.yaml``."""
        return os.path.join(self._dir, "params.yaml")

    @property
    def metrics_file(self) -> str:
        """Where the latest values are written: ``<dir>/metrics.json``."""
        return os.path.join(self._dir, "metrics.json")

    @property
    def plots_dir(self) -> str:
        """The folder of metric histories, images and plots: ``<dir>/plots``."""
        return os.path.join(self._dir, "plots")

    @property
    def artifacts_dir(self) -> str:
        """Where ``log_artifact(copy=True)`` copies to: ``<dir>/artifacts``."""
        return os.path.join(self._dir, "artifacts")

    @property
    def dvc_file(self) -> str:
        """Where ``dvc.yaml`` is written (``"dvc.yaml"`` also when writing it is disabled)."""
        return os.fspath(self._dvc_file) if self._dvc_file else "dvc.yaml"

    @property
    def report_file(self) -> str | None:
        """The report file (``report.html`` or ``report.md``), or None without one."""
        if self._report_mode in ("html", "md"):
            return os.path.join(self._dir, f"report.{self._report_mode}")
        return None

    # ---- step ---------------------------------------------------------------------------

    @property
    def step(self) -> int:
        """The current step: the x value of every metric logged now."""
        return self._step or 0

    @step.setter
    def step(self, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            item = getattr(value, "item", None)
            value = item() if callable(item) else value
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"step must be an int, got {type(value).__name__}")
        self._step = self._row_step = value

    # ---- observers ----------------------------------------------------------------------

    def subscribe(self, observer: Observer) -> Callable[[], None]:
        """Call ``observer(event)`` for everything logged from now on; returns an unsubscribe."""
        return self._events.subscribe(observer)

    def _emit(self, kind: EventKind, name: str | None, value: Any) -> None:
        self._events.emit(LiveEvent(kind, name, value, self._row_step))

    def snapshot(self) -> LiveSnapshot:
        """What was logged so far: names, files, params and latest values, as copies.

        Safe to call from any thread while the run goes on (the dashboard and
        the report do, several times a second); it never blocks logging for
        longer than it takes to copy a few dictionaries.
        """
        with self._structure:
            metrics = {name: series.path for name, series in self._series.items()}
            images = dict(self._images)
            plots = {
                name: LoggedPlot(path, dict(config), self._sklearn_kinds.get(name))
                for name, (path, config) in self._plots.items()
            }
        summary = copy_nested(self.summary)
        done = summary.get("step")
        steps_done = done + 1 if type(done) is int else self.step
        return LiveSnapshot(
            dir=self._root,
            step=self.step,
            steps_done=steps_done,
            params=copy_nested(self._params),
            summary=summary,
            metrics=metrics,
            images=images,
            plots=plots,
        )

    # ---- params -------------------------------------------------------------------------

    def log_params(self, params: dict[str, ParamLike]) -> None:
        """Add ``params`` to ``params.yaml``; a value YAML cannot hold changes nothing."""
        clean = _plain_param("", dict(params))
        merged = {**self._params, **clean}
        atomic_write(self._root / "params.yaml", dump_yaml(merged))
        self._params = merged
        if self._observers:
            for key, value in clean.items():
                self._emit("param", key, value)

    def log_param(self, name: str, val: ParamLike) -> None:
        """Add one parameter to ``params.yaml``."""
        self.log_params({name: val})

    # ---- metrics ------------------------------------------------------------------------

    def log_metric(
        self,
        name: str,
        val: int | float | str | Any,
        timestamp: bool = False,
        plot: bool = True,
    ) -> None:
        """Record ``val`` for ``name`` at the current step (``"train/loss"`` nests)."""
        if type(val) is float and val - val == 0.0:  # the common case, finite floats
            text = repr(val)
        else:
            val, text = _metric_value(name, val)
        series = self._series.get(name)
        if series is None:
            series = self._new_series(name)
        keys = series.summary_keys
        if len(keys) == 1:
            self.summary[name] = val
        elif len(keys) == 2 and type(group := self.summary.get(keys[0])) is dict:
            group[keys[1]] = val
        else:
            set_nested(self.summary, keys, val)
        if plot:
            pending = series.pending
            if timestamp or series.timestamped is None:
                series.add_row(self._row_step, text, timestamp)
            else:
                pending.append(f"{self._row_step}\t{text}\n")
            if len(pending) >= MAX_PENDING_ROWS:
                self._writer.flush_series(series)
        if self._observers:
            self._emit("metric", name, val)

    def _new_series(self, name: str) -> MetricSeries:
        check_relative_name("metric name", name)
        with self._structure:
            series = self._writer.add(name)  # refuses a name that clashes with another
        self._replace_foreign(series.path)
        return series

    def _replace_foreign(self, path: Path) -> None:
        """A file this run must write, found there and not a previous run's: start it afresh."""
        if not self._found_here:
            return
        relative = path.relative_to(self._root).as_posix()
        if relative in self._found_here:
            self._found_here.discard(relative)
            warnings.warn(
                f"live_nb: {path} was not written by a previous run; this run's rows replace it.",
                LiveNbWarning,
                stacklevel=4,
            )
            remove_quietly(path)

    def next_step(self) -> None:
        """End the current step: its rows reach the disk before this returns, then step += 1."""
        if self._step is None:
            self._step = 0
        if self._monitor is None:
            self._writer.flush()
        else:
            with self._sync_lock:  # the monitor thread adds its files and rows under it too
                self._writer.flush()
        # Only now, so that a metrics.json the sync thread writes meanwhile never names a
        # step whose rows are not all on disk (what resume relies on).
        self.summary["step"] = self._step
        now = time.monotonic()
        if now >= self._next_sync:
            self._next_sync = now + SYNC_INTERVAL
            self._write_results()
            report = self._report
            if report is not None and now >= report.due:
                report.update()
        elif not self._sync_requested:
            self._sync_requested = True  # written by the sync thread once the interval is over
            autosync.write_later(self._write_later, self._next_sync)
        if self._observers:
            self._emit("step", None, self._step)
        if self._studio is not None:
            self._studio.step_done(self._step)
        self._step += 1
        self._row_step = self._step
        if self._checkpoints is not None:
            self._checkpoints.step_done(self._step)

    # ---- images, plots, artifacts -------------------------------------------------------

    def log_image(self, name: str, val: Any) -> None:
        """Save ``val`` as ``plots/images/<name>``; ``f"{name}/{live.step}.png"`` makes a slider."""
        from live_nb.formats import images

        check_relative_name("image name", name)
        name = images.image_name_for(name, val)
        images.check_image_name(name)
        path = self._root / "plots" / "images" / name
        images.save_image(path, name, val)
        with self._structure:
            self._images[name] = path
        if self._observers:
            self._emit("image", name, path)

    def log_plot(
        self,
        name: str,
        datapoints: Any,
        x: str,
        y: str | list[str],
        template: str | None = "linear",
        title: str | None = None,
        x_label: str | None = None,
        y_label: str | None = None,
    ) -> None:
        """Save ``datapoints`` to ``plots/custom/<name>.json`` and describe it in dvc.yaml."""
        from live_nb.formats import plots

        name = check_relative_name("plot name", _without_json_suffix(name))
        records = plots.datapoints_to_records(name, datapoints)
        existing = self._plots.get(name)
        if existing:  # as in DVCLive, the first call fixes the axes and titles
            config = existing[1]
        else:
            config = plots.custom_plot_config(x, y, template, title, x_label, y_label)
        plots.check_axes(name, records, config["x"], config["y"])
        self._write_plot("custom", name, records, config)

    def log_sklearn_plot(
        self,
        kind: str,
        labels: Any,
        predictions: Any,
        name: str | None = None,
        title: str | None = None,
        x_label: str | None = None,
        y_label: str | None = None,
        normalized: bool | None = None,
        **kwargs: Any,
    ) -> None:
        """Compute a scikit-learn plot into ``plots/sklearn/<name>.json``, with numpy alone.

        ``kind`` is ``roc``, ``precision_recall``, ``det``, ``calibration`` or
        ``confusion_matrix``.
        """
        from live_nb.formats import sklearn

        name = check_relative_name(
            "plot name", _without_json_suffix(kind if name is None else name)
        )
        kind = self._sklearn_kinds.get(name, kind)  # as in DVCLive, a name keeps its kind
        config = sklearn.plot_config(
            kind, title=title, x_label=x_label, y_label=y_label, normalized=normalized
        )
        payload = sklearn.payload(kind, labels, predictions, **kwargs)
        self._write_plot("sklearn", name, payload, config, kind)

    def _write_plot(
        self,
        folder: str,
        name: str,
        data: Any,
        config: dict[str, Any],
        sklearn_kind: str | None = None,
    ) -> None:
        existing = self._plots.get(name)
        path = existing[0] if existing else self._root / "plots" / folder / f"{name}.json"
        atomic_write(path, json_text(data))
        with self._structure:
            if not existing:
                self._plots[name] = (path, config)
            if sklearn_kind is not None:
                self._sklearn_kinds[name] = sklearn_kind
        if self._observers:
            self._emit("plot", name, path)

    def log_artifact(
        self,
        path: str | os.PathLike[str],
        type: str | None = None,
        name: str | None = None,
        desc: str | None = None,
        labels: list[str] | None = None,
        meta: dict[str, Any] | None = None,
        copy: bool = False,
        cache: bool = True,
        checkpoint: bool = False,
    ) -> None:
        """Track a file or folder as DVC does (``dvc add``), and describe it in dvc.yaml.

        ``checkpoint=True`` also caches it at every checkpoint (a model, an optimizer's
        state), so that a run can resume from any of them; a file that does not exist yet is
        waited for.
        """
        if not isinstance(path, (str, PurePath)):
            raise InvalidDataTypeError("artifact path", path, "a str or a path")
        source = Path(path)
        if checkpoint:
            self._checkpointer().declare(source)
            if not source.exists():
                return  # cached by the first checkpoint that finds it
        if not source.exists():
            # As DVCLive: a warning, not an error that would end the script, and the entry is
            # kept for a path a stage (or a later line) will make.
            warnings.warn(str(ArtifactNotFoundError(path)), LiveNbWarning, stacklevel=2)
            copy = cache = False
        if copy:
            source = _copy_into(source, self._root / "artifacts")
        if cache:
            self._cache(source)
        if any(value is not None for value in (type, name, desc, labels, meta)):
            self._add_artifact_entry(source, type, name, desc, labels, meta)
        if self._observers:
            self._emit("artifact", name or source.stem, source)

    def _add_artifact_entry(
        self,
        path: Path,
        type_: str | None,
        name: str | None,
        desc: str | None,
        labels: list[str] | None,
        meta: dict[str, Any] | None,
    ) -> None:
        name = name or path.stem
        if not _is_valid_artifact_name(name):
            warnings.warn(
                f"Can't use {name!r} as an artifact name: use letters, digits, '-', '_' and "
                "'/' (e.g. 'my-model'). It is left out of dvc.yaml's artifacts section.",
                LiveNbWarning,
                stacklevel=3,
            )
            return
        entry: dict[str, Any] = {
            "path": path.absolute(),
            "type": type_,
            "desc": desc,
            "labels": labels,
            "meta": meta,
        }
        self._artifacts[name] = {key: value for key, value in entry.items() if value is not None}

    # ---- results ------------------------------------------------------------------------

    def make_summary(self) -> None:
        """Write ``metrics.json`` now (the latest value of every metric, and the step)."""
        if self._step is not None:
            self.summary["step"] = self._step
        self._writer.flush()
        with self._sync_lock:
            atomic_write(self._root / "metrics.json", json_text(copy_nested(self.summary)))

    def make_dvcyaml(self) -> None:
        """Write the params, metrics, plots and artifacts sections of ``dvc.yaml`` now.

        Also with ``dvcyaml=False`` (then to ``dvc.yaml`` in the current directory), as
        DVCLive does: calling it is asking for the file.
        """
        with self._sync_lock:
            self._write_dvcyaml(self._dvc_file or Path("dvc.yaml").absolute())

    def _write_dvcyaml(self, target: Path) -> None:
        config = self._dvcyaml_config(target)
        live_dir = _relative_posix(self._root, target.parent)
        try:
            dvcyaml_format.write_entries(target, config, live_dir)
        except ValueError as error:
            raise DvcyamlConflictError(str(target), f"it is not valid YAML ({error})") from error
        if target == self._dvc_file:
            self._written_dvcyaml = config

    def make_report(self) -> None:
        """Bring the report up to date now.

        ``report.html`` or ``report.md`` in ``dir``, or the notebook's dashboard.

        During a run ``next_step`` rewrites the report file every few seconds (less
        often when that is costly) and the dashboard updates a few times a second;
        ``end()`` writes the final report.
        """
        if self._report is not None:
            self._writer.flush()  # the report reads the metric files
            self._report.update()
            self._open_report_once()

    def _open_report_once(self) -> None:
        """``DVCLIVE_OPEN``: show report.html in a browser, the first time it is written."""
        report_file = self.report_file
        if self._report_opened or report_file is None or not report_file.endswith(".html"):
            return
        if env.env_flag(os.environ.get(env.DVCLIVE_OPEN)) and os.path.isfile(report_file):
            import webbrowser

            self._report_opened = True
            webbrowser.open(Path(report_file).absolute().as_uri())

    def _dvcyaml_config(self, dvc_file: Path) -> dict[str, Any]:
        with self._structure:  # the sync thread reads while the loop may add a name
            return self._dvcyaml_sections(dvc_file.parent)

    def _dvcyaml_sections(self, base: Path) -> dict[str, Any]:
        config: dict[str, Any] = {}
        if self._params:
            config["params"] = [_relative_posix(self._root / "params.yaml", base)]
        if self._series or self.summary:
            config["metrics"] = [_relative_posix(self._root / "metrics.json", base)]
        plots: list[Any] = []
        metrics_dir = self._root / "plots" / "metrics"
        if any(s.timestamped is not None for s in self._series.values()) or metrics_dir.exists():
            plots.append({_relative_posix(metrics_dir, base): {"x": "step"}})
        if self._images:
            plots.append(_relative_posix(self._root / "plots" / "images", base))
        for path, plot_config in self._plots.values():
            plots.append({_relative_posix(path, base): plot_config})
        if plots:
            config["plots"] = plots
        if self._artifacts:
            config["artifacts"] = {
                name: {**entry, "path": _relative_posix(entry["path"], base)}
                for name, entry in self._artifacts.items()
            }
        return config

    def _write_results(self) -> object:
        """metrics.json and, when changed, dvc.yaml (from the loop or the sync thread).

        Returns the step metrics.json now names (None before the first).
        """
        with self._sync_lock:
            summary = copy_nested(self.summary)
            atomic_write(self._root / "metrics.json", json_text(summary))
            dvc_file = self._dvc_file
            if dvc_file is not None and self._dvcyaml_config(dvc_file) != self._written_dvcyaml:
                self._make_dvcyaml_or_warn()
            self._signal_step(summary.get("step"))
            return summary.get("step")

    def _write_later(self) -> None:
        """The sync thread's turn: what the last steps logged, once their interval is over."""
        self._sync_requested = False
        try:
            self._write_results()
        except OSError as error:  # a full disk: the loop's own next write will say so
            warnings.warn(f"live_nb could not write the results: {error}", LiveNbWarning, 2)

    def _write_at_exit(self) -> None:
        """The interpreter exits before ``end()``: write the rows and results logged so far."""
        self._writer.flush()
        self._write_results()
        self._record_written()

    def _signal_step(self, step: object) -> None:
        """Tell DVC's VS Code extension a step completed, in a DVC project (as DVCLive does)."""
        run = self._dvc_run
        if run.project and type(step) is int and step != self._marked_step:
            self._marked_step = step
            vscode.mark_step_completed(run.project, step)

    def _make_dvcyaml_or_warn(self) -> None:
        """During a run, a dvc.yaml we cannot update is reported once; training goes on."""
        if self._dvc_file is None:
            return
        try:
            self.make_dvcyaml()
        except DvcyamlConflictError as error:
            if not self._dvcyaml_warned:
                self._dvcyaml_warned = True
                warnings.warn(str(error), LiveNbWarning, stacklevel=4)

    def sync(self) -> None:
        """Write everything logged so far: metric rows, metrics.json, dvc.yaml."""
        self.make_summary()
        self._make_dvcyaml_or_warn()
        self.make_report()

    def end(self) -> None:
        """Finish the run: write every result file. Called by ``with Live() as live:``."""
        if self._inside_with:
            return
        autosync.ended(self)
        if self._checkpoints is not None:
            self._checkpoints.close()
            if env.in_headless_run():  # the runner saves: the declared files as they end
                self._checkpoints.files.cache()
        if self._images and self._cache_images:
            self._cache(self._root / "plots" / "images")
        if "step" in self.summary:
            self.step = self.summary["step"]
        if self._monitor is not None:
            self._monitor.stop()  # logs the last samples, then nothing more
            self._monitor = None
        self._writer.close()
        if self._report is not None:
            self._report.finish(self._end_status)
        self.sync()
        if self._observers:
            self._emit("end", None, self.summary)
        self.save_dvc_exp()
        self._unannounce()
        if self._studio is not None:  # the last data and `done`, a few seconds at most
            commit = self._experiment.commit if self._experiment is not None else None
            self._studio.finish(self.step, commit)
            self._studio = None
        if self._dvc_run.project is not None:
            vscode.clear(self._dvc_run.project)
        if self._report is not None:
            self._report.saved(self._outcome())
        self._record_written()

    def _outcome(self) -> str:
        """What became of the run, for the report: the experiment saved, or why not."""
        if self._experiment is not None:
            return self._experiment.describe()
        if self._not_saved is not None:
            return f"Not saved as an experiment: {self._not_saved}"
        return ""

    def cache(self, path: str | os.PathLike[str]) -> None:
        """Put ``path`` in DVC's cache with a ``.dvc`` file, as ``dvc add`` does.

        A path a ``dvc.yaml`` stage outputs is left to DVC, which caches it when the stage
        runs (a ``.dvc`` file beside the stage would break the next ``dvc repro``).
        """
        self._cache(Path(path))

    def _cache(self, path: Path) -> None:
        from live_nb.formats import artifacts

        stage = self._dvc_run.output_stage(path)
        if stage is not None:
            if not self._dvc_run.in_stage:
                warnings.warn(
                    f"live_nb: {os.fspath(path)!r} is an output of the dvc.yaml stage "
                    f"{stage!r}: DVC caches it when the stage runs, so no .dvc file is made.",
                    LiveNbWarning,
                    stacklevel=4,
                )
            return
        if self._dvc_run.in_stage:
            warnings.warn(
                f"live_nb: to track {os.fspath(path)!r} automatically in the DVC pipeline, add "
                "it as an output of the pipeline stage (a .dvc file tracks it meanwhile).",
                LiveNbWarning,
                stacklevel=4,
            )
        root = artifacts.find_dvc_root(Path.cwd())
        entry = artifacts.cache_artifact(path.absolute(), root)
        self._dvc_outputs.update({entry.dvc_file, entry.dvc_file.parent / ".gitignore"})

    def _signal_run_started(self) -> None:
        """In a DVC project, tell DVC's VS Code extension a run that saves itself started."""
        run = self._dvc_run
        if not self._save_dvc_exp or run.in_stage or run.project is None:
            return
        if self._exp_name is None:
            from live_nb.experiments.names import random_name

            self._exp_name = random_name()
            self._generated_name = True
        vscode.mark_run_started(run.project, self._exp_name)

    def _studio_details(self) -> RunDetails:
        """What Studio is told of this run; a run without a name gets one, also to save under."""
        from live_nb.studio import RunDetails

        if self._exp_name is None:
            from live_nb.experiments.names import random_name

            self._exp_name = random_name()
            self._generated_name = True
        run = self._dvc_run
        return RunDetails(self._exp_name, self._exp_message, run.project, run.command != "exp")

    @property
    def experiment(self) -> SavedExperiment | None:
        """The experiment ``end()`` saved (name, commit, ref), or None.

        In a run of ``live-nb exp run``, which saves the experiment when the whole notebook
        has run, it is the experiment to come: its name, with an empty commit.
        """
        if self._experiment is None and env.in_headless_run():
            from live_nb.experiments import SavedExperiment

            return SavedExperiment(os.environ.get(env.LIVE_NB_RUN_NAME, ""), "", "", "")
        return self._experiment

    def save_dvc_exp(self) -> None:
        """Save the workspace and the results as a Git experiment (``save_dvc_exp=True``).

        Without a Git repository or a first commit, logging is kept and saving is
        skipped with one warning that says how to fix it.
        """
        if not self._save_dvc_exp:
            return
        from live_nb.experiments import ExperimentExistsError

        try:
            try:
                self._experiment = self.save_experiment(name=self._exp_name)
            except ExperimentExistsError:
                self._experiment = self.save_experiment()
                if not self._generated_name:
                    warnings.warn(
                        f"live_nb: an experiment named {self._exp_name!r} exists, so this run "
                        f"was saved as {self._experiment.name!r}.",
                        LiveNbWarning,
                        stacklevel=3,
                    )
        except LiveNbError as error:  # no Git, no commit, a merge in progress...
            self._not_saved = str(error)
            _warn_not_saved(str(error))
        except Exception as error:  # any other failure: a failed save must never lose the run
            self._not_saved = f"saving failed ({type(error).__name__}: {error})."
            _warn_not_saved(self._not_saved)

    def save_experiment(
        self,
        name: str | None = None,
        message: str | None = None,
        include: Iterable[str | os.PathLike[str]] = (),
        trailers: Mapping[str, str] | None = None,
        contents: Mapping[Path, bytes] | None = None,
    ) -> SavedExperiment:
        """Save the workspace, this run's results and ``include`` as an experiment now.

        ``contents``: files committed with these bytes instead of what is on disk (see
        :func:`live_nb.experiments.save`); with checkpoints, in the chain's final commit.
        Raises what :func:`live_nb.experiments.save` raises (no repository, a taken name...).
        """
        from live_nb import experiments

        paths: list[str | os.PathLike[str]] = [*self._saved_paths(), *include]
        if self._checkpoints is not None:
            trailers = trailers or {
                "Live-Nb-Status": "ok" if self._end_status == "done" else self._end_status
            }
            text = message or self._exp_message
            absolute = [Path(os.path.abspath(path)) for path in paths]
            saved = self._checkpoints.finish(text, absolute, trailers, contents)
            if saved is not None:
                self._experiment = saved
                return saved
        self._experiment = experiments.save(
            name=name,
            message=message or self._exp_message,
            include=paths,
            trailers=trailers,
            contents=contents,
        )
        return self._experiment

    def _saved_paths(self) -> list[Path]:
        """What an experiment holds beside the workspace: the results, dvc.yaml, .dvc files."""
        paths = [self._root, *sorted(self._dvc_outputs)]
        if self._dvc_file is not None:
            paths.append(self._dvc_file)
        return paths

    # ---- checkpoints --------------------------------------------------------------------

    def checkpoint(self, wait: bool = False) -> None:
        """Commit the run so far as a checkpoint of its experiment, in the background.

        The experiment exists from its first checkpoint; the final save at ``end()`` extends
        the same chain. ``wait=True`` returns once the checkpoint is made.
        """
        checkpointer = self._checkpointer()
        done = self.summary.get("step")
        checkpointer.request(done if type(done) is int else 0)
        if wait:
            checkpointer.wait()

    def _checkpointer(self) -> Checkpointer:
        if self._checkpoints is None:
            self._checkpoints = self._new_checkpointer(None)
        return self._checkpoints

    def _new_checkpointer(self, schedule: object) -> Checkpointer:
        from live_nb.checkpoints import ChainStart, Checkpointer, Schedule

        resumed = self.resumed
        start = resumed.start if resumed is not None else ChainStart(name=self._exp_name)
        checkpointer = Checkpointer(
            Schedule.parse(schedule), self._checkpoint_state, self._saved_paths, start
        )
        for path in resumed.files if resumed is not None else ():
            checkpointer.declare(path)
        return checkpointer

    def _resume_checkpoint(self, target: str) -> Resumed:
        """Restore checkpoint ``target``'s output folder and files (see checkpoints.resume)."""
        from live_nb.checkpoints.resume import resume_from

        if not isinstance(target, str) or not target:
            raise InvalidDataTypeError("resume_from", target, "an experiment name (NAME@STEP)")
        return resume_from(target, self._root, name=self._exp_name)

    def _checkpoint_state(self) -> int | None:
        """The checkpoint thread's turn: results written, and the step they name."""
        step = self._write_results()
        return step if type(step) is int else None

    def read_latest(self) -> dict[str, Any]:
        """The latest values as ``metrics.json`` holds them (an empty dict before it exists)."""
        import json

        try:
            latest = json.loads((self._root / "metrics.json").read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        return latest if isinstance(latest, dict) else {}

    def read_step(self) -> int:
        """The last step ``metrics.json`` records (0 before any)."""
        step = self.read_latest().get("step", 0)
        return step if type(step) is int else 0

    def __enter__(self) -> Live:
        self._inside_with = True
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._inside_with = False
        error = exc_info[0] if exc_info else None
        if isinstance(error, type) and issubclass(error, BaseException):
            self._end_status = "interrupted" if issubclass(error, KeyboardInterrupt) else "error"
        self.end()

    # ---- system monitoring --------------------------------------------------------------

    def monitor_system(
        self,
        interval: float = 0.05,
        num_samples: int = 20,
        directories_to_monitor: dict[str, str] | None = None,
    ) -> None:
        """Log CPU, memory, disk and NVIDIA GPU use as ``system/...`` metrics, as DVCLive does.

        A background thread samples every ``interval`` seconds (at most 0.1) and logs the
        mean of every ``num_samples`` samples (1 to 30) at the current step, with a
        timestamp. ``directories_to_monitor`` maps a metric name to a folder whose disk is
        measured (``{"main": "/"}`` by default). Needs psutil (the ``system`` extra); GPU
        metrics need the ``gpu`` extra and an NVIDIA driver, and are skipped without them.
        """
        from live_nb.monitor import SystemMonitor

        if self._monitor is not None:
            self._monitor.stop()
        self._monitor = SystemMonitor.start(
            self._log_system, interval, num_samples, directories_to_monitor
        )

    def _log_system(self, record: Iterable[tuple[str, float, bool]]) -> None:
        """The monitor thread's means, logged at the current step and written at once.

        Under the lock ``next_step`` writes metric files with, and ``metrics.json`` and
        ``dvc.yaml`` are written with, so that no thread sees the metrics change halfway.
        """
        with self._sync_lock:
            for name, value, plot in record:
                self.log_metric(name, value, timestamp=True, plot=plot)
                if plot:
                    self._writer.flush_series(self._series[name])

    # ---- previous runs ------------------------------------------------------------------

    def _remove_previous_run(self) -> None:
        """Clear what the previous run here wrote, and nothing of the user's.

        Only the files a run of ``Live`` left are removed (:mod:`live_nb.formats.written`).
        A ``dvc.yaml`` with anything but the sections ``Live`` writes (stages, vars...) is
        kept (``make_dvcyaml`` replaces only its own entries); so is ``params.yaml`` in a
        folder that is a project's own (``Live(dir=".")``) or that no run wrote, whose params
        the run then extends.
        """
        kept_dvc_files = False
        live_dvc_files = []
        for stale in self._root.glob("*dvc.yaml"):
            if dvcyaml_format.written_by_live(stale):
                live_dvc_files.append(stale)
            else:
                kept_dvc_files = True
        project_folder = _is_project_folder(self._root)
        evidence = bool(live_dvc_files) or (not project_folder and self._dvcyaml_names_us())
        doomed = written.previous_run_files(self._root, evidence_of_live=evidence)
        if kept_dvc_files or project_folder:
            doomed.discard("params.yaml")
        if "params.yaml" not in doomed:  # the user's: extended, never lost
            self._params = _params_in(self._root / "params.yaml")
        written.remove_files(self._root, doomed)
        for stale in live_dvc_files:
            remove_quietly(stale)

    def _dvcyaml_names_us(self) -> bool:
        """Whether the ``dvc.yaml`` this run writes lists files of this folder: a run's."""
        target = self._dvc_file
        if target is None or not target.is_file():
            return False
        live_dir = _relative_posix(self._root, target.parent)
        return dvcyaml_format.names_live_files(target, live_dir)

    def _record_written(self) -> None:
        """Say which files this run left, so the next run removes those and only those."""
        if self._found_here is None:  # __init__ did not get as far as clearing the folder
            return
        written.save_record(self._root, written.files_in_layout(self._root) - self._found_here)

    def _load_previous_run(self) -> None:
        """Continue the run in ``dir``: its params, its summary, its next step (see resume)."""
        previous = load_previous_run(self._root)
        self._params.update(previous.params)
        self.summary = previous.summary
        self._step = self._row_step = previous.next_step

    def carry_over(self, earlier: Live) -> None:
        """Keep listing what ``earlier`` (ended, same folder) logged: images, plots, artifacts.

        ``resume=True`` reads params, metrics and the step back from the folder; the names
        of images, plots and artifacts live only in the logger that logged them, and
        ``dvc.yaml`` is rewritten from this logger's, so without them a run continued in the
        same process (a headless run's next ``%%live`` cell) would drop their entries.
        """
        if earlier._root != self._root:
            raise ValueError(f"{earlier.dir!r} is not this run's folder {self.dir!r}")
        with self._structure:
            self._images = {**earlier._images, **self._images}
            self._plots = {**earlier._plots, **self._plots}
            self._sklearn_kinds = {**earlier._sklearn_kinds, **self._sklearn_kinds}
            self._artifacts = {**earlier._artifacts, **self._artifacts}
            self._dvc_outputs |= earlier._dvc_outputs


# ---- the run of the cell -----------------------------------------------------------------

_ACTIVE: list[Live] = []


def active_live() -> Live | None:
    """The ``live`` of the ``%%live`` cell running now, or None.

    Framework callbacks (``live_nb.integrations``) log into it instead of starting a run.
    """
    return _ACTIVE[-1] if _ACTIVE else None


@contextmanager
def activated(live: Live) -> Iterator[Live]:
    """Make ``live`` the :func:`active_live` run while the block runs."""
    _ACTIVE.append(live)
    try:
        yield live
    finally:
        _ACTIVE.remove(live)


# ---- helpers ---------------------------------------------------------------------------


def _dvc_file_path(dvcyaml: str | os.PathLike[str] | bool | None) -> Path | None:
    if dvcyaml is None or dvcyaml is False:
        return None
    if dvcyaml is True:
        return Path("dvc.yaml").absolute()
    if (
        isinstance(dvcyaml, (str, os.PathLike))
        and os.path.basename(os.fspath(dvcyaml)) == "dvc.yaml"
    ):
        return Path(dvcyaml).absolute()
    raise InvalidDvcyamlError(dvcyaml)


def _is_project_folder(folder: Path) -> bool:
    """A folder of the user's project itself (its Git or DVC root, or the current one)."""
    return (folder / ".git").exists() or (folder / ".dvc").is_dir() or folder == Path.cwd()


def _params_in(path: Path) -> dict[str, Any]:
    try:
        loaded = load_yaml(path.read_text(encoding="utf-8"))
    except Exception:  # missing, unreadable or not YAML: replaced if params are logged
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _test_mode_paths(folder: str, dvc_file: Path | None) -> tuple[str, Path | None]:
    """``DVCLIVE_TEST``: the output folder and dvc.yaml inside a new temporary folder."""
    import tempfile

    base = tempfile.mkdtemp(prefix="live_nb-test-")
    warnings.warn(
        f"live_nb: DVCLIVE_TEST is set, so results go to {base} and no experiment is saved.",
        LiveNbWarning,
        stacklevel=4,
    )
    moved = None if dvc_file is None else Path(base, os.path.relpath(dvc_file))
    return os.path.join(base, folder), moved


def _usable_exp_name(name: str | None) -> str | None:
    """``name`` if Git can store it as an experiment; else None (a generated name), and why."""
    if name is None:
        return None
    from live_nb.experiments.names import InvalidExperimentNameError, check_experiment_name

    try:
        return check_experiment_name(name)
    except InvalidExperimentNameError as error:
        warnings.warn(
            f"live_nb: {error} The run is logged as usual and saved under a generated name.",
            LiveNbWarning,
            stacklevel=4,
        )
        return None


def _warn_not_saved(reason: str) -> None:
    warnings.warn(
        f"live_nb: the experiment was not saved: {reason} Your logged results are in place.",
        ExperimentNotSavedWarning,
        stacklevel=4,
    )


def _without_json_suffix(name: object) -> object:
    return name.removesuffix(".json") if isinstance(name, str) else name


def _relative_posix(path: Path, base: Path) -> str:
    return Path(os.path.relpath(path.absolute(), base)).as_posix()


def _metric_value(name: str, value: Any) -> tuple[int | float | str, str]:
    """The value stored in metrics.json and its text in the TSV file, as DVCLive writes them."""
    original = value
    if isinstance(value, str) and ("\n" in value or "\r" in value):
        raise InvalidMetricValueError(name, "text with a line break cannot be a TSV field")
    if isinstance(value, (int, float, str)):
        text = format_value(value)
    elif callable(getattr(value, "item", None)):
        try:
            value = value.item()
        except (ValueError, RuntimeError, TypeError) as error:
            raise InvalidDataTypeError(
                name, original, _METRIC_TYPES + " holding one value"
            ) from error
        if not isinstance(value, (int, float, str)):
            raise InvalidDataTypeError(name, original, _METRIC_TYPES)
        # str(numpy scalar) is what DVCLive's csv writer writes: np.float32(0.1) -> "0.1";
        # a one-element array is logged as its scalar ("[0.5]" is no number)
        is_scalar = type(original).__module__ == "numpy" and not hasattr(original, "__len__")
        text = str(original) if is_scalar else format_value(value)
    else:
        raise InvalidDataTypeError(name, original, _METRIC_TYPES)
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        value = str(value)
        text = value
    return value, text


def _plain_param(key: str, value: Any) -> Any:
    """``value`` as plain YAML data; numpy scalars become Python numbers, tuples lists."""
    if value is None or type(value) in (bool, int, float, str):
        return value
    item = getattr(value, "item", None)
    if callable(item) and type(value).__module__.split(".")[0] in ("numpy", "torch", "jax"):
        try:
            return _plain_param(key, item())
        except (ValueError, RuntimeError):
            raise InvalidParameterTypeError(key, value) from None
    if isinstance(value, dict):
        for k in value:
            if not isinstance(k, str):
                raise InvalidParameterTypeError(f"{key}.{k!r}" if key else repr(k), k)
        return {k: _plain_param(f"{key}.{k}" if key else k, v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain_param(f"{key}[{i}]", v) for i, v in enumerate(value)]
    raise InvalidParameterTypeError(key, value)


def _is_valid_artifact_name(name: str) -> bool:
    import re

    # The artifact-name rule of DVC's model registry (GTO), which DVCLive applies.
    return bool(re.fullmatch(r"[a-zA-Z0-9]([a-zA-Z0-9/_-]*[a-zA-Z0-9])?", name))


def _copy_into(source: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / source.absolute().name
    if target.is_symlink() or target.is_file():
        target.unlink()
    elif target.is_dir():
        shutil.rmtree(target)
    if source.is_dir():
        shutil.copytree(source, target)
    else:
        shutil.copy2(source, target)
    return target
