"""Generic CSV ledgers (and rows already in memory) read column by column into event tables.

A ledger is read in chunks of about 1,000 rows. Each chunk's columns are validated in bulk with plain
string and ``Decimal`` operations — kinds, ids, timestamps, codes, numbers, which columns each kind
fills — and become one :class:`~hkvatax.models.table.EventTable` without a model per row. A chunk that
holds anything the bulk checks do not cover (a ``lots`` or ``offshore`` cell, a naive timestamp, a
number written ``1,000.5``, an error) is validated row by row by the event models
(:func:`hkvatax.io.loaders.event_from_row`) — the one definition of what a valid row is — so the values
and the problems are always the models' (docs/decisions/0032-one-core.md). Either way the result is
the same table.

Problems are raised as :class:`RowsInvalid` once the last chunk is read; the caller then reports them
through the row reader, which also checks what could be read (one report).
"""

from __future__ import annotations

import csv
import itertools
import operator
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import tzinfo
from pathlib import Path
from typing import Any

from ..escape import CONTROL
from ..models.common import MAX_AMOUNT, MAX_QUANTITY
from ..models.events import IncomeType, LossType, ReceiptType
from ..models.table import (
    K_ACQ,
    K_DISP,
    K_EXPENSE,
    K_FEE,
    K_INCOME,
    K_LOSS,
    K_PAYMENT,
    K_RECEIPT,
    K_SWAP,
    K_TRANSFER,
    KIND_CODES,
    EventTable,
    FeeT,
    epoch_us,
)
from .columns import Slow, code_column, decimal_column, require_positive, timestamp_column
from .csvrecords import MAX_ROW_CHARS, LineRefused, Records
from .loaders import ACCEPTED_COLUMNS, COLUMNS_BY_KIND, event_from_row

__all__ = ["RowsInvalid", "read_tables", "rows_table", "read_text"]


class RowsInvalid(Exception):
    """Some row of the input is not valid: report it through the row reader (its exact problems)."""


_FEE_COLS = frozenset({"fee_amount", "fee_currency", "fee_value", "fee_value_currency"})
_NOTE = frozenset({"wallet", "note"})
# columns each kind may fill in a chunk validated in bulk (beyond id, timestamp, kind); others must be empty
_ALLOWED: dict[int, frozenset[str]] = {
    K_ACQ: frozenset({"asset", "quantity", "amount", "currency"}) | _NOTE | _FEE_COLS,
    K_DISP: frozenset({"asset", "quantity", "amount", "currency"}) | _NOTE | _FEE_COLS,
    K_SWAP: frozenset({"asset", "quantity", "counter_asset", "counter_quantity", "amount", "currency"}) | _NOTE
    | _FEE_COLS,
    K_FEE: _NOTE | _FEE_COLS,
    K_TRANSFER: frozenset({"asset", "quantity", "to_wallet"}) | _NOTE | _FEE_COLS,
    K_RECEIPT: frozenset({"asset", "quantity", "amount", "currency", "subtype"}) | _NOTE | _FEE_COLS,
    K_PAYMENT: frozenset({"asset", "quantity", "amount", "currency"}) | _NOTE | _FEE_COLS,
    K_LOSS: frozenset({"asset", "quantity", "subtype", "amount", "currency", "counter_quantity"}) | _NOTE,
    K_INCOME: frozenset({"amount", "currency", "subtype", "asset"}) | _NOTE,
    K_EXPENSE: frozenset({"amount", "currency", "subtype"}) | _NOTE,
}
for _k, _cols in _ALLOWED.items():  # never a column the models would refuse
    _name = next(n for n, v in KIND_CODES.items() if v == _k)
    assert _cols <= set(COLUMNS_BY_KIND[_name]) | _FEE_COLS, _name
