"""Environment variables live_nb reads (DVCLive's own names, so existing set-ups keep working)."""

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
