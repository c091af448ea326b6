"""Closing a year and starting the next from its state (decision 0160): boundaries and refusals."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from hkvatax import InputError, assess, close_year, load_state
from hkvatax.cli import main
from hkvatax.io import scenario_from_dict
from hkvatax.io.state import state_from_dict


def _scenario(events: list[dict[str, Any]], **taxpayer: Any) -> Any:
    return scenario_from_dict({
        "taxpayer": {"kind": "corporation", "name": "Co", "carries_on_business": True, **taxpayer},
        "assets": [{"symbol": "BTC"}], "events": events})


BUY3 = {"kind": "acquisition", "id": "b", "timestamp": "2024-05-01T10:00:00+08:00", "asset": "BTC",
        "quantity": "3", "cost": "100"}
SELL1 = {"kind": "disposal", "id": "s", "timestamp": "2025-01-01T10:00:00+08:00", "asset": "BTC",
         "quantity": "1", "proceeds": "10"}
SELL2 = {"kind": "disposal", "id": "t", "timestamp": "2025-06-01T10:00:00+08:00", "asset": "BTC",
         "quantity": "2", "proceeds": "500"}


def _same(scenario: Any, split: str) -> Any:
    state = state_from_dict(json.loads(close_year(scenario, split).to_json()))
    long, rest = assess(scenario), assess(scenario, state=state)
    for label, ya in rest.years.items():
        for name, branch in ya.branches.items():
            for figure, f in branch.figures.items():
                other = long.years[label].branches[name].figures[figure].value
                assert str(f.value) == str(other), (label, figure)
    return state


def test_a_cost_of_forty_places_and_a_loss_are_carried_not_refused() -> None:
    state = _same(_scenario([BUY3, SELL1, SELL2]), "2024/25")
    (pool,) = state.pools
    assert pool.quantity == 2 and len(str(pool.cost_hkd).split(".")[1]) == 40  # 100 x 2/3 on the 10^-40 grid
    assert state.losses["baseline"] is not None and state.losses["baseline"].revenue > 0  # 10 - 33.33... lost


def test_an_empty_pool_and_a_year_without_events() -> None:
    state = _same(_scenario([BUY3, {**SELL1, "quantity": "3"}, {**BUY3, "id": "c",
                                                                  "timestamp": "2027-05-01T10:00:00+08:00"}]),
                  "2025/26")
    assert state.pools == () and state.pools_year == "2024/25"


def test_an_election_after_the_split_converts_the_carried_pools() -> None:
    scenario = _scenario([BUY3, SELL1, SELL2], methods=[{"method": "fifo", "from_year": "2018/19"},
                                                        {"method": "weighted_average", "from_year": "2025/26"}])
    state = _same(scenario, "2024/25")
    assert state.method is not None and state.method.value == "fifo"


def test_a_state_before_any_event_keeps_the_stated_losses() -> None:
    scenario = _scenario([{**BUY3, "timestamp": "2025-05-01T10:00:00+08:00"}, SELL2],
                         losses_brought_forward_hkd="50")
    state = _same(scenario, "2023/24")
    assert state.pools_year is None


def test_another_ledger_or_another_layout_is_refused() -> None:
    scenario = _scenario([BUY3, SELL1, SELL2])
    state = close_year(scenario, "2024/25")
    other = _scenario([{**BUY3, "id": "x"}, SELL2])
    with pytest.raises(InputError) as err:
        assess(other, state=state)
    assert err.value.codes == ["state_mismatch"]
    with pytest.raises(InputError) as err:
        assess(_scenario([SELL2], per_wallet_pools=True), state=state)
    assert err.value.codes == ["state_mismatch"]


def test_the_close_command_and_state_option(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"taxpayer": {"kind": "corporation", "name": "Co", "carries_on_business": True},
                                "assets": [{"symbol": "BTC"}], "events": [BUY3, SELL1, SELL2]}), encoding="utf-8")
    out = tmp_path / "state.json"
    assert main(["close", str(path), "--year", "2024/25", "--out", str(out), "-q"]) == 0
    assert load_state(out).year == "2024/25"
    assert main(["assess", str(path), "--state", str(out), "--format", "json", "-q"]) == 0
    assert "2025/26" in capsys.readouterr().out
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**json.loads(out.read_text()), "pools": [{"asset": "BTC", "lot_id": "b",
                   "acquired_at": "2024-05-01T10:00:00+08:00", "quantity": 1.5, "cost_hkd": "1"}]}))
    assert main(["assess", str(path), "--state", str(bad), "--format", "json"]) == 1
    assert json.loads(capsys.readouterr().out)["problems"][0]["code"] == "float_money"
    assert Decimal(1)  # (Decimal imported for the reader)


def test_closing_pools_and_losses_as_written_are_accepted_as_opening_lots() -> None:
    """The closing pools the disposals output writes, and a loss carried, are not refused as input."""
    from hkvatax import match_scenario
    from hkvatax.periods import YearOfAssessment

    for method in ("fifo", "weighted_average"):
        scenario = _scenario([BUY3, SELL1], methods=[{"method": method, "from_year": "2018/19"}])
        closing = match_scenario(scenario).closing_pools(YearOfAssessment.parse("2024/25"))
        lost = assess(scenario)["2024/25"].losses_carried_forward
        assert lost is not None and len(str(lost).split(".")[1]) > 18
        opening = [{k: v for k, v in snap.to_dict().items() if v is not None} for snap in closing]
        assert len(opening[0]["cost_hkd"].split(".")[1]) == 40
        again = scenario_from_dict({
            "taxpayer": {"kind": "corporation", "name": "Co", "carries_on_business": True,
                         "losses_brought_forward_hkd": str(lost), "methods": [{"method": method,
                                                                               "from_year": "2018/19"}]},
            "assets": [{"symbol": "BTC"}], "events": [SELL2], "opening_lots": opening})
        assert again.opening_lots[0].cost_hkd == closing[0].cost_hkd
        assert assess(again)["2025/26"].assessable_profits == assess(
            _scenario([BUY3, SELL1, SELL2], methods=[{"method": method, "from_year": "2018/19"}]))[
            "2025/26"].assessable_profits


def test_a_written_state_matches_its_published_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    from pathlib import Path

    schema = json.loads((Path(__file__).resolve().parents[1] / "docs/schemas/state.schema.json").read_text())
    for events, method in (([BUY3, SELL1, SELL2], "fifo"), ([BUY3, SELL1], "weighted_average"), ([], "fifo")):
        state = close_year(_scenario(events, methods=[{"method": method, "from_year": "2018/19"}]), "2024/25")
        jsonschema.validate(json.loads(state.to_json()), schema)
