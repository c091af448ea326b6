"""The family-owned investment holding vehicle (FIHV) regime: IRO Part 6E and Schedule 16E (from 2022/23).

An eligible FIHV managed by an eligible single family office (ESFO) is charged at a concessionary rate of
0% on its assessable profits from qualifying transactions (Sch. 16C assets, carried out in Hong Kong by or
through, or arranged in Hong Kong by, the ESFO) and incidental transactions (within the 5% threshold).
Its other profits are charged at the normal rates. A family-owned special purpose entity (FSPE) gets the
0% rate in proportion to the FIHV's interest in it.

Rules: ``fihv.commencement``, ``fihv.election``, ``fihv.ownership``, ``fihv.esfo``, ``fihv.managed_in_hk``,
``fihv.business_undertaking``, ``fihv.min_assets`` (and, proposed, ``ext.fihv.min_assets``),
``fihv.substantial_activities``, ``fihv.esfo_arranges``, ``fihv.eligibility``,
``fihv.transaction.classify``, ``fihv.incidental.ratio`` / ``fihv.incidental.five_percent`` (abolished
under the extension, ``ext.incidental.abolished``), ``fihv.line.treatment``, ``fihv.concessionary_profits``,
``fihv.losses.ring_fenced`` (assumption), ``fihv.profits.by_class``, ``fihv.fspe.share``.

The Schedule 16E text itself was not available; the thresholds come from the IRD FIHV page and adviser
summaries (see ``params/concessions.toml`` and research/fihv_facts.md), and the points where sources differ
are assumptions (docs/decisions/0054-fihv-boundaries.md).

Public entry point: :func:`fihv_regime`.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from ..models.taxpayers import FamilyOffice, FspeFacts
from ..money import ZERO, exact_context, fmt_amount
from ..trace import Assumption, Citation
from .concessions import (
    A_TRADING_RECEIPTS,
    LineClass,
    classify_line,
    combine,
    condition,
    extension_applies,
    incidental_receipts,
    relief_treatment,
    sum_of_class,
)
from .extension import A_EXT_ART_TODAY, A_EXT_FIHV_VA_THRESHOLD, IN_FORCE, setting
from .lines import ConditionResult, ProfitLine, RegimeResult
from .registry import BILL, HKVATAX, IRO, Figure, Out, RuleContext, rule
from .ufe import incidental_abolished

__all__ = ["fihv_regime"]

FIHV_FROM = "2022/23"


def IRD_FIHV(section: str) -> Citation:  # noqa: N802 - reads like the citation it builds
    return Citation("IRD, Tax concessions for FIHVs (web guidance)", section,
                    "https://www.ird.gov.hk/eng/tax/bus_fihv.htm")


A_UNRELATED_BOUNDARY = Assumption(
    "A-FIHV-UNRELATED-5",
    "Unrelated persons may hold up to and including 5% in total (DLA Piper: 'does not exceed 5%'; Charles "
    "Russell says 'less than 5%'); the Sch. 16E text was not seen.",
    "override parameter fihv.unrelated_max",
)
A_ASSETS_BASIS = Assumption(
    "A-FIHV-ASSETS-BASIS",
    "The HK$240m minimum is tested on the value of specified assets the user supplies for the basis period "
    "(at least HK$240m passes); the statutory measurement basis was not found.",
    "supply specified_assets_value_hkd measured as Sch. 16E requires",
)
A_FIHV_LOSSES = Assumption(
    "A-FIHV-LOSSES",
    "Losses from transactions taxed at the 0% concessionary rate are not set off against profits taxed at the "
    "normal rates (by analogy with s.20AU for funds); the Sch. 16E loss rules were not seen.",
    None,
)
A_ESFO_SAFE_HARBOUR = Assumption(
    "A-FIHV-ESFO-SERVICES",
    "An ESFO is taken to serve the family only if at least 75% of its assessable profits come from services "
    "to the family's FIHVs, FSPEs and members (the safe harbour); below it hkvatax treats the test as failed.",
    "set services_to_family_percent",
)
A_FSPE = Assumption(
    "A-FIHV-FSPE",
    "An FSPE's profits from transactions in investee private companies and interposed FSPEs are taxed at 0% "
    "in proportion to the FIHV's interest in it; its own profit lines are not computed here.",
    None,
)


def _text(outcome: str, why: str) -> Out:
    return Out(outcome, why, unit="text")


@rule("fihv.commencement", "The FIHV regime applies to years of assessment from 2022/23",
      cite=[IRO("Part 6E"), IRD_FIHV("introduction")])
def fihv_commencement(ctx: RuleContext) -> Out:
    """The Inland Revenue (Amendment) (Tax Concessions for Family-owned Investment Holding Vehicles)
    Ordinance 2023 (in operation 19 May 2023) applies to years of assessment beginning on or after
    1 April 2022."""
    ok = ctx.year.start_year >= 2022
    return _text("met" if ok else "failed",
                 f"{ctx.year.label} {'begins on or after' if ok else 'begins before'} 1 April 2022")


@rule("fihv.election", "The FIHV has elected in writing for the concession (irrevocable)",
      cite=[IRO("Sch. 16E"), IRD_FIHV("Election Mechanism")], valid_from=FIHV_FROM)
def election(ctx: RuleContext, office: FamilyOffice) -> Out:
    """The concession applies only if the FIHV elects for it in writing; the election is irrevocable."""
    made = ctx.fact("election_made", office.fihv.election_made)
    if office.fihv.election_date:
        ctx.fact("election_date", office.fihv.election_date.isoformat())
    if made is None:
        return _text("unknown", "supply election_made")
    return _text("met" if made else "failed", "election made" if made else "no election made")


def _ownership(ctx: RuleContext, who: str, family: Decimal | None, charity: Decimal | None,
               unrelated: Decimal | None) -> Out:
    floor = ctx.param("fihv.family_ownership_min")
    ctx.fact(f"{who}_family_ownership_percent", family)
    if family is None:
        return _text("unknown", f"supply the {who}'s family ownership")
    if family >= floor:
        return _text("met", f"family members hold {family}% (at least {floor}%)")
    charity_max = ctx.param("fihv.charity_max")
    family_floor = ctx.param("fihv.family_floor_with_charity")
    unrelated_max = ctx.param("fihv.unrelated_max")
    ctx.assume(A_UNRELATED_BOUNDARY)
    if family < family_floor:
        return _text("failed", f"family members hold {family}%: below {floor}%, and below {family_floor}% "
                     "even with a charity")
    ctx.fact(f"{who}_charity_ownership_percent", charity)
    if charity is None:
        return _text("unknown", f"family members hold {family}% (below {floor}%): supply the charity's "
                     "holding for the charity variant")
    if charity == 0:
        return _text("failed", f"family members hold {family}% (below {floor}%) and no charity holds any "
                     "interest")
    if charity > charity_max:
        return _text("failed", f"the charity holds {charity}%, more than {charity_max}%")
    if unrelated is None:
        with exact_context():
            bound = Decimal(100) - family - charity
        ctx.fact(f"{who}_unrelated_ownership_upper_bound", bound)
        if bound <= unrelated_max:
            return _text("met", f"family {family}% + charity {charity}%: unrelated persons hold at most "
                         f"{bound}% (not more than {unrelated_max}%)")
        ctx.fact(f"{who}_unrelated_ownership_percent", None)
        return _text("unknown", "supply the unrelated persons' holding")
    ctx.fact(f"{who}_unrelated_ownership_percent", unrelated)
    ok = unrelated <= unrelated_max
    return _text("met" if ok else "failed",
                 f"family {family}% (at least {family_floor}%), charity {charity}% (at most {charity_max}%), "
                 f"unrelated {unrelated}% ({'not more than' if ok else 'more than'} {unrelated_max}%)")


@rule("fihv.ownership", "Family members hold at least 95% of the FIHV (or the charity variant)",
      cite=[IRO("Sch. 16E"), IRO("Sch. 16F"), IRO("Sch. 16G"), IRD_FIHV("Ownership"),
            IRD_FIHV("Beneficial interest held by charitable institution or trust")], valid_from=FIHV_FROM)
def ownership(ctx: RuleContext, office: FamilyOffice) -> Out:
    """One or more members of a family hold, directly or indirectly, at least 95% of the beneficial interest
    in the FIHV throughout the basis period; or, where a s.88 charity holds part (at most 25%), family
    members hold at least 75% and unrelated persons at most 5% in total."""
    f = office.fihv
    return _ownership(ctx, "fihv", f.family_ownership_percent, f.charity_ownership_percent,
                      f.unrelated_ownership_percent)


@rule("fihv.esfo", "Managed by an eligible single family office",
      cite=[IRO("Sch. 16E"), IRD_FIHV("Eligible SFO"), IRD_FIHV("Management by ESFO")], valid_from=FIHV_FROM)
def esfo(ctx: RuleContext, office: FamilyOffice) -> Out:
    """The ESFO is a private company, normally managed or controlled in Hong Kong, at least 95% family-owned
    (or the charity variant), providing services to the family's FIHVs, FSPEs and members (safe harbour: at
    least 75% of its assessable profits from such services)."""
    e = office.fihv.esfo
    private = ctx.fact("esfo_is_private_company", e.is_private_company)
    managed = ctx.fact("esfo_normally_managed_or_controlled_in_hk", e.normally_managed_or_controlled_in_hk)
    own = _ownership(ctx, "esfo", e.family_ownership_percent, e.charity_ownership_percent, None)
    safe = ctx.param("fihv.esfo_services_safe_harbour")
    services = ctx.fact("esfo_services_to_family_percent", e.services_to_family_percent)
    ctx.assume(A_ESFO_SAFE_HARBOUR)
    outcomes = {
        "private company": {True: "met", False: "failed", None: "unknown"}[private],
        "managed in HK": {True: "met", False: "failed", None: "unknown"}[managed],
        "family ownership": own.value,
        f"services (at least {safe}%)": "unknown" if services is None else ("met" if services >= safe else "failed"),
    }
    outcome = combine(outcomes.values())
    return _text(outcome, "; ".join(f"{k}: {v}" for k, v in outcomes.items()) + f" ({own.explanation})")


@rule("fihv.managed_in_hk", "The FIHV is normally managed or controlled in Hong Kong",
      cite=[IRO("Sch. 16E"), IRD_FIHV("Requirements")], valid_from=FIHV_FROM)
def managed_in_hk(ctx: RuleContext, office: FamilyOffice) -> Out:
    """The FIHV is normally managed or controlled in Hong Kong in the basis period (the Committee Stage
    Amendments replaced 'central management and control')."""
    v = ctx.fact("normally_managed_or_controlled_in_hk", office.fihv.normally_managed_or_controlled_in_hk)
    if v is None:
        return _text("unknown", "supply normally_managed_or_controlled_in_hk")
    return _text("met" if v else "failed", "managed or controlled in Hong Kong" if v
                 else "not normally managed or controlled in Hong Kong")


@rule("fihv.business_undertaking", "The FIHV is not a business undertaking for general commercial or industrial "
      "purposes", cite=[IRO("Sch. 16E"), IRD_FIHV("Requirements")], valid_from=FIHV_FROM)
def business_undertaking(ctx: RuleContext, office: FamilyOffice) -> Out:
    """A business undertaking for general commercial or industrial purposes cannot be an FIHV."""
    v = ctx.fact("business_undertaking_general_commercial", office.fihv.business_undertaking_general_commercial)
    if v is None:
        return _text("unknown", "supply business_undertaking_general_commercial")
    return _text("failed" if v else "met", "a business undertaking" if v else "not a business undertaking")


@rule("fihv.min_assets", "Specified assets of at least HK$240 million managed by the ESFO",
      cite=[IRO("Sch. 16E"), IRO("Sch. 16C"), IRD_FIHV("Minimum Asset Threshold")], valid_from=FIHV_FROM)
def min_assets(ctx: RuleContext, office: FamilyOffice) -> Out:
    """The aggregate value of Sch. 16C specified assets held by the FIHVs and FSPEs the ESFO manages is at
    least HK$240 million. Virtual assets are not Sch. 16C assets under the law in force and do not count."""
    floor = ctx.param("fihv.min_specified_assets")
    value = ctx.fact("specified_assets_value_hkd", office.fihv.specified_assets_value_hkd)
    ctx.assume(A_ASSETS_BASIS)
    if value is None:
        return _text("unknown", "supply specified_assets_value_hkd")
    ok = value >= floor
    note = ""
    if not ok and office.fihv.virtual_assets_value_hkd:
        note = f" (virtual assets of HK${office.fihv.virtual_assets_value_hkd:,} do not count under the law in force)"
    return _text("met" if ok else "failed",
                 f"HK${value:,} is {'at least' if ok else 'below'} HK${floor:,}{note}")


@rule("ext.fihv.min_assets", "Proposed: qualifying assets, with the classes the extension adds, of at least "
      "HK$240 million", cite=[BILL("qualifying investments widened for FIHVs (digital assets, precious metals, "
                                   "specified commodities and others); no source says they count towards the "
                                   "HK$240m minimum", "LegCo Panel on Financial Affairs, 2 March 2026 (stheadline; "
                                   "medium); the count towards HK$240m is hkvatax's inference"),
                              IRO("Sch. 16E"), HKVATAX("docs/decisions/0072-extension-as-reported.md")],
      valid_from=FIHV_FROM, status="proposed", status_param=IN_FORCE)
def ext_min_assets(ctx: RuleContext, office: FamilyOffice, ext: Figure) -> Out:
    """Under the extension digital assets and the other new classes become qualifying investments; hkvatax
    counts them towards the HK$240m (assumption A-EXT-FIHV-VA-THRESHOLD, which the setting
    ``extension_new_classes_count_towards_fihv_240m = false`` turns off)."""
    ctx.uses(ext)
    floor = ctx.param("extension.fihv_min_specified_assets")
    spec = ctx.fact("specified_assets_value_hkd", office.fihv.specified_assets_value_hkd)
    va = office.fihv.virtual_assets_value_hkd
    other = office.fihv.other_extension_assets_value_hkd
    ctx.assume(A_ASSETS_BASIS)
    ctx.assume(A_EXT_FIHV_VA_THRESHOLD)
    counts = setting(ctx, "extension_new_classes_count_towards_fihv_240m", True) is not False
    if spec is not None and spec >= floor:
        ctx.fact("virtual_assets_value_hkd", va if va is not None else "not needed")
        return _text("met", f"HK${spec:,} of Sch. 16C assets alone reach HK${floor:,}")
    if not counts:
        if spec is None:
            return _text("unknown", "supply specified_assets_value_hkd")
        return _text("failed", f"HK${spec:,} of Sch. 16C assets is below HK${floor:,}; the new classes are not "
                     "counted (setting)")
    ctx.fact("virtual_assets_value_hkd", va)
    ctx.fact("other_extension_assets_value_hkd", other if other is not None else 0)
    if spec is None or va is None:
        return _text("unknown", "supply specified_assets_value_hkd and virtual_assets_value_hkd")
    with exact_context():
        total = spec + va + (other or 0)
    ok = total >= floor
    extra = f" + other new classes HK${other:,}" if other else ""
    return _text("met" if ok else "failed", f"HK${spec:,} + digital assets HK${va:,}{extra} = HK${total:,}, "
                 f"{'at least' if ok else 'below'} HK${floor:,}")


@rule("fihv.substantial_activities", "At least 2 qualified full-time employees and HK$2m operating expenditure "
      "in Hong Kong", cite=[IRO("Sch. 16E"), IRD_FIHV("Substantial Activities Requirement")], valid_from=FIHV_FROM)
def substantial_activities(ctx: RuleContext, office: FamilyOffice) -> Out:
    """In each year the FIHV employs in Hong Kong at least 2 full-time employees with the qualifications to
    carry out its core income-generating activities and incurs at least HK$2 million of operating
    expenditure in Hong Kong on them; both may be outsourced to the ESFO."""
    min_emp = ctx.param("fihv.min_employees")
    min_opex = ctx.param("fihv.min_opex")
    emp = ctx.fact("qualified_full_time_employees_in_hk", office.fihv.qualified_full_time_employees_in_hk)
    opex = ctx.fact("operating_expenditure_in_hk_hkd", office.fihv.operating_expenditure_in_hk_hkd)
    parts = {
        "employees": "unknown" if emp is None else ("met" if emp >= min_emp else "failed"),
        "expenditure": "unknown" if opex is None else ("met" if opex >= min_opex else "failed"),
    }
    return _text(combine(parts.values()), f"{emp} employees (at least {min_emp}): {parts['employees']}; "
                 f"HK${opex if opex is None else f'{opex:,}'} expenditure (at least HK${min_opex:,}): "
                 f"{parts['expenditure']}")


@rule("fihv.esfo_arranges", "Qualifying transactions carried out or arranged in Hong Kong by the ESFO",
      cite=[IRO("Sch. 16E"), IRD_FIHV("Qualifying and Incidental Transactions")], valid_from=FIHV_FROM)
def esfo_arranges(ctx: RuleContext, office: FamilyOffice) -> Out:
    """Qualifying transactions are transactions in Sch. 16C assets carried out in Hong Kong by or through, or
    arranged in Hong Kong by, the ESFO."""
    v = ctx.fact("transactions_arranged_by_esfo_in_hk", office.fihv.transactions_arranged_by_esfo_in_hk)
    if v is None:
        return _text("unknown", "supply transactions_arranged_by_esfo_in_hk")
    return _text("met" if v else "failed", "carried out or arranged in Hong Kong by the ESFO" if v
                 else "not carried out or arranged in Hong Kong by the ESFO")


@rule("fihv.eligibility", "An eligible FIHV", cite=[IRO("Part 6E"), IRO("Sch. 16E")], valid_from=FIHV_FROM)
def eligibility(ctx: RuleContext, conditions: Sequence[Figure]) -> Out:
    """Every condition of Sch. 16E is met for the basis period."""
    outcome = combine(c.value for c in conditions)
    return Out({"met": "yes", "failed": "no", "unknown": "unknown"}[outcome],
               ", ".join(f"{c.id.rsplit('/', 1)[-1]}: {c.value}" for c in conditions),
               unit="text")


@rule("fihv.transaction.classify", "Qualifying, incidental or non-qualifying transaction of an FIHV",
      cite=[IRO("Sch. 16E"), IRO("Sch. 16C"), IRD_FIHV("Qualifying and Incidental Transactions")],
      valid_from=FIHV_FROM)
def classify(ctx: RuleContext, line: ProfitLine, ext: Figure | None) -> Out:
    """As for funds: transactions in Sch. 16C assets are qualifying, interest and dividends on them are
    incidental; virtual assets qualify only under the proposed extension."""
    cls, why = classify_line(ctx, line, ext)
    return Out(cls, why, unit="text")


@rule("fihv.incidental.ratio", "FIHV incidental trading receipts as a share of qualifying + incidental receipts",
      cite=[IRO("Sch. 16E"), IRD_FIHV("Qualifying and Incidental Transactions")], valid_from=FIHV_FROM)
def incidental_ratio(ctx: RuleContext, lines: Sequence[ProfitLine], classes: Sequence[Figure]) -> Out:
    """The same ratio as s.20AN(4) for funds: incidental trading receipts over qualifying and incidental
    trading receipts; dividends, capital and offshore receipts left out."""
    cls_map: dict[str, LineClass] = {ln.key: c.value for ln, c in zip(lines, classes, strict=True)}
    a, b = incidental_receipts(lines, cls_map)
    ctx.fact("incidental_trading_receipts_A", a)
    ctx.fact("qualifying_and_incidental_trading_receipts_B", b)
    ctx.assume(A_TRADING_RECEIPTS)
    with exact_context():
        ratio = ZERO if b == 0 else a / b
    return Out(ratio, f"A = HK${fmt_amount(a)} ÷ B = HK${fmt_amount(b)}", unit="ratio")


@rule("fihv.incidental.five_percent", "FIHV incidental trading receipts do not exceed 5%",
      cite=[IRO("Sch. 16E"), IRD_FIHV("Qualifying and Incidental Transactions")], valid_from=FIHV_FROM)
def five_percent(ctx: RuleContext, ratio: Figure) -> Out:
    """If incidental trading receipts exceed 5%, no incidental profits get the 0% rate; exactly 5% passes."""
    limit = ctx.param("fihv.incidental_threshold")
    ok = ratio.value <= limit
    return _text("met" if ok else "failed",
                 f"ratio {ratio.value:.6%} {'does not exceed' if ok else 'exceeds'} {limit:.0%}")


_FIHV_TEXTS = {
    "excluded": "outside the charge (capital or offshore)",
    "dividend": "a dividend: not chargeable (s.26(a))",
    "not_eligible": "not an eligible FIHV: normal rates",
    "unknown": "eligibility unknown: normal rates until the missing facts are supplied",
    "qualifying": "a qualifying transaction of an eligible FIHV: 0%",
    "incidental_failed": "incidental, but incidental receipts exceed 5%: normal rates",
    "incidental": "an incidental transaction of an eligible FIHV: 0%",
    "non_qualifying": "a non-qualifying transaction: normal rates",
}


@rule("fihv.line.treatment", "0% concessionary rate, normal rates, or outside the charge",
      cite=[IRO("Part 6E"), IRO("Sch. 16E"), IRD_FIHV("Concessionary Tax Rate")], valid_from=FIHV_FROM)
def line_treatment(ctx: RuleContext, line: ProfitLine, cls: Figure, eligible: Figure, incidental: Figure) -> Out:
    """An eligible FIHV's assessable profits from qualifying transactions, and from incidental transactions
    within the 5% threshold, are charged at 0%; its other profits at the normal rates."""
    treatment, why, used = relief_treatment(ctx, line, cls, eligible, incidental, "zero_rate", _FIHV_TEXTS)
    return Out(treatment, why, unit="text", depends=used)


@rule("fihv.concessionary_profits", "Assessable profits charged at the 0% concessionary rate",
      cite=[IRO("Sch. 16E"), IRD_FIHV("Concessionary Tax Rate")], valid_from=FIHV_FROM)
def concessionary_profits(ctx: RuleContext, lines: Sequence[ProfitLine], treatments: Sequence[Figure]) -> Out:
    """The sum of the lines charged at the concessionary rate (read from parameter fihv.concessionary_rate)."""
    rate = ctx.param("fihv.concessionary_rate")
    total = ZERO
    with exact_context():
        for ln, t in zip(lines, treatments, strict=True):
            if t.value == "zero_rate":
                ctx.uses(ln.figure)
                total += ln.amount
    return Out(total, f"sum of the lines charged at {rate:.0%}")


@rule("fihv.losses.ring_fenced", "Losses on 0%-rate transactions are not set off against normal-rate profits",
      cite=[IRO("Sch. 16E"), IRD_FIHV("Losses Sustained by FIHVs or FSPEs"),
            HKVATAX("docs/decisions/0054-fihv-boundaries.md")], valid_from=FIHV_FROM, status="assumption")
def losses_ring_fenced(ctx: RuleContext, lines: Sequence[ProfitLine], treatments: Sequence[Figure]) -> Out:
    """Losses on transactions whose profits are charged at 0% stay with the concessionary profits (by
    analogy with s.20AU); they do not reduce profits charged at the normal rates."""
    ctx.assume(A_FIHV_LOSSES)
    total = ZERO
    with exact_context():
        for ln, t in zip(lines, treatments, strict=True):
            if t.value == "zero_rate" and ln.amount < 0:
                ctx.uses(ln.figure)
                total += -ln.amount
    return Out(total, "losses on 0%-rate lines: not available against normal-rate profits")


@rule("fihv.profits.by_class", "FIHV profits by class of transaction", cite=[IRO("Sch. 16E")], valid_from=FIHV_FROM)
def profits_by_class(ctx: RuleContext, lines: Sequence[ProfitLine], classes: Sequence[Figure], which: str) -> Out:
    """The sum of the lines of one class: qualifying + incidental + non-qualifying + excluded = all lines."""
    return Out(sum_of_class(ctx, lines, classes, which), f"sum of the {which.replace('_', '-')} lines",
               label=f"fihv.profits.{which}")


@rule("fihv.fspe.share", "Share of an FSPE's qualifying profits charged at 0%",
      cite=[IRO("Sch. 16E"), IRO("Sch. 16I"), IRD_FIHV("FSPEs")], valid_from=FIHV_FROM)
def fspe_share(ctx: RuleContext, fspe: FspeFacts, eligible: Figure) -> Out:
    """A family-owned special purpose entity (held wholly or partly by the FIHV, solely to hold and administer
    investee private companies or other FSPEs) is charged at 0% on its profits from transactions in them, in
    proportion to the FIHV's beneficial interest in it."""
    ctx.assume(A_FSPE)
    ctx.fact("fspe", fspe.name)
    pct = ctx.fact("fihv_interest_percent", fspe.fihv_interest_percent)
    only = ctx.fact("holds_only_investee_private_companies", fspe.holds_only_investee_private_companies)
    if eligible.value != "yes":
        return Out(ZERO, "the FIHV is not (or not shown to be) eligible", unit="ratio")
    if only is None:
        return Out(ZERO, "supply holds_only_investee_private_companies: share 0 until then",
                   unit="ratio")
    if not only:
        return Out(ZERO, "not an FSPE: it does more than hold investee private companies or FSPEs", unit="ratio")
    with exact_context():
        share = pct / 100
    return Out(share, f"{pct}% of its qualifying profits at 0%", unit="ratio")


