"""Chains of price observations: ``BASE → X → … → TARGET`` at one instant (docs/decisions/0112).

Pure functions over a *series index* — for each ``(base, quote)`` pair, the observation times (epoch
microseconds, ascending) and the :class:`~hkvatax.models.prices.Rate` observed at each — the shape
:class:`hkvatax.ledger.prices.PriceBook` keeps in ``_times`` and ``_rates``. No I/O, no law, nothing
fetched, nothing inverted (decision 0004: ``HKD → USD`` is never turned into ``USD → HKD``).

* :func:`find_chain` — the chain of observations that prices ``base`` in ``target`` at an instant,
  each hop the latest observation of its pair at or before the instant and no older than ``max_age_us``.
  Fewest hops wins; among chains of as many hops, the one whose sequence of intermediate codes comes
  first in alphabetical order (for two hops this is decision 0004's "first quote currency in
  alphabetical order"). The product of the hop rates is exact (the context is sized to the digits).
* :func:`nearest_observations` — for a missing price, the nearest observation of every pair quoting
  ``base``, either side of the instant (ignoring the maximum age), so the problem can name them.
"""

from __future__ import annotations

import decimal
from bisect import bisect_right
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from ..models.prices import Rate

__all__ = ["Chain", "Nearest", "find_chain", "nearest_observations", "describe_missing", "MAX_HOPS"]

Pair = tuple[str, str]

#: The longest chain looked for by default (BNB → USDT → USD → HKD is three).
MAX_HOPS = 4


@dataclass(frozen=True, slots=True)
class Chain:
    """``1 base = rate target``, as the product of ``hops`` (each a Rate observation, in order)."""

    base: str
    target: str
    hops: tuple[Rate, ...]
    rate: Decimal

    @property
    def route(self) -> tuple[str, ...]:
        """The codes passed through, ``('BNB', 'USDT', 'USD', 'HKD')``."""
        return (self.base, *(h.quote for h in self.hops))


@dataclass(frozen=True, slots=True)
class Nearest:
    """The observations of ``pair`` closest to an instant: the latest at or before, the first after."""

    pair: Pair
    before: Rate | None
    after: Rate | None


def _latest(times: Sequence[int], rates: Sequence[Rate], at_us: int, max_age_us: int) -> Rate | None:
    i = bisect_right(times, at_us) - 1
    if i < 0 or at_us - times[i] > max_age_us:
        return None
    return rates[i]


def _product(values: Sequence[Decimal]) -> Decimal:
    """The exact product: the precision is the sum of the factors' digits, Inexact trapped."""
    digits = sum(len(v.as_tuple().digits) for v in values) + 2
    ctx = decimal.Context(prec=max(digits, 28), rounding=decimal.ROUND_HALF_EVEN, Emin=-999999, Emax=999999,
                          traps=[decimal.Inexact, decimal.InvalidOperation, decimal.Overflow])
    result = Decimal(1)
    for v in values:
        result = ctx.multiply(result, v)
    return result


def _quotes_by_base(pairs: Sequence[Pair]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for base, quote in pairs:
        out.setdefault(base, []).append(quote)
    for quotes in out.values():
        quotes.sort()
    return out


def find_chain(times: Mapping[Pair, Sequence[int]], rates: Mapping[Pair, Sequence[Rate]], base: str,
               target: str, at_us: int, *, max_age_us: int, max_hops: int = MAX_HOPS) -> Chain | None:
    """The chain pricing ``base`` in ``target`` at ``at_us``, or None (see the module docstring).

    ``times[pair]`` is ascending and ``rates[pair][i]`` was observed at ``times[pair][i]``. A code is
    passed through at most once. ``base == target`` is the empty chain at rate 1.
    """
    if base == target:
        return Chain(base, target, (), Decimal(1))
    quotes = _quotes_by_base(sorted(times))
    # Breadth first, neighbours in alphabetical order: the first time the target is reached is by the
    # fewest hops, and among those by the alphabetically first sequence of codes.
    queue: deque[tuple[str, tuple[Rate, ...]]] = deque([(base, ())])
    seen = {base}
    while queue:
        code, path = queue.popleft()
        if len(path) >= max_hops:
            continue
        for quote in quotes.get(code, ()):
            if quote in seen:
                continue
            key = (code, quote)
            hop = _latest(times[key], rates[key], at_us, max_age_us)
            if hop is None:
                continue
            chain = (*path, hop)
            if quote == target:
                return Chain(base, target, chain, _product([h.rate for h in chain]))
            seen.add(quote)
            queue.append((quote, chain))
    return None


def nearest_observations(times: Mapping[Pair, Sequence[int]], rates: Mapping[Pair, Sequence[Rate]], base: str,
                         at_us: int) -> tuple[Nearest, ...]:
    """For every pair ``(base, quote)``, in quote order, its observations nearest ``at_us`` either side.

    "Before" is the latest at or before the instant, whatever its age; "after" the first later one.
    """
    out: list[Nearest] = []
    for key in sorted(k for k in times if k[0] == base):
        ts, rs = times[key], rates[key]
        i = bisect_right(ts, at_us)
        out.append(Nearest(key, rs[i - 1] if i > 0 else None, rs[i] if i < len(ts) else None))
    return tuple(out)


def describe_missing(asset: str, at_iso: str, nearest: Sequence[Nearest]) -> str:
    """The text of a ``missing_price`` problem: the asset, the instant and the nearest observations."""
    if not nearest:
        return f"no price of {asset} at {at_iso}, and no observation of {asset} in any quote at all"
    parts = []
    for n in nearest:
        sides = []
        for label, r in (("before", n.before), ("after", n.after)):
            if r is not None:
                sides.append(f"{label}: {r.rate} at {r.at.isoformat()} ({r.source})")
            else:
                sides.append(f"{label}: none")
        parts.append(f"{n.pair[0]}/{n.pair[1]} {'; '.join(sides)}")
    return f"no usable price of {asset} at {at_iso}; nearest observations — " + " | ".join(parts)
