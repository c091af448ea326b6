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

import bisect
import gc
import itertools
import operator
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import ROUND_DOWN, Decimal
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
from ..money import _GRID, allocate, exact_context
from ..periods import YearOfAssessment
from .aggregate import SAMPLE_SIZE, DisposalKey, Group, LedgerAggregates, YearStats
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
    start: int | None = None
    end = 0
    with exact_context():
        led = ledger
        for eid, kind, us, asset, qty, amount, fees, casset, cqty in zip(
                led.ids, led.kinds, led.us, led.assets, led.quantities, led.amounts, led.fees,
                led.counter_assets, led.counter_quantities, strict=True):
            if start is None or not start <= us < end:
                new_year, start, end = _year_of(us)
                if new_year != year:
                    if year is not None:
                        closing[year] = snapshot()
                    year = new_year
                    totals = YearTotals()  # events are in time order: a year is never entered twice
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
    from . import run_ledger

    events, problems = read_csv_events(path, text=text, file=file)
    if problems:
        raise InputError(problems)
    return {m: summarise(run_ledger(events, method_for=m), m, keep_disposals=keep_disposals) for m in methods}


def _year_bounds(year: YearOfAssessment) -> tuple[int, int]:
    """The first and the first-after instants of ``year``, in microseconds since the epoch (UTC)."""
    return (year.start - _EPOCH) // _US, (year.end - _EPOCH) // _US


def _year_of(us: int) -> tuple[YearOfAssessment, int, int]:
    year = YearOfAssessment.containing(_EPOCH + timedelta(microseconds=us))
    return (year, *_year_bounds(year))


def _years(us: list[int]) -> list[tuple[YearOfAssessment, int, int]]:
    """The years of assessment in which events fall (``us`` ascending), with their bounds."""
    out = []
    i = 0
    while i < len(us):
        found = _year_of(us[i])
        out.append(found)
        i = bisect.bisect_left(us, found[2], i)
    return out


# |Σ quantity × µs| ≤ events × largest quantity × this (microseconds from 1970 to the end of MAX_YEAR, up)
_US_BOUND = 10 ** 16
# below this every sum the matcher makes is exact at 80 digits (a 10^-40 grid under 10^39), so the order of
# exact additions cannot change a digit and money.allocate's cut can be written inline
_EXACT_BELOW = Decimal(10) ** 39
K_IN = 6  # the acquisition side of a swap, in the stream of the asset received
_NO_YEAR = (YearOfAssessment(1900), 0, 0)
Stream = tuple[list[int], tuple[int, ...], tuple[int, ...], tuple[Decimal, ...], tuple[Decimal, ...],
               tuple[Decimal, ...]]


class _Unsorted(Exception):
    """The events do not come in strictly increasing time: match the sorted ledger instead."""


class _Year:
    """One token's disposals in one year of assessment, under one cost formula (flushed at the year's end).

    The gain is kept as Σ gross − Σ fees − Σ cost: every sum is exact (see :class:`Aggregator`), so this is
    Σ (gross − fee − cost) digit for digit, exponent included (an exact sum's exponent is its terms' least).
    """

    __slots__ = ("year", "start", "end", "receipts", "fees", "costs", "count", "samples", "disposals", "weighted",
                 "quantity")

    def __init__(self, found: tuple[YearOfAssessment, int, int]):
        self.year, self.start, self.end = found
        self.receipts = self.fees = self.costs = self.weighted = self.quantity = ZERO
        self.count = self.disposals = 0
        self.samples: list[tuple[str, SourceRef | None]] = []  # the first SAMPLE_SIZE disposals

    def sums(self) -> tuple[Decimal, Decimal, Decimal, Decimal, Decimal, int, int]:
        """The running sums a pool keeps in locals while it runs (see :meth:`roll`)."""
        return self.receipts, self.fees, self.costs, self.weighted, self.quantity, self.count, self.disposals

    def store(self, sums: tuple[Decimal, Decimal, Decimal, Decimal, Decimal, int, int]) -> None:
        (self.receipts, self.fees, self.costs, self.weighted, self.quantity, self.count, self.disposals) = sums

    def roll(self, us: int, asset: str, out: _Out,
             sums: tuple[Decimal, Decimal, Decimal, Decimal, Decimal, int, int]) -> _Year:
        """Close this year with ``sums`` (flushed into ``out``) and open the year of instant ``us``."""
        self.store(sums)
        self.flush(asset, out)
        return _Year(_year_of(us))

    def sample(self, led: FastLedger, j: int) -> None:
        i = j >> 1
        eid = led.ids[i]
        self.samples.append((f"{eid}#fee0" if led.kinds[i] == K_FEE else eid, SourceRef(file=led.file, row=led.rows[i])))

    def flush(self, asset: str, out: _Out) -> None:
        if not self.count:
            return
        out.disposals[(self.year, asset, False)] = Group(self.receipts - self.fees - self.costs, self.receipts,
                                                         self.count, out.method, self.samples)
        s = out.stats.get(self.year)
        if s is None:
            s = out.stats[self.year] = YearStats()
        s.disposals += self.disposals
        s.weighted_us += self.weighted
        s.quantity += self.quantity


