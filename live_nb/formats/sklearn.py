"""The data behind DVCLive's ``Live.log_sklearn_plot``, computed with numpy alone.

The curve functions return the same arrays as their scikit-learn namesakes
(``sklearn.metrics.roc_curve``, ``precision_recall_curve``, ``det_curve`` and
``sklearn.calibration.calibration_curve`` of scikit-learn 1.9): same values, same
dtypes, same order of floating-point operations.  The ``*_payload`` functions
build the JSON content DVCLive 3.49 writes to ``plots/sklearn/<name>.json``, with
plain Python numbers in place of numpy scalars, and :func:`plot_config` the entry
it writes for that plot in ``dvc.yaml``.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable, Mapping
from numbers import Integral
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt

from live_nb.error import InvalidPlotTypeError, LiveNbWarning

Array = npt.NDArray[Any]
Curve = Callable[..., tuple[Array, ...]]

_DEFAULT_CLASS_SETS = ([0, 1], [-1, 1], [0], [-1], [1])


def _defaults(
    template: str, x: str, y: str, title: str, x_label: str, y_label: str
) -> Mapping[str, str]:
    return MappingProxyType(
        {
            "template": template,
            "x": x,
            "y": y,
            "title": title,
            "x_label": x_label,
            "y_label": y_label,
        }
    )


SKLEARN_PLOT_KINDS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "calibration": _defaults(
            "simple",
            x="prob_pred",
            y="prob_true",
            title="Calibration Curve",
            x_label="Mean Predicted Probability",
            y_label="Fraction of Positives",
        ),
        "confusion_matrix": _defaults(
            "confusion",
            x="actual",
            y="predicted",
            title="Confusion Matrix",
            x_label="True Label",
            y_label="Predicted Label",
        ),
        "det": _defaults(
            "simple",
            x="fpr",
            y="fnr",
            title="Detection error tradeoff (DET)",
            x_label="False Positive Rate",
            y_label="False Negative Rate",
        ),
        "precision_recall": _defaults(
            "simple",
            x="recall",
            y="precision",
            title="Precision-Recall Curve",
            x_label="Recall",
            y_label="Precision",
        ),
        "roc": _defaults(
            "simple",
            x="fpr",
            y="tpr",
            title="Receiver operating characteristic (ROC)",
            x_label="False Positive Rate",
            y_label="True Positive Rate",
        ),
    }
)
"""Each kind ``log_sklearn_plot`` accepts, in DVCLive's order, with its default plot config
(``dvc.yaml`` keys in DVCLive's order); :func:`plot_config` applies a call's overrides."""


def _column(values: npt.ArrayLike, name: str) -> Array:
    array = np.asarray(values)
    if array.ndim == 2 and array.shape[1] == 1:
        return array.ravel()
    if array.ndim != 1:
        hint = (
            " For predict_proba output pass the positive class's column, e.g. proba[:, 1]."
            if name != "y_true" and array.ndim == 2
            else ""
        )
        raise ValueError(f"{name} must be 1-D; got an array of shape {array.shape}.{hint}")
    return array


def _check_lengths(**arrays: Array | None) -> None:
    lengths = {name: len(array) for name, array in arrays.items() if array is not None}
    if len(set(lengths.values())) > 1:
        found = ", ".join(f"{name} has {length}" for name, length in lengths.items())
        raise ValueError(f"Inputs must have the same number of samples: {found}.")
    if 0 in lengths.values():
        raise ValueError("Inputs are empty: at least one sample is needed.")


def _classes_text(classes: Array) -> str:
    shown = ", ".join(repr(c) for c in classes[:10].tolist())
    return "{" + shown + (", ..." if len(classes) > 10 else "") + "}"


def _default_pos_label(classes: Array) -> int:
    if classes.dtype.kind in "OUS" or not any(
        np.array_equal(classes, allowed) for allowed in _DEFAULT_CLASS_SETS
    ):
        raise ValueError(
            f"y_true takes values in {_classes_text(classes)} and pos_label is not "
            "specified: either make y_true take values in {0, 1} or {-1, 1}, or pass "
            "pos_label explicitly."
        )
    return 1


def _binary_target(labels: Array, pos_label: Any) -> Array:
    """``labels == pos_label`` as 0.0/1.0, once ``labels`` is known to suit a binary curve."""
    if labels.dtype == object and not isinstance(labels[0], str):
        raise ValueError(
            f"y_true has dtype object holding {type(labels[0]).__name__} values; "
            "use an array of int, bool or str labels."
        )
    if labels.dtype.kind == "f":
        if not np.isfinite(labels).all():
            raise ValueError("y_true contains NaN or infinity.")
        if np.any(labels != np.trunc(labels)):
            raise ValueError(
                "y_true holds continuous values; a binary curve needs class labels such as 0 and 1."
            )
    classes = np.unique(labels)
    if pos_label is None:
        if len(classes) > 2:
            raise ValueError(
                f"y_true has {len(classes)} classes {_classes_text(classes)} but a binary "
                "curve needs two: pass pos_label=<class> to count that class as positive "
                "and all the others as negative."
            )
        pos_label = _default_pos_label(classes)
    return (labels == pos_label).astype(np.float64)


def _scores(y_score: npt.ArrayLike, name: str) -> Array:
    scores = _column(y_score, name)
    if scores.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold numbers; got an array of dtype {scores.dtype}.")
    if not np.isfinite(scores).all():
        raise ValueError(f"{name} contains NaN or infinity.")
    return scores


def _weights(sample_weight: npt.ArrayLike | None) -> Array | None:
    if sample_weight is None:
        return None
    weight = _column(sample_weight, "sample_weight").astype(np.float64)
    if not np.isfinite(weight).all():
        raise ValueError("sample_weight contains NaN or infinity.")
    if not weight.any():
        raise ValueError("sample_weight must contain at least one non-zero number.")
    return weight


def _descending_order(values: Array) -> Array:
    return len(values) - 1 - np.argsort(values[::-1], kind="stable")[::-1]


def _counts_at_thresholds(
    labels: Array,
    y_score: npt.ArrayLike,
    pos_label: Any,
    sample_weight: npt.ArrayLike | None,
) -> tuple[Array, Array, Array]:
    """False and true positive (weighted) counts at each distinct score, highest first."""
    scores = _scores(y_score, "y_score")
    weight = _weights(sample_weight)
    _check_lengths(y_true=labels, y_score=scores, sample_weight=weight)
    positive = _binary_target(labels, pos_label)
    if weight is not None:
        kept = weight != 0
        positive, scores, weight = positive[kept], scores[kept], weight[kept]
    order = _descending_order(scores)
    scores, positive = scores[order], positive[order]
    ends = np.append(np.flatnonzero(scores[1:] != scores[:-1]), len(scores) - 1)
    if weight is None:
        tps = np.cumsum(positive)[ends]
        fps = 1 + ends.astype(np.float64) - tps
    else:
        weight = weight[order]
        tps = np.cumsum(positive * weight)[ends]
        fps = np.cumsum((1 - positive) * weight)[ends]
    return fps, tps, scores[ends]


def _keep_where_tps_turns(tps: Array) -> Array:
    return np.concatenate(([True], np.logical_or(np.diff(tps[:-1]), np.diff(tps[1:])), [True]))


def _rate(counts: Array, warning: str) -> Array:
    if counts[-1] <= 0:
        warnings.warn(warning, LiveNbWarning, stacklevel=3)
        return np.full(counts.shape, np.nan)
    return counts / counts[-1]


def roc_curve(
    y_true: npt.ArrayLike,
    y_score: npt.ArrayLike,
    *,
    pos_label: Any = None,
    sample_weight: npt.ArrayLike | None = None,
    drop_intermediate: bool = True,
) -> tuple[Array, Array, Array]:
    """``(fpr, tpr, thresholds)`` as ``sklearn.metrics.roc_curve``; thresholds start at inf."""
    fps, tps, thresholds = _counts_at_thresholds(
        _column(y_true, "y_true"), y_score, pos_label, sample_weight
    )
    if drop_intermediate and len(fps) > 2:
        corners = np.logical_or(np.diff(fps, 2), np.diff(tps, 2))
        kept = np.concatenate(([True], corners, [True]))
        fps, tps, thresholds = fps[kept], tps[kept], thresholds[kept]
    fps = np.concatenate(([0.0], fps))
    tps = np.concatenate(([0.0], tps))
    thresholds = np.concatenate(([np.inf], thresholds.astype(np.float64)))
    fpr = _rate(fps, "No negative samples in y_true: the false positive rate is undefined (NaN).")
    tpr = _rate(tps, "No positive samples in y_true: the true positive rate is undefined (NaN).")
    return fpr, tpr, thresholds


def precision_recall_curve(
    y_true: npt.ArrayLike,
    y_score: npt.ArrayLike,
    *,
    pos_label: Any = None,
    sample_weight: npt.ArrayLike | None = None,
    drop_intermediate: bool = False,
) -> tuple[Array, Array, Array]:
    """``(precision, recall, thresholds)`` as ``sklearn.metrics.precision_recall_curve``.

    Thresholds increase and keep ``y_score``'s dtype; precision and recall have one
    more element, the point ``(1, 0)``, which has no threshold.
    """
    fps, tps, thresholds = _counts_at_thresholds(
        _column(y_true, "y_true"), y_score, pos_label, sample_weight
    )
    if drop_intermediate and len(fps) > 2:
        kept = _keep_where_tps_turns(tps)
        fps, tps, thresholds = fps[kept], tps[kept], thresholds[kept]
    predicted = tps + fps
    precision = np.divide(tps, predicted, out=np.zeros_like(tps), where=predicted != 0)
    if tps[-1] == 0:
        warnings.warn(
            "No positive class found in y_true, recall is set to one for all thresholds.",
            LiveNbWarning,
            stacklevel=2,
        )
        recall = np.ones_like(tps)
    else:
        recall = tps / tps[-1]
    return (
        np.concatenate((precision[::-1], [1.0])),
        np.concatenate((recall[::-1], [0.0])),
        thresholds[::-1],
    )


def det_curve(
    y_true: npt.ArrayLike,
    y_score: npt.ArrayLike,
    *,
    pos_label: Any = None,
    sample_weight: npt.ArrayLike | None = None,
    drop_intermediate: bool = False,
) -> tuple[Array, Array, Array]:
    """``(fpr, fnr, thresholds)`` as ``sklearn.metrics.det_curve``; thresholds increase.

    As in scikit-learn >= 1.7 an infinite threshold (fpr 0, fnr 1) closes the curve
    unless fpr already reaches 0 at a finite threshold.
    """
    labels = _column(y_true, "y_true")
    fps, tps, thresholds = _counts_at_thresholds(labels, y_score, pos_label, sample_weight)
    tps = np.concatenate(([0.0], tps))
    fps = np.concatenate(([0.0], fps))
    thresholds = np.concatenate(([np.inf], thresholds.astype(np.float64)))
    if drop_intermediate and len(fps) > 2:
        kept = _keep_where_tps_turns(tps)
        fps, tps, thresholds = fps[kept], tps[kept], thresholds[kept]
    if len(np.unique(labels)) != 2:
        raise ValueError(
            "det_curve needs y_true with exactly two classes; got "
            f"{_classes_text(np.unique(labels))}."
        )
    fns = tps[-1] - tps
    first = int(np.searchsorted(fps, fps[0], side="right")) - 1
    last = int(np.searchsorted(tps, tps[-1])) + 1
    shown = slice(first, last)
    return fps[shown][::-1] / fps[-1], fns[shown][::-1] / tps[-1], thresholds[shown][::-1]


def calibration_curve(
    y_true: npt.ArrayLike,
    y_prob: npt.ArrayLike,
    *,
    pos_label: Any = None,
    n_bins: int = 5,
    strategy: str = "uniform",
) -> tuple[Array, Array]:
    """``(prob_true, prob_pred)`` per non-empty bin, as scikit-learn's ``calibration_curve``."""
    labels = _column(y_true, "y_true")
    probs = _column(y_prob, "y_prob")
    _check_lengths(y_true=labels, y_prob=probs)
    if pos_label is None:
        pos_label = _default_pos_label(np.unique(labels))
    if not isinstance(n_bins, Integral) or isinstance(n_bins, bool):
        raise TypeError(f"n_bins must be an int >= 1; got {n_bins!r}.")
    if n_bins < 1:
        raise ValueError(f"n_bins must be an int >= 1; got {n_bins!r}.")
    if strategy not in ("uniform", "quantile"):
        raise ValueError(f"strategy must be 'uniform' or 'quantile'; got {strategy!r}.")
    if probs.min() < 0 or probs.max() > 1:
        raise ValueError("y_prob has values outside [0, 1].")
    classes = np.unique(labels)
    if len(classes) > 2:
        raise ValueError(
            f"calibration_curve needs binary y_true; got classes {_classes_text(classes)}."
        )
    if strategy == "quantile":
        edges = np.percentile(probs, np.linspace(0, 1, n_bins + 1) * 100)
    else:
        edges = np.linspace(0.0, 1.0, n_bins + 1)
    bins = np.searchsorted(edges[1:-1], probs)
    prob_sums = np.bincount(bins, weights=probs, minlength=n_bins)
    true_sums = np.bincount(bins, weights=labels == pos_label, minlength=n_bins)
    totals = np.bincount(bins, minlength=n_bins)
    filled = totals != 0
    return true_sums[filled] / totals[filled], prob_sums[filled] / totals[filled]


Records = list[dict[str, Any]]


def _run(curve: Curve, kind: str, labels: Any, predictions: Any, kwargs: dict[str, Any]) -> Any:
    accepted = [
        p.name for p in inspect.signature(curve).parameters.values() if p.kind is p.KEYWORD_ONLY
    ]
    for key in kwargs:
        if key not in accepted:
            raise TypeError(
                f"Unexpected keyword argument {key!r} for a {kind!r} plot; "
                f"{curve.__name__} accepts: {', '.join(accepted)}."
            )
    return [array.tolist() for array in curve(labels, predictions, **kwargs)]


def _records(keys: tuple[str, ...], *columns: list[Any]) -> Records:
    """Rows of ``columns`` as dicts with ``keys``, in DVCLive's key order."""
    return [dict(zip(keys, row, strict=True)) for row in zip(*columns, strict=True)]


def roc_payload(labels: Any, predictions: Any, **kwargs: Any) -> dict[str, Records]:
    """``{"roc": [{"fpr", "tpr", "threshold"}, ...]}``; the first threshold is inf."""
    fpr, tpr, thresholds = _run(roc_curve, "roc", labels, predictions, kwargs)
    return {"roc": _records(("fpr", "tpr", "threshold"), fpr, tpr, thresholds)}


def precision_recall_payload(labels: Any, predictions: Any, **kwargs: Any) -> dict[str, Records]:
    """``{"precision_recall": [...]}`` without the final threshold-less ``(1, 0)`` point."""
    precision, recall, thresholds = _run(
        precision_recall_curve, "precision_recall", labels, predictions, kwargs
    )
    keys = ("precision", "recall", "threshold")
    return {"precision_recall": _records(keys, precision[:-1], recall[:-1], thresholds)}


def det_payload(labels: Any, predictions: Any, **kwargs: Any) -> dict[str, Records]:
    """``{"det": [{"fpr", "fnr", "threshold"}, ...]}``."""
    fpr, fnr, thresholds = _run(det_curve, "det", labels, predictions, kwargs)
    return {"det": _records(("fpr", "fnr", "threshold"), fpr, fnr, thresholds)}


def calibration_payload(labels: Any, predictions: Any, **kwargs: Any) -> dict[str, Records]:
    """``{"calibration": [{"prob_true", "prob_pred"}, ...]}``."""
    prob_true, prob_pred = _run(calibration_curve, "calibration", labels, predictions, kwargs)
    return {"calibration": _records(("prob_true", "prob_pred"), prob_true, prob_pred)}


def confusion_matrix_payload(labels: Any, predictions: Any) -> list[dict[str, str]]:
    """One ``{"actual", "predicted"}`` record per sample, each value ``str()`` of the item.

    Like DVCLive, items are taken by iterating the inputs (numpy scalars for arrays,
    whose ``str`` is ``"1"``, ``"0.5"``, ``"True"``) and the longer input is cut short.
    """
    return [
        {"actual": actual, "predicted": predicted}
        for actual, predicted in zip(map(str, labels), map(str, predictions), strict=False)
    ]


def payload(
    kind: str, labels: Any, predictions: Any, **kwargs: Any
) -> dict[str, Records] | list[dict[str, str]]:
    """The JSON content for ``kind``; like DVCLive, ``confusion_matrix`` ignores kwargs."""
    if kind == "confusion_matrix":
        return confusion_matrix_payload(labels, predictions)
    if kind not in _PAYLOADS:
        raise InvalidPlotTypeError(kind, list(SKLEARN_PLOT_KINDS))
    return _PAYLOADS[kind](labels, predictions, **kwargs)


_PAYLOADS: Mapping[str, Callable[..., dict[str, Records]]] = {
    "calibration": calibration_payload,
    "det": det_payload,
    "precision_recall": precision_recall_payload,
    "roc": roc_payload,
}


def plot_config(
    kind: str,
    title: str | None = None,
    x_label: str | None = None,
    y_label: str | None = None,
    normalized: bool | None = None,
) -> dict[str, str]:
    """The ``dvc.yaml`` plot entry DVCLive writes for a ``log_sklearn_plot(kind, ...)``.

    ``normalized`` is only for ``confusion_matrix`` (a truthy value selects the
    ``confusion_normalized`` template); DVCLive raises TypeError for other kinds.
    """
    if kind not in SKLEARN_PLOT_KINDS:
        raise InvalidPlotTypeError(kind, list(SKLEARN_PLOT_KINDS))
    config = dict(SKLEARN_PLOT_KINDS[kind])
    if normalized is not None and kind != "confusion_matrix":
        raise TypeError(f"normalized applies only to 'confusion_matrix' plots, not {kind!r}.")
    if normalized:
        config["template"] = "confusion_normalized"
    labels = {"title": title, "x_label": x_label, "y_label": y_label}
    config.update({key: value for key, value in labels.items() if value is not None})
    return config


__all__ = [
    "SKLEARN_PLOT_KINDS",
    "calibration_curve",
    "calibration_payload",
    "confusion_matrix_payload",
    "det_curve",
    "det_payload",
    "payload",
    "plot_config",
    "precision_recall_curve",
    "precision_recall_payload",
    "roc_curve",
    "roc_payload",
]
