"""Running experiments headless: notebooks and scripts, once per point of a ``-S`` grid.

The Python API is here (from :mod:`.api`): ``run``, ``queue``, ``start``, ``status``,
``logs``, ``kill``, ``remove``, ``pending`` (queued and running runs as rows of
``experiments.show``), and the :class:`Run` / :class:`Runs` handles they return::

    from live_nb import runs
    results = runs.run("train.ipynb", ["lr=0.1,0.01", "epochs=10,20"], jobs=2).wait()

The rest, one job a module: :mod:`.params` (DVC's ``-S`` grammar and grids),
:mod:`.params_files`, :mod:`.resolve` and :mod:`.plan` (what to run, checked before anything
runs), :mod:`.queue` (the queue in ``.git``), :mod:`.worker` and :mod:`.executors` (who runs
it), :mod:`.job` and :mod:`.execute` (one run), :mod:`.runcache`, :mod:`.bundle` and
:mod:`.dask` (runs on a cluster), :mod:`.progress` (a run as a row).
"""

from live_nb.runs.api import Run, Runs, kill, logs, pending, queue, remove, run, start, status

__all__ = ["Run", "Runs", "kill", "logs", "pending", "queue", "remove", "run", "start", "status"]
