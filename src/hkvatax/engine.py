"""The engine: runs the stages in order for a taxpayer, its events and years of assessment.

    input models → ledger (lot matching) → classification (character, source, lines)
                 → regime (profits tax baseline; UFE / FIHV, with or without the VA extension)
                 → assessment (losses, rates, reduction, rounding) → trace

No I/O, no clock, no global state: the same inputs give the same outcome.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal

from .errors import ArgumentError, InputError, InvariantError, Problem
from .io.csvtable import RowsInvalid, _Reader, read_tables, read_text, rows_table
from .io.files import AllowFiles
from .io.loaders import load_csv_ledger, name_csv_columns, profile_scenario
from .ledger import LedgerResult, scenario_options
from .ledger.aggregate import LedgerAggregates, aggregate
from .ledger.core import NIL_BASIS_TYPES, Core, Records, inferred_note, start, year_bounds
from .ledger.results import DisposalRecord, PoolSnapshot
from .models.scenario import Scenario
from .models.state import YearState
from .models.table import KIND_CODES, RANK, EventTable, epoch_us
from .models.taxpayers import FamilyOffice, Individual, PrivateFund
from .money import exact_context, fmt_exact, fmt_hkd, isolated
from .periods import YearEnd, YearOfAssessment, parse_year_range
from .rules.classification import CharacterDecision, LedgerStats, build_lines, decide_character, ledger_stats
from .rules.extension import A_EXT_FIRST_YEAR, extension_in_force
from .rules.lines import ConditionResult, ProfitLine, RegimeResult
from .rules.params import ParamStore, default_params
from .rules.profits_tax import (
    apportion_outgoings,
    baseline_treatment,
    basis_period,
    charge_at_rates,
    individual_investor_note,
    losses,
    losses_bf,
    losses_cf,
    net_profit,
    not_assessed_reason,
    one_off_reduction,
    round_assessable,
    round_tax,
    salaries_tax_items,
    sum_lines,
    tax_payable,
)
from .rules.registry import Figure, RuleContext
from .runtime import gc_paused as _gc_paused
from .trace import Assumption, Node, Trace, Tracer

if TYPE_CHECKING:
    from .explain import Explanation

__all__ = ["assess", "assess_csv", "assess_rows", "ledger_csv", "ledger_rows", "ledger_scenario", "match_scenario",
           "further_problems", "Matched", "Years", "VIEWS", "Assessment", "YearAssessment", "BranchAssessment", "FIGURE_ORDER",
           "REGIMES"]

ZERO = Decimal(0)
REGIMES = ("baseline", "va_extension")

#: The figures of a year's statement, in the order they are shown.
FIGURE_ORDER: tuple[str, ...] = (
    "capital_gains", "offshore_profits", "revenue_disposal_profits", "business_receipts", "other_income",
    "deductions", "exempt_profits", "net_profit", "losses_brought_forward", "losses_set_off",
    "assessable_profits", "losses_carried_forward", "tax_at_rates", "tax_charged", "one_off_reduction",
    "tax_payable", "salaries_tax_items",
)

A_EXTENSION_YEAR = "A-EXT-FIRST-YEAR"

#: Builds an assessment's explanation; set by :mod:`hkvatax.explain` when it is imported (the engine does
#: not import what renders it: data flows one way).
EXPLAINER: Callable[..., Any] | None = None

#: Writes an assessment's explanation as a JSON stream (:meth:`Assessment.write_json`); set by
#: :mod:`hkvatax.explain` like :data:`EXPLAINER`.
JSON_WRITER: Callable[..., None] | None = None

#: Views of an assessment (``frames``, ``waterfall``, ``year_html``), set by :mod:`hkvatax.render` when it is
#: imported: like the explainer, the engine imports no renderer.
VIEWS: dict[str, Callable[..., Any]] = {}


def _view(name: str) -> Callable[..., Any]:
    view = VIEWS.get(name)
    if view is None:  # pragma: no cover - hkvatax/__init__ imports the renderers
        raise ImportError(f"the {name!r} view is registered by hkvatax.render; import hkvatax first")
    return view

#: The years argument of :func:`assess` and :func:`hkvatax.compare`: one year, a range, a list, or None (all).
Years = str | int | YearOfAssessment | Iterable[str | int | YearOfAssessment] | None


@dataclass(frozen=True)
class BranchAssessment:
    """The computation for one year under one character (both are shown when it is indeterminate).

    Examples:
        >>> from hkvatax.examples import example_path
        >>> from hkvatax.io import load_scenario
        >>> outcome = assess(load_scenario(example_path("corporation")), "2025/26")
        >>> branch = outcome["2025/26"].result
        >>> branch.character, branch["net_profit"] == branch.assessable_profits, branch.tax_payable
        ('revenue', True, Decimal('150045'))
    """

    year: YearOfAssessment
    character: Literal["capital", "revenue"]
    figures: dict[str, Figure]
    lines: tuple[ProfitLine, ...]
    regime: RegimeResult
    concession: RegimeResult | None
    notes: tuple[str, ...] = ()

    @property
    def conditions(self) -> tuple[ConditionResult, ...]:
        """The concession's eligibility conditions (met / failed / unknown), if a concession applies."""
        return self.concession.conditions if self.concession else ()

    @property
    def deemed_profits(self) -> dict[str, Figure]:
        """UFE anti-round-tripping: deemed assessable profits of resident investors (not the fund's own)."""
        if self.concession is None:
            return {}
        return {k[len("deemed["):-1]: v for k, v in self.concession.extra.items() if k.startswith("deemed[")}

    def __getitem__(self, name: str) -> Decimal:
        found = self.figures.get(name)
        if found is None:  # an ArgumentError naming the figures there are, never a bare KeyError
            raise ArgumentError("figure", f"{name!r} is not a figure of this computation",
                                f"one of {', '.join(self.figures)}")
        value = found.value
        assert isinstance(value, Decimal)
        return value

    @property
    def tax_payable(self) -> Decimal:
        return self["tax_payable"]

    def __repr__(self) -> str:
        return (f"<BranchAssessment {self.year.label} {self.character} tax_payable={fmt_hkd(self.tax_payable)} "
                f"assessable_profits={fmt_hkd(self.assessable_profits)}>")

    def to_flat(self) -> dict[str, Decimal]:
        """``{figure: value}`` of this computation (HKD, exact)."""
        return {k: f.value for k, f in self.figures.items() if isinstance(f.value, Decimal)}

    @property
    def assessable_profits(self) -> Decimal:
        return self["assessable_profits"]

    @property
    def losses_carried_forward(self) -> Decimal:
        return self["losses_carried_forward"]


@dataclass(frozen=True)
class YearAssessment:
    """One year of assessment: the character decision and the computation (or both branches).

    A year before the first year the parameter tables cover has status ``"not_assessed"``: no decision, no
    branches, and ``reason`` says why (its events still went through the ledger; decision 0120).

    Examples:
        >>> from hkvatax.examples import example_path
        >>> from hkvatax.io import load_scenario
        >>> outcome = assess(load_scenario(example_path("corporation")), "2025/26")
        >>> year = outcome["2025/26"]
        >>> year.status, year.decision.character, year.assessable_profits
        ('determined', 'revenue', Decimal('1855100'))
    """

    year: YearOfAssessment
    status: Literal["determined", "indeterminate", "not_assessed"]
    decision: CharacterDecision | None
    branches: dict[str, BranchAssessment]
    missing_facts: tuple[str, ...] = ()
    reason: str | None = None

    @property
    def result(self) -> BranchAssessment | None:
        """The computation, or None when the character is indeterminate (see ``branches``) or not assessed."""
        if self.status != "determined":
            return None
        return next(iter(self.branches.values()))

    def _get(self, name: str) -> Decimal | None:
        r = self.result
        return None if r is None else r[name]

    @property
    def tax_payable(self) -> Decimal | None:
        return self._get("tax_payable")

    @property
    def assessable_profits(self) -> Decimal | None:
        return self._get("assessable_profits")

    @property
    def losses_carried_forward(self) -> Decimal | None:
        return self._get("losses_carried_forward")

    @property
    def exempt_profits(self) -> Decimal | None:
        return self._get("exempt_profits")

    def __repr__(self) -> str:
        if self.status == "not_assessed":
            return f"<YearAssessment {self.year.label} not_assessed>"
        if self.result is None or self.decision is None:
            return (f"<YearAssessment {self.year.label} indeterminate branches=[{', '.join(self.branches)}] "
                    f"missing={list(self.missing_facts)}>")
        return (f"<YearAssessment {self.year.label} {self.decision.character} "
                f"tax_payable={fmt_hkd(self.tax_payable)} assessable_profits={fmt_hkd(self.assessable_profits)}>")

    def _repr_html_(self) -> str:
        return str(_view("year_html")(self))


