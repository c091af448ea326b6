"""Labels of the statement's figures, shared by every renderer (text, Markdown, HTML, CSV, frames)."""

from __future__ import annotations

__all__ = ["FIGURE_LABELS", "figure_label"]

FIGURE_LABELS: dict[str, str] = {
    "capital_gains": "Capital gains (not chargeable)",
    "offshore_profits": "Offshore revenue profits (not chargeable)",
    "revenue_disposal_profits": "Chargeable profits on disposals",
    "business_receipts": "Business receipts in tokens",
    "other_income": "Other chargeable income",
    "deductions": "Deductible outgoings",
    "exempt_profits": "Exempt / 0% concession profits",
    "net_profit": "Assessable profits before losses (adjusted loss if negative)",
    "losses_brought_forward": "Losses brought forward",
    "losses_set_off": "Losses set off",
    "assessable_profits": "Assessable profits",
    "losses_carried_forward": "Losses carried forward",
    "tax_at_rates": "Tax at the profits tax rates",
    "tax_charged": "Tax charged (whole dollars)",
    "one_off_reduction": "One-off reduction",
    "tax_payable": "Tax payable",
    "salaries_tax_items": "Salaries tax item: tokens received as salary",
}


def figure_label(key: str) -> str:
    """The reader's label of a statement figure (the key itself for a figure without one).

    >>> figure_label("tax_payable")
    'Tax payable'
    """
    return FIGURE_LABELS.get(key, key)
