"""Two classes of issue 11 fixed at the root (decisions 0150, 0151), with a regression test per example and a
hypothesis property per class:

* a CSV line that opens a quote it does not close is ``unclosed_quote`` at its own row, in every CSV reader
  (importers, the generic ledger's row reader and column-wise reader, price, rates and answers files), and
  the next line is read as its own row — rows are never merged;
* every reader reads numbers in one grammar (hkvatax.grammar): the models, the generic CSV readers, the
  importers and the scenario schema's DECIMAL_PATTERN accept the same strings with the same value, with
  bounds computed without a decimal context (an importer no longer writes ``1e-999999`` out in full).
"""

from __future__ import annotations

import csv
import decimal
import io
import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from hkvatax.engine import ledger_csv
from hkvatax.errors import ERROR_CODES, InputError, SourceRef
from hkvatax.grammar import (
    DECIMAL_PATTERN,
    MAX_NUMBER_CHARS,
    TIMESTAMP_PATTERN,
    GrammarError,
    parse_decimal,
    read_decimal,
    read_timestamp,
)
from hkvatax.io.columns import Slow, decimal_column, timestamp_column
from hkvatax.io.csvrecords import Records, UnclosedQuote
from hkvatax.io.importers import import_file
from hkvatax.io.importers.base import parse_number, parse_utc
from hkvatax.io.loaders import CSV_COLUMNS, load_csv_ledger, read_csv_events, scenario_from_dict
from hkvatax.io.prices import read_price_file
from hkvatax.models.common import MAX_QUANTITY, Quantity, Timestamp
from hkvatax.schemas import DECIMAL_PATTERN as SCHEMA_PATTERN

from .harness import check_rows_accounted, hostile_settings

WALLET_HEADER = "timestamp,type,asset,quantity,fee,txid,note\n"
LEDGER_HEADER = ",".join(CSV_COLUMNS) + "\n"
PROFILE: dict[str, Any] = {"taxpayer": {"kind": "corporation", "name": "Co"}, "assets": [{"symbol": "BTC"}]}


def ledger_row(ident: str, when: str, kind: str, qty: str, amount: str, note: str = "") -> str:
    cells = {c: "" for c in CSV_COLUMNS} | {"id": ident, "timestamp": when, "kind": kind, "asset": "BTC",
                                           "quantity": qty, "amount": amount, "note": note}
    return ",".join(cells[c] for c in CSV_COLUMNS) + "\n"


# ------------------------------------------------------------------------------------ unclosed quotes
def test_a_note_opening_with_a_quote_does_not_swallow_the_next_rows() -> None:
    text = (WALLET_HEADER
            + '2023-10-03T09:30:00+00:00,receive,BTC,0.0995,,0xfeed,"from HashKey\n'
            + "2023-10-20T00:00:00+00:00,staking,ETH,0.001,,,validator reward\n"
            + '2023-11-01T00:00:00+00:00,send,BTC,0.05,,0xbeef,to cold"\n')
    result = import_file("wallet", text=text, file="w.csv")
    check_rows_accounted(result, text, [2, 3, 4], tolerate=False)
    assert [(p.code, p.source.row) for p in result.problems] == [("unclosed_quote", 2)]
    used = {r.source.row for r in result.rows} | {m.source.row for m in result.movements}
    assert used == {3, 4}


def test_a_ledger_note_opening_with_a_quote_is_refused_at_its_row_by_both_readers() -> None:
    text = (LEDGER_HEADER + ledger_row("b", "2023-04-01T10:00:00+08:00", "acquisition", "1", "100", '"bought')
            + ledger_row("s", "2023-05-01T10:00:00+08:00", "disposal", "0.5", "80", 'sold"'))
    events, problems = read_csv_events(text=text, file="l.csv")
    assert [(p.code, p.source.row) for p in problems] == [("unclosed_quote", 2)]
    assert [e.id for e in events] == ["s"]  # the next line is read as its own row
    with pytest.raises(InputError) as by_rows:
        load_csv_ledger(None, PROFILE, text=text, file="l.csv")
    with pytest.raises(InputError) as by_table:
        ledger_csv(io.StringIO(text), PROFILE, file="l.csv")
    assert by_table.value.to_dict() == by_rows.value.to_dict()
    assert by_rows.value.problems[0].code == "unclosed_quote"


