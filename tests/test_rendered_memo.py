"""``live-nb exp show --json`` kept rendered (``experiments/rendered_memo.py``): never stale.

Every warm answer is compared with one made without any cache (``--force``-free, cache
folder deleted), after each change that must show: a new experiment, a removed one, a
note, a branch, a time zone, the workspace's metrics, and a corrupt memo file.
"""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from live_nb import Live
from live_nb.cli import main
from live_nb.experiments import manage
from live_nb.experiments.notes import set_note
from live_nb.experiments.save import save
from tests.conftest import git


def show_json() -> str:
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["exp", "show", "--json"]) == 0
    return out.getvalue()


def uncached(repo: Path) -> str:
    memo = memo_file(repo)
    kept = memo.read_bytes() if memo.exists() else None
    for cached in (repo / ".git" / "live_nb" / "cache").glob("*"):
        if cached.name != memo.name:
            cached.unlink()
    if memo.exists():
        memo.unlink()
    fresh = show_json()
    if kept is not None:
        memo.write_bytes(kept)
    return fresh


def memo_file(repo: Path) -> Path:
    return repo / ".git" / "live_nb" / "cache" / "dvc-json-v1.txt"


def run(loss: float) -> None:
    with Live(save_dvc_exp=False) as live:
        live.log_param("lr", loss / 10)
        live.log_metric("loss", loss)
        live.next_step()


def assert_current(repo: Path) -> dict[str, object]:
    """Warm (twice: the second from the memo) equals uncached; returns the parsed rows."""
    first = show_json()
    assert memo_file(repo).exists()
    second = show_json()
    assert first == second == uncached(repo)
    return json.loads(second)


@pytest.fixture
def repo(git_repo: Path) -> Path:
    run(0.9)
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-qm", "baseline")
    run(0.5)
    save(name="first")
    return git_repo


def names(rows: object) -> list[str]:
    assert isinstance(rows, list)
    return sorted(exp["name"] for row in rows for exp in row.get("experiments") or [])


def test_kept_rows_follow_each_change(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert names(assert_current(repo)) == ["first"]
    run(0.4)
    save(name="second")
    assert names(assert_current(repo)) == ["first", "second"]
    set_note("first", "a note")
    assert_current(repo)
    manage.remove(["second"])
    assert names(assert_current(repo)) == ["first"]
    git(repo, "branch", "-m", "main", "trunk")
    rows = assert_current(repo)
    assert rows[1]["name"] == "trunk"
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    import time

    time.tzset()
    try:
        kolkata = assert_current(repo)
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    assert kolkata != assert_current(repo)  # times shown in another zone


def test_workspace_row_is_read_afresh(repo: Path) -> None:
    assert_current(repo)
    run(0.1)  # the workspace's metrics change, no ref does
    rows = assert_current(repo)
    assert rows[0]["data"]["metrics"]["dvclive/metrics.json"]["data"]["loss"] == 0.1


@pytest.mark.parametrize("content", [b"", b"\n", b"not a key\n[]", b"\xff\xfe"])
def test_a_damaged_memo_is_ignored(repo: Path, content: bytes) -> None:
    expected = assert_current(repo)
    memo_file(repo).write_bytes(content)
    assert json.loads(show_json()) == expected
    assert json.loads(show_json()) == expected


def test_a_warm_show_reads_no_commit(repo: Path) -> None:
    from live_nb.experiments.show import collect

    show_json()
    table = collect(columns=False, rendered=True, checkpoints=True)  # as `exp show --json`
    assert table.attrs["rendered"].hit is not None
    assert table.attrs["read_stats"]["cache_hits"] == 0
    assert table.attrs["read_stats"]["objects_read"] == 0
    assert [row.typ for row in table.details] == ["workspace"]
    assert collect(columns=False, rendered=True, force=True).attrs["rendered"] is None
