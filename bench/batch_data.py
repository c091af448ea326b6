"""Deterministic synthetic customer bases for hkvatax.batch: events partitions plus a customers table.

    python bench/batch_data.py --taxpayers 10000 --events 100 --partitions 16 --out bench/data/batch

Every taxpayer kind takes its turn (individual investor and trader, corporation, family office,
private fund: the built-in examples' taxpayer facts, renamed); each has its own seeded ledger from
:mod:`generate` (buys, sells, swaps, token fees, transfers, staking; HKD amounts, so the fast core
applies), its events spread evenly from ``first_year``/.. (default 2018/19) to 2025/26. ``broken=k`` spoils every k-th taxpayer in one of four ways (a misspelt kind on one row, no
customer record, an invalid customer record, a disposal of more than is held), recorded in
``broken.json``. Rows are written in a shuffled (seeded) order of taxpayers, each taxpayer's own rows in
order, split over ``partitions`` files by row count, so a taxpayer's rows may span two partitions.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[1] / "src" / "hkvatax" / "examples"
KINDS = ("individual_investor", "individual_trader", "corporation", "family_office", "private_fund")
HEADER = ("taxpayer_id", *generate.HEADER)
ASSETS = [{"symbol": s, "name": s, "category": "payment"} for s in generate.ASSETS]


def _taxpayer(kind: str, n: int) -> dict[str, object]:
    facts = json.loads((EXAMPLES / f"{kind}.json").read_text(encoding="utf-8"))["taxpayer"]
    return {**facts, "name": f"{facts['name']} #{n}"}


def customer_rows(taxpayers: int, events: int, seed: int, broken: int, first_year: int = 2018) -> tuple[list[dict[str, object]],
                                                                                   list[list[list[str]]], dict[str, str]]:
    customers: list[dict[str, object]] = []
    ledgers: list[list[list[str]]] = []
    spoiled: dict[str, str] = {}
    for n in range(taxpayers):
        tid = f"C{n:07d}"
        kind = KINDS[n % len(KINDS)]
        rows = [[tid, *r] for r in generate.hkvatax_rows(generate.generate(events, seed=seed * 1_000_003 + n))]
        start = generate.START.replace(year=first_year)
        step = int((2026 - first_year - 0.2) * 365 * 86_400) // max(events, 1)
        for i, row in enumerate(rows):  # spread over the years, in order, so that every year has activity
            row[2] = generate._ts(start + timedelta(seconds=(i + 1) * step + n % 3600))
        record: dict[str, object] = {"taxpayer_id": tid, "taxpayer": _taxpayer(kind, n), "assets": ASSETS}
        how = (n // broken) % 4 if broken and n % broken == broken - 1 else None
        if how == 0:
            rows[len(rows) // 2][3] = "acquistion"
            spoiled[tid] = "unknown_kind"
        elif how == 1:
            record = {}
            spoiled[tid] = "missing_field"
        elif how == 2:
            record["taxpayer"] = {**_taxpayer(kind, n), "kind": "robot"}
            spoiled[tid] = "invalid_customer"
        elif how == 3:
            sell = next(r for r in rows if r[3] == "disposal")
            sell[5] = "99999999"
            spoiled[tid] = "oversell"
        if record:
            customers.append(record)
        ledgers.append(rows)
    return customers, ledgers, spoiled


def write_dataset(out: Path, *, taxpayers: int, events: int, partitions: int, seed: int = 11, broken: int = 0,
                  fmt: str = "csv", first_year: int = 2018) -> dict[str, str]:
    """Write ``out``/events/part-*.{csv,parquet} and ``out``/customers.jsonl; returns the spoiled taxpayers.
    Each ledger's events spread evenly from 1 April ``first_year`` to early 2026 (2025/26)."""
    customers, ledgers, spoiled = customer_rows(taxpayers, events, seed, broken, first_year)
    order = list(range(taxpayers))
    random.Random(seed).shuffle(order)
    rows = [r for i in order for r in ledgers[i]]
    (out / "events").mkdir(parents=True, exist_ok=True)
    size = -(-len(rows) // partitions)
    for p in range(partitions):
        chunk = rows[p * size:(p + 1) * size]
        path = out / "events" / f"part-{p:04d}.{fmt}"
        if fmt == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            pq.write_table(pa.table({h: [r[i] for r in chunk] for i, h in enumerate(HEADER)}), path)
        else:
            with path.open("w", newline="", encoding="utf-8") as fh:
                writer = csv.writer(fh, lineterminator="\n")
                writer.writerow(HEADER)
                writer.writerows(chunk)
    with (out / "customers.jsonl").open("w", encoding="utf-8") as fh:
        for c in customers:
            fh.write(json.dumps(c, sort_keys=True) + "\n")
    (out / "broken.json").write_text(json.dumps(spoiled, indent=1, sort_keys=True), encoding="utf-8")
    return spoiled


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--taxpayers", type=int, default=1000)
    ap.add_argument("--events", type=int, default=100)
    ap.add_argument("--partitions", type=int, default=8)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--broken", type=int, default=0, help="spoil every k-th taxpayer (0: none)")
    ap.add_argument("--format", choices=["csv", "parquet"], default="csv")
    ap.add_argument("--first-year", dest="first_year", type=int, default=2018)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    write_dataset(args.out, taxpayers=args.taxpayers, events=args.events, partitions=args.partitions,
                  seed=args.seed, broken=args.broken, fmt=args.format, first_year=args.first_year)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
