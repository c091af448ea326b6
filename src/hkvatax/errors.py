"""Errors and diagnostics: stable codes, every one naming where it came from.

Three channels (docs/architecture.md):

1. :class:`InputError` — raised at the boundary with *all* problems of an input, each an
   :class:`Problem` naming file, row and field. Nothing is dropped silently.
2. Diagnostics (see :mod:`hkvatax.trace`) — assumptions and warnings carried in the outcome.
3. Exceptions for states the engine cannot resolve (:class:`DataTableGapError`, :class:`LedgerError`,
   :class:`InvariantError`).

Codes are stable strings; tests assert codes, not wording. ``docs/errors.md`` lists them and is
checked against :data:`ERROR_CODES` by the test suite.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .escape import escape_lines, escape_text

__all__ = [
    "ERROR_CODES",
    "SourceRef",
    "Problem",
    "HkvataxError",
    "InputError",
    "ArgumentError",
    "LedgerError",
    "OversellError",
    "DataTableGapError",
    "ParamsFileError",
    "InvariantError",
    "MethodError",
]

#: Every error code hkvatax can produce, with a one-line meaning (rendered in docs/errors.md).
ERROR_CODES: dict[str, str] = {
    "float_money": "A float was given for money or a quantity; give a string or an integer.",
    "not_a_number": "A numeric field is empty or not a number (including NaN and Infinity).",
    "non_positive": "A quantity or amount that must be greater than zero is zero or negative.",
    "negative": "An amount that must not be negative is negative.",
    "absurd_magnitude": "A number is beyond any plausible size (more than 10^18 units or HK$10^15).",
    "too_many_decimals": "A number has more than 18 decimal places.",
    "number_too_long": "A number's text is longer than 100 characters.",
    "exponent_out_of_range": "A number's written exponent is beyond ±40 (1e-999999 is refused, never written out).",
    "naive_timestamp": "A timestamp has no time zone and no default zone was set.",
    "bad_timestamp": "A timestamp cannot be read.",
    "duplicate_id": "Two events share one id.",
    "unknown_asset": "An event names an asset that is not declared.",
    "unknown_currency": "An amount is in a currency with no exchange rate to HKD at that time.",
    "missing_price": "A token needs a market value (swap, fee, receipt, payment) and none was given or found.",
    "oversell": "A disposal takes more of an asset than is held at that time.",
    "disposal_before_acquisition": "A disposal, swap, payment, loss or token fee gives up an asset of which nothing "
                                   "was ever held before it (no acquisition, receipt or opening lot).",
    "unknown_lot": "A specific-identification disposal names a lot that does not exist or is used up.",
    "lifo_refused": "LIFO was asked for; it is not an accepted cost formula (DIPN 1 para 48).",
    "invalid_field": "A field has a value of the wrong type or outside its allowed range.",
    "missing_field": "A required field is missing.",
    "unknown_field": "A field is not part of the format.",
    "unknown_kind": "An event or taxpayer kind is not recognised.",
    "bad_row": "A CSV row has the wrong number of cells or cannot be read.",
    "bad_file": "A file cannot be read as the format it claims to be.",
    "control_character": "An id, lot id, asset or currency code or wallet name holds a control character (ESC, CR, "
                         "LF, TAB, NUL, DEL, C1) or a bidirectional override; they take printable characters only.",
    "file_too_large": "A document is larger than its limit (docs/security.md, resource policy).",
    "too_deep": "A JSON or TOML document nests arrays or objects more than 64 deep, or a TOML key has more than 64 "
                "dotted parts.",
    "duplicate_key": "A JSON object gives one key twice (which value is meant cannot be known).",
    "row_too_long": "A CSV line is longer than 1 Mi characters; it is refused before it is split into cells.",
    "unclosed_quote": "A CSV line opens a quoted cell (\") that it does not close; a cell cannot run over several "
                      "lines (the next line is read as its own row).",
    "order_of_dates": "Dates that must be ordered are not (e.g. an interest period that ends before it starts).",
    "percent_range": "A percentage is outside 0–100.",
    "bad_date": "A date is outside the years hkvatax accepts (1901–2199).",
    "ownership_sum": "Ownership percentages that share one whole add up to more than 100% (on some day, for "
                     "interests held over time).",
    "inconsistent_row": "An exchange-export row contradicts itself: its Notes name another asset or quantity than "
                        "its columns, or its pair does not consist of the assets it executed.",
    "file_not_allowed": "A profile names a file outside the file policy: an absolute path, a path with '..', a link "
                        "out of the profile's folder, or a file not in the caller's allow-list (docs/security.md).",
    "duplicate_name": "Two entries that the explanation tells apart by name (SPEs, FSPEs, stated lines, a resident "
                      "investor named by held_through) share one name.",
    "unsupported_row": "An exchange-export row is of a type hkvatax does not import; it is reported, not dropped.",
    "year_gap": "A dated parameter has no value for the requested year of assessment.",
    "bad_params_file": "A user parameter file cannot be read, is not in the format of the shipped tables, or names a "
                       "parameter hkvatax does not know.",
    "no_applicable_rule": "A rule was applied to a year of assessment outside its validity (a bug: please report it).",
    "same_asset_swap": "A swap gives up and receives the same asset.",
    "self_transfer": "A transfer moves an asset from a wallet to the same wallet.",
    "state_mismatch": "A closing state does not fit the run: another year end, pool layout, cost formula or "
                      "receipt basis than the profile's, or a ledger whose events up to the close are not the state's.",
    "invalid_argument": "An argument to a function or a command-line option has a value it does not accept "
                        "(a year written 25/26, an unknown regime or detail level).",
    "invariant": "An internal consistency check failed: a bug in hkvatax, please report it.",
    "too_large": "A request or upload is larger than the service's configured limit (the service answers 413).",
    "time_limit": "The work took longer than the service's configured time limit (the service answers 503).",
    "unsupported_media": "A request has a content type the endpoint does not take (the service answers 415).",
}


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where a fact came from: a file and a 1-based row (a JSON path for JSON input).

    Examples:
        >>> str(SourceRef(file="ledger.csv", row=7)), str(SourceRef(path="events[2].cost")), str(SourceRef())
        ('ledger.csv, row 7', 'events[2].cost', '(input)')
    """

    file: str | None = None
    row: int | None = None
    path: str | None = None

    def __str__(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file)
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.path:
            parts.append(self.path)
        return ", ".join(parts) if parts else "(input)"


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem in an input: a stable code, a message, and where it is.

    Examples:
        >>> p = Problem("oversell", "sells 2 BTC, holds 1", SourceRef(file="ledger.csv", row=7), "quantity", "add the purchase")
        >>> print(p)
        [oversell] ledger.csv, row 7, field 'quantity': sells 2 BTC, holds 1 (suggestion: add the purchase)
        >>> p.to_dict()["row"], p.to_dict()["suggestion"]
        (7, 'add the purchase')
    """

    code: str
    message: str
    source: SourceRef = field(default_factory=SourceRef)
    column: str | None = None
    suggestion: str | None = None

    def __post_init__(self) -> None:
        if self.code not in ERROR_CODES:
            raise ValueError(f"unregistered error code {self.code!r}")

    def __str__(self) -> str:
        """One line for a terminal or a log: control characters from the input are made visible
        (:func:`hkvatax.escape.escape_text`), so a problem cannot move the cursor or start a new line."""
        where = str(self.source)
        if self.column:
            where += f", field {self.column!r}"
        text = f"[{self.code}] {where}: {self.message}"
        if self.suggestion:
            text += f" (suggestion: {self.suggestion})"
        return escape_text(text)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "file": self.source.file,
            "row": self.source.row,
            "path": self.source.path,
            "column": self.column,
            "suggestion": self.suggestion,
        }


class HkvataxError(Exception):
    """Base class of every error hkvatax raises on purpose.

    Every error carries ``problems`` — a tuple of :class:`Problem` (code, message, where, suggestion) — and
    ``to_dict()``, so a service or the CLI reports any of them in one shape::

        {"error": "InputError", "code": "oversell", "message": "...", "problems": [{"code": ..., ...}]}

    Examples:
        >>> err = ArgumentError("regime", "'foo' is not a regime", "baseline or va_extension")
        >>> err.to_dict()["problems"][0]["code"], err.problems[0].column
        ('invalid_argument', 'regime')
    """

    code = "invalid_field"

    def __init__(self, *args: object, problems: tuple[Problem, ...] | list[Problem] | None = None) -> None:
        super().__init__(*args)
        self._problems: tuple[Problem, ...] | None = None if problems is None else tuple(problems)

    def __str__(self) -> str:
        """The message, with control characters from the input made visible (line breaks kept)."""
        return escape_lines(super().__str__())

    @property
    def problems(self) -> tuple[Problem, ...]:
        """Every problem this error reports (one, built from the message, when none was given)."""
        if self._problems is not None:
            return self._problems
        code = self.code if self.code in ERROR_CODES else "invariant"
        return (Problem(code, str(self)),)

    @property
    def codes(self) -> list[str]:
        return [p.code for p in self.problems]

    def to_dict(self) -> dict[str, Any]:
        """The error as JSON-ready data (what ``--format json`` prints on failure).

        Examples:
            >>> InputError([Problem("oversell", "sells 2, holds 1", SourceRef(file="l.csv", row=3))]).to_dict()["problems"][0]["row"]
            3
        """
        problems = self.problems
        return {"error": type(self).__name__, "code": problems[0].code if problems else self.code,
                "message": str(self), "problems": [p.to_dict() for p in problems]}


class InputError(HkvataxError):
    """An input with one or more problems; ``problems`` lists them all.

    Examples:
        >>> from hkvatax.io import load_scenario
        >>> try:
        ...     load_scenario("<request>", content=b'{"taxpayer": {"kind": "individual", "name": "Ann"}, "events": [1]}')
        ... except InputError as exc:
        ...     print(exc.problems[0].code, exc.problems[0].source.path)
        invalid_field events[0]
    """

    def __init__(self, problems: list[Problem] | tuple[Problem, ...], *, partial: Any = None):
        problems = tuple(problems)
        #: the scenario built from the rows that could be read (when a file had bad rows), so that later
        #: checks (duplicate ids, rates, oversells) can still be run and reported in the same report
        self.partial = partial
        #: for problems the ledger found: the kind of event each is about (to name CSV columns), else ()
        self.kinds: tuple[str, ...] = ()
        count = len(problems)
        head = f"{count} problem{'s' if count != 1 else ''} in the input"
        lines = [head + ":"] + [f"  - {p}" for p in problems[:200]]
        if count > 200:
            lines.append(f"  … and {count - 200} more (see .problems)")
        super().__init__("\n".join(lines), problems=problems)


class ArgumentError(HkvataxError, ValueError):
    """A bad argument to a public function or a command-line option (also a :class:`ValueError`).

    Examples:
        >>> from hkvatax import assess
        >>> from hkvatax.examples import example_path
        >>> from hkvatax.io import load_scenario
        >>> try:
        ...     assess(load_scenario(example_path("corporation")), regime="foo")
        ... except ArgumentError as exc:
        ...     print(exc.problems[0].code, exc.argument, isinstance(exc, ValueError))
        invalid_argument regime True
    """

    code = "invalid_argument"

    def __init__(self, argument: str, message: str, suggestion: str | None = None) -> None:
        self.argument = argument
        problem = Problem("invalid_argument", message, SourceRef(path=argument), argument, suggestion)
        super().__init__(f"{argument}: {message}" + (f" ({suggestion})" if suggestion else ""), problems=(problem,))


class LedgerError(HkvataxError):
    """A ledger that cannot be matched as given.

    Examples:
        >>> err = LedgerError(Problem("unknown_lot", "lot 'x' is used up", SourceRef(file="ledger.csv", row=4)))
        >>> err.code, err.to_dict()["problems"][0]["row"]
        ('unknown_lot', 4)
    """

    def __init__(self, problem: Problem):
        self.problem = problem
        self.code = problem.code
        super().__init__(str(problem), problems=(problem,))


class OversellError(LedgerError):
    """A disposal of more than is held.

    Examples:
        >>> err = OversellError(Problem("oversell", "sells 2 BTC, holds 1", SourceRef(file="ledger.csv", row=9)))
        >>> err.code, isinstance(err, LedgerError)
        ('oversell', True)
    """


class MethodError(HkvataxError):
    """A lot-matching method that is not allowed (e.g. LIFO).

    Examples:
        >>> MethodError("LIFO is not an accepted cost formula (DIPN 1 para 48)").to_dict()["code"]
        'lifo_refused'
    """

    code = "lifo_refused"


class DataTableGapError(HkvataxError):
    """A dated parameter has no value for the year asked; never falls back to another year.

    Examples:
        >>> DataTableGapError("pt.rates.tax has no value for 2300/01").to_dict()["code"]
        'year_gap'
    """

    code = "year_gap"


class ParamsFileError(HkvataxError):
    """A user-supplied parameter file (``--params``) that cannot be used; nothing of it is applied.

    Examples:
        >>> from hkvatax.io import load_params
        >>> try:
        ...     load_params("no-such-file.toml")
        ... except ParamsFileError as exc:
        ...     print(exc.problems[0].code)
        bad_params_file
    """

    code = "bad_params_file"


class InvariantError(HkvataxError):
    """An internal consistency check failed: a bug in hkvatax, please report it.

    Examples:
        >>> InvariantError("the pools do not balance").problems[0].code
        'invariant'
    """

    code = "invariant"
