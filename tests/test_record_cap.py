"""The execution record stays small however a cell's output arrives, and always fits a commit."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import nbformat
import pytest

from live_nb.experiments.save import DEFAULT_MAX_UNTRACKED_SIZE
from live_nb.formats.jsonfmt import json_text
from live_nb.notebook.record import (
    MAX_CELL_OUTPUTS,
    MAX_RECORD_BYTES,
    MAX_TEXT_CHARS,
    ExecutionRecord,
    RecordLimits,
)
from tests.conftest import git
from tests.kernel import Kernel, text_of

SMALL = RecordLimits(cell_outputs=20, cell_bytes=5_000, record_outputs=50, record_bytes=20_000)


def record_text(record: ExecutionRecord) -> str:
    """The record as the session writes it to ``execution.ipynb``."""
    return json_text(record.to_notebook(metadata={"notebook_path": None}), indent=1)


def check_accounts(record: ExecutionRecord) -> None:
    """The running totals are the sums of what the cells hold."""
    assert record.output_count == sum(len(cell.outputs) for cell in record.cells)
    for cell in record.cells:
        assert cell.size == sum(output["_size"] for output in cell.outputs)
    assert record.size == sum(cell.size + cell.source_size for cell in record.cells)
    assert record.size <= record.limits.record_bytes
    assert record.output_count <= record.limits.record_outputs


def valid(record: ExecutionRecord) -> Any:
    document = nbformat.reads(record_text(record), as_version=4)
    nbformat.validate(document)
    return document


def test_alternating_streams_are_capped_in_count_and_size_with_a_note() -> None:
    record = ExecutionRecord()
    record.start_cell("for i in tqdm(range(n)): print(i)", 1)
    for step in range(200_000):
        record.add_stream("stderr", f"\r{step} it [00:00, 1e5 it/s]")
        record.add_stream("stdout", f"loss {step}\n")

    check_accounts(record)
    (cell,) = valid(record).cells
    kept, note = cell.outputs[:MAX_CELL_OUTPUTS], cell.outputs[MAX_CELL_OUTPUTS:]
    assert [output["name"] for output in kept[:4]] == ["stderr", "stdout", "stderr", "stdout"]
    assert kept[1]["text"] == "loss 0\n"
    # 400,000 writes alternating: 400,000 outputs on screen, 1,000 kept, the rest counted
    dropped = 400_000 - MAX_CELL_OUTPUTS
    dropped_bytes = sum(
        len(f"\r{step} it [00:00, 1e5 it/s]loss {step}\n") for step in range(500, 200_000)
    )
    text = f"[{dropped:,} more outputs, {dropped_bytes:,} bytes not recorded by live_nb]\n"
    assert note == [{"output_type": "stream", "name": "stderr", "text": text}]
    assert cell.metadata["live_nb"] == {
        "outputs_not_recorded": dropped,
        "bytes_not_recorded": dropped_bytes,
    }
    assert len(record_text(record)) < 200_000


def test_many_small_writes_make_one_output_cut_at_its_limit() -> None:
    record = ExecutionRecord()
    record.start_cell("print('.', end='') in a loop", 1)
    for _ in range(300_000):
        record.add_stream("stdout", ".")

    check_accounts(record)
    (cell,) = valid(record).cells
    (output,) = cell.outputs
    cut = 300_000 - MAX_TEXT_CHARS
    note = f"\n[... {cut:,} more bytes not recorded by live_nb ...]\n"
    assert output["text"] == "." * MAX_TEXT_CHARS + note
    assert len(record.cells[0].outputs[0]["_chunks"]) < 300  # joined, not 100,000 strings


def test_displays_are_capped_and_updates_cannot_grow_the_record() -> None:
    record = ExecutionRecord(SMALL)
    record.start_cell("display(...) in a loop", 1)
    record.add_display({"text/plain": "progress 0"}, {}, "bar")
    for step in range(1_000):
        record.add_display({"text/plain": f"image {step}", "image/png": "iVBO" * 20}, {}, None)
    for step in range(1_000):  # an update as large as the cell's whole allowance
        record.update_display({"text/plain": f"{step}" + "#" * 6_000}, {}, "bar")

    check_accounts(record)
    cell = valid(record).cells[0]
    assert cell.outputs[0]["data"] == {
        "text/plain": "[a display update of 6,118 bytes not recorded by live_nb]"
    }
    assert record.cells[0].size <= SMALL.cell_bytes
    assert cell.outputs[-1]["text"].startswith("[")
    assert cell.metadata["live_nb"]["outputs_not_recorded"] == 1_001 - (len(cell.outputs) - 1)


def test_the_oldest_cells_give_way_to_newer_ones() -> None:
    record = ExecutionRecord(SMALL)
    for count in range(1, 8):
        record.start_cell(f"cell {count}", count)
        for step in range(100):
            record.add_stream("stdout" if step % 2 else "stderr", "x" * 100)

    check_accounts(record)
    cells = valid(record).cells
    assert [cell.source for cell in cells] == [f"cell {count}" for count in range(1, 8)]
    # the first cells lost every output, and one note says so; the last ones keep their beginning
    (note,) = cells[0].outputs
    assert note["text"] == f"[100 outputs, {100 * 100:,} bytes not recorded by live_nb]\n"
    assert cells[0].metadata["live_nb"]["outputs_not_recorded"] == 100
    last = cells[-1]
    assert [output["text"] for output in last.outputs[:2]] == ["x" * 100, "x" * 100]
    assert last.outputs[-1]["text"].startswith("[")
    assert "more outputs" in last.outputs[-1]["text"]


def test_an_error_is_kept_after_the_cells_limit_and_bounded() -> None:
    limits = RecordLimits(cell_outputs=10, cell_bytes=2_000, record_bytes=300_000)
    record = ExecutionRecord(limits)
    record.start_cell("raise ValueError('boom ' * 100_000)", 1)
    for step in range(100):
        record.add_display({"text/plain": f"chart {step}"}, {}, None)
    record.add_error("ValueError", "boom " * 100_000, ["Traceback", "line\n" * 200_000, "end"])

    check_accounts(record)
    (cell,) = valid(record).cells
    assert [output["output_type"] for output in cell.outputs[-2:]] == ["stream", "error"]
    assert cell.outputs[-2]["text"].startswith("[90 more outputs, ")
    error = cell.outputs[-1]
    assert len(error["evalue"]) < MAX_TEXT_CHARS + 100
    assert error["evalue"].endswith("error message of 500,000 characters cut by live_nb ...]\n")
    assert error["traceback"][0] == "[... 2 earlier traceback lines not recorded by live_nb ...]"
    assert error["traceback"][-1] == "end"


def test_clearing_the_outputs_frees_their_room() -> None:
    record = ExecutionRecord(SMALL)
    record.start_cell("clear_output(wait=True) in a loop", 1)
    for step in range(10_000):
        record.clear_outputs()
        record.add_stream("stdout", f"step {step}\n")
        record.add_display({"text/plain": f"chart {step}"}, {}, None)

    check_accounts(record)
    (cell,) = valid(record).cells
    assert [output.get("text") for output in cell.outputs] == ["step 9999\n", None]
    assert cell.metadata == {}


@pytest.mark.parametrize("seed", range(10))
def test_the_record_file_is_never_larger_than_its_limit(seed: int) -> None:
    """Sizes are counted as the file holds them, escapes and indentation included."""
    rng = random.Random(seed)
    limits = RecordLimits(
        cell_outputs=rng.randint(5, 200),
        cell_bytes=rng.randint(2_000, 60_000),
        record_outputs=rng.randint(50, 500),
        record_bytes=rng.randint(20_000, 120_000),
    )
    alphabet = 'ab\n\r\t\x1b"\\é€😀█'
    record = ExecutionRecord(limits)
    for count in range(1, 30):
        record.start_cell("".join(rng.choices(alphabet, k=rng.randint(1, 300))), count)
        for _ in range(rng.randint(0, 300)):
            text = "".join(rng.choices(alphabet, k=rng.randint(1, 400)))
            kind = rng.random()
            if kind < 0.7:
                record.add_stream(rng.choice(["stdout", "stderr"]), text)
            elif kind < 0.9:
                bundle = {"text/plain": text, "application/json": {"v": [1] * 50}}
                record.add_display(bundle, {}, "d")
            elif kind < 0.96:
                record.update_display({"text/plain": text * 3}, {"k": text}, "d")
            elif kind < 0.99:
                record.add_error("E", text, text.splitlines())
            else:
                record.clear_outputs()
        check_accounts(record)
    assert len(record_text(record).encode()) <= limits.record_bytes
    valid(record)


def test_the_default_limit_fits_in_what_an_experiment_includes() -> None:
    assert MAX_RECORD_BYTES * 1.5 < DEFAULT_MAX_UNTRACKED_SIZE


ALTERNATING = """
import sys
for step in range({steps}):
    sys.stderr.write(f"\\r{{step}} it [00:00, 99999 it/s] " + "#" * 40)
    sys.stdout.write(f"step {{step}} loss {{1 / (step + 1):.6f}}\\n")
