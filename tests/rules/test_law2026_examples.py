"""Worked examples for each new piece of the 2026 law review, as data files citing their sources
(tests/examples/law2026/*.json): each run gives the regime, any law settings, the concession's eligibility and
the figures expected."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from hkvatax import assess
from hkvatax.models import Scenario

FILES = sorted((Path(__file__).parents[1] / "examples" / "law2026").glob("*.json"))
RUNS = [(f.stem, i, run, json.loads(f.read_text(encoding="utf-8")))
        for f in FILES for i, run in enumerate(json.loads(f.read_text(encoding="utf-8"))["runs"])]


def test_every_example_cites_its_source() -> None:
    assert len(FILES) >= 5
    for f in FILES:
        case = json.loads(f.read_text(encoding="utf-8"))
        assert case["source"] and case["name"], f.name


@pytest.mark.parametrize(("stem", "i", "run", "case"), RUNS, ids=[f"{s}:{i}" for s, i, _, _ in RUNS])
def test_law2026_example(stem: str, i: int, run: dict[str, Any], case: dict[str, Any]) -> None:
    scenario = Scenario.model_validate(case["scenario"])
    outcome = assess(scenario, case["year"], regime=run["regime"], law_settings=run.get("law_settings"))
    result = outcome[case["year"]].result
    assert result is not None
    assert result.concession is not None and result.concession.eligible == run["eligible"]
    for name, expected in run["expected"].items():
        assert result[name] == Decimal(expected), name
