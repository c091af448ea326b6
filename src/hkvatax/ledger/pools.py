"""Lot pools: the only mutable state in hkvatax, private to one ledger run.

* :class:`LotPool` — a FIFO queue of lots (also used for specific identification). Taking from the
  front is O(1) amortised per fragment; a specific lot is found through an index by lot id.
* :class:`AveragePool` — a moving weighted-average pool: running totals of quantity, cost and
  quantity × acquisition time (for an average holding period). O(1) per disposal.

Exactness: a partial take's cost share is ``cost × taken / held``, cut to 10^-40 by
:func:`hkvatax.money.allocate`; what stays in the pool is computed by *subtraction* (exact on that
grid), so opening cost + acquisitions = matched cost + closing cost holds exactly. A take of
everything held takes the whole remaining cost.

Pools leave the ledger only as frozen :class:`~hkvatax.ledger.results.PoolSnapshot` tuples.

Two cost bases at once: a lot (or pool) may carry ``alt``, its cost on an alternative basis (nil-cost
receipts, decision 0032) where that differs; every take then also cuts the alternative cost by the same
rule, and ``alts`` holds the alternative shares of the last take (None: the same as the costs).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal

from ..money import allocate
from .results import PoolSnapshot

__all__ = ["Lot", "LotPool", "AveragePool", "Take", "US_PER_DAY"]

ZERO = Decimal(0)
US_PER_DAY = Decimal(86_400_000_000)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Lot:
    """A mutable lot inside a pool."""

    __slots__ = ("lot_id", "acquired_at", "acquired_us", "quantity", "cost", "alt")

    def __init__(self, lot_id: str, acquired_at: datetime, acquired_us: int, quantity: Decimal, cost: Decimal,
                 alt: Decimal | None = None):
        self.lot_id = lot_id
        self.acquired_at = acquired_at
        self.acquired_us = acquired_us
        self.quantity = quantity
        self.cost = cost
        self.alt = alt  # the cost on the alternative basis, where it differs (None: the same as cost)


# (lot_id, acquired_at, acquired_us or None, quantity, cost, basis); acquired_us is a Decimal for pools
Take = tuple[str, datetime | None, Decimal | int | None, Decimal, Decimal, str]


class LotPool:
    """Lots in acquisition order (FIFO), with look-up by id for specific identification.

    ``indexed``: keep the look-up by lot id (needed for specific identification, for lots moved between
    wallets and back, and for opening lots); a plain FIFO pool does without it.
    """

    __slots__ = ("asset", "wallet", "lots", "by_id", "quantity", "alts")

    def __init__(self, asset: str, wallet: str | None, indexed: bool = True):
        self.asset = asset
        self.wallet = wallet
        self.lots: deque[Lot] = deque()
        self.by_id: dict[str, Lot] | None = {} if indexed else None
        self.quantity = ZERO
        self.alts: list[Decimal | None] | None = None

    def add(self, lot: Lot) -> None:
        by_id = self.by_id
        if by_id is not None:
            existing = by_id.get(lot.lot_id)
            if existing is not None and existing.acquired_us == lot.acquired_us and existing.quantity > 0:
                # The same lot coming back (moved between wallets and back): merge into the entry we hold.
                if existing.alt is not None or lot.alt is not None:
                    existing.alt = (existing.cost if existing.alt is None else existing.alt) + (
                        lot.cost if lot.alt is None else lot.alt)
                existing.quantity += lot.quantity
                existing.cost += lot.cost
                self.quantity += lot.quantity
                return
            by_id[lot.lot_id] = lot
        lots = self.lots
        if lots and lot.acquired_us < lots[-1].acquired_us:
            # Only moved lots (per-wallet transfers) and opening lots can arrive out of order.
            self.lots = deque(sorted([*lots, lot], key=lambda x: x.acquired_us))
        else:
            lots.append(lot)
        self.quantity += lot.quantity

    def _drop_front_empties(self) -> None:
        lots, by_id = self.lots, self.by_id
        while lots and lots[0].quantity == 0:
            gone = lots.popleft()
            if by_id is not None and by_id.get(gone.lot_id) is gone:
                del by_id[gone.lot_id]

    def take_fifo(self, quantity: Decimal, basis: str = "lot") -> tuple[list[Take], Decimal]:
        """Take ``quantity`` from the oldest lots. Returns the takes and any quantity not available."""
        lots = self.lots
        if lots and quantity > ZERO:
            lot = lots[0]
            lq = lot.quantity
            if lq > quantity:  # the usual take: part of the oldest lot (the loop below, in one step)
                share = allocate(lot.cost, quantity, lq)
                alt = lot.alt
                if alt is None:
                    self.alts = None
                else:
                    part = allocate(alt, quantity, lq)
                    self.alts = [part]
                    lot.alt = alt - part
                lot.quantity = lq - quantity
                lot.cost -= share
                self.quantity -= quantity
                return [(lot.lot_id, lot.acquired_at, lot.acquired_us, quantity, share, basis)], ZERO
        takes: list[Take] = []
        alts: list[Decimal | None] | None = None
        remaining = quantity
        by_id = self.by_id
        while remaining > 0:
            while lots and lots[0].quantity == 0:  # (lots emptied by specific identification)
                gone = lots.popleft()
                if by_id is not None and by_id.get(gone.lot_id) is gone:
                    del by_id[gone.lot_id]
            if not lots:
                break
            lot = lots[0]
            lq = lot.quantity
            if lot.alt is not None and alts is None:
                alts = [None] * len(takes)
            if lq <= remaining:
                takes.append((lot.lot_id, lot.acquired_at, lot.acquired_us, lq, lot.cost, basis))
                if alts is not None:
                    alts.append(lot.alt)
                    lot.alt = None
                remaining -= lq
                self.quantity -= lq
                lots.popleft()
                if by_id is not None and by_id.get(lot.lot_id) is lot:
                    del by_id[lot.lot_id]
                lot.quantity = ZERO
                lot.cost = ZERO
            else:
                share = allocate(lot.cost, remaining, lq)
                takes.append((lot.lot_id, lot.acquired_at, lot.acquired_us, remaining, share, basis))
                if alts is not None:
                    if lot.alt is None:
                        alts.append(None)
                    else:
                        alt = allocate(lot.alt, remaining, lq)
                        alts.append(alt)
                        lot.alt -= alt
                lot.quantity = lq - remaining
                lot.cost -= share
                self.quantity -= remaining
                remaining = ZERO
        if lots and lots[0].quantity == 0:
            self._drop_front_empties()
        self.alts = alts
        return takes, remaining

    def _index(self) -> dict[str, Lot]:
        if self.by_id is None:
            self.by_id = {lot.lot_id: lot for lot in self.lots if lot.quantity != 0}
        return self.by_id

    def take_lot(self, lot_id: str, quantity: Decimal) -> Take | None:
        """Take ``quantity`` from the named lot; None if the lot is unknown or holds too little."""
        lot = self._index().get(lot_id)
        if lot is None or lot.quantity < quantity:
            return None
        if lot.quantity == quantity:
            share = lot.cost
            alt = lot.alt
        else:
            share = allocate(lot.cost, quantity, lot.quantity)
            alt = None if lot.alt is None else allocate(lot.alt, quantity, lot.quantity)
        if lot.alt is not None:
            assert alt is not None
            lot.alt -= alt
        self.alts = None if alt is None else [alt]
        lot.quantity -= quantity
        lot.cost -= share
        self.quantity -= quantity
        self._drop_front_empties()
        return (lot.lot_id, lot.acquired_at, lot.acquired_us, quantity, share, "lot")

    def available(self, lot_id: str) -> Decimal:
        lot = self._index().get(lot_id)
        return lot.quantity if lot is not None else ZERO

    def snapshot(self, alt: bool = False) -> list[PoolSnapshot]:
        """The lots held (``alt``: at their cost on the alternative basis)."""
        return [
            PoolSnapshot(self.asset, self.wallet, lot.lot_id, lot.acquired_at, lot.quantity,
                         lot.alt if alt and lot.alt is not None else lot.cost)
            for lot in self.lots
            if lot.quantity != 0
        ]

    def iter_lots(self) -> Iterable[Lot]:
        return (lot for lot in self.lots if lot.quantity != 0)


class AveragePool:
    """A moving weighted-average cost pool for one asset (and wallet, if pools are per wallet)."""

    __slots__ = ("asset", "wallet", "quantity", "cost", "time_weight", "pool_id", "alt", "alts")

    def __init__(self, asset: str, wallet: str | None):
        self.asset = asset
        self.wallet = wallet
        self.quantity = ZERO
        self.cost = ZERO
        self.time_weight = ZERO
        self.pool_id = f"pool:{asset}" + (f"@{wallet}" if wallet else "")
        self.alt: Decimal | None = None  # the pool's cost on the alternative basis, where it differs
        self.alts: list[Decimal | None] | None = None

    def add(self, quantity: Decimal, cost: Decimal, acquired_us: int | Decimal, alt: Decimal | None = None) -> None:
        if alt is not None or self.alt is not None:
            self.alt = (self.cost if self.alt is None else self.alt) + (cost if alt is None else alt)
        self.quantity += quantity
        self.cost += cost
        self.time_weight += quantity * acquired_us

    def add_weighted(self, quantity: Decimal, cost: Decimal, time_weight: Decimal, alt: Decimal | None = None) -> None:
        if alt is not None or self.alt is not None:
            self.alt = (self.cost if self.alt is None else self.alt) + (cost if alt is None else alt)
        self.quantity += quantity
        self.cost += cost
        self.time_weight += time_weight

    def mean_acquired_us(self) -> Decimal:
        return self.time_weight / self.quantity if self.quantity else ZERO

    def take(self, quantity: Decimal, timed: bool = True) -> tuple[list[Take], Decimal, Decimal]:
        """Take up to ``quantity`` at average cost; returns takes, shortfall and the time weight taken.
        ``timed``: give the take its mean acquisition instant (else None: the caller needs only the µs)."""
        if self.quantity <= 0:
            self.alts = None
            return [], quantity, ZERO
        take_q = quantity if quantity <= self.quantity else self.quantity
        alt = self.alt
        if take_q == self.quantity:
            cost, weight = self.cost, self.time_weight
        else:
            cost = allocate(self.cost, take_q, self.quantity)
            weight = allocate(self.time_weight, take_q, self.quantity)
            if alt is not None:
                alt = allocate(alt, take_q, self.quantity)
        if alt is not None:
            assert self.alt is not None
            self.alt -= alt
            self.alts = [alt]
        else:
            self.alts = None
        mean_us = weight / take_q
        self.quantity -= take_q
        self.cost -= cost
        self.time_weight -= weight
        if self.quantity == 0:
            self.cost = ZERO  # exact already; guards against a -0
            self.time_weight = ZERO
            self.alt = None  # both bases hold nothing: the same again
        acquired_at = _from_us(mean_us) if timed else None
        return [(self.pool_id, acquired_at, mean_us, take_q, cost, "pool")], quantity - take_q, weight

    def snapshot(self, alt: bool = False) -> list[PoolSnapshot]:
        """The pool (``alt``: at its cost on the alternative basis)."""
        if self.quantity == 0:
            return []
        return [
            PoolSnapshot(
                self.asset, self.wallet, self.pool_id, _from_us(self.mean_acquired_us()), self.quantity,
                self.alt if alt and self.alt is not None else self.cost, self.time_weight,
            )
        ]


def _from_us(us: Decimal | int) -> datetime:
    from datetime import timedelta

    whole = int(us)  # truncation toward zero: presentation of a mean instant only
    return _EPOCH + timedelta(microseconds=whole)
