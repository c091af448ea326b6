"""hkvatax.io.loaders: JSON scenarios, CSV ledgers with TOML/JSON profiles, rates CSV, docs/examples."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hkvatax.errors import InputError
from hkvatax.io import (
    COLUMNS_BY_KIND,
    CSV_COLUMNS,
    load_any,
    load_csv_ledger,
    load_profile,
    load_scenario,
    read_csv_events,
    read_rates_csv,
    resolve_timezone,
    scenario_from_dict,
)
from hkvatax.ledger import match_scenario
from hkvatax.periods import YearOfAssessment

EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples"
HEADER = ",".join(CSV_COLUMNS)
T = "2024-01-01T00:00:00+08:00"


def row(**cells: str) -> str:
    return ",".join(cells.get(c, "") for c in CSV_COLUMNS)


def scenario_json(events: list[dict], **extra: object) -> dict:
    return {"taxpayer": {"kind": "individual", "name": "x"}, "assets": [{"symbol": "BTC"}], "events": events, **extra}


# ------------------------------------------------------------------------------------------------ JSON
def test_json_scenario_loads_and_refuses_float_literals(tmp_path: Path) -> None:
    good = scenario_json([{"kind": "acquisition", "id": "a", "timestamp": T, "asset": "BTC", "quantity": "0.1",
                           "cost": "100"}])
    path = tmp_path / "s.json"
    path.write_text(json.dumps(good), encoding="utf-8")
    scenario = load_scenario(path)
    assert scenario.events[0].quantity == Decimal("0.1")
    assert scenario.events[0].source.path == "events[0]" and scenario.events[0].source.file == str(path)
    path.write_text(json.dumps(good).replace('"0.1"', "0.1"), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_scenario(path)
    (p,) = exc.value.problems
    assert (p.code, p.source.path) == ("float_money", "events[0].quantity")


def test_json_collects_every_problem_with_its_path() -> None:
    data = scenario_json([
        {"kind": "acquisition", "id": "a", "timestamp": "2024-01-01T00:00:00", "asset": "BTC", "quantity": "x",
         "cost": "1"},
        {"kind": "disposal", "id": "b", "timestamp": T, "asset": "BTC", "quantity": "1"},
        {"kind": "teleport", "id": "c", "timestamp": T},
    ], taxpayer={"kind": "individual", "name": "x", "methods": [{"method": "lifo", "from_year": "2024/25"}]})
    with pytest.raises(InputError) as exc:
        scenario_from_dict(data, file="s.json")
    got = sorted((p.code, p.source.path) for p in exc.value.problems)
    assert got == sorted([
        ("naive_timestamp", "events[0].timestamp"), ("not_a_number", "events[0].quantity"),
        ("missing_field", "events[1].proceeds"), ("unknown_kind", "events[2]"),
        ("lifo_refused", "taxpayer.methods[0]"),
    ])
    assert all(p.source.file == "s.json" for p in exc.value.problems)


def test_json_default_timezone(tmp_path: Path) -> None:
    data = scenario_json([{"kind": "acquisition", "id": "a", "timestamp": "2024-03-31T20:00:00", "asset": "BTC",
                           "quantity": "1", "cost": "1"}], default_timezone="America/New_York")
    path = tmp_path / "s.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    scenario = load_scenario(path)
    assert YearOfAssessment.containing(scenario.events[0].timestamp) == YearOfAssessment(2024)  # 1 April in HK
    assert load_scenario(path, default_tz="Asia/Hong_Kong").events[0].timestamp.utcoffset().total_seconds() == 8 * 3600


@pytest.mark.parametrize("text", ["{", "[1, 2]", '{"taxpayer": NaN}'])
def test_bad_json_files(tmp_path: Path, text: str) -> None:
    path = tmp_path / "s.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_scenario(path)
    assert exc.value.codes == ["bad_file"]


def test_timezones() -> None:
    assert resolve_timezone(None) is None and resolve_timezone("") is None
    from datetime import datetime

    assert datetime(2024, 1, 1, tzinfo=resolve_timezone("+08:00")).utcoffset().total_seconds() == 8 * 3600
    assert datetime(2024, 1, 1, tzinfo=resolve_timezone("-05:30")).utcoffset().total_seconds() == -5.5 * 3600
    with pytest.raises(InputError):
        resolve_timezone("Mars/Olympus")
    with pytest.raises(InputError):
        resolve_timezone("+25:00")


# ------------------------------------------------------------------------------------------------- CSV
def test_every_kind_in_csv() -> None:
    rows = [
        row(id="a", timestamp=T, kind="acquisition", asset="BTC", quantity="1", amount="100", fee_amount="1"),
        row(id="b", timestamp=T, kind="disposal", asset="BTC", quantity="0.1", amount="100", lots="a:0.1"),
        row(id="c", timestamp=T, kind="swap", asset="BTC", quantity="0.1", counter_asset="ETH",
            counter_quantity="2", amount="50"),
        row(id="d", timestamp=T, kind="fee", fee_amount="0.01", fee_currency="ETH", fee_value="3"),
        row(id="e", timestamp=T, kind="transfer", asset="BTC", quantity="0.1", wallet="x", to_wallet="y"),
        row(id="f", timestamp=T, kind="receipt", asset="ETH", quantity="1", amount="5", subtype="airdrop"),
        row(id="g", timestamp=T, kind="payment", asset="ETH", quantity="0.1", amount="5", note="coffee"),
        row(id="h", timestamp=T, kind="loss", asset="ETH", quantity="0.1", subtype="theft"),
        row(id="i", timestamp=T, kind="income", amount="5", subtype="dividend", offshore="yes"),
        row(id="j", timestamp=T, kind="expense", amount="5", subtype="non_deductible", note="penalty"),
    ]
    events, problems = read_csv_events(text="\n".join([HEADER, *rows]), file="l.csv")
    assert problems == []
    assert [e.kind for e in events] == list(COLUMNS_BY_KIND)
    by_id = {e.id: e for e in events}
    assert by_id["b"].lots[0].lot_id == "a" and by_id["b"].lots[0].quantity == Decimal("0.1")
    assert by_id["c"].receive_asset == "ETH" and by_id["c"].value == Decimal(50)
    assert by_id["d"].fee.value == Decimal(3)
    assert by_id["i"].offshore is True and by_id["j"].deductible is False
    assert [e.source.row for e in events] == list(range(2, 12))


def test_csv_reports_every_problem_with_row_and_column() -> None:
    text = "\n".join([
        "id,timestamp,kind,asset,quantity,amount,currency,fee_amount,note",
        f"a,{T},acquisition,BTC,1.5,100,HKD,,",
        "b,2024-01-02T00:00:00,acquisition,BTC,abc,-5,HKD,,",
        f"c,{T},gift,BTC,1,,,,",
        f"d,{T},disposal,BTC,1,100,HKD,0.1.2,",
        f"e,{T},acquisition,BTC,1",
        f",{T},income,BTC,1,10,HKD,,",
        ",,,,,,,,",
        "g,nonsense,disposal,,1,1,HKD,,",
    ])
    events, problems = read_csv_events(text=text, file="l.csv")
    assert [e.id for e in events] == ["a"]
    got = [(p.source.row, p.column, p.code) for p in problems]
    assert got == [
        (3, "timestamp", "naive_timestamp"), (3, "quantity", "not_a_number"), (3, "amount", "negative"),
        (4, "kind", "unknown_kind"), (5, "fee_amount", "not_a_number"), (6, None, "bad_row"),
        (7, "quantity", "unknown_field"), (7, "subtype", "missing_field"),
        (9, "timestamp", "bad_timestamp"), (9, "asset", "missing_field"),
    ]
    assert all(p.source.file == "l.csv" for p in problems)


def test_csv_header_problems() -> None:
    _, problems = read_csv_events(text="id,when,kind\n", file="l.csv")
    assert {(p.code, p.column) for p in problems} == {("unknown_field", "when"), ("missing_field", "timestamp")}
    _, problems = read_csv_events(text="", file="l.csv")
    assert [p.code for p in problems] == ["bad_file"]


_CELL = st.sampled_from(["", "1", "0.5", "-1", "abc", "0.1.2", "BTC", "ETH", T, "2024-01-01", "acquisition",
                         "disposal", "receipt", "staking", "x:1", "yes", "nope"])


@given(st.lists(st.lists(_CELL, min_size=len(CSV_COLUMNS) - 2, max_size=len(CSV_COLUMNS) + 1), max_size=12))
def test_csv_nothing_is_dropped_silently(rows: list[list[str]]) -> None:
    """Every non-blank data row is an event or has at least one reported problem naming its row."""
    lines = [HEADER] + [",".join(cells) for cells in rows]
    events, problems = read_csv_events(text="\n".join(lines) + "\n", file="l.csv")
    used = {e.source.row for e in events}
    reported = {p.source.row for p in problems}
    for n, cells in enumerate(rows, start=2):
        if all(not c.strip() for c in cells):
            continue
        assert n in used or n in reported, (n, cells)
    assert len(events) == len(used)  # one event per row


def test_rates_csv(tmp_path: Path) -> None:
    path = tmp_path / "rates.csv"
    path.write_text("base,quote,rate,at,source\nUSD,HKD,7.8,2024-01-01T00:00:00+08:00,HKMA\n"
                    "EUR,HKD,abc,2024-01-01T00:00:00+08:00,ECB\n", encoding="utf-8")
    rates, problems = read_rates_csv(path)
    assert [(r.base, r.rate, r.provenance.row) for r in rates] == [("USD", Decimal("7.8"), 2)]
    assert [(p.code, p.source.row, p.column) for p in problems] == [("not_a_number", 3, "rate")]


def test_profile_json_and_toml(tmp_path: Path) -> None:
    toml = tmp_path / "p.toml"
    toml.write_text('[taxpayer]\nkind = "corporation"\nname = "X"\n', encoding="utf-8")
    assert load_profile(toml)["taxpayer"]["kind"] == "corporation"
    js = tmp_path / "p.json"
    js.write_text('{"taxpayer": {"kind": "corporation", "name": "X"}, "rates": [{"base": "USD", "rate": 7.8, '
                  '"at": "2024-01-01T00:00:00+08:00", "source": "x"}]}', encoding="utf-8")
    csv = tmp_path / "l.csv"
    csv.write_text(HEADER + "\n" + row(id="a", timestamp=T, kind="acquisition", asset="BTC", quantity="1",
                                       amount="1", currency="USD") + "\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_csv_ledger(csv, js)
    assert exc.value.codes == ["float_money"]
    bad = tmp_path / "bad.toml"
    bad.write_text("taxpayer = [", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_profile(bad)
    assert exc.value.codes == ["bad_file"]


# ---------------------------------------------------------------------------------------- docs/examples
def test_documented_example_loads_and_runs() -> None:
    scenario = load_any(EXAMPLES / "ledger.csv", profile=EXAMPLES / "profile.toml")
    assert len(scenario.events) == 7
    assert scenario.taxpayer.methods[0].method.value == "specific_id"
    naive = next(e for e in scenario.events if e.id == "buy-2")
    assert naive.timestamp.utcoffset().total_seconds() == 8 * 3600  # default_timezone applied
    result = match_scenario(scenario)
    sale = next(d for d in result.disposals if d.disposal_id == "sell-1")
    assert [f.lot_id for f in sale.fragments] == ["buy-1"]
    assert sale.gross_proceeds_hkd == Decimal("27000") * Decimal("7.78")
    assert sale.conversions[0].source == "HKMA indicative"
    assert [i.year for i in result.incomes] == [YearOfAssessment(2024)]
    # the profile can be found next to the ledger only with an explicit name
    with pytest.raises(InputError) as exc:
        load_any(EXAMPLES / "ledger.csv")
    assert exc.value.codes == ["missing_field"]


def test_formats_doc_matches_the_csv_columns() -> None:
    """docs/formats.md's table of columns per kind is COLUMNS_BY_KIND, and its example is the real file."""
    text = (EXAMPLES.parent / "formats.md").read_text(encoding="utf-8")
    lines = text.splitlines()
    header = next(ln for ln in lines if ln.startswith("| kind | `asset`"))
    columns = [c.strip().strip("`") for c in header.strip("|").split("|")][1:]
    for kind, mapping in COLUMNS_BY_KIND.items():
        line = next(ln for ln in lines if ln.startswith(f"| `{kind}` | ") and ln.count("|") == len(columns) + 2)
        cells = [c.strip() for c in line.strip("|").split("|")][1:]
        assert {col: cell for col, cell in zip(columns, cells, strict=True) if cell} == mapping, kind
    assert (EXAMPLES / "ledger.csv").read_text(encoding="utf-8").strip() in text


