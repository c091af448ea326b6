"""Carried interest in force vs the Bill (decision 0075), and the ownership chain discharging interposed residents
(ss.20AW-20AY; DIPN 61 Appendix 5 Example 5.7; decision 0076)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from hkvatax import assess
from hkvatax.models import PrivateFund, Scenario
from hkvatax.models.taxpayers import FundFacts

YEAR = "2025/26"
IN_FORCE_OK = {"fund_is_fund_s20am": True, "fund_certified_by_hkma": True, "subject_to_hurdle_rate": True,
               "from_private_equity_transactions": True, "recipient_qualifying_person": True,
               "substantial_activities_met": True}


def manager(**ci: Any) -> Scenario:
    return Scenario.model_validate({"taxpayer": {
        "kind": "corporation", "name": "GP Ltd", "carried_interest": [
            {"amount_hkd": "5000000", "year": YEAR, "fund_name": "VA Fund LP", **ci}]}})


def tax(sc: Scenario, regime: str) -> tuple[Decimal, str]:
    r = assess(sc, YEAR, regime=regime)[YEAR].result
    assert r is not None and r.concession is not None
    return r.tax_payable, r.concession.eligible


def test_eligible_carried_interest_is_taxed_at_zero_in_both_runs() -> None:
    sc = manager(**IN_FORCE_OK)
    assert tax(sc, "baseline") == (Decimal(0), "yes")
    assert tax(sc, "va_extension") == (Decimal(0), "yes")


@pytest.mark.parametrize("dropped", ["fund_certified_by_hkma", "subject_to_hurdle_rate"])
def test_the_bill_drops_certification_and_the_hurdle_rate(dropped: str) -> None:
    sc = manager(**{**IN_FORCE_OK, dropped: False})
    base_tax, base_elig = tax(sc, "baseline")
    assert base_elig == "no" and base_tax > 0
    assert tax(sc, "va_extension") == (Decimal(0), "yes")


def test_carry_from_a_va_fund_is_covered_only_by_the_bill() -> None:
    sc = manager(**{**IN_FORCE_OK, "fund_certified_by_hkma": None, "subject_to_hurdle_rate": None,
                    "from_private_equity_transactions": False, "from_qualifying_transactions": True})
    assert tax(sc, "baseline")[1] == "no"
    assert tax(sc, "va_extension") == (Decimal(0), "yes")


def test_missing_facts_leave_carried_interest_chargeable_and_say_what_to_supply() -> None:
    sc = manager(fund_is_fund_s20am=True)
    r = assess(sc, YEAR)[YEAR].result
    assert r is not None and r.concession is not None and r.concession.eligible == "unknown"
    assert r.tax_payable > 0
    assert any("recipient_qualifying_person" in n for n in r.notes)


def test_the_recipients_conditions_stay_under_the_bill() -> None:
    sc = manager(**{**IN_FORCE_OK, "substantial_activities_met": False})
    assert tax(sc, "va_extension")[1] == "no"


# -- the ownership chain (Example 5.7) ---------------------------------------------------------------

def _chain_fund(**override: Any) -> PrivateFund:
    period = {"start": "2019-04-01", "end": "2020-03-31"}
    investors = [
        {"name": "Company-HK6", "person_type": "corporation", "held_through": "Company-HK7",
         "interests": [{**period, "percent": "31.5"}]},
        {"name": "Company-HK7", "person_type": "corporation", "held_through": "Company-HK8",
         "interests": [{**period, "percent": "35"}]},
        {"name": "Company-HK8", "person_type": "corporation", "interests": [{**period, "percent": "50"}]},
    ]
    for inv in investors:
        inv.update(override.get(inv["name"], {}))
    return PrivateFund(name="Investment Fund-F5", fund={
        "managed_as_whole_or_pooled": True, "participants_no_day_to_day_control": True,
        "shares_profits_from_property": True, "business_undertaking_general_commercial": False,
        "uses_specified_person": True, "bona_fide_widely_held_accepted": False, "resident_investors": investors,
        "spes": [{"name": "Company-SPE", "fund_interest_percent": "100", "exempt_profits_hkd": "6000000"}]})


def _deemed(fund: PrivateFund) -> dict[str, Decimal]:
    from datetime import date

    from tests.rules.concessions.conc_helpers import make_ctx, make_line

    from hkvatax.rules.ufe import ufe_regime

    ctx = make_ctx("2019/20")
    lines = [make_line(ctx, "q", 10_000_000, sch16c_class="securities")]
    r = ufe_regime(ctx, fund, lines, extension=False, basis_period=(date(2019, 4, 1), date(2020, 3, 31)))
    return {k[len("deemed["):-1]: v.value for k, v in r.extra.items() if k.startswith("deemed[")}


def test_example_5_7_the_chain_discharges_the_interposed_holders() -> None:
    got = _deemed(_chain_fund())
    assert got["Company-HK8"] == Decimal(8_000_000)  # 50% × (10m + 6m)
    assert got["Company-HK6"] == 0 and got["Company-HK7"] == 0


def test_a_non_resident_link_does_not_discharge() -> None:
    got = _deemed(_chain_fund(**{"Company-HK8": {"is_hk_resident": False}}))
    assert got["Company-HK8"] == 0
    assert got["Company-HK7"] == Decimal(16_000_000) * Decimal("0.35")
    assert got["Company-HK6"] == 0  # HK7, down its chain, is charged


def test_the_manual_flag_still_overrides() -> None:
    got = _deemed(_chain_fund(**{"Company-HK8": {"interposed_resident_already_deemed": True},
                                 "Company-HK7": {"held_through": None}}))
    assert got["Company-HK8"] == 0 and got["Company-HK7"] == Decimal(16_000_000) * Decimal("0.35")


def test_chains_must_name_listed_investors_and_not_loop() -> None:
    one = {"name": "A", "interests": [{"start": "2020-01-01", "end": "2020-12-31", "percent": "40"}]}
    with pytest.raises(ValidationError, match="not in resident_investors"):
        FundFacts(resident_investors=[{**one, "held_through": "Z"}])
    with pytest.raises(ValidationError, match="loops"):
        FundFacts(resident_investors=[{**one, "held_through": "B"}, {**one, "name": "B", "held_through": "A"}])
