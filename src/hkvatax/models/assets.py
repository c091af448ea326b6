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

from pydantic import Field, StrictBool, model_validator

from .common import Code, Frozen

__all__ = ["TokenCategory", "Sch16CClass", "ExtensionClass", "Asset"]


class TokenCategory(StrEnum):
    """DIPN 39 para 42 token categories, plus stablecoin, NFT and other.

    Examples:
        >>> TokenCategory("stablecoin"), [c.value for c in TokenCategory][:3]
        (<TokenCategory.STABLECOIN: 'stablecoin'>, ['payment', 'security', 'utility'])
    """

    PAYMENT = "payment"
    SECURITY = "security"
    UTILITY = "utility"
    STABLECOIN = "stablecoin"
    NFT = "nft"
    OTHER = "other"


class Sch16CClass(StrEnum):
    """The classes of assets in IRO Schedule 16C as in force (DIPN 61 para 72, Appendix 2).

    Examples:
        >>> Sch16CClass("securities").value
        'securities'
    """

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


class ExtensionClass(StrEnum):
    """Classes of qualifying investment the proposed extension adds for funds and FIHVs (2025-26 and 2026-27
    Budgets; LegCo Panel on Financial Affairs, 2 March 2026; the Bill's own wording was not read). Proposed law:
    they qualify only where the extension applies (docs/decisions/0072-extension-as-reported.md).

    Examples:
        >>> ExtensionClass("digital_assets")
        <ExtensionClass.DIGITAL_ASSETS: 'digital_assets'>
    """

    NON_HK_IMMOVABLE_PROPERTY = "non_hk_immovable_property"
    CARBON_CREDITS_AND_EMISSIONS = "carbon_credits_and_emissions"  # credits, emission allowances, their derivatives
    INSURANCE_LINKED_SECURITIES = "insurance_linked_securities"
    NON_CORPORATE_PRIVATE_ENTITY_INTERESTS = "non_corporate_private_entity_interests"
    LOANS_AND_PRIVATE_CREDIT = "loans_and_private_credit"
    DIGITAL_ASSETS = "digital_assets"
    PRECIOUS_METALS = "precious_metals"
    SPECIFIED_COMMODITIES = "specified_commodities"


class Asset(Frozen):
    """One asset the taxpayer can hold (a token, or a non-virtual asset such as a listed share).

    Examples:
        >>> btc = Asset(symbol="BTC", name="Bitcoin", category="payment")
        >>> btc.symbol, btc.category, btc.is_virtual_asset
        ('BTC', <TokenCategory.PAYMENT: 'payment'>, True)
    """

    symbol: Code = Field(description="Ticker or code, unique within a scenario (upper-cased).")
    name: str | None = Field(default=None, description="Human-readable name.")
    category: TokenCategory | None = Field(
        default=None, description="DIPN 39 para 42 token category; None for a non-token asset."
    )
    is_virtual_asset: StrictBool = Field(
        default=True, description="A virtual asset in the AMLO s.53ZRA sense (user's determination)."
    )
    sch16c_class: Sch16CClass | None = Field(
        default=None, description="IRO Sch. 16C class for a non-virtual asset; None if none applies."
    )
    extension_class: ExtensionClass | None = Field(
        default=None,
        description=(
            "The class the proposed extension adds that this asset falls in (proposed law). None: a virtual asset "
            "is a digital asset as the run's digital-asset setting decides; any other asset is in no new class."
        ),
    )

    @model_validator(mode="after")
    def _consistent(self) -> Asset:
        if self.is_virtual_asset and self.sch16c_class is not None:
            raise ValueError(
                "an asset cannot be both a virtual asset and a Schedule 16C asset: AMLO s.53ZRA excludes "
                "securities and futures contracts from 'virtual asset'; set is_virtual_asset=false"
            )
        if self.sch16c_class is not None and self.extension_class is not None:
            raise ValueError(
                "an asset already in a Schedule 16C class needs no class from the proposed extension; set one of "
                "sch16c_class and extension_class"
            )
        return self
