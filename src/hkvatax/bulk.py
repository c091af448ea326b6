"""Large CSV ledgers: assess straight from the file through the columnar fast path.

:func:`assess_csv` reads the profile (taxpayer, assets, rates, settings), then tries the fast path:
:func:`hkvatax.ledger.stream.aggregates_csv` reads the file in chunks, validating each column by column, and
matches each chunk as it is read, keeping only the per-year, per-asset sums the rules need (no record per
disposal or fragment; optionally on two processes). The outcome is identical to the reference path's
(tests/test_fastpath.py). Whenever the fast path cannot *prove* the input valid and supported — an error
to report, rates to apply, lot designations, per-wallet pools, a non-March year end, a change of cost
formula, a receipt needing a nil cost basis — the reference path runs instead, so errors and results are
always the reference path's.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .compare import Comparison, compare
from .engine import Assessment, assess
from .io.loaders import load_csv_ledger, load_profile, resolve_timezone, scenario_from_dict
from .ledger import method_schedule
from .ledger.aggregate import LedgerAggregates
from .ledger.stream import aggregates_csv
from .models.scenario import Scenario
from .periods import YearOfAssessment

__all__ = ["assess_csv", "compare_csv", "fast_ledger_aggregates"]


def _profile_scenario(profile: str | Path | Mapping[str, Any]) -> Scenario:
    prof = dict(profile) if isinstance(profile, Mapping) else load_profile(profile)
    zone = resolve_timezone(prof.pop("default_timezone", None))
    prof.pop("rates_file", None)
    return scenario_from_dict({**prof, "events": []}, file=None if isinstance(profile, Mapping) else str(profile),
                              default_tz=zone)


def fast_ledger_aggregates(path: str | Path, profile: str | Path | Mapping[str, Any], *,
                           processes: int = 1) -> tuple[Scenario, LedgerAggregates] | None:
    """The profile's scenario and the file's aggregates by the fast path, or None if it does not apply."""
    raw = dict(profile) if isinstance(profile, Mapping) else load_profile(profile)
    if raw.get("rates") or raw.get("rates_file") or raw.get("opening_lots"):
        return None  # conversions and opening pools: the reference path
    scenario = _profile_scenario(profile)
    tp = scenario.taxpayer
    if tp.per_wallet_pools or (tp.accounting_year_end_month, tp.accounting_year_end_day) != (3, 31):
        return None
    if scenario.settings.receipt_cost_basis == "nil" or scenario.settings.allow_unknown_cost:
        return None
    methods = {e.method for e in tp.methods}
    if len(methods) != 1:
        return None
    method = method_schedule(tp.methods)(YearOfAssessment(2018))
    declared = {a.symbol for a in scenario.assets}
    found = aggregates_csv(path, methods=(method,), processes=processes, assets=declared or None)
    return None if found is None else (scenario, found[method])


def assess_csv(path: str | Path, profile: str | Path | Mapping[str, Any], years: Any = None, *,
               regime: str = "baseline", extension_first_year: str = "2025/26", fast: bool = True,
               processes: int = 1) -> Assessment:
    """Assess a generic CSV ledger with its profile; the fast path when it applies (see the module docstring).
    ``processes=2`` shares a large file with a forked process (POSIX; docs/decisions/0031-stream-and-fork.md)."""
    if fast:
        found = fast_ledger_aggregates(path, profile, processes=processes)
        if found is not None:
            scenario, agg = found
            try:
                return assess(scenario, years, regime=regime, extension_first_year=extension_first_year,
                              aggregates=agg)
            except ValueError as exc:
                if "nil cost basis" not in str(exc):
                    raise
    return assess(load_csv_ledger(path, profile), years, regime=regime, extension_first_year=extension_first_year)


def compare_csv(path: str | Path, profile: str | Path | Mapping[str, Any], years: Any = None, *,
                extension_first_year: str = "2025/26", fast: bool = True, processes: int = 1) -> Comparison:
    """:func:`hkvatax.compare` for a generic CSV ledger, through the fast path when it applies."""
    if fast:
        found = fast_ledger_aggregates(path, profile, processes=processes)
        if found is not None:
            scenario, agg = found
            try:
                return compare(scenario, years, extension_first_year=extension_first_year, aggregates=agg)
            except ValueError as exc:
                if "nil cost basis" not in str(exc):
                    raise
    return compare(load_csv_ledger(path, profile), years, extension_first_year=extension_first_year)
