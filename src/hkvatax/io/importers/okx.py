"""OKX exports: the trading account's trade history and the funding account's bills.

Layouts from the public descriptions in docs/importers.md. OKX writes times in the zone the account
displays; a time without an offset is read as Hong Kong time (UTC+08:00, OKX's display zone for a
Hong Kong account) — an export made in UTC must carry its offset or be re-exported.

``okx-trades`` — ``id, Order id, Time, Trade Type, Instrument, Type, Amount, Unit, PL, Fee,
Position Change, Position Balance, Balance Change, Balance, Unit`` (``Unit`` appears twice; the
second is read as ``Unit (2)``). A spot trade is two rows sharing ``id``: the ``Buy`` row is the asset
received (its ``Fee``, negative, is charged in that asset), the ``Sell`` row the asset given. Fiat
given → acquisition, fiat received → disposal, else swap; the price is kept when the legs divide
exactly. ``Transfer`` rows are internal; margin, futures, swaps and options are ``unsupported_row``.
A trade with a missing or doubled leg is an error of those rows only.

``okx-funding`` — ``id, Time, Type, Amount, Before Balance, After Balance, Fee, Symbol``. Deposit and
Withdrawal → movements (a withdrawal's ``Fee`` is its network fee); Staking Yield → staking receipt;
Fee rebate → airdrop receipt (decision 0041); Stake, Redeem staking, Savings subscription and
redemption, moves to and from the trading account → internal; anything else ``unsupported_row``.
"""

from __future__ import annotations

from datetime import timedelta, timezone
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

__all__ = ["OkxTrades", "OkxFunding", "OKX_NAIVE_ZONE"]

#: The zone of an OKX time written without an offset (an assumption stated in docs/importers.md).
OKX_NAIVE_ZONE = timezone(timedelta(hours=8))

_INTERNAL_FUNDING = {"stake", "redeem staking", "savings subscription", "savings redemption",
                     "from unified trading account", "to unified trading account", "transfer"}


class OkxTrades(Importer):
    name = "okx-trades"
    title = "OKX trading account history"
    required = ("id", "Order id", "Time", "Trade Type", "Instrument", "Type", "Amount", "Unit", "Fee")
    number_repeats = True
    wallet = "OKX"

    def convert(self, table: Table) -> tuple[list[tuple[SourceRef, dict[str, str]]], list[Problem], list[Problem]]:
        out: list[tuple[SourceRef, dict[str, str]]] = []
        problems: list[Problem] = []
        unsupported: list[Problem] = []
        tag = file_tag(table.file)
        legs: dict[str, list[tuple[int, SourceRef, str, str, Decimal, Decimal, str]]] = {}
        for line, row in table.rows:
            src = SourceRef(file=table.file, row=line)
            trade_type = row["Trade Type"].strip().lower()
            if trade_type == "transfer":
                table.internal.append((src, "OKX transfer between the funding and the trading account"))
                continue
            if trade_type != "spot":
                unsupported.append(Problem("unsupported_row", f"OKX trade type {row['Trade Type'][:30]!r} is not "
                                           "imported (only spot)", src, "Trade Type"))
                continue
            mine: list[Problem] = []
            moment = parse_instant(row["Time"], src, "Time", mine, zone=OKX_NAIVE_ZONE)
            amount = parse_number(row["Amount"], src, "Amount", mine)
            fee = parse_number(row["Fee"] or "0", src, "Fee", mine)
            unit = row["Unit"].strip().upper()
            side = row["Type"].strip().lower()
            if side not in {"buy", "sell"}:
                mine.append(Problem("invalid_field", f"Type {row['Type'][:20]!r} is neither Buy nor Sell", src, "Type"))
            if not unit:
                mine.append(Problem("missing_field", "Unit is empty", src, "Unit"))
            if not row["id"].strip():
                mine.append(Problem("missing_field", "id is empty: the two legs cannot be joined", src, "id"))
            if mine or moment is None or amount is None or fee is None:
                problems.extend(mine)
                continue
            legs.setdefault(row["id"].strip(), []).append((line, src, side, unit, amount.copy_abs(), fee.copy_abs(),
                                                           moment.isoformat()))
        for trade_id, group in legs.items():
            buys = [g for g in group if g[2] == "buy"]
            sells = [g for g in group if g[2] == "sell"]
            if len(buys) != 1 or len(sells) != 1:
                for _line, src, *_ in group:
                    problems.append(Problem("bad_row", f"OKX trade {trade_id[:40]!r} has {len(buys)} Buy and "
                                            f"{len(sells)} Sell rows; a trade needs one of each; these rows are not "
                                            "imported, the rest of the file is", src, "id",
                                            "export a period that holds both legs"))
                continue
            b_line, b_src, _, get, get_qty, get_fee, when = buys[0]
            s_line, s_src, _, give, give_qty, give_fee, _ = sells[0]
            first = b_src if b_line < s_line else s_src
            table.also_used[max(b_line, s_line)] = min(b_line, s_line)
            cells = {"id": f"okx-{tag}-{trade_id}", "timestamp": when, "wallet": self.wallet,
                     "note": f"OKX spot trade {trade_id} ({table.file} rows {min(b_line, s_line)}, "
                             f"{max(b_line, s_line)})"}
            cells.update(trade_cells(give, give_qty, get, get_qty))
            fee_leg = (get_fee, get) if get_fee else (give_fee, give) if give_fee else None
            if fee_leg is not None:
                cells.update(fee_amount=fmt_decimal(fee_leg[0]), fee_currency=fee_leg[1])
            out.append((first, generic_row(**cells)))
            priced = trade_price(give, give_qty, get, get_qty)
            if priced is not None:
                table.prices.append(PriceObservation(first, *priced, when))
        return out, problems, unsupported


