"""Profits tax (the baseline every concession is measured against).

Per year of assessment: which lines are chargeable (s.14: a business in Hong Kong, its profits, Hong
Kong source, not capital), assessable profits or an adjusted loss (s.18B, s.19D), losses set off and
carried forward in HKD (s.19C), the two-tiered rates (s.14, Sch. 1 and Sch. 8; s.14AAC connected
entities), the year's one-off reduction, and tax payable — each step a traced rule, rounding only at
the two named steps.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Literal

from ..models.taxpayers import Corporation, FamilyOffice, Individual, Partnership, PrivateFund
from ..money import ROUND_ASSESSABLE_PROFITS, ROUND_TAX, fmt_pct
from ..money import fmt_amount as A
from ..periods import YearOfAssessment
from ..trace import Assumption, Citation, FactUse
from .classification import Taxpayerish
from .lines import ProfitLine, RegimeResult, Treatment
from .params import ParamStore
from .registry import CASE, DIPN, HKVATAX, IRO, RULES, Figure, Out, RuleContext, rule

__all__ = [
    "baseline_treatment", "net_profit", "losses", "round_assessable", "two_tier_eligible", "tax_at_rates",
    "round_tax", "one_off_reduction", "tax_payable", "rate_class", "individual_investor_note",
    "salaries_tax_items", "NON_BUSINESS_RECEIPT", "TAXREP", "sum_lines", "line_treatment", "stated",
    "apportion_outgoings", "basis_period", "tax_at_flat_rate", "charge_at_rates", "ASSESSMENT_PARAMS",
    "first_modelled_year", "not_assessed_reason", "A_REDUCTION_NIL", "loss_kind", "losses_set_off_individual",
    "losses_set_off_partnership", "losses_set_off_corporation", "losses_set_off_trustee", "REDUCTION_ORDINANCES",
]

ZERO = Decimal(0)
TAXREP = Citation("IRD", "Completion of Profits Tax Returns: amounts in HK dollars excluding cents",
                  "https://www.ird.gov.hk/eng/tax/taxrep_ptr.htm")

NON_BUSINESS_RECEIPT = Assumption(
    "A-RECEIPTS-NONBUSINESS",
    "Staking, mining, airdrop, fork and lending receipts of a person not carrying on a business are outside "
    "profits tax (no general income tax; DIPN 39 para 46 by analogy), and the new tokens' cost is nil.",
    "set settings.receipt_cost_basis or state carries_on_business",
)
A_RECEIPTS_BUSINESS = Assumption(
    "A-RECEIPTS-BUSINESS",
    "Staking, mining and lending rewards received in a crypto business are business receipts at market value "
    "when received (DIPN 39 para 49 names airdrops and forks; mining and staking by analogy).",
    None,
)
A_TWO_TIER = Assumption(
    "A-TWO-TIER-ELIGIBLE",
    "Connected entities not stated: the entity is taken to be entitled to the two-tiered rates (no connected "
    "entity, or this is the nominated one) under s.14AAC.",
    "state two_tier.has_connected_entities and two_tier.is_nominated_entity",
)


A_REDUCTION_NIL = Assumption(
    "A-REDUCTION-NIL",
    "No one-off reduction is assumed for a year after the parameter tables: each reduction is granted year by "
    "year by its own Ordinance, after that year's Budget.",
    "supply profits_tax.one_off_reduction.percent and .cap for the year: --params FILE",
    propagates=True,
)

#: The parameters every year's assessment needs: the rate of each class and the year's one-off reduction.
ASSESSMENT_PARAMS = ("profits_tax.corporation.standard_rate", "profits_tax.unincorporated.standard_rate",
                     "profits_tax.one_off_reduction.percent", "profits_tax.one_off_reduction.cap")


def first_modelled_year(params: ParamStore) -> YearOfAssessment | None:
    """The earliest year of assessment for which the tables hold every parameter an assessment needs."""
    firsts = [params.first_year(p) for p in ASSESSMENT_PARAMS]
    known = [y for y in firsts if y is not None]
    return max(known) if known and len(known) == len(firsts) else None


def not_assessed_reason(params: ParamStore, year: YearOfAssessment) -> str | None:
    """Why ``year`` is not assessed (a year before the tables start), or None if it is (decision 0120)."""
    first = first_modelled_year(params)
    if first is None or year >= first:
        return None
    return (f"before {first.label} — hkvatax's tables of profits tax rates and one-off reductions "
            f"start at {first.label}, so {year.label} is run through the ledger (its pools are carried forward) "
            "but not assessed; any loss of that year is not computed (state it as losses_brought_forward_hkd, "
            "or supply the year's rates with --params FILE)")


@rule("pt.chargeable.line", "Which profits are chargeable to profits tax",
      cite=[IRO("s.14(1)"), DIPN(39, "paras 9, 46, 47"), DIPN(21, "paras 7-8"), IRO("s.26 (dividends)")])
def line_treatment(ctx: RuleContext, line: ProfitLine, business: bool, decision: Figure | None = None) -> Out:
    """Chargeable: profits of a business carried on in Hong Kong, arising in Hong Kong, not from capital assets."""
    treatment: Treatment
    if line.kind == "outgoing":
        if business and line.deductible:
            treatment, why = "assessable", "deductible outgoing of the business (s.16)"
        elif business:
            treatment, why = "excluded", "not deductible (s.17): stated as capital or private"
        else:
            treatment, why = "excluded", "no business: outgoings are irrelevant"
    elif line.offshore:
        treatment, why = "excluded", "offshore: the user states the profit-producing operations were outside Hong Kong"
    elif line.kind == "receipt" and line.receipt_type == "salary":
        treatment, why = "excluded", "salary in tokens is a salaries-tax item (DIPN 39 para 52), not a business receipt"
    elif line.kind == "receipt":
        if business and line.receipt_type == "gift":
            treatment, why = "assessable", "a gift received is not a receipt of the business: counted at nil " \
                "(A-GIFT-RECEIVED)"
        elif business:
            if line.receipt_type in {"staking", "mining", "lending_interest"}:
                ctx.assume(A_RECEIPTS_BUSINESS)
            treatment, why = "assessable", "business receipt at market value (DIPN 39 paras 49, 51)"
        else:
            ctx.assume(NON_BUSINESS_RECEIPT)
            treatment, why = "excluded", "received outside any business: outside profits tax (assumption)"
    elif line.kind == "income" and line.income_type == "dividend":
        treatment, why = "excluded", "dividends are not chargeable (s.26)"
    elif line.character == "capital" or not business and line.kind == "income":
        treatment, why = "excluded", "capital: profits on the sale of capital assets are outside s.14 (DIPN 39 para 46)"
    else:
        treatment, why = "assessable", "revenue profit of a business carried on in Hong Kong, Hong Kong source"
    return Out(treatment, f"{line.key}: {why}.", label="treatment", unit="text", inputs=(line.figure,))


def baseline_treatment(ctx: RuleContext, lines: Sequence[ProfitLine], business: bool,
                       decision: Figure | None = None) -> RegimeResult:
    treatments: dict[str, Treatment] = {}
    reasons: dict[str, Figure] = {}
    for line in lines:
        fig = line_treatment(ctx, line, business, decision, key=line.key)
        treatments[line.key] = fig.value
        reasons[line.key] = fig
    return RegimeResult("profits_tax", "yes", (), treatments, reasons)


@rule("pt.basis_period", "Basis period of the year of assessment", cite=[IRO("s.18B(2)"), DIPN(1, "para 3")])
def basis_period(ctx: RuleContext, first: str, last: str, year_end: str) -> Out:
    """Profits of the accounting period ending within the year of assessment are assessed for that year."""
    ctx.fact("accounting_year_end", year_end)
    return Out(f"{first} to {last}", f"Accounts made up to {year_end}: the basis period for {ctx.year.label} is "
               f"{first} to {last} (the accounting period ending within the year of assessment).",
               label="basis_period", unit="text")


@rule("pt.net_profit", "Assessable profits before losses (or adjusted loss)",
      cite=[IRO("s.14"), IRO("s.18B(1)"), IRO("s.19D"), IRO("s.16")])
def net_profit(ctx: RuleContext, assessable: Sequence[Figure], period: Figure | None = None) -> Out:
    """The full amount of chargeable profits for the basis period less deductible outgoings; negative is a loss."""
    total = sum((f.value for f in assessable), ZERO)
    return Out(total, f"Sum of {len(assessable)} chargeable line(s): HKD {A(total)}.", label="net_profit")


LossKind = Literal["individual", "partnership", "corporation", "trustee"]

A_LOSSES_SAME_TRADE = Assumption(
    "A-LOSSES-SAME-TRADE",
    "The losses brought forward that the user states arose in the same trade, profession or business as the "
    "profits assessed here (s.19C(1) for individuals and s.19C(6)(e) for trustees allow no other set-off; "
    "DIPN 8 paras 7, 16), and no personal assessment was elected for the year of the loss (DIPN 8 paras 7, 10).",
    "state losses_brought_forward_same_trade (false: the losses are not set off here)",
)
A_LOSSES_PARTNERSHIP = Assumption(
    "A-LOSSES-PARTNERSHIP-SHARES",
    "A partnership's losses belong to its partners (s.19C(2), (5); DIPN 8 paras 8-9, 13): hkvatax sets them "
    "off as one pool, which equals the sum of the partners' own set-offs only when every partner shares "
    "losses and profits in the same ratio, the partners do not change, no partner elected personal "
    "assessment and no partner used its share elsewhere.",
    "compute each partner's set-off outside hkvatax when the sharing ratios differ or partners change",
)


def loss_kind(tp: Taxpayerish) -> LossKind:
    """Which loss provision applies to the taxpayer: s.19C(1) individuals, s.19C(2)/(5) partnerships,
    s.19C(4) corporations and other persons (bodies of persons), s.19C(6)(e) trustees (DIPN 8 paras 7-16)."""
    if isinstance(tp, Individual):
        return "individual"
    if isinstance(tp, Partnership):
        return "partnership"
    if isinstance(tp, (PrivateFund, FamilyOffice)):
        return {"corporation": "corporation", "partnership": "partnership", "trust": "trustee"}.get(
            tp.entity_form, "corporation")  # type: ignore[return-value]
    return "corporation"


@rule("pt.losses.brought_forward", "Losses brought forward and available against this trade",
      cite=[IRO("s.19C(1), (2), (4), (5), (6)(e)"), IRO("s.19D"), DIPN(8, "paras 2-3, 7-16")])
def losses_bf(ctx: RuleContext, amount: Decimal, origin: str, tp: Taxpayerish | None = None,
              stated: bool = False) -> Out:
    """Adjusted losses of earlier years are carried forward without time limit, in HKD. An individual's or a
    trustee's loss is available only against profits of the same trade (s.19C(1), s.19C(6)(e)); a
    corporation's against any of its assessable profits (s.19C(4))."""
    ctx.fact("losses_brought_forward_hkd", amount)
    ctx.fact("losses_brought_forward.origin", origin)
    if tp is None or not stated or amount == 0:
        return Out(amount, f"Losses brought forward HKD {A(amount)} ({origin}).", label="losses_brought_forward")
    kind = loss_kind(tp)
    ctx.fact("loss_provision", kind)
    if kind in ("individual", "trustee"):
        same = ctx.fact("losses_brought_forward_same_trade", tp.losses_brought_forward_same_trade)
        if same is False:
            return Out(ZERO, f"Losses of HKD {A(amount)} arose in another trade: not available against this one "
                       f"({'s.19C(1)' if kind == 'individual' else 's.19C(6)(e)'}); HKD 0 brought forward here.",
                       label="losses_brought_forward")
        if same is None:
            ctx.assume(A_LOSSES_SAME_TRADE)
    if kind == "partnership":
        ctx.assume(A_LOSSES_PARTNERSHIP)
    return Out(amount, f"Losses brought forward HKD {A(amount)} ({origin}).", label="losses_brought_forward")


