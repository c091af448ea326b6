"""Proof that the ledger's additions and multiplications lose nothing (issue #2, "Money").

The ledger runs inside ``hkvatax.money.exact_context()``. Here that context is replaced by the same one
with ``decimal.Inexact`` *trapped*, and hypothesis feeds ledgers with 18-decimal token quantities,
18-decimal USD amounts, large prices and a USD→HKD rate of 19 significant digits. Only operations that
must be exact occur: amount × rate conversions, sums of fees, gross − fees, whole-lot FIFO and
specific-identification takes (no partial lot, so no division), holding periods of whole days. If any
of them rounded, ``Inexact`` would be raised. A control test shows the trap does fire on a division.
"""

from __future__ import annotations

import decimal
import functools
from collections import deque
from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

import hkvatax.ledger.core as matching
from hkvatax import money
from hkvatax.ledger import run_ledger
from hkvatax.models import (
    Acquisition,
    Asset,
    Disposal,
    Fee,
    LotMethod,
    LotPick,
    Rate,
    Receipt,
    ReceiptType,
    Swap,
)
from tests.strategies import START

PLACES = 18
RATE = Decimal("7.812345678901234567")  # 19 significant digits, 18 decimals
USD_RATE = Rate(base="USD", quote="HKD", rate=RATE, at=START - timedelta(days=1), source="test")

quantity_18 = st.integers(1, 10**12 * 10**PLACES).map(lambda n: Decimal(n).scaleb(-PLACES))
usd_18 = st.integers(1, 10**14 * 10**PLACES).map(lambda n: Decimal(n).scaleb(-PLACES))  # up to US$10^14


@pytest.fixture
def trapping(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the ledger's own local context trap Inexact."""
    monkeypatch.setattr(matching, "exact_context", functools.partial(money.exact_context, trap_inexact=True))


@st.composite
def whole_lot_ledgers(draw: st.DrawFn, method: LotMethod) -> list:
    symbols = ("BTC", "ETH")
    lots: dict[str, deque[tuple[str, Decimal]]] = {s: deque() for s in symbols}
    events: list = []
    at = START
    for n in range(draw(st.integers(1, 20))):
        at += timedelta(days=draw(st.integers(1, 400)))  # whole days: holding periods divide exactly
        eid = f"e{n:03d}"
        held = [s for s in symbols if lots[s]]
        kind = draw(st.sampled_from(["acquisition", "receipt"] + (["disposal", "swap"] if held else [])))
        fees = (Fee(amount=draw(usd_18), currency="USD"),) if draw(st.booleans()) else ()
        if kind in {"acquisition", "receipt"}:
            asset = draw(st.sampled_from(symbols))
            qty = draw(quantity_18)
            if kind == "acquisition":
                events.append(Acquisition(id=eid, timestamp=at, asset=asset, quantity=qty, cost=draw(usd_18),
                                          currency="USD", fees=fees))
            else:
                events.append(Receipt(id=eid, timestamp=at, asset=asset, quantity=qty, value=draw(usd_18),
                                      value_currency="USD", receipt_type=ReceiptType.STAKING))
            lots[asset].append((eid, qty))
            continue
        asset = draw(st.sampled_from(held))
        if method is LotMethod.SPECIFIC_ID:
            index = draw(st.integers(0, len(lots[asset]) - 1))
            lot_id, qty = lots[asset][index]
            del lots[asset][index]
            picks = (LotPick(lot_id=lot_id, quantity=qty),)
        else:
            lot_id, qty = lots[asset].popleft()
            picks = ()
        if kind == "disposal":
            events.append(Disposal(id=eid, timestamp=at, asset=asset, quantity=qty, proceeds=draw(usd_18),
                                   currency="USD", fees=fees, lots=picks))
        else:
            other = next(s for s in symbols if s != asset)
            rqty = draw(quantity_18)
            events.append(Swap(id=eid, timestamp=at, give_asset=asset, give_quantity=qty, receive_asset=other,
                               receive_quantity=rqty, value=draw(usd_18), value_currency="USD", fees=fees,
                               lots=picks))
            lots[other].append((eid, rqty))
    return events


def _run(events: list, method: LotMethod):  # noqa: ANN202
    return run_ledger(events, assets=(Asset(symbol="BTC"), Asset(symbol="ETH")), rates=(USD_RATE,),
                      method_for=method, price_max_age=timedelta(days=100_000))


@pytest.mark.usefixtures("trapping")
@given(st.data(), st.sampled_from([LotMethod.FIFO, LotMethod.SPECIFIC_ID]))
def test_additions_and_multiplications_are_exact(data: st.DataObject, method: LotMethod) -> None:
    events = data.draw(whole_lot_ledgers(method))
    before = decimal.getcontext()
    snapshot = (before.prec, before.rounding, dict(before.traps), before.Emin, before.Emax)
    result = _run(events, method)  # would raise decimal.Inexact if any step rounded
    after = decimal.getcontext()
    assert after is before
    assert (after.prec, after.rounding, dict(after.traps), after.Emin, after.Emax) == snapshot
    # and the figures are the exact products: every HKD amount is the USD amount times the rate
    with decimal.localcontext(decimal.Context(prec=1000)):
        for d in result.disposals:
            assert len(d.fragments) == 1
            assert d.holding_days == d.holding_days.to_integral_value()
            usd = next(e for e in events if e.id == d.event_id)
            gross_usd = usd.proceeds if isinstance(usd, Disposal) else usd.value
            assert d.gross_proceeds_hkd == gross_usd * RATE
            assert d.fees_hkd == sum((f.amount * RATE for f in usd.fees), Decimal(0))


@pytest.mark.usefixtures("trapping")
def test_the_trap_fires_on_a_partial_lot() -> None:
    """Control: the same trap does catch an inexact division (a third of a lot)."""
    events = [
        Acquisition(id="buy", timestamp=START, asset="BTC", quantity=Decimal(3), cost=Decimal(1)),
        Disposal(id="sell", timestamp=START + timedelta(days=1), asset="BTC", quantity=Decimal(1),
                 proceeds=Decimal(1)),
    ]
    with pytest.raises(decimal.Inexact):
        _run(events, LotMethod.FIFO)


def test_global_context_untouched_by_a_normal_run() -> None:
    decimal.getcontext().prec = 28
    events = [
        Acquisition(id="buy", timestamp=START, asset="BTC", quantity=Decimal(3), cost=Decimal(1)),
        Disposal(id="sell", timestamp=START + timedelta(days=1), asset="BTC", quantity=Decimal(1),
                 proceeds=Decimal(1)),
    ]
    result = _run(events, LotMethod.FIFO)
    assert decimal.getcontext().prec == 28
    # the share was computed with the library's digits, not the global 28
    assert result.disposals[0].cost_hkd == Decimal("0.3333333333333333333333333333333333333333")
