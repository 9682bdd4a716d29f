"""live_nb.formats.sklearn against scikit-learn (the numbers) and DVCLive (the files).

Every comparison with scikit-learn is exact, dtype included: the module performs the
same floating-point operations in the same order (stable descending sort, cumulative
sums in float64, the same divisions), so no tolerance is needed anywhere.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from live_nb.error import InvalidPlotTypeError, LiveNbWarning
from live_nb.formats import sklearn as sk_nb

RNG = np.random.default_rng(20240601)
CURVES = ("roc_curve", "precision_recall_curve", "det_curve")
KINDS = ["calibration", "confusion_matrix", "det", "precision_recall", "roc"]


def _labels(n: int) -> np.ndarray:
    return RNG.integers(0, 2, n)


CASES: dict[str, tuple[Any, Any, dict[str, Any]]] = {
    "random": (_labels(300), RNG.random(300), {}),
    "ties": (_labels(300), RNG.integers(0, 5, 300) / 4, {}),
    "all_scores_equal": ([0, 1, 1, 0, 1, 0], [0.5] * 6, {}),
    "perfect": ([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9], {}),
    "inverted": ([1, 1, 0, 0], [0.1, 0.2, 0.8, 0.9], {}),
    "two_samples": ([0, 1], [0.3, 0.3], {}),
    "weights": (_labels(300), RNG.random(300), {"sample_weight": RNG.random(300) * 3}),
    "weights_ties_zeros": (
        _labels(300),
        RNG.integers(0, 4, 300) / 3,
        {"sample_weight": RNG.integers(0, 3, 300)},
    ),
    "float32_weights": (
        _labels(100),
        RNG.random(100),
        {"sample_weight": RNG.random(100).astype(np.float32)},
    ),
    "negative_weight": (
        [0, 1, 1, 0, 1],
        [0.1, 0.4, 0.4, 0.8, 0.9],
        {"sample_weight": [1, -1, 2, 1, 1]},
    ),
    "float32_scores": (_labels(200), RNG.random(200).astype(np.float32), {}),
    "int_scores": (_labels(100), RNG.integers(-3, 4, 100), {}),
    "bool_scores": (_labels(50), RNG.random(50) > 0.5, {}),
    "extreme_scores": ([0, 1, 0, 1, 1], [-1e300, 1e300, 5e-324, 0.0, -0.0], {}),
    "string_labels": (
        np.array(["cat", "dog"])[_labels(100)],
        RNG.random(100),
        {"pos_label": "dog"},
    ),
    "string_list_labels": (["no", "yes", "yes", "no"], [0.2, 0.6, 0.9, 0.6], {"pos_label": "yes"}),
    "bool_labels": (_labels(100).astype(bool), RNG.random(100), {}),
    "minus_one_labels": (_labels(100) * 2 - 1, RNG.random(100), {}),
    "float_labels": (_labels(100).astype(float), RNG.random(100), {}),
    "pos_label_zero": (_labels(100), RNG.random(100), {"pos_label": 0}),
    "multiclass_with_pos_label": (RNG.integers(0, 3, 100), RNG.random(100), {"pos_label": 2}),
    "lists": (_labels(50).tolist(), RNG.random(50).tolist(), {}),
    "columns": (_labels(50).reshape(-1, 1), RNG.random((50, 1)), {}),
}


@pytest.fixture
def metrics() -> ModuleType:
    return pytest.importorskip("sklearn.metrics")


@pytest.fixture
def calibration() -> ModuleType:
    return pytest.importorskip("sklearn.calibration")


def assert_same(ours: tuple[np.ndarray, ...], theirs: tuple[np.ndarray, ...]) -> None:
    assert len(ours) == len(theirs)
    for mine, ref in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(mine, ref, strict=True)


@pytest.mark.parametrize("drop_intermediate", [True, False])
@pytest.mark.parametrize("curve", CURVES)
@pytest.mark.parametrize("case", list(CASES))
def test_curves_match_sklearn(
    metrics: ModuleType, case: str, curve: str, drop_intermediate: bool
) -> None:
    y_true, y_score, kwargs = CASES[case]
    kwargs = {**kwargs, "drop_intermediate": drop_intermediate}
    if curve == "det_curve" and case == "multiclass_with_pos_label":
        for module in (metrics, sk_nb):
            with pytest.raises(ValueError):
                module.det_curve(y_true, y_score, **kwargs)
        return
    expected = getattr(metrics, curve)(y_true, y_score, **kwargs)
    assert_same(getattr(sk_nb, curve)(y_true, y_score, **kwargs), expected)


@pytest.mark.parametrize("curve", CURVES)
def test_defaults_match_sklearn(metrics: ModuleType, curve: str) -> None:
    y_true, y_score, _ = CASES["ties"]
    assert_same(getattr(sk_nb, curve)(y_true, y_score), getattr(metrics, curve)(y_true, y_score))


def test_roc_starts_at_infinity() -> None:
    fpr, tpr, thresholds = sk_nb.roc_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    assert thresholds[0] == np.inf
    np.testing.assert_array_equal(thresholds, [np.inf, 0.8, 0.4, 0.35, 0.1])
    np.testing.assert_array_equal(fpr, [0.0, 0.0, 0.5, 0.5, 1.0])
    np.testing.assert_array_equal(tpr, [0.0, 0.5, 0.5, 1.0, 1.0])


def test_det_adds_infinite_threshold_only_when_needed() -> None:
    assert sk_nb.det_curve([1, 0], [0.2, 0.7])[2].tolist() == [0.2, 0.7, math.inf]
    assert sk_nb.det_curve([0, 1], [0.2, 0.7])[2].tolist() == [0.7]
    assert sk_nb.det_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])[2].tolist() == [0.35, 0.4, 0.8]


@pytest.mark.parametrize("y_true", [[0, 0, 0, 0], [1, 1, 1, 1]])
def test_one_class_roc_and_precision_recall_warn_like_sklearn(
    metrics: ModuleType, y_true: list[int]
) -> None:
    y_score = [0.1, 0.5, 0.5, 0.9]
    with pytest.warns(LiveNbWarning, match="samples in y_true"):
        ours = sk_nb.roc_curve(y_true, y_score)
    with pytest.warns(UserWarning):
        assert_same(ours, metrics.roc_curve(y_true, y_score))
    if y_true[0] == 0:
        with pytest.warns(LiveNbWarning, match="No positive class"):
            ours = sk_nb.precision_recall_curve(y_true, y_score)
        with pytest.warns(UserWarning):
            assert_same(ours, metrics.precision_recall_curve(y_true, y_score))
    else:
        assert_same(
            sk_nb.precision_recall_curve(y_true, y_score),
            metrics.precision_recall_curve(y_true, y_score),
        )


@settings(max_examples=300, deadline=None, database=None)
@given(
    rows=st.lists(
        st.tuples(
            st.booleans(),
            st.integers(-3, 3),
            st.sampled_from([0.0, 0.5, 1.0, 1.0 / 3, 2.0, 1e-9]),
        ),
        min_size=2,
        max_size=40,
    ),
    weighted=st.booleans(),
    drop_intermediate=st.booleans(),
)
def test_curves_match_sklearn_on_generated_ties(
    rows: list[tuple[bool, int, float]], weighted: bool, drop_intermediate: bool
) -> None:
    metrics = pytest.importorskip("sklearn.metrics")
    y_true = np.array([row[0] for row in rows], dtype=int)
    y_score = np.array([row[1] for row in rows]) / 4
    weight = np.array([row[2] for row in rows]) if weighted else None
    if len(np.unique(y_true)) < 2 or (weight is not None and not weight.any()):
        return
    kwargs = {"sample_weight": weight, "drop_intermediate": drop_intermediate}
    for curve in CURVES:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = getattr(metrics, curve)(y_true, y_score, **kwargs)
            assert_same(getattr(sk_nb, curve)(y_true, y_score, **kwargs), expected)


def test_a_million_samples_match_sklearn_quickly(metrics: ModuleType) -> None:
    n = 1_000_000
    y_true, y_score, weight = _labels(n), RNG.random(n), RNG.random(n)
    for curve in CURVES:
        start = time.perf_counter()
        ours = getattr(sk_nb, curve)(y_true, y_score, sample_weight=weight)
        elapsed = time.perf_counter() - start
        assert_same(ours, getattr(metrics, curve)(y_true, y_score, sample_weight=weight))
        assert elapsed < 3, f"{curve} took {elapsed:.2f}s for a million samples"


CALIBRATION_INPUTS: dict[str, tuple[Any, Any, dict[str, Any]]] = {
    "random": (_labels(500), RNG.random(500), {}),
    "float32": (_labels(500), RNG.random(500).astype(np.float32), {}),
    "on_edges": ([0, 1, 0, 1, 1, 0, 1], [0.0, 0.2, 0.4, 0.6, 0.8, 1.0, 0.5], {}),
    "ties": (_labels(200), RNG.integers(0, 4, 200) / 3, {}),
    "string_labels": (np.array(["a", "b"])[_labels(100)], RNG.random(100), {"pos_label": "a"}),
    "bool_labels": (_labels(100).astype(bool), RNG.random(100).tolist(), {}),
    "one_class": ([1, 1, 1], [0.2, 0.9, 0.95], {}),
}


@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
@pytest.mark.parametrize("n_bins", [1, 3, 5, 10])
@pytest.mark.parametrize("case", list(CALIBRATION_INPUTS))
def test_calibration_matches_sklearn(
    calibration: ModuleType, case: str, n_bins: int, strategy: str
) -> None:
    y_true, y_prob, kwargs = CALIBRATION_INPUTS[case]
    kwargs = {**kwargs, "n_bins": n_bins, "strategy": strategy}
    expected = calibration.calibration_curve(y_true, y_prob, **kwargs)
    assert_same(sk_nb.calibration_curve(y_true, y_prob, **kwargs), expected)


BAD_INPUTS: dict[str, tuple[Any, Any, dict[str, Any], str]] = {
    "multiclass": ([0, 1, 2, 1], [0.1, 0.2, 0.3, 0.4], {}, "3 classes"),
    "continuous": ([0.0, 0.5, 1.0], [0.1, 0.2, 0.3], {}, "continuous"),
    "strings_without_pos_label": (["a", "b"], [0.1, 0.2], {}, "pos_label"),
    "minus_one_and_zero": ([-1, 0, 0], [0.1, 0.2, 0.3], {}, "pos_label"),
    "two_classes_not_01": ([1, 2, 2], [0.1, 0.2, 0.3], {}, "pos_label"),
    "nan_label": ([0.0, np.nan], [0.1, 0.2], {}, "NaN"),
    "multilabel": ([[0, 1], [1, 0]], [0.1, 0.2], {}, "1-D"),
    "nan_score": ([0, 1], [0.1, np.nan], {}, "NaN"),
    "infinite_score": ([0, 1], [0.1, np.inf], {}, "infinity"),
    "lengths": ([0, 1, 1], [0.1, 0.2], {}, "same number of samples"),
    "predict_proba": ([0, 1], [[0.9, 0.1], [0.2, 0.8]], {}, r"proba\[:, 1\]"),
    "zero_weights": ([0, 1], [0.1, 0.2], {"sample_weight": [0, 0]}, "non-zero"),
    "weight_length": ([0, 1], [0.1, 0.2], {"sample_weight": [1]}, "same number of samples"),
    "empty": ([], [], {}, "empty"),
}


@pytest.mark.parametrize("curve", CURVES)
@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_inputs_raise_value_error(case: str, curve: str) -> None:
    y_true, y_score, kwargs, message = BAD_INPUTS[case]
    with pytest.raises(ValueError, match=message):
        getattr(sk_nb, curve)(y_true, y_score, **kwargs)


@pytest.mark.filterwarnings("ignore:invalid value encountered in cast:RuntimeWarning")
@pytest.mark.parametrize("curve", CURVES)
@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_sklearn_rejects_the_same_inputs(metrics: ModuleType, case: str, curve: str) -> None:
    y_true, y_score, kwargs, _ = BAD_INPUTS[case]
    with pytest.raises(ValueError):
        getattr(metrics, curve)(y_true, y_score, **kwargs)


def test_non_binary_message_is_actionable() -> None:
    with pytest.raises(ValueError, match=r"\{0, 1, 2\}.*pos_label=<class>"):
        sk_nb.roc_curve([0, 1, 2], [0.1, 0.2, 0.3])


def test_det_needs_exactly_two_classes() -> None:
    with pytest.raises(ValueError, match="exactly two classes"):
        sk_nb.det_curve([0, 0, 0], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="exactly two classes"):
        sk_nb.det_curve([0, 1, 2], [0.1, 0.2, 0.3], pos_label=2)


def test_non_numeric_scores_raise_type_error() -> None:
    with pytest.raises(TypeError, match="must hold numbers"):
        sk_nb.roc_curve([0, 1], ["a", "b"])


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"y_prob": [0.1, 1.5]}, ValueError, r"outside \[0, 1\]"),
        ({"n_bins": 0}, ValueError, "n_bins"),
        ({"n_bins": 2.0}, TypeError, "n_bins"),
        ({"strategy": "median"}, ValueError, "strategy"),
        ({"y_true": [0, 1, 2], "pos_label": 1}, ValueError, "binary"),
        ({"y_true": ["a", "b"]}, ValueError, "pos_label"),
    ],
)
def test_calibration_errors(kwargs: dict[str, Any], error: type[Exception], message: str) -> None:
    arguments = {"y_true": [0, 1], "y_prob": [0.1, 0.9], **kwargs}
    y_true = arguments.pop("y_true")
    y_prob = arguments.pop("y_prob")
    if len(y_true) != len(y_prob):
        y_prob = np.linspace(0.1, 0.9, len(y_true))
    with pytest.raises(error, match=message):
        sk_nb.calibration_curve(y_true, y_prob, **arguments)


@pytest.mark.parametrize(
    ("function", "unknown", "accepted"),
    [
        (sk_nb.roc_payload, "normalize", "pos_label, sample_weight, drop_intermediate"),
        (sk_nb.precision_recall_payload, "probas_pred", "drop_intermediate"),
        (sk_nb.det_payload, "n_bins", "sample_weight"),
        (sk_nb.calibration_payload, "sample_weight", "pos_label, n_bins, strategy"),
    ],
)
def test_unknown_kwargs_raise_type_error(
    function: Callable[..., Any], unknown: str, accepted: str
) -> None:
    with pytest.raises(TypeError, match=f"'{unknown}'.*{accepted}"):
        function([0, 1], [0.2, 0.8], **{unknown: 1})


def test_known_kwargs_are_forwarded() -> None:
    kept = sk_nb.roc_payload([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4], drop_intermediate=False)
    dropped = sk_nb.roc_payload([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4])
    assert len(dropped["roc"]) < len(kept["roc"]) == 5
    assert sk_nb.payload("roc", [0, 1], [0.2, 0.8], drop_intermediate=False) == sk_nb.roc_payload(
        [0, 1], [0.2, 0.8], drop_intermediate=False
    )


def test_confusion_matrix_payload_ignores_kwargs_like_dvclive() -> None:
    assert sk_nb.payload("confusion_matrix", [0, 1], [1, 1], anything=True) == [
        {"actual": "0", "predicted": "1"},
        {"actual": "1", "predicted": "1"},
    ]


def test_unknown_kind_raises_invalid_plot_type_error() -> None:
    with pytest.raises(InvalidPlotTypeError, match=r"'pie'.*'calibration'.*'roc'"):
        sk_nb.plot_config("pie")
    with pytest.raises(ValueError, match="'pie'"):
        sk_nb.payload("pie", [0, 1], [0.2, 0.8])


def test_normalized_only_for_confusion_matrix() -> None:
    with pytest.raises(TypeError, match="normalized"):
        sk_nb.plot_config("roc", normalized=True)
    assert sk_nb.plot_config("confusion_matrix", normalized=True)["template"] == (
        "confusion_normalized"
    )
    assert sk_nb.plot_config("confusion_matrix", normalized=False)["template"] == "confusion"


def test_plot_kinds_are_read_only_and_ordered() -> None:
    assert list(sk_nb.SKLEARN_PLOT_KINDS) == KINDS
    for config in sk_nb.SKLEARN_PLOT_KINDS.values():
        assert list(config) == ["template", "x", "y", "title", "x_label", "y_label"]
    with pytest.raises(TypeError):
        sk_nb.SKLEARN_PLOT_KINDS["roc"]["title"] = "changed"  # type: ignore[index]
    config = sk_nb.plot_config("roc", title="Mine")
    assert config["title"] == "Mine"
    assert sk_nb.SKLEARN_PLOT_KINDS["roc"]["title"] == "Receiver operating characteristic (ROC)"


def test_payload_values_are_plain_python() -> None:
    y_true = np.array([0, 1, 1, 0])
    y_score = np.array([0.1, 0.9, 0.4, 0.4], dtype=np.float32)
    payloads = [
        sk_nb.roc_payload(y_true, y_score),
        sk_nb.precision_recall_payload(y_true, y_score),
        sk_nb.det_payload(y_true, y_score),
        sk_nb.calibration_payload(y_true, y_score),
    ]
    for content in payloads:
        for record in next(iter(content.values())):
            assert all(type(value) is float for value in record.values())
        json.dumps(content)
    assert json.dumps(sk_nb.roc_payload([0, 1], [0.3, 0.6])).count("Infinity") == 1


def test_precision_recall_payload_drops_the_point_without_threshold() -> None:
    precision, _, thresholds = sk_nb.precision_recall_curve([0, 1, 1], [0.2, 0.5, 0.9])
    records = sk_nb.precision_recall_payload([0, 1, 1], [0.2, 0.5, 0.9])["precision_recall"]
    assert len(records) == len(thresholds) == len(precision) - 1
    assert records[-1] == {"precision": 1.0, "recall": 0.5, "threshold": 0.9}


def test_confusion_matrix_strings_follow_numpy_str() -> None:
    def pairs(labels: Any, predictions: Any) -> list[tuple[str, str]]:
        records = sk_nb.confusion_matrix_payload(labels, predictions)
        return [(r["actual"], r["predicted"]) for r in records]

    assert pairs(np.array([0, 1]), [0.5, 1.0]) == [("0", "0.5"), ("1", "1.0")]
    assert pairs(np.array([True, False]), np.array([1.0, 2.5])) == [
        ("True", "1.0"),
        ("False", "2.5"),
    ]
    assert pairs(np.array([0.1], dtype=np.float32), [np.float32(0.1)]) == [("0.1", "0.1")]
    assert pairs(np.array(["cat"]), ["dog"]) == [("cat", "dog")]
    assert pairs([0, 1, 1], [1]) == [("0", "1")]


def test_module_runs_without_sklearn() -> None:
    code = (
        "import sys; sys.modules['sklearn'] = None\n"
        "from live_nb.formats import sklearn as m\n"
        "print(m.roc_payload([0, 1], [0.2, 0.8])['roc'][-1])\n"
        "assert not any(name.startswith('sklearn.') for name in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parent.parent,
    )
    assert result.stdout.strip() == "{'fpr': 1.0, 'tpr': 1.0, 'threshold': 0.2}"


def _dvclive_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str, *args: Any, **kwargs: Any
) -> tuple[str, dict[str, Any]]:
    dvclive = pytest.importorskip("dvclive")
    monkeypatch.chdir(tmp_path)
    live = dvclive.Live(dir="live", save_dvc_exp=False, dvcyaml=False)
    name = kwargs.pop("name", kind)
    live.log_sklearn_plot(kind, *args, name=name, **kwargs)
    text = (tmp_path / "live" / "plots" / "sklearn" / f"{name}.json").read_text()
    return text, live._plots[name].plot_config


def _json(content: Any) -> str:
    return json.dumps(content, indent=4) + "\n"


PAYLOAD_CASES: dict[str, tuple[str, Any, Any, dict[str, Any]]] = {
    "roc": ("roc", _labels(60), RNG.random(60), {}),
    "roc_all_thresholds": (
        "roc",
        _labels(60),
        RNG.integers(0, 6, 60) / 5,
        {"drop_intermediate": False},
    ),
    "roc_weighted": ("roc", _labels(60), RNG.random(60), {"sample_weight": RNG.random(60)}),
    "roc_strings": ("roc", ["n", "p", "p", "n"], [0.3, 0.7, 0.3, 0.1], {"pos_label": "p"}),
    "roc_one_class": ("roc", [1, 1, 1], [0.3, 0.7, 0.5], {}),
    "precision_recall": ("precision_recall", _labels(60), RNG.random(60), {}),
    "precision_recall_dropped": (
        "precision_recall",
        _labels(60),
        RNG.integers(0, 6, 60) / 5,
        {"drop_intermediate": True},
    ),
    "det": ("det", _labels(60), RNG.random(60), {}),
    "det_dropped": ("det", _labels(60), RNG.integers(0, 6, 60) / 5, {"drop_intermediate": True}),
    "calibration": ("calibration", _labels(60), RNG.random(60), {}),
    "calibration_quantile": (
        "calibration",
        _labels(60),
        RNG.random(60),
        {"n_bins": 10, "strategy": "quantile"},
    ),
    "confusion_ints": ("confusion_matrix", _labels(20), _labels(20), {}),
    "confusion_lists": ("confusion_matrix", [0, 1, 1], [1.0, 0.5, True], {}),
    "confusion_floats": ("confusion_matrix", _labels(5).astype(float), RNG.random(5), {}),
    "confusion_bools": ("confusion_matrix", _labels(5).astype(bool), _labels(5) > 0, {}),
    "confusion_strings": ("confusion_matrix", np.array(["a", "b"]), ["b", "b"], {}),
}


@pytest.mark.oracle
@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("case", list(PAYLOAD_CASES))
def test_payload_matches_dvclive_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    kind, labels, predictions, kwargs = PAYLOAD_CASES[case]
    text, _ = _dvclive_writes(tmp_path, monkeypatch, kind, labels, predictions, **kwargs)
    assert _json(sk_nb.payload(kind, labels, predictions, **kwargs)) == text


@pytest.mark.oracle
@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"title": "Mine", "x_label": "X", "y_label": "Y"},
        {"title": ""},
        {"normalized": True},
        {"normalized": False, "y_label": "Guess"},
    ],
)
@pytest.mark.parametrize("kind", KINDS)
def test_plot_config_matches_dvclive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str, overrides: dict[str, Any]
) -> None:
    labels, predictions = [0, 1, 1, 0], [0.2, 0.9, 0.6, 0.4]
    if "normalized" in overrides and kind != "confusion_matrix":
        with pytest.raises(TypeError, match="normalized"):
            _dvclive_writes(tmp_path, monkeypatch, kind, labels, predictions, **overrides)
        with pytest.raises(TypeError, match="normalized"):
            sk_nb.plot_config(kind, **overrides)
        return
    _, expected = _dvclive_writes(tmp_path, monkeypatch, kind, labels, predictions, **overrides)
    assert list(sk_nb.plot_config(kind, **overrides).items()) == list(expected.items())


@pytest.mark.oracle
def test_plot_kinds_match_dvclive() -> None:
    plots = pytest.importorskip("dvclive.plots")
    assert list(sk_nb.SKLEARN_PLOT_KINDS) == list(plots.SKLEARN_PLOTS)
