"""Ledger aggregates: what the rules need from a ledger, per year and per asset, without per-row records.

The classification stage needs, for each year of assessment: the gains, gross proceeds and count of
disposals per asset (and offshore flag); the number of disposals and their quantity-weighted holding
period (for the badges of trade); receipts, fiat income and outgoings per kind. A million disposals
become a few dozen :class:`Group` objects.

:mod:`hkvatax.ledger.core` builds them in its one pass; :func:`aggregate` builds the same from a
:class:`~hkvatax.ledger.results.LedgerResult`'s records (when a caller hands over records it already has).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..errors import SourceRef
from ..money import exact_context
from ..periods import YearOfAssessment
from .pools import US_PER_DAY
from .results import LedgerNote, LedgerResult, PoolSnapshot

__all__ = ["Group", "LedgerAggregates", "aggregate", "SAMPLE_SIZE"]

ZERO = Decimal(0)
SAMPLE_SIZE = 10

DisposalKey = tuple[YearOfAssessment, str, bool]  # year, asset, offshore
ReceiptKey = tuple[YearOfAssessment, str, str, bool]  # year, receipt type, asset, offshore
IncomeKey = tuple[YearOfAssessment, str, str | None, bool]  # year, income type, related asset, offshore
OutgoingKey = tuple[YearOfAssessment, str, bool]  # year, kind, deductible
OutflowKey = tuple[YearOfAssessment, str, str, bool]  # year, loss type, asset, offshore (decision 0165)


@dataclass(slots=True)
class Group:
    """Sums over the ledger records of one kind, asset and year (mutable only while being built)."""

    total: Decimal = ZERO  # gain (disposals), market value (receipts), amount (income, outgoings)
    receipts: Decimal = ZERO  # gross trading receipts (disposals: proceeds before fees)
    count: int = 0
    method: str = "-"
    samples: list[tuple[str, SourceRef | None]] = field(default_factory=list)

    def add(self, total: Decimal, receipts: Decimal, record_id: str, source: SourceRef | None) -> None:
        self.total += total
        self.receipts += receipts
        self.count += 1
        if len(self.samples) < SAMPLE_SIZE:
            self.samples.append((record_id, source))

    def to_dict(self) -> dict[str, Any]:
        return {"total": str(self.total), "receipts": str(self.receipts), "count": self.count, "method": self.method}


@dataclass(slots=True)
class YearStats:
    """Disposals in the year other than fees paid in tokens, and Σ quantity × holding time (µs, exact)."""

    disposals: int = 0
    weighted_us: Decimal = ZERO
    quantity: Decimal = ZERO

    @property
    def mean_holding_days(self) -> Decimal | None:
        if not self.quantity:
            return None
        with exact_context():
            return self.weighted_us / self.quantity / US_PER_DAY


@dataclass
class LedgerAggregates:
    """Per-year, per-asset sums of a ledger (see the module docstring)."""

    disposals: dict[DisposalKey, Group] = field(default_factory=dict)
    stats: dict[YearOfAssessment, YearStats] = field(default_factory=dict)
    receipts: dict[ReceiptKey, Group] = field(default_factory=dict)
    incomes: dict[IncomeKey, Group] = field(default_factory=dict)
    outgoings: dict[OutgoingKey, Group] = field(default_factory=dict)
    #: tokens that left without a sale (``loss`` events), by type: total = market value (0 when not stated)
    outflows: dict[OutflowKey, Group] = field(default_factory=dict)
    years_seen: set[YearOfAssessment] = field(default_factory=set)
    event_count: int = 0
    path: str = "reference"
    closing: dict[YearOfAssessment, tuple[PoolSnapshot, ...]] = field(default_factory=dict)
    opening: tuple[PoolSnapshot, ...] = ()
    methods: dict[YearOfAssessment, str] = field(default_factory=dict)
    notes: tuple[LedgerNote, ...] = ()

    @property
    def years(self) -> tuple[YearOfAssessment, ...]:
        return tuple(sorted(self.years_seen))

    def comparable(self) -> tuple[object, ...]:
        """Everything except the path and the samples (for tests comparing the fast and reference paths)."""
        def strip(groups: dict[Any, Group]) -> dict[Any, tuple[Decimal, Decimal, int, str]]:
            return {k: (g.total, g.receipts, g.count, g.method) for k, g in groups.items()}

        return (strip(self.disposals),
                {y: (s.disposals, s.weighted_us, s.quantity) for y, s in self.stats.items()},
                strip(self.receipts), strip(self.incomes), strip(self.outgoings), self.years, self.event_count,
                strip(self.outflows))


def _group(groups: dict[Any, Group], key: Any) -> Group:
    found = groups.get(key)
    if found is None:
        found = groups[key] = Group()
    return found


def aggregate(result: LedgerResult) -> LedgerAggregates:
    """The aggregates of a reference ledger result, summed in ledger order."""
    agg = LedgerAggregates(event_count=result.event_count, path="reference")
    agg.years_seen.update(result.years)
    with exact_context():
        for d in result.disposals:
            g = _group(agg.disposals, (d.year, d.asset, bool(d.offshore)))
            g.method = d.method
            g.add(d.proceeds_hkd - d.cost_hkd, d.gross_proceeds_hkd, d.disposal_id, d.source)
            stats = agg.stats.get(d.year)
            if stats is None:
                stats = agg.stats[d.year] = YearStats()
            if d.kind == "loss":
                _group(agg.outflows, (d.year, d.subtype or "loss", d.asset, bool(d.offshore))).add(
                    ZERO if d.market_value_hkd is None else d.market_value_hkd, ZERO, d.event_id, d.source)
            if d.kind != "fee":
                stats.disposals += 1
                for f in d.fragments:
                    if f.held_us is not None:
                        stats.weighted_us += f.held_us
                        stats.quantity += f.quantity
        for r in result.receipts:
            _group(agg.receipts, (r.year, r.receipt_type, r.asset, bool(r.offshore))).add(
                r.market_value_hkd, r.market_value_hkd, r.event_id, r.source)
        for i in result.incomes:
            _group(agg.incomes, (i.year, i.income_type, i.related_asset, bool(i.offshore))).add(
                i.amount_hkd, i.amount_hkd, i.event_id, i.source)
        for o in result.outgoings:
            _group(agg.outgoings, (o.year, o.kind, o.deductible)).add(o.amount_hkd, ZERO, o.event_id, o.source)
        agg.outflows = dict(sorted(agg.outflows.items()))
    return agg
