"""``live_nb.formats.yaml``: byte-identical to ruamel.yaml's output, YAML 1.2 typing on load."""

from __future__ import annotations

import datetime
import enum
import io
import math
import re
from collections import OrderedDict
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from live_nb.formats.yaml import dump_yaml, load_yaml

SHARED = [1, 2]
SHARED_DICT = {"k": 1}
RECURSIVE: list[object] = []
RECURSIVE.append(RECURSIVE)
LONG_KEY = " ".join(["key"] * 25)

# (id, data, exactly what ruamel.yaml 0.19 writes)
EXAMPLES: list[tuple[str, object, str]] = [
    ("none-in-mapping-and-list", {"a": None, "l": [None, 1]}, "a:\nl:\n- \n- 1\n"),
    ("insertion-order", {"b": 1, "a": 2, "c": 3}, "b: 1\na: 2\nc: 3\n"),
    ("tuple-is-a-list", {"t": (1, 2), "e": ()}, "t:\n- 1\n- 2\ne: []\n"),
    ("empty-containers", {"a": {}, "b": [], "c": [[], {}]}, "a: {}\nb: []\nc:\n- []\n- {}\n"),
    ("empty-root-dict", {}, "{}\n"),
    ("empty-root-list", [], "[]\n"),
    ("list-of-lists-and-dicts", {"t": [[1, 2], {"a": 1}]}, "t:\n- - 1\n  - 2\n- a: 1\n"),
    (
        "nested",
        {"model": {"layers": [64, {"units": 3, "act": "relu"}], "dropout": None}, "lr": 0.001},
        "model:\n  layers:\n  - 64\n  - units: 3\n    act: relu\n  dropout:\nlr: 0.001\n",
    ),
    (
        "list-of-dicts",
        [{"a": 1, "b": [2, 3]}, {"c": {}}],
        "- a: 1\n  b:\n  - 2\n  - 3\n- c: {}\n",
    ),
    ("bools", {"t": True, "f": False}, "t: true\nf: false\n"),
    ("ints", {"z": 0, "n": -5, "big": 10**40}, f"z: 0\nn: -5\nbig: {10**40}\n"),
    (
        "floats",
        {"a": 0.1, "c": 1e-05, "u": 1e20, "o": 1.0, "z": -0.0, "s": 1e16, "t": 5e-324},
        "a: 0.1\nc: 1e-05\nu: 1e+20\no: 1.0\nz: -0.0\ns: 1e+16\nt: 5e-324\n",
    ),
    (
        "float-specials",
        {"m": math.nan, "n": math.inf, "o": -math.inf},
        "m: .nan\nn: .inf\no: -.inf\n",
    ),
    (
        "yaml-1.1-only-scalars-stay-plain",
        {"e": "yes", "f": "no", "g": "on", "h": "off", "i": "y", "j": "1:20"},
        "e: yes\nf: no\ng: on\nh: off\ni: y\nj: 1:20\n",
    ),
    (
        "yaml-1.2-scalars-are-quoted",
        {
            "a": "null",
            "b": "~",
            "c": "true",
            "d": "False",
            "e": "1.0",
            "f": "1e-05",
            "g": ".inf",
            "h": ".nan",
            "i": "0x1F",
            "j": "0o17",
            "k": "017",
            "l": "1_000",
            "m": "2001-12-14",
            "n": "<<",
            "o": "=",
            "p": "",
            "q": "-1",
            "r": ".5",
        },
        "a: 'null'\nb: '~'\nc: 'true'\nd: 'False'\ne: '1.0'\nf: '1e-05'\ng: '.inf'\n"
        "h: '.nan'\ni: '0x1F'\nj: '0o17'\nk: '017'\nl: '1_000'\nm: '2001-12-14'\nn: '<<'\n"
        "o: '='\np: ''\nq: '-1'\nr: '.5'\n",
    ),
    (
        "indicators",
        {
            "a": "a: b",
            "b": "a #b",
            "c": "a#b",
            "d": "#x",
            "e": "- x",
            "f": "-x",
            "g": "?",
            "h": ":",
            "i": "---",
            "j": "...",
            "k": "@x",
            "l": "*x",
            "m": "!x",
            "n": "x:",
        },
        "a: 'a: b'\nb: 'a #b'\nc: a#b\nd: '#x'\ne: '- x'\nf: -x\ng: '?'\nh: ':'\ni: '---'\n"
        "j: '...'\nk: '@x'\nl: '*x'\nm: '!x'\nn: 'x:'\n",
    ),
    (
        "quotes",
        {"a": "it's", "b": "'q'", "c": '"q"', "d": 'say "hi" it\'s'},
        "a: it's\nb: \"'q'\"\nc: '\"q\"'\nd: say \"hi\" it's\n",
    ),
    (
        "whitespace",
        {"a": " lead", "b": "trail ", "c": " ", "d": "x\ny", "e": "a\tb", "f": "x\n"},
        "a: ' lead'\nb: 'trail '\nc: ' '\nd: \"x\\ny\"\ne: \"a\\tb\"\nf: \"x\\n\"\n",
    ),
    (
        "control-characters",
        {"a": "\x00\x01\x1b\x7f", "b": "\ufeff", "c": "\x85", "d": "a\x85b"},
        "a: \"\\0\\x01\\e\\x7F\"\nb: \"\\uFEFF\"\nc: '\x85  '\nd: 'a\x85  b'\n",
    ),
    (
        "unicode",
        {"é": "日本語", "emoji": "🎉 party", "nbsp": "\xa0x", "ß": "Straße"},
        "é: 日本語\nemoji: 🎉 party\nnbsp: \xa0x\nß: Straße\n",
    ),
    (
        "long-plain-folds-at-80",
        {"note": " ".join(["word"] * 25)},
        "note: word word word word word word word word word word word word word word word\n"
        "  word word word word word word word word word word\n",
    ),
    (
        "long-word-moves-to-next-line",
        {"a": "x" * 90},
        "a: \n  " + "x" * 90 + "\n",
    ),
    (
        "long-plain-in-list",
        [" ".join(["item"] * 20)],
        "- item item item item item item item item item item item item item item item \n"
        "  item item item item item\n",
    ),
    (
        "long-single-quoted",
        {"q": " ".join(["yes"] * 30) + ":"},
        "q: 'yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes\n"
        "  yes yes yes yes yes yes yes yes yes yes:'\n",
    ),
    (
        "long-double-quoted",
        {"d": "line one\n" + " ".join(["word"] * 22)},
        'd: "line one\\nword word word word word word word word word word word word word word\n'
        '  word word word word word word word word"\n',
    ),
    ("special-keys", {"": 1, "null": 2, "a: b": 3}, "'': 1\n'null': 2\n'a: b': 3\n"),
    ("multiline-key", {"a\nb": [1]}, '? "a\\nb"\n: - 1\n'),
    ("key-of-122-chars", {"k" * 122: 1}, "k" * 122 + ": \n  1\n"),
    ("key-of-123-chars", {"k" * 123: 1}, "? " + "k" * 123 + "\n: 1\n"),
    ("shared-list-is-anchored", {"a": SHARED, "b": SHARED}, "a: &id001\n- 1\n- 2\nb: *id001\n"),
    (
        "shared-dict-is-anchored",
        {"a": SHARED_DICT, "b": [SHARED_DICT, SHARED_DICT]},
        "a: &id001\n  k: 1\nb:\n- *id001\n- *id001\n",
    ),
    ("recursive-list", RECURSIVE, "&id001\n- *id001\n"),
    ("root-str", "x", "x\n...\n"),
    ("root-none", None, "null\n...\n"),
    ("root-empty-str", "", "''\n"),
    ("root-float", 1.5, "1.5\n...\n"),
]

