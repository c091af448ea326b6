"""Binance all-operations statement ("Wallet → Transaction History → Export Transaction Records").

Columns ``User_ID, UTC_Time, Account, Operation, Coin, Change, Remark``; one row per balance change,
``Change`` signed, time UTC. The public descriptions used are in docs/importers.md.

* **Trades** — rows of the operations Buy, Sell, Fee, Transaction Related / Buy / Spend / Sold /
  Revenue / Fee at one instant in one account are the legs of one trade: the asset credited is
  received, the asset debited is given, Fee / Transaction Fee rows are its fees (the first fee on the
  event, further fee assets as ``fee`` rows). Several fills of one order at one instant are summed
  per asset. Fiat given → acquisition, fiat received → disposal, else swap. Legs that do not make one
  credit and one debit asset are an error of those rows only. The trade's price is kept as a price
  observation when the legs divide exactly ("the trade itself").
* **Binance Convert**, **Large OTC trading**, **Small assets exchange BNB** (one asset swept) — swaps,
  the same way.
* **Deposit**, **Withdraw** (and Fiat Deposit / Fiat Withdraw) — movements, paired into transfers by
  ``import_sources``; a Withdraw's ``Change`` includes the network fee, which the pairing infers.
* **Staking Rewards**, ETH 2.0 / POS / Simple Earn Locked / BNB Vault rewards — staking receipts;
  Simple Earn Flexible Interest, Savings Interest / distribution, Launchpool Interest — lending
  interest; Distribution (a credit), Airdrop Assets, HODLer Airdrops, Megadrop, Launchpool Airdrop,
  Cash Voucher distribution, referral and commission rebates — airdrop receipts (decision 0041).
  Valued from the price table.
* moves between Binance's own wallets (Spot ↔ Funding ↔ Earn: subscriptions, redemptions, staking
  purchases) — internal, no event;
* anything else (futures, margin, a Distribution debit …) — ``unsupported_row``.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from ...errors import Problem, SourceRef
from .base import (
    Importer,
    Movement,
    PriceObservation,
    Table,
    file_tag,
    fmt_decimal,
    generic_row,
    parse_instant,
    parse_number,
    trade_cells,
    trade_price,
)

__all__ = ["BinanceStatement"]

_TRADE = {"buy", "sell", "fee", "transaction related", "transaction buy", "transaction spend", "transaction sold",
          "transaction revenue", "transaction fee"}
_FEE = {"fee", "transaction fee"}
_SWAPS = {"binance convert", "large otc trading", "small assets exchange bnb"}
_MOVES = {"deposit": "in", "fiat deposit": "in", "withdraw": "out", "fiat withdraw": "out", "fiat withdrawal": "out"}
_RECEIPTS = {
    "staking rewards": "staking", "eth 2.0 staking rewards": "staking", "pos savings interest": "staking",
    "simple earn locked rewards": "staking", "bnb vault rewards": "staking",
    "simple earn flexible interest": "lending_interest", "savings interest": "lending_interest",
    "savings distribution": "lending_interest", "launchpool interest": "lending_interest",
    "distribution": "airdrop", "airdrop assets": "airdrop", "hodler airdrops distribution": "airdrop",
    "megadrop rewards": "airdrop", "launchpool airdrop": "airdrop", "cash voucher distribution": "airdrop",
    "commission history": "airdrop", "referral kickback": "airdrop", "referral commission": "airdrop",
    "commission rebate": "airdrop",
}
_INTERNAL = {
    "transfer between main and funding wallet", "transfer between spot and funding wallet", "transfer_in",
    "transfer_out", "simple earn flexible subscription", "simple earn flexible redemption",
    "simple earn locked subscription", "simple earn locked redemption", "staking purchase", "staking redemption",
    "pos savings purchase", "pos savings redemption", "savings purchase", "savings principal redemption",
    "eth 2.0 staking", "launchpool subscription/redemption",
}

_Leg = tuple[int, SourceRef, str, str, Decimal]  # line, src, operation, coin, change


class BinanceStatement(Importer):
    name = "binance-statement"
    title = "Binance transaction history statement"
    required = ("UTC_Time", "Account", "Operation", "Coin", "Change")
    wallet = "Binance"

    def convert(self, table: Table) -> tuple[list[tuple[SourceRef, dict[str, str]]], list[Problem], list[Problem]]:
        out: list[tuple[SourceRef, dict[str, str]]] = []
        problems: list[Problem] = []
        unsupported: list[Problem] = []
        tag = file_tag(table.file)
        groups: dict[tuple[datetime, str, str], list[_Leg]] = {}
        for line, row in table.rows:
            src = SourceRef(file=table.file, row=line)
            op = row["Operation"].strip()
            low = op.lower()
            known = low in _TRADE | _SWAPS | _INTERNAL or low in _MOVES or low in _RECEIPTS
            if not known:
                unsupported.append(Problem("unsupported_row", f"Binance operation {op[:60]!r} "
                                           f"({row['Account'][:30]}) is not imported", src, "Operation"))
                continue
            mine: list[Problem] = []
            moment = parse_instant(row["UTC_Time"], src, "UTC_Time", mine)
            change = parse_number(row["Change"], src, "Change", mine)
            coin = row["Coin"].strip().upper()
            if not coin:
                mine.append(Problem("missing_field", "Coin is empty", src, "Coin"))
            if mine or moment is None or change is None:
                problems.extend(mine)
                continue
            if low in _INTERNAL:
                table.internal.append((src, f"Binance {op} ({row['Account']}): a move within the Binance account"))
            elif change == 0:
                table.internal.append((src, f"Binance {op}: a change of zero"))
            elif low in _MOVES:
                direction = _MOVES[low]
                if (change > 0) != (direction == "in"):
                    problems.append(Problem("invalid_field", f"a {op} with a change of {change}", src, "Change"))
                    continue
                table.movements.append(Movement(src, "in" if direction == "in" else "out", moment, coin,
                                                change.copy_abs(), None, "", self.wallet,
                                                f"Binance {op} {row.get('Remark', '')[:60]}".strip()))
            elif low in _RECEIPTS:
                if change < 0:
                    unsupported.append(Problem("unsupported_row", f"a debit in a {op} row ({change} {coin}) is not "
                                               "imported", src, "Change",
                                               "state what it was (a redenomination, a swap) in a generic CSV"))
                    continue
                out.append((src, generic_row(
                    id=f"binance-{tag}-r{line}", timestamp=moment.isoformat(), kind="receipt",
                    subtype=_RECEIPTS[low], asset=coin, quantity=fmt_decimal(change), wallet=self.wallet,
                    note=f"Binance {op} ({table.file} row {line})")))
            else:
                kind = "trade" if low in _TRADE else low
                groups.setdefault((moment, row["Account"].strip(), kind), []).append((line, src, low, coin, change))
        for (moment, _account, kind), legs in groups.items():
            self._trade(table, tag, moment, kind, legs, out, problems)
        return out, problems, unsupported

    def _trade(self, table: Table, tag: str, moment: datetime, kind: str, legs: list[_Leg],
               out: list[tuple[SourceRef, dict[str, str]]], problems: list[Problem]) -> None:
        sums: dict[str, Decimal] = {}
        fees: dict[str, Decimal] = {}
        for _line, _src, op, coin, change in legs:
            if op in _FEE and change < 0:
                fees[coin] = fees.get(coin, Decimal(0)) - change
            else:
                sums[coin] = sums.get(coin, Decimal(0)) + change
        credit = [c for c, v in sums.items() if v > 0]
        debit = [c for c, v in sums.items() if v < 0]
        lines = sorted(leg[0] for leg in legs)
        if len(credit) != 1 or len(debit) != 1:
            for _line, src, *_ in legs:
                problems.append(Problem("bad_row", f"the {kind} rows at {moment.isoformat()} credit "
                                        f"{len(credit)} and debit {len(debit)} assets; a trade needs one of each; "
                                        "these rows are not imported, the rest of the file is", src, "Change",
                                        "state the trade in a generic CSV"))
            return
        get, give = credit[0], debit[0]
        get_qty, give_qty = sums[get], -sums[give]
        first = min(legs, key=lambda leg: leg[0])[1]
        for line in lines[1:]:
            table.also_used[line] = lines[0]
        rows_text = ", ".join(str(n) for n in lines)
        cells = {"id": f"binance-{tag}-r{lines[0]}", "timestamp": moment.isoformat(), "wallet": self.wallet,
                 "note": f"Binance {kind} ({table.file} rows {rows_text})"}
        cells.update(trade_cells(give, give_qty, get, get_qty))
        fee_items = sorted(fees.items())
        if fee_items:
            cells.update(fee_amount=fmt_decimal(fee_items[0][1]), fee_currency=fee_items[0][0])
        out.append((first, generic_row(**cells)))
        for n, (coin, amount) in enumerate(fee_items[1:], start=2):
            out.append((first, generic_row(id=f"binance-{tag}-r{lines[0]}-fee{n}", timestamp=moment.isoformat(),
                                           kind="fee", fee_amount=fmt_decimal(amount), fee_currency=coin,
                                           wallet=self.wallet, note=f"fee {n} of {cells['note']}")))
        priced = trade_price(give, give_qty, get, get_qty)
        if priced is not None:
            table.prices.append(PriceObservation(first, *priced, moment.isoformat()))
