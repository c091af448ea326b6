"""Rendering the ledger's disposals and pools as a text table, JSON or (formula-safe) CSV."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from typing import Any

from ..io.safe_csv import write_csv
from ..ledger.results import LedgerResult
from ..money import fmt_hkd, fmt_qty

__all__ = ["disposals_table", "disposals_json", "disposals_csv", "ledger_to_dict"]


def ledger_to_dict(result: LedgerResult, *, fragments: bool = True) -> dict[str, Any]:
    return {
        "schema": "hkvatax.disposals/1",
        "events": result.event_count,
        "disposals": [d.to_dict(fragments=fragments) for d in result.disposals],
        "closing_pools": {
            y.label: [s.to_dict() for s in snaps] for y, snaps in sorted(result.closing.items())
        },
        "methods": {y.label: m for y, m in sorted(result.methods.items())},
        "notes": [
            {"code": n.code, "message": n.message, "event_id": n.event_id,
             "year_of_assessment": n.year.label if n.year else None}
            for n in result.notes
        ],
    }


def disposals_json(result: LedgerResult) -> str:
    return json.dumps(ledger_to_dict(result), indent=2, sort_keys=False, ensure_ascii=False) + "\n"


_HEADER = ["disposal_id", "year", "timestamp", "kind", "asset", "quantity", "proceeds_hkd", "cost_hkd", "gain_hkd",
           "holding_days", "method", "lots", "source"]


def _rows(result: LedgerResult) -> list[list[str]]:
    rows = []
    for d in result.disposals:
        hd = d.holding_days
        rows.append([
            d.disposal_id, d.year.label, d.timestamp.isoformat(), d.kind, d.asset, fmt_qty(d.quantity),
            str(d.proceeds_hkd), str(d.cost_hkd), str(d.gain_hkd), "" if hd is None else f"{hd:.2f}", d.method,
            ";".join(f"{f.lot_id}:{fmt_qty(f.quantity)}" for f in d.fragments), str(d.source or ""),
        ])
    return rows


def disposals_csv(result: LedgerResult) -> str:
    out = io.StringIO()
    write_csv(out, _HEADER, _rows(result))
    return out.getvalue()


def disposals_table(result: LedgerResult) -> str:
    lines: list[str] = []
    header = f"{'disposal':<18} {'YA':<8} {'date (HKT)':<11} {'asset':<6} {'quantity':>14} {'proceeds HKD':>16} " \
             f"{'cost HKD':>16} {'gain HKD':>16} {'held d':>8}"
    lines.append(header)
    lines.append("-" * len(header))
    from ..periods import to_hk

    for d in result.disposals:
        hd = d.holding_days
        lines.append(
            f"{d.disposal_id[:18]:<18} {d.year.label:<8} {to_hk(d.timestamp).date().isoformat():<11} {d.asset[:6]:<6} "
            f"{fmt_qty(d.quantity)[:14]:>14} {fmt_hkd(d.proceeds_hkd):>16} {fmt_hkd(d.cost_hkd):>16} "
            f"{fmt_hkd(d.gain_hkd):>16} {'' if hd is None else f'{hd:.1f}':>8}"
        )
        for f in d.fragments:
            acquired = to_hk(f.acquired_at).date().isoformat() if f.acquired_at else "unknown"
            lines.append(f"    ↳ lot {f.lot_id[:24]:<24} acquired {acquired:<10} qty {fmt_qty(f.quantity):>14} "
                         f"cost {fmt_hkd(f.cost_hkd):>14}")
    lines.append("")
    for year, snaps in sorted(result.closing.items()):
        lines.append(f"Closing pools at the end of the basis period for {year.label} "
                     f"(method: {result.methods.get(year, '-')}):")
        if not snaps:
            lines.append("    (none)")
        for s in snaps:
            where = f" @{s.wallet}" if s.wallet else ""
            lines.append(f"    {s.asset}{where:<10} lot {s.lot_id[:24]:<24} qty {fmt_qty(s.quantity):>14} "
                         f"cost {fmt_hkd(s.cost_hkd):>16}")
    if result.notes:
        lines.append("")
        lines.append("Notes:")
        for n in result.notes:
            lines.append(f"    [{n.code}] {n.message}")
    totals_gain = sum((d.gain_hkd for d in result.disposals), start=Decimal(0))
    lines.append("")
    lines.append(f"{len(result.disposals)} disposals; total gain HKD {fmt_hkd(totals_gain)} (before any tax rule)")
    return "\n".join(lines) + "\n"
