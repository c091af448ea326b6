"""The benchmark: hkvatax against RP2 (FIFO) and BittyTax (UK pooling) on the same synthetic ledgers.

    python bench/run.py --sizes 10000,100000,1000000 [--rp2-max 100000] [--bittytax-max 100000]
                        [--reference-max 100000] [--out bench/data/results.json]

One run does everything: creates bench/.venv and installs RP2 and BittyTax into it from the package
registry (they are not project dependencies), generates the ledgers (bench/generate.py, seeded), then
for each size measures, each as its own process, whole-process wall time and peak RSS (``/usr/bin/time``):

* the parse floor (bench/floor.py: csv + three Decimals + one ISO timestamp per row);
* hkvatax fast path (bench/hk_run.py: CSV → validated events → FIFO and weighted-average matching
  → assessment with a summary explanation for each method; the CSV is read in chunks and matched as it
  is read, the tokens shared by two processes), with its compute-only time (after imports), the peak RSS
  of both processes, and the time of the same job as RP2's (read + FIFO + assessment, one process);
* hkvatax reference path (pydantic per row → run_ledger), up to --reference-max rows;
* RP2 (rp2_generic -m fifo, via bench/rp2_run.py which times RP2's own parse and compute steps), up to
  --rp2-max rows;
* BittyTax (``bittytax --nopdf --summary``), up to --bittytax-max rows.

It prints a Markdown table with the ratios and checks that hkvatax's and RP2's total FIFO gains agree
to the cent. Exit status 1 if they do not.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import venv
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
VENV = HERE / ".venv"
DATA = HERE / "data"
BIN = VENV / "bin"
TIME = "/usr/bin/time"


def ensure_venv() -> None:
    """bench/.venv with RP2 and BittyTax from the registry (created once)."""
    if not (BIN / "rp2_generic").exists() or not (BIN / "bittytax").exists():
        venv.create(VENV, with_pip=True)
        subprocess.run([str(BIN / "python"), "-m", "pip", "install", "-q", "rp2", "bittytax"], check=True)


def versions() -> dict[str, str]:
    out = subprocess.run([str(BIN / "python"), "-m", "pip", "list", "--format=json"], check=True,
                         capture_output=True, text=True).stdout
    return {p["name"].lower(): p["version"] for p in json.loads(out) if p["name"].lower() in {"rp2", "bittytax"}}


def bittytax_home() -> Path:
    """A HOME whose bittytax.conf names price sources that do not call the network at start-up.

    Every row states its value, so no price is ever looked up; BittyTax's default sources fetch symbol
    lists when constructed, which fails offline. ``large_data: True`` is BittyTax's own switch for big
    inputs: we use it, in BittyTax's favour.
    """
    home = DATA / "bittytax-home"
    conf = home / ".bittytax" / "bittytax.conf"
    conf.parent.mkdir(parents=True, exist_ok=True)
    default = next((VENV / "lib").glob("python*/site-packages/bittytax/config/bittytax.conf"))
    text = default.read_text(encoding="utf-8")
    text = text.replace("['BittyTaxAPI']", "['Frankfurter']").replace("['CryptoCompare', 'CoinGecko']",
                                                                      "['Frankfurter']")
    conf.write_text(text.replace("large_data: False", "large_data: True"), encoding="utf-8")
    return home


def timed(cmd: list[str], *, env: dict[str, str] | None = None, cwd: Path | None = None) -> tuple[float, int, str]:
    """Run ``cmd``; (wall seconds, peak RSS in MB, stdout)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        proc = subprocess.run([TIME, "-f", "%e %M", "-o", tf.name, *cmd], env=env, cwd=cwd, capture_output=True,
                              text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"{cmd[0]} failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
        wall, rss_kb = tf.read().split()[-2:]
    return float(wall), int(rss_kb) // 1024, proc.stdout


def cents(value: str) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)


