"""The client report: one self-contained HTML page, printable to PDF (``hkvatax report FILE --out report.html``).

Sections: the taxpayer and the years; tax by year under the law in force and under the proposed extension
(table and chart); each year's statement with its concession conditions and per-asset schedules; the
comparison with the causes of each difference; the assumptions; the full trace behind a fold; a price and
conversion appendix (every rate used, with its time and source); the sources cited, linked. No script,
no external file, no web font: the page renders the same offline and on paper (A4).
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

from ..money import fmt_exact, fmt_hkd, isolated
from ..trace import Citation
from .html import citation_html, comparison_html, explanation_html, page

if TYPE_CHECKING:
    from ..compare import Comparison
    from ..models.scenario import Scenario
    from ..rules.params import ParamStore

__all__ = ["report_html", "tax_by_year", "tax_chart_svg"]

_e = html.escape


def tax_by_year(c: Comparison) -> list[tuple[str, Decimal | None, Decimal | None]]:
    """(year, baseline tax payable, extension tax payable); None where a year is indeterminate.

    Examples:
        >>> from hkvatax import compare
        >>> from hkvatax.examples import example_path
        >>> from hkvatax.io import load_scenario
        >>> comparison = compare(load_scenario(example_path("family_office")))
        >>> tax_by_year(comparison)
        [('2025/26', Decimal('1597533'), Decimal('0'))]
    """
    return [(label, ya.tax_payable, c.extension.years[label].tax_payable) for label, ya in c.baseline.years.items()]


def tax_chart_svg(rows: list[tuple[str, Decimal | None, Decimal | None]]) -> str:
    """Tax payable by year, baseline against extension, as an inline SVG bar chart (drawn here, no library).

    Examples:
        >>> from hkvatax import compare
        >>> from hkvatax.examples import example_path
        >>> from hkvatax.io import load_scenario
        >>> comparison = compare(load_scenario(example_path("family_office")))
        >>> svg = tax_chart_svg(tax_by_year(comparison))
        >>> svg.startswith("<svg"), "2025/26" in svg
        (True, True)
    """
    values = [v for _, b, x in rows for v in (b, x) if v is not None]
    top = max(values, default=Decimal(0)) or Decimal(1)
    width, height, pad, label_h = 640, 220, 40, 36
    n = max(len(rows), 1)
    slot = (width - pad) / n
    bar = min(slot / 3, 60.0)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height + label_h}" role="img" '
             f'aria-label="Tax payable by year: baseline and extension" style="width:100%;max-width:{width}px">',
             f'<line x1="{pad}" y1="{height}" x2="{width}" y2="{height}" stroke="#57606a"/>']
    for i, (label, b, x) in enumerate(rows):
        x0 = pad + i * slot + (slot - 2 * bar) / 2
        for j, (v, colour) in enumerate(((b, "#0969da"), (x, "#bf8700"))):
            h = 0.0 if v is None else float(v / top) * (height - 30)
            xs = x0 + j * bar
            parts.append(f'<rect x="{xs:.1f}" y="{height - h:.1f}" width="{bar - 4:.1f}" height="{h:.1f}" '
                         f'fill="{colour}"><title>{_e(label)} {"baseline" if j == 0 else "extension"}: '
                         f"{_e(fmt_hkd(v))}</title></rect>")
            parts.append(f'<text x="{xs + (bar - 4) / 2:.1f}" y="{height - h - 4:.1f}" font-size="10" '
                         f'text-anchor="middle" fill="#1b1f23">{_e(fmt_hkd(v))}</text>')
        parts.append(f'<text x="{x0 + bar:.1f}" y="{height + 16}" font-size="12" text-anchor="middle">{_e(label)}</text>')
    parts.append(f'<rect x="{pad}" y="{height + 24}" width="10" height="10" fill="#0969da"/>'
                 f'<text x="{pad + 14}" y="{height + 33}" font-size="11">baseline (law in force)</text>'
                 f'<rect x="{pad + 170}" y="{height + 24}" width="10" height="10" fill="#bf8700"/>'
                 f'<text x="{pad + 184}" y="{height + 33}" font-size="11">va_extension (proposed)</text></svg>')
    return "".join(parts)


def _sources(citations: Iterable[Citation]) -> str:
    seen: dict[str, Citation] = {}
    for c in citations:
        seen.setdefault(str(c), c)
    return "<ul>" + "".join(f"<li>{citation_html(c)}</li>" for _, c in sorted(seen.items())) + "</ul>"


@isolated
def report_html(scenario: Scenario, years: str | None = None, *, extension_first_year: str = "2025/26",
                params: ParamStore | None = None) -> str:
    """The client report of ``scenario`` as one self-contained HTML document.

    >>> from hkvatax.examples import example_path
    >>> from hkvatax.io import load_scenario
    >>> page = report_html(load_scenario(example_path("corporation")))
    >>> page.startswith("<!DOCTYPE html>") and "Tax payable" in page and "<script" not in page
    True
    """
    from .. import __version__
    from ..compare import compare

    c = compare(scenario, years, extension_first_year=extension_first_year, params=params)
    tp = scenario.taxpayer
    ledger = c.baseline.full_ledger()
    detail = "full" if ledger is not None else "per_asset"
    statement = c.baseline.explain(detail="per_asset")
    full = c.baseline.explain(detail=detail)
    rows = tax_by_year(c)
    summary = "".join(f"<tr><td>{_e(label)}</td><td class='amt'>{_e(fmt_hkd(b))}</td><td class='amt'>{_e(fmt_hkd(x))}"
                      f"</td></tr>" for label, b, x in rows)
    conversions = []
    if ledger is not None:
        for d in ledger.disposals:
            for conv in d.conversions:
                conversions.append(f"<tr><td>{_e(d.disposal_id)}</td><td>{_e(conv.base)}→{_e(conv.quote)}</td>"
                                   f"<td class='amt'>{_e(fmt_exact(conv.rate))}</td><td>{_e(conv.at.isoformat())}</td>"
                                   f"<td>{_e(conv.source)}</td></tr>")
    rates = "".join(f"<tr><td>{_e(r.base)}→{_e(r.quote)}</td><td class='amt'>{_e(fmt_exact(r.rate))}</td>"
                    f"<td>{_e(r.at.isoformat())}</td><td>{_e(r.source)}</td></tr>" for r in scenario.rates)
    cites = [ct for n in full.nodes.values() for ct in n.citations]
    body = [
        "<div class='hkvatax'>",
        f"<h2>Profits tax on virtual assets — {_e(tp.name)}</h2>",
        f"<p><b>Taxpayer:</b> {_e(tp.name)} ({_e(tp.kind)}). <b>Years of assessment:</b> "
        f"{_e(', '.join(c.baseline.years))}. <b>Prepared with</b> hkvatax {_e(__version__)}; every figure below "
        "names its rule and legal authority, and the inputs and assumptions it rests on.</p>",
        "<div class='banner'>The <code>va_extension</code> column applies the <b>proposed</b> extension of the fund "
        "and family-office concessions to virtual assets (Bill gazetted 12 June 2026, not confirmed in force) from "
        f"{_e(extension_first_year)}. The law in force is the baseline.</div>",
        "<h3>Tax payable by year</h3>",
        "<table class='hk'><thead><tr><th>Year of assessment</th><th class='amt'>Baseline (HKD)</th>"
        f"<th class='amt'>Extension (HKD)</th></tr></thead><tbody>{summary}</tbody></table>",
        tax_chart_svg(rows),
        "<h3>Statements under the law in force</h3>",
        explanation_html(statement, with_style=False),
        "<h3>Baseline against the proposed extension</h3>",
        comparison_html(c, with_style=False),
        "<h3>Full trace</h3>",
        "<details><summary>Every figure, rule, input row and parameter behind the statements (detail "
        f"<code>{_e(detail)}</code>)</summary>{explanation_html(full, with_style=False)}</details>",
        "<h3>Appendix: prices and conversions</h3>",
    ]
    if rates:
        body.append("<table class='hk'><thead><tr><th>Rate</th><th class='amt'>Value</th><th>At</th><th>Source</th>"
                    f"</tr></thead><tbody>{rates}</tbody></table>")
    if conversions:
        body.append("<table class='hk'><thead><tr><th>Disposal</th><th>Conversion</th><th class='amt'>Rate</th>"
                    f"<th>At</th><th>Source</th></tr></thead><tbody>{''.join(conversions)}</tbody></table>")
    if not rates and not conversions:
        body.append("<p>Every amount was given in HKD: no conversion was needed.</p>")
    body += ["<h3>Sources</h3>", _sources(cites), "</div>"]
    return page(f"hkvatax report — {tp.name}", "".join(body))
