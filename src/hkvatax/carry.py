"""Carry forward: the closing state of a year of assessment, and the next run from it.

:func:`close_year` writes what a year leaves to the next (docs/decisions/0160-closing-state.md): the pools
exactly as the ledger holds them (every lot, or every average-cost pool with its time weight; per asset or
per wallet), the losses carried forward by regime and branch, and the elections in force. ``assess``,
``compare`` and ``match_scenario`` take it as ``state=``; the run then gives the figures of one long run.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .engine import REGIMES, _open, _Skip, assess, ledger_scenario, state_basis, state_pools, year_end_us
from .errors import ArgumentError
from .io.files import AllowFiles
from .io.loaders import load_csv_ledger
from .io.state import load_state, state_from_dict
from .ledger import scenario_options
from .ledger.core import as_snapshot, start
from .models.scenario import Scenario
from .models.state import YearState
from .models.table import KIND_NAMES, EventTable, epoch_us
from .money import exact_context, isolated
from .periods import YearEnd, YearOfAssessment
from .rules.params import ParamStore

__all__ = ["close_year", "close_csv", "load_state", "state_from_dict", "YearState"]


@isolated
def close_year(scenario: Scenario, year: str | int | YearOfAssessment, *, state: YearState | None = None,
               extension_first_year: str = "2025/26", params: ParamStore | None = None,
               law_settings: Mapping[str, Any] | None = None) -> YearState:
    """The closing state of ``year`` for ``scenario`` (from an earlier closing ``state``, if given).

    Only the events up to the end of the year's basis period are used; later ones are left for the next
    run. The state is validated as any state file is, so the next run accepts it as it is.

    >>> from hkvatax.examples import example_path
    >>> from hkvatax.io import load_scenario
    >>> s = close_year(load_scenario(example_path("individual_trader")), "2025/26")
    >>> s.year, s.losses["baseline"] is not None
    ('2025/26', True)
    """
    closed = YearOfAssessment.parse(year) if not isinstance(year, YearOfAssessment) else year
    if state is not None:
        state_basis(scenario, state)
        if closed <= YearOfAssessment.parse(state.year):
            raise ArgumentError("year", f"the state already closes {state.year}", "close a later year")
    tp = scenario.taxpayer
    year_end = YearEnd(tp.accounting_year_end_month, tp.accounting_year_end_day)
    _, last_day = year_end.basis_period(closed)
    end_us = year_end_us(year_end, closed)
    upto = scenario.model_copy(update={"events": tuple(e for e in scenario.events
                                                       if epoch_us(e.timestamp) < end_us)})

    # the losses: each regime assessed up to the close, as one run up to it would
    matched = ledger_scenario(upto, state=state)
    known = sorted({y for agg in matched.by_basis.values() for y in agg.years})
    first = YearOfAssessment.parse(state.year).next() if state is not None else min([*known, closed])
    span = []
    y = first
    while y <= closed:
        span.append(y)
        y = y.next()
    losses: dict[str, Any] = {}
    basis = "market_value"
    for regime in REGIMES:
        outcome = assess(upto, span, regime=regime, extension_first_year=extension_first_year, params=params,
                         matched=matched, law_settings=law_settings, state=state)
        if regime == "baseline":
            basis = outcome.basis if outcome.basis in ("market_value", "nil") else basis
        carried: Any = None if state is None else state.losses.get(regime)
        for label in reversed(list(outcome.years)):
            ya = outcome.years[label]
            if ya.branches:
                cap = ya.branches.get("capital") or next(iter(ya.branches.values()))
                rev = ya.branches.get("revenue") or cap
                carried = {"capital": cap.losses_carried_forward, "revenue": rev.losses_carried_forward}
                break
        losses[regime] = carried
    if state is not None:
        basis = state.receipt_cost_basis

    # the pools: the ledger up to the close, on the basis the assessment used
    options = scenario_options(upto, basis)
    if state is not None:
        options["opening"] = state_pools(state)
    table = EventTable.from_events(upto.events)
    core = start(table.symbols() if not options["assets"] else None,
                 **{**options, "records": False}, has_events=len(table) > 0)
    skip = _Skip(upto, state) if state is not None else None
    order = table.order()
    if skip is not None:
        order = skip.filter(table, order)
    _open(core, skip, table.us[order[0]] if order else None)
    core.feed(table, order)
    if skip is not None:
        skip.check()
    core.finish()
    with exact_context():
        if core.year is None:  # no event yet: the opening lots as given, placed by the next run
            held: list[tuple[Any, int | None]] = [(lot, None) for lot in core.opening]
            pools_year, method, emptied = None, None, []
        else:
            held = list(core.held())
            pools_year, method, emptied = core.year.label, core.method, core.emptied()
    characters: dict[str, tuple[Any, Any]] = {
        lot.lot_id: (lot.character, lot.character_reason) for lot in (state.pools if state else ())
        if lot.character is not None}
    characters.update({e.id: (getattr(e, "character", None), getattr(e, "character_reason", None))
                       for e in upto.events if getattr(e, "character", None) is not None})
    last_event = state.last_event.model_dump() if state is not None and state.last_event is not None else None
    if order:
        i = order[-1]
        last_event = {"timestamp": table.stamps[i], "kind": KIND_NAMES[table.kinds[i]], "id": table.ids[i]}
    count = (state.event_count if state is not None else 0) + len(order)
    data = {
        "taxpayer": tp.name, "taxpayer_kind": getattr(tp, "kind", type(tp).__name__.lower()),
        "year": closed.label, "period_end": last_day.isoformat(),
        "accounting_year_end_month": tp.accounting_year_end_month,
        "accounting_year_end_day": tp.accounting_year_end_day,
        "methods": list(tp.methods), "per_wallet_pools": tp.per_wallet_pools, "receipt_cost_basis": basis,
        "extension_first_year": YearOfAssessment.parse(extension_first_year).label,
        "pools_year": pools_year, "method": method,
        "pools": [{"asset": s.asset, "wallet": s.wallet, "lot_id": s.lot_id, "acquired_at": s.acquired_at,
                   "quantity": s.quantity, "cost_hkd": s.cost_hkd, "time_weight": s.time_weight, "held_from_us": us,
                   "character": characters.get(s.lot_id, (None, None))[0],
                   "character_reason": characters.get(s.lot_id, (None, None))[1]}
                  for s, us in ((as_snapshot(x), u) for x, u in held)],
        "empty_pools": [{"asset": a, "wallet": w, "quantity": q} for a, w, q in emptied],
        "losses": losses, "last_event": last_event, "event_count": count,
    }
    return YearState.model_validate(data)


@isolated
def close_csv(source: str | Path, profile: str | Path | Mapping[str, Any], year: str | int | YearOfAssessment, *,
              state: YearState | None = None, extension_first_year: str = "2025/26",
              params: ParamStore | None = None, default_tz: str | None = None,
              allow_files: AllowFiles = None) -> YearState:
    """:func:`close_year` for a generic CSV ledger with its profile.

    Examples:
        >>> import pathlib, tempfile
        >>> ledger = pathlib.Path(tempfile.mkdtemp()) / "ledger.csv"
        >>> _ = ledger.write_text("id,timestamp,kind,asset,quantity,amount\\n"
        ...                       "b1,2025-05-01T10:00:00+08:00,acquisition,BTC,2,1000000\\n"
        ...                       "s1,2025-09-01T10:00:00+08:00,disposal,BTC,1,650000\\n")
        >>> profile = {"taxpayer": {"kind": "corporation", "name": "Harbour Ltd"}, "assets": [{"symbol": "BTC"}]}
        >>> state = close_csv(ledger, profile, "2025/26")
        >>> state.year, [(lot.asset, lot.quantity) for lot in state.pools]
        ('2025/26', [('BTC', Decimal('1'))])
    """
    scenario = load_csv_ledger(source, profile, default_tz=default_tz, allow_files=allow_files)
    return close_year(scenario, year, state=state, extension_first_year=extension_first_year, params=params)