def test_a_quote_left_open_on_the_last_line_is_refused() -> None:
    text = LEDGER_HEADER + ledger_row("b", "2023-04-01T10:00:00+08:00", "acquisition", "1", "100", '"end').rstrip()
    events, problems = read_csv_events(text=text, file="l.csv")
    assert not events and [(p.code, p.source.row) for p in problems] == [("unclosed_quote", 2)]
    with pytest.raises(InputError) as by_table:
        ledger_csv(io.StringIO(text), PROFILE, file="l.csv")
    assert [p.code for p in by_table.value.problems] == ["unclosed_quote"]


def test_a_quoted_cell_with_a_line_break_is_refused_in_a_price_file() -> None:
    text = ('base,quote,price,instant,source\nBTC,USD,"40000\n",2023-01-01T00:00:00+00:00,x\n'
            "ETH,USD,2000,2023-01-01T00:00:00+00:00,x\n")
    rates, problems = read_price_file(text=text, file="p.csv")
    assert ("unclosed_quote", 2) in [(p.code, p.source.row) for p in problems]
    assert [r.base for r in rates] == ["ETH"]


def test_a_quote_opened_in_an_importers_header_is_bad_file_at_row_1() -> None:
    text = 'timestamp,type,asset,quantity,fee,txid,"note\n2023-10-20T00:00:00+00:00,staking,ETH,0.001,,,x"\n'
    result = import_file("wallet", text=text, file="w.csv")
    assert [(p.code, p.source.row) for p in result.problems] == [("bad_file", 1)]
    assert not result.rows and result.unaccounted() == []


_CELL = st.text(alphabet='ab,"\r\n 1', max_size=8)


@given(st.lists(_CELL, max_size=12))
@hostile_settings("csv-records-per-line", 300)
def test_every_line_is_read_on_its_own(pieces: list[str]) -> None:
    """Property (the class): Records reads each physical line exactly as csv reads that line alone, or refuses
    it as unclosed; no record ever spans two lines, and every line is accounted for once."""
    text = "".join(pieces)
    lines = io.StringIO(text, newline="").readlines()
    reader = Records(text)
    got: list[tuple[int, list[str] | None]] = []
    while True:
        try:
            got.append((len(got) + 1, next(reader)))
        except UnclosedQuote as exc:
            assert exc.line == len(got) + 1
            got.append((exc.line, None))
        except StopIteration:
            break
        assert reader.line_num == len(got)
    assert len(got) == len(lines)
    for (_, cells), line in zip(got, lines, strict=True):
        alone = list(csv.reader([line, "x"]))
        assert cells == (alone[0] if len(alone) == 2 else None)


# ------------------------------------------------------------------------------------------ numbers
def test_an_importer_does_not_write_a_huge_exponent_out_in_full() -> None:
    text = WALLET_HEADER + "2023-10-03T09:30:00+00:00,staking,BTC,1e-999999,,,\n"
    result = import_file("wallet", text=text, file="w.csv")
    assert all(len(v) <= 1000 for r in result.rows for _, v in r.cells)
    assert [p.code for p in result.problems] == ["exponent_out_of_range"]


