"""Explanations: every renderer works, JSON round-trips (and is written as a stream), notebooks get HTML,
detail levels are lazy."""

import io
import json
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hkvatax import assess
from hkvatax import explain as explain_module
from hkvatax.engine import ledger_csv
from hkvatax.errors import ArgumentError, HkvataxError
from hkvatax.examples import example_names, example_path
from hkvatax.explain import Explanation
from hkvatax.io import load_scenario
from tests.strategies import GeneratedScenario, scenarios
from tests.test_csv_tables import profile, render


def _outcome(name="individual_trader"):
    return assess(load_scenario(example_path(name)))


def test_json_round_trips_at_every_detail():
    out = _outcome()
    for detail in ("summary", "per_asset", "full"):
        text = out.explain(detail=detail).to_json()
        assert Explanation.from_json(text).to_json() == text


def test_notebook_html_and_markdown_and_text():
    out = _outcome()
    html = out._repr_html_()
    assert html.startswith('<div class="hkvatax"><style>') and "Tax payable" in html
    md = out.explain().to_markdown()
    assert "| Tax payable |" in md
    txt = out.explain().to_text()
    assert "pt.rates.tax" in txt and "profits_tax.unincorporated.lower_rate" in txt


def test_full_detail_reaches_input_rows_and_summary_does_not_build_them():
    out = _outcome()
    summary = out.explain(detail="summary")
    assert not any(n.rule_id == "ledger.fragment" for n in summary.nodes.values())
    full = out.explain(detail="full")
    frags = [n for n in full.nodes.values() if n.rule_id == "ledger.fragment"]
    disposals = [n for n in full.nodes.values() if n.rule_id == "ledger.disposal"]
    assert frags and disposals
    for d in disposals:
        assert any(f.source is not None and f.source.path for f in d.facts)
    # the base trace itself never holds per-fragment nodes
    assert not any(n.rule_id == "ledger.fragment" for n in out.trace)


def test_proposed_law_is_flagged():
    out = _outcome()  # 2025/26: the one-off reduction is only proposed
    expl = out.explain("2025/26")
    assert "pt.reduction.one_off" in expl.proposed_rules
    assert "DEPENDS ON PROPOSED LAW" in expl.to_text()


def test_indeterminate_lists_missing_facts_and_both_branches():
    out = assess(load_scenario(example_path("ledger_demo")))
    ya = out["2024/25"]
    assert ya.status == "indeterminate" and ya.result is None and ya.tax_payable is None
    assert set(ya.branches) == {"capital", "revenue"}
    assert "trading.intention_at_acquisition" in ya.missing_facts
    assert ya.branches["capital"].tax_payable == Decimal(0)
    assert ya.branches["revenue"].tax_payable > 0


# ------------------------------------------------------------------ the JSON written as a stream


def _written(outcome, detail, indent=2, **kw):
    buf = io.StringIO()
    outcome.write_json(buf, detail=detail, indent=indent, **kw)
    return buf.getvalue()


def _expected(outcome, detail, indent=2, year=None):
    e = outcome.explain(year, detail=detail)
    return e.to_json() if indent == 2 else json.dumps(e.to_dict(), ensure_ascii=False, sort_keys=True)


@pytest.mark.parametrize("name", example_names())
@pytest.mark.parametrize("detail", ["summary", "per_asset", "full"])
def test_written_json_is_the_explanations_json_byte_for_byte_on_every_example(name, detail):
    out = _outcome(name)
    assert _written(out, detail) == _expected(out, detail)
    assert _written(out, detail, indent=None) == _expected(out, detail, indent=None)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(max_events=16))
def test_written_full_json_equals_the_built_explanations_on_generated_ledgers(generated: GeneratedScenario):
    try:
        out = assess(generated.scenario)
    except HkvataxError:
        return  # a ledger the rules refuse (no year the tables model, …): nothing to write
    for detail in ("full", "per_asset"):
        assert _written(out, detail) == _expected(out, detail)
    assert _written(out, "full", indent=None) == _expected(out, "full", indent=None)


def test_nodes_spilled_to_sorted_runs_merge_to_the_same_text(monkeypatch):
    """With a run size of one byte every node goes through a temporary file: the merge gives the same text."""
    out = _outcome("ledger_demo")
    want = _expected(out, "full")
    monkeypatch.setattr(explain_module, "_RUN_BYTES", 1)
    assert _written(out, "full") == want


def test_every_disposal_line_lists_its_own_disposals_at_full_detail():
    """Regression: each per-asset disposal line lists the nodes of its disposals (before, every line but the
    last kept none: the lines were rebuilt from the nodes before their disposals were added)."""
    out = _outcome("family_office")
    full = out.explain(detail="full")
    lines = [n for n in full.nodes.values() if n.rule_id == "ledger.gains"]
    assert len(lines) == 3
    listed = [i for n in lines for i in n.inputs if full.nodes[i].rule_id == "ledger.disposal"]
    assert all(any(full.nodes[i].rule_id == "ledger.disposal" for i in n.inputs) for n in lines)
    ledger = out.full_ledger()
    assert ledger is not None and len(listed) == len(ledger.disposals) == len(set(listed))
    for n in lines:
        asset = next(f.value for f in n.facts if f.name == "asset")
        assert all(f"{asset}, proceeds" in full.nodes[i].explanation for i in n.inputs
                   if full.nodes[i].rule_id == "ledger.disposal")


@pytest.mark.parametrize("reverse", [False, True])
def test_a_csv_read_in_chunks_streams_its_records_once_in_or_out_of_order(reverse):
    """Chunks out of order make the first match take the whole file; the streamed match learns it and never
    hands on a disposal twice."""
    rows = [{"id": f"b{i}", "timestamp": f"2022-05-{i + 1:02d}T00:00:00+08:00", "kind": "acquisition",
             "asset": "BTC" if i % 2 else "ETH", "quantity": "1", "amount": str(1000 + i)} for i in range(12)]
    rows += [{"id": f"d{i}", "timestamp": f"2023-06-{i + 1:02d}T00:00:00+08:00", "kind": "disposal",
              "asset": "BTC" if i % 2 else "ETH", "quantity": "0.5", "amount": str(2000 + i)} for i in range(8)]
    text = render(rows[::-1] if reverse else rows)
    scenario, matched = ledger_csv(io.StringIO(text), profile(), file="l.csv", chunk=3)
    out = assess(scenario, matched=matched)
    written = _written(out, "full")
    assert written == _expected(out, "full")
    assert sum(1 for n in json.loads(written)["nodes"].values() if n["rule_id"] == "ledger.disposal") == 8


def test_full_json_of_an_assessment_from_aggregates_alone_is_refused():
    out = _outcome()
    bare = assess(out.scenario, aggregates=out.aggregates) if out.aggregates is not None else None
    assert bare is not None
    with pytest.raises(ArgumentError):
        _written(bare, "full")
    with pytest.raises(ArgumentError):
        _written(out, "everything")


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4), max_leaves=20)


@given(_json_values, st.integers(0, 3))
def test_the_nodes_own_indenting_writes_what_json_dumps_writes(value, depth):
    pad = "  " * depth
    expected = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False).replace("\n", "\n" + pad)
    assert explain_module._indented(value, pad, "  ") == expected
