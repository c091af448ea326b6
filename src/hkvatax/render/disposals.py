"""Rendering the ledger's disposals and pools as a text table, JSON or (formula-safe) CSV."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from typing import Any

from ..escape import escape_text as T
from ..io.safe_csv import write_csv
from ..ledger.results import LedgerResult
from ..money import fmt_cents, fmt_fixed, fmt_hkd, fmt_qty, isolated, reconcile

__all__ = ["disposals_table", "disposals_json", "disposals_csv", "ledger_to_dict"]


@isolated
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


@isolated
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
            fmt_cents(d.proceeds_hkd), fmt_cents(d.cost_hkd), fmt_cents(d.gain_hkd),
            "" if hd is None else fmt_fixed(hd, 2), d.method,
            ";".join(f"{f.lot_id}:{fmt_qty(f.quantity)}" for f in d.fragments), str(d.source or ""),
        ])
    return rows


@isolated
def disposals_csv(result: LedgerResult) -> str:
    out = io.StringIO()
    write_csv(out, _HEADER, _rows(result))
    return out.getvalue()


@isolated
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
            f"{T(d.disposal_id)[:18]:<18} {d.year.label:<8} {to_hk(d.timestamp).date().isoformat():<11} {T(d.asset)[:6]:<6} "
            f"{fmt_qty(d.quantity)[:14]:>14} {fmt_hkd(d.proceeds_hkd):>16} {fmt_hkd(d.cost_hkd):>16} "
            f"{fmt_hkd(d.gain_hkd):>16} {'' if hd is None else fmt_fixed(hd, 1):>8}"
        )
        for f in d.fragments:
            acquired = to_hk(f.acquired_at).date().isoformat() if f.acquired_at else "unknown"
            lines.append(f"    ↳ lot {T(f.lot_id)[:24]:<24} acquired {acquired:<10} qty {fmt_qty(f.quantity):>14} "
                         f"cost {fmt_hkd(f.cost_hkd):>14}")
    lines.append("")
    for year, snaps in sorted(result.closing.items()):
        lines.append(f"Closing pools at the end of the basis period for {year.label} "
                     f"(method: {result.methods.get(year, '-')}):")
        if not snaps:
            lines.append("    (none)")
        for s in snaps:
            where = f" @{T(s.wallet)}" if s.wallet else ""
            lines.append(f"    {T(s.asset)}{where:<10} lot {T(s.lot_id)[:24]:<24} qty {fmt_qty(s.quantity):>14} "
                         f"cost {fmt_hkd(s.cost_hkd):>16}")
    if result.notes:
        lines.append("")
        lines.append("Notes:")
        for n in result.notes:
            lines.append(f"    [{n.code}] {T(n.message)}")
    lines.append("")
    by_year: dict[str, list[Decimal]] = {}
    for d in result.disposals:
        by_year.setdefault(d.year.label, []).append(d.gain_hkd)
    for label, gains in sorted(by_year.items()):
        r = reconcile(gains)  # the listed gains, each to the cent, tie out to the year's total with a rounding line
        lines.append(f"{label}: {len(gains)} disposals, gains as listed {'':>22} {fmt_hkd(sum(r.parts, Decimal(0))):>16}")
        if r.rounding != 0:
            lines.append(f"{label}: rounding (each disposal rounded to the cent) {'':>8} {fmt_hkd(r.rounding):>16}")
        lines.append(f"{label}: total gain (before any tax rule) {'':>20} {fmt_hkd(r.total):>16}")
    lines.append(f"{len(result.disposals)} disposals in all")
    return "\n".join(lines) + "\n"
