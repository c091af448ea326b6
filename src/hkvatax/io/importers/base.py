"""Shared machinery of the exchange importers: reading the table, numbers, times, the result.

An importer turns an exchange's export into *generic CSV rows* (the columns of
:data:`hkvatax.io.loaders.CSV_COLUMNS`), each tagged with the exchange file's own row number. The rows
are then validated exactly like a generic CSV ledger, so an imported event keeps its provenance
(file, row) through to the explanation and every check of the generic format applies to it.

Every data row of the export ends in exactly one of three places (nothing is dropped):

* ``events`` — used (one row may feed one event; Kraken's two-row trades feed one event);
* ``problems`` — an error (bad number, bad time, a trade with a missing leg …): the import fails;
* ``unsupported`` — a row of a type hkvatax does not import (margin, futures …), reported
  with code ``unsupported_row`` so the user can decide; it does not by itself fail the import;
* ``movements`` — a deposit or a withdrawal (:class:`Movement`): its other side is in another file or
  outside the taxpayer's accounts, so :func:`hkvatax.io.import_sources` pairs it into a transfer or
  reports it for an answer (docs/importers.md);
* ``internal`` — a move between sub-accounts of one exchange account (Spot → Earn …): no event, kept
  with the reason.

Beside them, ``prices`` holds the prices the export itself states (:class:`PriceObservation`): a
trade's price is an observation of its base asset in its quote asset at that instant.

Nothing here evaluates, unpickles or fetches anything; CSV is read with :mod:`csv` only.
"""

from __future__ import annotations

import csv
import decimal
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from ...errors import InputError, Problem, SourceRef
from ...grammar import GrammarError, parse_decimal, read_timestamp
from ...models.common import MAX_QUANTITY
from ..csvrecords import LineRefused, Records, records
from ..loaders import CSV_COLUMNS, event_from_row

__all__ = [
    "FIAT",
    "ImportResult",
    "Importer",
    "Table",
    "GenericRow",
    "read_table",
    "parse_number",
    "parse_utc",
    "generic_row",
    "fmt_decimal",
    "Movement",
    "PriceObservation",
    "exact_ratio",
    "trade_price",
    "trade_cells",
    "add_movement",
]

#: Fiat currencies (ISO 4217) an export may quote in. Everything else is treated as a token.
FIAT: frozenset[str] = frozenset({
    "HKD", "USD", "EUR", "GBP", "JPY", "AUD", "CAD", "CHF", "CNY", "CNH", "SGD", "KRW", "TWD", "NZD", "INR",
    "BRL", "TRY", "RUB", "ZAR", "AED", "SEK", "NOK", "DKK", "PLN", "MXN", "IDR", "THB", "PHP", "MYR", "VND",
    "NGN", "ARS", "UAH", "KZT", "CZK", "HUF", "RON", "ILS", "SAR",
})


@dataclass(frozen=True, slots=True)
class GenericRow:
    """One generic-CSV row produced by an importer, with the export row it came from.

    Examples:
        >>> row = GenericRow(SourceRef(file="wallet.csv", row=2), (("id", "w-2"), ("kind", "receipt")))
        >>> row.as_dict()
        {'id': 'w-2', 'kind': 'receipt'}
    """

    source: SourceRef
    cells: tuple[tuple[str, str], ...]

    def as_dict(self) -> dict[str, str]:
        return dict(self.cells)


@dataclass(frozen=True, slots=True)
class Movement:
    """A deposit (``in``) or withdrawal (``out``) of ``quantity`` of ``asset`` at an account.

    For ``out``, ``quantity`` is what left the account excluding ``fee``, the fee the export states in
    the same asset (None when it states none). ``txid`` is the chain transaction hash, if given.

    Examples:
        >>> from datetime import datetime, timezone
        >>> m = Movement(SourceRef(file="wallet.csv", row=3), "out", datetime(2025, 5, 2, tzinfo=timezone.utc), "ETH",
        ...              Decimal("1"), fee=Decimal("0.001"), txid="0xabc")
        >>> m.direction, m.quantity + m.fee
        ('out', Decimal('1.001'))
    """

    source: SourceRef
    direction: Literal["in", "out"]
    timestamp: datetime
    asset: str
    quantity: Decimal
    fee: Decimal | None = None
    txid: str = ""
    wallet: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class PriceObservation:
    """One unit of ``base`` was worth ``price`` units of ``quote`` at ``at`` (ISO), as the export states.

    Examples:
        >>> p = PriceObservation(SourceRef(file="trades.csv", row=5), "BTC", "USDT", Decimal("65000"), "2025-05-01T02:00:00+00:00")
        >>> f"1 {p.base} = {p.price} {p.quote} ({p.origin})"
        '1 BTC = 65000 USDT (the trade itself)'
    """

    source: SourceRef
    base: str
    quote: str
    price: Decimal
    at: str
    origin: str = "the trade itself"