"""

RECORD_STATE = """
import json
from live_nb.notebook.extension import recorder_of
record = recorder_of(get_ipython()).record
cells = record.to_notebook()["cells"]
print(json.dumps({
    "size": record.size,
    "outputs": record.output_count,
    "file": len(json.dumps(record.to_notebook(), indent=1)),
    "notes": [cell["metadata"].get("live_nb", {}) for cell in cells],
}))
"""


@pytest.mark.slow
def test_a_kernel_keeps_a_small_record_and_commits_it(kernel: Kernel, git_repo: Path) -> None:
    steps = 50_000
    outputs = kernel.run(ALTERNATING.format(steps=steps), timeout=120)
    assert f"step {steps - 1} loss" in text_of(outputs)  # the user sees everything
    live_cell = "%%live noisy\n" + ALTERNATING.format(steps=steps) + "live.log_metric('m', 1)\n"
    assert "Saved experiment noisy" in text_of(kernel.run(live_cell, timeout=120))

    (state_output,) = kernel.run(RECORD_STATE)
    state = json.loads(state_output["text"])
    assert state["file"] < MAX_RECORD_BYTES
    assert state["size"] <= MAX_RECORD_BYTES
    assert state["outputs"] <= 2 * MAX_CELL_OUTPUTS + 2
    # the plain cell and the live cell wrote 100,000 times each (and the live cell has its chart)
    plain, live = state["notes"][1:3]
    assert plain["outputs_not_recorded"] == 2 * steps - MAX_CELL_OUTPUTS
    assert live["outputs_not_recorded"] == 2 * steps - MAX_CELL_OUTPUTS + 1

    ref = git(git_repo, "for-each-ref", "--format=%(objectname)", "refs/exps").split()
    (commit,) = ref
    saved = git(git_repo, "show", f"{commit}:dvclive/execution.ipynb")
    assert len(saved.encode()) < MAX_RECORD_BYTES
    document = nbformat.reads(saved, as_version=4)
    nbformat.validate(document)
    live = document.cells[-1]
    assert live.source.startswith("%%live noisy")
    assert live.outputs[0]["output_type"] == "display_data"  # the dashboard
    assert [output["text"] for output in live.outputs[1:3]] == [
        "\r0 it [00:00, 99999 it/s] " + "#" * 40,
        "step 0 loss 1.000000\n",
    ]
    note = live.outputs[MAX_CELL_OUTPUTS]["text"]
    assert note.startswith(f"[{2 * steps - MAX_CELL_OUTPUTS + 1:,} more outputs, ")
