"""Digests of hkvatax's outputs, to show an optimisation changed none of them (byte for byte).

    python bench/output_digest.py --write bench/data/digest-before.json    # before the change
    python bench/output_digest.py --check bench/data/digest-before.json    # after: every digest the same

What is digested (SHA-256 of each text): for the built-in examples, the worked examples of tests/examples
(their two-event scenarios, as tests/test_worked_examples.py builds them) and tests/examples/law2026, under
both regimes: the explanation at every detail as JSON (``to_json`` and the streamed ``write_json``), text
and Markdown, the flat result and the summary records; the comparison's JSON and text. Then a generated
customer base (bench/batch_data.py: every taxpayer kind, some broken) through the batch's per-customer
function, both regimes: its summary rows, its explanation JSON and text, or its errors rows.
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import io
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))


def _h(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def _worked(case: dict[str, Any]) -> Any:
    from hkvatax.models import Scenario
    from hkvatax.periods import YearOfAssessment

    y = YearOfAssessment.parse(case["year"])
    day = f"{y.start_year}-06-01"
    return Scenario.model_validate({"taxpayer": case["taxpayer"], "events": [
        {"kind": "acquisition", "id": "buy", "timestamp": f"{day}T10:00:00+08:00", "asset": "BTC",
         "quantity": "1", "cost": "1000000"},
        {"kind": "disposal", "id": "sell", "timestamp": f"{day}T11:00:00+08:00", "asset": "BTC",
         "quantity": "1", "proceeds": str(Decimal("1000000") + Decimal(case["profit"]))}]})


def scenarios() -> list[tuple[str, Any, dict[str, Any]]]:
    from hkvatax.examples import example_path
    from hkvatax.io import load_scenario
    from hkvatax.models import Scenario

    out: list[tuple[str, Any, dict[str, Any]]] = []
    for p in sorted((ROOT / "src" / "hkvatax" / "examples").glob("*.json")):
        out.append((f"example/{p.stem}", load_scenario(example_path(p.stem)), {}))
    for p in sorted((ROOT / "tests" / "examples").glob("*.json")):
        out.append((f"worked/{p.stem}", _worked(json.loads(p.read_text(encoding="utf-8"))), {}))
    for p in sorted((ROOT / "tests" / "examples" / "law2026").glob("*.json")):
        case = json.loads(p.read_text(encoding="utf-8"))
        for i, run in enumerate(case["runs"]):
            out.append((f"law2026/{p.stem}/{i}", Scenario.model_validate(case["scenario"]),
                        {"law_settings": run.get("law_settings")}))
    return out


def digest_scenarios(found: dict[str, str]) -> None:
    from hkvatax import assess, compare
    from hkvatax.render.summary import year_summaries

    for name, scenario, kw in scenarios():
        for regime in ("baseline", "va_extension"):
            a = assess(scenario, regime=regime, **kw)
            for detail in ("summary", "per_asset", "full"):
                e = a.explain(detail=detail)
                found[f"{name}/{regime}/{detail}/json"] = _h(e.to_json())
                found[f"{name}/{regime}/{detail}/text"] = _h(e.to_text())
                found[f"{name}/{regime}/{detail}/md"] = _h(e.to_markdown())
                buf = io.StringIO()
                a.write_json(buf, detail=detail)
                found[f"{name}/{regime}/{detail}/stream"] = _h(buf.getvalue())
            found[f"{name}/{regime}/flat"] = _h(json.dumps(a.to_flat(), sort_keys=True))
            found[f"{name}/{regime}/summaries"] = _h(json.dumps(year_summaries(a), sort_keys=True))
        if not kw.get("law_settings"):
            c = compare(scenario)
            found[f"{name}/compare/json"] = _h(c.to_json())
            found[f"{name}/compare/text"] = _h(c.to_text())


def digest_customers(found: dict[str, str], taxpayers: int, first_year: int) -> None:
    import batch_data
    import generate

    from hkvatax.batch.core import BatchOptions, _summary_rows, assess_customer
    from hkvatax.errors import InputError

    customers, ledgers, _ = batch_data.customer_rows(taxpayers, 100, 11, 9, first_year)
    profiles = {c.pop("taxpayer_id"): c for c in customers}
    options = BatchOptions(regimes=("baseline", "va_extension"))
    columns = list(generate.HEADER)
    by_columns = "cells" in inspect.signature(assess_customer).parameters  # as the batch does since decision 0183
    for rows in ledgers:
        tid = rows[0][0]
        key = f"customer/{first_year}/{tid}"
        if tid not in profiles:
            continue
        try:
            if by_columns:
                cells = {h: [r[j + 1] for r in rows] for j, h in enumerate(columns)}
                outcomes = assess_customer(tid, (), columns, profiles[tid], options, cells=cells)
            else:
                outcomes = assess_customer(tid, [tuple(r[1:]) for r in rows], columns, profiles[tid], options)
        except InputError as exc:
            found[key] = _h(json.dumps([p.to_dict() for p in exc.problems], sort_keys=True, default=str))
            continue
        except Exception as exc:  # noqa: BLE001 - an invalid customer record: its message is the output
            found[key] = _h(f"{type(exc).__name__}: {exc}")
            continue
        for o in outcomes:
            found[f"{key}/{o.regime}/summary_rows"] = _h(json.dumps(_summary_rows(tid, o, len(rows)), sort_keys=True))
            e = o.explain(detail="per_asset" if int(tid[1:]) % 4 == 0 else "summary")
            found[f"{key}/{o.regime}/json"] = _h(e.to_json())
            found[f"{key}/{o.regime}/text"] = _h(e.to_text())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--write", type=Path)
    ap.add_argument("--check", type=Path)
    ap.add_argument("--taxpayers", type=int, default=120)
    args = ap.parse_args(argv)
    found: dict[str, str] = {}
    digest_scenarios(found)
    digest_customers(found, args.taxpayers, 2024)
    digest_customers(found, args.taxpayers // 3, 2018)
    print(f"{len(found)} outputs digested")
    if args.write:
        args.write.parent.mkdir(parents=True, exist_ok=True)
        args.write.write_text(json.dumps(found, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    if args.check:
        want = json.loads(args.check.read_text(encoding="utf-8"))
        diff = sorted(k for k in set(want) | set(found) if want.get(k) != found.get(k))
        for k in diff[:50]:
            print("DIFFERS:", k, want.get(k), found.get(k))
        print("identical" if not diff else f"{len(diff)} outputs differ")
        return 1 if diff else 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
