"""DIPN 61 worked examples (Appendix 4: assessments on funds; Appendix 5: anti-round-tripping), data-driven.

Each JSON file under ``examples/`` names the paragraph it reproduces in its ``source`` field.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from conc_helpers import make_ctx, make_line

from hkvatax.models import InterestPeriod, PrivateFund, ResidentInvestor, SpeFacts
from hkvatax.money import exact_context
from hkvatax.rules.ufe import indirect_interest, ufe_regime

EXAMPLES = Path(__file__).parent / "examples"
ELIGIBLE_FUND = {"managed_as_whole_or_pooled": True, "participants_no_day_to_day_control": True,
                 "shares_profits_from_property": True, "business_undertaking_general_commercial": False,
                 "uses_specified_person": True}


def _load(prefix: str) -> list[tuple[str, dict[str, Any]]]:
    files = sorted(EXAMPLES.glob(f"{prefix}*.json"))
    assert files, f"no {prefix} examples"
    return [(f.stem, json.loads(f.read_text(encoding="utf-8"))) for f in files]


def _cents(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def test_every_example_cites_its_source() -> None:
    for name, data in _load("app"):
        assert data["source"].startswith("DIPN 61 Appendix"), name


APP4 = [(f"{stem}:{i}", data["year"], v) for stem, data in _load("app4") for i, v in enumerate(data["variants"])]


@pytest.mark.parametrize(("case", "year", "variant"), APP4, ids=[c for c, _, _ in APP4])
def test_appendix_4(case: str, year: str, variant: dict[str, Any]) -> None:
    ctx = make_ctx(year)
    fund = PrivateFund(name=case, fund=variant["fund"], is_ofc=variant.get("is_ofc", False))
    lines = [make_line(ctx, ln["key"], ln["amount"], sch16c_class=ln.get("sch16c_class"),
                       receipts=ln.get("receipts")) for ln in variant["lines"]]
    first, last = ctx.year.first_day, ctx.year.last_day
    result = ufe_regime(ctx, fund, lines, extension=False, basis_period=(first, last))
    exp = variant["expected"]
    assert result.eligible == exp["eligible"]
    assert result.treatments == exp["treatments"]
    assert result.exempt_total is not None and result.exempt_total.value == Decimal(exp["exempt_total"])
    assessable = sum((ln.amount for ln in lines if result.treatments[ln.key] == "assessable"), Decimal(0))
    assert assessable == Decimal(exp["assessable_total"])
    if "losses_not_available" in exp:
        assert result.extra["losses_not_available"].value == Decimal(exp["losses_not_available"])


def _art_case(year: str, data: dict[str, Any], settings: dict[str, Any] | None = None,
              investors: list[ResidentInvestor] | None = None) -> dict[str, Any]:
    ctx = make_ctx(year, settings=settings)
    period = (date.fromisoformat(data["period"][0]), date.fromisoformat(data["period"][1]))
    fund = PrivateFund(name="fund", fund=dict(
        ELIGIBLE_FUND, spes=[SpeFacts(**s) for s in data.get("spes", [])],
        resident_investors=investors or [ResidentInvestor(**i) for i in data["investors"]]))
    lines = [make_line(ctx, "qualifying", data["fund_exempt_profits_hkd"], sch16c_class="securities")]
    result = ufe_regime(ctx, fund, lines, extension=False, basis_period=period)
    assert result.eligible == "yes"
    assert result.exempt_total is not None and result.exempt_total.value == Decimal(data["fund_exempt_profits_hkd"])
    return {"result": result, "ctx": ctx}


SIMPLE_APP5 = [(stem, data) for stem, data in _load("app5") if "years" not in data and "chains" not in data]


@pytest.mark.parametrize(("stem", "data"), SIMPLE_APP5, ids=[s for s, _ in SIMPLE_APP5])
def test_appendix_5(stem: str, data: dict[str, Any]) -> None:
    for settings, expected in [(None, data["expected_deemed"])] + [
            (v["settings"], v["expected_deemed"]) for v in data.get("variants", [])]:
        out = _art_case(data["year"], data, settings)["result"]
        got = {k[len("deemed["):-1]: _cents(f.value) for k, f in out.extra.items() if k.startswith("deemed[")}
        assert got == {k: Decimal(v) for k, v in expected.items()}
        assert [f.value for f in out.deemed] == [out.extra[f"deemed[{k}]"].value for k in expected]


def test_example_5_6_exact_figures() -> None:
    """DIPN 61 App. 5 Ex. 5.6: [$80m × 50% × 91/366] + [$100m × 50% × 100% × 91/366] = $22.4m."""
    data = json.loads((EXAMPLES / "app5_ex5_6.json").read_text(encoding="utf-8"))
    run = _art_case(data["year"], data)
    total = run["result"].deemed[0]
    with exact_context():
        exact = (Decimal(80_000_000) * 50 * 91 + Decimal(100_000_000) * 50 * 91) / Decimal(100 * 366)
        assert abs(total.value - exact) < Decimal("1e-60")
    assert _cents(total.value) == Decimal("22377049.18")
    assert (total.value / 1_000_000).quantize(Decimal("0.1")) == Decimal(data["expected_presentation_millions"])
    nodes = run["ctx"].tracer.nodes
    fund_part = next(n for n in nodes.values() if n.rule_id == "ufe.art.deemed_profits")
    spe_part = next(n for n in nodes.values() if n.rule_id == "ufe.art.spe_deemed_profits")
    assert _cents(fund_part.value) == Decimal(data["expected_parts"]["fund"])
    assert _cents(spe_part.value) == Decimal(data["expected_parts"]["spe"])
    days = next(n for n in nodes.values() if n.rule_id == "ufe.art.interest_days")
    assert days.value == 50 * 91  # 1 Jan–31 Mar 2020 at 50%; 1 Oct–31 Dec 2019 at 20% ignored
    assert any(f.name == "days_in_accounting_period" and f.value == 366 for f in fund_part.facts)


def test_example_5_5_year_by_year() -> None:
    data = json.loads((EXAMPLES / "app5_ex5_5.json").read_text(encoding="utf-8"))
    for year in data["years"]:
        out = _art_case(year["year"], year)["result"]
        assert {k: str(_cents(out.extra[f"deemed[{k}]"].value)) for k in year["expected_deemed"]} \
            == year["expected_deemed"]


def test_example_5_7_discharge_of_upper_tiers() -> None:
    data = json.loads((EXAMPLES / "app5_ex5_7.json").read_text(encoding="utf-8"))
    ctx = make_ctx(data["year"])
    start, end = (date.fromisoformat(d) for d in data["period"])
    investors = []
    for name, chain in data["chains"].items():
        pct = indirect_interest(ctx, [Decimal(x) for x in chain], key=name)
        assert pct.value == Decimal(data["expected_indirect_percent"][name])
        investors.append(ResidentInvestor(
            name=name, person_type="corporation",
            interests=(InterestPeriod(start=start, end=end, percent=pct.value),),
            interposed_resident_already_deemed=name in data["discharged"]))
    out = _art_case(data["year"], data, investors=investors)["result"]
    got = {k: str(_cents(out.extra[f"deemed[{k}]"].value)) for k in data["expected_deemed"]}
    assert got == data["expected_deemed"]
