"""The shortcuts that cut an assessment's fixed cost (decisions 0182, 0183) give what the long way gives."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

import pytest

from hkvatax import assess
from hkvatax.engine import _Decided, _ledger_columns, assess_rows, ledger_rows
from hkvatax.errors import InputError
from hkvatax.examples import example_path
from hkvatax.io import load_scenario
from hkvatax.periods import YearOfAssessment
from hkvatax.render.summary import year_summaries
from hkvatax.rules.params import ParamValue, default_params
from hkvatax.rules.registry import Figure, Out
from hkvatax.trace import Node, ParamUse


def test_quick_init_makes_the_same_frozen_instance() -> None:
    node = Node("n", "r", "t", (), "enacted", Decimal(1), "HKD", "l", "e", inputs=("a",))
    same = Node(id="n", rule_id="r", title="t", citations=(), status="enacted", value=Decimal(1), unit="HKD",
                label="l", explanation="e", inputs=("a",), params=(), facts=(), assumptions=(), rounding=None,
                year=None)
    assert node == same and hash(node) == hash(same) and repr(node) == repr(same)
    assert dataclasses.replace(node, label="m").label == "m"
    with pytest.raises(dataclasses.FrozenInstanceError):
        node.label = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        Node("n")  # type: ignore[call-arg]
    assert Out(1, "x").unit == "HKD" and Out(1, "x").depends is None
    assert Figure("a", 2) == Figure(id="a", value=2)


def test_memoised_parameters_answer_as_the_tables() -> None:
    params = default_params()
    path = "profits_tax.corporation.lower_rate"
    for start in (2018, 2024, 2025, 2030):
        y = YearOfAssessment(start)
        entry = next(e for e in params.entries(path) if e.covers(y))
        assert params.at(path, y) is entry and params.at(path, y) is entry
        assert params.has(path, y) and not params.has("no.such.parameter", y)
        use, projected = params.use(path, y)
        assert projected == params.is_projected(y)
        assert (use.value, use.year, use.status == "enacted") == (entry.value, y.label, not projected)
    # an override makes a new store: the old one's memory does not leak into it
    y = YearOfAssessment(2025)
    mine = ParamValue(path, Decimal("0.05"), y, None, "mine", "assumption", None, origin="user file x.toml")
    other = params.with_override(path, mine)
    assert other.at(path, y).value == Decimal("0.05") and params.at(path, y).value != Decimal("0.05")
    assert isinstance(other.use(path, y)[0], ParamUse) and other.use(path, y)[0].origin == "user file x.toml"


ROWS = [
    ("b1", "2024-05-01T10:00:00+08:00", "acquisition", "BTC", "2", "400000", "", ""),
    ("s1", "2024-09-01T10:00:00+08:00", "receipt", "BTC", "0.1", "30000", "", "staking"),
    ("d1", "2025-02-01T10:00:00+08:00", "disposal", "BTC", "1", "350000", "", ""),
    ("d2", "2025-06-01T10:00:00+08:00", "disposal", "BTC", "0.5", "200000", "", ""),
]
COLUMNS = ["id", "timestamp", "kind", "asset", "quantity", "amount", "fee_amount", "subtype"]
PROFILES: list[dict[str, Any]] = [
    {"taxpayer": {"kind": "corporation", "name": "Co"}, "assets": [{"symbol": "BTC"}]},
    {"taxpayer": {"kind": "individual", "name": "Ann"}, "assets": [{"symbol": "BTC"}]},
    {"taxpayer": {"kind": "individual", "name": "Ben", "trading": {"intention_at_acquisition": "long_term_investment"}},
     "assets": [{"symbol": "BTC"}]},
]


@pytest.mark.parametrize("profile", PROFILES, ids=["corporation", "individual", "investor"])
def test_columns_and_one_decision_a_year_change_nothing(profile: dict[str, Any], monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    cells = {c: [r[j] for r in ROWS] for j, c in enumerate(COLUMNS)}
    scenario, matched = _ledger_columns(cells, profile, file="x")
    assert len(matched.by_basis) == 2  # the basis is decided by the rules: each year's character decided early
    by_columns = assess(scenario, matched=matched)
    replayed: list[bool] = []
    same = _Decided.same
    monkeypatch.setattr(_Decided, "same", lambda self, stats: replayed.append(same(self, stats)) or replayed[-1])
    by_rows = assess_rows(ROWS, profile, columns=COLUMNS, file="x")
    assert replayed and all(replayed)
    monkeypatch.setattr(_Decided, "same", lambda self, stats: False)  # decide every year again, as before
    again = assess_rows(ROWS, profile, columns=COLUMNS, file="x")
    for detail in ("summary", "per_asset", "full"):
        text = by_rows.explain(detail=detail).to_json()
        assert by_columns.explain(detail=detail).to_json() == text == again.explain(detail=detail).to_json()
    assert list(by_rows.trace.assumptions) == list(again.trace.assumptions)


def test_columns_report_problems_as_rows_do() -> None:
    bad = [*ROWS, ("d3", "2025-07-01T10:00:00+08:00", "disposal", "BTC", "9", "1", "", ""),
           ("x", "2025-08-01T10:00:00+08:00", "acquistion", "BTC", "1", "1", "", "")]
    cells = {c: [r[j] for r in bad] for j, c in enumerate(COLUMNS)}
    reports = []
    for make in (lambda: _ledger_columns(cells, PROFILES[0], file="x"),
                 lambda: ledger_rows(bad, PROFILES[0], columns=COLUMNS, file="x")):
        with pytest.raises(InputError) as exc:
            make()
        reports.append([p.to_dict() for p in exc.value.problems])
    assert reports[0] == reports[1] and reports[0]


@pytest.mark.parametrize("name", ["family_office", "private_fund", "individual_investor"])
def test_summary_walks_the_trace_as_each_figure_would(name: str) -> None:
    outcome = assess(load_scenario(example_path(name)), regime="va_extension")
    for record, (label, ya) in zip(year_summaries(outcome), outcome.years.items(), strict=True):
        roots = ([ya.decision.figure.id] if ya.decision else []) + [f.id for b in ya.branches.values()
                                                                     for f in b.figures.values()]
        nodes = [n for r in roots for n in outcome.trace.descendants(r)]
        assert record["year"] == label
        assert record["assumptions"] == sorted({a for n in nodes for a in n.assumptions})
        assert record["depends_on_proposed_law"] == any(n.status == "proposed" for n in nodes)
