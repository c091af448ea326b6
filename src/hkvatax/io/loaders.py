"""Reading scenarios: a JSON scenario file, or a CSV ledger with a JSON/TOML profile.

Nothing here evaluates, unpickles or fetches anything: JSON through :mod:`json`, TOML through
:mod:`tomllib`, CSV through :mod:`csv`. Every problem of a file is collected and raised together as
one :class:`~hkvatax.errors.InputError`, each naming file, row and column.

Generic CSV ledger format (docs/formats.md), one event per row::

    id,timestamp,kind,asset,quantity,amount,currency,counter_asset,counter_quantity,
    fee_amount,fee_currency,fee_value,wallet,to_wallet,subtype,lots,offshore,note

and the optional ``fee_value_currency`` (:data:`OPTIONAL_COLUMNS`: read when present, written only when used).

Only ``timestamp`` and ``kind`` are always required; which other columns a kind uses is in
:data:`COLUMNS_BY_KIND`. An empty ``id`` becomes ``<file>:<row>``.
"""

from __future__ import annotations

import csv
import functools
import json
import re
import tomllib
import zoneinfo
from collections.abc import Iterable, Mapping
from datetime import timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any

from dateutil import tz as dateutil_tz
from pydantic import TypeAdapter, ValidationError

from ..documents import MAX_DOCUMENT_CHARS, DocumentError, read_json, read_toml
from ..errors import InputError, Problem, SourceRef
from ..escape import escape_text
from ..models.common import MAX_AMOUNT
from ..models.events import EVENT_KINDS, Event
from ..models.prices import Rate
from ..models.scenario import Scenario
from ..money import isolated
from ..runtime import gc_paused
from .columns import Slow, code_column, decimal_column, require_positive, timestamp_column
from .csvrecords import LineRefused, Records, records
from .files import AllowFiles, named_file
from .validation import code_for, problems_from_validation, suggestion_for

__all__ = [
    "CSV_COLUMNS",
    "OPTIONAL_COLUMNS",
    "ACCEPTED_COLUMNS",
    "COLUMNS_BY_KIND",
    "load_scenario",
    "scenario_from_dict",
    "load_profile",
    "read_csv_events",
    "read_rates_csv",
    "load_csv_ledger",
    "profile_scenario",
    "load_any",
    "resolve_timezone",
    "event_from_row",
    "name_csv_columns",
]

CSV_COLUMNS: tuple[str, ...] = (
    "id", "timestamp", "kind", "asset", "quantity", "amount", "currency", "counter_asset", "counter_quantity",
    "fee_amount", "fee_currency", "fee_value", "wallet", "to_wallet", "subtype", "lots", "offshore", "note",
)
#: Columns a generic CSV may have beyond :data:`CSV_COLUMNS` (the importers' output has them only when used).
OPTIONAL_COLUMNS: tuple[str, ...] = ("fee_value_currency",)
#: Every column a generic CSV may have.
ACCEPTED_COLUMNS: tuple[str, ...] = CSV_COLUMNS + OPTIONAL_COLUMNS

#: For each kind: CSV column -> model field. Columns not listed for a kind must be empty.
COLUMNS_BY_KIND: dict[str, dict[str, str]] = {
    "acquisition": {"asset": "asset", "quantity": "quantity", "amount": "cost", "currency": "currency",
                    "wallet": "wallet", "note": "note"},
    "disposal": {"asset": "asset", "quantity": "quantity", "amount": "proceeds", "currency": "currency",
                 "wallet": "wallet", "note": "note", "lots": "lots"},
    "swap": {"asset": "give_asset", "quantity": "give_quantity", "counter_asset": "receive_asset",
             "counter_quantity": "receive_quantity", "amount": "value", "currency": "value_currency",
             "wallet": "wallet", "note": "note", "lots": "lots"},
    "fee": {"wallet": "wallet", "note": "purpose"},
    "transfer": {"asset": "asset", "quantity": "quantity", "wallet": "from_wallet", "to_wallet": "to_wallet",
                 "note": "note"},
    "receipt": {"asset": "asset", "quantity": "quantity", "amount": "value", "currency": "value_currency",
                "subtype": "receipt_type", "wallet": "wallet", "note": "note"},
    "payment": {"asset": "asset", "quantity": "quantity", "amount": "value", "currency": "value_currency",
                "wallet": "wallet", "note": "description", "lots": "lots"},
    "loss": {"asset": "asset", "quantity": "quantity", "subtype": "loss_type", "amount": "value",
             "currency": "value_currency", "counter_quantity": "recovered_quantity", "wallet": "wallet",
             "note": "note", "lots": "lots"},
    "income": {"amount": "amount", "currency": "currency", "subtype": "income_type", "asset": "related_asset",
               "wallet": "wallet", "note": "note"},
    "expense": {"amount": "amount", "currency": "currency", "note": "description", "subtype": "deductible",
                "wallet": "wallet"},
}
_COMMON = {"id", "timestamp", "kind", "fee_amount", "fee_currency", "fee_value", "fee_value_currency", "offshore"}

