"""A seeded, realistic Hong Kong crypto holder, written as the exports their platforms give them (issue 10).

    python bench/realistic.py OUTDIR [--seed 2016]

writes ``OUTDIR/individual`` (a trader: Coinbase fiat buys from 2016, Binance USDT-quoted spot trades
with BNB fees, staking, an airdrop, a cold wallet) and ``OUTDIR/company`` (the same pattern with
HashKey Exchange as the fiat on-ramp, in HKD), each with:

* the exports — ``coinbase.csv`` (Coinbase transaction history) or ``hashkey.csv`` (HashKey fund
  statement), ``binance.csv`` (Binance all-operations statement), ``cold.csv`` (wallet CSV);
* ``prices.csv`` — a daily price file (BTC, ETH, BNB, ARB and USDT in USD; USD in HKD), a seeded
  random walk, not market data;
* ``answers.csv`` — what the deposits and withdrawals no other file explains were (a 2016 paper-wallet
  purchase, a payment to a merchant);
* ``profile.toml`` and ``command.txt`` (the ``hkvatax import`` command that reads them);
* ``expected_balances.csv`` — the token balance of every account at the end, kept by the simulation
  itself (not by hkvatax), so a test can check the import independently.

Deterministic for a seed: no floats (prices move by integer per-mille steps), no clock, no network.
The platforms' dates are not historical (HashKey Exchange opened in 2023; the company "uses" it from
2016 to exercise the format).
"""

from __future__ import annotations

import argparse
import csv
import heapq
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

__all__ = ["write_person", "write_all", "KINDS"]

KINDS = ("individual", "company")
START, END = date(2016, 1, 1), date(2027, 12, 31)
Q8 = Decimal("0.00000001")
Q2 = Decimal("0.01")
LISTED = {"BTC": START, "ETH": START, "BNB": date(2017, 7, 14), "ARB": date(2023, 3, 23)}
OPENING = {"BTC": Decimal(430), "ETH": Decimal("0.95"), "BNB": Decimal("0.11"), "ARB": Decimal("1.25")}


def _d(value: Decimal) -> str:
    return format(value, "f")


class Market:
    """Daily USD prices for the tokens, USDT/USD and USD/HKD: integer-step random walks."""

    def __init__(self, seed: int):
        rng = random.Random(seed)
        self.usd: dict[str, dict[date, Decimal]] = {}
        for asset, first in LISTED.items():
            price, series, day = OPENING[asset], {}, first
            while day <= END:
                series[day] = price
                step = Decimal(1000 + rng.randint(-42, 45)) / 1000
                price = max((price * step).quantize(Q2 if price > 10 else Decimal("0.0001")), Decimal("0.0001"))
                day += timedelta(days=1)
            self.usd[asset] = series
        days = [START + timedelta(days=i) for i in range((END - START).days + 1)]
        self.usdt = {d: Decimal(10000 + rng.randint(-6, 6)) / 10000 for d in days}
        self.hkd = {d: Decimal(77500 + rng.randint(0, 1000)) / 10000 for d in days}

    def price(self, asset: str, day: date) -> Decimal:
        return self.usd[asset][day]

    def rows(self) -> list[list[str]]:
        out = [["date", "base", "quote", "price", "source"]]
        for asset, series in self.usd.items():
            out += [[d.isoformat(), asset, "USD", _d(p), "generated daily close"] for d, p in series.items()]
        out += [[d.isoformat(), "USDT", "USD", _d(p), "generated daily close"] for d, p in self.usdt.items()]
        out += [[d.isoformat(), "USD", "HKD", _d(p), "generated daily close"] for d, p in self.hkd.items()]
        return out