def _set_off(profit: Figure, brought_forward: Figure, whose: str) -> Out:
    p: Decimal = profit.value
    bf: Decimal = brought_forward.value
    set_off = min(max(p, ZERO), bf)
    return Out(set_off, f"Set off HKD {A(set_off)} of the HKD {A(bf)} brought forward against {whose} of HKD "
               f"{A(max(p, ZERO))}.", label="losses_set_off")


@rule("pt.losses.set_off.individual", "An individual's losses set off against profits of the same trade",
      cite=[IRO("s.19C(1)"), DIPN(8, "para 7")])
def losses_set_off_individual(ctx: RuleContext, profit: Figure, brought_forward: Figure) -> Out:
    """An individual's loss in a trade, profession or business is carried forward and set off against his
    assessable profits from that same trade in later years (if he did not elect personal assessment)."""
    return _set_off(profit, brought_forward, "the same trade's profits")


@rule("pt.losses.set_off.partnership", "Partners' shares of partnership losses set off against their shares of "
      "its later profits", cite=[IRO("s.19C(2)"), IRO("s.19C(5)"), IRO("s.22A"), DIPN(8, "paras 8-9, 13")])
def losses_set_off_partnership(ctx: RuleContext, profit: Figure, brought_forward: Figure) -> Out:
    """A partnership's loss is apportioned among the partners (s.22A); each partner's share is set off against
    that partner's share of the partnership's later profits from the same business (an individual partner,
    s.19C(2)) or first against that share and then its own profits (a corporate partner, s.19C(5))."""
    ctx.assume(A_LOSSES_PARTNERSHIP)
    return _set_off(profit, brought_forward, "the partners' shares of the partnership's profits")


