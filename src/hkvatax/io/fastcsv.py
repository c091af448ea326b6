"""A fast, column-validating reader for large generic CSV ledgers (docs/decisions/0030-fast-path.md).

The reference reader (:func:`hkvatax.io.loaders.read_csv_events`) builds one pydantic model per row,
about 17 µs a row. This reader checks the same rules column by column with plain string and
``Decimal`` operations and keeps each event as a small tuple, for the common shape of a large ledger:

* kinds ``acquisition``, ``disposal``, ``swap``, ``fee``, ``transfer``, ``receipt``;
* amounts in HKD (no rates needed); swap and receipt values stated; token fees only on ``fee`` rows;
* ISO 8601 timestamps with an offset; plain decimal numbers (digits and one point).

Anything else — any row it cannot *prove* valid and supported, whether it is an error or merely an
unusual but valid input (a ``lots`` column, an ``offshore`` flag, a foreign currency, a naive
timestamp, ``1,000.5``) — makes :func:`read_fast` return ``None``, and the caller uses the reference
path, which then produces the result or the exact problems the reference produces. The fast reader
therefore never reports a problem of its own: its errors are the reference path's by construction.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from ..models.common import MAX_AMOUNT, MAX_DECIMALS, MAX_QUANTITY
from ..models.events import ReceiptType
from .loaders import COLUMNS_BY_KIND, CSV_COLUMNS

__all__ = ["FastLedger", "read_fast", "K_ACQ", "K_DISP", "K_SWAP", "K_FEE", "K_TRANSFER", "K_RECEIPT"]

K_ACQ, K_DISP, K_SWAP, K_FEE, K_TRANSFER, K_RECEIPT = range(6)
_KINDS = {"acquisition": K_ACQ, "disposal": K_DISP, "swap": K_SWAP, "fee": K_FEE, "transfer": K_TRANSFER,
          "receipt": K_RECEIPT}
_RANK = {K_ACQ: 0, K_RECEIPT: 0, K_SWAP: 1, K_TRANSFER: 2, K_DISP: 3, K_FEE: 3}
_TS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?(Z|[+-]\d\d:\d\d)\Z")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_RECEIPT_TYPES = {t.value for t in ReceiptType}
_ZERO = Decimal(0)
# columns a supported kind may fill (beyond id, timestamp, kind); everything else must be empty
_ALLOWED: dict[int, frozenset[str]] = {
    K_ACQ: frozenset({"asset", "quantity", "amount", "currency", "wallet", "note", "fee_amount", "fee_currency"}),
    K_DISP: frozenset({"asset", "quantity", "amount", "currency", "wallet", "note", "fee_amount", "fee_currency"}),
    K_SWAP: frozenset({"asset", "quantity", "counter_asset", "counter_quantity", "amount", "currency", "wallet",
                       "note", "fee_amount", "fee_currency"}),
    K_FEE: frozenset({"wallet", "note", "fee_amount", "fee_currency", "fee_value"}),
    K_TRANSFER: frozenset({"asset", "quantity", "wallet", "to_wallet", "note"}),
    K_RECEIPT: frozenset({"asset", "quantity", "amount", "currency", "subtype", "wallet", "note"}),
}
for _k, _cols in _ALLOWED.items():  # the fast path never allows a column the reference would refuse
    _name = next(n for n, v in _KINDS.items() if v == _k)
    assert _cols <= set(COLUMNS_BY_KIND[_name]) | {"fee_amount", "fee_currency", "fee_value"}, _name


class _Unsupported(Exception):
    """This input is not provably valid and supported: use the reference path."""


@dataclass(slots=True)
class FastLedger:
    """Validated events as tuples, in the ledger's processing order.

    Each event: ``(at_us, rank, id, kind, asset, quantity, amount, fees_hkd, counter_asset,
    counter_quantity, timestamp)``; for a ``fee`` row ``asset``/``quantity`` are the fee's currency
    and amount and ``amount`` its stated value (None for a fiat fee).
    """

    events: list[tuple]  # type: ignore[type-arg]
    tokens: set[str]


def _code(text: str, cache: dict[str, str]) -> str:
    found = cache.get(text)
    if found is None:
        t = text.strip()
        if not t or len(t) > 40 or any(ch.isspace() for ch in t):
            raise _Unsupported
        found = cache[text] = t.upper()
    return found


def _number(text: str, limit: Decimal, *, positive: bool) -> Decimal:
    t = text.strip()
    if not (t.isascii() and t.replace(".", "", 1).isdigit()):
        raise _Unsupported  # empty, signed, exponent, separators …: let the reference judge it
    d = Decimal(t)
    if d > limit or (positive and d == 0) or d.as_tuple().exponent < -MAX_DECIMALS:  # type: ignore[operator]
        raise _Unsupported
    return d


def read_fast(path: str | Path | None = None, *, text: str | None = None, file: str | None = None) -> FastLedger | None:
    """Read a generic CSV ledger; None when the reference path must be used (unsupported or invalid)."""
    name = file or (str(path) if path is not None else "<csv>")
    if text is None:
        assert path is not None
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            return None
    try:
        return _read(text, name)
    except (_Unsupported, csv.Error, ValueError, ArithmeticError):
        return None


def _read(text: str, name: str) -> FastLedger:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in next(reader)]
    if len(set(header)) != len(header) or any(h not in CSV_COLUMNS for h in header) \
            or "timestamp" not in header or "kind" not in header:
        raise _Unsupported
    width = len(header)
    pos = {c: header.index(c) if c in header else width for c in CSV_COLUMNS}  # absent → the padding cell
    i_id, i_ts, i_kind = pos["id"], pos["timestamp"], pos["kind"]
    i_asset, i_qty, i_amount, i_cur = pos["asset"], pos["quantity"], pos["amount"], pos["currency"]
    i_casset, i_cqty, i_wallet, i_to = pos["counter_asset"], pos["counter_quantity"], pos["wallet"], pos["to_wallet"]
    i_famt, i_fcur, i_fval, i_sub = pos["fee_amount"], pos["fee_currency"], pos["fee_value"], pos["subtype"]
    forbidden = {k: tuple(sorted({pos[c] for c in CSV_COLUMNS if c not in cols and c not in ("id", "timestamp", "kind")}
                                 - {width}))
                 for k, cols in _ALLOWED.items()}
    base = Path(name).name
    codes: dict[str, str] = {}
    events: list[tuple] = []  # type: ignore[type-arg]
    tokens: set[str] = set()
    fee_codes: set[str] = set()
    ids: set[str] = set()
    kinds = _KINDS
    ts_match = _TS.match
    fromiso = datetime.fromisoformat
    epoch = _EPOCH
    us = 1_000_000
    prev = (-(2**63), -1, "")
    ordered = True
    number = _number
    for cells in reader:
        line = reader.line_num
        if len(cells) != width:
            if not cells or all(not c.strip() for c in cells):
                continue
            raise _Unsupported
        kind_text = cells[i_kind].strip().lower()
        kind = kinds.get(kind_text)
        if kind is None:
            if not kind_text and all(not c.strip() for c in cells):
                continue
            raise _Unsupported
        cells.append("")
        for i in forbidden[kind]:
            if cells[i] and cells[i].strip():
                raise _Unsupported
        eid = cells[i_id].strip() or f"{base}:{line}"
        if len(eid) > 200 or eid in ids:
            raise _Unsupported
        ids.add(eid)
        ts_text = cells[i_ts].strip()
        if ts_match(ts_text) is None:
            raise _Unsupported
        ts = fromiso(ts_text)
        delta = ts - epoch
        at_us = (delta.days * 86_400 + delta.seconds) * us + delta.microseconds
        fees = _ZERO
        famt = cells[i_famt]
        fcur = cells[i_fcur]
        if kind == K_FEE:
            asset = _code(fcur, codes) if fcur.strip() else "HKD"
            qty = number(famt, MAX_AMOUNT, positive=True)
            fval = cells[i_fval]
            amount = number(fval, MAX_AMOUNT, positive=False) if fval.strip() else None
            fee_codes.add(asset)
            events.append((at_us, 3, eid, kind, asset, qty, amount, fees, None, None, ts))
        else:
            if (famt and famt.strip()) or (fcur and fcur.strip()):
                if kind == K_TRANSFER or kind == K_RECEIPT:
                    raise _Unsupported
                if (_code(fcur, codes) if fcur.strip() else "HKD") != "HKD":
                    raise _Unsupported
                fees = fees + number(famt, MAX_AMOUNT, positive=True)
            asset = _code(cells[i_asset], codes)
            qty = number(cells[i_qty], MAX_QUANTITY, positive=True)
            tokens.add(asset)
            if kind == K_TRANSFER:
                frm, to = cells[i_wallet].strip(), cells[i_to].strip()
                if not frm or not to or frm == to:
                    raise _Unsupported
                amount = None
            else:
                cur = cells[i_cur]
                if cur.strip() and _code(cur, codes) != "HKD":
                    raise _Unsupported
                amount = number(cells[i_amount], MAX_AMOUNT, positive=False)
            casset = cqty = None
            if kind == K_SWAP:
                casset = _code(cells[i_casset], codes)
                cqty = number(cells[i_cqty], MAX_QUANTITY, positive=True)
                if casset == asset:
                    raise _Unsupported
                tokens.add(casset)
            elif kind == K_RECEIPT and cells[i_sub].strip() not in _RECEIPT_TYPES:
                raise _Unsupported
            events.append((at_us, _RANK[kind], eid, kind, asset, qty, amount, fees, casset, cqty, ts))
        if ordered:
            key = events[-1][:3]
            if key[0] <= prev[0] and key < prev:
                ordered = False
            prev = key
    if "HKD" in tokens:
        raise _Unsupported  # HKD used as a token changes how fees are read: the reference decides
    for code in fee_codes:
        if code not in tokens and code != "HKD":
            raise _Unsupported  # a fee in a foreign currency needs a rate
    for e in events:
        if e[3] == K_FEE and e[4] in tokens and e[6] is None:
            raise _Unsupported  # a token fee without a value needs a price
    if not ordered:
        events.sort(key=lambda e: (e[0], e[1], e[2]))
    return FastLedger(events, tokens)
