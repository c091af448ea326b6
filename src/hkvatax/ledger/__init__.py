"""The ledger: HKD values and lot matching, in one core (:mod:`hkvatax.ledger.core`). It knows no law."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from ..models.assets import Asset
from ..models.scenario import Scenario
from ..models.table import KIND_CODES, RANK, EventTable
from ..models.taxpayers import LotMethod, MethodElection
from ..money import isolated
from ..periods import YearEnd, YearOfAssessment
from .aggregate import LedgerAggregates
from .core import run_table
from .prices import Conversion, PriceBook, epoch_us
from .results import (
    DisposalRecord,
    Fragment,
    IncomeRecord,
    LedgerNote,
    LedgerResult,
    LotRecord,
    OutgoingRecord,
    PoolSnapshot,
    ReceiptRecord,
)

__all__ = [
    "run_ledger", "match_scenario", "match_table", "scenario_options", "method_schedule", "KIND_RANK", "sort_key",
    "Conversion", "PriceBook", "epoch_us", "DisposalRecord", "Fragment", "IncomeRecord", "LedgerNote",
    "LedgerResult", "LotRecord", "OutgoingRecord", "PoolSnapshot", "ReceiptRecord", "EventTable",
    "LedgerAggregates",
]

KIND_RANK: dict[str, int] = {name: RANK[code] for name, code in KIND_CODES.items()}


def sort_key(event: object) -> tuple[int, int, str]:
    """The total order in which the ledger processes events (decision 0002)."""
    return (epoch_us(event.timestamp), KIND_RANK[event.kind], event.id)  # type: ignore[attr-defined]


def _year_end_of(period_of: Callable[[datetime], YearOfAssessment] | YearEnd | None) -> YearEnd:
    if period_of is None:
        return YearEnd()
    if isinstance(period_of, YearEnd):
        return period_of
    owner = getattr(period_of, "__self__", None)
    if isinstance(owner, YearEnd):
        return owner
    if period_of is YearOfAssessment.containing:
        return YearEnd()
    raise TypeError("period_of must be a YearEnd or its year_of_assessment method")


def run_ledger(
    events: Iterable[object],
    *,
    assets: Sequence[Asset] = (),
    rates: Sequence[object] = (),
    opening: Sequence[object] = (),
    method_for: Callable[[YearOfAssessment], LotMethod] | LotMethod = LotMethod.WEIGHTED_AVERAGE,
    period_of: Callable[[datetime], YearOfAssessment] | YearEnd | None = None,
    per_wallet: bool = False,
    swap_valuation: str = "received",
    allow_unknown_cost: bool = False,
    price_max_age: timedelta = timedelta(days=1),
    receipt_cost_basis: str = "market_value",
) -> LedgerResult:
    """Match every disposal of ``events`` (pydantic events, any order) with the lots that fed it, in HKD,
    keeping every record (see :mod:`hkvatax.ledger.core` for the rules applied).

    Raises:
        InputError: with every problem found (missing rates, oversells, unknown lots, duplicate ids …).

    Examples:
        >>> from hkvatax.models import Acquisition, Disposal
        >>> events = [Acquisition(id="b", timestamp="2025-05-01T10:00:00+08:00", asset="BTC", quantity="2", cost="1000000"),
        ...           Disposal(id="s", timestamp="2025-09-01T10:00:00+08:00", asset="BTC", quantity="0.5", proceeds="300000")]
        >>> result = run_ledger(events)
        >>> sale = result.disposals[0]
        >>> sale.proceeds_hkd, sale.cost_hkd == 250000, sale.gain_hkd == 50000
        (Decimal('300000'), True, True)
    """
    table = events if isinstance(events, EventTable) else EventTable.from_events(events)
    _, result = run_table(table, assets=[a.symbol for a in assets], rates=rates, opening=opening,
                          method_for=method_for, year_end=_year_end_of(period_of), per_wallet=per_wallet,
                          swap_valuation=swap_valuation, allow_unknown_cost=allow_unknown_cost,
                          price_max_age=price_max_age, receipt_cost_basis=receipt_cost_basis, records=True)
    assert result is not None
    return result


def method_schedule(elections: tuple[MethodElection, ...]) -> Callable[[YearOfAssessment], LotMethod]:
    """The cost formula for each year: the latest election whose first year is not after it.

    Before the first election the first election's method applies (a taxpayer's formula is whatever it
    first chose); a change is always an explicit election from a year of assessment onward.
    """
    ordered = sorted(((YearOfAssessment.parse(e.from_year), e.method) for e in elections), key=lambda x: x[0])
    if not ordered:
        ordered = [(YearOfAssessment(1900), LotMethod.WEIGHTED_AVERAGE)]

    def method_for(year: YearOfAssessment) -> LotMethod:
        chosen = ordered[0][1]
        for first, method in ordered:
            if first <= year:
                chosen = method
        return chosen

    method_for.__dict__["methods"] = frozenset(m for _, m in ordered)  # every formula it can give (Core)
    return method_for


def scenario_options(scenario: Scenario, receipt_cost_basis: str | None = None) -> dict[str, Any]:
    """The ledger options a scenario's taxpayer and settings give (elections, basis period, pools …)."""
    tp = scenario.taxpayer
    return {
        "assets": [a.symbol for a in scenario.assets], "rates": scenario.rates, "opening": scenario.opening_lots,
        "method_for": method_schedule(tp.methods),
        "year_end": YearEnd(tp.accounting_year_end_month, tp.accounting_year_end_day),
        "per_wallet": tp.per_wallet_pools, "swap_valuation": scenario.settings.swap_valuation,
        "allow_unknown_cost": scenario.settings.allow_unknown_cost,
        "price_max_age": timedelta(days=scenario.settings.price_max_age_days),
        "receipt_cost_basis": receipt_cost_basis or scenario.settings.receipt_cost_basis or "market_value",
    }


def match_table(scenario: Scenario, table: EventTable, *, receipt_cost_basis: str | None = None,
                records: bool = False) -> tuple[LedgerAggregates, LedgerResult | None]:
    """Match ``table`` with the options of ``scenario`` (whose own events are ignored)."""
    return run_table(table, records=records, **scenario_options(scenario, receipt_cost_basis))


@isolated
def match_scenario(scenario: Scenario, *, receipt_cost_basis: str | None = None) -> LedgerResult:
    """Run the ledger for a scenario with its taxpayer's elections, basis period and settings.

    Examples:
        >>> from hkvatax.examples import example_path
        >>> from hkvatax.io import load_scenario
        >>> result = match_scenario(load_scenario(example_path("individual_investor")))
        >>> result.disposals[0].asset, result.disposals[0].fragments[0].basis
        ('BTC', 'pool')
    """
    _, result = match_table(scenario, EventTable.from_events(scenario.events), receipt_cost_basis=receipt_cost_basis,
                            records=True)
    assert result is not None
    return result
