"""Ledger Live operation history ("Settings → Accounts → Export operation history", CSV).

Columns ``Operation Date, [Status,] Currency Ticker, Operation Type, Operation Amount, Operation Fees,
Operation Hash, Account Name, Account xpub (or Account id), Countervalue Ticker, Countervalue at
Operation Date, Countervalue at CSV Export`` (the last three optional), as described by open-source tax
tools' parsers (docs/importers.md). Times are ISO 8601 in UTC (``…Z``).

* ``IN`` — an incoming movement of Operation Amount (with the hash, for pairing);
* ``OUT`` — an outgoing movement: Operation Amount includes Operation Fees, so the quantity sent is
  Amount − Fees and the network fee is Fees;
* ``REWARD`` — a staking receipt;
* ``FEES``, ``DELEGATE``, ``UNDELEGATE``, ``BOND``, ``UNBOND``, ``WITHDRAW_UNBONDED``, ``REVEAL`` — the fee
  paid, as a ``fee`` row (nothing else leaves the wallet);
* a row whose Status is not ``Confirmed``, ``NFT_IN``/``NFT_OUT`` and other types — ``unsupported_row``.
"""

from __future__ import annotations

from ...errors import Problem, SourceRef
from .base import Importer, Movement, Table, file_tag, fmt_decimal, generic_row, parse_instant, parse_number

__all__ = ["LedgerLive"]

_FEE_ONLY = {"fees", "delegate", "undelegate", "bond", "unbond", "withdraw_unbonded", "reveal"}


class LedgerLive(Importer):
    name = "ledgerlive"
    title = "Ledger Live operation history"
    required = ("Operation Date", "Currency Ticker", "Operation Type", "Operation Amount", "Operation Fees",
                "Operation Hash")
    wallet = "Ledger"

    def convert(self, table: Table) -> tuple[list[tuple[SourceRef, dict[str, str]]], list[Problem], list[Problem]]:
        out: list[tuple[SourceRef, dict[str, str]]] = []
        problems: list[Problem] = []
        unsupported: list[Problem] = []
        tag = file_tag(table.file)
        for line, row in table.rows:
            src = SourceRef(file=table.file, row=line)
            kind = row["Operation Type"].strip().lower()
            status = row.get("Status", "Confirmed").strip()
            if status and status.lower() != "confirmed":
                unsupported.append(Problem("unsupported_row", f"an operation with status {status[:30]!r} (not "
                                           "confirmed) is not imported", src, "Status"))
                continue
            if kind not in {"in", "out", "reward"} | _FEE_ONLY:
                unsupported.append(Problem("unsupported_row", f"Ledger Live operation type {kind[:30]!r} is not "
                                           "imported", src, "Operation Type"))
                continue
            mine: list[Problem] = []
            moment = parse_instant(row["Operation Date"], src, "Operation Date", mine)
            amount = parse_number(row["Operation Amount"], src, "Operation Amount", mine)
            fee = parse_number(row["Operation Fees"] or "0", src, "Operation Fees", mine)
            asset = row["Currency Ticker"].strip().upper()
            if not asset:
                mine.append(Problem("missing_field", "Currency Ticker is empty", src, "Currency Ticker"))
            if mine or moment is None or amount is None or fee is None:
                problems.extend(mine)
                continue
            amount, fee = amount.copy_abs(), fee.copy_abs()
            txid = row["Operation Hash"].strip()
            note = f"Ledger Live {kind.upper()} {row.get('Account Name', '').strip()[:40]}".strip()
            if kind == "in":
                if amount == 0:
                    problems.append(Problem("non_positive", "an incoming operation of nothing", src, "Operation Amount"))
                    continue
                table.movements.append(Movement(src, "in", moment, asset, amount, None, txid, self.wallet, note))
            elif kind == "out":
                if amount <= fee:
                    problems.append(Problem("invalid_field", f"Operation Amount {amount} does not exceed its fees "
                                            f"{fee}", src, "Operation Amount", "a fee-only operation is type FEES"))
                    continue
                table.movements.append(Movement(src, "out", moment, asset, amount - fee, fee or None, txid,
                                                self.wallet, note))
            elif kind == "reward":
                out.append((src, generic_row(id=f"ledger-{tag}-r{line}", timestamp=moment.isoformat(), kind="receipt",
                                             subtype="staking", asset=asset, quantity=fmt_decimal(amount),
                                             wallet=self.wallet, note=f"{note} ({table.file} row {line})")))
            elif fee > 0:
                out.append((src, generic_row(id=f"ledger-{tag}-r{line}", timestamp=moment.isoformat(), kind="fee",
                                             fee_amount=fmt_decimal(fee), fee_currency=asset, wallet=self.wallet,
                                             note=f"{note} ({table.file} row {line})")))
            else:
                table.internal.append((src, f"Ledger Live {kind.upper()} with no fee: nothing left the wallet"))
        return out, problems, unsupported
