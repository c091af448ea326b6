"""Losses by kind of taxpayer (s.19C; DIPN 8 paras 7-16; decision 0071), at their boundaries."""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal as D

import pytest

from hkvatax.models.taxpayers import Corporation, FamilyOffice, Individual, Partnership, PrivateFund
from hkvatax.periods import YearOfAssessment
from hkvatax.rules.params import default_params
from hkvatax.rules.profits_tax import loss_kind, losses, losses_bf, losses_cf, stated
from hkvatax.rules.registry import RuleContext
from hkvatax.trace import Tracer


def ctx() -> RuleContext:
    return RuleContext(YearOfAssessment.parse("2024/25"), default_params(), Tracer())


@pytest.mark.parametrize(("tp", "kind", "rule_id"), [
    (Individual(name="i"), "individual", "pt.losses.set_off.individual"),
    (Partnership(name="p"), "partnership", "pt.losses.set_off.partnership"),
    (Corporation(name="c"), "corporation", "pt.losses.set_off.corporation"),
    (PrivateFund(name="f", entity_form="trust"), "trustee", "pt.losses.set_off.trustee"),
    (PrivateFund(name="f", entity_form="partnership"), "partnership", "pt.losses.set_off.partnership"),
    (FamilyOffice(name="o", entity_form="other"), "corporation", "pt.losses.set_off.corporation"),
    (FamilyOffice(name="o"), "corporation", "pt.losses.set_off.corporation"),
])
def test_the_loss_provision_follows_the_kind_of_taxpayer(tp, kind, rule_id) -> None:
    c = ctx()
    assert loss_kind(tp) == kind
    fig = losses(c, stated(c, "p", D(100)), stated(c, "bf", D(40)), tp)
    assert c.tracer.nodes[fig.id].rule_id == rule_id
    assert fig.value == D(40)


@pytest.mark.parametrize(("profit", "bf", "set_off", "cf"), [
    ("0", "50", "0", "50"), ("0.01", "50", "0.01", "49.99"), ("50", "50", "50", "0"), ("50.01", "50", "50", "0"),
    ("-10", "50", "0", "60"), ("30", "0", "0", "0"),
])
@pytest.mark.parametrize("tp", [Individual(name="i"), Partnership(name="p"), Corporation(name="c")])
def test_set_off_is_the_lesser_of_profit_and_losses_at_the_boundaries(tp, profit, bf, set_off, cf) -> None:
    c = ctx()
    p, b = stated(c, "p", D(profit)), stated(c, "bf", D(bf))
    so = losses(c, p, b, tp)
    assert so.value == D(set_off)
    assert losses_cf(c, p, b, so).value == D(cf)


def test_an_individuals_losses_from_another_trade_are_not_set_off() -> None:
    c = ctx()
    bf = losses_bf(c, D(500), "stated by the user", Individual(name="i", losses_brought_forward_same_trade=False), True)
    assert bf.value == D(0)
    assert "s.19C(1)" in c.tracer.nodes[bf.id].explanation
    assert "A-LOSSES-SAME-TRADE" not in c.tracer.nodes[bf.id].assumptions


def test_an_individuals_losses_not_said_to_be_of_the_same_trade_are_assumed_so() -> None:
    c = ctx()
    bf = losses_bf(c, D(500), "stated by the user", Individual(name="i"), True)
    assert bf.value == D(500) and "A-LOSSES-SAME-TRADE" in c.tracer.nodes[bf.id].assumptions
    c2 = ctx()
    same = losses_bf(c2, D(500), "stated", Individual(name="i", losses_brought_forward_same_trade=True), True)
    assert same.value == D(500) and c2.tracer.nodes[same.id].assumptions == ()


def test_a_trustees_losses_follow_the_same_trade_rule() -> None:
    c = ctx()
    tp = PrivateFund(name="t", entity_form="trust", losses_brought_forward_same_trade=False)
    bf = losses_bf(c, D(10), "stated by the user", tp, True)
    assert bf.value == 0 and "s.19C(6)(e)" in c.tracer.nodes[bf.id].explanation


def test_a_corporations_losses_need_no_same_trade_fact() -> None:
    c = ctx()
    tp = Corporation(name="c", losses_brought_forward_same_trade=False)
    bf = losses_bf(c, D(10), "stated by the user", tp, True)
    assert bf.value == D(10) and c.tracer.nodes[bf.id].assumptions == ()


def test_partnership_losses_are_the_partners_and_say_so() -> None:
    c = ctx()
    so = losses(c, stated(c, "p", D(100)), stated(c, "bf", D(40)), Partnership(name="p"))
    assert "A-LOSSES-PARTNERSHIP-SHARES" in c.tracer.nodes[so.id].assumptions


def test_engine_sets_off_an_individual_traders_losses_only_from_the_same_trade() -> None:
    from datetime import datetime

    from hkvatax import assess
    from hkvatax.models import Scenario

    def run(same: bool | None) -> D:
        tp = Individual(name="t", carries_on_business=True, losses_brought_forward_hkd=D(1000),
                        losses_brought_forward_same_trade=same)
        ts = datetime(2024, 6, 1, tzinfo=UTC).isoformat()
        sc = Scenario.model_validate({"taxpayer": tp.model_dump(), "assets": [{"symbol": "BTC"}], "events": [
            {"kind": "acquisition", "id": "a", "timestamp": ts, "asset": "BTC", "quantity": "1", "cost": "100"},
            {"kind": "disposal", "id": "d", "timestamp": ts.replace("06-01", "07-01"), "asset": "BTC", "quantity": "1",
             "proceeds": "5100"}]})
        return assess(sc, "2024/25")["2024/25"].assessable_profits  # type: ignore[return-value]

    assert run(False) == D(5000)
    assert run(True) == D(4000)
    assert run(None) == D(4000)
