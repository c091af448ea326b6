"""A self-custody wallet's transaction list (hardware or software wallet), in a documented CSV layout.

hkvatax's own layout, for wallets whose software exports nothing standard (docs/importers.md):
``timestamp, type, asset, quantity, fee, txid, note`` (``value``, ``currency`` optional). A time
without an offset is UTC. ``type``:

* ``receive`` / ``deposit`` / ``in`` — tokens arrived: a movement (paired with the withdrawal it
  came from by ``import_sources``);
* ``send`` / ``withdrawal`` / ``out`` — tokens left: a movement of ``quantity`` plus ``fee`` (the
  network fee, in the same asset, paid on top);
* ``staking``, ``mining``, ``airdrop``, ``fork``, ``lending_interest`` — a receipt of that type,
  valued at ``value`` ``currency`` when given, else from the price table;
* anything else is reported as ``unsupported_row``.
"""

from __future__ import annotations

from ...errors import Problem, SourceRef
from .base import Importer, Movement, Table, file_tag, fmt_decimal, generic_row, parse_instant, parse_number

__all__ = ["WalletCsv"]

_IN = {"receive", "deposit", "in"}
_OUT = {"send", "withdrawal", "withdraw", "out"}
_RECEIPTS = {"staking", "mining", "airdrop", "fork", "lending_interest"}


class WalletCsv(Importer):
    name = "wallet"
    title = "wallet transaction CSV (hkvatax layout)"
    required = ("timestamp", "type", "asset", "quantity")
    wallet = "Wallet"

    def convert(self, table: Table) -> tuple[list[tuple[SourceRef, dict[str, str]]], list[Problem], list[Problem]]:
        out: list[tuple[SourceRef, dict[str, str]]] = []
        problems: list[Problem] = []
        unsupported: list[Problem] = []
        tag = file_tag(table.file)
        for line, row in table.rows:
            src = SourceRef(file=table.file, row=line)
            kind = row["type"].strip().lower()
            if kind not in _IN | _OUT | _RECEIPTS:
                unsupported.append(Problem("unsupported_row", f"wallet row type {kind[:40]!r} is not imported", src,
                                           "type", "types: receive, send, " + ", ".join(sorted(_RECEIPTS))))
                continue
            mine: list[Problem] = []
            moment = parse_instant(row["timestamp"], src, "timestamp", mine)
            qty = parse_number(row["quantity"], src, "quantity", mine)
            fee_text = row.get("fee", "").strip()
            fee = parse_number(fee_text, src, "fee", mine) if fee_text else None
            asset = row["asset"].strip().upper()
            if not asset:
                mine.append(Problem("missing_field", "the asset is empty", src, "asset"))
            if qty is not None and qty <= 0:
                mine.append(Problem("non_positive", f"quantity must be greater than zero, got {qty}", src, "quantity"))
            if fee is not None and fee < 0:
                mine.append(Problem("negative", f"fee {fee} is negative", src, "fee"))
            if mine or moment is None or qty is None:
                problems.extend(mine)
                continue
            note = row.get("note", "").strip()
            if kind in _RECEIPTS:
                value = row.get("value", "").strip()
                out.append((src, generic_row(
                    id=f"wallet-{tag}-r{line}", timestamp=moment.isoformat(), kind="receipt", subtype=kind,
                    asset=asset, quantity=fmt_decimal(qty), amount=value,
                    currency=row.get("currency", "").strip().upper() if value else "", wallet=self.wallet,
                    note=f"wallet {kind} ({table.file} row {line})" + (f": {note}" if note else ""))))
                continue
            if kind in _IN and fee:
                problems.append(Problem("invalid_field", "a fee on a receive is paid by the sender: leave it empty",
                                        src, "fee"))
                continue
            table.movements.append(Movement(src, "in" if kind in _IN else "out", moment, asset, qty,
                                            fee if fee else None, row.get("txid", "").strip(), self.wallet, note))
        return out, problems, unsupported


