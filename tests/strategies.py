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
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from hkvatax.ledger import LedgerResult, run_ledger
from hkvatax.models import (
    Acquisition,
    Asset,
    Disposal,
    Fee,
    Rate,
    Receipt,
    ReceiptType,
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
