"""The fast ledger: FIFO and weighted-average matching over :class:`~hkvatax.io.fastcsv.FastLedger` events,
with summary detail (docs/decisions/0030-fast-path.md).

It does exactly the arithmetic of :func:`hkvatax.ledger.run_ledger` for the inputs the fast reader
accepts (one pool per asset, amounts in HKD, one cost formula for every year, years of assessment
1 April–31 March Hong Kong time), in the same order and the same decimal context, but keeps no
fragment, lot or conversion record: per disposal only its id, year, proceeds and cost (optionally),
and per year the totals and the closing pools. O(1) amortised per fragment (FIFO), O(1) per disposal
(average cost).

:func:`summarise_csv` is the entry point: the fast path when the CSV is provably valid and supported,
else the reference path (:func:`~hkvatax.io.loaders.read_csv_events` → :func:`run_ledger`) whose
problems are raised unchanged. :func:`summarise` turns a reference :class:`LedgerResult` into the same
:class:`LedgerSummary`, so the two paths can be compared exactly (tests/test_fastpath.py).
"""

from __future__ import annotations

import gc
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import InputError, SourceRef
from ..io.fastcsv import (
    _EPOCH,
    _US,
    K_ACQ,
    K_DISP,
    K_FEE,
    K_RECEIPT,
    K_SWAP,
    K_TRANSFER,
    FastLedger,
    read_fast,
)
from ..models.taxpayers import LotMethod
from ..money import allocate, exact_context
from ..periods import YearOfAssessment
from .aggregate import SAMPLE_SIZE, Group, LedgerAggregates, YearStats
from .results import LedgerResult

__all__ = ["YearTotals", "LedgerSummary", "fast_summary", "fast_aggregates", "fast_aggregates_many", "summarise",
           "summarise_csv"]

ZERO = Decimal(0)


@dataclass(slots=True)
class YearTotals:
    """Disposals of one year of assessment: count and HKD totals (proceeds net of fees, cost, gain)."""

    disposals: int = 0
    proceeds: Decimal = ZERO
    cost: Decimal = ZERO
    gain: Decimal = ZERO


@dataclass(slots=True)
class LedgerSummary:
    """What an assessment needs from the ledger, without per-fragment detail."""

    method: str
    years: dict[YearOfAssessment, YearTotals]
    closing: dict[YearOfAssessment, dict[str, tuple[Decimal, Decimal]]]  # year -> asset -> (quantity, cost)
    event_count: int
    path: str  # "fast" | "reference"
    disposals: list[tuple[str, YearOfAssessment, Decimal, Decimal]] | None = field(default=None)

    @property
    def total_gain(self) -> Decimal:
        with exact_context():
            return sum((t.gain for t in self.years.values()), ZERO)

    def comparable(self) -> tuple[object, ...]:
        """Everything but the path taken (for tests comparing the two paths)."""
        return (self.method, {y: (t.disposals, t.proceeds, t.cost, t.gain) for y, t in self.years.items()},
                self.closing, self.event_count, self.disposals)


def summarise(result: LedgerResult, method: LotMethod, *, keep_disposals: bool = False) -> LedgerSummary:
    """The summary of a reference ledger result (same sums, same order)."""
    years: dict[YearOfAssessment, YearTotals] = {}
    kept: list[tuple[str, YearOfAssessment, Decimal, Decimal]] | None = [] if keep_disposals else None
    with exact_context():
        for d in result.disposals:
            t = years.get(d.year)
            if t is None:
                t = years[d.year] = YearTotals()
            t.disposals += 1
            t.proceeds += d.proceeds_hkd
            t.cost += d.cost_hkd
            t.gain += d.proceeds_hkd - d.cost_hkd
            if kept is not None:
                kept.append((d.disposal_id, d.year, d.proceeds_hkd, d.cost_hkd))
        closing: dict[YearOfAssessment, dict[str, tuple[Decimal, Decimal]]] = {}
        for year, snaps in result.closing.items():
            per: dict[str, tuple[Decimal, Decimal]] = {}
            for s in snaps:
                q, c = per.get(s.asset, (ZERO, ZERO))
                per[s.asset] = (q + s.quantity, c + s.cost_hkd)
            closing[year] = per
    return LedgerSummary(method.value, years, closing, result.event_count, "reference", kept)


class _Fallback(Exception):
    """The ledger would report a problem (an oversell): the reference path reports it."""


