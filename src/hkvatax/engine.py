"""The engine: runs the stages in order for a taxpayer, its events and years of assessment.

    input models → ledger (lot matching) → classification (character, source, lines)
                 → regime (profits tax baseline; UFE / FIHV, with or without the VA extension)
                 → assessment (losses, rates, reduction, rounding) → trace

No I/O, no clock, no global state: the same inputs give the same outcome.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from .ledger import LedgerResult, match_scenario
from .ledger.aggregate import LedgerAggregates, aggregate
from .models.scenario import Scenario
from .models.taxpayers import FamilyOffice, Individual, PrivateFund
from .money import exact_context
from .periods import YearEnd, YearOfAssessment
from .rules.classification import CharacterDecision, build_lines, decide_character, ledger_stats
from .rules.extension import A_EXT_FIRST_YEAR, extension_in_force
from .rules.lines import ConditionResult, ProfitLine, RegimeResult
from .rules.params import ParamStore, default_params
from .rules.profits_tax import (
    apportion_outgoings,
    baseline_treatment,
    basis_period,
    charge_at_rates,
    individual_investor_note,
    losses,
    losses_bf,
    losses_cf,
    net_profit,
    not_assessed_reason,
    one_off_reduction,
    round_assessable,
    round_tax,
    salaries_tax_items,
    sum_lines,
    tax_payable,
)
from .rules.registry import Figure, RuleContext
from .trace import Trace, Tracer

__all__ = ["assess", "Assessment", "YearAssessment", "BranchAssessment", "FIGURE_ORDER", "REGIMES"]

ZERO = Decimal(0)
REGIMES = ("baseline", "va_extension")

#: The figures of a year's statement, in the order they are shown.
FIGURE_ORDER: tuple[str, ...] = (
    "capital_gains", "offshore_profits", "revenue_disposal_profits", "business_receipts", "other_income",
    "deductions", "exempt_profits", "net_profit", "losses_brought_forward", "losses_set_off",
    "assessable_profits", "losses_carried_forward", "tax_at_rates", "tax_charged", "one_off_reduction",
    "tax_payable", "salaries_tax_items",
)

A_EXTENSION_YEAR = "A-EXT-FIRST-YEAR"


@dataclass(frozen=True)
class BranchAssessment:
    """The computation for one year under one character (both are shown when it is indeterminate)."""

    year: YearOfAssessment
    character: Literal["capital", "revenue"]
    figures: dict[str, Figure]
    lines: tuple[ProfitLine, ...]
    regime: RegimeResult
    concession: RegimeResult | None
    notes: tuple[str, ...] = ()

    @property
    def conditions(self) -> tuple[ConditionResult, ...]:
        """The concession's eligibility conditions (met / failed / unknown), if a concession applies."""
        return self.concession.conditions if self.concession else ()

    @property
    def deemed_profits(self) -> dict[str, Figure]:
        """UFE anti-round-tripping: deemed assessable profits of resident investors (not the fund's own)."""
        if self.concession is None:
            return {}
        return {k[len("deemed["):-1]: v for k, v in self.concession.extra.items() if k.startswith("deemed[")}

    def __getitem__(self, name: str) -> Decimal:
        value = self.figures[name].value
        assert isinstance(value, Decimal)
        return value

    @property
    def tax_payable(self) -> Decimal:
        return self["tax_payable"]

    @property
    def assessable_profits(self) -> Decimal:
        return self["assessable_profits"]

    @property
    def losses_carried_forward(self) -> Decimal:
        return self["losses_carried_forward"]


@dataclass(frozen=True)
class YearAssessment:
    """One year of assessment: the character decision and the computation (or both branches).

    A year before the first year the parameter tables cover has status ``"not_assessed"``: no decision, no
    branches, and ``reason`` says why (its events still went through the ledger; decision 0120).
    """

    year: YearOfAssessment
    status: Literal["determined", "indeterminate", "not_assessed"]
    decision: CharacterDecision | None
    branches: dict[str, BranchAssessment]
    missing_facts: tuple[str, ...] = ()
    reason: str | None = None

    @property
    def result(self) -> BranchAssessment | None:
        """The computation, or None when the character is indeterminate (see ``branches``) or not assessed."""
        if self.status != "determined":
            return None
        return next(iter(self.branches.values()))

    def _get(self, name: str) -> Decimal | None:
        r = self.result
        return None if r is None else r[name]

    @property
    def tax_payable(self) -> Decimal | None:
        return self._get("tax_payable")

    @property
    def assessable_profits(self) -> Decimal | None:
        return self._get("assessable_profits")

    @property
    def losses_carried_forward(self) -> Decimal | None:
        return self._get("losses_carried_forward")

    @property
    def exempt_profits(self) -> Decimal | None:
        return self._get("exempt_profits")


