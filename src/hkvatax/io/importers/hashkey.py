"""HashKey Exchange (Hong Kong, SFC-licensed) fund statement, as CSV.

HashKey Exchange documents its fund statement (``GET /api/v1/account/balanceFlow``, "Get Fund
Statement") with the fields ``id, accountId, type, netBaseAmount, baseCcy, netQuoteAmount, quoteCcy,
direction, fee, feeCcy, clientOrderId, orderId, tradeId, transactTime`` for trades; this importer reads
those fields as CSV columns (required: ``id, type, transactTime, baseCcy, netBaseAmount``; the rest as
a row needs them). ``type``:

* ``trade`` — ``netBaseAmount`` (+ bought, − sold) of ``baseCcy`` against ``netQuoteAmount`` of
  ``quoteCcy`` (USD, HKD, USDT …); fee ``fee`` in ``feeCcy``. A fiat quote → acquisition or disposal,
  a token quote → swap. The price (|quote| / |base|, when exact) is kept as an observation.
* ``deposit`` / ``withdraw`` — a movement of ``|netBaseAmount|`` of ``baseCcy`` (our reading: the
  documentation gives these types but not their fields), fee ``fee`` in ``feeCcy``, hash ``txId``;
  ``fiatDeposit`` / ``fiatWithdraw`` likewise (fiat: no virtual-asset event).
* ``transfer`` — between HashKey sub-accounts: internal. ``reversal``, ``refund`` and anything else:
  ``unsupported_row``.

``transactTime`` is epoch milliseconds (as the API returns it) or ISO 8601; an ISO time without an
offset is Hong Kong time (the platform's zone).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
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

__all__ = ["HashKeyStatement"]

_HKT = timezone(timedelta(hours=8))
_MOVES = {"deposit": "in", "fiatdeposit": "in", "withdraw": "out", "fiatwithdraw": "out"}


def _time(text: str, src: SourceRef, problems: list[Problem]) -> datetime | None:
    raw = text.strip()
    if raw.isdigit() and 9 <= len(raw) <= 14:
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=int(raw))
    return parse_instant(raw, src, "transactTime", problems, zone=_HKT)


class HashKeyStatement(Importer):
    name = "hashkey"
    title = "HashKey Exchange fund statement"
    required = ("id", "type", "transactTime", "baseCcy", "netBaseAmount")
    wallet = "HashKey Exchange"

    def convert(self, table: Table) -> tuple[list[tuple[SourceRef, dict[str, str]]], list[Problem], list[Problem]]:
        out: list[tuple[SourceRef, dict[str, str]]] = []
        problems: list[Problem] = []
        unsupported: list[Problem] = []
        tag = file_tag(table.file)
        for line, row in table.rows:
            src = SourceRef(file=table.file, row=line)
            kind = row["type"].strip().lower()
            if kind == "transfer":
                table.internal.append((src, "HashKey transfer between sub-accounts"))
                continue
            if kind != "trade" and kind not in _MOVES:
                unsupported.append(Problem("unsupported_row", f"HashKey statement type {row['type'][:30]!r} is not "
                                           "imported", src, "type"))
                continue
            mine: list[Problem] = []
            moment = _time(row["transactTime"], src, mine)
            base = row["baseCcy"].strip().upper()
            net_base = parse_number(row["netBaseAmount"], src, "netBaseAmount", mine)
            fee_text = row.get("fee", "").strip()
            fee = parse_number(fee_text, src, "fee", mine) if fee_text else Decimal(0)
            fee_ccy = row.get("feeCcy", "").strip().upper()
            if not base:
                mine.append(Problem("missing_field", "baseCcy is empty", src, "baseCcy"))
            if net_base is not None and net_base == 0:
                mine.append(Problem("non_positive", "netBaseAmount is zero", src, "netBaseAmount"))
            if fee is not None and fee != 0 and not fee_ccy:
                mine.append(Problem("missing_field", "a fee needs its currency (feeCcy)", src, "feeCcy"))
            quote, net_quote = "", None
            if kind == "trade":
                quote = row.get("quoteCcy", "").strip().upper()
                net_quote = parse_number(row.get("netQuoteAmount", ""), src, "netQuoteAmount", mine)
                if not quote:
                    mine.append(Problem("missing_field", "a trade needs quoteCcy", src, "quoteCcy"))
                if net_base is not None and net_quote is not None and (net_base > 0) == (net_quote > 0):
                    mine.append(Problem("invalid_field", "netBaseAmount and netQuoteAmount must have opposite signs",
                                        src, "netQuoteAmount"))
            if mine or moment is None or net_base is None or fee is None:
                problems.extend(mine)
                continue
            fee = fee.copy_abs()
            if kind in _MOVES:
                direction = _MOVES[kind]
                if (net_base > 0) != (direction == "in"):
                    problems.append(Problem("invalid_field", f"a {kind} with netBaseAmount {net_base}", src,
                                            "netBaseAmount"))
                    continue
                stated = fee if direction == "out" and fee and fee_ccy == base else None
                table.movements.append(Movement(src, "in" if direction == "in" else "out", moment, base,
                                                net_base.copy_abs(), stated, row.get("txId", "").strip(),
                                                self.wallet, f"HashKey {kind} {row['id']}"))
                continue
            assert net_quote is not None
            buy = net_base > 0
            base_qty, quote_qty = net_base.copy_abs(), net_quote.copy_abs()
            give, give_qty, get, get_qty = (quote, quote_qty, base, base_qty) if buy else (base, base_qty, quote,
                                                                                          quote_qty)
            cells = {"id": f"hashkey-{tag}-{row['id'].strip() or line}", "timestamp": moment.isoformat(),
                     "wallet": self.wallet, "note": f"HashKey {'buy' if buy else 'sell'} {base}/{quote} "
                                                    f"({table.file} row {line})"}
            cells.update(trade_cells(give, give_qty, get, get_qty))
            if fee:
                cells.update(fee_amount=fmt_decimal(fee), fee_currency=fee_ccy)
            out.append((src, generic_row(**cells)))
            priced = trade_price(give, give_qty, get, get_qty)
            if priced is not None:
                table.prices.append(PriceObservation(src, *priced, moment.isoformat()))
        return out, problems, unsupported
