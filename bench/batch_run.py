"""Benchmark of hkvatax.batch (issue 14): a customer base end to end, one process against 2 Dask workers.

    python bench/batch_run.py                       # 10,000 taxpayers x 100 events, and 1,000 x 100
    python bench/batch_run.py --taxpayers 2000      # a quicker look

For each size it generates the data (bench/batch_data.py, seed 11, 16 CSV partitions), then runs the
whole batch (summaries of the baseline and the extension, i.e. a comparison per taxpayer) three ways:
in this process (``workers=1``), on a local process pool of 2, and on a Dask LocalCluster of 2 worker
processes (1 thread each); each into a fresh output folder; wall time from start to the written
summary. It checks the three summaries are identical, and measures each Dask worker's peak RSS. Then
the per-event cost against the single-taxpayer core: a sample of taxpayers assessed one by one with
:func:`hkvatax.assess_rows` from their rows in memory (no batch machinery), and one 1,000,000-row
ledger through the single-file core, all in CPU seconds (``time.process_time``, one process). Results go to
bench/data/batch-results.json and, as the Markdown section for bench/RESULTS.md, batch-results.md; both
are printed. ``--quick`` is a dry run at small sizes (a few minutes; figures not for the record).
"""

from __future__ import annotations

import argparse
import csv
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


def _own_peak_mb() -> float:
    """This process's own peak RSS (VmHWM of /proc/self/status). Not ``ru_maxrss``: a Dask worker is
    started by fork and exec, and Linux carries the forking process's peak (here the driver, which holds
    the generated data) into the child's ``ru_maxrss`` at exec; VmHWM is the worker's own address space."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


CPU: dict[str, float] = {}


def _run(root: Path, out: Path, **how: object) -> float:
    shutil.rmtree(out, ignore_errors=True)
    t, c = time.perf_counter(), time.process_time()
    run_batch(root / "events", root / "customers.jsonl", out, options=OPTIONS, progress=False, **how)  # type: ignore[arg-type]
    CPU[out.name] = time.process_time() - c  # this process's CPU: the whole batch when workers=1
    return time.perf_counter() - t


BASE_RSS: list[int] = []


def _warm() -> None:
    import hkvatax.batch.core  # noqa: F401
    import hkvatax.engine  # noqa: F401


def measure(taxpayers: int, events: int, work: Path, sample: int) -> dict[str, object]:
    from distributed import Client, LocalCluster

    root = work / f"batch-{taxpayers}x{events}"
    if not (root / "customers.jsonl").exists():
        batch_data.write_dataset(root, taxpayers=taxpayers, events=events, partitions=16, seed=11, first_year=FIRST)
    res: dict[str, object] = {"taxpayers": taxpayers, "events_per_taxpayer": events, "events": taxpayers * events}
    res["one_process_s"] = _run(root, work / "out-one", workers=1)
    res["one_process_cpu_s"] = CPU["out-one"]
    res["cpu_s_per_1m_events_one_process"] = CPU["out-one"] / (taxpayers * events) * 1e6
    if taxpayers <= 2_000:
        res["pool2_s"] = _run(root, work / "out-pool", workers=2)
    global BASE_RSS
    import dask

    # Dask's sampling profiler off, as docs/scale.md advises for a production batch (about 3% of a worker's CPU)
    with (dask.config.set({"distributed.worker.profile.enabled": False}),
          LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                       host="127.0.0.1", memory_limit="8GiB") as lc, Client(lc) as client):
        client.run(_warm)  # workers up, hkvatax imported, before the clock starts
        BASE_RSS = sorted(round(v) for v in client.run(_own_peak_mb).values())
        res["dask2_s"] = _run(root, work / "out-dask", client=client)
        peaks = client.run(_own_peak_mb)
    res["dask_worker_peak_rss_mb"] = sorted(round(v) for v in peaks.values())
    res["dask_worker_peak_rss_mb_at_start"] = BASE_RSS
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
    """The same taxpayers assessed one by one through the public in-memory entry
    (:func:`hkvatax.assess_rows`, or :func:`hkvatax.compare_rows`) with their summaries, from rows already
    in memory: the batch's work without its machinery (reading, shuffling, writing). CPU time."""
    from hkvatax import assess_rows, compare_rows
    from hkvatax.batch.core import _summary_rows

    profiles = {}
    for line in (root / "customers.jsonl").open(encoding="utf-8"):
        c = json.loads(line)
        profiles[c.pop("taxpayer_id")] = c
    ledgers: dict[str, list[tuple[str, ...]]] = {}
    for part in sorted((root / "events").glob("*.csv")):
        with part.open(newline="", encoding="utf-8") as fh:
            for row in list(csv.reader(fh))[1:]:
                ledgers.setdefault(row[0], []).append(tuple(row[1:]))
    ids = sorted(ledgers)[:sample]
    columns = list(generate.HEADER)
    c = time.process_time()
    events = 0
    for tid in ids:
        label = f"customer {tid}"
        if len(OPTIONS.regimes) == 2:
            both = compare_rows(ledgers[tid], profiles[tid], columns=columns, file=label)
            outcomes = [both.baseline, both.extension]
        else:
            outcomes = [assess_rows(ledgers[tid], profiles[tid], columns=columns, regime=OPTIONS.regimes[0],
                                    file=label)]
        for o in outcomes:
            _summary_rows(tid, o, len(ledgers[tid]))
        events += len(ledgers[tid])
    spent = time.process_time() - c
    return {"alone_sample": len(ids), "cpu_us_per_event_alone": spent / events * 1e6}


