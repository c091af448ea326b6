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
import dataclasses
import gc
import io
import itertools
import operator
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import IO

from ..models.common import MAX_AMOUNT, MAX_QUANTITY, MAX_YEAR, MIN_YEAR
from ..models.events import ReceiptType
from .loaders import COLUMNS_BY_KIND, CSV_COLUMNS

__all__ = ["FastLedger", "read_fast", "K_ACQ", "K_DISP", "K_SWAP", "K_FEE", "K_TRANSFER", "K_RECEIPT"]

K_ACQ, K_DISP, K_SWAP, K_FEE, K_TRANSFER, K_RECEIPT = range(6)
_KINDS = {"acquisition": K_ACQ, "disposal": K_DISP, "swap": K_SWAP, "fee": K_FEE, "transfer": K_TRANSFER,
          "receipt": K_RECEIPT}
_RANK = {K_ACQ: 0, K_RECEIPT: 0, K_SWAP: 1, K_TRANSFER: 2, K_DISP: 3, K_FEE: 3}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
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




def _code(text: str, cache: dict[str, str]) -> str:
    found = cache.get(text)
    if found is None:
        t = text.strip()
        if not t or len(t) > 40 or any(ch.isspace() for ch in t):
            raise _Unsupported
        found = cache[text] = t.upper()
    return found




@dataclass(slots=True)
class FastLedger:
    """Validated events as columns, in the ledger's processing order.

    For a ``fee`` row ``assets``/``quantities`` hold the fee's currency and amount and ``amounts`` its
    stated value (None for a fiat fee). ``fees`` is the HKD fee of an acquisition, disposal or swap.
    """

    ids: list[str]
    kinds: list[int]
    timestamps: list[datetime]
    assets: list[str]
    quantities: list[Decimal | None]
    amounts: list[Decimal | None]
    fees: list[Decimal]
    counter_assets: list[str]
    counter_quantities: list[Decimal | None]
    tokens: set[str]
    rows: Sequence[int] = dataclasses.field(default_factory=list)  # 1-based file row of each event
    subtypes: list[str] = dataclasses.field(default_factory=list)  # receipt type of receipt rows, else ""
    file: str = "<csv>"

    def __len__(self) -> int:
        return len(self.ids)


def read_fast(path: str | Path | None = None, *, text: str | None = None, file: str | None = None,
              chunk: int = 100_000) -> FastLedger | None:
    """Read a generic CSV ledger; None when the reference path must be used (unsupported or invalid)."""
    name = file or (str(path) if path is not None else "<csv>")
    enabled = gc.isenabled()
    gc.disable()  # the reader makes millions of acyclic objects: the cycle collector would rescan them
    try:
        if text is None:
            assert path is not None
            with open(path, encoding="utf-8-sig", newline="") as fh:  # the reference's decoding
                text = fh.read()
        if '"' in text or "\r" in text:  # quoting or CR line ends: the csv module's rules
            return _read(_csv_chunks(io.StringIO(text, newline=""), chunk), name, chunk)
        return _read(_split_chunks(text, chunk), name, chunk)
    except (_Unsupported, StopIteration, csv.Error, ValueError, ArithmeticError, TypeError, OSError,
            UnicodeDecodeError):
        return None
    finally:
        if enabled:
            gc.enable()


_DIGITS_TO_ZERO = str.maketrans("123456789", "000000000")
# the shapes a timestamp may have, digits written as 0: YYYY-MM-DDTHH:MM:SS[.f{1,6}](Z|±HH:MM)
_TS_SHAPES = frozenset(f"0000-00-00T00:00:00{frac}{zone}" for frac in ["", *("." + "0" * k for k in range(1, 7))]
                       for zone in ("Z", "+00:00", "-00:00"))
