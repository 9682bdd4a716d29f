"""live_nb.integrations: what every integration shares, and the side-by-side comparison.

The framework tests (``test_integration_<framework>.py``) run one tiny training with
DVCLive's integration and with live_nb's, in twin folders, and compare the results with
:func:`assert_same_results`: the same files; in ``metrics.json`` the same keys and step; in
every metric's TSV the same header, steps and number of rows; in ``params.yaml`` the same
keys; the same ``dvc.yaml``. Values are compared too, except those named ``volatile``
(times, speeds, paths with a date), which differ from one run to the next.
"""

from __future__ import annotations

import csv
import json
import math
import subprocess
import sys
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from live_nb import Live
from live_nb.error import LiveNbWarning
from live_nb.integrations._common import LiveHandle
from live_nb.live import activated
from tests.conftest import git, run_dvc

FRAMEWORKS = (
    "torch",
    "lightning",
    "pytorch_lightning",
    "transformers",
    "keras",
    "tensorflow",
    "xgboost",
    "lightgbm",
    "optuna",
    "fastai",
)

# ---- helpers for the framework tests ---------------------------------------------------


def run_in(folder: Path, monkeypatch: pytest.MonkeyPatch, train: Callable[[], None]) -> Path:
    """Run ``train`` with ``folder`` (made now) as the current directory; returns ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    with monkeypatch.context() as patch:
        patch.chdir(folder)
        train()
    return folder


def dvc_project(folder: Path, dvc: str) -> Path:
    """``folder`` as a Git repository with DVC initialised, where both tools cache artifacts."""
    folder.mkdir(parents=True)
    git(folder, "init", "-q", "-b", "main")
    run_dvc(dvc, folder, "init", "-q")
    git(folder, "commit", "-q", "-m", "dvc init")
    return folder


def assert_same_results(
    expected: Path, actual: Path, volatile: Collection[str] = (), rel: float = 1e-5
) -> None:
    """``actual`` holds what DVCLive wrote in ``expected``; values whose name contains
    a string of ``volatile`` may differ, numbers by ``rel``."""
    expected_files, actual_files = _result_files(expected), _result_files(actual)
    assert actual_files == expected_files
    for name in expected_files:
        compare = _COMPARISONS.get(Path(name).suffix if name.endswith(".tsv") else Path(name).name)
        if name.endswith(".dvc"):
            compare = _same_dvc_file
        if compare is not None:
            compare(expected / name, actual / name, volatile, rel)


def _result_files(root: Path) -> list[str]:
    """Every file under ``root``, but DVC's and Git's own folders."""
    return sorted(
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file() and path.relative_to(root).parts[0] not in (".dvc", ".git")
    )


def _same_tsv(expected: Path, actual: Path, volatile: Collection[str], rel: float) -> None:
    old, new = _tsv_rows(expected), _tsv_rows(actual)
    assert new[0] == old[0], f"{actual}: header"
    assert len(new) == len(old), f"{actual}: rows"
    step = old[0].index("step")
    assert [row[step] for row in new] == [row[step] for row in old], f"{actual}: steps"
    if not _is_volatile(expected.stem, volatile):
        value = len(old[0]) - 1
        for old_row, new_row in zip(old[1:], new[1:]):
            _assert_close(new_row[value], old_row[value], rel, str(actual))


def _tsv_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.reader(file, delimiter="\t"))


def _same_metrics(expected: Path, actual: Path, volatile: Collection[str], rel: float) -> None:
    old = _flat(json.loads(expected.read_text()))
    new = _flat(json.loads(actual.read_text()))
    assert sorted(new) == sorted(old), f"{actual}: keys"
    for key, value in old.items():
        if not _is_volatile(key, volatile):
            _assert_close(new[key], value, rel, f"{actual}: {key}")


def _same_params(expected: Path, actual: Path, volatile: Collection[str], rel: float) -> None:
    old = _flat(yaml.safe_load(expected.read_text()))
    new = _flat(yaml.safe_load(actual.read_text()))
    assert sorted(new) == sorted(old), f"{actual}: keys"
    for key, value in old.items():
        if not _is_volatile(key, volatile):
            assert new[key] == value, f"{actual}: {key}"


def _same_yaml(expected: Path, actual: Path, volatile: Collection[str], rel: float) -> None:
    assert yaml.safe_load(actual.read_text()) == yaml.safe_load(expected.read_text()), actual


def _same_dvc_file(expected: Path, actual: Path, volatile: Collection[str], rel: float) -> None:
    """A ``.dvc`` file: the same entries and paths (checksums differ with the content)."""
    old, new = yaml.safe_load(expected.read_text()), yaml.safe_load(actual.read_text())
    assert sorted(new) == sorted(old), actual
    assert [sorted(out) for out in new["outs"]] == [sorted(out) for out in old["outs"]]
    assert [out["path"] for out in new["outs"]] == [out["path"] for out in old["outs"]]


_COMPARISONS: dict[str, Callable[[Path, Path, Collection[str], float], None]] = {
    ".tsv": _same_tsv,
    "metrics.json": _same_metrics,
    "params.yaml": _same_params,
    "dvc.yaml": _same_yaml,
}


def _flat(data: Any, prefix: str = "") -> dict[str, Any]:
    if not isinstance(data, dict):
        return {prefix: data}
    flat: dict[str, Any] = {}
    for key, value in data.items():
        flat.update(_flat(value, f"{prefix}/{key}" if prefix else str(key)))
    return flat


def _is_volatile(name: str, volatile: Collection[str]) -> bool:
    return any(part in name for part in volatile)


def _assert_close(actual: Any, expected: Any, rel: float, where: str) -> None:
    try:
        old, new = float(expected), float(actual)
    except (TypeError, ValueError):
        assert actual == expected, where
        return
    assert math.isclose(new, old, rel_tol=rel, abs_tol=rel) or (math.isnan(old) and new != new)


def metric_names(root: Path) -> list[str]:
    """The metrics logged under ``root/dvclive``, as ``Live.log_metric`` names them."""
    metrics = root / "dvclive" / "plots" / "metrics"
    return sorted(
        path.relative_to(metrics).with_suffix("").as_posix() for path in metrics.rglob("*.tsv")
    )


@contextmanager
def cell_live(root: Path) -> Iterator[Live]:
    """A ``Live`` made active as ``%%live`` makes its cell's, in ``root/cell``."""
    with Live(dir=str(root / "cell"), save_dvc_exp=False) as live, activated(live):
        yield live