@dataclass
class Person:
    kind: str
    market: Market
    rng: random.Random
    fiat: str  # "coinbase" or "hashkey"
    balances: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    files: dict[str, list[list[str]]] = field(default_factory=dict)
    answers: list[list[str]] = field(default_factory=list)
    serial: int = 0

    # --------------------------------------------------------------------------------------- books
    def move(self, account: str, asset: str, change: Decimal) -> None:
        bal = self.balances.setdefault(account, {})
        bal[asset] = bal.get(asset, Decimal(0)) + change
        assert bal[asset] >= 0, (account, asset, bal[asset])

    def held(self, account: str, asset: str) -> Decimal:
        return self.balances.get(account, {}).get(asset, Decimal(0))

    def next_id(self) -> str:
        self.serial += 1
        return f"{self.serial:06d}"

    # --------------------------------------------------------------------------------------- rows
    def binance(self, when: datetime, op: str, coin: str, change: Decimal) -> None:
        self.files["binance.csv"].append(["39016051", when.strftime("%Y-%m-%d %H:%M:%S"), "Spot", op, coin, _d(change), ""])
        self.move("binance", coin, change)

    def cold(self, when: datetime, kind: str, asset: str, qty: Decimal, fee: Decimal | None = None,
             txid: str = "", note: str = "") -> int:
        rows = self.files["cold.csv"]
        rows.append([when.isoformat().replace("+00:00", "Z"), kind, asset, _d(qty), _d(fee) if fee else "", txid, note])
        if kind == "receive" or kind == "staking":
            self.move("cold", asset, qty)
        else:
            self.move("cold", asset, -(qty + (fee or Decimal(0))))
        return len(rows) + 1  # the row's line number (the header is line 1)

    def fiat_buy(self, when: datetime, asset: str, qty: Decimal) -> None:
        usd = self.market.price(asset, when.date())
        if self.fiat == "coinbase":
            subtotal = (qty * usd).quantize(Q2)
            fee = (subtotal * Decimal("0.0149")).quantize(Q2)
            self.files["coinbase.csv"].append([
                f"cb{self.next_id()}", when.strftime("%Y-%m-%d %H:%M:%S UTC"), "Buy", asset, _d(qty), "USD",
                f"${_d(usd)}", f"${_d(subtotal)}", f"${_d(subtotal + fee)}", f"${_d(fee)}",
                f"Bought {_d(qty)} {asset} for {_d(subtotal + fee)} USD"])
            self.move("coinbase", asset, qty)
        else:
            hkd = (usd * self.market.hkd[when.date()]).quantize(Q2)
            cost = (qty * hkd).quantize(Q2)
            fee = (cost * Decimal("0.001")).quantize(Q2)
            self.hashkey(when, "trade", asset, qty, "HKD", -cost, fee, "HKD", direction="BUY")
            self.move("hashkey", asset, qty)

    def hashkey(self, when: datetime, kind: str, base: str, net_base: Decimal, quote: str = "",
                net_quote: Decimal | None = None, fee: Decimal | None = None, fee_ccy: str = "", direction: str = "",
                txid: str = "") -> None:
        ms = (when - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)
        self.files["hashkey.csv"].append([
            f"hk{self.next_id()}", "1467298646903017216", kind, str(ms), direction, base, _d(net_base), quote,
            "" if net_quote is None else _d(net_quote), "" if fee is None else _d(fee), fee_ccy, txid])

    def fiat_send(self, when: datetime, asset: str, qty: Decimal, to: str, arrive: timedelta) -> None:
        """From the fiat platform to Binance or the cold wallet (the platform pays the network fee)."""
        txid = f"0x{self.rng.getrandbits(64):016x}"
        if self.fiat == "coinbase":
            usd = self.market.price(asset, when.date())
            self.files["coinbase.csv"].append([
                f"cb{self.next_id()}", when.strftime("%Y-%m-%d %H:%M:%S UTC"), "Send", asset, _d(-qty), "USD",
                f"${_d(usd)}", f"${_d((qty * usd).quantize(Q2))}", f"${_d((qty * usd).quantize(Q2))}", "$0.00",
                f"Sent {_d(qty)} {asset} to {to}"])
            self.move("coinbase", asset, -qty)
            fee = Decimal(0)
        else:
            fee = Decimal("0.0005") if asset == "BTC" else Decimal("0.003")
            self.hashkey(when, "withdraw", asset, -qty, fee=fee, fee_ccy=asset, txid=txid)
            self.move("hashkey", asset, -(qty + fee))
        if to == "binance":
            self.binance(when + arrive, "Deposit", asset, qty)
        else:
            self.cold(when + arrive, "receive", asset, qty, txid=txid if self.fiat == "hashkey" else "")

    def trade(self, when: datetime, give: str, give_qty: Decimal, get: str, get_qty: Decimal,
              fee_coin: str, fee: Decimal) -> None:
        sold = give != "USDT"
        self.binance(when, "Transaction Sold" if sold else "Transaction Spend", give, -give_qty)
        self.binance(when, "Transaction Revenue" if sold else "Transaction Buy", get, get_qty)
        if fee:
            self.binance(when, "Transaction Fee", fee_coin, -fee)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def _simulate(kind: str, seed: int, market: Market) -> Person:
    """Run the person's history in time order (every balance is checked when it moves)."""
    rng = random.Random(seed * 7 + (0 if kind == "individual" else 1))
    person = Person(kind, market, rng, "coinbase" if kind == "individual" else "hashkey")
    for name in ("binance.csv", "cold.csv", f"{person.fiat}.csv"):
        person.files[name] = []
    fiat = person.fiat
    scale = Decimal(1) if kind == "individual" else Decimal(4)
    queue: list[tuple[datetime, int, Callable[[datetime], None]]] = []

    def at(when: datetime, action: Callable[[datetime], None]) -> None:
        heapq.heappush(queue, (when, _counter(), action))

    def deposit_fiat(when: datetime) -> None:
        if fiat == "coinbase":
            person.files["coinbase.csv"].append([f"cb{person.next_id()}", when.strftime("%Y-%m-%d %H:%M:%S UTC"),
                                                 "Deposit", "USD", "20000", "USD", "$1.00", "$20000.00", "$20000.00",
                                                 "$0.00", "Deposit from bank"])
        else:
            person.hashkey(when, "fiatDeposit", "HKD", Decimal(600000))

    def fiat_buy(when: datetime) -> None:
        asset = "BTC" if rng.randint(0, 2) else "ETH"
        qty = (Decimal(rng.randint(5, 60)) / (100 if asset == "BTC" else 10) * scale).quantize(Q8)
        person.fiat_buy(when, asset, qty)
        nxt = when + timedelta(days=rng.randint(25, 70))
        if nxt.date() < date(2019, 12, 31):
            at(nxt, fiat_buy)

    def paper_wallet(when: datetime) -> None:  # a 2016 purchase swept into the cold wallet: an answer explains it
        line = person.cold(when, "receive", "BTC", Decimal("0.5") * scale, note="paper wallet sweep")
        person.answers.append(["cold.csv", str(line), "opening_lot", "", _d(Decimal(300) * scale), "USD",
                               "2016-09-01T08:00:00+00:00", "", "", "", "bought for cash at a meet-up in 2016"])

    def to_binance(when: datetime) -> None:
        person.fiat_send(when, "BTC", person.held(fiat, "BTC") - Decimal("0.2") * scale, "binance",
                         timedelta(minutes=40))
        person.fiat_send(when + timedelta(hours=1), "ETH", person.held(fiat, "ETH") / 2, "binance",
                         timedelta(minutes=25))

    def first_trades(when: datetime) -> None:
        sell = (person.held("binance", "BTC") / 2).quantize(Q8)
        proceeds = (sell * market.price("BTC", when.date())).quantize(Q8)
        person.trade(when, "BTC", sell, "USDT", proceeds, "USDT", (proceeds / 1000).quantize(Q8))
        later = when + timedelta(days=1)
        bnb = Decimal(50) * scale
        cost = (bnb * market.price("BNB", later.date())).quantize(Q8)
        person.trade(later, "USDT", cost, "BNB", bnb, "BNB", (bnb / 1000).quantize(Q8))

    def spot_trade(when: datetime) -> None:  # USDT-quoted, fees in BNB while there is BNB
        asset = ("BTC", "ETH", "BNB")[rng.randint(0, 2)]
        price = market.price(asset, when.date())
        fee_bnb = (Decimal(rng.randint(5, 40)) / 100000 * scale).quantize(Q8)
        if person.held("binance", "BNB") < fee_bnb * 3 or asset == "BNB":
            fee_bnb = Decimal(0)
        if rng.randint(0, 1) and person.held("binance", "USDT") > 50:
            spend = (person.held("binance", "USDT") * Decimal(rng.randint(5, 30)) / 100).quantize(Q8)
            qty = (spend / price).quantize(Q8)
            if qty > 0:
                person.trade(when, "USDT", (qty * price).quantize(Q8), asset, qty, "BNB", fee_bnb)
        elif person.held("binance", asset) > 0:
            qty = (person.held("binance", asset) * Decimal(rng.randint(5, 25)) / 100).quantize(Q8)
            if qty > 0:
                person.trade(when, asset, qty, "USDT", (qty * price).quantize(Q8), "BNB", fee_bnb)
        nxt = when + timedelta(days=rng.randint(10, 30), minutes=rng.randint(0, 600))
        if nxt.date() < date(2027, 11, 30):
            at(nxt, spot_trade)

    def to_cold(when: datetime) -> None:  # Binance's Change includes the network fee
        qty = Decimal("0.3") * scale
        person.binance(when, "Withdraw", "BTC", -(qty + Decimal("0.0005")))
        person.cold(when + timedelta(minutes=30), "receive", "BTC", qty)

    def fiat_to_cold(when: datetime) -> None:
        if person.held(fiat, "ETH") > 1:
            person.fiat_send(when, "ETH", Decimal(1), "cold", timedelta(minutes=15))

    def back_to_binance(when: datetime) -> None:
        person.cold(when, "send", "BTC", Decimal("0.1") * scale, Decimal("0.0001"), note="back to Binance")
        person.binance(when + timedelta(minutes=50), "Deposit", "BTC", Decimal("0.1") * scale)

    def staking(when: datetime) -> None:
        if person.held("binance", "ETH") > 0:
            person.binance(when, "Staking Rewards", "ETH", (person.held("binance", "ETH") / 400).quantize(Q8) or Q8)
        if when.date() < date(2027, 11, 1):
            at(when + timedelta(days=30), staking)

    def airdrop(when: datetime) -> None:
        person.binance(when, "Distribution", "ARB", Decimal("625.25") * scale)

    def payment(when: datetime) -> None:
        line = person.cold(when, "send", "BTC", Decimal("0.01"), Decimal("0.00005"), note="to a merchant")
        person.answers.append(["cold.csv", str(line), "payment", "", "5200", "HKD", "", "", "", "",
                               "a laptop bought from a shop in Mong Kok"])

    def eth_to_cold(when: datetime) -> None:
        qty = (person.held("binance", "ETH") / 2).quantize(Q8)
        if qty <= 0:
            return
        person.binance(when, "Withdraw", "ETH", -(qty + Decimal("0.004")))
        person.cold(when + timedelta(minutes=20), "receive", "ETH", qty)
        for month in range(3, 13):
            at(_at(date(2026, month, 1), 0), lambda w, q=qty: person.cold(w, "staking", "ETH", (q / 300).quantize(Q8)))

    for when, action in ((_at(date(2016, 3, 1), 9), deposit_fiat), (_at(date(2016, 3, 5), 10), fiat_buy),
                         (_at(date(2017, 3, 1), 12), paper_wallet), (_at(date(2018, 1, 15), 3), to_binance),
                         (_at(date(2018, 1, 16), 9), first_trades), (_at(date(2018, 1, 20), 11), spot_trade),
                         (_at(date(2019, 6, 1), 8), to_cold), (_at(date(2020, 2, 2), 6), fiat_to_cold),
                         (_at(date(2021, 1, 3), 0, 5), staking), (_at(date(2022, 5, 10), 14), back_to_binance),
                         (_at(date(2023, 3, 23), 13), airdrop), (_at(date(2024, 12, 20), 15), payment),
                         (_at(date(2026, 2, 2), 2), eth_to_cold)):
        at(when, action)
    while queue:
        when, _, action = heapq.heappop(queue)
        action(when)
    return person


