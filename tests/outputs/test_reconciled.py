"""Reconciled figures: amounts formatted for their unit, never in exponent form, schedules that tie out."""

from __future__ import annotations

import doctest
import importlib
import json
import re
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hkvatax
import hkvatax.engine
import hkvatax.errors
import hkvatax.explain
import hkvatax.money
import hkvatax.render.html
import hkvatax.render.labels
import hkvatax.render.report
import hkvatax.render.schedules
from hkvatax.examples import example_names, example_path
from hkvatax.io import load_scenario
from hkvatax.money import fmt_exact, fmt_hkd, reconcile
from hkvatax.render.disposals import disposals_csv, disposals_table
from hkvatax.render.schedules import schedules

EXPONENT = re.compile(r"\d[eE][+-]?\d")
LONG_DECIMALS = re.compile(r"\d\.\d{19,}")  # a 40-place exact value leaking into a rendered view
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")

amounts = st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=6, allow_nan=False,
                      allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(st.lists(amounts, min_size=0, max_size=30))
def test_rounding_line_makes_the_rounded_parts_sum_to_the_rounded_total(parts: list[Decimal]) -> None:
    r = reconcile(parts)
    assert sum(r.parts, Decimal(0)) + r.rounding == r.total
    assert r.total == Decimal(fmt_hkd(sum(parts, Decimal(0))).replace(",", ""))
    assert abs(r.rounding) <= Decimal("0.005") * len(parts) + Decimal("0.005")


@settings(max_examples=200, deadline=None)
@given(st.lists(amounts, min_size=1, max_size=30))
def test_largest_remainder_parts_alone_sum_to_the_total_each_within_a_cent(parts: list[Decimal]) -> None:
    r = reconcile(parts, method="largest_remainder")
    assert r.rounding == 0 and sum(r.parts, Decimal(0)) == r.total
    assert all(abs(p - x) < Decimal("0.01") for p, x in zip(r.parts, parts, strict=True))


def test_rounding_line_appears_where_the_cents_do_not_tie_out() -> None:
    r = reconcile([Decimal("0.125"), Decimal("0.125"), Decimal("0.125")])  # half-even: 0.12 each, total 0.38
    assert r.parts == (Decimal("0.12"),) * 3 and r.rounding == Decimal("0.02") and r.total == Decimal("0.38")


@pytest.mark.parametrize("value,text", [("0E-40", "0"), ("-0E+3", "0"), ("1E+3", "1000"),
                                        ("1585365.8500000000000000000000000000000000000000", "1585365.85"),
                                        ("-12.500", "-12.5"), ("0.000000010", "0.00000001")])
def test_exact_strings_are_normalised_without_exponent(value: str, text: str) -> None:
    assert fmt_exact(Decimal(value)) == text


def _strings(obj: Any) -> list[str]:
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [s for v in obj.values() for s in _strings(v)]
    if isinstance(obj, list):
        return [s for v in obj for s in _strings(v)]
    return []


@pytest.mark.parametrize("name", example_names())
def test_every_output_of_an_example_ties_out_and_has_no_exponent(name: str) -> None:
    scenario = load_scenario(example_path(name))
    outcome = hkvatax.assess(scenario)
    for detail in ("per_asset", "full"):
        e = outcome.explain(detail=detail)
        for y in e.years:
            for branch in y["branches"].values():
                for sch in schedules(e, branch):
                    parts = [r.amount for r in sch.rows if r.kind != "total"]
                    total = sch.rows[-1]
                    assert sum(parts, Decimal(0)) == total.amount, sch.title
                    assert total.exact is not None
                    assert fmt_hkd(total.amount) == fmt_hkd(total.exact)
        for view in (e.to_text(), e.to_markdown(), e.to_html()):
            assert not LONG_DECIMALS.search(view)
        doc = json.loads(e.to_json())
        for node in doc["nodes"].values():
            if node["unit"] == "HKD" and isinstance(node["value"], str):
                assert NUMBER.match(node["value"]) and not re.search(r"\.\d*0$", node["value"]), node["value"]
        assert not any(EXPONENT.fullmatch(s) or re.fullmatch(r"-?\d+\.\d*0", s) for s in _strings(doc))
    c = hkvatax.compare(scenario)
    for view in (c.to_text(), c.to_markdown(), c.to_html()):
        assert not LONG_DECIMALS.search(view)
    cdoc = json.loads(c.to_json())
    for d in cdoc["differences"]:
        assert Decimal(d["baseline"]) + Decimal(d["delta"]) == Decimal(d["extension"])
    ledger = hkvatax.match_scenario(scenario)
    csv_text = disposals_csv(ledger)
    assert not LONG_DECIMALS.search(csv_text) and not EXPONENT.search(csv_text.split("\n", 1)[1].replace("E+", ""))
    assert not LONG_DECIMALS.search(disposals_table(ledger))


@pytest.mark.parametrize("module", [hkvatax.money, hkvatax.errors, hkvatax.render.html, hkvatax.render.labels,
                                    hkvatax.render.schedules, hkvatax.render.report, hkvatax.engine, hkvatax.explain,
                                    importlib.import_module("hkvatax.compare")])
def test_docstring_examples_hold(module: Any) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


@pytest.mark.parametrize("name", example_names())
def test_no_trace_sentence_carries_an_exact_value_in_full(name: str) -> None:
    """A rule's explanation sentence formats its amounts (fmt_amount): not "HK$3,723,600.0000…0000"."""
    scenario = load_scenario(example_path(name))
    for regime in ("baseline", "va_extension"):
        for node in hkvatax.assess(scenario, regime=regime).trace:
            assert not LONG_DECIMALS.search(node.explanation), (node.rule_id, node.explanation)
            assert not re.search(r"\d\.\d*0{6,}\b", node.explanation), (node.rule_id, node.explanation)
