"""The oracle: a deliberately simple lot matcher that the property tests compare every ledger core against.

Issue 15 ("One ledger core") asks for one fast implementation of the ledger and, beside it, a matcher
that is *obviously* correct: no indexes, no deques, no caches, no streaming. This is it. It reads the
same pydantic events and produces the same records (the dataclasses of :mod:`hkvatax.ledger.results`)
and the same per-year aggregates, computed here from its own records.

What it implements, and where the rule is written down:

* order of events: (instant, kind rank, id); within an event the main disposal or acquisition first,
  then each fee paid in a token in list order (docs/decisions/0002-event-order.md, 0010-fees.md);
* HKD values: a stated value first; else the latest ``base -> HKD`` rate at or before the instant and
  no older than the allowed age; else ``base -> X -> HKD`` for the first ``X`` in alphabetical order
  (docs/decisions/0004-price-lookup.md);
* cost formulas per year of assessment (the taxpayer's basis period): weighted average with a time
  weight (0011), FIFO, specific identification with designations and a FIFO fallback (0012); a change of
  formula by election carries each pool over at cost at the start of the year (0011);
* shares of cost, time weight and proceeds are ``total x part / whole`` cut to 10^-40, the remainder by
  subtraction, a take of everything takes everything (docs/decisions/0014-allocation-grid.md);
* fees: a fiat fee adds to cost or reduces proceeds; a token fee also disposes of the token at its value
  as ``<id>#fee<n>`` (0010); receipts at market value or nil cost for nil types (0013);
* pools per asset or per (asset, wallet); a transfer moves lots (first in, first out) or an average
  pool's share of cost and weight between wallets;
* problems: every problem collected, raised together, each naming its event's source and the model
  field (the engine renames fields to CSV columns for a CSV file: ``io.loaders.name_csv_columns``; the
  ledger knows no files); ``allow_unknown_cost`` takes an oversold excess at nil cost.

One deliberate difference of reading from today's reference ``hkvatax.ledger.match_scenario``: the
oracle applies the cost formula of *every* year of assessment, including years in which nothing
happened, so an election that is in force only for an empty year still converts the pools at its
start (see ``test_oracle.py::test_election_for_a_year_without_events_converts_the_pools``).

Exactness: Decimal arithmetic runs in :func:`hkvatax.money.exact_context` (80 digits), as the
specification does; the few inexact divisions (mean acquisition instants, holding periods) are then the
same 80-digit quotients. Exponents matter (the comparison is on ``str``), so sums start from
``Decimal(0)`` and an emptied average pool's cost and weight restart at ``Decimal(0)``, as specified.

The comparison helpers at the end (:func:`assert_ledger_equal`, :func:`assert_aggregates_equal`,
:func:`assert_problems_equal`) are what the properties call; point them at another core by changing
the import in ``tests/properties/test_oracle.py``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any

from hkvatax.errors import InputError, Problem, SourceRef
from hkvatax.ledger.prices import Conversion  # a record type (part of every result), not matching code
from hkvatax.ledger.results import (
    DisposalRecord,
    Fragment,
    IncomeRecord,
    LedgerNote,
    LotRecord,
    OutgoingRecord,
    PoolSnapshot,
    ReceiptRecord,
)
from hkvatax.models import (
    Acquisition,
    Disposal,
    Expense,
    Fee,
    FeePaid,
    Income,
    Loss,
    LotMethod,
    LotPick,
    Payment,
    Rate,
    Receipt,
    ReceiptType,
    Scenario,
    Swap,
    Transfer,
)
from hkvatax.money import allocate, exact_context
from hkvatax.periods import YearEnd, YearOfAssessment

__all__ = [
    "OracleResult", "OracleAggregates", "OracleGroup", "OracleYearStats", "oracle_match", "oracle_aggregate",
    "assert_ledger_equal", "assert_aggregates_equal", "assert_problems_equal", "canon",
]

ZERO = Decimal(0)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
US_PER_DAY = Decimal(86_400_000_000)
SAMPLE_SIZE = 10
RANK = {"acquisition": 0, "receipt": 0, "income": 0, "swap": 1, "transfer": 2,
        "disposal": 3, "payment": 3, "fee": 3, "loss": 3, "expense": 3}
NIL_BASIS = {ReceiptType.STAKING, ReceiptType.MINING, ReceiptType.AIRDROP, ReceiptType.FORK,
             ReceiptType.LENDING_INTEREST}
ASSET_FIELDS = {"acquisition": ("asset",), "disposal": ("asset",), "transfer": ("asset",), "receipt": ("asset",),
                "payment": ("asset",), "loss": ("asset",), "swap": ("give_asset", "receive_asset")}


def micros(instant: datetime) -> int:
    """Microseconds since the POSIX epoch (integer arithmetic on timedelta, no float)."""
    return (instant - EPOCH) // timedelta(microseconds=1)


def instant(us: Decimal | int) -> datetime:
    """The instant of a (mean) microsecond count, truncated to the microsecond."""
    return EPOCH + timedelta(microseconds=int(us))


# --------------------------------------------------------------------------------------------- results
@dataclass
class OracleResult:
    """What the oracle found; the fields of :class:`hkvatax.ledger.LedgerResult`, plus the years with events.

    ``closing`` has an entry for *every* year from the first to the last year with an event (the pools
    at the end of that year); ``methods`` the formula of each of those years.
    """

    disposals: list[DisposalRecord] = field(default_factory=list)
    lots: list[LotRecord] = field(default_factory=list)
    receipts: list[ReceiptRecord] = field(default_factory=list)
    incomes: list[IncomeRecord] = field(default_factory=list)
    outgoings: list[OutgoingRecord] = field(default_factory=list)
    closing: dict[YearOfAssessment, tuple[PoolSnapshot, ...]] = field(default_factory=dict)
    opening: tuple[PoolSnapshot, ...] = ()
    notes: list[LedgerNote] = field(default_factory=list)
    methods: dict[YearOfAssessment, str] = field(default_factory=dict)
    event_count: int = 0
    event_years: set[YearOfAssessment] = field(default_factory=set)

    def closing_pools(self, year: YearOfAssessment) -> tuple[PoolSnapshot, ...]:
        earlier = [y for y in self.closing if y <= year]
        return self.closing[max(earlier)] if earlier else self.opening


# --------------------------------------------------------------------------------------------- pools
@dataclass
class Lot:
    lot_id: str
    acquired_at: datetime
    us: int
    quantity: Decimal
    cost: Decimal


@dataclass
class Take:
    lot_id: str
    acquired_at: datetime | None
    us: Decimal | int | None  # None: the unknown-cost excess
    quantity: Decimal
    cost: Decimal
    basis: str  # lot | pool | fifo_fallback | unknown


class LotList:
    """FIFO and specific identification: a plain list of lots, oldest first, empty lots removed."""

    def __init__(self, asset: str, wallet: str | None):
        self.asset, self.wallet = asset, wallet
        self.lots: list[Lot] = []
        self.quantity = ZERO  # a running total, as the quantity held is reported in problems

    def add(self, lot: Lot) -> None:
        self.quantity += lot.quantity
        for held in self.lots:
            if held.lot_id == lot.lot_id and held.us == lot.us:  # the same lot, back from another wallet
                held.quantity += lot.quantity
                held.cost += lot.cost
                return
        later = [i for i, held in enumerate(self.lots) if held.us > lot.us]
        self.lots.insert(later[0] if later else len(self.lots), lot)

    def _take(self, lot: Lot, quantity: Decimal, basis: str) -> Take:
        cost = lot.cost if quantity == lot.quantity else allocate(lot.cost, quantity, lot.quantity)
        lot.quantity -= quantity
        lot.cost -= cost
        self.quantity -= quantity
        if lot.quantity == 0:
            self.lots.remove(lot)
        return Take(lot.lot_id, lot.acquired_at, lot.us, quantity, cost, basis)

    def take_oldest(self, quantity: Decimal, basis: str) -> tuple[list[Take], Decimal]:
        """Take ``quantity`` from the oldest lots: the takes and the quantity not held."""
        takes = []
        while quantity > 0 and self.lots:
            lot = self.lots[0]
            part = lot.quantity if lot.quantity <= quantity else quantity  # a whole lot as the lot states it
            takes.append(self._take(lot, part, basis))
            quantity -= part
        return takes, quantity

    def find(self, lot_id: str) -> Lot | None:
        return next((lot for lot in self.lots if lot.lot_id == lot_id), None)

    def snapshot(self) -> list[PoolSnapshot]:
        return [PoolSnapshot(self.asset, self.wallet, lot.lot_id, lot.acquired_at, lot.quantity, lot.cost)
                for lot in self.lots]


class Average:
    """Weighted average cost: quantity, cost and time weight (sum of quantity x acquisition instant)."""

    def __init__(self, asset: str, wallet: str | None):
        self.asset, self.wallet = asset, wallet
        self.quantity = self.cost = self.weight = ZERO
        self.lot_id = f"pool:{asset}" + (f"@{wallet}" if wallet else "")

    def add(self, quantity: Decimal, cost: Decimal, weight: Decimal) -> None:
        self.quantity += quantity
        self.cost += cost
        self.weight += weight

    def take(self, quantity: Decimal) -> tuple[Take | None, Decimal]:
        """Take up to ``quantity``: the take (None if empty) and its time weight."""
        if self.quantity <= 0:
            return None, ZERO
        part = quantity if quantity <= self.quantity else self.quantity
        if part == self.quantity:
            cost, weight = self.cost, self.weight
        else:
            cost, weight = allocate(self.cost, part, self.quantity), allocate(self.weight, part, self.quantity)
        mean = weight / part
        self.quantity -= part
        self.cost -= cost
        self.weight -= weight
        if self.quantity == 0:
            self.cost = self.weight = ZERO
        return Take(self.lot_id, instant(mean), mean, part, cost, "pool"), weight

    def snapshot(self) -> list[PoolSnapshot]:
        if self.quantity == 0:
            return []
        return [PoolSnapshot(self.asset, self.wallet, self.lot_id, instant(self.weight / self.quantity),
                             self.quantity, self.cost, self.weight)]


Pool = LotList | Average


# --------------------------------------------------------------------------------------------- prices
def latest(rates: list[Rate], base: str, quote: str, at: int, max_age: int) -> Rate | None:
    """The latest rate of the pair at or before ``at`` (ties: the greatest (source, rate)), if not too old."""
    seen = [r for r in rates if r.base == base and r.quote == quote and micros(r.at) <= at]
    if not seen:
        return None
    # str(rate) last: two equal rates written differently (7.8, 7.80) are otherwise a tie left to row order
    best = max(seen, key=lambda r: (micros(r.at), r.source, r.rate, str(r.rate)))
    return best if at - micros(best.at) <= max_age else None


def conv(rate: Rate) -> Conversion:
    return Conversion(rate.base, rate.quote, rate.rate, rate.at, rate.source)


def in_hkd(rates: list[Rate], code: str, amount: Decimal, at: int,
           max_age: int) -> tuple[Decimal, list[Conversion]] | None:
    if code == "HKD":
        return amount, []
    direct = latest(rates, code, "HKD", at, max_age)
    if direct is not None:
        return amount * direct.rate, [conv(direct)]
    for middle in sorted({r.quote for r in rates if r.base == code and r.quote != "HKD"}):
        first, second = latest(rates, code, middle, at, max_age), latest(rates, middle, "HKD", at, max_age)
        if first is not None and second is not None:
            return amount * first.rate * second.rate, [conv(first), conv(second)]
    return None


# --------------------------------------------------------------------------------------------- the run
AnyEvent = Acquisition | Disposal | Swap | FeePaid | Transfer | Receipt | Payment | Loss | Income | Expense


class Oracle:
    """One run over a scenario's events."""

    def __init__(self, scenario: Scenario, receipt_cost_basis: str | None):
        self.scenario = scenario
        settings, tp = scenario.settings, scenario.taxpayer
        self.basis = receipt_cost_basis or settings.receipt_cost_basis or "market_value"
        self.year_end = YearEnd(tp.accounting_year_end_month, tp.accounting_year_end_day)
        self.elections = sorted((YearOfAssessment.parse(e.from_year), e.method) for e in tp.methods)
        self.per_wallet = tp.per_wallet_pools
        self.rates = list(scenario.rates)
        self.max_age = timedelta(days=settings.price_max_age_days) // timedelta(microseconds=1)
        self.out = OracleResult(event_count=len(scenario.events))
        self.problems: list[Problem] = []
        self.pools: dict[tuple[str, str | None], Pool] = {}
        self.method: LotMethod | None = None
        self.year: YearOfAssessment | None = None
        self.ever_held: set[str] = set()
        declared = {a.symbol for a in scenario.assets}
        used = {getattr(e, name) for e in scenario.events for name in ASSET_FIELDS.get(e.kind, ())}
        self.tokens = (declared or used) | {lot.asset for lot in scenario.opening_lots}
        self.declared = bool(declared)

    # ----------------------------------------------------------------- years and formulas
    def method_of(self, year: YearOfAssessment) -> LotMethod:
        if not self.elections:
            return LotMethod.WEIGHTED_AVERAGE
        in_force = [method for start, method in self.elections if start <= year]
        return LotMethod(in_force[-1] if in_force else self.elections[0][1])

    def new_pool(self, asset: str, wallet: str | None) -> Pool:
        return Average(asset, wallet) if self.method is LotMethod.WEIGHTED_AVERAGE else LotList(asset, wallet)

    def pool(self, asset: str, wallet: str | None) -> Pool:
        key = (asset, wallet if self.per_wallet else None)
        if key not in self.pools:
            self.pools[key] = self.new_pool(*key)
        return self.pools[key]

    def snapshot(self) -> tuple[PoolSnapshot, ...]:
        keys = sorted(self.pools, key=lambda k: (k[0], k[1] or ""))
        return tuple(snap for key in keys for snap in self.pools[key].snapshot())

    def start_year(self, year: YearOfAssessment) -> None:
        """Enter ``year``, closing each year before it (those without events too) and converting pools."""
        if self.year is None:
            self.year, self.method = year, self.method_of(year)
            self.out.methods[year] = self.method.value
            return
        while self.year < year:
            self.out.closing[self.year] = self.snapshot()
            self.year = self.year.next()
            method = self.method_of(self.year)
            if method is not self.method:
                self.convert(method)
            self.out.methods[self.year] = method.value

    def convert(self, method: LotMethod) -> None:
        old, self.method = self.method, method
        assert old is not None and self.year is not None
        for key, pool in list(self.pools.items()):
            if isinstance(pool, LotList) and method is LotMethod.WEIGHTED_AVERAGE:
                average = Average(*key)
                for lot in pool.lots:
                    average.add(lot.quantity, lot.cost, lot.quantity * lot.us)
                self.pools[key] = average
            elif isinstance(pool, Average) and method is not LotMethod.WEIGHTED_AVERAGE:
                lots = LotList(*key)
                if pool.quantity != 0:
                    mean = pool.weight / pool.quantity
                    lots.add(Lot(f"{pool.lot_id}@{self.year.label}", instant(mean), int(mean), pool.quantity,
                                 pool.cost))
                self.pools[key] = lots
        self.out.notes.append(LedgerNote(
            "method_change", f"cost formula changes from {old.value} to {method.value} from {self.year.label} by "
            "election; pools carried over at their cost (quantity and HKD cost unchanged)", year=self.year))

    def add_lot(self, asset: str, wallet: str | None, lot_id: str, at: datetime, quantity: Decimal,
                cost: Decimal) -> None:
        self.ever_held.add(asset)
        pool = self.pool(asset, wallet)
        if isinstance(pool, Average):
            pool.add(quantity, cost, quantity * micros(at))
        else:
            pool.add(Lot(lot_id, at, micros(at), quantity, cost))

    def open(self, snap: PoolSnapshot) -> None:
        self.ever_held.add(snap.asset)
        pool = self.pool(snap.asset, snap.wallet)
        if isinstance(pool, Average):
            weight = snap.time_weight if snap.time_weight is not None else snap.quantity * micros(snap.acquired_at)
            pool.add(snap.quantity, snap.cost_hkd, weight)
        else:
            us = micros(snap.acquired_at) if snap.time_weight is None else int(snap.time_weight / snap.quantity)
            pool.add(Lot(snap.lot_id, snap.acquired_at, us, snap.quantity, snap.cost_hkd))

    # ----------------------------------------------------------------- values
    def hkd(self, code: str, amount: Decimal, at: int, src: SourceRef, column: str,
            convs: list[Conversion]) -> Decimal:
        found = in_hkd(self.rates, code, amount, at, self.max_age)
        if found is None:
            token = code in self.tokens
            self.problems.append(Problem(
                "missing_price" if token else "unknown_currency",
                f"no {'price for token' if token else 'exchange rate for'} {code} to HKD at or within the allowed "
                "age before this event", src, column,
                suggestion=f"add a rate {code}->HKD (or via USD) dated at or shortly before the event, or state the "
                           "value"))
            return ZERO
        convs.extend(found[1])
        return found[0]

    def value_of(self, asset: str, quantity: Decimal, value: Decimal | None, currency: str, at: int,
                 src: SourceRef, column: str, convs: list[Conversion]) -> Decimal:
        """A stated value in HKD, else the market value of ``quantity`` of ``asset`` from the price table."""
        if value is not None:
            return self.hkd(currency, value, at, src, column, convs)
        found = in_hkd(self.rates, asset, quantity, at, self.max_age)
        if found is None:
            self.problems.append(Problem(
                "missing_price", f"{asset} needs a market value here and no price {asset}->HKD was found", src,
                column, suggestion=f"give '{column}' or add a {asset} price at this time"))
            return ZERO
        convs.extend(found[1])
        return found[0]

    def fees(self, fees: tuple[Fee, ...], at: int, src: SourceRef,
             convs: list[Conversion]) -> tuple[Decimal, list[tuple[int, Fee, Decimal, list[Conversion]]]]:
        """The HKD total of ``fees``, and the fees paid in a token (index, fee, value, conversions)."""
        total = ZERO
        in_kind = []
        for n, fee in enumerate(fees):
            if fee.currency in self.tokens:
                own: list[Conversion] = []
                value = self.value_of(fee.currency, fee.amount, fee.value, fee.value_currency, at, src,
                                      f"fees[{n}].value", own)
                in_kind.append((n, fee, value, own))
                convs.extend(own)
            else:
                value = self.hkd(fee.currency, fee.amount, at, src, f"fees[{n}].amount", convs)
            total += value
        return total, in_kind

    # ----------------------------------------------------------------- disposals
    def match(self, kind: str, pool: Pool, quantity: Decimal, picks: tuple[LotPick, ...], name: str,
              event: AnyEvent, src: SourceRef) -> tuple[list[Take], Decimal, Decimal]:
        """The lots a disposal takes: takes, the quantity not held, and (average) the weight taken."""
        if isinstance(pool, Average):
            if picks:
                self.note("picks_ignored", f"{name}: lot designations ignored under weighted average cost", event,
                          src)
            take, weight = pool.take(quantity)
            if take is None:
                return [], quantity, ZERO
            return [take], quantity - take.quantity, weight
        if self.method is not LotMethod.SPECIFIC_ID:
            if picks:
                self.note("picks_ignored", f"{name}: lot designations ignored under first-in first-out (they "
                          "apply under specific identification)", event, src)
            return *pool.take_oldest(quantity, "lot"), ZERO
        if not picks:
            if kind != "fee":
                self.note("fifo_fallback", f"{name}: no lot designated under specific identification; matched "
                          "first-in first-out", event, src)
            return *pool.take_oldest(quantity, "fifo_fallback"), ZERO
        takes = []
        designated = ZERO
        for pick in picks:
            lot = pool.find(pick.lot_id)
            if lot is None or lot.quantity < pick.quantity:
                self.problems.append(Problem(
                    "unknown_lot", f"lot {pick.lot_id!r} of {pool.asset} does not exist here or holds "
                    f"{lot.quantity if lot else ZERO}, less than the {pick.quantity} designated", src, "lots"))
                continue
            takes.append(pool._take(lot, pick.quantity, "lot"))
            designated += pick.quantity
        rest = quantity - designated
        if rest < 0:
            self.problems.append(Problem(
                "invalid_field", f"designated lots total {designated}, more than the {quantity} disposed of", src,
                "lots"))
            return takes, ZERO, ZERO
        short = ZERO
        if rest > 0:
            more, short = pool.take_oldest(rest, "fifo_fallback")
            takes += more
            self.note("fifo_fallback", f"{name}: {rest} {pool.asset} not designated to a lot; matched first-in "
                      "first-out", event, src)
        return takes, short, ZERO

    def dispose(self, name: str, kind: str, event: AnyEvent, asset: str, wallet: str | None, quantity: Decimal,
                gross: Decimal, fees: Decimal, picks: tuple[LotPick, ...], src: SourceRef,
                convs: list[Conversion], subtype: str | None = None, market: Decimal | None = None) -> None:
        assert self.method is not None and self.year is not None
        takes, short, weight = self.match(kind, self.pool(asset, wallet), quantity, picks, name, event, src)
        if short > 0:
            self.shortfall(name, event, asset, wallet, quantity, short, src, takes)
        net = gross - fees
        at = micros(event.timestamp)
        fragments = []
        allocated = ZERO
        for i, take in enumerate(takes):
            share = net - allocated if i == len(takes) - 1 else allocate(net, take.quantity, quantity)
            allocated += share
            if take.us is None:
                days = held = None
            else:
                days = (Decimal(at) - Decimal(take.us)) / US_PER_DAY
                held = take.quantity * at - weight if take.basis == "pool" else take.quantity * (at - take.us)
            fragments.append(Fragment(take.lot_id, take.acquired_at, take.quantity, take.cost, share, days,
                                      take.basis, held))
        self.out.disposals.append(DisposalRecord(
            name, event.id, kind, asset, wallet, event.timestamp, self.year, quantity, gross, fees, net,
            sum((t.cost for t in takes), ZERO), tuple(fragments), self.method.value, src, tuple(convs),
            event.offshore, subtype, market))

    def shortfall(self, name: str, event: AnyEvent, asset: str, wallet: str | None, quantity: Decimal,
                  short: Decimal, src: SourceRef, takes: list[Take]) -> None:
        held = quantity - short
        if self.scenario.settings.allow_unknown_cost:
            takes.append(Take("UNKNOWN", None, None, short, ZERO, "unknown"))
            self.note("unknown_cost", f"{name}: disposes of {quantity} {asset} but only {held} is held; the excess "
                      f"{short} is taken at nil cost (assumption: allow_unknown_cost)", event, src)
        elif asset not in self.ever_held:
            self.problems.append(Problem(
                "disposal_before_acquisition", f"{asset}: at {event.timestamp.isoformat()} gives up {quantity} but "
                f"nothing of {asset} was acquired, received or held before it", src, "quantity",
                suggestion="add the acquisition (or opening balance) it came from, or check the date and asset"))
        else:
            where = f" in wallet {wallet!r}" if self.per_wallet and wallet else ""
            self.problems.append(Problem(
                "oversell", f"{asset}{where}: at {event.timestamp.isoformat()} disposes of {quantity} but only "
                f"{held} is held", src, "quantity",
                suggestion="add the missing acquisition or opening balance, or set allow_unknown_cost"))

    def pay_fees_in_kind(self, event: AnyEvent, wallet: str | None,
                         in_kind: list[tuple[int, Fee, Decimal, list[Conversion]]], src: SourceRef) -> None:
        for n, fee, value, convs in in_kind:
            self.dispose(f"{event.id}#fee{n}", "fee", event, fee.currency, wallet, fee.amount, value, ZERO, (), src,
                         convs)

    def note(self, code: str, message: str, event: AnyEvent, src: SourceRef) -> None:
        self.out.notes.append(LedgerNote(code, message, event.id, self.year, src))

    # ----------------------------------------------------------------- transfers
    def move(self, event: Transfer, src: SourceRef) -> None:
        if not self.per_wallet:
            held = self.pool(event.asset, None).quantity
            if held < event.quantity:
                self.problems.append(Problem(
                    "oversell", f"{event.asset}: at {event.timestamp.isoformat()} transfers {event.quantity} but "
                    f"only {held} is held", src, "quantity",
                    suggestion="add the missing acquisition or opening balance"))
            return
        source, target = self.pool(event.asset, event.from_wallet), self.pool(event.asset, event.to_wallet)
        if source.quantity < event.quantity:
            self.problems.append(Problem(
                "oversell", f"{event.asset} in wallet {event.from_wallet!r}: at {event.timestamp.isoformat()} "
                f"transfers {event.quantity} but only {source.quantity} is held there", src, "quantity"))
            return
        if isinstance(source, Average):
            assert isinstance(target, Average)
            take, weight = source.take(event.quantity)
            assert take is not None
            target.add(take.quantity, take.cost, weight)
        else:
            assert isinstance(target, LotList)
            for take in source.take_oldest(event.quantity, "lot")[0]:
                assert take.acquired_at is not None and isinstance(take.us, int)
                target.add(Lot(take.lot_id, take.acquired_at, take.us, take.quantity, take.cost))

    # ----------------------------------------------------------------- one event of each kind
    def process(self, event: AnyEvent, src: SourceRef) -> None:
        year = self.year_end.year_of_assessment(event.timestamp)
        self.out.event_years.add(year)
        self.start_year(year)
        assert self.year is not None
        at = micros(event.timestamp)
        convs: list[Conversion] = []
        character = getattr(event, "character", None)
        reason = getattr(event, "character_reason", None)
        lot = (character.value if character else None, reason)
        if isinstance(event, Acquisition):
            cost = self.hkd(event.currency, event.cost, at, src, "cost", convs)
            fees, in_kind = self.fees(event.fees, at, src, convs)
            self.add_lot(event.asset, event.wallet, event.id, event.timestamp, event.quantity, cost + fees)
            self.out.lots.append(LotRecord(event.id, event.id, "acquisition", event.asset, event.wallet,
                                           event.timestamp, self.year, event.quantity, cost + fees, fees, src, *lot))
            self.pay_fees_in_kind(event, event.wallet, in_kind, src)
        elif isinstance(event, Disposal):
            gross = self.hkd(event.currency, event.proceeds, at, src, "proceeds", convs)
            fees, in_kind = self.fees(event.fees, at, src, convs)
            self.dispose(event.id, "disposal", event, event.asset, event.wallet, event.quantity, gross, fees,
                         event.lots, src, convs)
            self.pay_fees_in_kind(event, event.wallet, in_kind, src)
        elif isinstance(event, Swap):
            if event.value is not None:
                value = self.hkd(event.value_currency, event.value, at, src, "value", convs)
            elif self.scenario.settings.swap_valuation == "given":
                value = self.value_of(event.give_asset, event.give_quantity, None, "HKD", at, src, "value", convs)
            else:
                value = self.value_of(event.receive_asset, event.receive_quantity, None, "HKD", at, src, "value",
                                      convs)
            fees, in_kind = self.fees(event.fees, at, src, convs)
            self.dispose(event.id, "swap", event, event.give_asset, event.wallet, event.give_quantity, value, fees,
                         event.lots, src, convs)
            self.add_lot(event.receive_asset, event.wallet, event.id, event.timestamp, event.receive_quantity, value)
            self.out.lots.append(LotRecord(event.id, event.id, "swap", event.receive_asset, event.wallet,
                                           event.timestamp, self.year, event.receive_quantity, value, ZERO, src, *lot))
            self.pay_fees_in_kind(event, event.wallet, in_kind, src)
        elif isinstance(event, Receipt):
            value = self.value_of(event.asset, event.quantity, event.value, event.value_currency, at, src, "value",
                                  convs)
            fees, in_kind = self.fees(event.fees, at, src, convs)
            cost = (ZERO if self.basis == "nil" and event.receipt_type in NIL_BASIS else value) + fees
            self.add_lot(event.asset, event.wallet, event.id, event.timestamp, event.quantity, cost)
            self.out.lots.append(LotRecord(event.id, event.id, "receipt", event.asset, event.wallet,
                                           event.timestamp, self.year, event.quantity, cost, fees, src, *lot))
            self.out.receipts.append(ReceiptRecord(event.id, event.receipt_type.value, event.asset, event.timestamp,
                                                   self.year, event.quantity, value, cost, src, tuple(convs),
                                                   event.offshore))
            self.pay_fees_in_kind(event, event.wallet, in_kind, src)
        elif isinstance(event, Payment):
            value = self.value_of(event.asset, event.quantity, event.value, event.value_currency, at, src, "value",
                                  convs)
            fees, in_kind = self.fees(event.fees, at, src, convs)
            self.dispose(event.id, "payment", event, event.asset, event.wallet, event.quantity, value, fees,
                         event.lots, src, convs)
            self.pay_fees_in_kind(event, event.wallet, in_kind, src)
        elif isinstance(event, Loss):
            # what was recovered stays; a stated value, or a gift's or donation's price, is its market value
            quantity = event.quantity - (event.recovered_quantity or ZERO)
            market = None
            if event.value is not None or event.loss_type.value in ("gift", "donation"):
                market = self.value_of(event.asset, quantity, event.value, event.value_currency, at, src, "value",
                                       convs)
            self.dispose(event.id, "loss", event, event.asset, event.wallet, quantity, ZERO, ZERO, event.lots,
                         src, convs, event.loss_type.value, market)
        elif isinstance(event, Transfer):
            fees, in_kind = self.fees(event.fees, at, src, convs)
            self.move(event, src)
            if event.fees:
                self.out.outgoings.append(OutgoingRecord(
                    event.id, "transfer_fee", event.timestamp, self.year, fees, True,
                    f"fee on transfer {event.from_wallet} -> {event.to_wallet}", src, tuple(convs)))
            self.pay_fees_in_kind(event, event.from_wallet, in_kind, src)
        elif isinstance(event, FeePaid):
            fees, in_kind = self.fees((event.fee,), at, src, convs)
            self.out.outgoings.append(OutgoingRecord(event.id, "fee", event.timestamp, self.year, fees, True,
                                                     event.purpose, src, tuple(convs)))
            self.pay_fees_in_kind(event, event.wallet, in_kind, src)
        elif isinstance(event, Income):
            amount = self.hkd(event.currency, event.amount, at, src, "amount", convs)
            self.out.incomes.append(IncomeRecord(event.id, event.income_type.value, event.timestamp, self.year,
                                                 amount, event.related_asset, src, tuple(convs), event.offshore))
        else:
            amount = self.hkd(event.currency, event.amount, at, src, "amount", convs)
            self.out.outgoings.append(OutgoingRecord(event.id, "expense", event.timestamp, self.year, amount,
                                                     event.deductible, event.description, src, tuple(convs)))

    # ----------------------------------------------------------------- the whole run
    def run(self) -> OracleResult:
        events = list(self.scenario.events)
        sources = [e.source if e.source is not None else SourceRef(path=f"events[{i}]") for i, e in enumerate(events)]
        problems = self.check_references(events, sources)
        if not self.declared and events:
            self.out.notes.append(LedgerNote(
                "inferred_assets", "no assets declared: every symbol used as an asset is taken as a virtual asset "
                f"({', '.join(sorted(self.tokens))}); every other code is a fiat currency"))
        order = sorted(range(len(events)), key=lambda i: (micros(events[i].timestamp), RANK[events[i].kind],
                                                          events[i].id))
        opening = tuple(PoolSnapshot(o.asset, o.wallet, o.lot_id, o.acquired_at, o.quantity, o.cost_hkd, o.time_weight)
                        for o in self.scenario.opening_lots)
        self.out.opening = opening
        with exact_context():
            if opening and order:
                self.start_year(self.year_end.year_of_assessment(events[order[0]].timestamp))
                for snap in sorted(opening, key=lambda s: (micros(s.acquired_at), s.asset, s.lot_id)):
                    self.open(snap)
            for i in order:
                self.process(events[i], sources[i])
            if self.year is not None:
                self.out.closing[self.year] = self.snapshot()
        problems += self.problems
        if problems:
            raise InputError(problems)
        return self.out

    def check_references(self, events: list[AnyEvent], sources: list[SourceRef]) -> list[Problem]:
        problems = []
        first: dict[str, int] = {}
        for i, e in enumerate(events):
            if e.id in first:
                problems.append(Problem("duplicate_id", f"id {e.id!r} is used again (first at {sources[first[e.id]]})",
                                        sources[i], "id", suggestion="give every event its own id"))
            first.setdefault(e.id, i)
            if not self.declared:
                continue
            for column in ASSET_FIELDS.get(e.kind, ()):
                symbol = getattr(e, column)
                if symbol not in self.tokens:
                    problems.append(Problem("unknown_asset", f"asset {symbol} is not declared in 'assets'",
                                            sources[i], column,
                                            suggestion=f"declare {symbol} in the scenario's assets"))
        return problems


