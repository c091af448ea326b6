"""Smoke test of the benchmark's generator and of hkvatax's fast pipeline at 200 rows (no timing)."""

from __future__ import annotations

import sys
import zipfile
from decimal import Decimal
from pathlib import Path

from hkvatax.ledger.fast import summarise_csv

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import generate  # noqa: E402


def test_generator_is_deterministic_and_never_oversells(tmp_path: Path) -> None:
    a = generate.write_all(200, 11, tmp_path / "a")
    b = generate.write_all(200, 11, tmp_path / "b")
    for key in ("hkvatax", "bittytax", "rp2_ini"):
        assert a[key].read_bytes() == b[key].read_bytes()
    with zipfile.ZipFile(a["rp2"]) as z:
        assert z.namelist()[0] == "mimetype" and "content.xml" in z.namelist()
    kinds = {r.kind for r in generate.generate(2000, 11)}
    assert kinds == {"buy", "sell", "swap", "fee", "transfer", "receipt"}
    # the reference path raises on any oversell; the fast path must agree with it
    fast = summarise_csv(a["hkvatax"], keep_disposals=True)
    ref = summarise_csv(a["hkvatax"], keep_disposals=True, fast=False)
    for method, summary in fast.items():
        assert summary.path == "fast"
        assert summary.comparable() == ref[method].comparable()
        assert summary.event_count == 200
        assert isinstance(summary.total_gain, Decimal)
