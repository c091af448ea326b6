"""hkvatax.models: validation, float refusal, the discriminated unions and JSON round trips."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from pydantic import TypeAdapter, ValidationError

from hkvatax.models import (
    Acquisition,
    Asset,
    Corporation,
    Event,
    FamilyOffice,
    Fee,
    FihvFacts,
    Individual,
    InterestPeriod,
    LotMethod,
    MethodElection,
    OpeningLot,
    PrivateFund,
    Rate,
    ResidentInvestor,
    Scenario,
    Swap,
    Taxpayer,
    Transfer,
)

HKT = timezone(timedelta(hours=8))
T = "2025-01-02T03:04:05+08:00"
EVENTS = TypeAdapter(Event)
TAXPAYERS = TypeAdapter(Taxpayer)


def errors(exc: pytest.ExceptionInfo[ValidationError]) -> list[tuple[str, tuple]]:
    return [(e["type"], e["loc"]) for e in exc.value.errors()]


# ---------------------------------------------------------------------------------------------- money
@pytest.mark.parametrize(
    ("kind", "field", "extra"),
    [
        ("acquisition", "cost", {"asset": "BTC", "quantity": "1"}),
        ("acquisition", "quantity", {"asset": "BTC", "cost": "1"}),
        ("disposal", "proceeds", {"asset": "BTC", "quantity": "1"}),
        ("swap", "give_quantity", {"give_asset": "BTC", "receive_asset": "ETH", "receive_quantity": "1"}),
        ("swap", "value", {"give_asset": "BTC", "give_quantity": "1", "receive_asset": "ETH",
                           "receive_quantity": "1"}),
        ("receipt", "value", {"asset": "ETH", "quantity": "1", "receipt_type": "staking"}),
        ("income", "amount", {"income_type": "interest"}),
    ],
)
def test_float_money_is_refused_naming_the_field(kind: str, field: str, extra: dict) -> None:
    data = {"kind": kind, "id": "x", "timestamp": T, **extra, field: 0.1}
    with pytest.raises(ValidationError) as exc:
        EVENTS.validate_python(data)
    assert (("float_money", (kind, field)) in errors(exc))
    assert "0.1" in str(exc.value) and "string" in str(exc.value)


def test_float_refused_in_fees_rates_and_opening_lots() -> None:
    with pytest.raises(ValidationError) as exc:
        Fee(amount=0.5)  # type: ignore[arg-type]
    assert errors(exc) == [("float_money", ("amount",))]
    with pytest.raises(ValidationError) as exc:
        Rate(base="USD", rate=7.8, at=T, source="x")  # type: ignore[arg-type]
    assert errors(exc) == [("float_money", ("rate",))]
    with pytest.raises(ValidationError) as exc:
        OpeningLot(asset="BTC", lot_id="l", quantity="1", cost_hkd="1", acquired_at=T, time_weight=1.5)  # type: ignore[arg-type]
    assert errors(exc)[0][0] == "float_money"


@pytest.mark.parametrize(
    ("value", "code"),
    [("NaN", "not_a_number"), ("inf", "not_a_number"), ("", "not_a_number"), ("abc", "not_a_number"),
     ("1_000", "not_a_number"), ("1,5", "not_a_number"),
     ("0", "non_positive"), ("-1", "non_positive"), ("1e19", "absurd_magnitude"),
     ("0.0000000000000000001", "too_many_decimals"), (True, "invalid_field")],
)
def test_quantity_validation(value: object, code: str) -> None:
    with pytest.raises(ValidationError) as exc:
        Acquisition(id="a", timestamp=T, asset="BTC", quantity=value, cost="1")  # type: ignore[arg-type]
    assert errors(exc)[0][0] == code


def test_accepted_numbers() -> None:
    a = Acquisition(id=" a ", timestamp=T, asset="btc", quantity="1,000.000000000000000001", cost=5,
                    fees=[{"amount": "1,000"}])
    assert a.id == "a" and a.asset == "BTC"
    assert a.quantity == Decimal("1000.000000000000000001") and isinstance(a.cost, Decimal)
    assert a.fees[0].amount == Decimal(1000) and a.fees[0].currency == "HKD"
    # trailing zeros beyond 18 places are not extra precision
    assert Acquisition(id="b", timestamp=T, asset="BTC", quantity="1.0000000000000000000000", cost="0").cost == 0


def test_json_carries_money_as_strings() -> None:
    a = Acquisition(id="a", timestamp=T, asset="BTC", quantity="0.1", cost="123.45")
    text = a.model_dump_json()
    assert '"quantity":"0.1"' in text and '"cost":"123.45"' in text
    with pytest.raises(ValidationError) as exc:
        Acquisition.model_validate_json(text.replace('"0.1"', "0.1"))
    assert errors(exc) == [("float_money", ("quantity",))]


# ----------------------------------------------------------------------------------------- timestamps
def test_naive_timestamps_need_a_default_zone() -> None:
    data = {"kind": "acquisition", "id": "a", "timestamp": "2025-01-02T03:04:05", "asset": "BTC", "quantity": "1",
            "cost": "1"}
    with pytest.raises(ValidationError) as exc:
        EVENTS.validate_python(data)
    assert errors(exc) == [("naive_timestamp", ("acquisition", "timestamp"))]
    event = EVENTS.validate_python(data, context={"default_tz": HKT})
    assert event.timestamp == datetime(2025, 1, 1, 19, 4, 5, tzinfo=UTC)
    with pytest.raises(ValidationError) as exc:
        EVENTS.validate_python({**data, "timestamp": " "})
    assert errors(exc)[0][0] == "bad_timestamp"


# ------------------------------------------------------------------------------------------- events
def test_event_union_dispatches_on_kind() -> None:
    base = {"id": "e", "timestamp": T}
    samples = {
        "acquisition": {"asset": "BTC", "quantity": "1", "cost": "1"},
        "disposal": {"asset": "BTC", "quantity": "1", "proceeds": "1", "lots": [{"lot_id": "a", "quantity": "1"}]},
        "swap": {"give_asset": "BTC", "give_quantity": "1", "receive_asset": "ETH", "receive_quantity": "2"},
        "fee": {"fee": {"amount": "0.01", "currency": "ETH"}},
        "transfer": {"asset": "BTC", "quantity": "1", "from_wallet": "a", "to_wallet": "b"},
        "receipt": {"asset": "ETH", "quantity": "1", "receipt_type": "airdrop", "value": "0"},
        "payment": {"asset": "BTC", "quantity": "1", "value": "100"},
        "loss": {"asset": "BTC", "quantity": "1", "loss_type": "theft"},
        "income": {"income_type": "dividend", "amount": "10", "currency": "USD"},
        "expense": {"amount": "10", "deductible": False},
    }
    for kind, extra in samples.items():
        event = EVENTS.validate_python({"kind": kind, **base, **extra})
        assert event.kind == kind
        assert EVENTS.validate_json(EVENTS.dump_json(event)) == event
    with pytest.raises(ValidationError) as exc:
        EVENTS.validate_python({"kind": "gift", **base})
    assert errors(exc)[0][0] == "union_tag_invalid"


def test_event_rules() -> None:
    with pytest.raises(ValidationError) as exc:
        Swap(id="s", timestamp=T, give_asset="BTC", give_quantity="1", receive_asset="btc", receive_quantity="1")
    assert errors(exc)[0][0] == "same_asset_swap"
    with pytest.raises(ValidationError) as exc:
        Transfer(id="t", timestamp=T, asset="BTC", quantity="1", from_wallet="a", to_wallet="a")
    assert errors(exc)[0][0] == "self_transfer"
    with pytest.raises(ValidationError, match="character_reason"):
        Acquisition(id="a", timestamp=T, asset="BTC", quantity="1", cost="1", character="capital")
    with pytest.raises(ValidationError):
        Acquisition(id=" ", timestamp=T, asset="BTC", quantity="1", cost="1")
    with pytest.raises(ValidationError) as exc:
        Acquisition(id="a", timestamp=T, asset="BTC", quantity="1", cost="1", price="3")  # type: ignore[call-arg]
    assert errors(exc)[0][0] == "extra_forbidden"
    with pytest.raises(ValidationError):
        Acquisition(id="a", timestamp=T, asset="B TC", quantity="1", cost="1")
    a = Acquisition(id="a", timestamp=T, asset="BTC", quantity="1", cost="1")
    with pytest.raises(ValidationError):
        a.cost = Decimal(2)  # type: ignore[misc]  # frozen


# ----------------------------------------------------------------------------------------- taxpayers
def test_lifo_is_refused_citing_dipn_1_para_48() -> None:
    for name in ("lifo", "LIFO", " Lifo ", "hifo"):
        with pytest.raises(ValidationError) as exc:
            MethodElection.model_validate({"method": name, "from_year": "2024/25"})
        assert errors(exc)[0][0] == "lifo_refused"
        assert "DIPN 1 para 48" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        TAXPAYERS.validate_python({"kind": "individual", "name": "x", "methods": [{"method": "lifo",
                                                                                  "from_year": "2024/25"}]})
    assert errors(exc)[0][0] == "lifo_refused"


def test_method_elections() -> None:
    with pytest.raises(ValidationError, match="year of assessment"):
        MethodElection(method=LotMethod.FIFO, from_year="2024/26")
    with pytest.raises(ValidationError, match="same first year"):
        Individual(name="x", methods=[MethodElection(method=LotMethod.FIFO, from_year="2024/25"),
                                      MethodElection(method=LotMethod.WEIGHTED_AVERAGE, from_year="2024-25")])
    default = Individual(name="x")
    assert default.methods[0].method is LotMethod.WEIGHTED_AVERAGE


def test_year_end_validation() -> None:
    assert Corporation(name="c", accounting_year_end_month=2, accounting_year_end_day=29).accounting_year_end_day == 29
    for month, day in ((2, 30), (6, 31), (13, 1)):
        with pytest.raises(ValidationError):
            Corporation(name="c", accounting_year_end_month=month, accounting_year_end_day=day)


def test_percentages_in_range_and_dates_ordered() -> None:
    for bad in ("-1", "100.01", "NaN"):
        with pytest.raises(ValidationError) as exc:
            InterestPeriod(start=date(2024, 1, 1), end=date(2024, 12, 31), percent=bad)
        assert errors(exc)[0][0] in {"percent_range", "not_a_number"}
    assert InterestPeriod(start=date(2024, 1, 1), end=date(2024, 1, 1), percent="100").percent == 100
    with pytest.raises(ValidationError) as exc:
        InterestPeriod(start=date(2024, 2, 1), end=date(2024, 1, 31), percent="5")
    assert errors(exc)[0][0] == "order_of_dates"
    with pytest.raises(ValidationError) as exc:
        ResidentInvestor(name="r", interests=[
            {"start": "2024-01-01", "end": "2024-06-30", "percent": "10"},
            {"start": "2024-06-30", "end": "2024-12-31", "percent": "20"},
        ])
    assert errors(exc)[0][0] == "order_of_dates"
    with pytest.raises(ValidationError, match="more than 100%"):
        FihvFacts(family_ownership_percent="95", charity_ownership_percent="6")
    with pytest.raises(ValidationError) as exc:
        FihvFacts(family_ownership_percent=95.0)  # type: ignore[arg-type]
    assert errors(exc)[0][0] == "float_money"
    with pytest.raises(ValidationError):
        Individual(name="")
    with pytest.raises(ValidationError):
        Individual(name="x", losses_brought_forward_hkd="-1")


def test_taxpayer_union_and_round_trip() -> None:
    samples = [
        {"kind": "individual", "name": "A", "hk_resident": True},
        {"kind": "corporation", "name": "B Ltd", "accounting_year_end_month": 12},
        {"kind": "partnership", "name": "C & Co", "partners": 2},
        {"kind": "private_fund", "name": "D Fund", "fund": {"uses_specified_person": True,
                                                           "investor_commitments_percent": "95"}},
        {"kind": "family_office", "name": "E FIHV", "fihv": {"family_ownership_percent": "100",
                                                            "esfo": {"services_to_family_percent": "80"}}},
    ]
    kinds = (Individual, Corporation, type(TAXPAYERS.validate_python(samples[2])), PrivateFund, FamilyOffice)
    for data, cls in zip(samples, kinds, strict=True):
        tp = TAXPAYERS.validate_python(data)
        assert isinstance(tp, cls)
        assert TAXPAYERS.validate_json(TAXPAYERS.dump_json(tp)) == tp
    with pytest.raises(ValidationError) as exc:
        TAXPAYERS.validate_python({"kind": "trust", "name": "x"})
    assert errors(exc)[0][0] == "union_tag_invalid"


# ----------------------------------------------------------------------------------- assets, scenario
def test_asset_rules() -> None:
    with pytest.raises(ValidationError, match="53ZRA"):
        Asset(symbol="HSBC", sch16c_class="securities")
    assert Asset(symbol="hsbc", is_virtual_asset=False, sch16c_class="securities").symbol == "HSBC"


def test_scenario_round_trip_and_unique_assets() -> None:
    scenario = Scenario.model_validate({
        "taxpayer": {"kind": "corporation", "name": "X Ltd", "methods": [{"method": "fifo", "from_year": "2024/25"}]},
        "assets": [{"symbol": "BTC"}, {"symbol": "ETH", "category": "payment"}],
        "events": [{"kind": "acquisition", "id": "a", "timestamp": T, "asset": "BTC", "quantity": "0.5",
                    "cost": "100000.123456789012345678"}],
        "rates": [{"base": "USD", "rate": "7.8", "at": T, "source": "HKMA"}],
        "opening_lots": [{"asset": "ETH", "lot_id": "o1", "quantity": "2", "cost_hkd": "1", "acquired_at": T}],
        "settings": {"swap_valuation": "given", "receipt_cost_basis": "nil"},
    })
    again = Scenario.model_validate_json(scenario.model_dump_json())
    assert again == scenario
    assert again.events[0].cost == Decimal("100000.123456789012345678")
    assert scenario.asset("ETH") is not None and scenario.asset("SOL") is None
    with pytest.raises(ValidationError, match="declared twice"):
        Scenario(taxpayer=Individual(name="x"), assets=[Asset(symbol="BTC"), Asset(symbol="btc")])
    with pytest.raises(ValidationError):
        Scenario.model_validate({"taxpayer": {"kind": "individual", "name": "x"}, "settings": {"swap_valuation": "x"}})