def fihv_regime(ctx: RuleContext, office: FamilyOffice, lines: Sequence[ProfitLine], *,
                extension: bool) -> RegimeResult:
    """Decide the FIHV concession for one year of assessment (call once per tracer, scenario and year).

    Treatments: ``zero_rate`` (qualifying and incidental lines of an eligible FIHV), ``assessable`` (normal
    rates), ``excluded`` (capital, offshore, dividends).
    """
    keys = [ln.key for ln in lines]
    if len(set(keys)) != len(keys):
        raise ValueError("profit lines must have distinct keys")
    start = fihv_commencement(ctx)
    if start.value != "met":
        return RegimeResult(
            regime="fihv", eligible="no", conditions=(condition(ctx, start),),
            treatments={ln.key: ("excluded" if ln.character == "capital" or ln.offshore else "assessable")
                        for ln in lines},
            reasons={ln.key: start for ln in lines}, notes=("the FIHV regime applies from 2022/23",))
    ext = extension_applies(ctx, extension, key="fihv") if extension else None
    ext_on = bool(ext is not None and ext.value)
    tests = [election(ctx, office), ownership(ctx, office), esfo(ctx, office), managed_in_hk(ctx, office),
             business_undertaking(ctx, office),
             ext_min_assets(ctx, office, ext) if ext_on and ext is not None else min_assets(ctx, office),
             substantial_activities(ctx, office), esfo_arranges(ctx, office)]
    conds: list[ConditionResult] = [condition(ctx, t) for t in tests]
    elig = eligibility(ctx, tests)

    classes = [classify(ctx, ln, ext, key=ln.key) for ln in lines]
    ratio = incidental_ratio(ctx, lines, classes)
    if ext_on and ext is not None:
        incidental = incidental_abolished(ctx, ext, "fihv")
    else:
        incidental = five_percent(ctx, ratio)
        conds.append(condition(ctx, incidental))
    treats = [line_treatment(ctx, ln, c, elig, incidental, key=ln.key) for ln, c in zip(lines, classes, strict=True)]
    zero = concessionary_profits(ctx, lines, treats)
    extra: dict[str, Figure] = {
        "eligibility": elig, "incidental_ratio": ratio, "incidental_test": incidental,
        "losses_ring_fenced": losses_ring_fenced(ctx, lines, treats),
    }
    for which in ("qualifying", "incidental", "non_qualifying", "excluded"):
        extra[f"profits.{which}"] = profits_by_class(ctx, lines, classes, which)
    if ext is not None:
        extra["extension"] = ext
    if elig.value == "yes":
        # outgoings not tied to an asset follow trading receipts between 0%-rate and normal-rate profits
        from .ufe import outgoings_share

        extra["outgoings_assessable_share"] = outgoings_share(ctx, lines, treats)
    for fspe in office.fihv.fspes:
        extra[f"fspe_zero_rate_share[{fspe.name}]"] = fspe_share(ctx, fspe, elig, key=fspe.name)
    notes: list[str] = []
    if elig.value == "unknown":
        missing = sorted({m for c in conds for m in c.missing})
        notes.append("eligibility unknown: every line is charged at the normal rates until these facts are "
                     "supplied: " + ", ".join(missing))
    if office.fihv.fspes:
        notes.append("FSPEs are separate taxpayers: their 0% share is given in extra['fspe_zero_rate_share[...]']")
        if ext_on:
            ctx.tracer.assume(A_EXT_ART_TODAY)
            notes.append("FSPE rules under the extension: relaxation announced but not yet published: today's rules "
                         "applied (A-EXT-ART-TODAY)")
    return RegimeResult(
        regime="fihv", eligible=elig.value, conditions=tuple(conds),
        treatments={ln.key: t.value for ln, t in zip(lines, treats, strict=True)},
        reasons={ln.key: t for ln, t in zip(lines, treats, strict=True)},
        exempt_total=zero, notes=tuple(notes), extra=extra,
    )
