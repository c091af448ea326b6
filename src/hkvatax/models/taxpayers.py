"""Taxpayers: one model per kind, as a discriminated union on ``kind``.

The facts here are what the rules need. A fact left as ``None`` is *unknown*: a rule that needs it
answers "unknown" or "indeterminate" and says which fact to supply; it never assumes a pass.

Kinds:

* ``individual`` — a natural person; invests, or trades as an unincorporated business.
* ``corporation`` — a company; presumed to carry on business (DIPN 39 para 11).
* ``partnership`` — a partnership or other unincorporated business (two-tier rates for persons other
  than corporations).
* ``private_fund`` — a fund for the unified fund exemption (IRO ss.20AM–20AY; DIPN 61).
* ``family_office`` — a family-owned investment holding vehicle (FIHV), with its eligible single
  family office (ESFO) and any family-owned special purpose entities (FSPEs) (IRO Part 6E, Sch. 16E).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, StrictBool, model_validator
from pydantic_core import PydanticCustomError

from .assets import ExtensionClass, Sch16CClass
from .common import Count, Date, Frozen, NonNegativeAmount, Percent, SignedAmount
from .events import Character
from .exact import CarriedAmount

__all__ = [
    "LotMethod",
    "MethodElection",
    "TradingFacts",
    "CharacterOverride",
    "TwoTierFacts",
    "InterestPeriod",
    "ResidentInvestor",
    "FundType",
    "SpeFacts",
    "FundFacts",
    "FspeFacts",
    "EsfoFacts",
    "FihvFacts",
    "Individual",
    "Corporation",
    "Partnership",
    "PrivateFund",
    "FamilyOffice",
    "StatedLine",
    "CarriedInterestFacts",
    "Taxpayer",
]


class LotMethod(StrEnum):
    """Cost formulas. LIFO is not a member: DIPN 1 para 48 does not accept it.

    Examples:
        >>> LotMethod("fifo"), LotMethod.WEIGHTED_AVERAGE.value
        (<LotMethod.FIFO: 'fifo'>, 'weighted_average')
    """

    WEIGHTED_AVERAGE = "weighted_average"
    FIFO = "fifo"
    SPECIFIC_ID = "specific_id"


class MethodElection(Frozen):
    """The cost formula used from a year of assessment onward (kept until the next election).

    Examples:
        >>> MethodElection(method="fifo", from_year="2025/26").method
        <LotMethod.FIFO: 'fifo'>
    """

    method: LotMethod
    from_year: str = Field(description="First year of assessment, e.g. '2024/25'.")
    note: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _refuse_lifo(cls, data: object) -> object:
        if isinstance(data, dict) and str(data.get("method", "")).strip().lower() in {"lifo", "hifo", "lofo"}:
            raise PydanticCustomError(
                "lifo_refused",
                "{method} is not an accepted cost formula: DIPN 1 para 48 says the Commissioner does not accept "
                "LIFO; use weighted_average, fifo or specific_id",
                {"method": str(data["method"])},
            )
        return data

    @model_validator(mode="after")
    def _year(self) -> MethodElection:
        from ..periods import YearOfAssessment

        YearOfAssessment.parse(self.from_year)
        return self


class TradingFacts(Frozen):
    """Facts for the badges of trade (DIPN 39 paras 46, 48). ``None`` means not stated.

    Examples:
        >>> facts = TradingFacts(intention_at_acquisition="resale_at_profit", transactions_per_year=400)
        >>> facts.intention_at_acquisition, facts.transactions_per_year
        ('resale_at_profit', 400)
    """

    intention_at_acquisition: Literal["long_term_investment", "resale_at_profit", "mixed"] | None = Field(
        default=None, description="Stated intention when the assets were acquired (DIPN 39 para 46)."
    )
    intention_evidence: str | None = Field(default=None, description="What supports the stated intention.")
    transactions_per_year: Count | None = Field(
        default=None, description="Override of the frequency computed from the ledger."
    )
    organised_like_a_business: StrictBool | None = Field(
        default=None, description="Systematic, organised activity: bots, staff, office, business plan (para 48)."
    )
    financed_by_borrowing: StrictBool | None = Field(default=None, description="Purchases financed by loans or margin.")
    supplementary_work: StrictBool | None = Field(
        default=None, description="Work done to make the assets more marketable (badge of trade)."
    )
    realisation_circumstances: Literal["planned_sale", "forced_or_unexpected", "ordinary"] | None = Field(
        default=None, description="Why assets were sold (an emergency sale points away from trade)."
    )
    profit_motive: StrictBool | None = Field(default=None, description="Activity carried on to make a profit (para 48).")
    mining_or_validating_as_business: StrictBool | None = Field(
        default=None, description="Mining or validating run as a business (para 47)."
    )
    accepts_crypto_in_business: StrictBool | None = Field(
        default=None, description="Receives crypto in the course of a business (para 51)."
    )


class CharacterOverride(Frozen):
    """A user's decision of character, with the reason that will appear in the trace.

    Examples:
        >>> CharacterOverride(character="capital", reason="held as a long-term investment (board minute 3/2024)").character
        <Character.CAPITAL: 'capital'>
    """

    character: Character
    reason: str = Field(min_length=1)


class TwoTierFacts(Frozen):
    """Two-tiered rates: the connected-entities rule (IRO s.14AAC).

    Examples:
        >>> TwoTierFacts(has_connected_entities=True, is_nominated_entity=True).is_nominated_entity
        True
    """

    has_connected_entities: StrictBool | None = Field(default=None, description="Any connected entity (>50% control)?")
    is_nominated_entity: StrictBool | None = Field(
        default=None, description="This entity is the group's nominated entity for the two-tier rates."
    )
    elected_other_concessionary_regime: StrictBool = Field(
        default=False, description="Taxed under another half-rate concession (e.g. corporate treasury centre)."
    )


class CarriedInterestFacts(Frozen):
    """Carried interest received from a fund (IRO Sch. 16D; Inland Revenue (Amendment) (Tax Concessions for
    Carried Interest) Ordinance 2021), for the concession in force and for the 2026 Bill's version."""

    amount_hkd: NonNegativeAmount = Field(description="Carried interest received or accrued in the year.")
    year: str = Field(description="Year of assessment, e.g. '2025/26'.")
    fund_name: str | None = None
    fund_is_fund_s20am: StrictBool | None = Field(default=None, description="Paid by a fund within s.20AM.")
    fund_certified_by_hkma: StrictBool | None = Field(default=None, description="The fund is an HKMA-certified investment fund.")
    subject_to_hurdle_rate: StrictBool | None = Field(
        default=None, description="A profit-related return subject to a hurdle rate (preferred return).")
    from_private_equity_transactions: StrictBool | None = Field(
        default=None, description="Arises from the fund's profits on private-equity transactions (private companies).")
    from_qualifying_transactions: StrictBool | None = Field(
        default=None, description="Arises from the fund's profits on qualifying transactions of any class (incl. VAs).")
    recipient_qualifying_person: StrictBool | None = Field(
        default=None, description="The recipient provides investment management services in Hong Kong (licensed, "
        "registered, or for a qualifying fund).")
    substantial_activities_met: StrictBool | None = Field(
        default=None, description="At least 2 full-time qualified employees and HK$2m operating expenditure in HK.")


