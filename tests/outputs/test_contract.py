"""The contract: published schemas that say what is read and written, one error shape, typed arguments."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import hkvatax
from hkvatax.errors import ArgumentError, DataTableGapError, HkvataxError, InputError, LedgerError, Problem
from hkvatax.examples import example_names, example_path
from hkvatax.io import load_scenario
from hkvatax.schemas import SCHEMAS, schema_json

jsonschema = pytest.importorskip("jsonschema")  # the 'contract' extra (installed by .ci/run)

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.mark.parametrize("which", sorted(SCHEMAS))
def test_committed_schemas_are_current_and_valid(which: str) -> None:
    path = DOCS / ("scenario.schema.json" if which == "scenario" else f"schemas/{which}.schema.json")
    if which != "scenario":  # the scenario schema's wording depends on the pydantic release (see its own test)
        assert path.read_text(encoding="utf-8") == schema_json(which), f"regenerate: hkvatax schema --which {which}"
    jsonschema.Draft202012Validator.check_schema(json.loads(schema_json(which)))


@pytest.mark.parametrize("name", example_names())
def test_outputs_of_every_example_match_their_schemas(name: str) -> None:
    raw = json.loads(example_path(name).read_text(encoding="utf-8"))
    jsonschema.validate(raw, SCHEMAS["scenario"]())
    scenario = load_scenario(example_path(name))
    outcome = hkvatax.assess(scenario)
    for detail in ("summary", "full"):
        jsonschema.validate(json.loads(outcome.explain(detail=detail).to_json()), SCHEMAS["explanation"]())
    jsonschema.validate(outcome.to_flat(), SCHEMAS["flat"]())
    jsonschema.validate(json.loads(hkvatax.compare(scenario).to_json()), SCHEMAS["comparison"]())


def test_scenario_schema_refuses_floats_for_money_and_knows_default_timezone() -> None:
    schema = SCHEMAS["scenario"]()
    raw = json.loads(example_path("ledger_demo").read_text(encoding="utf-8"))
    raw["default_timezone"] = "Asia/Hong_Kong"
    jsonschema.validate(raw, schema)
    event = next(e for e in raw["events"] if e["kind"] == "acquisition")
    event["cost"] = 1.5
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(raw, schema)


@pytest.mark.parametrize("part", ["taxpayer", "event"])
def test_scenario_schema_requires_the_kind_the_loader_needs(part: str) -> None:
    """The models default ``kind``, but the loader picks a taxpayer's or an event's model by it: the schema
    must not accept what the loader refuses (found by the schema-driven hostile suite)."""
    schema = SCHEMAS["scenario"]()
    raw = json.loads(example_path("ledger_demo").read_text(encoding="utf-8"))
    del (raw["taxpayer"] if part == "taxpayer" else raw["events"][0])["kind"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(raw, schema)
    with pytest.raises(InputError) as caught:
        load_scenario("s.json", content=json.dumps(raw).encode())
    assert "missing_field" in caught.value.codes


def test_flat_result_gives_tax_payable_without_walking_the_trace() -> None:
    outcome = hkvatax.assess(load_scenario(example_path("corporation")))
    flat = outcome.to_flat()
    for label, ya in outcome.years.items():
        assert ya.tax_payable is not None
        assert flat[label]["tax_payable"] == format(ya.tax_payable.normalize(), "f")


@pytest.mark.parametrize("call", [
    lambda s: hkvatax.assess(s, regime="foo"),
    lambda s: hkvatax.assess(s, "25/26"),
    lambda s: hkvatax.assess(s, extension_first_year="foo"),
    lambda s: hkvatax.compare(s, extension_first_year="2025/27"),
    lambda s: hkvatax.assess(s).explain(detail="everything"),
])
def test_bad_arguments_raise_an_argument_error_with_a_problem(call: object) -> None:
    scenario = load_scenario(example_path("corporation"))
    with pytest.raises(ArgumentError) as info:
        call(scenario)  # type: ignore[operator]
    err = info.value
    assert isinstance(err, HkvataxError) and isinstance(err, ValueError)
    d = err.to_dict()
    jsonschema.validate(d, SCHEMAS["error"]())
    assert d["problems"][0]["code"] == "invalid_argument" and d["problems"][0]["suggestion"]


def test_every_error_class_carries_problems_in_one_shape() -> None:
    p = Problem("oversell", "too much")
    errors: list[HkvataxError] = [InputError([p]), LedgerError(p), DataTableGapError("no rate for 2030/31"),
                                  ArgumentError("year", "bad", "write 2025/26")]
    for err in errors:
        assert err.problems and all(isinstance(x, Problem) for x in err.problems)
        jsonschema.validate(err.to_dict(), SCHEMAS["error"]())
