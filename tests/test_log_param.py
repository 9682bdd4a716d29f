"""``Live.log_param`` and ``Live.log_params``: ``params.yaml`` as DVCLive writes it."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from live_nb import Live, LiveEvent
from live_nb.error import InvalidParameterTypeError

PARAMS = Path("dvclive/params.yaml")


class Mode(enum.IntEnum):
    FAST = 1


def no_op() -> None:
    pass


def params_text() -> str:
    return PARAMS.read_text(encoding="utf-8")


def params_bytes() -> bytes | None:
    return PARAMS.read_bytes() if PARAMS.exists() else None


def test_log_params_writes_block_yaml_in_insertion_order(tmp_dir: Path) -> None:
    live = Live(save_dvc_exp=False)

    live.log_params(
        {
            "lr": 0.001,
            "model": {"layers": [64, {"units": 3, "act": "relu"}], "dropout": None},
            "answer": "yes",
            "nothing": "null",
            "version": "1.0",
            "on": "on",
            "name": "héllo ✓ 日本",
            "flags": [True, False],
            "empty": [],
            "tiny": 1e-05,
            "big": 1e20,
            "neg": -3,
        }
    )

    assert params_text() == (
        "lr: 0.001\n"
        "model:\n"
        "  layers:\n"
        "  - 64\n"
        "  - units: 3\n"
        "    act: relu\n"
        "  dropout:\n"
        "answer: yes\n"
        "nothing: 'null'\n"
        "version: '1.0'\n"
        "on: on\n"
        "name: héllo ✓ 日本\n"
        "flags:\n"
        "- true\n"
        "- false\n"
        "empty: []\n"
        "tiny: 1e-05\n"
        "big: 1e+20\n"
        "neg: -3\n"
    )


def test_log_param_again_updates_the_value_in_place(tmp_dir: Path) -> None:
    live = Live(save_dvc_exp=False)

    live.log_params({"a": 1, "b": 2})
    live.log_param("a", 3)
    live.log_param("c", "new")

    assert params_text() == "a: 3\nb: 2\nc: new\n"


def test_log_numpy_scalars_and_tuples_as_plain_yaml(tmp_dir: Path) -> None:
    live = Live(save_dvc_exp=False)
    events: list[LiveEvent] = []
    live.subscribe(events.append)

    live.log_params(
        {
            "epochs": np.int64(3),
            "shuffle": np.bool_(True),
            "scale": np.float32(0.5),
            "shape": (28, np.int32(28)),
            "nested": {"pair": ("a", ("b", 1))},
            "one": np.array([7]),
            "missing": float("nan"),
            "floor": float("-inf"),
        }
    )

    assert params_text() == (
        "epochs: 3\n"
        "shuffle: true\n"
        "scale: 0.5\n"
        "shape:\n"
        "- 28\n"
        "- 28\n"
        "nested:\n"
        "  pair:\n"
        "  - a\n"
        "  - - b\n"
        "    - 1\n"
        "one: 7\n"
        "missing: .nan\n"
        "floor: -.inf\n"
    )
    values = {event.name: event.value for event in events if event.kind == "param"}
    assert type(values["epochs"]) is int
    assert values["shape"] == [28, 28]


def test_log_numpy_float64_param_writes_a_plain_float(tmp_dir: Path) -> None:
    live = Live(save_dvc_exp=False)

    live.log_params({"lr": np.float64(0.5), "decay": np.float64("nan")})

    assert params_text() == "lr: 0.5\ndecay: .nan\n"


def test_log_numpy_str_param_writes_a_plain_string(tmp_dir: Path) -> None:
    live = Live(save_dvc_exp=False)

    live.log_param("optimizer", np.str_("adam"))

    assert params_text() == "optimizer: adam\n"


def test_log_int_enum_param_raises_invalid_parameter_type_error(tmp_dir: Path) -> None:
    live = Live(save_dvc_exp=False)

    with pytest.raises(InvalidParameterTypeError, match="mode"):
        live.log_param("mode", Mode.FAST)


def test_log_param_after_a_rejected_value_still_works(tmp_dir: Path) -> None:
    live = Live(save_dvc_exp=False)
    with pytest.raises(TypeError):
        live.log_param("mode", Mode.FAST)

    live.log_param("lr", 0.1)

    assert params_text() == "lr: 0.1\n"


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(object(), id="object"),
        pytest.param({1, 2}, id="set"),
        pytest.param(Path("data"), id="Path"),
        pytest.param(no_op, id="function"),
        pytest.param(b"bytes", id="bytes"),
        pytest.param(np.array([1, 2]), id="array"),
    ],
)
def test_log_param_yaml_cannot_hold_raises_naming_the_key_path(tmp_dir: Path, bad: Any) -> None:
    live = Live(save_dvc_exp=False)
    live.log_params({"lr": 0.1})
    before = params_bytes()

    with pytest.raises(InvalidParameterTypeError, match=r"model\.layers\[1\]") as caught:
        live.log_params({"model": {"layers": [64, bad]}})

    assert isinstance(caught.value, TypeError)
    assert caught.value.key == "model.layers[1]"
    assert params_bytes() == before


def test_log_params_with_only_the_last_key_bad_changes_nothing(tmp_dir: Path) -> None:
    live = Live(save_dvc_exp=False)
    live.log_params({"lr": 0.1})
    before = params_bytes()

    with pytest.raises(InvalidParameterTypeError, match="'bad'"):
        live.log_params({"a": 1, "b": {"c": 2}, "bad": object()})

    assert params_bytes() == before
    live.log_param("later", 3)
    assert params_text() == "lr: 0.1\nlater: 3\n"


def test_log_params_with_a_bad_first_call_writes_no_file(tmp_dir: Path) -> None:
    live = Live(save_dvc_exp=False)

    with pytest.raises(InvalidParameterTypeError):
        live.log_params({"ok": 1, "bad": {2}})
    live.end()

    dvc_yaml = Path("dvc.yaml")
    assert not PARAMS.exists()
    assert not dvc_yaml.exists() or "params" not in dvc_yaml.read_text()


@pytest.mark.parametrize(
    ("params", "key"),
    [
        pytest.param({1: "one"}, "1", id="int"),
        pytest.param({None: "none"}, "None", id="None"),
        pytest.param({("a", "b"): 1}, "a", id="tuple"),
        pytest.param({"model": {2: "two"}}, "model.2", id="nested-int"),
    ],
)
def test_log_params_with_non_str_keys_is_rejected(
    tmp_dir: Path, params: dict[Any, Any], key: str
) -> None:
    live = Live(save_dvc_exp=False)

    with pytest.raises(InvalidParameterTypeError, match=key) as caught:
        live.log_params(params)

    assert isinstance(caught.value, TypeError)
    assert not PARAMS.exists()


def test_log_param_after_resume_keeps_the_earlier_params(tmp_dir: Path) -> None:
    with Live(save_dvc_exp=False) as first:
        first.log_params({"lr": 0.1, "model": {"layers": [64, 32]}})

    resumed = Live(save_dvc_exp=False, resume=True)
    resumed.log_param("epochs", 5)

    assert params_text() == "lr: 0.1\nmodel:\n  layers:\n  - 64\n  - 32\nepochs: 5\n"


def test_new_run_without_resume_starts_params_afresh(tmp_dir: Path) -> None:
    with Live(save_dvc_exp=False) as first:
        first.log_params({"lr": 0.1})

    second = Live(save_dvc_exp=False)
    assert not PARAMS.exists()
    second.log_param("epochs", 5)

    assert params_text() == "epochs: 5\n"
