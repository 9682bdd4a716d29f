"""``load_simple`` (params files read without PyYAML) agrees with ``load_yaml`` on every text.

On a text of the simple shape it returns what PyYAML with YAML 1.2's types returns; on any
other text it returns None, so the caller asks PyYAML. Checked on generated documents made of
scalars of every implicit type and of characters that leave the simple shape.
"""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from live_nb.experiments.values import parse_file
from live_nb.formats.yaml import load_yaml
from live_nb.formats.yaml_types import load_simple

SCALARS = [
    "1", "-2", "+3", "0x1F", "0o17", "0b101", "1_000", "0123", "1.5", "-0.25", ".5", "2.",
    "1e3", "1e-3", "1.5E+3", ".inf", "-.inf", ".nan", ".NaN", "true", "False", "TRUE", "yes",
    "no", "on", "null", "Null", "~", "resnet", "3.10.1", "a/b-c", "x+y", "_", "-x", ".x",
    "2024-01-02", "0x", "0b2", "1__2", "1_", "inf", "nan", "=", "<<", "a.b", "-", "0o8",
]  # fmt: skip
KEYS = ["lr", "model", "a.b", "x-y", "_k", "1", "true", "null", "1.5", "depth", "k2"]


def same(left: object, right: object) -> bool:
    """Equal as JSON, NaN included, and with the same types (1 is not 1.0, nor True)."""
    return json.dumps(left, sort_keys=True) == json.dumps(right, sort_keys=True)


CLEAN_SCALARS = [text for text in SCALARS if load_simple(f"v: {text}\n") is not None]
CLEAN_KEYS = ["lr", "model", "a.b", "x-y", "_k", "depth", "k2", "a/b"]


@st.composite
def documents(draw: st.DrawFn) -> str:
    """Documents of the simple shape (half of them all clean), with noise now and then."""
    clean = draw(st.booleans())
    keys, scalars = (CLEAN_KEYS, CLEAN_SCALARS) if clean else (KEYS, SCALARS)
    lines = []
    depth = 0
    for _ in range(draw(st.integers(1, 10))):
        depth = draw(st.integers(0, depth))
        key = draw(st.sampled_from(keys))
        indent = " " * (2 * depth)
        dash = draw(st.sampled_from(["", "", "- "]))  # a list item, now and then
        shape = draw(st.sampled_from(["key", "pair", "item"]))
        if shape == "key":
            lines.append(f"{indent}{dash}{key}:")
            depth += 1 + (dash != "")
        elif shape == "pair":
            lines.append(f"{indent}{dash}{key}: {draw(st.sampled_from(scalars))}")
            depth += dash != ""
        else:
            lines.append(f"{indent}- {draw(st.sampled_from(scalars))}")
    if not clean and draw(st.booleans()):  # now and then something outside the shape
        noise = draw(st.sampled_from(["# c", "- 1", "  x: 1", "a: 'q'", "a:  1", "a: 1 ", "\t"]))
        lines.insert(draw(st.integers(0, len(lines))), noise)
    return "\n".join(lines) + draw(st.sampled_from(["", "\n", "\n\n"]))


@settings(max_examples=2000, deadline=None)
@given(documents())
def test_simple_reading_is_pyyaml_reading_or_none(text: str) -> None:
    simple = load_simple(text)
    if simple is None:
        return
    assert same(simple, load_yaml(text)), text


@pytest.mark.parametrize("scalar", SCALARS)
def test_each_scalar_as_pyyaml_reads_it(scalar: str) -> None:
    text = f"value: {scalar}\n"
    simple = load_simple(text)
    try:
        expected = load_yaml(text)
    except Exception:
        assert simple is None  # PyYAML's error is PyYAML's to give
        return
    if simple is not None:
        assert same(simple, expected)
        assert type(simple["value"]) is type(expected["value"])


def test_dvclive_dvc_yaml_is_simple() -> None:
    text = (
        "params:\n- dvclive/params.yaml\nmetrics:\n- dvclive/metrics.json\nplots:\n"
        "- dvclive/plots/metrics:\n    x: step\n- dvclive/plots/sklearn/cm.json:\n"
        "    template: confusion\n    x: actual\n    y: predicted\nartifacts:\n  model:\n"
        "    path: model.pt\n    type: model\n"
    )
    assert load_simple(text) is not None
    assert same(load_simple(text), load_yaml(text))


def test_dvclive_params_file_is_simple() -> None:
    text = "lr: 0.001\nepochs: 10\nmodel:\n  depth: 3\n  name: resnet\n  dropout: 0.2\nseed: 7\n"
    assert load_simple(text) == load_yaml(text)
    assert load_simple(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n",
        "a: 1\na: 2\n",
        "- 1\n",
        "a: [1]\n",
        "a:\n  b: 1\n- 2\n",
        "a\n",
        "-\n",
        "a: 1 # c\n",
        "a:\r\n  b: 1\r\n",
        "  a: 1\n",
    ],
)
def test_other_shapes_are_left_to_pyyaml(text: str) -> None:
    assert load_simple(text) is None


def test_parse_file_gives_the_same_with_or_without_pyyaml() -> None:
    text = "a:\n  b: .nan\n  c: 0x10\nd: x\n"
    parsed = parse_file("params.yaml", text.encode())
    assert math.isnan(parsed["a"]["b"])
    assert same(parsed, load_yaml(text))
