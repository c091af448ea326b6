"""JSON Schemas of what hkvatax reads and writes (docs/schemas/, docs/schema.md).

* ``scenario`` — the scenario file exactly as the loader accepts it: money and quantities as decimal
  strings (or integers; a JSON float is refused), and the top-level ``default_timezone`` the loader reads;
* ``explanation`` — ``hkvatax.explanation/1`` (``Explanation.to_json()``, ``assess --format json``);
* ``comparison`` — ``hkvatax.comparison/1`` (``Comparison.to_json()``, ``compare --format json``);
* ``flat`` — ``Assessment.to_flat()``: ``{year: {figure: value}}``;
* ``error`` — what every :class:`hkvatax.errors.HkvataxError` gives as ``to_dict()`` (and the CLI prints
  with ``--format json`` when a command fails).

A backend can put these in its OpenAPI document as response models.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .grammar import DECIMAL_PATTERN as _GRAMMAR_PATTERN

__all__ = ["DECIMAL_PATTERN", "without_examples", "scenario_schema", "explanation_schema", "comparison_schema",
           "flat_schema", "error_schema", "state_schema", "SCHEMAS", "schema_json"]

#: A decimal string as every reader reads it: the one number grammar (hkvatax.grammar, decision 0151) —
#: optional sign, ASCII digits, commas only between thousands, optional fraction, optional exponent,
#: surrounding blanks ignored. The loader then bounds length, exponent, size and places.
DECIMAL_PATTERN = _GRAMMAR_PATTERN

_EXACT = {"type": "string", "pattern": r"^-?\d+(\.\d*[1-9])?$",
          "description": "An exact decimal, normalised: no exponent, no trailing zeros, no '-0'."}
_EXACT_OR_NULL = {"anyOf": [_EXACT, {"type": "null"}]}
_MONEY_IN = {"anyOf": [{"type": "string", "pattern": DECIMAL_PATTERN}, {"type": "integer"}],
             "description": "An exact decimal as a string (\"1234.50\") or an integer; a JSON float is refused "
                            "(float_money) because it cannot hold most decimal fractions exactly."}


def _fix_numbers(node: Any) -> Any:
    """Replace pydantic's ``number | string`` for a Decimal with what the loader really accepts."""
    if isinstance(node, list):
        return [_fix_numbers(v) for v in node]
    if not isinstance(node, dict):
        return node
    any_of = node.get("anyOf")
    if isinstance(any_of, list) and {"type": "number"} in any_of and {"type": "string"} in any_of:
        rest = [v for v in any_of if v not in ({"type": "number"}, {"type": "string"})]
        out = {k: _fix_numbers(v) for k, v in node.items() if k != "anyOf"}
        if rest:
            out["anyOf"] = [*_MONEY_IN["anyOf"], *(_fix_numbers(v) for v in rest)]
        else:
            out["anyOf"] = list(_MONEY_IN["anyOf"])
        out.setdefault("description", _MONEY_IN["description"])
        return out
    return {k: _fix_numbers(v) for k, v in node.items()}


def _require_tags(schema: dict[str, Any]) -> dict[str, Any]:
    """Mark a discriminated union's tag (``kind``) required in each of its variants: the models give it a
    default, but the loader picks the variant by it and refuses a taxpayer or an event without it."""
    defs = schema.get("$defs", {})

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for v in node:
                walk(v)
        elif isinstance(node, dict):
            tag = node.get("discriminator")
            if isinstance(tag, dict):
                for ref in tag.get("mapping", {}).values():
                    variant = defs[ref.rsplit("/", 1)[-1]]
                    required = variant.setdefault("required", [])
                    if tag["propertyName"] not in required:
                        required.insert(0, tag["propertyName"])
            for v in node.values():
                walk(v)

    walk(schema)
    return schema


