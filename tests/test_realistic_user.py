"""Issue 10, requirement 8: a generated trader and company, from their exports to one ledger, by the README's command.

The generator (bench/realistic.py) keeps every account's balance itself; this test walks the imported
generic ledger with its own arithmetic (not hkvatax's ledger) and checks the balances agree, that no
deposit or withdrawal is left unexplained, that every value the ledger will need can be priced through
the emitted rates, and that the ledger core accepts the result.
"""

from __future__ import annotations

import csv
import shlex
import sys
from collections import defaultdict
from decimal import Decimal
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
    from datetime import datetime

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
