"""The ledger: HKD values and lot matching. It knows no law (see matching.py's design note)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from ..errors import InputError, Problem
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
    "run_ledger", "match_scenario", "further_problems", "method_schedule", "KIND_RANK", "sort_key", "Conversion", "PriceBook",
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


def further_problems(exc: InputError) -> tuple[Problem, ...]:
    """Problems the ledger finds in the rows of a file that *could* be read (duplicate ids, missing rates,
    oversells …), so that one report lists everything; empty when there is nothing more to check.

    An oversell found here may only follow from a row reported above (a purchase that could not be read).
    """
    if exc.partial is None or not exc.partial.events:
        return ()
    try:
        match_scenario(exc.partial)
    except InputError as more:
        return tuple(Problem(p.code, p.message + (" (this may follow from a row reported above)"
                                                  if p.code in {"oversell", "disposal_before_acquisition",
                                                                "unknown_lot"} else ""),
                             p.source, p.column, p.suggestion) for p in more.problems)
    return ()


def match_scenario(scenario: Scenario, *, receipt_cost_basis: str | None = None) -> LedgerResult:
    """Run the ledger for a scenario with its taxpayer's elections, basis period and settings."""
    tp = scenario.taxpayer
    year_end = YearEnd(tp.accounting_year_end_month, tp.accounting_year_end_day)
    basis = receipt_cost_basis or scenario.settings.receipt_cost_basis or "market_value"
    try:
        return _run(scenario, year_end, basis)
    except InputError as exc:
        raise InputError(_csv_columns(exc.problems, scenario), partial=exc.partial) from None


def _csv_columns(problems: tuple[Problem, ...], scenario: Scenario) -> list[Problem]:
    """Name a CSV row's problem by the CSV column (``amount``) rather than the model field (``cost``)."""
    from ..io.loaders import COLUMNS_BY_KIND

    kinds: dict[tuple[str | None, int | None], str] = {
        (e.source.file, e.source.row): e.kind for e in scenario.events
             if e.source is not None and e.source.row is not None}
    if not kinds:
        return list(problems)
    fees = {"amount": "fee_amount", "value": "fee_value"}  # the ledger's fee problems: fees[n].amount, fees[n].value
    out = []
    for p in problems:
        kind = kinds.get((p.source.file, p.source.row))
        column = p.column
        if kind is not None and column:
            if column.startswith("fees["):
                column = fees.get(column.rsplit(".", 1)[-1], "fee_amount")
            else:
                reverse = {field: col for col, field in COLUMNS_BY_KIND[kind].items()}
                column = reverse.get(column, column)
        out.append(Problem(p.code, p.message, p.source, column, p.suggestion))
    return out


def _run(scenario: Scenario, year_end: YearEnd, basis: str) -> LedgerResult:
    tp = scenario.taxpayer
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