def measure_rp2(n: int, paths: dict[str, Path]) -> dict[str, object]:
    """RP2's whole CLI (``rp2_generic -m fifo`` through rp2_run.py) on the ledger's RP2 form: wall time, peak
    RSS, its own parse and compute steps, and its total FIFO gain. Needs :func:`ensure_venv` first."""
    res = DATA / f"rp2-{n}.json"
    outdir = DATA / f"rp2-out-{n}"
    outdir.mkdir(parents=True, exist_ok=True)
    wall, rss, _ = timed([str(BIN / "python"), str(HERE / "rp2_run.py"), str(paths["rp2_ini"]), str(paths["rp2"]),
                          str(outdir), str(res)], cwd=DATA)
    rp2 = json.loads(res.read_text())
    return {"rp2_wall_s": wall, "rp2_rss_mb": rss, "rp2_compute_s": rp2["compute_s"], "rp2_parse_s": rp2["parse_s"],
            "rp2_fifo_gain": rp2["fifo_gain"]}


def run_size(n: int, args: argparse.Namespace, home: Path) -> dict[str, object]:
    sys.path.insert(0, str(HERE))
    import generate

    paths = generate.write_all(n, args.seed, DATA, formats=("hkvatax", "rp2", "bittytax") if n <= max(
        args.rp2_max, args.bittytax_max) else ("hkvatax",))
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    row: dict[str, object] = {"rows": n}
    wall, rss, out = timed([sys.executable, str(HERE / "floor.py"), str(paths["hkvatax"])], env=env)
    row["floor_s"] = float(out.split()[0])
    res = DATA / f"hk-{n}.json"
    wall, rss, _ = timed([sys.executable, str(HERE / "hk_run.py"), str(paths["hkvatax"]), str(res)], env=env)
    hk = json.loads(res.read_text())
    # peak RSS of the parent plus that of the forked child (each counts the pages they share: an upper bound)
    both = round(hk["rss_self_mb"] + hk["rss_children_mb"])
    row.update(hk_wall_s=wall, hk_rss_mb=max(rss, both), hk_rss_parent_mb=round(hk["rss_self_mb"]),
               hk_rss_child_mb=round(hk["rss_children_mb"]), hk_processes=hk["processes"],
               hk_compute_s=hk["compute_s"], hk_steps=hk["steps"], hk_route=hk["route"], hk_fifo_gain=hk["fifo_gain"],
               hk_assess=hk["assess"])
    if n <= args.reference_max:
        res = DATA / f"hkref-{n}.json"
        wall, rss, _ = timed([sys.executable, str(HERE / "hk_run.py"), str(paths["hkvatax"]), str(res),
                              "--reference"], env=env)
        ref = json.loads(res.read_text())
        row.update(ref_wall_s=wall, ref_rss_mb=rss, ref_compute_s=ref["compute_s"], ref_steps=ref["steps"])
        assert ref["fifo_gain"] == hk["fifo_gain"] and ref["wa_gain"] == hk["wa_gain"], "fast != reference"
        assert ref["fifo_tax"] == hk["fifo_tax"], "fast != reference (tax)"
    if n <= args.rp2_max:
        res = DATA / f"hkfifo-{n}.json"
        wall, rss, _ = timed([sys.executable, str(HERE / "hk_run.py"), str(paths["hkvatax"]), str(res), "--fifo-job"],
                             env=env)
        row.update(hk_fifo_job_s=json.loads(res.read_text())["steps"]["fifo_job_s"], hk_fifo_wall_s=wall)
        row.update(measure_rp2(n, paths))
        row["fifo_agree"] = cents(str(row["rp2_fifo_gain"])) == cents(hk["fifo_gain"])
    if n <= args.bittytax_max:
        wall, rss, out = timed([str(BIN / "bittytax"), "--nopdf", "--summary", str(paths["bittytax"])],
                               env={**os.environ, "HOME": str(home)}, cwd=DATA)
        row.update(bt_wall_s=wall, bt_rss_mb=rss)
    return row


