"""Issue 10, requirement 8: a generated trader and company, from their exports to one ledger, by the README's command.

The generator (bench/realistic.py) keeps every account's balance itself; this test walks the imported
generic ledger with its own arithmetic (not hkvatax's ledger) and checks the balances agree, that no
deposit or withdrawal is left unexplained, that every value the ledger will need can be priced through
the emitted rates, and that the ledger core accepts the result; then it recomputes every year's profits
(2016/17 to 2027/28) with its own prices, pools, fees and loss carry-forward and compares them with the
JSON of `hkvatax assess`.
"""

from __future__ import annotations

import csv
import json
import shlex
import sys
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import ROUND_DOWN, Decimal, localcontext
from pathlib import Path

import pytest

from hkvatax.cli import main
from hkvatax.io import read_rates_csv
from hkvatax.io.importers import FIAT
from hkvatax.ledger.chains import find_chain
from hkvatax.ledger.prices import epoch_us
from hkvatax.models import Rate

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
import realistic  # noqa: E402

DAY_US = 86_400_000_000


def readme_import_command() -> str:
    block = (ROOT / "README.md").read_text(encoding="utf-8").split("## From exchange exports to an assessment", 1)[1]
    code = block.split("```bash", 1)[1].split("```", 1)[0].replace("\\\n", " ")
    line = next(line for line in code.splitlines() if line.strip().startswith("hkvatax import"))
    return " ".join(line.split("#", 1)[0].split())


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return realistic.write_all(tmp_path_factory.mktemp("realistic"), seed=2016)


def test_the_readme_shows_the_generated_individuals_command(generated: dict[str, Path]) -> None:
    assert readme_import_command() == (generated["individual"] / "command.txt").read_text().strip()


def test_generator_is_deterministic(tmp_path: Path, generated: dict[str, Path]) -> None:
    again = realistic.write_all(tmp_path, seed=2016)
    for kind, folder in generated.items():
        for name in ("binance.csv", "cold.csv", "answers.csv", "expected_balances.csv"):
            assert (again[kind] / name).read_bytes() == (folder / name).read_bytes()


