"""Issue 11: one bounded reader of JSON and TOML (hkvatax.documents, decision 0152) for scenarios, profiles
and user parameter files: size, depth, dotted keys, integer length and duplicate keys, each a named problem
in linear time — never a RecursionError, a MemoryError or a silent choice."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hkvatax.documents import MAX_DEPTH, MAX_INT_DIGITS, MAX_KEY_SEGMENTS, DocumentError, read_json, read_toml
from hkvatax.errors import InputError, ParamsFileError
from hkvatax.io import load_params, load_profile, load_scenario

from .harness import hostile_settings

PROFILE_JSON = '{"taxpayer": {"kind": "individual", "name": "A"}}'


def codes(work: object) -> list[str]:
    with pytest.raises(InputError) as exc:
        work()  # type: ignore[operator]
    return [p.code for p in exc.value.problems]


@pytest.mark.parametrize(("text", "code"), [
    ('{"events": [{"quantity": "1", "quantity": "0.0001"}]}', "duplicate_key"),  # the last won silently
    ("[" * 50_000 + "]" * 50_000, "too_deep"),
    ('{"n": ' + "9" * 5_000 + "}", "number_too_long"),
    ('{"n": NaN}', "bad_file"),
])
def test_a_hostile_json_scenario_is_a_named_problem(text: str, code: str) -> None:
    assert codes(lambda: load_scenario("s.json", content=text.encode())) == [code]
    assert codes(lambda: load_profile("p.json", content=text.encode())) == [code]


@pytest.mark.parametrize(("text", "code"), [
    ("a = " + "[" * 5_000 + "]" * 5_000 + "\n", "too_deep"),
    ("a = " + "9" * 5_000 + "\n", "number_too_long"),
    ("a" + ".a" * 100_000 + " = 1\n", "too_deep"),  # 195 KiB: took tomllib 3 GB
    ("[" + ".".join(["t"] * (MAX_KEY_SEGMENTS + 1)) + "]\nx = 1\n", "too_deep"),
])
def test_a_hostile_toml_profile_is_a_named_problem_in_linear_time(text: str, code: str) -> None:
    started = time.process_time()
    assert codes(lambda: load_profile("p.toml", content=text.encode())) == [code]
    assert time.process_time() - started < 2


def test_a_repeated_toml_key_is_refused() -> None:
    assert codes(lambda: load_profile("p.toml", content=b"a = 1\na = 2\n")) == ["bad_file"]


def test_a_params_file_is_read_by_the_bounded_reader(tmp_path: Path) -> None:
    for text, word in [("a = " + "[" * 5_000 + "]" * 5_000 + "\n", "too_deep"),
                       ("a = " + "9" * 5_000 + "\n", "number_too_long"),
                       ("a" + ".a" * 100_000 + " = 1\n", "too_deep")]:
        path = tmp_path / "p.toml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(ParamsFileError) as exc:
            load_params(path)
        assert word in str(exc.value) and exc.value.to_dict()["problems"][0]["code"] == "bad_params_file"


def test_values_within_the_limits_are_read() -> None:
    assert read_json('{"a": [' * 10 + "1" + "]}" * 10)["a"][0]["a"][0]["a"]
    assert read_toml("a." * (MAX_KEY_SEGMENTS - 1) + "b = " + "9" * MAX_INT_DIGITS + "\n")
    assert read_json('{"s": "[[[[[[[[[[" }') == {"s": "[[[[[[[[[["}  # brackets in a string are text
    assert load_profile("p.json", content=PROFILE_JSON.encode())["taxpayer"]["name"] == "A"


@given(st.integers(1, MAX_DEPTH + 3), st.sampled_from(["[]", "{}"]), st.booleans())
@hostile_settings("document-depth", 100)
def test_nesting_is_read_up_to_the_limit_and_refused_beyond(depth: int, pair: str, toml: bool) -> None:
    """Property (the class): a document nested ``depth`` deep is read iff depth <= MAX_DEPTH, in JSON and TOML."""
    if pair == "{}":
        inner = '{"a": ' * depth + "1" + "}" * depth if not toml else "{a = " * depth + "1" + "}" * depth
    else:
        inner = "[" * depth + "1" + "]" * depth
    text = ('{"x": ' + inner + "}" if not toml else "x = " + inner + "\n")
    outer = 1 if not toml else 0  # the JSON document's own object is one level
    try:
        (read_toml if toml else read_json)(text)
        assert depth + outer <= MAX_DEPTH
    except DocumentError as exc:
        assert exc.code == "too_deep" and depth + outer > MAX_DEPTH


@given(st.integers(1, MAX_INT_DIGITS + 5), st.booleans())
@hostile_settings("document-integers", 60)
def test_integers_are_read_up_to_the_limit_and_refused_beyond(digits: int, toml: bool) -> None:
    text = ("n = " if toml else '{"n": ') + "7" * digits + ("\n" if toml else "}")
    try:
        assert (read_toml if toml else read_json)(text)["n"] == int("7" * digits)
        assert digits <= MAX_INT_DIGITS
    except DocumentError as exc:
        assert exc.code == "number_too_long" and digits > MAX_INT_DIGITS


def test_a_customers_json_cell_is_read_within_the_document_limits() -> None:
    from hkvatax.batch.runner import _nest

    assert _nest({"taxpayer.methods": '[{"method": "fifo", "from_year": "2020/21"}]'})["taxpayer"]["methods"] == \
        [{"method": "fifo", "from_year": "2020/21"}]
    for cell, code in [("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), "too_deep"),
                       ('{"a": 1, "a": 2}', "duplicate_key"), ("[" + "9" * (MAX_INT_DIGITS + 1) + "]", "number_too_long")]:
        with pytest.raises(DocumentError) as caught:
            _nest({"taxpayer.methods": cell})
        assert caught.value.code == code
    with pytest.raises(ValueError, match="fraction"):
        _nest({"taxpayer.methods": '[{"share": 0.5}]'})


def test_an_explanation_document_is_read_within_the_document_limits() -> None:
    from hkvatax.errors import ArgumentError
    from hkvatax.explain import Explanation

    for text in ['{"schema": "x", "schema": "hkvatax.explanation/1"}', "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)]:
        with pytest.raises(ArgumentError):
            Explanation.from_json(text)
