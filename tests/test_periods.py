"""hkvatax.periods: years of assessment in Hong Kong time and basis periods (IRO s.18B(2); DIPN 1 para 3)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from hkvatax.periods import HKT, MARCH_31, NaiveTimestampError, YearEnd, YearOfAssessment, ensure_aware, to_hk

YA = YearOfAssessment


def test_labels_and_parsing() -> None:
    assert YA(2025).label == "2025/26"
    assert YA(1999).label == "1999/00"
    for text in ("2025/26", "2025-26", "2025/2026", "2025", " 2025 / 26 ", "2025–26"):
        assert YA.parse(text) == YA(2025)
    assert YA.parse(2025) == YA(2025)
    assert YA.parse(YA(2025)) is not None
    for bad in ("2025/27", "25/26", "abc", "2025/2027"):
        with pytest.raises(ValueError):
            YA.parse(bad)
    with pytest.raises(ValueError):
        YA(1800)


def test_bounds() -> None:
    ya = YA(2025)
    assert (ya.first_day, ya.last_day) == (date(2025, 4, 1), date(2026, 3, 31))
    assert ya.start == datetime(2025, 4, 1, tzinfo=HKT)
    assert ya.end == datetime(2026, 4, 1, tzinfo=HKT)
    assert ya.next() == YA(2026) and ya.previous() == YA(2024)
    assert YA(2024) < YA(2025) and sorted([YA(2026), YA(2024)]) == [YA(2024), YA(2026)]
    assert str(ya) == "2025/26" and repr(ya) == "YearOfAssessment('2025/26')"


def test_boundary_in_hong_kong_time() -> None:
    hkt = timezone(timedelta(hours=8))
    last = datetime(2026, 3, 31, 23, 59, 59, 999999, tzinfo=hkt)
    first = datetime(2026, 4, 1, 0, 0, tzinfo=hkt)
    assert YA.containing(last) == YA(2025)
    assert YA.containing(first) == YA(2026)
    # 31 March 16:00 UTC is 1 April 00:00 in Hong Kong: the next year of assessment
    assert YA.containing(datetime(2026, 3, 31, 16, 0, tzinfo=UTC)) == YA(2026)
    assert YA.containing(datetime(2026, 3, 31, 15, 59, 59, tzinfo=UTC)) == YA(2025)
    # a New York evening on 31 March is already 1 April in Hong Kong
    new_york = timezone(timedelta(hours=-4))
    assert YA.containing(datetime(2026, 3, 31, 20, 0, tzinfo=new_york)) == YA(2026)
    # same rule before 1980 (dateutil zone, not the fixed offset)
    assert YA.containing(datetime(1975, 3, 31, 16, 30, tzinfo=UTC)) == YA(1975)


def test_to_hk_and_naive() -> None:
    assert to_hk(datetime(2026, 3, 31, 16, 0, tzinfo=UTC)).date() == date(2026, 4, 1)
    with pytest.raises(NaiveTimestampError):
        to_hk(datetime(2026, 1, 1))
    with pytest.raises(NaiveTimestampError, match="no time zone"):
        ensure_aware(datetime(2026, 1, 1), field="timestamp")
    aware = ensure_aware(datetime(2026, 1, 1), HKT)
    assert aware.tzinfo is HKT
    already = datetime(2026, 1, 1, tzinfo=UTC)
    assert ensure_aware(already, HKT) is already


@pytest.mark.parametrize(
    ("month", "day", "ya", "start", "end"),
    [
        # 31 March: the year of assessment itself
        (3, 31, 2025, date(2025, 4, 1), date(2026, 3, 31)),
        # 30 June: accounts closing 30 June 2025 fall in YA 2025/26
        (6, 30, 2025, date(2024, 7, 1), date(2025, 6, 30)),
        # 31 December: the calendar year 2025 is the basis period for YA 2025/26
        (12, 31, 2025, date(2025, 1, 1), date(2025, 12, 31)),
        # 29 February: a leap-year end; in other years the period ends 28 February
        (2, 29, 2023, date(2023, 3, 1), date(2024, 2, 29)),
        (2, 29, 2024, date(2024, 3, 1), date(2025, 2, 28)),
        (2, 29, 2027, date(2027, 3, 1), date(2028, 2, 29)),
        # 1 April: the period ending on the first day of the YA
        (4, 1, 2025, date(2024, 4, 2), date(2025, 4, 1)),
    ],
)
def test_basis_periods(month: int, day: int, ya: int, start: date, end: date) -> None:
    year_end = YearEnd(month, day)
    assert year_end.basis_period(YA(ya)) == (start, end)
    assert year_end.period_end_for(YA(ya)) == end
    # every day of the basis period maps back to that YA, and the neighbours do not
    assert year_end.year_of_assessment_for_date(start) == YA(ya)
    assert year_end.year_of_assessment_for_date(end) == YA(ya)
    assert year_end.year_of_assessment_for_date(start - timedelta(days=1)) == YA(ya - 1)
    assert year_end.year_of_assessment_for_date(end + timedelta(days=1)) == YA(ya + 1)


def test_basis_periods_tile_the_calendar() -> None:
    for year_end in (MARCH_31, YearEnd(6, 30), YearEnd(12, 31), YearEnd(2, 29), YearEnd(9, 30)):
        previous_end = None
        for start_year in range(2019, 2031):
            start, end = year_end.basis_period(YA(start_year))
            if previous_end is not None:
                assert start == previous_end + timedelta(days=1)
            assert YA.of_date(end) == YA(start_year)  # the period ends within the YA
            previous_end = end


def test_year_of_assessment_of_an_instant_uses_hk_date() -> None:
    dec = YearEnd(12, 31)
    assert dec.year_of_assessment(datetime(2025, 12, 31, 16, 0, tzinfo=UTC)) == YA(2026)  # 1 Jan 2026 in HK
    assert dec.year_of_assessment(datetime(2025, 12, 31, 15, 59, tzinfo=UTC)) == YA(2025)
    assert MARCH_31.year_of_assessment(datetime(2026, 3, 31, 16, 0, tzinfo=UTC)) == YA(2026)


@pytest.mark.parametrize(("month", "day"), [(0, 1), (13, 1), (2, 30), (4, 31)])
def test_impossible_year_ends(month: int, day: int) -> None:
    with pytest.raises(ValueError):
        YearEnd(month, day)


def test_year_end_label() -> None:
    assert YearEnd(2, 29).label == "29 Feb"
