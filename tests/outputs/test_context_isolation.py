"""Results never depend on the caller's decimal context, and the caller's context is left as it was.

Every example scenario shipped with the package and the suite's worked examples are assessed, explained at
every detail level, rendered in every format, compared and listed, first under Python's default context and
then under hostile contexts (6 digits, ROUND_FLOOR, ``Inexact`` and ``Rounded`` trapped) in several threads
at once (the decimal context is per thread). Every output must be byte-identical, nothing may raise, and
each thread's context (settings and flags) must be unchanged afterwards.
"""

from __future__ import annotations

import decimal
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import hkvatax
from hkvatax.examples import example_names, example_path
from hkvatax.io import load_scenario
from hkvatax.models import Scenario
from hkvatax.render.disposals import disposals_csv, disposals_json, disposals_table
from hkvatax.render.html import ledger_html
from tests.test_worked_examples import EXAMPLES as WORKED
from tests.test_worked_examples import _scenario as worked_scenario

SCENARIOS = [example_path(n) for n in example_names()] + WORKED


def _worked(path: Path) -> Scenario:
    """A worked example: a taxpayer, a year and a profit (tests/test_worked_examples.py), built up front
    because the test's own helper does arithmetic in the caller's context."""
    case = json.loads(path.read_text(encoding="utf-8"))
    with decimal.localcontext(decimal.Context()):
        return worked_scenario(case["taxpayer"], case["year"], case["profit"])


_BUILT = {p: _worked(p) for p in WORKED}


def _load(path: Path) -> Scenario:
    return _BUILT[path] if path in _BUILT else load_scenario(path)  # files are loaded in the hostile context


def _hostile(prec: int, rounding: str, *, trap_inexact: bool) -> decimal.Context:
    ctx = decimal.Context(prec=prec, rounding=rounding, Emin=-20, Emax=20)
    if trap_inexact:
        ctx.traps[decimal.Inexact] = True
        ctx.traps[decimal.Rounded] = True
    return ctx


HOSTILE = [
    _hostile(6, decimal.ROUND_FLOOR, trap_inexact=True),
    _hostile(6, decimal.ROUND_CEILING, trap_inexact=False),
    _hostile(3, decimal.ROUND_DOWN, trap_inexact=True),
    _hostile(28, decimal.ROUND_FLOOR, trap_inexact=False),
]


def _outputs(path: Path) -> dict[str, str]:
    """Everything the public API produces for one scenario, as text."""
    scenario = _load(path)
    out: dict[str, str] = {}
    outcome = hkvatax.assess(scenario)
    for detail in ("summary", "per_asset", "full"):
        e = outcome.explain(detail=detail)
        out[f"json/{detail}"] = e.to_json()
        out[f"text/{detail}"] = e.to_text()
        out[f"md/{detail}"] = e.to_markdown()
        out[f"html/{detail}"] = e.to_html()
    out["flat"] = repr(outcome.to_flat())
    out["repr"] = repr(outcome) + repr(next(iter(outcome.years.values()), None))
    out["assessment_html"] = outcome._repr_html_()
    c = hkvatax.compare(scenario)
    out["compare/json"] = c.to_json()
    out["compare/text"] = c.to_text()
    out["compare/md"] = c.to_markdown()
    out["compare/html"] = c.to_html()
    out["compare/delta"] = repr([d.delta for d in c.differences])
    ledger = hkvatax.match_scenario(scenario)
    out["disposals/json"] = disposals_json(ledger)
    out["disposals/csv"] = disposals_csv(ledger)
    out["disposals/table"] = disposals_table(ledger)
    out["ledger_html"] = ledger_html(ledger) + repr(ledger)
    return out


def _snapshot(ctx: decimal.Context) -> tuple[object, ...]:
    return (ctx.prec, ctx.rounding, ctx.Emin, ctx.Emax, ctx.capitals, ctx.clamp,
            tuple(sorted((k.__name__, v) for k, v in ctx.flags.items())),
            tuple(sorted((k.__name__, v) for k, v in ctx.traps.items())))


def _run_under(ctx: decimal.Context, paths: list[Path]) -> tuple[dict[str, dict[str, str]], bool]:
    decimal.setcontext(ctx)
    ctx.clear_flags()
    before = _snapshot(decimal.getcontext())
    results = {str(p): _outputs(p) for p in paths}
    unchanged = decimal.getcontext() is ctx and _snapshot(ctx) == before
    return results, unchanged


@pytest.fixture(scope="module")
def reference() -> dict[str, dict[str, str]]:
    with decimal.localcontext(decimal.Context()):
        return {str(p): _outputs(p) for p in SCENARIOS}


def test_every_output_is_identical_under_hostile_contexts_in_threads(reference: dict[str, dict[str, str]]) -> None:
    with ThreadPoolExecutor(max_workers=len(HOSTILE)) as pool:
        runs = list(pool.map(lambda c: _run_under(c, SCENARIOS), HOSTILE))
    for ctx, (results, unchanged) in zip(HOSTILE, runs, strict=True):
        assert unchanged, f"the caller's context {ctx} was changed"
        for path, outputs in results.items():
            for key, text in outputs.items():
                assert text == reference[path][key], f"{Path(path).name} {key} differs under {ctx}"


def test_importing_hkvatax_sets_no_flag_and_survives_a_hostile_context() -> None:
    code = ("import decimal\n"
            "ctx = decimal.Context(prec=3, rounding=decimal.ROUND_FLOOR)\n"
            "ctx.traps[decimal.Inexact] = True\n"
            "ctx.traps[decimal.Rounded] = True\n"
            "decimal.setcontext(ctx)\n"
            "import hkvatax, hkvatax.cli, hkvatax.explain, hkvatax.compare, hkvatax.render.html\n"
            "assert not any(ctx.flags.values()), ctx.flags\n"
            "assert decimal.getcontext() is ctx\n")
    subprocess.run([sys.executable, "-c", code], check=True)
