"""Whole history and future years: flat-rate years, each year's one-off reduction at its boundaries, years
before the tables (not assessed, never failing later years), years after them (projected under a named
assumption) and the user's own parameter values (decisions 0120-0122)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hkvatax import assess
from hkvatax.cli import main
from hkvatax.errors import DataTableGapError, ParamsFileError
from hkvatax.explain import Explanation
from hkvatax.io import load_params
from hkvatax.models import Scenario
from hkvatax.periods import YearOfAssessment
from hkvatax.rules.params import ParamStore, default_params
from hkvatax.rules.profits_tax import (
    charge_at_rates,
    first_modelled_year,
    one_off_reduction,
    stated,
    tax_at_flat_rate,
)
from hkvatax.rules.registry import NoApplicableRuleError, RuleContext
from hkvatax.trace import Tracer

D = Decimal
Y = YearOfAssessment

#: Each year's one-off reduction of profits tax, as the sources give it (percent, cap per case in HKD).
REDUCTIONS = {
    2008: ("0", "0"), 2009: ("0", "0"), 2010: ("0", "0"),
    2011: ("0.75", "12000"), 2012: ("0.75", "10000"), 2013: ("0.75", "10000"), 2014: ("0.75", "20000"),
    2015: ("0.75", "20000"), 2016: ("0.75", "20000"), 2017: ("0.75", "30000"),
}


def _ctx(year: int, params: ParamStore | None = None) -> RuleContext:
    return RuleContext(Y(year), params or default_params(), Tracer())


def _reduction(year: int, tax: Decimal, params: ParamStore | None = None) -> Decimal:
    ctx = _ctx(year, params)
    value = one_off_reduction(ctx, stated(ctx, "tax", tax)).value
    assert isinstance(value, Decimal)
    return value


# ---------------------------------------------------------------------------------------------- rules by year
@pytest.mark.parametrize("year", sorted(REDUCTIONS))
def test_each_years_reduction_at_its_cap_boundary(year: int) -> None:
    pct, cap = (D(v) for v in REDUCTIONS[year])
    if pct == 0:
        assert _reduction(year, D("1000000")) == 0
        return
    below = (cap / pct).to_integral_value(rounding="ROUND_FLOOR")  # whole-dollar tax just short of the cap
    if below * pct == cap:
        below -= 1
    assert _reduction(year, below) == below * pct < cap
    assert _reduction(year, below + 1) == cap  # the first whole-dollar tax the cap limits
    assert _reduction(year, D("10000000")) == cap
    assert _reduction(year, D(0)) == 0


@pytest.mark.parametrize("year", sorted(REDUCTIONS))
def test_each_flat_year_is_sourced_and_enacted(year: int) -> None:
    for key in ("percent", "cap"):
        value = default_params().at(f"profits_tax.one_off_reduction.{key}", Y(year))
        assert value.status == "enacted" and value.source and value.citation
        assert (value.valid_from, value.valid_to) == (Y(year), Y(year))


@pytest.mark.parametrize("klass,rate", [("corporation", D("0.165")), ("unincorporated", D("0.15"))])
def test_flat_rate_before_two_tier_and_two_tiers_from_2018_19(klass: str, rate: Decimal) -> None:
    profit = D("3000000")
    for year in (2008, 2017):
        ctx = _ctx(year)
        assert tax_at_flat_rate(ctx, stated(ctx, "p", profit), klass).value == profit * rate
    ctx = _ctx(2018)
    with pytest.raises(NoApplicableRuleError):
        tax_at_flat_rate(ctx, stated(ctx, "p", profit), klass)
    scenario = _trader(klass)
    tp = scenario.taxpayer
    ctx17, ctx18 = _ctx(2017), _ctx(2018)
    assert charge_at_rates(ctx17, tp, stated(ctx17, "p", profit)).value == profit * rate
    lower = D("2000000") * rate / 2 + D("1000000") * rate
    assert charge_at_rates(ctx18, tp, stated(ctx18, "p", profit)).value == lower


def test_the_tables_start_at_2008_09() -> None:
    assert first_modelled_year(default_params()) == Y(2008)
    with pytest.raises(DataTableGapError):
        default_params().at("profits_tax.one_off_reduction.percent", Y(2007))


# ---------------------------------------------------------------------------------------------- scenarios
def _trader(klass: str = "unincorporated", events: list[dict[str, str]] | None = None,
            **extra: object) -> Scenario:
    if klass == "corporation":
        tp: dict[str, object] = {"kind": "corporation", "name": "Co"}
    else:
        tp = {"kind": "individual", "name": "Trader", "hk_resident": True,
              "trading": {"intention_at_acquisition": "resale_at_profit", "organised_like_a_business": True,
                          "profit_motive": True, "transactions_per_year": 400, "financed_by_borrowing": True}}
    tp["two_tier"] = {"has_connected_entities": False}
    tp.update(extra)
    return Scenario.model_validate({"taxpayer": tp, "events": events or []})


def _buy(i: str, day: str, cost: str, qty: str = "1") -> dict[str, str]:
    return {"kind": "acquisition", "id": i, "timestamp": f"{day}T10:00:00+08:00", "asset": "BTC",
            "quantity": qty, "cost": cost}


def _sell(i: str, day: str, proceeds: str, qty: str = "1") -> dict[str, str]:
    return {"kind": "disposal", "id": i, "timestamp": f"{day}T10:00:00+08:00", "asset": "BTC",
            "quantity": qty, "proceeds": proceeds}


def test_issue_10_purchase_in_2017_18_no_longer_fails_2021_22() -> None:
    for klass in ("unincorporated", "corporation"):
        scenario = _trader(klass, [_buy("a", "2017-06-01", "20000"), _sell("d", "2021-06-01", "300000")])
        ya = assess(scenario, "2021/22")["2021/22"]
        assert ya.status == "determined" and ya.assessable_profits == D("280000")


@pytest.mark.parametrize("klass,rate", [("unincorporated", D("0.15")), ("corporation", D("0.165"))])
def test_losses_of_2016_17_carry_through_2017_18_into_2018_19(klass: str, rate: Decimal) -> None:
    # 2016/17: a loss of 500,000. 2017/18: a profit of 200,000 (all absorbed). 2018/19: a profit of 1,000,000.
    events = [_buy("a1", "2016-05-01", "1000000"), _sell("d1", "2016-06-01", "500000"),
              _buy("a2", "2017-05-01", "100000"), _sell("d2", "2017-06-01", "300000"),
              _buy("a3", "2018-05-01", "100000"), _sell("d3", "2018-06-01", "1100000")]
    out = assess(_trader(klass, events))
    y16, y17, y18 = out["2016/17"].result, out["2017/18"].result, out["2018/19"].result
    assert y16 is not None and y17 is not None and y18 is not None
    assert y16.losses_carried_forward == D("500000") and y16.tax_payable == 0
    assert (y17.assessable_profits, y17.losses_carried_forward, y17.tax_payable) == (0, D("300000"), 0)
    assert y18["losses_brought_forward"] == D("300000") and y18.assessable_profits == D("700000")
    expected = D("700000") * rate / 2  # within the HK$2m lower band: half the rate
    assert y18["tax_charged"] == expected
    assert y18["one_off_reduction"] == min(expected * D("0.75"), D("20000"))


def test_flat_year_profit_pays_the_flat_rate_less_that_years_reduction() -> None:
    out = assess(_trader("corporation", [_buy("a", "2011-05-01", "100000"), _sell("d", "2011-06-01", "200000")]),
                 "2011/12")
    r = out["2011/12"].result
    assert r is not None and r["tax_charged"] == D("16500")
    assert r["one_off_reduction"] == D("12000") and r.tax_payable == D("4500")


def test_years_before_the_tables_are_not_assessed_and_pools_carry() -> None:
    events = [_buy("a", "2000-01-03", "1000", "2"), _sell("d0", "2005-06-01", "800"),
              _sell("d1", "2009-06-01", "10500")]
    out = assess(_trader("unincorporated", events))
    assert [label for label, ya in out.years.items() if ya.status == "not_assessed"] == ["1999/00", "2005/06"]
    early = out["2005/06"]
    assert early.result is None and early.decision is None and early.branches == {}
    assert early.reason is not None and early.reason.startswith("before 2008/09")
    later = out["2009/10"].result
    assert later is not None and later.assessable_profits == D("10000")  # the 2000 lot's cost carried: 10,500 − 500
    assert later["losses_brought_forward"] == 0
    text = out.explain().to_text()
    assert "Year of assessment 2005/06\n  Not assessed: before 2008/09" in text
    md, html = out.explain().to_markdown(), out.explain().to_html()
    assert "**Not assessed:** before 2008/09" in md and "<b>Not assessed:</b> before 2008/09" in html


def test_stated_losses_brought_forward_enter_the_first_assessed_year() -> None:
    events = [_buy("a", "2006-05-01", "1000"), _sell("d", "2009-06-01", "51000")]
    out = assess(_trader("unincorporated", events, losses_brought_forward_hkd="30000"), "2006/07..2009/10")
    r = out["2008/09"].result
    assert out["2006/07"].status == "not_assessed" and r is not None
    assert r["losses_brought_forward"] == D("30000") and r.losses_carried_forward == D("30000")
    assert out["2009/10"].assessable_profits == D("20000")


def test_not_assessed_year_round_trips_through_json() -> None:
    out = assess(_trader("unincorporated", [_buy("a", "2003-05-01", "1000"), _sell("d", "2009-06-01", "2000")]))
    text = out.explain().to_json()
    first = json.loads(text)["years"][0]
    assert first["status"] == "not_assessed" and first["character"] is None and first["reason"].startswith("before")
    assert Explanation.from_json(text).to_json() == text


@settings(max_examples=25, deadline=None)
@given(buy_year=st.integers(2000, 2030), hold=st.integers(0, 3))
def test_any_year_from_2000_is_accepted_and_never_fails_later_years(buy_year: int, hold: int) -> None:
    sell_year = buy_year + hold
    events = [_buy("a", f"{buy_year}-05-01", "1000"), _sell("d", f"{sell_year}-06-01", "3000")]
    out = assess(_trader("corporation", events))
    for label, ya in out.years.items():
        assert (ya.status == "not_assessed") == (Y.parse(label) < Y(2008))
    if sell_year >= 2008:
        assert out[Y(sell_year)].assessable_profits == D("2000")


# ---------------------------------------------------------------------------------------------- future years
def test_a_year_after_the_tables_is_projected_with_named_assumptions() -> None:
    out = assess(_trader("corporation", [_buy("a", "2027-05-01", "1000000"), _sell("d", "2027-06-01", "1200000")]),
                 "2027/28")
    r = out["2027/28"].result
    assert r is not None and r["tax_charged"] == D("16500") and r["one_off_reduction"] == 0
    assert r.tax_payable == D("16500")
    nodes = out.trace.nodes
    for name in ("tax_at_rates", "tax_charged", "one_off_reduction", "tax_payable"):
        node = nodes[r.figures[name].id]
        assert "A-YEAR-BEYOND-TABLES" in node.assumptions and node.status == "assumption", name
    assert "A-REDUCTION-NIL" in nodes[r.figures["tax_payable"].id].assumptions
    rate_uses = [p for p in nodes[r.figures["tax_at_rates"].id].params]
    assert rate_uses and all(p.status == "assumption" and "A-YEAR-BEYOND-TABLES" in p.citation for p in rate_uses)
    assert "A-YEAR-BEYOND-TABLES" in out.explain().assumptions


def test_the_last_year_in_the_tables_is_not_projected() -> None:
    out = assess(_trader("corporation", [_buy("a", "2026-05-01", "1000000"), _sell("d", "2026-06-01", "1200000")]),
                 "2026/27")
    r = out["2026/27"].result
    assert r is not None
    assert all("A-YEAR-BEYOND-TABLES" not in n.assumptions for n in out.trace.nodes.values())
    assert default_params().horizon == Y(2026)


USER_TOML = """
[[profits_tax.one_off_reduction.percent]]
from = "2027/28"
to = "2027/28"
value = "1"
citation = "2028-29 Budget (my reading): 100% of 2027/28 final profits tax, cap HK$2,000"
status = "proposed"
source = "https://www.budget.gov.hk/"

