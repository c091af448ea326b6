"""What the ledger produces: disposals with their matched fragments, receipts, outgoings, closing pools.

These are plain frozen dataclasses (slots) rather than pydantic models: a million-row ledger creates
millions of them, and they are built only by the ledger from already-validated input. Each has
``to_dict`` for JSON (Decimals as strings) and a ``from_dict`` where round-trips are needed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from ..errors import SourceRef
from ..money import exact_context, fmt_exact
from ..periods import YearOfAssessment
from .prices import Conversion

__all__ = [
    "Fragment",
    "DisposalRecord",
    "LotRecord",
    "ReceiptRecord",
    "IncomeRecord",
    "OutgoingRecord",
    "PoolSnapshot",
    "LedgerNote",
    "LedgerResult",
]


def _src(source: SourceRef | None) -> dict[str, Any] | None:
    if source is None:
        return None
    return {"file": source.file, "row": source.row, "path": source.path}


@dataclass(frozen=True, slots=True)
class Fragment:
    """A slice of a disposal matched with a slice of one lot (or of an average-cost pool)."""

    lot_id: str
    acquired_at: datetime | None  # None for the 'unknown cost' fragment of an allowed oversell
    quantity: Decimal
    cost_hkd: Decimal
    proceeds_hkd: Decimal
    holding_days: Decimal | None
    basis: str  # "lot" | "pool" | "unknown" | "fifo_fallback"
    held_us: Decimal | None = None  # quantity × holding time in µs, exact (Σ over fragments ÷ Σ quantity = mean)

    @property
    def gain_hkd(self) -> Decimal:
        with exact_context():  # not the caller's context: the global one may have only 28 digits
            return self.proceeds_hkd - self.cost_hkd

    def to_dict(self) -> dict[str, Any]:
        return {
            "lot_id": self.lot_id,
            "acquired_at": self.acquired_at.isoformat() if self.acquired_at else None,
            "quantity": fmt_exact(self.quantity),
            "cost_hkd": fmt_exact(self.cost_hkd),
            "proceeds_hkd": fmt_exact(self.proceeds_hkd),
            "gain_hkd": fmt_exact(self.gain_hkd),
            "holding_days": None if self.holding_days is None else fmt_exact(self.holding_days),
            "basis": self.basis,
        }


@dataclass(frozen=True, slots=True)
class DisposalRecord:
    """One disposal of one asset: a sale, the given-up side of a swap, a fee in kind, a payment, a loss.

    Examples:
        >>> from hkvatax.ledger import run_ledger
        >>> from hkvatax.models import Acquisition, Disposal
        >>> events = [Acquisition(id="b", timestamp="2025-05-01T10:00:00+08:00", asset="BTC", quantity="2", cost="1000000"),
        ...           Disposal(id="s", timestamp="2025-09-01T10:00:00+08:00", asset="BTC", quantity="0.5", proceeds="300000")]
        >>> sale = run_ledger(events).disposals[0]
        >>> sale.disposal_id, sale.kind, sale.year.label, sale.quantity, len(sale.fragments)
        ('s', 'disposal', '2025/26', Decimal('0.5'), 1)
    """

    disposal_id: str  # event id, or "<event id>#fee<n>" for a fee paid in a token
    event_id: str
    kind: str  # disposal | swap | fee | payment | loss
    asset: str
    wallet: str | None
    timestamp: datetime
    year: YearOfAssessment
    quantity: Decimal
    gross_proceeds_hkd: Decimal
    fees_hkd: Decimal
    proceeds_hkd: Decimal  # gross - fees
    cost_hkd: Decimal
    fragments: tuple[Fragment, ...]
    method: str
    source: SourceRef | None = None
    conversions: tuple[Conversion, ...] = ()
    offshore: bool | None = None
    subtype: str | None = None  # a loss's type: loss | theft | slashing | gift | donation
    market_value_hkd: Decimal | None = None  # a loss's market value (stated, or a gift's priced); None: not stated

    @property
    def gain_hkd(self) -> Decimal:
        with exact_context():  # not the caller's context: the global one may have only 28 digits
            return self.proceeds_hkd - self.cost_hkd

    @property
    def holding_days(self) -> Decimal | None:
        known = [f for f in self.fragments if f.holding_days is not None]
        if not known:
            return None
        with exact_context():
            total_q = sum((f.quantity for f in known), Decimal(0))
            if total_q == 0:
                return None
            return sum((f.quantity * f.holding_days for f in known if f.holding_days is not None),
                       Decimal(0)) / total_q

    def to_dict(self, *, fragments: bool = True) -> dict[str, Any]:
        hd = self.holding_days
        out: dict[str, Any] = {
            "disposal_id": self.disposal_id,
            "event_id": self.event_id,
            "kind": self.kind,
            "asset": self.asset,
            "wallet": self.wallet,
            "timestamp": self.timestamp.isoformat(),
            "year_of_assessment": self.year.label,
            "quantity": fmt_exact(self.quantity),
            "gross_proceeds_hkd": fmt_exact(self.gross_proceeds_hkd),
            "fees_hkd": fmt_exact(self.fees_hkd),
            "proceeds_hkd": fmt_exact(self.proceeds_hkd),
            "cost_hkd": fmt_exact(self.cost_hkd),
            "gain_hkd": fmt_exact(self.gain_hkd),
            "holding_days": None if hd is None else fmt_exact(hd),
            "method": self.method,
            "source": _src(self.source),
            "conversions": [c.to_dict() for c in self.conversions],
        }
        if fragments:
            out["fragments"] = [f.to_dict() for f in self.fragments]
        return out


@dataclass(frozen=True, slots=True)
class LotRecord:
    """A lot opened by an acquisition, a swap, a receipt or an opening balance."""

    lot_id: str
    event_id: str
    kind: str
    asset: str
    wallet: str | None
    timestamp: datetime
    year: YearOfAssessment
    quantity: Decimal
    cost_hkd: Decimal
    fees_hkd: Decimal
    source: SourceRef | None = None
    character: str | None = None
    character_reason: str | None = None


@dataclass(frozen=True, slots=True)
class ReceiptRecord:
    """Tokens received (staking, mining, airdrop, fork, lending interest, payment received, salary)."""

    event_id: str
    receipt_type: str
    asset: str
    timestamp: datetime
    year: YearOfAssessment
    quantity: Decimal
    market_value_hkd: Decimal
    cost_basis_hkd: Decimal
    source: SourceRef | None = None
    conversions: tuple[Conversion, ...] = ()
    offshore: bool | None = None


@dataclass(frozen=True, slots=True)
class IncomeRecord:
    """Fiat income: interest, dividends, other."""

    event_id: str
    income_type: str
    timestamp: datetime
    year: YearOfAssessment
    amount_hkd: Decimal
    related_asset: str | None
    source: SourceRef | None = None
    conversions: tuple[Conversion, ...] = ()
    offshore: bool | None = None


@dataclass(frozen=True, slots=True)
class OutgoingRecord:
    """A fee not attached to a purchase or sale (transfer fee, network fee) or a stated expense."""

    event_id: str
    kind: str  # "transfer_fee" | "fee" | "expense"
    timestamp: datetime
    year: YearOfAssessment
    amount_hkd: Decimal
    deductible: bool
    description: str | None
    source: SourceRef | None = None
    conversions: tuple[Conversion, ...] = ()


@dataclass(frozen=True, slots=True)
class PoolSnapshot:
    """A lot (FIFO / specific identification) or a whole average-cost pool, at a point in time."""

    asset: str
    wallet: str | None
    lot_id: str
    acquired_at: datetime
    quantity: Decimal
    cost_hkd: Decimal
    time_weight: Decimal | None = None  # average-cost pools: sum(quantity x acquisition time in µs)

    def to_dict(self) -> dict[str, Any]:
        return {
            "asset": self.asset,
            "wallet": self.wallet,
            "lot_id": self.lot_id,
            "acquired_at": self.acquired_at.isoformat(),
            "quantity": fmt_exact(self.quantity),
            "cost_hkd": fmt_exact(self.cost_hkd),
            "time_weight": None if self.time_weight is None else fmt_exact(self.time_weight),
        }


@dataclass(frozen=True, slots=True)
class LedgerNote:
    """Something the ledger did that a reader must know: an assumption or a transition."""

    code: str  # "unknown_cost" | "method_change" | "fifo_fallback" | "inferred_assets" | ...
    message: str
    event_id: str | None = None
    year: YearOfAssessment | None = None
    source: SourceRef | None = None


@dataclass(frozen=True, slots=True)
class LedgerResult:
    """Everything the ledger found, in time order.

    Examples:
        >>> from hkvatax.ledger import run_ledger
        >>> from hkvatax.models import Acquisition, Disposal
        >>> events = [Acquisition(id="b", timestamp="2025-05-01T10:00:00+08:00", asset="BTC", quantity="2", cost="1000000"),
        ...           Disposal(id="s", timestamp="2025-09-01T10:00:00+08:00", asset="BTC", quantity="0.5", proceeds="300000")]
        >>> result = run_ledger(events)
        >>> result
        <LedgerResult events=2 disposals=1 lots=1 receipts=0 years=[2025/26]>
        >>> [(p.asset, p.quantity) for p in result.closing[result.disposals[0].year]]
        [('BTC', Decimal('1.5'))]
    """

    disposals: tuple[DisposalRecord, ...]
    lots: tuple[LotRecord, ...]
    receipts: tuple[ReceiptRecord, ...]
    incomes: tuple[IncomeRecord, ...]
    outgoings: tuple[OutgoingRecord, ...]
    closing: dict[YearOfAssessment, tuple[PoolSnapshot, ...]]
    opening: tuple[PoolSnapshot, ...]
    notes: tuple[LedgerNote, ...]
    methods: dict[YearOfAssessment, str] = field(default_factory=dict)
    event_count: int = 0

    def __repr__(self) -> str:
        return (f"<LedgerResult events={self.event_count} disposals={len(self.disposals)} lots={len(self.lots)} "
                f"receipts={len(self.receipts)} years=[{', '.join(y.label for y in self.years)}]>")

    @property
    def years(self) -> tuple[YearOfAssessment, ...]:
        seen = {d.year for d in self.disposals} | {r.year for r in self.receipts} | {i.year for i in self.incomes}
        seen |= {o.year for o in self.outgoings} | {lot.year for lot in self.lots} | set(self.closing)
        return tuple(sorted(seen))

    def closing_pools(self, year: YearOfAssessment) -> tuple[PoolSnapshot, ...]:
        """Pools at the end of ``year``'s basis period (the latest snapshot not after it).

        Examples:
            >>> from hkvatax import match_scenario
            >>> from hkvatax.examples import example_path
            >>> from hkvatax.io import load_scenario
            >>> from hkvatax.periods import YearOfAssessment
            >>> result = match_scenario(load_scenario(example_path("corporation")))
            >>> [(p.asset, p.quantity) for p in result.closing_pools(YearOfAssessment(2025))][:1]
            [('BTC', Decimal('1'))]
        """
        best: YearOfAssessment | None = None
        for y in self.closing:
            if y <= year and (best is None or y > best):
                best = y
        if best is None:
            return self.opening
        return self.closing[best]

    def disposals_in(self, year: YearOfAssessment) -> tuple[DisposalRecord, ...]:
        """The disposals whose basis period falls in ``year``, in time order.

        Examples:
            >>> from hkvatax import match_scenario
            >>> from hkvatax.examples import example_path
            >>> from hkvatax.io import load_scenario
            >>> from hkvatax.periods import YearOfAssessment
            >>> result = match_scenario(load_scenario(example_path("corporation")))
            >>> [d.disposal_id for d in result.disposals_in(YearOfAssessment(2025))]
            ['co-4']
        """

        return tuple(d for d in self.disposals if d.year == year)