class _TaxpayerBase(Frozen):
    name: str = Field(min_length=1)
    accounting_year_end_month: int = Field(default=3, ge=1, le=12)
    accounting_year_end_day: int = Field(default=31, ge=1, le=31)
    methods: tuple[MethodElection, ...] = Field(
        default=(MethodElection(method=LotMethod.WEIGHTED_AVERAGE, from_year="2018/19"),),
        description="Cost-formula elections; the latest whose from_year is not after the year applies.",
    )
    per_wallet_pools: StrictBool = Field(default=False, description="One pool per (asset, wallet) instead of per asset.")
    trading: TradingFacts = Field(default_factory=TradingFacts)
    character: CharacterOverride | None = Field(default=None, description="Override for the whole taxpayer.")
    asset_character: dict[str, CharacterOverride] = Field(
        default_factory=dict, description="Overrides per asset symbol."
    )
    offshore: StrictBool | None = Field(
        default=None,
        description="True when the profit-producing operations were all outside Hong Kong (DIPN 39 para 47).",
    )
    two_tier: TwoTierFacts = Field(default_factory=TwoTierFacts)
    losses_brought_forward_hkd: CarriedAmount = Field(  # exact as carried (decision 0160)
        default=Decimal(0), description="Adjusted losses brought forward from before the first year assessed (s.19C)."
    )
    carried_interest: tuple[CarriedInterestFacts, ...] = Field(
        default=(), description="Carried interest received from funds (Sch. 16D concession; 2026 Bill)."
    )
    losses_brought_forward_same_trade: StrictBool | None = Field(
        default=None,
        description=(
            "Individuals and trustees: the losses brought forward arose in the same trade as the profits assessed "
            "(s.19C(1), s.19C(6)(e); DIPN 8 paras 7, 16). False: not set off here. None: assumed (A-LOSSES-SAME-TRADE)."
        ),
    )

    @model_validator(mode="after")
    def _year_end(self) -> _TaxpayerBase:
        from ..periods import YearEnd, YearOfAssessment

        YearEnd(self.accounting_year_end_month, self.accounting_year_end_day)
        years = [YearOfAssessment.parse(m.from_year) for m in self.methods]  # "2024/25" and "2024-25" are one year
        if len(set(years)) != len(years):
            raise ValueError("two cost-formula elections name the same first year")
        return self


