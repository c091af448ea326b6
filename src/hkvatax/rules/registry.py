"""The rule registry: every legal idea is a small pure function with an id, citations, validity and status.

A rule is written as::

    @rule("pt.losses.set_off", "Losses brought forward set off against assessable profits",
          cite=[IRO("s.19C")], valid_from="1947/48")
    def losses_set_off(ctx: RuleContext, profit: Figure, brought_forward: Figure) -> Out:
        amount = min(max(profit.value, ZERO), brought_forward.value)
        return Out(amount, "losses set off", label="losses_set_off")

Calling ``losses_set_off(ctx, profit, bf)`` checks that the rule applies to ``ctx.year``, runs the body,
and records a trace :class:`~hkvatax.trace.Node` with the rule's metadata, the :class:`Figure`
arguments as inputs, every parameter read through ``ctx.param`` and every fact noted through
``ctx.fact``. It returns a :class:`Figure` (node id + value). Rules never do I/O.

Status: ``enacted`` (law in force), ``proposed`` (a Bill, not yet law), ``assumption`` (a position
hkvatax takes on an unsettled point). A node's status is the weakest of its rule's and its
parameters' statuses, and outcomes list every proposed or assumed rule they depend on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Concatenate, ParamSpec

from ..errors import HkvataxError, SourceRef
from ..money import RoundingStep
from ..periods import YearOfAssessment
from ..trace import Assumption, Citation, FactUse, Node, ParamUse, Tracer, quick_init
from .params import ParamStore

__all__ = [
    "Rule", "RULES", "rule", "Out", "Figure", "RuleContext", "NoApplicableRuleError", "IRO", "DIPN", "CASE",
    "HKVATAX", "BILL", "BILL_2026", "weakest", "beyond_tables",
]

P = ParamSpec("P")

_STATUS_ORDER = {"enacted": 0, "assumption": 1, "proposed": 2}
_BY_RANK = ("enacted", "assumption", "proposed")


def weakest(statuses: Iterable[str]) -> str:
    worst = "enacted"
    for s in statuses:
        if _STATUS_ORDER[s] > _STATUS_ORDER[worst]:
            worst = s
    return worst


def IRO(provision: str) -> Citation:  # noqa: N802 - reads like the citation it builds
    return Citation("IRO (Cap. 112)", provision, "https://www.elegislation.gov.hk/hk/cap112")


def DIPN(number: int, provision: str) -> Citation:  # noqa: N802
    return Citation(f"DIPN {number}", provision, "https://www.ird.gov.hk/eng/ppr/dip.htm")


def CASE(name: str) -> Citation:  # noqa: N802
    return Citation("Case", name)


BILL_2026 = ("Inland Revenue (Amendment) (Preferential Tax Regimes for Funds, Family-owned Investment Holding "
             "Vehicles and Carried Interest) Bill 2026 (gazetted 12 June 2026)")


def BILL(provision: str, source: str | None = None, *, checked: str = "2026-12-01",  # noqa: N802
         confidence: str | None = None) -> Citation:
    """A provision of the 2026 Bill. The Bill's text was not read: where a point rests on a report of it, say
    which (``source``), when it was checked and with what confidence (docs/law-status.md)."""
    text = provision
    if source is not None:
        text += f" — reported by {source}; checked {checked}" + (f"; confidence {confidence}" if confidence else "")
    return Citation(BILL_2026, text)


def HKVATAX(decision: str) -> Citation:  # noqa: N802
    return Citation("hkvatax decision", decision)


class NoApplicableRuleError(HkvataxError):
    code = "no_applicable_rule"


def beyond_tables(params: ParamStore) -> Assumption:
    """The named assumption of a year after the last year in the parameter tables (decision 0121)."""
    last = params.horizon.label if params.horizon else "?"
    return Assumption(
        "A-YEAR-BEYOND-TABLES",
        f"hkvatax's parameter tables end at {last}. For a later year the latest rates and thresholds in them are "
        "carried forward unchanged (a later Budget or Ordinance may change them), and no one-off reduction is "
        "assumed (A-REDUCTION-NIL).",
        "supply the year's values in a TOML file: --params FILE, or hkvatax.io.load_params(path)",
        propagates=True,
    )


@quick_init
@dataclass(frozen=True, slots=True)
class Figure:
    """A computed value and the id of the trace node that explains it."""

    id: str
    value: Any

    def __repr__(self) -> str:
        return f"Figure({self.id!r}, {self.value!r})"


@quick_init
@dataclass(frozen=True, slots=True)
class Out:
    """What a rule body returns; the decorator turns it into a trace node."""

    value: Any
    explanation: str
    label: str | None = None
    unit: str = "HKD"
    inputs: tuple[Figure, ...] = ()
    facts: tuple[FactUse, ...] = ()
    rounding: RoundingStep | None = None
    #: When set, the figure arguments the value depends on: the node then lists these (plus ``inputs`` and what
    #: the body recorded with ``ctx.uses``) instead of every figure argument, so that ``compare`` names a rule
    #: as a cause only where the figure really depends on it (docs/decisions/0074-compare-causes.md).
    depends: tuple[Figure, ...] | None = None


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    citations: tuple[Citation, ...]
    valid_from: YearOfAssessment | None
    valid_to: YearOfAssessment | None
    status: str
    law: str
    module: str
    status_param: str | None = None  # a parameter whose dated status replaces ``status`` where it has a value

    def status_at(self, params: ParamStore, year: YearOfAssessment) -> str:
        """The rule's status for a year: its own, or that of ``status_param``'s entry for the year (so that a
        Bill's rules become enacted when the parameter's entry is changed to enacted: data, not code)."""
        if self.status_param is not None and params.has(self.status_param, year):
            return params.at(self.status_param, year).status
        return self.status

    def applies_to(self, year: YearOfAssessment) -> bool:
        if self.valid_from is not None and year < self.valid_from:
            return False
        return not (self.valid_to is not None and year > self.valid_to)

    @property
    def validity(self) -> str:
        start = self.valid_from.label if self.valid_from else "—"
        end = self.valid_to.label if self.valid_to else "onward"
        return f"{start} {'to ' + end if self.valid_to else end}"


RULES: dict[str, Rule] = {}


class _Frame:
    """What one rule call's body records (parameters read, facts noted, assumptions made, figures used); each
    list is made when the body first records such a thing (most record few kinds)."""

    __slots__ = ("params", "facts", "assumptions", "inputs")

    def __init__(self) -> None:
        self.params: list[ParamUse] | None = None
        self.facts: list[FactUse] | None = None
        self.assumptions: list[str] | None = None
        self.inputs: list[Figure] | None = None


class RuleContext:
    """What a rule may see: the year, the scenario label, dated parameters and the tracer."""

    def __init__(self, year: YearOfAssessment, params: ParamStore, tracer: Tracer, *, scenario: str = "baseline",
                 settings: dict[str, Any] | None = None):
        self.year = year
        self.params = params
        self.tracer = tracer
        self.scenario = scenario
        self.settings = dict(settings or {})
        self._frames: list[_Frame] = []
        self._label = year.label
        self._prefix = f"{scenario}/{self._label}/"  # of every node id (node_id)

    def for_year(self, year: YearOfAssessment) -> RuleContext:
        ctx = RuleContext(year, self.params, self.tracer, scenario=self.scenario, settings=self.settings)
        return ctx

    # -- used inside rule bodies -------------------------------------------------------------
    def param(self, path: str) -> Decimal:
        """The parameter's value for this year, recorded in the current rule's node.

        In a year after the tables (and for a value hkvatax ships, not one the user supplied) the value is the
        latest in the tables carried forward: it is recorded with status "assumption" (or weaker) and the
        node names the A-YEAR-BEYOND-TABLES assumption.
        """
        use, projected = self.params.use(path, self.year)
        if self._frames:
            frame = self._frames[-1]
            if frame.params is None:
                frame.params = [use]
            else:
                frame.params.append(use)
        if projected:
            self.assume(beyond_tables(self.params))
        return use.value  # type: ignore[return-value]  # a table's value is a Decimal

    def fact(self, name: str, value: Any, source: SourceRef | None = None) -> Any:
        if self._frames:
            frame = self._frames[-1]
            if frame.facts is None:
                frame.facts = [FactUse(name, value, source)]
            else:
                frame.facts.append(FactUse(name, value, source))
        return value

    def assume(self, assumption: Assumption) -> None:
        self.tracer.assume(assumption)
        if self._frames:
            frame = self._frames[-1]
            if frame.assumptions is None:
                frame.assumptions = [assumption.id]
            else:
                frame.assumptions.append(assumption.id)

    def uses(self, *figures: Figure) -> None:
        if self._frames:
            frame = self._frames[-1]
            if frame.inputs is None:
                frame.inputs = list(figures)
            else:
                frame.inputs.extend(figures)

    def node_id(self, label: str, key: str | None = None) -> str:
        return f"{self._prefix}{label}[{key}]" if key else self._prefix + label

    # -- used by the decorator ---------------------------------------------------------------
    def _push(self) -> None:
        self._frames.append(_Frame())

    def _pop(self) -> _Frame:
        return self._frames.pop()


#: Types of rule argument that are neither a figure nor hold figures (learnt as met: a type's answer never changes).
_OPAQUE: set[type] = {str, Decimal, bool, int, float, type(None)}


def _figures(values: Iterable[Any], out: list[Figure] | None = None) -> list[Figure]:
    """The figures among a rule's arguments, in order, looking into lists, tuples and dicts' values."""
    if out is None:
        out = []
    for v in values:
        t = type(v)
        if t is Figure:
            out.append(v)
        elif t in _OPAQUE:
            continue
        elif isinstance(v, Figure):
            out.append(v)
        elif isinstance(v, (list, tuple)):
            _figures(v, out)
        elif isinstance(v, dict):
            _figures(v.values(), out)
        else:
            _OPAQUE.add(t)
    return out


def rule(
    rule_id: str,
    title: str,
    *,
    cite: Sequence[Citation],
    valid_from: str | None = None,
    valid_to: str | None = None,
    status: str = "enacted",
    status_param: str | None = None,
) -> Callable[[Callable[Concatenate[RuleContext, P], Out]], Callable[..., Figure]]:
    """Register a rule; the wrapped function records a trace node and returns a :class:`Figure`.

    The wrapper takes the rule's own arguments plus an optional ``key=`` (a suffix that makes the node id
    unique when a rule is applied to several items in one year), hence its ``Callable[..., Figure]`` type.
    """
    if status not in _STATUS_ORDER:
        raise ValueError(f"rule {rule_id}: unknown status {status!r}")
    if not cite:
        raise ValueError(f"rule {rule_id}: a rule needs at least one citation")

    def decorate(fn: Callable[Concatenate[RuleContext, P], Out]) -> Callable[..., Figure]:
        if rule_id in RULES:
            raise ValueError(f"rule id {rule_id!r} registered twice")
        meta = Rule(
            id=rule_id, title=title, citations=tuple(cite),
            valid_from=YearOfAssessment.parse(valid_from) if valid_from else None,
            valid_to=YearOfAssessment.parse(valid_to) if valid_to else None,
            status=status, law=(fn.__doc__ or "").strip(), module=fn.__module__, status_param=status_param,
        )
        RULES[rule_id] = meta

        first = meta.valid_from.start_year if meta.valid_from is not None else None
        last = meta.valid_to.start_year if meta.valid_to is not None else None
        fixed_rank = _STATUS_ORDER[status] if status_param is None else None
        citations = meta.citations

        def wrapper(ctx: RuleContext, /, *args: Any, key: object = None, **kwargs: Any) -> Figure:
            # The fixed cost of every rule call (≈ 150 an assessment): kept to plain local operations, the
            # same node as before (docs/decisions/0182-rule-call-fixed-cost.md).
            year = ctx.year
            start_year = year.start_year
            if (first is not None and start_year < first) or (last is not None and start_year > last):
                raise NoApplicableRuleError(
                    f"rule {rule_id} ({title}) does not apply to {ctx.year.label} (valid {meta.validity})")
            frame = _Frame()
            frames = ctx._frames
            frames.append(frame)
            try:
                out = fn(ctx, *args, **kwargs)
            finally:
                frame = frames.pop()
            if out.depends is None:
                given = _figures(args)
                if kwargs:
                    _figures(kwargs.values(), given)
            else:
                given = list(out.depends)
            if out.inputs:
                given.extend(out.inputs)
            if frame.inputs:
                given.extend(frame.inputs)
            inputs = tuple(dict.fromkeys([f.id for f in given]))
            rank = fixed_rank if fixed_rank is not None else _STATUS_ORDER[meta.status_at(ctx.params, year)]
            params = frame.params
            if params:
                for p in params:
                    r = _STATUS_ORDER[p.status]
                    if r > rank:
                        rank = r
            assumed = frame.assumptions
            tracer = ctx.tracer
            nodes = tracer.nodes
            known = True
            for dep in inputs:
                dep_node = nodes.get(dep)
                if dep_node is None:
                    known = False
                    continue
                r = _STATUS_ORDER[dep_node.status]
                if r > rank:
                    rank = r
                if dep_node.assumptions:
                    table = tracer.assumptions
                    carried = [a for a in dep_node.assumptions if table[a].propagates]
                    if carried:
                        if assumed is None:
                            assumed = carried
                        else:
                            assumed += carried
            label = out.label or rule_id
            suffix = None if key is None else str(key)
            node_id = f"{ctx._prefix}{label}[{suffix}]" if suffix else ctx._prefix + label  # as ctx.node_id
            facts = tuple(frame.facts) if frame.facts else ()
            node = Node(node_id, rule_id, title, citations, _BY_RANK[rank], out.value, out.unit, label,
                        out.explanation, inputs, tuple(params) if params else (),
                        facts + tuple(out.facts) if out.facts else facts,
                        tuple(dict.fromkeys(assumed)) if assumed else (), out.rounding, ctx._label)
            if known and node_id not in nodes:
                nodes[node_id] = node  # what Tracer.add checks holds: a new id, its inputs and assumptions known
            else:
                tracer.add(node)  # raises the invariant error
            return Figure(node_id, out.value)

        wrapper.__name__ = fn.__name__
        wrapper.__qualname__ = fn.__qualname__
        wrapper.__doc__ = fn.__doc__
        wrapper.rule = meta  # type: ignore[attr-defined]
        return wrapper

    return decorate