@pytest.mark.parametrize(("text", "code"), [
    ("1.000,50", "not_a_number"),  # a European HK$1,000.50: not 1.0005
    ("1,5", "not_a_number"),  # not 15
    ("1,2345", "not_a_number"),
    ("1_000", "not_a_number"),
    ("\u0661\u0662", "not_a_number"),  # Arabic-Indic digits
    ("\uff11\uff12", "not_a_number"),  # full-width digits
    ("NaN", "not_a_number"), ("-Infinity", "not_a_number"), ("", "not_a_number"),
    ("1e-999999", "exponent_out_of_range"), ("0e-999999", "exponent_out_of_range"),
    ("1E-9999999999", "exponent_out_of_range"),
    ("1" * (MAX_NUMBER_CHARS + 1), "number_too_long"),
    ("0." + "0" * 28 + "1", "too_many_decimals"),  # 29 places
    ("0." + "1" * 90, "too_many_decimals"),  # 90 places
    ("1e19", "absurd_magnitude"),
])
def test_the_number_grammar_refuses_by_name(text: str, code: str) -> None:
    assert code in ERROR_CODES
    with pytest.raises(GrammarError) as exc:
        parse_decimal(text, MAX_QUANTITY)
    assert exc.value.code == code
    problems: list[Any] = []
    assert parse_number(text, SourceRef(file="x"), "q", problems) is None and problems[0].code == code
    with pytest.raises(ValidationError) as by_model:
        TypeAdapter(Quantity).validate_python(text)
    assert by_model.value.errors()[0]["type"] == code


def test_places_are_checked_without_the_callers_context() -> None:
    """29 places passed in a 28-digit context, and 1E-40 underflowed to 0 in a context with a small Emin."""
    for ctx in (decimal.Context(prec=28), decimal.Context(prec=6, Emin=-10, rounding=decimal.ROUND_FLOOR)):
        with decimal.localcontext(ctx):
            with pytest.raises(ValidationError):
                TypeAdapter(Quantity).validate_python(Decimal("0." + "0" * 28 + "1"))
            with pytest.raises(ValidationError):
                TypeAdapter(Quantity).validate_python(Decimal("1E-40"))
            assert str(TypeAdapter(Quantity).validate_python("1,234.500000000000000000000")) \
                == "1234.500000000000000000000"


@pytest.mark.parametrize(("text", "value"), [("1,234,567.5", "1234567.5"), (" 12 ", "12"), ("1.", "1"),
                                             (".5", "0.5"), ("-0", "0"), ("+2", "2"), ("1.5e3", "1.5E+3")])
def test_the_number_grammar_reads(text: str, value: str) -> None:
    assert parse_decimal(text) == Decimal(value)
    assert str(read_decimal("-0")) == "0"


def test_the_schema_pattern_is_the_grammar() -> None:
    assert SCHEMA_PATTERN == DECIMAL_PATTERN


_NUMBERISH = st.text(alphabet="0123456789,.+-eE _\u0661\uff11\t", max_size=24) | st.from_regex(
    r"[+-]?[0-9]{1,3}(,[0-9]{3}){0,3}(\.[0-9]{0,20})?([eE][+-]?[0-9]{1,3})?", fullmatch=True)


def _by(work: Any) -> tuple[str, str]:
    try:
        return "ok", str(work())
    except GrammarError as exc:
        return "error", exc.code
    except ValidationError as exc:
        return "error", str(exc.errors()[0]["type"])


@given(_NUMBERISH)
@hostile_settings("number-grammar-readers", 600)
def test_every_reader_reads_a_number_alike(text: str) -> None:
    """Property (the class): the models (a JSON scenario's or a CSV row's quantity), the importers and the
    column-wise reader accept the same strings with the same value and refuse the rest with the same code;
    the schema's pattern matches exactly the strings of the grammar."""
    grammar = _by(lambda: parse_decimal(text, MAX_QUANTITY))
    model = _by(lambda: TypeAdapter(Quantity).validate_python(text))
    problems: list[Any] = []
    imported = parse_number(text, SourceRef(file="x"), "q", problems)
    importer = ("ok", str(imported)) if imported is not None else ("error", problems[0].code)
    if model[0] == "ok" or model[1] != "non_positive":
        assert model == grammar
    else:
        assert grammar[0] == "ok" and Decimal(grammar[1]) <= 0
    assert importer == grammar
    try:
        bulk = decimal_column([text], MAX_QUANTITY)[0]
    except Slow:
        pass
    else:  # the bulk check never accepts what the models refuse, nor reads another value
        assert grammar == ("ok", str(bulk)) if text else bulk is None  # (None: an empty cell)
    try:
        read_decimal(text)
        in_grammar = True
    except GrammarError as exc:
        in_grammar = exc.code != "not_a_number"
    if len(text) <= MAX_NUMBER_CHARS:
        assert (re.search(DECIMAL_PATTERN, text) is not None) == in_grammar