def fast_summary(ledger: FastLedger, method: LotMethod, *, keep_disposals: bool) -> LedgerSummary:
    """Match ``ledger`` by ``method`` (FIFO or weighted average). Raises _Fallback on an oversell."""
    if method not in (LotMethod.FIFO, LotMethod.WEIGHTED_AVERAGE):
        raise _Fallback
    fifo = method is LotMethod.FIFO
    tokens = ledger.tokens
    years: dict[YearOfAssessment, YearTotals] = {}
    closing: dict[YearOfAssessment, dict[str, tuple[Decimal, Decimal]]] = {}
    kept: list[tuple[str, YearOfAssessment, Decimal, Decimal]] | None = [] if keep_disposals else None
    lots: dict[str, deque[list[Decimal]]] = {}  # FIFO: asset -> [quantity, cost] oldest first
    held: dict[str, list[Decimal]] = {}  # asset -> [quantity, cost] (pool totals, both methods)

    def snapshot() -> dict[str, tuple[Decimal, Decimal]]:
        out: dict[str, tuple[Decimal, Decimal]] = {}
        for asset in sorted(held):
            if fifo:
                q = c = ZERO
                found = False
                for lot in lots[asset]:
                    if lot[0] != 0:
                        q += lot[0]
                        c += lot[1]
                        found = True
                if found:
                    out[asset] = (q, c)
            elif held[asset][0] != 0:
                out[asset] = (held[asset][0], held[asset][1])
        return out

    def take(asset: str, qty: Decimal) -> Decimal:
        pool = held.get(asset)
        if pool is None:
            raise _Fallback
        if not fifo:
            q, c = pool
            if q <= 0 or qty > q:
                raise _Fallback
            if qty == q:
                cost = c
            else:
                cost = allocate(c, qty, q)
            q -= qty
            c -= cost
            if q == 0:
                c = ZERO
            pool[0], pool[1] = q, c
            return cost
        queue = lots[asset]
        remaining = qty
        cost_total = ZERO
        while remaining > 0:
            while queue and queue[0][0] == 0:
                queue.popleft()
            if not queue:
                raise _Fallback
            lot = queue[0]
            lq = lot[0]
            if lq <= remaining:  # (FIFO reads only the pool's quantity; its cost is in the lots)
                cost_total += lot[1]
                remaining -= lq
                pool[0] -= lq
                lot[0] = ZERO
                lot[1] = ZERO
            else:
                share = allocate(lot[1], remaining, lq)
                cost_total += share
                lot[0] = lq - remaining
                lot[1] -= share
                pool[0] -= remaining
                remaining = ZERO
        while queue and queue[0][0] == 0:
            queue.popleft()
        return cost_total

    def add(asset: str, qty: Decimal, cost: Decimal) -> None:
        pool = held.get(asset)
        if pool is None:
            pool = held[asset] = [ZERO, ZERO]
            lots[asset] = deque()
        pool[0] += qty
        if fifo:
            lots[asset].append([qty, cost])
        else:
            pool[1] += cost

    enabled = gc.isenabled()
    gc.disable()  # lots are small acyclic lists: no need for the cycle collector to rescan them
    try:
        return _match(ledger, method, tokens, years, closing, kept, held, snapshot, take, add)
    finally:
        if enabled:
            gc.enable()


def _match(ledger: FastLedger, method: LotMethod, tokens: set[str],
           years: dict[YearOfAssessment, YearTotals], closing: dict[YearOfAssessment, dict[str, tuple[Decimal, Decimal]]],
           kept: list[tuple[str, YearOfAssessment, Decimal, Decimal]] | None,
           held: dict[str, list[Decimal]], snapshot: Callable[[], dict[str, tuple[Decimal, Decimal]]],
           take: Callable[[str, Decimal], Decimal], add: Callable[[str, Decimal, Decimal], None]) -> LedgerSummary:
    """The one pass over the events (fast_summary's closures do the pool arithmetic)."""
    year: YearOfAssessment | None = None
    totals = YearTotals()
    start: datetime | None = None
    end: datetime | None = None
    with exact_context():
        led = ledger
        for eid, kind, ts, asset, qty, amount, fees, casset, cqty in zip(
                led.ids, led.kinds, led.timestamps, led.assets, led.quantities, led.amounts, led.fees,
                led.counter_assets, led.counter_quantities, strict=True):
            if start is None or not start <= ts < end:
                new_year = YearOfAssessment.containing(ts)
                if new_year != year:
                    if year is not None:
                        closing[year] = snapshot()
                    year = new_year
                    totals = YearTotals()  # events are in time order: a year is never entered twice
                # bounds in UTC: comparing with a dateutil zone would call Python code per event
                start, end = year.start.astimezone(UTC), year.end.astimezone(UTC)
            if kind == K_ACQ:
                add(asset, qty, amount + fees)
                continue
            if kind == K_RECEIPT:
                add(asset, qty, amount + ZERO)
                continue
            if kind == K_TRANSFER:
                pool = held.get(asset)
                if pool is None or pool[0] < qty:
                    raise _Fallback
                continue
            if kind == K_DISP or kind == K_SWAP:
                net = amount - fees
                did = eid
            elif kind == K_FEE:
                if asset not in tokens:
                    continue  # a fee in HKD: an outgoing, not a disposal
                net = amount - ZERO
                did = f"{eid}#fee0"
            else:  # pragma: no cover - the reader admits no other kind
                raise _Fallback
            cost = take(asset, qty)
            assert year is not None
            if year not in years:
                years[year] = totals
            totals.disposals += 1
            totals.proceeds += net
            totals.cost += cost
            totals.gain += net - cost
            if kept is not None:
                kept.append((did, year, net, cost))
            if kind == K_SWAP:
                add(casset, cqty, amount)
        if year is not None:
            closing[year] = snapshot()
    return LedgerSummary(method.value, years, closing, len(ledger), "fast", kept)


