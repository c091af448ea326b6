"""UFE and FIHV rule bodies that the scenario tests reach only indirectly: exact values and explanations."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from hkvatax.models.taxpayers import FspeFacts, ResidentInvestor, SpeFacts
from hkvatax.rules.fihv import IRD_FIHV, fspe_share
from hkvatax.rules.profits_tax import stated
from hkvatax.rules.ufe import indirect_interest, spe_deemed_profits
from hkvatax.trace import Citation

from ..rules.concessions.conc_helpers import make_ctx


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