_EVENT: TypeAdapter[Any] = TypeAdapter(Event)
_RATE = TypeAdapter(Rate)


_OFFSET = re.compile(r"^\s*(?:UTC)?([+-])(\d{1,2})(?::?(\d{2}))?\s*$")


MAX_ZONE_NAME = 64
"""Longest time-zone name read (the longest IANA name has 32 characters)."""


@functools.cache
def _iana_zones() -> dict[str, str]:
    """Every IANA zone name the system's database or the ``tzdata`` package knows, keyed by its lower case
    (``dateutil.zoneinfo``, deprecated in python-dateutil 4.0, is not used)."""
    return {n.lower(): n for n in zoneinfo.available_timezones()}


def resolve_timezone(name: object) -> tzinfo | None:
    """A zone from an IANA name such as ``Asia/Hong_Kong`` or an offset such as ``+08:00``; None for None.
    The name is looked up in the IANA database by name, never opened as a path: anything else (a path
    such as ``/etc/passwd``, a non-string, a name over :data:`MAX_ZONE_NAME` characters) is ``invalid_field``
    on ``default_timezone``, and the message shows at most the first 40 characters (docs/security.md)."""
    if name is None or name == "":
        return None
    if not isinstance(name, str):
        raise InputError([Problem("invalid_field", f"default_timezone must be a zone name such as Asia/Hong_Kong, "
                                  f"not a {type(name).__name__}", SourceRef(), "default_timezone")])
    offset = _OFFSET.match(name) if len(name) <= MAX_ZONE_NAME else None
    if offset and int(offset.group(2)) < 24 and int(offset.group(3) or 0) < 60:  # gettz does not read "+08:00"
        sign = -1 if offset.group(1) == "-" else 1
        return timezone(sign * timedelta(hours=int(offset.group(2)), minutes=int(offset.group(3) or 0)))
    canonical = _iana_zones().get(name.strip().lower()) if len(name) <= MAX_ZONE_NAME else None
    zone: tzinfo | None = None
    if canonical is not None:
        zone = dateutil_tz.gettz(canonical)
        if zone is None:  # pragma: no cover - a system without zone files: the tzdata package's
            zone = zoneinfo.ZoneInfo(canonical)
    if zone is None:
        shown = escape_text(name[:40]) + ("…" if len(name) > 40 else "")
        raise InputError([Problem("invalid_field", f"unknown time zone {shown!r}: give an IANA zone name such as "
                                  "Asia/Hong_Kong, or an offset such as +08:00", SourceRef(), "default_timezone")])
    return zone


# ------------------------------------------------------------------------------------------- JSON
def _json_path(loc: Iterable[Any]) -> str:
    parts: list[str] = []
    previous: Any = None
    for p in loc:
        if isinstance(p, int):
            parts.append(f"[{p}]")
        elif isinstance(previous, int) and p in EVENT_KINDS:
            pass  # the union tag pydantic inserts after the index
        elif previous == "taxpayer" and p in {"individual", "corporation", "partnership", "private_fund",
                                               "family_office"}:
            pass
        else:
            parts.append(("." if parts else "") + str(p))
        previous = p
    return "".join(parts)


