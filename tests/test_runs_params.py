"""`-S` items read as `dvc exp run -S` reads them (Hydra's grammar), checked against Hydra.

The oracle is Hydra's own parser and sweeper, called as DVC calls them
(``dvc.utils.hydra.to_hydra_overrides``, ``get_hydra_sweeps``, ``apply_overrides``).
"""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import pytest

from live_nb.formats.yaml import dump_yaml, load_yaml
from live_nb.runs.params import ParamSyntaxError, format_value, grid, parse_override
from live_nb.runs.params_files import ParamError, apply_settings, read_params

hydra = pytest.importorskip("dvc.utils.hydra", reason="the oracle needs dvc with hydra")
pytestmark = pytest.mark.oracle

SIMPLE = [
    "a=1",
    "a=-2",
    "a=+1",
    "a=1_000",
    "a=1.0",
    "a=.5",
    "a=3.",
    "a=1e-3",
    "a=1E3",
    "a=inf",
    "a=-inf",
    "a=true",
    "a=TRUE",
    "a=False",
    "a=null",
    "a=yes",
    "a=0x10",
    "a=2021-01-01",
    "a=/x/y",
    "a=x:y",
    "a=hello world",
    "a= 1 ",
    "a=",
    "a='x,y'",
    'a="q"',
    "a=\\,",
    "a=[]",
    "a=[1,[2,3]]",
    "a=[a, b ,c]",
    "a={x:1,y:[2]}",
    "a=${b}",
    "a.b=1",
    "a-b=1",
    "a/b=1",
    "train.layers.0=5",
    "+a=1",
    "++a=1",
    "~a",
    "~a=1",
    "lr=0.1,0.01,0.001",
    "a=1,[2,3]",
    "a=null,1",
    "a=x y,z",
    "a=choice(1,2)",
    "a=choice(adam, sgd)",
    "a=range(5)",
    "a=range(1,4)",
    "a=range(3,0,-1)",
    "a=range(0,1,0.25)",
    "a=range(1.5,3)",
    "a=sort(3,1,2)",
]
MALFORMED = [
    "a",
    "+a",
    "a=1,",
    "a=choice()",
    "a=ab'c",
    "a=[1,2",
    "a={x}",
    "1a=2",
    "a=range(1,2,0)",
    "a=interval(0,1)",
    "a=glob(*)",
    "a=choice(1,2),3",
    "a=range(1,3),5",
    "a='open",
]


def _hydra_values(override: Any) -> tuple[list[Any], bool]:
    value = override.value()
    if not override.is_sweep_override():
        return [value], False
    path = {"p.yaml": [override.input_line]}
    points = hydra.get_hydra_sweeps(path)
    parsed = [hydra.to_hydra_overrides([point["p.yaml"][0]])[0].value() for point in points]
    return parsed, True


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("item", SIMPLE)
def test_an_item_reads_as_hydra_reads_it(item: str) -> None:
    expected = hydra.to_hydra_overrides([item])[0]
    ours = parse_override(item)
    values, sweep = _hydra_values(expected)
    op = {"CHANGE": "set", "ADD": "add", "FORCE_ADD": "force_add", "DEL": "remove"}
    assert ours.key == expected.key_or_group
    assert ours.op == op[expected.type.name]
    assert ours.sweep == sweep
    if expected.type.name == "DEL" and expected.value() is None:
        assert ours.values == ()
    else:
        assert len(ours.values) == len(values)
        assert all(_same(a, b) for a, b in zip(ours.values, values)), (ours.values, values)


def test_nan_reads_as_nan() -> None:
    assert math.isnan(parse_override("a=nan").values[0])


@pytest.mark.parametrize("item", MALFORMED)
def test_malformed_items_are_refused_as_dvc_refuses_them(item: str) -> None:
    with pytest.raises(Exception):  # noqa: B017 - Hydra's errors have many types
        overrides = hydra.to_hydra_overrides([item])
        if any(o.is_sweep_override() for o in overrides):
            hydra.get_hydra_sweeps({"p.yaml": [item]})
    with pytest.raises(ParamSyntaxError) as error:
        parse_override(item)
    message = str(error.value)
    assert repr(item) in message and "KEY=VALUE" in message


def test_an_empty_key_is_refused_where_hydra_would_let_dvc_fail_later() -> None:
    with pytest.raises(ParamSyntaxError, match="no key"):
        parse_override("=1")