@dataclass(frozen=True)
class Assessment:
    """What :func:`assess` returns: per year figures, the ledger, and the trace that explains them."""

    scenario: Scenario
    regime: str
    years: dict[str, YearAssessment]
    ledger: LedgerResult | None
    trace: Trace
    settings: dict[str, Any] = field(default_factory=dict)
    aggregates: LedgerAggregates | None = None

    def __getitem__(self, year: str | int | YearOfAssessment) -> YearAssessment:
        return self.years[YearOfAssessment.parse(year).label]

    @property
    def taxpayer_name(self) -> str:
        return self.scenario.taxpayer.name

    def explain(self, year: str | YearOfAssessment | None = None, *, detail: str = "summary") -> Any:
        from .explain import Explanation

        return Explanation.build(self, year=year, detail=detail)

    def _repr_html_(self) -> str:
        return str(self.explain()._repr_html_())

    def to_json(self, *, detail: str = "summary") -> str:
        return str(self.explain(detail=detail).to_json())

    def depends_on_proposed_law(self) -> bool:
        return bool(self.trace.proposed_rules)


def _concession(ctx: RuleContext, tp: Any, lines: Sequence[ProfitLine], extension: bool,
                basis: tuple[Any, Any]) -> RegimeResult | None:
    """The fund or family-office regime for this taxpayer, if any (UFE: IRO ss.20AM-20AY; FIHV: Part 6E), or the
    carried-interest concession for a person receiving carried interest (Sch. 16D)."""
    if not isinstance(tp, (PrivateFund, FamilyOffice)) and tp.carried_interest:
        from .rules.carried_interest import carried_interest_regime

        return carried_interest_regime(ctx, tp.carried_interest, lines, extension=extension)
    if isinstance(tp, PrivateFund):
        try:
            from .rules.ufe import ufe_regime
        except ImportError:  # pragma: no cover - the module ships with the package
            return None
        return ufe_regime(ctx, tp, lines, extension=extension, basis_period=basis)
    if isinstance(tp, FamilyOffice):
        try:
            from .rules.fihv import fihv_regime
        except ImportError:  # pragma: no cover
            return None
        if not ctx.params.has("fihv.concessionary_rate", ctx.year):
            return None
        return fihv_regime(ctx, tp, lines, extension=extension)
    return None


def _not_assessed(y: YearOfAssessment, params: ParamStore) -> YearAssessment | None:
    """A year before the tables start: reported with its reason, never assessed, never failing later years."""
    reason = not_assessed_reason(params, y)
    return None if reason is None else YearAssessment(y, "not_assessed", None, {}, reason=reason)


def _year_range(ledger: LedgerAggregates, years: Iterable[YearOfAssessment] | None) -> tuple[list[YearOfAssessment],
                                                                                        list[YearOfAssessment]]:
    known = list(ledger.years)
    wanted = sorted(set(years)) if years is not None else known
    if not wanted:
        return [], []
    first = min([*known, *wanted]) if known else wanted[0]
    last = max(wanted)
    span = []
    y = first
    while y <= last:
        span.append(y)
        y = y.next()
    return span, wanted


def _parse_years(years: str | int | YearOfAssessment | Iterable[str | int | YearOfAssessment] | None
                 ) -> list[YearOfAssessment] | None:
    if years is None:
        return None
    if isinstance(years, (str, int, YearOfAssessment)):
        text = str(years) if not isinstance(years, YearOfAssessment) else years.label
        if isinstance(years, str) and ".." in years:
            a, b = years.split("..", 1)
            start, end = YearOfAssessment.parse(a), YearOfAssessment.parse(b)
            out = []
            while start <= end:
                out.append(start)
                start = start.next()
            return out
        return [YearOfAssessment.parse(text if isinstance(years, str) else years)]
    return [YearOfAssessment.parse(y) for y in years]


