"""Benchmark of hkvatax.batch (issue 14): a customer base end to end, one process against 2 Dask workers.

    python bench/batch_run.py                       # 10,000 taxpayers x 100 events, and 1,000 x 100
    python bench/batch_run.py --taxpayers 2000      # a quicker look

For each size it generates the data (bench/batch_data.py, seed 11, 16 CSV partitions), then runs the
whole batch (summaries of the baseline and the extension, i.e. a comparison per taxpayer) three ways:
in this process (``workers=1``), on a local process pool of 2, and on a Dask LocalCluster of 2 worker
processes (1 thread each); each into a fresh output folder; wall time from start to the written
summary. It checks the three summaries are identical, and measures each Dask worker's peak RSS. Then
the per-event cost against the single-taxpayer core: a sample of taxpayers assessed one by one with
:func:`hkvatax.compare_csv` from their own ledger text (no batch machinery), and one 1,000,000-row
ledger through the same call. Results go to bench/data/batch-results.json and are printed.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import resource
import shutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import batch_data  # noqa: E402
import generate  # noqa: E402

from hkvatax.batch import BatchOptions, run_batch  # noqa: E402

OPTIONS = BatchOptions(buckets=16)  # the law in force; --compare for both regimes


FIRST = 2024  # each customer's 100 events over 2024/25 and 2025/26: two annual statements


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _run(root: Path, out: Path, **how: object) -> float:
    shutil.rmtree(out, ignore_errors=True)
    t = time.perf_counter()
    run_batch(root / "events", root / "customers.jsonl", out, options=OPTIONS, progress=False, **how)  # type: ignore[arg-type]
    return time.perf_counter() - t


def measure(taxpayers: int, events: int, work: Path, sample: int) -> dict[str, object]:
    from distributed import Client, LocalCluster

    root = work / f"batch-{taxpayers}x{events}"
    if not (root / "customers.jsonl").exists():
        batch_data.write_dataset(root, taxpayers=taxpayers, events=events, partitions=16, seed=11, first_year=FIRST)
    res: dict[str, object] = {"taxpayers": taxpayers, "events_per_taxpayer": events, "events": taxpayers * events}
    res["one_process_s"] = _run(root, work / "out-one", workers=1)
    if taxpayers <= 2_000:
        res["pool2_s"] = _run(root, work / "out-pool", workers=2)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      host="127.0.0.1", memory_limit="8GiB") as lc, Client(lc) as client:
        client.run(lambda: None)  # workers up before the clock starts
        res["dask2_s"] = _run(root, work / "out-dask", client=client)
        peaks = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    res["dask_worker_peak_rss_mb"] = sorted(round(v) for v in peaks.values())
    res["one_process_peak_rss_mb"] = round(_peak_rss_mb())
    import pyarrow.parquet as pq

    ref = pq.read_table(work / "out-one" / "summary.parquet")
    others = ("out-pool", "out-dask") if "pool2_s" in res else ("out-dask",)
    res["identical"] = all(pq.read_table(work / d / "summary.parquet").equals(ref) for d in others)
    res["summary_rows"] = ref.num_rows
    res["speedup_dask2"] = res["one_process_s"] / res["dask2_s"]  # type: ignore[operator]
    if "pool2_s" in res:
        res["speedup_pool2"] = res["one_process_s"] / res["pool2_s"]  # type: ignore[operator]
    res["us_per_event_one_process"] = res["one_process_s"] / (taxpayers * events) * 1e6  # type: ignore[operator]
    res["us_per_event_dask2"] = res["dask2_s"] / (taxpayers * events) * 1e6  # type: ignore[operator]
    res.update(alone(root, sample))
    return res


def alone(root: Path, sample: int) -> dict[str, object]:
    """The same taxpayers assessed one by one through the public API, without the batch machinery."""
    from hkvatax import assess_csv, compare_csv

    profiles = {}
    for line in (root / "customers.jsonl").open(encoding="utf-8"):
        c = json.loads(line)
        profiles[c.pop("taxpayer_id")] = c
    ledgers: dict[str, list[list[str]]] = {}
    for part in sorted((root / "events").glob("*.csv")):
        with part.open(newline="", encoding="utf-8") as fh:
            for row in list(csv.reader(fh))[1:]:
                ledgers.setdefault(row[0], []).append(row[1:])
    ids = sorted(ledgers)[:sample]
    texts = []
    for tid in ids:
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows([generate.HEADER, *ledgers[tid]])
        texts.append(out.getvalue())
    t = time.perf_counter()
    events = 0
    for tid, text in zip(ids, texts, strict=True):
        if len(OPTIONS.regimes) == 2:
            compare_csv(io.StringIO(text), profiles[tid], file=f"customer {tid}")
        else:
            assess_csv(io.StringIO(text), profiles[tid], regime=OPTIONS.regimes[0], file=f"customer {tid}")
        events += len(ledgers[tid])
    spent = time.perf_counter() - t
    return {"alone_sample": len(ids), "us_per_event_alone": spent / events * 1e6}


def big_ledger(work: Path) -> dict[str, object]:
    """One taxpayer with 1,000,000 events through the same call (the fast core's best case)."""
    from hkvatax import assess_csv, compare_csv

    path = work / "ledger-1000000.csv"
    if not path.exists():
        generate.write_hkvatax(generate.generate(1_000_000, seed=7), path)
    prof = {"taxpayer": {"kind": "corporation", "name": "Co", "methods": [{"method": "fifo", "from_year": "2018/19"}]}}
    t = time.perf_counter()
    (compare_csv if len(OPTIONS.regimes) == 2 else assess_csv)(path, prof)
    seconds = time.perf_counter() - t
    return {"one_ledger_1m_s": seconds, "us_per_event_one_ledger_1m": seconds / 1_000_000 * 1e6}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--taxpayers", default="1000,10000", help="comma-separated sizes")
    ap.add_argument("--events", type=int, default=100)
    ap.add_argument("--sample", type=int, default=1000, help="taxpayers assessed alone for the per-event baseline")
    ap.add_argument("--work", type=Path, default=HERE / "data")
    ap.add_argument("--compare", action="store_true", help="both regimes per taxpayer (twice the work)")
    args = ap.parse_args(argv)
    global OPTIONS
    if args.compare:
        OPTIONS = BatchOptions(buckets=16, regimes=("baseline", "va_extension"))
    args.work.mkdir(parents=True, exist_ok=True)
    results = [measure(int(n), args.events, args.work, args.sample) for n in args.taxpayers.split(",")]
    big = big_ledger(args.work)
    doc = {"runs": results, **big}
    if len(results) >= 2:
        a, b = results[0], results[-1]
        per = (float(b["dask2_s"]) - float(a["dask2_s"])) / (int(b["taxpayers"]) - int(a["taxpayers"]))  # type: ignore[arg-type]
        doc["dask2_s_per_taxpayer_marginal"] = per
        doc["projected_100k_dask2_s"] = float(b["dask2_s"]) + per * (100_000 - int(b["taxpayers"]))  # type: ignore[arg-type]
    (args.work / "batch-results.json").write_text(json.dumps(doc, indent=2), encoding="utf-8")
    print(json.dumps(doc, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