@dataclass(frozen=True)
class Assessment:
    """What :func:`assess` returns: per year figures, the ledger, and the trace that explains them.

    Examples:
        >>> from hkvatax.examples import example_path
        >>> from hkvatax.io import load_scenario
        >>> outcome = assess(load_scenario(example_path("corporation")), "2025/26")
        >>> outcome
        <Assessment 'Harbour Digital Ltd' regime=baseline tax_payable={2025/26: 150,045.00}>
        >>> outcome["2025/26"].tax_payable, outcome.to_flat()["2025/26"]["net_profit"]
        (Decimal('150045'), '1855100')
        >>> outcome.explain("2025/26").to_dict()["schema"]
        'hkvatax.explanation/1'
    """

    scenario: Scenario
    regime: str
    years: dict[str, YearAssessment]
    ledger: LedgerResult | None
    trace: Trace
    settings: dict[str, Any] = field(default_factory=dict)
    aggregates: LedgerAggregates | None = None
    matched: Matched | None = field(default=None, repr=False)
    basis: str = "market_value"

    def full_ledger(self) -> LedgerResult | None:
        """Every disposal and fragment of the ledger assessed (kept, or matched again on request).

        Examples:
            >>> from hkvatax.examples import example_path
            >>> from hkvatax.io import load_scenario
            >>> outcome = assess(load_scenario(example_path("corporation")), "2025/26")
            >>> outcome.full_ledger()  # matched again: the assessment kept only the ledger's sums
            <LedgerResult events=7 disposals=2 lots=2 receipts=0 years=[2024/25, 2025/26]>
        """
        if self.ledger is not None:
            return self.ledger
        return None if self.matched is None else self.matched.records(self.basis)

    def each_disposal(self, visit: Callable[[DisposalRecord], None]) -> bool:
        """Hand every disposal record (with its fragments) to ``visit``, in ledger order, without keeping
        them: from the ledger kept, else the ledger matched again with its records streamed. False when the
        assessment was made from aggregates alone (no records to give).

        Examples:
            >>> from hkvatax.examples import example_path
            >>> from hkvatax.io import load_scenario
            >>> outcome = assess(load_scenario(example_path("corporation")), "2025/26")
            >>> seen = []
            >>> outcome.each_disposal(lambda d: seen.append((d.disposal_id, d.year.label)))
            True
            >>> seen
            [('co-2', '2024/25'), ('co-4', '2025/26')]
        """
        if self.ledger is not None:
            for d in self.ledger.disposals:
                visit(d)
            return True
        return self.matched is not None and self.matched.each_disposal(self.basis, visit)

    def __getitem__(self, year: str | int | YearOfAssessment) -> YearAssessment:
        label = YearOfAssessment.parse(year).label
        found = self.years.get(label)
        if found is None:  # an ArgumentError naming the years there are, never a bare KeyError
            raise ArgumentError("year", f"{label} is not a year of this assessment",
                                f"assessed years: {', '.join(self.years) or 'none'}")
        return found

    @property
    def taxpayer_name(self) -> str:
        return self.scenario.taxpayer.name

    def explain(self, year: str | YearOfAssessment | None = None, *, detail: str = "summary") -> Explanation:
        """The explanation of ``year`` (all years if None) at ``detail`` summary / per_asset / full.

        Examples:
            >>> from hkvatax.examples import example_path
            >>> from hkvatax.io import load_scenario
            >>> outcome = assess(load_scenario(example_path("corporation")), "2025/26")
            >>> explanation = outcome.explain("2025/26", detail="per_asset")
            >>> explanation.detail, [y["year"] for y in explanation.years]
            ('per_asset', ['2025/26'])
            >>> outcome.explain("2031/32")
            Traceback (most recent call last):
                ...
            hkvatax.errors.ArgumentError: year: 2031/32 is not a year of this assessment (assessed years: 2025/26)
        """
        assert EXPLAINER is not None, "hkvatax.explain registers the explainer when hkvatax is imported"
        explanation: Explanation = EXPLAINER(self, year=year, detail=detail)
        return explanation

    def _repr_html_(self) -> str:
        return self.explain().to_html()

    def __repr__(self) -> str:
        years = ", ".join(f"{k}: {v.status if v.result is None else fmt_hkd(v.tax_payable)}"
                          for k, v in self.years.items())
        return f"<Assessment {self.taxpayer_name!r} regime={self.regime} tax_payable={{{years}}}>"

    def to_json(self, *, detail: str = "summary") -> str:
        """The explanation's JSON (``explain(detail=detail).to_json()``): schema ``hkvatax.explanation/1``.

        Examples:
            >>> from hkvatax.examples import example_path
            >>> from hkvatax.io import load_scenario
            >>> outcome = assess(load_scenario(example_path("corporation")), "2025/26")
            >>> import json
            >>> json.loads(outcome.to_json())["schema"]
            'hkvatax.explanation/1'
        """

        return self.explain(detail=detail).to_json()

    def write_json(self, fp: IO[str], *, detail: str = "summary", year: str | YearOfAssessment | None = None,
                   indent: int | None = 2) -> None:
        """Write the explanation's JSON to the text file ``fp`` as a stream: the same text as
        ``explain(year, detail=detail).to_json()`` (``indent=None``: as ``json.dumps(...to_dict(),
        sort_keys=True)``), but at ``detail="full"`` the node of every disposal and lot fragment is written
        as the ledger is matched again, never all held at once (docs/decisions/0170-streamed-full-json.md).

        Examples:
            >>> from hkvatax.examples import example_path
            >>> from hkvatax.io import load_scenario
            >>> outcome = assess(load_scenario(example_path("corporation")), "2025/26")
            >>> import io, json
            >>> out = io.StringIO()
            >>> outcome.write_json(out, indent=None)
            >>> json.loads(out.getvalue()) == outcome.explain().to_dict()
            True
        """
        assert JSON_WRITER is not None, "hkvatax.explain registers the writer when hkvatax is imported"
        JSON_WRITER(self, fp, year=year, detail=detail, indent=indent)

    def to_frames(self) -> dict[str, Any]:
        """pandas DataFrames (the ``pandas`` extra): ``statements``, ``conditions`` and, when the ledger is
        kept, ``disposals``, ``fragments`` and ``pools``. Dtypes: docs/notebooks.md.

        Examples:
            >>> from hkvatax.examples import example_path
            >>> from hkvatax.io import load_scenario
            >>> outcome = assess(load_scenario(example_path("corporation")), "2025/26")
            >>> sorted(outcome.to_frames())
            ['conditions', 'disposals', 'fragments', 'pools', 'statements']
        """
        frames: dict[str, Any] = _view("frames")(self)
        return frames

    def to_pandas(self) -> Any:
        """The statements as one DataFrame (year, branch, figure, label, value, status, rule_id, node).

        Examples:
            >>> from hkvatax.examples import example_path
            >>> from hkvatax.io import load_scenario
            >>> outcome = assess(load_scenario(example_path("corporation")), "2025/26")
            >>> statements = outcome.to_pandas()
            >>> statements[statements.figure == "tax_payable"].value.tolist()
            [Decimal('150045')]
        """
        return self.to_frames()["statements"]

    def plot_waterfall(self, year: str | YearOfAssessment, ax: Any = None) -> Any:
        """A waterfall from profits to tax for ``year`` (the ``charts`` extra); returns the matplotlib axes.

        Examples:
            >>> import matplotlib
            >>> matplotlib.use("Agg")
            >>> from hkvatax.examples import example_path
            >>> from hkvatax.io import load_scenario
            >>> outcome = assess(load_scenario(example_path("corporation")), "2025/26")
            >>> outcome.plot_waterfall("2025/26").get_title()
            '2025/26 (revenue): from profits to tax'
        """
        ya = self[year]
        branch = ya.result or next(iter(ya.branches.values()), None)
        if branch is None:
            raise ArgumentError("year", f"{ya.year.label} was not assessed: {ya.reason}", "choose an assessed year")
        return _view("waterfall")(branch, ax)

    @isolated
    def to_flat(self) -> dict[str, dict[str, str | None]]:
        """The flat result ``{year: {figure: value}}`` a backend reads without walking the trace.

        Values are normalised exact decimal strings (``None`` where the year is indeterminate: its branches
        are under ``"<year>~capital"`` and ``"<year>~revenue"``; a year not assessed maps to ``{}``).
        Schema: ``docs/schemas/flat.schema.json``.

        Examples:
            >>> from hkvatax.examples import example_path
            >>> from hkvatax.io import load_scenario
            >>> outcome = assess(load_scenario(example_path("corporation")), "2025/26")
            >>> flat = outcome.to_flat()
            >>> flat["2025/26"]["tax_payable"], flat["2025/26"]["net_profit"]
            ('150045', '1855100')
        """
        out: dict[str, dict[str, str | None]] = {}
        for label, ya in self.years.items():
            if ya.result is not None:
                out[label] = {k: fmt_exact(v) for k, v in ya.result.to_flat().items()}
                continue
            if not ya.branches:  # not assessed (before the parameter tables): no figures
                out[label] = {}
                continue
            out[label] = {k: None for k in next(iter(ya.branches.values())).figures}
            for name, b in ya.branches.items():
                out[f"{label}~{name}"] = {k: fmt_exact(v) for k, v in b.to_flat().items()}
        return out

    def depends_on_proposed_law(self) -> bool:
        """Whether any figure rests on a rule whose status is *proposed* (a Bill or a Budget measure, not yet law).

        Examples:
            >>> from hkvatax.examples import example_path
            >>> from hkvatax.io import load_scenario
            >>> outcome = assess(load_scenario(example_path("corporation")), "2025/26")
            >>> outcome.depends_on_proposed_law(), outcome.trace.proposed_rules[:1]
            (True, ('pt.reduction.one_off',))
        """

        return bool(self.trace.proposed_rules)