def _ledger(folder: Path) -> list[dict[str, str]]:
    with (folder / "ledger.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _balances(rows: list[dict[str, str]]) -> dict[tuple[str, str], Decimal]:
    """Token balances per account from the generic rows, by this test's own arithmetic."""
    bal: dict[tuple[str, str], Decimal] = defaultdict(Decimal)

    def add(wallet: str, asset: str, qty: str | Decimal, sign: int) -> None:
        if asset and asset not in FIAT and qty != "":
            bal[(wallet, asset)] += sign * Decimal(qty)

    for r in rows:
        kind, w = r["kind"], r["wallet"]
        if kind in {"acquisition", "receipt"}:
            add(w, r["asset"], r["quantity"], +1)
        elif kind in {"disposal", "payment", "loss"}:
            add(w, r["asset"], r["quantity"], -1)
        elif kind == "swap":
            add(w, r["asset"], r["quantity"], -1)
            add(w, r["counter_asset"], r["counter_quantity"], +1)
        elif kind == "transfer":
            add(w, r["asset"], r["quantity"], -1)
            add(r["to_wallet"], r["asset"], r["quantity"], +1)
        if r["fee_amount"]:
            add(w, r["fee_currency"], r["fee_amount"], -1)
    return {k: v for k, v in bal.items() if v}


def _index(rates: list[Rate]) -> tuple[dict[tuple[str, str], list[int]], dict[tuple[str, str], list[Rate]]]:
    series: dict[tuple[str, str], list[tuple[int, Rate]]] = defaultdict(list)
    for r in rates:
        series[(r.base, r.quote)].append((epoch_us(r.at), r))
    times, values = {}, {}
    for key, items in series.items():
        items.sort(key=lambda item: (item[0], item[1].source, item[1].rate))
        times[key], values[key] = [t for t, _ in items], [r for _, r in items]
    return times, values


@pytest.mark.parametrize("kind", realistic.KINDS)
def test_exports_to_one_ledger_with_every_movement_explained(kind: str, generated: dict[str, Path],
                                                             monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    folder = generated[kind]
    monkeypatch.chdir(folder)
    command = shlex.split((folder / "command.txt").read_text())
    assert command[0] == "hkvatax"
    assert main(command[1:]) == 0, capsys.readouterr().err

    with (folder / "provenance.csv").open(encoding="utf-8", newline="") as fh:
        provenance = list(csv.DictReader(fh))
    outcomes = {p["outcome"] for p in provenance}
    assert outcomes <= {"event", "also_used", "transfer", "answered", "fiat", "internal"}
    assert sum(p["outcome"] == "transfer" for p in provenance) >= 10  # both ends of every automatic pair
    answered = [p for p in provenance if p["outcome"] == "answered"]
    assert len(answered) == 2 and all("answers.csv row" in p["detail"] for p in answered)
    # every data row of every export is in the provenance exactly once (Kraken-style second legs included)
    for name in ("binance.csv", "cold.csv"):
        lines = sum(1 for _ in (folder / name).open(encoding="utf-8")) - 1
        assert sorted(int(p["row"]) for p in provenance if p["file"] == name) == list(range(2, lines + 2))

    rows = _ledger(folder)
    with (folder / "expected_balances.csv").open(encoding="utf-8", newline="") as fh:
        expected = {(r["account"], r["asset"]): Decimal(r["quantity"]) for r in csv.DictReader(fh)}
    assert _balances(rows) == {k: v for k, v in expected.items() if v}

    rates, problems = read_rates_csv(folder / "rates.csv")
    assert problems == []
    assert any(r.source.startswith("the trade itself (binance.csv row") and r.quote == "USDT" for r in rates)
    times, values = _index(rates)
    needed = []
    for r in rows:
        at = epoch_us(datetime.fromisoformat(r["timestamp"]))
        if r["kind"] == "swap" and not r["amount"]:
            needed.append((r["counter_asset"], at, r["id"]))
        if r["kind"] in {"receipt", "payment"} and not r["amount"]:
            needed.append((r["asset"], at, r["id"]))
        if r["fee_currency"] and r["fee_currency"] not in FIAT:
            needed.append((r["fee_currency"], at, r["id"]))
    assert len(needed) > 200
    missing = [n for n in needed if find_chain(times, values, n[0], "HKD", n[1], max_age_us=DAY_US) is None]
    assert missing == []

    # the ledger core takes the ledger as it is: no oversell, every price found; then every year is assessed
    assert main(["disposals", "ledger.csv", "--profile", "profile.toml", "--format", "csv"]) == 0
    capsys.readouterr()
    assert main(["assess", "ledger.csv", "--profile", "profile.toml", "--year", "2016/17..2027/28"]) == 0
    text = capsys.readouterr().out
    for year in range(2016, 2028):
        assert f"Year of assessment {year}/{(year + 1) % 100:02d}" in text
    assert "Character: revenue" in text and "Character: indeterminate" not in text


def readme_lines(start: str) -> list[list[str]]:
    """The README's commands (exchange-exports section) that start with ``start``, as argument lists."""
    block = (ROOT / "README.md").read_text(encoding="utf-8").split("## From exchange exports to an assessment", 1)[1]
    code = block.split("```bash", 1)[1].split("```", 1)[0]
    return [line.split("#", 1)[0].split()[1:] for line in code.splitlines() if line.strip().startswith(start)]


def _figures(doc: dict) -> dict[str, dict[str, str]]:
    """{year~branch: {figure: exact value}} of an assessment's JSON."""
    nodes = doc["nodes"]
    return {f"{y['year']}~{b}": {k: nodes[n]["value"] for k, n in figures.items()}
            for y in doc["years"] for b, figures in y["branches"].items()}


@pytest.mark.parametrize("kind", ["individual"])
def test_close_a_year_and_start_the_next_from_its_state(kind: str, generated: dict[str, Path],
                                                        capsys: pytest.CaptureFixture[str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's close step: close 2025/26, start 2026/27 from the state, the figures of one long run."""
    import json

    monkeypatch.chdir(generated[kind])
    command = (generated[kind] / "command.txt").read_text().split()
    assert main(command[1:]) in (0, 1)
    capsys.readouterr()
    (close,) = readme_lines("hkvatax close")
    assert main(close) == 0
    state = json.loads(Path("state.json").read_text(encoding="utf-8"))
    assert state["year"] == "2025/26" and state["pools"]
    (resume,) = [c for c in readme_lines("hkvatax assess") if "--state" in c]
    assert main([*resume, "--format", "json"]) == 0
    rest = json.loads(capsys.readouterr().out)
    long_run = [c for c in resume if c not in ("--state", "state.json")]
    assert main([*long_run, "--format", "json"]) == 0
    long = json.loads(capsys.readouterr().out)
    assert _figures(rest) == _figures(long) and _figures(rest)
# ------------------------------------------------------------------ the figures, recomputed independently
# A small ledger of this test's own (requirement 8): the generic rows and the emitted rates walked with plain
# Decimal arithmetic — prices through chains (fewest hops, then the intermediate codes in alphabetical order;
# the latest observation at or before the instant, at most a day old: decisions 0004, 0112), weighted average
# cost (the default election), fees as docs/decisions/0010 says — and compared with `hkvatax assess`'s JSON.
RANK = {"acquisition": 0, "receipt": 0, "income": 0, "swap": 1, "transfer": 2}
HK = timedelta(hours=8)


def _hk_year(at: datetime) -> str:
    day = (at.astimezone(UTC) + HK).date()
    first = day.year if (day.month, day.day) >= (4, 1) else day.year - 1
    return f"{first}/{(first + 1) % 100:02d}"


class _Prices:
    def __init__(self, path: Path):
        series: dict[tuple[str, str], list[tuple[datetime, str, Decimal]]] = defaultdict(list)
        with path.open(encoding="utf-8", newline="") as fh:
            for r in csv.DictReader(fh):
                series[(r["base"], r["quote"])].append((datetime.fromisoformat(r["at"]), r["source"],
                                                        Decimal(r["rate"])))
        self.series = {k: sorted(v, key=lambda o: (o[0], o[1], o[2])) for k, v in series.items()}
        self.quotes: dict[str, list[str]] = defaultdict(list)
        for base, quote in self.series:
            self.quotes[base].append(quote)

    def rate(self, base: str, quote: str, at: datetime) -> Decimal | None:
        seen = [o for o in self.series.get((base, quote), ()) if o[0] <= at]
        if not seen or at - seen[-1][0] > timedelta(days=1):
            return None
        return seen[-1][2]

    def hkd(self, code: str, amount: Decimal, at: datetime) -> Decimal:
        if code == "HKD":
            return amount
        best: tuple[int, tuple[str, ...], Decimal] | None = None

        def walk(path: tuple[str, ...], factor: Decimal) -> None:
            nonlocal best
            here = path[-1]
            if here == "HKD":
                key = (len(path), path[1:-1])
                if best is None or key < best[:2]:
                    best = (key[0], key[1], factor)
                return
            if len(path) > 4:
                return
            for quote in self.quotes.get(here, ()):
                if quote in path:
                    continue
                r = self.rate(here, quote, at)
                if r is not None:
                    walk(path + (quote,), factor * r)

        walk((code,), Decimal(1))
        assert best is not None, f"no price for {code} at {at}"
        return amount * best[2]


def _recompute(folder: Path) -> dict[str, dict[str, Decimal]]:
    """Per year: revenue disposal profits, business receipts and deductible outgoings, by this test's own ledger."""
    prices = _Prices(folder / "rates.csv")
    rows = _ledger(folder)
    assert {r["kind"] for r in rows} <= {"acquisition", "disposal", "swap", "transfer", "receipt", "payment"}
    rows.sort(key=lambda r: (datetime.fromisoformat(r["timestamp"]), RANK.get(r["kind"], 3), r["id"]))
    pools: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])  # quantity, cost
    out: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))

    def dispose(year: str, asset: str, qty: Decimal, net: Decimal) -> None:
        pool = pools[asset]
        assert qty <= pool[0], (asset, qty, pool)
        cost = pool[1] if qty == pool[0] else pool[1] * qty / pool[0]
        pool[0] -= qty
        pool[1] -= cost
        out[year]["revenue_disposal_profits"] += net - cost

    for r in rows:
        at = datetime.fromisoformat(r["timestamp"])
        year, kind, asset = _hk_year(at), r["kind"], r["asset"]
        qty = Decimal(r["quantity"]) if r["quantity"] else Decimal(0)
        fee, token_fee = Decimal(0), None
        if r["fee_amount"]:
            fee_qty, fee_cur = Decimal(r["fee_amount"]), r["fee_currency"] or "HKD"
            assert not r["fee_value"]
            fee = prices.hkd(fee_cur, fee_qty, at)
            if fee_cur not in FIAT:
                token_fee = (fee_cur, fee_qty, fee)
        if kind in {"acquisition", "receipt"}:
            value = prices.hkd(r["currency"] or "HKD", Decimal(r["amount"]), at) if r["amount"] else \
                prices.hkd(asset, qty, at)
            if kind == "receipt":
                out[year]["business_receipts"] += value
            pools[asset][0] += qty
            pools[asset][1] += value + fee
        elif kind in {"disposal", "payment"}:
            gross = prices.hkd(r["currency"] or "HKD", Decimal(r["amount"]), at) if r["amount"] else \
                prices.hkd(asset, qty, at)
            dispose(year, asset, qty, gross - fee)
        elif kind == "swap":
            got, got_qty = r["counter_asset"], Decimal(r["counter_quantity"])
            worth = prices.hkd(r["currency"] or "HKD", Decimal(r["amount"]), at) if r["amount"] else \
                prices.hkd(got, got_qty, at)
            dispose(year, asset, qty, worth - fee)
            pools[got][0] += got_qty
            pools[got][1] += worth
        elif kind == "transfer" and r["fee_amount"]:
            out[year]["deductions"] -= fee
        if token_fee is not None:
            dispose(year, token_fee[0], token_fee[1], token_fee[2])
    return out