def table(rows: list[dict[str, object]]) -> str:
    def f(v: object, spec: str = ".2f") -> str:
        return "–" if v is None else format(v, spec)

    lines = ["| rows | parse floor s | hkvatax wall s | hkvatax compute s | compute / floor | hkvatax RSS MB (parent + child) "
             "| reference wall s | RP2 wall s | RP2 compute s | RP2 RSS MB | RP2 wall / hkvatax wall "
             "| RP2 compute / hkvatax FIFO job | BittyTax wall s | BittyTax RSS MB | FIFO gain agrees (cent) |",
             "|" + "---|" * 15]
    for r in rows:
        g = r.get
        ratio_w = g("rp2_wall_s") / g("hk_wall_s") if g("rp2_wall_s") else None  # type: ignore[operator]
        ratio_c = g("rp2_compute_s") / g("hk_fifo_job_s") if g("rp2_compute_s") else None  # type: ignore[operator]
        lines.append(
            f"| {r['rows']:,} | {f(g('floor_s'))} | {f(g('hk_wall_s'))} | {f(g('hk_compute_s'))} "
            f"| {f(g('hk_compute_s') / g('floor_s'))} | {g('hk_rss_mb')} ({g('hk_rss_parent_mb')} + "
            f"{g('hk_rss_child_mb')}) | {f(g('ref_wall_s'))} "  # type: ignore[operator]
            f"| {f(g('rp2_wall_s'))} | {f(g('rp2_compute_s'))} | {g('rp2_rss_mb', '–')} | {f(ratio_w, '.0f')}× "
            f"| {f(ratio_c, '.0f')}× | {f(g('bt_wall_s'))} | {g('bt_rss_mb', '–')} | {g('fifo_agree', '–')} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="hkvatax vs RP2 vs BittyTax")
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--rp2-max", type=int, default=100_000)
    ap.add_argument("--bittytax-max", type=int, default=100_000)
    ap.add_argument("--reference-max", type=int, default=100_000)
    ap.add_argument("--out", type=Path, default=DATA / "results.json")
    args = ap.parse_args(argv)
    DATA.mkdir(parents=True, exist_ok=True)
    ensure_venv()
    home = bittytax_home()
    rows = []
    for n in (int(s) for s in args.sizes.split(",")):
        print(f"… {n:,} rows", file=sys.stderr, flush=True)
        rows.append(run_size(n, args, home))
    machine = {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
               "load_before": os.getloadavg(), **versions()}
    print(f"machine: {machine}")
    print(table(rows))
    by_size = {r["rows"]: r for r in rows}
    checks = []
    if 1_000_000 in by_size:
        m = by_size[1_000_000]
        checks.append(("1M rows: wall ≤ 10 s", m["hk_wall_s"] <= 10))  # type: ignore[operator]
        checks.append(("1M rows: peak RSS ≤ 1.5 GB", m["hk_rss_mb"] <= 1536))  # type: ignore[operator]
        checks.append(("1M rows: compute ≤ 3× parse floor", m["hk_compute_s"] <= 3 * m["floor_s"]))  # type: ignore[operator]
        if 100_000 in by_size:
            k = by_size[100_000]
            checks.append(("time(1M)/time(100k) ≤ 12", m["hk_compute_s"] / k["hk_compute_s"] <= 12))  # type: ignore[operator]
    if 100_000 in by_size and "rp2_wall_s" in by_size[100_000]:
        k = by_size[100_000]
        checks.append(("100k: ≥ 50× faster than RP2 whole-process", k["rp2_wall_s"] / k["hk_wall_s"] >= 50))  # type: ignore[operator]
        checks.append(("100k: ≥ 20× faster than RP2 compute (same FIFO job, our reading included)",
                       k["rp2_compute_s"] / k["hk_fifo_job_s"] >= 20))  # type: ignore[operator]
    agree = [r["fifo_agree"] for r in rows if "fifo_agree" in r]
    checks.append(("FIFO gains agree with RP2 to the cent", bool(agree) and all(agree)))
    for name, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    args.out.write_text(json.dumps({"machine": machine, "rows": rows, "checks": checks}, indent=1, default=str))
    return 0 if all(a for a in agree) else 1


if __name__ == "__main__":
    raise SystemExit(main())
