"""Worked examples from published sources, as data files (tests/examples/*.json); each cites its source."""

import json
from decimal import Decimal
from pathlib import Path

import pytest

from hkvatax import assess
from hkvatax.models import Scenario
from hkvatax.periods import YearOfAssessment

EXAMPLES = sorted((Path(__file__).parent / "examples").glob("*.json"))


def _scenario(taxpayer: dict, year: str, profit: str) -> Scenario:
    y = YearOfAssessment.parse(year)
    day = f"{y.start_year}-06-01"
    return Scenario.model_validate({
        "taxpayer": taxpayer,
        "events": [
            {"kind": "acquisition", "id": "buy", "timestamp": f"{day}T10:00:00+08:00", "asset": "BTC",
             "quantity": "1", "cost": "1000000"},
            {"kind": "disposal", "id": "sell", "timestamp": f"{day}T11:00:00+08:00", "asset": "BTC",
             "quantity": "1", "proceeds": str(Decimal("1000000") + Decimal(profit))},
        ],
    })


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_worked_example(path: Path) -> None:
    case = json.loads(path.read_text(encoding="utf-8"))
    assert case.get("source"), f"{path.name} must cite its published source"
    outcome = assess(_scenario(case["taxpayer"], case["year"], case["profit"]), case["year"])
    result = outcome[case["year"]].result
    assert result is not None
    for name, expected in case.get("expected", {}).items():
        assert result[name] == Decimal(expected), name
    if "compare_with" in case:
        other_tp = {**case["taxpayer"], **case["compare_with"]}
        other = assess(_scenario(other_tp, case["year"], case["profit"]), case["year"])[case["year"]].result
        assert other is not None
        for name, saving in case["expected_saving"].items():
            assert other[name] - result[name] == Decimal(saving), name
