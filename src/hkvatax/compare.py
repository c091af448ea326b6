"""Side by side: the law in force (``baseline``) against the proposed extension (``va_extension``).

Both runs use the same ledger and the same engine. For every figure that differs, the rules that caused
the difference are found in the traces: its *causes* are the rules of every node on its dependency path whose
outcome differs between the two runs (or exists in only one), and its *origins* those among them none of whose
inputs differ — the first places the two computations part (docs/decisions/0074-compare-causes.md).
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from .engine import (
    Assessment,
    CsvSource,
    Matched,
    Years,
    assess,
    ledger_csv,
    ledger_rows,
    ledger_scenario,
)
from .escape import escape_markdown as M
from .escape import escape_text as T
from .explain import FIGURE_LABELS
from .io.files import AllowFiles
from .ledger.aggregate import LedgerAggregates
from .models.scenario import Scenario
from .models.state import YearState
from .money import fmt_exact, fmt_hkd, isolated
from .render.html import comparison_html
from .rules.params import ParamStore
from .rules.registry import RULES
from .runtime import gc_paused as _gc_paused
from .trace import Trace

__all__ = ["compare", "Comparison", "Difference", "changed_path"]


@dataclass(frozen=True)
class Difference:
    """One figure that differs between the law in force and the proposed extension, and the rules that cause it.

    ``baseline + delta == extension`` exactly, whatever the caller's decimal context.

    Examples:
        >>> from hkvatax.examples import example_path
        >>> from hkvatax.io import load_scenario
        >>> first = compare(load_scenario(example_path("family_office"))).differences[0]
        >>> first.figure, first.baseline + first.delta == first.extension, first.origins
        ('revenue_disposal_profits', True, ('fihv.min_assets', 'ext.applies'))
    """

    year: str
    branch: str
    figure: str
    baseline: Decimal
    extension: Decimal
    causes: tuple[str, ...]  # rule ids of every changed node the figure depends on, deepest first
    origins: tuple[str, ...] = ()  # the causes where the two runs first part (none of their inputs differ)

    @property
    @isolated
    def delta(self) -> Decimal:
        """``extension − baseline``, exact (in hkvatax's context, whatever the caller's)."""
        return self.extension - self.baseline

    def to_dict(self) -> dict[str, Any]:
        return {"year": self.year, "branch": self.branch, "figure": self.figure, "baseline": fmt_exact(self.baseline),
                "extension": fmt_exact(self.extension), "delta": fmt_exact(self.delta), "causes": list(self.causes),
                "origins": list(self.origins)}


def _local(node_id: str) -> str:
    """A node id without its scenario prefix (so the two runs' nodes line up)."""
    head, _, rest = node_id.partition("/")
    branch = head.split("~", 1)[1] if "~" in head else ""
    return f"{branch}/{rest}"


def changed_path(base: Trace, ext: Trace, ext_root: str, base_root: str) -> tuple[list[tuple[str, str]],
                                                                                    list[tuple[str, str]]]:
    """The nodes a differing figure depends on whose outcome differs between the runs, walking only through
    inputs that differ, as (side, node id) — and the origins among them (none of whose inputs differ).

    A node differs when its value differs from its counterpart's or it exists in one run only. Where one run's
    node has inputs the other's lacks, the walk continues on the other side, so a line that moved from one
    subtotal to another is followed to the rule that moved it. Rules record as inputs only what they consult
    (docs/decisions/0074), so a rule that decided nothing for the figure is never on the path.
    """
    traces = {"e": ext, "b": base}
    local = {side: {_local(n.id): n for n in t} for side, t in traces.items()}
    flip = {"e": "b", "b": "e"}

    def counterpart(side: str, node_id: str) -> object | None:
        return local[flip[side]].get(_local(node_id))

    def differs(side: str, node_id: str) -> bool:
        node = traces[side].nodes.get(node_id)
        other = counterpart(side, node_id)
        return node is None or other is None or getattr(other, "value", None) != node.value

    path: list[tuple[str, str]] = []
    origins: list[tuple[str, str]] = []
    queue = [("e", ext_root), ("b", base_root)]
    seen: set[tuple[str, str]] = set()
    while queue:
        side, node_id = queue.pop(0)
        if (side, node_id) in seen or node_id not in traces[side].nodes or not differs(side, node_id):
            continue
        seen.add((side, node_id))
        path.append((side, node_id))
        node = traces[side].nodes[node_id]
        other = counterpart(side, node_id)
        mine = {_local(i) for i in node.inputs}
        extra = [i for i in getattr(other, "inputs", ()) if _local(i) not in mine]
        changed = [i for i in node.inputs if differs(side, i)]
        if not changed and not extra:
            origins.append((side, node_id))
            continue
        queue.extend((side, i) for i in changed)
        queue.extend((flip[side], i) for i in extra)
    return path, origins


def _causes(base: Trace, ext: Trace, ext_root: str, base_root: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(causes, origins): the rules of the changed nodes on the figure's path below the figure itself, deepest
    first, and the rules where the two computations first part."""
    traces = {"e": ext, "b": base}
    path, origins = changed_path(base, ext, ext_root, base_root)
    roots = {("e", ext_root), ("b", base_root)}
    causes: dict[str, None] = {}
    for side, node_id in reversed(path):
        if (side, node_id) not in roots:
            causes.setdefault(traces[side].nodes[node_id].rule_id, None)
    first: dict[str, None] = {traces[side].nodes[n].rule_id: None for side, n in origins}
    if not causes:
        causes.setdefault(ext.nodes[ext_root].rule_id, None)
    return tuple(causes), tuple(first) or tuple(causes)


@dataclass(frozen=True)
class Comparison:
    """Both runs of one scenario (``baseline`` and ``extension``), and every figure that differs.

    Examples:
        >>> import hkvatax
        >>> from hkvatax.examples import example_path
        >>> from hkvatax.io import load_scenario
        >>> c = hkvatax.compare(load_scenario(example_path("private_fund")))
        >>> c.to_dict()["schema"], len(c.differences) > 0
        ('hkvatax.comparison/1', True)
    """

    scenario: Scenario
    baseline: Assessment
    extension: Assessment
    differences: tuple[Difference, ...]

    @isolated
    def figures(self, year: str) -> list[tuple[str, str, Decimal | None, Decimal | None]]:
        """``(branch, figure, baseline, extension)`` for every figure of ``year`` (exact values).

        Examples:
            >>> from hkvatax.examples import example_path
            >>> from hkvatax.io import load_scenario
            >>> comparison = compare(load_scenario(example_path("family_office")))
            >>> comparison.figures("2025/26")[-2]
            ('revenue', 'tax_payable', Decimal('1597533'), Decimal('0'))
        """

        ya_b = self.baseline[year]
        ya_e = self.extension[year]
        rows = []
        for branch in ya_b.branches:
            fb = ya_b.branches[branch].figures
            fe = ya_e.branches[branch].figures if branch in ya_e.branches else {}
            for name in fb:
                rows.append((branch, name, fb[name].value, fe[name].value if name in fe else None))
        return rows

    @isolated
    def conditions(self, year: str) -> list[tuple[str, str | None, str | None]]:
        """(title, baseline outcome, extension outcome) for each concession condition of the year.

        Examples:
            >>> from hkvatax.examples import example_path
            >>> from hkvatax.io import load_scenario
            >>> comparison = compare(load_scenario(example_path("family_office")))
            >>> comparison.conditions("2025/26")[0]
            ('The FIHV has elected in writing for the concession (irrevocable)', 'met', 'met')
        """
        rows: dict[str, list[str | None]] = {}
        for i, run in enumerate((self.baseline, self.extension)):
            ya = run[year]
            first = next(iter(ya.branches.values()), None)  # none in a year not assessed
            for c in first.conditions if first is not None else ():
                rows.setdefault(c.title, [None, None])[i] = c.outcome
        return [(t, v[0], v[1]) for t, v in rows.items()]

    @isolated
    def deemed(self, year: str) -> list[tuple[str, Decimal | None, Decimal | None]]:
        """``(investor, baseline, extension)`` deemed assessable profits of each resident investor in ``year``.

        Examples:
            >>> from hkvatax.examples import example_path
            >>> from hkvatax.io import load_scenario
            >>> name, baseline, extension = compare(load_scenario(example_path("private_fund"))).deemed("2025/26")[0]
            >>> name, baseline < extension
            ('Mr Lee (HK resident, 35%)', True)
        """

        out: dict[str, list[Decimal | None]] = {}
        for i, run in enumerate((self.baseline, self.extension)):
            for b in run[year].branches.values():
                for who, fig in b.deemed_profits.items():
                    out.setdefault(who, [None, None])[i] = fig.value
        return [(w, v[0], v[1]) for w, v in out.items()]

    @isolated
    def to_dict(self) -> dict[str, Any]:
        """The comparison as JSON-ready data (schema ``hkvatax.comparison/1``; exact values as normalised strings).

        Examples:
            >>> from hkvatax.examples import example_path
            >>> from hkvatax.io import load_scenario
            >>> comparison = compare(load_scenario(example_path("family_office")))
            >>> data = comparison.to_dict()
            >>> data["schema"], len(data["differences"]) == len(comparison.differences)
            ('hkvatax.comparison/1', True)
        """

        years = {}
        for label in self.baseline.years:
            years[label] = [
                {"branch": b, "figure": n, "baseline": None if vb is None else fmt_exact(vb),
                 "extension": None if ve is None else fmt_exact(ve)}
                for b, n, vb, ve in self.figures(label)
            ]
        return {
            "schema": "hkvatax.comparison/1",
            "taxpayer": self.scenario.taxpayer.name,
            "extension_first_year": self.extension.settings.get("extension_first_year"),
            "years": years,
            "differences": [d.to_dict() for d in self.differences],
            "proposed_rules": list(self.extension.trace.proposed_rules),
        }

    def to_json(self) -> str:
        """The comparison as JSON text (``to_dict()``, sorted keys, two-space indent).

        Examples:
            >>> from hkvatax.examples import example_path
            >>> from hkvatax.io import load_scenario
            >>> comparison = compare(load_scenario(example_path("family_office")))
            >>> import json
            >>> json.loads(comparison.to_json())["schema"]
            'hkvatax.comparison/1'
        """

        return json.dumps(self.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    @staticmethod
    @isolated
    def delta(baseline: Decimal, extension: Decimal) -> Decimal:
        """``extension − baseline``, exact whatever the caller's decimal context.

        Examples:
            >>> Comparison.delta(Decimal("1597533"), Decimal("0"))
            Decimal('-1597533')
        """
        return extension - baseline

    def to_frames(self) -> dict[str, Any]:
        """pandas DataFrames (the ``pandas`` extra): ``comparison`` (baseline, extension, difference, causes),
        the baseline's ``statements``/``conditions`` and the extension's as ``extension_statements``/
        ``extension_conditions``, and the shared ledger's ``disposals``, ``fragments`` and ``pools``.

        Examples:
            >>> from hkvatax.examples import example_path
            >>> from hkvatax.io import load_scenario
            >>> comparison = compare(load_scenario(example_path("family_office")))
            >>> sorted(comparison.to_frames())[:3]
            ['comparison', 'conditions', 'disposals']
        """
        from .render.frames import assessment_frames, comparison_frame

        out = {"comparison": comparison_frame(self), **assessment_frames(self.baseline)}
        ext = assessment_frames(self.extension)
        out["extension_statements"], out["extension_conditions"] = ext["statements"], ext["conditions"]
        return out

    def to_pandas(self) -> Any:
        """The comparison as one DataFrame (see :meth:`to_frames`).

        Examples:
            >>> from hkvatax.examples import example_path
            >>> from hkvatax.io import load_scenario
            >>> comparison = compare(load_scenario(example_path("family_office")))
            >>> frame = comparison.to_pandas()
            >>> frame[frame.figure == "tax_payable"].difference.tolist()
            [Decimal('-1597533')]
        """
        from .render.frames import comparison_frame

        return comparison_frame(self)

    def plot_tax_by_year(self, ax: Any = None) -> Any:
        """Tax payable by year, baseline against extension (the ``charts`` extra); returns the axes.

        Examples:
            >>> import matplotlib
            >>> matplotlib.use("Agg")
            >>> from hkvatax.examples import example_path
            >>> from hkvatax.io import load_scenario
            >>> comparison = compare(load_scenario(example_path("family_office")))
            >>> [t.get_text() for t in comparison.plot_tax_by_year().get_xticklabels()]
            ['2025/26']
        """
        from .render.charts import tax_by_year_chart

        return tax_by_year_chart(self, ax)

    def causes_html(self, causes: Iterable[str]) -> str:
        """The causing rules, each with its title and status, as HTML.

        Examples:
            >>> from hkvatax.examples import example_path
            >>> from hkvatax.io import load_scenario
            >>> comparison = compare(load_scenario(example_path("family_office")))
            >>> comparison.causes_html(["fihv.min_assets"])
            'fihv.min_assets (Specified assets of at least HK$240 million managed by the ESFO; enacted)'
        """
        return html.escape(self._cause_text(causes))

    def __repr__(self) -> str:
        return (f"<Comparison {self.scenario.taxpayer.name!r} years=[{', '.join(self.baseline.years)}] "
                f"differences={len(self.differences)}>")

    def _cause_text(self, causes: Iterable[str]) -> str:
        parts = []
        for c in causes:
            r = RULES.get(c)
            parts.append(f"{c} ({r.title}; {r.status})" if r else c)
        return "; ".join(parts)

    @isolated
    def to_text(self) -> str:
        """The comparison as a plain-text table per year, with each difference and the rules that cause it.

        Examples:
            >>> from hkvatax.examples import example_path
            >>> from hkvatax.io import load_scenario
            >>> comparison = compare(load_scenario(example_path("family_office")))
            >>> print([line for line in comparison.to_text().splitlines() if "Tax payable" in line][0])
              Tax payable                                                    1,597,533.00             0.00    -1,597,533.00
        """

        lines = [f"hkvatax compare — {T(self.scenario.taxpayer.name)} ({self.scenario.taxpayer.kind}): baseline (law in "
                 "force) vs va_extension (Bill gazetted 12 June 2026, proposed; first year "
                 f"{self.extension.settings.get('extension_first_year')} assumed)"]
        for label in self.baseline.years:
            lines.append("")
            lines.append(f"Year of assessment {label}")
            reason = self.baseline.years[label].reason
            if reason is not None:
                lines.append(f"  Not assessed: {T(reason)}.")
                continue
            lines.append(f"  {'figure':<58} {'baseline':>16} {'extension':>16} {'difference':>16}")
            for branch, name, vb, ve in self.figures(label):
                tag = f"[{branch}] " if len(self.baseline.years[label].branches) > 1 else ""
                diff = "" if vb is None or ve is None or vb == ve else fmt_hkd(self.delta(vb, ve))
                lines.append(f"  {tag + FIGURE_LABELS.get(name, name):<58} {fmt_hkd(vb):>16} {fmt_hkd(ve):>16} "
                             f"{diff:>16}")
            conds = self.conditions(label)
            if conds:
                lines.append("  Concession conditions (baseline → extension):")
                for title, cb, ce in conds:
                    mark = "" if cb == ce else "   ◀ changes"
                    lines.append(f"    {T(title):<70} {cb or '-':>14} → {ce or '-':<14}{mark}")
            for who, vb, ve in self.deemed(label):
                lines.append(f"  Deemed assessable profits of {T(who)} (s.20AX): {fmt_hkd(vb)} → {fmt_hkd(ve)}")
            for d in self.differences:
                if d.year == label:
                    lines.append(f"  • {FIGURE_LABELS.get(d.figure, d.figure)}: {fmt_hkd(d.baseline)} → "
                                 f"{fmt_hkd(d.extension)} because of {self._cause_text(d.origins)}")
                    via = [c for c in d.causes if c not in d.origins]
                    if via:
                        lines.append(f"    via {', '.join(via)}")
        if not self.differences:
            lines.append("")
            lines.append("No figure differs: the extension changes nothing for these facts.")
        return "\n".join(lines) + "\n"

    @isolated
    def to_markdown(self) -> str:
        """The comparison as Markdown: a table per year and the causes of each difference.

        Examples:
            >>> from hkvatax.examples import example_path
            >>> from hkvatax.io import load_scenario
            >>> comparison = compare(load_scenario(example_path("family_office")))
            >>> print([line for line in comparison.to_markdown().splitlines() if "Tax payable" in line][0])
            | Tax payable | 1,597,533.00 | 0.00 | -1,597,533.00 |
        """

        out = [f"# {M(self.scenario.taxpayer.name)}: baseline vs va_extension", ""]
        for label in self.baseline.years:
            out += [f"## {label}", "", "| figure | baseline | extension | difference |", "|---|---:|---:|---:|"]
            for _branch, name, vb, ve in self.figures(label):
                diff = "" if vb is None or ve is None or vb == ve else fmt_hkd(self.delta(vb, ve))
                out.append(f"| {FIGURE_LABELS.get(name, name)} | {fmt_hkd(vb)} | {fmt_hkd(ve)} | {diff} |")
            out.append("")
            for d in self.differences:
                if d.year == label:
                    out.append(f"- **{FIGURE_LABELS.get(d.figure, d.figure)}** changes because of "
                               f"{self._cause_text(d.origins)} (via {', '.join(d.causes)})")
            out.append("")
        return "\n".join(out)

    def to_html(self) -> str:
        """Baseline and extension side by side, differences and their causes highlighted (scoped CSS).

        Examples:
            >>> from hkvatax.examples import example_path
            >>> from hkvatax.io import load_scenario
            >>> comparison = compare(load_scenario(example_path("family_office")))
            >>> comparison.to_html().startswith('<div class="hkvatax">')
            True
        """
        return comparison_html(self)

    def _repr_html_(self) -> str:
        return self.to_html()


@_gc_paused
@isolated
def compare(scenario: Scenario, years: Years = None, *, extension_first_year: str = "2025/26",
            aggregates: LedgerAggregates | None = None, params: ParamStore | None = None,
            matched: Matched | None = None, law_settings: Mapping[str, Any] | None = None,
            state: YearState | None = None) -> Comparison:
    """Assess ``scenario`` under the law in force and under the proposed extension, and list the differences.

    Args:
        scenario: the taxpayer, its assets, events and rates.
        years: one year ("2025/26"), a range ("2023/24..2025/26"), a list, or None for every year.
        extension_first_year: the first year the proposed extension applies to (assumption A-EXT-FIRST-YEAR).
        aggregates: per-year sums, when no records are kept.
        matched: the ledger matched once (``hkvatax.engine.ledger_scenario``); matched here if not given.
        law_settings: readings of unsettled law the rules consult (``hkvatax.rules.extension``).
        params: parameter tables (default: those shipped, with any user file laid over them).
        state: start after a closing state (:func:`hkvatax.close_year`), as in :func:`hkvatax.assess`.

    Examples:
        >>> from hkvatax.examples import example_path
        >>> from hkvatax.io import load_scenario
        >>> c = compare(load_scenario(example_path("family_office")))
        >>> [(d.figure, str(d.delta)) for d in c.differences if d.figure == "tax_payable"]
        [('tax_payable', '-1597533')]
    """
    if matched is None and aggregates is None:
        matched = ledger_scenario(scenario, state=state)
    base = assess(scenario, years, regime="baseline", extension_first_year=extension_first_year,
                  aggregates=aggregates, params=params, matched=matched, law_settings=law_settings, state=state)
    ext = assess(scenario, years, regime="va_extension", extension_first_year=extension_first_year, state=state,
                 aggregates=aggregates, params=params, matched=base.matched, law_settings=law_settings)
    diffs: list[Difference] = []
    for label, ya_b in base.years.items():
        ya_e = ext.years[label]
        for branch, b in ya_b.branches.items():
            e = ya_e.branches.get(branch)
            if e is None:
                continue
            for name, fig in b.figures.items():
                other = e.figures.get(name)
                if other is None or other.value == fig.value:
                    continue
                causes, origins = _causes(base.trace, ext.trace, other.id, fig.id)
                diffs.append(Difference(label, branch, name, fig.value, other.value, causes, origins))
    return Comparison(scenario, base, ext, tuple(diffs))


@_gc_paused
@isolated
def compare_csv(source: CsvSource, profile: str | Path | Mapping[str, Any], years: Any = None, *,
                extension_first_year: str = "2025/26", params: ParamStore | None = None, file: str | None = None,
                default_tz: str | None = None, law_settings: Mapping[str, Any] | None = None,
                allow_files: AllowFiles = None, state: YearState | None = None) -> Comparison:
    """:func:`compare` for a generic CSV ledger, read in chunks and matched once (see :func:`assess_csv`).

    Examples:
        >>> import io
        >>> ledger = io.StringIO("id,timestamp,kind,asset,quantity,amount\\n"
        ...                      "b1,2025-05-01T10:00:00+08:00,acquisition,BTC,2,1000000\\n"
        ...                      "s1,2025-09-01T10:00:00+08:00,disposal,BTC,1,650000\\n")
        >>> profile = {"taxpayer": {"kind": "corporation", "name": "Harbour Ltd"}, "assets": [{"symbol": "BTC"}]}
        >>> comparison = compare_csv(ledger, profile, file="ledger.csv")
        >>> comparison  # a plain corporation: the proposed extension changes nothing
        <Comparison 'Harbour Ltd' years=[2025/26] differences=0>
    """
    scenario, matched = ledger_csv(source, profile, file=file, default_tz=default_tz, allow_files=allow_files,
                                   state=state)
    return compare(scenario, years, extension_first_year=extension_first_year, params=params, matched=matched,
                   law_settings=law_settings, state=state)


@_gc_paused
@isolated
def compare_rows(rows: Iterable[Mapping[str, Any] | Sequence[Any]], profile: str | Path | Mapping[str, Any],
                 years: Any = None, *, columns: Sequence[str] | None = None, extension_first_year: str = "2025/26",
                 params: ParamStore | None = None, file: str = "<rows>",
                 law_settings: Mapping[str, Any] | None = None, state: YearState | None = None) -> Comparison:
    """:func:`compare` for rows already in memory (see :func:`hkvatax.engine.ledger_rows`).

    Examples:
        >>> rows = [("b1", "2025-05-01T10:00:00+08:00", "acquisition", "BTC", "2", "1000000"),
        ...         ("s1", "2025-09-01T10:00:00+08:00", "disposal", "BTC", "1", "650000")]
        >>> profile = {"taxpayer": {"kind": "corporation", "name": "Harbour Ltd"}, "assets": [{"symbol": "BTC"}]}
        >>> comparison = compare_rows(rows, profile, columns=("id", "timestamp", "kind", "asset", "quantity", "amount"))
        >>> comparison.baseline["2025/26"].tax_payable, comparison.differences
        (Decimal('9375'), ())
    """
    scenario, matched = ledger_rows(rows, profile, columns=columns, file=file, state=state)
    return compare(scenario, years, extension_first_year=extension_first_year, params=params, matched=matched,
                   law_settings=law_settings, state=state)