_PLACES = re.compile(r"\.\d{19}")
_SPACE_AT_EDGE = re.compile(r"(?:^|\n)[^\S\n]|[^\S\n](?:\n|$)")  # white space (not a newline) at a cell's edge
# which kinds need each column (an empty required cell is an error the reference reports)
_NEEDS: dict[str, set[int]] = {
    "quantity": {K_ACQ, K_DISP, K_SWAP, K_TRANSFER, K_RECEIPT}, "amount": {K_ACQ, K_DISP, K_SWAP, K_RECEIPT},
    "asset": {K_ACQ, K_DISP, K_SWAP, K_TRANSFER, K_RECEIPT}, "counter_asset": {K_SWAP},
    "counter_quantity": {K_SWAP}, "fee_amount": {K_FEE}, "wallet": {K_TRANSFER}, "to_wallet": {K_TRANSFER},
    "subtype": {K_RECEIPT},
}


def _codes(cells: tuple[str, ...], cache: dict[str, str], empty: str) -> list[str]:
    """A code column: each distinct value validated once, then mapped at C speed."""
    mapping = {v: (_code(v, cache) if v else empty) for v in set(cells)}
    if all(k == v for k, v in mapping.items()):
        return list(cells)  # every value is already a valid code as written
    return list(map(mapping.__getitem__, cells))


def _picker(indices: list[int]) -> Callable[[tuple[str, ...]], tuple[str, ...]]:
    """A function returning the cells at ``indices`` of a column, as a tuple (at C speed)."""
    if not indices:
        return lambda cells: ()
    if len(indices) == 1:
        only = indices[0]
        return lambda cells: (cells[only],)
    return operator.itemgetter(*indices)


def _decimals(cells: tuple[str, ...], limit: Decimal, positive: bool) -> list[Decimal | None]:
    """A numeric column: digits and at most one point per cell (checked for the whole column at once)."""
    if not any(cells):
        return [None] * len(cells)  # an empty column (e.g. no fee in this chunk)
    joined = "\n".join(cells)
    digits = joined.replace("\n", "")
    if digits and not (digits.isascii() and digits.replace(".", "").isdigit()):
        raise _Unsupported  # signs, exponents, separators, spaces …: let the reference judge them
    if max(map(len, cells)) > 19 and _PLACES.search(joined):
        raise _Unsupported  # more than 18 places as written (the reference normalises: it decides)
    if "" not in cells:
        values: list[Decimal | None] = list(map(Decimal, cells))  # "1.2.3" raises: the reference judges it
        present: list[Decimal] = values  # type: ignore[assignment]
    else:
        values = [Decimal(c) if c else None for c in cells]
        # the parsed cells (a non-empty string is true), none of them None
        present = list(itertools.compress(values, cells))  # type: ignore[arg-type]
    if present and (max(present) > limit or (positive and min(present) == 0)):
        raise _Unsupported
    return values


Chunks = Iterator[tuple[int, int, list[tuple[str, ...]]]]  # (first row, row count, columns), rows from 1


def _csv_chunks(stream: IO[str], chunk: int) -> tuple[list[str], Chunks]:
    """Columns by the csv module (any quoting)."""
    reader = csv.reader(stream)
    header = next(reader)
    width = len(header)

    def chunks() -> Chunks:
        line = 1
        while True:
            rows = list(itertools.islice(reader, chunk))
            if not rows:
                return
            first = line + 1
            line = reader.line_num
            if set(map(len, rows)) != {width}:
                raise _Unsupported  # short, long or blank rows: the reference reports or skips them
            if line - first + 1 != len(rows):
                raise _Unsupported  # a quoted newline: row numbers differ from line numbers
            yield first, len(rows), list(zip(*rows, strict=True))

    return header, chunks()


_COUNT_COMMAS = operator.methodcaller("count", ",")


