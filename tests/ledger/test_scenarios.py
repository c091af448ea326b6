"""Runs the reviewer-readable lot-matching scenarios in tests/ledger/scenarios/*.json (see its README)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter

from hkvatax.ledger import LedgerResult, run_ledger
from hkvatax.models import Asset, Event, LotMethod, OpeningLot

HKT = timezone(timedelta(hours=8))
HERE = Path(__file__).parent / "scenarios"
EVENT = TypeAdapter(Event)


def instant(text: str) -> datetime:
    """``2024-03-01`` is midnight Hong Kong time; a value with ``T`` is a full ISO instant."""
    if "T" in text:
        return datetime.fromisoformat(text)
    return datetime.fromisoformat(text).replace(tzinfo=HKT)


def load_cases() -> list[Any]:
    cases = []
    for path in sorted(HERE.glob("*.json")):
        method = LotMethod(path.stem)
        for case in json.loads(path.read_text(encoding="utf-8"), parse_float=str):
            cases.append(pytest.param(method, case, id=f"{path.stem}: {case['case']}"))
    return cases


def run_case(method: LotMethod, case: dict[str, Any]) -> LedgerResult:
    opening = [
        OpeningLot(asset=lot.get("asset", "BTC"), lot_id=lot["lot"], quantity=lot["quantity"], cost_hkd=lot["cost"],
                   acquired_at=instant(lot["acquired"]))
        for lot in case["pool_before"]
    ]
    raw = case.get("events") or [case["event"]]
    events = [EVENT.validate_python({"id": "event", **{k: v for k, v in e.items() if k != "on"},
                                     "timestamp": instant(e["on"])}) for e in raw]
    return run_ledger(events, opening=opening, method_for=method, assets=[Asset(symbol="BTC"), Asset(symbol="ETH")])


def D(text: str) -> Decimal:  # noqa: N802
    return Decimal(text)


@pytest.mark.parametrize(("method", "case"), load_cases())
def test_scenario(method: LotMethod, case: dict[str, Any]) -> None:
    result = run_case(method, case)
    got = result.disposals
    assert [d.disposal_id for d in got] == [d["id"] for d in case["disposals"]]
    for d, want in zip(got, case["disposals"], strict=True):
        assert (d.proceeds_hkd, d.cost_hkd, d.gain_hkd) == (D(want["proceeds"]), D(want["cost"]), D(want["gain"])), \
            d.disposal_id
        assert d.method == method.value
        frags = [(f.lot_id, f.acquired_at, f.quantity, f.cost_hkd, f.proceeds_hkd, f.holding_days)
                 for f in d.fragments]
        expected = [(f["lot"], instant(f["acquired"]), D(f["quantity"]), D(f["cost"]), D(f["proceeds"]),
                     D(f["holding_days"])) for f in want["fragments"]]
        assert frags == expected, d.disposal_id
        for f, w in zip(d.fragments, want["fragments"], strict=True):
            if "basis" in w:
                assert f.basis == w["basis"]
    closing = result.closing[max(result.closing)]
    assert [(s.asset, s.lot_id, s.acquired_at, s.quantity, s.cost_hkd) for s in closing] == [
        (p.get("asset", "BTC"), p["lot"], instant(p["acquired"]), D(p["quantity"]), D(p["cost"]))
        for p in case["pool_after"]
    ]
    assert sorted({n.code for n in result.notes}) == sorted(case.get("notes", []))


def test_every_method_has_a_scenario_file() -> None:
    assert sorted(p.stem for p in HERE.glob("*.json")) == sorted(m.value for m in LotMethod)