def test_one_report_lists_row_errors_and_ledger_problems_of_the_readable_rows(tmp_path):
    from hkvatax.cli import main

    ledger = tmp_path / "bad.csv"
    ledger.write_text(
        "id,timestamp,kind,asset,quantity,amount,currency\n"
        "a1,2024-05-01T10:00:00+08:00,acquisition,BTC,1,400000,HKD\n"
        "a1,2024-05-02T10:00:00+08:00,disposal,BTC,2,900000,HKD\n"
        "a3,2024-05-03T10:00:00,disposal,ETH,1,1000,HKD\n"
        "a5,2024-05-03T10:00:00+08:00,acquisition,BTC,1,1000,XYZ\n", encoding="utf-8")
    profile = tmp_path / "p.toml"
    profile.write_text('[taxpayer]\nkind = "individual"\nname = "T"\n', encoding="utf-8")
    import contextlib
    import io

    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert main(["disposals", str(ledger), "--profile", str(profile)]) == 1
    text = err.getvalue()
    for code in ("naive_timestamp", "duplicate_id", "oversell", "unknown_currency"):
        assert f"[{code}]" in text, code
    assert "field 'amount'" in text  # the CSV column, not the model field 'cost'


_RATE_CELLS = {
    "base": st.sampled_from(["BTC", "usd", " ETH", "", "B TC", "USDT"]),
    "quote": st.sampled_from(["HKD", "USD", "", "hkd", "U SD"]),
    "rate": st.sampled_from(["7.8", "0", "1,000.5", "-1", "1e3", "0.1234567890123456789", "6546.80", " 2", "", "x"]),
    "at": st.sampled_from(["2024-05-01T00:00:00+08:00", "2024-05-01T00:00:00Z", "2024-05-01", "20240501",
                           "2024-05-01T00:00:00.1234567+08:00", "1899-01-01T00:00:00Z", ""]),
    "source": st.sampled_from(["HKMA", " close", "", "exchange close"]),
}


