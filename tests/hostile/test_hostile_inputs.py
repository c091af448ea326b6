"""Hostile and malformed inputs for every importer, the generic CSV and the JSON scenario format.

Each case must end in a clear answer — a result, or problems with registered codes — never an
unexpected exception, a hang or a silently dropped row.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from hkvatax.errors import ERROR_CODES, InputError
from hkvatax.io import read_csv_events, scenario_from_dict
from hkvatax.io.importers import IMPORTERS, import_file, to_generic_csv
from hkvatax.io.loaders import CSV_COLUMNS
from hkvatax.ledger import match_scenario

from .harness import case, hostile_settings, outcome_of, tolerated

DATA = Path(__file__).resolve().parents[1] / "data" / "importers"
FILES = {"binance": "binance_trades.csv", "kraken": "kraken_ledgers.csv", "cryptocom": "cryptocom_app.csv",
         "coinbase": "coinbase_transactions.csv", "binance-statement": "binance_statement.csv",
         "okx-trades": "okx_trades.csv", "okx-funding": "okx_funding.csv", "hashkey": "hashkey_statement.csv",
         "wallet": "wallet.csv", "ledgerlive": "ledgerlive.csv"}

NASTY = st.sampled_from([
    "", " ", "NaN", "-NaN", "Infinity", "-inf", "1e999999999", "1E+30", "-1", "0", "-0.0", "1,000,000.5",
    "0.0000000000000000000001", "=cmd|' /C calc'!A0", "+1+1", "@SUM(1)", "-2+3", "\x00", "\u202e", "☃",
    "9" * 400, "1.2.3", "0x10", "1_000", "١٢٣", "2023-02-30 00:00:00", "2023-01-01T00:00:00", "9999-12-31 23:59:59",
    "0001-01-01 00:00:00", "2023-01-01 00:00:00+25:00", "\"", "\"\"", "\n", "\r\n", ",", "BTC", "XXBT", "ZUSD",
    "HKD", "USDT", "BUY", "SELL", "trade", "staking", "crypto_exchange", "Buy", "Convert", "Converted 1 BTC to 2 ETH",
])
CELL = st.one_of(NASTY, st.text(max_size=30), st.decimals(allow_nan=True, allow_infinity=True).map(str))


def _check_result(result: Any) -> None:
    for p in result.problems + result.unsupported:
        assert p.code in ERROR_CODES
        assert p.source.file is not None
    assert result.unaccounted() == [], "a row was neither used nor reported"
    for event in result.events:
        assert event.source is not None and event.source.row in result.row_lines
    longest = max((len(v) for r in result.rows for _, v in r.cells), default=0)
    if longest > 1000 and tolerated("exponent-in-full"):
        return
    assert longest <= 1000, f"an imported cell of {longest} characters"
    for row in list(csv.reader(io.StringIO(to_generic_csv(result))))[1:]:  # no cell can start a formula
        assert not any(cell.startswith(("=", "+", "@")) for cell in row)


def _valid_rows(fmt: str) -> tuple[list[str], list[list[str]], list[str]]:
    text = (DATA / FILES[fmt]).read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    preamble: list[str] = []
    header_at = 0
    if fmt == "coinbase":
        header_at = next(i for i, line in enumerate(lines) if line.startswith("ID,"))
        preamble = lines[:header_at]
    rows = list(csv.reader(io.StringIO("".join(lines[header_at:]))))
    return rows[0], rows[1:], preamble


def _render(header: list[str], rows: list[list[str]], preamble: list[str]) -> str:
    out = io.StringIO()
    out.write("".join(preamble))
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _run_ledger_too(result: Any) -> None:
    """Feed what imported cleanly to the ledger: it answers with a result or an InputError."""
    if result.problems or not result.events:
        return
    from hkvatax.models import Scenario

    scenario = Scenario.model_validate({"taxpayer": {"kind": "individual", "name": "x"}}).model_copy(
        update={"events": result.events})
    outcome_of(lambda: match_scenario(scenario))


def _mutating_test(fmt: str) -> Any:
    header, rows, preamble = _valid_rows(fmt)

    @hostile_settings(f"cells-{fmt}", 400)
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        with case(f"cells-{fmt}"):
            _mutated_cells(fmt, header, rows, preamble, data)

    return run


def _mutated_cells(fmt: str, header: list[str], rows: list[list[str]], preamble: list[str],
                   data: st.DataObject) -> None:
    mutated = [list(r) for r in rows]
    for _ in range(data.draw(st.integers(0, 6), label="edits")):
        i = data.draw(st.integers(0, len(mutated) - 1))
        j = data.draw(st.integers(0, len(header) - 1))
        mutated[i][j] = data.draw(CELL)
    if data.draw(st.booleans(), label="shuffle"):
        mutated = data.draw(st.permutations(mutated))
    if data.draw(st.integers(0, 9)) == 0:
        mutated.append(mutated[0][: data.draw(st.integers(0, len(header) + 2))])
    if data.draw(st.integers(0, 9)) == 0:
        mutated = mutated + mutated  # duplicated export
    text = _render(header, mutated, preamble)
    result = import_file(fmt, text=text, file=f"hostile-{fmt}.csv")
    _check_result(result)
    _run_ledger_too(result)


test_binance_mutated = _mutating_test("binance")
test_kraken_mutated = _mutating_test("kraken")
test_cryptocom_mutated = _mutating_test("cryptocom")
test_coinbase_mutated = _mutating_test("coinbase")
test_binance_statement_mutated = _mutating_test("binance-statement")
test_okx_trades_mutated = _mutating_test("okx-trades")
test_okx_funding_mutated = _mutating_test("okx-funding")
test_hashkey_mutated = _mutating_test("hashkey")
test_wallet_mutated = _mutating_test("wallet")
test_ledgerlive_mutated = _mutating_test("ledgerlive")


@hostile_settings("random-text", 400)
@given(fmt=st.sampled_from(sorted(IMPORTERS)), text=st.text(max_size=600))
def test_arbitrary_text_for_every_importer(fmt: str, text: str) -> None:
    with case("random-text"):
        _check_result(import_file(fmt, text=text, file="junk.csv"))


@hostile_settings("random-rows", 400)
@given(fmt=st.sampled_from(sorted(IMPORTERS)), body=st.lists(st.lists(CELL, max_size=14), max_size=8))
def test_right_header_random_rows(fmt: str, body: list[list[str]]) -> None:
    with case("random-rows"):
        header, _, preamble = _valid_rows(fmt)
        result = import_file(fmt, text=_render(header, body, preamble), file="rows.csv")
        _check_result(result)


@hostile_settings("generic-csv", 400)
@given(body=st.lists(st.lists(CELL, min_size=len(CSV_COLUMNS), max_size=len(CSV_COLUMNS)), max_size=6),
       kinds=st.lists(st.sampled_from(["acquisition", "disposal", "swap", "fee", "transfer", "receipt", "payment",
                                       "loss", "income", "expense", "bogus", ""]), min_size=6, max_size=6))
def test_generic_csv(body: list[list[str]], kinds: list[str]) -> None:
    with case("generic-csv"):
        for row, kind in zip(body, kinds, strict=False):
            row[CSV_COLUMNS.index("kind")] = kind
        out = io.StringIO()
        csv.writer(out).writerows([list(CSV_COLUMNS), *body])
        events, problems = read_csv_events(text=out.getvalue(), file="g.csv")
        assert all(p.code in ERROR_CODES for p in problems)
        rows_with_data = sum(1 for r in body if any(c.strip() for c in r))
        reported = {p.source.row for p in problems}
        assert len(events) + len(reported) >= rows_with_data or any(p.code == "bad_row" for p in problems)


JSON_LEAF = st.one_of(st.none(), st.booleans(), st.integers(-10**30, 10**30), NASTY, st.text(max_size=12),
                      st.floats(allow_nan=False, allow_infinity=False))
JSON = st.recursive(JSON_LEAF, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.sampled_from(["kind", "id", "timestamp", "asset", "quantity", "cost", "proceeds", "events", "taxpayer",
                     "assets", "rates", "fees", "amount", "currency", "name", "symbol", "value", "x"]),
    inner, max_size=6), max_leaves=25)


def _base_scenario() -> dict[str, Any]:
    return {"taxpayer": {"kind": "individual", "name": "Hostile"},
            "events": [{"kind": "acquisition", "id": "a", "timestamp": "2023-05-01T00:00:00+08:00", "asset": "BTC",
                        "quantity": "1", "cost": "100"},
                       {"kind": "disposal", "id": "d", "timestamp": "2023-06-01T00:00:00+08:00", "asset": "BTC",
                        "quantity": "0.5", "proceeds": "80"}]}


@hostile_settings("json", 400)
@given(data=st.data())
def test_json_scenario(data: st.DataObject) -> None:
    with case("json"):
        doc = _base_scenario()
        choice = data.draw(st.integers(0, 2))
        if choice == 0:
            doc = data.draw(JSON)
        elif choice == 1:
            event = doc["events"][data.draw(st.integers(0, 1))]
            event[data.draw(st.sampled_from(sorted(event) + ["extra"]))] = data.draw(JSON)
        else:
            doc[data.draw(st.sampled_from(["taxpayer", "events", "rates", "assets", "settings", "zzz"]))] = data.draw(JSON)
        text = json.dumps(doc)
        try:
            scenario = scenario_from_dict(json.loads(text), file="s.json")
        except InputError as exc:
            assert exc.problems and all(p.code in ERROR_CODES for p in exc.problems)
            return
        outcome_of(lambda: match_scenario(scenario))
