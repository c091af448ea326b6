"""The ledger's one input representation: validated events as columns (:class:`EventTable`).

Every input — a JSON scenario's pydantic events, a CSV ledger read column by column, rows already in
memory — is normalised once into this form, and :mod:`hkvatax.ledger.core` matches it. A table holds
plain Python values (``str``, ``int``, ``Decimal``) in parallel lists, one entry per event, so a
million events cost a few lists rather than a million models (docs/decisions/0032-one-core.md).

Column meanings by kind (``asset``/``qty``/``amount``/``currency``):

==============  =====================  =================  ==========================================
kind            asset, qty             amount, currency   other columns
==============  =====================  =================  ==========================================
acquisition     bought                 cost               fees, character
disposal        sold                   proceeds           fees, picks
swap            given up               value (or None)    asset2/qty2 received, fees, picks, character
fee             '' , None              None               fees (exactly one), text = purpose
transfer        moved                  None               wallet → to_wallet, fees
receipt         received               value (or None)    subtype = receipt type, fees, character
payment         paid with              value (or None)    fees, picks, text = description
loss            left (before recovery) value (or None)    qty2 = recovered, subtype = loss type, picks
income          related asset or ''    amount             subtype = income type
expense         ''                     amount             deductible, text = description
==============  =====================  =================  ==========================================

A fee is ``(amount, currency, value or None, value currency)``.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from ..errors import SourceRef

__all__ = [
    "EventTable", "FeeT", "PickT", "KIND_NAMES", "KIND_CODES", "RANK",
    "K_ACQ", "K_DISP", "K_SWAP", "K_FEE", "K_TRANSFER", "K_RECEIPT", "K_PAYMENT", "K_LOSS", "K_INCOME", "K_EXPENSE",
    "epoch_us", "from_us",
]

K_ACQ, K_DISP, K_SWAP, K_FEE, K_TRANSFER, K_RECEIPT, K_PAYMENT, K_LOSS, K_INCOME, K_EXPENSE = range(10)
KIND_NAMES: tuple[str, ...] = ("acquisition", "disposal", "swap", "fee", "transfer", "receipt", "payment", "loss",
                               "income", "expense")
KIND_CODES: dict[str, int] = {name: code for code, name in enumerate(KIND_NAMES)}
#: Processing order at one instant: inflows first, then swaps, transfers, outflows (decision 0002).
RANK: tuple[int, ...] = (0, 3, 1, 3, 2, 0, 3, 3, 0, 3)

FeeT = tuple[Decimal, str, Decimal | None, str]  # amount, currency, value, value currency
PickT = tuple[str, Decimal]  # lot id, quantity
_NO_FEES: tuple[FeeT, ...] = ()
_NO_PICKS: tuple[PickT, ...] = ()
_HAS_FEES = frozenset({K_ACQ, K_DISP, K_SWAP, K_TRANSFER, K_RECEIPT, K_PAYMENT})
_HAS_LOTS = frozenset({K_DISP, K_SWAP, K_PAYMENT, K_LOSS})
_HAS_CHARACTER = frozenset({K_ACQ, K_SWAP, K_RECEIPT})

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)


def epoch_us(instant: datetime) -> int:
    """Microseconds since the POSIX epoch, exactly (no float)."""
    t = instant - _EPOCH  # (its fields, not a division of timedeltas: the same integer, a third faster)
    return (t.days * 86_400 + t.seconds) * 1_000_000 + t.microseconds


def from_us(us: int) -> datetime:
    """The UTC instant ``us`` microseconds after the POSIX epoch."""
    return _EPOCH + timedelta(microseconds=us)


@dataclass(slots=True)
class EventTable:
    """Validated events as parallel columns (see the module docstring for what each column holds).

    ``sources`` gives each event's provenance; when it is None, event ``i`` came from row ``rows[i]`` of
    ``file``. ``index`` is each event's position in the input it came from (for ``events[i]`` references
    and to keep problems in input order).
    """

    ids: list[str] = field(default_factory=list)
    kinds: list[int] = field(default_factory=list)
    us: list[int] = field(default_factory=list)
    stamps: list[datetime] = field(default_factory=list)
    asset: list[str] = field(default_factory=list)
    qty: list[Decimal | None] = field(default_factory=list)
    amount: list[Decimal | None] = field(default_factory=list)
    currency: list[str] = field(default_factory=list)
    asset2: list[str] = field(default_factory=list)
    qty2: list[Decimal | None] = field(default_factory=list)
    fees: list[tuple[FeeT, ...]] = field(default_factory=list)
    wallet: list[str | None] = field(default_factory=list)
    to_wallet: list[str | None] = field(default_factory=list)
    subtype: list[str] = field(default_factory=list)
    deductible: list[bool] = field(default_factory=list)
    picks: list[tuple[PickT, ...]] = field(default_factory=list)
    offshore: list[bool | None] = field(default_factory=list)
    character: list[tuple[str, str | None] | None] = field(default_factory=list)
    text: list[str | None] = field(default_factory=list)
    sources: list[SourceRef | None] | None = None
    file: str | None = None
    rows: Sequence[int] = field(default_factory=list)
    index: Sequence[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)

    def source(self, i: int) -> SourceRef:
        """Where event ``i`` came from (a file and row, or its place in the input's event list)."""
        if self.sources is not None:
            found = self.sources[i]
            return found if found is not None else SourceRef(path=f"events[{self.index[i]}]")
        return SourceRef(file=self.file, row=self.rows[i])

    def symbols(self) -> set[str]:
        """Every symbol used as an asset (the token set when none is declared)."""
        out = {a for a, k in zip(self.asset, self.kinds, strict=True)
               if a and k not in (K_FEE, K_INCOME, K_EXPENSE)}
        out.update(a for a in self.asset2 if a)
        return out

    def currency_codes(self) -> set[str]:
        """Every code used as a currency (of an amount, a fee or a fee's value): where the ledger asks whether a
        code is a token."""
        out = set(self.currency)
        for fees in self.fees:
            for fee in fees:
                out.add(fee[1])
                out.add(fee[3])
        return out

    def order(self) -> list[int]:
        """Positions in the ledger's processing order: (instant, kind rank, id) — decision 0002."""
        us, kinds, ids = self.us, self.kinds, self.ids
        n = len(us)
        if all(map(operator.lt, us, itertools.islice(us, 1, None))):  # (strictly increasing, at C speed)
            return list(range(n))
        return sorted(range(n), key=lambda i: (us[i], RANK[kinds[i]], ids[i]))

    @classmethod
    def from_events(cls, events: Iterable[object]) -> EventTable:
        """The table of pydantic events (``hkvatax.models.events``), in the order given."""
        table = cls(sources=[])
        table.extend_events(events)
        return table

    def extend_events(self, events: Iterable[object]) -> None:
        """Append pydantic events (``hkvatax.models.events``): one pass of plain attribute reads."""
        if self.sources is None:
            self.sources = [SourceRef(file=self.file, row=r) for r in self.rows]
            self.file, self.rows = None, []
        if not isinstance(self.index, list):
            self.index = list(self.index)
        start = len(self.ids)
        ids, kinds, stamps, asset, qty, amount, currency = (self.ids, self.kinds, self.stamps, self.asset, self.qty,
                                                           self.amount, self.currency)
        asset2, qty2, fees, wallet, to_wallet, subtype = (self.asset2, self.qty2, self.fees, self.wallet,
                                                         self.to_wallet, self.subtype)
        deductible, picks, offshore, character, text, sources, index = (
            self.deductible, self.picks, self.offshore, self.character, self.text, self.sources, self.index)
        for n, e in enumerate(events, start=start):
            kind = KIND_CODES[e.kind]  # type: ignore[attr-defined]
            ids.append(e.id)  # type: ignore[attr-defined]
            kinds.append(kind)
            stamps.append(e.timestamp)  # type: ignore[attr-defined]
            offshore.append(e.offshore)  # type: ignore[attr-defined]
            sources.append(e.source)  # type: ignore[attr-defined]
            index.append(n)
            given: Any = e.fees if kind in _HAS_FEES else ()  # type: ignore[attr-defined]
            fees.append(tuple((x.amount, x.currency, x.value, x.value_currency) for x in given) if given else _NO_FEES)
            designated: Any = e.lots if kind in _HAS_LOTS else ()  # type: ignore[attr-defined]
            picks.append(tuple((x.lot_id, x.quantity) for x in designated) if designated else _NO_PICKS)
            char = e.character if kind in _HAS_CHARACTER else None  # type: ignore[attr-defined]
            character.append(None if char is None else (char.value, e.character_reason))  # type: ignore[attr-defined]
            w, tw, a2, q2, sub, ded, txt = e.wallet, None, "", None, "", True, None  # type: ignore[attr-defined]
            if kind == K_ACQ:
                a, q, amt, cur = e.asset, e.quantity, e.cost, e.currency  # type: ignore[attr-defined]
            elif kind == K_DISP:
                a, q, amt, cur = e.asset, e.quantity, e.proceeds, e.currency  # type: ignore[attr-defined]
            elif kind == K_SWAP:
                a, q, amt, cur = e.give_asset, e.give_quantity, e.value, e.value_currency  # type: ignore[attr-defined]
                a2, q2 = e.receive_asset, e.receive_quantity  # type: ignore[attr-defined]
            elif kind == K_FEE:
                x = e.fee  # type: ignore[attr-defined]
                fees[-1] = ((x.amount, x.currency, x.value, x.value_currency),)
                a, q, amt, cur, txt = "", None, None, "HKD", e.purpose  # type: ignore[attr-defined]
            elif kind == K_TRANSFER:
                a, q, amt, cur = e.asset, e.quantity, None, "HKD"  # type: ignore[attr-defined]
                w, tw = e.from_wallet, e.to_wallet  # type: ignore[attr-defined]
            elif kind == K_RECEIPT:
                a, q, amt, cur = e.asset, e.quantity, e.value, e.value_currency  # type: ignore[attr-defined]
                sub = e.receipt_type.value  # type: ignore[attr-defined]
            elif kind == K_PAYMENT:
                a, q, amt, cur = e.asset, e.quantity, e.value, e.value_currency  # type: ignore[attr-defined]
                txt = e.description  # type: ignore[attr-defined]
            elif kind == K_LOSS:
                a, q, amt, cur = e.asset, e.quantity, e.value, e.value_currency  # type: ignore[attr-defined]
                sub, q2 = e.loss_type.value, e.recovered_quantity  # type: ignore[attr-defined]
            elif kind == K_INCOME:
                a, q, amt, cur = e.related_asset or "", None, e.amount, e.currency  # type: ignore[attr-defined]
                sub = e.income_type.value  # type: ignore[attr-defined]
            else:  # expense
                a, q, amt, cur = "", None, e.amount, e.currency  # type: ignore[attr-defined]
                ded, txt = e.deductible, e.description  # type: ignore[attr-defined]
            asset.append(a)
            qty.append(q)
            amount.append(amt)
            currency.append(cur)
            asset2.append(a2)
            qty2.append(q2)
            wallet.append(w)
            to_wallet.append(tw)
            subtype.append(sub)
            deductible.append(ded)
            text.append(txt)
        self.us.extend(map(epoch_us, stamps[start:]))

    @classmethod
    def concat(cls, tables: Sequence[EventTable]) -> EventTable:
        """One table of ``tables`` in turn (chunks of one input)."""
        tables = [t for t in tables if len(t)]
        if len(tables) == 1:
            return tables[0]
        out = cls(sources=None if all(t.sources is None and t.file == tables[0].file for t in tables) else [])
        for t in tables:
            for name in _COLUMNS:
                getattr(out, name).extend(getattr(t, name))
            if out.sources is not None:
                out.sources.extend(t.sources if t.sources is not None
                                   else [SourceRef(file=t.file, row=r) for r in t.rows])
            else:
                out.file = t.file
                assert isinstance(out.rows, list)
                out.rows.extend(t.rows)
            assert isinstance(out.index, list)
            out.index.extend(t.index)
        return out


_COLUMNS = ("ids", "kinds", "us", "stamps", "asset", "qty", "amount", "currency", "asset2", "qty2", "fees", "wallet",
            "to_wallet", "subtype", "deductible", "picks", "offshore", "character", "text")
