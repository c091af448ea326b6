"""The price book: converts fiat amounts and token quantities to HKD with rates the user supplied.

Look-up rule (docs/decisions/0004-price-lookup.md):

* HKD needs no rate.
* Otherwise the latest observation of ``base → HKD`` at or before the instant, no older than
  ``max_age``; failing that, ``base → X`` and ``X → HKD`` for the first quote currency ``X`` in
  alphabetical order that has both (a deterministic choice, recorded in the conversion).
* Nothing is fetched from anywhere. A missing rate is an input problem, never a guess.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from ..models.prices import Rate

__all__ = ["Conversion", "PriceBook", "epoch_us"]

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_US = timedelta(microseconds=1)


def epoch_us(instant: datetime) -> int:
    """Microseconds since the POSIX epoch, exactly (no float)."""
    return (instant - _EPOCH) // _US


@dataclass(frozen=True, slots=True)
class Conversion:
    """One conversion: ``amount`` of ``base`` at ``rate`` ``quote`` per unit, observed ``at``, from ``source``."""

    base: str
    quote: str
    rate: Decimal
    at: datetime
    source: str

    def to_dict(self) -> dict[str, str]:
        return {
            "base": self.base,
            "quote": self.quote,
            "rate": str(self.rate),
            "at": self.at.isoformat(),
            "source": self.source,
        }


class PriceBook:
    """Rates indexed by (base, quote) and time, for O(log n) look-ups."""

    def __init__(self, rates: Iterable[Rate], *, max_age: timedelta = timedelta(days=1)):
        series: dict[tuple[str, str], list[tuple[int, Rate]]] = defaultdict(list)
        for r in rates:
            series[(r.base, r.quote)].append((epoch_us(r.at), r))
        self._times: dict[tuple[str, str], list[int]] = {}
        self._rates: dict[tuple[str, str], list[Rate]] = {}
        self._quotes: dict[str, list[str]] = defaultdict(list)
        for key, items in series.items():
            items.sort(key=lambda item: (item[0], item[1].source, item[1].rate))
            self._times[key] = [t for t, _ in items]
            self._rates[key] = [r for _, r in items]
            self._quotes[key[0]].append(key[1])
        for quotes in self._quotes.values():
            quotes.sort()
        self._max_age_us = max_age // _US

    def latest(self, base: str, quote: str, at_us: int) -> Rate | None:
        key = (base, quote)
        times = self._times.get(key)
        if not times:
            return None
        i = bisect_right(times, at_us) - 1
        if i < 0 or at_us - times[i] > self._max_age_us:
            return None
        return self._rates[key][i]

    def to_hkd(self, base: str, amount: Decimal, at_us: int) -> tuple[Decimal, tuple[Conversion, ...]] | None:
        """``amount`` of ``base`` in HKD at ``at_us``, with the conversions used; None if no rate."""
        if base == "HKD":
            return amount, ()
        direct = self.latest(base, "HKD", at_us)
        if direct is not None:
            return amount * direct.rate, (_conv(direct),)
        for quote in self._quotes.get(base, ()):
            if quote == "HKD":
                continue
            first = self.latest(base, quote, at_us)
            second = self.latest(quote, "HKD", at_us) if first is not None else None
            if first is not None and second is not None:
                return amount * first.rate * second.rate, (_conv(first), _conv(second))
        return None

    def has_any(self, base: str) -> bool:
        return base in self._quotes


def _conv(rate: Rate) -> Conversion:
    return Conversion(rate.base, rate.quote, rate.rate, rate.at, rate.source)