@gc_paused
@isolated
def scenario_from_dict(data: Mapping[str, Any], *, file: str | None = None,
                       default_tz: tzinfo | None = None) -> Scenario:
    """Validate a scenario given as a dict (parsed JSON), collecting every problem."""
    if not isinstance(data, Mapping):
        raise InputError([Problem("bad_file", "a scenario must be a JSON object", SourceRef(file=file))])
    payload = dict(data)
    events = payload.get("events")
    if isinstance(events, list):
        tagged = []
        for i, e in enumerate(events):
            if isinstance(e, dict) and "source" not in e:
                e = {**e, "source": {"file": file, "row": None, "path": f"events[{i}]"}}
            tagged.append(e)
        payload["events"] = tagged
    try:
        return Scenario.model_validate(payload, context={"default_tz": default_tz})
    except ValidationError as exc:
        raise InputError(document_problems(exc, file)) from None


def document_problems(exc: ValidationError, file: str | None) -> list[Problem]:
    """One problem per error of a JSON document's validation, at the error's JSON path. Built directly:
    rebuilding a ValidationError from an error dict fails (KeyError) for hkvatax's own error types such as
    float_money."""
    problems = []
    for err in exc.errors(include_url=False):
        code = code_for(err["type"])
        problems.append(Problem(code, err.get("msg", "invalid value"),
                                SourceRef(file=file, path=_json_path(err.get("loc", ()))), None, suggestion_for(code)))
    return problems


