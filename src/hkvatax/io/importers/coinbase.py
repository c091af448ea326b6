"""Coinbase transaction history ("Statements → Transaction history", CSV).

The file opens with a few preamble lines (title, user); the header follows:
``[ID,] Timestamp, Transaction Type, Asset, Quantity Transacted, Spot Price Currency | Price Currency,
Spot Price at Transaction | Price at Transaction, Subtotal, Total (inclusive of fees and/or spread),
Fees and/or Spread, Notes``. Money may carry a currency sign (``$1,234.56``, ``-€12.00``); sells and
sends may have a negative quantity. Time is UTC (``2024-01-02 03:04:05 UTC``).

* ``Buy``/``Advanced Trade Buy``: acquisition for Subtotal in the price currency, fee = Fees; when the
  Notes show a token quote (``Bought 0.1 ETH for 300 USDC on ETH-USDC``) it is a swap from that token.
* ``Sell``/``Advanced Trade Sell``: disposal, or a swap into the token quote, likewise.
* ``Convert``: swap; what is received is read from Notes (``Converted 0.1 ETH to 300.5 USDC``), valued
  at Subtotal.
* ``Staking Income``, ``Rewards Income``, ``Inflation Reward``: staking receipts; ``Coinbase Earn``,
  ``Learning Reward``: airdrops; ``Interest payout``: lending interest — valued at Subtotal.
* ``Send``, ``Withdrawal`` (out) and ``Receive``, ``Deposit`` (in): movements, paired into transfers by
  ``import_sources``; the fee of a Send is in fiat (Fees column) and not in the token, so it is not
  taken as part of the quantity.
* anything else: reported as ``unsupported_row``.
"""

from __future__ import annotations

import re
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal

from ...errors import Problem, SourceRef
from ...money import exact_context
from .base import (
    FIAT,
    Importer,
    Table,
    add_movement,
    file_tag,
    fmt_decimal,
    generic_row,
    parse_number,
    parse_utc,
)

__all__ = ["CoinbaseTransactions"]

_SIGN = re.compile(r"^\s*([+-]?)\s*[$€£¥]?\s*")
# Linear patterns: every quantifier is possessive, so a failed match never backtracks into the digits (a
# 117 KiB Notes cell of digits took over a minute with '[\d,]*\.?\d+'), and Notes are cut at _NOTE_CHARS first.
_AMOUNT = r"((?:\d[\d,]*+)?+(?:\.\d++)?+)"
_TRADE_NOTE = re.compile(rf"^(?:Bought|Sold) {_AMOUNT} (\w{{1,20}}+) for [$€£]?+{_AMOUNT} (\w{{1,20}}+)")
_CONVERT_NOTE = re.compile(rf"^Converted {_AMOUNT} (\w{{1,20}}+) to {_AMOUNT} (\w{{1,20}}+)")
_NOTE_CHARS = 300  # a Coinbase note is one short sentence
_MOVES: dict[str, str] = {"send": "out", "withdrawal": "out", "receive": "in", "deposit": "in"}
_RECEIPTS = {
    "staking income": "staking", "rewards income": "staking", "reward income": "staking",
    "inflation reward": "staking", "coinbase earn": "airdrop", "learning reward": "airdrop",
    "interest payout": "lending_interest",
}


def _agrees(note_qty: str, note_asset: str, qty: Decimal, asset: str, src: SourceRef,
            problems: list[Problem]) -> None:
    """The Notes must describe the row's own asset and quantity (``Converted 0.004 ETH`` on an ``Asset=BTC``,
    quantity 5 row is ``inconsistent_row``). The note may show the quantity to fewer places: it agrees if the
    row's quantity rounds (half-even or down) to it."""
    stated = parse_number(note_qty, src, "Notes", [])
    if note_asset.upper() != asset:
        problems.append(Problem("inconsistent_row", f"the Notes name {note_asset[:20]!r} but the row's Asset is "
                                f"{asset[:20]!r}", src, "Notes", "export the file again: the row contradicts itself"))
        return
    if stated is None or not _rounds_to(qty.copy_abs(), stated):
        problems.append(Problem("inconsistent_row", f"the Notes give the quantity {note_qty[:40]!r} but the row's "
                                f"Quantity Transacted is {fmt_decimal(qty.copy_abs())}", src, "Notes",
                                "export the file again: the row contradicts itself"))


def _rounds_to(qty: Decimal, stated: Decimal) -> bool:
    exponent = stated.as_tuple().exponent
    if not isinstance(exponent, int):
        return False
    with exact_context():
        grid = Decimal((0, (1,), exponent))
        return qty == stated or any(qty.quantize(grid, rounding=r) == stated for r in (ROUND_HALF_EVEN, ROUND_DOWN))


def _money(text: str, src: SourceRef, column: str, problems: list[Problem]) -> Decimal | None:
    match = _SIGN.match(text)
    sign = match.group(1) if match else ""
    rest = text[match.end():] if match else text
    return parse_number(sign + rest, src, column, problems)


