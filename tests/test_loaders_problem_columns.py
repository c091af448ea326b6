"""match_scenario names a CSV row's ledger problem by its CSV column, and further_problems marks the problems
that may only follow from a row already reported (the hostile-input suite, left out of the mutation run,
covers the command line end to end)."""

from __future__ import annotations

from hkvatax.engine import further_problems, match_scenario
from hkvatax.errors import InputError
from hkvatax.io.loaders import read_csv_events
from hkvatax.models.scenario import Scenario

CSV = """id,timestamp,kind,asset,quantity,amount,currency,fee_amount,fee_currency,fee_value
a,2024-05-01T00:00:00+08:00,acquisition,BTC,1,100,HKD,1,XYZ,
b,2024-05-02T00:00:00+08:00,disposal,BTC,2,100,USD,,,
a,2024-05-03T00:00:00+08:00,acquisition,BTC,1,100,HKD,,,
c,2024-05-04T00:00:00+08:00,acquisition,ETH,1,100,HKD,1,BTC,
"""


def problems(sc: Scenario) -> tuple[InputError, list[tuple[str, str | None, int | None, str]]]:
    try:
        match_scenario(sc)
    except InputError as exc:
        return exc, [(p.code, p.column, p.source.row, p.message) for p in exc.problems]
    raise AssertionError("expected problems")


def test_csv_problems_are_named_by_csv_column_and_marked_when_they_may_follow() -> None:
    events, read = read_csv_events(text=CSV, file="t.csv")
    assert read == []
    sc = Scenario(taxpayer={"kind": "corporation", "name": "C"}, events=events)
    exc, got = problems(sc)
    oversell = "BTC: at 2024-05-02T00:00:00+08:00 disposes of 2 but only 1 is held"
    assert [g[:3] for g in got] == [
        ("duplicate_id", "id", 4), ("unknown_currency", "fee_amount", 2), ("unknown_currency", "amount", 3),
        ("oversell", "quantity", 3), ("missing_price", "fee_value", 5)]
    assert got[3][3] == oversell
    more = further_problems(InputError(exc.problems, partial=sc))
    assert [(p.code, p.column, p.message) for p in more][2:4] == [
        ("unknown_currency", "amount", "no exchange rate for USD to HKD at or within the allowed age before this "
         "event"),
        ("oversell", "quantity", oversell + " (this may follow from a row reported above)")]
    assert [p.suggestion for p in more] == [p.suggestion for p in exc.problems]
    assert [p.source for p in more] == [p.source for p in exc.problems]
    assert further_problems(InputError(exc.problems)) == ()
    assert further_problems(InputError(exc.problems, partial=Scenario(taxpayer={"kind": "corporation", "name": "C"},
                                                                      events=[]))) == ()
    fine = Scenario(taxpayer={"kind": "corporation", "name": "C"}, events=[events[2]])
    assert further_problems(InputError(exc.problems, partial=fine)) == ()


def test_problems_of_a_scenario_without_csv_rows_keep_the_model_field() -> None:
    sc = Scenario.model_validate({"taxpayer": {"kind": "corporation", "name": "C"}, "events": [
        {"kind": "disposal", "id": "d", "timestamp": "2024-05-02T00:00:00+08:00", "asset": "BTC", "quantity": "1",
         "proceeds": "100", "currency": "USD"}]})
    _, got = problems(sc)
    assert [g[:2] for g in got] == [("unknown_currency", "proceeds"), ("disposal_before_acquisition", "quantity")]


def test_declared_assets_reach_the_ledger() -> None:
    events, _ = read_csv_events(text=CSV, file="t.csv")
    sc = Scenario(taxpayer={"kind": "corporation", "name": "C"}, events=events[:1], assets=[{"symbol": "BTC"}],
                  rates=[{"base": "XYZ", "rate": "1", "at": "2024-05-01T00:00:00+08:00", "source": "t"}])
    res = match_scenario(sc)
    assert [n.code for n in res.notes] == [] and [lot.cost_hkd for lot in res.lots] == [101]
