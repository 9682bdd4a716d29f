"""How many bytes does a ``%%live`` cell add to the saved notebook?

    python benchmarks/bench_output_size.py [--steps 30] [--metrics 4] [--images 0] [--tables 2]

Runs a real notebook through nbclient with ``store_widget_state=True`` (nbclient's default, as
JupyterLab's "save widget state"), in a fresh Git project, and prints, per ``%%live`` cell, the
bytes of its outputs (by mime type) and of the widget state it left in the notebook's metadata,
beside DVCLive's ``Live(report="notebook")`` for the same run when dvclive is installed. The
``%exp_show`` cells after them show what a table adds: the widgets' bundle is saved once in the
notebook however many tables and runs views it holds, so each later table costs only its rows.

The live_nb measured is the one the kernel imports (``PYTHONPATH`` decides): run it with
``PYTHONPATH=/path/to/an/older/checkout`` for the "before" numbers.

Budget (issue 10): under 100 KB for a 30-step, 4-metric run with no images.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
from pathlib import Path
from typing import Any

BUDGET = 100 * 1024

LIVE_CELL = """%%live --param lr=0.1
import math
for step in range({steps}):
    for index in range({metrics}):
        live.log_metric(f"train/m{{index}}", math.exp(-lr * step) + index)
    if step < {images}:
        live.log_image(f"samples/{{step}}.png", [[(step * 8 + x) % 256 for x in range(32)]] * 32)
    live.next_step()
"""

DVCLIVE_CELL = """from dvclive import Live
import math
with Live("dvclive_ref", report="notebook", save_dvc_exp=False) as live:
    live.log_param("lr", 0.1)
    for step in range({steps}):
        for index in range({metrics}):
            live.log_metric(f"train/m{{index}}", math.exp(-0.1 * step) + index)
        live.next_step()
"""


def _git(folder: Path, *args: str) -> None:
    identity = ["-c", "user.name=bench", "-c", "user.email=bench@example.com"]
    subprocess.run(["git", *identity, *args], cwd=folder, check=True, capture_output=True)


def run_notebook(folder: Path, cells: list[str]) -> Any:
    """The notebook of ``cells`` after nbclient ran it in ``folder``, widget state stored."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    client = NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(folder)}},
        store_widget_state=True,
    )
    client.execute()
    return notebook


def _size(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False).encode("utf-8"))


def output_sizes(cell: Any) -> dict[str, int]:
    """Bytes of a cell's outputs, by mime type (and "other" for streams and errors)."""
    sizes: dict[str, int] = {}
    for output in cell.get("outputs", []):
        for mime, value in output.get("data", {}).items():
            sizes[mime] = sizes.get(mime, 0) + _size(value)
        if "data" not in output:
            sizes["other"] = sizes.get("other", 0) + _size(output)
    return sizes


def widget_state_sizes(notebook: Any) -> tuple[int, int, int]:
    """Bytes of the saved widget state, split as the budget counts it.

    The shared bundle's model (the one with a ``source``), every other model, and the count.
    """
    state = (
        notebook.metadata.get("widgets", {})
        .get("application/vnd.jupyter.widget-state+json", {})
        .get("state", {})
    )
    bundle = sum(_size(m) for m in state.values() if "source" in m.get("state", {}))
    return bundle, sum(_size(m) for m in state.values()) - bundle, len(state)


def _describe(sizes: dict[str, int]) -> str:
    detail = ", ".join(f"{mime} {size / 1024:.1f} KB" for mime, size in sizes.items())
    return f"outputs {_kb(sum(sizes.values()))}  ({detail})"


def _kb(size: int) -> str:
    return f"{size / 1024:8.1f} KB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--metrics", type=int, default=4)
    parser.add_argument("--images", type=int, default=0, help="steps that log an image")
    parser.add_argument("--cells", type=int, default=2, help="%%live cells in the notebook")
    parser.add_argument("--tables", type=int, default=2, help="%%exp_show cells after them")
    args = parser.parse_args()
    live_cell = LIVE_CELL.format(steps=args.steps, metrics=args.metrics, images=args.images)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        _git(folder, "init", "-q", "-b", "main")
        (folder / "README.md").write_text("bench\n")
        _git(folder, "add", "README.md")
        _git(folder, "commit", "-q", "-m", "initial")
        cells = ["%load_ext live_nb", *[live_cell] * args.cells, *["%exp_show"] * args.tables]
        notebook = run_notebook(folder, cells)
        path = folder / "bench.ipynb"
        path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False))
        bundle, models, count = widget_state_sizes(notebook)
        print(
            f"{args.cells} %%live cells of {args.steps} steps x {args.metrics} metrics, "
            f"{args.images} images, through nbclient (store_widget_state=True)"
        )
        live_cells = notebook.cells[1 : 1 + args.cells]
        for index, cell in enumerate(notebook.cells[1:], start=1):
            kind = "%%live" if index <= args.cells else "%exp_show"
            print(f"  cell {index} ({kind}): {_describe(output_sizes(cell))}")
        print(
            f"  widget state in the notebook's metadata: {_kb(bundle + models)} ({count} models): "
            f"the shared bundle {_kb(bundle).strip()}, the rest {_kb(models).strip()}"
        )
        per_cell = (sum(sum(output_sizes(c).values()) for c in live_cells) + models) / max(
            1, args.cells
        )
        verdict = "within" if per_cell < BUDGET else "OVER"
        print(
            f"  per %%live cell, outputs and widget state but the shared bundle: "
            f"{_kb(int(per_cell))} ({verdict} 100 KB)"
        )
        print(f"  whole notebook file: {_kb(path.stat().st_size)}")
        _dvclive(folder, args)


def _dvclive(folder: Path, args: argparse.Namespace) -> None:
    try:
        import dvclive  # noqa: F401
    except ImportError:
        print("dvclive is not installed: no comparison")
        return
    cell = DVCLIVE_CELL.format(steps=args.steps, metrics=args.metrics)
    try:
        notebook = run_notebook(folder, [cell])
    except Exception as error:  # the comparison is optional: say why it is missing
        print(f"DVCLive's notebook report could not run here: {type(error).__name__}: {error}")
        return
    print(
        f"DVCLive Live(report='notebook'), same run: {_describe(output_sizes(notebook.cells[0]))}"
    )


if __name__ == "__main__":
    main()
