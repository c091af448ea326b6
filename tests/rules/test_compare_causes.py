"""compare() names a rule as a cause only where its outcome differs and the differing figure depends on it, and
names every such rule on the path (decision 0074)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hkvatax import compare
from hkvatax.compare import _local
from hkvatax.models import Scenario
from hkvatax.trace import Trace

YEAR = "2025/26"
ASSETS = [{"symbol": "BTC", "category": "payment"}, {"symbol": "USDX", "category": "stablecoin"},
          {"symbol": "HSBC", "is_virtual_asset": False, "sch16c_class": "securities"},
          {"symbol": "GOLD", "is_virtual_asset": False, "extension_class": "precious_metals"},
          {"symbol": "LAND", "is_virtual_asset": False}]
FUND = {"managed_as_whole_or_pooled": True, "participants_no_day_to_day_control": True,
        "shares_profits_from_property": True, "business_undertaking_general_commercial": False,
        "uses_specified_person": True, "extension_substantial_activities_met": True,
        "extension_tax_reporting_complied": True}
OFFICE = {"family_ownership_percent": 100, "normally_managed_or_controlled_in_hk": True,
          "business_undertaking_general_commercial": False, "specified_assets_value_hkd": "300000000",
          "qualified_full_time_employees_in_hk": 2, "operating_expenditure_in_hk_hkd": "2000000",
          "transactions_arranged_by_esfo_in_hk": True, "election_made": True,
          "esfo": {"is_private_company": True, "normally_managed_or_controlled_in_hk": True,
                   "family_ownership_percent": 100, "services_to_family_percent": 100}}
amounts = st.integers(min_value=-5_000_000, max_value=20_000_000)


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    lines = []
    for i in range(draw(st.integers(min_value=1, max_value=5))):
        kind = draw(st.sampled_from(["disposal", "disposal", "income", "receipt"]))
        profit = draw(amounts)
        line: dict[str, Any] = {"key": f"l{i}", "year": YEAR, "kind": kind,
                                "asset": draw(st.sampled_from([a["symbol"] for a in ASSETS])),
                                "receipts_hkd": str(abs(profit) + draw(st.integers(0, 10_000_000))),
                                "profit_hkd": str(profit), "incidental": draw(st.booleans()) and kind != "disposal",
                                "attributable_expenses_hkd": str(draw(st.integers(0, 1_000_000)))}
        if kind == "income":
            line["income_type"] = draw(st.sampled_from(["interest", "other"]))
        if kind == "receipt":
            line["receipt_type"] = draw(st.sampled_from(["staking", "mining"]))
        lines.append(line)
    if draw(st.booleans()):
        tp = {"kind": "private_fund", "name": "F", "fund": FUND, "stated_lines": lines}
    else:
        office = dict(OFFICE, specified_assets_value_hkd=str(draw(st.sampled_from([0, 100_000_000, 300_000_000]))),
                      virtual_assets_value_hkd=str(draw(st.sampled_from([0, 150_000_000]))))
        tp = {"kind": "family_office", "name": "O", "fihv": office, "stated_lines": lines}
    return Scenario.model_validate({"taxpayer": tp, "assets": ASSETS})


def _naive_changed(base: Trace, ext: Trace, root_e: str, root_b: str) -> set[str]:
    """Independently: the rules of every node reachable from the figure through differing inputs (either run)."""
    by_local = {"e": {_local(n.id): n for n in ext}, "b": {_local(n.id): n for n in base}}
    traces = {"e": ext, "b": base}
    other = {"e": "b", "b": "e"}

    def differs(side: str, nid: str) -> bool:
        mine = traces[side].nodes[nid]
        twin = by_local[other[side]].get(_local(nid))
        return twin is None or twin.value != mine.value

    out: set[str] = set()
    stack = [("e", root_e), ("b", root_b)]
    seen: set[tuple[str, str]] = set()
    while stack:
        side, nid = stack.pop()
        if (side, nid) in seen or nid not in traces[side].nodes or not differs(side, nid):
            continue
        seen.add((side, nid))
        if nid not in (root_e, root_b):
            out.add(traces[side].nodes[nid].rule_id)
        node = traces[side].nodes[nid]
        stack.extend((side, i) for i in node.inputs)
        twin = by_local[other[side]].get(_local(nid))
        if twin is not None:
            stack.extend((other[side], i) for i in twin.inputs)
    return out


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_named_causes_are_exactly_the_changed_rules_on_the_path(scenario: Scenario) -> None:
    result = compare(scenario, YEAR)
    for d in result.differences:
        b = result.baseline.years[d.year].branches[d.branch].figures[d.figure]
        e = result.extension.years[d.year].branches[d.branch].figures[d.figure]
        expected = _naive_changed(result.baseline.trace, result.extension.trace, e.id, b.id)
        assert set(d.causes) == expected or (not expected and len(d.causes) == 1), (d.figure, d.causes, expected)
        assert set(d.origins) <= set(d.causes)
        for rule_id in d.causes:
            nodes = [n for t in (result.baseline.trace, result.extension.trace) for n in t if n.rule_id == rule_id]
            assert nodes, rule_id


def test_five_percent_is_not_named_where_it_decided_nothing_and_classify_is() -> None:
    lines = [{"key": "btc", "year": YEAR, "asset": "BTC", "receipts_hkd": "50000000", "profit_hkd": "8000000"},
             {"key": "hsbc", "year": YEAR, "asset": "HSBC", "receipts_hkd": "20000000", "profit_hkd": "1000000"}]
    sc = Scenario.model_validate({"taxpayer": {"kind": "family_office", "name": "O", "fihv": dict(
        OFFICE, virtual_assets_value_hkd="0"), "stated_lines": lines}, "assets": ASSETS})
    result = compare(sc, YEAR)
    tax = next(d for d in result.differences if d.figure == "tax_payable")
    assert tax.extension < tax.baseline
    assert "fihv.transaction.classify" in tax.causes
    assert "fihv.incidental.five_percent" not in tax.causes
    assert "ext.incidental.abolished" not in tax.causes
    assert "ext.applies" in tax.origins
    assert result.extension.years[YEAR].result is not None
    assert result.extension.years[YEAR].result["exempt_profits"] == Decimal(9_000_000)