# ruamel breaks this key over two lines, which no YAML parser (ruamel included) can read.
DEVIATIONS: list[tuple[str, object, str]] = [
    ("long-plain-key-stays-on-one-line", {LONG_KEY: 1}, LONG_KEY + ": \n  1\n"),
]


@pytest.mark.parametrize(
    ("data", "expected"),
    [pytest.param(data, text, id=name) for name, data, text in EXAMPLES + DEVIATIONS],
)
def test_dump_yaml_examples(data: object, expected: str) -> None:
    assert dump_yaml(data) == expected


@pytest.mark.parametrize(
    ("data", "expected"), [pytest.param(data, text, id=name) for name, data, text in EXAMPLES]
)
def test_examples_are_what_ruamel_writes(data: object, expected: str) -> None:
    assert ruamel_dump(data) == expected


def test_ruamel_writes_long_plain_keys_that_it_cannot_read() -> None:
    ruamel_yaml = pytest.importorskip("ruamel.yaml")
    written = ruamel_dump({LONG_KEY: 1})
    assert written != dump_yaml({LONG_KEY: 1})
    with pytest.raises(ruamel_yaml.YAMLError):
        ruamel_yaml.YAML(typ="safe").load(written)
    assert load_yaml(dump_yaml({LONG_KEY: 1})) == {LONG_KEY: 1}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: yes\nb: on\nc: no\nd: off", {"a": "yes", "b": "on", "c": "no", "d": "off"}),
        ("a: 1e-05\nb: 1e+20\nc: 1.0", {"a": 1e-05, "b": 1e20, "c": 1.0}),
        ("a: .5\nb: -0.0\nc: 5.", {"a": 0.5, "b": 0.0, "c": 5.0}),
        ("a: .inf\nb: -.inf\nc: .Inf", {"a": math.inf, "b": -math.inf, "c": math.inf}),
        ("a: 0x1F\nb: 0o17\nc: 017\nd: 0b101", {"a": 31, "b": 15, "c": 17, "d": 5}),
        ("a: 1_000\nb: -5\nc: +3", {"a": 1000, "b": -5, "c": 3}),
        ("a: true\nb: False\nc: TRUE", {"a": True, "b": False, "c": True}),
        ("a:\nb: ~\nc: null\nd: NULL", {"a": None, "b": None, "c": None, "d": None}),
        ("a: ''\nb: 1:20\nc: '1.0'", {"a": "", "b": "1:20", "c": "1.0"}),
        ("d: 2001-12-14", {"d": datetime.date(2001, 12, 14)}),
        ("- - 1\n  - 2\n- a: 1\n", [[1, 2], {"a": 1}]),
        ("x\n...\n", "x"),
        ("", None),
    ],
)
def test_load_yaml_uses_yaml_1_2_types(text: str, expected: object) -> None:
    assert load_yaml(text) == expected