@dataclass(slots=True)
class _Out:
    """What one cost formula produces: disposal groups per (year, token) and statistics per year."""

    method: str
    disposals: dict[DisposalKey, Group] = field(default_factory=dict)
    stats: dict[YearOfAssessment, YearStats] = field(default_factory=dict)


class _Fifo:
    """FIFO pool of one token: lots ``[quantity, cost, acquired µs]`` oldest first, O(1) amortised a fragment."""

    __slots__ = ("lots", "held", "year")

    def __init__(self) -> None:
        self.lots: deque[list[Any]] = deque()
        self.held = ZERO
        self.year = _Year(_NO_YEAR)

    def run(self, led: FastLedger, asset: str, stream: Stream, out: _Out) -> None:
        # Amounts are read from plain decimals (exponent ≤ 0), so ``amount + 0`` is ``amount`` digit for digit:
        # a zero fee is not added. The year's sums live in locals and are stored back at its end.
        grid, down, lots, held, y = _GRID, ROUND_DOWN, self.lots, self.held, self.year
        popleft, append = lots.popleft, lots.append
        start, end = y.start, y.end
        receipts, fees, costs, weighted, quantity, count, disposals = y.sums()
        for j, kind, us, qty, amount, fee in zip(*stream, strict=True):
            if not start <= us < end:
                y = y.roll(us, asset, out, (receipts, fees, costs, weighted, quantity, count, disposals))
                start, end = y.start, y.end
                receipts, fees, costs, weighted, quantity, count, disposals = y.sums()
            if kind == K_ACQ:
                held += qty
                append([qty, amount + fee if fee else amount, us])
            elif kind == K_IN or kind == K_RECEIPT:
                held += qty
                append([qty, amount, us])
            elif kind == K_TRANSFER:
                if held < qty:
                    raise _Fallback
            else:  # a disposal, a swap given or a fee paid in the token
                if held < qty:
                    raise _Fallback  # an oversell: the reference path reports it
                held -= qty
                counted = kind != K_FEE  # fees paid in tokens are disposals without a holding period
                remaining = qty
                cost = ZERO
                while remaining:  # never negative: a part is at most what remains
                    lot = lots[0]
                    lq = lot[0]
                    if lq <= remaining:
                        popleft()
                        part, share = lq, lot[1]
                    else:
                        part = remaining
                        share = lot[1] * remaining / lq  # money.allocate, inline
                        if share:
                            share = share.quantize(grid, rounding=down)
                        lot[0] = lq - remaining
                        lot[1] -= share
                    remaining -= part
                    cost += share
                    if counted:
                        weighted += part * (us - lot[2])
                        quantity += part  # fragment by fragment, as the reference sums them (same exponent)
                if counted:
                    disposals += 1
                receipts += amount
                if fee:
                    fees += fee
                costs += cost
                count += 1
                if count <= SAMPLE_SIZE:  # the year's first disposals are its samples
                    y.sample(led, j)
        y.store((receipts, fees, costs, weighted, quantity, count, disposals))
        self.held, self.year = held, y


