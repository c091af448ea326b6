"""Ledger transitions: cost-formula elections between years, opening balances, per-wallet pools."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D

from hkvatax.ledger import run_ledger
from hkvatax.ledger.prices import epoch_us
from hkvatax.ledger.results import PoolSnapshot
from hkvatax.models.events import Acquisition, Disposal
from hkvatax.models.scenario import OpeningLot
from hkvatax.models.taxpayers import LotMethod
from hkvatax.periods import YearOfAssessment as Y

FIFO, AVG = LotMethod.FIFO, LotMethod.WEIGHTED_AVERAGE


def at(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, tzinfo=UTC)


def buy(i: str, when: datetime, qty: str, cost: str, wallet: str | None = None) -> Acquisition:
    return Acquisition(id=i, timestamp=when, asset="BTC", quantity=D(qty), cost=D(cost), wallet=wallet)


def sell(i: str, when: datetime, qty: str, proceeds: str, wallet: str | None = None) -> Disposal:
    return Disposal(id=i, timestamp=when, asset="BTC", quantity=D(qty), proceeds=D(proceeds), wallet=wallet)


def by_year(first: LotMethod, then: LotMethod):
    return lambda y: first if y < Y(2024) else then


def test_fifo_to_average_election_pools_the_lots():
    events = [buy("b1", at(2023, 5, 1), "1", "100"), buy("b2", at(2023, 6, 1), "1", "300"),
              sell("s", at(2024, 5, 1), "1", "1000")]
    res = run_ledger(events, method_for=by_year(FIFO, AVG))
    d = res.disposals[0]
    assert d.cost_hkd == D("200") and d.method == "weighted_average"
    assert res.methods == {Y(2023): "fifo", Y(2024): "weighted_average"}
    [note] = [n for n in res.notes if n.code == "method_change"]
    assert note.year == Y(2024)
    assert note.message == ("cost formula changes from fifo to weighted_average from 2024/25 by election; pools "
                            "carried over at their cost (quantity and HKD cost unchanged)")
    # the closing FIFO lots of 2023/24 are the two purchases, untouched
    assert [(p.lot_id, p.quantity, p.cost_hkd) for p in res.closing[Y(2023)]] == [("b1", D(1), D(100)),
                                                                                  ("b2", D(1), D(300))]


def test_average_to_fifo_election_turns_the_pool_into_one_lot():
    events = [buy("b1", at(2023, 5, 1), "1", "100"), buy("b2", at(2023, 6, 1), "3", "300"),
              sell("s", at(2024, 5, 1), "1", "1000"), sell("s2", at(2024, 6, 1), "3", "1000")]
    res = run_ledger(events, method_for=by_year(AVG, FIFO))
    s, s2 = res.disposals
    assert s.method == "fifo" and s.cost_hkd == D("100") and s2.cost_hkd == D("300")
    [frag] = s.fragments
    assert frag.lot_id == "pool:BTC@2024/25" and frag.basis == "lot"
    mean_us = (epoch_us(at(2023, 5, 1)) + 3 * epoch_us(at(2023, 6, 1))) // 4
    assert frag.held_us == (epoch_us(at(2024, 5, 1)) - mean_us) * 1
    [note] = [n for n in res.notes if n.code == "method_change"]
    assert note.message.startswith("cost formula changes from weighted_average to fifo from 2024/25")


def test_an_empty_average_pool_converts_to_an_empty_lot_pool():
    events = [buy("b1", at(2023, 5, 1), "1", "100"), sell("s", at(2023, 6, 1), "1", "150"),
              buy("b2", at(2024, 5, 1), "2", "50"), sell("s2", at(2024, 6, 1), "1", "100")]
    res = run_ledger(events, method_for=by_year(AVG, FIFO))
    assert res.disposals[1].fragments[0].lot_id == "b2" and res.disposals[1].cost_hkd == D("25")
    assert res.closing[Y(2023)] == ()


def test_no_note_when_the_method_stays():
    res = run_ledger([buy("b", at(2023, 5, 1), "1", "1"), buy("c", at(2024, 5, 1), "1", "1")], method_for=FIFO)
    assert not [n for n in res.notes if n.code == "method_change"]
    assert res.methods == {Y(2023): "fifo", Y(2024): "fifo"}


def test_opening_lots_with_time_weight_under_fifo_and_average():
    t0 = at(2023, 1, 1)
    weight = D(2) * D(epoch_us(at(2022, 1, 1)))
    opening = [OpeningLot(asset="BTC", lot_id="open", quantity=D(2), cost_hkd=D(500), acquired_at=t0,
                          wallet="w1", time_weight=weight)]
    sale = [sell("s", at(2023, 5, 1), "1", "1000", wallet="w1")]
    fifo = run_ledger(sale, opening=opening, method_for=FIFO, per_wallet=True)
    [f] = fifo.disposals[0].fragments
    assert f.lot_id == "open" and f.cost_hkd == D(250)
    assert f.held_us == D(epoch_us(at(2023, 5, 1)) - epoch_us(at(2022, 1, 1)))
    assert fifo.opening == (PoolSnapshot("BTC", "w1", "open", t0, D(2), D(500), weight),)
    closing = fifo.closing_pools(Y(2023))
    assert [(p.wallet, p.quantity) for p in closing] == [("w1", D(1))]
    avg = run_ledger(sale, opening=opening, method_for=AVG, per_wallet=True)
    [g] = avg.disposals[0].fragments
    assert g.cost_hkd == D(250) and g.lot_id == "pool:BTC@w1"
    assert g.held_us == D(epoch_us(at(2023, 5, 1)) - epoch_us(at(2022, 1, 1)))
    # without a time weight the acquisition time of the opening lot counts
    plain = [OpeningLot(asset="BTC", lot_id="open", quantity=D(2), cost_hkd=D(500), acquired_at=t0)]
    for method in (FIFO, AVG):
        [h] = run_ledger([sell("s", at(2023, 5, 1), "1", "1000")], opening=plain, method_for=method
                         ).disposals[0].fragments
        assert h.held_us == D(epoch_us(at(2023, 5, 1)) - epoch_us(t0))
    # an opening balance counts as held: overselling it is a shortfall, not a disposal before acquisition
    over = run_ledger([sell("s", at(2023, 5, 1), "3", "1000")], opening=plain, allow_unknown_cost=True)
    assert [n.code for n in over.notes if n.code == "unknown_cost"] == ["unknown_cost"]


def test_per_wallet_pools_are_separate_only_when_asked():
    events = [buy("b1", at(2023, 5, 1), "1", "100", "w1"), buy("b2", at(2023, 6, 1), "1", "300", "w2"),
              sell("s", at(2023, 7, 1), "1", "1000", "w2")]
    per = run_ledger(events, method_for=FIFO, per_wallet=True)
    assert per.disposals[0].cost_hkd == D(300)
    assert [(p.wallet, p.lot_id) for p in per.closing_pools(Y(2023))] == [("w1", "b1")]
    shared = run_ledger(events, method_for=FIFO)
    assert shared.disposals[0].cost_hkd == D(100)
    assert [p.lot_id for p in shared.closing_pools(Y(2023))] == ["b2"]
    avg = run_ledger(events, method_for=AVG, per_wallet=True)
    assert [(p.wallet, p.lot_id) for p in avg.closing_pools(Y(2023))] == [("w1", "pool:BTC@w1")]


def test_specific_identification_keeps_the_pool_quantity_for_later_checks():
    import pytest

    from hkvatax.errors import InputError
    from hkvatax.models.events import LotPick, Transfer

    SID = LotMethod.SPECIFIC_ID
    base = [buy("b1", at(2023, 5, 1), "1", "100", "w1"), buy("b2", at(2023, 5, 2), "2", "300", "w1"),
            Disposal(id="s", timestamp=at(2023, 6, 1), asset="BTC", quantity=D("1.5"), proceeds=D(500), wallet="w1",
                     lots=(LotPick(lot_id="b2", quantity=D("1.5")),))]
    res = run_ledger(base, method_for=SID, per_wallet=True)
    assert res.disposals[0].cost_hkd == D(225)
    assert [(p.lot_id, p.quantity, p.cost_hkd) for p in res.closing_pools(Y(2023))] == [
        ("b1", D(1), D(100)), ("b2", D("0.5"), D(75))]
    # 1.5 is left: moving 1.5 is fine, moving 1.6 is refused
    ok = run_ledger(base + [Transfer(id="t", timestamp=at(2023, 7, 1), asset="BTC", quantity=D("1.5"),
                                     from_wallet="w1", to_wallet="w2")], method_for=SID, per_wallet=True)
    assert sorted((p.wallet, p.lot_id, p.quantity) for p in ok.closing_pools(Y(2023))) == [
        ("w2", "b1", D(1)), ("w2", "b2", D("0.5"))]
    with pytest.raises(InputError):
        run_ledger(base + [Transfer(id="t", timestamp=at(2023, 7, 1), asset="BTC", quantity=D("1.6"),
                                    from_wallet="w1", to_wallet="w2")], method_for=SID, per_wallet=True)
    # designating more than the lot holds names what it holds
    over = base[:2] + [Disposal(id="s", timestamp=at(2023, 6, 1), asset="BTC", quantity=D(3), proceeds=D(500),
                                wallet="w1", lots=(LotPick(lot_id="b2", quantity=D(3)),))]
    with pytest.raises(InputError) as err:
        run_ledger(over, method_for=SID, per_wallet=True)
    [p] = [p for p in err.value.problems if p.code == "unknown_lot"]
    assert p.message == "lot 'b2' of BTC does not exist here or holds 2, less than the 3 designated"
    missing = base[:2] + [Disposal(id="s", timestamp=at(2023, 6, 1), asset="BTC", quantity=D(1), proceeds=D(5),
                                   wallet="w1", lots=(LotPick(lot_id="zz", quantity=D(1)),))]
    with pytest.raises(InputError) as err:
        run_ledger(missing, method_for=SID, per_wallet=True)
    assert [p.message for p in err.value.problems if p.code == "unknown_lot"] == [
        "lot 'zz' of BTC does not exist here or holds 0, less than the 1 designated"]
