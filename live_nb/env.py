"""Environment variables live_nb reads (DVCLive's own names, so existing set-ups keep working)."""

DVCLIVE_RESUME = "DVCLIVE_RESUME"
"""Set to 1/true/yes to make every ``Live()`` resume, as with ``resume=True``."""

DVC_EXP_NAME = "DVC_EXP_NAME"
"""The experiment name to use when ``exp_name`` is not given (set by ``dvc exp run``)."""


def env_flag(value: str | None) -> bool:
    return value is not None and value.strip().lower() in {"1", "y", "yes", "true", "on"}
