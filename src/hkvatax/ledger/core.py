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

from ..errors import InputError, Problem, SourceRef
from ..models.taxpayers import LotMethod
from ..money import allocate, exact_context
from ..periods import HKT, YearEnd, YearOfAssessment, to_hk
from .aggregate import Group, LedgerAggregates, YearStats
from .pools import US_PER_DAY, AveragePool, Lot, LotPool, Take
from .prices import Conversion, PriceBook
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
from .table import (
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

__all__ = ["Core", "NIL_BASIS_TYPES", "year_bounds"]

ZERO = Decimal(0)
NIL_BASIS_TYPES = frozenset({"staking", "mining", "airdrop", "fork", "lending_interest"})
_NO_CONVS: tuple[Conversion, ...] = ()


def year_bounds(year_end: YearEnd, us: int) -> tuple[YearOfAssessment, int, int]:
    """The year of assessment whose basis period contains instant ``us``, and that period's first and
    first-after instants in microseconds (basis periods run midnight to midnight, Hong Kong time)."""
    day = to_hk(from_us(us)).date()
    year = year_end.year_of_assessment_for_date(day)
    first, last = year_end.basis_period(year)
    return year, _midnight_us(first), _midnight_us(last + timedelta(days=1))


def _midnight_us(day: date) -> int:
    return epoch_us(datetime(day.year, day.month, day.day, tzinfo=HKT))


class _Sink:
    """Records of one run (only when asked for): what :class:`LedgerResult` holds."""

    def __init__(self) -> None:
        self.disposals: list[DisposalRecord] = []
        self.lots: list[LotRecord] = []
        self.receipts: list[ReceiptRecord] = []
        self.incomes: list[IncomeRecord] = []
        self.outgoings: list[OutgoingRecord] = []


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
        records: bool = False,
        declared: bool = True,
    ):
        self.tokens = tokens
        self.declared = declared
        self.book = book
        self.method_for = method_for
        self.year_end = year_end
        self.per_wallet = per_wallet
        self.swap_valuation = swap_valuation
        self.allow_unknown_cost = allow_unknown_cost
        self.nil_receipts = receipt_cost_basis == "nil"
        self.method: LotMethod | None = None
        self.year: YearOfAssessment | None = None
        self.lo = self.hi = 0  # the current basis period, in µs
        self.pools: dict[tuple[str, str | None], LotPool | AveragePool] = {}
        self.problems: list[Problem] = []
        self.ref_problems: list[tuple[int, int, Problem]] = []  # (input index, order, problem): listed first
        self.notes: list[LedgerNote] = []
        self.closing: dict[YearOfAssessment, tuple[PoolSnapshot, ...]] = {}
        self.methods: dict[YearOfAssessment, str] = {}
        self.ever_held: set[str] = set()
        self.seen_ids: dict[str, SourceRef] = {}
        self.opening: tuple[PoolSnapshot, ...] = ()
        self.agg = LedgerAggregates(path="core")
        self.sink = _Sink() if records else None
        self.count = 0
        self.last: tuple[int, int, str] | None = None

    # ----------------------------------------------------------------- pools and methods
    def pool(self, asset: str, wallet: str | None) -> LotPool | AveragePool:
        key = (asset, wallet if self.per_wallet else None)
        found = self.pools.get(key)
        if found is None:
            found = AveragePool(key[0], key[1]) if self.method is LotMethod.WEIGHTED_AVERAGE \
                else LotPool(key[0], key[1])
            self.pools[key] = found
        return found

    def snapshot(self) -> tuple[PoolSnapshot, ...]:
        out: list[PoolSnapshot] = []
        for key in sorted(self.pools, key=lambda k: (k[0], k[1] or "")):
            out.extend(self.pools[key].snapshot())
        return tuple(out)

    def enter(self, us: int) -> None:
        """Move to the basis period containing ``us`` (closing the previous one's pools)."""
        year, lo, hi = year_bounds(self.year_end, us)
        self.lo, self.hi = lo, hi
        if self.year is not None and year == self.year:
            return
        if self.year is not None:
            self.closing[self.year] = self.snapshot()
        self.enter_year(year)

    def enter_year(self, year: YearOfAssessment) -> None:
        self.year = year
        self.agg.years_seen.add(year)
        method = self.method_for(year)
        if not isinstance(method, LotMethod):
            method = LotMethod(method)
        if self.method is not None and method is not self.method:
            self._convert(method, year)
        self.method = method
        self.methods[year] = method.value

    def _convert(self, method: LotMethod, year: YearOfAssessment) -> None:
        """Carry every pool into a new cost formula at the start of ``year`` (an explicit election)."""
        old = self.method
        converted: dict[tuple[str, str | None], LotPool | AveragePool] = {}
        for key, pool in self.pools.items():
            if method is LotMethod.WEIGHTED_AVERAGE and isinstance(pool, LotPool):
                avg = AveragePool(key[0], key[1])
                for lot in pool.iter_lots():
                    avg.add(lot.quantity, lot.cost, lot.acquired_us)
                converted[key] = avg
            elif method is not LotMethod.WEIGHTED_AVERAGE and isinstance(pool, AveragePool):
                lots = LotPool(key[0], key[1])
                mean = pool.mean_acquired_us()
                for snap in pool.snapshot():  # none for an empty pool
                    lots.add(Lot(f"{pool.pool_id}@{year.label}", snap.acquired_at, int(mean), snap.quantity,
                                 snap.cost_hkd))
                converted[key] = lots
            else:
                converted[key] = pool
        self.pools = converted
        self.notes.append(LedgerNote(
            "method_change",
            f"cost formula changes from {old.value if old else '-'} to {method.value} from {year.label} by election; "
            "pools carried over at their cost (quantity and HKD cost unchanged)",
            year=year,
        ))

    def add_lot(self, asset: str, wallet: str | None, lot_id: str, at: datetime, at_us: int, qty: Decimal,
                cost: Decimal) -> None:
        self.ever_held.add(asset)
        pool = self.pool(asset, wallet)
        if isinstance(pool, AveragePool):
            pool.add(qty, cost, at_us)
        else:
            pool.add(Lot(lot_id, at, at_us, qty, cost))

    def open(self, snaps: Sequence[PoolSnapshot], first_us: int | None) -> None:
        """Put the opening pools in place (before any event; ``first_us``: the first event's instant)."""
        self.opening = tuple(snaps)
        if not snaps:
            return
        with exact_context():
            self._open(snaps, first_us)

    def _open(self, snaps: Sequence[PoolSnapshot], first_us: int | None) -> None:
        if first_us is not None:
            self.enter(first_us)
        else:
            first = YearOfAssessment.containing(min(s.acquired_at for s in snaps))
            method = self.method_for(first)
            self.method = method if isinstance(method, LotMethod) else LotMethod(method)
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

    # ----------------------------------------------------------------- values
    def to_hkd(self, code: str, amount: Decimal, at_us: int, src: SourceRef, column: str,
               convs: list[Conversion] | None) -> Decimal:
        if code == "HKD":
            return amount
        found = self.book.quote(code, at_us)
        if found is None:
            token = code in self.tokens
            self.problems.append(Problem(
                "missing_price" if token else "unknown_currency",
                f"no {'price for token' if token else 'exchange rate for'} {code} to HKD at or within the allowed "
                "age before this event", src, column,
                suggestion=f"add a rate {code}->HKD (or via USD) dated at or shortly before the event, or state the value",
            ))
            return ZERO
        rates, used = found
        if convs is not None:
            convs.extend(used)
        value = amount * rates[0]
        return value if len(rates) == 1 else value * rates[1]

    def market_value(self, asset: str, qty: Decimal, value: Decimal | None, value_currency: str, at_us: int,
                     src: SourceRef, column: str, convs: list[Conversion] | None) -> Decimal:
        if value is not None:
            return self.to_hkd(value_currency, value, at_us, src, column, convs)
        found = self.book.quote(asset, at_us) if asset != "HKD" else ((Decimal(1),), _NO_CONVS)
        if found is None:
            self.problems.append(Problem(
                "missing_price", f"{asset} needs a market value here and no price {asset}->HKD was found",
                src, column, suggestion=f"give '{column}' or add a {asset} price at this time",
            ))
            return ZERO
        rates, used = found
        if convs is not None:
            convs.extend(used)
        if asset == "HKD":
            return qty
        amount = qty * rates[0]
        return amount if len(rates) == 1 else amount * rates[1]

    def fee_values(self, fees: Sequence[FeeT], at_us: int, src: SourceRef, convs: list[Conversion] | None
                   ) -> tuple[Decimal, list[tuple[int, str, Decimal, Decimal, list[Conversion] | None]]]:
        """Total HKD value of ``fees`` and the token fees that are disposals (index, asset, qty, value)."""
        total = ZERO
        in_kind: list[tuple[int, str, Decimal, Decimal, list[Conversion] | None]] = []
        for n, (amount, currency, value, value_currency) in enumerate(fees):
            if currency in self.tokens:
                fee_convs: list[Conversion] | None = [] if convs is not None else None
                v = self.market_value(currency, amount, value, value_currency, at_us, src, f"fees[{n}].value",
                                      fee_convs)
                in_kind.append((n, currency, amount, v, fee_convs))
                if convs is not None and fee_convs:
                    convs.extend(fee_convs)
                total += v
            else:
                total += self.to_hkd(currency, amount, at_us, src, f"fees[{n}].amount", convs)
        return total, in_kind

    # ----------------------------------------------------------------- aggregates
    def _group(self, groups: dict[object, Group], key: object) -> Group:
        g = groups.get(key)
        if g is None:
            g = groups[key] = Group()
        return g

    # ----------------------------------------------------------------- matching
    def dispose(self, *, disposal_id: str, event_id: str, kind: str, asset: str, wallet: str | None,
                qty: Decimal, gross: Decimal, fees: Decimal, picks: Sequence[PickT], at_us: int, stamp: datetime,
                src: SourceRef, convs: Sequence[Conversion] | None, offshore: bool | None) -> None:
        assert self.method is not None and self.year is not None
        pool = self.pool(asset, wallet)
        takes: list[Take]
        short: Decimal
        pool_weight = ZERO
        if isinstance(pool, AveragePool):
            takes, short, pool_weight = pool.take(qty)
            if picks:
                self.notes.append(LedgerNote(
                    "picks_ignored", f"{disposal_id}: lot designations ignored under weighted average cost",
                    event_id, self.year, src))
        elif self.method is LotMethod.SPECIFIC_ID and picks:
            takes = []
            picked = ZERO
            for lot_id, pick_qty in picks:
                took = pool.take_lot(lot_id, pick_qty)
                if took is None:
                    self.problems.append(Problem(
                        "unknown_lot",
                        f"lot {lot_id!r} of {asset} does not exist here or holds "
                        f"{pool.available(lot_id)}, less than the {pick_qty} designated",
                        src, "lots"))
                    continue
                takes.append(took)
                picked += pick_qty
            rest = qty - picked
            short = ZERO
            if rest < 0:
                self.problems.append(Problem(
                    "invalid_field", f"designated lots total {picked}, more than the {qty} disposed of", src, "lots"))
            elif rest > 0:
                more, short = pool.take_fifo(rest, basis="fifo_fallback")
                takes.extend(more)
                self.notes.append(LedgerNote(
                    "fifo_fallback", f"{disposal_id}: {rest} {asset} not designated to a lot; matched first-in first-out",
                    event_id, self.year, src))
        else:
            if self.method is LotMethod.SPECIFIC_ID and kind != "fee":
                self.notes.append(LedgerNote(
                    "fifo_fallback", f"{disposal_id}: no lot designated under specific identification; matched "
                    "first-in first-out", event_id, self.year, src))
            basis = "fifo_fallback" if self.method is LotMethod.SPECIFIC_ID else "lot"
            takes, short = pool.take_fifo(qty, basis=basis)
        if short > 0:
            held = qty - short
            if self.allow_unknown_cost:
                takes.append(("UNKNOWN", None, None, short, ZERO, "unknown"))
                self.notes.append(LedgerNote(
                    "unknown_cost",
                    f"{disposal_id}: disposes of {qty} {asset} but only {held} is held; the excess {short} is "
                    "taken at nil cost (assumption: allow_unknown_cost)", event_id, self.year, src))
            elif asset not in self.ever_held:
                self.problems.append(Problem(
                    "disposal_before_acquisition",
                    f"{asset}: at {stamp.isoformat()} gives up {qty} but nothing of {asset} was acquired, "
                    "received or held before it", src, "quantity",
                    suggestion="add the acquisition (or opening balance) it came from, or check the date and asset",
                ))
            else:
                self.problems.append(Problem(
                    "oversell",
                    f"{asset}{' in wallet ' + repr(wallet) if self.per_wallet and wallet else ''}: at "
                    f"{stamp.isoformat()} disposes of {qty} but only {held} is held",
                    src, "quantity",
                    suggestion="add the missing acquisition or opening balance, or set allow_unknown_cost",
                ))
        net = gross - fees
        cost_total = ZERO
        stats = self.agg.stats.get(self.year)
        if stats is None:
            stats = self.agg.stats[self.year] = YearStats()
        counted = kind != "fee"
        if counted:
            stats.disposals += 1
        sink = self.sink
        fragments: list[Fragment] = []
        allocated = ZERO
        last = len(takes) - 1
        for i, (lot_id, acquired_at, acquired_us, tq, tcost, basis) in enumerate(takes):
            cost_total += tcost
            if acquired_us is None:
                held_us = None
            elif basis == "pool":  # tq × (at − weight / tq), kept exact as tq × at − weight
                held_us = tq * at_us - pool_weight
            else:
                held_us = tq * (at_us - acquired_us)
            if counted and held_us is not None:
                stats.weighted_us += held_us
                stats.quantity += tq
            if sink is not None:
                if i == last:
                    share = net - allocated
                else:
                    share = allocate(net, tq, qty)
                    allocated += share
                held_days = None if acquired_us is None \
                    else (Decimal(at_us) - Decimal(acquired_us)) / US_PER_DAY
                fragments.append(Fragment(lot_id, acquired_at, tq, tcost, share, held_days, basis, held_us))
        g = self._group(self.agg.disposals, (self.year, asset, bool(offshore)))
        g.method = self.method.value
        g.add(net - cost_total, gross, disposal_id, src)
        if sink is not None:
            sink.disposals.append(DisposalRecord(
                disposal_id=disposal_id, event_id=event_id, kind=kind, asset=asset,
                wallet=wallet, timestamp=stamp, year=self.year, quantity=qty, gross_proceeds_hkd=gross,
                fees_hkd=fees, proceeds_hkd=net, cost_hkd=cost_total, fragments=tuple(fragments),
                method=self.method.value, source=src, conversions=tuple(convs or ()), offshore=offshore,
            ))

    def dispose_fee_tokens(self, event_id: str, wallet: str | None,
                           in_kind: list[tuple[int, str, Decimal, Decimal, list[Conversion] | None]], at_us: int,
                           stamp: datetime, src: SourceRef, offshore: bool | None) -> None:
        for n, asset, qty, value, convs in in_kind:
            self.dispose(disposal_id=f"{event_id}#fee{n}", event_id=event_id, kind="fee", asset=asset,
                         wallet=wallet, qty=qty, gross=value, fees=ZERO, picks=(), at_us=at_us, stamp=stamp,
                         src=src, convs=convs, offshore=offshore)

    def move(self, asset: str, qty: Decimal, from_wallet: str, to_wallet: str, stamp: datetime,
             src: SourceRef) -> None:
        """Move tokens between own wallets: not a disposal. Only matters with per-wallet pools."""
        if not self.per_wallet:
            pool = self.pool(asset, None)
            if pool.quantity < qty:
                self.problems.append(Problem(
                    "oversell", f"{asset}: at {stamp.isoformat()} transfers {qty} but only "
                    f"{pool.quantity} is held", src, "quantity",
                    suggestion="add the missing acquisition or opening balance"))
            return
        source_pool = self.pool(asset, from_wallet)
        target = self.pool(asset, to_wallet)
        if source_pool.quantity < qty:
            self.problems.append(Problem(
                "oversell", f"{asset} in wallet {from_wallet!r}: at {stamp.isoformat()} "
                f"transfers {qty} but only {source_pool.quantity} is held there", src, "quantity"))
            return
        if isinstance(source_pool, AveragePool):
            assert isinstance(target, AveragePool)
            takes, _, weight = source_pool.take(qty)
            for _lot_id, _at, _us, tq, tcost, _basis in takes:
                target.add_weighted(tq, tcost, weight)
        else:
            assert isinstance(target, LotPool)
            takes, _ = source_pool.take_fifo(qty)
            for lot_id, acquired_at, acquired_us, tq, tcost, _basis in takes:
                assert acquired_at is not None and isinstance(acquired_us, int)
                target.add(Lot(lot_id, acquired_at, acquired_us, tq, tcost))

    # ----------------------------------------------------------------- references
    def check_references(self, t: EventTable, i: int, src: SourceRef) -> None:
        """Unique ids and declared assets (problems listed before the ledger's, in input order)."""
        eid = t.ids[i]
        first = self.seen_ids.get(eid)
        position = t.index[i] if t.index else i
        if first is not None:
            self.ref_problems.append((position, 0, Problem(
                "duplicate_id", f"id {eid!r} is used again (first at {first})", src, "id",
                suggestion="give every event its own id")))
        else:
            self.seen_ids[eid] = src
        if not self.declared:
            return
        kind = t.kinds[i]
        if kind in (K_FEE, K_INCOME, K_EXPENSE):
            return
        names = [("asset" if kind != K_SWAP else "give_asset", t.asset[i])]
        if kind == K_SWAP:
            names.append(("receive_asset", t.asset2[i]))
        for n, (column, symbol) in enumerate(names, start=1):
            if symbol not in self.tokens:
                self.ref_problems.append((position, n, Problem(
                    "unknown_asset", f"asset {symbol} is not declared in 'assets'", src, column,
                    suggestion=f"declare {symbol} in the scenario's assets")))

    # ----------------------------------------------------------------- events
    def feed(self, t: EventTable, order: Iterable[int] | None = None) -> None:
        """Process the events of ``t`` (in ``order``, default :meth:`EventTable.order`)."""
        positions = t.order() if order is None else order
        for i in range(len(t)):  # in input order, as the problems are listed
            self.check_references(t, i, t.source(i))
        with exact_context():
            for i in positions:
                self.process(t, i)
        self.count += len(t)

    def process(self, t: EventTable, i: int) -> None:
        src = t.source(i)
        at_us = t.us[i]
        if not self.lo <= at_us < self.hi or self.year is None:
            self.enter(at_us)
        year = self.year
        assert year is not None
        kind = t.kinds[i]
        eid = t.ids[i]
        stamp = t.stamps[i]
        sink = self.sink
        convs: list[Conversion] | None = [] if sink is not None else None
        wallet = t.wallet[i]
        offshore = t.offshore[i]
        fees_in = t.fees[i]
        if kind == K_ACQ:
            asset, qty, amount = t.asset[i], t.qty[i], t.amount[i]
            assert qty is not None and amount is not None
            cost = self.to_hkd(t.currency[i], amount, at_us, src, "cost", convs)
            fees, in_kind = self.fee_values(fees_in, at_us, src, convs) if fees_in else (ZERO, [])
            self.add_lot(asset, wallet, eid, stamp, at_us, qty, cost + fees)
            if sink is not None:
                char = t.character[i]
                sink.lots.append(LotRecord(eid, eid, "acquisition", asset, wallet, stamp, year, qty, cost + fees,
                                           fees, src, char[0] if char else None, char[1] if char else None))
            if in_kind:
                self.dispose_fee_tokens(eid, wallet, in_kind, at_us, stamp, src, offshore)
        elif kind == K_DISP:
            qty, amount = t.qty[i], t.amount[i]
            assert qty is not None and amount is not None
            gross = self.to_hkd(t.currency[i], amount, at_us, src, "proceeds", convs)
            fees, in_kind = self.fee_values(fees_in, at_us, src, convs) if fees_in else (ZERO, [])
            self.dispose(disposal_id=eid, event_id=eid, kind="disposal", asset=t.asset[i], wallet=wallet,
                         qty=qty, gross=gross, fees=fees, picks=t.picks[i], at_us=at_us, stamp=stamp, src=src,
                         convs=convs, offshore=offshore)
            if in_kind:
                self.dispose_fee_tokens(eid, wallet, in_kind, at_us, stamp, src, offshore)
        elif kind == K_SWAP:
            give, qty, got, got_qty, value = t.asset[i], t.qty[i], t.asset2[i], t.qty2[i], t.amount[i]
            assert qty is not None and got_qty is not None
            if value is not None:
                worth = self.to_hkd(t.currency[i], value, at_us, src, "value", convs)
            elif self.swap_valuation == "given":
                worth = self.market_value(give, qty, None, "HKD", at_us, src, "value", convs)
            else:
                worth = self.market_value(got, got_qty, None, "HKD", at_us, src, "value", convs)
            fees, in_kind = self.fee_values(fees_in, at_us, src, convs) if fees_in else (ZERO, [])
            self.dispose(disposal_id=eid, event_id=eid, kind="swap", asset=give, wallet=wallet, qty=qty,
                         gross=worth, fees=fees, picks=t.picks[i], at_us=at_us, stamp=stamp, src=src, convs=convs,
                         offshore=offshore)
            self.add_lot(got, wallet, eid, stamp, at_us, got_qty, worth)
            if sink is not None:
                char = t.character[i]
                sink.lots.append(LotRecord(eid, eid, "swap", got, wallet, stamp, year, got_qty, worth, ZERO, src,
                                           char[0] if char else None, char[1] if char else None))
            if in_kind:
                self.dispose_fee_tokens(eid, wallet, in_kind, at_us, stamp, src, offshore)
        elif kind == K_RECEIPT:
            asset, qty, rtype = t.asset[i], t.qty[i], t.subtype[i]
            assert qty is not None
            value = self.market_value(asset, qty, t.amount[i], t.currency[i], at_us, src, "value", convs)
            fees, in_kind = self.fee_values(fees_in, at_us, src, convs) if fees_in else (ZERO, [])
            basis = ZERO if self.nil_receipts and rtype in NIL_BASIS_TYPES else value
            self.add_lot(asset, wallet, eid, stamp, at_us, qty, basis + fees)
            self._group(self.agg.receipts, (year, rtype, asset, bool(offshore))).add(value, value, eid, src)
            if sink is not None:
                char = t.character[i]
                sink.lots.append(LotRecord(eid, eid, "receipt", asset, wallet, stamp, year, qty, basis + fees, fees,
                                           src, char[0] if char else None, char[1] if char else None))
                sink.receipts.append(ReceiptRecord(eid, rtype, asset, stamp, year, qty, value, basis + fees, src,
                                                   tuple(convs or ()), offshore))
            if in_kind:
                self.dispose_fee_tokens(eid, wallet, in_kind, at_us, stamp, src, offshore)
        elif kind == K_PAYMENT:
            asset, qty = t.asset[i], t.qty[i]
            assert qty is not None
            value = self.market_value(asset, qty, t.amount[i], t.currency[i], at_us, src, "value", convs)
            fees, in_kind = self.fee_values(fees_in, at_us, src, convs) if fees_in else (ZERO, [])
            self.dispose(disposal_id=eid, event_id=eid, kind="payment", asset=asset, wallet=wallet, qty=qty,
                         gross=value, fees=fees, picks=t.picks[i], at_us=at_us, stamp=stamp, src=src, convs=convs,
                         offshore=offshore)
            if in_kind:
                self.dispose_fee_tokens(eid, wallet, in_kind, at_us, stamp, src, offshore)
        elif kind == K_LOSS:
            qty = t.qty[i]
            assert qty is not None
            self.dispose(disposal_id=eid, event_id=eid, kind="loss", asset=t.asset[i], wallet=wallet, qty=qty,
                         gross=ZERO, fees=ZERO, picks=t.picks[i], at_us=at_us, stamp=stamp, src=src, convs=None,
                         offshore=offshore)
        elif kind == K_TRANSFER:
            asset, qty, to_wallet = t.asset[i], t.qty[i], t.to_wallet[i]
            assert qty is not None and wallet is not None and to_wallet is not None
            fees, in_kind = self.fee_values(fees_in, at_us, src, convs) if fees_in else (ZERO, [])
            self.move(asset, qty, wallet, to_wallet, stamp, src)
            if fees_in:
                self._outgoing(eid, "transfer_fee", stamp, year, fees, True,
                               f"fee on transfer {wallet} -> {to_wallet}", src, convs)
            if in_kind:
                self.dispose_fee_tokens(eid, wallet, in_kind, at_us, stamp, src, offshore)
        elif kind == K_FEE:
            fees, in_kind = self.fee_values(fees_in, at_us, src, convs)
            self._outgoing(eid, "fee", stamp, year, fees, True, t.text[i], src, convs)
            if in_kind:
                self.dispose_fee_tokens(eid, wallet, in_kind, at_us, stamp, src, offshore)
        elif kind == K_INCOME:
            amount = t.amount[i]
            assert amount is not None
            value = self.to_hkd(t.currency[i], amount, at_us, src, "amount", convs)
            related = t.asset[i] or None
            self._group(self.agg.incomes, (year, t.subtype[i], related, bool(offshore))).add(value, value, eid, src)
            if sink is not None:
                sink.incomes.append(IncomeRecord(eid, t.subtype[i], stamp, year, value, related, src,
                                                 tuple(convs or ()), offshore))
        elif kind == K_EXPENSE:
            amount = t.amount[i]
            assert amount is not None
            value = self.to_hkd(t.currency[i], amount, at_us, src, "amount", convs)
            self._outgoing(eid, "expense", stamp, year, value, t.deductible[i], t.text[i], src, convs)
        else:  # pragma: no cover - the kinds are closed
            raise TypeError(f"unknown event kind {kind} ({KIND_NAMES[kind] if 0 <= kind < len(KIND_NAMES) else '?'})")

    def _outgoing(self, eid: str, kind: str, stamp: datetime, year: YearOfAssessment, amount: Decimal,
                  deductible: bool, description: str | None, src: SourceRef, convs: list[Conversion] | None) -> None:
        self._group(self.agg.outgoings, (year, kind, deductible)).add(amount, ZERO, eid, src)
        if self.sink is not None:
            self.sink.outgoings.append(OutgoingRecord(eid, kind, stamp, year, amount, deductible, description, src,
                                                      tuple(convs or ())))

    # ----------------------------------------------------------------- the end
    def finish(self) -> tuple[LedgerAggregates, LedgerResult | None]:
        """Close the last period; raise every problem found, else the aggregates (and records)."""
        if self.year is not None:
            with exact_context():
                self.closing[self.year] = self.snapshot()
        problems = [p for _, _, p in self.ref_problems] + self.problems
        if problems:
            raise InputError(problems)
        agg = self.agg
        agg.event_count = self.count
        agg.disposals = dict(sorted(agg.disposals.items()))
        agg.stats = dict(sorted(agg.stats.items()))
        agg.receipts = dict(sorted(agg.receipts.items()))
        agg.incomes = dict(sorted(agg.incomes.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2] or "", kv[0][3])))
        agg.outgoings = dict(sorted(agg.outgoings.items()))
        agg.closing = self.closing
        agg.opening = self.opening
        agg.methods = self.methods
        agg.notes = tuple(self.notes)
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
          records: bool = False, has_events: bool = True) -> Core:
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
        core.notes.append(LedgerNote(
            "inferred_assets", "no assets declared: every symbol used as an asset is taken as a virtual asset "
            f"({', '.join(sorted(tokens))}); every other code is a fiat currency"))
    core.opening = tuple(snaps)
    return core


def run_table(table: EventTable, **options: object) -> tuple[LedgerAggregates, LedgerResult | None]:
    """Match one whole table (see :func:`start` for the options)."""
    assets = options.pop("assets", ())
    core = start(table.symbols() if not assets else None, assets=assets, has_events=len(table) > 0,  # type: ignore[arg-type]
                 **options)  # type: ignore[arg-type]
    order = table.order()
    core.open(core.opening, table.us[order[0]] if order else None)
    core.feed(table, order)
    return core.finish()
