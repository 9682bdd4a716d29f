"""A ``%%live`` cell commits the notebook as its front end shows it, when the front end sends it.

A real kernel, driven through jupyter_client as JupyterLab drives it: the notebook's JSON on a
comm to ``live_nb.notebook`` just before the cell's ``execute_request`` (what
``js/lab/src/unsaved.js`` sends). The browser side is tested in tests/e2e/test_unsaved.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
import pytest

from live_nb.notebook.frontend_copy import MAX_BYTES, TARGET
from tests.conftest import git
from tests.kernel import Kernel
from tests.test_live_magic import experiments, trailers

pytestmark = pytest.mark.slow

LIVE = "%%live\nlive.log_metric('m', 1)\nlive.next_step()"


def _notebook(*sources: str) -> Any:
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])


def _send(kernel: Kernel, data: dict[str, Any]) -> None:
    """Open a comm to live_nb's target with ``data``, on the shell channel, as a front end does."""
    client = kernel.client
    message = client.session.msg(
        "comm_open", {"comm_id": "c0ffee" * 5, "target_name": TARGET, "data": data}
    )
    client.shell_channel.send(message)


@pytest.fixture
def notebook_kernel(git_repo: Path) -> Any:
    nbformat.write(_notebook("%load_ext live_nb", "x = 1", LIVE), git_repo / "train.ipynb")
    git(git_repo, "add", "train.ipynb")
    git(git_repo, "commit", "-q", "-m", "notebook")
    running = Kernel(git_repo, env={"JPY_SESSION_NAME": str(git_repo / "train.ipynb")})
    running.run("%load_ext live_nb")
    yield running
    running.close()


def _committed(repo: Path) -> tuple[str, Any, dict[str, str]]:
    (commit,) = experiments(repo).values()
    text = git(repo, "show", f"{commit}:train.ipynb")
    return text, nbformat.reads(text, as_version=4), trailers(repo, commit)


def test_the_front_ends_copy_is_committed_with_its_unsaved_edits(
    notebook_kernel: Kernel, git_repo: Path
) -> None:
    before = (git_repo / "train.ipynb").read_bytes()
    shown = _notebook("%load_ext live_nb", "x = 2  # edited, not saved", LIVE)
    _send(notebook_kernel, {"path": "train.ipynb", "dirty": True, "notebook": shown})
    notebook_kernel.run(LIVE)

    text, committed, found = _committed(git_repo)
    assert committed.cells[1].source == "x = 2  # edited, not saved"
    assert text == nbformat.writes(nbformat.from_dict(shown))  # as Jupyter would save it
    assert found["Live-Nb-Notebook-Copy"] == "front-end"
    assert found["Live-Nb-Notebook-Unsaved"] == "yes"
    assert (git_repo / "train.ipynb").read_bytes() == before  # the file is left as it was
    assert " M train.ipynb" not in git(git_repo, "status", "--porcelain")


def test_a_checkpointed_runs_final_commit_holds_the_front_ends_copy(
    notebook_kernel: Kernel, git_repo: Path
) -> None:
    cell = (
        "%%live --checkpoint\n"
        "for step in range(3):\n    live.log_metric('m', step)\n    live.next_step()"
    )
    shown = _notebook("%load_ext live_nb", "x = 3  # edited, not saved", cell)
    _send(notebook_kernel, {"path": "train.ipynb", "dirty": True, "notebook": shown})
    notebook_kernel.run(cell)

    _, committed, found = _committed(git_repo)  # the ref's commit: the chain's final save
    assert committed.cells[1].source == "x = 3  # edited, not saved"
    assert found["Live-Nb-Notebook-Copy"] == "front-end"
    assert found["Live-Nb-Status"] == "ok" and "Live-Nb-Step" in found


def test_without_the_extension_the_saved_file_is_committed(
    notebook_kernel: Kernel, git_repo: Path
) -> None:
    notebook_kernel.run(LIVE)

    _text, committed, found = _committed(git_repo)
    assert committed.cells[1].source == "x = 1"
    assert found["Live-Nb-Notebook-Copy"] == "saved-file"
    assert "Live-Nb-Notebook-Copy-Refused" not in found