def oracle_match(scenario: Scenario, *, receipt_cost_basis: str | None = None) -> OracleResult:
    """The oracle's reading of ``scenario`` (what ``hkvatax.ledger.match_scenario`` must produce).

    Raises:
        InputError: with every problem found, in the order the events are processed.
    """
    return Oracle(scenario, receipt_cost_basis).run()


# --------------------------------------------------------------------------------------------- aggregates
@dataclass
class OracleGroup:
    total: Decimal = ZERO
    receipts: Decimal = ZERO
    count: int = 0
    method: str = "-"
    samples: list[tuple[str, SourceRef | None]] = field(default_factory=list)

    def add(self, total: Decimal, receipts: Decimal, record_id: str, source: SourceRef | None) -> None:
        self.total += total
        self.receipts += receipts
        self.count += 1
        if len(self.samples) < SAMPLE_SIZE:
            self.samples.append((record_id, source))


@dataclass
class OracleYearStats:
    disposals: int = 0
    weighted_us: Decimal = ZERO
    quantity: Decimal = ZERO


@dataclass
class OracleAggregates:
    """The per-year sums of :class:`hkvatax.ledger.aggregate.LedgerAggregates`, from the oracle's records."""

    disposals: dict[tuple[Any, ...], OracleGroup] = field(default_factory=dict)
    stats: dict[YearOfAssessment, OracleYearStats] = field(default_factory=dict)
    receipts: dict[tuple[Any, ...], OracleGroup] = field(default_factory=dict)
    incomes: dict[tuple[Any, ...], OracleGroup] = field(default_factory=dict)
    outgoings: dict[tuple[Any, ...], OracleGroup] = field(default_factory=dict)
    outflows: dict[tuple[Any, ...], OracleGroup] = field(default_factory=dict)
    years: tuple[YearOfAssessment, ...] = ()
    event_count: int = 0
    ledger: OracleResult = field(default_factory=OracleResult)  # notes, pools and formulas, as in the records