def big_ledger(work: Path, rows: int) -> dict[str, object]:
    """One taxpayer with ``rows`` events (1,000,000) through the single-file core (its best case). CPU time."""
    from hkvatax import assess_csv, compare_csv

    path = work / f"ledger-{rows}.csv"
    if not path.exists():
        generate.write_hkvatax(generate.generate(rows, seed=7), path)
    prof = {"taxpayer": {"kind": "corporation", "name": "Co", "methods": [{"method": "fifo", "from_year": "2018/19"}]}}
    t, c = time.perf_counter(), time.process_time()
    (compare_csv if len(OPTIONS.regimes) == 2 else assess_csv)(path, prof)
    cpu = time.process_time() - c
    return {"single_rows": rows, "single_file_s": time.perf_counter() - t, "single_file_cpu_s": cpu,
            "cpu_us_per_event_single_file": cpu / rows * 1e6}


def markdown(doc: dict[str, object]) -> str:
    """The section the lead pastes into bench/RESULTS.md."""
    runs: list[dict[str, object]] = doc["runs"]  # type: ignore[assignment]
    f = float
    out = ["### Batch (issue 14): summaries under " + ("both regimes" if len(OPTIONS.regimes) == 2 else
           "the law in force") + ", 100 events per customer over 2024/25-2025/26, 16 buckets", "",
           "| customers x events | one process (wall / CPU) | 2 Dask workers | speed-up (target 1.7x) | "
           "CPU per 1M events, one process | Dask worker peak RSS (at start) | identical |",
           "|---|---|---|---|---|---|---|"]
    for r in runs:
        out.append(f"| {r['taxpayers']:,} x {r['events_per_taxpayer']} | {f(r['one_process_s']):.1f} s / "  # type: ignore[arg-type]
                   f"{f(r['one_process_cpu_s']):.1f} s | {f(r['dask2_s']):.1f} s | {f(r['speedup_dask2']):.2f}x | "  # type: ignore[arg-type]
                   f"{f(r['cpu_s_per_1m_events_one_process']):.0f} s | {r['dask_worker_peak_rss_mb']} MB "  # type: ignore[arg-type]
                   f"({r['dask_worker_peak_rss_mb_at_start']} MB) | {'yes' if r['identical'] else 'NO'} |")
    last = runs[-1]
    batch_us = f(last["cpu_s_per_1m_events_one_process"])  # type: ignore[arg-type]
    single = f(doc["cpu_us_per_event_single_file"])  # type: ignore[arg-type]
    alone = f(last["cpu_us_per_event_alone"])  # type: ignore[arg-type]
    out += ["", f"* Per-event CPU (one process, `time.process_time`): batch {batch_us:.1f} µs; the same customers "
            f"alone through `assess_rows` with summaries, no batch machinery ({last['alone_sample']} customers) "
            f"{alone:.1f} µs (batch / alone = {batch_us / alone:.2f}x); one {doc['single_rows']:,}-row file through "
            f"`assess_csv` {single:.1f} µs (batch / single file = {batch_us / single:.2f}x, target 1.3x)."]
    if "projected_100k_dask2_s" in doc:
        out.append(f"* Linear in customers: marginal {f(doc['dask2_s_per_taxpayer_marginal']) * 1000:.1f} ms per "  # type: ignore[arg-type]
                   f"customer on 2 workers between {runs[0]['taxpayers']:,} and {last['taxpayers']:,}; 100,000 "
                   f"customers projected at {f(doc['projected_100k_dask2_s']):.0f} s (projection).")  # type: ignore[arg-type]
    out.append(f"* Raw figures: `bench/data/batch-results.json`; command: `{doc['command']}`.")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--taxpayers", default="1000,10000", help="comma-separated sizes")
    ap.add_argument("--events", type=int, default=100)
    ap.add_argument("--sample", type=int, default=1000, help="taxpayers assessed alone for the per-event baseline")
    ap.add_argument("--work", type=Path, default=HERE / "data")
    ap.add_argument("--compare", action="store_true", help="both regimes per taxpayer (twice the work)")
    ap.add_argument("--single-rows", dest="single_rows", type=int, default=1_000_000,
                    help="rows of the single-taxpayer file the per-event cost is compared with")
    ap.add_argument("--quick", action="store_true", help="a dry run at small sizes (proves the script works)")
    args = ap.parse_args(argv)
    if args.quick:
        args.taxpayers, args.sample, args.single_rows = "100,300", 50, 20_000
        args.work = args.work / "quick"
    global OPTIONS
    if args.compare:
        OPTIONS = BatchOptions(buckets=16, regimes=("baseline", "va_extension"))
    args.work.mkdir(parents=True, exist_ok=True)
    results = [measure(int(n), args.events, args.work, args.sample) for n in args.taxpayers.split(",")]
    big = big_ledger(args.work, args.single_rows)
    doc = {"runs": results, **big, "command": " ".join(["python bench/batch_run.py", *(argv or sys.argv[1:])])}
    if len(results) >= 2:
        a, b = results[0], results[-1]
        per = (float(b["dask2_s"]) - float(a["dask2_s"])) / (int(b["taxpayers"]) - int(a["taxpayers"]))  # type: ignore[arg-type]
        doc["dask2_s_per_taxpayer_marginal"] = per
        doc["projected_100k_dask2_s"] = float(b["dask2_s"]) + per * (100_000 - int(b["taxpayers"]))  # type: ignore[arg-type]
    (args.work / "batch-results.json").write_text(json.dumps(doc, indent=2), encoding="utf-8")
    md = markdown(doc)
    (args.work / "batch-results.md").write_text(md, encoding="utf-8")
    print(json.dumps(doc, indent=2))
    print(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