class Individual(_TaxpayerBase):
    """A natural person (``kind="individual"``): chargeable only on profits of a trade or business (IRO s.14).

    Examples:
        >>> ann = Individual(name="Ann Lee", trading=TradingFacts(intention_at_acquisition="long_term_investment"))
        >>> ann.kind, ann.trading.intention_at_acquisition
        ('individual', 'long_term_investment')
    """

    kind: Literal["individual"] = "individual"
    hk_resident: StrictBool | None = None
    carries_on_business: StrictBool | None = Field(
        default=None, description="User's statement that the individual trades as a business (None = decide from facts)."
    )


class Corporation(_TaxpayerBase):
    """A company (``kind="corporation"``), presumed to carry on a business (DIPN 39 para 11).

    Examples:
        >>> co = Corporation(name="Harbour Ltd", incorporated_in="HK", two_tier=TwoTierFacts(has_connected_entities=False))
        >>> co.kind, co.incorporated_in, co.accounting_year_end_month, co.accounting_year_end_day
        ('corporation', 'HK', 3, 31)
    """

    kind: Literal["corporation"] = "corporation"
    incorporated_in: str | None = None
    central_management_in_hk: StrictBool | None = None
    carries_on_business: StrictBool | None = Field(
        default=None, description="None: the DIPN 39 para 11 presumption applies."
    )
    mne_group_member: StrictBool | None = Field(default=None, description="Constituent entity of an MNE group (FSIE).")


class Partnership(_TaxpayerBase):
    """A partnership (``kind="partnership"``).

    Examples:
        >>> Partnership(name="Lee & Wong", partners=2).kind
        'partnership'
    """

    kind: Literal["partnership"] = "partnership"
    partners: Count | None = Field(default=None, ge=1)
    carries_on_business: StrictBool | None = None


class InterestPeriod(Frozen):
    """A beneficial interest held over a date range (both days inclusive).

    Examples:
        >>> period = InterestPeriod(start="2025-04-01", end="2026-03-31", percent="40")
        >>> period.start, period.percent
        (datetime.date(2025, 4, 1), Decimal('40'))
    """

    start: Date
    end: Date
    percent: Percent
    route: str | None = Field(
        default=None,
        description=(
            "How the interest is held: None for the person's main holding, or a name for another route "
            "(e.g. 'via HoldCo'). Periods on different routes may overlap and add up: direct plus indirect "
            "interests (Sch. 15C Pt 2; DIPN 61 Appendix 5 Example 5.1)."
        ),
    )

    @model_validator(mode="after")
    def _ordered(self) -> InterestPeriod:
        if self.end < self.start:
            raise PydanticCustomError(
                "order_of_dates", "interest period ends ({end}) before it starts ({start})",
                {"end": str(self.end), "start": str(self.start)},
            )
        return self


