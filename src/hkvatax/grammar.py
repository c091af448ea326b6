"""The one number grammar and the one timestamp grammar of every reader (decision 0151).

Every number hkvatax reads from text — a scenario's or profile's decimal strings (the models), a generic
CSV cell (the row reader and the column-wise reader), an exchange export's cell (the importers), a rates
or price file — is read by :func:`read_decimal` and bounded by :func:`check_decimal`; the scenario schema's
``DECIMAL_PATTERN`` is :data:`DECIMAL_PATTERN` (a test checks they accept the same strings).

The grammar (:data:`NUMBER_BODY`), after blanks (space, tab, CR, LF, FF, VT) at either end:

* an optional sign, then ASCII digits ``0-9`` only (no Arabic-Indic or full-width digits);
* commas only as thousands separators in their places: ``1,234,567.5`` — never ``1,5`` or ``1.000,50``
  (a European HK$1,000.50 would otherwise read as 1.0005) — and no underscores;
* an optional point with digits after it, ``1.``, ``.5``; an optional exponent ``e``/``E`` of at most
  :data:`MAX_EXPONENT` (``1e-999999`` is refused before it is read, never written out in full);
* at most :data:`MAX_NUMBER_CHARS` characters.

The bounds (:func:`check_decimal`) are computed from the digits and the exponent, never in a decimal
context, so the caller's context cannot change them (a 28-digit context used to let 29 places pass, and
``1E-9999999999`` underflowed to 0 in the check): a finite value, at most ``limit`` in size, at most
:data:`MAX_DECIMALS` decimal places once trailing zeros are dropped. A negative zero reads as zero (its exponent kept: -0.00 is 0.00).

The timestamp grammar (:data:`TIMESTAMP_PATTERN`, :func:`read_timestamp`) is ISO 8601's extended form:
``YYYY-MM-DD``, then optionally ``T`` (or ``t`` or a space) and ``HH:MM``, ``:SS`` and a fraction of one
to :data:`MAX_FRACTION_DIGITS` digits (point or comma), then optionally a zone ``Z`` or ``±HH:MM`` /
``±HHMM`` / ``±HH``. Nothing else is a timestamp: digits alone (``20240501`` was read as Unix seconds,
1970-08-23), a number, week dates, seven fractional digits (they were cut silently). A timestamp without
a zone is naive; the models then need a default zone (``naive_timestamp``). Dates (:func:`read_date`)
are ``YYYY-MM-DD``.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

__all__ = [
    "MAX_NUMBER_CHARS",
    "MAX_EXPONENT",
    "MAX_DECIMALS",
    "NUMBER_BODY",
    "DECIMAL_PATTERN",
    "GrammarError",
    "read_decimal",
    "check_decimal",
    "parse_decimal",
    "decimal_places",
    "MAX_FRACTION_DIGITS",
    "TIMESTAMP_PATTERN",
    "DATE_PATTERN",
    "read_timestamp",
    "read_date",
]

#: Longest number text read (characters, blanks included): ``number_too_long`` beyond it.
MAX_NUMBER_CHARS = 100
#: Largest written exponent (``1e40``, ``1e-40``): ``exponent_out_of_range`` beyond it.
MAX_EXPONENT = 40
#: Most decimal places of any number (trailing zeros not counted): ``too_many_decimals`` beyond it.
MAX_DECIMALS = 18

_BLANK = "[ \\t\\n\\r\\f\\v]*"
#: A number without the blanks around it.
NUMBER_BODY = r"[+-]?(?:(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
#: The whole grammar as one regular expression, the same in Python and in JSON Schema (ECMA-262): every
#: class is spelled out in ASCII, and ``$`` (no multiline flag in JSON Schema) ends the text.
DECIMAL_PATTERN = f"^{_BLANK}{NUMBER_BODY}{_BLANK}$"
_WHOLE = re.compile(f"{_BLANK}({NUMBER_BODY}){_BLANK}")
_NOT_FINITE = frozenset({"nan", "snan", "inf", "infinity"})
_ZERO = Decimal(0)


class GrammarError(ValueError):
    """A text is not a number of the grammar, or a number is out of bounds: ``code`` is a registered error
    code (docs/errors.md) and ``message`` says why.

    Examples:
        >>> try:
        ...     read_decimal("1,5")
        ... except GrammarError as exc:
        ...     print(exc.code, isinstance(exc, ValueError))
        not_a_number True
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _show(text: str) -> str:
    shown = text if len(text) <= 40 else text[:37] + "..."
    return repr(shown)