# ------------------------------------------------------------------------------------ the ledger, once
class _Unordered(Exception):
    """A chunk does not lie wholly after the one before it, or (no assets declared) uses as an asset a code an
    earlier chunk used as a currency: match the whole input at once instead."""


@dataclass
class Matched:
    """A ledger matched once: its aggregates by receipt cost basis — one, or both ``market_value`` and
    ``nil`` when the basis depends on the character the rules decide (docs/decisions/0032-one-core.md) —
    and the records, kept or re-made on request (``detail="full"``)."""

    by_basis: dict[str, LedgerAggregates]
    results: dict[str, LedgerResult] = field(default_factory=dict)
    #: match again with ``records`` (True: kept; a function: each disposal handed to it, none kept)
    remake: Callable[[str, Records], LedgerResult] | None = None

    def records(self, basis: str) -> LedgerResult | None:
        found = self.results.get(basis)
        if found is None and self.remake is not None:
            found = self.results[basis] = self.remake(basis, True)
        return found

    def each_disposal(self, basis: str, visit: Callable[[DisposalRecord], None]) -> bool:
        """Hand every disposal record to ``visit`` in ledger order — from the records kept, else matched
        again with the records streamed (none kept: a million disposals never exist at once). False when
        there are no records to give (an assessment made from aggregates)."""
        found = self.results.get(basis)
        if found is not None:
            for d in found.disposals:
                visit(d)
            return True
        if self.remake is None:
            return False
        self.remake(basis, visit)
        return True


@dataclass
class _Order:
    """What the matches of one input have learnt of its order (see :func:`_match`)."""

    unordered: bool = False


def _key(t: EventTable, i: int) -> tuple[int, int, str]:
    return t.us[i], RANK[t.kinds[i]], t.ids[i]


def _match(scenario: Scenario, tables: Callable[[], Iterable[EventTable]], *, possible_nil: bool,
           records: Records = False, bases: tuple[str, ...] | None = None, learnt: _Order | None = None,
           state: YearState | None = None) -> dict[str, tuple[LedgerAggregates, LedgerResult | None]]:
    """Match the tables ``tables()`` yields (chunks of one input, in order) once, for each receipt cost
    basis needed; a chunk out of order, or (no assets declared) a token first seen after an earlier chunk
    used its code as a currency, make it match the whole input at once (see :func:`_stream`).

    ``learnt`` remembers, across the matches of one input, that its chunks were out of order: a match that
    streams its disposal records (``records`` a function) then goes straight to the whole input, and never
    hands on a disposal that a restart would hand on again.

    ``state``: start from a closing state (its pools, not the scenario's opening lots; the events up to its
    close are skipped, checked to end as the state's did; its receipt cost basis kept)."""
    fixed = scenario.settings.receipt_cost_basis if state is None else state_basis(scenario, state)
    if bases is None:
        business = _decided(scenario)
        if fixed:
            bases = (fixed,)
        elif possible_nil and business is None:
            bases = ("market_value", "nil")
        else:  # (a capital holder's receipts cost nil; without such receipts the two bases are the same)
            bases = ("nil",) if possible_nil and business is False else ("market_value",)
    options = scenario_options(scenario)
    if state is not None:  # the state's pools replace the opening lots (their assets are tokens)
        options["opening"] = state_pools(state)
    basis = bases[0] if len(bases) == 1 else "both"  # both: one core carries the nil-basis costs beside
    skip = _Skip(scenario, state) if state is not None else None
    try:
        core: Core | None = None
        if not (learnt is not None and learnt.unordered):
            handed = [0]
            fed: Records = records
            if callable(records):
                visit = records

                def fed(d: DisposalRecord) -> None:
                    handed[0] += 1
                    visit(d)
            try:
                core = _stream(options, basis, tables, fed, skip)
            except _Unordered:
                core = None
                if learnt is not None:
                    learnt.unordered = True
                if handed[0]:
                    raise InvariantError("a streamed match found it must match the whole input at once after "
                                         "handing on disposals; match it once first (ledger_csv, ledger_rows)"
                                         ) from None
        if core is None:
            whole = EventTable.concat(list(tables()))
            core = start(whole.symbols() if not options["assets"] else None,
                         **{**options, "receipt_cost_basis": basis, "records": records}, has_events=len(whole) > 0)
            order = whole.order() if skip is None else skip.filter(whole, whole.order())
            _open(core, skip, whole.us[order[0]] if order else None)
            core.feed(whole, order)
            if skip is not None:
                skip.check()
        agg, result = core.finish()
    except InputError as exc:
        raise name_csv_columns(exc) from None
    if basis != "both":
        return {basis: (agg, result)}
    assert core.nil_aggregates is not None
    return {"market_value": (agg, result), "nil": (core.nil_aggregates, None)}



def _matched(scenario: Scenario, tables: Callable[[], Iterable[EventTable]],
             found: dict[str, tuple[LedgerAggregates, LedgerResult | None]], *, learnt: _Order | None,
             state: YearState | None) -> Matched:
    """The one match's aggregates and records, with the way to match again for one basis's full records."""

    def remake(basis: str, records: Records = True) -> LedgerResult:
        result = _match(scenario, tables, possible_nil=False, records=records, bases=(basis,), learnt=learnt,
                        state=state)[basis][1]
        assert result is not None
        return result

    return Matched({b: agg for b, (agg, _) in found.items()},
                   {b: r for b, (_, r) in found.items() if r is not None}, remake)