def read_json_file(p: Path, content: bytes | None = None) -> Any:
    """The JSON document at ``p`` (or ``content``, its bytes), read by the bounded reader
    (:mod:`hkvatax.documents`: size, depth, integers, duplicate keys); any failure is an :class:`InputError`
    naming the file (and the line, for JSON that does not parse)."""
    try:
        text = p.read_text(encoding="utf-8-sig") if content is None else content.decode("utf-8-sig")
        return read_json(text)
    except DocumentError as exc:
        raise InputError([Problem(exc.code, exc.message, SourceRef(file=str(p)))]) from None
    except RecursionError:  # pragma: no cover - read_json bounds the depth first
        raise InputError([Problem("too_deep", "the JSON is nested too deeply", SourceRef(file=str(p)))]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([Problem("bad_file", f"cannot read: {exc}", SourceRef(file=str(p)))]) from None
    except json.JSONDecodeError as exc:
        raise InputError([Problem("bad_file", f"not valid JSON: {exc.msg}", SourceRef(file=str(p), row=exc.lineno))]) \
            from None


@gc_paused
@isolated
def load_scenario(path: str | Path, *, default_tz: tzinfo | str | None = None,
                  content: bytes | None = None) -> Scenario:
    """Load a JSON scenario file (money as strings; see docs/formats.md). ``content``: the file's bytes
    (e.g. a request body) instead of reading ``path``, which then only names it in errors.

    Examples:
        >>> from hkvatax.examples import example_path
        >>> scenario = load_scenario(example_path("corporation"))
        >>> scenario.taxpayer.name, scenario.taxpayer.kind, len(scenario.events) > 0
        ('Harbour Digital Ltd', 'corporation', True)
        >>> load_scenario("<request>", content=b'{"taxpayer": {"kind": "individual", "name": "Ann"}}').taxpayer.name
        'Ann'
    """
    p = Path(path)
    data = read_json_file(p, content)
    zone = resolve_timezone(default_tz) if isinstance(default_tz, str) else default_tz
    if zone is None and isinstance(data, dict) and isinstance(data.get("default_timezone"), str):
        zone = resolve_timezone(data["default_timezone"])
    if isinstance(data, dict):
        data = {k: v for k, v in data.items() if k != "default_timezone"}
    return scenario_from_dict(data, file=str(p), default_tz=zone)


# ------------------------------------------------------------------------------------------- CSV
def _truthy(value: str) -> bool | None:
    v = value.strip().lower()
    if v in {"", "none"}:
        return None
    if v in {"1", "true", "yes", "y"}:
        return True
    if v in {"0", "false", "no", "n"}:
        return False
    raise ValueError(value)


def _row_to_event(row: dict[str, str], file: str, line: int) -> tuple[dict[str, Any] | None, list[Problem]]:
    src = SourceRef(file=file, row=line)
    problems: list[Problem] = []
    kind = (row.get("kind") or "").strip().lower()
    if kind not in COLUMNS_BY_KIND:
        problems.append(Problem("unknown_kind", f"kind {kind!r} is not recognised" if kind else "kind is empty",
                                src, "kind", "use one of: " + ", ".join(COLUMNS_BY_KIND)))
        return None, problems
    mapping = COLUMNS_BY_KIND[kind]
    data: dict[str, Any] = {"kind": kind, "source": {"file": file, "row": line, "path": None}}
    data["id"] = (row.get("id") or "").strip() or f"{Path(file).name}:{line}"
    data["timestamp"] = (row.get("timestamp") or "").strip()
    for column, value in row.items():
        if column is None or value is None:
            continue
        text = value.strip()
        if text == "" or column in _COMMON:
            continue
        if column not in mapping:
            problems.append(Problem("unknown_field", f"column {column!r} does not apply to a {kind} row "
                                    f"(value {text!r} would be lost)", src, column,
                                    "leave it empty or change the kind"))
            continue
        field = mapping[column]
        if field == "lots":
            picks = []
            for part in text.split(";"):
                if not part.strip():
                    continue
                lot_id, sep, qty = part.rpartition(":")
                if not sep or not lot_id.strip():
                    problems.append(Problem("invalid_field", f"lot designation {part!r} is not lot_id:quantity",
                                            src, column))
                    continue
                picks.append({"lot_id": lot_id.strip(), "quantity": qty.strip()})
            data["lots"] = picks
        elif field == "deductible":
            data["deductible"] = text.lower() not in {"nondeductible", "non_deductible", "no", "false", "0"}
        else:
            data[field] = text
    offshore = row.get("offshore") or ""
    try:
        flag = _truthy(offshore)
    except ValueError:
        problems.append(Problem("invalid_field", f"offshore must be true/false, got {offshore!r}", src, "offshore"))
        flag = None
    if flag is not None:
        data["offshore"] = flag
    fee_amount = (row.get("fee_amount") or "").strip()
    fee_currency = (row.get("fee_currency") or "").strip()
    fee_value = (row.get("fee_value") or "").strip()
    fee_value_currency = (row.get("fee_value_currency") or "").strip()
    if fee_value_currency and not fee_value:
        problems.append(Problem("invalid_field", "fee_value_currency is the currency of fee_value, which is empty",
                                src, "fee_value_currency", "give fee_value, or leave fee_value_currency empty"))
    if fee_amount or fee_currency or fee_value:
        fee: dict[str, Any] = {"amount": fee_amount, "currency": fee_currency or "HKD"}
        if fee_value:
            fee["value"] = fee_value
            # the fee value's own currency column (any kind), else the row's currency (decision 0166)
            currency = fee_value_currency or (row.get("currency") or "").strip()
            if currency:
                fee["value_currency"] = currency
        if kind == "fee":
            data["fee"] = fee
        else:
            data["fees"] = [fee]
    elif kind == "fee":
        problems.append(Problem("missing_field", "a fee row needs fee_amount and fee_currency", src, "fee_amount"))
    return data, problems


def _reverse_columns(kind: str) -> dict[str, str]:
    mapping = {v: k for k, v in COLUMNS_BY_KIND.get(kind, {}).items()}
    mapping.update({"fees": "fee_amount", "fee": "fee_amount", "id": "id", "timestamp": "timestamp",
                    "kind": "kind", "offshore": "offshore"})
    return mapping


def read_csv_events(path: str | Path | None = None, *, text: str | None = None, file: str | None = None,
                    default_tz: tzinfo | None = None) -> tuple[list[Any], list[Problem]]:
    """Read a generic CSV ledger into validated events. Returns (events, problems); nothing is dropped."""
    name = file or (str(path) if path is not None else "<csv>")
    if text is None:
        assert path is not None
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            return [], [Problem("bad_file", f"cannot read: {exc}", SourceRef(file=name))]
    reader = Records(text)
    problems: list[Problem] = []
    events: list[Any] = []
    try:
        header = next(reader)
    except StopIteration:
        return [], [Problem("bad_file", "the file is empty (no header row)", SourceRef(file=name))]
    except (csv.Error, LineRefused) as exc:
        return [], [Problem("bad_file", f"not readable as CSV: {exc}", SourceRef(file=name, row=1))]
    header = [h.strip().lower() for h in header]
    unknown = [h for h in header if h not in ACCEPTED_COLUMNS]
    for h in unknown:
        problems.append(Problem("unknown_field", f"column {h!r} is not part of the generic format",
                                SourceRef(file=name, row=1), h, "see docs/formats.md for the columns"))
    for required in ("timestamp", "kind"):
        if required not in header:
            problems.append(Problem("missing_field", f"the header has no {required!r} column",
                                    SourceRef(file=name, row=1), required))
    if len(set(header)) != len(header):
        problems.append(Problem("bad_row", "the header repeats a column", SourceRef(file=name, row=1)))
    if problems:
        return [], problems
    context = {"default_tz": default_tz}
    for line, cells in records(reader, name):
        if isinstance(cells, Problem):
            problems.append(cells)
            continue
        if not cells or all(not c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            problems.append(Problem("bad_row", f"{len(cells)} cells where the header has {len(header)}",
                                    SourceRef(file=name, row=line)))
            continue
        row = dict(zip(header, cells, strict=True))
        event, row_problems = event_from_row(row, name, line, context)
        problems.extend(row_problems)
        if event is not None:
            events.append(event)
    return events, problems


def event_from_row(row: Mapping[str, str], file: str, line: int,
                   context: Mapping[str, Any] | None = None) -> tuple[Any | None, list[Problem]]:
    """One generic-CSV row (column -> text) as a validated event, or None and the problems.

    ``file`` and ``line`` become the event's provenance; importers pass the exchange file's own row.
    """
    data, problems = _row_to_event(dict(row), file, line)
    if data is None:
        return None, problems
    try:
        event = _EVENT.validate_python(data, context=dict(context or {}))
    except ValidationError as exc:
        found = problems_from_validation(exc, SourceRef(file=file, row=line), skip_loc=1,
                                         column_names=_reverse_columns(data["kind"]))
        value_column = "fee_value_currency" if (row.get("fee_value_currency") or "").strip() else "currency"
        problems.extend(_fee_column(p, value_column) for p in found)
        return None, problems
    return (event if not problems else None), problems


_FEE_COLUMNS = {"amount": "fee_amount", "currency": "fee_currency", "value": "fee_value",
                "value_currency": "currency"}


def _fee_column(problem: Problem, value_column: str = "currency") -> Problem:
    """Name the CSV column of a fee problem (``fee_amount.0.currency`` → ``fee_currency``); the fee value's
    currency came from ``value_column``."""
    column = problem.column or ""
    if not column.startswith("fee_amount."):
        return problem
    leaf = column.rsplit(".", 1)[-1]
    named = value_column if leaf == "value_currency" else _FEE_COLUMNS.get(leaf, "fee_amount")
    return Problem(problem.code, problem.message, problem.source, named, problem.suggestion)


def name_csv_columns(exc: InputError) -> InputError:
    """The ledger's problems with a CSV row's column named as in the CSV (``amount``, not ``cost``).

    ``exc.kinds`` gives the kind of event each problem is about; a problem whose source has a row came
    from a CSV ledger."""
    if not exc.kinds:
        return exc
    fees = {"amount": "fee_amount", "value": "fee_value"}  # the ledger's fee problems: fees[n].amount, fees[n].value
    out = []
    for p, kind in zip(exc.problems, exc.kinds, strict=True):
        column = p.column
        if p.source.row is not None and column and kind in COLUMNS_BY_KIND:
            if column.startswith("fees["):
                column = fees.get(column.rsplit(".", 1)[-1], "fee_amount")
            else:
                reverse = {field: col for col, field in COLUMNS_BY_KIND[kind].items()}
                column = reverse.get(column, column)
        out.append(Problem(p.code, p.message, p.source, column, p.suggestion))
    named = InputError(out, partial=exc.partial)
    named.kinds = exc.kinds
    return named


def read_rates_csv(path: str | Path, *, default_tz: tzinfo | None = None, file: str | None = None
                   ) -> tuple[list[Rate], list[Problem]]:
    """Read rates: columns base, quote, rate, at, source (``file``: the name in problems, default ``path``).
    A file whose header is not that of a rates file is one ``bad_file`` that names the expected columns and
    quotes nothing of the file."""
    name = file or str(path)
    problems: list[Problem] = []
    rates: list[Rate] = []
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [Problem("bad_file", f"cannot read: {exc}", SourceRef(file=name))]
    fast = _rates_in_bulk(text, name)
    if fast is not None:
        return fast, []
    reader = Records(text)
    try:
        names = [str(h).strip().lower() for h in next(reader, [])]
    except (csv.Error, LineRefused):
        names = []
    header = set(names)
    if not {"base", "rate", "at", "source"} <= header or not header <= _RATE_COLUMNS:
        return [], [Problem("bad_file", "not a rates file: expected the header base, quote, rate, at, source",
                            SourceRef(file=name, row=1))]
    for line, cells in records(reader, name):
        if isinstance(cells, Problem):
            problems.append(cells)
            continue
        if not cells:
            continue  # a blank line (csv.DictReader skipped them)
        if len(cells) > len(names):
            problems.append(Problem("bad_row", f"{len(cells)} cells where the header has {len(names)}",
                                    SourceRef(file=name, row=line)))
            continue
        row = dict(zip(names, cells + [""] * (len(names) - len(cells)), strict=True))
        data: dict[str, Any] = {k: v.strip() for k, v in row.items() if v.strip() != ""}
        data["provenance"] = {"file": name, "row": line, "path": None}
        try:
            rates.append(_RATE.validate_python(data, context={"default_tz": default_tz}))
        except ValidationError as exc:
            problems.extend(problems_from_validation(exc, SourceRef(file=name, row=line)))
    return rates, problems


_RATE_COLUMNS = frozenset({"base", "quote", "rate", "at", "source"})


def _rates_in_bulk(text: str, name: str) -> list[Rate] | None:
    """The rates of a file whose every cell the column checks cover (the usual file: plain decimals,
    instants with offsets, one rate per line), built without a model validation per row; None when any
    cell needs the row-by-row validation (which then reports exactly what the models find)."""
    if '"' in text or "\r" in text:
        return None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if len(lines) < 2:
        return None
    header = [h.strip().lower() for h in lines[0].split(",")]
    if set(header) != _RATE_COLUMNS or len(header) != len(_RATE_COLUMNS):
        return None
    body = lines[1:]
    cells = ",".join(body).split(",")
    if len(cells) != len(body) * len(header):
        return None  # a short or long row: the row reader reports it
    cols = {h: cells[i::len(header)] for i, h in enumerate(header)}
    try:
        bases = code_column(cols["base"], "")
        quotes = code_column(cols["quote"], "HKD")
        values = decimal_column(cols["rate"], MAX_AMOUNT)
        require_positive(values)
        stamps = timestamp_column(cols["at"])
    except (Slow, ValueError, ArithmeticError):
        return None
    sources = cols["source"]
    # (an empty rate cell is the one None of values: looked for among the cells, as comparing a Decimal
    # with None is slow)
    if "" in bases or "" in cols["rate"] or any(s != s.strip() or not s for s in set(sources)):
        return None
    given = set(Rate.model_fields)
    unquoted = given - {"quote"}
    new, put = Rate.__new__, object.__setattr__
    out: list[Rate] = []
    append = out.append
    for row, b, q, v, at, src, quoted in zip(range(2, len(body) + 2), bases, quotes, values, stamps, sources,
                                            cols["quote"], strict=True):
        rate = new(Rate)  # what Rate.model_construct does, for checked values
        put(rate, "__dict__", {"base": b, "quote": q, "rate": v, "at": at, "source": src,
                               "provenance": SourceRef(name, row)})
        put(rate, "__pydantic_fields_set__", given.copy() if quoted else unquoted.copy())
        put(rate, "__pydantic_extra__", None)
        put(rate, "__pydantic_private__", None)
        append(rate)
    return out


def load_profile(path: str | Path, *, content: bytes | None = None) -> dict[str, Any]:
    """A profile (JSON or TOML): taxpayer, assets, rates or rates_file, settings, default_timezone.
    ``content``: the profile's bytes (e.g. an upload) instead of reading ``path``, which then only names
    it (a ``.toml`` name is read as TOML)."""
    p = Path(path)
    try:
        raw = p.read_bytes() if content is None else content
        if len(raw) > MAX_DOCUMENT_CHARS * 4:  # (UTF-8: at most 4 bytes a character) before decoding
            raise DocumentError("file_too_large", f"a profile of {len(raw):,} bytes")
        text = raw.decode("utf-8-sig")  # the bounded reader (hkvatax.documents)
        data = read_toml(text) if p.suffix.lower() == ".toml" else read_json(text)
    except DocumentError as exc:
        raise InputError([Problem(exc.code, exc.message, SourceRef(file=str(p)))]) from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise InputError([Problem("bad_file", f"cannot read profile: {exc}", SourceRef(file=str(p)))]) from None
    if not isinstance(data, dict):
        raise InputError([Problem("bad_file", "a profile must be an object/table", SourceRef(file=str(p)))])
    return data


def profile_scenario(profile: str | Path | Mapping[str, Any], *, default_tz: tzinfo | str | None = None,
                     allow_files: AllowFiles = None) -> tuple[Scenario, tzinfo | None, list[Problem]]:
    """The scenario a profile describes (taxpayer, assets, rates or rates_file, settings), without events;
    its default time zone; and the problems of its rates file (the profile's own problems are raised).
    A ``rates_file`` is read only as the file policy allows (:mod:`hkvatax.io.files`): inside the profile's
    folder, or inside ``allow_files`` when given."""
    prof = dict(profile) if isinstance(profile, Mapping) else load_profile(profile)
    base_dir = Path(profile).parent if not isinstance(profile, Mapping) else Path(".")
    zone = resolve_timezone(default_tz) if isinstance(default_tz, str) else default_tz
    if zone is None:
        zone = resolve_timezone(prof.pop("default_timezone", None))
    else:
        prof.pop("default_timezone", None)
    problems: list[Problem] = []
    rates: list[Any] = list(prof.pop("rates", []) or [])
    rates_file = prof.pop("rates_file", None)
    if rates_file is not None:
        path = named_file(rates_file, folder=None if isinstance(profile, Mapping) else base_dir,
                          allow=allow_files, profile=None if isinstance(profile, Mapping) else str(profile))
        more, rate_problems = read_rates_csv(path, default_tz=zone, file=str(base_dir / str(rates_file)))
        rates.extend(more)
        problems.extend(rate_problems)
    payload = {**prof, "events": [], "rates": rates}
    try:
        scenario = scenario_from_dict(payload, file=str(profile) if not isinstance(profile, Mapping) else None,
                                      default_tz=zone)
    except InputError as exc:
        raise InputError(problems + list(exc.problems)) from None
    return scenario, zone, problems


@gc_paused
@isolated
def load_csv_ledger(path: str | Path | None, profile: str | Path | Mapping[str, Any], *,
                    default_tz: tzinfo | str | None = None, text: str | None = None,
                    file: str | None = None, allow_files: AllowFiles = None) -> Scenario:
    """A scenario from a generic CSV ledger (a path, or ``text`` named ``file``) plus a profile naming the
    taxpayer, assets and rates. Every event is a model: for large ledgers use :func:`hkvatax.assess_csv`.

    Examples:
        >>> text = ("id,timestamp,kind,asset,quantity,amount\\n"
        ...         "b1,2025-05-01T10:00:00+08:00,acquisition,BTC,2,1000000\\n")
        >>> profile = {"taxpayer": {"kind": "individual", "name": "Ann"}, "assets": [{"symbol": "BTC"}]}
        >>> scenario = load_csv_ledger(None, profile, text=text, file="ledger.csv")
        >>> event = scenario.events[0]
        >>> event.kind, event.cost, event.source.row
        ('acquisition', Decimal('1000000'), 2)
    """
    scenario, zone, problems = profile_scenario(profile, default_tz=default_tz, allow_files=allow_files)
    events, row_problems = read_csv_events(path, text=text, file=file, default_tz=zone)
    problems = row_problems + problems
    scenario = scenario.model_copy(update={"events": tuple(events)})
    if problems:
        raise InputError(problems, partial=scenario)
    return scenario


@isolated
def load_any(path: str | Path, *, profile: str | Path | None = None, default_tz: str | None = None,
             allow_files: AllowFiles = None) -> Scenario:
    """A JSON scenario, or a CSV ledger with the profile named in ``profile``. No profile is looked for
    beside the ledger: a file is read only when it is named (docs/decisions/0146-file-access-policy.md).

    Examples:
        >>> from hkvatax.examples import example_path
        >>> load_any(example_path("family_office")).taxpayer.kind
        'family_office'
    """
    p = Path(path)
    if p.suffix.lower() == ".csv":
        if profile is None:
            raise InputError([Problem("missing_field", "a CSV ledger needs a profile (--profile FILE); none is "
                                      "looked for beside it", SourceRef(file=str(p)))])
        return load_csv_ledger(p, profile, default_tz=default_tz, allow_files=allow_files)
    return load_scenario(p, default_tz=default_tz)
