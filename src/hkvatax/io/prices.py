"""Price files, trade prices and named rate conventions (docs/formats.md § Price file; decisions 0110, 0111).

A **price file** is a CSV with the columns ``instant`` or ``date``, ``base``, ``quote``, ``price``,
``source``: one unit of ``base`` was worth ``price`` units of ``quote``. Each row fills exactly one of
``instant`` (ISO 8601 with an offset) and ``date`` (``YYYY-MM-DD``). A **date** means the observation
covers that Hong Kong calendar day: it is stamped at 00:00:00 Hong Kong time (+08:00) of the day, so
with the default maximum age of one day the look-up rule (decision 0004) uses it for every instant of
that day, and the next day's observation, if any, takes over at the next midnight. Each row becomes a
:class:`~hkvatax.models.prices.Rate` whose ``source`` keeps the file and row, or a named problem.

**Conventions** (:data:`CONVENTIONS`) — USDT = 1 USD, USD/HKD 7.80 … — are never applied by
themselves: :func:`convention_rates` emits them only for the ids the user names, as rates whose source
names the assumption id, at the instants asked for.

Nothing is fetched from a network; CSV is read with :mod:`csv` only.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone, tzinfo
from decimal import Decimal
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from ..errors import Problem, SourceRef
from ..grammar import GrammarError, read_date
from ..models.prices import Rate
from .csvrecords import LineRefused, Records, records
from .safe_csv import write_csv
from .validation import problems_from_validation

__all__ = [
    "PRICE_COLUMNS",
    "HK_DAY_ZONE",
    "Convention",
    "CONVENTIONS",
    "read_price_file",
    "convention_rates",
    "rates_csv",
]

PRICE_COLUMNS: tuple[str, ...] = ("instant", "date", "base", "quote", "price", "source")
#: The zone a ``date`` is a calendar day of (Hong Kong has kept +08:00 all year since 1980).
HK_DAY_ZONE: tzinfo = timezone(timedelta(hours=8), "HKT")

_RATE: TypeAdapter[Rate] = TypeAdapter(Rate)


@dataclass(frozen=True, slots=True)
class Convention:
    """A rate the user may choose to assume: ``1 base = rate quote``, with its id and reason."""

    id: str
    base: str
    quote: str
    rate: Decimal
    reason: str

    @property
    def source(self) -> str:
        return f"assumption {self.id}: {self.reason} (docs/decisions/0111)"


#: Every convention a user can switch on (``hkvatax import --assume ID``), by id.
CONVENTIONS: dict[str, Convention] = {c.id: c for c in (
    Convention("usdt_usd_par", "USDT", "USD", Decimal(1),
               "USDT taken as exactly 1 USD (its issuer's peg, not a market price)"),
    Convention("usdc_usd_par", "USDC", "USD", Decimal(1),
               "USDC taken as exactly 1 USD (its issuer's peg, not a market price)"),
    Convention("usd_hkd_7_80", "USD", "HKD", Decimal("7.80"),
               "USD/HKD taken as 7.80, the centre of the Linked Exchange Rate System's 7.75-7.85 band "
               "(HKMA), not the day's market rate"),
)}


def _cell(row: dict[str, str], name: str) -> str:
    return (row.get(name) or "").strip()


def read_price_file(path: str | Path | None = None, *, text: str | None = None, file: str | None = None,
                    default_tz: tzinfo | None = None) -> tuple[list[Rate], list[Problem]]:
    """Read a price file into rates (source text keeps file and row) and problems, one per bad row.

    A bad row never stops the rest of the file being read. An ``instant`` without an offset is refused
    (``naive_timestamp``) unless ``default_tz`` is given.
    """
    name = file or (str(path) if path is not None else "<prices>")
    if text is None:
        if path is None:
            raise ValueError("give a path or the text")
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            return [], [Problem("bad_file", f"cannot read: {exc}", SourceRef(file=name))]
    text = text.lstrip("\ufeff")
    reader = Records(text)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        return [], [Problem("bad_file", "the price file is empty (no header row)", SourceRef(file=name))]
    except (csv.Error, LineRefused) as exc:
        return [], [Problem("bad_file", f"not readable as CSV: {exc}", SourceRef(file=name, row=1))]
    problems: list[Problem] = []
    for h in header:
        if h not in PRICE_COLUMNS:
            problems.append(Problem("unknown_field", f"column {h!r} is not part of the price file format",
                                    SourceRef(file=name, row=1), h, "columns: " + ", ".join(PRICE_COLUMNS)))
    for required in ("base", "quote", "price", "source"):
        if required not in header:
            problems.append(Problem("missing_field", f"the header has no {required!r} column",
                                    SourceRef(file=name, row=1), required))
    if "instant" not in header and "date" not in header:
        problems.append(Problem("missing_field", "the header needs an 'instant' or a 'date' column",
                                SourceRef(file=name, row=1), "instant"))
    if len(set(header)) != len(header):
        problems.append(Problem("bad_file", "the header repeats a column", SourceRef(file=name, row=1)))
    if problems:
        return [], problems
    rates: list[Rate] = []
    for line, cells in records(reader, name):
        if isinstance(cells, Problem):
            problems.append(cells)
            continue
        if not cells or all(not c.strip() for c in cells):
            continue
        src = SourceRef(file=name, row=line)
        if len(cells) != len(header):
            problems.append(Problem("bad_row", f"{len(cells)} cells where the header has {len(header)}", src))
            continue
        rate, row_problems = _price_row(dict(zip(header, cells, strict=True)), src, default_tz)
        problems.extend(row_problems)
        if rate is not None:
            rates.append(rate)
    return rates, problems


def _price_row(row: dict[str, str], src: SourceRef, default_tz: tzinfo | None) -> tuple[Rate | None, list[Problem]]:
    instant, day, source = _cell(row, "instant"), _cell(row, "date"), _cell(row, "source")
    if instant and day:
        return None, [Problem("invalid_field", "a row gives both an instant and a date; give one", src, "date")]
    if not instant and not day:
        return None, [Problem("missing_field", "a row needs an instant or a date", src, "instant")]
    if not source:
        return None, [Problem("missing_field", "every price needs its source (who published it)", src, "source",
                              "e.g. 'CoinGecko daily close' or 'HKMA indicative'")]
    at: str | datetime = instant
    if day:
        try:
            at = datetime.combine(read_date(day), time(0), HK_DAY_ZONE)
        except GrammarError:
            return None, [Problem("bad_timestamp", f"{day[:40]!r} is not a date (YYYY-MM-DD)", src, "date")]
    data = {"base": _cell(row, "base"), "quote": _cell(row, "quote"), "rate": _cell(row, "price"), "at": at,
            "source": f"{source} ({src.file} row {src.row})",
            "provenance": {"file": src.file, "row": src.row, "path": None}}
    try:
        return _RATE.validate_python(data, context={"default_tz": default_tz}), []
    except ValidationError as exc:
        return None, problems_from_validation(exc, src, column_names={"rate": "price",
                                                                      "at": "date" if day else "instant"})


def convention_rates(ids: Iterable[str], instants: Iterable[datetime]) -> tuple[list[Rate], list[Problem]]:
    """The rates of the named conventions at each instant (an unknown id is a problem)."""
    chosen: list[Convention] = []
    problems: list[Problem] = []
    for cid in ids:
        if cid not in CONVENTIONS:
            problems.append(Problem("invalid_field", f"unknown rate convention {cid!r}", SourceRef(), "assume",
                                    "known: " + ", ".join(sorted(CONVENTIONS))))
        elif CONVENTIONS[cid] not in chosen:
            chosen.append(CONVENTIONS[cid])
    moments = sorted(set(instants))
    return [Rate(base=c.base, quote=c.quote, rate=c.rate, at=m, source=c.source)
            for c in chosen for m in moments], problems


def rates_csv(rates: Iterable[Rate]) -> str:
    """Rates as a rates CSV (``base,quote,rate,at,source``; docs/formats.md), sorted, formula-safe."""
    out = io.StringIO()
    ordered = sorted(rates, key=lambda r: (r.base, r.quote, r.at, r.source, r.rate))
    write_csv(out, ("base", "quote", "rate", "at", "source"),
              ([r.base, r.quote, format(r.rate, "f"), r.at.isoformat(), r.source] for r in ordered))
    return out.getvalue()
