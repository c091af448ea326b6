"""Profits-tax rule bodies, one by one, with exact values, nodes, facts and assumptions."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from tests.rules.concessions.conc_helpers import make_line

from hkvatax.models.taxpayers import Corporation, FamilyOffice, Individual, Partnership, PrivateFund
from hkvatax.periods import YearOfAssessment
from hkvatax.rules.params import default_params
from hkvatax.rules.profits_tax import (
    apportion_outgoings,
    baseline_treatment,
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
def test_line_treatment_branches(kw, business, expected, why):
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


def test_rate_class():
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
def test_two_tier_eligible(two_tier, expected, assumed):
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


def test_small_notes_and_sums():
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
