"""A bounded load test of ``hkvatax serve`` on loopback (issue 14): requests/s and p50/p95 latency.

    python bench/service_load.py              # about 3 minutes; needs the "server" extra and httpx

For 1 and then 2 worker processes it starts ``hkvatax serve`` on 127.0.0.1 (a free port), waits for
/health, and sends, from 4 concurrent clients, (a) POST /assess with the built-in family-office scenario,
``--requests`` times, then (b) POST /csv/assess with a 100,000-row generated ledger (bench/generate.py,
seed 7; about 9 MB) and its profile, ``--uploads`` times. Every loop is bounded in count and in time
(``--max-seconds`` per phase) and stops by itself; the server is stopped at the end. Only 127.0.0.1 is
ever addressed. Every answer must be 200. Results go to bench/data/service-results.json and, as the
Markdown section for bench/RESULTS.md, service-results.md; both are printed. ``--quick``: a dry run.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import generate  # noqa: E402

from hkvatax.examples import example_path  # noqa: E402

HOST = "127.0.0.1"
PROFILE = json.dumps({"taxpayer": {"kind": "corporation", "name": "Upload Ltd",
                                   "methods": [{"method": "fifo", "from_year": "2018/19"}]}})


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _ledger(rows: int) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(generate.HEADER)
    w.writerows(generate.hkvatax_rows(generate.generate(rows, seed=7)))
    return out.getvalue()


def _phase(send, count: int, clients: int, max_seconds: float) -> dict[str, float]:  # type: ignore[no-untyped-def]
    latencies: list[float] = []
    deadline = time.perf_counter() + max_seconds

    def one(_: int) -> float | None:
        if time.perf_counter() > deadline:
            return None
        t = time.perf_counter()
        response = send()
        assert response.status_code == 200, response.text[:500]
        return time.perf_counter() - t

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        latencies = [x for x in pool.map(one, range(count)) if x is not None]
    wall = time.perf_counter() - start
    latencies.sort()
    q = statistics.quantiles(latencies, n=20, method="inclusive") if len(latencies) > 1 else latencies * 19
    return {"requests": len(latencies), "wall_s": wall, "rps": len(latencies) / wall,
            "p50_ms": statistics.median(latencies) * 1000, "p95_ms": q[18] * 1000}


def run(workers: int, args: argparse.Namespace, ledger: str) -> dict[str, object]:
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "hkvatax.cli", "serve", "--host", HOST, "--port", str(port),
                               "--workers", str(workers), "--timeout", "120", "--log-level", "warning"])
    base = f"http://{HOST}:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        scenario = example_path("family_office").read_bytes()
        with httpx.Client(base_url=base, timeout=300) as client:
            def assess() -> httpx.Response:
                return client.post("/assess", content=scenario, headers={"content-type": "application/json"})

            def upload() -> httpx.Response:
                return client.post("/csv/assess", files={"ledger": ("ledger.csv", ledger),
                                                         "profile": ("profile.json", PROFILE)})

            for _ in range(2 * workers):  # every worker process started and warm
                assess()
            small = _phase(assess, args.requests, args.clients, args.max_seconds)
            big = _phase(upload, args.uploads, args.clients, args.max_seconds)
        return {"workers": workers, "family_office_assess": small, "upload_100k_rows": big}
    finally:
        server.terminate()
        server.wait(timeout=30)


def markdown(doc: dict[str, object]) -> str:
    """The section the lead pastes into bench/RESULTS.md."""
    runs: list[dict[str, dict[str, float]]] = doc["runs"]  # type: ignore[assignment]
    out = [f"### Service (issue 14): `hkvatax serve` on 127.0.0.1, {doc['clients']} concurrent clients", "",
           "| operation | worker processes | requests | requests/s | p50 | p95 |", "|---|---|---|---|---|---|"]
    for name, label in (("family_office_assess", "POST /assess, family-office scenario"),
                        ("upload_100k_rows", f"POST /csv/assess, {doc['rows']:,}-row upload "
                                             f"({int(doc['upload_bytes']) / 1e6:.1f} MB)")):  # type: ignore[call-overload]
        for r in runs:
            f = r[name]
            out.append(f"| {label} | {r['workers']} | {f['requests']:.0f} | {f['rps']:.2f} | {f['p50_ms']:.0f} ms "
                       f"| {f['p95_ms']:.0f} ms |")
    out += ["", f"* Speed-up from 1 to 2 worker processes: {float(doc['speedup_assess']):.2f}x (scenario), "  # type: ignore[arg-type]
            f"{float(doc['speedup_upload']):.2f}x (upload).",  # type: ignore[arg-type]
            f"* Raw figures: `bench/data/service-results.json`; command: `{doc['command']}`."]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=400)
    ap.add_argument("--uploads", type=int, default=12)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--max-seconds", dest="max_seconds", type=float, default=90)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--quick", action="store_true", help="a dry run at small sizes (proves the script works)")
    args = ap.parse_args(argv)
    if args.quick:
        args.requests, args.uploads, args.rows, args.max_seconds = 20, 2, 2_000, 20
    ledger = _ledger(args.rows)
    runs = [run(w, args, ledger) for w in (1, 2)]
    doc = {"rows": args.rows, "upload_bytes": len(ledger.encode()), "clients": args.clients, "runs": runs,
           "speedup_assess": runs[1]["family_office_assess"]["rps"] / runs[0]["family_office_assess"]["rps"],  # type: ignore[index]
           "speedup_upload": runs[1]["upload_100k_rows"]["rps"] / runs[0]["upload_100k_rows"]["rps"]}  # type: ignore[index]
    doc["command"] = " ".join(["python bench/service_load.py", *(argv if argv is not None else sys.argv[1:])])
    out = HERE / "data" / ("quick" if args.quick else "")
    out.mkdir(parents=True, exist_ok=True)
    (out / "service-results.json").write_text(json.dumps(doc, indent=2), encoding="utf-8")
    md = markdown(doc)
    (out / "service-results.md").write_text(md, encoding="utf-8")
    print(json.dumps(doc, indent=2))
    print(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
