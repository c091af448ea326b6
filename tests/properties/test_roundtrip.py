"""JSON round trips of a Scenario are exact (every digit, every instant)."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from hkvatax.io import scenario_from_dict
from hkvatax.models import LedgerSettings, MethodElection, OpeningLot, Scenario
from tests.strategies import START, GeneratedLedger, ledgers, quantities

taxpayers = st.sampled_from([
    {"kind": "individual", "name": "I", "hk_resident": True},
    {"kind": "corporation", "name": "C", "accounting_year_end_month": 12, "per_wallet_pools": True},
    {"kind": "partnership", "name": "P", "accounting_year_end_month": 2, "accounting_year_end_day": 29},
    {"kind": "private_fund", "name": "F", "fund": {"investor_commitments_percent": "95.5"}},
    {"kind": "family_office", "name": "O", "fihv": {"family_ownership_percent": "100"}},
])


@given(ledgers(places=18), taxpayers, st.sampled_from(["fifo", "weighted_average", "specific_id"]),
       st.lists(quantities(18), max_size=2), st.sampled_from(["received", "given"]))
def test_scenario_json_round_trip_is_exact(ledger: GeneratedLedger, taxpayer: dict, method: str, opening: list,
                                           valuation: str) -> None:
    scenario = Scenario.model_validate({
        "taxpayer": {**taxpayer, "methods": [MethodElection(method=method, from_year="2020/21")]},
        "assets": ledger.assets,
        "events": ledger.events,
        "rates": ledger.rates,
        "opening_lots": [OpeningLot(asset=ledger.assets[0].symbol, lot_id=f"o{i}", quantity=q, cost_hkd=q,
                                    acquired_at=START, time_weight=q * 10**15) for i, q in enumerate(opening)],
        "settings": LedgerSettings(swap_valuation=valuation, allow_unknown_cost=True),
    })
    text = scenario.model_dump_json()
    again = Scenario.model_validate_json(text)
    assert again == scenario
    assert again.model_dump_json() == text  # every digit and every offset, not just equal values
    via_loader = scenario_from_dict(json.loads(text))
    assert via_loader == scenario and via_loader.model_dump_json() == text
    for event in json.loads(text)["events"]:  # money travels as strings
        for key in ("quantity", "cost", "proceeds", "value", "give_quantity", "receive_quantity"):
            if event.get(key) is not None:
                assert isinstance(event[key], str)
