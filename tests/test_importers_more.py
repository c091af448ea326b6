"""The importers of issue 10: Binance statement, OKX, HashKey, wallet CSV; movements, internal moves, trade prices."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from hkvatax.io.importers import import_file
from hkvatax.models.events import Acquisition, Disposal, FeePaid, Receipt, Swap

DATA = Path(__file__).parent / "data" / "importers"
FILES = {"binance-statement": "binance_statement.csv", "okx-trades": "okx_trades.csv",
         "okx-funding": "okx_funding.csv", "hashkey": "hashkey_statement.csv", "wallet": "wallet.csv",
         "binance": "binance_trades.csv", "kraken": "kraken_ledgers.csv", "coinbase": "coinbase_transactions.csv",
         "cryptocom": "cryptocom_app.csv", "ledgerlive": "ledgerlive.csv"}


@pytest.mark.parametrize("fmt", sorted(FILES))
def test_every_row_used_reported_moved_or_internal(fmt: str) -> None:
    result = import_file(fmt, DATA / FILES[fmt])
    assert result.unaccounted() == []
    assert result.rows_read == len(result.row_lines) > 0


def test_binance_statement_trades_fills_fees_and_price() -> None:
    result = import_file("binance-statement", DATA / FILES["binance-statement"])
    assert result.problems == ()
    by_row = {e.source.row: e for e in result.events if e.source is not None}
    buy = by_row[3]
    assert isinstance(buy, Swap) and (buy.give_asset, buy.give_quantity) == ("USDT", Decimal("460"))
    assert (buy.receive_asset, buy.receive_quantity) == ("BTC", Decimal("0.02"))
    assert buy.fees[0].currency == "BNB" and buy.fees[0].amount == Decimal("0.0004")
    convert = by_row[8]
    assert isinstance(convert, Swap) and convert.receive_asset == "ETH" and convert.give_quantity == 100
    sale = by_row[16]
    assert isinstance(sale, Disposal) and sale.currency == "EUR" and sale.proceeds == 110
    assert sale.fees[0].amount == Decimal("0.11")
    kinds = sorted((e.source.row, e.receipt_type.value) for e in result.events if isinstance(e, Receipt))
    assert kinds == [(11, "lending_interest"), (12, "staking"), (13, "airdrop")]
    prices = {(p.base, p.quote, p.price) for p in result.prices}
    assert ("BTC", "USDT", Decimal(23000)) in prices and ("ETH", "USDT", Decimal(1600)) in prices
    assert [(m.source.row, m.direction, m.asset, m.quantity) for m in result.movements] == [
        (2, "in", "USDT", Decimal(1000)), (14, "out", "BTC", Decimal("0.0105"))]
    assert [src.row for src, _ in result.internal] == [10]
    assert [p.source.row for p in result.unsupported] == [15]
    assert {line for line, _ in result.also_used} == {4, 5, 6, 7, 9, 17, 18}


def test_binance_statement_broken_trade_is_an_error_of_its_rows_only() -> None:
    text = ('"User_ID","UTC_Time","Account","Operation","Coin","Change","Remark"\n'
            '"1","2023-03-01 10:00:00","Spot","Transaction Buy","BTC","0.01",""\n'
            '"1","2023-03-01 10:00:00","Spot","Transaction Buy","ETH","0.1",""\n'
            '"1","2023-03-02 10:00:00","Spot","Staking Rewards","ETH","0.001",""\n')
    result = import_file("binance-statement", text=text, file="s.csv")
    assert sorted((p.code, p.source.row) for p in result.problems) == [("bad_row", 2), ("bad_row", 3)]
    assert len(result.events) == 1 and result.unaccounted() == []


def test_binance_spot_keeps_the_trade_price() -> None:
    result = import_file("binance", DATA / "binance_trades.csv")
    obs = [(p.source.row, p.base, p.quote, p.price, p.origin) for p in result.prices]
    assert obs[0] == (2, "BTC", "USDT", Decimal(29000), "the trade itself")
    assert (4, "BTC", "EUR", Decimal(27000), "the trade itself") in obs


def test_okx_trades_legs_joined_by_id_with_naive_time_as_hong_kong() -> None:
    result = import_file("okx-trades", DATA / FILES["okx-trades"])
    swap, sale = result.events
    assert isinstance(swap, Swap) and swap.give_asset == "USDT" and swap.receive_quantity == Decimal("0.02")
    assert swap.fees[0].currency == "BTC" and swap.fees[0].amount == Decimal("0.00002")
    assert swap.timestamp.isoformat() == "2023-07-01T18:00:00+08:00"
    assert isinstance(sale, Disposal) and sale.currency == "USD" and sale.proceeds == 950
    assert [p.source.row for p in result.unsupported] == [7]
    assert [src.row for src, _ in result.internal] == [6]
    assert [(p.code, p.source.row) for p in result.problems] == [("bad_row", 8)]
    assert ("BTC", "USDT", Decimal(30500)) in {(p.base, p.quote, p.price) for p in result.prices}


def test_okx_funding_movements_receipts_internal() -> None:
    result = import_file("okx-funding", DATA / FILES["okx-funding"])
    assert [(m.direction, m.asset, m.quantity, m.fee) for m in result.movements] == [
        ("in", "USDT", Decimal(1000), None), ("out", "BTC", Decimal("0.019"), Decimal("0.0004"))]
    (stake,) = result.events
    assert isinstance(stake, Receipt) and stake.receipt_type.value == "staking"
    assert [src.row for src, _ in result.internal] == [5]
    assert [p.source.row for p in result.unsupported] == [6]


def test_hashkey_statement_fiat_trade_swap_withdrawal_with_hash() -> None:
    result = import_file("hashkey", DATA / FILES["hashkey"])
    assert result.problems == ()
    buy, swap = result.events
    assert isinstance(buy, Acquisition) and buy.cost == 21000 and buy.currency == "HKD" and buy.quantity == Decimal("0.1")
    assert buy.timestamp.isoformat() == "2023-10-01T01:00:00+00:00"
    assert isinstance(swap, Swap) and swap.give_asset == "ETH" and swap.receive_asset == "USDT"
    moves = [(m.direction, m.asset, m.quantity, m.fee, m.txid) for m in result.movements]
    assert moves == [("in", "HKD", Decimal(50000), None, ""), ("out", "BTC", Decimal("0.0995"), Decimal("0.0005"), "0xfeed")]
    assert ("BTC", "HKD", Decimal(210000)) in {(p.base, p.quote, p.price) for p in result.prices}
    assert [p.source.row for p in result.unsupported] == [7]


def test_wallet_csv_movements_and_receipts() -> None:
    result = import_file("wallet", DATA / FILES["wallet"])
    assert [(m.direction, m.quantity, m.fee, m.txid) for m in result.movements] == [
        ("in", Decimal("0.0995"), None, "0xfeed"), ("out", Decimal("0.05"), Decimal("0.0001"), "0xbeef")]
    (reward,) = result.events
    assert isinstance(reward, Receipt) and reward.receipt_type.value == "staking"


def test_kraken_fee2_and_single_leg_trade_keeps_the_rest() -> None:
    text = ('"txid","refid","time","type","subtype","aclass","asset","amount","fee","balance"\n'
            '"A","T1","2023-04-04 02:00:00","trade","","currency","ZUSD",-500,0,0\n'
            '"B","T9","2023-04-05 02:00:00","trade","","currency","XXBT",-0.1,0.0001,0\n'
            '"C","T9","2023-04-05 02:00:00","trade","","currency","XETH",1.5,0.001,0\n')
    result = import_file("kraken", text=text, file="k.csv")
    assert [(p.code, p.source.row) for p in result.problems] == [("bad_row", 2)]
    swap, fee = result.events
    assert isinstance(swap, Swap) and isinstance(fee, FeePaid) and fee.fee.currency == "ETH"
    assert ("ETH", "BTC", Decimal("0.0666666666666666666666")) not in {(p.base, p.quote, p.price) for p in result.prices}


def test_ledger_live_out_amount_includes_its_fee_and_fee_only_operations() -> None:
    result = import_file("ledgerlive", DATA / "ledgerlive.csv")
    assert result.problems == () and result.unaccounted() == []
    assert [(m.direction, m.quantity, m.fee, m.txid) for m in result.movements] == [
        ("in", Decimal("0.0995"), None, "0xfeed"), ("out", Decimal("0.0500"), Decimal("0.0001"), "0xbeef")]
    reward, fee = result.events
    assert isinstance(reward, Receipt) and reward.asset == "ATOM"
    assert isinstance(fee, FeePaid) and fee.fee.amount == Decimal("0.005") and fee.fee.currency == "ATOM"
    assert [p.source.row for p in result.unsupported] == [6, 7]