def _split_chunks(text: str, chunk: int) -> tuple[list[str], Chunks]:
    """Columns by splitting at newlines and commas: the csv module's rows for a text with no quote and no CR.

    A chunk of lines is joined into one comma-separated string and split once; every line having exactly
    ``width - 1`` commas, column ``i`` is then the slice ``cells[i::width]`` — no row lists, no transpose.
    """
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines:
        raise _Unsupported
    header = lines[0].split(",")
    width = len(header)

    def chunks() -> Chunks:
        for start in range(1, len(lines), chunk):
            part = lines[start:start + chunk]
            if set(map(_COUNT_COMMAS, part)) != {width - 1}:
                raise _Unsupported  # short, long or blank rows: the reference reports or skips them
            cells = ",".join(part).split(",")
            yield start + 1, len(part), [tuple(cells[i::width]) for i in range(width)]

    return header, chunks()


def _read(source: tuple[list[str], Chunks], name: str, chunk: int) -> FastLedger:
    raw_header, chunks = source
    header = [h.strip().lower() for h in raw_header]
    if len(set(header)) != len(header) or any(h not in CSV_COLUMNS for h in header) \
            or "timestamp" not in header or "kind" not in header:
        raise _Unsupported
    width = len(header)
    base = Path(name).name
    codes: dict[str, str] = {}
    out = FastLedger([], [], [], [], [], [], [], [], [], set(), [], [], name)
    for first_line, n, columns in chunks:
        if len(columns) != width:
            raise _Unsupported
        cols = dict(zip(header, columns, strict=True))
        del columns
        blank = ("",) * n

        try:
            kinds = list(map(_KINDS.__getitem__, cols["kind"]))
        except KeyError:
            raise _Unsupported from None  # an unknown or unsupported kind: the reference judges it
        kind_set = set(kinds)
        # the rows of each kind, once: each column is then checked only on the rows whose kind matters
        rows_of = {k: _picker(list(itertools.compress(range(n), map(k.__eq__, kinds)))) for k in kind_set}
        for c in CSV_COLUMNS:
            if c in ("id", "timestamp", "kind"):
                continue
            cells = cols.get(c)
            need = _NEEDS.get(c, set()) & kind_set
            if cells is None:
                if need:
                    raise _Unsupported
                continue
            for k in kind_set:
                if c not in _ALLOWED[k] and any(rows_of[k](cells)):
                    raise _Unsupported  # a column the kind does not use is filled
            for k in need:
                if not all(rows_of[k](cells)):
                    raise _Unsupported  # a required column is empty
        id_cells = cols.get("id", blank)
        if _SPACE_AT_EDGE.search("\n".join(id_cells)):
            raise _Unsupported  # an id with leading or trailing white space (the reference strips it)
        ids = [i or f"{base}:{first_line + k}" for k, i in enumerate(id_cells)] if "" in id_cells else list(id_cells)
        if max(map(len, ids)) > 200:
            raise _Unsupported
        ts_cells = cols["timestamp"]
        if not set("\n".join(ts_cells).translate(_DIGITS_TO_ZERO).split("\n")) <= _TS_SHAPES:
            raise _Unsupported  # the shape of the whole column at once, then the C parser checks ranges
        stamps = list(map(datetime.fromisoformat, ts_cells))
        if min(stamps).year < MIN_YEAR or max(stamps).year > MAX_YEAR:
            raise _Unsupported  # out of the accepted years: the reference reports bad_timestamp
        assets = _codes(cols.get("asset", blank), codes, "")
        asset_codes = set(assets)
        counter = _codes(cols.get("counter_asset", blank), codes, "")
        is_swap = list(map(K_SWAP.__eq__, kinds)) if K_SWAP in kind_set else []
        if is_swap and any(map(operator.eq, itertools.compress(assets, is_swap), itertools.compress(counter, is_swap))):
            raise _Unsupported  # a swap of an asset for itself
        for cur in set(cols.get("currency", ())) - {""}:
            if _code(cur, codes) != "HKD":
                raise _Unsupported
        fee_currency = _codes(cols.get("fee_currency", blank), codes, "HKD")
        qty = _decimals(cols.get("quantity", blank), MAX_QUANTITY, True)
        amount = _decimals(cols.get("amount", blank), MAX_AMOUNT, False)
        cqty = _decimals(cols.get("counter_quantity", blank), MAX_QUANTITY, True)
        famt = _decimals(cols.get("fee_amount", blank), MAX_AMOUNT, True)
        fval = _decimals(cols.get("fee_value", blank), MAX_AMOUNT, False)
        if K_RECEIPT in kind_set and not set(
                itertools.compress(cols["subtype"], map(K_RECEIPT.__eq__, kinds))) <= _RECEIPT_TYPES:
            raise _Unsupported
        if K_TRANSFER in kind_set:
            pick = rows_of[K_TRANSFER]
            for f, t in zip(pick(cols["wallet"]), pick(cols["to_wallet"]), strict=True):
                if f != f.strip() or t != t.strip() or f == t:
                    raise _Unsupported
        is_fee = list(map(K_FEE.__eq__, kinds)) if K_FEE in kind_set else []
        trade_fee_currencies = set(itertools.compress(fee_currency, famt))  # rows with a fee amount …
        if is_fee:  # … other than fee rows, whose fee may be in a token
            trade_fee_currencies = set(itertools.compress(
                fee_currency, map(operator.and_, map(bool, famt), map(operator.not_, is_fee))))
        if trade_fee_currencies - {"HKD"}:
            raise _Unsupported  # a fee in a token or a foreign currency on a trade: reference path
        # an HKD fee adds to cost or reduces proceeds; Decimal 0 + x is x, digit for digit
        fees = [_ZERO if fa is None else fa for fa in famt]
        for i in itertools.compress(range(n), is_fee):  # fee rows: the fee's currency, amount and value
            assets[i], qty[i], amount[i], fees[i] = fee_currency[i], famt[i], fval[i], _ZERO
        out.ids += ids
        if not out.rows:  # rows are consecutive lines (a quoted newline is refused): a range, not a million ints
            out.rows = range(first_line, first_line + n)
        else:
            assert isinstance(out.rows, range) and out.rows.stop == first_line
            out.rows = range(out.rows.start, first_line + n)
        out.subtypes += cols.get("subtype", blank)
        out.kinds += kinds
        out.timestamps += stamps
        out.assets += assets
        out.quantities += qty
        out.amounts += amount
        out.fees += fees
        out.counter_assets += counter
        out.counter_quantities += cqty
        out.tokens.update(asset_codes)  # the asset column before fee rows borrowed it (fee rows leave it empty)
        out.tokens.update(counter)
    out.tokens.discard("")
    if len(set(out.ids)) != len(out.ids):
        raise _Unsupported  # duplicate ids
    tokens = out.tokens
    if "HKD" in tokens:
        raise _Unsupported  # HKD used as a token changes how fees are read: the reference decides
    fee_rows = list(map(K_FEE.__eq__, out.kinds))
    for a, v in zip(itertools.compress(out.assets, fee_rows), itertools.compress(out.amounts, fee_rows), strict=True):
        if (a in tokens and v is None) or (a not in tokens and a != "HKD"):
            raise _Unsupported  # a token fee without a value needs a price; a foreign fee needs a rate
    _order(out)
    return out


def _order(led: FastLedger) -> None:
    """Put events in the ledger's order (instant, kind rank, id) unless they already are."""
    ts = led.timestamps
    if all(map(operator.lt, ts[:-1], ts[1:])):
        return
    us = [(t - _EPOCH) // _US for t in ts]
    kinds, ids = led.kinds, led.ids
    order = sorted(range(len(ts)), key=lambda i: (us[i], _RANK[kinds[i]], ids[i]))
    for name in ("ids", "kinds", "timestamps", "assets", "quantities", "amounts", "fees", "counter_assets",
                 "counter_quantities", "rows", "subtypes"):
        column = getattr(led, name)
        setattr(led, name, [column[i] for i in order])
