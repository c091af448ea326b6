"""Issue 11: time-zone names are looked up in the IANA database by name (never opened as a path), and
year arguments are checked before any work: a usage error (exit 2) or a named problem, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hkvatax.cli import main
from hkvatax.errors import ArgumentError, InputError
from hkvatax.io import resolve_timezone
from hkvatax.periods import parse_year_range

EXAMPLE = str(Path(__file__).resolve().parents[2] / "src" / "hkvatax" / "examples" / "individual_trader.json")


@pytest.mark.parametrize("name", ["/etc/passwd", "../../etc/localtime", "Asia/../../etc/passwd", "A" * 300,
                                  "posixrules", "/dev/zero", "Asia/Hong_Kong\x00", "\x1b[2J"])
def test_a_zone_that_is_not_an_iana_name_is_invalid_field(name: str) -> None:
    with pytest.raises(InputError) as caught:
        resolve_timezone(name)
    (problem,) = caught.value.problems
    assert (problem.code, problem.column) == ("invalid_field", "default_timezone")
    assert len(problem.message) < 200 and "\x1b" not in str(problem)


@pytest.mark.parametrize("value", [12, ["Asia/Hong_Kong"], {"a": 1}])
def test_a_zone_that_is_not_a_string_is_invalid_field(value: object) -> None:
    with pytest.raises(InputError):
        resolve_timezone(value)


def test_iana_names_and_offsets_are_read() -> None:
    assert resolve_timezone("Asia/Hong_Kong") is not None
    assert resolve_timezone("asia/hong_kong") is not None
    assert resolve_timezone("+08:00") is not None


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_any_zone_text_is_a_zone_or_invalid_field(name: str) -> None:
    try:
        resolve_timezone(name)
    except InputError as exc:
        assert [p.code for p in exc.problems] == ["invalid_field"]


def test_default_tz_path_on_the_command_line_is_a_named_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                                                 ) -> None:
    assert main(["assess", EXAMPLE, "--default-tz", "/etc/passwd", "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["problems"][0]["code"] == "invalid_field"


@pytest.mark.parametrize("year", ["2025/27", "x", "", "2025/26..", "..2025/26", "2025/26..2024/25"])
@pytest.mark.parametrize("command", ["assess", "compare"])
def test_bad_year_arguments_are_usage_errors(command: str, year: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([command, EXAMPLE, "--year", year]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "--year" in err


def test_a_reversed_range_is_a_named_error() -> None:
    with pytest.raises(ArgumentError) as caught:
        parse_year_range("2025/26..2023/24")
    assert caught.value.problems[0].code == "invalid_argument"
    assert "2023/24..2025/26" in (caught.value.problems[0].suggestion or "")


@settings(max_examples=200, deadline=None)
@given(st.integers(1900, 2199), st.integers(1900, 2199))
def test_a_range_is_its_years_or_a_named_error(a: int, b: int) -> None:
    text = f"{a}/{(a + 1) % 100:02d}..{b}/{(b + 1) % 100:02d}"
    if b < a:
        with pytest.raises(ArgumentError):
            parse_year_range(text)
    else:
        years = parse_year_range(text)
        assert [y.start_year for y in years] == list(range(a, b + 1))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30))
def test_any_year_text_is_years_or_an_argument_error(text: str) -> None:
    try:
        assert parse_year_range(text)
    except ArgumentError:
        pass
