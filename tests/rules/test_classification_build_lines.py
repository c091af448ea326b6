"""Profit lines built from a ledger: keys, kinds, character, source, asset classes and amounts (exact)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D

from hkvatax.ledger import run_ledger
from hkvatax.models.assets import Asset
from hkvatax.models.events import Acquisition, Disposal, Income, Receipt
from hkvatax.models.taxpayers import Corporation, LotMethod
from hkvatax.periods import YearOfAssessment as Y
from hkvatax.rules.classification import build_lines
from hkvatax.rules.params import default_params
from hkvatax.rules.registry import RuleContext
from hkvatax.trace import Tracer


def at(m: int, d: int) -> datetime:
    return datetime(2024, m, d, tzinfo=UTC)


def test_build_lines_every_kind():
    events = [
        Acquisition(id="b1", timestamp=at(5, 1), asset="BTC", quantity=D(1), cost=D(100), character="capital",
                    character_reason="held long"),
        Acquisition(id="b2", timestamp=at(5, 2), asset="BTC", quantity=D(1), cost=D(300)),
        Disposal(id="s1", timestamp=at(6, 1), asset="BTC", quantity=D(2), proceeds=D(1000)),
        Acquisition(id="x1", timestamp=at(5, 1), asset="SHR", quantity=D(1), cost=D(10)),
        Disposal(id="x2", timestamp=at(6, 1), asset="SHR", quantity=D(1), proceeds=D(15), offshore=True),
        Receipt(id="r1", timestamp=at(7, 1), asset="ETH", quantity=D(1), value=D(50), receipt_type="staking",
                offshore=True),
        Receipt(id="r2", timestamp=at(7, 2), asset="ETH", quantity=D(1), value=D(70), receipt_type="staking"),
        Income(id="i1", timestamp=at(8, 1), income_type="interest", amount=D(9), related_asset="SHR"),
        Income(id="i2", timestamp=at(8, 2), income_type="dividend", amount=D(4), offshore=True),
    ]
    assets = [Asset(symbol="BTC"), Asset(symbol="ETH"),
              Asset(symbol="SHR", is_virtual_asset=False, sch16c_class="securities")]
    ledger = run_ledger(events, assets=assets, method_for=LotMethod.FIFO)
    ctx = RuleContext(Y(2024), default_params(), Tracer())
    tp = Corporation(name="C")
    lines = build_lines(ctx, ledger, tp, assets, "revenue", detail=ledger)
    got = {ln.key: (ln.kind, ln.asset, ln.virtual_asset, ln.sch16c_class, ln.character, ln.offshore, ln.amount,
                    ln.trading_receipts, ln.count, ln.income_type, ln.receipt_type) for ln in lines}
    assert got == {
        "disposal:BTC:capital:hk": ("disposal", "BTC", True, None, "capital", False, D(400), D(500), 1, None, None),
        "disposal:BTC:revenue:hk": ("disposal", "BTC", True, None, "revenue", False, D(200), D(500), 1, None, None),
        "disposal:SHR:revenue:offshore": ("disposal", "SHR", False, "securities", "revenue", True, D(5), D(15), 1,
                                          None, None),
        "receipt:staking:ETH:hk": ("receipt", "ETH", True, None, "revenue", False, D(70), D(70), 1, None,
                                   "staking"),
        "receipt:staking:ETH:offshore": ("receipt", "ETH", True, None, "revenue", True, D(50), D(50), 1, None,
                                         "staking"),
        "income:interest:SHR:hk": ("income", "SHR", False, "securities", "revenue", False, D(9), D(9), 1,
                                   "interest", None),
        "income:dividend:-:offshore": ("income", None, False, None, "revenue", True, D(4), D(4), 1, "dividend",
                                       None),
    }
    ids = {ln.key: ln.figure.id for ln in lines}
    assert ids["disposal:BTC:capital:hk"] == "baseline/2024/25/line[disposals:BTC:capital:hk]"
    assert ids["disposal:SHR:revenue:offshore"] == "baseline/2024/25/line[disposals:SHR:revenue:off]"
    assert ids["receipt:staking:ETH:offshore"] == "baseline/2024/25/line[receipts:staking:ETH:off]"
    assert ids["receipt:staking:ETH:hk"] == "baseline/2024/25/line[receipts:staking:ETH:hk]"
    assert ids["income:interest:SHR:hk"] == "baseline/2024/25/line[income:interest:SHR:hk]"
    assert ids["income:dividend:-:offshore"] == "baseline/2024/25/line[income:dividend:-:off]"
    btc_cap = ctx.tracer.nodes[ids["disposal:BTC:capital:hk"]]
    assert "lot override: held long" in btc_cap.explanation
    btc_rev = ctx.tracer.nodes[ids["disposal:BTC:revenue:hk"]]
    assert btc_rev.explanation.endswith("(revenue, Hong Kong source; taxpayer: revenue).")
    assert [(f.name, f.value) for f in btc_rev.facts[:3]] == [("disposals", 1), ("asset", "BTC"),
                                                              ("cost_formula", "fifo")]
    # a capital taxpayer's receipts and income are capital lines; an offshore taxpayer's lines are offshore
    ctx2 = RuleContext(Y(2024), default_params(), Tracer())
    lines2 = build_lines(ctx2, ledger, Corporation(name="C", offshore=True), assets, "capital", detail=ledger)
    assert {ln.key for ln in lines2} == {
        "disposal:BTC:capital:offshore", "disposal:SHR:capital:offshore", "receipt:staking:ETH:offshore",
        "income:interest:SHR:offshore", "income:dividend:-:offshore"}
    assert {ln.character for ln in lines2} == {"capital"}
    [eth] = [ln for ln in lines2 if ln.kind == "receipt"]
    assert eth.amount == D(120) and eth.count == 2
    # an unknown asset is taken as a virtual asset without a Sch. 16C class
    ctx3 = RuleContext(Y(2024), default_params(), Tracer())
    lines3 = build_lines(ctx3, ledger, tp, [], "revenue")
    shr = [ln for ln in lines3 if ln.key.startswith("disposal:SHR")][0]
    assert shr.virtual_asset is True and shr.sch16c_class is None
    inc = [ln for ln in lines3 if ln.key.startswith("income:interest")][0]
    assert inc.virtual_asset is True and inc.asset == "SHR"
    assert [ln.virtual_asset for ln in lines3 if ln.key.startswith("income:dividend")] == [False]
