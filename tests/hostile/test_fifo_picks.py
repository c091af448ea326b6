"""Issue 11: under FIFO, lot designations on a disposal are never ignored silently — every kind that gives up
an asset (disposal, swap, payment, loss) and every reader (a scenario's events, a CSV ledger read by the
column-wise reader) goes through the one ledger core (hkvatax.ledger.core), which notes ``picks_ignored``,
as it does under weighted average."""

from __future__ import annotations

import io
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hkvatax.engine import ledger_csv
from hkvatax.io import scenario_from_dict
from hkvatax.io.loaders import CSV_COLUMNS
from hkvatax.ledger import match_scenario

from .harness import hostile_settings

RATES = [{"base": "ETH", "quote": "HKD", "rate": "20000", "at": "2023-01-01T00:00:00+08:00", "source": "x"}]
BUYS = [{"kind": "acquisition", "id": "b1", "timestamp": "2023-04-01T10:00:00+08:00", "asset": "BTC",
         "quantity": "1", "cost": "100"},
        {"kind": "acquisition", "id": "b2", "timestamp": "2023-04-02T10:00:00+08:00", "asset": "BTC",
         "quantity": "1", "cost": "300"}]
GIVE_UP: dict[str, dict[str, Any]] = {
    "disposal": {"kind": "disposal", "asset": "BTC", "quantity": "1", "proceeds": "500"},
    "swap": {"kind": "swap", "give_asset": "BTC", "give_quantity": "1", "receive_asset": "ETH",
             "receive_quantity": "1", "value": "500"},
    "payment": {"kind": "payment", "asset": "BTC", "quantity": "1", "value": "500"},
    "loss": {"kind": "loss", "asset": "BTC", "quantity": "1"},
}
CSV_CELLS: dict[str, dict[str, str]] = {
    "disposal": {"kind": "disposal", "asset": "BTC", "quantity": "1", "amount": "500"},
    "swap": {"kind": "swap", "asset": "BTC", "quantity": "1", "counter_asset": "ETH", "counter_quantity": "1",
             "amount": "500"},
    "payment": {"kind": "payment", "asset": "BTC", "quantity": "1", "amount": "500"},
    "loss": {"kind": "loss", "asset": "BTC", "quantity": "1"},
}


def profile(method: str) -> dict[str, Any]:
    return {"taxpayer": {"kind": "corporation", "name": "Co", "methods": [{"method": method, "from_year": "2018/19"}]},
            "assets": [{"symbol": "BTC"}, {"symbol": "ETH"}], "rates": RATES}


def scenario_notes(kind: str, method: str, picks: list[tuple[str, str]]) -> list[str]:
    event = {**GIVE_UP[kind], "id": "d", "timestamp": "2023-05-01T10:00:00+08:00",
             "lots": [{"lot_id": lot, "quantity": qty} for lot, qty in picks]}
    scenario = scenario_from_dict({**profile(method), "events": [*BUYS, event]})
    return [n.code for n in match_scenario(scenario).notes]


def csv_notes(kind: str, method: str, picks: list[tuple[str, str]]) -> list[str]:
    rows = [{"id": b["id"], "timestamp": b["timestamp"], "kind": "acquisition", "asset": "BTC", "quantity": "1",
             "amount": b["cost"]} for b in BUYS]
    rows.append({"id": "d", "timestamp": "2023-05-01T10:00:00+08:00", **CSV_CELLS[kind],
                 "lots": ";".join(f"{lot}:{qty}" for lot, qty in picks)})
    text = ",".join(CSV_COLUMNS) + "\n" + "".join(
        ",".join(r.get(c, "") for c in CSV_COLUMNS) + "\n" for r in rows)
    _, matched = ledger_csv(io.StringIO(text), profile(method), file="l.csv")
    basis = next(iter(matched.by_basis))
    result = matched.records(basis)
    assert result is not None
    return [n.code for n in result.notes]


@pytest.mark.parametrize("kind", sorted(GIVE_UP))
@pytest.mark.parametrize("method", ["fifo", "weighted_average"])
@pytest.mark.parametrize("read", [scenario_notes, csv_notes], ids=["scenario", "csv"])
def test_lot_designations_ignored_by_the_method_are_noted(kind: str, method: str, read: Any) -> None:
    assert "picks_ignored" in read(kind, method, [("b2", "1")])
    assert "picks_ignored" not in read(kind, method, [])


@pytest.mark.parametrize("kind", sorted(GIVE_UP))
def test_lot_designations_under_specific_identification_are_used_not_noted(kind: str) -> None:
    assert "picks_ignored" not in scenario_notes(kind, "specific_id", [("b2", "1")])


@given(st.sampled_from(sorted(GIVE_UP)), st.sampled_from(["fifo", "weighted_average"]),
       st.lists(st.tuples(st.sampled_from(["b1", "b2", "zz"]), st.sampled_from(["0.5", "1", "0.1"])),
                min_size=1, max_size=3))
@hostile_settings("fifo-picks", 60)
def test_any_designation_a_method_ignores_gives_the_note(kind: str, method: str,
                                                         picks: list[tuple[str, str]]) -> None:
    """Property (the class): whatever lots are designated, a method that ignores them says so."""
    assert "picks_ignored" in scenario_notes(kind, method, picks)
