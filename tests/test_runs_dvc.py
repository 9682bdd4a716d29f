"""The experiments of ``exp run`` are DVC experiments too: ``dvc exp show`` lists them."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from live_nb.runs import api
from tests.conftest import git, run_dvc

pytestmark = pytest.mark.oracle

SCRIPT = (
    "import yaml\nfrom live_nb import Live\n"
    "params = yaml.safe_load(open('params.yaml'))\n"
    "with Live() as live:\n"
    "    live.log_params(params)\n"
    "    live.log_metric('acc', params['lr'] * 10)\n"
)


def test_dvc_exp_show_lists_the_runs_with_their_params_and_metrics(
    git_repo: Path, dvc: str
) -> None:
    run_dvc(dvc, git_repo, "init", "-q")
    (git_repo / "params.yaml").write_text("lr: 0.1\n")
    (git_repo / "train.py").write_text(SCRIPT)
    git(git_repo, "add", ".")
    git(git_repo, "commit", "-q", "-m", "dvc project")
    results = api.run(
        command=[sys.executable, "train.py"], params=["lr=0.2,0.3"], path=git_repo
    ).wait(timeout=120)
    assert [r.status for r in results] == ["ok", "ok"]
    shown = json.loads(run_dvc(dvc, git_repo, "exp", "show", "--json"))
    experiments = {
        exp["name"]: exp["revs"][0]["data"]
        for baseline in shown
        for exp in baseline.get("experiments") or []
    }
    assert set(experiments) == {r.experiment for r in results}
    for result in results:
        data = experiments[result.experiment]
        lr = data["params"]["params.yaml"]["data"]["lr"]
        acc = data["metrics"]["dvclive/metrics.json"]["data"]["acc"]
        assert acc == pytest.approx(lr * 10)