class _Average:
    """Weighted-average pool of one token: quantity, cost and Σ quantity × acquired µs."""

    __slots__ = ("q", "c", "w", "year")

    def __init__(self) -> None:
        self.q = self.c = self.w = ZERO
        self.year = _Year(_NO_YEAR)

    def run(self, led: FastLedger, asset: str, stream: Stream, out: _Out) -> None:
        # as _Fifo.run: a zero fee is not added; the year's sums live in locals
        grid, down, q, c, w, y = _GRID, ROUND_DOWN, self.q, self.c, self.w, self.year
        start, end = y.start, y.end
        receipts, fees, costs, weighted, quantity, count, disposals = y.sums()
        for j, kind, us, qty, amount, fee in zip(*stream, strict=True):
            if not start <= us < end:
                y = y.roll(us, asset, out, (receipts, fees, costs, weighted, quantity, count, disposals))
                start, end = y.start, y.end
                receipts, fees, costs, weighted, quantity, count, disposals = y.sums()
            if kind == K_ACQ:
                q += qty
                c += amount + fee if fee else amount
                w += qty * us
            elif kind == K_IN or kind == K_RECEIPT:
                q += qty
                c += amount
                w += qty * us
            elif kind == K_TRANSFER:
                if q < qty:
                    raise _Fallback
            else:  # a disposal, a swap given or a fee paid in the token
                if q < qty:
                    raise _Fallback  # an oversell: the reference path reports it
                if qty == q:
                    cost, weight = c, w
                    q = c = w = ZERO
                else:
                    cost = c * qty / q  # money.allocate, inline
                    if cost:
                        cost = cost.quantize(grid, rounding=down)
                    weight = w * qty / q
                    if weight:
                        weight = weight.quantize(grid, rounding=down)
                    q, c, w = q - qty, c - cost, w - weight
                if kind != K_FEE:  # fees paid in tokens are disposals without a holding period
                    disposals += 1
                    weighted += qty * us - weight
                    quantity += qty
                receipts += amount
                if fee:
                    fees += fee
                costs += cost
                count += 1
                if count <= SAMPLE_SIZE:  # the year's first disposals are its samples
                    y.sample(led, j)
        y.store((receipts, fees, costs, weighted, quantity, count, disposals))
        self.q, self.c, self.w, self.year = q, c, w, y


@dataclass(frozen=True, slots=True)
class TokenShare:
    """What one of several processes sharing a ledger handles: ``owner(token, formula)`` is the process that
    runs that token's pool by that formula, ``owner(token, None)`` the one that counts its receipts and fees
    paid in it ("HKD": fees paid in fiat). A process reads the rows of every token it owns a part of."""

    owner: Callable[[str, LotMethod | None], int]
    part: int
    methods: tuple[LotMethod, ...]

    def reads(self, token: str) -> bool:
        return self.owner(token, None) == self.part or any(self.owner(token, m) == self.part for m in self.methods)

    def runs(self, token: str, method: LotMethod) -> bool:
        return self.owner(token, method) == self.part

    def counts(self, token: str) -> bool:
        return self.owner(token, None) == self.part