class ResidentInvestor(Frozen):
    """A Hong Kong resident person holding an interest in a fund (anti-round-tripping, ss.20AW–20AY).

    Examples:
        >>> investor = ResidentInvestor(name="Wong Ltd", interests=[InterestPeriod(start="2025-04-01", end="2026-03-31",
        ...                                                                       percent="35")])
        >>> investor.name, investor.interests[0].percent
        ('Wong Ltd', Decimal('35'))
    """

    name: str
    person_type: Literal["individual", "corporation", "partnership", "trustee"] = "individual"
    is_hk_resident: StrictBool = True
    interests: tuple[InterestPeriod, ...] = Field(description="Own beneficial interest, direct or indirect.")
    associates_interests: tuple[InterestPeriod, ...] = Field(
        default=(), description="Combined interest of its associates (resident or not) over time."
    )
    fund_is_associate: StrictBool = Field(default=False, description="The fund is an associate of this person.")
    held_through: str | None = Field(
        default=None,
        description=(
            "Name of the resident investor in the same list through which this interest is held (the next person "
            "down the chain towards the fund). If a person down the chain is charged on the same profits, this one "
            "is discharged (s.20AX(9), s.20AY(8); DIPN 61 Appendix 5 Example 5.7)."
        ),
    )
    interposed_resident_already_deemed: StrictBool = Field(
        default=False,
        description=(
            "Override: held through a resident person already charged on the same profits, who is not in the "
            "list (no double deeming). Inferred from held_through when the chain is given."
        ),
    )

    @model_validator(mode="after")
    def _non_overlapping(self) -> ResidentInvestor:
        for label, periods in (("interests", self.interests), ("associates_interests", self.associates_interests)):
            routes = {p.route for p in periods}
            for route in routes:
                ordered = sorted((p for p in periods if p.route == route), key=lambda p: p.start)
                for a, b in zip(ordered, ordered[1:], strict=False):
                    if b.start <= a.end:
                        raise PydanticCustomError(
                            "order_of_dates", "{label}: periods {a} and {b} overlap",
                            {"label": label, "a": f"{a.start}–{a.end}", "b": f"{b.start}–{b.end}"},
                        )
        return self


class SpeFacts(Frozen):
    """A special purpose entity of the fund (s.20AO), for the Sch. 15D deeming of its exempt profits.

    Examples:
        >>> SpeFacts(name="Peak SPV Ltd", fund_interest_percent="100").fund_interest_percent
        Decimal('100')
    """

    name: str
    fund_interest_percent: Percent = Field(
        description="The fund's direct or indirect interest in the SPE (Sch. 15D Pt 2; B2 in the formula)."
    )
    exempt_profits_hkd: SignedAmount | None = Field(
        default=None, description="The SPE's profits exempt under s.20AO for its accounting period (C)."
    )
    accounting_period_start: Date | None = Field(
        default=None, description="First day of the SPE's accounting period (default: the fund's)."
    )
    accounting_period_end: Date | None = Field(
        default=None, description="Last day of the SPE's accounting period (default: the fund's)."
    )

    @model_validator(mode="after")
    def _period(self) -> SpeFacts:
        if (self.accounting_period_start is None) != (self.accounting_period_end is None):
            raise ValueError("give both ends of the SPE's accounting period, or neither")
        if self.accounting_period_start and self.accounting_period_end and \
                self.accounting_period_end < self.accounting_period_start:
            raise PydanticCustomError(
                "order_of_dates", "the SPE's accounting period ends ({end}) before it starts ({start})",
                {"end": str(self.accounting_period_end), "start": str(self.accounting_period_start)},
            )
        return self


class FundType(StrEnum):
    """What kind of fund a :class:`FundFacts` describes (ordinary, sovereign wealth, pension …).

    Examples:
        >>> FundType("pension")
        <FundType.PENSION: 'pension'>
    """

    ORDINARY = "ordinary"
    SOVEREIGN_WEALTH = "sovereign_wealth"
    PENSION = "pension"
    ENDOWMENT = "endowment"
    GOVERNMENT_INVESTOR = "government_investor"
    SINGLE_INVESTOR = "single_investor"


