"""Explanations: an assessment's trace rendered as text, Markdown, HTML (notebooks) and JSON.

Detail levels:

* ``summary`` — the statement of each year and, for each figure, its rule, citations, explanation,
  parameters and assumptions;
* ``per_asset`` — adds the per-asset lines (disposals, receipts, income, outgoings) and their treatment;
* ``full`` — adds every disposal and every matched lot fragment, with its file and row. These nodes are
  built only now, on request, so a million-row ledger costs nothing until someone asks.

JSON schema ``hkvatax.explanation/1`` (docs/explanation-schema.md): ``{"schema", "taxpayer", "regime",
"detail", "years": [{"year", "status", "character", "missing_facts", "branches": {name: {figure: node
id}}}], "nodes": {id: node}, "assumptions": {id: {...}}, "proposed_rules": [...]}``. It round-trips:
``Explanation.from_json(e.to_json()).to_json() == e.to_json()``.
"""

from __future__ import annotations

import heapq
import json
import secrets
import struct
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any, NotRequired, TypedDict

from .errors import ArgumentError
from .escape import escape_markdown as M
from .escape import escape_text as T
from .money import fmt_amount, fmt_exact, fmt_fixed, fmt_hkd, fmt_qty, fmt_value, isolated
from .periods import YearOfAssessment
from .render.html import explanation_html
from .render.labels import FIGURE_LABELS
from .render.schedules import schedules
from .rules.registry import DIPN, IRO, Out, RuleContext, rule
from .trace import Assumption, Citation, FactUse, Node, ParamUse, Tracer, value_to_json

if TYPE_CHECKING:
    from .engine import Assessment
    from .ledger.results import DisposalRecord

__all__ = ["Explanation", "write_json", "YearEntry", "ConditionEntry", "JsonObject", "DETAILS", "FIGURE_LABELS"]

DETAILS = ("summary", "per_asset", "full")
_LINE_RULE_IDS = frozenset({"ledger.gains", "ledger.receipts", "ledger.income", "ledger.outgoings", "pt.chargeable.line",
                            "pt.outflow.deemed_proceeds", "pt.gift_received"})
SCHEMA = "hkvatax.explanation/1"



@rule("ledger.disposal", "One disposal, matched with its lots",
      cite=[IRO("s.18B(1)"), DIPN(1, "para 47 (consistency)"), DIPN(1, "para 48(c) (no LIFO)")])
def _disposal_node(ctx: RuleContext, gain: Decimal, text: str, facts: tuple[FactUse, ...],
                   fragments: tuple[Any, ...]) -> Out:
    """Proceeds net of fees less the cost of the matched lot fragments."""
    return Out(gain, text, label="disposal", facts=facts)


@rule("ledger.fragment", "A slice of a disposal matched with a slice of one lot",
      cite=[DIPN(1, "Appendix 5 paras 7-8 (HKAS 2: specific identification, FIFO or weighted average)"),
            DIPN(1, "para 48(c) (LIFO rejected: Anaconda)")])
def _fragment_node(ctx: RuleContext, gain: Decimal, text: str, facts: tuple[FactUse, ...]) -> Out:
    """The cost share of the lot (or average-cost pool) matched with part of a disposal."""
    return Out(gain, text, label="fragment", facts=facts)


def _plain(value: object) -> str:
    """A parameter's or fact's value as text: a Decimal in full, without exponent or trailing zeros."""
    return fmt_exact(value) if isinstance(value, Decimal) else str(value)


def _node_from_dict(d: Mapping[str, Any]) -> Node:
    from .errors import SourceRef
    from .money import RoundingStep

    def val(v: Any) -> Any:
        return v

    facts = []
    for f in d["facts"]:
        src = f.get("source")
        facts.append(FactUse(f["name"], f["value"], SourceRef(**src) if src else None))
    rounding = None
    if d.get("rounding"):
        r = d["rounding"]
        rounding = RoundingStep(r["policy"], Decimal(r["before"]), Decimal(r["after"]), r["mode"], r["exponent"],
                                r["authority"], r["status"])
    value: Any = d["value"]
    if d["unit"] == "HKD" and isinstance(value, str):
        value = Decimal(value)
    return Node(
        id=d["id"], rule_id=d["rule_id"], title=d["title"],
        citations=tuple(Citation(c["instrument"], c["provision"], c.get("url")) for c in d["citations"]),
        status=d["status"], value=val(value), unit=d["unit"], label=d["label"], explanation=d["explanation"],
        inputs=tuple(d["inputs"]),
        params=tuple(ParamUse(p["path"], Decimal(p["value"]), p["year"], p["citation"], p["status"], p.get("source"),
                              p.get("origin")) for p in d["params"]),
        facts=tuple(facts), assumptions=tuple(d["assumptions"]), rounding=rounding, year=d.get("year"),
    )


class ConditionEntry(TypedDict):
    """One concession condition of a branch: its outcome, its trace node and the facts still missing."""

    id: str
    title: str
    outcome: str
    node: str
    missing: list[str]


