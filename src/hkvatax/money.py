"""Money, quantities and the one place where rounding happens.

Design note
-----------
* Every amount of money and every token quantity is a :class:`decimal.Decimal`. Floats are refused at
  the boundary (see :func:`reject_float`), because ``Decimal(0.1)`` is not one tenth.
* Arithmetic runs inside :func:`exact_context`, a *local* decimal context with 80 significant digits.
  The process-wide context is never changed. 80 digits hold an 18-decimal token quantity of up to
  10^12 units times a price with 20 significant digits without losing a digit; the test suite traps
  ``Inexact`` around the ledger's additions and multiplications to prove it.
* Division (a partial lot's share of cost, a weighted average) is the only operation that can be
  inexact. A *share* (:func:`allocate`) is cut to a fixed scale of 10^-40 (rounded down), and its
  complement is computed by subtraction, never by a second division. Because every share sits on one
  fixed grid, the subtraction is exact too, so opening cost + acquisitions = matched cost + closing
  cost holds to the last digit (a share kept at 80 *significant* digits would not: 0.02 − 0.00666…67
  needs 81 digits and is rounded).
* Rounding happens only through the named :class:`RoundingPolicy` objects below. Each application
  returns a :class:`RoundingStep` that the rule engine puts in the trace, so a reader sees the value
  before and after, the mode and the authority (or the assumption) for it.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal
from typing import Any

__all__ = [
    "PRECISION",
    "ZERO",
    "ONE",
    "ALLOCATION_EXPONENT",
    "exact_context",
    "allocate",
    "to_decimal",
    "reject_float",
    "RoundingPolicy",
    "RoundingStep",
    "ROUND_ASSESSABLE_PROFITS",
    "ROUND_TAX",
    "DISPLAY_CENTS",
    "fmt_hkd",
    "fmt_amount",
    "fmt_pct",
    "fmt_qty",
]

PRECISION = 80
ZERO = Decimal(0)
ONE = Decimal(1)

_CONTEXT = decimal.Context(
    prec=PRECISION,
    rounding=ROUND_HALF_EVEN,
    Emin=-999999,
    Emax=999999,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)


def make_context(*, trap_inexact: bool = False) -> decimal.Context:
    """A fresh copy of the library's arithmetic context (optionally trapping ``Inexact``)."""
    ctx = _CONTEXT.copy()
    if trap_inexact:
        ctx.traps[decimal.Inexact] = True
    return ctx


@contextmanager
def exact_context(*, trap_inexact: bool = False) -> Iterator[decimal.Context]:
    """Run the enclosed block in hkvatax's local decimal context (the global one is untouched)."""
    with decimal.localcontext(make_context(trap_inexact=trap_inexact)) as ctx:
        yield ctx


#: Scale of a share produced by :func:`allocate` (10^-40 of an HK dollar, or of a token unit).
ALLOCATION_EXPONENT = -40
_GRID = Decimal(1).scaleb(ALLOCATION_EXPONENT)
_GRID_FITS_BELOW = PRECISION + ALLOCATION_EXPONENT  # adjusted exponents below this keep the 10^-40 grid


def allocate(total: Decimal, part: Decimal, whole: Decimal) -> Decimal:
    """``total × part / whole`` cut (rounded toward zero) to 10^-40: a share whose remainder is exact.

    Used for a partial lot's cost, a partial average-cost pool's cost and time weight, and a fragment's
    share of proceeds. The caller computes the complement as ``total − share``, which is then exact (both
    lie on the 10^-40 grid, or on the coarser grid of the input), so nothing is created or lost. Rounding
    toward zero keeps ``0 ≤ share ≤ total`` when ``0 ≤ part ≤ whole``. Must run inside
    :func:`exact_context`. For a value too large for the grid within 80 digits (beyond 10^40), the
    exponent is raised just enough to fit.
    """
    raw = total * part / whole
    if raw == 0:
        return raw
    adjusted = raw.adjusted()
    if adjusted < _GRID_FITS_BELOW:  # the usual case: the 10^-40 grid fits within 80 digits
        return raw.quantize(_GRID, rounding=ROUND_DOWN)
    return raw.quantize(Decimal(1).scaleb(adjusted - PRECISION + 1), rounding=ROUND_DOWN)


class FloatMoneyError(ValueError):
    """A float was given where money or a quantity is expected."""