class Aggregator:
    """Matches a ledger fed in chunks (in time order) by one or more cost formulas, keeping only aggregates.

    Each chunk's events are grouped by token and each token's pool runs in a tight loop over them (the
    acquisition side of a swap goes to the token received). Every sum is exact (events × largest quantity ×
    10^16 < 10^39 is checked at the end, else ``_Fallback``), so summing per token and then across tokens
    gives the reference's ledger-order sums digit for digit, and money.allocate's cut can be written inline.
    Raises ``_Fallback`` on an oversell, ``_Unsorted`` if a chunk is not strictly later than the last.
    """

    def __init__(self, methods: tuple[LotMethod, ...], share: TokenShare | None = None):
        if not methods or any(m not in (LotMethod.FIFO, LotMethod.WEIGHTED_AVERAGE) for m in methods):
            raise _Fallback
        self.methods = methods
        self.share = share  # this process's tokens, when several share the ledger; None: all
        self.outs = [_Out(m.value) for m in methods]
        self.pools: list[dict[str, _Fifo | _Average]] = [{} for _ in methods]
        self.receipts: dict[Any, Group] = {}
        self.outgoings: dict[Any, Group] = {}
        self.outgoing_keys: dict[Any, list[int]] = {}  # the ledger position of each outgoing sample
        self.years_seen: set[YearOfAssessment] = set()
        self.count = 0
        self.last_us: int | None = None
        self.max_quantity = ZERO

    def feed(self, led: FastLedger, *, ordered: bool = False, all_mine: bool = False) -> None:
        """Match the next events. ``ordered``: the whole ledger, already in its order (ties included), whose
        positions are its indices; else a chunk in strictly increasing time, whose positions are its rows.
        ``all_mine``: the reader kept only this aggregator's rows (then they need no filtering)."""
        us = led.us
        if not us:
            return
        if not ordered and ((self.last_us is not None and us[0] <= self.last_us)
                            or not all(map(operator.lt, us[:-1], us[1:]))):
            raise _Unsorted
        self.last_us = us[-1]
        self.count += len(led)
        self.max_quantity = max(self.max_quantity, led.max_quantity)
        enabled = gc.isenabled()
        gc.disable()  # lots are small acyclic lists: no need for the cycle collector to rescan them
        try:
            with exact_context():
                self._flows(led, range(len(led)) if ordered else led.rows, all_mine)
                share = self.share
                streams = _streams(led, None if share is None else share.reads)
                for method, out, pools in zip(self.methods, self.outs, self.pools, strict=True):
                    make = _Fifo if method is LotMethod.FIFO else _Average
                    for asset, stream in streams.items():
                        if share is not None and not share.runs(asset, method):
                            continue
                        pool = pools.get(asset)
                        if pool is None:
                            pool = pools[asset] = make()
                        pool.run(led, asset, stream, out)
        finally:
            if enabled:
                gc.enable()

    def _flows(self, led: FastLedger, positions: Sequence[int], all_mine: bool) -> None:
        """Years seen; receipts (at their stated value) and fees paid (outgoings), the same for every formula.
        ``all_mine``: every row of ``led`` is this aggregator's (the reader kept only those)."""
        file, ids, rows, kinds, share = led.file, led.ids, led.rows, led.kinds, self.share
        assets = led.assets
        counted: set[str] | None = None  # the tokens whose receipts and fees this process counts
        if share is None or all_mine:
            self.years_seen.update(y for y, _, _ in _years(led.us))
        else:
            read = {a for a in set(assets) | set(led.counter_assets) if a and share.reads(a)}
            own = list(itertools.compress(range(len(kinds)), map(operator.or_, map(read.__contains__, assets),
                                                                 map(read.__contains__, led.counter_assets))))
            self.years_seen.update(y for y, _, _ in _years([led.us[i] for i in own]))
        if share is not None:
            counted = {a for a in set(assets) if share.counts(a)}
        year, start, end = _NO_YEAR
        for i in itertools.compress(range(len(kinds)), map((K_RECEIPT, K_FEE).__contains__, kinds)):
            asset = assets[i]
            if counted is not None and asset not in counted:
                continue
            us = led.us[i]
            if not start <= us < end:
                year, start, end = _year_of(us)
            amount = led.amounts[i]
            if kinds[i] == K_RECEIPT:
                assert amount is not None
                value = amount + ZERO
                key: Any = (year, led.subtypes[i], asset, False)
                g = self.receipts.get(key)
                if g is None:
                    g = self.receipts[key] = Group()
                g.receipts += value
            else:
                fee_value = amount if asset != "HKD" else led.quantities[i]  # a token fee's value, or the HKD fee
                assert fee_value is not None
                value = fee_value
                key = (year, "fee", True)
                g = self.outgoings.get(key)
                if g is None:
                    g = self.outgoings[key] = Group()
                    self.outgoing_keys[key] = []
                if len(g.samples) < SAMPLE_SIZE:
                    self.outgoing_keys[key].append(positions[i])
            g.total += value
            g.count += 1
            if len(g.samples) < SAMPLE_SIZE:
                g.samples.append((ids[i], SourceRef(file=file, row=rows[i])))

    def finish(self, event_count: int | None = None) -> dict[LotMethod, LedgerAggregates]:
        """The aggregates of every event fed, by cost formula (``event_count``: of the whole ledger)."""
        if self.count * self.max_quantity * _US_BOUND >= _EXACT_BELOW:
            raise _Fallback  # sums that might round: the reference path, which adds in ledger order
        result = {}
        with exact_context():
            for method, out, pools in zip(self.methods, self.outs, self.pools, strict=True):
                for asset, pool in pools.items():
                    pool.year.flush(asset, out)
                agg = LedgerAggregates(event_count=self.count if event_count is None else event_count, path="fast")
                agg.years_seen = set(self.years_seen)
                agg.disposals = dict(sorted(out.disposals.items()))
                agg.stats = dict(sorted(out.stats.items()))
                agg.receipts = {k: _copy(g) for k, g in sorted(self.receipts.items())}
                agg.outgoings = {k: _copy(g) for k, g in sorted(self.outgoings.items())}
                result[method] = agg
        return result


