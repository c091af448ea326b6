"""The batch's per-customer cost: N generated 100-event customers through the batch's per-customer function.

    python bench/per_customer.py --customers 300                  # CPU seconds (time.process_time)
    python bench/per_customer.py --customers 300 --single 200000  # and the single-taxpayer core per event
    python bench/per_customer.py --callgrind                      # instructions per customer (valgrind)
    python bench/per_customer.py --profile 200                    # cProfile of the customers, top 30

Each customer is one of bench/batch_data.py's (seed 11, every taxpayer kind in turn, 100 events over
2024/25 and 2025/26, as bench/batch_run.py makes them), assessed by :func:`hkvatax.batch.core.assess_customer`
(``assess_rows`` under the law in force, or ``compare_rows`` with ``--compare``) with its summary rows built
(``_summary_rows``): the batch's work without its files. A few customers are assessed first (imports,
parameter tables). CPU time is ``time.process_time`` of this process, so another job on the machine
changes it less than wall time; instruction counts (``--callgrind``: the difference between two runs of
``--customers`` 5 and 25 under ``valgrind --tool=callgrind``, divided by 20, so start-up cancels out; less
the same difference for runs that only make the customers' data, so only hkvatax's work is counted;
``--ledger-only`` also counts each customer's ledger alone) do not depend on the machine's load at all.
``--callgrind-single``: the single-taxpayer core's instructions per event (40,000 rows less 10,000).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import batch_data  # noqa: E402
import generate  # noqa: E402

FIRST = 2024
WARM = 5


Customers = tuple[Any, dict[str, dict[str, object]]]  # a bucket (hkvatax.batch.core._Bucket) and the profiles


def customers(n: int, offset: int = 0) -> Customers:
    """Customers ``offset`` .. ``offset + n - 1`` held as the batch holds a bucket: column by column."""
    from hkvatax.batch.core import _Bucket

    made, ledgers, _ = batch_data.customer_rows(n + offset, 100, 11, 0, FIRST)
    profiles = {str(c.pop("taxpayer_id")): c for c in made[offset:]}
    rows = [r for rs in ledgers[offset:] for r in rs]
    by: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        by.setdefault(r[0], []).append(i)
    cells = tuple([r[j] for r in rows] for j in range(1, len(batch_data.HEADER)))
    return _Bucket(tuple(generate.HEADER), cells, [0] * len(rows), list(range(len(rows))), by), profiles


def run_ledgers(batch: Customers) -> int:
    """Only each customer's ledger: its columns read, validated and matched (no assessment, no summary)."""
    from hkvatax.batch.core import customer_label
    from hkvatax.engine import _ledger_columns

    held, profiles = batch
    for tid in sorted(held.by_taxpayer):
        _ledger_columns(held.columns(tid), profiles[tid], file=customer_label(tid))
    return len(held.by_taxpayer)


def run(batch: Customers, compare: bool) -> int:
    """Each customer as :func:`hkvatax.batch.core.assess_bucket` assesses it (its rows taken from the bucket,
    column by column where the batch does so), with its summary rows."""
    import inspect

    from hkvatax.batch.core import BatchOptions, _summary_rows, assess_customer

    held, profiles = batch
    options = BatchOptions(regimes=("baseline", "va_extension") if compare else ("baseline",))
    by_columns = "cells" in inspect.signature(assess_customer).parameters  # since decision 0183
    rows_out = 0
    for tid in sorted(held.by_taxpayer):
        if by_columns:
            outcomes = assess_customer(tid, (), held.header, profiles[tid], options, cells=held.columns(tid))
        else:
            outcomes = assess_customer(tid, held.rows(tid), held.header, profiles[tid], options)
        for outcome in outcomes:
            rows_out += len(_summary_rows(tid, outcome, len(held.by_taxpayer[tid])))
    return rows_out


def cpu(n: int, compare: bool) -> dict[str, float]:
    run(customers(WARM), compare)
    batch = customers(n, WARM)
    events = len(batch[0].part)
    c = time.process_time()
    run(batch, compare)
    spent = time.process_time() - c
    return {"customers": n, "events": events, "cpu_s": spent, "cpu_ms_per_customer": spent / n * 1e3,
            "cpu_us_per_event": spent / events * 1e6}


def single(rows: int, work: Path) -> dict[str, float]:
    """One taxpayer's ``rows``-row ledger (bench/generate.py seed 7) through ``assess_csv``: CPU per event."""
    from hkvatax import assess_csv

    path = work / f"ledger-{rows}.csv"
    if not path.exists():
        generate.write_hkvatax(generate.generate(rows, seed=7), path)
    prof = {"taxpayer": {"kind": "corporation", "name": "Co", "methods": [{"method": "fifo", "from_year": "2018/19"}]}}
    assess_csv(path, prof)  # warm (and the file in the page cache)
    c = time.process_time()
    assess_csv(path, prof)
    spent = time.process_time() - c
    return {"single_rows": rows, "single_cpu_s": spent, "single_cpu_us_per_event": spent / rows * 1e6}


