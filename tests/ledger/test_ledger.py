"""The ledger, event by event and option by option (issue #2: events, lot matching, bad input)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from hkvatax.errors import InputError
from hkvatax.ledger import match_scenario, method_schedule, run_ledger, sort_key
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
from hkvatax.periods import YearEnd, YearOfAssessment

HKT = timezone(timedelta(hours=8))
D = Decimal
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
