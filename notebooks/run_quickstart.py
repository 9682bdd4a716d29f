"""Run the quickstart notebook headless in a fresh project folder, then show what it logged.

python notebooks/run_quickstart.py [--out build/quickstart]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

HERE = Path(__file__).resolve().parent


def execute(notebook: Path) -> None:
    document = nbformat.read(notebook, as_version=4)
    client = NotebookClient(
        document,
        kernel_name="python3",
        store_widget_state=False,
        timeout=600,
        resources={"metadata": {"path": notebook.parent}},
    )
    try:
        client.execute()
    finally:
        nbformat.write(document, notebook)


def make_git_project(project: Path) -> None:
    """The demo runs in a Git repository of its own, as a user's project would be."""
    identity = ["-c", "user.name=live_nb quickstart", "-c", "user.email=quickstart@live-nb.invalid"]
    for command in (
        ["init", "-q"],
        ["add", "quickstart.ipynb"],
        ["commit", "-q", "-m", "Add notebook"],
    ):
        subprocess.run(["git", *identity, *command], cwd=project, check=True)


def report(project: Path) -> None:
    from live_nb.experiments import format_table, show

    live_dir = project / "dvclive"
    print(f"\nlive_nb logged the last run to {live_dir}:")
    for path in sorted(live_dir.rglob("*")):
        if path.is_file():
            print(f"  {path.relative_to(project)}  ({path.stat().st_size:,} bytes)")
    print("\nmetrics.json (latest values of the last run):")
    summary = json.loads((live_dir / "metrics.json").read_text())
    print("  " + json.dumps(summary, indent=2).replace("\n", "\n  "))
    print(f"\nexperiments saved in {project / '.git'} under refs/exps/ (live-nb exp show):")
    print(format_table(show(project)))
    print(f"\ndvc.yaml, read by `dvc metrics show`, `dvc plots show`: {project / 'dvc.yaml'}")
    print(f"model artifact tracked by {project / 'model.npy.dvc'}")
    print(f"executed notebook: {project / 'quickstart.ipynb'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE.parent / "build" / "quickstart")
    project: Path = parser.parse_args().out.resolve()
    shutil.rmtree(project, ignore_errors=True)
    project.mkdir(parents=True)
    notebook = project / "quickstart.ipynb"
    shutil.copy(HERE / "quickstart.ipynb", notebook)
    make_git_project(project)

    print(f"Running {HERE / 'quickstart.ipynb'} headless in {project} ...")
    try:
        execute(notebook)
    except CellExecutionError as error:
        print(f"The notebook failed; see {notebook}:\n{error}", file=sys.stderr)
        return 1
    report(project)
    return 0


if __name__ == "__main__":
    sys.exit(main())