def summarise_csv(path: str | Path | None = None, *, text: str | None = None, file: str | None = None,
                  methods: tuple[LotMethod, ...] = (LotMethod.FIFO, LotMethod.WEIGHTED_AVERAGE),
                  keep_disposals: bool = False, fast: bool = True) -> dict[LotMethod, LedgerSummary]:
    """CSV → validated events → matching by each method, as summaries. Raises InputError like the reference."""
    ledger = read_fast(path, text=text, file=file) if fast else None
    if ledger is not None:
        try:
            return {m: fast_summary(ledger, m, keep_disposals=keep_disposals) for m in methods}
        except _Fallback:
            pass
    from ..io.loaders import read_csv_events
    from .matching import run_ledger

    events, problems = read_csv_events(path, text=text, file=file)
    if problems:
        raise InputError(problems)
    return {m: summarise(run_ledger(events, method_for=m), m, keep_disposals=keep_disposals) for m in methods}


class _Matcher:
    """The pools of one cost formula during :func:`fast_aggregates_many` (mutable, private)."""

    __slots__ = ("fifo", "method", "agg", "lots", "pools", "held", "year_disposals", "stats")

    def __init__(self, method: LotMethod, event_count: int):
        self.fifo = method is LotMethod.FIFO
        self.method = method.value
        self.agg = LedgerAggregates(event_count=event_count, path="fast")
        self.lots: dict[str, deque[list[Any]]] = {}  # FIFO: asset -> [quantity, cost, acquired µs], oldest first
        self.pools: dict[str, list[Decimal]] = {}  # average cost: asset -> [quantity, cost, Σ quantity × µs]
        self.held: dict[str, Decimal] = {}  # asset -> quantity held (transfers and oversells check it)
        self.year_disposals: dict[str, Group] = {}  # asset -> this year's disposal group
        self.stats: YearStats | None = None  # this year's statistics, created at its first disposal

    def new_year(self) -> None:
        self.year_disposals = {}
        self.stats = None

    def add(self, asset: str, qty: Decimal, cost: Decimal, at_us: int) -> None:
        held = self.held
        held[asset] = held.get(asset, ZERO) + qty
        if self.fifo:
            queue = self.lots.get(asset)
            if queue is None:
                queue = self.lots[asset] = deque()
            queue.append([qty, cost, at_us])
        else:
            pool = self.pools.get(asset)
            if pool is None:
                pool = self.pools[asset] = [ZERO, ZERO, ZERO]
            pool[0] += qty
            pool[1] += cost
            pool[2] += qty * at_us

    def take(self, asset: str, qty: Decimal, at_us: int, stats: YearStats | None) -> Decimal:
        """Cost of ``qty`` of ``asset``; adds Σ quantity × holding µs to ``stats`` (None for fees)."""
        have = self.held.get(asset)
        if have is None or have < qty:
            raise _Fallback  # an oversell: the reference path reports it
        self.held[asset] = have - qty
        if not self.fifo:
            pool = self.pools[asset]
            q, c, w = pool
            if qty == q:
                cost, weight = c, w
                pool[0] = pool[1] = pool[2] = ZERO
            else:
                cost, weight = allocate(c, qty, q), allocate(w, qty, q)
                pool[0], pool[1], pool[2] = q - qty, c - cost, w - weight
            if stats is not None:
                stats.weighted_us += qty * at_us - weight
                stats.quantity += qty
            return cost
        queue = self.lots[asset]
        remaining = qty
        cost_total = ZERO
        while remaining > 0:
            lot = queue[0]
            lq = lot[0]
            if lq <= remaining:
                queue.popleft()
                part, share = lq, lot[1]
            else:
                part, share = remaining, allocate(lot[1], remaining, lq)
                lot[0] = lq - remaining
                lot[1] -= share
            remaining -= part
            cost_total += share
            if stats is not None:
                stats.weighted_us += part * (at_us - lot[2])
                stats.quantity += part
        return cost_total


