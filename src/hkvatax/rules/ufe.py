"""The unified fund exemption (UFE): IRO ss.20AM–20AY, Schedules 15C, 15D and 16C; DIPN 61.

Steps, each a registered rule with its citation:

1. ``ufe.commencement`` — years of assessment beginning on or after 1 April 2019.
2. Is it a fund? ``ufe.fund.definition`` (the three limbs of s.20AM(2), or a sovereign wealth fund,
   s.20AM(4)); ``ufe.fund.exclusions`` (s.20AM(5)); ``ufe.fund.business_undertaking`` (s.20AM(6)-(7)).
   Under the proposed extension, ``ext.ufe.fund.excepted`` widens the definition (pension funds,
   endowments, funds whose sole investor is a government body, single-investor arrangements managing at
   least HK$240m) and lets these "excepted funds" (with sovereign wealth funds) skip the gateway.
3. The gateway (s.20AN(2), (6); DIPN 61 paras 80–93): ``ufe.gateway.specified_person`` or
   ``ufe.gateway.qualified_investment_fund`` (``ufe.qif.investors`` > 4, ``ufe.qif.commitments`` > 90%,
   ``ufe.qif.originator_share`` not more than 30%); combined in ``ufe.gateway``.
4. ``ufe.transaction.classify`` — each profit line is qualifying (Sch. 16C; under the extension also a
   virtual asset), incidental, non-qualifying or excluded (capital / offshore).
5. ``ufe.incidental.ratio`` and ``ufe.incidental.five_percent`` — s.20AN(4), DIPN 61 paras 76–79: if
   incidental trading receipts exceed 5% of qualifying + incidental trading receipts, *all* incidental
   profits are chargeable. Abolished under the extension (``ext.incidental.abolished``).
6. ``ufe.line.treatment`` — exempt / assessable / excluded per line; ``ufe.exempt_profits``;
   ``ufe.losses.no_carry_forward`` (s.20AU: losses on exempt transactions are never set off);
   ``ufe.profits.by_class``; ``ufe.outgoings.assessable_share`` (assumption, for common outgoings).
7. Anti-round-tripping (ss.20AW–20AY, Sch. 15C/15D; DIPN 61 paras 135–173): ``ufe.art.widely_held``,
   ``ufe.art.interest_days``, ``ufe.art.deemed_profits``, ``ufe.art.spe_deemed_profits``,
   ``ufe.art.deemed_total``, and the helper ``ufe.art.indirect_interest``.

Public entry points: :func:`ufe_regime` and :func:`ufe_deemed_profits`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from ..models.taxpayers import FundType, InterestPeriod, PrivateFund, ResidentInvestor, SpeFacts
from ..money import ONE, ZERO, exact_context, fmt_amount
from ..trace import Assumption
from .concessions import (
    A_DIVIDENDS,
    A_TRADING_RECEIPTS,
    LineClass,
    classify_line,
    combine,
    condition,
    extension_applies,
    incidental_receipts,
    is_dividend,
    relief_treatment,
    sum_of_class,
)
from .extension import A_EXT_ART_TODAY, A_EXT_INCIDENTAL_CONDITIONS, A_EXT_SUBSTANCE, IN_FORCE, setting
from .lines import ConditionResult, ProfitLine, RegimeResult, Treatment
from .registry import BILL, DIPN, HKVATAX, IRO, Figure, Out, RuleContext, rule

__all__ = ["ufe_regime", "ufe_deemed_profits", "ArtResult", "EXCEPTED_BY_EXTENSION"]

UFE_FROM = "2019/20"

#: Fund types that the proposed extension makes "excepted funds" (with sovereign wealth funds).
EXCEPTED_BY_EXTENSION = (FundType.PENSION, FundType.ENDOWMENT, FundType.GOVERNMENT_INVESTOR,
                         FundType.SINGLE_INVESTOR)

A_PENSION_BASELINE = Assumption(
    "A-UFE-PENSION-BASELINE",
    "Under the law in force a pension fund is not treated as a fund for the UFE: employee benefit schemes are "
    "excluded by s.20AM(5) and DIPN 61 para 58 footnote 11 says pension funds other than MPF/ORSO schemes "
    "are generally chargeable (they may be exempt under s.20AC or s.26A(1A) instead).",
    "describe the arrangement as fund_type 'ordinary' and supply the s.20AM(2) facts if it is not a pension scheme",
)
A_ART_PERIOD = Assumption(
    "A-UFE-ART-PERIOD",
    "Deemed profits (Sch. 15C/15D) are computed over the days of the fund's accounting period that is the "
    "basis period for the year of assessment (D = its days, C = its exempt profits); where a resident "
    "person's year of assessment spans two fund accounting periods, each period is attributed to the year "
    "for which it is the fund's basis period.",
    None,
)
A_ART_ASSOCIATE_FUND = Assumption(
    "A-UFE-ART-ASSOCIATE-FUND",
    "Where the fund is an associate of the resident person (s.20AX(3)), the deemed profits are the person's "
    "own beneficial interest (B in Sch. 15C) times the fund's exempt profits; DIPN 61 Appendix 5 Example 5.4 "
    "says 'all profits'.",
    "set art_associate_fund_share = \"all\" to deem all the fund's exempt profits",
)
A_WIDELY_HELD_BENCHMARK = Assumption(
    "A-UFE-WIDELY-HELD-BENCHMARK",
    "A fund that meets both DIPN 61 para 171 benchmarks (at least 50 holders; no fewer than 21 holders "
    "needed to reach 75%) is taken to satisfy the Commissioner that it is bona fide widely held.",
    "set bona_fide_widely_held_accepted",
)
A_COMMON_OUTGOINGS = Assumption(
    "A-UFE-COMMON-OUTGOINGS",
    "Outgoings not tied to an asset are apportioned between exempt and chargeable profits by trading "
    "receipts.",
    None,
)


def _num(x: Decimal) -> str:
    """A decimal without exponent notation (50, not 5E+1)."""
    return format(x.normalize(), "f")


def _need(ctx: RuleContext, name: str, value: object) -> object:
    """Record a fact; ``None`` marks it missing (see :func:`condition`)."""
    return ctx.fact(name, value)


def _any_of(outcomes: Sequence[str]) -> str:
    if "met" in outcomes:
        return "met"
    if "unknown" in outcomes:
        return "unknown"
    return "failed"


# --------------------------------------------------------------------------------------------------
# 1. commencement and the fund definition
# --------------------------------------------------------------------------------------------------


@rule("ufe.commencement", "The unified fund exemption applies to years of assessment from 2019/20",
      cite=[IRO("s.20AN"), DIPN(61, "para 34 (years of assessment commencing on or after 1 April 2019)"),
            DIPN(61, "paras 17, 32 (in operation 1 April 2019, no retrospective effect)")])
def ufe_commencement(ctx: RuleContext) -> Out:
    """The Inland Revenue (Profits Tax Exemption for Funds) (Amendment) Ordinance 2019 applies to years of
    assessment beginning on or after 1 April 2019, without retrospective effect."""
    ok = ctx.year.start_year >= 2019
    return Out("met" if ok else "failed",
               f"{ctx.year.label} {'begins on or after' if ok else 'begins before'} 1 April 2019", unit="text")


@rule("ufe.fund.definition", "A fund: the three limbs of s.20AM(2) at all times in the basis period",
      cite=[IRO("s.20AM(2)"), IRO("s.20AM(4)"), DIPN(61, "paras 35-57")], valid_from=UFE_FROM)
def fund_definition(ctx: RuleContext, fund: PrivateFund) -> Out:
    """An arrangement in respect of property is a fund if, at all times in the basis period, (a) the property
    is managed as a whole by or for the operator, or contributions and profits are pooled; (b) participants
    have no day-to-day control of its management; (c) its purpose or effect is that participants share in
    the profits or income from the property. A sovereign wealth fund is deemed a fund (s.20AM(4))."""
    f = fund.fund
    ctx.fact("fund_type", f.fund_type.value)
    if f.fund_type == FundType.SOVEREIGN_WEALTH:
        return Out("met", "a sovereign wealth fund is deemed to be a fund (s.20AM(4); DIPN 61 paras 56-57)", unit="text")
    limbs = {
        "managed_as_whole_or_pooled": f.managed_as_whole_or_pooled,
        "participants_no_day_to_day_control": f.participants_no_day_to_day_control,
        "shares_profits_from_property": f.shares_profits_from_property,
    }
    for name, value in limbs.items():
        _need(ctx, name, value)
    failed = [n for n, v in limbs.items() if v is False]
    missing = [n for n, v in limbs.items() if v is None]
    note = ""
    if f.fund_type == FundType.SINGLE_INVESTOR:
        note = ("; an arrangement meant to have one investor is unlikely to be pooled (DIPN 61 para 43), so limb "
                "(a) rests on management as a whole")
    if failed:
        return Out("failed", f"not a fund: limb(s) not met at all times: {', '.join(failed)}{note}", unit="text")
    if missing:
        return Out("unknown", f"supply {', '.join(missing)} to decide whether the arrangement is a fund{note}", unit="text")
    return Out("met", f"all three limbs of s.20AM(2) are met at all times in the basis period{note}", unit="text")


@rule("ext.ufe.fund.excepted",
      "Proposed: excepted funds (pension, endowment, sole government investor, single investor managing at "
      "least HK$240m) are funds and need no specified person",
      cite=[BILL("amended s.20AM and s.20AN: pension funds, endowment funds of s.88 charities, funds whose sole "
                 "investor is a government, central bank or international organisation, and single-investor "
                 "arrangements with not less than HK$240m of qualifying investments and no day-to-day control are "
                 "funds; these and sovereign wealth funds are 'excepted funds' needing no specified person",
                 "Conventus Law note on the Bill (conventuslaw.com/?p=136587); LegCo Panel 2 March 2026",
                 confidence="medium-high"),
            HKVATAX("docs/decisions/0051-concessions-excepted-funds.md")],
      valid_from=UFE_FROM, status="proposed", status_param=IN_FORCE)
def excepted_fund(ctx: RuleContext, fund: PrivateFund, ext: Figure) -> Out:
    """Under the Bill, pension funds, endowment funds of s.88 charities, funds whose sole investor is a
    government entity, central bank or international organisation, and single-investor arrangements
    managing qualifying investments of at least HK$240 million (the investor having no day-to-day control)
    are funds; these and sovereign wealth funds ("excepted funds") need not use a specified person and need
    not be qualified investment funds."""
    f = fund.fund
    ctx.fact("fund_type", f.fund_type.value)
    if f.fund_type == FundType.SOVEREIGN_WEALTH:
        return Out("met", "a sovereign wealth fund is an excepted fund: no specified person needed", unit="text")
    if f.fund_type not in EXCEPTED_BY_EXTENSION:
        return Out("not_applicable", "an ordinary fund is not an excepted fund",
                   unit="text")
    if f.fund_type != FundType.SINGLE_INVESTOR:
        return Out("met", f"a {f.fund_type.value.replace('_', ' ')} fund is an excepted fund under the extension", unit="text")
    floor = ctx.param("extension.single_investor_min_assets")
    assets = _need(ctx, "managed_assets_hkd", f.managed_assets_hkd)
    control = _need(ctx, "participants_no_day_to_day_control", f.participants_no_day_to_day_control)
    if control is False:
        return Out("failed", "a single-investor arrangement whose investor has day-to-day control is not a fund", unit="text")
    if assets is not None and assets < floor:  # type: ignore[operator]
        return Out("failed", f"managed assets HK${assets:,} are below the HK${floor:,} floor", unit="text")
    if assets is None or control is None:
        return Out("unknown", "supply the managed assets and whether the investor has day-to-day control", unit="text")
    return Out("met", f"a single-investor arrangement managing HK${assets:,} (at least HK${floor:,}) with no "
               "day-to-day control by the investor", unit="text")


@rule("ufe.fund.exclusions", "Not an arrangement excluded from the fund definition",
      cite=[IRO("s.20AM(5)"), DIPN(61, "para 58 and footnote 11")], valid_from=UFE_FROM)
def fund_exclusions(ctx: RuleContext, fund: PrivateFund, extension_on: bool) -> Out:
    """Arrangements listed in s.20AM(5) are not funds: arrangements not operated by way of business, group
    schemes, employee share or benefit schemes, franchises, solicitors' client accounts, compensation funds,
    credit unions, chit-funds, and publicly offered schemes exempt under s.26A(1A)."""
    f = fund.fund
    excluded = ctx.fact("excluded_arrangement", f.excluded_arrangement or "none")
    if f.excluded_arrangement:
        return Out("failed", f"excluded by s.20AM(5): {excluded}", unit="text")
    if f.fund_type == FundType.PENSION and not extension_on:
        ctx.assume(A_PENSION_BASELINE)
        return Out("failed", "a pension fund: an employee benefit scheme excluded by s.20AM(5) (DIPN 61 para 58, "
                   "footnote 11) under the law in force", unit="text")
    return Out("met", "no s.20AM(5) exclusion applies", unit="text")


@rule("ufe.fund.business_undertaking",
      "Not a business undertaking for general commercial or industrial purposes",
      cite=[IRO("s.20AM(6)"), IRO("s.20AM(7)"), DIPN(61, "paras 59-67")], valid_from=UFE_FROM)
def business_undertaking(ctx: RuleContext, fund: PrivateFund) -> Out:
    """A business undertaking for general commercial or industrial purposes (trading goods or commodities,
    services, production, property development, finance, insurance, infrastructure, direct investment for
    rent or royalties) is not a fund, at all times in the basis period. Whether heavy spot trading of
    virtual assets is such an undertaking is a question of fact the user answers."""
    value = _need(ctx, "business_undertaking_general_commercial", fund.fund.business_undertaking_general_commercial)
    if value is None:
        return Out("unknown", "supply business_undertaking_general_commercial (s.20AM(6))", unit="text")
    if value:
        return Out("failed", "a business undertaking for general commercial or industrial purposes is not a fund", unit="text")
    return Out("met", "not a business undertaking for general commercial or industrial purposes", unit="text")


# --------------------------------------------------------------------------------------------------
# 2. the gateway
# --------------------------------------------------------------------------------------------------


@rule("ufe.gateway.specified_person",
      "Qualifying transactions carried out in Hong Kong by or through, or arranged in Hong Kong by, a "
      "specified person", cite=[IRO("s.20AN(2)"), IRO("s.20AN(6) 'specified person'"), DIPN(61, "paras 80-81")],
      valid_from=UFE_FROM)
def specified_person(ctx: RuleContext, fund: PrivateFund) -> Out:
    """A specified person is a corporation licensed, or an authorized financial institution registered,
    under the SFO for a regulated activity in SFO Sch. 5 Pt 1 (usually Type 9 asset management)."""
    uses = _need(ctx, "uses_specified_person", fund.fund.uses_specified_person)
    if fund.fund.specified_person_name:
        ctx.fact("specified_person_name", fund.fund.specified_person_name)
    if uses is None:
        return Out("unknown", "supply uses_specified_person", unit="text")
    return Out("met" if uses else "failed",
               "carried out or arranged in Hong Kong by a specified person" if uses
               else "not carried out or arranged in Hong Kong by a specified person", unit="text")


@rule("ufe.qif.investors", "Qualified investment fund: more than 4 investors at all times after final closing",
      cite=[IRO("s.20AN(6) 'qualified investment fund' (a)(i)"), DIPN(61, "paras 82, 84, 88-89")],
      valid_from=UFE_FROM)
def qif_investors(ctx: RuleContext, fund: PrivateFund) -> Out:
    """Investors exclude the originator and its associates; a pension fund, insurer or sovereign wealth fund
    counts as one investor (DIPN 61 para 89)."""
    floor = ctx.param("ufe.qif.min_investors_exclusive")
    count = _need(ctx, "investor_count", fund.fund.investor_count)
    if fund.fund.final_closing_date:
        ctx.fact("final_closing_date", fund.fund.final_closing_date.isoformat())
    if count is None:
        return Out("unknown", "supply investor_count", unit="text")
    ok = count > floor  # type: ignore[operator]
    return Out("met" if ok else "failed", f"{count} investors {'exceeds' if ok else 'does not exceed'} {floor}", unit="text")


@rule("ufe.qif.commitments", "Qualified investment fund: investors' capital commitments exceed 90% of the total",
      cite=[IRO("s.20AN(6) 'qualified investment fund' (a)(ii)"), DIPN(61, "paras 82, 85, 90")],
      valid_from=UFE_FROM)
def qif_commitments(ctx: RuleContext, fund: PrivateFund) -> Out:
    """At all times after the final closing, capital commitments made by investors exceed 90% of the aggregate
    capital commitments (investors, originator and its associates)."""
    floor = ctx.param("ufe.qif.min_commitments_exclusive")
    pct = _need(ctx, "investor_commitments_percent", fund.fund.investor_commitments_percent)
    if pct is None:
        return Out("unknown", "supply investor_commitments_percent", unit="text")
    ok = pct > floor  # type: ignore[operator]
    return Out("met" if ok else "failed", f"{pct}% {'exceeds' if ok else 'does not exceed'} {floor}%", unit="text")


@rule("ufe.qif.originator_share",
      "Qualified investment fund: originator and associates entitled to not more than 30% of net proceeds",
      cite=[IRO("s.20AN(6) 'qualified investment fund' (b)"), DIPN(61, "paras 82, 91-94")], valid_from=UFE_FROM)
def qif_originator_share(ctx: RuleContext, fund: PrivateFund) -> Out:
    """The governing agreement gives the originator and its associates not more than 30% of the net proceeds,
    after the part attributable to their own capital contributions (in proportion to the investors')."""
    cap = ctx.param("ufe.qif.max_originator_share")
    pct = _need(ctx, "originator_net_proceeds_percent", fund.fund.originator_net_proceeds_percent)
    if pct is None:
        return Out("unknown", "supply originator_net_proceeds_percent",
                   unit="text")
    ok = pct <= cap  # type: ignore[operator]
    return Out("met" if ok else "failed", f"{pct}% is {'not more than' if ok else 'more than'} {cap}%", unit="text")


@rule("ufe.gateway.qualified_investment_fund", "A qualified investment fund",
      cite=[IRO("s.20AN(6) 'qualified investment fund'"), DIPN(61, "paras 82-94")], valid_from=UFE_FROM)
def qualified_investment_fund(ctx: RuleContext, investors: Figure, commitments: Figure, originator: Figure) -> Out:
    """All three limbs: more than 4 investors and investors' commitments above 90% at all times after final
    closing, and the originator's share of net proceeds not more than 30%."""
    outcome = combine([investors.value, commitments.value, originator.value])
    return Out(outcome, f"investors {investors.value}, commitments {commitments.value}, originator share "
               f"{originator.value}", unit="text")


@rule("ufe.gateway", "The gateway: a specified person, or a qualified investment fund",
      cite=[IRO("s.20AN(2)"), DIPN(61, "para 68"), DIPN(61, "Appendix 4 para 2")], valid_from=UFE_FROM)
def gateway(ctx: RuleContext, specified: Figure, qif: Figure, excepted: Figure | None = None) -> Out:
    """At all times in the basis period the qualifying transactions are carried out or arranged in Hong Kong
    by a specified person, or the fund is a qualified investment fund; under the extension an excepted fund
    needs neither."""
    routes = [specified.value, qif.value] + ([excepted.value] if excepted is not None else [])
    outcome = _any_of(routes)
    if excepted is not None and excepted.value == "met":
        why = "an excepted fund needs no specified person (proposed extension)"
    elif specified.value == "met":
        why = "met through a specified person"
    elif qif.value == "met":
        why = "met as a qualified investment fund"
    elif outcome == "unknown":
        why = "neither route is shown met and at least one is unknown"
    else:
        why = "neither a specified person nor a qualified investment fund"
    return Out(outcome, why, unit="text")


@rule("ufe.eligibility", "The fund's profits are within the exemption",
      cite=[IRO("s.20AN(2)"), DIPN(61, "para 68")], valid_from=UFE_FROM)
def eligibility(ctx: RuleContext, fund_tests: Sequence[Figure], conditions: Sequence[Figure]) -> Out:
    """A fund (under s.20AM(2) or (4), or under the extension an excepted fund; not excluded, not a business
    undertaking) that meets the gateway is exempt from payment of tax on its qualifying and incidental
    profits."""
    is_fund = _any_of([f.value for f in fund_tests if f.value != "not_applicable"])
    outcome = combine([is_fund] + [c.value for c in conditions])
    eligible = {"met": "yes", "failed": "no", "unknown": "unknown"}[outcome]
    return Out(eligible, f"fund {is_fund}; " + ", ".join(f"{c.id.rsplit('/', 1)[-1]}: {c.value}" for c in conditions), unit="text")


# --------------------------------------------------------------------------------------------------
# 3. lines: classification, the 5% test, treatments
# --------------------------------------------------------------------------------------------------


@rule("ufe.transaction.classify", "Qualifying, incidental or non-qualifying transaction",
      cite=[IRO("s.20AN(2)(a), (b)"), IRO("Sch. 16C"), DIPN(61, "paras 68-75, 78-79")], valid_from=UFE_FROM)
def classify(ctx: RuleContext, line: ProfitLine, ext: Figure | None) -> Out:
    """A qualifying transaction is one in an asset of a Sch. 16C class; an incidental transaction is one
    incidental to qualifying transactions (typically interest or dividends on the qualifying assets, DIPN 61
    para 75; interest on debt instruments is incidental, para 78). Virtual assets are not a Sch. 16C class
    under the law in force; under the proposed extension they are qualifying assets."""
    cls, why = classify_line(ctx, line, ext)
    ctx.fact("sch16c_class", line.sch16c_class or "none")
    ctx.fact("virtual_asset", line.virtual_asset)
    return Out(cls, why, unit="text")


@rule("ufe.incidental.ratio", "Incidental trading receipts as a share of qualifying + incidental trading receipts",
      cite=[IRO("s.20AN(4)"), DIPN(61, "paras 76, 79")], valid_from=UFE_FROM)
def incidental_ratio(ctx: RuleContext, lines: Sequence[ProfitLine], classes: Sequence[Figure]) -> Out:
    """A ÷ B, where A is the trading receipts from incidental transactions and B the trading receipts from
    qualifying and incidental transactions in the basis period; dividends, capital receipts and offshore
    income are left out of both (DIPN 61 para 79)."""
    cls_map: dict[str, LineClass] = {ln.key: c.value for ln, c in zip(lines, classes, strict=True)}
    a, b = incidental_receipts(lines, cls_map)
    ctx.fact("incidental_trading_receipts_A", a)
    ctx.fact("qualifying_and_incidental_trading_receipts_B", b)
    ctx.assume(A_TRADING_RECEIPTS)
    if any(is_dividend(ln) for ln in lines):
        ctx.assume(A_DIVIDENDS)
    with exact_context():
        ratio = ZERO if b == 0 else a / b
    return Out(ratio, f"A = HK${a:,} ÷ B = HK${b:,}" + (" (no receipts: ratio 0)" if b == 0 else ""), unit="ratio")


@rule("ufe.incidental.five_percent", "Incidental trading receipts do not exceed 5%",
      cite=[IRO("s.20AN(4)"), DIPN(61, "paras 69, 76-77")], valid_from=UFE_FROM)
def five_percent(ctx: RuleContext, ratio: Figure) -> Out:
    """If the ratio exceeds 5%, the exemption does not apply to any profits from incidental transactions (not
    only the excess); qualifying profits stay exempt. Exactly 5% passes."""
    limit = ctx.param("ufe.incidental_threshold")
    ok = ratio.value <= limit
    return Out("met" if ok else "failed",
               f"ratio {ratio.value:.6%} {'does not exceed' if ok else 'exceeds'} {limit:.0%}: "
               + ("incidental profits are exempt" if ok else "all incidental profits are chargeable"), unit="text")


@rule("ext.incidental.abolished", "Proposed: the 5% incidental-transaction threshold is abolished",
      cite=[BILL("abolition of the 5% incidental threshold for funds, FIHVs and their SPEs, 'as long as profits are "
                 "derived from qualifying investments and meet specified conditions' (the conditions and the "
                 "statutory mechanism were not found)", "stheadline and UDN reports of the LegCo Panel on "
                 "Financial Affairs, 2 March 2026", confidence="medium"),
            HKVATAX("docs/decisions/0072-extension-as-reported.md")], status="proposed", status_param=IN_FORCE)
def incidental_abolished(ctx: RuleContext, ext: Figure, regime: str) -> Out:
    """As reported to LegCo (2 March 2026), the 5% threshold on incidental transactions is abolished for funds,
    FIHVs and their SPEs/FSPEs, provided the profits are derived from qualifying investments and meet
    "specified conditions" that were not published. hkvatax takes the conditions as met (an assumption the
    setting ``extension_incidental_conditions = "unknown"`` turns into an unknown condition)."""
    ctx.uses(ext)
    ctx.assume(A_EXT_INCIDENTAL_CONDITIONS)
    reading = setting(ctx, "extension_incidental_conditions", "assumed_met")
    if reading == "unknown":
        ctx.fact("extension_incidental_specified_conditions_met", None)
        return Out("unknown", f"{regime}: no 5% limit under the extension, but its 'specified conditions' are "
                   "unknown: incidental profits stay chargeable", label=f"ext.incidental.abolished.{regime}",
                   unit="text")
    return Out("not_applicable", f"{regime}: no 5% limit on incidental transactions under the extension (its "
               "'specified conditions' taken as met)", label=f"ext.incidental.abolished.{regime}", unit="text")


@rule("ext.ufe.substantial_activities", "Proposed: the fund carries on substantial activities in Hong Kong",
      cite=[BILL("new substantial-activities requirement for funds (local employees and expenditure, 'similar to "
                 "the FIHV regime'); thresholds not published", "HK01 report of the LegCo Panel on Financial "
                 "Affairs, 2 March 2026; PwC on the FSTB consultation, November 2024", confidence="medium"),
            HKVATAX("docs/decisions/0073-extension-fund-obligations.md")],
      valid_from=UFE_FROM, status="proposed", status_param=IN_FORCE)
def ext_substantial_activities(ctx: RuleContext, fund: PrivateFund, ext: Figure) -> Out:
    """Under the extension a fund must meet a substantial-activities requirement in Hong Kong (employees and
    expenditure). Its thresholds were not published: the user states whether it is met; missing is unknown."""
    ctx.uses(ext)
    ctx.assume(A_EXT_SUBSTANCE)
    met = _need(ctx, "extension_substantial_activities_met", fund.fund.extension_substantial_activities_met)
    if met is None:
        return Out("unknown", "supply extension_substantial_activities_met: the extension requires substantial "
                   "activities in Hong Kong (thresholds not yet published)", unit="text")
    return Out("met" if met else "failed", "substantial activities in Hong Kong " + ("met" if met else "not met"),
               unit="text")


@rule("ext.ufe.tax_reporting", "Proposed: the fund complies with the tax-reporting mechanism",
      cite=[BILL("new tax-reporting mechanism for funds 'to achieve effective regulation'; details not published",
                 "HK01 report of the LegCo Panel on Financial Affairs, 2 March 2026; PwC on the FSTB consultation, "
                 "November 2024", confidence="medium"),
            HKVATAX("docs/decisions/0073-extension-fund-obligations.md")],
      valid_from=UFE_FROM, status="proposed", status_param=IN_FORCE)
def ext_tax_reporting(ctx: RuleContext, fund: PrivateFund, ext: Figure) -> Out:
    """Under the extension a fund must report under a new tax-reporting mechanism; the user states whether it
    complies; missing is unknown."""
    ctx.uses(ext)
    ctx.assume(A_EXT_SUBSTANCE)
    ok = _need(ctx, "extension_tax_reporting_complied", fund.fund.extension_tax_reporting_complied)
    if ok is None:
        return Out("unknown", "supply extension_tax_reporting_complied: the extension adds a tax-reporting "
                   "mechanism for funds", unit="text")
    return Out("met" if ok else "failed", "tax reporting " + ("complied with" if ok else "not complied with"),
               unit="text")


_UFE_TEXTS = {
    "excluded": "outside the charge (capital or offshore)",
    "dividend": "a dividend: not chargeable (s.26(a)) and outside the 5% ratio",
    "not_eligible": "the fund is not eligible: chargeable under the ordinary rules",
    "unknown": "eligibility unknown: treated as chargeable until the missing facts are supplied",
    "qualifying": "a qualifying transaction of an eligible fund (s.20AN(2)(a))",
    "incidental_failed": "incidental, but incidental receipts exceed 5% (s.20AN(4))",
    "incidental": "an incidental transaction of an eligible fund (s.20AN(2)(b))",
    "non_qualifying": "a non-qualifying transaction: chargeable under the ordinary rules",
}


@rule("ufe.line.treatment", "Exempt, assessable or excluded",
      cite=[IRO("s.20AN(2)"), IRO("s.20AN(4)"), DIPN(61, "paras 68-70, 77"), DIPN(61, "Appendix 4")],
      valid_from=UFE_FROM)
def line_treatment(ctx: RuleContext, line: ProfitLine, cls: Figure, eligible: Figure, incidental: Figure) -> Out:
    """Profits of an eligible fund from qualifying transactions, and from incidental transactions when the 5%
    test is met (or abolished), are exempt from payment of tax; other profits are chargeable under the
    ordinary rules and do not taint the exempt profits (DIPN 61 para 70). Capital and offshore items stay
    outside the charge."""
    treatment, why, used = relief_treatment(ctx, line, cls, eligible, incidental, "exempt", _UFE_TEXTS)
    return Out(treatment, why, unit="text", depends=used)


@rule("ufe.exempt_profits", "Profits exempt under s.20AN", cite=[IRO("s.20AN(2)"), DIPN(61, "para 68")],
      valid_from=UFE_FROM)
def exempt_profits(ctx: RuleContext, lines: Sequence[ProfitLine], treatments: Sequence[Figure]) -> Out:
    """The sum of the profits (less losses) of the lines treated as exempt."""
    total = ZERO
    with exact_context():
        for ln, t in zip(lines, treatments, strict=True):
            if t.value == "exempt":
                ctx.uses(ln.figure)
                total += ln.amount
    return Out(total, "sum of the exempt lines")


@rule("ufe.losses.no_carry_forward", "Losses from exempt transactions are not set off or carried forward",
      cite=[IRO("s.20AU"), IRO("s.20AV"), DIPN(61, "paras 133-134"), DIPN(61, "Appendix 4 Example 4.5")],
      valid_from=UFE_FROM)
def losses_no_carry_forward(ctx: RuleContext, lines: Sequence[ProfitLine], treatments: Sequence[Figure]) -> Out:
    """A loss sustained by a fund from a transaction whose profits would be exempt under s.20AN cannot be set
    off against assessable profits of that or any later year of assessment."""
    total = ZERO
    with exact_context():
        for ln, t in zip(lines, treatments, strict=True):
            if t.value == "exempt" and ln.amount < 0:
                ctx.uses(ln.figure)
                total += -ln.amount
    return Out(total, "losses on exempt lines: never set off against assessable profits, never carried forward")


@rule("ufe.profits.by_class", "Profits by class of transaction", cite=[IRO("s.20AN(2)"), DIPN(61, "para 70")],
      valid_from=UFE_FROM)
def profits_by_class(ctx: RuleContext, lines: Sequence[ProfitLine], classes: Sequence[Figure], which: str) -> Out:
    """The sum of the lines of one class: qualifying + incidental + non-qualifying + excluded = all lines."""
    return Out(sum_of_class(ctx, lines, classes, which), f"sum of the {which.replace('_', '-')} lines",
               label=f"ufe.profits.{which}")


@rule("ufe.outgoings.assessable_share",
      "Share of outgoings not tied to an asset that belongs to the chargeable profits",
      cite=[IRO("s.16(1)"), HKVATAX("docs/decisions/0053-concessions-line-classes.md")], valid_from=UFE_FROM,
      status="assumption")
def outgoings_share(ctx: RuleContext, lines: Sequence[ProfitLine], treatments: Sequence[Figure]) -> Out:
    """Outgoings are deductible only to the extent incurred in producing assessable profits (s.16(1)); an
    outgoing not tied to an asset is apportioned by the trading receipts of the chargeable lines over those of
    all chargeable and exempt lines."""
    ctx.assume(A_COMMON_OUTGOINGS)
    chargeable = ZERO
    everything = ZERO
    with exact_context():
        for ln, t in zip(lines, treatments, strict=True):
            if ln.kind == "outgoing" or t.value == "excluded":
                continue
            everything += abs(ln.trading_receipts)
            if t.value == "assessable":
                chargeable += abs(ln.trading_receipts)
        share = ONE if everything == 0 else chargeable / everything
    ctx.fact("chargeable_trading_receipts", chargeable)
    ctx.fact("all_trading_receipts", everything)
    return Out(share, f"HK${chargeable:,} ÷ HK${everything:,}" if everything else "no receipts: all chargeable", unit="ratio")


# --------------------------------------------------------------------------------------------------
# 4. anti-round-tripping
# --------------------------------------------------------------------------------------------------


@rule("ufe.art.indirect_interest", "Indirect beneficial interest: the product of the interests along the chain",
      cite=[IRO("s.20AW(5)-(7)"), IRO("Sch. 15C Pt 2 s.2"), DIPN(61, "paras 151-152, 163")], valid_from=UFE_FROM)
def indirect_interest(ctx: RuleContext, links: Sequence[Decimal]) -> Out:
    """A person's indirect interest in a fund held through one or more interposed persons is the product of
    the percentage interests at each link of the chain (e.g. 90% × 70% × 50% = 31.5%)."""
    ctx.fact("chain_percents", [str(x) for x in links])
    with exact_context():
        product = Decimal(100)
        for link in links:
            product = product * link / 100
    return Out(product, " × ".join(f"{x}%" for x in links) + f" = {_num(product)}%", unit="percent")


@rule("ufe.art.widely_held", "The fund is bona fide widely held (no deeming)",
      cite=[IRO("s.20AX(8)"), IRO("s.20AY(7)"), DIPN(61, "paras 170-172")], valid_from=UFE_FROM)
def widely_held(ctx: RuleContext, fund: PrivateFund) -> Out:
    """The deeming provisions do not apply if the Commissioner is satisfied that interests in the fund are
    bona fide widely held: at no time fewer than 50 holders, and at no time fewer than 21 persons holding 75%
    or more of its income or property (para 171), or genuine efforts towards wide participation (para 172)."""
    f = fund.fund
    accepted = ctx.fact("bona_fide_widely_held_accepted", f.bona_fide_widely_held_accepted)
    if accepted is not None:
        return Out("met" if accepted else "failed",
                   "the Commissioner is " + ("" if accepted else "not ") + "satisfied it is bona fide widely held", unit="text")
    floor = ctx.param("ufe.widely_held.min_holders")
    holders = _need(ctx, "holders_count", f.holders_count)
    spread = _need(ctx, "largest_21_hold_75_percent_or_less", f.largest_21_hold_75_percent_or_less)
    if (holders is not None and holders < floor) or spread is False:  # type: ignore[operator]
        return Out("failed", "the para 171 benchmarks are not met and no acceptance is recorded", unit="text")
    if holders is None or spread is None:
        return Out("unknown", "supply holders_count and largest_21_hold_75_percent_or_less, or "
                   "bona_fide_widely_held_accepted; deeming is computed as if not widely held", unit="text")
    ctx.assume(A_WIDELY_HELD_BENCHMARK)
    return Out("met", f"{holders} holders (at least {floor}) and no 20 holders reach 75%", unit="text")


def _segments(start: date, end: date, periods: Sequence[InterestPeriod]) -> list[tuple[date, date]]:
    cuts = {start, end + timedelta(days=1)}
    for p in periods:
        for d in (p.start, p.end + timedelta(days=1)):
            if start < d <= end:
                cuts.add(d)
    ordered = sorted(cuts)
    return [(a, b - timedelta(days=1)) for a, b in zip(ordered, ordered[1:], strict=False)]


def _held(periods: Sequence[InterestPeriod], day: date) -> Decimal:
    with exact_context():
        return sum((p.percent for p in periods if p.start <= day <= p.end), ZERO)


@rule("ufe.art.interest_days", "Days on which the threshold is met, weighted by the person's interest",
      cite=[IRO("s.20AX(1)-(3)"), IRO("s.20AY(1)-(2)"), IRO("Sch. 15C Pt 1 s.2"), IRO("Sch. 15D Pt 1 s.2"),
            DIPN(61, "paras 136, 154-160"), DIPN(61, "Appendix 5 paras 1-3")], valid_from=UFE_FROM)
def interest_days(ctx: RuleContext, investor: ResidentInvestor, period: tuple[date, date],
                  through_percent: Decimal = Decimal(100), target: str = "fund") -> Out:
    """For each day of the accounting period on which the resident person, alone or with its associates
    (resident or not), holds not less than 30% of the fund (of the SPE, through the fund's interest in it) —
    or holds any interest where the fund is its associate — add the person's own interest on that day (B, or
    B1 × B2 for an SPE). Once the threshold is met, the person's whole interest counts (Example 5.6)."""
    threshold = ctx.param("ufe.art.threshold")
    deem_all = ctx.settings.get("art_associate_fund_share") == "all"  # else the person's own interest
    ctx.fact("target", target)
    ctx.fact("interests", [f"{p.start}..{p.end} {p.percent}%" + (f" ({p.route})" if p.route else "")
                           for p in investor.interests])
    ctx.fact("associates_interests", [f"{p.start}..{p.end} {p.percent}%" for p in investor.associates_interests])
    ctx.fact("fund_is_associate", investor.fund_is_associate)
    if through_percent != 100:
        ctx.fact("fund_interest_in_spe_percent", through_percent)
    if investor.fund_is_associate:
        ctx.assume(A_ART_ASSOCIATE_FUND)
    weighted = ZERO
    days_met = 0
    parts: list[str] = []
    everything = list(investor.interests) + list(investor.associates_interests)
    with exact_context():
        for a, b in _segments(period[0], period[1], everything):
            own = _held(investor.interests, a) * through_percent / 100
            combined = (own + _held(investor.associates_interests, a) * through_percent / 100)
            if own <= 0:
                continue
            if investor.fund_is_associate:
                b_pct = Decimal(100) * through_percent / 100 if deem_all else own
            elif combined >= threshold:
                b_pct = own
            else:
                continue
            n = (b - a).days + 1
            days_met += n
            weighted += b_pct * n
            parts.append(f"{a}..{b}: {n} days × {_num(b_pct)}%")
    ctx.fact("days_threshold_met", days_met)
    return Out(weighted, "; ".join(parts) if parts else "the threshold is not met on any day", unit="percent-days")


@rule("ufe.art.deemed_profits", "Deemed assessable profits of a resident person from the fund's exempt profits",
      cite=[IRO("s.20AX"), IRO("Sch. 15C"), DIPN(61, "paras 158-163, 168, 173"),
            DIPN(61, "Appendix 5 Examples 5.1-5.7")], valid_from=UFE_FROM)
def deemed_profits(ctx: RuleContext, investor: ResidentInvestor, exempt: Figure, weighted: Figure,
                   period: tuple[date, date], held_widely: Figure, interposed: Figure | None = None,
                   ext: Figure | None = None) -> Out:
    """Sch. 15C: the sum over the qualifying days of B × C ÷ D (B the person's interest that day, C the fund's
    exempt profits for the accounting period, D its days). No deemed loss (para 168). Not charged on a
    non-resident (Example 5.3), on a person discharged because an interposed resident person is charged on
    the same profits (s.20AX(9), Example 5.7: inferred from the ownership chain ``held_through``, or stated),
    or where the fund is bona fide widely held (s.20AX(8))."""
    ctx.assume(A_ART_PERIOD)
    if ext is not None:
        ctx.uses(ext)
        ctx.assume(A_EXT_ART_TODAY)
    ctx.fact("is_hk_resident", investor.is_hk_resident)
    ctx.fact("interposed_resident_already_deemed", investor.interposed_resident_already_deemed)
    d = (period[1] - period[0]).days + 1
    ctx.fact("days_in_accounting_period", d)
    if not investor.is_hk_resident:
        return Out(ZERO, "not resident in Hong Kong: not charged (its interest still counts for its associates)")
    if investor.interposed_resident_already_deemed:
        return Out(ZERO, "discharged: an interposed resident person is charged on the same profits")
    if interposed is not None and interposed.value > 0:
        ctx.fact("held_through", investor.held_through)
        return Out(ZERO, "discharged (s.20AX(9)): a resident person interposed in its chain of ownership is charged "
                   f"on the same profits (HK${interposed.value:,.2f} deemed)")
    if held_widely.value == "met":
        return Out(ZERO, "the fund is bona fide widely held: no deeming")
    if exempt.value <= 0:
        return Out(ZERO, "no exempt profits: no deemed profits and never a deemed loss")
    with exact_context():
        value = exempt.value * weighted.value / (100 * d)
    return Out(value, f"HK${fmt_amount(exempt.value)} × {_num(weighted.value)} percent-days ÷ (100 × {d} days)")


@rule("ufe.art.spe_deemed_profits", "Deemed assessable profits from an SPE's exempt profits",
      cite=[IRO("s.20AY"), IRO("Sch. 15D"), DIPN(61, "paras 160, 164-167"), DIPN(61, "Appendix 5 Example 5.6")],
      valid_from=UFE_FROM)
def spe_deemed_profits(ctx: RuleContext, investor: ResidentInvestor, spe: SpeFacts, weighted: Figure,
                       period: tuple[date, date], held_widely: Figure, interposed: Figure | None = None,
                       ext: Figure | None = None) -> Out:
    """Sch. 15D: the sum over the qualifying days of B1 × B2 × C ÷ D (B1 the person's interest in the fund,
    B2 the fund's interest in the SPE, C the SPE's exempt profits for its accounting period, D its days)."""
    ctx.fact("spe", spe.name)
    if ext is not None:
        ctx.uses(ext)
        ctx.assume(A_EXT_ART_TODAY)
    c = ctx.fact("spe_exempt_profits_hkd", spe.exempt_profits_hkd)
    d = (period[1] - period[0]).days + 1
    ctx.fact("days_in_spe_accounting_period", d)
    if c is None:
        return Out(ZERO, f"the exempt profits of {spe.name} are not supplied: nothing deemed from it")
    if interposed is not None and interposed.value > 0:
        return Out(ZERO, "discharged (s.20AY(8)): a resident person interposed in its chain of ownership is charged "
                   "on the same profits")
    if not investor.is_hk_resident or investor.interposed_resident_already_deemed or held_widely.value == "met":
        return Out(ZERO, "not charged (non-resident, discharged, or widely held)")
    if c <= 0:
        return Out(ZERO, "no exempt SPE profits: never a deemed loss")
    with exact_context():
        value = c * weighted.value / (100 * d)
    return Out(value, f"HK${fmt_amount(c)} × {_num(weighted.value)} percent-days ÷ (100 × {d} days)")


@rule("ufe.art.deemed_total", "Total deemed assessable profits of a resident person",
      cite=[IRO("s.20AX"), IRO("s.20AY"), DIPN(61, "Appendix 5 para 3")], valid_from=UFE_FROM)
def deemed_total(ctx: RuleContext, parts: Sequence[Figure]) -> Out:
    """The fund's exempt profits deemed (s.20AX) plus each SPE's exempt profits deemed (s.20AY)."""
    with exact_context():
        total = sum((p.value for p in parts), ZERO)
    return Out(total, " + ".join(f"HK${p.value:,.2f}" for p in parts))


@dataclass(frozen=True)
class ArtResult:
    """Deemed profits of each resident investor (same order as ``fund.fund.resident_investors``)."""

    deemed: tuple[Figure, ...]
    by_investor: dict[str, Figure]
    conditions: tuple[ConditionResult, ...]
    notes: tuple[str, ...]


def _investor_keys(investors: Sequence[ResidentInvestor]) -> list[str]:
    keys: list[str] = []
    for i, inv in enumerate(investors):
        keys.append(inv.name if [x.name for x in investors].count(inv.name) == 1 else f"{inv.name}#{i + 1}")
    return keys


def _chain_order(investors: Sequence[ResidentInvestor]) -> list[int]:
    """Indexes of the investors, each after the person it is held through (the model refuses cycles)."""
    by_name = {inv.name: i for i, inv in enumerate(investors)}
    done: list[int] = []

    def visit(i: int) -> None:
        if i in done:
            return
        below = investors[i].held_through
        if below is not None and below in by_name:
            visit(by_name[below])
        done.append(i)

    for i in range(len(investors)):
        visit(i)
    return done


def ufe_deemed_profits(ctx: RuleContext, fund: PrivateFund, exempt: Figure,
                       accounting_period: tuple[date, date], ext: Figure | None = None) -> ArtResult:
    """Anti-round-tripping: each resident investor's deemed assessable profits (ss.20AX, 20AY; Sch. 15C, 15D).

    ``exempt`` is the fund's exempt profits for ``accounting_period`` (C); SPEs are read from
    ``fund.fund.spes``. Returns one figure per investor in ``fund.fund.resident_investors``.
    """
    investors = fund.fund.resident_investors
    if not investors:
        return ArtResult((), {}, (), ())
    held_widely = widely_held(ctx, fund)
    cond = condition(ctx, held_widely)
    notes: list[str] = []
    if cond.outcome == "unknown":
        notes.append("anti-round-tripping: whether the fund is bona fide widely held is unknown; deemed profits "
                     "are computed as if it is not (supply " + ", ".join(cond.missing) + ")")
    keys = _investor_keys(investors)
    by_name = {inv.name: i for i, inv in enumerate(investors)}
    totals: dict[int, Figure] = {}
    fund_parts: dict[int, Figure] = {}
    spe_parts: dict[tuple[int, str], Figure] = {}

    def charged_below(i: int, pick: dict[Any, Figure], suffix: str | None) -> Figure | None:
        """The nearest person down the chain charged on the same profits (fund's, or one SPE's)."""
        seen = {i}
        below = investors[i].held_through
        while below is not None and below in by_name and by_name[below] not in seen:
            j = by_name[below]
            seen.add(j)
            fig = pick.get(j if suffix is None else (j, suffix))
            if fig is not None and fig.value > 0:
                return fig
            below = investors[j].held_through
        return None

    for i in _chain_order(investors):
        key, inv = keys[i], investors[i]
        w = interest_days(ctx, inv, accounting_period, key=key)
        part = deemed_profits(ctx, inv, exempt, w, accounting_period, held_widely,
                              charged_below(i, fund_parts, None), ext, key=key)
        fund_parts[i] = part
        parts = [part]
        for spe in fund.fund.spes:
            spe_period = (spe.accounting_period_start or accounting_period[0],
                          spe.accounting_period_end or accounting_period[1])
            skey = f"{key}/{spe.name}"
            w_spe = interest_days(ctx, inv, spe_period, spe.fund_interest_percent, f"SPE {spe.name}", key=skey)
            sp = spe_deemed_profits(ctx, inv, spe, w_spe, spe_period, held_widely,
                                    charged_below(i, spe_parts, spe.name), ext, key=skey)
            spe_parts[(i, spe.name)] = sp
            parts.append(sp)
        totals[i] = deemed_total(ctx, parts, key=key)
    deemed = [totals[i] for i in range(len(investors))]
    by_investor = {keys[i]: totals[i] for i in range(len(investors))}
    return ArtResult(tuple(deemed), by_investor, (cond,), tuple(notes))


# --------------------------------------------------------------------------------------------------
# 5. the regime
# --------------------------------------------------------------------------------------------------


def ufe_regime(ctx: RuleContext, fund: PrivateFund, lines: Sequence[ProfitLine], *, extension: bool,
               basis_period: tuple[date, date]) -> RegimeResult:
    """Decide the UFE for one year of assessment: eligibility, each line's treatment, exempt profits, the
    losses that can never be used, and the deemed profits of resident investors.

    Call it once per (tracer, scenario, year). ``extension`` is True for the va_extension scenario; the
    rules check the year against the ``extension_first_year`` setting and record it as an assumption.
    """
    keys = [ln.key for ln in lines]
    if len(set(keys)) != len(keys):
        raise ValueError("profit lines must have distinct keys")
    start = ufe_commencement(ctx)
    if start.value != "met":
        treatments: dict[str, Treatment] = {
            ln.key: ("excluded" if ln.character == "capital" or ln.offshore else "assessable") for ln in lines}
        return RegimeResult(regime="ufe", eligible="no", conditions=(condition(ctx, start),), treatments=treatments,
                            reasons={ln.key: start for ln in lines},
                            notes=("the UFE applies from 2019/20",))

    ext = extension_applies(ctx, extension, key="ufe") if extension else None
    ext_on = bool(ext is not None and ext.value)
    notes: list[str] = []
    conds: list[ConditionResult] = []

    definition = fund_definition(ctx, fund)
    conds.append(condition(ctx, definition))
    excepted: Figure | None = None
    if ext_on and ext is not None:
        excepted = excepted_fund(ctx, fund, ext)
        conds.append(condition(ctx, excepted))
    exclusions = fund_exclusions(ctx, fund, ext_on)
    undertaking = business_undertaking(ctx, fund)
    sp = specified_person(ctx, fund)
    q_inv, q_com, q_org = qif_investors(ctx, fund), qif_commitments(ctx, fund), qif_originator_share(ctx, fund)
    qif = qualified_investment_fund(ctx, q_inv, q_com, q_org)
    gate = gateway(ctx, sp, qif, excepted if excepted is not None and excepted.value == "met" else None)
    conds.extend(condition(ctx, f) for f in (exclusions, undertaking, sp, q_inv, q_com, q_org, qif, gate))
    fund_tests = [definition] + ([excepted] if excepted is not None else [])
    obligations: list[Figure] = []
    if ext_on and ext is not None:
        obligations = [ext_substantial_activities(ctx, fund, ext), ext_tax_reporting(ctx, fund, ext)]
        conds.extend(condition(ctx, f) for f in obligations)
    elig = eligibility(ctx, fund_tests, [exclusions, undertaking, gate, *obligations])
    if fund.is_ofc:
        notes.append("OFC: profits from non-Sch. 16C transactions (s.20AN(2)(c), s.20AS) and the s.20AV loss rule "
                     "are not modelled; such lines are left chargeable")

    classes = [classify(ctx, ln, ext, key=ln.key) for ln in lines]
    ratio = incidental_ratio(ctx, lines, classes)
    if ext_on and ext is not None:
        incidental = incidental_abolished(ctx, ext, "ufe")
    else:
        incidental = five_percent(ctx, ratio)
        conds.append(condition(ctx, incidental))
    treats = [line_treatment(ctx, ln, c, elig, incidental, key=ln.key) for ln, c in zip(lines, classes, strict=True)]
    exempt = exempt_profits(ctx, lines, treats)
    losses = losses_no_carry_forward(ctx, lines, treats)
    extra: dict[str, Figure] = {
        "eligibility": elig, "incidental_ratio": ratio, "incidental_test": incidental,
        "losses_not_available": losses,
    }
    for which in ("qualifying", "incidental", "non_qualifying", "excluded"):
        extra[f"profits.{which}"] = profits_by_class(ctx, lines, classes, which)
    if ext is not None:
        extra["extension"] = ext
    if elig.value == "yes":
        extra["outgoings_assessable_share"] = outgoings_share(ctx, lines, treats)

    deemed: tuple[Figure, ...] = ()
    if ext_on and (fund.fund.resident_investors or fund.fund.spes):
        ctx.tracer.assume(A_EXT_ART_TODAY)
        notes.append("SPE and anti-round-tripping rules under the extension: relaxation announced but not yet "
                     "published: today's rules applied (A-EXT-ART-TODAY)")
    if elig.value == "yes" and fund.fund.resident_investors:
        art = ufe_deemed_profits(ctx, fund, exempt, basis_period, ext if ext_on else None)
        deemed = art.deemed
        conds.extend(art.conditions)
        notes.extend(art.notes)
        for name, fig in art.by_investor.items():
            extra[f"deemed[{name}]"] = fig
    if elig.value == "unknown":
        missing = sorted({m for c in conds for m in c.missing})
        notes.append("eligibility unknown: every line is treated as chargeable until these facts are supplied: "
                     + ", ".join(missing))
    return RegimeResult(
        regime="ufe", eligible=elig.value, conditions=tuple(conds),
        treatments={ln.key: t.value for ln, t in zip(lines, treats, strict=True)},
        reasons={ln.key: t for ln, t in zip(lines, treats, strict=True)},
        exempt_total=exempt, deemed=deemed, notes=tuple(notes), extra=extra,
    )
