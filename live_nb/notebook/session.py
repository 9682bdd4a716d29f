"""One ``%%live`` cell run: a ``Live`` logger for the cell, its summary, and its experiment."""

from __future__ import annotations

import json
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from live_nb.error import LiveNbError
from live_nb.formats.files import atomic_write
from live_nb.formats.jsonfmt import json_text
from live_nb.live import Live, activated
from live_nb.notebook import headless_cells
from live_nb.notebook.cellcode import CellBody, show_from_user_code
from live_nb.notebook.frontend_copy import FrontendCopy, copies_of, notebook_trailers
from live_nb.notebook.locate import notebook_path
from live_nb.notebook.record import ExecutionRecord, RecordedCell
from live_nb.notebook.summary import SessionSummary

if TYPE_CHECKING:
    from live_nb.experiments import SavedExperiment
    from live_nb.widgets.dashboard import LiveDashboard

EXECUTION_RECORD_NAME = "execution.ipynb"
_MAX_NAME_SUFFIX = 1000


@dataclass
class SessionOptions:
    """What the ``%%live`` line asked for: name, folder, message, params, saving."""

    name: str | None = None
    dir: str = "dvclive"
    message: str | None = None
    save: bool = True
    resume: bool = False
    params: dict[str, Any] = field(default_factory=dict)
    checkpoint: bool | int | str | None = None  # --checkpoint [N|60s]
    checkpoint_files: list[str] = field(default_factory=list)
    resume_from: str | None = None
    reset: bool = False


@dataclass
class Outcome:
    """How a live cell ended: ``ok``, ``error`` or ``interrupted``, and the error."""

    status: str = "ok"
    error: str | None = None
    exception: BaseException | None = None


