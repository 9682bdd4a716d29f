"""The kernel's execution record: every cell run, in order, with its source and outputs.

The recorder listens to IPython's ``pre_run_cell``/``post_run_cell`` events and
wraps, on the shell's own objects, the few places outputs pass through: the
display publisher, the display hook, the traceback printer and ``sys.stdout``/
``sys.stderr``. Every wrapper calls the original first and only appends to a
list, so what the user sees is unchanged; ``uninstall`` puts the originals back.
"""

from __future__ import annotations

import contextlib
import functools
import json
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import IPython

MAX_TEXT_CHARS = 100_000
"""A stream output longer than this is cut, with a note, in the record (not on screen)."""

MAX_BUNDLE_CHARS = 2_000_000
"""A display bundle larger than this is replaced by its text form and a note."""

_COUNTS_BEFORE_PRE_RUN = IPython.version_info >= (9,)


@dataclass
class RecordedCell:
    """One executed cell: its source, execution count and outputs, as nbformat has them."""

    source: str
    execution_count: int | None
    outputs: list[dict[str, Any]] = field(default_factory=list)
    outputs_recorded: bool = True
    started: float = field(default_factory=time.time)

    def add_stream(self, name: str, text: str) -> None:
        """Add stream text to the cell, merged with the stream before it."""
        last = self.outputs[-1] if self.outputs else None
        if last is not None and last["output_type"] == "stream" and last["name"] == name:
            if len(last["text"]) < MAX_TEXT_CHARS:
                last["text"] = _cut(last["text"] + text)
            return
        self.outputs.append({"output_type": "stream", "name": name, "text": _cut(text)})


def _cut(text: str) -> str:
    if len(text) <= MAX_TEXT_CHARS:
        return text
    return text[:MAX_TEXT_CHARS] + f"\n[... output cut by live_nb: {len(text):,} characters ...]\n"


def _bounded_bundle(data: dict[str, Any]) -> dict[str, Any]:
    size = sum(
        len(value) if isinstance(value, str) else len(json.dumps(value)) for value in data.values()
    )
    if size <= MAX_BUNDLE_CHARS:
        return dict(data)
    text = str(data.get("text/plain", ""))[:MAX_TEXT_CHARS]
    return {"text/plain": f"{text}\n[... display of {size:,} characters cut by live_nb ...]"}


