"""FIHV (IRO Part 6E, Sch. 16E) conditions at their boundaries, treatments and the extension."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from decimal import Decimal as D
from typing import Any

import pytest
from conc_helpers import input_figure, m, make_ctx, make_line

from hkvatax.models.taxpayers import FamilyOffice, FihvFacts, FspeFacts
from hkvatax.money import exact_context
from hkvatax.rules.concessions import condition, extension_applies
from hkvatax.rules.fihv import (
    IRD_FIHV,
    business_undertaking,
    classify,
    concessionary_profits,
    election,
    eligibility,
    esfo,
    esfo_arranges,
    ext_min_assets,
    fihv_commencement,
    fihv_regime,
    five_percent,
    fspe_share,
    incidental_ratio,
    line_treatment,
    losses_ring_fenced,
    managed_in_hk,
    min_assets,
    ownership,
    profits_by_class,
    substantial_activities,
)
from hkvatax.rules.lines import RegimeResult
from hkvatax.rules.profits_tax import stated
from hkvatax.rules.registry import Figure, RuleContext
from hkvatax.trace import Citation

ESFO = {"is_private_company": True, "normally_managed_or_controlled_in_hk": True, "family_ownership_percent": 100,
        "services_to_family_percent": 90}
OK: dict[str, Any] = {
    "family_ownership_percent": 100, "normally_managed_or_controlled_in_hk": True,
    "business_undertaking_general_commercial": False, "specified_assets_value_hkd": m(240),
    "qualified_full_time_employees_in_hk": 2, "operating_expenditure_in_hk_hkd": m(2),
    "transactions_arranged_by_esfo_in_hk": True, "election_made": True, "esfo": ESFO,
}
LINES = [{"key": "shares", "amount": m(5), "sch16c_class": "securities"},
         {"key": "btc", "amount": m(3), "virtual_asset": True, "asset": "BTC"},
         {"key": "rent", "amount": m(1), "asset": None, "kind": "income", "income_type": "other"}]


def run(facts: dict[str, Any], lines: list[dict[str, Any]] | None = None, *, year: str = "2024/25",
        extension: bool = False) -> RegimeResult:
    ctx = make_ctx(year, scenario="va_extension" if extension else "baseline")
    ls = [make_line(ctx, **s) for s in (LINES if lines is None else lines)]
    return fihv_regime(ctx, FamilyOffice(name="FIHV", fihv=facts), ls, extension=extension)


def outcome(r: RegimeResult, cid: str) -> str:
    return next(c.outcome for c in r.conditions if c.id == cid)


def test_eligible_fihv_zero_rate_on_qualifying_only() -> None:
    r = run(OK)
    assert r.eligible == "yes"
    assert r.treatments == {"shares": "zero_rate", "btc": "assessable", "rent": "assessable"}
    assert r.exempt_total is not None and r.exempt_total.value == m(5)


def test_extension_zero_rates_virtual_assets() -> None:
    r = run(OK, year="2025/26", extension=True)
    assert r.treatments["btc"] == "zero_rate"


@pytest.mark.parametrize(("change", "eligible"), [
    ({"family_ownership_percent": 95}, "yes"),
    ({"family_ownership_percent": "94.99"}, "unknown"),  # charity holding not stated
    ({"family_ownership_percent": "94.99", "charity_ownership_percent": 0}, "no"),
    ({"family_ownership_percent": 75, "charity_ownership_percent": 20, "unrelated_ownership_percent": 5}, "yes"),
    ({"family_ownership_percent": 75, "charity_ownership_percent": 20}, "yes"),  # unrelated at most 5% by arithmetic
    ({"family_ownership_percent": 75, "charity_ownership_percent": 19, "unrelated_ownership_percent": "5.01"}, "no"),
    ({"family_ownership_percent": 70, "charity_ownership_percent": "25.01"}, "no"),
    ({"family_ownership_percent": "74.99", "charity_ownership_percent": 25}, "no"),
    ({"family_ownership_percent": 80, "charity_ownership_percent": 10}, "unknown"),  # unrelated up to 10%: unknown
    ({"family_ownership_percent": None}, "unknown"),
])
def test_ownership_boundaries(change: dict[str, Any], eligible: str) -> None:
    assert run(dict(OK, **change)).eligible == eligible


@pytest.mark.parametrize(("change", "eligible"), [
    ({"specified_assets_value_hkd": m(240) - Decimal("0.01")}, "no"),
    ({"specified_assets_value_hkd": None}, "unknown"),
    ({"qualified_full_time_employees_in_hk": 1}, "no"),
    ({"operating_expenditure_in_hk_hkd": m(2) - 1}, "no"),
    ({"normally_managed_or_controlled_in_hk": False}, "no"),
    ({"election_made": False}, "no"),
    ({"election_made": None}, "unknown"),
    ({"transactions_arranged_by_esfo_in_hk": False}, "no"),
    ({"business_undertaking_general_commercial": True}, "no"),
    ({"esfo": dict(ESFO, services_to_family_percent=74)}, "no"),
    ({"esfo": dict(ESFO, is_private_company=None)}, "unknown"),
])
def test_conditions(change: dict[str, Any], eligible: str) -> None:
    r = run(dict(OK, **change))
    assert r.eligible == eligible
    if eligible != "yes":
        assert "zero_rate" not in r.treatments.values()


def test_virtual_assets_count_towards_240m_only_under_the_extension() -> None:
    facts = dict(OK, specified_assets_value_hkd=m(200), virtual_assets_value_hkd=m(40))
    assert run(facts, year="2025/26").eligible == "no"
    r = run(facts, year="2025/26", extension=True)
    assert outcome(r, "ext.fihv.min_assets") == "met" and r.eligible == "yes"
    short = dict(OK, specified_assets_value_hkd=m(200), virtual_assets_value_hkd=m(40) - Decimal("0.01"))
    assert run(short, year="2025/26", extension=True).eligible == "no"
    assert run(dict(OK, specified_assets_value_hkd=m(200)), year="2025/26", extension=True).eligible == "unknown"


def test_five_percent_and_its_abolition() -> None:
    lines = [{"key": "bond", "amount": 10, "receipts": 94, "sch16c_class": "securities"},
             {"key": "coupon", "amount": 6, "kind": "income", "income_type": "interest", "sch16c_class": "securities"}]
    assert run(OK, lines).treatments["coupon"] == "assessable"
    lines[0]["receipts"] = 114  # 6 / 120 = 5% exactly
    assert run(OK, lines).treatments["coupon"] == "zero_rate"
    lines[0]["receipts"] = 1
    assert run(OK, lines, year="2025/26", extension=True).treatments["coupon"] == "zero_rate"


def test_commencement_2022_23() -> None:
    assert run(OK, year="2021/22").eligible == "no"
    assert run(OK, year="2022/23").eligible == "yes"


def test_losses_on_zero_rate_lines_are_ring_fenced() -> None:
    r = run(OK, [{"key": "shares", "amount": -100, "sch16c_class": "securities"}])
    assert r.extra["losses_ring_fenced"].value == 100


def test_fspe_share() -> None:
    facts = dict(OK, fspes=[{"name": "SPV", "fihv_interest_percent": 60, "holds_only_investee_private_companies": True},
                            {"name": "Op", "fihv_interest_percent": 100,
                             "holds_only_investee_private_companies": False}])
    r = run(facts)
    assert r.extra["fspe_zero_rate_share[SPV]"].value == Decimal("0.6")
    assert r.extra["fspe_zero_rate_share[Op]"].value == 0


# -------------------- FIHV rule bodies at their boundaries: ownership (95%, or 75% + charity at most 25% +
# unrelated at most 5%), the HK$240m threshold with and without virtual assets, the election, commencement and the
# 5% test.
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
def test_fihv_ownership_is_95_percent_or_75_with_charity_and_unrelated_limits(family, charity, unrelated, expected, why):
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
def test_the_fihv_asset_threshold_is_hk_240m_of_specified_assets(spec, va, expected, why):
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
def test_under_the_extension_virtual_assets_count_towards_the_threshold(spec, va, expected, why):
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


def test_the_fihv_needs_an_election_and_applies_from_its_commencement():
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
def test_incidental_income_up_to_five_percent_is_concessionary(ratio, expected, why):
    c = make_ctx("2024/25")
    f = five_percent(c, stated(c, "r", D(ratio), "ratio"))
    assert (f.value, node(c, f).explanation, node(c, f).label) == (expected, why, "fihv.incidental.five_percent")


# -------------------- FIHV condition rules other than ownership and the asset threshold
# (above): the ESFO, management in Hong Kong, business undertaking, substantial
# activities, the ESFO arranging, the eligibility summary, line treatments and sums, and the regime's assembly —
# outcome, explanation and facts.
def fixed(ctx: RuleContext, value: Any, label: str | None = None) -> Figure:
    return input_figure(ctx, label or f"given{len(ctx.tracer.nodes)}", value)


GOOD_ESFO = {"is_private_company": True, "normally_managed_or_controlled_in_hk": True,
             "family_ownership_percent": D(100), "services_to_family_percent": D(75)}


@pytest.mark.parametrize("kw,outcome,why", [
    (GOOD_ESFO, "met", "private company: met; managed in HK: met; family ownership: met; services (at least 75%): "
     "met (family members hold 100% (at least 95%))"),
    ({**GOOD_ESFO, "services_to_family_percent": D("74.99")}, "failed",
     "private company: met; managed in HK: met; family ownership: met; services (at least 75%): failed (family "
     "members hold 100% (at least 95%))"),
    ({**GOOD_ESFO, "is_private_company": False, "normally_managed_or_controlled_in_hk": None}, "failed",
     "private company: failed; managed in HK: unknown; family ownership: met; services (at least 75%): met (family "
     "members hold 100% (at least 95%))"),
    ({"is_private_company": True, "normally_managed_or_controlled_in_hk": False}, "failed",
     "private company: met; managed in HK: failed; family ownership: unknown; services (at least 75%): unknown "
     "(supply the esfo's family ownership)"),
    ({}, "unknown", "private company: unknown; managed in HK: unknown; family ownership: unknown; services (at "
     "least 75%): unknown (supply the esfo's family ownership)"),
    ({**GOOD_ESFO, "family_ownership_percent": D(80), "charity_ownership_percent": D(20)}, "met",
     "private company: met; managed in HK: met; family ownership: met; services (at least 75%): met (family 80% + "
     "charity 20%: unrelated persons hold at most 0% (not more than 5%))"),
])
def test_the_esfo_condition_lists_each_limb_with_its_outcome(kw: dict[str, Any], outcome: str, why: str) -> None:
    c = make_ctx("2024/25")
    f = esfo(c, office(esfo=kw))
    n = node(c, f)
    assert (f.value, n.explanation) == (outcome, why)
    assert (n.label, n.unit) == ("fihv.esfo", "text")
    fs = facts(n)
    assert fs["esfo_is_private_company"] == kw.get("is_private_company")
    assert fs["esfo_normally_managed_or_controlled_in_hk"] == kw.get("normally_managed_or_controlled_in_hk")
    assert fs["esfo_family_ownership_percent"] == kw.get("family_ownership_percent")
    assert fs["esfo_services_to_family_percent"] == kw.get("services_to_family_percent")
    assert "A-FIHV-ESFO-SERVICES" in n.assumptions
    assert "fihv.esfo_services_safe_harbour" in [p.path for p in n.params]


@pytest.mark.parametrize("fn,field,label,texts", [
    (managed_in_hk, "normally_managed_or_controlled_in_hk", "fihv.managed_in_hk",
     {None: ("unknown", "supply normally_managed_or_controlled_in_hk"),
      True: ("met", "managed or controlled in Hong Kong"),
      False: ("failed", "not normally managed or controlled in Hong Kong")}),
    (business_undertaking, "business_undertaking_general_commercial", "fihv.business_undertaking",
     {None: ("unknown", "supply business_undertaking_general_commercial"),
      True: ("failed", "a business undertaking"), False: ("met", "not a business undertaking")}),
    (esfo_arranges, "transactions_arranged_by_esfo_in_hk", "fihv.esfo_arranges",
     {None: ("unknown", "supply transactions_arranged_by_esfo_in_hk"),
      True: ("met", "carried out or arranged in Hong Kong by the ESFO"),
      False: ("failed", "not carried out or arranged in Hong Kong by the ESFO")}),
])
def test_each_yes_no_fihv_condition_says_its_outcome(fn: Any, field: str, label: str, texts: dict[bool | None, tuple[str, str]]) -> None:
    for value, expected in texts.items():
        c = make_ctx("2024/25")
        f = fn(c, office(**{field: value}))
        n = node(c, f)
        assert (f.value, n.explanation) == expected
        assert (n.label, n.unit, facts(n)) == (label, "text", {field: value})
        assert condition(c, f).missing == ((field,) if value is None else ())


@pytest.mark.parametrize("emp,opex,outcome,why", [
    (2, D(2_000_000), "met", "2 employees (at least 2): met; HK$2,000,000 expenditure (at least HK$2,000,000): met"),
    (1, D(2_000_000), "failed",
     "1 employees (at least 2): failed; HK$2,000,000 expenditure (at least HK$2,000,000): met"),
    (3, D(1_999_999), "failed",
     "3 employees (at least 2): met; HK$1,999,999 expenditure (at least HK$2,000,000): failed"),
    (None, None, "unknown",
     "None employees (at least 2): unknown; HK$None expenditure (at least HK$2,000,000): unknown"),
    (None, D(1), "failed", "None employees (at least 2): unknown; HK$1 expenditure (at least HK$2,000,000): failed"),
])
def test_substantial_activities_need_the_staff_and_the_spending_in_hong_kong(emp: int | None, opex: D | None, outcome: str, why: str) -> None:
    c = make_ctx("2024/25")
    f = substantial_activities(c, office(qualified_full_time_employees_in_hk=emp, operating_expenditure_in_hk_hkd=opex))
    n = node(c, f)
    assert (f.value, n.explanation) == (outcome, why)
    assert (n.label, n.unit) == ("fihv.substantial_activities", "text")
    assert facts(n) == {"qualified_full_time_employees_in_hk": emp, "operating_expenditure_in_hk_hkd": opex}
    assert [p.path for p in n.params] == ["fihv.min_employees", "fihv.min_opex"]


@pytest.mark.parametrize("values,eligible", [
    (["met", "met"], "yes"), (["met", "unknown"], "unknown"), (["unknown", "failed"], "no"),
    (["not_applicable", "met"], "yes"),
])
def test_fihv_eligibility_lists_each_condition_it_rests_on(values: list[str], eligible: str) -> None:
    c = make_ctx("2024/25")
    f = eligibility(c, [fixed(c, v, f"c{i}") for i, v in enumerate(values)])
    n = node(c, f)
    assert (f.value, n.explanation) == (eligible, ", ".join(f"input[c{i}]: {v}" for i, v in enumerate(values)))
    assert (n.label, n.unit) == ("fihv.eligibility", "text")


def test_fihv_lines_are_classified_and_the_incidental_ratio_computed() -> None:
    c = make_ctx("2025/26", scenario="va_extension")
    ext = extension_applies(c, True)
    va = make_line(c, "va", 5, virtual_asset=True, receipts=95)
    st = make_line(c, "st", 1, kind="receipt", receipt_type="staking", virtual_asset=True, receipts=5)
    f = classify(c, va, ext)
    n = node(c, f)
    assert (f.value, n.explanation) == ("qualifying", "a transaction in a virtual asset, a qualifying asset under "
                                        "the extension")
    assert (n.label, n.unit, facts(n), n.assumptions) == ("fihv.transaction.classify", "text",
                                                          {"line": "va", "extension_class": "digital_assets"},
                                                          ("A-EXT-VA-DEFINITION",))
    sec = make_line(c, "sec", 5, sch16c_class="securities")
    assert node(c, classify(c, sec, ext, key="sec")).assumptions == ()
    g = classify(c, st, ext, key="st")
    assert node(c, g).assumptions == ("A-EXT-VA-DEFINITION", "A-CONC-INCIDENTAL-LINES")
    r = incidental_ratio(c, [va, st], [f, g])
    rn = node(c, r)
    assert (r.value, rn.explanation) == (D("0.05"), "A = HK$5 ÷ B = HK$100")
    assert (rn.label, rn.unit, rn.assumptions) == ("fihv.incidental.ratio", "ratio", ("A-CONC-TRADING-RECEIPTS",))
    assert facts(rn) == {"incidental_trading_receipts_A": D(5), "qualifying_and_incidental_trading_receipts_B": D(100)}
    c0 = make_ctx("2024/25")
    nq = make_line(c0, "nq", 5, virtual_asset=True)
    z = incidental_ratio(c0, [nq], [classify(c0, nq, None)])
    assert (z.value, node(c0, z).explanation) == (D(0), "A = HK$0 ÷ B = HK$0")
    assert node(c0, classify(c0, nq, None, key="again")).assumptions == ()


@pytest.mark.parametrize("spec,cls,elig,incidental,treatment,why", [
    ({}, "excluded", "yes", "met", "excluded", "outside the charge (capital or offshore)"),
    ({"kind": "income", "income_type": "dividend"}, "incidental", "yes", "met", "excluded",
     "a dividend: not chargeable (s.26(a))"),
    ({}, "qualifying", "no", "met", "assessable", "not an eligible FIHV: normal rates"),
    ({}, "qualifying", "unknown", "met", "assessable",
     "eligibility unknown: normal rates until the missing facts are supplied"),
    ({}, "qualifying", "yes", "failed", "zero_rate", "a qualifying transaction of an eligible FIHV: 0%"),
    ({}, "incidental", "yes", "failed", "assessable", "incidental, but incidental receipts exceed 5%: normal rates"),
    ({}, "incidental", "yes", "not_applicable", "zero_rate", "an incidental transaction of an eligible FIHV: 0%"),
    ({}, "non_qualifying", "yes", "met", "assessable", "a non-qualifying transaction: normal rates"),
])
def test_each_fihv_line_is_zero_rated_assessable_or_excluded_and_says_why(spec: dict[str, Any], cls: str, elig: str, incidental: str, treatment: str,
                        why: str) -> None:
    c = make_ctx("2024/25")
    ln = make_line(c, "l", 7, **spec)
    f = line_treatment(c, ln, fixed(c, cls), fixed(c, elig), fixed(c, incidental))
    n = node(c, f)
    assert (f.value, n.explanation) == (treatment, why)
    assert (n.label, n.unit) == ("fihv.line.treatment", "text") and ln.figure.id in n.inputs
    assert n.assumptions == (("A-CONC-DIVIDENDS",) if spec.get("income_type") == "dividend" else ())


def test_the_fihv_sums_add_the_lines_of_each_treatment() -> None:
    c = make_ctx("2024/25")
    lines = [make_line(c, "a", 10), make_line(c, "b", -4), make_line(c, "c", -3)]
    treats = [fixed(c, t) for t in ("zero_rate", "zero_rate", "assessable")]
    z = concessionary_profits(c, lines, treats)
    assert (z.value, node(c, z).explanation, node(c, z).label) == (D(6), "sum of the lines charged at 0%",
                                                                   "fihv.concessionary_profits")
    assert lines[2].figure.id not in node(c, z).inputs and node(c, z).inputs[-2:] == (lines[0].figure.id,
                                                                                       lines[1].figure.id)
    lo = losses_ring_fenced(c, lines, treats)
    n = node(c, lo)
    assert (lo.value, n.explanation, n.label, n.assumptions, n.status) == (
        D(4), "losses on 0%-rate lines: not available against normal-rate profits", "fihv.losses.ring_fenced",
        ("A-FIHV-LOSSES",), "assumption")
    assert n.inputs[-1] == lines[1].figure.id and lines[0].figure.id not in n.inputs
    p = profits_by_class(c, lines, [fixed(c, x) for x in ("non_qualifying", "qualifying", "non_qualifying")],
                         "non_qualifying")
    assert (p.value, node(c, p).explanation, node(c, p).label) == (D(7), "sum of the non-qualifying lines",
                                                                   "fihv.profits.non_qualifying")


GOOD = {"family_ownership_percent": D(100), "normally_managed_or_controlled_in_hk": True,
        "business_undertaking_general_commercial": False, "specified_assets_value_hkd": D(240_000_000),
        "qualified_full_time_employees_in_hk": 2, "operating_expenditure_in_hk_hkd": D(2_000_000),
        "transactions_arranged_by_esfo_in_hk": True, "election_made": True, "esfo": GOOD_ESFO}


def test_the_fihv_regime_assembles_conditions_lines_and_fspe_shares() -> None:
    c = make_ctx("2024/25")
    lines = [make_line(c, "q", 100, sch16c_class="securities"), make_line(c, "n", 30, virtual_asset=True)]
    fo = office(**GOOD, fspes=[{"name": "S1", "fihv_interest_percent": D(60),
                                "holds_only_investee_private_companies": True}])
    r = fihv_regime(c, fo, lines, extension=False)
    assert (r.regime, r.eligible) == ("fihv", "yes")
    assert [x.id for x in r.conditions] == [
        "fihv.election", "fihv.ownership", "fihv.esfo", "fihv.managed_in_hk", "fihv.business_undertaking",
        "fihv.min_assets", "fihv.substantial_activities", "fihv.esfo_arranges", "fihv.incidental.five_percent"]
    assert r.treatments == {"q": "zero_rate", "n": "assessable"}
    assert r.exempt_total is not None and r.exempt_total.value == D(100)
    with exact_context():
        share = D(30) / D(130)
    assert {k: v.value for k, v in r.extra.items()} == {
        "eligibility": "yes", "incidental_ratio": D(0), "incidental_test": "met", "losses_ring_fenced": D(0),
        "profits.qualifying": D(100), "profits.incidental": D(0), "profits.non_qualifying": D(30),
        "profits.excluded": D(0), "outgoings_assessable_share": share, "fspe_zero_rate_share[S1]": D("0.6")}
    assert r.notes == ("FSPEs are separate taxpayers: their 0% share is given in extra['fspe_zero_rate_share[...]']",)


def test_the_fihv_regime_under_the_extension_with_unknown_facts() -> None:
    c = make_ctx("2025/26", scenario="va_extension")
    lines = [make_line(c, "va", 100, virtual_asset=True)]
    fo = office(**{**GOOD, "specified_assets_value_hkd": D(1), "election_made": None})
    r = fihv_regime(c, fo, lines, extension=True)
    assert r.eligible == "unknown" and r.treatments == {"va": "assessable"}
    assert "ext.fihv.min_assets" in [x.id for x in r.conditions]
    assert "fihv.incidental.five_percent" not in [x.id for x in r.conditions]
    assert r.extra["extension"].value is True and r.extra["incidental_test"].value == "not_applicable"
    assert r.extra["extension"].id == "va_extension/2025/26/ext.applies[fihv]"
    assert r.extra["incidental_test"].id == "va_extension/2025/26/ext.incidental.abolished.fihv"
    ext_cond = next(x for x in r.conditions if x.id == "ext.fihv.min_assets")
    assert r.extra["extension"].id in c.tracer.nodes[ext_cond.figure.id].inputs
    assert "outgoings_assessable_share" not in r.extra
    assert r.notes == ("eligibility unknown: every line is charged at the normal rates until these facts are "
                       "supplied: election_made, virtual_assets_value_hkd",)
    c2 = make_ctx("2025/26", scenario="va_extension")
    r2 = fihv_regime(c2, office(**GOOD), [make_line(c2, "va", 100, virtual_asset=True)], extension=True)
    assert r2.eligible == "yes" and r2.treatments == {"va": "zero_rate"} and r2.notes == ()
    c3 = make_ctx("2021/22")
    r3 = fihv_regime(c3, office(**GOOD), [make_line(c3, "a", 1), make_line(c3, "b", 1, offshore=True)],
                     extension=False)
    assert (r3.eligible, r3.treatments, r3.notes) == ("no", {"a": "assessable", "b": "excluded"},
                                                      ("the FIHV regime applies from 2022/23",))
    assert [x.id for x in r3.conditions] == ["fihv.commencement"]
    c4 = make_ctx("2024/25")
    with pytest.raises(ValueError, match="distinct keys"):
        fihv_regime(c4, office(**GOOD), [make_line(c4, "a", 1), replace(make_line(c4, "b", 1), key="a")],
                    extension=False)

    c5 = make_ctx("2025/26", scenario="va_extension", settings={"extension_first_year": "2026/27"})
    r5 = fihv_regime(c5, office(**GOOD), [make_line(c5, "va", 1, virtual_asset=True)], extension=True)
    ids = [x.id for x in r5.conditions]
    assert "fihv.min_assets" in ids and "ext.fihv.min_assets" not in ids and "fihv.incidental.five_percent" in ids
    assert r5.extra["extension"].value is False and r5.treatments == {"va": "assessable"}


# -------------------- FIHV rule bodies that the scenario tests reach only indirectly: the IRD citation and the
# FSPE share.
def test_the_ird_fihv_guidance_is_cited_by_section_with_its_address():
    assert IRD_FIHV("FSPEs") == Citation("IRD, Tax concessions for FIHVs (web guidance)", "FSPEs",
                                         "https://www.ird.gov.hk/eng/tax/bus_fihv.htm")


@pytest.mark.parametrize("eligible,only,expected,why", [
    ("yes", True, D("0.6"), "60% of its qualifying profits at 0%"),
    ("yes", None, D(0), "supply holds_only_investee_private_companies: share 0 until then"),
    ("yes", False, D(0), "not an FSPE: it does more than hold investee private companies or FSPEs"),
    ("no", True, D(0), "the FIHV is not (or not shown to be) eligible"),
    ("unknown", True, D(0), "the FIHV is not (or not shown to be) eligible"),
])
def test_an_fspes_share_is_its_interest_only_when_the_fihv_is_eligible_and_it_only_holds_investees(eligible, only, expected, why):
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
