"""Profits-tax rules at their boundaries, and the laws the computation must obey."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hkvatax import assess
from hkvatax.errors import DataTableGapError
from hkvatax.models import Scenario
from hkvatax.periods import YearOfAssessment
from hkvatax.rules.params import default_params
from hkvatax.rules.profits_tax import one_off_reduction, stated, tax_at_rates
from hkvatax.rules.registry import RuleContext
from hkvatax.trace import Tracer

D = Decimal
Y2425 = YearOfAssessment(2024)


def _ctx(year=Y2425):
    return RuleContext(year, default_params(), Tracer())


def _tax(profit: Decimal, klass="corporation", eligible=True, year=Y2425) -> Decimal:
    ctx = _ctx(year)
    return tax_at_rates(ctx, stated(ctx, "profit", profit), stated(ctx, "eligible", eligible, "bool"), klass).value


@pytest.mark.parametrize("klass,lower,standard", [("corporation", D("0.0825"), D("0.165")),
                                                   ("unincorporated", D("0.075"), D("0.15"))])
def test_two_tier_threshold_boundaries(klass, lower, standard):
    two_m = D("2000000")
    assert _tax(two_m, klass) == two_m * lower
    assert _tax(two_m - D("0.01"), klass) == (two_m - D("0.01")) * lower
    assert _tax(two_m + D("0.01"), klass) == two_m * lower + D("0.01") * standard


def test_not_entitled_pays_standard_rate_on_everything():
    assert _tax(D("1000000"), "corporation", eligible=False) == D("165000.000")


def test_one_off_reduction_per_year():
    def red(year: int, tax: str) -> Decimal:
        ctx = _ctx(YearOfAssessment(year))
        return one_off_reduction(ctx, stated(ctx, "tax", D(tax))).value

    assert red(2018, "10000") == D("7500.00")
    assert red(2018, "100000") == D("20000")
    assert red(2024, "1000") == D("1000")
    assert red(2024, "99999") == D("1500")


def test_year_without_parameter_is_an_error_not_a_fallback():
    with pytest.raises(DataTableGapError):
        default_params().at("profits_tax.one_off_reduction.cap", YearOfAssessment(2027))


def _corp(gain: str, *, extra_capital: str | None = None, year_day="2024-09-01") -> Scenario:
    events = [
        {"kind": "acquisition", "id": "a", "timestamp": "2024-04-01T00:00:00+08:00", "asset": "BTC",
         "quantity": "1", "cost": "10000000"},
        {"kind": "disposal", "id": "d", "timestamp": f"{year_day}T10:00:00+08:00", "asset": "BTC",
         "quantity": "1", "proceeds": str(D(10000000) + D(gain))},
    ]
    overrides = {}
    if extra_capital is not None:
        events += [
            {"kind": "acquisition", "id": "c1", "timestamp": "2024-04-01T00:00:00+08:00", "asset": "ETH",
             "quantity": "1", "cost": "10000000"},
            {"kind": "disposal", "id": "c2", "timestamp": f"{year_day}T11:00:00+08:00", "asset": "ETH",
             "quantity": "1", "proceeds": str(D(10000000) + D(extra_capital))},
        ]
        overrides = {"ETH": {"character": "capital", "reason": "long-term holding, board minute"}}
    return Scenario.model_validate({
        "taxpayer": {"kind": "corporation", "name": "Co", "asset_character": overrides,
                     "two_tier": {"has_connected_entities": False}},
        "events": events,
    })


def test_first_and_last_day_of_the_year_of_assessment_in_hong_kong_time():
    first = assess(_corp("100", year_day="2024-04-01"))
    assert list(first.years) == ["2024/25"]
    last = Scenario.model_validate({
        "taxpayer": {"kind": "corporation", "name": "Co"},
        "events": [
            {"kind": "acquisition", "id": "a", "timestamp": "2024-04-01T00:00:00+08:00", "asset": "BTC",
             "quantity": "1", "cost": "1"},
            {"kind": "disposal", "id": "d1", "timestamp": "2025-03-31T23:59:59+08:00", "asset": "BTC",
             "quantity": "0.5", "proceeds": "10"},
            {"kind": "disposal", "id": "d2", "timestamp": "2025-03-31T16:00:00+00:00", "asset": "BTC",
             "quantity": "0.5", "proceeds": "10"},
        ]})
    out = assess(last)
    assert set(out.years) == {"2024/25", "2025/26"}


gains = st.decimals(min_value=D("-5000000"), max_value=D("50000000"), places=2, allow_nan=False,
                    allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(a=gains, b=gains)
def test_tax_never_decreases_as_profits_rise_and_is_never_negative(a, b):
    lo, hi = sorted((a, b))
    t_lo = assess(_corp(str(lo)))["2024/25"].tax_payable
    t_hi = assess(_corp(str(hi)))["2024/25"].tax_payable
    assert t_lo >= 0 and t_hi >= 0
    assert t_lo <= t_hi


@settings(max_examples=40, deadline=None)
@given(p=st.decimals(min_value=D("1990000"), max_value=D("2010000"), places=2))
def test_tax_is_continuous_at_the_threshold(p):
    eps = D("0.01")
    assert abs(_tax(p + eps) - _tax(p)) <= eps * D("0.165")


@settings(max_examples=40, deadline=None)
@given(g=gains, c=gains)
def test_capital_gains_never_change_the_tax(g, c):
    without = assess(_corp(str(g)))["2024/25"].tax_payable
    with_capital = assess(_corp(str(g), extra_capital=str(c)))["2024/25"].tax_payable
    assert without == with_capital


@settings(max_examples=25, deadline=None)
@given(g=gains, c=gains)
def test_trace_is_complete(g, c):
    out = assess(_corp(str(g), extra_capital=str(c)))
    ya = out["2024/25"]
    for branch in ya.branches.values():
        for name, fig in branch.figures.items():
            node = out.trace[fig.id]
            assert node.value == fig.value, name
    for node in out.trace:
        assert node.rule_id and node.citations, node.id
        for dep in node.inputs:
            assert dep in out.trace.nodes
        if not node.inputs:
            # a leaf reaches an input row, a stated fact or a cited parameter
            assert node.facts or node.params, node.id


def test_individual_investor_pays_nothing_and_is_told_why():
    s = Scenario.model_validate({
        "taxpayer": {"kind": "individual", "name": "I", "carries_on_business": False},
        "events": [
            {"kind": "acquisition", "id": "a", "timestamp": "2024-05-01T10:00:00+08:00", "asset": "BTC",
             "quantity": "1", "cost": "100"},
            {"kind": "disposal", "id": "d", "timestamp": "2024-06-01T10:00:00+08:00", "asset": "BTC",
             "quantity": "1", "proceeds": "1000000"},
        ]})
    out = assess(s)
    ya = out["2024/25"]
    assert ya.tax_payable == 0
    node = out.trace[ya.result.figures["tax_payable"].id]
    assert node.rule_id == "pt.individual.no_capital_gains_tax"
    assert "no capital gains tax" in node.explanation


def test_losses_carry_forward_across_years():
    s = Scenario.model_validate({
        "taxpayer": {"kind": "corporation", "name": "Co", "two_tier": {"has_connected_entities": False}},
        "events": [
            {"kind": "acquisition", "id": "a", "timestamp": "2023-05-01T10:00:00+08:00", "asset": "BTC",
             "quantity": "2", "cost": "1000000"},
            {"kind": "disposal", "id": "d1", "timestamp": "2023-06-01T10:00:00+08:00", "asset": "BTC",
             "quantity": "1", "proceeds": "300000"},
            {"kind": "disposal", "id": "d2", "timestamp": "2024-06-01T10:00:00+08:00", "asset": "BTC",
             "quantity": "1", "proceeds": "900000"},
        ]})
    out = assess(s)
    assert out["2023/24"].losses_carried_forward == D("200000")
    assert out["2023/24"].tax_payable == 0
    ya = out["2024/25"]
    assert ya.result["losses_set_off"] == D("200000")
    assert ya.assessable_profits == D("200000")
    assert ya.tax_payable == D("16500") - D("1500")
