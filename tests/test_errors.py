"""hkvatax.errors: registered codes, Problem, InputError, and docs/errors.md kept in step."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from hkvatax.errors import (
    ERROR_CODES,
    ArgumentError,
    DataTableGapError,
    InputError,
    InvariantError,
    LedgerError,
    MethodError,
    OversellError,
    Problem,
    SourceRef,
)

DOCS = Path(__file__).resolve().parents[1] / "docs" / "errors.md"


def test_problem_requires_a_registered_code() -> None:
    with pytest.raises(ValueError, match="unregistered"):
        Problem("no_such_code", "x")


def test_problem_text_names_where_and_field() -> None:
    p = Problem("oversell", "too much", SourceRef(file="ledger.csv", row=7), "quantity", "add a purchase")
    assert str(p) == "[oversell] ledger.csv, row 7, field 'quantity': too much (suggestion: add a purchase)"
    assert p.to_dict() == {"code": "oversell", "message": "too much", "file": "ledger.csv", "row": 7, "path": None,
                           "column": "quantity", "suggestion": "add a purchase"}
    assert str(SourceRef()) == "(input)"
    assert str(SourceRef(path="events[2].cost")) == "events[2].cost"


def test_input_error_carries_every_problem() -> None:
    problems = [Problem("not_a_number", f"bad {i}", SourceRef(file="f.csv", row=i + 2), "amount") for i in range(205)]
    err = InputError(problems)
    assert len(err.problems) == 205
    assert err.codes == ["not_a_number"] * 205
    text = str(err)
    assert text.startswith("205 problems in the input:")
    assert "row 2" in text and "and 5 more" in text
    assert str(InputError([problems[0]])).startswith("1 problem in the input:")


def test_exception_codes() -> None:
    p = Problem("oversell", "x")
    assert LedgerError(p).code == "oversell" and isinstance(OversellError(p), LedgerError)
    assert MethodError.code == "lifo_refused"
    assert DataTableGapError.code == "year_gap"
    assert InvariantError.code == "invariant"


def test_docs_list_exactly_the_registered_codes() -> None:
    documented = re.findall(r"^\| `([a-z_]+)` \|", DOCS.read_text(encoding="utf-8"), flags=re.MULTILINE)
    assert sorted(documented) == sorted(ERROR_CODES)


# ------------------------------------------------------------------ bad arguments: one hierarchy, never KeyError
def _argument(exc: pytest.ExceptionInfo[BaseException], argument: str) -> Problem:
    from hkvatax import ArgumentError, HkvataxError

    assert isinstance(exc.value, ArgumentError) and isinstance(exc.value, HkvataxError)
    assert not isinstance(exc.value, KeyError)
    (problem,) = exc.value.problems
    assert problem.code == "invalid_argument" and problem.column == argument and problem.suggestion
    assert exc.value.to_dict()["problems"][0]["code"] == "invalid_argument"
    return problem


def test_a_year_not_assessed_is_an_argument_error_listing_the_assessed_years() -> None:
    from hkvatax import assess, compare
    from hkvatax.examples import example_path
    from hkvatax.io import load_scenario

    scenario = load_scenario(example_path("individual_trader"))
    outcome = assess(scenario)
    assessed = list(outcome.years)
    for call in (lambda: outcome["2031/32"], lambda: outcome.explain("2031/32"),
                 lambda: outcome.write_json(io.StringIO(), year="2031/32")):
        with pytest.raises(ArgumentError) as exc:
            call()
        problem = _argument(exc, "year")
        assert "2031/32" in problem.message and all(y in (problem.suggestion or "") for y in assessed)
    comparison = compare(scenario)
    for call in (lambda: comparison.figures("2031/32"), lambda: comparison.conditions("2031/32")):
        with pytest.raises(ArgumentError) as exc:
            call()
        _argument(exc, "year")
    assert outcome[assessed[0]].year.label == assessed[0]  # an assessed year still answers


def test_an_unknown_import_format_is_an_argument_error_listing_the_formats(tmp_path: Path) -> None:
    from hkvatax.io.importers import IMPORTERS, import_events, import_file

    path = tmp_path / "export.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    for call in (lambda: import_file("mtgox", path), lambda: import_events("mtgox", path)):
        with pytest.raises(ArgumentError) as exc:
            call()
        problem = _argument(exc, "format")
        assert all(name in (problem.suggestion or "") for name in IMPORTERS)


@pytest.mark.parametrize(("options", "argument"), [
    ({"regimes": ("foo",)}, "regimes"), ({"regimes": ()}, "regimes"), ({"regimes": "baseline"}, "regimes"),
    ({"explain": "full"}, "explain"), ({"summary_format": "xlsx"}, "summary_format"), ({"buckets": 0}, "buckets"),
    ({"buckets": "2"}, "buckets"), ({"id_column": ""}, "id_column"), ({"years": "25/26"}, "year"),
    ({"extension_first_year": "foo"}, "year"),
])
def test_bad_batch_options_are_argument_errors(options: dict[str, object], argument: str) -> None:
    pytest.importorskip("pyarrow")
    from hkvatax.batch.core import BatchOptions

    with pytest.raises(ArgumentError) as exc:
        BatchOptions(**options)  # type: ignore[arg-type]
    _argument(exc, argument)


@pytest.mark.parametrize(("settings", "argument"), [
    ({"workers": -1}, "workers"), ({"workers": "2"}, "workers"), ({"workers": True}, "workers"),
    ({"max_body_bytes": 0}, "max_body_bytes"), ({"timeout_seconds": 0}, "timeout_seconds"),
    ({"timeout_seconds": float("nan")}, "timeout_seconds"), ({"timeout_seconds": "60"}, "timeout_seconds"),
])
def test_bad_server_settings_are_argument_errors(settings: dict[str, object], argument: str) -> None:
    pytest.importorskip("fastapi")
    from hkvatax.server import ServerSettings

    with pytest.raises(ArgumentError) as exc:
        ServerSettings(**settings)  # type: ignore[arg-type]
    _argument(exc, argument)


def test_a_server_setting_from_the_environment_that_is_not_a_number_names_the_variable(
        monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("fastapi")
    from hkvatax.server import ServerSettings

    monkeypatch.setenv("HKVATAX_WORKERS", "many")
    with pytest.raises(ArgumentError) as exc:
        ServerSettings.from_env()
    _argument(exc, "HKVATAX_WORKERS")
    monkeypatch.setenv("HKVATAX_WORKERS", "3")
    assert ServerSettings.from_env(timeout_seconds=5).workers == 3


def test_an_unknown_figure_and_a_foreign_explanation_document_are_argument_errors() -> None:
    from hkvatax import assess
    from hkvatax.examples import example_path
    from hkvatax.explain import Explanation
    from hkvatax.io import load_scenario

    branch = assess(load_scenario(example_path("corporation")), "2025/26")["2025/26"].result
    assert branch is not None
    with pytest.raises(ArgumentError) as exc:
        branch["tax_payble"]
    assert "tax_payable" in (_argument(exc, "figure").suggestion or "")
    for text in ("{", '{"schema": "other/1"}', '{"schema": "hkvatax.explanation/1"}', "[1]"):
        with pytest.raises(ArgumentError) as exc:
            Explanation.from_json(text)
        _argument(exc, "text")
