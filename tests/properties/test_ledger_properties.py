"""Properties of the ledger that must hold for every valid ledger (hypothesis, tests/strategies.py)."""

from __future__ import annotations

import decimal
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from hkvatax.ledger import LedgerResult, PoolSnapshot, method_schedule, run_ledger
from hkvatax.models import Disposal, LotMethod, MethodElection
from hkvatax.periods import YearOfAssessment
from tests.strategies import GeneratedLedger, ledgers

METHODS = st.sampled_from([LotMethod.WEIGHTED_AVERAGE, LotMethod.FIFO, LotMethod.SPECIFIC_ID])


@contextmanager
def wide() -> Iterator[None]:
    """The test's own sums run with enough digits never to round (so 'exactly' means exactly)."""
    with decimal.localcontext(decimal.Context(prec=5000, traps=[decimal.Inexact, decimal.InvalidOperation])):
        yield


def comparable(result_disposals) -> list[dict]:
    """Disposals as dicts, without ``source``: an event without provenance is named by its input position."""
    return [{k: v for k, v in d.to_dict().items() if k != "source"} for d in result_disposals]


def last_closing(result: LedgerResult) -> tuple[PoolSnapshot, ...]:
    return result.closing[max(result.closing)] if result.closing else ()


@given(ledgers(), METHODS, st.booleans())
def test_quantity_conserved_per_asset(ledger: GeneratedLedger, method: LotMethod, per_wallet: bool) -> None:
    result = ledger.run(method, per_wallet=per_wallet)
    with wide():
        flow: dict[str, Decimal] = defaultdict(Decimal)
        for lot in result.lots:
            flow[lot.asset] += lot.quantity
        for d in result.disposals:
            flow[d.asset] -= d.quantity
        closing: dict[str, Decimal] = defaultdict(Decimal)
        for snap in last_closing(result):
            closing[snap.asset] += snap.quantity
    assert {a: q for a, q in flow.items() if q} == {a: q for a, q in closing.items() if q}
    assert {a: q for a, q in closing.items() if q} == ledger.totals()
    if per_wallet:
        by_wallet = {(s.asset, s.wallet): s.quantity for s in last_closing(result)}
        # one pool per (asset, wallet), each holding what the generator says that wallet holds
        summed: dict[tuple[str, str | None], Decimal] = defaultdict(Decimal)
        for snap in last_closing(result):
            summed[(snap.asset, snap.wallet)] += snap.quantity
        assert dict(summed) == ledger.holdings
        assert set(by_wallet) == set(ledger.holdings)


@given(ledgers(), METHODS, st.booleans())
def test_hkd_cost_conserved_exactly(ledger: GeneratedLedger, method: LotMethod, per_wallet: bool) -> None:
    result = ledger.run(method, per_wallet=per_wallet)
    with wide():
        acquired = sum((lot.cost_hkd for lot in result.lots), Decimal(0))
        matched = sum((d.cost_hkd for d in result.disposals), Decimal(0))
        closing = sum((s.cost_hkd for s in last_closing(result)), Decimal(0))
        assert acquired == matched + closing


@given(ledgers(), METHODS)
def test_fragments_sum_to_their_disposal(ledger: GeneratedLedger, method: LotMethod) -> None:
    result = ledger.run(method)
    with wide():
        for d in result.disposals:
            assert d.fragments
            assert sum((f.quantity for f in d.fragments), Decimal(0)) == d.quantity
            assert sum((f.cost_hkd for f in d.fragments), Decimal(0)) == d.cost_hkd
            assert sum((f.proceeds_hkd for f in d.fragments), Decimal(0)) == d.proceeds_hkd
            assert all(f.quantity > 0 for f in d.fragments)


@given(ledgers(), METHODS)
def test_gain_is_proceeds_minus_cost_exactly(ledger: GeneratedLedger, method: LotMethod) -> None:
    result = ledger.run(method)
    decimal.getcontext().prec = 28  # the caller's context must not matter (the default has 28 digits)
    gains = [(d.gain_hkd, [f.gain_hkd for f in d.fragments]) for d in result.disposals]
    with wide():
        for d, (gain, fragment_gains) in zip(result.disposals, gains, strict=True):
            assert d.proceeds_hkd == d.gross_proceeds_hkd - d.fees_hkd
            assert gain == d.proceeds_hkd - d.cost_hkd
            assert fragment_gains == [f.proceeds_hkd - f.cost_hkd for f in d.fragments]
            assert sum(fragment_gains, Decimal(0)) == gain