def test_the_file_is_what_comes_before_a_colon_before_the_first_equals() -> None:
    assert parse_override("conf/train.yaml:lr=0.1").file == "conf/train.yaml"
    assert parse_override("other.json:+seed=1").op == "add"
    assert parse_override("a=x:y").file is None
    with pytest.raises(ParamSyntaxError):  # DVC too: the file is "~p.yaml", "a" has no value
        parse_override("~p.yaml:a")
    assert parse_override("p.yaml:~a").op == "remove"


def _dvc_grid(items: list[str]) -> list[dict[str, list[str]]]:
    from dvc.utils.cli_parse import to_path_overrides

    path_overrides = to_path_overrides(items)
    return list(hydra.get_hydra_sweeps(path_overrides))


@pytest.mark.parametrize(
    "items",
    [
        ["lr=0.1,0.01,0.001", "epochs=10,20"],
        ["epochs=range(1,4)", "lr=0.1,0.2", "other.yaml:+seed=1,2", "name=x"],
        ["a.yaml:x=1,2", "y=3,4", "a.yaml:z=5,6"],
        ["a=1"],
    ],
)
def test_several_items_make_dvcs_grid_in_dvcs_order(items: list[str]) -> None:
    ours = grid(items)
    dvc = _dvc_grid(items)
    assert len(ours) == len(dvc)
    for point, expected in zip(ours, dvc):
        by_file: dict[str, list[Any]] = {}
        for setting in point:
            by_file.setdefault(setting.file or "params.yaml", []).append(setting)
        assert list(by_file) == list(expected)
        for file, settings in by_file.items():
            parsed = hydra.to_hydra_overrides(expected[file])
            assert [s.key for s in settings] == [o.key_or_group for o in parsed]
            assert all(_same(s.value, o.value()) for s, o in zip(settings, parsed))


def test_no_items_make_one_run_without_changes() -> None:
    assert grid([]) == [()]


@pytest.mark.parametrize(
    "value",
    [0.1, 1, -3, 1e-8, True, None, "adam", "hello world", "x,y", "1", "true", "", " pad ", "a'b",
     [1, "two", [3.5]], {"a": 1, "b": [True]}, float("inf"), "${b}", "null"],
)  # fmt: skip
def test_a_value_written_back_reads_the_same(value: Any) -> None:
    text = f"k={format_value(value)}"
    assert parse_override(text).values == (value,)
    assert hydra.to_hydra_overrides([text])[0].value() == value


def _dvc_apply(path: Path, items: list[str]) -> Any:
    hydra.apply_overrides(path, items)
    return load_yaml(path.read_text())


APPLY_CASES: list[tuple[dict[str, Any], list[str]]] = [
    ({"lr": 0.1, "epochs": 3}, ["lr=0.5"]),
    ({"train": {"lr": 0.1, "layers": [1, 2]}}, ["train.lr=1", "train.layers.1=7"]),
    ({"a": 1}, ["+b.c=2"]),
    ({"a": 1, "b": {"c": 2}}, ["~b.c"]),
    ({"a": 1, "b": 2}, ["~a=1"]),
    ({"a": 1}, ["++a=3", "++z=[1,2]"]),
    ({"opt": {"name": "adam"}}, ["opt={name:sgd}"]),
]


@pytest.mark.parametrize(("data", "items"), APPLY_CASES)
def test_a_params_file_changes_as_dvc_changes_it(
    tmp_path: Path, data: dict[str, Any], items: list[str]
) -> None:
    expected_file = tmp_path / "dvc.yaml.params.yaml"
    expected_file.write_text(dump_yaml(data))
    expected = _dvc_apply(expected_file, items)
    ours = copy.deepcopy(data)
    apply_settings(ours, [s for item in items for s in parse_override(item).settings()], "p")
    assert ours == expected


@pytest.mark.parametrize(
    ("data", "item", "words"),
    [
        ({"lr": 0.1}, "lrr=0.5", ["no key 'lrr'", "lr", "+lrr=VALUE"]),
        ({"lr": 0.1}, "+lr=0.5", ["already has 'lr'"]),
        ({"lr": 0.1}, "~epochs", ["no key 'epochs'"]),
        ({"lr": 0.1}, "~lr=0.2", ["not 0.2", "nothing removed"]),
    ],
)
def test_what_dvc_refuses_is_refused_naming_the_keys(
    tmp_path: Path, data: dict[str, Any], item: str, words: list[str]
) -> None:
    file = tmp_path / "params.yaml"
    file.write_text(dump_yaml(data))
    from dvc.exceptions import InvalidArgumentError

    with pytest.raises(InvalidArgumentError):
        hydra.apply_overrides(file, [item])
    with pytest.raises(ParamError) as error:
        apply_settings(read_params(file, "params.yaml"), parse_override(item).settings(), "x")
    for word in words:
        assert word in str(error.value)
