"""Exact carried values: figures the ledger or the rules computed, given back to a later run.

A share of a lot's cost lies on the 10^-40 allocation grid and a converted price may have more places still,
so such a value is not held to the 18-place limit of input figures. It is still bounded: at most
:data:`STATE_DIGITS` significant digits (the ledger's precision, :data:`hkvatax.money.PRECISION`) and no
exponent below :data:`STATE_MIN_EXPONENT` (docs/decisions/0160-closing-state.md).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError

from .common import MAX_AMOUNT, _no_float

__all__ = ["STATE_DIGITS", "STATE_MIN_EXPONENT", "StateNumber", "StateQuantity", "StateWeight", "CarriedAmount"]

STATE_DIGITS = 80  # hkvatax.money.PRECISION: the ledger never holds more significant digits
STATE_MIN_EXPONENT = -160  # twice the precision: below any value a ledger of accepted inputs makes
_MAX_MONEY = Decimal("1E+27")  # a pool's cost: 10^9 acquisitions of the largest amount, and more
_MAX_QUANTITY = Decimal("1E+27")
_MAX_WEIGHT = Decimal("1E+45")  # quantity x microseconds since the epoch (< 10^16)


def _state_text(value: Any) -> Any:
    if isinstance(value, bool) or isinstance(value, float):
        raise PydanticCustomError(
            "float_money", "{value} refused: a state file carries numbers as exact strings", {"value": repr(value)})
    if isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise PydanticCustomError("not_a_number", "{value} is not a number", {"value": value[:60]}) from None
        return number
    return value


def _bounded(limit: Decimal, signed: bool = False) -> Any:
    def check(value: Decimal) -> Decimal:
        if not value.is_finite():
            raise PydanticCustomError("not_a_number", "not a finite number")
        sign, digits, exponent = value.as_tuple()
        assert isinstance(exponent, int)
        if len(digits) > STATE_DIGITS or exponent < STATE_MIN_EXPONENT:
            raise PydanticCustomError(
                "absurd_magnitude", "{value} has more digits than the ledger keeps ({digits} significant, "
                "exponent from {exp})", {"value": f"{value:.6E}", "digits": STATE_DIGITS, "exp": STATE_MIN_EXPONENT})
        if value.copy_abs() > limit:
            raise PydanticCustomError(
                "absurd_magnitude", "{value} is beyond any plausible size (limit {limit})",
                {"value": f"{value:.6E}", "limit": f"{limit:E}"})
        if not signed and sign and not value.is_zero():
            raise PydanticCustomError("negative", "must not be negative, got {value}", {"value": str(value)})
        return value

    return check


def _positive(value: Decimal) -> Decimal:
    if value <= 0:
        raise PydanticCustomError("non_positive", "must be greater than zero, got {value}", {"value": str(value)})
    return value


StateNumber = Annotated[Decimal, BeforeValidator(_state_text), AfterValidator(_bounded(_MAX_MONEY))]
"""An exact, non-negative HKD figure as the ledger or the rules hold it (cost of a pool, a loss carried)."""

StateQuantity = Annotated[Decimal, BeforeValidator(_state_text), AfterValidator(_bounded(_MAX_QUANTITY)),
                          AfterValidator(_positive)]
StateWeight = Annotated[Decimal, BeforeValidator(_state_text), AfterValidator(_bounded(_MAX_WEIGHT, signed=True))]




CarriedAmount = Annotated[Decimal, BeforeValidator(_no_float), AfterValidator(_bounded(MAX_AMOUNT))]
"""A non-negative HKD figure an earlier run computed (an opening lot's cost, losses brought forward): the
money bound of any amount, and the digits the ledger keeps rather than the 18 places of an input figure."""