def oracle_aggregate(result: OracleResult) -> OracleAggregates:
    """Per (year, asset, offshore): gain, gross proceeds, count, last method, first samples; per year: the
    count of disposals other than token fees and their Σ quantity × holding time; receipts, incomes and
    outgoings per kind. ``years``: every year with an event (or the opening lots' pools, if no events)."""
    agg = OracleAggregates(event_count=result.event_count, years=tuple(sorted(result.event_years)), ledger=result)
    with exact_context():
        for d in result.disposals:
            group = agg.disposals.setdefault((d.year, d.asset, bool(d.offshore)), OracleGroup())
            group.method = d.method
            group.add(d.proceeds_hkd - d.cost_hkd, d.gross_proceeds_hkd, d.disposal_id, d.source)
            if d.kind == "loss":
                agg.outflows.setdefault((d.year, d.subtype, d.asset, bool(d.offshore)), OracleGroup()).add(
                    d.market_value_hkd if d.market_value_hkd is not None else ZERO, ZERO, d.disposal_id, d.source)
            stats = agg.stats.setdefault(d.year, OracleYearStats())
            if d.kind == "fee":
                continue
            stats.disposals += 1
            for f in d.fragments:
                if f.held_us is not None:
                    stats.weighted_us += f.held_us
                    stats.quantity += f.quantity
        for r in result.receipts:
            agg.receipts.setdefault((r.year, r.receipt_type, r.asset, bool(r.offshore)), OracleGroup()).add(
                r.market_value_hkd, r.market_value_hkd, r.event_id, r.source)
        for i in result.incomes:
            agg.incomes.setdefault((i.year, i.income_type, i.related_asset, bool(i.offshore)), OracleGroup()).add(
                i.amount_hkd, i.amount_hkd, i.event_id, i.source)
        for o in result.outgoings:
            agg.outgoings.setdefault((o.year, o.kind, o.deductible), OracleGroup()).add(
                o.amount_hkd, ZERO, o.event_id, o.source)
    return agg


