"""Run RP2's own CLI code (rp2_generic, FIFO) in this process, timing its phases. Runs in bench/.venv.

    python rp2_run.py CONFIG.ini INPUT.ods OUTDIR RESULT.json

The whole CLI runs (ODS parsing, tax computation, report generation); ``parse_ods`` and ``compute_tax``
are wrapped to time them and to read the FIFO gain: the sum of ``fiat_gain`` over gain/loss lines whose
taxable event is not an earning (staking income is not a disposal).
"""

import json
import os
import sys
import time
from decimal import Decimal

import rp2.rp2_main as main_mod
from rp2.plugin.country.generic import Generic

config, ods, outdir, result_path = sys.argv[1:5]
timings = {"parse_s": 0.0, "compute_s": 0.0}
gain = Decimal(0)
orig_parse, orig_compute = main_mod.parse_ods, main_mod.compute_tax


def parse_ods(**kw):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    out = orig_parse(**kw)
    timings["parse_s"] += time.perf_counter() - t
    return out


def compute_tax(**kw):  # type: ignore[no-untyped-def]
    global gain
    t = time.perf_counter()
    out = orig_compute(**kw)
    timings["compute_s"] += time.perf_counter() - t
    for gl in out.gain_loss_set:
        if not gl.taxable_event.is_earning():
            gain += Decimal(str(gl.fiat_gain))
    return out


main_mod.parse_ods, main_mod.compute_tax = parse_ods, compute_tax
os.environ.setdefault("CURRENCY_CODE", "hkd")
os.environ.setdefault("LONG_TERM_CAPITAL_GAINS", "365")
sys.argv = ["rp2_generic", "-m", "fifo", "-o", outdir, "-p", "bench_", config, ods]
main_mod.rp2_main(Generic())
with open(result_path, "w", encoding="utf-8") as fh:
    json.dump({**timings, "fifo_gain": str(gain)}, fh)
