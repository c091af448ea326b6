"""The 2026 Bill as the sources report it (decisions 0050, 0072, 0073): new classes, the digital-asset setting,
the enactment switch, the funds' new obligations, the 5% test's unknown conditions, HK$240m and the SPE/ART
placeholder."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from hkvatax import assess
from hkvatax.models import Scenario
from hkvatax.periods import YearOfAssessment
from hkvatax.rules.params import ParamValue, default_params

YEAR = "2025/26"
FUND = {"managed_as_whole_or_pooled": True, "participants_no_day_to_day_control": True,
        "shares_profits_from_property": True, "business_undertaking_general_commercial": False,
        "uses_specified_person": True}
OBLIGATIONS = {"extension_substantial_activities_met": True, "extension_tax_reporting_complied": True}
ASSETS = [{"symbol": "BTC", "category": "payment"}, {"symbol": "USDX", "category": "stablecoin"},
          {"symbol": "APE", "category": "nft"}, {"symbol": "GOLD", "is_virtual_asset": False,
                                                 "extension_class": "precious_metals"},
          {"symbol": "HSBC", "is_virtual_asset": False, "sch16c_class": "securities"}]


def line(key: str, asset: str, profit: int, receipts: int | None = None, **kw: Any) -> dict[str, Any]:
    return {"key": key, "year": YEAR, "asset": asset, "profit_hkd": str(profit),
            "receipts_hkd": str(receipts if receipts is not None else abs(profit)), **kw}


def fund(lines: list[dict[str, Any]], **facts: Any) -> Scenario:
    return Scenario.model_validate({"taxpayer": {"kind": "private_fund", "name": "F", "fund": {**FUND, **facts},
                                                 "stated_lines": lines}, "assets": ASSETS})


def run(sc: Scenario, regime: str = "va_extension", **kw: Any):  # type: ignore[no-untyped-def]
    a = assess(sc, YEAR, regime=regime, **kw)
    r = a[YEAR].result
    assert r is not None
    return a, r


@pytest.mark.parametrize("asset", ["BTC", "GOLD"])
def test_a_new_class_qualifies_only_under_the_extension(asset: str) -> None:
    sc = fund([line("x", asset, 1_000_000)], **OBLIGATIONS)
    _, base = run(sc, "baseline")
    _, ext = run(sc)
    assert base.concession is not None and base.concession.treatments["stated:x"] == "assessable"
    assert ext.concession is not None and ext.concession.treatments["stated:x"] == "exempt"


@pytest.mark.parametrize(("asset", "setting", "treatment"), [
    ("USDX", None, "exempt"), ("USDX", "exclude", "assessable"), ("APE", None, "exempt"), ("APE", "exclude", "assessable"),
    ("BTC", "exclude", "exempt")])
def test_stablecoins_and_nfts_follow_the_digital_asset_setting(asset: str, setting: str | None, treatment: str) -> None:
    key = "digital_asset_stablecoins" if asset == "USDX" else "digital_asset_nfts"
    a, r = run(fund([line("x", asset, 1_000_000)], **OBLIGATIONS),
               law_settings={key: setting} if setting else None)
    assert r.concession is not None and r.concession.treatments["stated:x"] == treatment
    if asset != "BTC":
        assert ("A-EXT-DA-STABLECOINS" if asset == "USDX" else "A-EXT-DA-NFTS") in a.trace.assumptions


@pytest.mark.parametrize(("facts", "eligible", "missing"), [
    ({}, "unknown", {"extension_substantial_activities_met", "extension_tax_reporting_complied"}),
    ({"extension_substantial_activities_met": True}, "unknown", {"extension_tax_reporting_complied"}),
    ({"extension_substantial_activities_met": False, "extension_tax_reporting_complied": True}, "no", set()),
    (OBLIGATIONS, "yes", set()),
])
def test_the_funds_new_obligations_are_facts_and_missing_is_unknown(facts: dict[str, Any], eligible: str,
                                                                    missing: set[str]) -> None:
    _, r = run(fund([line("x", "BTC", 1_000_000)], **facts))
    assert r.concession is not None and r.concession.eligible == eligible
    got = {m for c in r.concession.conditions for m in c.missing}
    assert missing <= got
    if missing:
        assert any("extension_substantial_activities_met" in n or "extension_tax_reporting_complied" in n
                   for n in r.notes)
    _, base = run(fund([line("x", "BTC", 1_000_000)], **facts), "baseline")
    assert base.concession is not None and base.concession.eligible == "yes"  # not a condition of the law in force


def test_incidental_profits_follow_the_specified_conditions_setting() -> None:
    sc = fund([line("sec", "HSBC", 1_000_000, 10_000_000),
               line("int", "HSBC", 2_000_000, 6_000_000, kind="income", income_type="interest")], **OBLIGATIONS)
    _, base = run(sc, "baseline")  # 6m / 16m > 5%: incidental chargeable today
    assert base.concession is not None and base.concession.treatments["stated:int"] == "assessable"
    a, ext = run(sc)
    assert ext.concession is not None and ext.concession.treatments["stated:int"] == "exempt"
    assert "A-EXT-INCIDENTAL-CONDITIONS" in a.trace.assumptions
    _, unknown = run(sc, law_settings={"extension_incidental_conditions": "unknown"})
    assert unknown.concession is not None and unknown.concession.treatments["stated:int"] == "assessable"


def _office(**fihv: Any) -> Scenario:
    base = {"family_ownership_percent": 100, "normally_managed_or_controlled_in_hk": True,
            "business_undertaking_general_commercial": False, "qualified_full_time_employees_in_hk": 2,
            "operating_expenditure_in_hk_hkd": "2000000", "transactions_arranged_by_esfo_in_hk": True,
            "election_made": True, "esfo": {"is_private_company": True, "normally_managed_or_controlled_in_hk": True,
                                            "family_ownership_percent": 100, "services_to_family_percent": 100}}
    return Scenario.model_validate({"taxpayer": {"kind": "family_office", "name": "O", "fihv": {**base, **fihv},
                                                 "stated_lines": [line("x", "BTC", 1_000_000)]}, "assets": ASSETS})


@pytest.mark.parametrize(("spec", "va", "other", "count", "outcome"), [
    ("100000000", "140000000", "0", None, "met"), ("100000000", "139999999", "0", None, "failed"),
    ("100000000", "100000000", "40000000", None, "met"), ("100000000", "140000000", "0", False, "failed"),
    ("240000000", "0", "0", False, "met")])
def test_new_classes_towards_240m_are_a_switchable_assumption(spec: str, va: str, other: str, count: bool | None,
                                                             outcome: str) -> None:
    sc = _office(specified_assets_value_hkd=spec, virtual_assets_value_hkd=va, other_extension_assets_value_hkd=other)
    a, r = run(sc, law_settings=None if count is None else {"extension_new_classes_count_towards_fihv_240m": count})
    assert r.concession is not None
    cond = next(c for c in r.concession.conditions if c.id == "ext.fihv.min_assets")
    assert cond.outcome == outcome
    assert "A-EXT-FIHV-VA-THRESHOLD" in a.trace.assumptions


def test_art_under_the_extension_says_todays_rules_are_applied() -> None:
    inv = {"name": "R", "interests": [{"start": "2025-04-01", "end": "2026-03-31", "percent": "40"}]}
    a, r = run(fund([line("x", "BTC", 1_000_000)], **OBLIGATIONS, resident_investors=[inv]))
    assert any("not yet published: today's rules applied" in n for n in r.notes)
    assert "A-EXT-ART-TODAY" in a.trace.assumptions
    assert r.deemed_profits["R"].value == Decimal(400_000)


def _enacted(first: str = "2025/26") -> Any:
    p = default_params()
    return p.with_override("extension.in_force", ParamValue(
        "extension.in_force", Decimal(1), YearOfAssessment.parse(first), None,
        "the Ordinance (test)", "enacted", None))


def test_one_switch_turns_the_extension_into_law_from_its_first_year() -> None:
    sc = fund([line("x", "BTC", 1_000_000)], **OBLIGATIONS)
    a, r = run(sc, "baseline", params=_enacted())
    assert r.concession is not None and r.concession.treatments["stated:x"] == "exempt"
    ext_nodes = [n for n in a.trace if n.rule_id.startswith("ext.")]
    assert ext_nodes and all(n.status == "enacted" for n in ext_nodes if n.rule_id == "ext.applies")
    assert "ext.applies" not in a.trace.proposed_rules
    assert "A-EXT-FIRST-YEAR" not in a.trace.assumptions
    _, later = run(sc, "baseline", params=_enacted("2026/27"))
    assert later.concession is not None and later.concession.treatments["stated:x"] == "assessable"
    _, proposed = run(sc, "baseline")
    assert proposed.concession is not None and proposed.concession.treatments["stated:x"] == "assessable"


def test_the_switch_is_data_proposed_today() -> None:
    entry = default_params().at("extension.in_force", YearOfAssessment.parse(YEAR))
    assert (entry.value, entry.status) == (Decimal(0), "proposed")
    assert "12 June 2026" in entry.citation and "2025/26" in entry.citation
    assert not default_params().has("extension.in_force", YearOfAssessment.parse("2024/25"))


def test_a_stated_incidental_disposal_with_receipts_and_profits_apart() -> None:
    sc = fund([line("sec", "HSBC", 10_000_000, 100_000_000),
               line("inc", "HSBC", 2_000_000, 6_000_000, incidental=True, attributable_expenses_hkd="500000")],
              **OBLIGATIONS)
    a, r = run(sc, "baseline")
    assert r.concession is not None
    ratio = r.concession.extra["incidental_ratio"].value
    assert ratio.quantize(Decimal("0.000001")) == Decimal("0.056604")  # 6m / 106m: above 5%
    assert r.concession.treatments["stated:inc"] == "assessable"
    assert r["revenue_disposal_profits"] == Decimal(1_500_000)  # profit 2m less attributable 0.5m
