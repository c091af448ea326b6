"""The yes/no badges of trade, the weighing and the company presumption: outcome, explanation, label, unit
and the fact each records (the explanation is what the report shows for a badge)."""

from __future__ import annotations

from typing import Any

import pytest
from tests.rules.concessions.conc_helpers import input_figure, make_ctx

from hkvatax.models.taxpayers import Corporation
from hkvatax.rules.classification import (
    badge_financing,
    badge_motive,
    badge_organisation,
    badge_realisation,
    badge_supplementary,
    company_presumption,
    weigh_badges,
)

BOOL_BADGES = [
    (badge_organisation, "organised_like_a_business", "Organised like a business", "trade", "investment"),
    (badge_financing, "financed_by_borrowing", "Financed by borrowing", "trade", "neutral"),
    (badge_supplementary, "supplementary_work", "Supplementary work", "trade", "neutral"),
    (badge_motive, "profit_motive", "Profit motive", "trade", "investment"),
]


@pytest.mark.parametrize("fn,field,title,if_true,if_false", BOOL_BADGES)
@pytest.mark.parametrize("value", [None, True, False])
def test_yes_no_badges(fn: Any, field: str, title: str, if_true: str, if_false: str, value: bool | None) -> None:
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
def test_realisation(value: str | None, indicates: str, shown: str) -> None:
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
def test_weigh_badges(values: list[str], verdict: str, trade: int, invest: int, tail: str) -> None:
    c = make_ctx("2024/25")
    figs = [input_figure(c, "intention", values[0])] + [input_figure(c, f"b{i}", v)
                                                            for i, v in enumerate(values[1:])]
    f = weigh_badges(c, figs)
    n = c.tracer.nodes[f.id]
    assert (f.value, n.explanation) == (verdict, f"Badges point to trade {trade}, to investment {invest} (intention "
                                        f"counts twice): {tail}.")
    assert (n.label, n.unit, n.status) == ("badges_verdict", "text", "assumption")


def test_company_presumption_rebutted_label() -> None:
    c = make_ctx("2024/25")
    f = company_presumption(c, input_figure(c, "v", "capital"), "corporation", "long_term_investment")
    n = c.tracer.nodes[f.id]
    assert (f.value, n.label, n.unit) == ("capital", "character", "text")
    assert n.explanation == ("The company presumption is rebutted: the badges of trade point clearly to long-term "
                             "investment, so gains are capital.")


def test_assess_badges_node_ids_and_units() -> None:
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
