"""Several exports of one taxpayer into one generic CSV ledger, one rates CSV and a provenance table.

    >>> from hkvatax.io import Source, import_sources
    >>> book = import_sources([Source.parse("binance-statement:statement.csv@binance-main"),
    ...                        Source.parse("wallet:cold.csv@cold")], prices=["prices.csv"])  # doctest: +SKIP
    >>> book.ledger_csv(), book.rates_csv(), book.provenance_csv(), book.unexplained  # doctest: +SKIP

What happens to every data row of every file (docs/importers.md § Several sources; decision 0113):

* rows an importer maps to events become generic-CSV rows; their ``wallet`` is the source's account
  label and their ``id`` is prefixed with it, so two exports never collide;
* the prices an export states become rates ("the trade itself", with file and row);
* deposits and withdrawals (movements) of a token are **paired**: a withdrawal from one account and a
  deposit of the same asset into another, the deposit stamped no more than ``skew`` before and
  ``window`` after the withdrawal, the deposited quantity at most the withdrawn one and short of it by
  no more than ``fee_tolerance`` of it, become one ``transfer`` row whose fee is the stated fee plus
  the shortfall (a network fee, in the asset) — never a disposal. Withdrawals are taken in time
  order; among candidate deposits the tie-breaks are: the same transaction hash; then the smallest
  shortfall; then the nearest in time; then the earliest source and row. Two different hashes never
  pair;
* a movement the user answered (answers file) becomes the event the answer states;
* a movement of fiat money is not a virtual-asset event: kept in the provenance as ``fiat``;
* every other movement is **unexplained**: listed with a suggestion, never dropped;
* a bad row is reported with its file and row and the rest of the file is imported.

Nothing here applies tax law; the ledger does the rest when the generic CSV is assessed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from ..errors import Problem, SourceRef
from ..escape import escape_text
from ..grammar import GrammarError, read_timestamp
from ..models.prices import Rate
from .csvrecords import LineRefused, Records, records
from .loaders import ACCEPTED_COLUMNS, CSV_COLUMNS, OPTIONAL_COLUMNS, event_from_row
from .prices import convention_rates, rates_csv, read_price_file
from .safe_csv import write_csv

__all__ = [
    "Source",
    "Answer",
    "Provenance",
    "Unexplained",
    "ImportBook",
    "import_sources",
    "read_answers",
    "ANSWER_COLUMNS",
    "DEPOSIT_ANSWERS",
    "WITHDRAWAL_ANSWERS",
]

ANSWER_COLUMNS: tuple[str, ...] = ("file", "row", "answer", "account", "amount", "currency", "at", "subtype",
                                   "pair_file", "pair_row", "note")
#: What an unpaired deposit can be, and what an unpaired withdrawal can be (answers file, ``answer``).
DEPOSIT_ANSWERS: dict[str, str] = {
    "opening_lot": "held before these records: a lot bought at `at` for `amount` `currency`",
    "acquisition": "bought elsewhere for `amount` `currency` (at `at`, default the deposit's time)",
    "receipt": "received without buying it (`subtype`: airdrop, staking, mining, fork, lending_interest, "
               "payment_received, salary, gift; `amount` `currency` its value if known)",
    "transfer_from": "moved from another own account not given as a source (`account`)",
    "pair": "the deposit of the withdrawal at `pair_file` row `pair_row` (outside the automatic window)",
}
WITHDRAWAL_ANSWERS: dict[str, str] = {
    "transfer_to": "moved to another own account not given as a source (`account`)",
    "payment": "paid for goods or services (`amount` `currency` their value if known)",
    "disposal": "sold elsewhere for `amount` `currency`",
    "loss": "left without a sale (`subtype`: loss, theft, slashing, gift, donation; `amount` `currency` its "
            "market value if known)",
    "pair": "the withdrawal of the deposit at `pair_file` row `pair_row` (outside the automatic window)",
}


@dataclass(frozen=True, slots=True)
class Source:
    """One export: its format, its file, and the account or wallet it is of."""

    format: str
    path: Path
    account: str

    @classmethod
    def parse(cls, spec: str) -> Source:
        """``FORMAT:PATH@ACCOUNT`` (``@ACCOUNT`` optional: the format's own account name is used)."""
        fmt, sep, rest = spec.partition(":")
        if not sep or not fmt or not rest:
            raise ValueError(f"a source is FORMAT:PATH[@ACCOUNT], got {spec!r}")
        path, at, account = rest.rpartition("@")
        if not at:
            path, account = rest, ""
        if not path:
            raise ValueError(f"a source is FORMAT:PATH[@ACCOUNT], got {spec!r}")
        return cls(fmt.strip().lower(), Path(path), account.strip())


@dataclass(frozen=True, slots=True)
class Answer:
    """The user's statement of what one deposit or withdrawal was (one row of the answers file)."""

    file: str
    row: int
    answer: str
    cells: tuple[tuple[str, str], ...]
    source: SourceRef

    def get(self, name: str) -> str:
        return dict(self.cells).get(name, "")


@dataclass(frozen=True, slots=True)
class Provenance:
    """What became of one data row of one input file."""

    file: str
    row: int
    account: str
    format: str
    outcome: str  # event | also_used | transfer | answered | fiat | internal | unsupported | problem | unexplained
    ledger_id: str = ""
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Unexplained:
    """A deposit or withdrawal that nothing explains yet, with what it may be."""

    source: SourceRef
    account: str
    direction: str
    asset: str
    quantity: Decimal
    timestamp: datetime
    suggestion: str

    def __str__(self) -> str:
        what = "deposit" if self.direction == "in" else "withdrawal"
        return escape_text(f"{self.source}: unpaired {what} of {self.quantity} {self.asset} at {self.account} "
                           f"({self.timestamp.isoformat()}); {self.suggestion}")


@dataclass(slots=True)
class ImportBook:
    """The result of :func:`import_sources`."""

    rows: list[dict[str, str]] = field(default_factory=list)
    rates: list[Rate] = field(default_factory=list)
    provenance: list[Provenance] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unsupported: list[Problem] = field(default_factory=list)
    unexplained: list[Unexplained] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No bad row, no unsupported row and no unexplained movement."""
        return not (self.problems or self.unsupported or self.unexplained)

    def ledger_csv(self) -> str:
        out = io.StringIO()
        columns = CSV_COLUMNS + tuple(c for c in OPTIONAL_COLUMNS if any(r.get(c) for r in self.rows))
        write_csv(out, columns, ([r.get(c, "") for c in columns] for r in self.rows))
        return out.getvalue()

    def rates_csv(self) -> str:
        return rates_csv(self.rates)

    def provenance_csv(self) -> str:
        out = io.StringIO()
        write_csv(out, ("file", "row", "account", "format", "outcome", "ledger_id", "detail"),
                  ([p.file, p.row, p.account, p.format, p.outcome, p.ledger_id, p.detail] for p in self.provenance))
        return out.getvalue()

    def report(self) -> str:
        """A short text report: counts by outcome, then every problem and unexplained movement."""
        counts: dict[str, int] = {}
        for p in self.provenance:
            counts[p.outcome] = counts.get(p.outcome, 0) + 1
        lines = [f"{sum(counts.values())} rows read: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
                 + f"; {len(self.rows)} ledger rows, {len(self.rates)} rates"]
        lines += [f"problem: {p}" for p in self.problems]
        lines += [f"not imported: {p}" for p in self.unsupported]
        lines += [f"unexplained: {u}" for u in self.unexplained]
        return "\n".join(lines) + "\n"


@dataclass(slots=True)
class _Move:
    order: tuple[int, int]
    account: str
    fmt: str
    source: SourceRef
    direction: str
    timestamp: datetime
    asset: str
    quantity: Decimal
    fee: Decimal | None
    txid: str
    note: str
    done: bool = False


def _tag(path: Path) -> str:
    from .importers.base import file_tag

    return file_tag(str(path))


def _read_generic(source: Source, index: int, book: ImportBook) -> None:
    """A generic CSV ledger as a source: rows kept as written, validated, wallet defaulting to the account."""
    name = str(source.path)
    try:
        text = source.path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        book.problems.append(Problem("bad_file", f"cannot read: {exc}", SourceRef(file=name)))
        return
    reader = Records(text.lstrip("\ufeff"))
    try:
        header = [h.strip().lower() for h in next(reader, [])]
    except (csv.Error, LineRefused):
        header = []
    bad = [h for h in header if h not in ACCEPTED_COLUMNS]
    if not header or bad or "timestamp" not in header or "kind" not in header:
        book.problems.append(Problem("bad_file", "not a generic CSV ledger: " + (
            f"unknown columns {', '.join(bad)}" if bad else "no header with timestamp and kind"),
            SourceRef(file=name, row=1), None, "see docs/formats.md for the columns"))
        return
    for line, cells in records(reader, name):
        if isinstance(cells, Problem):
            book.problems.append(cells)
            book.provenance.append(Provenance(name, line, source.account, source.format, "problem", "", cells.code))
            continue
        if not cells or all(not c.strip() for c in cells):
            continue
        src = SourceRef(file=name, row=line)
        if len(cells) != len(header):
            book.problems.append(Problem("bad_row", f"{len(cells)} cells where the header has {len(header)}", src))
            book.provenance.append(Provenance(name, line, source.account, source.format, "problem", "", "bad_row"))
            continue
        row = {c: "" for c in CSV_COLUMNS} | dict(zip(header, (c.strip() for c in cells), strict=True))
        if not row["wallet"] and source.account:
            row["wallet"] = source.account
        if not row["id"]:
            row["id"] = f"{source.account or 'generic'}:{_tag(source.path)}:r{line}"
        _, row_problems = event_from_row(row, name, line, {"default_tz": _ANY_TZ})
        if row_problems:
            book.problems.extend(row_problems)
            book.provenance.append(Provenance(name, line, source.account, source.format, "problem", "",
                                              "; ".join(p.code for p in row_problems)))
            continue
        book.rows.append(row)
        book.provenance.append(Provenance(name, line, source.account, source.format, "event", row["id"]))


# a zone only for validating naive generic rows here; the row keeps its text and the profile's zone applies
_ANY_TZ = UTC


def _read_export(source: Source, index: int, book: ImportBook, moves: list[_Move]) -> None:
    from .importers import IMPORTERS

    importer = IMPORTERS[source.format]
    account = source.account or importer.wallet or importer.title
    result = importer.read(source.path)
    name = result.file
    book.problems.extend(result.problems)
    book.unsupported.extend(result.unsupported)

    def prov(row: int | None, outcome: str, ledger_id: str = "", detail: str = "") -> None:
        book.provenance.append(Provenance(name, row or 0, account, source.format, outcome, ledger_id, detail))

    for g in result.rows:
        cells = g.as_dict()
        cells["id"] = f"{account}:{cells['id']}"
        if cells.get("wallet"):
            cells["wallet"] = account
        book.rows.append(cells)
        prov(g.source.row, "event", cells["id"])
    for line, first in result.also_used:
        prov(line, "also_used", detail=f"second leg of the event at row {first}")
    for src, why in result.internal:
        prov(src.row, "internal", detail=why)
    for p in result.unsupported:
        prov(p.source.row, "unsupported", detail=p.message)
    seen_problem_rows: set[int] = set()
    for p in result.problems:
        if p.source.row is not None and p.source.row not in seen_problem_rows:
            seen_problem_rows.add(p.source.row)
            prov(p.source.row, "problem", detail=f"{p.code}: {p.message}")
    used = {r.source.row for r in result.rows}
    for obs in result.prices:
        if obs.source.row not in used:
            continue
        book.rates.append(Rate(base=obs.base, quote=obs.quote, rate=obs.price, at=obs.at,
                               source=f"{obs.origin} ({name} row {obs.source.row})",
                               provenance=obs.source))
    for m in result.movements:
        moves.append(_Move((index, m.source.row or 0), account, source.format, m.source, m.direction, m.timestamp,
                           m.asset, m.quantity, m.fee, m.txid, m.note))


def read_answers(path: str | Path) -> tuple[list[Answer], list[Problem]]:
    """The answers file: one row per deposit or withdrawal explained (columns :data:`ANSWER_COLUMNS`)."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [Problem("bad_file", f"cannot read: {exc}", SourceRef(file=name))]
    reader = Records(text.lstrip("\ufeff"))
    try:
        header = [h.strip().lower() for h in next(reader, [])]
    except (csv.Error, LineRefused):
        return [], [Problem("bad_file", "not readable as CSV: the header opens a quote it does not close",
                            SourceRef(file=name, row=1))]
    problems = [Problem("unknown_field", f"column {h!r} is not part of the answers file", SourceRef(file=name, row=1),
                        h, "columns: " + ", ".join(ANSWER_COLUMNS)) for h in header if h not in ANSWER_COLUMNS]
    for need in ("file", "row", "answer"):
        if need not in header:
            problems.append(Problem("missing_field", f"the header has no {need!r} column", SourceRef(file=name, row=1),
                                    need))
    if problems:
        return [], problems
    answers: list[Answer] = []
    for line, cells in records(reader, name):
        if isinstance(cells, Problem):
            problems.append(cells)
            continue
        src = SourceRef(file=name, row=line)
        if not cells:
            continue
        if len(cells) > len(header):
            problems.append(Problem("bad_row", f"{len(cells)} cells where the header has {len(header)}", src))
            continue
        row = dict(zip(header, [c.strip() for c in cells] + [""] * (len(header) - len(cells)), strict=True))
        if not any(row.values()):
            continue
        if not row.get("row", "").isdigit():
            problems.append(Problem("invalid_field", f"row {row.get('row', '')!r} is not a row number", src, "row"))
            continue
        answer = row.get("answer", "").lower()
        if answer not in DEPOSIT_ANSWERS and answer not in WITHDRAWAL_ANSWERS:
            problems.append(Problem("invalid_field", f"answer {answer!r} is not known", src, "answer",
                                    "deposits: " + ", ".join(DEPOSIT_ANSWERS) + "; withdrawals: "
                                    + ", ".join(WITHDRAWAL_ANSWERS)))
            continue
        answers.append(Answer(row.get("file", ""), int(row["row"]), answer, tuple(row.items()), src))
    return answers, problems


def _file_keys(path: Path) -> tuple[str, str]:
    return str(path), path.name


def _answer_rows(move: _Move, ans: Answer, moves_by_key: Mapping[tuple[str, int], _Move],
                 book: ImportBook) -> list[dict[str, str]] | None:
    """The generic rows an answer makes of a movement, or None (with a problem) when it does not fit."""
    src = ans.source
    allowed = DEPOSIT_ANSWERS if move.direction == "in" else WITHDRAWAL_ANSWERS
    what = "deposit" if move.direction == "in" else "withdrawal"
    if ans.answer not in allowed:
        book.problems.append(Problem("invalid_field", f"{ans.answer!r} is not an answer for a {what}", src, "answer",
                                     f"a {what} can be: " + ", ".join(allowed)))
        return None
    base_id = f"{move.account}:answer:{_tag(Path(move.source.file or ''))}:r{move.source.row}"
    note = (f"{ans.answer} stated in {src.file} row {src.row} for the {what} at {move.source.file} row "
            f"{move.source.row}" + (f": {ans.get('note')}" if ans.get("note") else ""))
    when = ans.get("at") or move.timestamp.isoformat()
    qty = format(move.quantity, "f")
    row = {c: "" for c in CSV_COLUMNS} | {"id": base_id, "timestamp": move.timestamp.isoformat(), "asset": move.asset,
                                          "quantity": qty, "wallet": move.account, "note": note}
    amount, currency = ans.get("amount"), ans.get("currency").upper()

    def need(*names: str) -> bool:
        missing = [n for n in names if not ans.get(n)]
        for n in missing:
            book.problems.append(Problem("missing_field", f"the answer {ans.answer!r} needs {n!r}", src, n))
        return not missing

    if ans.answer in {"opening_lot", "acquisition"}:
        if not need("amount", "currency", *(("at",) if ans.answer == "opening_lot" else ())):
            return None
        row.update(kind="acquisition", amount=amount, currency=currency, timestamp=when)
    elif ans.answer == "receipt":
        if not need("subtype"):
            return None
        row.update(kind="receipt", subtype=ans.get("subtype"), amount=amount, currency=currency if amount else "")
    elif ans.answer in {"transfer_from", "transfer_to"}:
        if not need("account"):
            return None
        other = ans.get("account")
        row.update(kind="transfer", wallet=other if move.direction == "in" else move.account,
                   to_wallet=move.account if move.direction == "in" else other)
        if move.direction == "out" and move.fee:
            row.update(fee_amount=format(move.fee, "f"), fee_currency=move.asset)
    elif ans.answer == "payment":
        row.update(kind="payment", amount=amount, currency=currency if amount else "")
    elif ans.answer == "disposal":
        if not need("amount", "currency"):
            return None
        row.update(kind="disposal", amount=amount, currency=currency)
    elif ans.answer == "loss":
        row.update(kind="loss", subtype=ans.get("subtype") or "loss", amount=amount,
                   currency=currency if amount else "")
    elif ans.answer == "pair":
        if not need("pair_file", "pair_row"):
            return None
        other_move = moves_by_key.get((ans.get("pair_file"), int(ans.get("pair_row") or 0))) \
            if ans.get("pair_row").isdigit() else None
        if other_move is None or other_move.direction == move.direction or other_move.asset != move.asset \
                or other_move.account == move.account or other_move.done:
            book.problems.append(Problem("invalid_field", "pair_file/pair_row do not name an unexplained movement of "
                                         f"{move.asset} the other way at another account", src, "pair_row"))
            return None
        out, dep = (move, other_move) if move.direction == "out" else (other_move, move)
        if dep.quantity > out.quantity:
            book.problems.append(Problem("invalid_field", f"the deposit ({dep.quantity}) is more than the withdrawal "
                                         f"({out.quantity})", src, "pair_row"))
            return None
        transfer = _transfer_row(out, dep, f"paired by the answer in {src.file} row {src.row}")
        other_move.done = True
        book.provenance.append(Provenance(other_move.source.file or "", other_move.source.row or 0,
                                          other_move.account, other_move.fmt, "answered", transfer["id"], note))
        return [transfer]
    if row.get("kind") in {"acquisition", "disposal", "payment", "receipt", "loss", "transfer"} and move.direction == \
            "out" and move.fee and ans.answer != "transfer_to":
        row.update(fee_amount=format(move.fee, "f"), fee_currency=move.asset)
    return [row]


def _transfer_row(out: _Move, dep: _Move, how: str) -> dict[str, str]:
    shortfall = out.quantity - dep.quantity
    if out.fee and shortfall == out.fee:  # the export's quantity included its stated fee: count it once
        fee, stated = out.fee, "stated, included in the withdrawal"
    else:
        fee = (out.fee or Decimal(0)) + shortfall
        stated = "stated" if out.fee and not shortfall else "stated and inferred" if out.fee else "inferred"
    note = (f"transfer: withdrawal {out.source.file} row {out.source.row} -> deposit {dep.source.file} row "
            f"{dep.source.row}; {how}" + (f"; network fee {fee} {out.asset} ({stated})" if fee else ""))
    row = {c: "" for c in CSV_COLUMNS} | {
        "id": f"{out.account}:transfer:{_tag(Path(out.source.file or ''))}:r{out.source.row}",
        "timestamp": out.timestamp.isoformat(), "kind": "transfer", "asset": out.asset,
        "quantity": format(dep.quantity, "f"), "wallet": out.account, "to_wallet": dep.account, "note": note}
    if fee:
        row.update(fee_amount=format(fee, "f"), fee_currency=out.asset)
    return row


def _pair(moves: list[_Move], book: ImportBook, window: timedelta, skew: timedelta, tolerance: Decimal) -> None:
    deposits: dict[str, list[_Move]] = {}
    for m in moves:
        if m.direction == "in" and not m.done:
            deposits.setdefault(m.asset, []).append(m)
    for out in sorted((m for m in moves if m.direction == "out" and not m.done),
                      key=lambda m: (m.timestamp, m.order)):
        candidates = []
        for dep in deposits.get(out.asset, ()):
            if dep.done or dep.account == out.account:
                continue
            if not out.timestamp - skew <= dep.timestamp <= out.timestamp + window:
                continue
            if out.txid and dep.txid and out.txid != dep.txid:
                continue
            shortfall = out.quantity - dep.quantity
            if shortfall < 0 or shortfall > tolerance * out.quantity:
                continue
            same_tx = bool(out.txid) and out.txid == dep.txid
            candidates.append(((0 if same_tx else 1, shortfall, abs(dep.timestamp - out.timestamp), dep.order), dep))
        if not candidates:
            continue
        key, dep = min(candidates, key=lambda c: c[0])
        how = ("same transaction hash" if key[0] == 0 else
               f"same asset, {dep.timestamp - out.timestamp} apart, shortfall {format(key[1], 'f')}")
        row = _transfer_row(out, dep, f"paired automatically ({how}; decision 0113)")
        book.rows.append(row)
        for m in (out, dep):
            m.done = True
            book.provenance.append(Provenance(m.source.file or "", m.source.row or 0, m.account, m.fmt, "transfer",
                                              row["id"], row["note"]))


def _suggestion(m: _Move, moves: Sequence[_Move]) -> str:
    other = [o for o in moves if o.asset == m.asset and o.direction != m.direction and o.account != m.account
             and not o.done]
    near = min(other, key=lambda o: abs(o.timestamp - m.timestamp), default=None)
    hint = ""
    if near is not None:
        hint = (f"; the nearest unexplained {'withdrawal' if m.direction == 'in' else 'deposit'} of {m.asset} is "
                f"{near.source.file} row {near.source.row} ({near.quantity} at {near.timestamp.isoformat()}): answer "
                "'pair' if they are one transfer")
    if m.direction == "in":
        return ("it may be an opening lot (held before these records), an acquisition elsewhere, a receipt "
                "(airdrop, staking, payment received), or come from an account whose export is missing; state "
                "it in the answers file (answer opening_lot | acquisition | receipt | transfer_from | pair)" + hint)
    return ("it may be a transfer to an account not given, a payment, a disposal or a loss, or go to an account "
            "whose export is missing; state it in the answers file (answer transfer_to | payment | disposal | loss "
            "| pair)" + hint)


def import_sources(sources: Iterable[Source], *, prices: Iterable[str | Path] = (),
                   answers: str | Path | None = None, assume: Iterable[str] = (),
                   window: timedelta = timedelta(hours=72), skew: timedelta = timedelta(hours=1),
                   fee_tolerance: Decimal = Decimal("0.02")) -> ImportBook:
    """Import every source into one :class:`ImportBook` (see the module docstring for what happens to a row).

    ``prices`` are price files (docs/formats.md); ``answers`` the answers file; ``assume`` ids of rate
    conventions (:data:`hkvatax.io.prices.CONVENTIONS`) to emit at every instant of the ledger.
    """
    from .importers import FIAT, IMPORTERS

    book = ImportBook()
    moves: list[_Move] = []
    for index, source in enumerate(sources):
        if source.format == "generic":
            _read_generic(source, index, book)
        elif source.format in IMPORTERS:
            _read_export(source, index, book, moves)
        else:
            book.problems.append(Problem("bad_file", f"unknown format {source.format!r}",
                                         SourceRef(file=str(source.path)), None,
                                         "known: generic, " + ", ".join(sorted(IMPORTERS))))
    for path in prices:
        rates, problems = read_price_file(path)
        book.rates.extend(rates)
        book.problems.extend(problems)
    # fiat movements are money moved, not virtual-asset events
    for m in moves:
        if m.asset in FIAT:
            m.done = True
            book.provenance.append(Provenance(m.source.file or "", m.source.row or 0, m.account, m.fmt, "fiat", "",
                                              f"{'deposit' if m.direction == 'in' else 'withdrawal'} of {m.quantity} "
                                              f"{m.asset}: fiat money, not a virtual-asset event"))
    if answers is not None:
        _apply_answers(answers, moves, book)
    _pair(moves, book, window, skew, fee_tolerance)
    for m in moves:
        if not m.done:
            un = Unexplained(m.source, m.account, m.direction, m.asset, m.quantity, m.timestamp, _suggestion(m, moves))
            book.unexplained.append(un)
            book.provenance.append(Provenance(m.source.file or "", m.source.row or 0, m.account, m.fmt,
                                              "unexplained", "", un.suggestion))
    instants = [_aware(r["timestamp"]) for r in book.rows]
    assumed, problems = convention_rates(assume, [t for t in instants if t is not None])
    book.rates.extend(assumed)
    book.problems.extend(problems)
    book.rows.sort(key=lambda r: (_aware(r["timestamp"]) or datetime.max.replace(tzinfo=_ANY_TZ), r["id"]))
    book.provenance.sort(key=lambda p: (p.file, p.row))
    return book


def _aware(text: str) -> datetime | None:
    try:
        moment = read_timestamp(text)  # the one timestamp grammar (hkvatax.grammar)
    except GrammarError:
        return None
    return moment if moment.tzinfo is not None else None


def _apply_answers(path: str | Path, moves: list[_Move], book: ImportBook) -> None:
    answers, problems = read_answers(path)
    book.problems.extend(problems)
    by_key: dict[tuple[str, int], _Move] = {}
    names: dict[str, set[str]] = {}
    for m in moves:
        full, short = _file_keys(Path(m.source.file or ""))
        by_key[(full, m.source.row or 0)] = m
        by_key.setdefault((short, m.source.row or 0), m)
        names.setdefault(short, set()).add(full)
    for ans in answers:
        if len(names.get(ans.file, set())) > 1:
            book.problems.append(Problem("invalid_field", f"file {ans.file!r} names more than one source: give its "
                                         "path as in --source", ans.source, "file"))
            continue
        move = by_key.get((ans.file, ans.row))
        if move is None:
            book.problems.append(Problem("invalid_field", f"{ans.file} row {ans.row} is not a deposit or withdrawal "
                                         "of the sources given", ans.source, "row"))
            continue
        if move.done:
            book.problems.append(Problem("invalid_field", f"{ans.file} row {ans.row} is answered twice (or is fiat)",
                                         ans.source, "row"))
            continue
        made = _answer_rows(move, ans, by_key, book)
        if made is None:
            continue
        invalid = [p for r in made for p in event_from_row(r, ans.source.file or "", ans.source.row or 0,
                                                             {"default_tz": _ANY_TZ})[1]]
        if invalid:  # e.g. an amount that is not a number: a problem of the answers file's row
            book.problems.extend(invalid)
            continue
        move.done = True
        book.rows.extend(made)
        for r in made:
            book.provenance.append(Provenance(move.source.file or "", move.source.row or 0, move.account, move.fmt,
                                              "answered", r["id"], r["note"]))

