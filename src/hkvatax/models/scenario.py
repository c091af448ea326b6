"""A scenario: one taxpayer, its assets, events, rates and settings — everything one run needs."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field, StrictBool, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from .assets import Asset
from .common import (
    Code,
    ExactDecimal,
    Frozen,
    Name,
    Quantity,
    Timestamp,
    check_time_weight,
)
from .events import Event
from .exact import CarriedAmount
from .prices import Rate
from .taxpayers import Taxpayer

__all__ = ["LedgerSettings", "OpeningLot", "Scenario"]


class OpeningLot(Frozen):
    """A lot (or an average-cost pool) held at the start: the closing pool of an earlier run.

    Examples:
        >>> lot = OpeningLot(asset="BTC", lot_id="open-1", quantity="1.5", cost_hkd="300000",
        ...                  acquired_at="2020-06-01T00:00:00+08:00")
        >>> lot.quantity, lot.cost_hkd
        (Decimal('1.5'), Decimal('300000'))
    """

    asset: Code
    lot_id: Name
    quantity: Quantity
    cost_hkd: CarriedAmount  # a closing pool's exact cost (decision 0160), not held to 18 places
    acquired_at: Timestamp
    wallet: Name | None = None
    time_weight: ExactDecimal | None = Field(
        default=None,
        description=(
            "Average-cost pools only: sum of quantity x acquisition time (microseconds since the POSIX epoch), "
            "for holding periods; as in PoolSnapshot.time_weight. time_weight / quantity must be an instant "
            "within the accepted years (1901–2199)."
        ),
    )

    @field_validator("time_weight")
    @classmethod
    def _weight_in_range(cls, value: Decimal | None, info: ValidationInfo) -> Decimal | None:
        quantity = info.data.get("quantity")
        if value is not None and isinstance(quantity, Decimal):
            check_time_weight(value, quantity)
        return value


class LedgerSettings(Frozen):
    """How the ledger reads events. None of these is law; the rules layer records them as assumptions.

    Examples:
        >>> settings = LedgerSettings(swap_valuation="given")
        >>> settings.swap_valuation, settings.allow_unknown_cost
        ('given', False)
    """

    swap_valuation: Literal["received", "given"] = Field(
        default="received", description="Value a swap at the market value of what is received (default) or given up."
    )
    allow_unknown_cost: StrictBool = Field(
        default=False, description="Allow disposing of more than is held, at nil cost for the excess (an assumption)."
    )
    price_max_age_days: int = Field(
        default=1, ge=0, le=3660, description="Oldest rate (in days before the event) the price table may use."
    )
    receipt_cost_basis: Literal["market_value", "nil"] | None = Field(
        default=None,
        description="Cost of tokens received (staking, airdrops …). None: market value for a business, nil otherwise.",
    )


class Scenario(Frozen):
    """Everything hkvatax needs for one taxpayer.

    Examples:
        >>> from hkvatax import assess
        >>> from hkvatax.models import Acquisition, Asset, Corporation, Disposal
        >>> scenario = Scenario(taxpayer=Corporation(name="Harbour Ltd"), assets=[Asset(symbol="BTC")], events=[
        ...     Acquisition(id="b1", timestamp="2025-05-01T10:00:00+08:00", asset="BTC", quantity="2", cost="1000000"),
        ...     Disposal(id="s1", timestamp="2025-09-01T10:00:00+08:00", asset="BTC", quantity="1", proceeds="650000")])
        >>> assess(scenario)["2025/26"].tax_payable
        Decimal('9375')
    """

    taxpayer: Taxpayer
    assets: tuple[Asset, ...] = ()
    events: tuple[Event, ...] = ()
    rates: tuple[Rate, ...] = ()
    opening_lots: tuple[OpeningLot, ...] = ()
    settings: LedgerSettings = Field(default_factory=LedgerSettings)
    description: str | None = None
    sources: tuple[str, ...] = Field(default=(), description="Published sources this scenario reproduces.")

    @model_validator(mode="after")
    def _unique_assets(self) -> Scenario:
        seen: set[str] = set()
        for asset in self.assets:
            if asset.symbol in seen:
                raise ValueError(f"asset {asset.symbol} is declared twice")
            seen.add(asset.symbol)
        pools: set[tuple[str, str | None, str]] = set()
        for lot in self.opening_lots:  # specific identification names a lot by its id within its pool
            key = (lot.asset, lot.wallet, lot.lot_id)
            if key in pools:
                raise PydanticCustomError(
                    "duplicate_id", "opening lot {lot} of {asset} is given twice in one pool: give each its own lot_id",
                    {"lot": lot.lot_id[:60], "asset": lot.asset})
            pools.add(key)
        return self

    def asset(self, symbol: str) -> Asset | None:
        for a in self.assets:
            if a.symbol == symbol:
                return a
        return None