def test_load_yaml_reads_nan() -> None:
    loaded = load_yaml("m: .nan\nn: .NaN")
    assert isinstance(loaded, dict)
    assert all(isinstance(v, float) and math.isnan(v) for v in loaded.values())


@pytest.mark.parametrize("text", ["a: [", "a: b: c", "- a\nb: 1", "a: =", "a: -_", "\t- x"])
def test_load_yaml_raises_yaml_error(text: str) -> None:
    with pytest.raises(yaml.YAMLError):
        load_yaml(text)


class Mode(enum.IntEnum):
    FAST = 1


class Text(str):
    pass


class Number(float):
    pass


@pytest.mark.parametrize(
    ("data", "path"),
    [
        ({"model": {"layers": [1, 2, {3}]}}, "'model.layers[2]'"),
        ({"lr": np.float64(0.1)}, "'lr'"),
        ({"epochs": np.int64(3)}, "'epochs'"),
        ({"flag": np.bool_(True)}, "'flag'"),
        ({"a": [(1, object())]}, "'a[0][1]'"),
        ([{"x": b"bytes"}], "'[0].x'"),
        ({"c": 1 + 2j}, "'c'"),
        ({"d": OrderedDict(a=1)}, "'d'"),
        ({"e": Mode.FAST}, "'e'"),
        ({"s": Text("x")}, "'s'"),
        ({"f": Number(1.0)}, "'f'"),
        ({"outer": {"inner": {1: "int key"}}}, "'outer.inner'"),
        ({(1, 2): 3}, "at the top level"),
    ],
)
def test_dump_yaml_names_the_path_of_a_bad_value(data: object, path: str) -> None:
    with pytest.raises(TypeError, match=re.escape(path)):
        dump_yaml(data)