def read_decimal(text: str) -> Decimal:
    """The Decimal ``text`` writes in the grammar (not yet bounded: :func:`check_decimal`).

    Raises :class:`GrammarError`: ``number_too_long``, ``not_a_number`` (empty, NaN, Infinity, anything
    outside the grammar), ``exponent_out_of_range``.

    Examples:
        >>> read_decimal(" 1,234.50 "), read_decimal("-0"), read_decimal("1e3")
        (Decimal('1234.50'), Decimal('0'), Decimal('1E+3'))
        >>> for text in ("1.000,50", "NaN", "1e-999"):
        ...     try:
        ...         read_decimal(text)
        ...     except GrammarError as exc:
        ...         print(exc.code)
        not_a_number
        not_a_number
        exponent_out_of_range
    """
    if len(text) > MAX_NUMBER_CHARS:
        raise GrammarError("number_too_long", f"a number of {len(text)} characters (at most {MAX_NUMBER_CHARS})")
    plain = text.replace(".", "", 1)
    if plain.isdigit() and plain.isascii():  # the commonest text, ASCII digits and at most one point: the
        return Decimal(text)  # grammar's own reading of it (no sign, blank, comma or exponent to handle)
    match = _WHOLE.fullmatch(text)
    if match is None:
        stripped = text.strip()
        if not stripped:
            raise GrammarError("not_a_number", "empty value where a number is expected")
        if stripped.lower().lstrip("+-") in _NOT_FINITE:
            raise GrammarError("not_a_number", f"{_show(text)} is not a finite number")
        raise GrammarError("not_a_number", f"{_show(text)} is not a number: write digits 0-9 with at most one "
                                           "point, commas only between thousands (1,234.56)")
    body = match.group(1)
    mantissa, e, exponent = body.replace(",", "").lower().partition("e")
    if e and abs(int(exponent)) > MAX_EXPONENT:
        raise GrammarError("exponent_out_of_range", f"{_show(text)}: the exponent is beyond ±{MAX_EXPONENT}")
    value = Decimal(mantissa + e + exponent)  # exact: construction from a string does not round
    return value.copy_abs() if value.is_signed() and value.is_zero() else value  # -0 → 0, exponent kept


def decimal_places(value: Decimal) -> int:
    """Decimal places of a finite ``value`` with trailing zeros dropped (``1.50`` → 1, ``1E-20`` → 20,
    ``1E+3`` → 0), from its digits alone: no decimal context is used.

    Examples:
        >>> decimal_places(Decimal("1.50")), decimal_places(Decimal("1E-20")), decimal_places(Decimal("1E+3"))
        (1, 20, 0)
    """
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    if exponent >= 0:
        return 0
    trailing = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return max(0, -exponent - trailing) if trailing < len(digits) else 0


def check_decimal(value: Decimal, limit: Decimal | None = None) -> Decimal:
    """``value`` if finite, at most ``limit`` in size (None: no size limit) and at most :data:`MAX_DECIMALS`
    places; else :class:`GrammarError` (``not_a_number``, ``absurd_magnitude``, ``too_many_decimals``).
    Context-free: compares and reads digits, never rounds.

    Examples:
        >>> check_decimal(Decimal("12.50"), limit=Decimal("1000"))
        Decimal('12.50')
        >>> for value, limit in ((Decimal("5000"), Decimal("1000")), (Decimal("1E-19"), None)):
        ...     try:
        ...         check_decimal(value, limit)
        ...     except GrammarError as exc:
        ...         print(exc.code)
        absurd_magnitude
        too_many_decimals
    """
    if not value.is_finite():
        raise GrammarError("not_a_number", f"{value} is not a finite number")
    if limit is not None and value.copy_abs() > limit:  # copy_abs and > use no context (no Overflow)
        raise GrammarError("absurd_magnitude", f"{value:.6E} is beyond any plausible size (limit {limit:E})")
    # (a value written without an exponent has as many places as digits after its point, trailing zeros
    # included, so it needs its places counted only beyond MAX_DECIMALS; str() is the cheapest look at them)
    shown = str(value)
    point = shown.find(".")
    if ("E" in shown or (point >= 0 and len(shown) - point - 1 > MAX_DECIMALS)) \
            and decimal_places(value) > MAX_DECIMALS:
        raise GrammarError("too_many_decimals", f"{value:.6E} has more than {MAX_DECIMALS} decimal places")
    return value


