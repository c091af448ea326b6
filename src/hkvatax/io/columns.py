"""Column-wise checks shared by the bulk readers (CSV ledgers, rows in memory, rate files).

Each check takes one column of cells (strings) and either returns the column's values or raises
:class:`Slow`: the cells hold something the bulk check does not cover (a sign, an exponent, a
separator, a naive timestamp, an error …), and the caller validates those rows one by one through the
models, which are the one definition of what is valid and report the exact problems
(docs/decisions/0032-one-core.md). A bulk check never accepts what the models would refuse.
"""

from __future__ import annotations

import itertools
import operator
import re
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from ..models.common import MAX_YEAR, MIN_YEAR

__all__ = ["Slow", "code_column", "decimal_column", "require_positive", "timestamp_column"]


class Slow(Exception):
    """These cells need the row-by-row validation of the models."""


_DIGITS_TO_ZERO = str.maketrans("123456789", "000000000")
# timestamp shapes (digits written as 0): YYYY-MM-DDTHH:MM:SS[.f{1,6}](Z|±HH:MM)
_TS_SHAPES = frozenset(f"0000-00-00T00:00:00{frac}{zone}" for frac in ["", *("." + "0" * k for k in range(1, 7))]
                       for zone in ("Z", "+00:00", "-00:00"))
# (the cells are known to hold only ASCII digits and points when these run: [0-9] is \d; each pattern starts
# with a literal point, which the regex engine scans for at C speed — an alternation or ^ would not)
_PLACES = re.compile(r"\.[0-9]{19}")
_TWO_POINTS = re.compile(r"\.[0-9]*\.")  # two points in one cell (cells are joined by newlines)
_SPACE = re.compile(r"\s")
_ZERO = Decimal(0)


def _code(text: str) -> str:
    t = text.strip()
    if not t or len(t) > 40 or _SPACE.search(t):
        raise Slow
    return t.upper()


def code_column(cells: list[str], empty: str) -> list[str]:
    """A column of asset or currency codes, upper-cased (each distinct value checked once); ``empty``
    stands for an empty cell."""
    mapping = {v: (_code(v) if v else empty) for v in set(cells)}
    if all(k == v for k, v in mapping.items()):
        return cells
    return list(map(mapping.__getitem__, cells))


def decimal_column(cells: list[str], limit: Decimal) -> list[Decimal | None]:
    """A numeric column: ASCII digits and at most one point per cell, at most 18 places, at most
    ``limit``; None for an empty cell."""
    if not any(cells):
        return [None] * len(cells)
    joined = "\n".join(cells)
    digits = joined.replace("\n", "")
    if not (digits.isascii() and digits.replace(".", "").isdigit()) or _PLACES.search(joined) \
            or _TWO_POINTS.search(joined) or "\n.\n" in f"\n{joined}\n":  # (last: a point alone)
        raise Slow  # signs, exponents, separators, spaces, many places: the models judge them
    distinct = set(cells)
    if len(distinct) * 2 < len(cells):  # mostly repeated (or empty) cells: each distinct one converted once
        parsed = {c: Decimal(c) if c else None for c in distinct}
        values: list[Decimal | None] = list(map(parsed.__getitem__, cells))
    elif "" not in distinct:
        values = list(map(Decimal, cells))
    else:
        values = [Decimal(c) if c else None for c in cells]
    if max(filter(None, values), default=_ZERO) > limit:  # (zeros and empties are under any limit)
        raise Slow
    return values


def require_positive(values: list[Decimal | None], rows: Iterable[int] | None = None) -> None:
    """No zero where the models want more than zero (``rows``: only those rows; None: all)."""
    picked = values if rows is None else [values[i] for i in rows]
    # (counted at C speed: comparing a Decimal with None is slow) the cells given, less those not zero
    if sum(map(operator.is_not, picked, itertools.repeat(None))) != sum(map(bool, picked)):
        raise Slow


def timestamp_column(cells: list[str]) -> list[datetime]:
    """A column of ISO 8601 instants with an offset (``Z`` or ``±HH:MM``), seconds and at most six
    fractional digits, in the years the models accept. Equal cells share one ``datetime``."""
    if not set("\n".join(cells).translate(_DIGITS_TO_ZERO).split("\n")) <= _TS_SHAPES:
        raise Slow
    distinct = set(cells)
    if len(distinct) * 2 > len(cells):
        stamps = list(map(datetime.fromisoformat, cells))
        low, high = min(stamps), max(stamps)
    else:
        parsed = {c: datetime.fromisoformat(c) for c in distinct}
        stamps = list(map(parsed.__getitem__, cells))
        low, high = min(parsed.values()), max(parsed.values())
    if low.year < MIN_YEAR or high.year > MAX_YEAR:
        raise Slow
    return stamps