class YearEntry(TypedDict):
    """One year of an explanation (the ``years`` items of ``hkvatax.explanation/1``)."""

    year: str
    status: str  # determined | indeterminate | not_assessed
    character: str | None  # None when not assessed
    character_node: str | None
    missing_facts: list[str]
    branches: dict[str, dict[str, str]]  # branch → figure → node id
    notes: dict[str, list[str]]
    conditions: dict[str, list[ConditionEntry]]
    deemed: dict[str, dict[str, str]]  # branch → resident investor → node id
    reason: NotRequired[str]  # why a year was not assessed


#: A JSON object as :meth:`Explanation.to_dict` returns it (values: str, int, bool, None, lists, objects).
JsonObject = dict[str, Any]


@dataclass(frozen=True)
class Explanation:
    """A frozen, renderable explanation of an assessment (or of some of its years).

    Examples:
        >>> import hkvatax
        >>> from hkvatax.examples import example_path
        >>> from hkvatax.io import load_scenario
        >>> e = hkvatax.assess(load_scenario(example_path("corporation"))).explain(detail="per_asset")
        >>> "Tax payable" in e.to_text() and 'class="hkvatax"' in e.to_html()
        True
        >>> Explanation.from_json(e.to_json()).to_json() == e.to_json()
        True
    """

    taxpayer: str
    taxpayer_kind: str
    regime: str
    detail: str
    years: tuple[YearEntry, ...]
    nodes: Mapping[str, Node]
    assumptions: Mapping[str, Assumption]
    proposed_rules: tuple[str, ...]

    # ------------------------------------------------------------------ building
    @classmethod
    @isolated
    def build(cls, assessment: Assessment, *, year: str | YearOfAssessment | None = None,
              detail: str = "summary", expand: bool = True) -> Explanation:
        """The explanation of ``assessment`` (``year``, or every year) at ``detail``; ``expand=False`` leaves
        out the nodes of each disposal and fragment that ``"full"`` adds (:func:`write_json` streams them).

        Examples:
            >>> from hkvatax import assess
            >>> from hkvatax.examples import example_path
            >>> from hkvatax.io import load_scenario
            >>> outcome = assess(load_scenario(example_path("corporation")), "2025/26")
            >>> Explanation.build(outcome, detail="summary").to_dict() == outcome.explain().to_dict()
            True
        """
        if detail not in DETAILS:
            raise ArgumentError("detail", f"{detail!r} is not a detail level", "summary, per_asset or full")
        labels = list(assessment.years) if year is None else [assessment[year].year.label]
        trace = assessment.trace
        nodes: dict[str, Node] = {}
        years: list[YearEntry] = []
        for label in labels:
            ya = assessment.years[label]
            entry: YearEntry = {
                "year": label, "status": ya.status, "character": ya.decision.character if ya.decision else None,
                "character_node": ya.decision.figure.id if ya.decision else None,
                "missing_facts": list(ya.missing_facts), "branches": {}, "notes": {}, "conditions": {}, "deemed": {},
            }
            if ya.reason is not None:
                entry["reason"] = ya.reason
            for name, branch in ya.branches.items():
                entry["branches"][name] = {k: f.id for k, f in branch.figures.items()}
                entry["notes"][name] = list(branch.notes)
                entry["conditions"][name] = [
                    {"id": c.id, "title": c.title, "outcome": c.outcome, "node": c.figure.id,
                     "missing": list(c.missing)} for c in branch.conditions]
                entry["deemed"][name] = {k: f.id for k, f in branch.deemed_profits.items()}
                extra_roots = [c.figure.id for c in branch.conditions] + [f.id for f in branch.deemed_profits.values()]
                for rid in extra_roots:
                    for n in trace.descendants(rid):
                        nodes.setdefault(n.id, n)
                for f in branch.figures.values():
                    for n in trace.descendants(f.id):
                        nodes.setdefault(n.id, n)
            for n in trace.descendants(ya.decision.figure.id) if ya.decision else ():
                nodes.setdefault(n.id, n)
            years.append(entry)
        if detail == "full" and expand:
            nodes = cls._expand(assessment, nodes)
        used_assumptions = {a for n in nodes.values() for a in n.assumptions}
        assumptions = {k: v for k, v in trace.assumptions.items() if k in used_assumptions}
        proposed = tuple(sorted({n.rule_id for n in nodes.values() if n.status == "proposed"}))
        tp = assessment.scenario.taxpayer
        return cls(tp.name, tp.kind, assessment.regime, detail, tuple(years), nodes, assumptions, proposed)

    @staticmethod
    def _expand(assessment: Assessment, nodes: dict[str, Node]) -> dict[str, Node]:
        """Add a node per disposal and per matched fragment under each disposal line (lazily, on request)."""
        out = dict(nodes)
        expansion = _Expansion(assessment, nodes)

        def visit(d: DisposalRecord) -> None:
            for n in expansion.nodes_of(d):
                out[n.id] = n

        if not assessment.each_disposal(visit):
            raise _no_records()
        out.update(expansion.lines(nodes))
        return out

    # ------------------------------------------------------------------ JSON
    @isolated
    def to_dict(self) -> JsonObject:
        """The explanation as JSON-ready data (schema ``hkvatax.explanation/1``; exact values as normalised strings).

        Examples:
            >>> from hkvatax import assess
            >>> from hkvatax.examples import example_path
            >>> from hkvatax.io import load_scenario
            >>> explanation = assess(load_scenario(example_path("corporation")), "2025/26").explain("2025/26")
            >>> data = explanation.to_dict()
            >>> node = data["years"][0]["branches"]["revenue"]["tax_payable"]
            >>> data["nodes"][node]["value"]
            '150045'
        """

        return {
            "schema": SCHEMA,
            "taxpayer": self.taxpayer,
            "taxpayer_kind": self.taxpayer_kind,
            "regime": self.regime,
            "detail": self.detail,
            "years": list(self.years),
            "nodes": {k: n.to_dict() for k, n in sorted(self.nodes.items())},
            "assumptions": {k: a.to_dict() for k, a in sorted(self.assumptions.items())},
            "proposed_rules": list(self.proposed_rules),
        }

    @isolated
    def to_json(self) -> str:
        """The explanation as JSON text (``to_dict()``, sorted keys, two-space indent).

        Examples:
            >>> from hkvatax import assess
            >>> from hkvatax.examples import example_path
            >>> from hkvatax.io import load_scenario
            >>> explanation = assess(load_scenario(example_path("corporation")), "2025/26").explain("2025/26")
            >>> explanation.to_json().startswith('{')
            True
        """

        return json.dumps(self.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    @classmethod
    @isolated
    def from_json(cls, text: str) -> Explanation:
        """An explanation read back from its JSON (``to_json()``); a document of another schema is refused.

        Examples:
            >>> from hkvatax import assess
            >>> from hkvatax.examples import example_path
            >>> from hkvatax.io import load_scenario
            >>> explanation = assess(load_scenario(example_path("corporation")), "2025/26").explain("2025/26")
            >>> Explanation.from_json(explanation.to_json()).to_dict() == explanation.to_dict()
            True
        """

        def refuse(why: str) -> ArgumentError:  # one error hierarchy: never a bare ValueError or KeyError
            return ArgumentError("text", f"not an {SCHEMA} document: {why}", "the text of Explanation.to_json()")

        from .documents import read_json  # the bounded reader: size, depth, integer length, duplicate keys

        try:
            d = read_json(text)
        except (TypeError, ValueError) as exc:
            raise refuse(f"not JSON ({exc})") from None
        if not isinstance(d, dict) or d.get("schema") != SCHEMA:
            raise refuse("its schema is not " + SCHEMA)
        try:
            return cls(
                taxpayer=d["taxpayer"], taxpayer_kind=d["taxpayer_kind"], regime=d["regime"], detail=d["detail"],
                years=tuple(d["years"]), nodes={k: _node_from_dict(v) for k, v in d["nodes"].items()},
                assumptions={k: Assumption(v["id"], v["text"], v.get("how_to_change"))
                             for k, v in d["assumptions"].items()},
                proposed_rules=tuple(d["proposed_rules"]),
            )
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise refuse(f"{type(exc).__name__}: {exc}") from None

    # ------------------------------------------------------------------ helpers
    def _fmt(self, node: Node) -> str:
        return fmt_value(node.value, node.unit)

    def _why_nodes(self, branch: Mapping[str, str]) -> list[Node]:
        """Nodes to explain at this detail level, in a stable order."""
        order: list[Node] = []
        seen: set[str] = set()
        for fid in branch.values():
            for n in self._walk(fid):
                if n.id not in seen:
                    seen.add(n.id)
                    order.append(n)
        return order

    def shown(self, node: Node, root: str) -> bool:
        """Whether ``node`` is explained at this detail level under the figure ``root``.

        Examples:
            >>> from hkvatax import assess
            >>> from hkvatax.examples import example_path
            >>> from hkvatax.io import load_scenario
            >>> explanation = assess(load_scenario(example_path("corporation")), "2025/26").explain("2025/26")
            >>> root = explanation.years[0]["branches"]["revenue"]["tax_payable"]
            >>> explanation.shown(explanation.nodes[root], root)
            True
        """
        if self.detail == "summary" and node.rule_id in _LINE_RULE_IDS and node.id != root:
            return False
        if self.detail != "full" and node.rule_id in {"ledger.disposal", "ledger.fragment"}:
            return False
        if self.detail == "summary" and node.rule_id == "pt.sum" and not node.inputs:
            return False  # an empty subtotal (no line of that kind): nothing to explain
        return True

    def _walk(self, node_id: str) -> list[Node]:
        out: list[Node] = []
        stack = [node_id]
        seen: set[str] = set()
        while stack:
            nid = stack.pop()
            if nid in seen or nid not in self.nodes:
                continue
            seen.add(nid)
            n = self.nodes[nid]
            if not self.shown(n, node_id):
                continue
            out.append(n)
            stack.extend(reversed(n.inputs))
        return out

    # ------------------------------------------------------------------ text
    @isolated
    def to_text(self) -> str:
        """The explanation as plain text for a terminal: per year, the statement and every figure's rule and reasoning.

        Examples:
            >>> from hkvatax import assess
            >>> from hkvatax.examples import example_path
            >>> from hkvatax.io import load_scenario
            >>> explanation = assess(load_scenario(example_path("corporation")), "2025/26").explain("2025/26")
            >>> print([line for line in explanation.to_text().splitlines() if "Tax payable" in line][0])
                Tax payable                                                          150,045.00
        """

        lines: list[str] = []
        lines.append(f"hkvatax — {T(self.taxpayer)} ({self.taxpayer_kind}) — regime: {self.regime}")
        for y in self.years:
            lines.append("")
            lines.append(f"Year of assessment {y['year']}")
            char = self.nodes.get(y["character_node"] or "")
            if char is not None:
                lines.append(f"  Character: {y['character']} — {T(char.explanation)} [{char.rule_id}; "
                             f"{'; '.join(str(c) for c in char.citations)}]")
            if y["status"] == "not_assessed":
                lines.append(f"  Not assessed: {T(y['reason'])}.")
            if y["status"] == "indeterminate":
                lines.append("  INDETERMINATE: the facts do not decide capital or revenue. Supply: "
                             + ", ".join(y["missing_facts"]) + ". Both branches follow.")
            for name, branch in y["branches"].items():
                lines.append(f"  -- {name} --" if len(y["branches"]) > 1 else "  Statement (HKD):")
                for key, nid in branch.items():
                    n = self.nodes[nid]
                    lines.append(f"    {FIGURE_LABELS.get(key, key):<62} {self._fmt(n):>16}")
                for note in y.get("notes", {}).get(name, []):
                    lines.append(f"    note: {T(note)}")
                conds = y.get("conditions", {}).get(name, [])
                if conds:
                    lines.append("  Concession conditions:")
                    for c in conds:
                        n = self.nodes[c["node"]]
                        cites = "; ".join(str(x) for x in n.citations)
                        miss = f" — supply: {', '.join(c['missing'])}" if c["missing"] else ""
                        lines.append(f"    [{c['outcome'].upper():^7}] {T(c['title'])}: {T(n.explanation)} ({cites}){miss}")
                for sch in (schedules(self, branch) if self.detail != "summary" else ()):
                    lines.append(f"  {sch.title} (HKD):")
                    for r in sch.rows:
                        lines.append(f"    {T(r.label)[:62]:<62} {fmt_hkd(r.amount):>16}")
                deemed = y.get("deemed", {}).get(name, {})
                if deemed:
                    lines.append("  Deemed assessable profits of resident investors (s.20AX; not the fund's own):")
                    for who, nid in deemed.items():
                        lines.append(f"    {T(who):<40} {self._fmt(self.nodes[nid]):>16}")
                lines.append("  Why:")
                for n in self._why_nodes(branch):
                    cites = "; ".join(str(c) for c in n.citations)
                    flag = "" if n.status == "enacted" else f" ({n.status.upper()})"
                    lines.append(f"    • {n.title}{flag}: {T(n.explanation)}")
                    lines.append(f"        rule {n.rule_id} — {cites}")
                    for p in n.params:
                        lines.append(f"        parameter {p.path} = {_plain(p.value)} for {p.year} — {p.citation} "
                                     f"[{p.label}]")
                    for f in n.facts:
                        if f.source is not None and (f.source.file or f.source.row or f.source.path):
                            lines.append(f"        input {T(f.name)}: {T(_plain(f.value))} ({T(f.source)})")
                    if n.rounding is not None:
                        lines.append(f"        rounding {n.rounding.policy}: {fmt_amount(n.rounding.before)} → {fmt_amount(n.rounding.after)} "
                                     f"({n.rounding.mode})")
                    for aid in n.assumptions:
                        lines.append(f"        assumes {aid}")
        if self.assumptions:
            lines.append("")
            lines.append("Assumptions (each can be changed):")
            for a in self.assumptions.values():
                lines.append(f"  {a.id}: {T(a.text)}" + (f" To change: {T(a.how_to_change)}." if a.how_to_change else ""))
        if self.proposed_rules:
            lines.append("")
            lines.append("DEPENDS ON PROPOSED LAW (not yet in force): " + ", ".join(self.proposed_rules))
        return "\n".join(lines) + "\n"

    # ------------------------------------------------------------------ Markdown
    @isolated
    def to_markdown(self) -> str:
        """The explanation as Markdown: a statement table per year with rules and citations, and the reasoning.

        Examples:
            >>> from hkvatax import assess
            >>> from hkvatax.examples import example_path
            >>> from hkvatax.io import load_scenario
            >>> explanation = assess(load_scenario(example_path("corporation")), "2025/26").explain("2025/26")
            >>> explanation.to_markdown().splitlines()[0]
            '# Harbour Digital Ltd (corporation) — regime `baseline`'
        """

        out: list[str] = [f"# {M(self.taxpayer)} ({self.taxpayer_kind}) — regime `{self.regime}`", ""]
        if self.proposed_rules:
            out += ["> **Depends on proposed law** (not yet in force): " + ", ".join(f"`{r}`" for r in
                                                                               self.proposed_rules), ""]
        for y in self.years:
            out.append(f"## Year of assessment {y['year']}")
            out.append("")
            char = self.nodes.get(y["character_node"] or "")
            if char is not None:
                out.append(f"**Character:** {y['character']} — {M(char.explanation)} (`{char.rule_id}`)")
                out.append("")
            if y["status"] == "not_assessed":
                out.append(f"**Not assessed:** {M(y['reason'])}.")
                out.append("")
            if y["status"] == "indeterminate":
                out.append("**Indeterminate.** Supply: " + ", ".join(f"`{m}`" for m in y["missing_facts"]) + ".")
                out.append("")
            for name, branch in y["branches"].items():
                if len(y["branches"]) > 1:
                    out.append(f"### If {M(name)}")
                    out.append("")
                out.append("| Figure | HKD | Rule | Citation |")
                out.append("|---|---:|---|---|")
                for key, nid in branch.items():
                    n = self.nodes[nid]
                    out.append(f"| {FIGURE_LABELS.get(key, key)} | {self._fmt(n)} | `{n.rule_id}` | "
                               f"{'; '.join(str(c) for c in n.citations)} |")
                out.append("")
                for note in y.get("notes", {}).get(name, []):
                    out.append(f"- Note: {M(note)}")
                out.append("")
                conds = y.get("conditions", {}).get(name, [])
                if conds:
                    out += ["| Condition | Outcome | Why | Citation |", "|---|---|---|---|"]
                    for c in conds:
                        n = self.nodes[c["node"]]
                        miss = f" Supply: {', '.join(c['missing'])}." if c["missing"] else ""
                        out.append(f"| {M(c['title'])} | **{c['outcome']}** | {M(n.explanation)}{M(miss)} | "
                                   f"{'; '.join(str(x) for x in n.citations)} |")
                    out.append("")
                for sch in (schedules(self, branch) if self.detail != "summary" else ()):
                    out += [f"| {M(sch.title)} | HKD |", "|---|---:|"]
                    out += [f"| {'*' + M(r.label) + '*' if r.kind == 'rounding' else M(r.label)} | {fmt_hkd(r.amount)} |"
                            for r in sch.rows]
                    out.append("")
                for who, nid in y.get("deemed", {}).get(name, {}).items():
                    out.append(f"- Deemed assessable profits of resident investor **{M(who)}** (s.20AX): HKD "
                               f"{self._fmt(self.nodes[nid])}")
                out.append("<details><summary>Why</summary>")
                out.append("")
                for n in self._why_nodes(branch):
                    flag = "" if n.status == "enacted" else f" *({n.status})*"
                    out.append(f"- **{M(n.title)}**{flag}: {M(n.explanation)} — `{n.rule_id}`; "
                               f"{'; '.join(str(c) for c in n.citations)}")
                    for p in n.params:
                        out.append(f"  - parameter `{p.path}` = {_plain(p.value)} ({p.year}) — {p.citation} [{p.label}]")
                    if n.rounding is not None:
                        out.append(f"  - rounding: {fmt_amount(n.rounding.before)} → {fmt_amount(n.rounding.after)} ({n.rounding.mode})")
                out.append("")
                out.append("</details>")
                out.append("")
        if self.assumptions:
            out.append("## Assumptions")
            out.append("")
            for assumption in self.assumptions.values():
                out.append(f"- **{assumption.id}**: {M(assumption.text)}" + (f" *To change:* {M(assumption.how_to_change)}."
                                                                   if assumption.how_to_change else ""))
        return "\n".join(out) + "\n"

    # ------------------------------------------------------------------ HTML
    def to_html(self) -> str:
        """A designed HTML statement with its own scoped stylesheet (see :mod:`hkvatax.render.html`).

        Examples:
            >>> from hkvatax import assess
            >>> from hkvatax.examples import example_path
            >>> from hkvatax.io import load_scenario
            >>> explanation = assess(load_scenario(example_path("corporation")), "2025/26").explain("2025/26")
            >>> "150,045.00" in explanation.to_html()
            True
        """
        return explanation_html(self)

    def _repr_html_(self) -> str:
        return self.to_html()

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        years = ", ".join(y["year"] for y in self.years)
        return (f"<Explanation {self.taxpayer!r} ({self.taxpayer_kind}) regime={self.regime} detail={self.detail} "
                f"years=[{years}] nodes={len(self.nodes)}>")

def _no_records() -> ArgumentError:
    return ArgumentError("detail", "detail='full' lists every disposal and lot: it needs the ledger's records, but "
                         "this assessment was made from aggregates alone", "assess the scenario instead")


class _Expansion:
    """The nodes of each disposal and of its matched fragments under every disposal line (``ledger.gains``)
    of an explanation, made one disposal at a time, so that they can be written and forgotten."""

    def __init__(self, assessment: Assessment, nodes: Mapping[str, Node]) -> None:
        from .rules.params import default_params

        self.tracer = Tracer(nodes=dict(nodes), assumptions=dict(assessment.trace.assumptions))
        self.tp_offshore = bool(assessment.scenario.taxpayer.offshore)
        params = default_params()
        #: (year, asset, offshore) → the lines that list such disposals, with their rule contexts
        self.targets: dict[tuple[str, Any, bool], list[tuple[str, RuleContext]]] = {}
        #: line id → the ids of its disposal nodes, in ledger order
        self.children: dict[str, list[str]] = {}
        for node in nodes.values():
            if node.rule_id != "ledger.gains" or node.year is None:
                continue
            asset = next((f.value for f in node.facts if f.name == "asset"), None)
            ctx = RuleContext(YearOfAssessment.parse(node.year), params, self.tracer, scenario=node.id.split("/")[0])
            self.targets.setdefault((node.year, asset, node.id.endswith(":off]")), []).append((node.id, ctx))
            self.children[node.id] = []

    def nodes_of(self, d: DisposalRecord) -> list[Node]:
        """The new nodes for disposal ``d`` (its fragments', then its own, under each line it belongs to)."""
        found = self.targets.get((d.year.label, d.asset, self.tp_offshore or bool(d.offshore)))
        if not found:
            return []
        from .periods import to_hk

        made: list[Node] = []
        nodes = self.tracer.nodes
        asset = d.asset
        pieces: list[tuple[Decimal, str, tuple[FactUse, ...]]] = []  # (gain, sentence, facts) of each fragment: the same under every line the disposal is in
        for f in d.fragments:
            acquired = to_hk(f.acquired_at).isoformat() if f.acquired_at else "unknown"
            pieces.append((f.gain_hkd,
                           f"{fmt_qty(f.quantity)} {asset} from lot {f.lot_id} (acquired {acquired}): cost HKD "
                           f"{fmt_amount(f.cost_hkd)}, proceeds share HKD {fmt_amount(f.proceeds_hkd)}, held "
                           f"{'an unknown number of' if f.holding_days is None else fmt_fixed(f.holding_days, 1)}"
                           " days.",
                           (FactUse("lot_id", f.lot_id), FactUse("basis", f.basis))))
        facts = (FactUse("event", d.event_id, d.source),) + tuple(
            FactUse(f"rate {c.base}->{c.quote}", f"{fmt_exact(c.rate)} at {c.at.isoformat()} ({c.source})")
            for c in d.conversions)
        sentence = (f"{d.kind} {d.disposal_id} on {to_hk(d.timestamp).isoformat()}: {fmt_qty(d.quantity)} {asset}, "
                    f"proceeds HKD {fmt_amount(d.proceeds_hkd)} (gross {fmt_amount(d.gross_proceeds_hkd)} less fees "
                    f"{fmt_amount(d.fees_hkd)}), cost HKD {fmt_amount(d.cost_hkd)} ({d.method}).")
        gain = d.gain_hkd
        for line_id, ctx in found:
            frag_ids = [_fragment_node(ctx, g, text, fs, key=f"{line_id}/{d.disposal_id}/{i}")
                        for i, (g, text, fs) in enumerate(pieces)]
            fig = _disposal_node(ctx, gain, sentence, facts, tuple(frag_ids), key=f"{line_id}/{d.disposal_id}")
            self.children[line_id].append(fig.id)
            made.extend(nodes.pop(f.id) for f in frag_ids)
            made.append(nodes.pop(fig.id))  # made and handed on: the tracer keeps only the explanation's own
        return made

    def lines(self, nodes: Mapping[str, Node]) -> dict[str, Node]:
        """Each disposal line with its disposals as inputs (after every disposal has been seen)."""
        return {nid: replace(nodes[nid], inputs=tuple(nodes[nid].inputs) + tuple(ids))
                for nid, ids in self.children.items()}


# ---------------------------------------------------------------------------------------- streamed JSON
_RUN_BYTES = 32 << 20  # text held in memory before a sorted run of nodes is written to a temporary file
_HEAD = struct.Struct("<II")
_WRITE_CHARS = 1 << 20  # text gathered before one write to the caller's file


class _Spool:
    """Rendered nodes ``(id, JSON text)`` arriving in ledger order, given back sorted by id: held in memory
    up to :data:`_RUN_BYTES`, then in sorted runs on temporary files merged at the end (an external sort)."""

    def __init__(self, directory: str | None = None) -> None:
        self.directory = directory
        self.held: list[tuple[str, str]] = []
        self.size = 0
        self.runs: list[IO[bytes]] = []

    def add(self, key: str, text: str) -> None:
        self.held.append((key, text))
        self.size += len(text)
        if self.size >= _RUN_BYTES:
            self._spill()

    def _spill(self) -> None:
        run = tempfile.TemporaryFile(dir=self.directory, buffering=1 << 18)
        pack = _HEAD.pack
        self.held.sort()
        for key, text in self.held:
            k, t = key.encode("utf-8", "surrogatepass"), text.encode("utf-8", "surrogatepass")
            run.write(pack(len(k), len(t)))
            run.write(k)
            run.write(t)
        run.seek(0)
        self.runs.append(run)
        self.held, self.size = [], 0

    @staticmethod
    def _read(run: IO[bytes]) -> Iterator[tuple[str, str]]:
        reader = run
        size, unpack = _HEAD.size, _HEAD.unpack
        while head := reader.read(size):
            nk, nt = unpack(head)
            yield reader.read(nk).decode("utf-8", "surrogatepass"), reader.read(nt).decode("utf-8", "surrogatepass")

    def sorted(self) -> Iterator[tuple[str, str]]:
        if not self.runs:
            self.held.sort()
            yield from self.held
            return
        if self.held:
            self._spill()
        yield from heapq.merge(*(self._read(r) for r in self.runs))

    def close(self) -> None:
        for run in self.runs:
            run.close()
        self.runs, self.held = [], []


def _dumps(value: Any, indent: int | None) -> str:
    return json.dumps(value, indent=indent, sort_keys=True, ensure_ascii=False)


_quote: Callable[[str], str] = getattr(json.encoder, "c_encode_basestring", None) or json.encoder.py_encode_basestring


def _indented(value: Any, pad: str, step: str) -> str:
    """``value`` as ``json.dumps(value, indent=len(step), sort_keys=True, ensure_ascii=False)`` writes it when
    nested at ``pad`` — the same text, without the pure-Python encoder's generators (a million nodes)."""
    kind = type(value)
    if kind is str:
        return _quote(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if kind is int:
        return int.__repr__(value)
    inner = pad + step
    if kind is dict and all(type(k) is str for k in value):
        if not value:
            return "{}"
        parts = []
        for k in sorted(value):
            v = value[k]
            parts.append(f"{inner}{_quote(k)}: {_quote(v) if type(v) is str else _indented(v, inner, step)}")
        return "{\n" + ",\n".join(parts) + "\n" + pad + "}"
    if kind is list or kind is tuple:
        if not value:
            return "[]"
        items = [inner + (_quote(v) if type(v) is str else _indented(v, inner, step)) for v in value]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    text = json.dumps(value, indent=len(step), sort_keys=True, ensure_ascii=False)  # anything else: as json does
    return text.replace("\n", "\n" + pad)


def _entry(node: Node, indent: int | None) -> str:
    """A node as it appears in the ``nodes`` object of the whole document (nested two levels deep)."""
    if indent is None:
        return _dumps(node.to_dict(), None)
    step = " " * indent
    return _node_text(node, step + step, step)


def _texts(items: tuple[Any, ...], pad: str, step: str) -> str:
    """A list (of ids, mostly) as :func:`_indented` writes it at ``pad``."""
    if not items:
        return "[]"
    inner = pad + step
    return "[\n" + ",\n".join([inner + (_quote(v) if type(v) is str else _indented(v, inner, step))
                                for v in items]) + "\n" + pad + "]"


def _scalar(value: Any, pad: str, step: str) -> str:
    return _quote(value) if type(value) is str else "null" if value is None else _indented(value, pad, step)


def _fact_text(fact: FactUse, pad: str, step: str) -> str:
    """``_indented(fact.to_dict(), pad, step)``, written directly (keys in sorted order: name, source, value)."""
    inner = pad + step
    src = fact.source
    if src is None:
        source = "null"
    else:
        deep = inner + step
        source = (f"{{\n{deep}\"file\": {_scalar(src.file, deep, step)},\n{deep}\"path\": "
                  f"{_scalar(src.path, deep, step)},\n{deep}\"row\": {_scalar(src.row, deep, step)}\n{inner}}}")
    return (f"{{\n{inner}\"name\": {_scalar(fact.name, inner, step)},\n{inner}\"source\": {source},\n"
            f"{inner}\"value\": {_scalar(value_to_json(fact.value), inner, step)}\n{pad}}}")


#: id of a rule's citations (the tuple every node of the rule shares) → (the tuple, pad, their text there)
_CITED: dict[int, tuple[tuple[Citation, ...], str, str]] = {}


def _node_text(node: Node, pad: str, step: str) -> str:
    """``_indented(node.to_dict(), pad, step)``, written field by field in sorted key order without the dict:
    a full explanation writes a million nodes. A rule's citations, the same for every node of the rule, are
    written once per rule."""
    inner = pad + step
    cited = node.citations
    hit = _CITED.get(id(cited))
    if hit is None or hit[0] is not cited or hit[1] != pad:
        hit = (cited, pad, _indented([c.to_dict() for c in cited], inner, step))
        if len(_CITED) < 4096:
            _CITED[id(cited)] = hit
    item = inner + step
    facts = "[]" if not node.facts else (
        "[\n" + ",\n".join([item + _fact_text(f, item, step) for f in node.facts]) + "\n" + inner + "]")
    params = _indented([p.to_dict() for p in node.params], inner, step)
    rounding = "null" if node.rounding is None else _indented(node.rounding_dict(), inner, step)
    return "".join((
        "{\n", inner, '"assumptions": ', _texts(node.assumptions, inner, step),
        ",\n", inner, '"citations": ', hit[2],
        ",\n", inner, '"explanation": ', _scalar(node.explanation, inner, step),
        ",\n", inner, '"facts": ', facts,
        ",\n", inner, '"id": ', _scalar(node.id, inner, step),
        ",\n", inner, '"inputs": ', _texts(node.inputs, inner, step),
        ",\n", inner, '"label": ', _scalar(node.label, inner, step),
        ",\n", inner, '"params": ', params,
        ",\n", inner, '"rounding": ', rounding,
        ",\n", inner, '"rule_id": ', _scalar(node.rule_id, inner, step),
        ",\n", inner, '"status": ', _scalar(node.status, inner, step),
        ",\n", inner, '"title": ', _scalar(node.title, inner, step),
        ",\n", inner, '"unit": ', _scalar(node.unit, inner, step),
        ",\n", inner, '"value": ', _scalar(value_to_json(node.value), inner, step),
        ",\n", inner, '"year": ', _scalar(node.year, inner, step),
        "\n", pad, "}"))


@isolated
def write_json(assessment: Assessment, fp: IO[str], *, year: str | YearOfAssessment | None = None,
               detail: str = "summary", indent: int | None = 2, spool_dir: str | None = None) -> None:
    """Write the explanation of ``assessment`` at ``detail`` to ``fp`` as JSON, the same text as
    ``Explanation.build(...).to_json()`` (``indent=2``) or ``json.dumps(....to_dict(), sort_keys=True,
    ensure_ascii=False)`` (``indent=None``).

    At ``detail="full"`` the ledger's disposals are matched again with their records streamed: each
    disposal's and fragment's node is rendered as it comes and kept only as text — sorted by id in memory
    runs of 32 MB, spilled to temporary files (in ``spool_dir``) and merged — so that a million disposals
    never exist as records or trace nodes at once (docs/decisions/0170-streamed-full-json.md)."""
    if detail not in DETAILS:
        raise ArgumentError("detail", f"{detail!r} is not a detail level", "summary, per_asset or full")
    base = Explanation.build(assessment, year=year, detail=detail, expand=False)
    marker = f"nodes-{secrets.token_hex(16)}"
    nodes: dict[str, Node] = dict(base.nodes)
    spool = _Spool(spool_dir)
    try:
        used = {a for n in nodes.values() for a in n.assumptions}
        proposed = {n.rule_id for n in nodes.values() if n.status == "proposed"}
        if detail == "full":
            expansion = _Expansion(assessment, nodes)

            def visit(d: DisposalRecord) -> None:
                for n in expansion.nodes_of(d):
                    spool.add(n.id, _entry(n, indent))
                    used.update(n.assumptions)
                    if n.status == "proposed":
                        proposed.add(n.rule_id)

            if not assessment.each_disposal(visit):
                raise _no_records()
            nodes.update(expansion.lines(nodes))
        doc = base.to_dict()
        doc["assumptions"] = {k: a.to_dict() for k, a in sorted(assessment.trace.assumptions.items()) if k in used}
        doc["proposed_rules"] = sorted(proposed)
        doc["nodes"] = marker
        head, _, tail = _dumps(doc, indent).partition(json.dumps(marker))
        own = ((k, _entry(nodes[k], indent)) for k in sorted(nodes))
        fp.write(head)
        if indent is None:
            sep, first, last = ", ", "{", "}"
        else:
            pad = " " * (2 * indent)
            sep, first, last = ",\n" + pad, "{\n" + pad, "\n" + " " * indent + "}"
        wrote = False
        parts: list[str] = []  # written about a megabyte at a time, not four writes a node
        size = 0
        for key, text in heapq.merge(own, spool.sorted()):
            parts.append(sep if wrote else first)
            parts.append(_quote(key))  # (what json.dumps writes for a str with ensure_ascii=False)
            parts.append(": ")
            parts.append(text)
            wrote = True
            size += len(text)
            if size >= _WRITE_CHARS:
                fp.write("".join(parts))
                parts.clear()
                size = 0
        if parts:
            fp.write("".join(parts))
        fp.write(last if wrote else "{}")
        fp.write(tail)
        if indent is not None:
            fp.write("\n")
    finally:
        spool.close()


def _register() -> None:
    from . import engine

    engine.EXPLAINER = Explanation.build
    engine.JSON_WRITER = write_json


_register()
