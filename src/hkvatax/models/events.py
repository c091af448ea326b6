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
                        goods or services, salary. Valued at market value when received.
``payment``             pays for goods or services with tokens: a disposal at the value of what is bought.
``loss``                tokens lost or stolen: a disposal with no proceeds.
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
    """Capital or revenue (DIPN 39 para 46)."""

    CAPITAL = "capital"
    REVENUE = "revenue"


class ReceiptType(StrEnum):
    STAKING = "staking"
    MINING = "mining"
    AIRDROP = "airdrop"
    FORK = "fork"
    LENDING_INTEREST = "lending_interest"
    PAYMENT_RECEIVED = "payment_received"
    SALARY = "salary"


class IncomeType(StrEnum):
    INTEREST = "interest"
    DIVIDEND = "dividend"
    OTHER = "other"


class LossType(StrEnum):
    LOSS = "loss"
    THEFT = "theft"


class Fee(Frozen):
    """A fee: ``amount`` of ``currency`` (a fiat code, or a token symbol declared as an asset).

    For a token fee, ``value``/``value_currency`` may state its market value; without it the price
    table is used.
    """

    amount: Amount
    currency: Code = "HKD"
    value: NonNegativeAmount | None = None
    value_currency: Code = "HKD"


class LotPick(Frozen):
    """Specific identification: take ``quantity`` from the lot created by event ``lot_id``."""

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
    kind: Literal["disposal"] = "disposal"
    asset: Code
    quantity: Quantity
    proceeds: NonNegativeAmount = Field(description="Consideration received, before fees.")
    currency: Code = "HKD"
    fees: tuple[Fee, ...] = ()
    lots: tuple[LotPick, ...] = Field(default=(), description="Specific identification of lots, if used.")


class Swap(_EventBase):
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
    kind: Literal["fee"] = "fee"
    fee: Fee
    purpose: str | None = None


class Transfer(_EventBase):
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
    kind: Literal["payment"] = "payment"
    asset: Code
    quantity: Quantity
    value: NonNegativeAmount | None = Field(default=None, description="Value of the goods or services bought.")
    value_currency: Code = "HKD"
    fees: tuple[Fee, ...] = ()
    lots: tuple[LotPick, ...] = ()
    description: str | None = None


class Loss(_EventBase):
    kind: Literal["loss"] = "loss"
    asset: Code
    quantity: Quantity
    loss_type: LossType = LossType.LOSS
    lots: tuple[LotPick, ...] = ()


class Income(_EventBase):
    kind: Literal["income"] = "income"
    income_type: IncomeType
    amount: Amount
    currency: Code = "HKD"
    related_asset: Code | None = Field(default=None, description="The asset the income arises on, if any.")


class Expense(_EventBase):
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