#: Quote assets in order of preference when a statement does not name the pair (fiat first).
QUOTE_PRIORITY: tuple[str, ...] = ("USDT", "USDC", "FDUSD", "BUSD", "TUSD", "DAI", "BTC", "ETH", "BNB")


def exact_ratio(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    """``numerator / denominator`` when it is exact with at most 18 decimal places, else None (never rounded)."""
    if denominator <= 0 or numerator <= 0:
        return None
    ctx = decimal.Context(prec=80, traps=[decimal.InvalidOperation, decimal.DivisionByZero])
    value = ctx.divide(numerator, denominator)
    if ctx.flags[decimal.Inexact] or ctx.flags[decimal.Rounded]:
        return None
    value = value.normalize(ctx)
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -18:
        return None
    return value


def trade_price(give: str, give_qty: Decimal, receive: str, receive_qty: Decimal) -> tuple[str, str, Decimal] | None:
    """(base, quote, price) of a trade stated only by its two legs, priced in the fiat or preferred quote leg."""
    def rank(code: str) -> int:
        if code in FIAT:
            return -1
        return QUOTE_PRIORITY.index(code) if code in QUOTE_PRIORITY else len(QUOTE_PRIORITY)
    if rank(give) <= rank(receive):
        base, base_qty, quote, quote_qty = receive, receive_qty, give, give_qty
    else:
        base, base_qty, quote, quote_qty = give, give_qty, receive, receive_qty
    price = exact_ratio(quote_qty, base_qty)
    return None if price is None else (base, quote, price)


def trade_cells(give: str, give_qty: Decimal, get: str, get_qty: Decimal) -> dict[str, str]:
    """The generic cells of a trade of two legs: fiat given → acquisition, fiat received → disposal, else swap."""
    if give in FIAT:
        return {"kind": "acquisition", "asset": get, "quantity": fmt_decimal(get_qty), "amount": fmt_decimal(give_qty),
                "currency": give}
    if get in FIAT:
        return {"kind": "disposal", "asset": give, "quantity": fmt_decimal(give_qty), "amount": fmt_decimal(get_qty),
                "currency": get}
    return {"kind": "swap", "asset": give, "quantity": fmt_decimal(give_qty), "counter_asset": get,
            "counter_quantity": fmt_decimal(get_qty)}


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import produced; see the module docstring for the three destinations of a row.

    Examples:
        >>> from hkvatax.io.importers import import_file
        >>> result = import_file("wallet", text="timestamp,type,asset,quantity\\n2025-05-02T02:00:00Z,receive,ETH,1\\n")
        >>> result.format, result.rows_read, len(result.movements), result.problems, result.unaccounted()
        ('wallet', 1, 1, (), [])
    """

    format: str
    file: str
    rows_read: int
    rows: tuple[GenericRow, ...] = ()
    events: tuple[Any, ...] = ()
    problems: tuple[Problem, ...] = ()
    unsupported: tuple[Problem, ...] = ()
    #: the line numbers of every data row read, and rows that fed an event recorded at another row
    row_lines: tuple[int, ...] = ()
    also_used: tuple[tuple[int, int], ...] = ()
    movements: tuple[Movement, ...] = ()
    prices: tuple[PriceObservation, ...] = ()
    internal: tuple[tuple[SourceRef, str], ...] = ()

    def unaccounted(self) -> list[int]:
        """Data rows that are neither used nor reported (always empty: the suite checks it). A ``bad_file``
        problem refuses the whole file (e.g. a header without a column the format needs): it reports every
        row, and no row of such a file is used."""
        if any(p.code == "bad_file" for p in self.problems) and not self.rows:
            return []
        done = {r.source.row for r in self.rows} | {p.source.row for p in self.problems + self.unsupported}
        done |= {line for line, _ in self.also_used} | {m.source.row for m in self.movements}
        done |= {src.row for src, _ in self.internal}
        return [line for line in self.row_lines if line not in done]

    def raise_for_problems(self, *, strict: bool = False) -> None:
        """Raise :class:`InputError` with every problem (and, if ``strict``, every unsupported row)."""
        problems = list(self.problems) + (list(self.unsupported) if strict else [])
        if problems:
            raise InputError(problems)


@dataclass(slots=True)
class Table:
    """A CSV export read into rows: header (as written) and (line, column -> text) pairs."""

    file: str
    header: list[str]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    #: rows that fed an event recorded at another row (e.g. the second leg of a Kraken trade): row -> row
    also_used: dict[int, int] = field(default_factory=dict)
    movements: list[Movement] = field(default_factory=list)
    prices: list[PriceObservation] = field(default_factory=list)
    internal: list[tuple[SourceRef, str]] = field(default_factory=list)


def _clean_header(cell: str) -> str:
    return cell.replace("\ufeff", "").strip().strip('"').strip()


def read_table(text: str, file: str, *, required: Sequence[str], format_name: str,
               search_lines: int = 1, number_repeats: bool = False) -> Table:
    """Read ``text`` as CSV whose header holds every column in ``required``.

    The header is looked for in the first ``search_lines`` lines (some exports put a preamble before
    it). A file without such a header gives one ``bad_file`` problem naming the expected columns.
    Rows with the wrong number of cells, or unreadable CSV, give ``bad_row`` — never a silent skip.
    """
    table = Table(file, [])
    reader = Records(text)
    header: list[str] | None = None
    seen_lines = 0
    try:
        for cells in reader:
            seen_lines += 1
            cleaned = [_clean_header(c) for c in cells]
            if all(r in cleaned for r in required):
                header = cleaned
                break
            if seen_lines >= search_lines:
                break
    except LineRefused as exc:  # a header (or preamble) line that opens a quote: the file is refused there
        table.problems.append(Problem("bad_file", f"not readable as CSV: {exc.message}",
                                      SourceRef(file=file, row=exc.line)))
        return table
    except csv.Error as exc:
        table.problems.append(Problem("bad_file", f"not readable as CSV: {exc}", SourceRef(file=file,
                                                                                     row=reader.line_num)))
        return table
    if header is None:
        table.problems.append(Problem(
            "bad_file", f"not a {format_name} export: no header with the columns {', '.join(required)}",
            SourceRef(file=file, row=1 if seen_lines else None), None,
            f"export the file again from {format_name}, or pick the right format (hkvatax import --help)"))
        return table
    if number_repeats:  # OKX writes "Unit" twice: the second becomes "Unit (2)"
        header = [h if header[:i].count(h) == 0 else f"{h} ({header[:i].count(h) + 1})"
                  for i, h in enumerate(header)]
    table.header = header
    if len(set(header)) != len(header):
        table.problems.append(Problem("bad_file", "the header repeats a column", SourceRef(file=file,
                                                                                         row=reader.line_num)))
        return table
    for line, record in records(reader, file):
        if isinstance(record, Problem):
            table.problems.append(record)
            continue
        cells = record
        if not cells or all(not c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            table.problems.append(Problem("bad_row", f"{len(cells)} cells where the header has {len(header)}",
                                          SourceRef(file=file, row=line)))
            continue
        table.rows.append((line, {h: c.strip() for h, c in zip(header, cells, strict=True)}))
    return table


def parse_number(text: str, src: SourceRef, column: str, problems: list[Problem]) -> Decimal | None:
    """A Decimal from export text in the one number grammar (:mod:`hkvatax.grammar`: thousands separators
    only in their places, an exponent of at most ±40, at most 18 places, at most 10^18 in size), or None
    with a problem."""
    try:
        return parse_decimal(text, MAX_QUANTITY)
    except GrammarError as exc:
        problems.append(Problem(exc.code, exc.message, src, column,
                                "write a plain decimal number such as 1234.56" if exc.code == "not_a_number"
                                else None))
        return None


def fmt_decimal(value: Decimal) -> str:
    """Plain (non-exponent) text of a Decimal, for the generic CSV."""
    text = format(value, "f")
    return text


def parse_utc(text: str, src: SourceRef, column: str, problems: list[Problem], *, zone: tzinfo = UTC) -> str | None:
    """An ISO timestamp; a time without a zone is in ``zone`` (UTC unless the export's format says otherwise)."""
    raw = text.strip()
    if raw.upper().endswith(" UTC"):
        raw = raw[:-4].strip()
    try:  # the one timestamp grammar (hkvatax.grammar)
        moment = read_timestamp(raw)
    except GrammarError as exc:
        problems.append(Problem("bad_timestamp", exc.message, src, column,
                                None if not raw else "the export's own format is YYYY-MM-DD HH:MM:SS (UTC)"))
        return None
    if moment.tzinfo is None or moment.tzinfo.utcoffset(moment) is None:
        moment = moment.replace(tzinfo=zone)
    return moment.isoformat()


def parse_instant(text: str, src: SourceRef, column: str, problems: list[Problem], *,
                  zone: tzinfo = UTC) -> datetime | None:
    """:func:`parse_utc` as a datetime (for movements)."""
    iso = parse_utc(text, src, column, problems, zone=zone)
    return None if iso is None else datetime.fromisoformat(iso)


def add_movement(table: Table, src: SourceRef, direction: Literal["in", "out"], row: Mapping[str, str], *,
                 time_col: str, qty_col: str, asset_col: str, problems: list[Problem], wallet: str, txid: str = "",
                 note: str = "") -> None:
    """A deposit or withdrawal row whose quantity (any sign) is in ``qty_col``: a movement, or its problems."""
    mine: list[Problem] = []
    moment = parse_instant(row[time_col], src, time_col, mine)
    qty = parse_number(row[qty_col], src, qty_col, mine)
    asset = row[asset_col].strip().upper()
    if not asset:
        mine.append(Problem("missing_field", f"{asset_col} is empty", src, asset_col))
    if qty == 0:
        mine.append(Problem("non_positive", "a movement of nothing", src, qty_col))
    if mine or moment is None or qty is None:
        problems.extend(mine)
        return
    table.movements.append(Movement(src, direction, moment, asset, qty.copy_abs(), None, txid, wallet, note))


def generic_row(**cells: str | None) -> dict[str, str]:
    """A generic-CSV row with every column present (empty unless given)."""
    unknown = set(cells) - set(CSV_COLUMNS)
    if unknown:  # pragma: no cover - a programming error in an importer
        raise KeyError(f"not generic CSV columns: {sorted(unknown)}")
    return {c: (cells.get(c) or "") for c in CSV_COLUMNS}


def file_tag(file: str) -> str:
    """A short, id-safe tag for a file name (for event ids)."""
    stem = Path(file).stem or "file"
    tag = re.sub(r"[^A-Za-z0-9_.-]+", "_", stem)[:40]
    return tag or "file"


class Importer:
    """Base class: subclasses set ``name``, ``title``, ``required`` and implement :meth:`convert`.

    Examples:
        >>> from hkvatax.io.importers import IMPORTERS
        >>> wallet = IMPORTERS["wallet"]
        >>> isinstance(wallet, Importer), wallet.name, wallet.required
        (True, 'wallet', ('timestamp', 'type', 'asset', 'quantity'))
    """

    name: str = ""
    title: str = ""
    required: tuple[str, ...] = ()
    search_lines: int = 1
    number_repeats: bool = False
    #: the account name an export's rows carry when the user does not label the source
    wallet: str = ""

    def convert(self, table: Table) -> tuple[list[tuple[SourceRef, dict[str, str]]], list[Problem], list[Problem]]:
        """Export rows -> (generic rows with their source, problems, unsupported rows)."""
        raise NotImplementedError

    def read(self, path: str | Path | None = None, *, text: str | None = None, file: str | None = None,
             context: Mapping[str, Any] | None = None) -> ImportResult:
        name = file or (str(path) if path is not None else f"<{self.name}>")
        if text is None:
            if path is None:
                raise ValueError("give a path or the text")
            try:
                text = Path(path).read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError) as exc:
                return ImportResult(self.name, name, 0, problems=(Problem("bad_file", f"cannot read: {exc}",
                                                                          SourceRef(file=name)),))
        text = text.lstrip("\ufeff")
        table = read_table(text, name, required=self.required, format_name=self.title,
                           search_lines=self.search_lines, number_repeats=self.number_repeats)
        if not table.header:
            return ImportResult(self.name, name, 0, problems=tuple(table.problems))
        produced, problems, unsupported = self.convert(table)
        problems = table.problems + problems
        rows: list[GenericRow] = []
        events: list[Any] = []
        for src, cells in sorted(produced, key=lambda item: item[0].row or 0):
            rows.append(GenericRow(src, tuple(cells.items())))
            event, row_problems = event_from_row(cells, src.file or name, src.row or 0, context)
            problems.extend(row_problems)
            if event is not None:
                events.append(event)
        return ImportResult(self.name, name, len(table.rows) + _bad_rows(table.problems), tuple(rows),
                            tuple(events), tuple(problems), tuple(unsupported),
                            tuple(line for line, _ in table.rows), tuple(sorted(table.also_used.items())),
                            tuple(table.movements), tuple(table.prices), tuple(table.internal))


def _bad_rows(problems: Iterable[Problem]) -> int:
    return sum(1 for p in problems if p.code == "bad_row")
