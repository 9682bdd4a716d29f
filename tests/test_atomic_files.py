from __future__ import annotations

import os
from pathlib import Path

import pytest

from live_nb import Live
from live_nb.formats import files


def test_a_failed_rewrite_keeps_the_previous_file(
    tmp_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    live = Live()
    live.log_param("kept", 1)

    def fail(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(files, "write_all", fail)
    with pytest.raises(OSError, match="disk full"):
        live.log_param("lost", 2)

    assert Path("dvclive/params.yaml").read_text() == "kept: 1\n"
    assert sorted(p.name for p in Path("dvclive").iterdir()) == ["params.yaml"]


def test_written_files_follow_the_umask(tmp_dir: Path) -> None:
    previous = os.umask(0o022)
    try:
        with Live() as live:
            live.log_param("p", 1)
            live.log_metric("m", 1)
    finally:
        os.umask(previous)
    for name in ("dvclive/params.yaml", "dvclive/metrics.json", "dvclive/plots/metrics/m.tsv"):
        assert Path(name).stat().st_mode & 0o777 == 0o644, name
