"""Exact ledger figures that pin down matching, fees, valuation, prices and ordering (mutation guards)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest

from hkvatax.errors import InputError
from hkvatax.ledger import PriceBook, run_ledger, sort_key
from hkvatax.models.events import Acquisition, Disposal, Fee, Loss, LotPick, Receipt, Swap, Transfer
from hkvatax.models.prices import Rate
from hkvatax.models.taxpayers import LotMethod


def t(day: int, hour: int = 0) -> datetime:
    return datetime(2023, 5, day, hour, tzinfo=UTC)


def buy(i: str, day: int, qty: str, cost: str, **kw: object) -> Acquisition:
    return Acquisition(id=i, timestamp=t(day), asset="BTC", quantity=D(qty), cost=D(cost), **kw)


def sell(i: str, day: int, qty: str, proceeds: str, **kw: object) -> Disposal:
    return Disposal(id=i, timestamp=t(day), asset="BTC", quantity=D(qty), proceeds=D(proceeds), **kw)


def test_fifo_and_average_costs_differ_exactly() -> None:
    events = [buy("b1", 1, "1", "100"), buy("b2", 2, "1", "300"), sell("s", 3, "1.5", "600")]
    fifo = run_ledger(events, method_for=LotMethod.FIFO).disposals[0]
    assert fifo.cost_hkd == D("250") and [f.lot_id for f in fifo.fragments] == ["b1", "b2"]
    assert [f.quantity for f in fifo.fragments] == [D("1"), D("0.5")]
    assert sum(f.proceeds_hkd for f in fifo.fragments) == D("600")
    avg = run_ledger(events, method_for=LotMethod.WEIGHTED_AVERAGE).disposals[0]
    assert avg.cost_hkd == D("300") and avg.gain_hkd == D("300")


def test_fees_add_to_cost_and_reduce_proceeds() -> None:
    events = [buy("b", 1, "2", "100", fees=(Fee(amount=D("4")),)), sell("s", 2, "1", "90", fees=(Fee(amount=D("2")),))]
    result = run_ledger(events, method_for=LotMethod.FIFO)
    d = result.disposals[0]
    assert (d.gross_proceeds_hkd, d.fees_hkd, d.proceeds_hkd, d.cost_hkd) == (D("90"), D("2"), D("88"), D("52"))
    assert result.lots[0].cost_hkd == D("104")


def test_token_fee_is_a_disposal_at_market_value() -> None:
    rates = [Rate(base="BTC", rate=D("200"), at=t(2), source="x")]
    events = [buy("b", 1, "1", "100"), sell("s", 2, "0.5", "100", fees=(Fee(amount=D("0.1"), currency="BTC"),))]
    result = run_ledger(events, rates=rates, method_for=LotMethod.FIFO)
    ids = [(d.disposal_id, d.quantity, d.proceeds_hkd, d.cost_hkd) for d in result.disposals]
    assert ids == [("s", D("0.5"), D("80"), D("50")), ("s#fee0", D("0.1"), D("20"), D("10"))]


@pytest.mark.parametrize(("valuation", "value"), [("received", D("500")), ("given", D("400"))])
def test_swap_valuation(valuation: str, value: D) -> None:
    rates = [Rate(base="BTC", rate=D("400"), at=t(2), source="x"), Rate(base="ETH", rate=D("100"), at=t(2), source="x")]
    events = [buy("b", 1, "1", "100"), Swap(id="w", timestamp=t(2), give_asset="BTC", give_quantity=D("1"),
                                            receive_asset="ETH", receive_quantity=D("5"))]
    result = run_ledger(events, rates=rates, swap_valuation=valuation)
    assert result.disposals[0].proceeds_hkd == value
    assert [(lot.asset, lot.cost_hkd) for lot in result.lots] == [("BTC", D("100")), ("ETH", value)]


@pytest.mark.parametrize(("basis", "cost"), [("market_value", D("30")), ("nil", D("0"))])
def test_receipt_cost_basis(basis: str, cost: D) -> None:
    events = [Receipt(id="r", timestamp=t(1), receipt_type="staking", asset="DOT", quantity=D("3"), value=D("30"))]
    result = run_ledger(events, receipt_cost_basis=basis)
    assert result.lots[0].cost_hkd == cost and result.receipts[0].market_value_hkd == D("30")


def test_specific_id_and_unknown_lot() -> None:
    events = [buy("b1", 1, "1", "100"), buy("b2", 2, "1", "300"),
              sell("s", 3, "1", "500", lots=(LotPick(lot_id="b2", quantity=D("1")),))]
    d = run_ledger(events, method_for=LotMethod.SPECIFIC_ID).disposals[0]
    assert d.cost_hkd == D("300") and d.fragments[0].lot_id == "b2"
    bad = events[:2] + [sell("s", 3, "1", "500", lots=(LotPick(lot_id="zz", quantity=D("1")),))]
    with pytest.raises(InputError) as info:
        run_ledger(bad, method_for=LotMethod.SPECIFIC_ID)
    assert "unknown_lot" in info.value.codes


def test_allow_unknown_cost_takes_excess_at_nil() -> None:
    result = run_ledger([buy("b", 1, "1", "100"), sell("s", 2, "3", "300")], allow_unknown_cost=True,
                        method_for=LotMethod.FIFO)
    d = result.disposals[0]
    assert d.cost_hkd == D("100") and d.fragments[-1].quantity == D("2") and d.fragments[-1].lot_id == "UNKNOWN"
    assert [n.code for n in result.notes if n.code == "unknown_cost"] == ["unknown_cost"]


def test_same_instant_buy_before_sell_and_loss() -> None:
    events = [sell("s", 1, "1", "10"), buy("b", 1, "1", "5")]
    assert sort_key(events[1]) < sort_key(events[0])
    assert run_ledger(events).disposals[0].cost_hkd == D("5")
    loss = Loss(id="l", timestamp=t(2), asset="BTC", quantity=D("1"))
    d = run_ledger([buy("b", 1, "1", "5"), loss]).disposals[0]
    assert (d.proceeds_hkd, d.cost_hkd, d.kind) == (D("0"), D("5"), "loss")


def test_per_wallet_transfer_moves_cost() -> None:
    events = [buy("b", 1, "2", "100", wallet="A"),
              Transfer(id="t", timestamp=t(2), asset="BTC", quantity=D("1"), from_wallet="A", to_wallet="B"),
              sell("s", 3, "1", "80", wallet="B")]
    d = run_ledger(events, per_wallet=True, method_for=LotMethod.FIFO).disposals[0]
    assert d.cost_hkd == D("50") and d.wallet == "B"
    with pytest.raises(InputError) as info:
        run_ledger(events[:1] + [sell("s", 3, "1", "80", wallet="B")], per_wallet=True)
    assert info.value.codes == ["oversell"]


def test_price_book_age_and_cross_rate() -> None:
    rates = [Rate(base="USDT", quote="USD", rate=D("1"), at=t(1), source="a"),
             Rate(base="USD", rate=D("7.8"), at=t(1), source="b")]
    book = PriceBook(rates, max_age=timedelta(days=1))
    from hkvatax.ledger import epoch_us
    value, convs = book.to_hkd("USDT", D("10"), epoch_us(t(1, 12)))  # type: ignore[misc]
    assert value == D("78.0") and [c.base for c in convs] == ["USDT", "USD"]
    assert book.to_hkd("USDT", D("10"), epoch_us(t(2, 1))) is None  # older than a day
    assert book.to_hkd("USDT", D("10"), epoch_us(t(1) - timedelta(seconds=1))) is None  # before any rate
    assert book.to_hkd("HKD", D("3"), 0) == (D("3"), ())


def test_closing_pools_snapshot() -> None:
    result = run_ledger([buy("b1", 1, "1", "100"), buy("b2", 2, "1", "300"), sell("s", 3, "1.5", "600")],
                        method_for=LotMethod.FIFO)
    (snaps,) = result.closing.values()
    assert [(s.lot_id, s.quantity, s.cost_hkd) for s in snaps] == [("b2", D("0.5"), D("150"))]
