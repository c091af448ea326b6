"""A CSV ledger read column by column in chunks (io.csvtable) and matched as it is read gives exactly what
the event models' row-by-row reading gives — every Decimal's string, every sample, every problem — for any
chunking, any row order, and for rows handed over in memory."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hkvatax.engine import assess, assess_csv, assess_rows, ledger_csv, ledger_rows, ledger_scenario
from hkvatax.errors import InputError
from hkvatax.io.csvtable import RowsInvalid, read_tables
from hkvatax.io.loaders import CSV_COLUMNS, OPTIONAL_COLUMNS, load_csv_ledger
from hkvatax.ledger.aggregate import LedgerAggregates
from hkvatax.models.table import EventTable

ASSETS = ("BTC", "ETH", "SOL")
RATES = [{"base": "USD", "quote": "HKD", "rate": "7.8", "at": "2020-01-01T00:00:00+08:00", "source": "fixed"},
         {"base": "USDT", "quote": "USD", "rate": "1.0001", "at": "2020-01-01T00:00:00+08:00", "source": "fixed"}]


def profile(method: str = "fifo", *, per_wallet: bool = False, kind: str = "corporation") -> dict[str, Any]:
    return {"taxpayer": {"kind": kind, "name": "Co", "methods": [{"method": method, "from_year": "2018/19"}],
                         "per_wallet_pools": per_wallet},
            "assets": [{"symbol": a} for a in ASSETS], "rates": RATES,
            "settings": {"price_max_age_days": 3660}}


def render(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    columns = CSV_COLUMNS + tuple(c for c in OPTIONAL_COLUMNS if any(r.get(c) for r in rows))
    w.writerow(columns)
    for r in rows:
        w.writerow([r.get(h, "") for h in columns])
    return out.getvalue()


_qty = st.decimals(min_value=Decimal("0.00000001"), max_value=Decimal("50"), places=8)
_money = st.decimals(min_value=Decimal("0"), max_value=Decimal("100000"), places=2)
_cur = st.sampled_from(["HKD", "HKD", "USD", "usdt"])


@st.composite
def ledger_rows_(draw: st.DrawFn) -> list[dict[str, str]]:
    """Random ledgers of every kind the generic CSV carries; some oversell (the ledger then reports it)."""
    n = draw(st.integers(min_value=0, max_value=30))
    rows: list[dict[str, str]] = []
    second = 0
    start = datetime.fromisoformat("2021-01-01T00:00:00+08:00")
    for i in range(n):
        second += draw(st.integers(min_value=0, max_value=3 * 86400 * 120))  # ties and year crossings
        ts = (start + timedelta(seconds=second)).isoformat()
        kind = draw(st.sampled_from(["acquisition", "acquisition", "acquisition", "disposal", "swap", "fee",
                                     "transfer", "receipt", "payment", "loss", "income", "expense"]))
        asset = draw(st.sampled_from(ASSETS))
        wallet = draw(st.sampled_from(["w1", "w1", "w2"]))
        row = {"id": draw(st.sampled_from([f"r{i}", ""])), "timestamp": ts, "kind": kind, "wallet": wallet}
        if kind in ("acquisition", "disposal", "payment"):
            row.update(asset=asset, quantity=str(draw(_qty)), amount=str(draw(_money)), currency=draw(_cur))
            if kind == "payment" and draw(st.booleans()):
                row.update(amount="", currency="")
            if draw(st.booleans()):
                row.update(fee_amount=str(draw(_money) + Decimal("0.01")), fee_currency=draw(_cur))
            if draw(st.booleans()):
                row.update(fee_amount=str(draw(_qty)), fee_currency=asset, fee_value=str(draw(_money)),
                           fee_value_currency=draw(st.sampled_from(["", "", "USD", "HKD"])))
        elif kind == "swap":
            other = draw(st.sampled_from([a for a in ASSETS if a != asset]))
            row.update(asset=asset, quantity=str(draw(_qty)), counter_asset=other,
                       counter_quantity=str(draw(_qty)), amount=str(draw(_money)), currency=draw(_cur))
        elif kind == "fee":
            if draw(st.booleans()):
                row.update(fee_amount=str(draw(_qty)), fee_currency=asset, fee_value=str(draw(_money)))
            else:
                row.update(fee_amount=str(draw(_money) + 1), fee_currency=draw(_cur), note="gas")
        elif kind == "transfer":
            row.update(asset=asset, quantity=str(draw(_qty)), to_wallet="w2" if wallet == "w1" else "w1")
            if draw(st.booleans()):
                row.update(fee_amount="1.5", fee_currency="HKD")
            elif draw(st.booleans()):  # a token fee valued in a currency of its own (or a bad one)
                row.update(fee_amount=str(draw(_qty)), fee_currency=asset, fee_value=str(draw(_money)),
                           fee_value_currency=draw(st.sampled_from(["USD", "usdt", "HKD", "EUR", ""])))
        elif kind == "receipt":
            row.update(asset=asset, quantity=str(draw(_qty)), amount=str(draw(_money)), currency="HKD",
                       subtype=draw(st.sampled_from(["staking", "airdrop", "payment_received"])))
        elif kind == "loss":
            lost = draw(_qty)
            row.update(asset=asset, quantity=str(lost),
                       subtype=draw(st.sampled_from(["", "theft", "slashing", "gift", "donation"])))
            if draw(st.booleans()):
                row.update(amount=str(draw(_money)), currency=draw(_cur))
            if draw(st.booleans()):  # sometimes all of it or more: the models refuse it
                row.update(counter_quantity=str(draw(st.sampled_from([lost / 2, lost, lost * 2]))))
        elif kind == "income":
            row.update(amount=str(draw(_money) + 1), currency=draw(_cur),
                       subtype=draw(st.sampled_from(["interest", "dividend"])))
        else:
            row.update(amount=str(draw(_money) + 1), currency=draw(_cur), note="subscription",
                       subtype=draw(st.sampled_from(["", "nondeductible"])))
        rows.append(row)
    if draw(st.booleans()):
        rows = draw(st.permutations(rows))  # input order must not matter
    return rows


def exact(agg: LedgerAggregates) -> Any:
    """Everything in the aggregates, Decimals as their strings (digits and exponent), samples included."""
    def groups(d: dict[Any, Any]) -> Any:
        return [(str(k), str(g.total), str(g.receipts), g.count, g.method, g.samples) for k, g in d.items()]

    return (groups(agg.disposals), groups(agg.receipts), groups(agg.incomes), groups(agg.outgoings),
            groups(agg.outflows),
            [(str(y), s.disposals, str(s.weighted_us), str(s.quantity)) for y, s in agg.stats.items()],
            sorted(map(str, agg.years_seen)), agg.event_count,
            {str(y): [s.to_dict() for s in snaps] for y, snaps in agg.closing.items()},
            [(n.code, n.message, n.event_id, n.source) for n in agg.notes])


def outcome(fn: Any) -> Any:
    try:
        _, matched = fn()
    except InputError as exc:
        return ("error", [(p.code, p.message, p.source, p.column) for p in exc.problems])
    return {b: exact(a) for b, a in matched.by_basis.items()}


def by_models(text: str, prof: dict[str, Any]) -> Any:
    def run() -> Any:
        scenario = load_csv_ledger(None, prof, text=text, file="t.csv")
        return scenario, ledger_scenario(scenario)
    return outcome(run)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=ledger_rows_(), method=st.sampled_from(["fifo", "weighted_average", "specific_id"]),
       per_wallet=st.booleans(), chunk=st.integers(min_value=1, max_value=12))
def test_chunked_table_reading_equals_the_models_reading(rows: list[dict[str, str]], method: str,
                                                          per_wallet: bool, chunk: int) -> None:
    text = render(rows)
    prof = profile(method, per_wallet=per_wallet)
    got = outcome(lambda: ledger_csv(io.StringIO(text), prof, file="t.csv", chunk=chunk))
    assert got == by_models(text, prof)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=ledger_rows_(), method=st.sampled_from(["fifo", "weighted_average"]), chunk=st.integers(1, 6),
       data=st.data())
def test_a_ledger_without_declared_assets_read_in_chunks_equals_one_whole_reading(
        rows: list[dict[str, str]], method: str, chunk: int, data: st.DataObject) -> None:
    """With no assets declared, every symbol used as an asset anywhere is a token: streaming the chunks
    learns them as they come, and a currency of an earlier chunk that turns out to be a token (USDT bought
    later) sends the whole input to one matching; either way the figures, problems and notes of one reading."""
    if data.draw(st.booleans(), label="a currency code is also bought as an asset"):
        at = data.draw(st.integers(0, len(rows)), label="where")
        when = rows[at - 1]["timestamp"] if at else "2021-01-01T00:00:00+08:00"
        rows = [*rows[:at], {"id": "bought-usdt", "timestamp": when, "kind": "acquisition", "asset": "usdt",
                             "quantity": "100", "amount": "780", "currency": "HKD"}, *rows[at:]]
    text = render(rows)
    prof = {k: v for k, v in profile(method).items() if k != "assets"}
    got = outcome(lambda: ledger_csv(io.StringIO(text), prof, file="t.csv", chunk=chunk))
    assert got == by_models(text, prof)


def test_a_token_first_seen_as_a_fee_currency_is_a_token_from_the_first_row() -> None:
    rows = [{"id": "buy", "timestamp": "2021-05-01T10:00:00+08:00", "kind": "acquisition", "asset": "BTC",
             "quantity": "1", "amount": "100000", "currency": "HKD", "fee_amount": "0.01", "fee_currency": "BNB",
             "fee_value": "50"},
            {"id": "bnb", "timestamp": "2021-06-01T10:00:00+08:00", "kind": "acquisition", "asset": "BNB",
             "quantity": "1", "amount": "3000", "currency": "HKD"}]
    prof = {k: v for k, v in profile().items() if k != "assets"}
    text = render(rows)
    got = outcome(lambda: ledger_csv(io.StringIO(text), prof, file="t.csv", chunk=1))
    assert got == by_models(text, prof)
    assert got[0] == "error" and [p[0] for p in got[1]] == ["disposal_before_acquisition"]  # BNB: a token fee


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=ledger_rows_())
def test_rows_in_memory_equal_the_same_rows_as_csv(rows: list[dict[str, str]]) -> None:
    prof = profile("weighted_average")
    rows = [{**r, "id": r["id"] or f"n{k}"} for k, r in enumerate(rows)]  # (a default id names the line)
    text = render(rows)
    every = CSV_COLUMNS + OPTIONAL_COLUMNS
    as_rows = outcome(lambda: ledger_rows([{h: r.get(h, "") for h in every} for r in rows], prof, file="t.csv"))
    as_tuples = outcome(lambda: ledger_rows([tuple(r.get(h, "") for h in every) for r in rows], prof,
                                            columns=every, file="t.csv"))
    assert as_rows == as_tuples
    if rows:
        shifted = by_models(text, prof)
        if isinstance(shifted, dict):  # (problems name CSV lines, one more than the rows' numbers)
            assert as_rows == {b: _rows_numbering(v) for b, v in shifted.items()}


def _rows_numbering(value: Any) -> Any:
    from hkvatax.errors import SourceRef

    if isinstance(value, SourceRef) and value.row is not None:
        return SourceRef(value.file, value.row - 1, value.path)
    if isinstance(value, (list, tuple)):
        return type(value)(_rows_numbering(v) for v in value)
    if isinstance(value, dict):
        return {k: _rows_numbering(v) for k, v in value.items()}
    return value


BAD = [
    "id,timestamp,kind\nx,2021-01-01T00:00:00+08:00,bogus\n",
    "id,timestamp,kind,asset,quantity,amount\nx,2021-01-01T00:00:00+08:00,acquisition,BTC,-1,10\n",
    "id,timestamp,kind,asset,quantity,amount\nx,2021-01-01 00:00,acquisition,BTC,1,10\n",
    "id,timestamp,kind,asset,quantity,amount\nx,2021-01-01T00:00:00+08:00,acquisition,BTC,1,1e400\n",
    "id,timestamp,kind,asset,quantity,amount\nx,2021-01-01T00:00:00+08:00,disposal,BTC,1,10\n",
    "id,timestamp,kind,asset,quantity,amount\nx,2021-01-01T00:00:00+08:00,acquisition,BTC,1,10\n"
    "x,2021-01-02T00:00:00+08:00,acquisition,BTC,1,10\n",
    "id,timestamp,kind,asset,quantity,amount,lots\nx,2021-01-01T00:00:00+08:00,acquisition,BTC,1,10,a:1\n",
    "id,timestamp,kind,asset,quantity,amount\nx,2021-01-01T00:00:00+08:00,acquisition,BTC,1\n",
    "id,timestamp,kind,asset,quantity,amount,currency\nx,2021-01-01T00:00:00+08:00,acquisition,BTC,1,10,EUR\n",
    "id,timestamp,kind,asset,quantity,amount,subtype\nx,2021-01-01T00:00:00+08:00,receipt,XRP,1,,staking\n",
    "id,timestamp,kind,asset,quantity,amount\nx,2021-01-01T00:00:00+08:00,swap,BTC,1,10\n",
    "id,timestamp,kind,fee_amount,fee_currency\nx,2021-01-01T00:00:00+08:00,fee,2,ETH\n",
    "id,timestamp,kind,fee_currency\nx,2021-01-01T00:00:00+08:00,fee,BTC\n",
    "id,timestamp,kind,asset,quantity,amount,fee_amount\nx,2021-01-01T00:00:00+08:00,loss,BTC,1,,1\n",
    "",
]


@pytest.mark.parametrize("text", BAD)
def test_malformed_csv_gives_the_models_problems(text: str) -> None:
    prof = profile()
    got = outcome(lambda: ledger_csv(io.StringIO(text), prof, file="t.csv"))
    assert got == by_models(text, prof)
    assert isinstance(got, tuple) and got[0] == "error"


def test_a_file_out_of_time_order_is_matched_whole_and_sorted(tmp_path: Path) -> None:
    rows = [{"id": f"a{i}", "timestamp": f"2022-0{1 + i % 9}-01T00:00:00+08:00", "kind": "acquisition",
             "asset": "BTC", "quantity": "1", "amount": str(100 + i)} for i in range(30)]
    rows += [{"id": "d", "timestamp": "2022-12-01T00:00:00+08:00", "kind": "disposal", "asset": "BTC",
              "quantity": "25", "amount": "9000"}]
    text = render(rows[::-1])
    prof = profile()
    assert outcome(lambda: ledger_csv(io.StringIO(text), prof, file="t.csv")) == by_models(text, prof)


def test_the_assessment_from_a_csv_equals_the_assessment_of_its_models(tmp_path: Path) -> None:
    rows = [{"id": "b", "timestamp": "2022-05-01T00:00:00+08:00", "kind": "acquisition", "asset": "BTC",
             "quantity": "2", "amount": "1000", "currency": "USD", "fee_amount": "3", "fee_currency": "USD"},
            {"id": "s", "timestamp": "2022-07-01T00:00:00+08:00", "kind": "receipt", "asset": "ETH",
             "quantity": "1", "amount": "50", "subtype": "staking"},
            {"id": "d", "timestamp": "2023-05-01T00:00:00+08:00", "kind": "disposal", "asset": "BTC",
             "quantity": "1.5", "amount": "9000"}]
    path = tmp_path / "l.csv"
    path.write_text(render(rows), encoding="utf-8")
    for kind in ("corporation", "individual"):
        prof = profile(kind=kind)
        a = assess_csv(path, prof)
        b = assess(load_csv_ledger(path, prof))
        assert a.explain(detail="per_asset").to_json() == b.explain(detail="per_asset").to_json()
        assert a.explain(detail="full").to_json() == b.explain(detail="full").to_json()  # records made on request
        c = assess_rows([{h: r.get(h, "") for h in CSV_COLUMNS} for r in rows], prof, file=str(path))
        assert c["2023/24"].tax_payable == a["2023/24"].tax_payable


def test_an_individuals_staking_takes_a_nil_cost_from_the_one_pass() -> None:
    """Both receipt cost bases are matched in the one pass; the rules pick nil for a capital holder."""
    rows = [{"id": "s", "timestamp": "2022-07-01T00:00:00+08:00", "kind": "receipt", "asset": "ETH",
             "quantity": "1", "amount": "5000", "subtype": "staking"},
            {"id": "d", "timestamp": "2023-05-01T00:00:00+08:00", "kind": "disposal", "asset": "ETH",
             "quantity": "1", "amount": "9000"}]
    prof = profile(kind="individual")
    prof["taxpayer"]["carries_on_business"] = False
    out = assess_rows(rows, prof)  # the facts decide: capital, so one basis, nil
    assert out.basis == "nil" and out.matched is not None and set(out.matched.by_basis) == {"nil"}
    gains = out.aggregates.disposals if out.aggregates else {}
    assert [str(g.total) for g in gains.values()] == ["9000"]
    company = assess_rows(rows, profile())  # the ledger decides: both bases in the one pass, market value kept
    assert company.matched is not None and set(company.matched.by_basis) == {"market_value", "nil"}
    assert company.basis == "market_value"
    assert [str(g.total) for g in company.aggregates.disposals.values()] == ["4000"]  # type: ignore[union-attr]


def test_rows_with_a_float_are_refused_by_name() -> None:
    rows = [{"id": "b", "timestamp": "2022-05-01T00:00:00+08:00", "kind": "acquisition", "asset": "BTC",
             "quantity": 0.1, "amount": "1000"}]
    with pytest.raises(InputError) as exc:
        ledger_rows(rows, profile())
    assert exc.value.problems[0].code == "float_money" and exc.value.problems[0].column == "quantity"


def test_a_bad_header_is_reported_by_the_row_reader() -> None:
    with pytest.raises(RowsInvalid):
        list(read_tables(text="id,when,kind\n", file="t.csv"))


def test_tables_concatenate_in_order() -> None:
    text = render([{"id": f"a{i}", "timestamp": f"2022-01-0{i + 1}T00:00:00+08:00", "kind": "acquisition",
                    "asset": "BTC", "quantity": "1", "amount": "1"} for i in range(5)])
    parts = list(read_tables(text=text, file="t.csv", chunk=2))
    whole = EventTable.concat(parts)
    assert whole.ids == [f"a{i}" for i in range(5)] and list(whole.rows) == [2, 3, 4, 5, 6]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=ledger_rows_(), method=st.sampled_from(["fifo", "weighted_average", "specific_id"]),
       per_wallet=st.booleans(), switch=st.booleans())
def test_both_cost_bases_in_one_pass_equal_each_basis_alone(rows: list[dict[str, str]], method: str,
                                                             per_wallet: bool, switch: bool) -> None:
    """Carrying the nil-basis costs beside the market ones gives what matching with each basis alone gives."""
    from hkvatax.engine import _match

    prof = profile(method, per_wallet=per_wallet)
    if switch:  # a change of cost formula in the middle: pools converted with both costs
        other = "fifo" if method != "fifo" else "weighted_average"
        prof["taxpayer"]["methods"].append({"method": other, "from_year": "2021/22"})
    try:
        scenario = load_csv_ledger(None, prof, text=render(rows), file="t.csv")
    except InputError:
        return
    table = EventTable.from_events(scenario.events)

    def run(bases: tuple[str, ...]) -> Any:
        try:
            return {b: exact(a) for b, (a, _) in _match(scenario, lambda: [table], possible_nil=True,
                                                         bases=bases).items()}
        except InputError as exc:
            return [(p.code, p.message) for p in exc.problems]

    both = run(("market_value", "nil"))
    alone = run(("market_value",))
    if isinstance(both, dict):
        assert both["market_value"] == alone["market_value"]  # type: ignore[index]
        assert both["nil"] == run(("nil",))["nil"]
    else:
        assert both == alone


def test_a_note_with_a_line_break_is_refused_at_its_row_by_both_readers() -> None:
    """A quoted cell cannot hold a line break (decision 0150): the row reader and the table reader both refuse
    the line that opens the quote as ``unclosed_quote`` and read the next lines as their own rows (before,
    the row reader merged the two lines into one note; earlier still the bulk reader hit an AssertionError)."""
    text = (",".join(CSV_COLUMNS) + "\n"
            + "b,2023-04-01T10:00:00+08:00,acquisition,BTC,1,100" + "," * 12 + '"two\nlines"\n'
            + "s,2023-05-01T10:00:00+08:00,disposal,BTC,0.5,80" + "," * 12 + "\n")
    with pytest.raises(InputError) as by_table:
        ledger_csv(io.StringIO(text), profile(), file="notes.csv")
    with pytest.raises(InputError) as by_rows:
        load_csv_ledger(None, profile(), text=text, file="notes.csv")
    assert by_table.value.to_dict() == by_rows.value.to_dict()
    assert [(p.code, p.source.row) for p in by_rows.value.problems][:1] == [("unclosed_quote", 2)]