def assess(
    scenario: Scenario,
    years: str | int | YearOfAssessment | Iterable[str | int | YearOfAssessment] | None = None,
    *,
    regime: str = "baseline",
    extension_first_year: str = "2025/26",
    params: ParamStore | None = None,
    ledger: LedgerResult | None = None,
    aggregates: LedgerAggregates | None = None,
    law_settings: Mapping[str, Any] | None = None,
) -> Assessment:
    """Assess ``scenario`` for the given years of assessment (default: every year with activity).

    Args:
        scenario: the taxpayer, its assets, events and rates.
        years: one year ("2025/26"), a range ("2023/24..2025/26"), a list, or None for all.
        regime: ``"baseline"`` (law in force) or ``"va_extension"`` (with the proposed extension of the fund
            and family-office concessions to virtual assets, Bill gazetted 12 June 2026).
        extension_first_year: first year of assessment the extension applies to (an assumption).
        params: parameter tables (default: those shipped with hkvatax).
        ledger: a ledger result already computed for this scenario (saves a second matching run).
        aggregates: the ledger's per-year, per-asset sums when no full result is kept (the fast path for large
            CSV ledgers, :func:`hkvatax.fast.assess_csv`); ``explain(detail="full")`` then needs a full result.
        law_settings: readings of unsettled law the rules consult (e.g. ``digital_asset_stablecoins``,
            ``extension_incidental_conditions``; see :mod:`hkvatax.rules.extension`), each shown in the trace.
    """
    if regime not in REGIMES:
        raise ValueError(f"regime must be one of {REGIMES}, got {regime!r}")
    params = params or default_params()
    ext_first = YearOfAssessment.parse(extension_first_year)
    tp = scenario.taxpayer
    year_end = YearEnd(tp.accounting_year_end_month, tp.accounting_year_end_day)
    wanted_years = _parse_years(years)
    with exact_context():
        if ledger is None and aggregates is None:
            ledger = match_scenario(scenario)
        agg = aggregates if aggregates is not None else aggregate(ledger)  # type: ignore[arg-type]
        span, wanted = _year_range(agg, wanted_years)
        # A pre-pass decides the character of each year (cheap), to settle the receipts' cost basis.
        scratch = Tracer()
        pre = {y: decide_character(RuleContext(y, params, scratch), tp, ledger_stats(agg, y)) for y in span}
        nil_types = {"staking", "mining", "airdrop", "fork", "lending_interest"}
        if (scenario.settings.receipt_cost_basis is None and pre
                and all(d.character == "capital" for d in pre.values())
                and any(key[1] in nil_types for key in agg.receipts)):
            if aggregates is not None and ledger is None:
                raise ValueError("receipts need a nil cost basis for a non-business holder: assess from the "
                                 "scenario (reference path), or set settings.receipt_cost_basis")
            ledger = match_scenario(scenario, receipt_cost_basis="nil")
            agg = aggregate(ledger)
        tracer = Tracer()
        settings = {**dict(law_settings or {}), "extension_first_year": ext_first.label, "regime": regime}
        results: dict[str, YearAssessment] = {}
        carry: dict[str, Decimal] = {}
        initial_bf = Decimal(tp.losses_brought_forward_hkd)
        for y in span:
            skipped = _not_assessed(y, params)
            if skipped is not None:
                results[y.label] = skipped
                continue
            ctx = RuleContext(y, params, tracer, scenario=regime, settings=settings)
            decision = decide_character(ctx, tp, ledger_stats(agg, y))
            branch_names: list[Literal["capital", "revenue"]] = (
                ["capital", "revenue"] if decision.character == "indeterminate" else [decision.character])
            branches: dict[str, BranchAssessment] = {}
            for branch in branch_names:
                bctx = ctx if len(branch_names) == 1 else RuleContext(
                    y, params, tracer, scenario=f"{regime}~{branch}", settings=settings)
                if len(branch_names) > 1:
                    bctx.uses(decision.figure)
                in_force = extension_in_force(params, y)
                extension = in_force or (regime == "va_extension" and y >= ext_first)
                if extension and not in_force:
                    tracer.assume(A_EXT_FIRST_YEAR)
                ba = _assess_branch(bctx, scenario, agg, ledger, branch, decision, carry.get(branch, None), initial_bf,
                                    extension, year_end.basis_period(y))
                branches[branch] = ba
                carry[branch] = ba.losses_carried_forward
            if len(branch_names) == 1:
                # keep both carries aligned so a later indeterminate year starts from the same losses
                only = branch_names[0]
                carry = {"capital": carry[only], "revenue": carry[only]}
            status: Literal["determined", "indeterminate"] = (
                "indeterminate" if decision.character == "indeterminate" else "determined")
            results[y.label] = YearAssessment(y, status, decision, branches, decision.missing)
        roots = [f.id for ya in results.values() for b in ya.branches.values() for f in b.figures.values()]
        trace = tracer.freeze(roots)
    shown = {label: ya for label, ya in results.items() if YearOfAssessment.parse(label) in set(wanted)}
    return Assessment(scenario, regime, shown, ledger, trace, settings, agg)


