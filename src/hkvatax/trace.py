"""The explanation: every figure is a node that names its rule, citations, inputs, parameters and assumptions.

* :class:`Citation` — an instrument and a provision ("IRO Cap. 112", "s.19C"; "DIPN 39", "para 46").
* :class:`ParamUse` — a dated parameter value read by a rule, with its own citation and status.
* :class:`FactUse` — a fact from the input (a taxpayer fact, an event with its file and row).
* :class:`Node` — one figure or decision: rule id, title, citations, value, inputs (other node ids),
  parameters, facts, assumptions, and any rounding step.
* :class:`Trace` — the frozen collection of nodes for one outcome, with the assumptions they rest on.

A :class:`Tracer` builds a trace while rules run; it is private to one run and frozen into a
:class:`Trace` before anyone sees it. Nodes for individual disposals and matched lots are *not*
built unless the caller asks for ``detail="per_asset"`` or ``"full"`` (see :mod:`hkvatax.explain`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import MISSING, dataclass, field, fields
from decimal import Decimal
from typing import Any, TypeVar

from .errors import InvariantError, SourceRef
from .money import RoundingStep, fmt_exact

__all__ = ["Citation", "ParamUse", "FactUse", "Assumption", "Node", "Trace", "Tracer", "value_to_json", "quick_init"]

_T = TypeVar("_T")


def quick_init(cls: type[_T]) -> type[_T]:
    """Give a frozen, slotted dataclass a quicker ``__init__``: the same signature and defaults, each field set
    through its slot's descriptor instead of ``object.__setattr__`` (which looks the attribute up again on
    every call). The instance made is the same — still frozen, equal and hashed as before; only making it
    costs less, which counts for the ≈ 150 trace nodes, figures and rule outputs of every assessment
    (docs/decisions/0182-rule-call-fixed-cost.md). Only for classes whose defaults are plain values (no
    ``default_factory``) and that have no ``__post_init__``.

    Examples:
        >>> from dataclasses import dataclass
        >>> @quick_init
        ... @dataclass(frozen=True, slots=True)
        ... class Point:
        ...     x: int
        ...     y: int = 0
        >>> Point(1), Point(1) == Point(1, 0)
        (Point(x=1, y=0), True)
    """
    names: list[str] = []
    env: dict[str, Any] = {}
    for f in fields(cls):  # type: ignore[arg-type]
        if f.default_factory is not MISSING or not f.init:  # pragma: no cover - a misuse
            raise TypeError(f"quick_init: {cls.__name__}.{f.name} needs the dataclass __init__")
        env[f"_set_{f.name}"] = cls.__dict__[f.name].__set__
        if f.default is MISSING:
            names.append(f.name)
        else:
            env[f"_default_{f.name}"] = f.default
            names.append(f"{f.name}=_default_{f.name}")
    if hasattr(cls, "__post_init__"):  # pragma: no cover - a misuse
        raise TypeError(f"quick_init: {cls.__name__} has a __post_init__")
    body = "".join(f"\n    _set_{f.name}(self, {f.name})" for f in fields(cls))  # type: ignore[arg-type]
    exec(f"def __init__(self, {', '.join(names)}):{body or chr(10) + '    pass'}", env)  # noqa: S102
    init = env["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__doc__ = cls.__init__.__doc__
    cls.__init__ = init  # type: ignore[method-assign]
    return cls


@dataclass(frozen=True, slots=True)
class Citation:
    """A source a rule cites: the instrument, the provision and, where there is one, a link.

    Examples:
        >>> c = Citation("IRO (Cap. 112)", "s.19C", "https://www.elegislation.gov.hk/hk/cap112")
        >>> str(c), c.to_dict()["provision"]
        ('IRO (Cap. 112) s.19C', 's.19C')
    """

    instrument: str  # "IRO (Cap. 112)", "DIPN 39", "Case", "Bill 2026", "hkvatax"
    provision: str  # "s.19C", "para 46", "American Leaf Blending [1979] AC 676"
    url: str | None = None

    def __str__(self) -> str:
        return f"{self.instrument} {self.provision}".strip()

    def to_dict(self) -> dict[str, Any]:
        return {"instrument": self.instrument, "provision": self.provision, "url": self.url}


@quick_init
@dataclass(frozen=True, slots=True)
class ParamUse:
    """A dated parameter a rule used: its path, value, year, citation and status (and who supplied it).

    Examples:
        >>> from hkvatax import assess
        >>> from hkvatax.examples import example_path
        >>> from hkvatax.io import load_scenario
        >>> outcome = assess(load_scenario(example_path("corporation")), "2025/26")
        >>> use = outcome.trace["baseline/2025/26/tax_at_rates"].params[0]
        >>> use.path, use.year, use.status
        ('profits_tax.corporation.standard_rate', '2025/26', 'enacted')
    """

    path: str
    value: Decimal | str
    year: str
    citation: str
    status: str
    source: str | None = None
    #: None for hkvatax's own tables; "user file x.toml" for a value the user supplied.
    origin: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {"path": self.path, "value": value_to_json(self.value), "year": self.year, "citation": self.citation,
               "status": self.status, "source": self.source}
        if self.origin is not None:
            out["origin"] = self.origin
        return out

    @property
    def label(self) -> str:
        """How the value is shown: its status, and who supplied it if not hkvatax's own tables."""
        return self.status if self.origin is None else f"{self.status}; supplied by the user: {self.origin}"