def without_examples(node: Any) -> Any:
    """A JSON Schema with the ``Examples:`` section of every description cut off: pydantic describes a model
    or an enum by its docstring, whose doctest examples (decision 0190) are for Python readers, not for a
    schema or an OpenAPI document.

    Examples:
        >>> described = {"description": "A sale." + chr(10) * 2 + "Examples:" + chr(10) + "    ...", "type": "object"}
        >>> without_examples(described)
        {'description': 'A sale.', 'type': 'object'}
    """
    if isinstance(node, list):
        return [without_examples(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: without_examples(v) for k, v in node.items()}
    text = out.get("description")
    if isinstance(text, str) and "Examples:" in text:
        out["description"] = re.split(r"\n\s*Examples:\s*\n", text, maxsplit=1)[0].rstrip()
    return out


def scenario_schema() -> dict[str, Any]:
    """The scenario file's schema, as the loader accepts it (``hkvatax schema``).

    Examples:
        >>> schema = scenario_schema()
        >>> schema["title"], sorted(schema["required"])
        ('Scenario', ['taxpayer'])
    """
    from .models import Scenario

    schema: dict[str, Any] = _require_tags(_fix_numbers(without_examples(Scenario.model_json_schema())))
    schema["properties"]["default_timezone"] = {
        "type": "string", "title": "Default Timezone",
        "description": "IANA zone (e.g. Asia/Hong_Kong) for timestamps written without an offset; read by the "
                       "loader and removed before validation (docs/formats.md).",
    }
    return schema


_CITATION = {"type": "object", "additionalProperties": False, "required": ["instrument", "provision", "url"],
             "properties": {"instrument": {"type": "string"}, "provision": {"type": "string"},
                            "url": {"type": ["string", "null"]}}}
_SOURCE = {"anyOf": [{"type": "null"}, {"type": "object", "additionalProperties": False,
                                        "properties": {"file": {"type": ["string", "null"]},
                                                       "row": {"type": ["integer", "null"]},
                                                       "path": {"type": ["string", "null"]}}}]}
_VALUE = {"description": "Decimal values as normalised exact strings; text, booleans, integers as themselves.",
          "anyOf": [{"type": "string"}, {"type": "boolean"}, {"type": "integer"}, {"type": "null"},
                    {"type": "array"}, {"type": "object"}]}
_NODE = {
    "type": "object", "additionalProperties": False,
    "required": ["id", "rule_id", "title", "citations", "status", "value", "unit", "label", "explanation", "inputs",
                 "params", "facts", "assumptions", "rounding", "year"],
    "properties": {
        "id": {"type": "string"}, "rule_id": {"type": "string"}, "title": {"type": "string"},
        "citations": {"type": "array", "items": _CITATION},
        "status": {"enum": ["enacted", "proposed", "assumption"]},
        "value": _VALUE, "unit": {"type": "string"}, "label": {"type": "string"},
        "explanation": {"type": "string"}, "inputs": {"type": "array", "items": {"type": "string"}},
        "params": {"type": "array", "items": {
            "type": "object", "additionalProperties": False,
            "required": ["path", "value", "year", "citation", "status", "source"],
            "properties": {"path": {"type": "string"}, "value": _VALUE, "year": {"type": "string"},
                           "citation": {"type": "string"}, "status": {"type": "string"},
                           "source": {"type": ["string", "null"]},
                           "origin": {"type": "string", "description": "the user's parameter file, if it supplied "
                                                                         "the value"}}}},
        "facts": {"type": "array", "items": {
            "type": "object", "additionalProperties": False, "required": ["name", "value", "source"],
            "properties": {"name": {"type": "string"}, "value": _VALUE, "source": _SOURCE}}},
        "assumptions": {"type": "array", "items": {"type": "string"}},
        "rounding": {"anyOf": [{"type": "null"}, {
            "type": "object", "additionalProperties": False,
            "required": ["policy", "before", "after", "mode", "exponent", "authority", "status"],
            "properties": {"policy": {"type": "string"}, "before": _EXACT, "after": _EXACT,
                           "mode": {"type": "string"}, "exponent": {"type": "integer"},
                           "authority": {"type": "string"}, "status": {"type": "string"}}}]},
        "year": {"type": ["string", "null"]},
    },
}
_NAMES_TO_IDS = {"type": "object", "additionalProperties": {"type": "object", "additionalProperties": {"type": "string"}}}


def explanation_schema() -> dict[str, Any]:
    """``hkvatax.explanation/1``: the statement per year and branch (figure → node id) and the nodes.

    Examples:
        >>> explanation_schema()["properties"]["schema"]
        {'const': 'hkvatax.explanation/1'}
    """
    year = {
        "type": "object", "additionalProperties": False,
        "required": ["year", "status", "character", "character_node", "missing_facts", "branches", "notes",
                     "conditions", "deemed"],
        "properties": {
            "year": {"type": "string", "pattern": r"^\d{4}/\d{2}$"},
            "status": {"enum": ["determined", "indeterminate", "not_assessed"]},
            "character": {"enum": ["capital", "revenue", "indeterminate", None]},
            "character_node": {"type": ["string", "null"]},
            "reason": {"type": "string", "description": "why a year was not assessed (status not_assessed)"},
            "missing_facts": {"type": "array", "items": {"type": "string"}},
            "branches": _NAMES_TO_IDS,
            "notes": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
            "conditions": {"type": "object", "additionalProperties": {"type": "array", "items": {
                "type": "object", "additionalProperties": False,
                "required": ["id", "title", "outcome", "node", "missing"],
                "properties": {"id": {"type": "string"}, "title": {"type": "string"},
                               "outcome": {"type": "string"}, "node": {"type": "string"},
                               "missing": {"type": "array", "items": {"type": "string"}}}}}},
            "deemed": _NAMES_TO_IDS,
        },
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema", "title": "hkvatax.explanation/1",
        "type": "object", "additionalProperties": False,
        "required": ["schema", "taxpayer", "taxpayer_kind", "regime", "detail", "years", "nodes", "assumptions",
                     "proposed_rules"],
        "properties": {
            "schema": {"const": "hkvatax.explanation/1"}, "taxpayer": {"type": "string"},
            "taxpayer_kind": {"type": "string"}, "regime": {"enum": ["baseline", "va_extension"]},
            "detail": {"enum": ["summary", "per_asset", "full"]},
            "years": {"type": "array", "items": year},
            "nodes": {"type": "object", "additionalProperties": _NODE},
            "assumptions": {"type": "object", "additionalProperties": {
                "type": "object", "additionalProperties": False, "required": ["id", "text", "how_to_change"],
                "properties": {"id": {"type": "string"}, "text": {"type": "string"},
                               "how_to_change": {"type": ["string", "null"]}}}},
            "proposed_rules": {"type": "array", "items": {"type": "string"}},
        },
    }


def comparison_schema() -> dict[str, Any]:
    """``hkvatax.comparison/1``: both regimes' figures per year, and each difference with its causes.

    Examples:
        >>> comparison_schema()["properties"]["schema"]
        {'const': 'hkvatax.comparison/1'}
    """
    figure = {"type": "object", "additionalProperties": False, "required": ["branch", "figure", "baseline", "extension"],
              "properties": {"branch": {"type": "string"}, "figure": {"type": "string"},
                             "baseline": _EXACT_OR_NULL, "extension": _EXACT_OR_NULL}}
    diff = {"type": "object", "additionalProperties": False,
            "required": ["year", "branch", "figure", "baseline", "extension", "delta", "causes", "origins"],
            "properties": {"year": {"type": "string"}, "branch": {"type": "string"}, "figure": {"type": "string"},
                           "baseline": _EXACT, "extension": _EXACT,
                           "delta": {**_EXACT, "description": "extension − baseline, exact"},
                           "causes": {"type": "array", "items": {"type": "string"},
                                      "description": "rule ids where the two computations part"},
                           "origins": {"type": "array", "items": {"type": "string"},
                                       "description": "where each cause comes from (see docs/explanation-schema.md)"}}}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema", "title": "hkvatax.comparison/1",
        "type": "object", "additionalProperties": False,
        "required": ["schema", "taxpayer", "extension_first_year", "years", "differences", "proposed_rules"],
        "properties": {
            "schema": {"const": "hkvatax.comparison/1"}, "taxpayer": {"type": "string"},
            "extension_first_year": {"type": ["string", "null"]},
            "years": {"type": "object", "additionalProperties": {"type": "array", "items": figure}},
            "differences": {"type": "array", "items": diff},
            "proposed_rules": {"type": "array", "items": {"type": "string"}},
        },
    }


