"""Profits-tax rules at their boundaries, and the laws the computation must obey."""

from __future__ import annotations

from decimal import Decimal
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.rules.concessions.conc_helpers import input_figure, make_ctx, make_line

from hkvatax import assess
from hkvatax.errors import DataTableGapError
from hkvatax.models import Scenario
from hkvatax.models.taxpayers import Corporation, FamilyOffice, Individual, Partnership, PrivateFund
from hkvatax.periods import YearOfAssessment
from hkvatax.rules.params import default_params
from hkvatax.rules.profits_tax import (
    apportion_outgoings,
    baseline_treatment,
    basis_period,
    individual_investor_note,
    line_treatment,
    losses,
    losses_bf,
    losses_cf,
    net_profit,
    one_off_reduction,
    rate_class,
    round_assessable,
    round_tax,
    salaries_tax_items,
    stated,
    sum_lines,
    tax_at_rates,
    tax_payable,
    two_tier_eligible,
)
from hkvatax.rules.registry import RuleContext
from hkvatax.trace import Tracer

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


# -------------------- Profits-tax rule bodies, one by one, with exact values, nodes, facts and assumptions.
def ctx(year: int = 2024) -> RuleContext:
    return RuleContext(YearOfAssessment(year), default_params(), Tracer())


def fig(c: RuleContext, value, name: str = "v", unit: str = "HKD"):
    return stated(c, name, value, unit, key=name)


def node(c: RuleContext, f):
    return c.tracer.nodes[f.id]


@pytest.mark.parametrize("kw,business,expected,why", [
    (dict(kind="outgoing"), True, "assessable", "deductible outgoing of the business (s.16)"),
    (dict(kind="outgoing"), False, "excluded", "no business: outgoings are irrelevant"),
    (dict(kind="disposal", offshore=True), True, "excluded", "offshore"),
    (dict(kind="receipt", receipt_type="salary"), True, "excluded", "salaries-tax item"),
    (dict(kind="receipt", receipt_type="airdrop"), True, "assessable", "business receipt at market value"),
    (dict(kind="receipt", receipt_type="staking"), False, "excluded", "received outside any business"),
    (dict(kind="income", income_type="dividend"), True, "excluded", "dividends are not chargeable (s.26)"),
    (dict(kind="income", income_type="interest"), False, "excluded", "capital"),
    (dict(kind="income", income_type="interest"), True, "assessable", "revenue profit of a business"),
    (dict(kind="disposal", character="capital"), True, "excluded", "capital"),
    (dict(kind="disposal", character="revenue"), True, "assessable", "revenue profit"),
    (dict(kind="disposal", character="revenue"), False, "assessable", "revenue profit"),
])
def test_each_line_is_chargeable_or_not_by_character_source_and_kind(kw, business, expected, why):
    c = ctx()
    line = make_line(c, "k1", 100, **kw)
    f = line_treatment(c, line, business)
    n = node(c, f)
    assert f.value == expected
    assert why in n.explanation and n.explanation.startswith("k1: ")
    assert n.label == "treatment" and n.unit == "text" and line.figure.id in n.inputs


def test_non_deductible_outgoing_and_receipt_assumptions():
    c = ctx()
    line = make_line(c, "o", -5, kind="outgoing")
    nd = type(line)(**{**{s: getattr(line, s) for s in line.__slots__}, "deductible": False})
    f = line_treatment(c, nd, True)
    assert f.value == "excluded" and "not deductible (s.17)" in node(c, f).explanation
    for rt in ("staking", "mining", "lending_interest"):
        c2 = ctx()
        f2 = line_treatment(c2, make_line(c2, "r", 5, kind="receipt", receipt_type=rt), True)
        assert node(c2, f2).assumptions == ("A-RECEIPTS-BUSINESS",)
    c3 = ctx()
    f3 = line_treatment(c3, make_line(c3, "r", 5, kind="receipt", receipt_type="airdrop"), True)
    assert node(c3, f3).assumptions == ()
    c4 = ctx()
    f4 = line_treatment(c4, make_line(c4, "r", 5, kind="receipt", receipt_type="airdrop"), False)
    assert node(c4, f4).assumptions == ("A-RECEIPTS-NONBUSINESS",)


def test_baseline_treatment_collects_every_line():
    c = ctx()
    lines = [make_line(c, "a", 1), make_line(c, "b", 2, character="capital")]
    r = baseline_treatment(c, lines, True)
    assert r.regime == "profits_tax" and r.eligible == "yes" and r.conditions == ()
    assert r.treatments == {"a": "assessable", "b": "excluded"}
    assert set(r.reasons) == {"a", "b"} and r.reasons["b"].value == "excluded"
    assert r.reasons["a"].id.endswith("/treatment[a]")


