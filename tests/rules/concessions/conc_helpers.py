"""Test helpers for the concession regimes: a fresh rule context and hand-made profit lines."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hkvatax.periods import YearOfAssessment
from hkvatax.rules import Figure, RuleContext, default_params
from hkvatax.rules.lines import ProfitLine
from hkvatax.trace import Citation, Node, Tracer


def make_ctx(year: str = "2020/21", *, scenario: str = "baseline", settings: dict[str, Any] | None = None
             ) -> RuleContext:
    return RuleContext(YearOfAssessment.parse(year), default_params(), Tracer(), scenario=scenario,
                       settings=settings)


def input_figure(ctx: RuleContext, label: str, value: Decimal) -> Figure:
    """Record an input amount as a trace node (what the classification stage would build)."""
    node = Node(id=ctx.node_id("input", label), rule_id="test.input", title="test input",
                citations=(Citation("test", label),), status="enacted", value=value, unit="HKD", label=label,
                explanation="given by the test", year=ctx.year.label)
    ctx.tracer.add(node)
    return Figure(node.id, value)


def make_line(ctx: RuleContext, key: str, amount: str | int | Decimal, *, kind: str = "disposal",
              asset: str | None = "X", virtual_asset: bool = False, sch16c_class: str | None = None,
              character: str = "revenue", offshore: bool = False, receipts: str | int | Decimal | None = None,
              income_type: str | None = None, receipt_type: str | None = None) -> ProfitLine:
    value = Decimal(str(amount))
    rec = Decimal(str(receipts)) if receipts is not None else abs(value)
    return ProfitLine(key=key, kind=kind, asset=asset, virtual_asset=virtual_asset,  # type: ignore[arg-type]
                      sch16c_class=sch16c_class, character=character, offshore=offshore,  # type: ignore[arg-type]
                      figure=input_figure(ctx, key, value), trading_receipts=rec, count=1,
                      income_type=income_type, receipt_type=receipt_type)


def m(x: str | int) -> Decimal:
    """HK$ millions to dollars."""
    return Decimal(str(x)) * 1_000_000