class OkxFunding(Importer):
    name = "okx-funding"
    title = "OKX funding account history"
    required = ("id", "Time", "Type", "Amount", "Fee", "Symbol")
    wallet = "OKX"

    def convert(self, table: Table) -> tuple[list[tuple[SourceRef, dict[str, str]]], list[Problem], list[Problem]]:
        out: list[tuple[SourceRef, dict[str, str]]] = []
        problems: list[Problem] = []
        unsupported: list[Problem] = []
        tag = file_tag(table.file)
        for line, row in table.rows:
            src = SourceRef(file=table.file, row=line)
            kind = row["Type"].strip().lower()
            if kind in _INTERNAL_FUNDING:
                table.internal.append((src, f"OKX {row['Type'].strip()}: a move within the OKX account"))
                continue
            if kind not in {"deposit", "withdrawal", "staking yield", "fee rebate"}:
                unsupported.append(Problem("unsupported_row", f"OKX funding type {row['Type'][:40]!r} is not imported",
                                           src, "Type"))
                continue
            mine: list[Problem] = []
            moment = parse_instant(row["Time"], src, "Time", mine, zone=OKX_NAIVE_ZONE)
            amount = parse_number(row["Amount"], src, "Amount", mine)
            fee = parse_number(row["Fee"] or "0", src, "Fee", mine)
            asset = row["Symbol"].strip().upper()
            if not asset:
                mine.append(Problem("missing_field", "Symbol is empty", src, "Symbol"))
            if amount is not None and amount == 0:
                mine.append(Problem("non_positive", "an amount of zero", src, "Amount"))
            if mine or moment is None or amount is None or fee is None:
                problems.extend(mine)
                continue
            if kind in {"deposit", "withdrawal"}:
                table.movements.append(Movement(src, "in" if kind == "deposit" else "out", moment, asset,
                                                amount.copy_abs(), fee.copy_abs() if kind == "withdrawal" and fee
                                                else None, "", self.wallet, f"OKX {kind} {row['id']}"))
                continue
            out.append((src, generic_row(
                id=f"okx-{tag}-r{line}", timestamp=moment.isoformat(), kind="receipt",
                subtype="staking" if kind == "staking yield" else "airdrop", asset=asset,
                quantity=fmt_decimal(amount.copy_abs()), wallet=self.wallet,
                note=f"OKX {row['Type'].strip()} ({table.file} row {line})")))
        return out, problems, unsupported