@pytest.mark.parametrize("kind", realistic.KINDS)
def test_the_figures_agree_with_a_ledger_recomputed_by_this_test(kind: str, generated: dict[str, Path],
                                                                monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    folder = generated[kind]
    monkeypatch.chdir(folder)
    assert main(shlex.split((folder / "command.txt").read_text())[1:]) == 0, capsys.readouterr().err
    with localcontext() as ctx:
        ctx.prec = 80
        mine = _recompute(folder)
    years = [f"{y}/{(y + 1) % 100:02d}" for y in range(2016, 2028)]
    assert main(["assess", "ledger.csv", "--profile", "profile.toml", "--year", f"{years[0]}..{years[-1]}",
                 "--format", "json", "--quiet"]) == 0
    doc = json.loads(capsys.readouterr().out)
    nodes = doc["nodes"]

    def value(figures: dict[str, str], name: str) -> Decimal:
        return Decimal(str(nodes[figures[name]]["value"]))

    entries = {e["year"]: e for e in doc["years"]}
    assert sorted(entries) == years
    carried = Decimal(0)  # losses carried forward (s.19C), by this test's own arithmetic
    for year in years:
        entry = entries[year]
        assert entry["status"] == "determined" and entry["character"] == "revenue"
        figures = entry["branches"]["revenue"]
        for name in ("revenue_disposal_profits", "business_receipts", "deductions"):
            assert abs(value(figures, name) - mine[year][name]) < Decimal("0.000001"), (year, name)
        net = sum(mine[year].values(), Decimal(0))  # no other income, nothing exempt or offshore
        assert abs(value(figures, "net_profit") - net) < Decimal("0.000001"), year
        set_off = min(max(net, Decimal(0)), carried)
        carried = carried - set_off + max(-net, Decimal(0))
        assessable = max(net - set_off, Decimal(0)).to_integral_value(rounding=ROUND_DOWN)  # whole dollars
        assert value(figures, "assessable_profits") == assessable, year
    assert any(mine[y]["revenue_disposal_profits"] for y in years)
    assert any(mine[y]["business_receipts"] > 0 for y in years) and any(mine[y]["deductions"] < 0 for y in years)
