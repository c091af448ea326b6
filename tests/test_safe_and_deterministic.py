"""Safe output, no dangerous calls in the library, the JSON Schema, error docs, and determinism."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from hkvatax.errors import ERROR_CODES, InputError
from hkvatax.io.safe_csv import safe_cell
from hkvatax.ledger import run_ledger
from hkvatax.models.events import Acquisition, Disposal, Swap
from hkvatax.models.prices import Rate

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
UTC = UTC


@pytest.mark.parametrize("cell", ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "=HYPERLINK(\"x\")"])
def test_formulas_are_neutralised(cell: str) -> None:
    assert safe_cell(cell).startswith("'")


@pytest.mark.parametrize("cell", ["-1234.50", "12", "BTC", "", None])
def test_plain_values_untouched(cell: str | None) -> None:
    assert safe_cell(cell) == ("" if cell is None else cell)


def test_explicit_plus_sign_is_dropped_from_numbers() -> None:
    assert safe_cell("+5") == "5" and safe_cell("+0.25") == "0.25"


def _is_quick_init_exec(call: ast.Call) -> bool:
    """Whether ``call`` is ``trace.quick_init``'s ``exec`` of an f-string into its own ``env`` (decision 0184):
    the source it runs is made only of a library dataclass's field names, never of input."""
    return (len(call.args) == 2 and isinstance(call.args[0], ast.JoinedStr)
            and isinstance(call.args[1], ast.Name) and call.args[1].id == "env")


def test_quick_init_is_the_only_exec_and_runs_field_names_only() -> None:
    import inspect

    from hkvatax.trace import quick_init

    source = inspect.getsource(quick_init)
    assert source.count("exec(") == 1
    assert "names.append(f.name)" in source and 'names.append(f"{f.name}=_default_{f.name}")' in source


def test_library_never_evaluates_unpickles_or_fetches() -> None:
    banned_calls = {"eval", "exec", "compile", "__import__", "input"}
    banned_modules = {"pickle", "marshal", "shelve", "urllib", "http", "socket", "requests", "subprocess",
                      "ftplib", "smtplib", "ctypes", "yaml"}
    offenders = []
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in banned_calls:
                offenders.append(f"{path.name}:{node.lineno} {node.func.id}()")
                if (path.name, node.func.id) == ("trace.py", "exec") and _is_quick_init_exec(node):
                    offenders.pop()  # the one audited use (decision 0184): source made of dataclass field names
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            offenders += [f"{path.name}:{node.lineno} import {n}" for n in names if n.split(".")[0] in banned_modules]
            if isinstance(node, ast.Attribute) and node.attr in {"system", "popen"}:
                offenders.append(f"{path.name}:{node.lineno} .{node.attr}")
    assert offenders == []


def test_docs_errors_lists_every_code() -> None:
    text = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", text, flags=re.M))
    assert documented == set(ERROR_CODES)


def _shape(node: object) -> object:
    """What a JSON Schema says about our models — properties, required fields, enums, constants,
    references, types — without the details each pydantic release words differently (patterns, formats)."""
    if isinstance(node, list):
        return [_shape(v) for v in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, object] = {}
    for k, v in sorted(node.items()):
        if k in ("properties", "$defs", "patternProperties"):  # maps of names to schemas: keep every name
            out[k] = {name: _shape(sub) for name, sub in sorted(v.items())}
        elif k not in _WORDING:
            out[k] = _shape(v)
    return out


_WORDING = {"pattern", "format", "description", "title", "examples", "default", "minimum", "maximum",
            "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "decimal_places", "max_digits"}


def test_committed_schema_is_current() -> None:
    """The committed schema describes the current models as the loader reads them. (Its exact text also depends
    on the pydantic release that wrote it; regenerate it with the latest: ``hkvatax schema > docs/scenario.schema.json``.)"""
    from hkvatax.schemas import scenario_schema

    committed = json.loads((ROOT / "docs" / "scenario.schema.json").read_text(encoding="utf-8"))
    assert _shape(committed) == _shape(scenario_schema()), \
        "regenerate with: hkvatax schema > docs/scenario.schema.json"


def test_cli_schema_prints_it(capsys: pytest.CaptureFixture[str]) -> None:
    from hkvatax.cli import main

    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "Scenario" and "events" in schema["properties"]


def _t(day: int) -> datetime:
    return datetime(2023, 5, day, tzinfo=UTC)


def test_disposal_before_any_acquisition_has_its_own_code() -> None:
    events = [Disposal(id="s", timestamp=_t(1), asset="BTC", quantity=Decimal(1), proceeds=Decimal(10))]
    with pytest.raises(InputError) as info:
        run_ledger(events)
    assert info.value.codes == ["disposal_before_acquisition"]
    assert info.value.problems[0].column == "quantity" and info.value.problems[0].suggestion


def test_oversell_after_holding_stays_oversell() -> None:
    events = [Acquisition(id="b", timestamp=_t(1), asset="BTC", quantity=Decimal(1), cost=Decimal(10)),
              Disposal(id="s", timestamp=_t(2), asset="BTC", quantity=Decimal(2), proceeds=Decimal(10))]
    with pytest.raises(InputError) as info:
        run_ledger(events)
    assert info.value.codes == ["oversell"]


def test_swap_without_price_and_unknown_currency() -> None:
    events = [Acquisition(id="b", timestamp=_t(1), asset="BTC", quantity=Decimal(1), cost=Decimal(10),
                          currency="XYZ"),
              Swap(id="w", timestamp=_t(2), give_asset="BTC", give_quantity=Decimal(1), receive_asset="ETH",
                   receive_quantity=Decimal(5))]
    rates = [Rate(base="USD", rate=Decimal("7.8"), at=_t(1), source="t")]
    with pytest.raises(InputError) as info:
        run_ledger(events, rates=rates)
    assert info.value.codes == ["unknown_currency", "missing_price"]


_SNIPPET = """
import sys
from hkvatax.io import load_scenario
from hkvatax.io.importers import import_file, to_generic_csv
from hkvatax.examples import example_path
from hkvatax.ledger import match_scenario
from hkvatax.render.disposals import disposals_json
sys.stdout.write(disposals_json(match_scenario(load_scenario(example_path("ledger_demo")))))
for fmt, name in [("kraken", "kraken_ledgers.csv"), ("binance", "binance_trades.csv")]:
    sys.stdout.write(to_generic_csv(import_file(fmt, sys.argv[1] + "/" + name)))
from hkvatax import assess, compare
for example in ("individual_trader", "ledger_demo", "private_fund", "family_office"):
    scenario = load_scenario(example_path(example))
    sys.stdout.write(assess(scenario).explain(detail="full").to_json())
    sys.stdout.write(compare(scenario).to_json())
"""


def test_output_is_byte_identical_across_processes_and_hash_seeds() -> None:
    outputs = set()
    for seed in ("0", "1", "12345", "random"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(SRC)}
        done = subprocess.run([sys.executable, "-c", _SNIPPET, str(ROOT / "tests" / "data" / "importers")],
                              env=env, capture_output=True, check=True)
        outputs.add(done.stdout)
    assert len(outputs) == 1 and len(next(iter(outputs))) > 1000
