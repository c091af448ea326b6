"""Classification: capital or revenue (badges of trade), source, and aggregation into profit lines.

Design note
-----------
Hong Kong taxes no capital gains: profits from selling capital assets are outside s.14, and digital
assets bought for long-term investment are capital (DIPN 39 para 46). Whether a person trades — so
that its gains are revenue — is a question of fact and degree (DIPN 39 paras 10, 48), judged by the
badges of trade, with intention at acquisition always relevant (para 46). A company that puts its
assets to gainful use is presumed to carry on a business (DIPN 39 para 11, *American Leaf Blending*).

hkvatax decides in this order, and the trace says which step decided:

1. the user's override for the taxpayer (with its reason);
2. the user's statement that the taxpayer does or does not carry on a business;
3. for a corporation (and a fund or family-office vehicle): the para 11 presumption, unless the badges
   point clearly to investment (rebuttal);
4. otherwise the badges of trade, scored openly (docs/decisions/0007-badges-scoring.md). Too few known
   facts give "indeterminate": the outcome lists the missing facts and shows both branches.

Per-asset and per-lot overrides then take precedence over the taxpayer-level answer for the assets and
lots they name. Source: Hong Kong unless the user states the profit-producing operations were outside
Hong Kong (DIPN 39 paras 14–20, 47; DIPN 21 paras 7–8).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, cast

from ..errors import SourceRef
from ..ledger.aggregate import SAMPLE_SIZE, LedgerAggregates, aggregate
from ..ledger.results import LedgerResult
from ..models.assets import Asset
from ..models.taxpayers import (
    CarriedInterestFacts,
    Corporation,
    FamilyOffice,
    Individual,
    Partnership,
    PrivateFund,
    StatedLine,
)
from ..money import allocate, exact_context
from ..money import fmt_amount as A
from ..periods import YearOfAssessment
from ..trace import Assumption, FactUse
from .lines import ProfitLine
from .registry import CASE, DIPN, HKVATAX, IRO, Figure, Out, RuleContext, rule

__all__ = [
    "Badge", "CharacterDecision", "assess_badges", "decide_character", "build_lines", "ledger_stats",
    "LedgerStats", "Taxpayerish",
]

ZERO = Decimal(0)
Taxpayerish = Individual | Corporation | Partnership | PrivateFund | FamilyOffice

A_SCORING = Assumption(
    "A-BADGES",
    "The badges of trade are weighed by an open score: intention counts twice, every other known badge once; "
    "a lead of 2 decides, otherwise the answer is indeterminate (docs/decisions/0007-badges-scoring.md).",
    "override the character for the taxpayer, an asset or a lot, with a reason",
)
A_SOURCE = Assumption(
    "A-SOURCE-HK",
    "Profits are taken as arising in Hong Kong unless the user states that the profit-producing operations "
    "were outside Hong Kong (DIPN 39 paras 14-20, 47; DIPN 21 paras 7-8).",
    "set 'offshore' on the taxpayer or on the event",
)
A_FUND_PRESUMPTION = Assumption(
    "A-VEHICLE-BUSINESS",
    "A fund or family-office vehicle that is not a company is treated like a company for the business "
    "presumption of DIPN 39 para 11.",
    "state carries_on_business or override the character",
)


@dataclass(frozen=True, slots=True)
class LedgerStats:
    """Facts computed from the ledger for one year: how often and how long."""

    disposals: int
    mean_holding_days: Decimal | None


def ledger_stats(ledger: LedgerAggregates | LedgerResult, year: YearOfAssessment) -> LedgerStats:
    """How many disposals the year had (fees in tokens aside) and their quantity-weighted holding period."""
    agg = ledger if isinstance(ledger, LedgerAggregates) else aggregate(ledger)
    stats = agg.stats.get(year)
    if stats is None:
        return LedgerStats(0, None)
    return LedgerStats(stats.disposals, stats.mean_holding_days)


@dataclass(frozen=True, slots=True)
class Badge:
    name: str
    indicates: Literal["trade", "investment", "neutral", "unknown"]
    figure: Figure
    missing: str | None = None


@rule("class.badge.intention", "Badge of trade: intention at acquisition",
      cite=[DIPN(39, "para 46"), CASE("Simmons v IRC [1980] 1 WLR 1196"), CASE("All Best Wishes Ltd v CIR (1992) 3 HKTC 750")])
def badge_intention(ctx: RuleContext, tp: Taxpayerish) -> Out:
    """Intention at the time of acquisition is always relevant; a stated intention is tested against the facts."""
    value = tp.trading.intention_at_acquisition
    ctx.fact("trading.intention_at_acquisition", value)
    if tp.trading.intention_evidence:
        ctx.fact("trading.intention_evidence", tp.trading.intention_evidence)
    indicates = {"resale_at_profit": "trade", "long_term_investment": "investment", "mixed": "neutral",
                 None: "unknown"}[value]
    why = "not stated" if value is None else f"stated as {value.replace('_', ' ')}"
    return Out(indicates, f"Intention at acquisition {why} → points to {indicates}.", label="badge", unit="text")


@rule("class.badge.holding_period", "Badge of trade: length of ownership",
      cite=[DIPN(39, "para 46 (badges of trade apply)"),
            CASE("Royal Commission on the Taxation of Profits and Income (1955): length of ownership"),
            CASE("Simmons v IRC [1980] 1 WLR 1196"),
            HKVATAX("0007-badges-scoring: under 30 days trade, over 365 days investment")],
      status="assumption")
def badge_holding(ctx: RuleContext, stats: LedgerStats) -> Out:
    """Short holding periods point to trading stock, long ones to investment."""
    days = stats.mean_holding_days
    ctx.fact("ledger.mean_holding_days", None if days is None else days.quantize(Decimal("0.1")))
    if days is None:
        return Out("unknown", "No disposal this year, so no holding period to weigh.", label="badge", unit="text")
    indicates = "trade" if days < 30 else "investment" if days > 365 else "neutral"
    return Out(indicates, f"Quantity-weighted mean holding period {days:.1f} days → points to {indicates}.",
               label="badge", unit="text")


@rule("class.badge.frequency", "Badge of trade: frequency and volume of transactions",
      cite=[DIPN(39, "para 48 (degree and frequency of the activity)"), HKVATAX("0007-badges-scoring: 60 or more disposals a year trade, 12 or fewer investment")],
      status="assumption")
def badge_frequency(ctx: RuleContext, tp: Taxpayerish, stats: LedgerStats) -> Out:
    """Frequent, voluminous buying and selling points to a trade."""
    stated = tp.trading.transactions_per_year
    n = stated if stated is not None else stats.disposals
    ctx.fact("trading.transactions_per_year" if stated is not None else "ledger.disposals_in_year", n)
    indicates = "trade" if n >= 60 else "investment" if n <= 12 else "neutral"
    return Out(indicates, f"{n} disposals in the year → points to {indicates}.", label="badge", unit="text")


def _bool_badge(ctx: RuleContext, value: bool | None, field: str, if_true: str, if_false: str, label: str) -> Out:
    ctx.fact(f"trading.{field}", value)
    if value is None:
        return Out("unknown", f"{label}: not stated.", label="badge", unit="text")
    indicates = if_true if value else if_false
    return Out(indicates, f"{label}: {'yes' if value else 'no'} → points to {indicates}.", label="badge", unit="text")


@rule("class.badge.organisation", "Badge of trade: systematic and organised activity",
      cite=[DIPN(39, "para 48 (system or organisation: a business-like manner)"), DIPN(39, "para 10")])
def badge_organisation(ctx: RuleContext, tp: Taxpayerish) -> Out:
    """Activity run in a business-like, systematic and organised way points to a trade."""
    return _bool_badge(ctx, tp.trading.organised_like_a_business, "organised_like_a_business", "trade", "investment",
                       "Organised like a business")


@rule("class.badge.financing", "Badge of trade: financing by borrowing", cite=[DIPN(39, "para 46 (badges of trade apply)"), CASE("Marson v Morton [1986] 1 WLR 1343 (how the purchase was financed)"),
            HKVATAX("0070-law-review-2026-12: financing is a later case-law factor, not a 1955 badge")],
      status="assumption")
def badge_financing(ctx: RuleContext, tp: Taxpayerish) -> Out:
    """Purchases financed by short-term borrowing point to a trade; their absence proves little."""
    return _bool_badge(ctx, tp.trading.financed_by_borrowing, "financed_by_borrowing", "trade", "neutral",
                       "Financed by borrowing")


@rule("class.badge.supplementary_work", "Badge of trade: supplementary work on the assets",
      cite=[DIPN(39, "para 46 (badges of trade apply)"),
            CASE("Royal Commission on the Taxation of Profits and Income (1955): supplementary work")])
def badge_supplementary(ctx: RuleContext, tp: Taxpayerish) -> Out:
    """Work done to make assets more marketable points to a trade."""
    return _bool_badge(ctx, tp.trading.supplementary_work, "supplementary_work", "trade", "neutral",
                       "Supplementary work")


@rule("class.badge.realisation", "Badge of trade: circumstances of realisation",
      cite=[DIPN(39, "para 46 (badges of trade apply)"),
            CASE("Royal Commission on the Taxation of Profits and Income (1955): circumstances of realisation")])
def badge_realisation(ctx: RuleContext, tp: Taxpayerish) -> Out:
    """A forced or unexpected sale points away from trading."""
    value = tp.trading.realisation_circumstances
    ctx.fact("trading.realisation_circumstances", value)
    indicates = {"forced_or_unexpected": "investment", "planned_sale": "neutral", "ordinary": "neutral",
                 None: "unknown"}[value]
    return Out(indicates, f"Circumstances of realisation: {value or 'not stated'} → {indicates}.", label="badge",
               unit="text")


@rule("class.badge.profit_motive", "Badge of trade: profit motive", cite=[DIPN(39, "para 48 (whether done for the purpose of making a profit)")])
def badge_motive(ctx: RuleContext, tp: Taxpayerish) -> Out:
    """Activity undertaken to make a profit points to a trade (para 48's third factor)."""
    return _bool_badge(ctx, tp.trading.profit_motive, "profit_motive", "trade", "investment", "Profit motive")


_MISSING = {
    "class.badge.intention": "trading.intention_at_acquisition",
    "class.badge.organisation": "trading.organised_like_a_business",
    "class.badge.financing": "trading.financed_by_borrowing",
    "class.badge.supplementary_work": "trading.supplementary_work",
    "class.badge.realisation": "trading.realisation_circumstances",
    "class.badge.profit_motive": "trading.profit_motive",
    "class.badge.holding_period": "disposals in the year (holding period)",
}


def assess_badges(ctx: RuleContext, tp: Taxpayerish, stats: LedgerStats) -> list[Badge]:
    figures = [
        ("class.badge.intention", badge_intention(ctx, tp, key="intention")),
        ("class.badge.holding_period", badge_holding(ctx, stats, key="holding_period")),
        ("class.badge.frequency", badge_frequency(ctx, tp, stats, key="frequency")),
        ("class.badge.organisation", badge_organisation(ctx, tp, key="organisation")),
        ("class.badge.financing", badge_financing(ctx, tp, key="financing")),
        ("class.badge.supplementary_work", badge_supplementary(ctx, tp, key="supplementary_work")),
        ("class.badge.realisation", badge_realisation(ctx, tp, key="realisation")),
        ("class.badge.profit_motive", badge_motive(ctx, tp, key="profit_motive")),
    ]
    return [Badge(rid.split(".")[-1], f.value, f, _MISSING.get(rid) if f.value == "unknown" else None)
            for rid, f in figures]


@dataclass(frozen=True, slots=True)
class CharacterDecision:
    """The taxpayer-level answer: revenue (carries on a business), capital, or indeterminate."""

    character: Literal["capital", "revenue", "indeterminate"]
    figure: Figure
    missing: tuple[str, ...]
    basis: str  # override | stated | presumption | badges


@rule("class.badges.weigh", "Weighing the badges of trade",
      cite=[DIPN(39, "paras 46, 48"), DIPN(39, "para 10"), HKVATAX("0007-badges-scoring: how the badges are weighed")],
      status="assumption")
def weigh_badges(ctx: RuleContext, badges: Sequence[Figure]) -> Out:
    """Fact and degree: the badges are weighed together; intention at acquisition is always relevant."""
    ctx.assume(A_SCORING)
    trade = invest = 0
    for b in badges:
        w = 2 if b.id.endswith("[intention]") else 1
        trade += w if b.value == "trade" else 0
        invest += w if b.value == "investment" else 0
    if trade >= invest + 2:
        verdict = "revenue"
    elif invest >= trade + 2:
        verdict = "capital"
    else:
        verdict = "indeterminate"
    return Out(verdict, f"Badges point to trade {trade}, to investment {invest} (intention counts twice): "
               f"{'a trade is carried on: gains are revenue' if verdict == 'revenue' else 'an investment activity: gains are capital' if verdict == 'capital' else 'no clear answer: the facts are insufficient'}.",
               label="badges_verdict", unit="text")


@rule("class.override.taxpayer", "Character set by the user for the taxpayer", cite=[DIPN(39, "para 46")])
def override_taxpayer(ctx: RuleContext, character: str, reason: str) -> Out:
    """The user decides the character for the whole taxpayer; the reason is part of the record."""
    ctx.fact("character_override", character)
    ctx.fact("character_override.reason", reason)
    return Out(character, f"Set by the user: {character} — reason: {reason}", label="character", unit="text")


@rule("class.stated_business", "Carrying on a business, as stated by the user",
      cite=[IRO("s.14(1)"), DIPN(39, "paras 9-10")])
def stated_business(ctx: RuleContext, carries_on: bool) -> Out:
    """Profits tax reaches only a person carrying on a trade, profession or business in Hong Kong."""
    ctx.fact("carries_on_business", carries_on)
    character = "revenue" if carries_on else "capital"
    return Out(character, "The user states that the taxpayer "
               f"{'carries on' if carries_on else 'does not carry on'} a business in virtual assets: gains are "
               f"{character}.", label="character", unit="text")


@rule("class.company_presumption", "A company's gainful use of its assets is presumed to be a business",
      cite=[DIPN(39, "para 11"), DIPN(13, "para 5 (mere receipt of interest is not a business)"), CASE("American Leaf Blending Co Sdn Bhd v DGIR [1979] AC 676"),
            CASE("CIR v Bartica Investment Ltd [1996] 4 HKC 599")])
def company_presumption(ctx: RuleContext, badges_verdict: Figure, kind: str, intention: str | None) -> Out:
    """A company formed to make profits is prima facie carrying on a business; the presumption can be rebutted.

    hkvatax treats it as rebutted only when the company states a long-term investment intention and the badges
    as a whole point to investment (docs/decisions/0007-badges-scoring.md).
    """
    ctx.fact("taxpayer.kind", kind)
    ctx.fact("trading.intention_at_acquisition", intention)
    if kind != "corporation":
        ctx.assume(A_FUND_PRESUMPTION)
    if badges_verdict.value == "capital" and intention == "long_term_investment":
        return Out("capital", "The company presumption is rebutted: the badges of trade point clearly to "
                   "long-term investment, so gains are capital.", label="character", unit="text")
    return Out("revenue", "Presumed to carry on a business (para 11) and not rebutted by the badges: gains are "
               "revenue.", label="character", unit="text")


def decide_character(ctx: RuleContext, tp: Taxpayerish, stats: LedgerStats) -> CharacterDecision:
    """Taxpayer-level character for ``ctx.year`` (see the module's design note for the order)."""
    badges = assess_badges(ctx, tp, stats)
    missing = tuple(b.missing for b in badges if b.missing)
    if tp.character is not None:
        fig = override_taxpayer(ctx, tp.character.character.value, tp.character.reason)
        return CharacterDecision(fig.value, fig, (), "override")
    stated = getattr(tp, "carries_on_business", None)
    if stated is not None:
        fig = stated_business(ctx, stated)
        return CharacterDecision(fig.value, fig, (), "stated")
    verdict = weigh_badges(ctx, [b.figure for b in badges])
    if isinstance(tp, (Corporation, PrivateFund, FamilyOffice)):
        fig = company_presumption(ctx, verdict, tp.kind, tp.trading.intention_at_acquisition)
        return CharacterDecision(fig.value, fig, (), "presumption")
    if verdict.value == "indeterminate":
        return CharacterDecision("indeterminate", verdict, missing, "badges")
    return CharacterDecision(verdict.value, verdict, (), "badges")


# ------------------------------------------------------------------------------------------ lines
@rule("ledger.gains", "Gains and losses on disposals, in HKD, from the ledger",
      cite=[IRO("s.18B(1)"), DIPN(1, "Appendix 5 paras 7-8 (HKAS 2: specific identification, FIFO or weighted average)"),
            DIPN(1, "para 47 (basis must reflect the facts; consistency)"), DIPN(1, "para 48(c) (LIFO rejected: Anaconda)"),
            DIPN(39, "para 51 (market value)")])
def disposals_line(ctx: RuleContext, total: Decimal, receipts: Decimal, count: int, asset: str, character: str,
                   offshore: bool, method: str, sample: Sequence[FactUse], reason: str,
                   losses: Sequence[Figure] = ()) -> Out:
    """Profit on each disposal is its HKD proceeds net of fees less the HKD cost of the lots matched to it
    (``losses``: how the tokens lost, stolen or slashed among them are treated)."""
    ctx.fact("disposals", count)
    ctx.fact("asset", asset)
    ctx.fact("cost_formula", method)
    ctx.fact("proceeds_hkd", receipts)
    return Out(total, f"{count} disposal(s) of {asset}: net {'gain' if total >= 0 else 'loss'} HKD {A(total)} "
               f"({character}, {'offshore' if offshore else 'Hong Kong'} source; {reason}).",
               label="line", facts=tuple(sample))


@rule("ledger.receipts", "Tokens received, at market value when received",
      cite=[DIPN(39, "para 49 (airdrops and forks in a business)"), DIPN(39, "para 51 (market value)"),
            DIPN(39, "para 52 (salary at market value on accrual)")])
def receipts_line(ctx: RuleContext, total: Decimal, count: int, asset: str, receipt_type: str,
                  sample: Sequence[FactUse]) -> Out:
    """Receipts are measured at their market value when received."""
    ctx.fact("receipts", count)
    ctx.fact("receipt_type", receipt_type)
    return Out(total, f"{count} {receipt_type} receipt(s) of {asset}, market value HKD {A(total)}.", label="line",
               facts=tuple(sample))


A_GIFT_RECEIVED = Assumption(
    "A-GIFT-RECEIVED",
    "Tokens received as a gift are not a receipt of any business (a gift is not earned by the trade) and are "
    "not charged when received; they enter the pool at their market value when received, as any other receipt "
    "does (DIPN 39 para 51 by analogy). No Hong Kong provision on trading stock acquired otherwise than in the "
    "ordinary course of trade was seen (decision 0165).",
    "state the tokens as an acquisition at the cost you hold, or as another receipt type if they were earned",
)
A_GIVEN_AT_MARKET_VALUE = Assumption(
    "A-GIFT-GIVEN-S15BA",
    "Trading stock given away or donated is disposed of otherwise than in the ordinary course of the trade, "
    "and its market value at that time is brought in as a trading receipt (IRO s.15BA, as DIPN 1 para 43 "
    "describes it; the section's own text was not re-read). Capital assets given away: nothing (decision 0165).",
    "state the market value on the event (value), or override the character of the asset",
)
A_DONATION_IN_KIND = Assumption(
    "A-DONATION-IN-KIND",
    "A donation of tokens (a stablecoin included) is not a donation of money, so it is not an approved "
    "charitable donation and earns no s.16D deduction (IRO s.2 definition; DIPN 37 para 5; IRD 'Charitable "
    "donations and tax-exempt charities'). Selling the tokens and donating the money would be.",
    "state a cash donation outside hkvatax; an s.26C claim under salaries tax or personal assessment is not "
    "computed here",
)


@rule("pt.gift_received", "Tokens received as a gift: not a receipt of the business",
      cite=[IRO("s.14(1)"), DIPN(39, "para 51 (market value)"), HKVATAX("docs/decisions/0165-outflows-and-gifts.md")],
      status="assumption")
def gift_received_line(ctx: RuleContext, market_value: Decimal, count: int, asset: str,
                       sample: Sequence[FactUse]) -> Out:
    """A gift is not earned by a trade: nothing is charged when it is received, for any taxpayer; the tokens
    enter the pool at their market value, which is their cost when they are later sold."""
    ctx.assume(A_GIFT_RECEIVED)
    ctx.fact("receipts", count)
    ctx.fact("market_value_hkd", market_value)
    return Out(ZERO, f"{count} gift(s) of {asset} received, market value HKD {A(market_value)}: not a receipt of "
               "the business, nil (the market value is their cost in the pool).", label="line",
               facts=tuple(sample))


@rule("pt.donation.s16d", "A donation of tokens: no approved charitable donation deduction",
      cite=[IRO("s.16D"), IRO("s.2 ('approved charitable donation': a donation of money)"),
            DIPN(37, "para 5 (the donation must be a donation of money)"),
            HKVATAX("docs/decisions/0165-outflows-and-gifts.md")],
      status="assumption")
def donation_deduction(ctx: RuleContext, market_value: Decimal, count: int, asset: str) -> Out:
    """s.16D allows approved charitable donations (money given to an s.88 charity or the Government, up to 35%
    of assessable profits); tokens are not money, so a donation of them allows nothing under s.16D."""
    ctx.assume(A_DONATION_IN_KIND)
    ctx.fact("donations", count)
    ctx.fact("market_value_hkd", market_value)
    return Out(ZERO, f"{count} donation(s) of {asset}, market value HKD {A(market_value)}: not a donation of money, "
               "so no s.16D deduction (HKD 0).", label="s16d")


@rule("pt.outflow.deemed_proceeds", "Tokens given away or donated: market value as trading receipts",
      cite=[IRO("s.15BA"), DIPN(1, "para 43 (stock disposed of otherwise than in the course of trade)"),
            DIPN(39, "para 46 (capital assets outside the charge)"),
            HKVATAX("docs/decisions/0165-outflows-and-gifts.md")],
      status="assumption")
def deemed_proceeds_line(ctx: RuleContext, market_value: Decimal, count: int, asset: str, loss_type: str,
                         character: str, sample: Sequence[FactUse], s16d: Figure | None = None) -> Out:
    """A gift or donation of trading stock brings in its market value (the cost of the tokens is in the
    disposals line, as for any disposal); a capital asset given away brings in nothing."""
    ctx.assume(A_GIVEN_AT_MARKET_VALUE)
    ctx.fact("loss_type", loss_type)
    ctx.fact("character", character)
    ctx.fact("market_value_hkd", market_value)
    extra = (s16d,) if s16d is not None else ()
    if character != "revenue":
        return Out(ZERO, f"{count} {loss_type}(s) of {asset}, market value HKD {A(market_value)}: a capital asset "
                   "given away, nothing brought in (HKD 0).", label="line", facts=tuple(sample), inputs=extra)
    return Out(market_value, f"{count} {loss_type}(s) of {asset}: trading stock disposed of otherwise than in the "
               f"course of trade, market value HKD {A(market_value)} brought in as trading receipts.", label="line",
               facts=tuple(sample), inputs=extra)


@rule("pt.outflow.loss", "Tokens lost, stolen or slashed: the cost is a loss of the trade",
      cite=[IRO("s.14(1)"), IRO("s.16(1)"), DIPN(1, "paras 39-46 (trading stock)"),
            DIPN(39, "para 46 (capital assets)"), HKVATAX("docs/decisions/0165-outflows-and-gifts.md")])
def outflow_loss(ctx: RuleContext, market_value: Decimal, count: int, asset: str, loss_type: str,
                 character: str) -> Out:
    """Trading stock lost, stolen or slashed has left the stock with nothing received: its cost is deducted (a
    disposal with no proceeds, in the disposals line). A capital asset lost: nil, as its disposal is outside s.14."""
    ctx.fact("loss_type", loss_type)
    ctx.fact("losses", count)
    ctx.fact("stated_market_value_hkd", market_value)
    stated = f" (stated market value HKD {A(market_value)})" if market_value else ""
    if character == "revenue":
        return Out("deductible at cost", f"{count} {loss_type}(s) of {asset}{stated}: trading stock lost, its cost "
                   "is deducted through the disposals line (nil proceeds).", label="outflow", unit="text")
    return Out("nil", f"{count} {loss_type}(s) of {asset}{stated}: a capital asset lost, no deduction.",
               label="outflow", unit="text")


@rule("ledger.income", "Fiat income (interest, dividends, other)",
      cite=[IRO("s.14"), IRO("s.15(1)(f) (interest: corporations)"),
            IRO("s.15(1)(g) (interest: persons other than corporations)"),
            IRO("s.15(1)(i) (interest: financial institutions)"), DIPN(13, "paras 5, 7-8, 12")])
def income_line(ctx: RuleContext, total: Decimal, count: int, income_type: str, sample: Sequence[FactUse]) -> Out:
    """Interest, dividends and other income received, in HKD."""
    ctx.fact("income_records", count)
    return Out(total, f"{count} {income_type} receipt(s), HKD {A(total)}.", label="line", facts=tuple(sample))


@rule("ledger.outgoings", "Fees and expenses stated by the user", cite=[IRO("s.16"), IRO("s.17")])
def outgoing_line(ctx: RuleContext, total: Decimal, count: int, kind: str, deductible: bool,
                  sample: Sequence[FactUse]) -> Out:
    """Outgoings incurred in producing profits are deductible (s.16); capital and private ones are not (s.17)."""
    ctx.fact("outgoings", count)
    ctx.fact("deductible", deductible)
    return Out(-total, f"{count} {kind.replace('_', ' ')}(s), HKD {A(total)} "
               f"({'deductible, s.16' if deductible else 'not deductible, s.17'}).", label="line",
               facts=tuple(sample))


def _sample(samples: Sequence[tuple[str, SourceRef | None]], count: int) -> list[FactUse]:
    out = [FactUse(f"record {rid}", rid, src) for rid, src in samples]
    if count > len(samples):
        out.append(FactUse("more records", count - len(samples), None))
    return out


@dataclass
class _Acc:
    total: Decimal = ZERO
    receipts: Decimal = ZERO
    count: int = 0
    method: str = "-"
    reason: str = ""
    samples: list[tuple[str, SourceRef | None]] | None = None

    def take(self, total: Decimal, receipts: Decimal, count: int, samples: Sequence[tuple[str, SourceRef | None]]) -> None:
        self.total += total
        self.receipts += receipts
        self.count += count
        if self.samples is None:
            self.samples = []
        room = SAMPLE_SIZE - len(self.samples)
        if room > 0:
            self.samples.extend(samples[:room])


def _disposal_groups(year: YearOfAssessment, agg: LedgerAggregates, ledger: LedgerResult | None,
                     tp: Taxpayerish, taxpayer_character: str) -> dict[tuple[str, str, bool], _Acc]:
    """Disposals of the year grouped by (asset, character, offshore), applying asset and lot overrides."""
    tp_offshore = bool(tp.offshore)
    out: dict[tuple[str, str, bool], _Acc] = defaultdict(_Acc)

    def base(asset: str) -> tuple[str, str]:
        override = tp.asset_character.get(asset)
        if override:
            return override.character.value, f"asset override: {override.reason}"
        return taxpayer_character, f"taxpayer: {taxpayer_character}"

    lot_override = {} if ledger is None else {
        lot.lot_id: (lot.character, lot.character_reason) for lot in ledger.lots if lot.character}
    with exact_context():
        if lot_override and ledger is not None:
            # lot-level overrides need the matched fragments: split each disposal by its lots' character
            for d in ledger.disposals:
                if d.year != year:
                    continue
                offshore = tp_offshore or bool(d.offshore)
                char, reason = base(d.asset)
                for f in d.fragments:
                    lot_char, why = lot_override.get(f.lot_id, (None, None))
                    acc = out[(d.asset, lot_char or char, offshore)]
                    acc.take(f.gain_hkd, allocate(d.gross_proceeds_hkd, f.quantity, d.quantity), 1,
                             [(d.disposal_id, d.source)])
                    acc.method = d.method
                    acc.reason = acc.reason or (f"lot override: {why}" if lot_char else reason)
            return out
        for (y, asset, event_offshore), g in agg.disposals.items():
            if y != year:
                continue
            char, reason = base(asset)
            acc = out[(asset, char, tp_offshore or event_offshore)]
            acc.take(g.total, g.receipts, g.count, g.samples)
            acc.method = g.method
            acc.reason = acc.reason or reason
    return out


def _outflow_figures(ctx: RuleContext, year: YearOfAssessment, agg: LedgerAggregates, tp: Taxpayerish,
                     taxpayer_character: str
                     ) -> tuple[dict[tuple[str, bool], list[Figure]],
                                dict[tuple[str, str, str, bool], tuple[Figure, int]]]:
    """The year's tokens that left without a sale (decision 0165): for losses, thefts and slashings a node
    per asset (an input of its disposals line); for gifts and donations a deemed-proceeds figure per type,
    asset and character. The character is the asset's (override) or the taxpayer's; lot overrides do not
    split these."""
    lost: dict[tuple[str, bool], list[Figure]] = defaultdict(list)
    given: dict[tuple[str, str, str, bool], tuple[Figure, int]] = {}
    tp_offshore = bool(tp.offshore)
    for (y, loss_type, asset, off), g in agg.outflows.items():
        if y != year:
            continue
        override = tp.asset_character.get(asset)
        char = override.character.value if override else taxpayer_character
        offshore = tp_offshore or off
        where = "off" if offshore else "hk"
        if loss_type in ("gift", "donation"):
            s16d = donation_deduction(ctx, g.total, g.count, asset, key=f"{asset}:{where}") \
                if loss_type == "donation" else None
            fig = deemed_proceeds_line(ctx, g.total, g.count, asset, loss_type, char, _sample(g.samples, g.count),
                                       s16d, key=f"{loss_type}:{asset}:{char}:{where}")
            given[(loss_type, asset, char, offshore)] = (fig, g.count)
        else:
            lost[(asset, offshore)].append(outflow_loss(ctx, g.total, g.count, asset, loss_type, char,
                                                        key=f"{loss_type}:{asset}:{where}"))
    return dict(lost), given


def build_lines(ctx: RuleContext, ledger: LedgerAggregates | LedgerResult, tp: Taxpayerish, assets: Sequence[Asset],
                taxpayer_character: Literal["capital", "revenue"], *,
                detail: LedgerResult | None = None) -> list[ProfitLine]:
    """Aggregate the year's ledger into profit lines, applying overrides and source statements.

    ``ledger`` is the aggregates (or a full result, aggregated here); ``detail`` the full result when lot-level
    character overrides must split disposals by their matched lots.
    """
    if isinstance(ledger, LedgerResult):
        detail = detail or ledger
        agg = aggregate(ledger)
    else:
        agg = ledger
    year = ctx.year
    asset_map = {a.symbol: a for a in assets}
    tp_offshore = bool(tp.offshore)
    if not tp_offshore:
        ctx.tracer.assume(A_SOURCE)

    def klass(asset: str | None) -> tuple[bool, str | None]:
        a = asset_map.get(asset) if asset else None
        if a is None:
            return (asset is not None), None
        return a.is_virtual_asset, a.sch16c_class.value if a.sch16c_class else None

    def more(asset: str | None) -> tuple[str | None, str | None]:
        """(extension class, token category) of the asset."""
        a = asset_map.get(asset) if asset else None
        if a is None:
            return None, None
        return (a.extension_class.value if a.extension_class else None), (a.category.value if a.category else None)

    lines: list[ProfitLine] = []
    groups = _disposal_groups(year, agg, detail, tp, taxpayer_character)
    lost, given = _outflow_figures(ctx, year, agg, tp, taxpayer_character)
    for (asset, char, offshore), acc in sorted(groups.items()):
        fig = disposals_line(ctx, acc.total, acc.receipts, acc.count, asset, char, offshore, acc.method,
                             _sample(acc.samples or [], acc.count), acc.reason,
                             key=f"disposals:{asset}:{char}:{'off' if offshore else 'hk'}",
                             **({"losses": lost.pop((asset, offshore))} if (asset, offshore) in lost else {}))
        va, cls = klass(asset)
        lines.append(ProfitLine(
            key=f"disposal:{asset}:{char}:{'offshore' if offshore else 'hk'}", kind="disposal", asset=asset,
            virtual_asset=va, sch16c_class=cls, character=cast(Literal["capital", "revenue"], char),
            offshore=offshore, figure=fig, trading_receipts=acc.receipts, count=acc.count,
            extension_class=more(asset)[0], token_category=more(asset)[1],
        ))
    for (loss_type, asset, char, offshore), (fig, count) in sorted(given.items()):
        va, cls = klass(asset)
        lines.append(ProfitLine(
            key=f"outflow:{loss_type}:{asset}:{char}:{'offshore' if offshore else 'hk'}", kind="disposal", asset=asset,
            virtual_asset=va, sch16c_class=cls, character=cast(Literal["capital", "revenue"], char), offshore=offshore,
            figure=fig, trading_receipts=fig.value, count=count, extension_class=more(asset)[0],
            token_category=more(asset)[1],
        ))
    line_char: Literal["capital", "revenue"] = "revenue" if taxpayer_character == "revenue" else "capital"
    receipts: dict[tuple[str, str, bool], _Acc] = defaultdict(_Acc)
    incomes: dict[tuple[str, str | None, bool], _Acc] = defaultdict(_Acc)
    outgoings: dict[tuple[str, bool], _Acc] = defaultdict(_Acc)
    with exact_context():
        for (y, rtype, asset, off), g in agg.receipts.items():
            if y == year:
                receipts[(rtype, asset, tp_offshore or off)].take(g.total, g.receipts, g.count, g.samples)
        for (y, itype, rel, off), g in agg.incomes.items():
            if y == year:
                incomes[(itype, rel, tp_offshore or off)].take(g.total, g.receipts, g.count, g.samples)
        for (y, kind, deductible), g in agg.outgoings.items():
            if y == year:
                outgoings[(kind, deductible)].take(g.total, g.receipts, g.count, g.samples)
    for (rtype, asset, offshore), acc in sorted(receipts.items()):
        rkey = f"receipts:{rtype}:{asset}:{'off' if offshore else 'hk'}"
        if rtype == "gift":
            fig = gift_received_line(ctx, acc.total, acc.count, asset, _sample(acc.samples or [], acc.count), key=rkey)
        else:
            fig = receipts_line(ctx, acc.total, acc.count, asset, rtype, _sample(acc.samples or [], acc.count),
                                key=rkey)
        va, cls = klass(asset)
        lines.append(ProfitLine(
            key=f"receipt:{rtype}:{asset}:{'offshore' if offshore else 'hk'}", kind="receipt", asset=asset,
            virtual_asset=va, sch16c_class=cls, character=line_char, offshore=offshore, figure=fig,
            trading_receipts=fig.value, count=acc.count, receipt_type=rtype,
            extension_class=more(asset)[0], token_category=more(asset)[1],
        ))
    for (itype, rel, offshore), acc in sorted(incomes.items(), key=lambda kv: (kv[0][0], kv[0][1] or "", kv[0][2])):
        fig = income_line(ctx, acc.total, acc.count, itype, _sample(acc.samples or [], acc.count),
                          key=f"income:{itype}:{rel or '-'}:{'off' if offshore else 'hk'}")
        va, cls = klass(rel)
        lines.append(ProfitLine(
            key=f"income:{itype}:{rel or '-'}:{'offshore' if offshore else 'hk'}", kind="income", asset=rel,
            virtual_asset=va if rel else False, sch16c_class=cls, character=line_char, offshore=offshore,
            figure=fig, trading_receipts=acc.total, count=acc.count, income_type=itype,
            extension_class=more(rel)[0], token_category=more(rel)[1],
        ))
    for (kind, deductible), acc in sorted(outgoings.items()):
        fig = outgoing_line(ctx, acc.total, acc.count, kind, deductible, _sample(acc.samples or [], acc.count),
                            key=f"outgoings:{kind}:{'deductible' if deductible else 'disallowed'}")
        lines.append(ProfitLine(
            key=f"outgoing:{kind}:{'deductible' if deductible else 'disallowed'}", kind="outgoing", asset=None,
            virtual_asset=False, sch16c_class=None, character="n/a", offshore=False, figure=fig,
            trading_receipts=ZERO, count=acc.count, deductible=deductible,
        ))
    for i, ci in enumerate(tp.carried_interest):
        if YearOfAssessment.parse(ci.year) != year:
            continue
        fig = carried_interest_line(ctx, ci, key=str(i))
        lines.append(ProfitLine(
            key=f"carried_interest:{i}", kind="income", asset=None, virtual_asset=False, sch16c_class=None,
            character=line_char, offshore=tp_offshore, figure=fig, trading_receipts=ci.amount_hkd, count=1,
            income_type="carried_interest",
        ))
    for st in getattr(tp, "stated_lines", ()):
        if YearOfAssessment.parse(st.year) != year:
            continue
        fig = stated_line(ctx, st, key=st.key)
        va, cls = klass(st.asset)
        extra = more(st.asset)
        lines.append(ProfitLine(
            key=f"stated:{st.key}", kind=st.kind, asset=st.asset, virtual_asset=va if st.asset else False,
            sch16c_class=st.sch16c_class.value if st.sch16c_class else cls, character=st.character,
            offshore=st.offshore or tp_offshore, figure=fig, trading_receipts=st.receipts_hkd, count=1,
            income_type=st.income_type, receipt_type=st.receipt_type,
            extension_class=st.extension_class.value if st.extension_class else extra[0],
            token_category=extra[1], stated_incidental=st.incidental,
        ))
    return lines


@rule("ledger.carried_interest", "Carried interest received or accrued from a fund",
      cite=[IRO("s.14"), IRO("Sch. 16D"), HKVATAX("docs/decisions/0075-carried-interest.md")])
def carried_interest_line(ctx: RuleContext, ci: CarriedInterestFacts) -> Out:
    """Carried interest received by or accrued to a person carrying on business is a receipt of that business;
    whether it is charged at 0% is the carried-interest concession's question."""
    ctx.fact("fund", ci.fund_name)
    ctx.fact("carried_interest_hkd", ci.amount_hkd)
    return Out(ci.amount_hkd, f"Carried interest from {ci.fund_name or 'a fund'}: HKD {A(ci.amount_hkd)}.",
               label="line")


@rule("input.stated_line", "A profit line stated by the user, less the expenses attributable to it",
      cite=[IRO("s.18B(1)"), IRO("s.16(1) (outgoings incurred in producing the profits)"),
            DIPN(61, "paras 76-77 (trading receipts and profits of incidental transactions differ)"),
            HKVATAX("docs/decisions/0076-concession-lines.md")])
def stated_line(ctx: RuleContext, st: StatedLine) -> Out:
    """A line the user states beside the ledger (e.g. a fund's securities book or an incidental disposal): its
    trading receipts count in the 5% ratio; its profit less the expenses attributable to it is the amount that
    is exempt, taxed at 0% or charged."""
    ctx.fact("stated_line", st.key)
    ctx.fact("receipts_hkd", st.receipts_hkd)
    ctx.fact("profit_hkd", st.profit_hkd)
    ctx.fact("attributable_expenses_hkd", st.attributable_expenses_hkd)
    if st.source:
        ctx.fact("source", st.source)
    with exact_context():
        net = st.profit_hkd - st.attributable_expenses_hkd
    extra = f" − attributable expenses HKD {A(st.attributable_expenses_hkd)}" if st.attributable_expenses_hkd else ""
    return Out(net, f"{st.key}: receipts HKD {A(st.receipts_hkd)}; profit HKD {A(st.profit_hkd)}{extra} = HKD "
               f"{A(net)}.", label="line")
