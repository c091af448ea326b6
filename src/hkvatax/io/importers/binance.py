"""Binance spot trade history ("Trade History" export of the Binance website and app).

Two header layouts are in circulation (docs/importers.md gives the sources):

* current: ``Date(UTC), Pair, Side, Price, Executed, Amount, Fee`` — quantities carry their asset as a
  suffix (``0.00100000BTC``, ``30.5USDT``, ``0.0001BNB``);
* older: ``Date(UTC), Market, Type, Price, Amount, Total, Fee, Fee Coin`` — plain numbers.

A BUY receives the base asset and gives the quote asset; a SELL the reverse. With a fiat quote (EUR,
USD …) that is an acquisition or a disposal; with a token quote (USDT, BTC, BNB …) it is a swap. The fee
(any asset) becomes the event's fee: a token fee is also a disposal of that token, done by the ledger.
The Price column is kept as a price observation of the base in the quote at that instant (source "the
trade itself"), so a USDT-quoted history needs only USDT's rates to HKD (docs/importers.md).
"""

from __future__ import annotations

import re
from decimal import Decimal

from ...errors import Problem, SourceRef
from .base import (
    FIAT,
    Importer,
    PriceObservation,
    Table,
    file_tag,
    fmt_decimal,
    generic_row,
    parse_number,
    parse_utc,
)

__all__ = ["BinanceTrades"]

_NUM_PREFIX = re.compile(r"^\s*([+-]?[0-9][0-9,]*(?:\.[0-9]*)?)([A-Za-z0-9]{1,20})\s*$")


def _split(text: str, candidates: tuple[str, ...], src: SourceRef, column: str,
           problems: list[Problem]) -> tuple[Decimal, str] | None:
    """``0.5BTC`` -> (0.5, 'BTC'), preferring a suffix among ``candidates`` (assets may start with digits)."""
    raw = text.strip()  # thousands separators are the grammar's to judge (hkvatax.grammar)
    upper = raw.upper()
    for asset in sorted((c for c in candidates if c), key=len, reverse=True):
        if upper.endswith(asset) and len(upper) > len(asset):
            number = raw[: len(raw) - len(asset)]
            value = parse_number(number, src, column, problems)
            return None if value is None else (value, asset)
    match = _NUM_PREFIX.match(raw)
    if match is None:
        problems.append(Problem("not_a_number", f"{text[:60]!r} is not a quantity followed by an asset",
                                src, column, "Binance writes quantities as e.g. 0.00100000BTC"))
        return None
    value = parse_number(match.group(1), src, column, problems)
    return None if value is None else (value, match.group(2).upper())


class BinanceTrades(Importer):
    name = "binance"
    title = "Binance spot trade history"
    required = ("Date(UTC)", "Price", "Fee")
    wallet = "Binance"

    def convert(self, table: Table) -> tuple[list[tuple[SourceRef, dict[str, str]]], list[Problem], list[Problem]]:
        header = set(table.header)
        current = {"Pair", "Side", "Executed", "Amount"} <= header
        older = {"Market", "Type", "Amount", "Total", "Fee Coin"} <= header
        if not current and not older:
            return [], [Problem(
                "bad_file", "not a Binance trade history: expected the columns Date(UTC), Pair, Side, Price, "
                "Executed, Amount, Fee (or Date(UTC), Market, Type, Price, Amount, Total, Fee, Fee Coin)",
                SourceRef(file=table.file, row=1))], []
        out: list[tuple[SourceRef, dict[str, str]]] = []
        problems: list[Problem] = []
        unsupported: list[Problem] = []
        tag = file_tag(table.file)
        for line, row in table.rows:
            src = SourceRef(file=table.file, row=line)
            mine: list[Problem] = []
            when = parse_utc(row["Date(UTC)"], src, "Date(UTC)", mine)
            side = (row["Side"] if current else row["Type"]).strip().upper()
            side_col = "Side" if current else "Type"
            pair = (row["Pair"] if current else row["Market"]).strip().upper().replace("/", "").replace("-", "")
            price = parse_number(row["Price"], src, "Price", mine)
            if current:
                got = _split(row["Executed"], (), src, "Executed", mine) if not pair else \
                    _split(row["Executed"], tuple(pair[:i] for i in range(1, len(pair))), src, "Executed", mine)
                base = got[1] if got else ""
                quote_guess = pair[len(base):] if base and pair.startswith(base) else ""
                total = _split(row["Amount"], (quote_guess,), src, "Amount", mine)
                fee = _split(row["Fee"], (base, quote_guess, "BNB"), src, "Fee", mine)
                qty = got[0] if got else None
                quote = total[1] if total else ""
                quote_amount = total[0] if total else None
                if got and total and pair and pair != base + quote:
                    mine.append(Problem(
                        "inconsistent_row", f"the pair {pair[:40]!r} is not the executed asset {base[:20]!r} and the "
                        f"amount's asset {quote[:20]!r}", src, "Pair", "export the file again: the row contradicts "
                        "itself"))
            else:
                qty = parse_number(row["Amount"], src, "Amount", mine)
                quote_amount = parse_number(row["Total"], src, "Total", mine)
                fee_amount = parse_number(row["Fee"], src, "Fee", mine)
                fee_coin = row["Fee Coin"].strip().upper()
                fee = None if fee_amount is None else (fee_amount, fee_coin)
                base, quote = "", ""
                for cur in sorted(FIAT | {"USDT", "USDC", "BUSD", "FDUSD", "TUSD", "BTC", "ETH", "BNB"}, key=len,
                                  reverse=True):
                    if pair.endswith(cur) and len(pair) > len(cur):
                        base, quote = pair[: -len(cur)], cur
                        break
                if not base:
                    mine.append(Problem("invalid_field", f"cannot tell the two assets of market {pair[:40]!r}",
                                        src, "Market", "split it as BASEQUOTE, e.g. BTCUSDT"))
            if side not in {"BUY", "SELL"}:
                if mine:
                    problems.extend(mine)
                else:
                    unsupported.append(Problem("unsupported_row", f"side {side[:30]!r} is neither BUY nor SELL",
                                               src, side_col))
                continue
            if mine or qty is None or quote_amount is None or when is None:
                problems.extend(mine)
                continue
            cells = {"id": f"binance-{tag}-r{line}", "timestamp": when, "wallet": "Binance",
                     "note": f"Binance {side} {pair} ({table.file} row {line})"}
            buy = side == "BUY"
            if quote in FIAT:
                cells.update(kind="acquisition" if buy else "disposal", asset=base, quantity=fmt_decimal(qty),
                             amount=fmt_decimal(quote_amount), currency=quote)
            elif buy:
                cells.update(kind="swap", asset=quote, quantity=fmt_decimal(quote_amount), counter_asset=base,
                             counter_quantity=fmt_decimal(qty))
            else:
                cells.update(kind="swap", asset=base, quantity=fmt_decimal(qty), counter_asset=quote,
                             counter_quantity=fmt_decimal(quote_amount))
            if fee is not None and fee[0] < 0:
                problems.append(Problem("negative", "the fee is negative", src, "Fee",
                                        "a fee is written as a positive amount"))
                continue
            if fee is not None and fee[0] != 0:
                cells.update(fee_amount=fmt_decimal(fee[0]), fee_currency=fee[1])
            out.append((src, generic_row(**cells)))
            if price is not None and price > 0 and base and quote and base != quote:
                table.prices.append(PriceObservation(src, base, quote, price, when))
        return out, problems, unsupported
