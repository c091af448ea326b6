"""The ledger: events → HKD values → lot matching → disposals, receipts and closing pools.

Design note
-----------
The ledger knows no law. It is told how to read time (``period_of``: instant → year of assessment,
supplied by the engine from the taxpayer's basis period), which cost formula applies in each year
(``method_for``), and how to value received tokens (``receipt_cost_basis``). It applies them
mechanically, in one pass over the events in a total order:

    (instant, kind rank, id)   with kind rank: acquisition, receipt, income = 0; swap = 1;
                               transfer = 2; disposal, payment, fee, loss, expense = 3

so inflows at an instant come before outflows at the same instant (a purchase and a sale stamped
with the same second do not make an oversell), and the outcome never depends on the order of the
input rows (docs/decisions/0002-event-order.md).

Every problem found — a missing rate, an oversell, an unknown lot — is collected, and all are raised
together as one :class:`~hkvatax.errors.InputError`; a row is either used or reported.

Cost per disposal (FIFO / specific identification) is O(number of lots touched), amortised O(1) per
fragment; average cost is O(1) per disposal. Memory is O(open lots + output records).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from ..errors import InputError, Problem, SourceRef
from ..models.assets import Asset
from ..models.events import (
    Acquisition,
    Disposal,
    Expense,
    Fee,
    FeePaid,
    Income,
    Loss,
    LotPick,
    Payment,
    Receipt,
    ReceiptType,
    Swap,
    Transfer,
)
from ..models.prices import Rate
from ..models.scenario import OpeningLot
from ..models.taxpayers import LotMethod
from ..money import allocate, exact_context
from ..periods import YearOfAssessment
from .pools import US_PER_DAY, AveragePool, Lot, LotPool, Take
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

__all__ = ["run_ledger", "KIND_RANK", "sort_key"]

ZERO = Decimal(0)

KIND_RANK: dict[str, int] = {
    "acquisition": 0, "receipt": 0, "income": 0, "swap": 1, "transfer": 2,
    "disposal": 3, "payment": 3, "fee": 3, "loss": 3, "expense": 3,
}

_NIL_BASIS_TYPES = {
    ReceiptType.STAKING, ReceiptType.MINING, ReceiptType.AIRDROP, ReceiptType.FORK, ReceiptType.LENDING_INTEREST,
}

AnyEvent = Acquisition | Disposal | Swap | FeePaid | Transfer | Receipt | Payment | Loss | Income | Expense


def sort_key(event: AnyEvent) -> tuple[int, int, str]:
    """The total order in which the ledger processes events."""
    return (epoch_us(event.timestamp), KIND_RANK[event.kind], event.id)


def _src(event: AnyEvent, index: int) -> SourceRef:
    return event.source if event.source is not None else SourceRef(path=f"events[{index}]")


class _Run:
    """State of one ledger run. Private: only :func:`run_ledger` creates it."""

    def __init__(
        self,
        *,
        tokens: set[str],
        book: PriceBook,
        method_for: Callable[[YearOfAssessment], LotMethod],
        period_of: Callable[[datetime], YearOfAssessment],
        per_wallet: bool,
        swap_valuation: str,
        allow_unknown_cost: bool,
        receipt_cost_basis: str,
    ):
        self.tokens = tokens
        self.book = book
        self.method_for = method_for
        self.period_of = period_of
        self.per_wallet = per_wallet
        self.swap_valuation = swap_valuation
        self.allow_unknown_cost = allow_unknown_cost
        self.receipt_cost_basis = receipt_cost_basis
        self.method: LotMethod | None = None
        self.year: YearOfAssessment | None = None
        self.pools: dict[tuple[str, str | None], LotPool | AveragePool] = {}
        self.problems: list[Problem] = []
        self.notes: list[LedgerNote] = []
        self.disposals: list[DisposalRecord] = []
        self.lots: list[LotRecord] = []
        self.receipts: list[ReceiptRecord] = []
        self.incomes: list[IncomeRecord] = []
        self.outgoings: list[OutgoingRecord] = []
        self.closing: dict[YearOfAssessment, tuple[PoolSnapshot, ...]] = {}
        self.methods: dict[YearOfAssessment, str] = {}
        self.ever_held: set[str] = set()

    # ----------------------------------------------------------------- pools and methods
    def _new_pool(self, asset: str, wallet: str | None) -> LotPool | AveragePool:
        if self.method is LotMethod.WEIGHTED_AVERAGE:
            return AveragePool(asset, wallet)
        return LotPool(asset, wallet)

    def pool(self, asset: str, wallet: str | None) -> LotPool | AveragePool:
        key = (asset, wallet if self.per_wallet else None)
        found = self.pools.get(key)
        if found is None:
            found = self._new_pool(key[0], key[1])
            self.pools[key] = found
        return found

    def snapshot(self) -> tuple[PoolSnapshot, ...]:
        out: list[PoolSnapshot] = []
        for key in sorted(self.pools, key=lambda k: (k[0], k[1] or "")):
            out.extend(self.pools[key].snapshot())
        return tuple(out)

    def enter_year(self, year: YearOfAssessment) -> None:
        if self.year is not None and year == self.year:
            return
        if self.year is not None:
            self.closing[self.year] = self.snapshot()
        self.year = year
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

    # ----------------------------------------------------------------- values
    def to_hkd(self, code: str, amount: Decimal, at_us: int, src: SourceRef, column: str,
               convs: list[Conversion]) -> Decimal:
        found = self.book.to_hkd(code, amount, at_us)
        if found is None:
            kind = "missing_price" if code in self.tokens else "unknown_currency"
            what = "price for token" if code in self.tokens else "exchange rate for"
            self.problems.append(Problem(
                kind, f"no {what} {code} to HKD at or within the allowed age before this event", src, column,
                suggestion=f"add a rate {code}->HKD (or via USD) dated at or shortly before the event, or state the value",
            ))
            return ZERO
        value, used = found
        convs.extend(used)
        return value

    def market_value(self, asset: str, qty: Decimal, value: Decimal | None, value_currency: str, at_us: int,
                     src: SourceRef, column: str, convs: list[Conversion]) -> Decimal:
        if value is not None:
            return self.to_hkd(value_currency, value, at_us, src, column, convs)
        found = self.book.to_hkd(asset, qty, at_us)
        if found is None:
            self.problems.append(Problem(
                "missing_price", f"{asset} needs a market value here and no price {asset}->HKD was found",
                src, column, suggestion=f"give '{column}' or add a {asset} price at this time",
            ))
            return ZERO
        amount, used = found
        convs.extend(used)
        return amount

    def fee_values(self, fees: Sequence[Fee], at_us: int, src: SourceRef,
                   convs: list[Conversion]) -> tuple[Decimal, list[tuple[int, str, Decimal, Decimal, list[Conversion]]]]:
        """Total HKD value of ``fees`` and the token fees that are disposals (index, asset, qty, value)."""
        total = ZERO
        in_kind: list[tuple[int, str, Decimal, Decimal, list[Conversion]]] = []
        for n, fee in enumerate(fees):
            if fee.currency in self.tokens:
                fee_convs: list[Conversion] = []
                value = self.market_value(fee.currency, fee.amount, fee.value, fee.value_currency, at_us, src,
                                          f"fees[{n}].value", fee_convs)
                in_kind.append((n, fee.currency, fee.amount, value, fee_convs))
                convs.extend(fee_convs)
                total += value
            else:
                total += self.to_hkd(fee.currency, fee.amount, at_us, src, f"fees[{n}].amount", convs)
        return total, in_kind

    # ----------------------------------------------------------------- matching
    def dispose(self, *, disposal_id: str, event: AnyEvent, kind: str, asset: str, wallet: str | None,
                qty: Decimal, gross: Decimal, fees: Decimal, picks: Sequence[LotPick], at_us: int,
                src: SourceRef, convs: Sequence[Conversion]) -> None:
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
                    event.id, self.year, src))
        elif self.method is LotMethod.SPECIFIC_ID and picks:
            takes = []
            picked = ZERO
            for pick in picks:
                took = pool.take_lot(pick.lot_id, pick.quantity)
                if took is None:
                    self.problems.append(Problem(
                        "unknown_lot",
                        f"lot {pick.lot_id!r} of {asset} does not exist here or holds "
                        f"{pool.available(pick.lot_id)}, less than the {pick.quantity} designated",
                        src, "lots"))
                    continue
                takes.append(took)
                picked += pick.quantity
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
                    event.id, self.year, src))
        else:
            if self.method is LotMethod.SPECIFIC_ID and kind not in {"fee"}:
                self.notes.append(LedgerNote(
                    "fifo_fallback", f"{disposal_id}: no lot designated under specific identification; matched "
                    "first-in first-out", event.id, self.year, src))
            basis = "fifo_fallback" if self.method is LotMethod.SPECIFIC_ID else "lot"
            takes, short = pool.take_fifo(qty, basis=basis)
        if short > 0:
            held = qty - short
            if self.allow_unknown_cost:
                takes.append(("UNKNOWN", None, None, short, ZERO, "unknown"))
                self.notes.append(LedgerNote(
                    "unknown_cost",
                    f"{disposal_id}: disposes of {qty} {asset} but only {held} is held; the excess {short} is "
                    "taken at nil cost (assumption: allow_unknown_cost)", event.id, self.year, src))
            elif asset not in self.ever_held:
                self.problems.append(Problem(
                    "disposal_before_acquisition",
                    f"{asset}: at {event.timestamp.isoformat()} gives up {qty} but nothing of {asset} was acquired, "
                    "received or held before it", src, "quantity",
                    suggestion="add the acquisition (or opening balance) it came from, or check the date and asset",
                ))
            else:
                self.problems.append(Problem(
                    "oversell",
                    f"{asset}{' in wallet ' + repr(wallet) if self.per_wallet and wallet else ''}: at "
                    f"{event.timestamp.isoformat()} disposes of {qty} but only {held} is held",
                    src, "quantity",
                    suggestion="add the missing acquisition or opening balance, or set allow_unknown_cost",
                ))
        net = gross - fees
        fragments: list[Fragment] = []
        allocated = ZERO
        cost_total = ZERO
        last = len(takes) - 1
        for i, (lot_id, acquired_at, acquired_us, tq, tcost, basis) in enumerate(takes):
            if i == last:
                share = net - allocated
            else:
                share = allocate(net, tq, qty)
                allocated += share
            cost_total += tcost
            held_days = None if acquired_us is None else (Decimal(at_us) - Decimal(acquired_us)) / US_PER_DAY
            if acquired_us is None:
                held_us = None
            elif basis == "pool":  # tq × (at − weight / tq), kept exact as tq × at − weight
                held_us = tq * at_us - pool_weight
            else:
                held_us = tq * (at_us - acquired_us)
            fragments.append(Fragment(lot_id, acquired_at, tq, tcost, share, held_days, basis, held_us))
        self.disposals.append(DisposalRecord(
            disposal_id=disposal_id, event_id=event.id, kind=kind, asset=asset,
            wallet=wallet, timestamp=event.timestamp, year=self.year, quantity=qty, gross_proceeds_hkd=gross,
            fees_hkd=fees, proceeds_hkd=net, cost_hkd=cost_total, fragments=tuple(fragments),
            method=self.method.value, source=src, conversions=tuple(convs), offshore=event.offshore,
        ))

    def dispose_fee_tokens(self, event: AnyEvent, wallet: str | None,
                           in_kind: list[tuple[int, str, Decimal, Decimal, list[Conversion]]], at_us: int,
                           src: SourceRef) -> None:
        for n, asset, qty, value, convs in in_kind:
            self.dispose(disposal_id=f"{event.id}#fee{n}", event=event, kind="fee", asset=asset, wallet=wallet,
                         qty=qty, gross=value, fees=ZERO, picks=(), at_us=at_us, src=src, convs=convs)

    def move(self, event: Transfer, at_us: int, src: SourceRef) -> None:
        """Move tokens between own wallets: not a disposal. Only matters with per-wallet pools."""
        if not self.per_wallet:
            pool = self.pool(event.asset, None)
            if pool.quantity < event.quantity:
                self.problems.append(Problem(
                    "oversell", f"{event.asset}: at {event.timestamp.isoformat()} transfers {event.quantity} but only "
                    f"{pool.quantity} is held", src, "quantity",
                    suggestion="add the missing acquisition or opening balance"))
            return
        source_pool = self.pool(event.asset, event.from_wallet)
        target = self.pool(event.asset, event.to_wallet)
        if source_pool.quantity < event.quantity:
            self.problems.append(Problem(
                "oversell", f"{event.asset} in wallet {event.from_wallet!r}: at {event.timestamp.isoformat()} "
                f"transfers {event.quantity} but only {source_pool.quantity} is held there", src, "quantity"))
            return
        if isinstance(source_pool, AveragePool):
            assert isinstance(target, AveragePool)
            takes, _, weight = source_pool.take(event.quantity)
            for _lot_id, _at, _us, tq, tcost, _basis in takes:
                target.add_weighted(tq, tcost, weight)
        else:
            assert isinstance(target, LotPool)
            takes, _ = source_pool.take_fifo(event.quantity)
            for lot_id, acquired_at, acquired_us, tq, tcost, _basis in takes:
                assert acquired_at is not None and isinstance(acquired_us, int)
                target.add(Lot(lot_id, acquired_at, acquired_us, tq, tcost))

    # ----------------------------------------------------------------- one event
    def process(self, event: AnyEvent, index: int) -> None:
        src = _src(event, index)
        at_us = epoch_us(event.timestamp)
        year = self.period_of(event.timestamp)
        self.enter_year(year)
        convs: list[Conversion] = []
        if isinstance(event, Acquisition):
            cost = self.to_hkd(event.currency, event.cost, at_us, src, "cost", convs)
            fees, in_kind = self.fee_values(event.fees, at_us, src, convs)
            self.add_lot(event.asset, event.wallet, event.id, event.timestamp, at_us, event.quantity, cost + fees)
            self.lots.append(LotRecord(event.id, event.id, "acquisition", event.asset, event.wallet, event.timestamp,
                                       year, event.quantity, cost + fees, fees, src,
                                       event.character.value if event.character else None, event.character_reason))
            self.dispose_fee_tokens(event, event.wallet, in_kind, at_us, src)
        elif isinstance(event, Disposal):
            gross = self.to_hkd(event.currency, event.proceeds, at_us, src, "proceeds", convs)
            fees, in_kind = self.fee_values(event.fees, at_us, src, convs)
            self.dispose(disposal_id=event.id, event=event, kind="disposal", asset=event.asset, wallet=event.wallet,
                         qty=event.quantity, gross=gross, fees=fees, picks=event.lots, at_us=at_us, src=src,
                         convs=convs)
            self.dispose_fee_tokens(event, event.wallet, in_kind, at_us, src)
        elif isinstance(event, Swap):
            if event.value is not None:
                value = self.to_hkd(event.value_currency, event.value, at_us, src, "value", convs)
            elif self.swap_valuation == "given":
                value = self.market_value(event.give_asset, event.give_quantity, None, "HKD", at_us, src, "value",
                                          convs)
            else:
                value = self.market_value(event.receive_asset, event.receive_quantity, None, "HKD", at_us, src,
                                          "value", convs)
            fees, in_kind = self.fee_values(event.fees, at_us, src, convs)
            self.dispose(disposal_id=event.id, event=event, kind="swap", asset=event.give_asset, wallet=event.wallet,
                         qty=event.give_quantity, gross=value, fees=fees, picks=event.lots, at_us=at_us, src=src,
                         convs=convs)
            self.add_lot(event.receive_asset, event.wallet, event.id, event.timestamp, at_us, event.receive_quantity,
                         value)
            self.lots.append(LotRecord(event.id, event.id, "swap", event.receive_asset, event.wallet,
                                       event.timestamp, year, event.receive_quantity, value, ZERO, src,
                                       event.character.value if event.character else None, event.character_reason))
            self.dispose_fee_tokens(event, event.wallet, in_kind, at_us, src)
        elif isinstance(event, Receipt):
            value = self.market_value(event.asset, event.quantity, event.value, event.value_currency, at_us, src,
                                      "value", convs)
            fees, in_kind = self.fee_values(event.fees, at_us, src, convs)
            nil = self.receipt_cost_basis == "nil" and event.receipt_type in _NIL_BASIS_TYPES
            basis = ZERO if nil else value
            self.add_lot(event.asset, event.wallet, event.id, event.timestamp, at_us, event.quantity, basis + fees)
            self.lots.append(LotRecord(event.id, event.id, "receipt", event.asset, event.wallet, event.timestamp,
                                       year, event.quantity, basis + fees, fees, src,
                                       event.character.value if event.character else None, event.character_reason))
            self.receipts.append(ReceiptRecord(event.id, event.receipt_type.value, event.asset, event.timestamp, year,
                                               event.quantity, value, basis + fees, src, tuple(convs), event.offshore))
            self.dispose_fee_tokens(event, event.wallet, in_kind, at_us, src)
        elif isinstance(event, Payment):
            value = self.market_value(event.asset, event.quantity, event.value, event.value_currency, at_us, src,
                                      "value", convs)
            fees, in_kind = self.fee_values(event.fees, at_us, src, convs)
            self.dispose(disposal_id=event.id, event=event, kind="payment", asset=event.asset, wallet=event.wallet,
                         qty=event.quantity, gross=value, fees=fees, picks=event.lots, at_us=at_us, src=src,
                         convs=convs)
            self.dispose_fee_tokens(event, event.wallet, in_kind, at_us, src)
        elif isinstance(event, Loss):
            self.dispose(disposal_id=event.id, event=event, kind="loss", asset=event.asset, wallet=event.wallet,
                         qty=event.quantity, gross=ZERO, fees=ZERO, picks=event.lots, at_us=at_us, src=src, convs=())
        elif isinstance(event, Transfer):
            fees, in_kind = self.fee_values(event.fees, at_us, src, convs)
            self.move(event, at_us, src)
            if event.fees:
                self.outgoings.append(OutgoingRecord(event.id, "transfer_fee", event.timestamp, year, fees, True,
                                                     f"fee on transfer {event.from_wallet} -> {event.to_wallet}", src,
                                                     tuple(convs)))
            self.dispose_fee_tokens(event, event.from_wallet, in_kind, at_us, src)
        elif isinstance(event, FeePaid):
            fees, in_kind = self.fee_values((event.fee,), at_us, src, convs)
            self.outgoings.append(OutgoingRecord(event.id, "fee", event.timestamp, year, fees, True, event.purpose,
                                                 src, tuple(convs)))
            self.dispose_fee_tokens(event, event.wallet, in_kind, at_us, src)
        elif isinstance(event, Income):
            amount = self.to_hkd(event.currency, event.amount, at_us, src, "amount", convs)
            self.incomes.append(IncomeRecord(event.id, event.income_type.value, event.timestamp, year, amount,
                                             event.related_asset, src, tuple(convs), event.offshore))
        elif isinstance(event, Expense):
            amount = self.to_hkd(event.currency, event.amount, at_us, src, "amount", convs)
            self.outgoings.append(OutgoingRecord(event.id, "expense", event.timestamp, year, amount, event.deductible,
                                                 event.description, src, tuple(convs)))
        else:  # pragma: no cover - the union is closed
            raise TypeError(f"unknown event {event!r}")


def _token_symbols(events: Sequence[AnyEvent], assets: Sequence[Asset]) -> tuple[set[str], bool]:
    if assets:
        return {a.symbol for a in assets}, False
    tokens: set[str] = set()
    for e in events:
        if isinstance(e, (Acquisition, Disposal, Transfer, Receipt, Payment, Loss)):
            tokens.add(e.asset)
        elif isinstance(e, Swap):
            tokens.add(e.give_asset)
            tokens.add(e.receive_asset)
    return tokens, True


def _check_references(events: Sequence[AnyEvent], tokens: set[str], declared: bool) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for i, e in enumerate(events):
        src = _src(e, i)
        if e.id in seen:
            first = events[seen[e.id]]
            problems.append(Problem("duplicate_id", f"id {e.id!r} is used again (first at {_src(first, seen[e.id])})",
                                    src, "id", suggestion="give every event its own id"))
        else:
            seen[e.id] = i
        if not declared:
            continue
        names: list[tuple[str, str]] = []
        if isinstance(e, (Acquisition, Disposal, Transfer, Receipt, Payment, Loss)):
            names.append(("asset", e.asset))
        elif isinstance(e, Swap):
            names += [("give_asset", e.give_asset), ("receive_asset", e.receive_asset)]
        for column, symbol in names:
            if symbol not in tokens:
                problems.append(Problem("unknown_asset", f"asset {symbol} is not declared in 'assets'", src, column,
                                        suggestion=f"declare {symbol} in the scenario's assets"))
    return problems


def run_ledger(
    events: Iterable[AnyEvent],
    *,
    assets: Sequence[Asset] = (),
    rates: Sequence[Rate] = (),
    opening: Sequence[OpeningLot | PoolSnapshot] = (),
    method_for: Callable[[YearOfAssessment], LotMethod] | LotMethod = LotMethod.WEIGHTED_AVERAGE,
    period_of: Callable[[datetime], YearOfAssessment] = YearOfAssessment.containing,
    per_wallet: bool = False,
    swap_valuation: str = "received",
    allow_unknown_cost: bool = False,
    price_max_age: timedelta = timedelta(days=1),
    receipt_cost_basis: str = "market_value",
) -> LedgerResult:
    """Match every disposal with the lots that fed it, in HKD.

    Args:
        events: validated events, in any order.
        assets: declared assets; when empty, every symbol used as an asset is taken as a token (noted).
        rates: exchange rates and token prices.
        opening: lots or pools held at the start (e.g. the closing pools of an earlier run).
        method_for: the cost formula for a year of assessment (or one method for all years).
        period_of: maps an instant to its year of assessment (the taxpayer's basis period).
        per_wallet: one pool per (asset, wallet) instead of one per asset.
        swap_valuation: ``"received"`` or ``"given"`` when a swap states no value.
        allow_unknown_cost: allow overselling, the excess at nil cost (an assumption, noted).
        price_max_age: oldest rate that may be used for an event.
        receipt_cost_basis: ``"market_value"`` or ``"nil"`` for staking, mining, airdrops, forks, lending.

    Returns:
        A :class:`LedgerResult`.

    Raises:
        InputError: with every problem found (missing rates, oversells, unknown lots, duplicate ids …).
    """
    method_fn: Callable[[YearOfAssessment], LotMethod]
    if isinstance(method_for, LotMethod | str):
        fixed = LotMethod(method_for)

        def fixed_method(_: YearOfAssessment) -> LotMethod:
            return fixed

        method_fn = fixed_method
    else:
        method_fn = method_for
    ordered_input = list(events)
    tokens, inferred = _token_symbols(ordered_input, assets)
    for lot in opening:
        tokens.add(lot.asset)
    problems = _check_references(ordered_input, tokens, not inferred)
    indexed = sorted(range(len(ordered_input)), key=lambda i: sort_key(ordered_input[i]))
    run = _Run(
        tokens=tokens, book=PriceBook(rates, max_age=price_max_age), method_for=method_fn, period_of=period_of,
        per_wallet=per_wallet, swap_valuation=swap_valuation, allow_unknown_cost=allow_unknown_cost,
        receipt_cost_basis=receipt_cost_basis,
    )
    if inferred and ordered_input:
        run.notes.append(LedgerNote(
            "inferred_assets", "no assets declared: every symbol used as an asset is taken as a virtual asset "
            f"({', '.join(sorted(tokens))}); every other code is a fiat currency"))
    opening_snaps = tuple(_as_snapshot(lot) for lot in opening)
    with exact_context():
        if opening_snaps:
            first_year = period_of(ordered_input[indexed[0]].timestamp) if indexed else None
            if first_year is not None:
                run.enter_year(first_year)
            else:
                run.method = method_fn(YearOfAssessment.containing(min(s.acquired_at for s in opening_snaps)))
            for snap in sorted(opening_snaps, key=lambda s: (epoch_us(s.acquired_at), s.asset, s.lot_id)):
                _open(run, snap)
        for i in indexed:
            run.process(ordered_input[i], i)
        if run.year is not None:
            run.closing[run.year] = run.snapshot()
    problems.extend(run.problems)
    if problems:
        raise InputError(problems)
    return LedgerResult(
        disposals=tuple(run.disposals), lots=tuple(run.lots), receipts=tuple(run.receipts),
        incomes=tuple(run.incomes), outgoings=tuple(run.outgoings), closing=run.closing, opening=opening_snaps,
        notes=tuple(run.notes), methods=run.methods, event_count=len(ordered_input),
    )


def _as_snapshot(lot: OpeningLot | PoolSnapshot) -> PoolSnapshot:
    if isinstance(lot, PoolSnapshot):
        return lot
    return PoolSnapshot(lot.asset, lot.wallet, lot.lot_id, lot.acquired_at, lot.quantity, lot.cost_hkd,
                        lot.time_weight)


def _open(run: _Run, snap: PoolSnapshot) -> None:
    run.ever_held.add(snap.asset)
    pool = run.pool(snap.asset, snap.wallet)
    if isinstance(pool, AveragePool):
        weight = snap.time_weight if snap.time_weight is not None else snap.quantity * epoch_us(snap.acquired_at)
        pool.add_weighted(snap.quantity, snap.cost_hkd, weight)
    else:
        acquired_us = epoch_us(snap.acquired_at)
        if snap.time_weight is not None:
            acquired_us = int(snap.time_weight / snap.quantity)
        pool.add(Lot(snap.lot_id, snap.acquired_at, acquired_us, snap.quantity, snap.cost_hkd))