@quick_init
@dataclass(frozen=True, slots=True)
class FactUse:
    """A fact from the input: a taxpayer fact, an event, an override with its reason.

    Examples:
        >>> fact = FactUse("taxpayer.kind", "corporation")
        >>> fact.to_dict()
        {'name': 'taxpayer.kind', 'value': 'corporation', 'source': None}
    """

    name: str
    value: Any
    source: SourceRef | None = None

    def to_dict(self) -> dict[str, Any]:
        src = None if self.source is None else {"file": self.source.file, "row": self.source.row,
                                                 "path": self.source.path}
        return {"name": self.name, "value": value_to_json(self.value), "source": src}


@dataclass(frozen=True, slots=True)
class Assumption:
    """A position hkvatax takes on an unsettled point, which the user can change.

    Examples:
        >>> from hkvatax import assess
        >>> from hkvatax.examples import example_path
        >>> from hkvatax.io import load_scenario
        >>> outcome = assess(load_scenario(example_path("corporation")), "2025/26")
        >>> a = outcome.trace.assumptions["A-SOURCE-HK"]
        >>> a.id, bool(a.text)
        ('A-SOURCE-HK', True)
    """

    id: str
    text: str
    how_to_change: str | None = None
    #: A propagating assumption is named by every figure computed from one that names it (e.g. a year beyond
    #: the parameter tables: every figure of that year rests on it). Not part of the JSON.
    propagates: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text, "how_to_change": self.how_to_change}


@quick_init
@dataclass(frozen=True, slots=True)
class Node:
    """One figure of the trace: the rule that made it, its citations, status, value, unit, the nodes it was
    computed from, the parameters and facts it used, the assumptions it rests on and any rounding step.

    Examples:
        >>> from hkvatax import assess
        >>> from hkvatax.examples import example_path
        >>> from hkvatax.io import load_scenario
        >>> outcome = assess(load_scenario(example_path("corporation")), "2025/26")
        >>> node = outcome.trace["baseline/2025/26/tax_payable"]
        >>> node.rule_id, node.value, node.unit, node.inputs
        ('pt.round.tax', Decimal('150045'), 'HKD', ('baseline/2025/26/tax_before_rounding',))
        >>> node.to_dict()["value"]
        '150045'
    """

    id: str
    rule_id: str
    title: str
    citations: tuple[Citation, ...]
    status: str  # enacted | proposed | assumption
    value: Any
    unit: str  # HKD | ratio | percent | bool | text | count | days
    label: str
    explanation: str
    inputs: tuple[str, ...] = ()
    params: tuple[ParamUse, ...] = ()
    facts: tuple[FactUse, ...] = ()
    assumptions: tuple[str, ...] = ()
    rounding: RoundingStep | None = None
    year: str | None = None

    def rounding_dict(self) -> dict[str, Any] | None:
        """The node's rounding step as JSON carries it (None: no rounding).

        Examples:
            >>> from hkvatax import assess
            >>> from hkvatax.examples import example_path
            >>> from hkvatax.io import load_scenario
            >>> outcome = assess(load_scenario(example_path("corporation")), "2025/26")
            >>> outcome.trace["baseline/2025/26/tax_payable"].rounding_dict()["after"]
            '150045'
        """
        r = self.rounding
        if r is None:
            return None
        return {"policy": r.policy, "before": fmt_exact(r.before), "after": fmt_exact(r.after), "mode": r.mode,
                "exponent": r.exponent, "authority": r.authority, "status": r.status}

    def to_dict(self) -> dict[str, Any]:
        rounding = self.rounding_dict()
        return {
            "id": self.id,
            "rule_id": self.rule_id,
            "title": self.title,
            "citations": [c.to_dict() for c in self.citations],
            "status": self.status,
            "value": value_to_json(self.value),
            "unit": self.unit,
            "label": self.label,
            "explanation": self.explanation,
            "inputs": list(self.inputs),
            "params": [p.to_dict() for p in self.params],
            "facts": [f.to_dict() for f in self.facts],
            "assumptions": list(self.assumptions),
            "rounding": rounding,
            "year": self.year,
        }


