"""DataFrames with documented dtypes, and the two charts (optional extras: pandas, matplotlib)."""

from __future__ import annotations

from decimal import Decimal

import pytest

import hkvatax
from hkvatax.examples import example_path
from hkvatax.io import load_scenario
from hkvatax.render.charts import waterfall_steps
from hkvatax.render.frames import DTYPES

pd = pytest.importorskip("pandas")


def test_frames_have_the_documented_dtypes_and_exact_values() -> None:
    c = hkvatax.compare(load_scenario(example_path("private_fund")))
    frames = c.to_frames()
    assert {"comparison", "statements", "conditions", "disposals", "fragments", "pools"} <= set(frames)
    for name, df in frames.items():
        for col in df.columns:
            expected = DTYPES.get(col, "object")
            assert str(df[col].dtype) == expected, (name, col, df[col].dtype)
    d = frames["disposals"]
    assert all(isinstance(v, Decimal) for v in d["gain_hkd"])
    ledger = c.baseline.full_ledger()
    assert ledger is not None and sum(d["gain_hkd"], Decimal(0)) == sum((x.gain_hkd for x in ledger.disposals),
                                                                       Decimal(0))
    comp = frames["comparison"]
    assert comp["changed"].any() and (comp.loc[comp["changed"], "causes"] != "").all()
    st = c.baseline.to_pandas()
    tax = st[(st["figure"] == "tax_payable")]["value"].iloc[0]
    assert tax == c.baseline["2025/26"].tax_payable


def test_waterfall_totals_are_running_sums_ending_at_tax_payable() -> None:
    outcome = hkvatax.assess(load_scenario(example_path("corporation")))
    for ya in outcome.years.values():
        assert ya.result is not None
        running = Decimal(0)
        for _label, amount, kind in waterfall_steps(ya.result):
            if kind == "total":
                assert amount == running
            else:
                running += amount
        assert running == ya.result.tax_payable


def test_charts_draw() -> None:
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    c = hkvatax.compare(load_scenario(example_path("family_office")))
    ax = c.plot_tax_by_year()
    assert len(ax.patches) == 2 * len(c.baseline.years)
    ax2 = c.baseline.plot_waterfall("2025/26")
    assert ax2.get_title().startswith("2025/26")


def test_notebook_displays_and_short_reprs() -> None:
    ipython = pytest.importorskip("IPython")
    from IPython.core.interactiveshell import InteractiveShell

    from hkvatax.render.html import register_notebook_formatters

    shell = InteractiveShell.instance()
    register_notebook_formatters()
    outcome = hkvatax.assess(load_scenario(example_path("ledger_demo")))
    ledger = outcome.full_ledger()
    assert ledger is not None
    data, _meta = shell.display_formatter.format(ledger)
    assert 'class="hkvatax"' in data["text/html"] and "Rounding" not in data["text/plain"]
    for obj in (outcome, outcome["2024/25"], outcome.explain(), hkvatax.compare(load_scenario(example_path("corporation"))),
                ledger):
        assert len(repr(obj)) < 300, type(obj)
        if hasattr(obj, "_repr_html_"):
            assert obj._repr_html_().startswith('<div class="hkvatax"><style>')
    assert ipython is not None
