"""The proposed extension of the fund (UFE) and family-office (FIHV) concessions, as the sources report it.

The *Inland Revenue (Amendment) (Preferential Tax Regimes for Funds, Family-owned Investment Holding Vehicles
and Carried Interest) Bill 2026* was gazetted on 12 June 2026; no reading, passage or commencement was found
(checked 2026-12-01). The Government said on 2 March 2026 that, if passed, the measures take effect from the
year of assessment 2025/26. The Bill's text was not read: every rule here cites the report it rests on, the
date it was checked and a confidence (docs/law-status.md, docs/decisions/0050 and 0072-0075).

What is data, not code:

* ``extension.in_force`` (params/concessions.toml): status ``proposed`` until the Ordinance is published. When it
  is, set its ``value`` to ``"1"``, its ``status`` to ``"enacted"`` and its ``from`` to the first year of
  assessment: every ``ext.*`` rule then has status *enacted* (they follow the parameter's status), and the
  extension applies in the baseline (law in force) run from that year.
* the digital-asset setting (run settings ``digital_asset_stablecoins`` / ``digital_asset_nfts``: ``include`` or
  ``exclude``), which decides which virtual assets are "digital assets" when the asset states no class.
* ``extension_incidental_conditions`` (``assumed_met`` or ``unknown``) and
  ``extension_new_classes_count_towards_fihv_240m`` (true or false): the two switchable readings.
"""

from __future__ import annotations

from ..periods import YearOfAssessment
from ..trace import Assumption
from .lines import ProfitLine
from .params import ParamStore
from .registry import RuleContext

__all__ = [
    "IN_FORCE", "EXTENSION_FIRST_YEAR_DEFAULT", "extension_in_force", "is_digital_asset", "extension_qualifying",
    "A_EXT_FIRST_YEAR", "A_EXT_VA_DEFINITION", "A_EXT_DA_STABLECOINS", "A_EXT_DA_NFTS", "A_EXT_INCIDENTAL_CONDITIONS",
    "A_EXT_FIHV_VA_THRESHOLD", "A_EXT_ART_TODAY", "A_EXT_SUBSTANCE", "setting",
]

#: The parameter that says whether the extension is law (value 1) and from which year (its entry's ``from``).
IN_FORCE = "extension.in_force"
EXTENSION_FIRST_YEAR_DEFAULT = "2025/26"

A_EXT_FIRST_YEAR = Assumption(
    "A-EXT-FIRST-YEAR",
    "The extension of the fund (UFE) and family-office (FIHV) concessions is proposed law (Bill 2026, gazetted "
    "12 June 2026; no passage found as of 2026-12-01). The Government said on 2 March 2026 that, if passed, it "
    "takes effect from 2025/26 (press reports of the LegCo Panel on Financial Affairs; medium). hkvatax applies "
    "it only in the va_extension scenario, from the setting extension_first_year (default 2025/26).",
    "set extension_first_year (e.g. \"2026/27\"); use the baseline scenario for the law in force",
)
A_EXT_VA_DEFINITION = Assumption(
    "A-EXT-VA-DEFINITION",
    "Under the extension a 'digital asset' (the Government's 2026 term; the Bill's definition was not found) is "
    "an asset stated in that class, or else one the user flags is_virtual_asset (the AMLO s.53ZRA definition).",
    "set extension_class per asset, or is_virtual_asset",
)
A_EXT_DA_STABLECOINS = Assumption(
    "A-EXT-DA-STABLECOINS",
    "Open question: whether a stablecoin (regulated under the Stablecoins Ordinance, Cap. 656, in force 1 August "
    "2025) is a 'digital asset' under the Bill is not known; hkvatax follows the setting digital_asset_stablecoins "
    "(default include: it follows the asset's virtual-asset flag).",
    "set digital_asset_stablecoins = \"exclude\" in the run settings",
)
A_EXT_DA_NFTS = Assumption(
    "A-EXT-DA-NFTS",
    "Open question: whether a non-fungible token is a 'digital asset' under the Bill is not known; hkvatax follows "
    "the setting digital_asset_nfts (default include: it follows the asset's virtual-asset flag).",
    "set digital_asset_nfts = \"exclude\" in the run settings",
)
A_EXT_INCIDENTAL_CONDITIONS = Assumption(
    "A-EXT-INCIDENTAL-CONDITIONS",
    "The 5% incidental threshold is to be abolished for funds, FIHVs and their SPEs 'as long as profits are "
    "derived from qualifying investments and meet specified conditions' (LegCo Panel, 2 March 2026, as reported; "
    "medium). The conditions were not found: hkvatax takes them as met, so incidental profits are relieved.",
    "set extension_incidental_conditions = \"unknown\" to leave incidental profits chargeable until known",
)
A_EXT_FIHV_VA_THRESHOLD = Assumption(
    "A-EXT-FIHV-VA-THRESHOLD",
    "No source says that digital assets (or the other classes the extension adds) count towards the FIHV "
    "HK$240 million minimum; hkvatax infers it from their becoming qualifying investments.",
    "set extension_new_classes_count_towards_fihv_240m = false",
)
A_EXT_ART_TODAY = Assumption(
    "A-EXT-ART-TODAY",
    "The Government says the SPE rules and the anti-round-tripping rules (ss.20AW-20AY) are to be relaxed under "
    "the extension; no details were published (checked 2026-12-01): not yet published, today's rules applied.",
    None,
)
A_EXT_SUBSTANCE = Assumption(
    "A-EXT-SUBSTANCE",
    "The extension adds a substantial-activities requirement (local employees and expenditure, 'similar to the "
    "FIHV regime') and a tax-reporting mechanism for funds (LegCo Panel, 2 March 2026, as reported; FSTB "
    "consultation, November 2024; medium). Thresholds were not published: the user states whether they are met.",
    "state fund.extension_substantial_activities_met and fund.extension_tax_reporting_complied",
)


def setting(ctx: RuleContext, name: str, default: object) -> object:
    """A run setting the law layer reads (recorded as a fact of the calling rule)."""
    value = ctx.settings.get(name, default)
    ctx.fact(f"setting.{name}", value)
    return value


def extension_in_force(params: ParamStore, year: YearOfAssessment) -> bool:
    """True when the parameter ``extension.in_force`` says the extension is law for ``year``."""
    return params.has(IN_FORCE, year) and params.at(IN_FORCE, year).value == 1


def is_digital_asset(ctx: RuleContext, line: ProfitLine) -> bool:
    """Whether the extension treats the line's asset as a digital asset (recording the assumptions used)."""
    if line.extension_class is not None:
        return line.extension_class == "digital_assets"
    if not line.virtual_asset:
        return False
    ctx.assume(A_EXT_VA_DEFINITION)
    if line.token_category == "stablecoin":
        ctx.assume(A_EXT_DA_STABLECOINS)
        return setting(ctx, "digital_asset_stablecoins", "include") != "exclude"
    if line.token_category == "nft":
        ctx.assume(A_EXT_DA_NFTS)
        return setting(ctx, "digital_asset_nfts", "include") != "exclude"
    return True


def extension_qualifying(ctx: RuleContext, line: ProfitLine) -> str | None:
    """The class the extension adds that makes the line's asset a qualifying investment, or None."""
    if line.sch16c_class is not None:
        return None
    if is_digital_asset(ctx, line):
        return "digital_assets"
    return line.extension_class
