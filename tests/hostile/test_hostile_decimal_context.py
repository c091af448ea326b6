"""A property: the output of a valid input is unchanged by any hostile caller decimal context.

tests/outputs/test_context_isolation.py checks the shipped examples under four fixed hostile contexts; here
hypothesis draws both the valid scenario (:func:`tests.strategies.scenarios`: every event kind, lot methods,
per-wallet pools, opening lots, rates) and the caller's context — any precision from 1 digit, any rounding,
narrow exponent limits, clamping, and any set of traps including ``Inexact``, ``Rounded``, ``Subnormal``,
``Underflow`` — and requires every output to be byte-identical to the output under Python's default context,
and the caller's context (settings and flags) to be as it was.
"""

from __future__ import annotations

import decimal
import json

from hypothesis import given
from hypothesis import strategies as st

import hkvatax
from hkvatax.render.disposals import disposals_csv, disposals_json
from tests.strategies import GeneratedScenario, scenarios

from .harness import case, hostile_settings

ROUNDINGS = [decimal.ROUND_CEILING, decimal.ROUND_DOWN, decimal.ROUND_FLOOR, decimal.ROUND_HALF_DOWN,
             decimal.ROUND_HALF_EVEN, decimal.ROUND_HALF_UP, decimal.ROUND_UP, decimal.ROUND_05UP]
SIGNALS = [decimal.Clamped, decimal.DivisionByZero, decimal.Inexact, decimal.InvalidOperation, decimal.Overflow,
           decimal.Rounded, decimal.Subnormal, decimal.Underflow, decimal.FloatOperation]


@st.composite
def hostile_contexts(draw: st.DrawFn) -> decimal.Context:
    prec = draw(st.one_of(st.integers(1, 8), st.integers(9, 60)))
    emax = draw(st.integers(max(prec, 6), 10**6))
    traps = draw(st.lists(st.sampled_from(SIGNALS), unique=True))
    return decimal.Context(prec=prec, rounding=draw(st.sampled_from(ROUNDINGS)), Emin=-emax, Emax=emax,
                           capitals=draw(st.integers(0, 1)), clamp=draw(st.integers(0, 1)), traps=traps)


def _outputs(generated: GeneratedScenario) -> dict[str, str]:
    scenario = generated.scenario
    out: dict[str, str] = {}
    try:
        outcome = hkvatax.assess(scenario)
    except hkvatax.HkvataxError as exc:  # a valid ledger may still be refused (e.g. a year with no parameters)
        return {"error": json.dumps(exc.to_dict(), sort_keys=True)}
    full = outcome.explain(detail="full")
    out["json"] = full.to_json()
    out["text"] = outcome.explain(detail="per_asset").to_text()
    out["flat"] = repr(outcome.to_flat())
    out["compare"] = hkvatax.compare(scenario).to_json()
    ledger = hkvatax.match_scenario(scenario, receipt_cost_basis=generated.receipt_cost_basis)
    out["disposals"] = disposals_csv(ledger) + disposals_json(ledger)
    return out


def _snapshot(ctx: decimal.Context) -> tuple[object, ...]:
    return (ctx.prec, ctx.rounding, ctx.Emin, ctx.Emax, ctx.capitals, ctx.clamp,
            tuple(sorted((k.__name__, v) for k, v in ctx.flags.items())),
            tuple(sorted((k.__name__, v) for k, v in ctx.traps.items())))


@hostile_settings("decimal-context", 150)
@given(generated=scenarios(max_events=10), ctx=hostile_contexts())
def test_output_of_a_valid_input_is_unchanged_by_any_hostile_decimal_context(generated: GeneratedScenario,
                                                                             ctx: decimal.Context) -> None:
    with case("decimal-context"):
        with decimal.localcontext(decimal.Context()):
            reference = _outputs(generated)
        with decimal.localcontext(ctx) as caller:
            caller.clear_flags()
            before = _snapshot(caller)
            hostile = _outputs(generated)
            assert _snapshot(decimal.getcontext()) == before, "the caller's decimal context was changed"
        assert hostile == reference