def _stream(options: dict[str, Any], basis: str, tables: Callable[[], Iterable[EventTable]],
            records: Records, skip: _Skip | None = None) -> Core:
    """A core fed the tables as they come (each after the one before), not yet finished.

    With no assets declared, every symbol used as an asset anywhere in the input is a token (the ledger's rule):
    each table's symbols are taken as tokens before it is fed, which gives the same run as knowing them all
    at the start unless a symbol first used as an asset here was used as a fiat currency (of an amount or a
    fee) by an earlier table; then ``_Unordered``: the whole input is matched at once (decision 0200)."""
    infer = not options["assets"]
    core = start(None, **{**options, "receipt_cost_basis": basis, "records": records}, has_events=not infer)
    symbols: set[str] = set()  # (infer) the symbols of the tables so far
    as_fiat: set[str] = set()  # (infer) the codes an earlier table used as a currency while not a token
    last: tuple[int, int, str] | None = None
    opened = False
    for t in tables():
        if not len(t):
            continue
        if infer:
            found = t.symbols()
            new = found - core.tokens
            if new and not new.isdisjoint(as_fiat):
                raise _Unordered
            core.tokens |= new
            symbols |= found
        order = t.order()
        if last is not None and _key(t, order[0]) <= last:
            raise _Unordered
        last = _key(t, order[-1])
        if skip is not None:
            order = skip.filter(t, order)
        if not opened and order:
            _open(core, skip, t.us[order[0]])
            opened = True
        core.feed(t, order)
        if infer:
            as_fiat |= t.currency_codes() - core.tokens
    if not opened:
        _open(core, skip, None)
    if skip is not None:
        skip.check()
    if infer and last is not None:  # (as start() notes it for a whole input with events)
        core.notes.insert(0, inferred_note(symbols | {s.asset for s in core.opening}))
    return core


def _open(core: Core, skip: _Skip | None, first_us: int | None) -> None:
    """Put the opening pools in place: the scenario's opening lots, or a closing state's pools."""
    if skip is None:
        core.open(core.opening, first_us)
        return
    state = skip.state
    snaps = state_pools(state)
    core.tokens.update(e.asset for e in state.empty_pools)  # (held before the close: tokens, as in one run)
    if state.pools_year is None or state.method is None:  # the state holds the opening lots as given
        core.open(snaps, first_us)
    else:
        core.resume(snaps, YearOfAssessment.parse(state.pools_year), state.method, first_us,
                    [lot.held_from_us for lot in state.pools],
                    [(e.asset, e.wallet, e.quantity) for e in state.empty_pools])


def state_pools(state: YearState) -> list[PoolSnapshot]:
    """A state's pools as the ledger's snapshots, in their order."""
    return [PoolSnapshot(lot.asset, lot.wallet, lot.lot_id, lot.acquired_at, lot.quantity, lot.cost_hkd,
                         lot.time_weight) for lot in state.pools]


def state_end_us(scenario: Scenario, state: YearState) -> int:
    """The first instant after the basis period of the year a state closes (µs since the epoch)."""
    tp = scenario.taxpayer
    return year_end_us(YearEnd(tp.accounting_year_end_month, tp.accounting_year_end_day),
                       YearOfAssessment.parse(state.year))


def year_end_us(year_end: YearEnd, year: YearOfAssessment) -> int:
    """The first instant after ``year``'s basis period (µs since the epoch)."""
    _, last = year_end.basis_period(year)
    _, _, hi = year_bounds(year_end, _day_us(last))
    return hi


def _day_us(day: Any) -> int:
    from datetime import datetime

    from .periods import HKT

    return epoch_us(datetime(day.year, day.month, day.day, 12, tzinfo=HKT))


def _mismatch(message: str, suggestion: str) -> InputError:
    from .errors import SourceRef

    return InputError([Problem("state_mismatch", message, SourceRef(path="state"), None, suggestion)])


def state_basis(scenario: Scenario, state: YearState) -> str:
    """Check that ``state`` fits ``scenario``'s taxpayer and settings; the receipt cost basis to keep."""
    tp = scenario.taxpayer
    if (tp.accounting_year_end_month, tp.accounting_year_end_day) != (state.accounting_year_end_month,
                                                                      state.accounting_year_end_day):
        raise _mismatch(f"the state was closed with the accounting year ending "
                        f"{state.accounting_year_end_day:02d}/{state.accounting_year_end_month:02d}, the profile ends "
                        f"it {tp.accounting_year_end_day:02d}/{tp.accounting_year_end_month:02d}",
                        "use the profile the state was closed with")
    if tp.per_wallet_pools != state.per_wallet_pools:
        raise _mismatch(f"the state's pools are {'per wallet' if state.per_wallet_pools else 'per asset'}, the "
                        f"profile's {'per wallet' if tp.per_wallet_pools else 'per asset'}",
                        "use the profile the state was closed with")
    from .ledger import method_schedule

    method_for = method_schedule(tp.methods)
    if state.pools_year is not None and state.method is not None:
        up_to = YearOfAssessment.parse(state.pools_year)
        if method_for(up_to) is not state.method:
            raise _mismatch(f"the state's pools are held under {state.method.value} in {up_to.label}; the profile "
                            f"elects {method_for(up_to).value} for that year",
                            "keep the elections of the years closed; a new election names a later from_year")
    fixed = scenario.settings.receipt_cost_basis
    if fixed is not None and fixed != state.receipt_cost_basis:
        raise _mismatch(f"the state's pools are costed with receipt_cost_basis {state.receipt_cost_basis}, the "
                        f"profile sets {fixed}", "use the profile the state was closed with")
    return state.receipt_cost_basis


class _Skip:
    """The events up to a state's close: skipped (they are in the state), checked to end with its last event."""

    def __init__(self, scenario: Scenario, state: YearState) -> None:
        self.state = state
        self.end_us = state_end_us(scenario, state)
        self.last: tuple[int, int, str] | None = None
        self.count = 0

    def filter(self, t: EventTable, order: Sequence[int]) -> list[int]:
        end = self.end_us
        us = t.us
        kept = [i for i in order if us[i] >= end]
        skipped = len(order) - len(kept)
        if skipped:
            self.count += skipped
            last = max((i for i in order if us[i] < end), key=lambda i: _key(t, i))
            key = _key(t, last)
            if self.last is None or key > self.last:
                self.last = key
        return kept

    def check(self) -> None:
        if not self.count:
            return
        mark = self.state.last_event
        if mark is None or self.last is None or self.last != (epoch_us(mark.timestamp), RANK[_kind_code(mark.kind)],
                                                              mark.id):
            raise _mismatch(
                f"the ledger has {self.count} event(s) up to the end of {self.state.year}, which the state already "
                "holds, but they do not end with the state's last event"
                + (f" ({mark.id} at {mark.timestamp.isoformat()})" if mark is not None else " (the state has none)"),
                "give the ledger the state was closed from, or only the events after the close")


def _kind_code(name: str) -> int:
    code = KIND_CODES.get(name)
    if code is not None:
        return code
    raise _mismatch(f"the state's last event has the kind {name!r}, which hkvatax does not know",
                    "close the year again with this version of hkvatax")


def _decided(scenario: Scenario) -> bool | None:
    """Whether the facts alone make every year revenue (True) or capital (False) — a character override or a
    stated business, which the rules follow before any ledger figure — or None when the ledger decides."""
    tp = scenario.taxpayer
    if tp.character is not None:
        return tp.character.character.value == "revenue"
    stated = getattr(tp, "carries_on_business", None)
    return None if stated is None else bool(stated)


def _nil_possible(table: EventTable) -> bool:
    return any(s in NIL_BASIS_TYPES for s in set(table.subtype))


@_gc_paused
@isolated
def ledger_scenario(scenario: Scenario, *, records: bool = False, state: YearState | None = None) -> Matched:
    """The ledger of a scenario's own (pydantic) events, matched once (from a closing ``state``, if given)."""
    table = EventTable.from_events(scenario.events)
    found = _match(scenario, lambda: [table], possible_nil=_nil_possible(table), records=records, state=state)

    return _matched(scenario, lambda: [table], found, learnt=None, state=state)


