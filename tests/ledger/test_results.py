"""The ledger's result records: exact JSON shapes (public output), derived figures and year look-ups."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D

from hkvatax.errors import SourceRef
from hkvatax.ledger.prices import Conversion
from hkvatax.ledger.results import (
    DisposalRecord,
    Fragment,
    IncomeRecord,
    LedgerResult,
    LotRecord,
    OutgoingRecord,
    PoolSnapshot,
    ReceiptRecord,
)
from hkvatax.periods import YearOfAssessment as Y

T1 = datetime(2024, 5, 1, 10, tzinfo=UTC)
T2 = datetime(2024, 6, 1, 10, tzinfo=UTC)


def frag(q: str, hd: str | None, lot: str = "L1", at: datetime | None = T1) -> Fragment:
    return Fragment(lot, at, D(q), D("40"), D("100"), None if hd is None else D(hd), "lot")


def disposal(fragments: tuple[Fragment, ...], year: int = 2024, **kw) -> DisposalRecord:
    base = dict(disposal_id="d#1", event_id="d", kind="swap", asset="BTC", wallet="w1", timestamp=T2, year=Y(year),
                quantity=D("2"), gross_proceeds_hkd=D("105"), fees_hkd=D("5"), proceeds_hkd=D("100"),
                cost_hkd=D("70"), fragments=fragments, method="fifo")
    base.update(kw)
    return DisposalRecord(**base)


def test_fragment_to_dict_exact():
    f = frag("1.5", "31")
    assert f.gain_hkd == D("60")
    assert f.to_dict() == {"lot_id": "L1", "acquired_at": "2024-05-01T10:00:00+00:00", "quantity": "1.5",
                           "cost_hkd": "40", "proceeds_hkd": "100", "gain_hkd": "60", "holding_days": "31",
                           "basis": "lot"}
    unknown = Fragment("?", None, D("1"), D("0"), D("5"), None, "unknown")
    assert unknown.to_dict()["acquired_at"] is None and unknown.to_dict()["holding_days"] is None
    assert unknown.to_dict()["basis"] == "unknown"


def test_holding_days_is_quantity_weighted_over_known_fragments():
    d = disposal((frag("1", "10"), frag("3", "30"), frag("5", None)))
    assert d.holding_days == D("25")
    assert disposal((frag("1", None),)).holding_days is None
    assert disposal(()).holding_days is None
    assert disposal((frag("0", "10"),)).holding_days is None


def test_disposal_to_dict_exact():
    conv = Conversion("USD", "HKD", D("7.8"), T1, "rates.csv")
    d = disposal((frag("2", "31"),), source=SourceRef("f.csv", 3, "$.events[0]"), conversions=(conv,))
    out = d.to_dict()
    assert out == {
        "disposal_id": "d#1", "event_id": "d", "kind": "swap", "asset": "BTC", "wallet": "w1",
        "timestamp": "2024-06-01T10:00:00+00:00", "year_of_assessment": "2024/25", "quantity": "2",
        "gross_proceeds_hkd": "105", "fees_hkd": "5", "proceeds_hkd": "100", "cost_hkd": "70", "gain_hkd": "30",
        "holding_days": "31", "method": "fifo", "source": {"file": "f.csv", "row": 3, "path": "$.events[0]"},
        "conversions": [{"base": "USD", "quote": "HKD", "rate": "7.8", "at": "2024-05-01T10:00:00+00:00",
                         "source": "rates.csv"}],
        "fragments": [frag("2", "31").to_dict()],
    }
    slim = d.to_dict(fragments=False)
    assert "fragments" not in slim and slim["gain_hkd"] == "30"
    bare = disposal((frag("1", None),)).to_dict()
    assert bare["source"] is None and bare["holding_days"] is None and bare["conversions"] == []


def test_pool_snapshot_to_dict_exact():
    p = PoolSnapshot("ETH", None, "pool:ETH", T1, D("2.5"), D("1000"), D("12345"))
    assert p.to_dict() == {"asset": "ETH", "wallet": None, "lot_id": "pool:ETH",
                           "acquired_at": "2024-05-01T10:00:00+00:00", "quantity": "2.5", "cost_hkd": "1000",
                           "time_weight": "12345"}
    assert PoolSnapshot("ETH", "w", "L", T1, D("1"), D("1")).to_dict()["time_weight"] is None


def _snap(lot: str) -> tuple[PoolSnapshot, ...]:
    return (PoolSnapshot("BTC", None, lot, T1, D("1"), D("1")),)


def test_closing_pools_takes_the_latest_snapshot_not_after_the_year():
    opening = _snap("open")
    res = LedgerResult((), (), (), (), (), {Y(2020): _snap("2020"), Y(2022): _snap("2022"), Y(2021): _snap("2021")},
                       opening, ())
    assert res.closing_pools(Y(2019)) == opening
    assert res.closing_pools(Y(2020))[0].lot_id == "2020"
    assert res.closing_pools(Y(2021))[0].lot_id == "2021"
    assert res.closing_pools(Y(2022))[0].lot_id == "2022"
    assert res.closing_pools(Y(2030))[0].lot_id == "2022"
    assert res.methods == {} and res.event_count == 0


def test_years_and_disposals_in():
    d24 = disposal((frag("1", "1"),), year=2024)
    d26 = disposal((frag("1", "1"),), year=2026, disposal_id="d#2")
    r22 = ReceiptRecord("r", "staking", "ETH", T1, Y(2022), D("1"), D("5"), D("5"))
    i23 = IncomeRecord("i", "interest", T1, Y(2023), D("1"), None)
    o27 = OutgoingRecord("o", "expense", T1, Y(2027), D("1"), True, None)
    lot28 = LotRecord("l", "l", "acquisition", "BTC", None, T1, Y(2028), D("1"), D("1"), D("0"))
    res = LedgerResult((d24, d26), (lot28,), (r22,), (i23,), (o27,), {Y(2019): ()}, (), ())
    assert res.years == (Y(2019), Y(2022), Y(2023), Y(2024), Y(2026), Y(2027), Y(2028))
    assert res.disposals_in(Y(2026)) == (d26,)
    assert res.disposals_in(Y(2025)) == ()