class FundFacts(Frozen):
    """Facts for the fund definition, the gateway and the exemption (IRO ss.20AM–20AN; DIPN 61).

    Examples:
        >>> FundFacts(fund_type="ordinary", investor_count=12).investor_count
        12
    """

    fund_type: FundType = FundType.ORDINARY
    # s.20AM(2): three limbs, at all times in the basis period (DIPN 61 para 35, 53)
    managed_as_whole_or_pooled: StrictBool | None = None
    participants_no_day_to_day_control: StrictBool | None = None
    shares_profits_from_property: StrictBool | None = None
    # s.20AM(5)/(6)
    excluded_arrangement: str | None = Field(
        default=None, description="Name of an s.20AM(5) exclusion that applies (e.g. 'group scheme'), if any."
    )
    business_undertaking_general_commercial: StrictBool | None = Field(
        default=None, description="A business undertaking for general commercial or industrial purposes (s.20AM(6))."
    )
    # gateway (s.20AN(6); DIPN 61 paras 80–93)
    uses_specified_person: StrictBool | None = Field(
        default=None, description="Qualifying transactions carried out or arranged in HK by an SFC-licensed/registered person."
    )
    specified_person_name: str | None = None
    final_closing_date: Date | None = None
    investor_count: Count | None = Field(default=None, description="Investors other than originator and associates.")
    investor_commitments_percent: Percent | None = Field(
        default=None, description="Investors' share of aggregate capital commitments (must exceed 90%)."
    )
    originator_net_proceeds_percent: Percent | None = Field(
        default=None, description="Originator and associates' agreed share of net proceeds, excluding pro-rata return."
    )
    managed_assets_hkd: NonNegativeAmount | None = Field(
        default=None, description="Value of assets managed (for the proposed single-investor HK$240m floor)."
    )
    # anti-round-tripping (ss.20AW–20AY)
    resident_investors: tuple[ResidentInvestor, ...] = ()
    holders_count: Count | None = Field(default=None, description="Number of holders (widely held test).")
    largest_21_hold_75_percent_or_less: StrictBool | None = Field(
        default=None, description="True if no 20 holders together hold more than 75% (i.e. at least 21 hold 75%+)."
    )
    bona_fide_widely_held_accepted: StrictBool | None = Field(
        default=None, description="Commissioner satisfied the fund is bona fide widely held (DIPN 61 para 171)."
    )
    spes: tuple[SpeFacts, ...] = Field(
        default=(), description="The fund's special purpose entities, for deeming their exempt profits (s.20AY)."
    )
    # the proposed extension (Bill 2026): new obligations whose thresholds were not published
    extension_substantial_activities_met: StrictBool | None = Field(
        default=None,
        description=(
            "Proposed: the fund meets the substantial-activities requirement the extension adds (local employees "
            "and expenditure, 'similar to the FIHV regime'; thresholds not published). None: unknown."
        ),
    )
    extension_tax_reporting_complied: StrictBool | None = Field(
        default=None,
        description="Proposed: the fund complies with the tax-reporting mechanism the extension adds. None: unknown.",
    )

    @model_validator(mode="after")
    def _chains(self) -> FundFacts:
        _unique("SPE", [spe.name for spe in self.spes])
        _check_chains(self.resident_investors)
        _check_fund_ownership(self.resident_investors)
        return self


def _unique(what: str, names: list[str]) -> None:
    """The trace keys a node by name: two entries with one name are a named input problem, not a trace
    collision (``duplicate_name``)."""
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise PydanticCustomError("duplicate_name", "two {what}s are named {name!r}: give each its own name",
                                      {"what": what, "name": name})
        seen.add(name)


def _peak(periods: list[InterestPeriod]) -> tuple[Decimal, date | None]:
    """The largest total percentage the periods give at any one day, and the first day it is reached
    (a sweep over the period ends: linear after sorting)."""
    steps: list[tuple[date, int, Decimal]] = []
    for p in periods:
        steps.append((p.start, 1, p.percent))
        steps.append((p.end, 2, -p.percent))  # end is inclusive: leaves after the starts of the same day
    steps.sort(key=lambda s: (s[0], s[1]))
    total, best, when = Decimal(0), Decimal(0), None
    for day, _, delta in steps:
        total += delta
        if total > best:
            best, when = total, day
    return best, when


def _over_100(what: str, periods: list[InterestPeriod]) -> None:
    best, when = _peak(periods)
    if best > 100:
        raise PydanticCustomError(
            "ownership_sum", "{what} add up to {total}% on {day}: more than 100%",
            {"what": what, "total": str(best), "day": str(when)},
        )


def _check_fund_ownership(investors: tuple[ResidentInvestor, ...]) -> None:
    """Interests in a fund cannot exceed 100% on any day: one person's own interest over all its routes,
    its own plus its associates', and the interests of all the resident investors that do not hold through
    another resident person (``held_through`` or ``interposed_resident_already_deemed``: such an interest is
    part of that person's; s.20AX(9); docs/decisions/0145)."""
    top: list[InterestPeriod] = []
    for inv in investors:
        _over_100(f"the interests of {inv.name}", list(inv.interests))
        _over_100(f"the interests of {inv.name} and its associates", list(inv.interests + inv.associates_interests))
        if inv.held_through is None and not inv.interposed_resident_already_deemed:
            top.extend(inv.interests)
    _over_100("the interests of the resident investors (other than those held through another)", top)


