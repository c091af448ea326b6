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
import functools
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal
from typing import Any, ParamSpec, TypeVar

__all__ = [
    "PRECISION",
    "ZERO",
    "ONE",
    "ALLOCATION_EXPONENT",
    "exact_context",
    "isolated",
    "fmt_exact",
    "Reconciled",
    "reconcile",
    "allocate",
    "to_decimal",
    "reject_float",
    "RoundingPolicy",
    "RoundingStep",
    "ROUND_ASSESSABLE_PROFITS",
    "ROUND_TAX",
    "DISPLAY_CENTS",
    "fmt_hkd",
    "fmt_cents",
    "fmt_fixed",
    "fmt_amount",
    "fmt_pct",
    "fmt_qty",
    "fmt_value",
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


_INEXACT_TRAPPED = make_context(trap_inexact=True)


def exact_context(*, trap_inexact: bool = False) -> AbstractContextManager[decimal.Context]:
    """Run the enclosed block in hkvatax's local decimal context (the global one is untouched).

    :func:`decimal.localcontext` itself: it enters a fresh copy of the library's context, so each block
    starts with clean flags (a generator-based manager cost about 2 µs more a call, and the full
    explanation of a million disposals enters this one several million times).

    Examples:
        >>> with exact_context() as ctx:
        ...     third = Decimal(1) / 3
        >>> ctx.prec, len(str(third)) > 28
        (80, True)
    """
    return decimal.localcontext(_INEXACT_TRAPPED if trap_inexact else _CONTEXT)


_P = ParamSpec("_P")
_R = TypeVar("_R")


def isolated(fn: Callable[_P, _R]) -> Callable[_P, _R]:
    """Decorator: run ``fn`` in a fresh copy of hkvatax's context, so the caller's context never matters.

    Every public entry point (assess, compare, explain and its renderings, the loaders, the ledger) is
    wrapped: its results are the same under any caller context (6 digits, ``ROUND_FLOOR``, ``Inexact``
    trapped), and the caller's context object, with its flags, is left exactly as it was (decimal contexts
    are per thread, and :func:`decimal.localcontext` restores the caller's on the way out).

    >>> import decimal
    >>> @isolated
    ... def third() -> Decimal:
    ...     return Decimal(1) / 3
    >>> with decimal.localcontext(decimal.Context(prec=3)):
    ...     len(str(third()))
    82
    """

    @functools.wraps(fn)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with decimal.localcontext(_CONTEXT):
            return fn(*args, **kwargs)

    return wrapper


#: Scale of a share produced by :func:`allocate` (10^-40 of an HK dollar, or of a token unit).
ALLOCATION_EXPONENT = -40
_GRID = Decimal("1E-40")  # a literal: scaleb() would run in (and set a flag on) the importer's context
_GRID_FITS_BELOW = PRECISION + ALLOCATION_EXPONENT  # adjusted exponents below this keep the 10^-40 grid


def allocate(total: Decimal, part: Decimal, whole: Decimal) -> Decimal:
    """``total × part / whole`` cut (rounded toward zero) to 10^-40: a share whose remainder is exact.

    Used for a partial lot's cost, a partial average-cost pool's cost and time weight, and a fragment's
    share of proceeds. The caller computes the complement as ``total − share``, which is then exact (both
    lie on the 10^-40 grid, or on the coarser grid of the input), so nothing is created or lost. Rounding
    toward zero keeps ``0 ≤ share ≤ total`` when ``0 ≤ part ≤ whole``. Must run inside
    :func:`exact_context`. For a value too large for the grid within 80 digits (beyond 10^40), the
    exponent is raised just enough to fit.

    Examples:
        >>> with exact_context():
        ...     share = allocate(Decimal("100"), Decimal("1"), Decimal("3"))
        ...     rest = Decimal("100") - share
        >>> share + rest == Decimal("100"), share.as_tuple().exponent
        (True, -40)
    """
    raw = total * part / whole
    if not raw:
        return raw
    adjusted = raw.adjusted()
    if adjusted < _GRID_FITS_BELOW:  # the usual case: the 10^-40 grid fits within 80 digits
        return raw.quantize(_GRID, rounding=ROUND_DOWN)
    return raw.quantize(Decimal(1).scaleb(adjusted - PRECISION + 1, _CONTEXT), rounding=ROUND_DOWN)


class FloatMoneyError(ValueError):
    """A float was given where money or a quantity is expected."""


def reject_float(value: Any) -> Any:
    """Pydantic before-validator: refuse floats (and bools) for money and quantities.

    Examples:
        >>> reject_float("0.1")
        '0.1'
        >>> try:
        ...     reject_float(0.1)
        ... except ValueError as exc:
        ...     print(str(exc).split(":")[0])
        float 0.1 refused
    """
    if isinstance(value, bool):
        raise ValueError("a boolean is not an amount")
    if isinstance(value, float):
        raise FloatMoneyError(
            f"float {value!r} refused: give money and quantities as strings or integers "
            "(e.g. \"0.1\"), because a float cannot hold most decimal fractions exactly"
        )
    return value


def to_decimal(value: str | int | Decimal, *, field: str = "amount") -> Decimal:
    """Parse a string or int into a finite Decimal, with an error naming ``field``.

    Examples:
        >>> to_decimal("1,234.50"), to_decimal(7)
        (Decimal('1234.50'), Decimal('7'))
        >>> try:
        ...     to_decimal("NaN", field="cost")
        ... except ValueError as exc:
        ...     print(exc)
        cost: 'NaN' is not a finite number
    """
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
    """One application of a rounding policy, recorded in the trace.

    Examples:
        >>> step = ROUND_TAX.apply(Decimal("153045.75"))
        >>> step.before, step.after, step.mode
        (Decimal('153045.75'), Decimal('153045'), 'ROUND_DOWN')
    """

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
    :func:`allocate`, which cuts shares to a fixed grid far below any displayed digit).

    Examples:
        >>> ROUND_TAX.name, ROUND_TAX.exponent, ROUND_TAX.apply(Decimal("99.99")).after
        ('tax_to_dollar', 0, Decimal('99'))
        >>> DISPLAY_CENTS.apply(Decimal("-0.001")).after
        Decimal('0.00')
    """

    name: str
    exponent: int  # 0 = whole dollars, -2 = cents
    mode: str
    authority: str
    status: str  # "enacted" | "assumption"

    def apply(self, value: Decimal) -> RoundingStep:
        with exact_context():
            after = value.quantize(Decimal(1).scaleb(self.exponent, _CONTEXT), rounding=self.mode)
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


def _plain(value: Decimal) -> str:
    """Fixed-point text of an exact value, trailing zeros stripped; no exponent, no "-0"."""
    if value == 0:
        return "0"
    text = f"{value:f}"  # 'f' without a precision neither rounds nor consults the context
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def fmt_exact(value: Decimal) -> str:
    """The normalised exact string of a value, as JSON carries it: every digit, no exponent, no trailing zeros.

    >>> fmt_exact(Decimal("0E-40")), fmt_exact(Decimal("-0E+3")), fmt_exact(Decimal("1585365.8500000000"))
    ('0', '0', '1585365.85')
    >>> fmt_exact(Decimal("1E+3")), fmt_exact(Decimal("-0.000000010"))
    ('1000', '-0.00000001')
    """
    return _plain(value)


_CENT = Decimal("0.01")
_PLACES = tuple(Decimal(1).scaleb(-n, _CONTEXT) for n in range(8))  # 1, 0.1, … 1E-7: fmt_fixed's grids


def _cents(value: Decimal) -> Decimal:
    """``value`` to the cent, half-even, a zero unsigned (no context of the caller's is read)."""
    out = value.quantize(_CENT, rounding=ROUND_HALF_EVEN, context=_CONTEXT)
    return out.copy_abs() if out == 0 else out


def fmt_hkd(value: Decimal | None) -> str:
    """An HKD amount to the cent (half-even), grouped; never in exponent form, never "-0.00".

    >>> fmt_hkd(Decimal("1585365.8500000000000000000000000000000000000000")), fmt_hkd(Decimal("-0E+3"))
    ('1,585,365.85', '0.00')
    >>> fmt_hkd(None)
    '—'
    """
    if value is None:
        return "—"
    return f"{_cents(value):,.2f}"  # (formatting a value already to the cent reads no context)


def fmt_cents(value: Decimal) -> str:
    """An HKD amount to the cent (half-even) for a CSV cell: no grouping, never "-0.00" or an exponent.

    >>> fmt_cents(Decimal("1234.5678")), fmt_cents(Decimal("-0.001")), fmt_cents(Decimal("0E-40"))
    ('1234.57', '0.00', '0.00')
    """
    return f"{_cents(value):.2f}"


def fmt_fixed(value: Decimal, places: int) -> str:
    """A number to a fixed number of decimals (half-even), e.g. holding days; no exponent, never "-0".

    >>> fmt_fixed(Decimal("24.66666"), 2), fmt_fixed(Decimal("12"), 1), fmt_fixed(Decimal("-0.01"), 1)
    ('24.67', '12.0', '0.0')
    """
    shown = value.quantize(_PLACES[places] if 0 <= places < len(_PLACES) else Decimal(1).scaleb(-places, _CONTEXT),
                           rounding=ROUND_HALF_EVEN, context=_CONTEXT)
    return f"{shown.copy_abs() if shown == 0 else shown:f}"


def fmt_amount(value: Decimal | int) -> str:
    """An HKD amount for an explanation sentence: grouped, to the cent, rounded as the statement rounds it
    (half-even, :data:`DISPLAY_CENTS`), so a sentence and the statement never disagree. Whole amounts drop
    ".00"; a trailing "…" marks digits beyond the cent that the trace node keeps exactly.

    >>> fmt_amount(Decimal("7012062.855")), fmt_amount(1200), fmt_amount(Decimal("0.10"))
    ('7,012,062.86…', '1,200', '0.10')
    """
    if not isinstance(value, Decimal):
        value = Decimal(value)
    cents = _cents(value)
    text = f"{cents:,.2f}"  # (formatting a value already to the cent reads no context, see fmt_hkd)
    if cents == value:
        return text[:-3] if text.endswith(".00") else text
    return text + "…"


def fmt_pct(rate: Decimal) -> str:
    """A rate given as a fraction (0.0825) as a percentage without trailing zeros (8.25%).

    >>> fmt_pct(Decimal("0.0825")), fmt_pct(Decimal("0.165"))
    ('8.25%', '16.5%')
    """
    with decimal.localcontext(_CONTEXT):
        return _plain(rate * 100) + "%"


def fmt_qty(value: Decimal) -> str:
    """A token quantity without losing digits: no rounding, no exponent, trailing zeros stripped.

    >>> fmt_qty(Decimal("1.50000000")), fmt_qty(Decimal("1E-8")), fmt_qty(Decimal("0E-18"))
    ('1.5', '0.00000001', '0')
    """
    return _plain(value)


@dataclass(frozen=True, slots=True)
class Reconciled:
    """A schedule of parts rounded to a unit that sums exactly to its rounded total.

    ``parts`` are the parts' rounded values, ``rounding`` the explicit rounding line (zero when the parts
    already tie out) and ``total`` the total rounded; ``sum(parts) + rounding == total`` always holds.

    Examples:
        >>> r = reconcile([Decimal("0.125"), Decimal("0.125")], Decimal("0.25"))
        >>> r.parts, r.rounding, r.total, sum(r.parts) + r.rounding == r.total
        ((Decimal('0.12'), Decimal('0.12')), Decimal('0.01'), Decimal('0.25'), True)
    """

    parts: tuple[Decimal, ...]
    rounding: Decimal
    total: Decimal
    method: str


def reconcile(parts: Sequence[Decimal], total: Decimal | None = None, *, exponent: int = -2,
              method: str = "rounding_line") -> Reconciled:
    """Round a schedule's parts (to cents by default) so that they tie out to the rounded total.

    Two documented methods (docs/decisions/0080-reconciled-schedules.md):

    * ``"rounding_line"`` (the schedules' default) — every part rounded half-even by itself, so a disposal
      shows the same cents in the schedule as everywhere else, and the difference between the rounded
      total and the sum of the rounded parts is shown as one explicit rounding line;
    * ``"largest_remainder"`` — the parts are rounded down and the cents still missing are given, one each,
      to the parts with the largest remainders (ties: the earlier part), so the parts alone sum to the
      rounded total and the rounding line is zero.

    ``total`` defaults to the exact sum of the parts; the year's figure is passed when the schedule explains
    it.

    >>> r = reconcile([Decimal("0.333"), Decimal("0.333"), Decimal("0.334")])
    >>> r.parts, r.rounding, r.total
    ((Decimal('0.33'), Decimal('0.33'), Decimal('0.33')), Decimal('0.01'), Decimal('1.00'))
    >>> reconcile([Decimal("0.333"), Decimal("0.333"), Decimal("0.334")], method="largest_remainder").parts
    (Decimal('0.33'), Decimal('0.33'), Decimal('0.34'))
    """
    if method not in ("rounding_line", "largest_remainder"):
        raise ValueError(f"method must be 'rounding_line' or 'largest_remainder', got {method!r}")
    unit = Decimal(1).scaleb(exponent, _CONTEXT)
    with decimal.localcontext(_CONTEXT):
        exact_total = sum(parts, ZERO) if total is None else total
        rounded_total = exact_total.quantize(unit, rounding=ROUND_HALF_EVEN) + 0
        if method == "rounding_line":
            rounded = [p.quantize(unit, rounding=ROUND_HALF_EVEN) + 0 for p in parts]
        else:
            rounded = [p.quantize(unit, rounding=decimal.ROUND_FLOOR) + 0 for p in parts]
            missing = int((rounded_total - sum(rounded, ZERO)) / unit)
            order = sorted(range(len(parts)), key=lambda i: (-(parts[i] - rounded[i]), i))
            step = unit if missing >= 0 else -unit
            if missing < 0:
                order = sorted(range(len(parts)), key=lambda i: (parts[i] - rounded[i], i))
            for k in range(abs(missing) if parts else 0):
                rounded[order[k % len(order)]] += step
        rounding = rounded_total - sum(rounded, ZERO)
        return Reconciled(tuple(abs(r) if r == 0 else r for r in rounded), abs(rounding) if rounding == 0 else rounding,
                          abs(rounded_total) if rounded_total == 0 else rounded_total, method)


def _to_places(value: Decimal, places: int) -> str:
    """At most ``places`` decimals (half-even), trailing zeros stripped, "…" when digits were dropped."""
    with decimal.localcontext(_CONTEXT):
        shown = value.quantize(Decimal(1).scaleb(-places, _CONTEXT), rounding=ROUND_HALF_EVEN)
        return _plain(shown) + ("" if shown == value else "…")


def fmt_value(value: Any, unit: str) -> str:
    """A trace value formatted for its unit: HKD to the cent, ratios and percentages to six decimals (with
    "…" when digits are dropped), days to one decimal, booleans as yes/no, text as it is.

    >>> fmt_value(Decimal("1234.5"), "HKD"), fmt_value(Decimal(1) / Decimal(3), "ratio"), fmt_value(True, "bool")
    ('1,234.50', '0.333333…', 'yes')
    >>> fmt_value(Decimal("95.0"), "percent"), fmt_value(Decimal("12.25"), "days")
    ('95%', '12.2… days')
    """
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        if unit == "HKD":
            return fmt_hkd(value)
        if unit == "percent":
            return _to_places(value, 6) + "%"
        if unit == "percent-days":
            return _to_places(value, 6) + " %·days"
        if unit == "days":
            return _to_places(value, 1) + " days"
        return _to_places(value, 6)
    return str(value)