@isolated
def match_scenario(scenario: Scenario, *, receipt_cost_basis: str | None = None,
                   state: YearState | None = None) -> LedgerResult:
    """Every disposal, fragment, lot and closing pool of a scenario's ledger (the full records), from a
    closing ``state`` if given (its receipt cost basis then applies).

    Examples:
        >>> from hkvatax.examples import example_path
        >>> from hkvatax.io import load_scenario
        >>> ledger = match_scenario(load_scenario(example_path("corporation")))
        >>> first = ledger.disposals[0]
        >>> first.asset, first.year.label, first.method
        ('BTC', '2024/25', 'weighted_average')
    """
    table = EventTable.from_events(scenario.events)
    basis = receipt_cost_basis or scenario.settings.receipt_cost_basis or (
        state.receipt_cost_basis if state is not None else "market_value")
    result = _match(scenario, lambda: [table], possible_nil=False, records=True, bases=(basis,),
                    state=state)[basis][1]
    assert result is not None
    return result


def further_problems(exc: InputError) -> tuple[Problem, ...]:
    """Problems the ledger finds in the rows of a file that *could* be read (duplicate ids, missing rates,
    oversells …), so that one report lists everything; empty when there is nothing more to check.

    An oversell found here may only follow from a row reported above (a purchase that could not be read).
    """
    if exc.partial is None or not exc.partial.events:
        return ()
    try:
        match_scenario(exc.partial)
    except InputError as more:
        return tuple(Problem(p.code, p.message + (" (this may follow from a row reported above)"
                                                  if p.code in {"oversell", "disposal_before_acquisition",
                                                                "unknown_lot"} else ""),
                             p.source, p.column, p.suggestion) for p in more.problems)
    return ()


CsvSource = str | Path | IO[str]


@_gc_paused
@isolated
def ledger_csv(source: CsvSource, profile: str | Path | Mapping[str, Any], *, file: str | None = None,
               records: bool = False, default_tz: str | None = None, chunk: int = 1_000,
               allow_files: AllowFiles = None, state: YearState | None = None) -> tuple[Scenario, Matched]:
    """A generic CSV ledger (a path, or an open text file such as an upload) with its profile, matched once
    while it is read in chunks. Raises :class:`~hkvatax.errors.InputError` with every problem. A file the
    profile names is read only inside the profile's folder or ``allow_files`` (:mod:`hkvatax.io.files`)."""
    if isinstance(source, (str, Path)):
        name = file or str(source)
        try:
            text = read_text(source)
        except (OSError, UnicodeDecodeError):
            load_csv_ledger(source, profile, default_tz=default_tz, allow_files=allow_files)  # reports bad_file
            raise
    else:
        name = file or getattr(source, "name", None) or "<csv>"
        text = source.read()
        if text.startswith("\ufeff"):
            text = text[1:]
    scenario, zone, problems = profile_scenario(profile, default_tz=default_tz, allow_files=allow_files)
    if problems:  # rates' and rows' problems
        load_csv_ledger(None, profile, text=text, file=name, default_tz=default_tz, allow_files=allow_files)
    possible_nil = scenario.settings.receipt_cost_basis is None and any(t in text for t in NIL_BASIS_TYPES)

    def tables() -> Iterator[EventTable]:
        return read_tables(text=text, file=name, default_tz=zone, chunk=chunk)

    learnt = _Order()

    try:
        found = _match(scenario, tables, possible_nil=possible_nil, records=records, learnt=learnt, state=state)
    except RowsInvalid:
        # the row reader reports every problem (as ledger_rows): no second route for a valid file (issue 15)
        load_csv_ledger(None, profile, text=text, file=name, default_tz=default_tz, allow_files=allow_files)
        raise AssertionError("the row reader found no problem in a file the table reader refused") from None

    return scenario, _matched(scenario, tables, found, learnt=learnt, state=state)


@_gc_paused
@isolated
def ledger_rows(rows: Iterable[Mapping[str, Any] | Sequence[Any]], profile: str | Path | Mapping[str, Any], *,
                columns: Sequence[str] | None = None, file: str = "<rows>",
                records: bool = False, chunk: int = 1_000, allow_files: AllowFiles = None,
                state: YearState | None = None) -> tuple[Scenario, Matched]:
    """Rows already in memory (dicts keyed by the generic CSV columns, or tuples in ``columns``' order —
    e.g. a database cursor's rows or a DataFrame's records) with a profile, validated column by column as
    a CSV file's rows are and matched once. Row numbers count from 1."""
    kept = rows if isinstance(rows, list) else list(rows)
    scenario, zone, problems = profile_scenario(profile, allow_files=allow_files)

    def tables() -> Iterator[EventTable]:
        return rows_table(kept, columns=columns, file=file, default_tz=zone, chunk=chunk)

    learnt = _Order()

    at = list(columns).index("subtype") if columns is not None and "subtype" in columns else None
    possible_nil = scenario.settings.receipt_cost_basis is None and any(
        (r.get("subtype") if isinstance(r, Mapping) else (r[at] if at is not None else None)) in NIL_BASIS_TYPES
        for r in kept)
    try:
        if problems:
            raise RowsInvalid
        found = _match(scenario, tables, possible_nil=possible_nil, records=records, learnt=learnt, state=state)
    except RowsInvalid:
        _report_rows(kept, columns, file, profile, allow_files)
        raise AssertionError("the row reader found no problem in rows the table reader refused") from None

    return scenario, _matched(scenario, tables, found, learnt=learnt, state=state)


@_gc_paused
@isolated
def _ledger_columns(cells: Mapping[str, Sequence[str]], profile: str | Path | Mapping[str, Any], *,
                    file: str = "<rows>", records: bool = False, chunk: int = 1_000, allow_files: AllowFiles = None
                    ) -> tuple[Scenario, Matched]:
    """:func:`ledger_rows` for a ledger held column by column — ``{column: cells}``, every cell a string ("" for
    an empty one), as the batch holds a bucket's rows — handed to the column-wise reader as they are, without
    making a tuple per row and taking them apart again (decision 0183). The same result as ``ledger_rows`` of
    the same rows; any problem (or a cell the bulk reader cannot take) is reported by ``ledger_rows`` itself."""
    header = list(cells)
    data = [cells[h] for h in header]
    n = len(data[0]) if data else 0
    if any(len(c) != n for c in data):
        raise ValueError("the columns of a ledger must have the same number of cells")

    def as_rows() -> tuple[Scenario, Matched]:
        return ledger_rows(list(zip(*data, strict=True)), profile, columns=header, file=file, records=records,
                           chunk=chunk, allow_files=allow_files)

    scenario, zone, problems = profile_scenario(profile, allow_files=allow_files)
    if problems:
        return as_rows()

    def tables() -> Iterator[EventTable]:  # as rows_table reads the same rows, chunk by chunk
        if not n:
            return
        reader = _Reader(header, file, zone)
        for first in range(0, n, chunk):
            m = min(chunk, n - first)
            table = reader.chunk(first + 1, m, [c[first:first + m] if isinstance(c, list) else list(c[first:first + m])
                                                for c in data])
            if not reader.invalid:
                yield table
        if reader.invalid:
            raise RowsInvalid

    learnt = _Order()
    possible_nil = scenario.settings.receipt_cost_basis is None and "subtype" in cells and any(
        c in NIL_BASIS_TYPES for c in cells["subtype"])
    try:
        found = _match(scenario, tables, possible_nil=possible_nil, records=records, learnt=learnt)
    except RowsInvalid:
        return as_rows()

    return scenario, _matched(scenario, tables, found, learnt=learnt, state=None)


