"""Every issue-15 target ("One ledger core") measured in one run on this machine.

    python bench/core.py [--sizes 100000,1000000] [--quick] [--no-rp2] [--inmem-rows 100000]
                         [--full-rows N] [--only-full] [--seed 7] [--since 2016-01-01] [--out bench/data/core.json]

Each measurement runs in a fresh process (``python bench/core.py --child JOB ...``) against this checkout's
``src`` (``PYTHONPATH``), so its peak RSS (``resource.getrusage``: the process itself plus any process it
forked) is its own. *compute* is the time of the measured work inside that process (after imports and after
any input built in memory); *wall* is the whole process, interpreter start included. The run first compiles
``src/hkvatax`` to bytecode (``compileall``), as ``pip install`` does for an installed package and did for
RP2's: without it a machine that sets ``PYTHONDONTWRITEBYTECODE`` (this one does) makes every child compile
the library's source again, about 0.09 s of wall time no installed copy pays. Measurements:

* **parse floor** — bench/floor.py (csv + three Decimals + one ISO timestamp per row) on each CSV ledger;
* **realistic (a)** — bench/realistic_ledger.py's ledger (USDT-quoted swaps valued from the daily rates file, BNB
  fees, transfers, expenses, staking), per-asset pools, FIFO: ``hkvatax.assess_csv(path, profile)`` on one
  process, then the summary explanation rendered as text;
* **realistic (b)** — the same ledger, per-wallet pools, weighted average then FIFO from the middle year;
* **in-memory rows** — the realistic ledger as dicts of strings through ``hkvatax.assess_rows(rows, profile)``
  (the planned bulk entry; "not available" while the attribute is missing), then the summary explanation;
* **assess(scenario)** — the realistic ledger as pydantic events in a Scenario: ``hkvatax.assess(scenario)``
  and the summary explanation, timed after the models exist (building them is reported apart);
* **JSON scenario** — the same scenario written as a JSON file (``model_dump_json``, 100,000 events):
  ``hkvatax.io.load_scenario(path)`` (the bounded reader and the models' validation), then ``assess`` and
  the summary explanation; *compute* is all of it, the load reported apart;
* **detail="full"** — realistic (a) at ``--full-rows`` rows: ``assess_csv`` then the full explanation's JSON
  written to a file with ``Assessment.write_json(fh, detail="full")`` (a stream, decision 0170; else
  ``explain(detail="full").to_json()``); ``--only-full`` runs this measurement alone. Every measurement
  also reports its CPU time (the machine may be shared: wall time includes waiting for a core);
* **benchmark ledger** — bench/generate.py's ledger through ``assess_csv(..., processes=2)`` (corporation,
  FIFO), and at --rp2-rows RP2's whole CLI on the same content (bench/run.py's machinery) for the ratio;
  while ``hkvatax.ledger.stream`` exists, also today's pipeline bench/hk_run.py (both formulas, 2 processes),
  the figure bench/RESULTS.md reports;
* time(largest)/time(next) for every CSV ledger, and the line count of src/hkvatax/ledger + src/hkvatax/io +
  src/hkvatax/bulk.py.

It prints a Markdown table of every measurement and one of the targets (PASS / FAIL / –), ready for
bench/RESULTS.md, and writes the raw figures to ``--out``. The realistic ledger runs from 1 January 2016 to
31 March 2026 (years of assessment 2015/16 to 2025/26) unless ``--since`` says otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data"
LINES_BEFORE = 4568  # src/hkvatax/ledger + io + bulk.py at 2bfd133 (main before issue 15), `wc -l` of the .py files
MB = 1024 * 1024


# ------------------------------------------------------------------------------------------ child side
def _rss_mb() -> tuple[float, float]:
    """Peak RSS of this process and of its (forked, waited-for) children, in MB (Linux: ru_maxrss in KB)."""
    return (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)


def _cpu_s() -> float:
    """CPU seconds (user + system) of this process and its waited-for children: on a shared machine the
    wall time may include time spent waiting for a core, the CPU time does not."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _tax(outcome: Any) -> str:
    """Sum of the tax payable of every determined year (a checksum to compare routes)."""
    from decimal import Decimal

    from hkvatax.money import exact_context

    with exact_context():
        total = sum((ya.tax_payable or Decimal(0) for ya in outcome.years.values()), start=Decimal(0))
    return str(total)


def _summary(outcome: Any) -> dict[str, Any]:
    t = time.perf_counter()
    text = outcome.explain(detail="summary").to_text()
    assert "Tax payable" in text
    return {"explain_s": time.perf_counter() - t, "tax": _tax(outcome), "years": len(outcome.years)}


