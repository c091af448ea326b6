"""Input models: taxpayers, assets, events, rates and scenarios (all immutable pydantic models)."""

from .assets import Asset, ExtensionClass, Sch16CClass, TokenCategory
from .events import (
    EVENT_KINDS,
    Acquisition,
    Character,
    Disposal,
    Event,
    Expense,
    Fee,
    FeePaid,
    Income,
    IncomeType,
    Loss,
    LossType,
    LotPick,
    Payment,
    Receipt,
    ReceiptType,
    Swap,
    Transfer,
)
from .prices import Rate
from .scenario import LedgerSettings, OpeningLot, Scenario
from .taxpayers import (
    CharacterOverride,
    Corporation,
    EsfoFacts,
    FamilyOffice,
    FihvFacts,
    FspeFacts,
    FundFacts,
    FundType,
    Individual,
    InterestPeriod,
    LotMethod,
    MethodElection,
    Partnership,
    PrivateFund,
    ResidentInvestor,
    SpeFacts,
    Taxpayer,
    TradingFacts,
    TwoTierFacts,
)

__all__ = [
    "Asset", "ExtensionClass", "Sch16CClass", "TokenCategory",
    "EVENT_KINDS", "Acquisition", "Character", "Disposal", "Event", "Expense", "Fee", "FeePaid", "Income",
    "IncomeType", "Loss", "LossType", "LotPick", "Payment", "Receipt", "ReceiptType", "Swap", "Transfer",
    "Rate", "LedgerSettings", "OpeningLot", "Scenario",
    "CharacterOverride", "Corporation", "EsfoFacts", "FamilyOffice", "FihvFacts", "FspeFacts", "FundFacts",
    "FundType", "Individual", "InterestPeriod", "LotMethod", "MethodElection", "Partnership", "PrivateFund",
    "ResidentInvestor", "SpeFacts", "Taxpayer", "TradingFacts", "TwoTierFacts",
]
