"""Kraken ledger export ("History → Export → Ledgers").

Columns: ``txid, refid, time, type, subtype, aclass, asset, amount, fee, balance`` (newer exports add
``subclass``, ``wallet`` and others, which are ignored). Every row is one balance change of one asset;
``amount`` is signed and ``fee`` is charged on top, in the row's asset. Time is UTC.

* ``trade``, ``spend``, ``receive`` rows sharing a ``refid`` are the two legs of one exchange: one
  debit, one credit. A fiat leg makes it an acquisition or a disposal, two token legs a swap; two fiat
  legs (a currency conversion) are reported as unsupported. A leg that is missing or doubled is an error
  of those rows only; the rest of the file is imported. Where the two legs divide exactly (at most 18
  decimal places) the trade's price is kept as a price observation ("the trade itself").
* ``staking`` credits (and ``earn`` rows of subtype ``reward``) are staking receipts (value from the
  price table).
* ``deposit`` and ``withdrawal`` rows are movements (paired into transfers by ``import_sources``);
  ``transfer`` rows between Kraken's own sub-accounts (spot ↔ staking) are internal; margin, rollover
  and other types are reported as ``unsupported_row``.

Kraken's asset codes are normalised: ``XXBT``/``XBT`` → BTC, ``XXDG``/``XDG`` → DOGE, the legacy ``X``/``Z``
prefixes (``XETH``, ``ZUSD``) are dropped, and staking suffixes (``DOT.S``, ``ETH2.S``, ``USD.M``) removed.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from ...errors import Problem, SourceRef
from .base import (
    FIAT,
    Importer,
    Movement,
    PriceObservation,
    Table,
    fmt_decimal,
    generic_row,
    parse_number,
    parse_utc,
    trade_cells,
    trade_price,
)

__all__ = ["KrakenLedger", "kraken_asset"]

_LEGACY = {
    "XXBT": "BTC", "XBT": "BTC", "XXDG": "DOGE", "XDG": "DOGE", "XETH": "ETH", "XETC": "ETC", "XLTC": "LTC",
    "XXRP": "XRP", "XXLM": "XLM", "XXMR": "XMR", "XZEC": "ZEC", "XREP": "REP", "XMLN": "MLN", "XXTZ": "XTZ",
    "ZUSD": "USD", "ZEUR": "EUR", "ZGBP": "GBP", "ZJPY": "JPY", "ZCAD": "CAD", "ZAUD": "AUD", "ZCHF": "CHF",
}
_SUFFIXES = (".S", ".M", ".P", ".F", ".B", ".HOLD")
_PAIRED = {"trade", "spend", "receive"}


def kraken_asset(code: str) -> str:
    """Kraken's asset code as a common ticker.

    Examples:
        >>> kraken_asset("XXBT"), kraken_asset("ZUSD"), kraken_asset("ETH.S")
        ('BTC', 'USD', 'ETH')
    """
    text = code.strip().upper()
    for suffix in _SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
            break
    return _LEGACY.get(text, text)


class KrakenLedger(Importer):
    name = "kraken"
    title = "Kraken ledger export"
    required = ("txid", "refid", "time", "type", "asset", "amount", "fee")
    wallet = "Kraken"

    def convert(self, table: Table) -> tuple[list[tuple[SourceRef, dict[str, str]]], list[Problem], list[Problem]]:
        out: list[tuple[SourceRef, dict[str, str]]] = []
        problems: list[Problem] = []
        unsupported: list[Problem] = []
        legs: dict[str, list[tuple[int, SourceRef, str, str, Decimal, Decimal]]] = {}
        seen_txid: dict[str, int] = {}
        for line, row in table.rows:
            src = SourceRef(file=table.file, row=line)
            mine: list[Problem] = []
            txid = row["txid"].strip()
            kind = row["type"].strip().lower()
            subtype = row.get("subtype", "").strip().lower()
            if not txid:
                unsupported.append(Problem(
                    "unsupported_row", f"a {kind or 'blank'} row with no txid (Kraken lists a pending deposit or "
                    "withdrawal once more without one)", src, "txid", "check it has a twin row with a txid"))
                continue
            if txid in seen_txid:
                problems.append(Problem("duplicate_id", f"txid {txid[:60]!r} appears again (first at row "
                                        f"{seen_txid[txid]})", src, "txid", "export each period once"))
                continue
            seen_txid[txid] = line
            when = parse_utc(row["time"], src, "time", mine)
            asset = kraken_asset(row["asset"])
            amount = parse_number(row["amount"], src, "amount", mine)
            fee = parse_number(row["fee"] or "0", src, "fee", mine)
            if not asset:
                mine.append(Problem("missing_field", "the asset is empty", src, "asset"))
            if mine or when is None or amount is None or fee is None:
                problems.extend(mine)
                continue
            if fee < 0:
                problems.append(Problem("negative", f"fee {fee} is negative", src, "fee"))
                continue
            if kind in _PAIRED:
                refid = row["refid"].strip()
                if not refid:
                    problems.append(Problem("missing_field", f"a {kind} row needs its refid to find its other leg",
                                            src, "refid"))
                    continue
                legs.setdefault(refid, []).append((line, src, when, asset, amount, fee))
            elif kind == "staking" or (kind == "earn" and subtype == "reward"):
                if amount <= 0:
                    unsupported.append(Problem("unsupported_row", f"a {kind} row that is not a credit "
                                               f"({amount} {asset})", src, "amount"))
                    continue
                cells = generic_row(id=f"kraken-{txid}", timestamp=when, kind="receipt", subtype="staking",
                                    asset=asset, quantity=fmt_decimal(amount), wallet="Kraken",
                                    note=f"Kraken {kind} reward ({table.file} row {line})")
                if fee > 0:
                    cells.update(fee_amount=fmt_decimal(fee), fee_currency=asset)
                out.append((src, cells))
            elif kind in {"deposit", "withdrawal"} and amount != 0:
                table.movements.append(Movement(
                    src, "in" if amount > 0 else "out", datetime.fromisoformat(when), asset, amount.copy_abs(),
                    fee if amount < 0 else None, wallet=self.wallet, note=f"Kraken {kind} {txid}"))
            elif kind == "transfer" and subtype in {"spottostaking", "stakingfromspot", "stakingtospot",
                                                    "spotfromstaking", "spotfromfutures", "spottofutures"}:
                table.internal.append((src, f"Kraken internal transfer ({subtype}) within the account"))
            else:
                what = f"{kind}/{subtype}" if subtype else (kind or "blank")
                hint = ("record a move between your own wallets as a transfer, or a payment to someone else as a "
                        "payment, in a generic CSV ledger") if kind in {"deposit", "withdrawal", "transfer"} else None
                unsupported.append(Problem("unsupported_row", f"Kraken ledger type {what[:60]!r} is not imported",
                                           src, "type", hint))
        for refid, group in legs.items():
            out_leg = [g for g in group if g[4] < 0]
            in_leg = [g for g in group if g[4] > 0]
            if len(group) != 2 or len(out_leg) != 1 or len(in_leg) != 1:
                for _line, src, *_ in group:
                    problems.append(Problem(
                        "bad_row", f"refid {refid[:60]!r} has {len(group)} trade legs ({len(out_leg)} debit, "
                        f"{len(in_leg)} credit); a trade needs one of each; this row is not imported, the rest "
                        "of the file is", src, "refid",
                        "export a period that holds both legs of the trade, or state the trade in a generic CSV"))
                continue
            g_line, g_src, when, give, give_amount, give_fee = out_leg[0]
            r_line, r_src, _, get, get_amount, get_fee = in_leg[0]
            first = g_src if g_line < r_line else r_src
            table.also_used[max(g_line, r_line)] = min(g_line, r_line)
            note = f"Kraken trade {refid} ({table.file} rows {min(g_line, r_line)}, {max(g_line, r_line)})"
            cells = generic_row(id=f"kraken-{refid}", timestamp=when, wallet="Kraken", note=note)
            if give in FIAT and get in FIAT:
                for _line, src, *_ in (out_leg[0], in_leg[0]):
                    unsupported.append(Problem("unsupported_row", f"a conversion between two fiat currencies "
                                               f"({give} -> {get}) is not a virtual-asset event", src, "asset"))
                continue
            cells.update(trade_cells(give, give_amount.copy_negate(), get, get_amount))
            priced = trade_price(give, give_amount.copy_negate(), get, get_amount)
            if priced is not None:
                table.prices.append(PriceObservation(first, *priced, when))
            fees = [(f, a) for f, a in ((give_fee, give), (get_fee, get)) if f > 0]
            if fees:
                cells.update(fee_amount=fmt_decimal(fees[0][0]), fee_currency=fees[0][1])
            out.append((first, cells))
            if len(fees) > 1:
                out.append((first, generic_row(
                    id=f"kraken-{refid}-fee2", timestamp=when, kind="fee", wallet="Kraken",
                    fee_amount=fmt_decimal(fees[1][0]), fee_currency=fees[1][1], note=f"second fee of {note}")))
        return out, problems, unsupported