# which kinds need each column filled
_NEEDS: dict[str, frozenset[int]] = {
    "quantity": frozenset({K_ACQ, K_DISP, K_SWAP, K_TRANSFER, K_RECEIPT, K_PAYMENT, K_LOSS}),
    "asset": frozenset({K_ACQ, K_DISP, K_SWAP, K_TRANSFER, K_RECEIPT, K_PAYMENT, K_LOSS}),
    "amount": frozenset({K_ACQ, K_DISP, K_INCOME, K_EXPENSE}),
    "counter_asset": frozenset({K_SWAP}), "counter_quantity": frozenset({K_SWAP}), "fee_amount": frozenset({K_FEE}),
    "wallet": frozenset({K_TRANSFER}), "to_wallet": frozenset({K_TRANSFER}),
    "subtype": frozenset({K_RECEIPT, K_INCOME}),
}
_SUBTYPES = {K_RECEIPT: {t.value for t in ReceiptType}, K_INCOME: {t.value for t in IncomeType},
             K_LOSS: {t.value for t in LossType}}
_NOT_DEDUCTIBLE = {"nondeductible", "non_deductible", "no", "false", "0"}
_SPACE_AT_EDGE = re.compile(r"(?:^|\n)[^\S\n]|[^\S\n](?:\n|$)")
_NAMES = ("asset", "counter_asset", "currency", "fee_currency", "wallet", "to_wallet")  # printable only
_ASCII_SPACE = re.compile(r"[ \t\x0b\x0c\r\x1c-\x1f]")
# (column, limit, must be > 0): quantities and amounts as the models bound them
_NUMBERS = (("quantity", MAX_QUANTITY, True), ("amount", MAX_AMOUNT, False), ("counter_quantity", MAX_QUANTITY, True),
            ("fee_amount", MAX_AMOUNT, True), ("fee_value", MAX_AMOUNT, False))
_POSITIVE_AMOUNT = frozenset({K_INCOME, K_EXPENSE})  # their amount is an Amount (> 0), others' a value (>= 0)


def read_text(path: str | Path | None, text: str | None = None) -> str:
    """``text``, or the file at ``path`` decoded as the row reader decodes it (UTF-8, BOM dropped)."""
    if text is not None:
        return text
    assert path is not None
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return fh.read()


