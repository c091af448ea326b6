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

import html
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .money import fmt_hkd, fmt_qty
from .periods import YearOfAssessment
from .rules.registry import DIPN, IRO, Out, RuleContext, rule
from .trace import Assumption, Citation, FactUse, Node, ParamUse, Tracer

if TYPE_CHECKING:
    from .engine import Assessment

__all__ = ["Explanation", "DETAILS", "FIGURE_LABELS"]

DETAILS = ("summary", "per_asset", "full")
SCHEMA = "hkvatax.explanation/1"

FIGURE_LABELS: dict[str, str] = {
    "capital_gains": "Capital gains (not chargeable)",
    "offshore_profits": "Offshore revenue profits (not chargeable)",
    "revenue_disposal_profits": "Chargeable profits on disposals",
    "business_receipts": "Business receipts in tokens",
    "other_income": "Other chargeable income",
    "deductions": "Deductible outgoings",
    "exempt_profits": "Exempt / 0% concession profits",
    "net_profit": "Assessable profits before losses (adjusted loss if negative)",
    "losses_brought_forward": "Losses brought forward",
    "losses_set_off": "Losses set off",
    "assessable_profits": "Assessable profits",
    "losses_carried_forward": "Losses carried forward",
    "tax_at_rates": "Tax at the profits tax rates",
    "tax_charged": "Tax charged (whole dollars)",
    "one_off_reduction": "One-off reduction",
    "tax_payable": "Tax payable",
    "salaries_tax_items": "Salaries tax item: tokens received as salary",
}


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