# --------------------------------------------------------------------------------------- timestamps
@pytest.mark.parametrize("text", ["20240501", "1714550400", "2024-05-01T10:00:00.1234567+00:00", "2024-W18-3",
                                  "20240501T100000Z", "2024-05-01T24:00:00Z", "2024-13-01T00:00:00Z", ""])
def test_the_timestamp_grammar_refuses_by_name(text: str) -> None:
    """Digits alone were read as Unix seconds (20240501 → 1970-08-23), seven fractional digits were cut."""
    with pytest.raises(GrammarError) as exc:
        read_timestamp(text)
    assert exc.value.code == "bad_timestamp"
    with pytest.raises(ValidationError) as by_model:
        TypeAdapter(Timestamp).validate_python(text, context={"default_tz": UTC})
    assert by_model.value.errors()[0]["type"] == "bad_timestamp"
    problems: list[Any] = []
    assert parse_utc(text, SourceRef(file="x"), "t", problems) is None and problems[0].code == "bad_timestamp"


def test_a_digit_only_timestamp_is_refused_in_a_ledger_and_a_scenario() -> None:
    text = LEDGER_HEADER + ledger_row("b", "20240501", "acquisition", "1", "100")
    events, problems = read_csv_events(text=text, file="l.csv", default_tz=UTC)
    assert not events and [(p.code, p.source.row) for p in problems] == [("bad_timestamp", 2)]
    for stamp in ("20240501", 1714550400):
        with pytest.raises(InputError) as exc:
            scenario_from_dict({**PROFILE, "events": [{"kind": "acquisition", "id": "a", "timestamp": stamp,
                                                       "asset": "BTC", "quantity": "1", "cost": "1"}]})
        assert [p.code for p in exc.value.problems] == ["bad_timestamp"]


_STAMPISH = st.text(alphabet="0123456789-:T Z+.,", max_size=32) | st.from_regex(
    r"(19[0-9][1-9]|2[01][0-9]{2})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([Tt ][0-2][0-9]:[0-5][0-9]"
    r"(:[0-5][0-9]([.,][0-9]{1,8})?)?([Zz]|[+-][01][0-9](:?[0-5][0-9])?)?)?", fullmatch=True)


@given(_STAMPISH)
@hostile_settings("timestamp-grammar-readers", 600)
def test_every_reader_reads_a_timestamp_alike(text: str) -> None:
    """Property (the class): the models (a scenario's or CSV row's timestamp, naive ones in a default zone),
    the importers (naive = UTC) and the column-wise reader accept the same strings as the same instant; the
    schema-style pattern matches exactly the grammar's strings."""
    def by_model() -> Any:
        try:
            return TypeAdapter(Timestamp).validate_python(text, context={"default_tz": UTC})
        except ValidationError as exc:
            return exc.errors()[0]["type"]
    problems: list[Any] = []
    iso = parse_utc(text, SourceRef(file="x"), "t", problems)
    imported = datetime.fromisoformat(iso) if iso is not None else problems[0].code
    model = by_model()
    if isinstance(imported, datetime) and not 1901 <= imported.year <= 2199:
        assert model == "bad_timestamp"  # the models bound the years; the importer's row is then refused by them
    else:
        assert model == imported
    try:
        bulk = timestamp_column([text])[0]
    except Slow:
        pass
    else:
        assert bulk == model and bulk.tzinfo is not None
    if re.search(TIMESTAMP_PATTERN, text) is None:
        assert model == "bad_timestamp"