def fast_aggregates(ledger: FastLedger, method: LotMethod) -> LedgerAggregates:
    """:func:`fast_aggregates_many` for one cost formula."""
    return fast_aggregates_many(ledger, (method,))[method]


def fast_aggregates_many(ledger: FastLedger, methods: tuple[LotMethod, ...]) -> dict[LotMethod, LedgerAggregates]:
    """The :class:`~hkvatax.ledger.aggregate.LedgerAggregates` of ``ledger`` under each cost formula, in one pass
    over the events, with exactly the arithmetic and order of :func:`run_ledger` followed by :func:`aggregate`.

    Supports what :func:`read_fast` admits, one cost formula for every year and years of assessment ending
    31 March; raises ``_Fallback`` (an oversell, an unsupported formula) so the caller uses the reference path.
    """
    if not methods or any(m not in (LotMethod.FIFO, LotMethod.WEIGHTED_AVERAGE) for m in methods):
        raise _Fallback
    matchers = [_Matcher(m, len(ledger)) for m in methods]
    tokens = ledger.tokens
    file = ledger.file
    enabled = gc.isenabled()
    gc.disable()
    try:
        with exact_context():
            year = YearOfAssessment(1900)  # replaced at the first event
            start: datetime | None = None
            end: datetime | None = None
            for eid, kind, ts, asset, qty, amount, fees, casset, cqty, row, sub in zip(
                    ledger.ids, ledger.kinds, ledger.timestamps, ledger.assets, ledger.quantities, ledger.amounts,
                    ledger.fees, ledger.counter_assets, ledger.counter_quantities, ledger.rows, ledger.subtypes,
                    strict=True):
                if start is None or end is None or not start <= ts < end:
                    year = YearOfAssessment.containing(ts)
                    start, end = year.start.astimezone(UTC), year.end.astimezone(UTC)
                    for m in matchers:
                        m.agg.years_seen.add(year)
                        m.new_year()
                at_us = (ts - _EPOCH) // _US
                if kind == K_ACQ:
                    cost = amount + fees
                    for m in matchers:
                        m.add(asset, qty, cost, at_us)
                    continue
                if kind == K_RECEIPT:
                    value = amount + ZERO
                    for m in matchers:
                        m.add(asset, qty, value, at_us)
                        g = m.agg.receipts.get((year, sub, asset, False))
                        if g is None:
                            g = m.agg.receipts[(year, sub, asset, False)] = Group()
                        g.total += value
                        g.receipts += value
                        g.count += 1
                        if len(g.samples) < SAMPLE_SIZE:
                            g.samples.append((eid, SourceRef(file=file, row=row)))
                    continue
                if kind == K_TRANSFER:
                    for m in matchers:
                        if m.held.get(asset, ZERO) < qty:
                            raise _Fallback
                    continue
                if kind == K_FEE:
                    token_fee = asset in tokens
                    outgoing = amount if token_fee else qty  # a token fee's value, or the HKD fee itself
                    for m in matchers:
                        og = m.agg.outgoings.get((year, "fee", True))
                        if og is None:
                            og = m.agg.outgoings[(year, "fee", True)] = Group()
                        og.total += outgoing
                        og.count += 1
                        if len(og.samples) < SAMPLE_SIZE:
                            og.samples.append((eid, SourceRef(file=file, row=row)))
                    if not token_fee:
                        continue  # a fee in HKD: an outgoing, not a disposal
                    gross, fee, did = amount, ZERO, f"{eid}#fee0"
                elif kind == K_DISP or kind == K_SWAP:
                    gross, fee, did = amount, fees, eid
                else:  # pragma: no cover - the reader admits no other kind
                    raise _Fallback
                net = gross - fee
                for m in matchers:
                    stats = m.stats
                    if stats is None:  # the year's first disposal (events are in time order: a year is new once)
                        stats = m.stats = m.agg.stats[year] = YearStats()
                    if kind == K_FEE:
                        cost = m.take(asset, qty, at_us, None)
                    else:
                        stats.disposals += 1
                        cost = m.take(asset, qty, at_us, stats)
                    g = m.year_disposals.get(asset)
                    if g is None:
                        g = m.year_disposals[asset] = m.agg.disposals[(year, asset, False)] = Group(method=m.method)
                    g.total += net - cost
                    g.receipts += gross
                    g.count += 1
                    if len(g.samples) < SAMPLE_SIZE:
                        g.samples.append((did, SourceRef(file=file, row=row)))
                    if kind == K_SWAP:
                        m.add(casset, cqty, amount, at_us)
    finally:
        if enabled:
            gc.enable()
    return {m: matcher.agg for m, matcher in zip(methods, matchers, strict=True)}
