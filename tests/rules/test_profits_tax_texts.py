"""Profits-tax rule outputs that the scenario tests see only in part: labels (node ids in the trace),
facts, and the salary-receipt explanation."""

from __future__ import annotations

from decimal import Decimal as D

from tests.rules.concessions.conc_helpers import input_figure, make_ctx, make_line

from hkvatax.models.taxpayers import Corporation
from hkvatax.rules.profits_tax import basis_period, line_treatment, losses, round_assessable


def test_salary_receipts_are_left_to_salaries_tax() -> None:
    c = make_ctx("2024/25")
    ln = make_line(c, "sal", 10, kind="receipt", receipt_type="salary", virtual_asset=True)
    f = line_treatment(c, ln, True)
    assert (f.value, c.tracer.nodes[f.id].explanation) == (
        "excluded", "sal: salary in tokens is a salaries-tax item (DIPN 39 para 52), not a business receipt.")


def test_labels_and_facts() -> None:
    c = make_ctx("2024/25")
    bp = basis_period(c, "2024-01-01", "2024-12-31", "12-31")
    n = c.tracer.nodes[bp.id]
    assert (n.label, n.unit, [(x.name, x.value) for x in n.facts]) == ("basis_period", "text",
                                                                        [("accounting_year_end", "12-31")])
    assert bp.id == "baseline/2024/25/basis_period" and bp.value == "2024-01-01 to 2024-12-31"
    so = losses(c, input_figure(c, "p", D(100)), input_figure(c, "bf", D(30)), Corporation(name="c"))
    assert (so.value, so.id) == (D(30), "baseline/2024/25/losses_set_off")
    ra = round_assessable(c, input_figure(c, "p2", D("70.99")), so)
    assert (ra.value, ra.id) == (D(40), "baseline/2024/25/assessable_profits")


def test_outgoing_and_capital_line_explanations() -> None:
    c = make_ctx("2024/25")
    out = make_line(c, "o", -5, kind="outgoing", asset=None)
    nd = make_line(c, "p", -5, kind="outgoing", asset=None)
    object.__setattr__(nd, "deductible", False)
    cap = make_line(c, "k", 5, character="capital")
    got = [(f.value, c.tracer.nodes[f.id].explanation) for f in (
        line_treatment(c, out, True, key="o"), line_treatment(c, nd, True, key="p"), line_treatment(c, cap, True))]
    assert got == [
        ("assessable", "o: deductible outgoing of the business (s.16)."),
        ("excluded", "p: not deductible (s.17): stated as capital or private."),
        ("excluded", "k: capital: profits on the sale of capital assets are outside s.14 (DIPN 39 para 46)."),
    ]
