"""Explanations: every renderer works, JSON round-trips, notebooks get HTML, detail levels are lazy."""

from decimal import Decimal

from hkvatax import assess
from hkvatax.examples import example_path
from hkvatax.explain import Explanation
from hkvatax.io import load_scenario


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
