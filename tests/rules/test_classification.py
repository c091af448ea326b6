"""Classification rules at their thresholds: badges, weighing, presumption, the decision order, ledger stats."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D
from typing import Any

import pytest
from tests.rules.concessions.conc_helpers import input_figure, make_ctx

from hkvatax.errors import SourceRef
from hkvatax.ledger import run_ledger
from hkvatax.ledger.aggregate import Group, LedgerAggregates
from hkvatax.ledger.results import DisposalRecord, Fragment, LedgerResult
from hkvatax.models.assets import Asset
from hkvatax.models.events import Acquisition, Disposal, Income, Receipt
from hkvatax.models.taxpayers import Corporation, FamilyOffice, Individual, LotMethod, PrivateFund
from hkvatax.periods import YearOfAssessment as Y
from hkvatax.rules.classification import (
    LedgerStats,
    assess_badges,
    badge_financing,
    badge_frequency,
    badge_holding,
    badge_intention,
    badge_motive,
    badge_organisation,
    badge_realisation,
    badge_supplementary,
    build_lines,
    company_presumption,
    decide_character,
    disposals_line,
    income_line,
    ledger_stats,
    outgoing_line,
    receipts_line,
    stated_business,
    weigh_badges,
)
from hkvatax.rules.params import default_params
from hkvatax.rules.profits_tax import stated, two_tier_eligible
from hkvatax.rules.registry import Figure, RuleContext
from hkvatax.trace import FactUse, Tracer


def ctx() -> RuleContext:
    return RuleContext(Y(2024), default_params(), Tracer())


def node(c, f):
    return c.tracer.nodes[f.id]


@pytest.mark.parametrize("days,expected", [
    (None, "unknown"), ("0", "trade"), ("29.9", "trade"), ("30", "neutral"), ("365", "neutral"),
    ("365.1", "investment"), ("1000", "investment"),
])
def test_the_holding_period_badge_at_its_thresholds(days, expected):
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


def test_the_company_presumption_is_revenue_unless_capital_rests_on_long_term_investment():
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


def test_the_character_is_decided_by_override_then_stated_business_then_badges():
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


# -------------------- The yes/no badges of trade, the weighing and the company presumption: outcome, explanation,
# label, unit and the fact each records (the explanation is what the report shows for a badge).
BOOL_BADGES = [
    (badge_organisation, "organised_like_a_business", "Organised like a business", "trade", "investment"),
    (badge_financing, "financed_by_borrowing", "Financed by borrowing", "trade", "neutral"),
    (badge_supplementary, "supplementary_work", "Supplementary work", "trade", "neutral"),
    (badge_motive, "profit_motive", "Profit motive", "trade", "investment"),
]


@pytest.mark.parametrize("fn,field,title,if_true,if_false", BOOL_BADGES)
@pytest.mark.parametrize("value", [None, True, False])
def test_each_yes_no_badge_indicates_trade_or_investment_and_says_so(fn: Any, field: str, title: str, if_true: str, if_false: str, value: bool | None) -> None:
    c = make_ctx("2024/25")
    f = fn(c, Corporation(name="C", trading={field: value}))
    n = c.tracer.nodes[f.id]
    if value is None:
        expected = ("unknown", f"{title}: not stated.")
    else:
        indicates = if_true if value else if_false
        expected = (indicates, f"{title}: {'yes' if value else 'no'} → points to {indicates}.")
    assert (f.value, n.explanation) == expected
    assert (n.label, n.unit) == ("badge", "text")
    assert [(x.name, x.value) for x in n.facts] == [(f"trading.{field}", value)]


@pytest.mark.parametrize("value,indicates,shown", [
    ("forced_or_unexpected", "investment", "forced_or_unexpected"), ("planned_sale", "neutral", "planned_sale"),
    ("ordinary", "neutral", "ordinary"), (None, "unknown", "not stated")])
def test_the_circumstances_of_realisation_indicate_as_stated(value: str | None, indicates: str, shown: str) -> None:
    c = make_ctx("2024/25")
    f = badge_realisation(c, Corporation(name="C", trading={"realisation_circumstances": value}))
    n = c.tracer.nodes[f.id]
    assert (f.value, n.explanation, n.unit) == (indicates, f"Circumstances of realisation: {shown} → {indicates}.",
                                                "text")


@pytest.mark.parametrize("values,verdict,trade,invest,tail", [
    (["investment", "investment", "trade"], "capital", 1, 2 + 1,
     "an investment activity: gains are capital"),
    (["trade", "neutral", "neutral"], "revenue", 2, 0, "a trade is carried on: gains are revenue"),
    (["neutral", "trade", "investment"], "indeterminate", 1, 1, "no clear answer: the facts are insufficient"),
])
def test_weighing_the_badges_counts_the_intention_twice(values: list[str], verdict: str, trade: int, invest: int, tail: str) -> None:
    c = make_ctx("2024/25")
    figs = [input_figure(c, "intention", values[0])] + [input_figure(c, f"b{i}", v)
                                                            for i, v in enumerate(values[1:])]
    f = weigh_badges(c, figs)
    n = c.tracer.nodes[f.id]
    assert (f.value, n.explanation) == (verdict, f"Badges point to trade {trade}, to investment {invest} (intention "
                                        f"counts twice): {tail}.")
    assert (n.label, n.unit, n.status) == ("badges_verdict", "text", "assumption")


def test_a_rebutted_company_presumption_is_labelled_as_the_character() -> None:
    c = make_ctx("2024/25")
    f = company_presumption(c, input_figure(c, "v", "capital"), "corporation", "long_term_investment")
    n = c.tracer.nodes[f.id]
    assert (f.value, n.label, n.unit) == ("capital", "character", "text")
    assert n.explanation == ("The company presumption is rebutted: the badges of trade point clearly to long-term "
                             "investment, so gains are capital.")


def test_every_badge_is_a_node_with_its_own_id_and_unit() -> None:
    from hkvatax.rules.classification import LedgerStats, assess_badges

    c = make_ctx("2024/25")
    badges = assess_badges(c, Corporation(name="C"), LedgerStats(3, None))
    assert [(b.name, b.figure.id.rsplit("/", 1)[-1], b.indicates, b.missing) for b in badges] == [
        ("intention", "badge[intention]", "unknown", "trading.intention_at_acquisition"),
        ("holding_period", "badge[holding_period]", "unknown", "disposals in the year (holding period)"),
        ("frequency", "badge[frequency]", "investment", None),
        ("organisation", "badge[organisation]", "unknown", "trading.organised_like_a_business"),
        ("financing", "badge[financing]", "unknown", "trading.financed_by_borrowing"),
        ("supplementary_work", "badge[supplementary_work]", "unknown", "trading.supplementary_work"),
        ("realisation", "badge[realisation]", "unknown", "trading.realisation_circumstances"),
        ("profit_motive", "badge[profit_motive]", "unknown", "trading.profit_motive"),
    ]
    assert {c.tracer.nodes[b.figure.id].unit for b in badges} == {"text"}
    assert c.tracer.nodes[badges[2].figure.id].explanation == "3 disposals in the year → points to investment."


def test_decide_character_records_the_override_and_the_intention() -> None:
    from hkvatax.rules.classification import LedgerStats, decide_character

    c = make_ctx("2024/25")
    d = decide_character(c, Corporation(name="C", character={"character": "capital", "reason": "board minute"}),
                         LedgerStats(0, None))
    n = c.tracer.nodes[d.figure.id]
    assert (d.character, d.basis, n.explanation) == ("capital", "override",
                                                     "Set by the user: capital — reason: board minute")
    c2 = make_ctx("2024/25")
    tp = Corporation(name="C", trading={"intention_at_acquisition": "long_term_investment",
                                        "organised_like_a_business": False, "profit_motive": False})
    d2 = decide_character(c2, tp, LedgerStats(1, None))
    n2 = c2.tracer.nodes[d2.figure.id]
    assert (d2.character, d2.basis) == ("capital", "presumption")
    assert ("trading.intention_at_acquisition", "long_term_investment") in [(x.name, x.value) for x in n2.facts]


# -------------------- Profit lines built from a ledger: keys, kinds, character, source, asset classes and amounts
# (exact).
def at(m: int, d: int) -> datetime:
    return datetime(2024, m, d, tzinfo=UTC)


def test_profit_lines_are_built_for_every_kind_of_record_with_exact_amounts():
    events = [
        Acquisition(id="b1", timestamp=at(5, 1), asset="BTC", quantity=D(1), cost=D(100), character="capital",
                    character_reason="held long"),
        Acquisition(id="b2", timestamp=at(5, 2), asset="BTC", quantity=D(1), cost=D(300)),
        Disposal(id="s1", timestamp=at(6, 1), asset="BTC", quantity=D(2), proceeds=D(1000)),
        Acquisition(id="x1", timestamp=at(5, 1), asset="SHR", quantity=D(1), cost=D(10)),
        Disposal(id="x2", timestamp=at(6, 1), asset="SHR", quantity=D(1), proceeds=D(15), offshore=True),
        Receipt(id="r1", timestamp=at(7, 1), asset="ETH", quantity=D(1), value=D(50), receipt_type="staking",
                offshore=True),
        Receipt(id="r2", timestamp=at(7, 2), asset="ETH", quantity=D(1), value=D(70), receipt_type="staking"),
        Income(id="i1", timestamp=at(8, 1), income_type="interest", amount=D(9), related_asset="SHR"),
        Income(id="i2", timestamp=at(8, 2), income_type="dividend", amount=D(4), offshore=True),
    ]
    assets = [Asset(symbol="BTC"), Asset(symbol="ETH"),
              Asset(symbol="SHR", is_virtual_asset=False, sch16c_class="securities")]
    ledger = run_ledger(events, assets=assets, method_for=LotMethod.FIFO)
    ctx = RuleContext(Y(2024), default_params(), Tracer())
    tp = Corporation(name="C")
    lines = build_lines(ctx, ledger, tp, assets, "revenue", detail=ledger)
    got = {ln.key: (ln.kind, ln.asset, ln.virtual_asset, ln.sch16c_class, ln.character, ln.offshore, ln.amount,
                    ln.trading_receipts, ln.count, ln.income_type, ln.receipt_type) for ln in lines}
    assert got == {
        "disposal:BTC:capital:hk": ("disposal", "BTC", True, None, "capital", False, D(400), D(500), 1, None, None),
        "disposal:BTC:revenue:hk": ("disposal", "BTC", True, None, "revenue", False, D(200), D(500), 1, None, None),
        "disposal:SHR:revenue:offshore": ("disposal", "SHR", False, "securities", "revenue", True, D(5), D(15), 1,
                                          None, None),
        "receipt:staking:ETH:hk": ("receipt", "ETH", True, None, "revenue", False, D(70), D(70), 1, None,
                                   "staking"),
        "receipt:staking:ETH:offshore": ("receipt", "ETH", True, None, "revenue", True, D(50), D(50), 1, None,
                                         "staking"),
        "income:interest:SHR:hk": ("income", "SHR", False, "securities", "revenue", False, D(9), D(9), 1,
                                   "interest", None),
        "income:dividend:-:offshore": ("income", None, False, None, "revenue", True, D(4), D(4), 1, "dividend",
                                       None),
    }
    ids = {ln.key: ln.figure.id for ln in lines}
    assert ids["disposal:BTC:capital:hk"] == "baseline/2024/25/line[disposals:BTC:capital:hk]"
    assert ids["disposal:SHR:revenue:offshore"] == "baseline/2024/25/line[disposals:SHR:revenue:off]"
    assert ids["receipt:staking:ETH:offshore"] == "baseline/2024/25/line[receipts:staking:ETH:off]"
    assert ids["receipt:staking:ETH:hk"] == "baseline/2024/25/line[receipts:staking:ETH:hk]"
    assert ids["income:interest:SHR:hk"] == "baseline/2024/25/line[income:interest:SHR:hk]"
    assert ids["income:dividend:-:offshore"] == "baseline/2024/25/line[income:dividend:-:off]"
    btc_cap = ctx.tracer.nodes[ids["disposal:BTC:capital:hk"]]
    assert "lot override: held long" in btc_cap.explanation
    btc_rev = ctx.tracer.nodes[ids["disposal:BTC:revenue:hk"]]
    assert btc_rev.explanation.endswith("(revenue, Hong Kong source; taxpayer: revenue).")
    assert [(f.name, f.value) for f in btc_rev.facts[:3]] == [("disposals", 1), ("asset", "BTC"),
                                                              ("cost_formula", "fifo")]
    # a capital taxpayer's receipts and income are capital lines; an offshore taxpayer's lines are offshore
    ctx2 = RuleContext(Y(2024), default_params(), Tracer())
    lines2 = build_lines(ctx2, ledger, Corporation(name="C", offshore=True), assets, "capital", detail=ledger)
    assert {ln.key for ln in lines2} == {
        "disposal:BTC:capital:offshore", "disposal:SHR:capital:offshore", "receipt:staking:ETH:offshore",
        "income:interest:SHR:offshore", "income:dividend:-:offshore"}
    assert {ln.character for ln in lines2} == {"capital"}
    [eth] = [ln for ln in lines2 if ln.kind == "receipt"]
    assert eth.amount == D(120) and eth.count == 2
    # an unknown asset is taken as a virtual asset without a Sch. 16C class
    ctx3 = RuleContext(Y(2024), default_params(), Tracer())
    lines3 = build_lines(ctx3, ledger, tp, [], "revenue")
    shr = [ln for ln in lines3 if ln.key.startswith("disposal:SHR")][0]
    assert shr.virtual_asset is True and shr.sch16c_class is None
    inc = [ln for ln in lines3 if ln.key.startswith("income:interest")][0]
    assert inc.virtual_asset is True and inc.asset == "SHR"
    assert [ln.virtual_asset for ln in lines3 if ln.key.startswith("income:dividend")] == [False]


# -------------------- build_lines on ledger aggregates (the fast path's input): groups of the year only, offshore
# groups merged for an offshore taxpayer, asset overrides, at most 10 sampled records per line plus a "more
# records" count, outgoing lines, and the explanation each line shows.
Y24, Y23 = Y(2024), Y(2023)


def group(total: int, receipts: int, ids: list[str], count: int | None = None, method: str = "fifo") -> Group:
    return Group(total=D(total), receipts=D(receipts), count=count if count is not None else len(ids), method=method,
                 samples=[(i, SourceRef(file="t.csv", row=n + 2)) for n, i in enumerate(ids)])


def aggregates() -> LedgerAggregates:
    agg = LedgerAggregates(event_count=40, path="fast")
    agg.disposals[(Y24, "BTC", False)] = group(100, 500, [f"a{i}" for i in range(8)])
    agg.disposals[(Y24, "BTC", True)] = group(-30, 50, [f"b{i}" for i in range(4)])
    agg.disposals[(Y23, "BTC", False)] = group(7, 7, ["old"])
    agg.disposals[(Y24, "ETH", False)] = group(5, 9, ["e1"], method="weighted_average")
    agg.receipts[(Y24, "staking", "ETH", False)] = group(60, 60, [f"r{i}" for i in range(10)], count=11)
    agg.receipts[(Y24, "staking", "ETH", True)] = group(6, 6, ["q"])
    agg.receipts[(Y23, "staking", "ETH", False)] = group(1, 1, ["old"])
    agg.incomes[(Y24, "interest", "SHR", False)] = group(3, 3, ["i2"])  # lines are sorted: no asset first
    agg.incomes[(Y24, "interest", None, False)] = group(9, 9, ["i1"])
    agg.outgoings[(Y24, "fee", True)] = group(85, 0, ["f1", "f2"])
    agg.outgoings[(Y24, "management_fee", False)] = group(12, 0, ["m1"])
    agg.outgoings[(Y23, "fee", True)] = group(1, 0, ["old"])
    agg.years_seen.update({Y23, Y24})
    return agg


ASSETS = [Asset(symbol="BTC"), Asset(symbol="SHR", is_virtual_asset=False, sch16c_class="securities")]


def facts_of(ctx: RuleContext, fig_id: str) -> list[tuple[str, object]]:
    return [(f.name, f.value) for f in ctx.tracer.nodes[fig_id].facts]


def test_onshore_taxpayer_lines_from_aggregates() -> None:
    ctx = RuleContext(Y24, default_params(), Tracer())
    tp = Corporation(name="C", asset_character={"ETH": {"character": "capital", "reason": "treasury"}})
    lines = build_lines(ctx, aggregates(), tp, ASSETS, "revenue")
    got = {ln.key: (ln.amount, ln.trading_receipts, ln.count, ln.character, ln.offshore, ln.virtual_asset,
                    ln.sch16c_class) for ln in lines}
    assert got == {
        "disposal:BTC:revenue:hk": (D(100), D(500), 8, "revenue", False, True, None),
        "disposal:BTC:revenue:offshore": (D(-30), D(50), 4, "revenue", True, True, None),
        "disposal:ETH:capital:hk": (D(5), D(9), 1, "capital", False, True, None),
        "receipt:staking:ETH:hk": (D(60), D(60), 11, "revenue", False, True, None),
        "receipt:staking:ETH:offshore": (D(6), D(6), 1, "revenue", True, True, None),
        "income:interest:-:hk": (D(9), D(9), 1, "revenue", False, False, None),
        "income:interest:SHR:hk": (D(3), D(3), 1, "revenue", False, False, "securities"),
        "outgoing:fee:deductible": (D(-85), D(0), 2, "n/a", False, False, None),
        "outgoing:management_fee:disallowed": (D(-12), D(0), 1, "n/a", False, False, None),
    }
    assert [ln.key for ln in lines][:3] == ["disposal:BTC:revenue:hk", "disposal:BTC:revenue:offshore",
                                             "disposal:ETH:capital:hk"]
    assert [ln.key for ln in lines if ln.kind == "income"] == ["income:interest:-:hk", "income:interest:SHR:hk"]
    by = {ln.key: ln for ln in lines}
    assert by["outgoing:fee:deductible"].deductible and not by["outgoing:management_fee:disallowed"].deductible
    assert by["receipt:staking:ETH:hk"].receipt_type == "staking"
    assert by["income:interest:SHR:hk"].income_type == "interest" and by["income:interest:SHR:hk"].asset == "SHR"
    assert by["outgoing:fee:deductible"].asset is None
    n = ctx.tracer.nodes
    assert n[by["disposal:BTC:revenue:hk"].figure.id].explanation == (
        "8 disposal(s) of BTC: net gain HKD 100 (revenue, Hong Kong source; taxpayer: revenue).")
    assert n[by["disposal:BTC:revenue:offshore"].figure.id].explanation == (
        "4 disposal(s) of BTC: net loss HKD -30 (revenue, offshore source; taxpayer: revenue).")
    assert n[by["disposal:ETH:capital:hk"].figure.id].explanation == (
        "1 disposal(s) of ETH: net gain HKD 5 (capital, Hong Kong source; asset override: treasury).")
    assert facts_of(ctx, by["disposal:ETH:capital:hk"].figure.id)[:4] == [
        ("disposals", 1), ("asset", "ETH"), ("cost_formula", "weighted_average"), ("proceeds_hkd", D(9))]
    assert n[by["receipt:staking:ETH:hk"].figure.id].explanation == (
        "11 staking receipt(s) of ETH, market value HKD 60.")
    assert facts_of(ctx, by["receipt:staking:ETH:hk"].figure.id) == (
        [("receipts", 11), ("receipt_type", "staking")] + [(f"record r{i}", f"r{i}") for i in range(10)]
        + [("more records", 1)])
    assert n[by["income:interest:-:hk"].figure.id].explanation == "1 interest receipt(s), HKD 9."
    assert facts_of(ctx, by["income:interest:-:hk"].figure.id) == [("income_records", 1), ("record i1", "i1")]
    assert n[by["outgoing:fee:deductible"].figure.id].explanation == "2 fee(s), HKD 85 (deductible, s.16)."
    assert n[by["outgoing:management_fee:disallowed"].figure.id].explanation == (
        "1 management fee(s), HKD 12 (not deductible, s.17).")
    assert facts_of(ctx, by["outgoing:fee:deductible"].figure.id) == [
        ("outgoings", 2), ("deductible", True), ("record f1", "f1"), ("record f2", "f2")]
    assert by["outgoing:fee:deductible"].figure.id == "baseline/2024/25/line[outgoings:fee:deductible]"
    assert by["outgoing:management_fee:disallowed"].figure.id == (
        "baseline/2024/25/line[outgoings:management_fee:disallowed]")
    sources = [f.source for f in ctx.tracer.nodes[by["disposal:BTC:revenue:hk"].figure.id].facts if f.source]
    assert sources[0] == SourceRef(file="t.csv", row=2)
    assert "A-SOURCE-HK" in ctx.tracer.assumptions


def test_offshore_taxpayer_merges_groups_and_keeps_ten_samples() -> None:
    ctx = RuleContext(Y24, default_params(), Tracer())
    lines = build_lines(ctx, aggregates(), Corporation(name="C", offshore=True), ASSETS, "capital")
    by = {ln.key: ln for ln in lines}
    btc = by["disposal:BTC:capital:offshore"]
    assert (btc.amount, btc.trading_receipts, btc.count) == (D(70), D(550), 12)
    assert ctx.tracer.nodes[btc.figure.id].explanation == (
        "12 disposal(s) of BTC: net gain HKD 70 (capital, offshore source; taxpayer: capital).")
    samples = facts_of(ctx, btc.figure.id)[4:]
    assert samples == ([(f"record a{i}", f"a{i}") for i in range(8)] + [("record b0", "b0"), ("record b1", "b1")]
                       + [("more records", 2)])
    eth = by["receipt:staking:ETH:offshore"]
    assert (eth.amount, eth.count, eth.character) == (D(66), 12, "capital")
    assert facts_of(ctx, eth.figure.id)[-1] == ("more records", 2)
    assert by["income:interest:-:offshore"].character == "capital"
    assert "A-SOURCE-HK" not in ctx.tracer.assumptions
    assert sorted(by) == sorted([
        "disposal:BTC:capital:offshore", "disposal:ETH:capital:offshore", "receipt:staking:ETH:offshore",
        "income:interest:-:offshore", "income:interest:SHR:offshore", "outgoing:fee:deductible",
        "outgoing:management_fee:disallowed"])
    assert by["outgoing:fee:deductible"].offshore is False


def test_lines_from_aggregates_take_only_the_years_groups() -> None:
    ctx = RuleContext(Y23, default_params(), Tracer())
    lines = build_lines(ctx, aggregates(), Corporation(name="C"), ASSETS, "revenue")
    assert {ln.key: ln.amount for ln in lines} == {"disposal:BTC:revenue:hk": D(7), "receipt:staking:ETH:hk": D(1),
                                                   "outgoing:fee:deductible": D(-1)}


# -------------------- Line rules and character rules: the explanation, facts and sign of each node (public trace
# output).
def facts(n) -> list[tuple[str, object]]:
    return [(x.name, x.value) for x in n.facts]


SAMPLE = (FactUse("record e1", "e1"),)


def test_a_disposals_line_explains_its_count_method_and_samples():
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


def test_receipt_income_and_outgoing_lines_explain_their_sums():
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


def test_two_tier_ineligibility_says_which_condition_fails():
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


def test_an_override_and_the_individual_investor_note_explain_themselves():
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
