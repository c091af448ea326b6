"""Crypto.com App transaction export ("Transaction History → Export → Crypto Wallet").

Columns: ``Timestamp (UTC), Transaction Description, Currency, Amount, To Currency, To Amount,
Native Currency, Native Amount, Native Amount (in USD), Transaction Kind`` (some exports add
``Transaction Hash``). ``Amount`` is signed: a debit of ``Currency`` is negative. ``Native Amount`` is
the app's own valuation in the user's native currency (HKD for a Hong Kong account); it is used as the
market value of swaps and receipts, and as the cost of card purchases.

=============================== =============================================================
Transaction Kind                hkvatax event
=============================== =============================================================
``crypto_purchase``             acquisition of Currency at Native Amount (bought by card)
``viban_purchase``              acquisition of To Currency for the fiat debited
``crypto_viban_exchange``       disposal of Currency for the fiat credited (To Amount)
``crypto_exchange``             swap Currency -> To Currency, valued at Native Amount
``crypto_earn_interest_paid``   receipt (lending_interest) valued at Native Amount
``mco_stake_reward``,
``staking_reward``,
``supercharger_reward_to_app_credited``  receipt (staking)
``referral_card_cashback``,
``referral_bonus``,
``referral_gift``,
``reimbursement``, ``admin_wallet_credited``  receipt (airdrop; docs/decisions/0041)
``crypto_deposit``,
``crypto_withdrawal``           movements (paired into transfers by ``import_sources``)
anything else                   reported as ``unsupported_row``
=============================== =============================================================
"""

from __future__ import annotations

from decimal import Decimal

from ...errors import Problem, SourceRef
from .base import (
    FIAT,
    Importer,
    Table,
    add_movement,
    file_tag,
    fmt_decimal,
    generic_row,
    parse_number,
    parse_utc,
)

__all__ = ["CryptoComApp"]

_RECEIPTS = {
    "crypto_earn_interest_paid": "lending_interest",
    "mco_stake_reward": "staking",
    "staking_reward": "staking",
    "supercharger_reward_to_app_credited": "staking",
    "referral_card_cashback": "airdrop",
    "referral_bonus": "airdrop",
    "referral_gift": "airdrop",
    "reimbursement": "airdrop",
    "admin_wallet_credited": "airdrop",
}
_MOVES = {"crypto_deposit", "crypto_withdrawal", "crypto_transfer", "lockup_lock", "lockup_unlock",
          "crypto_earn_program_created", "crypto_earn_program_withdrawn", "crypto_to_exchange_transfer",
          "exchange_to_crypto_transfer", "viban_deposit", "viban_withdrawal"}


def _abs(value: Decimal) -> Decimal:
    return value.copy_abs()


class CryptoComApp(Importer):
    name = "cryptocom"
    title = "Crypto.com App transaction export"
    required = ("Timestamp (UTC)", "Transaction Description", "Currency", "Amount", "To Currency", "To Amount",
                "Native Currency", "Native Amount", "Transaction Kind")
    wallet = "Crypto.com App"

    def convert(self, table: Table) -> tuple[list[tuple[SourceRef, dict[str, str]]], list[Problem], list[Problem]]:
        out: list[tuple[SourceRef, dict[str, str]]] = []
        problems: list[Problem] = []
        unsupported: list[Problem] = []
        tag = file_tag(table.file)
        for line, row in table.rows:
            src = SourceRef(file=table.file, row=line)
            kind = row["Transaction Kind"].strip().lower()
            known = kind in _RECEIPTS or kind in {"crypto_purchase", "viban_purchase", "crypto_viban_exchange",
                                                  "crypto_exchange"}
            if kind in {"crypto_deposit", "crypto_withdrawal"}:
                add_movement(table, src, "in" if kind == "crypto_deposit" else "out", row, time_col="Timestamp (UTC)",
                             qty_col="Amount", asset_col="Currency", problems=problems, wallet=self.wallet,
                             txid=row.get("Transaction Hash", "").strip(), note=f"Crypto.com {kind}")
                continue
            if not known:
                hint = ("record a move between your own wallets as a transfer in a generic CSV ledger"
                        if kind in _MOVES else None)
                unsupported.append(Problem("unsupported_row", f"transaction kind {kind[:60]!r} is not imported "
                                           f"({row['Transaction Description'][:60]!r})", src, "Transaction Kind",
                                           hint))
                continue
            mine: list[Problem] = []
            when = parse_utc(row["Timestamp (UTC)"], src, "Timestamp (UTC)", mine)
            currency = row["Currency"].strip().upper()
            amount = parse_number(row["Amount"], src, "Amount", mine)
            native_ccy = row["Native Currency"].strip().upper()
            native = parse_number(row["Native Amount"], src, "Native Amount", mine)
            to_ccy = row["To Currency"].strip().upper()
            to_amount = None
            if kind in {"viban_purchase", "crypto_viban_exchange", "crypto_exchange"}:
                to_amount = parse_number(row["To Amount"], src, "To Amount", mine)
                if not to_ccy:
                    mine.append(Problem("missing_field", f"a {kind} row needs To Currency", src, "To Currency"))
            if not currency:
                mine.append(Problem("missing_field", "Currency is empty", src, "Currency"))
            if not native_ccy and kind != "viban_purchase" and kind != "crypto_viban_exchange":
                mine.append(Problem("missing_field", "Native Currency is empty: the value's currency is unknown",
                                    src, "Native Currency"))
            if native is not None and native < 0 and amount is not None and amount > 0:
                mine.append(Problem("negative", "Native Amount is negative on a row that receives its Currency",
                                    src, "Native Amount", "the value of what is received is a positive amount"))
            if to_amount is not None and to_amount < 0:
                mine.append(Problem("negative", "To Amount (what is received) is negative", src, "To Amount"))
            if mine or when is None or amount is None or native is None:
                problems.extend(mine)
                continue
            cells = {"id": f"cdc-{tag}-r{line}", "timestamp": when, "wallet": "Crypto.com App",
                     "note": f"Crypto.com {kind} ({table.file} row {line})"}
            if kind == "crypto_purchase":
                cells.update(kind="acquisition", asset=currency, quantity=fmt_decimal(amount),
                             amount=fmt_decimal(_abs(native)), currency=native_ccy)
            elif kind == "viban_purchase":
                assert to_amount is not None
                cells.update(kind="acquisition", asset=to_ccy, quantity=fmt_decimal(to_amount),
                             amount=fmt_decimal(_abs(amount)), currency=currency)
            elif kind == "crypto_viban_exchange":
                assert to_amount is not None
                cells.update(kind="disposal", asset=currency, quantity=fmt_decimal(_abs(amount)),
                             amount=fmt_decimal(to_amount), currency=to_ccy)
            elif kind == "crypto_exchange":
                assert to_amount is not None
                cells.update(kind="swap", asset=currency, quantity=fmt_decimal(_abs(amount)), counter_asset=to_ccy,
                             counter_quantity=fmt_decimal(to_amount), amount=fmt_decimal(_abs(native)),
                             currency=native_ccy)
            else:
                if currency in FIAT:
                    unsupported.append(Problem("unsupported_row", f"a {kind} paid in fiat ({currency}) is not a "
                                               "virtual-asset receipt", src, "Currency"))
                    continue
                cells.update(kind="receipt", subtype=_RECEIPTS[kind], asset=currency, quantity=fmt_decimal(amount),
                             amount=fmt_decimal(_abs(native)), currency=native_ccy)
            out.append((src, generic_row(**cells)))
        return out, problems, unsupported
