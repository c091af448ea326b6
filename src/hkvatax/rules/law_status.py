"""The unsettled points of law hkvatax depends on, rendered as docs/law-status.md (a test fails when stale).

Regenerate with ``python -m hkvatax.rules.law_status > docs/law-status.md``. Each point names its source, the
date it was checked, a confidence and what the library does meanwhile; the lists that follow are built from
the rule registry, the parameter tables and the assumptions the rules record, so nothing proposed or assumed
can be left out.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass

from ..trace import Assumption
from .catalogue import load_all_rules
from .params import default_params
from .registry import beyond_tables

__all__ = ["POINTS", "Point", "all_assumptions", "render_law_status"]

CHECKED = "2026-12-01"


@dataclass(frozen=True)
class Point:
    topic: str
    position: str  # what the sources say (or that nothing was found)
    source: str
    confidence: str  # high | medium-high | medium | low | none found
    library: str  # what hkvatax does meanwhile
    checked: str = CHECKED


POINTS: tuple[Point, ...] = (
    Point("2026 Bill: status", "Gazetted 12 June 2026; no reading, passage, Ordinance or commencement found",
          "conventuslaw.com/?p=136587; searches of news.gov.hk, info.gov.hk, Big-4 (EN/ZH)", "medium-high",
          "every ext.* rule is proposed; parameter extension.in_force (value 0, proposed) is the one switch to "
          "enacted (decision 0050)"),
    Point("2026 Bill: first year", "Government: if passed, effect from the year of assessment 2025/26 (2 Mar 2026)",
          "stheadline, HK01, UDN reports of the LegCo Panel on Financial Affairs", "medium",
          "setting extension_first_year, default 2025/26 (A-EXT-FIRST-YEAR)"),
    Point("New qualifying classes", "Non-HK immovable property; carbon credits, emission allowances and "
          "derivatives; insurance-linked securities; interests in non-corporate private entities; loans and private "
          "credit; digital assets; precious metals; specified commodities", "2025-26 and 2026-27 Budgets (EY, PwC); "
          "LegCo Panel 2 Mar 2026 (stheadline)", "medium-high",
          "ExtensionClass on an asset or stated line; qualifying only under the extension (decision 0072)"),
    Point("'Digital asset' definition", "The Bill's definition was not found; the 2026 term is 'digital assets' "
          "(數字資產), not 'virtual assets'", "stheadline 10 Feb and 2 Mar 2026", "none found",
          "assets flagged is_virtual_asset (AMLO s.53ZRA) or stated in the class (A-EXT-VA-DEFINITION)"),
    Point("Stablecoins", "Stablecoins Ordinance (Cap. 656) in force 1 Aug 2025; no tax provision; whether a stablecoin "
          "is a digital asset under the Bill is unknown", "Clyde & Co; FutureCFO", "medium-high (in force); none "
          "found (tax)", "follow the virtual-asset flag unless digital_asset_stablecoins = exclude "
          "(A-EXT-DA-STABLECOINS)"),
    Point("NFTs", "Not addressed by any source", "—", "none found",
          "follow the virtual-asset flag unless digital_asset_nfts = exclude (A-EXT-DA-NFTS)"),
    Point("5% incidental threshold", "To be abolished for funds, FIHVs and SPEs 'as long as profits are derived from "
          "qualifying investments and meet specified conditions'; the conditions and mechanism were not found",
          "stheadline, UDN 2 Mar 2026; threfunds (low-medium)", "medium",
          "no 5% test under the extension; conditions taken as met (A-EXT-INCIDENTAL-CONDITIONS), or unknown by "
          "setting"),
    Point("Staking and lending rewards", "No source says they are incidental transactions under the extension",
          "—", "none found", "treated as incidental on a qualifying asset (A-CONC-INCIDENTAL-LINES)"),
    Point("FIHV HK$240m and the new classes", "No source says digital assets or other new classes count; no change "
          "to the HK$240m reported", "—", "none found",
          "counted (A-EXT-FIHV-VA-THRESHOLD; setting extension_new_classes_count_towards_fihv_240m)"),
    Point("Fund definition and excepted funds", "Pension funds, endowment funds of s.88 charities, sole government / "
          "central bank / international organisation investor, single investor with not less than HK$240m and no "
          "day-to-day control; these and sovereign wealth funds need no specified person", "Conventus Law",
          "medium-high", "ext.ufe.fund.excepted (decision 0051)"),
    Point("Funds' substance and reporting", "A substantial-activities requirement (local employees and expenditure) "
          "and a tax-reporting mechanism; thresholds not published", "HK01 2 Mar 2026; PwC Nov 2024", "medium",
          "facts fund.extension_substantial_activities_met / extension_tax_reporting_complied; missing ⇒ unknown "
          "(A-EXT-SUBSTANCE, decision 0073)"),
    Point("SPE and anti-round-tripping relaxation", "To be relaxed; no figures (whether the 30% trigger changes is "
          "not stated); nothing on FSPEs", "UDN, stheadline 2 Mar 2026", "medium",
          "not yet published: today's rules applied, said in the outcome (A-EXT-ART-TODAY)"),
    Point("Private-company tests (ss.20AP/20AQ)", "No change reported", "—", "none found", "applied unchanged"),
    Point("Carried interest under the Bill", "HKMA certification removed; hurdle-rate reference deleted; carry from "
          "all qualifying investments", "UDN/stheadline 2 Mar 2026; KPMG and PwC on the consultation", "medium",
          "ext.ci.eligible beside ci.eligible (decision 0075)"),
    Point("Carried interest: charging section", "The IRO section that charges eligible carried interest at 0% was "
          "not read", "KWM, LexisNexis, Dechert notes on the 2021 Ordinance", "medium",
          "rules cite Sch. 16D and the 2021 Ordinance"),
    Point("Schedule 16E text", "Not read; FIHV thresholds from the IRD FIHV page and adviser summaries",
          "IRD FIHV page; DLA Piper; EY; Charles Russell", "medium",
          "A-FIHV-* assumptions (decision 0054)"),
    Point("Losses of partnerships", "Partnership losses are the partners' (s.19C(2), (5); DIPN 8 paras 8-9, 13)",
          "DIPN 8 (Sept 2009)", "high", "set off as one pool (A-LOSSES-PARTNERSHIP-SHARES, decision 0071)"),
    Point("Losses of individuals and trustees", "Same trade only; not if personal assessment elected (s.19C(1), "
          "(6)(e); DIPN 8 paras 7, 10, 16)", "DIPN 8 (Sept 2009)", "high",
          "fact losses_brought_forward_same_trade, else A-LOSSES-SAME-TRADE; personal assessment not computed"),
    Point("Unincorporated two-tier rates: Sch. 1 or Sch. 8", "Not checked against the Ordinance", "—", "none found",
          "cites s.14 and Sch. 1 (decision 0006)"),
    Point("Standard rates 16.5% / 15% from 2008/09", "Not re-verified (archived rate table stops at 1997)",
          "IRD tax rates table", "medium", "parameters enacted as cited"),
    Point("s.14AAC: half-rate regimes excluded", "The provision for that exclusion was not verified",
          "elegislation extract (s.14AAC)", "medium", "pt.rates.two_tier.eligible as cited"),
    Point("One-off reductions 2018/19 and 2020/21", "Bills gazetted; passage not seen", "government-world.com; "
          "htsyndication.com relays", "medium", "enacted, as every later source treats them"),
    Point("One-off reduction 2025/26", "Proposed in the 2026-27 Budget (100%, cap HK$3,000); enactment not found",
          "IRD FAQ budget2026_27; budget.gov.hk", "high (proposal)", "parameter status proposed"),
    Point("One-off reduction 2026/27", "None announced", "IRD FAQ budget2026_27", "high",
          "0, status assumption"),
    Point("DIPN 39 para 43", "'No specific legislation for digital assets' is stale (AMLO VASP regime 1 Jun 2023; "
          "Cap. 656 1 Aug 2025); no later DIPN 39 revision found", "DIPN 39 (Mar 2020)", "medium",
          "not quoted as current"),
    Point("CARF and amended CRS", "Bills gazetted (CARF from 1 Jan 2027; amended CRS 1 Jan 2028); enactment not found",
          "PwC May 2026; info.gov.hk 9 Dec 2025", "high", "reporting duties, not profits tax: not modelled"),
    Point("Pillar Two", "IIR and HKMTT for fiscal years from 1 Jan 2025 (EUR 750m groups); UTPR deferred",
          "KPMG May 2025", "high", "not modelled (out of scope for a single entity's profits tax)"),
    Point("Onshore equity disposal safe harbour", "From 1 Jan 2024 (15% held 24 months); tokenised shares not "
          "addressed", "IRD bus_taxcertainty page", "high", "not modelled"),
)


def all_assumptions() -> dict[str, Assumption]:
    """Every assumption the library defines: module-level :class:`Assumption` constants, and the one built for a
    parameter store (:func:`~hkvatax.rules.registry.beyond_tables`)."""
    import hkvatax

    found: dict[str, Assumption] = {}
    for info in pkgutil.walk_packages(hkvatax.__path__, "hkvatax."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if isinstance(value, Assumption):
                found.setdefault(value.id, value)
    projected = beyond_tables(default_params())  # built for a parameter store (its text names the last year)
    found.setdefault(projected.id, projected)
    return dict(sorted(found.items()))


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "/")


def render_law_status() -> str:
    out = [
        "# Law status: every unsettled point",
        "",
        "Generated (`python -m hkvatax.rules.law_status > docs/law-status.md`); a test fails when this file is "
        "stale, or when a proposed rule, a non-enacted parameter or an assumption is missing from it. "
        f"Sources checked {CHECKED} (docs/decisions/0070, /work/shared/domain/law-review-2026-12.md).",
        "",
        "## Points",
        "",
        "| topic | what the sources say | source | checked | confidence | what hkvatax does |",
        "|---|---|---|---|---|---|",
    ]
    for p in POINTS:
        out.append(f"| {_cell(p.topic)} | {_cell(p.position)} | {_cell(p.source)} | {p.checked} | "
                   f"{_cell(p.confidence)} | {_cell(p.library)} |")
    out += ["", "## Rules that are proposed or assumptions", "", "| rule | status | citations |", "|---|---|---|"]
    for r in load_all_rules().values():
        if r.status != "enacted":
            follows = f" (follows `{r.status_param}`)" if r.status_param else ""
            out.append(f"| `{r.id}` | {r.status}{follows} | {_cell('; '.join(str(c) for c in r.citations))} |")
    out += ["", "## Parameters that are not enacted", "", "| parameter | years | value | status | citation |",
            "|---|---|---|---|---|"]
    params = default_params()
    for path in params.paths():
        for e in params.entries(path):
            if e.status != "enacted":
                years = f"{e.valid_from.label}–{e.valid_to.label if e.valid_to else 'onward'}"
                out.append(f"| `{path}` | {years} | {e.value} | {e.status} | {_cell(e.citation)} |")
    out += ["", "## Assumptions", "", "| id | position taken | how to change it |", "|---|---|---|"]
    for a in all_assumptions().values():
        out.append(f"| `{a.id}` | {_cell(a.text)} | {_cell(a.how_to_change or '—')} |")
    return "\n".join(out) + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(render_law_status(), end="")
