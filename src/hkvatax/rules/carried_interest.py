"""Carried interest: the concession in force (IRO Sch. 16D) and the 2026 Bill's version.

In force: the *Inland Revenue (Amendment) (Tax Concessions for Carried Interest) Ordinance 2021* (in operation
7 May 2021) charges eligible carried interest received or accrued on or after 1 April 2020 at 0%: it must be paid
by a fund certified by the HKMA, be a profit-related return subject to a hurdle rate, arise from the fund's
profits on private-equity transactions, and be received by a qualifying person with substantial activities in
Hong Kong (HKMA Guideline on Certification of Funds, 16 July 2021: at least 2 full-time qualified employees and
HK$2m operating expenditure). The 2026 Bill, as reported, removes HKMA certification and the hurdle-rate
reference and covers carry from all qualifying investments (docs/decisions/0075-carried-interest.md).

Public entry point: :func:`carried_interest_regime`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from ..models.taxpayers import CarriedInterestFacts
from ..money import ZERO, exact_context
from ..periods import YearOfAssessment
from ..trace import Citation
from .concessions import combine, condition, extension_applies
from .extension import IN_FORCE
from .lines import ConditionResult, ProfitLine, RegimeResult, Treatment
from .registry import BILL, HKVATAX, IRO, Figure, Out, RuleContext, rule

__all__ = ["carried_interest_regime", "CI_FROM"]

CI_FROM = "2020/21"
ORDINANCE_2021 = Citation("Inland Revenue (Amendment) (Tax Concessions for Carried Interest) Ordinance 2021",
                          "in operation 7 May 2021; sums received or accrued on or after 1 April 2020")
HKMA_GUIDELINE = Citation("HKMA, Guideline on Certification of Funds under Schedule 16D (16 July 2021)",
                          "private investments; minimum activity: 2 full-time qualified employees, HK$2m expenditure")


def _facts(ctx: RuleContext, ci: CarriedInterestFacts, names: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name in names:
        value = ctx.fact(name, getattr(ci, name))
        out[name] = "unknown" if value is None else ("met" if value else "failed")
    return out


def _decide(parts: dict[str, str]) -> Out:
    outcome = combine(parts.values())
    return Out(outcome, "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in parts.items()), unit="text")


@rule("ci.eligible", "Eligible carried interest under the concession in force (0%)",
      cite=[IRO("Sch. 16D"), ORDINANCE_2021, HKMA_GUIDELINE, HKVATAX("docs/decisions/0075-carried-interest.md")],
      valid_from=CI_FROM)
def eligible_in_force(ctx: RuleContext, ci: CarriedInterestFacts) -> Out:
    """Carried interest is eligible when paid by a fund within s.20AM certified by the HKMA, it is a
    profit-related return subject to a hurdle rate, it arises from the fund's profits on private-equity
    transactions, and the recipient is a qualifying person meeting the substantial-activities requirement."""
    ctx.fact("fund", ci.fund_name)
    parts = _facts(ctx, ci, ("fund_is_fund_s20am", "fund_certified_by_hkma", "subject_to_hurdle_rate",
                             "from_private_equity_transactions", "recipient_qualifying_person",
                             "substantial_activities_met"))
    return _decide(parts)


@rule("ext.ci.eligible", "Proposed: eligible carried interest under the 2026 Bill (0%)",
      cite=[BILL("carried interest: HKMA certification removed, hurdle-rate reference deleted, carry from all "
                 "qualifying investments covered", "UDN and stheadline reports of the LegCo Panel on Financial "
                 "Affairs, 2 March 2026; KPMG and PwC on the FSTB consultation, November 2024", confidence="medium"),
            IRO("Sch. 16D"), HKVATAX("docs/decisions/0075-carried-interest.md")],
      valid_from=CI_FROM, status="proposed", status_param=IN_FORCE)
def eligible_bill(ctx: RuleContext, ci: CarriedInterestFacts, ext: Figure) -> Out:
    """Under the Bill the fund need not be certified by the HKMA and the return need not be subject to a hurdle
    rate; carry from the fund's profits on any qualifying investment (the new classes, digital assets included)
    is covered. The recipient's qualifying-person and substance conditions stay."""
    ctx.uses(ext)
    ctx.fact("fund", ci.fund_name)
    source = ci.from_qualifying_transactions
    if source is None and ci.from_private_equity_transactions:
        source = True  # private equity is one class of qualifying investment
    parts = _facts(ctx, ci, ("fund_is_fund_s20am", "recipient_qualifying_person", "substantial_activities_met"))
    ctx.fact("from_qualifying_transactions", source)
    parts["from_qualifying_transactions"] = "unknown" if source is None else ("met" if source else "failed")
    return _decide(parts)


