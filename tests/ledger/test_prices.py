"""hkvatax.ledger.prices: the price book (docs/decisions/0004-price-lookup.md)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from hkvatax.ledger import PriceBook, epoch_us
from hkvatax.models import Rate

HKT = timezone(timedelta(hours=8))
T0 = datetime(2024, 1, 1, tzinfo=HKT)


def rate(base: str, value: str, hours: float = 0, quote: str = "HKD", source: str = "s") -> Rate:
    return Rate(base=base, quote=quote, rate=value, at=T0 + timedelta(hours=hours), source=source)


def us(hours: float) -> int:
    return epoch_us(T0 + timedelta(hours=hours))


def test_epoch_us_is_exact() -> None:
    assert epoch_us(datetime(1970, 1, 1, tzinfo=UTC)) == 0
    assert epoch_us(datetime(1970, 1, 1, 8, 0, 0, 1, tzinfo=HKT)) == 1


def test_hkd_needs_no_rate_and_latest_not_after_the_instant() -> None:
    book = PriceBook([rate("USD", "7.8", 0), rate("USD", "7.9", 10)])
    assert book.to_hkd("HKD", Decimal(5), us(0)) == (Decimal(5), ())
    value, (conv,) = book.to_hkd("USD", Decimal(2), us(9))
    assert value == Decimal("15.6") and conv.rate == Decimal("7.8") and conv.at == T0
    assert book.to_hkd("USD", Decimal(2), us(10))[0] == Decimal("15.8")
    assert book.to_hkd("USD", Decimal(2), us(-1)) is None  # nothing before the first rate


def test_max_age() -> None:
    book = PriceBook([rate("USD", "7.8", 0)], max_age=timedelta(hours=24))
    assert book.to_hkd("USD", Decimal(1), us(24)) is not None
    assert book.to_hkd("USD", Decimal(1), us(24.001)) is None
    assert PriceBook([rate("USD", "7.8", 0)], max_age=timedelta(0)).to_hkd("USD", Decimal(1), us(0.001)) is None


def test_cross_rate_first_quote_alphabetically() -> None:
    book = PriceBook([rate("ETH", "3000", quote="USD"), rate("ETH", "2800", quote="EUR"),
                      rate("USD", "7.8"), rate("EUR", "8.5")])
    value, convs = book.to_hkd("ETH", Decimal(1), us(1))
    assert value == Decimal("23800.0")  # EUR sorts before USD
    assert [(c.base, c.quote) for c in convs] == [("ETH", "EUR"), ("EUR", "HKD")]
    # a direct rate always wins
    direct = PriceBook([rate("ETH", "3000", quote="USD"), rate("USD", "7.8"), rate("ETH", "24000")])
    assert direct.to_hkd("ETH", Decimal(1), us(1))[0] == Decimal(24000)
    assert not direct.has_any("BTC") and direct.has_any("ETH")


def test_same_instant_ties_do_not_depend_on_input_order() -> None:
    rates = [rate("USD", "7.80", source="b"), rate("USD", "7.85", source="a"), rate("USD", "7.82", source="b")]
    results = set()
    for seed in range(6):
        shuffled = rates[:]
        random.Random(seed).shuffle(shuffled)
        value, (conv,) = PriceBook(shuffled).to_hkd("USD", Decimal(1), us(0))
        results.add((value, conv.source))
    assert results == {(Decimal("7.82"), "b")}  # the last in (source, rate) order