def _assess_branch(ctx: RuleContext, scenario: Scenario, agg: LedgerAggregates, ledger: LedgerResult | None,
                   branch: Literal["capital", "revenue"],
                   decision: CharacterDecision, carried: Decimal | None, initial_bf: Decimal, extension: bool,
                   basis: tuple[Any, Any]) -> BranchAssessment:
    tp = scenario.taxpayer
    business = branch == "revenue"
    lines = build_lines(ctx, agg, tp, scenario.assets, branch, detail=ledger)
    ctx.uses(decision.figure)
    base = baseline_treatment(ctx, lines, business, decision.figure)
    treatments = dict(base.treatments)
    concession = _concession(ctx, tp, [ln for ln in lines if treatments[ln.key] == "assessable"], extension, basis)
    if concession is not None:
        for key, treatment in concession.treatments.items():
            if treatments.get(key) == "assessable":
                treatments[key] = treatment
    by = {ln.key: ln for ln in lines}

    def reason(key: str) -> Figure:
        if concession is not None and key in concession.reasons:
            return concession.reasons[key]
        return base.reasons[key]

    def pick(pred: Any) -> list[Figure]:
        return [by[k].figure for k in by if pred(by[k], treatments[k])]

    def why(pred: Any) -> list[Figure]:
        return [reason(k) for k in by if pred(by[k], treatments[k])]

    def subtotal(label: str, what: str, pred: Any) -> Figure:
        return sum_lines(ctx, pick(pred), label, what, why(pred))

    figures: dict[str, Figure] = {}
    figures["capital_gains"] = subtotal("capital_gains", "Capital gains and losses (not chargeable)",
                                        lambda ln, t: ln.kind == "disposal" and ln.character == "capital")
    figures["offshore_profits"] = subtotal("offshore_profits", "Revenue profits from outside Hong Kong (not chargeable)",
                                           lambda ln, t: ln.offshore and ln.character == "revenue")
    figures["revenue_disposal_profits"] = subtotal("revenue_disposal_profits", "Chargeable profits and losses on disposals",
                                                   lambda ln, t: ln.kind == "disposal" and t == "assessable")
    figures["business_receipts"] = subtotal("business_receipts", "Business receipts in tokens",
                                            lambda ln, t: ln.kind == "receipt" and t == "assessable")
    figures["other_income"] = subtotal("other_income", "Other chargeable income",
                                       lambda ln, t: ln.kind == "income" and t == "assessable")
    figures["deductions"] = subtotal("deductions", "Deductible outgoings (negative)",
                                     lambda ln, t: ln.kind == "outgoing" and t == "assessable")
    figures["exempt_profits"] = subtotal("exempt_profits", "Profits exempt or taxed at 0% under a concession",
                                         lambda ln, t: t in {"exempt", "zero_rate"})
    if concession is not None and "outgoings_assessable_share" in concession.extra:
        figures["deductions"] = apportion_outgoings(ctx, figures["deductions"],
                                                    concession.extra["outgoings_assessable_share"])
    chargeable = [figures[k] for k in ("revenue_disposal_profits", "business_receipts", "other_income", "deductions")]
    period = basis_period(ctx, basis[0].isoformat(), basis[1].isoformat(),
                          f"{basis[1].day:02d}/{basis[1].month:02d} each year")
    net = net_profit(ctx, chargeable, period)
    figures["net_profit"] = net
    bf_amount = initial_bf if carried is None else carried
    bf = losses_bf(ctx, bf_amount, "stated by the user" if carried is None else "carried from the previous year",
                   tp, carried is None)
    figures["losses_brought_forward"] = bf
    set_off = losses(ctx, net, bf, tp)
    figures["losses_set_off"] = set_off
    figures["assessable_profits"] = round_assessable(ctx, net, set_off)
    figures["losses_carried_forward"] = losses_cf(ctx, net, bf, set_off)
    notes: list[str] = []
    if business:
        raw = charge_at_rates(ctx, tp, figures["assessable_profits"])
        figures["tax_at_rates"] = raw
        charged = round_tax(ctx, raw, "tax_charged")
        figures["tax_charged"] = charged
        reduction = one_off_reduction(ctx, charged)
        figures["one_off_reduction"] = reduction
        figures["tax_payable"] = round_tax(ctx, tax_payable(ctx, charged, reduction), "tax_payable")
        if isinstance(tp, Individual):
            notes.append("An individual carrying on business may elect personal assessment (IRO ss.41-43), which "
                         "can set a business loss against other income and may lower the tax; not computed here.")
    else:
        zero = sum_lines(ctx, [], "tax_at_rates", "No business: nothing is charged at the profits tax rates")
        figures["tax_at_rates"] = zero
        figures["tax_charged"] = sum_lines(ctx, [], "tax_charged", "No business: no tax charged")
        figures["one_off_reduction"] = sum_lines(ctx, [], "one_off_reduction", "No tax, so no reduction")
        figures["tax_payable"] = individual_investor_note(ctx, figures["capital_gains"])
    figures["salaries_tax_items"] = salaries_tax_items(
        ctx, [ln.figure for ln in lines if ln.kind == "receipt" and ln.receipt_type == "salary"])
    if concession is not None:
        notes.extend(concession.notes)
    return BranchAssessment(ctx.year, branch, figures, tuple(lines), base, concession, tuple(notes))


