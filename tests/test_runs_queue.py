"""The queue and its workers, for real: processes racing for entries, dead workers, kills.

Notebooks run in real kernels and scripts in real processes; the queue is the repository's
``.git/live_nb/queue``. Checked: two processes never take one entry, a worker that dies
leaves its entry failed (never "running"), kills save what was logged, ``-j`` runs at once,
and nothing of the user's changes.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from live_nb.runs import api
from live_nb.runs.queue import Queue
from live_nb.runs.spec import RunSpec, new_run_id
from tests.conftest import git
from tests.test_runs_execute import _code, user_state, write_notebook

pytest.importorskip("nbclient")

SLOW_SCRIPT = (
    "import sys, time, yaml\nfrom live_nb import Live\n"
    "params = yaml.safe_load(open('params.yaml'))\n"
    "with Live() as live:\n"
    "    live.log_params(params)\n"
    "    for step in range(params['steps']):\n"
    "        live.log_metric('value', step * params['lr'])\n"
    "        live.next_step()\n"
    "        time.sleep(params['pause'])\n"
)


@pytest.fixture
def script_repo(git_repo: Path) -> Path:
    (git_repo / "params.yaml").write_text("lr: 1\nsteps: 2\npause: 0.0\n")
    (git_repo / "train.py").write_text(SLOW_SCRIPT)
    git(git_repo, "add", ".")
    git(git_repo, "commit", "-q", "-m", "script")
    return git_repo


def _spec(name: str) -> RunSpec:
    return RunSpec(id=new_run_id(), name=name, kind="script", baseline="0" * 40, tree="0" * 40)


def _claim_all(git_dir: str, ids: list[str], results: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    queue = Queue(Path(git_dir))
    results.put([entry_id for entry_id in ids if queue.claim(entry_id)])


def test_two_processes_never_take_the_same_entry(git_repo: Path) -> None:
    queue = Queue(git_repo / ".git")
    ids = [entry.id for entry in queue.add(_spec(f"run-{n}") for n in range(200))]
    results: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    racers = [
        multiprocessing.Process(target=_claim_all, args=(str(git_repo / ".git"), ids, results))
        for _ in range(4)
    ]
    for racer in racers:
        racer.start()
    taken = [results.get(timeout=60) for _ in racers]
    for racer in racers:
        racer.join()
    flat = [entry_id for claimed in taken for entry_id in claimed]
    assert sorted(flat) == sorted(ids)  # every entry taken exactly once


def test_a_worker_that_died_leaves_its_entry_failed_not_running(git_repo: Path) -> None:
    queue = Queue(git_repo / ".git")
    (entry,) = queue.add([_spec("orphan")])
    claimer = subprocess.Popen(
        [sys.executable, "-c", "import sys,time\n"
         "from pathlib import Path\nfrom live_nb.runs.queue import Queue\n"
         f"Queue(Path({str(git_repo / '.git')!r})).claim({entry.id!r})\ntime.sleep(60)"],
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while queue.entries()[0].status != "running" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert queue.entries()[0].status == "running"
    work = git_repo / ".git" / "live_nb" / "runs" / entry.id / "work"
    work.mkdir(parents=True)  # the run's copy of the workspace, as the child had made it
    (work / "model.pt").write_bytes(b"half written")
    claimer.kill()
    claimer.wait()
    (status,) = api.status(git_repo)
    assert status.status == "failed"
    assert status.result is not None and "the worker stopped" in (status.result.error or "")
    assert not work.parent.exists()  # a SIGKILLed run leaves no folder behind


def test_a_script_grid_runs_two_at_once_each_in_its_own_folder(script_repo: Path) -> None:
    before = user_state(script_repo)
    runs = api.run(
        command=[sys.executable, "train.py"],
        params=["lr=1,2,3,4", "pause=0.3"],
        jobs=2,
        path=script_repo,
    )
    results = runs.wait(timeout=120)
    assert [r.status for r in results] == ["ok"] * 4, [r.error for r in results]
    values = set()
    for result in results:
        metrics = json.loads(git(script_repo, "show", f"{result.commit}:dvclive/metrics.json"))
        values.add(metrics["value"])
    assert values == {1, 2, 3, 4}  # step 1 * lr: each run saw its own params.yaml
    assert user_state(script_repo) == before
    durations = sorted(r.duration for r in results)
    assert durations[0] > 0.3


def test_four_notebooks_at_once_do_not_clash(git_repo: Path) -> None:
    write_notebook(
        git_repo / "nb.ipynb",
        _code("%load_ext live_nb"),
        _code("%%live --param seed=0\nimport os\nlive.log_metric('seed', seed)\nlive.next_step()"),
    )
    git(git_repo, "add", "nb.ipynb")
    git(git_repo, "commit", "-q", "-m", "nb")
    results = api.run("nb.ipynb", ["seed=1,2,3,4"], jobs=4, path=git_repo).wait(timeout=180)
    assert [r.status for r in results] == ["ok"] * 4, [r.error for r in results]
    seeds = {
        json.loads(git(git_repo, "show", f"{r.commit}:dvclive/metrics.json"))["seed"]
        for r in results
    }
    assert seeds == {1, 2, 3, 4}


def test_killing_a_running_entry_saves_what_it_logged(script_repo: Path) -> None:
    (run,) = api.run(
        command=[sys.executable, "train.py"],
        params=["steps=1000", "pause=0.05"],
        background=True,
        path=script_repo,
    )
    deadline = time.monotonic() + 60
    while not any(step for step in _metrics_of_running(script_repo)):
        assert time.monotonic() < deadline, run.log()
        time.sleep(0.1)
    run.kill()
    result = run.wait(timeout=60)
    assert result.status == "killed"
    assert "queue kill" in (result.error or "")
    assert result.commit is not None
    metrics = json.loads(git(script_repo, "show", f"{result.commit}:dvclive/metrics.json"))
    assert 0 < metrics["step"] < 999


def _metrics_of_running(root: Path) -> list[object]:
    from live_nb.runs.progress import row_of

    return [row_of(e).step for e in api.status(root) if e.status == "running"]


def test_a_queued_entry_killed_is_cancelled_and_removed(script_repo: Path) -> None:
    (run,) = api.queue(command=[sys.executable, "train.py"], path=script_repo)
    run.kill()
    assert run.status == "killed"
    assert run.result is not None and run.result.error == "cancelled before it ran"
    assert api.remove([run.name], path=script_repo) == [run.name]
    assert api.status(script_repo) == []


def test_queue_then_start_in_the_background_and_a_second_start_is_refused(
    script_repo: Path,
) -> None:
    runs = api.queue(
        command=[sys.executable, "train.py"], params=["pause=0.2", "steps=5"], path=script_repo
    )
    first = _cli(script_repo, "queue", "start")
    assert first.returncode == 0 and "Started a worker" in first.stdout
    time.sleep(1.0)
    second = _cli(script_repo, "queue", "start", "--foreground")
    assert second.returncode == 1
    assert "already has a worker" in second.stderr
    (result,) = runs.wait(timeout=120)
    assert result.status == "ok"
    status = _cli(script_repo, "queue", "status", "--json")
    (row,) = json.loads(status.stdout)
    assert row["status"] == "done" and row["experiment"] == result.experiment
    logs = _cli(script_repo, "queue", "logs", runs[0].name)
    assert "live_nb: running" in logs.stdout


def test_cli_exp_run_of_a_script_with_json_output(script_repo: Path) -> None:
    done = _cli(script_repo, "exp", "run", "-S", "lr=5", "--json", "--", sys.executable, "train.py")
    assert done.returncode == 0, done.stderr
    (result,) = json.loads(done.stdout)
    assert result["status"] == "ok" and result["experiment"]
    assert "lr: 5" in git(script_repo, "show", f"{result['commit']}:params.yaml")


def test_ctrl_c_of_the_cli_stops_its_runs_and_saves_them_as_killed(script_repo: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "live_nb", "exp", "run", "-S", "steps=1000", "-S", "pause=0.05",
         "--", sys.executable, "train.py"],
        cwd=script_repo, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not any(step for step in _metrics_of_running(script_repo)):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    process.send_signal(signal.SIGINT)
    _, error = process.communicate(timeout=60)
    assert process.returncode == 130, error
    (entry,) = api.status(script_repo)
    assert entry.status == "killed" and entry.result is not None
    assert entry.result.experiment is not None


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        (["exp", "run", "nb.ipynb", "-S", "lr"], "-S"),
        (["exp", "run", "missing.ipynb"], "no such notebook"),
        (["exp", "run", "-S", "nope=1", "--", "python", "train.py"], "nope"),
        (["exp", "run"], "Nothing to run"),
        (["exp", "run", "--executor", "ftp://x", "--", "python", "train.py"], "Unknown executor"),
        (["queue", "logs", "nobody"], "No queued or recent run"),
        (["exp", "show", "--", "x"], "only `live-nb exp run`"),
    ],
)
def test_bad_input_gets_one_clear_line_and_queues_nothing(
    script_repo: Path, arguments: list[str], words: str
) -> None:
    completed = _cli(script_repo, *arguments)
    assert completed.returncode != 0
    assert words in completed.stderr, completed.stderr
    assert "Traceback" not in completed.stderr
    assert api.status(script_repo) == []


def test_a_dask_scheduler_that_cannot_be_reached_is_named(script_repo: Path) -> None:
    pytest.importorskip("distributed")
    completed = _cli(
        script_repo, "exp", "run", "--executor", "dask://127.0.0.1:9", "--", "python", "train.py"
    )
    assert completed.returncode == 1
    assert "Cannot reach the Dask scheduler at 'dask://127.0.0.1:9'" in completed.stderr


def _cli(cwd: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.run(
        [sys.executable, "-m", "live_nb", *arguments],
        cwd=cwd, capture_output=True, text=True, timeout=180, env=env,
    )  # fmt: skip


def test_a_relative_notebook_is_found_from_the_path_given_not_the_cwd(
    git_repo: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_notebook(git_repo / "nb.ipynb", _code("1"))
    monkeypatch.chdir(tmp_path_factory.mktemp("elsewhere"))
    (run,) = api.queue("nb.ipynb", path=git_repo)
    assert run.entry().spec.target == "nb.ipynb"


def test_a_run_sees_the_workspace_as_it_was_when_queued(script_repo: Path) -> None:
    (run,) = api.queue(command=[sys.executable, "train.py"], path=script_repo)
    (script_repo / "params.yaml").write_text("lr: 100\nsteps: 2\npause: 0.0\n")  # edited after
    (script_repo / "train.py").write_text("raise SystemExit('edited after queueing')\n")
    api.start(path=script_repo)
    result = run.wait(timeout=120)
    assert result.status == "ok", run.log()
    metrics = json.loads(git(script_repo, "show", f"{result.commit}:dvclive/metrics.json"))
    assert metrics["value"] == 1  # step 1 * lr 1, the values at queue time
    assert (script_repo / "params.yaml").read_text().startswith("lr: 100")  # still the user's


def test_jobs_below_one_are_refused_before_anything_is_queued(script_repo: Path) -> None:
    with pytest.raises(api.InvalidJobsError, match="at least 1, not 0"):
        api.run(command=[sys.executable, "train.py"], jobs=0, path=script_repo)
    assert api.status(script_repo) == []
