"""The data that flows between rule stages: profit lines, condition results, regime results.

* A :class:`ProfitLine` is one aggregated source of profit for a year: e.g. "revenue disposals of
  BTC, Hong Kong source" or "interest income". The classification stage builds them from the ledger
  (aggregated per asset, so a million disposals make a handful of lines); its ``figure`` is the trace
  node of its amount.
* A :class:`ConditionResult` is one eligibility condition (met / failed / unknown) with the fact that
  decided it and what to supply when unknown.
* A :class:`RegimeResult` is what a regime (profits tax baseline, UFE, FIHV) decides for a year: which
  lines are exempt (or taxed at 0%), which stay assessable, and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from .registry import Figure

__all__ = ["ProfitLine", "ConditionResult", "RegimeResult", "LineKind", "Treatment"]

LineKind = Literal["disposal", "receipt", "income", "outgoing"]
Treatment = Literal["assessable", "exempt", "zero_rate", "excluded"]


@dataclass(frozen=True, slots=True)
class ProfitLine:
    """An aggregated profit (or loss, or outgoing) of one kind, for one asset, in one year."""

    key: str  # stable id, e.g. "disposal:BTC:revenue:hk"
    kind: LineKind
    asset: str | None
    virtual_asset: bool
    sch16c_class: str | None
    character: Literal["capital", "revenue", "n/a"]
    offshore: bool
    figure: Figure  # the amount (profit positive, loss negative; outgoings negative), HKD
    trading_receipts: Decimal  # gross receipts counted in the 5% incidental test
    count: int  # number of ledger records aggregated
    income_type: str | None = None  # interest | dividend | other (income lines)
    receipt_type: str | None = None  # staking | mining | ... (receipt lines)
    deductible: bool = True  # outgoings: the user's s.16/s.17 statement
    extension_class: str | None = None  # a class the proposed extension adds (models.assets.ExtensionClass)
    token_category: str | None = None  # DIPN 39 para 42 category of the asset (stablecoin, nft ...)
    stated_incidental: bool = False  # the user states the transaction is incidental (e.g. an incidental disposal)

    @property
    def amount(self) -> Decimal:
        value = self.figure.value
        assert isinstance(value, Decimal)
        return value


@dataclass(frozen=True, slots=True)
class ConditionResult:
    """One eligibility condition: met, failed or unknown, and why."""

    id: str
    title: str
    outcome: Literal["met", "failed", "unknown", "not_applicable"]
    figure: Figure  # trace node of the decision
    missing: tuple[str, ...] = ()  # facts to supply when unknown


@dataclass(frozen=True)
class RegimeResult:
    """A regime's decision for a year."""

    regime: str  # "profits_tax" | "ufe" | "fihv"
    eligible: Literal["yes", "no", "unknown"]
    conditions: tuple[ConditionResult, ...]
    treatments: dict[str, Treatment]  # line key -> treatment
    reasons: dict[str, Figure]  # line key -> trace node explaining the treatment
    exempt_total: Figure | None = None
    deemed: tuple[Figure, ...] = ()  # deemed assessable profits of resident persons (UFE anti-round-tripping)
    notes: tuple[str, ...] = ()
    extra: dict[str, Figure] = field(default_factory=dict)
