"""Checkpoints in real kernels: a SIGKILLed kernel keeps every checkpoint it completed."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from live_nb import experiments
from live_nb.experiments.chain import read_chain
from live_nb.git import Repository
from tests.conftest import git
from tests.kernel import Kernel, text_of
from tests.test_checkpoints import exp_refs, fsck_clean, message

pytestmark = pytest.mark.slow

LONG_TRAINING = """%%live night --checkpoint --checkpoint-file model.pt --param lr=0.1
import time
for epoch in range(100_000):
    with open("model.pt", "w") as model:
        model.write(f"weights after epoch {epoch}\\n")
    live.log_metric("train/loss", lr / (epoch + 1))
    live.next_step()
    time.sleep(0.005)
"""


def wait_for_step(repo: Path, name: str, step: int, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        tip = exp_refs(repo).get(name)
        if tip is not None and int(message(repo, tip).get("Live-Nb-Step", -1)) >= step:
            return tip
        time.sleep(0.05)
    raise TimeoutError(f"no checkpoint of {name} at step {step} within {timeout}s")


def kill(kernel: Kernel) -> None:
    provisioner = kernel.manager.provisioner
    assert provisioner is not None
    os.kill(provisioner.pid, signal.SIGKILL)  # type: ignore[attr-defined]
    provisioner.process.wait(timeout=20)  # type: ignore[attr-defined]


def test_a_killed_kernel_keeps_its_checkpoints(kernel: Kernel, git_repo: Path) -> None:
    kernel.submit(LONG_TRAINING)
    wait_for_step(git_repo, "night", 20)
    kill(kernel)

    tip = exp_refs(git_repo)["night"]
    trailers = message(git_repo, tip)
    assert trailers["Live-Nb-Status"] == "running"
    step = int(trailers["Live-Nb-Step"])
    assert step >= 20
    shown = json.loads(git(git_repo, "show", f"{tip}:dvclive/metrics.json"))
    assert shown["step"] >= step  # the tree holds at least the step its message names
    # the model of a completed epoch, safe in the DVC cache
    dvc_file = git(git_repo, "show", f"{tip}:model.pt.dvc")
    md5 = dvc_file.split("md5: ")[1].split()[0]
    cached = git_repo / ".dvc" / "cache" / "files" / "md5" / md5[:2] / md5[2:]
    assert cached.read_text().startswith("weights after epoch ")
    fsck_clean(git_repo)
    with Repository.discover(git_repo) as repo:
        chain = read_chain(repo, tip)
    assert chain[0].status == "unfinished" and all(link.checkpoint for link in chain)
    assert [link.step for link in chain] == sorted((link.step for link in chain), reverse=True)
    assert len(chain) == len(git(git_repo, "rev-list", tip).split()) - 1
    # what the dead saver left in .git is cleared by the next save, which works as usual
    experiments.save(git_repo, name="after")
    assert not list((git_repo / ".git").glob("live_nb-index-*"))


def test_an_interrupted_cell_ends_the_chain_with_its_status(kernel: Kernel, git_repo: Path) -> None:
    msg_id = kernel.submit(LONG_TRAINING)
    wait_for_step(git_repo, "night", 5)
    kernel.interrupt()
    shown = text_of(kernel.collect(msg_id))
    assert "Saved experiment night (" in shown
    tip = exp_refs(git_repo)["night"]
    assert message(git_repo, tip)["Live-Nb-Status"] == "interrupted"
    parent = git(git_repo, "rev-parse", f"{tip}^").strip()
    assert message(git_repo, parent)["Live-Nb-Status"] == "running"
    assert "model.pt.dvc" in git(git_repo, "ls-tree", "--name-only", tip)
    fsck_clean(git_repo)


def test_two_kernels_checkpoint_into_one_repository(git_repo: Path) -> None:
    identity = {"GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@e.x"}
    identity |= {"GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@e.x"}
    kernels = [Kernel(git_repo, env=identity) for _ in range(2)]
    try:
        ids = []
        for number, running in enumerate(kernels):
            running.run("%load_ext live_nb")
            cell = (
                f"%%live run{number} --checkpoint --dir out{number}\n"
                "for step in range(60):\n"
                "    live.log_metric('loss', step)\n"
                "    live.next_step()\n"
            )
            ids.append(running.submit(cell))
        for running, msg_id in zip(kernels, ids):
            assert "Saved experiment" in text_of(running.collect(msg_id, timeout=120))
    finally:
        for running in kernels:
            running.close()
    refs = exp_refs(git_repo)
    for number in range(2):
        tip = refs[f"run{number}"]
        assert message(git_repo, tip)["Live-Nb-Status"] == "ok"
        assert message(git_repo, tip)["Live-Nb-Step"] == "59"
        steps = [
            json.loads(git(git_repo, "show", f"{c}:out{number}/metrics.json"))["step"]
            for c in git(git_repo, "rev-list", "--first-parent", tip).split()[:-1]
        ]
        assert steps == sorted(steps, reverse=True)
    fsck_clean(git_repo)


RESUMED = """%%live night --checkpoint --checkpoint-file model.pt --param lr=0.1 --resume-from night
import os
print("model:", open("model.pt").read().strip(), "| next step:", live.step)
first = live.step
for epoch in range(first, first + 3):
    with open("model.pt", "w") as model:
        model.write(f"weights after epoch {epoch}\\n")
    live.log_metric("train/loss", lr / (epoch + 1))
    live.next_step()