@rule("pt.losses.set_off.corporation", "A corporation's losses set off against its assessable profits",
      cite=[IRO("s.19C(4)"), DIPN(8, "paras 11-12"), CASE("Board of Review D54/91 (losses carried forward in HKD)")])
def losses_set_off_corporation(ctx: RuleContext, profit: Figure, brought_forward: Figure) -> Out:
    """A corporation's (or other body of persons') loss is set off first against its assessable profits of the
    same year, then carried forward and set off against its assessable profits of later years until absorbed."""
    return _set_off(profit, brought_forward, "the corporation's assessable profits")


@rule("pt.losses.set_off.trustee", "A trustee's losses set off against later profits of the same trust's trade",
      cite=[IRO("s.19C(6)(e)"), DIPN(8, "para 16")])
def losses_set_off_trustee(ctx: RuleContext, profit: Figure, brought_forward: Figure) -> Out:
    """A trustee's loss in a trade carried on as trustee is set off only against later assessable profits of the
    trust from that particular trade: not another trust's, nor the trustee's own."""
    return _set_off(profit, brought_forward, "the same trust's trade profits")


_SET_OFF = {"individual": losses_set_off_individual, "partnership": losses_set_off_partnership,
            "corporation": losses_set_off_corporation, "trustee": losses_set_off_trustee}