class ExecutionRecord:
    """The cells run since the extension was loaded (and the sources of those before)."""

    def __init__(self) -> None:
        self.cells: list[RecordedCell] = []
        self._current: RecordedCell | None = None

    @property
    def current(self) -> RecordedCell | None:
        """The cell running now, or None."""
        return self._current

    def start_cell(self, source: str, execution_count: int | None) -> None:
        """A cell starts running."""
        self._current = RecordedCell(source, execution_count)
        self.cells.append(self._current)

    def add_stream(self, name: str, text: str) -> None:
        """Add stream text to the current cell, if one is running."""
        if self._current is not None and text:
            self._current.add_stream(name, text)

    def add_display(
        self, data: dict[str, Any], metadata: dict[str, Any] | None, display_id: str | None
    ) -> None:
        """Record a display (with its display id, for later updates)."""
        if self._current is None:
            return
        output: dict[str, Any] = {
            "output_type": "display_data",
            "data": _bounded_bundle(data),
            "metadata": dict(metadata or {}),
        }
        if display_id is not None:
            output["_display_id"] = display_id
        self._current.outputs.append(output)

    def update_display(
        self, data: dict[str, Any], metadata: dict[str, Any] | None, display_id: str
    ) -> None:
        """An update replaces the data of earlier outputs with that display id, as on screen."""
        for cell in self.cells:
            for output in cell.outputs:
                if output.get("_display_id") == display_id:
                    output["data"] = _bounded_bundle(data)
                    output["metadata"] = dict(metadata or {})

    def add_result(self, data: dict[str, Any], metadata: dict[str, Any] | None) -> None:
        """Record the cell's result (``execute_result``)."""
        if self._current is None:
            return
        self._current.outputs.append(
            {
                "output_type": "execute_result",
                "data": _bounded_bundle(data),
                "metadata": dict(metadata or {}),
                "execution_count": self._current.execution_count,
            }
        )

    def add_error(self, ename: str, evalue: str, traceback: list[str]) -> None:
        """Record the cell's error, with its traceback."""
        if self._current is None:
            return
        self._current.outputs.append(
            {"output_type": "error", "ename": ename, "evalue": evalue, "traceback": list(traceback)}
        )

    def clear_outputs(self) -> None:
        """Forget the current cell's outputs (``clear_output``)."""
        if self._current is not None:
            self._current.outputs.clear()

    def to_notebook(
        self, upto: RecordedCell | None = None, metadata: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """An nbformat 4.5 notebook of the record, up to and including ``upto``."""
        cells = []
        for cell in self.cells:
            cells.append(_notebook_cell(cell))
            if cell is upto:
                break
        return {
            "cells": cells,
            "metadata": {
                "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                "language_info": {"name": "python", "version": sys.version.split()[0]},
                "live_nb": dict(metadata or {}),
            },
            "nbformat": 4,
            "nbformat_minor": 5,
        }


def _notebook_cell(cell: RecordedCell) -> dict[str, Any]:
    outputs = []
    for output in cell.outputs:
        outputs.append({key: value for key, value in output.items() if not key.startswith("_")})
    metadata: dict[str, Any] = {}
    if not cell.outputs_recorded:
        metadata["live_nb"] = {"outputs_recorded": False}
    return {
        "cell_type": "code",
        "execution_count": cell.execution_count,
        "id": uuid.uuid4().hex[:12],
        "metadata": metadata,
        "outputs": outputs,
        "source": cell.source,
    }


class _StreamTee:
    """Stands in for a stream whose ``write`` cannot be wrapped in place (a C-level file)."""

    def __init__(self, stream: Any, record: Callable[[str], None]) -> None:
        self._stream = stream
        self._record = record

    def write(self, text: str) -> int:
        written: int = self._stream.write(text)
        self._record(text)
        return written

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class Recorder:
    """Installs the hooks that feed an :class:`ExecutionRecord` and removes them again."""

    def __init__(self, shell: Any) -> None:
        self.shell = shell
        self.record = ExecutionRecord()
        self._undo: list[Callable[[], None]] = []
        self._stream_undo: list[Callable[[], None]] = []

    def install(self) -> None:
        """Start recording: hook into the shell's events and display publisher."""
        self._record_earlier_cells()
        shell = self.shell
        for event, callback in (
            ("pre_run_cell", self._pre_run_cell),
            ("post_run_cell", self._post_run_cell),
        ):
            shell.events.register(event, callback)
            self._undo.append(functools.partial(shell.events.unregister, event, callback))
        self._wrap(shell.display_pub, "publish", self._after_publish)
        self._wrap(shell.display_pub, "clear_output", lambda *a, **k: self.record.clear_outputs())
        self._wrap(shell.displayhook, "write_format_data", self._after_result)
        self._wrap(shell, "_showtraceback", self._after_traceback)
        if self.record.current is not None:  # loaded by a cell: record the rest of it
            self._tee_streams()

    def uninstall(self) -> None:
        """Stop recording and remove every hook."""
        self._untee_streams()
        while self._undo:
            self._undo.pop()()

    def _record_earlier_cells(self) -> None:
        """The sources run before loading (no outputs were seen), then the loading cell itself."""
        history = list(self.shell.history_manager.input_hist_raw)[1:]
        for number, source in enumerate(history[:-1], start=1):
            self.record.start_cell(source, number)
            self.record.cells[-1].outputs_recorded = False
        if history:
            self.record.start_cell(history[-1], len(history))

    def _pre_run_cell(self, info: Any) -> None:
        if getattr(info, "store_history", True):
            # IPython 9 counts the cell before pre_run_cell, IPython 8 after it.
            count = self.shell.execution_count - (1 if _COUNTS_BEFORE_PRE_RUN else 0)
            self.record.start_cell(info.raw_cell, count)
            self._tee_streams()

    def _post_run_cell(self, result: Any) -> None:
        self._untee_streams()
        cell = self.record.current
        count = getattr(result, "execution_count", None)
        if cell is not None and count is not None and cell.execution_count != count:
            cell.execution_count = count
            for output in cell.outputs:
                if output["output_type"] == "execute_result":
                    output["execution_count"] = count

    def _tee_streams(self) -> None:
        """Record sys.stdout and sys.stderr during one cell.

        Per cell, not once: IPython 9 puts its own wrapper on ``write`` around each
        cell and restores the bare method after it, which would drop a lasting one.
        """
        if self._stream_undo:
            return
        for name in ("stdout", "stderr"):
            self._tee_stream(name)

    def _untee_streams(self) -> None:
        while self._stream_undo:
            self._stream_undo.pop()()

    def _wrap(
        self,
        owner: Any,
        name: str,
        after: Callable[..., None],
        undo: list[Callable[[], None]] | None = None,
    ) -> None:
        """Shadow ``owner.name`` with an instance attribute that calls it, then ``after``."""
        original = getattr(owner, name)
        had_own_attribute = name in vars(owner)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            result = original(*args, **kwargs)
            with contextlib.suppress(Exception):  # recording must never break what users see
                after(*args, **kwargs)
            return result

        setattr(owner, name, wrapper)

        def unwrap() -> None:
            if vars(owner).get(name) is not wrapper:
                return  # wrapped again by someone else since: leave theirs in place
            if had_own_attribute:
                setattr(owner, name, original)
            else:
                delattr(owner, name)

        (self._undo if undo is None else undo).append(unwrap)

    def _after_publish(
        self, data: dict[str, Any], metadata: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        display_id = (kwargs.get("transient") or {}).get("display_id")
        if kwargs.get("update") and display_id is not None:
            self.record.update_display(data, metadata, display_id)
        else:
            self.record.add_display(data, metadata, display_id)

    def _after_result(
        self, format_dict: dict[str, Any], md_dict: dict[str, Any] | None = None
    ) -> None:
        self.record.add_result(format_dict, md_dict)

    def _after_traceback(self, etype: Any, evalue: Any, stb: list[str]) -> None:
        self.record.add_error(getattr(etype, "__name__", str(etype)), str(evalue), stb)

    def _tee_stream(self, name: str) -> None:
        stream = getattr(sys, name)

        def record(text: str) -> None:
            self.record.add_stream(name, text)

        try:
            self._wrap(stream, "write", lambda text, *a, **k: record(text), self._stream_undo)
        except (AttributeError, TypeError):  # a C-level file object: replace it instead
            tee = _StreamTee(stream, record)
            setattr(sys, name, tee)

            def restore() -> None:
                if getattr(sys, name) is tee:
                    setattr(sys, name, stream)

            self._stream_undo.append(restore)