def flat_schema() -> dict[str, Any]:
    """``Assessment.to_flat()``: ``{year: {figure: exact string}}`` (null for an indeterminate year, whose
    branches are under ``"<year>~capital"`` and ``"<year>~revenue"``).

    Examples:
        >>> flat_schema()["type"]
        'object'
    """
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "hkvatax flat result",
            "type": "object",
            "propertyNames": {"pattern": r"^\d{4}/\d{2}(~(capital|revenue))?$"},
            "additionalProperties": {"type": "object", "additionalProperties": _EXACT_OR_NULL}}


def error_schema() -> dict[str, Any]:
    """What ``HkvataxError.to_dict()`` returns and ``--format json`` prints on failure.

    Examples:
        >>> sorted(error_schema()["required"])
        ['code', 'error', 'message', 'problems']
    """
    from .errors import ERROR_CODES

    problem = {"type": "object", "additionalProperties": False,
               "required": ["code", "message", "file", "row", "path", "column", "suggestion"],
               "properties": {"code": {"enum": sorted(ERROR_CODES)}, "message": {"type": "string"},
                              "file": {"type": ["string", "null"]}, "row": {"type": ["integer", "null"]},
                              "path": {"type": ["string", "null"]}, "column": {"type": ["string", "null"]},
                              "suggestion": {"type": ["string", "null"]}}}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "hkvatax error",
            "type": "object", "additionalProperties": False, "required": ["error", "code", "message", "problems"],
            "properties": {"error": {"type": "string"}, "code": {"type": "string"}, "message": {"type": "string"},
                           "problems": {"type": "array", "items": problem, "minItems": 1},
                           "exit_code": {"enum": [1, 2, 3], "description": "CLI only"}}}