def losses(ctx: RuleContext, profit: Figure, brought_forward: Figure, tp: Taxpayerish, *,
           key: object = None) -> Figure:
    """Losses set off, by the provision for the kind of taxpayer (:func:`loss_kind`)."""
    return _SET_OFF[loss_kind(tp)](ctx, profit, brought_forward, key=key)


@rule("pt.losses.carried_forward", "Losses carried forward",
      cite=[IRO("s.19C(1), (2), (4), (6)(e)"), IRO("s.19D"), DIPN(8, "paras 7-16")])
def losses_cf(ctx: RuleContext, profit: Figure, brought_forward: Figure, set_off: Figure) -> Out:
    """Unused losses plus this year's adjusted loss go forward to later years."""
    p: Decimal = profit.value
    cf = brought_forward.value - set_off.value + (-p if p < 0 else ZERO)
    return Out(cf, f"Carried forward HKD {A(cf)} = brought forward {A(brought_forward.value)} − set off "
               f"{A(set_off.value)}{' + adjusted loss ' + A(-p) if p < 0 else ''}.", label="losses_carried_forward")


@rule("pt.round.assessable_profits", "Assessable profits stated in whole dollars",
      cite=[TAXREP, HKVATAX("0003-rounding")], status="assumption")
def round_assessable(ctx: RuleContext, profit: Figure, set_off: Figure) -> Out:
    """Assessable profits after set-off, cents dropped."""
    exact = max(profit.value - set_off.value, ZERO)
    step = ROUND_ASSESSABLE_PROFITS.apply(exact)
    return Out(step.after, f"Assessable profits HKD {A(exact)} → HKD {A(step.after)} (cents dropped).",
               label="assessable_profits", rounding=step)


