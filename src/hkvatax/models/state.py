"""The closing state of a year of assessment: what the next run starts from (docs/formats.md, "State file").

Written by :func:`hkvatax.close_year` (``hkvatax close``), read by ``assess`` / ``compare`` / ``disposals``
with ``state=`` (``--state FILE``). It holds the pools exactly as the ledger held them, the losses carried
forward by regime and branch, and the elections in force, so that the run after it gives the figures of one
long run (docs/decisions/0160-closing-state.md).

Numbers are carried as the exact text of the ledger's Decimal (``str``: every digit, the exponent kept, so
``1.50`` stays ``1.50``). They are not input figures: a share of a lot's cost lies on the 10^-40 allocation
grid and a converted price may have more places still, so the 18-place input limit does not apply. They are
still bounded: at most :data:`STATE_DIGITS` significant digits (the ledger's precision), no exponent below
:data:`STATE_MIN_EXPONENT`, magnitudes as below.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from .common import MAX_EPOCH_US, MIN_EPOCH_US, Code, Frozen, Timestamp
from .events import Character
from .exact import STATE_DIGITS, STATE_MIN_EXPONENT, StateNumber, StateQuantity, StateWeight
from .taxpayers import LotMethod, MethodElection

__all__ = ["STATE_FORMAT", "STATE_VERSION", "STATE_DIGITS", "STATE_MIN_EXPONENT", "StateNumber", "StateLot",
           "CarriedLosses", "EmptyPool", "StateEvent", "YearState"]

STATE_FORMAT = "hkvatax-state"
STATE_VERSION = 1
class StateLot(Frozen):
    """One lot (FIFO, specific identification) or one whole average-cost pool, as the ledger holds it."""

    asset: Code
    wallet: str | None = None
    lot_id: str = Field(min_length=1)
    acquired_at: Timestamp
    quantity: StateQuantity
    cost_hkd: StateNumber
    time_weight: StateWeight | None = Field(
        default=None, description="Average-cost pools: sum of quantity x acquisition time (µs since the epoch).")
    character: Character | None = Field(default=None, description="The lot's character override (from the event "
                                                                  "that opened it), for its later disposals.")
    character_reason: str | None = None
    held_from_us: int | None = Field(
        default=None, ge=MIN_EPOCH_US, lt=MAX_EPOCH_US,
        description="A lot's instant for holding periods (µs since the epoch) where it is not acquired_at: an "
                    "opening lot given with a time weight. None: acquired_at.")

    @model_validator(mode="after")
    def _mean_in_range(self) -> StateLot:
        if self.time_weight is not None and not self.time_weight.is_zero():
            from ..money import exact_context

            with exact_context():
                mean = self.time_weight / self.quantity
            if not MIN_EPOCH_US <= mean < MAX_EPOCH_US:
                raise PydanticCustomError(
                    "absurd_magnitude", "time_weight / quantity is not an instant within the years hkvatax accepts")
        return self


class EmptyPool(Frozen):
    """A pool that holds nothing at the close: its asset was held, and an average-cost pool's zero keeps the
    exponent of what it held (``0.000000``), which a later sum in that pool, and so a later figure, keeps."""

    asset: Code
    wallet: str | None = None
    quantity: StateWeight

    @model_validator(mode="after")
    def _zero(self) -> EmptyPool:
        if not self.quantity.is_zero():
            raise PydanticCustomError("invalid_field", "an empty pool's quantity is zero, got {value}",
                                      {"value": str(self.quantity)})
        return self


class CarriedLosses(Frozen):
    """Losses carried forward at the end of the year, by branch: the same figure twice unless the year's
    character was indeterminate (both computations are then kept, each with its own losses)."""

    capital: StateNumber
    revenue: StateNumber


class StateEvent(Frozen):
    """The last event the state includes (its place in the ledger's order): a ledger given with the state may
    repeat the events up to the close only if it ends them with this same event."""

    timestamp: Timestamp
    kind: str
    id: str


class YearState(Frozen):
    """The closing state of one year of assessment for one taxpayer.

    Examples:
        >>> from hkvatax import close_year
        >>> from hkvatax.examples import example_path
        >>> from hkvatax.io import load_scenario
        >>> state = close_year(load_scenario(example_path("corporation")), "2025/26")
        >>> state.format, state.year, state.taxpayer_kind
        ('hkvatax-state', '2025/26', 'corporation')
    """

    format: Literal["hkvatax-state"] = "hkvatax-state"
    version: Literal[1] = 1
    taxpayer: str = Field(min_length=1, description="The taxpayer's name (a check, not a fact).")
    taxpayer_kind: str
    year: str = Field(description="The year of assessment closed, e.g. '2025/26'.")
    period_end: str = Field(description="The last day of that year's basis period (ISO date).")
    accounting_year_end_month: int = Field(ge=1, le=12)
    accounting_year_end_day: int = Field(ge=1, le=31)
    methods: tuple[MethodElection, ...] = Field(description="The cost-formula elections in force.")
    per_wallet_pools: bool
    receipt_cost_basis: Literal["market_value", "nil"] = Field(
        description="The cost basis of received tokens the pools were costed on; the next run keeps it.")
    extension_first_year: str = Field(description="The first year of the proposed extension the va_extension "
                                                  "losses were computed with (an assumption).")
    pools_year: str | None = Field(
        description="The last year the ledger entered (the pools are held under its cost formula, ``method``); "
                    "None: no event yet, the pools are the opening lots as given.")
    method: LotMethod | None = Field(description="The cost formula the pools are held under.")
    pools: tuple[StateLot, ...] = ()
    empty_pools: tuple[EmptyPool, ...] = Field(
        default=(), description="Pools emptied before the close (their zero, exponent kept).")
    losses: dict[str, CarriedLosses | None] = Field(
        description="Losses carried forward by regime and branch; None: no year assessed yet (the losses the "
                    "taxpayer states still apply, as stated).")
    last_event: StateEvent | None = None
    event_count: int = Field(ge=0, description="Events the state includes (from the first run on).")

    @model_validator(mode="after")
    def _consistent(self) -> YearState:
        from ..periods import YearOfAssessment

        YearOfAssessment.parse(self.year)
        YearOfAssessment.parse(self.extension_first_year)
        if self.pools_year is not None:
            YearOfAssessment.parse(self.pools_year)
            average = self.method is LotMethod.WEIGHTED_AVERAGE
            for lot in self.pools:
                if (lot.time_weight is not None) != average:
                    raise PydanticCustomError(
                        "invalid_field", "pool {lot} of {asset}: a time_weight belongs to the average-cost pools "
                        "of a weighted-average state, and only there", {"lot": lot.lot_id[:60], "asset": lot.asset})
        for regime in self.losses:
            if regime not in ("baseline", "va_extension"):
                raise PydanticCustomError("unknown_field", "losses of regime {regime}: the regimes are baseline and "
                                          "va_extension", {"regime": regime[:40]})
        seen: set[tuple[str, str | None, str]] = set()
        for lot in self.pools:
            key = (lot.asset, lot.wallet if self.per_wallet_pools else None, lot.lot_id)
            if key in seen:
                raise PydanticCustomError("duplicate_id", "lot {lot} of {asset} is given twice in one pool",
                                          {"lot": lot.lot_id[:60], "asset": lot.asset})
            seen.add(key)
        return self

    def to_dict(self) -> dict[str, Any]:
        """The state as JSON-ready data, every number the exact text of its Decimal (exponent kept).

        Examples:
            >>> from hkvatax import close_year
            >>> from hkvatax.examples import example_path
            >>> from hkvatax.io import load_scenario
            >>> data = close_year(load_scenario(example_path("corporation")), "2025/26").to_dict()
            >>> data["year"], data["method"], data["pools"][0]["asset"], data["pools"][0]["quantity"]
            ('2025/26', 'weighted_average', 'BTC', '1')
        """
        out: dict[str, Any] = self.model_dump(mode="python")
        out["methods"] = [{"method": e.method.value, "from_year": e.from_year, **({"note": e.note} if e.note else {})}
                          for e in self.methods]
        out["method"] = None if self.method is None else self.method.value
        out["pools"] = [{"asset": lot.asset, "wallet": lot.wallet, "lot_id": lot.lot_id,
                         "acquired_at": lot.acquired_at.isoformat(), "quantity": str(lot.quantity),
                         "cost_hkd": str(lot.cost_hkd),
                         "time_weight": None if lot.time_weight is None else str(lot.time_weight),
                         **({} if lot.held_from_us is None else {"held_from_us": lot.held_from_us}),
                         **({} if lot.character is None else {"character": lot.character.value,
                                                              "character_reason": lot.character_reason})}
                        for lot in self.pools]
        out["empty_pools"] = [{"asset": e.asset, "wallet": e.wallet, "quantity": str(e.quantity)}
                              for e in self.empty_pools]
        out["losses"] = {k: None if v is None else {"capital": str(v.capital), "revenue": str(v.revenue)}
                         for k, v in self.losses.items()}
        out["last_event"] = None if self.last_event is None else {
            "timestamp": self.last_event.timestamp.isoformat(), "kind": self.last_event.kind,
            "id": self.last_event.id}
        return out

    def to_json(self) -> str:
        """The state as JSON text (:meth:`to_dict`, indented, ending in a newline): what ``hkvatax close``
        writes and :func:`hkvatax.load_state` reads.

        Examples:
            >>> import json
            >>> from hkvatax import close_year
            >>> from hkvatax.examples import example_path
            >>> from hkvatax.io import load_scenario
            >>> state = close_year(load_scenario(example_path("corporation")), "2025/26")
            >>> text = state.to_json()
            >>> json.loads(text)["format"], text.endswith("\\n")
            ('hkvatax-state', True)
            >>> YearState.model_validate(json.loads(text)) == state
            True
        """
        import json

        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"
