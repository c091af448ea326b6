"""Properties of the concession regimes (hypothesis)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from conc_helpers import m, make_ctx, make_line
from hypothesis import given, settings
from hypothesis import strategies as st

from hkvatax.models import FamilyOffice, InterestPeriod, PrivateFund, ResidentInvestor
from hkvatax.money import exact_context
from hkvatax.rules.fihv import fihv_regime
from hkvatax.rules.lines import RegimeResult
from hkvatax.rules.ufe import ufe_regime

FY = (date(2025, 4, 1), date(2026, 3, 31))
D = 365
FUND_OK = {"managed_as_whole_or_pooled": True, "participants_no_day_to_day_control": True,
           "shares_profits_from_property": True, "business_undertaking_general_commercial": False,
           "uses_specified_person": True,
           "extension_substantial_activities_met": True, "extension_tax_reporting_complied": True}
OFFICE_OK: dict[str, Any] = {
    "family_ownership_percent": 100, "normally_managed_or_controlled_in_hk": True,
    "business_undertaking_general_commercial": False, "specified_assets_value_hkd": m(300),
    "qualified_full_time_employees_in_hk": 2, "operating_expenditure_in_hk_hkd": m(2),
    "transactions_arranged_by_esfo_in_hk": True, "election_made": True,
    "esfo": {"is_private_company": True, "normally_managed_or_controlled_in_hk": True,
             "family_ownership_percent": 100, "services_to_family_percent": 100},
}

money = st.decimals(min_value=-10**9, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)
receipts = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)


@st.composite
def line_specs(draw: st.DrawFn, profits_only: bool = False) -> list[dict[str, Any]]:
    n = draw(st.integers(min_value=1, max_value=7))
    out = []
    for i in range(n):
        kind = draw(st.sampled_from(["disposal", "income", "receipt", "outgoing"]))
        va = draw(st.booleans())
        spec: dict[str, Any] = {
            "key": f"l{i}", "kind": kind,
            "amount": abs(draw(money)) if profits_only else draw(money),
            "receipts": draw(receipts), "virtual_asset": va,
            "sch16c_class": None if va else draw(st.sampled_from([None, "securities", "futures_contracts"])),
            "asset": draw(st.sampled_from([None, "A"])) if kind in ("outgoing", "income") else "A",
            "character": draw(st.sampled_from(["revenue", "revenue", "capital"])),
            "offshore": draw(st.booleans()) and draw(st.booleans()),
        }
        if kind == "income":
            spec["income_type"] = draw(st.sampled_from(["interest", "dividend", "other"]))
        if kind == "receipt":
            spec["receipt_type"] = draw(st.sampled_from(["staking", "mining", "airdrop", "lending_interest"]))
        out.append(spec)
    return out


fund_types = st.sampled_from(["ordinary", "pension", "endowment", "sovereign_wealth", "single_investor"])


def ufe(specs: list[dict[str, Any]], facts: dict[str, Any], extension: bool) -> RegimeResult:
    ctx = make_ctx("2025/26", scenario="va_extension" if extension else "baseline")
    lines = [make_line(ctx, **s) for s in specs]
    return ufe_regime(ctx, PrivateFund(name="F", fund=facts), lines, extension=extension, basis_period=FY)


def fihv(specs: list[dict[str, Any]], facts: dict[str, Any], extension: bool) -> RegimeResult:
    ctx = make_ctx("2025/26", scenario="va_extension" if extension else "baseline")
    lines = [make_line(ctx, **s) for s in specs]
    return fihv_regime(ctx, FamilyOffice(name="O", fihv=facts), lines, extension=extension)


def total(specs: list[dict[str, Any]], r: RegimeResult, treatment: str | None = None) -> Decimal:
    with exact_context():
        return sum((Decimal(str(s["amount"])) for s in specs if treatment is None or r.treatments[s["key"]] == treatment),
                   Decimal(0))


@settings(max_examples=150, deadline=None)
@given(line_specs(), st.booleans(), st.booleans())
def test_classes_partition_total_profits(specs: list[dict[str, Any]], extension: bool, family: bool) -> None:
    r = fihv(specs, OFFICE_OK, extension) if family else ufe(specs, FUND_OK, extension)
    parts = [r.extra[f"profits.{c}"].value for c in ("qualifying", "incidental", "non_qualifying", "excluded")]
    with exact_context():
        assert sum(parts, Decimal(0)) == total(specs, r)
    if r.extra["profits.excluded"].value == 0:
        with exact_context():
            assert parts[0] + parts[1] + parts[2] == total(specs, r)
    assert set(r.treatments) == {s["key"] for s in specs}


@settings(max_examples=150, deadline=None)
@given(line_specs(profits_only=True), st.booleans())
def test_exempt_profits_never_exceed_total_profits(specs: list[dict[str, Any]], extension: bool) -> None:
    r = ufe(specs, FUND_OK, extension)
    assert r.exempt_total is not None
    assert r.exempt_total.value == total(specs, r, "exempt")
    assert r.exempt_total.value <= total(specs, r)
    q_and_i = r.extra["profits.qualifying"].value + r.extra["profits.incidental"].value
    assert r.exempt_total.value <= q_and_i


@settings(max_examples=150, deadline=None)
@given(line_specs(), fund_types, st.booleans(),
       st.one_of(st.none(), st.decimals(min_value=0, max_value=10**9, places=0)))
def test_extension_never_raises_a_funds_own_tax_unless_a_named_rule_says_why(
        specs: list[dict[str, Any]], fund_type: str, specified: bool, managed: Decimal | None) -> None:
    facts = dict(FUND_OK, fund_type=fund_type, uses_specified_person=specified, managed_assets_hkd=managed)
    base, ext = ufe(specs, facts, False), ufe(specs, facts, True)
    # no line moves from exempt back to assessable
    for s in specs:
        if base.treatments[s["key"]] == "exempt":
            assert ext.treatments[s["key"]] == "exempt"
    # assessable profits rise only by losses that become exempt: named rule ufe.losses.no_carry_forward (s.20AU)
    with exact_context():
        assert total(specs, ext, "assessable") <= total(specs, base, "assessable") + \
            ext.extra["losses_not_available"].value


@settings(max_examples=100, deadline=None)
@given(line_specs(), st.decimals(min_value=0, max_value=400, places=0), st.decimals(min_value=0, max_value=400,
                                                                                      places=0))
def test_extension_never_raises_an_fihv_normal_rate_profits_unless_explained(
        specs: list[dict[str, Any]], spec_assets: Decimal, va_assets: Decimal) -> None:
    facts = dict(OFFICE_OK, specified_assets_value_hkd=m(int(spec_assets)), virtual_assets_value_hkd=m(int(va_assets)))
    base, ext = fihv(specs, facts, False), fihv(specs, facts, True)
    for s in specs:
        if base.treatments[s["key"]] == "zero_rate":
            assert ext.treatments[s["key"]] == "zero_rate"
    with exact_context():  # named rule: fihv.losses.ring_fenced
        assert total(specs, ext, "assessable") <= total(specs, base, "assessable") + \
            ext.extra["losses_ring_fenced"].value


def deemed(percent: Decimal, days: int, profits: Decimal = Decimal(10_000_000)) -> Decimal:
    inv = ResidentInvestor(name="R", interests=(
        InterestPeriod(start=FY[0], end=FY[0] + timedelta(days=days - 1), percent=percent),))
    r = ufe([{"key": "q", "amount": profits, "sch16c_class": "securities"}], dict(FUND_OK, resident_investors=[inv]),
            False)
    return r.extra["deemed[R]"].value


@settings(max_examples=100, deadline=None)
@given(st.decimals(min_value=30, max_value=50, places=2), st.integers(min_value=1, max_value=D),
       st.integers(min_value=1, max_value=D))
def test_deemed_profits_scale_with_interest_and_days(pct: Decimal, days: int, more_days: int) -> None:
    got = deemed(pct, days)
    with exact_context():
        assert got == m(10) * pct * days / (100 * D)  # Sch. 15C: Σ B × C ÷ D
        # twice the interest, twice the deemed profits (to the 80-digit working precision)
        assert abs(deemed(pct * 2, days) - got * 2) < Decimal("1e-60")
    lo, hi = sorted((days, more_days))
    assert deemed(pct, lo) <= deemed(pct, hi)


@settings(max_examples=50, deadline=None)
@given(st.decimals(min_value=0, max_value="29.99", places=2), st.integers(min_value=1, max_value=D))
def test_below_thirty_percent_nothing_is_deemed(pct: Decimal, days: int) -> None:
    assert deemed(pct, days) == 0