def rate_class(tp: Taxpayerish) -> str:
    """'corporation' or 'unincorporated' rates (Sch. 8 vs Sch. 1)."""
    if isinstance(tp, Corporation):
        return "corporation"
    if isinstance(tp, FamilyOffice):
        return "corporation" if tp.entity_form == "corporation" else "unincorporated"
    if isinstance(tp, PrivateFund):
        return "corporation" if tp.entity_form == "corporation" else "unincorporated"
    return "unincorporated"


@rule("pt.rates.two_tier.eligible", "Entitlement to the two-tiered rates (connected entities)",
      cite=[IRO("s.14AAC"), Citation("Inland Revenue (Amendment) (No. 3) Ordinance 2018", "two-tiered rates from 2018/19")], valid_from="2018/19")
def two_tier_eligible(ctx: RuleContext, tp: Taxpayerish) -> Out:
    """Of connected entities only the nominated one may use the two-tiered rates; half-rate regimes are excluded."""
    t = tp.two_tier
    ctx.fact("two_tier.has_connected_entities", t.has_connected_entities)
    ctx.fact("two_tier.is_nominated_entity", t.is_nominated_entity)
    ctx.fact("two_tier.elected_other_concessionary_regime", t.elected_other_concessionary_regime)
    if t.elected_other_concessionary_regime:
        return Out(False, "Taxed under another concessionary regime: no two-tiered rates.", label="two_tier_eligible",
                   unit="bool")
    if t.has_connected_entities and t.is_nominated_entity is not True:
        return Out(False, "Has connected entities and is not the nominated entity: standard rate on all profits.",
                   label="two_tier_eligible", unit="bool")
    if t.has_connected_entities is None and t.is_nominated_entity is None:
        ctx.assume(A_TWO_TIER)
        return Out(True, "Connected entities not stated: taken as entitled to the two-tiered rates (assumption).",
                   label="two_tier_eligible", unit="bool")
    return Out(True, "Entitled to the two-tiered rates.", label="two_tier_eligible", unit="bool")


@rule("pt.rates.flat", "Tax at the profits tax rate (before the two-tiered rates)",
      cite=[IRO("s.14(1)"), IRO("Sch. 8 (corporations)"),
            Citation("2008-09 Budget Speech", "para 165; 2007-08 Policy Address para 70 (16.5% and 15% from 2008-09)",
                     "https://www.budget.gov.hk/2008/eng/budget74.html")],
      valid_to="2017/18")
def tax_at_flat_rate(ctx: RuleContext, assessable: Figure, klass: str) -> Out:
    """Before 2018/19 one rate applied to all assessable profits: the corporation rate or the standard rate."""
    profit: Decimal = assessable.value
    standard = ctx.param(f"profits_tax.{klass}.standard_rate")
    tax = profit * standard
    return Out(tax, f"{klass} rate (one rate before the two-tiered rates of 2018/19): HKD {A(profit)} × "
               f"{fmt_pct(standard)} = HKD {A(tax)}.", label="tax_at_rates")