def parse_decimal(text: str, limit: Decimal | None = None) -> Decimal:
    """:func:`read_decimal` then :func:`check_decimal`: a number of the grammar within the bounds.

    Examples:
        >>> parse_decimal("0.000000000000000001")
        Decimal('1E-18')
        >>> try:
        ...     parse_decimal("0.0000000000000000001")
        ... except GrammarError as exc:
        ...     print(exc.code)
        too_many_decimals
    """
    return check_decimal(read_decimal(text), limit)


# ------------------------------------------------------------------------------------------ timestamps
#: Most fractional digits of a second (microseconds): ``bad_timestamp`` beyond, never cut.
MAX_FRACTION_DIGITS = 6
_DATE_BODY = "[0-9]{4}-[0-9]{2}-[0-9]{2}"
_TIME_BODY = ("[Tt ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]{1," + str(MAX_FRACTION_DIGITS) + "})?)?"
              "(?:[Zz]|[+-][0-9]{2}(?::?[0-9]{2})?)?")
#: The whole timestamp grammar as one regular expression (the same in Python and in JSON Schema).
TIMESTAMP_PATTERN = f"^{_BLANK}{_DATE_BODY}(?:{_TIME_BODY})?{_BLANK}$"
#: A date: ``YYYY-MM-DD``.
DATE_PATTERN = f"^{_BLANK}{_DATE_BODY}{_BLANK}$"
_TIMESTAMP = re.compile(f"{_BLANK}({_DATE_BODY}(?:{_TIME_BODY})?){_BLANK}")
_DATE = re.compile(f"{_BLANK}({_DATE_BODY}){_BLANK}")


def read_timestamp(text: str) -> datetime:
    """The instant ``text`` writes in the timestamp grammar: aware if it names a zone, else naive.
    Raises :class:`GrammarError` ``bad_timestamp`` for anything else (or an impossible date or time).

    Examples:
        >>> read_timestamp("2024-05-01T10:00:00+08:00").isoformat()
        '2024-05-01T10:00:00+08:00'
        >>> read_timestamp("2024-05-01 10:00").tzinfo is None  # no zone: naive
        True
        >>> for text in ("20240501", "2024-05-01T10:00:00.1234567", "2024-02-30"):
        ...     try:
        ...         read_timestamp(text)
        ...     except GrammarError as exc:
        ...         print(exc.code)
        bad_timestamp
        bad_timestamp
        bad_timestamp
    """
    if len(text) > MAX_NUMBER_CHARS:
        raise GrammarError("bad_timestamp", f"a timestamp of {len(text)} characters")
    match = _TIMESTAMP.fullmatch(text)
    if match is None:
        if not text.strip():
            raise GrammarError("bad_timestamp", "empty timestamp")
        raise GrammarError("bad_timestamp", f"{_show(text)} is not a date and time: write ISO 8601, e.g. "
                                            "2024-05-01T10:00:00+08:00 (at most 6 fractional digits)")
    iso = match.group(1).replace(",", ".")
    iso = iso[:10] + "T" + iso[11:] if len(iso) > 10 else iso
    if iso[-1] in "Zz":
        iso = iso[:-1] + "+00:00"
    try:
        return datetime.fromisoformat(iso)
    except ValueError:
        raise GrammarError("bad_timestamp", f"{_show(text)} is not a possible date and time") from None


def read_date(text: str) -> date:
    """The date ``text`` writes as ``YYYY-MM-DD``; :class:`GrammarError` ``bad_date`` for anything else.

    Examples:
        >>> read_date("2024-05-01")
        datetime.date(2024, 5, 1)
        >>> try:
        ...     read_date("2024/05/01")
        ... except GrammarError as exc:
        ...     print(exc.code, exc.message)
        bad_date '2024/05/01' is not a date: write YYYY-MM-DD
    """
    match = _DATE.fullmatch(text) if len(text) <= MAX_NUMBER_CHARS else None
    if match is None:
        raise GrammarError("bad_date", f"{_show(text)} is not a date: write YYYY-MM-DD")
    try:
        return date.fromisoformat(match.group(1))
    except ValueError:
        raise GrammarError("bad_date", f"{_show(text)} is not a possible date") from None