# ------------------------------------------------------------------------------- control characters
_CONTROL_CHARS = st.sampled_from(["\x1b", "\x00", "\x07", "\t", "\x7f", "\x85", "\u202e", "\u2066", "\x9b"])


@pytest.mark.parametrize("column", ["id", "asset", "wallet", "currency"])
@pytest.mark.parametrize("char", ["\x1b", "\u202e", "\x7f"])
def test_a_control_character_in_a_name_is_refused_by_both_csv_readers(column: str, char: str) -> None:
    cells = {"id": "b", "asset": "BTC", "wallet": "hot", "currency": "HKD"}
    cells[column] = cells[column][:1] + char + cells[column][1:]
    row = {c: "" for c in CSV_COLUMNS} | {"timestamp": "2023-04-01T10:00:00+08:00", "kind": "acquisition",
                                         "quantity": "1", "amount": "100"} | cells
    text = LEDGER_HEADER + ",".join(row[c] for c in CSV_COLUMNS) + "\n"
    with pytest.raises(InputError) as by_rows:
        load_csv_ledger(None, {**PROFILE, "assets": [{"symbol": "BTC"}]}, text=text, file="l.csv")
    with pytest.raises(InputError) as by_table:
        ledger_csv(io.StringIO(text), {**PROFILE, "assets": [{"symbol": "BTC"}]}, file="l.csv")
    assert by_table.value.to_dict() == by_rows.value.to_dict()
    assert "control_character" in [p.code for p in by_rows.value.problems]
    assert all(char not in str(p) for p in by_rows.value.problems)  # the message shows it escaped


@given(st.sampled_from(["id", "wallet", "from_wallet", "lot", "asset"]), st.text(max_size=6), _CONTROL_CHARS,
       st.text(max_size=6))
@hostile_settings("control-characters-in-names", 300)
def test_a_name_with_a_control_character_is_refused_in_a_scenario(where: str, head: str, char: str,
                                                                 tail: str) -> None:
    """Property (the class): wherever a scenario names an id, a lot, a wallet or an asset, a control
    character in it is the problem control_character (never read, never echoed raw)."""
    name = "x" + head + char + tail
    event: dict[str, Any] = {"kind": "acquisition", "id": "a", "timestamp": "2023-04-01T10:00:00+08:00",
                             "asset": "BTC", "quantity": "1", "cost": "1"}
    lots: list[dict[str, Any]] = []
    if where == "id":
        event["id"] = name
    elif where == "wallet":
        event["wallet"] = name
    elif where == "from_wallet":
        event = {"kind": "transfer", "id": "t", "timestamp": "2023-04-01T10:00:00+08:00", "asset": "BTC",
                 "quantity": "1", "from_wallet": name, "to_wallet": "cold"}
    elif where == "lot":
        lots = [{"asset": "BTC", "lot_id": name, "quantity": "1", "cost_hkd": "1",
                 "acquired_at": "2020-01-01T00:00:00+08:00"}]
    else:
        event["asset"] = name
    with pytest.raises(InputError) as exc:
        scenario_from_dict({**PROFILE, "assets": [{"symbol": "BTC"}], "events": [event], "opening_lots": lots})
    codes = [p.code for p in exc.value.problems]
    assert "control_character" in codes, codes
    assert all(char not in str(p) for p in exc.value.problems)


def test_a_control_character_in_an_importers_asset_is_refused() -> None:
    text = WALLET_HEADER + "2023-10-03T09:30:00+00:00,staking,B\x1bTC,1,,,\n"
    result = import_file("wallet", text=text, file="w.csv")
    assert [p.code for p in result.problems] == ["control_character"] and not result.events


