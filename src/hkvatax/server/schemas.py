"""Pydantic models of the service's answers: they give the OpenAPI document its response schemas.

The request side needs none of its own: a JSON body *is* a :class:`hkvatax.models.Scenario`, validated
by the library as any scenario file is. These models describe what the library's own ``to_dict`` methods
produce (the explanation, comparison and disposals documents and the headline summary); the service's
tests check every answer against them (schemathesis' response-schema check).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "ProblemDetail", "ProblemList", "HeadlineFigures", "YearSummary", "AssumptionDoc", "AssessmentDocument",
    "ExplanationDocument", "ComparisonDocument", "DisposalsDocument", "RuleDoc", "RulesDocument", "Health",
    "SchemaDocument", "OUTPUT_MODELS",
]


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProblemDetail(_Doc):
    """One problem: a stable code (docs/errors.md), a message, and where it is (file, row, JSON path, field)."""

    code: str
    message: str
    file: str | None
    row: int | None
    path: str | None
    column: str | None
    suggestion: str | None


class ProblemList(_Doc):
    """Every error answer: the HTTP status, a title, and all the problems found."""

    status: int
    title: str
    problems: list[ProblemDetail]


class HeadlineFigures(_Doc):
    assessable_profits: str | None
    tax_payable: str | None
    losses_carried_forward: str | None
    exempt_profits: str | None
    net_profit: str | None
    capital_gains: str | None


class YearSummary(HeadlineFigures):
    """One year's headline figures (HKD as decimal strings; null when the year is indeterminate)."""

    year: str
    regime: str
    status: Literal["determined", "indeterminate", "not_assessed"]
    character: str | None
    if_capital: HeadlineFigures | None
    if_revenue: HeadlineFigures | None
    missing_facts: list[str]
    assumptions: list[str]
    depends_on_proposed_law: bool


class AssumptionDoc(_Doc):
    id: str
    text: str
    how_to_change: str | None


class AssessmentDocument(_Doc):
    """``hkvatax.assessment/1``: the headline figures of each year (POST /assess)."""

    schema_: Literal["hkvatax.assessment/1"] = Field(alias="schema")
    taxpayer: str
    taxpayer_kind: str
    regime: str
    depends_on_proposed_law: bool
    years: list[YearSummary]
    assumptions: dict[str, AssumptionDoc]


class _Node(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str
    rule_id: str
    title: str
    citations: list[dict[str, Any]]
    status: str
    value: Any
    unit: str
    label: str
    explanation: str
    inputs: list[str]
    params: list[dict[str, Any]]
    facts: list[dict[str, Any]]
    assumptions: list[str]
    rounding: dict[str, Any] | None
    year: str | None


class ExplanationDocument(_Doc):
    """``hkvatax.explanation/1`` (docs/explanation-schema.md): every figure as a node with its rule."""

    schema_: Literal["hkvatax.explanation/1"] = Field(alias="schema")
    taxpayer: str
    taxpayer_kind: str
    regime: str
    detail: Literal["summary", "per_asset", "full"]
    years: list[dict[str, Any]]
    nodes: dict[str, _Node]
    assumptions: dict[str, AssumptionDoc]
    proposed_rules: list[str]


class _FigurePair(_Doc):
    branch: str
    figure: str
    baseline: str | None
    extension: str | None


class _Difference(_Doc):
    year: str
    branch: str
    figure: str
    baseline: str
    extension: str
    delta: str
    causes: list[str]


class ComparisonDocument(_Doc):
    """``hkvatax.comparison/1``: baseline against the proposed extension, figure by figure."""

    schema_: Literal["hkvatax.comparison/1"] = Field(alias="schema")
    taxpayer: str
    extension_first_year: str | None
    years: dict[str, list[_FigurePair]]
    differences: list[_Difference]
    proposed_rules: list[str]


class DisposalsDocument(_Doc):
    """``hkvatax.disposals/1``: every disposal with its matched lots, the closing pools and ledger notes."""

    schema_: Literal["hkvatax.disposals/1"] = Field(alias="schema")
    events: int
    disposals: list[dict[str, Any]]
    closing_pools: dict[str, list[dict[str, Any]]]
    methods: dict[str, str]
    notes: list[dict[str, Any]]


class RuleDoc(_Doc):
    id: str
    title: str
    citations: list[str]
    years: str
    status: str
    law: str | None


class RulesDocument(_Doc):
    rules: list[RuleDoc]


class Health(_Doc):
    status: Literal["ok"]
    version: str
    workers: int


class SchemaDocument(_Doc):
    """JSON Schemas of what the service takes (a scenario, a CSV upload's profile) and what it answers."""

    inputs: dict[str, Any]
    outputs: dict[str, Any]


#: the documents the service answers with, by name (GET /schema "outputs")
OUTPUT_MODELS: dict[str, type[BaseModel]] = {
    "assessment": AssessmentDocument, "explanation": ExplanationDocument, "comparison": ComparisonDocument,
    "disposals": DisposalsDocument, "problems": ProblemList,
}
