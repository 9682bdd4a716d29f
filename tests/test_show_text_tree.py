"""``live-nb exp show --checkpoints`` draws its tree as DVC draws one, DVC's own output the oracle.

DVC 3 prints no checkpoints, but it draws nested rows with ``dvc ls --tree``: the same tree
(an experiment a folder, its checkpoints the files in it) must come out with the same
branches, ``│`` under every experiment but the last, ``└──`` at the end of each group.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

from live_nb import Live
from live_nb.experiments.save import save
from tests.conftest import git, run_dvc

_ROW = re.compile(r"^([│├└─ ]+) [0-9a-f]{7} \[([^\]]+)\]")


def _chain(name: str, steps: int) -> None:
    with Live(checkpoint=True, exp_name=name) as live:
        for step in range(steps):
            live.log_metric("loss", 1 / (step + 1))
            live.next_step()
            assert live._checkpoints is not None
            live._checkpoints.wait()


def _tree_rows(repo: Path) -> list[tuple[str, str]]:
    shown = subprocess.run(
        [sys.executable, "-m", "live_nb", "exp", "show", "--checkpoints"],
        cwd=repo, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return [(m[1], m[2]) for m in map(_ROW.match, shown.splitlines()) if m]


def _dvc_tree(dvc: str, rows: list[tuple[str, str]], where: Path) -> list[str]:
    """The same rows as folders and files, drawn by ``dvc ls --tree``: each line's branch."""
    git(where, "init", "-q")
    folder = where
    for index, (_, name) in enumerate(rows):
        if "@" in name:
            (folder / f"{index:03}").write_text("")
        else:
            folder = where / f"{index:03}"
            folder.mkdir()
            (folder / ".keep").write_text("")  # Git keeps no empty folder
    git(where, "add", "-A", "-f")
    git(where, "commit", "-qm", "tree")
    lines = run_dvc(dvc, where, "ls", "--tree", "-R", ".").splitlines()[1:]
    return [line.rsplit(" ", 1)[0] for line in lines if not line.endswith(".keep")]


def test_checkpoint_rows_hang_under_their_experiment_as_dvc_draws_a_tree(
    git_repo: Path, dvc: str
) -> None:
    (git_repo / ".gitignore").write_text("dvclive/\n")
    git(git_repo, "add", ".gitignore")
    git(git_repo, "commit", "-qm", "ignore results")
    # A second apart: the newest is listed first, so omega, plain, then alpha, the last.
    _chain("alpha", 2)
    time.sleep(1.1)
    with Live(save_dvc_exp=False) as live:
        live.log_metric("loss", 0.7)
    save(name="plain")
    time.sleep(1.1)
    _chain("omega", 3)
    rows = _tree_rows(git_repo)
    assert len(rows) == 3 + 5  # three experiments, five checkpoints
    assert [name for _, name in rows if "@" not in name] == ["omega", "plain", "alpha"]
    glyphs = [glyph for glyph, _ in rows]
    assert glyphs.count("└──") == 1 and "│   └──" in glyphs and "    └──" in glyphs
    oracle = git_repo.parent / "oracle"
    oracle.mkdir()
    assert glyphs == _dvc_tree(dvc, rows, oracle)
