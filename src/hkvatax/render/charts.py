"""Charts for notebooks (the ``charts`` extra, matplotlib): tax by year, and a waterfall from profits to tax.

Chart heights are floats because matplotlib draws floats; the labels on the bars are the exact figures
formatted to the cent by :mod:`hkvatax.money`, so what is read off a chart is what the statement says.
"""

from __future__ import annotations

import importlib
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..money import fmt_hkd, isolated

if TYPE_CHECKING:
    from ..compare import Comparison
    from ..engine import BranchAssessment

__all__ = ["tax_by_year_chart", "waterfall_steps", "waterfall_chart"]

_BASE, _EXT, _UP, _DOWN, _TOTAL = "#0969da", "#bf8700", "#2da44e", "#cf222e", "#57606a"


def _plt() -> Any:
    try:
        return importlib.import_module("matplotlib.pyplot")
    except ImportError as exc:  # pragma: no cover - exercised without the extra
        raise ImportError("charts need the charts extra: pip install 'hkvatax[charts]'") from exc


def _axes(ax: Any) -> Any:
    if ax is not None:
        return ax
    _fig, new = _plt().subplots(figsize=(7, 3.6))
    return new


@isolated
def tax_by_year_chart(c: Comparison, ax: Any = None) -> Any:
    """Tax payable by year under the law in force and under the proposed extension, side by side.

    Examples:
        >>> import matplotlib
        >>> matplotlib.use("Agg")  # no display needed
        >>> from hkvatax import compare
        >>> from hkvatax.examples import example_path
        >>> from hkvatax.io import load_scenario
        >>> comparison = compare(load_scenario(example_path("family_office")))
        >>> ax = tax_by_year_chart(comparison)
        >>> [t.get_text() for t in ax.get_xticklabels()]
        ['2025/26']
    """
    ax = _axes(ax)
    labels = list(c.baseline.years)
    xs = range(len(labels))
    for offset, run, colour, name in ((-0.2, c.baseline, _BASE, "baseline (law in force)"),
                                      (0.2, c.extension, _EXT, "va_extension (proposed)")):
        values = [run.years[y].tax_payable for y in labels]
        bars = ax.bar([x + offset for x in xs], [float(v or 0) for v in values], width=0.4, color=colour, label=name)
        ax.bar_label(bars, labels=[fmt_hkd(v) for v in values], fontsize=8)
    ax.set_xticks(list(xs), labels)
    ax.set_ylabel("Tax payable (HKD)")
    ax.set_title(f"{c.scenario.taxpayer.name}: tax payable by year")
    ax.legend(frameon=False)
    return ax


def waterfall_steps(b: BranchAssessment) -> list[tuple[str, Decimal, str]]:
    """(label, amount, kind) steps from the chargeable profits to the tax payable; kind is "step" or "total".

    Each total equals the running sum of the steps before it, exactly: the rounding and the share of profits
    not taken in tax appear as their own steps.

    Examples:
        >>> from hkvatax import assess
        >>> from hkvatax.examples import example_path
        >>> from hkvatax.io import load_scenario
        >>> outcome = assess(load_scenario(example_path("corporation")), "2025/26")
        >>> steps = waterfall_steps(outcome["2025/26"].result)
        >>> steps[-1], [label for label, _, kind in steps if kind == "total"]
        (('Tax payable', Decimal('150045'), 'total'), ['Net profit', 'Assessable profits', 'Tax at the rates', 'Tax payable'])
    """
    f = {k: v.value for k, v in b.figures.items()}
    z = Decimal(0)
    steps: list[tuple[str, Decimal, str]] = [
        ("Chargeable profits on disposals", f.get("revenue_disposal_profits", z), "step"),
        ("Business receipts", f.get("business_receipts", z), "step"),
        ("Other income", f.get("other_income", z), "step"),
        ("Deductions", f.get("deductions", z), "step"),
    ]
    net = sum((s[1] for s in steps), z)
    steps.append(("Net profit", net, "total"))
    if net != f.get("net_profit", net):  # apportionment or a regime changed it: show the difference
        steps.append(("Adjustments", f["net_profit"] - net, "step"))
        net = f["net_profit"]
        steps.append(("Net profit", net, "total"))
    assessable = f.get("assessable_profits", z)
    steps.append(("Losses set off and rounding", assessable - net, "step"))
    steps.append(("Assessable profits", assessable, "total"))
    tax_at = f.get("tax_at_rates", z)
    steps.append(("Not taken in tax (1 − rate)", tax_at - assessable, "step"))
    steps.append(("Tax at the rates", tax_at, "total"))
    payable = f.get("tax_payable", z)
    steps.append(("Rounding and one-off reduction", payable - tax_at, "step"))
    steps.append(("Tax payable", payable, "total"))
    return steps


@isolated
def waterfall_chart(b: BranchAssessment, ax: Any = None) -> Any:
    """A waterfall from profits to tax for one year's computation (``outcome[year].result``).

    Examples:
        >>> import matplotlib
        >>> matplotlib.use("Agg")  # no display needed
        >>> from hkvatax import assess
        >>> from hkvatax.examples import example_path
        >>> from hkvatax.io import load_scenario
        >>> outcome = assess(load_scenario(example_path("corporation")), "2025/26")
        >>> waterfall_chart(outcome["2025/26"].result).get_title()
        '2025/26 (revenue): from profits to tax'
    """
    ax = _axes(ax)
    running = Decimal(0)
    steps = waterfall_steps(b)
    for i, (_label, amount, kind) in enumerate(steps):
        if kind == "total":
            bottom, height, colour = Decimal(0), amount, _TOTAL
            running = amount
        else:
            bottom, height = running, amount
            colour = _UP if amount >= 0 else _DOWN
            running += amount
        ax.bar(i, float(height), bottom=float(bottom), color=colour, width=0.6)
        ax.annotate(fmt_hkd(amount), (i, float(max(bottom, bottom + height))), ha="center", va="bottom", fontsize=7)
    ax.set_xticks(range(len(steps)), [s[0] for s in steps], rotation=40, ha="right", fontsize=8)
    ax.set_ylabel("HKD")
    ax.set_title(f"{b.year.label} ({b.character}): from profits to tax")
    return ax


def _register() -> None:
    from .. import engine

    engine.VIEWS["waterfall"] = waterfall_chart


_register()
