"""UFE conditions at their boundaries, missing facts, and the extension switch."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from conc_helpers import m, make_ctx, make_line

from hkvatax.models import InterestPeriod, PrivateFund, ResidentInvestor
from hkvatax.rules.lines import RegimeResult
from hkvatax.rules.registry import RuleContext
from hkvatax.rules.ufe import ufe_regime

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