# ------------------------------------------------------------------------------------------ row length
def test_a_line_one_past_the_row_limit_is_row_too_long_and_the_next_line_is_read() -> None:
    from hkvatax.io.csvrecords import MAX_ROW_CHARS

    long_line = "," * (MAX_ROW_CHARS + 1) + "\n"
    text = LEDGER_HEADER + long_line + ledger_row("s", "2023-05-01T10:00:00+08:00", "acquisition", "1", "80")
    events, problems = read_csv_events(text=text, file="l.csv")
    assert [(p.code, p.source.row) for p in problems] == [("row_too_long", 2)]
    assert [e.id for e in events] == ["s"]
    with pytest.raises(InputError) as by_table:
        ledger_csv(io.StringIO(text), PROFILE, file="l.csv")
    assert [(p.code, p.source.row) for p in by_table.value.problems] == [("row_too_long", 2)]
    note = "n" * 100_000  # (one cell is also bounded by the csv module's field size limit, 128 KiB)
    below = LEDGER_HEADER + ledger_row("s", "2023-05-01T10:00:00+08:00", "acquisition", "1", "80", note)
    assert read_csv_events(text=below, file="l.csv")[1] == []
    result = import_file("wallet", text=WALLET_HEADER + long_line, file="w.csv")
    assert [(p.code, p.source.row) for p in result.problems] == [("row_too_long", 2)]


@given(st.lists(st.text(alphabet='ab,"', max_size=30), max_size=8))
@hostile_settings("csv-row-limit", 200)
def test_a_line_over_the_row_limit_is_refused_and_the_rest_read(lines: list[str]) -> None:
    """Property (the class), with the limit set to 12 characters: a longer line is row_too_long, every other
    line is read exactly as csv reads it alone (or refused as unclosed)."""
    from unittest import mock

    from hkvatax.io import csvrecords

    with mock.patch.object(csvrecords, "MAX_ROW_CHARS", 12):
        reader = Records("".join(line + "\n" for line in lines))
        for n, line in enumerate(lines, start=1):
            try:
                cells: list[str] | str = next(reader)
            except csvrecords.LineRefused as exc:
                cells = exc.code
                assert exc.line == n
            alone = list(csv.reader([line + "\n", "x"]))
            if len(line) > 12:
                assert cells == "row_too_long"
            else:
                assert cells == (alone[0] if len(alone) == 2 else "unclosed_quote")
        with pytest.raises(StopIteration):
            next(reader)


def test_a_cell_over_the_csv_field_limit_is_a_bad_row_and_the_next_lines_are_read(tmp_path: Any) -> None:
    from hkvatax.errors import InputError
    from hkvatax.io import load_csv_ledger

    ledger = tmp_path / "ledger.csv"
    ledger.write_text("id,timestamp,kind,asset,quantity,amount,note\n"
                      "b1,2025-05-01T10:00:00+08:00,acquisition,BTC,2,1000000,\n"
                      "b2,2025-05-02T10:00:00+08:00,acquisition,BTC,1,500000," + "n" * (csv.field_size_limit() + 1)
                      + "\ns1,2025-09-01T10:00:00+08:00,disposal,BTC,x,650000,\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_csv_ledger(ledger, {"taxpayer": {"kind": "corporation", "name": "H"}, "assets": [{"symbol": "BTC"}]})
    assert [(p.code, p.source.row, p.column) for p in caught.value.problems] == \
        [("bad_row", 3, None), ("not_a_number", 4, "quantity")]


def test_a_quote_left_open_before_an_oversized_line_is_still_an_unclosed_quote() -> None:
    from hkvatax.io.csvrecords import Records, records

    text = 'a,b\n"open,1\nc,2\nx,' + "y" * (csv.field_size_limit() + 1) + "\nd,3\n"
    got = [(line, item if isinstance(item, list) else item.code) for line, item in records(Records(text), "f.csv")]
    assert got == [(1, ["a", "b"]), (2, "unclosed_quote"), (3, ["c", "2"]), (4, "bad_row"), (5, ["d", "3"])]
