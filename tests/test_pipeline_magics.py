"""`%repro`, `%status` and `%dag` in a real kernel: the stage view updated in place, the
commands' output in the cell, the graph as a picture."""

from __future__ import annotations

from pathlib import Path

from tests.kernel import Kernel, text_of

PIPELINE = """\
stages:
  prepare:
    cmd: echo prepared && cp in.txt p.txt
    deps: [in.txt]
    outs: [p.txt]
  '<b>fit</b>':
    cmd: cat p.txt > f.txt
    deps: [p.txt]
    outs: [f.txt]
  bad:
    cmd: exit 5
    deps: [f.txt]
"""


def test_repro_shows_each_stage_as_it_goes(git_repo: Path, kernel: Kernel) -> None:
    (git_repo / ".dvc").mkdir()
    (git_repo / "in.txt").write_text("x\n")
    (git_repo / "dvc.yaml").write_text(
        PIPELINE.replace("  bad:\n    cmd: exit 5\n    deps: [f.txt]\n", "")
    )
    shown = text_of(kernel.run("%status"))
    assert "prepare:" in shown and "changed deps" in shown
    outputs = kernel.run("%repro")
    updates = [
        o["data"]["text/plain"] for o in outputs if o["output_type"] == "update_display_data"
    ]
    first = next(o for o in outputs if o["output_type"] == "display_data")
    assert "prepare" in first["data"]["text/plain"] and "waiting" in first["data"]["text/plain"]
    assert any("▶ prepare" in text and "running" in text for text in updates)
    assert "✓ <b>fit</b>" in updates[-1] and "ran (" in updates[-1]
    streams = "".join(o.get("text", "") for o in outputs if o["output_type"] == "stream")
    assert "prepared" in streams  # the command's own output reaches the cell
    assert (git_repo / "f.txt").read_text() == "x\n"
    assert "up to date" in text_of(kernel.run("%status"))
    assert "up to date" in text_of(kernel.run("%repro"))


def test_a_failing_stage_and_the_picture(git_repo: Path, kernel: Kernel) -> None:
    (git_repo / ".dvc").mkdir()
    (git_repo / "in.txt").write_text("x\n")
    (git_repo / "dvc.yaml").write_text(PIPELINE)
    outputs = kernel.run("%repro")
    shown = text_of(outputs)
    assert "UsageError" in shown and "stage 'bad'" in shown and "status 5" in shown
    assert "Traceback" not in shown
    updates = [
        o["data"]["text/plain"] for o in outputs if o["output_type"] == "update_display_data"
    ]
    assert "✗ bad" in updates[-1]
    picture = next(o for o in kernel.run("%dag") if o["output_type"] == "display_data")
    svg = picture["data"]["image/svg+xml"]
    assert svg.startswith("<svg") and "&lt;b&gt;fit&lt;/b&gt;" in svg and "<b>" not in svg
    assert "| prepare |" in picture["data"]["text/plain"]
    assert "no stage named 'nope'" in text_of(kernel.run("%dag nope"))
