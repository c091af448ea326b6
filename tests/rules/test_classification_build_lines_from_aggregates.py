"""build_lines on ledger aggregates (the fast path's input): groups of the year only, offshore groups merged
for an offshore taxpayer, asset overrides, at most 10 sampled records per line plus a "more records" count,
outgoing lines, and the explanation each line shows."""

from __future__ import annotations

from decimal import Decimal as D

from hkvatax.errors import SourceRef
from hkvatax.ledger.aggregate import Group, LedgerAggregates
from hkvatax.models.assets import Asset
from hkvatax.models.taxpayers import Corporation
from hkvatax.periods import YearOfAssessment as Y
from hkvatax.rules.classification import build_lines
from hkvatax.rules.params import default_params
from hkvatax.rules.registry import RuleContext
from hkvatax.trace import Tracer

Y24, Y23 = Y(2024), Y(2023)


def group(total: int, receipts: int, ids: list[str], count: int | None = None, method: str = "fifo") -> Group:
    return Group(total=D(total), receipts=D(receipts), count=count if count is not None else len(ids), method=method,
                 samples=[(i, SourceRef(file="t.csv", row=n + 2)) for n, i in enumerate(ids)])


def aggregates() -> LedgerAggregates:
    agg = LedgerAggregates(event_count=40, path="fast")
    agg.disposals[(Y24, "BTC", False)] = group(100, 500, [f"a{i}" for i in range(8)])
    agg.disposals[(Y24, "BTC", True)] = group(-30, 50, [f"b{i}" for i in range(4)])
    agg.disposals[(Y23, "BTC", False)] = group(7, 7, ["old"])
    agg.disposals[(Y24, "ETH", False)] = group(5, 9, ["e1"], method="weighted_average")
    agg.receipts[(Y24, "staking", "ETH", False)] = group(60, 60, [f"r{i}" for i in range(10)], count=11)
    agg.receipts[(Y24, "staking", "ETH", True)] = group(6, 6, ["q"])
    agg.receipts[(Y23, "staking", "ETH", False)] = group(1, 1, ["old"])
    agg.incomes[(Y24, "interest", "SHR", False)] = group(3, 3, ["i2"])  # lines are sorted: no asset first
    agg.incomes[(Y24, "interest", None, False)] = group(9, 9, ["i1"])
    agg.outgoings[(Y24, "fee", True)] = group(85, 0, ["f1", "f2"])
    agg.outgoings[(Y24, "management_fee", False)] = group(12, 0, ["m1"])
    agg.outgoings[(Y23, "fee", True)] = group(1, 0, ["old"])
    agg.years_seen.update({Y23, Y24})
    return agg


ASSETS = [Asset(symbol="BTC"), Asset(symbol="SHR", is_virtual_asset=False, sch16c_class="securities")]


def facts(ctx: RuleContext, fig_id: str) -> list[tuple[str, object]]:
    return [(f.name, f.value) for f in ctx.tracer.nodes[fig_id].facts]


