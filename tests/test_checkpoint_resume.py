"""Resuming from a checkpoint: files restored without losing any, the chain extended or branched."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from live_nb import Live
from live_nb.experiments.refs import UnknownExperimentError
from tests.conftest import git
from tests.test_checkpoints import exp_refs, first_parents, fsck_clean, message

DIED_AFTER_A_STEP = """
import os
from live_nb import Live
live = Live(checkpoint=True, exp_name="night")
live.log_param("lr", 0.1)
live.log_artifact("model.pt", checkpoint=True)
for step in range(4):
    open("model.pt", "w").write(f"weights {step}\\n")
    live.log_metric("loss", 1 / (step + 1))
    live.next_step()
    live._checkpoints.wait()
live._checkpoints.close()  # no checkpoint for what follows, as when the kill comes first
open("model.pt", "w").write("weights 99\\n")
live.log_metric("loss", 0.01)
live.next_step()
os._exit(0)
"""


@pytest.fixture
def died(git_repo: Path) -> Path:
    (git_repo / ".gitignore").write_text("dvclive/\n")
    git(git_repo, "add", ".gitignore")
    git(git_repo, "commit", "-q", "-m", "ignore the results")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    subprocess.run([sys.executable, "-c", DIED_AFTER_A_STEP], cwd=git_repo, env=env, check=True)
    return git_repo


def loss_rows(repo: Path) -> list[str]:
    return (repo / "dvclive" / "plots" / "metrics" / "loss.tsv").read_text().splitlines()[1:]


def cached(repo: Path, text: str) -> bool:
    import hashlib

    md5 = hashlib.md5(text.encode()).hexdigest()
    return (repo / ".dvc" / "cache" / "files" / "md5" / md5[:2] / md5[2:]).is_file()


def test_resuming_the_last_checkpoint_extends_its_chain(died: Path) -> None:
    before = exp_refs(died)["night"]
    assert message(died, before)["Live-Nb-Step"] == "3"
    with Live(resume_from="night", checkpoint=True) as live:
        assert live.resumed is not None and live.resumed.commit == before
        assert (died / "model.pt").read_text() == "weights 3\n"
        assert [row.split("\t")[0] for row in loss_rows(died)] == ["0", "1", "2", "3"]
        assert live.step == 4  # continues after the checkpoint's step
        for step in range(4, 6):
            (died / "model.pt").write_text(f"weights {step}\n")
            live.log_metric("loss", 1 / (step + 1))
            live.next_step()
    # what the dead run left after its last checkpoint is not lost
    assert cached(died, "weights 99\n")
    backup = live.resumed.applied.backup_ref
    assert backup is not None and "0.01" in git(
        died, "show", f"{backup}:dvclive/plots/metrics/loss.tsv"
    )
    tip = exp_refs(died)["night"]
    chain = first_parents(died, tip)
    assert before in chain and message(died, tip)["Live-Nb-Status"] == "ok"
    steps = [message(died, commit).get("Live-Nb-Step") for commit in chain[:-2]]
    assert steps[0] == "5" and steps[-4:] == ["3", "2", "1", "0"]
    assert [row.split("\t")[0] for row in loss_rows(died)] == ["0", "1", "2", "3", "4", "5"]
    fsck_clean(died)


def test_resuming_an_earlier_checkpoint_starts_a_new_experiment(died: Path) -> None:
    night = exp_refs(died)["night"]
    at_1 = first_parents(died, night)[2]
    assert message(died, at_1)["Live-Nb-Step"] == "1"
    with Live(resume_from="night@1", checkpoint=True, exp_name="retry") as live:
        assert (died / "model.pt").read_text() == "weights 1\n"
        assert live.step == 2
        live.log_metric("loss", 0.3)
        live.next_step()
    refs = exp_refs(died)
    assert refs["night"] == night  # the chain resumed from is left as it was
    chain = first_parents(died, refs["retry"])
    new = [commit for commit in chain if commit not in first_parents(died, night)]
    assert chain[len(new)] == at_1  # the new commits, then the checkpoint resumed from


def test_changed_params_make_a_new_experiment(died: Path) -> None:
    night = exp_refs(died)["night"]
    with Live(resume_from="night", checkpoint=True) as live:
        live.log_param("lr", 0.5)
        live.next_step()
    refs = exp_refs(died)
    assert refs["night"] == night
    (other,) = set(refs) - {"night"}
    chain = first_parents(died, refs[other])
    assert night in chain[1:3]  # a new experiment whose first commit builds on the one resumed


def test_an_unknown_target_suggests_the_closest_names(died: Path) -> None:
    with pytest.raises(UnknownExperimentError, match="Did you mean 'night'"):
        Live(resume_from="nihgt")
    with pytest.raises(UnknownExperimentError, match="no checkpoint at step 9"):
        Live(resume_from="night@9")
    assert (died / "model.pt").read_text() == "weights 99\n"  # nothing was touched
