"""hkvatax.ledger.chains: price chains through several quotes, and the nearest observations of a missing price."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from hkvatax.ledger.chains import describe_missing, find_chain, nearest_observations
from hkvatax.ledger.prices import epoch_us
from hkvatax.models import Rate

T0 = datetime(2024, 1, 1, tzinfo=UTC)
DAY = 86_400_000_000


def rate(base: str, quote: str, value: str, hours: float = 0, source: str = "s") -> Rate:
    return Rate(base=base, quote=quote, rate=value, at=T0 + timedelta(hours=hours), source=source)


def index(rates: Iterable[Rate]) -> tuple[dict[tuple[str, str], list[int]], dict[tuple[str, str], list[Rate]]]:
    series: dict[tuple[str, str], list[tuple[int, Rate]]] = defaultdict(list)
    for r in rates:
        series[(r.base, r.quote)].append((epoch_us(r.at), r))
    times, values = {}, {}
    for key, items in series.items():
        items.sort(key=lambda item: (item[0], item[1].source, item[1].rate))
        times[key] = [t for t, _ in items]
        values[key] = [r for _, r in items]
    return times, values


def at(hours: float) -> int:
    return epoch_us(T0 + timedelta(hours=hours))


def test_three_hops_bnb_usdt_usd_hkd_with_every_hop_and_exact_product() -> None:
    times, values = index([rate("BNB", "USDT", "612.5"), rate("USDT", "USD", "0.9998"), rate("USD", "HKD", "7.8123")])
    chain = find_chain(times, values, "BNB", "HKD", at(1), max_age_us=DAY)
    assert chain is not None
    assert chain.route == ("BNB", "USDT", "USD", "HKD")
    assert [h.rate for h in chain.hops] == [Decimal("612.5"), Decimal("0.9998"), Decimal("7.8123")]
    assert chain.rate == Decimal("612.5") * Decimal("0.9998") * Decimal("7.8123")


def test_direct_rate_wins_over_a_longer_chain() -> None:
    times, values = index([rate("BTC", "HKD", "500000"), rate("BTC", "USDT", "64000"), rate("USDT", "HKD", "7.8")])
    chain = find_chain(times, values, "BTC", "HKD", at(0), max_age_us=DAY)
    assert chain is not None and chain.route == ("BTC", "HKD")


def test_equal_length_chains_take_the_alphabetically_first_route() -> None:
    times, values = index([rate("ETH", "USDT", "3000"), rate("ETH", "EUR", "2800"), rate("USDT", "HKD", "7.8"),
                           rate("EUR", "HKD", "8.4")])
    chain = find_chain(times, values, "ETH", "HKD", at(0), max_age_us=DAY)
    assert chain is not None and chain.route == ("ETH", "EUR", "HKD")


def test_a_stale_hop_is_not_used_and_a_later_one_never() -> None:
    times, values = index([rate("BNB", "USDT", "600", hours=-30), rate("USDT", "HKD", "7.8"),
                           rate("BNB", "USDT", "610", hours=2)])
    assert find_chain(times, values, "BNB", "HKD", at(0), max_age_us=DAY) is None
    chain = find_chain(times, values, "BNB", "HKD", at(0), max_age_us=2 * DAY)
    assert chain is not None and chain.hops[0].rate == Decimal("600")


def test_no_inverse_rates_and_no_cycles_and_max_hops() -> None:
    times, values = index([rate("HKD", "USD", "0.128"), rate("A", "B", "2"), rate("B", "A", "0.5"),
                           rate("B", "C", "3"), rate("C", "D", "4"), rate("D", "HKD", "5")])
    assert find_chain(times, values, "USD", "HKD", at(0), max_age_us=DAY) is None
    assert find_chain(times, values, "A", "HKD", at(0), max_age_us=DAY, max_hops=3) is None
    chain = find_chain(times, values, "A", "HKD", at(0), max_age_us=DAY)
    assert chain is not None and chain.rate == Decimal(120)


def test_same_code_is_rate_one_with_no_hops() -> None:
    chain = find_chain({}, {}, "HKD", "HKD", 0, max_age_us=0)
    assert chain is not None and chain.hops == () and chain.rate == 1


def test_nearest_observations_either_side_ignore_age() -> None:
    times, values = index([rate("BNB", "USDT", "600", hours=-100), rate("BNB", "USDT", "620", hours=50),
                           rate("BNB", "BTC", "0.01", hours=-1)])
    near = nearest_observations(times, values, "BNB", at(0))
    assert [(n.pair, n.before and n.before.rate, n.after and n.after.rate) for n in near] == [
        (("BNB", "BTC"), Decimal("0.01"), None), (("BNB", "USDT"), Decimal("600"), Decimal("620"))]
    text = describe_missing("BNB", (T0).isoformat(), near)
    assert "BNB/USDT" in text and "600" in text and "620" in text and T0.isoformat() in text
    assert "no observation of DOGE" in describe_missing("DOGE", T0.isoformat(), ())


CODES = ["A", "B", "C", "HKD"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(CODES), st.sampled_from(CODES), st.integers(1, 999),
                          st.integers(-48, 48)), max_size=12))
def test_a_found_chain_is_valid_and_shortest(edges: list[tuple[str, str, int, int]]) -> None:
    rates = [rate(b, q, str(v), hours=h, source=f"s{i}") for i, (b, q, v, h) in enumerate(edges) if b != q]
    times, values = index(rates)
    chain = find_chain(times, values, "A", "HKD", at(0), max_age_us=DAY)
    usable = {(r.base, r.quote) for r in rates if 0 <= at(0) - epoch_us(r.at) <= DAY}
    if chain is None:
        # no path over usable pairs
        frontier, seen = {"A"}, {"A"}
        while frontier:
            frontier = {q for (b, q) in usable if b in frontier and q not in seen}
            seen |= frontier
        assert "HKD" not in seen
        return
    route = chain.route
    assert route[0] == "A" and route[-1] == "HKD" and len(set(route)) == len(route)
    for hop, (b, q) in zip(chain.hops, zip(route, route[1:], strict=False), strict=True):
        assert (hop.base, hop.quote) == (b, q) and epoch_us(hop.at) <= at(0)
    product = Decimal(1)
    for hop in chain.hops:
        product *= hop.rate
    assert chain.rate == product
    if ("A", "HKD") in usable:
        assert len(chain.hops) == 1
