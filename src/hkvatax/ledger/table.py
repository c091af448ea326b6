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
loss            lost                   None               subtype = loss type, picks
income          related asset or ''    amount             subtype = income type
expense         ''                     amount             deductible, text = description
==============  =====================  =================  ==========================================

A fee is ``(amount, currency, value or None, value currency)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from ..errors import SourceRef
from ..models.events import (
    Acquisition,
    Disposal,
    Expense,
    FeePaid,
    Income,
    Loss,
    Payment,
    Receipt,
    Swap,
    Transfer,
)

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

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)


def epoch_us(instant: datetime) -> int:
    """Microseconds since the POSIX epoch, exactly (no float)."""
    return (instant - _EPOCH) // _US


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

    def order(self) -> list[int]:
        """Positions in the ledger's processing order: (instant, kind rank, id) — decision 0002."""
        us, kinds, ids = self.us, self.kinds, self.ids
        n = len(us)
        if all(us[i] < us[i + 1] for i in range(n - 1)):
            return list(range(n))
        return sorted(range(n), key=lambda i: (us[i], RANK[kinds[i]], ids[i]))

    def append(self, *, id: str, kind: int, stamp: datetime, asset: str = "", qty: Decimal | None = None,
               amount: Decimal | None = None, currency: str = "HKD", asset2: str = "", qty2: Decimal | None = None,
               fees: tuple[FeeT, ...] = _NO_FEES, wallet: str | None = None, to_wallet: str | None = None,
               subtype: str = "", deductible: bool = True, picks: tuple[PickT, ...] = _NO_PICKS,
               offshore: bool | None = None, character: tuple[str, str | None] | None = None,
               text: str | None = None, source: SourceRef | None = None, index: int | None = None) -> None:
        """Add one event (the slow, general way: importers of models and of odd rows use it)."""
        self.ids.append(id)
        self.kinds.append(kind)
        self.stamps.append(stamp)
        self.us.append(epoch_us(stamp))
        self.asset.append(asset)
        self.qty.append(qty)
        self.amount.append(amount)
        self.currency.append(currency)
        self.asset2.append(asset2)
        self.qty2.append(qty2)
        self.fees.append(fees)
        self.wallet.append(wallet)
        self.to_wallet.append(to_wallet)
        self.subtype.append(subtype)
        self.deductible.append(deductible)
        self.picks.append(picks)
        self.offshore.append(offshore)
        self.character.append(character)
        self.text.append(text)
        if self.sources is None:
            self.sources = [SourceRef(file=self.file, row=r) for r in self.rows]
            self.file, self.rows = None, []
        self.sources.append(source)
        if not isinstance(self.index, list):
            self.index = list(self.index)
        self.index.append(len(self.ids) - 1 if index is None else index)

    @classmethod
    def from_events(cls, events: Iterable[object]) -> EventTable:
        """The table of pydantic events (``hkvatax.models.events``), in the order given."""
        t = cls(sources=[])
        add = t.append
        for i, e in enumerate(events):
            fees: tuple[FeeT, ...] = tuple((f.amount, f.currency, f.value, f.value_currency)
                                           for f in getattr(e, "fees", ())) or _NO_FEES
            picks: tuple[PickT, ...] = tuple((p.lot_id, p.quantity) for p in getattr(e, "lots", ())) or _NO_PICKS
            char = getattr(e, "character", None)
            character = None if char is None else (char.value, getattr(e, "character_reason", None))
            common = {"id": e.id, "stamp": e.timestamp, "wallet": e.wallet, "offshore": e.offshore,  # type: ignore[attr-defined]
                      "source": e.source, "index": i}  # type: ignore[attr-defined]
            if isinstance(e, Acquisition):
                add(kind=K_ACQ, asset=e.asset, qty=e.quantity, amount=e.cost, currency=e.currency, fees=fees,
                    character=character, **common)  # type: ignore[arg-type]
            elif isinstance(e, Disposal):
                add(kind=K_DISP, asset=e.asset, qty=e.quantity, amount=e.proceeds, currency=e.currency, fees=fees,
                    picks=picks, **common)  # type: ignore[arg-type]
            elif isinstance(e, Swap):
                add(kind=K_SWAP, asset=e.give_asset, qty=e.give_quantity, amount=e.value, currency=e.value_currency,
                    asset2=e.receive_asset, qty2=e.receive_quantity, fees=fees, picks=picks, character=character,
                    **common)  # type: ignore[arg-type]
            elif isinstance(e, FeePaid):
                f = e.fee
                add(kind=K_FEE, fees=((f.amount, f.currency, f.value, f.value_currency),), text=e.purpose,
                    **common)  # type: ignore[arg-type]
            elif isinstance(e, Transfer):
                add(kind=K_TRANSFER, asset=e.asset, qty=e.quantity, fees=fees, to_wallet=e.to_wallet,
                    **{**common, "wallet": e.from_wallet})  # type: ignore[arg-type]
            elif isinstance(e, Receipt):
                add(kind=K_RECEIPT, asset=e.asset, qty=e.quantity, amount=e.value, currency=e.value_currency,
                    subtype=e.receipt_type.value, fees=fees, character=character, **common)  # type: ignore[arg-type]
            elif isinstance(e, Payment):
                add(kind=K_PAYMENT, asset=e.asset, qty=e.quantity, amount=e.value, currency=e.value_currency,
                    fees=fees, picks=picks, text=e.description, **common)  # type: ignore[arg-type]
            elif isinstance(e, Loss):
                add(kind=K_LOSS, asset=e.asset, qty=e.quantity, subtype=e.loss_type.value, picks=picks,
                    **common)  # type: ignore[arg-type]
            elif isinstance(e, Income):
                add(kind=K_INCOME, asset=e.related_asset or "", amount=e.amount, currency=e.currency,
                    subtype=e.income_type.value, **common)  # type: ignore[arg-type]
            elif isinstance(e, Expense):
                add(kind=K_EXPENSE, amount=e.amount, currency=e.currency, deductible=e.deductible,
                    text=e.description, **common)  # type: ignore[arg-type]
            else:
                raise TypeError(f"not an event: {e!r}")
        return t