def state_schema() -> dict[str, Any]:
    """The state file ``hkvatax close`` writes and ``--state`` reads (docs/formats.md § 4, decision 0160).

    Examples:
        >>> state_schema()["title"], state_schema()["properties"]["format"]
        ('hkvatax closing state', {'const': 'hkvatax-state'})
    """
    number = {"type": "string", "pattern": r"^-?\d+(\.\d+)?([eE][+-]?\d+)?$",
              "description": "The exact text of a Decimal, exponent kept (at most 80 significant digits)."}
    year = {"type": "string", "pattern": r"^\d{4}/\d{2}$"}
    nullable = {"anyOf": [number, {"type": "null"}]}
    lot = {"type": "object", "additionalProperties": False,
           "required": ["asset", "lot_id", "acquired_at", "quantity", "cost_hkd"],
           "properties": {"asset": {"type": "string"}, "wallet": {"type": ["string", "null"]},
                          "lot_id": {"type": "string"}, "acquired_at": {"type": "string", "format": "date-time"},
                          "quantity": number, "cost_hkd": number, "time_weight": nullable,
                          "held_from_us": {"type": ["integer", "null"]},
                          "character": {"enum": ["capital", "revenue", None]},
                          "character_reason": {"type": ["string", "null"]}}}
    losses = {"anyOf": [{"type": "null"}, {"type": "object", "additionalProperties": False,
                                           "required": ["capital", "revenue"],
                                           "properties": {"capital": number, "revenue": number}}]}
    election = {"type": "object", "additionalProperties": False, "required": ["method", "from_year"],
                "properties": {"method": {"enum": ["weighted_average", "fifo", "specific_id"]},
                               "from_year": {"type": "string"}, "note": {"type": ["string", "null"]}}}
    event = {"anyOf": [{"type": "null"}, {"type": "object", "additionalProperties": False,
                                          "required": ["timestamp", "kind", "id"],
                                          "properties": {"timestamp": {"type": "string", "format": "date-time"},
                                                         "kind": {"type": "string"}, "id": {"type": "string"}}}]}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "hkvatax closing state",
            "type": "object", "additionalProperties": False,
            "required": ["format", "version", "taxpayer", "taxpayer_kind", "year", "period_end",
                         "accounting_year_end_month", "accounting_year_end_day", "methods", "per_wallet_pools",
                         "receipt_cost_basis", "extension_first_year", "pools_year", "method", "losses",
                         "event_count"],
            "properties": {
                "format": {"const": "hkvatax-state"}, "version": {"const": 1},
                "taxpayer": {"type": "string"}, "taxpayer_kind": {"type": "string"}, "year": year,
                "period_end": {"type": "string", "format": "date"},
                "accounting_year_end_month": {"type": "integer", "minimum": 1, "maximum": 12},
                "accounting_year_end_day": {"type": "integer", "minimum": 1, "maximum": 31},
                "methods": {"type": "array", "items": election}, "per_wallet_pools": {"type": "boolean"},
                "receipt_cost_basis": {"enum": ["market_value", "nil"]}, "extension_first_year": year,
                "pools_year": {"anyOf": [year, {"type": "null"}]},
                "method": {"enum": ["weighted_average", "fifo", "specific_id", None]},
                "pools": {"type": "array", "items": lot},
                "empty_pools": {"type": "array", "items": {
                    "type": "object", "additionalProperties": False, "required": ["asset", "quantity"],
                    "properties": {"asset": {"type": "string"}, "wallet": {"type": ["string", "null"]},
                                   "quantity": number}}},
                "losses": {"type": "object", "additionalProperties": False,
                           "properties": {"baseline": losses, "va_extension": losses}},
                "last_event": event, "event_count": {"type": "integer", "minimum": 0}}}


SCHEMAS = {"scenario": scenario_schema, "explanation": explanation_schema, "comparison": comparison_schema,
           "flat": flat_schema, "error": error_schema, "state": state_schema}


def schema_json(which: str = "scenario") -> str:
    """One schema as the JSON text committed under docs/ (sorted keys, two-space indent).

    Examples:
        >>> import json
        >>> json.loads(schema_json("error")) == error_schema(), sorted(SCHEMAS)[:2]
        (True, ['comparison', 'error'])
    """
    return json.dumps(SCHEMAS[which](), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