def _check_chains(investors: tuple[ResidentInvestor, ...]) -> None:
    names = [inv.name for inv in investors]
    known = set(names)
    links = {inv.name: inv.held_through for inv in investors}
    for inv in investors:
        if inv.held_through is not None and names.count(inv.held_through) > 1:
            raise PydanticCustomError(
                "duplicate_name", "resident investor {name}: held_through names {below!r}, and two resident investors "
                "have that name: give each its own name", {"name": inv.name, "below": inv.held_through})
        if inv.held_through is not None and inv.held_through not in known:
            raise ValueError(f"resident investor {inv.name}: held_through names {inv.held_through!r}, who is not "
                             "in resident_investors")
        seen = {inv.name}
        below = inv.held_through
        while below is not None:
            if below in seen:
                raise ValueError(f"resident investor {inv.name}: its held_through chain loops back to {below!r}")
            seen.add(below)
            below = links.get(below)


class FspeFacts(Frozen):
    """A family-owned special purpose entity of an FIHV: its name and the FIHV's interest in it.

    Examples:
        >>> FspeFacts(name="Chan Holdings (BVI) Ltd", fihv_interest_percent="100").fihv_interest_percent
        Decimal('100')
    """

    name: str
    fihv_interest_percent: Percent
    holds_only_investee_private_companies: StrictBool | None = None


class EsfoFacts(Frozen):
    """The eligible single family office (Sch. 16E).

    Examples:
        >>> EsfoFacts(name="Chan Family Office Ltd", family_ownership_percent="100").family_ownership_percent
        Decimal('100')
    """

    name: str | None = None
    is_private_company: StrictBool | None = None
    normally_managed_or_controlled_in_hk: StrictBool | None = None
    family_ownership_percent: Percent | None = None
    charity_ownership_percent: Percent | None = None
    services_to_family_percent: Percent | None = Field(
        default=None, description="Share of assessable profits from services to the family's FIHVs/FSPEs (safe harbour 75%)."
    )

    @model_validator(mode="after")
    def _shares(self) -> EsfoFacts:
        _sum_at_most_100("family and charity ownership of the ESFO",
                         (self.family_ownership_percent, self.charity_ownership_percent))
        return self


class FihvFacts(Frozen):
    """Facts for the FIHV concession (IRO Part 6E, Sch. 16E).

    Examples:
        >>> FihvFacts(specified_assets_value_hkd="300000000").specified_assets_value_hkd
        Decimal('300000000')
    """

    family_ownership_percent: Percent | None = None
    charity_ownership_percent: Percent | None = Field(default=None, description="s.88 charity's beneficial interest.")
    unrelated_ownership_percent: Percent | None = None
    normally_managed_or_controlled_in_hk: StrictBool | None = None
    business_undertaking_general_commercial: StrictBool | None = None
    specified_assets_value_hkd: NonNegativeAmount | None = Field(
        default=None, description="Sch. 16C assets of the FIHVs/FSPEs managed by the ESFO (HK$240m test)."
    )
    virtual_assets_value_hkd: NonNegativeAmount | None = Field(
        default=None, description="Digital (virtual) assets held, which may count towards HK$240m only under the "
        "extension (assumption A-EXT-FIHV-VA-THRESHOLD)."
    )
    other_extension_assets_value_hkd: NonNegativeAmount | None = Field(
        default=None, description="Assets of the other classes the extension adds (e.g. precious metals), which may "
        "count towards HK$240m only under the extension (assumption A-EXT-FIHV-VA-THRESHOLD)."
    )
    qualified_full_time_employees_in_hk: Count | None = None
    operating_expenditure_in_hk_hkd: NonNegativeAmount | None = None
    transactions_arranged_by_esfo_in_hk: StrictBool | None = None
    election_made: StrictBool | None = None
    election_date: Date | None = None
    esfo: EsfoFacts = Field(default_factory=EsfoFacts)
    fspes: tuple[FspeFacts, ...] = ()

    @model_validator(mode="after")
    def _shares(self) -> FihvFacts:
        _sum_at_most_100("family, charity and unrelated ownership of the FIHV", (
            self.family_ownership_percent, self.charity_ownership_percent, self.unrelated_ownership_percent))
        _unique("FSPE", [fspe.name for fspe in self.fspes])
        return self


