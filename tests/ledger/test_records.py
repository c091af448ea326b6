"""The ledger's records for a small CSV ledger: each record's kind, wallet, time, source row, amounts and
conversions, the notes (with their event and source), and the problems (code, row, column, message,
suggestion). These are what the full explanation and the error report show."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest

from hkvatax.errors import InputError
from hkvatax.io.loaders import read_csv_events
from hkvatax.ledger import run_ledger
from hkvatax.models.prices import Rate
from hkvatax.models.taxpayers import LotMethod
from hkvatax.periods import YearOfAssessment

CSV = """id,timestamp,kind,asset,quantity,amount,currency,counter_asset,counter_quantity,fee_amount,fee_currency,\
fee_value,wallet,to_wallet,subtype,lots,offshore,note
a,2024-05-01T10:00:00+08:00,acquisition,BTC,2,100,USD,,,1,USD,,w1,,,,,buy
b,2024-05-02T10:00:00+08:00,swap,BTC,0.5,,,ETH,5,,,,w1,,,,,
c,2024-05-03T10:00:00+08:00,receipt,ETH,1,10,HKD,,,,,,w1,,staking,,,
d,2024-05-04T10:00:00+08:00,disposal,ETH,1,30,HKD,,,0.1,ETH,2,w1,,,c:1,,
e,2024-05-05T10:00:00+08:00,income,SHR,,9,USD,,,,,,,,interest,,,
f,2024-05-06T10:00:00+08:00,expense,,,5,USD,,,,,,,,false,,,office
g,2024-05-07T10:00:00+08:00,fee,,,,,,,3,HKD,,w1,,,,,gas
h,2024-05-08T10:00:00+08:00,transfer,BTC,5,,,,,,,,w1,w2,,,,
"""
Y = YearOfAssessment(2024)
USD = [Rate(base="USD", rate=D("7.8"), at=datetime(2024, 5, 1, tzinfo=UTC) + timedelta(days=i), source="HKMA")
       for i in range(8)]
ETH = Rate(base="ETH", rate=D("20000"), at=datetime(2024, 5, 2, tzinfo=UTC), source="x")


def events(drop: str = "") -> list:
    ev, problems = read_csv_events(text=CSV, file="r.csv")
    assert problems == []
    return [e for e in ev if e.id not in drop]


def ts(day: int) -> str:
    return f"2024-05-{day:02d}T10:00:00+08:00"


def test_problems_name_row_column_and_fix() -> None:
    with pytest.raises(InputError) as info:
        run_ledger(events(), rates=USD[:1], method_for=LotMethod.WEIGHTED_AVERAGE)
    got = [(p.code, p.source.row if p.source else None, p.column, p.message, p.suggestion)
           for p in info.value.problems]
    assert got == [
        ("missing_price", 3, "value", "ETH needs a market value here and no price ETH->HKD was found",
         "give 'value' or add a ETH price at this time"),
        ("unknown_currency", 6, "amount",
         "no exchange rate for USD to HKD at or within the allowed age before this event",
         "add a rate USD->HKD (or via USD) dated at or shortly before the event, or state the value"),
        ("unknown_currency", 7, "amount",
         "no exchange rate for USD to HKD at or within the allowed age before this event",
         "add a rate USD->HKD (or via USD) dated at or shortly before the event, or state the value"),
        ("oversell", 9, "quantity", f"BTC: at {ts(8)} transfers 5 but only 1.5 is held",
         "add the missing acquisition or opening balance"),
    ]
    assert all(p.source is not None and p.source.file == "r.csv" for p in info.value.problems)


def test_records_of_every_kind() -> None:
    res = run_ledger(events("h"), rates=[*USD, ETH], method_for=LotMethod.WEIGHTED_AVERAGE)
    assert [(r.lot_id, r.event_id, r.kind, r.asset, r.wallet, r.timestamp.isoformat(), r.year, r.quantity,
             r.cost_hkd, r.fees_hkd, r.source.row if r.source else None) for r in res.lots] == [
        ("a", "a", "acquisition", "BTC", "w1", ts(1), Y, D(2), D("787.8"), D("7.8"), 2),
        ("b", "b", "swap", "ETH", "w1", ts(2), Y, D(5), D(100000), D(0), 3),
        ("c", "c", "receipt", "ETH", "w1", ts(3), Y, D(1), D(10), D(0), 4),
    ]
    assert [(d.disposal_id, d.event_id, d.kind, d.asset, d.timestamp.isoformat(), d.gross_proceeds_hkd, d.fees_hkd,
             d.proceeds_hkd, d.source.row if d.source else None, len(d.conversions)) for d in res.disposals] == [
        ("b", "b", "swap", "BTC", ts(2), D(100000), D(0), D(100000), 3, 1),
        ("d", "d", "disposal", "ETH", ts(4), D(30), D(2), D(28), 5, 0),
        ("d#fee0", "d", "fee", "ETH", ts(4), D(2), D(0), D(2), 5, 0),
    ]
    [r] = res.receipts
    assert (r.event_id, r.receipt_type, r.asset, r.timestamp.isoformat(), r.quantity, r.market_value_hkd,
            r.cost_basis_hkd, r.source.row if r.source else None) == ("c", "staking", "ETH", ts(3), D(1), D(10),
                                                                      D(10), 4)
    [i] = res.incomes
    assert (i.event_id, i.income_type, i.timestamp.isoformat(), i.amount_hkd, i.related_asset,
            i.source.row if i.source else None, [(c.base, c.rate) for c in i.conversions]) == (
        "e", "interest", ts(5), D("70.2"), "SHR", 6, [("USD", D("7.8"))])
    assert [(o.event_id, o.kind, o.timestamp.isoformat(), o.amount_hkd, o.deductible, o.description,
             o.source.row if o.source else None, [(c.base, c.rate) for c in o.conversions])
            for o in res.outgoings] == [
        ("f", "expense", ts(6), D("39.0"), False, "office", 7, [("USD", D("7.8"))]),
        ("g", "fee", ts(7), D(3), True, "gas", 8, []),
    ]
    assert [(n.code, n.message, n.event_id, n.year, n.source.row if n.source else None) for n in res.notes] == [
        ("inferred_assets", "no assets declared: every symbol used as an asset is taken as a virtual asset (BTC, "
         "ETH); every other code is a fiat currency", None, None, None),
        ("picks_ignored", "d: lot designations ignored under weighted average cost", "d", Y, 5),
    ]


def test_specific_identification_notes_and_picks() -> None:
    res = run_ledger(events("h"), rates=[*USD, ETH], method_for=LotMethod.SPECIFIC_ID)
    assert [(d.disposal_id, [f.lot_id for f in d.fragments]) for d in res.disposals] == [
        ("b", ["a"]), ("d", ["c"]), ("d#fee0", ["b"])]
    assert [(n.code, n.message, n.event_id, n.year, n.source.row if n.source else None) for n in res.notes][1:] == [
        ("fifo_fallback", "b: no lot designated under specific identification; matched first-in first-out", "b", Y,
         3)]
    fifo = run_ledger(events("h"), rates=[*USD, ETH], method_for=LotMethod.FIFO)
    assert [(d.disposal_id, [f.lot_id for f in d.fragments]) for d in fifo.disposals] == [
        ("b", ["a"]), ("d", ["b"]), ("d#fee0", ["b"])]
    assert [n.code for n in fifo.notes] == ["inferred_assets", "picks_ignored"]  # FIFO says it ignores them


def test_unknown_cost_unknown_lot_and_per_wallet_pools() -> None:
    from hkvatax.models.events import Acquisition, Disposal

    def at(d: int) -> datetime:
        return datetime(2024, 5, d, tzinfo=UTC)

    ev = [Disposal(id="x", timestamp=at(1), asset="BTC", quantity=D(1), proceeds=D(5)),
          Acquisition(id="a", timestamp=at(2), asset="BTC", quantity=D(1), cost=D(1)),
          Acquisition(id="w", timestamp=at(2), asset="BTC", quantity=D(1), cost=D(1), wallet="w1"),
          Disposal(id="y", timestamp=at(3), asset="BTC", quantity=D(1), proceeds=D(5),
                   lots=[{"lot_id": "zz", "quantity": "1"}])]
    with pytest.raises(InputError) as info:
        run_ledger(ev, method_for=LotMethod.SPECIFIC_ID, per_wallet=True)
    assert [(p.code, p.column, p.source.path if p.source else None, p.message, p.suggestion)
            for p in info.value.problems] == [
        ("disposal_before_acquisition", "quantity", "events[0]",
         "BTC: at 2024-05-01T00:00:00+00:00 gives up 1 but nothing of BTC was acquired, received or held before it",
         "add the acquisition (or opening balance) it came from, or check the date and asset"),
        ("unknown_lot", "lots", "events[3]", "lot 'zz' of BTC does not exist here or holds 0, less than the 1 "
         "designated", None)]
    res = run_ledger(ev[:3], method_for=LotMethod.SPECIFIC_ID, per_wallet=True, allow_unknown_cost=True)
    assert [(n.code, n.message, n.event_id, n.source.path if n.source else None) for n in res.notes][2:] == [
        ("unknown_cost", "x: disposes of 1 BTC but only 0 is held; the excess 1 is taken at nil cost (assumption: "
         "allow_unknown_cost)", "x", "events[0]")]
    assert [(s.asset, s.wallet) for s in res.closing[Y]] == [("BTC", None), ("BTC", "w1")]