[[profits_tax.one_off_reduction.cap]]
from = "2027/28"
to = "2027/28"
value = "2000"
citation = "2028-29 Budget (my reading)"
status = "proposed"
"""


def test_user_parameters_are_used_and_shown_as_the_users(tmp_path: Path) -> None:
    path = tmp_path / "budget.toml"
    path.write_text(USER_TOML, encoding="utf-8")
    params = load_params(path)
    assert params.horizon == default_params().horizon  # the user's values do not move the tables' horizon
    out = assess(_trader("corporation", [_buy("a", "2027-05-01", "1000000"), _sell("d", "2027-06-01", "1200000")]),
                 "2027/28", params=params)
    r = out["2027/28"].result
    assert r is not None and r["one_off_reduction"] == D("2000") and r.tax_payable == D("14500")
    node = out.trace.nodes[r.figures["one_off_reduction"].id]
    uses = {p.path: p for p in node.params}
    pct = uses["profits_tax.one_off_reduction.percent"]
    assert pct.origin == "user file budget.toml" and pct.status == "proposed" and "my reading" in pct.citation
    assert node.status == "proposed" and "A-REDUCTION-NIL" not in node.assumptions
    text = out.explain().to_text()
    assert "[proposed; supplied by the user: user file budget.toml]" in text
    js = out.explain().to_json()
    assert Explanation.from_json(js).to_json() == js and '"origin": "user file budget.toml"' in js


def test_user_value_replaces_only_its_own_years(tmp_path: Path) -> None:
    path = tmp_path / "rate.toml"
    path.write_text('[[profits_tax.corporation.standard_rate]]\nfrom = "2020/21"\nto = "2020/21"\nvalue = "0.17"\n'
                    'citation = "what-if"\nstatus = "assumption"\n', encoding="utf-8")
    params = load_params(path)
    assert params.at("profits_tax.corporation.standard_rate", Y(2020)).value == D("0.17")
    for year in (2008, 2019, 2021, 2030):
        value = params.at("profits_tax.corporation.standard_rate", Y(year))
        assert value.value == D("0.165") and value.origin is None


def test_user_values_for_earlier_years_extend_the_assessed_range(tmp_path: Path) -> None:
    path = tmp_path / "early.toml"
    entries = [("profits_tax.corporation.standard_rate", "0.175"), ("profits_tax.unincorporated.standard_rate", "0.16"),
               ("profits_tax.one_off_reduction.percent", "0.75"), ("profits_tax.one_off_reduction.cap", "25000")]
    path.write_text("".join(f'[[{p}]]\nfrom = "2007/08"\nto = "2007/08"\nvalue = "{v}"\ncitation = "2008-09 Budget"\n'
                            'status = "enacted"\n\n' for p, v in entries), encoding="utf-8")
    params = load_params(path)
    assert first_modelled_year(params) == Y(2007)
    out = assess(_trader("corporation", [_buy("a", "2006-05-01", "100000"), _sell("d", "2007-06-01", "300000")]),
                 params=params)
    assert out["2006/07"].status == "not_assessed" and out["2006/07"].reason.startswith("before 2007/08")
    r = out["2007/08"].result
    assert r is not None and r["tax_charged"] == D("35000") and r["one_off_reduction"] == D("25000")


@pytest.mark.parametrize("text,fragment", [
    ('[[profits_tax.nope]]\nfrom = "2027/28"\nvalue = "1"\ncitation = "c"\nstatus = "enacted"',
     "unknown parameter(s) profits_tax.nope"),
    ('[[profits_tax.one_off_reduction.cap]]\nfrom = "2027/28"\nvalue = "1"\nstatus = "enacted"',
     "entry lacks citation"),
    ('[[profits_tax.one_off_reduction.cap]]\nfrom = "2027/28"\nvalue = 1\ncitation = "c"\nstatus = "enacted"',
     "value must be a string"),
    ("not toml [", "x.toml"),
])
def test_a_bad_user_file_is_a_named_error(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "x.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ParamsFileError) as err:
        load_params(path)
    assert err.value.code == "bad_params_file" and fragment in str(err.value)
    with pytest.raises(ParamsFileError, match="cannot read"):
        load_params(tmp_path / "missing.toml")


def test_cli_params_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = tmp_path / "s.json"
    scenario.write_text(_trader("corporation", [_buy("a", "2027-05-01", "1000000"),
                                                _sell("d", "2027-06-01", "1200000")]).model_dump_json(),
                        encoding="utf-8")
    user = tmp_path / "budget.toml"
    user.write_text(USER_TOML, encoding="utf-8")
    assert main(["assess", str(scenario), "--year", "2027/28", "--params", str(user)]) == 0
    assert "supplied by the user: user file budget.toml" in capsys.readouterr().out
    assert main(["assess", str(scenario), "--year", "2027/28"]) == 0
    assert "A-YEAR-BEYOND-TABLES" in capsys.readouterr().out
    assert main(["compare", str(scenario), "--year", "2027/28", "--params", str(user)]) == 0
    capsys.readouterr()
    user.write_text("[[profits_tax.nope]]\n", encoding="utf-8")
    assert main(["assess", str(scenario), "--params", str(user)]) == 1  # an input problem (docs/cli.md exit codes)
    assert "[bad_params_file]" in capsys.readouterr().err
