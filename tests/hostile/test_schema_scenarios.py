"""Scenarios generated from the published JSON Schema (hypothesis-jsonschema), run through the whole library.

The schema is :func:`hkvatax.schemas.scenario_schema` — what ``hkvatax schema`` prints and
docs/scenario.schema.json holds (tests/test_safe_and_deterministic.py checks they agree). Each of its
``$defs`` (every taxpayer kind, every event kind, rates, opening lots, settings …) is a generator; a scenario
is put together from them the way the schema's top level does, with arrays kept short so that a case stays
in milliseconds. Half the cases are *steered* towards plausible ledgers (timestamps in recent years, a few
asset symbols, unique ids) so that they get past validation into the ledger, the rules and the renderers;
the other half are left as the schema allows, and some are damaged after generation (a key removed, a value
replaced by a hostile one).

Every case is loaded from JSON bytes, assessed, explained at a random detail level and rendered in every
format, compared and listed: each step ends in a result or an error with registered codes
(:func:`tests.hostile.harness.outcome_of`), never another exception or a hang.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

import hkvatax
from hkvatax.io import load_scenario
from hkvatax.render.disposals import disposals_csv, disposals_json, disposals_table
from hkvatax.schemas import DECIMAL_PATTERN, scenario_schema

from .harness import case, hostile_settings, outcome_of

SCHEMA = scenario_schema()
DEFS = SCHEMA["$defs"]
TOP = SCHEMA["properties"]


def _bounded(node: Any) -> Any:
    """The schema with short arrays and free strings: the same shapes, small enough to run in milliseconds."""
    if isinstance(node, list):
        return [_bounded(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: (_bounded(v) if k not in ("enum", "const", "default") else v) for k, v in node.items()}
    if out.get("type") == "array":
        out["maxItems"] = min(out.get("maxItems", 3), 3)
    if out.get("type") == "object" and "additionalProperties" in out and isinstance(out["additionalProperties"], dict):
        out["maxProperties"] = min(out.get("maxProperties", 3), 3)
    if out.get("type") == "string" and not {"pattern", "enum", "const", "format"} & set(out):
        out["maxLength"] = min(out.get("maxLength", 24), 24)
    return out


BOUNDED_DEFS = _bounded(DEFS)


@cache
def part(name: str) -> st.SearchStrategy[Any]:
    """Documents valid against the schema's definition ``name``."""
    return from_schema({**BOUNDED_DEFS[name], "$defs": BOUNDED_DEFS})


def _targets(prop: dict[str, Any]) -> list[str]:
    """The definitions a discriminated union names (every taxpayer kind, every event kind)."""
    return sorted(ref.rsplit("/", 1)[-1] for ref in prop["discriminator"]["mapping"].values())


TAXPAYERS = _targets(TOP["taxpayer"])
EVENTS = _targets(TOP["events"]["items"])
ZONES = st.sampled_from(["Asia/Hong_Kong", "UTC", "America/New_York", "Europe/London", "Asia/Kolkata",
                         "Etc/GMT-14", "Pacific/Kiritimati", "", "Mars/Olympus", "hkt", "+08:00"])
HKT = timezone(timedelta(hours=8))
RECENT = st.datetimes(datetime(2018, 1, 1), datetime(2027, 12, 31),
                      timezones=st.sampled_from([UTC, HKT, timezone(timedelta(hours=-5))]))
HOSTILE_LEAF = st.sampled_from([None, True, -1, 0, 10**30, "", " ", "NaN", "-0", "1e999999", "1E-9999999999",
                                "1.000,50", "١٢٣", "20240501", "9999-12-31T23:59:59+00:00", "\x00", "\u202e",
                                "<img src=x onerror=alert(1)>", "x" * 300, [], {}, {"kind": "x"}])


PLAUSIBLE = st.sampled_from(["0.5", "1", "2", "3.25", "10", "100", "1234.56", "50000", "250000.5", "0.0001"])
_NUMBER = re.compile(DECIMAL_PATTERN)


