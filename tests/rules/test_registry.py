"""The rule registry, exercised by rules registered inside the tests (so that a mutation of ``rule`` and of
the wrapper it builds is visible: rules registered at import time were built before any mutant is active)."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest

from hkvatax.money import ROUND_TAX
from hkvatax.periods import YearOfAssessment
from hkvatax.rules.params import ParamStore, ParamValue, default_params
from hkvatax.rules.registry import (
    BILL,
    CASE,
    DIPN,
    HKVATAX,
    IRO,
    RULES,
    Figure,
    NoApplicableRuleError,
    Out,
    Rule,
    RuleContext,
    rule,
    weakest,
)
from hkvatax.trace import Assumption, Citation, FactUse, Tracer

_ids = itertools.count()
Y = YearOfAssessment


def _rid() -> str:
    return f"test.registry.{next(_ids)}"


def _ctx(year: int = 2024, params: ParamStore | None = None, **kw) -> RuleContext:
    return RuleContext(Y(year), params or default_params(), Tracer(), **kw)


@pytest.fixture(autouse=True)
def _forget_test_rules():
    yield
    for k in [k for k in RULES if k.startswith("test.registry.")]:
        del RULES[k]


def test_the_weakest_status_wins():
    assert weakest([]) == "enacted"
    assert weakest(["enacted", "enacted"]) == "enacted"
    assert weakest(["enacted", "assumption"]) == "assumption"
    assert weakest(["assumption", "enacted"]) == "assumption"
    assert weakest(["proposed", "assumption", "enacted"]) == "proposed"
    assert weakest(["assumption", "proposed"]) == "proposed"


def test_citation_builders_name_the_instrument_and_its_address():
    assert IRO("s.14") == Citation("IRO (Cap. 112)", "s.14", "https://www.elegislation.gov.hk/hk/cap112")
    assert DIPN(39, "para 46") == Citation("DIPN 39", "para 46", "https://www.ird.gov.hk/eng/ppr/dip.htm")
    assert CASE("X v Y") == Citation("Case", "X v Y")
    assert HKVATAX("0003") == Citation("hkvatax decision", "0003")
    b = BILL("cl. 5")
    assert b.provision == "cl. 5" and b.instrument.startswith("Inland Revenue (Amendment) (Preferential Tax Regimes")
    assert b.instrument.endswith("Bill 2026 (gazetted 12 June 2026)") and b.url is None


def test_a_figure_shows_its_node_and_value():
    assert repr(Figure("a/b", Decimal("1.5"))) == "Figure('a/b', Decimal('1.5'))"


def test_a_rules_output_defaults_to_hkd_without_inputs():
    o = Out(1, "x")
    assert (o.label, o.unit, o.inputs, o.facts, o.rounding) == (None, "HKD", (), (), None)


def test_rule_validity_and_applies_to():
    r = Rule("x", "t", (), Y(2018), Y(2020), "enacted", "", "m")
    assert [r.applies_to(Y(y)) for y in (2017, 2018, 2019, 2020, 2021)] == [False, True, True, True, False]
    assert r.validity == "2018/19 to 2020/21"
    open_ended = Rule("x", "t", (), Y(2018), None, "enacted", "", "m")
    assert open_ended.applies_to(Y(2100)) and not open_ended.applies_to(Y(2017))
    assert open_ended.validity == "2018/19 onward"
    always = Rule("x", "t", (), None, None, "enacted", "", "m")
    assert always.applies_to(Y(1990)) and always.validity == "— onward"
    until = Rule("x", "t", (), None, Y(2020), "enacted", "", "m")
    assert until.applies_to(Y(1990)) and until.applies_to(Y(2020)) and not until.applies_to(Y(2021))
    assert until.validity == "— to 2020/21"


def test_rule_refuses_bad_metadata():
    with pytest.raises(ValueError, match=r"rule bad\.status: unknown status 'law'"):
        rule("bad.status", "t", cite=[IRO("s.1")], status="law")
    with pytest.raises(ValueError, match=r"rule no\.cite: a rule needs at least one citation"):
        rule("no.cite", "t", cite=[])
    rid = _rid()

    def body(ctx: RuleContext) -> Out:
        return Out(1, "x")

    rule(rid, "t", cite=[IRO("s.1")])(body)
    with pytest.raises(ValueError, match=rf"rule id '{rid}' registered twice"):
        rule(rid, "t", cite=[IRO("s.1")])(body)
    for status in ("enacted", "assumption", "proposed"):
        rule(_rid(), "t", cite=[IRO("s.1")], status=status)(body)


def test_registered_metadata_and_wrapper_attributes():
    rid = _rid()

    def my_rule(ctx: RuleContext, a: Figure) -> Out:
        """  The law, paraphrased.  """
        return Out(a.value, "x")

    wrapped = rule(rid, "My title", cite=[IRO("s.1"), DIPN(39, "p")], valid_from="2019/20", valid_to="2022/23",
                   status="assumption")(my_rule)
    meta = RULES[rid]
    assert meta == Rule(rid, "My title", (IRO("s.1"), DIPN(39, "p")), Y(2019), Y(2022), "assumption",
                        "The law, paraphrased.", __name__)
    assert wrapped.rule is meta
    assert wrapped.__name__ == "my_rule" and wrapped.__qualname__ == my_rule.__qualname__
    assert wrapped.__doc__ == my_rule.__doc__

    def undocumented(ctx: RuleContext) -> Out:
        return Out(1, "x")

    rid2 = _rid()
    rule(rid2, "t", cite=[IRO("s.1")])(undocumented)
    assert RULES[rid2].law == "" and RULES[rid2].valid_from is None and RULES[rid2].valid_to is None
    assert RULES[rid2].status == "enacted"


def test_wrapper_records_a_complete_node():
    rid = _rid()
    assumption = Assumption("A-TEST", "an assumption", None)

    def body(ctx: RuleContext, a: Figure, many: list[Figure], named: dict[str, Figure], *, k: Figure) -> Out:
        ctx.param("profits_tax.corporation.standard_rate")
        ctx.fact("f1", 1)
        ctx.assume(assumption)
        ctx.assume(assumption)
        ctx.uses(extra)
        return Out(a.value + k.value, "the explanation", label="lbl", unit="count", inputs=(a, out_in),
                   facts=(FactUse("f2", 2),), rounding=ROUND_TAX.apply(Decimal("1.5")))

    fn = rule(rid, "Title", cite=[IRO("s.2")])(body)
    ctx = _ctx(scenario="what-if")
    mk = rule(_rid(), "input", cite=[IRO("s.0")], status="proposed")(
        lambda ctx, v, label: Out(v, "in", label=label))
    a = mk(ctx, Decimal(1), "a")
    b = mk(ctx, Decimal(2), "b")
    c = mk(ctx, Decimal(3), "c")
    k = mk(ctx, Decimal(4), "k")
    out_in = mk(ctx, Decimal(5), "o")
    extra = mk(ctx, Decimal(6), "e")
    fig = fn(ctx, a, [b, a], {"x": c}, k=k, key="K1")
    assert fig == Figure("what-if/2024/25/lbl[K1]", Decimal(5))
    node = ctx.tracer.nodes[fig.id]
    assert node.rule_id == rid and node.title == "Title" and node.citations == (IRO("s.2"),)
    assert node.value == Decimal(5) and node.unit == "count" and node.label == "lbl"
    assert node.explanation == "the explanation" and node.year == "2024/25"
    assert node.inputs == (a.id, b.id, c.id, k.id, out_in.id, extra.id)
    assert [p.path for p in node.params] == ["profits_tax.corporation.standard_rate"]
    assert node.params[0].value == Decimal("0.165") and node.params[0].year == "2024/25"
    assert node.params[0].status == "enacted" and node.params[0].citation
    assert node.facts == (FactUse("f1", 1), FactUse("f2", 2))
    assert node.assumptions == ("A-TEST",)
    assert node.rounding is not None and node.rounding.after == Decimal(1)
    # the inputs were proposed, so the node is at best proposed
    assert node.status == "proposed"
    # no key: the id has no suffix; no label: the rule id is the label
    rid2 = _rid()
    plain = rule(rid2, "t", cite=[IRO("s.1")])(lambda ctx: Out(Decimal(0), "e"))
    f2 = plain(ctx)
    assert f2.id == f"what-if/2024/25/{rid2}"
    n2 = ctx.tracer.nodes[f2.id]
    assert n2.label == rid2 and n2.status == "enacted" and n2.unit == "HKD" and n2.inputs == ()
    assert n2.params == () and n2.facts == () and n2.assumptions == () and n2.rounding is None
    # key=0 is a key, not "no key"
    assert plain(ctx, key=0).id == f"what-if/2024/25/{rid2}[0]"


def test_node_status_is_the_weakest_of_rule_params_and_inputs():
    params = ParamStore({"x.rate": [ParamValue("x.rate", Decimal("0.1"), Y(2020), None, "c", "assumption", None)]})
    ctx = _ctx(params=params)
    reads = rule(_rid(), "t", cite=[IRO("s.1")])(lambda ctx: Out(ctx.param("x.rate"), "e", label="r"))
    f = reads(ctx)
    assert ctx.tracer.nodes[f.id].status == "assumption"
    uses = rule(_rid(), "t", cite=[IRO("s.1")])(lambda ctx, a: Out(a.value, "e", label="u"))
    assert ctx.tracer.nodes[uses(ctx, f).id].status == "assumption"
    # an input that is not a node of this tracer is ignored for the status
    stray = Figure("elsewhere", Decimal(1))
    ctx2 = _ctx()
    lenient = rule(_rid(), "t", cite=[IRO("s.1")])(lambda ctx, a: Out(a.value, "e", label="l"))
    with pytest.raises(Exception, match="unknown node"):
        lenient(ctx2, stray)


def test_rule_outside_its_years_raises():
    rid = _rid()
    fn = rule(rid, "Ttl", cite=[IRO("s.1")], valid_from="2020/21", valid_to="2021/22")(
        lambda ctx: Out(1, "e"))
    with pytest.raises(NoApplicableRuleError, match=rf"rule {rid} \(Ttl\) does not apply to 2019/20 "
                                                     r"\(valid 2020/21 to 2021/22\)"):
        fn(_ctx(2019))
    assert fn(_ctx(2020)).value == 1 and fn(_ctx(2021)).value == 1
    with pytest.raises(NoApplicableRuleError):
        fn(_ctx(2022))
    assert NoApplicableRuleError.code == "no_applicable_rule"


def test_frames_are_popped_even_when_the_body_fails():
    ctx = _ctx()

    def boom(ctx: RuleContext) -> Out:
        ctx.fact("x", 1)
        raise RuntimeError("boom")

    fn = rule(_rid(), "t", cite=[IRO("s.1")])(boom)
    with pytest.raises(RuntimeError):
        fn(ctx)
    assert ctx._frames == []
    # outside a rule, context helpers record nothing and do not fail
    assert ctx.fact("y", 2) == 2
    ctx.uses(Figure("z", 1))
    ctx.assume(Assumption("A-OUT", "t"))
    assert "A-OUT" in ctx.tracer.assumptions
    assert ctx.param("profits_tax.corporation.standard_rate") == Decimal("0.165")


def test_nested_rules_record_into_their_own_frames():
    ctx = _ctx()
    inner = rule(_rid(), "inner", cite=[IRO("s.1")])(
        lambda ctx: Out(ctx.fact("inner.fact", 1), "e", label="inner"))

    def outer_body(ctx: RuleContext) -> Out:
        ctx.fact("outer.fact", 2)
        f = inner(ctx)
        return Out(f.value, "e", label="outer", inputs=(f,))

    outer = rule(_rid(), "outer", cite=[IRO("s.1")])(outer_body)
    f = outer(ctx)
    assert [x.name for x in ctx.tracer.nodes[f.id].facts] == ["outer.fact"]
    assert [x.name for x in ctx.tracer.nodes["baseline/2024/25/inner"].facts] == ["inner.fact"]


def test_a_rule_context_names_its_nodes_by_scenario_year_and_key():
    ctx = _ctx(2020, scenario="s1", settings={"a": 1})
    assert ctx.scenario == "s1" and ctx.settings == {"a": 1} and ctx.year == Y(2020)
    assert ctx.node_id("lab") == "s1/2020/21/lab"
    assert ctx.node_id("lab", "k") == "s1/2020/21/lab[k]"
    assert ctx.node_id("lab", "") == "s1/2020/21/lab"
    other = ctx.for_year(Y(2021))
    assert other.year == Y(2021) and other.scenario == "s1" and other.settings == {"a": 1}
    assert other.tracer is ctx.tracer and other.params is ctx.params
    assert _ctx().scenario == "baseline" and _ctx().settings == {}


def test_catalogue_escapes_pipes_and_marks_missing_paraphrases():
    from hkvatax.rules.catalogue import render_rules_markdown

    rid = _rid()

    def undocumented(ctx: RuleContext) -> Out:
        return Out(1, "x")

    rule(rid, "A title", cite=[Citation("Case", "A | B")], valid_from="2020/21")(undocumented)
    text = render_rules_markdown()
    assert f"| `{rid}` | A title | Case A / B | 2020/21 onward | enacted |" in text
    assert f"- `{rid}` — (no paraphrase)" in text
    assert "- `pt.net_profit` — The full amount of chargeable profits" in text