_COUNT = itertools.count()


def _counter() -> int:
    return next(_COUNT)


HEADERS = {
    "binance.csv": ["User_ID", "UTC_Time", "Account", "Operation", "Coin", "Change", "Remark"],
    "cold.csv": ["timestamp", "type", "asset", "quantity", "fee", "txid", "note"],
    "coinbase.csv": ["ID", "Timestamp", "Transaction Type", "Asset", "Quantity Transacted", "Spot Price Currency",
                     "Spot Price at Transaction", "Subtotal", "Total (inclusive of fees and/or spread)",
                     "Fees and/or Spread", "Notes"],
    "hashkey.csv": ["id", "accountId", "type", "transactTime", "direction", "baseCcy", "netBaseAmount", "quoteCcy",
                    "netQuoteAmount", "fee", "feeCcy", "txId"],
}
FORMATS = {"binance.csv": "binance-statement", "cold.csv": "wallet", "coinbase.csv": "coinbase",
           "hashkey.csv": "hashkey"}
ACCOUNTS = {"binance.csv": "binance", "cold.csv": "cold", "coinbase.csv": "coinbase", "hashkey.csv": "hashkey"}


def _write(path: Path, rows: list[list[str]], preamble: tuple[str, ...] = ()) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        for line in preamble:
            fh.write(line + "\n")
        csv.writer(fh, lineterminator="\n").writerows(rows)


