"""The kernel's execution record: every cell run, in order, with its source and outputs.

The recorder listens to IPython's ``pre_run_cell``/``post_run_cell`` events and
wraps, on the shell's own objects, the few places outputs pass through: the
display publisher, the display hook, the traceback printer and ``sys.stdout``/
``sys.stderr``. Every wrapper calls the original first and only appends to a
list, so what the user sees is unchanged; ``uninstall`` puts the originals back.

The record stays small however much a cell prints, and however the output comes
(two streams taking turns, displays, many small writes): a cell keeps its first
``MAX_CELL_OUTPUTS`` outputs and ``MAX_CELL_BYTES`` of them, and the whole record
at most ``MAX_RECORD_OUTPUTS`` outputs and ``MAX_RECORD_BYTES``, the oldest cells'
outputs going first. Sizes are counted as the record's file holds them. What is
left out is counted, never kept, and a note in its place says so:
``[N more outputs, M bytes not recorded by live_nb]``. So the record always fits
in an experiment (``experiments.save`` includes files of up to 10 MB).
"""

from __future__ import annotations

import contextlib
import functools
import json
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import IPython

MAX_TEXT_CHARS = 100_000
"""A stream output longer than this is cut, with a note, in the record (not on screen)."""

MAX_BUNDLE_CHARS = 1_000_000
"""A display bundle larger than this is replaced by its text form and a note."""

MAX_SOURCE_CHARS = 200_000
"""A cell's source longer than this is cut, with a note."""

MAX_CELL_OUTPUTS = 1_000
"""The outputs a cell keeps in the record; later ones are counted in a note."""

MAX_CELL_BYTES = 2_000_000
"""The bytes of outputs a cell keeps in the record."""

MAX_RECORD_OUTPUTS = 5_000
"""The outputs the whole record keeps; beyond them the oldest cells' outputs are dropped."""

MAX_RECORD_BYTES = 6_000_000
"""The size of the whole record file, sources included: well under what ``save`` includes."""

_DEPTH = 4  # an output's indentation in the record file (written with indent=1)
_CELL_OVERHEAD = 400  # a cell's keys, metadata and note of what was not recorded
_CHUNKS = 256  # stream writes kept apart before they are joined into one string

_COUNTS_BEFORE_PRE_RUN = IPython.version_info >= (9,)


@dataclass(frozen=True)
class RecordLimits:
    """How much an :class:`ExecutionRecord` keeps: outputs and bytes, per cell and in all."""

    cell_outputs: int = MAX_CELL_OUTPUTS
    cell_bytes: int = MAX_CELL_BYTES
    record_outputs: int = MAX_RECORD_OUTPUTS
    record_bytes: int = MAX_RECORD_BYTES


@dataclass(eq=False)
class RecordedCell:
    """One executed cell: its source, execution count and outputs, as nbformat has them.

    ``size`` is what the kept outputs take in the record file; ``dropped_outputs`` and
    ``dropped_bytes`` count the outputs left out (a stream's bytes are its UTF-8 text, a
    display's its JSON), noted at index ``dropped_at``.
    """

    source: str
    execution_count: int | None
    outputs: list[dict[str, Any]] = field(default_factory=list)
    outputs_recorded: bool = True
    started: float = field(default_factory=time.time)
    size: int = 0
    dropped_outputs: int = 0
    dropped_bytes: int = 0
    dropped_at: int = 0
    dropped_stream: str | None = None
    source_size: int = 0
    source_recorded: bool = True


def _cut(text: str, limit: int = MAX_TEXT_CHARS, what: str = "output") -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n[... {what} of {len(text):,} characters cut by live_nb ...]\n"


def _json_size(value: Any) -> int:
    """The characters ``value`` takes in the record file, as one of a cell's outputs."""
    text = json.dumps(value, indent=1, default=str)
    return len(text) + (text.count("\n") + 1) * _DEPTH + 2


def _text_size(text: str) -> int:
    """The characters ``text`` takes inside a JSON string (ASCII-escaped, as written)."""
    return len(json.dumps(text)) - 2