def _split_chunks(text: str, chunk: int) -> tuple[list[str], Iterator[tuple[int, int, list[list[str]] | None]]]:
    """Columns of blocks of about ``chunk`` lines (a text with no quote and no CR: the csv module's rows)."""
    first_newline = text.find("\n")
    header_line = text if first_newline < 0 else text[:first_newline]
    header = header_line.split(",")
    width = len(header)
    end = len(text) - 1 if text.endswith("\n") else len(text)
    sample = text[:65536]
    span = max(1, chunk * len(sample) // max(1, sample.count("\n")))

    def chunks() -> Iterator[tuple[int, int, list[list[str]] | None]]:
        pos, row = len(header_line) + 1, 2
        while pos <= end and first_newline >= 0:
            cut = text.find("\n", min(pos + span, end), end)
            if cut < 0:
                cut = end
            block = text[pos:cut]
            lines = block.split("\n")
            n = len(lines)
            if set(map(str.count, lines, itertools.repeat(","))) != {width - 1} \
                    or max(map(len, lines)) > MAX_ROW_CHARS:
                yield row, n, None  # short, long, too long or blank rows: the row reader reports or skips them
            else:
                cells = block.replace("\n", ",").split(",")
                yield row, n, [cells[i::width] for i in range(width)]
            row += n
            pos = cut + 1

    return header, chunks()


def _csv_chunks(text: str, chunk: int) -> tuple[list[str], Iterator[tuple[int, int, list[list[str]] | None]]]:
    """Columns by the csv module (quoted cells, CR line ends)."""
    reader = Records(text)
    try:
        header = next(reader)
    except (StopIteration, csv.Error, LineRefused):
        raise RowsInvalid from None
    width = len(header)

    def chunks() -> Iterator[tuple[int, int, list[list[str]] | None]]:
        line = 1
        while True:
            try:
                rows = list(itertools.islice(reader, chunk))
            except (csv.Error, LineRefused):  # the row reader reports the line (unclosed_quote, bad_row)
                raise RowsInvalid from None
            if not rows:
                return
            first, line = line + 1, reader.line_num
            if set(map(len, rows)) != {width} or line - first + 1 != len(rows):
                raise RowsInvalid  # ragged rows or a quoted newline: the row reader reports them by line
            yield first, len(rows), list(map(list, zip(*rows, strict=True)))

    return header, chunks()


class _Reader:
    """Turns the columns of one chunk into a table, in bulk or (``Slow``) row by row."""

    def __init__(self, raw_header: Sequence[str], name: str, default_tz: tzinfo | None):
        header = [h.strip().lower() for h in raw_header]
        if len(set(header)) != len(header) or any(h not in ACCEPTED_COLUMNS for h in header) \
                or "timestamp" not in header or "kind" not in header:
            raise RowsInvalid  # the row reader reports the header
        self.header = header
        self.name = name
        self.base = Path(name).name
        self.default_tz = default_tz
        self.invalid = False

    def chunk(self, first: int, n: int, columns: list[list[str]] | None) -> EventTable:
        if columns is not None:
            try:
                return self.bulk(first, n, dict(zip(self.header, columns, strict=True)))
            except (Slow, ValueError, ArithmeticError):
                pass
        return self.rows(first, n, columns)

    def rows(self, first: int, n: int, columns: list[list[str]] | None) -> EventTable:
        """Row by row through the event models (their values; their problems mark the input invalid)."""
        if columns is None:
            raise RowsInvalid  # ragged or blank lines: the row reader has the line numbers
        table = EventTable(sources=[])
        context = {"default_tz": self.default_tz}
        events = []
        for k in range(n):
            row = {h: col[k] for h, col in zip(self.header, columns, strict=True)}
            if all(not c.strip() for c in row.values()):
                continue  # a blank row (skipped, as the row reader does)
            event, problems = event_from_row(row, self.name, first + k, context)
            if problems or event is None:
                self.invalid = True
                continue
            events.append(event)
        table.extend_events(events)
        return table

    def bulk(self, first: int, n: int, cols: dict[str, list[str]]) -> EventTable:
        """The chunk validated column by column (``Slow`` when a check does not cover it)."""
        blank = [""] * n
        names = {v: KIND_CODES.get(v.strip().lower(), -1) for v in set(cols["kind"])}
        if -1 in names.values():
            raise Slow  # an unknown kind: the models report it
        kinds = list(map(names.__getitem__, cols["kind"]))
        present = set(kinds)
        for name in ("lots", "offshore"):
            if any(cols.get(name, ())):
                raise Slow
        positions: dict[int, list[int]] = {k: [] for k in present}
        for i, k in enumerate(kinds):
            positions[k].append(i)
        _check_presence(cols, positions)
        id_cells = cols.get("id", blank)
        joined_ids = "\n".join(id_cells)
        if not (joined_ids.isascii() and not _ASCII_SPACE.search(joined_ids)) and _SPACE_AT_EDGE.search(joined_ids):
            raise Slow  # an id with white space at an edge (the models strip it)
        if CONTROL.search("".join(itertools.chain(id_cells, *(cols.get(c, ()) for c in _NAMES)))):
            raise Slow  # a control character in an id, a code or a wallet: the models refuse it by name
        ids = [i or f"{self.base}:{first + k}" for k, i in enumerate(id_cells)] if "" in id_cells else id_cells
        if max(map(len, ids)) > 200:
            raise Slow
        ts_cells = cols["timestamp"]
        stamps = timestamp_column(ts_cells)
        assets = code_column(cols.get("asset", blank), "")
        counter = code_column(cols.get("counter_asset", blank), "")
        currency = code_column(cols.get("currency", blank), "HKD")
        fee_currency = code_column(cols.get("fee_currency", blank), "HKD")
        qty, amount, cqty, famt, fval = (decimal_column(cols.get(c, blank), limit) for c, limit, _ in _NUMBERS)
        for k, rows in positions.items():
            if k in _POSITIVE_AMOUNT:
                require_positive(amount, rows)
            if k == K_SWAP:
                if any(assets[i] == counter[i] for i in rows):
                    raise Slow  # a swap of an asset for itself
        require_positive(qty)
        require_positive(cqty)
        require_positive(famt)
        if K_LOSS in present:
            for i in positions[K_LOSS]:
                recovered, lost = cqty[i], qty[i]
                if recovered is not None and lost is not None and recovered >= lost:
                    raise Slow  # recovered in full or more: the models report it
        subtypes = cols.get("subtype", blank)
        for k, allowed in _SUBTYPES.items():
            if k in present and not {subtypes[i] for i in positions[k]} <= allowed | ({""} if k == K_LOSS else set()):
                raise Slow
        wallets = _strip(cols.get("wallet", blank))
        to_wallets = _strip(cols.get("to_wallet", blank))
        if K_TRANSFER in present and any(wallets[i] == to_wallets[i] for i in positions[K_TRANSFER]):
            raise Slow
        fee_cells = cols.get("fee_amount", blank)
        fees: list[tuple[FeeT, ...]] = [()] * n
        fvc_cells = cols.get("fee_value_currency", blank)
        if any(fee_cells) or any(cols.get("fee_value", ())) or any(cols.get("fee_currency", ())) or any(fvc_cells):
            fval_cells = cols.get("fee_value", blank)
            cur_cells = cols.get("currency", blank)
            fcur_cells = cols.get("fee_currency", blank)
            if any(v or c or x for a, v, c, x in zip(fee_cells, fval_cells, fcur_cells, fvc_cells, strict=True)
                   if not a):
                raise Slow  # a fee without an amount: the models report it
            if any(x and not v for v, x in zip(fval_cells, fvc_cells, strict=True)):
                raise Slow  # a fee value's currency without the value
            # the fee value's currency: its own column, else the row's currency (decision 0166)
            own = code_column(fvc_cells, "HKD") if any(fvc_cells) else fvc_cells
            fees = [((a, fc, fv, o if x else cur if vc and cc and k != K_FEE else "HKD"),) if a is not None else ()
                    for a, fc, fv, cur, o, vc, cc, x, k in zip(famt, fee_currency, fval, currency, own, fval_cells,
                                                               cur_cells, fvc_cells, kinds, strict=True)]
        notes = cols.get("note", blank)
        texts: list[str | None] = [None] * n
        deductible = [True] * n
        sub: list[str] = subtypes
        for k in (K_FEE, K_PAYMENT, K_EXPENSE):
            for i in positions.get(k, ()):
                texts[i] = notes[i].strip() or None
        if K_EXPENSE in present:
            sub = list(subtypes)
            for i in positions[K_EXPENSE]:
                deductible[i] = subtypes[i].strip().lower() not in _NOT_DEDUCTIBLE if subtypes[i].strip() else True
                sub[i] = ""
        if K_LOSS in present:
            sub = list(sub)
            for i in positions[K_LOSS]:
                sub[i] = sub[i] or "loss"
        return EventTable(
            ids=ids, kinds=kinds, us=list(map(epoch_us, stamps)), stamps=stamps, asset=assets, qty=qty,
            amount=amount, currency=currency, asset2=counter, qty2=cqty, fees=fees, wallet=wallets,
            to_wallet=to_wallets, subtype=sub, deductible=deductible, picks=[()] * n, offshore=[None] * n,
            character=[None] * n, text=texts, sources=None, file=self.name, rows=range(first, first + n),
            index=range(first, first + n))


def _strip(cells: list[str]) -> list[str | None]:
    mapping = {v: (v.strip() or None) for v in set(cells)}
    return list(map(mapping.__getitem__, cells))


def _check_presence(cols: Mapping[str, list[str]], rows: dict[int, list[int]]) -> None:
    """Each column filled only by the kinds that use it, and wherever a kind needs it.

    A column's rows fall in three classes by kind: *need* (must be filled), *forbidden* (must be empty) and
    *optional*. With the column's count of empty cells, counting the empty cells of the two smaller classes
    gives the third's, so a column is read about once, at C speed.
    """
    present = rows.keys()

    def empties(cells: list[str], classes: list[int]) -> int:
        picked = [i for k in classes for i in rows[k]]
        if len(picked) < 2:
            return sum(1 for i in picked if cells[i] == "")
        found: tuple[str, ...] = operator.itemgetter(*picked)(cells)
        return found.count("")

    for c in ACCEPTED_COLUMNS:
        if c in ("id", "timestamp", "kind"):
            continue
        cells = cols.get(c)
        need = [k for k in present if k in _NEEDS.get(c, ())]
        if cells is None:
            if need:
                raise Slow  # a required column is missing
            continue
        forbidden = [k for k in present if c not in _ALLOWED[k]]
        optional = [k for k in present if k not in need and k not in forbidden]
        n_need, n_forbidden, n_optional = (sum(len(rows[k]) for k in cls) for cls in (need, forbidden, optional))
        empty = cells.count("")
        if n_need >= max(n_forbidden, n_optional):
            e_forbidden, e_optional = empties(cells, forbidden), empties(cells, optional)
            e_need = empty - e_forbidden - e_optional
        elif n_forbidden >= n_optional:
            e_need, e_optional = empties(cells, need), empties(cells, optional)
            e_forbidden = empty - e_need - e_optional
        else:
            e_need, e_forbidden = empties(cells, need), empties(cells, forbidden)
        if e_need or e_forbidden != n_forbidden:
            raise Slow  # a required cell is empty, or a column the kind does not use is filled


def read_tables(path: str | Path | None = None, *, text: str | None = None, file: str | None = None,
                default_tz: tzinfo | None = None, chunk: int = 1_000) -> Iterator[EventTable]:
    """A generic CSV ledger as tables of about ``chunk`` rows, in file order.

    Raises :class:`RowsInvalid` after the last chunk (or at once for a bad header or ragged rows) if any
    row is not valid: :func:`hkvatax.io.loaders.load_csv_ledger` then gives the exact report.
    """
    name = file or (str(path) if path is not None else "<csv>")
    try:
        text = read_text(path, text)
    except (OSError, UnicodeDecodeError):
        raise RowsInvalid from None
    if not text.strip():
        raise RowsInvalid
    header, chunks = (_csv_chunks if '"' in text or "\r" in text else _split_chunks)(text, chunk)
    reader = _Reader(header, name, default_tz)
    for first, n, columns in chunks:
        table = reader.chunk(first, n, columns)
        if not reader.invalid:
            yield table
    if reader.invalid:
        raise RowsInvalid


def rows_table(rows: Iterable[Mapping[str, Any] | Sequence[Any]], *, columns: Sequence[str] | None = None,
               file: str = "<rows>", default_tz: tzinfo | None = None, chunk: int = 1_000) -> Iterator[EventTable]:
    """Rows already in memory — dicts keyed by the generic CSV column names, or tuples in ``columns``'
    order — as tables of about ``chunk`` rows, validated exactly as a CSV file's rows (row numbers count
    from 1 for the first row). Values may be strings, ints or Decimals (floats are refused by the models);
    None is an empty cell."""
    it = iter(rows)
    row_no = 1
    reader: _Reader | None = None
    header: list[str] | None = list(columns) if columns is not None else None
    while True:
        block = list(itertools.islice(it, chunk))
        if not block:
            break
        if header is None:
            first_row = block[0]
            if not isinstance(first_row, Mapping):
                raise ValueError("rows given as sequences need columns=")
            header = list(ACCEPTED_COLUMNS)  # a key a row leaves out is an empty cell
        if reader is None:
            reader = _Reader(header, file, default_tz)
        cols = _columns(block, header)
        table = reader.chunk(row_no, len(block), cols) if cols is not None else reader.rows(row_no, len(block), None)
        if not reader.invalid:
            yield table
        row_no += len(block)
    if reader is not None and reader.invalid:
        raise RowsInvalid


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or isinstance(value, float):
        raise Slow
    return str(value)


def _column(values: list[Any]) -> list[str]:
    """One column of cells as strings (checked at C speed when every cell is a string already)."""
    try:
        "".join(values)
        return values
    except TypeError:
        return list(map(_cell, values))


def _columns(block: list[Any], header: list[str]) -> list[list[str]] | None:
    try:
        if isinstance(block[0], Mapping):
            known = set(header)
            keys = list(block[0])
            if len(keys) > 1 and known.issuperset(keys) and set(map(len, block)) == {len(keys)}:
                try:  # the usual block: the same keys in every row (as many, and each found)
                    given = dict(zip(keys, zip(*map(operator.itemgetter(*keys), block), strict=True), strict=True))
                except KeyError:
                    given = None
                if given is not None:
                    return [_column(list(given[h])) if h in given else [""] * len(block) for h in header]
            if any(not known.issuperset(r) for r in block):
                raise RowsInvalid  # a key that is no column: the row reader names it
            return [[_cell(r.get(h)) for r in block] for h in header]
        if any(len(r) != len(header) for r in block):
            return None
        return [_column(list(col)) for col in zip(*block, strict=True)] if header else []
    except (Slow, KeyError):
        return None


Converter = Callable[[EventTable], None]
