"""FIHV (IRO Part 6E, Sch. 16E) conditions at their boundaries, treatments and the extension."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from conc_helpers import m, make_ctx, make_line

from hkvatax.models import FamilyOffice
from hkvatax.rules.fihv import fihv_regime
from hkvatax.rules.lines import RegimeResult

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