class LiveSession:
    """Runs one cell with ``live`` bound, then ends the run and saves it, however the cell ends."""

    def __init__(self, shell: Any, record: ExecutionRecord, options: SessionOptions) -> None:
        self.shell = shell
        self.record = record
        self.options = options
        self.cell: RecordedCell | None = record.current
        if options.reset:
            from live_nb.checkpoints.resume import reset

            reset(options.checkpoint_files)
        # A headless run's (or stage's) later cell writing to the same folder continues it.
        earlier = None if options.resume_from else headless_cells.earlier_logger(options.dir)
        self.live = Live(
            options.dir,
            resume=options.resume or earlier is not None,
            save_dvc_exp=False,
            exp_name=options.name,
            checkpoint=options.checkpoint,
            resume_from=options.resume_from,
        )
        if earlier is not None:
            self.live.carry_over(earlier)
        self.continues = earlier is not None
        headless_cells.remember(self.live)
        for path in options.checkpoint_files:
            self.live.log_artifact(path, checkpoint=True)
        title = live_title(self.cell.execution_count if self.cell else None, options.name)
        self.started = time.monotonic()
        self.experiment: SavedExperiment | None = None
        self.frontend: tuple[FrontendCopy | None, str | None] = (None, None)
        self.in_terminal = getattr(shell, "kernel", None) is None
        # A kernel shows the streaming dashboard; a terminal prints a text summary at the end.
        self.summary = SessionSummary(title)
        self.dashboard: LiveDashboard | None = None
        if not self.in_terminal:
            self.dashboard = _new_dashboard(self.live, title)
        if self.dashboard is None:
            self.live.subscribe(self.summary.observe)
        if self.in_terminal:
            self.summary.follow_terminal(sys.stdout)

    def run(self, cell: str, header: str = "%%live") -> Any:
        """Run the cell's body with ``live`` bound, then end the run and save it.

        ``header`` is the cell's ``%%live`` line: a traceback shows it above the body, and
        starts at the user's code, under the cell's own number.
        """
        __tracebackhide__ = True
        self._take_frontend_copy(header, cell)
        self.shell.user_ns["live"] = self.live
        if self.options.params:
            self.live.log_params(self.options.params)
            self.shell.user_ns.update(self.options.params)
        if self.live.resumed is not None:
            print(self.live.resumed.describe())
        if self.continues:
            print(headless_cells.continued_line(self.live))
        if self.dashboard is not None:
            self.dashboard.show()
        elif not self.in_terminal:
            self.summary.show()
        outcome = Outcome()
        body: CellBody | None = None
        try:
            body = CellBody(self.shell, header, cell, self._execution_count())
            with activated(self.live):
                return body.run()
        except KeyboardInterrupt as interrupt:
            outcome = Outcome("interrupted", "KeyboardInterrupt", interrupt)
            _from_user_code(self.shell, body, interrupt)
            raise
        except BaseException as error:
            outcome = Outcome("error", f"{type(error).__name__}: {error}", error)
            _from_user_code(self.shell, body, error)
            raise
        finally:
            self._finish(outcome)

    def _take_frontend_copy(self, header: str, cell: str) -> None:
        """The notebook as the front end showed it when it sent this cell, if it sent one."""
        copies = copies_of(self.shell)
        if copies is not None:
            self.frontend = copies.take(header, cell)

    def _execution_count(self) -> int:
        """The number in the cell's prompt (IPython 9 counts the cell before running it)."""
        if self.cell is not None and self.cell.execution_count is not None:
            return self.cell.execution_count
        return int(self.shell.execution_count)

    def _finish(self, outcome: Outcome) -> None:
        """End the run and save it; a failure here is reported and never hides the cell's error."""
        try:
            self.live.end()
            self.summary.status = {"ok": "done"}.get(outcome.status, outcome.status)
            if outcome.exception is not None and self.cell is not None:
                self.record.add_output(self.cell, _error_output(outcome.exception))
            notebook = notebook_path(self.shell)
            self._write_execution_record(notebook)
            elsewhere = headless_cells.saved_elsewhere()
            if self.options.save and elsewhere:
                self.summary.note = elsewhere
            elif self.options.save:
                self._save(outcome, notebook)
        except Exception as error:
            self.summary.note = (
                f"live_nb could not finish this run: {type(error).__name__}: {error}"
            )
        if self.dashboard is not None:
            status = self.summary.status if self.summary.status != "running" else "error"
            try:
                self.dashboard.finish(status, self.summary.note)
            except Exception as error:  # the dashboard must never hide the cell's own outcome
                _warn_dashboard(error)
        else:
            self.summary.refresh()
        if self.in_terminal:
            self.summary.end_line()
            print(self.summary.text())

    def _write_execution_record(self, notebook: Path | None) -> None:
        metadata: dict[str, Any] = {"notebook_path": str(notebook) if notebook else None}
        document = self.record.to_notebook(upto=self.cell, metadata=metadata)
        if notebook is not None:
            copy = self.frontend[0]
            shown = copy.text if copy is not None and copy.is_for(notebook) else None
            _flag_out_of_order(document, notebook, shown)
        text = json_text(document, indent=1)
        # Headless, every folder of the run is saved with this cell: each gets the whole record.
        folders = dict.fromkeys([*headless_cells.run_folders(), Path(self.live.dir).absolute()])
        for folder in folders:
            atomic_write(folder / EXECUTION_RECORD_NAME, text)

    def _save(self, outcome: Outcome, notebook: Path | None) -> None:
        from live_nb.experiments import ExperimentExistsError

        count = self.cell.execution_count if self.cell else None
        trailers = {
            "Live-Nb-Status": outcome.status,
            "Live-Nb-Duration": f"{time.monotonic() - self.started:.3f}s",
            "Live-Nb-Execution-Count": str(count),
        }
        if outcome.error:
            trailers["Live-Nb-Error"] = outcome.error[:500]
        contents: dict[Path, bytes] = {}
        if notebook is not None:
            trailers["Live-Nb-Notebook"] = str(notebook)
            copy_trailers, contents = notebook_trailers(*self.frontend, notebook)
            trailers.update(copy_trailers)
        message = self.options.message or f"%%live cell [{count}]: {outcome.status}"
        include = [notebook] if notebook is not None else []
        for name in _candidate_names(self.options.name):
            try:
                self.experiment = self.live.save_experiment(
                    name=name,
                    message=message,
                    include=include,
                    trailers=trailers,
                    contents=contents,
                )
                break
            except ExperimentExistsError:
                continue
            except LiveNbError as error:
                self.summary.note = f"Not saved as an experiment: {error}"
                return
        if self.experiment is not None:
            self.summary.note = f"{self.experiment.describe()}; compare runs with %exp_show"
            _refresh_tables(self.live.dir)


