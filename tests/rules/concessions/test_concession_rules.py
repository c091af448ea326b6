"""UFE and FIHV rule bodies that the scenario tests reach only indirectly: exact values and explanations."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from conc_helpers import make_ctx

from hkvatax.models.taxpayers import FspeFacts, ResidentInvestor, SpeFacts
from hkvatax.rules.fihv import IRD_FIHV, fspe_share
from hkvatax.rules.profits_tax import stated
from hkvatax.rules.ufe import indirect_interest, spe_deemed_profits
from hkvatax.trace import Citation


def node(c, f):
    return c.tracer.nodes[f.id]


def test_ird_fihv_citation():
    assert IRD_FIHV("FSPEs") == Citation("IRD, Tax concessions for FIHVs (web guidance)", "FSPEs",
                                         "https://www.ird.gov.hk/eng/tax/bus_fihv.htm")


@pytest.mark.parametrize("eligible,only,expected,why", [
    ("yes", True, D("0.6"), "60% of its qualifying profits at 0%"),
    ("yes", None, D(0), "supply holds_only_investee_private_companies: share 0 until then"),
    ("yes", False, D(0), "not an FSPE: it does more than hold investee private companies or FSPEs"),
    ("no", True, D(0), "the FIHV is not (or not shown to be) eligible"),
    ("unknown", True, D(0), "the FIHV is not (or not shown to be) eligible"),
])
def test_fspe_share(eligible, only, expected, why):
    c = make_ctx("2024/25")
    el = stated(c, "eligible", eligible, "text")
    f = fspe_share(c, FspeFacts(name="F1", fihv_interest_percent=D("60"), holds_only_investee_private_companies=only),
                   el)
    n = node(c, f)
    assert f.value == expected and n.explanation == why
    assert n.label == "fihv.fspe.share" and n.unit == "ratio" and n.assumptions == ("A-FIHV-FSPE",)
    assert [(x.name, x.value) for x in n.facts] == [("fspe", "F1"), ("fihv_interest_percent", D("60")),
                                                    ("holds_only_investee_private_companies", only)]
    with pytest.raises(Exception, match="does not apply to 2021/22"):
        fspe_share(make_ctx("2021/22"), FspeFacts(name="F", fihv_interest_percent=D(1)), el)


def test_indirect_interest_is_the_product_along_the_chain():
    c = make_ctx("2024/25")
    f = indirect_interest(c, [D(90), D(70), D(50)])
    n = node(c, f)
    assert f.value == D("31.5") and n.explanation == "90% × 70% × 50% = 31.5%"
    assert n.unit == "percent" and n.label == "ufe.art.indirect_interest"
    assert n.facts[0].name == "chain_percents" and n.facts[0].value == ["90", "70", "50"]
    assert indirect_interest(c, [], key="none").value == D(100)
    assert indirect_interest(c, [D(100), D(20)], key="b").value == D(20)


def _investor(**kw) -> ResidentInvestor:
    return ResidentInvestor(name="R", interests=({"start": date(2024, 4, 1), "end": date(2025, 3, 31),
                                                   "percent": "50"},), **kw)


@pytest.mark.parametrize("profits,investor,widely,expected,why", [
    ("3650", {}, "failed", D("3650") * D("1000") / (100 * 365),
     "HK$3,650 × 1000 percent-days ÷ (100 × 365 days)"),
    (None, {}, "failed", D(0), "the exempt profits of S1 are not supplied: nothing deemed from it"),
    ("3650", {"is_hk_resident": False}, "failed", D(0), "not charged (non-resident, discharged, or widely held)"),
    ("3650", {"interposed_resident_already_deemed": True}, "failed", D(0),
     "not charged (non-resident, discharged, or widely held)"),
    ("3650", {}, "met", D(0), "not charged (non-resident, discharged, or widely held)"),
    ("3650", {}, "unknown", D("3650") * D("1000") / (100 * 365), None),
    ("0", {}, "failed", D(0), "no exempt SPE profits: never a deemed loss"),
    ("-5", {}, "failed", D(0), "no exempt SPE profits: never a deemed loss"),
])
def test_spe_deemed_profits(profits, investor, widely, expected, why):
    c = make_ctx("2024/25")
    spe = SpeFacts(name="S1", fund_interest_percent=D(20), exempt_profits_hkd=None if profits is None else D(profits))
    weighted = stated(c, "weighted", D("1000"), "percent-days")
    held = stated(c, "widely", widely, "text")
    f = spe_deemed_profits(c, _investor(**investor), spe, weighted, (date(2024, 4, 1), date(2025, 3, 31)), held)
    n = node(c, f)
    assert f.value == expected
    if why is not None:
        assert n.explanation == why
    assert n.label == "ufe.art.spe_deemed_profits" and n.unit == "HKD"
    assert [(x.name, x.value) for x in n.facts] == [
        ("spe", "S1"), ("spe_exempt_profits_hkd", None if profits is None else D(profits)),
        ("days_in_spe_accounting_period", 365)]


def _fund(**facts):
    from hkvatax.models.taxpayers import PrivateFund

    return PrivateFund(name="F", fund=facts)


@pytest.mark.parametrize("facts,expected,why,assumed", [
    ({"bona_fide_widely_held_accepted": True, "holders_count": 1}, "met",
     "the Commissioner is satisfied it is bona fide widely held", False),
    ({"bona_fide_widely_held_accepted": False, "holders_count": 500, "largest_21_hold_75_percent_or_less": True},
     "failed", "the Commissioner is not satisfied it is bona fide widely held", False),
    ({"holders_count": 50, "largest_21_hold_75_percent_or_less": True}, "met",
     "50 holders (at least 50) and no 20 holders reach 75%", True),
    ({"holders_count": 49, "largest_21_hold_75_percent_or_less": True}, "failed",
     "the para 171 benchmarks are not met and no acceptance is recorded", False),
    ({"holders_count": 500, "largest_21_hold_75_percent_or_less": False}, "failed",
     "the para 171 benchmarks are not met and no acceptance is recorded", False),
    ({"holders_count": 49}, "failed", "the para 171 benchmarks are not met and no acceptance is recorded", False),
    ({"largest_21_hold_75_percent_or_less": False}, "failed",
     "the para 171 benchmarks are not met and no acceptance is recorded", False),
    ({"holders_count": 50}, "unknown", "supply holders_count and largest_21_hold_75_percent_or_less, or "
     "bona_fide_widely_held_accepted; deeming is computed as if not widely held", False),
    ({"largest_21_hold_75_percent_or_less": True}, "unknown", None, False),
    ({}, "unknown", None, False),
])
def test_widely_held(facts, expected, why, assumed):
    from hkvatax.rules.ufe import widely_held

    c = make_ctx("2024/25")
    f = widely_held(c, _fund(**facts))
    n = node(c, f)
    assert f.value == expected
    if why is not None:
        assert n.explanation == why
    assert n.label == "ufe.art.widely_held" and n.unit == "text"
    assert n.assumptions == (("A-UFE-WIDELY-HELD-BENCHMARK",) if assumed else ())
    names = [x.name for x in n.facts]
    assert names[0] == "bona_fide_widely_held_accepted"
    if "bona_fide_widely_held_accepted" not in facts:
        assert names[1:] == ["holders_count", "largest_21_hold_75_percent_or_less"]
        assert [p.path for p in n.params] == ["ufe.widely_held.min_holders"]
    else:
        assert names == ["bona_fide_widely_held_accepted"] and n.params == ()


def _ip(start: date, end: date, pct: str, route: str | None = None) -> dict:
    return {"start": start, "end": end, "percent": pct, "route": route}


PERIOD = (date(2024, 1, 1), date(2024, 12, 31))  # 366 days


def _days(investor: ResidentInvestor, *, settings=None, through=D(100), target="fund"):
    from hkvatax.rules.ufe import interest_days

    c = make_ctx("2024/25", settings=settings)
    f = interest_days(c, investor, PERIOD, through, target)
    return f.value, node(c, f)


def test_interest_days_threshold_of_30_percent_with_associates():
    jan, feb_end, mar = date(2024, 1, 1), date(2024, 2, 29), date(2024, 3, 1)
    # 20% own all year; associates 10% from March: threshold (30%) met from 1 March (306 days)
    inv = ResidentInvestor(name="R", interests=(_ip(jan, date(2024, 12, 31), "20", "direct"),),
                           associates_interests=(_ip(mar, date(2024, 12, 31), "10"),))
    value, n = _days(inv)
    assert value == D(20) * 306
    assert n.explanation == "2024-03-01..2024-12-31: 306 days × 20%"
    assert n.unit == "percent-days" and n.label == "ufe.art.interest_days"
    f = dict((x.name, x.value) for x in n.facts)
    assert f["target"] == "fund" and f["interests"] == ["2024-01-01..2024-12-31 20% (direct)"]
    assert f["associates_interests"] == ["2024-03-01..2024-12-31 10%"] and f["fund_is_associate"] is False
    assert f["days_threshold_met"] == 306 and "fund_interest_in_spe_percent" not in f
    assert [p.path for p in n.params] == ["ufe.art.threshold"]
    # 29.99% never meets the threshold
    low = ResidentInvestor(name="R", interests=(_ip(jan, date(2024, 12, 31), "19.99"),),
                           associates_interests=(_ip(jan, date(2024, 12, 31), "10"),))
    value, n = _days(low)
    assert value == 0 and n.explanation == "the threshold is not met on any day"
    # exactly 30% alone meets it; an interest ending in February splits the year
    exact = ResidentInvestor(name="R", interests=(_ip(jan, feb_end, "30"),))
    value, n = _days(exact)
    assert value == D(30) * 60 and n.explanation == "2024-01-01..2024-02-29: 60 days × 30%"


def test_interest_days_through_an_spe_and_with_the_fund_as_associate():
    jan, dec = date(2024, 1, 1), date(2024, 12, 31)
    inv = ResidentInvestor(name="R", interests=(_ip(jan, dec, "60"),))
    value, n = _days(inv, through=D(50), target="spe:S")
    assert value == D(30) * 366
    f = dict((x.name, x.value) for x in n.facts)
    assert f["fund_interest_in_spe_percent"] == D(50) and f["target"] == "spe:S"
    value, _ = _days(inv, through=D(40))
    assert value == 0  # 60% × 40% = 24% < 30%
    assoc = ResidentInvestor(name="R", interests=(_ip(jan, dec, "5"),), fund_is_associate=True)
    value, n = _days(assoc)
    assert value == D(5) * 366 and n.assumptions == ("A-UFE-ART-ASSOCIATE-FUND",)
    value, _ = _days(assoc, settings={"art_associate_fund_share": "all"})
    assert value == D(100) * 366
    value, _ = _days(assoc, settings={"art_associate_fund_share": "all"}, through=D(50))
    assert value == D(50) * 366
    nothing = ResidentInvestor(name="R", interests=(_ip(jan, date(2024, 1, 31), "0"),), fund_is_associate=True)
    assert _days(nothing)[0] == 0


@pytest.mark.parametrize("investor,widely,exempt,expected,why", [
    ({}, "failed", "366000", D("366000") * D(3660) / (100 * 366),
     "HK$366,000 × 3660 percent-days ÷ (100 × 366 days)"),
    ({"is_hk_resident": False}, "failed", "366000", D(0),
     "not resident in Hong Kong: not charged (its interest still counts for its associates)"),
    ({"interposed_resident_already_deemed": True}, "failed", "366000", D(0),
     "discharged: an interposed resident person is charged on the same profits"),
    ({}, "met", "366000", D(0), "the fund is bona fide widely held: no deeming"),
    ({}, "unknown", "366000", D("366000") * D(3660) / (100 * 366), None),
    ({}, "failed", "0", D(0), "no exempt profits: no deemed profits and never a deemed loss"),
    ({}, "failed", "-1", D(0), "no exempt profits: no deemed profits and never a deemed loss"),
])
def test_deemed_profits(investor, widely, exempt, expected, why):
    from hkvatax.rules.ufe import deemed_profits

    c = make_ctx("2024/25")
    inv = ResidentInvestor(name="R", interests=(_ip(date(2024, 1, 1), date(2024, 12, 31), "10"),), **investor)
    f = deemed_profits(c, inv, stated(c, "exempt", D(exempt)), stated(c, "w", D(3660), "percent-days"), PERIOD,
                       stated(c, "widely", widely, "text"))
    n = node(c, f)
    assert f.value == expected
    if why:
        assert n.explanation == why
    assert n.assumptions == ("A-UFE-ART-PERIOD",) and n.label == "ufe.art.deemed_profits"
    assert [(x.name, x.value) for x in n.facts] == [
        ("is_hk_resident", investor.get("is_hk_resident", True)),
        ("interposed_resident_already_deemed", investor.get("interposed_resident_already_deemed", False)),
        ("days_in_accounting_period", 366)]


def test_deemed_total():
    from hkvatax.rules.ufe import deemed_total

    c = make_ctx("2024/25")
    f = deemed_total(c, [stated(c, "a", D("1000.5")), stated(c, "b", D("2"))])
    assert f.value == D("1002.5") and node(c, f).explanation == "HK$1,000.50 + HK$2.00"
    assert node(c, f).label == "ufe.art.deemed_total"
    assert deemed_total(c, [], key="0").value == 0


def test_ufe_deemed_profits_per_investor_with_spes_and_duplicate_names():
    from hkvatax.models.taxpayers import PrivateFund
    from hkvatax.rules.ufe import ufe_deemed_profits

    jan, dec = date(2024, 1, 1), date(2024, 12, 31)
    inv = {"name": "R", "interests": [_ip(jan, dec, "40")]}
    fund = PrivateFund(name="F", fund={
        "resident_investors": [inv, inv, {"name": "Q", "interests": [_ip(jan, dec, "10")]}],
        "spes": [{"name": "S", "fund_interest_percent": "100", "exempt_profits_hkd": "36600"},
                 {"name": "T", "fund_interest_percent": "50", "exempt_profits_hkd": "7320",
                  "accounting_period_start": date(2024, 7, 1), "accounting_period_end": date(2024, 12, 31)}],
    })
    c = make_ctx("2024/25")
    res = ufe_deemed_profits(c, fund, stated(c, "exempt", D("366000")), (jan, dec))
    assert list(res.by_investor) == ["R#1", "R#2", "Q"]
    # R: 40% of 366,000 + 40% of 36,600 + (40% × 50% = 20% < 30%: nothing from T)
    assert res.by_investor["R#1"].value == D("146400") + D("14640")
    assert res.by_investor["R#2"].value == res.by_investor["R#1"].value
    assert res.by_investor["Q"].value == 0
    assert res.deemed == tuple(res.by_investor.values())
    [cond] = res.conditions
    assert cond.outcome == "unknown"
    assert res.notes == ("anti-round-tripping: whether the fund is bona fide widely held is unknown; deemed profits "
                         "are computed as if it is not (supply " + ", ".join(cond.missing) + ")",)
    spe_t = c.tracer.nodes["baseline/2024/25/ufe.art.interest_days[R#1/T]"]
    assert [x.value for x in spe_t.facts if x.name == "target"] == ["SPE T"]
    assert [x.value for x in c.tracer.nodes["baseline/2024/25/ufe.art.spe_deemed_profits[R#1/T]"].facts
            if x.name == "days_in_spe_accounting_period"] == [184]
    widely = PrivateFund(name="F", fund={"resident_investors": [inv], "bona_fide_widely_held_accepted": True})
    c2 = make_ctx("2024/25")
    res2 = ufe_deemed_profits(c2, widely, stated(c2, "exempt", D("366000")), (jan, dec))
    assert res2.by_investor["R"].value == 0 and res2.notes == ()
    c3 = make_ctx("2024/25")
    empty = ufe_deemed_profits(c3, PrivateFund(name="F"), stated(c3, "exempt", D(1)), (jan, dec))
    assert (empty.deemed, empty.by_investor, empty.conditions, empty.notes) == ((), {}, (), ())