class EndCounter:
    """Counts the ``end()`` calls of a ``Live`` (the cell's must see none from a callback)."""

    def __init__(self, live: Live, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        original = live.end

        def counting_end() -> None:
            self.calls += 1
            original()

        monkeypatch.setattr(live, "end", counting_end)


# ---- tests of what the integrations share ----------------------------------------------


def test_importing_the_integrations_imports_no_framework() -> None:
    code = (
        "import sys, live_nb, live_nb.integrations, live_nb.integrations._common\n"
        f"print([name for name in {FRAMEWORKS!r} if name in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_a_given_live_is_used_and_ended(tmp_dir: Path) -> None:
    live = Live(save_dvc_exp=False)
    handle = LiveHandle.choose(live, {}, "Callback")
    assert (handle.live, handle.ends, handle.made) == (live, True, False)


def test_without_a_live_one_is_made_from_the_arguments(tmp_dir: Path) -> None:
    handle = LiveHandle.choose(None, {"dir": "elsewhere", "save_dvc_exp": False}, "Callback")
    assert (handle.live.dir, handle.ends, handle.made) == ("elsewhere", True, True)


def test_inside_a_cell_the_cells_live_is_used_and_not_ended(
    tmp_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with cell_live(tmp_dir) as live:
        ends = EndCounter(live, monkeypatch)
        handle = LiveHandle.choose(None, {}, "Callback")
        handle.end()
        assert (handle.live, handle.ends, ends.calls) == (live, False, 0)


def test_inside_a_cell_live_arguments_are_ignored_with_a_warning(tmp_dir: Path) -> None:
    with cell_live(tmp_dir) as live, pytest.warns(LiveNbWarning, match="dir is ignored"):
        assert LiveHandle.choose(None, {"dir": "x"}, "Callback").live is live
    assert not (tmp_dir / "x").exists()