def test_dump_yaml_rejects_a_bad_root_value() -> None:
    with pytest.raises(TypeError, match="set"):
        dump_yaml({1})


def ruamel_dump(data: object) -> str:
    ruamel_yaml = pytest.importorskip("ruamel.yaml")
    dumper = ruamel_yaml.YAML()
    dumper.default_flow_style = False
    stream = io.StringIO()
    dumper.dump(data, stream)
    return stream.getvalue()


TRICKY = [
    "yes", "no", "on", "off", "y", "n", "null", "Null", "~", "true", "False", "1", "-1", "+1",
    "1.0", "1e-05", "1e+20", "1E5", ".5", "5.", ".inf", "-.inf", ".nan", "0x1F", "0o17", "017",
    "0b1", "1_000", "2024-01-31", "2001-12-14 21:59:43.10 -5", "<<", "=", "---", "...", "-",
    "?", ":", "#", "'", '"', "@x", "%x", "!x", "&x", "*x", "|", ">", "a: b", "a #b", "- a",
    "", " ",
]  # fmt: skip
TRICKY_WORDS = [word for word in TRICKY if word and " " not in word]
YAML_CHARS = (
    " \n\t:#-?'\"\\,[]{}&*!|>%@`.~+_eE0123456789xo\x00\x1b\r\x85\u2028\u2029\ufeff\xa0é日🎉"
)

any_text = st.one_of(
    st.sampled_from(TRICKY),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=30),
    st.text(st.sampled_from(YAML_CHARS), max_size=160),
    st.lists(st.sampled_from(TRICKY) | st.text(max_size=10), max_size=30).map(" ".join),
)

# Text that ruamel itself writes without loss: it folds NEL and some runs of spaces, and can
# drop the backslash after an escape where it breaks a long double-quoted line.
lossless_char = st.characters(
    exclude_categories=["Cc", "Cs", "Cn", "Zl", "Zp", "Zs"], exclude_characters="\ufeff\\"
) | st.sampled_from(list("\n:#-?'\",[]{}&*!|>%@`.~+_eE0123456789é日🎉"))
lossless_text = st.one_of(
    st.sampled_from(TRICKY),
    st.lists(
        st.sampled_from(TRICKY_WORDS) | st.text(lossless_char, min_size=1, max_size=12),
        max_size=30,
    ).map(" ".join),
)

numbers = st.one_of(
    st.integers(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(),
    st.sampled_from([1e-05, 1e20, 1e16, 1.0, -0.0, 5e-324, 1.7976931348623157e308, 0.1]),
)


def json_like(text: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    scalars = st.none() | st.booleans() | numbers | text
    return st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=4)
            | st.lists(children, max_size=3).map(tuple)
            | st.dictionaries(text, children, max_size=4)
        ),
        max_leaves=20,
    )


def comparable(value: object) -> object:
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    if isinstance(value, (list, tuple)):
        return [comparable(item) for item in value]
    if isinstance(value, dict):
        return {key: comparable(item) for key, item in value.items()}
    return value


FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(json_like(any_text))
def test_dump_yaml_matches_ruamel(data: Any) -> None:
    ruamel_yaml = pytest.importorskip("ruamel.yaml")
    expected = ruamel_dump(data)
    written = dump_yaml(data)
    if written != expected:
        with pytest.raises(ruamel_yaml.YAMLError):
            ruamel_yaml.YAML(typ="safe").load(expected)
        load_yaml(written)


@FAST
@given(json_like(lossless_text))
def test_load_yaml_reads_back_what_dump_yaml_writes(data: Any) -> None:
    assert comparable(load_yaml(dump_yaml(data))) == comparable(data)
