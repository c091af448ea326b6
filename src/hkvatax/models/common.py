"""Shared pydantic building blocks: the frozen base model, money and quantity types, timestamps.

* :class:`Frozen` — every input and output model is immutable and refuses unknown fields.
* :data:`Quantity`, :data:`Amount`, :data:`NonNegativeAmount` — Decimals that refuse floats (error
  type ``float_money``), NaN and Infinity, absurd magnitudes and more than 18 decimal places.
* :data:`Timestamp` — a timezone-aware datetime. A naive value is refused (``naive_timestamp``)
  unless the validation context carries ``default_tz`` (see :func:`hkvatax.io.load_scenario`).
* :data:`Percent` — a Decimal in [0, 100].
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo
from pydantic_core import PydanticCustomError

from ..escape import CONTROL, escape_text
from ..grammar import MAX_DECIMALS, GrammarError, check_decimal, read_date, read_decimal, read_timestamp
from ..money import exact_context

__all__ = [
    "Frozen",
    "Quantity",
    "Amount",
    "NonNegativeAmount",
    "SignedAmount",
    "ExactDecimal",
    "Percent",
    "Timestamp",
    "Code",
    "Name",
    "MAX_QUANTITY",
    "MAX_AMOUNT",
    "MAX_COUNT",
    "Date",
    "Count",
    "check_time_weight",
]

MAX_QUANTITY = Decimal("1E+18")  # literals: module-level arithmetic would run in the importer's context
MAX_AMOUNT = Decimal("1E+15")  # HK$1,000 trillion: beyond any real ledger
MIN_YEAR = 1901  # years of assessment are defined from 1900/01; earlier instants cannot be assessed
MAX_YEAR = 2199


class Frozen(BaseModel):
    """Base of every hkvatax model: immutable, strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=False, ser_json_inf_nan="strings")


def _no_float(value: Any) -> Any:
    if isinstance(value, bool):
        raise PydanticCustomError("invalid_field", "a boolean is not a number")
    if isinstance(value, float):
        raise PydanticCustomError(
            "float_money",
            "float {value} refused: give money and quantities as strings or integers (e.g. \"0.1\")",
            {"value": repr(value)},
        )
    if isinstance(value, str):  # the one number grammar (hkvatax.grammar, decision 0151)
        try:
            return read_decimal(value)
        except GrammarError as exc:
            raise PydanticCustomError(exc.code, exc.message) from None
    return value


def _bounded(limit: Decimal) -> Any:
    def check(value: Decimal) -> Decimal:  # context-free (hkvatax.grammar): no Overflow, no rounding
        try:
            return check_decimal(value, limit)
        except GrammarError as exc:
            raise PydanticCustomError(exc.code, exc.message) from None

    return check


def _positive(value: Decimal) -> Decimal:
    if value <= 0:
        raise PydanticCustomError("non_positive", "must be greater than zero, got {value}", {"value": str(value)})
    return value


def _non_negative(value: Decimal) -> Decimal:
    if value < 0:
        raise PydanticCustomError("negative", "must not be negative, got {value}", {"value": str(value)})
    return value


Quantity = Annotated[
    Decimal, BeforeValidator(_no_float), AfterValidator(_bounded(MAX_QUANTITY)), AfterValidator(_positive)
]
"""A token quantity: a Decimal greater than zero."""

Amount = Annotated[
    Decimal, BeforeValidator(_no_float), AfterValidator(_bounded(MAX_AMOUNT)), AfterValidator(_positive)
]
"""An amount of money greater than zero, in the currency named beside it."""

NonNegativeAmount = Annotated[
    Decimal, BeforeValidator(_no_float), AfterValidator(_bounded(MAX_AMOUNT)), AfterValidator(_non_negative)
]
"""An amount of money of zero or more."""

SignedAmount = Annotated[Decimal, BeforeValidator(_no_float), AfterValidator(_bounded(MAX_AMOUNT))]
"""An amount of money that may be negative (e.g. a loss brought forward stated as a signed figure)."""


ExactDecimal = Annotated[Decimal, BeforeValidator(_no_float)]
"""Any finite Decimal, floats refused (e.g. an average-cost pool's time weight, which has no money bound)."""


def _percent(value: Decimal) -> Decimal:
    if not value.is_finite() or value < 0 or value > 100:
        raise PydanticCustomError("percent_range", "{value} is not a percentage between 0 and 100", {"value": str(value)})
    return value


Percent = Annotated[Decimal, BeforeValidator(_no_float), AfterValidator(_percent)]
"""A percentage from 0 to 100 inclusive (``"95"`` means 95%)."""


def _in_range(value: datetime) -> datetime:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise PydanticCustomError(
            "bad_timestamp", "{value} is outside the years hkvatax accepts ({lo}–{hi})",
            {"value": value.isoformat(), "lo": MIN_YEAR, "hi": MAX_YEAR},
        )
    return value


def _aware(value: datetime, info: ValidationInfo) -> datetime:
    if value.tzinfo is not None and value.tzinfo.utcoffset(value) is not None:
        return _in_range(value)
    default: tzinfo | None = None
    if info.context:
        default = info.context.get("default_tz")
    if default is None:
        raise PydanticCustomError(
            "naive_timestamp",
            "{value} has no time zone: add an offset such as +08:00, or set a default zone for this input",
            {"value": value.isoformat()},
        )
    return _in_range(value.replace(tzinfo=default))


