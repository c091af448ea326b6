"""Exchange rates and token prices the user supplies (no network look-ups, ever).

A :class:`Rate` says: at ``at``, one unit of ``base`` was worth ``rate`` units of ``quote``, according
to ``source``. ``base`` and ``quote`` are fiat currencies or token symbols (a trade's own price is a
rate of its base in its quote token: docs/decisions/0114). Every conversion the ledger makes keeps the
rate, its source and its time (:class:`Conversion`).
"""

from __future__ import annotations

from pydantic import Field

from ..errors import SourceRef
from .common import Amount, Code, Frozen, Timestamp

__all__ = ["Rate"]


class Rate(Frozen):
    """An exchange rate: one ``base`` was worth ``rate`` ``quote`` (HKD by default) at ``at``, per ``source``.

    Examples:
        >>> usd = Rate(base="USD", rate="7.80", at="2025-04-01T00:00:00+08:00", source="HKMA indicative")
        >>> usd.base, usd.quote, usd.rate
        ('USD', 'HKD', Decimal('7.80'))
    """

    base: Code = Field(description="What is priced: a currency or a token symbol.")
    quote: Code = Field(default="HKD", description="Currency the price is in.")
    rate: Amount = Field(description="Units of quote for one unit of base.")
    at: Timestamp
    source: str = Field(min_length=1, description="Where the figure comes from (e.g. 'HKMA', 'exchange close').")
    provenance: SourceRef | None = None