def charge_at_rates(ctx: RuleContext, tp: Taxpayerish, assessable: Figure) -> Figure:
    """Tax at the rates of the year: two-tiered from 2018/19 (with the connected-entity test), flat before."""
    klass = rate_class(tp)
    if RULES["pt.rates.tax"].applies_to(ctx.year):
        return tax_at_rates(ctx, assessable, two_tier_eligible(ctx, tp), klass)
    return tax_at_flat_rate(ctx, assessable, klass)


@rule("pt.rates.tax", "Tax at the profits tax rates", cite=[IRO("s.14"), IRO("Sch. 1"), IRO("Sch. 8")],
      valid_from="2018/19")
def tax_at_rates(ctx: RuleContext, assessable: Figure, eligible: Figure, klass: str) -> Out:
    """Lower rate on the first HK$2,000,000 when entitled to two tiers, standard rate on the rest."""
    profit: Decimal = assessable.value
    standard = ctx.param(f"profits_tax.{klass}.standard_rate")
    if eligible.value:
        threshold = ctx.param(f"profits_tax.{klass}.threshold")
        lower = ctx.param(f"profits_tax.{klass}.lower_rate")
        first = min(profit, threshold)
        rest = max(profit - threshold, ZERO)
        tax = first * lower + rest * standard
        why = (f"{klass} rates: HKD {A(first)} × {fmt_pct(lower)} + HKD {A(rest)} × {fmt_pct(standard)} = HKD {A(tax)}")
    else:
        tax = profit * standard
        why = f"{klass} standard rate: HKD {A(profit)} × {fmt_pct(standard)} = HKD {A(tax)}"
    return Out(tax, why + ".", label="tax_at_rates")


@rule("pt.round.tax", "Tax in whole dollars", cite=[TAXREP, HKVATAX("0003-rounding")], status="assumption")
def round_tax(ctx: RuleContext, tax: Figure, label: str) -> Out:
    """Tax is charged in whole HK dollars, cents dropped."""
    step = ROUND_TAX.apply(tax.value)
    return Out(step.after, f"HKD {A(tax.value)} → HKD {A(step.after)} (cents dropped).", label=label, rounding=step)


#: The Ordinance that enacted each year's one-off reduction (titles as passed; docs/decisions/0070).
REDUCTION_ORDINANCES = (
    Citation("Inland Revenue (Amendment) Ordinances 2012-2018", "2011/12-2017/18, and the nil years 2008/09-2010/11: "
             "each named in its parameter entry's citation"),
    Citation("Inland Revenue (Amendment) (Tax Concessions) Ordinance 2019", "2018/19"),
    Citation("Inland Revenue (Amendment) (Tax Concessions) Ordinance 2020", "2019/20 (Bill passed 10 Jun 2020)"),
    Citation("Revenue (Tax Concessions) Ordinance 2021", "2020/21"),
    Citation("Revenue (Tax Concessions) Ordinance 2022", "2021/22 (Bill passed 6 Apr 2022)"),
    Citation("Inland Revenue (Amendment) (Child Allowance and Tax Concessions) Ordinance 2023",
             "2022/23 (Bill passed 19 Apr 2023)"),
    Citation("Inland Revenue (Amendment) (Tax Concessions and Two-tiered Standard Rates) Ordinance 2024",
             "2023/24 (Bill passed 22 May 2024)"),
    Citation("Inland Revenue (Amendment) (Tax Concessions) Ordinance 2025", "2024/25 (Bill passed 30 Apr 2025)"),
)


@rule("pt.reduction.one_off", "One-off reduction of final profits tax",
      cite=[*REDUCTION_ORDINANCES, Citation("parameter profits_tax.one_off_reduction", "each year's percent and cap, "
                                            "with its own citation and status")])