def _instructions(args: list[str]) -> int:
    cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__, *args]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    found = re.search(r"Collected : (\d+)", done.stderr)
    assert found, done.stderr[-2000:]
    return int(found.group(1))


def callgrind(compare: bool, small: int = 5, large: int = 25, part: str = "") -> dict[str, float]:
    """Instructions per customer: ``part`` "" (the customer's whole work), "ledger" (its ledger only) or
    "generate" (only making its data: bench/batch_data.py and the bucket, which the other two include and
    which is subtracted from them, so that what is reported is hkvatax's own work)."""
    extra = {"ledger": ["--ledger-only"], "generate": ["--generate-only"]}.get(part, ["--compare"] if compare else [])
    counts = {n: _instructions(["--customers", str(n), "--quiet", *extra]) for n in (small, large)}
    per = (counts[large] - counts[small]) / (large - small)
    what = f"{part}_" if part else ""
    return {f"{what}instructions_per_customer_gross": per,
            **{f"{what}instructions_total_{n}": float(v) for n, v in counts.items()}}


def callgrind_single(work: Path, small: int = 10_000, large: int = 40_000) -> dict[str, float]:
    """Instructions per event of the single-taxpayer core: ``assess_csv`` of a ``large``- and a ``small``-row
    ledger (bench/generate.py seed 7), the difference divided by the rows between them."""
    for n in (small, large):
        if not (work / f"ledger-{n}.csv").exists():
            generate.write_hkvatax(generate.generate(n, seed=7), work / f"ledger-{n}.csv")
    counts = {n: _instructions(["--single-only", str(n), "--work", str(work)]) for n in (small, large)}
    return {"single_instructions_per_event": (counts[large] - counts[small]) / (large - small)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--customers", type=int, default=300)
    ap.add_argument("--compare", action="store_true", help="both regimes (compare_rows) instead of the law in force")
    ap.add_argument("--single", type=int, default=0, help="also the single-taxpayer core on a ledger of this many rows")
    ap.add_argument("--callgrind", action="store_true", help="instructions per customer under valgrind")
    ap.add_argument("--profile", type=int, default=0, help="cProfile this many customers")
    ap.add_argument("--quiet", action="store_true", help="(for --callgrind) only run the customers")
    ap.add_argument("--callgrind-single", action="store_true",
                    help="instructions per event of the single-taxpayer core (10,000 and 40,000 rows) under valgrind")
    ap.add_argument("--single-only", type=int, default=0, help=argparse.SUPPRESS)  # what valgrind runs for it
    ap.add_argument("--ledger-only", action="store_true",
                    help="(with --callgrind) only each customer's ledger: read, validated, matched (since 0183)")
    ap.add_argument("--generate-only", action="store_true", help=argparse.SUPPRESS)  # the data alone (--callgrind)
    ap.add_argument("--work", type=Path, default=HERE / "data")
    args = ap.parse_args(argv)
    if args.single_only:
        from hkvatax import assess_csv

        assess_csv(args.work / f"ledger-{args.single_only}.csv", {"taxpayer": {
            "kind": "corporation", "name": "Co", "methods": [{"method": "fifo", "from_year": "2018/19"}]}})
        return 0
    if args.quiet:  # the run valgrind measures: warm-up included in both sizes, so it cancels out
        if args.generate_only:
            customers(WARM)
            customers(args.customers, WARM)
            return 0
        if args.ledger_only:
            run_ledgers(customers(WARM))
            run_ledgers(customers(args.customers, WARM))
            return 0
        run(customers(WARM), args.compare)
        run(customers(args.customers, WARM), args.compare)
        return 0
    if args.profile:
        import cProfile
        import pstats

        run(customers(WARM), args.compare)
        batch = customers(args.profile, WARM)
        prof = cProfile.Profile()
        prof.runcall(run, batch, args.compare)
        pstats.Stats(prof).sort_stats("tottime").print_stats(30)
        pstats.Stats(prof).sort_stats("cumulative").print_stats(40)
        return 0
    res: dict[str, float] = {}
    if args.callgrind:
        made = callgrind(args.compare, part="generate")["generate_instructions_per_customer_gross"]
        res["generate_instructions_per_customer"] = made
        for part in (["ledger"] if args.ledger_only else []) + [""]:
            what = f"{part}_" if part else ""
            gross = callgrind(args.compare, part=part)[f"{what}instructions_per_customer_gross"]
            res[f"{what}instructions_per_customer_gross"] = gross
            res[f"{what}instructions_per_customer"] = gross - made
            res[f"{what}instructions_per_event"] = (gross - made) / 100
    if args.callgrind_single:
        args.work.mkdir(parents=True, exist_ok=True)
        res.update(callgrind_single(args.work))
    if args.customers:
        res.update(cpu(args.customers, args.compare))
    if args.single:
        args.work.mkdir(parents=True, exist_ok=True)
        res.update(single(args.single, args.work if args.work.exists() else Path(tempfile.gettempdir())))
        if "cpu_us_per_event" in res:
            res["ratio_batch_to_single"] = res["cpu_us_per_event"] / res["single_cpu_us_per_event"]
    print(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
