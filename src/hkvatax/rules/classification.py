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

from ..ledger.results import LedgerResult
from ..models.assets import Asset
from ..models.taxpayers import Corporation, FamilyOffice, Individual, Partnership, PrivateFund
from ..money import exact_context
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


def ledger_stats(ledger: LedgerResult, year: YearOfAssessment) -> LedgerStats:
    count = 0
    weight = ZERO
    qty = ZERO
    with exact_context():
        for d in ledger.disposals:
            if d.year != year or d.kind == "fee":
                continue
            count += 1
            for f in d.fragments:
                if f.holding_days is not None:
                    weight += f.quantity * f.holding_days
                    qty += f.quantity
        mean = (weight / qty) if qty else None
    return LedgerStats(count, mean)


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
      cite=[DIPN(39, "para 48"), HKVATAX("0007-badges-scoring: under 30 days trade, over 365 days investment")],
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
      cite=[DIPN(39, "para 48(a)"), HKVATAX("0007-badges-scoring: 60 or more disposals a year trade, 12 or fewer investment")],
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
      cite=[DIPN(39, "para 48(b)"), DIPN(39, "para 10")])
def badge_organisation(ctx: RuleContext, tp: Taxpayerish) -> Out:
    """Activity run in a business-like, systematic and organised way points to a trade."""
    return _bool_badge(ctx, tp.trading.organised_like_a_business, "organised_like_a_business", "trade", "investment",
                       "Organised like a business")


@rule("class.badge.financing", "Badge of trade: financing by borrowing", cite=[CASE("badges of trade (Royal Commission 1955)")],
      status="assumption")
def badge_financing(ctx: RuleContext, tp: Taxpayerish) -> Out:
    """Purchases financed by short-term borrowing point to a trade; their absence proves little."""
    return _bool_badge(ctx, tp.trading.financed_by_borrowing, "financed_by_borrowing", "trade", "neutral",
                       "Financed by borrowing")


@rule("class.badge.supplementary_work", "Badge of trade: supplementary work on the assets",
      cite=[CASE("badges of trade (Royal Commission 1955)")])
def badge_supplementary(ctx: RuleContext, tp: Taxpayerish) -> Out:
    """Work done to make assets more marketable points to a trade."""
    return _bool_badge(ctx, tp.trading.supplementary_work, "supplementary_work", "trade", "neutral",
                       "Supplementary work")


@rule("class.badge.realisation", "Badge of trade: circumstances of realisation",
      cite=[CASE("badges of trade (Royal Commission 1955)")])
def badge_realisation(ctx: RuleContext, tp: Taxpayerish) -> Out:
    """A forced or unexpected sale points away from trading."""
    value = tp.trading.realisation_circumstances
    ctx.fact("trading.realisation_circumstances", value)
    indicates = {"forced_or_unexpected": "investment", "planned_sale": "neutral", "ordinary": "neutral",
                 None: "unknown"}[value]
    return Out(indicates, f"Circumstances of realisation: {value or 'not stated'} → {indicates}.", label="badge",
               unit="text")


@rule("class.badge.profit_motive", "Badge of trade: profit motive", cite=[DIPN(39, "para 48(c)")])
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