@rule("ci.line.treatment", "Carried interest: 0% when eligible, else normal rates",
      cite=[IRO("Sch. 16D"), ORDINANCE_2021], valid_from=CI_FROM)
def ci_treatment(ctx: RuleContext, line: ProfitLine, eligible: Figure) -> Out:
    """Eligible carried interest is charged at 0%; carried interest that is not (or not shown to be) eligible is
    chargeable at the normal rates."""
    if eligible.value == "met":
        return Out("zero_rate", "eligible carried interest: 0%", unit="text")
    if eligible.value == "unknown":
        return Out("assessable", "eligibility unknown: normal rates until the missing facts are supplied", unit="text")
    return Out("assessable", "not eligible carried interest: normal rates", unit="text")


@rule("ci.concessionary_profits", "Carried interest charged at 0%", cite=[IRO("Sch. 16D"), ORDINANCE_2021],
      valid_from=CI_FROM)
def ci_total(ctx: RuleContext, lines: Sequence[ProfitLine], treatments: Sequence[Figure]) -> Out:
    """The sum of the carried-interest lines charged at 0%."""
    total = ZERO
    with exact_context():
        for ln, t in zip(lines, treatments, strict=True):
            if t.value == "zero_rate":
                ctx.uses(ln.figure)
                total += ln.amount
    return Out(total, "sum of the eligible carried interest")


def carried_interest_regime(ctx: RuleContext, facts: Sequence[CarriedInterestFacts], lines: Sequence[ProfitLine], *,
                            extension: bool) -> RegimeResult | None:
    """Decide the carried-interest concession for the year's carried-interest lines (``income_type`` carried
    interest, in the same order as ``facts``), under the law in force or, when the extension applies, the Bill."""
    ci_lines = [ln for ln in lines if ln.income_type == "carried_interest"]
    if not ci_lines or ctx.year < YearOfAssessment.parse(CI_FROM):
        return None
    ext = extension_applies(ctx, extension, key="ci") if extension else None
    ext_on = bool(ext is not None and ext.value)
    conds: list[ConditionResult] = []
    treats: list[Figure] = []
    by_key = {f"carried_interest:{i}": ci for i, ci in enumerate(facts)}
    for ln in ci_lines:
        ci = by_key[ln.key]
        elig = eligible_bill(ctx, ci, ext, key=ln.key) if ext_on and ext is not None else \
            eligible_in_force(ctx, ci, key=ln.key)
        conds.append(condition(ctx, elig))
        treats.append(ci_treatment(ctx, ln, elig, key=ln.key))
    total = ci_total(ctx, ci_lines, treats)
    treatments: dict[str, Treatment] = {ln.key: t.value for ln, t in zip(ci_lines, treats, strict=True)}
    outcome = combine(c.outcome for c in conds)
    notes = []
    if outcome == "unknown":
        missing = sorted({m for c in conds for m in c.missing})
        notes.append("carried interest: eligibility unknown, normal rates until these facts are supplied: "
                     + ", ".join(missing))
    extra = {"carried_interest_zero_rate": total} | ({"extension": ext} if ext is not None else {})
    eligible: Literal["yes", "no", "unknown"] = {"met": "yes", "failed": "no", "unknown": "unknown"}[outcome]  # type: ignore[assignment]
    return RegimeResult(regime="carried_interest", eligible=eligible,
                        conditions=tuple(conds), treatments=treatments,
                        reasons={ln.key: t for ln, t in zip(ci_lines, treats, strict=True)},
                        exempt_total=total, notes=tuple(notes), extra=extra)