def command(person_files: list[str]) -> str:
    sources = " ".join(f"--source {FORMATS[f]}:{f}@{ACCOUNTS[f]}" for f in person_files)
    return (f"hkvatax import {sources} --prices prices.csv --answers answers.csv "
            "--out ledger.csv --rates-out rates.csv --provenance-out provenance.csv")


def write_person(kind: str, seed: int, out: Path, market: Market | None = None) -> Path:
    market = market or Market(seed)
    person = _simulate(kind, seed, market)
    folder = out / kind
    folder.mkdir(parents=True, exist_ok=True)
    names = [f"{person.fiat}.csv", "binance.csv", "cold.csv"]
    for name in names:
        rows = person.files[name]  # the cold wallet's rows keep their order: the answers name them by line
        if name in {"binance.csv", "coinbase.csv"}:
            rows = sorted(rows, key=lambda r: r[1])  # stable: a trade's legs stay together
        elif name == "hashkey.csv":
            rows = sorted(rows, key=lambda r: int(r[3]))
        preamble = ('"Transactions"', '"User,Jane Doe,a1b2c3"', "") if name == "coinbase.csv" else ()
        _write(folder / name, [HEADERS[name], *rows], preamble)
    _write(folder / "prices.csv", market.rows())
    _write(folder / "answers.csv", [["file", "row", "answer", "account", "amount", "currency", "at", "subtype",
                                     "pair_file", "pair_row", "note"], *person.answers])
    balances = [["account", "asset", "quantity"]]
    for account in sorted(person.balances):
        for asset, qty in sorted(person.balances[account].items()):
            if asset not in {"USD", "HKD"}:
                balances.append([account, asset, _d(qty)])
    _write(folder / "expected_balances.csv", balances)
    taxpayer = "individual" if kind == "individual" else "corporation"
    (folder / "profile.toml").write_text(
        'default_timezone = "Asia/Hong_Kong"\nrates_file = "rates.csv"\n\n'
        f'[taxpayer]\nkind = "{taxpayer}"\nname = "Generated {kind} (seed {seed})"\n\n'
        + ('[taxpayer.trading]\nintention_at_acquisition = "resale_at_profit"\norganised_like_a_business = true\n'
           'profit_motive = true\n\n' if kind == "individual" else "")
        + "".join(f'[[assets]]\nsymbol = "{a}"\n' + ('category = "stablecoin"\n' if a == "USDT" else "") + "\n"
                  for a in ("BTC", "ETH", "BNB", "USDT", "ARB")), encoding="utf-8")
    (folder / "command.txt").write_text(command(names) + "\n", encoding="utf-8")
    return folder


def write_all(out: Path, seed: int = 2016) -> dict[str, Path]:
    market = Market(seed)
    return {kind: write_person(kind, seed, out, market) for kind in KINDS}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=2016)
    args = parser.parse_args()
    for kind, folder in write_all(args.out, args.seed).items():
        print(f"{kind}: {folder}")


if __name__ == "__main__":
    main()
