"""The fast aggregates (ledger/fast.py: fast_aggregates_many, _Matcher) on small hand-made ledgers: exact
figures, and equality with aggregate(run_ledger(...)) including the samples that explanations cite.

The property test in tests/test_fastpath.py compares the two paths on random ledgers; under mutation it runs
only a few examples, so these fixed ledgers pin each branch (FIFO partial lots, an average-cost pool emptied
exactly, fees in tokens and in HKD, receipts, swaps, transfers, year boundaries, oversells)."""

from __future__ import annotations

import csv
import gc
import io
from decimal import Decimal as D
from typing import Any

import pytest

from hkvatax.io.fastcsv import FastLedger, read_fast
from hkvatax.io.loaders import read_csv_events
from hkvatax.ledger.aggregate import SAMPLE_SIZE, Group, LedgerAggregates, YearStats, aggregate
from hkvatax.ledger.fast import _Fallback, fast_aggregates, fast_aggregates_many
from hkvatax.ledger import run_ledger
from hkvatax.models.taxpayers import LotMethod
from hkvatax.money import allocate, exact_context
from hkvatax.periods import YearOfAssessment

HEADER = ("id", "timestamp", "kind", "asset", "quantity", "amount", "currency", "counter_asset", "counter_quantity",
          "fee_amount", "fee_currency", "fee_value", "wallet", "to_wallet", "subtype")
FIFO, WA = LotMethod.FIFO, LotMethod.WEIGHTED_AVERAGE
Y20, Y21 = YearOfAssessment(2020), YearOfAssessment(2021)
US_PER_DAY = 86_400_000_000


