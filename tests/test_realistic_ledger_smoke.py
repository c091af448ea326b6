"""Smoke test of the realistic-ledger generator (bench/realistic_ledger.py) and of the issue-15 harness
(bench/core.py) at a few hundred rows (no timing): the files validate, assess, and the in-memory forms
are the same ledger."""

from __future__ import annotations

import csv
import sys
from datetime import date
from pathlib import Path

import pytest

import hkvatax
from hkvatax.io.loaders import load_csv_ledger

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import core  # noqa: E402
import realistic_ledger as realistic  # noqa: E402

# two years of history keep the daily rates file small (about 8,000 rows)
SINCE, UNTIL = date(2024, 4, 1), date(2026, 3, 31)
ROWS = 300


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return realistic.write_all(ROWS, tmp_path_factory.mktemp("realistic"), seed=3, since=SINCE, until=UNTIL)


def test_generator_is_deterministic_and_covers_every_kind(files: dict[str, Path], tmp_path: Path) -> None:
    again = realistic.write_all(ROWS, tmp_path, seed=3, since=SINCE, until=UNTIL)
    for key in files:
        assert files[key].read_bytes() == again[key].read_bytes()
    with files["ledger"].open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == ROWS
    assert {r["kind"] for r in rows} == {"swap", "fee", "acquisition", "disposal", "transfer", "receipt", "expense"}
    assert any(r["kind"] == "swap" and r["currency"] == "USDT" for r in rows)
    assert any(r["kind"] == "fee" and r["fee_currency"] == "BNB" and not r["fee_value"] for r in rows)
    assert {r["subtype"] for r in rows if r["kind"] == "receipt"} == {"staking", "airdrop"}
    assert {r["currency"] for r in rows if r["kind"] == "acquisition"} == {"HKD", "USD"}
    stamps = [r["timestamp"] for r in rows]
    assert stamps == sorted(stamps) and len(set(stamps)) == ROWS


def test_files_validate_and_both_variants_assess(files: dict[str, Path]) -> None:
    for key in ("profile_a", "profile_b"):
        scenario = load_csv_ledger(files["ledger"], files[key])  # raises InputError on any row problem
        hkvatax.match_scenario(scenario)  # and on any oversell or missing price
        outcome = hkvatax.assess_csv(files["ledger"], files[key], "2025/26")
        assert outcome["2025/26"].tax_payable is not None
        assert "Tax payable" in outcome.explain(detail="summary").to_text()


def test_history_from_2016_validates_and_assesses(tmp_path: Path) -> None:
    paths = realistic.write_all(200, tmp_path, seed=5, since=date(2016, 1, 1), until=date(2017, 3, 31))
    for key in ("profile_a", "profile_b"):
        hkvatax.match_scenario(load_csv_ledger(paths["ledger"], paths[key]))
        outcome = hkvatax.assess_csv(paths["ledger"], paths[key])
        assert list(outcome.years) == ["2015/16", "2016/17"]
        assert outcome["2016/17"].tax_payable is not None


def test_in_memory_forms_are_the_same_ledger(files: dict[str, Path]) -> None:
    with files["ledger"].open(encoding="utf-8", newline="") as fh:
        assert realistic.row_dicts(ROWS, 3, SINCE, UNTIL) == list(csv.DictReader(fh))
    scenario = realistic.scenario(ROWS, "b", seed=3, since=SINCE, until=UNTIL)
    from_csv = hkvatax.assess_csv(files["ledger"], files["profile_b"])
    from_models = hkvatax.assess(scenario)
    assert {y: a.tax_payable for y, a in from_models.years.items()} == \
           {y: a.tax_payable for y, a in from_csv.years.items()}


def test_harness_child_jobs_run(files: dict[str, Path], tmp_path: Path) -> None:
    spec = {"path": str(files["ledger"]), "profile": str(files["profile_a"])}
    summary = core.child("csv", spec)
    full = core.child("csv", {**spec, "detail": "full", "json_out": str(tmp_path / "full.json")})
    assert summary["tax"] == full["tax"] and full["json_mb"] > 0
    rows = core.child("rows", {"n": 50, "seed": 3, "since": SINCE.isoformat(), "profile": spec["profile"]})
    assert "skipped" in rows or rows["compute_s"] >= 0
    assert core.line_count()["total"] > 0
