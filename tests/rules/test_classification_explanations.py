"""Line rules and character rules: the explanation, facts and sign of each node (public trace output)."""

from __future__ import annotations

from decimal import Decimal as D

from hkvatax.models.taxpayers import Corporation
from hkvatax.periods import YearOfAssessment as Y
from hkvatax.rules.classification import (
    company_presumption,
    disposals_line,
    income_line,
    outgoing_line,
    receipts_line,
    stated_business,
)
from hkvatax.rules.params import default_params
from hkvatax.rules.profits_tax import stated, two_tier_eligible
from hkvatax.rules.registry import RuleContext
from hkvatax.trace import FactUse, Tracer


def ctx() -> RuleContext:
    return RuleContext(Y(2024), default_params(), Tracer())


def node(c, f):
    return c.tracer.nodes[f.id]


def facts(n) -> list[tuple[str, object]]:
    return [(x.name, x.value) for x in n.facts]


SAMPLE = (FactUse("record e1", "e1"),)


def test_disposals_line():
    c = ctx()
    f = disposals_line(c, D("1234.5"), D("5000"), 3, "BTC", "revenue", False, "fifo", SAMPLE, "taxpayer: revenue")
    n = node(c, f)
    assert f.value == D("1234.5") and n.label == "line"
    assert n.explanation == ("3 disposal(s) of BTC: net gain HKD 1,234.50 (revenue, Hong Kong source; "
                             "taxpayer: revenue).")
    assert facts(n) == [("disposals", 3), ("asset", "BTC"), ("cost_formula", "fifo"), ("proceeds_hkd", D("5000")),
                        ("record e1", "e1")]
    g = disposals_line(c, D("-1"), D("5"), 1, "ETH", "capital", True, "average", (), "r", key="2")
    assert node(c, g).explanation == "1 disposal(s) of ETH: net loss HKD -1 (capital, offshore source; r)."
    z = disposals_line(c, D("0"), D("5"), 1, "ETH", "capital", True, "average", (), "r", key="3")
    assert "net gain HKD 0" in node(c, z).explanation


def test_receipt_income_and_outgoing_lines():
    c = ctx()
    r = receipts_line(c, D("10"), 2, "ETH", "staking", SAMPLE, key="r")
    assert r.value == D("10")
    assert node(c, r).explanation == "2 staking receipt(s) of ETH, market value HKD 10."
    assert facts(node(c, r)) == [("receipts", 2), ("receipt_type", "staking"), ("record e1", "e1")]
    i = income_line(c, D("7"), 1, "interest", SAMPLE, key="i")
    assert i.value == D("7") and node(c, i).explanation == "1 interest receipt(s), HKD 7."
    assert facts(node(c, i)) == [("income_records", 1), ("record e1", "e1")]
    o = outgoing_line(c, D("30"), 2, "transfer_fee", True, SAMPLE, key="o")
    assert o.value == D("-30")
    assert node(c, o).explanation == "2 transfer fee(s), HKD 30 (deductible, s.16)."
    assert facts(node(c, o)) == [("outgoings", 2), ("deductible", True), ("record e1", "e1")]
    assert [node(c, x).label for x in (r, i, o)] == ["line", "line", "line"]
    assert [x.id for x in (r, i, o)] == ["baseline/2024/25/line[r]", "baseline/2024/25/line[i]",
                                         "baseline/2024/25/line[o]"]
    o2 = outgoing_line(c, D("5"), 1, "expense", False, (), key="2")
    assert node(c, o2).explanation == "1 expense(s), HKD 5 (not deductible, s.17)."


def test_stated_business_and_presumption_explanations():
    c = ctx()
    yes = stated_business(c, True, key=1)
    assert yes.value == "revenue" and node(c, yes).explanation == (
        "The user states that the taxpayer carries on a business in virtual assets: gains are revenue.")
    assert facts(node(c, yes)) == [("carries_on_business", True)]
    assert node(c, yes).label == "character" and node(c, yes).unit == "text"
    no = stated_business(c, False, key=2)
    assert no.value == "capital" and node(c, no).explanation == (
        "The user states that the taxpayer does not carry on a business in virtual assets: gains are capital.")
    cap = stated(c, "v", "capital", "text")
    rebut = company_presumption(c, cap, "corporation", "long_term_investment", key=3)
    assert node(c, rebut).explanation == ("The company presumption is rebutted: the badges of trade point clearly "
                                          "to long-term investment, so gains are capital.")
    kept = company_presumption(c, cap, "corporation", None, key=4)
    assert node(c, kept).explanation == ("Presumed to carry on a business (para 11) and not rebutted by the badges: "
                                         "gains are revenue.")
    assert node(c, kept).label == "character" and node(c, kept).unit == "text"


def test_two_tier_explanations():
    cases = {
        "Taxed under another concessionary regime: no two-tiered rates.": {"elected_other_concessionary_regime": True},
        "Has connected entities and is not the nominated entity: standard rate on all profits.":
            {"has_connected_entities": True},
        "Connected entities not stated: taken as entitled to the two-tiered rates (assumption).": {},
        "Entitled to the two-tiered rates.": {"has_connected_entities": False},
    }
    for text, tt in cases.items():
        c = ctx()
        f = two_tier_eligible(c, Corporation(name="c", two_tier=tt))
        assert node(c, f).explanation == text


def test_override_and_individual_note():
    from hkvatax.rules.classification import override_taxpayer
    from hkvatax.rules.profits_tax import individual_investor_note

    c = ctx()
    f = override_taxpayer(c, "capital", "board minute of 1 May")
    n = node(c, f)
    assert f.value == "capital" and n.explanation == "Set by the user: capital — reason: board minute of 1 May"
    assert facts(n) == [("character_override", "capital"), ("character_override.reason", "board minute of 1 May")]
    assert n.label == "character" and n.unit == "text"
    note = individual_investor_note(c, stated(c, "cap", D("1000")))
    assert note.value == 0
    assert node(c, note).explanation == ("Capital gains of HKD 1,000 are not taxed: Hong Kong has no capital gains "
                                         "tax and an individual investor carries on no business (DIPN 39 para 46).")
    assert facts(node(c, note)) == [("carries_on_business", False)] and node(c, note).label == "tax_payable"
