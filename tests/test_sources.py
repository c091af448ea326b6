"""hkvatax.io.import_sources: several sources into one ledger; transfer pairing, answers, provenance, prices."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from hkvatax.cli import main
from hkvatax.io import Source, import_sources, read_csv_events, read_rates_csv
from hkvatax.models.events import Transfer

DATA = Path(__file__).parent / "data" / "importers"
WALLET_HEADER = "timestamp,type,asset,quantity,fee,txid,note\n"


def wallet(tmp_path: Path, name: str, *rows: str) -> Path:
    path = tmp_path / name
    path.write_text(WALLET_HEADER + "".join(r + "\n" for r in rows))
    return path


def src(path: Path, account: str) -> Source:
    return Source("wallet", path, account)


def transfers(book_rows: list[dict[str, str]]) -> list[dict[str, str]]:
    return [r for r in book_rows if r["kind"] == "transfer"]


def test_source_spec_parsing() -> None:
    assert Source.parse("binance-statement:a/b.csv@binance-main") == Source("binance-statement", Path("a/b.csv"),
                                                                               "binance-main")
    assert Source.parse("wallet:x@y@cold").account == "cold" and Source.parse("wallet:x@y@cold").path == Path("x@y")
    assert Source.parse("kraken:k.csv").account == ""
    with pytest.raises(ValueError):
        Source.parse("kraken")


def test_withdrawal_and_deposit_become_one_transfer_with_the_network_fee(tmp_path: Path) -> None:
    a = wallet(tmp_path, "a.csv", "2024-01-01T00:00:00Z,send,BTC,1.0005,,,")
    b = wallet(tmp_path, "b.csv", "2024-01-01T02:00:00Z,receive,BTC,1,,,")
    book = import_sources([src(a, "exchange"), src(b, "cold")])
    assert book.unexplained == [] and book.problems == []
    (t,) = transfers(book.rows)
    assert (t["wallet"], t["to_wallet"], t["quantity"], t["fee_amount"], t["fee_currency"]) == (
        "exchange", "cold", "1", "0.0005", "BTC")
    assert "a.csv row 2" in t["note"] and "b.csv row 2" in t["note"]
    assert [p.outcome for p in book.provenance] == ["transfer", "transfer"]
    events, problems = read_csv_events(text=book.ledger_csv(), file="ledger.csv")
    assert problems == [] and isinstance(events[0], Transfer) and events[0].fees[0].amount == Decimal("0.0005")


def test_stated_fee_counted_once_whether_or_not_included(tmp_path: Path) -> None:
    a = wallet(tmp_path, "a.csv", "2024-01-01T00:00:00Z,send,BTC,1,0.0005,,", "2024-02-01T00:00:00Z,send,ETH,2,0.01,,")
    b = wallet(tmp_path, "b.csv", "2024-01-01T01:00:00Z,receive,BTC,1,,,", "2024-02-01T01:00:00Z,receive,ETH,1.99,,,")
    book = import_sources([src(a, "x"), src(b, "y")])
    fees = {t["asset"]: (t["quantity"], t["fee_amount"]) for t in transfers(book.rows)}
    assert fees == {"BTC": ("1", "0.0005"), "ETH": ("1.99", "0.01")}


def test_outside_the_window_or_tolerance_or_same_account_or_other_hash_is_unexplained(tmp_path: Path) -> None:
    a = wallet(tmp_path, "a.csv", "2024-01-01T00:00:00Z,send,BTC,1,,,", "2024-03-01T00:00:00Z,send,ETH,1,,,",
               "2024-04-01T00:00:00Z,send,SOL,1,,0xaaa,")
    b = wallet(tmp_path, "b.csv", "2024-01-05T00:00:00Z,receive,BTC,1,,,", "2024-03-01T01:00:00Z,receive,ETH,0.9,,,",
               "2024-04-01T01:00:00Z,receive,SOL,1,,0xbbb,")
    c = wallet(tmp_path, "c.csv", "2024-01-01T00:00:00Z,receive,BTC,1,,,")
    book = import_sources([src(a, "x"), src(b, "y"), src(c, "x")])
    assert transfers(book.rows) == []
    assert len(book.unexplained) == 7
    text = "\n".join(str(u) for u in book.unexplained)
    assert "opening lot" in text and "transfer to an account not given" in text and "answer 'pair'" in text
    wide = import_sources([src(a, "x"), src(b, "y")], window=timedelta(days=5), fee_tolerance=Decimal("0.1"))
    assert {t["asset"] for t in transfers(wide.rows)} == {"BTC", "ETH"}


def test_tie_breaks_hash_then_shortfall_then_time_then_order(tmp_path: Path) -> None:
    a = wallet(tmp_path, "a.csv", "2024-01-01T00:00:00Z,send,BTC,1,,0xh,")
    b = wallet(tmp_path, "b.csv", "2024-01-01T00:10:00Z,receive,BTC,1,,,", "2024-01-01T05:00:00Z,receive,BTC,0.999,,0xh,")
    book = import_sources([src(a, "x"), src(b, "y")])
    (t,) = transfers(book.rows)
    assert t["quantity"] == "0.999"  # same hash wins over an exact quantity
    c = wallet(tmp_path, "c.csv", "2024-01-01T00:00:00Z,send,BTC,1,,,")
    d = wallet(tmp_path, "d.csv", "2024-01-01T03:00:00Z,receive,BTC,0.999,,,", "2024-01-01T05:00:00Z,receive,BTC,1,,,",
               "2024-01-01T04:00:00Z,receive,BTC,1,,,")
    (t,) = transfers(import_sources([src(c, "x"), src(d, "y")]).rows)
    assert "d.csv row 4" in t["note"]  # no shortfall, then nearest in time


def test_answers_explain_unpaired_movements_and_show_in_provenance(tmp_path: Path) -> None:
    a = wallet(tmp_path, "a.csv", "2016-06-01T00:00:00Z,receive,BTC,2,,,", "2024-01-01T00:00:00Z,send,BTC,0.5,,,",
               "2024-02-01T00:00:00Z,send,BTC,0.1,,,", "2024-03-01T00:00:00Z,receive,ETH,1,,,")
    answers = tmp_path / "answers.csv"
    answers.write_text("file,row,answer,account,amount,currency,at,subtype,pair_file,pair_row,note\n"
                       "a.csv,2,opening_lot,,1000,USD,2015-01-01T00:00:00Z,,,,bought on a forum\n"
                       "a.csv,3,transfer_to,paper-wallet,,,,,,,\n"
                       "a.csv,4,payment,,300,USD,,,,,a laptop\n"
                       "a.csv,5,receipt,,,,,airdrop,,,\n"
                       "a.csv,9,payment,,,,,,,,\n"
                       "a.csv,3,disposal,,lots,USD,,,,,\n")
    book = import_sources([src(a, "cold")], answers=answers)
    assert book.unexplained == []
    assert [(p.code, p.source.row) for p in book.problems] == [("invalid_field", 6), ("invalid_field", 7)]
    kinds = {r["kind"] for r in book.rows}
    assert kinds == {"acquisition", "transfer", "payment", "receipt"}
    lot = next(r for r in book.rows if r["kind"] == "acquisition")
    assert lot["timestamp"] == "2015-01-01T00:00:00Z" and lot["amount"] == "1000" and "answers.csv row 2" in lot["note"]
    assert {p.outcome for p in book.provenance} == {"answered"}
    assert all("stated in" in p.detail for p in book.provenance)
    events, problems = read_csv_events(text=book.ledger_csv(), file="ledger.csv")
    assert problems == [] and len(events) == 4


def test_answer_pair_joins_movements_outside_the_window(tmp_path: Path) -> None:
    a = wallet(tmp_path, "a.csv", "2024-01-01T00:00:00Z,send,BTC,1,,,")
    b = wallet(tmp_path, "b.csv", "2024-01-20T00:00:00Z,receive,BTC,0.99,,,")
    answers = tmp_path / "ans.csv"
    answers.write_text("file,row,answer,pair_file,pair_row\na.csv,2,pair,b.csv,2\n")
    book = import_sources([src(a, "x"), src(b, "y")], answers=answers)
    assert book.unexplained == [] and book.problems == []
    (t,) = transfers(book.rows)
    assert t["fee_amount"] == "0.01" and "ans.csv row 2" in t["note"]


def test_a_bad_row_and_a_bad_file_never_stop_the_rest(tmp_path: Path) -> None:
    a = wallet(tmp_path, "a.csv", "2024-01-01T00:00:00Z,staking,ETH,0.1,,,", "yesterday,staking,ETH,0.1,,,",
               "2024-01-02T00:00:00Z,staking,ETH,NaN,,,")
    other = tmp_path / "o.csv"
    other.write_text("not,a,known,file\n1,2,3,4\n")
    book = import_sources([src(a, "cold"), Source("kraken", other, "kraken")])
    assert sorted((p.code, p.source.file, p.source.row) for p in book.problems) == [
        ("bad_file", str(other), 1), ("bad_timestamp", str(a), 3), ("not_a_number", str(a), 4)]
    assert len(book.rows) == 1
    assert [(p.row, p.outcome) for p in book.provenance] == [(2, "event"), (3, "problem"), (4, "problem"), (1, "problem")]


def test_trade_prices_price_files_and_conventions_become_rates(tmp_path: Path) -> None:
    prices = tmp_path / "prices.csv"
    prices.write_text("date,base,quote,price,source\n2023-05-01,USDT,USD,0.9995,CoinGecko daily\n")
    book = import_sources([Source("binance", DATA / "binance_trades.csv", "bn")], prices=[prices],
                          assume=["usd_hkd_7_80"])
    by_source = {r.source.split(" (")[0].split(":")[0] for r in book.rates}
    assert by_source == {"the trade itself", "CoinGecko daily", "assumption usd_hkd_7_80"}
    trade = next(r for r in book.rates if r.source.startswith("the trade itself"))
    assert (trade.base, trade.quote, trade.rate) == ("BTC", "USDT", Decimal(29000))
    assert "binance_trades.csv row 2" in trade.source
    assumed = [r for r in book.rates if r.source.startswith("assumption")]
    assert len(assumed) == 4 and {r.rate for r in assumed} == {Decimal("7.80")}
    path = tmp_path / "rates.csv"
    path.write_text(book.rates_csv())
    rates, problems = read_rates_csv(path)
    assert problems == [] and len(rates) == len(book.rates)
    assert [p.code for p in import_sources([], assume=["usdt_is_gold"]).problems] == ["invalid_field"]


def test_generic_csv_source_keeps_ids_and_fills_the_wallet(tmp_path: Path) -> None:
    g = tmp_path / "manual.csv"
    g.write_text("id,timestamp,kind,asset,quantity,amount,currency\n"
                 "buy-1,2016-05-01T10:00:00+08:00,acquisition,BTC,1,3500,USD\n"
                 ",2016-05-02T10:00:00+08:00,acquisition,BTC,1,3500,USD\n"
                 "bad,2016-05-02T10:00:00+08:00,acquisition,BTC,-1,3500,USD\n")
    book = import_sources([Source("generic", g, "otc")])
    assert [(r["id"], r["wallet"]) for r in book.rows] == [("buy-1", "otc"), ("otc:manual:r3", "otc")]
    assert [(p.code, p.source.row) for p in book.problems] == [("non_positive", 4)]


def test_cli_several_sources_write_ledger_rates_and_provenance(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    out, rates, prov = tmp_path / "ledger.csv", tmp_path / "rates.csv", tmp_path / "prov.csv"
    code = main(["import", "--source", f"hashkey:{DATA / 'hashkey_statement.csv'}@hashkey",
                 "--source", f"wallet:{DATA / 'wallet.csv'}@cold", "--assume", "usdt_usd_par",
                 "--out", str(out), "--rates-out", str(rates), "--provenance-out", str(prov)])
    err = capsys.readouterr().err
    assert code == 1  # a reversal row is not imported, and a send to someone is unexplained
    assert "unpaired withdrawal of 0.05 BTC at cold" in err
    ledger = out.read_text()
    assert "hashkey:transfer:hashkey_statement:r5" in ledger and ",transfer,BTC,0.0995," in ledger
    assert "fiat" in prov.read_text() and "the trade itself" in rates.read_text()


def test_an_answer_that_makes_a_bad_event_is_a_problem_of_the_answers_row(tmp_path: Path) -> None:
    a = wallet(tmp_path, "a.csv", "2024-01-01T00:00:00Z,send,BTC,0.5,,,")
    answers = tmp_path / "answers.csv"
    answers.write_text("file,row,answer,amount,currency\na.csv,2,disposal,lots,USD\n")
    book = import_sources([src(a, "cold")], answers=answers)
    assert [(p.code, p.source.file, p.source.row) for p in book.problems] == [("not_a_number", str(answers), 2)]
    assert len(book.unexplained) == 1 and book.rows == []


def test_an_unpaired_withdrawal_answered_as_a_gift_keeps_its_value(tmp_path: Path) -> None:
    a = wallet(tmp_path, "a.csv", "2016-06-01T00:00:00Z,receive,BTC,2,,,", "2024-01-01T00:00:00Z,send,BTC,0.5,,,")
    answers = tmp_path / "answers.csv"
    answers.write_text("file,row,answer,account,amount,currency,at,subtype,pair_file,pair_row,note\n"
                       "a.csv,2,opening_lot,,1000,USD,2015-01-01T00:00:00Z,,,,\n"
                       "a.csv,3,loss,,20000,usd,,gift,,,to my sister (decision 0165)\n")
    book = import_sources([src(a, "cold")], answers=answers)
    assert book.problems == [] and book.unexplained == []
    gift = next(r for r in book.rows if r["kind"] == "loss")
    assert (gift["subtype"], gift["amount"], gift["currency"], gift["quantity"]) == ("gift", "20000", "USD", "0.5")
    events, problems = read_csv_events(text=book.ledger_csv(), file="ledger.csv")
    assert problems == [] and [e.value for e in events if e.kind == "loss"] == [Decimal(20000)]


def test_a_generic_source_keeps_the_currency_of_its_fee_value(tmp_path: Path) -> None:
    g = tmp_path / "manual.csv"
    g.write_text("id,timestamp,kind,asset,quantity,wallet,to_wallet,fee_amount,fee_currency,fee_value,"
                 "fee_value_currency\n"
                 "t-1,2024-05-02T10:00:00+08:00,transfer,BTC,1,hot,cold,0.0001,BTC,6,USD\n")
    book = import_sources([Source("generic", g, "otc")])
    assert book.problems == []
    text = book.ledger_csv()
    assert text.splitlines()[0].endswith(",fee_value_currency")
    events, problems = read_csv_events(text=text, file="ledger.csv")
    assert problems == [] and events[0].fees[0].value_currency == "USD"
    plain = import_sources([Source("wallet", wallet(tmp_path, "w.csv", "2024-01-01T00:00:00Z,receive,BTC,1,,,"),
                                   "cold")])
    assert "fee_value_currency" not in plain.ledger_csv().splitlines()[0]  # written only when used
