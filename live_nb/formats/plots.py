"""Custom plots under ``plots/custom/``: a JSON list of dicts, and its dvc.yaml config."""

from __future__ import annotations

import math
from typing import Any

from live_nb.error import InvalidPlotDataError


def datapoints_to_records(name: str, datapoints: Any) -> list[dict[Any, Any]]:
    """A list of dicts from a list of dicts, a pandas DataFrame or a numpy array."""
    if isinstance(datapoints, list):
        if not all(isinstance(point, dict) for point in datapoints):
            raise InvalidPlotDataError(name, "a list of datapoints must hold only dicts.")
        return datapoints
    module = type(datapoints).__module__
    if module.startswith("pandas") and type(datapoints).__name__ == "DataFrame":
        records: list[dict[Any, Any]] = datapoints.to_dict(orient="records")
        return records
    if module.startswith("numpy") and type(datapoints).__name__ == "ndarray":
        names = datapoints.dtype.names
        if names is not None:
            return [dict(zip(names, row)) for row in datapoints]
        if datapoints.ndim != 2:
            raise InvalidPlotDataError(name, f"a plain array must be 2-D, not {datapoints.ndim}-D.")
        return [dict(enumerate(row)) for row in datapoints]
    raise InvalidPlotDataError(
        name,
        f"got {type(datapoints).__name__}; expected a list of dicts, a DataFrame or an ndarray.",
    )


def check_axes(name: str, records: list[dict[Any, Any]], x: str, y: str | list[str]) -> None:
    """Refuse axes missing from the data now, rather than an empty plot in DVC later."""
    if not records:
        return
    keys = {str(key) for key in records[0]}
    wanted = [x, *([y] if isinstance(y, str) else y)]
    missing = [axis for axis in wanted if str(axis) not in keys]
    if missing:
        raise InvalidPlotDataError(
            name,
            f"the datapoints have no field {', '.join(map(repr, missing))}; "
            f"their fields are {', '.join(sorted(map(repr, keys)))}.",
        )


def custom_plot_config(
    x: str,
    y: str | list[str],
    template: str | None,
    title: str | None,
    x_label: str | None,
    y_label: str | None,
) -> dict[str, Any]:
    """The dvc.yaml entry DVCLive writes for ``log_plot``, in its key order."""
    config = {
        "template": template or None,
        "x": x,
        "y": y,
        "title": title,
        "x_label": x_label,
        "y_label": y_label,
    }
    return {key: value for key, value in config.items() if value is not None}


def plot_records(data: Any) -> list[dict[str, Any]]:
    """The records of a plot file: a list, or the first list of ``{"roc": [...]}``-like payloads.

    Non-finite numbers (a ROC curve's first threshold is ``Infinity``) become None: JSON has none.
    """
    if isinstance(data, dict):
        data = next((value for value in data.values() if isinstance(value, list)), [])
    if not isinstance(data, list):
        return []
    return [
        {str(key): _finite(value) for key, value in record.items()}
        for record in data
        if isinstance(record, dict)
    ]


def _finite(value: Any) -> Any:
    return None if isinstance(value, float) and not math.isfinite(value) else value
