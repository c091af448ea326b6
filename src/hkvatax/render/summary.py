"""Headline figures of an assessment, one flat record per year (the service's assess answer, the batch's rows).

Each record: the year, regime, status (determined / indeterminate / not_assessed), character (None when
not assessed), the headline figures as
decimal strings (``None`` when the year is indeterminate: then ``if_capital`` / ``if_revenue`` hold both
branches' figures), the missing facts, the ids of the assumptions the year's figures rest on, and whether
they use proposed law. Nothing is computed here: every value is read from the assessment and its trace.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..money import fmt_exact

if TYPE_CHECKING:
    from ..engine import Assessment

__all__ = ["HEADLINE", "year_summaries"]

#: the figures a summary row carries, in this order
HEADLINE: tuple[str, ...] = ("assessable_profits", "tax_payable", "losses_carried_forward", "exempt_profits",
                             "net_profit", "capital_gains")


def _text(value: Any) -> str | None:
    """A figure as JSON carries it: a normalised exact string (never ``0E-40`` or 40 decimals)."""
    return None if value is None else fmt_exact(value) if isinstance(value, Decimal) else str(value)


def year_summaries(assessment: Assessment) -> list[dict[str, Any]]:
    """One record per year shown in ``assessment``, in year order."""
    trace = assessment.trace
    out: list[dict[str, Any]] = []
    for label, ya in assessment.years.items():
        roots = ([ya.decision.figure.id] if ya.decision else []) + [
            f.id for b in ya.branches.values() for f in b.figures.values()]
        # every node the year's figures depend on, each visited once (a walk of the year's trace, not one per figure)
        assumptions: set[str] = set()
        proposed = False
        nodes = trace.nodes
        seen: set[str] = set()
        stack = roots
        while stack:
            nid = stack.pop()
            if nid in seen:
                continue
            seen.add(nid)
            node = nodes.get(nid)
            if node is None:
                continue
            if node.assumptions:
                assumptions.update(node.assumptions)
            if node.status == "proposed":
                proposed = True
            stack.extend(node.inputs)
        record: dict[str, Any] = {"year": label, "regime": assessment.regime, "status": ya.status,
                                  "character": ya.decision.character if ya.decision else None}
        result = ya.result
        for name in HEADLINE:
            record[name] = None if result is None else _text(result.figures[name].value)
        for branch in ("capital", "revenue"):
            b = ya.branches.get(branch) if result is None else None
            record[f"if_{branch}"] = None if b is None else {n: _text(b.figures[n].value) for n in HEADLINE}
        record["missing_facts"] = list(ya.missing_facts)
        record["assumptions"] = sorted(assumptions)
        record["depends_on_proposed_law"] = proposed
        out.append(record)
    return out