def _refresh_tables(path: str) -> None:
    """The ``%exp_show`` tables open in this kernel show the run just saved (if any is open)."""
    tables = sys.modules.get("live_nb.widgets.table")  # none shown: nothing to import
    if tables is not None:
        tables.refresh_open_tables(path)


def live_title(execution_count: int | None, name: str | None) -> str:
    """The title of a ``%%live`` cell's dashboard: ``%%live [5]``, ``%%live [5] name``.

    The execution count tells two runs of the notebook's cells apart, as the cell's prompt does.
    """
    parts = ["%%live"]
    if execution_count is not None:
        parts.append(f"[{execution_count}]")
    if name:
        parts.append(name)
    return " ".join(parts)


def _new_dashboard(live: Live, title: str) -> LiveDashboard | None:
    """The streaming dashboard, or None (and one warning) when it cannot be made here."""
    try:
        from live_nb.widgets.dashboard import LiveDashboard

        return LiveDashboard(live, title=title)
    except Exception as error:
        _warn_dashboard(error)
        return None


def _warn_dashboard(error: Exception) -> None:
    import warnings

    from live_nb.error import LiveNbWarning

    warnings.warn(
        f"live_nb: the dashboard is not available ({type(error).__name__}: {error}); "
        "the run is logged and saved as usual.",
        LiveNbWarning,
        stacklevel=3,
    )


def _candidate_names(name: str | None) -> list[str | None]:
    """The given name, then name-2, name-3...: running the cell again makes a new experiment."""
    if name is None:
        return [None]
    return [name, *(f"{name}-{number}" for number in range(2, _MAX_NAME_SUFFIX))]


def _from_user_code(shell: Any, body: CellBody | None, error: BaseException) -> None:
    """Start ``error``'s traceback at the user's code, and have IPython show it so."""
    tb = body.traceback_of(error) if body is not None else None
    if tb is not None:
        show_from_user_code(shell, error, tb)
        error.__traceback__ = tb


def _error_output(error: BaseException) -> dict[str, Any]:
    lines = traceback.format_exception(type(error), error, error.__traceback__)
    return {
        "output_type": "error",
        "ename": type(error).__name__,
        "evalue": str(error),
        "traceback": [line.rstrip("\n") for line in lines],
    }


def _flag_out_of_order(document: dict[str, Any], notebook: Path, shown: bytes | None) -> None:
    """Mark recorded cells that ran out of the notebook's order, or are not in it.

    The notebook is the front end's copy (``shown``) when there is one, else the saved file.
    """
    try:
        saved = json.loads(shown if shown is not None else notebook.read_bytes())
        sources = [
            _source(cell) for cell in saved.get("cells", []) if cell.get("cell_type") == "code"
        ]
    except (OSError, ValueError, AttributeError):
        return
    furthest = -1
    flagged = []
    for cell in document["cells"]:
        source = cell["source"]
        position = sources.index(source) if source in sources else None
        out_of_order = position is None or position < furthest
        if position is not None:
            furthest = max(furthest, position)
        cell["metadata"].setdefault("live_nb", {}).update(
            {"notebook_position": position, "out_of_order": out_of_order}
        )
        if out_of_order:
            flagged.append(cell["execution_count"])
    document["metadata"]["live_nb"]["out_of_order_cells"] = flagged


def _source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)