def value_to_json(value: Any) -> Any:
    """A value as JSON carries it: a Decimal as its normalised exact string (``fmt_exact``), never a float.

    Examples:
        >>> value_to_json(Decimal("1855100.0000000000")), value_to_json([Decimal("0E-40"), 3, None])
        ('1855100', ['0', 3, None])
    """
    kind = type(value)
    if kind is str or value is None:  # the commonest values first (a full explanation converts millions)
        return value
    if kind is Decimal or isinstance(value, Decimal):
        return fmt_exact(value)
    if isinstance(value, (list, tuple)):
        return [value_to_json(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): value_to_json(v) for k, v in value.items()}
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return str(value)


@dataclass(frozen=True)
class Trace:
    """A frozen set of nodes, in the order they were computed, with the assumptions they rest on.

    Examples:
        >>> from hkvatax import assess
        >>> from hkvatax.examples import example_path
        >>> from hkvatax.io import load_scenario
        >>> outcome = assess(load_scenario(example_path("corporation")), "2025/26")
        >>> trace = outcome.trace
        >>> [n.id for n in trace.descendants("baseline/2025/26/tax_payable")][:3]
        ['baseline/2025/26/tax_payable', 'baseline/2025/26/tax_before_rounding', 'baseline/2025/26/tax_charged']
        >>> trace["baseline/2025/26/assessable_profits"].value
        Decimal('1855100')
    """

    nodes: Mapping[str, Node]
    roots: tuple[str, ...]
    assumptions: Mapping[str, Assumption]
    proposed_rules: tuple[str, ...] = ()
    assumed_rules: tuple[str, ...] = ()

    def __getitem__(self, node_id: str) -> Node:
        return self.nodes[node_id]

    def __iter__(self) -> Iterator[Node]:
        return iter(self.nodes.values())

    def __len__(self) -> int:
        return len(self.nodes)

    def descendants(self, node_id: str) -> list[Node]:
        """``node_id`` and every node it depends on, depth first, each once."""
        out: list[Node] = []
        seen: set[str] = set()
        stack = [node_id]
        while stack:
            nid = stack.pop()
            if nid in seen or nid not in self.nodes:
                continue
            seen.add(nid)
            node = self.nodes[nid]
            out.append(node)
            stack.extend(reversed(node.inputs))
        return out


@dataclass
class Tracer:
    """Collects nodes while rules run (private to one computation).

    Examples:
        >>> tracer = Tracer()
        >>> node = Node("demo/x", "demo.rule", "A figure", (), "enacted", Decimal("1"), "HKD", "x", "one dollar")
        >>> tracer.add(node)
        'demo/x'
        >>> tracer.freeze(["demo/x"])["demo/x"].value
        Decimal('1')
    """

    nodes: dict[str, Node] = field(default_factory=dict)
    assumptions: dict[str, Assumption] = field(default_factory=dict)

    def add(self, node: Node) -> str:
        if node.id in self.nodes:
            raise InvariantError(f"trace node {node.id!r} recorded twice")
        for dep in node.inputs:
            if dep not in self.nodes:
                raise InvariantError(f"trace node {node.id!r} depends on unknown node {dep!r}")
        for a in node.assumptions:
            if a not in self.assumptions:
                raise InvariantError(f"trace node {node.id!r} names unknown assumption {a!r}")
        self.nodes[node.id] = node
        return node.id

    def assume(self, assumption: Assumption) -> str:
        self.assumptions.setdefault(assumption.id, assumption)
        return assumption.id

    def freeze(self, roots: Iterable[str]) -> Trace:
        proposed = tuple(sorted({n.rule_id for n in self.nodes.values() if n.status == "proposed"}))
        assumed = tuple(sorted({n.rule_id for n in self.nodes.values() if n.status == "assumption"}))
        return Trace(nodes=dict(self.nodes), roots=tuple(roots), assumptions=dict(self.assumptions),
                     proposed_rules=proposed, assumed_rules=assumed)