def _report_rows(rows: list[Any], columns: Sequence[str] | None, file: str,
                 profile: str | Path | Mapping[str, Any], allow_files: AllowFiles = None) -> None:
    """Raise the row reader's report for in-memory rows (floats named as ``float_money``)."""
    out = io.StringIO()
    import csv

    problems: list[Problem] = []
    header = list(columns) if columns is not None else list(dict.fromkeys(k for r in rows for k in r))
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    from .errors import SourceRef

    for n, row in enumerate(rows, start=2):
        values = [row.get(h) for h in header] if isinstance(row, Mapping) else list(row)
        cells = []
        for h, v in zip(header, values, strict=False):
            if isinstance(v, float) or isinstance(v, bool):
                problems.append(Problem("float_money" if isinstance(v, float) else "invalid_field",
                                        f"{v!r} refused: give numbers as strings, ints or Decimals",
                                        SourceRef(file=file, row=n - 1), h))
                cells.append("")
            else:
                cells.append("" if v is None else str(v))
        writer.writerow(cells)
    try:
        load_csv_ledger(None, profile, text=out.getvalue(), file=file, allow_files=allow_files)
    except InputError as exc:
        shifted = [Problem(p.code, p.message, SourceRef(p.source.file, None if p.source.row is None
                                                        else p.source.row - 1, p.source.path), p.column,
                           p.suggestion) for p in exc.problems]
        raise InputError(problems + shifted, partial=_shifted_partial(exc.partial)) from None
    if problems:
        raise InputError(problems)


def _shifted_partial(partial: Scenario | None) -> Scenario | None:
    """The rows that could be read, numbered as the rows given (from 1), not as the CSV rendering of them
    (header = 1): so that :func:`further_problems` names the same rows as the report."""
    if partial is None:
        return None
    from .errors import SourceRef

    events = tuple(e.model_copy(update={"source": SourceRef(e.source.file, e.source.row - 1, e.source.path)})
                   if e.source is not None and e.source.row is not None else e for e in partial.events)
    return partial.model_copy(update={"events": events})


def _lot_overrides(scenario: Scenario, state: YearState | None = None) -> bool:
    """Whether some lot carries a character override (its disposals are then split by matched lot)."""
    has_field: dict[type, bool] = {}  # (the kinds without the field: no attribute look-up that fails per event)
    for e in scenario.events:
        cls = type(e)
        has = has_field.get(cls)
        if has is None:
            has = has_field[cls] = "character" in getattr(cls, "model_fields", {"character": None})
        if has and getattr(e, "character", None) is not None:
            return True
    return state is not None and any(lot.character is not None for lot in state.pools)


def _with_state_lots(ledger: LedgerResult | None, state: YearState | None) -> LedgerResult | None:
    """The ledger the rules read lot overrides from: with a state's lots that carry a character override (the
    events that opened them are before the close)."""
    if ledger is None or state is None:
        return ledger
    from dataclasses import replace

    from .ledger.results import LotRecord

    year = YearOfAssessment.parse(state.year)
    carried = tuple(LotRecord(lot.lot_id, lot.lot_id, "state", lot.asset, lot.wallet, lot.acquired_at, year,
                              lot.quantity, lot.cost_hkd, ZERO, None, lot.character.value, lot.character_reason)
                    for lot in state.pools if lot.character is not None)
    return replace(ledger, lots=carried + ledger.lots) if carried else ledger


@dataclass(frozen=True)
class _Decided:
    """A year's character decided under the law in force while choosing the receipt cost basis (:func:`_basis`),
    with the trace nodes and assumptions that decision recorded, in order."""

    stats: LedgerStats
    decision: CharacterDecision
    nodes: tuple[Node, ...]
    assumptions: tuple[Assumption, ...]

    def same(self, stats: LedgerStats) -> bool:
        """Whether ``stats`` are these to the digit (then deciding again would record the very same nodes)."""
        return (stats.disposals == self.stats.disposals
                and repr(stats.mean_holding_days) == repr(self.stats.mean_holding_days))

    def replay(self, tracer: Tracer) -> CharacterDecision:
        """Record the decision in ``tracer`` as deciding it there would (its assumptions, then its nodes)."""
        for a in self.assumptions:
            tracer.assume(a)
        for node in self.nodes:
            tracer.add(node)
        return self.decision


def _basis(matched: Matched, scenario: Scenario, params: ParamStore, wanted: list[YearOfAssessment] | None,
           after: YearOfAssessment | None = None) -> tuple[str, LedgerAggregates, dict[int, _Decided]]:
    """The receipt cost basis and its aggregates: nil for tokens received (staking, airdrops …) by a holder
    whose every year is capital, else market value (decision 0013); both were matched in the one pass.

    Deciding the basis decides each year's character under the law in force (node ids ``baseline/…``); those
    decisions are returned by year, so that an assessment under the law in force records them instead of
    deciding each year twice, wherever the aggregates it assesses give the year the same ledger statistics
    (decision 0183): the rules that decide the character read only the year, the parameters, the taxpayer
    and those statistics."""
    if len(matched.by_basis) == 1:
        basis, agg = next(iter(matched.by_basis.items()))
        return basis, agg, {}
    agg = matched.by_basis["market_value"]
    if not any(key[1] in NIL_BASIS_TYPES for key in agg.receipts):
        return "market_value", agg, {}  # no receipt whose cost the basis changes: no need to decide
    span, _ = _year_range(agg, wanted, after)
    tp = scenario.taxpayer
    decided: dict[int, _Decided] = {}
    for y in span:  # until a year that is not capital (then market value, whatever the later years)
        scratch = Tracer()  # one a year: a year's decision uses no node of another year
        stats = ledger_stats(agg, y)
        decision = decide_character(RuleContext(y, params, scratch), tp, stats)
        decided[y.start_year] = _Decided(stats, decision, tuple(scratch.nodes.values()),
                                         tuple(scratch.assumptions.values()))
        if decision.character != "capital":
            return "market_value", agg, decided
    if decided:  # every year capital
        return "nil", matched.by_basis["nil"], decided  # used only where the nil basis's statistics are the same
    return "market_value", agg, decided


def _concession(ctx: RuleContext, tp: Any, lines: Sequence[ProfitLine], extension: bool,
                basis: tuple[Any, Any]) -> RegimeResult | None:
    """The fund or family-office regime for this taxpayer, if any (UFE: IRO ss.20AM-20AY; FIHV: Part 6E), or the
    carried-interest concession for a person receiving carried interest (Sch. 16D)."""
    if not isinstance(tp, (PrivateFund, FamilyOffice)) and tp.carried_interest:
        from .rules.carried_interest import carried_interest_regime

        return carried_interest_regime(ctx, tp.carried_interest, lines, extension=extension)
    if isinstance(tp, PrivateFund):
        try:
            from .rules.ufe import ufe_regime
        except ImportError:  # pragma: no cover - the module ships with the package
            return None
        return ufe_regime(ctx, tp, lines, extension=extension, basis_period=basis)
    if isinstance(tp, FamilyOffice):
        try:
            from .rules.fihv import fihv_regime
        except ImportError:  # pragma: no cover
            return None
        if not ctx.params.has("fihv.concessionary_rate", ctx.year):
            return None
        return fihv_regime(ctx, tp, lines, extension=extension)
    return None


def _state_carry(state: YearState, regime: str, ext_first: YearOfAssessment, wanted: list[YearOfAssessment] | None,
                 carry: dict[str, Decimal]) -> YearOfAssessment:
    """Fill ``carry`` with a closing state's losses for ``regime`` (none: the stated losses still apply, as
    stated); the year the state closes, after which the run starts."""
    closed = YearOfAssessment.parse(state.year)
    early = [y.label for y in wanted or () if y <= closed]
    if early:
        raise ArgumentError("year", f"{', '.join(early)} is closed in the state (it closes {closed.label}): a run "
                            "from the state assesses later years only", "assess those years without the state")
    if regime == "va_extension" and YearOfAssessment.parse(state.extension_first_year) != ext_first:
        raise _mismatch(f"the state's va_extension losses were computed with the extension from "
                        f"{state.extension_first_year}, this run assumes {ext_first.label}",
                        f"use --extension-first-year {state.extension_first_year}, or close the year again")
    losses = state.losses.get(regime)
    if losses is not None:
        carry["capital"] = losses.capital
        carry["revenue"] = losses.revenue
    return closed


def _not_assessed(y: YearOfAssessment, params: ParamStore) -> YearAssessment | None:
    """A year before the tables start: reported with its reason, never assessed, never failing later years."""
    reason = not_assessed_reason(params, y)
    return None if reason is None else YearAssessment(y, "not_assessed", None, {}, reason=reason)