@dataclass(frozen=True)
class Explanation:
    """A frozen, renderable explanation of an assessment (or of some of its years)."""

    taxpayer: str
    taxpayer_kind: str
    regime: str
    detail: str
    years: tuple[dict[str, Any], ...]
    nodes: Mapping[str, Node]
    assumptions: Mapping[str, Assumption]
    proposed_rules: tuple[str, ...]

    # ------------------------------------------------------------------ building
    @classmethod
    def build(cls, assessment: Assessment, *, year: str | YearOfAssessment | None = None,
              detail: str = "summary") -> Explanation:
        if detail not in DETAILS:
            raise ValueError(f"detail must be one of {DETAILS}")
        labels = list(assessment.years) if year is None else [YearOfAssessment.parse(year).label]
        trace = assessment.trace
        nodes: dict[str, Node] = {}
        years: list[dict[str, Any]] = []
        for label in labels:
            ya = assessment.years[label]
            entry: dict[str, Any] = {
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
        if detail == "full":
            if assessment.full_ledger() is None:
                raise ValueError("detail='full' lists every disposal and lot: it needs the full ledger, but this "
                                 "assessment was made from aggregates (fast path); assess the scenario instead")
            nodes = cls._expand(assessment, nodes)
        used_assumptions = {a for n in nodes.values() for a in n.assumptions}
        assumptions = {k: v for k, v in trace.assumptions.items() if k in used_assumptions}
        proposed = tuple(sorted({n.rule_id for n in nodes.values() if n.status == "proposed"}))
        tp = assessment.scenario.taxpayer
        return cls(tp.name, tp.kind, assessment.regime, detail, tuple(years), nodes, assumptions, proposed)

    @staticmethod
    def _expand(assessment: Assessment, nodes: dict[str, Node]) -> dict[str, Node]:
        """Add a node per disposal and per matched fragment under each disposal line (lazily, on request)."""
        from .periods import to_hk
        from .rules.params import default_params

        tracer = Tracer(nodes=dict(nodes), assumptions=dict(assessment.trace.assumptions))
        out = dict(nodes)
        tp_offshore = bool(assessment.scenario.taxpayer.offshore)
        by_year: dict[str, list[Any]] = {}
        full = assessment.full_ledger()
        assert full is not None
        for d in full.disposals:
            by_year.setdefault(d.year.label, []).append(d)
        for node in list(nodes.values()):
            if node.rule_id != "ledger.gains" or node.year is None:
                continue
            asset = next((f.value for f in node.facts if f.name == "asset"), None)
            offshore = node.id.endswith(":off]")
            ctx = RuleContext(YearOfAssessment.parse(node.year), default_params(), tracer,
                              scenario=node.id.split("/")[0])
            children: list[str] = []
            for d in by_year.get(node.year, []):
                if d.asset != asset or (tp_offshore or bool(d.offshore)) != offshore:
                    continue
                frag_ids = []
                for i, f in enumerate(d.fragments):
                    acquired = to_hk(f.acquired_at).isoformat() if f.acquired_at else "unknown"
                    fig = _fragment_node(
                        ctx, f.gain_hkd,
                        f"{f.quantity} {d.asset} from lot {f.lot_id} (acquired {acquired}): cost HKD {f.cost_hkd}, "
                        f"proceeds share HKD {f.proceeds_hkd}, held {f.holding_days and round(f.holding_days, 1)} days.",
                        (FactUse("lot_id", f.lot_id), FactUse("basis", f.basis)),
                        key=f"{node.id}/{d.disposal_id}/{i}")
                    frag_ids.append(fig)
                facts = (FactUse("event", d.event_id, d.source),) + tuple(
                    FactUse(f"rate {c.base}->{c.quote}", f"{c.rate} at {c.at.isoformat()} ({c.source})")
                    for c in d.conversions)
                fig = _disposal_node(
                    ctx, d.gain_hkd,
                    f"{d.kind} {d.disposal_id} on {to_hk(d.timestamp).isoformat()}: {d.quantity} {d.asset}, proceeds "
                    f"HKD {d.proceeds_hkd} (gross {d.gross_proceeds_hkd} less fees {d.fees_hkd}), cost HKD {d.cost_hkd}"
                    f" ({d.method}).", facts, tuple(frag_ids), key=f"{node.id}/{d.disposal_id}")
                children.append(fig.id)
            out.update(tracer.nodes)
            out[node.id] = replace(node, inputs=tuple(node.inputs) + tuple(children))
        return out

    # ------------------------------------------------------------------ JSON
    def to_dict(self) -> dict[str, Any]:
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

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Explanation:
        d = json.loads(text)
        if d.get("schema") != SCHEMA:
            raise ValueError(f"not an {SCHEMA} document")
        return cls(
            taxpayer=d["taxpayer"], taxpayer_kind=d["taxpayer_kind"], regime=d["regime"], detail=d["detail"],
            years=tuple(d["years"]), nodes={k: _node_from_dict(v) for k, v in d["nodes"].items()},
            assumptions={k: Assumption(v["id"], v["text"], v.get("how_to_change")) for k, v in d["assumptions"].items()},
            proposed_rules=tuple(d["proposed_rules"]),
        )

    # ------------------------------------------------------------------ helpers
    def _fmt(self, node: Node) -> str:
        if node.unit == "HKD" and isinstance(node.value, Decimal):
            return fmt_hkd(node.value)
        return str(node.value)

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
            if self.detail == "summary" and n.rule_id in {"ledger.gains", "ledger.receipts", "ledger.income",
                                                         "ledger.outgoings", "pt.chargeable.line"} \
                    and nid != node_id:
                continue
            if self.detail != "full" and n.rule_id in {"ledger.disposal", "ledger.fragment"}:
                continue
            if self.detail == "summary" and n.rule_id == "pt.sum" and not n.inputs:
                continue  # an empty subtotal (no line of that kind): nothing to explain
            out.append(n)
            stack.extend(reversed(n.inputs))
        return out

    # ------------------------------------------------------------------ text
    def to_text(self) -> str:
        lines: list[str] = []
        lines.append(f"hkvatax — {self.taxpayer} ({self.taxpayer_kind}) — regime: {self.regime}")
        for y in self.years:
            lines.append("")
            lines.append(f"Year of assessment {y['year']}")
            char = self.nodes.get(y["character_node"])
            if char is not None:
                lines.append(f"  Character: {y['character']} — {char.explanation} [{char.rule_id}; "
                             f"{'; '.join(str(c) for c in char.citations)}]")
            if y["status"] == "not_assessed":
                lines.append(f"  Not assessed: {y['reason']}.")
            if y["status"] == "indeterminate":
                lines.append("  INDETERMINATE: the facts do not decide capital or revenue. Supply: "
                             + ", ".join(y["missing_facts"]) + ". Both branches follow.")
            for name, branch in y["branches"].items():
                lines.append(f"  -- {name} --" if len(y["branches"]) > 1 else "  Statement (HKD):")
                for key, nid in branch.items():
                    n = self.nodes[nid]
                    lines.append(f"    {FIGURE_LABELS.get(key, key):<62} {self._fmt(n):>16}")
                for note in y.get("notes", {}).get(name, []):
                    lines.append(f"    note: {note}")
                conds = y.get("conditions", {}).get(name, [])
                if conds:
                    lines.append("  Concession conditions:")
                    for c in conds:
                        n = self.nodes[c["node"]]
                        cites = "; ".join(str(x) for x in n.citations)
                        miss = f" — supply: {', '.join(c['missing'])}" if c["missing"] else ""
                        lines.append(f"    [{c['outcome'].upper():^7}] {c['title']}: {n.explanation} ({cites}){miss}")
                deemed = y.get("deemed", {}).get(name, {})
                if deemed:
                    lines.append("  Deemed assessable profits of resident investors (s.20AX; not the fund's own):")
                    for who, nid in deemed.items():
                        lines.append(f"    {who:<40} {self._fmt(self.nodes[nid]):>16}")
                lines.append("  Why:")
                for n in self._why_nodes(branch):
                    cites = "; ".join(str(c) for c in n.citations)
                    flag = "" if n.status == "enacted" else f" ({n.status.upper()})"
                    lines.append(f"    • {n.title}{flag}: {n.explanation}")
                    lines.append(f"        rule {n.rule_id} — {cites}")
                    for p in n.params:
                        lines.append(f"        parameter {p.path} = {p.value} for {p.year} — {p.citation} [{p.label}]")
                    for f in n.facts:
                        if f.source is not None and (f.source.file or f.source.row or f.source.path):
                            lines.append(f"        input {f.name}: {f.value} ({f.source})")
                    if n.rounding is not None:
                        lines.append(f"        rounding {n.rounding.policy}: {fmt_qty(n.rounding.before)} → {fmt_qty(n.rounding.after)} "
                                     f"({n.rounding.mode})")
                    for aid in n.assumptions:
                        lines.append(f"        assumes {aid}")
        if self.assumptions:
            lines.append("")
            lines.append("Assumptions (each can be changed):")
            for a in self.assumptions.values():
                lines.append(f"  {a.id}: {a.text}" + (f" To change: {a.how_to_change}." if a.how_to_change else ""))
        if self.proposed_rules:
            lines.append("")
            lines.append("DEPENDS ON PROPOSED LAW (not yet in force): " + ", ".join(self.proposed_rules))
        return "\n".join(lines) + "\n"

    # ------------------------------------------------------------------ Markdown
    def to_markdown(self) -> str:
        out: list[str] = [f"# {self.taxpayer} ({self.taxpayer_kind}) — regime `{self.regime}`", ""]
        if self.proposed_rules:
            out += ["> **Depends on proposed law** (not yet in force): " + ", ".join(f"`{r}`" for r in
                                                                               self.proposed_rules), ""]
        for y in self.years:
            out.append(f"## Year of assessment {y['year']}")
            out.append("")
            char = self.nodes.get(y["character_node"])
            if char is not None:
                out.append(f"**Character:** {y['character']} — {char.explanation} (`{char.rule_id}`)")
                out.append("")
            if y["status"] == "not_assessed":
                out.append(f"**Not assessed:** {y['reason']}.")
                out.append("")
            if y["status"] == "indeterminate":
                out.append("**Indeterminate.** Supply: " + ", ".join(f"`{m}`" for m in y["missing_facts"]) + ".")
                out.append("")
            for name, branch in y["branches"].items():
                if len(y["branches"]) > 1:
                    out.append(f"### If {name}")
                    out.append("")
                out.append("| Figure | HKD | Rule | Citation |")
                out.append("|---|---:|---|---|")
                for key, nid in branch.items():
                    n = self.nodes[nid]
                    out.append(f"| {FIGURE_LABELS.get(key, key)} | {self._fmt(n)} | `{n.rule_id}` | "
                               f"{'; '.join(str(c) for c in n.citations)} |")
                out.append("")
                for note in y.get("notes", {}).get(name, []):
                    out.append(f"- Note: {note}")
                out.append("")
                conds = y.get("conditions", {}).get(name, [])
                if conds:
                    out += ["| Condition | Outcome | Why | Citation |", "|---|---|---|---|"]
                    for c in conds:
                        n = self.nodes[c["node"]]
                        miss = f" Supply: {', '.join(c['missing'])}." if c["missing"] else ""
                        out.append(f"| {c['title']} | **{c['outcome']}** | {n.explanation}{miss} | "
                                   f"{'; '.join(str(x) for x in n.citations)} |")
                    out.append("")
                for who, nid in y.get("deemed", {}).get(name, {}).items():
                    out.append(f"- Deemed assessable profits of resident investor **{who}** (s.20AX): HKD "
                               f"{self._fmt(self.nodes[nid])}")
                out.append("<details><summary>Why</summary>")
                out.append("")
                for n in self._why_nodes(branch):
                    flag = "" if n.status == "enacted" else f" *({n.status})*"
                    out.append(f"- **{n.title}**{flag}: {n.explanation} — `{n.rule_id}`; "
                               f"{'; '.join(str(c) for c in n.citations)}")
                    for p in n.params:
                        out.append(f"  - parameter `{p.path}` = {p.value} ({p.year}) — {p.citation} [{p.label}]")
                    if n.rounding is not None:
                        out.append(f"  - rounding: {fmt_qty(n.rounding.before)} → {fmt_qty(n.rounding.after)} ({n.rounding.mode})")
                out.append("")
                out.append("</details>")
                out.append("")
        if self.assumptions:
            out.append("## Assumptions")
            out.append("")
            for assumption in self.assumptions.values():
                out.append(f"- **{assumption.id}**: {assumption.text}" + (f" *To change:* {assumption.how_to_change}."
                                                                   if assumption.how_to_change else ""))
        return "\n".join(out) + "\n"

    # ------------------------------------------------------------------ HTML
    def to_html(self) -> str:
        e = html.escape
        parts = ["<div class='hkvatax'>", f"<h3>{e(self.taxpayer)} ({e(self.taxpayer_kind)}) — regime "
                 f"<code>{e(self.regime)}</code></h3>"]
        if self.proposed_rules:
            parts.append("<p style='color:#a40'><b>Depends on proposed law</b> (not yet in force): "
                         + ", ".join(f"<code>{e(r)}</code>" for r in self.proposed_rules) + "</p>")
        for y in self.years:
            parts.append(f"<h4>Year of assessment {e(y['year'])} — {e(y['character'] or 'not assessed')}</h4>")
            if y["status"] == "not_assessed":
                parts.append(f"<p><b>Not assessed:</b> {e(y['reason'])}.</p>")
            if y["status"] == "indeterminate":
                parts.append("<p><b>Indeterminate.</b> Supply: " + e(", ".join(y["missing_facts"])) + "</p>")
            for name, branch in y["branches"].items():
                if len(y["branches"]) > 1:
                    parts.append(f"<h5>If {e(name)}</h5>")
                parts.append("<table><thead><tr><th>Figure</th><th style='text-align:right'>HKD</th><th>Rule</th>"
                             "<th>Citation</th></tr></thead><tbody>")
                for key, nid in branch.items():
                    n = self.nodes[nid]
                    parts.append(
                        f"<tr title='{e(n.explanation)}'><td>{e(FIGURE_LABELS.get(key, key))}</td>"
                        f"<td style='text-align:right'>{e(self._fmt(n))}</td><td><code>{e(n.rule_id)}</code></td>"
                        f"<td>{e('; '.join(str(c) for c in n.citations))}</td></tr>")
                parts.append("</tbody></table>")
                conds = y.get("conditions", {}).get(name, [])
                if conds:
                    parts.append("<table><thead><tr><th>Condition</th><th>Outcome</th><th>Why</th></tr></thead><tbody>")
                    for c in conds:
                        n = self.nodes[c["node"]]
                        parts.append(f"<tr><td>{e(c['title'])}</td><td><b>{e(c['outcome'])}</b></td>"
                                     f"<td>{e(n.explanation)}</td></tr>")
                    parts.append("</tbody></table>")
                parts.append("<details><summary>Why</summary><ul>")
                for n in self._why_nodes(branch):
                    parts.append(f"<li><b>{e(n.title)}</b>{'' if n.status == 'enacted' else ' <i>(' + e(n.status) + ')</i>'}: "
                                 f"{e(n.explanation)} <small><code>{e(n.rule_id)}</code> — "
                                 f"{e('; '.join(str(c) for c in n.citations))}</small></li>")
                parts.append("</ul></details>")
        if self.assumptions:
            parts.append("<h4>Assumptions</h4><ul>")
            for a in self.assumptions.values():
                parts.append(f"<li><b>{e(a.id)}</b>: {e(a.text)}</li>")
            parts.append("</ul>")
        parts.append("</div>")
        return "".join(parts)

    def _repr_html_(self) -> str:
        return self.to_html()

    def __str__(self) -> str:
        return self.to_text()


def _register() -> None:
    from . import engine

    engine.EXPLAINER = Explanation.build


_register()
