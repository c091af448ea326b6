"""Assets: what a taxpayer holds, and the facts the law needs about each.

* ``category`` follows DIPN 39 para 42 (payment, security and utility tokens), with stablecoins and
  NFTs named separately because the domain notes treat them as open questions.
* ``is_virtual_asset`` is the AMLO (Cap. 615) s.53ZRA sense: a cryptographically secured digital
  representation of value; securities, futures contracts, digital representations of fiat currency and
  stored value facilities are excluded. The user sets it per asset (product decision, domain README).
* ``sch16c_class`` names the IRO Schedule 16C class of a non-virtual asset (securities, futures …), so a
  fund's or family office's other transactions can be carried beside its crypto.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, model_validator

from .common import Code, Frozen

__all__ = ["TokenCategory", "Sch16CClass", "Asset"]


class TokenCategory(StrEnum):
    """DIPN 39 para 42 token categories, plus stablecoin, NFT and other."""

    PAYMENT = "payment"
    SECURITY = "security"
    UTILITY = "utility"
    STABLECOIN = "stablecoin"
    NFT = "nft"
    OTHER = "other"


class Sch16CClass(StrEnum):
    """The classes of assets in IRO Schedule 16C as in force (DIPN 61 para 72, Appendix 2)."""

    SECURITIES = "securities"
    PRIVATE_COMPANY_SECURITIES = "private_company_securities"
    FUTURES_CONTRACTS = "futures_contracts"
    FOREIGN_EXCHANGE_CONTRACTS = "foreign_exchange_contracts"
    DEPOSITS = "deposits"
    BANK_DEPOSITS = "bank_deposits"
    CERTIFICATES_OF_DEPOSIT = "certificates_of_deposit"
    EXCHANGE_TRADED_COMMODITIES = "exchange_traded_commodities"
    FOREIGN_CURRENCIES = "foreign_currencies"
    OTC_DERIVATIVE_PRODUCTS = "otc_derivative_products"
    ITVF_COINVESTMENT_SHARES = "itvf_coinvestment_shares"


class Asset(Frozen):
    """One asset the taxpayer can hold (a token, or a non-virtual asset such as a listed share)."""

    symbol: Code = Field(description="Ticker or code, unique within a scenario (upper-cased).")
    name: str | None = Field(default=None, description="Human-readable name.")
    category: TokenCategory | None = Field(
        default=None, description="DIPN 39 para 42 token category; None for a non-token asset."
    )
    is_virtual_asset: bool = Field(
        default=True, description="A virtual asset in the AMLO s.53ZRA sense (user's determination)."
    )
    sch16c_class: Sch16CClass | None = Field(
        default=None, description="IRO Sch. 16C class for a non-virtual asset; None if none applies."
    )

    @model_validator(mode="after")
    def _consistent(self) -> Asset:
        if self.is_virtual_asset and self.sch16c_class is not None:
            raise ValueError(
                "an asset cannot be both a virtual asset and a Schedule 16C asset: AMLO s.53ZRA excludes "
                "securities and futures contracts from 'virtual asset'; set is_virtual_asset=false"
            )
        return self
