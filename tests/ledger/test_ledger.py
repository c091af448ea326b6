"""The ledger, event by event and option by option (issue #2: events, lot matching, bad input)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from decimal import Decimal as D

import pytest

from hkvatax.errors import InputError, SourceRef
from hkvatax.io.loaders import read_csv_events
from hkvatax.ledger import PriceBook, match_scenario, method_schedule, run_ledger, sort_key
from hkvatax.ledger.aggregate import aggregate
from hkvatax.ledger.prices import Conversion, epoch_us
from hkvatax.ledger.results import (
    DisposalRecord,
    Fragment,
    IncomeRecord,
    LedgerResult,
    LotRecord,
    OutgoingRecord,
    PoolSnapshot,
    ReceiptRecord,
)
from hkvatax.models import (
    Acquisition,
    Asset,
    Disposal,
    Expense,
    Fee,
    FeePaid,
    Income,
    Loss,
    LotMethod,
    LotPick,
    MethodElection,
    Payment,
    Rate,
    Receipt,
    Scenario,
    Swap,
    Transfer,
)
from hkvatax.models.scenario import OpeningLot
from hkvatax.periods import YearEnd, YearOfAssessment
from hkvatax.periods import YearOfAssessment as Y

HKT = timezone(timedelta(hours=8))
ASSETS = (Asset(symbol="BTC"), Asset(symbol="ETH"))


def at(day: str, hour: int = 12) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=HKT)


def buy(eid: str, day: str, qty: str, cost: str, asset: str = "BTC", **kw) -> Acquisition:  # noqa: ANN003
    return Acquisition(id=eid, timestamp=at(day), asset=asset, quantity=qty, cost=cost, **kw)


def sell(eid: str, day: str, qty: str, proceeds: str, asset: str = "BTC", **kw) -> Disposal:  # noqa: ANN003
    return Disposal(id=eid, timestamp=at(day), asset=asset, quantity=qty, proceeds=proceeds, **kw)


def run(events, method=LotMethod.FIFO, **kw):  # noqa: ANN001, ANN003, ANN201
    kw.setdefault("assets", ASSETS)
    return run_ledger(events, method_for=method, **kw)


# ------------------------------------------------------------------------------------------ events
def test_swap_is_disposal_at_value_received_plus_acquisition_at_that_value() -> None:
    rates = [Rate(base="ETH", rate="25000", at=at("2024-03-01", 0), source="close")]
    events = [buy("b", "2024-01-01", "1", "100000"),
              Swap(id="s", timestamp=at("2024-03-01"), give_asset="BTC", give_quantity="1", receive_asset="ETH",
                   receive_quantity="10", fees=[Fee(amount="100")])]
    result = run(events, rates=rates)
    (d,) = result.disposals
    assert (d.kind, d.asset, d.gross_proceeds_hkd, d.fees_hkd, d.proceeds_hkd) == ("swap", "BTC", D(250000), D(100),
                                                                                    D(249900))
    assert d.conversions[0].rate == D(25000) and d.conversions[0].source == "close"
    lot = result.lots[-1]
    assert (lot.asset, lot.quantity, lot.cost_hkd, lot.fees_hkd) == ("ETH", D(10), D(250000), D(0))
    # valued at what is given up instead, when asked
    rates.append(Rate(base="BTC", rate="240000", at=at("2024-03-01", 0), source="close"))
    given = run(events, rates=rates, swap_valuation="given")
    assert given.disposals[0].gross_proceeds_hkd == D(240000) and given.lots[-1].cost_hkd == D(240000)


def test_token_fee_disposes_of_that_token() -> None:
    events = [buy("b", "2024-01-01", "1", "100000"), buy("e", "2024-01-01", "10", "200000", asset="ETH"),
              sell("s", "2024-02-01", "0.5", "60000", fees=[Fee(amount="0.1", currency="ETH", value="2500")])]
    result = run(events)
    main, fee = result.disposals
    assert (main.disposal_id, main.fees_hkd, main.proceeds_hkd) == ("s", D(2500), D(57500))
    assert (fee.disposal_id, fee.kind, fee.asset, fee.quantity, fee.proceeds_hkd, fee.cost_hkd) == (
        "s#fee0", "fee", "ETH", D("0.1"), D(2500), D(2000))


def test_transfer_between_own_wallets_is_not_a_disposal_but_its_token_fee_is() -> None:
    events = [buy("b", "2024-01-01", "1", "100000", wallet="exchange"),
              Transfer(id="t", timestamp=at("2024-01-02"), asset="BTC", quantity="0.9", from_wallet="exchange",
                       to_wallet="cold", fees=[Fee(amount="0.001", currency="BTC", value="150")])]
    for per_wallet in (False, True):
        result = run(events, per_wallet=per_wallet)
        (fee,) = result.disposals
        assert (fee.disposal_id, fee.kind, fee.quantity, fee.cost_hkd, fee.wallet) == (
            "t#fee0", "fee", D("0.001"), D(100), "exchange")
        (out,) = result.outgoings
        assert (out.kind, out.amount_hkd) == ("transfer_fee", D(150))
    closing = run(events, per_wallet=True).closing[YearOfAssessment(2023)]
    assert {(s.wallet, s.quantity, s.cost_hkd) for s in closing} == {("cold", D("0.9"), D(90000)),
                                                                     ("exchange", D("0.099"), D(9900))}


def test_fiat_transfer_fee_is_an_outgoing_only() -> None:
    events = [buy("b", "2024-01-01", "1", "100"),
              Transfer(id="t", timestamp=at("2024-01-02"), asset="BTC", quantity="1", from_wallet="a", to_wallet="b",
                       fees=[Fee(amount="5")])]
    result = run(events)
    assert result.disposals == () and result.outgoings[0].amount_hkd == D(5)


def test_receipts_market_value_or_nil_basis() -> None:
    events = [Receipt(id="r1", timestamp=at("2024-01-01"), asset="ETH", quantity="1", receipt_type="staking",
                      value="100", value_currency="USD"),
              Receipt(id="r2", timestamp=at("2024-01-01"), asset="ETH", quantity="1", receipt_type="payment_received",
                      value="300")]
    rates = [Rate(base="USD", rate="7.8", at=at("2024-01-01", 0), source="HKMA")]
    mv = run(events, rates=rates)
    assert [(r.market_value_hkd, r.cost_basis_hkd) for r in mv.receipts] == [(D(780), D(780)), (D(300), D(300))]
    conv = mv.receipts[0].conversions[0]
    assert (conv.base, conv.quote, conv.rate, conv.at, conv.source) == ("USD", "HKD", D("7.8"), at("2024-01-01", 0),
                                                                         "HKMA")
    nil = run(events, rates=rates, receipt_cost_basis="nil")
    # nil basis applies to staking, mining, airdrops, forks, lending interest; not to payments received
    assert [(r.market_value_hkd, r.cost_basis_hkd) for r in nil.receipts] == [(D(780), D(0)), (D(300), D(300))]
    assert sum(s.cost_hkd for s in nil.closing[YearOfAssessment(2023)]) == D(300)


def test_payment_loss_income_expense_fee() -> None:
    events = [buy("b", "2024-01-01", "2", "200"),
              Payment(id="p", timestamp=at("2024-01-02"), asset="BTC", quantity="0.5", value="80"),
              Loss(id="l", timestamp=at("2024-01-03"), asset="BTC", quantity="0.5", loss_type="theft"),
              Income(id="i", timestamp=at("2024-01-04"), income_type="interest", amount="10", currency="USD"),
              Expense(id="x", timestamp=at("2024-01-05"), amount="7", deductible=False, description="fine"),
              FeePaid(id="f", timestamp=at("2024-01-06"), fee=Fee(amount="0.1", currency="BTC", value="30"),
                      purpose="gas")]
    result = run(events, rates=[Rate(base="USD", rate="7.8", at=at("2024-01-01", 0), source="HKMA")],
                 price_max_age=timedelta(days=7))
    assert [(d.disposal_id, d.kind, d.proceeds_hkd, d.cost_hkd) for d in result.disposals] == [
        ("p", "payment", D(80), D(50)), ("l", "loss", D(0), D(50)), ("f#fee0", "fee", D(30), D(10))]
    assert [(i.income_type, i.amount_hkd) for i in result.incomes] == [("interest", D(78))]
    assert [(o.kind, o.amount_hkd, o.deductible) for o in result.outgoings] == [("expense", D(7), False),
                                                                                 ("fee", D(30), True)]


def test_conversion_via_a_cross_rate_keeps_both_legs() -> None:
    rates = [Rate(base="EUR", quote="USD", rate="1.1", at=at("2024-01-01", 0), source="ECB"),
             Rate(base="USD", rate="7.8", at=at("2024-01-01", 1), source="HKMA")]
    result = run([buy("b", "2024-01-01", "1", "100", currency="EUR"), sell("s", "2024-01-02", "1", "100",
                                                                           currency="EUR")], rates=rates,
                 price_max_age=timedelta(days=2))
    d = result.disposals[0]
    assert d.proceeds_hkd == D("858.00")
    assert [(c.base, c.quote, c.source) for c in d.conversions] == [("EUR", "USD", "ECB"), ("USD", "HKD", "HKMA")]
    assert d.to_dict()["conversions"][0] == {"base": "EUR", "quote": "USD", "rate": "1.1",
                                             "at": "2024-01-01T00:00:00+08:00", "source": "ECB"}


# ----------------------------------------------------------------------------------------- matching
def test_same_instant_buy_before_sell_and_tie_break_by_id() -> None:
    t = at("2024-01-01")
    events = [Disposal(id="a-sell", timestamp=t, asset="BTC", quantity="1", proceeds="5"),
              Acquisition(id="z-buy", timestamp=t, asset="BTC", quantity="1", cost="3")]
    assert sorted(events, key=sort_key)[0].id == "z-buy"
    assert run(events).disposals[0].gain_hkd == D(2)


def test_method_change_by_election_from_a_year_onward() -> None:
    elections = (MethodElection(method=LotMethod.FIFO, from_year="2022/23"),
                 MethodElection(method=LotMethod.WEIGHTED_AVERAGE, from_year="2024/25"))
    schedule = method_schedule(elections)
    assert [schedule(YearOfAssessment(y)).value for y in (2020, 2022, 2023, 2024, 2030)] == [
        "fifo", "fifo", "fifo", "weighted_average", "weighted_average"]
    events = [buy("b1", "2023-05-01", "1", "100"), buy("b2", "2023-06-01", "1", "300"),
              sell("s1", "2023-07-01", "1", "100"), sell("s2", "2024-05-01", "0.5", "100")]
    result = run(events, method=schedule)
    assert [(d.method, d.cost_hkd) for d in result.disposals] == [("fifo", D(100)), ("weighted_average", D(150))]
    assert result.methods == {YearOfAssessment(2023): "fifo", YearOfAssessment(2024): "weighted_average"}
    assert [n.code for n in result.notes] == ["method_change"]
    # and back to lots: the average pool becomes one lot named after the pool and the year
    back = run(events + [sell("s3", "2025-05-01", "0.5", "100")],
               method=method_schedule(elections + (MethodElection(method="fifo", from_year="2025/26"),)))
    assert back.disposals[-1].fragments[0].lot_id == "pool:BTC@2025/26"
    assert back.disposals[-1].cost_hkd == D(150)


def test_per_wallet_pools() -> None:
    events = [buy("b1", "2024-01-01", "1", "100", wallet="a"), buy("b2", "2024-01-02", "1", "300", wallet="b"),
              sell("s", "2024-01-03", "1", "500", wallet="b")]
    assert run(events, per_wallet=False).disposals[0].cost_hkd == D(100)
    assert run(events, per_wallet=True).disposals[0].cost_hkd == D(300)
    assert run(events, LotMethod.WEIGHTED_AVERAGE, per_wallet=True).disposals[0].cost_hkd == D(300)
    assert run(events, LotMethod.WEIGHTED_AVERAGE).disposals[0].cost_hkd == D(200)


def test_pools_carry_across_years_and_basis_periods() -> None:
    events = [buy("b", "2023-12-01", "2", "200"), sell("s", "2024-05-01", "1", "150")]
    result = run(events)
    assert result.disposals[0].year == YearOfAssessment(2024)
    assert result.closing_pools(YearOfAssessment(2023))[0].quantity == D(2)
    assert result.closing_pools(YearOfAssessment(2024))[0].quantity == D(1)
    assert result.closing_pools(YearOfAssessment(2030))[0].quantity == D(1)
    assert result.closing_pools(YearOfAssessment(2000)) == ()
    assert result.years == (YearOfAssessment(2023), YearOfAssessment(2024))
    assert result.disposals_in(YearOfAssessment(2024)) == result.disposals
    # a 31 December year end puts the purchase in YA 2023/24 and the sale in YA 2024/25 too, but
    # a sale on 1 Feb 2024 is in the basis period of YA 2024/25 (calendar 2024)
    dec = run([buy("b", "2023-12-01", "2", "200"), sell("s", "2024-02-01", "1", "150")],
              period_of=YearEnd(12, 31).year_of_assessment)
    assert dec.disposals[0].year == YearOfAssessment(2024)


def test_fragment_fields_and_holding_period() -> None:
    result = run([buy("b", "2024-01-01", "1", "100"), sell("s", "2024-01-11", "1", "150")])
    (f,) = result.disposals[0].fragments
    assert (f.lot_id, f.acquired_at, f.quantity, f.cost_hkd, f.holding_days, f.gain_hkd) == (
        "b", at("2024-01-01"), D(1), D(100), D(10), D(50))
    assert f.to_dict()["holding_days"] == "10"
    assert result.disposals[0].holding_days == D(10)


def test_specific_id_designations_are_ignored_under_average_cost_with_a_note() -> None:
    events = [buy("b", "2024-01-01", "1", "100"), buy("c", "2024-01-02", "1", "300"),
              sell("s", "2024-01-03", "1", "0", lots=[LotPick(lot_id="c", quantity="1")])]
    result = run(events, LotMethod.WEIGHTED_AVERAGE)
    assert result.disposals[0].cost_hkd == D(200)
    assert [n.code for n in result.notes] == ["picks_ignored"]


def test_match_scenario_uses_taxpayer_settings() -> None:
    scenario = Scenario.model_validate({
        "taxpayer": {"kind": "corporation", "name": "X", "accounting_year_end_month": 12,
                     "methods": [{"method": "fifo", "from_year": "2020/21"}], "per_wallet_pools": True},
        "assets": [{"symbol": "BTC"}],
        "events": [e.model_dump() for e in (buy("b1", "2024-01-01", "1", "100", wallet="a"),
                                            buy("b2", "2024-01-02", "1", "300", wallet="b"),
                                            sell("s", "2024-01-03", "1", "500", wallet="b"))],
    })
    result = match_scenario(scenario)
    assert result.disposals[0].cost_hkd == D(300) and result.disposals[0].method == "fifo"
    assert result.disposals[0].year == YearOfAssessment(2024)


# --------------------------------------------------------------------------------------- bad input
def test_all_problems_reported_together() -> None:
    events = [buy("b", "2024-01-01", "1", "100", currency="EUR"),
              buy("b", "2024-01-02", "1", "100"),
              buy("c", "2024-01-03", "1", "100", asset="DOGE"),
              sell("s", "2024-01-04", "5", "100"),
              Swap(id="w", timestamp=at("2024-01-05"), give_asset="BTC", give_quantity="0.1", receive_asset="ETH",
                   receive_quantity="1")]
    with pytest.raises(InputError) as exc:
        run(events)
    codes = exc.value.codes
    assert sorted(set(codes)) == ["duplicate_id", "missing_price", "oversell", "unknown_asset", "unknown_currency"]
    by_code = {p.code: p for p in exc.value.problems}
    assert by_code["unknown_currency"].column == "cost"
    assert by_code["duplicate_id"].column == "id" and by_code["unknown_asset"].column == "asset"
    assert by_code["missing_price"].column == "value"
    assert by_code["duplicate_id"].source.path == "events[1]"


def test_oversell_names_asset_time_held_and_asked() -> None:
    with pytest.raises(InputError) as exc:
        run([buy("b", "2024-01-01", "1.5", "100"), sell("s", "2024-01-02", "2", "100")])
    (p,) = exc.value.problems
    assert p.code == "oversell" and p.column == "quantity"
    assert "BTC" in p.message and at("2024-01-02").isoformat() in p.message
    assert "2" in p.message and "1.5" in p.message


def test_allow_unknown_cost() -> None:
    result = run([buy("b", "2024-01-01", "1.5", "100"), sell("s", "2024-01-02", "2", "400")],
                 allow_unknown_cost=True)
    d = result.disposals[0]
    assert [(f.lot_id, f.quantity, f.cost_hkd, f.basis, f.acquired_at, f.holding_days) for f in d.fragments] == [
        ("b", D("1.5"), D(100), "lot", at("2024-01-01"), D(1)), ("UNKNOWN", D("0.5"), D(0), "unknown", None, None)]
    assert [n.code for n in result.notes] == ["unknown_cost"]
    assert "unknown" in result.notes[0].message or "nil cost" in result.notes[0].message
    assert d.cost_hkd == D(100) and d.proceeds_hkd == D(400)


def test_unknown_lot_and_over_designation() -> None:
    events = [buy("b", "2024-01-01", "1", "100"),
              sell("s", "2024-01-02", "0.5", "100", lots=[LotPick(lot_id="nope", quantity="0.5")]),
              sell("t", "2024-01-03", "0.1", "100", lots=[LotPick(lot_id="b", quantity="0.2")])]
    with pytest.raises(InputError) as exc:
        run(events, LotMethod.SPECIFIC_ID)
    assert exc.value.codes == ["unknown_lot", "invalid_field"]


def test_lot_designations_under_fifo_are_noted_as_ignored() -> None:
    from hkvatax.models.events import Acquisition, Disposal, LotPick

    t0 = datetime(2024, 5, 1, tzinfo=UTC)
    events = [Acquisition(id="a", timestamp=t0, asset="BTC", quantity=Decimal(1), cost=Decimal(10)),
              Acquisition(id="b", timestamp=t0 + timedelta(days=1), asset="BTC", quantity=Decimal(1), cost=Decimal(20)),
              Disposal(id="d", timestamp=t0 + timedelta(days=2), asset="BTC", quantity=Decimal(1), proceeds=Decimal(30),
                       lots=(LotPick(lot_id="b", quantity=Decimal(1)),))]
    result = run_ledger(events, method_for=LotMethod.FIFO)
    assert result.disposals[0].fragments[0].lot_id == "a"  # first in, first out: the designation is not used
    [note] = [n for n in result.notes if n.code == "picks_ignored"]
    assert note.event_id == "d" and "first-in first-out" in note.message


# -------------------- Exact ledger figures that pin down matching, fees, valuation, prices and ordering (mutation
# guards).
def t(day: int, hour: int = 0) -> datetime:
    return datetime(2023, 5, day, hour, tzinfo=UTC)


def buy_on_day(i: str, day: int, qty: str, cost: str, **kw: object) -> Acquisition:
    return Acquisition(id=i, timestamp=t(day), asset="BTC", quantity=D(qty), cost=D(cost), **kw)


def sell_on_day(i: str, day: int, qty: str, proceeds: str, **kw: object) -> Disposal:
    return Disposal(id=i, timestamp=t(day), asset="BTC", quantity=D(qty), proceeds=D(proceeds), **kw)


def test_fifo_and_average_costs_differ_exactly() -> None:
    events = [buy_on_day("b1", 1, "1", "100"), buy_on_day("b2", 2, "1", "300"), sell_on_day("s", 3, "1.5", "600")]
    fifo = run_ledger(events, method_for=LotMethod.FIFO).disposals[0]
    assert fifo.cost_hkd == D("250") and [f.lot_id for f in fifo.fragments] == ["b1", "b2"]
    assert [f.quantity for f in fifo.fragments] == [D("1"), D("0.5")]
    assert sum(f.proceeds_hkd for f in fifo.fragments) == D("600")
    avg = run_ledger(events, method_for=LotMethod.WEIGHTED_AVERAGE).disposals[0]
    assert avg.cost_hkd == D("300") and avg.gain_hkd == D("300")


def test_fees_add_to_cost_and_reduce_proceeds() -> None:
    events = [buy_on_day("b", 1, "2", "100", fees=(Fee(amount=D("4")),)), sell_on_day("s", 2, "1", "90", fees=(Fee(amount=D("2")),))]
    result = run_ledger(events, method_for=LotMethod.FIFO)
    d = result.disposals[0]
    assert (d.gross_proceeds_hkd, d.fees_hkd, d.proceeds_hkd, d.cost_hkd) == (D("90"), D("2"), D("88"), D("52"))
    assert result.lots[0].cost_hkd == D("104")


def test_token_fee_is_a_disposal_at_market_value() -> None:
    rates = [Rate(base="BTC", rate=D("200"), at=t(2), source="x")]
    events = [buy_on_day("b", 1, "1", "100"), sell_on_day("s", 2, "0.5", "100", fees=(Fee(amount=D("0.1"), currency="BTC"),))]
    result = run_ledger(events, rates=rates, method_for=LotMethod.FIFO)
    ids = [(d.disposal_id, d.quantity, d.proceeds_hkd, d.cost_hkd) for d in result.disposals]
    assert ids == [("s", D("0.5"), D("80"), D("50")), ("s#fee0", D("0.1"), D("20"), D("10"))]


@pytest.mark.parametrize(("valuation", "value"), [("received", D("500")), ("given", D("400"))])
def test_a_swap_is_valued_at_what_is_received_or_given_as_elected(valuation: str, value: D) -> None:
    rates = [Rate(base="BTC", rate=D("400"), at=t(2), source="x"), Rate(base="ETH", rate=D("100"), at=t(2), source="x")]
    events = [buy_on_day("b", 1, "1", "100"), Swap(id="w", timestamp=t(2), give_asset="BTC", give_quantity=D("1"),
                                            receive_asset="ETH", receive_quantity=D("5"))]
    result = run_ledger(events, rates=rates, swap_valuation=valuation)
    assert result.disposals[0].proceeds_hkd == value
    assert [(lot.asset, lot.cost_hkd) for lot in result.lots] == [("BTC", D("100")), ("ETH", value)]


@pytest.mark.parametrize(("basis", "cost"), [("market_value", D("30")), ("nil", D("0"))])
def test_a_receipts_lot_costs_its_market_value_or_nil_as_the_basis_says(basis: str, cost: D) -> None:
    events = [Receipt(id="r", timestamp=t(1), receipt_type="staking", asset="DOT", quantity=D("3"), value=D("30"))]
    result = run_ledger(events, receipt_cost_basis=basis)
    assert result.lots[0].cost_hkd == cost and result.receipts[0].market_value_hkd == D("30")


def test_specific_identification_takes_the_designated_lot_and_refuses_an_unknown_one() -> None:
    events = [buy_on_day("b1", 1, "1", "100"), buy_on_day("b2", 2, "1", "300"),
              sell_on_day("s", 3, "1", "500", lots=(LotPick(lot_id="b2", quantity=D("1")),))]
    d = run_ledger(events, method_for=LotMethod.SPECIFIC_ID).disposals[0]
    assert d.cost_hkd == D("300") and d.fragments[0].lot_id == "b2"
    bad = events[:2] + [sell_on_day("s", 3, "1", "500", lots=(LotPick(lot_id="zz", quantity=D("1")),))]
    with pytest.raises(InputError) as info:
        run_ledger(bad, method_for=LotMethod.SPECIFIC_ID)
    assert "unknown_lot" in info.value.codes


def test_allow_unknown_cost_takes_excess_at_nil() -> None:
    result = run_ledger([buy_on_day("b", 1, "1", "100"), sell_on_day("s", 2, "3", "300")], allow_unknown_cost=True,
                        method_for=LotMethod.FIFO)
    d = result.disposals[0]
    assert d.cost_hkd == D("100") and d.fragments[-1].quantity == D("2") and d.fragments[-1].lot_id == "UNKNOWN"
    assert [n.code for n in result.notes if n.code == "unknown_cost"] == ["unknown_cost"]


def test_same_instant_buy_before_sell_and_loss() -> None:
    events = [sell_on_day("s", 1, "1", "10"), buy_on_day("b", 1, "1", "5")]
    assert sort_key(events[1]) < sort_key(events[0])
    assert run_ledger(events).disposals[0].cost_hkd == D("5")
    loss = Loss(id="l", timestamp=t(2), asset="BTC", quantity=D("1"))
    d = run_ledger([buy_on_day("b", 1, "1", "5"), loss]).disposals[0]
    assert (d.proceeds_hkd, d.cost_hkd, d.kind) == (D("0"), D("5"), "loss")


def test_per_wallet_transfer_moves_cost() -> None:
    events = [buy_on_day("b", 1, "2", "100", wallet="A"),
              Transfer(id="t", timestamp=t(2), asset="BTC", quantity=D("1"), from_wallet="A", to_wallet="B"),
              sell_on_day("s", 3, "1", "80", wallet="B")]
    d = run_ledger(events, per_wallet=True, method_for=LotMethod.FIFO).disposals[0]
    assert d.cost_hkd == D("50") and d.wallet == "B"
    with pytest.raises(InputError) as info:
        run_ledger(events[:1] + [sell_on_day("s", 3, "1", "80", wallet="B")], per_wallet=True)
    assert info.value.codes == ["oversell"]


def test_the_price_book_refuses_stale_rates_and_crosses_through_usd() -> None:
    rates = [Rate(base="USDT", quote="USD", rate=D("1"), at=t(1), source="a"),
             Rate(base="USD", rate=D("7.8"), at=t(1), source="b")]
    book = PriceBook(rates, max_age=timedelta(days=1))
    from hkvatax.ledger import epoch_us
    value, convs = book.to_hkd("USDT", D("10"), epoch_us(t(1, 12)))  # type: ignore[misc]
    assert value == D("78.0") and [c.base for c in convs] == ["USDT", "USD"]
    assert book.to_hkd("USDT", D("10"), epoch_us(t(2, 1))) is None  # older than a day
    assert book.to_hkd("USDT", D("10"), epoch_us(t(1) - timedelta(seconds=1))) is None  # before any rate
    assert book.to_hkd("HKD", D("3"), 0) == (D("3"), ())


def test_the_closing_pools_hold_what_is_left_of_each_lot() -> None:
    result = run_ledger([buy_on_day("b1", 1, "1", "100"), buy_on_day("b2", 2, "1", "300"), sell_on_day("s", 3, "1.5", "600")],
                        method_for=LotMethod.FIFO)
    (snaps,) = result.closing.values()
    assert [(s.lot_id, s.quantity, s.cost_hkd) for s in snaps] == [("b2", D("0.5"), D("150"))]


# -------------------- Ledger transitions: cost-formula elections between years, opening balances, per-wallet
# pools.
FIFO, AVG = LotMethod.FIFO, LotMethod.WEIGHTED_AVERAGE


def utc(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, tzinfo=UTC)


def buy_at(i: str, when: datetime, qty: str, cost: str, wallet: str | None = None) -> Acquisition:
    return Acquisition(id=i, timestamp=when, asset="BTC", quantity=D(qty), cost=D(cost), wallet=wallet)


def sell_at(i: str, when: datetime, qty: str, proceeds: str, wallet: str | None = None) -> Disposal:
    return Disposal(id=i, timestamp=when, asset="BTC", quantity=D(qty), proceeds=D(proceeds), wallet=wallet)


def by_year(first: LotMethod, then: LotMethod):
    return lambda y: first if y < Y(2024) else then


def test_fifo_to_average_election_pools_the_lots():
    events = [buy_at("b1", utc(2023, 5, 1), "1", "100"), buy_at("b2", utc(2023, 6, 1), "1", "300"),
              sell_at("s", utc(2024, 5, 1), "1", "1000")]
    res = run_ledger(events, method_for=by_year(FIFO, AVG))
    d = res.disposals[0]
    assert d.cost_hkd == D("200") and d.method == "weighted_average"
    assert res.methods == {Y(2023): "fifo", Y(2024): "weighted_average"}
    [note] = [n for n in res.notes if n.code == "method_change"]
    assert note.year == Y(2024)
    assert note.message == ("cost formula changes from fifo to weighted_average from 2024/25 by election; pools "
                            "carried over at their cost (quantity and HKD cost unchanged)")
    # the closing FIFO lots of 2023/24 are the two purchases, untouched
    assert [(p.lot_id, p.quantity, p.cost_hkd) for p in res.closing[Y(2023)]] == [("b1", D(1), D(100)),
                                                                                  ("b2", D(1), D(300))]


def test_average_to_fifo_election_turns_the_pool_into_one_lot():
    events = [buy_at("b1", utc(2023, 5, 1), "1", "100"), buy_at("b2", utc(2023, 6, 1), "3", "300"),
              sell_at("s", utc(2024, 5, 1), "1", "1000"), sell_at("s2", utc(2024, 6, 1), "3", "1000")]
    res = run_ledger(events, method_for=by_year(AVG, FIFO))
    s, s2 = res.disposals
    assert s.method == "fifo" and s.cost_hkd == D("100") and s2.cost_hkd == D("300")
    [frag] = s.fragments
    assert frag.lot_id == "pool:BTC@2024/25" and frag.basis == "lot"
    mean_us = (epoch_us(utc(2023, 5, 1)) + 3 * epoch_us(utc(2023, 6, 1))) // 4
    assert frag.held_us == (epoch_us(utc(2024, 5, 1)) - mean_us) * 1
    [note] = [n for n in res.notes if n.code == "method_change"]
    assert note.message.startswith("cost formula changes from weighted_average to fifo from 2024/25")


def test_an_empty_average_pool_converts_to_an_empty_lot_pool():
    events = [buy_at("b1", utc(2023, 5, 1), "1", "100"), sell_at("s", utc(2023, 6, 1), "1", "150"),
              buy_at("b2", utc(2024, 5, 1), "2", "50"), sell_at("s2", utc(2024, 6, 1), "1", "100")]
    res = run_ledger(events, method_for=by_year(AVG, FIFO))
    assert res.disposals[1].fragments[0].lot_id == "b2" and res.disposals[1].cost_hkd == D("25")
    assert res.closing[Y(2023)] == ()


def test_no_note_when_the_method_stays():
    res = run_ledger([buy_at("b", utc(2023, 5, 1), "1", "1"), buy_at("c", utc(2024, 5, 1), "1", "1")], method_for=FIFO)
    assert not [n for n in res.notes if n.code == "method_change"]
    assert res.methods == {Y(2023): "fifo", Y(2024): "fifo"}


def test_opening_lots_with_time_weight_under_fifo_and_average():
    t0 = utc(2023, 1, 1)
    weight = D(2) * D(epoch_us(utc(2022, 1, 1)))
    opening = [OpeningLot(asset="BTC", lot_id="open", quantity=D(2), cost_hkd=D(500), acquired_at=t0,
                          wallet="w1", time_weight=weight)]
    sale = [sell_at("s", utc(2023, 5, 1), "1", "1000", wallet="w1")]
    fifo = run_ledger(sale, opening=opening, method_for=FIFO, per_wallet=True)
    [f] = fifo.disposals[0].fragments
    assert f.lot_id == "open" and f.cost_hkd == D(250)
    assert f.held_us == D(epoch_us(utc(2023, 5, 1)) - epoch_us(utc(2022, 1, 1)))
    assert fifo.opening == (PoolSnapshot("BTC", "w1", "open", t0, D(2), D(500), weight),)
    closing = fifo.closing_pools(Y(2023))
    assert [(p.wallet, p.quantity) for p in closing] == [("w1", D(1))]
    avg = run_ledger(sale, opening=opening, method_for=AVG, per_wallet=True)
    [g] = avg.disposals[0].fragments
    assert g.cost_hkd == D(250) and g.lot_id == "pool:BTC@w1"
    assert g.held_us == D(epoch_us(utc(2023, 5, 1)) - epoch_us(utc(2022, 1, 1)))
    # without a time weight the acquisition time of the opening lot counts
    plain = [OpeningLot(asset="BTC", lot_id="open", quantity=D(2), cost_hkd=D(500), acquired_at=t0)]
    for method in (FIFO, AVG):
        [h] = run_ledger([sell_at("s", utc(2023, 5, 1), "1", "1000")], opening=plain, method_for=method
                         ).disposals[0].fragments
        assert h.held_us == D(epoch_us(utc(2023, 5, 1)) - epoch_us(t0))
    # an opening balance counts as held: overselling it is a shortfall, not a disposal before acquisition
    over = run_ledger([sell_at("s", utc(2023, 5, 1), "3", "1000")], opening=plain, allow_unknown_cost=True)
    assert [n.code for n in over.notes if n.code == "unknown_cost"] == ["unknown_cost"]


def test_per_wallet_pools_are_separate_only_when_asked():
    events = [buy_at("b1", utc(2023, 5, 1), "1", "100", "w1"), buy_at("b2", utc(2023, 6, 1), "1", "300", "w2"),
              sell_at("s", utc(2023, 7, 1), "1", "1000", "w2")]
    per = run_ledger(events, method_for=FIFO, per_wallet=True)
    assert per.disposals[0].cost_hkd == D(300)
    assert [(p.wallet, p.lot_id) for p in per.closing_pools(Y(2023))] == [("w1", "b1")]
    shared = run_ledger(events, method_for=FIFO)
    assert shared.disposals[0].cost_hkd == D(100)
    assert [p.lot_id for p in shared.closing_pools(Y(2023))] == ["b2"]
    avg = run_ledger(events, method_for=AVG, per_wallet=True)
    assert [(p.wallet, p.lot_id) for p in avg.closing_pools(Y(2023))] == [("w1", "pool:BTC@w1")]


def test_specific_identification_keeps_the_pool_quantity_for_later_checks():
    import pytest

    from hkvatax.errors import InputError
    from hkvatax.models.events import LotPick, Transfer

    SID = LotMethod.SPECIFIC_ID
    base = [buy_at("b1", utc(2023, 5, 1), "1", "100", "w1"), buy_at("b2", utc(2023, 5, 2), "2", "300", "w1"),
            Disposal(id="s", timestamp=utc(2023, 6, 1), asset="BTC", quantity=D("1.5"), proceeds=D(500), wallet="w1",
                     lots=(LotPick(lot_id="b2", quantity=D("1.5")),))]
    res = run_ledger(base, method_for=SID, per_wallet=True)
    assert res.disposals[0].cost_hkd == D(225)
    assert [(p.lot_id, p.quantity, p.cost_hkd) for p in res.closing_pools(Y(2023))] == [
        ("b1", D(1), D(100)), ("b2", D("0.5"), D(75))]
    # 1.5 is left: moving 1.5 is fine, moving 1.6 is refused
    ok = run_ledger(base + [Transfer(id="t", timestamp=utc(2023, 7, 1), asset="BTC", quantity=D("1.5"),
                                     from_wallet="w1", to_wallet="w2")], method_for=SID, per_wallet=True)
    assert sorted((p.wallet, p.lot_id, p.quantity) for p in ok.closing_pools(Y(2023))) == [
        ("w2", "b1", D(1)), ("w2", "b2", D("0.5"))]
    with pytest.raises(InputError):
        run_ledger(base + [Transfer(id="t", timestamp=utc(2023, 7, 1), asset="BTC", quantity=D("1.6"),
                                    from_wallet="w1", to_wallet="w2")], method_for=SID, per_wallet=True)
    # designating more than the lot holds names what it holds
    over = base[:2] + [Disposal(id="s", timestamp=utc(2023, 6, 1), asset="BTC", quantity=D(3), proceeds=D(500),
                                wallet="w1", lots=(LotPick(lot_id="b2", quantity=D(3)),))]
    with pytest.raises(InputError) as err:
        run_ledger(over, method_for=SID, per_wallet=True)
    [p] = [p for p in err.value.problems if p.code == "unknown_lot"]
    assert p.message == "lot 'b2' of BTC does not exist here or holds 2, less than the 3 designated"
    missing = base[:2] + [Disposal(id="s", timestamp=utc(2023, 6, 1), asset="BTC", quantity=D(1), proceeds=D(5),
                                   wallet="w1", lots=(LotPick(lot_id="zz", quantity=D(1)),))]
    with pytest.raises(InputError) as err:
        run_ledger(missing, method_for=SID, per_wallet=True)
    assert [p.message for p in err.value.problems if p.code == "unknown_lot"] == [
        "lot 'zz' of BTC does not exist here or holds 0, less than the 1 designated"]


# -------------------- A cost-formula change carries per-wallet pools over with their wallet; an emptied average
# pool becomes an empty FIFO pool; income records keep their ids as the aggregates' samples.
def method(year: Y) -> LotMethod:
    return LotMethod.WEIGHTED_AVERAGE if year < Y(2024) else LotMethod.FIFO


def test_average_to_fifo_keeps_the_wallet_and_drops_empty_pools() -> None:
    events = [
        Acquisition(id="a", timestamp=utc(2023, 5, 1), asset="BTC", quantity=D(2), cost=D(100), wallet="cold"),
        Acquisition(id="b", timestamp=utc(2023, 5, 2), asset="ETH", quantity=D(1), cost=D(10), wallet="hot"),
        Disposal(id="s", timestamp=utc(2023, 6, 1), asset="ETH", quantity=D(1), proceeds=D(12), wallet="hot"),
        Disposal(id="t", timestamp=utc(2024, 6, 1), asset="BTC", quantity=D(1), proceeds=D(80), wallet="cold"),
        Income(id="i", timestamp=utc(2024, 7, 1), income_type="interest", amount=D(3)),
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


# -------------------- The ledger's records for a small CSV ledger: each record's kind, wallet, time, source row,
# amounts and conversions, the notes (with their event and source), and the problems (code, row, column, message,
# suggestion). These are what the full explanation and the error report show.
CSV = """id,timestamp,kind,asset,quantity,amount,currency,counter_asset,counter_quantity,fee_amount,fee_currency,\
fee_value,wallet,to_wallet,subtype,lots,offshore,note
a,2024-05-01T10:00:00+08:00,acquisition,BTC,2,100,USD,,,1,USD,,w1,,,,,buy
b,2024-05-02T10:00:00+08:00,swap,BTC,0.5,,,ETH,5,,,,w1,,,,,
c,2024-05-03T10:00:00+08:00,receipt,ETH,1,10,HKD,,,,,,w1,,staking,,,
d,2024-05-04T10:00:00+08:00,disposal,ETH,1,30,HKD,,,0.1,ETH,2,w1,,,c:1,,
e,2024-05-05T10:00:00+08:00,income,SHR,,9,USD,,,,,,,,interest,,,
f,2024-05-06T10:00:00+08:00,expense,,,5,USD,,,,,,,,false,,,office
g,2024-05-07T10:00:00+08:00,fee,,,,,,,3,HKD,,w1,,,,,gas
h,2024-05-08T10:00:00+08:00,transfer,BTC,5,,,,,,,,w1,w2,,,,
"""
Y24 = YearOfAssessment(2024)
USD = [Rate(base="USD", rate=D("7.8"), at=datetime(2024, 5, 1, tzinfo=UTC) + timedelta(days=i), source="HKMA")
       for i in range(8)]
ETH = Rate(base="ETH", rate=D("20000"), at=datetime(2024, 5, 2, tzinfo=UTC), source="x")


def events(drop: str = "") -> list:
    ev, problems = read_csv_events(text=CSV, file="r.csv")
    assert problems == []
    return [e for e in ev if e.id not in drop]


def ts(day: int) -> str:
    return f"2024-05-{day:02d}T10:00:00+08:00"


def test_ledger_problems_name_the_row_the_column_and_the_fix() -> None:
    with pytest.raises(InputError) as info:
        run_ledger(events(), rates=USD[:1], method_for=LotMethod.WEIGHTED_AVERAGE)
    got = [(p.code, p.source.row if p.source else None, p.column, p.message, p.suggestion)
           for p in info.value.problems]
    assert got == [
        ("missing_price", 3, "value", "ETH needs a market value here and no price ETH->HKD was found",
         "give 'value' or add a ETH price at this time"),
        ("unknown_currency", 6, "amount",
         "no exchange rate for USD to HKD at or within the allowed age before this event",
         "add a rate USD->HKD (or via USD) dated at or shortly before the event, or state the value"),
        ("unknown_currency", 7, "amount",
         "no exchange rate for USD to HKD at or within the allowed age before this event",
         "add a rate USD->HKD (or via USD) dated at or shortly before the event, or state the value"),
        ("oversell", 9, "quantity", f"BTC: at {ts(8)} transfers 5 but only 1.5 is held",
         "add the missing acquisition or opening balance"),
    ]
    assert all(p.source is not None and p.source.file == "r.csv" for p in info.value.problems)


def test_every_kind_of_record_keeps_its_wallet_time_row_amounts_and_conversions() -> None:
    res = run_ledger(events("h"), rates=[*USD, ETH], method_for=LotMethod.WEIGHTED_AVERAGE)
    assert [(r.lot_id, r.event_id, r.kind, r.asset, r.wallet, r.timestamp.isoformat(), r.year, r.quantity,
             r.cost_hkd, r.fees_hkd, r.source.row if r.source else None) for r in res.lots] == [
        ("a", "a", "acquisition", "BTC", "w1", ts(1), Y24, D(2), D("787.8"), D("7.8"), 2),
        ("b", "b", "swap", "ETH", "w1", ts(2), Y24, D(5), D(100000), D(0), 3),
        ("c", "c", "receipt", "ETH", "w1", ts(3), Y24, D(1), D(10), D(0), 4),
    ]
    assert [(d.disposal_id, d.event_id, d.kind, d.asset, d.timestamp.isoformat(), d.gross_proceeds_hkd, d.fees_hkd,
             d.proceeds_hkd, d.source.row if d.source else None, len(d.conversions)) for d in res.disposals] == [
        ("b", "b", "swap", "BTC", ts(2), D(100000), D(0), D(100000), 3, 1),
        ("d", "d", "disposal", "ETH", ts(4), D(30), D(2), D(28), 5, 0),
        ("d#fee0", "d", "fee", "ETH", ts(4), D(2), D(0), D(2), 5, 0),
    ]
    [r] = res.receipts
    assert (r.event_id, r.receipt_type, r.asset, r.timestamp.isoformat(), r.quantity, r.market_value_hkd,
            r.cost_basis_hkd, r.source.row if r.source else None) == ("c", "staking", "ETH", ts(3), D(1), D(10),
                                                                      D(10), 4)
    [i] = res.incomes
    assert (i.event_id, i.income_type, i.timestamp.isoformat(), i.amount_hkd, i.related_asset,
            i.source.row if i.source else None, [(c.base, c.rate) for c in i.conversions]) == (
        "e", "interest", ts(5), D("70.2"), "SHR", 6, [("USD", D("7.8"))])
    assert [(o.event_id, o.kind, o.timestamp.isoformat(), o.amount_hkd, o.deductible, o.description,
             o.source.row if o.source else None, [(c.base, c.rate) for c in o.conversions])
            for o in res.outgoings] == [
        ("f", "expense", ts(6), D("39.0"), False, "office", 7, [("USD", D("7.8"))]),
        ("g", "fee", ts(7), D(3), True, "gas", 8, []),
    ]
    assert [(n.code, n.message, n.event_id, n.year, n.source.row if n.source else None) for n in res.notes] == [
        ("inferred_assets", "no assets declared: every symbol used as an asset is taken as a virtual asset (BTC, "
         "ETH); every other code is a fiat currency", None, None, None),
        ("picks_ignored", "d: lot designations ignored under weighted average cost", "d", Y24, 5),
    ]


def test_specific_identification_notes_and_picks() -> None:
    res = run_ledger(events("h"), rates=[*USD, ETH], method_for=LotMethod.SPECIFIC_ID)
    assert [(d.disposal_id, [f.lot_id for f in d.fragments]) for d in res.disposals] == [
        ("b", ["a"]), ("d", ["c"]), ("d#fee0", ["b"])]
    assert [(n.code, n.message, n.event_id, n.year, n.source.row if n.source else None) for n in res.notes][1:] == [
        ("fifo_fallback", "b: no lot designated under specific identification; matched first-in first-out", "b", Y24,
         3)]
    fifo = run_ledger(events("h"), rates=[*USD, ETH], method_for=LotMethod.FIFO)
    assert [(d.disposal_id, [f.lot_id for f in d.fragments]) for d in fifo.disposals] == [
        ("b", ["a"]), ("d", ["b"]), ("d#fee0", ["b"])]
    assert [n.code for n in fifo.notes] == ["inferred_assets", "picks_ignored"]  # FIFO says it ignores them


def test_unknown_cost_unknown_lot_and_per_wallet_pools() -> None:
    from hkvatax.models.events import Acquisition, Disposal

    def at(d: int) -> datetime:
        return datetime(2024, 5, d, tzinfo=UTC)

    ev = [Disposal(id="x", timestamp=at(1), asset="BTC", quantity=D(1), proceeds=D(5)),
          Acquisition(id="a", timestamp=at(2), asset="BTC", quantity=D(1), cost=D(1)),
          Acquisition(id="w", timestamp=at(2), asset="BTC", quantity=D(1), cost=D(1), wallet="w1"),
          Disposal(id="y", timestamp=at(3), asset="BTC", quantity=D(1), proceeds=D(5),
                   lots=[{"lot_id": "zz", "quantity": "1"}])]
    with pytest.raises(InputError) as info:
        run_ledger(ev, method_for=LotMethod.SPECIFIC_ID, per_wallet=True)
    assert [(p.code, p.column, p.source.path if p.source else None, p.message, p.suggestion)
            for p in info.value.problems] == [
        ("disposal_before_acquisition", "quantity", "events[0]",
         "BTC: at 2024-05-01T00:00:00+00:00 gives up 1 but nothing of BTC was acquired, received or held before it",
         "add the acquisition (or opening balance) it came from, or check the date and asset"),
        ("unknown_lot", "lots", "events[3]", "lot 'zz' of BTC does not exist here or holds 0, less than the 1 "
         "designated", None)]
    res = run_ledger(ev[:3], method_for=LotMethod.SPECIFIC_ID, per_wallet=True, allow_unknown_cost=True)
    assert [(n.code, n.message, n.event_id, n.source.path if n.source else None) for n in res.notes][2:] == [
        ("unknown_cost", "x: disposes of 1 BTC but only 0 is held; the excess 1 is taken at nil cost (assumption: "
         "allow_unknown_cost)", "x", "events[0]")]
    assert [(s.asset, s.wallet) for s in res.closing[Y24]] == [("BTC", None), ("BTC", "w1")]


# -------------------- The ledger's result records: exact JSON shapes (public output), derived figures and year
# look-ups.
T1 = datetime(2024, 5, 1, 10, tzinfo=UTC)
T2 = datetime(2024, 6, 1, 10, tzinfo=UTC)


def frag(q: str, hd: str | None, lot: str = "L1", at: datetime | None = T1) -> Fragment:
    return Fragment(lot, at, D(q), D("40"), D("100"), None if hd is None else D(hd), "lot")


def disposal(fragments: tuple[Fragment, ...], year: int = 2024, **kw) -> DisposalRecord:
    base = dict(disposal_id="d#1", event_id="d", kind="swap", asset="BTC", wallet="w1", timestamp=T2, year=Y(year),
                quantity=D("2"), gross_proceeds_hkd=D("105"), fees_hkd=D("5"), proceeds_hkd=D("100"),
                cost_hkd=D("70"), fragments=fragments, method="fifo")
    base.update(kw)
    return DisposalRecord(**base)


def test_a_fragment_as_json_keeps_every_digit():
    f = frag("1.5", "31")
    assert f.gain_hkd == D("60")
    assert f.to_dict() == {"lot_id": "L1", "acquired_at": "2024-05-01T10:00:00+00:00", "quantity": "1.5",
                           "cost_hkd": "40", "proceeds_hkd": "100", "gain_hkd": "60", "holding_days": "31",
                           "basis": "lot"}
    unknown = Fragment("?", None, D("1"), D("0"), D("5"), None, "unknown")
    assert unknown.to_dict()["acquired_at"] is None and unknown.to_dict()["holding_days"] is None
    assert unknown.to_dict()["basis"] == "unknown"


def test_holding_days_is_quantity_weighted_over_known_fragments():
    d = disposal((frag("1", "10"), frag("3", "30"), frag("5", None)))
    assert d.holding_days == D("25")
    assert disposal((frag("1", None),)).holding_days is None
    assert disposal(()).holding_days is None
    assert disposal((frag("0", "10"),)).holding_days is None


def test_a_disposal_as_json_keeps_every_digit_its_source_and_conversions():
    conv = Conversion("USD", "HKD", D("7.8"), T1, "rates.csv")
    d = disposal((frag("2", "31"),), source=SourceRef("f.csv", 3, "$.events[0]"), conversions=(conv,))
    out = d.to_dict()
    assert out == {
        "disposal_id": "d#1", "event_id": "d", "kind": "swap", "asset": "BTC", "wallet": "w1",
        "timestamp": "2024-06-01T10:00:00+00:00", "year_of_assessment": "2024/25", "quantity": "2",
        "gross_proceeds_hkd": "105", "fees_hkd": "5", "proceeds_hkd": "100", "cost_hkd": "70", "gain_hkd": "30",
        "holding_days": "31", "method": "fifo", "source": {"file": "f.csv", "row": 3, "path": "$.events[0]"},
        "conversions": [{"base": "USD", "quote": "HKD", "rate": "7.8", "at": "2024-05-01T10:00:00+00:00",
                         "source": "rates.csv"}],
        "fragments": [frag("2", "31").to_dict()],
    }
    slim = d.to_dict(fragments=False)
    assert "fragments" not in slim and slim["gain_hkd"] == "30"
    bare = disposal((frag("1", None),)).to_dict()
    assert bare["source"] is None and bare["holding_days"] is None and bare["conversions"] == []


def test_a_pool_snapshot_as_json_keeps_every_digit():
    p = PoolSnapshot("ETH", None, "pool:ETH", T1, D("2.5"), D("1000"), D("12345"))
    assert p.to_dict() == {"asset": "ETH", "wallet": None, "lot_id": "pool:ETH",
                           "acquired_at": "2024-05-01T10:00:00+00:00", "quantity": "2.5", "cost_hkd": "1000",
                           "time_weight": "12345"}
    assert PoolSnapshot("ETH", "w", "L", T1, D("1"), D("1")).to_dict()["time_weight"] is None


def _snap(lot: str) -> tuple[PoolSnapshot, ...]:
    return (PoolSnapshot("BTC", None, lot, T1, D("1"), D("1")),)


def test_closing_pools_takes_the_latest_snapshot_not_after_the_year():
    opening = _snap("open")
    res = LedgerResult((), (), (), (), (), {Y(2020): _snap("2020"), Y(2022): _snap("2022"), Y(2021): _snap("2021")},
                       opening, ())
    assert res.closing_pools(Y(2019)) == opening
    assert res.closing_pools(Y(2020))[0].lot_id == "2020"
    assert res.closing_pools(Y(2021))[0].lot_id == "2021"
    assert res.closing_pools(Y(2022))[0].lot_id == "2022"
    assert res.closing_pools(Y(2030))[0].lot_id == "2022"
    assert res.methods == {} and res.event_count == 0


def test_a_results_years_span_every_record_and_disposals_in_picks_one_year():
    d24 = disposal((frag("1", "1"),), year=2024)
    d26 = disposal((frag("1", "1"),), year=2026, disposal_id="d#2")
    r22 = ReceiptRecord("r", "staking", "ETH", T1, Y(2022), D("1"), D("5"), D("5"))
    i23 = IncomeRecord("i", "interest", T1, Y(2023), D("1"), None)
    o27 = OutgoingRecord("o", "expense", T1, Y(2027), D("1"), True, None)
    lot28 = LotRecord("l", "l", "acquisition", "BTC", None, T1, Y(2028), D("1"), D("1"), D("0"))
    res = LedgerResult((d24, d26), (lot28,), (r22,), (i23,), (o27,), {Y(2019): ()}, (), ())
    assert res.years == (Y(2019), Y(2022), Y(2023), Y(2024), Y(2026), Y(2027), Y(2028))
    assert res.disposals_in(Y(2026)) == (d26,)
    assert res.disposals_in(Y(2025)) == ()
