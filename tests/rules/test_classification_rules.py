"""Classification rules at their thresholds: badges, weighing, presumption, the decision order, ledger stats."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D

import pytest

from hkvatax.ledger.results import DisposalRecord, Fragment, LedgerResult
from hkvatax.models.taxpayers import Corporation, FamilyOffice, Individual, PrivateFund
from hkvatax.periods import YearOfAssessment as Y
from hkvatax.rules.classification import (
    LedgerStats,
    assess_badges,
    badge_frequency,
    badge_holding,
    badge_intention,
    company_presumption,
    decide_character,
    ledger_stats,
    weigh_badges,
)
from hkvatax.rules.params import default_params
from hkvatax.rules.profits_tax import stated
from hkvatax.rules.registry import Figure, RuleContext
from hkvatax.trace import Tracer


def ctx() -> RuleContext:
    return RuleContext(Y(2024), default_params(), Tracer())


def node(c, f):
    return c.tracer.nodes[f.id]


@pytest.mark.parametrize("days,expected", [
    (None, "unknown"), ("0", "trade"), ("29.9", "trade"), ("30", "neutral"), ("365", "neutral"),
    ("365.1", "investment"), ("1000", "investment"),
])
def test_holding_period_thresholds(days, expected):
    c = ctx()
    f = badge_holding(c, LedgerStats(3, None if days is None else D(days)))
    assert f.value == expected
    n = node(c, f)
    assert n.facts[0].name == "ledger.mean_holding_days"
    assert n.facts[0].value == (None if days is None else D(days).quantize(D("0.1")))
    assert n.status == "assumption" and n.label == "badge" and n.unit == "text"


@pytest.mark.parametrize("n,expected", [(0, "investment"), (12, "investment"), (13, "neutral"), (59, "neutral"),
                                        (60, "trade"), (500, "trade")])
def test_frequency_thresholds_from_ledger_and_stated(n, expected):
    c = ctx()
    f = badge_frequency(c, Individual(name="i"), LedgerStats(n, None))
    assert f.value == expected and node(c, f).facts[0].name == "ledger.disposals_in_year"
    assert node(c, f).facts[0].value == n
    c2 = ctx()
    f2 = badge_frequency(c2, Individual(name="i", trading={"transactions_per_year": n}), LedgerStats(1000, None))
    assert f2.value == expected and node(c2, f2).facts[0].name == "trading.transactions_per_year"


def test_intention_and_boolean_badges():
    c = ctx()
    tp = Individual(name="i", trading={"intention_at_acquisition": "resale_at_profit", "intention_evidence": "plan",
                                       "organised_like_a_business": True, "financed_by_borrowing": False,
                                       "supplementary_work": True, "realisation_circumstances": "forced_or_unexpected",
                                       "profit_motive": False})
    badges = assess_badges(c, tp, LedgerStats(0, None))
    assert [(b.name, b.indicates, b.missing) for b in badges] == [
        ("intention", "trade", None), ("holding_period", "unknown", "disposals in the year (holding period)"),
        ("frequency", "investment", None), ("organisation", "trade", None), ("financing", "neutral", None),
        ("supplementary_work", "trade", None), ("realisation", "investment", None),
        ("profit_motive", "investment", None)]
    n = node(c, badges[0].figure)
    assert [(x.name, x.value) for x in n.facts] == [("trading.intention_at_acquisition", "resale_at_profit"),
                                                    ("trading.intention_evidence", "plan")]
    assert "stated as resale at profit" in n.explanation
    c2 = ctx()
    unknown = assess_badges(c2, Individual(name="i"), LedgerStats(20, D("100")))
    assert [(b.indicates, b.missing) for b in unknown] == [
        ("unknown", "trading.intention_at_acquisition"), ("neutral", None), ("neutral", None),
        ("unknown", "trading.organised_like_a_business"), ("unknown", "trading.financed_by_borrowing"),
        ("unknown", "trading.supplementary_work"), ("unknown", "trading.realisation_circumstances"),
        ("unknown", "trading.profit_motive")]
    assert [x.name for x in node(c2, unknown[0].figure).facts] == ["trading.intention_at_acquisition"]
    for value, expected in (("long_term_investment", "investment"), ("mixed", "neutral")):
        c3 = ctx()
        f = badge_intention(c3, Individual(name="i", trading={"intention_at_acquisition": value}))
        assert f.value == expected


def _badges(c: RuleContext, intention: str, others: list[str]) -> list[Figure]:
    figs = [stated(c, "intention", intention, "text", key="intention")]
    figs[0] = Figure(figs[0].id.replace("stated_intention[intention]", "badge[intention]"), intention)
    c.tracer.nodes[figs[0].id] = c.tracer.nodes[f"{c.node_id('stated_intention')}[intention]"]
    figs += [stated(c, f"b{i}", v, "text", key=f"b{i}") for i, v in enumerate(others)]
    return figs


@pytest.mark.parametrize("intention,others,expected", [
    ("trade", [], "revenue"),                          # intention alone counts 2
    ("investment", [], "capital"),
    ("unknown", ["trade"], "indeterminate"),
    ("unknown", ["trade", "trade"], "revenue"),
    ("unknown", ["investment", "investment"], "capital"),
    ("trade", ["investment"], "indeterminate"),          # 2 v 1
    ("trade", ["investment", "investment"], "indeterminate"),
    ("investment", ["trade", "neutral"], "indeterminate"),
    ("trade", ["trade", "investment"], "revenue"),     # 3 v 1
    ("unknown", ["trade", "trade", "investment"], "indeterminate"),
    ("unknown", ["neutral", "neutral"], "indeterminate"),
])
def test_weighing_intention_counts_twice_and_a_lead_of_two_decides(intention, others, expected):
    c = ctx()
    f = weigh_badges(c, _badges(c, intention, others))
    assert f.value == expected
    n = node(c, f)
    assert n.assumptions == ("A-BADGES",) and n.label == "badges_verdict"


def test_company_presumption():
    c = ctx()
    cap = stated(c, "v", "capital", "text")
    rev = stated(c, "w", "indeterminate", "text")
    assert company_presumption(c, cap, "corporation", "long_term_investment", key=1).value == "capital"
    assert company_presumption(c, cap, "corporation", "mixed", key=2).value == "revenue"
    assert company_presumption(c, rev, "corporation", "long_term_investment", key=3).value == "revenue"
    f = company_presumption(c, rev, "private_fund", None, key=4)
    assert node(c, f).assumptions == ("A-VEHICLE-BUSINESS",)
    assert node(c, company_presumption(c, rev, "corporation", None, key=5)).assumptions == ()
    assert [x.name for x in node(c, f).facts] == ["taxpayer.kind", "trading.intention_at_acquisition"]


def test_decision_order():
    stats = LedgerStats(100, D("1"))  # frequent and short: trade
    over = {"character": "capital", "reason": "board minute"}
    d = decide_character(ctx(), Corporation(name="c", character=over, carries_on_business=True), stats)
    assert (d.character, d.basis, d.missing) == ("capital", "override", ())
    d = decide_character(ctx(), Individual(name="i", carries_on_business=False), stats)
    assert (d.character, d.basis) == ("capital", "stated")
    d = decide_character(ctx(), Individual(name="i", carries_on_business=True), LedgerStats(0, D("4000")))
    assert (d.character, d.basis) == ("revenue", "stated")
    for cls in (Corporation, PrivateFund, FamilyOffice):
        d = decide_character(ctx(), cls(name="c"), LedgerStats(0, D("4000")))
        assert (d.character, d.basis, d.missing) == ("revenue", "presumption", ())
    d = decide_character(ctx(), Individual(name="i"), stats)
    assert (d.character, d.basis, d.missing) == ("revenue", "badges", ())
    d = decide_character(ctx(), Individual(name="i"), LedgerStats(20, D("100")))
    assert (d.character, d.basis) == ("indeterminate", "badges")
    assert d.missing == ("trading.intention_at_acquisition", "trading.organised_like_a_business",
                         "trading.financed_by_borrowing", "trading.supplementary_work",
                         "trading.realisation_circumstances", "trading.profit_motive")


def _disp(year: int, kind: str, frags: list[tuple[str, str | None]]) -> DisposalRecord:
    t = datetime(2024, 6, 1, tzinfo=UTC)
    us = D(86_400_000_000)
    fr = tuple(Fragment("L", t, D(q), D(0), D(0), None if h is None else D(h), "lot",
                        None if h is None else D(q) * D(h) * us) for q, h in frags)
    return DisposalRecord("d", "d", kind, "BTC", None, t, Y(year), D(1), D(0), D(0), D(0), D(0), fr, "fifo")


def test_ledger_stats_counts_the_years_disposals_and_weights_holding_by_quantity():
    ledger = LedgerResult((
        _disp(2024, "disposal", [("1", "10"), ("3", "30"), ("2", None)]),
        _disp(2024, "swap", [("4", "5")]),
        _disp(2024, "fee", [("100", "1000")]),
        _disp(2023, "disposal", [("100", "1000")]),
    ), (), (), (), (), {}, (), ())
    s = ledger_stats(ledger, Y(2024))
    assert s == LedgerStats(2, D("120") / D("8"))
    assert ledger_stats(ledger, Y(2025)) == LedgerStats(0, None)
