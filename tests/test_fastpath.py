"""The fast path (io.fastcsv + ledger.fast) gives exactly the reference path's results and errors."""

from __future__ import annotations

import csv
import io
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hkvatax.errors import InputError
from hkvatax.io.fastcsv import read_fast
from hkvatax.ledger.fast import summarise_csv

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import generate  # noqa: E402

HEADER = generate.HEADER
ASSETS = ("BTC", "ETH", "SOL")


def _render(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(HEADER)
    for r in rows:
        w.writerow([r.get(h, "") for h in HEADER])
    return out.getvalue()


_qty = st.decimals(min_value=Decimal("0.00000001"), max_value=Decimal("50"), places=8)
_money = st.decimals(min_value=Decimal("0"), max_value=Decimal("100000"), places=2)


@st.composite
def ledgers(draw: st.DrawFn) -> str:
    """Random ledgers of the supported kinds; some oversell (the reference then reports it)."""
    n = draw(st.integers(min_value=0, max_value=30))
    rows: list[dict[str, str]] = []
    second = 0
    for i in range(n):
        second += draw(st.integers(min_value=0, max_value=3 * 86400 * 120))  # ties and year crossings
        ts = "2021-01-01T00:00:00+08:00"
        from datetime import datetime, timedelta
        ts = (datetime.fromisoformat(ts) + timedelta(seconds=second)).isoformat()
        kind = draw(st.sampled_from(["acquisition", "acquisition", "disposal", "swap", "fee", "transfer",
                                     "receipt"]))
        asset = draw(st.sampled_from(ASSETS))
        row = {"id": f"r{i}", "timestamp": ts, "kind": kind, "wallet": "w1"}
        if kind in ("acquisition", "disposal"):
            row.update(asset=asset, quantity=str(draw(_qty)), amount=str(draw(_money)), currency="HKD")
            if draw(st.booleans()):
                row.update(fee_amount=str(draw(_money) + Decimal("0.01")), fee_currency="HKD")
        elif kind == "swap":
            other = draw(st.sampled_from([a for a in ASSETS if a != asset]))
            row.update(asset=asset, quantity=str(draw(_qty)), counter_asset=other,
                       counter_quantity=str(draw(_qty)), amount=str(draw(_money)), currency="HKD")
        elif kind == "fee":
            if draw(st.booleans()):
                row.update(fee_amount=str(draw(_qty)), fee_currency=asset, fee_value=str(draw(_money)))
            else:
                row.update(fee_amount=str(draw(_money) + 1), fee_currency="HKD")
        elif kind == "transfer":
            row.update(asset=asset, quantity=str(draw(_qty)), to_wallet="w2")
        else:
            row.update(asset=asset, quantity=str(draw(_qty)), amount=str(draw(_money)), currency="HKD",
                       subtype="staking")
        rows.append(row)
    if draw(st.booleans()):
        rows = draw(st.permutations(rows))  # input order must not matter
    return _render(rows)


def _outcome(text: str, fast: bool) -> object:
    try:
        res = summarise_csv(text=text, file="t.csv", keep_disposals=True, fast=fast)
    except InputError as exc:
        return ("error", [(p.code, p.message, p.source, p.column) for p in exc.problems])
    return {m: s.comparable() for m, s in res.items()}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ledgers())
def test_fast_path_equals_reference(text: str) -> None:
    assert _outcome(text, True) == _outcome(text, False)


def test_generated_ledger_takes_the_fast_path_and_agrees() -> None:
    rows = generate.hkvatax_rows(generate.generate(300, seed=3))
    text = _render([dict(zip(HEADER, r, strict=True)) for r in rows])
    assert read_fast(text=text, file="g.csv") is not None
    fast = summarise_csv(text=text, file="g.csv", keep_disposals=True)
    ref = summarise_csv(text=text, file="g.csv", keep_disposals=True, fast=False)
    for m in fast:
        assert fast[m].path == "fast" and ref[m].path == "reference"
        assert fast[m].comparable() == ref[m].comparable()
        assert fast[m].disposals