def reject_float(value: Any) -> Any:
    """Pydantic before-validator: refuse floats (and bools) for money and quantities."""
    if isinstance(value, bool):
        raise ValueError("a boolean is not an amount")
    if isinstance(value, float):
        raise FloatMoneyError(
            f"float {value!r} refused: give money and quantities as strings or integers "
            "(e.g. \"0.1\"), because a float cannot hold most decimal fractions exactly"
        )
    return value


def to_decimal(value: str | int | Decimal, *, field: str = "amount") -> Decimal:
    """Parse a string or int into a finite Decimal, with an error naming ``field``."""
    if isinstance(value, float) or isinstance(value, bool):
        raise FloatMoneyError(f"{field}: float {value!r} refused; give a string or an integer")
    try:
        result = value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", ""))
    except decimal.InvalidOperation as exc:
        raise ValueError(f"{field}: {value!r} is not a number") from exc
    if not result.is_finite():
        raise ValueError(f"{field}: {value!r} is not a finite number")
    return result


@dataclass(frozen=True, slots=True)
class RoundingStep:
    """One application of a rounding policy, recorded in the trace."""

    policy: str
    before: Decimal
    after: Decimal
    mode: str
    exponent: int
    authority: str
    status: str


@dataclass(frozen=True, slots=True)
class RoundingPolicy:
    """A named rounding step. The only code in hkvatax that calls ``quantize`` lives here (and in
    :func:`allocate`, which cuts shares to a fixed grid far below any displayed digit)."""

    name: str
    exponent: int  # 0 = whole dollars, -2 = cents
    mode: str
    authority: str
    status: str  # "enacted" | "assumption"

    def apply(self, value: Decimal) -> RoundingStep:
        with exact_context():
            after = value.quantize(Decimal(1).scaleb(self.exponent), rounding=self.mode)
        if after == 0:
            after = abs(after)  # never show -0
        return RoundingStep(
            policy=self.name,
            before=value,
            after=after,
            mode=self.mode,
            exponent=self.exponent,
            authority=self.authority,
            status=self.status,
        )


ROUND_ASSESSABLE_PROFITS = RoundingPolicy(
    name="assessable_profits_to_dollar",
    exponent=0,
    mode=ROUND_DOWN,
    authority=(
        "Assumption A-ROUND (docs/decisions/0003-rounding.md): assessable profits are stated in whole "
        "HK dollars, cents dropped; no primary source for the rounding mode was found"
    ),
    status="assumption",
)

ROUND_TAX = RoundingPolicy(
    name="tax_to_dollar",
    exponent=0,
    mode=ROUND_DOWN,
    authority=(
        "Assumption A-ROUND (docs/decisions/0003-rounding.md): tax is charged in whole HK dollars, "
        "cents dropped; no primary source for the rounding mode was found"
    ),
    status="assumption",
)

DISPLAY_CENTS = RoundingPolicy(
    name="display_to_cent",
    exponent=-2,
    mode=ROUND_HALF_EVEN,
    authority="Presentation only: figures are shown to the cent; computation keeps full precision",
    status="enacted",
)


def fmt_hkd(value: Decimal | None) -> str:
    """Format an HKD amount to the cent with thousands separators (presentation only)."""
    if value is None:
        return "—"
    return f"{DISPLAY_CENTS.apply(value).after:,.2f}"


def fmt_amount(value: Decimal | int) -> str:
    """An HKD amount for an explanation sentence: grouped, to the cent; "…" marks digits beyond the cent.

    Presentation only — the trace node keeps the exact value (and the JSON rendering shows it in full).
    """
    if not isinstance(value, Decimal):
        value = Decimal(value)
    with exact_context():
        cents = value.quantize(Decimal("0.01"), rounding=ROUND_DOWN) if value >= 0 else -(
            (-value).quantize(Decimal("0.01"), rounding=ROUND_DOWN))
        text = f"{cents:,.2f}"
        if text.endswith(".00") and cents == value:
            text = text[:-3]
        return text if cents == value else text + "…"


def fmt_pct(rate: Decimal) -> str:
    """A rate given as a fraction (0.0825) as a percentage without trailing zeros (8.25%)."""
    with exact_context():
        pct = (rate * 100).normalize()
    return f"{pct:f}%"


def fmt_qty(value: Decimal) -> str:
    """Format a token quantity without losing digits (no rounding, trailing zeros stripped)."""
    if value == 0:
        return "0"
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text