@rule("class.badges.weigh", "Weighing the badges of trade", cite=[DIPN(39, "paras 46, 48"), DIPN(39, "para 10")],
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
      cite=[DIPN(39, "para 11"), CASE("American Leaf Blending Co Sdn Bhd v DGIR [1979] AC 676"),
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
      cite=[IRO("s.18B(1)"), DIPN(1, "paras 47-48 (cost formula: weighted average or FIFO; no LIFO)"),
            DIPN(39, "para 51 (market value)")])
def disposals_line(ctx: RuleContext, total: Decimal, receipts: Decimal, count: int, asset: str, character: str,
                   offshore: bool, method: str, sample: Sequence[FactUse], reason: str) -> Out:
    """Profit on each disposal is its HKD proceeds net of fees less the HKD cost of the lots matched to it."""
    ctx.fact("disposals", count)
    ctx.fact("asset", asset)
    ctx.fact("cost_formula", method)
    ctx.fact("proceeds_hkd", receipts)
    return Out(total, f"{count} disposal(s) of {asset}: net {'gain' if total >= 0 else 'loss'} HKD {total} "
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
    return Out(total, f"{count} {receipt_type} receipt(s) of {asset}, market value HKD {total}.", label="line",
               facts=tuple(sample))


@rule("ledger.income", "Fiat income (interest, dividends, other)", cite=[IRO("s.14"), IRO("s.15(1)(g)")])
def income_line(ctx: RuleContext, total: Decimal, count: int, income_type: str, sample: Sequence[FactUse]) -> Out:
    """Interest, dividends and other income received, in HKD."""
    ctx.fact("income_records", count)
    return Out(total, f"{count} {income_type} receipt(s), HKD {total}.", label="line", facts=tuple(sample))


@rule("ledger.outgoings", "Fees and expenses stated by the user", cite=[IRO("s.16"), IRO("s.17")])
def outgoing_line(ctx: RuleContext, total: Decimal, count: int, kind: str, deductible: bool,
                  sample: Sequence[FactUse]) -> Out:
    """Outgoings incurred in producing profits are deductible (s.16); capital and private ones are not (s.17)."""
    ctx.fact("outgoings", count)
    ctx.fact("deductible", deductible)
    return Out(-total, f"{count} {kind.replace('_', ' ')}(s), HKD {total} "
               f"({'deductible, s.16' if deductible else 'not deductible, s.17'}).", label="line",
               facts=tuple(sample))


def _sample(records: Sequence[object], limit: int = 10) -> list[FactUse]:
    out = []
    for r in records[:limit]:
        out.append(FactUse(f"record {getattr(r, 'disposal_id', None) or getattr(r, 'event_id', '')}",
                           getattr(r, "event_id", None), getattr(r, "source", None)))
    if len(records) > limit:
        out.append(FactUse("more records", len(records) - limit, None))
    return out


def build_lines(ctx: RuleContext, ledger: LedgerResult, tp: Taxpayerish, assets: Sequence[Asset],
                taxpayer_character: Literal["capital", "revenue"]) -> list[ProfitLine]:
    """Aggregate the year's ledger records into profit lines, applying overrides and source statements."""
    year = ctx.year
    asset_map = {a.symbol: a for a in assets}
    lot_override = {lot.lot_id: (lot.character, lot.character_reason) for lot in ledger.lots if lot.character}
    tp_offshore = bool(tp.offshore)
    if not tp_offshore:
        ctx.tracer.assume(A_SOURCE)
    groups: dict[tuple[str, str, bool], list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    members: dict[tuple[str, str, bool], list[object]] = defaultdict(list)
    reasons: dict[tuple[str, str, bool], str] = {}
    methods: dict[str, str] = {}
    with exact_context():
        for d in ledger.disposals:
            if d.year != year:
                continue
            offshore = tp_offshore or bool(d.offshore)
            methods[d.asset] = d.method
            asset_override = tp.asset_character.get(d.asset)
            base_char = asset_override.character.value if asset_override else taxpayer_character
            base_reason = (f"asset override: {asset_override.reason}" if asset_override
                           else f"taxpayer: {taxpayer_character}")
            if lot_override and any(f.lot_id in lot_override for f in d.fragments):
                for f in d.fragments:
                    char, why = lot_override.get(f.lot_id, (base_char, None))
                    key = (d.asset, char or base_char, offshore)
                    share = f.gain_hkd
                    groups[key][0] += share
                    groups[key][1] += d.gross_proceeds_hkd * f.quantity / d.quantity
                    members[key].append(d)
                    reasons.setdefault(key, f"lot override: {why}" if why else base_reason)
            else:
                key = (d.asset, base_char, offshore)
                groups[key][0] += d.gain_hkd
                groups[key][1] += d.gross_proceeds_hkd
                members[key].append(d)
                reasons.setdefault(key, base_reason)
    lines: list[ProfitLine] = []
    for (asset, char, offshore), (total, receipts) in sorted(groups.items()):
        a = asset_map.get(asset)
        fig = disposals_line(ctx, total, receipts, len(members[(asset, char, offshore)]), asset, char, offshore,
                             methods.get(asset, "-"), _sample(members[(asset, char, offshore)]),
                             reasons[(asset, char, offshore)], key=f"disposals:{asset}:{char}:{'off' if offshore else 'hk'}")
        lines.append(ProfitLine(
            key=f"disposal:{asset}:{char}:{'offshore' if offshore else 'hk'}", kind="disposal", asset=asset,
            virtual_asset=a.is_virtual_asset if a else True, sch16c_class=a.sch16c_class.value if a and a.sch16c_class else None,
            character=cast(Literal["capital", "revenue"], char), offshore=offshore, figure=fig,
            trading_receipts=receipts,
            count=len(members[(asset, char, offshore)]),
        ))
    # receipts
    rgroups: dict[tuple[str, str, bool], list[object]] = defaultdict(list)
    for r in ledger.receipts:
        if r.year == year:
            rgroups[(r.receipt_type, r.asset, tp_offshore or bool(r.offshore))].append(r)
    for (rtype, asset, offshore), recs in sorted(rgroups.items()):
        with exact_context():
            total = sum((r.market_value_hkd for r in recs), ZERO)  # type: ignore[attr-defined]
        fig = receipts_line(ctx, total, len(recs), asset, rtype, _sample(recs),
                            key=f"receipts:{rtype}:{asset}:{'off' if offshore else 'hk'}")
        a = asset_map.get(asset)
        lines.append(ProfitLine(
            key=f"receipt:{rtype}:{asset}:{'offshore' if offshore else 'hk'}", kind="receipt", asset=asset,
            virtual_asset=a.is_virtual_asset if a else True, sch16c_class=a.sch16c_class.value if a and a.sch16c_class else None,
            character="revenue" if taxpayer_character == "revenue" else "capital", offshore=offshore, figure=fig,
            trading_receipts=total, count=len(recs), receipt_type=rtype,
        ))
    # fiat income
    igroups: dict[tuple[str, str | None, bool], list[object]] = defaultdict(list)
    for i in ledger.incomes:
        if i.year == year:
            igroups[(i.income_type, i.related_asset, tp_offshore or bool(i.offshore))].append(i)
    for (itype, rel_asset, offshore), recs in sorted(igroups.items(),
                                                     key=lambda kv: (kv[0][0], kv[0][1] or "", kv[0][2])):
        with exact_context():
            total = sum((r.amount_hkd for r in recs), ZERO)  # type: ignore[attr-defined]
        fig = income_line(ctx, total, len(recs), itype, _sample(recs),
                          key=f"income:{itype}:{rel_asset or '-'}:{'off' if offshore else 'hk'}")
        a = asset_map.get(rel_asset) if rel_asset else None
        lines.append(ProfitLine(
            key=f"income:{itype}:{rel_asset or '-'}:{'offshore' if offshore else 'hk'}", kind="income",
            asset=rel_asset,
            virtual_asset=a.is_virtual_asset if a else False,
            sch16c_class=a.sch16c_class.value if a and a.sch16c_class else None,
            character="revenue" if taxpayer_character == "revenue" else "capital", offshore=offshore, figure=fig,
            trading_receipts=total, count=len(recs), income_type=itype,
        ))
    # outgoings
    ogroups: dict[tuple[str, bool], list[object]] = defaultdict(list)
    for o in ledger.outgoings:
        if o.year == year:
            ogroups[(o.kind, o.deductible)].append(o)
    for (kind, deductible), recs in sorted(ogroups.items()):
        with exact_context():
            total = sum((r.amount_hkd for r in recs), ZERO)  # type: ignore[attr-defined]
        fig = outgoing_line(ctx, total, len(recs), kind, deductible, _sample(recs),
                            key=f"outgoings:{kind}:{'deductible' if deductible else 'disallowed'}")
        lines.append(ProfitLine(
            key=f"outgoing:{kind}:{'deductible' if deductible else 'disallowed'}", kind="outgoing", asset=None,
            virtual_asset=False, sch16c_class=None, character="n/a", offshore=False, figure=fig,
            trading_receipts=ZERO, count=len(recs), deductible=deductible,
        ))
    return lines
