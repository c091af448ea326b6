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
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Concatenate, ParamSpec

from ..errors import HkvataxError, SourceRef
from ..money import RoundingStep
from ..periods import YearOfAssessment
from ..trace import Assumption, Citation, FactUse, Node, ParamUse, Tracer
from .params import ParamStore

__all__ = [
    "Rule", "RULES", "rule", "Out", "Figure", "RuleContext", "NoApplicableRuleError", "IRO", "DIPN", "CASE",
    "HKVATAX", "BILL", "BILL_2026", "weakest", "beyond_tables",
]

P = ParamSpec("P")

_STATUS_ORDER = {"enacted": 0, "assumption": 1, "proposed": 2}


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


@dataclass(frozen=True, slots=True)
class Figure:
    """A computed value and the id of the trace node that explains it."""

    id: str
    value: Any

    def __repr__(self) -> str:
        return f"Figure({self.id!r}, {self.value!r})"


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


@dataclass
class _Frame:
    params: list[ParamUse] = field(default_factory=list)
    facts: list[FactUse] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    inputs: list[Figure] = field(default_factory=list)


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
        value = self.params.at(path, self.year)
        projected = value.origin is None and self.params.is_projected(self.year)
        if self._frames:
            status, citation = value.status, value.citation
            if projected:
                status = weakest([status, "assumption"])
                citation = (f"{citation} [value for {value.valid_from.label} onward, carried forward to "
                            f"{self.year.label} beyond the tables: A-YEAR-BEYOND-TABLES]")
            self._frames[-1].params.append(ParamUse(path, value.value, self.year.label, citation, status,
                                                    value.source, value.origin))
        if projected:
            self.assume(beyond_tables(self.params))
        return value.value

    def fact(self, name: str, value: Any, source: SourceRef | None = None) -> Any:
        if self._frames:
            self._frames[-1].facts.append(FactUse(name, value, source))
        return value

    def assume(self, assumption: Assumption) -> None:
        self.tracer.assume(assumption)
        if self._frames:
            self._frames[-1].assumptions.append(assumption.id)

    def uses(self, *figures: Figure) -> None:
        if self._frames:
            self._frames[-1].inputs.extend(figures)

    def node_id(self, label: str, key: str | None = None) -> str:
        base = f"{self.scenario}/{self.year.label}/{label}"
        return f"{base}[{key}]" if key else base

    # -- used by the decorator ---------------------------------------------------------------
    def _push(self) -> None:
        self._frames.append(_Frame())

    def _pop(self) -> _Frame:
        return self._frames.pop()


def _figures(values: Iterable[Any]) -> list[Figure]:
    out: list[Figure] = []
    for v in values:
        if isinstance(v, Figure):
            out.append(v)
        elif isinstance(v, (list, tuple)):
            out.extend(_figures(v))
        elif isinstance(v, dict):
            out.extend(_figures(v.values()))
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

        def wrapper(ctx: RuleContext, /, *args: Any, key: object = None, **kwargs: Any) -> Figure:
            if not meta.applies_to(ctx.year):
                raise NoApplicableRuleError(
                    f"rule {rule_id} ({title}) does not apply to {ctx.year.label} (valid {meta.validity})")
            ctx._push()
            try:
                out = fn(ctx, *args, **kwargs)
            finally:
                frame = ctx._pop()
            given = _figures(args) + _figures(kwargs.values()) if out.depends is None else list(out.depends)
            inputs = given + list(out.inputs) + frame.inputs
            seen: dict[str, None] = {}
            for f in inputs:
                seen.setdefault(f.id, None)
            statuses = [meta.status_at(ctx.params, ctx.year)] + [p.status for p in frame.params]
            assumed = list(frame.assumptions)
            for dep in seen:
                dep_node = ctx.tracer.nodes.get(dep)
                if dep_node is not None:
                    statuses.append(dep_node.status)
                    assumed += [a for a in dep_node.assumptions if ctx.tracer.assumptions[a].propagates]
            node = Node(
                id=ctx.node_id(out.label or rule_id, str(key) if key is not None else None),
                rule_id=rule_id, title=title, citations=meta.citations, status=weakest(statuses),
                value=out.value, unit=out.unit, label=out.label or rule_id, explanation=out.explanation,
                inputs=tuple(seen), params=tuple(frame.params), facts=tuple(frame.facts) + tuple(out.facts),
                assumptions=tuple(dict.fromkeys(assumed)), rounding=out.rounding, year=ctx.year.label,
            )
            ctx.tracer.add(node)
            return Figure(node.id, out.value)

        wrapper.__name__ = fn.__name__
        wrapper.__qualname__ = fn.__qualname__
        wrapper.__doc__ = fn.__doc__
        wrapper.rule = meta  # type: ignore[attr-defined]
        return wrapper

    return decorate