def _year_range(ledger: LedgerAggregates, years: Iterable[YearOfAssessment] | None,
                after: YearOfAssessment | None = None) -> tuple[list[YearOfAssessment], list[YearOfAssessment]]:
    """The years to walk (from the first with activity, or the year after a closing state's ``after``) and
    the years wanted (default: every year with activity)."""
    known = [y for y in ledger.years if after is None or y > after]
    wanted = sorted(set(years)) if years is not None else known
    if not wanted:
        return [], []
    first = min([*known, *wanted]) if known else wanted[0]
    if after is not None:
        first = after.next()
    last = max(wanted)
    span = []
    y = first
    while y <= last:
        span.append(y)
        y = y.next()
    return span, wanted


def _parse_years(years: str | int | YearOfAssessment | Iterable[str | int | YearOfAssessment] | None
                 ) -> list[YearOfAssessment] | None:
    if years is None:
        return None
    if isinstance(years, (str, int, YearOfAssessment)):
        text = str(years) if not isinstance(years, YearOfAssessment) else years.label
        if isinstance(years, str):
            return parse_year_range(years)
        return [YearOfAssessment.parse(text if isinstance(years, str) else years)]
    return [YearOfAssessment.parse(y) for y in years]


@_gc_paused
@isolated
def assess(
    scenario: Scenario,
    years: Years = None,
    *,
    regime: str = "baseline",
    extension_first_year: str = "2025/26",
    params: ParamStore | None = None,
    ledger: LedgerResult | None = None,
    aggregates: LedgerAggregates | None = None,
    matched: Matched | None = None,
    law_settings: Mapping[str, Any] | None = None,
    state: YearState | None = None,
) -> Assessment:
    """Assess ``scenario`` for the given years of assessment (default: every year with activity).

    Args:
        scenario: the taxpayer, its assets, events and rates.
        years: one year ("2025/26"), a range ("2023/24..2025/26"), a list, or None for all.
        regime: ``"baseline"`` (law in force) or ``"va_extension"`` (with the proposed extension of the fund
            and family-office concessions to virtual assets, Bill gazetted 12 June 2026).
        extension_first_year: first year of assessment the extension applies to (an assumption).
        params: parameter tables (default: those shipped with hkvatax).
        ledger: a ledger result already computed for this scenario (saves matching it again).
        aggregates: the ledger's per-year, per-asset sums, when no records are kept.
        matched: the ledger matched once (:func:`ledger_scenario`, :func:`ledger_csv`, :func:`ledger_rows`).
        law_settings: readings of unsettled law the rules consult (e.g. ``digital_asset_stablecoins``,
            ``extension_incidental_conditions``; see :mod:`hkvatax.rules.extension`), each shown in the trace.
        state: the closing state of an earlier year (:func:`hkvatax.close_year`, :func:`hkvatax.load_state`):
            the run starts after it, from its pools and losses, with the figures of one long run. The
            scenario's events up to the close are skipped (they must end with the state's last event), and
            its ``opening_lots`` and ``losses_brought_forward_hkd`` are replaced by the state's.
    Raises:
        ArgumentError: for a regime, year or extension year it does not accept (code ``invalid_argument``).

    Examples:
        >>> from hkvatax.examples import example_path
        >>> from hkvatax.io import load_scenario
        >>> outcome = assess(load_scenario(example_path("corporation")), "2025/26")
        >>> outcome["2025/26"].tax_payable
        Decimal('150045')
        >>> outcome.to_flat()["2025/26"]["assessable_profits"]
        '1855100'
    """
    return _assess(scenario, years, regime=regime, extension_first_year=extension_first_year, params=params,
                   ledger=ledger, aggregates=aggregates, matched=matched, law_settings=law_settings, state=state)


@_gc_paused
@isolated
def assess_csv(source: CsvSource, profile: str | Path | Mapping[str, Any], years: Any = None, *,
               regime: str = "baseline", extension_first_year: str = "2025/26", params: ParamStore | None = None,
               file: str | None = None, default_tz: str | None = None,
               law_settings: Mapping[str, Any] | None = None, allow_files: AllowFiles = None,
               state: YearState | None = None) -> Assessment:
    """Assess a generic CSV ledger (a path, or an open text file such as an upload, named ``file`` in the
    provenance) with its profile: read in chunks, validated column by column and matched as it is read, so
    a million rows never exist as a million objects (docs/decisions/0032-one-core.md). ``allow_files``: where
    a file the profile names may be (default: the profile's own folder; docs/security.md). ``state``: start
    from a closing state, as in :func:`assess`.

    Examples:
        >>> import io
        >>> ledger = io.StringIO("id,timestamp,kind,asset,quantity,amount\\n"
        ...                      "b1,2025-05-01T10:00:00+08:00,acquisition,BTC,2,1000000\\n"
        ...                      "s1,2025-09-01T10:00:00+08:00,disposal,BTC,1,650000\\n")
        >>> profile = {"taxpayer": {"kind": "corporation", "name": "Harbour Ltd"}, "assets": [{"symbol": "BTC"}]}
        >>> outcome = assess_csv(ledger, profile, file="ledger.csv")
        >>> outcome["2025/26"].assessable_profits, outcome["2025/26"].tax_payable
        (Decimal('150000'), Decimal('9375'))
    """
    scenario, matched = ledger_csv(source, profile, file=file, default_tz=default_tz, allow_files=allow_files,
                                   state=state)
    return _assess(scenario, years, regime=regime, extension_first_year=extension_first_year, params=params,
                   matched=matched, law_settings=law_settings, state=state)


@_gc_paused
@isolated
def assess_rows(rows: Iterable[Mapping[str, Any] | Sequence[Any]], profile: str | Path | Mapping[str, Any],
                years: Any = None, *, columns: Sequence[str] | None = None, regime: str = "baseline",
                extension_first_year: str = "2025/26", params: ParamStore | None = None,
                file: str = "<rows>", law_settings: Mapping[str, Any] | None = None,
                allow_files: AllowFiles = None, state: YearState | None = None) -> Assessment:
    """Assess rows already in memory (see :func:`ledger_rows`) with a profile, without a model per row.

    >>> rows = [{"id": "b", "timestamp": "2025-05-01T10:00:00+08:00", "kind": "acquisition", "asset": "BTC",
    ...          "quantity": "1", "amount": "500000"}]
    >>> profile = {"taxpayer": {"kind": "individual", "name": "Ann"}, "assets": [{"symbol": "BTC"}]}
    >>> year = assess_rows(rows, profile, "2025/26")["2025/26"]
    >>> year.status, year.tax_payable  # the facts do not decide capital or revenue: both branches are kept
    ('indeterminate', None)
    """
    scenario, matched = ledger_rows(rows, profile, columns=columns, file=file, allow_files=allow_files,
                                    state=state)
    return _assess(scenario, years, regime=regime, extension_first_year=extension_first_year, params=params,
                   matched=matched, law_settings=law_settings, state=state)


