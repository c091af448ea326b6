"""Events: what the taxpayer did, as a discriminated union on ``kind``.

Every event has a stable ``id`` (unique in a scenario), a timezone-aware ``timestamp`` and optional
provenance (``source``: file and row) that is carried through to the explanation.

Economic meaning (the ledger applies it; the law is applied later, by the rules):

======================  ==================================================================================
kind                    meaning
======================  ==================================================================================
``acquisition``         buys ``quantity`` of ``asset`` for ``cost`` in ``currency`` (fiat).
``disposal``            sells ``quantity`` of ``asset`` for ``proceeds`` in ``currency`` (fiat).
``swap``                gives up one token for another. A disposal of what is given up at the market
                        value of what is received, and an acquisition of what is received at that value
                        (domain README; DIPN 39 paras 46 and 51 by analogy). ``value`` states that market
                        value; without it the price table is used.
``fee``                 a fee on its own (gas, network, platform), in fiat or in a token. A fee paid in a
                        token disposes of that token at its market value.
``transfer``            moves a token between the taxpayer's own wallets: not a disposal. Its fee is.
``receipt``             receives tokens: staking, mining, airdrop, fork, lending interest, payment for
                        goods or services, salary, a gift. Valued at market value when received.
``payment``             pays for goods or services with tokens: a disposal at the value of what is bought.
``loss``                tokens that leave without a sale: lost, stolen (a hack), slashed, given away
                        (``gift``) or donated (``donation``). A disposal with no proceeds; ``value``
                        states their market value (a gift's or donation's default: the price table),
                        ``recovered_quantity`` what came back (decision 0165).
``income``              fiat income such as interest or dividends (needed for the fund 5% test).
``expense``             a fiat outgoing the user states (deductible or not), e.g. platform subscription.
======================  ==================================================================================

Fees: every event that moves tokens can carry ``fees``. A fee in fiat on an acquisition adds to cost;
on a disposal (or swap) it reduces proceeds; on a transfer it is an expense. A fee in a token is
additionally a disposal of that token at its market value.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, StrictBool, field_validator, model_validator
from pydantic_core import PydanticCustomError

from ..errors import SourceRef
from .common import Amount, Code, Frozen, Name, NonNegativeAmount, Quantity, Timestamp

__all__ = [
    "Fee",
    "LotPick",
    "Character",
    "ReceiptType",
    "IncomeType",
    "LossType",
    "GIVEN_AWAY",
    "Acquisition",
    "Disposal",
    "Swap",
    "FeePaid",
    "Transfer",
    "Receipt",
    "Payment",
    "Loss",
    "Income",
    "Expense",
    "Event",
    "EVENT_KINDS",
]


class Character(StrEnum):
    """Capital or revenue (DIPN 39 para 46).

    Examples:
        >>> Character("capital"), Character.REVENUE.value
        (<Character.CAPITAL: 'capital'>, 'revenue')
    """

    CAPITAL = "capital"
    REVENUE = "revenue"


class ReceiptType(StrEnum):
    """What kind of receipt a :class:`Receipt` event is.

    Examples:
        >>> ReceiptType("airdrop")
        <ReceiptType.AIRDROP: 'airdrop'>
    """

    STAKING = "staking"
    MINING = "mining"
    AIRDROP = "airdrop"
    FORK = "fork"
    LENDING_INTEREST = "lending_interest"
    PAYMENT_RECEIVED = "payment_received"
    SALARY = "salary"
    GIFT = "gift"


class IncomeType(StrEnum):
    """What kind of income an :class:`Income` event is.

    Examples:
        >>> IncomeType("dividend").value
        'dividend'
    """

    INTEREST = "interest"
    DIVIDEND = "dividend"
    OTHER = "other"


class LossType(StrEnum):
    """Why tokens left without a sale: ``loss``, ``theft`` (a hack), ``slashing`` (a validator penalty),
    ``gift`` (given away) or ``donation`` (to a charity).

    Examples:
        >>> [t.value for t in LossType]
        ['loss', 'theft', 'slashing', 'gift', 'donation']
    """

    LOSS = "loss"
    THEFT = "theft"
    SLASHING = "slashing"
    GIFT = "gift"
    DONATION = "donation"


#: Loss types given away (an outflow the taxpayer chose): valued at market value, from the price table if not
#: stated (decision 0165).
GIVEN_AWAY = frozenset({LossType.GIFT.value, LossType.DONATION.value})


class Fee(Frozen):
    """A fee: ``amount`` of ``currency`` (a fiat code, or a token symbol declared as an asset).

    For a token fee, ``value``/``value_currency`` may state its market value; without it the price
    table is used.

    Examples:
        >>> fee = Fee(amount="0.0005", currency="BTC", value="250")
        >>> fee.amount, fee.currency, fee.value
        (Decimal('0.0005'), 'BTC', Decimal('250'))
    """

    amount: Amount
    currency: Code = "HKD"
    value: NonNegativeAmount | None = None
    value_currency: Code = "HKD"


class LotPick(Frozen):
    """Specific identification: take ``quantity`` from the lot created by event ``lot_id``.

    Examples:
        >>> LotPick(lot_id="b1", quantity="0.25").quantity
        Decimal('0.25')
    """

    lot_id: Name
    quantity: Quantity


class _EventBase(Frozen):
    id: Name = Field(min_length=1, max_length=200, description="Stable id, unique within the scenario.")
    timestamp: Timestamp
    wallet: Name | None = Field(default=None, description="Wallet or account the event happened in.")
    note: str | None = None
    source: SourceRef | None = Field(default=None, description="Provenance: file and row.")
    offshore: StrictBool | None = Field(
        default=None,
        description=(
            "True when the user states the profit-producing operations of this transaction were outside "
            "Hong Kong (DIPN 39 para 47; DIPN 21). None = not stated (Hong Kong source is then assumed)."
        ),
    )

    @field_validator("id")
    @classmethod
    def _strip_id(cls, value: str) -> str:
        text = value.strip()
        if not text:
            raise ValueError("id must not be blank")
        return text


class Acquisition(_EventBase):
    """A purchase of ``quantity`` of ``asset`` for ``cost`` in ``currency`` (fees separate): it creates a lot.

    Examples:
        >>> buy = Acquisition(id="b1", timestamp="2025-05-01T10:00:00+08:00", asset="BTC", quantity="2", cost="1000000")
        >>> buy.kind, buy.quantity, buy.cost, buy.currency
        ('acquisition', Decimal('2'), Decimal('1000000'), 'HKD')
        >>> try:
        ...     Acquisition(id="b2", timestamp="2025-05-01T10:00:00+08:00", asset="BTC", quantity=0.1, cost="1")
        ... except ValueError as exc:
        ...     print("float refused" if "float" in str(exc) else exc)
        float refused
    """

    kind: Literal["acquisition"] = "acquisition"
    asset: Code
    quantity: Quantity
    cost: NonNegativeAmount = Field(description="Consideration paid, excluding fees.")
    currency: Code = "HKD"
    fees: tuple[Fee, ...] = ()
    character: Character | None = Field(default=None, description="Override of character for this lot.")
    character_reason: str | None = None

    @model_validator(mode="after")
    def _reason(self) -> Acquisition:
        if self.character is not None and not (self.character_reason or "").strip():
            raise ValueError("a character override needs character_reason, which appears in the trace")
        return self


class Disposal(_EventBase):
    """A sale of ``quantity`` of ``asset`` for ``proceeds`` in ``currency`` (before fees).

    Examples:
        >>> sale = Disposal(id="s1", timestamp="2025-05-01T10:00:00+08:00", asset="BTC", quantity="0.5", proceeds="39000", currency="USD")
        >>> sale.kind, sale.proceeds, sale.currency
        ('disposal', Decimal('39000'), 'USD')
    """

    kind: Literal["disposal"] = "disposal"
    asset: Code
    quantity: Quantity
    proceeds: NonNegativeAmount = Field(description="Consideration received, before fees.")
    currency: Code = "HKD"
    fees: tuple[Fee, ...] = ()
    lots: tuple[LotPick, ...] = Field(default=(), description="Specific identification of lots, if used.")


class Swap(_EventBase):
    """One token exchanged for another (``give_asset`` for ``receive_asset``): a disposal and an acquisition.

    Examples:
        >>> swap = Swap(id="w1", timestamp="2025-05-01T10:00:00+08:00", give_asset="BTC", give_quantity="1", receive_asset="ETH",
        ...             receive_quantity="25", value="780000")
        >>> swap.kind, swap.give_asset, swap.receive_quantity
        ('swap', 'BTC', Decimal('25'))
    """

    kind: Literal["swap"] = "swap"
    give_asset: Code
    give_quantity: Quantity
    receive_asset: Code
    receive_quantity: Quantity
    value: NonNegativeAmount | None = Field(
        default=None, description="Market value of the exchange; default: price table."
    )
    value_currency: Code = "HKD"
    fees: tuple[Fee, ...] = ()
    lots: tuple[LotPick, ...] = ()
    character: Character | None = None
    character_reason: str | None = None

    @model_validator(mode="after")
    def _distinct(self) -> Swap:
        if self.give_asset == self.receive_asset:
            raise PydanticCustomError(
                "same_asset_swap", "a swap must exchange two different assets, got {asset} for itself",
                {"asset": self.give_asset},
            )
        if self.character is not None and not (self.character_reason or "").strip():
            raise ValueError("a character override needs character_reason, which appears in the trace")
        return self


class FeePaid(_EventBase):
    """A fee paid on its own (not part of a trade), e.g. a network fee; a fee in a token disposes of it.

    Examples:
        >>> FeePaid(id="f1", timestamp="2025-05-01T10:00:00+08:00", fee=Fee(amount="0.001", currency="ETH", value="20")).kind
        'fee'
    """

    kind: Literal["fee"] = "fee"
    fee: Fee
    purpose: str | None = None


class Transfer(_EventBase):
    """Tokens moved between the taxpayer's own wallets: no disposal (a fee paid in a token is one).

    Examples:
        >>> move = Transfer(id="t1", timestamp="2025-05-01T10:00:00+08:00", asset="BTC", quantity="1", from_wallet="exchange", to_wallet="ledger")
        >>> move.kind, move.from_wallet, move.to_wallet
        ('transfer', 'exchange', 'ledger')
    """

    kind: Literal["transfer"] = "transfer"
    asset: Code
    quantity: Quantity
    from_wallet: Name
    to_wallet: Name
    fees: tuple[Fee, ...] = ()

    @model_validator(mode="after")
    def _distinct(self) -> Transfer:
        if self.from_wallet == self.to_wallet:
            raise PydanticCustomError(
                "self_transfer", "a transfer must move between two wallets, got {wallet} twice",
                {"wallet": self.from_wallet},
            )
        return self


class Receipt(_EventBase):
    """Tokens received without a purchase (staking, mining, airdrop, fork, lending interest, a payment, salary).

    Examples:
        >>> r = Receipt(id="r1", timestamp="2025-05-01T10:00:00+08:00", receipt_type="staking", asset="ETH", quantity="0.01", value="250")
        >>> r.kind, r.receipt_type, r.value
        ('receipt', <ReceiptType.STAKING: 'staking'>, Decimal('250'))
    """

    kind: Literal["receipt"] = "receipt"
    receipt_type: ReceiptType
    asset: Code
    quantity: Quantity
    value: NonNegativeAmount | None = Field(default=None, description="Market value when received.")
    value_currency: Code = "HKD"
    fees: tuple[Fee, ...] = ()
    character: Character | None = None
    character_reason: str | None = None


class Payment(_EventBase):
    """Tokens spent on goods or services worth ``value``: a disposal at that value.

    Examples:
        >>> pay = Payment(id="p1", timestamp="2025-05-01T10:00:00+08:00", asset="USDT", quantity="500", value="3900", description="hosting")
        >>> pay.kind, pay.value
        ('payment', Decimal('3900'))
    """

    kind: Literal["payment"] = "payment"
    asset: Code
    quantity: Quantity
    value: NonNegativeAmount | None = Field(default=None, description="Value of the goods or services bought.")
    value_currency: Code = "HKD"
    fees: tuple[Fee, ...] = ()
    lots: tuple[LotPick, ...] = ()
    description: str | None = None


class Loss(_EventBase):
    """Tokens that leave without a sale (see :class:`LossType`): ``quantity`` left, of which
    ``recovered_quantity`` came back (a hack with recovery), so ``quantity - recovered_quantity`` is disposed of.

    Examples:
        >>> Loss(id="l1", timestamp="2025-05-01T10:00:00+08:00", asset="ETH", quantity="3", loss_type="theft").loss_type
        <LossType.THEFT: 'theft'>
    """

    kind: Literal["loss"] = "loss"
    asset: Code
    quantity: Quantity
    loss_type: LossType = LossType.LOSS
    value: NonNegativeAmount | None = Field(
        default=None, description="Market value of what left (net of what was recovered); a gift's or donation's "
        "default: the price table; a loss's default: not stated.")
    value_currency: Code = "HKD"
    recovered_quantity: Quantity | None = Field(
        default=None, description="Quantity that came back (less than quantity); it stays in the pool at its cost.")
    lots: tuple[LotPick, ...] = ()

    @model_validator(mode="after")
    def _recovered(self) -> Loss:
        if self.recovered_quantity is not None and self.recovered_quantity >= self.quantity:
            raise ValueError(f"recovered_quantity {self.recovered_quantity} must be less than quantity "
                             f"{self.quantity} (nothing recovered in full is lost: leave the event out)")
        return self


class Income(_EventBase):
    """Income in money (interest, dividend or other), optionally on a ``related_asset``.

    Examples:
        >>> Income(id="i1", timestamp="2025-05-01T10:00:00+08:00", income_type="interest", amount="1200").income_type
        <IncomeType.INTEREST: 'interest'>
    """

    kind: Literal["income"] = "income"
    income_type: IncomeType
    amount: Amount
    currency: Code = "HKD"
    related_asset: Code | None = Field(default=None, description="The asset the income arises on, if any.")


class Expense(_EventBase):
    """An outgoing in money (``amount`` in ``currency``), deductible unless ``deductible`` is false.

    Examples:
        >>> Expense(id="x1", timestamp="2025-05-01T10:00:00+08:00", amount="12000", description="custody fee").deductible
        True
    """

    kind: Literal["expense"] = "expense"
    amount: Amount
    currency: Code = "HKD"
    description: str | None = None
    deductible: StrictBool = Field(
        default=True, description="User's statement that the outgoing is deductible under IRO s.16 (not s.17)."
    )


Event = Annotated[
    Acquisition | Disposal | Swap | FeePaid | Transfer | Receipt | Payment | Loss | Income | Expense,
    Field(discriminator="kind"),
]
"""Any event (a discriminated union on ``kind``)."""

EVENT_KINDS: tuple[str, ...] = (
    "acquisition", "disposal", "swap", "fee", "transfer", "receipt", "payment", "loss", "income", "expense",
)
