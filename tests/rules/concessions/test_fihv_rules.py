"""FIHV rule bodies at their boundaries: ownership (95%, or 75% + charity at most 25% + unrelated at most 5%),
the HK$240m threshold with and without virtual assets, the election, commencement and the 5% test."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from conc_helpers import make_ctx

from hkvatax.models.taxpayers import FamilyOffice, FihvFacts
from hkvatax.rules.fihv import (
    election,
    ext_min_assets,
    fihv_commencement,
    five_percent,
    min_assets,
    ownership,
)
from hkvatax.rules.profits_tax import stated


def node(c, f):
    return c.tracer.nodes[f.id]


def office(**fihv) -> FamilyOffice:
    return FamilyOffice(name="FO", fihv=fihv)


def facts(n) -> dict:
    return {x.name: x.value for x in n.facts}


@pytest.mark.parametrize("family,charity,unrelated,expected,why", [
    (None, None, None, "unknown", "supply the fihv's family ownership"),
    ("95", None, None, "met", "family members hold 95% (at least 95%)"),
    ("94.99", "0", None, "failed", "family members hold 94.99% (below 95%) and no charity holds any interest"),
    ("74.99", "25", None, "failed", "family members hold 74.99%: below 95%, and below 75% even with a charity"),
    ("80", None, None, "unknown",
     "family members hold 80% (below 95%): supply the charity's holding for the charity variant"),
    ("75", "25.01", None, "failed", "the charity holds 25.01%, more than 25%"),
    ("75", "25", None, "met", "family 75% + charity 25%: unrelated persons hold at most 0% (not more than 5%)"),
    ("75", "20", None, "met", "family 75% + charity 20%: unrelated persons hold at most 5% (not more than 5%)"),
    ("75", "19", None, "unknown", "supply the unrelated persons' holding"),
    ("75", "19", "5", "met",
     "family 75% (at least 75%), charity 19% (at most 25%), unrelated 5% (not more than 5%)"),
    ("75", "19", "6", "failed",
     "family 75% (at least 75%), charity 19% (at most 25%), unrelated 6% (more than 5%)"),
])
def test_ownership(family, charity, unrelated, expected, why):
    c = make_ctx("2024/25")
    kw = {k: v for k, v in (("family_ownership_percent", family), ("charity_ownership_percent", charity),
                            ("unrelated_ownership_percent", unrelated)) if v is not None}
    tp = FamilyOffice.model_construct(name="FO", fihv=FihvFacts.model_construct(**{
        **FihvFacts().model_dump(), **{k: D(v) for k, v in kw.items()}}))  # 75% + 25.01% is refused by the model
    f = ownership(c, tp)
    n = node(c, f)
    assert (f.value, n.explanation) == (expected, why)
    assert n.label == "fihv.ownership" and n.unit == "text"
    fs = facts(n)
    assert fs["fihv_family_ownership_percent"] == (None if family is None else D(family))
    below = family is not None and D(family) < 95
    assert n.assumptions == (("A-FIHV-UNRELATED-5",) if below else ())
    if below and D(family) >= 75:
        assert fs["fihv_charity_ownership_percent"] == (None if charity is None else D(charity))
    if expected == "met" and unrelated is None and charity is not None:
        assert fs["fihv_unrelated_ownership_upper_bound"] == 100 - D(family) - D(charity)
    if why == "supply the unrelated persons' holding":
        assert fs["fihv_unrelated_ownership_upper_bound"] == D(6) and fs["fihv_unrelated_ownership_percent"] is None
    if unrelated is not None:
        assert fs["fihv_unrelated_ownership_percent"] == D(unrelated)


def test_ownership_assumption_only_below_95():
    c = make_ctx("2024/25")
    assert node(c, ownership(c, office(family_ownership_percent="95"))).assumptions == ()
    c2 = make_ctx("2024/25")
    n = node(c2, ownership(c2, office(family_ownership_percent="90", charity_ownership_percent="0")))
    assert n.assumptions == ("A-FIHV-UNRELATED-5",)
    assert [p.path for p in n.params] == ["fihv.family_ownership_min", "fihv.charity_max",
                                          "fihv.family_floor_with_charity", "fihv.unrelated_max"]


@pytest.mark.parametrize("spec,va,expected,why", [
    (None, None, "unknown", "supply specified_assets_value_hkd"),
    ("240000000", None, "met", "HK$240,000,000 is at least HK$240,000,000"),
    ("239999999", None, "failed", "HK$239,999,999 is below HK$240,000,000"),
    ("239999999", "5", "failed", "HK$239,999,999 is below HK$240,000,000 (virtual assets of HK$5 do not count "
     "under the law in force)"),
])
def test_min_assets(spec, va, expected, why):
    c = make_ctx("2024/25")
    kw = {k: v for k, v in (("specified_assets_value_hkd", spec), ("virtual_assets_value_hkd", va)) if v}
    f = min_assets(c, office(**kw))
    n = node(c, f)
    assert (f.value, n.explanation) == (expected, why)
    assert n.label == "fihv.min_assets" and len(n.assumptions) == 1
    assert facts(n)["specified_assets_value_hkd"] == (None if spec is None else D(spec))


@pytest.mark.parametrize("spec,va,expected,why", [
    ("240000000", None, "met", "HK$240,000,000 of Sch. 16C assets alone reach HK$240,000,000"),
    ("100", None, "unknown", "supply specified_assets_value_hkd and virtual_assets_value_hkd"),
    (None, "240000000", "unknown", "supply specified_assets_value_hkd and virtual_assets_value_hkd"),
    ("100", "239999900", "met", "HK$100 + digital assets HK$239,999,900 = HK$240,000,000, at least HK$240,000,000"),
    ("100", "239999899", "failed",
     "HK$100 + digital assets HK$239,999,899 = HK$239,999,999, below HK$240,000,000"),
])
def test_ext_min_assets(spec, va, expected, why):
    c = make_ctx("2024/25")
    kw = {k: v for k, v in (("specified_assets_value_hkd", spec), ("virtual_assets_value_hkd", va)) if v}
    ext = stated(c, "ext", True, "bool")
    f = ext_min_assets(c, office(**kw), ext)
    n = node(c, f)
    assert (f.value, n.explanation) == (expected, why)
    assert n.label == "ext.fihv.min_assets" and len(n.assumptions) == 2 and n.status == "proposed"
    fs = facts(n)
    if expected == "met" and va is None:
        assert fs["virtual_assets_value_hkd"] == "not needed"
    else:
        assert fs["virtual_assets_value_hkd"] == (None if va is None else D(va))


def test_election_and_commencement():
    for made, expected, why in ((None, "unknown", "supply election_made"), (True, "met", "election made"),
                                (False, "failed", "no election made")):
        c = make_ctx("2024/25")
        kw = {} if made is None else {"election_made": made}
        f = election(c, office(**kw))
        assert (f.value, node(c, f).explanation, node(c, f).label) == (expected, why, "fihv.election")
        assert facts(node(c, f)) == {"election_made": made}
    c = make_ctx("2024/25")
    f = election(c, office(election_made=True, election_date=date(2023, 6, 1)))
    assert facts(node(c, f)) == {"election_made": True, "election_date": "2023-06-01"}
    for year, expected, why in (("2022/23", "met", "2022/23 begins on or after 1 April 2022"),
                                ("2021/22", "failed", "2021/22 begins before 1 April 2022")):
        c = make_ctx(year)
        f = fihv_commencement(c)
        assert (f.value, node(c, f).explanation, node(c, f).label) == (expected, why, "fihv.commencement")


@pytest.mark.parametrize("ratio,expected,why", [
    ("0.05", "met", "ratio 5.000000% does not exceed 5%"),
    ("0.0500001", "failed", "ratio 5.000010% exceeds 5%"),
    ("0", "met", "ratio 0.000000% does not exceed 5%"),
])
def test_five_percent(ratio, expected, why):
    c = make_ctx("2024/25")
    f = five_percent(c, stated(c, "r", D(ratio), "ratio"))
    assert (f.value, node(c, f).explanation, node(c, f).label) == (expected, why, "fihv.incidental.five_percent")
