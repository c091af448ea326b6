"""Issue 11, classes 'unbounded numbers and dates', 'ownership sums' and 'names the trace needs': every
numeric and date field of the models is bounded, shares of one whole add up to at most 100%, and names the
explanation keys by are unique — each a named problem, never an overflow, a hang or a trace collision."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hkvatax.errors import InputError
from hkvatax.io import scenario_from_dict
from hkvatax.models.common import MAX_EPOCH_US, MIN_EPOCH_US

LOT = {"asset": "BTC", "lot_id": "open-1", "quantity": "2", "cost_hkd": "1000",
       "acquired_at": "2023-01-01T00:00:00+08:00"}


def _codes(data: dict[str, Any]) -> list[str]:
    try:
        scenario_from_dict(data)
    except InputError as exc:
        return [p.code for p in exc.problems]
    return []


def _scenario(taxpayer: dict[str, Any] | None = None, **more: Any) -> dict[str, Any]:
    return {"taxpayer": taxpayer or {"kind": "individual", "name": "A"},
            "assets": [{"symbol": "BTC"}], **more}


def _lot(weight: str) -> dict[str, Any]:
    return _scenario(opening_lots=[{**LOT, "time_weight": weight}])


@pytest.mark.parametrize("weight", ["1e30", "1e999999", "-1e30", "1E+999999999", "1e-999999"])
def test_time_weight_beyond_the_accepted_years_is_absurd_magnitude(weight: str) -> None:
    """(A written exponent beyond ±40 is refused by the number grammar before any value: hkvatax.grammar.)"""
    try:
        scenario_from_dict(_lot(weight))
    except InputError as exc:
        wanted = "exponent_out_of_range" if abs(int(weight.lower().split("e")[1])) > 40 else "absurd_magnitude"
        assert [p.code for p in exc.problems] == [wanted]
        assert exc.problems[0].source.path == "opening_lots[0].time_weight"
    else:
        raise AssertionError("accepted")


def test_time_weight_of_a_real_pool_is_accepted() -> None:
    # 2 BTC acquired on average at 2023-01-01T00:00Z: 2 x 1672531200000000 µs
    assert _codes(_lot("3345062400000000")) == []


@settings(max_examples=200, deadline=None)
@given(st.decimals(allow_nan=False, allow_infinity=False, places=None))
def test_time_weight_is_accepted_exactly_when_its_mean_is_an_accepted_instant(weight: Decimal) -> None:
    codes = _codes(_lot(str(weight)))
    assert set(codes) <= {"absurd_magnitude", "too_many_decimals"}
    if not codes and weight:
        assert MIN_EPOCH_US <= weight / 2 < MAX_EPOCH_US


def _office(**fihv: Any) -> dict[str, Any]:
    return {"kind": "family_office", "name": "FO", "fihv": fihv}


def test_fihv_election_dated_9999_is_bad_date() -> None:
    assert _codes(_scenario(_office(election_made=True, election_date="9999-12-31"))) == ["bad_date"]


@pytest.mark.parametrize("field", ["election_date"])
@given(day=st.dates())
@settings(max_examples=100, deadline=None)
def test_every_date_is_within_the_accepted_years(field: str, day: Any) -> None:
    codes = _codes(_scenario(_office(**{field: day.isoformat()})))
    assert codes == ([] if 1901 <= day.year <= 2199 else ["bad_date"])


@pytest.mark.parametrize("field", ["investor_count", "holders_count"])
def test_counts_are_bounded(field: str) -> None:
    fund = {"kind": "private_fund", "name": "F", "fund": {field: "9" * 5000}}
    assert _codes(_scenario(fund)) != []
    fund = {"kind": "private_fund", "name": "F", "fund": {field: 10**12}}
    assert _codes(_scenario(fund)) == ["invalid_field"]


def _investor(name: str, percent: str, **more: Any) -> dict[str, Any]:
    return {"name": name, "interests": [{"start": "2024-04-01", "end": "2025-03-31", "percent": percent}], **more}


def _fund(*investors: dict[str, Any], **more: Any) -> dict[str, Any]:
    return _scenario({"kind": "private_fund", "name": "F", "fund": {"resident_investors": list(investors), **more}})


def test_three_resident_investors_at_100_percent_is_ownership_sum() -> None:
    assert _codes(_fund(*(_investor(n, "100") for n in "ABC"))) == ["ownership_sum"]


def test_investors_held_through_another_are_counted_in_that_one() -> None:
    # DIPN 61 Appendix 5 Example 5.7: HK6 holds through HK7, HK7 through HK8; HK8 holds 50%
    assert _codes(_fund(_investor("HK8", "50"), _investor("HK7", "35", held_through="HK8"),
                        _investor("HK6", "31.5", held_through="HK7"))) == []


def test_one_investors_own_and_associates_interests_over_100_percent() -> None:
    inv = _investor("A", "70")
    inv["associates_interests"] = [{"start": "2024-10-01", "end": "2024-10-01", "percent": "31"}]
    assert _codes(_fund(inv)) == ["ownership_sum"]


def test_fihv_and_esfo_shares_over_100_percent() -> None:
    assert _codes(_scenario(_office(family_ownership_percent="95", charity_ownership_percent="6"))) \
        == ["ownership_sum"]
    office = _office(esfo={"family_ownership_percent": "60", "charity_ownership_percent": "41"})
    assert _codes(_scenario(office)) == ["ownership_sum"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60), st.integers(0, 100)), min_size=1, max_size=6))
def test_ownership_is_refused_exactly_when_some_day_exceeds_100_percent(parts: list[tuple[int, int, int]]) -> None:
    from datetime import date, timedelta

    base = date(2024, 4, 1)
    investors = []
    daily: dict[date, int] = {}
    for i, (a, b, pct) in enumerate(parts):
        start, end = base + timedelta(min(a, b)), base + timedelta(max(a, b))
        investors.append({"name": f"I{i}", "interests": [
            {"start": start.isoformat(), "end": end.isoformat(), "percent": str(pct)}]})
        for d in range((end - start).days + 1):
            daily[start + timedelta(d)] = daily.get(start + timedelta(d), 0) + pct
    codes = _codes(_fund(*investors))
    assert codes == (["ownership_sum"] if max(daily.values()) > 100 else [])


def test_two_spes_with_one_name_is_duplicate_name() -> None:
    spe = {"name": "S", "fund_interest_percent": "50"}
    assert _codes(_fund(spes=[spe, spe])) == ["duplicate_name"]


def test_two_fspes_with_one_name_is_duplicate_name() -> None:
    fspe = {"name": "S", "fihv_interest_percent": "50"}
    assert _codes(_scenario(_office(fspes=[fspe, {**fspe, "fihv_interest_percent": "20"}]))) == ["duplicate_name"]


def test_two_stated_lines_with_one_key_is_duplicate_name() -> None:
    line = {"key": "book", "year": "2025/26", "receipts_hkd": "1", "profit_hkd": "1"}
    assert _codes(_scenario({"kind": "private_fund", "name": "F", "stated_lines": [line, line]})) \
        == ["duplicate_name"]


def test_held_through_a_name_two_investors_share_is_duplicate_name() -> None:
    assert _codes(_fund(_investor("A", "10"), _investor("A", "10"), _investor("B", "5", held_through="A"))) \
        == ["duplicate_name"]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["S", "T", "U", "s"]), min_size=1, max_size=5))
def test_spe_and_fspe_names_are_refused_exactly_when_repeated(names: list[str]) -> None:
    spes = [{"name": n, "fund_interest_percent": "10"} for n in names]
    expected = ["duplicate_name"] if len(set(names)) < len(names) else []
    assert _codes(_fund(spes=spes)) == expected
    fspes = [{"name": n, "fihv_interest_percent": "10"} for n in names]
    assert _codes(_scenario(_office(fspes=fspes))) == expected


def test_two_opening_lots_with_one_id_in_one_pool_is_duplicate_id() -> None:
    assert _codes(_scenario(opening_lots=[LOT, LOT])) == ["duplicate_id"]
    assert _codes(_scenario(opening_lots=[LOT, {**LOT, "wallet": "cold"}])) == []
