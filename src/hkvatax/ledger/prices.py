"""The price book: converts fiat amounts and token quantities to HKD with rates the user supplied.

Look-up rule (docs/decisions/0004-price-lookup.md):

* HKD needs no rate.
* Otherwise the latest observation of ``base → HKD`` at or before the instant, no older than
  ``max_age``; failing that, ``base → X`` and ``X → HKD`` for the first quote currency ``X`` in
  alphabetical order that has both (a deterministic choice, recorded in the conversion).
* Nothing is fetched from anywhere. A missing rate is an input problem, never a guess.
"""

from __future__ import annotations

import heapq
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from ..models.prices import Rate
from ..models.table import epoch_us
from ..money import fmt_exact

__all__ = ["Conversion", "PriceBook", "conversion", "epoch_us"]

_US = timedelta(microseconds=1)
#: With more quotes than this through which a base can reach HKD, the first usable one is found in a timeline
#: built once for the base (O(log n) per event) instead of by trying each quote in turn.
_TIMELINE_FROM = 4


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
            "rate": fmt_exact(self.rate),
            "at": self.at.isoformat(),
            "source": self.source,
        }


def _instant(item: tuple[int, Rate]) -> int:
    return item[0]


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
            # ties at one instant: by source, then value, then how the value is written (7.8 before 7.80), so
            # the choice never depends on the order of the rows (decision 0004)
            items.sort(key=_instant)
            if any(a[0] == b[0] for a, b in zip(items, items[1:], strict=False)):
                items.sort(key=lambda item: (item[0], item[1].source, item[1].rate, str(item[1].rate)))
            self._times[key] = [t for t, _ in items]
            self._rates[key] = [r for _, r in items]
            self._quotes[key[0]].append(key[1])
        for quotes in self._quotes.values():
            quotes.sort()
        # the quotes through which a base can reach HKD at all (a quote with no series to HKD is never
        # tried): without this a base quoted in 6,000 codes cost 6,000 look-ups per event
        self._via: dict[str, list[str]] = {
            base: [q for q in quotes if q != "HKD" and (q, "HKD") in self._times] for base, quotes in self._quotes.items()}
        self._timelines: dict[str, tuple[list[int], list[str | None]]] = {}
        self._max_age_us = max_age // _US
        self._cache: dict[str, tuple[int, int, tuple[tuple[Decimal, ...], tuple[Rate, ...]] | None]] = {}

    def _state(self, key: tuple[str, str], at_us: int) -> tuple[Rate | None, int, int]:
        """The observation of ``key`` in force at ``at_us`` and the interval [lo, hi) in which it stays so."""
        times = self._times.get(key)
        if not times:
            return None, -(1 << 62), 1 << 62
        i = bisect_right(times, at_us) - 1
        nxt = times[i + 1] if i + 1 < len(times) else 1 << 62
        if i < 0:
            return None, -(1 << 62), nxt
        expiry = times[i] + self._max_age_us + 1
        if at_us >= expiry:
            return None, expiry, nxt
        return self._rates[key][i], times[i], min(nxt, expiry)

    def quote(self, base: str, at_us: int) -> tuple[tuple[Decimal, ...], tuple[Rate, ...]] | None:
        """The rates that convert ``base`` to HKD at ``at_us`` (one, or two via a quote currency) and the
        observations they come from (:func:`conversions` makes their records), by the rule of :meth:`to_hkd`;
        None if there are none. Cached over the interval in which every series consulted keeps its
        observation, so a time-ordered ledger looks each up about once."""
        hit = self._cache.get(base)
        if hit is not None and hit[0] <= at_us < hit[1]:
            return hit[2]
        direct, lo, hi = self._state((base, "HKD"), at_us)
        found: tuple[tuple[Decimal, ...], tuple[Rate, ...]] | None = None
        via = self._via.get(base, ())
        if direct is not None:
            found = ((direct.rate,), (direct,))
        elif len(via) > _TIMELINE_FROM:
            quote, lo1, hi1 = self._first_via(base, at_us)
            lo, hi = max(lo, lo1), min(hi, hi1)
            if quote is not None:
                first, lo1, hi1 = self._state((base, quote), at_us)
                second, lo2, hi2 = self._state((quote, "HKD"), at_us)
                lo, hi = max(lo, lo1, lo2), min(hi, hi1, hi2)
                assert first is not None and second is not None
                found = ((first.rate, second.rate), (first, second))
        else:
            for quote in via:
                first, lo1, hi1 = self._state((base, quote), at_us)
                lo, hi = max(lo, lo1), min(hi, hi1)
                if first is None:
                    continue
                second, lo2, hi2 = self._state((quote, "HKD"), at_us)
                lo, hi = max(lo, lo2), min(hi, hi2)
                if second is not None:
                    found = ((first.rate, second.rate), (first, second))
                    break
        self._cache[base] = (lo, hi, found)
        return found

    def _in_force(self, key: tuple[str, str]) -> list[tuple[int, int]]:
        """The intervals [start, end) in which ``key`` has an observation in force (merged)."""
        times = self._times[key]
        out: list[tuple[int, int]] = []
        for i, t in enumerate(times):
            end = min(times[i + 1] if i + 1 < len(times) else 1 << 62, t + self._max_age_us + 1)
            if out and out[-1][1] >= t:
                out[-1] = (out[-1][0], max(out[-1][1], end))
            else:
                out.append((t, end))
        return out

    def _first_via(self, base: str, at_us: int) -> tuple[str | None, int, int]:
        """The alphabetically first quote through which ``base`` reaches HKD at ``at_us`` (both legs in
        force), and the interval in which that answer holds: a look-up in a timeline built once per base by a
        sweep over the legs' intervals (O(n log n)), so many quotes cost O(log n) per event, not O(quotes)."""
        if base not in self._timelines:
            changes: list[tuple[int, int, str]] = []  # (instant, 0 = leaves / 1 = enters, quote)
            for quote in self._via[base]:
                legs = self._in_force((quote, "HKD"))
                starts = [a for a, _ in legs]
                for a, b in self._in_force((base, quote)):
                    j = max(bisect_right(starts, a) - 1, 0)
                    while j < len(legs) and legs[j][0] < b:
                        lo, hi = max(a, legs[j][0]), min(b, legs[j][1])
                        if lo < hi:
                            changes += [(lo, 1, quote), (hi, 0, quote)]
                        j += 1
            changes.sort()
            bounds: list[int] = []
            answers: list[str | None] = []
            live: dict[str, int] = {}
            heap: list[str] = []
            i = 0
            while i < len(changes):
                instant = changes[i][0]
                while i < len(changes) and changes[i][0] == instant:
                    _, enters, quote = changes[i]
                    live[quote] = live.get(quote, 0) + (1 if enters else -1)
                    if enters:
                        heapq.heappush(heap, quote)
                    i += 1
                while heap and live.get(heap[0], 0) <= 0:
                    heapq.heappop(heap)
                best = heap[0] if heap else None
                if not answers or answers[-1] != best:
                    bounds.append(instant)
                    answers.append(best)
            self._timelines[base] = (bounds, answers)
        bounds, answers = self._timelines[base]
        k = bisect_right(bounds, at_us) - 1
        lo = bounds[k] if k >= 0 else -(1 << 62)
        hi = bounds[k + 1] if k + 1 < len(bounds) else 1 << 62
        return (answers[k] if k >= 0 else None), lo, hi

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
        found = self.quote(base, at_us)
        if found is not None:
            product = amount
            for rate in found[0]:
                product *= rate
            return product, tuple(map(_conv, found[1]))
        return None

    def _to_hkd_by_search(self, base: str, amount: Decimal, at_us: int) -> tuple[Decimal, tuple[Conversion, ...]] | None:
        """:meth:`to_hkd` by trying every quote in turn: the reference the timeline is tested against."""
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


#: The conversion record of an observation :meth:`PriceBook.quote` used.
conversion = _conv