def _byte_size(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


_STREAM_SIZE = _json_size({"output_type": "stream", "name": "stdout", "text": ""}) + 100


def _bounded_bundle(data: dict[str, Any]) -> dict[str, Any]:
    size = sum(
        len(value) if isinstance(value, str) else len(json.dumps(value, default=str))
        for value in data.values()
    )
    if size <= MAX_BUNDLE_CHARS:
        return dict(data)
    text = str(data.get("text/plain", ""))[:MAX_TEXT_CHARS]
    return {"text/plain": f"{text}\n[... display of {size:,} characters cut by live_nb ...]"}


def _bounded_traceback(lines: list[str]) -> list[str]:
    """The traceback's last lines, up to ``MAX_TEXT_CHARS``, after a note of the others."""
    kept: list[str] = []
    room = MAX_TEXT_CHARS
    for line in reversed(lines):
        if len(line) > room:
            break
        kept.append(line)
        room -= len(line)
    if not kept and lines:
        kept.append(_cut(lines[-1]))
    if len(kept) < len(lines):
        skipped = len(lines) - len(kept)
        kept.append(f"[... {skipped:,} earlier traceback lines not recorded by live_nb ...]")
    return kept[::-1]


def _bounded(output: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``output`` whose bundle, error message and traceback are bounded."""
    output = dict(output)
    if "data" in output:
        output["data"] = _bounded_bundle(output["data"])
    if output.get("output_type") == "error":
        output["evalue"] = _cut(str(output.get("evalue", "")), what="error message")
        output["traceback"] = _bounded_traceback([str(t) for t in output.get("traceback", [])])
    return output


def _output_bytes(output: dict[str, Any]) -> int:
    """The bytes of an output: a stream's text (what was cut included), else its JSON."""
    if "_chunks" in output:
        return _byte_size("".join(output["_chunks"])) + int(output["_cut"])
    return int(output["_size"])


def _public(output: dict[str, Any]) -> dict[str, Any]:
    """An output as nbformat has it: without live_nb's own keys, a stream's text joined."""
    public = {key: value for key, value in output.items() if not key.startswith("_")}
    if "_chunks" in output:
        text = "".join(output["_chunks"])
        if output["_cut"]:
            text += f"\n[... {output['_cut']:,} more bytes not recorded by live_nb ...]\n"
        public["text"] = text
    return public


class ExecutionRecord:
    """The cells run since the extension was loaded (and the sources of those before).

    It keeps what its ``limits`` allow and counts the rest (see the module's notes);
    ``size`` and ``output_count`` are what it holds. Any thread may call its methods.
    """

    def __init__(self, limits: RecordLimits | None = None) -> None:
        self.cells: list[RecordedCell] = []
        self.limits = limits or RecordLimits()
        self.size = 0
        self.output_count = 0
        self.cells_dropped = 0
        self._current: RecordedCell | None = None
        self._displays: dict[str, list[tuple[RecordedCell, dict[str, Any]]]] = {}
        self._lock = threading.RLock()

    @property
    def current(self) -> RecordedCell | None:
        """The cell running now, or None."""
        return self._current

    def start_cell(self, source: str, execution_count: int | None) -> None:
        """A cell starts running."""
        with self._lock:
            self._current = None  # the cell before has ended: it may give way to this one
            cell = RecordedCell(_cut(source, MAX_SOURCE_CHARS, "cell"), execution_count)
            cell.source_size = _text_size(cell.source) + _CELL_OVERHEAD
            if not self._make_room(cell.source_size, 0, ()):
                self._evict_source(cell)
            self.size += cell.source_size
            self.cells.append(cell)
            self._current = cell

    def add_stream(self, name: str, text: str) -> None:
        """Add stream text to the current cell, merged with the stream before it."""
        with self._lock:
            cell = self._current
            if cell is None or not text:
                return
            if cell.dropped_outputs:  # the record is the cell's beginning: nothing after a gap
                self._drop(cell, _byte_size(text), stream=name)
                return
            last: dict[str, Any] | None = cell.outputs[-1] if cell.outputs else None
            if last is None or last["output_type"] != "stream" or last["name"] != name:
                last = {"output_type": "stream", "name": name, "_chunks": [], "_chars": 0}
                last |= {"_cut": 0, "_size": _STREAM_SIZE}
                if not self._admit(cell, last):
                    self._drop(cell, _byte_size(text), stream=name)
                    return
            self._extend_stream(cell, last, text)

    def add_display(
        self, data: dict[str, Any], metadata: dict[str, Any] | None, display_id: str | None
    ) -> None:
        """Record a display (with its display id, for later updates)."""
        output: dict[str, Any] = {"output_type": "display_data", "data": data}
        output["metadata"] = dict(metadata or {})
        if display_id is not None:
            output["_display_id"] = display_id
        with self._lock:
            self._add(self._current, output)

    def update_display(
        self, data: dict[str, Any], metadata: dict[str, Any] | None, display_id: str
    ) -> None:
        """An update replaces the data of earlier outputs with that display id, as on screen."""
        with self._lock:
            entries = self._displays.get(display_id, [])
            if entries:
                bundle = _bounded_bundle(data)
                for cell, output in list(entries):
                    if not output.get("_removed"):  # making room may drop those further on
                        self._replace_data(cell, output, bundle, dict(metadata or {}))

    def add_result(self, data: dict[str, Any], metadata: dict[str, Any] | None) -> None:
        """Record the cell's result (``execute_result``)."""
        with self._lock:
            cell = self._current
            if cell is not None:
                output: dict[str, Any] = {"output_type": "execute_result", "data": data}
                output["metadata"] = dict(metadata or {})
                output["execution_count"] = cell.execution_count
                self._add(cell, output)

    def add_error(self, ename: str, evalue: str, traceback: list[str]) -> None:
        """Record the cell's error, with its traceback."""
        output: dict[str, Any] = {"output_type": "error", "ename": ename, "evalue": evalue}
        output["traceback"] = traceback
        with self._lock:
            self._add(self._current, output)

    def add_output(self, cell: RecordedCell, output: dict[str, Any]) -> None:
        """Add an nbformat output to ``cell``, bounded as the recorded ones are."""
        with self._lock:
            self._add(cell, output)

    def clear_outputs(self) -> None:
        """Forget the current cell's outputs (``clear_output``)."""
        with self._lock:
            cell = self._current
            if cell is not None:
                self._remove_outputs(cell)
                cell.dropped_outputs = cell.dropped_bytes = cell.dropped_at = 0
                cell.dropped_stream = None

    def to_notebook(
        self, upto: RecordedCell | None = None, metadata: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """An nbformat 4.5 notebook of the record, up to and including ``upto``."""
        cells = []
        notes = dict(metadata or {})
        with self._lock:
            for cell in self.cells:
                cells.append(_notebook_cell(cell))
                if cell is upto:
                    break
            if self.cells_dropped:
                notes["cells_not_recorded"] = self.cells_dropped
        return {
            "cells": cells,
            "metadata": {
                "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                "language_info": {"name": "python", "version": sys.version.split()[0]},
                "live_nb": notes,
            },
            "nbformat": 4,
            "nbformat_minor": 5,
        }

    def _add(self, cell: RecordedCell | None, output: dict[str, Any]) -> None:
        if cell is None:
            return
        output = _bounded(output)
        output["_size"] = _json_size(_public(output))
        # An error says how the cell ended: it is kept past the cell's own limits.
        if not self._admit(cell, output, essential=output["output_type"] == "error"):
            self._drop(cell, output["_size"])
            return
        display_id = output.get("_display_id")
        if display_id is not None:
            self._displays.setdefault(display_id, []).append((cell, output))

    def _admit(self, cell: RecordedCell, output: dict[str, Any], essential: bool = False) -> bool:
        """Append ``output`` to ``cell`` if the limits allow it (making room in older cells)."""
        size = output["_size"]
        if essential:
            allowed = self._make_room(size, 1, (cell,))
        else:  # once a cell drops an output it keeps no later one: the record is its beginning
            allowed = not cell.dropped_outputs and self._fits(cell, size, 1)
        if allowed:
            cell.outputs.append(output)
            self._account(cell, size, 1)
        return allowed

    def _fits(self, cell: RecordedCell, size: int, count: int) -> bool:
        limits = self.limits
        if len(cell.outputs) + count > limits.cell_outputs or cell.size + size > limits.cell_bytes:
            return False
        return self._make_room(size, count, (cell,))

    def _drop(self, cell: RecordedCell, size: int, stream: str | None = None) -> None:
        """Count an output left out; a stream's writes in a row make one output, as on screen."""
        if stream is None or stream != cell.dropped_stream:
            if not cell.dropped_outputs:
                cell.dropped_at = len(cell.outputs)
            cell.dropped_outputs += 1
        cell.dropped_bytes += size
        cell.dropped_stream = stream

    def _account(self, cell: RecordedCell, size: int, count: int) -> None:
        cell.size += size
        self.size += size
        self.output_count += count

    def _extend_stream(self, cell: RecordedCell, output: dict[str, Any], text: str) -> None:
        """Append ``text`` to a stream output, up to its limit; count what is cut."""
        kept = "" if output["_cut"] else text[: max(0, MAX_TEXT_CHARS - output["_chars"])]
        size = _text_size(kept)
        if kept and not self._fits(cell, size, 0):
            kept = ""
        if kept:
            chunks = output["_chunks"]
            chunks.append(kept)
            if len(chunks) >= _CHUNKS:  # many small writes: one string, not a long list
                chunks[:] = ["".join(chunks)]
            output["_chars"] += len(kept)
            output["_size"] += size
            self._account(cell, size, 0)
        if len(kept) < len(text):
            output["_cut"] += _byte_size(text[len(kept) :])

    def _replace_data(
        self,
        cell: RecordedCell,
        output: dict[str, Any],
        data: dict[str, Any],
        metadata: dict[str, Any],
    ) -> None:
        size = _json_size(_public({**output, "data": data, "metadata": metadata}))
        if not self._room_to_grow(cell, size - output["_size"]):
            data = {"text/plain": f"[a display update of {size:,} bytes not recorded by live_nb]"}
            metadata = {}
            size = _json_size(_public({**output, "data": data, "metadata": metadata}))
            if not self._room_to_grow(cell, size - output["_size"]):
                return  # not even the note fits: the output keeps its last recorded data
        self._account(cell, size - output["_size"], 0)
        output.update(data=data, metadata=metadata, _size=size)

    def _room_to_grow(self, cell: RecordedCell, grow: int) -> bool:
        if grow <= 0:
            return True
        return cell.size + grow <= self.limits.cell_bytes and self._make_room(grow, 0, (cell,))

    def _make_room(self, size: int, count: int, keep: tuple[RecordedCell, ...]) -> bool:
        """Drop older cells' outputs, then their sources, then the cells, until the new fits."""
        for evict in (self._evict_outputs, self._evict_source):
            for cell in self.cells:
                if self._room_for(size, count):
                    return True
                if self._evictable(cell, keep):
                    evict(cell)
        while not self._room_for(size, count) and self.cells:
            oldest = self.cells[0]
            if not self._evictable(oldest, keep):
                break
            self._evict_outputs(oldest)
            self.size -= oldest.source_size
            self.cells.pop(0)
            self.cells_dropped += 1
        return self._room_for(size, count)

    def _evictable(self, cell: RecordedCell, keep: tuple[RecordedCell, ...]) -> bool:
        return cell is not self._current and all(cell is not kept for kept in keep)

    def _room_for(self, size: int, count: int) -> bool:
        limits = self.limits
        return (
            self.size + size <= limits.record_bytes
            and self.output_count + count <= limits.record_outputs
        )

    def _evict_outputs(self, cell: RecordedCell) -> None:
        if cell.outputs:
            cell.dropped_outputs += len(cell.outputs)
            cell.dropped_bytes += sum(_output_bytes(output) for output in cell.outputs)
            cell.dropped_at = 0
            cell.dropped_stream = None
            self._remove_outputs(cell)

    def _evict_source(self, cell: RecordedCell) -> None:
        note = f"# [the {len(cell.source):,} characters of this cell not recorded]\n"
        if cell.source_recorded and len(note) < len(cell.source):
            cell.source = note
            cell.source_recorded = False
            size = _text_size(cell.source) + _CELL_OVERHEAD
            self.size += size - cell.source_size
            cell.source_size = size

    def _remove_outputs(self, cell: RecordedCell) -> None:
        for output in cell.outputs:
            output["_removed"] = True
            display_id = output.get("_display_id")
            if display_id in self._displays:
                left = [entry for entry in self._displays[display_id] if entry[1] is not output]
                if left:
                    self._displays[display_id] = left
                else:
                    del self._displays[display_id]
        self._account(cell, -cell.size, -len(cell.outputs))
        cell.outputs.clear()


def _notebook_cell(cell: RecordedCell) -> dict[str, Any]:
    outputs = [_public(output) for output in cell.outputs]
    notes: dict[str, Any] = {}
    if not cell.outputs_recorded:
        notes["outputs_recorded"] = False
    if cell.dropped_outputs:
        outputs.insert(cell.dropped_at, _dropped_note(cell))
        notes["outputs_not_recorded"] = cell.dropped_outputs
        notes["bytes_not_recorded"] = cell.dropped_bytes
    if not cell.source_recorded:
        notes["source_recorded"] = False
    return {
        "cell_type": "code",
        "execution_count": cell.execution_count,
        "id": uuid.uuid4().hex[:12],
        "metadata": {"live_nb": notes} if notes else {},
        "outputs": outputs,
        "source": cell.source,
    }


def _dropped_note(cell: RecordedCell) -> dict[str, Any]:
    more = "more " if cell.dropped_at else ""
    text = (
        f"[{cell.dropped_outputs:,} {more}output{'s' if cell.dropped_outputs != 1 else ''}, "
        f"{cell.dropped_bytes:,} bytes not recorded by live_nb]\n"
    )
    return {"output_type": "stream", "name": "stderr", "text": text}


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