@given(st.lists(st.fixed_dictionaries(_RATE_CELLS), min_size=1, max_size=6),
       st.permutations(["base", "quote", "rate", "at", "source"]))
def test_rates_read_in_bulk_equal_the_rates_read_row_by_row(rows: list[dict[str, str]], order: list[str]) -> None:
    """The column-wise reading of a rates file gives exactly the row reader's rates, or defers to it."""
    import tempfile

    from hkvatax.io import loaders

    text = ",".join(order) + "\n" + "".join(",".join(r[c] for c in order) + "\n" for r in rows)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rates.csv"
        path.write_text(text, encoding="utf-8")
        bulk = loaders._rates_in_bulk(text, str(path))
        original = loaders._rates_in_bulk
        try:
            loaders._rates_in_bulk = lambda _text, _name: None  # type: ignore[assignment]
            rows_read, problems = read_rates_csv(path)
        finally:
            loaders._rates_in_bulk = original  # type: ignore[assignment]
    if bulk is None:
        return
    assert not problems
    assert [r.model_dump_json() for r in bulk] == [r.model_dump_json() for r in rows_read]
    assert [r.__pydantic_fields_set__ for r in bulk] == [r.__pydantic_fields_set__ for r in rows_read]


def test_a_plain_rates_file_is_read_in_bulk() -> None:
    from hkvatax.io import loaders

    text = "base,quote,rate,at,source\nBTC,USD,6546.8,2015-12-31T00:00:00+08:00,close\nusd,,7.8,2015-12-31T00:00:00Z,HKMA\n"
    bulk = loaders._rates_in_bulk(text, "rates.csv")
    assert bulk is not None
    assert [(r.base, r.quote, str(r.rate), r.at.isoformat(), r.provenance.row if r.provenance else None)
            for r in bulk] == [("BTC", "USD", "6546.8", "2015-12-31T00:00:00+08:00", 2),
                               ("USD", "HKD", "7.8", "2015-12-31T00:00:00+00:00", 3)]