@pytest.mark.parametrize(
    ("data", "why"),
    [
        ({"path": "train.ipynb", "notebook": {"cells": "not a list"}}, "not a valid notebook"),
        ({"path": "train.ipynb"}, "holds no notebook"),
        ({"path": "../elsewhere.txt", "notebook": {}}, "names no notebook path"),
        ({"path": "train.ipynb", "refused": "over 32 MB"}, "sent no copy: over 32 MB"),
    ],
)
def test_a_bad_copy_is_refused_and_the_saved_file_committed(
    notebook_kernel: Kernel, git_repo: Path, data: dict[str, Any], why: str
) -> None:
    _send(notebook_kernel, data)
    notebook_kernel.run(LIVE)

    _text, committed, found = _committed(git_repo)
    assert committed.cells[1].source == "x = 1"
    assert found["Live-Nb-Notebook-Copy"] == "saved-file"
    assert why in found["Live-Nb-Notebook-Copy-Refused"]


def test_a_copy_over_the_cap_is_refused(notebook_kernel: Kernel, git_repo: Path) -> None:
    huge = _notebook("%load_ext live_nb", "x = 3", LIVE)
    huge.cells[1].outputs = [nbformat.v4.new_output("stream", text="y" * (MAX_BYTES + 10))]
    _send(notebook_kernel, {"path": "train.ipynb", "dirty": True, "notebook": huge})
    notebook_kernel.run(LIVE, timeout=120)

    _text, committed, found = _committed(git_repo)
    assert committed.cells[1].source == "x = 1"
    assert "over 32 MB" in found["Live-Nb-Notebook-Copy-Refused"]


def test_a_copy_is_used_only_by_the_cell_it_holds(notebook_kernel: Kernel, git_repo: Path) -> None:
    shown = _notebook("%load_ext live_nb", "x = 4", LIVE)
    _send(notebook_kernel, {"path": "train.ipynb", "dirty": True, "notebook": shown})
    notebook_kernel.run("%%live\nlive.log_metric('other', 1)")  # not a cell of that copy

    _text, committed, found = _committed(git_repo)
    assert committed.cells[1].source == "x = 1"
    assert "does not hold this cell" in found["Live-Nb-Notebook-Copy-Refused"]


def test_a_copy_of_another_notebook_is_not_committed_here(
    notebook_kernel: Kernel, git_repo: Path
) -> None:
    shown = _notebook("x = 5", LIVE)
    _send(notebook_kernel, {"path": "other.ipynb", "dirty": False, "notebook": shown})
    notebook_kernel.run(LIVE)

    _text, committed, found = _committed(git_repo)
    assert committed.cells[1].source == "x = 1"
    assert "not this notebook" in found["Live-Nb-Notebook-Copy-Refused"]


def test_code_in_the_copy_is_never_run(notebook_kernel: Kernel, git_repo: Path) -> None:
    marker = git_repo / "ran.txt"
    shown = _notebook(f"open({str(marker)!r}, 'w').write('ran')", LIVE)
    _send(notebook_kernel, {"path": "train.ipynb", "dirty": True, "notebook": shown})
    notebook_kernel.run(LIVE)

    assert not marker.exists()
    _text, committed, _found = _committed(git_repo)
    assert "ran.txt" in committed.cells[0].source


def test_after_unload_ext_no_copy_is_received(notebook_kernel: Kernel, git_repo: Path) -> None:
    notebook_kernel.run("%unload_ext live_nb")
    shown = _notebook("%load_ext live_nb", "x = 6", LIVE)
    _send(notebook_kernel, {"path": "train.ipynb", "dirty": True, "notebook": shown})
    notebook_kernel.run("%load_ext live_nb")
    notebook_kernel.run(LIVE)

    _text, committed, found = _committed(git_repo)
    assert committed.cells[1].source == "x = 1"
    assert found["Live-Nb-Notebook-Copy"] == "saved-file"
    assert "Live-Nb-Notebook-Copy-Refused" not in found
