"""hkvatax.errors: registered codes, Problem, InputError, and docs/errors.md kept in step."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hkvatax.errors import (
    ERROR_CODES,
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