def one_off_reduction(ctx: RuleContext, tax: Figure) -> Out:
    """Final profits tax is reduced by the year's percentage, up to the year's cap (nil in a year with none).

    The years come from the table (from 2008/09 in hkvatax's own; earlier if the user supplies them).
    """
    if ctx.params.is_projected(ctx.year) and not ctx.params.has("profits_tax.one_off_reduction.percent", ctx.year):
        ctx.assume(A_REDUCTION_NIL)
        return Out(ZERO, f"No one-off reduction for {ctx.year.label}, a year after the parameter tables: none is "
                   "assumed (A-REDUCTION-NIL).", label="one_off_reduction")
    pct = ctx.param("profits_tax.one_off_reduction.percent")
    cap = ctx.param("profits_tax.one_off_reduction.cap")
    amount = min(tax.value * pct, cap)
    return Out(amount, f"min(HKD {A(tax.value)} × {fmt_pct(pct)}, cap HKD {A(cap)}) = HKD {A(amount)}.",
               label="one_off_reduction")


@rule("pt.tax_payable", "Tax payable", cite=[IRO("s.14"), Citation("one-off reduction", "see pt.reduction.one_off")])
def tax_payable(ctx: RuleContext, charged: Figure, reduction: Figure) -> Out:
    """Tax charged less the one-off reduction."""
    value = charged.value - reduction.value
    return Out(value, f"HKD {A(charged.value)} − HKD {A(reduction.value)} = HKD {A(value)}.", label="tax_before_rounding")


@rule("pt.individual.no_capital_gains_tax", "An individual investor pays no tax on crypto gains",
      cite=[DIPN(39, "para 46"), IRO("s.14(1) (capital assets excluded)")])
def individual_investor_note(ctx: RuleContext, capital: Figure) -> Out:
    """Hong Kong has no capital gains tax; an individual who does not trade pays no profits tax on disposals."""
    ctx.fact("carries_on_business", False)
    return Out(ZERO, f"Capital gains of HKD {A(capital.value)} are not taxed: Hong Kong has no capital gains tax and "
               "an individual investor carries on no business (DIPN 39 para 46).", label="tax_payable")


@rule("st.crypto_salary", "Tokens received as salary (salaries tax item)", cite=[DIPN(39, "para 52"), IRO("s.8")])
def salaries_tax_items(ctx: RuleContext, lines: Sequence[Figure]) -> Out:
    """Crypto paid as salary is chargeable to salaries tax at its market value when it accrues."""
    ctx.fact("salary_lines", len(lines))
    total = sum((f.value for f in lines), ZERO)
    return Out(total, f"HKD {A(total)} of tokens received as salary: report for salaries tax at market value on "
               "accrual (not part of profits tax).", label="salaries_tax_items")


@rule("pt.sum", "Sum of lines", cite=[IRO("s.18B(1)")])
def sum_lines(ctx: RuleContext, figures: Sequence[Figure], label: str, what: str,
              reasons: Sequence[Figure] = ()) -> Out:
    """A subtotal of the lines named, for the statement of profits."""
    ctx.fact("lines_included", len(figures))
    total = sum((f.value for f in figures), ZERO)
    return Out(total, f"{what}: HKD {A(total)} from {len(figures)} line(s).", label=label)


@rule("input.stated", "A figure stated by the caller", cite=[HKVATAX("a stated input, not computed")])
def stated(ctx: RuleContext, name: str, value: Decimal | bool | str, unit: str = "HKD") -> Out:
    """A value the caller supplies directly (used for what-if computations and tests)."""
    return Out(value, f"{name} stated by the caller: {value}.", label=f"stated_{name}", unit=unit,
               facts=(FactUse(name, value),))


@rule("pt.outgoings.apportioned", "Outgoings apportioned to chargeable profits",
      cite=[IRO("s.16(1)"), HKVATAX("0053: common outgoings follow trading receipts")], status="assumption")
def apportion_outgoings(ctx: RuleContext, deductions: Figure, share: Figure) -> Out:
    """Outgoings are deductible only to the extent incurred in producing chargeable profits."""
    value = deductions.value * share.value
    return Out(value, f"HKD {A(deductions.value)} × chargeable share {share.value:.4%} = HKD {A(value)}.",
               label="deductions_apportioned")
