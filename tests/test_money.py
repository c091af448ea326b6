"""hkvatax.money: float refusal, the local context, allocation, the rounding policies."""

from __future__ import annotations

import decimal
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hkvatax import money
from hkvatax.money import (
    DISPLAY_CENTS,
    ROUND_ASSESSABLE_PROFITS,
    ROUND_TAX,
    FloatMoneyError,
    allocate,
    exact_context,
    fmt_hkd,
    fmt_qty,
    reject_float,
    to_decimal,
)


def test_exact_context_is_local_and_has_80_digits() -> None:
    outer = decimal.getcontext()
    with exact_context() as ctx:
        assert decimal.getcontext() is ctx
        assert ctx.prec == money.PRECISION == 80
        assert not ctx.traps[decimal.Inexact]
        assert Decimal(1) / Decimal(3) == Decimal("0." + "3" * 80)
    assert decimal.getcontext() is outer


def test_exact_context_can_trap_inexact() -> None:
    with exact_context(trap_inexact=True), pytest.raises(decimal.Inexact):
        Decimal(1) / Decimal(3)
    with exact_context(trap_inexact=True):
        # 18-decimal quantity of 10^12 units times a 20-digit price: 50 digits, exact
        q = Decimal("999999999999.999999999999999999")
        p = Decimal("12345678901234567890")
        exact = Decimal(999999999999999999999999999999 * 12345678901234567890).scaleb(-18)  # integer arithmetic
        assert q * p == exact


def test_make_context_returns_fresh_copies() -> None:
    a = money.make_context()
    a.prec = 5
    assert money.make_context().prec == 80


@pytest.mark.parametrize("value", [0.1, 1.0, float("nan")])
def test_reject_float(value: float) -> None:
    with pytest.raises(FloatMoneyError, match="float"):
        reject_float(value)
    with pytest.raises(FloatMoneyError, match="cost"):
        to_decimal(value, field="cost")  # type: ignore[arg-type]


def test_reject_bool_and_pass_others() -> None:
    with pytest.raises(ValueError, match="boolean"):
        reject_float(True)
    assert reject_float("0.1") == "0.1"
    assert reject_float(3) == 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0.1", Decimal("0.1")), (" 1,234.50 ", Decimal("1234.50")), (7, Decimal(7)), (Decimal("2.5"), Decimal("2.5")),
     ("1e3", Decimal("1000"))],
)
def test_to_decimal(text: str | int | Decimal, expected: Decimal) -> None:
    assert to_decimal(text) == expected


@pytest.mark.parametrize("text", ["abc", "", "NaN", "Infinity", "-inf"])
def test_to_decimal_refuses_non_numbers(text: str) -> None:
    with pytest.raises(ValueError, match="proceeds"):
        to_decimal(text, field="proceeds")


def test_rounding_policies_record_their_step() -> None:
    step = ROUND_ASSESSABLE_PROFITS.apply(Decimal("1234.99"))
    assert (step.before, step.after, step.mode, step.status) == (Decimal("1234.99"), Decimal(1234), "ROUND_DOWN",
                                                                  "assumption")
    assert "0003-rounding" in step.authority
    assert ROUND_TAX.apply(Decimal("-0.5")).after == Decimal(0)
    assert str(ROUND_TAX.apply(Decimal("-0.5")).after) == "0"  # never -0
    assert DISPLAY_CENTS.apply(Decimal("0.125")).after == Decimal("0.12")  # half-even
    assert DISPLAY_CENTS.apply(Decimal("0.135")).after == Decimal("0.14")


def test_formatting() -> None:
    assert fmt_hkd(Decimal("1234567.891")) == "1,234,567.89"
    assert fmt_hkd(None) == "—"
    assert fmt_qty(Decimal("1.500000000000000000")) == "1.5"
    assert fmt_qty(Decimal("1E-18")) == "0.000000000000000001"
    assert fmt_qty(Decimal("0E-8")) == "0"
    assert fmt_qty(Decimal("100")) == "100"


def test_allocate_cuts_to_the_grid_toward_zero() -> None:
    with exact_context():
        share = allocate(Decimal("0.02"), Decimal(1), Decimal(3))
        assert share == Decimal("0.0066666666666666666666666666666666666666")
        assert share.as_tuple().exponent == money.ALLOCATION_EXPONENT
        assert allocate(Decimal(0), Decimal(1), Decimal(3)) == 0
        assert allocate(Decimal(10), Decimal(1), Decimal(1)) == 10


@given(
    st.integers(0, 10**33).map(lambda n: Decimal(n).scaleb(-18)),
    st.integers(1, 10**36).map(lambda n: Decimal(n).scaleb(-18)),
    st.data(),
)
def test_allocate_complement_is_exact(total: Decimal, whole: Decimal, data: st.DataObject) -> None:
    part = data.draw(st.integers(0, int(whole.scaleb(18)))).__index__()
    part_d = Decimal(part).scaleb(-18)
    with exact_context(trap_inexact=False):
        share = allocate(total, part_d, whole)
        assert 0 <= share <= total
        with exact_context(trap_inexact=True):
            rest = total - share  # exact: raises Inexact otherwise
            assert rest + share == total


_HOSTILE = decimal.Context(prec=3, rounding=decimal.ROUND_FLOOR, Emin=-9, Emax=9,
                           traps=[decimal.Inexact, decimal.Rounded, decimal.InvalidOperation, decimal.Overflow])


@given(st.decimals(allow_nan=False, allow_infinity=False, places=None).filter(lambda v: abs(v) < Decimal("1E40")),
       st.integers(min_value=0, max_value=9))
def test_shown_figures_do_not_depend_on_the_callers_context(value: Decimal, places: int) -> None:
    plain = (money.fmt_amount(value), money.fmt_hkd(value), money.fmt_cents(value), money.fmt_fixed(value, places))
    with decimal.localcontext(_HOSTILE) as ctx:
        hostile = (money.fmt_amount(value), money.fmt_hkd(value), money.fmt_cents(value),
                   money.fmt_fixed(value, places))
        flags = [s for s, on in ctx.flags.items() if on]
    assert hostile == plain
    assert flags == []  # nothing signalled in the caller's context either