def test_net_profit_losses_and_rounding():
    c = ctx()
    np_ = net_profit(c, [fig(c, D("100.5"), "a"), fig(c, D("-30"), "b")])
    assert np_.value == D("70.5") and node(c, np_).label == "net_profit"
    assert "Sum of 2 chargeable line(s)" in node(c, np_).explanation
    assert net_profit(c, [], key="empty").value == 0
    bf = losses_bf(c, D("50"), "stated")
    assert bf.value == D("50") and node(c, bf).label == "losses_brought_forward"
    assert [(x.name, x.value) for x in node(c, bf).facts] == [("losses_brought_forward_hkd", D("50")),
                                                              ("losses_brought_forward.origin", "stated")]
    for profit, brought, exp_set_off, exp_cf in [("70.5", "50", "50", "0"), ("30", "50", "30", "20"),
                                                 ("-40", "50", "0", "90"), ("0", "50", "0", "50"),
                                                 ("30", "0", "0", "0")]:
        p, b = fig(c, D(profit), f"p{profit}{brought}"), fig(c, D(brought), f"b{profit}{brought}")
        so = losses(c, p, b, Corporation(name="c"), key=f"{profit}{brought}")
        assert so.value == D(exp_set_off), (profit, brought)
        cf = losses_cf(c, p, b, so, key=f"{profit}{brought}")
        assert cf.value == D(exp_cf), (profit, brought)
        ra = round_assessable(c, p, so, key=f"{profit}{brought}")
        assert ra.value == max(D(profit) - D(exp_set_off), D(0)).to_integral_value(rounding="ROUND_DOWN")
    assert "adjusted loss 40" in c.tracer.nodes["baseline/2024/25/losses_carried_forward[-4050]"].explanation
    ra = round_assessable(c, fig(c, D("1234.99"), "x"), fig(c, D("0"), "z"), key="r")
    assert ra.value == D("1234") and node(c, ra).rounding is not None and node(c, ra).status == "assumption"


def test_the_rate_class_follows_the_entity_form():
    assert rate_class(Corporation(name="c")) == "corporation"
    assert rate_class(Individual(name="i")) == "unincorporated"
    assert rate_class(Partnership(name="p")) == "unincorporated"
    for cls in (FamilyOffice, PrivateFund):
        assert rate_class(cls(name="x")) == "corporation"
        assert rate_class(cls(name="x", entity_form="trust")) == "unincorporated"
        assert rate_class(cls(name="x", entity_form="partnership")) == "unincorporated"


@pytest.mark.parametrize("two_tier,expected,assumed", [
    ({}, True, True),
    ({"has_connected_entities": False}, True, False),
    ({"is_nominated_entity": True}, True, False),
    ({"has_connected_entities": True, "is_nominated_entity": True}, True, False),
    ({"has_connected_entities": True}, False, False),
    ({"has_connected_entities": True, "is_nominated_entity": False}, False, False),
    ({"has_connected_entities": False, "elected_other_concessionary_regime": True}, False, False),
    ({"elected_other_concessionary_regime": True}, False, False),
])
def test_two_tier_rates_apply_unless_connected_and_not_nominated_or_elsewhere_concessionary(two_tier, expected, assumed):
    c = ctx()
    f = two_tier_eligible(c, Corporation(name="c", two_tier=two_tier))
    n = node(c, f)
    assert f.value is expected and n.unit == "bool" and n.label == "two_tier_eligible"
    assert n.assumptions == (("A-TWO-TIER-ELIGIBLE",) if assumed else ())
    assert [x.name for x in n.facts] == ["two_tier.has_connected_entities", "two_tier.is_nominated_entity",
                                         "two_tier.elected_other_concessionary_regime"]
    with pytest.raises(Exception, match="does not apply to 2017/18"):
        two_tier_eligible(ctx(2017), Corporation(name="c"))


