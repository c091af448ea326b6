"""A cost-formula change carries per-wallet pools over with their wallet; an emptied average pool becomes an
empty FIFO pool; income records keep their ids as the aggregates' samples."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D

from hkvatax.ledger import run_ledger
from hkvatax.ledger.aggregate import aggregate
from hkvatax.models.events import Acquisition, Disposal, Income
from hkvatax.models.taxpayers import LotMethod
from hkvatax.periods import YearOfAssessment as Y


def at(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, tzinfo=UTC)


def method(year: Y) -> LotMethod:
    return LotMethod.WEIGHTED_AVERAGE if year < Y(2024) else LotMethod.FIFO


def test_average_to_fifo_keeps_the_wallet_and_drops_empty_pools() -> None:
    events = [
        Acquisition(id="a", timestamp=at(2023, 5, 1), asset="BTC", quantity=D(2), cost=D(100), wallet="cold"),
        Acquisition(id="b", timestamp=at(2023, 5, 2), asset="ETH", quantity=D(1), cost=D(10), wallet="hot"),
        Disposal(id="s", timestamp=at(2023, 6, 1), asset="ETH", quantity=D(1), proceeds=D(12), wallet="hot"),
        Disposal(id="t", timestamp=at(2024, 6, 1), asset="BTC", quantity=D(1), proceeds=D(80), wallet="cold"),
        Income(id="i", timestamp=at(2024, 7, 1), income_type="interest", amount=D(3)),
    ]
    res = run_ledger(events, method_for=method, per_wallet=True)
    closing = {(s.asset, s.wallet, s.quantity, s.cost_hkd) for s in res.closing[Y(2024)]}
    assert closing == {("BTC", "cold", D(1), D(50))}
    assert [n.code for n in res.notes if n.code == "method_change"] == ["method_change"]
    assert [(d.disposal_id, d.proceeds_hkd - d.cost_hkd) for d in res.disposals] == [("s", D(2)), ("t", D(30))]
    agg = aggregate(res)
    [(key, group)] = agg.incomes.items()
    assert key == (Y(2024), "interest", None, False)
    assert [s[0] for s in group.samples] == ["i"] and group.total == D(3)