"""

RESET = """%%live fresh --checkpoint --checkpoint-file model.pt --reset
import os
print("model there:", os.path.exists("model.pt"), "| step:", live.step)
live.next_step()
"""


def test_a_new_kernel_resumes_where_the_dead_one_stopped(kernel: Kernel, git_repo: Path) -> None:
    kernel.submit(LONG_TRAINING)
    wait_for_step(git_repo, "night", 10)
    kill(kernel)
    before = exp_refs(git_repo)["night"]
    step = int(message(git_repo, before)["Live-Nb-Step"])

    identity = {"GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@e.x"}
    identity |= {"GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@e.x"}
    second = Kernel(git_repo, env=identity)
    try:
        second.run("%load_ext live_nb")
        shown = text_of(second.run(RESUMED, timeout=120))
        assert "Resumed from experiment 'night'" in shown, shown
        # the run goes on after the last step whose results and model the checkpoint holds
        with Repository.discover(git_repo) as repo:
            resume_step = read_chain(repo, before)[0].resume_step
        assert resume_step <= step
        resumed_at = resume_step + 1
        assert f"model: weights after epoch {resume_step} | next step: {resumed_at}" in shown, shown
        assert "Saved experiment night (" in shown
        tip = exp_refs(git_repo)["night"]
        assert before in git(git_repo, "rev-list", "--first-parent", tip).split()
        assert message(git_repo, tip)["Live-Nb-Step"] == str(resumed_at + 2)
        loss = (git_repo / "dvclive" / "plots" / "metrics" / "train" / "loss.tsv").read_text()
        steps = [int(row.split("\t")[0]) for row in loss.splitlines()[1:]]
        assert steps == list(range(resumed_at + 3))  # each step once, no hole
        shown = text_of(second.run(RESET))
        assert "model there: False | step: 0" in shown
    finally:
        second.close()
    fsck_clean(git_repo)


def test_checkpoint_options_are_checked(kernel: Kernel, git_repo: Path) -> None:
    shown = text_of(kernel.run("%%live --checkpoint often\npass"))
    assert "Invalid checkpoint schedule 'often'" in shown and "every 5 steps" in shown
    shown = text_of(kernel.run("%%live --resume-from night --reset\npass"))
    assert "give one of them" in shown
    shown = text_of(kernel.run("%%live --resume-from nothing-here\npass"))
    assert "No experiment named 'nothing-here'" in shown
    shown = text_of(
        kernel.run("%%live run --checkpoint 2\nfor _ in range(4):\n    live.next_step()")
    )
    assert "Saved experiment run (" in shown
    tip = exp_refs(git_repo)["run"]
    steps = [
        message(git_repo, c)["Live-Nb-Step"] for c in git(git_repo, "rev-list", tip).split()[:-1]
    ]
    assert steps[0] == "3" and set(steps[1:]) <= {"1", "3"}
