"""HTML views: the statement, the trace, the per-asset schedules, the comparison and the ledger.

One stylesheet (:data:`CSS`), scoped under ``.hkvatax`` so that it styles nothing else on a notebook page
and wins over the notebook's own table rules (Jupyter, JupyterLab and VS Code right-align every cell;
nbconvert's HTML uses the same rules). Labels are left-aligned, amounts right-aligned in tabular figures.
Citations link to the Hong Kong e-Legislation chapter or the IRD practice note. Every amount is formatted
for its unit by :mod:`hkvatax.money`; schedules are reconciled there (:func:`hkvatax.money.reconcile`).
Text is escaped with :func:`html.escape`; nothing here builds markup from unescaped input.

This module reads the explanation, comparison and ledger objects it is given; it imports none of them at
run time (data flows one way: engine → explain → render).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

from ..money import fmt_amount, fmt_fixed, fmt_hkd, fmt_qty, fmt_value, isolated, reconcile
from ..trace import Citation, Node
from .labels import figure_label
from .schedules import Schedule, schedules

if TYPE_CHECKING:
    from ..compare import Comparison
    from ..engine import Assessment, BranchAssessment, YearAssessment
    from ..explain import Explanation
    from ..ledger.results import LedgerResult

__all__ = ["CSS", "citation_url", "citation_html", "explanation_html", "comparison_html", "ledger_html",
           "year_html", "assessment_html", "page"]

_e = html.escape

#: The one stylesheet, scoped under ``.hkvatax`` (selectors are specific enough to beat notebook CSS).
CSS = """
div.hkvatax{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
  color:#1b1f23;line-height:1.45;font-size:14px;max-width:100%;overflow-wrap:break-word}
div.hkvatax td.rule,div.hkvatax code,div.hkvatax .muted{overflow-wrap:anywhere}
div.hkvatax h2,div.hkvatax h3,div.hkvatax h4,div.hkvatax h5{margin:.9em 0 .35em;line-height:1.25;text-align:left}
div.hkvatax h3{font-size:1.25em} div.hkvatax h4{font-size:1.1em;border-bottom:1px solid #d0d7de;padding-bottom:.2em}
div.hkvatax h5{font-size:1em;color:#444}
div.hkvatax p{margin:.3em 0;text-align:left}
div.hkvatax table.hk{border-collapse:collapse;width:100%;margin:.4em 0 .8em;table-layout:auto}
div.hkvatax table.hk th,div.hkvatax table.hk td{text-align:left;vertical-align:top;padding:.28em .55em;
  border:none;border-bottom:1px solid #e1e4e8;white-space:normal}
div.hkvatax table.hk thead th{border-bottom:2px solid #57606a;font-weight:600;background:#f6f8fa}
div.hkvatax table.hk th.amt,div.hkvatax table.hk td.amt{text-align:right;white-space:nowrap;
  font-variant-numeric:tabular-nums;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
div.hkvatax table.hk tr.key td{font-weight:600;background:#f6f8fa}
div.hkvatax table.hk tr.total td{font-weight:600;border-top:2px solid #57606a}
div.hkvatax table.hk tr.rounding td{font-style:italic;color:#57606a}
div.hkvatax table.hk tr.changed td{background:#fff8c5}
div.hkvatax table.hk td.rule{font-size:.85em;color:#57606a}
div.hkvatax code{font-size:.9em;background:#f6f8fa;padding:0 .2em;border-radius:3px}
div.hkvatax a{color:#0550ae;text-decoration:none} div.hkvatax a:hover{text-decoration:underline}
div.hkvatax .proposed{color:#9a3412;font-weight:600}
div.hkvatax .banner{border-left:4px solid #d4a72c;background:#fff8c5;padding:.4em .7em;margin:.5em 0}
div.hkvatax .met{color:#1a7f37;font-weight:600} div.hkvatax .failed{color:#cf222e;font-weight:600}
div.hkvatax .unknown{color:#9a6700;font-weight:600} div.hkvatax table.hk td.oc{white-space:nowrap}
div.hkvatax details{margin:.2em 0} div.hkvatax summary{cursor:pointer}
div.hkvatax ul.tree{list-style:none;padding-left:1.1em;margin:.2em 0;border-left:1px dotted #afb8c1}
div.hkvatax ul.tree li{margin:.25em 0}
div.hkvatax .muted{color:#57606a;font-size:.85em}
div.hkvatax .val{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;white-space:nowrap}
@media print{div.hkvatax details>summary{list-style:none} div.hkvatax details:not([open])>*:not(summary){display:none}
  div.hkvatax h4{break-after:avoid} div.hkvatax table.hk tr{break-inside:avoid}}
"""

_STYLE = f"<style>{CSS}</style>"

# IRD practice notes are published as one PDF each; the chapter page for the Ordinance.
_DIPN_RE = re.compile(r"^DIPN\s+(\d+)$")
_IRD_PDF = "https://www.ird.gov.hk/eng/pdf/dipn{:02d}.pdf"


def citation_url(c: Citation) -> str | None:
    """Where a reader can read the provision: the IRD's PDF of a practice note, the e-Legislation chapter of
    the Ordinance, or the citation's own address.

    >>> from hkvatax.rules.registry import DIPN, IRO
    >>> citation_url(DIPN(39, "para 46")), citation_url(IRO("s.14"))
    ('https://www.ird.gov.hk/eng/pdf/dipn39.pdf', 'https://www.elegislation.gov.hk/hk/cap112')
    """
    m = _DIPN_RE.match(c.instrument)
    if m:
        return _IRD_PDF.format(int(m.group(1)))
    return c.url


def citation_html(c: Citation) -> str:
    """One citation as a link (or plain text when there is nowhere to link to).

    Examples:
        >>> from hkvatax.rules.registry import DIPN
        >>> citation_html(DIPN(39, "para 46"))
        '<a href="https://www.ird.gov.hk/eng/pdf/dipn39.pdf" target="_blank" rel="noopener">DIPN 39 para 46</a>'
    """
    url = citation_url(c)
    text = _e(str(c))
    return f'<a href="{_e(url)}" target="_blank" rel="noopener">{text}</a>' if url else text


def _cites(citations: Iterable[Citation]) -> str:
    return "; ".join(citation_html(c) for c in citations)


def _amt(value: Decimal | None) -> str:
    return f'<td class="amt">{_e(fmt_hkd(value))}</td>'


def _status(status: str) -> str:
    return "" if status == "enacted" else f' <span class="proposed">({_e(status)})</span>'


def _outcome(outcome: str | None) -> str:
    if outcome is None:
        return "—"
    cls = outcome if outcome in {"met", "failed", "unknown"} else "muted"
    return f'<span class="{cls}">{_e(outcome)}</span>'


def _wrap(body: str) -> str:
    return f'<div class="hkvatax">{_STYLE}{body}</div>'


# ---------------------------------------------------------------------------------------------- trace tree
def _node_line(n: Node) -> str:
    value = f' = <span class="val">{_e(fmt_value(n.value, n.unit))}</span>' if n.unit != "text" else (
        f': <b>{_e(str(n.value))}</b>')
    parts = [f"<b>{_e(n.title)}</b>{_status(n.status)}{value}", f"<div>{_e(n.explanation)}</div>",
             f'<div class="muted"><code>{_e(n.rule_id)}</code> — {_cites(n.citations)}</div>']
    for p in n.params:
        parts.append(f'<div class="muted">parameter <code>{_e(p.path)}</code> = {_e(fmt_value(p.value, "ratio"))} '
                     f"({_e(p.year)}) — {_e(p.citation)} [{_e(p.status)}]</div>")
    for f in n.facts:
        if f.source is not None and (f.source.file or f.source.row or f.source.path):
            parts.append(f'<div class="muted">input {_e(f.name)}: {_e(str(f.value))} ({_e(str(f.source))})</div>')
    if n.rounding is not None:
        r = n.rounding
        parts.append(f'<div class="muted">rounding {_e(r.policy)}: {_e(fmt_amount(r.before))} → {_e(fmt_amount(r.after))} '
                     f"({_e(r.mode)}; {_e(r.authority)})</div>")
    for a in n.assumptions:
        parts.append(f'<div class="muted">assumes <code>{_e(a)}</code></div>')
    return "".join(parts)


def _tree(e: Explanation, root: str) -> str:
    """The trace under ``root`` as a nested list; a node reached twice is shown once and then referred to."""
    seen: set[str] = set()

    def render(nid: str, depth: int) -> str:
        n = e.nodes.get(nid)
        if n is None or (nid != root and not e.shown(n, root)):
            return ""
        if nid in seen:
            return f'<li class="muted">↑ {_e(n.title)} (shown above)</li>'
        seen.add(nid)
        kids = "".join(render(i, depth + 1) for i in n.inputs) if depth < 40 else ""
        inner = _node_line(n)
        if kids:
            return f'<li><details{" open" if depth < 1 else ""}><summary>{inner}</summary><ul class="tree">{kids}</ul>' \
                   "</details></li>"
        return f"<li>{inner}</li>"

    return f'<ul class="tree">{render(root, 0)}</ul>'


# ---------------------------------------------------------------------------------------------- schedules
def _schedule_table(sch: Schedule) -> str:
    body = "".join(f'<tr class="{r.kind}"><td>{_e(r.label)}</td>{_amt(r.amount)}</tr>' for r in sch.rows)
    return (f'<table class="hk"><thead><tr><th>{_e(sch.title)}</th><th class="amt">HKD</th></tr></thead>'
            f"<tbody>{body}</tbody></table>")


# ---------------------------------------------------------------------------------------------- explanation
@isolated
def explanation_html(e: Explanation, *, with_style: bool = True) -> str:
    """The explanation as a designed statement: per year and branch, the figures with their rules and
    citations, the concession conditions, the per-asset schedules and a collapsible trace per figure.

    Examples:
        >>> from hkvatax import assess
        >>> from hkvatax.examples import example_path
        >>> from hkvatax.io import load_scenario
        >>> outcome = assess(load_scenario(example_path("corporation")), "2025/26")
        >>> html = explanation_html(outcome.explain("2025/26"))
        >>> html.startswith('<div class="hkvatax">'), "Tax payable" in html, "150,045.00" in html
        (True, True, True)
    """
    parts = [f"<h3>{_e(e.taxpayer)} <span class='muted'>({_e(e.taxpayer_kind)}) — regime "
             f"<code>{_e(e.regime)}</code>, detail <code>{_e(e.detail)}</code></span></h3>"]
    if e.proposed_rules:
        parts.append('<div class="banner"><b>Depends on proposed law</b> (not yet in force): '
                     + ", ".join(f"<code>{_e(r)}</code>" for r in e.proposed_rules) + "</div>")
    for y in e.years:
        parts.append(f"<h4>Year of assessment {_e(y['year'])}</h4>")
        char = e.nodes.get(y["character_node"] or "")
        if char is not None:
            parts.append(f"<p><b>Character:</b> {_e(str(y['character']))} — {_e(char.explanation)} "
                         f"<span class='muted'><code>{_e(char.rule_id)}</code>; {_cites(char.citations)}</span></p>")
        if y["status"] == "not_assessed":
            parts.append(f'<div class="banner"><b>Not assessed:</b> {_e(str(y.get("reason", "")))}.</div>')
        if y["status"] == "indeterminate":
            parts.append('<div class="banner"><b>Indeterminate:</b> the facts do not decide capital or revenue. '
                         "Supply: " + _e(", ".join(y["missing_facts"])) + ". Both computations follow.</div>")
        for name, branch in y["branches"].items():
            if len(y["branches"]) > 1:
                parts.append(f"<h5>If {_e(name)}</h5>")
            rows = []
            for key, nid in branch.items():
                n = e.nodes[nid]
                cls = ' class="key"' if key in {"assessable_profits", "tax_payable"} else ""
                rows.append(f"<tr{cls}><td>{_e(figure_label(key))}{_status(n.status)}</td>"
                            f'<td class="amt">{_e(fmt_value(n.value, n.unit))}</td>'
                            f'<td class="rule"><code>{_e(n.rule_id)}</code><br>{_cites(n.citations)}</td></tr>')
            parts.append('<table class="hk"><thead><tr><th>Figure</th><th class="amt">HKD</th><th>Rule and '
                         f'authority</th></tr></thead><tbody>{"".join(rows)}</tbody></table>')
            for note in y.get("notes", {}).get(name, []):
                parts.append(f"<p class='muted'>Note: {_e(note)}</p>")
            conds = y.get("conditions", {}).get(name, [])
            if conds:
                crow = []
                for c in conds:
                    n = e.nodes[c["node"]]
                    miss = f" Supply: {_e(', '.join(c['missing']))}." if c["missing"] else ""
                    crow.append(f"<tr><td>{_e(c['title'])}</td><td class=oc>{_outcome(c['outcome'])}</td>"
                                f"<td>{_e(n.explanation)}{miss}</td><td class='rule'>{_cites(n.citations)}</td></tr>")
                parts.append('<table class="hk"><thead><tr><th>Concession condition</th><th>Outcome</th><th>Why</th>'
                             f'<th>Authority</th></tr></thead><tbody>{"".join(crow)}</tbody></table>')
            deemed = y.get("deemed", {}).get(name, {})
            if deemed:
                drow = "".join(f"<tr><td>{_e(who)}</td>{_amt(e.nodes[nid].value)}</tr>" for who, nid in deemed.items())
                parts.append('<table class="hk"><thead><tr><th>Deemed assessable profits of resident investors '
                             f'(s.20AX; not the fund\'s own)</th><th class="amt">HKD</th></tr></thead><tbody>{drow}'
                             "</tbody></table>")
            if e.detail != "summary":
                parts.append("".join(_schedule_table(sch) for sch in schedules(e, branch)))
            parts.append("<details><summary><b>Why each figure</b> (the trace)</summary>")
            for key, nid in branch.items():
                n = e.nodes[nid]
                parts.append(f"<details><summary>{_e(figure_label(key))} = <span class='val'>"
                             f"{_e(fmt_value(n.value, n.unit))}</span></summary>{_tree(e, nid)}</details>")
            parts.append("</details>")
    if e.assumptions:
        parts.append("<h4>Assumptions</h4><ul>")
        for a in e.assumptions.values():
            change = f" <i>To change:</i> {_e(a.how_to_change)}." if a.how_to_change else ""
            parts.append(f"<li><b>{_e(a.id)}</b>: {_e(a.text)}{change}</li>")
        parts.append("</ul>")
    body = "".join(parts)
    return _wrap(body) if with_style else f'<div class="hkvatax">{body}</div>'


# ---------------------------------------------------------------------------------------------- comparison
@isolated
def comparison_html(c: Comparison, *, with_style: bool = True) -> str:
    """Baseline and extension side by side, each year's differing figures highlighted with their causes.

    Examples:
        >>> from hkvatax import compare
        >>> from hkvatax.examples import example_path
        >>> from hkvatax.io import load_scenario
        >>> comparison = compare(load_scenario(example_path("family_office")))
        >>> html = comparison_html(comparison)
        >>> "va_extension" in html, "1,597,533.00" in html
        (True, True)
    """
    parts = [f"<h3>{_e(c.scenario.taxpayer.name)} <span class='muted'>({_e(c.scenario.taxpayer.kind)}) — "
             "baseline (law in force) vs <code>va_extension</code></span></h3>",
             '<div class="banner">The extension is <b>proposed law</b> (Bill gazetted 12 June 2026); it is applied '
             f"from {_e(str(c.extension.settings.get('extension_first_year')))} (assumption A-EXT-FIRST-YEAR).</div>"]
    for label in c.baseline.years:
        parts.append(f"<h4>Year of assessment {_e(label)}</h4>")
        reason = c.baseline.years[label].reason
        if reason is not None:
            parts.append(f'<div class="banner"><b>Not assessed:</b> {_e(reason)}.</div>')
            continue
        many = len(c.baseline.years[label].branches) > 1
        rows = []
        for branch, name, vb, ve in c.figures(label):
            changed = vb is not None and ve is not None and vb != ve
            diff = _amt(c.delta(vb, ve)) if vb is not None and ve is not None and changed else '<td class="amt"></td>'
            tag = f"[{_e(branch)}] " if many else ""
            rows.append(f'<tr{" class=changed" if changed else ""}><td>{tag}{_e(figure_label(name))}</td>'
                        f"{_amt(vb)}{_amt(ve)}{diff}</tr>")
        parts.append('<table class="hk"><thead><tr><th>Figure</th><th class="amt">Baseline</th>'
                     '<th class="amt">Extension</th><th class="amt">Difference</th></tr></thead>'
                     f'<tbody>{"".join(rows)}</tbody></table>')
        conds = c.conditions(label)
        if conds:
            crow = "".join(f'<tr{" class=changed" if cb != ce else ""}><td>{_e(t)}</td><td class=oc>{_outcome(cb)}</td>'
                           f"<td class=oc>{_outcome(ce)}</td></tr>" for t, cb, ce in conds)
            parts.append('<table class="hk"><thead><tr><th>Concession condition</th><th>Baseline</th>'
                         f"<th>Extension</th></tr></thead><tbody>{crow}</tbody></table>")
        deemed = c.deemed(label)
        if deemed:
            drow = "".join(f"<tr><td>{_e(w)}</td>{_amt(vb)}{_amt(ve)}</tr>" for w, vb, ve in deemed)
            parts.append('<table class="hk"><thead><tr><th>Deemed assessable profits (s.20AX)</th>'
                         f'<th class="amt">Baseline</th><th class="amt">Extension</th></tr></thead><tbody>{drow}'
                         "</tbody></table>")
        diffs = [d for d in c.differences if d.year == label]
        if diffs:
            items = "".join(f"<li><b>{_e(figure_label(d.figure))}</b>: {_e(fmt_hkd(d.baseline))} → "
                            f"{_e(fmt_hkd(d.extension))}, because of {c.causes_html(d.causes)}</li>" for d in diffs)
            parts.append(f"<p><b>Why they differ</b></p><ul>{items}</ul>")
    if not c.differences:
        parts.append("<p>No figure differs: the extension changes nothing for these facts.</p>")
    body = "".join(parts)
    return _wrap(body) if with_style else f'<div class="hkvatax">{body}</div>'


# ---------------------------------------------------------------------------------------------- ledger, years
@isolated
def ledger_html(result: LedgerResult, *, limit: int = 200, with_style: bool = True) -> str:
    """The ledger's disposals (the first ``limit``), per-year totals reconciled to the cent, and the pools.

    Examples:
        >>> from hkvatax import match_scenario
        >>> from hkvatax.examples import example_path
        >>> from hkvatax.io import load_scenario
        >>> html = ledger_html(match_scenario(load_scenario(example_path("corporation"))), limit=10)
        >>> html.startswith('<div class="hkvatax">'), "BTC" in html
        (True, True)
    """
    from ..periods import to_hk

    rows = []
    for d in result.disposals[:limit]:
        hd = d.holding_days
        rows.append(f"<tr><td>{_e(d.disposal_id)}</td><td>{_e(d.year.label)}</td>"
                    f"<td>{_e(to_hk(d.timestamp).date().isoformat())}</td><td>{_e(d.kind)}</td><td>{_e(d.asset)}</td>"
                    f'<td class="amt">{_e(fmt_qty(d.quantity))}</td>{_amt(d.proceeds_hkd)}{_amt(d.cost_hkd)}'
                    f'{_amt(d.gain_hkd)}<td class="amt">{_e("" if hd is None else fmt_fixed(hd, 1))}</td></tr>')
    more = len(result.disposals) - limit
    if more > 0:
        rows.append(f'<tr><td colspan="10" class="muted">… and {more} more disposals (to_frames() has them all)'
                    "</td></tr>")
    parts = [f"<h3>Ledger: {len(result.disposals)} disposals from {result.event_count} events</h3>",
             '<table class="hk"><thead><tr><th>Disposal</th><th>YA</th><th>Date (HKT)</th><th>Kind</th><th>Asset</th>'
             '<th class="amt">Quantity</th><th class="amt">Proceeds</th><th class="amt">Cost</th>'
             f'<th class="amt">Gain</th><th class="amt">Held</th></tr></thead><tbody>{"".join(rows)}</tbody></table>']
    by_year: dict[str, list[tuple[str, Decimal]]] = {}
    for d in result.disposals:
        by_year.setdefault(d.year.label, []).append((d.disposal_id, d.gain_hkd))
    for label, gains in sorted(by_year.items()):
        r = reconcile([g for _, g in gains])
        line = (f"<tr class='rounding'><td>Rounding (each disposal rounded to the cent)</td>{_amt(r.rounding)}</tr>"
                if r.rounding != 0 else "")
        parts.append(f'<table class="hk"><tbody><tr><td>{_e(label)}: {len(gains)} disposals, gains rounded to the cent'
                     f"</td>{_amt(sum(r.parts, Decimal(0)))}</tr>{line}<tr class='total'><td>Total gain {_e(label)} "
                     f"(before any tax rule)</td>{_amt(r.total)}</tr></tbody></table>")
    if result.notes:
        parts.append("<h4>Notes</h4><ul>" + "".join(f"<li><code>{_e(n.code)}</code> {_e(n.message)}</li>"
                                                    for n in result.notes) + "</ul>")
    body = "".join(parts)
    return _wrap(body) if with_style else f'<div class="hkvatax">{body}</div>'


def _branch_rows(b: BranchAssessment) -> str:
    return "".join(f"<tr><td>{_e(figure_label(k))}</td><td class='amt'>{_e(fmt_value(f.value, 'HKD'))}</td></tr>"
                   for k, f in b.figures.items())


@isolated
def year_html(ya: YearAssessment, *, with_style: bool = True) -> str:
    """One year's statement (every branch when the year is indeterminate) and its concession conditions.

    Examples:
        >>> from hkvatax import assess
        >>> from hkvatax.examples import example_path
        >>> from hkvatax.io import load_scenario
        >>> outcome = assess(load_scenario(example_path("corporation")), "2025/26")
        >>> html = year_html(outcome["2025/26"])
        >>> "Year of assessment 2025/26" in html, "150,045.00" in html
        (True, True)
    """
    character = ya.decision.character if ya.decision is not None else "not assessed"
    parts = [f"<h4>Year of assessment {_e(ya.year.label)} — {_e(character)}</h4>"]
    if ya.reason is not None:
        parts.append(f'<div class="banner"><b>Not assessed:</b> {_e(ya.reason)}.</div>')
    if ya.status == "indeterminate":
        parts.append('<div class="banner"><b>Indeterminate.</b> Supply: ' + _e(", ".join(ya.missing_facts)) + "</div>")
    for name, b in ya.branches.items():
        if len(ya.branches) > 1:
            parts.append(f"<h5>If {_e(name)}</h5>")
        parts.append('<table class="hk"><thead><tr><th>Figure</th><th class="amt">HKD</th></tr></thead>'
                     f"<tbody>{_branch_rows(b)}</tbody></table>")
        if b.conditions:
            parts.append('<table class="hk"><thead><tr><th>Concession condition</th><th>Outcome</th></tr></thead><tbody>'
                         + "".join(f"<tr><td>{_e(c.title)}</td><td>{_outcome(c.outcome)}</td></tr>" for c in b.conditions)
                         + "</tbody></table>")
    parts.append("<p class='muted'>The rules and citations behind each figure: <code>outcome.explain(year)</code>.</p>")
    body = "".join(parts)
    return _wrap(body) if with_style else f'<div class="hkvatax">{body}</div>'


@isolated
def assessment_html(a: Assessment) -> str:
    """An assessment in a notebook: its explanation at summary detail.

    Examples:
        >>> from hkvatax import assess
        >>> from hkvatax.examples import example_path
        >>> from hkvatax.io import load_scenario
        >>> outcome = assess(load_scenario(example_path("corporation")), "2025/26")
        >>> assessment_html(outcome) == outcome._repr_html_()  # what a notebook shows
        True
    """
    return explanation_html(a.explain())


def page(title: str, body: str) -> str:
    """A self-contained HTML document around already rendered fragments (no external resource).

    Examples:
        >>> html = page("Harbour Digital Ltd", "<p>statement</p>")
        >>> html.startswith("<!DOCTYPE html>"), "<title>Harbour Digital Ltd</title>" in html, "http" in html.split("<body>")[0]
        (True, True, False)
    """
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{_e(title)}</title>{_STYLE}<style>@page{{size:A4;margin:14mm}} body{{margin:0 auto;"
            "max-width:190mm;padding:8mm}} @media print{body{padding:0}}</style></head><body>"
            f"{body}</body></html>")


def register_notebook_formatters() -> None:
    """In IPython, show a :class:`LedgerResult` as :func:`ledger_html` (the ledger itself knows no renderer)."""
    import sys

    ipython_mod = sys.modules.get("IPython")
    if ipython_mod is None:
        return
    shell = ipython_mod.get_ipython()
    if shell is None:
        return
    from ..ledger.results import LedgerResult

    shell.display_formatter.formatters["text/html"].for_type(LedgerResult, ledger_html)


def _register() -> None:
    from .. import engine

    engine.VIEWS["year_html"] = year_html


_register()