def csv_text(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(HEADER)
    for r in rows:
        w.writerow([r.get(h, "") for h in HEADER])
    return out.getvalue()


def row(i: str, ts: str, kind: str, asset: str, qty: str, amount: str = "", **kw: str) -> dict[str, str]:
    r = {"id": i, "timestamp": f"{ts}T12:00:00+08:00", "kind": kind, "asset": asset, "quantity": qty,
         "amount": amount, "currency": "HKD" if amount else "", "wallet": "w1"}
    r.update(kw)
    return r


def ledger(rows: list[dict[str, str]]) -> tuple[FastLedger, str]:
    text = csv_text(rows)
    fl = read_fast(text=text, file="t.csv")
    assert fl is not None, "the fast reader must accept the test ledger"
    return fl, text


def reference(text: str, method: LotMethod) -> LedgerAggregates:
    events, problems = read_csv_events(text=text, file="t.csv")
    assert not problems
    return aggregate(run_ledger(events, method_for=method))


def samples(agg: LedgerAggregates) -> dict[str, dict[Any, list[tuple[str, str, int | None]]]]:
    def s(groups: dict[Any, Group]) -> dict[Any, list[tuple[str, str, int | None]]]:
        return {k: [(rid, src.file if src else "", src.row if src else None) for rid, src in g.samples]
                for k, g in groups.items()}
    return {"disposals": s(agg.disposals), "receipts": s(agg.receipts), "incomes": s(agg.incomes),
            "outgoings": s(agg.outgoings)}


def both(rows: list[dict[str, str]]) -> dict[LotMethod, LedgerAggregates]:
    """The fast aggregates under both formulas, checked equal to the reference's (samples included)."""
    fl, text = ledger(rows)
    fast = fast_aggregates_many(fl, (FIFO, WA))
    assert list(fast) == [FIFO, WA]
    assert gc.isenabled()  # switched off during the pass only
    for m, agg in fast.items():
        ref = reference(text, m)
        assert agg.path == "fast" and ref.path == "reference"
        assert agg.comparable() == ref.comparable()
        assert samples(agg) == samples(ref)
        assert agg.event_count == len(rows)
    return fast


MIXED = [
    row("a1", "2021-01-01", "acquisition", "BTC", "1", "100", fee_amount="10", fee_currency="HKD"),
    row("a2", "2021-01-11", "acquisition", "BTC", "2", "300"),
    row("d1", "2021-01-21", "disposal", "BTC", "1.5", "450", fee_amount="15", fee_currency="HKD"),
    row("r1", "2021-02-01", "receipt", "ETH", "2", "50", subtype="staking"),
    row("s1", "2021-03-01", "swap", "ETH", "1", "40", counter_asset="SOL", counter_quantity="10"),
    row("t1", "2021-03-15", "transfer", "BTC", "1.5", to_wallet="w2"),
    row("f1", "2021-04-10", "fee", "", "", fee_amount="0.5", fee_currency="BTC", fee_value="80"),
    row("f2", "2021-04-11", "fee", "", "", fee_amount="5", fee_currency="HKD"),
    row("d2", "2021-05-01", "disposal", "BTC", "1", "200"),
    row("d3", "2021-05-02", "disposal", "SOL", "10", "70"),
]


def test_mixed_ledger_fifo_exact_figures() -> None:
    agg = both(MIXED)[FIFO]
    # d1: 1 BTC (110) + 0.5 of the 2 BTC lot (75) = 185 against 450 - 15; d2 the last 1 BTC (150) after the
    # token fee took 0.5 (75)
    assert {k: (g.total, g.receipts, g.count, g.method) for k, g in agg.disposals.items()} == {
        (Y20, "BTC", False): (D(250), D(450), 1, "fifo"),
        (Y20, "ETH", False): (D(15), D(40), 1, "fifo"),
        (Y21, "BTC", False): (D(5) + D(50), D(280), 2, "fifo"),
        (Y21, "SOL", False): (D(30), D(70), 1, "fifo"),
    }
    assert {k: (g.total, g.receipts, g.count) for k, g in agg.receipts.items()} == {
        (Y20, "staking", "ETH", False): (D(50), D(50), 1)}
    assert {k: (g.total, g.receipts, g.count) for k, g in agg.outgoings.items()} == {
        (Y21, "fee", True): (D(85), D(0), 2)}
    assert agg.years == (Y20, Y21) and agg.incomes == {}
    # holding: d1 1 BTC × 20 days + 0.5 × 10 days; s1 1 ETH × 28 days; the fee is not counted
    s20, s21 = agg.stats[Y20], agg.stats[Y21]
    assert (s20.disposals, s20.quantity) == (2, D("2.5"))
    assert s20.weighted_us == (20 + 5 + 28) * US_PER_DAY
    assert s20.mean_holding_days == D(53) / D("2.5")
    assert (s21.disposals, s21.quantity) == (2, D(11))
    assert s21.weighted_us == (1 * 110 + 10 * 62) * US_PER_DAY


def test_mixed_ledger_average_cost_exact_figures() -> None:
    agg = both(MIXED)[WA]
    # pool 3 BTC for 410: d1 takes 205; 1.5 BTC for 205 left; the fee takes a third of it, d2 the rest exactly
    with exact_context():
        fee_cost = allocate(D(205), D("0.5"), D("1.5"))
        btc21 = (D(80) - fee_cost) + (D(200) - (D(205) - fee_cost))
    assert {k: (g.total, g.receipts, g.count, g.method) for k, g in agg.disposals.items()} == {
        (Y20, "BTC", False): (D(230), D(450), 1, "weighted_average"),
        (Y20, "ETH", False): (D(15), D(40), 1, "weighted_average"),
        (Y21, "BTC", False): (btc21, D(280), 2, "weighted_average"),
        (Y21, "SOL", False): (D(30), D(70), 1, "weighted_average"),
    }
    assert agg.disposals[(Y21, "BTC", False)].total == D(75)
    s20 = agg.stats[Y20]
    # average acquisition time of the pool: (1 × day 0 + 2 × day 10) / 3; 1.5 sold on day 20
    assert s20.quantity == D("2.5")
    assert s20.weighted_us == (D("1.5") * 20 - D("1.5") * D(20) / 3) * US_PER_DAY + 28 * US_PER_DAY


def test_fifo_partial_lots_across_several_disposals_and_samples_limit() -> None:
    rows = [row("a", "2020-06-01", "acquisition", "BTC", "3", "30"),
            row("b", "2020-06-02", "acquisition", "BTC", "3", "60")]
    rows += [row(f"d{i:02}", "2020-07-01", "disposal", "BTC", "0.5", "100") for i in range(12)]
    agg = both(rows)[FIFO]
    g = agg.disposals[(Y20, "BTC", False)]
    # 6 × 0.5 from the 10/unit lot (5 each), then 6 × 0.5 from the 20/unit lot (10 each)
    assert (g.total, g.receipts, g.count) == (D(1200) - D(90), D(1200), 12)
    assert [s[0] for s in g.samples] == [f"d{i:02}" for i in range(SAMPLE_SIZE)]
    assert [s[1].row if s[1] else None for s in g.samples] == list(range(4, 4 + SAMPLE_SIZE))
    assert agg.stats[Y20].disposals == 12
    assert agg.stats[Y20].weighted_us == (3 * 30 + 3 * 29) * US_PER_DAY


def test_average_pool_emptied_exactly_restarts_at_zero() -> None:
    rows = [row("a", "2020-06-01", "acquisition", "ETH", "3", "10"),
            row("d", "2020-06-02", "disposal", "ETH", "1", "5"),
            row("e", "2020-06-03", "disposal", "ETH", "2", "5"),
            row("b", "2020-06-04", "acquisition", "ETH", "1", "7"),
            row("f", "2020-06-14", "disposal", "ETH", "1", "8")]
    agg = both(rows)[WA]
    with exact_context():
        first = allocate(D(10), D(1), D(3))
        assert agg.disposals[(Y20, "ETH", False)].total == (D(5) - first) + (D(5) - (D(10) - first)) + D(1)
    assert agg.disposals[(Y20, "ETH", False)].total == D(1)
    s = agg.stats[Y20]
    assert (s.disposals, s.quantity, s.weighted_us) == (3, D(4), (1 + 2 * 2 + 10) * US_PER_DAY)
    assert s.mean_holding_days == D("3.75")


def test_receipts_group_by_subtype_and_sample_limit() -> None:
    rows = [row(f"r{i:02}", "2020-05-01", "receipt", "ETH", "1", str(i + 1), subtype="staking") for i in range(11)]
    rows.append(row("m", "2020-05-02", "receipt", "ETH", "1", "3", subtype="mining"))
    rows.append(row("z", "2021-05-02", "receipt", "ETH", "1", "0", subtype="mining"))
    agg = both(rows)[FIFO]
    st = agg.receipts[(Y20, "staking", "ETH", False)]
    assert (st.total, st.receipts, st.count, len(st.samples)) == (D(66), D(66), 11, SAMPLE_SIZE)
    assert st.samples[-1][0] == "r09"
    assert (agg.receipts[(Y20, "mining", "ETH", False)].total, agg.receipts[(Y21, "mining", "ETH", False)].count) == (
        D(3), 1)
    assert agg.disposals == {} and agg.stats == {} and agg.years == (Y20, Y21)


def test_fees_in_hkd_and_in_tokens() -> None:
    rows = [row("a", "2020-05-01", "acquisition", "BTC", "2", "100")]
    rows += [row(f"h{i:02}", "2020-05-02", "fee", "", "", fee_amount=str(i + 1), fee_currency="HKD")
             for i in range(11)]
    rows += [row("t", "2020-05-03", "fee", "", "", fee_amount="1", fee_currency="BTC", fee_value="60")]
    for agg in both(rows).values():
        og = agg.outgoings[(Y20, "fee", True)]
        assert (og.total, og.receipts, og.count, len(og.samples)) == (D(66 + 60), D(0), 12, SAMPLE_SIZE)
        d = agg.disposals[(Y20, "BTC", False)]
        assert (d.total, d.receipts, d.count) == (D(10), D(60), 1)
        assert d.samples[0][0] == "t#fee0"
        # a fee paid in tokens is a disposal but not one of the year's disposals for the badges of trade
        assert (agg.stats[Y20].disposals, agg.stats[Y20].quantity, agg.stats[Y20].weighted_us) == (0, D(0), D(0))
        assert agg.stats[Y20].mean_holding_days is None


def test_disposals_of_one_asset_in_two_years_are_two_groups() -> None:
    rows = [
            row("a", "2021-03-30", "acquisition", "BTC", "2", "100"),
            row("d", "2021-03-31", "disposal", "BTC", "1", "70"),
            row("e", "2021-04-01", "disposal", "BTC", "0.5", "80"),
            row("b", "2021-04-02", "acquisition", "SOL", "1", "1"),
            row("f", "2021-04-03", "disposal", "BTC", "0.5", "1")]
    for agg in both(rows).values():
        assert agg.disposals[(Y20, "BTC", False)].total == D(20)
        assert agg.disposals[(Y21, "BTC", False)].total == D(80 - 25 + 1 - 25)
        assert agg.disposals[(Y21, "BTC", False)].count == 2
        assert [s[0] for s in agg.disposals[(Y21, "BTC", False)].samples] == ["e", "f"]
        assert (agg.stats[Y20].disposals, agg.stats[Y21].disposals) == (1, 2)
        assert agg.years == (Y20, Y21)


@pytest.mark.parametrize("rows", [
    [row("d", "2020-05-01", "disposal", "BTC", "1", "10")],
    [row("a", "2020-05-01", "acquisition", "BTC", "1", "10"), row("d", "2020-05-02", "disposal", "BTC", "1.1", "10")],
    [row("a", "2020-05-01", "acquisition", "BTC", "1", "10"), row("t", "2020-05-02", "transfer", "BTC", "2",
                                                                    to_wallet="w2")],
    [row("t", "2020-05-02", "transfer", "ETH", "1", to_wallet="w2")],
    [row("a", "2020-05-01", "acquisition", "BTC", "1", "10"),
     row("f", "2020-05-02", "fee", "", "", fee_amount="2", fee_currency="BTC", fee_value="1")],
    [row("s", "2020-05-02", "swap", "ETH", "1", "40", counter_asset="SOL", counter_quantity="10")],
])
@pytest.mark.parametrize("methods", [(FIFO,), (WA,), (FIFO, WA), (WA, FIFO)])
def test_oversells_fall_back_to_the_reference_path(rows: list[dict[str, str]], methods: tuple[LotMethod, ...]) -> None:
    fl, _ = ledger(rows)
    with pytest.raises(_Fallback):
        fast_aggregates_many(fl, methods)


def test_transfer_of_exactly_the_holding_is_accepted() -> None:
    rows = [row("a", "2020-05-01", "acquisition", "BTC", "1", "10"),
            row("t", "2020-05-02", "transfer", "BTC", "1", to_wallet="w2"),
            row("d", "2020-05-03", "disposal", "BTC", "1", "12")]
    for agg in both(rows).values():
        assert agg.disposals[(Y20, "BTC", False)].total == D(2)


def test_unsupported_methods_fall_back() -> None:
    fl, _ = ledger([row("a", "2020-05-01", "acquisition", "BTC", "1", "10")])
    for methods in [(), (LotMethod.SPECIFIC_ID,), (FIFO, LotMethod.SPECIFIC_ID)]:
        with pytest.raises(_Fallback):
            fast_aggregates_many(fl, methods)
    one = fast_aggregates(fl, WA)
    assert one.path == "fast" and one.event_count == 1 and one.years == (Y20,) and one.disposals == {}


def test_empty_ledger() -> None:
    fl = read_fast(text=",".join(HEADER) + "\n", file="t.csv")
    if fl is None:
        pytest.skip("the fast reader leaves an empty ledger to the reference path")
    agg = fast_aggregates(fl, FIFO)
    assert agg.years == () and agg.event_count == 0


# -- ledger/aggregate.py ---------------------------------------------------------------------------


def test_year_stats_mean_holding_days() -> None:
    assert YearStats().mean_holding_days is None
    s = YearStats(disposals=2, weighted_us=D(3 * US_PER_DAY), quantity=D(2))
    assert s.mean_holding_days == D("1.5")
    with exact_context():
        third = D(1) / 3
    assert YearStats(weighted_us=D(US_PER_DAY), quantity=D(3)).mean_holding_days == third


def test_group_add_keeps_the_first_ten_samples() -> None:
    g = Group()
    for i in range(SAMPLE_SIZE + 2):
        g.add(D(i), D(2 * i), f"x{i}", None)
    assert SAMPLE_SIZE == 10
    assert (g.total, g.receipts, g.count) == (D(66), D(132), 12)
    assert [s[0] for s in g.samples] == [f"x{i}" for i in range(10)]
    assert g.to_dict() == {"total": "66", "receipts": "132", "count": 12, "method": "-"}


def test_comparable_leaves_out_path_and_samples_only() -> None:
    def build(path: str, sample: str) -> LedgerAggregates:
        a = LedgerAggregates(event_count=3, path=path)
        for groups, key in ((a.disposals, (Y20, "BTC", False)), (a.receipts, (Y20, "staking", "ETH", False)),
                            (a.incomes, (Y20, "interest", None, False)), (a.outgoings, (Y20, "fee", True))):
            g = groups[key] = Group(method="fifo")
            g.add(D(1), D(2), sample, None)
        a.stats[Y20] = YearStats(1, D(5), D(6))
        a.years_seen.update({Y21, Y20})
        return a

    a, b = build("fast", "x"), build("reference", "y")
    assert a.comparable() == b.comparable()
    assert a.comparable() == (
        {(Y20, "BTC", False): (D(1), D(2), 1, "fifo")}, {Y20: (1, D(5), D(6))},
        {(Y20, "staking", "ETH", False): (D(1), D(2), 1, "fifo")}, {(Y20, "interest", None, False): (D(1), D(2), 1, "fifo")},
        {(Y20, "fee", True): (D(1), D(2), 1, "fifo")}, (Y20, Y21), 3)
    b.event_count = 4
    assert a.comparable() != b.comparable()


def test_summaries_keep_disposals_only_when_asked() -> None:
    from hkvatax.ledger.fast import summarise_csv

    _, text = ledger(MIXED)
    for fast in (True, False):
        plain = summarise_csv(text=text, file="t.csv", fast=fast)
        kept = summarise_csv(text=text, file="t.csv", fast=fast, keep_disposals=True)
        assert {m: s.disposals for m, s in plain.items()} == {FIFO: None, WA: None}
        assert gc.isenabled()
        assert [d[0] for d in kept[FIFO].disposals or []] == ["d1", "s1", "f1#fee0", "d2", "d3"]
        assert plain[FIFO].path == ("fast" if fast else "reference")
        assert {y: (t.disposals, t.gain) for y, t in plain[FIFO].years.items()} == {
            Y20: (2, D(265)), Y21: (3, D(85))}
        assert {y: (t.disposals, t.gain) for y, t in plain[WA].years.items()} == {
            Y20: (2, D(245)), Y21: (3, D(105))}
        assert plain[WA].closing[Y21] == {"ETH": (D(1), D(25))} and plain[FIFO].closing[Y20]["BTC"] == (D("1.5"),
                                                                                                        D(225))


def test_fast_summary_keeps_zero_cost_lots_and_checks_transfers_after_full_lots() -> None:
    from hkvatax.errors import InputError
    from hkvatax.ledger.fast import summarise_csv

    free = [row("a", "2020-05-01", "receipt", "ETH", "1", "0", subtype="airdrop"),
            row("b", "2020-05-02", "acquisition", "ETH", "1", "10"),
            row("d", "2020-05-03", "disposal", "ETH", "1.5", "30")]
    _, text = ledger(free)
    out = summarise_csv(text=text, file="t.csv", methods=(FIFO,))
    assert out[FIFO].path == "fast"
    assert (out[FIFO].years[Y20].cost, out[FIFO].years[Y20].gain) == (D(5), D(25))
    assert out[FIFO].closing[Y20] == {"ETH": (D("0.5"), D(5))}
    over = [row("a", "2020-05-01", "acquisition", "BTC", "1", "10"),
            row("b", "2020-05-02", "acquisition", "BTC", "1", "10"),
            row("d", "2020-05-03", "disposal", "BTC", "1.5", "30"),
            row("t", "2020-05-04", "transfer", "BTC", "1", to_wallet="w2")]
    _, text = ledger(over)
    for fast in (True, False):
        with pytest.raises(InputError, match="transfers 1 but only 0.5 is held"):
            summarise_csv(text=text, file="t.csv", methods=(FIFO,), fast=fast)
