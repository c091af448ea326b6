"""Deterministic synthetic ledgers for the benchmark, in three formats with identical economic content.

    python bench/generate.py --rows 100000 --seed 7 --out bench/data

writes, for N rows of hkvatax's generic CSV format:

* ``ledger-N.csv``          hkvatax generic CSV (docs/formats.md)
* ``rp2-N.ods`` + ``rp2-N.ini``   RP2's input spreadsheet (one sheet per asset, IN/OUT/INTRA tables) and config
* ``bittytax-N.csv``        BittyTax transaction records (values in the "GBP" columns are the HKD figures:
                            the numbers are identical, only BittyTax's label differs)

Economic content (seeded ``random.Random``; stdlib only, so it runs in any interpreter):

* five assets with a random-walk price in HKD (2 decimal places); quantities have 8 decimal places;
* buys (fiat cost + a fiat fee that adds to cost), sells, swaps (value stated in HKD), fees paid in a
  token (value stated), transfers between two own wallets (no fee), staking receipts (value stated);
* timestamps strictly increase, so no two events share an instant (no tool's tie-break matters);
* a holding is tracked per asset and nothing is ever disposed of beyond it (never overselling);
* every amount is stated in HKD on the row, so no tool needs a price look-up.

Mapping to RP2 (generic country, FIFO): buy → IN BUY (fiat_in_no_fee = cost, fiat_fee = fee); sell →
OUT SELL; swap → OUT SELL of what is given + IN BUY of what is received, both at the stated value; fee
in a token → OUT FEE (crypto_fee, fiat_fee = value); transfer → INTRA (sent = received); staking →
IN STAKING at the stated value. hkvatax FIFO total gain (all disposals) equals the sum of RP2's
non-earning gain/loss lines.

Mapping to BittyTax: buy/sell/swap → Trade; token fee → Spend; transfer → Withdrawal + Deposit;
staking → Staking. BittyTax applies UK share-pooling rules, so its gains are not FIFO gains.
"""

from __future__ import annotations

import argparse
import csv
import random
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

ASSETS = ("BTC", "ETH", "SOL", "ADA", "DOT")
START_PRICES = {"BTC": "300000.00", "ETH": "20000.00", "SOL": "1000.00", "ADA": "5.00", "DOT": "60.00"}
# typical quantity of one buy, per asset
UNIT = {"BTC": Decimal("0.5"), "ETH": Decimal("5"), "SOL": Decimal("50"), "ADA": Decimal("5000"),
        "DOT": Decimal("300")}
WALLETS = ("Exchange", "Cold")
Q8 = Decimal("0.00000001")
C2 = Decimal("0.01")
HEADER = ("id", "timestamp", "kind", "asset", "quantity", "amount", "currency", "counter_asset", "counter_quantity",
          "fee_amount", "fee_currency", "fee_value", "wallet", "to_wallet", "subtype", "lots", "offshore", "note")
KIND_WEIGHTS = (("buy", 35), ("sell", 25), ("swap", 12), ("fee", 8), ("transfer", 8), ("receipt", 12))
START = datetime(2018, 4, 1, tzinfo=UTC)
SPAN_SECONDS = 7 * 365 * 86_400


@dataclass(frozen=True, slots=True)
class Row:
    """One economic event (the common source of all three formats)."""

    n: int
    at: datetime
    kind: str  # buy | sell | swap | fee | transfer | receipt
    asset: str
    quantity: Decimal
    value: Decimal  # HKD: cost, proceeds, swap value, fee value, receipt value (0 for transfers)
    fee: Decimal = Decimal(0)  # HKD fee on a buy
    counter_asset: str = ""
    counter_quantity: Decimal = Decimal(0)
    price: Decimal = Decimal(0)  # HKD per unit of asset
    counter_price: Decimal = Decimal(0)
    wallet: str = "Exchange"
    to_wallet: str = ""


