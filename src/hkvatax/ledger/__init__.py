"""The ledger: HKD values and lot matching. It knows no law (see matching.py's design note)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from ..models.scenario import Scenario
from ..models.taxpayers import LotMethod, MethodElection
from ..periods import YearEnd, YearOfAssessment
from .matching import KIND_RANK, run_ledger, sort_key
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
    "run_ledger", "match_scenario", "method_schedule", "KIND_RANK", "sort_key", "Conversion", "PriceBook",
    "epoch_us", "DisposalRecord", "Fragment", "IncomeRecord", "LedgerNote", "LedgerResult", "LotRecord",
    "OutgoingRecord", "PoolSnapshot", "ReceiptRecord",
]


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
        for start, method in ordered:
            if start <= year:
                chosen = method
        return chosen

    return method_for


def match_scenario(scenario: Scenario, *, receipt_cost_basis: str | None = None) -> LedgerResult:
    """Run the ledger for a scenario with its taxpayer's elections, basis period and settings."""
    tp = scenario.taxpayer
    year_end = YearEnd(tp.accounting_year_end_month, tp.accounting_year_end_day)
    basis = receipt_cost_basis or scenario.settings.receipt_cost_basis or "market_value"
    return run_ledger(
        scenario.events,
        assets=scenario.assets,
        rates=scenario.rates,
        opening=scenario.opening_lots,
        method_for=method_schedule(tp.methods),
        period_of=year_end.year_of_assessment,
        per_wallet=tp.per_wallet_pools,
        swap_valuation=scenario.settings.swap_valuation,
        allow_unknown_cost=scenario.settings.allow_unknown_cost,
        price_max_age=timedelta(days=scenario.settings.price_max_age_days),
        receipt_cost_basis=basis,
    )
