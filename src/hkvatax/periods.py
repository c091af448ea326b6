"""Years of assessment and basis periods, in Hong Kong time.

* A year of assessment (YA) runs from 1 April to the following 31 March (IRO s.2, "year of
  assessment"); YA 2025/26 is 1 April 2025 – 31 March 2026.
* Every instant is placed in Hong Kong time (Asia/Hong_Kong, UTC+8, no daylight saving since 1979)
  before its date is read. A naive timestamp is an error unless the caller names a default zone.
* Basis period (IRO s.18B(2); DIPN 1 para 3): the profits assessed for a YA are those of the
  accounting period that *ends within* that YA. A business whose accounts close on 31 December has
  the calendar year 2025 as its basis period for YA 2025/26. The commencement and cessation rules of
  ss.18C–18E are not modelled: a first or last period is taken as the accounting period the user
  states (see docs/decisions/0005-basis-period.md).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from functools import total_ordering

from dateutil import tz as _dateutil_tz

from .errors import ArgumentError

__all__ = [
    "HKT",
    "YearOfAssessment",
    "YearEnd",
    "MARCH_31",
    "to_hk",
    "ensure_aware",
    "NaiveTimestampError",
    "parse_year_range",
]


def _hong_kong_zone() -> tzinfo:
    zone = _dateutil_tz.gettz("Asia/Hong_Kong")
    # dateutil ships its own zone database, so this only falls back on a broken install.
    return zone if zone is not None else timezone(timedelta(hours=8), "HKT")


HKT: tzinfo = _hong_kong_zone()
_UTC8 = timezone(timedelta(hours=8))
# From 1979 Hong Kong has kept UTC+8 all year, so a fixed offset gives the same local date, faster.
_FIXED_FROM = datetime(1980, 1, 1, tzinfo=UTC)


class NaiveTimestampError(ValueError):
    """A timestamp without a time zone, and no default zone was named.

    Examples:
        >>> from datetime import datetime
        >>> try:
        ...     ensure_aware(datetime(2025, 5, 1, 10, 0))
        ... except NaiveTimestampError as exc:
        ...     print(isinstance(exc, ValueError))
        True
    """


def ensure_aware(value: datetime, default_tz: tzinfo | None = None, *, field: str = "timestamp") -> datetime:
    """Return ``value`` if it carries a zone; attach ``default_tz`` if given; else raise.

    Examples:
        >>> from datetime import datetime
        >>> ensure_aware(datetime(2025, 5, 1, 10, 0), HKT).isoformat()
        '2025-05-01T10:00:00+08:00'
    """
    if value.tzinfo is not None and value.tzinfo.utcoffset(value) is not None:
        return value
    if default_tz is None:
        raise NaiveTimestampError(
            f"{field}: {value.isoformat()} has no time zone; give an offset (e.g. +08:00) "
            "or set a default zone for the input"
        )
    return value.replace(tzinfo=default_tz)


def to_hk(value: datetime) -> datetime:
    """The same instant in Hong Kong time.

    Examples:
        >>> from datetime import datetime, timezone
        >>> to_hk(datetime(2025, 3, 31, 20, 0, tzinfo=timezone.utc)).isoformat()
        '2025-04-01T04:00:00+08:00'
    """
    if value.tzinfo is None:
        raise NaiveTimestampError(f"{value.isoformat()} has no time zone")
    if value >= _FIXED_FROM:
        return value.astimezone(_UTC8)
    return value.astimezone(HKT)


_LABEL = re.compile(r"^\s*(\d{4})\s*(?:[/\-–]\s*(\d{2}|\d{4}))?\s*$")


@total_ordering
@dataclass(frozen=True, slots=True)
class YearOfAssessment:
    """A Hong Kong year of assessment, named by the calendar year in which it starts.

    Examples:
        >>> from datetime import datetime, timezone
        >>> year = YearOfAssessment.parse("2025-26")
        >>> year, year.label, year.first_day, year.last_day
        (YearOfAssessment('2025/26'), '2025/26', datetime.date(2025, 4, 1), datetime.date(2026, 3, 31))
        >>> YearOfAssessment.containing(datetime(2025, 3, 31, 20, 0, tzinfo=timezone.utc)).label  # 1 April in Hong Kong
        '2025/26'
        >>> year.next().label, year.previous().label
        ('2026/27', '2024/25')
    """

    start_year: int

    def __post_init__(self) -> None:
        if not 1900 <= self.start_year <= 2200:
            raise ArgumentError("year", f"year of assessment {self.start_year} is out of range (1900–2200)")

    @classmethod
    def parse(cls, text: str | int | YearOfAssessment) -> YearOfAssessment:
        """Parse ``"2025/26"``, ``"2025-26"``, ``"2025/2026"`` or ``2025`` (the starting year).

        Examples:
            >>> YearOfAssessment.parse("2025/26") == YearOfAssessment.parse("2025-2026") == YearOfAssessment.parse(2025)
            True
            >>> YearOfAssessment.parse("25/26")
            Traceback (most recent call last):
                ...
            hkvatax.errors.ArgumentError: year: '25/26' is not a year of assessment (write it like 2025/26)
        """
        if isinstance(text, YearOfAssessment):
            return text
        if isinstance(text, int):
            return cls(text)
        match = _LABEL.match(text)
        if not isinstance(text, str) or not match:
            raise ArgumentError("year", f"{text!r} is not a year of assessment", "write it like 2025/26")
        start = int(match.group(1))
        tail = match.group(2)
        if tail is not None:
            expected = start + 1
            ok = int(tail) == expected if len(tail) == 4 else int(tail) == expected % 100
            if not ok:
                raise ArgumentError("year", f"{text!r} is not a year of assessment: {start}/ must be followed by "
                                    f"{expected % 100:02d}", f"write {start}/{expected % 100:02d}")
        return cls(start)

    @classmethod
    def containing(cls, instant: datetime) -> YearOfAssessment:
        """The YA in which ``instant`` falls, reading its date in Hong Kong time.

        Examples:
            >>> from datetime import datetime, timezone
            >>> YearOfAssessment.containing(datetime(2026, 3, 31, 16, 30, tzinfo=timezone.utc)).label  # 1 April, 00:30 HKT
            '2026/27'
        """
        local = to_hk(instant)
        return cls(local.year if (local.month, local.day) >= (4, 1) else local.year - 1)

    @classmethod
    def of_date(cls, day: date) -> YearOfAssessment:
        """The year of assessment (1 April to 31 March) in which the calendar date ``day`` falls.

        Examples:
            >>> YearOfAssessment.of_date(date(2026, 3, 31)).label, YearOfAssessment.of_date(date(2026, 4, 1)).label
            ('2025/26', '2026/27')
        """

        return cls(day.year if (day.month, day.day) >= (4, 1) else day.year - 1)

    @property
    def label(self) -> str:
        return f"{self.start_year}/{(self.start_year + 1) % 100:02d}"

    @property
    def first_day(self) -> date:
        return date(self.start_year, 4, 1)

    @property
    def last_day(self) -> date:
        return date(self.start_year + 1, 3, 31)

    @property
    def start(self) -> datetime:
        """First instant (1 April 00:00 Hong Kong time)."""
        return datetime(self.start_year, 4, 1, tzinfo=HKT)

    @property
    def end(self) -> datetime:
        """First instant *after* the YA (exclusive bound)."""
        return datetime(self.start_year + 1, 4, 1, tzinfo=HKT)

    def next(self) -> YearOfAssessment:
        """The following year of assessment.

        Examples:
            >>> YearOfAssessment(2025).next()
            YearOfAssessment('2026/27')
        """

        return YearOfAssessment(self.start_year + 1)

    def previous(self) -> YearOfAssessment:
        """The year of assessment before this one.

        Examples:
            >>> YearOfAssessment(2025).previous()
            YearOfAssessment('2024/25')
        """

        return YearOfAssessment(self.start_year - 1)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, YearOfAssessment):
            return NotImplemented
        return self.start_year < other.start_year

    def __str__(self) -> str:
        return self.label

    def __repr__(self) -> str:
        return f"YearOfAssessment({self.label!r})"


@dataclass(frozen=True, slots=True)
class YearEnd:
    """The day on which a taxpayer's accounts close each year (month, day).

    Examples:
        >>> december = YearEnd(12, 31)
        >>> december.basis_period(YearOfAssessment(2025))  # the accounts ending in the year of assessment
        (datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))
        >>> december.year_of_assessment_for_date(date(2025, 6, 30)).label
        '2025/26'
    """

    month: int = 3
    day: int = 31

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValueError(f"accounting year end month {self.month} is not 1–12")
        last = calendar.monthrange(2024, self.month)[1]  # 2024 is a leap year: allows 29 Feb
        if not 1 <= self.day <= last:
            raise ValueError(f"accounting year end day {self.day} does not exist in month {self.month}")

    def _on(self, year: int) -> date:
        last = calendar.monthrange(year, self.month)[1]
        return date(year, self.month, min(self.day, last))

    def period_end_for(self, ya: YearOfAssessment) -> date:
        """The closing date of the accounting period that ends within ``ya`` (IRO s.18B(2))."""
        in_first_calendar_year = (self.month, self.day) >= (4, 1)
        return self._on(ya.start_year if in_first_calendar_year else ya.start_year + 1)

    def basis_period(self, ya: YearOfAssessment) -> tuple[date, date]:
        """First and last day (inclusive) of the basis period for ``ya``."""
        end = self.period_end_for(ya)
        previous_end = self.period_end_for(ya.previous())
        return previous_end + timedelta(days=1), end

    def year_of_assessment(self, instant: datetime) -> YearOfAssessment:
        """The YA whose basis period contains ``instant`` (its Hong Kong date)."""
        day = to_hk(instant).date()
        return self.year_of_assessment_for_date(day)

    def year_of_assessment_for_date(self, day: date) -> YearOfAssessment:
        end = self._on(day.year)
        if day > end:
            end = self._on(day.year + 1)
        return YearOfAssessment.of_date(end)

    @property
    def label(self) -> str:
        return f"{self.day:02d} {calendar.month_abbr[self.month]}"


MARCH_31 = YearEnd(3, 31)


def parse_year_range(text: str) -> list[YearOfAssessment]:
    """The years of ``"2025/26"`` or of an inclusive range ``"2023/24..2025/26"``, oldest first. A range
    whose end is before its start is an :class:`~hkvatax.errors.ArgumentError` (``invalid_argument``), not
    an empty list.

    Examples:
        >>> [y.label for y in parse_year_range("2023/24..2025/26")]
        ['2023/24', '2024/25', '2025/26']
        >>> parse_year_range("2025/26")
        [YearOfAssessment('2025/26')]
    """
    if not isinstance(text, str):
        raise ArgumentError("year", f"{text!r} is not a year of assessment", "write it like 2025/26")
    if ".." not in text:
        return [YearOfAssessment.parse(text)]
    a, b = text.split("..", 1)
    start, end = YearOfAssessment.parse(a), YearOfAssessment.parse(b)
    if end < start:
        raise ArgumentError("year", f"the range {text!r} ends before it starts",
                            f"write it oldest first: {end.label}..{start.label}")
    out = []
    while start <= end:
        out.append(start)
        start = start.next()
    return out
