"""The price file (docs/formats.md § 3, decision 0110) and the named rate conventions (decision 0111)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from hkvatax.io import CONVENTIONS, convention_rates, read_price_file
from hkvatax.ledger import PriceBook, epoch_us

HEADER = "instant,date,base,quote,price,source\n"
HKT = timezone(timedelta(hours=8))


def test_a_date_covers_its_hong_kong_day_under_the_lookup_rule() -> None:
    rates, problems = read_price_file(text=HEADER + ",2024-03-01,USDT,USD,0.9998,daily close\n", file="p.csv")
    assert problems == []
    (rate,) = rates
    assert rate.at == datetime(2024, 3, 1, tzinfo=HKT)
    assert rate.source == "daily close (p.csv row 2)" and rate.provenance is not None and rate.provenance.row == 2
    book = PriceBook(rates)
    first, last = datetime(2024, 3, 1, 0, 0, tzinfo=HKT), datetime(2024, 3, 1, 23, 59, 59, tzinfo=HKT)
    assert book.latest("USDT", "USD", epoch_us(first)) == rate
    assert book.latest("USDT", "USD", epoch_us(last)) == rate
    assert book.latest("USDT", "USD", epoch_us(first - timedelta(microseconds=1))) is None
    # 29 Feb 23:30 UTC is 1 March in Hong Kong
    assert book.latest("USDT", "USD", epoch_us(datetime(2024, 2, 29, 16, 30, tzinfo=UTC))) == rate


@pytest.mark.parametrize(("row", "code", "column"), [
    ("2024-03-01T10:00:00+08:00,2024-03-01,BTC,USD,1,s", "invalid_field", "date"),
    (",,BTC,USD,1,s", "missing_field", "instant"),
    (",2024-03-01,BTC,USD,1,", "missing_field", "source"),
    (",2024-02-30,BTC,USD,1,s", "bad_timestamp", "date"),
    ("2024-03-01T10:00:00,,BTC,USD,1,s", "naive_timestamp", "instant"),
    (",2024-03-01,BTC,USD,NaN,s", "not_a_number", "price"),
    (",2024-03-01,BTC,USD,0,s", "non_positive", "price"),
    (",2024-03-01,BTC,USD,1e30,s", "absurd_magnitude", "price"),
    (",2024-03-01,BTC,USD,0.0000000000000000001,s", "too_many_decimals", "price"),
    (",2024-03-01,BTC,USD", "bad_row", None),
])
def test_every_bad_row_is_named_and_the_rest_is_read(row: str, code: str, column: str | None) -> None:
    text = HEADER + row + "\n,2024-03-02,BTC,USD,62000.5,s\n"
    rates, problems = read_price_file(text=text, file="p.csv")
    assert [(p.code, p.source.row, p.column) for p in problems] == [(code, 2, column)]
    assert [r.rate for r in rates] == [Decimal("62000.5")]


def test_header_problems() -> None:
    _, problems = read_price_file(text="when,base,price\n", file="p.csv")
    assert sorted(p.code for p in problems) == ["missing_field", "missing_field", "missing_field", "unknown_field"]
    assert [p.code for p in read_price_file(text="", file="p.csv")[1]] == ["bad_file"]


def test_conventions_only_when_named_and_with_their_id_in_the_source() -> None:
    at = [datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 2, tzinfo=UTC)]
    assert convention_rates([], at) == ([], [])
    rates, problems = convention_rates(["usdt_usd_par", "usd_hkd_7_80"], at)
    assert problems == [] and len(rates) == 4
    assert {(r.base, r.quote, r.rate) for r in rates} == {("USDT", "USD", Decimal(1)), ("USD", "HKD", Decimal("7.80"))}
    assert all(r.source.startswith("assumption ") and "0111" in r.source for r in rates)
    assert set(CONVENTIONS) == {"usdt_usd_par", "usdc_usd_par", "usd_hkd_7_80"}
