"""The streaming, optionally forked, fast path (ledger/stream.py) gives the reference aggregates digit for
digit — every Decimal's string, every sample — whatever the chunking and the number of processes."""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hkvatax.io.loaders import read_csv_events
from hkvatax.ledger import run_ledger
from hkvatax.ledger.aggregate import LedgerAggregates, aggregate, from_json, to_json
from hkvatax.ledger.stream import aggregates_csv
from hkvatax.models.taxpayers import LotMethod

from .test_fastpath import ledgers

BOTH = (LotMethod.FIFO, LotMethod.WEIGHTED_AVERAGE)


def exact(agg: LedgerAggregates) -> Any:
    """Everything in the aggregates, Decimals as their strings (digits and exponent), samples included."""
    def groups(d: dict[Any, Any]) -> Any:
        return sorted((str(k), str(g.total), str(g.receipts), g.count, g.method, g.samples) for k, g in d.items())

    return (groups(agg.disposals), groups(agg.receipts), groups(agg.incomes), groups(agg.outgoings),
            sorted((str(y), s.disposals, str(s.weighted_us), str(s.quantity)) for y, s in agg.stats.items()),
            sorted(map(str, agg.years_seen)), agg.event_count)


def reference(text: str) -> dict[LotMethod, Any] | None:
    events, problems = read_csv_events(text=text, file="t.csv")
    if problems:
        return None
    try:
        return {m: exact(aggregate(run_ledger(events, method_for=m))) for m in BOTH}
    except Exception:  # an oversell and the like: the reference reports it, the fast path must decline
        return None


def fast(text: str, **kw: Any) -> dict[LotMethod, Any] | None:
    out = aggregates_csv(text=text, file="t.csv", methods=BOTH, **kw)
    return None if out is None else {m: exact(a) for m, a in out.items()}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=ledgers(), chunk=st.integers(min_value=1, max_value=12))
def test_stream_equals_reference_digit_for_digit(text: str, chunk: int) -> None:
    got = fast(text, chunk=chunk)
    ref = reference(text)
    if got is not None:  # the fast path may decline (then the reference runs): it may never differ
        assert got == ref


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=ledgers(), chunk=st.integers(min_value=1, max_value=6))
def test_two_processes_equal_one(text: str, chunk: int) -> None:
    assert fast(text, chunk=chunk, processes=2, fork_from=0) == fast(text, chunk=chunk)


@given(text=ledgers())
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_aggregates_json_round_trip_is_exact(text: str) -> None:
    out = aggregates_csv(text=text, file="t.csv", methods=BOTH)
    for agg in (out or {}).values():
        back = from_json(to_json(agg))
        assert exact(back) == exact(agg)
        assert to_json(back) == to_json(agg)


GOOD = ("id,timestamp,kind,asset,quantity,amount,currency\n"
        + "".join(f"a{i},2021-0{1 + i // 10}-{10 + i % 10}T00:00:00+08:00,acquisition,BTC,1.5,{100 + i},HKD\n"
                  for i in range(40))
        + "".join(f"d{i},2021-06-{10 + i}T00:00:00+08:00,disposal,BTC,0.7,{90 + i}.25,HKD\n" for i in range(10)))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
@pytest.mark.parametrize("bad_line", [3, 17, 45])  # in a chunk the parent checks, or one the child checks
def test_an_error_in_any_chunk_declines_in_both_layouts(bad_line: int) -> None:
    lines = GOOD.splitlines(keepends=True)
    lines[bad_line] = lines[bad_line].replace(",1.5,", ",-1.5,").replace(",0.7,", ",-0.7,")
    text = "".join(lines)
    assert fast(GOOD, chunk=5, processes=2, fork_from=0) == fast(GOOD, chunk=5) == reference(GOOD)
    assert fast(text, chunk=5) is None
    assert fast(text, chunk=5, processes=2, fork_from=0) is None


def test_unsorted_input_is_sorted_then_matched() -> None:
    lines = GOOD.splitlines(keepends=True)
    text = lines[0] + "".join(reversed(lines[1:]))
    assert fast(text, chunk=7) == reference(text) is not None


def test_a_duplicate_id_declines() -> None:
    text = GOOD.replace("a7,", "a3,")
    assert reference(text) is None and fast(text, chunk=4) is None


