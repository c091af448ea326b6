"""pandas DataFrames of the ledger, the statements, the conditions and the comparison (the ``pandas`` extra).

Dtypes (documented in docs/notebooks.md):

* amounts and quantities — ``object`` columns of :class:`decimal.Decimal`, exact, as the library computed
  them (``df["gain_hkd"].sum()`` stays exact); convert with ``.astype(float)`` only for plotting;
* instants — ``datetime64[us, Asia/Hong_Kong]`` (microseconds, the ledger's own resolution); years of assessment — ``string`` ("2025/26");
* names, kinds, ids, outcomes — ``string``; counts — ``Int64``; flags — ``boolean``.

Nothing here rounds: a frame is a table of the exact results, and the rendered views round for display.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..money import isolated
from .labels import figure_label

if TYPE_CHECKING:
    from ..compare import Comparison
    from ..engine import Assessment
    from ..ledger.results import LedgerResult

__all__ = ["ledger_frames", "assessment_frames", "comparison_frame", "DTYPES"]

#: The dtype of every column that is not an exact Decimal (``object``).
DTYPES: dict[str, str] = {
    "disposal_id": "string", "event_id": "string", "kind": "string", "asset": "string", "wallet": "string",
    "timestamp": "datetime64[us, Asia/Hong_Kong]", "acquired_at": "datetime64[us, Asia/Hong_Kong]",
    "year": "string", "method": "string", "source": "string", "lot_id": "string", "basis": "string",
    "branch": "string", "figure": "string", "label": "string", "status": "string", "unit": "string",
    "rule_id": "string", "node": "string", "condition": "string", "title": "string", "outcome": "string",
    "baseline_outcome": "string", "extension_outcome": "string", "causes": "string", "missing": "string",
    "fragments": "Int64", "changed": "boolean",
}


def _pd() -> Any:
    try:
        return importlib.import_module("pandas")
    except ImportError as exc:  # pragma: no cover - exercised without the extra
        raise ImportError("DataFrames need the pandas extra: pip install 'hkvatax[pandas]'") from exc


def _frame(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> Any:
    pd = _pd()
    df = pd.DataFrame(list(rows), columns=list(columns))
    for col in columns:
        dtype = DTYPES.get(col)
        if dtype is None:
            df[col] = df[col].astype(object)  # exact Decimals
        elif dtype.startswith("datetime64"):
            df[col] = pd.to_datetime(df[col], utc=True).dt.tz_convert("Asia/Hong_Kong").astype(dtype)
        else:
            df[col] = df[col].astype(dtype)
    return df


@isolated
def ledger_frames(result: LedgerResult) -> dict[str, Any]:
    """``{"disposals", "fragments", "pools"}``: every disposal, every matched lot slice, every closing lot.

    Examples:
        >>> from hkvatax import match_scenario
        >>> from hkvatax.examples import example_path
        >>> from hkvatax.io import load_scenario
        >>> frames = ledger_frames(match_scenario(load_scenario(example_path("corporation"))))
        >>> sorted(frames), list(frames["disposals"].columns[:4])
        (['disposals', 'fragments', 'pools'], ['disposal_id', 'event_id', 'kind', 'asset'])
    """
    disposals, fragments, pools = [], [], []
    for d in result.disposals:
        disposals.append({"disposal_id": d.disposal_id, "event_id": d.event_id, "kind": d.kind, "asset": d.asset,
                          "wallet": d.wallet, "timestamp": d.timestamp, "year": d.year.label, "quantity": d.quantity,
                          "gross_proceeds_hkd": d.gross_proceeds_hkd, "fees_hkd": d.fees_hkd,
                          "proceeds_hkd": d.proceeds_hkd, "cost_hkd": d.cost_hkd, "gain_hkd": d.gain_hkd,
                          "holding_days": d.holding_days, "method": d.method,
                          "fragments": len(d.fragments), "source": None if d.source is None else str(d.source)})
        for f in d.fragments:
            fragments.append({"disposal_id": d.disposal_id, "lot_id": f.lot_id, "asset": d.asset,
                              "acquired_at": f.acquired_at, "quantity": f.quantity, "cost_hkd": f.cost_hkd,
                              "proceeds_hkd": f.proceeds_hkd, "gain_hkd": f.gain_hkd,
                              "holding_days": f.holding_days, "basis": f.basis})
    for y, snaps in sorted(result.closing.items()):
        for s in snaps:
            pools.append({"year": y.label, "asset": s.asset, "wallet": s.wallet, "lot_id": s.lot_id,
                          "acquired_at": s.acquired_at, "quantity": s.quantity, "cost_hkd": s.cost_hkd})
    return {
        "disposals": _frame(disposals, ["disposal_id", "event_id", "kind", "asset", "wallet", "timestamp", "year",
                                        "quantity", "gross_proceeds_hkd", "fees_hkd", "proceeds_hkd", "cost_hkd",
                                        "gain_hkd", "holding_days", "method", "fragments", "source"]),
        "fragments": _frame(fragments, ["disposal_id", "lot_id", "asset", "acquired_at", "quantity", "cost_hkd",
                                        "proceeds_hkd", "gain_hkd", "holding_days", "basis"]),
        "pools": _frame(pools, ["year", "asset", "wallet", "lot_id", "acquired_at", "quantity", "cost_hkd"]),
    }


@isolated
def assessment_frames(a: Assessment) -> dict[str, Any]:
    """``{"statements", "conditions"}`` of every year and branch, plus the ledger's frames when it is kept.

    Examples:
        >>> from hkvatax import assess
        >>> from hkvatax.examples import example_path
        >>> from hkvatax.io import load_scenario
        >>> outcome = assess(load_scenario(example_path("corporation")), "2025/26")
        >>> statements = assessment_frames(outcome)["statements"]
        >>> list(statements.columns)
        ['year', 'branch', 'figure', 'label', 'value', 'status', 'rule_id', 'node']
        >>> statements.set_index("figure").loc["tax_payable", "value"]  # exact: a Decimal, never a float
        Decimal('150045')
    """
    statements, conditions = [], []
    for label, ya in a.years.items():
        for name, b in ya.branches.items():
            for key, fig in b.figures.items():
                node = a.trace.nodes[fig.id]
                statements.append({"year": label, "branch": name, "figure": key, "label": figure_label(key),
                                   "value": fig.value, "status": node.status, "rule_id": node.rule_id,
                                   "node": fig.id})
            for c in b.conditions:
                conditions.append({"year": label, "branch": name, "condition": c.id, "title": c.title,
                                   "outcome": c.outcome, "missing": ", ".join(c.missing), "node": c.figure.id})
    out = {
        "statements": _frame(statements, ["year", "branch", "figure", "label", "value", "status", "rule_id", "node"]),
        "conditions": _frame(conditions, ["year", "branch", "condition", "title", "outcome", "missing", "node"]),
    }
    ledger = a.full_ledger()
    if ledger is not None:
        out.update(ledger_frames(ledger))
    return out


@isolated
def comparison_frame(c: Comparison) -> Any:
    """One row per year, branch and figure: baseline, extension, difference (exact) and the causing rules.

    Examples:
        >>> from hkvatax import compare
        >>> from hkvatax.examples import example_path
        >>> from hkvatax.io import load_scenario
        >>> comparison = compare(load_scenario(example_path("family_office")))
        >>> frame = comparison_frame(comparison)
        >>> row = frame[frame.figure == "tax_payable"].iloc[0]
        >>> row.baseline, row.extension, row.difference, bool(row.changed)
        (Decimal('1597533'), Decimal('0'), Decimal('-1597533'), True)
    """
    causes = {(d.year, d.branch, d.figure): ", ".join(d.causes) for d in c.differences}
    rows = []
    for label in c.baseline.years:
        for branch, name, vb, ve in c.figures(label):
            diff: Decimal | None = None if vb is None or ve is None else c.delta(vb, ve)
            rows.append({"year": label, "branch": branch, "figure": name, "label": figure_label(name),
                         "baseline": vb, "extension": ve, "difference": diff, "changed": bool(diff),
                         "causes": causes.get((label, branch, name), "")})
    return _frame(rows, ["year", "branch", "figure", "label", "baseline", "extension", "difference", "changed",
                         "causes"])


def _register() -> None:
    from .. import engine

    engine.VIEWS["frames"] = assessment_frames


_register()