def test_tax_at_rates_and_reduction_and_payable():
    c = ctx()
    t = tax_at_rates(c, fig(c, D("3000000"), "p"), fig(c, True, "e", "bool"), "corporation")
    assert t.value == D("2000000") * D("0.0825") + D("1000000") * D("0.165")
    assert [p.path for p in node(c, t).params] == ["profits_tax.corporation.standard_rate",
                                                   "profits_tax.corporation.threshold",
                                                   "profits_tax.corporation.lower_rate"]
    t2 = tax_at_rates(c, fig(c, D("3000000"), "p2"), fig(c, False, "e2", "bool"), "unincorporated", key="u")
    assert t2.value == D("450000") and len(node(c, t2).params) == 1
    small = tax_at_rates(c, fig(c, D("100"), "p3"), fig(c, True, "e3", "bool"), "corporation", key="s")
    assert small.value == D("8.25")
    rt = round_tax(c, fig(c, D("8.99"), "t"), "tax_charged")
    assert rt.value == D("8") and node(c, rt).label == "tax_charged"
    red = one_off_reduction(c, fig(c, D("1000"), "tc"))
    assert red.value == D("1000")
    red2 = one_off_reduction(c, fig(c, D("100000"), "tc2"), key="2")
    assert red2.value == D("1500")
    pay = tax_payable(c, fig(c, D("1000"), "ch"), fig(c, D("300"), "rd"))
    assert pay.value == D("700") and node(c, pay).label == "tax_before_rounding"


def test_the_individual_note_and_the_salaries_items_are_nil_or_summed():
    c = ctx()
    n = individual_investor_note(c, fig(c, D("5"), "cap"))
    assert n.value == 0 and node(c, n).label == "tax_payable"
    s = salaries_tax_items(c, [fig(c, D("2"), "s1"), fig(c, D("3"), "s2")])
    assert s.value == D("5") and node(c, s).label == "salaries_tax_items"
    t = sum_lines(c, [fig(c, D("2"), "l1"), fig(c, D("-3"), "l2")], "total_x", "What")
    assert t.value == D("-1") and node(c, t).label == "total_x"
    assert node(c, t).explanation == "What: HKD -1 from 2 line(s)."
    st = stated(c, "thing", D("7"))
    assert node(c, st).unit == "HKD" and node(c, st).label == "stated_thing" and node(c, st).facts[0].value == 7
    ap = apportion_outgoings(c, fig(c, D("-100"), "ded"), fig(c, D("0.25"), "share", "ratio"))
    assert ap.value == D("-25") and node(c, ap).label == "deductions_apportioned"


# -------------------- Profits-tax rule outputs that the scenario tests see only in part: labels (node ids in the
# trace), facts, and the salary-receipt explanation.
def test_salary_receipts_are_left_to_salaries_tax() -> None:
    c = make_ctx("2024/25")
    ln = make_line(c, "sal", 10, kind="receipt", receipt_type="salary", virtual_asset=True)
    f = line_treatment(c, ln, True)
    assert (f.value, c.tracer.nodes[f.id].explanation) == (
        "excluded", "sal: salary in tokens is a salaries-tax item (DIPN 39 para 52), not a business receipt.")


def test_profits_tax_nodes_carry_their_labels_and_facts() -> None:
    c = make_ctx("2024/25")
    bp = basis_period(c, "2024-01-01", "2024-12-31", "12-31")
    n = c.tracer.nodes[bp.id]
    assert (n.label, n.unit, [(x.name, x.value) for x in n.facts]) == ("basis_period", "text",
                                                                        [("accounting_year_end", "12-31")])
    assert bp.id == "baseline/2024/25/basis_period" and bp.value == "2024-01-01 to 2024-12-31"
    so = losses(c, input_figure(c, "p", D(100)), input_figure(c, "bf", D(30)), Corporation(name="c"))
    assert (so.value, so.id) == (D(30), "baseline/2024/25/losses_set_off")
    ra = round_assessable(c, input_figure(c, "p2", D("70.99")), so)
    assert (ra.value, ra.id) == (D(40), "baseline/2024/25/assessable_profits")


def test_outgoing_and_capital_line_explanations() -> None:
    c = make_ctx("2024/25")
    out = make_line(c, "o", -5, kind="outgoing", asset=None)
    nd = make_line(c, "p", -5, kind="outgoing", asset=None)
    object.__setattr__(nd, "deductible", False)
    cap = make_line(c, "k", 5, character="capital")
    got = [(f.value, c.tracer.nodes[f.id].explanation) for f in (
        line_treatment(c, out, True, key="o"), line_treatment(c, nd, True, key="p"), line_treatment(c, cap, True))]
    assert got == [
        ("assessable", "o: deductible outgoing of the business (s.16)."),
        ("excluded", "p: not deductible (s.17): stated as capital or private."),
        ("excluded", "k: capital: profits on the sale of capital assets are outside s.14 (DIPN 39 para 46)."),
    ]