def test_the_inline_cut_is_money_allocate() -> None:
    # a partial lot whose cost share has more than 40 places: cut toward zero at 10^-40, as allocate does
    text = ("id,timestamp,kind,asset,quantity,amount\n"
            "a,2021-01-01T00:00:00+08:00,acquisition,BTC,3,100\n"
            "b,2021-01-02T00:00:00+08:00,disposal,BTC,1,50\n")
    got = aggregates_csv(text=text, file="t.csv", methods=BOTH)
    assert got is not None
    g = got[LotMethod.FIFO].disposals[next(iter(got[LotMethod.FIFO].disposals))]
    assert str(g.total) == "16.6666666666666666666666666666666666666667"  # 50 − 33.33…33 (40 places)
    assert fast(text) == reference(text)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_cli_jobs_2_gives_the_same_assessment(tmp_path: Any, capsys: Any) -> None:
    """Above the forking threshold, `hkvatax assess --jobs 2` prints exactly what one process prints."""
    import json

    from hkvatax.cli import main

    from .test_fastpath import HEADER, _render, generate

    rows = generate.hkvatax_rows(generate.generate(60_000, seed=11))
    ledger = tmp_path / "big.csv"
    ledger.write_text(_render([dict(zip(HEADER, r, strict=True)) for r in rows]), encoding="utf-8")
    profile = tmp_path / "profile.json"
    profile.write_text(json.dumps({"taxpayer": {"kind": "corporation", "name": "Big Ltd", "methods": [
        {"method": "weighted_average", "from_year": "2018/19"}]}}), encoding="utf-8")
    outputs = []
    for jobs in ("1", "2"):
        assert main(["assess", str(ledger), "--profile", str(profile), "--format", "json", "--jobs", jobs]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1] and '"tax_payable"' in outputs[0]
    from hkvatax.bulk import fast_ledger_aggregates

    found = fast_ledger_aggregates(ledger, profile, processes=2)  # the forked fast path, not the reference
    assert found is not None and found[1].path == "fast" and found[1].event_count == 60_000


def _ledger_text(weights: dict[str, int]) -> str:
    lines = ["id,timestamp,kind,asset,quantity,amount,currency"]
    k = 0
    for token, n in weights.items():
        for _ in range(n):
            k += 1
            lines.append(f"e{k},2021-01-01T00:00:{k % 60:02d}+08:00,acquisition,{token},1,10,HKD")
    return "\n".join(lines) + "\n"


def test_plan_splits_a_single_token_by_cost_formula() -> None:
    from hkvatax.ledger.stream import _plan

    owner = _plan(_ledger_text({"BTC": 500}), BOTH)
    assert {owner("BTC", LotMethod.FIFO), owner("BTC", LotMethod.WEIGHTED_AVERAGE)} == {0, 1}
    assert owner("BTC", None) == owner("BTC", LotMethod.FIFO)  # receipts and fees: counted once
    assert owner("HKD", None) == 0


def test_plan_balances_five_equal_tokens_and_keeps_most_whole() -> None:
    from hkvatax.ledger.stream import _plan

    tokens = ["ADA", "BTC", "DOT", "ETH", "SOL"]
    owner = _plan(_ledger_text(dict.fromkeys(tokens, 300)), BOTH)
    split = [t for t in tokens if owner(t, LotMethod.FIFO) != owner(t, LotMethod.WEIGHTED_AVERAGE)]
    assert len(split) <= 1
    pools = [sum(owner(t, m) == p for t in tokens for m in BOTH) for p in (0, 1)]
    assert abs(pools[0] - pools[1]) <= 2
    one = _plan(_ledger_text(dict.fromkeys(tokens, 300)), (LotMethod.FIFO,))
    assert {one(t, LotMethod.FIFO) for t in tokens} == {0, 1}


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_two_processes_on_a_single_token_ledger() -> None:
    assert fast(GOOD, chunk=4, processes=2, fork_from=0) == fast(GOOD, chunk=4) == reference(GOOD)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_two_processes_unsorted_and_tokens_in_different_years() -> None:
    """Years seen by either process are the ledger's; an unsorted file is sorted by both the same way."""
    rows = ["id,timestamp,kind,asset,quantity,amount,currency,fee_amount,fee_currency,fee_value"]
    for i in range(30):
        rows.append(f"b{i},2019-0{1 + i % 9}-1{i % 10}T00:00:00+08:00,acquisition,BTC,1,{100 + i},HKD,,,")
        rows.append(f"e{i},2023-0{1 + i % 9}-1{i % 10}T01:00:00+08:00,acquisition,ETH,2,{50 + i},HKD,,,")
    rows.append("s1,2019-12-31T00:00:00+08:00,disposal,BTC,3,400,HKD,5,HKD,")
    rows.append("s2,2023-12-31T00:00:00+08:00,disposal,ETH,3,400,HKD,,,")
    rows.append("f1,2023-12-31T02:00:00+08:00,fee,,,,,0.5,ETH,12")
    text = "\n".join(rows) + "\n"  # not in time order: read whole and sorted
    ref = reference(text)
    assert ref is not None and fast(text, chunk=7) == ref
    assert fast(text, chunk=7, processes=2, fork_from=0) == ref
    ordered = rows[0] + "\n" + "\n".join(sorted(rows[1:], key=lambda r: r.split(",")[1])) + "\n"
    assert fast(ordered, chunk=5, processes=2, fork_from=0) == reference(ordered) is not None