def _close_everything(ledger: GeneratedLedger, proceeds: Decimal) -> tuple[Disposal, ...]:
    last = ledger.events[-1].timestamp
    out = []
    for n, ((asset, wallet), qty) in enumerate(sorted(ledger.holdings.items())):
        out.append(Disposal(id=f"close-{n}", timestamp=last + timedelta(days=1), wallet=wallet, asset=asset,
                            quantity=qty, proceeds=proceeds))
    return tuple(out)


@given(ledgers(), st.integers(1, 10**9).map(Decimal))
def test_total_gain_same_under_fifo_and_average_when_all_closed(ledger: GeneratedLedger, proceeds: Decimal) -> None:
    events = ledger.events + _close_everything(ledger, proceeds)
    closed = GeneratedLedger(events=events, assets=ledger.assets, rates=ledger.rates)
    fifo = closed.run(LotMethod.FIFO)
    average = closed.run(LotMethod.WEIGHTED_AVERAGE)
    assert not last_closing(fifo) and not last_closing(average)
    with wide():
        assert sum((d.gain_hkd for d in fifo.disposals), Decimal(0)) == sum(
            (d.gain_hkd for d in average.disposals), Decimal(0))


def _split_by_year(ledger: GeneratedLedger) -> list[tuple[YearOfAssessment, list]]:
    years: dict[YearOfAssessment, list] = defaultdict(list)
    for e in ledger.events:
        years[YearOfAssessment.containing(e.timestamp)].append(e)
    return sorted(years.items())


@given(ledgers(max_gap_days=200), METHODS, st.booleans())
def test_year_by_year_with_carried_pools_equals_all_at_once(
    ledger: GeneratedLedger, method: LotMethod, per_wallet: bool
) -> None:
    together = ledger.run(method, per_wallet=per_wallet)
    carried: tuple[PoolSnapshot, ...] = ()
    pieces = []
    for year, events in _split_by_year(ledger):
        part = GeneratedLedger(events=tuple(events), assets=ledger.assets, rates=ledger.rates)
        result = part.run(method, per_wallet=per_wallet, opening=carried)
        pieces.extend(result.disposals)
        carried = result.closing[year]
        assert [s.to_dict() for s in carried] == [s.to_dict() for s in together.closing[year]]
    assert comparable(pieces) == comparable(together.disposals)


@given(ledgers(), METHODS, st.randoms(use_true_random=False))
def test_outcome_does_not_depend_on_row_order(ledger: GeneratedLedger, method: LotMethod, rnd) -> None:
    shuffled = list(ledger.events)
    rnd.shuffle(shuffled)
    a = ledger.run(method)
    b = GeneratedLedger(events=tuple(shuffled), assets=ledger.assets, rates=ledger.rates).run(method)
    assert comparable(a.disposals) == comparable(b.disposals)
    assert [s.to_dict() for s in last_closing(a)] == [s.to_dict() for s in last_closing(b)]
    assert [replace(r, source=None) for r in a.lots] == [replace(r, source=None) for r in b.lots]
    assert [replace(r, source=None) for r in a.outgoings] == [replace(r, source=None) for r in b.outgoings]


@given(ledgers(max_gap_days=200), st.lists(METHODS, min_size=1, max_size=4), st.booleans())
def test_conservation_across_method_elections(ledger: GeneratedLedger, methods: list[LotMethod],
                                              per_wallet: bool) -> None:
    """A change of cost formula by election carries pools over at cost: nothing created or lost."""
    schedule = method_schedule(tuple(MethodElection(method=m, from_year=str(2022 + i))
                                     for i, m in enumerate(methods)))
    result = run_ledger(ledger.events, assets=ledger.assets, rates=ledger.rates, method_for=schedule,
                        per_wallet=per_wallet, price_max_age=timedelta(days=36600))
    with wide():
        acquired = sum((lot.cost_hkd for lot in result.lots), Decimal(0))
        matched = sum((d.cost_hkd for d in result.disposals), Decimal(0))
        closing = sum((s.cost_hkd for s in last_closing(result)), Decimal(0))
        assert acquired == matched + closing
        held: dict[str, Decimal] = defaultdict(Decimal)
        for snap in last_closing(result):
            held[snap.asset] += snap.quantity
    assert {a: q for a, q in held.items() if q} == ledger.totals()
