"""A realistic ledger for the issue-15 targets: seeded, deterministic, streamed to disk.

    python bench/realistic_ledger.py --rows 1000000 [--seed 7] [--since 2016-01-01] [--until 2026-03-31]
                              [--taxpayer corporation|individual] [--out bench/data]

writes ``<out>/realistic-<rows>-s<seed>-<since>/`` with

* ``ledger.csv``    the ledger in hkvatax's generic CSV format (docs/formats.md), one event a row;
* ``rates.csv``     a ``rates_file`` (base, quote, rate, at, source): one row per token and per currency for
                    every day of the history (tokens and USDT priced in USD, USD in HKD, each at 00:00 HK time);
* ``profile.toml``  variant (a): one pool per asset, one cost formula (FIFO) for every year;
* ``profile-b.toml`` variant (b): one pool per (asset, wallet) and a change of cost formula in the middle of
                    the history (weighted average, then FIFO from the middle year onward).

The user (stdlib ``random.Random(seed)``; the prices from their own seeded stream, so ``rates.csv`` is the
same whatever the number of rows):

* trades since ``--since`` on two exchanges and keeps a cold wallet (wallets ``Binance``, ``HashKey``, ``Cold``);
* on Binance, spot trades quoted in USDT, written as ``swap`` rows whose value is stated in USDT
  (``amount`` + ``currency`` = USDT: USDT needs its USD rate, USD its HKD rate); BNB trading fees on ``fee``
  rows with no stated value (BNB needs its daily price), and on a few swaps as the row's own fee;
* on HashKey, fiat buys of BTC, ETH and USDT in HKD or USD with a fiat fee, and a few sales for HKD;
* transfers between the three wallets, about 40% with a network fee in the token moved (half of those with
  the fee's HKD value stated); the fee is paid from the sending wallet on top of the quantity moved;
* staking receipts (ETH, SOL, DOT, ADA) in the wallet holding the token, half with a stated value (USD,
  HKD or USDT), half valued from the price file; one airdrop (UNI, valued from the price file), later sold;
* expense rows: subscriptions and services in HKD or USD (about one in ten not deductible);
* holdings are tracked per wallet, so no transfer, sale, swap or fee ever needs more than the wallet holds
  (no oversell whether pools are per asset or per wallet); timestamps strictly increase.

Quantities are integers of 10^-8 units, prices integers of 10^-6 USD, so every figure is exact and the
output byte-identical for one (rows, seed, since, until, taxpayer).

The history runs by default from 1 January 2016 (year of assessment 2015/16: the flat-rate years) to
31 March 2026, the end of 2025/26.

In-memory forms of the same ledger (for the bulk in-memory entry and ``hkvatax.assess(scenario)``):
:func:`row_dicts` (dicts keyed by the generic CSV columns, values as strings), :func:`events` (pydantic
events of ``hkvatax.models.events``) and :func:`scenario`.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

HEADER = ("id", "timestamp", "kind", "asset", "quantity", "amount", "currency", "counter_asset", "counter_quantity",
          "fee_amount", "fee_currency", "fee_value", "wallet", "to_wallet", "subtype", "lots", "offshore", "note")
NCOL = len(HEADER)
(I_ID, I_TS, I_KIND, I_ASSET, I_QTY, I_AMOUNT, I_CUR, I_CASSET, I_CQTY, I_FEE, I_FEECUR, I_FEEVAL, I_WALLET,
 I_TO, I_SUB, I_LOTS, I_OFF, I_NOTE) = range(NCOL)

BINANCE, HASHKEY, COLD = "Binance", "HashKey", "Cold"
WALLETS = (BINANCE, HASHKEY, COLD)
USDT, BNB, UNI = "USDT", "BNB", "UNI"
# traded against USDT on Binance, with their weights and start prices (USD)
TRADED = {"BTC": 30, "ETH": 25, "SOL": 12, BNB: 8, "XRP": 8, "ADA": 6, "DOGE": 6, "DOT": 5}
START_USD = {"BTC": "6500", "ETH": "400", "SOL": "20", BNB: "10", "XRP": "0.5", "ADA": "0.2", "DOGE": "0.003",
             "DOT": "5", UNI: "3"}
TOKENS = (*TRADED, UNI)  # priced in USD in the rates file
CATEGORY = {"BTC": "payment", "ETH": "payment", "SOL": "payment", BNB: "utility", "XRP": "payment",
            "ADA": "payment", "DOGE": "payment", "DOT": "payment", UNI: "utility", USDT: "stablecoin"}
STAKED = ("ETH", "SOL", "DOT", "ADA")
FIAT_BOUGHT = ("BTC", "ETH", USDT)
AIRDROP_AT = datetime(2020, 9, 17, 8, 0, tzinfo=UTC)
AIRDROP_QTY = 400 * 10**8
EXPENSES = (("HKD", "market data subscription"), ("USD", "trading terminal subscription"),
            ("HKD", "accounting services"), ("USD", "cloud servers for trading bots"),
            ("HKD", "hardware wallet"), ("USD", "tax software"))
HKT = 8 * 3600
DAY = 86_400
# (kind, weight) of a row; a kind that the holdings cannot support falls back along FALLBACK
WEIGHTS = (("swap_buy", 29), ("swap_sell", 24), ("fee", 20), ("fiat_buy", 6), ("fiat_sell", 2), ("transfer", 7),
           ("staking", 9), ("expense", 3))
E8 = 10**8
SINCE, UNTIL = date(2016, 1, 1), date(2026, 3, 31)  # the default history: 2015/16 to 2025/26


def _d(n: int, places: int) -> str:
    """The non-negative integer ``n`` × 10^-places as a decimal string without trailing zeros."""
    if places == 0:
        return str(n)
    whole, frac = divmod(n, 10**places)
    if not frac:
        return str(whole)
    return f"{whole}.{frac:0{places}d}".rstrip("0")


def _units(text: str, places: int) -> int:
    whole, _, frac = text.partition(".")
    return int(whole) * 10**places + int((frac + "0" * places)[:places] or 0)


# ------------------------------------------------------------------------------------------ prices
@dataclass(frozen=True)
class Prices:
    """Daily prices from ``first`` (a day in HK time) on: tokens and USDT in 10^-6 USD, USD in 10^-4 HKD."""

    first: date
    days: int
    usd: dict[str, list[int]]  # token or USDT -> price per day, 10^-6 USD
    hkd: list[int]  # USD/HKD per day, 10^-4 HKD

    @property
    def epoch0(self) -> int:
        """POSIX seconds of 00:00 HK time on the first day."""
        return int(datetime(self.first.year, self.first.month, self.first.day, tzinfo=UTC).timestamp()) - HKT


def make_prices(seed: int, first: date, last: date) -> Prices:
    """Random walks, one per token (daily steps of up to ±6%, kept within 1/50 and 50x the start), USDT near
    1 USD, USD/HKD inside the 7.75-7.85 band. Deterministic in (seed, first, last)."""
    rng = random.Random(f"hkvatax-realistic-prices-{seed}")
    days = (last - first).days + 1
    usd: dict[str, list[int]] = {}
    for token in TOKENS:
        start = _units(START_USD[token], 6)
        lo, hi = max(start // 50, 1), start * 50
        p, series = start, []
        for _ in range(days):
            p = min(max(p * (10_000 + rng.randint(-600, 620)) // 10_000, lo), hi)
            series.append(p)
        usd[token] = series
    usd[USDT] = [1_000_000 + rng.randint(-3000, 3000) for _ in range(days)]
    h, hkd = 78_000, []
    for _ in range(days):
        h = min(max(h + rng.randint(-20, 20), 77_500), 78_500)
        hkd.append(h)
    return Prices(first, days, usd, hkd)


def rate_rows(prices: Prices) -> Iterator[tuple[str, str, str, str, str]]:
    """(base, quote, rate, at, source) for every day: each token and USDT in USD, then USD in HKD."""
    for i in range(prices.days):
        at = (prices.first + timedelta(days=i)).isoformat() + "T00:00:00+08:00"
        for token in (*TOKENS, USDT):
            yield token, "USD", _d(prices.usd[token][i], 6), at, "synthetic daily close"
        yield "USD", "HKD", _d(prices.hkd[i], 4), at, "synthetic HKD fixing"


def write_rates(prices: Prices, path: Path) -> int:
    n = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("base,quote,rate,at,source\n")
        for row in rate_rows(prices):
            fh.write(",".join(row) + "\n")
            n += 1
    return n


# ------------------------------------------------------------------------------------------ the ledger
class _Book:
    """The user's holdings per wallet (10^-8 units) and the row makers; each maker returns a row or None."""

    def __init__(self, rng: random.Random, prices: Prices) -> None:
        self.rng = rng
        self.p = prices
        self.held: dict[str, dict[str, int]] = {w: {} for w in WALLETS}
        self.day = 0
        traded = list(TRADED)
        self.buy_choices = [t for t in traded for _ in range(TRADED[t])]

    # helpers
    def _add(self, wallet: str, asset: str, qty: int) -> None:
        h = self.held[wallet]
        h[asset] = h.get(asset, 0) + qty

    def _take(self, wallet: str, asset: str, qty: int) -> None:
        h = self.held[wallet]
        left = h[asset] - qty
        assert left >= 0, (wallet, asset, qty)  # the generator's own guarantee: never an oversell
        if left:
            h[asset] = left
        else:
            del h[asset]

    def _price(self, asset: str) -> int:
        return self.p.usd[asset][self.day]

    @staticmethod
    def _row() -> list[str]:
        return [""] * NCOL

    # makers
    def swap_buy(self, token: str | None = None) -> list[str] | None:
        """Spend 0.1-30% of Binance's USDT (at least 10 USDT, in cents) on a token, value stated in USDT."""
        usdt = self.held[BINANCE].get(USDT, 0)
        if usdt < 10 * E8:
            return None
        rng = self.rng
        spend = max(usdt * rng.randint(1, 300) // 1000 // 10**6 * 10**6, 10 * E8)
        token = token or rng.choice(self.buy_choices)
        qty = spend * self.p.usd[USDT][self.day] // self._price(token)
        if qty <= 0:
            return None
        self._take(BINANCE, USDT, spend)
        self._add(BINANCE, token, qty)
        r = self._row()
        r[I_KIND], r[I_ASSET], r[I_QTY] = "swap", USDT, _d(spend, 8)
        r[I_AMOUNT], r[I_CUR], r[I_CASSET], r[I_CQTY] = r[I_QTY], USDT, token, _d(qty, 8)
        r[I_WALLET] = BINANCE
        if rng.random() < 0.05:  # the trade's own BNB fee, no value stated
            self._fee_on(r, spend * self.p.usd[USDT][self.day] // 10**12)
        return r

    def swap_sell(self) -> list[str] | None:
        """Sell 0.1-60% of a token held on Binance for USDT, value stated in USDT."""
        h = self.held[BINANCE]
        choices = [a for a in h if a != USDT]
        if not choices:
            return None
        rng = self.rng
        token = rng.choice(choices)
        held = h[token]
        qty = held * rng.randint(1, 600) // 1000 or held
        got = qty * self._price(token) // self.p.usd[USDT][self.day]
        if got <= 0:
            return None
        self._take(BINANCE, token, qty)
        self._add(BINANCE, USDT, got)
        r = self._row()
        r[I_KIND], r[I_ASSET], r[I_QTY] = "swap", token, _d(qty, 8)
        r[I_AMOUNT], r[I_CUR], r[I_CASSET], r[I_CQTY] = _d(got, 8), USDT, USDT, _d(got, 8)
        r[I_WALLET] = BINANCE
        if rng.random() < 0.05:
            self._fee_on(r, got * self.p.usd[USDT][self.day] // 10**12)
        return r

    def _bnb_for(self, cents: int) -> int:
        """BNB (10^-8) worth 0.075% of ``cents`` USD (at least one unit)."""
        return max(cents * 75 * 10**12 // 100_000 // self._price(BNB), 1)

    def _fee_on(self, r: list[str], trade_cents: int) -> None:
        fee = self._bnb_for(trade_cents)
        if self.held[BINANCE].get(BNB, 0) >= fee * 2:
            self._take(BINANCE, BNB, fee)
            r[I_FEE], r[I_FEECUR] = _d(fee, 8), BNB

    def fee(self) -> list[str] | None:
        """A BNB trading fee on its own row (no stated value: BNB needs its price); buys BNB when short."""
        rng = self.rng
        fee = self._bnb_for(rng.randint(1_000, 2_000_000))
        if self.held[BINANCE].get(BNB, 0) < fee:
            return self.swap_buy(BNB)
        self._take(BINANCE, BNB, fee)
        r = self._row()
        r[I_KIND], r[I_FEE], r[I_FEECUR], r[I_WALLET], r[I_NOTE] = "fee", _d(fee, 8), BNB, BINANCE, "trading fee"
        return r

    def fiat_buy(self) -> list[str]:
        """A buy of BTC, ETH or USDT on HashKey for HKD or USD (HK$1,000-200,000), with a fiat fee."""
        rng = self.rng
        asset = rng.choice(FIAT_BOUGHT)
        price = self.p.usd[asset][self.day]
        hkd = self.p.hkd[self.day]
        if rng.random() < 0.5:
            cur, cents = "HKD", rng.randint(100_000, 20_000_000)
            qty = cents * 10**16 // (hkd * price)
        else:
            cur, cents = "USD", rng.randint(12_800, 2_560_000)
            qty = cents * 10**12 // price
        self._add(HASHKEY, asset, qty)
        r = self._row()
        r[I_KIND], r[I_ASSET], r[I_QTY], r[I_AMOUNT], r[I_CUR] = "acquisition", asset, _d(qty, 8), _d(cents, 2), cur
        r[I_FEE], r[I_FEECUR] = _d(max(cents * rng.randint(5, 50) // 10_000, 1), 2), cur
        r[I_WALLET], r[I_NOTE] = HASHKEY, "fiat purchase"
        return r

    def fiat_sell(self) -> list[str] | None:
        """A sale of BTC or ETH held on HashKey for HKD."""
        h = self.held[HASHKEY]
        choices = [a for a in h if a != USDT]
        if not choices:
            return None
        rng = self.rng
        asset = rng.choice(choices)
        held = h[asset]
        qty = held * rng.randint(1, 500) // 1000 or held
        cents = qty * self._price(asset) * self.p.hkd[self.day] // 10**16
        if cents <= 0:
            return None
        self._take(HASHKEY, asset, qty)
        r = self._row()
        r[I_KIND], r[I_ASSET], r[I_QTY], r[I_AMOUNT], r[I_CUR] = "disposal", asset, _d(qty, 8), _d(cents, 2), "HKD"
        r[I_FEE], r[I_FEECUR] = _d(max(cents // 1000, 1), 2), "HKD"
        r[I_WALLET], r[I_NOTE] = HASHKEY, "sale for HKD"
        return r

    def transfer(self) -> list[str] | None:
        """Move 10-100% of a holding between wallets; ~40% pay a network fee in the token moved."""
        rng = self.rng
        routes = [(HASHKEY, BINANCE), (BINANCE, COLD), (COLD, BINANCE), (HASHKEY, COLD)]
        rng.shuffle(routes)
        for route in routes:
            if self.held[route[0]]:
                break
        else:
            return None
        src, dst = route
        h = self.held[src]
        asset = rng.choice(list(h))
        held = h[asset]
        fee = 0
        if rng.random() < 0.4:
            fee = max(rng.randint(50, 1_500) * 10**12 // self._price(asset), 1)  # US$0.50-15
            if fee * 2 > held:
                fee = 0
        qty = (held - fee) * rng.randint(100, 1000) // 1000 or held - fee
        self._take(src, asset, qty + fee)
        self._add(dst, asset, qty)
        r = self._row()
        r[I_KIND], r[I_ASSET], r[I_QTY], r[I_WALLET], r[I_TO] = "transfer", asset, _d(qty, 8), src, dst
        if fee:
            r[I_FEE], r[I_FEECUR] = _d(fee, 8), asset
            if rng.random() < 0.5:  # the fee's value stated (in HKD: a transfer row has no currency)
                r[I_FEEVAL] = _d(max(fee * self._price(asset) * self.p.hkd[self.day] // 10**16, 1), 2)
        r[I_NOTE] = "own wallets"
        return r

    def staking(self) -> list[str] | None:
        """A staking reward of 0.001-0.05% of a staked holding, in the wallet holding it; half valued on the row."""
        rng = self.rng
        places = [(w, a) for w in (COLD, BINANCE) for a in STAKED if self.held[w].get(a, 0) > 0]
        if not places:
            return None
        wallet, asset = rng.choice(places)
        qty = max(self.held[wallet][asset] * rng.randint(1, 50) // 100_000, 1)
        self._add(wallet, asset, qty)
        r = self._row()
        r[I_KIND], r[I_ASSET], r[I_QTY], r[I_WALLET], r[I_SUB] = "receipt", asset, _d(qty, 8), wallet, "staking"
        u = rng.random()
        if u < 0.2:
            r[I_AMOUNT], r[I_CUR] = _d(qty * self._price(asset) // 10**12, 2), "USD"
        elif u < 0.35:
            r[I_AMOUNT], r[I_CUR] = _d(qty * self._price(asset) * self.p.hkd[self.day] // 10**16, 2), "HKD"
        elif u < 0.5:
            r[I_AMOUNT], r[I_CUR] = _d(qty * self._price(asset) // self.p.usd[USDT][self.day], 8), USDT
        r[I_NOTE] = "staking reward"
        return r

    def expense(self) -> list[str]:
        rng = self.rng
        cur, what = rng.choice(EXPENSES)
        cents = rng.randint(5_000, 800_000) if cur == "HKD" else rng.randint(1_000, 100_000)
        r = self._row()
        r[I_KIND], r[I_AMOUNT], r[I_CUR], r[I_NOTE] = "expense", _d(cents, 2), cur, what
        if rng.random() < 0.1:
            r[I_SUB], r[I_NOTE] = "non_deductible", "staff entertainment"
        return r

    def airdrop(self) -> list[str]:
        self._add(BINANCE, UNI, AIRDROP_QTY)
        r = self._row()
        r[I_KIND], r[I_ASSET], r[I_QTY], r[I_WALLET], r[I_SUB] = "receipt", UNI, _d(AIRDROP_QTY, 8), BINANCE, "airdrop"
        r[I_NOTE] = "UNI airdrop"
        return r


FALLBACK = {
    "swap_buy": ("swap_sell", "transfer", "fiat_buy"),
    "swap_sell": ("swap_buy", "transfer", "fiat_buy"),
    "fee": ("fiat_buy",),
    "fiat_sell": ("fiat_buy",),
    "transfer": ("fiat_buy",),
    "staking": ("transfer", "fiat_buy"),
}


def _bounds(since: date, until: date) -> tuple[int, int]:
    """POSIX seconds of 00:00 HK time on ``since`` and 23:59:59 HK time on ``until``."""
    start = int(datetime(since.year, since.month, since.day, tzinfo=UTC).timestamp()) - HKT
    end = int(datetime(until.year, until.month, until.day, tzinfo=UTC).timestamp()) - HKT + DAY - 1
    return start, end


def rows(n: int, seed: int = 7, since: date = SINCE, until: date = UNTIL,
         prices: Prices | None = None) -> Iterator[list[str]]:
    """The ledger's ``n`` rows as lists of cells in :data:`HEADER` order (the ``id`` is ``r<row>``)."""
    prices = prices or make_prices(seed, since - timedelta(days=1), until)
    rng = random.Random(seed)
    book = _Book(rng, prices)
    start, end = _bounds(since, until)
    span = end - start - 60
    gap = max(2, 2 * span // max(n, 1))  # mean gap span/n seconds: the rows cover the whole history
    kinds = [k for k, w in WEIGHTS for _ in range(w)]
    makers = {k: getattr(book, k) for k, _ in WEIGHTS}
    epoch0 = prices.epoch0
    airdrop_at = int(AIRDROP_AT.timestamp())
    if not start < airdrop_at < end - 30 * DAY:
        airdrop_at = start + span // 2
    t = start + 1
    cached_day, prefix = -1, ""
    for i in range(1, n + 1):
        t = min(t + rng.randint(1, gap), end - (n - i))
        day = (t - epoch0) // DAY
        book.day = day
        if airdrop_at and t >= airdrop_at:
            airdrop_at = 0
            r = book.airdrop()
        elif i == 1:
            r = book.fiat_buy()
        else:
            kind = rng.choice(kinds)
            r = makers[kind]()
            if r is None:
                for other in FALLBACK[kind]:
                    r = makers[other]()
                    if r is not None:
                        break
            assert r is not None
        utc_day, sec = divmod(t, DAY)
        if utc_day != cached_day:
            cached_day = utc_day
            prefix = datetime.fromtimestamp(utc_day * DAY, UTC).strftime("%Y-%m-%dT")
        hh, rest = divmod(sec, 3600)
        mm, ss = divmod(rest, 60)
        r[I_ID] = f"r{i}"
        r[I_TS] = f"{prefix}{hh:02d}:{mm:02d}:{ss:02d}+00:00"
        yield r


def row_dicts(n: int, seed: int = 7, since: date = SINCE, until: date = UNTIL
              ) -> list[dict[str, str]]:
    """The same rows as dicts keyed by the generic CSV column names (every column, empty cells as "")."""
    return [dict(zip(HEADER, r, strict=True)) for r in rows(n, seed, since, until)]


def write_ledger(n: int, path: Path, seed: int = 7, since: date = SINCE, until: date = UNTIL,
                 prices: Prices | None = None) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(HEADER) + "\n")
        batch: list[str] = []
        for r in rows(n, seed, since, until, prices):
            batch.append(",".join(r))
            if len(batch) == 10_000:
                fh.write("\n".join(batch) + "\n")
                batch.clear()
        if batch:
            fh.write("\n".join(batch) + "\n")


# ------------------------------------------------------------------------------------------ profiles
def year_of(d: date) -> int:
    """First calendar year of the year of assessment containing ``d`` (1 April-31 March)."""
    return d.year if (d.month, d.day) >= (4, 1) else d.year - 1


def _label(y: int) -> str:
    return f"{y}/{(y + 1) % 100:02d}"


def profile(variant: str, *, taxpayer: str = "corporation", since: date = SINCE,
            until: date = UNTIL, rates_file: str | None = "rates.csv") -> dict[str, Any]:
    """The profile as a mapping (the TOML file's content). ``variant`` "a": per-asset pools, FIFO throughout;
    "b": per-wallet pools, weighted average, then FIFO from the middle year of the history onward."""
    first, last = year_of(since), year_of(until)
    if variant == "a":
        methods = [{"method": "fifo", "from_year": _label(first)}]
    elif variant == "b":
        middle = first + max((last - first + 1) // 2, 1)
        methods = [{"method": "weighted_average", "from_year": _label(first)},
                   {"method": "fifo", "from_year": _label(middle)}]
    else:
        raise ValueError(f"variant must be 'a' or 'b', got {variant!r}")
    tp: dict[str, Any]
    if taxpayer == "corporation":
        tp = {"kind": "corporation", "name": "Realistic Trading Ltd", "central_management_in_hk": True,
              "carries_on_business": True, "two_tier": {"has_connected_entities": False}}
    elif taxpayer == "individual":
        tp = {"kind": "individual", "name": "A. Realistic Trader", "hk_resident": True}
    else:
        raise ValueError(f"taxpayer must be 'corporation' or 'individual', got {taxpayer!r}")
    tp["trading"] = {"intention_at_acquisition": "resale_at_profit", "organised_like_a_business": True,
                     "profit_motive": True}
    tp["per_wallet_pools"] = variant == "b"
    tp["methods"] = methods
    prof: dict[str, Any] = {"taxpayer": tp,
                            "assets": [{"symbol": s, "category": CATEGORY[s]} for s in (*TOKENS, USDT)],
                            "settings": {"price_max_age_days": 1}}
    if rates_file:
        prof["rates_file"] = rates_file
    return prof


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_toml(prof: dict[str, Any]) -> str:
    """The profile in TOML (tables and arrays of tables, as docs/examples/profile.toml)."""
    lines = [f"{k} = {_toml_value(v)}" for k, v in prof.items() if not isinstance(v, (dict, list))]

    def table(name: str, d: dict[str, Any], array: bool = False) -> None:
        lines.extend(["", f"[[{name}]]" if array else f"[{name}]"])
        lines.extend(f"{k} = {_toml_value(v)}" for k, v in d.items() if not isinstance(v, (dict, list)))
        for k, v in d.items():
            if isinstance(v, dict):
                table(f"{name}.{k}", v)
            elif isinstance(v, list):
                for item in v:
                    table(f"{name}.{k}", item, array=True)

    for k, v in prof.items():
        if isinstance(v, dict):
            table(k, v)
        elif isinstance(v, list):
            for item in v:
                table(k, item, array=True)
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------------ files
def dataset_dir(out: Path, n: int, seed: int, since: date) -> Path:
    return out / f"realistic-{n}-s{seed}-{since.isoformat()}"


def write_all(n: int, out: Path, *, seed: int = 7, since: date = SINCE, until: date = UNTIL,
              taxpayer: str = "corporation", force: bool = False) -> dict[str, Path]:
    """Write (or reuse, unless ``force``) the dataset; returns the paths of its files."""
    d = dataset_dir(out, n, seed, since)
    paths = {"ledger": d / "ledger.csv", "rates": d / "rates.csv", "profile_a": d / "profile.toml",
             "profile_b": d / "profile-b.toml"}
    stamp = d / "args.txt"
    args = f"rows={n} seed={seed} since={since} until={until} taxpayer={taxpayer}\n"
    if not force and stamp.exists() and stamp.read_text() == args and all(p.exists() for p in paths.values()):
        return paths
    d.mkdir(parents=True, exist_ok=True)
    prices = make_prices(seed, since - timedelta(days=1), until)
    write_rates(prices, paths["rates"])
    write_ledger(n, paths["ledger"], seed, since, until, prices)
    for v, key in (("a", "profile_a"), ("b", "profile_b")):
        paths[key].write_text(to_toml(profile(v, taxpayer=taxpayer, since=since, until=until)), encoding="utf-8")
    stamp.write_text(args)
    return paths


# ------------------------------------------------------------------------------------------ pydantic events
def _event(r: list[str]) -> Any:
    """One row as a pydantic event of hkvatax.models.events (the generic CSV's column mapping)."""
    from decimal import Decimal

    from hkvatax.models import events as ev

    at = datetime.fromisoformat(r[I_TS])
    kind = r[I_KIND]
    fees: tuple[Any, ...] = ()
    if r[I_FEE]:
        fees = (ev.Fee(amount=Decimal(r[I_FEE]), currency=r[I_FEECUR],
                       value=Decimal(r[I_FEEVAL]) if r[I_FEEVAL] else None),)
    common: dict[str, Any] = {"id": r[I_ID], "timestamp": at, "note": r[I_NOTE] or None}
    if kind == "swap":
        return ev.Swap(**common, wallet=r[I_WALLET], give_asset=r[I_ASSET], give_quantity=Decimal(r[I_QTY]),
                       receive_asset=r[I_CASSET], receive_quantity=Decimal(r[I_CQTY]), value=Decimal(r[I_AMOUNT]),
                       value_currency=r[I_CUR], fees=fees)
    if kind == "fee":
        return ev.FeePaid(id=r[I_ID], timestamp=at, wallet=r[I_WALLET], fee=fees[0], purpose=r[I_NOTE] or None)
    if kind == "acquisition":
        return ev.Acquisition(**common, wallet=r[I_WALLET], asset=r[I_ASSET], quantity=Decimal(r[I_QTY]),
                              cost=Decimal(r[I_AMOUNT]), currency=r[I_CUR], fees=fees)
    if kind == "disposal":
        return ev.Disposal(**common, wallet=r[I_WALLET], asset=r[I_ASSET], quantity=Decimal(r[I_QTY]),
                           proceeds=Decimal(r[I_AMOUNT]), currency=r[I_CUR], fees=fees)
    if kind == "transfer":
        return ev.Transfer(**common, asset=r[I_ASSET], quantity=Decimal(r[I_QTY]), from_wallet=r[I_WALLET],
                           to_wallet=r[I_TO], fees=fees)
    if kind == "receipt":
        extra: dict[str, Any] = {"value": Decimal(r[I_AMOUNT]), "value_currency": r[I_CUR]} if r[I_AMOUNT] else {}
        return ev.Receipt(**common, wallet=r[I_WALLET], asset=r[I_ASSET], quantity=Decimal(r[I_QTY]),
                          receipt_type=r[I_SUB], **extra)
    if kind == "expense":
        return ev.Expense(id=r[I_ID], timestamp=at, amount=Decimal(r[I_AMOUNT]), currency=r[I_CUR],
                          description=r[I_NOTE] or None, deductible=r[I_SUB] != "non_deductible")
    raise ValueError(f"no event for kind {kind!r}")


def events(n: int, seed: int = 7, since: date = SINCE, until: date = UNTIL) -> list[Any]:
    """The ledger's rows as pydantic events (hkvatax.models.events)."""
    return [_event(r) for r in rows(n, seed, since, until)]


def scenario(n: int, variant: str = "a", *, seed: int = 7, since: date = SINCE,
             until: date = UNTIL, taxpayer: str = "corporation") -> Any:
    """A Scenario of ``n`` pydantic events, the profile's taxpayer and assets, and the daily rates as models."""
    from decimal import Decimal

    from hkvatax.models import Scenario
    from hkvatax.models.prices import Rate

    prices = make_prices(seed, since - timedelta(days=1), until)
    prof = profile(variant, taxpayer=taxpayer, since=since, until=until, rates_file=None)
    rates = tuple(Rate(base=b, quote=q, rate=Decimal(x), at=datetime.fromisoformat(at), source=s)
                  for b, q, x, at, s in rate_rows(prices))
    evs = tuple(_event(r) for r in rows(n, seed, since, until, prices))
    return Scenario.model_validate({**prof, "rates": rates, "events": evs})


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, required=True)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--since", type=date.fromisoformat, default=SINCE,
                    help="first day (HK time)")
    ap.add_argument("--until", type=date.fromisoformat, default=UNTIL)
    ap.add_argument("--taxpayer", choices=("corporation", "individual"), default="corporation")
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "data")
    args = ap.parse_args(argv)
    paths = write_all(args.rows, args.out, seed=args.seed, since=args.since, until=args.until,
                      taxpayer=args.taxpayer, force=True)
    for name, path in paths.items():
        print(f"{name}: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
