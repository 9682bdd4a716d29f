"""Environment variables live_nb reads (DVCLive's own names, so existing set-ups keep working)."""

import os

DVCLIVE_RESUME = "DVCLIVE_RESUME"
"""Set to 1/true/yes to make every ``Live()`` resume, as with ``resume=True``."""

DVC_EXP_NAME = "DVC_EXP_NAME"
"""The experiment name to use when ``exp_name`` is not given (set by ``dvc exp run``)."""


def env_flag(value: str | None) -> bool:
    """Whether an environment variable's value means yes (1, y, yes, true, on)."""
    return value is not None and value.strip().lower() in {"1", "y", "yes", "true", "on"}


DVC_ROOT = "DVC_ROOT"
"""Set by ``dvc repro`` and ``dvc exp run`` for a stage's command: DVC saves the experiment."""

DVC_EXP_BASELINE_REV = "DVC_EXP_BASELINE_REV"
"""Set by ``dvc exp run`` (with ``DVC_EXP_NAME``): the run is a DVC experiment."""

DVCLIVE_TEST = "DVCLIVE_TEST"
"""Set to a true value to write into a temporary folder and leave the repository alone."""

DVCLIVE_OPEN = "DVCLIVE_OPEN"
"""Set to a true value to open ``report.html`` in a browser when it is written."""

DVC_STUDIO_TOKEN = "DVC_STUDIO_TOKEN"
"""A Studio access token: with it, runs post live updates to Studio (``live_nb.studio``)."""

DVC_STUDIO_URL = "DVC_STUDIO_URL"
"""Studio's base URL, for a self-hosted Studio (default ``https://studio.datachain.ai``)."""

DVC_STUDIO_REPO_URL = "DVC_STUDIO_REPO_URL"
"""The Git repository URL Studio knows the project by (default: the Git remote's URL)."""

DVC_STUDIO_OFFLINE = "DVC_STUDIO_OFFLINE"
"""Set to a true value to post nothing to Studio, even with a token."""

STUDIO_TOKEN = "STUDIO_TOKEN"
"""The older name of ``DVC_STUDIO_TOKEN``, still read by DVC."""

STUDIO_REPO_URL = "STUDIO_REPO_URL"
"""The older name of ``DVC_STUDIO_REPO_URL``, still read by DVC."""

STUDIO_ENDPOINT = "STUDIO_ENDPOINT"
"""The path of Studio's live-metrics API under its URL (default ``api/live``)."""

DVC_GLOBAL_CONFIG_DIR = "DVC_GLOBAL_CONFIG_DIR"
"""Where DVC's global (per-user) ``config`` file is, instead of the platform's default."""

DVC_SYSTEM_CONFIG_DIR = "DVC_SYSTEM_CONFIG_DIR"
"""Where DVC's system-wide ``config`` file is, instead of the platform's default."""

LIVE_NB_RUN_ID = "LIVE_NB_RUN_ID"
"""Set by ``live-nb exp run`` for the process of a run: the runner saves its experiment."""

LIVE_NB_RUN_NAME = "LIVE_NB_RUN_NAME"
"""Set with ``LIVE_NB_RUN_ID``: the name the run's experiment will be saved under."""

LIVE_NB_RESUMED = "LIVE_NB_RESUMED"
"""Set by ``live-nb exp run --resume-from`` (``NAME@SHA``): the checkpoint the run resumes from,
already restored into its folder (``live.resumed`` names it)."""


LIVE_NB_RUN_WORK_TREE = "LIVE_NB_RUN_WORK_TREE"
"""Set by ``live-nb exp run``: the run's folder, which stands for the top of the user's Git
work tree (Git cannot be found from it), so outputs cached there get their ``.gitignore``
entries as they would in the workspace."""


def in_headless_run() -> bool:
    """Whether this process is a run of ``live-nb exp run``, which saves the experiment itself."""
    return bool(os.environ.get(LIVE_NB_RUN_ID))
