"""Reusable hypothesis strategies: valid, chronological ledgers that never oversell.

Import from any test module::

    from tests.strategies import ledgers, GeneratedLedger

    @given(ledgers())
    def test_something(ledger: GeneratedLedger) -> None:
        result = ledger.run(method="fifo")

What a generated ledger contains (each event kind can be switched off):

* several assets (``BTC``, ``ETH``, ``SOL`` …), two wallets (``hot``, ``cold``);
* acquisitions in HKD or USD (a USD→HKD rate is supplied), optionally with an HKD fee or a fee in the
  asset bought (with a stated value);
* disposals in HKD, with an HKD fee or a fee in the asset sold (same-asset token fee, stated value);
* swaps between two held assets, with a stated HKD value;
* transfers between the two wallets, optionally with a token fee;
* receipts (staking, airdrop …) with a stated value.

Guarantees: timestamps strictly increase (so generation order is the ledger's processing order), ids
are unique, and no event takes more of an asset than its *wallet* holds — so the ledger never
oversells, whether pools are per asset or per (asset, wallet). Quantities have at most ``places``
decimal places; money has at most two. Timestamps can be aligned on whole days (``day_aligned``), which
makes every holding period a whole number of days (an exact division).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from hkvatax.errors import SourceRef
from hkvatax.ledger import LedgerResult, run_ledger
from hkvatax.models import (
    Acquisition,
    Asset,
    Disposal,
    Fee,
    LotPick,
    Rate,
    Receipt,
    ReceiptType,
    Scenario,
    Swap,
    Transfer,
)
from hkvatax.models.taxpayers import LotMethod

__all__ = [
    "ASSETS",
    "WALLETS",
    "HKT",
    "START",
    "USD_HKD",
    "GeneratedLedger",
    "ledgers",
    "quantities",
    "money",
    "GeneratedScenario",
    "scenarios",
    "INVALID_KINDS",
]

ASSETS: tuple[str, ...] = ("BTC", "ETH", "SOL", "DOGE")
WALLETS: tuple[str, ...] = ("hot", "cold")
HKT = timezone(timedelta(hours=8))
START = datetime(2023, 1, 1, tzinfo=HKT)
USD_HKD = Decimal("7.8")
_USD_RATE = Rate(base="USD", quote="HKD", rate=USD_HKD, at=datetime(2000, 1, 1, tzinfo=HKT), source="fixed test rate")
_RATE_AGE = timedelta(days=36600)

Event = Acquisition | Disposal | Swap | Transfer | Receipt


@dataclass(frozen=True)
class GeneratedLedger:
    """A generated ledger and what the ledger needs to run it."""

    events: tuple[Event, ...]
    assets: tuple[Asset, ...]
    rates: tuple[Rate, ...] = (_USD_RATE,)
    #: what each (asset, wallet) holds after the last event, as the generator tracked it
    holdings: dict[tuple[str, str], Decimal] = field(default_factory=dict)

    def run(self, method: LotMethod | str = LotMethod.FIFO, **kwargs: Any) -> LedgerResult:
        """``run_ledger`` on these events with a price age that always reaches the fixed USD rate."""
        kwargs.setdefault("price_max_age", _RATE_AGE)
        kwargs.setdefault("assets", self.assets)
        kwargs.setdefault("rates", self.rates)
        return run_ledger(self.events, method_for=LotMethod(method), **kwargs)

    def totals(self) -> dict[str, Decimal]:
        """Quantity held per asset at the end (all wallets)."""
        out: dict[str, Decimal] = defaultdict(Decimal)
        for (asset, _wallet), qty in self.holdings.items():
            out[asset] += qty
        return {a: q for a, q in out.items() if q != 0}


def quantities(places: int = 8, max_units: int = 1000) -> st.SearchStrategy[Decimal]:
    """A positive quantity with at most ``places`` decimals and at most ``max_units`` whole units."""
    return st.integers(1, max_units * 10**places).map(lambda n: Decimal(n).scaleb(-places))


def money(max_hkd: int = 10_000_000) -> st.SearchStrategy[Decimal]:
    """A positive amount with two decimals."""
    return st.integers(1, max_hkd * 100).map(lambda n: Decimal(n).scaleb(-2))


def _part(draw: st.DrawFn, held: Decimal, places: int) -> Decimal:
    """A quantity in (0, held]: often all of it, else a random share on the ``places`` grid."""
    if draw(st.booleans()):
        return held
    unit = Decimal(1).scaleb(-places)
    units = int(held / unit)
    if units <= 1:
        return held
    return Decimal(draw(st.integers(1, units))) * unit


@st.composite
def ledgers(
    draw: st.DrawFn,
    *,
    min_events: int = 1,
    max_events: int = 25,
    asset_count: tuple[int, int] = (1, 3),
    places: int = 8,
    kinds: frozenset[str] = frozenset({"acquisition", "disposal", "swap", "transfer", "receipt"}),
    token_fees: bool = True,
    fiat_fees: bool = True,
    usd: bool = True,
    day_aligned: bool = False,
    max_gap_days: int = 120,
    start: datetime = START,
) -> GeneratedLedger:
    """A valid chronological ledger that never oversells (see the module docstring)."""
    n_assets = draw(st.integers(*asset_count))
    symbols = draw(st.permutations(ASSETS))[:n_assets]
    assets = tuple(Asset(symbol=s) for s in symbols)
    held: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    events: list[Event] = []
    at = start
    count = draw(st.integers(min_events, max_events))
    for n in range(count):
        if day_aligned:
            at = at + timedelta(days=draw(st.integers(1, max_gap_days)))
        else:
            at = at + timedelta(seconds=draw(st.integers(1, max_gap_days * 86_400)),
                                microseconds=draw(st.integers(0, 999_999)))
        eid = f"e{n:04d}"
        wallet = draw(st.sampled_from(WALLETS))
        holding = [(a, w) for (a, w), q in held.items() if q > 0]
        here = [a for (a, w) in holding if w == wallet]
        options = ["acquisition"] if "acquisition" in kinds else []
        if "receipt" in kinds:
            options.append("receipt")
        if here and "disposal" in kinds:
            options.append("disposal")
        if here and "swap" in kinds and len(symbols) > 1:
            options.append("swap")
        if here and "transfer" in kinds:
            options.append("transfer")
        if not options:
            options = ["acquisition"]
        kind = draw(st.sampled_from(options))
        if kind == "acquisition":
            asset = draw(st.sampled_from(symbols))
            qty = draw(quantities(places))
            in_usd = usd and draw(st.booleans())
            cost = draw(money())
            fees: list[Fee] = []
            fee_qty = Decimal(0)
            if fiat_fees and draw(st.booleans()):
                fees.append(Fee(amount=draw(money(1000))))
            if token_fees and draw(st.integers(0, 3)) == 0:
                fee_qty = _part(draw, qty, places)
                if fee_qty == qty:
                    fee_qty = Decimal(0)
                else:
                    fees.append(Fee(amount=fee_qty, currency=asset, value=draw(money(1000))))
            events.append(Acquisition(id=eid, timestamp=at, wallet=wallet, asset=asset, quantity=qty, cost=cost,
                                      currency="USD" if in_usd else "HKD", fees=tuple(fees)))
            held[(asset, wallet)] += qty - fee_qty
        elif kind == "receipt":
            asset = draw(st.sampled_from(symbols))
            qty = draw(quantities(places, 10))
            rtype = draw(st.sampled_from([ReceiptType.STAKING, ReceiptType.AIRDROP, ReceiptType.PAYMENT_RECEIVED]))
            events.append(Receipt(id=eid, timestamp=at, wallet=wallet, asset=asset, quantity=qty,
                                  receipt_type=rtype, value=draw(money(100_000))))
            held[(asset, wallet)] += qty
        elif kind == "disposal":
            asset = draw(st.sampled_from(sorted(here)))
            qty = _part(draw, held[(asset, wallet)], places)
            fees = []
            fee_qty = Decimal(0)
            if fiat_fees and draw(st.booleans()):
                fees.append(Fee(amount=draw(money(1000))))
            left = held[(asset, wallet)] - qty
            if token_fees and left > 0 and draw(st.integers(0, 3)) == 0:
                fee_qty = _part(draw, left, places)
                fees.append(Fee(amount=fee_qty, currency=asset, value=draw(money(1000))))
            events.append(Disposal(id=eid, timestamp=at, wallet=wallet, asset=asset, quantity=qty,
                                   proceeds=draw(money()), fees=tuple(fees)))
            held[(asset, wallet)] -= qty + fee_qty
        elif kind == "swap":
            give = draw(st.sampled_from(sorted(here)))
            receive = draw(st.sampled_from([s for s in symbols if s != give]))
            qty = _part(draw, held[(give, wallet)], places)
            rqty = draw(quantities(places))
            events.append(Swap(id=eid, timestamp=at, wallet=wallet, give_asset=give, give_quantity=qty,
                               receive_asset=receive, receive_quantity=rqty, value=draw(money())))
            held[(give, wallet)] -= qty
            held[(receive, wallet)] += rqty
        else:  # transfer
            asset = draw(st.sampled_from(sorted(here)))
            other = next(w for w in WALLETS if w != wallet)
            qty = _part(draw, held[(asset, wallet)], places)
            fees = []
            fee_qty = Decimal(0)
            left = held[(asset, wallet)] - qty
            if token_fees and left > 0 and draw(st.integers(0, 2)) == 0:
                fee_qty = _part(draw, left, places)
                fees.append(Fee(amount=fee_qty, currency=asset, value=draw(money(100))))
            elif fiat_fees and draw(st.booleans()):
                fees.append(Fee(amount=draw(money(100))))
            events.append(Transfer(id=eid, timestamp=at, wallet=wallet, asset=asset, quantity=qty,
                                   from_wallet=wallet, to_wallet=other, fees=tuple(fees)))
            held[(asset, wallet)] -= qty + fee_qty
            held[(asset, other)] += qty
    return GeneratedLedger(events=tuple(events), assets=assets,
                           holdings={k: v for k, v in held.items() if v != 0})


# =============================================================================================== scenarios
# Whole scenarios for the oracle properties (tests/properties/test_oracle.py): every event kind, every
# cost formula (with designations under specific identification), pools per asset or per wallet,
# elections changing the formula from a year onward, opening lots, rates in foreign currencies and
# token prices (direct, via USD, via EUR before USD), token fees, any accounting year end, nil receipt
# cost, CSV provenance, shuffled input order; optionally one deliberate error.

FIATS: tuple[str, ...] = ("HKD", "USD", "EUR", "JPY")
SCENARIO_ASSETS: tuple[str, ...] = ("BTC", "ETH", "SOL")
YEAR_ENDS: tuple[tuple[int, int], ...] = ((3, 31), (12, 31), (6, 30), (2, 29), (9, 30))
ZONES = (timezone(timedelta(hours=8)), UTC, timezone(timedelta(hours=-5)))
NEVER_HELD = "XRP"  # declared, never acquired: for the disposal-before-acquisition error
INVALID_KINDS: tuple[str, ...] = (
    "oversell", "never_held", "unknown_lot", "over_designated", "missing_rate", "missing_price", "duplicate_id",
    "undeclared_asset", "transfer_oversell", "fee_without_price",
)
_NEEDS_HOLDING = {"oversell", "unknown_lot", "over_designated"}
_KIND_RANK = {"acquisition": 0, "receipt": 0, "income": 0, "swap": 1, "transfer": 2,
              "disposal": 3, "payment": 3, "fee": 3, "loss": 3, "expense": 3}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class GeneratedScenario:
    """A generated scenario, the ``receipt_cost_basis`` to pass to ``match_scenario``, and what was injected."""

    scenario: Scenario
    receipt_cost_basis: str | None = None
    invalid: str | None = None  # the deliberate error, if any


def _micros(at: datetime) -> int:
    return (at - _EPOCH) // timedelta(microseconds=1)


def decimals(draw: st.DrawFn, lo: int, hi: int, places: int = 2) -> Decimal:
    """A number in [lo, hi] on the 10^-places grid, written with a varied exponent (5E+2, 500, 500.0000)."""
    value = Decimal(draw(st.integers(lo * 10**places, hi * 10**places))).scaleb(-places)
    style = draw(st.integers(0, 5))
    if style == 0 and value:
        return value.normalize()  # fewest digits: 5E+2
    if style == 1:
        return value.quantize(Decimal(1).scaleb(-places - 2))  # trailing zeros
    return value


class _Shadow:
    """What the generator knows of the pools: lot ids and quantities only (no cost), to keep outflows within
    what is held and designations mostly valid. The pool key follows the pooling option."""

    def __init__(self, per_wallet: bool):
        self.per_wallet = per_wallet
        self.pools: dict[tuple[str, str | None], list[list[Any]]] = defaultdict(list)  # [lot_id, us, qty]

    def key(self, asset: str, wallet: str | None) -> tuple[str, str | None]:
        return (asset, wallet if self.per_wallet else None)

    def lots(self, asset: str, wallet: str | None) -> list[list[Any]]:
        return self.pools[self.key(asset, wallet)]

    def held(self, asset: str, wallet: str | None) -> Decimal:
        return sum((lot[2] for lot in self.lots(asset, wallet)), Decimal(0))

    def add(self, asset: str, wallet: str | None, lot_id: str, us: int, qty: Decimal) -> None:
        lots = self.lots(asset, wallet)
        for lot in lots:
            if lot[0] == lot_id and lot[1] == us:
                lot[2] += qty
                return
        later = [i for i, lot in enumerate(lots) if lot[1] > us]
        lots.insert(later[0] if later else len(lots), [lot_id, us, qty])

    def take(self, asset: str, wallet: str | None, qty: Decimal,
             picks: tuple[LotPick, ...] = ()) -> list[tuple[str, int, Decimal]]:
        """Designated lots first, then the oldest; what was taken (lot id, instant, quantity)."""
        lots = self.lots(asset, wallet)
        taken: list[tuple[str, int, Decimal]] = []
        for pick in picks:
            lot = next((x for x in lots if x[0] == pick.lot_id), None)
            if lot is not None and lot[2] >= pick.quantity:
                lot[2] -= pick.quantity
                qty -= pick.quantity
                taken.append((lot[0], lot[1], pick.quantity))
        for lot in lots:
            part = min(qty, lot[2])
            if part > 0:
                lot[2] -= part
                qty -= part
                taken.append((lot[0], lot[1], part))
        self.pools[self.key(asset, wallet)] = [lot for lot in lots if lot[2] > 0]
        return taken

    def convert_to_lots(self, label: str) -> None:
        """Weighted average → FIFO or specific identification: each pool becomes one lot."""
        for (asset, wallet), lots in self.pools.items():
            total = sum((lot[2] for lot in lots), Decimal(0))
            pool_id = f"pool:{asset}" + (f"@{wallet}" if wallet else "")
            self.pools[(asset, wallet)] = [[f"{pool_id}@{label}", 0, total]] if total else []


class _Builder:
    """Builds one scenario from hypothesis draws: one method per event kind, rates as events need them."""

    def __init__(self, draw: st.DrawFn, bad: str | None):
        from hkvatax.models import LedgerSettings
        from hkvatax.periods import YearEnd

        self.draw, self.bad = draw, bad
        self.month, self.day = draw(st.sampled_from(YEAR_ENDS))
        self.year_end = YearEnd(self.month, self.day)
        self.per_wallet = draw(st.booleans())
        self.max_age = draw(st.sampled_from([0, 1, 3]))
        self.settings = LedgerSettings(
            swap_valuation=draw(st.sampled_from(["received", "given"])),
            allow_unknown_cost=bad is None and draw(st.integers(0, 4)) == 0, price_max_age_days=self.max_age,
            receipt_cost_basis=draw(st.sampled_from([None, "market_value", "nil"])))
        self.symbols = tuple(draw(st.permutations(SCENARIO_ASSETS))[: draw(st.integers(1, 3))])
        self.declared = bad in {"undeclared_asset", "never_held"} or draw(st.integers(0, 3)) > 0
        self.csv = draw(st.integers(0, 3)) == 0
        self.shadow = _Shadow(self.per_wallet)
        self.rates: list[Rate] = []
        self.observed: set[tuple[str, str, datetime, str]] = set()
        self.events: list[Any] = []
        self.method = LotMethod.FIFO
        self.injected = False
        self.when = _EPOCH

    # ----------------------------------------------------------------- time and cost formulas
    def instants(self, count: int) -> list[datetime]:
        draw = self.draw
        at = datetime(draw(st.integers(2019, 2024)), draw(st.integers(1, 12)), draw(st.integers(1, 28)),
                      draw(st.integers(0, 23)), tzinfo=HKT)
        times = []
        for _ in range(count):
            gap = draw(st.sampled_from(["tie", "seconds", "days", "days", "months", "year"]))
            if gap == "seconds":
                at += timedelta(seconds=draw(st.integers(1, 3600)), microseconds=draw(st.integers(0, 999_999)))
            elif gap == "days":
                at += timedelta(days=draw(st.integers(1, 40)), seconds=draw(st.integers(0, 86_399)))
            elif gap == "months":
                at += timedelta(days=draw(st.integers(40, 200)))
            elif gap == "year":
                at += timedelta(days=draw(st.integers(300, 420)))
            times.append(at.astimezone(draw(st.sampled_from(ZONES))))
        return times

    def elections(self, times: list[datetime]) -> None:
        """Elections from a year that has events (an election in an empty year: see test_oracle.py)."""
        from hkvatax.models import MethodElection
        from hkvatax.periods import YearOfAssessment

        draw = self.draw
        years = sorted({self.year_end.year_of_assessment(t) for t in times})
        first = YearOfAssessment(min(years[0].start_year - draw(st.integers(-1, 2)), years[-1].start_year))
        starts = [first] + [y for y in years if y > first and draw(st.booleans())]
        methods = [draw(st.sampled_from(list(LotMethod))) for _ in starts]
        if self.bad in {"unknown_lot", "over_designated"}:  # designations are read under specific identification
            methods = [LotMethod.SPECIFIC_ID for _ in starts]
        self.schedule = list(zip(starts, methods, strict=True))
        self.methods = tuple(MethodElection(method=m, from_year=y.label) for y, m in self.schedule)

    def method_of(self, when: datetime) -> LotMethod:
        year = self.year_end.year_of_assessment(when)
        in_force = [m for y, m in self.schedule if y <= year]
        return in_force[-1] if in_force else self.schedule[0][1]

    # ----------------------------------------------------------------- rates
    def observe(self, base: str, quote: str) -> None:
        draw = self.draw
        at = self.when - timedelta(seconds=draw(st.integers(0, self.max_age * 86_400)))
        sources = [draw(st.sampled_from(["exchange", "HKMA"]))]
        if draw(st.integers(0, 9)) == 0:  # a second observation at the same instant: ties by (source, rate)
            sources.append("zz-other")
        for source in sources:
            # one observation per (pair, instant, source): two equal rates written with different exponents
            # are a tie the documented order does not break (test_oracle.py::test_rate_ties_*)
            if (base, quote, at, source) not in self.observed:
                self.observed.add((base, quote, at, source))
                self.rates.append(Rate(base=base, quote=quote, at=at, source=source,
                                       rate=decimals(draw, 1, 70_000, draw(st.integers(0, 4)))))

    def priced(self, code: str) -> None:
        """Make ``code`` convertible to HKD at this event: directly, via USD, or via EUR (before USD)."""
        if code == "HKD":
            return
        route = "direct" if code in {"USD", "EUR"} else self.draw(st.sampled_from(["direct", "usd", "eur"]))
        legs = {"direct": [(code, "HKD")], "usd": [(code, "USD"), ("USD", "HKD")],
                "eur": [(code, "EUR"), ("EUR", "HKD"), (code, "USD"), ("USD", "HKD")]}[route]
        for base, quote in legs:
            self.observe(base, quote)

    # ----------------------------------------------------------------- amounts
    def money(self, lo: int = 0, hi: int = 10**6) -> tuple[Decimal, str]:
        code = self.draw(st.sampled_from(FIATS))
        if self.injected and self.bad == "missing_rate":
            code = "CHF"
        else:
            self.priced(code)
        amount = decimals(self.draw, lo, hi, self.draw(st.integers(0, 3)))
        return (amount if amount or lo == 0 else Decimal(lo)), code

    def quantity(self, hi: int = 100) -> Decimal:
        return decimals(self.draw, 0, hi, self.draw(st.integers(0, 8))) or Decimal("0.5")

    def part(self, held: Decimal) -> Decimal:
        """(0, held]: all of it (as held, or with more trailing zeros), else a share on a decimal grid."""
        draw = self.draw
        style = draw(st.integers(0, 3))
        exponent = held.as_tuple().exponent
        assert isinstance(exponent, int)
        if style == 0:
            return held
        if style == 1 and exponent > -12:
            return held.quantize(Decimal(1).scaleb(exponent - 2))
        places = draw(st.integers(0, 8))
        units = int(held.scaleb(places))
        return Decimal(draw(st.integers(1, units))).scaleb(-places) if units >= 1 else held

    def token_value(self, asset: str) -> tuple[Decimal | None, str]:
        """A stated value (HKD or a foreign currency), or None: then the price table has it."""
        if self.draw(st.booleans()):
            return self.money()
        self.priced(asset)
        return None, "HKD"

    def fees(self, wallet: str | None, left: dict[str, Decimal], most: int = 2) -> tuple[Fee, ...]:
        """Fees in fiat, or in a token still held after the main event (``left``: what each asset has)."""
        out: list[Fee] = []
        for _ in range(self.draw(st.integers(0, most))):
            tokens = sorted(a for a, q in left.items() if q > 0)
            if tokens and self.draw(st.booleans()):
                asset = self.draw(st.sampled_from(tokens))
                amount = self.part(left[asset])
                left[asset] -= amount
                value, code = self.token_value(asset)
                out.append(Fee(amount=amount, currency=asset, value=value, value_currency=code))
            else:
                amount, code = self.money(1, 5000)
                out.append(Fee(amount=amount, currency=code))
        return tuple(out)

    def pay(self, fees: tuple[Fee, ...], wallet: str | None) -> None:
        for fee in fees:
            if fee.currency in self.symbols:
                self.shadow.take(fee.currency, wallet, fee.amount)

    def after(self, wallet: str | None, change: dict[str, Decimal]) -> dict[str, Decimal]:
        return {a: self.shadow.held(a, wallet) + change.get(a, Decimal(0)) for a in self.symbols}

    def picks(self, asset: str, wallet: str | None, qty: Decimal) -> tuple[LotPick, ...]:
        draw = self.draw
        lots = [lot for lot in self.shadow.lots(asset, wallet) if lot[2] > 0]
        if self.injected and self.bad == "over_designated" and lots:
            biggest = max(lots, key=lambda lot: lot[2])
            return (LotPick(lot_id=biggest[0], quantity=biggest[2]),)
        if self.method is not LotMethod.SPECIFIC_ID and draw(st.integers(0, 5)) > 0:
            return ()
        out: list[LotPick] = []
        left = qty
        for lot in draw(st.permutations(lots))[: draw(st.integers(0, 3))]:
            take = min(left, self.part(lot[2]))
            if take > 0:
                out.append(LotPick(lot_id=lot[0], quantity=take))
                left -= take
        if self.injected and self.bad == "unknown_lot":
            out.append(LotPick(lot_id="no-such-lot", quantity=Decimal("0.1")))
        return tuple(out)

    # ----------------------------------------------------------------- events
    def character(self) -> dict[str, Any]:
        from hkvatax.models import Character

        if self.draw(st.integers(0, 5)):
            return {}
        return {"character": self.draw(st.sampled_from(list(Character))), "character_reason": "stated by user"}

    def acquisition(self, common: dict[str, Any], wallet: str | None) -> None:
        asset = "ZZZ" if self.injected and self.bad == "undeclared_asset" else self.draw(st.sampled_from(self.symbols))
        qty = self.quantity()
        cost, code = self.money()
        fees = self.fees(wallet, self.after(wallet, {asset: qty}))
        if self.injected and self.bad == "fee_without_price" and asset in self.symbols:
            fees = (Fee(amount=self.part(qty), currency=asset),)  # no value, and no price of the asset up to now
            self.rates = [r for r in self.rates if r.base != asset]
        self.events.append(Acquisition(**common, asset=asset, quantity=qty, cost=cost, currency=code, fees=fees,
                                       **self.character()))
        if asset in self.symbols:
            self.shadow.add(asset, wallet, common["id"], _micros(self.when), qty)
        self.pay(fees, wallet)

    def receipt(self, common: dict[str, Any], wallet: str | None) -> None:
        asset = self.draw(st.sampled_from(self.symbols))
        qty = self.quantity(10)
        value, code = self.token_value(asset)
        if self.injected and self.bad == "missing_price":  # no value, and no price of the asset up to now
            value, code = None, "HKD"
            self.rates = [r for r in self.rates if r.base != asset]
        fees = self.fees(wallet, self.after(wallet, {asset: qty}))
        self.events.append(Receipt(**common, asset=asset, quantity=qty, value=value, value_currency=code,
                                   receipt_type=self.draw(st.sampled_from(list(ReceiptType))), fees=fees,
                                   **self.character()))
        self.shadow.add(asset, wallet, common["id"], _micros(self.when), qty)
        self.pay(fees, wallet)

    def outflow(self, kind: str, common: dict[str, Any], wallet: str | None, held_here: list[str]) -> None:
        """A disposal, payment, loss or swap of a held asset (or of more than is held, when allowed)."""
        from hkvatax.models import Loss, LossType, Payment

        draw = self.draw
        asset = NEVER_HELD if self.injected and self.bad == "never_held" else draw(st.sampled_from(held_here))
        held = self.shadow.held(asset, wallet)
        qty = self.part(held) if held > 0 else Decimal(1)
        lots = self.shadow.lots(asset, wallet)
        if self.injected and self.bad == "over_designated" and lots:
            qty = max(lot[2] for lot in lots) / 2  # exact: half of a decimal
        if (self.settings.allow_unknown_cost and draw(st.integers(0, 3)) == 0) or (
                self.injected and self.bad == "oversell"):
            qty = held + decimals(draw, 1, 5, 2)  # more than is held
        picks = self.picks(asset, wallet, qty)
        left = self.after(wallet, {asset: -qty})
        fees: tuple[Fee, ...] = ()
        if kind == "disposal":
            proceeds, code = self.money()
            fees = self.fees(wallet, left)
            self.events.append(Disposal(**common, asset=asset, quantity=qty, proceeds=proceeds, currency=code,
                                        fees=fees, lots=picks))
        elif kind == "payment":
            value, code = self.token_value(asset)
            fees = self.fees(wallet, left)
            self.events.append(Payment(**common, asset=asset, quantity=qty, value=value, value_currency=code,
                                       fees=fees, lots=picks, description="goods"))
        elif kind == "loss":
            loss_type = draw(st.sampled_from(list(LossType)))
            value, code = self.token_value(asset) if draw(st.booleans()) or loss_type.value in (
                "gift", "donation") else (None, "HKD")
            # a part recovered (never with designated lots: they name what is disposed of)
            recovered = (qty / 2).quantize(Decimal(1).scaleb(-18)).normalize() \
                if not picks and draw(st.integers(0, 3)) == 0 else None
            if recovered is not None and not 0 < recovered < qty:
                recovered = None
            self.events.append(Loss(**common, asset=asset, quantity=qty, lots=picks, loss_type=loss_type,
                                    value=value, value_currency=code, recovered_quantity=recovered))
        else:
            receive = draw(st.sampled_from([a for a in self.symbols if a != asset]))
            rqty = self.quantity()
            left[receive] += rqty
            if draw(st.booleans()):
                value, code = self.money()
            else:
                value, code = None, "HKD"
                self.priced(asset if self.settings.swap_valuation == "given" else receive)
            fees = self.fees(wallet, left)
            self.events.append(Swap(**common, give_asset=asset, give_quantity=qty, receive_asset=receive,
                                    receive_quantity=rqty, value=value, value_currency=code, fees=fees, lots=picks,
                                    **self.character()))
        if asset in self.symbols:
            self.shadow.take(asset, wallet, qty, picks)
        if kind == "swap":
            self.shadow.add(receive, wallet, common["id"], _micros(self.when), rqty)
        self.pay(fees, wallet)

    def movable(self) -> list[tuple[str, str]]:
        """(asset, wallet) pairs a transfer can move from: a named wallet holding some of the asset."""
        return [(a, w) for a in self.symbols for w in WALLETS if self.shadow.held(a, w) > 0]

    def transfer(self, common: dict[str, Any]) -> None:
        asset, source = self.draw(st.sampled_from(self.movable()))
        target = next(w for w in WALLETS if w != source)
        held = self.shadow.held(asset, source)
        over = self.injected and self.bad == "transfer_oversell"
        qty = held + 1 if over else self.part(held)
        fees = self.fees(source, self.after(source, {asset: -qty}))
        self.events.append(Transfer(**common | {"wallet": source}, asset=asset, quantity=qty, from_wallet=source,
                                    to_wallet=target, fees=fees))
        if held >= qty:
            for lot_id, us, part in self.shadow.take(asset, source, qty):
                self.shadow.add(asset, target, lot_id, us, part)
        self.pay(fees, source)

    def fiat_event(self, kind: str, common: dict[str, Any], wallet: str | None) -> None:
        from hkvatax.models import Expense, FeePaid, Income, IncomeType

        draw = self.draw
        if kind == "fee":
            fee = self.fees(wallet, self.after(wallet, {}), most=1) or (Fee(amount=Decimal("2.5")),)
            self.events.append(FeePaid(**common, fee=fee[0], purpose=draw(st.sampled_from([None, "gas"]))))
            self.pay(fee, wallet)
        elif kind == "income":
            amount, code = self.money(1)
            self.events.append(Income(**common, income_type=draw(st.sampled_from(list(IncomeType))), amount=amount,
                                      currency=code, related_asset=draw(st.sampled_from([None, *self.symbols]))))
        else:
            amount, code = self.money(1)
            self.events.append(Expense(**common, amount=amount,
                                       currency=code, deductible=draw(st.booleans()),
                                       description=draw(st.sampled_from([None, "rent"]))))

    def event(self, n: int, when: datetime, previous: tuple[datetime, int] | None, bad_at: int) -> tuple[int, int]:
        """Add the ``n``-th event; returns its kind rank and where the deliberate error now goes."""
        draw = self.draw
        self.when = when
        tie = previous is not None and previous[0] == when
        if tie and self.events and draw(st.booleans()):  # the same wallet: events at one instant that depend
            wallet = self.events[-1].wallet
        else:
            wallet = draw(st.sampled_from((*WALLETS, None)))
        held_here = [a for a in self.symbols if self.shadow.held(a, wallet) > 0]
        options = ["acquisition", "receipt", "income", "expense", "fee"]
        if held_here:
            options += ["disposal", "disposal", "payment", "loss"] + ["swap"] * 2 * (len(self.symbols) > 1)
        if self.movable():  # transfers matter with per-wallet pools: moved lots, weights, lots coming back
            options += ["transfer"] * (4 if self.per_wallet else 1)
        if tie:  # keep generation order = processing order
            options = [k for k in options if _KIND_RANK[k] >= previous[1]] or ["expense"]
        kind = draw(st.sampled_from(options))
        self.injected = n == bad_at
        if self.injected and ((self.bad in _NEEDS_HOLDING and not held_here) or
                              (self.bad == "transfer_oversell" and not self.movable()) or
                              (self.bad == "duplicate_id" and not self.events)):
            self.injected, bad_at = False, bad_at + 1  # not possible here: at the next event then
        if self.injected:
            kind = {"oversell": "disposal", "never_held": "disposal", "unknown_lot": "disposal",
                    "over_designated": "disposal", "transfer_oversell": "transfer", "missing_price": "receipt",
                    "missing_rate": "acquisition", "undeclared_asset": "acquisition",
                    "fee_without_price": "acquisition"}.get(self.bad or "", kind)
        source = SourceRef(file="ledger.csv", row=n + 2) if self.csv else None
        common: dict[str, Any] = {"id": f"e{n:04d}", "timestamp": when, "wallet": wallet, "source": source,
                                  "offshore": draw(st.sampled_from([None, None, False, True]))}
        if kind == "acquisition":
            self.acquisition(common, wallet)
        elif kind == "receipt":
            self.receipt(common, wallet)
        elif kind in {"disposal", "payment", "loss", "swap"}:
            self.outflow(kind, common, wallet, held_here)
        elif kind == "transfer":
            self.transfer(common)
        elif kind in {"fee", "income", "expense"}:
            self.fiat_event(kind, common, wallet)
        if self.injected and self.bad == "duplicate_id":
            self.events[-1] = self.events[-1].model_copy(update={"id": self.events[0].id})
        return _KIND_RANK[kind], bad_at


@st.composite
def scenarios(draw: st.DrawFn, *, max_events: int = 24, invalid: bool = False) -> GeneratedScenario:
    """A scenario whose events never take more than is held (unless ``allow_unknown_cost`` lets them), with
    every rate and price it needs; with ``invalid``, one deliberate error (one of INVALID_KINDS) among them."""
    from hkvatax.models import Corporation, Individual, OpeningLot

    bad = draw(st.sampled_from(INVALID_KINDS)) if invalid else None
    b = _Builder(draw, bad)
    times = b.instants(draw(st.integers(1, max_events)))
    b.elections(times)
    opening = []
    for n in range(draw(st.integers(0, 2))):
        when = times[0] - timedelta(days=draw(st.integers(1, 900)), microseconds=draw(st.integers(0, 999_999)))
        qty = decimals(draw, 0, 50, 4) or Decimal(1)
        weight = qty * _micros(when) + draw(st.integers(0, 10**6)) if draw(st.booleans()) else None
        opening.append(OpeningLot(asset=draw(st.sampled_from(b.symbols)), lot_id=f"open-{n}", quantity=qty,
                                  cost_hkd=decimals(draw, 0, 10**6, 2), acquired_at=when, time_weight=weight,
                                  wallet=draw(st.sampled_from((*WALLETS, None)))))
    for lot in sorted(opening, key=lambda o: (_micros(o.acquired_at), o.asset, o.lot_id)):
        us = _micros(lot.acquired_at) if lot.time_weight is None else int(lot.time_weight / lot.quantity)
        b.shadow.add(lot.asset, lot.wallet, lot.lot_id, us, lot.quantity)
    bad_at = draw(st.integers(0, len(times) - 1)) if bad else -1
    previous: tuple[datetime, int] | None = None
    b.method = b.method_of(times[0])
    for n, when in enumerate(times):
        method = b.method_of(when)
        if b.method is LotMethod.WEIGHTED_AVERAGE and method is not LotMethod.WEIGHTED_AVERAGE:
            b.shadow.convert_to_lots(b.year_end.year_of_assessment(when).label)
        b.method = method
        rank, bad_at = b.event(n, when, previous, bad_at)
        previous = (when, rank)
    order = draw(st.permutations(range(len(b.events))))
    assets = tuple(Asset(symbol=s) for s in (*b.symbols, NEVER_HELD)) if b.declared else ()
    taxpayer = draw(st.sampled_from([Individual, Corporation]))(
        name="generated", accounting_year_end_month=b.month, accounting_year_end_day=b.day, methods=b.methods,
        per_wallet_pools=b.per_wallet)
    scenario = Scenario(taxpayer=taxpayer, assets=assets, events=tuple(b.events[i] for i in order),
                        rates=tuple(draw(st.permutations(b.rates))), opening_lots=tuple(opening),
                        settings=b.settings)
    return GeneratedScenario(scenario, draw(st.sampled_from([None, None, "nil", "market_value"])), bad)