class CoinbaseTransactions(Importer):
    name = "coinbase"
    title = "Coinbase transaction history"
    required = ("Timestamp", "Transaction Type", "Asset", "Quantity Transacted", "Subtotal", "Notes")
    search_lines = 10
    wallet = "Coinbase"

    def convert(self, table: Table) -> tuple[list[tuple[SourceRef, dict[str, str]]], list[Problem], list[Problem]]:
        out: list[tuple[SourceRef, dict[str, str]]] = []
        problems: list[Problem] = []
        unsupported: list[Problem] = []
        header = set(table.header)
        ccy_col = "Spot Price Currency" if "Spot Price Currency" in header else "Price Currency"
        fee_col = next((c for c in ("Fees and/or Spread", "Fees", "Fee") if c in header), None)
        if ccy_col not in header:
            return [], [Problem("bad_file", "not a Coinbase transaction history: no 'Spot Price Currency' or "
                                "'Price Currency' column", SourceRef(file=table.file))], []
        tag = file_tag(table.file)
        seen: dict[str, int] = {}
        for line, row in table.rows:
            src = SourceRef(file=table.file, row=line)
            kind = row["Transaction Type"].strip()
            low = kind.lower()
            trade = low in {"buy", "sell", "advanced trade buy", "advanced trade sell", "advance trade buy",
                            "advance trade sell", "convert"}
            if low in _MOVES:
                add_movement(table, src, "out" if _MOVES[low] == "out" else "in", row, time_col="Timestamp",
                             qty_col="Quantity Transacted", asset_col="Asset", problems=problems, wallet=self.wallet,
                             note=f"Coinbase {kind[:40]}")
                continue
            if not trade and low not in _RECEIPTS:
                unsupported.append(Problem("unsupported_row", f"Coinbase transaction type {kind[:60]!r} is not "
                                           "imported", src, "Transaction Type",
                                           "record sends and receives between your own wallets as transfers, "
                                           "and other sends as payments, in a generic CSV ledger"))
                continue
            own_id = row.get("ID", "").strip()
            if own_id:
                if own_id in seen:
                    problems.append(Problem("duplicate_id", f"ID {own_id[:60]!r} appears again (first at row "
                                            f"{seen[own_id]})", src, "ID", "export each period once"))
                    continue
                seen[own_id] = line
            mine: list[Problem] = []
            when = parse_utc(row["Timestamp"], src, "Timestamp", mine)
            asset = row["Asset"].strip().upper()
            qty = parse_number(row["Quantity Transacted"], src, "Quantity Transacted", mine)
            ccy = row[ccy_col].strip().upper()
            subtotal = _money(row["Subtotal"], src, "Subtotal", mine)
            fee = _money(row[fee_col], src, fee_col, mine) if fee_col and row[fee_col].strip() else None
            if not ccy:
                mine.append(Problem("missing_field", "the price currency is empty", src, ccy_col))
            if not asset:
                mine.append(Problem("missing_field", "the asset is empty", src, "Asset"))
            notes = row["Notes"].strip()[:_NOTE_CHARS]
            cells: dict[str, str] = {"id": f"coinbase-{own_id}" if own_id else f"coinbase-{tag}-r{line}",
                                     "wallet": "Coinbase", "note": f"Coinbase {kind[:40]} ({table.file} row {line})"}
            if not mine and qty is not None and subtotal is not None:
                value = fmt_decimal(subtotal.copy_abs())
                if low == "convert":
                    m = _CONVERT_NOTE.match(notes)
                    if m is None:
                        mine.append(Problem("invalid_field", "a Convert row's Notes do not say what was received "
                                            "('Converted 0.1 ETH to 300 USDC')", src, "Notes"))
                    else:
                        _agrees(m.group(1), m.group(2), qty, asset, src, mine)
                        got = parse_number(m.group(3), src, "Notes", mine)
                        cells.update(kind="swap", asset=asset, quantity=fmt_decimal(qty.copy_abs()),
                                     counter_asset=m.group(4).upper(), counter_quantity=fmt_decimal(got or Decimal(0)),
                                     amount=value, currency=ccy)
                elif trade:
                    buy = low.endswith("buy")
                    m = _TRADE_NOTE.match(notes)
                    if m is not None:
                        _agrees(m.group(1), m.group(2), qty, asset, src, mine)
                    quote = m.group(4).upper() if m else ccy
                    if quote == ccy or quote in FIAT or m is None:
                        cells.update(kind="acquisition" if buy else "disposal", asset=asset,
                                     quantity=fmt_decimal(qty if buy else qty.copy_abs()), amount=value, currency=ccy)
                    else:
                        quote_qty = parse_number(m.group(3), src, "Notes", mine) or Decimal(0)
                        if buy:
                            cells.update(kind="swap", asset=quote, quantity=fmt_decimal(quote_qty), counter_asset=asset,
                                         counter_quantity=fmt_decimal(qty), amount=value, currency=ccy)
                        else:
                            cells.update(kind="swap", asset=asset, quantity=fmt_decimal(qty.copy_abs()),
                                         counter_asset=quote, counter_quantity=fmt_decimal(quote_qty), amount=value,
                                         currency=ccy)
                else:
                    cells.update(kind="receipt", subtype=_RECEIPTS[low], asset=asset, quantity=fmt_decimal(qty),
                                 amount=value, currency=ccy)
                if fee is not None and fee < 0:
                    mine.append(Problem("negative", f"the fee {row[fee_col or ''][:40]!r} is negative", src, fee_col,
                                        "a fee is written as a positive amount; a refund is not a fee"))
                elif fee is not None and fee != 0 and low not in _RECEIPTS:
                    cells.update(fee_amount=fmt_decimal(fee), fee_currency=ccy)
            if mine or when is None or "kind" not in cells:
                if not mine:  # pragma: no cover - every path without a kind records why
                    mine.append(Problem("bad_row", "row could not be read", src))
                problems.extend(mine)
                continue
            cells["timestamp"] = when
            out.append((src, generic_row(**cells)))
        return out, problems, unsupported
