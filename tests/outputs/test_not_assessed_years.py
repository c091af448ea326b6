"""Years before the parameter tables are 'not assessed' (decision 0120): every output shows them, none fails."""

from __future__ import annotations

import json

import pytest

import hkvatax
from hkvatax.examples import example_path
from hkvatax.io import scenario_from_dict
from hkvatax.render.html import ledger_html, year_html
from hkvatax.render.report import report_html


def _scenario() -> object:
    raw = json.loads(example_path("corporation").read_text(encoding="utf-8"))
    raw["events"].insert(0, {"kind": "acquisition", "id": "early", "timestamp": "2001-06-01T10:00:00+08:00",
                             "asset": raw["events"][0].get("asset", "BTC"), "quantity": "0.1", "cost": "1000"})
    return scenario_from_dict(raw)


def test_a_year_not_assessed_renders_everywhere() -> None:
    scenario = _scenario()
    outcome = hkvatax.assess(scenario)  # type: ignore[arg-type]
    skipped = [label for label, ya in outcome.years.items() if ya.status == "not_assessed"]
    if not skipped:
        pytest.skip("no year before the tables in this scenario")
    label = skipped[0]
    assert outcome.to_flat()[label] == {}
    assert "not_assessed" in repr(outcome[label]) and "Not assessed" in year_html(outcome[label])
    for detail in ("summary", "per_asset", "full"):
        e = outcome.explain(detail=detail)
        assert "Not assessed" in e.to_html() and "Not assessed" in e.to_text()
        doc = json.loads(e.to_json())
        try:
            import jsonschema
        except ImportError:  # pragma: no cover - the 'contract' extra
            continue
        from hkvatax.schemas import SCHEMAS

        jsonschema.validate(doc, SCHEMAS["explanation"]())
    c = hkvatax.compare(scenario)  # type: ignore[arg-type]
    assert "Not assessed" in c.to_html() and c.to_json()
    ledger = outcome.full_ledger()
    assert ledger is not None and ledger_html(ledger)
    assert "Not assessed" in report_html(scenario)  # type: ignore[arg-type]
    with pytest.raises(hkvatax.ArgumentError):
        outcome.plot_waterfall(label)