def generate(rows: int, seed: int) -> list[Row]:
    """``rows`` events; deterministic in (rows, seed)."""
    rng = random.Random(seed)
    price = {a: Decimal(p) for a, p in START_PRICES.items()}
    held = {a: Decimal(0) for a in ASSETS}  # on the exchange: what can be sold, swapped or spent
    cold = {a: Decimal(0) for a in ASSETS}  # in the cold wallet
    kinds = [k for k, w in KIND_WEIGHTS for _ in range(w)]
    at = START
    out: list[Row] = []
    # at most ~7 years (2018/19 to 2024/25), so every year assessed has its rates and reductions in force
    gap = max(2, min(600, 2 * SPAN_SECONDS // max(rows, 1)))
    for n in range(1, rows + 1):
        at += timedelta(seconds=rng.randint(1, gap))
        for a in ASSETS:  # random walk, kept between 1% and 10x of the start price
            step = Decimal(rng.randint(-100, 100)) / 10000
            start = Decimal(START_PRICES[a])
            price[a] = min(max((price[a] * (1 + step)).quantize(C2), start / 100), start * 10)
        kind = rng.choice(kinds)
        asset = rng.choice(ASSETS)
        if kind == "transfer" and cold[asset] > 0 and rng.random() < 0.5:
            qty = (cold[asset] * Decimal(rng.randint(1, 1000)) / 1000).quantize(Q8) or cold[asset]
            cold[asset] -= qty
            held[asset] += qty
            out.append(Row(n, at, "transfer", asset, qty, Decimal(0), price=price[asset], wallet="Cold",
                           to_wallet="Exchange"))
            continue
        if kind != "buy" and held[asset] < Decimal("0.0001"):
            kind = "buy"
        p = price[asset]
        if kind == "buy":
            qty = (UNIT[asset] * Decimal(rng.randint(1, 2000)) / 1000).quantize(Q8)
            cost = qty * p
            fee = (cost * Decimal(rng.randint(0, 20)) / 10000).quantize(C2)
            held[asset] += qty
            out.append(Row(n, at, "buy", asset, qty, cost, fee, price=p))
        elif kind in ("sell", "swap", "transfer"):
            qty = (held[asset] * Decimal(rng.randint(1, 600)) / 1000).quantize(Q8)
            if qty <= 0:
                qty = held[asset]
            if kind == "sell":
                held[asset] -= qty
                out.append(Row(n, at, "sell", asset, qty, qty * p, price=p))
            elif kind == "transfer":
                held[asset] -= qty
                cold[asset] += qty
                out.append(Row(n, at, "transfer", asset, qty, Decimal(0), price=p, to_wallet="Cold"))
            else:
                other = rng.choice([a for a in ASSETS if a != asset])
                value = qty * p
                receive = (value / price[other]).quantize(Q8)
                if receive <= 0:
                    receive = Q8
                held[asset] -= qty
                held[other] += receive
                out.append(Row(n, at, "swap", asset, qty, value, counter_asset=other, counter_quantity=receive,
                               price=p, counter_price=price[other]))
        elif kind == "fee":
            qty = (held[asset] * Decimal(rng.randint(1, 10)) / 1000).quantize(Q8)
            if qty <= 0:
                qty = held[asset]
            held[asset] -= qty
            out.append(Row(n, at, "fee", asset, qty, qty * p, price=p))
        else:  # staking receipt
            qty = (UNIT[asset] * Decimal(rng.randint(1, 100)) / 10000).quantize(Q8)
            held[asset] += qty
            out.append(Row(n, at, "receipt", asset, qty, qty * p, price=p))
    return out


def _ts(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _d(value: Decimal) -> str:
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


# ------------------------------------------------------------------------------------------ hkvatax CSV
def hkvatax_rows(rows: list[Row]) -> list[list[str]]:
    out: list[list[str]] = []
    for r in rows:
        cells = dict.fromkeys(HEADER, "")
        cells["id"] = f"e{r.n}"
        cells["timestamp"] = _ts(r.at)
        cells["wallet"] = r.wallet
        if r.kind == "buy":
            cells.update(kind="acquisition", asset=r.asset, quantity=_d(r.quantity), amount=_d(r.value),
                         currency="HKD")
            if r.fee > 0:
                cells.update(fee_amount=_d(r.fee), fee_currency="HKD")
        elif r.kind == "sell":
            cells.update(kind="disposal", asset=r.asset, quantity=_d(r.quantity), amount=_d(r.value), currency="HKD")
        elif r.kind == "swap":
            cells.update(kind="swap", asset=r.asset, quantity=_d(r.quantity), counter_asset=r.counter_asset,
                         counter_quantity=_d(r.counter_quantity), amount=_d(r.value), currency="HKD")
        elif r.kind == "fee":
            cells.update(kind="fee", fee_amount=_d(r.quantity), fee_currency=r.asset, fee_value=_d(r.value),
                         note="network fee")
        elif r.kind == "transfer":
            cells.update(kind="transfer", asset=r.asset, quantity=_d(r.quantity), to_wallet=r.to_wallet)
        else:
            cells.update(kind="receipt", asset=r.asset, quantity=_d(r.quantity), amount=_d(r.value), currency="HKD",
                         subtype="staking")
        out.append([cells[h] for h in HEADER])
    return out


def write_hkvatax(rows: list[Row], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(HEADER)
        w.writerows(hkvatax_rows(rows))


# ------------------------------------------------------------------------------------------ BittyTax
BT_HEADER = ("Type", "Buy Quantity", "Buy Asset", "Buy Value in GBP", "Sell Quantity", "Sell Asset",
             "Sell Value in GBP", "Fee Quantity", "Fee Asset", "Fee Value in GBP", "Wallet", "Timestamp", "Note")


def write_bittytax(rows: list[Row], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(BT_HEADER)
        for r in rows:
            ts = _ts(r.at)
            q, v = _d(r.quantity), _d(r.value)
            if r.kind == "buy":
                fee = (_d(r.fee), "GBP", _d(r.fee)) if r.fee > 0 else ("", "", "")
                w.writerow(("Trade", q, r.asset, v, v, "GBP", v, *fee, "Exchange", ts, f"e{r.n}"))
            elif r.kind == "sell":
                w.writerow(("Trade", v, "GBP", v, q, r.asset, v, "", "", "", "Exchange", ts, f"e{r.n}"))
            elif r.kind == "swap":
                w.writerow(("Trade", _d(r.counter_quantity), r.counter_asset, v, q, r.asset, v, "", "", "",
                            "Exchange", ts, f"e{r.n}"))
            elif r.kind == "fee":
                w.writerow(("Spend", "", "", "", q, r.asset, v, "", "", "", "Exchange", ts, f"e{r.n}"))
            elif r.kind == "transfer":
                w.writerow(("Withdrawal", "", "", "", q, r.asset, "", "", "", "", r.wallet, ts, f"e{r.n}"))
                w.writerow(("Deposit", q, r.asset, "", "", "", "", "", "", "", r.to_wallet, ts, f"e{r.n}"))
            else:
                w.writerow(("Staking", q, r.asset, v, "", "", "", "", "", "", "Exchange", ts, f"e{r.n}"))


# ------------------------------------------------------------------------------------------ RP2
RP2_IN = ("timestamp", "asset", "exchange", "holder", "transaction_type", "spot_price", "crypto_in", "fiat_fee",
          "fiat_in_no_fee", "unique_id", "notes")
RP2_OUT = ("timestamp", "asset", "exchange", "holder", "transaction_type", "spot_price", "crypto_out_no_fee",
           "crypto_fee", "fiat_out_no_fee", "fiat_fee", "unique_id", "notes")
RP2_INTRA = ("timestamp", "asset", "from_exchange", "from_holder", "to_exchange", "to_holder", "spot_price",
             "crypto_sent", "crypto_received", "unique_id", "notes")
HOLDER = "Bench"


def rp2_tables(rows: list[Row]) -> dict[str, dict[str, list[tuple[str, ...]]]]:
    """asset -> table (IN/OUT/INTRA) -> rows of strings (numbers as decimal text)."""
    sheets: dict[str, dict[str, list[tuple[str, ...]]]] = {a: {"IN": [], "OUT": [], "INTRA": []} for a in ASSETS}
    for r in rows:
        ts, uid = _ts(r.at), f"e{r.n}"
        t = sheets[r.asset]
        if r.kind == "buy":
            t["IN"].append((ts, r.asset, "Exchange", HOLDER, "BUY", _d(r.price), _d(r.quantity), _d(r.fee),
                            _d(r.value), uid, ""))
        elif r.kind == "receipt":
            t["IN"].append((ts, r.asset, "Exchange", HOLDER, "STAKING", _d(r.price), _d(r.quantity), "0",
                            _d(r.value), uid, ""))
        elif r.kind == "sell":
            t["OUT"].append((ts, r.asset, "Exchange", HOLDER, "SELL", _d(r.price), _d(r.quantity), "0", _d(r.value),
                             "", uid, ""))
        elif r.kind == "fee":
            t["OUT"].append((ts, r.asset, "Exchange", HOLDER, "FEE", _d(r.price), "0", _d(r.quantity), "",
                             _d(r.value), uid, ""))
        elif r.kind == "swap":
            t["OUT"].append((ts, r.asset, "Exchange", HOLDER, "SELL", _d(r.price), _d(r.quantity), "0", _d(r.value),
                             "", uid + "-out", "swap"))
            sheets[r.counter_asset]["IN"].append((ts, r.counter_asset, "Exchange", HOLDER, "BUY",
                                                  _d(r.counter_price), _d(r.counter_quantity), "0", _d(r.value),
                                                  uid + "-in", "swap"))
        else:
            t["INTRA"].append((ts, r.asset, r.wallet, HOLDER, r.to_wallet, HOLDER, _d(r.price), _d(r.quantity),
                               _d(r.quantity), uid, ""))
    return sheets


def rp2_ini(path: Path) -> None:
    lines = ["[general]", f"assets = {', '.join(ASSETS)}", f"exchanges = {', '.join(WALLETS)}", f"holders = {HOLDER}",
             "", "[in_header]"]
    lines += [f"{c} = {i}" for i, c in enumerate(RP2_IN)] + ["", "[out_header]"]
    lines += [f"{c} = {i}" for i, c in enumerate(RP2_OUT)] + ["", "[intra_header]"]
    lines += [f"{c} = {i}" for i, c in enumerate(RP2_INTRA)] + [""]
    path.write_text("\n".join(lines), encoding="utf-8")


_NUMERIC = {"spot_price", "crypto_in", "fiat_fee", "fiat_in_no_fee", "crypto_out_no_fee", "crypto_fee",
            "fiat_out_no_fee", "crypto_sent", "crypto_received"}


def _cell(text: str, numeric: bool) -> str:
    if text == "":
        return "<table:table-cell/>"
    if numeric:
        return f'<table:table-cell office:value-type="float" office:value="{text}"><text:p>{text}</text:p></table:table-cell>'
    return f'<table:table-cell office:value-type="string"><text:p>{escape(text)}</text:p></table:table-cell>'


def write_rp2(rows: list[Row], ods: Path, ini: Path) -> None:
    """A minimal ODS (mimetype, manifest, content.xml) written directly: no spreadsheet library needed."""
    rp2_ini(ini)
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content '
             'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
             'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
             'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
             '<office:body><office:spreadsheet>']
    for asset, tables in rp2_tables(rows).items():
        parts.append(f'<table:table table:name="{asset}">')
        for name, header in (("IN", RP2_IN), ("OUT", RP2_OUT), ("INTRA", RP2_INTRA)):
            body = tables[name]
            if name != "IN" and not body:
                continue
            parts.append(f"<table:table-row>{_cell(name, False)}</table:table-row>")
            parts.append("<table:table-row>" + "".join(_cell(h, False) for h in header) + "</table:table-row>")
            for cells in body:
                parts.append("<table:table-row>" + "".join(_cell(c, h in _NUMERIC) for c, h in zip(cells, header,
                             strict=True)) + "</table:table-row>")
            parts.append(f"<table:table-row>{_cell('TABLE END', False)}</table:table-row>")
            parts.append("<table:table-row/>")
        parts.append("</table:table>")
    parts.append("</office:spreadsheet></office:body></office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?>\n<manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" '
                'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                "</manifest:manifest>")
    with zipfile.ZipFile(ods, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet",
                   compress_type=zipfile.ZIP_STORED)
        z.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("content.xml", "".join(parts), compress_type=zipfile.ZIP_DEFLATED)


def write_all(rows: int, seed: int, out: Path, *, formats: tuple[str, ...] = ("hkvatax", "rp2", "bittytax")) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    events = generate(rows, seed)
    paths: dict[str, Path] = {}
    if "hkvatax" in formats:
        paths["hkvatax"] = out / f"ledger-{rows}.csv"
        write_hkvatax(events, paths["hkvatax"])
    if "rp2" in formats:
        paths["rp2"], paths["rp2_ini"] = out / f"rp2-{rows}.ods", out / f"rp2-{rows}.ini"
        write_rp2(events, paths["rp2"], paths["rp2_ini"])
    if "bittytax" in formats:
        paths["bittytax"] = out / f"bittytax-{rows}.csv"
        write_bittytax(events, paths["bittytax"])
    return paths


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, required=True)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "data")
    ap.add_argument("--formats", default="hkvatax,rp2,bittytax")
    args = ap.parse_args(argv)
    for name, path in write_all(args.rows, args.seed, args.out, formats=tuple(args.formats.split(","))).items():
        print(f"{name}: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
