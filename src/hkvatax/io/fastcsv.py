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
from typing import IO, Any

from ..models.common import MAX_AMOUNT, MAX_QUANTITY, MAX_YEAR, MIN_YEAR
from ..models.events import ReceiptType
from .loaders import COLUMNS_BY_KIND, CSV_COLUMNS

__all__ = ["FastLedger", "read_fast", "read_share", "read_chunks", "K_ACQ", "K_DISP", "K_SWAP", "K_FEE", "K_TRANSFER", "K_RECEIPT"]

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
    stated value (None for a fiat fee). ``fees`` is the HKD fee of an acquisition, disposal or swap (0 when
    none). ``us`` is each event's instant in whole microseconds since 1970-01-01 UTC (exact; the matcher
    needs no ``datetime`` per event).
    """

    ids: list[str]
    kinds: list[int]
    us: list[int]
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
    max_quantity: Decimal = _ZERO  # the largest quantity of any event (bounds the matcher's sums)
    span: int = 0  # rows of the file this ledger was read from (more than its events if some were left out)

    def __len__(self) -> int:
        return len(self.ids)

    def extend(self, more: FastLedger) -> None:
        """Append the events of ``more`` (the next rows of the same file)."""
        self.ids += more.ids
        if not self.rows:  # consecutive lines (a quoted newline is refused): a range, not a million ints
            self.rows = more.rows
        else:
            assert isinstance(self.rows, range) and isinstance(more.rows, range) and self.rows.stop == more.rows.start
            self.rows = range(self.rows.start, more.rows.stop)
        self.subtypes += more.subtypes
        self.kinds += more.kinds
        self.us += more.us
        self.assets += more.assets
        self.quantities += more.quantities
        self.amounts += more.amounts
        self.fees += more.fees
        self.counter_assets += more.counter_assets
        self.counter_quantities += more.counter_quantities


def read_text(path: str | Path | None, text: str | None = None) -> str:
    """``text``, or the file at ``path`` decoded as the reference reader decodes it (UTF-8, BOM dropped)."""
    if text is not None:
        return text
    assert path is not None
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return fh.read()


def read_fast(path: str | Path | None = None, *, text: str | None = None, file: str | None = None,
              chunk: int = 1_000) -> FastLedger | None:
    """Read a generic CSV ledger; None when the reference path must be used (unsupported or invalid)."""
    return read_share(path, text=text, file=file, chunk=chunk)


def read_share(path: str | Path | None = None, *, text: str | None = None, file: str | None = None,
               chunk: int = 1_000, part: int = 0, parts: int = 1) -> FastLedger | None:
    """:func:`read_fast` with the checks shared among ``parts`` processes (hkvatax.ledger.parallel).

    Every process parses every row the same way; the process ``part`` checks only the chunks whose index
    is ``part`` modulo ``parts``, and process 0 the whole-ledger checks (unique ids, token fees). A
    ledger read with ``parts > 1`` is therefore valid only if every process returned one: alone it proves
    nothing. With ``parts == 1`` (the default) this is :func:`read_fast`.
    """
    if not 0 <= part < parts:
        raise ValueError(f"part {part} of {parts}")
    name = file or (str(path) if path is not None else "<csv>")
    enabled = gc.isenabled()
    gc.disable()  # the reader makes millions of acyclic objects: the cycle collector would rescan them
    try:
        text = read_text(path, text)
        checked = _Share(part, parts)
        if '"' in text or "\r" in text:  # quoting or CR line ends: the csv module's rules
            return _read(_csv_chunks(io.StringIO(text, newline=""), chunk), name, checked)
        return _read(_split_chunks(text, chunk, checked), name, checked)
    except (_Unsupported, StopIteration, csv.Error, ValueError, ArithmeticError, TypeError, OSError,
            UnicodeDecodeError):
        return None
    finally:
        if enabled:
            gc.enable()


@dataclass(frozen=True, slots=True)
class _Share:
    """Which checks this process makes: chunk ``k`` if ``k % parts == part``; whole-ledger ones if part 0."""

    part: int = 0
    parts: int = 1

    def chunk(self, index: int) -> bool:
        return index % self.parts == self.part

    @property
    def whole(self) -> bool:
        return self.part == 0


_DIGITS_TO_ZERO = str.maketrans("123456789", "000000000")
# the shapes a timestamp may have, digits written as 0: YYYY-MM-DDTHH:MM:SS[.f{1,6}](Z|±HH:MM)
_TS_SHAPES = frozenset(f"0000-00-00T00:00:00{frac}{zone}" for frac in ["", *("." + "0" * k for k in range(1, 7))]
                       for zone in ("Z", "+00:00", "-00:00"))
_PLACES = re.compile(r"\.\d{19}")
_SPACE_AT_EDGE = re.compile(r"(?:^|\n)[^\S\n]|[^\S\n](?:\n|$)")  # white space (not a newline) at a cell's edge
_ASCII_SPACE = re.compile(r"[ \t\x0b\x0c\r\x1c-\x1f]")  # str.isspace's ASCII characters other than \n
# which kinds need each column (an empty required cell is an error the reference reports)
_NEEDS: dict[str, set[int]] = {
    "quantity": {K_ACQ, K_DISP, K_SWAP, K_TRANSFER, K_RECEIPT}, "amount": {K_ACQ, K_DISP, K_SWAP, K_RECEIPT},
    "asset": {K_ACQ, K_DISP, K_SWAP, K_TRANSFER, K_RECEIPT}, "counter_asset": {K_SWAP},
    "counter_quantity": {K_SWAP}, "fee_amount": {K_FEE}, "wallet": {K_TRANSFER}, "to_wallet": {K_TRANSFER},
    "subtype": {K_RECEIPT},
}


def _codes(cells: list[str], cache: dict[str, str], empty: str) -> tuple[list[str], set[str]]:
    """A code column (validated: each distinct value once) and its distinct codes."""
    mapping = {v: (_code(v, cache) if v else empty) for v in set(cells)}
    if all(k == v for k, v in mapping.items()):
        return cells, set(mapping)  # every value is already a valid code as written
    return list(map(mapping.__getitem__, cells)), set(mapping.values())


def _decimals(cells: list[str], limit: Decimal, positive: bool) -> list[Decimal | None]:
    """A numeric column: digits and at most one point per cell (checked for the whole column at once)."""
    if not any(cells):
        return [None] * len(cells)  # an empty column (e.g. no fee in this chunk)
    joined = "\n".join(cells)
    digits = joined.replace("\n", "")
    if not (digits.isascii() and digits.replace(".", "").isdigit()):
        raise _Unsupported  # signs, exponents, separators, spaces …: let the reference judge them
    if _PLACES.search(joined):
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


Chunks = Iterator[tuple[int, int, list[list[str]]]]  # (first row, row count, columns), rows from 1


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
            yield first, len(rows), list(map(list, zip(*rows, strict=True)))

    return header, chunks()


_COUNT_COMMAS = operator.methodcaller("count", ",")


def _split_chunks(text: str, chunk: int, share: _Share = _Share()) -> tuple[list[str], Chunks]:
    """Columns by splitting at newlines and commas: the csv module's rows for a text with no quote and no CR.

    A block of about ``chunk`` lines is cut at a newline, its newlines turned into commas and split once;
    every line having exactly ``width - 1`` commas, column ``i`` is then the slice ``cells[i::width]`` — no
    row lists, no transpose, no list of every line of the file. (A process that does not check a block may
    slice a malformed one wrongly: the process that checks it refuses the file, so that result is never used.)
    """
    first_newline = text.find("\n")
    header_line = text if first_newline < 0 else text[:first_newline]
    if not text:
        raise _Unsupported
    header = header_line.split(",")
    width = len(header)
    end = len(text) - 1 if text.endswith("\n") else len(text)  # the last line's end (its newline excluded)
    sample = text[:65536]
    span = max(1, chunk * len(sample) // max(1, sample.count("\n")))  # characters in about ``chunk`` lines

    def chunks() -> Chunks:
        pos = len(header_line) + 1
        row = 2
        index = 0
        while pos <= end and first_newline >= 0:
            cut = text.find("\n", min(pos + span, end), end)
            if cut < 0:
                cut = end
            block = text[pos:cut]
            if share.chunk(index):
                lines = block.split("\n")
                if set(map(_COUNT_COMMAS, lines)) != {width - 1}:
                    raise _Unsupported  # short, long or blank rows: the reference reports or skips them
                n = len(lines)
                del lines
            else:
                n = block.count("\n") + 1
            cells = block.replace("\n", ",").split(",")
            del block
            if len(cells) != n * width:
                raise _Unsupported
            yield row, n, [cells[i::width] for i in range(width)]
            del cells
            row += n
            index += 1
            pos = cut + 1

    return header, chunks()


def _micros(stamps: list[datetime]) -> list[int]:
    """Whole microseconds since 1970-01-01 UTC of each (aware) instant, exactly."""
    return list(map(operator.floordiv, map(operator.sub, stamps, itertools.repeat(_EPOCH)), itertools.repeat(_US)))


def _check_presence(cols: dict[str, list[str]], kinds: list[int], n: int) -> None:
    """Each column filled only for the kinds that use it, and filled wherever a kind needs it.

    The rows of a column fall in three classes by kind: *need* (must be filled), *forbidden* (must be
    empty) and *optional*. With the column's count of empty cells, counting the empty cells of two classes
    gives the third's: the two smallest classes are counted, so a column is read about once at C speed.
    """
    rows: dict[int, list[int]] = {k: [] for k in set(kinds)}
    for i, k in enumerate(kinds):
        rows[k].append(i)

    def empties(cells: list[str], kinds_of_class: list[int]) -> int:
        picked = [i for k in kinds_of_class for i in rows[k]]
        if len(picked) < 2:  # itemgetter of one index returns the cell, not a tuple
            return sum(1 for i in picked if cells[i] == "")
        found: tuple[str, ...] = operator.itemgetter(*picked)(cells)
        return found.count("")

    for c in CSV_COLUMNS:
        if c in ("id", "timestamp", "kind"):
            continue
        cells = cols.get(c)
        need = [k for k in rows if k in _NEEDS.get(c, ())]
        if cells is None:
            if need:
                raise _Unsupported  # a required column is missing
            continue
        forbidden = [k for k in rows if c not in _ALLOWED[k]]
        optional = [k for k in rows if k not in need and k not in forbidden]
        n_need, n_forbidden, n_optional = (sum(len(rows[k]) for k in cls) for cls in (need, forbidden, optional))
        empty = cells.count("")
        if n_need >= max(n_forbidden, n_optional):  # count the two smaller classes, derive the largest
            e_forbidden, e_optional = empties(cells, forbidden), empties(cells, optional)
            e_need = empty - e_forbidden - e_optional
        elif n_forbidden >= n_optional:
            e_need, e_optional = empties(cells, need), empties(cells, optional)
            e_forbidden = empty - e_need - e_optional
        else:
            e_need, e_forbidden = empties(cells, need), empties(cells, forbidden)
        if e_need or e_forbidden != n_forbidden:
            raise _Unsupported  # a required cell is empty, or a column the kind does not use is filled


class _Reader:
    """Parses the chunks of one file; gathers what the whole-ledger checks need and makes them at the end."""

    def __init__(self, raw_header: list[str], name: str, share: _Share):
        header = [h.strip().lower() for h in raw_header]
        if len(set(header)) != len(header) or any(h not in CSV_COLUMNS for h in header) \
                or "timestamp" not in header or "kind" not in header:
            raise _Unsupported
        self.header = header
        self.name = name
        self.base = Path(name).name
        self.share = share
        self.codes: dict[str, str] = {}
        self.tokens: set[str] = set()
        self.max_quantity = _ZERO
        self.ids: set[str] = set()  # (the process making whole-ledger checks)
        self.count = 0
        self.fee_assets: set[str] = set()
        self.fee_assets_unvalued: set[str] = set()

    def finish(self) -> None:
        """The whole-ledger checks, once every chunk is parsed."""
        self.tokens.discard("")
        tokens = self.tokens
        if "HKD" in tokens:
            raise _Unsupported  # HKD used as a token changes how fees are read: the reference decides
        if self.share.whole:
            if len(self.ids) != self.count:
                raise _Unsupported  # duplicate ids
            if self.fee_assets_unvalued & tokens or self.fee_assets - tokens - {"HKD"}:
                raise _Unsupported  # a token fee without a value needs a price; a foreign fee needs a rate

    def parse(self, index: int, first_line: int, n: int, columns: list[list[str]],
              mine: Callable[[str], bool] | None = None) -> FastLedger:
        """One chunk as a ledger of its own (rows ``first_line`` …), in file order.

        ``mine``: keep, check and parse only the rows of the tokens it accepts — a row belongs to the token
        of its ``asset`` (a fee row to its fee's currency, "HKD" for a fiat fee) and a swap also to the token
        it brings in. Every row belongs to some token, so processes sharing a file by token check every row;
        the whole-column check of which kinds fill which columns is shared by chunk (``part``/``parts``).
        """
        header, codes = self.header, self.codes
        if len(columns) != len(header):
            raise _Unsupported
        cols = dict(zip(header, columns, strict=True))
        del columns
        blank = [""] * n
        try:
            kinds = list(map(_KINDS.__getitem__, cols["kind"]))
        except KeyError:
            raise _Unsupported from None  # an unknown or unsupported kind: the reference judges it
        id_cells = cols.get("id", blank)
        ids = [i or f"{self.base}:{first_line + k}" for k, i in enumerate(id_cells)] if "" in id_cells else id_cells
        if self.share.whole:
            self.ids.update(ids)
            self.count += n
        assets, asset_codes = _codes(cols.get("asset", blank), codes, "")
        if K_FEE in kinds:
            assets = list(assets)  # fee rows write their currency here: never into the column itself
        counter, counter_codes = _codes(cols.get("counter_asset", blank), codes, "")
        fee_currency, _ = _codes(cols.get("fee_currency", blank), codes, "HKD")
        if K_FEE in kinds:
            fval_cells = cols.get("fee_value", blank)
            for i in itertools.compress(range(n), map(K_FEE.__eq__, kinds)):  # a fee row's asset: its currency
                a = assets[i] = fee_currency[i]
                self.fee_assets.add(a)
                if not fval_cells[i]:
                    self.fee_assets_unvalued.add(a)
        self.tokens |= asset_codes | counter_codes  # the asset column before fee rows borrowed it
        kind_set = set(kinds)
        if self.share.chunk(index):  # which kinds fill which columns: a whole-column check, shared by chunk
            _check_presence(cols, kinds, n)
        rows: Sequence[int] = range(first_line, first_line + n)
        span = n
        if mine is not None:
            accepted = {t for t in set(assets) | counter_codes if t and mine(t)}  # (not the empty counter asset)
            own = list(itertools.compress(range(n), map(operator.or_, map(accepted.__contains__, assets),
                                                         map(accepted.__contains__, counter))))
            if len(own) < n:
                take = _taker(own)
                cols = {c: take(v) if c in _ROW_COLUMNS and any(v) else [""] * len(own) for c, v in cols.items()}
                kinds, ids, assets, counter, fee_currency = take(kinds), take(ids), take(assets), take(counter), \
                    take(fee_currency)
                rows = [first_line + i for i in own]
                n = len(own)
                blank = [""] * n
        if not n:
            return FastLedger([], [], [], [], [], [], [], [], [], set(), [], [], self.name, span=span)
        if "id" in cols:
            joined_ids = "\n".join(cols["id"])
            if not (joined_ids.isascii() and not _ASCII_SPACE.search(joined_ids)) \
                    and _SPACE_AT_EDGE.search(joined_ids):
                raise _Unsupported  # an id with leading or trailing white space (the reference strips it)
        if max(map(len, ids)) > 200:
            raise _Unsupported
        ts_cells = cols["timestamp"]
        if not set("\n".join(ts_cells).translate(_DIGITS_TO_ZERO).split("\n")) <= _TS_SHAPES:
            raise _Unsupported  # the shape of the whole column at once, then the C parser checks ranges
        stamps = list(map(datetime.fromisoformat, ts_cells))
        if min(stamps).year < MIN_YEAR or max(stamps).year > MAX_YEAR:
            raise _Unsupported  # out of the accepted years: the reference reports bad_timestamp
        micros = _micros(stamps)
        del stamps
        if K_SWAP in kind_set:
            is_swap = list(map(K_SWAP.__eq__, kinds))
            if any(map(operator.eq, itertools.compress(assets, is_swap), itertools.compress(counter, is_swap))):
                raise _Unsupported  # a swap of an asset for itself
        for cur in set(cols.get("currency", ())) - {""}:
            if _code(cur, codes) != "HKD":
                raise _Unsupported
        qty, amount, cqty, famt, fval = (_decimals(cols.get(c, blank), limit, positive)
                                         for c, limit, positive in _NUMBERS)
        _check_rows(cols, kinds, kind_set, fee_currency, famt)
        # an HKD fee adds to cost or reduces proceeds; Decimal 0 + x is x, digit for digit
        fees = [_ZERO if fa is None else fa for fa in famt]
        if K_FEE in kind_set:
            for k in itertools.compress(range(n), map(K_FEE.__eq__, kinds)):  # the fee's amount and value
                qty[k], amount[k], fees[k] = famt[k], fval[k], _ZERO
        for column in (qty, cqty):
            self.max_quantity = max(self.max_quantity, max(filter(None, column), default=_ZERO))
        return FastLedger(ids, kinds, micros, assets, qty, amount, fees, counter, cqty, asset_codes | counter_codes,
                          rows, cols.get("subtype", blank), self.name, span=span)


# the columns the row checks and the parse read (the others: only the presence check, made on whole chunks)
_ROW_COLUMNS = frozenset({"id", "timestamp", "quantity", "amount", "currency", "counter_quantity", "fee_amount",
                          "fee_value", "wallet", "to_wallet", "subtype"})
_NUMBERS = (("quantity", MAX_QUANTITY, True), ("amount", MAX_AMOUNT, False),
            ("counter_quantity", MAX_QUANTITY, True), ("fee_amount", MAX_AMOUNT, True),
            ("fee_value", MAX_AMOUNT, False))


def _taker(own: list[int] | None) -> Callable[[list[Any]], list[Any]]:
    """A function taking the rows ``own`` (all if None) of a column, as a new list."""
    if own is None:
        return lambda column: column
    if len(own) == 1:
        only = own[0]
        return lambda column: [column[only]]
    if not own:
        return lambda column: []
    get = operator.itemgetter(*own)
    return lambda column: list(get(column))


def _read(source: tuple[list[str], Chunks], name: str, share: _Share = _Share()) -> FastLedger:
    """Every chunk, then the whole-ledger checks, in the ledger's processing order."""
    raw_header, chunks = source
    reader = _Reader(raw_header, name, share)
    out = FastLedger([], [], [], [], [], [], [], [], [], set(), [], [], name)
    for index, (first_line, n, columns) in enumerate(chunks):
        out.extend(reader.parse(index, first_line, n, columns))
    reader.finish()
    out.tokens, out.max_quantity = reader.tokens, reader.max_quantity
    _order(out)
    return out


def read_chunks(path: str | Path | None = None, *, text: str | None = None, file: str | None = None,
                chunk: int = 1_000, part: int = 0, parts: int = 1,
                mine: Callable[[str], bool] | None = None) -> Iterator[FastLedger]:
    """The file as a stream of chunk ledgers in file order, for matching while reading (low memory).

    The whole-ledger checks run after the last chunk. Raises ``_Unsupported`` (or a parsing error: the
    exceptions :func:`read_share` catches) whenever the reference path must be used; the consumer must
    also check that the events come in strictly increasing time (else :func:`read_share`, which sorts).
    Each chunk's ``tokens`` are its own; ``max_quantity`` is the largest so far. ``mine``: see
    ``_Reader.parse`` (the rows of some tokens only).
    """
    name = file or (str(path) if path is not None else "<csv>")
    text = read_text(path, text)
    share = _Share(part, parts)
    if '"' in text or "\r" in text:
        raw_header, chunks = _csv_chunks(io.StringIO(text, newline=""), chunk)
    else:
        raw_header, chunks = _split_chunks(text, chunk, share)
    reader = _Reader(raw_header, name, share)
    for index, (first_line, n, columns) in enumerate(chunks):
        led = reader.parse(index, first_line, n, columns, mine)
        led.max_quantity = reader.max_quantity
        yield led
    reader.finish()


def _check_rows(cols: dict[str, list[str]], kinds: list[int], kind_set: set[int], fee_currency: list[str],
                famt: list[Decimal | None]) -> None:
    """Receipt types, transfer wallets and trade fee currencies of one chunk."""
    if K_RECEIPT in kind_set and not set(
            itertools.compress(cols["subtype"], map(K_RECEIPT.__eq__, kinds))) <= _RECEIPT_TYPES:
        raise _Unsupported
    if K_TRANSFER in kind_set:
        is_transfer = list(map(K_TRANSFER.__eq__, kinds))
        for f, t in zip(itertools.compress(cols["wallet"], is_transfer), itertools.compress(cols["to_wallet"],
                                                                                             is_transfer), strict=True):
            if f != f.strip() or t != t.strip() or f == t:
                raise _Unsupported
    trade = itertools.compress(fee_currency, famt)  # rows with a fee amount …
    if K_FEE in kind_set:  # … other than fee rows, whose fee may be in a token
        trade = itertools.compress(fee_currency, map(operator.and_, map(bool, famt), map(K_FEE.__ne__, kinds)))
    if set(trade) - {"HKD"}:
        raise _Unsupported  # a fee in a token or a foreign currency on a trade: reference path


def _order(led: FastLedger) -> None:
    """Put events in the ledger's order (instant, kind rank, id) unless they already are."""
    us = led.us
    if all(map(operator.lt, us[:-1], us[1:])):
        return
    kinds, ids = led.kinds, led.ids
    order = sorted(range(len(us)), key=lambda i: (us[i], _RANK[kinds[i]], ids[i]))
    for name in ("ids", "kinds", "us", "assets", "quantities", "amounts", "fees", "counter_assets",
                 "counter_quantities", "rows", "subtypes"):
        column = getattr(led, name)
        setattr(led, name, [column[i] for i in order])