def _sum_at_most_100(what: str, parts: tuple[Decimal | None, ...]) -> None:
    total = sum((p for p in parts if p is not None), start=Decimal(0))
    if total > 100:
        raise PydanticCustomError("ownership_sum", "{what} add up to {total}%: more than 100%",
                                  {"what": what, "total": str(total)})


class StatedLine(Frozen):
    """A profit line stated by the user instead of built from the ledger, for a fund or family office: e.g. a
    securities book, or an incidental transaction whose receipts and profits differ (an incidental disposal;
    receipts of HK$6m producing profits of HK$2m). Receipts count in the 5% ratio; profits less the expenses
    attributable to the line are what is exempt or charged (DIPN 61 paras 76-77; docs/decisions/0076)."""

    key: str = Field(min_length=1, description="Unique name of the line.")
    year: str = Field(description="Year of assessment, e.g. '2025/26'.")
    kind: Literal["disposal", "income", "receipt"] = "disposal"
    asset: str | None = Field(default=None, description="Symbol of a scenario asset; its classes apply.")
    sch16c_class: Sch16CClass | None = Field(default=None, description="Sch. 16C class, if not taken from the asset.")
    extension_class: ExtensionClass | None = Field(
        default=None, description="Class the extension adds, if not taken from the asset.")
    incidental: StrictBool = Field(default=False, description="An incidental transaction (s.20AN(2)(b)), e.g. a disposal.")
    receipts_hkd: NonNegativeAmount = Field(description="Trading receipts (gross), for the 5% ratio.")
    profit_hkd: SignedAmount = Field(description="Profit (negative: loss) before attributable expenses.")
    attributable_expenses_hkd: NonNegativeAmount = Field(
        default=Decimal(0), description="Expenses attributable to this line; they reduce it (s.16(1)).")
    character: Literal["capital", "revenue"] = "revenue"
    offshore: StrictBool = False
    income_type: Literal["interest", "dividend", "other"] | None = None
    receipt_type: str | None = None
    source: str | None = Field(default=None, description="Where the figures come from (accounts, a worked example).")

    @model_validator(mode="after")
    def _year(self) -> StatedLine:
        from ..periods import YearOfAssessment

        YearOfAssessment.parse(self.year)
        if self.kind == "income" and self.income_type is None:
            raise ValueError(f"stated line {self.key}: an income line needs income_type")
        return self


class PrivateFund(_TaxpayerBase):
    """A fund (``kind="private_fund"``): the unified fund exemption when it qualifies (IRO ss.20AM–20AN).

    Examples:
        >>> fund = PrivateFund(name="Peak Digital Fund LP", fund=FundFacts(fund_type="ordinary"))
        >>> fund.kind, fund.fund.fund_type
        ('private_fund', <FundType.ORDINARY: 'ordinary'>)
    """

    kind: Literal["private_fund"] = "private_fund"
    entity_form: Literal["corporation", "partnership", "trust", "other"] = "corporation"
    fund: FundFacts = Field(default_factory=FundFacts)
    is_ofc: StrictBool = Field(default=False, description="An open-ended fund company (s.20AN(1)(c) OFC variant).")
    stated_lines: tuple[StatedLine, ...] = Field(default=(), description="Profit lines stated beside the ledger.")

    @model_validator(mode="after")
    def _unique_lines(self) -> PrivateFund:
        _unique("stated line", [line.key for line in self.stated_lines])
        return self


class FamilyOffice(_TaxpayerBase):
    """A family-owned investment holding vehicle (``kind="family_office"``): the FIHV regime (IRO Part 6E).

    Examples:
        >>> fo = FamilyOffice(name="Chan Family Holdings Ltd", fihv=FihvFacts(family_ownership_percent="100"))
        >>> fo.kind, fo.fihv.family_ownership_percent
        ('family_office', Decimal('100'))
    """

    kind: Literal["family_office"] = "family_office"
    entity_form: Literal["corporation", "partnership", "trust", "other"] = "corporation"
    fihv: FihvFacts = Field(default_factory=FihvFacts)
    stated_lines: tuple[StatedLine, ...] = Field(default=(), description="Profit lines stated beside the ledger.")

    @model_validator(mode="after")
    def _unique_lines(self) -> FamilyOffice:
        _unique("stated line", [line.key for line in self.stated_lines])
        return self


Taxpayer = Annotated[
    Individual | Corporation | Partnership | PrivateFund | FamilyOffice, Field(discriminator="kind")
]
"""Any taxpayer (a discriminated union on ``kind``)."""
