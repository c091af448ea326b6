"""Schedules that tie out: a figure's per-asset lines, and a line's disposals, rounded to the cent.

A statement figure such as "Chargeable profits on disposals" is the exact sum of its per-asset lines, and
a line is the exact sum of its disposals. Shown to the cent, the rounded parts need not add up to the
rounded figure; each schedule therefore ends with an explicit rounding line where they differ, then the
total, which is the figure as the statement shows it (method: :func:`hkvatax.money.reconcile`,
docs/decisions/0080-reconciled-schedules.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from ..money import reconcile
from ..trace import Node
from .labels import figure_label

if TYPE_CHECKING:
    from ..explain import Explanation

__all__ = ["Schedule", "ScheduleRow", "schedule_rows", "schedules", "LINE_RULES"]

#: Rules whose nodes are per-asset lines of a statement figure.
LINE_RULES = frozenset({"ledger.gains", "ledger.receipts", "ledger.income", "ledger.outgoings",
                        "pt.outflow.deemed_proceeds", "pt.gift_received"})
_KEY_RE = re.compile(r"\[([^\]]*)\]$")


@dataclass(frozen=True, slots=True)
class ScheduleRow:
    """One row: a part (``kind="part"``), the rounding line (``"rounding"``) or the total (``"total"``).

    Examples:
        >>> [(r.kind, r.amount) for r in schedule_rows([("a", Decimal("0.005")), ("b", Decimal("0.005"))], Decimal("0.01"))]
        [('part', Decimal('0.00')), ('part', Decimal('0.00')), ('rounding', Decimal('0.01')), ('total', Decimal('0.01'))]
    """

    label: str
    amount: Decimal  # rounded to the cent
    kind: str
    exact: Decimal | None = None  # the exact value of a part or of the total; None for the rounding line


@dataclass(frozen=True, slots=True)
class Schedule:
    """A titled schedule whose rows sum exactly to its total (the figure, to the cent).

    Examples:
        >>> from hkvatax import assess
        >>> from hkvatax.examples import example_path
        >>> from hkvatax.io import load_scenario
        >>> outcome = assess(load_scenario(example_path("corporation")), "2025/26")
        >>> e = outcome.explain("2025/26", detail="per_asset")
        >>> first = schedules(e, e.years[0]["branches"]["revenue"])[0]
        >>> first.figure, sum(r.amount for r in first.rows if r.kind != "total") == first.rows[-1].amount
        ('revenue_disposal_profits', True)
    """

    title: str
    figure: str
    rows: tuple[ScheduleRow, ...]


def schedule_rows(parts: Sequence[tuple[str, Decimal]], total: Decimal) -> tuple[ScheduleRow, ...]:
    """Rows of a schedule of ``parts`` that ties out to ``total``, with a rounding line where needed.

    Examples:
        >>> rows = schedule_rows([("a", Decimal("0.005")), ("b", Decimal("0.005"))], Decimal("0.01"))
        >>> for r in rows:
        ...     print(r.label, r.amount)
        a 0.00
        b 0.00
        Rounding (each line rounded to the cent, half-even) 0.01
        Total 0.01
    """
    r = reconcile([v for _, v in parts], total)
    rows = [ScheduleRow(label, cents, "part", exact) for (label, exact), cents in zip(parts, r.parts, strict=True)]
    if r.rounding != 0:
        rows.append(ScheduleRow("Rounding (each line rounded to the cent, half-even)", r.rounding, "rounding"))
    rows.append(ScheduleRow("Total", r.total, "total", total))
    return tuple(rows)


def line_label(n: Node) -> str:
    """A per-asset line's label from its key: ``line[disposals:BTC:capital:hk]`` → ``BTC (disposals, capital, hk)``."""
    m = _KEY_RE.search(n.id)
    parts = (m.group(1) if m else n.label).split(":")
    return f"{parts[1]} ({', '.join([parts[0], *parts[2:]])})" if len(parts) > 1 else parts[0]


def schedules(e: Explanation, branch: Mapping[str, str]) -> list[Schedule]:
    """The per-asset schedule of every summed figure of a branch, and (at ``detail="full"``) the per-disposal
    schedule of every line that has disposals.

    Examples:
        >>> from hkvatax import assess
        >>> from hkvatax.examples import example_path
        >>> from hkvatax.io import load_scenario
        >>> outcome = assess(load_scenario(example_path("corporation")), "2025/26")
        >>> e = outcome.explain("2025/26", detail="per_asset")
        >>> [(s.figure, [r.label for r in s.rows]) for s in schedules(e, e.years[0]["branches"]["revenue"])][0]
        ('revenue_disposal_profits', ['BTC (disposals, revenue, hk)', 'Total'])
    """
    out: list[Schedule] = []
    for key, nid in branch.items():
        n = e.nodes[nid]
        if n.rule_id != "pt.sum" or not isinstance(n.value, Decimal):
            continue
        lines = [e.nodes[i] for i in n.inputs if i in e.nodes and e.nodes[i].rule_id in LINE_RULES]
        parts = [(line_label(ln), ln.value) for ln in lines if isinstance(ln.value, Decimal)]
        if not parts:
            continue
        out.append(Schedule(f"{figure_label(key)} — by asset", key, schedule_rows(parts, n.value)))
        if e.detail != "full":
            continue
        for ln in lines:
            ds = [e.nodes[i] for i in ln.inputs if i in e.nodes and e.nodes[i].rule_id == "ledger.disposal"]
            dparts = [(d.explanation.split(":", 1)[0], d.value) for d in ds if isinstance(d.value, Decimal)]
            if dparts and isinstance(ln.value, Decimal):
                out.append(Schedule(f"{line_label(ln)} — by disposal", key, schedule_rows(dparts, ln.value)))
    return out