def child(job: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Run one measurement in this (fresh) process; the figures as a JSON-able dict."""
    sys.path.insert(0, str(HERE))
    t_start = time.perf_counter()
    import hkvatax

    out: dict[str, Any] = {"import_s": time.perf_counter() - t_start}
    c0 = time.process_time()
    if job == "csv":
        t = time.perf_counter()
        import inspect

        kw: dict[str, Any] = {}
        wanted = spec.get("processes", 1)
        if wanted > 1:  # the entry point may no longer share the work with a second process
            if "processes" in inspect.signature(hkvatax.assess_csv).parameters:
                kw["processes"] = wanted
            else:
                out["note"] = f"assess_csv has no processes parameter: one process, not {wanted}"
        outcome = hkvatax.assess_csv(spec["path"], spec["profile"], **kw)
        out["assess_s"] = time.perf_counter() - t
        if spec.get("detail") == "full":
            t = time.perf_counter()
            with open(spec["json_out"], "w", encoding="utf-8", newline="") as fh:
                if hasattr(outcome, "write_json"):  # the explanation written as a stream, never built whole
                    out["streamed"] = True
                    outcome.write_json(fh, detail="full")
                else:
                    expl = outcome.explain(detail="full")
                    out["explain_build_s"] = time.perf_counter() - t
                    out["streamed"] = False
                    fh.write(expl.to_json())
            out["explain_s"] = time.perf_counter() - t
            out["json_mb"] = os.path.getsize(spec["json_out"]) / MB
            out["tax"] = _tax(outcome)
        else:
            out.update(_summary(outcome))
        out["compute_s"] = out["assess_s"] + out["explain_s"]
    elif job == "json":
        from hkvatax.io import load_scenario

        c0 = time.process_time()
        t = time.perf_counter()
        scenario = load_scenario(spec["path"])
        out["load_s"] = time.perf_counter() - t
        outcome = hkvatax.assess(scenario)
        out["assess_s"] = time.perf_counter() - t - out["load_s"]
        out.update(_summary(outcome))
        out["compute_s"] = out["load_s"] + out["assess_s"] + out["explain_s"]
    elif job in ("rows", "scenario"):
        import realistic_ledger as realistic

        since = date.fromisoformat(spec["since"])
        t = time.perf_counter()
        if job == "rows":
            data: Any = realistic.row_dicts(spec["n"], spec["seed"], since)
        else:
            data = realistic.scenario(spec["n"], spec.get("variant", "a"), seed=spec["seed"], since=since)
        out["build_s"] = time.perf_counter() - t
        out["rss_after_build_mb"] = _rss_mb()[0]
        c0 = time.process_time()
        t = time.perf_counter()
        if job == "rows":
            entry = getattr(hkvatax, "assess_rows", None)
            if entry is None:
                return {**out, "skipped": "not available: hkvatax.assess_rows is missing"}
            outcome = entry(data, spec["profile"])
        else:
            outcome = hkvatax.assess(data)
        out["assess_s"] = time.perf_counter() - t
        out.update(_summary(outcome))
        out["compute_s"] = out["assess_s"] + out["explain_s"]
    else:
        raise SystemExit(f"unknown job {job!r}")
    out["compute_cpu_s"] = time.process_time() - c0  # the measured work's CPU time (this process)
    out["rss_self_mb"], out["rss_children_mb"] = _rss_mb()
    out["cpu_s"] = _cpu_s()
    return out


# ------------------------------------------------------------------------------------------ parent side
class Runner:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
        self.results: list[dict[str, Any]] = []

    def _limit(self) -> None:  # in the child, before exec: a MemoryError rather than the machine's OOM killer
        gb = self.args.mem_limit_gb
        if gb:
            resource.setrlimit(resource.RLIMIT_AS, (int(gb * 1024**3), int(gb * 1024**3)))

    def spawn(self, cmd: list[str]) -> tuple[float, subprocess.CompletedProcess[str] | None, str | None]:
        t = time.perf_counter()
        try:
            proc = subprocess.run(cmd, env=self.env, capture_output=True, text=True, timeout=self.args.timeout,
                                  preexec_fn=self._limit, cwd=ROOT)
        except subprocess.TimeoutExpired:
            return time.perf_counter() - t, None, f"timeout after {self.args.timeout} s"
        wall = time.perf_counter() - t
        if proc.returncode != 0:
            tail = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
            return wall, proc, f"failed ({proc.returncode}): {tail[:300]}"
        return wall, proc, None

    def measure(self, name: str, rows: int, job: str, spec: dict[str, Any]) -> dict[str, Any]:
        print(f"… {name} at {rows:,} rows", file=sys.stderr, flush=True)
        wall, proc, error = self.spawn([sys.executable, str(Path(__file__).resolve()), "--child", job,
                                        json.dumps(spec)])
        rec: dict[str, Any] = {"name": name, "rows": rows, "wall_s": wall}
        if error:
            rec["error"] = error
        else:
            assert proc is not None
            rec.update(json.loads(proc.stdout.strip().splitlines()[-1]))
            if "rss_self_mb" in rec:
                rec["rss_mb"] = rec["rss_self_mb"] + rec["rss_children_mb"]
        self.results.append(rec)
        print(json.dumps(rec, default=str), file=sys.stderr, flush=True)
        return rec

    def floor(self, name: str, rows: int, path: Path) -> dict[str, Any]:
        print(f"… parse floor of {name} at {rows:,} rows", file=sys.stderr, flush=True)
        wall, proc, error = self.spawn([sys.executable, str(HERE / "floor.py"), str(path)])
        rec: dict[str, Any] = {"name": f"parse floor: {name}", "rows": rows, "wall_s": wall}
        if error:
            rec["error"] = error
        else:
            assert proc is not None
            parts = proc.stdout.split()
            rec["compute_s"] = float(parts[0])
            if len(parts) > 2:
                rec["compute_cpu_s"] = float(parts[2])
        self.results.append(rec)
        return rec

    def hk_run(self, rows: int, path: Path) -> dict[str, Any] | None:
        """Today's pipeline (bench/hk_run.py), while the module it drives exists."""
        probe = subprocess.run([sys.executable, "-c", "import hkvatax.ledger.stream"], env=self.env,
                               capture_output=True)
        if probe.returncode != 0:
            return None
        res = DATA / f"core-hkrun-{rows}.json"
        print(f"… bench/hk_run.py at {rows:,} rows", file=sys.stderr, flush=True)
        wall, _, error = self.spawn([sys.executable, str(HERE / "hk_run.py"), str(path), str(res)])
        rec: dict[str, Any] = {"name": "benchmark ledger: today's pipeline (hk_run.py, both formulas, 2 processes)",
                               "rows": rows, "wall_s": wall}
        if error:
            rec["error"] = error
        else:
            hk = json.loads(res.read_text())
            rec.update(compute_s=hk["compute_s"], rss_mb=hk["rss_self_mb"] + hk["rss_children_mb"],
                       tax=hk["fifo_tax"])
        self.results.append(rec)
        return rec


def bench_profile() -> Path:
    """The corporation of bench/hk_run.py (FIFO from 2018/19, no connected entities) as a profile."""
    path = DATA / "core-bench-profile.toml"
    path.write_text('[taxpayer]\nkind = "corporation"\nname = "Benchmark Ltd"\n\n[taxpayer.two_tier]\n'
                    'has_connected_entities = false\n\n[[taxpayer.methods]]\nmethod = "fifo"\nfrom_year = "2018/19"\n',
                    encoding="utf-8")
    return path


def line_count() -> dict[str, int]:
    src = ROOT / "src" / "hkvatax"
    parts = {"ledger": sorted((src / "ledger").rglob("*.py")), "io": sorted((src / "io").rglob("*.py")),
             "bulk.py": [src / "bulk.py"] if (src / "bulk.py").exists() else []}
    counts = {k: sum(len(p.read_text(encoding="utf-8").splitlines()) for p in files) for k, files in parts.items()}
    counts["total"] = sum(counts.values())
    return counts


def run(args: argparse.Namespace) -> dict[str, Any]:
    sys.path.insert(0, str(HERE))
    import compileall

    compileall.compile_dir(ROOT / "src" / "hkvatax", quiet=1)  # as an install does (the module's docstring)
    import generate
    import realistic_ledger as realistic

    DATA.mkdir(parents=True, exist_ok=True)
    since = args.since
    sizes = sorted({int(s) for s in args.sizes.split(",")})
    r = Runner(args)
    base = {"seed": args.seed, "since": since.isoformat()}
    by: dict[tuple[str, int], dict[str, Any]] = {}
    if args.only_full:  # the detail="full" measurement alone (about 10 minutes of CPU at 1,000,000 rows)
        f = args.full_rows or sizes[-1]
        full(r, by, f, realistic.write_all(f, DATA, seed=args.seed, since=since))
        return {"by": by, "results": r.results, "sizes": [f], "lines": line_count(), "inmem": 0, "full": f}
    bprof = bench_profile()
    for n in sizes:
        print(f"… generating {n:,} rows", file=sys.stderr, flush=True)
        paths = realistic.write_all(n, DATA, seed=args.seed, since=since)
        floor = r.floor("realistic", n, paths["ledger"])
        by["floor", n] = floor
        by["a", n] = r.measure("realistic (a): assess_csv, summary, 1 process", n, "csv",
                               {"path": str(paths["ledger"]), "profile": str(paths["profile_a"])})
        by["b", n] = r.measure("realistic (b): per-wallet pools, formula changed, 1 process", n, "csv",
                               {"path": str(paths["ledger"]), "profile": str(paths["profile_b"])})
        for key in ("a", "b"):
            if "compute_s" in by[key, n] and "compute_s" in floor:
                by[key, n]["ratio_floor"] = by[key, n]["compute_s"] / floor["compute_s"]
            if "compute_cpu_s" in by[key, n] and floor.get("compute_cpu_s"):  # on a shared machine: CPU / CPU
                by[key, n]["ratio_floor_cpu"] = by[key, n]["compute_cpu_s"] / floor["compute_cpu_s"]
        with_rp2 = not args.no_rp2 and n == args.rp2_rows
        gpaths = generate.write_all(n, args.seed, DATA, formats=("hkvatax", "rp2") if with_rp2 else ("hkvatax",))
        by["bench_floor", n] = r.floor("benchmark ledger", n, gpaths["hkvatax"])
        by["bench", n] = r.measure("benchmark ledger: assess_csv, FIFO, processes=2", n, "csv",
                                   {"path": str(gpaths["hkvatax"]), "profile": str(bprof), "processes": 2})
        hk = r.hk_run(n, gpaths["hkvatax"])
        if hk is not None:
            by["hk_run", n] = hk
        if with_rp2:
            import run as bench_run

            print(f"… RP2 at {n:,} rows (bench/run.py's machinery)", file=sys.stderr, flush=True)
            bench_run.ensure_venv()
            rp2 = {"name": "RP2 (rp2_generic -m fifo, whole CLI)", "rows": n, **bench_run.measure_rp2(n, gpaths)}
            rp2["wall_s"], rp2["compute_s"], rp2["rss_mb"] = rp2["rp2_wall_s"], rp2["rp2_compute_s"], rp2["rp2_rss_mb"]
            r.results.append(rp2)
            by["rp2", n] = rp2
            if "error" not in by["bench", n]:
                by["bench", n]["rp2_ratio"] = rp2["wall_s"] / by["bench", n]["wall_s"]
    m = args.inmem_rows
    spec = {**base, "n": m, "profile": str(realistic.write_all(m, DATA, seed=args.seed, since=since)["profile_a"])}
    by["rows", m] = r.measure("in-memory rows (dicts) → hkvatax.assess_rows, summary", m, "rows", spec)
    by["scenario", m] = r.measure("assess(scenario) on pydantic events, summary", m, "scenario", spec)
    by["json", m] = r.measure("JSON scenario file → load_scenario, assess, summary", m, "json",
                              {"path": str(scenario_json(m, args.seed, since))})
    f = args.full_rows or sizes[-1]
    full(r, by, f, realistic.write_all(f, DATA, seed=args.seed, since=since))
    return {"by": by, "results": r.results, "sizes": sizes, "lines": line_count(), "inmem": m, "full": f}


def scenario_json(n: int, seed: int, since: date) -> Path:
    """The realistic scenario (a) of ``n`` events as a JSON file (made once per size, seed and start)."""
    import realistic_ledger as realistic

    path = realistic.dataset_dir(DATA, n, seed, since) / "scenario.json"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(realistic.scenario(n, "a", seed=seed, since=since).model_dump_json(exclude_none=True),
                        encoding="utf-8")
    return path


def full(r: Runner, by: dict[tuple[str, int], dict[str, Any]], f: int, paths: dict[str, Path]) -> None:
    """detail="full" of realistic (a): assess_csv, then the explanation's JSON written to a file as a stream
    (peak RSS and CPU time of the whole process; the file, several GB, is deleted afterwards)."""
    by["full", f] = r.measure('realistic (a): assess_csv, detail="full" JSON to a file', f, "csv",
                              {"path": str(paths["ledger"]), "profile": str(paths["profile_a"]), "detail": "full",
                               "json_out": str(DATA / f"core-full-{f}.json")})
    (DATA / f"core-full-{f}.json").unlink(missing_ok=True)


# ------------------------------------------------------------------------------------------ report
def _f(v: Any, spec: str = ".2f") -> str:
    return "–" if v is None else format(v, spec)


def tables(report: dict[str, Any]) -> str:
    by, sizes, lines = report["by"], report["sizes"], report["lines"]
    out = ["| measurement | rows | compute s | wall s | peak RSS MB | × floor | other |", "|---|---|---|---|---|---|---|"]
    for rec in report["results"]:
        other = []
        if rec.get("error") or rec.get("skipped"):
            other.append(rec.get("error") or rec["skipped"])
        if "build_s" in rec:
            other.append(f"building the input {rec['build_s']:.2f} s")
        if "load_s" in rec:
            other.append(f"load_scenario {rec['load_s']:.2f} s")
        if "explain_s" in rec and "assess_s" in rec:
            other.append(f"assess {rec['assess_s']:.2f} s + explanation {rec['explain_s']:.2f} s")
        if "json_mb" in rec:
            other.append(f"JSON {rec['json_mb']:.0f} MB, {'streamed' if rec['streamed'] else 'to_json() (not streamed)'}")
        if "rp2_ratio" in rec:
            other.append(f"RP2 wall / this wall = {rec['rp2_ratio']:.0f}×")
        if "rp2_parse_s" in rec:
            other.append(f"RP2 parse_ods {rec['rp2_parse_s']:.1f} s, compute_tax {rec['rp2_compute_s']:.1f} s")
        if "compute_cpu_s" in rec:
            other.append(f"compute CPU {rec['compute_cpu_s']:.2f} s")
        if "ratio_floor_cpu" in rec:
            other.append(f"CPU × floor CPU {rec['ratio_floor_cpu']:.2f}")
        if "cpu_s" in rec:
            other.append(f"process CPU {rec['cpu_s']:.1f} s")
        if "note" in rec:
            other.append(rec["note"])
        if "tax" in rec:
            other.append(f"Σ tax {float(rec['tax']):,.0f}")
        rss = rec.get("rss_mb")
        out.append(f"| {rec['name']} | {rec['rows']:,} | {_f(rec.get('compute_s'))} | {_f(rec.get('wall_s'))} "
                   f"| {_f(rss, ',.0f')} | {_f(rec.get('ratio_floor'))} | {'; '.join(other)} |")
    out += ["", f"Lines of src/hkvatax/ledger + io + bulk.py: {lines['total']:,} (ledger {lines['ledger']:,}, "
            f"io {lines['io']:,}, bulk.py {lines['bulk.py']:,}; before issue 15: {LINES_BEFORE:,}).", ""]
    big = sizes[-1]
    small = sizes[-2] if len(sizes) > 1 else None

    def get(key: str, n: int | None, field: str) -> Any:
        return None if n is None else by.get((key, n), {}).get(field)

    def check(ok: bool | None) -> str:
        return "–" if ok is None else ("**yes**" if ok else "**no**")

    rows_t = ["| target | figure in this run | met? |", "|---|---|---|"]
    big_note = "" if big == 1_000_000 else f" (measured at {big:,} rows, not 1,000,000)"
    ra, rss_a = get("a", big, "ratio_floor_cpu") or get("a", big, "ratio_floor"), get("a", big, "rss_mb")
    rows_t.append(f"| realistic 1M, summary, 1 process: ≤ 3× floor, ≤ 1 GB{big_note} | {_f(ra)}× floor "
                  f"(CPU {_f(get('a', big, 'compute_cpu_s'))} s vs {_f(get('floor', big, 'compute_cpu_s'))} s), "
                  f"{_f(rss_a, ',.0f')} MB | {check(None if ra is None else ra <= 3 and rss_a <= 1024)} |")
    rb = get("b", big, "ratio_floor_cpu") or get("b", big, "ratio_floor")
    rows_t.append(f"| per-wallet pools + change of formula: ≤ 4× floor{big_note} | {_f(rb)}× floor "
                  f"(CPU {_f(get('b', big, 'compute_cpu_s'))} s) | {check(None if rb is None else rb <= 4)} |")
    m = report["inmem"]
    for key, label in (("rows", "in-memory rows via the bulk entry"), ("scenario", "assess(scenario), after the models")):
        rec = by.get((key, m), {})
        t = rec.get("compute_cpu_s", rec.get("compute_s"))
        fig = rec.get("skipped") or rec.get("error") or f"{_f(t)} s CPU ({_f(rec.get('compute_s'))} s wall; {m:,} rows)"
        rows_t.append(f"| {label}: ≤ 1 s at 100,000 | {fig} | {check(None if t is None or m != 100_000 else t <= 1)} |")
    full = by.get(("full", report["full"]), {})
    fr = full.get("rss_mb")
    if full.get("error", "").endswith("MemoryError"):  # more than --mem-limit-gb, so more than 2 GB
        fr = float("inf")
    rows_t.append(f"| detail=\"full\" on 1M: ≤ 2 GB, JSON streamed | "
                  f"{full.get('error') or (_f(fr, ',.0f') + ' MB, ' + ('streamed' if full.get('streamed') else 'not streamed'))}"
                  f" ({report['full']:,} rows) | "
                  f"{check(None if fr is None or report['full'] != 1_000_000 else fr <= 2048 and bool(full.get('streamed')))} |")
    bt = get("bench", 1_000_000, "compute_s")
    rows_t.append(f"| benchmark ledger 1M, processes=2: ≤ 5 s | {_f(bt)} s compute, {_f(get('bench', 1_000_000, 'wall_s'))} s "
                  f"wall | {check(None if bt is None else bt <= 5)} |")
    ratio = get("bench", 100_000, "rp2_ratio")
    rows_t.append(f"| benchmark ledger 100k: ≥ 150× RP2 whole process | {_f(ratio, '.0f')}× | "
                  f"{check(None if ratio is None else ratio >= 150)} |")
    for key, label in (("a", "realistic (a)"), ("b", "realistic (b)"), ("bench", "benchmark ledger")):
        if small is None:
            rows_t.append(f"| {label}: time(1M) / time(100k) ≤ 11 | – (one size only) | – |")
            continue
        tb = get(key, big, "compute_cpu_s") or get(key, big, "compute_s")
        ts = get(key, small, "compute_cpu_s") or get(key, small, "compute_s")
        q = tb / ts if tb and ts else None
        rows_t.append(f"| {label}: time({big:,}) / time({small:,}) ≤ 11 | {_f(q, '.1f')} | "
                      f"{check(None if q is None or (big, small) != (1_000_000, 100_000) else q <= 11)} |")
    rows_t.append(f"| lines of ledger + io + bulk.py < {LINES_BEFORE:,} | {lines['total']:,} | "
                  f"{check(lines['total'] < LINES_BEFORE)} |")
    return "\n".join(out + rows_t)


def main(argv: list[str] | None = None) -> int:
    if argv is None and len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(child(sys.argv[2], json.loads(sys.argv[3]))))
        return 0
    ap = argparse.ArgumentParser(description="every issue-15 target in one run")
    ap.add_argument("--sizes", default="100000,1000000", help="CSV ledger sizes (the ratio uses the two largest)")
    ap.add_argument("--quick", action="store_true",
                    help="a minute's check: 10,000 rows everywhere, no RP2 (overrides --sizes, --inmem-rows)")
    ap.add_argument("--inmem-rows", type=int, default=100_000)
    ap.add_argument("--full-rows", type=int, default=0, help='rows for detail="full" (default: the largest size)')
    ap.add_argument("--only-full", action="store_true",
                    help='only the detail="full" measurement (at --full-rows, default the largest size)')
    ap.add_argument("--rp2-rows", type=int, default=100_000)
    ap.add_argument("--no-rp2", action="store_true", help="skip RP2 (it takes ~2 minutes and ~6.5 GB at 100k)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--since", type=date.fromisoformat, default=date(2016, 1, 1),
                    help="first day of the realistic ledger (HK time)")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per measurement")
    ap.add_argument("--mem-limit-gb", type=float, default=12, help="address-space limit per measurement (0: none)")
    ap.add_argument("--out", type=Path, default=DATA / "core.json")
    args = ap.parse_args(argv)
    if args.quick:
        args.sizes, args.inmem_rows, args.no_rp2 = "10000", 10_000, True
    load = os.getloadavg()
    t0 = time.time()
    report = run(args)
    machine = {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
               "load_before": load, "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(t0)),
               "minutes": round((time.time() - t0) / 60, 1),
               "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                        text=True).stdout.strip()}
    print(f"machine: {machine}")
    print(f"command: python bench/core.py {' '.join(sys.argv[1:])}".rstrip())
    print(tables(report))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"machine": machine, "results": report["results"], "lines": report["lines"]},
                                   indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
