"""Issue 11: the cross-rate search is near-linear (a base quoted in thousands of codes costs O(log n) per
event, not O(quotes)), and it picks exactly what trying every quote in alphabetical order picks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from hkvatax.ledger.prices import PriceBook, epoch_us
from hkvatax.models.prices import Rate

T0 = datetime(2024, 5, 1, tzinfo=UTC)

observations = st.lists(
    st.tuples(st.sampled_from(["TOK", "A", "B", "C", "D", "E", "F", "G"]), st.sampled_from(["A", "B", "C", "D", "E",
              "F", "G", "HKD"]), st.integers(0, 60), st.integers(1, 9)), max_size=60)


@settings(max_examples=300, deadline=None)
@given(observations, st.lists(st.integers(-5, 80), min_size=1, max_size=20), st.integers(0, 20))
def test_the_timeline_answers_what_trying_each_quote_answers(obs: list[tuple[str, str, int, int]],
                                                             moments: list[int], age: int) -> None:
    rates = [Rate(base=b, quote=q, rate=Decimal(r), at=T0 + timedelta(hours=h), source="s")
             for b, q, h, r in obs if b != q]
    book = PriceBook(rates, max_age=timedelta(hours=age))
    for m in sorted(moments) + moments:
        at = epoch_us(T0 + timedelta(hours=m, minutes=7))
        for base in ("TOK", "A", "G"):
            assert book.to_hkd(base, Decimal(1), at) == book._to_hkd_by_search(base, Decimal(1), at)


def test_six_thousand_quotes_do_not_cost_six_thousand_look_ups_per_event() -> None:
    n = 6000
    rates = []
    for i in range(n):
        at = T0 + timedelta(minutes=i)
        rates.append(Rate(base="TOK", quote=f"Q{i:05d}", rate=Decimal(2), at=at, source="x"))
        if i % 2:  # half of the quotes reach HKD, each only for a minute
            rates.append(Rate(base=f"Q{i:05d}", quote="HKD", rate=Decimal(3), at=at, source="x"))
    book = PriceBook(rates, max_age=timedelta(seconds=59))
    calls = 0
    state = book._state

    def counted(key: tuple[str, str], at_us: int) -> object:
        nonlocal calls
        calls += 1
        return state(key, at_us)

    book._state = counted  # type: ignore[method-assign]
    found = sum(book.quote("TOK", epoch_us(T0 + timedelta(minutes=i, seconds=30))) is not None for i in range(n))
    assert found == n // 2
    assert calls <= 4 * n  # a few per event, however many quotes
