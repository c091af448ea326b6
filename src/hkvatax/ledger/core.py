"""The one ledger core: an :class:`~hkvatax.ledger.table.EventTable` → HKD values → lot matching →
per-year aggregates (always) and per-disposal records (when asked).

Design note
-----------
The ledger knows no law. It is told how to read time (the taxpayer's accounting year end), which cost
formula applies in each year of assessment (``method_for``) and how to value received tokens
(``receipt_cost_basis``). It applies them mechanically, in one pass over the events in a total order:

    (instant, kind rank, id)   with kind rank: acquisition, receipt, income = 0; swap = 1;
                               transfer = 2; disposal, payment, fee, loss, expense = 3

so inflows at an instant come before outflows at the same instant, and the outcome never depends on
the order of the input rows (docs/decisions/0002-event-order.md). Events may be fed in chunks (a large
CSV read as it is matched); each chunk must lie wholly after the previous one in that order.

What comes out: the :class:`~hkvatax.ledger.aggregate.LedgerAggregates` the rules need (a million
disposals become a few dozen groups), and — only when ``records=True`` — a
:class:`~hkvatax.ledger.results.LedgerResult` with every disposal, fragment, lot, receipt and closing
pool. Both are built from the same arithmetic in the same pass (docs/decisions/0032-one-core.md).

Every problem found — a missing rate, an oversell, an unknown lot — is collected, and all are raised
together as one :class:`~hkvatax.errors.InputError`; a row is either used or reported.

Exactness: all arithmetic runs in :func:`hkvatax.money.exact_context`; a share of a lot or pool is cut to
the 10^-40 grid (:func:`hkvatax.money.allocate`) and its complement taken by subtraction. Sums are made
in ledger order, so they are those of a plain event-by-event computation digit for digit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from ..errors import InputError, Problem, SourceRef
from ..models.events import GIVEN_AWAY
from ..models.table import (
    K_ACQ,
    K_DISP,
    K_EXPENSE,
    K_FEE,
    K_INCOME,
    K_LOSS,
    K_PAYMENT,
    K_RECEIPT,
    K_SWAP,
    K_TRANSFER,
    KIND_NAMES,
    EventTable,
    FeeT,
    PickT,
    epoch_us,
    from_us,
)
from ..models.taxpayers import LotMethod
from ..money import allocate, exact_context
from ..periods import HKT, YearEnd, YearOfAssessment, to_hk
from .aggregate import SAMPLE_SIZE, Group, LedgerAggregates, YearStats
from .pools import US_PER_DAY, AveragePool, Lot, LotPool, Take
from .prices import Conversion, PriceBook, conversion
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

__all__ = ["Core", "NIL_BASIS_TYPES", "Records", "year_bounds"]

ZERO = Decimal(0)
_FIFO = LotMethod.FIFO
NIL_BASIS_TYPES = frozenset({"staking", "mining", "airdrop", "fork", "lending_interest"})
_NO_RATES: tuple[Any, ...] = ()


def year_bounds(year_end: YearEnd, us: int) -> tuple[YearOfAssessment, int, int]:
    """The year of assessment whose basis period contains instant ``us``, and that period's first and
    first-after instants in microseconds (basis periods run midnight to midnight, Hong Kong time)."""
    day = to_hk(from_us(us)).date()
    year = year_end.year_of_assessment_for_date(day)
    first, last = year_end.basis_period(year)
    return year, _midnight_us(first), _midnight_us(last + timedelta(days=1))


def _midnight_us(day: date) -> int:
    return epoch_us(datetime(day.year, day.month, day.day, tzinfo=HKT))


#: What ``records=`` may be: False (aggregates only), True (every record kept), or a function given each
#: disposal record as it is made (streamed: nothing is kept, e.g. for ``detail="full"`` on a million rows).
Records = bool | Callable[[DisposalRecord], None]


class _Passed(list[DisposalRecord]):
    """Disposal records handed on as they are made, not kept (the core only ever appends)."""

    def __init__(self, visit: Callable[[DisposalRecord], None]) -> None:
        super().__init__()
        self.visit = visit

    def append(self, record: DisposalRecord) -> None:
        self.visit(record)


class _Dropped(list[Any]):
    """Records nobody asked for while disposals are streamed."""

    def append(self, record: Any) -> None:
        pass


class _Sink:
    """Records of one run (only when asked for): what :class:`LedgerResult` holds — or, streamed, only the
    disposals, each handed to ``visit`` as it is made and none kept."""

    def __init__(self, visit: Callable[[DisposalRecord], None] | None = None) -> None:
        self.disposals: list[DisposalRecord] = [] if visit is None else _Passed(visit)
        self.lots: list[LotRecord] = [] if visit is None else _Dropped()
        self.receipts: list[ReceiptRecord] = [] if visit is None else _Dropped()
        self.incomes: list[IncomeRecord] = [] if visit is None else _Dropped()
        self.outgoings: list[OutgoingRecord] = [] if visit is None else _Dropped()


class Core:
    """One ledger run. Create it, :meth:`open` the opening pools, :meth:`feed` the events (one table, or
    tables in order), then :meth:`finish`."""

    def __init__(
        self,
        *,
        tokens: set[str],
        book: PriceBook,
        method_for: Callable[[YearOfAssessment], LotMethod],
        year_end: YearEnd,
        per_wallet: bool = False,
        swap_valuation: str = "received",
        allow_unknown_cost: bool = False,
        receipt_cost_basis: str = "market_value",
        records: Records = False,
        declared: bool = True,
    ):
        self.tokens = tokens
        self.declared = declared
        self.book = book
        self.quoted = book._cache  # PriceBook.quote's answers by base, checked in line (a call saved per value)
        self.method_for = method_for
        self.year_end = year_end
        self.per_wallet = per_wallet
        self.swap_valuation = swap_valuation
        self.allow_unknown_cost = allow_unknown_cost
        self.nil_receipts = receipt_cost_basis == "nil"
        # "both": match at market value, and carry each lot's and pool's nil-basis cost beside it (decision 0032)
        self.dual = receipt_cost_basis == "both"
        self.year_disposals_alt: dict[tuple[str, bool], Group] = {}
        self.disposals_alt: dict[tuple[YearOfAssessment, str, bool], Group] = {}
        self.closing_alt: dict[YearOfAssessment, tuple[PoolSnapshot, ...]] = {}
        self.nil_aggregates: LedgerAggregates | None = None
        # lots are looked up by id only for specific identification and lots moved between wallets
        # (a schedule says which formulas it can give: no need to ask it for each of 300 years)
        methods = getattr(method_for, "methods", None)
        self.index_lots = per_wallet or (LotMethod.SPECIFIC_ID in methods if isinstance(methods, frozenset) else
                                         any(method_for(YearOfAssessment(y)) == LotMethod.SPECIFIC_ID
                                             for y in range(1900, 2200)))
        self.method: LotMethod | None = None
        self.method_value = "-"
        self.year: YearOfAssessment | None = None
        self.lo = self.hi = 0  # the current basis period, in µs
        self.pools: dict[tuple[str, str | None], LotPool | AveragePool] = {}
        self.problems: list[Problem] = []
        self.ref_problems: list[Problem] = []  # duplicate ids, undeclared assets: listed first
        self.ref_kinds: list[int] = []
        self.problem_kinds: list[int] = []  # the kind of event each problem is about
        self.kind_now = -1
        self.notes: list[LedgerNote] = []
        self.closing: dict[YearOfAssessment, tuple[PoolSnapshot, ...]] = {}
        self.methods: dict[YearOfAssessment, str] = {}
        self.ever_held: set[str] = set()
        self.seen_ids: dict[str, object] = {}  # id -> its first place (a CSV row, or a position in the table)
        self.csv_file: str | None = None
        self.source_table: EventTable | None = None
        self.year_disposals: dict[tuple[str, bool], Group] = {}  # the current year's disposal groups
        self.stats: YearStats | None = None  # the current year's statistics (once it has a disposal)
        self.opening: tuple[PoolSnapshot, ...] = ()
        self.agg = LedgerAggregates(path="core")
        self.sink = _Sink(records) if callable(records) else _Sink() if records else None
        self.count = 0
        self.last: tuple[int, int, str] | None = None

    # ----------------------------------------------------------------- pools and methods
    def pool(self, asset: str, wallet: str | None) -> LotPool | AveragePool:
        key = (asset, wallet if self.per_wallet else None)
        found = self.pools.get(key)
        if found is None:
            found = AveragePool(key[0], key[1]) if self.method is LotMethod.WEIGHTED_AVERAGE \
                else LotPool(key[0], key[1], self.index_lots)
            self.pools[key] = found
        return found

    def snapshot(self, alt: bool = False) -> tuple[PoolSnapshot, ...]:
        out: list[PoolSnapshot] = []
        for key in sorted(self.pools, key=lambda k: (k[0], k[1] or "")):
            out.extend(self.pools[key].snapshot(alt))
        return tuple(out)

    def _close(self) -> None:
        assert self.year is not None
        self.closing[self.year] = self.snapshot()
        if self.dual:
            self.closing_alt[self.year] = self.snapshot(True)

    def enter(self, us: int) -> None:
        """Move to the basis period containing ``us`` (closing the previous one's pools)."""
        year, lo, hi = year_bounds(self.year_end, us)
        self.lo, self.hi = lo, hi
        if self.year is not None and year == self.year:
            return
        if self.year is not None:
            self._close()
            self._flush_year()
            between = self.year.next()
            while between < year:  # a year without events: its election still converts the pools
                method = LotMethod(self.method_for(between))
                if method is not self.method:
                    self._convert(method, between)
                    self.method, self.method_value = method, method.value
                    self.year = between
                    self._close()
                between = between.next()
        self.enter_year(year)

    def _flush_year(self) -> None:
        """The finished year's disposal groups, keyed by year (a year is never entered twice)."""
        if self.year is not None:
            for (asset, offshore), g in self.year_disposals.items():
                self.agg.disposals[(self.year, asset, offshore)] = g
            for (asset, offshore), g in self.year_disposals_alt.items():
                self.disposals_alt[(self.year, asset, offshore)] = g
        self.year_disposals = {}
        self.year_disposals_alt = {}
        self.stats = None

    def enter_year(self, year: YearOfAssessment) -> None:
        self._flush_year()
        self.year = year
        self.agg.years_seen.add(year)
        method = self.method_for(year)
        if not isinstance(method, LotMethod):
            method = LotMethod(method)
        if self.method is not None and method is not self.method:
            self._convert(method, year)
        self.method = method
        self.method_value = method.value
        self.methods[year] = method.value

    def _convert(self, method: LotMethod, year: YearOfAssessment) -> None:
        """Carry every pool into a new cost formula at the start of ``year`` (an explicit election)."""
        old = self.method
        converted: dict[tuple[str, str | None], LotPool | AveragePool] = {}
        for key, pool in self.pools.items():
            if method is LotMethod.WEIGHTED_AVERAGE and isinstance(pool, LotPool):
                avg = AveragePool(key[0], key[1])
                for lot in pool.iter_lots():
                    avg.add(lot.quantity, lot.cost, lot.acquired_us, lot.alt)
                converted[key] = avg
            elif method is not LotMethod.WEIGHTED_AVERAGE and isinstance(pool, AveragePool):
                lots = LotPool(key[0], key[1], self.index_lots)
                mean = pool.mean_acquired_us()
                for snap in pool.snapshot():  # none for an empty pool
                    lots.add(Lot(f"{pool.pool_id}@{year.label}", snap.acquired_at, int(mean), snap.quantity,
                                 snap.cost_hkd, pool.alt))
                converted[key] = lots
            else:
                converted[key] = pool
        self.pools.clear()  # in place: the matching loop holds this dict
        self.pools.update(converted)
        self.notes.append(LedgerNote(
            "method_change",
            f"cost formula changes from {old.value if old else '-'} to {method.value} from {year.label} by election; "
            "pools carried over at their cost (quantity and HKD cost unchanged)",
            year=year,
        ))

    def open(self, snaps: Sequence[PoolSnapshot], first_us: int | None) -> None:
        """Put the opening pools in place (before any event; ``first_us``: the first event's instant)."""
        self.opening = tuple(snaps)
        if not snaps:
            return
        self.index_lots = True
        with exact_context():
            self._open(snaps, first_us)

    def _open(self, snaps: Sequence[PoolSnapshot], first_us: int | None) -> None:
        if first_us is not None:
            self.enter(first_us)
        else:
            first = YearOfAssessment.containing(min(s.acquired_at for s in snaps))
            method = self.method_for(first)
            self.method = method if isinstance(method, LotMethod) else LotMethod(method)
            self.method_value = self.method.value
        for snap in sorted(snaps, key=lambda s: (epoch_us(s.acquired_at), s.asset, s.lot_id)):
            self.ever_held.add(snap.asset)
            pool = self.pool(snap.asset, snap.wallet)
            if isinstance(pool, AveragePool):
                weight = snap.time_weight if snap.time_weight is not None \
                    else snap.quantity * epoch_us(snap.acquired_at)
                pool.add_weighted(snap.quantity, snap.cost_hkd, weight)
            else:
                acquired_us = epoch_us(snap.acquired_at)
                if snap.time_weight is not None:
                    acquired_us = int(snap.time_weight / snap.quantity)
                pool.add(Lot(snap.lot_id, snap.acquired_at, acquired_us, snap.quantity, snap.cost_hkd))

    def resume(self, snaps: Sequence[PoolSnapshot], year: YearOfAssessment, method: LotMethod,
               first_us: int | None, held_from: Sequence[int | None] = (),
               emptied: Sequence[tuple[str, str | None, Decimal]] = ()) -> None:
        """Continue from a closing state (docs/decisions/0160-closing-state.md): the pools exactly as they
        stood at the end of ``year``, in their order, held under ``method`` (``held_from``: each lot's
        instant in µs where it is not its ``acquired_at``). The first event (at ``first_us``) then enters its
        year as one long run would, each election between converting the pools."""
        self.opening = tuple(snaps)
        self.year, self.method, self.method_value = year, method, method.value
        with exact_context():
            for asset, wallet, zero in emptied:
                self.ever_held.add(asset)
                self.pool(asset, wallet).quantity = zero
            for n, snap in enumerate(snaps):
                us = held_from[n] if n < len(held_from) else None
                self.ever_held.add(snap.asset)
                pool = self.pool(snap.asset, snap.wallet)
                if isinstance(pool, AveragePool):
                    assert snap.time_weight is not None
                    pool.add_weighted(snap.quantity, snap.cost_hkd, snap.time_weight)
                else:
                    pool.add(Lot(snap.lot_id, snap.acquired_at, epoch_us(snap.acquired_at) if us is None else us,
                                 snap.quantity, snap.cost_hkd))
            if first_us is not None:
                self.enter(first_us)

    def emptied(self) -> list[tuple[str, str | None, Decimal]]:
        """The pools that hold nothing now: an average-cost pool's zero quantity keeps the exponent of what it
        held (a later sum, and so a later figure, has it; a lot pool's running total reaches no figure), and
        the asset was held; a state keeps them."""
        return [(pool.asset, pool.wallet, pool.quantity if isinstance(pool, AveragePool) else ZERO) for _, pool in sorted(
            self.pools.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")) if pool.quantity == 0]

    def held(self) -> list[tuple[PoolSnapshot, int | None]]:
        """The pools as :meth:`snapshot` gives them, each lot with its instant in µs where that is not its
        ``acquired_at`` (an opening lot given with a time weight): what a closing state keeps."""
        out: list[tuple[PoolSnapshot, int | None]] = []
        for key in sorted(self.pools, key=lambda k: (k[0], k[1] or "")):
            pool = self.pools[key]
            if isinstance(pool, AveragePool):
                out.extend((snap, None) for snap in pool.snapshot())
                continue
            if not isinstance(pool, LotPool):  # pragma: no cover - the pool kinds are closed
                raise TypeError(type(pool).__name__)
            for lot in pool.iter_lots():
                at = epoch_us(lot.acquired_at)
                out.append((PoolSnapshot(pool.asset, pool.wallet, lot.lot_id, lot.acquired_at, lot.quantity, lot.cost),
                            None if lot.acquired_us == at else lot.acquired_us))
        return out

    # ----------------------------------------------------------------- problems
    def _problem(self, problem: Problem) -> None:
        self.problems.append(problem)
        self.problem_kinds.append(self.kind_now)

    def _ref_problem(self, kind: int, problem: Problem) -> None:
        self.ref_problems.append(problem)
        self.ref_kinds.append(kind)

    # ----------------------------------------------------------------- values
    def to_hkd(self, code: str, amount: Decimal, at_us: int, t: EventTable, i: int, column: str,
               convs: list[Conversion] | None) -> Decimal:
        if code == "HKD":
            return amount
        hit = self.quoted.get(code)
        found = hit[2] if hit is not None and hit[0] <= at_us < hit[1] else self.book.quote(code, at_us)
        if found is None:
            token = code in self.tokens
            self._problem(Problem(
                "missing_price" if token else "unknown_currency",
                f"no {'price for token' if token else 'exchange rate for'} {code} to HKD at or within the allowed "
                "age before this event", t.source(i), column,
                suggestion=f"add a rate {code}->HKD (or via USD) dated at or shortly before the event, or state the value",
            ))
            return ZERO
        rates, used = found
        if convs is not None:
            convs.extend(map(conversion, used))
        value = amount * rates[0]
        return value if len(rates) == 1 else value * rates[1]

    def market_value(self, asset: str, qty: Decimal, value: Decimal | None, value_currency: str, at_us: int,
                     t: EventTable, i: int, column: str, convs: list[Conversion] | None) -> Decimal:
        if value is not None:
            return value if value_currency == "HKD" else self.to_hkd(value_currency, value, at_us, t, i, column, convs)
        if asset == "HKD":
            found: tuple[tuple[Decimal, ...], tuple[Any, ...]] | None = ((Decimal(1),), _NO_RATES)
        else:
            hit = self.quoted.get(asset)
            found = hit[2] if hit is not None and hit[0] <= at_us < hit[1] else self.book.quote(asset, at_us)
        if found is None:
            self._problem(Problem(
                "missing_price", f"{asset} needs a market value here and no price {asset}->HKD was found",
                t.source(i), column, suggestion=f"give '{column}' or add a {asset} price at this time",
            ))
            return ZERO
        rates, used = found
        if convs is not None:
            convs.extend(map(conversion, used))
        if asset == "HKD":
            return qty
        amount = qty * rates[0]
        return amount if len(rates) == 1 else amount * rates[1]

    def fee_values(self, fees: Sequence[FeeT], at_us: int, t: EventTable, i: int, convs: list[Conversion] | None
                   ) -> tuple[Decimal, list[tuple[int, str, Decimal, Decimal, list[Conversion] | None]]]:
        """Total HKD value of ``fees`` and the token fees that are disposals (index, asset, qty, value)."""
        if len(fees) == 1:  # the common cases: one fee, in HKD or in a token
            amount, currency, value, value_currency = fees[0]
            if currency == "HKD" and "HKD" not in self.tokens:
                return ZERO + amount, []
            if currency in self.tokens:
                own: list[Conversion] | None = [] if convs is not None else None
                v = self.market_value(currency, amount, value, value_currency, at_us, t, i, "fees[0].value", own)
                if convs is not None and own:
                    convs.extend(own)
                return ZERO + v, [(0, currency, amount, v, own)]
        total = ZERO
        in_kind: list[tuple[int, str, Decimal, Decimal, list[Conversion] | None]] = []
        for n, (amount, currency, value, value_currency) in enumerate(fees):
            if currency in self.tokens:
                fee_convs: list[Conversion] | None = [] if convs is not None else None
                v = self.market_value(currency, amount, value, value_currency, at_us, t, i, f"fees[{n}].value",
                                      fee_convs)
                in_kind.append((n, currency, amount, v, fee_convs))
                if convs is not None and fee_convs:
                    convs.extend(fee_convs)
                total += v
            else:
                total += amount if currency == "HKD" else self.to_hkd(currency, amount, at_us, t, i,
                                                                      f"fees[{n}].amount", convs)
        return total, in_kind

    # ----------------------------------------------------------------- matching
    def dispose(self, did: str, eid: str, kind: str, asset: str, wallet: str | None, qty: Decimal,
                gross: Decimal, fees: Decimal, picks: Sequence[PickT], at_us: int, t: EventTable, i: int,
                convs: Sequence[Conversion] | None, offshore: bool | None, *, subtype: str | None = None,
                market: Decimal | None = None) -> None:
        """Match a disposal of ``qty`` of ``asset`` (worth ``gross`` less ``fees``) with lots; aggregate it
        (``subtype``, ``market``: a loss's type and market value, for its record)."""
        method = self.method
        year = self.year
        assert method is not None and year is not None
        key = (asset, wallet if self.per_wallet else None)
        pool = self.pools.get(key)
        if pool is None:
            pool = self.pool(asset, wallet)
        sink = self.sink
        dual = self.dual
        if not picks and method is _FIFO and type(pool) is LotPool and sink is None:
            lots = pool.lots
            if lots:
                lot = lots[0]
                lq = lot.quantity
                if lq > qty > ZERO and lot.alt is None:
                    # the commonest disposal: part of the oldest lot, no records (LotPool.take_fifo's first
                    # step and the one-take aggregation below, in line); with both cost bases carried, a lot
                    # with no nil-basis cost of its own costs the same on both
                    share = allocate(lot.cost, qty, lq)
                    pool.alts = None
                    lot.quantity = lq - qty
                    lot.cost -= share
                    pool.quantity -= qty
                    stats = self.stats
                    if stats is None:
                        stats = self.stats = self.agg.stats[year] = YearStats()
                    if kind != "fee":
                        stats.disposals += 1
                        stats.weighted_us += qty * (at_us - lot.acquired_us)
                        stats.quantity += qty
                    net = gross - fees
                    gkey = (asset, bool(offshore))
                    cost = ZERO + share  # (as the sum below makes it: a -0 becomes 0)
                    if dual:
                        self._add(self.year_disposals_alt, gkey, net - cost, gross, did, t, i, self.method_value)
                    self._add(self.year_disposals, gkey, net - cost, gross, did, t, i, self.method_value)
                    return
        takes: list[Take]
        short: Decimal
        pool_weight = ZERO
        alts: list[Decimal | None] | None = None
        if not picks and method is _FIFO and type(pool) is LotPool:  # the common case first
            takes, short = pool.take_fifo(qty, "lot")
            alts = pool.alts
        elif isinstance(pool, AveragePool):
            takes, short, pool_weight = pool.take(qty, sink is not None)
            alts = pool.alts
            if picks:
                self.notes.append(LedgerNote(
                    "picks_ignored", f"{did}: lot designations ignored under weighted average cost",
                    eid, year, t.source(i)))
        elif method is LotMethod.SPECIFIC_ID and picks:
            assert isinstance(pool, LotPool)
            takes = []
            picked = ZERO
            for lot_id, pick_qty in picks:
                took = pool.take_lot(lot_id, pick_qty)
                if took is None:
                    self._problem(Problem(
                        "unknown_lot",
                        f"lot {lot_id!r} of {asset} does not exist here or holds "
                        f"{pool.available(lot_id)}, less than the {pick_qty} designated",
                        t.source(i), "lots"))
                    continue
                if dual and (pool.alts is not None or alts is not None):
                    alts = (alts or [None] * len(takes)) + (pool.alts or [None])
                takes.append(took)
                picked += pick_qty
            rest = qty - picked
            short = ZERO
            if rest < 0:
                self._problem(Problem(
                    "invalid_field", f"designated lots total {picked}, more than the {qty} disposed of",
                    t.source(i), "lots"))
            elif rest > 0:
                more, short = pool.take_fifo(rest, "fifo_fallback")
                if dual and (pool.alts is not None or alts is not None):
                    alts = (alts or [None] * len(takes)) + (pool.alts or [None] * len(more))
                takes.extend(more)
                self.notes.append(LedgerNote(
                    "fifo_fallback", f"{did}: {rest} {asset} not designated to a lot; matched first-in first-out",
                    eid, year, t.source(i)))
        else:
            assert isinstance(pool, LotPool)
            if picks and method is not LotMethod.SPECIFIC_ID:
                self.notes.append(LedgerNote(
                    "picks_ignored", f"{did}: lot designations ignored under first-in first-out (they apply under "
                    "specific identification)", eid, year, t.source(i)))
            if method is LotMethod.SPECIFIC_ID:
                if kind != "fee":
                    self.notes.append(LedgerNote(
                        "fifo_fallback", f"{did}: no lot designated under specific identification; matched "
                        "first-in first-out", eid, year, t.source(i)))
                takes, short = pool.take_fifo(qty, "fifo_fallback")
            else:
                takes, short = pool.take_fifo(qty, "lot")
            alts = pool.alts
        if short > 0:
            self._short(did, eid, asset, wallet, qty, short, takes, t, i)
        net = gross - fees
        stats = self.stats
        if stats is None:
            stats = self.stats = self.agg.stats[year] = YearStats()
        counted = kind != "fee"
        if counted:
            stats.disposals += 1
        cost_total = ZERO
        if sink is None and len(takes) == 1:  # the usual disposal: one lot, or the pool
            _lot_id, _at, acquired_us, tq, cost_total, basis = takes[0]
            cost_total = ZERO + cost_total  # (as the sum below makes it: a -0 becomes 0)
            if counted and acquired_us is not None:
                stats.weighted_us += tq * at_us - pool_weight if basis == "pool" else tq * (at_us - acquired_us)
                stats.quantity += tq
        elif sink is None:
            for _lot_id, _at, acquired_us, tq, tcost, basis in takes:
                cost_total += tcost
                if counted and acquired_us is not None:
                    # a pool's tq × (at − weight / tq), kept exact as tq × at − weight
                    stats.weighted_us += tq * at_us - pool_weight if basis == "pool" else tq * (at_us - acquired_us)
                    stats.quantity += tq
        else:
            fragments: list[Fragment] = []
            allocated = ZERO
            last = len(takes) - 1
            for n, (lot_id, acquired_at, acquired_us, tq, tcost, basis) in enumerate(takes):
                cost_total += tcost
                if acquired_us is None:
                    held_us = None
                    held_days = None
                else:
                    held_us = tq * at_us - pool_weight if basis == "pool" else tq * (at_us - acquired_us)
                    held_days = (Decimal(at_us) - Decimal(acquired_us)) / US_PER_DAY
                    if counted:
                        stats.weighted_us += held_us
                        stats.quantity += tq
                if n == last:
                    share = net - allocated
                else:
                    share = allocate(net, tq, qty)
                    allocated += share
                fragments.append(Fragment(lot_id, acquired_at, tq, tcost, share, held_days, basis, held_us))
            sink.disposals.append(DisposalRecord(
                disposal_id=did, event_id=eid, kind=kind, asset=asset, wallet=wallet, timestamp=t.stamps[i],
                year=year, quantity=qty, gross_proceeds_hkd=gross, fees_hkd=fees, proceeds_hkd=net,
                cost_hkd=cost_total, fragments=tuple(fragments), method=method.value, source=t.source(i),
                conversions=tuple(convs or ()), offshore=offshore, subtype=subtype, market_value_hkd=market,
            ))
        gkey = (asset, bool(offshore))
        if dual:
            alt_total = cost_total
            if alts is not None:
                alt_total = ZERO
                for n, (_l, _a, _u, _q, tcost, _b) in enumerate(takes):
                    a = alts[n] if n < len(alts) else None
                    alt_total += tcost if a is None else a
            self._add(self.year_disposals_alt, gkey, net - alt_total, gross, did, t, i, self.method_value)
        self._add(self.year_disposals, gkey, net - cost_total, gross, did, t, i, self.method_value)

    def _short(self, did: str, eid: str, asset: str, wallet: str | None, qty: Decimal, short: Decimal,
               takes: list[Take], t: EventTable, i: int) -> None:
        """A disposal of more than is held: nil cost for the excess (if allowed), else a problem."""
        held = qty - short
        src = t.source(i)
        stamp = t.stamps[i]
        if self.allow_unknown_cost:
            takes.append(("UNKNOWN", None, None, short, ZERO, "unknown"))
            self.notes.append(LedgerNote(
                "unknown_cost",
                f"{did}: disposes of {qty} {asset} but only {held} is held; the excess {short} is "
                "taken at nil cost (assumption: allow_unknown_cost)", eid, self.year, src))
        elif asset not in self.ever_held:
            self._problem(Problem(
                "disposal_before_acquisition",
                f"{asset}: at {stamp.isoformat()} gives up {qty} but nothing of {asset} was acquired, "
                "received or held before it", src, "quantity",
                suggestion="add the acquisition (or opening balance) it came from, or check the date and asset",
            ))
        else:
            self._problem(Problem(
                "oversell",
                f"{asset}{' in wallet ' + repr(wallet) if self.per_wallet and wallet else ''}: at "
                f"{stamp.isoformat()} disposes of {qty} but only {held} is held",
                src, "quantity",
                suggestion="add the missing acquisition or opening balance, or set allow_unknown_cost",
            ))

    def move(self, asset: str, qty: Decimal, from_wallet: str, to_wallet: str, t: EventTable, i: int) -> None:
        """Move tokens between own wallets: not a disposal. Only matters with per-wallet pools."""
        if not self.per_wallet:
            pool = self.pool(asset, None)
            if pool.quantity < qty:
                self._problem(Problem(
                    "oversell", f"{asset}: at {t.stamps[i].isoformat()} transfers {qty} but only "
                    f"{pool.quantity} is held", t.source(i), "quantity",
                    suggestion="add the missing acquisition or opening balance"))
            return
        source_pool = self.pool(asset, from_wallet)
        target = self.pool(asset, to_wallet)
        if source_pool.quantity < qty:
            self._problem(Problem(
                "oversell", f"{asset} in wallet {from_wallet!r}: at {t.stamps[i].isoformat()} "
                f"transfers {qty} but only {source_pool.quantity} is held there", t.source(i), "quantity"))
            return
        if isinstance(source_pool, AveragePool):
            assert isinstance(target, AveragePool)
            takes, _, weight = source_pool.take(qty)
            alt = source_pool.alts[0] if source_pool.alts else None
            for _lot_id, _at, _us, tq, tcost, _basis in takes:
                target.add_weighted(tq, tcost, weight, alt)
        else:
            assert isinstance(target, LotPool)
            takes, _ = source_pool.take_fifo(qty)
            alts = source_pool.alts
            for n, (lot_id, acquired_at, acquired_us, tq, tcost, _basis) in enumerate(takes):
                assert acquired_at is not None and isinstance(acquired_us, int)
                target.add(Lot(lot_id, acquired_at, acquired_us, tq, tcost, alts[n] if alts else None))

    # ----------------------------------------------------------------- references
    def check_references(self, t: EventTable) -> None:
        """Unique ids and declared assets, in input order (their problems are listed before the ledger's)."""
        ids, seen = t.ids, self.seen_ids
        if t.sources is None:  # a CSV chunk: remember each id's row (the file is the run's one CSV file)
            self.csv_file = t.file
            places: Sequence[object] = t.rows
        else:
            self.source_table = t
            places = range(len(t))
        fresh = set(ids)
        if len(fresh) == len(ids) and seen.keys().isdisjoint(fresh):
            seen.update(zip(ids, places, strict=True))
            if self.declared and not (set(t.asset) | set(t.asset2)) <= self.tokens | {""}:
                for i in range(len(t)):
                    self._unknown_assets(t, i)
            return
        for i, (eid, place) in enumerate(zip(ids, places, strict=True)):
            first = seen.get(eid)
            if first is None:
                seen[eid] = place
            else:
                self._ref_problem(t.kinds[i], Problem(
                    "duplicate_id", f"id {eid!r} is used again (first at {self._where(first)})", t.source(i), "id",
                    suggestion="give every event its own id"))
            self._unknown_assets(t, i)

    def _where(self, place: object) -> SourceRef:
        if self.source_table is not None:
            assert isinstance(place, int)
            return self.source_table.source(place)
        assert isinstance(place, int)
        return SourceRef(file=self.csv_file, row=place)

    def _unknown_assets(self, t: EventTable, i: int) -> None:
        kind = t.kinds[i]
        if not self.declared or kind in (K_FEE, K_INCOME, K_EXPENSE):
            return
        names = [("asset" if kind != K_SWAP else "give_asset", t.asset[i])]
        if kind == K_SWAP:
            names.append(("receive_asset", t.asset2[i]))
        for column, symbol in names:
            if symbol not in self.tokens:
                self._ref_problem(t.kinds[i], Problem(
                    "unknown_asset", f"asset {symbol} is not declared in 'assets'", t.source(i), column,
                    suggestion=f"declare {symbol} in the scenario's assets"))

    # ----------------------------------------------------------------- events
    def feed(self, t: EventTable, order: Iterable[int] | None = None) -> None:
        """Process the events of ``t`` (in ``order``, default :meth:`EventTable.order`)."""
        positions = t.order() if order is None else order
        self.check_references(t)
        with exact_context():
            self._feed(t, positions)
        self.count += len(t)

    def _feed(self, t: EventTable, positions: Iterable[int]) -> None:
        kinds, us, ids, assets, qtys, amounts, currencies = t.kinds, t.us, t.ids, t.asset, t.qty, t.amount, t.currency
        wallets, offshores, fee_col, picks_col = t.wallet, t.offshore, t.fees, t.picks
        sink = self.sink
        record = sink is not None
        dispose, fee_values, to_hkd = self.dispose, self.fee_values, self.to_hkd
        pools, per_wallet = self.pools, self.per_wallet
        asset2s, qty2s, stamps, values_of, held = t.asset2, t.qty2, t.stamps, self.market_value, self.ever_held.add
        by_given = self.swap_valuation == "given"
        lo, hi = (self.lo, self.hi) if self.year is not None else (0, 0)
        for i in positions:
            at_us = us[i]
            if not lo <= at_us < hi:
                self.enter(at_us)
                lo, hi = self.lo, self.hi
            kind = self.kind_now = kinds[i]
            eid = ids[i]
            convs: list[Conversion] | None = [] if record else None
            wallet = wallets[i]
            offshore = offshores[i]
            fees_in = fee_col[i]
            fees, in_kind = ZERO, None
            if kind == K_SWAP:  # (the commonest kind of an exchange's history; in line, a call saved)
                give, qty, got, got_qty, amount = assets[i], qtys[i], asset2s[i], qty2s[i], amounts[i]
                assert qty is not None and got_qty is not None
                if amount is not None:
                    cur = currencies[i]
                    worth = amount if cur == "HKD" else to_hkd(cur, amount, at_us, t, i, "value", convs)
                elif by_given:
                    worth = values_of(give, qty, None, "HKD", at_us, t, i, "value", convs)
                else:
                    worth = values_of(got, got_qty, None, "HKD", at_us, t, i, "value", convs)
                if fees_in:
                    fees, in_kind = fee_values(fees_in, at_us, t, i, convs)
                dispose(eid, eid, "swap", give, wallet, qty, worth, fees, picks_col[i], at_us, t, i, convs, offshore)
                held(got)
                pool = pools.get((got, wallet if per_wallet else None))
                if pool is None:
                    pool = self.pool(got, wallet)
                if type(pool) is LotPool:
                    lots = pool.lots
                    if pool.by_id is None and (not lots or at_us >= lots[-1].acquired_us):  # LotPool.add, in line
                        lots.append(Lot(eid, stamps[i], at_us, got_qty, worth))
                        pool.quantity += got_qty
                    else:
                        pool.add(Lot(eid, stamps[i], at_us, got_qty, worth))
                else:
                    assert isinstance(pool, AveragePool)
                    pool.add(got_qty, worth, at_us)
                if record:
                    self._lot_record(t, i, "swap", got, got_qty, worth, ZERO)
            elif kind == K_ACQ or kind == K_RECEIPT:
                asset, qty, amount = assets[i], qtys[i], amounts[i]
                assert qty is not None
                if kind == K_ACQ:
                    assert amount is not None
                    cur = currencies[i]
                    value = amount if cur == "HKD" else to_hkd(cur, amount, at_us, t, i, "cost", convs)
                    basis = value
                else:
                    value = self.market_value(asset, qty, amount, currencies[i], at_us, t, i, "value", convs)
                    basis = ZERO if self.nil_receipts and t.subtype[i] in NIL_BASIS_TYPES else value
                if fees_in:
                    fees, in_kind = fee_values(fees_in, at_us, t, i, convs)
                alt = ZERO + fees if self.dual and kind == K_RECEIPT and t.subtype[i] in NIL_BASIS_TYPES else None
                self.ever_held.add(asset)
                key = (asset, wallet if per_wallet else None)
                pool = pools.get(key)
                if pool is None:
                    pool = self.pool(asset, wallet)
                if isinstance(pool, AveragePool):
                    pool.add(qty, basis + fees, at_us, alt)
                else:
                    pool.add(Lot(eid, t.stamps[i], at_us, qty, basis + fees, alt))
                if kind == K_RECEIPT:
                    self._receipt(t, i, value, basis + fees, convs)
                if record:
                    self._lot_record(t, i, KIND_NAMES[kind], asset, qty, basis + fees, fees)
            elif kind == K_DISP:
                qty, amount = qtys[i], amounts[i]
                assert qty is not None and amount is not None
                cur = currencies[i]
                gross = amount if cur == "HKD" else to_hkd(cur, amount, at_us, t, i, "proceeds", convs)
                if fees_in:
                    fees, in_kind = fee_values(fees_in, at_us, t, i, convs)
                dispose(eid, eid, "disposal", assets[i], wallet, qty, gross, fees, picks_col[i], at_us, t, i, convs,
                        offshore)
            elif kind == K_FEE:
                fees, in_kind = fee_values(fees_in, at_us, t, i, convs)
                self._outgoing(t, i, "fee", fees, True, t.text[i], convs)
            elif kind == K_TRANSFER:
                qty, to_wallet = qtys[i], t.to_wallet[i]
                assert qty is not None and wallet is not None and to_wallet is not None
                if fees_in:
                    fees, in_kind = fee_values(fees_in, at_us, t, i, convs)
                self.move(assets[i], qty, wallet, to_wallet, t, i)
                if fees_in:
                    self._outgoing(t, i, "transfer_fee", fees, True, f"fee on transfer {wallet} -> {to_wallet}",
                                   convs)
            elif kind == K_PAYMENT:
                asset, qty = assets[i], qtys[i]
                assert qty is not None
                value = self.market_value(asset, qty, amounts[i], currencies[i], at_us, t, i, "value", convs)
                if fees_in:
                    fees, in_kind = fee_values(fees_in, at_us, t, i, convs)
                dispose(eid, eid, "payment", asset, wallet, qty, value, fees, picks_col[i], at_us, t, i, convs,
                        offshore)
            elif kind == K_LOSS:
                self._loss(t, i, convs)
            elif kind == K_INCOME:
                self._income(t, i, convs)
            elif kind == K_EXPENSE:
                amount = amounts[i]
                assert amount is not None
                value = self.to_hkd(currencies[i], amount, at_us, t, i, "amount", convs)
                self._outgoing(t, i, "expense", value, t.deductible[i], t.text[i], convs)
            else:  # pragma: no cover - the kinds are closed
                raise TypeError(f"unknown event kind {kind}")
            if in_kind:
                for n, fee_asset, fee_qty, fee_value, fee_convs in in_kind:
                    dispose(f"{eid}#fee{n}", eid, "fee", fee_asset, wallet, fee_qty, fee_value, ZERO, (), at_us, t,
                            i, fee_convs, offshore)

    def _loss(self, t: EventTable, i: int, convs: list[Conversion] | None) -> None:
        """Tokens that leave without a sale: a disposal with no proceeds of what was not recovered; its market
        value (stated, or for a gift or donation the price table's) goes to the outflow groups (decision 0165)."""
        assert self.year is not None
        qty, recovered, asset, subtype = t.qty[i], t.qty2[i], t.asset[i], t.subtype[i]
        assert qty is not None
        if recovered is not None:
            qty = qty - recovered
        at_us, eid, offshore = t.us[i], t.ids[i], t.offshore[i]
        value = t.amount[i]
        market: Decimal | None = None
        if value is not None or subtype in GIVEN_AWAY:
            market = self.market_value(asset, qty, value, t.currency[i], at_us, t, i, "value", convs)
        self.dispose(eid, eid, "loss", asset, t.wallet[i], qty, ZERO, ZERO, t.picks[i], at_us, t, i, convs, offshore,
                     subtype=subtype, market=market)
        self._add(self.agg.outflows, (self.year, subtype, asset, bool(offshore)),
                  ZERO if market is None else market, ZERO, eid, t, i)  # (a market value of 0.00 stays 0.00)

    def _lot_record(self, t: EventTable, i: int, kind: str, asset: str, qty: Decimal, cost: Decimal,
                    fees: Decimal) -> None:
        assert self.sink is not None and self.year is not None
        char = t.character[i]
        self.sink.lots.append(LotRecord(t.ids[i], t.ids[i], kind, asset, t.wallet[i], t.stamps[i], self.year, qty,
                                        cost, fees, t.source(i), char[0] if char else None,
                                        char[1] if char else None))

    def _receipt(self, t: EventTable, i: int, value: Decimal, basis: Decimal, convs: list[Conversion] | None) -> None:
        assert self.year is not None
        eid, rtype, asset, offshore = t.ids[i], t.subtype[i], t.asset[i], t.offshore[i]
        self._add(self.agg.receipts, (self.year, rtype, asset, bool(offshore)), value, value, eid, t, i)
        if self.sink is not None:
            qty = t.qty[i]
            assert qty is not None
            self.sink.receipts.append(ReceiptRecord(eid, rtype, asset, t.stamps[i], self.year, qty, value, basis,
                                                    t.source(i), tuple(convs or ()), offshore))

    def _income(self, t: EventTable, i: int, convs: list[Conversion] | None) -> None:
        assert self.year is not None
        amount = t.amount[i]
        assert amount is not None
        eid, offshore = t.ids[i], t.offshore[i]
        value = self.to_hkd(t.currency[i], amount, t.us[i], t, i, "amount", convs)
        related = t.asset[i] or None
        self._add(self.agg.incomes, (self.year, t.subtype[i], related, bool(offshore)), value, value, eid, t, i)
        if self.sink is not None:
            self.sink.incomes.append(IncomeRecord(eid, t.subtype[i], t.stamps[i], self.year, value, related,
                                                  t.source(i), tuple(convs or ()), offshore))

    def _add(self, groups: dict[Any, Group], key: object, total: Decimal, receipts: Decimal, record_id: str,
             t: EventTable, i: int, method: str | None = None) -> None:
        """Count one record in its group (``method``: a disposal's cost formula, for its group)."""
        g = groups.get(key)
        if g is None:
            g = groups[key] = Group()
        if method is not None:
            g.method = method
        g.total += total
        g.receipts += receipts
        g.count += 1
        if len(g.samples) < SAMPLE_SIZE:
            g.samples.append((record_id, t.source(i)))

    def _outgoing(self, t: EventTable, i: int, kind: str, amount: Decimal, deductible: bool,
                  description: str | None, convs: list[Conversion] | None) -> None:
        assert self.year is not None
        eid = t.ids[i]
        self._add(self.agg.outgoings, (self.year, kind, deductible), amount, ZERO, eid, t, i)
        if self.sink is not None:
            self.sink.outgoings.append(OutgoingRecord(eid, kind, t.stamps[i], self.year, amount, deductible,
                                                      description, t.source(i), tuple(convs or ())))

    # ----------------------------------------------------------------- the end
    def finish(self) -> tuple[LedgerAggregates, LedgerResult | None]:
        """Close the last period; raise every problem found, else the aggregates (and records)."""
        if self.year is not None:
            with exact_context():
                self._close()
        self._flush_year()
        problems = self.ref_problems + self.problems
        if problems:
            error = InputError(problems)
            error.kinds = tuple(KIND_NAMES[k] for k in self.ref_kinds + self.problem_kinds)
            raise error
        agg = self.agg
        agg.event_count = self.count
        agg.disposals = dict(sorted(agg.disposals.items()))
        agg.stats = dict(sorted(agg.stats.items()))
        agg.receipts = dict(sorted(agg.receipts.items()))
        agg.incomes = dict(sorted(agg.incomes.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2] or "", kv[0][3])))
        agg.outgoings = dict(sorted(agg.outgoings.items()))
        agg.outflows = dict(sorted(agg.outflows.items()))
        agg.closing = self.closing
        agg.opening = self.opening
        agg.methods = self.methods
        agg.notes = tuple(self.notes)
        if self.dual:  # the nil-basis figures: its own disposal groups and closing pools, the rest shared
            self.nil_aggregates = LedgerAggregates(
                disposals=dict(sorted(self.disposals_alt.items())), stats=agg.stats, receipts=agg.receipts,
                incomes=agg.incomes, outgoings=agg.outgoings, outflows=agg.outflows, years_seen=agg.years_seen,
                event_count=agg.event_count,
                path=agg.path, closing=self.closing_alt, opening=agg.opening, methods=agg.methods, notes=agg.notes)
        result = None
        if self.sink is not None:
            s = self.sink
            result = LedgerResult(
                disposals=tuple(s.disposals), lots=tuple(s.lots), receipts=tuple(s.receipts),
                incomes=tuple(s.incomes), outgoings=tuple(s.outgoings), closing=self.closing, opening=self.opening,
                notes=tuple(self.notes), methods=self.methods, event_count=self.count,
            )
        return agg, result



# ------------------------------------------------------------------------------------------------ runs
def fixed_method(method: LotMethod | str) -> Callable[[YearOfAssessment], LotMethod]:
    """One cost formula for every year."""
    chosen = LotMethod(method)

    def method_for(_: YearOfAssessment) -> LotMethod:
        return chosen

    method_for.__dict__["methods"] = frozenset({chosen})  # the one formula it gives
    return method_for


def as_snapshot(lot: object) -> PoolSnapshot:
    """An opening lot (``OpeningLot`` model or a :class:`PoolSnapshot`) as a snapshot."""
    if isinstance(lot, PoolSnapshot):
        return lot
    return PoolSnapshot(lot.asset, lot.wallet, lot.lot_id, lot.acquired_at, lot.quantity,  # type: ignore[attr-defined]
                        lot.cost_hkd, lot.time_weight)  # type: ignore[attr-defined]


def start(table_symbols: set[str] | None, *, assets: Iterable[str] = (), rates: Sequence[object] = (),
          opening: Sequence[object] = (), method_for: Callable[[YearOfAssessment], LotMethod] | LotMethod | str =
          LotMethod.WEIGHTED_AVERAGE, year_end: YearEnd | None = None, per_wallet: bool = False,
          swap_valuation: str = "received", allow_unknown_cost: bool = False,
          price_max_age: timedelta = timedelta(days=1), receipt_cost_basis: str = "market_value",
          records: Records = False, has_events: bool = True) -> Core:
    """A :class:`Core` set up for one run (``table_symbols``: the symbols the events use, when no assets
    are declared — then every one of them is a token, noted)."""
    declared = set(assets)
    tokens = set(declared) if declared else set(table_symbols or ())
    snaps = [as_snapshot(lot) for lot in opening]
    tokens.update(s.asset for s in snaps)
    method_fn = fixed_method(method_for) if isinstance(method_for, LotMethod | str) else method_for
    core = Core(tokens=tokens, book=PriceBook(rates, max_age=price_max_age), method_for=method_fn,  # type: ignore[arg-type]
                year_end=year_end or YearEnd(), per_wallet=per_wallet, swap_valuation=swap_valuation,
                allow_unknown_cost=allow_unknown_cost, receipt_cost_basis=receipt_cost_basis, records=records,
                declared=bool(declared))
    if not declared and has_events:
        core.notes.append(inferred_note(tokens))
    core.opening = tuple(snaps)
    return core


def inferred_note(tokens: Iterable[str]) -> LedgerNote:
    """The note of a run with no assets declared: the symbols taken as virtual assets."""
    return LedgerNote("inferred_assets", "no assets declared: every symbol used as an asset is taken as a virtual "
                      f"asset ({', '.join(sorted(tokens))}); every other code is a fiat currency")


def run_table(table: EventTable, **options: object) -> tuple[LedgerAggregates, LedgerResult | None]:
    """Match one whole table (see :func:`start` for the options)."""
    assets = options.pop("assets", ())
    core = start(table.symbols() if not assets else None, assets=assets, has_events=len(table) > 0,  # type: ignore[arg-type]
                 **options)  # type: ignore[arg-type]
    order = table.order()
    core.open(core.opening, table.us[order[0]] if order else None)
    core.feed(table, order)
    return core.finish()