def _copy(g: Group) -> Group:
    return Group(g.total, g.receipts, g.count, g.method, list(g.samples))


def _streams(led: FastLedger, mine: Callable[[str], bool] | None = None) -> dict[str, Stream]:
    """Each token's events of ``led`` in order, as columns; position 2i is row i's own asset, 2i + 1 the asset
    a swap at row i brings in. ``mine``: only the tokens it accepts."""
    n = len(led)
    positions: dict[str, list[int]] = {a: [] for a in set(led.assets)}
    appenders = {a: p.append for a, p in positions.items()}
    deque(map(operator.call, map(appenders.__getitem__, led.assets), range(0, 2 * n, 2)), maxlen=0)
    swapped: set[str] = set()
    for j in itertools.compress(range(1, 2 * n, 2), map(K_SWAP.__eq__, led.kinds)):
        asset = led.counter_assets[j >> 1]
        positions.setdefault(asset, []).append(j)
        swapped.add(asset)
    positions.pop("HKD", None)  # fees paid in HKD: outgoings only
    if mine is not None:
        positions = {a: p for a, p in positions.items() if mine(a)}
    if not positions:
        return {}
    kinds = _interleave(led.kinds, [K_IN] * n)
    us = _interleave(led.us, led.us)
    qty = _interleave(led.quantities, led.counter_quantities)
    amount = _interleave(led.amounts, led.amounts)
    fees = _interleave(led.fees, led.fees)
    out = {}
    for a in sorted(positions):
        pos = positions[a]
        if a in swapped:
            pos.sort()  # own rows and swaps in, each already in order: one merge
        pick = operator.itemgetter(*pos) if len(pos) > 1 else (lambda col, j=pos[0]: (col[j],))
        out[a] = (pos, pick(kinds), pick(us), pick(qty), pick(amount), pick(fees))
    return out


def _interleave(own: list[Any], received: list[Any]) -> list[Any]:
    out: list[Any] = [None] * (2 * len(own))
    out[0::2] = own
    out[1::2] = received
    return out


def fast_aggregates(ledger: FastLedger, method: LotMethod) -> LedgerAggregates:
    """The :class:`~hkvatax.ledger.aggregate.LedgerAggregates` of a whole ``ledger`` under one cost formula: the
    values of :func:`run_ledger` followed by :func:`aggregate`, digit for digit (see :class:`Aggregator`)."""
    return fast_aggregates_many(ledger, (method,))[method]


def fast_aggregates_many(ledger: FastLedger, methods: tuple[LotMethod, ...]) -> dict[LotMethod, LedgerAggregates]:
    """:func:`fast_aggregates` for each cost formula, in one pass over the events. Raises ``_Fallback`` (an
    oversell, an unsupported formula) so the caller uses the reference path."""
    agg = Aggregator(methods)
    agg.feed(ledger, ordered=True)
    return agg.finish()