def test_onshore_taxpayer_lines_from_aggregates() -> None:
    ctx = RuleContext(Y24, default_params(), Tracer())
    tp = Corporation(name="C", asset_character={"ETH": {"character": "capital", "reason": "treasury"}})
    lines = build_lines(ctx, aggregates(), tp, ASSETS, "revenue")
    got = {ln.key: (ln.amount, ln.trading_receipts, ln.count, ln.character, ln.offshore, ln.virtual_asset,
                    ln.sch16c_class) for ln in lines}
    assert got == {
        "disposal:BTC:revenue:hk": (D(100), D(500), 8, "revenue", False, True, None),
        "disposal:BTC:revenue:offshore": (D(-30), D(50), 4, "revenue", True, True, None),
        "disposal:ETH:capital:hk": (D(5), D(9), 1, "capital", False, True, None),
        "receipt:staking:ETH:hk": (D(60), D(60), 11, "revenue", False, True, None),
        "receipt:staking:ETH:offshore": (D(6), D(6), 1, "revenue", True, True, None),
        "income:interest:-:hk": (D(9), D(9), 1, "revenue", False, False, None),
        "income:interest:SHR:hk": (D(3), D(3), 1, "revenue", False, False, "securities"),
        "outgoing:fee:deductible": (D(-85), D(0), 2, "n/a", False, False, None),
        "outgoing:management_fee:disallowed": (D(-12), D(0), 1, "n/a", False, False, None),
    }
    assert [ln.key for ln in lines][:3] == ["disposal:BTC:revenue:hk", "disposal:BTC:revenue:offshore",
                                             "disposal:ETH:capital:hk"]
    assert [ln.key for ln in lines if ln.kind == "income"] == ["income:interest:-:hk", "income:interest:SHR:hk"]
    by = {ln.key: ln for ln in lines}
    assert by["outgoing:fee:deductible"].deductible and not by["outgoing:management_fee:disallowed"].deductible
    assert by["receipt:staking:ETH:hk"].receipt_type == "staking"
    assert by["income:interest:SHR:hk"].income_type == "interest" and by["income:interest:SHR:hk"].asset == "SHR"
    assert by["outgoing:fee:deductible"].asset is None
    n = ctx.tracer.nodes
    assert n[by["disposal:BTC:revenue:hk"].figure.id].explanation == (
        "8 disposal(s) of BTC: net gain HKD 100 (revenue, Hong Kong source; taxpayer: revenue).")
    assert n[by["disposal:BTC:revenue:offshore"].figure.id].explanation == (
        "4 disposal(s) of BTC: net loss HKD -30 (revenue, offshore source; taxpayer: revenue).")
    assert n[by["disposal:ETH:capital:hk"].figure.id].explanation == (
        "1 disposal(s) of ETH: net gain HKD 5 (capital, Hong Kong source; asset override: treasury).")
    assert facts(ctx, by["disposal:ETH:capital:hk"].figure.id)[:4] == [
        ("disposals", 1), ("asset", "ETH"), ("cost_formula", "weighted_average"), ("proceeds_hkd", D(9))]
    assert n[by["receipt:staking:ETH:hk"].figure.id].explanation == (
        "11 staking receipt(s) of ETH, market value HKD 60.")
    assert facts(ctx, by["receipt:staking:ETH:hk"].figure.id) == (
        [("receipts", 11), ("receipt_type", "staking")] + [(f"record r{i}", f"r{i}") for i in range(10)]
        + [("more records", 1)])
    assert n[by["income:interest:-:hk"].figure.id].explanation == "1 interest receipt(s), HKD 9."
    assert facts(ctx, by["income:interest:-:hk"].figure.id) == [("income_records", 1), ("record i1", "i1")]
    assert n[by["outgoing:fee:deductible"].figure.id].explanation == "2 fee(s), HKD 85 (deductible, s.16)."
    assert n[by["outgoing:management_fee:disallowed"].figure.id].explanation == (
        "1 management fee(s), HKD 12 (not deductible, s.17).")
    assert facts(ctx, by["outgoing:fee:deductible"].figure.id) == [
        ("outgoings", 2), ("deductible", True), ("record f1", "f1"), ("record f2", "f2")]
    assert by["outgoing:fee:deductible"].figure.id == "baseline/2024/25/line[outgoings:fee:deductible]"
    assert by["outgoing:management_fee:disallowed"].figure.id == (
        "baseline/2024/25/line[outgoings:management_fee:disallowed]")
    sources = [f.source for f in ctx.tracer.nodes[by["disposal:BTC:revenue:hk"].figure.id].facts if f.source]
    assert sources[0] == SourceRef(file="t.csv", row=2)
    assert "A-SOURCE-HK" in ctx.tracer.assumptions


def test_offshore_taxpayer_merges_groups_and_keeps_ten_samples() -> None:
    ctx = RuleContext(Y24, default_params(), Tracer())
    lines = build_lines(ctx, aggregates(), Corporation(name="C", offshore=True), ASSETS, "capital")
    by = {ln.key: ln for ln in lines}
    btc = by["disposal:BTC:capital:offshore"]
    assert (btc.amount, btc.trading_receipts, btc.count) == (D(70), D(550), 12)
    assert ctx.tracer.nodes[btc.figure.id].explanation == (
        "12 disposal(s) of BTC: net gain HKD 70 (capital, offshore source; taxpayer: capital).")
    samples = facts(ctx, btc.figure.id)[4:]
    assert samples == ([(f"record a{i}", f"a{i}") for i in range(8)] + [("record b0", "b0"), ("record b1", "b1")]
                       + [("more records", 2)])
    eth = by["receipt:staking:ETH:offshore"]
    assert (eth.amount, eth.count, eth.character) == (D(66), 12, "capital")
    assert facts(ctx, eth.figure.id)[-1] == ("more records", 2)
    assert by["income:interest:-:offshore"].character == "capital"
    assert "A-SOURCE-HK" not in ctx.tracer.assumptions
    assert sorted(by) == sorted([
        "disposal:BTC:capital:offshore", "disposal:ETH:capital:offshore", "receipt:staking:ETH:offshore",
        "income:interest:-:offshore", "income:interest:SHR:offshore", "outgoing:fee:deductible",
        "outgoing:management_fee:disallowed"])
    assert by["outgoing:fee:deductible"].offshore is False


def test_lines_of_another_year() -> None:
    ctx = RuleContext(Y23, default_params(), Tracer())
    lines = build_lines(ctx, aggregates(), Corporation(name="C"), ASSETS, "revenue")
    assert {ln.key: ln.amount for ln in lines} == {"disposal:BTC:revenue:hk": D(7), "receipt:staking:ETH:hk": D(1),
                                                   "outgoing:fee:deductible": D(-1)}