def _assess(scenario: Scenario, years: Any, *, regime: str, extension_first_year: str, params: ParamStore | None,
            ledger: LedgerResult | None = None, aggregates: LedgerAggregates | None = None,
            matched: Matched | None = None, law_settings: Mapping[str, Any] | None = None,
            state: YearState | None = None) -> Assessment:
    if regime not in REGIMES:
        raise ArgumentError("regime", f"{regime!r} is not a regime", "baseline or va_extension")
    params = params or default_params()
    ext_first = YearOfAssessment.parse(extension_first_year)
    tp = scenario.taxpayer
    year_end = YearEnd(tp.accounting_year_end_month, tp.accounting_year_end_day)
    wanted_years = _parse_years(years)
    overrides: bool | None = None  # (a walk over every event: asked once)
    if matched is None:
        if ledger is not None or aggregates is not None:
            given = aggregates if aggregates is not None else aggregate(ledger)  # type: ignore[arg-type]
            matched = Matched({"given": given}, {"given": ledger} if ledger is not None else {})
        else:
            overrides = _lot_overrides(scenario, state)
            matched = ledger_scenario(scenario, records=overrides, state=state)
    after = None
    carry: dict[str, Decimal] = {}
    if state is not None:
        after = _state_carry(state, regime, ext_first, wanted_years, carry)
    with exact_context():
        basis, agg, decided = _basis(matched, scenario, params, wanted_years, after)
        ledger = matched.results.get(basis)
        if ledger is None and (_lot_overrides(scenario, state) if overrides is None else overrides):  # lot-level overrides split disposals by matched lot
            ledger = matched.records(basis)
        detail = _with_state_lots(ledger, state)
        span, wanted = _year_range(agg, wanted_years, after)
        tracer = Tracer()
        settings = {**dict(law_settings or {}), "extension_first_year": ext_first.label, "regime": regime}
        results: dict[str, YearAssessment] = {}
        initial_bf = Decimal(tp.losses_brought_forward_hkd)
        for y in span:
            skipped = _not_assessed(y, params)
            if skipped is not None:
                results[y.label] = skipped
                continue
            ctx = RuleContext(y, params, tracer, scenario=regime, settings=settings)
            stats = ledger_stats(agg, y)
            early = decided.get(y.start_year) if regime == "baseline" else None
            decision = early.replay(tracer) if early is not None and early.same(stats) else \
                decide_character(ctx, tp, stats)
            branch_names: list[Literal["capital", "revenue"]] = (
                ["capital", "revenue"] if decision.character == "indeterminate" else [decision.character])
            branches: dict[str, BranchAssessment] = {}
            for branch in branch_names:
                bctx = ctx if len(branch_names) == 1 else RuleContext(
                    y, params, tracer, scenario=f"{regime}~{branch}", settings=settings)
                if len(branch_names) > 1:
                    bctx.uses(decision.figure)
                in_force = extension_in_force(params, y)
                extension = in_force or (regime == "va_extension" and y >= ext_first)
                if extension and not in_force:
                    tracer.assume(A_EXT_FIRST_YEAR)
                ba = _assess_branch(bctx, scenario, agg, detail, branch, decision, carry.get(branch, None), initial_bf,
                                    extension, year_end.basis_period(y))
                branches[branch] = ba
                carry[branch] = ba.losses_carried_forward
            if len(branch_names) == 1:
                # keep both carries aligned so a later indeterminate year starts from the same losses
                only = branch_names[0]
                carry = {"capital": carry[only], "revenue": carry[only]}
            status: Literal["determined", "indeterminate"] = (
                "indeterminate" if decision.character == "indeterminate" else "determined")
            results[y.label] = YearAssessment(y, status, decision, branches, decision.missing)
        roots = [f.id for ya in results.values() for b in ya.branches.values() for f in b.figures.values()]
        trace = tracer.freeze(roots)
    shown = {label: ya for label, ya in results.items() if YearOfAssessment.parse(label) in set(wanted)}
    return Assessment(scenario, regime, shown, ledger, trace, settings, agg, matched, basis)


def _assess_branch(ctx: RuleContext, scenario: Scenario, agg: LedgerAggregates, ledger: LedgerResult | None,
                   branch: Literal["capital", "revenue"],
                   decision: CharacterDecision, carried: Decimal | None, initial_bf: Decimal, extension: bool,
                   basis: tuple[Any, Any]) -> BranchAssessment:
    tp = scenario.taxpayer
    business = branch == "revenue"
    lines = build_lines(ctx, agg, tp, scenario.assets, branch, detail=ledger)
    ctx.uses(decision.figure)
    base = baseline_treatment(ctx, lines, business, decision.figure)
    treatments = dict(base.treatments)
    concession = _concession(ctx, tp, [ln for ln in lines if treatments[ln.key] == "assessable"], extension, basis)
    if concession is not None:
        for key, treatment in concession.treatments.items():
            if treatments.get(key) == "assessable":
                treatments[key] = treatment
    by = {ln.key: ln for ln in lines}

    def reason(key: str) -> Figure:
        if concession is not None and key in concession.reasons:
            return concession.reasons[key]
        return base.reasons[key]

    def pick(pred: Any) -> list[Figure]:
        return [by[k].figure for k in by if pred(by[k], treatments[k])]

    def why(pred: Any) -> list[Figure]:
        return [reason(k) for k in by if pred(by[k], treatments[k])]

    def subtotal(label: str, what: str, pred: Any) -> Figure:
        return sum_lines(ctx, pick(pred), label, what, why(pred))

    figures: dict[str, Figure] = {}
    figures["capital_gains"] = subtotal("capital_gains", "Capital gains and losses (not chargeable)",
                                        lambda ln, t: ln.kind == "disposal" and ln.character == "capital")
    figures["offshore_profits"] = subtotal("offshore_profits", "Revenue profits from outside Hong Kong (not chargeable)",
                                           lambda ln, t: ln.offshore and ln.character == "revenue")
    figures["revenue_disposal_profits"] = subtotal("revenue_disposal_profits", "Chargeable profits and losses on disposals",
                                                   lambda ln, t: ln.kind == "disposal" and t == "assessable")
    figures["business_receipts"] = subtotal("business_receipts", "Business receipts in tokens",
                                            lambda ln, t: ln.kind == "receipt" and t == "assessable")
    figures["other_income"] = subtotal("other_income", "Other chargeable income",
                                       lambda ln, t: ln.kind == "income" and t == "assessable")
    figures["deductions"] = subtotal("deductions", "Deductible outgoings (negative)",
                                     lambda ln, t: ln.kind == "outgoing" and t == "assessable")
    figures["exempt_profits"] = subtotal("exempt_profits", "Profits exempt or taxed at 0% under a concession",
                                         lambda ln, t: t in {"exempt", "zero_rate"})
    if concession is not None and "outgoings_assessable_share" in concession.extra:
        figures["deductions"] = apportion_outgoings(ctx, figures["deductions"],
                                                    concession.extra["outgoings_assessable_share"])
    chargeable = [figures[k] for k in ("revenue_disposal_profits", "business_receipts", "other_income", "deductions")]
    period = basis_period(ctx, basis[0].isoformat(), basis[1].isoformat(),
                          f"{basis[1].day:02d}/{basis[1].month:02d} each year")
    net = net_profit(ctx, chargeable, period)
    figures["net_profit"] = net
    bf_amount = initial_bf if carried is None else carried
    bf = losses_bf(ctx, bf_amount, "stated by the user" if carried is None else "carried from the previous year",
                   tp, carried is None)
    figures["losses_brought_forward"] = bf
    set_off = losses(ctx, net, bf, tp)
    figures["losses_set_off"] = set_off
    figures["assessable_profits"] = round_assessable(ctx, net, set_off)
    figures["losses_carried_forward"] = losses_cf(ctx, net, bf, set_off)
    notes: list[str] = []
    if business:
        raw = charge_at_rates(ctx, tp, figures["assessable_profits"])
        figures["tax_at_rates"] = raw
        charged = round_tax(ctx, raw, "tax_charged")
        figures["tax_charged"] = charged
        reduction = one_off_reduction(ctx, charged)
        figures["one_off_reduction"] = reduction
        figures["tax_payable"] = round_tax(ctx, tax_payable(ctx, charged, reduction), "tax_payable")
        if isinstance(tp, Individual):
            notes.append("An individual carrying on business may elect personal assessment (IRO ss.41-43), which "
                         "can set a business loss against other income and may lower the tax; not computed here.")
    else:
        zero = sum_lines(ctx, [], "tax_at_rates", "No business: nothing is charged at the profits tax rates")
        figures["tax_at_rates"] = zero
        figures["tax_charged"] = sum_lines(ctx, [], "tax_charged", "No business: no tax charged")
        figures["one_off_reduction"] = sum_lines(ctx, [], "one_off_reduction", "No tax, so no reduction")
        figures["tax_payable"] = individual_investor_note(ctx, figures["capital_gains"])
    figures["salaries_tax_items"] = salaries_tax_items(
        ctx, [ln.figure for ln in lines if ln.kind == "receipt" and ln.receipt_type == "salary"])
    if concession is not None:
        notes.extend(concession.notes)
    return BranchAssessment(ctx.year, branch, figures, tuple(lines), base, concession, tuple(notes))


