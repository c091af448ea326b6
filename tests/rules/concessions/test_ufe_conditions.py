"""UFE conditions at their boundaries, missing facts, and the extension switch."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from decimal import Decimal as D
from typing import Any

import pytest
from conc_helpers import input_figure, m, make_ctx, make_line

from hkvatax.models.taxpayers import InterestPeriod, PrivateFund, ResidentInvestor, SpeFacts
from hkvatax.money import exact_context
from hkvatax.rules.concessions import condition, extension_applies
from hkvatax.rules.lines import RegimeResult
from hkvatax.rules.profits_tax import stated
from hkvatax.rules.registry import Figure, RuleContext
from hkvatax.rules.ufe import (
    business_undertaking,
    classify,
    deemed_profits,
    deemed_total,
    eligibility,
    excepted_fund,
    exempt_profits,
    five_percent,
    fund_definition,
    fund_exclusions,
    gateway,
    incidental_ratio,
    indirect_interest,
    interest_days,
    line_treatment,
    losses_no_carry_forward,
    outgoings_share,
    profits_by_class,
    qif_commitments,
    qif_investors,
    qif_originator_share,
    qualified_investment_fund,
    spe_deemed_profits,
    specified_person,
    ufe_commencement,
    ufe_deemed_profits,
    ufe_regime,
    widely_held,
)
from hkvatax.trace import Node

OK = {"managed_as_whole_or_pooled": True, "participants_no_day_to_day_control": True,
      "shares_profits_from_property": True, "business_undertaking_general_commercial": False,
      "uses_specified_person": True}
# the extension's new obligations (facts the user states; decision 0073)
EXT_OBLIGATIONS = {"extension_substantial_activities_met": True, "extension_tax_reporting_complied": True}
OK = {**OK, **EXT_OBLIGATIONS}
FY = (date(2024, 4, 1), date(2025, 3, 31))


def run(facts: dict[str, Any], lines_spec: list[dict[str, Any]] | None = None, *, year: str = "2024/25",
        extension: bool = False, settings: dict[str, Any] | None = None,
        scenario: str = "baseline") -> tuple[RegimeResult, RuleContext]:
    ctx = make_ctx(year, settings=settings, scenario=scenario)
    spec = lines_spec if lines_spec is not None else [{"key": "q", "amount": m(1), "sch16c_class": "securities"}]
    lines = [make_line(ctx, **s) for s in spec]
    y = ctx.year
    return ufe_regime(ctx, PrivateFund(name="F", fund=facts), lines, extension=extension,
                      basis_period=(y.first_day, y.last_day) if year != "2024/25" else FY), ctx


def cond(result: RegimeResult, cid: str) -> str:
    return next(c.outcome for c in result.conditions if c.id == cid)


# -- the 5% incidental test (s.20AN(4); DIPN 61 paras 76-79) ----------------------------------------

def incidental_lines(incidental_receipts: str) -> list[dict[str, Any]]:
    return [{"key": "bond", "amount": m(2), "receipts": Decimal(100) - Decimal(incidental_receipts),
             "sch16c_class": "securities"},
            {"key": "coupon", "amount": Decimal(incidental_receipts), "kind": "income", "income_type": "interest",
             "sch16c_class": "securities"}]


def test_exactly_five_percent_passes() -> None:
    r, _ = run(OK, incidental_lines("5"))
    assert r.extra["incidental_ratio"].value == Decimal("0.05")
    assert cond(r, "ufe.incidental.five_percent") == "met"
    assert r.treatments == {"bond": "exempt", "coupon": "exempt"}


def test_just_over_five_percent_taxes_all_incidental_profits_not_qualifying() -> None:
    r, _ = run(OK, incidental_lines("5.0001"))
    assert cond(r, "ufe.incidental.five_percent") == "failed"
    assert r.treatments == {"bond": "exempt", "coupon": "assessable"}  # all-or-nothing; qualifying stays exempt


def test_dividends_are_outside_both_sides_of_the_ratio() -> None:
    spec = incidental_lines("5") + [{"key": "div", "amount": 50, "kind": "income", "income_type": "dividend",
                                     "sch16c_class": "securities"}]
    r, _ = run(OK, spec)
    assert r.extra["incidental_ratio"].value == Decimal("0.05")
    assert r.treatments["div"] == "excluded"


def test_loan_interest_is_not_incidental() -> None:
    r, _ = run(OK, [{"key": "loan", "amount": 10, "kind": "income", "income_type": "interest", "asset": None}])
    assert r.treatments == {"loan": "assessable"}


def test_the_extension_abolishes_the_five_percent_test() -> None:
    r, _ = run(OK, incidental_lines("50"), year="2025/26", extension=True, scenario="va_extension")
    assert "ufe.incidental.five_percent" not in {c.id for c in r.conditions}
    assert r.treatments == {"bond": "exempt", "coupon": "exempt"}
    assert r.extra["incidental_test"].value == "not_applicable"


# -- the gateway -----------------------------------------------------------------------------------

QIF = dict(OK, uses_specified_person=False, investor_count=5, investor_commitments_percent="90.01",
           originator_net_proceeds_percent="30")


@pytest.mark.parametrize(("change", "outcome"), [
    ({}, "yes"),
    ({"investor_count": 4}, "no"),  # "exceeds 4"
    ({"investor_commitments_percent": "90"}, "no"),  # "exceed 90%"
    ({"originator_net_proceeds_percent": "30.01"}, "no"),  # "not more than 30%"
    ({"investor_count": None}, "unknown"),
])
def test_qualified_investment_fund_boundaries(change: dict[str, Any], outcome: str) -> None:
    r, _ = run(dict(QIF, **change))
    assert r.eligible == outcome
    assert r.treatments["q"] == ("exempt" if outcome == "yes" else "assessable")


def test_specified_person_alone_opens_the_gateway() -> None:
    r, _ = run(OK)
    assert cond(r, "ufe.gateway") == "met" and r.eligible == "yes"


def test_missing_fact_is_unknown_never_a_pass() -> None:
    r, _ = run(dict(OK, shares_profits_from_property=None))
    assert r.eligible == "unknown"
    c = next(c for c in r.conditions if c.id == "ufe.fund.definition")
    assert c.outcome == "unknown" and c.missing == ("shares_profits_from_property",)
    assert r.treatments["q"] == "assessable"
    assert any("shares_profits_from_property" in n for n in r.notes)


def test_business_undertaking_is_not_a_fund() -> None:
    r, _ = run(dict(OK, business_undertaking_general_commercial=True))
    assert r.eligible == "no"


def test_excluded_arrangement() -> None:
    r, _ = run(dict(OK, excluded_arrangement="group scheme"))
    assert cond(r, "ufe.fund.exclusions") == "failed" and r.eligible == "no"


def test_sovereign_wealth_fund_is_deemed_a_fund_but_needs_the_gateway_today() -> None:
    swf = {"fund_type": "sovereign_wealth", "business_undertaking_general_commercial": False,
           "uses_specified_person": False, "investor_count": 1,  # one investor: not a QIF (DIPN 61 para 89)
           **EXT_OBLIGATIONS}
    r, _ = run(swf)
    assert cond(r, "ufe.fund.definition") == "met" and r.eligible == "no"
    r2, _ = run(swf, year="2025/26", extension=True, scenario="va_extension")
    assert r2.eligible == "yes"


def test_commencement() -> None:
    r, _ = run(OK, year="2018/19")
    assert r.eligible == "no" and r.treatments == {"q": "assessable"}


def test_capital_and_offshore_lines_stay_excluded() -> None:
    r, _ = run(OK, [{"key": "cap", "amount": 5, "character": "capital", "sch16c_class": "securities"},
                    {"key": "off", "amount": 5, "offshore": True}])
    assert r.treatments == {"cap": "excluded", "off": "excluded"}


def test_losses_on_exempt_transactions_are_never_available() -> None:
    r, _ = run(OK, [{"key": "q", "amount": -300, "sch16c_class": "securities"}, {"key": "n", "amount": 100}])
    assert r.treatments == {"q": "exempt", "n": "assessable"}
    assert r.extra["losses_not_available"].value == 300


# -- the extension ---------------------------------------------------------------------------------

VA = [{"key": "btc", "amount": m(3), "virtual_asset": True, "asset": "BTC"},
      {"key": "stake", "amount": 10, "kind": "receipt", "receipt_type": "staking", "virtual_asset": True,
       "asset": "ETH"},
      {"key": "mining", "amount": 10, "kind": "receipt", "receipt_type": "mining", "virtual_asset": True,
       "asset": "BTC"}]


def test_crypto_is_non_qualifying_under_the_law_in_force() -> None:
    r, ctx = run(OK, VA, year="2025/26")
    assert set(r.treatments.values()) == {"assessable"}
    assert "A-EXT-FIRST-YEAR" not in ctx.tracer.assumptions


def test_crypto_is_qualifying_under_the_extension_and_says_so() -> None:
    r, ctx = run(OK, VA, year="2025/26", extension=True, scenario="va_extension")
    assert r.treatments == {"btc": "exempt", "stake": "exempt", "mining": "assessable"}
    assert "A-EXT-FIRST-YEAR" in ctx.tracer.assumptions
    assert ctx.tracer.nodes[r.reasons["btc"].id].status == "proposed"
    assert r.exempt_total is not None and ctx.tracer.nodes[r.exempt_total.id].status == "proposed"


def test_extension_first_year_is_a_setting() -> None:
    r, _ = run(OK, VA, year="2025/26", extension=True, scenario="va_extension",
               settings={"extension_first_year": "2026/27"})
    assert r.treatments["btc"] == "assessable"
    assert r.extra["extension"].value is False


@pytest.mark.parametrize(("fund_type", "baseline", "extended"), [
    ("pension", "no", "yes"), ("endowment", "unknown", "yes"), ("government_investor", "unknown", "yes")])
def test_extension_widens_the_fund_definition(fund_type: str, baseline: str, extended: str) -> None:
    facts = {"fund_type": fund_type, "business_undertaking_general_commercial": False, "uses_specified_person": False,
             **EXT_OBLIGATIONS}
    assert run(facts, year="2025/26")[0].eligible in (baseline, "no")
    assert run(facts, year="2025/26", extension=True, scenario="va_extension")[0].eligible == extended


@pytest.mark.parametrize(("assets", "eligible"), [(m(240), "yes"), (m(240) - Decimal("0.01"), "no"),
                                                  (None, "unknown")])
def test_single_investor_floor(assets: Decimal | None, eligible: str) -> None:
    facts = {"fund_type": "single_investor", "managed_assets_hkd": assets, "participants_no_day_to_day_control": True,
             "business_undertaking_general_commercial": False, "uses_specified_person": False,
             "managed_as_whole_or_pooled": False, **EXT_OBLIGATIONS}
    r, _ = run(facts, year="2025/26", extension=True, scenario="va_extension")
    assert r.eligible == eligible


# -- anti-round-tripping -----------------------------------------------------------------------------

def art(own: str, assoc: str | None = None, **facts: Any) -> Decimal:
    inv = ResidentInvestor(name="R", interests=(InterestPeriod(start=FY[0], end=FY[1], percent=own),),
                           associates_interests=() if assoc is None else
                           (InterestPeriod(start=FY[0], end=FY[1], percent=assoc),))
    r, _ = run(dict(OK, resident_investors=[inv], **facts), [{"key": "q", "amount": m(10),
                                                               "sch16c_class": "securities"}])
    return r.extra["deemed[R]"].value


def test_thirty_percent_with_associates_triggers() -> None:
    assert art("20", "10") == m(2)  # own 20% deemed once 30% reached together
    assert art("20", "9.99") == 0


def test_widely_held_fund_is_not_deemed() -> None:
    assert art("40", bona_fide_widely_held_accepted=True) == 0
    assert art("40", holders_count=50, largest_21_hold_75_percent_or_less=True) == 0
    assert art("40", holders_count=49, largest_21_hold_75_percent_or_less=True) == m(4)


def test_no_deemed_loss() -> None:
    inv = ResidentInvestor(name="R", interests=(InterestPeriod(start=FY[0], end=FY[1], percent=50),))
    r, _ = run(dict(OK, resident_investors=[inv]), [{"key": "q", "amount": -m(10), "sch16c_class": "securities"}])
    assert r.extra["deemed[R]"].value == 0


def test_ineligible_fund_deems_nothing() -> None:
    inv = ResidentInvestor(name="R", interests=(InterestPeriod(start=FY[0], end=FY[1], percent=50),))
    r, _ = run(dict(OK, uses_specified_person=False, resident_investors=[inv]))
    assert r.deemed == ()


# -------------------- UFE rule bodies one by one: outcome, explanation (the product's output in the trace), facts
# recorded and the facts reported missing. The regime tests in tests/rules/concessions check the decisions end to
# end.
def fund(**facts: Any) -> PrivateFund:
    return PrivateFund(name="F", fund=facts)


def node(ctx: RuleContext, fig: Figure) -> Node:
    return ctx.tracer.nodes[fig.id]


def facts(n: Node) -> dict[str, Any]:
    return {f.name: f.value for f in n.facts}


def text(ctx: RuleContext, fig: Figure) -> tuple[Any, str]:
    n = node(ctx, fig)
    return fig.value, n.explanation


def fixed(ctx: RuleContext, value: Any, label: str | None = None) -> Figure:
    """A stand-in figure (a recorded input node) with ``value``."""
    return input_figure(ctx, label or f"given{len(ctx.tracer.nodes)}", value)


def test_commencement_is_met_from_2019_20_and_says_why() -> None:
    c = make_ctx("2019/20")
    f = ufe_commencement(c)
    assert text(c, f) == ("met", "2019/20 begins on or after 1 April 2019")
    assert (node(c, f).label, node(c, f).unit) == ("ufe.commencement", "text")
    c = make_ctx("2018/19")
    assert text(c, ufe_commencement(c)) == ("failed", "2018/19 begins before 1 April 2019")


ALL = {"managed_as_whole_or_pooled": True, "participants_no_day_to_day_control": True,
       "shares_profits_from_property": True}
SINGLE_NOTE = ("; an arrangement meant to have one investor is unlikely to be pooled (DIPN 61 para 43), so limb "
               "(a) rests on management as a whole")


@pytest.mark.parametrize("kw,outcome,why", [
    ({"fund_type": "sovereign_wealth"}, "met",
     "a sovereign wealth fund is deemed to be a fund (s.20AM(4); DIPN 61 paras 56-57)"),
    (ALL, "met", "all three limbs of s.20AM(2) are met at all times in the basis period"),
    ({**ALL, "fund_type": "single_investor"}, "met",
     "all three limbs of s.20AM(2) are met at all times in the basis period" + SINGLE_NOTE),
    ({**ALL, "managed_as_whole_or_pooled": False, "shares_profits_from_property": False}, "failed",
     "not a fund: limb(s) not met at all times: managed_as_whole_or_pooled, shares_profits_from_property"),
    ({**ALL, "participants_no_day_to_day_control": False, "fund_type": "single_investor"}, "failed",
     "not a fund: limb(s) not met at all times: participants_no_day_to_day_control" + SINGLE_NOTE),
    ({"participants_no_day_to_day_control": True}, "unknown",
     "supply managed_as_whole_or_pooled, shares_profits_from_property to decide whether the arrangement is a fund"),
    ({"managed_as_whole_or_pooled": False}, "failed",
     "not a fund: limb(s) not met at all times: managed_as_whole_or_pooled"),
    ({"fund_type": "single_investor"}, "unknown",
     "supply managed_as_whole_or_pooled, participants_no_day_to_day_control, shares_profits_from_property to "
     "decide whether the arrangement is a fund" + SINGLE_NOTE),
])
def test_the_fund_definition_is_met_only_by_all_its_limbs_and_names_what_is_missing(kw: dict[str, Any], outcome: str, why: str) -> None:
    c = make_ctx("2024/25")
    f = fund_definition(c, fund(**kw))
    assert text(c, f) == (outcome, why)
    n = node(c, f)
    assert (n.label, n.unit) == ("ufe.fund.definition", "text")
    fs = facts(n)
    assert fs["fund_type"] == kw.get("fund_type", "ordinary")
    if kw.get("fund_type") != "sovereign_wealth":
        assert {k: fs[k] for k in ALL} == {k: kw.get(k) for k in ALL}
    missing = condition(c, f).missing
    assert missing == (tuple(k for k in ALL if k not in kw) if outcome == "unknown" else ())


def ext_ctx() -> tuple[RuleContext, Figure]:
    c = make_ctx("2025/26", scenario="va_extension")
    return c, extension_applies(c, True)


@pytest.mark.parametrize("kw,outcome,why", [
    ({"fund_type": "sovereign_wealth"}, "met", "a sovereign wealth fund is an excepted fund: no specified person needed"),
    ({}, "not_applicable", "an ordinary fund is not an excepted fund"),
    ({"fund_type": "pension"}, "met", "a pension fund is an excepted fund under the extension"),
    ({"fund_type": "endowment"}, "met", "a endowment fund is an excepted fund under the extension"),
    ({"fund_type": "government_investor"}, "met", "a government investor fund is an excepted fund under the extension"),
    ({"fund_type": "single_investor", "participants_no_day_to_day_control": False,
      "managed_assets_hkd": D(1)}, "failed",
     "a single-investor arrangement whose investor has day-to-day control is not a fund"),
    ({"fund_type": "single_investor", "participants_no_day_to_day_control": True,
      "managed_assets_hkd": D(239_999_999)}, "failed",
     "managed assets HK$239,999,999 are below the HK$240,000,000 floor"),
    ({"fund_type": "single_investor", "managed_assets_hkd": D(239_999_999)}, "failed",
     "managed assets HK$239,999,999 are below the HK$240,000,000 floor"),
    ({"fund_type": "single_investor", "participants_no_day_to_day_control": True,
      "managed_assets_hkd": D(240_000_000)}, "met",
     "a single-investor arrangement managing HK$240,000,000 (at least HK$240,000,000) with no day-to-day control "
     "by the investor"),
    ({"fund_type": "single_investor", "managed_assets_hkd": D(240_000_000)}, "unknown",
     "supply the managed assets and whether the investor has day-to-day control"),
    ({"fund_type": "single_investor", "participants_no_day_to_day_control": True}, "unknown",
     "supply the managed assets and whether the investor has day-to-day control"),
])
def test_an_excepted_fund_is_recognised_and_explained(kw: dict[str, Any], outcome: str, why: str) -> None:
    c, ext = ext_ctx()
    f = excepted_fund(c, fund(**kw), ext)
    assert text(c, f) == (outcome, why)
    n = node(c, f)
    assert (n.label, n.unit, n.status) == ("ext.ufe.fund.excepted", "text", "proposed")
    assert facts(n)["fund_type"] == kw.get("fund_type", "ordinary")
    assert ext.id in n.inputs
    if kw.get("fund_type") == "single_investor":
        assert facts(n)["managed_assets_hkd"] == kw.get("managed_assets_hkd")
        assert [p.path for p in n.params] == ["extension.single_investor_min_assets"]
        expected_missing = tuple(k for k in ("managed_assets_hkd", "participants_no_day_to_day_control")
                                 if k not in kw)
        assert condition(c, f).missing == (expected_missing if outcome == "unknown" else ())


@pytest.mark.parametrize("kw,ext_on,outcome,why,assumed", [
    ({"excluded_arrangement": "group scheme"}, False, "failed", "excluded by s.20AM(5): group scheme", ()),
    ({"excluded_arrangement": "group scheme", "fund_type": "pension"}, True, "failed",
     "excluded by s.20AM(5): group scheme", ()),
    ({"fund_type": "pension"}, False, "failed",
     "a pension fund: an employee benefit scheme excluded by s.20AM(5) (DIPN 61 para 58, footnote 11) under the "
     "law in force", ("A-UFE-PENSION-BASELINE",)),
    ({"fund_type": "pension"}, True, "met", "no s.20AM(5) exclusion applies", ()),
    ({}, False, "met", "no s.20AM(5) exclusion applies", ()),
])
def test_the_fund_exclusions_apply_and_are_explained(kw: dict[str, Any], ext_on: bool, outcome: str, why: str, assumed: tuple[str, ...]) -> None:
    c = make_ctx("2024/25")
    f = fund_exclusions(c, fund(**kw), ext_on)
    assert text(c, f) == (outcome, why)
    n = node(c, f)
    assert (n.label, n.unit, n.assumptions) == ("ufe.fund.exclusions", "text", assumed)
    assert facts(n) == {"excluded_arrangement": kw.get("excluded_arrangement", "none")}


@pytest.mark.parametrize("value,outcome,why", [
    (None, "unknown", "supply business_undertaking_general_commercial (s.20AM(6))"),
    (True, "failed", "a business undertaking for general commercial or industrial purposes is not a fund"),
    (False, "met", "not a business undertaking for general commercial or industrial purposes"),
])
def test_a_general_commercial_business_undertaking_fails_the_condition(value: bool | None, outcome: str, why: str) -> None:
    c = make_ctx("2024/25")
    f = business_undertaking(c, fund(business_undertaking_general_commercial=value))
    assert text(c, f) == (outcome, why)
    n = node(c, f)
    assert (n.label, n.unit) == ("ufe.fund.business_undertaking", "text")
    assert condition(c, f).missing == (("business_undertaking_general_commercial",) if value is None else ())


@pytest.mark.parametrize("value,name,outcome,why", [
    (None, None, "unknown", "supply uses_specified_person"),
    (True, "AM Ltd", "met", "carried out or arranged in Hong Kong by a specified person"),
    (False, None, "failed", "not carried out or arranged in Hong Kong by a specified person"),
])
def test_the_specified_person_condition_names_the_person(value: bool | None, name: str | None, outcome: str, why: str) -> None:
    c = make_ctx("2024/25")
    f = specified_person(c, fund(uses_specified_person=value, specified_person_name=name))
    assert text(c, f) == (outcome, why)
    n = node(c, f)
    assert (n.label, n.unit) == ("ufe.gateway.specified_person", "text")
    expected = {"uses_specified_person": value} | ({"specified_person_name": name} if name else {})
    assert facts(n) == expected
    assert condition(c, f).missing == (("uses_specified_person",) if value is None else ())


@pytest.mark.parametrize("count,closing,outcome,why", [
    (None, None, "unknown", "supply investor_count"),
    (4, date(2024, 1, 2), "failed", "4 investors does not exceed 4"),
    (5, None, "met", "5 investors exceeds 4"),
])
def test_a_qualified_investment_fund_needs_enough_investors_after_its_final_closing(count: int | None, closing: date | None, outcome: str, why: str) -> None:
    c = make_ctx("2024/25")
    f = qif_investors(c, fund(investor_count=count, final_closing_date=closing))
    assert text(c, f) == (outcome, why)
    n = node(c, f)
    assert (n.label, n.unit) == ("ufe.qif.investors", "text")
    assert facts(n) == {"investor_count": count} | ({"final_closing_date": "2024-01-02"} if closing else {})
    assert condition(c, f).missing == (("investor_count",) if count is None else ())


@pytest.mark.parametrize("pct,outcome,why", [
    (None, "unknown", "supply investor_commitments_percent"),
    (D(90), "failed", "90% does not exceed 90%"),
    (D("90.01"), "met", "90.01% exceeds 90%"),
])
def test_a_qualified_investment_fund_needs_its_investor_commitments(pct: D | None, outcome: str, why: str) -> None:
    c = make_ctx("2024/25")
    f = qif_commitments(c, fund(investor_commitments_percent=pct))
    assert text(c, f) == (outcome, why)
    assert (node(c, f).label, node(c, f).unit) == ("ufe.qif.commitments", "text")
    assert condition(c, f).missing == (("investor_commitments_percent",) if pct is None else ())


@pytest.mark.parametrize("pct,outcome,why", [
    (None, "unknown", "supply originator_net_proceeds_percent"),
    (D(30), "met", "30% is not more than 30%"),
    (D("30.01"), "failed", "30.01% is more than 30%"),
])
def test_a_qualified_investment_funds_originator_share_is_capped(pct: D | None, outcome: str, why: str) -> None:
    c = make_ctx("2024/25")
    f = qif_originator_share(c, fund(originator_net_proceeds_percent=pct))
    assert text(c, f) == (outcome, why)
    assert (node(c, f).label, node(c, f).unit) == ("ufe.qif.originator_share", "text")
    assert condition(c, f).missing == (("originator_net_proceeds_percent",) if pct is None else ())


def test_qualified_investment_fund_combines_and_says_each_limb() -> None:
    c = make_ctx("2024/25")
    f = qualified_investment_fund(c, fixed(c, "met", "a"), fixed(c, "unknown", "b"), fixed(c, "met", "c"))
    assert text(c, f) == ("unknown", "investors met, commitments unknown, originator share met")
    assert (node(c, f).label, node(c, f).unit) == ("ufe.gateway.qualified_investment_fund", "text")
    f = qualified_investment_fund(c, fixed(c, "met"), fixed(c, "met"), fixed(c, "failed"), key="2")
    assert f.value == "failed"
    f = qualified_investment_fund(c, fixed(c, "met"), fixed(c, "met"), fixed(c, "met"), key="3")
    assert f.value == "met"


@pytest.mark.parametrize("sp,qif,exc,outcome,why", [
    ("failed", "failed", "met", "met", "an excepted fund needs no specified person (proposed extension)"),
    ("failed", "failed", "failed", "failed", "neither a specified person nor a qualified investment fund"),
    ("met", "unknown", None, "met", "met through a specified person"),
    ("unknown", "met", None, "met", "met as a qualified investment fund"),
    ("failed", "unknown", None, "unknown", "neither route is shown met and at least one is unknown"),
    ("unknown", "failed", "failed", "unknown", "neither route is shown met and at least one is unknown"),
    ("failed", "failed", None, "failed", "neither a specified person nor a qualified investment fund"),
    ("failed", "failed", "unknown", "unknown", "neither route is shown met and at least one is unknown"),
])
def test_the_gateway_is_a_specified_person_or_a_qualified_fund_or_an_excepted_fund(sp: str, qif: str, exc: str | None, outcome: str, why: str) -> None:
    c = make_ctx("2024/25")
    f = gateway(c, fixed(c, sp), fixed(c, qif), fixed(c, exc) if exc is not None else None)
    assert text(c, f) == (outcome, why)
    assert (node(c, f).label, node(c, f).unit) == ("ufe.gateway", "text")


@pytest.mark.parametrize("fund_tests,conds,eligible", [
    (["met"], ["met", "met"], "yes"),
    (["failed", "met"], ["met"], "yes"),
    (["unknown", "not_applicable"], ["met"], "unknown"),
    (["failed", "not_applicable"], ["met"], "no"),
    (["met"], ["unknown", "failed"], "no"),
    (["met"], ["met", "unknown"], "unknown"),
])
def test_ufe_eligibility_is_met_only_when_every_test_and_condition_is(fund_tests: list[str], conds: list[str], eligible: str) -> None:
    c = make_ctx("2024/25")
    ft = [fixed(c, v, f"def{i}") for i, v in enumerate(fund_tests)]
    cs = [fixed(c, v, f"cond{i}") for i, v in enumerate(conds)]
    f = eligibility(c, ft, cs)
    is_fund = "met" if "met" in fund_tests else ("unknown" if "unknown" in fund_tests else "failed")
    assert text(c, f) == (eligible, f"fund {is_fund}; "
                          + ", ".join(f"input[cond{i}]: {v}" for i, v in enumerate(conds)))
    assert (node(c, f).label, node(c, f).unit) == ("ufe.eligibility", "text")


# -- lines -------------------------------------------------------------------------------------------


def test_classify_records_the_line_and_its_assumptions() -> None:
    c, ext = ext_ctx()
    va = make_line(c, "va", 5, virtual_asset=True)
    f = classify(c, va, ext)
    n = node(c, f)
    assert text(c, f) == ("qualifying", "a transaction in a virtual asset, a qualifying asset under the extension")
    assert facts(n) == {"line": "va", "extension_class": "digital_assets", "sch16c_class": "none",
                        "virtual_asset": True}
    assert n.assumptions == ("A-EXT-VA-DEFINITION",)
    assert ext.id in n.inputs and va.figure.id in n.inputs
    assert (n.label, n.unit, n.status) == ("ufe.transaction.classify", "text", "proposed")
    inc = make_line(c, "inc", 5, kind="income", income_type="interest", sch16c_class="securities")
    n2 = node(c, classify(c, inc, ext, key="inc"))
    assert n2.assumptions == ("A-CONC-INCIDENTAL-LINES",)
    assert facts(n2)["sch16c_class"] == "securities"
    rec = make_line(c, "rec", 5, kind="receipt", receipt_type="mining")
    assert node(c, classify(c, rec, None, key="rec")).assumptions == ("A-CONC-INCIDENTAL-LINES",)
    c0 = make_ctx("2024/25")
    base = make_line(c0, "va", 5, virtual_asset=True)
    n0 = node(c0, classify(c0, base, None))
    assert n0.value == "non_qualifying" and n0.assumptions == () and n0.status == "enacted"


def test_incidental_ratio_and_five_percent() -> None:
    c = make_ctx("2024/25")
    lines = [make_line(c, "q", 10, sch16c_class="securities", receipts=95),
             make_line(c, "i", 1, kind="income", income_type="interest", sch16c_class="securities", receipts=5),
             make_line(c, "d", 1, kind="income", income_type="dividend", sch16c_class="securities", receipts=50)]
    classes = [classify(c, ln, None, key=ln.key) for ln in lines]
    r = incidental_ratio(c, lines, classes)
    n = node(c, r)
    assert text(c, r) == (D("0.05"), "A = HK$5 ÷ B = HK$100")
    assert facts(n) == {"incidental_trading_receipts_A": D(5), "qualifying_and_incidental_trading_receipts_B": D(100)}
    assert n.assumptions == ("A-CONC-TRADING-RECEIPTS", "A-CONC-DIVIDENDS")
    assert (n.label, n.unit) == ("ufe.incidental.ratio", "ratio")
    five = five_percent(c, r)
    assert text(c, five) == ("met", "ratio 5.000000% does not exceed 5%: incidental profits are exempt")
    assert (node(c, five).label, node(c, five).unit) == ("ufe.incidental.five_percent", "text")
    over = five_percent(c, fixed(c, D("0.0500001")), key="over")
    assert text(c, over) == ("failed", "ratio 5.000010% exceeds 5%: all incidental profits are chargeable")
    c2 = make_ctx("2024/25")
    none = [make_line(c2, "n", 10, virtual_asset=True)]
    r2 = incidental_ratio(c2, none, [classify(c2, none[0], None)])
    assert text(c2, r2) == (D(0), "A = HK$0 ÷ B = HK$0 (no receipts: ratio 0)")
    assert node(c2, r2).assumptions == ("A-CONC-TRADING-RECEIPTS",)


@pytest.mark.parametrize("spec,cls,elig,incidental,treatment,why", [
    ({}, "excluded", "yes", "met", "excluded", "outside the charge (capital or offshore)"),
    ({"kind": "income", "income_type": "dividend"}, "incidental", "yes", "met", "excluded",
     "a dividend: not chargeable (s.26(a)) and outside the 5% ratio"),
    ({}, "qualifying", "no", "met", "assessable", "the fund is not eligible: chargeable under the ordinary rules"),
    ({}, "qualifying", "unknown", "met", "assessable",
     "eligibility unknown: treated as chargeable until the missing facts are supplied"),
    ({}, "qualifying", "yes", "failed", "exempt", "a qualifying transaction of an eligible fund (s.20AN(2)(a))"),
    ({}, "incidental", "yes", "failed", "assessable", "incidental, but incidental receipts exceed 5% (s.20AN(4))"),
    ({}, "incidental", "yes", "met", "exempt", "an incidental transaction of an eligible fund (s.20AN(2)(b))"),
    ({}, "incidental", "yes", "not_applicable", "exempt",
     "an incidental transaction of an eligible fund (s.20AN(2)(b))"),
    ({}, "non_qualifying", "yes", "met", "assessable",
     "a non-qualifying transaction: chargeable under the ordinary rules"),
])
def test_each_ufe_line_is_exempt_assessable_or_excluded_and_says_why(spec: dict[str, Any], cls: str, elig: str, incidental: str, treatment: str,
                        why: str) -> None:
    c = make_ctx("2024/25")
    ln = make_line(c, "l", 7, **spec)
    f = line_treatment(c, ln, fixed(c, cls), fixed(c, elig), fixed(c, incidental))
    assert text(c, f) == (treatment, why)
    n = node(c, f)
    assert (n.label, n.unit) == ("ufe.line.treatment", "text")
    assert ln.figure.id in n.inputs
    assert n.assumptions == (("A-CONC-DIVIDENDS",) if spec.get("income_type") == "dividend" else ())


def test_the_ufe_sums_add_the_lines_of_each_treatment() -> None:
    c = make_ctx("2024/25")
    lines = [make_line(c, "a", 10), make_line(c, "b", -4), make_line(c, "c", 3), make_line(c, "d", -2),
             make_line(c, "e", -1, kind="outgoing", receipts=100), make_line(c, "f", "0.5", receipts=0)]
    treats = [fixed(c, t) for t in ("exempt", "exempt", "assessable", "excluded", "assessable", "exempt")]
    classes = [fixed(c, x) for x in ("qualifying", "qualifying", "non_qualifying", "excluded", "non_qualifying",
                                     "qualifying")]
    ex = exempt_profits(c, lines, treats)
    assert text(c, ex) == (D("6.5"), "sum of the exempt lines")
    assert node(c, ex).inputs[-3:] == (lines[0].figure.id, lines[1].figure.id, lines[5].figure.id)
    assert lines[2].figure.id not in node(c, ex).inputs
    assert node(c, ex).label == "ufe.exempt_profits" and node(c, ex).unit == "HKD"
    lo = losses_no_carry_forward(c, lines, treats)
    assert text(c, lo) == (D(4), "losses on exempt lines: never set off against assessable profits, never "
                           "carried forward")
    assert node(c, lo).inputs[-1] == lines[1].figure.id and lines[0].figure.id not in node(c, lo).inputs and node(c, lo).label == "ufe.losses.no_carry_forward"
    q = profits_by_class(c, lines, classes, "qualifying")
    assert text(c, q) == (D("6.5"), "sum of the qualifying lines") and node(c, q).label == "ufe.profits.qualifying"
    nq = profits_by_class(c, lines, classes, "non_qualifying")
    assert text(c, nq) == (D(2), "sum of the non-qualifying lines")
    assert node(c, nq).inputs[-2:] == (lines[2].figure.id, lines[4].figure.id)
    assert lines[0].figure.id not in node(c, nq).inputs
    o = outgoings_share(c, lines, treats)
    n = node(c, o)
    # receipts: a 10, b 4, c 3 (d excluded, e an outgoing): 3 of 17 chargeable
    with exact_context():
        third = D(3) / D(17)
    assert text(c, o) == (third, "HK$3 ÷ HK$17")
    assert facts(n) == {"chargeable_trading_receipts": D(3), "all_trading_receipts": D(17)}
    assert (n.label, n.unit, n.assumptions, n.status) == ("ufe.outgoings.assessable_share", "ratio",
                                                          ("A-UFE-COMMON-OUTGOINGS",), "assumption")
    o2 = outgoings_share(c, lines[4:5], treats[4:5], key="none")
    assert text(c, o2) == (D(1), "no receipts: all chargeable")


# -- anti-round-tripping ---------------------------------------------------------------------------


def test_an_indirect_interest_multiplies_along_the_chain_and_says_so() -> None:
    c = make_ctx("2024/25")
    f = indirect_interest(c, [D(90), D(70), D(50)])
    assert text(c, f) == (D("31.5"), "90% × 70% × 50% = 31.5%")
    n = node(c, f)
    assert facts(n) == {"chain_percents": ["90", "70", "50"]}
    assert (n.label, n.unit) == ("ufe.art.indirect_interest", "percent")
    assert text(c, indirect_interest(c, [D(100), D(50)], key="b"))[1] == "100% × 50% = 50%"


@pytest.mark.parametrize("kw,outcome,why,missing", [
    ({"bona_fide_widely_held_accepted": True, "holders_count": 1}, "met",
     "the Commissioner is satisfied it is bona fide widely held", ()),
    ({"bona_fide_widely_held_accepted": False, "holders_count": 100}, "failed",
     "the Commissioner is not satisfied it is bona fide widely held", ()),
    ({"holders_count": 49}, "failed", "the para 171 benchmarks are not met and no acceptance is recorded", ()),
    ({"holders_count": 100, "largest_21_hold_75_percent_or_less": False}, "failed",
     "the para 171 benchmarks are not met and no acceptance is recorded", ()),
    ({"largest_21_hold_75_percent_or_less": False}, "failed",
     "the para 171 benchmarks are not met and no acceptance is recorded", ()),
    ({"holders_count": 50}, "unknown",
     "supply holders_count and largest_21_hold_75_percent_or_less, or bona_fide_widely_held_accepted; deeming is "
     "computed as if not widely held", ("bona_fide_widely_held_accepted", "largest_21_hold_75_percent_or_less")),
    ({"largest_21_hold_75_percent_or_less": True}, "unknown",
     "supply holders_count and largest_21_hold_75_percent_or_less, or bona_fide_widely_held_accepted; deeming is "
     "computed as if not widely held", ("bona_fide_widely_held_accepted", "holders_count")),
    ({"holders_count": 50, "largest_21_hold_75_percent_or_less": True}, "met",
     "50 holders (at least 50) and no 20 holders reach 75%", ()),
])
def test_widely_held_outcomes_and_the_facts_still_missing(kw: dict[str, Any], outcome: str, why: str, missing: tuple[str, ...]) -> None:
    c = make_ctx("2024/25")
    f = widely_held(c, fund(**kw))
    assert text(c, f) == (outcome, why)
    n = node(c, f)
    assert (n.label, n.unit) == ("ufe.art.widely_held", "text")
    assert n.assumptions == (("A-UFE-WIDELY-HELD-BENCHMARK",) if outcome == "met" and "holders" in why else ())
    assert condition(c, f).missing == missing


def period(a: str, b: str, pct: str, route: str | None = None) -> InterestPeriod:
    return InterestPeriod(start=date.fromisoformat(a), end=date.fromisoformat(b), percent=D(pct), route=route)


def test_interest_days_counts_own_interest_on_days_the_threshold_is_met() -> None:
    c = make_ctx("2024/25")
    inv = ResidentInvestor(name="R", interests=(period("2024-04-01", "2024-04-10", "20"),
                                                 period("2024-04-06", "2024-04-30", "5", "via H")),
                           associates_interests=(period("2024-04-05", "2024-04-20", "10"),))
    f = interest_days(c, inv, (date(2024, 4, 1), date(2024, 4, 30)))
    n = node(c, f)
    # 1-4: 20% alone (below 30); 5: 20+10 = 30 -> 20; 6-10: 25+10 -> 25; 11-20: 5+10 below; 21-30: 5 below
    assert text(c, f) == (D(20) + D(125), "2024-04-05..2024-04-05: 1 days × 20%; 2024-04-06..2024-04-10: 5 days × 25%")
    fs = facts(n)
    assert fs["target"] == "fund" and fs["fund_is_associate"] is False and fs["days_threshold_met"] == 6
    assert fs["interests"] == ["2024-04-01..2024-04-10 20%", "2024-04-06..2024-04-30 5% (via H)"]
    assert fs["associates_interests"] == ["2024-04-05..2024-04-20 10%"]
    assert "fund_interest_in_spe_percent" not in fs
    assert (n.label, n.unit, n.assumptions) == ("ufe.art.interest_days", "percent-days", ())
    assert [p.path for p in n.params] == ["ufe.art.threshold"]


def test_interest_days_through_an_spe_and_for_an_associate_fund() -> None:
    c = make_ctx("2024/25")
    inv = ResidentInvestor(name="R", interests=(period("2024-04-01", "2024-04-10", "40"),), fund_is_associate=True)
    f = interest_days(c, inv, (date(2024, 4, 3), date(2024, 4, 12)), D(50), "SPE S")
    n = node(c, f)
    assert text(c, f) == (D(20 * 8), "2024-04-03..2024-04-10: 8 days × 20%")
    assert facts(n)["fund_interest_in_spe_percent"] == D(50) and facts(n)["target"] == "SPE S"
    assert n.assumptions == ("A-UFE-ART-ASSOCIATE-FUND",)
    c2 = make_ctx("2024/25", settings={"art_associate_fund_share": "all"})
    f2 = interest_days(c2, inv, (date(2024, 4, 3), date(2024, 4, 12)), D(50))
    assert text(c2, f2) == (D(50 * 8), "2024-04-03..2024-04-10: 8 days × 50%")
    c2b = make_ctx("2024/25", settings={"art_associate_fund_share": "interest"})
    assert interest_days(c2b, inv, (date(2024, 4, 3), date(2024, 4, 12)), D(50)).value == D(20 * 8)
    c3 = make_ctx("2024/25")
    low = ResidentInvestor(name="L", interests=(period("2024-04-01", "2024-04-10", "29.99"),))
    f3 = interest_days(c3, low, (date(2024, 4, 1), date(2024, 4, 30)))
    assert text(c3, f3) == (D(0), "the threshold is not met on any day")
    assert facts(node(c3, f3))["days_threshold_met"] == 0
    at = ResidentInvestor(name="A", interests=(period("2024-04-01", "2024-04-10", "30"),))
    assert interest_days(c3, at, (date(2024, 4, 1), date(2024, 4, 30)), key="at").value == D(300)


def test_deemed_profits_are_the_exempt_profits_share_by_percent_days() -> None:
    c = make_ctx("2024/25")
    p = (date(2024, 4, 1), date(2024, 4, 10))
    inv = ResidentInvestor(name="R", interests=(period("2024-04-01", "2024-04-10", "40"),))
    ex, w, no = fixed(c, D(1000)), fixed(c, D(200)), fixed(c, "failed")
    f = deemed_profits(c, inv, ex, w, p, no)
    n = node(c, f)
    assert text(c, f) == (D(200), "HK$1,000 × 200 percent-days ÷ (100 × 10 days)")
    assert facts(n) == {"is_hk_resident": True, "interposed_resident_already_deemed": False,
                        "days_in_accounting_period": 10}
    assert (n.label, n.unit, n.assumptions) == ("ufe.art.deemed_profits", "HKD", ("A-UFE-ART-PERIOD",))
    cases = [
        (inv.model_copy(update={"is_hk_resident": False}), ex, no,
         "not resident in Hong Kong: not charged (its interest still counts for its associates)"),
        (inv.model_copy(update={"interposed_resident_already_deemed": True}), ex, no,
         "discharged: an interposed resident person is charged on the same profits"),
        (inv, ex, fixed(c, "met"), "the fund is bona fide widely held: no deeming"),
        (inv, fixed(c, D(0)), no, "no exempt profits: no deemed profits and never a deemed loss"),
        (inv, fixed(c, D(-5)), no, "no exempt profits: no deemed profits and never a deemed loss"),
    ]
    for i, (who, e, held, why) in enumerate(cases):
        assert text(c, deemed_profits(c, who, e, w, p, held, key=i)) == (D(0), why)
    assert deemed_profits(c, inv, ex, w, p, fixed(c, "unknown"), key="u").value == D(200)
    assert deemed_profits(c, inv, fixed(c, D(1)), w, p, no, key="one").value == D("0.2")


def test_spe_deemed_profits_and_total() -> None:
    c = make_ctx("2024/25")
    p = (date(2024, 4, 1), date(2024, 4, 5))
    inv = ResidentInvestor(name="R", interests=(period("2024-04-01", "2024-04-10", "40"),))
    w, no = fixed(c, D(100)), fixed(c, "failed")
    f = spe_deemed_profits(c, inv, SpeFacts(name="S", fund_interest_percent=D(50), exempt_profits_hkd=D(500)),
                           w, p, no)
    n = node(c, f)
    assert text(c, f) == (D(100), "HK$500 × 100 percent-days ÷ (100 × 5 days)")
    assert facts(n) == {"spe": "S", "spe_exempt_profits_hkd": D(500), "days_in_spe_accounting_period": 5}
    assert (n.label, n.unit) == ("ufe.art.spe_deemed_profits", "HKD")
    none = SpeFacts(name="S", fund_interest_percent=D(50))
    assert text(c, spe_deemed_profits(c, inv, none, w, p, no, key=1)) == (
        D(0), "the exempt profits of S are not supplied: nothing deemed from it")
    some = SpeFacts(name="S", fund_interest_percent=D(50), exempt_profits_hkd=D(500))
    for i, (who, held) in enumerate([(inv.model_copy(update={"is_hk_resident": False}), no),
                                     (inv.model_copy(update={"interposed_resident_already_deemed": True}), no),
                                     (inv, fixed(c, "met"))]):
        assert text(c, spe_deemed_profits(c, who, some, w, p, held, key=f"n{i}")) == (
            D(0), "not charged (non-resident, discharged, or widely held)")
    loss = SpeFacts(name="S", fund_interest_percent=D(50), exempt_profits_hkd=D(0))
    assert text(c, spe_deemed_profits(c, inv, loss, w, p, no, key=2)) == (
        D(0), "no exempt SPE profits: never a deemed loss")
    t = deemed_total(c, [fixed(c, D("1.5")), fixed(c, D(1000))])
    assert text(c, t) == (D("1001.5"), "HK$1.50 + HK$1,000.00")
    assert (node(c, t).label, node(c, t).unit) == ("ufe.art.deemed_total", "HKD")


def test_deemed_profits_per_investor_with_spes_and_duplicate_names() -> None:
    c = make_ctx("2024/25")
    inv = ResidentInvestor(name="R", interests=(period("2024-04-01", "2025-03-31", "33"),))
    spe = SpeFacts(name="S", fund_interest_percent=D(100), exempt_profits_hkd=D(365),
                   accounting_period_start=date(2024, 4, 1), accounting_period_end=date(2024, 4, 10))
    f = fund(resident_investors=(inv, inv.model_copy(update={"name": "Q"}), inv), spes=(spe,), holders_count=3)
    art = ufe_deemed_profits(c, f, fixed(c, D(730)), FY)
    assert list(art.by_investor) == ["R#1", "Q", "R#3"]
    # three at 33% (99% in all: more is refused, ownership_sum): fund: 730 × 33% = 240.9;
    # SPE: 365 × (33% × 10 days) / (100 × 10) = 120.45
    assert [d.value for d in art.deemed] == [D("361.35")] * 3
    assert [x.outcome for x in art.conditions] == ["failed"] and art.notes == ()
    ids = set(c.tracer.nodes)
    assert "baseline/2024/25/ufe.art.spe_deemed_profits[Q/S]" in ids
    c2 = make_ctx("2024/25")
    unknown = ufe_deemed_profits(c2, fund(resident_investors=(inv,)), fixed(c2, D(1)), FY)
    assert unknown.notes == ("anti-round-tripping: whether the fund is bona fide widely held is unknown; deemed "
                             "profits are computed as if it is not (supply bona_fide_widely_held_accepted, "
                             "holders_count, largest_21_hold_75_percent_or_less)",)
    assert ufe_deemed_profits(c2, fund(), fixed(c2, D(1)), FY).deemed == ()


# -- the regime assembly ---------------------------------------------------------------------------


ALL_MET = {**ALL, "business_undertaking_general_commercial": False, "uses_specified_person": True}


def test_regime_before_commencement() -> None:
    c = make_ctx("2018/19")
    lines = [make_line(c, "a", 1), make_line(c, "b", 1, character="capital"), make_line(c, "c", 1, offshore=True)]
    r = ufe_regime(c, fund(**ALL_MET), lines, extension=False, basis_period=(date(2018, 4, 1), date(2019, 3, 31)))
    assert r.eligible == "no" and r.notes == ("the UFE applies from 2019/20",)
    assert r.treatments == {"a": "assessable", "b": "excluded", "c": "excluded"}
    assert [x.id for x in r.conditions] == ["ufe.commencement"]
    assert {k: v.value for k, v in r.reasons.items()} == {"a": "failed", "b": "failed", "c": "failed"}


def test_regime_rejects_duplicate_keys() -> None:
    c = make_ctx("2024/25")
    with pytest.raises(ValueError, match="^profit lines must have distinct keys$"):
        ufe_regime(c, fund(**ALL_MET), [make_line(c, "a", 1), replace(make_line(c, "b", 2), key="a")], extension=False, basis_period=FY)


def test_regime_assembly_baseline() -> None:
    c = make_ctx("2024/25")
    inv = ResidentInvestor(name="R", interests=(period("2024-04-01", "2025-03-31", "40"),))
    lines = [make_line(c, "q", 100, sch16c_class="securities"), make_line(c, "n", 30, virtual_asset=True),
             make_line(c, "x", -10, sch16c_class="securities")]
    r = ufe_regime(c, PrivateFund(name="F", is_ofc=True, fund={**ALL_MET, "resident_investors": (inv,),
                                                                "bona_fide_widely_held_accepted": False}),
                   lines, extension=False, basis_period=FY)
    assert r.eligible == "yes" and r.regime == "ufe"
    with exact_context():
        share = D(30) / D(140)
    assert [x.id for x in r.conditions] == [
        "ufe.fund.definition", "ufe.fund.exclusions", "ufe.fund.business_undertaking", "ufe.gateway.specified_person",
        "ufe.qif.investors", "ufe.qif.commitments", "ufe.qif.originator_share",
        "ufe.gateway.qualified_investment_fund", "ufe.gateway", "ufe.incidental.five_percent", "ufe.art.widely_held"]
    assert r.treatments == {"q": "exempt", "n": "assessable", "x": "exempt"}
    assert r.exempt_total is not None and r.exempt_total.value == D(90)
    assert {k: v.value for k, v in r.extra.items()} == {
        "eligibility": "yes", "incidental_ratio": D(0), "incidental_test": "met", "losses_not_available": D(10),
        "profits.qualifying": D(90), "profits.incidental": D(0), "profits.non_qualifying": D(30),
        "profits.excluded": D(0), "outgoings_assessable_share": share, "deemed[R]": D(36)}
    assert [d.value for d in r.deemed] == [D(36)]
    assert r.notes == ("OFC: profits from non-Sch. 16C transactions (s.20AN(2)(c), s.20AS) and the s.20AV loss rule "
                       "are not modelled; such lines are left chargeable",)


def test_regime_assembly_extension_and_unknown_eligibility() -> None:
    c, _ = ext_ctx()
    lines = [make_line(c, "va", 100, virtual_asset=True)]
    single = {**ALL_MET, "fund_type": "single_investor", "uses_specified_person": False,
              "resident_investors": (ResidentInvestor(name="R", interests=(period("2025-04-01", "2026-03-31", "40"),)),)}
    r = ufe_regime(c, fund(**single), lines, extension=True, basis_period=(date(2025, 4, 1), date(2026, 3, 31)))
    assert r.eligible == "unknown"
    assert [x.id for x in r.conditions][:2] == ["ufe.fund.definition", "ext.ufe.fund.excepted"]
    assert "ufe.incidental.five_percent" not in [x.id for x in r.conditions]
    assert r.treatments == {"va": "assessable"} and r.deemed == ()
    assert r.extra["extension"].value is True and r.extra["incidental_test"].value == "not_applicable"
    assert r.extra["extension"].id in c.tracer.nodes[r.extra["incidental_test"].id].inputs
    abolished = c.tracer.nodes[r.extra["incidental_test"].id]
    assert (abolished.id, abolished.label, abolished.unit, abolished.explanation) == (
        "va_extension/2025/26/ext.incidental.abolished.ufe", "ext.incidental.abolished.ufe", "text",
        "ufe: no 5% limit on incidental transactions under the extension (its 'specified conditions' taken as met)")
    assert "outgoings_assessable_share" not in r.extra
    assert r.notes == ("SPE and anti-round-tripping rules under the extension: relaxation announced but not yet "
                       "published: today's rules applied (A-EXT-ART-TODAY)",
                       "eligibility unknown: every line is treated as chargeable until these facts are supplied: "
                       "extension_substantial_activities_met, extension_tax_reporting_complied, "
                       "investor_commitments_percent, investor_count, managed_assets_hkd, "
                       "originator_net_proceeds_percent",)
    c2, _ = ext_ctx()
    rich = {**single, "managed_assets_hkd": D(240_000_000), "extension_substantial_activities_met": True,
            "extension_tax_reporting_complied": True}
    r2 = ufe_regime(c2, fund(**rich), [make_line(c2, "va", 100, virtual_asset=True)], extension=True,
                    basis_period=(date(2025, 4, 1), date(2026, 3, 31)))
    assert r2.eligible == "yes" and r2.treatments == {"va": "exempt"}
    gate = next(x for x in r2.conditions if x.id == "ufe.gateway")
    assert c2.tracer.nodes[gate.figure.id].explanation == ("an excepted fund needs no specified person (proposed "
                                                           "extension)")
    assert [d.value for d in r2.deemed] == [D(40)]
    assert r2.notes == ("SPE and anti-round-tripping rules under the extension: relaxation announced but not yet "
                        "published: today's rules applied (A-EXT-ART-TODAY)",
                        "anti-round-tripping: whether the fund is bona fide widely held is unknown; deemed profits "
                        "are computed as if it is not (supply bona_fide_widely_held_accepted, holders_count, "
                        "largest_21_hold_75_percent_or_less)",)
    c3 = make_ctx("2025/26", scenario="va_extension", settings={"extension_first_year": "2026/27"})
    r3 = ufe_regime(c3, fund(**ALL_MET), [make_line(c3, "va", 1, virtual_asset=True)], extension=True,
                    basis_period=(date(2025, 4, 1), date(2026, 3, 31)))
    assert r3.extra["extension"].value is False and r3.treatments == {"va": "assessable"}
    assert "ext.ufe.fund.excepted" not in [x.id for x in r3.conditions]
    assert "ufe.incidental.five_percent" in [x.id for x in r3.conditions]


def test_a_stated_input_is_a_node_of_its_own() -> None:
    from hkvatax.rules.profits_tax import stated

    c = make_ctx("2024/25")
    f = stated(c, "eligible", "yes", "text")
    n = node(c, f)
    assert (f.value, n.explanation, n.label, n.unit) == ("yes", "eligible stated by the caller: yes.",
                                                         "stated_eligible", "text")
    assert facts(n) == {"eligible": "yes"}
    g = stated(c, "profit", D(5))
    assert (node(c, g).unit, node(c, g).explanation) == ("HKD", "profit stated by the caller: 5.")


def test_line_sums_refuse_mismatched_lists() -> None:
    from hkvatax.rules.fihv import concessionary_profits
    from hkvatax.rules.profits_tax import net_profit

    c = make_ctx("2024/25")
    lines = [make_line(c, "a", 1), make_line(c, "b", 2)]
    one = [fixed(c, "exempt")]
    for i, call in enumerate([
            lambda k: exempt_profits(c, lines, one, key=k), lambda k: losses_no_carry_forward(c, lines, one, key=k),
            lambda k: profits_by_class(c, lines, one, "qualifying", key=k),
            lambda k: outgoings_share(c, lines, one, key=k), lambda k: concessionary_profits(c, lines, one, key=k)]):
        with pytest.raises(ValueError, match="zip"):
            call(f"k{i}")
    empty = net_profit(c, [])
    assert isinstance(empty.value, D) and str(empty.value) == "0"


# -------------------- UFE anti-round-tripping rule bodies that the scenario tests reach only indirectly: exact
# values and explanations.
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
def test_deemed_profits_through_an_spe_follow_its_exempt_profits_and_are_never_a_loss(profits, investor, widely, expected, why):
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
def test_widely_held_is_the_acceptance_else_the_para_171_benchmarks_with_their_facts(facts, expected, why, assumed):
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
def test_deemed_profits_are_nil_for_a_non_resident_a_discharged_investor_or_a_widely_held_fund(investor, widely, exempt, expected, why):
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


def test_the_deemed_total_adds_the_parts_and_is_nil_without_any():
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