BAD = [
    "id,timestamp,kind\nx,2021-01-01T00:00:00+08:00,bogus\n",
    "id,timestamp,kind,asset,quantity,amount\nx,2021-01-01T00:00:00+08:00,acquisition,BTC,-1,10\n",
    "id,timestamp,kind,asset,quantity,amount\nx,2021-01-01 00:00,acquisition,BTC,1,10\n",
    "id,timestamp,kind,asset,quantity,amount\nx,2021-01-01T00:00:00+08:00,acquisition,BTC,1,1e400\n",
    "id,timestamp,kind,asset,quantity,amount\nx,2021-01-01T00:00:00+08:00,disposal,BTC,1,10\n",
    "id,timestamp,kind,asset,quantity,amount\nx,2021-01-01T00:00:00+08:00,acquisition,BTC,1,10\n"
    "x,2021-01-02T00:00:00+08:00,acquisition,BTC,1,10\n",
    "id,timestamp,kind,asset,quantity,amount,lots\nx,2021-01-01T00:00:00+08:00,acquisition,BTC,1,10,a:1\n",
    "id,timestamp,kind,asset,quantity,amount\nx,2021-01-01T00:00:00+08:00,acquisition,BTC,1\n",
    "id,timestamp,kind,asset,quantity,amount,currency\nx,2021-01-01T00:00:00+08:00,acquisition,BTC,1,10,USD\n",
    "id,timestamp,kind,asset,quantity,amount,subtype\nx,2021-01-01T00:00:00+08:00,receipt,BTC,1,,staking\n",
    "id,timestamp,kind,asset,quantity,amount\nx,2021-01-01T00:00:00+08:00,swap,BTC,1,10\n",
    "",
]


@pytest.mark.parametrize("text", BAD)
def test_malformed_csv_gives_the_reference_problems(text: str) -> None:
    fast, ref = _outcome(text, True), _outcome(text, False)
    assert fast == ref
    assert isinstance(fast, tuple) and fast[0] == "error"


def _assessed(text: str, tmp: Path, fast: bool, method: str) -> object:
    from hkvatax.bulk import assess_csv

    path = tmp / "ledger.csv"
    path.write_text(text, encoding="utf-8")
    prof = {"taxpayer": {"kind": "corporation", "name": "Co", "methods": [{"method": method, "from_year": "2018/19"}]}}
    try:
        out = assess_csv(path, prof, fast=fast)
    except InputError as exc:
        return ("error", [(p.code, p.message, p.source, p.column) for p in exc.problems])
    return out.explain(detail="per_asset").to_json(), out.aggregates.comparable() if out.aggregates else None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(text=ledgers(), method=st.sampled_from(["fifo", "weighted_average"]))
def test_assessment_through_the_fast_path_equals_the_reference(text: str, method: str, tmp_path: Path) -> None:
    assert _assessed(text, tmp_path, True, method) == _assessed(text, tmp_path, False, method)


def test_generated_ledger_is_assessed_by_the_fast_path(tmp_path: Path) -> None:
    from hkvatax.bulk import assess_csv

    rows = generate.hkvatax_rows(generate.generate(400, seed=5))
    path = tmp_path / "g.csv"
    path.write_text(_render([dict(zip(HEADER, r, strict=True)) for r in rows]), encoding="utf-8")
    prof = {"taxpayer": {"kind": "corporation", "name": "Co", "methods": [{"method": "fifo", "from_year": "2018/19"}]}}
    fast = assess_csv(path, prof)
    ref = assess_csv(path, prof, fast=False)
    assert fast.aggregates is not None and fast.aggregates.path == "fast" and fast.ledger is None
    assert fast.explain().to_json() == ref.explain().to_json()
    with pytest.raises(ValueError, match="full ledger"):
        fast.explain(detail="full")