def _timestamp_text(value: Any) -> Any:
    """Text in the one timestamp grammar (hkvatax.grammar); a number is never read as Unix seconds."""
    if isinstance(value, str):
        try:
            return read_timestamp(value)
        except GrammarError as exc:
            raise PydanticCustomError(exc.code, exc.message) from None
    if isinstance(value, int | float | Decimal):  # (bool is an int)
        raise PydanticCustomError("bad_timestamp", "{value} is not a date and time: write ISO 8601, e.g. "
                                  "2024-05-01T10:00:00+08:00", {"value": repr(value)})
    return value


Timestamp = Annotated[datetime, BeforeValidator(_timestamp_text), AfterValidator(_aware)]
"""A timezone-aware instant."""


def _printable(value: str) -> str:
    """Refuse a control character (C0 including NUL, ESC, CR, LF, TAB; DEL; C1) or a bidirectional
    override in an id, a code or a wallet name (docs/security.md, output policy)."""
    found = CONTROL.search(value)
    if found is not None:
        raise PydanticCustomError(
            "control_character", "{value} contains the control character {char}: ids, codes and wallet names "
            "take printable characters only", {"value": escape_text(value[:60]), "char": escape_text(found.group())},
        )
    return value


Name = Annotated[str, AfterValidator(_printable)]
"""An id, lot id or wallet name: printable characters only (``control_character``)."""


_CODES: dict[str, str] = {}  # valid code texts already read → their code (a ledger repeats a few codes)


def _code(value: str) -> str:
    known = _CODES.get(value)
    if known is not None:
        return known
    _printable(value)
    text = value.strip()
    if not text or len(text) > 40 or any(ch.isspace() for ch in text):
        raise PydanticCustomError("invalid_field", "{value} is not a valid asset or currency code", {"value": value})
    code = text.upper()
    if len(_CODES) < 10_000:  # (bounded: a hostile input of distinct codes cannot grow it without end)
        _CODES[value] = code
    return code


Code = Annotated[str, AfterValidator(_code)]
"""An asset symbol or ISO currency code, upper-cased (``btc`` → ``BTC``)."""


# ------------------------------------------------------------------ bounds on the other numeric fields
MAX_COUNT = 1_000_000_000  # a count of people, transactions or days: beyond any real taxpayer
"""Upper bound of every integer count in the models (investors, holders, employees, transactions)."""


def _date_in_range(value: date) -> date:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise PydanticCustomError(
            "bad_date", "{value} is outside the years hkvatax accepts ({lo}–{hi})",
            {"value": value.isoformat(), "lo": MIN_YEAR, "hi": MAX_YEAR},
        )
    return value


def _date_text(value: Any) -> Any:
    """Text as ``YYYY-MM-DD`` (hkvatax.grammar); a number is never read as a date."""
    if isinstance(value, str):
        try:
            return read_date(value)
        except GrammarError as exc:
            raise PydanticCustomError(exc.code, exc.message) from None
    if isinstance(value, int | float | Decimal):
        raise PydanticCustomError("bad_date", "{value} is not a date: write YYYY-MM-DD", {"value": repr(value)})
    return value


Date = Annotated[date, BeforeValidator(_date_text), AfterValidator(_date_in_range)]
"""A calendar date within the years hkvatax accepts (1901–2199), like :data:`Timestamp`."""

Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
"""A count of zero or more, at most :data:`MAX_COUNT`."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: The instants (µs since the POSIX epoch) that bound an average acquisition time.
MIN_EPOCH_US = int((datetime(MIN_YEAR, 1, 1, tzinfo=UTC) - _EPOCH) / timedelta(microseconds=1))
MAX_EPOCH_US = int((datetime(MAX_YEAR + 1, 1, 1, tzinfo=UTC) - _EPOCH) / timedelta(microseconds=1))
_TIME_WEIGHT_DIGITS = 40  # |quantity| <= 1E+18 times |µs| < 1E+16: the integer part never needs more


def check_time_weight(weight: Decimal, quantity: Decimal) -> Decimal:
    """Validate an average-cost pool's time weight (sum of quantity x acquisition µs) against its quantity:
    the mean acquisition instant it implies must fall within the accepted years. Checks the magnitude from
    the exponent first (no arithmetic on a value of a million digits) and divides in a local context."""
    if not weight.is_finite():
        raise PydanticCustomError("not_a_number", "time_weight is not a finite number")
    if weight.is_zero():
        mean = Decimal(0)
    else:
        if weight.adjusted() >= _TIME_WEIGHT_DIGITS or weight.adjusted() < -MAX_DECIMALS:
            raise PydanticCustomError(
                "absurd_magnitude", "time_weight {value} is beyond any plausible size for this pool",
                {"value": f"{weight:.6E}"},
            )
        with exact_context():
            mean = weight / quantity
    if not MIN_EPOCH_US <= mean < MAX_EPOCH_US:
        raise PydanticCustomError(
            "absurd_magnitude",
            "time_weight / quantity = {mean} µs is not an instant within the years hkvatax accepts ({lo}–{hi})",
            {"mean": f"{mean:.6E}", "lo": MIN_YEAR, "hi": MAX_YEAR},
        )
    return weight