def _plausible(draw: st.DrawFn, node: Any) -> Any:
    """Numbers the schema allows, replaced by everyday sizes; timestamps moved into recent years."""
    if isinstance(node, list):
        return [_plausible(draw, v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if isinstance(value, str) and _NUMBER.fullmatch(value) and not key.endswith(("_month", "_day")):
            value = draw(PLAUSIBLE)
        elif isinstance(value, int) and not isinstance(value, bool) and not 0 <= value <= 1000:
            value = draw(st.integers(0, 1000))
        elif isinstance(value, str) and (key in ("timestamp", "at", "start", "end") or key.endswith(("_at", "_date"))):
            value = draw(RECENT).isoformat()
        else:
            value = _plausible(draw, value)
        out[key] = value
    return out


def _steer(draw: st.DrawFn, doc: dict[str, Any]) -> dict[str, Any]:
    """Make the generated scenario plausible enough to reach the ledger and the rules."""
    symbols = ["BTC", "ETH", "USDT"]
    doc = _plausible(draw, doc)
    doc.pop("default_timezone", None)
    if draw(st.booleans()):
        doc["assets"] = [{"symbol": s} for s in symbols]
    doc["taxpayer"].pop("methods", None)
    for i, event in enumerate(doc.get("events", [])):
        event["id"] = f"e{i}"
        for key in ("asset", "give_asset", "receive_asset", "currency", "fee_currency", "value_currency"):
            if key in event:
                event[key] = draw(st.sampled_from(symbols + ["HKD"] * (key.endswith("currency"))))
        for fee in event.get("fees", []):
            fee["currency"] = "HKD"
        event.pop("source", None)
    for lot in doc.get("opening_lots", []):
        lot["asset"] = draw(st.sampled_from(symbols))
        lot.pop("time_weight", None)
    for rate in doc.get("rates", []):
        rate["base"], rate["quote"] = draw(st.sampled_from(symbols + ["USD"])), "HKD"
    return doc


def _damage(draw: st.DrawFn, doc: dict[str, Any]) -> None:
    """One key removed or one value replaced, somewhere in the document."""
    node: Any = doc
    for _ in range(draw(st.integers(0, 3))):
        children = [k for k, v in (node.items() if isinstance(node, dict) else enumerate(node))
                    if isinstance(v, (dict, list)) and v]
        if not children:
            break
        node = node[draw(st.sampled_from(children))]
    keys = list(node) if isinstance(node, dict) else list(range(len(node)))
    if not keys:
        return
    key = draw(st.sampled_from(keys))
    if isinstance(node, dict) and draw(st.booleans()):
        del node[key]
    else:
        node[key] = draw(HOSTILE_LEAF)


@st.composite
def schema_scenarios(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """A scenario document put together from the schema's definitions, and how it was made."""
    doc: dict[str, Any] = {"taxpayer": draw(st.one_of([part(n) for n in TAXPAYERS]), label="taxpayer")}
    doc["events"] = draw(st.lists(st.one_of([part(n) for n in EVENTS]), max_size=4), label="events")
    if draw(st.booleans()):
        doc["assets"] = draw(st.lists(part("Asset"), max_size=3), label="assets")
    if draw(st.booleans()):
        doc["rates"] = draw(st.lists(part("Rate"), max_size=3), label="rates")
    if draw(st.integers(0, 3)) == 0:
        doc["opening_lots"] = draw(st.lists(part("OpeningLot"), max_size=2), label="opening lots")
    if draw(st.booleans()):
        doc["settings"] = draw(part("LedgerSettings"), label="settings")
    if draw(st.integers(0, 3)) == 0:
        doc["default_timezone"] = draw(ZONES)
    how = draw(st.sampled_from(["steered", "steered", "as generated", "damaged"]), label="how")
    if how == "steered":
        doc = _steer(draw, doc)
    elif how == "damaged":
        _damage(draw, doc)
    return how, doc


def _run(scenario: hkvatax.Scenario, detail: str) -> None:
    outcome = outcome_of(lambda: hkvatax.assess(scenario))
    if outcome is not None:
        explanation = outcome.explain(detail=detail)
        json.loads(explanation.to_json())
        explanation.to_text()
        explanation.to_markdown()
        explanation.to_html()
        outcome.to_flat()
        comparison = outcome_of(lambda: hkvatax.compare(scenario))
        if comparison is not None:
            comparison.to_json()
            comparison.to_text()
    ledger = outcome_of(lambda: hkvatax.match_scenario(scenario))
    if ledger is not None:
        disposals_csv(ledger)
        disposals_json(ledger)
        disposals_table(ledger)


@hostile_settings("schema-scenario", 400)
@given(made=schema_scenarios(), detail=st.sampled_from(["summary", "per_asset", "full"]))
def test_schema_generated_scenario_ends_in_a_result_or_registered_codes(made: tuple[str, dict[str, Any]],
                                                                        detail: str) -> None:
    how, doc = made
    with case(f"schema-{how.replace(' ', '-')}"):
        body = json.dumps(doc).encode()
        scenario = outcome_of(lambda: load_scenario("generated.json", content=body))
        if scenario is not None:
            _run(scenario, detail)


def test_every_taxpayer_and_event_kind_of_the_schema_is_generated() -> None:
    assert {"Individual", "Corporation", "Partnership", "PrivateFund", "FamilyOffice"} <= set(TAXPAYERS)
    assert {"Acquisition", "Disposal", "Swap", "Transfer", "Receipt", "FeePaid"} <= set(EVENTS)
