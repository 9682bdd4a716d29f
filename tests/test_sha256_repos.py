"""Repositories in Git's SHA-256 object format: save, show, apply, branch and remove work there."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from live_nb import Live, experiments
from live_nb.git import parse_tree
from tests.conftest import git


@pytest.fixture
def sha256_repo(tmp_dir: Path) -> Path:
    """A SHA-256 repository with one commit, as the current directory."""
    git(tmp_dir, "init", "-q", "-b", "main", "--object-format=sha256")
    (tmp_dir / "README.md").write_text("project\n")
    git(tmp_dir, "add", "README.md")
    git(tmp_dir, "commit", "-q", "-m", "initial")
    assert git(tmp_dir, "rev-parse", "--show-object-format").strip() == "sha256"
    return tmp_dir


def _run(loss: float, name: str) -> None:
    with Live(exp_name=name) as live:
        live.log_param("lr", loss / 10)
        live.log_metric("loss", loss)
        live.next_step()


def test_save_show_apply_branch_and_remove(sha256_repo: Path) -> None:
    head = git(sha256_repo, "rev-parse", "HEAD").strip()
    _run(0.5, "first")
    _run(0.25, "second")
    listed = experiments.list_experiments()
    assert sorted(info.name for info in listed) == ["first", "second"]
    assert all(len(info.commit) == 64 and info.baseline == head for info in listed)

    table = experiments.show().set_index("Experiment")
    assert table.loc["first", "loss"] == 0.5
    assert table.loc["second", "loss"] == 0.25
    assert table.loc["second", "lr"] == 0.025

    changed = experiments.diff("first", "second")
    assert set(changed.metrics["key"]) == {"loss"}

    experiments.apply("first")
    metrics = json.loads((sha256_repo / "dvclive" / "metrics.json").read_text())
    assert metrics["loss"] == 0.5

    branch = experiments.branch("second", "from-second")
    assert git(sha256_repo, "rev-parse", "refs/heads/from-second").strip() == branch.commit

    assert experiments.remove(["first", "second"]) == ["first", "second"]
    assert experiments.list_experiments() == []
    assert git(sha256_repo, "rev-parse", "HEAD").strip() == head


def test_a_saved_name_stays_unique_per_baseline(sha256_repo: Path) -> None:
    saved = experiments.save(name="taken")
    with pytest.raises(experiments.ExperimentExistsError):
        experiments.save(name="taken")
    replaced = experiments.save(name="taken", force=True)
    assert replaced.ref == saved.ref and len(replaced.commit) == 64


def test_trees_of_both_object_formats_are_parsed() -> None:
    sha1 = b"100644 a.txt\0" + b"\x01" * 20 + b"40000 caf\xe9\0" + b"\x02" * 20
    sha256 = b"100644 a.txt\0" + b"\x01" * 32 + b"120000 link\0" + b"\x03" * 32
    assert parse_tree(sha1) == {
        "a.txt": ("100644", "01" * 20),
        b"caf\xe9".decode("utf-8", "surrogateescape"): ("40000", "02" * 20),
    }
    assert parse_tree(sha256) == {"a.txt": ("100644", "01" * 32), "link": ("120000", "03" * 32)}
    assert parse_tree(sha256, oid_size=32) == parse_tree(sha256)
    assert parse_tree(b"") == {}