# --------------------------------------------------------------------------------------------- comparison
def canon(value: Any) -> Any:
    """A plain, comparable form: every Decimal as its ``str`` (digits and exponent), instants as ISO text."""
    if isinstance(value, Decimal):
        return f"D({value})"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, YearOfAssessment):
        return value.label
    if isinstance(value, Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: canon(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {canon(k) if not isinstance(k, tuple) else tuple(canon(x) for x in k): canon(v)
                for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [canon(v) for v in value]
    return value


def _same(section: str, got: Any, want: Any) -> None:
    a, b = canon(got), canon(want)
    if a == b:
        return
    if isinstance(a, list) and isinstance(b, list):
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            assert x == y, f"{section}[{i}] differs:\n  core:   {x}\n  oracle: {y}"
        assert len(a) == len(b), f"{section}: {len(a)} records from the core, {len(b)} from the oracle"
    if isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys(), f"{section}: keys {sorted(a, key=str)} != {sorted(b, key=str)}"
        for k in a:
            assert a[k] == b[k], f"{section}[{k}] differs:\n  core:   {a[k]}\n  oracle: {b[k]}"
    raise AssertionError(f"{section} differs:\n  core:   {a}\n  oracle: {b}")


def assert_ledger_equal(result: Any, oracle: OracleResult) -> None:
    """``result`` (a :class:`hkvatax.ledger.LedgerResult` or anything with its fields) equals the oracle's.

    Every record field by field, Decimals by ``str``; notes with their messages; the pools at the end of
    every year from the first to the last (through ``closing_pools``, so a core need not store a snapshot
    for a year without events); the formula of every year with events.
    """
    for section in ("disposals", "lots", "receipts", "incomes", "outgoings"):
        _same(section, list(getattr(result, section)), list(getattr(oracle, section)))
    _same_state(result, oracle)
    assert result.event_count == oracle.event_count


def _closing_pools(closing: dict[YearOfAssessment, Any], opening: Any, year: YearOfAssessment) -> list[Any]:
    earlier = [y for y in closing if y <= year]
    return list(closing[max(earlier)] if earlier else opening)


def _same_state(core: Any, oracle: OracleResult) -> None:
    """Notes (with messages), opening pools, the pools at the end of every year from the first to the last
    (a core need not store a snapshot for a year without events), the formula of every year with events."""
    _same("notes", list(core.notes), oracle.notes)
    _same("opening", list(core.opening), list(oracle.opening))
    years = sorted(set(core.closing) | set(oracle.closing))
    for year in range(years[0].start_year, years[-1].start_year + 1) if years else ():
        y = YearOfAssessment(year)
        _same(f"closing_pools({y.label})", _closing_pools(core.closing, core.opening, y),
              _closing_pools(oracle.closing, oracle.opening, y))
    assert dict(core.methods) == {y: oracle.methods[y] for y in oracle.event_years}, (
        f"methods: core {core.methods}, oracle {oracle.methods} (years with events {sorted(oracle.event_years)})")


def assert_aggregates_equal(agg: Any, oracle: OracleAggregates) -> None:
    """``agg`` (a :class:`hkvatax.ledger.aggregate.LedgerAggregates`) equals the oracle's, Decimals by ``str``,
    samples (record id and source) in order."""
    for section in ("disposals", "receipts", "incomes", "outgoings", "outflows"):
        got = {k: (g.total, g.receipts, g.count, g.method, list(g.samples)) for k, g in getattr(agg, section).items()}
        want = {k: (g.total, g.receipts, g.count, g.method, g.samples) for k, g in getattr(oracle, section).items()}
        _same(f"aggregates.{section}", got, want)
    _same("aggregates.stats", {y: (s.disposals, s.weighted_us, s.quantity) for y, s in agg.stats.items()},
          {y: (s.disposals, s.weighted_us, s.quantity) for y, s in oracle.stats.items()})
    assert tuple(agg.years) == oracle.years, f"years: core {agg.years}, oracle {oracle.years}"
    assert agg.event_count == oracle.event_count


def assert_problems_equal(error: InputError, oracle: InputError, *, messages: bool = True) -> None:
    """The same problems in the same order: code, source (file, row, path) and column; messages too."""
    def rows(exc: InputError) -> list[tuple[Any, ...]]:
        return [(p.code, canon(p.source), p.column) + ((p.message, p.suggestion) if messages else ())
                for p in exc.problems]

    _same("problems", rows(error), rows(oracle))
