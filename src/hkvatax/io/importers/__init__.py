"""Importers for exchange and wallet exports held by Hong Kong users (docs/importers.md).

    >>> from hkvatax.io.importers import import_file
    >>> result = import_file("binance", "trades.csv")     # doctest: +SKIP
    >>> result.events, result.problems, result.unsupported  # doctest: +SKIP

Each importer maps rows to hkvatax events with their provenance (file, row), reports the rows it does
not import as ``unsupported_row`` and every bad row with file, row and column. Nothing is dropped.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ...errors import ArgumentError
from ..loaders import CSV_COLUMNS
from ..safe_csv import write_csv
from .base import FIAT, GenericRow, Importer, ImportResult, Movement, PriceObservation
from .binance import BinanceTrades
from .binance_statement import BinanceStatement
from .coinbase import CoinbaseTransactions
from .cryptocom import CryptoComApp
from .hashkey import HashKeyStatement
from .kraken import KrakenLedger, kraken_asset
from .ledgerlive import LedgerLive
from .okx import OkxFunding, OkxTrades
from .wallet import WalletCsv

__all__ = [
    "IMPORTERS", "FIAT", "GenericRow", "Importer", "ImportResult", "Movement", "PriceObservation", "import_file",
    "import_events",
    "to_generic_csv", "kraken_asset",
]

#: Every importer by its format name (the FORMAT of ``hkvatax import``).
IMPORTERS: dict[str, Importer] = {imp.name: imp for imp in (
    BinanceTrades(), BinanceStatement(), CoinbaseTransactions(), CryptoComApp(), HashKeyStatement(), KrakenLedger(),
    LedgerLive(), OkxTrades(), OkxFunding(), WalletCsv(),
)}


def import_file(fmt: str, path: str | Path | None = None, *, text: str | None = None, file: str | None = None,
                context: Mapping[str, Any] | None = None) -> ImportResult:
    """Import an exchange export. An unknown format name is an :class:`~hkvatax.errors.ArgumentError`
    (``invalid_argument``) whose suggestion lists the formats.

    Examples:
        >>> export = ("timestamp,type,asset,quantity,fee,txid,note,value,currency\\n"
        ...           "2025-05-01T02:00:00Z,staking,ETH,0.01,,t1,,250,HKD\\n"
        ...           "2025-05-02T02:00:00Z,receive,ETH,1,,t2,,,\\n"
        ...           "2025-05-03T02:00:00Z,swap,ETH,1,,t3,,,\\n")
        >>> result = import_file("wallet", text=export, file="wallet.csv")
        >>> [(e.kind, e.asset, e.quantity) for e in result.events]  # row 2; row 3 is a movement, row 4 reported
        [('receipt', 'ETH', Decimal('0.01'))]
        >>> [(p.code, p.source.row) for p in result.unsupported]
        [('unsupported_row', 4)]
    """
    importer = IMPORTERS.get(fmt.lower()) if isinstance(fmt, str) else None
    if importer is None:
        raise ArgumentError("format", f"{fmt!r} is not an import format", f"one of {', '.join(sorted(IMPORTERS))}")
    return importer.read(path, text=text, file=file, context=context)


def import_events(fmt: str, path: str | Path, *, strict: bool = False) -> list[Any]:
    """The events of an export; raises :class:`~hkvatax.errors.InputError` with every problem.

    Examples:
        >>> export = ("timestamp,type,asset,quantity,fee,txid,note,value,currency\\n"
        ...           "2025-05-01T02:00:00Z,staking,ETH,0.01,,t1,,250,HKD\\n"
        ...           "2025-05-02T02:00:00Z,receive,ETH,1,,t2,,,\\n"
        ...           "2025-05-03T02:00:00Z,swap,ETH,1,,t3,,,\\n")
        >>> import tempfile
        >>> import hkvatax
        >>> from pathlib import Path
        >>> path = Path(tempfile.mkdtemp()) / "wallet.csv"
        >>> _ = path.write_text(export, encoding="utf-8")
        >>> [e.id for e in import_events("wallet", path)]
        ['wallet-wallet-r2']
        >>> try:
        ...     import_events("wallet", path, strict=True)  # strict: an unsupported row is a problem too
        ... except hkvatax.InputError as exc:
        ...     print(exc.problems[0].code)
        unsupported_row
    """
    result = import_file(fmt, path)
    result.raise_for_problems(strict=strict)
    return list(result.events)


def to_generic_csv(result: ImportResult) -> str:
    """The imported rows as a generic CSV ledger (docs/formats.md), formula-safe.

    Examples:
        >>> export = ("timestamp,type,asset,quantity,fee,txid,note,value,currency\\n"
        ...           "2025-05-01T02:00:00Z,staking,ETH,0.01,,t1,,250,HKD\\n"
        ...           "2025-05-02T02:00:00Z,receive,ETH,1,,t2,,,\\n"
        ...           "2025-05-03T02:00:00Z,swap,ETH,1,,t3,,,\\n")
        >>> print(to_generic_csv(import_file("wallet", text=export, file="wallet.csv")).splitlines()[1])
        wallet-wallet-r2,2025-05-01T02:00:00+00:00,receipt,ETH,0.01,250,HKD,,,,,,Wallet,,staking,,,wallet staking (wallet.csv row 2)
    """
    out = io.StringIO()
    write_csv(out, CSV_COLUMNS, ([cells.get(c, "") for c in CSV_COLUMNS] for cells in
                                  (r.as_dict() for r in result.rows)))
    return out.getvalue()
