"""Turning pydantic validation errors into hkvatax problems (code, file, row, field)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from ..errors import ERROR_CODES, Problem, SourceRef

__all__ = ["problems_from_validation", "code_for", "suggestion_for"]

_PYDANTIC_TO_CODE = {
    "missing": "missing_field",
    "extra_forbidden": "unknown_field",
    "decimal_parsing": "not_a_number",
    "decimal_type": "not_a_number",
    "finite_number": "not_a_number",
    "datetime_parsing": "bad_timestamp",
    "datetime_from_date_parsing": "bad_timestamp",
    "datetime_type": "bad_timestamp",
    "datetime_object_invalid": "bad_timestamp",
    "timezone_aware": "naive_timestamp",
    "date_parsing": "bad_timestamp",
    "date_from_datetime_parsing": "bad_timestamp",
    "union_tag_invalid": "unknown_kind",
    "union_tag_not_found": "missing_field",
}

_SUGGESTIONS = {
    "float_money": "write the number as a string, e.g. \"0.1\"",
    "naive_timestamp": "append an offset such as +08:00, or pass a default time zone",
    "unknown_kind": "use one of: acquisition, disposal, swap, fee, transfer, receipt, payment, loss, income, expense",
    "not_a_number": "write a plain decimal number such as 1234.56",
}


def code_for(error_type: str) -> str:
    if error_type in ERROR_CODES:
        return error_type
    return _PYDANTIC_TO_CODE.get(error_type, "invalid_field")


def suggestion_for(code: str) -> str | None:
    return _SUGGESTIONS.get(code)


def problems_from_validation(
    exc: ValidationError | Sequence[Any],
    source: SourceRef,
    *,
    skip_loc: int = 0,
    column_names: Mapping[str, str] | None = None,
) -> list[Problem]:
    """One :class:`Problem` per pydantic error, naming the field (mapped back to a column if given).

    ``skip_loc`` drops leading location parts (e.g. the discriminator tag of a union member).
    """
    out: list[Problem] = []
    errors = exc.errors(include_url=False) if isinstance(exc, ValidationError) else exc
    for err in errors:
        loc = [str(p) for p in err.get("loc", ())][skip_loc:]
        # drop the union tag that pydantic puts after a list index (events.3.acquisition.cost)
        field = ".".join(loc) if loc else None
        if column_names and loc:
            field = column_names.get(loc[0], loc[0]) + ("." + ".".join(loc[1:]) if len(loc) > 1 else "")
        code = code_for(err["type"])
        message = err.get("msg", "invalid value")
        if code == "unknown_kind" and "ctx" in err:
            message = f"kind {err.get('input', {}).get('kind') if isinstance(err.get('input'), dict) else ''!s} " \
                      "is not recognised"
        out.append(Problem(code, message, source, field, _SUGGESTIONS.get(code)))
    return out
